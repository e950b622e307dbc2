/* Black-box HTTP: starts examples/quickstart on a free port and talks HTTP/1.1 to it over a
 * real socket: the Quick Start cases, keep-alive (several requests on one connection,
 * pipelining), HEAD, 413, Connection: close, and a clean exit on SIGTERM. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

typedef example_proc server;

static server srv;

static server start_server(void)
{
    return example_start(QUICKSTART_BIN);
}

static int stop_server(server *s)
{
    return example_stop(s);
}

static void suite_start(void)
{
    srv = start_server();
}

static void suite_stop(void)
{
    stop_server(&srv);
}

static int connect_server(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)srv.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static void send_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        ck_assert_int_gt(w, 0);
        s += w;
        n -= (size_t)w;
    }
}

typedef struct http_resp {
    int status;
    char head[2048];
    char body[4096];
    size_t body_len;
} http_resp;

static const char *header_of(const http_resp *r, const char *name)
{
    static __thread char value[256]; /* per thread: concurrent_clients */
    size_t nl = strlen(name);
    for (const char *line = strstr(r->head, "\r\n"); line != NULL; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ') v++;
            size_t vl = strcspn(v, "\r\n");
            snprintf(value, sizeof value, "%.*s", (int)vl, v);
            return value;
        }
    }
    return NULL;
}

/* Reads exactly one response (Content-Length framed) from fd; `head_only` for HEAD. */
static bool read_response(int fd, http_resp *r, bool head_only)
{
    static __thread char pending[8192];
    static __thread size_t npending;
    memset(r, 0, sizeof *r);
    for (;;) {
        pending[npending] = '\0';
        char *end = strstr(pending, "\r\n\r\n");
        if (end != NULL) {
            size_t head_len = (size_t)(end - pending) + 4;
            snprintf(r->head, sizeof r->head, "%.*s", (int)head_len, pending);
            const char *cl = header_of(r, "Content-Length");
            size_t body_len = head_only || cl == NULL ? 0 : strtoul(cl, NULL, 10);
            if (npending >= head_len + body_len) {
                memcpy(r->body, pending + head_len, body_len);
                r->body[body_len] = '\0';
                r->body_len = body_len;
                r->status = atoi(pending + 9);
                memmove(pending, pending + head_len + body_len, npending - head_len - body_len);
                npending -= head_len + body_len;
                return true;
            }
        }
        ssize_t n = read(fd, pending + npending, sizeof pending - 1 - npending);
        if (n <= 0) return false;
        npending += (size_t)n;
    }
}

static http_resp roundtrip(int fd, const char *request, bool head_only)
{
    http_resp r;
    send_all(fd, request, strlen(request));
    ck_assert_msg(read_response(fd, &r, head_only), "no response to %s", request);
    return r;
}

static const struct {
    const char *request;
    int status;
    const char *body;
} cases[] = {
    {"GET / HTTP/1.1\r\nHost: t\r\n\r\n", 200, "{\"message\":\"Hello, World!\"}"},
    {"GET /items/42 HTTP/1.1\r\nHost: t\r\n\r\n", 200, "{\"id\":42}"},
    {"GET /items/abc HTTP/1.1\r\nHost: t\r\n\r\n", 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input "
     "should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"}]}"},
    {"POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
     "Content-Length: 27\r\n\r\n{\"name\":\"pen\",\"price\":9.99}",
     200, "{\"name\":\"pen\",\"price\":9.99}"},
    {"POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
     "Content-Length: 17\r\n\r\n{\"price\":\"cheap\"}",
     422,
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\","
     "\"input\":{\"price\":\"cheap\"}},{\"type\":\"float_parsing\",\"loc\":[\"body\",\"price\"],"
     "\"msg\":\"Input should be a valid number, unable to parse string as a number\",\"input\":"
     "\"cheap\"}]}"},
    {"GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404, "{\"detail\":\"Not Found\"}"},
    {"DELETE /items/3 HTTP/1.1\r\nHost: t\r\n\r\n", 405, "{\"detail\":\"Method Not Allowed\"}"},
    {"GET /items/a%2Fb HTTP/1.1\r\nHost: t\r\n\r\n", 404, "{\"detail\":\"Not Found\"}"},
    {"GET /items/%2042 HTTP/1.1\r\nHost: t\r\n\r\n", 200, "{\"id\":42}"},
    {"POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
     "Transfer-Encoding: chunked\r\n\r\nc\r\n{\"name\":\"a\",\r\nc\r\n\"price\":1.5}\r\n0\r\n\r\n",
     200, "{\"name\":\"a\",\"price\":1.5}"},
};

START_TEST(quickstart_over_http)
{
    int fd = connect_server();
    http_resp r = roundtrip(fd, cases[_i].request, false);
    ck_assert_msg(r.status == cases[_i].status, "%s -> %d", cases[_i].request, r.status);
    ck_assert_str_eq(r.body, cases[_i].body);
    ck_assert_str_eq(header_of(&r, "Content-Type"), "application/json");
    ck_assert_ptr_null(header_of(&r, "Connection")); /* keep-alive is HTTP/1.1's default */
    close(fd);
}
END_TEST

START_TEST(keep_alive_and_pipelining)
{
    int fd = connect_server();
    for (int i = 0; i < 3; i++) {
        http_resp r = roundtrip(fd, "GET /items/7 HTTP/1.1\r\nHost: t\r\n\r\n", false);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.body, "{\"id\":7}");
    }
    /* two requests in one write: both answered, in order, on the same connection */
    static const char two[] =
        "GET /items/1 HTTP/1.1\r\nHost: t\r\n\r\nGET /items/2 HTTP/1.1\r\nHost: t\r\n\r\n";
    send_all(fd, two, sizeof two - 1);
    http_resp a, b;
    ck_assert(read_response(fd, &a, false));
    ck_assert(read_response(fd, &b, false));
    ck_assert_str_eq(a.body, "{\"id\":1}");
    ck_assert_str_eq(b.body, "{\"id\":2}");
    close(fd);
}
END_TEST

START_TEST(head_and_connection_close)
{
    int fd = connect_server();
    http_resp r = roundtrip(fd, "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n", true);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(header_of(&r, "Content-Length"), "27");
    r = roundtrip(fd, "GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", false);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(header_of(&r, "Connection"), "close");
    char c;
    ck_assert_int_eq(read(fd, &c, 1), 0); /* the server closed it */
    close(fd);
}
END_TEST

START_TEST(redirect_uses_host_header)
{
    int fd = connect_server();
    http_resp r = roundtrip(fd, "GET /items/5/?a=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
                            false);
    ck_assert_int_eq(r.status, 307);
    ck_assert_str_eq(header_of(&r, "Location"), "http://example.com:8080/items/5?a=1");
    ck_assert_str_eq(header_of(&r, "Content-Length"), "0");
    close(fd);
}
END_TEST

START_TEST(oversized_body_is_413)
{
    int fd = connect_server();
    http_resp r = roundtrip(fd,
                            "POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                            "Content-Length: 2000000\r\n\r\n",
                            false);
    ck_assert_int_eq(r.status, 413);
    ck_assert_str_eq(r.body, "{\"detail\":\"Content Too Large\"}");
    close(fd);
}
END_TEST

/* Several clients at once, each on its own keep-alive connection, mixing the routes: every
 * answer must be the right one (a TSan build of this test checks the worker threads). */
static void *client_thread(void *arg)
{
    long id = (long)arg;
    int fd = connect_server();
    long wrong = 0;
    for (int i = 0; i < 200; i++) {
        char req[256], want[64];
        http_resp r;
        if (i % 2 == 0) {
            snprintf(req, sizeof req, "GET /items/%ld HTTP/1.1\r\nHost: t\r\n\r\n",
                     id * 1000 + i);
            snprintf(want, sizeof want, "{\"id\":%ld}", id * 1000 + i);
        } else {
            snprintf(want, sizeof want, "{\"name\":\"t%ld\",\"price\":%d.5}", id, i);
            snprintf(req, sizeof req,
                     "POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(want), want);
        }
        send_all(fd, req, strlen(req));
        if (!read_response(fd, &r, false) || strcmp(r.body, want) != 0) wrong++;
    }
    close(fd);
    return (void *)wrong;
}

START_TEST(concurrent_clients)
{
    pthread_t t[6];
    for (long i = 0; i < 6; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, client_thread, (void *)i), 0);
    long wrong = 0;
    for (int i = 0; i < 6; i++) {
        void *w;
        pthread_join(t[i], &w);
        wrong += (long)w;
    }
    ck_assert_int_eq(wrong, 0);
}
END_TEST

/* A chunked body has no announced length: the server counts, and at the limit answers 413
 * and closes, reading nothing more (of the 64 MiB offered, the write fails long before the
 * end); a new connection is served as usual. */
START_TEST(oversized_chunked_body_is_413)
{
    int fd = connect_server();
    static const char head[] = "POST /items HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                               "Transfer-Encoding: chunked\r\n\r\n";
    send_all(fd, head, sizeof head - 1);
    static char chunk[65536 + 16];
    int n = snprintf(chunk, sizeof chunk, "10000\r\n");
    memset(chunk + n, 'a', 65536);
    memcpy(chunk + n + 65536, "\r\n", 2);
    size_t sent = 0, offered = 0;
    bool refused = false;
    for (int i = 0; i < 1024 && !refused; i++) { /* 64 MiB */
        offered += (size_t)n + 65536 + 2;
        for (size_t off = 0; off < (size_t)n + 65536 + 2;) {
            ssize_t w = send(fd, chunk + off, (size_t)n + 65536 + 2 - off, MSG_NOSIGNAL);
            if (w <= 0) {
                refused = true;
                break;
            }
            off += (size_t)w;
            sent += (size_t)w;
        }
    }
    ck_assert_msg(refused, "all %zu bytes were read", offered);
    ck_assert_uint_lt(sent, 16u * 1024 * 1024);
    http_resp r;
    ck_assert(read_response(fd, &r, false));
    ck_assert_int_eq(r.status, 413);
    ck_assert_str_eq(r.body, "{\"detail\":\"Content Too Large\"}");
    ck_assert_str_eq(header_of(&r, "Connection"), "close");
    ck_assert_str_eq(header_of(&r, "Content-Type"), "application/json");
    char c;
    ck_assert_int_le(read(fd, &c, 1), 0); /* closed */
    close(fd);
    fd = connect_server();
    r = roundtrip(fd, "GET /items/9 HTTP/1.1\r\nHost: t\r\n\r\n", false);
    ck_assert_str_eq(r.body, "{\"id\":9}");
    close(fd);
}
END_TEST

START_TEST(sigterm_exits_cleanly)
{
    server s = start_server();
    ck_assert_int_eq(stop_server(&s), 0);
}
END_TEST

/* The flags without a value: a second Quick Start binds the first one's port with
 * --reuse-port (without it the bind fails and it exits 1), --no-memo among them, and both
 * answer there. */
START_TEST(flags_without_a_value)
{
    server a = example_start_argv(QUICKSTART_BIN, (const char *const[]){"--reuse-port", NULL});
    char port[16];
    snprintf(port, sizeof port, "%u", a.port);
    server b = example_start_argv(
        QUICKSTART_BIN, (const char *const[]){"--no-memo", "--reuse-port", "--port", port, NULL});
    ck_assert_uint_eq(b.port, a.port);
    for (int i = 0; i < 8; i++) {
        wire_reply r;
        wire_exchange(a.port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", false, &r);
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.body, "{\"message\":\"Hello, World!\"}");
        wire_reply_clear(&r);
    }
    ck_assert_int_eq(stop_server(&b), 0);
    ck_assert_int_eq(stop_server(&a), 0);
}
END_TEST

static void send_sigterm(void *arg)
{
    kill(((server *)arg)->pid, SIGTERM);
}

/* SIGTERM while 50 keep-alive connections are busy: every request written is answered,
 * each connection ends after a response saying Connection: close (or idle), and the
 * process exits 0. */
START_TEST(sigterm_drains_under_load)
{
    server s = start_server();
    wire_load_result w;
    wire_load((unsigned)s.port, 50, "GET /items/7 HTTP/1.1\r\nHost: t\r\n\r\n", 300,
              send_sigterm, &s, 10000, &w);
    fprintf(stderr, "test_http: SIGTERM under load: %lu sent, %lu answered (%lu with "
                    "Connection: close); %u ended idle, %u lost, %u still open\n",
            w.sent, w.answered, w.said_close, w.ended_idle, w.ended_waiting, w.still_open);
    ck_assert_uint_gt(w.sent, 100);
    ck_assert_uint_eq(w.ended_waiting, 0);
    ck_assert_uint_eq(w.still_open, 0);
    ck_assert_uint_eq(w.answered, w.sent);
    ck_assert_uint_eq(w.said_close + w.ended_idle, 50);
    int st = -1;
    bool exited = false;
    for (int i = 0; i < 1000 && !exited; i++) {
        exited = waitpid(s.pid, &st, WNOHANG) == s.pid;
        if (!exited) usleep(10000);
    }
    if (!exited) {
        kill(s.pid, SIGKILL);
        waitpid(s.pid, NULL, 0);
    }
    close(s.err_fd);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exit status %d", st);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http");
    TCase *tc = tcase_create("quickstart");
    tcase_add_unchecked_fixture(tc, suite_start, suite_stop);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, quickstart_over_http, 0, (int)(sizeof cases / sizeof *cases));
    tcase_add_test(tc, keep_alive_and_pipelining);
    tcase_add_test(tc, head_and_connection_close);
    tcase_add_test(tc, redirect_uses_host_header);
    tcase_add_test(tc, oversized_body_is_413);
    tcase_add_test(tc, oversized_chunked_body_is_413);
    tcase_add_test(tc, concurrent_clients);
    suite_add_tcase(s, tc);
    TCase *life = tcase_create("lifecycle");
    tcase_set_timeout(life, 30);
    tcase_add_test(life, sigterm_exits_cleanly);
    tcase_add_test(life, flags_without_a_value);
    tcase_add_test(life, sigterm_drains_under_load);
    suite_add_tcase(s, life);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    return run_suite(http_suite());
}
