/* Responses: JSON encoding as Starlette writes it, text, empty, HTTPException-style errors
 * with headers, statuses without bodies, and the 500 for every kind of handler failure. */
#include <string.h>

#include "testutil.h"

static karak_result json_doc(karak_ctx *c)
{
    return karak_resp_json_new(
        c, json_pack("{s:s,s:s,s:[f,f,f,f,f,f],s:{s:b,s:n,s:I}}", "text",
                     "h\xc3\xa9llo \xe2\x82\xac / \"q\" \\", "ctl", "a\nb\tc\x01\x1f", "floats",
                     9.99, 3.0, 1e16, 1e-05, 0.1 + 0.2, -0.0, "nested", "t", 1, "nil", "big",
                     (json_int_t)INT64_MAX));
}

static karak_result string_value(karak_ctx *c)
{
    return karak_resp_json_new(c, json_string("hello"));
}

static karak_result text(karak_ctx *c)
{
    return karak_resp_text(c, "plain \xc3\xa9");
}

static karak_result empty(karak_ctx *c)
{
    return karak_resp_empty(c);
}

static karak_result accepted_empty(karak_ctx *c)
{
    karak_resp_status_set(c, 202);
    return karak_resp_empty(c);
}

static karak_result created(karak_ctx *c)
{
    karak_resp_header_add(c, "X-Id", "7");
    return karak_resp_json_new(c, json_pack("{s:i}", "id", 7));
}

static karak_result teapot(karak_ctx *c)
{
    karak_resp_header_add(c, "x-error", "yes");
    return karak_resp_error_json_new(c, 418, json_pack("{s:s}", "why", "teapot"));
}

static karak_result forbidden(karak_ctx *c)
{
    return karak_resp_error(c, 403, NULL);
}

static karak_result not_found_item(karak_ctx *c)
{
    return karak_resp_error(c, 404, "Item not found");
}

static karak_result no_content_error(karak_ctx *c)
{
    return karak_resp_error(c, 304, "ignored");
}

static karak_result fails(karak_ctx *c)
{
    karak_resp_header_add(c, "x-lost", "1");
    (void)c;
    return KARAK_FAIL;
}

static karak_result forgets(karak_ctx *c)
{
    (void)c;
    return KARAK_DONE;
}

static karak_result null_json(karak_ctx *c)
{
    return karak_resp_json_new(c, NULL);
}

static karak_result wrong_param(karak_ctx *c)
{
    karak_path_i64(c, "nope");
    return karak_resp_json_new(c, json_true());
}

static karak_result header_rules(karak_ctx *c)
{
    bool ok = karak_resp_header_add(c, "Content-Type", "text/html") == KARAK_EINVAL &&
              karak_resp_header_add(c, "content-length", "1") == KARAK_EINVAL &&
              karak_resp_header_add(c, "X-Bad", "a\r\nb") == KARAK_EINVAL &&
              karak_resp_header_add(c, "", "x") == KARAK_EINVAL &&
              karak_resp_header_add(c, "X-Good", "yes") == KARAK_OK;
    return karak_resp_json_new(c, json_boolean(ok));
}

static karak_result request_info(karak_ctx *c)
{
    char *scratch = karak_alloc(c, 16);
    const char *q = karak_req_query_param(c, "q");
    const char *ua = karak_req_header(c, "USER-AGENT");
    return karak_resp_json_new(c, json_pack("{s:s,s:s,s:s?,s:s?,s:b}", "method", karak_req_method(c),
                                       "path", karak_req_path(c), "q", q, "ua", ua, "zeroed",
                                       scratch != NULL && scratch[0] == 0 && scratch[15] == 0));
}

static const struct {
    const char *method;
    const char *pattern;
    karak_handler fn;
    int status;
} routes[] = {
    {"GET", "/json", json_doc, 0},          {"GET", "/string", string_value, 0},
    {"GET", "/text", text, 0},              {"DELETE", "/empty", empty, 0},
    {"POST", "/accepted", accepted_empty, 0}, {"POST", "/created", created, 201},
    {"GET", "/teapot", teapot, 0},          {"GET", "/forbidden", forbidden, 0},
    {"GET", "/missing", not_found_item, 0}, {"GET", "/not-modified", no_content_error, 0},
    {"GET", "/fails", fails, 0},            {"GET", "/forgets", forgets, 0},
    {"GET", "/null", null_json, 0},         {"GET", "/wrong/{id:int}", wrong_param, 0},
    {"GET", "/headers", header_rules, 0},   {"GET", "/info/{p}", request_info, 0},
};

static karak_app *app;
static karak_client *client;

static void setup(void)
{
    app = karak_new();
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        ck_assert_int_eq(karak_route_add(app, routes[i].method, routes[i].pattern, routes[i].fn,
                                         routes[i].pattern,
                                         &(karak_route_opts){.status = routes[i].status}),
                         KARAK_OK);
    client = karak_client_new(app);
}

static void teardown(void)
{
    karak_client_free(client);
    karak_app_free(app);
}

static void expect_header(const karak_reply *r, const char *name, const char *value)
{
    const char *got = karak_reply_header(r, name);
    if (value == NULL) ck_assert_msg(got == NULL, "%s should be absent, is %s", name, got);
    else ck_assert_msg(got != NULL && strcmp(got, value) == 0, "%s: %s, expected %s", name,
                       got ? got : "(none)", value);
}

START_TEST(json_encoding_matches_starlette)
{
    karak_reply *r = karak_client_get(client, "/json");
    expect_header(r, "content-type", "application/json");
    EXPECT(r, 200,
           "{\"text\":\"h\xc3\xa9llo \xe2\x82\xac / \\\"q\\\" \\\\\",\"ctl\":\"a\\nb\\tc\\u0001"
           "\\u001f\",\"floats\":[9.99,3.0,1e+16,1e-05,0.30000000000000004,-0.0],\"nested\":{"
           "\"t\":true,\"nil\":null,\"big\":9223372036854775807}}");
    EXPECT(karak_client_get(client, "/string"), 200, "\"hello\"");
}
END_TEST

START_TEST(text_and_empty)
{
    karak_reply *r = karak_client_get(client, "/text");
    expect_header(r, "content-type", "text/plain; charset=utf-8");
    expect_header(r, "content-length", "8");
    EXPECT(r, 200, "plain \xc3\xa9");
    r = karak_client_delete(client, "/empty");
    expect_header(r, "content-type", NULL);
    expect_header(r, "content-length", NULL);
    EXPECT(r, 204, "");
    r = karak_client_post(client, "/accepted");
    expect_header(r, "content-length", "0");
    EXPECT(r, 202, "");
}
END_TEST

START_TEST(status_and_headers)
{
    karak_reply *r = karak_client_post(client, "/created");
    expect_header(r, "x-id", "7");
    EXPECT(r, 201, "{\"id\":7}");
    r = karak_client_get(client, "/teapot");
    expect_header(r, "x-error", "yes");
    expect_header(r, "content-type", "application/json");
    EXPECT(r, 418, "{\"detail\":{\"why\":\"teapot\"}}");
    EXPECT(karak_client_get(client, "/forbidden"), 403, "{\"detail\":\"Forbidden\"}");
    EXPECT(karak_client_get(client, "/missing"), 404, "{\"detail\":\"Item not found\"}");
    r = karak_client_get(client, "/not-modified");
    expect_header(r, "content-type", NULL);
    EXPECT(r, 304, "");
    r = karak_client_get(client, "/headers");
    expect_header(r, "x-good", "yes");
    expect_header(r, "content-type", "application/json");
    EXPECT(r, 200, "true");
}
END_TEST

static const char *const failing[] = {"/fails", "/forgets", "/null", "/wrong/1"};

START_TEST(handler_failures_are_plain_500)
{
    karak_reply *r = karak_client_get(client, failing[_i]);
    expect_header(r, "content-type", "text/plain; charset=utf-8");
    expect_header(r, "x-lost", NULL);
    EXPECT(r, 500, "Internal Server Error");
}
END_TEST

START_TEST(request_accessors)
{
    EXPECT(karak_client_get(client, "/info/a%20b?q=x+y&q=z"), 200,
           "{\"method\":\"GET\",\"path\":\"/info/a b\",\"q\":\"z\",\"ua\":\"testclient\","
           "\"zeroed\":true}");
    EXPECT(karak_client_get(client, "/info/p"), 200,
           "{\"method\":\"GET\",\"path\":\"/info/p\",\"q\":null,\"ua\":\"testclient\","
           "\"zeroed\":true}");
}
END_TEST

static Suite *response_suite(void)
{
    Suite *s = suite_create("response");
    TCase *tc = tcase_create("response");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, json_encoding_matches_starlette);
    tcase_add_test(tc, text_and_empty);
    tcase_add_test(tc, status_and_headers);
    tcase_add_loop_test(tc, handler_failures_are_plain_500, 0,
                        (int)(sizeof failing / sizeof *failing));
    tcase_add_test(tc, request_accessors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(response_suite());
}
