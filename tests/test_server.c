/* The server handle: karak_server_start/_port/_stop/_free against in-process apps, talked
 * to over real sockets on 127.0.0.1: several servers in one process, the log callback,
 * start errors (HTTPS options among them), graceful and cut stops, karak_defer on the
 * server path, the request's headers as the client sent them, its body as a C string, and
 * a 500 (never a dropped connection) for a header libmicrohttpd refuses or when memory
 * runs out; the kept responses of routes that read nothing (memo.c), and that an answer
 * that changes is never answered with the kept one. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"
#include "testutil.h"
#include "util/util.h"

#define OPTS(...) (&(karak_server_opts){__VA_ARGS__, .struct_size = sizeof(karak_server_opts)})

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) continue;
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits up to 5 s for *flag to reach `value`. */
static bool wait_for(atomic_int *flag, int value)
{
    for (int i = 0; i < 5000 && atomic_load(flag) < value; i++) sleep_ms(1);
    return atomic_load(flag) >= value;
}

/* Asserts that nothing listens on the port any more. */
static void expect_refused(unsigned port)
{
    int fd = wire_connect(port);
    int err = errno;
    if (fd >= 0) close(fd);
    ck_assert_msg(fd < 0 && err == ECONNREFUSED, "port %u still accepts connections", port);
}

/* ---- two apps, two servers ---- */

static karak_result app_a(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "app", "a"));
}

static karak_result app_b(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "app", "b"));
}

static void expect_get(unsigned port, const char *path, int status, const char *body)
{
    char raw[256];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    wire_reply r;
    wire_exchange(port, raw, false, &r);
    ck_assert_msg(r.status == status, "GET %s on %u: status %d, expected %d", path, port,
                  r.status, status);
    ck_assert_str_eq(r.body, body);
    char ct[64];
    ck_assert_str_eq(wire_header(&r, "Content-Type", 0, ct, sizeof ct), "application/json");
    wire_reply_clear(&r);
}

START_TEST(two_servers_in_one_process)
{
    karak_app *a = karak_new(.title = "A");
    karak_app *b = karak_new(.title = "B");
    ck_assert_int_eq(karak_get(a, "/a", app_a), 0);
    ck_assert_int_eq(karak_get(b, "/b", app_b), 0);
    karak_server *sa = NULL, *sb = NULL;
    ck_assert_int_eq(karak_server_start(a, OPTS(.port = KARAK_PORT_ANY, .workers = 2), &sa), 0);
    ck_assert_int_eq(karak_server_start(b, OPTS(.port = KARAK_PORT_ANY, .workers = 1), &sb), 0);
    unsigned pa = karak_server_port(sa), pb = karak_server_port(sb);
    ck_assert_uint_gt(pa, 0);
    ck_assert_uint_gt(pb, 0);
    ck_assert_uint_ne(pa, pb);

    expect_get(pa, "/a", 200, "{\"app\":\"a\"}");
    expect_get(pb, "/b", 200, "{\"app\":\"b\"}");
    expect_get(pa, "/b", 404, "{\"detail\":\"Not Found\"}");
    expect_get(pb, "/a", 404, "{\"detail\":\"Not Found\"}");

    ck_assert_int_eq(karak_server_stop(sa, 1000), 0);
    expect_refused(pa);
    expect_get(pb, "/b", 200, "{\"app\":\"b\"}"); /* the other one still serves */
    ck_assert_int_eq(karak_server_stop(sb, 1000), 0);
    expect_refused(pb);
    ck_assert_int_eq(karak_server_stop(sa, 1000), 0); /* a second stop is a no-op */
    ck_assert_int_eq(karak_server_stop(sb, 0), 0);
    ck_assert_uint_eq(karak_server_port(sa), pa);
    karak_server_free(sa);
    karak_server_free(sb);
    karak_app_free(a);
    karak_app_free(b);

    ck_assert_int_eq(karak_server_stop(NULL, 0), 0);
    ck_assert_uint_eq(karak_server_port(NULL), 0);
    karak_server_free(NULL);
}
END_TEST

START_TEST(free_stops_a_running_server)
{
    karak_app *a = karak_new();
    karak_get(a, "/a", app_a);
    karak_server *s = test_server_start(a);
    unsigned port = karak_server_port(s);
    int idle = wire_connect(port); /* an idle connection does not keep it alive */
    ck_assert_int_ge(idle, 0);
    expect_get(port, "/a", 200, "{\"app\":\"a\"}");
    karak_server_free(s);
    expect_refused(port);
    char c;
    ck_assert_int_le(recv(idle, &c, 1, 0), 0);
    close(idle);
    karak_app_free(a);
}
END_TEST

/* ---- the log callback ---- */

typedef struct logcap {
    pthread_mutex_t mu;
    int n;
    karak_log_level level[8];
    char msg[8][512];
} logcap;

static void capture_log(void *data, karak_log_level level, const char *msg)
{
    logcap *l = data;
    pthread_mutex_lock(&l->mu);
    if (l->n < 8) {
        l->level[l->n] = level;
        snprintf(l->msg[l->n], sizeof l->msg[l->n], "%s", msg);
        l->n++;
    }
    pthread_mutex_unlock(&l->mu);
}

/* stderr into a temporary file while a test runs: the log must not write there. */
static int saved_stderr = -1;
static FILE *stderr_file;

static void stderr_capture(void)
{
    fflush(stderr);
    stderr_file = tmpfile();
    ck_assert_ptr_nonnull(stderr_file);
    saved_stderr = dup(STDERR_FILENO);
    dup2(fileno(stderr_file), STDERR_FILENO);
}

/* Restores stderr; returns what was written to it (static buffer). */
static const char *stderr_release(void)
{
    static char text[4096];
    fflush(stderr);
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    rewind(stderr_file);
    size_t n = fread(text, 1, sizeof text - 1, stderr_file);
    text[n] = '\0';
    fclose(stderr_file);
    return text;
}

START_TEST(log_goes_to_the_callback)
{
    static logcap log = {.mu = PTHREAD_MUTEX_INITIALIZER};
    karak_app *a = karak_new();
    karak_get(a, "/a", app_a);
    karak_app *b = karak_new(.log = capture_log, .log_data = &log);
    karak_get(b, "/b", app_b);
    stderr_capture();
    karak_server *sa = test_server_start(a);
    unsigned port = karak_server_port(sa);
    karak_server *sb = (karak_server *)&log; /* must be reset to NULL */
    int rc = karak_server_start(b, OPTS(.host = "127.0.0.1", .port = port), &sb);
    ck_assert_int_eq(karak_server_stop(sa, 1000), 0);
    karak_server_free(sa);
    const char *err = stderr_release();

    ck_assert_int_eq(rc, KARAK_ESYSTEM);
    ck_assert_ptr_null(sb);
    ck_assert_str_eq(err, "");
    ck_assert_int_eq(log.n, 1);
    ck_assert_int_eq(log.level[0], KARAK_LOG_ERROR);
    char want[128];
    snprintf(want, sizeof want, "cannot listen on 127.0.0.1:%u: %s", port, strerror(EADDRINUSE));
    ck_assert_str_eq(log.msg[0], want);

    /* the port is free again: the same app can now serve there */
    ck_assert_int_eq(karak_server_start(b, OPTS(.port = port), &sb), 0);
    ck_assert_uint_eq(karak_server_port(sb), port);
    expect_get(port, "/b", 200, "{\"app\":\"b\"}");
    ck_assert_int_eq(karak_server_stop(sb, 1000), 0);
    karak_server_free(sb);
    ck_assert_int_eq(log.n, 1); /* starting and stopping log nothing */
    karak_app_free(a);
    karak_app_free(b);
}
END_TEST

START_TEST(libmicrohttpd_errors_go_to_the_callback)
{
    static logcap log = {.mu = PTHREAD_MUTEX_INITIALIZER};
    karak_app *a = karak_new(.log = capture_log, .log_data = &log);
    karak_get(a, "/a", app_a);
    stderr_capture();
    karak_server *s = test_server_start(a);
    wire_reply r;
    /* a header line without a colon: libmicrohttpd rejects the request itself */
    wire_exchange(karak_server_port(s), "GET /a HTTP/1.1\r\nHost: t\r\nno colon\r\n\r\n",
                  false, &r);
    int status = r.status;
    wire_reply_clear(&r);
    ck_assert_int_eq(karak_server_stop(s, 1000), 0);
    karak_server_free(s);
    const char *err = stderr_release();
    ck_assert_int_eq(status, 400);
    ck_assert_str_eq(err, "");
    ck_assert_int_ge(log.n, 1);
    bool found = false;
    for (int i = 0; i < log.n; i++) {
        ck_assert_int_eq(log.level[i], KARAK_LOG_WARN);
        ck_assert_msg(strncmp(log.msg[i], "libmicrohttpd: ", 15) == 0, "%s", log.msg[i]);
        size_t n = strlen(log.msg[i]);
        ck_assert_msg(n > 15 && log.msg[i][n - 1] != '\n', "%s", log.msg[i]);
        if (strstr(log.msg[i], "400") != NULL) found = true;
    }
    ck_assert_msg(found, "no log line names the 400: %s", log.msg[0]);
    karak_app_free(a);
}
END_TEST

/* ---- start errors ---- */

START_TEST(start_errors)
{
    karak_server *s = NULL;
    karak_app *bad = karak_new();
    ck_assert_int_ne(karak_get(bad, "no-slash", app_a), 0);
    s = (karak_server *)bad;
    ck_assert_int_eq(karak_server_start(bad, NULL, &s), KARAK_EREGISTER);
    ck_assert_ptr_null(s);
    karak_app_free(bad);

    karak_app *a = karak_new();
    ck_assert_int_eq(karak_server_start(NULL, NULL, &s), KARAK_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(karak_server_start(a, NULL, NULL), KARAK_EINVAL);
    s = (karak_server *)a;
    ck_assert_int_eq(karak_server_start(a, OPTS(.port = 65537), &s), KARAK_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(karak_server_start(a, OPTS(.port = 70000), &s), KARAK_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(karak_server_start(a, OPTS(.conn_memory = 4095), &s), KARAK_EINVAL);
    ck_assert_int_eq(karak_server_start(a, OPTS(.conn_memory = (16u << 20) + 1), &s),
                     KARAK_EINVAL);
    ck_assert_ptr_null(s);
    /* a refused start leaves the app open for routes */
    ck_assert_int_eq(karak_get(a, "/a", app_a), 0);
    s = test_server_start(a);
    ck_assert_int_eq(karak_get(a, "/b", app_b), KARAK_ESEALED);
    expect_get(karak_server_port(s), "/a", 200, "{\"app\":\"a\"}");
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* HTTPS options that cannot work are start errors, logged with the file named, found
 * before the app is sealed (tests/test_tls.sh serves HTTPS and covers a key that does not
 * match its certificate). */
START_TEST(tls_start_errors)
{
    static logcap log = {.mu = PTHREAD_MUTEX_INITIALIZER};
    karak_app *a = karak_new(.log = capture_log, .log_data = &log);
    karak_server *s = (karak_server *)a;
    ck_assert_int_eq(karak_server_start(a, OPTS(.tls_cert = "/no/such/cert.pem"), &s),
                     KARAK_EINVAL);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(karak_server_start(a, OPTS(.tls_cert = "/no/such/cert.pem",
                                                .tls_key = "/no/such/key.pem"), &s),
                     KARAK_ESYSTEM);
    char text[] = "/tmp/karak-tls-XXXXXX";
    int fd = mkstemp(text);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "not a certificate\n", 18), 18);
    close(fd);
    ck_assert_int_eq(karak_server_start(a, OPTS(.tls_cert = text, .tls_key = text), &s),
                     KARAK_ESYSTEM);
    ck_assert_int_eq(karak_server_start(a, OPTS(.tls_cert = "/tmp", .tls_key = text), &s),
                     KARAK_ESYSTEM);
    unlink(text);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(log.n, 4);
    ck_assert_str_eq(log.msg[0], "HTTPS needs both a certificate and a key file; only the "
                                 "certificate was given ('/no/such/cert.pem')");
    char want[160];
    snprintf(want, sizeof want, "cannot read the TLS certificate file '/no/such/cert.pem': %s",
             strerror(ENOENT));
    ck_assert_str_eq(log.msg[1], want);
    snprintf(want, sizeof want,
             "cannot read the TLS certificate file '%s': not PEM text (no -----BEGIN line)",
             text);
    ck_assert_str_eq(log.msg[2], want);
    snprintf(want, sizeof want, "cannot read the TLS certificate file '/tmp': %s",
             strerror(EISDIR));
    ck_assert_str_eq(log.msg[3], want);
    for (int i = 0; i < log.n; i++) ck_assert_int_eq(log.level[i], KARAK_LOG_ERROR);
    /* the app is still open for routes, and serves plain HTTP without the options */
    ck_assert_int_eq(karak_get(a, "/a", app_a), 0);
    s = test_server_start(a);
    expect_get(karak_server_port(s), "/a", 200, "{\"app\":\"a\"}");
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* ---- stopping with requests in flight ---- */

static atomic_int slow_started, slow_finished;

static karak_result slow(karak_ctx *c)
{
    int64_t ms = karak_path_i64(c, "ms");
    atomic_fetch_add(&slow_started, 1);
    sleep_ms((long)ms);
    atomic_fetch_add(&slow_finished, 1);
    return karak_resp_json_new(c, json_pack("{s:I}", "slept", (json_int_t)ms));
}

typedef struct call {
    unsigned port;
    const char *raw;
    bool answered;
    wire_reply reply;
} call;

/* A client on its own thread: no Check assertion here. */
static void *call_thread(void *arg)
{
    call *c = arg;
    int fd = wire_connect(c->port);
    if (fd < 0) return NULL;
    size_t len = strlen(c->raw);
    if (send(fd, c->raw, len, MSG_NOSIGNAL) == (ssize_t)len)
        c->answered = wire_read(fd, &c->reply, false);
    close(fd);
    return NULL;
}

typedef struct stopper {
    karak_server *srv;
    unsigned graceful_ms;
    int rc;
    atomic_int done;
} stopper;

static void *stop_thread(void *arg)
{
    stopper *st = arg;
    st->rc = karak_server_stop(st->srv, st->graceful_ms);
    atomic_store(&st->done, 1);
    return NULL;
}

START_TEST(graceful_stop_finishes_requests_in_flight)
{
    atomic_store(&slow_started, 0);
    atomic_store(&slow_finished, 0);
    karak_app *a = karak_new();
    karak_get(a, "/slow/{ms:int}", slow);
    karak_server *s = test_server_start(a);
    unsigned port = karak_server_port(s);

    /* a keep-alive connection that answered a request and is idle: not in flight */
    int idle = wire_connect(port);
    ck_assert_int_ge(idle, 0);
    static const char fast[] = "GET /slow/0 HTTP/1.1\r\nHost: t\r\n\r\n";
    wire_send(idle, fast, sizeof fast - 1);
    wire_reply r;
    ck_assert(wire_read(idle, &r, false));
    ck_assert_str_eq(r.body, "{\"slept\":0}");
    wire_reply_clear(&r);

    call cl = {.port = port, .raw = "GET /slow/300 HTTP/1.1\r\nHost: t\r\n\r\n"};
    pthread_t ct, stt;
    ck_assert_int_eq(pthread_create(&ct, NULL, call_thread, &cl), 0);
    ck_assert(wait_for(&slow_started, 2));
    stopper st = {.srv = s, .graceful_ms = 2000};
    atomic_init(&st.done, 0);
    ck_assert_int_eq(pthread_create(&stt, NULL, stop_thread, &st), 0);

    /* while it drains, new connections are refused at once */
    bool refused = false;
    for (int i = 0; i < 1000 && !refused; i++) {
        int fd = wire_connect(port);
        if (fd < 0 && errno == ECONNREFUSED) refused = true;
        if (fd >= 0) close(fd);
        if (!refused) sleep_ms(1);
    }
    bool refused_while_draining = refused && atomic_load(&st.done) == 0;

    pthread_join(stt, NULL);
    pthread_join(ct, NULL);
    ck_assert_int_eq(st.rc, 0);
    ck_assert(refused_while_draining);
    ck_assert(cl.answered);
    ck_assert_int_eq(cl.reply.status, 200);
    ck_assert_str_eq(cl.reply.body, "{\"slept\":300}");
    wire_reply_clear(&cl.reply);
    ck_assert_int_eq(atomic_load(&slow_finished), 2);
    char c;
    ck_assert_int_le(recv(idle, &c, 1, 0), 0); /* closed by the stop */
    close(idle);
    expect_refused(port);
    ck_assert_int_eq(karak_server_stop(s, 2000), 0);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

START_TEST(stop_times_out_on_a_long_request)
{
    atomic_store(&slow_started, 0);
    atomic_store(&slow_finished, 0);
    karak_app *a = karak_new();
    karak_get(a, "/slow/{ms:int}", slow);
    karak_server *s = test_server_start(a);
    call cl = {.port = karak_server_port(s), .raw = "GET /slow/1000 HTTP/1.1\r\nHost: t\r\n\r\n"};
    pthread_t ct;
    ck_assert_int_eq(pthread_create(&ct, NULL, call_thread, &cl), 0);
    ck_assert(wait_for(&slow_started, 1));
    long long t0 = now_ms();
    ck_assert_int_eq(karak_server_stop(s, 50), KARAK_ETIMEDOUT);
    /* the handler is not interrupted: the stop joins the worker once it has returned */
    ck_assert_int_eq(atomic_load(&slow_finished), 1);
    ck_assert_int_ge(now_ms() - t0, 50);
    pthread_join(ct, NULL);
    wire_reply_clear(&cl.reply);
    ck_assert_int_eq(karak_server_stop(s, 50), 0);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* ---- karak_defer on the server path ---- */

static pthread_mutex_t cleanup_mu = PTHREAD_MUTEX_INITIALIZER;
static char cleanup_log[32];
static pthread_t cleanup_thread;

static void record_cleanup(void *arg)
{
    pthread_mutex_lock(&cleanup_mu);
    strncat(cleanup_log, arg, sizeof cleanup_log - strlen(cleanup_log) - 1);
    cleanup_thread = pthread_self();
    pthread_mutex_unlock(&cleanup_mu);
}

/* Waits up to 5 s for the cleanup log to read `want`. */
static bool cleanups_read(const char *want)
{
    for (int i = 0; i < 5000; i++) {
        pthread_mutex_lock(&cleanup_mu);
        bool same = strcmp(cleanup_log, want) == 0;
        pthread_mutex_unlock(&cleanup_mu);
        if (same) return true;
        sleep_ms(1);
    }
    return false;
}

static karak_result deferring(karak_ctx *c)
{
    karak_defer(c, record_cleanup, "a");
    karak_defer(c, record_cleanup, "b");
    return karak_resp_json_new(c, json_pack("{s:b}", "ok", 1));
}

static karak_result deferring_then_failing(karak_ctx *c)
{
    karak_defer(c, record_cleanup, "c");
    return KARAK_FAIL;
}

START_TEST(cleanups_run_after_the_response)
{
    pthread_mutex_lock(&cleanup_mu);
    cleanup_log[0] = '\0';
    pthread_mutex_unlock(&cleanup_mu);
    karak_app *a = karak_new();
    karak_get(a, "/defer", deferring);
    karak_get(a, "/fail", deferring_then_failing);
    karak_server *s = test_server_start(a);
    unsigned port = karak_server_port(s);

    wire_reply r;
    wire_exchange(port, "GET /defer HTTP/1.1\r\nHost: t\r\n\r\n", false, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"ok\":true}");
    wire_reply_clear(&r);
    ck_assert_msg(cleanups_read("ba"), "cleanups: '%s'", cleanup_log);
    pthread_mutex_lock(&cleanup_mu);
    ck_assert(!pthread_equal(cleanup_thread, pthread_self())); /* on the server's thread */
    pthread_mutex_unlock(&cleanup_mu);

    wire_exchange(port, "GET /fail HTTP/1.1\r\nHost: t\r\n\r\n", false, &r);
    ck_assert_int_eq(r.status, 500);
    ck_assert_str_eq(r.body, "Internal Server Error");
    char ct[64];
    ck_assert_str_eq(wire_header(&r, "Content-Type", 0, ct, sizeof ct),
                     "text/plain; charset=utf-8");
    wire_reply_clear(&r);
    ck_assert_msg(cleanups_read("bac"), "cleanups: '%s'", cleanup_log);

    ck_assert_int_eq(karak_server_stop(s, 1000), 0);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* A background task: a cleanup that takes 300 ms must not hold back the response it follows,
 * and a graceful stop waits for it. */
static atomic_int slow_cleanup_done;

static void slow_cleanup(void *arg)
{
    (void)arg;
    sleep_ms(300);
    atomic_store(&slow_cleanup_done, 1);
}

static karak_result background(karak_ctx *c)
{
    karak_defer(c, slow_cleanup, NULL);
    return karak_resp_json_new(c, json_pack("{s:s}", "status", "accepted"));
}

START_TEST(cleanups_wait_for_the_response_not_the_other_way)
{
    atomic_store(&slow_cleanup_done, 0);
    karak_app *a = karak_new();
    karak_post(a, "/tasks", background, .status = 202);
    karak_server *s = test_server_start(a);
    wire_reply r;
    long long t0 = now_ms();
    wire_exchange(karak_server_port(s), "POST /tasks HTTP/1.1\r\nHost: t\r\n\r\n", false, &r);
    long long took = now_ms() - t0;
    ck_assert_int_eq(r.status, 202);
    ck_assert_str_eq(r.body, "{\"status\":\"accepted\"}");
    wire_reply_clear(&r);
    ck_assert_msg(took < 250, "the response waited %lld ms for its cleanup", took);
    ck_assert_int_eq(atomic_load(&slow_cleanup_done), 0);
    ck_assert_int_eq(karak_server_stop(s, 2000), 0); /* the drain waits for the cleanup */
    ck_assert_int_eq(atomic_load(&slow_cleanup_done), 1);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* ---- the request's headers through the socket ---- */

static karak_result list_headers(karak_ctx *c)
{
    json_t *list = json_array();
    karak_pair p;
    for (size_t i = 0; i < karak_req_header_count(c); i++) {
        if (!karak_req_header_at(c, i, &p)) return KARAK_FAIL;
        json_array_append_new(list, json_pack("[s#s#]", p.name, (int)p.name_len, p.value,
                                              (int)p.value_len));
    }
    if (karak_req_header_at(c, karak_req_header_count(c), &p)) return KARAK_FAIL;
    return karak_resp_json_new(c, json_pack("{s:o,s:s?}", "headers", list, "x-a",
                                            karak_req_header(c, "x-a")));
}

START_TEST(repeated_headers_arrive_in_order)
{
    karak_app *a = karak_new();
    karak_get(a, "/headers", list_headers);
    karak_server *s = test_server_start(a);
    wire_reply r;
    wire_exchange(karak_server_port(s),
                  "GET /headers HTTP/1.1\r\nHost: t\r\nX-A: 1\r\nX-A: 2\r\nx-b: three\r\n"
                  "X-Empty:\r\n\r\n",
                  false, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"headers\":[[\"Host\",\"t\"],[\"X-A\",\"1\"],[\"X-A\",\"2\"],"
                             "[\"x-b\",\"three\"],[\"X-Empty\",\"\"]],\"x-a\":\"1\"}");
    wire_reply_clear(&r);

    /* the in-process client and the socket agree */
    karak_client *cl = karak_client_new(a);
    static const char *const hdrs[] = {"X-A", "1", "X-A", "2", NULL};
    EXPECT(both_get(cl, karak_server_port(s), "/headers", .headers = hdrs), 200,
           "{\"headers\":[[\"X-A\",\"1\"],[\"X-A\",\"2\"],[\"host\",\"testserver\"],"
           "[\"user-agent\",\"testclient\"]],\"x-a\":\"1\"}");
    karak_client_free(cl);
    ck_assert_int_eq(karak_server_stop(s, 1000), 0);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* ---- the request body, refused headers and out of memory over the socket ---- */

/* Echoes the body through karak_req_body(c, NULL): the string must end at the body's
 * length. */
static karak_result echo_body(karak_ctx *c)
{
    size_t len = 0;
    const char *body = karak_req_body(c, &len);
    if (strlen(karak_req_body(c, NULL)) != len) return karak_resp_text(c, "not terminated");
    return karak_resp_text(c, body);
}

/* Sends `raw` on `fd` and asserts one whole response: status, Content-Type, Content-Length
 * and exact body. */
static void expect_on(int fd, const char *raw, int status, const char *ct, const char *body)
{
    wire_send(fd, raw, strlen(raw));
    wire_reply r;
    ck_assert_msg(wire_read(fd, &r, false), "no response (connection dropped) to %s", raw);
    ck_assert_msg(r.status == status, "%s: status %d, expected %d; body %s", raw, r.status,
                  status, r.body);
    ck_assert_str_eq(r.body, body);
    char buf[128], len[32];
    ck_assert_str_eq(wire_header(&r, "Content-Type", 0, buf, sizeof buf), ct);
    snprintf(len, sizeof len, "%zu", strlen(body));
    ck_assert_str_eq(wire_header(&r, "Content-Length", 0, buf, sizeof buf), len);
    wire_reply_clear(&r);
}

#define TEXT "text/plain; charset=utf-8"

START_TEST(body_is_terminated_on_a_keep_alive_connection)
{
    karak_app *a = karak_new();
    karak_post(a, "/echo", echo_body);
    karak_server *s = test_server_start(a);
    int fd = wire_connect(karak_server_port(s));
    ck_assert_int_ge(fd, 0);
    expect_on(fd,
              "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 40\r\n\r\n"
              "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
              200, TEXT, "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    expect_on(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab", 200, TEXT,
              "ab");
    /* in two chunks, then none at all */
    expect_on(fd,
              "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
              "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
              200, TEXT, "abcde");
    expect_on(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nz", 200, TEXT, "z");
    expect_on(fd, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", 200, TEXT, "");
    close(fd);

    /* the test client terminates it the same way, whatever follows in the caller's buffer */
    karak_client *cl = karak_client_new(a);
    EXPECT(both_post(cl, karak_server_port(s), "/echo", .body = "abcdef", .body_len = 3), 200,
           "abc");
    karak_client_free(cl);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* Headers that karak_resp_header_add() accepts (or may refuse up front) but libmicrohttpd
 * refuses to send: the server answers a plain 500, never a dropped connection. */
static atomic_int refused_rc;

static karak_result refused_header(karak_ctx *c)
{
    const char *which = karak_path_str(c, "which");
    int rc = strcmp(which, "empty") == 0        ? karak_resp_header_add(c, "X-Empty", "")
             : strcmp(which, "connection") == 0 ? karak_resp_header_add(c, "Connection",
                                                                        "keep-alive")
                                                : karak_resp_header_add(c, "Transfer-Encoding",
                                                                        "gzip");
    atomic_store(&refused_rc, rc);
    karak_resp_header_add(c, "X-Mine", "1");
    return karak_resp_text(c, "ok");
}

START_TEST(a_header_libmicrohttpd_refuses_gives_a_500)
{
    karak_app *a = karak_new();
    karak_get(a, "/refused/{which}", refused_header);
    karak_get(a, "/a", app_a);
    karak_server *s = test_server_start(a);
    static const char *const which[] = {"empty", "connection", "te"};
    for (size_t i = 0; i < sizeof which / sizeof *which; i++) {
        int fd = wire_connect(karak_server_port(s));
        ck_assert_int_ge(fd, 0);
        atomic_store(&refused_rc, 12345);
        char raw[128];
        snprintf(raw, sizeof raw, "GET /refused/%s HTTP/1.1\r\nHost: t\r\n\r\n", which[i]);
        wire_send(fd, raw, strlen(raw));
        wire_reply r;
        ck_assert_msg(wire_read(fd, &r, false), "%s: connection dropped", which[i]);
        int rc = atomic_load(&refused_rc);
        char buf[128];
        if (rc == KARAK_OK) {
            ck_assert_msg(r.status == 500, "%s: status %d", which[i], r.status);
            ck_assert_str_eq(r.body, "Internal Server Error");
            ck_assert_str_eq(wire_header(&r, "Content-Type", 0, buf, sizeof buf), TEXT);
            ck_assert_str_eq(wire_header(&r, "Content-Length", 0, buf, sizeof buf), "21");
            ck_assert_ptr_null(wire_header(&r, "X-Mine", 0, buf, sizeof buf));
            ck_assert_ptr_null(wire_header(&r, "X-Empty", 0, buf, sizeof buf));
        } else {
            ck_assert_msg(rc == KARAK_EINVAL, "%s: karak_resp_header_add returned %d",
                          which[i], rc);
            ck_assert_int_eq(r.status, 200);
            ck_assert_str_eq(r.body, "ok");
            ck_assert_str_eq(wire_header(&r, "X-Mine", 0, buf, sizeof buf), "1");
        }
        wire_reply_clear(&r);
        /* the connection still serves */
        expect_on(fd, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n", 200, "application/json",
                  "{\"app\":\"a\"}");
        close(fd);
    }
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* Out of memory in the server (kchaos: the n-th arena allocation from now fails): a 500,
 * not a dropped connection. The server is idle while the countdown runs, so the arena
 * allocations counted are the request's own: the target copy (0), then the body buffer or
 * the header array (1). */
START_TEST(out_of_memory_gives_a_500)
{
    karak_app *a = karak_new();
    karak_post(a, "/echo", echo_body);
    karak_get(a, "/a", app_a);
    karak_server *s = test_server_start(a);
    unsigned port = karak_server_port(s);
    static const char get[] = "GET /a HTTP/1.1\r\nHost: t\r\n\r\n";
    static const char post[] = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nab";

    /* the target copy: answered at once (the connection may then close) */
    int fd = wire_connect(port);
    ck_assert_int_ge(fd, 0);
    kchaos_fail_after(0);
    expect_on(fd, get, 500, TEXT, "Internal Server Error");
    ck_assert(kchaos_struck());
    kchaos_fail_after(-1);
    close(fd);

    /* the header array, then the body buffer: the connection stays usable */
    fd = wire_connect(port);
    ck_assert_int_ge(fd, 0);
    kchaos_fail_after(1);
    expect_on(fd, get, 500, TEXT, "Internal Server Error");
    ck_assert(kchaos_struck());
    expect_on(fd, get, 200, "application/json", "{\"app\":\"a\"}");
    kchaos_fail_after(1);
    expect_on(fd, post, 500, TEXT, "Internal Server Error");
    ck_assert(kchaos_struck());
    kchaos_fail_after(-1);
    expect_on(fd, post, 200, TEXT, "ab");
    close(fd);
    karak_server_free(s);
    karak_app_free(a);
}
END_TEST

/* ---- constant answers (memo.c) ---- */

static kresp memo_resp(int status, const char *type, const char *body)
{
    return (kresp){.status = status, .content_type = type, .body = body,
                   .body_len = strlen(body)};
}

START_TEST(kept_answers_are_the_same_bytes_only)
{
    kmemos m;
    ck_assert(kmemos_init(&m, 2));
    kroute r0 = {.index = 0}, r1 = {.index = 1}, beyond = {.index = 2};
    kresp a = memo_resp(200, "application/json", "{\"a\":1}");
    /* the first answer is kept, then given again for the same bytes (another buffer) */
    struct MHD_Response *kept = kmemos_get(&m, &r0, &a);
    ck_assert_ptr_nonnull(kept);
    char copy[] = "{\"a\":1}";
    kresp again = memo_resp(200, "application/json", copy);
    ck_assert_ptr_eq(kmemos_get(&m, &r0, &again), kept);
    /* anything else differing: built afresh, and the kept one stays */
    const kresp other[] = {
        memo_resp(200, "application/json", "{\"a\":2}"),
        memo_resp(201, "application/json", "{\"a\":1}"),
        memo_resp(200, "text/plain; charset=utf-8", "{\"a\":1}"),
        memo_resp(200, NULL, "{\"a\":1}"),
        memo_resp(200, "application/json", "{\"a\":1} "),
        memo_resp(200, "application/json", "{\"a\":"),
    };
    for (size_t i = 0; i < sizeof other / sizeof *other; i++)
        ck_assert_msg(kmemos_get(&m, &r0, &other[i]) == NULL, "row %zu was kept", i);
    ck_assert_ptr_eq(kmemos_get(&m, &r0, &a), kept);
    /* headers of its own, or a body over the limit: never kept, nor answered with it */
    karak_pair h = {.name = "X-N", .value = "1"};
    kresp with_header = a;
    with_header.headers = &h;
    with_header.nheaders = 1;
    ck_assert_ptr_null(kmemos_get(&m, &r0, &with_header));
    static char big[KMEMO_MAX_BODY + 2];
    memset(big, 'x', sizeof big - 1);
    kresp large = memo_resp(200, "text/plain", big);
    ck_assert_ptr_null(kmemos_get(&m, &r1, &large));
    /* a route's slot is its own, and an empty body can be kept */
    kresp empty = memo_resp(204, NULL, "");
    struct MHD_Response *kept1 = kmemos_get(&m, &r1, &empty);
    ck_assert_ptr_nonnull(kept1);
    ck_assert_ptr_ne(kept1, kept);
    ck_assert_ptr_eq(kmemos_get(&m, &r1, &empty), kept1);
    ck_assert_ptr_null(kmemos_get(&m, &beyond, &a)); /* a route the table does not know */
    kmemos_free(&m);
    kmemos_free(&m); /* a second free is harmless */
}
END_TEST

static karak_result memo_plain(karak_ctx *c)
{
    return karak_resp_text(c, "plain");
}

static karak_result memo_provide(karak_ctx *c, void *value)
{
    (void)c;
    (void)value;
    return KARAK_NEXT;
}

START_TEST(only_routes_that_read_nothing_keep_answers)
{
    static const karak_field fields[] = {KARAK_FIELD(kresp, status, KARAK_I32),
                                         KARAK_FIELDS_END};
    static const karak_schema q = KARAK_SCHEMA(kresp, fields);
    static const karak_provider dep = {.name = "dep", .provide = memo_provide};
    static const karak_provider *const deps[] = {&dep, NULL};
    karak_app *a = karak_new();
    karak_get(a, "/", memo_plain);
    karak_get(a, "/items/{id:int}", memo_plain);
    karak_get(a, "/q", memo_plain, .query = &q);
    karak_post(a, "/b", memo_plain, .body = &q);
    karak_get(a, "/h", memo_plain, .headers = &q);
    karak_get(a, "/c", memo_plain, .cookies = &q);
    karak_get(a, "/d", memo_plain, .depends = deps);
    ck_assert_int_eq(karak_app_seal(a), KARAK_OK);
    size_t i = 0;
    for (const kroute *r = a->routes; r != NULL; r = r->next, i++) {
        ck_assert_uint_eq(r->index, i);
        ck_assert_msg(r->reads_nothing == (i == 0), "%s %s", r->method, r->pattern);
    }
    ck_assert_uint_eq(i, 7);
    karak_app_free(a);
}
END_TEST

static atomic_int memo_calls;

/* "a", "a", "b", "a", ...: a route that reads nothing whose answer changes */
static karak_result memo_changing(karak_ctx *c)
{
    int n = atomic_fetch_add(&memo_calls, 1);
    return karak_resp_text(c, n == 2 ? "b" : "a");
}

/* the same body, but a header of its own that changes */
static karak_result memo_header(karak_ctx *c)
{
    char v[16];
    snprintf(v, sizeof v, "%d", atomic_fetch_add(&memo_calls, 1));
    karak_resp_header_add(c, "X-N", v);
    return karak_resp_text(c, "same");
}

static void memo_answers(bool no_memo)
{
    atomic_store(&memo_calls, 0);
    karak_app *a = karak_new();
    karak_get(a, "/", memo_changing);
    karak_get(a, "/h", memo_header);
    karak_server *s = NULL;
    ck_assert_int_eq(karak_server_start(a, OPTS(.port = KARAK_PORT_ANY, .workers = 1,
                                                .no_memo = no_memo),
                                        &s),
                     KARAK_OK);
    int fd = wire_connect(karak_server_port(s));
    ck_assert_int_ge(fd, 0);
    const char *get = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    const char *want[] = {"a", "a", "b", "a", "a"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) expect_on(fd, get, 200, TEXT, want[i]);
    /* HEAD: the GET route's kept answer, its length and no body */
    const char *head = "HEAD / HTTP/1.1\r\nHost: t\r\n\r\n";
    wire_send(fd, head, strlen(head));
    wire_reply r;
    ck_assert(wire_read(fd, &r, true));
    char buf[64];
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(wire_header(&r, "Content-Length", 0, buf, sizeof buf), "1");
    ck_assert_uint_eq(r.body_len, 0);
    wire_reply_clear(&r);
    expect_on(fd, get, 200, TEXT, "a"); /* the connection is still in step */
    atomic_store(&memo_calls, 0);
    for (int i = 0; i < 3; i++) {
        const char *raw = "GET /h HTTP/1.1\r\nHost: t\r\n\r\n";
        wire_send(fd, raw, strlen(raw));
        ck_assert(wire_read(fd, &r, false));
        char n[16];
        snprintf(n, sizeof n, "%d", i);
        ck_assert_str_eq(r.body, "same");
        ck_assert_str_eq(wire_header(&r, "X-N", 0, buf, sizeof buf), n);
        wire_reply_clear(&r);
    }
    close(fd);
    karak_server_free(s);
    karak_app_free(a);
}

START_TEST(a_changing_answer_is_never_the_kept_one)
{
    memo_answers(false);
    memo_answers(true);
}
END_TEST

/* Many connections on both workers ask a fresh server at once: the first answers race to
 * be kept (one wins, the others' copies are dropped), and every answer is right. */
static void *memo_client(void *arg)
{
    unsigned port = *(const unsigned *)arg;
    int fd = wire_connect(port);
    if (fd < 0) return (void *)"connect";
    const char *raw = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
    const char *bad = NULL;
    for (int i = 0; i < 100 && bad == NULL; i++) {
        wire_send(fd, raw, strlen(raw));
        wire_reply r;
        if (!wire_read(fd, &r, false)) bad = "no answer";
        else if (r.status != 200 || strcmp(r.body, "plain") != 0) bad = "wrong answer";
        if (bad == NULL) wire_reply_clear(&r);
    }
    close(fd);
    return (void *)bad;
}

START_TEST(a_kept_answer_is_shared_by_all_workers)
{
    karak_app *a = karak_new();
    karak_get(a, "/", memo_plain);
    karak_server *s = test_server_start(a);
    unsigned port = karak_server_port(s);
    pthread_t t[8];
    for (size_t i = 0; i < 8; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, memo_client, &port), 0);
    for (size_t i = 0; i < 8; i++) {
        void *bad = NULL;
        pthread_join(t[i], &bad);
        ck_assert_msg(bad == NULL, "client %zu: %s", i, (const char *)bad);
    }
    test_server_stop(s);
    karak_app_free(a);
}
END_TEST

/* A GET / whose head is `total` bytes in all, through one padding header. */
static void padded_get(unsigned port, size_t total, wire_reply *r)
{
    static const char base[] = "GET / HTTP/1.1\r\nHost: t\r\nX-Pad: \r\n\r\n";
    size_t pad = total - (sizeof base - 1);
    char *raw = malloc(total + 1);
    ck_assert_ptr_nonnull(raw);
    int n = snprintf(raw, total + 1, "GET / HTTP/1.1\r\nHost: t\r\nX-Pad: %0*d\r\n\r\n",
                     (int)pad, 0);
    ck_assert_uint_eq((size_t)n, total);
    wire_exchange(port, raw, false, r);
    free(raw);
}

/* conn_memory bounds the request head: what fits is served; a head that leaves no room
 * for the response's head is answered 431 by libkarak before the handler runs (left to
 * libmicrohttpd, it would run the handler, then close the connection without an answer);
 * a head beyond the memory gets libmicrohttpd's own 431; the connection closes after
 * either. The default takes heads of 30 KiB. */
static karak_result counted_plain(karak_ctx *c)
{
    atomic_fetch_add(&memo_calls, 1);
    return karak_resp_text(c, "plain");
}

START_TEST(conn_memory_bounds_the_head)
{
    karak_app *a = karak_new();
    karak_get(a, "/", counted_plain);
    karak_server *small = NULL;
    ck_assert_int_eq(karak_server_start(a, OPTS(.port = KARAK_PORT_ANY, .conn_memory = 8192),
                                        &small),
                     KARAK_OK);
    karak_server *dflt = NULL;
    ck_assert_int_eq(karak_server_start(a, OPTS(.port = KARAK_PORT_ANY), &dflt), KARAK_OK);
    wire_reply r;
    padded_get(karak_server_port(small), 7000, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "plain");
    wire_reply_clear(&r);
    char buf[32];
    const size_t refused[] = {7600, 7960, 8050};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        atomic_store(&memo_calls, 0);
        padded_get(karak_server_port(small), refused[i], &r);
        ck_assert_msg(r.status == 431, "%zu bytes: %d", refused[i], r.status);
        ck_assert_str_eq(r.body, "{\"detail\":\"Request Header Fields Too Large\"}");
        ck_assert_str_eq(wire_header(&r, "Connection", 0, buf, sizeof buf), "close");
        wire_reply_clear(&r);
        ck_assert_int_eq(atomic_load(&memo_calls), 0); /* refused before the handler */
    }
    padded_get(karak_server_port(small), 8800, &r);
    ck_assert_int_eq(r.status, 431);
    ck_assert_str_eq(wire_header(&r, "Connection", 0, buf, sizeof buf), "close");
    wire_reply_clear(&r);
    padded_get(karak_server_port(dflt), 30000, &r);
    ck_assert_int_eq(r.status, 200);
    wire_reply_clear(&r);
    padded_get(karak_server_port(dflt), 32600, &r);
    ck_assert_int_eq(r.status, 431);
    wire_reply_clear(&r);
    karak_server_free(small);
    karak_server_free(dflt);
    karak_app_free(a);
}
END_TEST

static Suite *server_suite(void)
{
    Suite *s = suite_create("server");
    TCase *tc = tcase_create("handle");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, two_servers_in_one_process);
    tcase_add_test(tc, free_stops_a_running_server);
    tcase_add_test(tc, log_goes_to_the_callback);
    tcase_add_test(tc, libmicrohttpd_errors_go_to_the_callback);
    tcase_add_test(tc, start_errors);
    tcase_add_test(tc, tls_start_errors);
    suite_add_tcase(s, tc);
    TCase *stop = tcase_create("stop");
    tcase_set_timeout(stop, 30);
    tcase_add_test(stop, graceful_stop_finishes_requests_in_flight);
    tcase_add_test(stop, stop_times_out_on_a_long_request);
    tcase_add_test(stop, cleanups_wait_for_the_response_not_the_other_way);
    suite_add_tcase(s, stop);
    TCase *req = tcase_create("requests");
    tcase_set_timeout(req, 30);
    tcase_add_test(req, cleanups_run_after_the_response);
    tcase_add_test(req, repeated_headers_arrive_in_order);
    tcase_add_test(req, body_is_terminated_on_a_keep_alive_connection);
    tcase_add_test(req, a_header_libmicrohttpd_refuses_gives_a_500);
    tcase_add_test(req, out_of_memory_gives_a_500);
    tcase_add_test(req, kept_answers_are_the_same_bytes_only);
    tcase_add_test(req, only_routes_that_read_nothing_keep_answers);
    tcase_add_test(req, a_changing_answer_is_never_the_kept_one);
    tcase_add_test(req, a_kept_answer_is_shared_by_all_workers);
    tcase_add_test(req, conn_memory_bounds_the_head);
    suite_add_tcase(s, req);
    return s;
}

int main(void)
{
    return run_suite(server_suite());
}
