/* What a handler reads from its karak_ctx: path parameters, the validated body and query
 * structs, raw query values and headers, arena memory. A misuse (unknown parameter name,
 * wrong type) is a bug in the handler: the request then ends in a 500, as an exception in a
 * FastAPI handler would, instead of handing out a made-up value silently. */
#include <string.h>

#include "internal.h"

static const kparam *find_param(karak_ctx *c, const char *name, size_t *idx)
{
    if (c->route == NULL || name == NULL) return NULL;
    for (size_t i = 0; i < c->route->nparams; i++) {
        if (strcmp(c->route->params[i].name, name) == 0) {
            *idx = i;
            return &c->route->params[i];
        }
    }
    return NULL;
}

int64_t karak_path_i64(karak_ctx *c, const char *name)
{
    size_t i;
    const kparam *p = find_param(c, name, &i);
    if (p == NULL || p->type != KP_INT) {
        c->failed = true;
        return 0;
    }
    return c->params[i].i;
}

double karak_path_f64(karak_ctx *c, const char *name)
{
    size_t i;
    const kparam *p = find_param(c, name, &i);
    if (p == NULL || p->type != KP_FLOAT) {
        c->failed = true;
        return 0;
    }
    return c->params[i].d;
}

const char *karak_path_str(karak_ctx *c, const char *name)
{
    size_t i;
    const kparam *p = find_param(c, name, &i);
    if (p == NULL) {
        c->failed = true;
        return NULL;
    }
    /* raw_params are slices of the decoded path; hand out a terminated copy */
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

const char *karak_query_param(karak_ctx *c, const char *name)
{
    return name ? kquery_last(c, name, NULL) : NULL;
}

const char *karak_header(karak_ctx *c, const char *name)
{
    if (name == NULL || c->req->header == NULL) return NULL;
    return c->req->header(c->req->header_ud, name);
}

const char *karak_method(karak_ctx *c)
{
    return c->req->method;
}

const char *karak_path(karak_ctx *c)
{
    return c->path;
}

void *karak_alloc(karak_ctx *c, size_t size)
{
    return karena_alloc(c->arena, size);
}

char *karak_strdup(karak_ctx *c, const char *s)
{
    return s ? karena_strndup(c->arena, s, strlen(s)) : NULL;
}

void *karak_app_data(karak_ctx *c)
{
    return c->app->data;
}

void *karak_route_data(karak_ctx *c)
{
    return c->route ? c->route->data : NULL;
}
