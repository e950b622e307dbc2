/* Lax coercion of strings to numbers and booleans, as pydantic-core's lax mode does it
 * (its str_as_int, strip_decimal_zeros, strip_underscores, str_as_float and str_as_bool).
 * Path, query, header and cookie values, and JSON strings in int/float/bool
 * fields, all go through here. This file decides conversions only, not error messages. */
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

static void trim(const char **s, size_t *n)
{
    while (*n > 0 && kis_space(**s)) (*s)++, (*n)--;
    while (*n > 0 && kis_space((*s)[*n - 1])) (*n)--;
}

/* Copies s without its underscores into out when every '_' stands between two digits
 * (Python's numeric literal rule); false otherwise or when it does not fit. */
static bool strip_underscores(const char *s, size_t n, char *out, size_t cap, size_t *out_len)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            if (!kunderscore_ok(s, n, i)) return false;
            continue;
        }
        if (k + 1 >= cap) return false;
        out[k++] = s[i];
    }
    out[k] = '\0';
    *out_len = k;
    return true;
}

kc_result kc_int_from_str(const char *s, size_t n, int64_t *out, int *overflow)
{
    *overflow = 0;
    trim(&s, &n);
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    size_t digits_at = i;
    uint64_t mag = 0;
    bool big = false;
    for (; i < n && s[i] != '.'; i++) {
        if (s[i] == '_') {
            /* strip_underscores: only between two digits */
            if (i == digits_at || !kunderscore_ok(s, n, i)) return KC_PARSING;
            continue;
        }
        if (!kis_digit(s[i])) return KC_PARSING;
        unsigned d = (unsigned)(s[i] - '0');
        if (mag > (UINT64_MAX - d) / 10) big = true;
        else mag = mag * 10 + d;
    }
    if (i == digits_at) return KC_PARSING;
    if (i < n) {
        /* strip_decimal_zeros: "5.0", "5.000" are integers; "5." and "5.5" are not. */
        if (i + 1 == n) return KC_PARSING;
        for (i++; i < n; i++)
            if (s[i] != '0') return KC_PARSING;
    }
    if (big || mag > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        *overflow = neg ? -1 : 1;
        return KC_TOO_BIG;
    }
    *out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    return KC_OK;
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

kc_result kc_float_from_str(const char *s, size_t n, double *out)
{
    char stack[KARAK_FLOAT_STACK_DIGITS];
    size_t len;
    trim(&s, &n);
    if (n == 0) return KC_PARSING;
    /* strtod needs a terminated copy; long numerals ("0.000…1") are legal, so no cap */
    char *clean = n < sizeof stack ? stack : malloc(n + 1);
    if (clean == NULL) return KC_NOMEM;
    kc_result r = KC_PARSING;
    if (strip_underscores(s, n, clean, n + 1, &len) && float_grammar(clean, len)) {
        *out = strtod(clean, NULL);
        r = KC_OK;
    }
    if (clean != stack) free(clean);
    return r;
}

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
