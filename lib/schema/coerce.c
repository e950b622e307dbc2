/* Lax coercion of strings to numbers and booleans, as pydantic-core's lax mode does it
 * (src/input/shared.rs: str_as_int, clean_int_str, strip_leading_zeros, strip_underscores,
 * str_as_float, str_as_bool). Path, query, header and cookie values, and JSON strings in
 * int/float/bool fields, all go through here. This file decides conversions only, not
 * error messages.
 *
 * The rules are pydantic-core's as written, quirks included, because a client sees them:
 * "0__7" and "0-1" are ints (strip_leading_zeros drops zeros and underscores up to the next
 * digit or '-'), "-_5" and "in_f" are floats (strip_underscores only looks at the ends and at
 * doubled underscores), and " 1_0" is an int but not a float (str_as_float trims only before
 * its first attempt). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

/* A three-byte White_Space character at u (the caller has three bytes). */
static bool space3(const unsigned char *u)
{
    if (u[0] < 0xE0 || u[0] > 0xEF || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
        return false;
    unsigned cp = (u[0] & 0x0Fu) << 12 | (u[1] & 0x3Fu) << 6 | (u[2] & 0x3Fu);
    return cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
           cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* The Unicode White_Space character that s starts with, or ends with: its length in bytes,
 * 0 if none. Rust's str::trim strips exactly these: \t-\r, space, U+0085, U+00A0, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 (not U+200B, U+FEFF, nor Python's
 * extra 0x1C-0x1F). Each encoding starts with a lead byte, so a match at the end of valid
 * UTF-8 is a whole character. */
static size_t space_at_start(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 1 && kis_space(s[0])) return 1;
    if (n >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0)) return 2;
    if (n >= 3 && space3(u)) return 3;
    return 0;
}

static size_t space_at_end(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    if (n >= 1 && kis_space(s[n - 1])) return 1;
    if (n >= 2 && u[n - 2] == 0xC2 && (u[n - 1] == 0x85 || u[n - 1] == 0xA0)) return 2;
    if (n >= 3 && space3(u + n - 3)) return 3;
    return 0;
}

/* Rust's str::trim */
static void trim(const char **s, size_t *n)
{
    for (size_t k; (k = space_at_start(*s, *n)) > 0;) *s += k, *n -= k;
    for (size_t k; (k = space_at_end(*s, *n)) > 0;) *n -= k;
}

/* strip_underscores applies: no '_' at either end and never two in a row (it then removes
 * every '_', wherever it stands: "-_5", "1_.5", "1e_5"). */
static bool underscores_strippable(const char *s, size_t n)
{
    if (n == 0 || s[0] == '_' || s[n - 1] == '_') return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (s[i] == '_' && s[i + 1] == '_') return false;
    return true;
}

static size_t skip_underscores(const char *s, size_t n, size_t i, bool drop)
{
    while (drop && i < n && s[i] == '_') i++;
    return i;
}

/* jiter's NumberInt::from_bytes, a JSON integer -?(0|[1-9][0-9]*) and nothing else, read
 * from a '-' when neg, then s (without its underscores when drop_us). */
static kc_result json_int(bool neg, const char *s, size_t n, bool drop_us, int64_t *out,
                          int *overflow)
{
    size_t i = skip_underscores(s, n, 0, drop_us);
    if (i < n && s[i] == '-') {
        if (neg) return KC_PARSING;
        neg = true;
        i = skip_underscores(s, n, i + 1, drop_us);
    }
    if (i == n || !kis_digit(s[i])) return KC_PARSING;
    bool leading_zero = s[i] == '0';
    uint64_t mag = 0;
    bool big = false;
    for (; i < n; i = skip_underscores(s, n, i + 1, drop_us)) {
        if (!kis_digit(s[i])) return KC_PARSING;
        unsigned d = (unsigned)(s[i] - '0');
        if (mag > (UINT64_MAX - d) / 10) big = true;
        else mag = mag * 10 + d;
        if (leading_zero && skip_underscores(s, n, i + 1, drop_us) < n) return KC_PARSING;
    }
    if (big || mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        *overflow = neg ? -1 : 1;
        return KC_TOO_BIG;
    }
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return KC_OK;
}

/* strip_leading_zeros: "0_07" -> "7", "00.0" -> "0.0", "000" -> "0", "0-1" -> "-1",
 * "00_" -> "_"; false when s starts with neither a digit nor '-'. */
static bool strip_leading_zeros(const char **s, size_t *n)
{
    const char *p = *s;
    if (*n == 0) return false;
    if (p[0] != '0') return (p[0] >= '1' && p[0] <= '9') || p[0] == '-';
    for (size_t i = 1; i < *n; i++) {
        if (p[i] == '0' || p[i] == '_') continue;
        if (p[i] == '.') i--; /* keep one zero before the point */
        else if (!((p[i] >= '1' && p[i] <= '9') || p[i] == '-')) return false;
        *s = p + i;
        *n -= i;
        return true;
    }
    *s = p + *n - 1;
    *n = 1;
    return true;
}

/* clean_int_str, then NumberInt again: trim, one '+' (not before '-'), one '-' (not before
 * '-' or '+'), leading zeros, a '.' followed by zeros only, underscores. */
static kc_result clean_int(const char *s, size_t n, int64_t *out, int *overflow)
{
    trim(&s, &n);
    if (n > 0 && s[0] == '+') {
        if (n > 1 && s[1] == '-') return KC_PARSING;
        s++, n--;
    }
    bool neg = n > 0 && s[0] == '-';
    if (neg) {
        if (n > 1 && (s[1] == '-' || s[1] == '+')) return KC_PARSING;
        s++, n--;
    }
    if (!strip_leading_zeros(&s, &n)) return KC_PARSING;
    const char *dot = memchr(s, '.', n);
    if (dot != NULL && dot + 1 < s + n) {
        bool zeros = true;
        for (const char *z = dot + 1; zeros && z < s + n; z++) zeros = *z == '0';
        if (zeros) n = (size_t)(dot - s);
    }
    return json_int(neg, s, n, underscores_strippable(s, n), out, overflow);
}

kc_result kc_int_from_str(const char *s, size_t n, int64_t *out, int *overflow)
{
    *overflow = 0;
    kc_result r = json_int(false, s, n, false, out, overflow);
    return r != KC_PARSING ? r : clean_int(s, n, out, overflow);
}

static bool word_is(const char *s, size_t n, const char *w)
{
    size_t wl = strlen(w);
    if (n != wl) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != w[i]) return false;
    }
    return true;
}

/* Rust's f64 grammar: [+-]? (inf | infinity | nan | digits [. digits?] | . digits) [e[+-]?digits] */
static bool float_grammar(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    if (word_is(s + i, n - i, "inf") || word_is(s + i, n - i, "infinity") ||
        word_is(s + i, n - i, "nan"))
        return true;
    size_t int_digits = 0, frac_digits = 0;
    while (i < n && kis_digit(s[i])) i++, int_digits++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && kis_digit(s[i])) i++, frac_digits++;
    }
    if (int_digits + frac_digits == 0) return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        size_t exp_digits = 0;
        while (i < n && kis_digit(s[i])) i++, exp_digits++;
        if (exp_digits == 0) return false;
    }
    return i == n;
}

/* The value of a numeral float_grammar accepted: the words by hand, the digits by the
 * locale-free parser. */
static kc_result float_value(const char *s, size_t n, double *out)
{
    size_t i = (n > 0 && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    double sign = i == 1 && s[0] == '-' ? -1.0 : 1.0;
    if (word_is(s + i, n - i, "nan")) {
        *out = sign * NAN;
        return KC_OK;
    }
    if (word_is(s + i, n - i, "inf") || word_is(s + i, n - i, "infinity")) {
        *out = sign * INFINITY;
        return KC_OK;
    }
    return knum_parse_double(s, n, out) ? KC_OK : KC_PARSING;
}

/* str_as_float: Rust's parse of the trimmed text; failing that, of the untrimmed text
 * without its underscores when strip_underscores applies. */
kc_result kc_float_from_str(const char *s, size_t n, double *out)
{
    const char *t = s;
    size_t tn = n;
    trim(&t, &tn);
    bool plain = float_grammar(t, tn);
    if (!plain) {
        if (!underscores_strippable(s, n) || memchr(s, '_', n) == NULL) return KC_PARSING;
        t = s;
        tn = n;
    }
    if (plain) return float_value(t, tn, out);
    /* without its underscores; long numerals ("0.000…1") are legal, so no cap */
    char stack[KARAK_FLOAT_STACK_DIGITS];
    char *clean = tn < sizeof stack ? stack : malloc(tn);
    if (clean == NULL) return KC_NOMEM;
    size_t k = 0;
    for (size_t i = 0; i < tn; i++)
        if (t[i] != '_') clean[k++] = t[i];
    kc_result r = k > 0 && float_grammar(clean, k) ? float_value(clean, k, out) : KC_PARSING;
    if (clean != stack) free(clean);
    return r;
}

/* str_as_bool: exact words, ASCII case-insensitive, no trimming (" true" is refused). */
kc_result kc_bool_from_str(const char *s, size_t n, bool *out)
{
    static const char *const truthy[] = {"1", "on", "t", "true", "y", "yes"};
    static const char *const falsy[] = {"0", "off", "f", "false", "n", "no"};
    for (size_t i = 0; i < sizeof truthy / sizeof *truthy; i++) {
        if (word_is(s, n, truthy[i])) {
            *out = true;
            return KC_OK;
        }
        if (word_is(s, n, falsy[i])) {
            *out = false;
            return KC_OK;
        }
    }
    return KC_PARSING;
}
