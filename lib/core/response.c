/* Building responses: the handler-facing karak_resp_* family and the kresp helpers the
 * dispatch core uses for its own answers (404, 405, 422, 500).
 * Bodies are written into the request arena; nothing here is freed by the caller.
 * Statuses without a body (1xx, 204, 205, 304) never get one, nor a Content-Type, as
 * FastAPI's is_body_allowed_for_status_code decides. */
#include <string.h>
#include <strings.h>

#include "core/core.h"

static const char ct_json[] = "application/json";
static const char ct_text[] = "text/plain; charset=utf-8";

void kresp_set(kresp *r, int status, const char *content_type, const char *body, size_t len)
{
    r->status = status;
    if (!khttp_status_has_body(status)) {
        content_type = NULL;
        body = NULL;
        len = 0;
    }
    r->content_type = content_type;
    r->body = body;
    r->body_len = len;
}

bool kresp_add_header(kresp *r, karena *a, const char *name, const char *value)
{
    if (r->nheaders == r->cap_headers) {
        size_t cap = r->cap_headers ? r->cap_headers * 2 : 4;
        karak_pair *h = karena_grow(a, r->headers, r->nheaders * sizeof *h, cap * sizeof *h);
        if (h == NULL) return false;
        r->headers = h;
        r->cap_headers = cap;
    }
    r->headers[r->nheaders++] = (karak_pair){name, strlen(name), value, strlen(value)};
    return true;
}

void kresp_internal_error(kresp *r)
{
    /* Starlette's ServerErrorMiddleware: plain text, never the reason. */
    static const char body[] = "Internal Server Error";
    r->nheaders = 0;
    kresp_set(r, 500, ct_text, body, sizeof body - 1);
}

static void set_json(kresp *r, int status, kbuf *b)
{
    if (kbuf_cstr(b) == NULL) kresp_internal_error(r);
    else kresp_set(r, status, ct_json, b->data, b->len);
}

/* FastAPI's error body, the one place the {"detail": ...} envelope is written: for an
 * HTTPException's detail (a string, escaped here) and for the 422's list of validation
 * errors (JSON already). */
static void envelope_open(kbuf *b, karena *a, size_t len)
{
    kbuf_init(b, a, 16 + len);
    kbuf_puts(b, "{\"detail\":");
}

static void envelope_close(kresp *r, int status, kbuf *b)
{
    kbuf_putc(b, '}');
    set_json(r, status, b);
}

void kresp_error_detail(kresp *r, karena *a, int status, const char *detail)
{
    size_t len = strlen(detail);
    kbuf b;
    envelope_open(&b, a, len);
    kjw_string(&b, detail, len);
    envelope_close(r, status, &b);
}

void kresp_error_raw(kresp *r, karena *a, int status, const char *json, size_t len)
{
    kbuf b;
    envelope_open(&b, a, len);
    kbuf_put(&b, json, len);
    envelope_close(r, status, &b);
}

/* ---- the handler-facing API ---- */

/* Records a builder's outcome. A failed builder leaves a 500 unless a later one replaces
 * it (a handler may answer a 503 when its JSON could not be built). The status of a
 * success is settled by the dispatch core once the handler has returned. */
static karak_result answered(karak_ctx *c, kresp_kind kind, bool ok)
{
    c->kind = ok ? kind : KRESP_FAILED;
    return ok ? KARAK_DONE : KARAK_FAIL;
}

/* The body of a success response; the status is a placeholder until settled. */
static karak_result success(karak_ctx *c, const char *content_type, kbuf *b)
{
    if (kbuf_cstr(b) == NULL) return answered(c, KRESP_BODY, false);
    c->resp.content_type = content_type;
    c->resp.body = b->data;
    c->resp.body_len = b->len;
    return answered(c, KRESP_BODY, true);
}

karak_result karak_resp_json_new(karak_ctx *c, json_t *value)
{
    if (value == NULL) return answered(c, KRESP_BODY, false);
    kbuf b;
    kbuf_init(&b, c->arena, 256);
    kjw_jansson(&b, value);
    json_decref(value);
    return success(c, ct_json, &b);
}

karak_result karak_resp_pack(karak_ctx *c, const char *format, ...)
{
    kbuf b;
    kbuf_init(&b, c->arena, 256);
    char why[KARAK_ERRLEN];
    va_list ap;
    va_start(ap, format);
    bool ok = kjw_pack(&b, format, ap, why, sizeof why);
    va_end(ap);
    if (!ok) {
        karak_app_log(c->app, KARAK_LOG_ERROR, "karak_resp_pack(\"%s\"): %s",
                      format ? format : "(null)", why);
        return answered(c, KRESP_BODY, false);
    }
    return success(c, ct_json, &b);
}

/* Encodes `n` structs (an array when `array`, else the one object) through `schema`: its
 * compiled form from registration when a route names it, else compiled for this response
 * alone (slower: name the schema in a route's options to have it ready). */
static karak_result encode_model(karak_ctx *c, const karak_schema *schema, const void *items,
                                 size_t n, bool array, unsigned ex)
{
    if (schema == NULL || schema->fields == NULL || (items == NULL && (n > 0 || !array)))
        return answered(c, KRESP_BODY, false);
    const kschema *cs = c->route != NULL && c->route->response == schema
                            ? c->route->response_cs
                            : kapp_schema_find(c->app, schema);
    kschema *temp = NULL;
    if (cs == NULL) {
        char why[KARAK_ERRLEN];
        cs = temp = kschema_compile(schema, KSRC_BODY, why, sizeof why);
        if (temp == NULL) {
            karak_app_log(c->app, KARAK_LOG_ERROR, "response model: %s", why);
            return answered(c, KRESP_BODY, false);
        }
    }
    kbuf b;
    kbuf_init(&b, c->arena, array ? 64 + n * 64 : 256);
    if (array) kbuf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i > 0) kbuf_putc(&b, ',');
        kschema_encode(&b, cs, (const char *)items + i * schema->size, ex);
    }
    if (array) kbuf_putc(&b, ']');
    kschema_free(temp);
    return success(c, ct_json, &b);
}

karak_result karak_resp_model_ex(karak_ctx *c, const karak_schema *schema, const void *obj,
                                 unsigned exclude)
{
    return encode_model(c, schema, obj, 1, false, exclude);
}

karak_result karak_resp_model(karak_ctx *c, const karak_schema *schema, const void *obj)
{
    return karak_resp_model_ex(c, schema, obj, 0);
}

karak_result karak_resp_struct(karak_ctx *c, const void *obj)
{
    const kroute *r = c->route;
    if (r == NULL || r->response == NULL) return answered(c, KRESP_BODY, false);
    return encode_model(c, r->response, obj, 1, false, r->response_exclude);
}

karak_result karak_resp_list(karak_ctx *c, const karak_schema *schema, const void *items,
                             size_t n)
{
    const kroute *r = c->route;
    unsigned ex = 0;
    if (schema == NULL && r != NULL) {
        schema = r->response;
        ex = r->response_exclude;
    }
    return encode_model(c, schema, items, n, true, ex);
}

karak_result karak_resp_text(karak_ctx *c, const char *text)
{
    if (text == NULL) return answered(c, KRESP_BODY, false);
    kbuf b;
    size_t n = strlen(text);
    kbuf_init(&b, c->arena, n + 1);
    kbuf_put(&b, text, n);
    return success(c, ct_text, &b);
}

karak_result karak_resp_empty(karak_ctx *c)
{
    c->resp.content_type = NULL;
    c->resp.body = NULL;
    c->resp.body_len = 0;
    return answered(c, KRESP_EMPTY, true);
}

karak_result karak_resp_error(karak_ctx *c, int status, const char *detail)
{
    if (status < 100 || status > 599) return answered(c, KRESP_ERROR, false);
    kresp_error_detail(&c->resp, c->arena, status,
                       detail ? detail : khttp_status_phrase(status));
    return answered(c, KRESP_ERROR, c->resp.status == status);
}

karak_result karak_resp_error_json_new(karak_ctx *c, int status, json_t *detail)
{
    if (detail == NULL || status < 100 || status > 599) {
        json_decref(detail);
        return answered(c, KRESP_ERROR, false);
    }
    kbuf b;
    kbuf_init(&b, c->arena, 64);
    kjw_jansson(&b, detail);
    json_decref(detail);
    if (kbuf_cstr(&b) == NULL) return answered(c, KRESP_ERROR, false);
    kresp_error_raw(&c->resp, c->arena, status, b.data, b.len);
    return answered(c, KRESP_ERROR, c->resp.status == status);
}

int karak_resp_status_set(karak_ctx *c, int status)
{
    /* a 1xx is never a final response: libkarak would send it and no answer after it */
    if (status < 200 || status > 599) return KARAK_EINVAL;
    c->status_override = status;
    return KARAK_OK;
}

int karak_resp_header_add(karak_ctx *c, const char *name, const char *value)
{
    /* the framing and connection headers are libkarak's: it writes the body and its length
       and keeps or closes the connection itself; libmicrohttpd also refuses an empty value,
       so one is refused here rather than failing on the wire only */
    if (!khttp_header_name_ok(name) || !khttp_header_value_ok(value) || value[0] == '\0' ||
        strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Length") == 0 ||
        strcasecmp(name, "Transfer-Encoding") == 0 || strcasecmp(name, "Connection") == 0)
        return KARAK_EINVAL;
    char *n = karak_strdup(c, name), *v = karak_strdup(c, value);
    if (n == NULL || v == NULL || !kresp_add_header(&c->resp, c->arena, n, v)) {
        c->failed = true; /* a response without the header would be a wrong answer */
        return KARAK_ENOMEM;
    }
    return KARAK_OK;
}
