/* The app: options, route registration and the checks that make a bad route a clear
 * registration error (route and field named) instead of a surprise per request. Once sealed
 * (serving or testing has begun) the app is read-only and shared by all worker threads. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/core.h"

bool kopts_load(void *dst, size_t dst_size, const void *src, size_t src_size)
{
    memset(dst, 0, dst_size);
    if (src == NULL) return true;
    if (src_size == 0) src_size = dst_size;
    memcpy(dst, src, src_size > dst_size ? dst_size : src_size);
    return kbytes_zero((const char *)src + dst_size, src_size > dst_size ? src_size - dst_size : 0);
}

static void log_stderr(void *data, karak_log_level level, const char *msg)
{
    (void)data;
    (void)level;
    fprintf(stderr, "karak: %s\n", msg);
    fflush(stderr);
}

void karak_app_log(const karak_app *app, karak_log_level level, const char *fmt, ...)
{
    char msg[KARAK_ERRLEN + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    app->log(app->log_data, level, msg);
}

karak_app *karak_app_new(const karak_app_opts *user)
{
    karak_app_opts opts;
    if (!kopts_load(&opts, sizeof opts, user, user ? user->struct_size : 0)) return NULL;
    karak_app *app = calloc(1, sizeof *app);
    if (app == NULL) return NULL;
    app->title = kstrdup(opts.title ? opts.title : "libkarak");
    app->version = kstrdup(opts.version ? opts.version : "0.1.0");
    app->max_body = opts.max_body ? opts.max_body : KARAK_DEFAULT_MAX_BODY;
    app->data = opts.data;
    app->log = opts.log ? opts.log : log_stderr;
    app->log_data = opts.log_data;
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
    if (!r->path_user) kschema_free(r->path);
    free(r->path_table);
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

static int fail(karak_app *app, int err, const char *msg)
{
    if (app->error == NULL) app->error = kstrdup(msg ? msg : karak_strerror(err));
    return err;
}

const kschema *kapp_schema_find(const karak_app *app, const karak_schema *s)
{
    for (size_t i = 0; i < app->nschemas; i++)
        if (app->schemas[i]->schema == s) return app->schemas[i];
    return NULL;
}

/* One compiled schema per karak_schema and source, shared by every route that uses it. */
static kschema *schema_for(karak_app *app, const karak_schema *s, ksource source,
                           const kroute *route, int *err)
{
    if (s == NULL || *err != KARAK_OK) return NULL;
    for (size_t i = 0; i < app->nschemas; i++)
        if (app->schemas[i]->schema == s && app->schemas[i]->source == source)
            return app->schemas[i];
    char why[KARAK_ERRLEN], msg[KARAK_ERRLEN + 128];
    kschema *cs = kschema_compile(s, source, why, sizeof why);
    if (cs == NULL) {
        snprintf(msg, sizeof msg, "route %s %s: %s", route->method, route->pattern, why);
        *err = fail(app, KARAK_EINVAL, msg);
        return NULL;
    }
    kschema **grown = realloc(app->schemas, (app->nschemas + 1) * sizeof *grown);
    if (grown == NULL) {
        kschema_free(cs);
        *err = fail(app, KARAK_ENOMEM, NULL);
        return NULL;
    }
    app->schemas = grown;
    app->schemas[app->nschemas++] = cs;
    return cs;
}

/* A method is a token of letters, '-' and '_'; like FastAPI's methods=["get"], it is
 * matched upper-cased. */
static bool valid_method(const char *m)
{
    if (m == NULL || m[0] == '\0') return false;
    for (const char *p = m; *p; p++)
        if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') && *p != '-' && *p != '_')
            return false;
    return true;
}

static void upper(char *s)
{
    for (; *s; s++)
        if (*s >= 'a' && *s <= 'z') *s = (char)(*s - 'a' + 'A');
}

static kroute *route_new(const char *method, const char *pattern, karak_handler handler,
                         const char *name, const karak_route_opts *opts)
{
    kroute *r = calloc(1, sizeof *r);
    if (r == NULL) return NULL;
    r->method = kstrdup(method);
    if (r->method != NULL) upper(r->method);
    r->pattern = kstrdup(pattern);
    r->name = kstrdup(name ? name : "handler");
    r->summary = kstrdup(opts->summary);
    r->handler = handler;
    r->status_declared = opts->status != 0;
    r->status = opts->status ? opts->status : 200;
    r->data = opts->data;
    if (r->method == NULL || r->pattern == NULL || r->name == NULL ||
        (opts->summary && r->summary == NULL)) {
        route_free(r);
        return NULL;
    }
    return r;
}

int karak_route_add(karak_app *app, const char *method, const char *pattern,
                    karak_handler handler, const char *name, const karak_route_opts *user)
{
    char msg[KARAK_ERRLEN];
    if (app == NULL) return KARAK_EINVAL;
    /* refused without touching the app: it may be serving, and it stays valid */
    if (app->sealed) return KARAK_ESEALED;
    karak_route_opts opts;
    if (!kopts_load(&opts, sizeof opts, user, user ? user->struct_size : 0)) {
        snprintf(msg, sizeof msg, "route %s %s: options unknown to libkarak %s",
                 method ? method : "(null)", pattern ? pattern : "(null)", karak_version());
        return fail(app, KARAK_EINVAL, msg);
    }
    if (!valid_method(method) || pattern == NULL || handler == NULL) {
        snprintf(msg, sizeof msg, "route %s %s: %s", method ? method : "(null)",
                 pattern ? pattern : "(null)",
                 handler == NULL ? "no handler" : "the method must be a token of letters, - and _");
        return fail(app, KARAK_EINVAL, msg);
    }
    if (opts.status != 0 && (opts.status < 100 || opts.status > 599)) {
        snprintf(msg, sizeof msg, "route %s %s: status %d is not an HTTP status", method,
                 pattern, opts.status);
        return fail(app, KARAK_EINVAL, msg);
    }
    kroute *r = route_new(method, pattern, handler, name, &opts);
    if (r == NULL) return fail(app, KARAK_ENOMEM, NULL);
    int err = KARAK_OK;
    r->path_user = opts.path != NULL;
    r->path = schema_for(app, opts.path, KSRC_PATH, r, &err);
    r->query = schema_for(app, opts.query, KSRC_QUERY, r, &err);
    r->headers = schema_for(app, opts.headers, KSRC_HEADER, r, &err);
    r->cookies = schema_for(app, opts.cookies, KSRC_COOKIE, r, &err);
    r->body = schema_for(app, opts.body, KSRC_BODY, r, &err);
    /* a response model is compiled only to check it at registration: encoding reads the
       table itself */
    r->response_cs = schema_for(app, opts.response, KSRC_BODY, r, &err);
    if (r->response_cs != NULL) r->response = opts.response;
    r->response_exclude = opts.response_exclude;
    if (err == KARAK_OK && (opts.response_exclude & ~(unsigned)(KARAK_EXCLUDE_UNSET |
                                                                 KARAK_EXCLUDE_NONE)) != 0) {
        snprintf(msg, sizeof msg, "route %s %s: unknown response_exclude flags", method,
                 pattern);
        err = fail(app, KARAK_EINVAL, msg);
    }
    if (err == KARAK_OK) {
        err = krouter_parse(r, msg, sizeof msg);
        if (err == KARAK_OK) err = kparams_compile_path(r, msg, sizeof msg);
        if (err == KARAK_OK) err = krouter_add(&app->router, r, msg, sizeof msg);
        if (err != KARAK_OK) fail(app, err, err == KARAK_ENOMEM ? NULL : msg);
    }
    if (err != KARAK_OK) { /* krouter_add links the route only when it succeeds */
        route_free(r);
        return err;
    }
    *app->routes_tail = r;
    app->routes_tail = &r->next;
    return KARAK_OK;
}

int karak_app_seal(karak_app *app)
{
    if (app->error != NULL) return KARAK_EREGISTER;
    app->sealed = true;
    return KARAK_OK;
}
