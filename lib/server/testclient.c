/* The in-process test client: builds a kreq as the server would, runs kdispatch(), copies
 * the kresp out of the arena into a karak_reply the caller owns, then runs the request's
 * cleanups. Like FastAPI's TestClient it sends Host: testserver, user-agent: testclient,
 * Content-Type for .json, and follows redirects as httpx does (follow_redirects=True):
 * 301, 302, 303, 307 and 308 with a Location, at most KARAK_MAX_REDIRECTS of them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/server.h"

struct karak_client {
    karak_app *app;
    karena arena;
    bool started; /* karak_client_start ran the startup hook */
    kdep_override *overrides; /* FastAPI's dependency_overrides */
    size_t noverrides;
    kprov *extra;             /* providers of the replacements the app does not know */
    size_t nextra;
    kschema **schemas;        /* their compiled parameters, owned */
    size_t nschemas;
    kslots slots;             /* karak_worker_slot: a client is one worker */
};

struct karak_reply {
    int status;
    char *body;
    size_t body_len;
    karak_pair *headers; /* names and values malloc'd */
    size_t nheaders;
};

karak_client *karak_client_new(karak_app *app)
{
    if (app == NULL || karak_app_seal(app) != KARAK_OK) return NULL;
    karak_client *cl = calloc(1, sizeof *cl);
    if (cl == NULL) return NULL;
    cl->app = app;
    karena_init(&cl->arena);
    return cl;
}

int karak_client_start(karak_client *cl)
{
    if (cl == NULL) return KARAK_EINVAL;
    if (cl->started) return 0;
    int rc = kapp_startup(cl->app);
    cl->started = rc == 0;
    return rc;
}

/* ---- dependency overrides ---- */

static bool extra_known(const karak_client *cl, const karak_provider *p)
{
    if (kapp_provider(cl->app, p) != NULL) return true;
    for (size_t i = 0; i < cl->nextra; i++)
        if (cl->extra[i].p == p) return true;
    return false;
}

static int compile_param(karak_client *cl, const karak_schema *s, ksource src,
                         const kschema **out)
{
    *out = NULL;
    if (s == NULL) return KARAK_OK;
    char why[KARAK_ERRLEN];
    kschema *cs = kschema_compile(s, src, why, sizeof why);
    if (cs == NULL) {
        karak_app_log(cl->app, KARAK_LOG_ERROR, "dependency override: %s", why);
        return KARAK_EINVAL;
    }
    kschema **grown = realloc(cl->schemas, (cl->nschemas + 1) * sizeof *grown);
    if (grown == NULL) {
        kschema_free(cs);
        return KARAK_ENOMEM;
    }
    cl->schemas = grown;
    cl->schemas[cl->nschemas++] = cs;
    *out = cs;
    return KARAK_OK;
}

/* Compiles what the app never saw of the replacement's graph; depth bounds a cycle. */
static int add_graph(karak_client *cl, const karak_provider *p, unsigned depth)
{
    if (p == NULL || p->provide == NULL) return KARAK_EINVAL;
    if (depth > 64) return KARAK_EINVAL; /* a cycle */
    if (extra_known(cl, p)) return KARAK_OK;
    for (size_t i = 0; p->depends != NULL && p->depends[i] != NULL; i++) {
        int rc = add_graph(cl, p->depends[i], depth + 1);
        if (rc != KARAK_OK) return rc;
    }
    kprov kp = {.p = p};
    int rc = compile_param(cl, p->query, KSRC_QUERY, &kp.query);
    if (rc == KARAK_OK) rc = compile_param(cl, p->headers, KSRC_HEADER, &kp.headers);
    if (rc == KARAK_OK) rc = compile_param(cl, p->cookies, KSRC_COOKIE, &kp.cookies);
    if (rc != KARAK_OK) return rc;
    kprov *grown = realloc(cl->extra, (cl->nextra + 1) * sizeof *grown);
    if (grown == NULL) return KARAK_ENOMEM;
    cl->extra = grown;
    cl->extra[cl->nextra++] = kp;
    return KARAK_OK;
}

int karak_client_override(karak_client *cl, const karak_provider *original,
                          const karak_provider *replacement)
{
    if (cl == NULL || original == NULL) return KARAK_EINVAL;
    for (size_t i = 0; i < cl->noverrides; i++) {
        if (cl->overrides[i].original != original) continue;
        if (replacement == NULL) { /* removed: the last one takes its place */
            cl->overrides[i] = cl->overrides[--cl->noverrides];
            return KARAK_OK;
        }
        int rc = add_graph(cl, replacement, 0);
        if (rc == KARAK_OK) cl->overrides[i].replacement = replacement;
        return rc;
    }
    if (replacement == NULL) return KARAK_OK;
    int rc = add_graph(cl, replacement, 0);
    if (rc != KARAK_OK) return rc;
    kdep_override *grown = realloc(cl->overrides, (cl->noverrides + 1) * sizeof *grown);
    if (grown == NULL) return KARAK_ENOMEM;
    cl->overrides = grown;
    cl->overrides[cl->noverrides++] = (kdep_override){original, replacement};
    return KARAK_OK;
}

void karak_client_free(karak_client *cl)
{
    if (cl == NULL) return;
    kslots_destroy(&cl->slots); /* the values may need the app's resources: before shutdown */
    if (cl->started) kapp_shutdown(cl->app);
    for (size_t i = 0; i < cl->nschemas; i++) kschema_free(cl->schemas[i]);
    free(cl->schemas);
    free(cl->extra);
    free(cl->overrides);
    karena_free(&cl->arena);
    free(cl);
}

static karak_pair pair_of(const char *name, const char *value)
{
    return (karak_pair){name, strlen(name), value, strlen(value)};
}

/* The request's headers as a client on the wire sends them: the caller's, then the
 * defaults the caller did not set. */
static bool request_headers(karena *a, const karak_request_opts *o, kreq *req)
{
    size_t n = 0;
    for (const char *const *h = o->headers; h != NULL && h[0] != NULL && h[1] != NULL; h += 2)
        n++;
    karak_pair *pairs = karena_alloc(a, (n + 3) * sizeof *pairs);
    if (pairs == NULL) return false;
    size_t k = 0;
    for (const char *const *h = o->headers; h != NULL && h[0] != NULL && h[1] != NULL; h += 2)
        pairs[k++] = pair_of(h[0], h[1]);
    if (khttp_header_find(pairs, k, "host") == NULL) pairs[k++] = pair_of("host", "testserver");
    if (khttp_header_find(pairs, k, "user-agent") == NULL)
        pairs[k++] = pair_of("user-agent", "testclient");
    if (o->json != NULL && khttp_header_find(pairs, k, "content-type") == NULL)
        pairs[k++] = pair_of("content-type", "application/json");
    req->headers = pairs;
    req->nheaders = k;
    return true;
}

static bool add_header(karak_reply *r, const char *name, const char *value)
{
    karak_pair *h = &r->headers[r->nheaders];
    char *n = kstrdup(name), *v = kstrdup(value);
    if (n == NULL || v == NULL) {
        free(n);
        free(v);
        return false;
    }
    *h = pair_of(n, v);
    r->nheaders++;
    return true;
}

/* What a client on the wire would receive for `resp`. */
static karak_reply *copy_response(const kresp *resp, bool head)
{
    karak_reply *r = calloc(1, sizeof *r);
    if (r == NULL) return NULL;
    r->status = resp->status;
    r->headers = calloc(resp->nheaders + 2, sizeof *r->headers);
    size_t body_len = head ? 0 : resp->body_len;
    r->body = kstrndup(resp->body ? resp->body : "", body_len);
    r->body_len = body_len;
    bool ok = r->headers != NULL && r->body != NULL;
    char len[32];
    snprintf(len, sizeof len, "%zu", resp->body_len);
    if (ok && khttp_status_has_body(resp->status)) ok = add_header(r, "content-length", len);
    if (ok && resp->content_type) ok = add_header(r, "content-type", resp->content_type);
    for (size_t i = 0; ok && i < resp->nheaders; i++)
        ok = add_header(r, resp->headers[i].name, resp->headers[i].value);
    if (!ok) {
        karak_reply_free(r);
        return NULL;
    }
    return r;
}

/* "http://testserver/items/5?a=1" -> "/items/5?a=1" */
static const char *location_target(const char *loc)
{
    const char *p = strstr(loc, "://");
    if (p == NULL) return loc;
    p = strchr(p + 3, '/');
    return p ? p : "/";
}

/* One request, no redirects: dispatch, copy the answer, run the cleanups, reset. The body
 * is copied into the arena NUL-terminated at its length, as the server stores it: the
 * caller's buffer may go on past body_len. */
static karak_reply *exchange(karak_client *cl, kreq *req, const karak_request_opts *o,
                             const char *body, size_t body_len)
{
    karak_reply *out = NULL;
    req->body = body ? karena_strndup(&cl->arena, body, body_len) : NULL;
    req->body_len = body ? body_len : 0;
    if ((body == NULL || req->body != NULL) && request_headers(&cl->arena, o, req)) {
        kresp resp;
        kdispatch(cl->app, req, &cl->arena, &resp);
        out = copy_response(&resp, strcmp(req->method, "HEAD") == 0);
        kresp_finish(&resp);
    }
    karena_reset(&cl->arena);
    req->body = NULL;
    return out;
}

/* The method of the request that follows a `status` redirect of a `method` request, as
 * httpx's _redirect_method: 302 and 303 make every method but HEAD a GET (browsers do so
 * for 302, despite the standard), 301 makes a POST a GET; 307 and 308 keep it. */
static const char *redirect_method(const char *method, int status)
{
    if ((status == 302 || status == 303) && strcasecmp(method, "HEAD") != 0) return "GET";
    if (status == 301 && strcasecmp(method, "POST") == 0) return "GET";
    return method;
}

static bool is_redirect(int status)
{
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

karak_reply *karak_client_request(karak_client *cl, const char *method, const char *target,
                                  const karak_request_opts *user)
{
    if (cl == NULL || method == NULL || target == NULL) return NULL;
    karak_request_opts o;
    if (!kopts_load(&o, sizeof o, user, user ? user->struct_size : 0)) return NULL;
    kreq req = {.method = method, .default_host = "testserver", .peer = "testclient",
                .overrides = cl->overrides,
                .noverrides = cl->noverrides, .extra_provs = cl->extra,
                .nextra_provs = cl->nextra, .slots = &cl->slots};
    const char *body = NULL;
    size_t body_len = 0;
    if (o.json != NULL) {
        body = o.json;
        body_len = strlen(o.json);
    } else if (o.body != NULL) {
        body = o.body;
        body_len = o.body_len ? o.body_len : strlen(o.body);
    }
    if (body_len >= PTRDIFF_MAX) return NULL; /* no such buffer */
    char *owned_target = kstrdup(target);
    karak_reply *out = NULL;
    /* The request, then up to KARAK_MAX_REDIRECTS redirects; the answer to the last one is
     * returned as it is, 3xx or not (where httpx raises TooManyRedirects). */
    for (int hop = 0; owned_target != NULL; hop++) {
        req.target = owned_target;
        req.target_len = strlen(owned_target);
        out = exchange(cl, &req, &o, body, body_len);
        free(owned_target);
        owned_target = NULL;
        const char *loc = out ? karak_reply_header(out, "location") : NULL;
        if (out == NULL || !is_redirect(out->status) || loc == NULL || o.no_redirects ||
            hop == KARAK_MAX_REDIRECTS)
            break;
        owned_target = kstrdup(location_target(loc));
        /* A request turned into a GET goes without its body (httpx also drops
         * Content-Length, but keeps the Content-Type sent for .json). */
        const char *next = redirect_method(req.method, out->status);
        if (strcasecmp(next, req.method) != 0 && strcmp(next, "GET") == 0) body = NULL;
        req.method = next;
        karak_reply_free(out);
        out = NULL; /* and NULL when out of memory for the next target */
    }
    free(owned_target);
    return out;
}

int karak_reply_status(const karak_reply *r)
{
    return r ? r->status : 0;
}

const char *karak_reply_header(const karak_reply *r, const char *name)
{
    if (r == NULL || name == NULL) return NULL;
    const karak_pair *p = khttp_header_find(r->headers, r->nheaders, name);
    return p ? p->value : NULL;
}

size_t karak_reply_header_count(const karak_reply *r)
{
    return r ? r->nheaders : 0;
}

bool karak_reply_header_at(const karak_reply *r, size_t i, karak_pair *out)
{
    if (r == NULL || i >= r->nheaders || out == NULL) return false;
    *out = r->headers[i];
    return true;
}

const char *karak_reply_body(const karak_reply *r, size_t *len)
{
    if (r == NULL) return NULL;
    if (len != NULL) *len = r->body_len;
    return r->body;
}

json_t *karak_reply_json(const karak_reply *r)
{
    if (r == NULL) return NULL;
    return json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
}

void karak_reply_free(karak_reply *r)
{
    if (r == NULL) return;
    for (size_t i = 0; i < r->nheaders; i++) {
        free((char *)r->headers[i].name);
        free((char *)r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    free(r);
}
