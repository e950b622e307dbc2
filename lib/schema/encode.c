/* Encoding a struct described by a compiled schema straight to JSON bytes, without a json_t
 * tree: each key as escaped at registration, an absent optional field null, floats in
 * Python's repr (what Starlette writes), nested models as objects, lists as arrays, dicts
 * as objects, an enum as its choice's string, UUIDs, dates and datetimes as pydantic's
 * serializer writes them. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "schema/schema.h"
#include "util/formats.h"

static void encode_object(kbuf *b, const kschema *cs, const char *obj, unsigned ex);

static void put_str(kbuf *b, const char *str)
{
    if (str == NULL) kbuf_put(b, "null", 4);
    else kjw_cstring(b, str);
}

#define FORMAT_TEXT_MAX 48 /* the longest of the three forms, with its NUL */
_Static_assert(FORMAT_TEXT_MAX > KFMT_UUID_LEN && FORMAT_TEXT_MAX >= KFMT_DATETIME_MAX &&
                   FORMAT_TEXT_MAX > KFMT_DATE_LEN,
               "format_text's buffer holds every form");

/* A UUID, date or datetime (at p, maybe unaligned) as pydantic's serializer writes it. */
static size_t format_text(karak_type t, const char *p, char text[FORMAT_TEXT_MAX])
{
    if (t == KARAK_UUID) {
        karak_uuid u;
        memcpy(&u, p, sizeof u);
        return kfmt_uuid_format(text, &u);
    }
    if (t == KARAK_DATE) {
        karak_date d;
        memcpy(&d, p, sizeof d);
        return kfmt_date_format(text, &d);
    }
    karak_datetime dt;
    memcpy(&dt, p, sizeof dt);
    return kfmt_datetime_format(text, &dt, KFMT_PYDANTIC);
}

/* A member's value at p (maybe unaligned). */
static inline const char *load_str(const char *p)
{
    const char *v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline int64_t load_i64(const char *p)
{
    int64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline int32_t load_i32(const char *p)
{
    int32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline double load_f64(const char *p)
{
    double v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The value at p, described by kf (a struct member or a list's or dict's element). */
static void encode_value(kbuf *b, const kfield *kf, const char *p, unsigned ex)
{
    switch (kf->f->type) {
    case KARAK_STR:
    case KARAK_LITERAL: put_str(b, load_str(p)); break;
    case KARAK_I64: kjw_i64(b, load_i64(p)); break;
    case KARAK_I32: kjw_i64(b, load_i32(p)); break;
    case KARAK_F64: kjw_double(b, load_f64(p)); break;
    case KARAK_BOOL: kbuf_puts(b, *(const bool *)(const void *)p ? "true" : "false"); break;
    case KARAK_ENUM: {
        int x;
        memcpy(&x, p, sizeof x);
        /* a value out of range (a handler's) is written as null */
        put_str(b, x >= 0 && (size_t)x < kf->nchoices ? kf->f->choices[x] : NULL);
        break;
    }
    case KARAK_UUID:
    case KARAK_DATE:
    case KARAK_DATETIME: {
        char text[FORMAT_TEXT_MAX];
        kjw_string(b, text, format_text(kf->f->type, p, text));
        break;
    }
    case KARAK_JSON: {
        const json_t *v;
        memcpy(&v, p, sizeof v);
        if (v == NULL) kbuf_put(b, "null", 4);
        else kjw_jansson(b, v);
        break;
    }
    case KARAK_OBJ: encode_object(b, kf->sub, p, ex); break;
    case KARAK_DICT: {
        karak_dict d;
        memcpy(&d, p, sizeof d);
        if (d.keys == NULL) {
            kbuf_put(b, "null", 4);
            break;
        }
        kbuf_putc(b, '{');
        for (size_t i = 0; i < d.len; i++) {
            if (i > 0) kbuf_putc(b, ',');
            put_str(b, d.keys[i]);
            kbuf_putc(b, ':');
            encode_value(b, kf->item, (const char *)d.values + i * kf->item->size, ex);
        }
        kbuf_putc(b, '}');
        break;
    }
    case KARAK_LIST: {
        karak_list l;
        memcpy(&l, p, sizeof l);
        if (l.items == NULL) {
            kbuf_put(b, "null", 4);
            break;
        }
        kbuf_putc(b, '[');
        for (size_t i = 0; i < l.len; i++) {
            if (i > 0) kbuf_putc(b, ',');
            encode_value(b, kf->item, (const char *)l.items + i * kf->item->size, ex);
        }
        kbuf_putc(b, ']');
        break;
    }
    }
}

/* A value that is written as null: a NULL string, literal, list, dict or free-form value. */
static bool is_null(karak_type t, const char *p)
{
    if (t == KARAK_STR || t == KARAK_LITERAL || t == KARAK_LIST || t == KARAK_DICT ||
        t == KARAK_JSON) {
        const void *ptr;
        memcpy(&ptr, p, sizeof ptr); /* a list's items, a dict's keys pointer comes first */
        return ptr == NULL;
    }
    return false;
}

/* The members of one object, after `*first` tells whether one was written before. */
static void encode_members(kbuf *b, const kschema *cs, const char *obj, unsigned ex,
                           bool *first)
{
    if (cs->plain && ex == 0) { /* the common model: every field, as it is */
        for (size_t i = 0; i < cs->count; i++) {
            const kfield *kf = &cs->fields[i];
            if (!*first) kbuf_putc(b, ',');
            *first = false;
            kbuf_put(b, kf->key_json, kf->key_json_len);
            encode_value(b, kf, obj + kf->f->offset, ex);
        }
        return;
    }
    size_t set_offset = cs->schema->set_offset;
    uint64_t set = 0;
    if (set_offset != 0) memcpy(&set, obj + set_offset - 1, sizeof set);
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        const karak_field *f = kf->f;
        const char *p = obj + f->offset;
        bool unset = f->has_offset > 0 && !*(const bool *)(const void *)(obj + f->has_offset - 1);
        if (ex & KARAK_EXCLUDE_UNSET) {
            /* "unset": not in the input (the schema's mask), else its presence flag cleared */
            bool not_given = set_offset != 0 ? i < 64 && !(set & ((uint64_t)1 << i)) : unset;
            if (not_given) continue;
        }
        bool null = unset || is_null(f->type, p);
        if (null && ((ex & KARAK_EXCLUDE_NONE) || f->exclude_if_null)) continue;
        if (f->type == KARAK_OBJ && f->flatten && !unset) {
            encode_members(b, kf->sub, p, ex, first);
            continue;
        }
        if (!*first) kbuf_putc(b, ',');
        *first = false;
        kbuf_put(b, kf->key_json, kf->key_json_len);
        if (unset) kbuf_put(b, "null", 4);
        else encode_value(b, kf, p, ex);
    }
}

/* A step's prefix, into room reserved before (see KOP_LIT_CHUNK). */
static inline void put_prefix(kbuf *b, const kop *op)
{
    char *dst = b->data + b->len;
    memcpy(dst, op->lit, KOP_LIT_CHUNK);
    for (size_t i = KOP_LIT_CHUNK; i < op->lit_len; i += KOP_LIT_CHUNK)
        memcpy(dst + i, op->lit + i, KOP_LIT_CHUNK);
    b->len += op->lit_len;
}

/* A plain model through its plan (plan.c). Bounded values go straight into the room
 * reserved for them; the rest check for room themselves. */
static void run_plan(kbuf *b, const kop *op, const char *obj)
{
    for (;; op++) {
        const char *p = obj + op->offset;
        if (op->kind == KOP_RESERVE) {
            kbuf_reserve(b, op->len);
            if (b->failed) return;
            continue;
        }
        put_prefix(b, op);
        switch (op->kind) {
        case KOP_END: return;
        case KOP_RESERVE: break;
        case KOP_STR: put_str(b, load_str(p)); break;
        case KOP_I64: b->len += kjw_i64_at(b->data + b->len, load_i64(p)); break;
        case KOP_I32: b->len += kjw_i64_at(b->data + b->len, load_i32(p)); break;
        case KOP_F64: {
            double x = load_f64(p);
            if (isfinite(x)) {
                b->len += knum_repr(b->data + b->len, x);
            } else {
                memcpy(b->data + b->len, "null", 4);
                b->len += 4;
            }
            break;
        }
        case KOP_BOOL:
            if (*(const bool *)(const void *)p) {
                memcpy(b->data + b->len, "true", 4);
                b->len += 4;
            } else {
                memcpy(b->data + b->len, "false", 5);
                b->len += 5;
            }
            break;
        case KOP_LIST: {
            karak_list l;
            memcpy(&l, p, sizeof l);
            if (l.items == NULL) {
                kbuf_put(b, "null", 4);
                break;
            }
            const char *item = l.items;
            if (op->elem_bound > 0 &&
                l.len < (SIZE_MAX - 2 - KOP_LIT_CHUNK) / (op->elem_bound + 1)) {
                /* elements with a bound: one reservation for the brackets, the commas and
                   every element, then nothing is checked */
                kbuf_reserve(b, 2 + l.len * (op->elem_bound + 1) + KOP_LIT_CHUNK);
                if (b->failed) return;
                b->data[b->len++] = '[';
                for (size_t i = 0; i < l.len; i++, item += op->len) {
                    if (i > 0) b->data[b->len++] = ',';
                    run_plan(b, op->sub, item);
                }
                b->data[b->len++] = ']';
                break;
            }
            kbuf_putc(b, '[');
            for (size_t i = 0; i < l.len; i++, item += op->len) {
                if (i > 0) kbuf_putc(b, ',');
                run_plan(b, op->sub, item);
            }
            kbuf_putc(b, ']');
            break;
        }
        case KOP_VALUE: encode_value(b, op->kf, p, 0); break;
        }
    }
}

static void encode_object(kbuf *b, const kschema *cs, const char *obj, unsigned ex)
{
    if (ex == 0 && cs->plan != NULL) {
        run_plan(b, cs->plan, obj);
        return;
    }
    bool first = true;
    kbuf_putc(b, '{');
    encode_members(b, cs, obj, ex, &first);
    kbuf_putc(b, '}');
}

void kschema_encode(kbuf *b, const kschema *cs, const void *obj, unsigned exclude)
{
    encode_object(b, cs, obj, exclude);
}

bool karak_model_is_set(const karak_schema *s, const void *obj, const char *name)
{
    if (s == NULL || obj == NULL || name == NULL || s->set_offset == 0) return false;
    size_t n = kschema_field_count(s);
    uint64_t set;
    memcpy(&set, (const char *)obj + s->set_offset - 1, sizeof set);
    for (size_t i = 0; i < n && i < 64; i++) {
        karak_field tmp;
        const karak_field *f = kschema_field_at(s, i, &tmp);
        if (strcmp(f->name, name) == 0 || (f->alias != NULL && strcmp(f->alias, name) == 0))
            return (set >> i) & 1;
    }
    return false;
}
