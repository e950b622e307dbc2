/* lib/util/numfmt.c: doubles as Python's repr and Rust's Display, and numerals as doubles.
 *
 * 1. Tables from tools/gen_numfmt_cases.py (tests/numfmt_cases.h): doubles and their repr
 *    by Python, their Display by rustc, numerals and their float() by Python, compared byte
 *    for byte (bit for bit).
 * 2. Random doubles: repr reads back as the same double, and is what the old printer
 *    (tests/numfmt_slow.h, snprintf + strtod) wrote.
 * 3. Parsing against strtod: random numerals, the grammar, and a comma locale when one is
 *    installed. */
#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numfmt_cases.h"
#include "numfmt_slow.h"
#include "testutil.h"
#include "util/util.h"

#define N_ELEMS(a) (sizeof(a) / sizeof *(a))

static bool under_valgrind(void)
{
    return getenv("KARAK_UNDER_VALGRIND") != NULL;
}

/* splitmix64: a fixed, seedable stream of bit patterns. */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static uint64_t to_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static bool finite_bits(uint64_t b)
{
    return (b & ~(UINT64_C(1) << 63)) < (UINT64_C(0x7FF) << 52);
}

/* A table of doubles and their text: counts the rows `print` gets wrong, printing the first
 * few, and checks the length returned, the NUL and the buffer bound. */
static void check_table(const numfmt_row *rows, size_t n, size_t (*print)(char *, double),
                        size_t cap, const char *what)
{
    char buf[KARAK_NUM_DISPLAY_MAX + 8];
    size_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        memset(buf, 'X', sizeof buf);
        size_t len = print(buf, from_bits(rows[i].bits));
        bool ok = len < cap && len == strlen(rows[i].text) && buf[len] == '\0' &&
                  memcmp(buf, rows[i].text, len) == 0;
        if (!ok && bad++ < 10)
            fprintf(stderr, "%s row %zu (%016llx): got \"%.*s\", expected \"%s\"\n", what, i,
                    (unsigned long long)rows[i].bits, (int)(len < cap ? len : cap), buf,
                    rows[i].text);
    }
    ck_assert_msg(bad == 0, "%s: %zu of %zu rows differ", what, bad, n);
}

/* ---- 1. the tables ---- */

START_TEST(test_repr_table)
{
    ck_assert_uint_ge(N_ELEMS(numfmt_repr_rows), 4000);
    check_table(numfmt_repr_rows, N_ELEMS(numfmt_repr_rows), knum_repr, KARAK_NUM_REPR_MAX,
                "knum_repr");
}
END_TEST

START_TEST(test_display_table)
{
    check_table(numfmt_display_rows, N_ELEMS(numfmt_display_rows), knum_display,
                KARAK_NUM_DISPLAY_MAX, "knum_display");
}
END_TEST

/* Where the two formats part: an exact tie between two shortest decimals (Python takes the
 * even digit, Rust the larger), exponents, ".0". */
START_TEST(test_repr_display_differ)
{
    static const struct {
        double d;
        const char *repr, *display;
    } cases[] = {
        {562949953421312.25, "562949953421312.2", "562949953421312.3"},
        {562949953421312.75, "562949953421312.8", "562949953421312.8"},
        {70368744177664.625, "70368744177664.62", "70368744177664.63"},
        {-70368744177664.125, "-70368744177664.12", "-70368744177664.13"},
        {1e16, "1e+16", "10000000000000000"},
        {1e-5, "1e-05", "0.00001"},
        {100.0, "100.0", "100"},
        {-0.0, "-0.0", "-0"},
    };
    for (size_t i = 0; i < N_ELEMS(cases); i++) {
        char buf[KARAK_NUM_DISPLAY_MAX];
        knum_repr(buf, cases[i].d);
        ck_assert_str_eq(buf, cases[i].repr);
        knum_display(buf, cases[i].d);
        ck_assert_str_eq(buf, cases[i].display);
    }
}
END_TEST

START_TEST(test_parse_table)
{
    size_t bad = 0;
    for (size_t i = 0; i < N_ELEMS(numfmt_parse_rows); i++) {
        const numfmt_row *r = &numfmt_parse_rows[i];
        double d = -1;
        bool ok = knum_parse_double(r->text, strlen(r->text), &d);
        if ((!ok || to_bits(d) != r->bits || to_bits(strtod(r->text, NULL)) != r->bits) &&
            bad++ < 10)
            fprintf(stderr, "parse row %zu \"%.60s\": got %a, expected %a (strtod %a)\n", i,
                    r->text, d, from_bits(r->bits), strtod(r->text, NULL));
    }
    ck_assert_msg(bad == 0, "knum_parse_double: %zu rows differ", bad);
}
END_TEST

/* ---- 2. random doubles ---- */

/* A few million bit patterns: repr reads back as the same double. Every 64th is also
 * printed by the old printer, which must give the same text (same digits, same count);
 * it takes microseconds a call, where the new one takes tens of nanoseconds. */
START_TEST(test_repr_round_trip)
{
    long n = under_valgrind() ? 20000 : 3000000;
    long every = under_valgrind() ? 16 : 64;
    uint64_t state = 20240611;
    long bad = 0, compared = 0;
    for (long i = 0; i < n; i++) {
        uint64_t b = rng_next(&state);
        if (i % 4 == 1) b &= UINT64_C(0x800FFFFFFFFFFFFF); /* subnormals */
        if (!finite_bits(b)) continue;
        double d = from_bits(b);
        char buf[KARAK_NUM_REPR_MAX], old[KARAK_NUM_REPR_MAX] = "";
        size_t len = knum_repr(buf, d);
        bool ok = len < KARAK_NUM_REPR_MAX && to_bits(strtod(buf, NULL)) == b;
        if (ok && i % every == 0) {
            compared++;
            ok = slow_repr(old, d) == len && memcmp(old, buf, len) == 0;
        }
        if (!ok && bad++ < 10)
            fprintf(stderr, "%016llx: knum_repr \"%s\" (old printer \"%s\")\n",
                    (unsigned long long)b, buf, i % every == 0 ? old : "-");
    }
    ck_assert_msg(bad == 0, "%ld of %ld random doubles", bad, n);
    ck_assert_int_gt(compared, n / every / 2);
}
END_TEST

/* Display reads back too (fewer: its text runs to hundreds of digits). */
START_TEST(test_display_round_trip)
{
    long n = under_valgrind() ? 2000 : 200000;
    uint64_t state = 7;
    for (long i = 0; i < n; i++) {
        uint64_t b = rng_next(&state);
        if (!finite_bits(b)) continue;
        char buf[KARAK_NUM_DISPLAY_MAX];
        size_t len = knum_display(buf, from_bits(b));
        ck_assert_msg(len < KARAK_NUM_DISPLAY_MAX && to_bits(strtod(buf, NULL)) == b,
                      "%016llx: knum_display \"%s\"", (unsigned long long)b, buf);
    }
}
END_TEST

/* Where the old search started from or ended at a special case: the smallest subnormals
 * (few digits), and the doubles around every power of two (uneven spacing), against the
 * old printer. */
START_TEST(test_repr_edges_vs_old)
{
    uint64_t bits[2000 + 3 * 0x7FE];
    size_t n = 0;
    for (uint64_t c = 1; c <= 2000; c++) bits[n++] = c;
    for (uint64_t e = 1; e < 0x7FF; e++)
        for (int d = -1; d <= 1; d++) bits[n++] = (e << 52) + (uint64_t)(int64_t)d;
    long bad = 0;
    for (size_t i = 0; i < n; i++) {
        char buf[KARAK_NUM_REPR_MAX], old[KARAK_NUM_REPR_MAX];
        double d = from_bits(bits[i]);
        size_t len = knum_repr(buf, d);
        if ((slow_repr(old, d) != len || memcmp(old, buf, len) != 0) && bad++ < 10)
            fprintf(stderr, "%016llx: \"%s\", old printer \"%s\"\n",
                    (unsigned long long)bits[i], buf, old);
    }
    ck_assert_msg(bad == 0, "%ld of %zu edge doubles", bad, n);
}
END_TEST

/* ---- 3. parsing ---- */

static void expect_parse_like_strtod(const char *s, long *bad)
{
    double got = -1, want = strtod(s, NULL);
    if ((!knum_parse_double(s, strlen(s), &got) || to_bits(got) != to_bits(want)) &&
        (*bad)++ < 10)
        fprintf(stderr, "\"%s\": got %a, strtod %a\n", s, got, want);
}

/* Random doubles as repr, %.17g and shorter %g texts (most round to a neighbour, some fall
 * near a tie), and random digit strings with a point and an exponent anywhere. */
START_TEST(test_parse_random)
{
    long n = under_valgrind() ? 5000 : 300000;
    uint64_t state = 99;
    long bad = 0;
    char buf[64];
    for (long i = 0; i < n; i++) {
        uint64_t b = rng_next(&state);
        if (finite_bits(b)) {
            double d = from_bits(b);
            knum_repr(buf, d);
            expect_parse_like_strtod(buf, &bad);
            snprintf(buf, sizeof buf, "%.17g", d);
            expect_parse_like_strtod(buf, &bad);
            snprintf(buf, sizeof buf, "%.*g", (int)(rng_next(&state) % 17) + 1, d);
            expect_parse_like_strtod(buf, &bad);
        }
        char *o = buf;
        if (rng_next(&state) & 1) *o++ = '-';
        int digits = (int)(rng_next(&state) % 30) + 1;
        int point = (int)(rng_next(&state) % (uint64_t)(digits + 1));
        for (int k = 0; k < digits; k++) {
            if (k == point) *o++ = '.';
            *o++ = (char)('0' + rng_next(&state) % 10);
        }
        snprintf(o, (size_t)(buf + sizeof buf - o), "e%d", (int)(rng_next(&state) % 700) - 350);
        expect_parse_like_strtod(buf, &bad);
    }
    ck_assert_msg(bad == 0, "%ld numerals differ from strtod", bad);
}
END_TEST

/* Long numerals: more than 19 significant digits, and more than the 800 handed to strtod_l,
 * with the deciding digit far out. */
START_TEST(test_parse_long)
{
    static char buf[4096];
    long bad = 0;
    /* 2^-1075, the midpoint between 0 and the smallest subnormal, has 752 significant
     * digits: exactly it rounds to 0 (even), a nonzero digit anywhere after it to 5e-324 */
    static const char half_min[] =
        "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593"
        "264991818081799618989828234772285886546332835517796989819938739800539093906315035659"
        "515570226392290858392449105184435931802849936536152500319370457678249219365623669863"
        "658480757001585769269903706311928279558551332927834338409351978015531246597263579574"
        "622766465272827220056374006485499977096599470454020828166226237857393450736339007967"
        "761930577506740176324673600968951340535537458516661134223766678604162159680461914467"
        "291840300530057530849048765391711386591646239524912623653881879636239373280423891018"
        "672348497668235089863388587925628302755995657524455507255189313690836254779186948667"
        "994968324049705821028513185451396213837722826145437693412532098591327667236328125";
    snprintf(buf, sizeof buf, "%se-324", half_min);
    expect_parse_like_strtod(buf, &bad);
    double d = -1;
    ck_assert(knum_parse_double(buf, strlen(buf), &d) && to_bits(d) == 0);
    snprintf(buf, sizeof buf, "%s%0900d1e-324", half_min, 0);
    expect_parse_like_strtod(buf, &bad);
    ck_assert(knum_parse_double(buf, strlen(buf), &d) && to_bits(d) == 1);
    /* 1 followed by 2000 zeros, scaled back: exactly 1, 10, 0.1 */
    memset(buf, '0', 2001);
    buf[0] = '1';
    strcpy(buf + 2001, "e-2000");
    ck_assert(knum_parse_double(buf, strlen(buf), &d) && d == 1.0);
    strcpy(buf + 2001, "e-1999");
    ck_assert(knum_parse_double(buf, strlen(buf), &d) && d == 10.0);
    strcpy(buf + 2001, "e-2001");
    ck_assert(knum_parse_double(buf, strlen(buf), &d) && d == 0.1);
    /* 0.000...0001 with the exponent making up for it */
    buf[0] = '0';
    buf[1] = '.';
    memset(buf + 2, '0', 3000);
    strcpy(buf + 3002, "17e3001");
    ck_assert(knum_parse_double(buf, strlen(buf), &d) && d == 1.7);
    ck_assert_msg(bad == 0, "long numerals differ from strtod");
}
END_TEST

START_TEST(test_parse_grammar)
{
    static const struct {
        const char *s;
        double want; /* when accepted */
    } ok[] = {
        {"0", 0.0},      {"-0", -0.0},   {"+0", 0.0},        {"1", 1.0},       {"-1.5", -1.5},
        {"1.", 1.0},     {".5", 0.5},    {"-.5", -0.5},      {"007", 7.0},     {"1e5", 1e5},
        {"1E5", 1e5},    {"1e+5", 1e5},  {"1e-5", 1e-5},     {"1.5e0", 1.5},   {".5e1", 5.0},
        {"1.e1", 10.0},  {"1e0005", 1e5}, {"9.99", 9.99},    {"0.1", 0.1},     {"1e400", HUGE_VAL},
        {"-1e400", -HUGE_VAL},           {"1e-400", 0.0},    {"-1e-400", -0.0},
    };
    static const char *const refused[] = {
        "",      "+",     "-",    ".",    "+.",    "-.",   "e5",   ".e5",  "1e",   "1e+",
        "1e-",   "1.2.3", "1..2", "--1",  "+-1",   "1e5.", "1e5e", " 1",   "1 ",   "1\n",
        "0x10",  "inf",   "nan",  "Infinity", "1_000", "1,5", "1e1.5", "\xd9\xa1", "1f", "e",
    };
    for (size_t i = 0; i < N_ELEMS(ok); i++) {
        double d = 42;
        ck_assert_msg(knum_parse_double(ok[i].s, strlen(ok[i].s), &d), "\"%s\" refused", ok[i].s);
        ck_assert_msg(to_bits(d) == to_bits(ok[i].want), "\"%s\": %a", ok[i].s, d);
    }
    for (size_t i = 0; i < N_ELEMS(refused); i++) {
        double d = 42;
        ck_assert_msg(!knum_parse_double(refused[i], strlen(refused[i]), &d),
                      "\"%s\" accepted", refused[i]);
        ck_assert(d == 42);
    }
    /* the length is the end: what follows is not read */
    double d = 0;
    ck_assert(knum_parse_double("12.5xyz", 4, &d) && d == 12.5);
    ck_assert(!knum_parse_double("12.5", 0, &d));
}
END_TEST

/* A locale whose decimal point is a comma changes nothing (strtod would read "1.5" as 1).
 * Only meaningful where such a locale is installed; elsewhere it checks under "C". */
START_TEST(test_locale_independent)
{
    static const char *const comma_locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
                                                "fr_FR.utf8",  "ru_RU.UTF-8", "nl_NL.UTF-8"};
    bool comma = false;
    for (size_t i = 0; i < N_ELEMS(comma_locales) && !comma; i++)
        comma = setlocale(LC_ALL, comma_locales[i]) != NULL &&
                strcmp(localeconv()->decimal_point, ",") == 0;
    if (comma) ck_assert(strtod("1.5", NULL) == 1.0); /* the trap being avoided */
    char buf[KARAK_NUM_DISPLAY_MAX];
    knum_repr(buf, 1.5e-7);
    ck_assert_str_eq(buf, "1.5e-07");
    knum_display(buf, 1234.5);
    ck_assert_str_eq(buf, "1234.5");
    double d = 0;
    ck_assert(knum_parse_double("1.5", 3, &d) && d == 1.5);
    /* the strtod_l path: more than 19 digits, near a tie */
    static const char *const tie = "9007199254740993.00000000000000000000000000001";
    ck_assert(knum_parse_double(tie, strlen(tie), &d) && d == 9007199254740994.0);
    setlocale(LC_ALL, "C");
}
END_TEST

static Suite *numfmt_suite(void)
{
    Suite *s = suite_create("numfmt");
    /* The random loops take about a second each in a release build, several in a Debug
     * build with sanitizers: more than Check's default of 4 s. */
    TCase *tc = tcase_create("print");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_repr_table);
    tcase_add_test(tc, test_display_table);
    tcase_add_test(tc, test_repr_display_differ);
    tcase_add_test(tc, test_repr_round_trip);
    tcase_add_test(tc, test_display_round_trip);
    tcase_add_test(tc, test_repr_edges_vs_old);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_parse_table);
    tcase_add_test(tc, test_parse_random);
    tcase_add_test(tc, test_parse_long);
    tcase_add_test(tc, test_parse_grammar);
    tcase_add_test(tc, test_locale_independent);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(numfmt_suite());
}
