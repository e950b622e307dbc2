/* The reference printer for tests/test_numfmt.c, tests/fuzz/fuzz_numfmt.c and
 * bench/bench_numfmt.c: lib/util/numfmt.c as it was before Schubfach, which searched for
 * the shortest round-trip digits with snprintf and strtod (up to six calls of ~1 us each).
 * Slow and independent of the new code, which is what an oracle should be. Python repr
 * only: its digits break an exact tie to the even digit, as glibc's printf rounds. */
#ifndef KARAK_NUMFMT_SLOW_H
#define KARAK_NUMFMT_SLOW_H

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The p-digit decimal nearest to d, as an integer mantissa and the exponent of its last
 * digit: d ~ m * 10^e10. */
static inline uint64_t slow_round_to_digits(double d, int p, int *e10)
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

static inline double slow_value_of(uint64_t m, int e10)
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
static inline size_t slow_shortest_digits(double d, char digits[24], int *exp10)
{
    uint64_t m = 0;
    int e10 = 0;
    for (int p = d < DBL_MIN ? 1 : 15; p <= 17; p++) {
        m = slow_round_to_digits(d, p, &e10);
        double back = slow_value_of(m, e10);
        if (back == d) break;
        uint64_t alt = back < d ? m + 1 : m - 1;
        if (slow_value_of(alt, e10) == d) {
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

/* Python's repr of a finite d into buf (>= 40 bytes); returns the length. */
static inline size_t slow_repr(char *buf, double d)
{
    char *o = buf;
    if (signbit(d)) {
        *o++ = '-';
        d = -d;
    }
    if (d == 0) {
        memcpy(o, "0.0", 4);
        return (size_t)(o - buf) + 3;
    }
    char dg[24];
    int e;
    size_t n = slow_shortest_digits(d, dg, &e);
    if (e < -4 || e >= 16) {
        *o++ = dg[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, dg + 1, n - 1);
            o += n - 1;
        }
        o += sprintf(o, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (e < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int k = -1; k > e; k--) *o++ = '0';
        memcpy(o, dg, n);
        o += n;
    } else {
        size_t int_digits = (size_t)e + 1;
        for (size_t k = 0; k < int_digits; k++) *o++ = k < n ? dg[k] : '0';
        *o++ = '.';
        if (n > int_digits) {
            memcpy(o, dg + int_digits, n - int_digits);
            o += n - int_digits;
        } else {
            *o++ = '0';
        }
    }
    *o = '\0';
    return (size_t)(o - buf);
}

#endif
