/** @file
 * Schemas: C structs described once, validated like pydantic v2 models and encoded as JSON.
 * Included by <karak.h>. */
#ifndef KARAK_PUBLIC_SCHEMA_H
#define KARAK_PUBLIC_SCHEMA_H

#include <karak/common.h>
#include <karak/formats.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The type of a field (karak_field.type): the C type of its member and the pydantic type
 * it is validated as. */
typedef enum karak_type {
    KARAK_STR = 1, /**< const char *: UTF-8, NUL-terminated, in the request arena */
    KARAK_I64,     /**< int64_t */
    KARAK_I32,     /**< int32_t */
    KARAK_F64,     /**< double */
    KARAK_BOOL,    /**< bool */
    KARAK_OBJ,     /**< a nested struct, embedded by value, described by .schema (pydantic's
                        sub-model); a non-object is model_attributes_type */
    KARAK_LIST,    /**< karak_list or KARAK_LIST_OF(T): elements described by .items (any
                        type, lists of lists too); min_len/max_len bound the item count */
    KARAK_ENUM,    /**< int: the index of the value in .choices (a Python str Enum: errors are
                        "enum"); declare the member `int`, or a C enum of int's size */
    KARAK_LITERAL, /**< const char *: one of .choices, pointing at that choice (Literal["a",
                        "b"]: errors are "literal_error") */
    KARAK_DICT,    /**< karak_dict or KARAK_DICT_OF(T): a JSON object with string keys and
                        values described by .items (dict[str, T]); a non-object is dict_type */
    KARAK_UUID,    /**< karak_uuid (uuid.UUID): 32 hex digits, hyphenated, braced or
                        urn:uuid: */
    KARAK_DATE,    /**< karak_date (datetime.date): "2024-01-15", or a timestamp at midnight */
    KARAK_DATETIME, /**< karak_datetime (datetime.datetime): RFC 3339 as pydantic reads it, a
                         date alone, or a Unix timestamp; the offset is kept */
    KARAK_JSON      /**< json_t *: any JSON value, null included (typing.Any); a parameter is
                         a JSON string. The value is the request's: libkarak decrefs it after
                         the response (json_incref it to keep it). An optional field that was
                         absent is NULL */
} karak_type;

/** A list in a struct: `len` elements at `items`, in the request arena. KARAK_LIST_OF(T) is
 * the same layout with a typed pointer: `KARAK_LIST_OF(const char *) tags;` then
 * `item->tags.items[i]`. An optional list that was absent or null has items == NULL; a
 * present empty list has items != NULL and len == 0. */
typedef struct karak_list {
    void *items; /**< the elements, consecutive, in the request arena */
    size_t len;  /**< how many */
} karak_list;
/** The layout of karak_list with a typed pointer, as the member of a struct:
 * `KARAK_LIST_OF(const char *) tags;` then `item->tags.items[i]`. */
#define KARAK_LIST_OF(T)                                                                      \
    struct {                                                                                  \
        T *items;                                                                             \
        size_t len;                                                                           \
    }

/** A dict in a struct: `len` keys (NUL-terminated UTF-8) and as many values, in the order
 * of the keys' first appearance; a key given twice keeps its last value, as Python's dict.
 * An optional dict that was absent or null has keys == NULL. */
typedef struct karak_dict {
    const char **keys; /**< the keys, NUL-terminated UTF-8, in the request arena */
    void *values;      /**< as many values, consecutive, values[i] the value of keys[i] */
    size_t len;        /**< how many keys */
} karak_dict;
/** The layout of karak_dict with typed values, as the member of a struct:
 * `KARAK_DICT_OF(int64_t) scores;` then `item->scores.values[i]`. */
#define KARAK_DICT_OF(T)                                                                      \
    struct {                                                                                  \
        const char **keys;                                                                    \
        T *values;                                                                            \
        size_t len;                                                                           \
    }

struct karak_schema;

/** One field of a struct. Write it with KARAK_FIELD(); zero always means "not set".
 * Numeric bounds are set with KARAK_GT(x), KARAK_GE(x), KARAK_LT(x), KARAK_LE(x): a bare
 * `.gt = 0` could not be told from "no bound". Violations give pydantic's greater_than,
 * greater_than_equal, less_than, less_than_equal errors.
 *
 * Members are only ever added at the end. KARAK_SCHEMA() records sizeof(karak_field) in the
 * schema, so a table compiled against an older, shorter karak_field keeps working: the
 * library reads each entry with the size it was compiled with and zero-fills the rest. */
typedef struct karak_field {
    const char *name;   /**< the C member's name (set by KARAK_FIELD) */
    const char *alias;  /**< JSON key / parameter name when it differs from the member's
                             name */
    size_t offset;      /**< offsetof the member */
    size_t size;        /**< sizeof the member, checked against the type at registration */
    karak_type type;    /**< the member's type, checked against its C type at compile time */
    const char *dflt;   /**< default as the text a client would send ("1", "true", "x");
                             validated at registration. NULL: required (unless optional) */
    bool optional;      /**< may be absent or JSON null; a KARAK_STR member is then NULL,
                             other types need a presence flag: see KARAK_FIELD_OPT() */
    size_t has_offset;  /**< set by KARAK_FIELD_OPT: offsetof(presence bool) + 1 */
    size_t min_len;     /**< strings: at least this many code points (0: no bound); lists:
                             this many items */
    size_t max_len;     /**< strings: at most this many code points (0: no bound); lists:
                             this many items */
    /** numbers: the bounds; set them with KARAK_GT(x), KARAK_GE(x), KARAK_LT(x),
     * KARAK_LE(x) @{ */
    double gt, ge, lt, le;
    /** @} */
    /** whether gt, ge, lt, le is set (the KARAK_GT() family sets it) @{ */
    bool has_gt, has_ge, has_lt, has_le;
    /** @} */
    const char *description; /**< the OpenAPI description of the property or parameter */
    int end_;           /**< sentinel for the option macros; leave alone */
    /* since 0.3 */
    const struct karak_schema *schema; /**< KARAK_OBJ: the nested struct's schema (static) */
    const struct karak_field *items;   /**< KARAK_LIST: the elements, KARAK_DICT: the values;
                                            KARAK_ITEM(type, ...) */
    const char *const *choices;        /**< KARAK_ENUM/KARAK_LITERAL: the allowed strings,
                                            NULL-terminated, e.g.\ KARAK_CHOICES("a", "b") */
    double multiple_of;                /**< numbers: set with KARAK_MULTIPLE_OF(x) */
    bool has_multiple_of;              /**< whether multiple_of is set */
    const char *pattern;               /**< strings: a regular expression the value must
                                            contain a match of (pydantic's `pattern`), compiled
                                            once at registration with PCRE2 (UTF, Unicode
                                            classes: the syntax Rust's regex crate shares) */
    bool exclude_if_null;              /**< encoding: leave the field out when it is null
                                            (pydantic's Field(exclude_if=lambda v: v is None));
                                            this field only, not the ones nested in it */
    bool flatten;                      /**< KARAK_OBJ: the nested struct's fields are read from
                                            and written into the enclosing object, as Python's
                                            {"id": 1, **item.model_dump()} */
    bool strict;                       /**< pydantic's strict mode for int, float, bool and
                                            str: no coercion ("5" is no int, 1 no bool, 5.0 no
                                            int); parameters, always strings, then fail for
                                            every type but str */
    /** a validator run after the field's own checks (an "after" field_validator): `value`
     * points at the validated value; return 0 to accept, else write a message into msg (cap
     * bytes) for pydantic's value_error `"Value error, <msg>"` */
    int (*check)(const void *value, char *msg, size_t cap);
    const char *enum_name;             /**< KARAK_ENUM: its OpenAPI component's name (pydantic:
                                            the Enum class's); NULL: the enum inline */
    bool nullable;                     /**< JSON null accepted, but the key is required
                                            (pydantic's `x: T | None` without a default);
                                            .optional is `x: T | None = None` */
} karak_field;

/* The karak_type of a C expression's type, for the compile-time check of KARAK_FIELD: a
 * member whose C type does not match the declared type fails to compile with an error
 * naming `karak_field_type_does_not_match_member`. (C only: C++ has no _Generic.) */
#ifndef __cplusplus
#define KARAK_TYPE_OF_(x)                                                                     \
    _Generic((x), const char *: KARAK_STR, char *: KARAK_STR, int64_t: KARAK_I64,             \
             karak_uuid: KARAK_UUID, karak_date: KARAK_DATE, karak_datetime: KARAK_DATETIME,  \
             int32_t: KARAK_I32, double: KARAK_F64, bool: KARAK_BOOL, json_t *: KARAK_JSON,   \
             default: 0)
#define KARAK_TYPECHECK_(T, member, ty)                                                       \
    (0 * sizeof(struct {                                                                      \
         int karak_field_type_does_not_match_member                                           \
             : ((int)(ty) >= (int)KARAK_OBJ && (int)(ty) <= (int)KARAK_DICT) ||                \
                       (int)KARAK_TYPE_OF_(((T *)0)->member) == (int)(ty)                      \
                   ? 1                                                                        \
                   : -1;                                                                      \
     }))
#else
#define KARAK_TYPECHECK_(T, member, ty) 0
#endif

#define KARAK_FIELD_(T, member, ty, ...)                                                      \
    {                                                                                         \
        .name = #member, .offset = offsetof(T, member),                                       \
        .size = sizeof(((T *)0)->member) + KARAK_TYPECHECK_(T, member, ty), .type = (ty),     \
        __VA_ARGS__                                                                           \
    }
/** KARAK_FIELD(StructType, member, KARAK_<TYPE>, options...): options are designated
 * initializers of karak_field (.dflt = "1", .max_len = 100, KARAK_GT(0), .alias = "x-key").
 * The member's C type must match KARAK_<TYPE> (checked at compile time). */
#define KARAK_FIELD(...) KARAK_FIELD_(__VA_ARGS__, .end_ = 0)
/** @def KARAK_FIELD_OPT
 * An optional field whose absence is recorded in a `bool` member `has` (checked at compile
 * time like the member's type):
 * KARAK_FIELD_OPT(Item, tax, has_tax, KARAK_F64). The encoder writes null when it is false. */
#define KARAK_FIELD_OPT_(T, member, has, ty, ...)                                             \
    KARAK_FIELD_(T, member, ty, .optional = true,                                             \
                 .has_offset = offsetof(T, has) + 1 + KARAK_TYPECHECK_(T, has, KARAK_BOOL),   \
                 __VA_ARGS__)
#define KARAK_FIELD_OPT(...) KARAK_FIELD_OPT_(__VA_ARGS__, .end_ = 0)
/** The entry that ends a field table. */
#define KARAK_FIELDS_END { .name = NULL }
/** Field option: the number must be greater than x (pydantic's gt; error greater_than). */
#define KARAK_GT(x) .gt = (x), .has_gt = true
/** Field option: the number must be greater than or equal to x (ge; greater_than_equal). */
#define KARAK_GE(x) .ge = (x), .has_ge = true
/** Field option: the number must be less than x (lt; less_than). */
#define KARAK_LT(x) .lt = (x), .has_lt = true
/** Field option: the number must be less than or equal to x (le; less_than_equal). */
#define KARAK_LE(x) .le = (x), .has_le = true
/** Field option: the number must be a multiple of x (pydantic's multiple_of). */
#define KARAK_MULTIPLE_OF(x) .multiple_of = (x), .has_multiple_of = true
/** The elements of a KARAK_LIST field: KARAK_ITEM(KARAK_STR, .max_len = 20),
 * KARAK_ITEM(KARAK_OBJ, .schema = &image_schema), KARAK_ITEM(KARAK_LIST, .items = ...). The
 * element's size follows from its type. A static compound literal: usable in static tables. */
#define KARAK_ITEM(...) KARAK_ITEM_(__VA_ARGS__, .end_ = 0)
#define KARAK_ITEM_(ty, ...) (&(const karak_field){.name = "", .type = (ty), __VA_ARGS__})
/** A NULL-terminated list of strings for .choices. */
#define KARAK_CHOICES(...) ((const char *const[]){__VA_ARGS__, NULL})

/** What a schema does with a key of a JSON object that none of its fields has (pydantic's
 * `extra`). */
typedef enum karak_extra {
    KARAK_EXTRA_IGNORE = 0, /**< unknown keys are dropped (pydantic's default) */
    KARAK_EXTRA_FORBID      /**< each unknown key is an extra_forbidden error */
} karak_extra;

/** A struct type: its name (the OpenAPI component name), size and field table, which ends
 * with KARAK_FIELDS_END. Both must be static: libkarak keeps pointers to them.
 * field_size is sizeof(karak_field) as the table was compiled (0: the library's own). */
typedef struct karak_schema {
    const char *name;          /**< the OpenAPI component name (KARAK_SCHEMA: the type's) */
    size_t size;               /**< sizeof the struct */
    const karak_field *fields; /**< the field table, ended by KARAK_FIELDS_END; static */
    size_t field_size;         /**< sizeof(karak_field) as the table was compiled */
    /* since 0.3 */
    karak_extra extra; /**< what an unknown key in a JSON object is */
    int end_;          /**< sentinel for the option macro; leave alone */
    bool strict;       /**< every field strict (ConfigDict(strict=True)); nested schemas keep
                            their own setting */
    size_t set_offset; /**< KARAK_FIELDS_SET(T, member): a uint64_t member where validation
                            records which fields the input gave, null included (pydantic's
                            model_fields_set; bit i is field i); at most 64 fields */
} karak_schema;

/** Schema option: the uint64_t member of T where validation records the fields the input
 * gave (karak_schema.set_offset): KARAK_SCHEMA(Item, item_fields,
 * KARAK_FIELDS_SET(Item, fields_set)). */
#define KARAK_FIELDS_SET(T, member) .set_offset = offsetof(T, member) + 1

/** Whether validation found field `name` (its C name or alias) in the input, null included,
 * for a schema with KARAK_FIELDS_SET; a struct filled by hand has what its mask says. False
 * for an unknown name or a schema without the mask. */
KARAK_API bool karak_model_is_set(const karak_schema *schema, const void *obj,
                                  const char *name);

/** The initializer of a karak_schema for a struct type and its field table, options as
 * designated initializers: KARAK_SCHEMA(Item, item_fields) or KARAK_SCHEMA(Item,
 * item_fields, .extra = KARAK_EXTRA_FORBID) */
#define KARAK_SCHEMA(...) KARAK_SCHEMA_(__VA_ARGS__, .end_ = 0)
#define KARAK_SCHEMA_(T, field_table, ...)                                                    \
    {                                                                                         \
        .name = #T, .size = sizeof(T), .fields = (field_table),                               \
        .field_size = sizeof(karak_field), __VA_ARGS__                                        \
    }

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_SCHEMA_H */
