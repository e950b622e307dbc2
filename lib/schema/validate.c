/* Schemas: field tables over C structs, compiled once, used to validate request data into
 * structs and to encode structs as JSON.
 *
 * Validation follows pydantic v2 in lax mode as FastAPI runs it: JSON values and parameter
 * strings are coerced (coerce.c), constraints are checked in pydantic-core's order
 * (int/float: le, lt, ge, gt; str: min_length, max_length), and every failing field adds one
 * error with pydantic's type, message, input and ctx. Integers outside the C member's range
 * fail as if the field had been declared ge=<min>, le=<max> (a libkarak rule: a C member
 * cannot hold more, and saying so in pydantic's words tells the client the limit). */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"

/* A value on its way from the input to the struct. */
typedef struct kscalar {
    int64_t i;
    double d;
    bool b;
    const char *s;
    size_t n;
    int overflow; /* integers: -1/+1 beyond int64 */
} kscalar;

typedef enum kerr_kind {
    KE_NONE,
    KE_INT_PARSING,
    KE_INT_FROM_FLOAT,
    KE_INT_TYPE,
    KE_INT_PARSING_SIZE,
    KE_FINITE_NUMBER,
    KE_FLOAT_PARSING,
    KE_FLOAT_TYPE,
    KE_BOOL_PARSING,
    KE_BOOL_TYPE,
    KE_STRING_TYPE,
    KE_NOMEM, /* not a validation error: the request ends in a 500 */
} kerr_kind;

static const struct {
    const char *type;
    const char *msg;
} kerr_text[] = {
    [KE_INT_PARSING] = {"int_parsing",
                        "Input should be a valid integer, unable to parse string as an integer"},
    [KE_INT_FROM_FLOAT] = {"int_from_float",
                           "Input should be a valid integer, got a number with a fractional part"},
    [KE_INT_TYPE] = {"int_type", "Input should be a valid integer"},
    [KE_INT_PARSING_SIZE] = {"int_parsing_size",
                             "Unable to parse input string as an integer, exceeded maximum size"},
    [KE_FINITE_NUMBER] = {"finite_number", "Input should be a finite number"},
    [KE_FLOAT_PARSING] = {"float_parsing",
                          "Input should be a valid number, unable to parse string as a number"},
    [KE_FLOAT_TYPE] = {"float_type", "Input should be a valid number"},
    [KE_BOOL_PARSING] = {"bool_parsing", "Input should be a valid boolean, unable to interpret input"},
    [KE_BOOL_TYPE] = {"bool_type", "Input should be a valid boolean"},
    [KE_STRING_TYPE] = {"string_type", "Input should be a valid string"},
};

static const char msg_missing[] = "Field required";

/* ------------------------------------------------------------------------------------ */
/* Coercion of one value                                                                */

static kerr_kind int_from_str(const char *s, size_t n, kscalar *v)
{
    switch (kc_int_from_str(s, n, &v->i, &v->overflow)) {
    case KC_OK: return KE_NONE;
    case KC_TOO_BIG: return KE_NONE; /* range-checked with the bounds */
    default: return KE_INT_PARSING;
    }
}

/* pydantic-core float_as_int */
static kerr_kind int_from_double(double d, kscalar *v)
{
    if (!isfinite(d)) return KE_FINITE_NUMBER;
    if (fmod(d, 1.0) != 0) return KE_INT_FROM_FLOAT;
    if (!(d > -9223372036854775808.0 && d < 9223372036854775808.0)) return KE_INT_PARSING_SIZE;
    v->i = (int64_t)d;
    return KE_NONE;
}

static kerr_kind coerce_str(karak_type t, const char *s, size_t n, kscalar *v)
{
    switch (t) {
    case KARAK_STR:
        v->s = s;
        v->n = n;
        return KE_NONE;
    case KARAK_I64:
    case KARAK_I32: return int_from_str(s, n, v);
    case KARAK_F64:
        switch (kc_float_from_str(s, n, &v->d)) {
        case KC_OK: return KE_NONE;
        case KC_NOMEM: return KE_NOMEM;
        default: return KE_FLOAT_PARSING;
        }
    case KARAK_BOOL: return kc_bool_from_str(s, n, &v->b) == KC_OK ? KE_NONE : KE_BOOL_PARSING;
    }
    return KE_STRING_TYPE;
}

static kerr_kind coerce_json(karak_type t, const kj *j, kscalar *v)
{
    if (j->type == KJ_STR) {
        /* JSON strings go through the same lax string rules as parameters. */
        return coerce_str(t, j->s, j->n, v);
    }
    switch (t) {
    case KARAK_STR: return KE_STRING_TYPE;
    case KARAK_I64:
    case KARAK_I32:
        if (j->type == KJ_INT) return int_from_str(j->s, j->n, v);
        if (j->type == KJ_REAL) return int_from_double(j->d, v);
        if (j->type == KJ_BOOL) {
            v->i = j->b;
            return KE_NONE;
        }
        return KE_INT_TYPE;
    case KARAK_F64:
        if (j->type == KJ_INT || j->type == KJ_REAL) {
            v->d = j->d;
            return KE_NONE;
        }
        if (j->type == KJ_BOOL) {
            v->d = j->b ? 1.0 : 0.0;
            return KE_NONE;
        }
        return KE_FLOAT_TYPE;
    case KARAK_BOOL:
        if (j->type == KJ_BOOL) {
            v->b = j->b;
            return KE_NONE;
        }
        if (j->type == KJ_INT) {
            if (j->n == 1 && (j->s[0] == '0' || j->s[0] == '1')) {
                v->b = j->s[0] == '1';
                return KE_NONE;
            }
            return KE_BOOL_PARSING;
        }
        if (j->type == KJ_REAL && (j->d == 0.0 || j->d == 1.0)) {
            v->b = j->d == 1.0;
            return KE_NONE;
        }
        return KE_BOOL_TYPE;
    }
    return KE_STRING_TYPE;
}

/* ------------------------------------------------------------------------------------ */
/* Constraints                                                                          */

typedef struct kcheck {
    const char *raw; /* parameters: the string the input is made of, on the first error */
    size_t raw_n;
    const kfield *kf;
    const kloc *loc;
    const kj *input;
    kverrs *errs;
} kcheck;

/* The error's input: the JSON value, or a string node made from a parameter's raw text.
 * NULL only when out of memory, which is then recorded. */
static const kj *input_of(const kcheck *k)
{
    if (k->input != NULL) return k->input;
    const kj *made = kj_new_str(k->errs->arena, k->raw, k->raw_n);
    if (made == NULL) k->errs->nomem = true;
    return made;
}

/* Adds a bound error: "Input should be greater than 3", ctx {"gt":3} (float fields: the
 * message prints the bound as Rust's Display, ctx as Python's repr: 0 / 0.0). */
static bool bound_error(const kcheck *k, const char *type, const char *words, const char *key,
                        double bound)
{
    karena *a = k->errs->arena;
    char num[KARAK_NUM_DISPLAY_MAX];
    kbuf msg, ctx;
    kbuf_init(&msg, a, 64);
    kbuf_init(&ctx, a, 32);
    knum_display(num, bound);
    kbuf_printf(&msg, "Input should be %s %s", words, num);
    kbuf_printf(&ctx, "{\"%s\":", key);
    kjw_double(&ctx, bound);
    kbuf_putc(&ctx, '}');
    kverrs_add_built(k->errs, type, k->loc, &msg, input_of(k), &ctx);
    return false;
}

/* The same for integer fields, whose bounds print as integers. */
static bool int_bound_error(const kcheck *k, const char *type, const char *words, const char *key,
                            int64_t bound)
{
    karena *a = k->errs->arena;
    kbuf msg, ctx;
    kbuf_init(&msg, a, 64);
    kbuf_init(&ctx, a, 32);
    kbuf_printf(&msg, "Input should be %s %" PRId64, words, bound);
    kbuf_printf(&ctx, "{\"%s\":%" PRId64 "}", key, bound);
    kverrs_add_built(k->errs, type, k->loc, &msg, input_of(k), &ctx);
    return false;
}

#define LE_WORDS "less than or equal to"
#define GE_WORDS "greater than or equal to"

static bool check_int(const kcheck *k, const kscalar *v)
{
    const karak_field *f = k->kf->f;
    int64_t lo = f->type == KARAK_I32 ? INT32_MIN : INT64_MIN;
    int64_t hi = f->type == KARAK_I32 ? INT32_MAX : INT64_MAX;
    bool pos_big = v->overflow > 0, neg_big = v->overflow < 0;
    /* user bounds are integers of at most 2^53 (checked at registration): exact as int64 */
    int64_t x = v->i;
    if (f->has_le && (pos_big || (!neg_big && x > (int64_t)f->le)))
        return int_bound_error(k, "less_than_equal", LE_WORDS, "le", (int64_t)f->le);
    if (f->has_lt && (pos_big || (!neg_big && x >= (int64_t)f->lt)))
        return int_bound_error(k, "less_than", "less than", "lt", (int64_t)f->lt);
    if (f->has_ge && (neg_big || (!pos_big && x < (int64_t)f->ge)))
        return int_bound_error(k, "greater_than_equal", GE_WORDS, "ge", (int64_t)f->ge);
    if (f->has_gt && (neg_big || (!pos_big && x <= (int64_t)f->gt)))
        return int_bound_error(k, "greater_than", "greater than", "gt", (int64_t)f->gt);
    /* the C member's range, as if declared ge=<min>, le=<max> */
    if (pos_big || x > hi) return int_bound_error(k, "less_than_equal", LE_WORDS, "le", hi);
    if (neg_big || x < lo) return int_bound_error(k, "greater_than_equal", GE_WORDS, "ge", lo);
    return true;
}

static bool check_float(const kcheck *k, double x)
{
    const karak_field *f = k->kf->f;
    if (f->has_le && !(x <= f->le))
        return bound_error(k, "less_than_equal", LE_WORDS, "le", f->le);
    if (f->has_lt && !(x < f->lt)) return bound_error(k, "less_than", "less than", "lt", f->lt);
    if (f->has_ge && !(x >= f->ge))
        return bound_error(k, "greater_than_equal", GE_WORDS, "ge", f->ge);
    if (f->has_gt && !(x > f->gt))
        return bound_error(k, "greater_than", "greater than", "gt", f->gt);
    return true;
}

static bool check_str(const kcheck *k, const kscalar *v)
{
    const karak_field *f = k->kf->f;
    if (f->min_len == 0 && f->max_len == 0) return true;
    size_t chars = kutf8_count(v->s, v->n);
    karena *a = k->errs->arena;
    kbuf msg, ctx;
    if (f->min_len > 0 && chars < f->min_len) {
        kbuf_init(&msg, a, 64);
        kbuf_init(&ctx, a, 32);
        kbuf_printf(&msg, "String should have at least %zu character%s", f->min_len,
                    f->min_len == 1 ? "" : "s");
        kbuf_printf(&ctx, "{\"min_length\":%zu}", f->min_len);
        kverrs_add_built(k->errs, "string_too_short", k->loc, &msg, input_of(k), &ctx);
        return false;
    }
    if (f->max_len > 0 && chars > f->max_len) {
        kbuf_init(&msg, a, 64);
        kbuf_init(&ctx, a, 32);
        kbuf_printf(&msg, "String should have at most %zu character%s", f->max_len,
                    f->max_len == 1 ? "" : "s");
        kbuf_printf(&ctx, "{\"max_length\":%zu}", f->max_len);
        kverrs_add_built(k->errs, "string_too_long", k->loc, &msg, input_of(k), &ctx);
        return false;
    }
    return true;
}

static bool check_constraints(const kcheck *k, const kscalar *v)
{
    switch (k->kf->f->type) {
    case KARAK_I64:
    case KARAK_I32: return check_int(k, v);
    case KARAK_F64: return check_float(k, v->d);
    case KARAK_STR: return check_str(k, v);
    case KARAK_BOOL: return true;
    }
    return true;
}

/* ------------------------------------------------------------------------------------ */
/* Storing into the struct                                                              */

static void set_present(const karak_field *f, void *out, bool present)
{
    if (f->has_offset > 0) *(bool *)((char *)out + f->has_offset - 1) = present;
}

static bool store(const kfield *kf, const kscalar *v, void *out, karena *a)
{
    const karak_field *f = kf->f;
    char *p = (char *)out + f->offset;
    switch (f->type) {
    case KARAK_STR: {
        char *s = karena_strndup(a, v->s, v->n);
        if (s == NULL) return false;
        memcpy(p, &s, sizeof s);
        break;
    }
    case KARAK_I64: memcpy(p, &v->i, sizeof v->i); break;
    case KARAK_I32: {
        int32_t x = (int32_t)v->i;
        memcpy(p, &x, sizeof x);
        break;
    }
    case KARAK_F64: memcpy(p, &v->d, sizeof v->d); break;
    case KARAK_BOOL: memcpy(p, &v->b, sizeof v->b); break;
    }
    set_present(f, out, true);
    return true;
}

static void store_default(const kfield *kf, void *out)
{
    kscalar v = {.i = kf->dflt_i, .d = kf->dflt_d, .b = kf->dflt_b, .s = kf->dflt_s};
    const karak_field *f = kf->f;
    if (f->type == KARAK_STR) {
        memcpy((char *)out + f->offset, &kf->dflt_s, sizeof kf->dflt_s);
        set_present(f, out, true);
        return;
    }
    store(kf, &v, out, NULL);
}

/* Absent (or JSON null in an optional field): default, optional, or `missing`. */
static bool absent(const kfield *kf, void *out, const kloc *loc, const kj *input, kverrs *errs)
{
    if (kf->has_default) {
        store_default(kf, out);
        return true;
    }
    if (kf->f->optional) {
        set_present(kf->f, out, false);
        return true;
    }
    kverrs_add(errs, "missing", loc, msg_missing, input, NULL);
    return false;
}

static bool accept(const kcheck *k, kerr_kind e, const kscalar *v, void *out)
{
    if (e == KE_NOMEM) {
        k->errs->nomem = true;
        return false;
    }
    if (e != KE_NONE) {
        const kj *input = input_of(k);
        if (input != NULL) kverrs_add(k->errs, kerr_text[e].type, k->loc, kerr_text[e].msg,
                                      input, NULL);
        return false;
    }
    if (!check_constraints(k, v)) return false;
    if (!store(k->kf, v, out, k->errs->arena)) {
        k->errs->nomem = true;
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------------------ */
/* Entry points                                                                         */

bool kschema_from_json(const kschema *cs, const kj *obj, void *out, kloc *loc, kverrs *errs)
{
    size_t before = errs->count;
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        const kj *v = kj_get(obj, kf->key);
        kloc_push_key(loc, kf->key);
        if (v == NULL || (v->type == KJ_NULL && kf->f->optional)) {
            /* pydantic reports the whole enclosing object as a missing field's input */
            absent(kf, out, loc, obj, errs);
        } else {
            kscalar sv = {0};
            kcheck k = {.kf = kf, .loc = loc, .input = v, .errs = errs};
            accept(&k, coerce_json(kf->f->type, v, &sv), &sv, out);
        }
        kloc_pop(loc);
    }
    return errs->count == before && !errs->nomem;
}

bool kschema_from_params(const kschema *cs, kparam_get get, void *ud, void *out, kverrs *errs)
{
    size_t before = errs->count;
    kloc loc = {.n = 0};
    kloc_push_key(&loc, ksource_name[cs->source]);
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        size_t n = 0;
        const char *s = get(ud, kf->key, &n);
        kloc_push_key(&loc, kf->key);
        if (s == NULL) {
            absent(kf, out, &loc, NULL, errs);
        } else {
            kscalar sv = {0};
            /* the input of a parameter error is its raw string, also for bounds; it is made
               only when there is an error */
            kcheck k = {.kf = kf, .loc = &loc, .errs = errs, .raw = s, .raw_n = n};
            kerr_kind e = coerce_str(kf->f->type, s, n, &sv);
            accept(&k, e, &sv, out);
        }
        kloc_pop(&loc);
    }
    return errs->count == before && !errs->nomem;
}

kdefault_result kschema_default(kfield *kf)
{
    const karak_field *f = kf->f;
    const char *d = f->dflt;
    kscalar v = {0};
    if (coerce_str(f->type, d, strlen(d), &v) != KE_NONE || v.overflow != 0)
        return KDEFAULT_PARSE;
    karena scratch;
    karena_init(&scratch);
    kverrs errs;
    kverrs_init(&errs, &scratch);
    kloc loc = {.n = 0};
    kcheck k = {.kf = kf, .loc = &loc, .errs = &errs};
    bool ok = check_constraints(&k, &v);
    karena_free(&scratch);
    if (!ok) return KDEFAULT_CONSTRAINT;
    kf->has_default = true;
    kf->dflt_i = v.i;
    kf->dflt_d = v.d;
    kf->dflt_b = v.b;
    kf->dflt_s = d; /* the field table is static: its default string is too */
    return KDEFAULT_OK;
}
