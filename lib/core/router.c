/* The router: a tree of path segments built at registration, matched without allocating.
 *
 * Each node has literal children, at most one parameter child and at most one catch-all
 * ({x:path}) child. Matching walks the percent-decoded path segment by segment and tries,
 * at every segment, literal > parameter > catch-all, backtracking when a branch dead-ends, so
 * precedence does not depend on registration order (Karak's rule; Starlette would take registration order, and equals it whenever routes
 * are declared as FastAPI's docs advise, /users/me before /users/{id}). The
 * first node reached with a route for the method is the match; when none has the method,
 * the methods of every node that matched the path make the 405's Allow header.
 * This file owns patterns and matching; what a match means (422, 405, 307) is dispatch.c's. */
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

struct knode {
    char *seg;          /* literal text of this segment (literal children only) */
    size_t seg_len;
    knode **literals;
    size_t nliterals;
    knode *param;       /* {name} / {name:int} / {name:float} */
    knode *catchall;    /* {name:path} */
    char *param_name;   /* for param and catch-all nodes */
    kparam_type param_type;
    kroute *routes;     /* routes ending here, one per method */
};

static void node_free(knode *n)
{
    if (n == NULL) return;
    for (size_t i = 0; i < n->nliterals; i++) node_free(n->literals[i]);
    free(n->literals);
    node_free(n->param);
    node_free(n->catchall);
    free(n->seg);
    free(n->param_name);
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
        bool ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (i > 0 && c >= '0' && c <= '9');
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

static knode *literal_child(knode *n, const char *s, size_t len)
{
    knode *found = literal_find(n, s, len);
    if (found != NULL) return found;
    knode **grown = realloc(n->literals, (n->nliterals + 1) * sizeof *grown);
    if (grown == NULL) return NULL;
    n->literals = grown;
    knode *c = calloc(1, sizeof *c);
    if (c == NULL) return NULL;
    c->seg = malloc(len + 1);
    if (c->seg == NULL) {
        free(c);
        return NULL;
    }
    memcpy(c->seg, s, len);
    c->seg[len] = '\0';
    c->seg_len = len;
    n->literals[n->nliterals++] = c;
    return c;
}

static knode *param_child(knode *n, const pseg *g, const kroute *route, char *err, size_t errlen,
                          int *st)
{
    knode **slot = g->type == KP_PATH ? &n->catchall : &n->param;
    if (*slot != NULL) {
        knode *c = *slot;
        if (strlen(c->param_name) != g->n || memcmp(c->param_name, g->s, g->n) != 0 ||
            c->param_type != g->type) {
            snprintf(err, errlen,
                     "route %s %s: parameter {%.*s} conflicts with {%s} of another route at "
                     "the same position",
                     route->method, route->pattern, (int)g->n, g->s, c->param_name);
            *st = KARAK_ECONFLICT;
            return NULL;
        }
        return c;
    }
    knode *c = calloc(1, sizeof *c);
    if (c == NULL || (c->param_name = malloc(g->n + 1)) == NULL) {
        free(c);
        *st = KARAK_ENOMEM;
        return NULL;
    }
    memcpy(c->param_name, g->s, g->n);
    c->param_name[g->n] = '\0';
    c->param_type = g->type;
    *slot = c;
    return c;
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

int krouter_add(krouter *r, kroute *route, char *err, size_t errlen)
{
    pseg segs[KARAK_MAX_SEGMENTS];
    size_t nsegs = 0;
    int st = split_pattern(route, segs, &nsegs, err, errlen);
    if (st != KARAK_OK) return st;

    knode *n = r->root;
    for (size_t i = 0; i < nsegs; i++) {
        if (segs[i].is_param) {
            n = param_child(n, &segs[i], route, err, errlen, &st);
            if (n == NULL) return st;
        } else {
            n = literal_child(n, segs[i].s, segs[i].n);
            if (n == NULL) return KARAK_ENOMEM;
        }
    }
    kroute **tail = &n->routes;
    for (; *tail != NULL; tail = &(*tail)->next_in_node) {
        if (strcmp((*tail)->method, route->method) == 0) {
            snprintf(err, errlen, "route %s %s: already registered as %s %s", route->method,
                     route->pattern, (*tail)->method, (*tail)->pattern);
            return KARAK_ECONFLICT;
        }
    }
    *tail = route;
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

/* A node reached with the whole path consumed. True when it has the method. */
static bool arrive(mstate *st, const knode *n)
{
    if (n->routes == NULL) return false;
    const kroute *get = NULL;
    for (const kroute *r = n->routes; r != NULL; r = r->next_in_node) {
        if (strcmp(r->method, st->method) == 0) {
            st->m->route = r;
            break;
        }
        if (strcmp(r->method, "GET") == 0) get = r;
    }
    if (st->m->route == NULL && get != NULL && strcmp(st->method, "HEAD") == 0) {
        st->m->route = get;
        st->m->head_via_get = true;
    }
    st->m->path_matched = true;
    if (st->m->route != NULL) {
        memcpy(st->m->params, st->caps, st->ncaps * sizeof *st->caps);
        return true;
    }
    for (const kroute *r = n->routes; r != NULL; r = r->next_in_node) add_allow(st->m, r->method);
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
    walk(&st, r->root, 0, len == 1);
}
