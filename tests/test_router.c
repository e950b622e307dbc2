/* Routing: typed path params, precedence (literal > param > path, any registration order),
 * percent-decoding, 404, 405 + Allow, HEAD, trailing-slash 307, registration errors. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "core/core.h"

/* Every handler answers with its own name and the params it saw. */
static karak_result which(karak_ctx *c)
{
    const char *tag = karak_req_route_data(c);
    json_t *o = json_pack("{s:s}", "route", tag);
    if (strstr(tag, "{id:int}")) json_object_set_new(o, "id", json_integer(karak_path_i64(c, "id")));
    if (strstr(tag, "{x:float}")) json_object_set_new(o, "x", json_real(karak_path_f64(c, "x")));
    if (strstr(tag, "{name}")) json_object_set_new(o, "name", json_string(karak_path_str(c, "name")));
    if (strstr(tag, "{rest:path}"))
        json_object_set_new(o, "rest", json_string(karak_path_str(c, "rest")));
    return karak_resp_json_new(c, o);
}

static const char *const routes[][2] = {
    /* registered "wrong" way round on purpose: precedence must not depend on order */
    {"GET", "/users/{name}"},
    {"GET", "/users/me"},
    {"GET", "/users/{name}/posts"},
    {"GET", "/items/{id:int}"},
    {"PUT", "/items/{id:int}"},
    {"DELETE", "/items/{id:int}"},
    {"GET", "/files/{rest:path}"},
    {"GET", "/files/special"},
    {"GET", "/geo/{x:float}"},
    {"POST", "/slash/"},
    {"GET", "/health"},
    {"GET", "/"},
    {"PURGE", "/cache"},
    {"OPTIONS", "/cache"},
};

static karak_app *app;
static karak_client *client;
static karak_server *server;
static unsigned port;
static char tags[sizeof routes / sizeof *routes][64];

static void setup(void)
{
    app = karak_new();
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        char *tag = tags[i];
        snprintf(tag, sizeof tags[i], "%s %s", routes[i][0], routes[i][1]);
        ck_assert_int_eq(karak_route_add(app, routes[i][0], routes[i][1], which, "which",
                                         &(karak_route_opts){.data = tag}),
                         KARAK_OK);
    }
    client = test_client_open(app);
    test_serve(app, &server, &port);
}

static void teardown(void)
{
    test_fixture_close(&app, &client, &server);
}

typedef struct rcase {
    const char *method;
    const char *target;
    int status;
    const char *body;
    const char *header;       /* a header to check, or NULL */
    const char *header_value;
} rcase;

#define NOT_FOUND "{\"detail\":\"Not Found\"}"
#define NOT_ALLOWED "{\"detail\":\"Method Not Allowed\"}"
#define INT_ERR(input)                                                                         \
    "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"id\"],\"msg\":\"Input should be " \
    "a valid integer, unable to parse string as an integer\",\"input\":\"" input "\"}]}"

static const rcase cases[] = {
    {"GET", "/", 200, "{\"route\":\"GET /\"}", NULL, NULL},
    {"GET", "/users/me", 200, "{\"route\":\"GET /users/me\"}", NULL, NULL},
    {"GET", "/users/bob", 200, "{\"route\":\"GET /users/{name}\",\"name\":\"bob\"}", NULL, NULL},
    {"GET", "/users/me/posts", 200, "{\"route\":\"GET /users/{name}/posts\",\"name\":\"me\"}",
     NULL, NULL},
    {"GET", "/users/h%C3%A9%20x", 200,
     "{\"route\":\"GET /users/{name}\",\"name\":\"h\xc3\xa9 x\"}", NULL, NULL},
    {"GET", "/users/a+b", 200, "{\"route\":\"GET /users/{name}\",\"name\":\"a+b\"}", NULL, NULL},
    {"GET", "/users/a%2Fb", 404, NOT_FOUND, NULL, NULL}, /* decoded before matching */
    {"GET", "/items/42", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":42}", NULL, NULL},
    {"GET", "/items/5.0", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":5}", NULL, NULL},
    {"GET", "/items/%205", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":5}", NULL, NULL},
    {"GET", "/items/+5", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":5}", NULL, NULL},
    {"GET", "/items/1_000", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":1000}", NULL, NULL},
    {"GET", "/items/007", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":7}", NULL, NULL},
    {"GET", "/items/-3", 200, "{\"route\":\"GET /items/{id:int}\",\"id\":-3}", NULL, NULL},
    {"PUT", "/items/1", 200, "{\"route\":\"PUT /items/{id:int}\",\"id\":1}", NULL, NULL},
    {"GET", "/items/abc", 422, INT_ERR("abc"), NULL, NULL},
    {"GET", "/items/5.", 422, INT_ERR("5."), NULL, NULL},
    {"GET", "/items/5.5", 422, INT_ERR("5.5"), NULL, NULL},
    {"GET", "/items/1e3", 422, INT_ERR("1e3"), NULL, NULL},
    {"GET", "/items/0x10", 422, INT_ERR("0x10"), NULL, NULL},
    {"GET", "/items/9223372036854775808", 422,
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"path\",\"id\"],\"msg\":\"Input should "
     "be less than or equal to 9223372036854775807\",\"input\":\"9223372036854775808\",\"ctx\":"
     "{\"le\":9223372036854775807}}]}",
     NULL, NULL},
    {"GET", "/geo/2.5", 200, "{\"route\":\"GET /geo/{x:float}\",\"x\":2.5}", NULL, NULL},
    {"GET", "/geo/1e3", 200, "{\"route\":\"GET /geo/{x:float}\",\"x\":1000.0}", NULL, NULL},
    {"GET", "/geo/north", 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"path\",\"x\"],\"msg\":\"Input should be "
     "a valid number, unable to parse string as a number\",\"input\":\"north\"}]}",
     NULL, NULL},
    {"GET", "/files/a/b/c.txt", 200,
     "{\"route\":\"GET /files/{rest:path}\",\"rest\":\"a/b/c.txt\"}", NULL, NULL},
    {"GET", "/files/a%2Fb/c%20d.txt", 200,
     "{\"route\":\"GET /files/{rest:path}\",\"rest\":\"a/b/c d.txt\"}", NULL, NULL},
    {"GET", "/files/special", 200, "{\"route\":\"GET /files/special\"}", NULL, NULL},
    {"GET", "/files/special/x", 200,
     "{\"route\":\"GET /files/{rest:path}\",\"rest\":\"special/x\"}", NULL, NULL},
    {"GET", "/files/", 200, "{\"route\":\"GET /files/{rest:path}\",\"rest\":\"\"}", NULL, NULL},
    {"GET", "/nope", 404, NOT_FOUND, "content-type", "application/json"},
    {"GET", "/users", 404, NOT_FOUND, NULL, NULL},
    {"GET", "/items/1/2", 404, NOT_FOUND, NULL, NULL},
    /* 405: Allow = every method of every route matching the path, fixed order */
    {"POST", "/items/3", 405, NOT_ALLOWED, "allow", "GET, HEAD, PUT, DELETE"},
    {"DELETE", "/", 405, NOT_ALLOWED, "allow", "GET, HEAD"},
    {"OPTIONS", "/health", 405, NOT_ALLOWED, "allow", "GET, HEAD"},
    {"GET", "/cache", 405, NOT_ALLOWED, "allow", "OPTIONS, PURGE"},
    {"PURGE", "/cache", 200, "{\"route\":\"PURGE /cache\"}", NULL, NULL},
    {"GET", "/slash/", 405, NOT_ALLOWED, "allow", "POST"},
    /* HEAD is served by GET routes, without a body but with GET's length */
    {"HEAD", "/users/me", 200, "", "content-length", "25"},
    {"HEAD", "/nope", 404, "", "content-length", "22"},
    /* trailing slash: 307 to the registered form, query kept */
    {"GET", "/health/", 307, "", "location", "http://testserver/health"},
    {"GET", "/health//", 307, "", "location", "http://testserver/health"},
    {"GET", "/items/5/", 307, "", "location", "http://testserver/items/5"},
    {"POST", "/slash?x=1", 307, "", "location", "http://testserver/slash/?x=1"},
    {"GET", "/users/me/?a=1", 307, "", "location", "http://testserver/users/me?a=1"},
    /* the twin is the decoded path, re-quoted: no ping-pong between two URLs */
    {"GET", "/users/me%2F", 307, "", "location", "http://testserver/users/me"},
    {"GET", "/health%20/", 404, NOT_FOUND, NULL, NULL},
    {"GET", "/users/h%C3%A9/posts/", 307, "", "location",
     "http://testserver/users/h%C3%A9/posts"},
};

/* Sends every row of a table both in-process and over the socket, without following
 * redirects, and checks the answer. */
static void run_cases(const char *table, const rcase *cases_, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const rcase *rc = &cases_[i];
        char where[64];
        snprintf(where, sizeof where, "%s[%zu]", table, i);
        karak_reply *r = both_request_at(where, client, port, rc->method, rc->target,
                                         &(const karak_request_opts){.no_redirects = true,
                                                                     KARAK_REQUEST_END_});
        ck_assert_ptr_nonnull(r);
        if (rc->header != NULL) {
            const char *v = karak_reply_header(r, rc->header);
            ck_assert_msg(v != NULL && strcmp(v, rc->header_value) == 0,
                          "%s %s: %s is %s, not %s", rc->method, rc->target, rc->header,
                          v ? v : "(none)", rc->header_value);
        }
        expect_response(r, rc->status, rc->body, rc->target);
    }
}

START_TEST(route_table)
{
    run_cases("cases", cases, sizeof cases / sizeof *cases);
}
END_TEST

START_TEST(redirects_followed_by_default)
{
    static const char *const host[] = {"Host", "example.com:8080", NULL};
    EXPECT(both_get(client, port, "/health/"), 200, "{\"route\":\"GET /health\"}");
    karak_reply *r = both_get(client, port, "/health/", .headers = host, .no_redirects = true);
    ck_assert_str_eq(karak_reply_header(r, "location"), "http://example.com:8080/health");
    ck_assert_ptr_null(karak_reply_header(r, "content-type"));
    ck_assert_str_eq(karak_reply_header(r, "content-length"), "0");
    EXPECT(r, 307, "");
}
END_TEST

/* ---- registration errors ---- */

static const struct {
    const char *method;
    const char *pattern;
    int status;
    const char *message;
} bad_routes[] = {
    {"GET", "items", KARAK_EINVAL, "route GET items: the pattern must start with '/'"},
    {"GET", "/items/{id", KARAK_EINVAL,
     "route GET /items/{id: a parameter must be a whole segment, like /{name}"},
    {"GET", "/items/x{id}", KARAK_EINVAL,
     "route GET /items/x{id}: a parameter must be a whole segment, like /{name}"},
    {"GET", "/items/{}", KARAK_EINVAL, "route GET /items/{}: invalid parameter name ''"},
    {"GET", "/items/{id:uint}", KARAK_EINVAL,
     "route GET /items/{id:uint}: unknown parameter type 'uint' (str, int, float, path)"},
    {"GET", "/a/{id}/{id}", KARAK_EINVAL, "route GET /a/{id}/{id}: parameter {id} appears twice"},
    {"GET", "/f/{p:path}/x", KARAK_EINVAL,
     "route GET /f/{p:path}/x: a {name:path} parameter must be the last segment"},
    /* same method, shape and parameter types: a duplicate, whatever the names */
    {"GET", "/users/{id}", KARAK_ECONFLICT,
     "route GET /users/{id}: conflicts with GET /users/{name}"},
    {"GET", "/users/{id:str}", KARAK_ECONFLICT,
     "route GET /users/{id:str}: conflicts with GET /users/{name}"},
    {"GET", "/users/me", KARAK_ECONFLICT, "route GET /users/me: conflicts with GET /users/me"},
    {"GE T", "/space", KARAK_EINVAL,
     "route GE T /space: the method must be a token of letters, - and _"},
};

START_TEST(registration_errors)
{
    karak_app *a = karak_new();
    karak_get(a, "/users/{name}", which);
    karak_get(a, "/users/me", which);
    ck_assert_ptr_null(karak_app_error(a));
    ck_assert_int_eq(karak_route_add(a, bad_routes[_i].method, bad_routes[_i].pattern, which,
                                     "which", NULL),
                     bad_routes[_i].status);
    ck_assert_str_eq(karak_app_error(a), bad_routes[_i].message);
    karak_app_free(a);
}
END_TEST

/* ---- routes sharing a shape ----
 *
 * Names and types belong to the route: these sets all register. Bodies and 422s of the cases
 * FastAPI also answers were checked against FastAPI 0.141.1 (same app, same handlers); the
 * ones marked "libkarak" are where FastAPI, matching in registration order, would give the
 * first route registered instead (see the rule in router.c). */

static const char *const shared_routes[][2] = {
    {"GET", "/items/{item_id}"},
    {"DELETE", "/items/{id}"},
    {"GET", "/users/{user_id}"},
    {"GET", "/users/{user_id:int}/items/{item_id}"},
    {"GET", "/x/{id:int}"},
    {"GET", "/x/{name}"},
    /* least specific first on purpose: the type order must not depend on registration */
    {"GET", "/y/{name}"},
    {"GET", "/y/{v:float}"},
    {"GET", "/y/{id:int}"},
    {"GET", "/z/{a:int}"},
    {"GET", "/z/{b:float}"},
    {"GET", "/m/{a:int}/{b}"},
    {"GET", "/m/{a}/{b:int}"},
    {"PUT", "/m/{p}/{q}"},
    {"GET", "/solo/{id:int}"},
};

static char shared_tags[sizeof shared_routes / sizeof *shared_routes][64];

/* Answers {"route": tag, <each parameter>: its value}, reading every parameter by the name
 * and type its own route's pattern gives it (karak_path_str(c, "item_id") on one route,
 * karak_path_str(c, "id") on the other). */
static karak_result echo_params(karak_ctx *c)
{
    const char *tag = karak_req_route_data(c);
    json_t *o = json_pack("{s:s}", "route", tag);
    for (const char *p = strchr(tag, '{'); p != NULL; p = strchr(p + 1, '{')) {
        char name[32];
        size_t n = strcspn(p + 1, ":}");
        snprintf(name, sizeof name, "%.*s", (int)n, p + 1);
        const char *type = p[1 + n] == ':' ? p + 2 + n : "str}";
        json_t *v = strncmp(type, "int}", 4) == 0     ? json_integer(karak_path_i64(c, name))
                    : strncmp(type, "float}", 6) == 0 ? json_real(karak_path_f64(c, name))
                                                      : json_string(karak_path_str(c, name));
        json_object_set_new(o, name, v);
    }
    return karak_resp_json_new(c, o);
}

static void shared_setup(void)
{
    app = karak_new();
    for (size_t i = 0; i < sizeof shared_routes / sizeof *shared_routes; i++) {
        char *tag = shared_tags[i];
        snprintf(tag, sizeof shared_tags[i], "%s %s", shared_routes[i][0], shared_routes[i][1]);
        ck_assert_int_eq(karak_route_add(app, shared_routes[i][0], shared_routes[i][1],
                                         echo_params, "echo_params",
                                         &(karak_route_opts){.data = tag}),
                         KARAK_OK);
    }
    client = test_client_open(app);
    test_serve(app, &server, &port);
}

#define PARSE_ERR(type, what, name, input)                                                     \
    "{\"detail\":[{\"type\":\"" type "\",\"loc\":[\"path\",\"" name "\"],\"msg\":\"Input "      \
    "should be a valid " what "\",\"input\":\"" input "\"}]}"
#define INT_ERR_AT(name, input)                                                                \
    PARSE_ERR("int_parsing", "integer, unable to parse string as an integer", name, input)

static const rcase shared_cases[] = {
    /* one node, two methods, each route with its own parameter name */
    {"GET", "/items/5", 200, "{\"route\":\"GET /items/{item_id}\",\"item_id\":\"5\"}", NULL,
     NULL},
    {"DELETE", "/items/5", 200, "{\"route\":\"DELETE /items/{id}\",\"id\":\"5\"}", NULL, NULL},
    {"HEAD", "/items/5", 200, "", "content-length", "46"},
    {"POST", "/items/5", 405, NOT_ALLOWED, "allow", "GET, HEAD, DELETE"},
    /* a parameter named and typed differently on a longer route through the same node */
    {"GET", "/users/7", 200, "{\"route\":\"GET /users/{user_id}\",\"user_id\":\"7\"}", NULL, NULL},
    {"GET", "/users/abc", 200, "{\"route\":\"GET /users/{user_id}\",\"user_id\":\"abc\"}", NULL,
     NULL},
    {"GET", "/users/7/items/x", 200,
     "{\"route\":\"GET /users/{user_id:int}/items/{item_id}\",\"user_id\":7,\"item_id\":\"x\"}",
     NULL, NULL},
    {"GET", "/users/abc/items/x", 422, INT_ERR_AT("user_id", "abc"), NULL, NULL},
    /* same method and shape, types differ: the text picks the route */
    {"GET", "/x/5", 200, "{\"route\":\"GET /x/{id:int}\",\"id\":5}", NULL, NULL},
    {"GET", "/x/%205", 200, "{\"route\":\"GET /x/{id:int}\",\"id\":5}", NULL, NULL},
    {"GET", "/x/5.0", 200, "{\"route\":\"GET /x/{id:int}\",\"id\":5}", NULL, NULL},
    {"HEAD", "/x/5", 200, "", "content-length", "34"},
    {"GET", "/y/abc", 200, "{\"route\":\"GET /y/{name}\",\"name\":\"abc\"}", NULL, NULL},
    {"GET", "/z/5", 200, "{\"route\":\"GET /z/{a:int}\",\"a\":5}", NULL, NULL},
    {"GET", "/m/1/2", 200, "{\"route\":\"GET /m/{a:int}/{b}\",\"a\":1,\"b\":\"2\"}", NULL, NULL},
    {"GET", "/m/1/x", 200, "{\"route\":\"GET /m/{a:int}/{b}\",\"a\":1,\"b\":\"x\"}", NULL, NULL},
    {"PUT", "/m/1/2", 200, "{\"route\":\"PUT /m/{p}/{q}\",\"p\":\"1\",\"q\":\"2\"}", NULL, NULL},
    {"DELETE", "/m/1/2", 405, NOT_ALLOWED, "allow", "GET, HEAD, PUT"},
    /* nothing parses: the first registered answers with its 422 */
    {"GET", "/z/abc", 422, INT_ERR_AT("a", "abc"), NULL, NULL},
    {"GET", "/m/x/y", 422, INT_ERR_AT("a", "x"), NULL, NULL},
    /* libkarak: FastAPI gives each of these to the first route registered at the position */
    {"GET", "/x/abc", 200, "{\"route\":\"GET /x/{name}\",\"name\":\"abc\"}", NULL, NULL},
    {"GET", "/x/5.5", 200, "{\"route\":\"GET /x/{name}\",\"name\":\"5.5\"}", NULL, NULL},
    /* beyond int64 the int route would answer 422: the text is not an int64 */
    {"GET", "/x/9223372036854775808", 200,
     "{\"route\":\"GET /x/{name}\",\"name\":\"9223372036854775808\"}", NULL, NULL},
    {"GET", "/y/5", 200, "{\"route\":\"GET /y/{id:int}\",\"id\":5}", NULL, NULL},
    {"GET", "/y/2.5", 200, "{\"route\":\"GET /y/{v:float}\",\"v\":2.5}", NULL, NULL},
    {"GET", "/y/1e3", 200, "{\"route\":\"GET /y/{v:float}\",\"v\":1000.0}", NULL, NULL},
    {"GET", "/z/2.5", 200, "{\"route\":\"GET /z/{b:float}\",\"b\":2.5}", NULL, NULL},
    /* several parameters: the leftmost difference in type decides */
    {"GET", "/m/x/2", 200, "{\"route\":\"GET /m/{a}/{b:int}\",\"a\":\"x\",\"b\":2}", NULL, NULL},
    /* a typed route alone at its node takes any text and validates it */
    {"GET", "/solo/abc", 422, INT_ERR_AT("id", "abc"), NULL, NULL},
    {"GET", "/solo/7", 200, "{\"route\":\"GET /solo/{id:int}\",\"id\":7}", NULL, NULL},
};

START_TEST(shared_shapes)
{
    run_cases("shared_cases", shared_cases, sizeof shared_cases / sizeof *shared_cases);
}
END_TEST

/* ---- the router itself: a failed registration changes nothing ---- */

typedef struct troutes {
    krouter router;
    kroute routes[4];
    size_t n;
} troutes;

static int troute_add(troutes *t, const char *method, const char *pattern)
{
    kroute *r = &t->routes[t->n++];
    char err[256];
    r->method = kstrdup(method);
    r->pattern = kstrdup(pattern);
    int st = krouter_parse(r, err, sizeof err);
    return st == KARAK_OK ? krouter_add(&t->router, r, err, sizeof err) : st;
}

static void troutes_free(troutes *t)
{
    krouter_free(&t->router);
    for (size_t i = 0; i < t->n; i++) {
        for (size_t j = 0; j < t->routes[i].nparams; j++) free(t->routes[i].params[j].name);
        free(t->routes[i].method);
        free(t->routes[i].pattern);
    }
}

START_TEST(failed_add_leaves_router_unchanged)
{
    troutes t = {.n = 0};
    ck_assert_int_eq(krouter_init(&t.router), KARAK_OK);
    ck_assert_int_eq(troute_add(&t, "GET", "/a/{x}/b"), KARAK_OK);
    ck_assert_int_eq(troute_add(&t, "GET", "/a/{y}/b"), KARAK_ECONFLICT);
    ck_assert_int_eq(troute_add(&t, "DELETE", "/a/{z:int}/b"), KARAK_OK);
    kmatch m;
    /* the duplicate is nowhere: not matched, not in Allow */
    krouter_match(&t.router, "GET", "/a/1/b", 6, &m);
    ck_assert_ptr_eq(m.route, &t.routes[0]);
    ck_assert_uint_eq(m.params[0].n, 1);
    ck_assert_int_eq(m.params[0].s[0], '1');
    krouter_match(&t.router, "POST", "/a/1/b", 6, &m);
    ck_assert_ptr_null(m.route);
    ck_assert(m.path_matched);
    ck_assert_uint_eq(m.nallow, 2);
    krouter_match(&t.router, "HEAD", "/a/1/b", 6, &m);
    ck_assert_ptr_eq(m.route, &t.routes[0]);
    ck_assert(m.head_via_get);
    krouter_match(&t.router, "DELETE", "/a/1/b", 6, &m);
    ck_assert_ptr_eq(m.route, &t.routes[2]);
    ck_assert_str_eq(m.route->params[0].name, "z");
    troutes_free(&t);
}
END_TEST

START_TEST(sealed_app_refuses_routes)
{
    karak_app *a = karak_new();
    karak_get(a, "/early", which, .data = "/early");
    karak_client *cl = karak_client_new(a);
    ck_assert_int_eq(karak_get(a, "/late", which), KARAK_ESEALED);
    /* the refusal is the caller's answer, not the app's registration error: the app
       keeps serving, and a second client can still be made */
    ck_assert_ptr_null(karak_app_error(a));
    karak_client *again = karak_client_new(a);
    ck_assert_ptr_nonnull(again);
    EXPECT(karak_client_get(again, "/early"), 200, NULL);
    EXPECT(karak_client_get(again, "/late"), 404, "{\"detail\":\"Not Found\"}");
    karak_client_free(again);
    karak_client_free(cl);
    karak_app_free(a);
}
END_TEST

/* Starlette's /{rest:path} is ^/(?P<rest>.*)$: it matches "/" itself, with rest = "". */
START_TEST(root_catch_all_matches_the_root)
{
    karak_app *a = karak_new();
    karak_get(a, "/{rest:path}", which, .data = "GET /{rest:path}");
    karak_client *cl = karak_client_new(a);
    EXPECT(karak_client_get(cl, "/"), 200, "{\"route\":\"GET /{rest:path}\",\"rest\":\"\"}");
    EXPECT(karak_client_get(cl, "/a/b"), 200,
           "{\"route\":\"GET /{rest:path}\",\"rest\":\"a/b\"}");
    EXPECT(karak_client_post(cl, "/"), 405, "{\"detail\":\"Method Not Allowed\"}");
    karak_client_free(cl);
    karak_app_free(a);
}
END_TEST

/* FastAPI's api_route(methods=["get"]) upper-cases the method; so does karak_route_add. */
static karak_result lower_handler(karak_ctx *c)
{
    return karak_resp_text(c, karak_req_method(c));
}

START_TEST(lower_case_methods_are_upper_cased)
{
    karak_app *a = karak_new();
    ck_assert_int_eq(karak_route_add(a, "get", "/lower", lower_handler, "lower", NULL), KARAK_OK);
    ck_assert_int_eq(karak_route_add(a, "Purge", "/lower", lower_handler, "lower", NULL),
                     KARAK_OK);
    karak_client *cl = karak_client_new(a);
    EXPECT(karak_client_get(cl, "/lower"), 200, "GET");
    EXPECT(karak_client_request(cl, "PURGE", "/lower", NULL), 200, "PURGE");
    EXPECT(karak_client_request(cl, "purge", "/lower", NULL), 405, "{\"detail\":\"Method Not Allowed\"}");
    karak_client_free(cl);
    karak_app_free(a);
}
END_TEST

static Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("match");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* each table is one test, its rows in a loop: one server per test, not per row */
    tcase_add_test(tc, route_table);
    tcase_add_test(tc, redirects_followed_by_default);
    suite_add_tcase(s, tc);
    TCase *shared = tcase_create("shared shapes");
    tcase_add_checked_fixture(shared, shared_setup, teardown);
    tcase_add_test(shared, shared_shapes);
    suite_add_tcase(s, shared);
    TCase *reg = tcase_create("registration");
    tcase_add_loop_test(reg, registration_errors, 0, (int)(sizeof bad_routes / sizeof *bad_routes));
    tcase_add_test(reg, sealed_app_refuses_routes);
    tcase_add_test(reg, failed_add_leaves_router_unchanged);
    tcase_add_test(reg, lower_case_methods_are_upper_cased);
    tcase_add_test(reg, root_catch_all_matches_the_root);
    suite_add_tcase(s, reg);
    return s;
}

int main(void)
{
    return run_suite(router_suite());
}
