/** @file
 * Apps and routes: what a FastAPI user writes as `app = FastAPI()` and `@app.get(...)`.
 * Included by <karak.h>. */
#ifndef KARAK_PUBLIC_APP_H
#define KARAK_PUBLIC_APP_H

#include <karak/common.h>
#include <jansson.h>
#include <karak/schema.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a handler returns: the value of one of the response functions (karak/response.h). */
typedef enum karak_result {
    KARAK_DONE = 0,  /**< a response has been set */
    KARAK_FAIL = -1, /**< the handler failed: the client gets a 500 */
    KARAK_NEXT = 1   /**< a dependency's value is ready: go on (karak/depends.h) */
} karak_result;

/** A dependency, FastAPI's Depends(): declared `static const` (karak/depends.h). */
typedef struct karak_provider karak_provider;

/** A route's handler: reads its request through `c` (karak/request.h) and returns the value
 * of a response builder (karak/response.h), or KARAK_FAIL for a 500. Handlers run
 * concurrently on the server's worker threads; `c` is valid until the handler returns. */
typedef karak_result (*karak_handler)(karak_ctx *c);

/** The level of a log line given to a karak_log_fn. */
typedef enum karak_log_level {
    KARAK_LOG_ERROR = 0, /**< a 500 and its reason, a server that cannot start, a bad option */
    KARAK_LOG_WARN,      /**< a client refused or cut off, requests cut by a stop */
    KARAK_LOG_INFO       /**< the serving address, a shutdown, connections closed at a
                              deadline */
} karak_log_level;

/** Receives libkarak's log lines (serving address, shutdown, errors). `msg` is borrowed for
 * the call and has no trailing newline. May be called from several threads at once. */
typedef void (*karak_log_fn)(void *data, karak_log_level level, const char *msg);

#define KARAK_DEFAULT_MAX_BODY (1024u * 1024u) /**< karak_app_opts.max_body's default, bytes */

/** Where a served route's pipeline runs: its dependencies, its validation and its handler.
 * FastAPI runs a `def` endpoint in a thread pool, so that blocking code (a database call,
 * a file, a sleep) never stalls the event loop, and an `async def` one on the loop itself;
 * C handlers are all plain functions, so libkarak finds out (KARAK_RUN_AUTO), or a route
 * (or the app, for all its routes) says. Routing, 404, 405, redirects and the docs pages
 * always answer on the I/O thread. The in-process test client runs every route on the
 * calling thread. Why the default is what it is: bench/results/pool.md. */
typedef enum karak_run_on {
    KARAK_RUN_DEFAULT = 0, /**< a route: the app's .run_on; the app: KARAK_RUN_AUTO */
    KARAK_RUN_AUTO,   /**< inline (as KARAK_RUN_INLINE) until the route shows it blocks:
                           after KARAK_AUTO_SLOW_CALLS calls in a row of
                           KARAK_AUTO_SLOW_MS or more each on an I/O thread, it runs on the
                           pool from then on (logged once). A route that blocks only now and
                           then stays inline: declare it KARAK_RUN_POOL */
    KARAK_RUN_POOL,   /**< on the server's handler pool (karak_server_opts.threads): the
                           I/O thread goes on serving its other connections meanwhile. The
                           hand-over each way costs some microseconds of CPU per request */
    KARAK_RUN_INLINE, /**< on the I/O thread that read the request: nothing added, but
                           while the handler runs, that thread's other connections wait */
} karak_run_on;

/** KARAK_RUN_AUTO: a call this long (milliseconds, wall clock) on an I/O thread is slow. */
#define KARAK_AUTO_SLOW_MS 1
/** KARAK_RUN_AUTO: this many slow calls in a row move a route to the pool (one alone may
 * be the thread losing its CPU, not the handler blocking). */
#define KARAK_AUTO_SLOW_CALLS 3

/** Options of karak_app_new(). Zero always means "default".
 * Members are only ever added at the end; the karak_new() macro records the size the caller
 * was compiled with (struct_size), and the library reads no further. A struct filled by
 * hand (C++) sets struct_size = sizeof(karak_app_opts) itself; 0 is taken as the library's
 * own size, right only for code compiled against the same version. A caller compiled
 * against a newer header that sets a member this library does not know is refused
 * (NULL here, KARAK_EINVAL elsewhere) rather than silently ignored. */
typedef struct karak_app_opts {
    const char *title;   /**< API title (OpenAPI info.title); copied. NULL: "libkarak" */
    const char *version; /**< API version; copied. NULL: "0.1.0" */
    size_t max_body;     /**< request body limit in bytes, 413 above it. 0: 1 MiB */
    void *data;          /**< user pointer, returned by karak_req_app_data(); borrowed */
    karak_log_fn log;    /**< log sink; NULL: one line per message on stderr, "karak: msg" */
    void *log_data;      /**< first argument of `log`; borrowed */
    size_t struct_size;  /**< sizeof(karak_app_opts) as the caller was compiled (karak_new()
                              sets it); 0: the library's own */
    /* since 0.3 */
    const karak_provider *const *depends; /**< dependencies of every route, resolved before
                                               the route's own (KARAK_DEPS(&a, ...)); static */
    /** FastAPI's lifespan: on_startup(data) runs before the first request is accepted (a
     * server's, or a test client's karak_client_start()); a non-zero return refuses the
     * start. on_shutdown(data) runs once the last request has been answered (after a
     * server's drain, or in karak_client_free()). With several servers of one app, startup
     * runs before the first and shutdown after the last. `data` is .data. @{ */
    int (*on_startup)(void *data);
    void (*on_shutdown)(void *data);
    /** @} */
    /** FastAPI's exception handlers. on_validation_error replaces the 422 body: it gets the
     * list of errors (borrowed, valid during the call) and answers with the response
     * builders; the status is 422 unless it calls karak_resp_status_set().
     * on_http_error answers every HTTP error instead of {"detail": ...}: what handlers and
     * providers raise with karak_resp_error*(), and libkarak's 404 and 405 (their headers,
     * Allow or WWW-Authenticate, are kept); `detail` is the error's detail (borrowed);
     * the status is the error's unless it calls karak_resp_status_set(). Neither sees a
     * 500. A handler that fails, or answers nothing, gives the plain-text 500. @{ */
    karak_result (*on_validation_error)(karak_ctx *c, const json_t *errors);
    karak_result (*on_http_error)(karak_ctx *c, int status, const json_t *detail);
    /** @} */
    /** FastAPI's generated docs: GET /openapi.json (OpenAPI 3.1, made once when the app is
     * sealed), /docs (Swagger UI) and /redoc; not part of the document themselves. */
    bool no_docs;            /**< serve none of the three */
    const char *docs_assets; /**< where `swagger-ui-dist@5/` and `redoc@2/` are, e.g.\ a local
                                  mirror for offline use; copied. NULL: .docs_dir_url when
                                  .docs_dir is set, else jsDelivr's CDN */
    /** FastAPI's openapi_url, docs_url and redoc_url. Each is an absolute path of
     * letters, digits and "/._~-" (anything else is a registration error naming the
     * option); copied. NULL: FastAPI's default ("/openapi.json", "/docs", "/redoc"). The
     * empty string "" switches that one off, as None does in FastAPI; openapi_url = ""
     * switches all three off (the pages would have no document to show), as .no_docs
     * does. karak_app_openapi() and --openapi still give the document. The pages load the
     * document from openapi_url. @{ */
    const char *openapi_url;
    const char *docs_url;
    const char *redoc_url;
    /** @} */
    /** A directory served read-only under .docs_dir_url, FastAPI's
     * app.mount("/static", StaticFiles(directory=...)): for an offline deployment, a copy
     * of swagger-ui-dist (as `swagger-ui-dist@5/`) and redoc (as `redoc@2/bundles/`) that
     * /docs and /redoc then load (.docs_assets defaults to .docs_dir_url). Copied; opened
     * when the app is made (a directory that cannot be opened is a registration error);
     * its files are read when requested, so a file changed on disk is served changed.
     * GET and HEAD only (405 otherwise). A path with an empty, "." or ".." segment, a
     * hidden file (a segment starting with '.'), a symbolic link anywhere below the
     * directory, anything but a regular file, or a missing file is a 404 {"detail":
     * "Not Found"}. Content-Type by extension (html, css, js, mjs, json, map, png, svg,
     * ico, txt, woff, woff2; otherwise application/octet-stream). A file over 64 MiB is a
     * 500, logged. karak_run's --docs-dir (KARAK_DOCS_DIR) sets it from the command line.
     * NULL: nothing is served. */
    const char *docs_dir;
    const char *docs_dir_url; /**< where .docs_dir is served, a path as for openapi_url
                                   (not "/"); copied. NULL: "/static" */
    karak_run_on run_on; /**< where its routes run unless they say; KARAK_RUN_DEFAULT:
                              KARAK_RUN_AUTO */
    const char *ready_url; /**< a readiness URL for load balancers and orchestrators, e.g.\
                                "/ready": GET or HEAD answers 200 {"status":"ready"}, and
                                503 {"status":"draining"} once the server is stopping (a
                                path as for openapi_url; not in the OpenAPI document);
                                copied. NULL: none. A handler can ask karak_req_draining() */
} karak_app_opts;

/** The app's OpenAPI document (JSON text, NUL-terminated; len may be NULL), as /openapi.json
 * serves it. Seals the app. Borrowed, valid until karak_app_free(). NULL when the app has a
 * registration error or memory ran out. */
KARAK_API const char *karak_app_openapi(karak_app *app, size_t *len);

/** A new app. opts may be NULL; its strings are copied. NULL when out of memory or when opts
 * sets members unknown to this version (see above).
 * Free it with karak_app_free() once it no longer serves. */
KARAK_API karak_app *karak_app_new(const karak_app_opts *opts);
/** karak_app_new() with the options as designated initializers: karak_new() or
 * karak_new(.title = "Items", .max_body = 65536) */
#define karak_new(...)                                                                        \
    karak_app_new(&(const karak_app_opts){.struct_size = sizeof(karak_app_opts), __VA_ARGS__})

/** Frees the app and everything it owns. NULL is a no-op. Not while it serves. */
KARAK_API void karak_app_free(karak_app *app);

/** The first registration error as text naming the route and field, or NULL. Borrowed,
 * valid until karak_app_free(). Serving refuses to start while there is one. */
KARAK_API const char *karak_app_error(const karak_app *app);

/** Options of one route. Zero means "default"; struct_size as for karak_app_opts (the route
 * macros set it). Schemas are static: declare them `static const`. */
typedef struct karak_route_opts {
    int status;                  /**< success status code; 0: 200 (204 for karak_resp_empty) */
    const karak_schema *body;    /**< JSON request body; read it with karak_body() */
    const karak_schema *query;   /**< query parameters; read them with karak_query() */
    const karak_schema *headers; /**< header parameters; read them with karak_headers() */
    const karak_schema *cookies; /**< cookie parameters; read them with karak_cookies() */
    const char *summary;         /**< documentation; copied. NULL: from the handler's name */
    void *data;                  /**< user pointer, returned by karak_req_route_data();
                                      borrowed */
    size_t struct_size;          /**< sizeof(karak_route_opts) as the caller was compiled (the
                                      route macros set it); 0: the library's own */
    /* since 0.3 */
    const karak_schema *path;     /**< path parameters as a struct, read with karak_path(): one
                                       field per parameter of the pattern (FastAPI's Path(ge=1),
                                       enum and UUID path parameters); a typed parameter
                                       ({id:int}) keeps its type */
    const karak_schema *response; /**< response_model: what karak_resp_struct() and
                                       karak_resp_list() encode (a narrower schema over the same
                                       struct hides the fields it leaves out) */
    unsigned response_exclude;    /**< KARAK_EXCLUDE_* flags for that encoding */
    bool response_list;           /**< the route answers a list of .response (karak_resp_list):
                                       the OpenAPI document says so */
    const karak_provider *const *depends; /**< FastAPI's dependencies=[...]: resolved before the
                                               handler, after the app's (KARAK_DEPS(&a, ...)),
                                               their values read with karak_depends(); static */
    const char *description;      /**< the operation's description in the OpenAPI document
                                       (FastAPI's description=, or the docstring); copied */
    const char *const *tags;      /**< the operation's tags, NULL-terminated
                                       (KARAK_TAGS("items", ...)); copied */
    karak_run_on run_on;          /**< where it runs when served; KARAK_RUN_DEFAULT: the app's
                                       .run_on */
    const karak_field *response_item; /**< a response that is not a model, for the OpenAPI
                                           document only (what the handler answers is not
                                           checked): KARAK_ITEM(KARAK_DICT, .items =
                                           KARAK_ITEM(KARAK_JSON)) is Python's `-> dict`,
                                           .items = KARAK_ITEM(KARAK_STR) `-> dict[str, str]`,
                                           KARAK_ITEM(KARAK_LIST, ...) a list of scalars;
                                           not with .response. Copied (with its .items and
                                           .choices) and compiled at registration */
} karak_route_opts;

/** A route's tags for .tags: KARAK_TAGS("items", "admin") (FastAPI's tags=[...]). */
#define KARAK_TAGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/** Registers `handler` for `method` (any upper-case token; "GET" also serves HEAD) on
 * `pattern`.
 *
 * Patterns are absolute paths whose segments are literal text or one parameter:
 * - `{name}` or `{name:str}`  one non-empty segment (percent-decoded)
 * - `{name:int}`            int64; a non-integer is a 422 int_parsing at ["path", name]
 * - `{name:float}`          double; 422 float_parsing
 * - `{name:path}`           the rest of the path, '/' included (last segment only)
 *
 * Typed parameters match like {name} and are validated afterwards, as FastAPI does.
 * Precedence per segment, whatever the registration order: literal > parameter > path.
 * Names and types belong to the route: `GET /items/{item_id}` and `DELETE /items/{id}` may
 * both be registered. Routes of one method may share a shape when their parameter types
 * differ (`GET /x/{id:int}` and `GET /x/{name}`): a request goes to the most specific one
 * whose int and float parameters parse from the path (int, then float, then str, the
 * leftmost difference deciding), else to the first registered, whose validation answers
 * 422. A route alone takes any text ({id:int} alone: "abc" is a 422). The same method, shape
 * and parameter types twice is KARAK_ECONFLICT, with a message naming both routes.
 *
 * Parameter sources are validated in FastAPI's order and reported in one 422: path, query,
 * headers, cookies, body. A header field `x_token` is the header `x-token` (underscores
 * become hyphens, matched case-insensitively; an alias is taken as it is); its errors are
 * located at ["header", "x-token"]. Scalar headers take the first occurrence, query
 * parameters the last.
 *
 * `name` is the handler's name (the macros pass it); method, pattern and name are copied.
 * opts may be NULL. Errors (malformed pattern, duplicate route, bad schema) are returned
 * as KARAK_E* codes and also kept for karak_app_error(), which stops the app from serving. */
KARAK_API int karak_route_add(karak_app *app, const char *method, const char *pattern,
                              karak_handler handler, const char *name,
                              const karak_route_opts *opts);

#define KARAK_ROUTE_(method, app, pattern, handler, ...)                                      \
    karak_route_add((app), (method), (pattern), (handler), #handler,                          \
                    &(const karak_route_opts){__VA_ARGS__})
/** @def karak_get
 * karak_route_add() for GET (and HEAD) with the handler's name and the route options as
 * designated initializers:
 * karak_get(app, "/items/{id:int}", get_item) or karak_post(app, "/items", create,
 * .body = &item_schema, .status = 201) */
#define KARAK_ROUTE_END_ .struct_size = sizeof(karak_route_opts)
#define karak_get(...) KARAK_ROUTE_("GET", __VA_ARGS__, KARAK_ROUTE_END_)
/** karak_route_add() for POST; see karak_get(). */
#define karak_post(...) KARAK_ROUTE_("POST", __VA_ARGS__, KARAK_ROUTE_END_)
/** karak_route_add() for PUT; see karak_get(). */
#define karak_put(...) KARAK_ROUTE_("PUT", __VA_ARGS__, KARAK_ROUTE_END_)
/** karak_route_add() for PATCH; see karak_get(). */
#define karak_patch(...) KARAK_ROUTE_("PATCH", __VA_ARGS__, KARAK_ROUTE_END_)
/** karak_route_add() for DELETE; see karak_get(). */
#define karak_delete(...) KARAK_ROUTE_("DELETE", __VA_ARGS__, KARAK_ROUTE_END_)

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_APP_H */
