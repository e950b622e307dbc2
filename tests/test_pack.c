/* karak_resp_pack: json_pack's format written straight to bytes. Every accepted format is
 * checked against jansson itself (json_pack, then the same writer over the tree) on the same
 * arguments, so the two can only give the same bytes; then the refusals (each a 500 and a
 * log line naming the reason), the `o` references released also on failure, and the
 * handler's view over the test client and a socket. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"
#include "testutil.h"

/* kjw_pack's bytes for fmt and its arguments must be those of json_pack's tree. */
static void same_as_json_pack(const char *where, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    json_error_t e;
    json_t *tree = json_vpack_ex(&e, 0, fmt, ap);
    va_end(ap);
    ck_assert_msg(tree != NULL, "%s: json_pack refuses \"%s\": %s", where, fmt, e.text);
    karena a;
    karena_init(&a);
    kbuf want, got;
    kbuf_init(&want, &a, 16);
    kjw_jansson(&want, tree);
    json_decref(tree);
    kbuf_init(&got, &a, 16);
    char err[256] = "";
    bool ok = kjw_pack(&got, fmt, again, err, sizeof err);
    va_end(again);
    ck_assert_msg(ok, "%s: \"%s\" refused: %s", where, fmt, err);
    ck_assert_msg(got.len == want.len && memcmp(got.data, want.data, got.len) == 0,
                  "%s: \"%s\" gave %s, json_pack %s", where, fmt, kbuf_cstr(&got),
                  kbuf_cstr(&want));
    karena_free(&a);
}

START_TEST(bytes_are_json_packs)
{
    same_as_json_pack("quick start", "{s:s}", "message", "Hello, World!");
    same_as_json_pack("int64", "{s:I}", "id", (json_int_t)42);
    same_as_json_pack("scalars", "{s:i,s:b,s:b,s:n,s:f}", "i", -7, "t", 1, "f", 0, "n", "x",
                      2.5);
    same_as_json_pack("extremes", "[I,I,i,i]", (json_int_t)INT64_MAX, (json_int_t)INT64_MIN,
                      INT32_MIN, 0);
    same_as_json_pack("floats", "[f,f,f,f,f,f,f]", 9.99, 3.0, 1e16, 1e-05, 0.1 + 0.2, -0.0,
                      1e300);
    same_as_json_pack("escapes", "[s,s,s]", "h\xc3\xa9llo \xe2\x82\xac / \"q\" \\",
                      "a\nb\tc\x01\x1f\x7f", "\xf0\x9f\x98\x80");
    same_as_json_pack("s#", "{s:s#}", "k", "abcdef", 3);
    same_as_json_pack("s% with a NUL", "{s:s%}", "k", "ab\0cd", (size_t)5);
    same_as_json_pack("s? null", "{s:s?,s:s?}", "a", (const char *)NULL, "b", "x");
    same_as_json_pack("s* omitted", "{s:s*,s:i,s:s*}", "a", (const char *)NULL, "b", 1, "c",
                      (const char *)NULL);
    same_as_json_pack("array s*", "[s*,i,s*,s*]", (const char *)NULL, 1, "x",
                      (const char *)NULL);
    same_as_json_pack("s+", "{s:s++}", "message", "Oops! ", "Yolo", " did something.");
    same_as_json_pack("key s+", "{s+:i}", "ab", "cd", 1);
    same_as_json_pack("s#+", "{s:s#+}", "k", "abcdef", 2, "xyz");
    same_as_json_pack("nested", "{s:{s:[i,{s:s},[]],s:{}}}", "a", "b", 1, "c", "d", "e");
    same_as_json_pack("whitespace", " { s : i , \n s : [ i , i ] } ", "a", 1, "b", 2, 3);
    same_as_json_pack("top-level string", "s", "plain");
    same_as_json_pack("top-level int", "I", (json_int_t)-12345678901234);
    same_as_json_pack("top-level null", "n");
    same_as_json_pack("empties", "[{},[],s]", "");
    json_t *borrowed = json_pack("{s:[i,s]}", "x", 1, "y");
    same_as_json_pack("O", "{s:O,s:O?,s:O*}", "v", borrowed, "w", (json_t *)NULL, "z",
                      (json_t *)NULL);
    ck_assert_int_eq(borrowed->refcount, 1); /* O borrows */
    json_decref(borrowed);
}
END_TEST

/* kjw_pack refuses, and its reason contains `want`. */
static void refused(const char *want, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    karena a;
    karena_init(&a);
    kbuf b;
    kbuf_init(&b, &a, 16);
    char err[256] = "";
    bool ok = kjw_pack(&b, fmt, ap, err, sizeof err);
    va_end(ap);
    ck_assert_msg(!ok, "\"%s\" was accepted: %s", fmt ? fmt : "(null)", kbuf_cstr(&b));
    ck_assert_msg(strstr(err, want) != NULL, "\"%s\": \"%s\", expected \"%s\"",
                  fmt ? fmt : "(null)", err, want);
    karena_free(&a);
}

START_TEST(refusals_say_why)
{
    refused("a NULL string (use s? for null)", "{s:s}", "a", (const char *)NULL);
    refused("a NULL key", "{s:i}", (const char *)NULL, 1);
    refused("a string that is not UTF-8", "{s:s}", "a", "\xff");
    refused("a string that is not UTF-8", "{s:s}", "\xc3", "a");
    refused("a string that is not UTF-8", "{s:s+}", "a", "ok", "\xe2\x82");
    refused("a NULL piece of an s+ string", "{s:s+}", "a", "ok", (const char *)NULL);
    refused("a negative s# length", "{s:s#}", "a", "abc", -1);
    refused("a float that is NaN", "{s:f}", "a", NAN);
    refused("a float that is infinite", "[f]", -INFINITY);
    refused("an object without its '}'", "{s:i", "a", 1);
    refused("an array without its ']'", "[i,i", 1, 2);
    refused("an object key that is not a string format", "{i:i}", 1, 2);
    refused("the key \"a\" given twice in one object", "{s:i,s:i}", "a", 1, "a", 2);
    refused("the key \"k\" given twice", "{s:{s:i},s+:n}", "k", "x", 1, "k", "");
    refused("an unknown format character 'x'", "{s:x}", "a");
    refused("more than one value in the format", "i i", 1, 2);
    refused("the whole value omitted", "s*", (const char *)NULL);
    refused("a value missing at the end of the format", "");
    refused("a value missing at the end of the format", "{s:", "a");
    refused("a NULL format", NULL);
    refused("a NULL json_t (use o? for null)", "{s:o}", "a", (json_t *)NULL);
    char deep[80];
    memset(deep, '[', 70);
    memset(deep + 70, '\0', 10);
    refused("more than 64 levels of nesting", deep);
}
END_TEST

static bool kjw_pack_test_call(kbuf *b, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    bool ok = kjw_pack(b, fmt, ap, err, errlen);
    va_end(ap);
    return ok;
}

START_TEST(stolen_references_are_released)
{
    /* taken and released on success, as json_pack's o */
    json_t *v = json_pack("{s:i}", "x", 1);
    json_incref(v);
    karena a;
    karena_init(&a);
    kbuf b;
    kbuf_init(&b, &a, 16);
    char err[256];
    json_t *w = json_incref(json_pack("[i]", 2));
    ck_assert(kjw_pack_test_call(&b, err, sizeof err, "{s:o,s:o?}", "v", v, "w", w));
    ck_assert_str_eq(kbuf_cstr(&b), "{\"v\":{\"x\":1},\"w\":[2]}");
    ck_assert_int_eq(v->refcount, 1);
    ck_assert_int_eq(w->refcount, 1);
    /* and when the call fails before or after them */
    b.len = 0;
    json_incref(v);
    json_incref(w);
    ck_assert(!kjw_pack_test_call(&b, err, sizeof err, "{s:o,s:s,s:o}", "v", v, "bad",
                                  (const char *)NULL, "w", w));
    ck_assert_int_eq(v->refcount, 1);
    ck_assert_int_eq(w->refcount, 1);
    json_decref(v);
    json_decref(w);
    karena_free(&a);
}
END_TEST

/* ---- the handler's view ---- */

static karak_result item(karak_ctx *c)
{
    return karak_resp_pack(c, "{s:s,s:I,s:f,s:[b,n]}", "name", "pen", "id", (json_int_t)7,
                           "price", 9.99, "flags", 1);
}

static karak_result twice(karak_ctx *c)
{
    return karak_resp_pack(c, "{s:i,s:i}", "a", 1, "a", 2);
}

static karak_result created(karak_ctx *c)
{
    karak_resp_status_set(c, 201);
    karak_resp_header_add(c, "X-Id", "7");
    return karak_resp_pack(c, "{s:I}", "id", (json_int_t)7);
}

typedef struct logcap {
    char lines[2048]; /* every line, each ending in '\n' */
    size_t len;
} logcap;

static void capture(void *data, karak_log_level level, const char *msg)
{
    logcap *l = data;
    (void)level;
    int n = snprintf(l->lines + l->len, sizeof l->lines - l->len, "%s\n", msg);
    if (n > 0) l->len += (size_t)n < sizeof l->lines - l->len ? (size_t)n : 0;
}

START_TEST(handlers_answer_packed_json)
{
    logcap log = {0};
    karak_app *app = karak_new(.log = capture, .log_data = &log);
    karak_get(app, "/item", item);
    karak_get(app, "/twice", twice);
    karak_post(app, "/items", created);
    karak_client *client = test_client_open(app);
    karak_server *server = NULL;
    unsigned port = 0;
    test_serve(app, &server, &port);
    karak_reply *r = both_get(client, port, "/item");
    ck_assert_str_eq(karak_reply_header(r, "content-type"), "application/json");
    EXPECT(r, 200, "{\"name\":\"pen\",\"id\":7,\"price\":9.99,\"flags\":[true,null]}");
    r = both_request(client, port, "POST", "/items", NULL);
    ck_assert_str_eq(karak_reply_header(r, "x-id"), "7");
    EXPECT(r, 201, "{\"id\":7}");
    r = karak_client_get(client, "/twice");
    EXPECT(r, 500, "Internal Server Error");
    ck_assert_msg(strstr(log.lines, "karak_resp_pack(\"{s:i,s:i}\"): the key \"a\" given twice "
                                    "in one object\n") != NULL,
                  "log: %s", log.lines);
    test_fixture_close(&app, &client, &server);
}
END_TEST

static Suite *pack_suite(void)
{
    Suite *s = suite_create("pack");
    TCase *tc = tcase_create("pack");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, bytes_are_json_packs);
    tcase_add_test(tc, refusals_say_why);
    tcase_add_test(tc, stolen_references_are_released);
    tcase_add_test(tc, handlers_answer_packed_json);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(pack_suite());
}
