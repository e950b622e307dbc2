/* 10,000 concurrent keep-alive connections on the Quick Start (examples/quickstart, its own
 * process): every one answered and then held open, a new client still answered in a few
 * milliseconds, and the server's memory per idle connection printed at 1,000 and 10,000
 * (ctest label "scale"). Needs 10,000 descriptors in each process: the soft limit is raised
 * to the hard one, and the test is skipped with a message where the hard limit is lower. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_CONNS 10000
static int CONNS = MAX_CONNS; /* 1,000 under valgrind (KARAK_UNDER_VALGRIND), which is slow
                                 with many descriptors */

static long rss_kib(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0) kib = atol(line + 6);
    if (f != NULL) fclose(f);
    return kib;
}

static const char req[] = "GET / HTTP/1.1\r\nHost: t\r\n\r\n";
static const char want[] = "{\"message\":\"Hello, World!\"}";

/* Sends one request on each of fds[from, to) and waits for every answer (keep-alive: the
 * connections stay open). */
static void request_all(const int *fds, int from, int to)
{
    for (int i = from; i < to; i++)
        ck_assert_msg(send(fds[i], req, sizeof req - 1, MSG_NOSIGNAL) == (ssize_t)(sizeof req - 1),
                      "send on connection %d", i);
    int answered = 0;
    static char buf[512];
    for (int i = from; i < to; i++) {
        struct pollfd p = {.fd = fds[i], .events = POLLIN};
        ck_assert_msg(poll(&p, 1, 10000) == 1, "connection %d: no answer in 10 s", i);
        ssize_t n = recv(fds[i], buf, sizeof buf - 1, 0);
        ck_assert_msg(n > 0, "connection %d closed", i);
        buf[n] = '\0';
        ck_assert_msg(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0 && strstr(buf, want) != NULL,
                      "connection %d: %.100s", i, buf);
        answered++;
    }
    ck_assert_int_eq(answered, to - from);
}

START_TEST(ten_thousand_connections)
{
    if (getenv("KARAK_UNDER_VALGRIND") != NULL) CONNS = 1000;
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)CONNS + 200) {
        fprintf(stderr, "test_scale: SKIP: the open-file hard limit is %lu, below %d\n",
                (unsigned long)rl.rlim_max, CONNS + 200);
        return;
    }
    rl.rlim_cur = rl.rlim_max;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    setenv("KARAK_MAX_CONNECTIONS", "10100", 1);
    example_proc srv = example_start(QUICKSTART_BIN);
    static int fds[MAX_CONNS];
    long rss0 = rss_kib(srv.pid), rss1k = 0;
    for (int i = 0; i < CONNS; i++) {
        fds[i] = wire_connect(srv.port);
        ck_assert_msg(fds[i] >= 0, "connection %d: %s", i, strerror(errno));
        if (i + 1 == 1000 || (i + 1 == CONNS && CONNS > 1000)) {
            int from = i + 1 == 1000 ? 0 : 1000;
            request_all(fds, from, i + 1);
            if (i + 1 == 1000) rss1k = rss_kib(srv.pid);
        }
    }
    long rss10k = rss_kib(srv.pid);
    /* a new client beside them all */
    long long worst = 0;
    for (int i = 0; i < 5; i++) {
        wire_reply r;
        long long t0 = test_now_ms();
        wire_exchange(srv.port, "GET /items/7 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                      false, &r);
        long long took = test_now_ms() - t0;
        ck_assert_int_eq(r.status, 200);
        ck_assert_str_eq(r.body, "{\"id\":7}");
        wire_reply_clear(&r);
        if (took > worst) worst = took;
    }
    /* and every held connection still open and serving: a second request on each */
    request_all(fds, 0, CONNS);
    fprintf(stderr,
            "test_scale: %d keep-alive connections held; a new request answered in %lld ms at "
            "worst; RSS %ld KiB at start, %ld KiB with 1,000 (%.1f KiB each), %ld KiB with "
            "all (%.1f KiB each)\n",
            CONNS, worst, rss0, rss1k, (double)(rss1k - rss0) / 1000.0, rss10k,
            (double)(rss10k - rss0) / CONNS);
    ck_assert_msg(worst < 100, "a new request took %lld ms beside %d connections", worst, CONNS);
    for (int i = 0; i < CONNS; i++) close(fds[i]);
    ck_assert_int_eq(example_stop(&srv), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scale");
    TCase *tc = tcase_create("scale");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, ten_thousand_connections);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
