/* Responses: JSON encoding as Starlette writes it, text, empty, HTTPException-style errors
 * with headers, statuses without bodies, and the 500 for every kind of handler failure. */
#include <stdio.h>
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

/* Each refusal is reported under its own key, so a failure names the check that broke. */
static karak_result header_rules(karak_ctx *c)
{
    static const char *const tries[][2] = {
        {"Content-Type", "text/html"}, {"content-length", "1"}, {"CONTENT-TYPE", "x"},
        {"", "x"},                     {"Bad Name", "x"},       {"X:Colon", "x"},
        {"X-\xc3\xa9", "x"},           {"X-Bad\r\n", "x"},      {"X-Bad", "a\r\nb"},
        {"X-Bad", "a\nb"},             {"X-Bad", "a\rb"},       {"X-Good", "yes"},
        {"X-Tab", "a\tb"},             {"x-!#$%&'*+-.^_`|~", "tchar"},
        {"Transfer-Encoding", "gzip"}, {"Connection", "keep-alive"}, {"X-Empty", ""},
    };
    json_t *o = json_object();
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s: %s", tries[i][0], tries[i][1]);
        json_object_set_new(o, key,
                            json_string(karak_err_name(
                                karak_resp_header_add(c, tries[i][0], tries[i][1]))));
    }
    json_object_set_new(o, "NULL name",
                        json_string(karak_err_name(karak_resp_header_add(c, NULL, "x"))));
    json_object_set_new(o, "NULL value",
                        json_string(karak_err_name(karak_resp_header_add(c, "X-N", NULL))));
    return karak_resp_json_new(c, o);
}

static karak_result request_info(karak_ctx *c)
{
    const char *q = karak_req_query_param(c, "q");
    const char *ua = karak_req_header(c, "USER-AGENT");
    return karak_resp_json_new(c, json_pack("{s:s,s:s,s:s?,s:s?}", "method", karak_req_method(c),
                                            "path", karak_req_path(c), "q", q, "ua", ua));
}

/* ---- karak_alloc zeroes memory the client's arena has already handed out ---- */

#define SCRATCH 2048

typedef struct trace {
    char order[16];           /* cleanups, in the order they ran */
    bool returned;            /* the handler has returned */
    bool ran_after_return;    /* every cleanup saw `returned` */
    uintptr_t dirty_at;       /* the block the dirtying request filled */
} trace;

static trace tr;

static karak_result dirty(karak_ctx *c)
{
    trace *t = karak_req_app_data(c);
    unsigned char *p = karak_alloc(c, SCRATCH);
    if (p == NULL) return KARAK_FAIL;
    memset(p, 0xAB, SCRATCH);
    t->dirty_at = (uintptr_t)p;
    return karak_resp_empty(c);
}

static karak_result zeroed(karak_ctx *c)
{
    trace *t = karak_req_app_data(c);
    unsigned char *p = karak_alloc(c, SCRATCH);
    if (p == NULL) return KARAK_FAIL;
    size_t nonzero = 0;
    for (size_t i = 0; i < SCRATCH; i++) nonzero += p[i] != 0;
    uintptr_t at = (uintptr_t)p;
    /* the test only means something if this block overlaps the one that was dirtied */
    bool overlaps = at < t->dirty_at + SCRATCH && t->dirty_at < at + SCRATCH;
    return karak_resp_json_new(c, json_pack("{s:b,s:I}", "reused", overlaps, "nonzero",
                                            (json_int_t)nonzero));
}

/* A size the arena cannot hold is NULL, not a wrapped-around small block. */
static karak_result huge(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:b,s:b,s:b}", "SIZE_MAX",
                                            karak_alloc(c, SIZE_MAX) == NULL, "SIZE_MAX - 16",
                                            karak_alloc(c, SIZE_MAX - 16) == NULL, "small",
                                            karak_alloc(c, 16) != NULL));
}

/* ---- karak_defer ---- */

static void record(void *arg)
{
    const char *tag = arg; /* arena memory: still valid while cleanups run */
    size_t n = strlen(tr.order);
    if (n + 1 < sizeof tr.order) tr.order[n] = tag[0];
    if (!tr.returned) tr.ran_after_return = false;
}

/* Registers cleanups "1", "2", "3" (tags in the request arena); `how` says how it ends. */
static karak_result deferring(karak_ctx *c, int how)
{
    trace *t = karak_req_app_data(c);
    static const char *const tags[] = {"1", "2", "3"};
    ck_assert_int_eq(karak_defer(c, NULL, NULL), KARAK_EINVAL);
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++) {
        char *tag = karak_strdup(c, tags[i]);
        ck_assert_ptr_nonnull(tag);
        ck_assert_int_eq(karak_defer(c, record, tag), KARAK_OK);
    }
    karak_result r = how == 0   ? karak_resp_json_new(c, json_string("done"))
                     : how == 1 ? karak_resp_error(c, 409, "busy")
                                : KARAK_FAIL;
    t->returned = true;
    return r;
}

static karak_result defer_ok(karak_ctx *c)
{
    return deferring(c, 0);
}

static karak_result defer_error(karak_ctx *c)
{
    return deferring(c, 1);
}

static karak_result defer_fail(karak_ctx *c)
{
    return deferring(c, 2);
}

/* ---- the success status, whatever the order of the calls ---- */

static karak_result status_before(karak_ctx *c)
{
    karak_resp_status_set(c, 201);
    return karak_resp_json_new(c, json_pack("{s:i}", "id", 1));
}

static karak_result status_after(karak_ctx *c)
{
    karak_result r = karak_resp_json_new(c, json_pack("{s:i}", "id", 1));
    karak_resp_status_set(c, 201);
    return r;
}

static karak_result status_then_error(karak_ctx *c)
{
    karak_resp_status_set(c, 201);
    return karak_resp_error(c, 409, "conflict");
}

static karak_result error_then_status(karak_ctx *c)
{
    karak_result r = karak_resp_error(c, 409, "conflict");
    karak_resp_status_set(c, 201);
    return r;
}

static karak_result json_no_content(karak_ctx *c)
{
    karak_resp_status_set(c, 204);
    return karak_resp_json_new(c, json_pack("{s:i}", "lost", 1));
}

static karak_result text_not_modified(karak_ctx *c)
{
    karak_result r = karak_resp_text(c, "lost");
    karak_resp_status_set(c, 304);
    return r;
}

static karak_result bad_status(karak_ctx *c)
{
    json_t *o = json_object();
    static const int tries[] = {42, 99, 100, 103, 199, 600, -1, 0};
    for (size_t i = 0; i < sizeof tries / sizeof *tries; i++) {
        char key[16];
        snprintf(key, sizeof key, "%d", tries[i]);
        int rc = karak_resp_status_set(c, tries[i]);
        json_object_set_new(o, key, json_string(karak_err_name(rc)));
    }
    return karak_resp_json_new(c, o);
}

static karak_result error_then_json(karak_ctx *c)
{
    karak_resp_error(c, 404, "gone");
    return karak_resp_json_new(c, json_string("replaced"));
}

/* A builder that failed (no JSON value) is replaced by the HTTPException the handler falls
 * back to. */
static karak_result failed_then_error(karak_ctx *c)
{
    if (karak_resp_json_new(c, NULL) == KARAK_FAIL)
        return karak_resp_error(c, 503, "try again");
    return KARAK_DONE;
}

static karak_result json_then_empty(karak_ctx *c)
{
    karak_resp_json_new(c, json_string("replaced"));
    return karak_resp_empty(c);
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
    {"GET", "/dirty", dirty, 0},            {"GET", "/zeroed", zeroed, 0},
    {"GET", "/huge", huge, 0},
    {"GET", "/defer/ok", defer_ok, 0},      {"GET", "/defer/error", defer_error, 0},
    {"GET", "/defer/fail", defer_fail, 0},
    {"POST", "/status/before", status_before, 0},
    {"POST", "/status/after", status_after, 0},
    {"POST", "/status/declared-before", status_before, 202},
    {"POST", "/status/declared-after", status_after, 202},
    {"POST", "/status/then-error", status_then_error, 0},
    {"POST", "/status/error-then", error_then_status, 201},
    {"GET", "/status/json-204", json_no_content, 0},
    {"GET", "/status/text-304", text_not_modified, 0},
    {"GET", "/status/bad", bad_status, 0},
    {"GET", "/status/bad-declared", bad_status, 201},
    {"DELETE", "/empty/declared-202", empty, 202},
    {"DELETE", "/empty/declared-200", empty, 200},
    {"DELETE", "/empty/set-on-declared", accepted_empty, 201},
    {"GET", "/replace/error-json", error_then_json, 0},
    {"GET", "/replace/json-empty", json_then_empty, 0},
    {"GET", "/replace/failed-error", failed_then_error, 0},
};

static karak_app *app;
static karak_client *client;
static karak_server *server; /* NULL in the in-process-only test case */
static unsigned port;

static void setup(void)
{
    memset(&tr, 0, sizeof tr);
    tr.ran_after_return = true;
    app = karak_new(.data = &tr);
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++)
        ck_assert_int_eq(karak_route_add(app, routes[i].method, routes[i].pattern, routes[i].fn,
                                         routes[i].pattern,
                                         &(karak_route_opts){.status = routes[i].status}),
                         KARAK_OK);
    client = test_client_open(app);
}

/* The same app also served on a free port, once per test (not per row): the tables send
 * every row both in-process and over the socket (both_request in testutil.h). */
static void setup_served(void)
{
    setup();
    test_serve(app, &server, &port);
}

static void teardown(void)
{
    test_fixture_close(&app, &client, &server);
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
    karak_reply *r = both_get(client, port, "/json");
    expect_header(r, "content-type", "application/json");
    EXPECT(r, 200,
           "{\"text\":\"h\xc3\xa9llo \xe2\x82\xac / \\\"q\\\" \\\\\",\"ctl\":\"a\\nb\\tc\\u0001"
           "\\u001f\",\"floats\":[9.99,3.0,1e+16,1e-05,0.30000000000000004,-0.0],\"nested\":{"
           "\"t\":true,\"nil\":null,\"big\":9223372036854775807}}");
    EXPECT(both_get(client, port, "/string"), 200, "\"hello\"");
}
END_TEST

START_TEST(text_and_empty)
{
    karak_reply *r = both_get(client, port, "/text");
    expect_header(r, "content-type", "text/plain; charset=utf-8");
    expect_header(r, "content-length", "8");
    EXPECT(r, 200, "plain \xc3\xa9");
    r = both_delete(client, port, "/empty");
    expect_header(r, "content-type", NULL);
    expect_header(r, "content-length", NULL);
    EXPECT(r, 204, "");
    r = both_post(client, port, "/accepted");
    expect_header(r, "content-length", "0");
    EXPECT(r, 202, "");
}
END_TEST

START_TEST(status_and_headers)
{
    karak_reply *r = both_post(client, port, "/created");
    expect_header(r, "x-id", "7");
    EXPECT(r, 201, "{\"id\":7}");
    r = both_get(client, port, "/teapot");
    expect_header(r, "x-error", "yes");
    expect_header(r, "content-type", "application/json");
    EXPECT(r, 418, "{\"detail\":{\"why\":\"teapot\"}}");
    EXPECT(both_get(client, port, "/forbidden"), 403, "{\"detail\":\"Forbidden\"}");
    EXPECT(both_get(client, port, "/missing"), 404, "{\"detail\":\"Item not found\"}");
    r = both_get(client, port, "/not-modified");
    expect_header(r, "content-type", NULL);
    EXPECT(r, 304, "");
}
END_TEST

START_TEST(header_add_refusals)
{
    karak_reply *r = both_get(client, port, "/headers");
    expect_header(r, "x-good", "yes");
    expect_header(r, "x-tab", "a\tb");
    expect_header(r, "x-!#$%&'*+-.^_`|~", "tchar");
    expect_header(r, "content-type", "application/json");
    expect_header(r, "x-bad", NULL);
    EXPECT(r, 200,
           "{\"Content-Type: text/html\":\"EINVAL\",\"content-length: 1\":\"EINVAL\","
           "\"CONTENT-TYPE: x\":\"EINVAL\",\": x\":\"EINVAL\",\"Bad Name: x\":\"EINVAL\","
           "\"X:Colon: x\":\"EINVAL\",\"X-\xc3\xa9: x\":\"EINVAL\",\"X-Bad\\r\\n: x\":"
           "\"EINVAL\",\"X-Bad: a\\r\\nb\":\"EINVAL\",\"X-Bad: a\\nb\":\"EINVAL\","
           "\"X-Bad: a\\rb\":\"EINVAL\",\"X-Good: yes\":\"OK\",\"X-Tab: a\\tb\":\"OK\","
           "\"x-!#$%&'*+-.^_`|~: tchar\":\"OK\",\"Transfer-Encoding: gzip\":\"EINVAL\","
           "\"Connection: keep-alive\":\"EINVAL\",\"X-Empty: \":\"EINVAL\","
           "\"NULL name\":\"EINVAL\","
           "\"NULL value\":\"EINVAL\"}");
}
END_TEST

static const char *const failing[] = {"/fails", "/forgets", "/null", "/wrong/1"};

START_TEST(handler_failures_are_plain_500)
{
    for (size_t i = 0; i < sizeof failing / sizeof *failing; i++) {
        karak_reply *r = both_get(client, port, failing[i]);
        expect_header(r, "content-type", "text/plain; charset=utf-8");
        expect_header(r, "x-lost", NULL);
        EXPECT(r, 500, "Internal Server Error");
    }
}
END_TEST

START_TEST(request_accessors)
{
    EXPECT(both_get(client, port, "/info/a%20b?q=x+y&q=z"), 200,
           "{\"method\":\"GET\",\"path\":\"/info/a b\",\"q\":\"z\",\"ua\":\"testclient\"}");
    EXPECT(both_get(client, port, "/info/p"), 200,
           "{\"method\":\"GET\",\"path\":\"/info/p\",\"q\":null,\"ua\":\"testclient\"}");
}
END_TEST

/* The client reuses one arena across requests: the first request fills a block with 0xAB,
 * the second gets memory overlapping it from karak_alloc, which must be zeroed. In-process
 * only: the reuse is the test client's (and the handlers record in `tr`, unsynchronised). */
START_TEST(alloc_zeroes_reused_memory)
{
    EXPECT(karak_client_get(client, "/dirty"), 204, "");
    ck_assert(tr.dirty_at != 0);
    EXPECT(karak_client_get(client, "/zeroed"), 200, "{\"reused\":true,\"nonzero\":0}");
}
END_TEST

START_TEST(alloc_refuses_impossible_sizes)
{
    EXPECT(both_get(client, port, "/huge"), 200,
           "{\"SIZE_MAX\":true,\"SIZE_MAX - 16\":true,\"small\":true}");
}
END_TEST

/* Cleanups run newest first, after the handler has returned and the reply was produced,
 * however the handler ended. In-process only: what is checked is that they have run when
 * karak_client_request returns; a server runs them on its own thread, after the reply went
 * out, and they record in `tr` without synchronisation. */
static const struct {
    const char *target;
    int status;
    const char *body;
} defer_cases[] = {
    {"/defer/ok", 200, "\"done\""},
    {"/defer/error", 409, "{\"detail\":\"busy\"}"},
    {"/defer/fail", 500, "Internal Server Error"},
};

START_TEST(defer_runs_in_reverse_after_the_reply)
{
    karak_reply *r = karak_client_get(client, defer_cases[_i].target);
    /* karak_client_request has returned: every cleanup has run */
    ck_assert_str_eq(tr.order, "321");
    ck_assert(tr.returned);
    ck_assert(tr.ran_after_return);
    EXPECT(r, defer_cases[_i].status, defer_cases[_i].body);
}
END_TEST

/* karak_resp_status_set before or after the builder, on routes with and without a declared
 * status; karak_resp_error keeps its own status. */
static const struct {
    const char *method, *target;
    int status;
    const char *body;
    const char *content_type;
    const char *content_length;
} status_cases[] = {
    {"POST", "/status/before", 201, "{\"id\":1}", "application/json", "8"},
    {"POST", "/status/after", 201, "{\"id\":1}", "application/json", "8"},
    {"POST", "/status/declared-before", 201, "{\"id\":1}", "application/json", "8"},
    {"POST", "/status/declared-after", 201, "{\"id\":1}", "application/json", "8"},
    {"POST", "/status/then-error", 409, "{\"detail\":\"conflict\"}", "application/json", "21"},
    {"POST", "/status/error-then", 409, "{\"detail\":\"conflict\"}", "application/json", "21"},
    /* statuses without a body: none, and no Content-Type or Content-Length */
    {"GET", "/status/json-204", 204, "", NULL, NULL},
    {"GET", "/status/text-304", 304, "", NULL, NULL},
    /* a refused status is ignored: the route's (declared or 200) stays */
    {"GET", "/status/bad", 200,
     "{\"42\":\"EINVAL\",\"99\":\"EINVAL\",\"100\":\"EINVAL\",\"103\":\"EINVAL\","
     "\"199\":\"EINVAL\",\"600\":\"EINVAL\",\"-1\":\"EINVAL\",\"0\":\"EINVAL\"}",
     "application/json", NULL},
    {"GET", "/status/bad-declared", 201,
     "{\"42\":\"EINVAL\",\"99\":\"EINVAL\",\"100\":\"EINVAL\",\"103\":\"EINVAL\","
     "\"199\":\"EINVAL\",\"600\":\"EINVAL\",\"-1\":\"EINVAL\",\"0\":\"EINVAL\"}",
     "application/json", NULL},
    /* karak_resp_empty: 204 when nothing is declared, else the declared status (an explicit
       200 included), else the set one */
    {"DELETE", "/empty", 204, "", NULL, NULL},
    {"DELETE", "/empty/declared-202", 202, "", NULL, "0"},
    {"DELETE", "/empty/declared-200", 200, "", NULL, "0"},
    {"POST", "/accepted", 202, "", NULL, "0"},
    {"DELETE", "/empty/set-on-declared", 202, "", NULL, "0"},
    /* a later builder replaces an earlier one */
    {"GET", "/replace/error-json", 200, "\"replaced\"", "application/json", "10"},
    {"GET", "/replace/json-empty", 204, "", NULL, NULL},
    {"GET", "/replace/failed-error", 503, "{\"detail\":\"try again\"}", "application/json",
     "22"},
};

START_TEST(success_status_rules)
{
    for (size_t i = 0; i < sizeof status_cases / sizeof *status_cases; i++) {
        char where[32];
        snprintf(where, sizeof where, "status_cases[%zu]", i);
        karak_reply *r = both_request_at(where, client, port, status_cases[i].method,
                                         status_cases[i].target, NULL);
        ck_assert_ptr_nonnull(r);
        expect_header(r, "content-type", status_cases[i].content_type);
        if (status_cases[i].content_length != NULL || status_cases[i].content_type == NULL)
            expect_header(r, "content-length", status_cases[i].content_length);
        expect_response(r, status_cases[i].status, status_cases[i].body, status_cases[i].target);
    }
}
END_TEST

static Suite *response_suite(void)
{
    Suite *s = suite_create("response");
    TCase *tc = tcase_create("response");
    /* each table is one test, its rows in a loop: one server per test, not per row */
    tcase_add_checked_fixture(tc, setup_served, teardown);
    tcase_add_test(tc, json_encoding_matches_starlette);
    tcase_add_test(tc, text_and_empty);
    tcase_add_test(tc, status_and_headers);
    tcase_add_test(tc, handler_failures_are_plain_500);
    tcase_add_test(tc, header_add_refusals);
    tcase_add_test(tc, request_accessors);
    tcase_add_test(tc, alloc_refuses_impossible_sizes);
    tcase_add_test(tc, success_status_rules);
    suite_add_tcase(s, tc);
    TCase *local = tcase_create("in-process client");
    tcase_add_checked_fixture(local, setup, teardown);
    tcase_add_test(local, alloc_zeroes_reused_memory);
    tcase_add_loop_test(local, defer_runs_in_reverse_after_the_reply, 0,
                        (int)(sizeof defer_cases / sizeof *defer_cases));
    suite_add_tcase(s, local);
    return s;
}

int main(void)
{
    return run_suite(response_suite());
}
