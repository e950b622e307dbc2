/* The schema layer (private), above json and util: field tables compiled once at
 * registration, lax coercion of strings and JSON values as pydantic v2 does it, validation
 * into C structs with every error collected in pydantic's vocabulary, encoding of structs as
 * JSON. It knows nothing of routes, requests or HTTP: a caller names the source ("query",
 * "body", ...) that becomes the first element of each error's loc. */
#ifndef KARAK_SCHEMA_H
#define KARAK_SCHEMA_H

#include "json/json.h"
#include <karak.h>

/* ---- validation errors (errors.c) ---- */

/* A location as a chain of frames on the C stack, innermost first: any depth, no copy.
 * KLOC_KEY(NULL, "body") starts one; KLOC_IDX(&parent, 2) adds a list index. */
typedef struct kloc kloc;
struct kloc {
    const kloc *up;
    const char *key; /* NULL: idx is a list index */
    size_t idx;
};
#define KLOC_KEY(parent, k) ((kloc){.up = (parent), .key = (k), .idx = 0})
#define KLOC_IDX(parent, i) ((kloc){.up = (parent), .key = NULL, .idx = (i)})

typedef struct kverr kverr;
struct kverr {
    const char *type;
    const char *loc;   /* rendered JSON array */
    const char *msg;
    const kj *input;   /* NULL: null */
    const char *ctx;   /* rendered JSON object or NULL */
    kverr *next;
};

typedef struct kverrs {
    karena *arena;
    kverr *head;
    kverr **tail;
    size_t count;
    bool nomem;
    /* registers what the request must release after its response (KARAK_JSON values);
       NULL outside a request: such values are then released at once */
    int (*defer)(void *ud, void (*fn)(void *arg), void *arg);
    void *defer_ud;
} kverrs;

void kverrs_init(kverrs *e, karena *a);
/* msg and ctx are kept as pointers, not copied: pass static strings or arena strings. */
void kverrs_add(kverrs *e, const char *type, const kloc *loc, const char *msg, const kj *input,
                const char *ctx);
/* The same with message and ctx built in buffers: out of memory in either is recorded as
 * such (the request then gets a 500), never as an error without its ctx. */
void kverrs_add_built(kverrs *e, const char *type, const kloc *loc, kbuf *msg,
                      const kj *input, kbuf *ctx);
/* The errors as a JSON list [{"type":...,"loc":...,"msg":...,"input":...}, ...]; the
 * {"detail": ...} around it is the response's (core). */
void kverrs_render(const kverrs *e, kbuf *out);

/* ---- lax coercion (coerce.c): pydantic v2's str_as_int, str_as_float, str_as_bool ---- */

typedef enum kc_result {
    KC_OK = 0,
    KC_PARSING,   /* int_parsing / float_parsing / bool_parsing */
    KC_TOO_BIG,   /* integer beyond int64 (sign in *overflow) */
    KC_NOMEM,     /* out of memory: the request gets a 500, not a validation error */
} kc_result;

kc_result kc_int_from_str(const char *s, size_t n, int64_t *out, int *overflow);
kc_result kc_float_from_str(const char *s, size_t n, double *out);
kc_result kc_bool_from_str(const char *s, size_t n, bool *out);

/* ---- compiled schemas (compile.c) ---- */

/* Where values come from: the first element of an error's loc, and the naming rule of
 * parameters (a header field `x_token` is the header "x-token"). */
typedef enum ksource { KSRC_PATH, KSRC_QUERY, KSRC_HEADER, KSRC_COOKIE, KSRC_BODY } ksource;
extern const char *const ksource_name[]; /* "path", "query", "header", "cookie", "body" */

typedef struct kschema kschema;
typedef struct kfield kfield;
typedef struct kop kop;

/* A field (or a list's element) compiled: its table entry, what its default is, what its
 * nested parts compiled to. */
struct kfield {
    const karak_field *f; /* the schema's own copy of the table entry */
    bool has_default;
    int64_t dflt_i;
    double dflt_d;
    bool dflt_b;
    const char *dflt_s;
    const kj *dflt_json;  /* KARAK_OBJ/KARAK_LIST default: the parsed JSON text */
    const char *key;      /* the name on the wire: alias, else the member's name (headers:
                             with '_' as '-'); NULL for a list's element */
    const char *key_json; /* what the encoder writes before the value: "alias or name": */
    size_t key_json_len;
    size_t size;          /* bytes of the value: a list element's stride */
    const kschema *sub;   /* KARAK_OBJ: the nested schema */
    kfield *item;         /* KARAK_LIST: the element */
    void *re;             /* compiled pattern (pcre2_code) or NULL */
    bool strict;          /* the field's or its schema's strict mode */
    size_t nchoices;      /* KARAK_ENUM/KARAK_LITERAL */
    const char *expected; /* their "'a', 'b' or 'c'" */
};

struct kschema {
    const karak_schema *schema;
    ksource source;
    karak_field *copies;  /* the table entries, each at the library's sizeof(karak_field) */
    kfield *fields;
    size_t count;
    bool plain;           /* no presence flag, fields-set mask, exclude_if_null or flatten:
                             the encoder writes every field as it is */
    karena mem;           /* what compiling made: keys, elements, sub-schemas' pointers,
                             defaults' trees, expected texts */
    kschema **subs;       /* nested schemas this one owns */
    size_t nsubs;
    const kop *plan;      /* plain schemas: the encoding plan (plan.c); NULL otherwise */
    void *owned;          /* kschema_compile_item: the table compiled, freed with it, */
    karena *owned_mem;    /* and the copies of the item's parts, inside it */
};

/* Entry i of a schema's table (the caller checked it exists): a pointer into the table
 * when it was compiled with this header's karak_field, else a zero-filled copy in *tmp. */
const karak_field *kschema_field_at(const karak_schema *s, size_t i, karak_field *tmp);
/* Number of entries before KARAK_FIELDS_END. */
size_t kschema_field_count(const karak_schema *s);

kschema *kschema_compile(const karak_schema *s, ksource source, char *err, size_t errlen);
/* A lone value (a route's .response_item): compiled as the one field, "response", of a
 * schema made for it; its fields[0] describes the value. */
kschema *kschema_compile_item(const karak_field *item, char *err, size_t errlen);
void kschema_free(kschema *cs);
/* Frees what a kfield compiled to (its pattern, its element's); not the kfield itself. */
void kfield_release(kfield *kf);

/* ---- encoding plans (plan.c) ---- */

/* How a plain model is written, decided once at registration: a flat list of steps. The text
 * that never changes (braces, commas, the escaped keys, a nested plain model's opening) is
 * merged into literal runs, each written as the prefix of the step that follows it; each
 * value is one step of its own kind. A reservation of room precedes every stretch whose
 * output has a bound (literals, numbers, booleans), so those are written without checking
 * for room. Encoding then does no per-field type dispatch, presence checks, room checks or
 * recursion into nested plain models. */
typedef enum kop_kind {
    KOP_END,     /* the prefix, and the plan is done */
    KOP_RESERVE, /* room for len bytes (nothing more is written when that fails) */
    KOP_STR,     /* const char * at offset (NULL: null) */
    KOP_I64,
    KOP_I32,
    KOP_F64,
    KOP_BOOL,
    KOP_LIST,    /* karak_list at offset: [ sub for each element (stride bytes) ] or null */
    KOP_VALUE,   /* anything else: encode.c's general writer for kf at offset */
} kop_kind;

/* A prefix is copied KOP_LIT_CHUNK bytes at a time: it is stored padded with zeros to a
 * whole chunk, and reservations leave a chunk to spare. */
#define KOP_LIT_CHUNK 16

struct kop {
    kop_kind kind;
    const char *lit;  /* the prefix: lit[0..lit_len), written before the value */
    size_t lit_len;
    size_t len;       /* KOP_RESERVE: bytes; KOP_LIST: the element's stride */
    size_t offset;    /* from the start of the outermost object the plan writes */
    const kfield *kf; /* KOP_VALUE */
    const kop *sub;   /* KOP_LIST: the plan of one element, at offset 0 */
    size_t elem_bound; /* KOP_LIST: when not 0, the most bytes one element writes: sub has
                          no reservation of its own, the list reserves for all of them */
};

/* Makes cs->plan (in cs->mem) when cs is plain; false only when out of memory. */
bool kschema_plan(kschema *cs);

/* ---- validation (validate.c) ---- */

/* Parses and checks a field's default text; fills kf->dflt_* (KARAK_OBJ/KARAK_LIST: parses
 * it as JSON into `mem` and validates it). */
typedef enum kdefault_result { KDEFAULT_OK, KDEFAULT_PARSE, KDEFAULT_CONSTRAINT } kdefault_result;
kdefault_result kschema_default(kfield *kf, karena *mem);

/* Validates a JSON object into `out` (schema->size bytes, zeroed by the caller). Errors are
 * added with `loc` as prefix; returns false when any was added. */
bool kschema_from_json(const kschema *cs, const kj *obj, void *out, const kloc *loc,
                       kverrs *errs);

/* Validates string parameters (path, query, headers, cookies): get(ud, key, nth, &len)
 * returns the value or NULL when absent; nth is KPARAM_ONE for a scalar field (the source's
 * rule: the last query pair, the first header) and 0, 1, ... for a list field's values in
 * order. The first loc element is the schema's source. */
#define KPARAM_ONE SIZE_MAX
typedef const char *(*kparam_get)(void *ud, const char *key, size_t nth, size_t *len);
bool kschema_from_params(const kschema *cs, kparam_get get, void *ud, void *out, kverrs *errs);

/* ---- encoding (encode.c) ---- */

/* Encodes a struct described by the compiled `cs` as a JSON object, leaving out what
 * `exclude` (KARAK_EXCLUDE_* flags) says. Keys were escaped at registration. */
void kschema_encode(kbuf *b, const kschema *cs, const void *obj, unsigned exclude);

#endif
