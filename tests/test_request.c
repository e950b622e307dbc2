/* The raw request, as a handler reads it with karak_req_*: method, decoded path, every
 * header in order, the query string raw and decoded, cookies, the body.
 *
 * The query and cookie tables compare with what Starlette 1.3.1 (under FastAPI 0.141.1)
 * gives for the same request, from this app:
 *
 *   @app.get("/rq")
 *   def rq(request: Request):
 *       return {"qp": list(request.query_params.multi_items()),
 *               "last": dict(request.query_params)}
 *   @app.get("/ck")
 *   def ck(request: Request): return dict(request.cookies)
 *
 * The C handlers build the same JSON from karak_req_query_at / karak_req_cookie_at (a
 * jansson object keeps a key at its first position and takes the last value, as a Python
 * dict built pair by pair does). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* ---- handlers ---- */

static karak_result info(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s,s:s}", "method", karak_req_method(c), "path",
                                            karak_req_path(c)));
}

static json_t *pair_json(const karak_pair *p)
{
    return json_pack("[s%,s%]", p->name, p->name_len, p->value, p->value_len);
}

static karak_result headers(karak_ctx *c)
{
    json_t *all = json_array();
    size_t n = karak_req_header_count(c);
    karak_pair p;
    for (size_t i = 0; i < n; i++) {
        ck_assert(karak_req_header_at(c, i, &p));
        json_array_append_new(all, pair_json(&p));
    }
    return karak_resp_json_new(
        c, json_pack("{s:I,s:o,s:s?,s:s?,s:s?,s:b,s:b}", "count", (json_int_t)n, "all", all,
                     "x-rep", karak_req_header(c, "x-rep"), "X-REP", karak_req_header(c, "X-REP"),
                     "x-none", karak_req_header(c, "x-none"), "at_count",
                     karak_req_header_at(c, n, &p), "null_out",
                     karak_req_header_at(c, 0, NULL)));
}

/* The shape of the Starlette app above. */
static karak_result query_decoded(karak_ctx *c)
{
    json_t *qp = json_array(), *last = json_object();
    karak_pair p;
    for (size_t i = 0; karak_req_query_at(c, i, &p); i++) {
        json_array_append_new(qp, pair_json(&p));
        json_object_set_new(last, p.name, json_stringn(p.value, p.value_len));
    }
    ck_assert_uint_eq(json_array_size(qp), karak_req_query_count(c));
    return karak_resp_json_new(c, json_pack("{s:o,s:o}", "qp", qp, "last", last));
}

/* The raw side: the query string as sent and each pair undecoded. */
static karak_result query_raw(karak_ctx *c)
{
    json_t *raw = json_array();
    karak_pair p;
    for (size_t i = 0; karak_req_query_raw_at(c, i, &p); i++)
        json_array_append_new(raw, pair_json(&p));
    ck_assert_uint_eq(json_array_size(raw), karak_req_query_count(c));
    return karak_resp_json_new(
        c, json_pack("{s:s,s:o}", "qs", karak_req_query_string(c), "raw", raw));
}

/* karak_req_query_param: the last value, decoded, cut at a "\0". */
static karak_result query_param(karak_ctx *c)
{
    const char *n = karak_req_query_param(c, "n");
    karak_pair p = {0};
    size_t count = karak_req_query_count(c);
    bool last_ok = count > 0 && karak_req_query_at(c, count - 1, &p);
    return karak_resp_json_new(
        c, json_pack("{s:s?,s:s?,s:s?,s:I,s:b,s:b}", "n", n, "missing",
                     karak_req_query_param(c, "missing"), "empty", karak_req_query_param(c, ""),
                     "last_len", (json_int_t)(last_ok ? p.value_len : 0), "at_count",
                     karak_req_query_at(c, count, &p), "raw_at_count",
                     karak_req_query_raw_at(c, count, &p)));
}

static karak_result cookie_dict(karak_ctx *c)
{
    json_t *d = json_object();
    karak_pair p;
    for (size_t i = 0; karak_req_cookie_at(c, i, &p); i++) {
        ck_assert_uint_eq(strlen(p.name), p.name_len);
        json_object_set_new(d, p.name, json_stringn(p.value, p.value_len));
    }
    return karak_resp_json_new(c, d);
}

static karak_result cookie_pairs(karak_ctx *c)
{
    json_t *all = json_array();
    size_t n = karak_req_cookie_count(c);
    karak_pair p;
    for (size_t i = 0; i < n; i++) {
        ck_assert(karak_req_cookie_at(c, i, &p));
        json_array_append_new(all, pair_json(&p));
    }
    return karak_resp_json_new(
        c, json_pack("{s:o,s:s?,s:s?,s:s?,s:b}", "pairs", all, "a", karak_req_cookie(c, "a"),
                     "A", karak_req_cookie(c, "A"), "none", karak_req_cookie(c, "none"),
                     "at_count", karak_req_cookie_at(c, n, &p)));
}

static karak_result body(karak_ctx *c)
{
    size_t len = 12345;
    const char *b = karak_req_body(c, &len);
    ck_assert_ptr_nonnull(karak_req_body(c, NULL));
    return karak_resp_json_new(c, json_pack("{s:I,s:s%}", "len", (json_int_t)len, "body", b,
                                            len));
}

static karak_app *app;
static karak_client *client;
static karak_server *server;
static unsigned port;

/* The app, its in-process client and a server of the same app on a free port, once per test
 * (not per row): the tables send every row both ways (both_request in testutil.h). */
static void setup(void)
{
    app = karak_new();
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "PURGE"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        ck_assert_int_eq(karak_route_add(app, methods[i], "/info/{p:path}", info, "info", NULL),
                         KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/hdr", headers), KARAK_OK);
    ck_assert_int_eq(karak_post(app, "/hdr", headers), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/rq", query_decoded), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/raw", query_raw), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/param", query_param), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/ck", cookie_dict), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/cookies", cookie_pairs), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/body", body), KARAK_OK);
    ck_assert_int_eq(karak_post(app, "/body", body), KARAK_OK);
    client = test_client_open(app);
    test_serve(app, &server, &port);
}

static void teardown(void)
{
    test_fixture_close(&app, &client, &server);
}

/* ---- method and path ---- */

static const struct {
    const char *method, *target, *body;
} info_cases[] = {
    {"GET", "/info/a%20b", "{\"method\":\"GET\",\"path\":\"/info/a b\"}"},
    {"PURGE", "/info/x", "{\"method\":\"PURGE\",\"path\":\"/info/x\"}"},
    {"DELETE", "/info/x?y=%20", "{\"method\":\"DELETE\",\"path\":\"/info/x\"}"},
    /* decoded: %2F is a '/', '+' stays, invalid UTF-8 is U+FFFD */
    {"PUT", "/info/a%2Fb+c", "{\"method\":\"PUT\",\"path\":\"/info/a/b+c\"}"},
    {"PATCH", "/info/caf%C3%A9/%FF",
     "{\"method\":\"PATCH\",\"path\":\"/info/caf\xc3\xa9/\xef\xbf\xbd\"}"},
};

START_TEST(method_and_path)
{
    for (size_t i = 0; i < sizeof info_cases / sizeof *info_cases; i++)
        expect_response(both_request(client, port, info_cases[i].method, info_cases[i].target,
                                     NULL),
                        200, info_cases[i].body, info_cases[i].target);
}
END_TEST

/* ---- headers ---- */

START_TEST(headers_in_order_with_repeats)
{
    static const char *const h[] = {"X-Rep", "1", "x-other", "o", "x-rep", "2", "X-Empty", "",
                                    NULL};
    /* the caller's headers in order, repeated ones included, then the client's defaults */
    EXPECT(both_get(client, port, "/hdr", .headers = h), 200,
           "{\"count\":6,\"all\":[[\"X-Rep\",\"1\"],[\"x-other\",\"o\"],[\"x-rep\",\"2\"],"
           "[\"X-Empty\",\"\"],[\"host\",\"testserver\"],[\"user-agent\",\"testclient\"]],"
           "\"x-rep\":\"1\",\"X-REP\":\"1\",\"x-none\":null,\"at_count\":false,"
           "\"null_out\":false}");
}
END_TEST

START_TEST(headers_defaults_replaced_and_content_type)
{
    static const char *const h[] = {"User-Agent", "me", "HOST", "example.com", NULL};
    /* in-process only: this is the test client's own header list; over a socket the body
       also brings the Content-Length header that frames it */
    EXPECT(karak_client_post(client, "/hdr", .headers = h, .json = "{}"), 200,
           "{\"count\":3,\"all\":[[\"User-Agent\",\"me\"],[\"HOST\",\"example.com\"],"
           "[\"content-type\",\"application/json\"]],\"x-rep\":null,\"X-REP\":null,"
           "\"x-none\":null,\"at_count\":false,\"null_out\":false}");
}
END_TEST

/* ---- query ---- */

static const struct {
    const char *target, *body;
} query_cases[] = {
    {"/rq?a=1&b=x+y&c=%41%2b&a=2",
     "{\"qp\":[[\"a\",\"1\"],[\"b\",\"x y\"],[\"c\",\"A+\"],[\"a\",\"2\"]],\"last\":{\"a\":\"2\","
     "\"b\":\"x y\",\"c\":\"A+\"}}"},
    {"/rq?a", "{\"qp\":[[\"a\",\"\"]],\"last\":{\"a\":\"\"}}"},
    {"/rq?&&a=&&=v&b",
     "{\"qp\":[[\"a\",\"\"],[\"\",\"v\"],[\"b\",\"\"]],\"last\":{\"a\":\"\",\"\":\"v\",\"b\":"
     "\"\"}}"},
    {"/rq?n=a%00b", "{\"qp\":[[\"n\",\"a\\u0000b\"]],\"last\":{\"n\":\"a\\u0000b\"}}"},
    {"/rq?%zz=%e9&x=%C3%A9",
     "{\"qp\":[[\"%zz\",\"\xef\xbf\xbd\"],[\"x\",\"\xc3\xa9\"]],\"last\":{\"%zz\":\"\xef\xbf\xbd\","
     "\"x\":\"\xc3\xa9\"}}"},
    {"/rq?k=a=b", "{\"qp\":[[\"k\",\"a=b\"]],\"last\":{\"k\":\"a=b\"}}"},
    {"/rq?+=+", "{\"qp\":[[\" \",\" \"]],\"last\":{\" \":\" \"}}"},
    {"/rq?a;b=1", "{\"qp\":[[\"a;b\",\"1\"]],\"last\":{\"a;b\":\"1\"}}"},
    {"/rq?", "{\"qp\":[],\"last\":{}}"},
    {"/rq", "{\"qp\":[],\"last\":{}}"},
    {"/rq?%=%2&%4", "{\"qp\":[[\"%\",\"%2\"],[\"%4\",\"\"]],\"last\":{\"%\":\"%2\",\"%4\":\"\"}}"},
    {"/rq?caf%C3%A9=%E2%82%AC",
     "{\"qp\":[[\"caf\xc3\xa9\",\"\xe2\x82\xac\"]],\"last\":{\"caf\xc3\xa9\":\"\xe2\x82\xac\"}}"},
};

START_TEST(query_decoded_as_starlette)
{
    for (size_t i = 0; i < sizeof query_cases / sizeof *query_cases; i++)
        expect_response(both_get(client, port, query_cases[i].target), 200, query_cases[i].body,
                        query_cases[i].target);
}
END_TEST

static const struct {
    const char *target, *body;
} raw_cases[] = {
    {"/raw?a=1&b=x+y&c=%41%2b&a=2",
     "{\"qs\":\"a=1&b=x+y&c=%41%2b&a=2\",\"raw\":[[\"a\",\"1\"],[\"b\",\"x+y\"],[\"c\","
     "\"%41%2b\"],[\"a\",\"2\"]]}"},
    {"/raw?&&a=&&=v&b", "{\"qs\":\"&&a=&&=v&b\",\"raw\":[[\"a\",\"\"],[\"\",\"v\"],[\"b\",\"\"]]}"},
    {"/raw?n=a%00b", "{\"qs\":\"n=a%00b\",\"raw\":[[\"n\",\"a%00b\"]]}"},
    {"/raw?a%20b=c%3Dd", "{\"qs\":\"a%20b=c%3Dd\",\"raw\":[[\"a%20b\",\"c%3Dd\"]]}"},
    {"/raw?", "{\"qs\":\"\",\"raw\":[]}"},
    {"/raw", "{\"qs\":\"\",\"raw\":[]}"},
};

START_TEST(query_raw_as_sent)
{
    for (size_t i = 0; i < sizeof raw_cases / sizeof *raw_cases; i++)
        expect_response(both_get(client, port, raw_cases[i].target), 200, raw_cases[i].body,
                        raw_cases[i].target);
}
END_TEST

START_TEST(query_param_last_and_cut_at_nul)
{
    /* the last n wins; its decoded value "x\0y" is 3 bytes, the C string stops at the NUL */
    EXPECT(both_get(client, port, "/param?n=first&n=x%00y"), 200,
           "{\"n\":\"x\",\"missing\":null,\"empty\":null,\"last_len\":3,\"at_count\":false,"
           "\"raw_at_count\":false}");
    EXPECT(both_get(client, port, "/param?=e&n=a+b%21"), 200,
           "{\"n\":\"a b!\",\"missing\":null,\"empty\":\"e\",\"last_len\":4,\"at_count\":false,"
           "\"raw_at_count\":false}");
    EXPECT(both_get(client, port, "/param"), 200,
           "{\"n\":null,\"missing\":null,\"empty\":null,\"last_len\":0,\"at_count\":false,"
           "\"raw_at_count\":false}");
}
END_TEST

/* ---- cookies ---- */

static const struct {
    const char *headers[5];
    const char *body;
} cookie_cases[] = {
    {{"cookie", "a=1; b=2"}, "{\"a\":\"1\",\"b\":\"2\"}"},
    {{"cookie", "a=1;b=2;;  ; c = 3 "}, "{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}"},
    /* no '=': a value with an empty name */
    {{"cookie", "novalue; x=y"}, "{\"\":\"novalue\",\"x\":\"y\"}"},
    {{"cookie", "=onlyval; k="}, "{\"\":\"onlyval\",\"k\":\"\"}"}, /* in-process only */
    /* every Cookie header, later ones win */
    {{"cookie", "a=1", "Cookie", "a=2; b=3"}, "{\"a\":\"2\",\"b\":\"3\"}"},
    /* http.cookies._unquote */
    {{"cookie", "q=\"hello world\"; e=\"a\\\"b\\\\c\"; o=\"x\\012y\"; p=\"\\101\\102\"; "
                "hi=\"\\351\"; bad=\"\\8z\"; nq=x\"y\""},
     "{\"q\":\"hello world\",\"e\":\"a\\\"b\\\\c\",\"o\":\"x\\ny\",\"p\":\"AB\",\"hi\":"
     "\"\xc3\xa9\",\"bad\":\"8z\",\"nq\":\"x\\\"y\\\"\"}"},
    {{"cookie", "lone=\"; two=\"\"; half=\"abc; t=\"a\\\""},
     "{\"lone\":\"\\\"\",\"two\":\"\",\"half\":\"\\\"abc\",\"t\":\"a\\\\\"}"},
    /* in-process only: the value holds a raw LF, which on the wire would end the header */
    {{"cookie", "nl=\"a\\\nb\"; z=\"\\000\"; big=\"\\400\""},
     "{\"nl\":\"a\\\\\\nb\",\"z\":\"\\u0000\",\"big\":\"400\"}"},
    /* split at the first '='; str.strip() whitespace, \x1c-\x1f included */
    {{"cookie", "eq=a=b=c; sp= v w ; tab=\tz\t"},
     "{\"eq\":\"a=b=c\",\"sp\":\"v w\",\"tab\":\"z\"}"},
    {{"cookie", "ws=\x1cv\x1f; vt=\vx\f"}, "{\"ws\":\"v\",\"vt\":\"x\"}"},
    {{"cookie", "a=1; a=2; b=0; a=3"}, "{\"a\":\"3\",\"b\":\"0\"}"},
    {{"cookie", ""}, "{}"},   /* in-process only */
    {{"cookie", ";;"}, "{}"}, /* in-process only */
    {{NULL}, "{}"},
};

/* The rows that stay in-process. */
static bool in_process_only(const char *const *h)
{
    /* libmicrohttpd 0.9.75 parses every Cookie header for itself (libkarak does not use the
       result) and, on these values, reads uninitialised memory of its own in the worker
       thread (valgrind memcheck); both ways answer the same */
    static const char *const mhd_uninitialised[] = {"=onlyval; k=", "", ";;"};
    for (; h[0] != NULL && h[1] != NULL; h += 2) {
        /* a raw CR or LF would end the header line on the wire */
        if (strpbrk(h[1], "\r\n") != NULL) return true;
        for (size_t i = 0; i < sizeof mhd_uninitialised / sizeof *mhd_uninitialised; i++)
            if (strcmp(h[1], mhd_uninitialised[i]) == 0) return true;
    }
    return false;
}

START_TEST(cookies_as_starlette)
{
    for (size_t i = 0; i < sizeof cookie_cases / sizeof *cookie_cases; i++) {
        char where[32];
        snprintf(where, sizeof where, "cookie_cases[%zu]", i);
        const karak_request_opts o = {.headers = cookie_cases[i].headers, KARAK_REQUEST_END_};
        karak_reply *r = in_process_only(cookie_cases[i].headers)
                             ? karak_client_request(client, "GET", "/ck", &o)
                             : both_request_at(where, client, port, "GET", "/ck", &o);
        expect_response(r, 200, cookie_cases[i].body, where);
    }
}
END_TEST

START_TEST(cookie_pairs_in_order)
{
    static const char *const h[] = {"Cookie", "a=1; A=2", "x-other", "c=0", "cookie",
                                    "a=\"3\"; b", NULL};
    /* every pair in order, repeats included; names are case-sensitive; the last a wins */
    EXPECT(both_get(client, port, "/cookies", .headers = h), 200,
           "{\"pairs\":[[\"a\",\"1\"],[\"A\",\"2\"],[\"a\",\"3\"],[\"\",\"b\"]],\"a\":\"3\","
           "\"A\":\"2\",\"none\":null,\"at_count\":false}");
    EXPECT(both_get(client, port, "/cookies"), 200,
           "{\"pairs\":[],\"a\":null,\"A\":null,\"none\":null,\"at_count\":false}");
}
END_TEST

/* ---- body ---- */

START_TEST(body_as_received)
{
    EXPECT(both_get(client, port, "/body"), 200, "{\"len\":0,\"body\":\"\"}");
    EXPECT(both_post(client, port, "/body", .json = "{\"a\": 1}"), 200,
           "{\"len\":8,\"body\":\"{\\\"a\\\": 1}\"}");
    EXPECT(both_post(client, port, "/body", .body = "a\0b", .body_len = 3), 200,
           "{\"len\":3,\"body\":\"a\\u0000b\"}");
}
END_TEST

static Suite *request_suite(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("request");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* each table is one test, its rows in a loop: one server per test, not per row */
    tcase_add_test(tc, method_and_path);
    tcase_add_test(tc, headers_in_order_with_repeats);
    tcase_add_test(tc, headers_defaults_replaced_and_content_type);
    tcase_add_test(tc, query_decoded_as_starlette);
    tcase_add_test(tc, query_raw_as_sent);
    tcase_add_test(tc, query_param_last_and_cut_at_nul);
    tcase_add_test(tc, cookies_as_starlette);
    tcase_add_test(tc, cookie_pairs_in_order);
    tcase_add_test(tc, body_as_received);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(request_suite());
}
