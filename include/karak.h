/* libkarak: FastAPI's programming model for C.
 *
 * Declare a route, its typed inputs and its output once; libkarak routes, parses, validates
 * (every error in one pydantic-v2-style 422), calls the handler with typed values, serializes
 * the result and serves it over HTTP/1.1 (libmicrohttpd) or in-process (the test client).
 *
 * Ownership, as jansson writes it at every function:
 *   copied    libkarak keeps its own copy; the caller may free or reuse its argument at once.
 *   borrowed  the pointer stays owned by its owner; the comment says how long it is valid.
 *   static    the argument must outlive the app (schemas, field tables, patterns are copied,
 *             but schema tables are referenced: declare them `static const`).
 *   taken     libkarak owns it from the call on, also when the call fails (`_new` suffix).
 * Everything a request allocates lives in a per-request arena that is released after the
 * response has been sent: handlers free nothing per request.
 *
 * Threads: register routes before karak_run()/karak_serve()/karak_client_new(); after that the
 * app is sealed and read-only, and handlers run concurrently on the server's worker threads.
 * A karak_ctx belongs to one request and must not be used after the handler has returned.
 *
 * Locale: numbers are parsed and printed with the C library under the default "C" locale;
 * an app that changes LC_NUMERIC with setlocale() gets wrong decimal points.
 */
#ifndef KARAK_H
#define KARAK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(KARAK_BUILDING) && defined(__GNUC__)
#define KARAK_API __attribute__((visibility("default")))
#else
#define KARAK_API
#endif

#define KARAK_VERSION_MAJOR 0
#define KARAK_VERSION_MINOR 1
#define KARAK_VERSION_PATCH 0
#define KARAK_VERSION_STRING "0.1.0"

/* ---------------------------------------------------------------------------------------- */
/* Status codes of API calls                                                                 */

typedef enum karak_status {
    KARAK_OK = 0,
    KARAK_ENOMEM = -1,    /* out of memory */
    KARAK_EINVAL = -2,    /* invalid argument: malformed pattern, schema or option */
    KARAK_ECONFLICT = -3, /* the route conflicts with one already registered */
    KARAK_ESEALED = -4,   /* the app is already serving; it can no longer change */
    KARAK_ESYSTEM = -5,   /* the operating system refused (socket, bind, threads) */
    KARAK_EREGISTER = -6  /* a route failed to register earlier; see karak_app_error() */
} karak_status;

/* Static English text for a status. Never NULL. */
KARAK_API const char *karak_strerror(karak_status status);

/* The library's version string ("0.1.0"), static. */
KARAK_API const char *karak_version(void);

/* ---------------------------------------------------------------------------------------- */
/* Schemas: C structs described once, validated like pydantic v2 models                     */

typedef enum karak_type {
    KARAK_STR = 1, /* const char *: UTF-8, NUL-terminated, in the request arena */
    KARAK_I64,     /* int64_t */
    KARAK_I32,     /* int32_t */
    KARAK_F64,     /* double */
    KARAK_BOOL     /* bool */
} karak_type;

/* One field of a struct. Write it with KARAK_FIELD(); zero always means "not set".
 * Numeric bounds are set with KARAK_GT(x), KARAK_GE(x), KARAK_LT(x), KARAK_LE(x): a bare
 * `.gt = 0` could not be told from "no bound". Violations give pydantic's greater_than,
 * greater_than_equal, less_than, less_than_equal errors. */
typedef struct karak_field {
    const char *name;   /* the C member's name (set by KARAK_FIELD) */
    const char *alias;  /* JSON key / parameter name when it differs from the member's name */
    size_t offset;      /* offsetof the member */
    size_t size;        /* sizeof the member, checked against the type at registration */
    karak_type type;
    const char *dflt;   /* default as the text a client would send ("1", "true", "x");
                           validated at registration. NULL: required (unless optional) */
    bool optional;      /* may be absent or JSON null; a KARAK_STR member is then NULL,
                           other types need a presence flag: see KARAK_FIELD_OPT() */
    size_t has_offset;  /* set by KARAK_FIELD_OPT: offsetof(presence bool) + 1 */
    size_t min_len;     /* strings: at least this many code points (0: no bound) */
    size_t max_len;     /* strings: at most this many code points (0: no bound) */
    double gt, ge, lt, le;
    bool has_gt, has_ge, has_lt, has_le;
    const char *description; /* for documentation */
    int end_;           /* sentinel for the option macros; leave alone */
} karak_field;

#define KARAK_FIELD_(T, member, ty, ...)                                                      \
    {                                                                                         \
        .name = #member, .offset = offsetof(T, member), .size = sizeof(((T *)0)->member),     \
        .type = (ty), __VA_ARGS__                                                             \
    }
/* KARAK_FIELD(StructType, member, KARAK_<TYPE>, options...): options are designated
 * initializers of karak_field (.dflt = "1", .max_len = 100, KARAK_GT(0), .alias = "x-key"). */
#define KARAK_FIELD(...) KARAK_FIELD_(__VA_ARGS__, .end_ = 0)
/* An optional field whose absence is recorded in a `bool` member `has`:
 * KARAK_FIELD_OPT(Item, tax, has_tax, KARAK_F64). The encoder writes null when it is false. */
#define KARAK_FIELD_OPT_(T, member, has, ty, ...)                                             \
    KARAK_FIELD_(T, member, ty, .optional = true, .has_offset = offsetof(T, has) + 1,        \
                 __VA_ARGS__)
#define KARAK_FIELD_OPT(...) KARAK_FIELD_OPT_(__VA_ARGS__, .end_ = 0)
#define KARAK_FIELDS_END { .name = NULL }
#define KARAK_GT(x) .gt = (x), .has_gt = true
#define KARAK_GE(x) .ge = (x), .has_ge = true
#define KARAK_LT(x) .lt = (x), .has_lt = true
#define KARAK_LE(x) .le = (x), .has_le = true

/* A struct type: its name (the OpenAPI component name), size and field table, which ends
 * with KARAK_FIELDS_END. Both must be static: libkarak keeps pointers to them. */
typedef struct karak_schema {
    const char *name;
    size_t size;
    const karak_field *fields;
} karak_schema;

#define KARAK_SCHEMA(T, field_table) { .name = #T, .size = sizeof(T), .fields = (field_table) }

/* ---------------------------------------------------------------------------------------- */
/* Apps and routes                                                                           */

typedef struct karak_app karak_app;
typedef struct karak_ctx karak_ctx;

/* What a handler returns: the value of one of the response functions below. */
typedef enum karak_result {
    KARAK_DONE = 0,  /* a response has been set */
    KARAK_FAIL = -1  /* the handler failed: the client gets a 500 */
} karak_result;

typedef karak_result (*karak_handler)(karak_ctx *c);

typedef struct karak_app_opts {
    const char *title;   /* API title (OpenAPI info.title); copied. NULL: "libkarak" */
    const char *version; /* API version; copied. NULL: "0.1.0" */
    size_t max_body;     /* request body limit in bytes, 413 above it. 0: 1 MiB */
    void *data;          /* user pointer, returned by karak_app_data(); borrowed */
    int end_;
} karak_app_opts;

/* A new app. opts may be NULL; its strings are copied. NULL only when out of memory.
 * Free it with karak_app_free() once it no longer serves. */
KARAK_API karak_app *karak_app_new(const karak_app_opts *opts);
/* karak_new() or karak_new(.title = "Items", .max_body = 65536) */
#define karak_new(...) karak_app_new(&(const karak_app_opts){.end_ = 0, __VA_ARGS__})

/* Frees the app and everything it owns. NULL is a no-op. Not while it serves. */
KARAK_API void karak_app_free(karak_app *app);

/* The first registration error as text naming the route and field, or NULL. Borrowed,
 * valid until karak_app_free(). Serving refuses to start while there is one. */
KARAK_API const char *karak_app_error(const karak_app *app);

typedef struct karak_route_opts {
    int status;                 /* success status code; 0: 200 */
    const karak_schema *body;   /* JSON request body; read it with karak_body(). static */
    const karak_schema *query;  /* query parameters; read them with karak_query(). static */
    const char *summary;        /* documentation; copied. NULL: from the handler's name */
    void *data;                 /* user pointer, returned by karak_route_data(); borrowed */
    int end_;
} karak_route_opts;

/* Registers `handler` for `method` (any token; "GET" also serves HEAD) on `pattern`.
 *
 * Patterns are absolute paths whose segments are literal text or one parameter:
 *   {name} or {name:str}  one non-empty segment (percent-decoded)
 *   {name:int}            int64; a non-integer is a 422 int_parsing at ["path", name]
 *   {name:float}          double; 422 float_parsing
 *   {name:path}           the rest of the path, '/' included (last segment only)
 * Typed parameters match like {name} and are validated afterwards, as FastAPI does.
 * Precedence per segment, whatever the registration order: literal > parameter > path.
 *
 * `name` is the handler's name (the macros pass it); method, pattern and name are copied.
 * opts may be NULL. Errors (malformed pattern, duplicate route, bad schema) are returned
 * and also kept for karak_app_error(), which stops the app from serving. */
KARAK_API karak_status karak_route_add(karak_app *app, const char *method, const char *pattern,
                                       karak_handler handler, const char *name,
                                       const karak_route_opts *opts);

#define KARAK_ROUTE_(method, app, pattern, handler, ...)                                      \
    karak_route_add((app), (method), (pattern), (handler), #handler,                          \
                    &(const karak_route_opts){__VA_ARGS__})
/* karak_get(app, "/items/{id:int}", get_item) or karak_post(app, "/items", create,
 * .body = &item_schema, .status = 201) */
#define karak_get(...) KARAK_ROUTE_("GET", __VA_ARGS__, .end_ = 0)
#define karak_post(...) KARAK_ROUTE_("POST", __VA_ARGS__, .end_ = 0)
#define karak_put(...) KARAK_ROUTE_("PUT", __VA_ARGS__, .end_ = 0)
#define karak_patch(...) KARAK_ROUTE_("PATCH", __VA_ARGS__, .end_ = 0)
#define karak_delete(...) KARAK_ROUTE_("DELETE", __VA_ARGS__, .end_ = 0)

/* ---------------------------------------------------------------------------------------- */
/* Serving                                                                                   */

typedef struct karak_serve_opts {
    const char *host;         /* address to bind; NULL: "127.0.0.1" */
    unsigned port;            /* 0: 8000. Use KARAK_PORT_ANY for a free port */
    unsigned workers;         /* worker threads; 0: the number of CPUs */
    unsigned max_connections; /* concurrent connections; 0: 10000 (capped by RLIMIT_NOFILE) */
    unsigned timeout;         /* idle connection timeout in seconds; 0: 30 */
    int end_;
} karak_serve_opts;

#define KARAK_PORT_ANY 65536u

/* Serves the app over HTTP/1.1 until SIGINT or SIGTERM, then stops accepting, lets in-flight
 * requests finish and returns 0. Prints "karak: serving on http://HOST:PORT" to stderr once
 * listening. Returns a karak_status (< 0) when it cannot start. Seals the app. */
KARAK_API int karak_serve(karak_app *app, const karak_serve_opts *opts);

/* Command-line front end of karak_serve(): --host, --port, --workers, --max-connections,
 * --timeout (defaults from KARAK_HOST, KARAK_PORT, KARAK_WORKERS, KARAK_MAX_CONNECTIONS,
 * KARAK_TIMEOUT, then the karak_serve defaults), --help. Returns a process exit code:
 * 0 after a clean shutdown, 2 for a usage or registration error, 1 when serving failed.
 * Does not free the app. */
KARAK_API int karak_run(karak_app *app, int argc, char **argv);

/* ---------------------------------------------------------------------------------------- */
/* Inside a handler: the request                                                             */

/* Path parameters by their pattern name, already validated. Asking for a name the pattern
 * does not have, or with the wrong type, returns 0 / NULL and turns the response into a 500. */
KARAK_API int64_t karak_path_i64(karak_ctx *c, const char *name);
KARAK_API double karak_path_f64(karak_ctx *c, const char *name);
/* Borrowed, valid until the response is sent. {name:int}/{name:float} give the raw text. */
KARAK_API const char *karak_path_str(karak_ctx *c, const char *name);

/* The validated body / query struct of the route's schema (NULL if the route has none).
 * Borrowed, valid until the response is sent. */
KARAK_API const void *karak_body(karak_ctx *c);
KARAK_API const void *karak_query(karak_ctx *c);

/* A query parameter's decoded value (the last one when repeated), a request header's value
 * (the first occurrence, name case-insensitive), or NULL. Borrowed, valid until the
 * response is sent. */
KARAK_API const char *karak_query_param(karak_ctx *c, const char *name);
KARAK_API const char *karak_header(karak_ctx *c, const char *name);

/* The request method and the percent-decoded path. Borrowed, valid until the response. */
KARAK_API const char *karak_method(karak_ctx *c);
KARAK_API const char *karak_path(karak_ctx *c);

/* Memory in the request arena, released after the response: never free it. NULL only when
 * out of memory. karak_alloc memory is zeroed and aligned for any type. */
KARAK_API void *karak_alloc(karak_ctx *c, size_t size);
KARAK_API char *karak_strdup(karak_ctx *c, const char *s);

/* The user pointers of the app and of the matched route. */
KARAK_API void *karak_app_data(karak_ctx *c);
KARAK_API void *karak_route_data(karak_ctx *c);

/* ---------------------------------------------------------------------------------------- */
/* Inside a handler: the response. Each returns KARAK_DONE, or KARAK_FAIL when it could not
 * build the response (the client then gets a 500); a later call replaces an earlier one.   */

/* JSON response from a jansson value; `value` is taken (decref'd by libkarak), NULL gives a
 * 500 so `karak_json_new(c, json_pack(...))` needs no check. Compact, UTF-8, floats in
 * Python repr form (9.99, 3.0, 1e+16), non-finite floats as null. Status: the route's. */
KARAK_API karak_result karak_json_new(karak_ctx *c, json_t *value);

/* JSON response from a struct described by `schema` (static); `obj` is read at once. */
KARAK_API karak_result karak_model(karak_ctx *c, const karak_schema *schema, const void *obj);

/* text/plain; charset=utf-8 response; `text` is copied. */
KARAK_API karak_result karak_text(karak_ctx *c, const char *text);

/* A response without a body: 204 unless karak_set_status() chose another status. */
KARAK_API karak_result karak_empty(karak_ctx *c);

/* FastAPI's HTTPException: `{"detail": detail}` with `status`. detail is copied; NULL means
 * the status's reason phrase ("Not Found"). 204/304/1xx get no body. */
KARAK_API karak_result karak_error(karak_ctx *c, int status, const char *detail);
/* The same with any JSON detail; `detail` is taken. */
KARAK_API karak_result karak_error_json_new(karak_ctx *c, int status, json_t *detail);

/* Overrides the route's status for the success response (100-599; others are ignored). */
KARAK_API void karak_set_status(karak_ctx *c, int status);

/* Adds a response header (name and value copied). Content-Type and Content-Length are
 * libkarak's; adding them is refused with KARAK_EINVAL, as is a CR or LF in either string. */
KARAK_API karak_status karak_header_add(karak_ctx *c, const char *name, const char *value);

/* ---------------------------------------------------------------------------------------- */
/* Test client: requests through the same dispatch core as the server, without a socket     */

typedef struct karak_client karak_client;
typedef struct karak_response karak_response;

/* A client for `app` (borrowed: the app must outlive the client). Seals the app. NULL when
 * out of memory or when the app has a registration error (see karak_app_error()).
 * A client sends one request at a time; use one client per thread. */
KARAK_API karak_client *karak_client_new(karak_app *app);
KARAK_API void karak_client_free(karak_client *client);

typedef struct karak_request_opts {
    const char *const *headers; /* NULL-terminated list of name, value, name, value... */
    const char *json;           /* JSON body text, sent with Content-Type application/json */
    const void *body;           /* raw body (when .json is NULL) */
    size_t body_len;            /* its length; 0 with a body: strlen(body) */
    bool no_redirects;          /* return a 307 instead of following it (like FastAPI's
                                   TestClient, redirects are followed by default) */
    int end_;
} karak_request_opts;

/* Sends `method` `target` ("/path?query", raw as on the wire) to the app. Everything is
 * copied. The response is the caller's: free it with karak_response_free(). NULL only when
 * out of memory or when an argument is invalid. */
KARAK_API karak_response *karak_client_request(karak_client *client, const char *method,
                                               const char *target,
                                               const karak_request_opts *opts);

#define KARAK_REQUEST_(method, client, target, ...)                                           \
    karak_client_request((client), (method), (target), &(const karak_request_opts){__VA_ARGS__})
#define karak_client_get(...) KARAK_REQUEST_("GET", __VA_ARGS__, .end_ = 0)
#define karak_client_head(...) KARAK_REQUEST_("HEAD", __VA_ARGS__, .end_ = 0)
#define karak_client_post(...) KARAK_REQUEST_("POST", __VA_ARGS__, .end_ = 0)
#define karak_client_put(...) KARAK_REQUEST_("PUT", __VA_ARGS__, .end_ = 0)
#define karak_client_patch(...) KARAK_REQUEST_("PATCH", __VA_ARGS__, .end_ = 0)
#define karak_client_delete(...) KARAK_REQUEST_("DELETE", __VA_ARGS__, .end_ = 0)

KARAK_API int karak_response_status(const karak_response *r);
/* A response header by name (case-insensitive), e.g. "content-type", or NULL. Borrowed,
 * valid until karak_response_free(). Content-Length is included as the server sends it. */
KARAK_API const char *karak_response_header(const karak_response *r, const char *name);
/* The body, NUL-terminated (len may be NULL). Borrowed, valid until karak_response_free(). */
KARAK_API const char *karak_response_body(const karak_response *r, size_t *len);
/* The body parsed as JSON: a new reference, or NULL when it is not JSON. */
KARAK_API json_t *karak_response_json(const karak_response *r);
KARAK_API void karak_response_free(karak_response *r);

#ifdef __cplusplus
}
#endif

#endif /* KARAK_H */
