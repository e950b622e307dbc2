/* Black-box: examples/items (Karak's basic.py items CRUD, ported from its FastAPI version)
 * on a free port, a table of requests in an order that builds state — valid and invalid,
 * every route — each compared with what the Python original answered under FastAPI 0.141.1
 * / pydantic 2.13.4 (status, the headers that matter, body bytes); the trailing-slash
 * redirects themselves; the startup hook's line; then 64 clients creating and deleting at
 * once: every id distinct, nothing lost, the list exact.
 *
 * libkarak's documented deviations (docs/semantics.md) are the rows marked [libkarak], with
 * FastAPI's answer beside them: a 405's Allow lists every method of the path, GET routes
 * serve HEAD, and an integer path parameter beyond int64 is a 422. */
#define _GNU_SOURCE
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const wire_case rows[] = {
    /* ---- an empty store ---- */
    {"GET", "/", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"message\":\"Welcome to Karak!\"}"},
    {"GET", "/health", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"status\":\"healthy\"}"},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[]"},
    {"GET", "/items/1", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    {"DELETE", "/items/1", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    /* ---- creates: ids from 1, quantity's default, lax coercion, extra keys ignored ---- */
    {"POST", "/items", NULL, "{\"name\":\"Widget\",\"price\":9.99}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1}"},
    {"POST", "/items", NULL, "{\"name\":\"Gadget\",\"price\":25,\"quantity\":3}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":2,\"name\":\"Gadget\",\"price\":25.0,\"quantity\":3}"},
    {"POST", "/items", NULL, "{\"name\":\"Caf\303\251 \342\230\225\",\"price\":\"1.5\",\"quantity\":\"2\",\"colour\":\"red\"}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2}"},
    {"POST", "/items", NULL, "{\"name\":\"Big\",\"price\":1e16,\"quantity\":-4}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4}"},
    {"POST", "/items", NULL, "{\"name\":\"After\",\"price\":0.1,\"quantity\":true}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1}"},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1},{\"id\":2,\"name\":\"Gadget\",\"price\":25.0,\"quantity\":3},{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1}]"},
    {"GET", "/items/1", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1}"},
    {"GET", "/items/3", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2}"},
    {"GET", "/items/1.0", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1}"},
    {"GET", "/items/999", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    {"GET", "/items/0", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    {"GET", "/items/-1", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    /* ---- 422s: path parameters; bodies with one error or several, no object, no JSON,
     * not sent as JSON ---- */
    {"GET", "/items/abc", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"}]}"},
    {"GET", "/items/1.5", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"1.5\"}]}"},
    {"DELETE", "/items/abc", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"}]}"},
    {"POST", "/items", NULL, "{}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":{}},{\"type\":\"missing\",\"loc\":[\"body\",\"price\"],\"msg\":\"Field required\",\"input\":{}}]}"},
    {"POST", "/items", NULL, "{\"price\":1}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\",\"input\":{\"price\":1}}]}"},
    {"POST", "/items", NULL, "{\"name\":1,\"price\":\"x\",\"quantity\":1.5}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":1},{\"type\":\"float_parsing\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a valid number, unable to parse string as a number\",\"input\":\"x\"},{\"type\":\"int_from_float\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"input\":1.5}]}"},
    {"POST", "/items", NULL, "{\"name\":null,\"price\":true,\"quantity\":\"many\"}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be a valid string\",\"input\":null},{\"type\":\"int_parsing\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"many\"}]}"},
    {"POST", "/items", NULL, "{bad",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",1],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double quotes\"}}]}"},
    {"POST", "/items", NULL, "{\"name\":\"x\",\"price\":1,}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",22],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double quotes\"}}]}"},
    {"POST", "/items", NULL, "",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"POST", "/items", NULL, "[1]",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":[1]}]}"},
    {"POST", "/items", NULL, "null",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"POST", "/items", NULL, "\"text\"",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":\"text\"}]}"},
    {"POST", "/items", HDRS("Content-Type", "text/plain"), "{\"name\":\"x\",\"price\":1}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":\"{\\\"name\\\":\\\"x\\\",\\\"price\\\":1}\"}]}"},
    {"POST", "/items", HDRS("Content-Type", "application/x-www-form-urlencoded"), "{\"name\":\"x\",\"price\":1}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":\"{\\\"name\\\":\\\"x\\\",\\\"price\\\":1}\"}]}"},
    /* ---- 404 and 405; nothing above was stored ---- */
    {"GET", "/nope", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Not Found\"}"},
    /* [libkarak] Allow lists every method of the path (FastAPI: "GET", the first route's) */
    {"PUT", "/items", NULL, "{\"name\":\"x\",\"price\":1}",
     405, HDRS("allow", "GET, HEAD, POST", "content-type", "application/json"),
     "{\"detail\":\"Method Not Allowed\"}"},
    /* [libkarak] FastAPI: Allow: GET */
    {"PATCH", "/items/1", NULL, "{\"name\":\"x\",\"price\":1}",
     405, HDRS("allow", "GET, HEAD, DELETE", "content-type", "application/json"),
     "{\"detail\":\"Method Not Allowed\"}"},
    /* [libkarak] FastAPI: Allow: GET */
    {"DELETE", "/health", NULL, NULL,
     405, HDRS("allow", "GET, HEAD", "content-type", "application/json"),
     "{\"detail\":\"Method Not Allowed\"}"},
    /* [libkarak] GET routes serve HEAD (FastAPI: 405, Allow: GET) */
    {"HEAD", "/health", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     ""},
    /* [libkarak] beyond int64, out of the C member's range (FastAPI: 404 Item not found) */
    {"GET", "/items/99999999999999999999", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be less than or equal to 9223372036854775807\",\"input\":\"99999999999999999999\",\"ctx\":{\"le\":9223372036854775807}}]}"},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1},{\"id\":2,\"name\":\"Gadget\",\"price\":25.0,\"quantity\":3},{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1}]"},
    /* ---- delete, then get; the list keeps creation order; ids are never reused ---- */
    {"DELETE", "/items/2", NULL, NULL,
     204, NULL,
     ""},
    {"DELETE", "/items/2", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    {"GET", "/items/2", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1},{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1}]"},
    {"POST", "/items", NULL, "{\"name\":\"New\",\"price\":3}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":6,\"name\":\"New\",\"price\":3.0,\"quantity\":1}"},
    {"DELETE", "/items/6", NULL, NULL,
     204, NULL,
     ""},
    {"DELETE", "/items/1", NULL, NULL,
     204, NULL,
     ""},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1}]"},
    {"POST", "/items", NULL, "{\"name\":\"Last\",\"price\":-0.5,\"quantity\":0}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":7,\"name\":\"Last\",\"price\":-0.5,\"quantity\":0}"},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1},{\"id\":7,\"name\":\"Last\",\"price\":-0.5,\"quantity\":0}]"},
    /* ---- a trailing slash: 307, followed as TestClient follows it (method, body kept) ---- */
    {"GET", "/items/", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1},{\"id\":7,\"name\":\"Last\",\"price\":-0.5,\"quantity\":0}]"},
    {"POST", "/items/", NULL, "{\"name\":\"Slash\",\"price\":2}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":8,\"name\":\"Slash\",\"price\":2.0,\"quantity\":1}"},
    {"GET", "/items/8/", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"id\":8,\"name\":\"Slash\",\"price\":2.0,\"quantity\":1}"},
    {"DELETE", "/items/8/", NULL, NULL,
     204, NULL,
     ""},
    {"GET", "/health/", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"status\":\"healthy\"}"},
    {"GET", "/items", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "[{\"id\":3,\"name\":\"Caf\303\251 \342\230\225\",\"price\":1.5,\"quantity\":2},{\"id\":4,\"name\":\"Big\",\"price\":1e+16,\"quantity\":-4},{\"id\":5,\"name\":\"After\",\"price\":0.1,\"quantity\":1},{\"id\":7,\"name\":\"Last\",\"price\":-0.5,\"quantity\":0}]"},
};

/* The example with its stdout in a temporary file (example_start keeps only its stderr),
 * where the startup hook writes; *out is that file. */
static example_proc start_items(FILE **out)
{
    *out = tmpfile();
    ck_assert_ptr_nonnull(*out);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(*out), STDOUT_FILENO), 0);
    example_proc p = example_start(ITEMS_BIN);
    ck_assert_int_ge(dup2(saved, STDOUT_FILENO), 0);
    close(saved);
    return p;
}

static void stop_items(example_proc *p, FILE *out)
{
    ck_assert_int_eq(example_stop(p), 0);
    fclose(out);
}

START_TEST(items_table)
{
    FILE *out;
    example_proc p = start_items(&out);
    /* the hook ran before the server accepted anything, and printed this only */
    char printed[128] = "";
    ssize_t n = pread(fileno(out), printed, sizeof printed - 1, 0);
    ck_assert_int_ge(n, 0);
    ck_assert_str_eq(printed, "Application starting up...\n");
    wire_expect_table(p.port, rows, sizeof rows / sizeof *rows);
    stop_items(&p, out);
}
END_TEST

/* ---- the redirects themselves ---- */

static void expect_redirect(unsigned port, const char *method, const char *target,
                            const char *json, const char *location)
{
    wire_reply r;
    wire_request(port, method, target,
                 &(const karak_request_opts){.json = json, .no_redirects = true,
                                             .struct_size = sizeof(karak_request_opts)},
                 &r);
    char buf[256];
    ck_assert_msg(r.status == 307, "%s %s: status %d", method, target, r.status);
    const char *got = wire_header(&r, "location", 0, buf, sizeof buf);
    ck_assert_msg(got != NULL && strcmp(got, location) == 0, "%s %s: Location %s", method,
                  target, got ? got : "(none)");
    ck_assert_msg(wire_header(&r, "content-type", 0, buf, sizeof buf) == NULL,
                  "%s %s: Content-Type %s", method, target, buf);
    ck_assert_str_eq(r.body, "");
    wire_reply_clear(&r);
}

/* FastAPI 0.141.1: 307, Location from Host, no body, no Content-Type; not followed, a POST
 * creates nothing and a DELETE deletes nothing. */
START_TEST(slash_redirects)
{
    FILE *out;
    example_proc p = start_items(&out);
    const wire_case create = {
        "POST", "/items", NULL, "{\"name\":\"Widget\",\"price\":9.99}",
        200, HDRS("content-type", "application/json"),
        "{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1}"};
    wire_expect_case(p.port, &create, "create");
    expect_redirect(p.port, "GET", "/items/", NULL, "http://testserver/items");
    expect_redirect(p.port, "POST", "/items/", "{\"name\":\"Slash\",\"price\":2}",
                    "http://testserver/items");
    expect_redirect(p.port, "GET", "/items/1/", NULL, "http://testserver/items/1");
    expect_redirect(p.port, "DELETE", "/items/1/", NULL, "http://testserver/items/1");
    expect_redirect(p.port, "GET", "/health/", NULL, "http://testserver/health");
    const wire_case list = {
        "GET", "/items", NULL, NULL,
        200, HDRS("content-type", "application/json"),
        "[{\"id\":1,\"name\":\"Widget\",\"price\":9.99,\"quantity\":1}]"};
    wire_expect_case(p.port, &list, "list");
    stop_items(&p, out);
}
END_TEST

/* ---- 64 clients at once ---- */

#define CLIENTS 64
#define CREATES 50            /* per client */
#define DELETES (CREATES / 2) /* per client, the even-numbered of its items */
#define REFILLS 5             /* per client, created while the others delete */

typedef struct client {
    unsigned port;
    int index;
    pthread_barrier_t *go;
    int64_t ids[CREATES + REFILLS];
    char error[512]; /* the first failure; "" when none */
} client;

/* What a client sends as its k-th item, and the response it must get for it. */
static void item_json(char *buf, size_t cap, int client_index, int k)
{
    snprintf(buf, cap, "{\"name\":\"c%d-%d\",\"price\":%d.5,\"quantity\":%d}", client_index, k,
             k, client_index);
}

static int item_response(char *buf, size_t cap, int64_t id, int client_index, int k)
{
    return snprintf(buf, cap,
                    "{\"id\":%" PRId64 ",\"name\":\"c%d-%d\",\"price\":%d.5,\"quantity\":%d}", id,
                    client_index, k, k, client_index);
}

/* One request on the client's keep-alive connection; false (with cl->error) when it did
 * not get `status`. */
static bool exchange(client *cl, int fd, const char *method, const char *target,
                     const char *json, int status, wire_reply *r)
{
    char req[512];
    int n = json ? snprintf(req, sizeof req,
                            "%s %s HTTP/1.1\r\nHost: testserver\r\nContent-Type: "
                            "application/json\r\nContent-Length: %zu\r\n\r\n%s",
                            method, target, strlen(json), json)
                 : snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: testserver\r\n\r\n", method,
                            target);
    wire_send(fd, req, (size_t)n);
    if (!wire_read(fd, r, false)) {
        snprintf(cl->error, sizeof cl->error, "%s %s: no response", method, target);
        return false;
    }
    if (r->status != status) {
        snprintf(cl->error, sizeof cl->error, "%s %s: %d %s", method, target, r->status, r->body);
        wire_reply_clear(r);
        return false;
    }
    return true;
}

/* POSTs item k and checks the answer is that item under a new id, kept in cl->ids[k]. */
static bool create(client *cl, int fd, int k)
{
    char json[128], want[160];
    item_json(json, sizeof json, cl->index, k);
    wire_reply r;
    if (!exchange(cl, fd, "POST", "/items", json, 200, &r)) return false;
    bool ok = sscanf(r.body, "{\"id\":%" SCNd64, &cl->ids[k]) == 1;
    item_response(want, sizeof want, cl->ids[k], cl->index, k);
    ok = ok && strcmp(r.body, want) == 0;
    if (!ok) snprintf(cl->error, sizeof cl->error, "item %d: %s, expected %s", k, r.body, want);
    wire_reply_clear(&r);
    return ok;
}

static void *create_items(void *arg)
{
    client *cl = arg;
    int fd = wire_connect(cl->port);
    pthread_barrier_wait(cl->go);
    if (fd < 0) snprintf(cl->error, sizeof cl->error, "no connection");
    for (int k = 0; fd >= 0 && k < CREATES && create(cl, fd, k); k++) continue;
    if (fd >= 0) close(fd);
    return NULL;
}

/* Deletes its even-numbered items (each then a 404), creating a new one after every fifth
 * delete, while the other clients do the same. */
static void *delete_items(void *arg)
{
    client *cl = arg;
    int fd = wire_connect(cl->port);
    pthread_barrier_wait(cl->go);
    if (fd < 0) snprintf(cl->error, sizeof cl->error, "no connection");
    for (int d = 0; fd >= 0 && d < DELETES; d++) {
        char target[64];
        snprintf(target, sizeof target, "/items/%" PRId64, cl->ids[2 * d]);
        wire_reply r;
        if (!exchange(cl, fd, "DELETE", target, NULL, 204, &r)) break;
        wire_reply_clear(&r);
        if (!exchange(cl, fd, "GET", target, NULL, 404, &r)) break;
        wire_reply_clear(&r);
        if (d % 5 == 4 && !create(cl, fd, CREATES + d / 5)) break;
    }
    if (fd >= 0) close(fd);
    return NULL;
}

static void run_clients(client *cl, unsigned port, void *(*fn)(void *))
{
    pthread_t t[CLIENTS];
    pthread_barrier_t go;
    ck_assert_int_eq(pthread_barrier_init(&go, NULL, CLIENTS), 0);
    for (int i = 0; i < CLIENTS; i++) {
        cl[i].port = port;
        cl[i].index = i;
        cl[i].go = &go;
        ck_assert_int_eq(pthread_create(&t[i], NULL, fn, &cl[i]), 0);
    }
    for (int i = 0; i < CLIENTS; i++) pthread_join(t[i], NULL);
    pthread_barrier_destroy(&go);
    for (int i = 0; i < CLIENTS; i++)
        ck_assert_msg(cl[i].error[0] == '\0', "client %d: %s", i, cl[i].error);
}

/* Who created the item of each id: of[id] = client * 100 + k, or -1. */
typedef struct owners {
    int of[CLIENTS * (CREATES + REFILLS) + 1];
} owners;

/* The ids of the first `per_client` items of every client are 1 to n, each once; records
 * who got which in *o. */
static void expect_ids(const client *cl, int per_client, owners *o, int n)
{
    for (int id = 0; id <= n; id++) o->of[id] = -1;
    for (int i = 0; i < CLIENTS; i++)
        for (int k = 0; k < per_client; k++) {
            int64_t id = cl[i].ids[k];
            ck_assert_msg(id >= 1 && id <= n, "client %d item %d: id %" PRId64 " outside 1..%d",
                          i, k, id, n);
            ck_assert_msg(o->of[id] < 0, "id %" PRId64 " handed out twice", id);
            o->of[id] = i * 100 + k;
        }
}

/* GET /items is exactly the items of `o` that `keep` keeps, in id order. */
static void expect_list(unsigned port, const owners *o, int n, bool (*keep)(int k))
{
    size_t cap = (size_t)n * 80 + 16, len = 0;
    char *want = malloc(cap);
    ck_assert_ptr_nonnull(want);
    want[len++] = '[';
    size_t count = 0;
    for (int id = 1; id <= n; id++) {
        int who = o->of[id];
        if (who < 0 || !keep(who % 100)) continue;
        if (count++ > 0) want[len++] = ',';
        len += (size_t)item_response(want + len, cap - len, id, who / 100, who % 100);
    }
    want[len++] = ']';
    want[len] = '\0';
    wire_reply r;
    wire_request(port, "GET", "/items", NULL, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_msg(strcmp(r.body, want) == 0, "GET /items (%zu items expected): %.300s...",
                  count, r.body);
    json_t *list = json_loads(r.body, 0, NULL);
    ck_assert_uint_eq(json_array_size(list), count);
    json_decref(list);
    wire_reply_clear(&r);
    free(want);
}

static bool all(int k)
{
    (void)k;
    return true;
}

static bool kept(int k) /* the odd-numbered originals and the refills */
{
    return k >= CREATES || k % 2 == 1;
}

START_TEST(concurrent_clients)
{
    FILE *out;
    example_proc p = start_items(&out);
    static client cl[CLIENTS];
    static owners o;
    memset(cl, 0, sizeof cl);
    run_clients(cl, p.port, create_items);
    /* 3,200 creates: ids 1 to 3,200, each once, and the list has every item */
    expect_ids(cl, CREATES, &o, CLIENTS * CREATES);
    expect_list(p.port, &o, CLIENTS * CREATES, all);
    /* 1,600 deletes and 320 creates at once: the new ids follow, and the list is exact */
    run_clients(cl, p.port, delete_items);
    int total = CLIENTS * (CREATES + REFILLS);
    expect_ids(cl, CREATES + REFILLS, &o, total);
    expect_list(p.port, &o, total, kept);
    stop_items(&p, out);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("items");
    TCase *tc = tcase_create("items");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, items_table);
    tcase_add_test(tc, slash_redirects);
    tcase_add_test(tc, concurrent_clients);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
