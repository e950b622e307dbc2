/* JSON writer: the bytes Starlette's JSONResponse produces (see kjson.h).
 *
 * `json.dumps(ensure_ascii=False, separators=(",", ":"))`: raw UTF-8, `/` unescaped,
 * \" \\ \n \r \t \b \f short, other control characters as lowercase \u00XX. Floats use
 * Python's repr (shortest round-trip digits; exponent form below 1e-4 and from 1e16). Bytes
 * that are not UTF-8 (a percent-decoded path echoed in an error) become U+FFFD, as Python's
 * unquote(errors="replace") would have made them. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kjson.h"

static const char hex_digits[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
    if (need > n) return 0;
    return kj_utf8_valid((const char *)s, need) ? need : 0;
}

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
        if (c >= 0x80) {
            size_t len = utf8_seq(s + i, n - i);
            if (len > 0) {
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
                kbuf_put(b, "\xEF\xBF\xBD", 3); /* invalid UTF-8 byte */
            }
        }
        i++;
        run = i;
    }
    kbuf_put(b, s + run, n - run);
    kbuf_putc(b, '"');
}

/* Shortest decimal digits that read back as d (d finite, > 0 or -0 handled by caller):
 * digits without leading/trailing zeros, and the exponent of the first digit. */
static size_t shortest_digits(double d, char digits[24], int *exp10)
{
    char tmp[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, d);
        if (prec < 17 && strtod(tmp, NULL) != d) continue;
        /* tmp = D.DDDDe±XX */
        size_t n = 0;
        const char *p = tmp;
        for (; *p != 'e'; p++)
            if (*p >= '0' && *p <= '9') digits[n++] = *p;
        *exp10 = atoi(p + 1);
        while (n > 1 && digits[n - 1] == '0') n--;
        digits[n] = '\0';
        return n;
    }
    return 0; /* not reached: 17 digits always round-trip */
}

size_t kj_format_repr(char *buf, double d)
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
    size_t n = shortest_digits(d, dg, &e);
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

size_t kj_format_display(char *buf, double d)
{
    char *o = buf;
    if (signbit(d)) {
        *o++ = '-';
        d = -d;
    }
    if (d == 0) {
        *o++ = '0';
        *o = '\0';
        return (size_t)(o - buf);
    }
    char dg[24];
    int e;
    size_t n = shortest_digits(d, dg, &e);
    if (e < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int k = -1; k > e; k--) *o++ = '0';
        memcpy(o, dg, n);
        o += n;
    } else {
        size_t int_digits = (size_t)e + 1;
        for (size_t k = 0; k < int_digits; k++) *o++ = k < n ? dg[k] : '0';
        if (n > int_digits) {
            *o++ = '.';
            memcpy(o, dg + int_digits, n - int_digits);
            o += n - int_digits;
        }
    }
    *o = '\0';
    return (size_t)(o - buf);
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
    case KJ_OBJ:
        kbuf_putc(b, '{');
        for (const kj *m = v->child; m != NULL; m = m->next) {
            if (m != v->child) kbuf_putc(b, ',');
            kjw_string(b, m->key, m->key_len);
            kbuf_putc(b, ':');
            kjw_value(b, m);
        }
        kbuf_putc(b, '}');
        break;
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
