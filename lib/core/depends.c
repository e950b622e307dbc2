/* Dependencies resolved for one request, as FastAPI's solve_dependencies resolves them:
 * depth first, each provider after its sub-dependencies and its own parameters, at most
 * once per request (the cache is the request's list of values), a provider whose inputs
 * failed skipped with its errors kept, a provider that answers ending the request. The
 * graph was checked (cycles, missing functions) and its schemas compiled at registration
 * (app.c). Cleanups: request-scoped ones ride on karak_defer, function-scoped ones wait in
 * the context for the handler to return. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

typedef enum kdep_outcome { KDEP_OK, KDEP_SKIPPED, KDEP_STOP } kdep_outcome;

/* A set-up provider's cleanup, with what it needs once the request has moved on. */
typedef struct kcleanup {
    const karak_provider *p;
    void *value;
    const karak_ctx *c; /* for the final status only: the arena outlives the cleanups */
} kcleanup;

static void run_cleanup(void *arg)
{
    const kcleanup *k = arg;
    k->p->cleanup(k->value, k->c->resp.status, k->p->data);
}

static kdepval *cached(karak_ctx *c, const karak_provider *key)
{
    for (size_t i = 0; i < c->ndeps; i++)
        if (c->deps[i].key == key) return &c->deps[i];
    return NULL;
}

/* What runs when `p` is asked for: a test client's override, else p itself. */
static const karak_provider *running(const karak_ctx *c, const karak_provider *p)
{
    for (size_t i = 0; i < c->req->noverrides; i++)
        if (c->req->overrides[i].original == p) return c->req->overrides[i].replacement;
    return p;
}

/* Its compiled parameters: the app's registry, else the test client's for overrides. */
static const kprov *registered(const karak_ctx *c, const karak_provider *p)
{
    const kprov *kp = kapp_provider(c->app, p);
    for (size_t i = 0; kp == NULL && i < c->req->nextra_provs; i++)
        if (c->req->extra_provs[i].p == p) kp = &c->req->extra_provs[i];
    return kp;
}

static kdepval *remember(karak_ctx *c, const kdepval *v)
{
    if (c->ndeps == c->capdeps) {
        size_t cap = c->capdeps ? 2 * c->capdeps : 8;
        kdepval *grown = karak_alloc(c, cap * sizeof *grown);
        if (grown == NULL) return NULL;
        if (c->ndeps > 0) memcpy(grown, c->deps, c->ndeps * sizeof *grown);
        c->deps = grown;
        c->capdeps = cap;
    }
    c->deps[c->ndeps] = *v;
    return &c->deps[c->ndeps++];
}

static bool register_cleanup(karak_ctx *c, const karak_provider *p, void *value)
{
    if (p->cleanup == NULL) return true;
    kcleanup *k = karak_alloc(c, sizeof *k);
    if (k != NULL) *k = (kcleanup){.p = p, .value = value, .c = c};
    if (p->scope == KARAK_SCOPE_FUNCTION) {
        kdefer *d = karak_alloc(c, sizeof *d);
        if (k == NULL || d == NULL) {
            p->cleanup(value, 500, p->data); /* never a resource left behind */
            return false;
        }
        *d = (kdefer){.fn = run_cleanup, .arg = k, .next = c->fn_cleanups};
        c->fn_cleanups = d;
        return true;
    }
    if (k == NULL) {
        p->cleanup(value, 500, p->data);
        return false;
    }
    return karak_defer(c, run_cleanup, k) == KARAK_OK; /* on failure it has run already */
}

static kdep_outcome stop_with_500(karak_ctx *c)
{
    kresp_internal_error(&c->resp);
    c->kind = KRESP_FAILED;
    return KDEP_STOP;
}

/* Calls p->provide once its inputs are in: the outcome, and the value when OK. */
static kdep_outcome call_provider(karak_ctx *c, kdepval *v)
{
    const karak_provider *p = v->p;
    v->value = karak_alloc(c, p->size > 0 ? p->size : 1);
    if (v->value == NULL) return stop_with_500(c);
    const kdepval *outer = c->dep_current;
    c->dep_current = v;
    kresp_kind before = c->kind;
    karak_result res = p->provide(c, v->value);
    c->dep_current = outer;
    if (res == KARAK_FAIL || c->failed || c->kind == KRESP_FAILED) {
        karak_app_log(c->app, KARAK_LOG_ERROR, "%s %s: provider %s failed", c->req->method,
                      c->path, p->name ? p->name : "(unnamed)");
        return stop_with_500(c);
    }
    if (res != KARAK_NEXT || c->kind != before) {
        /* it answered (HTTPException): that is the response, or a 500 without one */
        if (c->kind == KRESP_NONE || c->kind == before) return stop_with_500(c);
        return KDEP_STOP;
    }
    if (!register_cleanup(c, p, v->value)) return stop_with_500(c);
    return KDEP_OK;
}

static size_t list_len(const karak_provider *const *list)
{
    size_t n = 0;
    while (list != NULL && list[n] != NULL) n++;
    return n;
}

/* Resolves `key` (what runs is its override, if any): KDEP_OK with its value in *value. */
static kdep_outcome resolve(karak_ctx *c, const karak_provider *key, kverrs *errs,
                            void **value)
{
    const karak_provider *p = running(c, key);
    if (!p->no_cache) {
        kdepval *hit = cached(c, key);
        if (hit != NULL) {
            *value = hit->value;
            return hit->state == KDEP_READY ? KDEP_OK : KDEP_SKIPPED;
        }
    }
    const kprov *kp = registered(c, p);
    bool has_params = p->query != NULL || p->headers != NULL || p->cookies != NULL;
    if (kp == NULL && has_params) {
        karak_app_log(c->app, KARAK_LOG_ERROR,
                      "%s %s: provider %s has parameters but no route's or the app's "
                      ".depends names it, so they were never compiled",
                      c->req->method, c->path, p->name ? p->name : "(unnamed)");
        return stop_with_500(c);
    }
    bool skip = false;
    kdepval v = {.key = key, .p = p};
    size_t nsub = list_len(p->depends);
    if (nsub > 0) {
        v.sub_values = karak_alloc(c, nsub * sizeof *v.sub_values);
        if (v.sub_values == NULL) return stop_with_500(c);
    }
    for (size_t i = 0; i < nsub; i++) {
        kdep_outcome o = resolve(c, p->depends[i], errs, &v.sub_values[i]);
        if (o == KDEP_STOP) return KDEP_STOP;
        if (o == KDEP_SKIPPED) skip = true;
    }
    size_t before = errs->count;
    if (kp != NULL) {
        v.query = kparams_validate_one(c, kp->query, errs);
        v.headers = kparams_validate_one(c, kp->headers, errs);
        v.cookies = kparams_validate_one(c, kp->cookies, errs);
    }
    if (errs->nomem) return stop_with_500(c);
    if (skip || errs->count != before) {
        v.state = KDEP_INVALID;
        *value = NULL;
        return remember(c, &v) != NULL ? KDEP_SKIPPED : stop_with_500(c);
    }
    kdep_outcome o = call_provider(c, &v);
    if (o != KDEP_OK) return o;
    v.state = KDEP_READY;
    *value = v.value;
    return remember(c, &v) != NULL ? KDEP_OK : stop_with_500(c);
}

/* A list's values, each resolved for this use (kept for karak_depends). */
static bool resolve_list(karak_ctx *c, const karak_provider *const *list, kverrs *errs,
                         void ***values)
{
    size_t n = list_len(list);
    if (n == 0) return true;
    *values = karak_alloc(c, n * sizeof **values);
    if (*values == NULL) {
        stop_with_500(c);
        return false;
    }
    for (size_t i = 0; i < n; i++)
        if (resolve(c, list[i], errs, &(*values)[i]) == KDEP_STOP) return false;
    return true;
}

bool kdeps_resolve(karak_ctx *c, kverrs *errs)
{
    return resolve_list(c, c->app->depends, errs, &c->app_dep_values) &&
           resolve_list(c, c->route->depends, errs, &c->route_dep_values);
}

/* The value resolved for p where it was declared: among the running provider's
 * sub-dependencies, else the route's and the app's dependencies. NULL: not declared there. */
static void *declared_value(const karak_ctx *c, const karak_provider *p)
{
    const karak_provider *const *list[2] = {NULL, NULL};
    void **vals[2] = {NULL, NULL};
    if (c->dep_current != NULL) {
        list[0] = c->dep_current->p->depends;
        vals[0] = c->dep_current->sub_values;
    } else {
        list[0] = c->route != NULL ? c->route->depends : NULL;
        vals[0] = c->route_dep_values;
        list[1] = c->app->depends;
        vals[1] = c->app_dep_values;
    }
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; vals[k] != NULL && list[k] != NULL && list[k][i] != NULL; i++)
            if (list[k][i] == p && vals[k][i] != NULL) return vals[k][i];
    return NULL;
}

void kdeps_function_cleanups(karak_ctx *c)
{
    kdefer_run(&c->fn_cleanups);
}

/* ---- inside handlers and providers ---- */

const void *karak_depends(karak_ctx *c, const karak_provider *p)
{
    if (c == NULL || p == NULL) return NULL;
    void *declared = declared_value(c, p);
    if (declared != NULL) return declared;
    kverrs errs;
    kverrs_init(&errs, c->arena);
    void *value = NULL;
    kdep_outcome o = resolve(c, p, &errs, &value);
    if (o == KDEP_OK) return value;
    if (o == KDEP_SKIPPED && errs.count > 0) { /* its parameters failed now: their 422 */
        kbuf b;
        kbuf_init(&b, c->arena, 256);
        kverrs_render(&errs, &b);
        if (kbuf_cstr(&b) == NULL) {
            stop_with_500(c);
        } else {
            kresp_error_raw(&c->resp, c->arena, 422, b.data, b.len);
            c->kind = KRESP_ERROR;
        }
    } else if (o == KDEP_SKIPPED && c->kind == KRESP_NONE) {
        stop_with_500(c); /* skipped earlier: the request is already a 422 */
    }
    return NULL;
}

const void *karak_dep_query(karak_ctx *c)
{
    return c->dep_current ? c->dep_current->query : NULL;
}

const void *karak_dep_headers(karak_ctx *c)
{
    return c->dep_current ? c->dep_current->headers : NULL;
}

const void *karak_dep_cookies(karak_ctx *c)
{
    return c->dep_current ? c->dep_current->cookies : NULL;
}

void *karak_dep_data(karak_ctx *c)
{
    return c->dep_current ? c->dep_current->p->data : NULL;
}

/* ---- per-worker values ---- */

void **kslots_get(kslots *s, const void *key, void (*dtor)(void *value))
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].key == key) return &s->v[i].value;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4;
        kslot *grown = realloc(s->v, cap * sizeof *grown);
        if (grown == NULL) return NULL;
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n] = (kslot){.key = key, .value = NULL, .dtor = dtor};
    return &s->v[s->n++].value;
}

void kslots_destroy(kslots *s)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].dtor != NULL && s->v[i].value != NULL) s->v[i].dtor(s->v[i].value);
    free(s->v);
    *s = (kslots){0};
}

void **karak_worker_slot(karak_ctx *c, const void *key, void (*dtor)(void *value))
{
    if (c == NULL || key == NULL || c->req->slots == NULL) return NULL;
    return kslots_get(c->req->slots, key, dtor);
}
