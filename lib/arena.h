/* Per-request arena and the byte buffer that grows inside it (private).
 *
 * A request's memory comes from one arena: decoded strings, validated structs, the parsed
 * body, the response bytes. karena_reset() releases it all at once and keeps the first block
 * for the next request on the same connection, so a warm connection allocates nothing. */
#ifndef KARAK_ARENA_H
#define KARAK_ARENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
void kbuf_reserve(kbuf *b, size_t extra);
void kbuf_put(kbuf *b, const void *p, size_t n);
void kbuf_puts(kbuf *b, const char *s);
void kbuf_putc(kbuf *b, char ch);
void kbuf_printf(kbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string so far, NUL-terminated (NULL if an allocation failed). */
char *kbuf_cstr(kbuf *b);

#endif
