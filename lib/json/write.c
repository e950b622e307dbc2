/* JSON writer: the bytes Starlette's JSONResponse produces (see json.h).
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

#include "json/json.h"

static const char hex_digits[] = "0123456789abcdef";

/* Whether any of 8 bytes needs more than a copy: a control character, '"', '\\', or a byte
 * of a multi-byte sequence (checked one by one). The bit tricks of "Bit Twiddling Hacks"
 * (haszero, hasless), exact as to whether such a byte exists. */
static bool any_special8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
    uint64_t lt_space = (x - ones * 0x20) & ~x;
    uint64_t is_quote = (q - ones) & ~q, is_bslash = (bs - ones) & ~bs;
    return ((lt_space | is_quote | is_bslash) & highs) != 0 || (x & highs) != 0;
}

/* How many leading bytes of s[0..n) are plain (copied as they are). The bytes after the
 * last whole block of 8 are checked as one block too when they are all plain (the usual
 * case: keys and short values), overlapping the block before, or padded with spaces. */
static size_t plain_prefix(const unsigned char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        if (any_special8(x)) break;
    }
    if (i + 8 > n && i < n) { /* no block failed; 1 to 7 bytes left */
        uint64_t x = 0x2020202020202020u;
        if (n >= 8) memcpy(&x, s + n - 8, 8);
        else memcpy(&x, s, n);
        if (!any_special8(x)) return n;
    }
    while (i < n && s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] < 0x80) i++;
    return i;
}

/* kjw_string, and kjw_string_strict when `strict`: false at the first byte that is not
 * UTF-8 (the text written so far stays). */
static bool write_string(kbuf *b, const char *str, size_t n, bool strict)
{
    const unsigned char *s = (const unsigned char *)str;
    kbuf_reserve(b, n + 2);
    if (b->failed) return true;
    size_t i = plain_prefix(s, n);
    if (i == n) { /* nothing to escape (the usual case): one copy into the room reserved */
        b->data[b->len++] = '"';
        kcopy(b->data + b->len, str, n);
        b->len += n;
        b->data[b->len++] = '"';
        return true;
    }
    kbuf_putc(b, '"');
    size_t run = 0;
    i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t len = 1;
        if (c >= 0x80) {
            bool ok;
            len = kutf8_next(str + i, n - i, &ok);
            if (ok) {
                i += len;
                continue;
            }
            if (strict) return false;
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
    return true;
}

void kjw_string(kbuf *b, const char *str, size_t n)
{
    write_string(b, str, n, false);
}

bool kjw_string_strict(kbuf *b, const char *str, size_t n)
{
    return write_string(b, str, n, true);
}

void kjw_double(kbuf *b, double d)
{
    if (!isfinite(d)) {
        kbuf_put(b, "null", 4);
        return;
    }
    char tmp[KARAK_NUM_REPR_MAX];
    kbuf_put(b, tmp, knum_repr(tmp, d));
}

const char kjw_digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

size_t kjw_i64_long(char *dst, int64_t v)
{
    const char *pairs = kjw_digit_pairs;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t neg = v < 0;
    dst[0] = '-'; /* overwritten by the first digit when v >= 0 */
    if (u < 10) {
        dst[neg] = (char)('0' + u);
        return neg + 1;
    }
    if (u < 100) {
        memcpy(dst + neg, pairs + u * 2, 2);
        return neg + 2;
    }
    if (u < 10000) { /* three or four digits: one division */
        unsigned hi = (unsigned)(u / 100), lo = (unsigned)(u % 100);
        size_t n = neg;
        if (hi >= 10) {
            memcpy(dst + n, pairs + hi * 2, 2);
            n += 2;
        } else {
            dst[n++] = (char)('0' + hi);
        }
        memcpy(dst + n, pairs + lo * 2, 2);
        return n + 2;
    }
    size_t digits = 5;
    for (uint64_t t = u / 100000; t > 0 && digits < 20; t /= 10) digits++;
    char *p = dst + neg + digits; /* digits from the right, two at a time, no printf */
    while (u >= 100) {
        unsigned d = (unsigned)(u % 100) * 2;
        u /= 100;
        *--p = pairs[d + 1];
        *--p = pairs[d];
    }
    if (u >= 10) {
        *--p = pairs[u * 2 + 1];
        *--p = pairs[u * 2];
    } else {
        *--p = (char)('0' + u);
    }
    return neg + digits;
}

void kjw_i64(kbuf *b, int64_t v)
{
    kbuf_reserve(b, KJW_I64_MAX);
    if (b->failed) return;
    b->len += kjw_i64_at(b->data + b->len, v);
}

void kjw_cstring(kbuf *b, const char *s)
{
    kjw_string(b, s, strlen(s));
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
        size_t key_len;
        json_t *val;
        bool first = true;
        kbuf_putc(b, '{');
        /* jansson >= 2.8 iterates in insertion order, as Python dicts do. */
        json_object_keylen_foreach((json_t *)v, key, key_len, val) {
            if (!first) kbuf_putc(b, ',');
            first = false;
            kjw_string(b, key, key_len);
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

json_t *kj_to_jansson(const kj *v)
{
    switch (v->type) {
    case KJ_NULL: return json_null();
    case KJ_BOOL: return json_boolean(v->b);
    case KJ_INT: {
        /* the digits, as an int64 when they fit */
        bool neg = v->n > 0 && v->s[0] == '-';
        uint64_t mag = 0;
        bool fits = v->n - neg <= 19;
        for (size_t i = neg; fits && i < v->n; i++) {
            uint64_t digit = (uint64_t)(v->s[i] - '0');
            fits = mag <= (UINT64_MAX - digit) / 10;
            mag = mag * 10 + digit;
        }
        if (fits && mag <= (uint64_t)INT64_MAX + neg)
            return json_integer(neg ? (json_int_t)(0 - mag) : (json_int_t)mag);
        return json_real(v->d);
    }
    case KJ_REAL: return json_real(v->d);
    case KJ_STR: return json_stringn_nocheck(v->s, v->n);
    case KJ_ARR: {
        json_t *a = json_array();
        for (const kj *e = v->child; a != NULL && e != NULL; e = e->next) {
            json_t *item = kj_to_jansson(e);
            if (item == NULL || json_array_append_new(a, item) != 0) {
                json_decref(a);
                a = NULL;
            }
        }
        return a;
    }
    case KJ_OBJ: {
        json_t *o = json_object();
        for (const kj *m = v->child; o != NULL && m != NULL; m = m->next) {
            json_t *item = kj_to_jansson(m);
            if (item == NULL || json_object_setn_new_nocheck(o, m->key, m->key_len, item) != 0) {
                json_decref(o);
                o = NULL;
            }
        }
        return o;
    }
    }
    return NULL;
}
