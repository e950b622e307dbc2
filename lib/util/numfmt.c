/* Doubles as text and text as doubles, without snprintf or strtod and so without the C
 * locale's say in it.
 *
 * Printing: the shortest decimal that reads back as the same double, as Python's repr (what
 * Starlette writes for a float) or as Rust's Display (how pydantic-core prints a bound in a
 * message: no exponent, no trailing ".0"). The digits come from Schubfach: Raffaello
 * Giulietti, "The Schubfach way to render doubles" (2020, revised 2021), in the pure shortest
 * form (the paper's Java code adds Java's "at least two digits" rule; this does not).
 *
 * Parsing: the double nearest to a decimal numeral. Clinger's fast path (William D. Clinger,
 * "How to Read Floating Point Numbers Accurately", PLDI 1990) when the digits and the power
 * of ten are both exact doubles; else Eisel-Lemire (Daniel Lemire, "Number Parsing at a
 * Gigabyte per Second", Software: Practice and Experience, 2021), as fast_float implements
 * it; and for what neither settles (more than 19 significant digits near a tie), strtod_l in
 * a "C" locale made once.
 *
 * Both use one table of 128-bit powers of ten, lib/util/pow10_table.h, which
 * tools/gen_pow10_table.py writes and checks. Non-finite values are the callers' business. */
#define _GNU_SOURCE /* strtod_l (glibc, musl); newlocale is POSIX.1-2008 */
#include <float.h>
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/pow10_table.h"
#include "util/util.h"

#define KNUM_SIGN (UINT64_C(1) << 63)
#define KNUM_HIDDEN (UINT64_C(1) << 52) /* the implicit bit of a normal double */
#define KNUM_FRAC_MASK (KNUM_HIDDEN - 1)
#define KNUM_INF_BITS (UINT64_C(0x7FF) << 52)

/* ---- shared: 128-bit products and integer logarithms ---- */

/* The 128-bit product a * b: returns the high half and stores the low half. */
static inline uint64_t mul_128(uint64_t a, uint64_t b, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
    __extension__ typedef unsigned __int128 kuint128;
    kuint128 p = (kuint128)a * b;
    *lo = (uint64_t)p;
    return (uint64_t)(p >> 64);
#else
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *lo = (mid << 32) | (uint32_t)p00;
    return p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
#endif
}

static inline int leading_zeros(uint64_t x) /* x != 0 */
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    for (; !(x >> 63); x <<= 1) n++;
    return n;
#endif
}

/* x / 2^s rounded down, negative x included (>> of a negative int is
 * implementation-defined). */
static inline int floor_shift(int32_t x, int s)
{
    return x >= 0 ? x >> s : ~(~x >> s);
}

/* floor(log10(2^e)) and floor(log10(3/4 * 2^e)) for e in [-1074, 971], floor(log2(10^q)) for
 * q in [-342, 324]: tools/gen_pow10_table.py checks each over its range. */
static inline int floor_log10_pow2(int e)
{
    return floor_shift(e * 1262611, 22);
}

static inline int floor_log10_three_quarters_pow2(int e)
{
    return floor_shift(e * 1262611 - 524031, 22);
}

static inline int floor_log2_pow10(int q)
{
    return floor_shift(q * 1741647, 19);
}

/* ---- printing ---- */

/* Schubfach's g for 10^q: the table's truncated mantissa rounded up, i.e. plus one where
 * 10^q is not exact (q < 0 or q > 55; the generator checks that it never carries). */
static inline void pow10_ceil(int q, uint64_t *hi, uint64_t *lo)
{
    const uint64_t *t = kpow10_128[q - KPOW10_MIN];
    *hi = t[0];
    *lo = t[1] + (q < 0 || q > 55);
}

/* g * cp / 2^128 "rounded to odd": the integer part, its lowest bit set when there is a
 * fraction. Only the fraction's top 64 bits are computed, and g is 10^q rounded up; the
 * paper proves (for its 126-bit g; a 128-bit one is closer still) that the computed fraction
 * is then below 2^-63 exactly when the true one is zero. Its Java code tests 63 bits of the
 * fraction, hence `> 1` on 64 here. */
static inline uint64_t round_to_odd(uint64_t g_hi, uint64_t g_lo, uint64_t cp)
{
    uint64_t x_lo, y_lo;
    uint64_t x_hi = mul_128(g_lo, cp, &x_lo);
    uint64_t y_hi = mul_128(g_hi, cp, &y_lo);
    uint64_t frac = y_lo + x_hi;
    y_hi += frac < x_hi;
    return y_hi | (frac > 1);
}

/* The shortest decimal in the rounding interval of v = c * 2^q (c > 0), the nearest to v if
 * there are several; of two equally near, the even one (`ties_even`: Python, David Gay's
 * dtoa mode 0) or the larger (Rust's flt2dec). Returns its digits as an integer and in *e10
 * the exponent of the last one. The paper's algorithm as Alexander Bolz's C++ port
 * (drachennest, schubfach_64) writes it, with a 128-bit g. */
static uint64_t schubfach(uint64_t c, int q, bool irregular, bool ties_even, int *e10)
{
    /* In quarters of 2^q: the interval reaches 2^(q-1) above v, and 2^(q-1) below, or only
     * 2^(q-2) at a power of two (`irregular`), where the spacing of doubles halves. */
    uint64_t cb = c << 2, cbl = cb - 2 + irregular, cbr = cb + 2;
    /* 10^k <= the interval's width < 10^(k+1) */
    int k = irregular ? floor_log10_three_quarters_pow2(q) : floor_log10_pow2(q);
    int h = q + floor_log2_pow10(-k) + 1; /* 1..4, so that g * (x << h) / 2^128 = x * 2^q / 10^k */
    uint64_t g_hi, g_lo;
    pow10_ceil(-k, &g_hi, &g_lo);
    /* 4v / 10^k and the interval's ends in the same unit, rounded to odd */
    uint64_t vbl = round_to_odd(g_hi, g_lo, cbl << h);
    uint64_t vb = round_to_odd(g_hi, g_lo, cb << h);
    uint64_t vbr = round_to_odd(g_hi, g_lo, cbr << h);
    /* read back round-half-even, so the ends belong to the interval when c is even */
    bool odd = c & 1;
    uint64_t lower = vbl + odd, upper = vbr - odd;
    uint64_t s = vb >> 2; /* floor(v / 10^k) */
    /* The width is below 10^(k+1): at most one multiple of 10^(k+1) lies inside, and it is
     * the only candidate of its length. */
    if (s >= 10) {
        uint64_t sp = s / 10;
        bool up_in = lower <= 40 * sp, wp_in = 40 * sp + 40 <= upper;
        if (up_in != wp_in) {
            *e10 = k + 1;
            return sp + wp_in;
        }
    }
    /* Else the width, at least 10^k, holds s * 10^k or (s + 1) * 10^k: the nearest inside. */
    *e10 = k;
    bool u_in = lower <= 4 * s, w_in = 4 * s + 4 <= upper;
    if (u_in != w_in) return s + w_in;
    uint64_t mid = 4 * s + 2;
    return s + (vb > mid || (vb == mid && (!ties_even || (s & 1))));
}

/* The shortest digits of the finite double with positive `bits`, as an integer without
 * trailing zeros, and the exponent of its last digit. */
static uint64_t shortest_digits(uint64_t bits, bool ties_even, int *e10)
{
    uint64_t frac = bits & KNUM_FRAC_MASK;
    int biased = (int)(bits >> 52);
    uint64_t m;
    if (biased == 0) {
        m = schubfach(frac, -1074, false, ties_even, e10);
    } else {
        uint64_t c = frac | KNUM_HIDDEN;
        int q = biased - 1075;
        /* An integer below 2^53 is its own shortest decimal (the paper's fast path): its
         * neighbours are at most 1 away, so no other integer is inside. */
        if (q <= 0 && q >= -52 && (c & ((UINT64_C(1) << -q) - 1)) == 0) {
            m = c >> -q;
            *e10 = 0;
        } else {
            m = schubfach(c, q, frac == 0 && biased > 1, ties_even, e10);
        }
    }
    /* m < 10^17: at most 16 trailing zeros, and most often none */
    if (m % 10 != 0) return m;
    while (m % 100000000 == 0) {
        m /= 100000000;
        *e10 += 8;
    }
    if (m % 10000 == 0) {
        m /= 10000;
        *e10 += 4;
    }
    if (m % 100 == 0) {
        m /= 100;
        *e10 += 2;
    }
    if (m % 10 == 0) {
        m /= 10;
        *e10 += 1;
    }
    return m;
}

static const char kdigit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930"
                                   "31323334353637383940414243444546474849505152535455565758596061"
                                   "62636465666768697071727374757677787980818283848586878889909192"
                                   "93949596979899";

/* The number of decimal digits of m. */
static size_t decimal_length(uint64_t m)
{
    static const uint64_t pow10[] = {
        1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u, 10000000u, 100000000u, 1000000000u,
        10000000000u, 100000000000u, 1000000000000u, 10000000000000u, 100000000000000u,
        1000000000000000u, 10000000000000000u, 100000000000000000u, 1000000000000000000u,
        10000000000000000000u};
    /* log10(2) ~ 1233 / 4096: a guess from the bit length, one too small at most */
    int t = (64 - leading_zeros(m | 1)) * 1233 >> 12;
    return (size_t)t + (m >= pow10[t]);
}

/* The two digits of v < 100 at o. */
static inline void put_pair(char *o, uint32_t v)
{
    memcpy(o, kdigit_pairs + 2 * v, 2);
}

/* Writes the n decimal digits of m (n = decimal_length(m)) at o, last to first: eight at a
 * time in 32-bit halves whose divisions do not wait on each other, then the rest by twos.
 * The output is built in place without copies of variable length, which are calls into
 * libc that cost as much as the digits themselves. */
static void put_digits(char *o, uint64_t m, size_t n)
{
    char *p = o + n;
    while (m >= 100000000) {
        uint32_t low = (uint32_t)(m % 100000000), hi4 = low / 10000, lo4 = low % 10000;
        m /= 100000000;
        p -= 8;
        put_pair(p, hi4 / 100);
        put_pair(p + 2, hi4 % 100);
        put_pair(p + 4, lo4 / 100);
        put_pair(p + 6, lo4 % 100);
    }
    uint32_t v = (uint32_t)m;
    for (; v >= 100; v /= 100) {
        p -= 2;
        put_pair(p, v % 100);
    }
    if (v >= 10) put_pair(p - 2, v);
    else p[-1] = (char)('0' + v);
}

/* The buffers have room to spare (KARAK_NUM_REPR_MAX, KARAK_NUM_DISPLAY_MAX), so short
 * runs are written with fixed-size stores, which compile to a move or two, past their end
 * when needed; what lies past the end is overwritten or left beyond the NUL. */
static char *put_zeros(char *o, size_t n)
{
    if (n <= 8) memcpy(o, "00000000", 8);
    else memset(o, '0', n);
    return o + n;
}

/* Positional notation of the n digits of m times 10^e: "0.00123", "123.45", "1200"; with
 * `point_zero` an integral value keeps ".0" (Python) instead of ending at the units (Rust). */
static char *write_fixed(char *o, uint64_t m, size_t n, int e, bool point_zero)
{
    if (e < 0) {
        *o++ = '0';
        *o++ = '.';
        o = put_zeros(o, (size_t)-e - 1);
        put_digits(o, m, n);
        return o + n;
    }
    size_t int_digits = (size_t)e + 1;
    put_digits(o, m, n);
    if (n > int_digits) { /* the fraction's digits (at most 16) one place right */
        memmove(o + int_digits + 1, o + int_digits, 16);
        o[int_digits] = '.';
        return o + n + 1;
    }
    o = put_zeros(o + n, int_digits - n);
    if (point_zero) {
        *o++ = '.';
        *o++ = '0';
    }
    return o;
}

/* Python's exponent notation: "1e-05", "1.5e+300" (a sign, at least two digits). */
static char *write_scientific(char *o, uint64_t m, size_t n, int e)
{
    put_digits(o + 1, m, n);
    o[0] = o[1];
    if (n > 1) {
        o[1] = '.';
        o += n + 1;
    } else {
        o += 1;
    }
    *o++ = 'e';
    *o++ = e < 0 ? '-' : '+';
    unsigned a = (unsigned)(e < 0 ? -e : e);
    if (a >= 100) *o++ = (char)('0' + a / 100);
    *o++ = (char)('0' + a / 10 % 10);
    *o++ = (char)('0' + a % 10);
    return o;
}

/* Both formats: sign, zero, then `python` ? repr : Display of the shortest digits. Python
 * switches to exponent notation when the first digit's exponent is below -4 or at least 16
 * (float_repr_style 'short', PyOS_double_to_string with 'r'). */
static size_t format_double(char *buf, double d, bool python)
{
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    char *o = buf;
    if (bits & KNUM_SIGN) {
        *o++ = '-';
        bits &= ~KNUM_SIGN;
    }
    if (bits == 0) {
        const char *zero = python ? "0.0" : "0";
        size_t len = strlen(zero);
        memcpy(o, zero, len + 1);
        return (size_t)(o - buf) + len;
    }
    int e10;
    uint64_t m = shortest_digits(bits, python, &e10);
    size_t n = decimal_length(m);
    int e = e10 + (int)n - 1; /* the first digit's exponent */
    if (python && (e < -4 || e >= 16)) o = write_scientific(o, m, n, e);
    else o = write_fixed(o, m, n, e, python);
    *o = '\0';
    return (size_t)(o - buf);
}

/* ---- parsing ---- */

/* Significant digits kept exactly: 10^19 < 2^64. */
#define KNUM_EXACT_DIGITS 19
/* Exponents as written are read up to this; beyond, a numeral under 10^17 digits long is
 * infinite or zero whatever its digits. */
#define KNUM_EXP_CAP INT64_C(100000000000000000)
/* Significant digits handed to strtod_l, then one more standing for any nonzero digit
 * beyond: the exact midpoint between two doubles has at most 767 significant digits, so
 * digits past that many can only tell on which side of one a numeral lies. */
#define KNUM_SLOW_DIGITS 800
/* The exponent handed to strtod_l is clamped to this: with at most KNUM_SLOW_DIGITS + 1
 * digits, a larger one is infinite or zero just the same. */
#define KNUM_SLOW_EXP_MAX 99999

/* A numeral as read: |value| = w * 10^q, exactly unless `truncated` (a nonzero digit
 * beyond the first KNUM_EXACT_DIGITS significant ones, which w holds). */
typedef struct numeral {
    uint64_t w;
    int64_t q;
    int64_t exp;           /* the exponent as written (capped at KNUM_EXP_CAP) */
    size_t mant, mant_end; /* where the digits and the point are in the text */
    bool neg, truncated;
} numeral;

/* The digits and the point; false when there is no digit. */
static bool scan_mantissa(const char *s, size_t n, size_t *i, numeral *r)
{
    uint64_t w = 0;
    int kept = 0;
    int64_t frac_digits = 0, dropped = 0;
    bool point = false, any = false, truncated = false;
    r->mant = *i;
    for (; *i < n; (*i)++) {
        char ch = s[*i];
        if (ch == '.' && !point) {
            point = true;
            continue;
        }
        if (!kis_digit(ch)) break;
        any = true;
        frac_digits += point;
        if (kept < KNUM_EXACT_DIGITS) {
            if (w != 0 || ch != '0') { /* leading zeros are not significant */
                w = w * 10 + (uint64_t)(ch - '0');
                kept++;
            }
        } else {
            dropped++;
            truncated = truncated || ch != '0';
        }
    }
    r->mant_end = *i;
    r->w = w;
    r->q = dropped - frac_digits;
    r->truncated = truncated;
    return any;
}

/* [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, all of s[0..n). */
static bool scan(const char *s, size_t n, numeral *r)
{
    size_t i = 0;
    r->neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) r->neg = s[i++] == '-';
    if (!scan_mantissa(s, n, &i, r)) return false;
    int64_t exp = 0;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool neg_exp = false;
        if (++i < n && (s[i] == '+' || s[i] == '-')) neg_exp = s[i++] == '-';
        size_t first = i;
        for (; i < n && kis_digit(s[i]); i++)
            if (exp < KNUM_EXP_CAP) exp = exp * 10 + (s[i] - '0');
        if (i == first) return false;
        if (neg_exp) exp = -exp;
    }
    r->exp = exp;
    r->q += exp;
    return i == n;
}

/* The bits of the double nearest to w * 10^q (w != 0, q in [-342, 308]), by Eisel-Lemire:
 * the leading bits of w * 10^q from the 128-bit product of w and the table's 10^q. false in
 * the case the paper leaves undecided (Noble Mushtak and Daniel Lemire later showed that it
 * cannot happen for doubles; the test is kept as fast_float kept it). */
static bool eisel_lemire(uint64_t w, int q, uint64_t *bits)
{
    /* fast_float's table: the truncated mantissa, plus one for -27 <= q < 0 (the generator
     * checks that this is exactly fast_float's power_of_five_128) */
    const uint64_t *t = kpow10_128[q - KPOW10_MIN];
    uint64_t p_hi = t[0], p_lo = t[1] + (q >= -27 && q < 0);
    int lz = leading_zeros(w);
    w <<= lz;
    uint64_t lo, hi = mul_128(w, p_hi, &lo);
    /* The 55 bits kept below (the mantissa, a rounding bit, the top bit's place) can only
     * change when the 9 under them are all ones: then add the low half's share. */
    if ((hi & 0x1FF) == 0x1FF) {
        uint64_t lo2, hi2 = mul_128(w, p_lo, &lo2);
        lo += hi2;
        hi += lo < hi2;
    }
    if (lo == UINT64_MAX && (q < -27 || q > 55)) return false;
    int upper = (int)(hi >> 63);
    int shift = upper + 9;
    uint64_t m = hi >> shift; /* 54 bits: 53 of mantissa and a rounding bit */
    int e2 = floor_log2_pow10(q) + 63 + upper - lz + 1023; /* biased exponent */
    if (e2 <= 0) {
        /* subnormal, or zero; rounding may carry into the smallest normal, whose bits are
         * then exactly m = 2^52 */
        if (1 - e2 >= 64) {
            *bits = 0;
            return true;
        }
        m >>= 1 - e2;
        m += m & 1;
        *bits = m >> 1;
        return true;
    }
    /* w * 10^q can only fall exactly halfway between two doubles for q in [-4, 23] (the
     * paper works the range out); there a tie rounds to even, not up. */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << shift) == hi) m &= ~UINT64_C(1);
    m += m & 1;
    m >>= 1;
    if (m >= KNUM_HIDDEN << 1) {
        m = KNUM_HIDDEN;
        e2++;
    }
    if (e2 >= 0x7FF) {
        *bits = KNUM_INF_BITS;
        return true;
    }
    *bits = (uint64_t)e2 << 52 | (m & KNUM_FRAC_MASK);
    return true;
}

static locale_t c_numeric;
static pthread_once_t c_numeric_once = PTHREAD_ONCE_INIT;

static void c_numeric_init(void)
{
    c_numeric = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

/* The numerals the fast paths leave: rewritten without a point as "<digits>e<exponent>"
 * (at most KNUM_SLOW_DIGITS significant digits, and a '1' for any nonzero digit beyond),
 * then read by strtod_l in the "C" locale, made once for the process and kept. Should
 * newlocale fail, plain strtod reads that text the same in any locale: it has no radix
 * character. */
static double parse_slow(const char *s, const numeral *r)
{
    char buf[KNUM_SLOW_DIGITS + 16];
    size_t len = 0;
    int64_t frac_digits = 0, dropped = 0;
    bool point = false, sticky = false;
    for (size_t i = r->mant; i < r->mant_end; i++) {
        char ch = s[i];
        if (ch == '.') {
            point = true;
            continue;
        }
        frac_digits += point;
        if (len == 0 && ch == '0') continue;
        if (len < KNUM_SLOW_DIGITS) {
            buf[len++] = ch;
        } else {
            dropped++;
            sticky = sticky || ch != '0';
        }
    }
    if (sticky) {
        buf[len++] = '1';
        dropped--;
    }
    int64_t e = r->exp - frac_digits + dropped;
    if (e > KNUM_SLOW_EXP_MAX) e = KNUM_SLOW_EXP_MAX;
    if (e < -KNUM_SLOW_EXP_MAX) e = -KNUM_SLOW_EXP_MAX;
    buf[len++] = 'e';
    if (e < 0) {
        buf[len++] = '-';
        e = -e;
    }
    char tmp[8];
    size_t t = 0;
    do {
        tmp[t++] = (char)('0' + e % 10);
        e /= 10;
    } while (e > 0);
    while (t > 0) buf[len++] = tmp[--t];
    buf[len] = '\0';
    pthread_once(&c_numeric_once, c_numeric_init);
    return c_numeric != (locale_t)0 ? strtod_l(buf, NULL, c_numeric) : strtod(buf, NULL);
}

/* |value| of a scanned numeral. */
static double magnitude(const char *s, const numeral *r)
{
    uint64_t bits, bits_up;
    if (r->w == 0 || r->q < KPOW10_MIN) {
        bits = 0; /* w * 10^q < 10^19 * 10^-343, below half the smallest subnormal */
    } else if (r->q > 308) {
        bits = KNUM_INF_BITS; /* at least 10^309 */
    } else {
#if FLT_EVAL_METHOD == 0
        /* Clinger: w and 10^|q| are exact doubles, so one correctly rounded operation gives
         * the nearest double (needs arithmetic in double precision, not x87's extended). */
        static const double exact_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                             1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                             1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        if (!r->truncated && r->w <= (UINT64_C(1) << 53) && r->q >= -22 && r->q <= 22) {
            double v = (double)r->w;
            return r->q < 0 ? v / exact_pow10[-r->q] : v * exact_pow10[r->q];
        }
#endif
        /* With digits cut off, the value lies between w and w + 1 times 10^q: when both
         * round to the same double, so does it. */
        int q = (int)r->q;
        if (!eisel_lemire(r->w, q, &bits) ||
            (r->truncated && (!eisel_lemire(r->w + 1, q, &bits_up) || bits_up != bits)))
            return parse_slow(s, r);
    }
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* ---- entry points ---- */

size_t knum_repr(char *buf, double d)
{
    return format_double(buf, d, true);
}

size_t knum_display(char *buf, double d)
{
    return format_double(buf, d, false);
}

bool knum_parse_double(const char *s, size_t n, double *out)
{
    numeral r;
    if (!scan(s, n, &r)) return false;
    double v = magnitude(s, &r);
    *out = r.neg ? -v : v;
    return true;
}
