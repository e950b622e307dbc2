/* What the libFuzzer targets share: the entry point's prototype, the check that turns a
 * broken invariant into a crash libFuzzer saves, oracles that do not come from libkarak
 * (jansson reads the JSON libkarak writes and judges its UTF-8), and the Item model that
 * both fuzz_dispatch and fuzz_json validate bodies against.
 *
 * An invariant is checked with FUZZ_CHECK(cond, fmt, ...): on failure it prints the
 * condition and the message, then abort()s, so the input is saved as a crash artifact like
 * any ASan or UBSan report. */
#ifndef KARAK_FUZZ_COMMON_H
#define KARAK_FUZZ_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <karak.h>

/* libFuzzer calls it once per input; -Wmissing-prototypes wants it declared. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

_Noreturn void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
#define FUZZ_CHECK(cond, ...)                                                                 \
    do {                                                                                      \
        if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                       \
    } while (0)

/* True when the n bytes are UTF-8 as jansson accepts it (no overlongs, no surrogates,
 * nothing above U+10FFFF; NUL allowed): an oracle independent of lib/util/utf8.c. */
bool fuzz_utf8_ok(const char *s, size_t n);
/* Code points of valid UTF-8, counted independently of kutf8_count. */
size_t fuzz_utf8_chars(const char *s, size_t n);

/* Parses n bytes of JSON with jansson (any top-level value, "\u0000" allowed). Valid JSON
 * that jansson cannot hold (a number beyond its types, "\u0000" in a key) is NULL with
 * *unholdable set; any other failure is NULL with *unholdable false and the reason in err.
 * A new reference. */
json_t *fuzz_json_load(const char *s, size_t n, bool *unholdable, json_error_t *err);

/* The checks of a 422 body's "detail": a non-empty array of {"type","loc","msg","input"}
 * (+ "ctx"), each loc a non-empty array starting with a source name and going on with
 * strings and indexes. */
void fuzz_check_detail(const json_t *detail, const char *where);

/* ---- the Item model (a JSON body) ---- */

typedef struct Item {
    const char *name;        /* 1 to 20 code points */
    const char *description; /* optional */
    double price;            /* > 0, <= 1e6 */
    double tax;              /* optional: >= 0, < 100 */
    bool has_tax;
    int32_t qty;             /* default 1; 0 to 1000 */
    int64_t sku;             /* JSON key "SKU"; any int64 */
    int64_t rank;            /* optional: -50 <= rank < 50 */
    bool has_rank;
    bool in_stock;           /* default true */
    const char *tag;         /* default "misc"; at most 8 code points */
} Item;

extern const karak_schema fuzz_item_schema;

/* Asserts that a validated Item satisfies every constraint of its schema: what a handler
 * receives must never be out of bounds, whatever the body was. */
void fuzz_check_item(const Item *it, const char *where);

#endif
