/** @file
 * Inside a handler: the request. Included by <karak.h>.
 *
 * Three families, by where a value comes from:
 * - karak_path_*, karak_body, karak_query, karak_headers, karak_cookies:
 *       the route's declared parameters, already validated and typed;
 * - karak_req_*:
 *       the raw request: method, path, every header, query pair and cookie as sent;
 * - karak_alloc, karak_strdup, karak_defer:
 *       the request's memory and its end.
 *
 * Every pointer returned here is borrowed: valid until the request's cleanups (karak_defer)
 * have run, and so usable by them; the karak_ctx itself is not. */
#ifndef KARAK_PUBLIC_REQUEST_H
#define KARAK_PUBLIC_REQUEST_H

#include <karak/common.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- declared parameters ---- */

/** Path parameters by their pattern name. Asking for a name the pattern does not have, or
 * with the wrong type, returns 0 / NULL and turns the response into a 500. This one reads
 * an int parameter ({name:int}, or an int64 or int32 field of the .path schema). */
KARAK_API int64_t karak_path_i64(karak_ctx *c, const char *name);
/** A float path parameter ({name:float}, or a double field of the .path schema) by its
 * name; 0 and a 500 for a missing name or another type, as karak_path_i64(). */
KARAK_API double karak_path_f64(karak_ctx *c, const char *name);
/** A path parameter's text, for parameters of any type; NULL and a 500 for a name the
 * pattern does not have.
 * {name:int}/{name:float} give the text as it was in the (decoded) path. */
KARAK_API const char *karak_path_str(karak_ctx *c, const char *name);

/** The validated struct of the route's .path schema (NULL without one). karak_path_i64/_f64
 * read its int and float fields by name too. */
KARAK_API const void *karak_path(karak_ctx *c);

/** The validated struct of the route's body / query / headers / cookies schema, or NULL
 * when the route declared none. This one: the body (.body). */
KARAK_API const void *karak_body(karak_ctx *c);
/** The validated struct of the route's .query schema, or NULL without one. */
KARAK_API const void *karak_query(karak_ctx *c);
/** The validated struct of the route's .headers schema, or NULL without one. */
KARAK_API const void *karak_headers(karak_ctx *c);
/** The validated struct of the route's .cookies schema, or NULL without one. */
KARAK_API const void *karak_cookies(karak_ctx *c);

/* ---- the raw request ---- */

/** The request method, and the percent-decoded path (invalid UTF-8 replaced by U+FFFD).
 * This one: the method, as sent ("GET"). */
KARAK_API const char *karak_req_method(karak_ctx *c);
/** The percent-decoded path, without the query (invalid UTF-8 replaced by U+FFFD). */
KARAK_API const char *karak_req_path(karak_ctx *c);

/** A header's value (the first occurrence; name case-insensitive), or NULL. */
KARAK_API const char *karak_req_header(karak_ctx *c, const char *name);
/** All headers in the order received, repeated ones included: i from 0 to count - 1.
 * karak_req_header_at returns false when i is out of range. Names are as the client sent
 * them (libmicrohttpd keeps the case). This one: their count. */
KARAK_API size_t karak_req_header_count(karak_ctx *c);
/** Header i (0 to karak_req_header_count() - 1) into *out; false when i is out of range
 * (or out is NULL). */
KARAK_API bool karak_req_header_at(karak_ctx *c, size_t i, karak_pair *out);

/** The client's address (Starlette's request.client.host): the connection's other end as
 * an IP text, or, when that is a trusted proxy (karak_server_opts.forwarded_allow_ips),
 * the address its Forwarded or X-Forwarded-For header gives: the first from the right that
 * is not a trusted proxy. "testclient" in the test client; NULL on a Unix socket without
 * such a header. Borrowed, valid for the request. */
KARAK_API const char *karak_req_client(karak_ctx *c);
/** The scheme the client used: "http", "https" when served over TLS, or what a trusted
 * proxy's Forwarded proto= or X-Forwarded-Proto says. Redirects' Location uses it.
 * Borrowed, valid for the request. */
KARAK_API const char *karak_req_scheme(karak_ctx *c);
/** True once the server is stopping (SIGTERM, karak_server_stop): a readiness check should
 * then fail so that a load balancer stops sending (see also karak_app_opts.ready_url).
 * Always false in the test client. */
KARAK_API bool karak_req_draining(karak_ctx *c);

/** The query string as sent, after '?', without decoding ("" when there is none). */
KARAK_API const char *karak_req_query_string(karak_ctx *c);
/** A query parameter's decoded value (the last one when repeated, as FastAPI takes it), or
 * NULL. A value containing `"\0"` is cut there: use karak_req_query_at for such values. */
KARAK_API const char *karak_req_query_param(karak_ctx *c, const char *name);
/** All query pairs in order, decoded as Python's parse_qsl(keep_blank_values=True) does
 * ('+' is a space, \%XX is UTF-8, "?a" is a="") or raw, as they appear in the target.
 * Decoded names and values are NUL-terminated; raw ones are slices of the target and are
 * NOT: use their lengths. This one: their count. */
KARAK_API size_t karak_req_query_count(karak_ctx *c);
/** Query pair i (0 to karak_req_query_count() - 1), decoded, into *decoded; false when i is
 * out of range (or decoded is NULL). */
KARAK_API bool karak_req_query_at(karak_ctx *c, size_t i, karak_pair *decoded);
/** Query pair i as it appears in the target, into *raw: slices, not NUL-terminated; false
 * when i is out of range (or raw is NULL). */
KARAK_API bool karak_req_query_raw_at(karak_ctx *c, size_t i, karak_pair *raw);

/** Cookies of the Cookie header(s), parsed on first use as Starlette's cookie_parser does:
 * pairs split at ';', name and value trimmed, a pair without '=' is a value with an empty
 * name, the last of a repeated name wins for karak_req_cookie. This one: a cookie's value
 * by name, or NULL. */
KARAK_API const char *karak_req_cookie(karak_ctx *c, const char *name);
/** The number of cookie pairs, repeated names included. */
KARAK_API size_t karak_req_cookie_count(karak_ctx *c);
/** Cookie pair i (0 to karak_req_cookie_count() - 1) into *out; false when i is out of
 * range (or out is NULL). */
KARAK_API bool karak_req_cookie_at(karak_ctx *c, size_t i, karak_pair *out);

/** The request body as received (len may be NULL); "" with length 0 when there is none. */
KARAK_API const char *karak_req_body(karak_ctx *c, size_t *len);

/* ---- the request's memory and its end ---- */

/** Memory in the request arena, released after the response: never free it. NULL only when
 * out of memory. karak_alloc memory is zeroed and aligned for any type. */
KARAK_API void *karak_alloc(karak_ctx *c, size_t size);
/** A copy of `s` in the request arena, released after the response: never free it. NULL
 * when out of memory or when s is NULL. */
KARAK_API char *karak_strdup(karak_ctx *c, const char *s);

/** Runs fn(arg) once the response has been sent: by the server, when libmicrohttpd has
 * written its last byte (or the connection closed first); by the test client, before
 * karak_client_request() returns. Also when the handler failed. Cleanups run in the
 * reverse order of their registration, on a thread of the server, before the request's
 * memory is released, and a graceful stop waits for them: this is where FastAPI's `yield`
 * dependencies finish and background tasks run. They must not use the karak_ctx.
 * Returns 0; KARAK_EINVAL for a NULL fn; KARAK_ENOMEM, in which case fn(arg) has been run
 * at once (so a resource is never leaked) and the response becomes a 500. */
KARAK_API int karak_defer(karak_ctx *c, void (*fn)(void *arg), void *arg);

/** FastAPI's BackgroundTasks: fn(arg) runs after the response has been sent, on the
 * server's thread, in the order of the calls, before the cleanups of the request's yield
 * dependencies. Same rules as karak_defer (which runs newest first): returns 0,
 * KARAK_EINVAL for a NULL fn, KARAK_ENOMEM after running fn(arg) at once. */
KARAK_API int karak_background(karak_ctx *c, void (*fn)(void *arg), void *arg);

/** The user pointers of the app and of the matched route. This one: the app's
 * (karak_app_opts.data). */
KARAK_API void *karak_req_app_data(karak_ctx *c);
/** The matched route's user pointer (karak_route_opts.data); NULL when no route matched
 * (in on_http_error for a 404 or 405). */
KARAK_API void *karak_req_route_data(karak_ctx *c);

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_REQUEST_H */
