/* Unit tests of the private JSON layer (lib/json/json.h): kj_parse's Python-compatible errors
 * and encoding checks, the parse tree, kjw_* output (Starlette's JSONResponse bytes),
 * knum_repr (Python repr(float)) and knum_display (Rust Display, as pydantic
 * prints bounds).
 *
 * Every expectation below was produced by CPython 3.11.7 and 3.12.1 (identical), through
 * the C accelerator (Modules/_json.c: scan_once_unicode, _parse_object_unicode,
 * _parse_array_unicode, scanstring_unicode, _match_number_unicode), e.g.
 *     json.loads(b'{"a":1,')  ->  JSONDecodeError.msg / .pos
 *     repr(0.1 + 0.2), json.dumps(s, ensure_ascii=False)
 * unless a row says it is a libkarak ruling (docs/semantics.md).
 *
 * Rows marked "Regression" pin bugs this suite found in libkarak: the expected value is
 * CPython's, and the comment says what libkarak used to produce. */
#include <jansson.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"
#include "json/json.h"
#include "testutil.h"

/* A byte string literal with its exact length (embedded NULs allowed). */
#define B(s) s, sizeof(s) - 1
#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* One arena per test, through a checked fixture (also released when a test fails in
 * CK_FORK=no mode, so valgrind stays clean). */
static karena A;

static void arena_setup(void)
{
    karena_init(&A);
}

static void arena_teardown(void)
{
    karena_free(&A);
}

/* C-escaped copy of bytes, for failure messages. */
static const char *show(const char *s, size_t n)
{
    kbuf b;
    kbuf_init(&b, &A, n * 4 + 3);
    kbuf_putc(&b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') kbuf_printf(&b, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f) kbuf_putc(&b, (char)c);
        else kbuf_printf(&b, "\\x%02x", c);
    }
    kbuf_putc(&b, '"');
    const char *r = kbuf_cstr(&b);
    return r != NULL ? r : "(out of memory)";
}

static const char *status_name(kj_status st)
{
    switch (st) {
    case KJ_OK: return "KJ_OK";
    case KJ_SYNTAX: return "KJ_SYNTAX";
    case KJ_ENCODING: return "KJ_ENCODING";
    case KJ_NOMEM: return "KJ_NOMEM";
    }
    return "?";
}

/* Asserts that the buffer holds exactly `exp_len` bytes equal to `exp`. */
static void expect_buf(kbuf *b, const char *exp, size_t exp_len, const char *what)
{
    ck_assert_msg(!b->failed && kbuf_cstr(b) != NULL, "%s: buffer allocation failed", what);
    ck_assert_msg(b->len == exp_len && memcmp(b->data, exp, exp_len) == 0,
                  "%s:\n  got      %s\n  expected %s", what, show(b->data, b->len),
                  show(exp, exp_len));
}

/* Parses text that must be valid JSON. */
static kj *parse_ok(const char *text, size_t len)
{
    kj *v = NULL;
    kj_error err = {NULL, 0};
    kj_status st = kj_parse(&A, text, len, &v, &err);
    ck_assert_msg(st == KJ_OK, "kj_parse(%s): %s (%s at %zu), expected KJ_OK", show(text, len),
                  status_name(st), err.msg != NULL ? err.msg : "-", err.pos);
    ck_assert_ptr_nonnull(v);
    return v;
}

/* ---------------------------------------------------------------------------------------
 * 1. Syntax errors: json.loads(bytes) -> JSONDecodeError .msg and .pos (characters). */

typedef struct syntax_case {
    const char *text;
    size_t len;
    const char *msg;
    size_t pos;
} syntax_case;

static const syntax_case syntax_cases[] = {
    /* positions and messages verified against CPython's json.loads */
    {B("   "), "Expecting value", 3},
    {B("{\"a\""), "Expecting ':' delimiter", 4},
    {B("{\"a\":"), "Expecting value", 5},
    {B("{\"a\":1"), "Expecting ',' delimiter", 6},
    {B("{\"a\":1,"), "Expecting property name enclosed in double quotes", 7},
    {B("[1,]"), "Expecting value", 3},
    {B("{\"a\":\"x}"), "Unterminated string starting at", 5},
    {B("{\"a\":\"x\ny\"}"), "Invalid control character at", 7},
    {B("\"\\q\""), "Invalid \\escape", 1},
    {B("\"\\u12\""), "Invalid \\uXXXX escape", 2},
    {B("{\"a\":1}}"), "Extra data", 7},
    {B("{\"\xc3\xa9\":1,}"), "Expecting property name enclosed in double quotes", 7}, /* é: 2 bytes, 1 char */
    {B("{some broken json}"), "Expecting property name enclosed in double quotes", 1},
    /* [libkarak] NaN / Infinity / -Infinity are rejected at the token (Python accepts them) */
    {B("NaN"), "Expecting value", 0},
    {B("Infinity"), "Expecting value", 0},
    {B("-Infinity"), "Expecting value", 0},
    {B("[1,NaN]"), "Expecting value", 3},
    {B("{\"a\": -Infinity}"), "Expecting value", 6},
    {B("[Infinity]"), "Expecting value", 1},
    /* empty and whitespace */
    {B(""), "Expecting value", 0},
    {B(" \t\r\n"), "Expecting value", 4},
    {B("\xef\xbb\xbf"), "Expecting value", 0},       /* BOM only: utf-8-sig decodes to "" */
    {B("\xef\xbb\xbf{\"a\":"), "Expecting value", 5}, /* positions count after the BOM */
    /* numbers (_match_number_unicode) */
    {B("-"), "Expecting value", 0},
    {B("01"), "Extra data", 1},
    {B("-01"), "Extra data", 2},
    {B("1."), "Extra data", 1},
    {B("1e"), "Extra data", 1},
    {B("1e+"), "Extra data", 1},
    {B(".5"), "Expecting value", 0},
    {B("+1"), "Expecting value", 0},
    {B("[-]"), "Expecting value", 1},
    {B("[0x10]"), "Expecting ',' delimiter", 2},
    {B("[1.e5]"), "Expecting ',' delimiter", 2},
    {B("[1e5x]"), "Expecting ',' delimiter", 4},
    /* literals */
    {B("tru"), "Expecting value", 0},
    {B("nul"), "Expecting value", 0},
    {B("{\"a\":tru}"), "Expecting value", 5},
    {B("\x00"), "Expecting value", 0},
    /* arrays and objects */
    {B("["), "Expecting value", 1},
    {B("[1"), "Expecting ',' delimiter", 2},
    {B("[1 2]"), "Expecting ',' delimiter", 3},
    {B("[1,2"), "Expecting ',' delimiter", 4},
    {B("[1,,2]"), "Expecting value", 3},
    {B("[\n1,\n]"), "Expecting value", 5},
    {B("[true,false,null,"), "Expecting value", 17},
    {B("{\"a\" 1}"), "Expecting ':' delimiter", 5},
    {B("{,}"), "Expecting property name enclosed in double quotes", 1},
    {B("{\"a\":1 \"b\":2}"), "Expecting ',' delimiter", 7},
    {B("{\"a\":1,,}"), "Expecting property name enclosed in double quotes", 7},
    {B("{\"\\u00e9\":1,\"b\"}"), "Expecting ':' delimiter", 15},
    /* nested */
    {B("{\"a\":[1,{\"b\":}]}"), "Expecting value", 13},
    {B("{\"a\":{\"b\":{\"c\":[1,2,]}}}"), "Expecting value", 20},
    {B("[[[["), "Expecting value", 4},
    /* extra data */
    {B("{\"a\":1}x"), "Extra data", 7},
    {B("1 2"), "Extra data", 2},
    {B("[] ]"), "Extra data", 3},
    {B("  {}  x"), "Extra data", 6},
    {B("[1]\x00"), "Extra data", 3},
    /* strings (scanstring_unicode) */
    {B("\"abc"), "Unterminated string starting at", 0},
    {B("\"abc\\"), "Unterminated string starting at", 0},
    {B("\"\\"), "Unterminated string starting at", 0},
    {B("{\"a\":\"\\\"}"), "Unterminated string starting at", 5},
    {B("\"a\tb\""), "Invalid control character at", 2},
    {B("\"\x00\""), "Invalid control character at", 1},
    {B("\"\x1f\""), "Invalid control character at", 1},
    {B("[\"a\nb\"]"), "Invalid control character at", 3},
    {B("\"\\x\""), "Invalid \\escape", 1},
    {B("\"\\u00\""), "Invalid \\uXXXX escape", 2},
    {B("\"\\u"), "Invalid \\uXXXX escape", 2},
    {B("\"\\u1234"), "Invalid \\uXXXX escape", 2},  /* needs a character after the 4 digits */
    {B("\"\\u12345"), "Unterminated string starting at", 0},
    /* Regression (lone surrogate before a syntax error, as the "[\"\\ud800\",]" row
     * below): CPython keeps the lone \ud800 and fails at the next escape:
     * json.loads(b'"\\ud800\\u12"') -> pos 8 "Invalid \\uXXXX escape"; was KJ_ENCODING. */
    {B("\"\\ud800\\u12\""), "Invalid \\uXXXX escape", 8},
    {B("\"\\ud800\\uzzzz\""), "Invalid \\uXXXX escape", 8},
    /* Regression (same): the pair is not joined because end + 6 == len (unterminated
     * string), so \ud83d is lone in CPython, which then fails on \ude00:
     * json.loads(b'"\\ud83d\\ude00') -> pos 8 "Invalid \\uXXXX escape"; was KJ_ENCODING. */
    {B("\"\\ud83d\\ude00"), "Invalid \\uXXXX escape", 8},
    {B("\"\\udc00"), "Invalid \\uXXXX escape", 2},
    /* positions are characters, not bytes */
    {B("[\"\xc3\xa9\xc3\xa9\", x]"), "Expecting value", 7},
    {B("\"\xc3\xa9\\u12\""), "Invalid \\uXXXX escape", 3},
    {B("{\"\xe2\x82\xac\xf0\x9f\x98\x80\":\"\\u00e9\\x\"}"), "Invalid \\escape", 13},
    /* Regression: a lone surrogate escape followed by a syntax error. CPython keeps the
     * lone surrogate in the str and reports the syntax error (json_invalid, 422):
     * json.loads(b'["\\ud800",]') -> pos 10 "Expecting value". libkarak used to
     * return KJ_ENCODING (400) as soon as it met the lone surrogate. */
    {B("[\"\\ud800\",]"), "Expecting value", 10},
    /* Regression: json.detect_encoding() checks the UTF-8 BOM before the NUL-byte
     * heuristic, so BOM + "[\0" + "1]" is decoded as utf-8-sig and fails as JSON:
     * json.loads(b'\xef\xbb\xbf[\x001]') -> pos 1 "Expecting value". libkarak stripped the
     * BOM first and then took the NUL in the first two bytes for UTF-16: KJ_ENCODING. */
    {B("\xef\xbb\xbf[\x00" "1]"), "Expecting value", 1},
};

START_TEST(test_syntax_errors)
{
    const syntax_case *c = &syntax_cases[_i];
    kj *v = NULL;
    kj_error err = {NULL, 12345};
    kj_status st = kj_parse(&A, c->text, c->len, &v, &err);
    ck_assert_msg(st == KJ_SYNTAX, "case %d kj_parse(%s): %s, expected KJ_SYNTAX (%s at %zu)", _i,
                  show(c->text, c->len), status_name(st), c->msg, c->pos);
    ck_assert_msg(err.msg != NULL && strcmp(err.msg, c->msg) == 0 && err.pos == c->pos,
                  "case %d kj_parse(%s):\n  got      %zu %s\n  expected %zu %s", _i,
                  show(c->text, c->len), err.pos, err.msg != NULL ? err.msg : "(null)", c->pos,
                  c->msg);
}
END_TEST

/* [libkarak] Python's json stops at its recursion limit with a RecursionError (FastAPI: 400
 * "There was an error parsing the body", from about 955 levels under uvicorn); libkarak
 * parses 1000 levels and stops at the next with a json_invalid at its bracket. */
static char *repeat(const char *open, size_t times, const char *close)
{
    size_t lo = strlen(open), lc = strlen(close);
    char *s = karena_alloc_bytes(&A, times * (lo + lc) + 1);
    ck_assert_ptr_nonnull(s);
    for (size_t k = 0; k < times; k++) memcpy(s + k * lo, open, lo);
    for (size_t k = 0; k < times; k++) memcpy(s + times * lo + k * lc, close, lc);
    s[times * (lo + lc)] = '\0';
    return s;
}

START_TEST(test_nesting_depth)
{
    /* 1000 levels (KARAK_JSON_MAX_DEPTH) parse and write back (write.c recurses per
     * level) */
    char *ok = repeat("[", 1000, "]");
    kj *v = parse_ok(ok, strlen(ok));
    ck_assert_int_eq(v->type, KJ_ARR);
    kbuf b;
    kbuf_init(&b, &A, 64);
    kjw_value(&b, v);
    expect_buf(&b, ok, strlen(ok), "1000 nested arrays");
    ok = repeat("{\"a\":", 1000, "}");
    ok[1000 * 5 - 1] = '1'; /* {"a":{"a":...{"a":1}...}} : the innermost ':' becomes "a":1 */

    /* [libkarak] one more is a syntax error at the bracket that goes too deep (Python:
     * RecursionError past its recursion limit, about 990 levels, which FastAPI answers 400) */
    const char *deep[] = {repeat("[", 1001, "]"), repeat("{\"a\":", 1001, "}"),
                          repeat("[", 1000000, "")};
    const size_t pos[] = {1000, 5000, 1000};
    for (int k = 0; k < 3; k++) {
        kj_error err = {NULL, 0};
        kj_status st = kj_parse(&A, deep[k], strlen(deep[k]), &v, &err);
        ck_assert_int_eq(st, KJ_SYNTAX);
        ck_assert_str_eq(err.msg, "Maximum nesting depth exceeded");
        ck_assert_uint_eq(err.pos, pos[k]);
    }
}
END_TEST

/* The parser keeps open containers on its own stack (parse.c): errors deep inside, and
 * after the containers close, are where CPython's recursive scanner puts them
 * (json.loads, CPython 3.11.7). */
START_TEST(test_nested_errors)
{
    static const struct {
        const char *open;
        size_t opens;
        const char *middle, *close;
        size_t closes;
        const char *tail, *msg;
        size_t pos;
    } cases[] = {
        {"[", 500, "1,]", "]", 500, "", "Expecting value", 502},
        {"[", 500, "", "]", 499, "", "Expecting ',' delimiter", 999},
        {"{\"a\":", 300, "{\"b\":1,\"c\":[1,2,{\"d\":}]}", "}", 300, "", "Expecting value", 1521},
        {"[{\"k\":[", 200, "1", "]}]", 200, ",", "Extra data", 2001},
        {"[", 400, "", "]", 400, "]", "Extra data", 800},
        {"{\"a\":", 300, "1", "}", 299, ",\"b\" 2}", "Expecting ':' delimiter", 1805},
    };
    for (int k = 0; k < N_ELEMS(cases); k++) {
        size_t lo = strlen(cases[k].open), lm = strlen(cases[k].middle);
        size_t lc = strlen(cases[k].close), lt = strlen(cases[k].tail);
        char *s = karena_alloc_bytes(&A, cases[k].opens * lo + lm + cases[k].closes * lc + lt + 1);
        ck_assert_ptr_nonnull(s);
        char *w = s;
        for (size_t i = 0; i < cases[k].opens; i++) memcpy(w, cases[k].open, lo), w += lo;
        memcpy(w, cases[k].middle, lm), w += lm;
        for (size_t i = 0; i < cases[k].closes; i++) memcpy(w, cases[k].close, lc), w += lc;
        memcpy(w, cases[k].tail, lt + 1);
        kj *v = NULL;
        kj_error err = {NULL, 0};
        ck_assert_msg(kj_parse(&A, s, strlen(s), &v, &err) == KJ_SYNTAX, "nested case %d", k);
        ck_assert_msg(strcmp(err.msg, cases[k].msg) == 0 && err.pos == cases[k].pos,
                      "nested case %d: %s at %zu, expected %s at %zu", k, err.msg, err.pos,
                      cases[k].msg, cases[k].pos);
    }
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 2. Encoding: bytes Python could not decode (UnicodeDecodeError -> FastAPI 400), and the
 * libkarak rulings (lone surrogates, UTF-16/32 input) -> KJ_ENCODING. */

typedef struct bytes_case {
    const char *text;
    size_t len;
} bytes_case;

static const bytes_case encoding_cases[] = {
    {B("\xff")},
    {B("\"\xff\"")},
    {B("{\"\xff\":1}")},                  /* in a key */
    {B("[\"a\x80\"]")},                    /* lone continuation byte */
    {B("\"\xc3\"")},                       /* truncated 2-byte sequence */
    {B("\"\xe2\x82\"")},                   /* truncated 3-byte sequence */
    {B("\"\xc0\xaf\"")},                   /* overlong "/" */
    {B("\"\xe0\x9f\xbf\"")},               /* overlong 3-byte */
    {B("\"\xf0\x8f\xbf\xbf\"")},           /* overlong 4-byte */
    {B("\"\xed\xa0\x80\"")},               /* UTF-8-encoded surrogate U+D800 */
    {B("\"\xf4\x90\x80\x80\"")},           /* above U+10FFFF */
    {B("\"\xf5\x80\x80\x80\"")},
    {B("[1]\xfe")},                        /* after the value */
    /* [libkarak] lone surrogate escapes (Python keeps them in a str; not UTF-8) */
    {B("\"\\ud800\"")},
    {B("\"\\udc00\"")},
    {B("[\"x\\uDBFF\"]")},
    {B("\"\\ud800\\u0041\"")},             /* high surrogate + non-surrogate */
    {B("\"\\ud800\\ud800\"")},             /* high + high */
    {B("\"\\udc00\\ud800\"")},             /* reversed pair */
    {B("{\"\\ud800\":1}")},                /* in a key */
    /* [libkarak] a NUL in the first two bytes (json.detect_encoding: UTF-16/32) */
    {B("{\x00}\x00")},                     /* UTF-16-LE "{}" */
    {B("\x00{\x00}")},                     /* UTF-16-BE "{}" */
    {B("1\x00")},                          /* 2 bytes: UTF-16-LE "1" */
    {B("{\x00\x00\x00}\x00\x00\x00")},     /* UTF-32-LE "{}" */
};

START_TEST(test_encoding_errors)
{
    const bytes_case *c = &encoding_cases[_i];
    kj *v = NULL;
    kj_error err = {NULL, 0};
    kj_status st = kj_parse(&A, c->text, c->len, &v, &err);
    ck_assert_msg(st == KJ_ENCODING, "case %d kj_parse(%s): %s (%s), expected KJ_ENCODING", _i,
                  show(c->text, c->len), status_name(st), err.msg != NULL ? err.msg : "-");
}
END_TEST

typedef struct utf8_case {
    const char *s;
    size_t len;
    bool valid;
} utf8_case;

static const utf8_case utf8_cases[] = {
    {B(""), true},
    {B("plain ascii"), true},
    {B("\x00"), true},
    {B("\xc3\xa9"), true},             /* é */
    {B("\xe2\x82\xac"), true},         /* € */
    {B("\xf0\x9f\x98\x80"), true},     /* 😀 */
    {B("\xc2\x80"), true},             /* U+0080, lowest 2-byte */
    {B("\xe0\xa0\x80"), true},         /* U+0800, lowest 3-byte */
    {B("\xed\x9f\xbf"), true},         /* U+D7FF */
    {B("\xee\x80\x80"), true},         /* U+E000 */
    {B("\xef\xbf\xbf"), true},         /* U+FFFF */
    {B("\xf0\x90\x80\x80"), true},     /* U+10000 */
    {B("\xf4\x8f\xbf\xbf"), true},     /* U+10FFFF */
    {B("\x80"), false},
    {B("\xbf"), false},
    {B("\xc0\x80"), false},
    {B("\xc1\xbf"), false},
    {B("\xc3"), false},
    {B("\xc3\x28"), false},
    {B("\xe2\x82"), false},
    {B("\xe0\x9f\xbf"), false},
    {B("\xed\xa0\x80"), false},
    {B("\xed\xbf\xbf"), false},
    {B("\xf0\x8f\xbf\xbf"), false},
    {B("\xf0\x9f\x98"), false},
    {B("\xf4\x90\x80\x80"), false},
    {B("\xf5\x80\x80\x80"), false},
    {B("\xff"), false},
    {B("ok\xc3\xa9\xe2"), false},
};

START_TEST(test_utf8_valid)
{
    const utf8_case *c = &utf8_cases[_i];
    ck_assert_msg(kutf8_valid(c->s, c->len) == c->valid, "case %d kutf8_valid(%s) != %s", _i,
                  show(c->s, c->len), c->valid ? "true" : "false");
}
END_TEST

START_TEST(test_utf8_count)
{
    ck_assert_uint_eq(kutf8_count(B("")), 0);
    ck_assert_uint_eq(kutf8_count(B("abc")), 3);
    ck_assert_uint_eq(kutf8_count(B("h\xc3\xa9llo")), 5);
    ck_assert_uint_eq(kutf8_count(B("\xe2\x82\xac\xf0\x9f\x98\x80!")), 3);
}
END_TEST

START_TEST(test_bom_skipped)
{
    kj *v = parse_ok(B("\xef\xbb\xbf{\"a\":1}"));
    ck_assert_int_eq(v->type, KJ_OBJ);
    kbuf b;
    kbuf_init(&b, &A, 16);
    kjw_value(&b, v);
    expect_buf(&b, B("{\"a\":1}"), "BOM + {\"a\":1}");

    /* BOM + whitespace + scalar */
    v = parse_ok(B("\xef\xbb\xbf 7 "));
    ck_assert_int_eq(v->type, KJ_INT);
    ck_assert(v->d == 7.0);

    /* Only a leading BOM is skipped: a BOM inside the text is U+FEFF, not whitespace. */
    kj_error err = {NULL, 0};
    ck_assert_int_eq(kj_parse(&A, B(" \xef\xbb\xbf{}"), &v, &err), KJ_SYNTAX);
    ck_assert_str_eq(err.msg, "Expecting value");
    ck_assert_uint_eq(err.pos, 1);
}
END_TEST

START_TEST(test_error_out_optional)
{
    /* err may be NULL */
    kj *v = NULL;
    ck_assert_int_eq(kj_parse(&A, B("[1,"), &v, NULL), KJ_SYNTAX);
    ck_assert_int_eq(kj_parse(&A, B("\"\xff\""), &v, NULL), KJ_ENCODING);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 3. Successful parses, written back with kjw_value (json.dumps(json.loads(text),
 * ensure_ascii=False, separators=(",", ":"))). */

typedef struct roundtrip_case {
    const char *text;
    size_t len;
    const char *out;
    size_t out_len;
} roundtrip_case;

static const roundtrip_case roundtrip_cases[] = {
    {B("{\"a\":[1,2.5,\"x\\n\"],\"b\":null}"), B("{\"a\":[1,2.5,\"x\\n\"],\"b\":null}")},
    {B("1E2"), B("100.0")},
    {B("1e2"), B("100.0")},
    {B("-0"), B("0")},
    {B("-0.0"), B("-0.0")},
    {B("-0e0"), B("-0.0")},
    {B("0"), B("0")},
    {B("5.50"), B("5.5")},
    {B("1.0"), B("1.0")},
    {B("-12"), B("-12")},
    {B("0.1"), B("0.1")},
    {B("1e16"), B("1e+16")},
    {B("1.0E-5"), B("1e-05")},
    {B("1.5E+300"), B("1.5e+300")},
    {B("0.30000000000000004"), B("0.30000000000000004")},
    {B("123456789012345678901234567890"), B("123456789012345678901234567890")}, /* int digits kept */
    {B("-9223372036854775809"), B("-9223372036854775809")},
    /* [libkarak] overflow to infinity is written as null (Python: inf, then 500) */
    {B("1e400"), B("null")},
    {B("true"), B("true")},
    {B("false"), B("false")},
    {B("null"), B("null")},
    {B("\"\""), B("\"\"")},
    {B("{}"), B("{}")},
    {B("[]"), B("[]")},
    {B("{\"\":\"\"}"), B("{\"\":\"\"}")},
    {B("[[[[]]],{}]"), B("[[[[]]],{}]")},
    {B(" \t\n\r[ 1 , { \"k\" : true } , false ]\r\n "), B("[1,{\"k\":true},false]")},
    {B("{\"z\":1,\"a\":2,\"m\":3}"), B("{\"z\":1,\"a\":2,\"m\":3}")}, /* member order kept */
    {B("\"\\u00e9\\u20AC\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\""),
     B("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\\\"\\\\\\b\\f\\n\\r\\t\"")},
    {B("\"\\u0000\\u0001\\u001F\\u007f\""), B("\"\\u0000\\u0001\\u001f\x7f\"")},
    {B("\"\\uD834\\uDD1E\""), B("\"\xf0\x9d\x84\x9e\"")}, /* upper-case hex pair: U+1D11E */
    {B("{\"\xc3\xa9\":\"\xe2\x82\xac\"}"), B("{\"\xc3\xa9\":\"\xe2\x82\xac\"}")},
    {B("{\"\\u00e9\\n\":1}"), B("{\"\xc3\xa9\\n\":1}")}, /* escaped key decoded, re-escaped */
    {B("\"a\x7f\xe2\x80\xa8\""), B("\"a\x7f\xe2\x80\xa8\"")}, /* DEL, U+2028 raw */
    /* Regression: duplicate keys. Python's dict keeps the first key's position with the
     * last value: json.loads('{"a":1,"b":2,"a":3}') == {'a': 3, 'b': 2}, so FastAPI echoes
     * `{"a":3,"b":2}` (e.g. as the "input" of a missing-field error). The tree keeps every
     * member (see test_duplicate_keys); kjw_value used to write them all:
     * {"a":1,"b":2,"a":3}. */
    {B("{\"a\":1,\"b\":2,\"a\":3}"), B("{\"a\":3,\"b\":2}")},
};

START_TEST(test_roundtrip)
{
    const roundtrip_case *c = &roundtrip_cases[_i];
    kj *v = parse_ok(c->text, c->len);
    kbuf b;
    kbuf_init(&b, &A, 16);
    kjw_value(&b, v);
    char what[64];
    snprintf(what, sizeof what, "roundtrip case %d", _i);
    expect_buf(&b, c->out, c->out_len, what);
}
END_TEST

START_TEST(test_tree)
{
    kj *v = parse_ok(
        B("{\"i\":-12,\"r\":2.5,\"e\":1e2,\"s\":\"x\\u00e9\",\"t\":true,\"f\":false,\"n\":null,"
          "\"a\":[1,[2]],\"o\":{},\"\\u00e9\":\"k\"}"));
    ck_assert_int_eq(v->type, KJ_OBJ);
    ck_assert_uint_eq(v->n, 10);

    const kj *m = kj_get(v, "i");
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(m->type, KJ_INT);
    ck_assert(m->d == -12.0);
    ck_assert_uint_eq(m->n, 3);
    ck_assert_mem_eq(m->s, "-12", 3);
    ck_assert_uint_eq(m->key_len, 1);
    ck_assert_mem_eq(m->key, "i", 1);

    m = kj_get(v, "r");
    ck_assert_int_eq(m->type, KJ_REAL);
    ck_assert(m->d == 2.5);
    m = kj_get(v, "e"); /* an exponent makes a float, as in Python */
    ck_assert_int_eq(m->type, KJ_REAL);
    ck_assert(m->d == 100.0);

    m = kj_get(v, "s");
    ck_assert_int_eq(m->type, KJ_STR);
    ck_assert_uint_eq(m->n, 3);
    ck_assert_mem_eq(m->s, "x\xc3\xa9", 3);

    m = kj_get(v, "t");
    ck_assert_int_eq(m->type, KJ_BOOL);
    ck_assert(m->b);
    m = kj_get(v, "f");
    ck_assert_int_eq(m->type, KJ_BOOL);
    ck_assert(!m->b);
    ck_assert_int_eq(kj_get(v, "n")->type, KJ_NULL);

    m = kj_get(v, "a");
    ck_assert_int_eq(m->type, KJ_ARR);
    ck_assert_uint_eq(m->n, 2);
    ck_assert_int_eq(m->child->type, KJ_INT);
    ck_assert(m->child->d == 1.0);
    ck_assert_int_eq(m->child->next->type, KJ_ARR);
    ck_assert_uint_eq(m->child->next->n, 1);
    ck_assert_ptr_null(m->child->next->next);

    m = kj_get(v, "o");
    ck_assert_int_eq(m->type, KJ_OBJ);
    ck_assert_uint_eq(m->n, 0);
    ck_assert_ptr_null(m->child);

    m = kj_get(v, "\xc3\xa9"); /* the key "\u00e9" is stored decoded */
    ck_assert_ptr_nonnull(m);
    ck_assert_mem_eq(m->s, "k", 1);

    ck_assert_ptr_null(kj_get(v, "missing"));
    ck_assert_ptr_null(kj_get(v, "I"));
    ck_assert_ptr_null(kj_get(v, ""));
}
END_TEST

/* An integer literal keeps its digits (json.loads gives a Python int of any size); its double
 * is what strtod makes of it: beyond DBL_MAX, an infinity of its sign. Validation of a
 * number field reads `d`, so it must not take such a KJ_INT for a finite value. */
START_TEST(test_huge_int)
{
    char text[340];
    for (int sign = 0; sign < 2; sign++) {
        size_t n = 0;
        if (sign) text[n++] = '-';
        text[n++] = '1';
        memset(text + n, '0', 329);
        n += 329;
        kj *v = parse_ok(text, n);
        ck_assert_int_eq(v->type, KJ_INT);
        ck_assert_uint_eq(v->n, n);
        ck_assert_mem_eq(v->s, text, n);
        ck_assert(isinf(v->d) && (v->d < 0) == (sign == 1));
        kbuf b;
        kbuf_init(&b, &A, 16);
        kjw_value(&b, v);
        expect_buf(&b, text, n, "a 330-digit integer written back");
    }
}
END_TEST

START_TEST(test_duplicate_keys)
{
    kj *v = parse_ok(B("{\"a\":1,\"b\":2,\"a\":3}"));
    /* the tree keeps every member, in order */
    ck_assert_uint_eq(v->n, 3);
    const kj *m = v->child;
    ck_assert_mem_eq(m->key, "a", 1);
    ck_assert_mem_eq(m->s, "1", 1);
    m = m->next;
    ck_assert_mem_eq(m->key, "b", 1);
    m = m->next;
    ck_assert_mem_eq(m->key, "a", 1);
    ck_assert_mem_eq(m->s, "3", 1);
    ck_assert_ptr_null(m->next);
    /* lookups see the last one, as Python's dict */
    const kj *a = kj_get(v, "a");
    ck_assert_ptr_eq(a, m);
    ck_assert(a->d == 3.0);
    ck_assert(kj_get(v, "b")->d == 2.0);
}
END_TEST

START_TEST(test_new_str)
{
    kj *s = kj_new_str(&A, B("q\"\n\xc3\xa9"));
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->type, KJ_STR);
    ck_assert_uint_eq(s->n, 5);
    kbuf b;
    kbuf_init(&b, &A, 4);
    kjw_value(&b, s);
    kjw_value(&b, NULL);
    expect_buf(&b, B("\"q\\\"\\n\xc3\xa9\"null"), "kj_new_str + NULL");
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 4. knum_repr: Python repr(float). */

typedef struct float_case {
    double d;
    const char *out;
} float_case;

static const float_case repr_cases[] = {
    {9.99, "9.99"},
    {0.1, "0.1"},
    {3.0, "3.0"},
    {-0.0, "-0.0"},
    {0.0, "0.0"},
    {1e16, "1e+16"},
    {9999999999999998.0, "9999999999999998.0"},
    {1234567890123456.0, "1234567890123456.0"},
    {1e15, "1000000000000000.0"},
    {12345678901234567.0, "1.2345678901234568e+16"},
    {9007199254740992.0, "9007199254740992.0"},
    {1e-05, "1e-05"},
    {9.5e-05, "9.5e-05"},
    {2.5e-05, "2.5e-05"},
    {0.0001, "0.0001"},
    {0.00011, "0.00011"},
    {0.001, "0.001"},
    {-1e-07, "-1e-07"},
    {123456789012345.6, "123456789012345.6"},
    {0.30000000000000004, "0.30000000000000004"}, /* 0.1 + 0.2 */
    {1.5e300, "1.5e+300"},
    {1e22, "1e+22"},
    {1e100, "1e+100"},
    {1.7976931348623157e308, "1.7976931348623157e+308"},
    {2.2250738585072014e-308, "2.2250738585072014e-308"}, /* smallest normal */
    {100.0, "100.0"},
    {-1.5, "-1.5"},
    {12345.678, "12345.678"},
    /* Regression (subnormals): shortest_digits() accepted the first of 15/16/17 significant
     * digits that round-tripped, but for subnormals far fewer digits round-trip.
     * repr(5e-324) == '5e-324'; was "4.94065645841247e-324". */
    {5e-324, "5e-324"},
    /* Regression (subnormals): repr(1e-320) == '1e-320'; was "9.99988867182683e-321". */
    {1e-320, "1e-320"},
    /* Regression (powers of two, 46 of them among 2**-1022 .. 2**1023): the gap below a
     * power of two is half the gap above, so the correctly rounded 16-digit string can fail
     * to round-trip while another 16-digit string does; Python's repr (dtoa mode 0) finds
     * it; libkarak fell back to 17 digits.
     * repr(2.0**-24) == '5.960464477539063e-08'; was "5.9604644775390625e-08". */
    {0x1p-24, "5.960464477539063e-08"},
    /* Regression: repr(2.0**-44) == '5.684341886080802e-14'; was "5.6843418860808015e-14". */
    {0x1p-44, "5.684341886080802e-14"},
    /* Regression: repr(2.0**89) == '6.189700196426902e+26'; was "6.1897001964269014e+26". */
    {0x1p89, "6.189700196426902e+26"},
};

START_TEST(test_format_repr)
{
    const float_case *c = &repr_cases[_i];
    char buf[64];
    memset(buf, 'X', sizeof buf);
    size_t n = knum_repr(buf, c->d);
    ck_assert_msg(n == strlen(c->out) && memcmp(buf, c->out, n) == 0 && buf[n] == '\0',
                  "case %d knum_repr(%a): got \"%.*s\" (%zu), expected \"%s\"", _i, c->d,
                  (int)(n < sizeof buf ? n : sizeof buf), buf, n, c->out);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 5. knum_display: Rust's Display for f64 (shortest round-trip digits, never an
 * exponent, no ".0"), as pydantic-core prints bounds ("greater than 0.5"). Expectations
 * checked with rustc 1.95: println!("{}", d). */

static const float_case display_cases[] = {
    {0.0, "0"},
    {-0.0, "-0"}, /* Rust >= 1.53 prints the sign of negative zero */
    {1.5, "1.5"},
    {1e20, "100000000000000000000"},
    {1e-7, "0.0000001"},
    {-2.5, "-2.5"},
    {100.0, "100"},
    {1.0, "1"},
    {0.1, "0.1"},
    {1e16, "10000000000000000"},
    {1e-5, "0.00001"},
    {123.456, "123.456"},
    {0.30000000000000004, "0.30000000000000004"},
    {-1234567.125, "-1234567.125"},
    {1.7976931348623157e308, /* 17 digits and 292 zeros */
     "1797693134862315700000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000"},
    /* Regression (same cause as the repr power-of-two rows): Rust prints the shortest
     * round-trip digits of 2**-24, 5.960464477539063e-08 -> "0.00000005960464477539063";
     * was "0.000000059604644775390625". */
    {0x1p-24, "0.00000005960464477539063"},
};

START_TEST(test_format_display)
{
    const float_case *c = &display_cases[_i];
    char buf[400];
    size_t n = knum_display(buf, c->d);
    ck_assert_msg(n == strlen(c->out) && memcmp(buf, c->out, n) == 0 && buf[n] == '\0',
                  "case %d knum_display(%a): got \"%.*s\" (%zu), expected \"%s\"", _i, c->d,
                  (int)(n < sizeof buf ? n : sizeof buf), buf, n, c->out);
}
END_TEST

START_TEST(test_write_numbers)
{
    kbuf b;
    kbuf_init(&b, &A, 8);
    kjw_double(&b, NAN);
    kbuf_putc(&b, ',');
    kjw_double(&b, INFINITY);
    kbuf_putc(&b, ',');
    kjw_double(&b, -INFINITY);
    kbuf_putc(&b, ',');
    kjw_double(&b, 3.0);
    kbuf_putc(&b, ',');
    kjw_double(&b, -0.0);
    kbuf_putc(&b, ',');
    kjw_i64(&b, INT64_MIN);
    kbuf_putc(&b, ',');
    kjw_i64(&b, INT64_MAX);
    kbuf_putc(&b, ',');
    kjw_i64(&b, 0);
    kbuf_putc(&b, ',');
    kjw_i64(&b, -7);
    expect_buf(&b, B("null,null,null,3.0,-0.0,-9223372036854775808,9223372036854775807,0,-7"),
               "kjw_double/kjw_i64");
}
END_TEST

/* Integers take shortcuts below 100 and below 10,000: every length, both signs, each
 * power of ten and its neighbours, against snprintf. */
START_TEST(test_write_integers_at_every_length)
{
    for (int64_t p = 1; p > 0; p = p <= INT64_MAX / 10 ? p * 10 : 0) {
        const int64_t vals[] = {p - 1, p, p + 1, 2 * p - 1, 5 * p,
                               p <= INT64_MAX / 10 ? 10 * p - 1 : INT64_MAX};
        for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
            for (int sign = 1; sign >= -1; sign -= 2) {
                int64_t v = sign * vals[i];
                char want[32], got[KJW_I64_MAX + 1];
                snprintf(want, sizeof want, "%" PRId64, v);
                size_t n = kjw_i64_at(got, v);
                got[n] = '\0';
                ck_assert_msg(strcmp(got, want) == 0, "%s written as %s", want, got);
            }
        }
    }
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 6. kjw_string: json.dumps(s, ensure_ascii=False); bytes that are not UTF-8 become U+FFFD
 * as bytes.decode("utf-8", "replace") makes them. */

static const roundtrip_case string_cases[] = {
    {B("h\xc3\xa9llo \xe2\x82\xac"), B("\"h\xc3\xa9llo \xe2\x82\xac\"")},
    {B(""), B("\"\"")},
    {B("a/b"), B("\"a/b\"")},
    {B("\"\\"), B("\"\\\"\\\\\"")},
    {B("\n\r\t\b\f"), B("\"\\n\\r\\t\\b\\f\"")},
    {B("\x01"), B("\"\\u0001\"")},
    {B("\x1f"), B("\"\\u001f\"")},
    {B("\x0b"), B("\"\\u000b\"")},
    {B("\x1a"), B("\"\\u001a\"")},
    {B("a\x00" "b"), B("\"a\\u0000b\"")},
    {B("\x7f"), B("\"\x7f\"")},
    {B("\xe2\x80\xa8"), B("\"\xe2\x80\xa8\"")}, /* U+2028 raw */
    {B("\xf0\x9f\x98\x80"), B("\"\xf0\x9f\x98\x80\"")},
    {B("\xf4\x8f\xbf\xbf"), B("\"\xf4\x8f\xbf\xbf\"")},
    {B("x\xc3\xa9\n\xe2\x82\xac\x01"), B("\"x\xc3\xa9\\n\xe2\x82\xac\\u0001\"")},
    {B("\xff"), B("\"\xef\xbf\xbd\"")},
    {B("a\x80" "b"), B("\"a\xef\xbf\xbd" "b\"")},
    {B("\xc0\xaf"), B("\"\xef\xbf\xbd\xef\xbf\xbd\"")},
    {B("\xed\xa0\x80"), B("\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"")},
    {B("\xf4\x90\x80\x80"), B("\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"")},
    {B("\xc3"), B("\"\xef\xbf\xbd\"")},
    {B("\xc3\x28"), B("\"\xef\xbf\xbd(\"")},
    /* Regression: a truncated multi-byte sequence (valid prefix, then not a continuation
     * byte) is one U+FFFD in Python ("maximal subpart" rule):
     * b'\xe2\x82'.decode('utf-8', 'replace') == '\ufffd'; libkarak replaces each byte:
     * was "\xef\xbf\xbd\xef\xbf\xbd". */
    {B("\xe2\x82"), B("\"\xef\xbf\xbd\"")},
    /* Regression: b'\xf0\x9f\x98A'.decode('utf-8', 'replace') == '\ufffdA';
     * was three U+FFFD then "A". */
    {B("\xf0\x9f\x98" "A"), B("\"\xef\xbf\xbd" "A\"")},
};

START_TEST(test_write_string)
{
    const roundtrip_case *c = &string_cases[_i];
    kbuf b;
    kbuf_init(&b, &A, 1);
    kjw_string(&b, c->text, c->len);
    char what[64];
    snprintf(what, sizeof what, "kjw_string case %d", _i);
    expect_buf(&b, c->out, c->out_len, what);
}
END_TEST

/* Every length up to 24 and every position of one byte that needs more than a copy (a
 * quote, a control character, a multi-byte character, a byte that is not UTF-8): the block
 * checks and the bytes after the last whole block agree with a byte-by-byte reference, in
 * both the lenient and the strict writer. */
START_TEST(test_write_string_every_length_and_position)
{
    static const struct {
        const char *bytes, *escaped;
        bool utf8;
    } odd[] = {{"\"", "\\\"", true}, {"\x01", "\\u0001", true}, {"\xc3\xa9", "\xc3\xa9", true},
               {"\xff", "\xef\xbf\xbd", false}};
    for (size_t o = 0; o < sizeof odd / sizeof *odd; o++) {
        for (size_t n = 0; n <= 24; n++) {
            for (size_t pos = 0; pos <= n; pos++) { /* pos == n: none of them */
                char in[40], want[48];
                size_t len = 0, wlen = 0;
                want[wlen++] = '"';
                for (size_t i = 0; i < n; i++) {
                    if (i == pos) {
                        size_t bl = strlen(odd[o].bytes), el = strlen(odd[o].escaped);
                        memcpy(in + len, odd[o].bytes, bl);
                        memcpy(want + wlen, odd[o].escaped, el);
                        len += bl;
                        wlen += el;
                    } else {
                        in[len++] = (char)('a' + i % 26);
                        want[wlen++] = (char)('a' + i % 26);
                    }
                }
                want[wlen++] = '"';
                char what[64];
                snprintf(what, sizeof what, "odd %zu, length %zu, at %zu", o, n, pos);
                kbuf b;
                kbuf_init(&b, &A, 1);
                kjw_string(&b, in, len);
                expect_buf(&b, want, wlen, what);
                kbuf_init(&b, &A, 1);
                bool ok = kjw_string_strict(&b, in, len);
                ck_assert_msg(ok == (odd[o].utf8 || pos == n), "%s: strict said %d", what, ok);
                if (ok) expect_buf(&b, want, wlen, what);
            }
        }
    }
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 7. kjw_jansson. */

START_TEST(test_write_jansson)
{
    json_t *o = json_pack("{s:i, s:f, s:f, s:s, s:b, s:b, s:n, s:[I, f, f, f], s:{}, s:[]}", "z",
                          1, "a", 3.0, "m", 0.1, "s", "x\n\xc3\xa9/", "t", 1, "f", 0, "n", "arr",
                          (json_int_t)INT64_MIN, 1e16, 1e-05, -0.0, "o", "e");
    ck_assert_ptr_nonnull(o);
    kbuf b;
    kbuf_init(&b, &A, 8);
    kjw_jansson(&b, o);
    json_decref(o);
    expect_buf(&b,
               B("{\"z\":1,\"a\":3.0,\"m\":0.1,\"s\":\"x\\n\xc3\xa9/\",\"t\":true,\"f\":false,"
                 "\"n\":null,\"arr\":[-9223372036854775808,1e+16,1e-05,-0.0],\"o\":{},\"e\":[]}"),
               "kjw_jansson(json_pack)");

    /* insertion order, not hash or key order, over many keys; a later set of an existing
     * key keeps its place */
    json_t *big = json_object();
    ck_assert_ptr_nonnull(big);
    char key[8];
    for (int k = 19; k >= 0; k--) {
        snprintf(key, sizeof key, "k%02d", k);
        ck_assert_int_eq(json_object_set_new(big, key, json_integer(k)), 0);
    }
    ck_assert_int_eq(json_object_set_new(big, "k10", json_real(2.5)), 0);
    kbuf_init(&b, &A, 8);
    kjw_jansson(&b, big);
    json_decref(big);
    expect_buf(&b,
               B("{\"k19\":19,\"k18\":18,\"k17\":17,\"k16\":16,\"k15\":15,\"k14\":14,\"k13\":13,"
                 "\"k12\":12,\"k11\":11,\"k10\":2.5,\"k09\":9,\"k08\":8,\"k07\":7,\"k06\":6,"
                 "\"k05\":5,\"k04\":4,\"k03\":3,\"k02\":2,\"k01\":1,\"k00\":0}"),
               "kjw_jansson insertion order");

    /* strings with NUL, controls and invalid UTF-8 (no-check constructor) */
    json_t *arr = json_array();
    ck_assert_ptr_nonnull(arr);
    json_array_append_new(arr, json_stringn("a\0b\x1f", 4));
    json_array_append_new(arr, json_stringn_nocheck("\xff", 1));
    json_array_append_new(arr, json_real(9.99));
    json_array_append_new(arr, json_real(5.5));
    kbuf_init(&b, &A, 8);
    kjw_jansson(&b, arr);
    json_decref(arr);
    expect_buf(&b, B("[\"a\\u0000b\\u001f\",\"\xef\xbf\xbd\",9.99,5.5]"), "kjw_jansson strings");

    /* jansson refuses non-finite reals (json_real(NAN) == NULL), so NaN can only reach the
     * writer through kjw_double, whose null output test_write_numbers checks; make sure the
     * premise holds for this jansson. */
    ck_assert_ptr_null(json_real(NAN));
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json");
    TCase *tc;

    tc = tcase_create("syntax");
    tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_loop_test(tc, test_syntax_errors, 0, N_ELEMS(syntax_cases));
    tcase_add_test(tc, test_nesting_depth);
    tcase_add_test(tc, test_write_string_every_length_and_position);
    tcase_add_test(tc, test_nested_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("encoding");
    tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_loop_test(tc, test_encoding_errors, 0, N_ELEMS(encoding_cases));
    tcase_add_loop_test(tc, test_utf8_valid, 0, N_ELEMS(utf8_cases));
    tcase_add_test(tc, test_utf8_count);
    tcase_add_test(tc, test_bom_skipped);
    tcase_add_test(tc, test_error_out_optional);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_loop_test(tc, test_roundtrip, 0, N_ELEMS(roundtrip_cases));
    tcase_add_test(tc, test_tree);
    tcase_add_test(tc, test_duplicate_keys);
    tcase_add_test(tc, test_huge_int);
    tcase_add_test(tc, test_new_str);
    suite_add_tcase(s, tc);

    tc = tcase_create("floats");
    tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_loop_test(tc, test_format_repr, 0, N_ELEMS(repr_cases));
    tcase_add_loop_test(tc, test_format_display, 0, N_ELEMS(display_cases));
    tcase_add_test(tc, test_write_numbers);
    tcase_add_test(tc, test_write_integers_at_every_length);
    suite_add_tcase(s, tc);

    tc = tcase_create("write");
    tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
    tcase_add_loop_test(tc, test_write_string, 0, N_ELEMS(string_cases));
    tcase_add_test(tc, test_write_jansson);
    suite_add_tcase(s, tc);

    return s;
}

int main(void)
{
    return run_suite(json_suite());
}
