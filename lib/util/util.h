/* The bottom layer (private): memory, bytes, text and numbers, with no idea of HTTP, JSON
 * or schemas. Every other layer may include this header; it includes none of theirs.
 *
 * Per-request arena: a request's memory comes from one arena (decoded strings, validated
 * structs, the parsed body, the response bytes). karena_reset() releases it all at once and
 * keeps the first block for the next request on the same connection, so a warm connection
 * allocates nothing. */
#ifndef KARAK_UTIL_H
#define KARAK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/limits.h"

/* A borrowed run of bytes. */
typedef struct kslice {
    const char *s;
    size_t n;
} kslice;

/* ---- arena (arena.c) ---- */

typedef struct karena_block karena_block;

typedef struct karena {
    karena_block *head;   /* current block; older ones follow through ->next */
    karena_block *keep;   /* the first block, kept across resets */
    void *last;           /* the most recent allocation, which may grow in place */
} karena;

void karena_init(karena *a);
void karena_reset(karena *a);
void karena_free(karena *a);

/* Zeroed memory aligned for any type, or NULL when out of memory. */
void *karena_alloc(karena *a, size_t size);
/* Uninitialised memory with byte alignment (strings, buffers). */
void *karena_alloc_bytes(karena *a, size_t size);
/* Fault injection, for tests only ("fail every allocation once", as jansson's test_chaos):
 * kchaos_fail_after(n) makes the n-th arena allocation from now (0: the next) fail, once;
 * -1 turns it off. kchaos_struck() tells whether the failure has happened since. */
void kchaos_fail_after(long n);
bool kchaos_struck(void);

/* Resizes the most recent allocation in place when possible, else copies. */
void *karena_grow(karena *a, void *p, size_t old_size, size_t new_size);
char *karena_strndup(karena *a, const char *s, size_t n);

/* A growable byte string in an arena. Always NUL-terminated once kbuf_cstr() is called.
 * On allocation failure `failed` is set and further writes are ignored. */
typedef struct kbuf {
    karena *arena;
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} kbuf;

void kbuf_init(kbuf *b, karena *a, size_t initial);
void kbuf_grow(kbuf *b, size_t extra);
/* Room for `extra` more bytes and the NUL (sets `failed` when out of memory). */
static inline void kbuf_reserve(kbuf *b, size_t extra)
{
    if (!b->failed && b->cap - b->len <= extra) kbuf_grow(b, extra);
}
/* memcpy for the short copies a JSON writer makes (keys, small values): overlapping fixed
 * 8- and 4-byte moves the compiler inlines, instead of a call into libc. */
static inline void kcopy(char *dst, const char *src, size_t n)
{
    if (n >= 8 && n <= 16) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4 && n < 8) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else if (n < 4) {
        for (size_t i = 0; i < n; i++) dst[i] = src[i];
    } else {
        memcpy(dst, src, n);
    }
}
void kbuf_put_grow(kbuf *b, const void *p, size_t n);
/* n bytes: inline while there is room (and room for the NUL), else through the grower. */
static inline void kbuf_put(kbuf *b, const void *p, size_t n)
{
    if (b->cap - b->len > n && !b->failed) {
        kcopy(b->data + b->len, p, n);
        b->len += n;
    } else {
        kbuf_put_grow(b, p, n);
    }
}
void kbuf_puts(kbuf *b, const char *s);
void kbuf_putc_grow(kbuf *b, char ch);
/* One byte: inline while there is room (and room for the NUL), else through the grower. */
static inline void kbuf_putc(kbuf *b, char ch)
{
    if (b->cap - b->len > 1 && !b->failed) b->data[b->len++] = ch;
    else kbuf_putc_grow(b, ch);
}
void kbuf_printf(kbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string so far, NUL-terminated (NULL if an allocation failed). */
char *kbuf_cstr(kbuf *b);

/* ---- bytes and text (text.c) ---- */

static inline bool kis_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* ASCII whitespace as Rust's trim() (pydantic-core) sees it: space, \t \n \v \f \r. */
static inline bool kis_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* ASCII whitespace as Python's str.strip() sees it: kis_space and the separators
 * 0x1C-0x1F. */
static inline bool kis_pyspace(char c)
{
    return kis_space(c) || (c >= 0x1C && c <= 0x1F);
}

static inline bool kis_octal(char c)
{
    return c >= '0' && c <= '7';
}

static inline bool kis_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The value of a hex digit, or -1. */
static inline int khexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A malloc'd, NUL-terminated copy of n bytes (NULL when out of memory). */
char *kstrndup(const char *s, size_t n);
/* kstrndup of a C string; NULL gives NULL. */
char *kstrdup(const char *s);

/* True when the n bytes at p are all zero (n may be 0). */
bool kbytes_zero(const void *p, size_t n);


/* ---- UTF-8 (utf8.c) ---- */

/* true when the bytes are valid UTF-8 (no surrogates, no overlongs). */
bool kutf8_valid(const char *s, size_t n);
/* Length of the sequence at s (n >= 1 bytes left): a valid character (*valid = true) or the
 * maximal ill-formed subpart that one U+FFFD replaces (*valid = false). */
size_t kutf8_next(const char *s, size_t n, bool *valid);
/* Number of code points in valid UTF-8. */
size_t kutf8_count(const char *s, size_t n);
/* Appends the UTF-8 encoding of code point cp. */
void kutf8_put(kbuf *b, unsigned cp);
/* s itself when valid, else an arena copy with each ill-formed subpart replaced by U+FFFD
 * (Python's errors="replace"). NULL when out of memory. */
char *kutf8_repair(karena *a, char *s, size_t n, size_t *out_len);

/* ---- percent-coding (pct.c) ---- */

/* Python's urllib.parse.unquote (with `plus_is_space`: unquote_plus), UTF-8 with
 * errors="replace": invalid escapes stay as they are. NUL-terminated, in the arena. */
char *kpct_decode(karena *a, const char *s, size_t n, bool plus_is_space, size_t *out_len);
/* Writes s with every byte outside the unreserved set and `safe` escaped as %XX. */
void kpct_encode(kbuf *b, const char *s, size_t n, const char *safe);

/* ---- numbers as text and back (numfmt.c), whatever the C locale ---- */

/* Python repr of a finite double into buf (>= KARAK_NUM_REPR_MAX bytes, any of which may be
 * written); returns the length. */
size_t knum_repr(char *buf, double d);
/* Rust's Display of a finite double (no exponent, no trailing ".0"), as pydantic prints
 * bounds in messages; buf >= KARAK_NUM_DISPLAY_MAX bytes, as above. Its digits are repr's
 * but for an exact tie between two shortest decimals, where Rust takes the larger and
 * Python the even one (562949953421312.25: "...312.3", repr "...312.2"). */
size_t knum_display(char *buf, double d);
/* The double nearest to the decimal numeral s[0..n) (of two, the even one):
 * [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)? -- JSON's numbers, and the
 * looser forms Python's float() and Rust's f64 take ("+1", "1.", ".5", "007"). No spaces,
 * underscores or inf/nan words: callers handle those. Too large is +-inf and too small +-0,
 * as with strtod. false, *out untouched, when s is not such a numeral. */
bool knum_parse_double(const char *s, size_t n, double *out);

#endif
