/* The dispatch core: one request in, one response out, no socket. The server and the test
 * client both call kdispatch(), so every behaviour tested in-process is the served one.
 *
 * Order, as FastAPI's get_request_handler and solve_dependencies do it:
 *   route match (404 / 405 + Allow / 307 slash redirect)
 *   body read and JSON-decoded first (400 undecodable, 422 json_invalid: alone)
 *   path, query, header, cookie parameters (params.c), then body fields; all errors in
 *   one 422
 *   handler; a failure or no response is a 500 in text/plain; the success status is
 *   settled after the handler returns, so the order of its calls does not matter. */
#include <string.h>

#include "core/core.h"

static const char msg_parse_body[] = "There was an error parsing the body";

/* ---- answers that need no handler ---- */

static int method_rank(const char *m)
{
    static const char *const order[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                        "OPTIONS"};
    for (int i = 0; i < 7; i++)
        if (strcmp(m, order[i]) == 0) return i;
    return 7;
}

static int allow_cmp(const char *a, const char *b)
{
    int ra = method_rank(a), rb = method_rank(b);
    if (ra != rb) return ra - rb;
    return strcmp(a, b);
}

/* 405 with Allow: every method of every route matching the path, in a fixed order (GET,
 * HEAD, POST, PUT, PATCH, DELETE, OPTIONS, then others alphabetically), HEAD wherever GET
 * is. FastAPI lists only the methods of the first route that matched the path; libkarak
 * lists them all, since every one of them would be answered. */
static void method_not_allowed(karak_ctx *c, kmatch *m)
{
    bool has_get = false, has_head = false;
    for (size_t i = 0; i < m->nallow; i++) {
        has_get |= strcmp(m->allow[i], "GET") == 0;
        has_head |= strcmp(m->allow[i], "HEAD") == 0;
    }
    if (has_get && !has_head && m->nallow < KARAK_MAX_ALLOW)
        m->allow[m->nallow++] = "HEAD";
    for (size_t i = 1; i < m->nallow; i++) /* insertion sort: a handful of methods */
        for (size_t j = i; j > 0 && allow_cmp(m->allow[j - 1], m->allow[j]) > 0; j--) {
            const char *t = m->allow[j];
            m->allow[j] = m->allow[j - 1];
            m->allow[j - 1] = t;
        }
    kbuf b;
    kbuf_init(&b, c->arena, 64);
    for (size_t i = 0; i < m->nallow; i++) {
        if (i > 0) kbuf_puts(&b, ", ");
        kbuf_puts(&b, m->allow[i]);
    }
    const char *allow = kbuf_cstr(&b);
    kresp_error_detail(&c->resp, c->arena, 405, "Method Not Allowed");
    if (allow == NULL || !kresp_add_header(&c->resp, c->arena, "Allow", allow))
        kresp_internal_error(&c->resp);
}

/* Starlette's redirect_slashes: strip all trailing slashes, or add one. *out_len is 0 when
 * there is no twin ("//" strips to nothing); NULL with *out_len > 0 is out of memory. */
static char *toggle_slash(karena *a, const char *p, size_t n, size_t *out_len)
{
    if (n > 0 && p[n - 1] == '/') {
        while (n > 0 && p[n - 1] == '/') n--;
        *out_len = n;
        return n > 0 ? karena_strndup(a, p, n) : NULL;
    }
    *out_len = n + 1;
    char *d = karena_alloc_bytes(a, n + 2);
    if (d == NULL) return NULL;
    memcpy(d, p, n);
    d[n] = '/';
    d[n + 1] = '\0';
    return d;
}

/* 307 to the slash twin of the path when that matches a route (any method). The twin is
 * made from the decoded path, which is what was matched: toggling the slash on the raw
 * target instead loops when the decoded path ends differently ("/users/me%2F"). True when
 * c->resp holds the answer (the 307, or a 500 when out of memory). */
static bool try_redirect(karak_ctx *c)
{
    if (c->path_len <= 1) return false;
    size_t tl;
    char *twin = toggle_slash(c->arena, c->path, c->path_len, &tl);
    if (twin == NULL && tl > 0) kresp_internal_error(&c->resp);
    if (twin == NULL) return tl > 0;
    kmatch m;
    krouter_match(&c->app->router, c->req->method, twin, tl, &m);
    if (m.route == NULL && !m.path_matched) return false;
    if (!kctx_headers_load(c)) { /* the header list could not be made */
        kresp_internal_error(&c->resp);
        return true;
    }
    /* The first Host, as Starlette takes it, and only when it is a plain host[:port]: a
       value such as "evil.example\@x" would make the Location name another host (or
       path) than the request's, so the server's own address stands in, as in Starlette. */
    const karak_pair *h = khttp_header_find(c->hdrs, c->nhdrs, "host");
    kslice host = {c->req->default_host, strlen(c->req->default_host)};
    if (h != NULL && khttp_host_ok(h->value, h->value_len))
        host = (kslice){h->value, h->value_len};
    kctx_origin(c); /* the scheme: a trusted proxy's X-Forwarded-Proto, as uvicorn's */
    kbuf loc;
    kbuf_init(&loc, c->arena, 64 + host.n + 3 * tl + c->raw_query.n);
    kbuf_puts(&loc, c->scheme);
    kbuf_puts(&loc, "://");
    kbuf_put(&loc, host.s, host.n);
    /* every byte but unreserved characters and the sub-delims allowed in a path is
       %-escaped ('%', '?' and '#' included), so the target decodes back to exactly the
       twin (Starlette's RedirectResponse quotes the decoded path too) */
    kpct_encode(&loc, twin, tl, "/:@!$&'()*+,;=-._~");
    if (c->raw_query.n > 0) { /* an empty "?" is dropped, as Starlette's URL drops it */
        kbuf_putc(&loc, '?');
        kbuf_put(&loc, c->raw_query.s, c->raw_query.n);
    }
    const char *location = kbuf_cstr(&loc);
    kresp_set(&c->resp, 307, NULL, NULL, 0);
    if (location == NULL || !kresp_add_header(&c->resp, c->arena, "Location", location))
        kresp_internal_error(&c->resp);
    return true;
}

/* ---- validation ---- */

typedef enum { BODY_OK, BODY_ANSWERED } body_state;

static void json_invalid(karak_ctx *c, kverrs *errs, const kj_error *e)
{
    kloc body = KLOC_KEY(NULL, "body");
    kloc loc = KLOC_IDX(&body, e->pos);
    kbuf ctx;
    kbuf_init(&ctx, c->arena, 96);
    kbuf_puts(&ctx, "{\"error\":");
    kjw_string(&ctx, e->msg, strlen(e->msg));
    kbuf_putc(&ctx, '}');
    kj *empty = karena_alloc(c->arena, sizeof *empty);
    const char *ctx_text = kbuf_cstr(&ctx);
    if (empty == NULL || ctx_text == NULL) {
        errs->nomem = true; /* an error without its input or ctx would be a wrong answer */
        return;
    }
    empty->type = KJ_OBJ;
    kverrs_add(errs, "json_invalid", &loc, "JSON decode error", empty, ctx_text);
}

/* Reads and decodes the body before anything is validated, as FastAPI does: an undecodable
 * body (400) or a JSON syntax error (one 422) ends the request here. */
static body_state read_body(karak_ctx *c, kverrs *errs, const kj **parsed, bool *is_json)
{
    const kreq *req = c->req;
    *parsed = NULL;
    *is_json = khttp_content_type_is_json(kctx_header(c, "Content-Type"));
    if (req->body_len == 0) return BODY_OK;
    if (!*is_json) {
        if (kutf8_valid(req->body, req->body_len)) return BODY_OK;
        kresp_error_detail(&c->resp, c->arena, 400, msg_parse_body);
        return BODY_ANSWERED;
    }
    kj *v = NULL;
    kj_error e = {0};
    switch (kj_parse(c->arena, req->body, req->body_len, &v, &e)) {
    case KJ_OK: *parsed = v; return BODY_OK;
    case KJ_ENCODING: kresp_error_detail(&c->resp, c->arena, 400, msg_parse_body); break;
    case KJ_SYNTAX:
        json_invalid(c, errs, &e);
        return BODY_OK; /* reported alone below */
    case KJ_NOMEM: kresp_internal_error(&c->resp); break;
    }
    return BODY_ANSWERED;
}

static void validate_body(karak_ctx *c, const kj *parsed, bool is_json, kverrs *errs)
{
    const kschema *cs = c->route->body;
    kloc loc = KLOC_KEY(NULL, "body");
    if (c->req->body_len == 0 || (parsed != NULL && parsed->type == KJ_NULL)) {
        kverrs_add(errs, "missing", &loc, "Field required", NULL, NULL);
        return;
    }
    static const char not_model[] =
        "Input should be a valid dictionary or object to extract fields from";
    if (!is_json) {
        kj *raw = kj_new_str(c->arena, c->req->body, c->req->body_len);
        if (raw == NULL) errs->nomem = true;
        else kverrs_add(errs, "model_attributes_type", &loc, not_model, raw, NULL);
        return;
    }
    if (parsed->type != KJ_OBJ) {
        kverrs_add(errs, "model_attributes_type", &loc, not_model, parsed, NULL);
        return;
    }
    c->body = karena_alloc(c->arena, cs->schema->size);
    if (c->body == NULL) {
        errs->nomem = true;
        return;
    }
    kschema_from_json(cs, parsed, c->body, &loc, errs);
}

/* Values validation hands the handler that the request releases (a KARAK_JSON field's). */
static int defer_value(void *ud, void (*fn)(void *arg), void *arg)
{
    return karak_defer(ud, fn, arg);
}

/* An app's exception handler answers instead of libkarak's error body: `status` is the
 * default status of what it builds. A failure, or no answer, is the plain 500. */
static void handler_answers(karak_ctx *c, karak_result res, int status, const char *which)
{
    if (res != KARAK_DONE || c->failed || c->kind == KRESP_NONE || c->kind == KRESP_FAILED) {
        karak_app_log(c->app, KARAK_LOG_ERROR, "%s %s: the %s handler failed: 500",
                      c->req->method, c->path, which);
        kresp_internal_error(&c->resp);
        return;
    }
    if (c->kind == KRESP_ERROR) return; /* it raised an HTTP error itself */
    int final = c->status_override ? c->status_override : status;
    kresp_set(&c->resp, final, c->resp.content_type, c->resp.body, c->resp.body_len);
}

/* The error list of a 422 through the app's on_validation_error. */
static void custom_validation_error(karak_ctx *c, const char *list, size_t len)
{
    json_t *errors = json_loadb(list, len, 0, NULL);
    if (errors == NULL) {
        kresp_internal_error(&c->resp);
        return;
    }
    c->kind = KRESP_NONE;
    c->status_override = 0;
    karak_result res = c->app->on_validation_error(c, errors);
    json_decref(errors);
    handler_answers(c, res, 422, "validation error");
}

/* An HTTP error's {"detail": ...} through the app's on_http_error. */
static void custom_http_error(karak_ctx *c)
{
    if (c->app->on_http_error == NULL || c->resp.status < 400 || c->resp.status == 500) return;
    json_t *body = json_loadb(c->resp.body, c->resp.body_len, 0, NULL);
    json_t *detail = json_object_get(body, "detail");
    int status = c->resp.status;
    if (detail == NULL) {
        json_decref(body);
        return;
    }
    c->kind = KRESP_NONE;
    c->status_override = 0;
    karak_result res = c->app->on_http_error(c, status, detail);
    json_decref(body);
    handler_answers(c, res, status, "HTTP error");
}

/* True when the handler may run; otherwise c->resp holds the answer. */
static bool validate(karak_ctx *c)
{
    const kroute *r = c->route;
    kverrs errs;
    kverrs_init(&errs, c->arena);
    errs.defer = defer_value;
    errs.defer_ud = c;
    const kj *parsed = NULL;
    bool is_json = false;
    if (r->body != NULL && read_body(c, &errs, &parsed, &is_json) == BODY_ANSWERED) return false;
    if (errs.count == 0 && !errs.nomem) {
        /* dependencies first: one that answers (a 401) wins over every validation error */
        if (!kdeps_resolve(c, &errs)) return false;
        kparams_validate(c, &errs);
        if (r->body != NULL) validate_body(c, parsed, is_json, &errs);
    }
    if (errs.nomem || c->failed) { /* an accessor ran out of memory: not a 422 */
        kresp_internal_error(&c->resp);
        return false;
    }
    if (errs.count == 0) return true;
    kbuf b;
    kbuf_init(&b, c->arena, 256);
    kverrs_render(&errs, &b);
    if (kbuf_cstr(&b) == NULL) kresp_internal_error(&c->resp);
    else if (c->app->on_validation_error != NULL) custom_validation_error(c, b.data, b.len);
    else kresp_error_raw(&c->resp, c->arena, 422, b.data, b.len);
    return false;
}

/* ---- the entry point ---- */

/* The success status, settled once the handler has returned (see karak/response.h). */
static void settle_status(karak_ctx *c)
{
    const kroute *r = c->route;
    int status = c->status_override;
    if (status == 0 && c->kind == KRESP_EMPTY) status = r->status_declared ? r->status : 204;
    if (status == 0) status = r->status;
    kresp_set(&c->resp, status, c->resp.content_type, c->resp.body, c->resp.body_len);
}

/* GET or HEAD of the app's .ready_url: ready, or not any more once the server stops. */
static bool ready_serve(karak_ctx *c)
{
    const char *url = c->app->ready_url;
    if (url == NULL || strcmp(c->path, url) != 0 || !kctx_get_or_head(c)) return false;
    static const char ready[] = "{\"status\":\"ready\"}";
    static const char draining[] = "{\"status\":\"draining\"}";
    if (karak_req_draining(c))
        kresp_set(&c->resp, 503, "application/json", draining, sizeof draining - 1);
    else
        kresp_set(&c->resp, 200, "application/json", ready, sizeof ready - 1);
    return true;
}

/* Decoding the target and routing: true when a route was found and its pipeline is still
 * to run (run_route), false when c->resp is already the answer (docs, static files, 404,
 * 405, a slash redirect). */
static bool route_request(karak_ctx *c)
{
    kslice raw_path;
    khttp_split_target(c->req->target, c->req->target_len, &raw_path, &c->raw_query);
    c->path = khttp_decode_path(c->arena, raw_path.s, raw_path.n, &c->path_len);
    if (c->path == NULL) {
        kresp_internal_error(&c->resp);
        return false;
    }
    if (ready_serve(c)) return false;
    if (kopenapi_serve(c)) return false;
    if (kstatic_serve(c)) { /* the mounted directory's 404 and 405 are the app's too */
        custom_http_error(c);
        return false;
    }
    kmatch m;
    krouter_match(&c->app->router, c->req->method, c->path, c->path_len, &m);
    if (m.route == NULL) {
        if (m.path_matched) method_not_allowed(c, &m);
        else if (!try_redirect(c))
            kresp_error_detail(&c->resp, c->arena, 404, "Not Found");
        custom_http_error(c);
        return false;
    }
    c->route = m.route;
    memcpy(c->raw_params, m.params, sizeof c->raw_params);
    return true;
}

/* The route's pipeline: dependencies, parameters and body, then the handler. */
static void run_route(karak_ctx *c)
{
    const kroute *route = c->route;
    if (!validate(c)) {
        /* a provider may have answered with a success builder, or raised an HTTP error */
        if (c->kind == KRESP_BODY || c->kind == KRESP_EMPTY) settle_status(c);
        else if (c->kind == KRESP_ERROR) custom_http_error(c);
        kdeps_function_cleanups(c);
        return;
    }
    karak_result res = route->handler(c);
    if (res != KARAK_DONE || c->failed || c->kind == KRESP_NONE || c->kind == KRESP_FAILED) {
        /* every 500 says why in the log, never to the client */
        const char *why = res == KARAK_FAIL             ? "returned KARAK_FAIL"
                          : c->failed                   ? "misused an accessor or ran out of memory"
                          : c->kind == KRESP_FAILED     ? "its response could not be built"
                          : c->kind == KRESP_NONE       ? "set no response"
                                                        : "returned an unknown karak_result";
        karak_app_log(c->app, KARAK_LOG_ERROR, "%s %s: handler %s %s: 500", c->req->method,
                      c->path, route->name, why);
        kresp_internal_error(&c->resp);
    } else if (c->kind != KRESP_ERROR) {
        settle_status(c);
    } else {
        custom_http_error(c);
    }
    kdeps_function_cleanups(c);
}

karak_ctx *kdispatch_start(const karak_app *app, const kreq *req, karena *a, kresp *out,
                           bool *on_pool)
{
    *on_pool = false;
    karak_ctx *c = karena_alloc(a, sizeof *c);
    if (c == NULL) {
        memset(out, 0, sizeof *out);
        kresp_internal_error(out);
        return NULL;
    }
    c->app = app;
    c->arena = a;
    c->req = req;
    if (route_request(c)) {
        const kroute *r = c->route;
        *on_pool = r->run_on == KARAK_RUN_POOL ||
                   (r->run_on == KARAK_RUN_AUTO &&
                    atomic_load_explicit(&((kroute *)r)->moved, memory_order_relaxed));
        return c;
    }
    *out = c->resp;
    return NULL;
}

void kdispatch_finish(karak_ctx *c, kresp *out)
{
    run_route(c);
    *out = c->resp;
}

bool kdispatch_timed(const karak_ctx *c)
{
    return c->route->run_on == KARAK_RUN_AUTO;
}

void kdispatch_inline_took(karak_ctx *c, long long us)
{
    kroute *r = (kroute *)c->route; /* only its atomics change */
    if (r->run_on != KARAK_RUN_AUTO) return;
    if (us < KARAK_AUTO_SLOW_MS * 1000LL) {
        if (atomic_load_explicit(&r->slow_streak, memory_order_relaxed) != 0)
            atomic_store_explicit(&r->slow_streak, 0, memory_order_relaxed);
        return;
    }
    if (atomic_fetch_add_explicit(&r->slow_streak, 1, memory_order_relaxed) + 1 <
        KARAK_AUTO_SLOW_CALLS)
        return;
    if (!atomic_exchange(&r->moved, true))
        karak_app_log(c->app, KARAK_LOG_WARN,
                      "%s %s: %d calls in a row took %d ms or more on an I/O thread (the last "
                      "%lld us): it runs on the handler pool from now on (declare .run_on = "
                      "KARAK_RUN_POOL to start there, KARAK_RUN_INLINE to keep it inline)",
                      r->method, r->pattern, KARAK_AUTO_SLOW_CALLS, KARAK_AUTO_SLOW_MS, us);
}

void kdispatch(const karak_app *app, const kreq *req, karena *a, kresp *out)
{
    bool on_pool;
    karak_ctx *c = kdispatch_start(app, req, a, out, &on_pool);
    if (c != NULL) kdispatch_finish(c, out);
}

void kresp_finish(kresp *r)
{
    kdefer_run(&r->cleanups);
}

void kdefer_run(kdefer **list)
{
    kdefer *d = *list;
    *list = NULL;
    while (d != NULL) {
        kdefer *next = d->next;
        d->fn(d->arg);
        d = next;
    }
}
