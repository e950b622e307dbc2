/* Out of memory, everywhere: every request of the table is replayed with its n-th arena
 * allocation failing, for n = 0, 1, 2, ... until a run goes through without a failure (the
 * method of jansson's test_chaos). Each run must give the right answer, a plain 500, or no
 * reply at all (the test client's own copy failed) — never a wrong answer, such as a 422
 * for a value that is valid, an error without its ctx, or a lost header — and under ASan
 * nothing may leak: a cleanup registered with karak_defer runs even when its registration
 * is what failed. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/util.h"

typedef struct {
    const char *name;
    double price;
    int64_t qty;
} Item;

static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR, .max_len = 10),
    KARAK_FIELD(Item, price, KARAK_F64, KARAK_GT(0)),
    KARAK_FIELD(Item, qty, KARAK_I64, .dflt = "1"),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);

typedef struct {
    int64_t limit;
    const char *q;
} Query;

static const karak_field query_fields[] = {
    KARAK_FIELD(Query, limit, KARAK_I64, .dflt = "10", KARAK_LE(100)),
    KARAK_FIELD(Query, q, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema query_schema = KARAK_SCHEMA(Query, query_fields);

typedef struct {
    const char *x_token;
} Headers;

static const karak_field header_fields[] = {
    KARAK_FIELD(Headers, x_token, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema header_schema = KARAK_SCHEMA(Headers, header_fields);

/* Models: nested structs, lists, dicts, enums, formats, patterns. */
typedef struct {
    const char *url;
    int kind;
} Pic;
static const karak_field pic_fields[] = {
    KARAK_FIELD(Pic, url, KARAK_STR, .pattern = "^https?://"),
    KARAK_FIELD(Pic, kind, KARAK_ENUM, .choices = KARAK_CHOICES("png", "jpg"), .dflt = "png"),
    KARAK_FIELDS_END,
};
static const karak_schema pic_schema = KARAK_SCHEMA(Pic, pic_fields);

typedef struct {
    karak_uuid id;
    karak_datetime at;
    Pic cover;
    KARAK_LIST_OF(Pic) pics;
    KARAK_DICT_OF(karak_list) scores;
} Album;
static const karak_field album_fields[] = {
    KARAK_FIELD(Album, id, KARAK_UUID),
    KARAK_FIELD(Album, at, KARAK_DATETIME),
    KARAK_FIELD(Album, cover, KARAK_OBJ, .schema = &pic_schema),
    KARAK_FIELD(Album, pics, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &pic_schema),
                .max_len = 3),
    KARAK_FIELD(Album, scores, KARAK_DICT,
                .items = KARAK_ITEM(KARAK_LIST, .items = KARAK_ITEM(KARAK_I64)), .dflt = "{}"),
    KARAK_FIELDS_END,
};
static const karak_schema album_schema = KARAK_SCHEMA(Album, album_fields);

typedef struct {
    KARAK_LIST_OF(int64_t) n;
} Tags;
static const karak_field tags_fields[] = {
    KARAK_FIELD(Tags, n, KARAK_LIST, .items = KARAK_ITEM(KARAK_I64), .min_len = 2),
    KARAK_FIELDS_END,
};
static const karak_schema tags_schema = KARAK_SCHEMA(Tags, tags_fields);

static karak_result album(karak_ctx *c)
{
    return karak_resp_model(c, &album_schema, karak_body(c));
}

static karak_result tags(karak_ctx *c)
{
    return karak_resp_model(c, &tags_schema, karak_query(c));
}

/* Dependencies: a yield provider holding a malloc'd resource only its cleanup frees, one
 * with parameters below it, a bearer scheme. */
static karak_result resource_fn(karak_ctx *c, void *value)
{
    (void)c;
    char *r = malloc(16);
    if (r == NULL) return KARAK_FAIL;
    *(char **)value = r;
    return KARAK_NEXT;
}
static void resource_free(void *value, int status, void *data)
{
    (void)status;
    (void)data;
    free(*(char **)value);
}
static const karak_provider held = {.name = "resource", .size = sizeof(char *),
                                        .provide = resource_fn, .cleanup = resource_free};

static karak_result limit_fn(karak_ctx *c, void *value)
{
    *(int64_t *)value = ((const Query *)karak_dep_query(c))->limit;
    return KARAK_NEXT;
}
static const karak_provider limit_dep = {.name = "limit", .size = sizeof(int64_t),
                                         .provide = limit_fn, .query = &query_schema,
                                         .depends = KARAK_DEPS(&held)};

static karak_result guarded(karak_ctx *c)
{
    const karak_credentials *cr = karak_depends(c, &karak_http_bearer);
    const int64_t *limit = karak_depends(c, &limit_dep);
    return karak_resp_json_new(c, json_pack("{s:s,s:I}", "token", cr->credentials, "limit",
                                            (json_int_t)*limit));
}

static karak_result create(karak_ctx *c)
{
    /* a resource whose only way back is the cleanup */
    char *resource = malloc(32);
    if (resource == NULL || karak_defer(c, free, resource) != KARAK_OK) return KARAK_FAIL;
    if (karak_resp_header_add(c, "X-Created", "yes") != KARAK_OK) return KARAK_FAIL;
    return karak_resp_model(c, &item_schema, karak_body(c));
}

static karak_result search(karak_ctx *c)
{
    const Query *q = karak_query(c);
    const Headers *h = karak_headers(c);
    return karak_resp_json_new(c, json_pack("{s:I,s:s?,s:s,s:s?}", "limit", (json_int_t)q->limit,
                                            "q", q->q, "token", h->x_token, "cookie",
                                            karak_req_cookie(c, "s")));
}

static karak_result item(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:I,s:s}", "id",
                                            (json_int_t)karak_path_i64(c, "id"), "raw",
                                            karak_path_str(c, "id")));
}

static karak_result teapot(karak_ctx *c)
{
    if (karak_resp_header_add(c, "X-Why", "tea") != KARAK_OK) return KARAK_FAIL;
    return karak_resp_error(c, 418, NULL);
}

static const char *const search_headers[] = {"X-Token", "abc", "Cookie", "s=1; t=\"a\\\"b\"",
                                             NULL};
static const char *const no_headers[] = {NULL};
static const char *const bearer_headers[] = {"Authorization", "Bearer tok", NULL};

static const struct {
    const char *method, *target, *json;
    const char *const *headers;
} cases[] = {
    {"POST", "/items", "{\"name\":\"pen\",\"price\":9.99}", no_headers},
    {"POST", "/items", "{\"name\":\"a very long name\",\"price\":-1,\"qty\":1.5}", no_headers},
    {"POST", "/items", "{\"name\":", no_headers},
    {"POST", "/items", "[1,2]", no_headers},
    {"GET", "/search?limit=5&q=a+b%20c", NULL, search_headers},
    {"GET", "/search?limit=500&limit=x", NULL, no_headers},
    {"GET", "/items/42", NULL, no_headers},
    {"GET", "/items/4.5e3", NULL, no_headers},
    {"GET", "/items/42/", NULL, no_headers},
    {"DELETE", "/items/42", NULL, no_headers},
    {"GET", "/teapot", NULL, no_headers},
    {"GET", "/nope", NULL, no_headers},
    {"POST", "/albums",
     "{\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\",\"at\":\"2024-01-15T10:30:00.5+02:00\","
     "\"cover\":{\"url\":\"http://a\"},\"pics\":[{\"url\":\"https://b\",\"kind\":\"jpg\"}],"
     "\"scores\":{\"x\":[1,2],\"y\":[],\"x\":[3]}}",
     no_headers},
    {"POST", "/albums",
     "{\"id\":\"nope\",\"at\":\"2024-13-01\",\"cover\":{\"url\":\"ftp://a\",\"kind\":\"gif\"},"
     "\"pics\":[1,{},[]],\"scores\":{\"x\":[\"a\"],\"y\":5}}",
     no_headers},
    {"POST", "/albums", "{\"pics\":[{},{},{},{}],\"cover\":[]}", no_headers},
    {"GET", "/tags?n=1&n=x&n=3", NULL, no_headers},
    {"GET", "/tags?n=1", NULL, no_headers},
    {"GET", "/tags?n=1&n=2", NULL, no_headers},
    {"GET", "/guarded?limit=7", NULL, bearer_headers},
    {"GET", "/guarded?limit=x", NULL, bearer_headers},
    {"GET", "/guarded", NULL, no_headers},
};

static bool same_reply(karak_reply *a, karak_reply *b)
{
    size_t la, lb;
    const char *ba = karak_reply_body(a, &la), *bb = karak_reply_body(b, &lb);
    if (karak_reply_status(a) != karak_reply_status(b) || la != lb || memcmp(ba, bb, la) != 0)
        return false;
    if (karak_reply_header_count(a) != karak_reply_header_count(b)) return false;
    for (size_t i = 0; i < karak_reply_header_count(a); i++) {
        karak_pair ha, hb;
        karak_reply_header_at(a, i, &ha);
        karak_reply_header_at(b, i, &hb);
        if (strcmp(ha.name, hb.name) != 0 || strcmp(ha.value, hb.value) != 0) return false;
    }
    return true;
}

static bool is_plain_500(karak_reply *r)
{
    const char *body = karak_reply_body(r, NULL);
    const char *ct = karak_reply_header(r, "content-type");
    return karak_reply_status(r) == 500 && strcmp(body, "Internal Server Error") == 0 &&
           ct != NULL && strcmp(ct, "text/plain; charset=utf-8") == 0 &&
           karak_reply_header(r, "x-created") == NULL && karak_reply_header(r, "x-why") == NULL;
}

static karak_reply *send_case(karak_client *cl, size_t i)
{
    return karak_client_request(cl, cases[i].method, cases[i].target,
                                &(const karak_request_opts){.json = cases[i].json,
                                                            .headers = cases[i].headers});
}

START_TEST(every_allocation_fails_once)
{
    karak_app *app = karak_new(.title = "chaos");
    karak_post(app, "/items", create, .body = &item_schema, .status = 201);
    karak_get(app, "/search", search, .query = &query_schema, .headers = &header_schema);
    karak_get(app, "/items/{id:int}", item);
    karak_get(app, "/teapot", teapot);
    karak_post(app, "/albums", album, .body = &album_schema);
    karak_get(app, "/tags", tags, .query = &tags_schema);
    karak_get(app, "/guarded", guarded, .depends = KARAK_DEPS(&karak_http_bearer, &limit_dep));
    karak_client *cl = karak_client_new(app);
    ck_assert_ptr_nonnull(cl);
    karak_reply *want = send_case(cl, (size_t)_i);
    ck_assert_ptr_nonnull(want);
    long n = 0;
    for (;; n++) {
        kchaos_fail_after(n);
        karak_reply *got = send_case(cl, (size_t)_i);
        bool struck = kchaos_struck();
        kchaos_fail_after(-1);
        if (got != NULL) {
            ck_assert_msg(same_reply(got, want) || (struck && is_plain_500(got)),
                          "%s %s, allocation %ld failing: status %d, body %s", cases[_i].method,
                          cases[_i].target, n, karak_reply_status(got),
                          karak_reply_body(got, NULL));
        } else {
            ck_assert_msg(struck, "%s %s: no reply without an allocation failure",
                          cases[_i].method, cases[_i].target);
        }
        karak_reply_free(got);
        if (!struck) break;
    }
    ck_assert_int_gt(n, 0); /* the request allocated, and every failure was tried */
    karak_reply_free(want);
    karak_client_free(cl);
    karak_app_free(app);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chaos");
    TCase *tc = tcase_create("out of memory");
    tcase_add_loop_test(tc, every_allocation_fails_once, 0, (int)(sizeof cases / sizeof *cases));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
