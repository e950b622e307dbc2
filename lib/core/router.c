/* The router: a tree of path segments built at registration, matched without allocating
 * (but for one case, below).
 *
 * Each node has literal children, at most one parameter child and at most one catch-all
 * ({x:path}) child. Parameter names and types belong to the routes (route->params), not to
 * the tree, so `GET /items/{item_id}` and `DELETE /items/{id}` share one node, as FastAPI
 * lets them. Matching walks the percent-decoded path segment by segment and tries, at every
 * segment, literal > parameter > catch-all, backtracking when a branch dead-ends, so
 * precedence does not depend on registration order (Karak's rule; Starlette would take
 * registration order, and equals it whenever routes are declared as FastAPI's docs advise,
 * /users/me before /users/{id}). The first node reached with a route for the method is the
 * match; when none has the method, the methods of every node that matched the path make the
 * 405's Allow header.
 *
 * Routes ending at one node have the same shape. Several may have the same method when their
 * parameter types differ (GET /x/{id:int} and GET /x/{name}); the request then goes to the
 * most specific route whose typed parameters all parse from the captured text with the
 * validator's own coercion (kc_int_from_str, kc_float_from_str: " 5" and "5.0" are ints; an
 * integer beyond int64 is not, since the int route would refuse it): int before float before
 * str, compared parameter by parameter from the left. When none parses, the first of them
 * registered takes the request and its validation answers 422. A route alone for its method
 * at a node takes any text, as FastAPI does: {id:int} is FastAPI's `id: int`, validated after
 * matching, not Starlette's convertor. FastAPI would always give the first route registered;
 * libkarak reaches the others rather than leave them dead. The only allocation in matching
 * is there: kc_float_from_str copies a numeral of 256 bytes or more. The same method, shape
 * and parameter types twice is a registration error naming both routes.
 *
 * This file owns patterns and matching; what a match means (422, 405, 307) is dispatch.c's. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"
#include "schema/schema.h"

struct knode {
    char *seg;          /* literal text of this segment (literal children only) */
    size_t seg_len;
    knode **literals;
    size_t nliterals;
    knode *param;       /* {name}, {name:str}, {name:int}, {name:float}: any name and type */
    knode *catchall;    /* {name:path} */
    kroute *routes;     /* routes ending here, in registration order */
};

static void node_free(knode *n)
{
    if (n == NULL) return;
    for (size_t i = 0; i < n->nliterals; i++) node_free(n->literals[i]);
    free(n->literals);
    node_free(n->param);
    node_free(n->catchall);
    free(n->seg);
    free(n);
}

int krouter_init(krouter *r)
{
    r->root = calloc(1, sizeof *r->root);
    return r->root ? KARAK_OK : KARAK_ENOMEM;
}

void krouter_free(krouter *r)
{
    node_free(r->root);
    r->root = NULL;
}

/* ---- registration ---- */

typedef struct pseg {
    const char *s; /* literal text, or the parameter name */
    size_t n;
    bool is_param;
    kparam_type type;
} pseg;

static bool param_type_of(const char *s, size_t n, kparam_type *t)
{
    static const struct {
        const char *name;
        kparam_type type;
    } types[] = {{"str", KP_STR}, {"int", KP_INT}, {"float", KP_FLOAT}, {"path", KP_PATH}};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (strlen(types[i].name) == n && memcmp(types[i].name, s, n) == 0) {
            *t = types[i].type;
            return true;
        }
    }
    return false;
}

static bool valid_name(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = c == '_' || kis_alpha(c) || (i > 0 && kis_digit(c));
        if (!ok) return false;
    }
    return true;
}

/* Splits a pattern into segments; "/" has none. */
static int split_pattern(kroute *route, pseg *segs, size_t *nsegs, char *err,
                                  size_t errlen)
{
    const char *p = route->pattern;
    size_t n = 0;
    if (p[0] != '/') {
        snprintf(err, errlen, "route %s %s: the pattern must start with '/'", route->method, p);
        return KARAK_EINVAL;
    }
    if (p[1] == '\0') {
        *nsegs = 0;
        return KARAK_OK;
    }
    const char *s = p + 1;
    for (;;) {
        const char *end = strchr(s, '/');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (n == KARAK_MAX_SEGMENTS) {
            snprintf(err, errlen, "route %s %s: more than %d segments", route->method, p,
                     KARAK_MAX_SEGMENTS);
            return KARAK_EINVAL;
        }
        pseg *g = &segs[n++];
        const char *open = memchr(s, '{', len), *close = memchr(s, '}', len);
        if (open == NULL && close == NULL) {
            *g = (pseg){.s = s, .n = len};
        } else if (open != s || close != s + len - 1) {
            snprintf(err, errlen,
                     "route %s %s: a parameter must be a whole segment, like /{name}",
                     route->method, p);
            return KARAK_EINVAL;
        } else {
            const char *name = s + 1;
            const char *colon = memchr(name, ':', len - 2);
            size_t name_len = colon ? (size_t)(colon - name) : len - 2;
            kparam_type t = KP_STR;
            if (!valid_name(name, name_len)) {
                snprintf(err, errlen, "route %s %s: invalid parameter name '%.*s'",
                         route->method, p, (int)name_len, name);
                return KARAK_EINVAL;
            }
            if (colon != NULL && !param_type_of(colon + 1, (size_t)(s + len - 1 - colon - 1), &t)) {
                snprintf(err, errlen,
                         "route %s %s: unknown parameter type '%.*s' (str, int, float, path)",
                         route->method, p, (int)(s + len - 1 - colon - 1), colon + 1);
                return KARAK_EINVAL;
            }
            *g = (pseg){.s = name, .n = name_len, .is_param = true, .type = t};
        }
        if (end == NULL) break;
        s = end + 1;
    }
    *nsegs = n;
    return KARAK_OK;
}

static knode *literal_find(const knode *n, const char *s, size_t len)
{
    for (size_t i = 0; i < n->nliterals; i++) {
        knode *c = n->literals[i];
        if (c->seg_len == len && memcmp(c->seg, s, len) == 0) return c;
    }
    return NULL;
}

/* The child of n that segment g leads to, or NULL. */
static knode *child_of(const knode *n, const pseg *g)
{
    if (!g->is_param) return literal_find(n, g->s, g->n);
    return g->type == KP_PATH ? n->catchall : n->param;
}

/* A childless node for segment g; only literal nodes keep their text. */
static knode *node_new(const pseg *g)
{
    knode *c = calloc(1, sizeof *c);
    if (c == NULL || g->is_param) return c;
    c->seg = kstrndup(g->s, g->n);
    if (c->seg == NULL) {
        free(c);
        return NULL;
    }
    c->seg_len = g->n;
    return c;
}

/* Links `child` under n as segment g, which n has no child for yet. False when out of
 * memory, with n unchanged. */
static bool node_link(knode *n, const pseg *g, knode *child)
{
    if (g->is_param) {
        *(g->type == KP_PATH ? &n->catchall : &n->param) = child;
        return true;
    }
    knode **grown = realloc(n->literals, (n->nliterals + 1) * sizeof *grown);
    if (grown == NULL) return false;
    n->literals = grown;
    n->literals[n->nliterals++] = child;
    return true;
}

/* The nodes of segs[from..nsegs) that the tree lacks, as a detached chain holding `route`
 * at its end. Built bottom-up and linked by the caller in one step, so that running out of
 * memory half-way leaves the tree untouched. */
static knode *chain_new(const pseg *segs, size_t from, size_t nsegs, kroute *route)
{
    knode *below = node_new(&segs[nsegs - 1]);
    if (below == NULL) return NULL;
    below->routes = route;
    for (size_t i = nsegs - 1; i > from; i--) {
        knode *n = node_new(&segs[i - 1]);
        if (n == NULL || !node_link(n, &segs[i], below)) {
            node_free(n);
            node_free(below);
            return NULL;
        }
        below = n;
    }
    return below;
}

static bool same_types(const kroute *a, const kroute *b)
{
    if (a->nparams != b->nparams) return false;
    for (size_t i = 0; i < a->nparams; i++)
        if (a->params[i].type != b->params[i].type) return false;
    return true;
}

/* Appends `route` to the routes of its node. Routes there share the shape, so the method and
 * the parameter types are all that can tell two apart. */
static int node_add_route(knode *n, kroute *route, char *err, size_t errlen)
{
    kroute **tail = &n->routes;
    for (; *tail != NULL; tail = &(*tail)->next_in_node) {
        const kroute *o = *tail;
        if (strcmp(o->method, route->method) == 0 && same_types(o, route)) {
            snprintf(err, errlen, "route %s %s: conflicts with %s %s", route->method,
                     route->pattern, o->method, o->pattern);
            return KARAK_ECONFLICT;
        }
    }
    *tail = route;
    return KARAK_OK;
}

static int record_params(kroute *route, const pseg *segs, size_t nsegs, char *err,
                                  size_t errlen)
{
    route->nparams = 0;
    for (size_t i = 0; i < nsegs; i++) {
        if (!segs[i].is_param) continue;
        if (segs[i].type == KP_PATH && i + 1 != nsegs) {
            snprintf(err, errlen, "route %s %s: a {name:path} parameter must be the last segment",
                     route->method, route->pattern);
            return KARAK_EINVAL;
        }
        if (route->nparams == KARAK_MAX_PARAMS) {
            snprintf(err, errlen, "route %s %s: more than %d parameters", route->method,
                     route->pattern, KARAK_MAX_PARAMS);
            return KARAK_EINVAL;
        }
        for (size_t j = 0; j < route->nparams; j++) {
            if (strlen(route->params[j].name) == segs[i].n &&
                memcmp(route->params[j].name, segs[i].s, segs[i].n) == 0) {
                snprintf(err, errlen, "route %s %s: parameter {%.*s} appears twice",
                         route->method, route->pattern, (int)segs[i].n, segs[i].s);
                return KARAK_EINVAL;
            }
        }
        kparam *kp = &route->params[route->nparams];
        kp->name = kstrndup(segs[i].s, segs[i].n);
        if (kp->name == NULL) return KARAK_ENOMEM;
        kp->type = segs[i].type;
        route->nparams++;
    }
    return KARAK_OK;
}

int krouter_parse(kroute *route, char *err, size_t errlen)
{
    pseg segs[KARAK_MAX_SEGMENTS];
    size_t nsegs = 0;
    int st = split_pattern(route, segs, &nsegs, err, errlen);
    if (st == KARAK_OK) st = record_params(route, segs, nsegs, err, errlen);
    return st;
}

/* route->params must be filled (krouter_parse): the duplicate check compares their types. */
int krouter_add(krouter *r, kroute *route, char *err, size_t errlen)
{
    pseg segs[KARAK_MAX_SEGMENTS];
    size_t nsegs = 0;
    int st = split_pattern(route, segs, &nsegs, err, errlen);
    if (st != KARAK_OK) return st;

    route->next_in_node = NULL;
    knode *n = r->root;
    size_t depth = 0;
    for (knode *c; depth < nsegs && (c = child_of(n, &segs[depth])) != NULL; depth++) n = c;
    if (depth == nsegs) return node_add_route(n, route, err, errlen);
    knode *chain = chain_new(segs, depth, nsegs, route);
    if (chain == NULL) return KARAK_ENOMEM;
    if (!node_link(n, &segs[depth], chain)) {
        node_free(chain);
        return KARAK_ENOMEM;
    }
    return KARAK_OK;
}

/* ---- matching ---- */

typedef struct mstate {
    const char *method;
    const char *path; /* after the leading '/' */
    size_t len;
    kmatch *m;
    kslice caps[KARAK_MAX_PARAMS];
    size_t ncaps;
} mstate;

static void add_allow(kmatch *m, const char *method)
{
    for (size_t i = 0; i < m->nallow; i++)
        if (strcmp(m->allow[i], method) == 0) return;
    if (m->nallow < sizeof m->allow / sizeof *m->allow) m->allow[m->nallow++] = method;
}

/* True when every int and float parameter of r parses from its capture, with the coercion
 * its validation will use. */
static bool typed_params_parse(const kroute *r, const kslice *caps)
{
    for (size_t i = 0; i < r->nparams; i++) {
        int64_t iv;
        double fv;
        int overflow;
        kparam_type t = r->params[i].type;
        if (t == KP_INT && kc_int_from_str(caps[i].s, caps[i].n, &iv, &overflow) != KC_OK)
            return false;
        if (t == KP_FLOAT && kc_float_from_str(caps[i].s, caps[i].n, &fv) != KC_OK) return false;
    }
    return true;
}

/* int, then float, then str: a narrower type claims its text first. */
static int type_rank(kparam_type t)
{
    static const int rank[] = {[KP_INT] = 0, [KP_FLOAT] = 1, [KP_STR] = 2, [KP_PATH] = 3};
    return rank[t];
}

/* True when a is more specific than b: the leftmost parameter whose types differ decides. */
static bool more_specific(const kroute *a, const kroute *b)
{
    for (size_t i = 0; i < a->nparams && i < b->nparams; i++) {
        int ra = type_rank(a->params[i].type), rb = type_rank(b->params[i].type);
        if (ra != rb) return ra < rb;
    }
    return false;
}

/* The route for `method` among n's routes, given the captures; NULL when none has it. Alone,
 * a route takes any text (its validation answers); among several, the most specific whose
 * typed parameters parse, else the first registered. */
static const kroute *pick(const knode *n, const char *method, const kslice *caps)
{
    const kroute *first = NULL, *best = NULL;
    size_t count = 0;
    for (const kroute *r = n->routes; r != NULL; r = r->next_in_node) {
        if (strcmp(r->method, method) != 0) continue;
        if (first == NULL) first = r;
        count++;
    }
    if (count < 2) return first;
    for (const kroute *r = first; r != NULL; r = r->next_in_node) {
        if (strcmp(r->method, method) != 0 || !typed_params_parse(r, caps)) continue;
        if (best == NULL || more_specific(r, best)) best = r;
    }
    return best != NULL ? best : first;
}

/* A node reached with the whole path consumed. True when it has the method. */
static bool arrive(mstate *st, const knode *n)
{
    if (n->routes == NULL) return false;
    kmatch *m = st->m;
    m->path_matched = true;
    m->route = pick(n, st->method, st->caps);
    if (m->route == NULL && strcmp(st->method, "HEAD") == 0) {
        m->route = pick(n, "GET", st->caps);
        m->head_via_get = m->route != NULL;
    }
    if (m->route != NULL) {
        memcpy(m->params, st->caps, st->ncaps * sizeof *st->caps);
        return true;
    }
    for (const kroute *r = n->routes; r != NULL; r = r->next_in_node) add_allow(m, r->method);
    return false;
}

/* Segment starting at `at` (at <= len): true when a full match was found below. `done`
 * means the path has no segment left (only for the root of "/"). */
static bool walk(mstate *st, const knode *n, size_t at, bool done)
{
    if (done) return arrive(st, n);
    const char *seg = st->path + at;
    const char *slash = memchr(seg, '/', st->len - at);
    size_t seg_len = slash ? (size_t)(slash - seg) : st->len - at;
    bool last = slash == NULL;
    size_t next = at + seg_len + 1;

    const knode *lit = literal_find(n, seg, seg_len);
    if (lit != NULL && walk(st, lit, next, last)) return true;
    if (n->param != NULL && seg_len > 0 && st->ncaps < KARAK_MAX_PARAMS) {
        st->caps[st->ncaps++] = (kslice){seg, seg_len};
        if (walk(st, n->param, next, last)) return true;
        st->ncaps--;
    }
    if (n->catchall != NULL && st->ncaps < KARAK_MAX_PARAMS) {
        st->caps[st->ncaps++] = (kslice){seg, st->len - at};
        if (arrive(st, n->catchall)) return true;
        st->ncaps--;
    }
    return false;
}

void krouter_match(const krouter *r, const char *method, const char *path, size_t len,
                   kmatch *m)
{
    memset(m, 0, sizeof *m);
    if (len == 0 || path[0] != '/') return;
    mstate st = {.method = method, .path = path + 1, .len = len - 1, .m = m};
    if (walk(&st, r->root, 0, len == 1) || len != 1 || r->root->catchall == NULL) return;
    /* "/" has no segment, but /{rest:path} matches it with rest = "", as Starlette's
       ^/(?P<rest>.*)$ does */
    st.caps[st.ncaps++] = (kslice){path + 1, 0};
    arrive(&st, r->root->catchall);
}
