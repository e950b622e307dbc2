/* Must compile: every karak_type with the C type it stands for (the control of
 * field_type_mismatch.c). */
#include <karak.h>

typedef struct {
    const char *url;
} Pic;
static const karak_field pic_fields[] = {KARAK_FIELD(Pic, url, KARAK_STR), KARAK_FIELDS_END};
static const karak_schema pic_schema = KARAK_SCHEMA(Pic, pic_fields);

enum color { RED, GREEN };

typedef struct {
    const char *s;
    char *w;
    int64_t i;
    int32_t j;
    double d;
    bool b;
    bool has_d;
    Pic pic;
    KARAK_LIST_OF(const char *) tags;
    KARAK_DICT_OF(int64_t) counts;
    enum color color;
    const char *kind;
    karak_uuid id;
    karak_date day;
    karak_datetime at;
    json_t *any;
    uint64_t set;
} Thing;

static const karak_field thing_fields[] = {
    KARAK_FIELD(Thing, s, KARAK_STR),
    KARAK_FIELD(Thing, w, KARAK_STR),
    KARAK_FIELD(Thing, i, KARAK_I64, KARAK_GT(0), KARAK_MULTIPLE_OF(2)),
    KARAK_FIELD(Thing, j, KARAK_I32),
    KARAK_FIELD_OPT(Thing, d, has_d, KARAK_F64),
    KARAK_FIELD(Thing, b, KARAK_BOOL, .dflt = "true"),
    KARAK_FIELD(Thing, pic, KARAK_OBJ, .schema = &pic_schema),
    KARAK_FIELD(Thing, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR, .max_len = 8)),
    KARAK_FIELD(Thing, counts, KARAK_DICT, .items = KARAK_ITEM(KARAK_I64)),
    KARAK_FIELD(Thing, color, KARAK_ENUM, .choices = KARAK_CHOICES("red", "green")),
    KARAK_FIELD(Thing, kind, KARAK_LITERAL, .choices = KARAK_CHOICES("a", "b")),
    KARAK_FIELD(Thing, id, KARAK_UUID),
    KARAK_FIELD(Thing, day, KARAK_DATE),
    KARAK_FIELD(Thing, at, KARAK_DATETIME),
    KARAK_FIELD(Thing, any, KARAK_JSON, .optional = true),
    KARAK_FIELDS_END,
};
const karak_schema thing_schema =
    KARAK_SCHEMA(Thing, thing_fields, .extra = KARAK_EXTRA_FORBID, KARAK_FIELDS_SET(Thing, set));
