/* JSON writer: the bytes Starlette's JSONResponse produces (see kjson.h).
 *
 * `json.dumps(ensure_ascii=False, separators=(",", ":"))`: raw UTF-8, `/` unescaped,
 * \" \\ \n \r \t \b \f short, other control characters as lowercase \u00XX. Floats use
 * Python's repr (shortest round-trip digits; exponent form below 1e-4 and from 1e16). Bytes
 * that are not UTF-8 (a percent-decoded path echoed in an error) become U+FFFD, as Python's
 * unquote(errors="replace") would have made them. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kjson.h"

static const char hex_digits[] = "0123456789abcdef";

void kjw_string(kbuf *b, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    kbuf_reserve(b, n + 2);
    kbuf_putc(b, '"');
    size_t run = 0;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t len = 1;
        if (c >= 0x80) {
            bool ok;
            len = kj_utf8_next(str + i, n - i, &ok);
            if (ok) {
                i += len;
                continue;
            }
        }
        kbuf_put(b, s + run, i - run);
        switch (c) {
        case '"': kbuf_put(b, "\\\"", 2); break;
        case '\\': kbuf_put(b, "\\\\", 2); break;
        case '\n': kbuf_put(b, "\\n", 2); break;
        case '\r': kbuf_put(b, "\\r", 2); break;
        case '\t': kbuf_put(b, "\\t", 2); break;
        case '\b': kbuf_put(b, "\\b", 2); break;
        case '\f': kbuf_put(b, "\\f", 2); break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex_digits[c >> 4], hex_digits[c & 15]};
                kbuf_put(b, esc, 6);
            } else {
                kbuf_put(b, "\xEF\xBF\xBD", 3); /* invalid UTF-8: one U+FFFD a subpart */
            }
        }
        i += len;
        run = i;
    }
    kbuf_put(b, s + run, n - run);
    kbuf_putc(b, '"');
}

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

size_t kj_format_repr(char *buf, double d)
{
    return format_double(buf, d, true);
}

size_t kj_format_display(char *buf, double d)
{
    return format_double(buf, d, false);
}

void kjw_double(kbuf *b, double d)
{
    if (!isfinite(d)) {
        kbuf_put(b, "null", 4);
        return;
    }
    char tmp[40];
    kbuf_put(b, tmp, kj_format_repr(tmp, d));
}

void kjw_i64(kbuf *b, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
    kbuf_put(b, tmp, (size_t)n);
}

static int member_cmp(const void *pa, const void *pb)
{
    const kj *a = *(const kj *const *)pa, *b = *(const kj *const *)pb;
    size_t n = a->key_len < b->key_len ? a->key_len : b->key_len;
    int c = memcmp(a->key, b->key, n);
    if (c != 0) return c;
    if (a->key_len != b->key_len) return a->key_len < b->key_len ? -1 : 1;
    return a->n_index < b->n_index ? -1 : a->n_index > b->n_index;
}

/* An object as Python's dict holds it: a repeated key keeps its first position and takes its
 * last value. Duplicates are found by sorting (n log n: an echoed body may be large). */
static void write_object(kbuf *b, const kj *v)
{
    const kj **sorted = v->n > 1 ? karena_alloc(b->arena, v->n * sizeof *sorted) : NULL;
    const kj **value = v->n > 1 ? karena_alloc(b->arena, v->n * sizeof *value) : NULL;
    bool dedupe = sorted != NULL && value != NULL;
    if (dedupe) {
        size_t i = 0;
        for (const kj *m = v->child; m != NULL; m = m->next) sorted[i++] = m;
        qsort(sorted, v->n, sizeof *sorted, member_cmp);
        for (size_t g = 0; g < v->n;) {
            size_t e = g + 1;
            while (e < v->n && sorted[e]->key_len == sorted[g]->key_len &&
                   memcmp(sorted[e]->key, sorted[g]->key, sorted[g]->key_len) == 0)
                e++;
            for (size_t k = g; k < e; k++)
                value[sorted[k]->n_index] = k == g ? sorted[e - 1] : NULL;
            g = e;
        }
    }
    kbuf_putc(b, '{');
    bool first = true;
    for (const kj *m = v->child; m != NULL; m = m->next) {
        const kj *val = dedupe ? value[m->n_index] : m;
        if (val == NULL) continue;
        if (!first) kbuf_putc(b, ',');
        first = false;
        kjw_string(b, m->key, m->key_len);
        kbuf_putc(b, ':');
        kjw_value(b, val);
    }
    kbuf_putc(b, '}');
}

void kjw_value(kbuf *b, const kj *v)
{
    if (v == NULL) {
        kbuf_put(b, "null", 4);
        return;
    }
    switch (v->type) {
    case KJ_NULL: kbuf_put(b, "null", 4); break;
    case KJ_BOOL: kbuf_puts(b, v->b ? "true" : "false"); break;
    case KJ_INT:
        /* Python's int(): "-0" reads as 0; JSON allows no other non-canonical form. */
        if (v->n == 2 && v->s[0] == '-' && v->s[1] == '0') kbuf_putc(b, '0');
        else kbuf_put(b, v->s, v->n);
        break;
    case KJ_REAL: kjw_double(b, v->d); break;
    case KJ_STR: kjw_string(b, v->s, v->n); break;
    case KJ_ARR:
        kbuf_putc(b, '[');
        for (const kj *e = v->child; e != NULL; e = e->next) {
            if (e != v->child) kbuf_putc(b, ',');
            kjw_value(b, e);
        }
        kbuf_putc(b, ']');
        break;
    case KJ_OBJ: write_object(b, v); break;
    }
}

void kjw_jansson(kbuf *b, const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        json_t *val;
        bool first = true;
        kbuf_putc(b, '{');
        /* jansson >= 2.8 iterates in insertion order, as Python dicts do. */
        json_object_foreach((json_t *)v, key, val) {
            if (!first) kbuf_putc(b, ',');
            first = false;
            kjw_string(b, key, strlen(key));
            kbuf_putc(b, ':');
            kjw_jansson(b, val);
        }
        kbuf_putc(b, '}');
        break;
    }
    case JSON_ARRAY: {
        size_t n = json_array_size(v);
        kbuf_putc(b, '[');
        for (size_t i = 0; i < n; i++) {
            if (i > 0) kbuf_putc(b, ',');
            kjw_jansson(b, json_array_get(v, i));
        }
        kbuf_putc(b, ']');
        break;
    }
    case JSON_STRING: kjw_string(b, json_string_value(v), json_string_length(v)); break;
    case JSON_INTEGER: kjw_i64(b, (int64_t)json_integer_value(v)); break;
    case JSON_REAL: kjw_double(b, json_real_value(v)); break;
    case JSON_TRUE: kbuf_put(b, "true", 4); break;
    case JSON_FALSE: kbuf_put(b, "false", 5); break;
    case JSON_NULL: kbuf_put(b, "null", 4); break;
    }
}
