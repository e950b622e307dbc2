/* Types shared by libkarak's files (private). Data flows one way:
 *   server.c / testclient.c  build a kreq
 *   dispatch.c               route -> validate -> handler -> kresp (in the request arena)
 *   server.c / testclient.c  send or copy the kresp
 * Nothing here knows about sockets; nothing in server.c knows about routes or schemas. */
#ifndef KARAK_INTERNAL_H
#define KARAK_INTERNAL_H

#include <stdio.h>

#include "arena.h"
#include "karak.h"
#include "kjson.h"

#define KARAK_MAX_PARAMS 16
#define KARAK_ERRLEN 512

/* ---- validation errors (errors.c) ---- */

typedef struct kloc {
    const char *key[16]; /* NULL: idx[i] is a list index */
    size_t idx[16];
    int n;
} kloc;

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
} kverrs;

void kverrs_init(kverrs *e, karena *a);
void kloc_push_key(kloc *l, const char *key);
void kloc_push_idx(kloc *l, size_t idx);
void kloc_pop(kloc *l);
/* msg and ctx are copied only if not static: pass static strings or arena strings. */
void kverrs_add(kverrs *e, const char *type, const kloc *loc, const char *msg, const kj *input,
                const char *ctx);
/* {"detail":[...]} */
void kverrs_render(const kverrs *e, kbuf *out);

/* ---- lax coercion (coerce.c): pydantic v2's str_as_int, str_as_float, str_as_bool ---- */

typedef enum kc_result {
    KC_OK = 0,
    KC_PARSING,   /* int_parsing / float_parsing / bool_parsing */
    KC_TOO_BIG,   /* integer beyond int64 (sign in *overflow) */
} kc_result;

kc_result kc_int_from_str(const char *s, size_t n, int64_t *out, int *overflow);
kc_result kc_float_from_str(const char *s, size_t n, double *out);
kc_result kc_bool_from_str(const char *s, size_t n, bool *out);

/* ---- compiled schemas (schema.c) ---- */

typedef struct kfield {
    const karak_field *f;
    bool has_default;
    int64_t dflt_i;
    double dflt_d;
    bool dflt_b;
    const char *dflt_s;
    const char *key; /* the alias, else the member's name */
} kfield;

typedef struct kschema {
    const karak_schema *schema;
    kfield *fields;
    size_t count;
} kschema;

kschema *kschema_compile(const karak_schema *s, char *err, size_t errlen);
void kschema_free(kschema *cs);

/* Validates a JSON object into `out` (schema->size bytes, zeroed by the caller). Errors are
 * added with `loc` as prefix; returns false when any was added. */
bool kschema_from_json(const kschema *cs, const kj *obj, void *out, kloc *loc, kverrs *errs);

/* Validates string parameters (query, later headers and cookies): get(name) returns the
 * value or NULL when absent. `where` is the first loc element ("query"). */
typedef const char *(*kparam_get)(void *ud, const char *name, size_t *len);
bool kschema_from_params(const kschema *cs, kparam_get get, void *ud, const char *where,
                         void *out, kverrs *errs);

/* Encodes a struct described by `s` as a JSON object. */
void kschema_encode(kbuf *b, const karak_schema *s, const void *obj);

/* A path parameter's value (typed in the pattern) validated like a field. */
typedef enum kparam_type { KP_STR, KP_INT, KP_FLOAT, KP_PATH } kparam_type;
typedef union kvalue {
    int64_t i;
    double d;
} kvalue;
bool kvalidate_path_param(kparam_type t, const char *name, const char *s, size_t n, kvalue *out,
                          kverrs *errs);

/* ---- routes and the router (router.c) ---- */

typedef struct kparam {
    char *name;
    kparam_type type;
} kparam;

typedef struct kroute kroute;
struct kroute {
    char *method;
    char *pattern;
    char *name;
    char *summary;
    karak_handler handler;
    int status;
    void *data;
    kschema *body;
    kschema *query;
    kparam params[KARAK_MAX_PARAMS];
    size_t nparams;
    kroute *next_in_node; /* other methods of the same pattern */
    kroute *next;         /* registration order */
};

typedef struct knode knode;

typedef struct krouter {
    knode *root;
} krouter;

typedef struct kslice {
    const char *s;
    size_t n;
} kslice;

typedef struct kmatch {
    const kroute *route;       /* full match (path and method), or NULL */
    bool head_via_get;         /* HEAD answered by the GET route */
    bool path_matched;         /* some route matched the path (405 when route is NULL) */
    kslice params[KARAK_MAX_PARAMS];
    const char *allow[16];     /* methods of all routes matching the path, for 405 */
    size_t nallow;
} kmatch;

karak_status krouter_init(krouter *r);
void krouter_free(krouter *r);
/* Parses route->pattern into route->params and inserts it. */
karak_status krouter_add(krouter *r, kroute *route, char *err, size_t errlen);
/* `path` is percent-decoded, NUL-terminated, starts with '/'. */
void krouter_match(const krouter *r, const char *method, const char *path, size_t len,
                   kmatch *m);

/* ---- the app (app.c) ---- */

struct karak_app {
    char *title;
    char *version;
    size_t max_body;
    void *data;
    krouter router;
    kroute *routes;
    kroute **routes_tail;
    kschema **schemas; /* compiled, one per distinct karak_schema */
    size_t nschemas;
    char *error;       /* first registration error */
    bool sealed;
};

/* Seals the app for serving; returns KARAK_EREGISTER when a route failed to register. */
karak_status karak_app_seal(karak_app *app);

/* ---- requests and responses (request.c, response.c, dispatch.c) ---- */

typedef struct kheader {
    const char *name;
    const char *value;
} kheader;

/* A request as the dispatch core sees it. Strings are borrowed for the request's life. */
typedef struct kreq {
    const char *method;
    const char *target;  /* raw "path?query" as on the wire */
    size_t target_len;
    /* Request headers: lookup of the first value by case-insensitive name. */
    const char *(*header)(void *ud, const char *name);
    void *header_ud;
    const char *body;
    size_t body_len;
    const char *default_host; /* for Location when there is no Host header */
} kreq;

typedef struct kresp {
    int status;
    const char *content_type; /* NULL: none */
    const char *body;         /* NULL with len 0: no body */
    size_t body_len;
    kheader *headers;         /* extra headers */
    size_t nheaders;
    size_t cap_headers;
} kresp;

struct karak_ctx {
    const karak_app *app;
    karena *arena;
    const kreq *req;
    const kroute *route;
    const char *path;      /* decoded */
    size_t path_len;
    kslice raw_params[KARAK_MAX_PARAMS];
    kvalue params[KARAK_MAX_PARAMS];
    kslice raw_query;
    kslice *query_pairs;   /* decoded name, value, name, value... in order; parsed on first
                              use. Lengths, not NULs: "%00" may be part of either */
    size_t nquery;
    bool query_parsed;
    void *body;
    void *query;
    int status;            /* success status: the route's, or karak_set_status() */
    bool status_set;
    kresp resp;
    bool responded;
    bool failed;           /* a handler or accessor misuse: 500 */
};

/* Runs one request through the app. The response and all it points to live in `a`. */
void kdispatch(const karak_app *app, const kreq *req, karena *a, kresp *out);

/* request.c */
char *kdecode_path(karena *a, const char *s, size_t n, size_t *out_len);
bool kquery_parse(karak_ctx *c);
const char *kquery_last(karak_ctx *c, const char *name, size_t *len);
bool kcontent_type_is_json(const char *value);

/* response.c */
const char *kstatus_phrase(int status);
bool kstatus_has_body(int status);
void kresp_set(kresp *r, int status, const char *content_type, const char *body, size_t len);
bool kresp_add_header(kresp *r, karena *a, const char *name, const char *value);
void kresp_error_detail(kresp *r, karena *a, int status, const char *detail);
void kresp_internal_error(kresp *r);

#endif
