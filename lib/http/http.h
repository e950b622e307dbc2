/* The HTTP layer (private), above util: what the bytes of a request mean, independent of
 * routes and of the socket. Request targets, the query string, header lists, cookies,
 * content types and status phrases, each decoded the way the ASGI stack under FastAPI
 * (uvicorn + Starlette) decodes it, so both the server and the test client see the same. */
#ifndef KARAK_HTTP_H
#define KARAK_HTTP_H

#include <karak/common.h>
#include "util/util.h"

/* ---- the request target (target.c) ---- */

/* Splits "path?query" (or an absolute-form "http://host/path?query", routed by its path).
 * query->s is NULL when there is no '?'. */
void khttp_split_target(const char *target, size_t n, kslice *path, kslice *query);
/* The path percent-decoded as uvicorn does before routing (%2F separates segments, invalid
 * UTF-8 becomes U+FFFD). NUL-terminated, in the arena; NULL when out of memory. */
char *khttp_decode_path(karena *a, const char *s, size_t n, size_t *out_len);

/* ---- the query string (query.c) ---- */

/* Python's parse_qsl(keep_blank_values=True): pairs split at '&', name and value split at
 * the first '=', "+" and %XX decoded ("?q" is q=""; empty pairs are skipped). `decoded`
 * and `raw` receive parallel arrays of *count pairs (raw may be NULL). False when out of
 * memory. */
bool khttp_query_parse(karena *a, const char *q, size_t n, karak_pair **decoded,
                       karak_pair **raw, size_t *count);
/* The last pair named `name` (FastAPI's rule for a scalar parameter), or NULL. */
const karak_pair *khttp_pairs_last(const karak_pair *pairs, size_t n, const char *name,
                                   size_t name_len);

/* ---- headers and cookies (headers.c, cookies.c) ---- */

/* The first header named `name` (case-insensitive), or NULL. */
const karak_pair *khttp_header_find(const karak_pair *h, size_t n, const char *name);
/* FastAPI parses a body as JSON for application/json and application/<x>+json only. */
bool khttp_content_type_is_json(const char *value);
/* True when the n bytes are an RFC 9110 token (a method, a header name). */
bool khttp_token_ok(const char *s, size_t n);
/* True when s can be a header name (a token) / value (no CR, LF or NUL). */
bool khttp_header_name_ok(const char *s);
bool khttp_header_value_ok(const char *s);
/* Starlette's cookie_parser over every Cookie header in order: pairs split at ';', split
 * at the first '=' (none: empty name), both trimmed, empty pairs skipped, a value in double
 * quotes unquoted as http.cookies does. The pairs live in the arena. False when out of
 * memory. */
bool khttp_cookies_parse(karena *a, const karak_pair *headers, size_t nheaders,
                         karak_pair **out, size_t *count);

/* ---- request framing (framing.c) ---- */

/* A request's head as the server received it, before any of its body. */
typedef struct khttp_head {
    const char *method;
    const char *version;      /* "HTTP/1.1"; "" for a request line without one */
    const char *target;       /* the request target's bytes as received, NULs included */
    size_t target_len;
    const karak_pair *headers; /* in order, repeated ones included */
    size_t nheaders;
    bool folded;              /* a header line continued the previous one (obs-fold) */
    bool value_cut;           /* a NUL ended a header value early (the socket layer's
                                 finding: its values are C strings) */
} khttp_head;

/* RFC 9112's framing rules, as nginx applies them: 0 when the request may be read, else
 * the status to answer, after which the connection must close (the end of the body is in
 * doubt, so nothing after it can be trusted to be a request):
 *   400: a method that is not a token; a target with a space, a control character (NUL
 *        included) or a byte >= 0x80; a folded header line; a header name that is not a
 *        token; a header value with a CR or a NUL; no Host in HTTP/1.1, or more than one; more than one Content-Length, or
 *        one that is not digits; Content-Length with Transfer-Encoding; Transfer-Encoding
 *        in HTTP/1.0;
 *   501: a Transfer-Encoding other than exactly "chunked" (case-insensitive).
 * *why (may be NULL) receives a static sentence naming the rule, for the log. */
int khttp_framing_check(const khttp_head *h, const char **why);
/* True when a Host header's value may be put in a URL: host[:port] as Starlette accepts it
 * (letters, digits, '.', '-', or a bracketed IPv6 literal; the port all digits). */
bool khttp_host_ok(const char *s, size_t n);

/* ---- proxies (forwarded.c) ---- */

/* The addresses of trusted proxies (uvicorn's --forwarded-allow-ips): exact IP texts, or
 * all ("*"). */
typedef struct khttp_trust {
    bool all;
    kslice *ips;
    size_t n;
} khttp_trust;

/* "127.0.0.1, ::1" or "*" (NULL or "": none). The slices point into `list`, which must
 * outlive the result. False when out of memory. */
bool khttp_trust_parse(karena *a, const char *list, khttp_trust *out);
bool khttp_trusted(const khttp_trust *t, const char *ip, size_t n);
/* When the peer (an IP text) is a trusted proxy: the client's address and the scheme its
 * request came with, from Forwarded (RFC 7239) or else X-Forwarded-For and
 * X-Forwarded-Proto; each {NULL, 0} when not given (or the peer is not trusted). The
 * slices point into the header values. */
void khttp_forwarded(const khttp_trust *t, const char *peer, const karak_pair *h, size_t nh,
                     kslice *client, kslice *scheme);

/* ---- statuses (status.c) ---- */

/* Python's http.HTTPStatus phrase ("Not Found"), "Unknown Status" for others. */
const char *khttp_status_phrase(int status);
/* False for the statuses that never carry a body: 1xx, 204, 205, 304. */
bool khttp_status_has_body(int status);

#endif
