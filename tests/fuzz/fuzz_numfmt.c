/* libFuzzer target: doubles as text and back (lib/util/numfmt.c), against oracles that share
 * none of its code.
 *
 * The input is read twice:
 *  - its first 8 bytes as a double's bits (when there are 8 and they are finite):
 *    knum_repr writes what the printer it replaced writes (tests/numfmt_slow.h, a search
 *    with snprintf and strtod); knum_display has the same digits, but for an exact tie
 *    between two shortest decimals, where it has the larger (Rust) and repr the even one
 *    (Python); knum_parse_double reads both texts back to the same bits.
 *  - the whole input as a numeral: knum_parse_double accepts it exactly when the grammar
 *    written here does ([+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?), and
 *    then gives the bits glibc's strtod gives (in the "C" locale the fuzzer runs in).
 * The numeral is passed in a buffer of exactly its size, so a read past the length is
 * caught by ASan. */
#include <stdlib.h>
#include <string.h>

#include "../numfmt_slow.h"
#include "fuzz_common.h"
#include "util/util.h"

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* The significant digits of a printed number: no sign, point, exponent, or zeros at
 * either end. */
static size_t significant(const char *s, char *out)
{
    size_t n = 0;
    for (; *s != '\0' && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9' && (n > 0 || *s != '0')) out[n++] = *s;
    while (n > 0 && out[n - 1] == '0') n--;
    out[n] = '\0';
    return n;
}

static void check_printing(double d)
{
    char repr[KARAK_NUM_REPR_MAX], old[KARAK_NUM_REPR_MAX], display[KARAK_NUM_DISPLAY_MAX];
    size_t n = knum_repr(repr, d);
    FUZZ_CHECK(n < KARAK_NUM_REPR_MAX && strlen(repr) == n, "repr of %a: length %zu", d, n);
    slow_repr(old, d);
    FUZZ_CHECK(strcmp(repr, old) == 0, "repr of %a: \"%s\", the old printer \"%s\"", d, repr,
               old);
    size_t dn = knum_display(display, d);
    FUZZ_CHECK(dn < KARAK_NUM_DISPLAY_MAX && strlen(display) == dn, "display of %a", d);

    char rd[24], dd[KARAK_NUM_DISPLAY_MAX];
    size_t rn = significant(repr, rd), ddn = significant(display, dd);
    bool same = rn == ddn && strcmp(rd, dd) == 0;
    bool tie_up = rn == ddn && rn > 0 && memcmp(rd, dd, rn - 1) == 0 &&
                  dd[rn - 1] == rd[rn - 1] + 1;
    FUZZ_CHECK(same || tie_up, "%a: display \"%s\" and repr \"%s\" have other digits", d,
               display, repr);

    double back = 0;
    FUZZ_CHECK(knum_parse_double(repr, n, &back) && bits_of(back) == bits_of(d),
               "\"%s\" parses to %a, not %a", repr, back, d);
    FUZZ_CHECK(knum_parse_double(display, dn, &back) && bits_of(back) == bits_of(d),
               "\"%s\" parses to %a, not %a", display, back, d);
}

static size_t skip_digits(const char *s, size_t n, size_t *i)
{
    size_t start = *i;
    while (*i < n && s[*i] >= '0' && s[*i] <= '9') (*i)++;
    return *i - start;
}

static bool grammar_ok(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t digits = skip_digits(s, n, &i);
    if (i < n && s[i] == '.') {
        i++;
        digits += skip_digits(s, n, &i);
    }
    if (digits == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        if (skip_digits(s, n, &i) == 0) return false;
    }
    return i == n;
}

static void check_parsing(const uint8_t *data, size_t size)
{
    char *exact = malloc(size > 0 ? size : 1); /* no terminator: a read past it is caught */
    FUZZ_CHECK(exact != NULL, "out of memory");
    memcpy(exact, data, size);
    double got = 42;
    bool ok = knum_parse_double(exact, size, &got);
    free(exact);
    bool want_ok = grammar_ok((const char *)data, size);
    FUZZ_CHECK(ok == want_ok, "\"%.*s\": %s, the grammar %s", (int)size, (const char *)data,
               ok ? "accepted" : "refused", want_ok ? "accepts" : "refuses");
    if (!ok) {
        FUZZ_CHECK(got == 42, "refused, but the output was written");
        return;
    }
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL, "out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    char *end;
    double want = strtod(text, &end);
    FUZZ_CHECK(end == text + size, "strtod stopped early on \"%s\"", text);
    FUZZ_CHECK(bits_of(got) == bits_of(want), "\"%s\": %a, strtod %a", text, got, want);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size >= 8) {
        uint64_t b;
        memcpy(&b, data, sizeof b);
        if ((b & ~(UINT64_C(1) << 63)) < UINT64_C(0x7FF) << 52) {
            double d;
            memcpy(&d, &b, sizeof d);
            check_printing(d);
        }
    }
    check_parsing(data, size);
    return 0;
}
