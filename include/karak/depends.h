/** @file
 * Dependencies: FastAPI's Depends() in C. Included by <karak.h>.
 *
 * A provider is declared once, `static const`, and used three ways:
 *   - in a route's (or the app's) .depends = KARAK_DEPS(&auth, &db): resolved before the
 *     handler runs, in order, each after its own sub-dependencies;
 *   - inside a handler or another provider: karak_depends(c, &db) gives its value;
 *   - as a ready security scheme: karak_http_bearer, karak_http_basic, KARAK_API_KEY_*.
 *
 * @code
 *   static karak_result current_user(karak_ctx *c, void *value)
 *   {
 *       const karak_credentials *cred = karak_depends(c, &karak_http_bearer);
 *       const User *u = cred ? find_user(cred->credentials) : NULL;
 *       if (u == NULL) return karak_resp_error(c, 401, "Invalid token");
 *       *(const User **)value = u;
 *       return KARAK_NEXT;
 *   }
 *   static const karak_provider user_dep = {.name = "current_user", .size = sizeof(User *),
 *       .provide = current_user, .depends = KARAK_DEPS(&karak_http_bearer)};
 * @endcode
 *
 * Order, as FastAPI's solve_dependencies: the body is read and parsed first (a JSON syntax
 * error is a 422 before any dependency runs); then the app's dependencies, then the
 * route's, each after its sub-dependencies and its own parameters (.query, .headers,
 * .cookies, validated like a route's); a provider whose parameters or sub-dependencies
 * failed is not called and its errors join the 422; a provider that answers (an HTTP error,
 * e.g. a 401) ends the request at once with that answer, before any other validation;
 * then the route's own parameters and body.
 *
 * Cache: a provider runs at most once per request, however many routes, providers and
 * handlers ask for it (FastAPI's use_cache); .no_cache runs it for every use. Its parameter
 * errors are reported once (FastAPI repeats them per use).
 *
 * Cleanups (a `yield` dependency's code after the yield): .cleanup(value, status, data) runs
 * for every provider whose provide succeeded, in the reverse order of setup, also when the
 * handler or a later provider failed or answered; `status` is the response's status, so a
 * cleanup can commit on success and roll back otherwise. Scope KARAK_SCOPE_REQUEST (the
 * default): after the response has been sent; KARAK_SCOPE_FUNCTION: right after the handler
 * returns, before the response is sent.
 *
 * Threads: providers run on the server's worker threads, one request at a time each, and
 * may be called concurrently for different requests: a provider's `data` is shared by all
 * of them and must be read-only or guarded by its owner. Values live in the request's arena
 * until the request ends. */
#ifndef KARAK_PUBLIC_DEPENDS_H
#define KARAK_PUBLIC_DEPENDS_H

#include <karak/app.h>

#ifdef __cplusplus
extern "C" {
#endif

/** When a provider's cleanup runs (karak_provider.scope). */
typedef enum karak_scope {
    KARAK_SCOPE_REQUEST = 0, /**< cleanup after the response has been sent */
    KARAK_SCOPE_FUNCTION     /**< cleanup right after the handler returns */
} karak_scope;

/** A dependency, FastAPI's Depends(): declared once, `static const`, and named in .depends
 * lists or asked for with karak_depends() (see karak/depends.h). libkarak keeps a pointer
 * to it: it must outlive the app. */
struct karak_provider {
    const char *name; /**< for registration errors and logs */
    size_t size;      /**< bytes of the value (zeroed before provide); 0: run for its effect */
    /** Computes the value into `value`. Returns KARAK_NEXT when it is ready; the result of a
     * response builder (`return karak_resp_error(c, 401, "...")`) to end the request with
     * that response, as raising HTTPException does; KARAK_FAIL for a 500. */
    karak_result (*provide)(karak_ctx *c, void *value);
    /** Optional: the end of a `yield` dependency (see above). Must not use the karak_ctx. */
    void (*cleanup)(void *value, int status, void *data);
    const karak_provider *const *depends; /**< sub-dependencies, KARAK_DEPS(&a, &b) */
    /** its own parameters, validated before it runs and read inside provide with
     * karak_dep_query(), karak_dep_headers(), karak_dep_cookies(); this one: query */
    const karak_schema *query;
    const karak_schema *headers;          /**< its header parameters (karak_dep_headers()) */
    const karak_schema *cookies;          /**< its cookie parameters (karak_dep_cookies()) */
    bool no_cache;                        /**< FastAPI's use_cache=False */
    karak_scope scope;                    /**< when cleanup runs; 0: KARAK_SCOPE_REQUEST */
    void *data; /**< the provider's own pointer: karak_dep_data() in provide, and cleanup's */
};

/** A NULL-terminated list of providers: .depends = KARAK_DEPS(&auth, &db) */
#define KARAK_DEPS(...) ((const karak_provider *const[]){__VA_ARGS__, NULL})

/** The value of provider p for this request: the cached one, or computed now (with its
 * sub-dependencies and parameters). Borrowed, valid until the request ends. NULL when the
 * provider answered (its response is set: return KARAK_DONE from the handler at once), its
 * parameters failed (the response is their 422: the same), or it failed (a 500). A provider
 * with parameters must be named by some route's or the app's .depends, so its schemas are
 * compiled at registration; otherwise karak_depends gives a 500 and a log line. */
KARAK_API const void *karak_depends(karak_ctx *c, const karak_provider *p);

/** Inside a provider's provide(): its own validated parameters (NULL when it declared none)
 * and its data pointer. This one: its .query struct. */
KARAK_API const void *karak_dep_query(karak_ctx *c);
/** Inside provide(): the provider's validated .headers struct (NULL when it declared none). */
KARAK_API const void *karak_dep_headers(karak_ctx *c);
/** Inside provide(): the provider's validated .cookies struct (NULL when it declared none). */
KARAK_API const void *karak_dep_cookies(karak_ctx *c);
/** Inside provide(): the provider's .data pointer. NULL outside a provider. */
KARAK_API void *karak_dep_data(karak_ctx *c);

/** A value that lives with the worker thread serving this request (an I/O thread, or a
 * handler pool thread for a route that runs there: karak_run_on), e.g.\ one SQLite
 * connection per worker handed out by a provider without a lock on the request path
 * (a worker serves one request at a time). The first time a worker asks for `key` (any
 * unique address, such as the provider's), *slot is NULL: put the value there.
 * dtor(value) runs for each worker's value when the server stops (after its drain) or
 * the test client is freed (a test client is one worker). NULL when out of memory. */
KARAK_API void **karak_worker_slot(karak_ctx *c, const void *key, void (*dtor)(void *value));

/* ---- security schemes, as FastAPI ships them ---- */

/** HTTPBearer / HTTPDigest-style credentials: `"Authorization: <scheme> <credentials>"`. */
typedef struct karak_credentials {
    const char *scheme;      /**< as sent ("Bearer", "bearer") */
    const char *credentials; /**< the rest, stripped */
} karak_credentials;

/** HTTPBasic: the base64 "user:password" decoded (ASCII). */
typedef struct karak_basic_credentials {
    const char *username; /**< before the first ':' */
    const char *password; /**< after it (may contain ':') */
} karak_basic_credentials;

/** What a security provider is configured with (its .data). */
typedef struct karak_security {
    const char *name;  /**< API keys: the header, query parameter or cookie name */
    const char *realm; /**< HTTP Basic: WWW-Authenticate: Basic realm="..." when set */
    bool optional;     /**< auto_error=False: NULL value instead of a 401 */
    int end_;          /**< for the macros; leave alone */
} karak_security;

/** Ready providers. Missing or malformed credentials answer FastAPI's 401
 * {"detail":"Not authenticated"} with WWW-Authenticate: Bearer / Basic / APIKey. Their
 * values: karak_http_bearer -> karak_credentials, karak_http_basic ->
 * karak_basic_credentials, the API keys -> const char * (the key). This one: FastAPI's
 * HTTPBearer(), "Authorization: Bearer <token>" (any case). */
KARAK_API extern const karak_provider karak_http_bearer;
/** karak_http_bearer with auto_error=False: NULL value, no 401 (the karak_credentials'
 * fields are NULL when the request has no bearer token). */
KARAK_API extern const karak_provider karak_http_bearer_optional;
/** FastAPI's HTTPBasic(): the value is a karak_basic_credentials; a 401 with
 * WWW-Authenticate: Basic. KARAK_HTTP_BASIC() makes one with a realm, or an optional one. */
KARAK_API extern const karak_provider karak_http_basic;

/** Provider functions behind the configurable schemes (use the macros below). This one:
 * HTTP Basic (KARAK_HTTP_BASIC()). */
KARAK_API karak_result karak_security_http_basic(karak_ctx *c, void *value);
/** The provider function of KARAK_API_KEY_HEADER(). */
KARAK_API karak_result karak_security_api_key_header(karak_ctx *c, void *value);
/** The provider function of KARAK_API_KEY_QUERY(). */
KARAK_API karak_result karak_security_api_key_query(karak_ctx *c, void *value);
/** The provider function of KARAK_API_KEY_COOKIE(). */
KARAK_API karak_result karak_security_api_key_cookie(karak_ctx *c, void *value);

/** @def KARAK_API_KEY_HEADER
 * FastAPI's APIKeyHeader(name=...): the key from the header named by the first argument,
 * karak_security options after it.
 * Provider definitions, each used as the initializer of a static const karak_provider:
 * @code
 *   static const karak_provider api_key = KARAK_API_KEY_HEADER("X-Key");
 *   static const karak_provider maybe_key = KARAK_API_KEY_QUERY("key", .optional = true);
 *   static const karak_provider basic = KARAK_HTTP_BASIC(.realm = "notes");
 * @endcode */
#define KARAK_API_KEY_(fn, ...)                                                               \
    {                                                                                         \
        .name = "api_key", .size = sizeof(const char *), .provide = (fn),                     \
        .data = (void *)&(const karak_security){.name = __VA_ARGS__}                          \
    }
#define KARAK_API_KEY_HEADER(...) KARAK_API_KEY_(karak_security_api_key_header, __VA_ARGS__)
/** FastAPI's APIKeyQuery(name=...): the key from that query parameter; see
 * KARAK_API_KEY_HEADER(). */
#define KARAK_API_KEY_QUERY(...) KARAK_API_KEY_(karak_security_api_key_query, __VA_ARGS__)
/** FastAPI's APIKeyCookie(name=...): the key from that cookie; see KARAK_API_KEY_HEADER(). */
#define KARAK_API_KEY_COOKIE(...) KARAK_API_KEY_(karak_security_api_key_cookie, __VA_ARGS__)
/** FastAPI's HTTPBasic(...), karak_security options as designated initializers
 * (.realm, .optional); see KARAK_API_KEY_HEADER(). */
#define KARAK_HTTP_BASIC(...)                                                                 \
    {                                                                                         \
        .name = "http_basic", .size = sizeof(karak_basic_credentials),                        \
        .provide = karak_security_http_basic,                                                 \
        .data = (void *)&(const karak_security){.end_ = 0, __VA_ARGS__}                       \
    }

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_DEPENDS_H */
