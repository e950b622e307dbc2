/* Black-box: examples/bench_app (the port of the benchmark's FastAPI app) on a free port with
 * a database path in a fresh directory. Every endpoint's answer is compared byte for byte
 * with what the Python original (the anchors benchmark's peers/fastapi_app.py, on a
 * database made by its peers/make_db.py) answered under FastAPI 0.141.1 / pydantic 2.13.4.
 * Then: the database is created when missing and kept when present, found through --db,
 * KARAK_DB or ANCHORS_DB in that order; concurrent /db requests on keep-alive connections
 * all get the ten users, from at most one SQLite connection per worker. */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define JSON_TYPE HDRS("content-type", "application/json")

/* GET /json: 526 bytes */
#define JSON_DOC                                                                              \
    "{\"message\":\"Hello, World!\",\"items\":[{\"id\":0,\"value\":0},{\"id\":1,\"value\":10},"   \
    "{\"id\":2,\"value\":20},{\"id\":3,\"value\":30},{\"id\":4,\"value\":40},{\"id\":5,"          \
    "\"value\":50},{\"id\":6,\"value\":60},{\"id\":7,\"value\":70},{\"id\":8,\"value\":80},"      \
    "{\"id\":9,\"value\":90},{\"id\":10,\"value\":100},{\"id\":11,\"value\":110},{\"id\":12,"     \
    "\"value\":120},{\"id\":13,\"value\":130},{\"id\":14,\"value\":140},{\"id\":15,\"value\":"    \
    "150},{\"id\":16,\"value\":160},{\"id\":17,\"value\":170},{\"id\":18,\"value\":180},"         \
    "{\"id\":19,\"value\":190}],\"nested\":{\"level1\":{\"level2\":\"deep value\"},"              \
    "\"another\":{\"key\":\"value\"}}}"

/* GET /db: 532 bytes */
#define DB_USERS                                                                              \
    "[{\"id\":1,\"name\":\"User 0\",\"email\":\"user0@example.com\"},{\"id\":2,\"name\":"         \
    "\"User 1\",\"email\":\"user1@example.com\"},{\"id\":3,\"name\":\"User 2\",\"email\":"        \
    "\"user2@example.com\"},{\"id\":4,\"name\":\"User 3\",\"email\":\"user3@example.com\"},"      \
    "{\"id\":5,\"name\":\"User 4\",\"email\":\"user4@example.com\"},{\"id\":6,\"name\":"          \
    "\"User 5\",\"email\":\"user5@example.com\"},{\"id\":7,\"name\":\"User 6\",\"email\":"        \
    "\"user6@example.com\"},{\"id\":8,\"name\":\"User 7\",\"email\":\"user7@example.com\"},"      \
    "{\"id\":9,\"name\":\"User 8\",\"email\":\"user8@example.com\"},{\"id\":10,\"name\":"         \
    "\"User 9\",\"email\":\"user9@example.com\"}]"

#define NOT_FOUND "{\"detail\":\"Not Found\"}"
#define INT_PARSING(input)                                                                    \
    "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input "     \
    "should be a valid integer, unable to parse string as an integer\",\"input\":\"" input       \
    "\"}]}"

static const wire_case rows[] = {
    {"GET", "/", NULL, NULL, 200, JSON_TYPE, "{\"message\":\"Hello, World!\"}"},
    {"GET", "/json", NULL, NULL, 200, JSON_TYPE, JSON_DOC},
    {"GET", "/cpu", NULL, NULL, 200, JSON_TYPE,
     "{\"result\":333328333350000,\"iterations\":100000}"},
    {"GET", "/cpu?x=1", NULL, NULL, 200, JSON_TYPE,
     "{\"result\":333328333350000,\"iterations\":100000}"},
    {"GET", "/items/42", NULL, NULL, 200, JSON_TYPE, "{\"id\":42}"},
    {"GET", "/items/-7", NULL, NULL, 200, JSON_TYPE, "{\"id\":-7}"},
    {"GET", "/items/+5", NULL, NULL, 200, JSON_TYPE, "{\"id\":5}"},
    {"GET", "/items/007", NULL, NULL, 200, JSON_TYPE, "{\"id\":7}"},
    {"GET", "/items/%2042", NULL, NULL, 200, JSON_TYPE, "{\"id\":42}"},
    {"GET", "/items/abc", NULL, NULL, 422, JSON_TYPE, INT_PARSING("abc")},
    {"GET", "/items/1.5", NULL, NULL, 422, JSON_TYPE, INT_PARSING("1.5")},
    {"GET", "/items/", NULL, NULL, 404, JSON_TYPE, NOT_FOUND},
    {"GET", "/nope", NULL, NULL, 404, JSON_TYPE, NOT_FOUND},
    /* docs off: openapi_url=None, docs_url=None, redoc_url=None */
    {"GET", "/openapi.json", NULL, NULL, 404, JSON_TYPE, NOT_FOUND},
    {"GET", "/docs", NULL, NULL, 404, JSON_TYPE, NOT_FOUND},
    {"GET", "/redoc", NULL, NULL, 404, JSON_TYPE, NOT_FOUND},
    /* FastAPI's Allow is "GET" (libkarak's lists HEAD too: docs/semantics.md) */
    {"POST", "/json", NULL, NULL, 405, JSON_TYPE, "{\"detail\":\"Method Not Allowed\"}"},
    {"GET", "/db", NULL, NULL, 200, JSON_TYPE, DB_USERS},
};

/* ---- a fresh directory for the database ---- */

static char dir[PATH_MAX];

static void dir_make(void)
{
    snprintf(dir, sizeof dir, "/tmp/karak-bench-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    unsetenv("KARAK_DB");
    unsetenv("ANCHORS_DB");
}

static const char *in_dir(const char *name, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "%s/%s", dir, name);
    ck_assert(n > 0 && (size_t)n < cap);
    return buf;
}

/* Files in the directory (a temporary file left behind would show here). */
static int dir_count(void)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    closedir(d);
    return n;
}

static void dir_remove(void)
{
    DIR *d = opendir(dir);
    char path[PATH_MAX + 256];
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        unlink(path);
    }
    if (d != NULL) closedir(d);
    rmdir(dir);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void expect_users(unsigned port)
{
    wire_expect_case(port, &rows[sizeof rows / sizeof *rows - 1], "GET /db");
}

/* ---- bench_app with arguments of its own ---- */

/* bench_app --port 0 --workers 2 plus `extra`, stderr read for the serving line. Returns
 * the process (port 0 when it exited instead of serving: then *status is its exit code). */
static example_proc start_with(const char *const *extra, int *status)
{
    const char *args[16] = {BENCH_APP_BIN, "--port", "0", "--workers", "2"};
    size_t n = 5;
    for (; extra != NULL && *extra != NULL && n < 15; extra++) args[n++] = *extra;
    args[n] = NULL;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execv(BENCH_APP_BIN, (char *const *)args);
        _exit(127);
    }
    close(fds[1]);
    char buf[1024] = "";
    size_t len = 0;
    while (strchr(buf, '\n') == NULL && len + 1 < sizeof buf) {
        struct pollfd p = {.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, 10000) <= 0) break;
        ssize_t r = read(fds[0], buf + len, sizeof buf - 1 - len);
        if (r <= 0) break;
        len += (size_t)r;
        buf[len] = '\0';
    }
    example_proc p = {.pid = pid, .err_fd = fds[0]};
    const char *at = strstr(buf, "serving on http://127.0.0.1:");
    if (at != NULL) {
        p.port = (unsigned)atoi(at + strlen("serving on http://127.0.0.1:"));
        return p;
    }
    int st = 0;
    for (int i = 0; i < 1000 && waitpid(pid, &st, WNOHANG) == 0; i++) usleep(10000);
    if (kill(pid, 0) == 0) { /* neither serving nor gone */
        kill(pid, SIGKILL);
        waitpid(pid, &st, 0);
    }
    close(fds[0]);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return p;
}

/* ---- the endpoints ---- */

START_TEST(endpoints)
{
    ck_assert_uint_eq(strlen(JSON_DOC), 526);
    ck_assert_uint_eq(strlen(DB_USERS), 532);
    dir_make();
    char db[PATH_MAX + 16];
    setenv("KARAK_DB", in_dir("bench.db", db, sizeof db), 1);
    ck_assert(!exists(db));
    example_proc p = example_start(BENCH_APP_BIN);
    ck_assert_msg(exists(db), "the database was not created at startup");
    wire_expect_table(p.port, rows, sizeof rows / sizeof *rows);
    wire_reply r;
    wire_request(p.port, "GET", "/json", NULL, &r);
    ck_assert_uint_eq(r.body_len, 526);
    char len[16];
    ck_assert_str_eq(wire_header(&r, "content-length", 0, len, sizeof len), "526");
    wire_reply_clear(&r);
    ck_assert_int_eq(example_stop(&p), 0);
    ck_assert_int_eq(dir_count(), 1); /* the database alone: no temporary file left */
    dir_remove();
}
END_TEST

/* ---- where the database is, and when it is made ---- */

/* A database that exists is opened as it is, never made again. */
START_TEST(db_kept)
{
    dir_make();
    char db[PATH_MAX + 16];
    setenv("KARAK_DB", in_dir("kept.db", db, sizeof db), 1);
    example_proc p = example_start(BENCH_APP_BIN);
    ck_assert_int_eq(example_stop(&p), 0);
    struct stat before, after;
    ck_assert_int_eq(stat(db, &before), 0);
    p = example_start(BENCH_APP_BIN);
    expect_users(p.port);
    ck_assert_int_eq(example_stop(&p), 0);
    ck_assert_int_eq(stat(db, &after), 0);
    ck_assert_uint_eq(before.st_ino, after.st_ino);
    ck_assert_int_eq(before.st_mtim.tv_sec, after.st_mtim.tv_sec);
    ck_assert_int_eq(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
    dir_remove();
}
END_TEST

/* KARAK_DB before ANCHORS_DB; ANCHORS_DB alone (what the benchmark's run.sh sets). */
START_TEST(db_from_env)
{
    dir_make();
    char karak_db[PATH_MAX + 16], anchors_db[PATH_MAX + 16];
    setenv("KARAK_DB", in_dir("karak.db", karak_db, sizeof karak_db), 1);
    setenv("ANCHORS_DB", in_dir("anchors.db", anchors_db, sizeof anchors_db), 1);
    example_proc p = example_start(BENCH_APP_BIN);
    expect_users(p.port);
    ck_assert_int_eq(example_stop(&p), 0);
    ck_assert(exists(karak_db) && !exists(anchors_db));
    unsetenv("KARAK_DB");
    p = example_start(BENCH_APP_BIN);
    expect_users(p.port);
    ck_assert_int_eq(example_stop(&p), 0);
    ck_assert(exists(anchors_db));
    dir_remove();
}
END_TEST

/* --db beats the environment and is not passed on to karak_run (which refuses unknown
 * options); --db without a path is a usage error; a database that cannot be made stops
 * the start. */
START_TEST(db_flag)
{
    dir_make();
    char flag_db[PATH_MAX + 16], bad_db[PATH_MAX + 16];
    in_dir("flag.db", flag_db, sizeof flag_db);
    setenv("KARAK_DB", in_dir("missing-dir/x.db", bad_db, sizeof bad_db), 1);
    int status = -1;
    example_proc p = start_with(HDRS("--db", flag_db), &status);
    ck_assert_msg(p.port > 0, "did not serve (exit %d)", status);
    expect_users(p.port);
    ck_assert_int_eq(example_stop(&p), 0);
    ck_assert(exists(flag_db));

    p = start_with(HDRS("--db"), &status);
    ck_assert_uint_eq(p.port, 0);
    ck_assert_int_eq(status, 2);

    p = start_with(NULL, &status); /* KARAK_DB in a directory that does not exist */
    ck_assert_uint_eq(p.port, 0);
    ck_assert_int_eq(status, 1);
    dir_remove();
}
END_TEST

/* ---- concurrent /db ---- */

#define CLIENTS 6
#define REQUESTS_EACH 50

typedef struct {
    unsigned port;
    int good;
} client;

/* REQUESTS_EACH requests on one keep-alive connection. */
static void *ask_users(void *arg)
{
    client *cl = arg;
    static const char req[] = "GET /db HTTP/1.1\r\nHost: bench\r\n\r\n";
    int fd = wire_connect(cl->port);
    if (fd < 0) return NULL;
    for (int i = 0; i < REQUESTS_EACH; i++) {
        wire_reply r;
        wire_send(fd, req, sizeof req - 1);
        if (!wire_read(fd, &r, false)) break;
        if (r.status == 200 && strcmp(r.body, DB_USERS) == 0) cl->good++;
        wire_reply_clear(&r);
    }
    close(fd);
    return NULL;
}

/* Descriptors of the server process open on the database file. */
static int db_fds(int pid, const char *db)
{
    char fd_dir[64], link[PATH_MAX + 64], target[PATH_MAX];
    snprintf(fd_dir, sizeof fd_dir, "/proc/%d/fd", pid);
    DIR *d = opendir(fd_dir);
    int n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        snprintf(link, sizeof link, "%s/%s", fd_dir, e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0) continue;
        target[len] = '\0';
        if (strcmp(target, db) == 0) n++;
    }
    if (d != NULL) closedir(d);
    return n;
}

START_TEST(concurrent_db)
{
    dir_make();
    char db[PATH_MAX + 16];
    setenv("KARAK_DB", in_dir("bench.db", db, sizeof db), 1);
    example_proc p = example_start(BENCH_APP_BIN);
    ck_assert_int_eq(db_fds(p.pid, db), 0); /* opened by a worker's first /db */
    client cl[CLIENTS];
    pthread_t t[CLIENTS];
    for (int i = 0; i < CLIENTS; i++) {
        cl[i] = (client){.port = p.port};
        ck_assert_int_eq(pthread_create(&t[i], NULL, ask_users, &cl[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(cl[i].good == REQUESTS_EACH, "client %d: %d of %d answers right", i,
                      cl[i].good, REQUESTS_EACH);
    }
    /* one connection per worker that served /db: two workers */
    int open_fds = db_fds(p.pid, db);
    ck_assert_msg(open_fds >= 1 && open_fds <= 2, "%d connections to the database", open_fds);
    ck_assert_int_eq(example_stop(&p), 0); /* under ASan: a connection left open leaks */
    dir_remove();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("bench_app");
    TCase *tc = tcase_create("bench_app");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, endpoints);
    tcase_add_test(tc, db_kept);
    tcase_add_test(tc, db_from_env);
    tcase_add_test(tc, db_flag);
    tcase_add_test(tc, concurrent_db);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
