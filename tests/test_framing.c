/* Request framing (RFC 9112): what the server refuses before a handler runs, and that the
 * connection then closes, so nothing sent after a refused head is read as a request.
 * First the decisions themselves (khttp_framing_check, khttp_host_ok), then each rule over
 * a raw socket against an in-process server on 127.0.0.1, then the redirect's Location
 * with a Host header that must not be echoed. The Location bytes were checked against
 * FastAPI 0.141.1 / Starlette 1.3.1. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "http/http.h"
#include "testutil.h"
#include "util/util.h"

/* ---- khttp_framing_check ---- */

typedef struct head_case {
    const char *method, *version, *target;
    size_t target_len;           /* 0: strlen(target) */
    const char *headers[16];     /* name, value, ..., NULL */
    bool folded;
    int want;
} head_case;

static const head_case head_cases[] = {
    /* well framed */
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", NULL}, false, 0},
    {"GET", "HTTP/1.1", "/", 0, {"host", "", NULL}, false, 0},
    {"GET", "HTTP/1.0", "/", 0, {NULL}, false, 0},
    {"GET", "", "/", 0, {NULL}, false, 0},
    {"get", "HTTP/1.1", "/", 0, {"Host", "a", NULL}, false, 0},
    {"M-SEARCH", "HTTP/1.1", "*", 0, {"Host", "a", NULL}, false, 0},
    {"GET", "HTTP/1.1", "http://h/x?y=1&z=%00", 0, {"Host", "h", NULL}, false, 0},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Content-Length", "5", NULL}, false, 0},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "content-length", " 0 ", NULL}, false, 0},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "chunked", NULL}, false, 0},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "transfer-encoding", "CHUNKED", NULL}, false, 0},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "\tChunked ", NULL}, false, 0},
    /* 1: more than one Content-Length, or one that is not digits */
    {"POST", "HTTP/1.1", "/", 0,
     {"Host", "a", "Content-Length", "0", "Content-Length", "37", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0,
     {"Host", "a", "Content-Length", "2", "CONTENT-LENGTH", "2", NULL}, false, 400},
    {"POST", "HTTP/1.0", "/", 0, {"Content-Length", "1", "Content-Length", "1", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Content-Length", "", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Content-Length", "5a", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Content-Length", "-1", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Content-Length", "+5", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Content-Length", "1, 1", NULL}, false, 400},
    /* 2: Content-Length with Transfer-Encoding; Transfer-Encoding in HTTP/1.0 */
    {"POST", "HTTP/1.1", "/", 0,
     {"Host", "a", "Content-Length", "5", "Transfer-Encoding", "chunked", NULL}, false, 400},
    {"POST", "HTTP/1.1", "/", 0,
     {"Host", "a", "Transfer-Encoding", "gzip", "Content-Length", "5", NULL}, false, 400},
    {"POST", "HTTP/1.0", "/", 0, {"Transfer-Encoding", "chunked", NULL}, false, 400},
    /* 3: any coding but chunked alone */
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "chunked, identity", NULL},
     false, 501},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "gzip, chunked", NULL},
     false, 501},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "identity", NULL}, false, 501},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "", NULL}, false, 501},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "chunked;x=1", NULL}, false,
     501},
    {"POST", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding", "chunkedx", NULL}, false, 501},
    {"POST", "HTTP/1.1", "/", 0,
     {"Host", "a", "Transfer-Encoding", "chunked", "Transfer-Encoding", "chunked", NULL}, false,
     501},
    /* 4: header names that are not tokens, folded lines */
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "Transfer-Encoding ", "chunked", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Hostfolded: x", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X Y", "1", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X\tY", "1", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X\001Y", "1", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X\xc3\xa9", "1", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "", "1", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-Afolded", "1", NULL}, true, 400},
    /* 4b: header values: no CR, no NUL (uvicorn's h11 and nginx let other bytes through) */
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "b\rc", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "b\r", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a\r", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "b\0c", NULL}, false, 0}, /* strlen: "b" */
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a\001", NULL}, false, 0},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "b\x7f", NULL}, false, 0},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "\x1b[31m", NULL}, false, 0},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "b\tc d ", NULL}, false, 0},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "caf\xc3\xa9 \xff", NULL}, false, 0},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "X-A", "~!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}", NULL},
     false, 0},
    /* 5: Host, the method */
    {"GET", "HTTP/1.1", "/", 0, {NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"X-Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/", 0, {"Host", "a", "HOST", "a", NULL}, false, 400},
    {"GET", "HTTP/1.0", "/", 0, {"Host", "a", "Host", "b", NULL}, false, 400},
    {"G(T", "HTTP/1.1", "/", 0, {"Host", "a", NULL}, false, 400},
    {"GET ", "HTTP/1.1", "/", 0, {"Host", "a", NULL}, false, 400},
    {"", "HTTP/1.1", "/", 0, {"Host", "a", NULL}, false, 400},
    {"G\xc3\xa9T", "HTTP/1.1", "/", 0, {"Host", "a", NULL}, false, 400},
    /* 6: the target's bytes */
    {"GET", "HTTP/1.1", "/items/1\0/../x", 14, {"Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/items/1\001", 0, {"Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/a\x7f", 0, {"Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/caf\xc3\xa9", 0, {"Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/a b", 0, {"Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "/a\t", 0, {"Host", "a", NULL}, false, 400},
    {"GET", "HTTP/1.1", "", 0, {"Host", "a", NULL}, false, 400},
    /* a head with several faults is a 400 before it is a 501 */
    {"POST", "HTTP/1.1", "/", 0, {"Transfer-Encoding", "gzip", NULL}, false, 400},
};

static void head_of(const head_case *c, khttp_head *h, karak_pair *pairs)
{
    size_t n = 0;
    for (size_t i = 0; c->headers[i] != NULL; i += 2, n++)
        pairs[n] = (karak_pair){c->headers[i], strlen(c->headers[i]), c->headers[i + 1],
                                strlen(c->headers[i + 1])};
    *h = (khttp_head){.method = c->method,
                      .version = c->version,
                      .target = c->target,
                      .target_len = c->target_len ? c->target_len : strlen(c->target),
                      .headers = pairs,
                      .nheaders = n,
                      .folded = c->folded};
}

START_TEST(framing_check_table)
{
    for (size_t i = 0; i < sizeof head_cases / sizeof head_cases[0]; i++) {
        const head_case *c = &head_cases[i];
        karak_pair pairs[8];
        khttp_head h;
        head_of(c, &h, pairs);
        const char *why = "unset";
        int got = khttp_framing_check(&h, &why);
        ck_assert_msg(got == c->want, "case %zu (%s %s, first header '%s'): %d, expected %d",
                      i, c->method, c->target, c->headers[0] ? c->headers[0] : "", got,
                      c->want);
        if (c->want == 0)
            ck_assert_msg(why == NULL, "case %zu: a reason for an accepted head", i);
        else
            ck_assert_msg(why != NULL && why[0] != '\0', "case %zu: no reason given", i);
    }
    /* why may be NULL */
    karak_pair pairs[8];
    khttp_head h;
    head_of(&head_cases[sizeof head_cases / sizeof head_cases[0] - 1], &h, pairs);
    ck_assert_int_eq(khttp_framing_check(&h, NULL), 400);
}
END_TEST

/* ---- khttp_host_ok: Starlette's pattern ---- */

START_TEST(host_ok_table)
{
    static const char *const good[] = {
        "a", "testserver", "example.com", "Example.COM:8080", "127.0.0.1:8000", "[::1]",
        "[::1]:80", "[2001:DB8::1]", "[::ffff:1.2.3.4]:1", "a-b.c", "..", "-", "[a:b]", "a:0",
    };
    static const char *const bad[] = {
        "", "evil.example\\@x", "exa_mple.com", "a/b", "a@b", "a b", "a\\b", "a:", ":80",
        "a:8x", "[::1", "[]", "[:]", "[g::1]", "::1", "a:80:90", "\xc3\xa9", "a\r\n", "a\nb",
        "[1:2]x", "a:80\n", "[1:2]:", "a?b", "a#b", "a%41",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(khttp_host_ok(good[i], strlen(good[i])), "'%s' refused", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!khttp_host_ok(bad[i], strlen(bad[i])), "'%s' accepted", bad[i]);
    ck_assert(!khttp_host_ok("a\0b", 3)); /* the length is the value's, NULs included */
    ck_assert(khttp_host_ok("ab/", 2));
    ck_assert(!khttp_host_ok(NULL, 0));
}
END_TEST

/* ---- over a socket ---- */

static atomic_int posted, got_item;

static karak_result root(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "message", "ok"));
}

static karak_result get_item(karak_ctx *c)
{
    atomic_fetch_add(&got_item, 1);
    return karak_resp_json_new(c, json_pack("{s:I}", "id", karak_path_i64(c, "item_id")));
}

static karak_result post_item(karak_ctx *c)
{
    atomic_fetch_add(&posted, 1);
    return karak_resp_json_new(c, json_pack("{s:b}", "posted", 1));
}

static karak_result one_header(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s?}", "v", karak_req_header(c, "x-header-59")));
}

/* The refusals are logged; kept here, off stderr, for the one test that reads them. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char last_log[512];

static void keep_log(void *data, karak_log_level level, const char *msg)
{
    (void)data;
    (void)level;
    pthread_mutex_lock(&log_mu);
    snprintf(last_log, sizeof last_log, "%s", msg);
    pthread_mutex_unlock(&log_mu);
}

static karak_app *app;
static karak_server *srv;
static unsigned port;

static void serve(void)
{
    atomic_store(&posted, 0);
    atomic_store(&got_item, 0);
    app = karak_new(.log = keep_log);
    karak_get(app, "/", root);
    karak_get(app, "/items/{item_id:int}", get_item);
    karak_post(app, "/items", post_item);
    karak_get(app, "/h", one_header);
    srv = test_server_start(app);
    port = karak_server_port(srv);
}

static void unserve(void)
{
    karak_server_free(srv);
    karak_app_free(app);
    srv = NULL;
    app = NULL;
}

/* Everything the server sent on one connection until it closed it (or 5 s passed). */
typedef struct raw_reply {
    char data[16384];
    size_t len;
    bool closed; /* the server ended the stream: recv() returned 0 */
} raw_reply;

static void raw_exchange(const char *req, size_t len, raw_reply *r)
{
    memset(r, 0, sizeof *r);
    int fd = wire_connect(port);
    ck_assert_msg(fd >= 0, "connect to port %u: %s", port, strerror(errno));
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    wire_send(fd, req, len);
    for (;;) {
        ck_assert_msg(r->len < sizeof r->data - 1, "more than %zu bytes answered",
                      sizeof r->data);
        ssize_t n = recv(fd, r->data + r->len, sizeof r->data - 1 - r->len, 0);
        if (n == 0) r->closed = true;
        if (n <= 0) break;
        r->len += (size_t)n;
    }
    r->data[r->len] = '\0';
    close(fd);
}
#define RAW(req, r) raw_exchange((req), sizeof(req) - 1, (r))

/* The value of header `name` in the head [head, end), or NULL. */
static const char *head_value(const char *head, const char *end, const char *name, char *buf,
                              size_t cap)
{
    size_t nl = strlen(name);
    for (const char *l = strstr(head, "\r\n"); l != NULL && l < end; l = strstr(l, "\r\n")) {
        l += 2;
        if (strncasecmp(l, name, nl) != 0 || l[nl] != ':') continue;
        const char *v = l + nl + 1;
        while (*v == ' ') v++;
        snprintf(buf, cap, "%.*s", (int)strcspn(v, "\r\n"), v);
        return buf;
    }
    return NULL;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Exactly one response, `status_line` with `body` and Connection: close, and then the end
 * of the stream: no second response (a smuggled request answered), no waiting for more. */
static void expect_refused(const raw_reply *r, const char *status_line, const char *body)
{
    const char *end = strstr(r->data, "\r\n\r\n");
    ck_assert_msg(end != NULL, "no response head; got '%s'", r->data);
    size_t sl = strcspn(r->data, "\r\n");
    ck_assert_msg(sl == strlen(status_line) && memcmp(r->data, status_line, sl) == 0,
                  "status line '%.*s', expected '%s'", (int)sl, r->data, status_line);
    char buf[64];
    const char *conn = head_value(r->data, end, "Connection", buf, sizeof buf);
    ck_assert_msg(conn != NULL && strcmp(conn, "close") == 0, "Connection: %s",
                  conn ? conn : "(none)");
    const char *ct = head_value(r->data, end, "Content-Type", buf, sizeof buf);
    ck_assert_msg(ct != NULL && strcmp(ct, "application/json") == 0, "Content-Type: %s",
                  ct ? ct : "(none)");
    const char *cl = head_value(r->data, end, "Content-Length", buf, sizeof buf);
    ck_assert_msg(cl != NULL && strtoul(cl, NULL, 10) == strlen(body), "Content-Length: %s",
                  cl ? cl : "(none)");
    const char *got = end + 4;
    size_t rest = r->len - (size_t)(got - r->data);
    ck_assert_msg(rest == strlen(body) && memcmp(got, body, rest) == 0,
                  "after the head:\n  got      '%s'\n  expected '%s' and nothing more", got,
                  body);
    ck_assert_msg(r->closed, "the connection stayed open after the refusal");
}

/* The server still answers a normal request, on a new connection. */
static void expect_still_serving(void)
{
    raw_reply r;
    RAW("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r);
    ck_assert_msg(starts(r.data, "HTTP/1.1 200 OK\r\n"), "after a refusal: '%s'",
                  r.data);
    const char *body = strstr(r.data, "\r\n\r\n");
    ck_assert_msg(body != NULL && strcmp(body + 4, "{\"message\":\"ok\"}") == 0, "body: %s",
                  body ? body + 4 : "(none)");
}

static const char bad_request[] = "{\"detail\":\"Bad Request\"}";
static const char not_implemented[] = "{\"detail\":\"Not Implemented\"}";

/* 1. The smuggling case: the first Content-Length says the body is empty, so a server
 * believing it would read the "body" as a second request and answer it. */
START_TEST(two_content_lengths)
{
    serve();
    raw_reply r;
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nContent-Length: 37\r\n\r\n"
        "GET /items/1 HTTP/1.1\r\nHost: a\r\n\r\n",
        &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    ck_assert_int_eq(atomic_load(&posted), 0);
    ck_assert_int_eq(atomic_load(&got_item), 0);
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
        &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    ck_assert_int_eq(atomic_load(&posted), 0);
    pthread_mutex_lock(&log_mu);
    ck_assert_msg(strstr(last_log, "400") && strstr(last_log, "Content-Length"), "log: %s",
                  last_log);
    pthread_mutex_unlock(&log_mu);
    expect_still_serving();
    unserve();
}
END_TEST

/* 2. */
START_TEST(content_length_and_transfer_encoding)
{
    serve();
    raw_reply r;
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
        "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("POST /items HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    ck_assert_int_eq(atomic_load(&posted), 0);
    expect_still_serving();
    unserve();
}
END_TEST

/* 3. Before: no answer at all, the body read until the client gave up. */
START_TEST(unknown_transfer_coding)
{
    serve();
    raw_reply r;
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n"
        "0\r\n\r\n",
        &r);
    expect_refused(&r, "HTTP/1.1 501 Not Implemented", not_implemented);
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        &r);
    expect_refused(&r, "HTTP/1.1 501 Not Implemented", not_implemented);
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n{}", &r);
    expect_refused(&r, "HTTP/1.1 501 Not Implemented", not_implemented);
    ck_assert_int_eq(atomic_load(&posted), 0);
    /* chunked alone, in any case, is still read */
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
        "Transfer-Encoding: CHUNKED\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        &r);
    ck_assert_msg(starts(r.data, "HTTP/1.1 200 OK\r\n"), "chunked: '%s'", r.data);
    ck_assert_msg(strstr(r.data, "\r\n\r\n{\"posted\":true}") != NULL, "chunked: '%s'", r.data);
    ck_assert_int_eq(atomic_load(&posted), 1);
    expect_still_serving();
    unserve();
}
END_TEST

/* 4. libmicrohttpd hands "Transfer-Encoding : chunked" over as the header
 * "Transfer-Encoding " (not the coding it frames by), and glues a folded line onto the
 * previous header's name: "X-A: 1\r\n folded" becomes "X-Afolded: 1", a valid name. */
START_TEST(header_names)
{
    serve();
    raw_reply r;
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n folded\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tfolded\r\n more\r\nX-B: 2\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nHost: a\r\n folded: x\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nHost: a\r\nX\001Y: 1\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    ck_assert_int_eq(atomic_load(&posted), 0);
    expect_still_serving();
    unserve();
}
END_TEST

/* 4b. Header values: a bare CR, or a NUL (which libmicrohttpd 0.9.75 would end the value
 * at, silently dropping the rest of the line), is refused, as uvicorn refuses them. Spaces
 * and tabs inside or around a value, other control characters and bytes >= 0x80 are not
 * (checked against uvicorn 0.51 with h11). */
START_TEST(header_values)
{
    serve();
    raw_reply r;
    RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\nX-B: 1\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nX-A: 1\r\nHost: a\0.evil\r\n\r\n", &r); /* the last line */
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 0\0 5\r\n\r\nabcde", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    ck_assert_int_eq(atomic_load(&posted), 0);
    RAW("GET /h HTTP/1.1\r\nHost: a\r\nX-Header-59: \t v\tw \xc3\xa9\x1b\x7f  \r\nConnection: close"
        "\r\nX-Last: z \t\n\n",
        &r);
    ck_assert_msg(starts(r.data, "HTTP/1.1 200 OK\r\n"), "spaces, tabs, obs-text: '%s'", r.data);
    ck_assert_msg(strstr(r.data, "{\"v\":\"v\\tw \xc3\xa9\\u001b\x7f\"}") != NULL, "the value: '%s'",
                  r.data);
    expect_still_serving();
    unserve();
}
END_TEST

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL; p = strstr(p + 1, needle)) n++;
    return n;
}

/* What libmicrohttpd 0.9.75 refuses before libkarak sees the request: a Content-Length that
 * is not a number (400) or beyond 64 bits (413), a chunk size of more than 16 hex digits
 * (413). Each is answered at once with exactly one response, and each closes the
 * connection: no handler runs and nothing after the head is read. The Content-Length ones
 * are libkarak's answers (libmicrohttpd would write its head twice), also as the second
 * request of a keep-alive connection; the chunk size one is libmicrohttpd's (HTML). */
START_TEST(libmicrohttpd_refusals)
{
    serve();
    static const struct {
        const char *req;
        const char *status_line;
        const char *body; /* the whole body, or NULL: libmicrohttpd's own */
    } rows[] = {
        {"POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n"
         "GET /items/666 HTTP/1.1\r\nHost: a\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n", "{\"detail\":\"Bad Request\"}"},
        {"POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
         "HTTP/1.1 400 Bad Request\r\n", "{\"detail\":\"Bad Request\"}"},
        {"POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
         "HTTP/1.1 413 Content Too Large\r\n", "{\"detail\":\"Content Too Large\"}"},
        {"GET /h HTTP/1.1\r\nHost: a\r\n\r\n"
         "POST /items HTTP/1.1\r\nHost: a\r\nContent-Length: -5\r\n\r\n",
         "HTTP/1.1 200 OK\r\n", "{\"detail\":\"Bad Request\"}"},
        {"POST /items HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
         "1ffffffffffffffff\r\nx\r\n0\r\n\r\n",
         "HTTP/1.1 413 ", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        raw_reply r;
        raw_exchange(rows[i].req, strlen(rows[i].req), &r);
        ck_assert_msg(starts(r.data, rows[i].status_line), "rows[%zu]: '%.200s'", i, r.data);
        ck_assert_msg(r.closed, "rows[%zu]: the connection stayed open", i);
        ck_assert_msg(strstr(r.data, "666") == NULL, "rows[%zu]: smuggled request answered", i);
        size_t want_heads = starts(rows[i].status_line, "HTTP/1.1 200") ? 2 : 1;
        ck_assert_msg(count_of(r.data, "HTTP/1.1 ") == want_heads,
                      "rows[%zu]: not one answer per request: '%.400s'", i, r.data);
        if (rows[i].body != NULL) {
            const char *last = strstr(r.data, "\r\n\r\n{\"detail\"");
            ck_assert_msg(last != NULL && strcmp(last + 4, rows[i].body) == 0 &&
                              strstr(r.data, "Connection: close\r\n") != NULL,
                          "rows[%zu]: '%.400s'", i, r.data);
        }
    }
    ck_assert_int_eq(atomic_load(&posted), 0);
    ck_assert_int_eq(atomic_load(&got_item), 0);
    expect_still_serving();
    unserve();
}
END_TEST

/* A well formed head of `lines` header lines (Host first, then an empty value, spaces
 * around a value, X-Header-<i> with long values), asking /h for X-Header-59. */
static size_t big_head(char *req, size_t cap, int lines)
{
    size_t n = (size_t)snprintf(req, cap, "GET /h HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n"
                                          "X-Spaced: \t  v  \r\nConnection: close\r\n");
    for (int i = 0; i < lines - 4; i++)
        n += (size_t)snprintf(req + n, cap - n, "X-Header-%d: %0*d\r\n", i, 100 + i, i);
    n += (size_t)snprintf(req + n, cap - n, "\r\n");
    ck_assert_uint_lt(n, cap - 1);
    return n;
}

/* A head that is well formed but large and varied is not mistaken for a folded one, on
 * either side of the count checked from the stack (64 lines). */
START_TEST(large_heads_pass)
{
    serve();
    static char req[24000];
    char want[256];
    snprintf(want, sizeof want, "\r\n\r\n{\"v\":\"%0*d\"}", 159, 59);
    static const int sizes[] = {64, 65, 120};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        raw_reply r;
        raw_exchange(req, big_head(req, sizeof req, sizes[i]), &r);
        ck_assert_msg(starts(r.data, "HTTP/1.1 200 OK\r\n") && strstr(r.data, want) != NULL,
                      "%d lines: '%.300s'", sizes[i], r.data);
    }
    /* keep-alive: two requests in one write, both answered */
    raw_reply r;
    RAW("GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /items/7 HTTP/1.1\r\nHost: a\r\nConnection: "
        "close\r\n\r\n",
        &r);
    ck_assert_msg(strstr(r.data, "{\"message\":\"ok\"}HTTP/1.1 200 OK\r\n") != NULL &&
                      strstr(r.data, "\r\n\r\n{\"id\":7}") != NULL,
                  "pipelined: '%s'", r.data);
    unserve();
}
END_TEST

/* A head too large for the stack whose list finds no memory cannot be checked: a 500 (the
 * arena allocations counted: the target copy, then the list), and the connection closes. */
START_TEST(large_head_out_of_memory)
{
    serve();
    static char req[24000];
    size_t n = big_head(req, sizeof req, 80);
    raw_reply r;
    kchaos_fail_after(1);
    raw_exchange(req, n, &r);
    ck_assert(kchaos_struck());
    kchaos_fail_after(-1);
    ck_assert_msg(starts(r.data, "HTTP/1.1 500 Internal Server Error\r\n"), "'%.300s'", r.data);
    const char *body = strstr(r.data, "\r\n\r\n");
    ck_assert_msg(body != NULL && strcmp(body + 4, "Internal Server Error") == 0, "'%s'", r.data);
    ck_assert(r.closed);
    expect_still_serving();
    unserve();
}
END_TEST

/* 5. */
START_TEST(host_and_method)
{
    serve();
    raw_reply r;
    RAW("GET / HTTP/1.1\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    /* HTTP/1.0 needs no Host */
    RAW("GET / HTTP/1.0\r\n\r\n", &r);
    ck_assert_msg(starts(r.data, "HTTP/1.1 200 OK\r\n"), "HTTP/1.0: '%s'", r.data);
    expect_still_serving();
    unserve();
}
END_TEST

/* 6. libmicrohttpd cuts the target at a NUL ("/items/1\0/../x" arrives as "/items/1") and
 * passes control characters and bytes >= 0x80 through. */
START_TEST(target_bytes)
{
    serve();
    raw_reply r;
    RAW("GET /items/1\0/../x HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET /items/1\001 HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET /items/\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET /items/1\x7f HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    RAW("GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", &r);
    expect_refused(&r, "HTTP/1.1 400 Bad Request", bad_request);
    ck_assert_int_eq(atomic_load(&got_item), 0);
    /* percent-encoded, the same bytes are fine */
    RAW("GET /items/1%00 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r);
    ck_assert_msg(starts(r.data, "HTTP/1.1 422 "), "%%00: '%s'", r.data);
    expect_still_serving();
    unserve();
}
END_TEST

/* 7. The slash redirect over the wire: an unusable Host gives way to the server's own
 * address; a valid one is kept; an empty '?' is dropped. */
START_TEST(redirect_location_wire)
{
    serve();
    char want[128], buf[256];
    snprintf(want, sizeof want, "http://127.0.0.1:%u/items/5", port);
    static const char *const hosts[] = {"evil.example\\@x", "exa_mple.com", "a/b", "u@a",
                                        "a b"};
    for (size_t i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        char req[256];
        int n = snprintf(req, sizeof req,
                         "GET /items/5/ HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n",
                         hosts[i]);
        raw_reply r;
        raw_exchange(req, (size_t)n, &r);
        const char *end = strstr(r.data, "\r\n\r\n");
        ck_assert_msg(end && starts(r.data, "HTTP/1.1 307 Temporary Redirect\r\n"),
                      "Host %s: '%s'", hosts[i], r.data);
        const char *loc = head_value(r.data, end, "Location", buf, sizeof buf);
        ck_assert_msg(loc && strcmp(loc, want) == 0, "Host %s: Location %s", hosts[i],
                      loc ? loc : "(none)");
    }
    raw_reply r;
    RAW("GET /items/5/? HTTP/1.1\r\nHost: Example.COM:8080\r\nConnection: close\r\n\r\n", &r);
    const char *loc = head_value(r.data, r.data + r.len, "Location", buf, sizeof buf);
    ck_assert_msg(loc && strcmp(loc, "http://Example.COM:8080/items/5") == 0, "Location %s",
                  loc ? loc : "(none)");
    unserve();
}
END_TEST

/* 7, through the test client: the same Location bytes as FastAPI's TestClient gets. */
static void expect_location(karak_client *cl, const char *target, const char *host,
                            const char *want)
{
    karak_reply *r =
        host ? karak_client_get(cl, target, .headers = (const char *const[]){"Host", host, NULL},
                                .no_redirects = true)
             : karak_client_get(cl, target, .no_redirects = true);
    ck_assert_ptr_nonnull(r);
    const char *loc = karak_reply_header(r, "location");
    ck_assert_msg(karak_reply_status(r) == 307 && loc != NULL && strcmp(loc, want) == 0,
                  "%s (Host %s): %d, Location %s, expected %s", target, host ? host : "-",
                  karak_reply_status(r), loc ? loc : "(none)", want);
    karak_reply_free(r);
}

START_TEST(redirect_location_client)
{
    karak_app *a = karak_new(.log = keep_log);
    karak_get(a, "/items/{item_id:int}", get_item);
    karak_client *cl = karak_client_new(a);
    ck_assert_ptr_nonnull(cl);
    expect_location(cl, "/items/5/", "evil.example\\@x", "http://testserver/items/5");
    expect_location(cl, "/items/5/", "exa_mple.com", "http://testserver/items/5");
    expect_location(cl, "/items/5/", "a\\b", "http://testserver/items/5");
    expect_location(cl, "/items/5/", "", "http://testserver/items/5");
    expect_location(cl, "/items/5/", "[::1]:8000", "http://[::1]:8000/items/5");
    expect_location(cl, "/items/5/?", NULL, "http://testserver/items/5");
    expect_location(cl, "/items/5/?a=1", NULL, "http://testserver/items/5?a=1");
    expect_location(cl, "/items/5/?", "Example.COM:8080", "http://Example.COM:8080/items/5");
    karak_client_free(cl);
    karak_app_free(a);
}
END_TEST

static Suite *framing_suite(void)
{
    Suite *s = suite_create("framing");
    TCase *unit = tcase_create("decisions");
    tcase_add_test(unit, framing_check_table);
    tcase_add_test(unit, host_ok_table);
    suite_add_tcase(s, unit);
    TCase *wire = tcase_create("wire");
    tcase_set_timeout(wire, 30);
    tcase_add_test(wire, two_content_lengths);
    tcase_add_test(wire, content_length_and_transfer_encoding);
    tcase_add_test(wire, unknown_transfer_coding);
    tcase_add_test(wire, header_names);
    tcase_add_test(wire, header_values);
    tcase_add_test(wire, libmicrohttpd_refusals);
    tcase_add_test(wire, large_heads_pass);
    tcase_add_test(wire, large_head_out_of_memory);
    tcase_add_test(wire, host_and_method);
    tcase_add_test(wire, target_bytes);
    tcase_add_test(wire, redirect_location_wire);
    tcase_add_test(wire, redirect_location_client);
    suite_add_tcase(s, wire);
    return s;
}

int main(void)
{
    return run_suite(framing_suite());
}
