/* Schemas: field tables over C structs, compiled once, used to validate request data into
 * structs and to encode structs as JSON.
 *
 * Validation follows pydantic v2 in lax mode as FastAPI runs it: JSON values and parameter
 * strings are coerced (coerce.c), constraints are checked in pydantic-core's order
 * (int/float: le, lt, ge, gt; str: min_length, max_length), and every failing field adds one
 * error with pydantic's type, message, input and ctx. Integers outside the C member's range
 * fail as if the field had been declared ge=<min>, le=<max> (a libkarak rule: a C member
 * cannot hold more, and saying so in pydantic's words tells the client the limit).
 *
 * Nested values recurse: a model validates its fields into the embedded struct, a list its
 * items into an arena array (pydantic-core's list validator: more items than max_length is
 * too_long alone; item errors are reported before, and instead of, too_short), an enum or a
 * literal matches its choices exactly. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <inttypes.h>
#include <math.h>
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"
#include "util/formats.h"

/* A value on its way from the input to the struct. */
typedef struct kscalar {
    int64_t i;
    double d;
    bool b;
    const char *s;
    size_t n;
    int overflow; /* integers: -1/+1 beyond int64 */
    karak_uuid uuid;
    karak_date date;
    karak_datetime datetime;
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
    case KARAK_ENUM:
    case KARAK_LITERAL:
        v->s = s; /* matched against the choices with the constraints */
        v->n = n;
        return KE_NONE;
    case KARAK_OBJ:
    case KARAK_LIST:
    case KARAK_DICT:
    case KARAK_UUID:
    case KARAK_DATE:
    case KARAK_DATETIME:
    case KARAK_JSON: break; /* containers, formats, any: each validated on its own */
    }
    return KE_STRING_TYPE;
}

/* Strict mode (pydantic's strict=True): the JSON value must have the field's own type. */
static kerr_kind strict_json(karak_type t, const kj *j)
{
    switch (t) {
    case KARAK_I64:
    case KARAK_I32: return j->type == KJ_INT ? KE_NONE : KE_INT_TYPE;
    case KARAK_F64: return j->type == KJ_INT || j->type == KJ_REAL ? KE_NONE : KE_FLOAT_TYPE;
    case KARAK_BOOL: return j->type == KJ_BOOL ? KE_NONE : KE_BOOL_TYPE;
    case KARAK_STR: return j->type == KJ_STR ? KE_NONE : KE_STRING_TYPE;
    default: return KE_NONE; /* the other types have no lax mode to leave */
    }
}

/* ...and a parameter, always a string, is only ever a str. */
static kerr_kind strict_str(karak_type t)
{
    switch (t) {
    case KARAK_I64:
    case KARAK_I32: return KE_INT_TYPE;
    case KARAK_F64: return KE_FLOAT_TYPE;
    case KARAK_BOOL: return KE_BOOL_TYPE;
    default: return KE_NONE;
    }
}

static kerr_kind coerce_json(karak_type t, const kj *j, kscalar *v)
{
    if (j->type == KJ_STR) {
        /* JSON strings go through the same lax string rules as parameters. */
        return coerce_str(t, j->s, j->n, v);
    }
    switch (t) {
    case KARAK_STR: return KE_STRING_TYPE;
    case KARAK_ENUM:
    case KARAK_LITERAL:
        v->s = NULL; /* no choice is a non-string: the choice check reports it */
        return KE_NONE;
    case KARAK_OBJ:
    case KARAK_LIST:
    case KARAK_DICT:
    case KARAK_UUID:
    case KARAK_DATE:
    case KARAK_DATETIME:
    case KARAK_JSON: return KE_STRING_TYPE; /* not reached: validated on their own */
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
            /* an integer literal beyond the double range: Python's float(int) overflows and
               pydantic answers float_type */
            if (!isfinite(j->d)) return KE_FLOAT_TYPE;
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
    if (f->has_multiple_of && !pos_big && !neg_big && x % (int64_t)f->multiple_of != 0)
        return int_bound_error(k, "multiple_of", "a multiple of", "multiple_of",
                               (int64_t)f->multiple_of);
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

/* pydantic-core's float multiple_of: the remainder against the nearest multiple, within an
 * absolute 1e-9 (a quotient beyond the double range never is one; NaN and inf pass). */
static bool float_multiple_ok(double x, double m)
{
    double r = x - round(x / m) * m;
    return !(fabs(r) > 1e-9 && fabs(r - m) > 1e-9);
}

static bool check_float(const kcheck *k, double x)
{
    const karak_field *f = k->kf->f;
    if (f->has_multiple_of && !float_multiple_ok(x, f->multiple_of))
        return bound_error(k, "multiple_of", "a multiple of", "multiple_of", f->multiple_of);
    if (f->has_le && !(x <= f->le))
        return bound_error(k, "less_than_equal", LE_WORDS, "le", f->le);
    if (f->has_lt && !(x < f->lt)) return bound_error(k, "less_than", "less than", "lt", f->lt);
    if (f->has_ge && !(x >= f->ge))
        return bound_error(k, "greater_than_equal", GE_WORDS, "ge", f->ge);
    if (f->has_gt && !(x > f->gt))
        return bound_error(k, "greater_than", "greater than", "gt", f->gt);
    return true;
}

/* A string is stored NUL-terminated for C; one holding U+0000 would be cut short where it is
 * read, so it is refused, never truncated (a libkarak rule: pydantic keeps it). */
static bool check_no_nul(const kcheck *k, const kscalar *v)
{
    if (v->n == 0 || memchr(v->s, '\0', v->n) == NULL) return true;
    kverrs_add(k->errs, "value_error", k->loc,
               "Value error, the string contains a NUL character (U+0000), which libkarak "
               "does not accept",
               input_of(k), "{\"error\":{}}");
    return false;
}

static bool check_pattern(const kcheck *k, const kscalar *v)
{
    const kfield *kf = k->kf;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(kf->re, NULL);
    if (md == NULL) {
        k->errs->nomem = true;
        return false;
    }
    int rc = pcre2_match(kf->re, (PCRE2_SPTR)v->s, v->n, 0, PCRE2_NO_UTF_CHECK, md, NULL);
    pcre2_match_data_free(md);
    if (rc >= 0) return true;
    if (rc != PCRE2_ERROR_NOMATCH) { /* a match limit: not the client's fault to report */
        k->errs->nomem = true;
        return false;
    }
    karena *a = k->errs->arena;
    const char *p = kf->f->pattern;
    kbuf msg, ctx;
    kbuf_init(&msg, a, 64);
    kbuf_init(&ctx, a, 32);
    kbuf_printf(&msg, "String should match pattern '%s'", p);
    kbuf_puts(&ctx, "{\"pattern\":");
    kjw_string(&ctx, p, strlen(p));
    kbuf_putc(&ctx, '}');
    kverrs_add_built(k->errs, "string_pattern_mismatch", k->loc, &msg, input_of(k), &ctx);
    return false;
}

static bool check_str(const kcheck *k, const kscalar *v)
{
    const karak_field *f = k->kf->f;
    if (!check_no_nul(k, v)) return false;
    if (f->min_len == 0 && f->max_len == 0) return k->kf->re == NULL || check_pattern(k, v);
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
    return k->kf->re == NULL || check_pattern(k, v);
}

/* Enum and literal values: one of the choices, exactly (a non-string never is). */
static bool check_choice(const kcheck *k, kscalar *v)
{
    const kfield *kf = k->kf;
    for (size_t i = 0; v->s != NULL && i < kf->nchoices; i++) {
        const char *c = kf->f->choices[i];
        if (strlen(c) == v->n && memcmp(c, v->s, v->n) == 0) {
            v->i = (int64_t)i;
            v->s = c;
            return true;
        }
    }
    karena *a = k->errs->arena;
    kbuf msg, ctx;
    kbuf_init(&msg, a, 64);
    kbuf_init(&ctx, a, 64);
    kbuf_printf(&msg, "Input should be %s", kf->expected);
    kbuf_puts(&ctx, "{\"expected\":");
    kjw_string(&ctx, kf->expected, strlen(kf->expected));
    kbuf_putc(&ctx, '}');
    kverrs_add_built(k->errs, kf->f->type == KARAK_ENUM ? "enum" : "literal_error", k->loc,
                     &msg, input_of(k), &ctx);
    return false;
}

static bool check_constraints(const kcheck *k, kscalar *v)
{
    switch (k->kf->f->type) {
    case KARAK_I64:
    case KARAK_I32: return check_int(k, v);
    case KARAK_F64: return check_float(k, v->d);
    case KARAK_STR: return check_str(k, v);
    case KARAK_ENUM:
    case KARAK_LITERAL: return check_choice(k, v);
    case KARAK_BOOL:
    case KARAK_OBJ:
    case KARAK_LIST:
    case KARAK_DICT:
    case KARAK_UUID:
    case KARAK_DATE:
    case KARAK_DATETIME:
    case KARAK_JSON: return true;
    }
    return true;
}

/* ------------------------------------------------------------------------------------ */
/* Storing                                                                              */

static void set_present(const karak_field *f, void *out, bool present)
{
    if (f->has_offset > 0) *(bool *)((char *)out + f->has_offset - 1) = present;
}

/* A scalar, enum or literal value at `dst` (a struct member or a list slot). */
static bool store(const kfield *kf, const kscalar *v, void *dst, karena *a)
{
    switch (kf->f->type) {
    case KARAK_STR: {
        char *s = karena_strndup(a, v->s, v->n);
        if (s == NULL) return false;
        memcpy(dst, &s, sizeof s);
        break;
    }
    case KARAK_LITERAL: memcpy(dst, &v->s, sizeof v->s); break; /* the static choice */
    case KARAK_I64: memcpy(dst, &v->i, sizeof v->i); break;
    case KARAK_I32: {
        int32_t x = (int32_t)v->i;
        memcpy(dst, &x, sizeof x);
        break;
    }
    case KARAK_ENUM: {
        int x = (int)v->i;
        memcpy(dst, &x, sizeof x);
        break;
    }
    case KARAK_F64: memcpy(dst, &v->d, sizeof v->d); break;
    case KARAK_BOOL: memcpy(dst, &v->b, sizeof v->b); break;
    case KARAK_OBJ:
    case KARAK_UUID: memcpy(dst, &v->uuid, sizeof v->uuid); break;
    case KARAK_DATE: memcpy(dst, &v->date, sizeof v->date); break;
    case KARAK_DATETIME: memcpy(dst, &v->datetime, sizeof v->datetime); break;
    case KARAK_LIST:
    case KARAK_DICT:
    case KARAK_JSON: break; /* stored by their own validators */
    }
    return true;
}

/* The field's own validator, on the stored value: "Value error, <its message>" with
 * FastAPI's ctx for a ValueError, {"error": {}}. */
static bool run_check(const kcheck *k, const void *dst)
{
    int (*fn)(const void *, char *, size_t) = k->kf->f->check;
    if (fn == NULL) return true;
    char why[KARAK_ERRLEN] = "";
    if (fn(dst, why, sizeof why) == 0) return true;
    why[sizeof why - 1] = '\0';
    kbuf msg, ctx;
    kbuf_init(&msg, k->errs->arena, 64);
    kbuf_init(&ctx, k->errs->arena, 16);
    kbuf_printf(&msg, "Value error, %s", why);
    kbuf_puts(&ctx, "{\"error\":{}}");
    kverrs_add_built(k->errs, "value_error", k->loc, &msg, input_of(k), &ctx);
    return false;
}

/* The error of a value that did not coerce, or its constraints, then the store. */
static bool accept(const kcheck *k, kerr_kind e, kscalar *v, void *dst)
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
    if (!store(k->kf, v, dst, k->errs->arena)) {
        k->errs->nomem = true;
        return false;
    }
    return run_check(k, dst);
}

/* ------------------------------------------------------------------------------------ */
/* UUIDs, dates and datetimes (util/formats.h parses them as pydantic does)             */

static bool is_format(karak_type t)
{
    return t == KARAK_UUID || t == KARAK_DATE || t == KARAK_DATETIME;
}

/* A parse error: pydantic's type, "prefix + text", ctx {"error": text} when it has one. */
static void format_error(const kcheck *k, const kfmt_err *fe)
{
    const kj *input = input_of(k);
    if (input == NULL) return;
    if (!fe->has_ctx) {
        kverrs_add(k->errs, fe->type, k->loc, fe->prefix, input, NULL);
        return;
    }
    kbuf msg, ctx;
    kbuf_init(&msg, k->errs->arena, 96);
    kbuf_init(&ctx, k->errs->arena, 64);
    kbuf_puts(&msg, fe->prefix);
    kbuf_put(&msg, fe->text, fe->len);
    kbuf_puts(&ctx, "{\"error\":");
    kjw_string(&ctx, fe->text, fe->len);
    kbuf_putc(&ctx, '}');
    kverrs_add_built(k->errs, fe->type, k->loc, &msg, input, &ctx);
}

static int format_from_str(karak_type t, const char *s, size_t n, kscalar *v, kfmt_err *fe)
{
    switch (t) {
    case KARAK_UUID: return kfmt_uuid_parse(s, n, &v->uuid, fe);
    case KARAK_DATE: return kfmt_date_parse(s, n, &v->date, fe);
    default: return kfmt_datetime_parse(s, n, &v->datetime, fe);
    }
}

/* Dates and datetimes also come from JSON numbers: Unix timestamps. */
static int format_from_number(karak_type t, const kj *j, kscalar *v, kfmt_err *fe)
{
    int64_t i = 0;
    int overflow = 0;
    bool integer = j->type == KJ_INT && kc_int_from_str(j->s, j->n, &i, &overflow) == KC_OK &&
                   overflow == 0;
    if (t == KARAK_DATE)
        return integer ? kfmt_date_from_int(i, &v->date, fe)
                       : kfmt_date_from_double(j->d, &v->date, fe);
    return integer ? kfmt_datetime_from_int(i, &v->datetime, fe)
                   : kfmt_datetime_from_double(j->d, &v->datetime, fe);
}

/* A format value from a parameter's string (j NULL) or a JSON value. */
static bool format_value(const kcheck *k, const kj *j, const char *s, size_t n, void *dst)
{
    karak_type t = k->kf->f->type;
    kscalar v = {0};
    kfmt_err fe;
    int rc;
    if (j == NULL || j->type == KJ_STR) {
        rc = format_from_str(t, j ? j->s : s, j ? j->n : n, &v, &fe);
    } else if (t != KARAK_UUID && (j->type == KJ_INT || j->type == KJ_REAL)) {
        rc = format_from_number(t, j, &v, &fe);
    } else {
        kverrs_add(k->errs,
                   t == KARAK_UUID ? KFMT_UUID_TYPE : t == KARAK_DATE ? KFMT_DATE_TYPE
                                                                      : KFMT_DATETIME_TYPE,
                   k->loc,
                   t == KARAK_UUID ? KFMT_UUID_TYPE_MSG
                   : t == KARAK_DATE ? KFMT_DATE_TYPE_MSG
                                     : KFMT_DATETIME_TYPE_MSG,
                   j, NULL);
        return false;
    }
    if (rc != 0) {
        format_error(k, &fe);
        return false;
    }
    return store(k->kf, &v, dst, k->errs->arena) && run_check(k, dst);
}

/* A present empty list points here, so that items == NULL can mean null. */
static const char empty_list[1];

static void store_list(void *dst, void *items, size_t len)
{
    karak_list l = {.items = items != NULL ? items : (void *)(uintptr_t)empty_list, .len = len};
    memcpy(dst, &l, sizeof l);
}

/* List-level errors: too_long / too_short with pydantic's ctx. */
static void list_len_error(kverrs *errs, const kloc *loc, const kj *input, bool too_long,
                           size_t bound, size_t actual)
{
    kbuf msg, ctx;
    kbuf_init(&msg, errs->arena, 80);
    kbuf_init(&ctx, errs->arena, 80);
    kbuf_printf(&msg, "List should have at %s %zu item%s after validation, not %zu",
                too_long ? "most" : "least", bound, bound == 1 ? "" : "s", actual);
    kbuf_printf(&ctx, "{\"field_type\":\"List\",\"%s\":%zu,\"actual_length\":%zu}",
                too_long ? "max_length" : "min_length", bound, actual);
    kverrs_add_built(errs, too_long ? "too_long" : "too_short", loc, &msg, input, &ctx);
}

/* ------------------------------------------------------------------------------------ */
/* From JSON                                                                            */

static bool value_from_json(const kfield *kf, const kj *j, void *dst, const kloc *loc,
                            kverrs *errs);
static bool format_value(const kcheck *k, const kj *j, const char *s, size_t n, void *dst);

static const char msg_not_model[] =
    "Input should be a valid dictionary or object to extract fields from";

static bool list_from_json(const kfield *kf, const kj *j, void *dst, const kloc *loc,
                           kverrs *errs)
{
    const karak_field *f = kf->f;
    if (j->type != KJ_ARR) {
        kverrs_add(errs, "list_type", loc, "Input should be a valid list", j, NULL);
        return false;
    }
    if (f->max_len > 0 && j->n > f->max_len) {
        list_len_error(errs, loc, j, true, f->max_len, j->n);
        return false;
    }
    const kfield *item = kf->item;
    char *items = NULL;
    if (j->n > 0) {
        items = karena_alloc(errs->arena, j->n * item->size);
        if (items == NULL) {
            errs->nomem = true;
            return false;
        }
    }
    size_t before = errs->count, i = 0;
    for (const kj *e = j->child; e != NULL; e = e->next, i++) {
        kloc at = KLOC_IDX(loc, i);
        value_from_json(item, e, items + i * item->size, &at, errs);
    }
    if (errs->count != before || errs->nomem) return false;
    if (j->n < f->min_len) {
        list_len_error(errs, loc, j, false, f->min_len, j->n);
        return false;
    }
    store_list(dst, items, j->n);
    return true;
}

/* A dict's members as Python's dict keeps them: in the order of each key's first
 * appearance, with the value of its last. An open-addressing table over the member list
 * (one pass, whatever the duplicates) gives each member the index of its key's entry. */
typedef struct dict_entry {
    const kj *key;   /* the first member with this key */
    const kj *value; /* the last one's value */
} dict_entry;

static uint64_t key_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

static size_t dict_entries(karena *a, const kj *obj, dict_entry *out)
{
    size_t cap = 16;
    while (cap < 2 * obj->n) cap *= 2;
    size_t *slot = karena_alloc(a, cap * sizeof *slot); /* entry index + 1; 0: free */
    if (slot == NULL) return SIZE_MAX;
    size_t n = 0;
    for (const kj *m = obj->child; m != NULL; m = m->next) {
        size_t h = (size_t)key_hash(m->key, m->key_len) & (cap - 1);
        while (slot[h] != 0) {
            const kj *k = out[slot[h] - 1].key;
            if (k->key_len == m->key_len && memcmp(k->key, m->key, m->key_len) == 0) break;
            h = (h + 1) & (cap - 1);
        }
        if (slot[h] == 0) {
            out[n] = (dict_entry){.key = m, .value = m};
            slot[h] = ++n;
        } else {
            out[slot[h] - 1].value = m;
        }
    }
    return n;
}

static bool dict_from_json(const kfield *kf, const kj *j, void *dst, const kloc *loc,
                           kverrs *errs)
{
    if (j->type != KJ_OBJ) {
        kverrs_add(errs, "dict_type", loc, "Input should be a valid dictionary", j, NULL);
        return false;
    }
    dict_entry *e = karena_alloc(errs->arena, (j->n ? j->n : 1) * sizeof *e);
    size_t n = e != NULL ? dict_entries(errs->arena, j, e) : SIZE_MAX;
    const kfield *item = kf->item;
    const char **keys = karena_alloc(errs->arena, (n ? n : 1) * sizeof *keys);
    char *values = karena_alloc(errs->arena, (n ? n : 1) * item->size);
    if (n == SIZE_MAX || keys == NULL || values == NULL) {
        errs->nomem = true;
        return false;
    }
    size_t before = errs->count;
    for (size_t i = 0; i < n; i++) {
        keys[i] = karena_strndup(errs->arena, e[i].key->key, e[i].key->key_len);
        if (keys[i] == NULL) {
            errs->nomem = true;
            return false;
        }
        kloc at = KLOC_KEY(loc, keys[i]);
        if (memchr(e[i].key->key, '\0', e[i].key->key_len) != NULL) {
            kscalar key = {.s = e[i].key->key, .n = e[i].key->key_len};
            kcheck k = {.kf = item, .loc = &at, .input = kj_new_str(errs->arena, key.s, key.n),
                        .errs = errs};
            if (k.input == NULL) errs->nomem = true;
            else check_no_nul(&k, &key);
            continue;
        }
        value_from_json(item, e[i].value, values + i * item->size, &at, errs);
    }
    if (errs->count != before || errs->nomem) return false;
    karak_dict d = {.keys = keys, .values = values, .len = n};
    memcpy(dst, &d, sizeof d);
    return true;
}

static void json_release(void *v)
{
    json_decref(v);
}

/* Any JSON value, handed over as jansson's, released after the response. */
static bool any_value(const kj *j, void *dst, kverrs *errs)
{
    json_t *v = kj_to_jansson(j);
    if (v == NULL || (errs->defer != NULL && errs->defer(errs->defer_ud, json_release, v) != 0)) {
        errs->nomem = true; /* a failed defer has released v already */
        return false;
    }
    if (errs->defer == NULL) { /* no request to outlive: a registration-time check */
        json_decref(v);
        v = NULL;
    }
    memcpy(dst, &v, sizeof v);
    return true;
}

static bool value_from_json(const kfield *kf, const kj *j, void *dst, const kloc *loc,
                            kverrs *errs)
{
    switch (kf->f->type) {
    case KARAK_JSON: return any_value(j, dst, errs);
    case KARAK_OBJ:
        if (j->type != KJ_OBJ) {
            kverrs_add(errs, "model_attributes_type", loc, msg_not_model, j, NULL);
            return false;
        }
        return kschema_from_json(kf->sub, j, dst, loc, errs);
    case KARAK_LIST: return list_from_json(kf, j, dst, loc, errs);
    case KARAK_DICT: return dict_from_json(kf, j, dst, loc, errs);
    default: break;
    }
    kscalar sv = {0};
    kcheck k = {.kf = kf, .loc = loc, .input = j, .errs = errs};
    if (is_format(kf->f->type)) return format_value(&k, j, NULL, 0, dst);
    kerr_kind e = kf->strict ? strict_json(kf->f->type, j) : KE_NONE;
    if (e == KE_NONE) e = coerce_json(kf->f->type, j, &sv);
    return accept(&k, e, &sv, dst);
}

/* Absent (or JSON null in an optional field): default, optional, or `missing`. */
static bool absent(const kfield *kf, void *out, const kloc *loc, const kj *input, kverrs *errs)
{
    const karak_field *f = kf->f;
    void *dst = (char *)out + f->offset;
    if (kf->dflt_json != NULL) {
        /* validated at registration: this cannot fail but for memory */
        kverrs quiet;
        kverrs_init(&quiet, errs->arena);
        quiet.defer = errs->defer;
        quiet.defer_ud = errs->defer_ud;
        if (!value_from_json(kf, kf->dflt_json, dst, loc, &quiet)) errs->nomem = true;
        set_present(f, out, true);
        return true;
    }
    if (kf->has_default) {
        kscalar v = {.i = kf->dflt_i, .d = kf->dflt_d, .b = kf->dflt_b, .s = kf->dflt_s};
        if (f->type == KARAK_STR) memcpy(dst, &kf->dflt_s, sizeof kf->dflt_s);
        else store(kf, &v, dst, NULL);
        set_present(f, out, true);
        return true;
    }
    if (f->optional) {
        set_present(f, out, false);
        return true;
    }
    kverrs_add(errs, "missing", loc, msg_missing, input, NULL);
    return false;
}

/* extra="forbid": every key no field has is an error, in the object's order, after the
 * fields' own errors (pydantic-core's model-fields validator). */
static void forbid_extra(const kschema *cs, const kj *obj, const kloc *loc, kverrs *errs)
{
    for (const kj *m = obj->child; m != NULL; m = m->next) {
        bool known = false;
        for (size_t i = 0; i < cs->count && !known; i++) {
            const char *key = cs->fields[i].key;
            known = strlen(key) == m->key_len && memcmp(key, m->key, m->key_len) == 0;
        }
        if (known) continue;
        const char *key = karena_strndup(errs->arena, m->key, m->key_len);
        if (key == NULL) {
            errs->nomem = true;
            return;
        }
        kloc at = KLOC_KEY(loc, key);
        kverrs_add(errs, "extra_forbidden", &at, "Extra inputs are not permitted", m, NULL);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Entry points                                                                         */

/* pydantic's model_fields_set, when the schema keeps it. */
static void record_set(const kschema *cs, void *out, uint64_t set)
{
    if (cs->schema->set_offset != 0)
        memcpy((char *)out + cs->schema->set_offset - 1, &set, sizeof set);
}

bool kschema_from_json(const kschema *cs, const kj *obj, void *out, const kloc *loc,
                       kverrs *errs)
{
    size_t before = errs->count;
    uint64_t set = 0;
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        const karak_field *f = kf->f;
        if (f->flatten) { /* its fields are the enclosing object's */
            if (kschema_from_json(kf->sub, obj, (char *)out + f->offset, loc, errs))
                set_present(f, out, true);
            continue;
        }
        const kj *v = kj_get(obj, kf->key);
        kloc at = KLOC_KEY(loc, kf->key);
        if (v != NULL && i < 64) set |= (uint64_t)1 << i;
        if (v == NULL) {
            /* pydantic reports the whole enclosing object as a missing field's input */
            absent(kf, out, &at, obj, errs);
        } else if (v->type == KJ_NULL && (f->optional || f->nullable)) {
            set_present(f, out, false); /* null: strings and lists stay NULL */
        } else if (value_from_json(kf, v, (char *)out + f->offset, &at, errs)) {
            set_present(f, out, true);
        }
    }
    if (cs->schema->extra == KARAK_EXTRA_FORBID) forbid_extra(cs, obj, loc, errs);
    record_set(cs, out, set);
    return errs->count == before && !errs->nomem;
}

/* A scalar parameter (or one value of a list parameter) from its raw string. */
static bool value_from_str(const kfield *kf, const char *s, size_t n, void *dst,
                           const kloc *loc, kverrs *errs)
{
    kscalar sv = {0};
    /* the input of a parameter error is its raw string, also for bounds; it is made only
       when there is an error */
    kcheck k = {.kf = kf, .loc = loc, .errs = errs, .raw = s, .raw_n = n};
    if (is_format(kf->f->type)) return format_value(&k, NULL, s, n, dst);
    if (kf->f->type == KARAK_JSON) {
        const kj *str = kj_new_str(errs->arena, s, n);
        if (str == NULL) {
            errs->nomem = true;
            return false;
        }
        return any_value(str, dst, errs);
    }
    kerr_kind e = kf->strict ? strict_str(kf->f->type) : KE_NONE;
    if (e == KE_NONE) e = coerce_str(kf->f->type, s, n, &sv);
    return accept(&k, e, &sv, dst);
}

/* The raw strings of a list parameter, as the input of its list-level error. */
static const kj *raw_list(kverrs *errs, kparam_get get, void *ud, const char *key, size_t n)
{
    kj *arr = karena_alloc(errs->arena, sizeof *arr);
    if (arr == NULL) goto nomem;
    arr->type = KJ_ARR;
    kj **tail = &arr->child;
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;
        const char *s = get(ud, key, i, &len);
        kj *e = kj_new_str(errs->arena, s, len);
        if (e == NULL) goto nomem;
        e->n_index = i;
        *tail = e;
        tail = &e->next;
    }
    arr->n = n;
    return arr;
nomem:
    errs->nomem = true;
    return NULL;
}

/* A list parameter: every value of the key in order (repeated query keys, headers). */
static void list_from_params(const kfield *kf, kparam_get get, void *ud, void *out,
                             const kloc *loc, kverrs *errs)
{
    const karak_field *f = kf->f;
    size_t n = 0, len = 0;
    while (get(ud, kf->key, n, &len) != NULL) n++;
    if (n == 0) {
        absent(kf, out, loc, NULL, errs);
        return;
    }
    if (f->max_len > 0 && n > f->max_len) {
        const kj *input = raw_list(errs, get, ud, kf->key, n);
        if (input != NULL) list_len_error(errs, loc, input, true, f->max_len, n);
        return;
    }
    const kfield *item = kf->item;
    char *items = karena_alloc(errs->arena, n * item->size);
    if (items == NULL) {
        errs->nomem = true;
        return;
    }
    size_t before = errs->count;
    for (size_t i = 0; i < n; i++) {
        const char *s = get(ud, kf->key, i, &len);
        kloc at = KLOC_IDX(loc, i);
        value_from_str(item, s, len, items + i * item->size, &at, errs);
    }
    if (errs->count != before || errs->nomem) return;
    if (n < f->min_len) {
        const kj *input = raw_list(errs, get, ud, kf->key, n);
        if (input != NULL) list_len_error(errs, loc, input, false, f->min_len, n);
        return;
    }
    store_list((char *)out + f->offset, items, n);
    set_present(f, out, true);
}

bool kschema_from_params(const kschema *cs, kparam_get get, void *ud, void *out, kverrs *errs)
{
    size_t before = errs->count;
    uint64_t set = 0;
    kloc src = KLOC_KEY(NULL, ksource_name[cs->source]);
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        kloc at = KLOC_KEY(&src, kf->key);
        size_t n = 0;
        if (i < 64 && get(ud, kf->key, kf->f->type == KARAK_LIST ? 0 : KPARAM_ONE, &n) != NULL)
            set |= (uint64_t)1 << i;
        if (kf->f->type == KARAK_LIST) {
            list_from_params(kf, get, ud, out, &at, errs);
            continue;
        }
        const char *s = get(ud, kf->key, KPARAM_ONE, &n);
        if (s == NULL) absent(kf, out, &at, NULL, errs);
        else if (value_from_str(kf, s, n, (char *)out + kf->f->offset, &at, errs))
            set_present(kf->f, out, true);
    }
    record_set(cs, out, set);
    return errs->count == before && !errs->nomem;
}

/* A default given as JSON text (lists, models): parsed once, validated like a request's. */
static kdefault_result json_default(kfield *kf, karena *mem)
{
    const char *d = kf->f->dflt;
    kj *tree = NULL;
    kj_error e;
    if (kj_parse(mem, d, strlen(d), &tree, &e) != KJ_OK) return KDEFAULT_PARSE;
    karena scratch;
    karena_init(&scratch);
    kverrs errs;
    kverrs_init(&errs, &scratch);
    void *tmp = karena_alloc(&scratch, kf->size > 0 ? kf->size : 1);
    kloc loc = KLOC_KEY(NULL, "default");
    bool ok = tmp != NULL && value_from_json(kf, tree, tmp, &loc, &errs);
    karena_free(&scratch);
    if (!ok) return KDEFAULT_CONSTRAINT;
    kf->dflt_json = tree;
    return KDEFAULT_OK;
}

kdefault_result kschema_default(kfield *kf, karena *mem)
{
    const karak_field *f = kf->f;
    if (f->type == KARAK_OBJ || f->type == KARAK_LIST || f->type == KARAK_DICT ||
        f->type == KARAK_JSON)
        return json_default(kf, mem);
    if (is_format(f->type)) { /* kept as a JSON string and validated like a request's */
        kbuf b;
        kbuf_init(&b, mem, 64);
        kjw_string(&b, f->dflt, strlen(f->dflt));
        const char *text = kbuf_cstr(&b);
        kj *tree = NULL;
        kj_error e;
        if (text == NULL || kj_parse(mem, text, strlen(text), &tree, &e) != KJ_OK)
            return KDEFAULT_PARSE;
        karena scratch;
        karena_init(&scratch);
        kverrs errs;
        kverrs_init(&errs, &scratch);
        kscalar tmp;
        kloc loc = KLOC_KEY(NULL, "default");
        kcheck k = {.kf = kf, .loc = &loc, .input = tree, .errs = &errs};
        bool ok = format_value(&k, tree, NULL, 0, &tmp);
        karena_free(&scratch);
        if (!ok) return KDEFAULT_PARSE;
        kf->dflt_json = tree;
        return KDEFAULT_OK;
    }
    const char *d = f->dflt;
    kscalar v = {0};
    if (coerce_str(f->type, d, strlen(d), &v) != KE_NONE || v.overflow != 0)
        return KDEFAULT_PARSE;
    karena scratch;
    karena_init(&scratch);
    kverrs errs;
    kverrs_init(&errs, &scratch);
    kloc loc = KLOC_KEY(NULL, "default");
    kcheck k = {.kf = kf, .loc = &loc, .errs = &errs, .raw = d, .raw_n = strlen(d)};
    bool ok = check_constraints(&k, &v);
    karena_free(&scratch);
    if (!ok) return KDEFAULT_CONSTRAINT;
    kf->has_default = true;
    kf->dflt_i = v.i;
    kf->dflt_d = v.d;
    kf->dflt_b = v.b;
    /* the field table is static: its default string is too; a literal's is its choice */
    kf->dflt_s = f->type == KARAK_LITERAL ? v.s : d;
    return KDEFAULT_OK;
}
