/* Must NOT compile: KARAK_FIELD declares a double for an int64_t member. The compile test
 * expects the error to name karak_field_type_does_not_match_member. */
#include <karak.h>

typedef struct {
    int64_t count;
} Thing;

static const karak_field thing_fields[] = {
    KARAK_FIELD(Thing, count, KARAK_F64),
    KARAK_FIELDS_END,
};
const karak_schema thing_schema = KARAK_SCHEMA(Thing, thing_fields);
