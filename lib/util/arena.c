/* Per-request arena: bump allocation in blocks, released at once (see util.h).
 * This file owns memory only; it knows nothing of requests. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include "util/util.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define KARENA_FIRST_BLOCK KARAK_ARENA_FIRST_BLOCK
#define KARENA_ALIGN KARAK_ARENA_ALIGN

struct karena_block {
    karena_block *next;
    size_t cap;
    size_t used;
    _Alignas(KARENA_ALIGN) unsigned char data[];
};

/* Blocks of KARAK_ARENA_MMAP_MIN bytes or more (a large body and what is made from it) are
 * mapped from the kernel and unmapped when released, so that their memory leaves the
 * process at once: freed to malloc, it stays in the process (glibc raises its mmap
 * threshold after such a free and keeps the next ones in its heaps), and a server whose
 * idle connections once received large bodies would keep their peak. */
static size_t block_bytes(size_t cap)
{
    return sizeof(karena_block) + cap;
}

static bool block_mapped(size_t cap)
{
    return block_bytes(cap) >= KARAK_ARENA_MMAP_MIN;
}

static karena_block *block_new(size_t cap)
{
    if (cap > SIZE_MAX - sizeof(karena_block) - KARENA_ALIGN) return NULL; /* would wrap */
    karena_block *b;
    if (block_mapped(cap)) {
        void *m = mmap(NULL, block_bytes(cap), PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        b = m == MAP_FAILED ? NULL : m;
    } else {
        b = malloc(block_bytes(cap));
    }
    if (b == NULL) return NULL;
    b->next = NULL;
    b->cap = cap;
    b->used = 0;
    return b;
}

static void block_free(karena_block *b)
{
    if (b == NULL) return;
    if (block_mapped(b->cap))
        munmap(b, block_bytes(b->cap));
    else
        free(b);
}

void karena_init(karena *a)
{
    a->head = NULL;
    a->keep = NULL;
    a->last = NULL;
}

void karena_reset(karena *a)
{
    karena_block *b = a->head;
    while (b != NULL && b != a->keep) {
        karena_block *next = b->next;
        block_free(b);
        b = next;
    }
    /* An oversized first block (a large body) is not worth holding on an idle connection. */
    if (a->keep != NULL && a->keep->cap > KARENA_FIRST_BLOCK * KARAK_ARENA_KEEP_FACTOR) {
        block_free(a->keep);
        a->keep = NULL;
    }
    a->head = a->keep;
    if (a->keep != NULL) a->keep->used = 0;
    a->last = NULL;
}

void karena_free(karena *a)
{
    karena_reset(a);
    block_free(a->keep);
    karena_init(a);
}

/* Fault injection for the tests (see util.h): the countdown is -1 in normal operation, so
 * the hot path pays one relaxed load and a predictable branch. */
static atomic_long chaos_countdown = -1;

void kchaos_fail_after(long n)
{
    atomic_store(&chaos_countdown, n < 0 ? -1 : n);
}

bool kchaos_struck(void)
{
    return atomic_load(&chaos_countdown) < -1;
}

static bool chaos_strikes(void)
{
    if (atomic_load_explicit(&chaos_countdown, memory_order_relaxed) < 0) return false;
    /* reaching 0 fails this allocation; the count then goes below -1: "struck" */
    long left = atomic_fetch_sub_explicit(&chaos_countdown, 1, memory_order_relaxed);
    if (left == 0) atomic_store(&chaos_countdown, -2);
    return left == 0;
}

static void *alloc_aligned(karena *a, size_t size, size_t align)
{
    if (chaos_strikes()) return NULL;
    karena_block *b = a->head;
    if (b != NULL) {
        size_t at = (b->used + align - 1) & ~(align - 1);
        if (at <= b->cap && size <= b->cap - at) {
            b->used = at + size;
            a->last = b->data + at;
            return a->last;
        }
    }
    size_t cap = KARENA_FIRST_BLOCK;
    if (b != NULL && b->cap * 2 > cap) cap = b->cap * 2;
    if (cap < size) cap = size;
    karena_block *nb = block_new(cap);
    if (nb == NULL) return NULL;
    nb->next = b;
    nb->used = size;
    a->head = nb;
    if (a->keep == NULL) a->keep = nb;
    a->last = nb->data;
    return a->last;
}

void *karena_alloc(karena *a, size_t size)
{
    void *p = alloc_aligned(a, size ? size : 1, KARENA_ALIGN);
    if (p != NULL) memset(p, 0, size);
    return p;
}

void *karena_alloc_bytes(karena *a, size_t size)
{
    return alloc_aligned(a, size ? size : 1, 1);
}

void *karena_grow(karena *a, void *p, size_t old_size, size_t new_size)
{
    karena_block *b = a->head;
    if (p != NULL && p == a->last && b != NULL) {
        size_t at = (size_t)((unsigned char *)p - b->data);
        if (new_size <= b->cap - at) {
            b->used = at + new_size;
            return p;
        }
    }
    void *np = alloc_aligned(a, new_size, KARENA_ALIGN);
    if (np != NULL && p != NULL && old_size > 0) memcpy(np, p, old_size);
    return np;
}

char *karena_strndup(karena *a, const char *s, size_t n)
{
    char *d = karena_alloc_bytes(a, n + 1);
    if (d == NULL) return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void kbuf_init(kbuf *b, karena *a, size_t initial)
{
    b->arena = a;
    b->len = 0;
    b->failed = false;
    b->cap = initial ? initial : 256;
    b->data = karena_alloc_bytes(a, b->cap);
    if (b->data == NULL) {
        b->failed = true;
        b->cap = 0;
    }
}

void kbuf_grow(kbuf *b, size_t extra)
{
    if (b->failed || b->cap - b->len > extra) return; /* keep room for the NUL */
    size_t cap = b->cap * 2;
    while (cap - b->len <= extra) cap *= 2;
    char *d = karena_grow(b->arena, b->data, b->len, cap);
    if (d == NULL) {
        b->failed = true;
        return;
    }
    b->data = d;
    b->cap = cap;
}

void kbuf_put_grow(kbuf *b, const void *p, size_t n)
{
    kbuf_reserve(b, n);
    if (b->failed) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void kbuf_puts(kbuf *b, const char *s)
{
    kbuf_put(b, s, strlen(s));
}

void kbuf_putc_grow(kbuf *b, char ch)
{
    kbuf_reserve(b, 1);
    if (b->failed) return;
    b->data[b->len++] = ch;
}

void kbuf_printf(kbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof tmp) {
        kbuf_put(b, tmp, (size_t)n);
        return;
    }
    kbuf_reserve(b, (size_t)n);
    if (b->failed) return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *kbuf_cstr(kbuf *b)
{
    kbuf_reserve(b, 1);
    if (b->failed) return NULL;
    b->data[b->len] = '\0';
    return b->data;
}
