#define _GNU_SOURCE
#include "testutil.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

void expect_response(karak_reply *r, int status, const char *body, const char *where)
{
    ck_assert_msg(r != NULL, "%s: no response", where);
    size_t len = 0;
    const char *got = karak_reply_body(r, &len);
    ck_assert_msg(karak_reply_status(r) == status, "%s: status %d, expected %d; body %s", where,
                  karak_reply_status(r), status, got);
    if (body != NULL)
        ck_assert_msg(len == strlen(body) && memcmp(got, body, len) == 0,
                      "%s:\n  got      %s\n  expected %s", where, got, body);
    karak_reply_free(r);
}

int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* ---- HTTP/1.1 over a socket ---- */

int wire_connect(unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

void wire_send(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, data, len, MSG_NOSIGNAL);
        ck_assert_msg(w > 0, "send: %s", strerror(errno));
        data += w;
        len -= (size_t)w;
    }
}

/* A growing buffer of received bytes. */
typedef struct rbuf {
    char *data;
    size_t len, cap;
} rbuf;

/* Reads more bytes; false at the end of the stream or on an error. */
static bool rbuf_fill(int fd, rbuf *b)
{
    if (b->cap - b->len < 4097) {
        size_t cap = b->cap ? b->cap * 2 : 8192;
        char *d = realloc(b->data, cap);
        ck_assert_ptr_nonnull(d);
        b->data = d;
        b->cap = cap;
    }
    ssize_t n = recv(fd, b->data + b->len, b->cap - b->len - 1, 0);
    if (n <= 0) return false;
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    return true;
}

const char *wire_header(const wire_reply *r, const char *name, size_t n, char *buf, size_t cap)
{
    size_t nl = strlen(name);
    for (const char *line = strstr(r->head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, nl) != 0 || line[nl] != ':') continue;
        if (n-- > 0) continue;
        const char *v = line + nl + 1;
        while (*v == ' ' || *v == '\t') v++;
        size_t vl = strcspn(v, "\r\n");
        while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
        snprintf(buf, cap, "%.*s", (int)vl, v);
        return buf;
    }
    return NULL;
}

bool wire_read(int fd, wire_reply *r, bool head_only)
{
    memset(r, 0, sizeof *r);
    rbuf b = {0};
    char *end = NULL;
    while (b.data == NULL || (end = strstr(b.data, "\r\n\r\n")) == NULL)
        if (!rbuf_fill(fd, &b)) {
            free(b.data);
            return false;
        }
    size_t head_len = (size_t)(end - b.data);
    r->head = strndup(b.data, head_len + 2); /* the last line keeps its "\r\n" */
    ck_assert_ptr_nonnull(r->head);
    r->status = strncmp(b.data, "HTTP/1.", 7) == 0 ? atoi(b.data + 9) : 0;
    char cl[32];
    bool no_body = head_only || (r->status >= 100 && r->status < 200) || r->status == 204 ||
                   r->status == 304;
    const char *len = no_body ? NULL : wire_header(r, "Content-Length", 0, cl, sizeof cl);
    size_t start = head_len + 4;
    bool ok = true;
    if (no_body) {
        r->body_len = 0;
    } else if (len != NULL) {
        r->body_len = strtoul(len, NULL, 10);
        while (ok && b.len < start + r->body_len) ok = rbuf_fill(fd, &b);
    } else {
        while (rbuf_fill(fd, &b)) continue;
        r->body_len = b.len - start;
    }
    if (ok) {
        r->body = malloc(r->body_len + 1);
        ck_assert_ptr_nonnull(r->body);
        memcpy(r->body, b.data + start, r->body_len);
        r->body[r->body_len] = '\0';
    } else {
        wire_reply_clear(r);
    }
    free(b.data);
    return ok;
}

void wire_reply_clear(wire_reply *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof *r);
}

void wire_exchange(unsigned port, const char *raw, bool head_only, wire_reply *r)
{
    int fd = wire_connect(port);
    ck_assert_msg(fd >= 0, "connect to port %u: %s", port, strerror(errno));
    wire_send(fd, raw, strlen(raw));
    ck_assert_msg(wire_read(fd, r, head_only), "no response to %s", raw);
    close(fd);
}

/* Appends printf-style text to a malloc'd string. */
__attribute__((format(printf, 3, 4))) static void append(char **s, size_t *len,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    ck_assert_int_ge(n, 0);
    char *d = realloc(*s, *len + (size_t)n + 1);
    ck_assert_ptr_nonnull(d);
    va_start(ap, fmt);
    vsnprintf(d + *len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    *s = d;
    *len += (size_t)n;
}

static bool has_header(const char *const *h, const char *name)
{
    for (; h != NULL && h[0] != NULL && h[1] != NULL; h += 2)
        if (strcasecmp(h[0], name) == 0) return true;
    return false;
}

/* One request on its own connection, no redirects; without its body when !with_body (its
 * Content-Type stays, as httpx keeps it on a redirect that turns the method into GET). */
static void wire_once(unsigned port, const char *method, const char *target,
                      const karak_request_opts *o, bool with_body, wire_reply *out)
{
    const char *body = !with_body ? NULL : o->json ? o->json : (const char *)o->body;
    size_t body_len = 0; /* as the test client counts it */
    if (o->json != NULL) body_len = strlen(o->json);
    else if (body != NULL) body_len = o->body_len ? o->body_len : strlen(body);
    char *req = NULL;
    size_t len = 0;
    append(&req, &len, "%s %s HTTP/1.1\r\n", method, target);
    for (const char *const *h = o->headers; h != NULL && h[0] != NULL && h[1] != NULL; h += 2)
        append(&req, &len, "%s: %s\r\n", h[0], h[1]);
    if (!has_header(o->headers, "host")) append(&req, &len, "host: testserver\r\n");
    if (!has_header(o->headers, "user-agent")) append(&req, &len, "user-agent: testclient\r\n");
    if (o->json != NULL && !has_header(o->headers, "content-type"))
        append(&req, &len, "content-type: application/json\r\n");
    if (body != NULL) append(&req, &len, "Content-Length: %zu\r\n", body_len);
    append(&req, &len, "\r\n");
    int fd = wire_connect(port);
    ck_assert_msg(fd >= 0, "connect to port %u: %s", port, strerror(errno));
    wire_send(fd, req, len);
    if (body != NULL) wire_send(fd, body, body_len);
    ck_assert_msg(wire_read(fd, out, strcmp(method, "HEAD") == 0),
                  "no response over the socket to %s", req);
    close(fd);
    free(req);
}

void wire_request(unsigned port, const char *method, const char *target,
                  const karak_request_opts *user, wire_reply *out)
{
    karak_request_opts o = {0};
    if (user != NULL)
        memcpy(&o, user,
               user->struct_size && user->struct_size < sizeof o ? user->struct_size : sizeof o);
    char *owned = strdup(target);
    ck_assert_ptr_nonnull(owned);
    bool with_body = true;
    for (int hop = 0;; hop++) {
        wire_once(port, method, owned, &o, with_body, out);
        char loc[1024];
        int st = out->status;
        if ((st != 301 && st != 302 && st != 303 && st != 307 && st != 308) || o.no_redirects ||
            hop >= 20 || wire_header(out, "Location", 0, loc, sizeof loc) == NULL)
            break;
        /* httpx: 302 and 303 turn every method but HEAD into GET, 301 a POST; a GET made
           so goes without the body */
        if (((st == 302 || st == 303) && strcmp(method, "HEAD") != 0) ||
            (st == 301 && strcmp(method, "POST") == 0)) {
            if (strcmp(method, "GET") != 0) with_body = false;
            method = "GET";
        }
        /* "http://testserver/items/5?a=1" -> "/items/5?a=1" */
        const char *p = strstr(loc, "://");
        p = p == NULL ? loc : strchr(p + 3, '/') ? strchr(p + 3, '/') : "/";
        free(owned);
        owned = strdup(p);
        ck_assert_ptr_nonnull(owned);
        wire_reply_clear(out);
    }
    free(owned);
}

typedef struct load_conn {
    int fd;
    char buf[8192];
    size_t len;
    bool waiting; /* a request written, its response not complete */
    bool closing; /* the last response said Connection: close */
} load_conn;

long long test_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void load_send(load_conn *c, const char *request, wire_load_result *out)
{
    size_t n = strlen(request);
    ck_assert_msg(send(c->fd, request, n, MSG_NOSIGNAL) == (ssize_t)n,
                  "a short write of a small request");
    c->waiting = true;
    out->sent++;
}

/* A complete response at the start of c->buf: consumed; false while it is incomplete. */
static bool load_response(load_conn *c, wire_load_result *out)
{
    c->buf[c->len] = '\0';
    char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL) return false;
    *end = '\0';
    const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
    size_t body = cl ? strtoul(cl + 17, NULL, 10) : 0;
    size_t total = (size_t)(end - c->buf) + 4 + body;
    if (c->len < total) {
        *end = '\r';
        return false;
    }
    if (strcasestr(c->buf, "\r\nConnection: close") != NULL) {
        c->closing = true;
        out->said_close++;
    }
    memmove(c->buf, c->buf + total, c->len - total);
    c->len -= total;
    c->waiting = false;
    out->answered++;
    return true;
}

/* What arrived on c; false once the connection has ended. */
static bool load_read(load_conn *c, const char *request, wire_load_result *out)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - 1 - c->len, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return true;
    if (n <= 0) {
        if (c->waiting) out->ended_waiting++;
        else if (!c->closing) out->ended_idle++;
        close(c->fd);
        c->fd = -1;
        return false;
    }
    c->len += (size_t)n;
    while (load_response(c, out)) {}
    if (!c->waiting && !c->closing) load_send(c, request, out);
    return true;
}

void wire_load(unsigned port, unsigned nconns, const char *request, unsigned trigger_ms,
               void (*trigger)(void *), void *arg, unsigned timeout_ms, wire_load_result *out)
{
    memset(out, 0, sizeof *out);
    load_conn *conns = calloc(nconns, sizeof *conns);
    struct pollfd *p = calloc(nconns, sizeof *p);
    ck_assert(conns != NULL && p != NULL);
    for (unsigned i = 0; i < nconns; i++) {
        conns[i].fd = wire_connect(port);
        ck_assert_msg(conns[i].fd >= 0, "connect: %s", strerror(errno));
        load_send(&conns[i], request, out);
    }
    long long start = test_now_ms();
    bool triggered = trigger == NULL;
    unsigned open = nconns;
    while (open > 0 && test_now_ms() - start < (long long)timeout_ms) {
        if (!triggered && test_now_ms() - start >= (long long)trigger_ms) {
            trigger(arg);
            triggered = true;
        }
        unsigned np = 0;
        for (unsigned i = 0; i < nconns; i++)
            if (conns[i].fd >= 0) p[np++] = (struct pollfd){.fd = conns[i].fd, .events = POLLIN};
        if (poll(p, np, 10) <= 0) continue;
        for (unsigned i = 0, j = 0; i < nconns; i++) {
            if (conns[i].fd < 0) continue;
            if (p[j++].revents != 0 && !load_read(&conns[i], request, out)) open--;
        }
    }
    for (unsigned i = 0; i < nconns; i++)
        if (conns[i].fd >= 0) {
            out->still_open++;
            close(conns[i].fd);
        }
    free(conns);
    free(p);
}

karak_server *test_server_start(karak_app *app)
{
    karak_server *srv = NULL;
    karak_server_opts opts = {.port = KARAK_PORT_ANY, .workers = 2, .struct_size = sizeof opts};
    int rc = karak_server_start(app, &opts, &srv);
    ck_assert_msg(rc == 0, "karak_server_start: %s", karak_strerror(rc));
    ck_assert_ptr_nonnull(srv);
    ck_assert_uint_gt(karak_server_port(srv), 0);
    return srv;
}

void test_server_stop(karak_server *srv)
{
    if (srv == NULL) return;
    ck_assert_int_eq(karak_server_stop(srv, 1000), 0);
    karak_server_free(srv);
}

karak_client *test_client_open(karak_app *app)
{
    ck_assert_ptr_null(karak_app_error(app));
    karak_client *client = karak_client_new(app);
    ck_assert_ptr_nonnull(client);
    return client;
}

void test_serve(karak_app *app, karak_server **server, unsigned *port)
{
    *server = test_server_start(app);
    *port = karak_server_port(*server);
}

void test_fixture_close(karak_app **app, karak_client **client, karak_server **server)
{
    test_server_stop(*server);
    *server = NULL;
    karak_client_free(*client);
    *client = NULL;
    karak_app_free(*app);
    *app = NULL;
}

karak_reply *both_request(karak_client *client, unsigned port, const char *method,
                          const char *target, const karak_request_opts *o)
{
    return both_request_at(NULL, client, port, method, target, o);
}

karak_reply *both_request_at(const char *where, karak_client *client, unsigned port,
                             const char *method, const char *target,
                             const karak_request_opts *o)
{
    const char *sep = where != NULL ? ": " : "";
    if (where == NULL) where = "";
    karak_reply *r = karak_client_request(client, method, target, o);
    ck_assert_msg(r != NULL, "%s%s%s %s: no in-process response", where, sep, method, target);
    wire_reply w;
    wire_request(port, method, target, o, &w);
    size_t len = 0;
    const char *body = karak_reply_body(r, &len);
    ck_assert_msg(w.status == karak_reply_status(r),
                  "%s%s%s %s: status %d over the socket, %d in-process", where, sep, method,
                  target, w.status, karak_reply_status(r));
    ck_assert_msg(w.body_len == len && memcmp(w.body, body, len) == 0,
                  "%s%s%s %s: body over the socket differs:\n  socket     %s\n  in-process %s",
                  where, sep, method, target, w.body, body);
    for (size_t i = 0; i < karak_reply_header_count(r); i++) {
        karak_pair h;
        ck_assert(karak_reply_header_at(r, i, &h));
        size_t nth = 0; /* a repeated header: compare occurrence by occurrence */
        for (size_t j = 0; j < i; j++) {
            karak_pair p;
            karak_reply_header_at(r, j, &p);
            if (strcasecmp(p.name, h.name) == 0) nth++;
        }
        char buf[1024];
        const char *v = wire_header(&w, h.name, nth, buf, sizeof buf);
        ck_assert_msg(v != NULL && strcmp(v, h.value) == 0,
                      "%s%s%s %s: header %s is '%s' over the socket, '%s' in-process", where,
                      sep, method, target, h.name, v ? v : "(none)", h.value);
    }
    wire_reply_clear(&w);
    return r;
}

/* ---- example programs ---- */

/* Reads from fd until `needle` shows up in what was read, or the deadline passes. */
static bool read_until(int fd, const char *needle, char *buf, size_t cap, int timeout_ms)
{
    size_t len = strlen(buf);
    while (strstr(buf, needle) == NULL) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0 || len + 1 >= cap) return false;
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n <= 0) return false;
        len += (size_t)n;
        buf[len] = '\0';
    }
    return true;
}

example_proc example_start(const char *bin)
{
    return example_start_argv(bin, NULL);
}

example_proc example_start_argv(const char *bin, const char *const *extra)
{
    const char *argv[16] = {bin, "--port", "0", "--workers", "2"};
    size_t argc = 5;
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++) {
        ck_assert_uint_lt(argc + 1, sizeof argv / sizeof *argv);
        argv[argc++] = extra[i];
    }
    argv[argc] = NULL;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    char buf[512] = "";
    bool started = read_until(fds[0], "\n", buf, sizeof buf, 10000) &&
                   strstr(buf, "serving on http://127.0.0.1:") != NULL;
    if (!started) {
        /* a server left running would hold ctest's output pipe open until its timeout */
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    ck_assert_msg(started, "%s did not start: %s", bin, buf);
    example_proc p = {.pid = pid, .err_fd = fds[0]};
    p.port = (unsigned)atoi(strstr(buf, "127.0.0.1:") + 10);
    ck_assert_uint_gt(p.port, 0);
    return p;
}

int example_stop(example_proc *p)
{
    kill(p->pid, SIGTERM);
    for (int i = 0; i < 1000; i++) {
        int st;
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) {
            close(p->err_fd);
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        usleep(10000);
    }
    kill(p->pid, SIGKILL);
    waitpid(p->pid, NULL, 0);
    close(p->err_fd);
    return -1;
}

void wire_expect_case(unsigned port, const wire_case *c, const char *where)
{
    wire_reply r;
    wire_request(port, c->method, c->target,
                 &(const karak_request_opts){.headers = c->headers,
                                             .json = c->json,
                                             .struct_size = sizeof(karak_request_opts)},
                 &r);
    ck_assert_msg(r.status == c->status, "%s: status %d, expected %d; body %s", where, r.status,
                  c->status, r.body);
    ck_assert_msg(strcmp(r.body, c->body) == 0, "%s: body\n  %s\nexpected\n  %s", where, r.body,
                  c->body);
    char buf[256];
    bool wants_type = false;
    for (size_t i = 0; c->want != NULL && c->want[i] != NULL; i += 2) {
        const char *got = wire_header(&r, c->want[i], 0, buf, sizeof buf);
        ck_assert_msg(got != NULL && strcmp(got, c->want[i + 1]) == 0,
                      "%s: %s is '%s', expected '%s'", where, c->want[i], got ? got : "(none)",
                      c->want[i + 1]);
        wants_type |= strcmp(c->want[i], "content-type") == 0;
    }
    if (!wants_type)
        ck_assert_msg(wire_header(&r, "content-type", 0, buf, sizeof buf) == NULL,
                      "%s: unexpected Content-Type %s", where, buf);
    wire_reply_clear(&r);
}

void wire_expect_table(unsigned port, const wire_case *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char where[160];
        snprintf(where, sizeof where, "row %zu (%s %s)", i, rows[i].method, rows[i].target);
        wire_expect_case(port, &rows[i], where);
    }
}
