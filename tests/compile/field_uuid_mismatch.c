/* Must not compile: a KARAK_UUID field over a member that is not a karak_uuid (the formats
 * are checked like the scalars). tests/CMakeLists.txt expects the error to name
 * karak_field_type_does_not_match_member. */
#include <karak.h>

typedef struct {
    const char *id;
} Thing;

static const karak_field thing_fields[] = {
    KARAK_FIELD(Thing, id, KARAK_UUID),
    KARAK_FIELDS_END,
};
const karak_schema thing_schema = KARAK_SCHEMA(Thing, thing_fields);
