/* The fuzz targets' shared checks and the Item model (see fuzz_common.h). */
#include "fuzz_common.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "\n==fuzz== invariant broken at %s:%d: %s\n==fuzz== ", file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

bool fuzz_utf8_ok(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n); /* jansson refuses invalid UTF-8 */
    bool ok = j != NULL;
    json_decref(j);
    return ok;
}

size_t fuzz_utf8_chars(const char *s, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xC0) != 0x80;
    return chars;
}

json_t *fuzz_json_load(const char *s, size_t n, bool *unholdable, json_error_t *err)
{
    json_t *v = json_loadb(s, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, err);
    enum json_error_code code = json_error_code(err);
    *unholdable = v == NULL && (code == json_error_numeric_overflow ||
                                code == json_error_null_byte_in_key);
    return v;
}

static bool is_source(const char *s)
{
    static const char *const names[] = {"path", "query", "header", "cookie", "body"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(s, names[i]) == 0) return true;
    return false;
}

static void check_loc(const json_t *loc, const char *where)
{
    FUZZ_CHECK(json_is_array(loc) && json_array_size(loc) > 0, "%s: loc is not a list", where);
    const json_t *first = json_array_get(loc, 0);
    FUZZ_CHECK(json_is_string(first) && is_source(json_string_value(first)),
               "%s: loc does not start with a source", where);
    for (size_t i = 1; i < json_array_size(loc); i++) {
        const json_t *e = json_array_get(loc, i);
        FUZZ_CHECK(json_is_string(e) || (json_is_integer(e) && json_integer_value(e) >= 0),
                   "%s: loc element %zu is neither a key nor an index", where, i);
    }
}

void fuzz_check_detail(const json_t *detail, const char *where)
{
    FUZZ_CHECK(json_is_array(detail) && json_array_size(detail) > 0,
               "%s: detail is not a non-empty list", where);
    for (size_t i = 0; i < json_array_size(detail); i++) {
        const json_t *e = json_array_get(detail, i);
        FUZZ_CHECK(json_is_object(e), "%s: error %zu is not an object", where, i);
        const json_t *type = json_object_get(e, "type"), *msg = json_object_get(e, "msg");
        FUZZ_CHECK(json_is_string(type) && json_string_length(type) > 0,
                   "%s: error %zu has no type", where, i);
        FUZZ_CHECK(json_is_string(msg) && json_string_length(msg) > 0,
                   "%s: error %zu has no msg", where, i);
        FUZZ_CHECK(json_object_get(e, "input") != NULL, "%s: error %zu has no input", where, i);
        const json_t *ctx = json_object_get(e, "ctx");
        FUZZ_CHECK(ctx == NULL || json_is_object(ctx), "%s: error %zu: ctx is not an object",
                   where, i);
        check_loc(json_object_get(e, "loc"), where);
    }
}

/* ---- the Item model ---- */

static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR, .min_len = 1, .max_len = 20),
    KARAK_FIELD(Item, description, KARAK_STR, .optional = true),
    KARAK_FIELD(Item, price, KARAK_F64, KARAK_GT(0), KARAK_LE(1e6)),
    KARAK_FIELD_OPT(Item, tax, has_tax, KARAK_F64, KARAK_GE(0), KARAK_LT(100)),
    KARAK_FIELD(Item, qty, KARAK_I32, .dflt = "1", KARAK_GE(0), KARAK_LE(1000)),
    KARAK_FIELD(Item, sku, KARAK_I64, .alias = "SKU"),
    KARAK_FIELD_OPT(Item, rank, has_rank, KARAK_I64, KARAK_GE(-50), KARAK_LT(50)),
    KARAK_FIELD(Item, in_stock, KARAK_BOOL, .dflt = "true"),
    KARAK_FIELD(Item, tag, KARAK_STR, .dflt = "misc", .max_len = 8),
    KARAK_FIELDS_END,
};
const karak_schema fuzz_item_schema = KARAK_SCHEMA(Item, item_fields);

/* A string member is a C string: one that held "\u0000" ends early here, so only the upper
 * bound can be checked from it (fuzz_json checks the lower one with the member's length). */
static void check_str(const char *s, size_t max, const char *field, const char *where)
{
    FUZZ_CHECK(s != NULL, "%s: %s is NULL", where, field);
    size_t n = strlen(s), chars = fuzz_utf8_chars(s, n);
    FUZZ_CHECK(fuzz_utf8_ok(s, n), "%s: %s is not UTF-8", where, field);
    FUZZ_CHECK(max == 0 || chars <= max, "%s: %s has %zu code points", where, field, chars);
}

void fuzz_check_item(const Item *it, const char *where)
{
    FUZZ_CHECK(it != NULL, "%s: no body", where);
    check_str(it->name, 20, "name", where);
    if (it->description != NULL) check_str(it->description, 0, "description", where);
    FUZZ_CHECK(it->price > 0 && it->price <= 1e6, "%s: price %g", where, it->price);
    FUZZ_CHECK(!it->has_tax || (it->tax >= 0 && it->tax < 100), "%s: tax %g", where, it->tax);
    FUZZ_CHECK(it->qty >= 0 && it->qty <= 1000, "%s: qty %d", where, (int)it->qty);
    FUZZ_CHECK(!it->has_rank || (it->rank >= -50 && it->rank < 50), "%s: rank %lld", where,
               (long long)it->rank);
    check_str(it->tag, 8, "tag", where);
}
