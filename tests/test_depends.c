/* Dependencies: providers resolved before the handler, in FastAPI's order, cached per
 * request, their parameters validated and their errors joined to the 422, a provider's
 * answer (a 401) winning over every validation error, cleanups in both scopes, registration
 * errors, and the security schemes. The table's expected answers come from FastAPI 0.141.1
 * with this app (every row is sent in-process and over a socket):
 *
 *   calls = []
 *   def counter(): calls.append("counter"); return len(calls)
 *   def a_dep(n = Depends(counter)): return n
 *   def b_dep(n = Depends(counter), m = Depends(counter, use_cache=False)): return (n, m)
 *   @app.get("/cache")
 *   def cache(a = Depends(a_dep), b = Depends(b_dep)): {"a": a, "b": list(b), "calls": len(calls)}
 *   def auth(authorization: Annotated[str | None, Header()] = None):
 *       if authorization != "Bearer good":
 *           raise HTTPException(401, "Not authenticated", headers={"WWW-Authenticate": "Bearer"})
 *       return "alice"
 *   class Item(BaseModel): name: str; price: float
 *   @app.post("/auth-first")
 *   def auth_first(user = Depends(auth), item: Item, q: Annotated[int, Query(le=5)] = 0):
 *       return {"user": user, "item": item.name}
 *   def paged(x_tenant: Annotated[str, Header()], limit: Annotated[int, Query(ge=1)] = 10):
 *       return {"limit": limit, "tenant": x_tenant}
 *   def guard(p = Depends(paged)): return p
 *   @app.get("/deps/{item_id}")
 *   def deps(item_id: int, g = Depends(guard), q: int): {"item_id": item_id, "g": g, "q": q}
 *   bearer = HTTPBearer(); bearer_opt = HTTPBearer(auto_error=False); basic = HTTPBasic()
 *   keyh = APIKeyHeader(name="X-Key"); keyq = APIKeyQuery(name="key")
 *   keyc = APIKeyCookie(name="session")
 *   /bearer -> {"scheme", "credentials"}, /bearer-opt -> {"c": credentials or None},
 *   /basic -> {"u", "p"}, /keyh, /keyq, /keyc -> {"k": key} */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* ---- the cache: tally counts the counter's runs in this request ---- */

static karak_result tally_fn(karak_ctx *c, void *value)
{
    (void)c;
    *(int64_t *)value = 0;
    return KARAK_NEXT;
}
static const karak_provider tally = {.name = "tally", .size = sizeof(int64_t), .provide = tally_fn};

static karak_result counter_fn(karak_ctx *c, void *value)
{
    int64_t *t = (int64_t *)(uintptr_t)karak_depends(c, &tally);
    if (t == NULL) return KARAK_FAIL;
    *(int64_t *)value = ++*t;
    return KARAK_NEXT;
}
static const karak_provider counter = {.name = "counter", .size = sizeof(int64_t),
                                       .provide = counter_fn, .depends = KARAK_DEPS(&tally)};
static const karak_provider counter_nc = {.name = "counter", .size = sizeof(int64_t),
                                          .provide = counter_fn, .depends = KARAK_DEPS(&tally),
                                          .no_cache = true};

static karak_result a_fn(karak_ctx *c, void *value)
{
    *(int64_t *)value = *(const int64_t *)karak_depends(c, &counter);
    return KARAK_NEXT;
}
static const karak_provider a_dep = {.name = "a_dep", .size = sizeof(int64_t), .provide = a_fn,
                                     .depends = KARAK_DEPS(&counter)};

typedef struct {
    int64_t n, m;
} Pair;
static karak_result b_fn(karak_ctx *c, void *value)
{
    Pair *p = value;
    p->n = *(const int64_t *)karak_depends(c, &counter);
    p->m = *(const int64_t *)karak_depends(c, &counter_nc);
    return KARAK_NEXT;
}
static const karak_provider b_dep = {.name = "b_dep", .size = sizeof(Pair), .provide = b_fn,
                                     .depends = KARAK_DEPS(&counter, &counter_nc)};

static karak_result cache(karak_ctx *c)
{
    const int64_t *a = karak_depends(c, &a_dep);
    const Pair *b = karak_depends(c, &b_dep);
    const int64_t *calls = karak_depends(c, &tally);
    return karak_resp_json_new(c, json_pack("{s:I,s:[I,I],s:I}", "a", (json_int_t)*a, "b",
                                            (json_int_t)b->n, (json_int_t)b->m, "calls",
                                            (json_int_t)*calls));
}

/* ---- auth before validation ---- */

typedef struct {
    const char *authorization;
} AuthHeaders;
static const karak_field auth_header_fields[] = {
    KARAK_FIELD(AuthHeaders, authorization, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema auth_headers = KARAK_SCHEMA(AuthHeaders, auth_header_fields);

static karak_result auth_fn(karak_ctx *c, void *value)
{
    const AuthHeaders *h = karak_dep_headers(c);
    if (h->authorization == NULL || strcmp(h->authorization, "Bearer good") != 0) {
        karak_resp_header_add(c, "WWW-Authenticate", "Bearer");
        return karak_resp_error(c, 401, "Not authenticated");
    }
    *(const char **)value = "alice";
    return KARAK_NEXT;
}
static const karak_provider auth = {.name = "auth", .size = sizeof(const char *),
                                    .provide = auth_fn, .headers = &auth_headers};

typedef struct {
    const char *name;
    double price;
} Item;
static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR),
    KARAK_FIELD(Item, price, KARAK_F64),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);

typedef struct {
    int64_t q;
} QLe5;
static const karak_field q_le5_fields[] = {
    KARAK_FIELD(QLe5, q, KARAK_I64, KARAK_LE(5), .dflt = "0"),
    KARAK_FIELDS_END,
};
static const karak_schema q_le5 = KARAK_SCHEMA(QLe5, q_le5_fields);

static karak_result auth_first(karak_ctx *c)
{
    const char *const *user = karak_depends(c, &auth);
    const Item *item = karak_body(c);
    return karak_resp_json_new(c, json_pack("{s:s,s:s}", "user", *user, "item", item->name));
}

/* ---- a dependency's own parameters, in a sub-dependency ---- */

typedef struct {
    const char *x_tenant;
} TenantHeaders;
static const karak_field tenant_fields[] = {
    KARAK_FIELD(TenantHeaders, x_tenant, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema tenant_headers = KARAK_SCHEMA(TenantHeaders, tenant_fields);

typedef struct {
    int64_t limit;
} LimitQuery;
static const karak_field limit_fields[] = {
    KARAK_FIELD(LimitQuery, limit, KARAK_I64, KARAK_GE(1), .dflt = "10"),
    KARAK_FIELDS_END,
};
static const karak_schema limit_query = KARAK_SCHEMA(LimitQuery, limit_fields);

typedef struct {
    int64_t limit;
    const char *tenant;
} Page;
static karak_result paged_fn(karak_ctx *c, void *value)
{
    Page *p = value;
    p->limit = ((const LimitQuery *)karak_dep_query(c))->limit;
    p->tenant = ((const TenantHeaders *)karak_dep_headers(c))->x_tenant;
    return KARAK_NEXT;
}
static const karak_provider paged = {.name = "paged", .size = sizeof(Page), .provide = paged_fn,
                                     .query = &limit_query, .headers = &tenant_headers};

static karak_result guard_fn(karak_ctx *c, void *value)
{
    *(const Page **)value = karak_depends(c, &paged);
    return KARAK_NEXT;
}
static const karak_provider guard = {.name = "guard", .size = sizeof(const Page *),
                                     .provide = guard_fn, .depends = KARAK_DEPS(&paged)};

typedef struct {
    int64_t q;
} QReq;
static const karak_field q_req_fields[] = {KARAK_FIELD(QReq, q, KARAK_I64), KARAK_FIELDS_END};
static const karak_schema q_req = KARAK_SCHEMA(QReq, q_req_fields);

static karak_result deps_route(karak_ctx *c)
{
    const Page *const *g = karak_depends(c, &guard);
    const QReq *q = karak_query(c);
    return karak_resp_json_new(c, json_pack("{s:I,s:{s:I,s:s},s:I}", "item_id",
                                            (json_int_t)karak_path_i64(c, "item_id"), "g",
                                            "limit", (json_int_t)(*g)->limit, "tenant",
                                            (*g)->tenant, "q", (json_int_t)q->q));
}

/* ---- security schemes ---- */

static const karak_provider keyh = KARAK_API_KEY_HEADER("X-Key");
static const karak_provider keyq = KARAK_API_KEY_QUERY("key");
static const karak_provider keyc = KARAK_API_KEY_COOKIE("session");

static karak_result r_bearer(karak_ctx *c)
{
    const karak_credentials *cr = karak_depends(c, &karak_http_bearer);
    return karak_resp_json_new(c, json_pack("{s:s,s:s}", "scheme", cr->scheme, "credentials",
                                            cr->credentials));
}
static karak_result r_bearer_opt(karak_ctx *c)
{
    const karak_credentials *cr = karak_depends(c, &karak_http_bearer_optional);
    return karak_resp_json_new(c, json_pack("{s:s?}", "c", cr->credentials));
}
static karak_result r_basic(karak_ctx *c)
{
    const karak_basic_credentials *cr = karak_depends(c, &karak_http_basic);
    return karak_resp_json_new(c, json_pack("{s:s,s:s}", "u", cr->username, "p", cr->password));
}
static karak_result r_key(karak_ctx *c)
{
    const karak_provider *p = karak_req_route_data(c);
    return karak_resp_json_new(c, json_pack("{s:s}", "k", *(const char *const *)karak_depends(c, p)));
}

static karak_app *deps_app(void)
{
    karak_app *app = karak_new(.title = "deps");
    ck_assert_int_eq(karak_get(app, "/cache", cache, .depends = KARAK_DEPS(&a_dep, &b_dep)), 0);
    ck_assert_int_eq(karak_post(app, "/auth-first", auth_first, .depends = KARAK_DEPS(&auth),
                                .body = &item_schema, .query = &q_le5),
                     0);
    ck_assert_int_eq(karak_get(app, "/deps/{item_id:int}", deps_route,
                               .depends = KARAK_DEPS(&guard), .query = &q_req),
                     0);
    ck_assert_int_eq(karak_get(app, "/bearer", r_bearer, .depends = KARAK_DEPS(&karak_http_bearer)), 0);
    ck_assert_int_eq(karak_get(app, "/bearer-opt", r_bearer_opt,
                               .depends = KARAK_DEPS(&karak_http_bearer_optional)),
                     0);
    ck_assert_int_eq(karak_get(app, "/basic", r_basic, .depends = KARAK_DEPS(&karak_http_basic)), 0);
    ck_assert_int_eq(karak_get(app, "/keyh", r_key, .depends = KARAK_DEPS(&keyh),
                               .data = (void *)&keyh),
                     0);
    ck_assert_int_eq(karak_get(app, "/keyq", r_key, .depends = KARAK_DEPS(&keyq),
                               .data = (void *)&keyq),
                     0);
    ck_assert_int_eq(karak_get(app, "/keyc", r_key, .depends = KARAK_DEPS(&keyc),
                               .data = (void *)&keyc),
                     0);
    return app;
}

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct {
    const char *method, *target;
    const char *const *headers;
    const char *json;
    int status;
    const char *www_authenticate;
    const char *body;
} rows[] = {
    {"GET", "/cache", NULL, NULL,
     200, NULL, "{\"a\":1,\"b\":[1,2],\"calls\":2}"},
    {"POST", "/auth-first?q=9", NULL, NULL,
     401, "Bearer", "{\"detail\":\"Not authenticated\"}"},
    {"POST", "/auth-first?q=9", HDRS("Authorization", "Bearer good"), NULL,
     422, NULL, "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"q\"],\"msg\":\"Input should be less than or equal to 5\",\"input\":\"9\",\"ctx\":{\"le\":5}},{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"POST", "/auth-first?q=9", HDRS("Authorization", "Bearer good"), "{bad",
     422, NULL, "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",1],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double quotes\"}}]}"},
    {"POST", "/auth-first?q=9", NULL, "{bad",
     422, NULL, "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",1],\"msg\":\"JSON decode error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double quotes\"}}]}"},
    {"POST", "/auth-first", HDRS("Authorization", "Bearer good"), "{\"name\":\"pen\",\"price\":1}",
     200, NULL, "{\"user\":\"alice\",\"item\":\"pen\"}"},
    {"POST", "/auth-first", HDRS("Authorization", "Bearer bad"), "{\"name\":\"pen\"}",
     401, "Bearer", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/deps/x?limit=0", NULL, NULL,
     422, NULL, "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\",\"ctx\":{\"ge\":1}},{\"type\":\"missing\",\"loc\":[\"header\",\"x-tenant\"],\"msg\":\"Field required\",\"input\":null},{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},{\"type\":\"missing\",\"loc\":[\"query\",\"q\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"GET", "/deps/3?q=1", HDRS("X-Tenant", "t"), NULL,
     200, NULL, "{\"item_id\":3,\"g\":{\"limit\":10,\"tenant\":\"t\"},\"q\":1}"},
    {"GET", "/deps/3?q=1&limit=5", HDRS("X-Tenant", "t"), NULL,
     200, NULL, "{\"item_id\":3,\"g\":{\"limit\":5,\"tenant\":\"t\"},\"q\":1}"},
    {"GET", "/bearer", NULL, NULL,
     401, "Bearer", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/bearer", HDRS("Authorization", "Bearer tok"), NULL,
     200, NULL, "{\"scheme\":\"Bearer\",\"credentials\":\"tok\"}"},
    {"GET", "/bearer", HDRS("Authorization", "bearer tok"), NULL,
     200, NULL, "{\"scheme\":\"bearer\",\"credentials\":\"tok\"}"},
    {"GET", "/bearer", HDRS("Authorization", "Basic dTpw"), NULL,
     401, "Bearer", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/bearer", HDRS("Authorization", "Bearer"), NULL,
     401, "Bearer", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/bearer", HDRS("Authorization", "Bearer  a b "), NULL,
     200, NULL, "{\"scheme\":\"Bearer\",\"credentials\":\"a b\"}"},
    {"GET", "/bearer", HDRS("Authorization", ""), NULL,
     401, "Bearer", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/bearer-opt", NULL, NULL,
     200, NULL, "{\"c\":null}"},
    {"GET", "/bearer-opt", HDRS("Authorization", "Bearer tok"), NULL,
     200, NULL, "{\"c\":\"tok\"}"},
    {"GET", "/bearer-opt", HDRS("Authorization", "Basic x"), NULL,
     200, NULL, "{\"c\":null}"},
    {"GET", "/basic", NULL, NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic dTpw"), NULL,
     200, NULL, "{\"u\":\"u\",\"p\":\"p\"}"},
    {"GET", "/basic", HDRS("Authorization", "basic YWxpY2U6czNjcjp0"), NULL,
     200, NULL, "{\"u\":\"alice\",\"p\":\"s3cr:t\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic bm9jb2xvbg=="), NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic !!!"), NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic dTpw="), NULL,
     200, NULL, "{\"u\":\"u\",\"p\":\"p\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic dT"), NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic dT=="), NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic dTp"), NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic dTp=w"), NULL,
     200, NULL, "{\"u\":\"u\",\"p\":\"\"}"},
    {"GET", "/basic", HDRS("Authorization", "Basic d Tp w"), NULL,
     200, NULL, "{\"u\":\"u\",\"p\":\"p\"}"},
    {"GET", "/basic", HDRS("Authorization", "Bearer dTpw"), NULL,
     401, "Basic", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/keyh", NULL, NULL,
     401, "APIKey", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/keyh", HDRS("X-Key", "k1"), NULL,
     200, NULL, "{\"k\":\"k1\"}"},
    {"GET", "/keyh", HDRS("X-Key", ""), NULL,
     401, "APIKey", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/keyq?key=a&key=b", NULL, NULL,
     200, NULL, "{\"k\":\"b\"}"},
    {"GET", "/keyq?key=", NULL, NULL,
     401, "APIKey", "{\"detail\":\"Not authenticated\"}"},
    {"GET", "/keyc", HDRS("Cookie", "session=s1; session=s2"), NULL,
     200, NULL, "{\"k\":\"s2\"}"},
    {"GET", "/keyc", NULL, NULL,
     401, "APIKey", "{\"detail\":\"Not authenticated\"}"},
};

START_TEST(fastapi_table)
{
    karak_app *app = deps_app();
    karak_client *client = test_client_open(app);
    karak_server *server = NULL;
    unsigned port = 0;
    test_serve(app, &server, &port);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char where[96];
        snprintf(where, sizeof where, "row %zu (%s %s)", i, rows[i].method, rows[i].target);
        karak_reply *r = both_request_at(where, client, port, rows[i].method, rows[i].target,
                                         &(const karak_request_opts){
                                             .headers = rows[i].headers,
                                             .json = rows[i].json,
                                             .struct_size = sizeof(karak_request_opts)});
        const char *www = karak_reply_header(r, "www-authenticate");
        if (rows[i].www_authenticate == NULL)
            ck_assert_msg(www == NULL, "%s: WWW-Authenticate %s", where, www);
        else
            ck_assert_msg(www != NULL && strcmp(www, rows[i].www_authenticate) == 0,
                          "%s: WWW-Authenticate %s, expected %s", where, www ? www : "(none)",
                          rows[i].www_authenticate);
        expect_response(r, rows[i].status, rows[i].body, where);
    }
    test_fixture_close(&app, &client, &server);
}
END_TEST

/* ---- cleanups: reverse order, two scopes, the final status, also on short-circuit ---- */

static char trace[512];
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER; /* servers note from workers */

static void note(const char *what)
{
    pthread_mutex_lock(&trace_lock);
    size_t n = strlen(trace);
    snprintf(trace + n, sizeof trace - n, "%s%s", n ? "," : "", what);
    pthread_mutex_unlock(&trace_lock);
}

/* Waits (1 s at most) for the trace to contain `end`, then copies it. */
static void trace_until(const char *end, char *out, size_t cap)
{
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&trace_lock);
        snprintf(out, cap, "%s", trace);
        pthread_mutex_unlock(&trace_lock);
        if (strstr(out, end) != NULL) return;
        usleep(5000);
    }
}

static karak_result setup_fn(karak_ctx *c, void *value)
{
    const char *name = karak_dep_data(c);
    char buf[32];
    snprintf(buf, sizeof buf, "setup %s", name);
    note(buf);
    *(const char **)value = name;
    if (strcmp(name, "deny") == 0) return karak_resp_error(c, 403, "Forbidden");
    return KARAK_NEXT;
}

static void cleanup_fn(void *value, int status, void *data)
{
    char buf[48];
    snprintf(buf, sizeof buf, "cleanup %s %d", *(const char **)value, status);
    note(buf);
    (void)data;
}

#define YIELD_DEP(id, nm, ...)                                                                \
    static const karak_provider id = {.name = nm, .size = sizeof(const char *),                \
                                      .provide = setup_fn, .cleanup = cleanup_fn,             \
                                      .data = (void *)nm, __VA_ARGS__}
YIELD_DEP(dep_y1, "y1", .scope = KARAK_SCOPE_REQUEST);
YIELD_DEP(dep_y2, "y2", .depends = KARAK_DEPS(&dep_y1));
YIELD_DEP(fn_scoped, "fn", .scope = KARAK_SCOPE_FUNCTION);
YIELD_DEP(dep_y3, "y3", .depends = KARAK_DEPS(&dep_y2, &fn_scoped));
YIELD_DEP(deny, "deny", .depends = KARAK_DEPS(&dep_y1));

static karak_result traced(karak_ctx *c)
{
    note("handler");
    const char *mode = karak_req_query_param(c, "fail");
    if (mode != NULL) return KARAK_FAIL;
    return karak_resp_empty(c);
}

START_TEST(cleanups_in_order)
{
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/y", traced, .depends = KARAK_DEPS(&dep_y3)), 0);
    ck_assert_int_eq(
        karak_get(app, "/deny", traced, .depends = KARAK_DEPS(&dep_y2, &deny, &dep_y3)), 0);
    karak_client *client = test_client_open(app);
    static const struct {
        const char *target;
        int status;
        const char *trace;
    } cases[] = {
        {"/y", 204,
         "setup y1,setup y2,setup fn,setup y3,handler,cleanup fn 204,cleanup y3 204,"
         "cleanup y2 204,cleanup y1 204"},
        {"/y?fail=1", 500,
         "setup y1,setup y2,setup fn,setup y3,handler,cleanup fn 500,cleanup y3 500,"
         "cleanup y2 500,cleanup y1 500"},
        /* deny answers 403: y3 and the handler never run; what was set up is cleaned up */
        {"/deny", 403, "setup y1,setup y2,setup deny,cleanup y2 403,cleanup y1 403"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        trace[0] = '\0';
        karak_reply *r = karak_client_get(client, cases[i].target);
        ck_assert_int_eq(karak_reply_status(r), cases[i].status);
        ck_assert_str_eq(trace, cases[i].trace);
        karak_reply_free(r);
    }
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
}
END_TEST

/* ---- asked for inside a handler, not declared: cached all the same ---- */

static karak_result lazy(karak_ctx *c)
{
    const int64_t *x = karak_depends(c, &counter);
    const int64_t *y = karak_depends(c, &counter);
    const int64_t *z = karak_depends(c, &counter_nc);
    return karak_resp_json_new(c, json_pack("[I,I,I]", (json_int_t)*x, (json_int_t)*y,
                                            (json_int_t)*z));
}

/* a provider with parameters, asked for only inside the handler: its 422 is the answer */
static karak_result lazy_params(karak_ctx *c)
{
    const Page *p = karak_depends(c, &paged);
    if (p == NULL) return KARAK_DONE;
    return karak_resp_json_new(c, json_pack("{s:I}", "limit", (json_int_t)p->limit));
}

START_TEST(asked_in_the_handler)
{
    karak_app *app = karak_new(.depends = KARAK_DEPS(&paged)); /* compiles paged's schemas */
    ck_assert_int_eq(karak_get(app, "/lazy", lazy), 0);
    karak_client *client = test_client_open(app);
    karak_reply *r = karak_client_get(client, "/lazy", .headers = HDRS("X-Tenant", "t"));
    EXPECT(r, 200, "[1,1,2]");
    /* the app's dependency ran first and its errors are the 422 */
    r = karak_client_get(client, "/lazy?limit=0");
    EXPECT(r, 422,
           "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],\"msg\":"
           "\"Input should be greater than or equal to 1\",\"input\":\"0\",\"ctx\":{\"ge\":1}},"
           "{\"type\":\"missing\",\"loc\":[\"header\",\"x-tenant\"],\"msg\":\"Field required\","
           "\"input\":null}]}");
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);

    app = karak_new();
    ck_assert_int_eq(karak_get(app, "/p", lazy_params, .depends = KARAK_DEPS(&tally)), 0);
    ck_assert_int_eq(karak_get(app, "/q", lazy_params, .query = &limit_query,
                               .headers = &tenant_headers),
                     0);
    client = test_client_open(app);
    /* paged was never named in a .depends: its schemas were not compiled */
    r = karak_client_get(client, "/p", .headers = HDRS("X-Tenant", "t"));
    EXPECT(r, 500, "Internal Server Error");
    test_fixture_close(&app, &client, &none);
}
END_TEST

/* ---- registration errors ---- */

static const karak_provider cyc_b;
static const karak_provider cyc_a = {.name = "a", .provide = tally_fn, .depends = KARAK_DEPS(&cyc_b)};
static const karak_provider cyc_b = {.name = "b", .provide = tally_fn, .depends = KARAK_DEPS(&cyc_a)};
static const karak_provider top = {.name = "top", .provide = tally_fn, .depends = KARAK_DEPS(&cyc_a)};
static const karak_provider no_fn = {.name = "no_fn"};
/* written by hand: KARAK_FIELD would refuse it at compile time */
static const karak_field bad_fields[] = {
    {.name = "x_tenant", .offset = 0, .size = sizeof(const char *), .type = KARAK_I32},
    KARAK_FIELDS_END};
static const karak_schema bad_schema = {.name = "Bad", .size = sizeof(TenantHeaders),
                                        .fields = bad_fields};
static const karak_provider bad_params = {.name = "bad", .provide = tally_fn,
                                          .headers = &bad_schema};

START_TEST(registration_errors)
{
    static const struct {
        const karak_provider *p;
        const char *message;
    } cases[] = {
        {&top, "route GET /x: dependency cycle: top -> a -> b -> a"},
        {&no_fn, "route GET /x: provider no_fn has no .provide"},
        {&bad_params, "route GET /x: schema Bad, field 'x_tenant': member size does not match "
                      "the field type"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        karak_app *app = karak_new();
        ck_assert_int_eq(karak_get(app, "/x", cache, .depends = KARAK_DEPS(cases[i].p)),
                         KARAK_EINVAL);
        ck_assert_str_eq(karak_app_error(app), cases[i].message);
        karak_app_free(app);
    }
    karak_app *app = karak_new(.depends = KARAK_DEPS(&top));
    ck_assert_str_eq(karak_app_error(app), "app dependencies: dependency cycle: top -> a -> b -> a");
    ck_assert_ptr_null(karak_client_new(app));
    karak_app_free(app);
}
END_TEST

/* ---- dependency overrides (FastAPI's app.dependency_overrides) ---- */

static karak_result fake_auth_fn(karak_ctx *c, void *value)
{
    (void)c;
    *(const char **)value = "mallory";
    return KARAK_NEXT;
}
static const karak_provider fake_auth = {.name = "fake_auth", .size = sizeof(const char *),
                                         .provide = fake_auth_fn};

/* a replacement with parameters of its own, which the app never saw */
typedef struct {
    int64_t page;
} PageQuery;
static const karak_field page_fields[] = {
    KARAK_FIELD(PageQuery, page, KARAK_I64, KARAK_GE(1), .dflt = "1"),
    KARAK_FIELDS_END,
};
static const karak_schema page_query = KARAK_SCHEMA(PageQuery, page_fields);

static karak_result fake_paged_fn(karak_ctx *c, void *value)
{
    Page *p = value;
    p->limit = ((const PageQuery *)karak_dep_query(c))->page * 100;
    p->tenant = "fake";
    return KARAK_NEXT;
}
static const karak_provider fake_paged = {.name = "fake_paged", .size = sizeof(Page),
                                          .provide = fake_paged_fn, .query = &page_query};

START_TEST(overrides)
{
    karak_app *app = deps_app();
    karak_client *client = test_client_open(app);
    ck_assert_int_eq(karak_client_override(client, &auth, &fake_auth), 0);
    karak_reply *r = karak_client_post(client, "/auth-first", .json = "{\"name\":\"pen\",\"price\":1}");
    EXPECT(r, 200, "{\"user\":\"mallory\",\"item\":\"pen\"}");
    /* a sub-dependency replaced, with its own parameter and its errors */
    ck_assert_int_eq(karak_client_override(client, &paged, &fake_paged), 0);
    r = karak_client_get(client, "/deps/3?q=1&page=2");
    EXPECT(r, 200, "{\"item_id\":3,\"g\":{\"limit\":200,\"tenant\":\"fake\"},\"q\":1}");
    r = karak_client_get(client, "/deps/3?q=1&page=0");
    EXPECT(r, 422, "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"page\"],"
                   "\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\","
                   "\"ctx\":{\"ge\":1}}]}");
    /* removed: the originals again */
    ck_assert_int_eq(karak_client_override(client, &auth, NULL), 0);
    ck_assert_int_eq(karak_client_override(client, &paged, NULL), 0);
    r = karak_client_post(client, "/auth-first", .json = "{\"name\":\"pen\",\"price\":1}");
    EXPECT(r, 401, "{\"detail\":\"Not authenticated\"}");
    ck_assert_int_eq(karak_client_override(client, &auth, &no_fn), KARAK_EINVAL);
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
}
END_TEST

/* ---- exception handlers: the app reshapes its 422 and its HTTP errors ---- */

static karak_result reshape_422(karak_ctx *c, const json_t *errors)
{
    karak_resp_status_set(c, 400);
    return karak_resp_json_new(c, json_pack("{s:I,s:O}", "count",
                                            (json_int_t)json_array_size(errors), "errors",
                                            (json_t *)errors));
}

static karak_result reshape_http(karak_ctx *c, int status, const json_t *detail)
{
    if (status == 418) return KARAK_FAIL; /* a handler that fails: the plain 500 */
    return karak_resp_json_new(c, json_pack("{s:i,s:O}", "status", status, "message",
                                            (json_t *)detail));
}

static karak_result teapot(karak_ctx *c)
{
    return karak_resp_error(c, 418, NULL);
}

START_TEST(exception_handlers)
{
    karak_app *app = karak_new(.on_validation_error = reshape_422, .on_http_error = reshape_http);
    ck_assert_int_eq(karak_post(app, "/auth-first", auth_first, .depends = KARAK_DEPS(&auth),
                                .body = &item_schema, .query = &q_le5),
                     0);
    ck_assert_int_eq(karak_get(app, "/teapot", teapot), 0);
    karak_client *client = test_client_open(app);
    karak_server *server = NULL;
    unsigned port = 0;
    test_serve(app, &server, &port);
    const struct {
        const char *method, *target;
        const char *const *headers;
        const char *json;
        int status;
        const char *body;
        const char *header, *value; /* one header that must be kept */
    } cases[] = {
        /* the 422 reshaped, with its own status */
        {"POST", "/auth-first?q=9", HDRS("Authorization", "Bearer good"), NULL, 400,
         "{\"count\":2,\"errors\":[{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"q\"],"
         "\"msg\":\"Input should be less than or equal to 5\",\"input\":\"9\",\"ctx\":{\"le\":5}},"
         "{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}",
         NULL, NULL},
        /* a provider's 401: the status kept, and its WWW-Authenticate */
        {"POST", "/auth-first", NULL, "{}", 401,
         "{\"status\":401,\"message\":\"Not authenticated\"}", "www-authenticate", "Bearer"},
        /* libkarak's own 404 and 405 (its Allow kept) */
        {"GET", "/nope", NULL, NULL, 404, "{\"status\":404,\"message\":\"Not Found\"}", NULL, NULL},
        {"DELETE", "/teapot", NULL, NULL, 405,
         "{\"status\":405,\"message\":\"Method Not Allowed\"}", "allow", "GET, HEAD"},
        /* the handler failed */
        {"GET", "/teapot", NULL, NULL, 500, "Internal Server Error", NULL, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char where[64];
        snprintf(where, sizeof where, "case %zu (%s %s)", i, cases[i].method, cases[i].target);
        karak_reply *r = both_request_at(where, client, port, cases[i].method, cases[i].target,
                                         &(const karak_request_opts){
                                             .headers = cases[i].headers,
                                             .json = cases[i].json,
                                             .struct_size = sizeof(karak_request_opts)});
        if (cases[i].header != NULL)
            ck_assert_str_eq(karak_reply_header(r, cases[i].header), cases[i].value);
        expect_response(r, cases[i].status, cases[i].body, where);
    }
    test_fixture_close(&app, &client, &server);
}
END_TEST

/* ---- per-worker values: one "connection" per worker, no lock ---- */

static atomic_int opened, closed;

static void conn_close(void *value)
{
    atomic_fetch_add(&closed, 1);
    free(value);
}

static karak_result conn_fn(karak_ctx *c, void *value)
{
    void **slot = karak_worker_slot(c, &opened, conn_close);
    if (slot == NULL) return KARAK_FAIL;
    if (*slot == NULL) {
        int *conn = malloc(sizeof *conn);
        if (conn == NULL) return KARAK_FAIL;
        *conn = atomic_fetch_add(&opened, 1);
        *slot = conn;
    }
    *(int **)value = *slot;
    return KARAK_NEXT;
}
static const karak_provider worker_conn = {.name = "worker_conn", .size = sizeof(int *),
                                           .provide = conn_fn};

static karak_result use_conn(karak_ctx *c)
{
    int *const *conn = karak_depends(c, &worker_conn);
    return karak_resp_json_new(c, json_pack("{s:i}", "conn", **conn));
}

START_TEST(worker_slots)
{
    atomic_store(&opened, 0);
    atomic_store(&closed, 0);
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/conn", use_conn, .depends = KARAK_DEPS(&worker_conn)), 0);
    karak_client *client = test_client_open(app);
    for (int i = 0; i < 3; i++) { /* a client is one worker: one value, reused */
        karak_reply *r = karak_client_get(client, "/conn");
        EXPECT(r, 200, "{\"conn\":0}");
    }
    karak_server *server = test_server_start(app); /* two workers */
    unsigned port = karak_server_port(server);
    for (int i = 0; i < 40; i++) {
        wire_reply w;
        wire_request(port, "GET", "/conn", NULL, &w);
        ck_assert_int_eq(w.status, 200);
        wire_reply_clear(&w);
    }
    int made = atomic_load(&opened);
    ck_assert_msg(made >= 2 && made <= 3, "%d values for one client and two workers", made);
    test_server_stop(server);
    ck_assert_int_eq(atomic_load(&closed), made - 1); /* the workers' values, at the stop */
    karak_client_free(client);
    ck_assert_int_eq(atomic_load(&closed), made); /* the client's, at its free */
    karak_app_free(app);
}
END_TEST

/* ---- background tasks: after the response, in order, before the yield cleanups ---- */

static void task(void *arg)
{
    note((const char *)arg);
}

static karak_result with_tasks(karak_ctx *c)
{
    note("handler");
    karak_background(c, task, "task 1");
    karak_background(c, task, "task 2");
    return karak_resp_empty(c);
}

START_TEST(background_tasks)
{
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_get(app, "/t", with_tasks, .depends = KARAK_DEPS(&dep_y1)), 0);
    karak_client *client = test_client_open(app);
    karak_server *server = NULL;
    unsigned port = 0;
    test_serve(app, &server, &port);
    trace[0] = '\0';
    karak_reply *r = karak_client_get(client, "/t");
    ck_assert_int_eq(karak_reply_status(r), 204);
    karak_reply_free(r);
    ck_assert_str_eq(trace, "setup y1,handler,task 1,task 2,cleanup y1 204");
    /* over the wire: the tasks run once the response has been sent */
    pthread_mutex_lock(&trace_lock);
    trace[0] = '\0';
    pthread_mutex_unlock(&trace_lock);
    wire_reply w;
    wire_request(port, "GET", "/t", NULL, &w);
    ck_assert_int_eq(w.status, 204);
    wire_reply_clear(&w);
    char seen[512];
    trace_until("cleanup y1", seen, sizeof seen);
    ck_assert_str_eq(seen, "setup y1,handler,task 1,task 2,cleanup y1 204");
    test_fixture_close(&app, &client, &server);
}
END_TEST

/* ---- lifespan: startup before the first request, shutdown after the last ---- */

static int started, stopped;

static int on_startup(void *data)
{
    started++;
    return data != NULL ? *(const int *)data : 0;
}

static void on_shutdown(void *data)
{
    (void)data;
    stopped++;
}

static karak_result counts(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:i,s:i}", "started", started, "stopped", stopped));
}

START_TEST(lifespan_hooks)
{
    started = stopped = 0;
    karak_app *app = karak_new(.on_startup = on_startup, .on_shutdown = on_shutdown);
    ck_assert_int_eq(karak_get(app, "/counts", counts), 0);
    karak_client *client = karak_client_new(app);
    karak_reply *r = karak_client_get(client, "/counts");
    EXPECT(r, 200, "{\"started\":0,\"stopped\":0}"); /* a plain client runs no hook */
    ck_assert_int_eq(karak_client_start(client), 0);
    ck_assert_int_eq(karak_client_start(client), 0); /* once */
    r = karak_client_get(client, "/counts");
    EXPECT(r, 200, "{\"started\":1,\"stopped\":0}");
    /* a server of the same app: the hooks run once for both */
    karak_server *server = test_server_start(app);
    ck_assert_int_eq(started, 1);
    test_server_stop(server);
    ck_assert_int_eq(stopped, 0);
    karak_client_free(client);
    ck_assert_int_eq(stopped, 1);
    karak_app_free(app);

    /* a server alone: startup at the start, shutdown after the drain */
    started = stopped = 0;
    app = karak_new(.on_startup = on_startup, .on_shutdown = on_shutdown);
    ck_assert_int_eq(karak_get(app, "/counts", counts), 0);
    server = test_server_start(app);
    ck_assert_int_eq(started, 1);
    test_server_stop(server);
    ck_assert_int_eq(stopped, 1);
    karak_app_free(app);

    /* a startup that refuses: no server */
    static const int refuse = 7;
    app = karak_new(.on_startup = on_startup, .on_shutdown = on_shutdown,
                    .data = (void *)&refuse);
    karak_server *none = NULL;
    ck_assert_int_eq(karak_server_start(app, &(const karak_server_opts){.port = KARAK_PORT_ANY,
                                                                        .struct_size = sizeof(karak_server_opts)},
                                        &none),
                     KARAK_ESYSTEM);
    ck_assert_ptr_null(none);
    client = karak_client_new(app);
    ck_assert_int_eq(karak_client_start(client), 7);
    karak_client_free(client);
    ck_assert_int_eq(stopped, 1); /* never started, never stopped again */
    karak_app_free(app);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("depends");
    TCase *tc = tcase_create("depends");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, fastapi_table);
    tcase_add_test(tc, cleanups_in_order);
    tcase_add_test(tc, asked_in_the_handler);
    tcase_add_test(tc, registration_errors);
    tcase_add_test(tc, background_tasks);
    tcase_add_test(tc, overrides);
    tcase_add_test(tc, exception_handlers);
    tcase_add_test(tc, worker_slots);
    tcase_add_test(tc, lifespan_hooks);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
