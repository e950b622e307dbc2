/* Black-box: examples/notes (a notes service on SQLite behind bearer auth, ported from a
 * FastAPI app) on a free port with a fresh database, a table of requests — authenticated
 * or not, valid and invalid, in an order that builds state — each compared with what the
 * Python original answered under FastAPI 0.141.1 / pydantic 2.13.4 (status, the headers
 * that matter, body bytes). Then concurrent clients create, patch and delete notes: no
 * write is lost and no SQLite connection is left open.
 *
 * libkarak's documented deviation shows in the expected headers: a 204 carries no
 * Content-Type. */
#define _GNU_SOURCE
#include <dirent.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const wire_case rows[] = {
    {"GET", "/notes", NULL, NULL,
     401, HDRS("www-authenticate", "Bearer", "content-type", "application/json"),
     "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/notes", HDRS("Authorization", "Bearer nope"), NULL,
     401, HDRS("www-authenticate", "Bearer", "content-type", "application/json"),
     "{\"detail\":\"Invalid token\"}"},
    {"GET", "/notes", HDRS("Authorization", "Basic x"), NULL,
     401, HDRS("www-authenticate", "Bearer", "content-type", "application/json"),
     "{\"detail\":\"Not authenticated\"}"},
    {"POST", "/notes?x=1", NULL, "{\"title\":\"\"}",
     401, HDRS("www-authenticate", "Bearer", "content-type", "application/json"),
     "{\"detail\":\"Not authenticated\"}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer alice-token"), "{\"title\":\"\"}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"title\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}}]}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer alice-token"), "{bad",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",1],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double quotes\"}}]}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer alice-token", "X-Request-Id", "req-1"), "{\"title\":\"First\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}",
     201, HDRS("content-type", "application/json", "x-request-id", "req-1"),
     "{\"id\":1,\"owner\":\"alice\",\"title\":\"First\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer alice-token"), "{\"title\":\"Second\"}",
     201, HDRS("content-type", "application/json"),
     "{\"id\":2,\"owner\":\"alice\",\"title\":\"Second\",\"body\":\"\",\"tags\":[],\"author\":null}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer bob-token"), "{\"title\":\"Bob note\",\"tags\":[\"a\"],\"author\":{\"name\":\"Bob\"}}",
     201, HDRS("content-type", "application/json"),
     "{\"id\":3,\"owner\":\"bob\",\"title\":\"Bob note\",\"body\":\"\",\"tags\":[\"a\"],\"author\":{\"name\":\"Bob\",\"email\":null}}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer alice-token"), "{\"title\":\"x\",\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"],\"author\":{\"name\":\"\"}}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"too_long\",\"loc\":[\"body\",\"tags\"],\"msg\":\"List should have at most 5 items after validation, not 6\",\"input\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"],\"ctx\":{\"field_type\":\"List\",\"max_length\":5,\"actual_length\":6}},{\"type\":\"string_too_short\",\"loc\":[\"body\",\"author\",\"name\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}}]}"},
    {"POST", "/notes", HDRS("Authorization", "Bearer alice-token", "X-Request-Id", "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"), "{\"title\":\"t\"}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"header\",\"x-request-id\"],\"msg\":\"String should have at most 64 characters\",\"input\":\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\",\"ctx\":{\"max_length\":64}}]}"},
    {"GET", "/notes", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"owner\":\"alice\",\"title\":\"First\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}},{\"id\":2,\"owner\":\"alice\",\"title\":\"Second\",\"body\":\"\",\"tags\":[],\"author\":null}]"},
    {"GET", "/notes?q=WORLD", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"owner\":\"alice\",\"title\":\"First\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}]"},
    {"GET", "/notes?tag=b", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"owner\":\"alice\",\"title\":\"First\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}]"},
    {"GET", "/notes?skip=1&limit=1", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":2,\"owner\":\"alice\",\"title\":\"Second\",\"body\":\"\",\"tags\":[],\"author\":null}]"},
    {"GET", "/notes?skip=-1&limit=101&q=", HDRS("Authorization", "Bearer alice-token"), NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"skip\"],\"msg\":\"Input should be greater than or equal to 0\",\"input\":\"-1\",\"ctx\":{\"ge\":0}},{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],\"msg\":\"Input should be less than or equal to 100\",\"input\":\"101\",\"ctx\":{\"le\":100}},{\"type\":\"string_too_short\",\"loc\":[\"query\",\"q\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}}]}"},
    {"GET", "/notes", HDRS("Authorization", "Bearer bob-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":3,\"owner\":\"bob\",\"title\":\"Bob note\",\"body\":\"\",\"tags\":[\"a\"],\"author\":{\"name\":\"Bob\",\"email\":null}}]"},
    {"GET", "/notes/1", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"id\":1,\"owner\":\"alice\",\"title\":\"First\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}"},
    {"GET", "/notes/1", HDRS("Authorization", "Bearer bob-token"), NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Note not found\"}"},
    {"GET", "/notes/abc", HDRS("Authorization", "Bearer alice-token"), NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"note_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"}]}"},
    {"PATCH", "/notes/1", HDRS("Authorization", "Bearer alice-token"), "{\"title\":\"First!\"}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":1,\"owner\":\"alice\",\"title\":\"First!\",\"body\":\"hello world\",\"tags\":[\"a\",\"b\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}"},
    {"PATCH", "/notes/1", HDRS("Authorization", "Bearer alice-token"), "{\"title\":null}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":\"Fields cannot be null\"}"},
    {"PATCH", "/notes/1", HDRS("Authorization", "Bearer alice-token"), "{\"tags\":[\"z\"],\"body\":\"new\"}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":1,\"owner\":\"alice\",\"title\":\"First!\",\"body\":\"new\",\"tags\":[\"z\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}"},
    {"PATCH", "/notes/1", HDRS("Authorization", "Bearer alice-token"), "{\"tags\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"],\"title\":\"\"}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"title\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}},{\"type\":\"too_long\",\"loc\":[\"body\",\"tags\"],\"msg\":\"List should have at most 5 items after validation, not 6\",\"input\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\"],\"ctx\":{\"field_type\":\"List\",\"max_length\":5,\"actual_length\":6}}]}"},
    {"PATCH", "/notes/2", HDRS("Authorization", "Bearer alice-token"), "{}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":2,\"owner\":\"alice\",\"title\":\"Second\",\"body\":\"\",\"tags\":[],\"author\":null}"},
    {"PATCH", "/notes/3", HDRS("Authorization", "Bearer alice-token"), "{\"title\":\"steal\"}",
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Note not found\"}"},
    {"GET", "/me", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"name\":\"alice\",\"note_count\":2}"},
    {"GET", "/me", HDRS("Authorization", "Bearer bob-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"name\":\"bob\",\"note_count\":1}"},
    {"DELETE", "/notes/2", HDRS("Authorization", "Bearer alice-token"), NULL,
     204, NULL,
     ""},
    {"DELETE", "/notes/2", HDRS("Authorization", "Bearer alice-token"), NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Note not found\"}"},
    {"GET", "/notes", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"owner\":\"alice\",\"title\":\"First!\",\"body\":\"new\",\"tags\":[\"z\"],\"author\":{\"name\":\"Al\",\"email\":\"al@x\"}}]"},
    {"GET", "/me", HDRS("Authorization", "Bearer alice-token"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"name\":\"alice\",\"note_count\":1}"},
};

static char db_dir[] = "/tmp/karak-notes-XXXXXX";
static char db_file[PATH_MAX];

static example_proc start_notes(void)
{
    ck_assert_ptr_nonnull(mkdtemp(db_dir));
    snprintf(db_file, sizeof db_file, "%s/notes.db", db_dir);
    setenv("NOTES_DB", db_file, 1);
    return example_start(NOTES_BIN);
}

static void stop_notes(example_proc *p)
{
    ck_assert_int_eq(example_stop(p), 0);
    char path[PATH_MAX + 16];
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        snprintf(path, sizeof path, "%s%s", db_file, suffixes[i]);
        unlink(path);
    }
    rmdir(db_dir);
    strcpy(db_dir + strlen(db_dir) - 6, "XXXXXX");
}

START_TEST(notes_table)
{
    example_proc p = start_notes();
    wire_expect_table(p.port, rows, sizeof rows / sizeof *rows);
    stop_notes(&p);
}
END_TEST

/* ---- concurrent writers ---- */

#define WRITERS 4
#define NOTES_EACH 25

typedef struct {
    unsigned port;
    int index;
    int failures;
    int64_t ids[NOTES_EACH];
} writer;

static int request_status(unsigned port, const char *method, const char *target,
                          const char *json, char *body, size_t cap)
{
    wire_reply r;
    wire_request(port, method, target,
                 &(const karak_request_opts){.headers = HDRS("Authorization", "Bearer bob-token"),
                                             .json = json,
                                             .struct_size = sizeof(karak_request_opts)},
                 &r);
    int status = r.status;
    if (body != NULL) snprintf(body, cap, "%s", r.body);
    wire_reply_clear(&r);
    return status;
}

/* Creates its notes, renames each, deletes every other one. */
static void *write_notes(void *arg)
{
    writer *w = arg;
    char body[512], json[128], target[64];
    for (int i = 0; i < NOTES_EACH; i++) {
        snprintf(json, sizeof json, "{\"title\":\"w%d-%d\",\"tags\":[\"w%d\"]}", w->index, i,
                 w->index);
        if (request_status(w->port, "POST", "/notes", json, body, sizeof body) != 201 ||
            sscanf(body, "{\"id\":%" SCNd64, &w->ids[i]) != 1)
            w->failures++;
    }
    for (int i = 0; i < NOTES_EACH; i++) {
        snprintf(target, sizeof target, "/notes/%" PRId64, w->ids[i]);
        snprintf(json, sizeof json, "{\"body\":\"patched %d\"}", i);
        if (request_status(w->port, "PATCH", target, json, body, sizeof body) != 200 ||
            strstr(body, "patched") == NULL)
            w->failures++;
        if (i % 2 == 1 && request_status(w->port, "DELETE", target, NULL, NULL, 0) != 204)
            w->failures++;
    }
    return NULL;
}

/* Descriptors of the server process that point at the database file. */
static int db_fds(int pid)
{
    char dir[64], link[PATH_MAX + 64], target[PATH_MAX];
    snprintf(dir, sizeof dir, "/proc/%d/fd", pid);
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;) {
        snprintf(link, sizeof link, "%s/%s", dir, e->d_name);
        ssize_t len = readlink(link, target, sizeof target - 1);
        if (len <= 0) continue;
        target[len] = '\0';
        if (strncmp(target, db_file, strlen(db_file)) == 0) n++;
    }
    if (d != NULL) closedir(d);
    return n;
}

START_TEST(concurrent_writers)
{
    example_proc p = start_notes();
    writer w[WRITERS];
    pthread_t t[WRITERS];
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (writer){.port = p.port, .index = i};
        ck_assert_int_eq(pthread_create(&t[i], NULL, write_notes, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(w[i].failures == 0, "writer %d: %d failed requests", i, w[i].failures);
    }
    /* every note created and not deleted is there, patched */
    char body[256];
    ck_assert_int_eq(request_status(p.port, "GET", "/me", NULL, body, sizeof body), 200);
    char want[64];
    snprintf(want, sizeof want, "{\"name\":\"bob\",\"note_count\":%d}",
             WRITERS * (NOTES_EACH - NOTES_EACH / 2));
    ck_assert_str_eq(body, want);
    ck_assert_int_eq(request_status(p.port, "GET", "/notes?tag=w2&limit=100&q=patched", NULL,
                                    NULL, 0),
                     200);
    /* the connections were closed after their responses: none is left once idle */
    int open_fds = -1;
    for (int i = 0; i < 100 && open_fds != 0; i++) {
        open_fds = db_fds(p.pid);
        if (open_fds != 0) usleep(10000);
    }
    ck_assert_int_eq(open_fds, 0);
    stop_notes(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("notes");
    TCase *tc = tcase_create("notes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, notes_table);
    tcase_add_test(tc, concurrent_writers);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
