/* Building responses: the handler-facing karak_json_new/karak_model/karak_text/karak_error
 * family and the kresp helpers dispatch.c uses for its own answers (404, 405, 422, 500).
 * Bodies are written into the request arena; nothing here is freed by the caller.
 * Statuses without a body (1xx, 204, 205, 304) never get one, nor a Content-Type, as
 * FastAPI's is_body_allowed_for_status_code decides. */
#include <string.h>
#include <strings.h>

#include "internal.h"

static const char ct_json[] = "application/json";
static const char ct_text[] = "text/plain; charset=utf-8";

const char *kstatus_phrase(int status)
{
    /* Python's http.HTTPStatus phrases (RFC 9110 names), which Starlette uses. */
    static const struct {
        int code;
        const char *phrase;
    } phrases[] = {
        {100, "Continue"}, {101, "Switching Protocols"}, {102, "Processing"},
        {103, "Early Hints"}, {200, "OK"}, {201, "Created"}, {202, "Accepted"},
        {203, "Non-Authoritative Information"}, {204, "No Content"}, {205, "Reset Content"},
        {206, "Partial Content"}, {207, "Multi-Status"}, {208, "Already Reported"},
        {226, "IM Used"}, {300, "Multiple Choices"}, {301, "Moved Permanently"},
        {302, "Found"}, {303, "See Other"}, {304, "Not Modified"}, {305, "Use Proxy"},
        {307, "Temporary Redirect"}, {308, "Permanent Redirect"}, {400, "Bad Request"},
        {401, "Unauthorized"}, {402, "Payment Required"}, {403, "Forbidden"},
        {404, "Not Found"}, {405, "Method Not Allowed"}, {406, "Not Acceptable"},
        {407, "Proxy Authentication Required"}, {408, "Request Timeout"}, {409, "Conflict"},
        {410, "Gone"}, {411, "Length Required"}, {412, "Precondition Failed"},
        {413, "Content Too Large"}, {414, "URI Too Long"}, {415, "Unsupported Media Type"},
        {416, "Range Not Satisfiable"}, {417, "Expectation Failed"}, {418, "I'm a Teapot"},
        {421, "Misdirected Request"}, {422, "Unprocessable Content"}, {423, "Locked"},
        {424, "Failed Dependency"}, {425, "Too Early"}, {426, "Upgrade Required"},
        {428, "Precondition Required"}, {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"}, {451, "Unavailable For Legal Reasons"},
        {500, "Internal Server Error"}, {501, "Not Implemented"}, {502, "Bad Gateway"},
        {503, "Service Unavailable"}, {504, "Gateway Timeout"},
        {505, "HTTP Version Not Supported"}, {506, "Variant Also Negotiates"},
        {507, "Insufficient Storage"}, {508, "Loop Detected"}, {510, "Not Extended"},
        {511, "Network Authentication Required"},
    };
    for (size_t i = 0; i < sizeof phrases / sizeof *phrases; i++)
        if (phrases[i].code == status) return phrases[i].phrase;
    return "Unknown Status";
}

bool kstatus_has_body(int status)
{
    return !(status < 200 || status == 204 || status == 205 || status == 304);
}

void kresp_set(kresp *r, int status, const char *content_type, const char *body, size_t len)
{
    r->status = status;
    if (!kstatus_has_body(status)) {
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
        kheader *h = karena_grow(a, r->headers, r->nheaders * sizeof *h, cap * sizeof *h);
        if (h == NULL) return false;
        r->headers = h;
        r->cap_headers = cap;
    }
    r->headers[r->nheaders++] = (kheader){name, value};
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

void kresp_error_detail(kresp *r, karena *a, int status, const char *detail)
{
    kbuf b;
    kbuf_init(&b, a, 64);
    kbuf_puts(&b, "{\"detail\":");
    kjw_string(&b, detail, strlen(detail));
    kbuf_putc(&b, '}');
    set_json(r, status, &b);
}

/* ---- the handler-facing API ---- */

static int success_status(const karak_ctx *c)
{
    return c->status;
}

static karak_result responded(karak_ctx *c, bool ok)
{
    c->responded = true;
    if (!ok) {
        c->failed = true;
        return KARAK_FAIL;
    }
    return KARAK_DONE;
}

karak_result karak_json_new(karak_ctx *c, json_t *value)
{
    if (value == NULL) return responded(c, false);
    kbuf b;
    kbuf_init(&b, c->arena, 256);
    kjw_jansson(&b, value);
    json_decref(value);
    if (kbuf_cstr(&b) == NULL) return responded(c, false);
    kresp_set(&c->resp, success_status(c), ct_json, b.data, b.len);
    return responded(c, true);
}

karak_result karak_model(karak_ctx *c, const karak_schema *schema, const void *obj)
{
    if (schema == NULL || schema->fields == NULL || obj == NULL) return responded(c, false);
    kbuf b;
    kbuf_init(&b, c->arena, 256);
    kschema_encode(&b, schema, obj);
    if (kbuf_cstr(&b) == NULL) return responded(c, false);
    kresp_set(&c->resp, success_status(c), ct_json, b.data, b.len);
    return responded(c, true);
}

karak_result karak_text(karak_ctx *c, const char *text)
{
    if (text == NULL) return responded(c, false);
    size_t n = strlen(text);
    char *copy = karena_strndup(c->arena, text, n);
    if (copy == NULL) return responded(c, false);
    kresp_set(&c->resp, success_status(c), ct_text, copy, n);
    return responded(c, true);
}

karak_result karak_empty(karak_ctx *c)
{
    int status = c->status_set || c->status != 200 ? c->status : 204;
    kresp_set(&c->resp, status, NULL, NULL, 0);
    return responded(c, true);
}

karak_result karak_error(karak_ctx *c, int status, const char *detail)
{
    if (status < 100 || status > 599) return responded(c, false);
    kresp_error_detail(&c->resp, c->arena, status, detail ? detail : kstatus_phrase(status));
    return responded(c, c->resp.status == status);
}

karak_result karak_error_json_new(karak_ctx *c, int status, json_t *detail)
{
    if (detail == NULL || status < 100 || status > 599) {
        json_decref(detail);
        return responded(c, false);
    }
    kbuf b;
    kbuf_init(&b, c->arena, 64);
    kbuf_puts(&b, "{\"detail\":");
    kjw_jansson(&b, detail);
    kbuf_putc(&b, '}');
    json_decref(detail);
    set_json(&c->resp, status, &b);
    return responded(c, c->resp.status == status);
}

void karak_set_status(karak_ctx *c, int status)
{
    if (status >= 100 && status <= 599) {
        c->status = status;
        c->status_set = true;
    }
}

static bool header_text_ok(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") == NULL;
}

karak_status karak_header_add(karak_ctx *c, const char *name, const char *value)
{
    if (!header_text_ok(name) || !header_text_ok(value) || name[0] == '\0' ||
        strcasecmp(name, "Content-Type") == 0 || strcasecmp(name, "Content-Length") == 0)
        return KARAK_EINVAL;
    char *n = karak_strdup(c, name), *v = karak_strdup(c, value);
    if (n == NULL || v == NULL || !kresp_add_header(&c->resp, c->arena, n, v))
        return KARAK_ENOMEM;
    return KARAK_OK;
}
