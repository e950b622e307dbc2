/* The in-process test client: builds a kreq as the server would, runs kdispatch(), and
 * copies the kresp out of the arena into a karak_response the caller owns. Like FastAPI's
 * TestClient it sends Host: testserver and user-agent: testclient, and follows redirects. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

#define MAX_REDIRECTS 20

struct karak_client {
    karak_app *app;
    karena arena;
};

typedef struct rheader {
    char *name;
    char *value;
} rheader;

struct karak_response {
    int status;
    char *body;
    size_t body_len;
    rheader *headers;
    size_t nheaders;
};

typedef struct creq {
    const char *const *headers;
    const char *content_type; /* from .json */
} creq;

static const char *client_header(void *ud, const char *name)
{
    const creq *cr = ud;
    for (const char *const *h = cr->headers; h != NULL && h[0] != NULL && h[1] != NULL; h += 2)
        if (strcasecmp(h[0], name) == 0) return h[1];
    if (strcasecmp(name, "content-type") == 0) return cr->content_type;
    if (strcasecmp(name, "host") == 0) return "testserver";
    if (strcasecmp(name, "user-agent") == 0) return "testclient";
    return NULL;
}

karak_client *karak_client_new(karak_app *app)
{
    if (app == NULL || karak_app_seal(app) != KARAK_OK) return NULL;
    karak_client *cl = calloc(1, sizeof *cl);
    if (cl == NULL) return NULL;
    cl->app = app;
    karena_init(&cl->arena);
    return cl;
}

void karak_client_free(karak_client *cl)
{
    if (cl == NULL) return;
    karena_free(&cl->arena);
    free(cl);
}

static char *dupn(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL) return NULL;
    if (n > 0) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static bool add_header(karak_response *r, const char *name, const char *value)
{
    rheader *h = &r->headers[r->nheaders];
    h->name = dupn(name, strlen(name));
    h->value = dupn(value, strlen(value));
    if (h->name == NULL || h->value == NULL) {
        free(h->name);
        free(h->value);
        return false;
    }
    r->nheaders++;
    return true;
}

/* What a client on the wire would receive for `resp`. */
static karak_response *copy_response(const kresp *resp, bool head)
{
    karak_response *r = calloc(1, sizeof *r);
    if (r == NULL) return NULL;
    r->status = resp->status;
    r->headers = calloc(resp->nheaders + 2, sizeof *r->headers);
    size_t body_len = head ? 0 : resp->body_len;
    r->body = dupn(resp->body ? resp->body : "", body_len);
    r->body_len = body_len;
    bool ok = r->headers != NULL && r->body != NULL;
    char len[32];
    snprintf(len, sizeof len, "%zu", resp->body_len);
    if (ok && kstatus_has_body(resp->status)) ok = add_header(r, "content-length", len);
    if (ok && resp->content_type) ok = add_header(r, "content-type", resp->content_type);
    for (size_t i = 0; ok && i < resp->nheaders; i++)
        ok = add_header(r, resp->headers[i].name, resp->headers[i].value);
    if (!ok) {
        karak_response_free(r);
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

karak_response *karak_client_request(karak_client *cl, const char *method, const char *target,
                                     const karak_request_opts *opts)
{
    static const karak_request_opts none = {0};
    if (cl == NULL || method == NULL || target == NULL) return NULL;
    if (opts == NULL) opts = &none;
    creq cr = {.headers = opts->headers, .content_type = opts->json ? "application/json" : NULL};
    kreq req = {.method = method, .header = client_header, .header_ud = &cr,
                .default_host = "testserver"};
    if (opts->json != NULL) {
        req.body = opts->json;
        req.body_len = strlen(opts->json);
    } else if (opts->body != NULL) {
        req.body = opts->body;
        req.body_len = opts->body_len ? opts->body_len : strlen(opts->body);
    }
    char *owned_target = dupn(target, strlen(target));
    karak_response *out = NULL;
    for (int hop = 0; owned_target != NULL && hop <= MAX_REDIRECTS; hop++) {
        req.target = owned_target;
        req.target_len = strlen(owned_target);
        kresp resp;
        kdispatch(cl->app, &req, &cl->arena, &resp);
        out = copy_response(&resp, strcmp(method, "HEAD") == 0);
        karena_reset(&cl->arena);
        free(owned_target);
        owned_target = NULL;
        const char *loc = out ? karak_response_header(out, "location") : NULL;
        if (out == NULL || out->status != 307 || loc == NULL || opts->no_redirects) break;
        owned_target = dupn(location_target(loc), strlen(location_target(loc)));
        karak_response_free(out);
        out = NULL;
    }
    free(owned_target);
    return out;
}

int karak_response_status(const karak_response *r)
{
    return r ? r->status : 0;
}

const char *karak_response_header(const karak_response *r, const char *name)
{
    if (r == NULL || name == NULL) return NULL;
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

const char *karak_response_body(const karak_response *r, size_t *len)
{
    if (r == NULL) return NULL;
    if (len != NULL) *len = r->body_len;
    return r->body;
}

json_t *karak_response_json(const karak_response *r)
{
    if (r == NULL) return NULL;
    return json_loadb(r->body, r->body_len, JSON_DECODE_ANY, NULL);
}

void karak_response_free(karak_response *r)
{
    if (r == NULL) return;
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    free(r);
}
