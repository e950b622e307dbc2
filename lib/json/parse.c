/* JSON parser with Python's error vocabulary (see json.h).
 *
 * FastAPI decodes bodies with `json.loads`; its JSONDecodeError message and character
 * position reach the client in the 422 `json_invalid` error. The control flow below mirrors
 * CPython's Modules/_json.c (scan_once_unicode, _parse_object_unicode, _parse_array_unicode,
 * scanstring_unicode, _match_number_unicode) so the same input gives the same message at the
 * same place; its recursion into arrays and objects is a loop over an explicit stack here.
 * Positions are computed in bytes and converted to characters on error only.
 * Deviations: NaN, Infinity and -Infinity are rejected ("Expecting value"); nesting stops at
 * KARAK_JSON_MAX_DEPTH ("Maximum nesting depth exceeded"), not at Python's recursion limit. */
#include <stdlib.h>
#include <string.h>

#include "json/json.h"

/* An array or object being filled: its node and where its next element goes. */
typedef struct open_container {
    kj *v;
    kj **tail;
} open_container;

typedef struct parser {
    karena *a;
    const char *s;
    size_t len;
    open_container *open; /* the containers around the value being read, innermost last */
    size_t depth, cap;
    const char *key; /* the member key just read, for the value that follows */
    size_t key_len;
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
    size_t n = i - start;
    /* the grammar was checked above: the numeral always parses (locale-free, no copy) */
    (void)knum_parse_double(p->s + start, n, &v->d);
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

/* A key and its ':' at i, leaving i at the member's value (_parse_object_unicode). */
static bool member_key(parser *p, size_t *i)
{
    if (*i >= p->len || p->s[*i] != '"')
        return fail(p, "Expecting property name enclosed in double quotes", *i);
    if (!parse_string(p, *i + 1, &p->key, &p->key_len, i)) return false;
    *i = skip_ws(p, *i);
    if (*i >= p->len || p->s[*i] != ':') return fail(p, "Expecting ':' delimiter", *i);
    *i = skip_ws(p, *i + 1);
    return true;
}

/* Makes v the last element of the innermost open container (the key is the one just read
 * when that container is an object). */
static void attach(parser *p, kj *v)
{
    if (p->depth == 0) return;
    open_container *o = &p->open[p->depth - 1];
    if (o->v->type == KJ_OBJ) {
        v->key = p->key;
        v->key_len = p->key_len;
    }
    v->n_index = o->v->n++;
    *o->tail = v;
    o->tail = &v->next;
}

static bool push(parser *p, kj *v)
{
    if (p->depth == p->cap) {
        size_t cap = p->cap == 0 ? 8 : 2 * p->cap;
        open_container *grown = karena_alloc(p->a, cap * sizeof *grown);
        if (grown == NULL) return nomem(p);
        if (p->depth > 0) memcpy(grown, p->open, p->depth * sizeof *grown);
        p->open = grown;
        p->cap = cap;
    }
    p->open[p->depth++] = (open_container){.v = v, .tail = &v->child};
    return true;
}

/* '{' or '[' at i: opens the container, and leaves i at its first value; *closed when it
 * is empty (i then after its closing bracket). */
static bool open_at(parser *p, size_t *i, bool *closed, kj **out)
{
    if (p->depth >= KARAK_JSON_MAX_DEPTH) {
        /* Python's json stops at its recursion limit (RecursionError: FastAPI's 400, see
         * KARAK_JSON_MAX_DEPTH); a 422 at the offending bracket says more. */
        return fail(p, "Maximum nesting depth exceeded", *i);
    }
    bool obj = p->s[*i] == '{';
    kj *v = node(p, obj ? KJ_OBJ : KJ_ARR);
    if (v == NULL) return nomem(p);
    attach(p, v);
    if (!push(p, v)) return false;
    *out = v;
    *i = skip_ws(p, *i + 1);
    *closed = *i < p->len && p->s[*i] == (obj ? '}' : ']');
    if (*closed) {
        p->depth--;
        (*i)++;
        return true;
    }
    return !obj || member_key(p, i);
}

/* After a value ending at *i: closes the containers that end there. Leaves *i at the next
 * value and returns true, or returns true with *done when the outermost value is complete. */
static bool after_value(parser *p, size_t *i, bool *done)
{
    *done = false;
    while (p->depth > 0) {
        bool obj = p->open[p->depth - 1].v->type == KJ_OBJ;
        *i = skip_ws(p, *i);
        if (*i < p->len && p->s[*i] == (obj ? '}' : ']')) {
            p->depth--;
            (*i)++;
            continue;
        }
        if (*i >= p->len || p->s[*i] != ',') return fail(p, "Expecting ',' delimiter", *i);
        *i = skip_ws(p, *i + 1);
        return !obj || member_key(p, i);
    }
    *done = true;
    return true;
}

/* A value that is not a container. */
static bool parse_scalar(parser *p, size_t i, kj **out, size_t *next)
{
    if (i >= p->len) return fail(p, "Expecting value", i);
    switch (p->s[i]) {
    case '"': {
        kj *v = node(p, KJ_STR);
        if (v == NULL) return nomem(p);
        *out = v;
        return parse_string(p, i + 1, &v->s, &v->n, next);
    }
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

/* CPython's scan_once_unicode, with the recursion through _parse_object_unicode and
 * _parse_array_unicode unrolled onto p->open: nesting costs arena memory, not C stack (a
 * libmicrohttpd thread may have a small one). */
static bool parse_value(parser *p, size_t i, kj **out, size_t *next)
{
    kj *root = NULL;
    for (bool done = false; !done;) {
        kj *v;
        bool scalar = i >= p->len || (p->s[i] != '{' && p->s[i] != '[');
        bool closed = false;
        if (scalar) {
            if (!parse_scalar(p, i, &v, &i)) return false;
            attach(p, v);
        } else if (!open_at(p, &i, &closed, &v)) {
            return false;
        }
        if (root == NULL) root = v;
        if ((scalar || closed) && !after_value(p, &i, &done)) return false;
    }
    *out = root;
    *next = i;
    return true;
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
