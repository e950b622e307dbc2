/* The app: options, route registration and the checks that make a bad route a clear
 * registration error (route and field named) instead of a surprise per request. Once sealed
 * (serving or testing has begun) the app is read-only and shared by all worker threads. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define KARAK_DEFAULT_MAX_BODY (1024u * 1024u)

const char *karak_strerror(karak_status status)
{
    switch (status) {
    case KARAK_OK: return "ok";
    case KARAK_ENOMEM: return "out of memory";
    case KARAK_EINVAL: return "invalid argument";
    case KARAK_ECONFLICT: return "route conflicts with a registered route";
    case KARAK_ESEALED: return "the app is already serving and can no longer change";
    case KARAK_ESYSTEM: return "the operating system refused the operation";
    case KARAK_EREGISTER: return "a route failed to register";
    }
    return "unknown status";
}

const char *karak_version(void)
{
    return KARAK_VERSION_STRING;
}

static char *dup_or(const char *s, const char *fallback)
{
    const char *src = s ? s : fallback;
    size_t n = strlen(src) + 1;
    char *d = malloc(n);
    if (d != NULL) memcpy(d, src, n);
    return d;
}

karak_app *karak_app_new(const karak_app_opts *opts)
{
    static const karak_app_opts none = {0};
    if (opts == NULL) opts = &none;
    karak_app *app = calloc(1, sizeof *app);
    if (app == NULL) return NULL;
    app->title = dup_or(opts->title, "libkarak");
    app->version = dup_or(opts->version, KARAK_VERSION_STRING);
    app->max_body = opts->max_body ? opts->max_body : KARAK_DEFAULT_MAX_BODY;
    app->data = opts->data;
    app->routes_tail = &app->routes;
    if (app->title == NULL || app->version == NULL || krouter_init(&app->router) != KARAK_OK) {
        karak_app_free(app);
        return NULL;
    }
    return app;
}

static void route_free(kroute *r)
{
    free(r->method);
    free(r->pattern);
    free(r->name);
    free(r->summary);
    for (size_t i = 0; i < r->nparams; i++) free(r->params[i].name);
    free(r);
}

void karak_app_free(karak_app *app)
{
    if (app == NULL) return;
    krouter_free(&app->router);
    for (kroute *r = app->routes; r != NULL;) {
        kroute *next = r->next;
        route_free(r);
        r = next;
    }
    for (size_t i = 0; i < app->nschemas; i++) kschema_free(app->schemas[i]);
    free(app->schemas);
    free(app->title);
    free(app->version);
    free(app->error);
    free(app);
}

const char *karak_app_error(const karak_app *app)
{
    return app ? app->error : NULL;
}

static karak_status fail(karak_app *app, karak_status st, const char *msg)
{
    if (app->error == NULL) app->error = dup_or(msg, "out of memory");
    return st;
}

/* One compiled schema per karak_schema, shared by every route that uses it. */
static kschema *schema_for(karak_app *app, const karak_schema *s, const kroute *route,
                           karak_status *st)
{
    for (size_t i = 0; i < app->nschemas; i++)
        if (app->schemas[i]->schema == s) return app->schemas[i];
    char err[KARAK_ERRLEN], msg[KARAK_ERRLEN + 128];
    kschema *cs = kschema_compile(s, err, sizeof err);
    if (cs == NULL) {
        snprintf(msg, sizeof msg, "route %s %s: %s", route->method, route->pattern, err);
        *st = fail(app, KARAK_EINVAL, msg);
        return NULL;
    }
    kschema **grown = realloc(app->schemas, (app->nschemas + 1) * sizeof *grown);
    if (grown == NULL) {
        kschema_free(cs);
        *st = fail(app, KARAK_ENOMEM, NULL);
        return NULL;
    }
    app->schemas = grown;
    app->schemas[app->nschemas++] = cs;
    return cs;
}

static bool valid_method(const char *m)
{
    if (m == NULL || m[0] == '\0') return false;
    for (const char *p = m; *p; p++)
        if (!(*p >= 'A' && *p <= 'Z') && *p != '-' && *p != '_') return false;
    return true;
}

karak_status karak_route_add(karak_app *app, const char *method, const char *pattern,
                             karak_handler handler, const char *name,
                             const karak_route_opts *opts)
{
    static const karak_route_opts none = {0};
    char err[KARAK_ERRLEN];
    if (app == NULL) return KARAK_EINVAL;
    if (app->sealed) return fail(app, KARAK_ESEALED, "route added after serving started");
    if (opts == NULL) opts = &none;
    if (!valid_method(method) || pattern == NULL || handler == NULL) {
        snprintf(err, sizeof err, "route %s %s: %s", method ? method : "(null)",
                 pattern ? pattern : "(null)",
                 handler == NULL ? "no handler" : "the method must be an upper-case token");
        return fail(app, KARAK_EINVAL, err);
    }
    if (opts->status != 0 && (opts->status < 100 || opts->status > 599)) {
        snprintf(err, sizeof err, "route %s %s: status %d is not an HTTP status", method,
                 pattern, opts->status);
        return fail(app, KARAK_EINVAL, err);
    }
    kroute *r = calloc(1, sizeof *r);
    if (r == NULL) return fail(app, KARAK_ENOMEM, NULL);
    r->method = dup_or(method, "");
    r->pattern = dup_or(pattern, "");
    r->name = dup_or(name, "handler");
    r->summary = opts->summary ? dup_or(opts->summary, "") : NULL;
    r->handler = handler;
    r->status = opts->status ? opts->status : 200;
    r->data = opts->data;
    if (r->method == NULL || r->pattern == NULL || r->name == NULL ||
        (opts->summary && r->summary == NULL)) {
        route_free(r);
        return fail(app, KARAK_ENOMEM, NULL);
    }
    karak_status st = KARAK_OK;
    if (opts->body != NULL) r->body = schema_for(app, opts->body, r, &st);
    if (st == KARAK_OK && opts->query != NULL) r->query = schema_for(app, opts->query, r, &st);
    if (st == KARAK_OK) {
        st = krouter_add(&app->router, r, err, sizeof err);
        if (st != KARAK_OK) fail(app, st, st == KARAK_ENOMEM ? NULL : err);
    }
    if (st != KARAK_OK) {
        route_free(r);
        return st;
    }
    *app->routes_tail = r;
    app->routes_tail = &r->next;
    return KARAK_OK;
}

karak_status karak_app_seal(karak_app *app)
{
    if (app->error != NULL) return KARAK_EREGISTER;
    app->sealed = true;
    return KARAK_OK;
}
