/* What a handler reads from its karak_ctx: declared parameters (validated), the raw request
 * (method, path, headers, query pairs, cookies, body), the request's memory and cleanups.
 * A misuse (unknown parameter name, wrong type) is a bug in the handler: the request then
 * ends in a 500, as an exception in a FastAPI handler would, instead of handing out a
 * made-up value silently. */
#include <stdint.h>
#include <string.h>

#include "core/core.h"

/* ---- parse on first use ---- */

/* Out of memory while parsing turns the response into a 500: an accessor would otherwise
 * report a parameter that was sent as absent. */
bool kctx_query_parse(karak_ctx *c)
{
    if (c->query_parsed) return true;
    if (!khttp_query_parse(c->arena, c->raw_query.s, c->raw_query.n, &c->query_pairs,
                           &c->query_raw, &c->nquery)) {
        c->failed = true;
        return false;
    }
    c->query_parsed = true;
    return true;
}

bool kctx_headers_load(karak_ctx *c)
{
    if (c->hdrs_loaded) return true;
    const kreq *req = c->req;
    c->hdrs = req->headers;
    c->nhdrs = req->nheaders;
    if (req->headers == NULL && req->load_headers != NULL &&
        !req->load_headers(req->headers_ud, c->arena, &c->hdrs, &c->nhdrs)) {
        c->failed = true;
        return false;
    }
    c->hdrs_loaded = true;
    return true;
}

bool kctx_cookies_parse(karak_ctx *c)
{
    if (c->cookies_parsed) return true;
    if (!kctx_headers_load(c)) return false;
    if (!khttp_cookies_parse(c->arena, c->hdrs, c->nhdrs, &c->cookie_pairs,
                             &c->ncookies)) {
        c->failed = true;
        return false;
    }
    c->cookies_parsed = true;
    return true;
}

const char *kctx_header(karak_ctx *c, const char *name)
{
    if (!kctx_headers_load(c)) return NULL;
    const karak_pair *p = khttp_header_find(c->hdrs, c->nhdrs, name);
    return p ? p->value : NULL;
}

/* ---- declared parameters ---- */

static bool find_param(karak_ctx *c, const char *name, kparam_type want, bool any, size_t *idx)
{
    if (c->route != NULL && name != NULL) {
        for (size_t i = 0; i < c->route->nparams; i++) {
            const kparam *p = &c->route->params[i];
            if (strcmp(p->name, name) != 0) continue;
            if (!any && p->type != want) break;
            *idx = i;
            return true;
        }
    }
    c->failed = true;
    return false;
}

int64_t karak_path_i64(karak_ctx *c, const char *name)
{
    int64_t v = 0;
    if (!kparams_path_value(c, name, KARAK_I64, &v)) c->failed = true;
    return v;
}

double karak_path_f64(karak_ctx *c, const char *name)
{
    double v = 0;
    if (!kparams_path_value(c, name, KARAK_F64, &v)) c->failed = true;
    return v;
}

const void *karak_path(karak_ctx *c)
{
    return c->route != NULL && c->route->path_user ? c->path_values : NULL;
}

const char *karak_path_str(karak_ctx *c, const char *name)
{
    size_t i;
    if (!find_param(c, name, KP_STR, true, &i)) return NULL;
    /* captures are slices of the decoded path; hand out a terminated copy */
    char *s = karena_strndup(c->arena, c->raw_params[i].s, c->raw_params[i].n);
    if (s == NULL) c->failed = true;
    return s;
}

const void *karak_body(karak_ctx *c)
{
    return c->body;
}

const void *karak_query(karak_ctx *c)
{
    return c->query;
}

const void *karak_headers(karak_ctx *c)
{
    return c->headers;
}

const void *karak_cookies(karak_ctx *c)
{
    return c->cookies;
}

/* ---- the raw request ---- */

const char *karak_req_method(karak_ctx *c)
{
    return c->req->method;
}

const char *karak_req_path(karak_ctx *c)
{
    return c->path;
}

bool kctx_get_or_head(const karak_ctx *c)
{
    const char *m = c->req->method;
    return strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
}

void kctx_origin(karak_ctx *c)
{
    if (c->origin_done) return;
    c->origin_done = true;
    c->client = c->req->peer;
    c->scheme = c->req->scheme ? c->req->scheme : "http";
    if (c->req->trust == NULL || c->req->peer == NULL || !kctx_headers_load(c)) return;
    kslice client, scheme;
    khttp_forwarded(c->req->trust, c->req->peer, c->hdrs, c->nhdrs, &client, &scheme);
    if (client.s != NULL) {
        char *s = karena_strndup(c->arena, client.s, client.n);
        if (s == NULL) c->failed = true;
        else c->client = s;
    }
    if (scheme.s != NULL) {
        char *s = karena_strndup(c->arena, scheme.s, scheme.n);
        if (s == NULL) c->failed = true;
        else c->scheme = s;
    }
}

const char *karak_req_client(karak_ctx *c)
{
    kctx_origin(c);
    return c->client;
}

const char *karak_req_scheme(karak_ctx *c)
{
    kctx_origin(c);
    return c->scheme;
}

bool karak_req_draining(karak_ctx *c)
{
    return c->req->draining != NULL && atomic_load(c->req->draining);
}

const char *karak_req_header(karak_ctx *c, const char *name)
{
    return name ? kctx_header(c, name) : NULL;
}

size_t karak_req_header_count(karak_ctx *c)
{
    return kctx_headers_load(c) ? c->nhdrs : 0;
}

/* Pair i of a parsed list, for the *_at accessors. */
static bool pair_at(const karak_pair *pairs, size_t n, size_t i, karak_pair *out)
{
    if (i >= n || out == NULL) return false;
    *out = pairs[i];
    return true;
}

bool karak_req_header_at(karak_ctx *c, size_t i, karak_pair *out)
{
    return kctx_headers_load(c) && pair_at(c->hdrs, c->nhdrs, i, out);
}

const char *karak_req_query_string(karak_ctx *c)
{
    if (c->raw_query.s == NULL) return "";
    char *s = karena_strndup(c->arena, c->raw_query.s, c->raw_query.n);
    if (s == NULL) c->failed = true;
    return s;
}

const char *karak_req_query_param(karak_ctx *c, const char *name)
{
    if (name == NULL || !kctx_query_parse(c)) return NULL;
    const karak_pair *p = khttp_pairs_last(c->query_pairs, c->nquery, name, strlen(name));
    return p ? p->value : NULL;
}

size_t karak_req_query_count(karak_ctx *c)
{
    return kctx_query_parse(c) ? c->nquery : 0;
}

bool karak_req_query_at(karak_ctx *c, size_t i, karak_pair *decoded)
{
    return kctx_query_parse(c) && pair_at(c->query_pairs, c->nquery, i, decoded);
}

bool karak_req_query_raw_at(karak_ctx *c, size_t i, karak_pair *raw)
{
    return kctx_query_parse(c) && pair_at(c->query_raw, c->nquery, i, raw);
}

const char *karak_req_cookie(karak_ctx *c, const char *name)
{
    if (name == NULL || !kctx_cookies_parse(c)) return NULL;
    const karak_pair *p = khttp_pairs_last(c->cookie_pairs, c->ncookies, name, strlen(name));
    return p ? p->value : NULL;
}

size_t karak_req_cookie_count(karak_ctx *c)
{
    return kctx_cookies_parse(c) ? c->ncookies : 0;
}

bool karak_req_cookie_at(karak_ctx *c, size_t i, karak_pair *out)
{
    return kctx_cookies_parse(c) && pair_at(c->cookie_pairs, c->ncookies, i, out);
}

const char *karak_req_body(karak_ctx *c, size_t *len)
{
    if (len != NULL) *len = c->req->body_len;
    return c->req->body ? c->req->body : "";
}

/* ---- memory and cleanups ---- */

void *karak_alloc(karak_ctx *c, size_t size)
{
    /* no object is larger than PTRDIFF_MAX; refusing here also keeps a size near SIZE_MAX
       from wrapping the arena's block arithmetic */
    if (size > PTRDIFF_MAX) return NULL;
    return karena_alloc(c->arena, size);
}

char *karak_strdup(karak_ctx *c, const char *s)
{
    return s ? karena_strndup(c->arena, s, strlen(s)) : NULL;
}

/* A node for fn(arg); when out of memory, fn(arg) runs at once (nothing is ever left
 * behind) and the request becomes a 500. */
static kdefer *defer_node(karak_ctx *c, void (*fn)(void *arg), void *arg)
{
    kdefer *d = karena_alloc(c->arena, sizeof *d);
    if (d == NULL) {
        fn(arg);
        c->failed = true;
        return NULL;
    }
    *d = (kdefer){.fn = fn, .arg = arg};
    return d;
}

int karak_defer(karak_ctx *c, void (*fn)(void *arg), void *arg)
{
    if (fn == NULL) return KARAK_EINVAL;
    kdefer *d = defer_node(c, fn, arg);
    if (d == NULL) return KARAK_ENOMEM;
    d->next = c->resp.cleanups;
    c->resp.cleanups = d;
    return KARAK_OK;
}

/* The background tasks, oldest first: one cleanup runs them all. */
static void run_background(void *arg)
{
    karak_ctx *c = arg;
    for (kdefer *d = c->background; d != NULL; d = d->next) d->fn(d->arg);
    c->background = NULL;
}

int karak_background(karak_ctx *c, void (*fn)(void *arg), void *arg)
{
    if (fn == NULL) return KARAK_EINVAL;
    kdefer *d = defer_node(c, fn, arg);
    if (d == NULL) return KARAK_ENOMEM;
    if (c->background == NULL) {
        /* registered after the dependencies' cleanups, so it runs before them */
        int rc = karak_defer(c, run_background, c);
        if (rc != KARAK_OK) {
            fn(arg);
            return rc;
        }
        c->background_tail = &c->background;
    }
    *c->background_tail = d;
    c->background_tail = &d->next;
    return KARAK_OK;
}

void *karak_req_app_data(karak_ctx *c)
{
    return c->app->data;
}

void *karak_req_route_data(karak_ctx *c)
{
    return c->route ? c->route->data : NULL;
}
