/* libFuzzer target: arbitrary bytes as a JSON request body, through the layers under the
 * dispatch core: the JSON parser (lib/json/parse.c), the writer (write.c), validation of
 * the Item model (lib/schema/validate.c, errors.c) and lax coercion (coerce.c).
 *
 * The whole input is the body. Invariants, beyond "no crash, no leak, no undefined
 * behaviour" (the input is handed over in a buffer of exactly its size, so a read past
 * `len` is caught even though the server's bodies happen to be NUL-terminated):
 *   - the parser agrees with jansson: what one accepts the other accepts (apart from the
 *     documented differences: a UTF-8 BOM, nesting deeper than KARAK_JSON_MAX_DEPTH,
 *     numbers too large for jansson, "\u0000" in a key; and jansson's own quirk of ending
 *     a number at a NUL byte), with the same values;
 *   - a syntax error has a message and a position inside the text;
 *   - writing a parsed value and parsing it again gives the same bytes when written again;
 *   - an object (or each object of a list, located by its index) validated as an Item
 *     either gives an Item within every bound, whose strings are the members' bytes and
 *     whose numbers are the members' numbers, or errors that render as FastAPI's list,
 *     each of a known type, with "ctx" exactly for the types that have one;
 *   - the same string values validate the same way as JSON members and as query
 *     parameters (both go through pydantic's lax string rules);
 *   - coercion: a plain numeral that is an int is also a float of the same value; a bool is
 *     one of pydantic's twelve words;
 *   - the whole value validated as a Doc, a model of every container and format type
 *     (nested models, lists of models and of lists, a dict, an enum, a literal, a UUID, a
 *     date, a datetime, a pattern, multiple_of, extra="forbid"): an accepted Doc encodes
 *     to JSON that validates again and encodes to the same bytes; refused, its errors are
 *     of known types and render as FastAPI's list. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz_common.h"
#include "schema/schema.h"

#define MAX_COERCED 64 /* strings of one input put through the coercers */

static kschema *body_schema, *query_schema, *doc_schema;

/* ---- Doc: every container and format type ---- */

typedef struct {
    const char *url;
    int kind;
    double w;
    bool has_w;
} Pic;
static const karak_field pic_fields[] = {
    KARAK_FIELD(Pic, url, KARAK_STR, .pattern = "^https?://\\S+$", .max_len = 40),
    KARAK_FIELD(Pic, kind, KARAK_ENUM, .choices = KARAK_CHOICES("png", "jpg", "gif"),
                .dflt = "png"),
    KARAK_FIELD_OPT(Pic, w, has_w, KARAK_F64, KARAK_MULTIPLE_OF(0.5), KARAK_GE(0)),
    KARAK_FIELDS_END,
};
static const karak_schema pic_schema = KARAK_SCHEMA(Pic, pic_fields, .extra = KARAK_EXTRA_FORBID);

typedef struct {
    karak_uuid id;
    karak_date day;
    karak_datetime at;
    bool has_at;
    const char *mode;
    Pic cover;
    KARAK_LIST_OF(Pic) pics;
    KARAK_LIST_OF(karak_list) grid;
    KARAK_DICT_OF(int32_t) score;
    KARAK_LIST_OF(const char *) tags;
    uint64_t set;
} Doc;
static const karak_field doc_fields[] = {
    KARAK_FIELD(Doc, id, KARAK_UUID),
    KARAK_FIELD(Doc, day, KARAK_DATE, .dflt = "2024-02-29"),
    KARAK_FIELD_OPT(Doc, at, has_at, KARAK_DATETIME),
    KARAK_FIELD(Doc, mode, KARAK_LITERAL, .choices = KARAK_CHOICES("a", "b"), .dflt = "a"),
    KARAK_FIELD(Doc, cover, KARAK_OBJ, .schema = &pic_schema),
    KARAK_FIELD(Doc, pics, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &pic_schema),
                .max_len = 8, .dflt = "[]"),
    KARAK_FIELD(Doc, grid, KARAK_LIST,
                .items = KARAK_ITEM(KARAK_LIST, .items = KARAK_ITEM(KARAK_I64, KARAK_LT(100)),
                                    .min_len = 1),
                .optional = true),
    KARAK_FIELD(Doc, score, KARAK_DICT, .items = KARAK_ITEM(KARAK_I32), .dflt = "{}"),
    KARAK_FIELD(Doc, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR, .min_len = 1),
                .optional = true, .min_len = 1),
    KARAK_FIELDS_END,
};
static const karak_schema doc_schema_decl =
    KARAK_SCHEMA(Doc, doc_fields, KARAK_FIELDS_SET(Doc, set));

static void compile_schemas(void)
{
    char err[KARAK_ERRLEN];
    body_schema = kschema_compile(&fuzz_item_schema, KSRC_BODY, err, sizeof err);
    FUZZ_CHECK(body_schema != NULL, "%s", err);
    query_schema = kschema_compile(&fuzz_item_schema, KSRC_QUERY, err, sizeof err);
    FUZZ_CHECK(query_schema != NULL, "%s", err);
    doc_schema = kschema_compile(&doc_schema_decl, KSRC_BODY, err, sizeof err);
    FUZZ_CHECK(doc_schema != NULL, "%s", err);
}

/* ---- the parser against jansson ---- */

static bool same_value(const kj *k, const json_t *j);

static bool same_object(const kj *k, const json_t *j)
{
    /* duplicate keys: both keep the last value */
    size_t distinct = 0;
    for (const kj *m = k->child; m != NULL; m = m->next) {
        const kj *last = m;
        for (const kj *o = m->next; o != NULL; o = o->next)
            if (o->key_len == m->key_len && memcmp(o->key, m->key, m->key_len) == 0) last = o;
        bool first = true;
        for (const kj *o = k->child; o != m; o = o->next)
            if (o->key_len == m->key_len && memcmp(o->key, m->key, m->key_len) == 0) first = false;
        if (!first) continue;
        distinct++;
        const json_t *jv = json_object_getn(j, m->key, m->key_len);
        if (jv == NULL || !same_value(last, jv)) return false;
    }
    return distinct == json_object_size(j);
}

static bool same_value(const kj *k, const json_t *j)
{
    switch (k->type) {
    case KJ_NULL: return json_is_null(j);
    case KJ_BOOL: return json_is_boolean(j) && json_boolean_value(j) == k->b;
    case KJ_INT: return json_is_integer(j) && (double)json_integer_value(j) == k->d;
    case KJ_REAL: return json_is_real(j) && json_real_value(j) == k->d;
    case KJ_STR:
        return json_is_string(j) && json_string_length(j) == k->n &&
               memcmp(json_string_value(j), k->s, k->n) == 0;
    case KJ_ARR: {
        if (!json_is_array(j) || json_array_size(j) != k->n) return false;
        size_t i = 0;
        for (const kj *e = k->child; e != NULL; e = e->next)
            if (!same_value(e, json_array_get(j, i++))) return false;
        return true;
    }
    case KJ_OBJ: return json_is_object(j) && same_object(k, j);
    }
    return false;
}

static void check_against_jansson(const char *text, size_t len, kj_status st, const kj *v,
                                  const kj_error *e)
{
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) return; /* jansson has no BOM rule */
    bool unholdable;
    json_error_t err;
    json_t *j = fuzz_json_load(text, len, &unholdable, &err);
    if (st == KJ_OK) {
        FUZZ_CHECK(j != NULL || unholdable,
                   "libkarak accepts what jansson refuses (%s at %d)", err.text, err.position);
        FUZZ_CHECK(j == NULL || same_value(v, j), "libkarak and jansson read different values");
    } else if (j != NULL) {
        /* a NUL byte is never JSON, but jansson ends a number at one ("0\0" is 0) */
        bool nul = memchr(text, '\0', len) != NULL;
        bool too_deep = st == KJ_SYNTAX && strcmp(e->msg, "Maximum nesting depth exceeded") == 0;
        FUZZ_CHECK(nul || too_deep, "jansson accepts what libkarak refuses (status %d, %s at %zu)",
                   (int)st, st == KJ_SYNTAX ? e->msg : "-", st == KJ_SYNTAX ? e->pos : 0);
    }
    json_decref(j);
}

static void check_error(const char *text, size_t len, kj_status st, const kj_error *e)
{
    FUZZ_CHECK(st == KJ_OK || st == KJ_SYNTAX || st == KJ_ENCODING, "kj_parse status %d",
               (int)st);
    if (st != KJ_SYNTAX) return;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) text += 3, len -= 3;
    FUZZ_CHECK(e->msg != NULL && e->msg[0] != '\0', "a syntax error without a message");
    FUZZ_CHECK(e->pos <= fuzz_utf8_chars(text, len), "error position %zu past the text",
               e->pos);
}

/* write(parse(write(v))) == write(v): the writer's output is JSON the parser reads back
 * to the same value (jansson reads it too). */
static void check_round_trip(karena *a, const kj *v)
{
    kbuf w1, w2;
    kbuf_init(&w1, a, 256);
    kjw_value(&w1, v);
    FUZZ_CHECK(kbuf_cstr(&w1) != NULL, "out of memory");
    kj *back = NULL;
    kj_error e = {0};
    kj_status st = kj_parse(a, w1.data, w1.len, &back, &e);
    FUZZ_CHECK(st == KJ_OK, "the writer's output does not parse (status %d, %s at %zu): %s",
               (int)st, e.msg ? e.msg : "-", e.pos, w1.data);
    kbuf_init(&w2, a, w1.len + 1);
    kjw_value(&w2, back);
    FUZZ_CHECK(kbuf_cstr(&w2) != NULL, "out of memory");
    FUZZ_CHECK(w1.len == w2.len && memcmp(w1.data, w2.data, w1.len) == 0,
               "writing is not stable:\n  %s\n  %s", w1.data, w2.data);
    bool unholdable;
    json_error_t err;
    json_t *j = fuzz_json_load(w1.data, w1.len, &unholdable, &err);
    FUZZ_CHECK(j != NULL || unholdable,
               "jansson refuses the writer's output (%s): %s", err.text, w1.data);
    json_decref(j);
}

/* ---- validation of the Item model ---- */

static const struct {
    const char *type;
    bool ctx;
} error_types[] = {
    {"missing", false},           {"int_parsing", false},       {"int_from_float", false},
    {"int_type", false},          {"int_parsing_size", false},  {"finite_number", false},
    {"float_parsing", false},     {"float_type", false},        {"bool_parsing", false},
    {"bool_type", false},         {"string_type", false},       {"string_too_short", true},
    {"string_too_long", true},    {"greater_than", true},       {"greater_than_equal", true},
    {"less_than", true},          {"less_than_equal", true},    {"value_error", true},
    {"multiple_of", true},        {"string_pattern_mismatch", true},
    {"list_type", false},         {"too_short", true},          {"too_long", true},
    {"model_attributes_type", false}, {"dict_type", false},     {"enum", true},
    {"literal_error", true},      {"extra_forbidden", false},   {"uuid_parsing", true},
    {"uuid_type", false},         {"date_type", false},         {"datetime_type", false},
    {"date_parsing", true},       {"datetime_parsing", true},   {"date_from_datetime_parsing", true},
    {"datetime_from_date_parsing", true}, {"date_from_datetime_inexact", false},
};

static void check_error_types(const kverrs *errs)
{
    for (const kverr *v = errs->head; v != NULL; v = v->next) {
        size_t i = 0, n = sizeof error_types / sizeof *error_types;
        while (i < n && strcmp(error_types[i].type, v->type) != 0) i++;
        FUZZ_CHECK(i < n, "unknown error type %s", v->type);
        FUZZ_CHECK((v->ctx != NULL) == error_types[i].ctx, "%s with%s ctx", v->type,
                   v->ctx ? "" : "out");
    }
}

static void check_rendered(karena *a, const kverrs *errs)
{
    kbuf b;
    kbuf_init(&b, a, 256);
    kverrs_render(errs, &b);
    FUZZ_CHECK(kbuf_cstr(&b) != NULL, "out of memory");
    bool unholdable;
    json_error_t err;
    json_t *j = fuzz_json_load(b.data, b.len, &unholdable, &err);
    if (j == NULL && unholdable) return;
    FUZZ_CHECK(j != NULL, "rendered errors are not JSON (%s): %s", err.text, b.data);
    FUZZ_CHECK(json_array_size(j) == errs->count, "%zu errors rendered as %zu", errs->count,
               json_array_size(j));
    fuzz_check_detail(j, b.data);
    json_decref(j);
}

/* Query parameters read from the object's string members, by the same keys. */
static const char *member_get(void *ud, const char *key, size_t nth, size_t *len)
{
    (void)nth; /* the fuzzed schemas have no list fields */
    const kj *m = kj_get(ud, key);
    if (m == NULL) return NULL;
    *len = m->n;
    return m->s;
}

static bool only_strings(const kj *obj)
{
    for (size_t i = 0; i < query_schema->count; i++) {
        const kj *m = kj_get(obj, query_schema->fields[i].key);
        if (m != NULL && m->type != KJ_STR) return false;
    }
    return true;
}

static bool same_str(const char *x, const char *y)
{
    return (x == NULL && y == NULL) || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

static bool same_item(const Item *x, const Item *y)
{
    return same_str(x->name, y->name) && same_str(x->description, y->description) &&
           memcmp(&x->price, &y->price, sizeof x->price) == 0 && x->has_tax == y->has_tax &&
           (!x->has_tax || memcmp(&x->tax, &y->tax, sizeof x->tax) == 0) && x->qty == y->qty &&
           x->sku == y->sku && x->has_rank == y->has_rank && (!x->has_rank || x->rank == y->rank) &&
           x->in_stock == y->in_stock && same_str(x->tag, y->tag);
}

/* The object's members as query parameters validate exactly as the JSON members did. */
static void check_as_params(karena *a, const kj *obj, const Item *from_json, bool json_ok,
                            const kverrs *json_errs)
{
    if (!only_strings(obj)) return;
    Item it = {0};
    kverrs errs;
    kverrs_init(&errs, a);
    bool ok = kschema_from_params(query_schema, member_get, (void *)obj, &it, &errs);
    FUZZ_CHECK(ok == json_ok && errs.count == json_errs->count,
               "as JSON: %zu errors, as parameters: %zu", json_errs->count, errs.count);
    for (const kverr *p = errs.head, *q = json_errs->head; p != NULL; p = p->next, q = q->next)
        FUZZ_CHECK(strcmp(p->type, q->type) == 0, "as JSON: %s, as parameters: %s", q->type,
                   p->type);
    if (ok) FUZZ_CHECK(same_item(&it, from_json), "JSON and parameters give different Items");
}

/* A string member of a valid Item holds the JSON member's bytes, within its bounds counted
 * as pydantic counts them (code points, "\u0000" included); absent or null, the default. */
static void check_member_str(const kj *obj, const char *key, const char *got, size_t min,
                             size_t max, const char *dflt)
{
    const kj *m = kj_get(obj, key);
    if (m == NULL || m->type == KJ_NULL) {
        FUZZ_CHECK(dflt ? got != NULL && strcmp(got, dflt) == 0 : got == NULL,
                   "%s: absent, but not its default", key);
        return;
    }
    FUZZ_CHECK(m->type == KJ_STR, "%s: a JSON value of type %d became a string", key,
               (int)m->type);
    FUZZ_CHECK(got != NULL && memcmp(got, m->s, m->n) == 0 && got[m->n] == '\0',
               "%s: not the JSON member's bytes", key);
    size_t chars = fuzz_utf8_chars(m->s, m->n);
    FUZZ_CHECK(chars >= min && (max == 0 || chars <= max), "%s: %zu code points", key, chars);
}

/* A numeric member given as a JSON number holds that number (an integer member: exactly,
 * since a double of the digits and one of the int64 round the same). */
static void check_member_num(const kj *obj, const char *key, double got, bool present)
{
    const kj *m = kj_get(obj, key);
    if (m == NULL || !present || (m->type != KJ_INT && m->type != KJ_REAL)) return;
    FUZZ_CHECK(got == m->d, "%s: %.17g from the JSON number %.17g", key, got, m->d);
}

static void check_members(const kj *obj, const Item *it)
{
    check_member_str(obj, "name", it->name, 1, 20, NULL);
    check_member_str(obj, "description", it->description, 0, 0, NULL);
    check_member_str(obj, "tag", it->tag, 0, 8, "misc");
    check_member_num(obj, "price", it->price, true);
    check_member_num(obj, "tax", it->tax, it->has_tax);
    check_member_num(obj, "qty", it->qty, true);
    check_member_num(obj, "SKU", (double)it->sku, true);
    check_member_num(obj, "rank", (double)it->rank, it->has_rank);
}

/* Validates one object as an Item, at ["body"] or ["body", index]. */
static void validate_item(karena *a, const kj *obj, long index)
{
    Item it = {0};
    kverrs errs;
    kverrs_init(&errs, a);
    kloc body = KLOC_KEY(NULL, "body");
    kloc item = KLOC_IDX(&body, index >= 0 ? (size_t)index : 0);
    const kloc *loc_p = index >= 0 ? &item : &body;
    bool ok = kschema_from_json(body_schema, obj, &it, loc_p, &errs);
    FUZZ_CHECK(!errs.nomem, "out of memory");
    FUZZ_CHECK(ok == (errs.count == 0), "valid, with %zu errors", errs.count);
    if (ok) {
        fuzz_check_item(&it, "Item");
        check_members(obj, &it);
    } else {
        check_error_types(&errs);
        check_rendered(a, &errs);
    }
    check_as_params(a, obj, &it, ok, &errs);
}

/* ---- a Doc: validate, encode, validate the encoding again ---- */

static bool doc_from(karena *a, const kj *v, Doc *d, kverrs *errs)
{
    memset(d, 0, sizeof *d);
    kverrs_init(errs, a);
    kloc body = KLOC_KEY(NULL, "body");
    if (v->type != KJ_OBJ) return false;
    return kschema_from_json(doc_schema, v, d, &body, errs);
}

static void check_doc(karena *a, const kj *v)
{
    Doc d;
    kverrs errs;
    bool ok = doc_from(a, v, &d, &errs);
    FUZZ_CHECK(!errs.nomem, "out of memory");
    if (v->type != KJ_OBJ) return;
    if (!ok) {
        FUZZ_CHECK(errs.count > 0, "refused without an error");
        check_error_types(&errs);
        check_rendered(a, &errs);
        return;
    }
    kbuf once;
    kbuf_init(&once, a, 256);
    kschema_encode(&once, doc_schema, &d, 0);
    FUZZ_CHECK(kbuf_cstr(&once) != NULL, "out of memory");
    kj *again = NULL;
    kj_error e;
    FUZZ_CHECK(kj_parse(a, once.data, once.len, &again, &e) == KJ_OK,
               "the encoding of an accepted Doc is not JSON: %s", once.data);
    Doc d2;
    FUZZ_CHECK(doc_from(a, again, &d2, &errs), "the encoding of an accepted Doc is refused: %s",
               once.data);
    kbuf twice;
    kbuf_init(&twice, a, 256);
    kschema_encode(&twice, doc_schema, &d2, 0);
    FUZZ_CHECK(kbuf_cstr(&twice) != NULL, "out of memory");
    FUZZ_CHECK(once.len == twice.len && memcmp(once.data, twice.data, once.len) == 0,
               "a Doc encodes differently after a round trip:\n%s\n%s", once.data, twice.data);
}

/* ---- coercion ---- */

static bool is_bool_word(const char *s, size_t n)
{
    static const char *const words[] = {"0", "off", "f", "false", "n", "no",
                                        "1", "on",  "t", "true",  "y", "yes"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strlen(words[i]) == n && strncasecmp(words[i], s, n) == 0) return true;
    return false;
}

/* A numeral without pydantic-core's quirks: no underscore, and a minus sign only first.
 * (Its int and float rules differ on "0__7", "0-1", " 1_0": the int takes them, the float
 * does not.) */
static bool plain_numeral(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r'))) i++;
    if (i < n && (s[i] == '-' || s[i] == '+')) i++;
    for (; i < n; i++)
        if (s[i] == '_' || s[i] == '-' || s[i] == '+' || (unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static void check_coercion(const char *s, size_t n)
{
    int64_t i = 0;
    int overflow = 0;
    double d = 0;
    bool b;
    kc_result ri = kc_int_from_str(s, n, &i, &overflow);
    kc_result rf = kc_float_from_str(s, n, &d);
    FUZZ_CHECK(rf != KC_NOMEM, "out of memory");
    if (!plain_numeral(s, n)) ri = KC_PARSING; /* nothing to compare */
    if (ri == KC_OK)
        FUZZ_CHECK(rf == KC_OK && (double)i == d, "int %lld but float %s (%.17g)",
                   (long long)i, rf == KC_OK ? "ok" : "refused", d);
    if (ri == KC_TOO_BIG && overflow != 0)
        FUZZ_CHECK(rf == KC_OK && fabs(d) >= 9223372036854775807.0,
                   "beyond int64 but float %.17g", d);
    if (kc_bool_from_str(s, n, &b) == KC_OK)
        FUZZ_CHECK(is_bool_word(s, n), "a bool from a word pydantic does not take");
}

/* Every string in the value (up to MAX_COERCED of them), and every object as an Item. */
static void walk(karena *a, const kj *v, long index, size_t *coerced)
{
    if (v->type == KJ_STR && (*coerced)++ < MAX_COERCED) check_coercion(v->s, v->n);
    if (v->type == KJ_OBJ) validate_item(a, v, index);
    if (v->type != KJ_ARR && v->type != KJ_OBJ) return;
    long i = 0;
    for (const kj *e = v->child; e != NULL; e = e->next, i++)
        walk(a, e, v->type == KJ_ARR ? i : -1, coerced);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (body_schema == NULL) compile_schemas();
    const char *text = (const char *)data;
    karena a;
    karena_init(&a);
    kj *v = NULL;
    kj_error e = {0};
    kj_status st = kj_parse(&a, text, size, &v, &e);
    check_error(text, size, st, &e);
    check_against_jansson(text, size, st, v, &e);
    check_coercion(text, size);
    if (st == KJ_OK) {
        check_round_trip(&a, v);
        size_t coerced = 0;
        walk(&a, v, -1, &coerced);
        check_doc(&a, v);
    }
    karena_free(&a);
    return 0;
}
