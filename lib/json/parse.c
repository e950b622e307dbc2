/* JSON parser with Python's error vocabulary (see json.h).
 *
 * FastAPI decodes bodies with `json.loads`; its JSONDecodeError message and character
 * position reach the client in the 422 `json_invalid` error. The control flow below mirrors
 * CPython's Modules/_json.c (scan_once_unicode, _parse_object_unicode, _parse_array_unicode,
 * scanstring_unicode, _match_number_unicode) so the same input gives the same message at the
 * same place. Positions are computed in bytes and converted to characters on error only.
 * Deviation: NaN, Infinity and -Infinity are rejected ("Expecting value"). */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

typedef struct parser {
    karena *a;
    const char *s;
    size_t len;
    int depth;
    bool lone_surrogate; /* seen; reported only if the text is otherwise valid JSON */
    kj_status status;
    const char *msg;
    size_t err_at; /* byte offset */
} parser;

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(const parser *p, size_t i)
{
    while (i < p->len && is_ws(p->s[i])) i++;
    return i;
}

static bool fail(parser *p, const char *msg, size_t at)
{
    p->status = KJ_SYNTAX;
    p->msg = msg;
    p->err_at = at;
    return false;
}

static bool nomem(parser *p)
{
    p->status = KJ_NOMEM;
    return false;
}

static kj *node(parser *p, kj_type t)
{
    kj *v = karena_alloc(p->a, sizeof *v);
    if (v != NULL) v->type = t;
    return v;
}

static bool parse_value(parser *p, size_t i, kj **out, size_t *next);

static bool read_hex4(parser *p, size_t at, unsigned *out)
{
    unsigned v = 0;
    for (size_t k = 0; k < 4; k++) {
        int h = khexval(p->s[at + k]);
        if (h < 0) return fail(p, "Invalid \\uXXXX escape", at - 1);
        v = (v << 4) | (unsigned)h;
    }
    *out = v;
    return true;
}

/* A \u escape at p->s[i] == 'u' (the backslash is at i - 1). Returns the index after it. */
static bool unicode_escape(parser *p, size_t i, kbuf *b, size_t *next)
{
    size_t end = i + 5; /* CPython: end = next + 4 with next after the 'u' */
    if (end >= p->len) return fail(p, "Invalid \\uXXXX escape", i);
    unsigned c;
    if (!read_hex4(p, i + 1, &c)) return false;
    if (c >= 0xD800 && c <= 0xDBFF && end + 6 < p->len && p->s[end] == '\\' &&
        p->s[end + 1] == 'u') {
        unsigned c2;
        if (!read_hex4(p, end + 2, &c2)) return false;
        if (c2 >= 0xDC00 && c2 <= 0xDFFF) {
            c = 0x10000 + ((c - 0xD800) << 10) + (c2 - 0xDC00);
            end += 6;
        }
    }
    /* Python keeps a lone surrogate in a str (FastAPI then fails with a 500); it cannot be
     * UTF-8, so libkarak refuses the body as undecodable (400) — after the rest of the text
     * has been checked, so a syntax error later on is still the 422 Python reports. */
    if (c >= 0xD800 && c <= 0xDFFF) {
        p->lone_surrogate = true;
        c = 0xFFFD;
    }
    kutf8_put(b, c);
    *next = end;
    return true;
}

/* String whose opening quote is at begin - 1. */
static bool parse_string(parser *p, size_t begin, const char **out, size_t *out_len,
                         size_t *next)
{
    size_t i = begin;
    /* Fast path: no escapes, point into the input. */
    while (i < p->len) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '"') {
            *out = p->s + begin;
            *out_len = i - begin;
            *next = i + 1;
            return true;
        }
        if (c == '\\') break;
        if (c <= 0x1f) return fail(p, "Invalid control character at", i);
        i++;
    }
    if (i >= p->len) return fail(p, "Unterminated string starting at", begin - 1);

    kbuf b;
    kbuf_init(&b, p->a, i - begin + 32);
    kbuf_put(&b, p->s + begin, i - begin);
    for (;;) {
        size_t run = i;
        unsigned char c = 0;
        while (i < p->len) {
            c = (unsigned char)p->s[i];
            if (c == '"' || c == '\\') break;
            if (c <= 0x1f) return fail(p, "Invalid control character at", i);
            i++;
        }
        if (i >= p->len) return fail(p, "Unterminated string starting at", begin - 1);
        kbuf_put(&b, p->s + run, i - run);
        if (c == '"') {
            i++;
            break;
        }
        i++; /* past the backslash */
        if (i >= p->len) return fail(p, "Unterminated string starting at", begin - 1);
        char e = p->s[i];
        char out_ch;
        switch (e) {
        case '"': out_ch = '"'; break;
        case '\\': out_ch = '\\'; break;
        case '/': out_ch = '/'; break;
        case 'b': out_ch = '\b'; break;
        case 'f': out_ch = '\f'; break;
        case 'n': out_ch = '\n'; break;
        case 'r': out_ch = '\r'; break;
        case 't': out_ch = '\t'; break;
        case 'u':
            if (!unicode_escape(p, i, &b, &i)) return false;
            continue;
        default: return fail(p, "Invalid \\escape", i - 1);
        }
        kbuf_putc(&b, out_ch);
        i++;
    }
    if (b.failed) return nomem(p);
    *out = b.data;
    *out_len = b.len;
    *next = i;
    return true;
}

/* CPython's _match_number_unicode; a failure is "Expecting value" at `start`. */
static bool parse_number(parser *p, size_t start, kj **out, size_t *next)
{
    size_t i = start;
    size_t end_idx = p->len - 1;
    bool is_float = false;
    if (p->s[i] == '-') {
        i++;
        if (i > end_idx) return fail(p, "Expecting value", start);
    }
    if (p->s[i] >= '1' && p->s[i] <= '9') {
        i++;
        while (i <= end_idx && kis_digit(p->s[i])) i++;
    } else if (p->s[i] == '0') {
        i++;
    } else {
        return fail(p, "Expecting value", start);
    }
    if (i < end_idx && p->s[i] == '.' && kis_digit(p->s[i + 1])) {
        is_float = true;
        i += 2;
        while (i <= end_idx && kis_digit(p->s[i])) i++;
    }
    if (i < end_idx && (p->s[i] == 'e' || p->s[i] == 'E')) {
        size_t e_start = i;
        i++;
        if (i < end_idx && (p->s[i] == '-' || p->s[i] == '+')) i++;
        while (i <= end_idx && kis_digit(p->s[i])) i++;
        if (kis_digit(p->s[i - 1])) is_float = true;
        else i = e_start;
    }
    /* digits, not the sign */
    if (!is_float && i - start - (p->s[start] == '-') > KARAK_JSON_MAX_INT_DIGITS) {
        /* Python's int() refuses more than 4300 digits with a ValueError, which FastAPI
         * answers as an undecodable body (400), not as a JSON syntax error. */
        p->status = KJ_ENCODING;
        return false;
    }
    kj *v = node(p, is_float ? KJ_REAL : KJ_INT);
    if (v == NULL) return nomem(p);
    char tmp[64];
    const char *num = p->s + start;
    size_t n = i - start;
    char *heap = NULL;
    if (n < sizeof tmp) {
        memcpy(tmp, num, n);
        tmp[n] = '\0';
        num = tmp;
    } else {
        heap = karena_strndup(p->a, num, n);
        if (heap == NULL) return nomem(p);
        num = heap;
    }
    v->d = strtod(num, NULL);
    v->s = p->s + start;
    v->n = n;
    *out = v;
    *next = i;
    return true;
}

static bool literal(parser *p, size_t i, const char *word, size_t wlen)
{
    return i + wlen <= p->len && memcmp(p->s + i, word, wlen) == 0;
}

static bool parse_object(parser *p, size_t i, kj *obj, size_t *next)
{
    kj **tail = &obj->child;
    i = skip_ws(p, i);
    if (i < p->len && p->s[i] == '}') {
        *next = i + 1;
        return true;
    }
    for (;;) {
        if (i >= p->len || p->s[i] != '"')
            return fail(p, "Expecting property name enclosed in double quotes", i);
        const char *key;
        size_t key_len;
        if (!parse_string(p, i + 1, &key, &key_len, &i)) return false;
        i = skip_ws(p, i);
        if (i >= p->len || p->s[i] != ':') return fail(p, "Expecting ':' delimiter", i);
        i = skip_ws(p, i + 1);
        kj *val;
        if (!parse_value(p, i, &val, &i)) return false;
        val->key = key;
        val->key_len = key_len;
        val->n_index = obj->n++;
        *tail = val;
        tail = &val->next;
        i = skip_ws(p, i);
        if (i < p->len && p->s[i] == '}') break;
        if (i >= p->len || p->s[i] != ',') return fail(p, "Expecting ',' delimiter", i);
        i = skip_ws(p, i + 1);
    }
    *next = i + 1;
    return true;
}

static bool parse_array(parser *p, size_t i, kj *arr, size_t *next)
{
    kj **tail = &arr->child;
    i = skip_ws(p, i);
    if (i < p->len && p->s[i] == ']') {
        *next = i + 1;
        return true;
    }
    for (;;) {
        kj *val;
        if (!parse_value(p, i, &val, &i)) return false;
        val->n_index = arr->n++;
        *tail = val;
        tail = &val->next;
        i = skip_ws(p, i);
        if (i < p->len && p->s[i] == ']') break;
        if (i >= p->len || p->s[i] != ',') return fail(p, "Expecting ',' delimiter", i);
        i = skip_ws(p, i + 1);
    }
    *next = i + 1;
    return true;
}

static bool parse_container(parser *p, kj_type t, size_t i, kj **out, size_t *next)
{
    if (++p->depth > KARAK_JSON_MAX_DEPTH) {
        /* Python raises RecursionError (a 500 in FastAPI); a 422 at the offending bracket
         * is the useful answer. */
        return fail(p, "Maximum nesting depth exceeded", i);
    }
    kj *v = node(p, t);
    if (v == NULL) return nomem(p);
    bool ok = t == KJ_OBJ ? parse_object(p, i + 1, v, next) : parse_array(p, i + 1, v, next);
    p->depth--;
    *out = v;
    return ok;
}

static bool parse_value(parser *p, size_t i, kj **out, size_t *next)
{
    if (i >= p->len) return fail(p, "Expecting value", i);
    switch (p->s[i]) {
    case '"': {
        kj *v = node(p, KJ_STR);
        if (v == NULL) return nomem(p);
        *out = v;
        return parse_string(p, i + 1, &v->s, &v->n, next);
    }
    case '{': return parse_container(p, KJ_OBJ, i, out, next);
    case '[': return parse_container(p, KJ_ARR, i, out, next);
    case 'n':
        if (literal(p, i, "null", 4)) {
            *out = node(p, KJ_NULL);
            *next = i + 4;
            return *out != NULL || nomem(p);
        }
        break;
    case 't':
    case 'f': {
        bool t = p->s[i] == 't';
        if (literal(p, i, t ? "true" : "false", t ? 4 : 5)) {
            kj *v = node(p, KJ_BOOL);
            if (v == NULL) return nomem(p);
            v->b = t;
            *out = v;
            *next = i + (t ? 4 : 5);
            return true;
        }
        break;
    }
    default: break;
    }
    return parse_number(p, i, out, next);
}

kj_status kj_parse(karena *a, const char *text, size_t len, kj **out, kj_error *err)
{
    /* Python's json.detect_encoding: a UTF-8 BOM means UTF-8 (and is skipped); otherwise a
     * zero in the first two bytes means UTF-16/32, which libkarak does not decode. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        text += 3;
        len -= 3;
    } else if ((len >= 4 || len == 2) && (text[0] == '\0' || text[1] == '\0')) {
        return KJ_ENCODING;
    }
    if (!kutf8_valid(text, len)) return KJ_ENCODING;
    parser p = {.a = a, .s = text, .len = len, .status = KJ_OK};
    size_t i = skip_ws(&p, 0);
    size_t next = 0;
    if (parse_value(&p, i, out, &next)) {
        next = skip_ws(&p, next);
        if (next != len) fail(&p, "Extra data", next);
        else if (p.lone_surrogate) p.status = KJ_ENCODING;
    }
    if (p.status == KJ_SYNTAX && err != NULL) {
        err->msg = p.msg;
        err->pos = kutf8_count(text, p.err_at);
    }
    return p.status;
}

const kj *kj_get(const kj *obj, const char *key)
{
    const kj *found = NULL;
    size_t klen = strlen(key);
    for (const kj *m = obj->child; m != NULL; m = m->next)
        if (m->key_len == klen && memcmp(m->key, key, klen) == 0) found = m;
    return found;
}

kj *kj_new_str(karena *a, const char *s, size_t n)
{
    kj *v = karena_alloc(a, sizeof *v);
    if (v == NULL) return NULL;
    v->type = KJ_STR;
    v->s = s;
    v->n = n;
    return v;
}
