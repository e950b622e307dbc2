/* Encoding a struct described by a schema straight to JSON bytes, without a json_t tree:
 * the key is the alias or the member's name, an absent optional field is null, floats are
 * Python's repr (what Starlette writes). */
#include <string.h>

#include "schema/schema.h"

void kschema_encode(kbuf *b, const karak_schema *s, const void *obj)
{
    const char *base = obj;
    kbuf_putc(b, '{');
    size_t n = kschema_field_count(s);
    for (size_t i = 0; i < n; i++) {
        karak_field tmp;
        const karak_field *f = kschema_field_at(s, i, &tmp);
        const char *key = f->alias ? f->alias : f->name;
        if (i > 0) kbuf_putc(b, ',');
        kjw_string(b, key, strlen(key));
        kbuf_putc(b, ':');
        const char *p = base + f->offset;
        if (f->has_offset > 0 && !*(const bool *)(base + f->has_offset - 1)) {
            kbuf_put(b, "null", 4);
            continue;
        }
        switch (f->type) {
        case KARAK_STR: {
            const char *str;
            memcpy(&str, p, sizeof str);
            if (str == NULL) kbuf_put(b, "null", 4);
            else kjw_string(b, str, strlen(str));
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
        case KARAK_BOOL: kbuf_puts(b, *(const bool *)p ? "true" : "false"); break;
        }
    }
    kbuf_putc(b, '}');
}

