/* Compiling a schema at registration: every mistake in a field table (wrong member size,
 * bounds on a string, a pattern that does not compile, a default that does not validate,
 * duplicate names, a nested model where a parameter source cannot have one) is found here
 * and reported with the schema and field named, never per request.
 *
 * Nested parts compile with their field: a KARAK_OBJ field's schema into a kschema this one
 * owns, a KARAK_LIST field's element into a kfield of its own (lists of lists nest), a
 * pattern into PCRE2 code, enum and literal choices into the "'a', 'b' or 'c'" text of their
 * errors. A schema that contains itself, at any depth, is refused: its validation and its
 * encoding would not end. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

/* The schemas being compiled, outermost first: a nested schema already on it is a cycle. */
typedef struct kcompiling kcompiling;
struct kcompiling {
    const karak_schema *s;
    const kcompiling *up;
};

static kschema *compile_schema(const karak_schema *s, ksource source, const kcompiling *up,
                               char *err, size_t errlen);

/* The size of a value of type t (a list element's stride); 0 for KARAK_OBJ (its schema's). */
static size_t kschema_type_size(karak_type t)
{
    switch (t) {
    case KARAK_STR: return sizeof(const char *);
    case KARAK_I64: return sizeof(int64_t);
    case KARAK_I32: return sizeof(int32_t);
    case KARAK_F64: return sizeof(double);
    case KARAK_BOOL: return sizeof(bool);
    case KARAK_OBJ: return 0;
    case KARAK_LIST: return sizeof(karak_list);
    case KARAK_ENUM: return sizeof(int);
    case KARAK_LITERAL: return sizeof(const char *);
    case KARAK_DICT: return sizeof(karak_dict);
    case KARAK_UUID: return sizeof(karak_uuid);
    case KARAK_DATE: return sizeof(karak_date);
    case KARAK_DATETIME: return sizeof(karak_datetime);
    case KARAK_JSON: return sizeof(json_t *);
    }
    return 0;
}

static bool is_number(karak_type t)
{
    return t == KARAK_I64 || t == KARAK_I32 || t == KARAK_F64;
}

static bool field_error(char *err, size_t errlen, const karak_schema *s, const karak_field *f,
                        const char *what)
{
    const char *name = f->alias ? f->alias : f->name && f->name[0] ? f->name : "(list item)";
    snprintf(err, errlen, "schema %s, field '%s': %s", s->name ? s->name : "?", name, what);
    return false;
}

static bool bounds_ok(const karak_field *f, char *err, size_t errlen, const karak_schema *s)
{
    const double b[5] = {f->gt, f->ge, f->lt, f->le, f->multiple_of};
    const bool has[5] = {f->has_gt, f->has_ge, f->has_lt, f->has_le, f->has_multiple_of};
    bool is_int = f->type == KARAK_I64 || f->type == KARAK_I32;
    for (int i = 0; i < 5; i++) {
        if (!has[i]) continue;
        if (!is_number(f->type))
            return field_error(err, errlen, s, f, "numeric bounds on a non-numeric field");
        if (isnan(b[i])) return field_error(err, errlen, s, f, "a bound is NaN");
        if (is_int && (fmod(b[i], 1.0) != 0 || fabs(b[i]) > KARAK_MAX_EXACT_INT))
            return field_error(err, errlen, s, f,
                               "bounds of an integer field must be integers of at most 2^53");
    }
    if (f->has_multiple_of && !(f->multiple_of > 0) && !(f->multiple_of < 0))
        return field_error(err, errlen, s, f, "multiple_of is 0");
    if ((f->min_len || f->max_len) && f->type != KARAK_STR && f->type != KARAK_LIST)
        return field_error(err, errlen, s, f, "min_len/max_len on a field that is not a string "
                                              "or a list");
    if (f->max_len && f->min_len > f->max_len)
        return field_error(err, errlen, s, f, "min_len is greater than max_len");
    return true;
}

static bool compile_pattern(kfield *kf, const karak_schema *s, char *err, size_t errlen)
{
    const karak_field *f = kf->f;
    if (f->pattern == NULL) return true;
    if (f->type != KARAK_STR) return field_error(err, errlen, s, f, "pattern on a non-string field");
    int code = 0;
    PCRE2_SIZE at = 0;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)f->pattern, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP, &code, &at, NULL);
    if (re == NULL) {
        PCRE2_UCHAR why[120];
        pcre2_get_error_message(code, why, sizeof why);
        char what[KARAK_ERRLEN];
        snprintf(what, sizeof what, "pattern '%s' does not compile: %s at offset %zu",
                 f->pattern, (const char *)why, (size_t)at);
        return field_error(err, errlen, s, f, what);
    }
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* the interpreter runs where JIT can't */
    kf->re = re;
    return true;
}

/* "'a', 'b' or 'c'": pydantic's `expected` for enum and literal errors. */
static bool compile_choices(kfield *kf, karena *mem, const karak_schema *s, char *err,
                            size_t errlen)
{
    const karak_field *f = kf->f;
    bool wants = f->type == KARAK_ENUM || f->type == KARAK_LITERAL;
    if (!wants) {
        if (f->choices != NULL)
            return field_error(err, errlen, s, f, "choices on a field that is not an enum or a "
                                                  "literal");
        return true;
    }
    if (f->choices == NULL || f->choices[0] == NULL)
        return field_error(err, errlen, s, f, "an enum or literal field needs choices");
    size_t n = 0;
    while (f->choices[n] != NULL) n++;
    if (f->type == KARAK_ENUM && n > (size_t)INT32_MAX)
        return field_error(err, errlen, s, f, "too many choices");
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(f->choices[i], f->choices[j]) == 0)
                return field_error(err, errlen, s, f, "a choice is listed twice");
    kbuf b;
    kbuf_init(&b, mem, 64);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) kbuf_puts(&b, i + 1 == n ? " or " : ", ");
        kbuf_printf(&b, "'%s'", f->choices[i]);
    }
    kf->expected = kbuf_cstr(&b);
    kf->nchoices = n;
    if (kf->expected == NULL) return field_error(err, errlen, s, f, "out of memory");
    return true;
}

static bool compile_default(kfield *kf, karena *mem, const karak_schema *s, char *err,
                            size_t errlen)
{
    switch (kschema_default(kf, mem)) {
    case KDEFAULT_OK: return true;
    case KDEFAULT_PARSE:
        return field_error(err, errlen, s, kf->f, "default does not parse as the field's type");
    case KDEFAULT_CONSTRAINT: break;
    }
    return field_error(err, errlen, s, kf->f, "default violates the field's constraints");
}

/* What a value of this field may be, wherever it sits: a struct member or a list element. */
static bool compile_value(kfield *kf, kschema *cs, const kcompiling *up, char *err,
                          size_t errlen);

static bool compile_nested(kfield *kf, kschema *cs, const kcompiling *up, char *err,
                           size_t errlen)
{
    const karak_schema *s = cs->schema;
    const karak_field *f = kf->f;
    if (f->type == KARAK_OBJ) {
        if (f->schema == NULL) return field_error(err, errlen, s, f, "a nested model needs .schema");
        if (cs->source != KSRC_BODY)
            return field_error(err, errlen, s, f, "a nested model can only be part of a body");
        for (const kcompiling *c = up; c != NULL; c = c->up)
            if (c->s == f->schema)
                return field_error(err, errlen, s, f, "the schema contains itself (recursive "
                                                      "models are not supported)");
        if (f->flatten && (s->extra == KARAK_EXTRA_FORBID || f->schema->extra == KARAK_EXTRA_FORBID))
            return field_error(err, errlen, s, f, "a flattened model cannot forbid extra keys");
        kschema **grown = realloc(cs->subs, (cs->nsubs + 1) * sizeof *grown);
        if (grown == NULL) return field_error(err, errlen, s, f, "out of memory");
        cs->subs = grown;
        kschema *sub = compile_schema(f->schema, KSRC_BODY, up, err, errlen);
        if (sub == NULL) return false; /* err names the nested schema and its field */
        cs->subs[cs->nsubs++] = sub;
        kf->sub = sub;
        kf->size = f->schema->size;
    } else if (f->schema != NULL || f->flatten) {
        return field_error(err, errlen, s, f, ".schema or .flatten on a field that is not "
                                              "KARAK_OBJ");
    }
    if (f->type == KARAK_DICT && cs->source != KSRC_BODY)
        return field_error(err, errlen, s, f, "a dict can only be part of a body");
    if (f->type == KARAK_LIST || f->type == KARAK_DICT) {
        if (f->items == NULL)
            return field_error(err, errlen, s, f, "a list or dict needs .items");
        if (cs->source == KSRC_PATH || cs->source == KSRC_COOKIE)
            return field_error(err, errlen, s, f, "a list cannot be a path or cookie parameter");
        kfield *item = karena_alloc(&cs->mem, sizeof *item);
        if (item == NULL) return field_error(err, errlen, s, f, "out of memory");
        item->f = f->items;
        kf->item = item;
        karak_type it = item->f->type;
        if (cs->source != KSRC_BODY &&
            (it == KARAK_OBJ || it == KARAK_LIST || it == KARAK_DICT || it == KARAK_JSON))
            return field_error(err, errlen, s, f, "a parameter list holds scalars only");
        if (item->f->dflt != NULL || item->f->optional || item->f->has_offset)
            return field_error(err, errlen, s, f, "a list's items have no default and are not "
                                                  "optional");
        if (!compile_value(item, cs, up, err, errlen)) return false;
    } else if (f->items != NULL) {
        return field_error(err, errlen, s, f, ".items on a field that is not a list or dict");
    }
    return true;
}

static bool compile_value(kfield *kf, kschema *cs, const kcompiling *up, char *err,
                          size_t errlen)
{
    const karak_schema *s = cs->schema;
    const karak_field *f = kf->f;
    if (f->type < KARAK_STR || f->type > KARAK_JSON)
        return field_error(err, errlen, s, f, "unknown type");
    kf->size = kschema_type_size(f->type);
    kf->strict = f->strict || s->strict;
    if (f->check != NULL && (f->type == KARAK_OBJ || f->type == KARAK_LIST ||
                             f->type == KARAK_DICT || f->type == KARAK_JSON))
        return field_error(err, errlen, s, f, "a check on a model, list or dict (check its "
                                              "fields or items)");
    return bounds_ok(f, err, errlen, s) && compile_pattern(kf, s, err, errlen) &&
           compile_choices(kf, &cs->mem, s, err, errlen) &&
           compile_nested(kf, cs, up, err, errlen);
}

const char *const ksource_name[] = {"path", "query", "header", "cookie", "body"};

size_t kschema_field_count(const karak_schema *s)
{
    size_t stride = s->field_size ? s->field_size : sizeof(karak_field);
    size_t n = 0;
    /* `name` is the first member, so it is there whatever the caller's sizeof */
    while (((const karak_field *)(const void *)((const char *)s->fields + n * stride))->name)
        n++;
    return n;
}

const karak_field *kschema_field_at(const karak_schema *s, size_t i, karak_field *tmp)
{
    size_t stride = s->field_size ? s->field_size : sizeof(karak_field);
    const char *at = (const char *)s->fields + i * stride;
    if (stride == sizeof(karak_field)) return (const karak_field *)(const void *)at;
    memset(tmp, 0, sizeof *tmp);
    memcpy(tmp, at, stride < sizeof *tmp ? stride : sizeof *tmp);
    return tmp;
}

/* The name a field has on the wire. FastAPI's Header() converts underscores to hyphens
 * unless an alias is given. */
static const char *wire_key(kschema *cs, const karak_field *f)
{
    if (f->alias != NULL || cs->source != KSRC_HEADER) return f->alias ? f->alias : f->name;
    size_t n = strlen(f->name);
    char *k = karena_alloc_bytes(&cs->mem, n + 1);
    if (k == NULL) return NULL;
    for (size_t j = 0; j < n; j++) k[j] = f->name[j] == '_' ? '-' : f->name[j];
    k[n] = '\0';
    return k;
}

/* "key": as the encoder writes it: the alias or the member's name, whatever the source (a
 * header field x_token is read from x-token but written as x_token, as FastAPI does). */
static bool key_json(kschema *cs, kfield *kf)
{
    const char *k = kf->f->alias ? kf->f->alias : kf->f->name;
    kbuf b;
    kbuf_init(&b, &cs->mem, strlen(k) + 4);
    kjw_string(&b, k, strlen(k));
    kbuf_putc(&b, ':');
    kf->key_json = kbuf_cstr(&b);
    kf->key_json_len = b.len;
    return kf->key_json != NULL;
}

static bool field_ok(kschema *cs, size_t i, const kcompiling *up, char *err, size_t errlen)
{
    const karak_schema *s = cs->schema;
    kfield *kf = &cs->fields[i];
    const karak_field *f = kf->f;
    if (kf->key == NULL || !key_json(cs, kf)) return field_error(err, errlen, s, f, "out of memory");
    if (kf->key[0] == '\0') return field_error(err, errlen, s, f, "empty name");
    for (size_t j = 0; j < i; j++)
        if (strcmp(cs->fields[j].key, kf->key) == 0)
            return field_error(err, errlen, s, f, "duplicate field name");
    if (!compile_value(kf, cs, up, err, errlen)) return false;
    if (f->size != kf->size)
        return field_error(err, errlen, s, f, "member size does not match the field type");
    if (f->offset + f->size > s->size || f->has_offset > s->size)
        return field_error(err, errlen, s, f, "member lies outside the struct");
    /* a string, literal or list says "absent" with NULL; other types need a flag */
    bool null_says_absent = f->type == KARAK_STR || f->type == KARAK_LITERAL ||
                            f->type == KARAK_LIST || f->type == KARAK_DICT ||
                            f->type == KARAK_JSON;
    if ((f->optional || f->nullable) && !null_says_absent && f->has_offset == 0)
        return field_error(err, errlen, s, f,
                           "an optional field of this type needs a presence flag "
                           "(KARAK_FIELD_OPT)");
    if (f->dflt != NULL) return compile_default(kf, &cs->mem, s, err, errlen);
    return true;
}

static kschema *compile_schema(const karak_schema *s, ksource source, const kcompiling *up,
                               char *err, size_t errlen)
{
    if (s->fields == NULL || s->size == 0) {
        snprintf(err, errlen, "schema %s has no field table", s->name ? s->name : "?");
        return NULL;
    }
    if (s->field_size != 0 && s->field_size < sizeof(const char *)) {
        snprintf(err, errlen, "schema %s: field_size %zu is not a karak_field's",
                 s->name ? s->name : "?", s->field_size);
        return NULL;
    }
    if (s->extra != KARAK_EXTRA_IGNORE && s->extra != KARAK_EXTRA_FORBID) {
        snprintf(err, errlen, "schema %s: unknown extra mode %d", s->name ? s->name : "?",
                 (int)s->extra);
        return NULL;
    }
    size_t n = kschema_field_count(s);
    if (s->set_offset != 0 && (s->set_offset - 1 + sizeof(uint64_t) > s->size || n > 64)) {
        snprintf(err, errlen, "schema %s: %s", s->name ? s->name : "?",
                 n > 64 ? "KARAK_FIELDS_SET records at most 64 fields"
                        : "the KARAK_FIELDS_SET member lies outside the struct");
        return NULL;
    }
    kschema *cs = calloc(1, sizeof *cs);
    if (cs != NULL) {
        karena_init(&cs->mem);
        cs->schema = s;
        cs->source = source;
        cs->count = n;
        cs->copies = calloc(n ? n : 1, sizeof *cs->copies);
        cs->fields = calloc(n ? n : 1, sizeof *cs->fields);
    }
    if (cs == NULL || cs->copies == NULL || cs->fields == NULL) {
        kschema_free(cs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    size_t stride = s->field_size ? s->field_size : sizeof(karak_field);
    for (size_t i = 0; i < n; i++) {
        karak_field tmp;
        cs->copies[i] = *kschema_field_at(s, i, &tmp);
        /* a table from a newer header may set members this version does not know */
        const char *entry = (const char *)s->fields + i * stride;
        if (stride > sizeof(karak_field) &&
            !kbytes_zero(entry + sizeof(karak_field), stride - sizeof(karak_field))) {
            snprintf(err, errlen, "schema %s, field '%s': uses options unknown to libkarak %s",
                     s->name ? s->name : "?", cs->copies[i].name, karak_version());
            kschema_free(cs);
            return NULL;
        }
    }
    const kcompiling here = {.s = s, .up = up};
    cs->plain = s->set_offset == 0;
    for (size_t i = 0; i < n; i++) {
        kfield *kf = &cs->fields[i];
        kf->f = &cs->copies[i];
        kf->key = wire_key(cs, kf->f);
        if (!field_ok(cs, i, &here, err, errlen)) {
            kschema_free(cs);
            return NULL;
        }
        if (kf->f->has_offset != 0 || kf->f->exclude_if_null || kf->f->flatten) cs->plain = false;
    }
    if (!kschema_plan(cs)) {
        kschema_free(cs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    return cs;
}

kschema *kschema_compile(const karak_schema *s, ksource source, char *err, size_t errlen)
{
    return compile_schema(s, source, NULL, err, errlen);
}

/* A copy of item, its .items chain and .choices lists in `a` (a route's options may be
 * compound literals that end with the registering call); NULL when out of memory. */
static karak_field *item_copy(karena *a, const karak_field *item)
{
    karak_field *f = karena_alloc(a, sizeof *f);
    if (f == NULL) return NULL;
    *f = *item;
    if (item->items != NULL && (f->items = item_copy(a, item->items)) == NULL) return NULL;
    if (item->choices != NULL) {
        size_t n = 0;
        while (item->choices[n] != NULL) n++;
        const char **c = karena_alloc(a, (n + 1) * sizeof *c);
        if (c == NULL) return NULL;
        memcpy(c, item->choices, (n + 1) * sizeof *c);
        f->choices = c;
    }
    return f;
}

kschema *kschema_compile_item(const karak_field *item, char *err, size_t errlen)
{
    if (item == NULL || item->type < KARAK_STR || item->type > KARAK_JSON) {
        snprintf(err, errlen, "the response item has an unknown type");
        return NULL;
    }
    /* one field at offset 0 of a struct of the item's size: the compiled schema's own */
    typedef struct {
        karena mem;
        karak_schema schema;
        karak_field fields[2];
    } owned;
    owned *o = calloc(1, sizeof *o);
    if (o == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    karena_init(&o->mem);
    karak_field *copy = item_copy(&o->mem, item);
    if (copy == NULL) {
        karena_free(&o->mem);
        free(o);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->fields[0] = *copy;
    o->fields[0].name = "response";
    o->fields[0].offset = 0;
    o->fields[0].size = item->type == KARAK_OBJ && item->schema != NULL
                            ? item->schema->size
                            : kschema_type_size(item->type);
    /* (a struct of at least a byte: a KARAK_OBJ without .schema is then refused for what
       it lacks, not as an empty table) */
    size_t size = o->fields[0].size ? o->fields[0].size : 1;
    o->schema = (karak_schema){.name = "Response", .size = size,
                               .fields = o->fields, .field_size = sizeof(karak_field)};
    kschema *cs = compile_schema(&o->schema, KSRC_BODY, NULL, err, errlen);
    if (cs == NULL) {
        karena_free(&o->mem);
        free(o);
        return NULL;
    }
    cs->owned = o;
    cs->owned_mem = &o->mem;
    return cs;
}

void kfield_release(kfield *kf)
{
    if (kf->re != NULL) pcre2_code_free(kf->re);
    kf->re = NULL;
    if (kf->item != NULL) kfield_release(kf->item);
}

void kschema_free(kschema *cs)
{
    if (cs == NULL) return;
    for (size_t i = 0; cs->fields != NULL && i < cs->count; i++) kfield_release(&cs->fields[i]);
    for (size_t i = 0; i < cs->nsubs; i++) kschema_free(cs->subs[i]);
    free(cs->subs);
    karena_free(&cs->mem);
    free(cs->copies);
    free(cs->fields);
    if (cs->owned_mem != NULL) karena_free(cs->owned_mem);
    free(cs->owned);
    free(cs);
}
