/* karak_resp_pack's writer: jansson's json_pack() format language, written straight to JSON
 * bytes, with no tree in between (json_pack allocates an object, a hash table, each string
 * and each key, and the response then walks and frees them).
 *
 * The format, as json_pack reads it (whitespace, ':' and ',' are ignored):
 *   s  const char *      a string; NULL is an error      s#  const char *, int     s%  ..., size_t
 *   s? NULL is null      s* NULL omits the member or item (in an object or array)
 *   s+ s#+ s%+ ...       the next pieces are appended to the same string
 *   n  null              b  int, a boolean               i  int      I  json_int_t
 *   f  double; NaN and infinities are an error (json_real refuses them)
 *   o  json_t *, its reference taken     O  json_t *, borrowed     o? O? o* O*  as above
 *   [ ... ]  an array    { key value ... }  an object, each key a string format (s, s#, s%,
 *                                           with +), never NULL
 * Strings must be valid UTF-8 (json_pack refuses others too); each piece of a `+` string on
 * its own. The bytes are the writer's (json.h): those of Starlette's JSONResponse.
 *
 * Where the result differs from json_pack's: a key given twice in one object is an error,
 * where jansson keeps the last value at the first key's place. On any error the rest of the
 * format is still read, so that every `o` argument's reference is released, unless the
 * format itself is malformed (then what follows it cannot be read). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json/json.h"

#define PACK_MAX_DEPTH 64
#define PACK_KEYS_INLINE 16

typedef struct packer {
    kbuf *b;
    const char *f;    /* the next format character */
    va_list ap;
    bool failed;      /* an error seen: arguments are read (o released), nothing written */
    bool malformed;   /* the format itself is wrong: reading stops */
    char *err;
    size_t errlen;
} packer;

/* The first error is the one reported. */
__attribute__((format(printf, 3, 4))) static void pack_error(packer *p, bool malformed,
                                                             const char *fmt, ...)
{
    if (!p->failed && p->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    p->failed = true;
    if (malformed) p->malformed = true;
}

static char next_token(packer *p)
{
    while (*p->f == ' ' || *p->f == '\t' || *p->f == '\n' || *p->f == '\r' || *p->f == ':' ||
           *p->f == ',')
        p->f++;
    return *p->f;
}

/* '?' or '*' right after a value's letter (consumed), else 0. */
static char optional_mark(packer *p)
{
    char m = *p->f;
    if (m == '?' || m == '*') {
        p->f++;
        return m;
    }
    return 0;
}

/* One piece of a string format after its 's': its bytes and length (reading "#" or "%"). */
static const char *string_piece(packer *p, size_t *len)
{
    const char *s = va_arg(p->ap, const char *);
    if (*p->f == '#') {
        p->f++;
        int n = va_arg(p->ap, int);
        *len = n < 0 ? 0 : (size_t)n;
        if (n < 0 && s != NULL) pack_error(p, false, "a negative s# length");
    } else if (*p->f == '%') {
        p->f++;
        *len = va_arg(p->ap, size_t);
    } else {
        *len = s != NULL ? strlen(s) : 0;
    }
    return s;
}

/* A NULL argument: s* o* O* leave the member or item out (false), s? o? O? write null, and
 * anything else is an error, named by `what`. */
static bool pack_null(packer *p, char mark, const char *what)
{
    if (mark == '*') return false;
    if (mark != '?') pack_error(p, false, "a NULL %s", what);
    else if (!p->failed) kbuf_put(p->b, "null", 4);
    return true;
}

/* A string format at p->f (just past its 's'): written as one JSON string, unless it is NULL
 * (then: "s?" writes null, "s*" returns false to omit the member; "s" is an error).
 * `key`: an object's key, which has no '?' or '*'. */
static bool pack_string(packer *p, bool key)
{
    size_t len;
    const char *s = string_piece(p, &len);
    if (*p->f != '+') {
        char mark = key ? 0 : optional_mark(p);
        if (s == NULL) return pack_null(p, mark, key ? "key" : "string (use s? for null)");
        if (p->failed) return true;
        if (!kjw_string_strict(p->b, s, len)) pack_error(p, false, "a string that is not UTF-8");
        return true;
    }
    /* s+...: the pieces joined first, then written as one string */
    kbuf joined;
    kbuf_init(&joined, p->b->arena, len + 64);
    bool null = s == NULL;
    if (!null && !kutf8_valid(s, len)) pack_error(p, false, "a string that is not UTF-8");
    else if (!null) kbuf_put(&joined, s, len);
    while (*p->f == '+') {
        p->f++;
        const char *more = string_piece(p, &len);
        if (more == NULL) null = true;
        else if (!kutf8_valid(more, len)) pack_error(p, false, "a string that is not UTF-8");
        else kbuf_put(&joined, more, len);
    }
    if (null) pack_error(p, false, "a NULL piece of an s+ string");
    if (joined.failed) pack_error(p, false, "out of memory");
    if (!p->failed) kjw_string(p->b, joined.data != NULL ? joined.data : "", joined.len);
    return true; /* (each piece was checked: the whole is UTF-8) */
}

static bool pack_value(packer *p, int depth);

/* Before a member or an item: a comma, unless it is the first of its object or array (the
 * text then ends with the opening bracket). Where the member is omitted, the text is cut
 * back to `mark`, the comma with it. */
static size_t pack_separator(packer *p)
{
    size_t mark = p->b->len;
    if (!p->failed && mark > 0 && p->b->data[mark - 1] != '{' && p->b->data[mark - 1] != '[')
        kbuf_putc(p->b, ',');
    return mark;
}

/* The key spans of one object, in the output buffer, to refuse a key given twice. */
typedef struct keyset {
    size_t (*spans)[2];
    size_t n, cap;
    size_t inline_[PACK_KEYS_INLINE][2]; /* left uninitialised: only spans[0..n) are read */
} keyset;

static bool keyset_add(packer *p, keyset *k, size_t off, size_t len)
{
    const char *data = p->b->data;
    for (size_t i = 0; i < k->n; i++)
        if (k->spans[i][1] == len && memcmp(data + k->spans[i][0], data + off, len) == 0)
            return false;
    if (k->n == k->cap) {
        size_t cap = k->cap * 2;
        size_t(*grown)[2] = karena_alloc(p->b->arena, cap * sizeof *grown);
        if (grown == NULL) {
            pack_error(p, false, "out of memory");
            return true;
        }
        memcpy(grown, k->spans, k->n * sizeof *grown);
        k->spans = grown;
        k->cap = cap;
    }
    k->spans[k->n][0] = off;
    k->spans[k->n][1] = len;
    k->n++;
    return true;
}

static void pack_object(packer *p, int depth)
{
    keyset keys;
    keys.n = 0;
    keys.cap = PACK_KEYS_INLINE;
    keys.spans = keys.inline_;
    if (!p->failed) kbuf_putc(p->b, '{');
    for (;;) {
        char t = next_token(p);
        if (t == '}') {
            p->f++;
            break;
        }
        if (t != 's') {
            pack_error(p, true, "%s", t == '\0' ? "an object without its '}'"
                                                : "an object key that is not a string format");
            return;
        }
        p->f++;
        size_t mark = pack_separator(p);
        size_t key_at = p->b->len;
        pack_string(p, true);
        size_t key_end = p->b->len;
        if (!p->failed) kbuf_putc(p->b, ':');
        if (!pack_value(p, depth + 1)) {
            if (!p->failed) p->b->len = mark;
            continue;
        }
        if (p->malformed) return;
        if (!p->failed && !keyset_add(p, &keys, key_at, key_end - key_at)) {
            char key[64];
            size_t n = key_end - key_at;
            snprintf(key, sizeof key, "%.*s", (int)(n < 60 ? n : 60), p->b->data + key_at);
            pack_error(p, false, "the key %s given twice in one object", key);
        }
    }
    if (!p->failed) kbuf_putc(p->b, '}');
}

static void pack_array(packer *p, int depth)
{
    if (!p->failed) kbuf_putc(p->b, '[');
    for (;;) {
        char t = next_token(p);
        if (t == ']') {
            p->f++;
            break;
        }
        if (t == '\0') {
            pack_error(p, true, "an array without its ']'");
            return;
        }
        size_t mark = pack_separator(p);
        if (!pack_value(p, depth + 1)) {
            if (!p->failed) p->b->len = mark;
            continue;
        }
        if (p->malformed) return;
    }
    if (!p->failed) kbuf_putc(p->b, ']');
}

/* A json_t argument ('o' takes its reference, 'O' borrows it). */
static bool pack_json(packer *p, bool steal)
{
    json_t *v = va_arg(p->ap, json_t *);
    char mark = optional_mark(p);
    if (v == NULL)
        return pack_null(p, mark, steal ? "json_t (use o? for null)" : "json_t (use O? for null)");
    if (!p->failed) kjw_jansson(p->b, v);
    if (steal) json_decref(v);
    return true;
}

/* One value; false when it is omitted (a NULL given to s* o* O*). */
static bool pack_value(packer *p, int depth)
{
    if (depth > PACK_MAX_DEPTH) {
        pack_error(p, true, "more than %d levels of nesting", PACK_MAX_DEPTH);
        return true;
    }
    char t = next_token(p);
    if (t == '\0') {
        pack_error(p, true, "a value missing at the end of the format");
        return true;
    }
    p->f++;
    switch (t) {
    case '{': pack_object(p, depth); return true;
    case '[': pack_array(p, depth); return true;
    case 's': return pack_string(p, false);
    case 'o': return pack_json(p, true);
    case 'O': return pack_json(p, false);
    case 'n':
        if (!p->failed) kbuf_put(p->b, "null", 4);
        return true;
    case 'b': {
        int v = va_arg(p->ap, int);
        if (!p->failed) kbuf_put(p->b, v ? "true" : "false", v ? 4 : 5);
        return true;
    }
    case 'i': {
        int v = va_arg(p->ap, int);
        if (!p->failed) kjw_i64(p->b, v);
        return true;
    }
    case 'I': {
        json_int_t v = va_arg(p->ap, json_int_t);
        if (!p->failed) kjw_i64(p->b, (int64_t)v);
        return true;
    }
    case 'f': {
        double v = va_arg(p->ap, double);
        if (!isfinite(v))
            pack_error(p, false, "a float that is %s", isnan(v) ? "NaN" : "infinite");
        if (!p->failed) kjw_double(p->b, v);
        return true;
    }
    default: {
        pack_error(p, true, "an unknown format character '%c'", t);
        return true;
    }
    }
}

bool kjw_pack(kbuf *b, const char *fmt, va_list ap, char *err, size_t errlen)
{
    packer p = {.b = b, .f = fmt, .err = err, .errlen = errlen};
    va_copy(p.ap, ap);
    if (fmt == NULL) pack_error(&p, true, "a NULL format");
    else if (!pack_value(&p, 0)) pack_error(&p, false, "the whole value omitted (%s)", fmt);
    if (!p.malformed && next_token(&p) != '\0')
        pack_error(&p, true, "more than one value in the format \"%s\"", fmt);
    va_end(p.ap);
    if (!p.failed && b->failed) pack_error(&p, false, "out of memory");
    return !p.failed;
}
