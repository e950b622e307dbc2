/* Must NOT compile: KARAK_FIELD_OPT's presence flag must be a bool, not an int. */
#include <karak.h>

typedef struct {
    double tax;
    int has_tax;
} Thing;

static const karak_field thing_fields[] = {
    KARAK_FIELD_OPT(Thing, tax, has_tax, KARAK_F64),
    KARAK_FIELDS_END,
};
const karak_schema thing_schema = KARAK_SCHEMA(Thing, thing_fields);
