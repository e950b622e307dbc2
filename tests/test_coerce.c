/* Lax coercion of strings (lib/schema/coerce.c: kc_int_from_str, kc_float_from_str,
 * kc_bool_from_str) and the JSON content-type test (lib/http/headers.c:
 * khttp_content_type_is_json), as tables; then the same rules end to end, through path, query
 * and JSON body, in-process and over a socket, and the nesting limit of JSON bodies.
 *
 * Every expectation was checked against FastAPI 0.141 + pydantic 2.13 (pydantic-core 2.46):
 * the unit rows with TypeAdapter(int / float / bool).validate_python(text) and with
 * fastapi/routing.py's content-type test (email.message's get_content_maintype /
 * get_content_subtype); the end-to-end rows with the FastAPI app described above e2e_cases.
 * libkarak's own rulings say so in their row. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "schema/schema.h"
#include "testutil.h"

/* A byte string literal with its exact length (embedded NULs allowed). */
#define B(s) s, sizeof(s) - 1
#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* C-escaped copy of bytes, for failure messages (malloc'd). */
static char *show(const char *s, size_t n)
{
    char *out = malloc(n * 4 + 3);
    ck_assert_ptr_nonnull(out);
    size_t k = 0;
    out[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out[k++] = (char)c;
        else k += (size_t)sprintf(out + k, "\\x%02x", c);
    }
    out[k++] = '"';
    out[k] = '\0';
    return out;
}

/* ---------------------------------------------------------------------------------------
 * 1. Numbers from strings: pydantic-core's str_as_int (int fields) and str_as_float (float
 * fields) on the same text. An int beyond int64 is KC_TOO_BIG with the sign in *overflow
 * (pydantic takes it as a Python int; libkarak's range rule then applies). */

typedef struct num_case {
    const char *text;
    size_t len;
    kc_result int_r;
    int64_t int_v;
    int overflow;
    kc_result float_r;
    double float_v; /* NAN: any NaN */
} num_case;

static const num_case num_cases[] = {
    /* underscores, signs, zeros, points, exponents */
    {B("0__7"), KC_OK, 7, 0, KC_PARSING, 0},
    {B("-_5"), KC_PARSING, 0, 0, KC_OK, -5.0},
    {B("+_5"), KC_PARSING, 0, 0, KC_OK, 5.0},
    {B("_1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1__0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1_000"), KC_OK, 1000, 0, KC_OK, 1000.0},
    {B("1_0.5"), KC_PARSING, 0, 0, KC_OK, 10.5},
    {B("1e1_0"), KC_PARSING, 0, 0, KC_OK, 10000000000.0},
    {B("0_0"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("0_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("00_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0_0_0"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("000"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("-00"), KC_OK, 0, 0, KC_OK, -0.0},
    {B("-0_5"), KC_OK, -5, 0, KC_OK, -5.0},
    {B("-05"), KC_OK, -5, 0, KC_OK, -5.0},
    {B("+05"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("01__0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0__1_0"), KC_OK, 10, 0, KC_PARSING, 0},
    {B("0_1__0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1_000.0"), KC_OK, 1000, 0, KC_OK, 1000.0},
    {B("1_000.0_0"), KC_PARSING, 0, 0, KC_OK, 1000.0},
    {B("1_2.00"), KC_OK, 12, 0, KC_OK, 12.0},
    {B("5_.0"), KC_PARSING, 0, 0, KC_OK, 5.0},
    {B("5._0"), KC_PARSING, 0, 0, KC_OK, 5.0},
    {B("0_.0"), KC_PARSING, 0, 0, KC_OK, 0.0},
    {B("0_0.0"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("00.0"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("0.0"), KC_OK, 0, 0, KC_OK, 0.0},
    {B(".0"), KC_PARSING, 0, 0, KC_OK, 0.0},
    {B("5."), KC_PARSING, 0, 0, KC_OK, 5.0},
    {B("5.0"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("+5"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("+-1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("-+1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("--5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("-"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("+"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B(""), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("__"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1_e5"), KC_PARSING, 0, 0, KC_OK, 100000.0},
    {B("1e_5"), KC_PARSING, 0, 0, KC_OK, 100000.0},
    {B("in_f"), KC_PARSING, 0, 0, KC_OK, INFINITY},
    {B("n_an"), KC_PARSING, 0, 0, KC_OK, NAN},
    {B("i_nf"), KC_PARSING, 0, 0, KC_OK, INFINITY},
    {B("_inf"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("inf_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("._5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("1_.5"), KC_PARSING, 0, 0, KC_OK, 1.5},
    {B("1._5"), KC_PARSING, 0, 0, KC_OK, 1.5},
    {B("1.5_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("_1.5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1__0.5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1_0_0"), KC_OK, 100, 0, KC_OK, 100.0},
    {B("1e1__0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0x_1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0_x1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1 _0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B(" 1_0"), KC_OK, 10, 0, KC_PARSING, 0},
    {B("1_0 "), KC_OK, 10, 0, KC_PARSING, 0},
    {B("\xc2\xa0" "1_0"), KC_OK, 10, 0, KC_PARSING, 0},
    {B("-1_0"), KC_OK, -10, 0, KC_OK, -10.0},
    {B("+1_0"), KC_OK, 10, 0, KC_OK, 10.0},
    {B("1_0e1"), KC_PARSING, 0, 0, KC_OK, 100.0},
    {B("0_7.0"), KC_OK, 7, 0, KC_OK, 7.0},
    {B("-0_0"), KC_OK, 0, 0, KC_OK, -0.0},
    {B("+0"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("-0"), KC_OK, 0, 0, KC_OK, -0.0},
    {B("0.00"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("0."), KC_PARSING, 0, 0, KC_OK, 0.0},
    {B("00_1"), KC_OK, 1, 0, KC_OK, 1.0},
    {B("0_01"), KC_OK, 1, 0, KC_OK, 1.0},
    {B("007"), KC_OK, 7, 0, KC_OK, 7.0},
    {B("-007"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("+007"), KC_OK, 7, 0, KC_OK, 7.0},
    {B("0-1"), KC_OK, -1, 0, KC_PARSING, 0},
    {B("00-1"), KC_OK, -1, 0, KC_PARSING, 0},
    {B("0_-1"), KC_OK, -1, 0, KC_PARSING, 0},
    {B("0-_1"), KC_OK, -1, 0, KC_PARSING, 0},
    {B("-0-1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0--1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0-01"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("0-1.0"), KC_OK, -1, 0, KC_PARSING, 0},
    {B("0-1_0"), KC_OK, -10, 0, KC_PARSING, 0},
    {B("+0-1"), KC_OK, -1, 0, KC_PARSING, 0},
    {B("0-"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1-"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1+1"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("+ 5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("- 5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("inf"), KC_PARSING, 0, 0, KC_OK, INFINITY},
    {B("+inf"), KC_PARSING, 0, 0, KC_OK, INFINITY},
    {B("-Infinity"), KC_PARSING, 0, 0, KC_OK, -INFINITY},
    {B("NaN"), KC_PARSING, 0, 0, KC_OK, NAN},
    {B("+nan"), KC_PARSING, 0, 0, KC_OK, NAN},
    {B("-nan"), KC_PARSING, 0, 0, KC_OK, NAN},
    {B("iNf"), KC_PARSING, 0, 0, KC_OK, INFINITY},
    {B("infinity_"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1e1.5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1E5"), KC_PARSING, 0, 0, KC_OK, 100000.0},
    {B("1e+5"), KC_PARSING, 0, 0, KC_OK, 100000.0},
    {B("1e-5"), KC_PARSING, 0, 0, KC_OK, 1e-05},
    {B("1.e5"), KC_PARSING, 0, 0, KC_OK, 100000.0},
    {B(".e5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("e5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1e"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5 0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xd9\xa5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xef\xbc\x91"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xd9\xa5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1_000_000"), KC_OK, 1000000, 0, KC_OK, 1000000.0},
    {B("1e1_0_0"), KC_PARSING, 0, 0, KC_OK, 1e+100},
    {B("1.5e1_0"), KC_PARSING, 0, 0, KC_OK, 15000000000.0},
    {B("9_223_372_036_854_775_807"), KC_OK, INT64_MAX, 0, KC_OK, 9.223372036854776e+18},
    {B("9223372036854775807"), KC_OK, INT64_MAX, 0, KC_OK, 9.223372036854776e+18},
    {B("9223372036854775808"), KC_TOO_BIG, 0, 1, KC_OK, 9.223372036854776e+18},
    {B("-9223372036854775808"), KC_OK, INT64_MIN, 0, KC_OK, -9.223372036854776e+18},
    {B("-9223372036854775809"), KC_TOO_BIG, 0, -1, KC_OK, -9.223372036854776e+18},
    {B("0_0.0_0"), KC_PARSING, 0, 0, KC_OK, 0.0},
    {B("0_00.00"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("-0.0"), KC_OK, 0, 0, KC_OK, -0.0},
    {B("-0_0.0"), KC_OK, 0, 0, KC_OK, -0.0},
    {B("00"), KC_OK, 0, 0, KC_OK, 0.0},
    {B("0000000001"), KC_OK, 1, 0, KC_OK, 1.0},
    {B("0x10"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("1e3"), KC_PARSING, 0, 0, KC_OK, 1000.0},
    {B("5.5"), KC_PARSING, 0, 0, KC_OK, 5.5},
    {B("abc"), KC_PARSING, 0, 0, KC_PARSING, 0},
    /* White_Space around a number (trimmed), one character per row */
    {B("5\x09"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\x09-7\x09"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\x09.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\x0a"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\x0a-7\x0a"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\x0a.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\x0b"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\x0b-7\x0b"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\x0b.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\x0c"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\x0c-7\x0c"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\x0c.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\x0d"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\x0d-7\x0d"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\x0d.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5 "), KC_OK, 5, 0, KC_OK, 5.0},
    {B(" -7 "), KC_OK, -7, 0, KC_OK, -7.0},
    {B(" .5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xc2\x85"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xc2\x85-7\xc2\x85"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xc2\x85.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xc2\xa0"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xc2\xa0-7\xc2\xa0"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xc2\xa0.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe1\x9a\x80"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe1\x9a\x80-7\xe1\x9a\x80"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe1\x9a\x80.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x80"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x80-7\xe2\x80\x80"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x80.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x81"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x81-7\xe2\x80\x81"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x81.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x82"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x82-7\xe2\x80\x82"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x82.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x83"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x83-7\xe2\x80\x83"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x83.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x84"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x84-7\xe2\x80\x84"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x84.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x85"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x85-7\xe2\x80\x85"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x85.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x86"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x86-7\xe2\x80\x86"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x86.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x87"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x87-7\xe2\x80\x87"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x87.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x88"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x88-7\xe2\x80\x88"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x88.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x89"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x89-7\xe2\x80\x89"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x89.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\x8a"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\x8a-7\xe2\x80\x8a"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\x8a.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\xa8"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\xa8-7\xe2\x80\xa8"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\xa8.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\xa9"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\xa9-7\xe2\x80\xa9"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\xa9.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x80\xaf"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x80\xaf-7\xe2\x80\xaf"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x80\xaf.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe2\x81\x9f"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe2\x81\x9f-7\xe2\x81\x9f"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe2\x81\x9f.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5\xe3\x80\x80"), KC_OK, 5, 0, KC_OK, 5.0},
    {B("\xe3\x80\x80-7\xe3\x80\x80"), KC_OK, -7, 0, KC_OK, -7.0},
    {B("\xe3\x80\x80.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    /* trimmed once, before the sign: whitespace inside is refused */
    {B(" \xc2\xa0\xe3\x80\x80 +7\xe2\x80\xa9\x0a"), KC_OK, 7, 0, KC_OK, 7.0},
    {B("\xc2\xa0 1_000 \xc2\xa0"), KC_OK, 1000, 0, KC_PARSING, 0},
    {B("\xc2\xa0 1_0.5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("-\xc2\xa0" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xc2\xa0" "0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xc2\xa0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B(" \x09 "), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B(" inf "), KC_PARSING, 0, 0, KC_OK, INFINITY},
    {B("\xe3\x80\x80nan\xe3\x80\x80"), KC_PARSING, 0, 0, KC_OK, NAN},
    {B("\xc2\xa0.5"), KC_PARSING, 0, 0, KC_OK, 0.5},
    {B("5. "), KC_PARSING, 0, 0, KC_OK, 5.0},
    /* not White_Space: no trimming */
    {B("5\x00"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\x00" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\x1c"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\x1c" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\x1d"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\x1d" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\x1e"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\x1e" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\x1f"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\x1f" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xe1\xa0\x8e"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xe1\xa0\x8e" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xe2\x80\x8b"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xe2\x80\x8b" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xe2\x80\x8c"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xe2\x80\x8c" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xe2\x81\xa0"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xe2\x81\xa0" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("5\xef\xbb\xbf"), KC_PARSING, 0, 0, KC_PARSING, 0},
    {B("\xef\xbb\xbf" "5"), KC_PARSING, 0, 0, KC_PARSING, 0},
};

static bool same_double(double got, double exp)
{
    if (isnan(exp)) return isnan(got);
    return got == exp && signbit(got) == signbit(exp);
}

START_TEST(numbers_from_strings)
{
    const num_case *c = &num_cases[_i];
    char *text = show(c->text, c->len);
    int64_t i = 0;
    int overflow = 0;
    kc_result r = kc_int_from_str(c->text, c->len, &i, &overflow);
    ck_assert_msg(r == c->int_r && (r != KC_OK || i == c->int_v) && overflow == c->overflow,
                  "int %s: result %d value %lld overflow %d, expected %d %lld %d", text, (int)r,
                  (long long)i, overflow, (int)c->int_r, (long long)c->int_v, c->overflow);
    double d = 0;
    r = kc_float_from_str(c->text, c->len, &d);
    ck_assert_msg(r == c->float_r && (r != KC_OK || same_double(d, c->float_v)),
                  "float %s: result %d value %.17g, expected %d %.17g", text, (int)r, d,
                  (int)c->float_r, c->float_v);
    free(text);
}
END_TEST

/* Long numerals, beyond the float's stack buffer (KARAK_FLOAT_STACK_DIGITS), with and
 * without underscores. pydantic: float("000...0001.5") is 1.5, int() of it int_parsing;
 * "000...0001" is 1; "1_1_..._1" (300 digits) is the int 111...1 (beyond int64 here) and
 * the float 1.1111111111111112e+299; "111...1" (400 digits) is the float inf. */
START_TEST(long_numerals)
{
    char s[1024];
    memset(s, '0', 600);
    memcpy(s + 600, "1.5", 4);
    double d = 0;
    ck_assert_int_eq(kc_float_from_str(s, strlen(s), &d), KC_OK);
    ck_assert(d == 1.5);
    int64_t i = 0;
    int overflow = 0;
    ck_assert_int_eq(kc_int_from_str(s, strlen(s), &i, &overflow), KC_PARSING);
    s[601] = '\0';
    ck_assert_int_eq(kc_int_from_str(s, strlen(s), &i, &overflow), KC_OK);
    ck_assert_int_eq(i, 1);

    for (size_t k = 0; k < 598; k += 2) s[k] = '1', s[k + 1] = '_';
    s[598] = '1';
    s[599] = '\0';
    ck_assert_int_eq(kc_int_from_str(s, strlen(s), &i, &overflow), KC_TOO_BIG);
    ck_assert_int_eq(overflow, 1);
    ck_assert_int_eq(kc_float_from_str(s, strlen(s), &d), KC_OK);
    ck_assert(d == 1.1111111111111112e+299);

    memset(s, '1', 400);
    s[400] = '\0';
    ck_assert_int_eq(kc_float_from_str(s, strlen(s), &d), KC_OK);
    ck_assert(isinf(d) && d > 0);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 2. Booleans from strings: pydantic-core's str_as_bool, exact words (ASCII case-insensitive),
 * no trimming. */

typedef struct bool_case {
    const char *text;
    size_t len;
    kc_result r;
    bool v;
} bool_case;

static const bool_case bool_cases[] = {
    {B("1"), KC_OK, true},
    {B("0"), KC_OK, false},
    {B("t"), KC_OK, true},
    {B("f"), KC_OK, false},
    {B("y"), KC_OK, true},
    {B("n"), KC_OK, false},
    {B("on"), KC_OK, true},
    {B("off"), KC_OK, false},
    {B("yes"), KC_OK, true},
    {B("no"), KC_OK, false},
    {B("true"), KC_OK, true},
    {B("false"), KC_OK, false},
    {B("T"), KC_OK, true},
    {B("F"), KC_OK, false},
    {B("Y"), KC_OK, true},
    {B("N"), KC_OK, false},
    {B("ON"), KC_OK, true},
    {B("Off"), KC_OK, false},
    {B("YES"), KC_OK, true},
    {B("No"), KC_OK, false},
    {B("TRUE"), KC_OK, true},
    {B("fAlSe"), KC_OK, false},
    {B("tRuE"), KC_OK, true},
    {B("2"), KC_PARSING, false},
    {B("-1"), KC_PARSING, false},
    {B("00"), KC_PARSING, false},
    {B("01"), KC_PARSING, false},
    {B("1.0"), KC_PARSING, false},
    {B("0.0"), KC_PARSING, false},
    {B(""), KC_PARSING, false},
    {B(" true"), KC_PARSING, false},
    {B("true "), KC_PARSING, false},
    {B("\xc2\xa0true"), KC_PARSING, false},
    {B("true\xc2\xa0"), KC_PARSING, false},
    {B("\x09true"), KC_PARSING, false},
    {B("yes\x0a"), KC_PARSING, false},
    {B(" 1"), KC_PARSING, false},
    {B("1 "), KC_PARSING, false},
    {B("tru"), KC_PARSING, false},
    {B("truee"), KC_PARSING, false},
    {B("nope"), KC_PARSING, false},
    {B("o"), KC_PARSING, false},
    {B("of"), KC_PARSING, false},
    {B("ye"), KC_PARSING, false},
    {B("\xc4\xb0"), KC_PARSING, false},
    {B("true\x00"), KC_PARSING, false},
};

START_TEST(bools_from_strings)
{
    const bool_case *c = &bool_cases[_i];
    bool v = !c->v;
    kc_result r = kc_bool_from_str(c->text, c->len, &v);
    char *text = show(c->text, c->len);
    ck_assert_msg(r == c->r && (r != KC_OK || v == c->v), "bool %s: result %d value %d", text,
                  (int)r, (int)v);
    free(text);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 3. Which Content-Type values make FastAPI parse the body as JSON (header values are read
 * as Latin-1: 0x85 and 0xA0 are whitespace to Python's str.strip()). */

typedef struct ct_case {
    const char *value;
    bool json;
} ct_case;

static const ct_case ct_cases[] = {
    {"application/json", true},
    {"application/+json", true},
    {"application/x+json", true},
    {"application/vnd.api+json; charset=utf-8", true},
    {"APPLICATION/JSON", true},
    {"Application/Vnd.Api+JSON", true},
    {"application/json ; charset=utf-8", true},
    {"application/json;", true},
    {"application/json;charset", true},
    {"  application/json  ", true},
    {"\x09" "application/+json\x09;x", true},
    {"application/json\x0b", true},
    {"\x0c" "application/json", true},
    {"application/json\x1c", true},
    {"\x1f" "application/json", true},
    {"application/json\x85", true},
    {"\xa0" "application/json\xa0", true},
    {"application/json\xa0; charset=utf-8", true},
    {"application/jsonx", false},
    {"application/json5", false},
    {"application/jso", false},
    {"application/x-json", false},
    {"application/+jso", false},
    {"application/+json+x", false},
    {"application/x +json", true},
    {"application/ json", false},
    {"application /json", false},
    {"application/json x", false},
    {"application/a/b+json", false},
    {"application/json/x", false},
    {"application//json", false},
    {"application/", false},
    {"application", false},
    {"/json", false},
    {"json", false},
    {"text/json", false},
    {"text/plain", false},
    {"text/x+json", false},
    {"applicationx/json", false},
    {"xapplication/json", false},
    {"multipart/form-data", false},
    {"", false},
    {" ", false},
    {";application/json", false},
    {"application/json\xff", false},
    {"\xff" "application/json", false},
    {"application/\"json\"", false},
    {NULL, false},
};

START_TEST(content_type_is_json)
{
    const ct_case *c = &ct_cases[_i];
    bool got = khttp_content_type_is_json(c->value);
    char *v = c->value != NULL ? show(c->value, strlen(c->value)) : NULL;
    ck_assert_msg(got == c->json, "content type %s: %d", v != NULL ? v : "(none)", (int)got);
    free(v);
}
END_TEST

/* ---------------------------------------------------------------------------------------
 * 4. End to end. The FastAPI app the rows were checked against:
 *     class M(BaseModel): i: int; f: float; b: bool
 *     class Q(BaseModel): i: int = 0; f: float = 0.0; b: bool = False
 *     @app.get("/items/{x}")  def items(x: int): return {"x": x}
 *     @app.get("/f/{x}")      def fl(x: float): return {"x": x}
 *     @app.get("/q")          def q(i: int = 0, f: float = 0.0, b: bool = False):
 *                                 return Q(i=i, f=f, b=b)
 *     @app.post("/m")         def m(body: M): return body */

typedef struct {
    int64_t i;
    double f;
    bool b;
} Nums;

static const karak_field body_fields[] = {
    KARAK_FIELD(Nums, i, KARAK_I64),
    KARAK_FIELD(Nums, f, KARAK_F64),
    KARAK_FIELD(Nums, b, KARAK_BOOL),
    KARAK_FIELDS_END,
};
static const karak_schema body_schema = KARAK_SCHEMA(Nums, body_fields);

static const karak_field query_fields[] = {
    KARAK_FIELD(Nums, i, KARAK_I64, .dflt = "0"),
    KARAK_FIELD(Nums, f, KARAK_F64, .dflt = "0.0"),
    KARAK_FIELD(Nums, b, KARAK_BOOL, .dflt = "false"),
    KARAK_FIELDS_END,
};
static const karak_schema query_schema = KARAK_SCHEMA(Nums, query_fields);

static karak_result get_int(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:I}", "x", (json_int_t)karak_path_i64(c, "x")));
}

static karak_result get_float(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:f}", "x", karak_path_f64(c, "x")));
}

static karak_result echo_query(karak_ctx *c)
{
    return karak_resp_model(c, &query_schema, karak_query(c));
}

static karak_result echo_body(karak_ctx *c)
{
    return karak_resp_model(c, &body_schema, karak_body(c));
}

static karak_app *app;
static karak_client *client;
static karak_server *server;
static unsigned port;

static void setup(void)
{
    app = karak_new();
    ck_assert_int_eq(karak_get(app, "/items/{x:int}", get_int), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/f/{x:float}", get_float), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/q", echo_query, .query = &query_schema), KARAK_OK);
    ck_assert_int_eq(karak_post(app, "/m", echo_body, .body = &body_schema), KARAK_OK);
    client = test_client_open(app);
    test_serve(app, &server, &port);
}

static void teardown(void)
{
    test_fixture_close(&app, &client, &server);
}

#define MSG_INT "Input should be a valid integer, unable to parse string as an integer"
#define MSG_FLOAT "Input should be a valid number, unable to parse string as a number"
#define MSG_BOOL "Input should be a valid boolean, unable to interpret input"
#define NUMS "{\"i\":1,\"f\":2,\"b\":true}"
#define MSG_MODEL "Input should be a valid dictionary or object to extract fields from"

typedef struct e2e_case {
    const char *method;
    const char *target;
    const char *body;         /* NULL: none */
    const char *content_type; /* NULL: none */
    int status;
    const char *expect;
} e2e_case;

static const e2e_case e2e_cases[] = {
    {"GET", "/items/5%C2%A0", NULL, NULL, 200,
     "{\"x\":5}"},
    {"GET", "/items/%E3%80%805", NULL, NULL, 200,
     "{\"x\":5}"},
    {"GET", "/items/%C2%855%E2%80%A8", NULL, NULL, 200,
     "{\"x\":5}"},
    {"GET", "/items/%0B5%0C", NULL, NULL, 200,
     "{\"x\":5}"},
    {"GET", "/items/0__7", NULL, NULL, 200,
     "{\"x\":7}"},
    {"GET", "/items/0-1", NULL, NULL, 200,
     "{\"x\":-1}"},
    {"GET", "/items/1_000.0", NULL, NULL, 200,
     "{\"x\":1000}"},
    {"GET", "/items/-_5", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"-_5\"}]}"},
    {"GET", "/items/%E2%80%8B5", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"\xe2\x80\x8b" "5\"}]}"},
    {"GET", "/items/%EF%BB%BF5", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"\xef\xbb\xbf" "5\"}]}"},
    {"GET", "/items/5%1C", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"5\\u001c\"}]}"},
    {"GET", "/f/-_5", NULL, NULL, 200,
     "{\"x\":-5.0}"},
    {"GET", "/f/1e1_0", NULL, NULL, 200,
     "{\"x\":10000000000.0}"},
    {"GET", "/f/1_.5%E2%80%AF", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_FLOAT
     "\",\"input\":\"1_.5\xe2\x80\xaf\"}]}"},
    {"GET", "/f/%C2%A01_0", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_FLOAT
     "\",\"input\":\"\xc2\xa0" "1_0\"}]}"},
    {"GET", "/f/0__7", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"" MSG_FLOAT
     "\",\"input\":\"0__7\"}]}"},
    {"GET", "/q?i=%C2%A05&f=%E2%80%A91.5&b=1", NULL, NULL, 200,
     "{\"i\":5,\"f\":1.5,\"b\":true}"},
    {"GET", "/q?i=0__7&f=1_0.5&b=YES", NULL, NULL, 200,
     "{\"i\":7,\"f\":10.5,\"b\":true}"},
    {"GET", "/q?b=%C2%A0true", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"query\",\"b\"],\"msg\":\"" MSG_BOOL
     "\",\"input\":\"\xc2\xa0true\"}]}"},
    {"GET", "/q?b=true+", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"query\",\"b\"],\"msg\":\"" MSG_BOOL
     "\",\"input\":\"true \"}]}"},
    {"GET", "/q?i=%E2%80%8B1&f=__1", NULL, NULL, 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"i\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"\xe2\x80\x8b" "1\"},{\"type\":\"float_parsing\",\"loc\":[\"query\",\"f\"],\""
     "msg\":\"" MSG_FLOAT "\",\"input\":\"__1\"}]}"},
    {"POST", "/m", "{\"i\":\"\\u00a05\",\"f\":\"\\u30001.5\\u3000\",\"b\":\"on\"}",
     "application/json", 200,
     "{\"i\":5,\"f\":1.5,\"b\":true}"},
    {"POST", "/m", "{\"i\":\"0__7\",\"f\":\"-_5\",\"b\":1}", "application/json", 200,
     "{\"i\":7,\"f\":-5.0,\"b\":true}"},
    {"POST", "/m", "{\"i\":\" 1_0\",\"f\":\" 1_0\",\"b\":\"true \"}", "application/json", 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"body\",\"f\"],\"msg\":\"" MSG_FLOAT
     "\",\"input\":\" 1_0\"},{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"b\"],\"msg\":\""
     MSG_BOOL "\",\"input\":\"true \"}]}"},
    {"POST", "/m", NUMS, "application/+json", 200,
     "{\"i\":1,\"f\":2.0,\"b\":true}"},
    {"POST", "/m", NUMS, "application/x+json", 200,
     "{\"i\":1,\"f\":2.0,\"b\":true}"},
    {"POST", "/m", NUMS, "application/vnd.api+json; charset=utf-8", 200,
     "{\"i\":1,\"f\":2.0,\"b\":true}"},
    {"POST", "/m", NUMS, "Application/X-Thing+JSON", 200,
     "{\"i\":1,\"f\":2.0,\"b\":true}"},
    {"POST", "/m", NUMS, "application/json\xa0", 200,
     "{\"i\":1,\"f\":2.0,\"b\":true}"},
    {"POST", "/m", NUMS, "application/a/b+json", 422,
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"" MSG_MODEL
     "\",\"input\":\"{\\\"i\\\":1,\\\"f\\\":2,\\\"b\\\":true}\"}]}"},
    {"POST", "/m", NUMS, "application/json/x", 422,
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"" MSG_MODEL
     "\",\"input\":\"{\\\"i\\\":1,\\\"f\\\":2,\\\"b\\\":true}\"}]}"},
    {"POST", "/m", NUMS, "application/+jsonx", 422,
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"" MSG_MODEL
     "\",\"input\":\"{\\\"i\\\":1,\\\"f\\\":2,\\\"b\\\":true}\"}]}"},
    {"POST", "/m", NUMS, "text/json", 422,
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"" MSG_MODEL
     "\",\"input\":\"{\\\"i\\\":1,\\\"f\\\":2,\\\"b\\\":true}\"}]}"},
};

START_TEST(end_to_end)
{
    for (int k = 0; k < N_ELEMS(e2e_cases); k++) {
        const e2e_case *c = &e2e_cases[k];
        const char *headers[] = {"Content-Type", c->content_type, NULL};
        char where[32];
        snprintf(where, sizeof where, "e2e_cases[%d]", k);
        karak_reply *r = both_request_at(
            where, client, port, c->method, c->target,
            &(const karak_request_opts){.body = c->body,
                                        .headers = c->content_type != NULL ? headers : NULL,
                                        KARAK_REQUEST_END_});
        expect_response(r, c->status, c->expect, where);
    }
}
END_TEST

/* `times` copies of open, then of close (malloc'd). */
static char *nest(const char *prefix, const char *open, size_t times, const char *close,
                  const char *suffix)
{
    size_t lp = strlen(prefix), lo = strlen(open), lc = strlen(close), ls = strlen(suffix);
    char *s = malloc(lp + times * (lo + lc) + ls + 1);
    ck_assert_ptr_nonnull(s);
    char *w = s;
    memcpy(w, prefix, lp), w += lp;
    for (size_t k = 0; k < times; k++) memcpy(w, open, lo), w += lo;
    for (size_t k = 0; k < times; k++) memcpy(w, close, lc), w += lc;
    memcpy(w, suffix, ls + 1);
    return s;
}

/* Nesting in JSON bodies. FastAPI's json.loads stops at Python's recursion limit: under
 * uvicorn (Python 3.11) 950 levels parse and 960 are a 400 "There was an error parsing the
 * body" (RecursionError). libkarak takes up to KARAK_JSON_MAX_DEPTH (1000) levels and answers
 * deeper ones with a 422 json_invalid at the bracket that goes too deep [libkarak]. */
START_TEST(nesting_depth)
{
    /* FastAPI: 200 / 422, the same bytes */
    char *deep_member = nest("{\"i\":1,\"f\":2,\"b\":true,\"deep\":", "[", 899, "]", "}");
    EXPECT(both_post(client, port, "/m", .json = deep_member), 200,
           "{\"i\":1,\"f\":2.0,\"b\":true}");
    free(deep_member);
    char *arrays = nest("", "[", 900, "]", "");
    char *expect = nest("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                        "\"msg\":\"" MSG_MODEL "\",\"input\":",
                        "[", 900, "]", "}]}");
    EXPECT(both_post(client, port, "/m", .json = arrays), 422, expect);
    free(arrays);
    free(expect);

    /* [libkarak] FastAPI: 400 {"detail":"There was an error parsing the body"} for both */
    arrays = nest("", "[", 1000, "]", "");
    expect = nest("{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],"
                  "\"msg\":\"" MSG_MODEL "\",\"input\":",
                  "[", 1000, "]", "}]}");
    EXPECT(both_post(client, port, "/m", .json = arrays), 422, expect);
    free(arrays);
    free(expect);
    char *objects = nest("", "{\"a\":", 5000, "}", "");
    EXPECT(both_post(client, port, "/m", .json = objects), 422,
           "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",5000],\"msg\":\"JSON "
           "decode error\",\"input\":{},\"ctx\":{\"error\":\"Maximum nesting depth "
           "exceeded\"}}]}");
    free(objects);
}
END_TEST

static Suite *coerce_suite(void)
{
    Suite *s = suite_create("coerce");
    TCase *tc = tcase_create("tables");
    tcase_add_loop_test(tc, numbers_from_strings, 0, N_ELEMS(num_cases));
    tcase_add_test(tc, long_numerals);
    tcase_add_loop_test(tc, bools_from_strings, 0, N_ELEMS(bool_cases));
    tcase_add_loop_test(tc, content_type_is_json, 0, N_ELEMS(ct_cases));
    suite_add_tcase(s, tc);
    tc = tcase_create("end to end");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* each table is one test, its rows in a loop: one server per test, not per row */
    tcase_add_test(tc, end_to_end);
    tcase_add_test(tc, nesting_depth);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(coerce_suite());
}
