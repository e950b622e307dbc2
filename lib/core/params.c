/* The parameter pipeline: every declared source validated the same way and reported in one
 * 422, in FastAPI's order (solve_dependencies: path, query, header, cookie; then the body).
 *
 * Path parameters are declared in the pattern; at registration they become a schema like
 * any other (one 8-byte slot per parameter: int64, double or the decoded string), so a
 * `{id:int}` is validated, coerced and reported exactly as a query field `id` would be,
 * under ["path", "id"]. Query, header and cookie schemas come from the route's options.
 * Each source has a getter that finds a field's raw value:
 *   path    the router's capture for the parameter
 *   query   the last pair of that name (decoded); a list field: every pair, in order
 *   header  the first header of that name, case-insensitive; a list field: every one, in
 *           order, without splitting at commas (FastAPI's Header list)
 *   cookie  the last cookie of that name
 * Header and cookie values are bytes: taken as UTF-8 when valid, else as latin-1 (as
 * Starlette decodes headers), so a string field is always UTF-8. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"

#define SLOT 8 /* every path value fits 8 bytes: int64_t, double, const char * */

_Static_assert(sizeof(int64_t) <= SLOT && sizeof(double) <= SLOT &&
                   sizeof(const char *) <= SLOT,
               "a path parameter slot holds any of its types");

/* A route's own path schema: one field per parameter of the pattern, and none other; a typed
 * parameter ({id:int}) keeps its type, a {rest:path} is a string, a plain {name} may be any
 * scalar (Path(ge=1), an enum, a UUID...). */
static int check_user_path(kroute *r, char *err, size_t errlen)
{
    const kschema *cs = r->path;
    for (size_t i = 0; i < r->nparams; i++) {
        const kparam *p = &r->params[i];
        const kfield *kf = NULL;
        for (size_t j = 0; j < cs->count && kf == NULL; j++)
            if (strcmp(cs->fields[j].key, p->name) == 0) kf = &cs->fields[j];
        karak_type t = kf ? kf->f->type : KARAK_STR;
        const char *why = kf == NULL                                              ? "has no field"
                          : p->type == KP_INT && t != KARAK_I64 && t != KARAK_I32 ? "is {:int}"
                          : p->type == KP_FLOAT && t != KARAK_F64                 ? "is {:float}"
                          : p->type == KP_PATH && t != KARAK_STR                  ? "is {:path}"
                                                                                  : NULL;
        if (why != NULL) {
            snprintf(err, errlen, "route %s %s: parameter '%s' %s in schema %s%s", r->method,
                     r->pattern, p->name, why, cs->schema->name ? cs->schema->name : "?",
                     kf == NULL ? "" : ", whose field has another type");
            return KARAK_EINVAL;
        }
    }
    for (size_t j = 0; j < cs->count; j++) {
        bool found = false;
        for (size_t i = 0; i < r->nparams && !found; i++)
            found = strcmp(cs->fields[j].key, r->params[i].name) == 0;
        if (!found) {
            snprintf(err, errlen, "route %s %s: field '%s' of schema %s is not a parameter of "
                     "the pattern", r->method, r->pattern, cs->fields[j].key,
                     cs->schema->name ? cs->schema->name : "?");
            return KARAK_EINVAL;
        }
    }
    return KARAK_OK;
}

int kparams_compile_path(kroute *r, char *err, size_t errlen)
{
    if (r->path_user) return check_user_path(r, err, errlen);
    if (r->nparams == 0) return KARAK_OK;
    /* The table and its schema live in one block that the route owns (path_table). */
    struct table {
        karak_schema schema;
        karak_field fields[KARAK_MAX_PARAMS + 1];
    } *t = calloc(1, sizeof *t);
    if (t == NULL) return KARAK_ENOMEM;
    for (size_t i = 0; i < r->nparams; i++) {
        karak_field *f = &t->fields[i];
        f->name = r->params[i].name;
        f->offset = i * SLOT;
        f->type = r->params[i].type == KP_INT     ? KARAK_I64
                  : r->params[i].type == KP_FLOAT ? KARAK_F64
                                                  : KARAK_STR;
        f->size = f->type == KARAK_STR ? sizeof(const char *) : 8;
    }
    t->schema = (karak_schema){.name = "path", .size = r->nparams * SLOT, .fields = t->fields,
                               .field_size = sizeof(karak_field)};
    char why[KARAK_ERRLEN];
    r->path = kschema_compile(&t->schema, KSRC_PATH, why, sizeof why);
    if (r->path == NULL) {
        free(t);
        snprintf(err, errlen, "route %s %s: %s", r->method, r->pattern, why);
        return KARAK_ENOMEM; /* the only way to fail: names were checked by the router */
    }
    r->path_table = t;
    return KARAK_OK;
}

/* ---- getters, one per source ---- */

/* What the getters receive: the request, and the errors to mark when out of memory (the
 * value then reads as absent, but the request is a 500). */
typedef struct getter_ud {
    karak_ctx *c;
    kverrs *errs;
    /* where the last list value was found: the values of a list field are asked for in
       order, and each search goes on from the last one (one pass for all of them) */
    const char *key;
    size_t nth, at;
} getter_ud;

/* The nth pair named `key` (exactly, or case-insensitively), or NULL. */
static const karak_pair *nth_pair(getter_ud *g, const karak_pair *p, size_t n, const char *key,
                                  size_t nth, bool nocase)
{
    size_t len = strlen(key), from = 0, seen = 0;
    if (nth > 0 && g->key == key && g->nth + 1 == nth) {
        from = g->at + 1;
        seen = nth;
    }
    for (size_t i = from; i < n; i++) {
        if (p[i].name_len != len) continue;
        if (nocase ? strncasecmp(p[i].name, key, len) != 0 : memcmp(p[i].name, key, len) != 0)
            continue;
        if (seen++ < nth) continue;
        g->key = key;
        g->nth = nth;
        g->at = i;
        return &p[i];
    }
    return NULL;
}

static const char *path_get(void *ud, const char *key, size_t nth, size_t *len)
{
    karak_ctx *c = ((getter_ud *)ud)->c;
    (void)nth; /* path parameters are scalars */
    for (size_t i = 0; i < c->route->nparams; i++) {
        if (strcmp(c->route->params[i].name, key) == 0) {
            *len = c->raw_params[i].n;
            return c->raw_params[i].s;
        }
    }
    return NULL;
}

static const char *query_get(void *ud, const char *key, size_t nth, size_t *len)
{
    getter_ud *g = ud;
    karak_ctx *c = g->c;
    const karak_pair *p = nth == KPARAM_ONE
                              ? khttp_pairs_last(c->query_pairs, c->nquery, key, strlen(key))
                              : nth_pair(g, c->query_pairs, c->nquery, key, nth, false);
    if (p == NULL) return NULL;
    *len = p->value_len;
    return p->value;
}

/* Header bytes as text: UTF-8 when they are valid UTF-8, else latin-1, which is how
 * Starlette reads every header ("\xff" is "\u00ff"). A KARAK_STR field and an error's input
 * are then always UTF-8. */
static const char *header_text(getter_ud *g, const char *s, size_t *len)
{
    if (kutf8_valid(s, *len)) return s;
    size_t n = *len;
    char *d = karena_alloc_bytes(g->c->arena, 2 * n + 1);
    if (d == NULL) {
        g->errs->nomem = true;
        return NULL;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) {
            d[k++] = (char)ch;
        } else {
            d[k++] = (char)(0xC0 | (ch >> 6));
            d[k++] = (char)(0x80 | (ch & 0x3F));
        }
    }
    d[k] = '\0';
    *len = k;
    return d;
}

static const char *header_get(void *ud, const char *key, size_t nth, size_t *len)
{
    getter_ud *g = ud;
    if (!kctx_headers_load(g->c)) {
        g->errs->nomem = true;
        return NULL;
    }
    const karak_pair *p = nth == KPARAM_ONE
                              ? khttp_header_find(g->c->hdrs, g->c->nhdrs, key)
                              : nth_pair(g, g->c->hdrs, g->c->nhdrs, key, nth, true);
    if (p == NULL) return NULL;
    *len = p->value_len;
    return header_text(g, p->value, len);
}

static const char *cookie_get(void *ud, const char *key, size_t nth, size_t *len)
{
    getter_ud *g = ud;
    (void)nth; /* cookie fields are scalars (checked at registration) */
    const karak_pair *p = khttp_pairs_last(g->c->cookie_pairs, g->c->ncookies, key, strlen(key));
    if (p == NULL) return NULL;
    *len = p->value_len;
    return header_text(g, p->value, len);
}

/* One source: the struct it fills, validated from the strings the getter finds. */
static void *validate_source(karak_ctx *c, const kschema *cs, kparam_get get, kverrs *errs)
{
    if (cs == NULL) return NULL;
    void *out = karena_alloc(c->arena, cs->schema->size);
    if (out == NULL) {
        errs->nomem = true;
        return NULL;
    }
    getter_ud g = {.c = c, .errs = errs};
    kschema_from_params(cs, get, &g, out, errs);
    return out;
}

/* Validates path, query, header and cookie parameters, adding every error to errs. */
void kparams_validate(karak_ctx *c, kverrs *errs)
{
    const kroute *r = c->route;
    c->path_values = validate_source(c, r->path, path_get, errs);
    /* a source that could not be parsed (out of memory) is not validated: its fields would
       read as missing, and the request is a 500 anyway */
    if (r->query != NULL && !kctx_query_parse(c)) errs->nomem = true;
    else c->query = validate_source(c, r->query, query_get, errs);
    c->headers = validate_source(c, r->headers, header_get, errs);
    if (r->cookies != NULL && !kctx_cookies_parse(c)) errs->nomem = true;
    else c->cookies = validate_source(c, r->cookies, cookie_get, errs);
}

void *kparams_validate_one(karak_ctx *c, const kschema *cs, kverrs *errs)
{
    if (cs == NULL) return NULL;
    switch (cs->source) {
    case KSRC_QUERY:
        if (!kctx_query_parse(c)) break;
        return validate_source(c, cs, query_get, errs);
    case KSRC_HEADER: return validate_source(c, cs, header_get, errs);
    case KSRC_COOKIE:
        if (!kctx_cookies_parse(c)) break;
        return validate_source(c, cs, cookie_get, errs);
    default: return NULL; /* path and body belong to the route */
    }
    errs->nomem = true;
    return NULL;
}

bool kparams_path_value(const karak_ctx *c, const char *name, karak_type want, void *out)
{
    const kroute *r = c->route;
    if (r == NULL || r->path == NULL || c->path_values == NULL || name == NULL) return false;
    const kschema *cs = r->path;
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        if (strcmp(kf->key, name) != 0) continue;
        const char *at = (const char *)c->path_values + kf->f->offset;
        karak_type t = kf->f->type;
        if (want == KARAK_I64 && t == KARAK_I32) {
            int32_t v;
            memcpy(&v, at, sizeof v);
            int64_t w = v;
            memcpy(out, &w, sizeof w);
            return true;
        }
        if (t != want || (t != KARAK_I64 && t != KARAK_F64)) return false;
        memcpy(out, at, 8);
        return true;
    }
    return false;
}
