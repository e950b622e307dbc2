// The public headers compile as C++ (they declare extern "C"), and the library links from
// C++. The option macros use C99 compound literals, so C++ calls the functions directly.
#include <karak.h>

#include <cstring>

static karak_result hello(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "message", "Hello, World!"));
}

int main()
{
    karak_app *app = karak_app_new(nullptr);
    if (app == nullptr) return 1;
    if (karak_route_add(app, "GET", "/", hello, "hello", nullptr) != KARAK_OK) return 1;
    karak_client *client = karak_client_new(app);
    karak_reply *r = karak_client_request(client, "GET", "/", nullptr);
    size_t len = 0;
    const char *body = karak_reply_body(r, &len);
    bool ok = karak_reply_status(r) == 200 &&
              std::strcmp(body, "{\"message\":\"Hello, World!\"}") == 0 &&
              std::strcmp(karak_strerror(KARAK_ENOMEM), "out of memory") == 0;
    karak_reply_free(r);
    karak_client_free(client);
    karak_app_free(app);
    return ok ? 0 : 1;
}
