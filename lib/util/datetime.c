/* Dates and datetimes as pydantic 2.13 validates them in lax mode, and their JSON text.
 *
 * pydantic-core 2.46 parses with the speedate crate 0.17; this file ports the parts it
 * uses, quirks included, since the error a client sees depends on them:
 * - speedate's DateTime::parse_bytes: RFC 3339, else a number read as a Unix timestamp
 *   (int_parse_bytes, or a float when the integer parse stops at a '.'); Date::parse_bytes:
 *   YYYY-MM-DD, else an integer timestamp that must fall on midnight.
 * - A timestamp above 2e10 in absolute value is in milliseconds (the "watershed"). A float
 *   string is divided by 1000 first and the whole seconds then go through the watershed
 *   again; a JSON float does not (DateTime::from_float_with_config). Negative JSON floats
 *   take the fraction's absolute value: -0.1 is 23:59:59.100000 (sic).
 * - pydantic-core (validators/datetime.rs, date.rs): a datetime field whose string fails
 *   retries it as a date (midnight, naive) and reports the *date* parser's reason as
 *   datetime_from_date_parsing; a date field retries as a datetime and reports the
 *   datetime parser's reason as date_from_datetime_parsing, or date_from_datetime_inexact
 *   when the time is not 00:00:00. Year 0 parses but Python refuses it afterwards.
 * - Fractions beyond 6 digits are truncated (microseconds_precision="truncate", the
 *   default), in strings; a float timestamp's microseconds are rounded.
 *
 * The decimal-to-double conversion of float timestamps is written out (correctly rounded,
 * as the lexical crate is) so that no locale can change it. */
#include <math.h>
#include <string.h>

#include "util/formats.h"
#include "util/util.h"

/* speedate's ParseError, with the documentation strings pydantic puts in ctx.error, and
 * the two reasons pydantic-core adds. */
#define SD_ERRORS(XX)                                                                        \
    XX(TOO_SHORT, "input is too short")                                                      \
    XX(EXTRA_CHARS, "unexpected extra characters at the end of the input")                   \
    XX(DT_SEP, "invalid datetime separator, expected `T`, `t`, `_` or space")                 \
    XX(DATE_SEP, "invalid date separator, expected `-`")                                     \
    XX(NOT_EXACT, "Timestamp is not an exact date")                                          \
    XX(CHAR_YEAR, "invalid character in year")                                               \
    XX(CHAR_MONTH, "invalid character in month")                                             \
    XX(CHAR_DAY, "invalid character in day")                                                 \
    XX(TIME_SEP, "invalid time separator, expected `:`")                                     \
    XX(CHAR_HOUR, "invalid character in hour")                                               \
    XX(CHAR_MINUTE, "invalid character in minute")                                           \
    XX(CHAR_SECOND, "invalid character in second")                                           \
    XX(TZ_SIGN, "invalid timezone sign")                                                     \
    XX(TZ_HOUR, "invalid timezone hour")                                                     \
    XX(TZ_MINUTE, "invalid timezone minute")                                                 \
    XX(RANGE_TZ_MINUTE, "timezone minute value is outside expected range of 0-59")          \
    XX(RANGE_TZ, "timezone offset must be less than 24 hours")                               \
    XX(RANGE_MONTH, "month value is outside expected range of 1-12")                         \
    XX(RANGE_DAY, "day value is outside expected range")                                     \
    XX(RANGE_HOUR, "hour value is outside expected range of 0-23")                           \
    XX(RANGE_MINUTE, "minute value is outside expected range of 0-59")                       \
    XX(RANGE_SECOND, "second value is outside expected range of 0-59")                       \
    XX(FRACTION_MISSING, "second fraction digits missing after `.`")                         \
    XX(DATE_TOO_SMALL, "dates before 0000 are not supported as unix timestamps")             \
    XX(DATE_TOO_LARGE, "dates after 9999 are not supported as unix timestamps")              \
    XX(TIME_TOO_LARGE, "numeric times may not exceed 86,399 seconds")                        \
    XX(YEAR_ZERO, "year 0 is out of range")                                                  \
    XX(NAN, "NaN values not permitted")

typedef enum sd_err {
    SD_OK = 0,
#define XX(name, text) SD_##name,
    SD_ERRORS(XX)
#undef XX
} sd_err;

static const char *const sd_text[] = {
    "",
#define XX(name, text) text,
    SD_ERRORS(XX)
#undef XX
};

/* pydantic's message templates, each "<prefix>{error}". */
static const char DATE_PARSING[] = "Input should be a valid date in the format YYYY-MM-DD, ";
static const char DATE_FROM_DT[] = "Input should be a valid date or datetime, ";
static const char DATE_INEXACT[] =
    "Datetimes provided to dates should have zero time - e.g. be exact dates";
static const char DT_PARSING[] = "Input should be a valid datetime, ";
static const char DT_FROM_DATE[] = "Input should be a valid datetime or date, ";

/* 2e10: above it (in absolute value) a timestamp is in milliseconds. */
#define MS_WATERSHED 20000000000LL
/* 0000-01-01T00:00:00 and 9999-12-31T23:59:59 as Unix timestamps. */
#define UNIX_0000 (-62167219200LL)
#define UNIX_9999 253402300799LL

static int fail(kfmt_err *err, const char *type, const char *prefix, sd_err e)
{
    kfmt_err_set(err, type, prefix, true);
    kfmt_err_put(err, sd_text[e], strlen(sd_text[e]));
    return -1;
}

static bool digit_at(const char *s, size_t n, size_t i, int *d)
{
    if (i >= n || !kis_digit(s[i])) return false;
    *d = s[i] - '0';
    return true;
}

static bool is_leap(int32_t y)
{
    return y % 100 == 0 ? y % 400 == 0 : y % 4 == 0;
}

static int days_in_month(int32_t y, int m)
{
    static const int8_t days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap(y) ? 29 : days[m];
}

/* ---- speedate: Date ---- */

/* Date::parse_bytes_partial: YYYY-MM-DD at the start, whatever follows. */
static sd_err date_partial(const char *s, size_t n, karak_date *d)
{
    int v[8];
    static const uint8_t at[8] = {0, 1, 2, 3, 5, 6, 8, 9};
    if (n < 10) return SD_TOO_SHORT;
    for (size_t i = 0; i < 8; i++) {
        if (i == 4 && s[4] != '-') return SD_DATE_SEP;
        if (i == 6 && s[7] != '-') return SD_DATE_SEP;
        if (!digit_at(s, n, at[i], &v[i]))
            return i < 4 ? SD_CHAR_YEAR : i < 6 ? SD_CHAR_MONTH : SD_CHAR_DAY;
    }
    int32_t year = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int month = v[4] * 10 + v[5], day = v[6] * 10 + v[7];
    int max = days_in_month(year, month);
    if (max == 0) return SD_RANGE_MONTH;
    if (day < 1 || day > max) return SD_RANGE_DAY;
    d->year = year;
    d->month = (uint8_t)month;
    d->day = (uint8_t)day;
    return SD_OK;
}

/* intervening_leap_years: leap years in [0000, delta_years). */
static int64_t leap_years_before(int64_t delta_years)
{
    if (delta_years == 0) return 0;
    int64_t y = delta_years - 1;
    return y / 4 - y / 100 + y / 400 + 1;
}

/* Date::from_timestamp_calc, as written: the date of a Unix time in seconds and the
 * seconds since that midnight. */
static sd_err date_from_seconds(int64_t t, karak_date *d, uint32_t *rest)
{
    static const int16_t common[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    if (t < UNIX_0000) return SD_DATE_TOO_SMALL;
    if (t > UNIX_9999) return SD_DATE_TOO_LARGE;
    int64_t delta_days = (t - UNIX_0000) / 86400;
    int64_t delta_years = delta_days / 365;
    int32_t ordinal = (int32_t)(delta_days % 365 - leap_years_before(delta_years) + 1);
    int32_t year = (int32_t)delta_years;
    bool leap = is_leap(year);
    while (ordinal < 1) {
        year--;
        leap = is_leap(year);
        ordinal += leap ? 366 : 365;
    }
    int month = 12;
    for (int m = 1; m < 12; m++) {
        int next_start = common[m] + (leap && m >= 2 ? 1 : 0);
        if (ordinal <= next_start) {
            month = m;
            break;
        }
    }
    int start = common[month - 1] + (leap && month >= 3 ? 1 : 0);
    d->year = year;
    d->month = (uint8_t)month;
    d->day = (uint8_t)(ordinal - start);
    int64_t r = t % 86400;
    *rest = (uint32_t)(r < 0 ? r + 86400 : r);
    return SD_OK;
}

/* timestamp_watershed: seconds and microseconds of an integer timestamp in seconds, or in
 * milliseconds when its absolute value passes 2e10. */
static sd_err watershed(int64_t ts, int64_t *sec, uint32_t *us)
{
    if (ts == INT64_MIN) return SD_DATE_TOO_SMALL; /* checked_abs */
    if ((ts < 0 ? -ts : ts) <= MS_WATERSHED) {
        *sec = ts;
        *us = 0;
        return SD_OK;
    }
    int64_t s = ts / 1000, u = ts % 1000 * 1000;
    if (u < 0) s -= 1, u += 1000000;
    *sec = s;
    *us = (uint32_t)u;
    return SD_OK;
}

/* speedate's int_parse_bytes: an optional sign and ASCII digits, accumulated with wrapping
 * arithmetic and refused only when the running value turns negative (so some 20-digit
 * numbers wrap around to a positive value and pass). Also says whether the first byte
 * that stopped it was a '.', which is when speedate tries a float instead. */
typedef enum int_result { INT_OK, INT_STOPPED_AT_DOT, INT_BAD } int_result;

static int_result sd_int_parse(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (n == 0) return INT_BAD;
    if (n >= 2 && (s[0] == '-' || s[0] == '+')) neg = s[0] == '-', i = 1;
    uint64_t v = 0;
    for (size_t first = i; i < n; i++) {
        if (!kis_digit(s[i])) return s[i] == '.' ? INT_STOPPED_AT_DOT : INT_BAD;
        v = v * 10u + (uint64_t)(s[i] - '0');
        if (i > first && v > (uint64_t)INT64_MAX) return INT_BAD;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return INT_OK;
}

/* Date::from_timestamp with require_exact. */
static sd_err date_from_timestamp(int64_t ts, karak_date *d)
{
    int64_t sec;
    uint32_t us, rest;
    sd_err e = watershed(ts, &sec, &us);
    if (e == SD_OK) e = date_from_seconds(sec, d, &rest);
    if (e == SD_OK && (rest != 0 || us != 0)) e = SD_NOT_EXACT;
    return e;
}

/* Date::parse_bytes: YYYY-MM-DD and nothing after, else an integer timestamp; the first
 * parser's reason when both fail. */
static sd_err date_parse(const char *s, size_t n, karak_date *d)
{
    sd_err e = date_partial(s, n, d);
    if (e == SD_OK && n > 10) e = SD_EXTRA_CHARS;
    if (e == SD_OK) return SD_OK;
    int64_t ts;
    return sd_int_parse(s, n, &ts) == INT_OK ? date_from_timestamp(ts, d) : e;
}

/* ---- speedate: Time and DateTime ---- */

/* Time::parse_bytes_offset from byte `at`: HH:MM[:SS[(.|,)digits]] then Z, z, or an
 * offset +HH:MM / +HHMM (also U+2212 MINUS SIGN), and nothing after. */
static sd_err time_parse(const char *s, size_t n, size_t at, karak_datetime *t)
{
    int h1, h2, m1, m2;
    if (n - at < 5) return SD_TOO_SHORT;
    if (!digit_at(s, n, at, &h1) || !digit_at(s, n, at + 1, &h2)) return SD_CHAR_HOUR;
    if (s[at + 2] != ':') return SD_TIME_SEP;
    if (!digit_at(s, n, at + 3, &m1) || !digit_at(s, n, at + 4, &m2)) return SD_CHAR_MINUTE;
    int hour = h1 * 10 + h2, minute = m1 * 10 + m2, second = 0;
    uint32_t us = 0;
    if (hour > 23) return SD_RANGE_HOUR;
    if (minute > 59) return SD_RANGE_MINUTE;
    size_t pos = at + 5;
    if (pos < n && s[pos] == ':') {
        int s1, s2;
        if (!digit_at(s, n, pos + 1, &s1) || !digit_at(s, n, pos + 2, &s2))
            return SD_CHAR_SECOND;
        second = s1 * 10 + s2;
        if (second > 59) return SD_RANGE_SECOND;
        pos += 3;
        if (pos < n && (s[pos] == '.' || s[pos] == ',')) {
            size_t digits = 0;
            int d;
            pos++;
            for (; digit_at(s, n, pos, &d); pos++, digits++)
                if (digits < 6) us = us * 10 + (uint32_t)d;
            if (digits == 0) return SD_FRACTION_MISSING;
            for (; digits < 6; digits++) us *= 10;
        }
    }
    t->hour = (uint8_t)hour;
    t->minute = (uint8_t)minute;
    t->second = (uint8_t)second;
    t->microsecond = us;
    t->has_offset = false;
    t->offset_seconds = 0;
    if (pos < n) {
        char c = s[pos++];
        t->has_offset = true;
        if (c != 'Z' && c != 'z') {
            int sign;
            if (c == '+') {
                sign = 1;
            } else if (c == '-') {
                sign = -1;
            } else if ((unsigned char)c == 0xE2) {
                if (pos + 1 >= n || (unsigned char)s[pos] != 0x88 ||
                    (unsigned char)s[pos + 1] != 0x92)
                    return SD_TZ_SIGN;
                pos += 2;
                sign = -1;
            } else {
                return SD_TZ_SIGN;
            }
            if (!digit_at(s, n, pos, &h1) || !digit_at(s, n, pos + 1, &h2)) return SD_TZ_HOUR;
            if (pos + 2 < n && s[pos + 2] == ':') {
                pos += 3;
                if (!digit_at(s, n, pos, &m1)) return SD_TZ_MINUTE;
            } else if (digit_at(s, n, pos + 2, &m1)) {
                pos += 2;
            } else {
                return SD_TZ_MINUTE;
            }
            if (!digit_at(s, n, pos + 1, &m2)) return SD_TZ_MINUTE;
            int minutes = m1 * 600 + m2 * 60;
            if (minutes >= 3600) return SD_RANGE_TZ_MINUTE;
            int offset = h1 * 36000 + h2 * 3600 + minutes;
            if (offset >= 86400) return SD_RANGE_TZ;
            t->offset_seconds = sign * offset;
            pos += 2;
        }
    }
    return pos < n ? SD_EXTRA_CHARS : SD_OK;
}

static sd_err datetime_rfc3339(const char *s, size_t n, karak_datetime *dt)
{
    karak_date d;
    sd_err e = date_partial(s, n, &d);
    if (e != SD_OK) return e;
    if (n <= 10 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ' && s[10] != '_'))
        return SD_DT_SEP;
    e = time_parse(s, n, 11, dt);
    dt->year = d.year;
    dt->month = d.month;
    dt->day = d.day;
    return e;
}

/* DateTime::from_timestamp_with_config: an integer timestamp (through the watershed) plus
 * microseconds, in UTC. */
static sd_err datetime_from_timestamp(int64_t ts, uint32_t us, karak_datetime *dt)
{
    int64_t sec;
    uint32_t extra, rest;
    karak_date d;
    sd_err e = watershed(ts, &sec, &extra);
    if (e != SD_OK) return e;
    if (us > UINT32_MAX - extra) return SD_TIME_TOO_LARGE;
    us += extra;
    if (us >= 1000000) {
        if (sec > INT64_MAX - us / 1000000) return SD_TIME_TOO_LARGE;
        sec += us / 1000000;
        us %= 1000000;
    }
    e = date_from_seconds(sec, &d, &rest);
    if (e != SD_OK) return e;
    *dt = (karak_datetime){.year = d.year,
                           .month = d.month,
                           .day = d.day,
                           .hour = (uint8_t)(rest / 3600),
                           .minute = (uint8_t)(rest % 3600 / 60),
                           .second = (uint8_t)(rest % 60),
                           .microsecond = us,
                           .has_offset = true,
                           .offset_seconds = 0};
    return SD_OK;
}

/* Rust's saturating `as` casts from f64 (NaN gives 0). */
static int64_t sat_i64(double x)
{
    if (isnan(x)) return 0;
    if (x >= 9223372036854775808.0) return INT64_MAX;
    if (x <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)x;
}

static uint32_t sat_u32(double x)
{
    if (isnan(x) || x <= 0) return 0;
    if (x >= 4294967295.0) return UINT32_MAX;
    return (uint32_t)x;
}

/* ---- decimal text to double, correctly rounded ---- */

/* Significant digits kept: a double's halfway points have at most 767, so a decimal cut
 * after 800 digits (remembering that something non-zero followed) compares the same. */
#define DEC_DIGITS 800
/* 32-bit limbs of the comparison's integers. The largest is 5^1130 (nd = 800 digits of a
 * value near 1e-330) times a 55-bit midpoint, shifted by up to 2100 bits: 4779 bits. */
#define BIG_LIMBS 200

/* The powers of ten that are exact doubles. */
static const double P10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                               1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                               1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

typedef struct decimal {
    uint8_t d[DEC_DIGITS]; /* significant digits, the first non-zero */
    int nd;
    int dp;         /* value = 0.d[0]d[1]... * 10^dp */
    bool truncated; /* non-zero digits were dropped after d[DEC_DIGITS - 1] */
} decimal;

typedef struct big {
    uint32_t l[BIG_LIMBS];
    int n;
} big;

static void big_mul_add(big *b, uint32_t mul, uint32_t add)
{
    uint64_t carry = add;
    for (int i = 0; i < b->n; i++) {
        uint64_t v = (uint64_t)b->l[i] * mul + carry;
        b->l[i] = (uint32_t)v;
        carry = v >> 32;
    }
    if (carry != 0 && b->n < BIG_LIMBS) b->l[b->n++] = (uint32_t)carry;
}

static void big_pow5(big *b, int e)
{
    for (; e >= 13; e -= 13) big_mul_add(b, 1220703125u, 0);
    uint32_t p = 1;
    for (; e > 0; e--) p *= 5;
    big_mul_add(b, p, 0);
}

static void big_shl(big *b, int bits)
{
    int n = b->n, words = bits / 32, r = bits % 32;
    if (n == 0 || bits <= 0) return;
    uint32_t top = r != 0 ? b->l[n - 1] >> (32 - r) : 0;
    for (int i = n - 1; i >= 0; i--) {
        uint32_t low = r != 0 && i > 0 ? b->l[i - 1] >> (32 - r) : 0;
        b->l[i + words] = b->l[i] << r | low;
    }
    for (int i = 0; i < words; i++) b->l[i] = 0;
    b->n = n + words;
    if (top != 0) b->l[b->n++] = top;
}

static int big_cmp(const big *a, const big *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->l[i] != b->l[i]) return a->l[i] < b->l[i] ? -1 : 1;
    return 0;
}

/* Sign of dec - c * 2^j. */
static int dec_cmp(const decimal *dec, uint64_t c, int j)
{
    big l = {.n = 0}, r = {.n = 0};
    for (int i = 0; i < dec->nd;) {
        uint32_t chunk = 0, mul = 1;
        for (int k = 0; k < 9 && i < dec->nd; k++, i++) chunk = chunk * 10 + dec->d[i], mul *= 10;
        big_mul_add(&l, mul, chunk);
    }
    r.l[0] = (uint32_t)c, r.l[1] = (uint32_t)(c >> 32), r.n = c >> 32 ? 2 : c ? 1 : 0;
    int q = dec->dp - dec->nd; /* dec = D * 10^q = D * 5^q * 2^q */
    if (q >= 0) big_pow5(&l, q);
    else big_pow5(&r, -q);
    int t = q < j ? q : j;
    big_shl(&l, q - t);
    big_shl(&r, j - t);
    int cmp = big_cmp(&l, &r);
    return cmp == 0 && dec->truncated ? 1 : cmp;
}

#define MANT_MIN (UINT64_C(1) << 52)
#define MANT_MAX ((UINT64_C(1) << 53) - 1)
#define EXP2_MIN (-1074)
#define EXP2_MAX 971

/* The double nearest to dec (>= 0), ties to even: a first guess, then a walk to the
 * neighbour while dec lies beyond the halfway point to it (Clinger's AlgorithmR, with big
 * integers for the comparisons). A double is m * 2^k, m < 2^53, k >= -1074. */
static double dec_slow(const decimal *dec)
{
    uint64_t w = 0;
    int used = dec->nd < 19 ? dec->nd : 19, e = dec->dp - used;
    for (int i = 0; i < used; i++) w = w * 10 + dec->d[i];
    double x = (double)w;
    while (e > 0 && !isinf(x)) {
        int step = e > 22 ? 22 : e;
        x *= P10[step], e -= step;
    }
    while (e < 0 && x != 0) {
        int step = -e > 22 ? 22 : -e;
        x /= P10[step], e += step;
    }
    uint64_t m = 0;
    int k = EXP2_MIN;
    if (isinf(x)) {
        m = MANT_MAX, k = EXP2_MAX;
    } else if (x != 0) {
        int ex;
        double f = frexp(x, &ex);
        m = (uint64_t)ldexp(f, 53), k = ex - 53;
        if (k < EXP2_MIN) m >>= EXP2_MIN - k, k = EXP2_MIN;
    }
    for (;;) {
        int c = dec_cmp(dec, 2 * m + 1, k - 1);
        if (c > 0 || (c == 0 && (m & 1))) {
            if (m == MANT_MAX && k == EXP2_MAX) return HUGE_VAL;
            if (++m > MANT_MAX) m = MANT_MIN, k++;
            continue;
        }
        if (m == 0) break;
        c = m == MANT_MIN && k > EXP2_MIN ? dec_cmp(dec, 4 * m - 1, k - 2)
                                    : dec_cmp(dec, 2 * m - 1, k - 1);
        if (c < 0 || (c == 0 && (m & 1))) {
            if (--m < MANT_MIN && k > EXP2_MIN) m = MANT_MAX, k--;
            continue;
        }
        break;
    }
    return ldexp((double)m, k);
}

/* lexical's standard float grammar, the whole input: [+-] digits [. digits] [(e|E) [+-]
 * digits], at least one mantissa digit. Gives the nearest double. */
static bool float_parse(const char *s, size_t n, double *out)
{
    decimal dec = {.nd = 0, .dp = 0, .truncated = false};
    size_t i = 0, mantissa = 0;
    bool neg = false, point = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    for (; i < n && (kis_digit(s[i]) || (s[i] == '.' && !point)); i++) {
        if (s[i] == '.') {
            point = true;
            continue;
        }
        mantissa++;
        if (s[i] == '0' && dec.nd == 0) {
            if (point) dec.dp--;
            continue;
        }
        if (!point) dec.dp++;
        if (dec.nd < DEC_DIGITS) dec.d[dec.nd++] = (uint8_t)(s[i] - '0');
        else if (s[i] != '0') dec.truncated = true;
    }
    if (mantissa == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        bool eneg = false;
        long ev = 0;
        size_t edigits = 0;
        if (++i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
        for (; i < n && kis_digit(s[i]); i++, edigits++)
            if (ev < 100000) ev = ev * 10 + (s[i] - '0');
        if (edigits == 0) return false;
        dec.dp += (int)(eneg ? -ev : ev);
    }
    if (i != n) return false;
    while (dec.nd > 0 && dec.d[dec.nd - 1] == 0) dec.nd--;
    double v;
    if (dec.nd == 0 || dec.dp < -330) {
        v = 0;
    } else if (dec.dp > 310) {
        v = HUGE_VAL;
    } else if (dec.nd <= 15 && !dec.truncated && dec.dp - dec.nd >= -22 &&
               dec.dp - dec.nd <= 22) {
        /* both operands exact: one IEEE operation rounds correctly */
        uint64_t w = 0;
        for (int k = 0; k < dec.nd; k++) w = w * 10 + dec.d[k];
        int e = dec.dp - dec.nd;
        v = e >= 0 ? (double)w * P10[e] : (double)w / P10[-e];
    } else {
        v = dec_slow(&dec);
    }
    *out = neg ? -v : v;
    return true;
}

/* DateTime::parse_bytes: RFC 3339, else an integer timestamp, else (when the integer
 * parse stopped at a '.') a float one; the RFC 3339 reason when all fail. */
static sd_err datetime_parse(const char *s, size_t n, karak_datetime *dt)
{
    sd_err e = datetime_rfc3339(s, n, dt);
    if (e == SD_OK) return SD_OK;
    int64_t ts;
    double f;
    int_result r = sd_int_parse(s, n, &ts);
    if (r == INT_OK) return datetime_from_timestamp(ts, 0, dt);
    if (r == INT_BAD || !float_parse(s, n, &f)) return e;
    double norm = fabs(f) > (double)MS_WATERSHED ? f / 1000.0 : f;
    int64_t sec = sat_i64(floor(norm));
    return datetime_from_timestamp(sec, sat_u32(round((norm - (double)sec) * 1e6)), dt);
}

/* DateTime::from_float_with_config (a JSON float; not NaN). */
static sd_err datetime_from_float(double ts, karak_datetime *dt)
{
    double frac = fabs(ts - trunc(ts));
    double us = fabs(ts) <= (double)MS_WATERSHED ? frac * 1e6 : frac * 1e3;
    return datetime_from_timestamp(sat_i64(floor(ts)), sat_u32(round(us)), dt);
}

/* ---- pydantic-core's lax chains ---- */

static int datetime_done(const karak_datetime *dt, karak_datetime *out, kfmt_err *err)
{
    if (dt->year == 0) return fail(err, "datetime_parsing", DT_PARSING, SD_YEAR_ZERO);
    *out = *dt;
    return 0;
}

/* A date field given a datetime: only midnight will do (any offset). */
static int date_from_datetime(const karak_datetime *dt, karak_date *out, kfmt_err *err)
{
    if (dt->hour != 0 || dt->minute != 0 || dt->second != 0 || dt->microsecond != 0) {
        kfmt_err_set(err, "date_from_datetime_inexact", DATE_INEXACT, false);
        return -1;
    }
    if (dt->year == 0) return fail(err, "date_parsing", DATE_PARSING, SD_YEAR_ZERO);
    *out = (karak_date){.year = dt->year, .month = dt->month, .day = dt->day};
    return 0;
}

int kfmt_datetime_parse(const char *s, size_t n, karak_datetime *out, kfmt_err *err)
{
    karak_datetime dt;
    karak_date d;
    if (datetime_parse(s, n, &dt) == SD_OK) return datetime_done(&dt, out, err);
    sd_err e = date_parse(s, n, &d);
    if (e != SD_OK) return fail(err, "datetime_from_date_parsing", DT_FROM_DATE, e);
    dt = (karak_datetime){.year = d.year, .month = d.month, .day = d.day};
    return datetime_done(&dt, out, err);
}

int kfmt_datetime_from_int(int64_t ts, karak_datetime *out, kfmt_err *err)
{
    karak_datetime dt;
    sd_err e = datetime_from_timestamp(ts, 0, &dt);
    if (e != SD_OK) return fail(err, "datetime_parsing", DT_PARSING, e);
    return datetime_done(&dt, out, err);
}

int kfmt_datetime_from_double(double ts, karak_datetime *out, kfmt_err *err)
{
    karak_datetime dt;
    sd_err e = isnan(ts) ? SD_NAN : datetime_from_float(ts, &dt);
    if (e != SD_OK) return fail(err, "datetime_parsing", DT_PARSING, e);
    return datetime_done(&dt, out, err);
}

int kfmt_date_parse(const char *s, size_t n, karak_date *out, kfmt_err *err)
{
    karak_date d;
    karak_datetime dt;
    if (date_parse(s, n, &d) == SD_OK) {
        if (d.year == 0) return fail(err, "date_parsing", DATE_PARSING, SD_YEAR_ZERO);
        *out = d;
        return 0;
    }
    sd_err e = datetime_parse(s, n, &dt);
    if (e != SD_OK) return fail(err, "date_from_datetime_parsing", DATE_FROM_DT, e);
    return date_from_datetime(&dt, out, err);
}

int kfmt_date_from_int(int64_t ts, karak_date *out, kfmt_err *err)
{
    karak_datetime dt;
    sd_err e = datetime_from_timestamp(ts, 0, &dt);
    if (e != SD_OK) return fail(err, "date_from_datetime_parsing", DATE_FROM_DT, e);
    return date_from_datetime(&dt, out, err);
}

int kfmt_date_from_double(double ts, karak_date *out, kfmt_err *err)
{
    karak_datetime dt;
    sd_err e = isnan(ts) ? SD_NAN : datetime_from_float(ts, &dt);
    if (e != SD_OK) return fail(err, "date_from_datetime_parsing", DATE_FROM_DT, e);
    return date_from_datetime(&dt, out, err);
}

/* ---- validity and text ---- */

bool kfmt_date_valid(const karak_date *d)
{
    return d->year >= 1 && d->year <= 9999 && d->day >= 1 &&
           d->day <= days_in_month(d->year, d->month);
}

bool kfmt_datetime_valid(const karak_datetime *dt)
{
    karak_date d = {.year = dt->year, .month = dt->month, .day = dt->day};
    return kfmt_date_valid(&d) && dt->hour <= 23 && dt->minute <= 59 && dt->second <= 59 &&
           dt->microsecond <= 999999 &&
           (!dt->has_offset || (dt->offset_seconds > -86400 && dt->offset_seconds < 86400));
}

/* `width` decimal digits of v (the low ones), zero-padded. */
static size_t put_num(char *out, uint32_t v, size_t width)
{
    for (size_t i = width; i > 0; i--, v /= 10) out[i - 1] = (char)('0' + v % 10);
    return width;
}

static size_t put_date(char *out, int32_t year, uint8_t month, uint8_t day)
{
    size_t o = put_num(out, (uint32_t)(year < 0 ? -(int64_t)year : year), 4);
    out[o++] = '-';
    o += put_num(out + o, month, 2);
    out[o++] = '-';
    o += put_num(out + o, day, 2);
    return o;
}

size_t kfmt_date_format(char out[KFMT_DATE_LEN + 1], const karak_date *d)
{
    size_t o = put_date(out, d->year, d->month, d->day);
    out[o] = '\0';
    return o;
}

size_t kfmt_datetime_format(char out[KFMT_DATETIME_MAX], const karak_datetime *dt,
                            kfmt_style style)
{
    size_t o = put_date(out, dt->year, dt->month, dt->day);
    out[o++] = 'T';
    o += put_num(out + o, dt->hour, 2);
    out[o++] = ':';
    o += put_num(out + o, dt->minute, 2);
    out[o++] = ':';
    o += put_num(out + o, dt->second, 2);
    if (dt->microsecond != 0) {
        out[o++] = '.';
        o += put_num(out + o, dt->microsecond, 6);
    }
    if (dt->has_offset) {
        int32_t off = dt->offset_seconds;
        uint32_t a = (uint32_t)(off < 0 ? -(int64_t)off : off) % 86400;
        if (style == KFMT_PYDANTIC && off == 0) {
            out[o++] = 'Z';
        } else {
            out[o++] = off < 0 ? '-' : '+';
            o += put_num(out + o, a / 3600, 2);
            out[o++] = ':';
            o += put_num(out + o, a % 3600 / 60, 2);
            if (style == KFMT_ISOFORMAT && a % 60 != 0) {
                out[o++] = ':';
                o += put_num(out + o, a % 60, 2);
            }
        }
    }
    out[o] = '\0';
    return o;
}
