/* The core layer (private), above http, schema, json and util: the app, its routes and
 * router, the per-request context, the parameter pipeline, dispatch and responses.
 *
 * Data flows one way:
 *   server/ (libmicrohttpd or the test client) builds a kreq
 *   kdispatch()   router -> parameters (path, query, header, cookie) and body -> handler
 *                 -> kresp, everything in the request arena
 *   server/       sends or copies the kresp; once it is sent, kdefer_run() runs the
 *                 request's cleanups, and only then is the arena reset
 * Nothing here knows about sockets; nothing in server/ knows about routes or schemas. */
#ifndef KARAK_CORE_H
#define KARAK_CORE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "http/http.h"
#include <karak.h>
#include "schema/schema.h"

/* ---- routes and the router (router.c) ---- */

typedef enum kparam_type { KP_STR, KP_INT, KP_FLOAT, KP_PATH } kparam_type;

/* A path parameter as the route's pattern declares it. */
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
    char *description;
    karak_run_on run_on;   /* where the pipeline runs when served: AUTO, POOL or INLINE */
    atomic_bool moved;     /* AUTO: it blocks, it runs on the pool from now on */
    atomic_int slow_streak; /* AUTO: slow calls in a row on an I/O thread */
    char **tags;           /* NULL-terminated, or NULL */
    karak_handler handler;
    int status;            /* success status: the declared one, else 200 */
    bool status_declared;
    void *data;
    kparam params[KARAK_MAX_PARAMS]; /* in pattern order, as the router captures them */
    size_t nparams;
    /* the pipeline's sources, validated in this order (any may be NULL) */
    kschema *path;         /* compiled from params[] (params.c), or the route's own path
                              schema (app-owned) when path_user */
    bool path_user;
    const karak_schema *response; /* response_model */
    const kschema *response_cs;   /* ...compiled (app-owned): the encoder's keys */
    const kschema *response_item_cs; /* .response_item as a one-field schema (app-owned) */
    bool response_list;
    unsigned response_exclude;
    const karak_provider *const *depends; /* the route's dependencies=[...] */
    void *path_table;      /* the field table behind `path`, owned */
    kschema *query;
    kschema *headers;
    kschema *cookies;
    kschema *body;
    kroute *next_in_node;  /* other routes ending at the same router node */
    kroute *next;          /* registration order */
    size_t index;          /* its place in that order, from 0: servers' per-route tables */
    bool reads_nothing;    /* no path parameter, no query, header, cookie or body model, no
                              dependency of its own or the app's: it mostly answers the same
                              bytes every time (server/memo.c keeps them) */
};

typedef struct knode knode;

typedef struct krouter {
    knode *root;
} krouter;

typedef struct kmatch {
    const kroute *route;       /* full match (path and method), or NULL */
    bool head_via_get;         /* HEAD answered by the GET route */
    bool path_matched;         /* some route matched the path (405 when route is NULL) */
    kslice params[KARAK_MAX_PARAMS]; /* captures, aligned with route->params */
    const char *allow[KARAK_MAX_ALLOW]; /* methods of all routes matching the path, for 405 */
    size_t nallow;
} kmatch;

int krouter_init(krouter *r);
void krouter_free(krouter *r);
/* Parses route->pattern into route->params. Then krouter_add inserts the route, or leaves
 * the tree as it was. Errors are KARAK_E* codes with a message naming the route in err. */
int krouter_parse(kroute *route, char *err, size_t errlen);
int krouter_add(krouter *r, kroute *route, char *err, size_t errlen);
/* `path` is percent-decoded, NUL-terminated, starts with '/'. */
void krouter_match(const krouter *r, const char *method, const char *path, size_t len,
                   kmatch *m);

/* ---- the app (app.c) ---- */

/* ---- dependencies (depends.c; registration in app.c) ---- */

/* A provider some route or the app names: its parameters compiled (app-owned schemas). */
typedef struct kprov {
    const karak_provider *p;
    const kschema *query, *headers, *cookies;
} kprov;

/* Values that live with a worker thread (karak_worker_slot): one store per server worker,
 * or per test client; a worker serves one request at a time, so there is no lock. */
typedef struct kslot {
    const void *key;
    void *value;
    void (*dtor)(void *value);
} kslot;
typedef struct kslots {
    kslot *v;
    size_t n, cap;
} kslots;
/* The slot of `key` (appended, empty, on first use); NULL when out of memory. */
void **kslots_get(kslots *s, const void *key, void (*dtor)(void *value));
/* Runs each slot's dtor on its value (when both are set) and frees the store's array. */
void kslots_destroy(kslots *s);

/* FastAPI's app.dependency_overrides, as a test client holds them. */
typedef struct kdep_override {
    const karak_provider *original;
    const karak_provider *replacement;
} kdep_override;

/* A provider's state in one request. */
typedef enum kdep_state { KDEP_READY, KDEP_INVALID } kdep_state;
typedef struct kdepval {
    const karak_provider *key; /* what it is asked for as (the original of an override) */
    const karak_provider *p;   /* what runs */
    kdep_state state;
    void *value;
    const void *query, *headers, *cookies; /* its validated parameters */
    void **sub_values; /* the values of p->depends, resolved for it (no_cache ones too) */
} kdepval;

/* Resolves the app's and the route's dependencies (before the route's parameters): false
 * when a provider answered or failed (c->resp holds the answer); parameter errors are added
 * to errs. */
bool kdeps_resolve(karak_ctx *c, kverrs *errs);
/* Function-scoped cleanups, newest first, once the handler has returned. */
void kdeps_function_cleanups(karak_ctx *c);

struct karak_app {
    karak_run_on run_on; /* its routes' default */
    char *ready_url;     /* the readiness URL, or NULL */
    char *title;
    char *version;
    size_t max_body;
    void *data;
    karak_log_fn log;
    void *log_data;
    krouter router;
    kroute *routes;
    kroute **routes_tail;
    size_t nroutes;
    kschema **schemas; /* compiled, one per distinct karak_schema and source */
    size_t nschemas;
    kprov *provs;      /* every provider a route or the app names, sub-dependencies too */
    size_t nprovs;
    const karak_provider *const *depends; /* the app's own dependencies */
    int (*on_startup)(void *data);
    void (*on_shutdown)(void *data);
    karak_result (*on_validation_error)(karak_ctx *c, const json_t *errors);
    karak_result (*on_http_error)(karak_ctx *c, int status, const json_t *detail);
    pthread_mutex_t lifespan_lock;
    unsigned lifespan_users; /* servers and clients that ran the startup hook */
    char *error;       /* first registration error */
    bool sealed;
    /* the OpenAPI document and the docs pages, made when the app is sealed */
    char *docs_assets;  /* the option as given (NULL: see make_docs) */
    char *openapi_url;  /* where each is served; NULL: not served */
    char *docs_url;
    char *redoc_url;
    char *openapi;
    size_t openapi_len;
    char *docs_html, *redoc_html;
    /* .docs_dir, opened (-1: none), served under docs_dir_url (static.c) */
    int docs_dir_fd;
    char *docs_dir_url;
    size_t docs_dir_url_len;
};

/* openapi.c: FastAPI's document for the app's routes (a new reference). */
json_t *kopenapi_document(const karak_app *app);
/* The /docs and /redoc pages (malloc'd), their scripts from `assets` (a URL base), the
 * document from `openapi_url`. */
char *kopenapi_swagger_html(const char *title, const char *assets, const char *openapi_url);
char *kopenapi_redoc_html(const char *title, const char *assets, const char *openapi_url);
/* GET or HEAD of the document or a docs page: true when c->resp holds the answer. */
bool kopenapi_serve(karak_ctx *c);

/* static.c: opens `dir` (borrowed) to be served under the app's docs_dir_url, in place of
 * any directory opened before (.docs_dir, then karak_run's --docs-dir). KARAK_ESEALED once
 * the app is sealed; otherwise a KARAK_E* code with a message naming `dir` in err. */
int kstatic_dir_set(karak_app *app, const char *dir, char *err, size_t errlen);
/* Closes the directory, if any (karak_app_free). */
void kstatic_dir_close(karak_app *app);
/* A request under the app's docs_dir_url: true when c->resp holds the answer (the file, a
 * 404 or a 405). */
bool kstatic_serve(karak_ctx *c);

/* Seals the app for serving; returns KARAK_EREGISTER when a route failed to register. */
int karak_app_seal(karak_app *app);
/* A log line through the app's sink (printf-style). */
void karak_app_log(const karak_app *app, karak_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Copies an options struct of the caller's struct_size (0: ours) into a zeroed one of ours.
 * False when the caller's struct is larger and sets a member this version does not know:
 * ignoring it silently would drop what the caller asked for. */
bool kopts_load(void *dst, size_t dst_size, const void *src, size_t src_size);

/* The lifespan hooks, counted: startup before the first user, shutdown after the last.
 * kapp_startup returns 0 or the hook's non-zero result (the start is refused). */
int kapp_startup(karak_app *app);
void kapp_shutdown(karak_app *app);

/* The registered form of provider p, or NULL when no route or app .depends names it. */
const kprov *kapp_provider(const karak_app *app, const karak_provider *p);

/* A compiled form of `s` among the app's (any source: encoding reads the same keys), or
 * NULL when no route names it. */
const kschema *kapp_schema_find(const karak_app *app, const karak_schema *s);

/* ---- the parameter pipeline (params.c) ---- */

/* Builds route->path from route->params (one 8-byte slot per parameter), or, when the route
 * brought its own path schema, checks that it and the pattern name the same parameters with
 * types that agree. */
int kparams_compile_path(kroute *r, char *err, size_t errlen);
/* Validates the path, query, header and cookie sources into the context's structs, adding
 * every error to errs (the body is dispatch.c's, after these). */
void kparams_validate(karak_ctx *c, kverrs *errs);
/* One query, header or cookie schema (a dependency's) validated into a new struct. */
void *kparams_validate_one(karak_ctx *c, const kschema *cs, kverrs *errs);
/* Path parameter `name`'s validated value as `want` (KARAK_I64 or KARAK_F64) into out;
 * false when the route has no such parameter of that type. */
bool kparams_path_value(const karak_ctx *c, const char *name, karak_type want, void *out);

/* ---- requests and responses (context.c, response.c, dispatch.c) ---- */

/* A request as the dispatch core sees it. Strings are borrowed for the request's life. */
typedef struct kreq {
    const char *method;
    const char *target;  /* raw "path?query" as on the wire */
    size_t target_len;
    const karak_pair *headers; /* in order, repeated ones included; or NULL and ... */
    size_t nheaders;
    /* ... made on first use by load_headers(headers_ud, ...), false when out of memory:
       a request that reads no header (GET /) never pays for the list */
    bool (*load_headers)(void *ud, karena *a, const karak_pair **out, size_t *n);
    void *headers_ud;
    const char *body;
    size_t body_len;
    const char *default_host; /* for Location when there is no Host header */
    const char *scheme;       /* the connection's: "https" over TLS; NULL: "http" (a trusted
                                 proxy's word comes first: kctx_origin) */
    /* the test client's dependency overrides: original -> replacement, and the providers
       of the replacements' graphs that the app does not know, compiled by the client */
    const struct kdep_override *overrides;
    size_t noverrides;
    const kprov *extra_provs;
    size_t nextra_provs;
    kslots *slots; /* the serving worker's store (karak_worker_slot); NULL: none */
    /* who sent it: the connection's other end as an IP text (NULL: unknown, a Unix socket),
       and the proxies whose Forwarded / X-Forwarded-* headers are believed (NULL: none) */
    const char *peer;
    const khttp_trust *trust;
    const atomic_bool *draining; /* the server is stopping; NULL: never */
} kreq;

typedef struct kdefer kdefer;
struct kdefer {
    void (*fn)(void *arg);
    void *arg;
    kdefer *next; /* the one registered before: run after this one */
};

typedef struct kresp {
    int status;
    const char *content_type; /* NULL: none */
    const char *body;         /* NULL with len 0: no body */
    size_t body_len;
    karak_pair *headers;      /* extra headers (NUL-terminated name and value) */
    size_t nheaders;
    size_t cap_headers;
    kdefer *cleanups;         /* run by kresp_finish(), newest first */
} kresp;

typedef enum kresp_kind {
    KRESP_NONE = 0, /* the handler has not answered */
    KRESP_BODY,     /* json/model/text: the success status */
    KRESP_EMPTY,    /* no body: the success status, 204 by default */
    KRESP_ERROR,    /* an HTTPException: its own status */
    KRESP_FAILED    /* the last builder failed: a 500 */
} kresp_kind;

struct karak_ctx {
    const karak_app *app;
    karena *arena;
    const kreq *req;
    const kroute *route;
    const char *path;      /* decoded */
    size_t path_len;
    kslice raw_params[KARAK_MAX_PARAMS];
    kslice raw_query;
    karak_pair *query_pairs; /* decoded, parsed on first use */
    karak_pair *query_raw;   /* the same pairs undecoded */
    size_t nquery;
    bool query_parsed;
    const karak_pair *hdrs; /* the request's headers, loaded on first use */
    size_t nhdrs;
    bool hdrs_loaded;
    karak_pair *cookie_pairs;
    size_t ncookies;
    bool cookies_parsed;
    void *path_values;     /* the validated structs of the pipeline's sources */
    void *query;
    void *headers;
    void *cookies;
    void *body;
    int status_override;   /* karak_resp_status_set(), 0: none */
    kresp_kind kind;
    kresp resp;
    bool failed;           /* a handler or accessor misuse: 500 */
    kdepval *deps;         /* the request's dependency values (cache), in the arena */
    size_t ndeps, capdeps;
    const kdepval *dep_current; /* the provider whose provide() runs */
    void **app_dep_values;      /* the values resolved for the app's and the route's */
    void **route_dep_values;    /* .depends, in their order */
    kdefer *fn_cleanups;   /* function-scoped cleanups, newest first */
    kdefer *background;    /* karak_background tasks, oldest first */
    kdefer **background_tail;
    const char *client;    /* the client's address and scheme, proxies believed (kctx_origin) */
    const char *scheme;
    bool origin_done;
};
/* Works out c->client and c->scheme once (out of memory: c->failed). */
void kctx_origin(karak_ctx *c);

/* Runs one request through the app. The response and all it points to live in `a`; the
 * caller hands it over, then calls kresp_finish(). */
void kdispatch(const karak_app *app, const kreq *req, karena *a, kresp *out);
/* The same in two steps, for a server that runs some routes' pipelines on other threads:
 * kdispatch_start decodes and routes; NULL when *out is already the answer (docs, static
 * files, 404, 405, redirects, out of memory), else the request's context, with *on_pool
 * telling where its route asks to run. kdispatch_finish then runs the route's pipeline
 * (dependencies, validation, handler), on any one thread at a time; req and the arena
 * stay alive and untouched by others until it returns. */
/* Whether any of the app's routes runs on the handler pool. */
bool kapp_uses_pool(const karak_app *app);
karak_ctx *kdispatch_start(const karak_app *app, const kreq *req, karena *a, kresp *out,
                           bool *on_pool);
void kdispatch_finish(karak_ctx *c, kresp *out);
/* Whether the request's route is KARAK_RUN_AUTO (and not moved yet): its inline runs are
 * timed for kdispatch_inline_took. */
bool kdispatch_timed(const karak_ctx *c);
/* A served request's pipeline ran inline and took `us` microseconds: a KARAK_RUN_AUTO
 * route that is slow KARAK_AUTO_SLOW_CALLS times in a row moves to the pool. */
void kdispatch_inline_took(karak_ctx *c, long long us);
/* Runs the request's cleanups (newest first) and forgets them: a second call does nothing. */
void kresp_finish(kresp *r);
void kdefer_run(kdefer **list);

/* context.c: parse-on-first-use of the headers, the query and the cookies (false: out of
 * memory, and the request is marked failed) */
bool kctx_headers_load(karak_ctx *c);
/* GET or HEAD: what the built-in pages and the served directory answer. */
bool kctx_get_or_head(const karak_ctx *c);
bool kctx_query_parse(karak_ctx *c);
bool kctx_cookies_parse(karak_ctx *c);
/* context.c: a header value by name from the request (first occurrence), or NULL */
const char *kctx_header(karak_ctx *c, const char *name);

/* response.c */
void kresp_set(kresp *r, int status, const char *content_type, const char *body, size_t len);
bool kresp_add_header(kresp *r, karena *a, const char *name, const char *value);
/* {"detail": <detail as a JSON string>} */
void kresp_error_detail(kresp *r, karena *a, int status, const char *detail);
/* {"detail": <raw JSON text>} */
void kresp_error_raw(kresp *r, karena *a, int status, const char *json, size_t len);
void kresp_internal_error(kresp *r);

#endif
