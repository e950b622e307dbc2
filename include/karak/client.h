/** @file
 * The test client: requests through the same dispatch core as the server, without a socket,
 * as FastAPI's TestClient (Host: testserver, user-agent: testclient, redirects followed).
 * Included by <karak.h>. Its answers are karak_reply objects, read with karak_reply_*. */
#ifndef KARAK_PUBLIC_CLIENT_H
#define KARAK_PUBLIC_CLIENT_H

#include <jansson.h>
#include <karak/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An in-process test client of one app (karak_client_new()); opaque. */
typedef struct karak_client karak_client;
/** The answer to one test-client request: status, headers and body (karak_reply_*); the
 * caller's, freed with karak_reply_free(). */
typedef struct karak_reply karak_reply;

/** A client for `app` (borrowed: the app must outlive the client). Seals the app. NULL when
 * out of memory or when the app has a registration error (see karak_app_error()).
 * A client sends one request at a time; use one client per thread. */
KARAK_API karak_client *karak_client_new(karak_app *app);
/** FastAPI's `with TestClient(app)`: runs the app's startup hook (karak_app_opts.on_startup)
 * now and its shutdown hook in karak_client_free(). Returns 0, or the hook's non-zero
 * result (then nothing runs at the free). A second call does nothing. */
KARAK_API int karak_client_start(karak_client *client);
/** A dependency (karak/depends.h), declared here too so that this header stands alone. */
typedef struct karak_provider karak_provider;
/** FastAPI's app.dependency_overrides[original] = replacement, for this client's requests:
 * wherever `original` would be resolved (a route's or the app's .depends, a
 * sub-dependency, karak_depends()), `replacement` runs instead, and karak_depends(c,
 * &original) gives its value. Its own parameters and sub-dependencies count. NULL removes
 * the override. Returns 0; KARAK_EINVAL for a provider without .provide, a cycle or a
 * schema that does not compile (logged); KARAK_ENOMEM. Both providers are borrowed
 * (static). The server knows no overrides: they are for tests. */
KARAK_API int karak_client_override(karak_client *client, const karak_provider *original,
                                    const karak_provider *replacement);

/** Frees the client (and runs the shutdown hook if karak_client_start() ran the startup). */
KARAK_API void karak_client_free(karak_client *client);

/** Options of one request; struct_size as for karak_app_opts (the macros set it). */
typedef struct karak_request_opts {
    const char *const *headers; /**< NULL-terminated list of name, value, name, value...;
                                     a name may repeat */
    const char *json;           /**< JSON body text, sent with Content-Type application/json */
    const void *body;           /**< raw body (when .json is NULL) */
    size_t body_len;            /**< its length; 0 with a body: strlen(body) */
    bool no_redirects;          /**< return a 3xx redirect instead of following it */
    size_t struct_size;         /**< sizeof(karak_request_opts) as the caller was compiled (the
                                     macros set it); 0: the library's own */
} karak_request_opts;

/** Sends `method` `target` ("/path?query", raw as on the wire) to the app. Everything is
 * copied; the handler sees the body NUL-terminated at its length. The reply is the
 * caller's: free it with karak_reply_free(). NULL only when out of memory or when an
 * argument is invalid. Cleanups registered with karak_defer() have run when this returns.
 * Redirects are followed as FastAPI's TestClient (httpx) follows them, unless
 * .no_redirects: a 301, 302, 303, 307 or 308 with a Location is followed to its path;
 * 302 and 303 turn every method but HEAD into GET, 301 turns a POST into GET (a request
 * turned into GET goes without its body, its other headers kept); 307 and 308 keep the
 * method and the body. After 20 redirects, the answer to the last one is returned as it
 * is, a 3xx included (where httpx raises TooManyRedirects). */
KARAK_API karak_reply *karak_client_request(karak_client *client, const char *method,
                                            const char *target, const karak_request_opts *opts);

#define KARAK_REQUEST_(method, client, target, ...)                                           \
    karak_client_request((client), (method), (target), &(const karak_request_opts){__VA_ARGS__})
#define KARAK_REQUEST_END_ .struct_size = sizeof(karak_request_opts)
/** karak_client_request() for GET, the request options as designated initializers:
 * karak_client_get(client, "/items/5",
 * .headers = (const char *const[]){"x-token", "t", NULL}) */
#define karak_client_get(...) KARAK_REQUEST_("GET", __VA_ARGS__, KARAK_REQUEST_END_)
/** karak_client_request() for HEAD; see karak_client_get(). */
#define karak_client_head(...) KARAK_REQUEST_("HEAD", __VA_ARGS__, KARAK_REQUEST_END_)
/** karak_client_request() for POST: karak_client_post(client, "/items", .json = "{}") */
#define karak_client_post(...) KARAK_REQUEST_("POST", __VA_ARGS__, KARAK_REQUEST_END_)
/** karak_client_request() for PUT; see karak_client_get(). */
#define karak_client_put(...) KARAK_REQUEST_("PUT", __VA_ARGS__, KARAK_REQUEST_END_)
/** karak_client_request() for PATCH; see karak_client_get(). */
#define karak_client_patch(...) KARAK_REQUEST_("PATCH", __VA_ARGS__, KARAK_REQUEST_END_)
/** karak_client_request() for DELETE; see karak_client_get(). */
#define karak_client_delete(...) KARAK_REQUEST_("DELETE", __VA_ARGS__, KARAK_REQUEST_END_)

/** The reply's HTTP status; 0 for a NULL reply. */
KARAK_API int karak_reply_status(const karak_reply *r);
/** A header by name (case-insensitive), e.g.\ "content-type", or NULL. Borrowed, valid until
 * karak_reply_free(). Content-Length is included as the server sends it. */
KARAK_API const char *karak_reply_header(const karak_reply *r, const char *name);
/** All headers in order (i from 0 to count - 1); false when i is out of range. This one:
 * their count. */
KARAK_API size_t karak_reply_header_count(const karak_reply *r);
/** Header i (0 to karak_reply_header_count() - 1) into *out, borrowed, valid until
 * karak_reply_free(); false when i is out of range (or r or out is NULL). */
KARAK_API bool karak_reply_header_at(const karak_reply *r, size_t i, karak_pair *out);
/** The body, NUL-terminated (len may be NULL). Borrowed, valid until karak_reply_free(). */
KARAK_API const char *karak_reply_body(const karak_reply *r, size_t *len);
/** The body parsed as JSON: a new reference, or NULL when it is not JSON. */
KARAK_API json_t *karak_reply_json(const karak_reply *r);
/** Frees the reply, its headers and its body. NULL is a no-op. */
KARAK_API void karak_reply_free(karak_reply *r);

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_CLIENT_H */
