/* The handler pool (karak_run_on): a route that blocks runs on the pool and the I/O thread
 * goes on serving; KARAK_RUN_AUTO moves a route that blocks there by itself; a full queue
 * is a quick 503; the stop answers everything on the pool before it ends; the choice is
 * checked at registration. Each server here has one I/O thread, so that a handler holding
 * it would show at once. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define OPTS(...) (&(karak_server_opts){__VA_ARGS__, .struct_size = sizeof(karak_server_opts)})

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) continue;
}

static atomic_int started, finished;

/* Sleeps ?ms= milliseconds (a blocking call), then answers which thread it ran on. */
static karak_result sleeper(karak_ctx *c)
{
    const char *ms = karak_req_query_param(c, "ms");
    atomic_fetch_add(&started, 1);
    sleep_ms(ms ? atol(ms) : 0);
    atomic_fetch_add(&finished, 1);
    return karak_resp_json_new(c, json_pack("{s:I}", "thread", (json_int_t)pthread_self()));
}

static karak_result fast(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:I}", "thread", (json_int_t)pthread_self()));
}

static bool wait_for(atomic_int *n, int value)
{
    for (int i = 0; i < 5000 && atomic_load(n) < value; i++) sleep_ms(1);
    return atomic_load(n) >= value;
}

typedef struct call {
    unsigned port;
    char raw[128];
    bool answered;
    wire_reply reply;
    pthread_t t;
} call;

static atomic_int sent; /* requests written in full by call threads */

static void *call_thread(void *arg)
{
    call *c = arg;
    int fd = wire_connect(c->port);
    if (fd < 0) return NULL;
    wire_send(fd, c->raw, strlen(c->raw));
    atomic_fetch_add(&sent, 1);
    c->answered = wire_read(fd, &c->reply, false);
    close(fd);
    return NULL;
}

static void call_start(call *c, unsigned port, const char *target)
{
    c->port = port;
    snprintf(c->raw, sizeof c->raw, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
             target);
    c->answered = false;
    ck_assert_int_eq(pthread_create(&c->t, NULL, call_thread, c), 0);
}

static karak_server *serve(karak_app *app, unsigned threads, unsigned queue)
{
    karak_server *s = NULL;
    ck_assert_int_eq(karak_server_start(app,
                                        OPTS(.port = KARAK_PORT_ANY, .workers = 1,
                                             .threads = threads, .queue = queue),
                                        &s),
                     0);
    return s;
}

/* How long GET path takes on a new connection, in ms. */
static long long time_get(unsigned port, const char *path, wire_reply *r)
{
    char raw[128];
    snprintf(raw, sizeof raw, "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", path);
    long long t0 = test_now_ms();
    wire_exchange(port, raw, false, r);
    return test_now_ms() - t0;
}

/* 20 requests that each block 200 ms, on the pool; GET / meanwhile, inline on the one I/O
 * thread, is not held up by them. The control: the same with the slow route inline. */
static long long fast_get_during_slow_ones(karak_run_on slow_run_on, long long *all_done_ms)
{
    atomic_store(&started, 0);
    atomic_store(&finished, 0);
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/slow", sleeper, .run_on = slow_run_on), 0);
    ck_assert_int_eq(karak_get(app, "/", fast, .run_on = KARAK_RUN_INLINE), 0);
    karak_server *s = serve(app, 20, 0);
    unsigned port = karak_server_port(s);
    enum { N = 20 };
    static call calls[N];
    long long t0 = test_now_ms();
    for (int i = 0; i < N; i++) call_start(&calls[i], port, "/slow?ms=200");
    ck_assert(wait_for(&started, 1));
    long long worst = 0;
    for (int i = 0; i < 5; i++) {
        wire_reply r;
        long long took = time_get(port, "/", &r);
        ck_assert_int_eq(r.status, 200);
        wire_reply_clear(&r);
        if (took > worst) worst = took;
        sleep_ms(20);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(calls[i].t, NULL);
        ck_assert_msg(calls[i].answered && calls[i].reply.status == 200, "slow call %d", i);
        wire_reply_clear(&calls[i].reply);
    }
    *all_done_ms = test_now_ms() - t0;
    ck_assert_int_eq(karak_server_stop(s, 2000), 0);
    karak_server_free(s);
    karak_app_free(app);
    return worst;
}

START_TEST(blocking_routes_do_not_stall_the_io_thread)
{
    long long all_done = 0;
    long long worst = fast_get_during_slow_ones(KARAK_RUN_POOL, &all_done);
    fprintf(stderr, "test_pool: GET / during 20 x 200 ms requests on the pool: worst %lld ms; "
                    "all 20 done in %lld ms\n", worst, all_done);
    ck_assert_msg(worst < 100, "GET / took %lld ms beside the pool's work", worst);
    ck_assert_msg(all_done < 2000, "20 x 200 ms on 20 pool threads took %lld ms", all_done);
    /* the control: inline, the one I/O thread runs them one after another */
    worst = fast_get_during_slow_ones(KARAK_RUN_INLINE, &all_done);
    fprintf(stderr, "test_pool: the same inline: worst %lld ms; all done in %lld ms\n", worst,
            all_done);
    ck_assert_msg(worst >= 150, "inline, GET / took only %lld ms", worst);
}
END_TEST

/* ---- KARAK_RUN_AUTO ---- */

static char log_text[1024];
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;

static void capture(void *data, karak_log_level level, const char *msg)
{
    (void)data;
    (void)level;
    pthread_mutex_lock(&log_mu);
    if (strstr(msg, "handler pool") != NULL) snprintf(log_text, sizeof log_text, "%s", msg);
    pthread_mutex_unlock(&log_mu);
}

static json_int_t thread_of(unsigned port, const char *path)
{
    wire_reply r;
    time_get(port, path, &r);
    ck_assert_int_eq(r.status, 200);
    json_t *v = json_loads(r.body, 0, NULL);
    ck_assert_ptr_nonnull(v);
    json_int_t t = json_integer_value(json_object_get(v, "thread"));
    json_decref(v);
    wire_reply_clear(&r);
    return t;
}

/* A route that blocks 5 ms runs inline for its first calls; after three slow calls in a row
 * it runs on the pool (said once in the log). A fast route stays on the I/O thread. */
START_TEST(auto_moves_a_blocking_route_to_the_pool)
{
    log_text[0] = '\0';
    karak_app *app = karak_new(.log = capture);
    ck_assert_int_eq(karak_get(app, "/blocks", sleeper), 0); /* the default: AUTO */
    ck_assert_int_eq(karak_get(app, "/fast", fast), 0);
    karak_server *s = serve(app, 4, 0);
    unsigned port = karak_server_port(s);
    json_int_t io = thread_of(port, "/fast");
    for (int i = 0; i < 3; i++)
        ck_assert_msg(thread_of(port, "/blocks?ms=5") == io, "call %d left the I/O thread", i);
    for (int i = 0; i < 3; i++) ck_assert(thread_of(port, "/blocks?ms=5") != io);
    for (int i = 0; i < 50; i++) ck_assert(thread_of(port, "/fast") == io);
    pthread_mutex_lock(&log_mu);
    ck_assert_msg(strstr(log_text, "GET /blocks: 3 calls in a row took 1 ms or more") != NULL,
                  "log: %s", log_text);
    pthread_mutex_unlock(&log_mu);
    ck_assert_int_eq(karak_server_stop(s, 2000), 0);
    karak_server_free(s);
    karak_app_free(app);
}
END_TEST

/* An inline route stays inline however slow; a pool route starts on the pool. */
START_TEST(declared_routes_stay_where_they_are)
{
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/inline", sleeper, .run_on = KARAK_RUN_INLINE), 0);
    ck_assert_int_eq(karak_get(app, "/pool", fast, .run_on = KARAK_RUN_POOL), 0);
    ck_assert_int_eq(karak_get(app, "/fast", fast, .run_on = KARAK_RUN_INLINE), 0);
    karak_server *s = serve(app, 2, 0);
    unsigned port = karak_server_port(s);
    json_int_t io = thread_of(port, "/fast");
    for (int i = 0; i < 5; i++) ck_assert(thread_of(port, "/inline?ms=3") == io);
    ck_assert(thread_of(port, "/pool") != io);
    ck_assert_int_eq(karak_server_stop(s, 2000), 0);
    karak_server_free(s);
    karak_app_free(app);
}
END_TEST

/* ---- back-pressure and the stop ---- */

/* One pool thread and room for one waiting request: a third is answered 503 at once. */
START_TEST(a_full_queue_is_503)
{
    atomic_store(&started, 0);
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/slow", sleeper, .run_on = KARAK_RUN_POOL), 0);
    karak_server *s = serve(app, 1, 1);
    unsigned port = karak_server_port(s);
    call running, waiting;
    call_start(&running, port, "/slow?ms=400");
    ck_assert(wait_for(&started, 1));
    call_start(&waiting, port, "/slow?ms=0");
    sleep_ms(100); /* the second is queued behind the first */
    wire_reply r;
    long long took = time_get(port, "/slow?ms=0", &r);
    ck_assert_int_eq(r.status, 503);
    ck_assert_str_eq(r.body, "{\"detail\":\"Service Unavailable\"}");
    char buf[16];
    ck_assert_str_eq(wire_header(&r, "retry-after", 0, buf, sizeof buf), "1");
    ck_assert_msg(took < 300, "the 503 took %lld ms", took);
    wire_reply_clear(&r);
    pthread_join(running.t, NULL);
    pthread_join(waiting.t, NULL);
    ck_assert(running.answered && running.reply.status == 200);
    ck_assert(waiting.answered && waiting.reply.status == 200);
    wire_reply_clear(&running.reply);
    wire_reply_clear(&waiting.reply);
    ck_assert_int_eq(karak_server_stop(s, 2000), 0);
    karak_server_free(s);
    karak_app_free(app);
}
END_TEST

/* The stop with requests running and waiting on the pool: every one is answered. */
START_TEST(the_stop_answers_what_the_pool_holds)
{
    atomic_store(&started, 0);
    atomic_store(&finished, 0);
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/slow", sleeper, .run_on = KARAK_RUN_POOL), 0);
    karak_server *s = serve(app, 2, 0);
    unsigned port = karak_server_port(s);
    enum { N = 8 };
    static call calls[N];
    atomic_store(&sent, 0);
    for (int i = 0; i < N; i++) call_start(&calls[i], port, "/slow?ms=100");
    ck_assert(wait_for(&sent, N));
    ck_assert(wait_for(&started, 2)); /* two run, the others wait in the queue */
    sleep_ms(50);                     /* (and their requests have been read) */
    ck_assert_int_eq(karak_server_stop(s, 5000), 0);
    for (int i = 0; i < N; i++) {
        pthread_join(calls[i].t, NULL);
        ck_assert_msg(calls[i].answered && calls[i].reply.status == 200, "call %d: %d", i,
                      calls[i].reply.status);
        wire_reply_clear(&calls[i].reply);
    }
    ck_assert_int_eq(atomic_load(&finished), N);
    karak_server_free(s);
    karak_app_free(app);
}
END_TEST

START_TEST(run_on_is_checked)
{
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/", fast, .run_on = (karak_run_on)9), KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(app), "route GET /: run_on 9 is not a karak_run_on");
    karak_app_free(app);
    app = karak_new(.run_on = (karak_run_on)7);
    ck_assert_ptr_nonnull(app);
    ck_assert_str_eq(karak_app_error(app), "app: run_on 7 is not a karak_run_on");
    karak_app_free(app);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, blocking_routes_do_not_stall_the_io_thread);
    tcase_add_test(tc, auto_moves_a_blocking_route_to_the_pool);
    tcase_add_test(tc, declared_routes_stay_where_they_are);
    tcase_add_test(tc, a_full_queue_is_503);
    tcase_add_test(tc, the_stop_answers_what_the_pool_holds);
    tcase_add_test(tc, run_on_is_checked);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
