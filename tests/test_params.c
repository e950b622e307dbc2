/* The parameter pipeline: path, query, header and cookie parameters declared with schemas,
 * validated and coerced like FastAPI's Header() / Cookie() / Query() parameters, and every
 * error of every source reported in one 422 in FastAPI's order (path, query, header, cookie,
 * body). Each expected body was produced by FastAPI 0.141.1 + pydantic 2.13.4 with the
 * equivalent Python app, e.g. for the header routes:
 *
 *   @app.get("/h")
 *   def h(x_token: Annotated[str, Header()]): return {"x_token": x_token}
 *   @app.get("/alias")
 *   def alias(key: Annotated[str, Header(alias="X-API_Key")]): return {"key": key}
 *   @app.post("/all/{item_id}")
 *   def all_(item_id: int, item: Item, q: int, x_token: Annotated[int, Header()],
 *            session: Annotated[int, Cookie()]): ... */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/util.h"

/* ---- schemas ---- */

typedef struct {
    const char *x_token;
} TokenHeaders;
static const karak_field token_fields[] = {
    KARAK_FIELD(TokenHeaders, x_token, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema token_schema = KARAK_SCHEMA(TokenHeaders, token_fields);

typedef struct {
    int64_t x_count;
} CountHeaders;
static const karak_field count_fields[] = {
    KARAK_FIELD(CountHeaders, x_count, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema count_schema = KARAK_SCHEMA(CountHeaders, count_fields);

typedef struct {
    const char *key;
} KeyHeaders;
static const karak_field key_fields[] = {
    KARAK_FIELD(KeyHeaders, key, KARAK_STR, .alias = "X-API_Key"),
    KARAK_FIELDS_END,
};
static const karak_schema key_schema = KARAK_SCHEMA(KeyHeaders, key_fields);

typedef struct {
    const char *session;
} SessionCookies;
static const karak_field session_fields[] = {
    KARAK_FIELD(SessionCookies, session, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema session_schema = KARAK_SCHEMA(SessionCookies, session_fields);

typedef struct {
    int64_t q;
} IntQuery;
static const karak_field int_query_fields[] = {
    KARAK_FIELD(IntQuery, q, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema int_query_schema = KARAK_SCHEMA(IntQuery, int_query_fields);

typedef struct {
    const char *x_mode;
    int64_t x_limit;
    const char *x_tag;
} OptHeaders;
static const karak_field opt_header_fields[] = {
    KARAK_FIELD(OptHeaders, x_mode, KARAK_STR, .dflt = "fast"),
    KARAK_FIELD(OptHeaders, x_limit, KARAK_I64, .dflt = "10"),
    KARAK_FIELD(OptHeaders, x_tag, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema opt_header_schema = KARAK_SCHEMA(OptHeaders, opt_header_fields);

typedef struct {
    const char *theme;
    int64_t visits;
    const char *tracker;
} OptCookies;
static const karak_field opt_cookie_fields[] = {
    KARAK_FIELD(OptCookies, theme, KARAK_STR, .dflt = "light"),
    KARAK_FIELD(OptCookies, visits, KARAK_I64, .dflt = "0"),
    KARAK_FIELD(OptCookies, tracker, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema opt_cookie_schema = KARAK_SCHEMA(OptCookies, opt_cookie_fields);

typedef struct {
    const char *name;
    double price;
} Item;
static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR),
    KARAK_FIELD(Item, price, KARAK_F64),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);

typedef struct {
    int64_t x_token;
} IntTokenHeaders;
static const karak_field int_token_fields[] = {
    KARAK_FIELD(IntTokenHeaders, x_token, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema int_token_schema = KARAK_SCHEMA(IntTokenHeaders, int_token_fields);

typedef struct {
    int64_t session;
} IntSessionCookies;
static const karak_field int_session_fields[] = {
    KARAK_FIELD(IntSessionCookies, session, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema int_session_schema =
    KARAK_SCHEMA(IntSessionCookies, int_session_fields);

/* ---- handlers: each answers with what it read ---- */

static karak_result token(karak_ctx *c)
{
    const TokenHeaders *h = karak_headers(c);
    return karak_resp_json_new(c, json_pack("{s:s}", "x_token", h->x_token));
}

static karak_result count(karak_ctx *c)
{
    const CountHeaders *h = karak_headers(c);
    return karak_resp_json_new(c, json_pack("{s:I}", "x_count", (json_int_t)h->x_count));
}

static karak_result key(karak_ctx *c)
{
    const KeyHeaders *h = karak_headers(c);
    return karak_resp_json_new(c, json_pack("{s:s}", "key", h->key));
}

static karak_result session(karak_ctx *c)
{
    const SessionCookies *k = karak_cookies(c);
    return karak_resp_json_new(c, json_pack("{s:s}", "session", k->session));
}

static karak_result int_query(karak_ctx *c)
{
    const IntQuery *q = karak_query(c);
    return karak_resp_json_new(c, json_pack("{s:I}", "q", (json_int_t)q->q));
}

static karak_result optional(karak_ctx *c)
{
    const OptHeaders *h = karak_headers(c);
    const OptCookies *k = karak_cookies(c);
    return karak_resp_json_new(
        c, json_pack("{s:s,s:I,s:s?,s:s,s:I,s:s?}", "x_mode", h->x_mode, "x_limit",
                     (json_int_t)h->x_limit, "x_tag", h->x_tag, "theme", k->theme, "visits",
                     (json_int_t)k->visits, "tracker", k->tracker));
}

static karak_result everything(karak_ctx *c)
{
    const Item *it = karak_body(c);
    const IntQuery *q = karak_query(c);
    const IntTokenHeaders *h = karak_headers(c);
    const IntSessionCookies *k = karak_cookies(c);
    return karak_resp_json_new(
        c, json_pack("{s:I,s:s,s:f,s:I,s:I,s:I}", "item_id",
                     (json_int_t)karak_path_i64(c, "item_id"), "name", it->name, "price",
                     it->price, "q", (json_int_t)q->q, "x_token", (json_int_t)h->x_token,
                     "session", (json_int_t)k->session));
}

static karak_result item(karak_ctx *c)
{
    return karak_resp_json_new(
        c, json_pack("{s:I}", "item_id", (json_int_t)karak_path_i64(c, "item_id")));
}

/* A route without schemas reads NULL from every declared-parameter accessor. */
static karak_result undeclared(karak_ctx *c)
{
    return karak_resp_json_new(
        c, json_pack("{s:b,s:b,s:b,s:b}", "query", karak_query(c) == NULL, "headers",
                     karak_headers(c) == NULL, "cookies", karak_cookies(c) == NULL, "body",
                     karak_body(c) == NULL));
}

static karak_app *app;
static karak_client *client;
static karak_server *server; /* NULL in the in-process-only test case */
static unsigned port;

static void setup(void)
{
    app = karak_new();
    ck_assert_int_eq(karak_get(app, "/h", token, .headers = &token_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/hint", count, .headers = &count_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/alias", key, .headers = &key_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/c", session, .cookies = &session_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/q", int_query, .query = &int_query_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/opt", optional, .headers = &opt_header_schema,
                               .cookies = &opt_cookie_schema),
                     KARAK_OK);
    ck_assert_int_eq(karak_post(app, "/all/{item_id:int}", everything, .body = &item_schema,
                                .query = &int_query_schema, .headers = &int_token_schema,
                                .cookies = &int_session_schema),
                     KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/items/{item_id:int}", item), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/plain", undeclared), KARAK_OK);
    client = test_client_open(app);
}

/* The same app also served on a free port, once per test (not per row): the table sends
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

/* ---- the table ---- */

#define MAX_HEADERS 8

typedef struct pcase {
    const char *method;
    const char *target;
    const char *headers[MAX_HEADERS * 2 + 1]; /* name, value, ..., NULL */
    const char *json;
    int status;
    const char *body;
} pcase;

#define INT_MSG "Input should be a valid integer, unable to parse string as an integer"
#define INT_ERR(src, name, input)                                                              \
    "{\"type\":\"int_parsing\",\"loc\":[\"" src "\",\"" name "\"],\"msg\":\"" INT_MSG          \
    "\",\"input\":\"" input "\"}"
#define MISSING(src, name)                                                                     \
    "{\"type\":\"missing\",\"loc\":[\"" src "\",\"" name "\"],\"msg\":\"Field required\","      \
    "\"input\":null}"
#define DETAIL(...) "{\"detail\":[" __VA_ARGS__ "]}"

static const pcase cases[] = {
    /* header params: x_token is the header x-token, looked up case-insensitively */
    {"GET", "/h", {"X-TOKEN", "abc"}, NULL, 200, "{\"x_token\":\"abc\"}"},
    {"GET", "/h", {"x-token", "abc"}, NULL, 200, "{\"x_token\":\"abc\"}"},
    {"GET", "/h", {NULL}, NULL, 422, DETAIL(MISSING("header", "x-token"))},
    /* underscores are not hyphens on the wire: x_token is not x-token */
    {"GET", "/h", {"x_token", "a"}, NULL, 422, DETAIL(MISSING("header", "x-token"))},
    /* a scalar header takes the first occurrence, whatever the case of the later ones */
    {"GET", "/h", {"x-token", "a", "X-Token", "b"}, NULL, 200, "{\"x_token\":\"a\"}"},
    {"GET", "/h", {"x-token", "", "X-Token", "b"}, NULL, 200, "{\"x_token\":\"\"}"},
    /* int coercion of a header value */
    {"GET", "/hint", {"x-count", "5"}, NULL, 200, "{\"x_count\":5}"},
    {"GET", "/hint", {"X-Count", " 7 "}, NULL, 200, "{\"x_count\":7}"},
    {"GET", "/hint", {"x-count", "abc"}, NULL, 422, DETAIL(INT_ERR("header", "x-count", "abc"))},
    {"GET", "/hint", {"x-count", ""}, NULL, 422, DETAIL(INT_ERR("header", "x-count", ""))},
    {"GET", "/hint", {"x-count", "5", "x-count", "x"}, NULL, 200, "{\"x_count\":5}"},
    {"GET", "/hint", {"x-count", "x", "x-count", "5"}, NULL, 422,
     DETAIL(INT_ERR("header", "x-count", "x"))},
    /* bytes that are not UTF-8 are latin-1, as Starlette reads headers: "\xff" is U+00FF
       (FastAPI reads valid UTF-8 as latin-1 too; libkarak keeps it as UTF-8) */
    {"GET", "/h", {"x-token", "\xff\xe9"}, NULL, 200, "{\"x_token\":\"\xc3\xbf\xc3\xa9\"}"},
    {"GET", "/h", {"x-token", "caf\xc3\xa9"}, NULL, 200, "{\"x_token\":\"caf\xc3\xa9\"}"},
    {"GET", "/hint", {"x-count", "\xff"}, NULL, 422,
     DETAIL(INT_ERR("header", "x-count", "\xc3\xbf"))},
    /* an alias is the header's name as it is: no '_' -> '-', loc verbatim, lookup still
       case-insensitive */
    {"GET", "/alias", {"x-api_key", "k"}, NULL, 200, "{\"key\":\"k\"}"},
    {"GET", "/alias", {"X-API_KEY", "k"}, NULL, 200, "{\"key\":\"k\"}"},
    {"GET", "/alias", {NULL}, NULL, 422, DETAIL(MISSING("header", "X-API_Key"))},
    {"GET", "/alias", {"x-api-key", "k"}, NULL, 422, DETAIL(MISSING("header", "X-API_Key"))},
    /* cookie params: the last of a repeated name, across Cookie headers too */
    {"GET", "/c", {"cookie", "session=abc"}, NULL, 200, "{\"session\":\"abc\"}"},
    {"GET", "/c", {"Cookie", "a=1; session=\"q v\"; b=2"}, NULL, 200,
     "{\"session\":\"q v\"}"},
    {"GET", "/c", {NULL}, NULL, 422, DETAIL(MISSING("cookie", "session"))},
    {"GET", "/c", {"cookie", "session=\xff"}, NULL, 200, "{\"session\":\"\xc3\xbf\"}"},
    {"GET", "/c", {"cookie", "session=\"\\377\""}, NULL, 200, "{\"session\":\"\xc3\xbf\"}"},
    {"GET", "/c", {"cookie", "Session=abc"}, NULL, 422, DETAIL(MISSING("cookie", "session"))},
    {"GET", "/c", {"cookie", "session=a; session=b"}, NULL, 200, "{\"session\":\"b\"}"},
    {"GET", "/c", {"cookie", "session=a", "cookie", "session=b"}, NULL, 200,
     "{\"session\":\"b\"}"},
    /* query params: the last of a repeated name, valid or not */
    {"GET", "/q?q=1&q=2", {NULL}, NULL, 200, "{\"q\":2}"},
    {"GET", "/q?q=x&q=2", {NULL}, NULL, 200, "{\"q\":2}"},
    {"GET", "/q?q=2&q=x", {NULL}, NULL, 422, DETAIL(INT_ERR("query", "q", "x"))},
    {"GET", "/q", {NULL}, NULL, 422, DETAIL(MISSING("query", "q"))},
    /* defaults and optional fields of headers and cookies */
    {"GET", "/opt", {NULL}, NULL, 200,
     "{\"x_mode\":\"fast\",\"x_limit\":10,\"x_tag\":null,\"theme\":\"light\",\"visits\":0,"
     "\"tracker\":null}"},
    {"GET", "/opt",
     {"x-mode", "slow", "x-limit", "3", "x-tag", "t", "cookie", "theme=dark; visits=4; tracker=z"},
     NULL, 200,
     "{\"x_mode\":\"slow\",\"x_limit\":3,\"x_tag\":\"t\",\"theme\":\"dark\",\"visits\":4,"
     "\"tracker\":\"z\"}"},
    {"GET", "/opt", {"x-limit", "many", "cookie", "visits=lots"}, NULL, 422,
     DETAIL(INT_ERR("header", "x-limit", "many") "," INT_ERR("cookie", "visits", "lots"))},
    /* every source at once: one 422, in the order path, query, header, cookie, body */
    {"POST", "/all/abc?q=x", {"x-token", "t", "cookie", "session=s"},
     "{\"name\":5,\"price\":\"p\"}", 422,
     DETAIL(INT_ERR("path", "item_id", "abc") "," INT_ERR("query", "q", "x") "," INT_ERR(
         "header", "x-token", "t") "," INT_ERR("cookie", "session", "s") ","
                                     "{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],"
                                     "\"msg\":\"Input should be a valid string\",\"input\":5},"
                                     "{\"type\":\"float_parsing\",\"loc\":[\"body\",\"price\"],"
                                     "\"msg\":\"Input should be a valid number, unable to "
                                     "parse string as a number\",\"input\":\"p\"}")},
    {"POST", "/all/abc", {NULL}, "{}", 422,
     DETAIL(INT_ERR("path", "item_id", "abc") "," MISSING("query", "q") "," MISSING(
         "header", "x-token") "," MISSING("cookie", "session") ","
                              "{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":"
                              "\"Field required\",\"input\":{}},"
                              "{\"type\":\"missing\",\"loc\":[\"body\",\"price\"],\"msg\":"
                              "\"Field required\",\"input\":{}}")},
    {"POST", "/all/abc", {NULL}, NULL, 422,
     DETAIL(INT_ERR("path", "item_id", "abc") "," MISSING("query", "q") "," MISSING(
         "header", "x-token") "," MISSING("cookie", "session") ","
                              "{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field "
                              "required\",\"input\":null}")},
    {"POST", "/all/7?q=3", {"X-Token", "5", "Cookie", "session=9"},
     "{\"name\":\"pen\",\"price\":1.5}", 200,
     "{\"item_id\":7,\"name\":\"pen\",\"price\":1.5,\"q\":3,\"x_token\":5,\"session\":9}"},
    /* a typed path parameter, as before the pipeline had other sources */
    {"GET", "/items/5", {NULL}, NULL, 200, "{\"item_id\":5}"},
    {"GET", "/items/abc", {NULL}, NULL, 422, DETAIL(INT_ERR("path", "item_id", "abc"))},
    /* no schemas: nothing declared, nothing validated, whatever is sent */
    {"GET", "/plain?q=x", {"x-token", "t", "cookie", "s"}, NULL, 200,
     "{\"query\":true,\"headers\":true,\"cookies\":true,\"body\":true}"},
};

static karak_reply *send_case(const pcase *pc)
{
    return karak_client_request(client, pc->method, pc->target,
                                &(karak_request_opts){.headers = pc->headers,
                                                      .json = pc->json,
                                                      .struct_size = sizeof(karak_request_opts)});
}

START_TEST(param_table)
{
    for (int i = 0; i < (int)(sizeof cases / sizeof *cases); i++) {
        const pcase *pc = &cases[i];
        char where[160];
        snprintf(where, sizeof where, "case %d: %s %s", i, pc->method, pc->target);
        karak_reply *r = both_request_at(where, client, port, pc->method, pc->target,
                                         &(const karak_request_opts){.headers = pc->headers,
                                                                     .json = pc->json,
                                                                     KARAK_REQUEST_END_});
        ck_assert_msg(r != NULL, "%s: no reply", where);
        const char *ct = karak_reply_header(r, "content-type");
        ck_assert_msg(ct != NULL && strcmp(ct, "application/json") == 0, "%s: content-type %s",
                      where, ct ? ct : "(none)");
        expect_response(r, pc->status, pc->body, where);
    }
}
END_TEST

/* Out of memory while validating headers and cookies is a 500, never a validation error:
 * every arena allocation of the request fails once in turn, and each run answers exactly as
 * the undisturbed run did, or with a plain 500 (or no reply: the client's copy failed).
 * In-process only: the failure injection counts the allocations of one request through the
 * test client, which a request served by another thread would disturb. */
START_TEST(out_of_memory_is_500)
{
    const pcase *pc = &cases[_i];
    karak_reply *want = send_case(pc);
    ck_assert_ptr_nonnull(want);
    ck_assert_int_eq(karak_reply_status(want), pc->status);
    size_t want_len;
    const char *want_body = karak_reply_body(want, &want_len);
    for (long n = 0;; n++) {
        kchaos_fail_after(n);
        karak_reply *r = send_case(pc);
        bool struck = kchaos_struck();
        kchaos_fail_after(-1);
        if (r != NULL) {
            size_t len;
            const char *body = karak_reply_body(r, &len);
            int status = karak_reply_status(r);
            if (status == 500) {
                ck_assert_msg(strcmp(body, "Internal Server Error") == 0,
                              "%s, allocation %ld: 500 with %s", pc->target, n, body);
            } else {
                ck_assert_msg(status == pc->status, "%s, allocation %ld: status %d, expected %d",
                              pc->target, n, status, pc->status);
                ck_assert_msg(len == want_len && memcmp(body, want_body, len) == 0,
                              "%s, allocation %ld:\n  got      %s\n  expected %s", pc->target,
                              n, body, want_body);
            }
            karak_reply_free(r);
        }
        if (!struck) break;
        ck_assert_msg(n < 10000, "%s: the allocation count does not converge", pc->target);
    }
    karak_reply_free(want);
}
END_TEST

static Suite *params_suite(void)
{
    Suite *s = suite_create("params");
    TCase *tc = tcase_create("params");
    /* the table is one test, its rows in a loop: one server per test, not per row */
    tcase_add_checked_fixture(tc, setup_served, teardown);
    tcase_add_test(tc, param_table);
    suite_add_tcase(s, tc);
    TCase *oom = tcase_create("out of memory");
    tcase_add_checked_fixture(oom, setup, teardown);
    tcase_add_loop_test(oom, out_of_memory_is_500, 0, (int)(sizeof cases / sizeof *cases));
    suite_add_tcase(s, oom);
    return s;
}

int main(void)
{
    return run_suite(params_suite());
}
