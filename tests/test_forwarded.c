/* Behind proxies and during the stop: who the client is and which scheme it used
 * (karak_req_client, karak_req_scheme, redirects' Location) from Forwarded or X-Forwarded-*
 * headers, believed only from trusted proxies (uvicorn's --forwarded-allow-ips); the
 * readiness URL and karak_req_draining; Unix sockets and SO_REUSEPORT. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/core.h"
#include "http/http.h"
#include "testutil.h"

#define OPTS(...) (&(karak_server_opts){__VA_ARGS__, .struct_size = sizeof(karak_server_opts)})

/* ---- the header rules, table-driven ---- */

static const struct {
    const char *trusted, *peer;
    const char *fwd, *xff, *xfp; /* Forwarded, X-Forwarded-For, X-Forwarded-Proto */
    const char *client, *scheme; /* NULL: not given */
} rules[] = {
    /* X-Forwarded-*: from a trusted peer only */
    {"127.0.0.1", "127.0.0.1", NULL, "203.0.113.7", "https", "203.0.113.7", "https"},
    {"127.0.0.1", "10.0.0.5", NULL, "203.0.113.7", "https", NULL, NULL},
    {"", "127.0.0.1", NULL, "203.0.113.7", "https", NULL, NULL},
    {"*", "10.0.0.5", NULL, "203.0.113.7", NULL, "203.0.113.7", NULL},
    /* a chain: the first from the right that is not a trusted proxy */
    {"127.0.0.1, 10.0.0.1", "127.0.0.1", NULL, "198.51.100.1, 203.0.113.7, 10.0.0.1", NULL,
     "203.0.113.7", NULL},
    /* all trusted: the leftmost */
    {"127.0.0.1,10.0.0.1", "127.0.0.1", NULL, "10.0.0.1, 127.0.0.1", NULL, "10.0.0.1", NULL},
    /* the nearest proxy's proto: the last; a value that is no scheme is ignored */
    {"127.0.0.1", "127.0.0.1", NULL, NULL, "http, https", NULL, "https"},
    {"127.0.0.1", "127.0.0.1", NULL, NULL, "javascript:x", NULL, NULL},
    {"127.0.0.1", "127.0.0.1", NULL, " 203.0.113.7 ", " HTTPS ", "203.0.113.7", "HTTPS"},
    /* Forwarded (RFC 7239): for= and proto=, quoted, IPv6 in brackets with a port */
    {"127.0.0.1", "127.0.0.1", "for=192.0.2.60;proto=https;by=203.0.113.43", NULL, NULL,
     "192.0.2.60", "https"},
    {"127.0.0.1", "127.0.0.1", "For=\"[2001:db8:cafe::17]:4711\"", NULL, NULL,
     "2001:db8:cafe::17", NULL},
    {"127.0.0.1", "127.0.0.1", "for=192.0.2.43:8080, for=198.51.100.17;proto=http", NULL, NULL,
     "198.51.100.17", "http"},
    {"127.0.0.1,198.51.100.17", "127.0.0.1", "for=192.0.2.43, for=198.51.100.17", NULL, NULL,
     "192.0.2.43", NULL},
    {"127.0.0.1", "127.0.0.1", "for=\"_hidden\";proto=\"https\"", NULL, NULL, "_hidden",
     "https"},
    /* Forwarded wins over X-Forwarded-* */
    {"127.0.0.1", "127.0.0.1", "for=192.0.2.60", "203.0.113.7", "https", "192.0.2.60", NULL},
    {"127.0.0.1", "10.0.0.5", "for=192.0.2.60;proto=https", NULL, NULL, NULL, NULL},
};

static bool slice_is(kslice s, const char *want)
{
    if (want == NULL) return s.s == NULL;
    return s.s != NULL && s.n == strlen(want) && memcmp(s.s, want, s.n) == 0;
}

START_TEST(forwarded_rules)
{
    karena a;
    karena_init(&a);
    khttp_trust t;
    ck_assert(khttp_trust_parse(&a, rules[_i].trusted, &t));
    karak_pair h[3];
    size_t n = 0;
    static const char *const names[] = {"forwarded", "x-forwarded-for", "x-forwarded-proto"};
    const char *values[] = {rules[_i].fwd, rules[_i].xff, rules[_i].xfp};
    for (size_t i = 0; i < 3; i++)
        if (values[i] != NULL)
            h[n++] = (karak_pair){.name = names[i], .name_len = strlen(names[i]),
                                  .value = values[i], .value_len = strlen(values[i])};
    kslice client, scheme;
    khttp_forwarded(&t, rules[_i].peer, h, n, &client, &scheme);
    ck_assert_msg(slice_is(client, rules[_i].client), "row %d: client '%.*s'", _i,
                  (int)client.n, client.s ? client.s : "");
    ck_assert_msg(slice_is(scheme, rules[_i].scheme), "row %d: scheme '%.*s'", _i,
                  (int)scheme.n, scheme.s ? scheme.s : "");
    karena_free(&a);
}
END_TEST

/* ---- through the server ---- */

static karak_result who(karak_ctx *c)
{
    const char *client = karak_req_client(c);
    return karak_resp_json_new(c, json_pack("{s:s?,s:s,s:b}", "client", client, "scheme",
                                            karak_req_scheme(c), "draining",
                                            karak_req_draining(c)));
}

static karak_app *who_app(void)
{
    karak_app *app = karak_new(.ready_url = "/ready");
    ck_assert_int_eq(karak_get(app, "/who", who), 0);
    ck_assert_int_eq(karak_get(app, "/items/{id:int}", who), 0);
    return app;
}

static void expect_who(unsigned port, const char *headers, const char *body)
{
    char raw[512];
    snprintf(raw, sizeof raw, "GET /who HTTP/1.1\r\nHost: t\r\n%sConnection: close\r\n\r\n",
             headers);
    wire_reply r;
    wire_exchange(port, raw, false, &r);
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, body);
    wire_reply_clear(&r);
}

START_TEST(client_and_scheme_over_tcp)
{
    karak_app *app = who_app();
    karak_server *s = NULL;
    /* uvicorn's default: 127.0.0.1 is trusted */
    ck_assert_int_eq(karak_server_start(app, OPTS(.port = KARAK_PORT_ANY), &s), 0);
    unsigned port = karak_server_port(s);
    expect_who(port, "", "{\"client\":\"127.0.0.1\",\"scheme\":\"http\",\"draining\":false}");
    expect_who(port, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n",
               "{\"client\":\"203.0.113.7\",\"scheme\":\"https\",\"draining\":false}");
    wire_reply r;
    wire_exchange(port, "GET /items/5/ HTTP/1.1\r\nHost: api.example\r\n"
                        "Forwarded: for=192.0.2.1;proto=https\r\nConnection: close\r\n\r\n",
                  false, &r);
    ck_assert_int_eq(r.status, 307);
    char loc[128];
    ck_assert_str_eq(wire_header(&r, "location", 0, loc, sizeof loc),
                     "https://api.example/items/5");
    wire_reply_clear(&r);
    karak_server_free(s);
    /* a proxy list without the peer: the headers are not believed */
    ck_assert_int_eq(karak_server_start(app, OPTS(.port = KARAK_PORT_ANY,
                                                  .forwarded_allow_ips = "10.9.9.9"),
                                        &s),
                     0);
    expect_who(karak_server_port(s), "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n",
               "{\"client\":\"127.0.0.1\",\"scheme\":\"http\",\"draining\":false}");
    karak_server_free(s);
    karak_app_free(app);
}
END_TEST

START_TEST(test_client_is_testclient)
{
    karak_app *app = who_app();
    karak_client *cl = test_client_open(app);
    static const char *const xff[] = {"X-Forwarded-For", "1.2.3.4", NULL};
    karak_reply *r = karak_client_get(cl, "/who", .headers = xff);
    EXPECT(r, 200, "{\"client\":\"testclient\",\"scheme\":\"http\",\"draining\":false}");
    r = karak_client_get(cl, "/ready");
    EXPECT(r, 200, "{\"status\":\"ready\"}");
    r = karak_client_post(cl, "/ready");
    EXPECT(r, 404, "{\"detail\":\"Not Found\"}");
    karak_server *none = NULL;
    test_fixture_close(&app, &cl, &none);
}
END_TEST

/* The readiness URL once the server stops: 503, as the dispatch core sees the flag. */
START_TEST(ready_url_fails_while_draining)
{
    karak_app *app = who_app();
    ck_assert_int_eq(karak_app_seal(app), 0);
    atomic_bool draining;
    atomic_init(&draining, true);
    karena a;
    karena_init(&a);
    kreq req = {.method = "GET", .target = "/ready", .target_len = 6, .default_host = "x",
                .draining = &draining};
    kresp resp;
    kdispatch(app, &req, &a, &resp);
    ck_assert_int_eq(resp.status, 503);
    ck_assert_str_eq(resp.body, "{\"status\":\"draining\"}");
    karena_reset(&a);
    atomic_store(&draining, false);
    kdispatch(app, &req, &a, &resp);
    ck_assert_int_eq(resp.status, 200);
    karena_free(&a);
    karak_app_free(app);
    /* a path that is not one */
    app = karak_new(.ready_url = "ready");
    ck_assert_str_eq(karak_app_error(app),
                     "ready_url 'ready': not an absolute path of letters, digits and \"/._~-\"");
    karak_app_free(app);
}
END_TEST

/* A handler that is running when the stop begins sees it. */
static atomic_int slow_in;

static karak_result slow_who(karak_ctx *c)
{
    atomic_store(&slow_in, 1);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return who(c);
}

typedef struct {
    unsigned port;
    wire_reply r;
} slow_call;

static void *slow_thread(void *arg)
{
    slow_call *sc = arg;
    wire_exchange(sc->port, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n", false, &sc->r);
    return NULL;
}

START_TEST(handlers_see_the_drain)
{
    atomic_store(&slow_in, 0);
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/slow", slow_who, .run_on = KARAK_RUN_INLINE), 0);
    karak_server *s = NULL;
    ck_assert_int_eq(karak_server_start(app, OPTS(.port = KARAK_PORT_ANY), &s), 0);
    slow_call sc = {.port = karak_server_port(s)};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, slow_thread, &sc), 0);
    for (int i = 0; i < 2000 && !atomic_load(&slow_in); i++) {
        struct timespec ms = {0, 1000 * 1000};
        nanosleep(&ms, NULL);
    }
    ck_assert_int_eq(karak_server_stop(s, 3000), 0);
    pthread_join(t, NULL);
    ck_assert_int_eq(sc.r.status, 200);
    ck_assert_str_eq(sc.r.body, "{\"client\":\"127.0.0.1\",\"scheme\":\"http\",\"draining\":true}");
    wire_reply_clear(&sc.r);
    karak_server_free(s);
    karak_app_free(app);
}
END_TEST

/* ---- other ways to listen ---- */

START_TEST(unix_socket)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/karak-test-%d.sock", (int)getpid());
    karak_app *app = who_app();
    karak_server *s = NULL;
    ck_assert_int_eq(karak_server_start(app, OPTS(.uds = path), &s), 0);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    memcpy(sa.sun_path, path, strlen(path) + 1);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    /* keep-alive: two requests on the one connection */
    static const char first[] = "GET /who HTTP/1.1\r\nHost: t\r\n\r\n";
    static const char second[] = "GET /items/5/ HTTP/1.0\r\n\r\n";
    wire_send(fd, first, sizeof first - 1);
    wire_reply r;
    ck_assert(wire_read(fd, &r, false));
    ck_assert_int_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{\"client\":null,\"scheme\":\"http\",\"draining\":false}");
    wire_reply_clear(&r);
    wire_send(fd, second, sizeof second - 1);
    ck_assert(wire_read(fd, &r, false)); /* no Host: the server's name for itself */
    char loc[128];
    ck_assert_int_eq(r.status, 307);
    ck_assert_str_eq(wire_header(&r, "location", 0, loc, sizeof loc),
                     "http://localhost/items/5");
    wire_reply_clear(&r);
    close(fd);
    karak_server_free(s);
    ck_assert_int_eq(access(path, F_OK), -1); /* removed at the stop */
    /* a regular file there is not touched */
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    ck_assert_int_eq(karak_server_start(app, OPTS(.uds = path), &s), KARAK_ESYSTEM);
    ck_assert_int_eq(access(path, F_OK), 0);
    unlink(path);
    karak_app_free(app);
}
END_TEST

START_TEST(reuse_port)
{
    karak_app *app = who_app();
    karak_server *a = NULL, *b = NULL;
    ck_assert_int_eq(karak_server_start(app, OPTS(.port = KARAK_PORT_ANY, .reuse_port = true), &a),
                     0);
    unsigned port = karak_server_port(a);
    /* the same port: refused without SO_REUSEPORT, shared with it */
    ck_assert_int_eq(karak_server_start(app, OPTS(.port = port), &b), KARAK_ESYSTEM);
    ck_assert_int_eq(karak_server_start(app, OPTS(.port = port, .reuse_port = true), &b), 0);
    for (int i = 0; i < 10; i++)
        expect_who(port, "", "{\"client\":\"127.0.0.1\",\"scheme\":\"http\",\"draining\":false}");
    karak_server_free(a);
    /* the other one still answers */
    for (int i = 0; i < 5; i++)
        expect_who(port, "", "{\"client\":\"127.0.0.1\",\"scheme\":\"http\",\"draining\":false}");
    karak_server_free(b);
    karak_app_free(app);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("forwarded");
    TCase *tc = tcase_create("forwarded");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, forwarded_rules, 0, (int)(sizeof rules / sizeof *rules));
    tcase_add_test(tc, client_and_scheme_over_tcp);
    tcase_add_test(tc, test_client_is_testclient);
    tcase_add_test(tc, ready_url_fails_while_draining);
    tcase_add_test(tc, handlers_see_the_drain);
    tcase_add_test(tc, unix_socket);
    tcase_add_test(tc, reuse_port);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
