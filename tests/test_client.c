/* The Quick Start app (examples/quickstart.c) through the in-process test client: the five
 * cases of the README, with FastAPI's exact statuses and bodies, plus what the client itself
 * promises (headers case-insensitive, JSON helper, HEAD, redirects). Every request of the
 * tables also goes over a real socket to a karak_server of the same app, started for each
 * test (both_* in testutil.h): same status, same body bytes, same headers. A second app
 * checks the redirects, followed as httpx (FastAPI's TestClient) follows them. The example
 * binary itself is served by test_http.c. */
#include <stdatomic.h>
#include <stdio.h>
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
    client = test_client_open(app);
    test_serve(app, &server, &port);
}

static void teardown(void)
{
    test_fixture_close(&app, &client, &server);
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

/* ---- redirects, as httpx (follow_redirects=True) follows them ---- */

static karak_app *rapp;
static karak_client *rclient;
static karak_server *rserver;
static unsigned rport;
static atomic_int loop_calls; /* calls of /loop, in-process and over the socket */

/* /to/{code}?to=TARGET answers `code` with Location: TARGET (none without ?to). */
static karak_result redirect_to(karak_ctx *c)
{
    const char *to = karak_req_query_param(c, "to");
    if (to != NULL && karak_resp_header_add(c, "Location", to) != 0) return KARAK_FAIL;
    karak_resp_status_set(c, (int)karak_path_i64(c, "code"));
    return karak_resp_empty(c);
}

/* What arrived: method, body and Content-Type. */
static karak_result echo_request(karak_ctx *c)
{
    size_t len = 0;
    const char *body = karak_req_body(c, &len);
    return karak_resp_json_new(c, json_pack("{s:s,s:s#,s:s?}", "method", karak_req_method(c),
                                            "body", body, (int)len, "ct",
                                            karak_req_header(c, "content-type")));
}

/* /loop/{n} redirects to /loop/{n+1}, forever. */
static karak_result redirect_loop(karak_ctx *c)
{
    atomic_fetch_add(&loop_calls, 1);
    char to[64];
    snprintf(to, sizeof to, "http://testserver/loop/%lld",
             (long long)karak_path_i64(c, "n") + 1);
    karak_resp_header_add(c, "Location", to);
    karak_resp_status_set(c, 302);
    return karak_resp_empty(c);
}

static void redirect_setup(void)
{
    rapp = karak_new();
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        ck_assert_int_eq(
            karak_route_add(rapp, methods[i], "/to/{code:int}", redirect_to, "redirect_to", NULL),
            0);
        ck_assert_int_eq(
            karak_route_add(rapp, methods[i], "/echo", echo_request, "echo_request", NULL), 0);
    }
    ck_assert_int_eq(karak_get(rapp, "/loop/{n:int}", redirect_loop), 0);
    rclient = karak_client_new(rapp);
    ck_assert_ptr_nonnull(rclient);
    rserver = test_server_start(rapp);
    rport = karak_server_port(rserver);
}

static void redirect_teardown(void)
{
    ck_assert_int_eq(karak_server_stop(rserver, 1000), 0);
    karak_server_free(rserver);
    karak_client_free(rclient);
    karak_app_free(rapp);
}

/* `method` with a JSON body to /to/{code}?to=/echo: what /echo saw. */
static void expect_redirect(const char *method, int code, const char *want)
{
    char target[64];
    snprintf(target, sizeof target, "/to/%d?to=/echo", code);
    char where[96];
    snprintf(where, sizeof where, "%s %d", method, code);
    expect_response(both_request(rclient, rport, method, target,
                                 &(const karak_request_opts){.json = "{\"a\":1}",
                                                             KARAK_REQUEST_END_}),
                    200, want, where);
}

#define KEPT(m) "{\"method\":\"" m "\",\"body\":\"{\\\"a\\\":1}\",\"ct\":\"application/json\"}"
/* httpx drops the body and Content-Length when the method becomes GET, not Content-Type */
#define TO_GET "{\"method\":\"GET\",\"body\":\"\",\"ct\":\"application/json\"}"

START_TEST(redirects_follow_httpx)
{
    /* 303: GET without body, whatever the method (a GET keeps its body: httpx drops it only
       when the method changes) */
    expect_redirect("POST", 303, TO_GET);
    expect_redirect("PUT", 303, TO_GET);
    expect_redirect("GET", 303, KEPT("GET"));
    /* 302: as browsers, every method but HEAD becomes GET */
    expect_redirect("POST", 302, TO_GET);
    expect_redirect("DELETE", 302, TO_GET);
    /* 301: a POST becomes GET, other methods stay */
    expect_redirect("POST", 301, TO_GET);
    expect_redirect("PUT", 301, KEPT("PUT"));
    expect_redirect("PATCH", 301, KEPT("PATCH"));
    /* 307 and 308 keep the method and the body */
    expect_redirect("POST", 307, KEPT("POST"));
    expect_redirect("POST", 308, KEPT("POST"));
    expect_redirect("PUT", 308, KEPT("PUT"));
    expect_redirect("DELETE", 307, KEPT("DELETE"));

    /* HEAD stays HEAD, even for a 303 */
    static const int codes[] = {301, 302, 303, 307, 308};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        char target[64];
        snprintf(target, sizeof target, "/to/%d?to=/echo", codes[i]);
        karak_reply *r = both_head(rclient, rport, target);
        /* the GET body would be {"method":"HEAD","body":"","ct":null} */
        ck_assert_str_eq(karak_reply_header(r, "content-length"), "37");
        ck_assert_str_eq(karak_reply_header(r, "content-type"), "application/json");
        EXPECT(r, 200, "");
    }

    /* without a Location, or with .no_redirects, the 3xx itself */
    karak_reply *r = both_post(rclient, rport, "/to/302", .json = "{}");
    ck_assert_ptr_null(karak_reply_header(r, "location"));
    ck_assert_str_eq(karak_reply_header(r, "content-length"), "0");
    EXPECT(r, 302, "");
    r = both_post(rclient, rport, "/to/303?to=/echo", .json = "{}", .no_redirects = true);
    ck_assert_str_eq(karak_reply_header(r, "location"), "/echo");
    EXPECT(r, 303, "");
    /* other 3xx are not followed */
    r = both_get(rclient, rport, "/to/300?to=/echo");
    ck_assert_str_eq(karak_reply_header(r, "location"), "/echo");
    EXPECT(r, 300, "");
    r = both_get(rclient, rport, "/to/304?to=/echo");
    ck_assert_str_eq(karak_reply_header(r, "location"), "/echo");
    EXPECT(r, 304, "");
}
END_TEST

START_TEST(redirects_stop_after_twenty_hops)
{
    /* the request and 20 redirects: the 21st answer, a 302, is returned */
    atomic_store(&loop_calls, 0);
    karak_reply *r = both_get(rclient, rport, "/loop/0");
    ck_assert_int_eq(atomic_load(&loop_calls), 2 * 21); /* in-process, then over the socket */
    ck_assert_str_eq(karak_reply_header(r, "location"), "http://testserver/loop/21");
    EXPECT(r, 302, "");
    atomic_store(&loop_calls, 0);
    r = karak_client_get(rclient, "/loop/5", .no_redirects = true);
    ck_assert_int_eq(atomic_load(&loop_calls), 1);
    ck_assert_str_eq(karak_reply_header(r, "location"), "http://testserver/loop/6");
    EXPECT(r, 302, "");
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
    TCase *redirects = tcase_create("redirects");
    tcase_add_checked_fixture(redirects, redirect_setup, redirect_teardown);
    tcase_add_test(redirects, redirects_follow_httpx);
    tcase_add_test(redirects, redirects_stop_after_twenty_hops);
    suite_add_tcase(s, redirects);
    return s;
}

int main(void)
{
    return run_suite(client_suite());
}
