/* Number formatting that does not depend on the C library's locale-free guesses: the
 * shortest decimal that reads back as the same double, printed as Python's repr (what
 * Starlette writes for a float) or as Rust's Display (how pydantic-core prints a bound in a
 * message: no exponent, no trailing ".0"). */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

/* The p-digit decimal nearest to d, as an integer mantissa and the exponent of its last
 * digit: d ~ m * 10^e10. */
static uint64_t round_to_digits(double d, int p, int *e10)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
    uint64_t m = 0;
    const char *c = tmp;
    for (; *c != 'e'; c++)
        if (*c >= '0' && *c <= '9') m = m * 10 + (uint64_t)(*c - '0');
    *e10 = atoi(c + 1) - (p - 1);
    return m;
}

static double value_of(uint64_t m, int e10)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%" PRIu64 "e%d", m, e10);
    return strtod(tmp, NULL);
}

/* Shortest decimal digits that read back as d (finite, > 0), as Python's repr finds them
 * (David Gay's mode 0): digits without trailing zeros, and the exponent of the first digit.
 * For each length the nearest decimal is tried, then its neighbour on d's other side: just
 * below a power of two the gap between doubles halves, and the nearest may miss while the
 * neighbour reads back. Normal doubles need at least 15 digits only when 15 do not
 * round-trip (DBL_DIG), so the search starts there; subnormals start at 1. */
static size_t shortest_digits(double d, char digits[24], int *exp10)
{
    uint64_t m = 0;
    int e10 = 0;
    for (int p = d < DBL_MIN ? 1 : 15; p <= 17; p++) {
        m = round_to_digits(d, p, &e10);
        double back = value_of(m, e10);
        if (back == d) break;
        uint64_t alt = back < d ? m + 1 : m - 1;
        if (value_of(alt, e10) == d) {
            m = alt;
            break;
        }
    }
    while (m % 10 == 0 && m > 0) {
        m /= 10;
        e10++;
    }
    int n = snprintf(digits, 24, "%" PRIu64, m);
    *exp10 = e10 + n - 1;
    return (size_t)n;
}

/* Positional notation of digits dg[0..n) times 10^e: "0.00123", "123.45", "1200"; with
 * `point_zero` an integral value keeps ".0" (Python) instead of ending at the units (Rust). */
static char *write_fixed(char *o, const char *dg, size_t n, int e, bool point_zero)
{
    if (e < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int k = -1; k > e; k--) *o++ = '0';
        memcpy(o, dg, n);
        return o + n;
    }
    size_t int_digits = (size_t)e + 1;
    for (size_t k = 0; k < int_digits; k++) *o++ = k < n ? dg[k] : '0';
    if (n > int_digits) {
        *o++ = '.';
        memcpy(o, dg + int_digits, n - int_digits);
        o += n - int_digits;
    } else if (point_zero) {
        *o++ = '.';
        *o++ = '0';
    }
    return o;
}

/* Both formats: sign, zero, then `python` ? repr : Display of the shortest digits. */
static size_t format_double(char *buf, double d, bool python)
{
    char *o = buf;
    if (signbit(d)) {
        *o++ = '-';
        d = -d;
    }
    if (d == 0) {
        const char *zero = python ? "0.0" : "0";
        size_t len = strlen(zero);
        memcpy(o, zero, len + 1);
        return (size_t)(o - buf) + len;
    }
    char dg[24];
    int e;
    size_t n = shortest_digits(d, dg, &e);
    if (python && (e < -4 || e >= 16)) {
        *o++ = dg[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, dg + 1, n - 1);
            o += n - 1;
        }
        o += sprintf(o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else {
        o = write_fixed(o, dg, n, e, python);
    }
    *o = '\0';
    return (size_t)(o - buf);
}

size_t knum_repr(char *buf, double d)
{
    return format_double(buf, d, true);
}

size_t knum_display(char *buf, double d)
{
    return format_double(buf, d, false);
}

