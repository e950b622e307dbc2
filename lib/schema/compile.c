/* Compiling a schema at registration: every mistake in a field table (wrong member size,
 * bounds on a string, a default that does not validate, duplicate names) is found here and
 * reported with the schema and field named, never per request. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

static size_t type_size(karak_type t)
{
    switch (t) {
    case KARAK_STR: return sizeof(const char *);
    case KARAK_I64: return sizeof(int64_t);
    case KARAK_I32: return sizeof(int32_t);
    case KARAK_F64: return sizeof(double);
    case KARAK_BOOL: return sizeof(bool);
    }
    return 0;
}

static bool field_error(char *err, size_t errlen, const karak_schema *s, const karak_field *f,
                        const char *what)
{
    snprintf(err, errlen, "schema %s, field '%s': %s", s->name ? s->name : "?",
             f->alias ? f->alias : f->name ? f->name : "?", what);
    return false;
}

static bool bounds_ok(const karak_field *f, char *err, size_t errlen, const karak_schema *s)
{
    const double b[4] = {f->gt, f->ge, f->lt, f->le};
    const bool has[4] = {f->has_gt, f->has_ge, f->has_lt, f->has_le};
    for (int i = 0; i < 4; i++) {
        if (!has[i]) continue;
        if (f->type != KARAK_F64 && f->type != KARAK_I64 && f->type != KARAK_I32)
            return field_error(err, errlen, s, f, "numeric bounds on a non-numeric field");
        if (isnan(b[i])) return field_error(err, errlen, s, f, "a bound is NaN");
        bool is_int = f->type == KARAK_I64 || f->type == KARAK_I32;
        if (is_int && (fmod(b[i], 1.0) != 0 || fabs(b[i]) > KARAK_MAX_EXACT_INT))
            return field_error(err, errlen, s, f,
                               "bounds of an integer field must be integers of at most 2^53");
    }
    if ((f->min_len || f->max_len) && f->type != KARAK_STR)
        return field_error(err, errlen, s, f, "min_len/max_len on a non-string field");
    if (f->max_len && f->min_len > f->max_len)
        return field_error(err, errlen, s, f, "min_len is greater than max_len");
    return true;
}

static bool compile_default(kfield *kf, const karak_schema *s, char *err, size_t errlen)
{
    switch (kschema_default(kf)) {
    case KDEFAULT_OK: return true;
    case KDEFAULT_PARSE:
        return field_error(err, errlen, s, kf->f, "default does not parse as the field's type");
    case KDEFAULT_CONSTRAINT: break;
    }
    return field_error(err, errlen, s, kf->f, "default violates the field's constraints");
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
static const char *wire_key(kschema *cs, size_t i, const karak_field *f, char **store)
{
    if (f->alias != NULL || cs->source != KSRC_HEADER) return f->alias ? f->alias : f->name;
    char *k = *store;
    size_t n = strlen(f->name);
    for (size_t j = 0; j < n; j++) k[j] = f->name[j] == '_' ? '-' : f->name[j];
    k[n] = '\0';
    *store += n + 1;
    (void)i;
    return k;
}

static bool field_ok(kschema *cs, size_t i, char *err, size_t errlen)
{
    const karak_schema *s = cs->schema;
    kfield *kf = &cs->fields[i];
    const karak_field *f = kf->f;
    bool ok = true;
    if (f->type < KARAK_STR || f->type > KARAK_BOOL)
        ok = field_error(err, errlen, s, f, "unknown type");
    else if (f->size != type_size(f->type))
        ok = field_error(err, errlen, s, f, "member size does not match the field type");
    else if (f->offset + f->size > s->size || f->has_offset > s->size)
        ok = field_error(err, errlen, s, f, "member lies outside the struct");
    else if (f->optional && f->type != KARAK_STR && f->has_offset == 0)
        ok = field_error(err, errlen, s, f,
                         "an optional non-string field needs a presence flag (KARAK_FIELD_OPT)");
    else if (kf->key[0] == '\0')
        ok = field_error(err, errlen, s, f, "empty name");
    else
        ok = bounds_ok(f, err, errlen, s);
    for (size_t j = 0; ok && j < i; j++)
        if (strcmp(cs->fields[j].key, kf->key) == 0)
            ok = field_error(err, errlen, s, f, "duplicate field name");
    if (ok && f->dflt != NULL) ok = compile_default(kf, s, err, errlen);
    return ok;
}

kschema *kschema_compile(const karak_schema *s, ksource source, char *err, size_t errlen)
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
    size_t n = kschema_field_count(s), key_bytes = 0;
    kschema *cs = calloc(1, sizeof *cs);
    if (cs != NULL) {
        cs->schema = s;
        cs->source = source;
        cs->count = n;
        cs->copies = calloc(n ? n : 1, sizeof *cs->copies);
        cs->fields = calloc(n ? n : 1, sizeof *cs->fields);
    }
    size_t stride = s->field_size ? s->field_size : sizeof(karak_field);
    for (size_t i = 0; cs != NULL && cs->copies != NULL && i < n; i++) {
        karak_field tmp;
        cs->copies[i] = *kschema_field_at(s, i, &tmp);
        key_bytes += strlen(cs->copies[i].name) + 1;
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
    if (cs != NULL) cs->keys = malloc(key_bytes + 1);
    if (cs == NULL || cs->copies == NULL || cs->fields == NULL || cs->keys == NULL) {
        kschema_free(cs);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char *store = cs->keys;
    for (size_t i = 0; i < n; i++) {
        kfield *kf = &cs->fields[i];
        kf->f = &cs->copies[i];
        kf->key = wire_key(cs, i, kf->f, &store);
        if (!field_ok(cs, i, err, errlen)) {
            kschema_free(cs);
            return NULL;
        }
    }
    return cs;
}

void kschema_free(kschema *cs)
{
    if (cs == NULL) return;
    free(cs->copies);
    free(cs->fields);
    free(cs->keys);
    free(cs);
}
