/* The JSON layer (private), above util: a parse tree in the request arena, a parser whose errors
 * are Python's `json` module's (message and character position, as FastAPI reports them),
 * and a writer with Starlette's output form (compact, raw UTF-8, Python float repr). */
#ifndef KARAK_JSON_H
#define KARAK_JSON_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef enum kj_type { KJ_NULL, KJ_BOOL, KJ_INT, KJ_REAL, KJ_STR, KJ_ARR, KJ_OBJ } kj_type;

typedef struct kj kj;
struct kj {
    kj_type type;
    bool b;              /* KJ_BOOL */
    double d;            /* KJ_REAL, and KJ_INT's value as a double */
    const char *s;       /* KJ_STR: decoded UTF-8 (not NUL-terminated); KJ_INT: the digits */
    size_t n;            /* KJ_STR/KJ_INT: byte length; KJ_ARR/KJ_OBJ: element count */
    kj *child;           /* KJ_ARR/KJ_OBJ: first element / member value */
    kj *next;            /* next sibling */
    const char *key;     /* member key when the parent is an object (decoded) */
    size_t key_len;
    size_t n_index;      /* position among its siblings */
};

typedef enum kj_status {
    KJ_OK = 0,
    KJ_SYNTAX,     /* err_msg/err_pos describe it, as Python's json.JSONDecodeError */
    KJ_ENCODING,   /* undecodable (400): not UTF-8, a lone surrogate escape, an integer
                      of more than KARAK_JSON_MAX_INT_DIGITS digits (Python's limit) */
    KJ_NOMEM
} kj_status;

typedef struct kj_error {
    const char *msg; /* static: "Expecting value", ... */
    size_t pos;      /* index in characters (code points) of the text */
} kj_error;

/* Parses `len` bytes (a leading UTF-8 BOM is skipped). `*out` lives in the arena. */
kj_status kj_parse(karena *a, const char *text, size_t len, kj **out, kj_error *err);

/* Last member named `key` (JSON's duplicate-key rule: last wins), or NULL. */
const kj *kj_get(const kj *obj, const char *key);

kj *kj_new_str(karena *a, const char *s, size_t n);

/* Writer. */
void kjw_string(kbuf *b, const char *s, size_t n);
/* The same, but false at a byte that is not UTF-8 instead of writing U+FFFD for it. */
bool kjw_string_strict(kbuf *b, const char *s, size_t n);
void kjw_double(kbuf *b, double d);        /* Python repr; non-finite as null */
void kjw_i64(kbuf *b, int64_t v);
#define KJW_I64_MAX 20 /* bytes of the longest int64: -9223372036854775808 */
/* v's digits at dst, which has room for KJW_I64_MAX bytes; returns how many were written.
 * Numbers below 100, the most common in JSON, are written inline. */
extern const char kjw_digit_pairs[201]; /* "00" "01" ... "99" */
size_t kjw_i64_long(char *dst, int64_t v);
static inline size_t kjw_i64_at(char *dst, int64_t v)
{
    if (v >= 0 && v < 10) {
        dst[0] = (char)('0' + v);
        return 1;
    }
    if (v >= 10 && v < 100) {
        memcpy(dst, kjw_digit_pairs + v * 2, 2);
        return 2;
    }
    return kjw_i64_long(dst, v);
}
void kjw_cstring(kbuf *b, const char *s); /* a NUL-terminated string */
void kjw_value(kbuf *b, const kj *v);      /* NULL writes null */
void kjw_jansson(kbuf *b, const json_t *v);
/* pack.c: jansson's json_pack format written straight to bytes (karak_resp_pack). false
 * with the reason in err (every `o` argument released all the same, unless the format is
 * malformed); b then holds a partial text. */
bool kjw_pack(kbuf *b, const char *fmt, va_list ap, char *err, size_t errlen);

/* A new jansson value with the tree's content (a new reference), or NULL when out of
 * memory. Integers beyond int64 become reals; a key given twice keeps its last value, at its
 * first place. */
json_t *kj_to_jansson(const kj *v);

#endif
