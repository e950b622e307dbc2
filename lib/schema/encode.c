/* Encoding a struct described by a schema straight to JSON bytes, without a json_t tree:
 * the key is the alias or the member's name, an absent optional field is null, floats are
 * Python's repr (what Starlette writes), nested models are objects, lists arrays, an enum
 * its choice's string. It reads the caller's tables as they are (no compiled schema), so
 * it serves any struct a handler fills, checked at registration or not. */
#include <string.h>

#include "schema/schema.h"
#include "util/formats.h"

static void encode_object(kbuf *b, const karak_schema *s, const char *obj, unsigned ex);

static void put_str(kbuf *b, const char *str)
{
    if (str == NULL) kbuf_put(b, "null", 4);
    else kjw_string(b, str, strlen(str));
}

/* The size of one element of a list of f's type. */
static size_t elem_size(const karak_field *f)
{
    return f->type == KARAK_OBJ ? f->schema->size : kschema_type_size(f->type);
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

static void encode_value(kbuf *b, const karak_field *f, const char *p, unsigned ex)
{
    switch (f->type) {
    case KARAK_STR:
    case KARAK_LITERAL: {
        const char *str;
        memcpy(&str, p, sizeof str);
        put_str(b, str);
        break;
    }
    case KARAK_I64: {
        int64_t x;
        memcpy(&x, p, sizeof x);
        kjw_i64(b, x);
        break;
    }
    case KARAK_I32: {
        int32_t x;
        memcpy(&x, p, sizeof x);
        kjw_i64(b, x);
        break;
    }
    case KARAK_F64: {
        double x;
        memcpy(&x, p, sizeof x);
        kjw_double(b, x);
        break;
    }
    case KARAK_BOOL: kbuf_puts(b, *(const bool *)(const void *)p ? "true" : "false"); break;
    case KARAK_ENUM: {
        int x;
        memcpy(&x, p, sizeof x);
        size_t n = 0;
        while (f->choices[n] != NULL) n++;
        put_str(b, x >= 0 && (size_t)x < n ? f->choices[x] : NULL); /* out of range: null */
        break;
    }
    case KARAK_UUID:
    case KARAK_DATE:
    case KARAK_DATETIME: {
        char text[FORMAT_TEXT_MAX];
        kjw_string(b, text, format_text(f->type, p, text));
        break;
    }
    case KARAK_JSON: {
        const json_t *v;
        memcpy(&v, p, sizeof v);
        if (v == NULL) kbuf_put(b, "null", 4);
        else kjw_jansson(b, v);
        break;
    }
    case KARAK_OBJ: encode_object(b, f->schema, p, ex); break;
    case KARAK_DICT: {
        karak_dict d;
        memcpy(&d, p, sizeof d);
        if (d.keys == NULL) {
            kbuf_put(b, "null", 4);
            break;
        }
        size_t stride = elem_size(f->items);
        kbuf_putc(b, '{');
        for (size_t i = 0; i < d.len; i++) {
            if (i > 0) kbuf_putc(b, ',');
            put_str(b, d.keys[i]);
            kbuf_putc(b, ':');
            encode_value(b, f->items, (const char *)d.values + i * stride, ex);
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
        size_t stride = elem_size(f->items);
        kbuf_putc(b, '[');
        for (size_t i = 0; i < l.len; i++) {
            if (i > 0) kbuf_putc(b, ',');
            encode_value(b, f->items, (const char *)l.items + i * stride, ex);
        }
        kbuf_putc(b, ']');
        break;
    }
    }
}

/* A value that is written as null: a cleared presence flag, a NULL string or list. */
static bool is_null(const karak_field *f, const char *p)
{
    if (f->type == KARAK_STR || f->type == KARAK_LITERAL || f->type == KARAK_LIST ||
        f->type == KARAK_DICT || f->type == KARAK_JSON) {
        const void *ptr;
        memcpy(&ptr, p, sizeof ptr); /* a list's items, a dict's keys pointer comes first */
        return ptr == NULL;
    }
    return false;
}

/* The members of one object, after `*first` tells whether one was written before. */
static void encode_members(kbuf *b, const karak_schema *s, const char *obj, unsigned ex,
                           bool *first)
{
    size_t n = kschema_field_count(s);
    uint64_t set = 0;
    if (s->set_offset != 0) memcpy(&set, obj + s->set_offset - 1, sizeof set);
    for (size_t i = 0; i < n; i++) {
        karak_field tmp;
        const karak_field *f = kschema_field_at(s, i, &tmp);
        bool unset = f->has_offset > 0 && !*(const bool *)(const void *)(obj + f->has_offset - 1);
        /* "unset": not in the input (the schema's mask), else its presence flag cleared */
        bool not_given = s->set_offset != 0 ? i < 64 && !(set & ((uint64_t)1 << i)) : unset;
        if (not_given && (ex & KARAK_EXCLUDE_UNSET)) continue;
        bool null = unset || is_null(f, obj + f->offset);
        if (null && ((ex & KARAK_EXCLUDE_NONE) || f->exclude_if_null)) continue;
        if (f->type == KARAK_OBJ && f->flatten && !unset) {
            encode_members(b, f->schema, obj + f->offset, ex, first);
            continue;
        }
        const char *key = f->alias ? f->alias : f->name;
        if (!*first) kbuf_putc(b, ',');
        *first = false;
        kjw_string(b, key, strlen(key));
        kbuf_putc(b, ':');
        if (unset) kbuf_put(b, "null", 4);
        else encode_value(b, f, obj + f->offset, ex);
    }
}

static void encode_object(kbuf *b, const karak_schema *s, const char *obj, unsigned ex)
{
    bool first = true;
    kbuf_putc(b, '{');
    encode_members(b, s, obj, ex, &first);
    kbuf_putc(b, '}');
}

void kschema_encode(kbuf *b, const karak_schema *s, const void *obj, unsigned exclude)
{
    encode_object(b, s, obj, exclude);
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
