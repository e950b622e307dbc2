/* libFuzzer target: whole requests through the in-process test client, and so through the
 * dispatch core the server runs (routing, slash redirects, the parameter pipeline, body
 * decoding and validation, responses, cleanups, the client's redirect following).
 *
 * The input is a request in a loose HTTP/1.1 shape, so that seeds read like requests and
 * the dictionary's tokens land in the right place:
 *     METHOD SP TARGET LF          (no SP: the whole line is the method, the target is "/")
 *     Name: value LF               (up to MAX_HEADERS; lines without ':' are skipped)
 *     LF
 *     body bytes                   (anything, NULs included)
 * A CR before a LF is dropped. Method, target and headers are C strings for the client, so
 * a NUL cuts them short. A body without a Content-Type header goes as the client's .json
 * (a C string too, sent with Content-Type: application/json); with one, as raw bytes.
 *
 * Invariants, beyond "no crash, no leak, no undefined behaviour":
 *   - a reply always comes back, with one of the statuses this app can give; never a 500
 *     (no handler here fails, so a 500 is the library's);
 *   - framing: Content-Length is the body's length, no body and no Content-Type on a 204,
 *     none on a HEAD; error bodies are {"detail": ...}; a 422's detail is a well-formed list
 *     of errors, json_invalid alone; a 405 has Allow, a 307 Location;
 *   - handlers only ever see values that satisfy their schemas (bounds, lengths, UTF-8),
 *     the body and method that were sent, and the router's choice between routes that
 *     share a shape agrees with the validator;
 *   - a karak_defer cleanup always runs (LeakSanitizer sees its buffer otherwise). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/core.h"
#include "fuzz_common.h"

#define MAX_HEADERS 32

/* ---- the app's parameter schemas ---- */

typedef struct ItemQuery {
    const char *q;
    int64_t limit;
    double ratio;
    bool has_ratio;
    bool verbose;
    int32_t page;
} ItemQuery;

static const karak_field query_fields[] = {
    KARAK_FIELD(ItemQuery, q, KARAK_STR, .optional = true, .max_len = 50),
    KARAK_FIELD(ItemQuery, limit, KARAK_I64, .dflt = "10", KARAK_GE(1), KARAK_LE(100)),
    KARAK_FIELD_OPT(ItemQuery, ratio, has_ratio, KARAK_F64, KARAK_GT(0), KARAK_LT(1)),
    KARAK_FIELD(ItemQuery, verbose, KARAK_BOOL, .dflt = "false"),
    KARAK_FIELD(ItemQuery, page, KARAK_I32, .alias = "page-no", .dflt = "0", KARAK_GE(0)),
    KARAK_FIELDS_END,
};
static const karak_schema query_schema = KARAK_SCHEMA(ItemQuery, query_fields);

typedef struct ItemHeaders {
    const char *x_token;
    int32_t x_retries;
    bool has_x_retries;
    const char *user_agent;
} ItemHeaders;

static const karak_field header_fields[] = {
    KARAK_FIELD(ItemHeaders, x_token, KARAK_STR, .min_len = 1),
    KARAK_FIELD_OPT(ItemHeaders, x_retries, has_x_retries, KARAK_I32, KARAK_GE(0),
                    KARAK_LE(10)),
    KARAK_FIELD(ItemHeaders, user_agent, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema header_schema = KARAK_SCHEMA(ItemHeaders, header_fields);

typedef struct ItemCookies {
    const char *session;
    const char *theme;
    int64_t visits;
} ItemCookies;

static const karak_field cookie_fields[] = {
    KARAK_FIELD(ItemCookies, session, KARAK_STR, .optional = true),
    KARAK_FIELD(ItemCookies, theme, KARAK_STR, .dflt = "light", .max_len = 10),
    KARAK_FIELD(ItemCookies, visits, KARAK_I64, .dflt = "0", KARAK_GE(0)),
    KARAK_FIELDS_END,
};
static const karak_schema cookie_schema = KARAK_SCHEMA(ItemCookies, cookie_fields);

typedef struct GoQuery {
    const char *to;
} GoQuery;

static const karak_field go_fields[] = {
    KARAK_FIELD(GoQuery, to, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema go_schema = KARAK_SCHEMA(GoQuery, go_fields);

/* ---- the request being sent, for the handlers' checks ---- */

static struct {
    const char *method;
    const char *body;
    size_t body_len;
} sent;

static void check_text(const char *s, const char *what)
{
    FUZZ_CHECK(s != NULL, "%s is NULL", what);
    FUZZ_CHECK(fuzz_utf8_ok(s, strlen(s)), "%s is not UTF-8", what);
}

/* The method and body a handler sees are the ones sent: the app answers no 301, 302 or
 * 303, and 307 redirects keep both. */
static void check_request(karak_ctx *c)
{
    FUZZ_CHECK(strcmp(karak_req_method(c), sent.method) == 0, "method %s, sent %s",
               karak_req_method(c), sent.method);
    size_t len = 0;
    const char *body = karak_req_body(c, &len);
    FUZZ_CHECK(len == sent.body_len && (len == 0 || memcmp(body, sent.body, len) == 0),
               "the handler got %zu body bytes of %zu", len, sent.body_len);
    FUZZ_CHECK(body[len] == '\0', "the body is not NUL-terminated at its length");
    check_text(karak_req_path(c), "the decoded path");
}

/* Path parameter i's text as the router captured it (decoded, with its length). */
static kslice capture(const karak_ctx *c, size_t i)
{
    return c->raw_params[i];
}

/* ---- handlers ---- */

static karak_result root(karak_ctx *c)
{
    check_request(c);
    return karak_resp_json_new(c, json_pack("{s:s}", "hello", "world"));
}

static karak_result get_item(karak_ctx *c)
{
    check_request(c);
    const ItemQuery *q = karak_query(c);
    FUZZ_CHECK(q != NULL, "no query struct");
    if (q->q != NULL) check_text(q->q, "query q");
    FUZZ_CHECK(q->q == NULL || fuzz_utf8_chars(q->q, strlen(q->q)) <= 50, "q too long");
    FUZZ_CHECK(q->limit >= 1 && q->limit <= 100, "limit %lld", (long long)q->limit);
    FUZZ_CHECK(!q->has_ratio || (q->ratio > 0 && q->ratio < 1), "ratio %g", q->ratio);
    FUZZ_CHECK(q->page >= 0, "page %d", (int)q->page);
    json_t *ratio = q->has_ratio ? json_real(q->ratio) : json_null();
    return karak_resp_json_new(
        c, json_pack("{s:I,s:s?,s:I,s:o,s:b,s:i}", "item_id",
                     (json_int_t)karak_path_i64(c, "item_id"), "q", q->q, "limit",
                     (json_int_t)q->limit, "ratio", ratio, "verbose", q->verbose, "page",
                     (int)q->page));
}

static karak_result create_item(karak_ctx *c)
{
    check_request(c);
    fuzz_check_item(karak_body(c), "POST /items");
    return karak_resp_model(c, &fuzz_item_schema, karak_body(c));
}

static bool has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

static karak_result put_item(karak_ctx *c)
{
    check_request(c);
    const Item *it = karak_body(c);
    fuzz_check_item(it, "PUT /items/{item_id}");
    const ItemHeaders *h = karak_headers(c);
    check_text(h->x_token, "x-token");
    FUZZ_CHECK(fuzz_utf8_chars(h->x_token, strlen(h->x_token)) >= 1, "empty x-token");
    FUZZ_CHECK(!h->has_x_retries || (h->x_retries >= 0 && h->x_retries <= 10), "x-retries %d",
               (int)h->x_retries);
    if (h->user_agent != NULL) check_text(h->user_agent, "user-agent");
    const ItemCookies *ck = karak_cookies(c);
    if (ck->session != NULL) check_text(ck->session, "cookie session");
    check_text(ck->theme, "cookie theme");
    FUZZ_CHECK(fuzz_utf8_chars(ck->theme, strlen(ck->theme)) <= 10, "theme too long");
    FUZZ_CHECK(ck->visits >= 0, "visits %lld", (long long)ck->visits);
    /* a resource only the cleanup frees: LeakSanitizer reports it if the cleanup is lost */
    char *resource = malloc(16);
    FUZZ_CHECK(resource != NULL, "out of memory");
    FUZZ_CHECK(karak_defer(c, free, resource) == KARAK_OK, "karak_defer failed");
    /* karak/response.h: an empty value or a CR or LF is refused, anything else is taken */
    int want = it->name[0] == '\0' || has_crlf(it->name) ? KARAK_EINVAL : KARAK_OK;
    int rc = karak_resp_header_add(c, "X-Item", it->name);
    FUZZ_CHECK(rc == want, "karak_resp_header_add(X-Item, name) = %d, expected %d", rc, want);
    return karak_resp_model(c, &fuzz_item_schema, it);
}

static karak_result delete_item(karak_ctx *c)
{
    check_request(c);
    (void)karak_path_i64(c, "item_id");
    return karak_resp_empty(c);
}

static karak_result users_me(karak_ctx *c)
{
    check_request(c);
    return karak_resp_text(c, "me");
}

static karak_result user_by_id(karak_ctx *c)
{
    check_request(c);
    const char *id = karak_path_str(c, "user_id");
    check_text(id, "user_id");
    /* one non-empty segment; a decoded %2F separates segments too */
    FUZZ_CHECK(capture(c, 0).n > 0, "empty user_id in %s", karak_req_path(c));
    FUZZ_CHECK(memchr(capture(c, 0).s, '/', capture(c, 0).n) == NULL, "user_id %s spans segments",
               id);
    return karak_resp_json_new(c, json_pack("{s:s}", "user_id", id));
}

static karak_result user_ratio(karak_ctx *c)
{
    check_request(c);
    check_text(karak_path_str(c, "user_id"), "user_id");
    double r = karak_path_f64(c, "r");
    char text[64];
    snprintf(text, sizeof text, "%g", r); /* inf and nan are floats too */
    return karak_resp_text(c, text);
}

/* GET /shape/{v:int}, /shape/{v:float} and /shape/{v} share a shape: the router sends a
 * value to the most specific route whose type parses it (karak/app.h), so the float route
 * never sees an int and the str route neither. The capture's own bytes are checked (from
 * the context, lib/core/core.h): a "%00" would cut karak_path_str's C string short. */
static bool parses_as_int(kslice v)
{
    int64_t i;
    int overflow;
    return kc_int_from_str(v.s, v.n, &i, &overflow) == KC_OK;
}

static bool parses_as_float(kslice v)
{
    double d;
    return kc_float_from_str(v.s, v.n, &d) == KC_OK;
}

static karak_result shape_int(karak_ctx *c)
{
    check_request(c);
    (void)karak_path_i64(c, "v");
    return karak_resp_text(c, "int");
}

static karak_result shape_float(karak_ctx *c)
{
    check_request(c);
    const char *v = karak_path_str(c, "v");
    FUZZ_CHECK(!parses_as_int(capture(c, 0)), "the float route got the int %s", v);
    (void)karak_path_f64(c, "v");
    return karak_resp_text(c, "float");
}

static karak_result shape_str(karak_ctx *c)
{
    check_request(c);
    const char *v = karak_path_str(c, "v");
    check_text(v, "v");
    FUZZ_CHECK(!parses_as_int(capture(c, 0)) && !parses_as_float(capture(c, 0)),
               "the str route got the number %s", v);
    return karak_resp_text(c, "str");
}

static karak_result files(karak_ctx *c)
{
    check_request(c);
    const char *rest = karak_path_str(c, "rest");
    check_text(rest, "rest");
    return karak_resp_json_new(c, json_pack("{s:s}", "path", rest));
}

/* A redirect to wherever the query says, to drive the client's redirect following with
 * arbitrary Locations. */
static karak_result go(karak_ctx *c)
{
    check_request(c);
    const GoQuery *q = karak_query(c);
    check_text(q->to, "to");
    int want = q->to[0] == '\0' || has_crlf(q->to) ? KARAK_EINVAL : KARAK_OK;
    int rc = karak_resp_header_add(c, "Location", q->to);
    FUZZ_CHECK(rc == want, "karak_resp_header_add(Location) = %d, expected %d", rc, want);
    if (rc != KARAK_OK) return karak_resp_error(c, 400, "bad location");
    FUZZ_CHECK(karak_resp_status_set(c, 307) == KARAK_OK, "status 307 refused");
    return karak_resp_empty(c);
}

static void check_pair(const karak_pair *p, bool terminated, const char *what)
{
    FUZZ_CHECK(p->name != NULL && p->value != NULL, "%s: NULL name or value", what);
    if (!terminated) return;
    FUZZ_CHECK(p->name[p->name_len] == '\0' && p->value[p->value_len] == '\0',
               "%s: not NUL-terminated at its length", what);
}

static bool has_any(const char *s, size_t n, const char *set)
{
    for (; *set != '\0'; set++)
        if (memchr(s, *set, n) != NULL) return true;
    return false;
}

/* Every raw accessor, each pair checked against what karak/request.h promises. */
static karak_result raw(karak_ctx *c)
{
    check_request(c);
    karak_pair p;
    size_t nh = karak_req_header_count(c), nq = karak_req_query_count(c);
    size_t nc = karak_req_cookie_count(c);
    for (size_t i = 0; i < nh; i++) {
        FUZZ_CHECK(karak_req_header_at(c, i, &p), "header %zu missing", i);
        check_pair(&p, true, "header");
    }
    FUZZ_CHECK(!karak_req_header_at(c, nh, &p), "a header past the count");
    FUZZ_CHECK(karak_req_header(c, "host") != NULL, "no Host (the client adds one)");
    const char *qs = karak_req_query_string(c);
    FUZZ_CHECK(qs != NULL, "no query string");
    for (size_t i = 0; i < nq; i++) {
        FUZZ_CHECK(karak_req_query_at(c, i, &p), "query pair %zu missing", i);
        check_pair(&p, true, "query pair");
        /* decoded as Python's unquote with errors="replace": always UTF-8 */
        FUZZ_CHECK(fuzz_utf8_ok(p.name, p.name_len) && fuzz_utf8_ok(p.value, p.value_len),
                   "decoded query pair %zu is not UTF-8", i);
        FUZZ_CHECK(karak_req_query_raw_at(c, i, &p), "raw query pair %zu missing", i);
        check_pair(&p, false, "raw query pair");
        FUZZ_CHECK(!has_any(p.name, p.name_len, "&="), "raw query name %zu has a separator", i);
    }
    FUZZ_CHECK(!karak_req_query_at(c, nq, &p), "a query pair past the count");
    for (size_t i = 0; i < nc; i++) {
        FUZZ_CHECK(karak_req_cookie_at(c, i, &p), "cookie %zu missing", i);
        check_pair(&p, true, "cookie");
        FUZZ_CHECK(!has_any(p.name, p.name_len, ";="), "cookie name %zu has a separator", i);
        (void)karak_req_cookie(c, p.name);
    }
    char text[96];
    snprintf(text, sizeof text, "headers %zu query %zu cookies %zu", nh, nq, nc);
    return karak_resp_text(c, text);
}

static karak_result teapot(karak_ctx *c)
{
    check_request(c);
    FUZZ_CHECK(karak_resp_header_add(c, "X-Why", "tea") == KARAK_OK, "X-Why refused");
    return karak_resp_error(c, 418, NULL);
}

/* ---- the app, built once ---- */

static karak_client *client;

static void build_app(void)
{
    karak_app *app = karak_new(.title = "fuzz");
    FUZZ_CHECK(app != NULL, "out of memory");
    karak_get(app, "/", root);
    karak_get(app, "/items/{item_id:int}", get_item, .query = &query_schema);
    karak_post(app, "/items", create_item, .body = &fuzz_item_schema, .status = 201);
    karak_put(app, "/items/{item_id:int}", put_item, .body = &fuzz_item_schema,
              .headers = &header_schema, .cookies = &cookie_schema);
    karak_delete(app, "/items/{item_id:int}", delete_item);
    /* a method outside the usual seven, registered in lower case: matched upper-cased, and
       listed after the others in a 405's Allow */
    karak_route_add(app, "purge", "/items/{item_id:int}", delete_item, "purge_item", NULL);
    karak_get(app, "/users/me", users_me);
    karak_get(app, "/users/{user_id}", user_by_id);
    karak_get(app, "/users/{user_id}/ratio/{r:float}", user_ratio);
    karak_get(app, "/shape/{v:int}", shape_int);
    karak_get(app, "/shape/{v:float}", shape_float);
    karak_get(app, "/shape/{v}", shape_str);
    karak_get(app, "/files/{rest:path}", files);
    karak_get(app, "/go", go, .query = &go_schema);
    karak_get(app, "/raw", raw);
    karak_post(app, "/raw", raw);
    karak_get(app, "/teapot", teapot);
    FUZZ_CHECK(karak_app_error(app) == NULL, "registration: %s", karak_app_error(app));
    /* app and client live for the process: both stay reachable, so no leak is reported */
    client = karak_client_new(app);
    FUZZ_CHECK(client != NULL, "karak_client_new failed");
}

/* ---- the input as a request ---- */

typedef struct fuzz_request {
    char *buf; /* the input, NUL-terminated pieces */
    const char *method;
    const char *target;
    const char *headers[2 * MAX_HEADERS + 1];
    const char *body;
    size_t body_len;
} fuzz_request;

/* The line at *at (up to LF or the end), NUL-terminated in place, without a trailing CR. */
static char *next_line(char *buf, size_t n, size_t *at, bool *had_lf)
{
    char *line = buf + *at;
    char *lf = memchr(line, '\n', n - *at);
    size_t len = lf ? (size_t)(lf - line) : n - *at;
    *had_lf = lf != NULL;
    *at += len + (lf != NULL);
    line[len] = '\0';
    if (len > 0 && line[len - 1] == '\r') line[len - 1] = '\0';
    return line;
}

static char *trim_ows(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

static void split_request(const uint8_t *data, size_t size, fuzz_request *r)
{
    memset(r, 0, sizeof *r);
    r->buf = malloc(size + 1);
    FUZZ_CHECK(r->buf != NULL, "out of memory");
    memcpy(r->buf, data, size);
    r->buf[size] = '\0';
    size_t at = 0, nh = 0;
    bool lf;
    char *line = next_line(r->buf, size, &at, &lf);
    char *sp = strchr(line, ' ');
    r->method = line;
    r->target = "/";
    if (sp != NULL) {
        *sp = '\0';
        r->target = sp + 1;
    }
    while (lf && at < size) {
        line = next_line(r->buf, size, &at, &lf);
        if (line[0] == '\0') break; /* the blank line: the body follows */
        char *colon = strchr(line, ':');
        if (colon == NULL || nh == MAX_HEADERS) continue;
        *colon = '\0';
        r->headers[2 * nh] = line;
        r->headers[2 * nh + 1] = trim_ows(colon + 1);
        nh++;
    }
    if (lf && at < size) {
        r->body = r->buf + at;
        r->body_len = size - at;
    }
}

/* ---- checks of the reply ---- */

static bool has_body(int status)
{
    return status != 204 && status != 304 && (status < 100 || status >= 200);
}

static void check_framing(const karak_reply *rep, int status, bool head)
{
    size_t len = 0;
    const char *body = karak_reply_body(rep, &len);
    FUZZ_CHECK(body != NULL && body[len] == '\0', "reply body not NUL-terminated");
    const char *cl = karak_reply_header(rep, "content-length");
    if (!has_body(status)) {
        FUZZ_CHECK(len == 0 && cl == NULL && karak_reply_header(rep, "content-type") == NULL,
                   "%d with a body or its headers", status);
        return;
    }
    FUZZ_CHECK(cl != NULL, "%d without Content-Length", status);
    if (head) FUZZ_CHECK(len == 0, "a HEAD reply with %zu body bytes", len);
    else FUZZ_CHECK(strtoull(cl, NULL, 10) == len, "Content-Length %s for %zu bytes", cl, len);
}

/* Every header as the server would send it: a token name, a non-empty value without CR or
 * LF; Content-Length and Content-Type once at most. */
static void check_headers(const karak_reply *rep)
{
    size_t lengths = 0, types = 0;
    for (size_t i = 0; i < karak_reply_header_count(rep); i++) {
        karak_pair h;
        FUZZ_CHECK(karak_reply_header_at(rep, i, &h), "reply header %zu missing", i);
        FUZZ_CHECK(khttp_token_ok(h.name, h.name_len), "reply header name %s", h.name);
        FUZZ_CHECK(h.value_len > 0 && !has_crlf(h.value), "reply header %s: bad value", h.name);
        lengths += strcasecmp(h.name, "content-length") == 0;
        types += strcasecmp(h.name, "content-type") == 0;
    }
    FUZZ_CHECK(lengths <= 1 && types <= 1, "%zu Content-Length, %zu Content-Type", lengths, types);
}

static bool is_json_reply(const karak_reply *rep)
{
    const char *ct = karak_reply_header(rep, "content-type");
    return ct != NULL && strcmp(ct, "application/json") == 0;
}

/* A {"detail": ...} error body, and a 422's list of errors. */
static void check_error_body(const karak_reply *rep, int status)
{
    FUZZ_CHECK(is_json_reply(rep), "%d is not application/json", status);
    size_t len = 0;
    const char *body = karak_reply_body(rep, &len);
    bool unholdable;
    json_error_t err;
    json_t *v = fuzz_json_load(body, len, &unholdable, &err);
    if (v == NULL && unholdable) return; /* valid JSON jansson cannot hold */
    FUZZ_CHECK(v != NULL, "%d body is not JSON (%s): %s", status, err.text, body);
    json_t *detail = json_object_get(v, "detail");
    FUZZ_CHECK(detail != NULL && json_object_size(v) == 1, "%d body is not {\"detail\"}: %s",
               status, body);
    if (status == 422) {
        fuzz_check_detail(detail, body);
        for (size_t i = 0; i < json_array_size(detail); i++) {
            const json_t *e = json_array_get(detail, i);
            const char *type = json_string_value(json_object_get(e, "type"));
            FUZZ_CHECK(strcmp(type, "json_invalid") != 0 || json_array_size(detail) == 1,
                       "json_invalid reported with other errors: %s", body);
        }
    } else {
        FUZZ_CHECK(json_is_string(detail), "%d detail is not a string: %s", status, body);
    }
    if (status == 404)
        FUZZ_CHECK(strcmp(json_string_value(detail), "Not Found") == 0, "404 detail: %s", body);
    json_decref(v);
}

static void check_reply(const karak_reply *rep, const fuzz_request *r)
{
    FUZZ_CHECK(rep != NULL, "no reply for %s %s", r->method, r->target);
    int status = karak_reply_status(rep);
    bool head = strcmp(r->method, "HEAD") == 0;
    switch (status) {
    case 200: case 201: case 204: case 307: case 400: case 404: case 405: case 418: case 422:
        break;
    default:
        FUZZ_CHECK(false, "status %d for %s %s: %s", status, r->method, r->target,
                   karak_reply_body(rep, NULL));
    }
    check_framing(rep, status, head);
    check_headers(rep);
    if (status == 405) FUZZ_CHECK(karak_reply_header(rep, "allow") != NULL, "405, no Allow");
    if (status == 307) FUZZ_CHECK(karak_reply_header(rep, "location") != NULL, "307, no Location");
    if (head) return;
    if (status >= 400) {
        check_error_body(rep, status);
    } else if (is_json_reply(rep)) {
        size_t len = 0;
        const char *body = karak_reply_body(rep, &len);
        bool unholdable;
        json_error_t err;
        json_t *v = fuzz_json_load(body, len, &unholdable, &err);
        FUZZ_CHECK(v != NULL || unholdable, "%d body is not JSON (%s): %s", status, err.text, body);
        json_t *j = karak_reply_json(rep); /* parses without JSON_ALLOW_NUL */
        FUZZ_CHECK((j != NULL) == (v != NULL) || strstr(body, "\\u0000") != NULL,
                   "karak_reply_json disagrees with jansson: %s", body);
        json_decref(j);
        json_decref(v);
    }
}

static bool has_content_type(const char *const *h)
{
    for (; h[0] != NULL; h += 2)
        if (strcasecmp(h[0], "content-type") == 0) return true;
    return false;
}

/* FUZZ_VERBOSE=1 prints each request line and its reply, to read what a reproducer does. */
static bool verbose;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (client == NULL) {
        build_app();
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    }
    fuzz_request r;
    split_request(data, size, &r);
    sent.method = r.method;
    sent.body = r.body;
    sent.body_len = r.body_len;
    karak_request_opts o = {.headers = r.headers, .struct_size = sizeof o};
    if (r.body != NULL && has_content_type(r.headers)) {
        o.body = r.body;
        o.body_len = r.body_len;
    } else if (r.body != NULL) {
        o.json = r.body;
        sent.body_len = strlen(r.body);
    }
    karak_reply *rep = karak_client_request(client, r.method, r.target, &o);
    if (verbose)
        fprintf(stderr, "%s %s -> %d %s\n", r.method, r.target, karak_reply_status(rep),
                rep ? karak_reply_body(rep, NULL) : "(no reply)");
    check_reply(rep, &r);
    karak_reply_free(rep);
    free(r.buf);
    return 0;
}
