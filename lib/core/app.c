/* The app: options, route registration and the checks that make a bad route a clear
 * registration error (route and field named) instead of a surprise per request. Once sealed
 * (serving or testing has begun) the app is read-only and shared by all worker threads. */
#include <pthread.h>
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

static int providers_add(karak_app *app, const karak_provider *const *list, const kroute *r);

/* A copy of a NULL-terminated provider list: KARAK_DEPS(...) written in a call is a
 * compound literal that ends with the enclosing block. NULL for none, or when out of
 * memory (*nomem). */
static const karak_provider **deps_copy(const karak_provider *const *list, bool *nomem)
{
    size_t n = 0;
    while (list != NULL && list[n] != NULL) n++;
    if (n == 0) return NULL;
    const karak_provider **copy = calloc(n + 1, sizeof *copy);
    if (copy == NULL) {
        *nomem = true;
        return NULL;
    }
    memcpy(copy, list, n * sizeof *copy);
    return copy;
}

static int fail(karak_app *app, int err, const char *msg);

/* A docs URL option: NULL takes the default, "" switches it off (NULL here); otherwise an
 * absolute path of letters, digits and "/._~-", which can go into the pages' HTML and
 * JavaScript as it is. A bad one is the app's registration error. */
static char *docs_url(karak_app *app, const char *option, const char *given, const char *dflt,
                      bool *nomem)
{
    if (given == NULL) given = dflt;
    if (given[0] == '\0') return NULL;
    bool ok = given[0] == '/';
    for (const char *p = given; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             strchr("/._~-", *p) != NULL;
    if (!ok) {
        char msg[KARAK_ERRLEN];
        snprintf(msg, sizeof msg,
                 "%s '%s': not an absolute path of letters, digits and \"/._~-\"", option, given);
        fail(app, KARAK_EINVAL, msg);
        return NULL;
    }
    char *copy = kstrdup(given);
    *nomem |= copy == NULL;
    return copy;
}

/* FastAPI's openapi_url, docs_url and redoc_url, .no_docs, and the directory to serve. */
static void docs_options(karak_app *app, const karak_app_opts *o, bool *nomem)
{
    app->docs_assets = kstrdup(o->docs_assets);
    *nomem |= o->docs_assets != NULL && app->docs_assets == NULL;
    if (!o->no_docs)
        app->openapi_url = docs_url(app, "openapi_url", o->openapi_url, "/openapi.json", nomem);
    if (app->openapi_url != NULL) { /* the pages show that document */
        app->docs_url = docs_url(app, "docs_url", o->docs_url, "/docs", nomem);
        app->redoc_url = docs_url(app, "redoc_url", o->redoc_url, "/redoc", nomem);
    }
    /* a prefix: "/static/x.js" is the file x.js, and "/" would take every path */
    const char *dir_url = o->docs_dir_url ? o->docs_dir_url : "/static";
    size_t n = strlen(dir_url);
    if (n <= 1 || dir_url[n - 1] == '/') {
        char msg[KARAK_ERRLEN];
        snprintf(msg, sizeof msg, "docs_dir_url '%s': not a path below '/' without a trailing '/'",
                 dir_url);
        fail(app, KARAK_EINVAL, msg);
    } else {
        app->docs_dir_url = docs_url(app, "docs_dir_url", dir_url, "", nomem);
        app->docs_dir_url_len = app->docs_dir_url ? n : 0;
    }
    if (o->docs_dir != NULL) {
        char msg[KARAK_ERRLEN];
        int err = kstatic_dir_set(app, o->docs_dir, msg, sizeof msg);
        if (err == KARAK_ENOMEM) *nomem = true;
        else if (err != KARAK_OK) fail(app, err, msg);
    }
}

bool kapp_uses_pool(const karak_app *app)
{
    for (const kroute *r = app->routes; r != NULL; r = r->next)
        if (r->run_on != KARAK_RUN_INLINE) return true;
    return false;
}

static bool run_on_valid(karak_run_on r)
{
    return r == KARAK_RUN_DEFAULT || r == KARAK_RUN_AUTO || r == KARAK_RUN_POOL ||
           r == KARAK_RUN_INLINE;
}

karak_app *karak_app_new(const karak_app_opts *user)
{
    karak_app_opts opts;
    if (!kopts_load(&opts, sizeof opts, user, user ? user->struct_size : 0)) return NULL;
    karak_app *app = calloc(1, sizeof *app);
    if (app == NULL) return NULL;
    app->docs_dir_fd = -1;
    app->title = kstrdup(opts.title ? opts.title : "libkarak");
    app->version = kstrdup(opts.version ? opts.version : "0.1.0");
    app->max_body = opts.max_body ? opts.max_body : KARAK_DEFAULT_MAX_BODY;
    app->data = opts.data;
    app->log = opts.log ? opts.log : log_stderr;
    app->log_data = opts.log_data;
    app->routes_tail = &app->routes;
    bool nomem = false;
    app->depends = deps_copy(opts.depends, &nomem);
    app->on_startup = opts.on_startup;
    app->on_validation_error = opts.on_validation_error;
    app->on_http_error = opts.on_http_error;
    app->on_shutdown = opts.on_shutdown;
    pthread_mutex_init(&app->lifespan_lock, NULL);
    app->run_on = opts.run_on;
    if (!run_on_valid(opts.run_on)) {
        char msg[KARAK_ERRLEN];
        snprintf(msg, sizeof msg, "app: run_on %d is not a karak_run_on", (int)opts.run_on);
        fail(app, KARAK_EINVAL, msg);
    }
    docs_options(app, &opts, &nomem);
    app->ready_url = docs_url(app, "ready_url", opts.ready_url, "", &nomem);
    if (nomem || app->title == NULL || app->version == NULL || krouter_init(&app->router) != KARAK_OK) {
        karak_app_free(app);
        return NULL;
    }
    /* a mistake in them is kept as the app's registration error, which stops it serving */
    (void)providers_add(app, app->depends, NULL);
    return app;
}

static void route_free(kroute *r)
{
    free(r->method);
    free(r->pattern);
    free(r->name);
    free(r->summary);
    free(r->description);
    for (size_t i = 0; r->tags != NULL && r->tags[i] != NULL; i++) free(r->tags[i]);
    free(r->tags);
    for (size_t i = 0; i < r->nparams; i++) free(r->params[i].name);
    if (!r->path_user) kschema_free(r->path);
    free(r->path_table);
    free((void *)r->depends);
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
    free(app->provs);
    free(app->docs_assets);
    free(app->openapi_url);
    free(app->docs_url);
    free(app->redoc_url);
    kstatic_dir_close(app);
    free(app->docs_dir_url);
    free(app->ready_url);
    free(app->openapi);
    free(app->docs_html);
    free(app->redoc_html);
    pthread_mutex_destroy(&app->lifespan_lock);
    free((void *)app->depends);
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
static bool schemas_keep(karak_app *app, kschema *cs, int *err);

/* A route's .response_item, compiled and kept with the app's schemas. */
static kschema *item_schema_for(karak_app *app, const karak_field *item, bool with_model,
                                const kroute *route, int *err)
{
    char why[KARAK_ERRLEN], msg[KARAK_ERRLEN + 128];
    kschema *cs = with_model ? NULL : kschema_compile_item(item, why, sizeof why);
    if (cs == NULL) {
        snprintf(msg, sizeof msg, "route %s %s: response_item: %s", route->method,
                 route->pattern, with_model ? "not with .response" : why);
        *err = fail(app, KARAK_EINVAL, msg);
        return NULL;
    }
    return schemas_keep(app, cs, err) ? cs : NULL;
}

static bool schemas_keep(karak_app *app, kschema *cs, int *err)
{
    kschema **grown = realloc(app->schemas, (app->nschemas + 1) * sizeof *grown);
    if (grown == NULL) {
        kschema_free(cs);
        *err = fail(app, KARAK_ENOMEM, NULL);
        return false;
    }
    app->schemas = grown;
    app->schemas[app->nschemas++] = cs;
    return true;
}

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
        if (route == NULL) snprintf(msg, sizeof msg, "app dependencies: %s", why);
        else snprintf(msg, sizeof msg, "route %s %s: %s", route->method, route->pattern, why);
        *err = fail(app, KARAK_EINVAL, msg);
        return NULL;
    }
    return schemas_keep(app, cs, err) ? cs : NULL;
}

/* ---- dependencies: every provider a route or the app names, checked and compiled ---- */

/* The providers being registered, outermost first: one met again is a cycle. */
typedef struct kchain kchain;
struct kchain {
    const karak_provider *p;
    const kchain *up;
};

static const char *prov_name(const karak_provider *p)
{
    return p->name != NULL ? p->name : "(unnamed provider)";
}

/* "a -> b -> a" for the chain that meets p again. */
static void chain_text(char *out, size_t cap, const kchain *ch, const karak_provider *p)
{
    const karak_provider *path[64];
    size_t n = 0;
    for (const kchain *c = ch; c != NULL && n < 64; c = c->up) path[n++] = c->p;
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = n; i-- > 0 && len < cap;)
        len += (size_t)snprintf(out + len, cap - len, "%s -> ", prov_name(path[i]));
    if (len < cap) snprintf(out + len, cap - len, "%s", prov_name(p));
}

static const kprov *prov_find(const karak_app *app, const karak_provider *p)
{
    for (size_t i = 0; i < app->nprovs; i++)
        if (app->provs[i].p == p) return &app->provs[i];
    return NULL;
}

static int provider_add(karak_app *app, const karak_provider *p, const kchain *up,
                        const kroute *r)
{
    char where[KARAK_ERRLEN], msg[2 * KARAK_ERRLEN + 64];
    if (r != NULL) snprintf(where, sizeof where, "route %s %s", r->method, r->pattern);
    else snprintf(where, sizeof where, "app dependencies");
    if (p == NULL || p->provide == NULL) {
        if (p == NULL) snprintf(msg, sizeof msg, "%s: a NULL provider in .depends", where);
        else snprintf(msg, sizeof msg, "%s: provider %s has no .provide", where, prov_name(p));
        return fail(app, KARAK_EINVAL, msg);
    }
    for (const kchain *c = up; c != NULL; c = c->up) {
        if (c->p != p) continue;
        char chain[KARAK_ERRLEN];
        chain_text(chain, sizeof chain, up, p);
        snprintf(msg, sizeof msg, "%s: dependency cycle: %s", where, chain);
        return fail(app, KARAK_EINVAL, msg);
    }
    if (prov_find(app, p) != NULL) return KARAK_OK; /* its sub-graph was walked then */
    const kchain here = {.p = p, .up = up};
    for (size_t i = 0; p->depends != NULL && p->depends[i] != NULL; i++) {
        int err = provider_add(app, p->depends[i], &here, r);
        if (err != KARAK_OK) return err;
    }
    int err = KARAK_OK;
    kprov kp = {.p = p};
    kp.query = schema_for(app, p->query, KSRC_QUERY, r, &err);
    kp.headers = schema_for(app, p->headers, KSRC_HEADER, r, &err);
    kp.cookies = schema_for(app, p->cookies, KSRC_COOKIE, r, &err);
    if (err != KARAK_OK) return err;
    kprov *grown = realloc(app->provs, (app->nprovs + 1) * sizeof *grown);
    if (grown == NULL) return fail(app, KARAK_ENOMEM, NULL);
    app->provs = grown;
    app->provs[app->nprovs++] = kp;
    return KARAK_OK;
}

static int providers_add(karak_app *app, const karak_provider *const *list, const kroute *r)
{
    for (size_t i = 0; list != NULL && list[i] != NULL; i++) {
        int err = provider_add(app, list[i], NULL, r);
        if (err != KARAK_OK) return err;
    }
    return KARAK_OK;
}

int kapp_startup(karak_app *app)
{
    pthread_mutex_lock(&app->lifespan_lock);
    int rc = 0;
    if (app->lifespan_users == 0 && app->on_startup != NULL) rc = app->on_startup(app->data);
    if (rc == 0) app->lifespan_users++;
    else karak_app_log(app, KARAK_LOG_ERROR, "the startup hook refused to start (%d)", rc);
    pthread_mutex_unlock(&app->lifespan_lock);
    return rc;
}

void kapp_shutdown(karak_app *app)
{
    pthread_mutex_lock(&app->lifespan_lock);
    if (app->lifespan_users > 0 && --app->lifespan_users == 0 && app->on_shutdown != NULL)
        app->on_shutdown(app->data);
    pthread_mutex_unlock(&app->lifespan_lock);
}

const kprov *kapp_provider(const karak_app *app, const karak_provider *p)
{
    return prov_find(app, p);
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
    r->description = kstrdup(opts->description);
    r->handler = handler;
    r->status_declared = opts->status != 0;
    r->status = opts->status ? opts->status : 200;
    r->data = opts->data;
    bool tags_ok = true;
    if (opts->tags != NULL) {
        size_t n = 0;
        while (opts->tags[n] != NULL) n++;
        r->tags = calloc(n + 1, sizeof *r->tags);
        tags_ok = r->tags != NULL;
        for (size_t i = 0; tags_ok && i < n; i++)
            tags_ok = (r->tags[i] = kstrdup(opts->tags[i])) != NULL;
    }
    if (r->method == NULL || r->pattern == NULL || r->name == NULL || !tags_ok ||
        (opts->summary && r->summary == NULL) || (opts->description && r->description == NULL)) {
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
    if (!run_on_valid(opts.run_on)) {
        snprintf(msg, sizeof msg, "route %s %s: run_on %d is not a karak_run_on", method,
                 pattern, (int)opts.run_on);
        return fail(app, KARAK_EINVAL, msg);
    }
    kroute *r = route_new(method, pattern, handler, name, &opts);
    if (r == NULL) return fail(app, KARAK_ENOMEM, NULL);
    r->run_on = opts.run_on != KARAK_RUN_DEFAULT ? opts.run_on
                : app->run_on != KARAK_RUN_DEFAULT ? app->run_on
                                                   : KARAK_RUN_AUTO;
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
    if (opts.response_item != NULL && err == KARAK_OK)
        r->response_item_cs = item_schema_for(app, opts.response_item, opts.response != NULL, r,
                                              &err);
    r->response_exclude = opts.response_exclude;
    r->response_list = opts.response_list;
    bool nomem = false;
    r->depends = deps_copy(opts.depends, &nomem);
    if (nomem && err == KARAK_OK) err = fail(app, KARAK_ENOMEM, NULL);
    if (err == KARAK_OK) err = providers_add(app, r->depends, r);
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
    r->index = app->nroutes++;
    r->reads_nothing = r->nparams == 0 && r->query == NULL && r->headers == NULL &&
                       r->cookies == NULL && r->body == NULL &&
                       (r->depends == NULL || r->depends[0] == NULL) &&
                       (app->depends == NULL || app->depends[0] == NULL);
    *app->routes_tail = r;
    app->routes_tail = &r->next;
    return KARAK_OK;
}

/* The OpenAPI document and the docs pages, once: the routes can no longer change. */
static int make_docs(karak_app *app)
{
    json_t *doc = kopenapi_document(app);
    if (doc == NULL) return KARAK_ENOMEM;
    karena a;
    karena_init(&a);
    kbuf b;
    kbuf_init(&b, &a, 4096);
    kjw_jansson(&b, doc);
    json_decref(doc);
    if (kbuf_cstr(&b) != NULL) {
        app->openapi = kstrndup(b.data, b.len);
        app->openapi_len = b.len;
    }
    karena_free(&a);
    /* the assets: as given, else the directory the app serves, else jsDelivr */
    const char *assets = app->docs_assets       ? app->docs_assets
                         : app->docs_dir_fd >= 0 ? app->docs_dir_url
                                                 : "https://cdn.jsdelivr.net/npm";
    if (app->docs_url != NULL)
        app->docs_html = kopenapi_swagger_html(app->title, assets, app->openapi_url);
    if (app->redoc_url != NULL)
        app->redoc_html = kopenapi_redoc_html(app->title, assets, app->openapi_url);
    bool pages = (app->docs_url == NULL || app->docs_html != NULL) &&
                 (app->redoc_url == NULL || app->redoc_html != NULL);
    return app->openapi && pages ? KARAK_OK : KARAK_ENOMEM;
}

int karak_app_seal(karak_app *app)
{
    if (app->error != NULL) return KARAK_EREGISTER;
    if (!app->sealed && make_docs(app) != KARAK_OK) return KARAK_ENOMEM;
    app->sealed = true;
    return KARAK_OK;
}

const char *karak_app_openapi(karak_app *app, size_t *len)
{
    if (app == NULL || karak_app_seal(app) != KARAK_OK) return NULL;
    if (len != NULL) *len = app->openapi_len;
    return app->openapi;
}
