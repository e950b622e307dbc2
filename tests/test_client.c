/* The Quick Start app (examples/quickstart.c) through the in-process test client: the five
 * cases of the README, with FastAPI's exact statuses and bodies, plus what the client itself
 * promises (headers case-insensitive, JSON helper, HEAD, redirects). Every request of the
 * tables also goes over a real socket to a karak_server of the same app, started for each
 * test (both_* in testutil.h): same status, same body bytes, same headers. The example
 * binary itself is served by test_http.c. */
#include <string.h>

#include "testutil.h"

/* The example itself, its main() renamed: the suite tests the very app the README shows. */
int quickstart_main(int argc, char **argv);
#define main quickstart_main
#include "../examples/quickstart.c"
#undef main

static karak_app *app;
static karak_client *client;
static karak_server *server;
static unsigned port;

static void setup(void)
{
    app = quickstart_app();
    ck_assert_ptr_null(karak_app_error(app));
    client = karak_client_new(app);
    ck_assert_ptr_nonnull(client);
    server = test_server_start(app);
    port = karak_server_port(server);
}

static void teardown(void)
{
    ck_assert_int_eq(karak_server_stop(server, 1000), 0);
    karak_server_free(server);
    karak_client_free(client);
    karak_app_free(app);
}

START_TEST(quickstart_cases)
{
    karak_reply *r = both_get(client, port, "/");
    ck_assert_str_eq(karak_reply_header(r, "Content-Type"), "application/json");
    ck_assert_str_eq(karak_reply_header(r, "CONTENT-LENGTH"), "27");
    EXPECT(r, 200, "{\"message\":\"Hello, World!\"}");
    EXPECT(both_get(client, port, "/items/42"), 200, "{\"id\":42}");
    EXPECT(both_get(client, port, "/items/abc"), 422,
           "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input "
           "should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"}]}");
    EXPECT(both_post(client, port, "/items", .json = "{\"name\":\"pen\",\"price\":9.99}"), 200,
           "{\"name\":\"pen\",\"price\":9.99}");
    EXPECT(both_post(client, port, "/items", .json = "{\"price\":\"cheap\"}"), 422,
           "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field "
           "required\",\"input\":{\"price\":\"cheap\"}},{\"type\":\"float_parsing\",\"loc\":["
           "\"body\",\"price\"],\"msg\":\"Input should be a valid number, unable to parse string "
           "as a number\",\"input\":\"cheap\"}]}");
    EXPECT(both_get(client, port, "/nope"), 404, "{\"detail\":\"Not Found\"}");
}
END_TEST

START_TEST(floats_echo_as_written)
{
    static const char *const prices[][2] = {
        {"9.99", "9.99"}, {"0.1", "0.1"}, {"1", "1.0"}, {"1e16", "1e+16"}, {"123.456", "123.456"},
        {"0.00001", "1e-05"}, {"2.5e-3", "0.0025"}, {"1.7976931348623157e308", "1.7976931348623157e+308"},
    };
    for (size_t i = 0; i < sizeof prices / sizeof *prices; i++) {
        char body[128], want[128];
        snprintf(body, sizeof body, "{\"name\":\"x\",\"price\":%s}", prices[i][0]);
        snprintf(want, sizeof want, "{\"name\":\"x\",\"price\":%s}", prices[i][1]);
        expect_response(both_post(client, port, "/items", .json = body), 200, want, body);
    }
}
END_TEST

START_TEST(json_helper_and_head)
{
    karak_reply *r = both_post(client, port, "/items", .json = "{\"name\":\"a\",\"price\":2}");
    json_t *j = karak_reply_json(r);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "name")), "a");
    ck_assert(json_real_value(json_object_get(j, "price")) == 2.0);
    json_decref(j);
    karak_reply_free(r);

    r = both_head(client, port, "/");
    ck_assert_str_eq(karak_reply_header(r, "content-length"), "27");
    EXPECT(r, 200, "");
    r = both_get(client, port, "/items/5/");
    EXPECT(r, 200, "{\"id\":5}"); /* the 307 was followed */
    r = both_get(client, port, "/items/5/?a=1", .no_redirects = true);
    ck_assert_str_eq(karak_reply_header(r, "location"), "http://testserver/items/5?a=1");
    EXPECT(r, 307, "");
}
END_TEST

START_TEST(client_rejects_bad_arguments)
{
    ck_assert_ptr_null(karak_client_new(NULL));
    ck_assert_ptr_null(karak_client_request(client, NULL, "/", NULL));
    ck_assert_ptr_null(karak_client_request(NULL, "GET", "/", NULL));
    EXPECT(karak_client_request(client, "GET", "/", NULL), 200, NULL);
    EXPECT(both_request(client, port, "GET", "/", NULL), 200, "{\"message\":\"Hello, World!\"}");
    ck_assert_int_eq(karak_reply_status(NULL), 0);
    karak_reply_free(NULL);
    karak_client_free(NULL);
    karak_app_free(NULL);
}
END_TEST

static Suite *client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("quickstart");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, quickstart_cases);
    tcase_add_test(tc, floats_echo_as_written);
    tcase_add_test(tc, json_helper_and_head);
    tcase_add_test(tc, client_rejects_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(client_suite());
}
