/* A program outside the tree, built against an installed libkarak (see run.sh). */
#include <karak.h>
#include <stdio.h>
#include <string.h>

static karak_result hello(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "message", "Hello, World!"));
}

int main(void)
{
    karak_app *app = karak_new(.title = "consumer");
    karak_get(app, "/", hello);
    karak_client *client = karak_client_new(app);
    karak_reply *r = karak_client_get(client, "/");
    const char *body = karak_reply_body(r, NULL);
    int ok = karak_reply_status(r) == 200 && strcmp(body, "{\"message\":\"Hello, World!\"}") == 0;
    printf("libkarak %s: GET / -> %d %s\n", karak_version(), karak_reply_status(r), body);
    karak_reply_free(r);
    karak_client_free(client);
    karak_app_free(app);
    return ok ? 0 : 1;
}
