/* OpenAPI: each example's document (`example --openapi`) compared structurally with the one
 * FastAPI 0.141.1 generates for the Python original (committed in tests/openapi/, made with
 * the FastAPI app and `app.openapi()`); key order does not count, numbers compare by value.
 * Every difference must be one of the documented libkarak deviations listed here (see
 * docs/semantics.md, "OpenAPI"); a new one fails the test. Then /openapi.json, /docs and
 * /redoc as served. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* ---- a structural diff: the JSON paths where two documents differ ---- */

typedef struct diffs {
    char *path[256];
    size_t n;
} diffs;

static void add(diffs *d, const char *path)
{
    if (d->n < 256) d->path[d->n++] = strdup(path);
}

static bool same_number(const json_t *a, const json_t *b)
{
    return json_is_number(a) && json_is_number(b) && json_number_value(a) == json_number_value(b);
}

static void diff(const json_t *a, const json_t *b, const char *path, diffs *d)
{
    char sub[1024];
    if (json_is_object(a) && json_is_object(b)) {
        const char *k;
        json_t *v;
        json_object_foreach((json_t *)a, k, v) {
            snprintf(sub, sizeof sub, "%s/%s", path, k);
            const json_t *w = json_object_get(b, k);
            if (w == NULL) add(d, sub);
            else diff(v, w, sub, d);
        }
        json_object_foreach((json_t *)b, k, v) {
            snprintf(sub, sizeof sub, "%s/%s", path, k);
            if (json_object_get(a, k) == NULL) add(d, sub);
        }
    } else if (json_is_array(a) && json_is_array(b) && json_array_size(a) == json_array_size(b)) {
        for (size_t i = 0; i < json_array_size(a); i++) {
            snprintf(sub, sizeof sub, "%s/%zu", path, i);
            diff(json_array_get(a, i), json_array_get(b, i), sub, d);
        }
    } else if (!same_number(a, b) && !json_equal((json_t *)a, (json_t *)b)) {
        add(d, path);
    }
}

/* ---- an example's document ---- */

static json_t *document_of(const char *bin)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s --openapi", bin);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    json_error_t err;
    json_t *doc = json_loadf(p, 0, &err);
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(doc != NULL, "%s --openapi: %s", bin, err.text);
    return doc;
}

static json_t *fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.json", OPENAPI_FIXTURES, name);
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    ck_assert_msg(doc != NULL, "%s: %s", path, err.text);
    return doc;
}

/* Every difference between FastAPI's document `name` and libkarak's (taken) must be in
 * `allowed`. */
static void compare_doc(const char *name, json_t *karak, const char *const *allowed)
{
    json_t *fastapi = fixture(name);
    diffs d = {.n = 0};
    diff(fastapi, karak, "", &d);
    for (size_t i = 0; i < d.n; i++) {
        bool ok = false;
        for (size_t j = 0; allowed[j] != NULL && !ok; j++) ok = strcmp(allowed[j], d.path[i]) == 0;
        ck_assert_msg(ok, "%s: the document differs from FastAPI's at %s", name, d.path[i]);
        free(d.path[i]);
    }
    json_decref(fastapi);
    json_decref(karak);
}

static void compare(const char *name, const char *bin, const char *const *allowed)
{
    compare_doc(name, document_of(bin), allowed);
}

/* Documented deviations (docs/semantics.md): the app's title; a route answering a jansson
 * value where the Python annotates `-> dict` (FastAPI: an object schema, libkarak: {});
 * a route whose C port declares a response model where the Python returns a dict
 * (FastAPI: {}, libkarak: the model, and its component). */
#define DICT_RESPONSE(path)                                                                   \
    "/paths/" path "/get/responses/200/content/application/json/schema/additionalProperties", \
        "/paths/" path "/get/responses/200/content/application/json/schema/title",            \
        "/paths/" path "/get/responses/200/content/application/json/schema/type"
#define MODEL_RESPONSE(path, method) "/paths/" path "/" method "/responses/200/content/application/json/schema/$ref"
/* Both at once: the Python annotates `-> dict[str, str]` (FastAPI: an object of strings)
 * and the C port answers a model, as a response is a struct in libkarak (its $ref in place
 * of the object schema, and its component). */
#define DICT_AS_MODEL_RESPONSE(path) DICT_RESPONSE(path), MODEL_RESPONSE(path, "get")

START_TEST(quickstart_document)
{
    static const char *const allowed[] = {"/info/title", DICT_RESPONSE("/"),
                                          DICT_RESPONSE("/items/{item_id}"), NULL};
    compare("quickstart", QUICKSTART_BIN, allowed);
}
END_TEST

START_TEST(tutorial_document)
{
    static const char *const allowed[] = {
        "/components/schemas/FileOut",
        "/components/schemas/HeadersOut",
        "/components/schemas/ItemHeaderOut",
        "/components/schemas/KeyOut",
        "/components/schemas/ModelOut",
        "/components/schemas/UpdateOut",
        "/components/schemas/UserItemOut",
        "/components/schemas/UserOut",
        MODEL_RESPONSE("/files/{file_path}", "get"),
        MODEL_RESPONSE("/headers", "get"),
        MODEL_RESPONSE("/items-header/{item_id}", "get"),
        MODEL_RESPONSE("/items/{item_id}", "put"),
        MODEL_RESPONSE("/models/{model_name}", "get"),
        MODEL_RESPONSE("/required-header", "get"),
        MODEL_RESPONSE("/users/me", "get"),
        MODEL_RESPONSE("/users/{user_id}", "get"),
        MODEL_RESPONSE("/users/{user_id}/items/{item_id}", "get"),
        NULL,
    };
    compare("tutorial", TUTORIAL_BIN, allowed);
}
END_TEST

START_TEST(items_document)
{
    static const char *const allowed[] = {
        "/info/title",
        "/components/schemas/HealthStatus",
        "/components/schemas/Message",
        DICT_AS_MODEL_RESPONSE("/"),
        DICT_AS_MODEL_RESPONSE("/health"),
        NULL,
    };
    compare("items", ITEMS_BIN, allowed);
}
END_TEST

START_TEST(notes_document)
{
    char db[] = "/tmp/karak-openapi-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(db));
    char file[sizeof db + 16];
    snprintf(file, sizeof file, "%s/n.db", db);
    setenv("NOTES_DB", file, 1);
    static const char *const allowed[] = {NULL}; /* none */
    compare("notes", NOTES_BIN, allowed);
    unlink(file);
    rmdir(db);
}
END_TEST

/* ---- served ---- */

/* ---- descriptions, summaries and tags (tests/ports/described.py) ---- */

typedef struct {
    const char *url;
} Image;
static const karak_field image_fields[] = {
    KARAK_FIELD(Image, url, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema image_schema = KARAK_SCHEMA(Image, image_fields);

typedef struct {
    const char *name;
    double price;
    Image image;
    bool has_maybe;
    Image maybe;
    KARAK_LIST_OF(const char *) tags;
} DItem;
static const karak_field ditem_fields[] = {
    KARAK_FIELD(DItem, name, KARAK_STR, .description = "The name"),
    KARAK_FIELD(DItem, price, KARAK_F64, .dflt = "1.5", .gt = 0, .has_gt = true,
                .description = "Price in EUR"),
    KARAK_FIELD(DItem, image, KARAK_OBJ, .schema = &image_schema, .description = "The picture"),
    KARAK_FIELD_OPT(DItem, maybe, has_maybe, KARAK_OBJ, .schema = &image_schema,
                    .description = "Optional picture"),
    KARAK_FIELD(DItem, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .dflt = "[]",
                .description = "Tags"),
    KARAK_FIELDS_END,
};
static const karak_schema ditem_schema = {
    .name = "Item", .size = sizeof(DItem), .fields = ditem_fields,
    .field_size = sizeof(karak_field)};

typedef struct {
    int64_t item_id;
} DPath;
static const karak_field dpath_fields[] = {
    KARAK_FIELD(DPath, item_id, KARAK_I64, .ge = 1, .has_ge = true, .description = "The id"),
    KARAK_FIELDS_END,
};
static const karak_schema dpath_schema = KARAK_SCHEMA(DPath, dpath_fields);

typedef struct {
    const char *q;
} DQuery;
static const karak_field dquery_fields[] = {
    KARAK_FIELD(DQuery, q, KARAK_STR, .optional = true, .description = "Search"),
    KARAK_FIELDS_END,
};
static const karak_schema dquery_schema = KARAK_SCHEMA(DQuery, dquery_fields);

typedef struct {
    const char *x_token;
} DHeaders;
static const karak_field dheaders_fields[] = {
    KARAK_FIELD(DHeaders, x_token, KARAK_STR, .dflt = "t", .description = "Token"),
    KARAK_FIELDS_END,
};
static const karak_schema dheaders_schema = KARAK_SCHEMA(DHeaders, dheaders_fields);

static karak_result create(karak_ctx *c)
{
    return karak_resp_struct(c, karak_body(c));
}

static karak_result plain(karak_ctx *c)
{
    return karak_resp_json_new(c, json_object());
}

static karak_result strs(karak_ctx *c)
{
    return karak_resp_json_new(c, json_object());
}

static karak_result ints(karak_ctx *c)
{
    return karak_resp_json_new(c, json_array());
}

START_TEST(described_document)
{
    karak_app *app = karak_new(.title = "FastAPI");
    ck_assert_int_eq(karak_post(app, "/items/{item_id}", create, .path = &dpath_schema,
                                .query = &dquery_schema, .headers = &dheaders_schema,
                                .body = &ditem_schema, .response = &ditem_schema,
                                .summary = "Create", .description = "Creates an item.",
                                .tags = KARAK_TAGS("items", "write")),
                     0);
    /* responses that are not models: `-> dict`, `-> dict[str, str]`, `-> list[int]` */
    ck_assert_int_eq(karak_get(app, "/plain", plain, .response_item = KARAK_ITEM(KARAK_DICT,
                               .items = KARAK_ITEM(KARAK_JSON))), 0);
    ck_assert_int_eq(karak_get(app, "/strs", strs, .response_item = KARAK_ITEM(KARAK_DICT,
                               .items = KARAK_ITEM(KARAK_STR))), 0);
    ck_assert_int_eq(karak_get(app, "/ints", ints, .response_item = KARAK_ITEM(KARAK_LIST,
                               .items = KARAK_ITEM(KARAK_I64))), 0);
    const char *text = karak_app_openapi(app, NULL);
    ck_assert_ptr_nonnull(text);
    json_error_t err;
    json_t *doc = json_loads(text, 0, &err);
    ck_assert_msg(doc != NULL, "%s", err.text);
    static const char *const none[] = {NULL};
    compare_doc("described", doc, none);
    karak_app_free(app);
    /* not both, and not an unknown type */
    app = karak_new();
    ck_assert_int_eq(karak_get(app, "/x", plain, .response = &image_schema,
                               .response_item = KARAK_ITEM(KARAK_STR)), KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(app), "route GET /x: response_item: not with .response");
    karak_app_free(app);
    app = karak_new();
    ck_assert_int_eq(karak_get(app, "/y", plain, .response_item = KARAK_ITEM(KARAK_LIST)),
                     KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(app), "route GET /y: response_item: schema Response, field 'response': a list or dict needs .items");
    karak_app_free(app);
    app = karak_new();
    ck_assert_int_eq(karak_get(app, "/z", plain, .response_item = KARAK_ITEM(KARAK_OBJ)),
                     KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(app), "route GET /z: response_item: schema Response, field 'response': a nested model needs .schema");
    karak_app_free(app);
}
END_TEST

static karak_result ok(karak_ctx *c)
{
    return karak_resp_empty(c);
}

START_TEST(served)
{
    karak_app *app = karak_new(.title = "Served", .docs_assets = "/static");
    ck_assert_int_eq(karak_get(app, "/ok", ok), 0);
    karak_client *client = test_client_open(app);
    size_t len = 0;
    const char *doc = karak_app_openapi(app, &len);
    ck_assert_ptr_nonnull(doc);
    karak_reply *r = karak_client_get(client, "/openapi.json");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_str_eq(karak_reply_header(r, "content-type"), "application/json");
    ck_assert_str_eq(karak_reply_body(r, NULL), doc);
    karak_reply_free(r);
    ck_assert_str_eq(doc, "{\"openapi\":\"3.1.0\",\"info\":{\"title\":\"Served\",\"version\":\"0.1.0\"},"
                          "\"paths\":{\"/ok\":{\"get\":{\"summary\":\"Ok\",\"operationId\":"
                          "\"ok_ok_get\",\"responses\":{\"200\":{\"description\":\"Successful "
                          "Response\",\"content\":{\"application/json\":{\"schema\":{}}}}}}}}}");
    r = karak_client_get(client, "/docs");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_str_eq(karak_reply_header(r, "content-type"), "text/html; charset=utf-8");
    const char *html = karak_reply_body(r, NULL);
    ck_assert_ptr_nonnull(strstr(html, "<title>Served - Swagger UI</title>"));
    ck_assert_ptr_nonnull(strstr(html, "src=\"/static/swagger-ui-dist@5/swagger-ui-bundle.js\""));
    ck_assert_ptr_nonnull(strstr(html, "url: '/openapi.json'"));
    karak_reply_free(r);
    r = karak_client_get(client, "/redoc");
    ck_assert_ptr_nonnull(strstr(karak_reply_body(r, NULL), "/static/redoc@2/bundles/redoc.standalone.js"));
    karak_reply_free(r);
    r = karak_client_head(client, "/openapi.json");
    ck_assert_int_eq(karak_reply_status(r), 200);
    karak_reply_free(r);
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);

    app = karak_new(.no_docs = true);
    ck_assert_int_eq(karak_get(app, "/ok", ok), 0);
    client = test_client_open(app);
    r = karak_client_get(client, "/docs");
    EXPECT(r, 404, "{\"detail\":\"Not Found\"}");
    test_fixture_close(&app, &client, &none);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("openapi");
    TCase *tc = tcase_create("openapi");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, quickstart_document);
    tcase_add_test(tc, tutorial_document);
    tcase_add_test(tc, notes_document);
    tcase_add_test(tc, items_document);
    tcase_add_test(tc, described_document);
    tcase_add_test(tc, served);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
