/* Must compile: every karak_type with the C type it stands for (the control of
 * field_type_mismatch.c). */
#include <karak.h>

typedef struct {
    const char *s;
    char *w;
    int64_t i;
    int32_t j;
    double d;
    bool b;
    bool has_d;
} Thing;

static const karak_field thing_fields[] = {
    KARAK_FIELD(Thing, s, KARAK_STR),
    KARAK_FIELD(Thing, w, KARAK_STR),
    KARAK_FIELD(Thing, i, KARAK_I64, KARAK_GT(0)),
    KARAK_FIELD(Thing, j, KARAK_I32),
    KARAK_FIELD_OPT(Thing, d, has_d, KARAK_F64),
    KARAK_FIELD(Thing, b, KARAK_BOOL, .dflt = "true"),
    KARAK_FIELDS_END,
};
const karak_schema thing_schema = KARAK_SCHEMA(Thing, thing_fields);
