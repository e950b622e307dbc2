/* examples/errors (a dependency with parameters, an API key, HTTPException, a custom error
 * and the app's exception handlers), tested two ways:
 *
 * - black-box: the program on a free port and a table of requests, each compared with what
 *   the Python original (tests/ports/errors.py) answers under FastAPI 0.141.1 / pydantic
 *   2.13.4: the status, the headers that matter and the body bytes. libkarak's documented
 *   deviation shows in the expected headers: a 405's Allow lists HEAD beside GET;
 * - in-process: the example's OpenAPI document against FastAPI's; the app through the test
 *   client, as FastAPI's TestClient tests an app, and with a dependency override (the
 *   override's answers are FastAPI's too, with
 *   app.dependency_overrides[common_parameters] = override_dependency). */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* [tutorial:test-app] */
/* The example's source, for errors_app() and its providers; its main() is renamed out of
 * the way of this file's own. */
int errors_main(int argc, char **argv);
#define main errors_main
#include "../examples/errors.c"
#undef main
/* [/tutorial:test-app] */

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const wire_case rows[] = {
    {"GET", "/items/", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"q\":null,\"skip\":0,\"limit\":100}"},
    {"GET", "/items/?q=x&skip=2&limit=5", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"q\":\"x\",\"skip\":2,\"limit\":5}"},
    {"GET", "/users/?q=a", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"q\":\"a\",\"skip\":0,\"limit\":100}"},
    {"GET", "/items/?skip=-x&limit=y", NULL, NULL,
     400, HDRS("content-type", "application/json"),
     "{\"error\":\"Validation failed\",\"errors\":[{\"loc\":[\"query\",\"skip\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\"},{\"loc\":[\"query\",\"limit\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\"}]}"},
    {"GET", "/items/?limit=1.5&q=", NULL, NULL,
     400, HDRS("content-type", "application/json"),
     "{\"error\":\"Validation failed\",\"errors\":[{\"loc\":[\"query\",\"limit\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\"}]}"},
    {"GET", "/items/foo", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"item\":\"The Foo Wrestlers\"}"},
    {"GET", "/items/bar", NULL, NULL,
     404, HDRS("x-error", "There goes my error", "content-type", "application/json"),
     "{\"status\":404,\"error\":\"Item not found\"}"},
    {"GET", "/unicorns/yolo", NULL, NULL,
     418, HDRS("content-type", "application/json"),
     "{\"message\":\"Oops! yolo did something. There goes a rainbow...\"}"},
    {"GET", "/unicorns/ann", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"unicorn_name\":\"ann\"}"},
    {"GET", "/secure/data", NULL, NULL,
     401, HDRS("www-authenticate", "APIKey", "content-type", "application/json"),
     "{\"status\":401,\"error\":\"Not authenticated\"}"},
    {"GET", "/secure/data", HDRS("X-API-Key", ""), NULL,
     401, HDRS("www-authenticate", "APIKey", "content-type", "application/json"),
     "{\"status\":401,\"error\":\"Not authenticated\"}"},
    {"GET", "/secure/data", HDRS("X-API-Key", "wrong"), NULL,
     403, HDRS("content-type", "application/json"),
     "{\"status\":403,\"error\":\"Invalid API key\"}"},
    {"GET", "/secure/data", HDRS("X-API-Key", "secret-key"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"data\":\"only for key holders\"}"},
    {"GET", "/nope", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"status\":404,\"error\":\"Not Found\"}"},
    {"POST", "/items/foo", NULL, NULL,
     405, HDRS("allow", "GET, HEAD", "content-type", "application/json"),
     "{\"status\":405,\"error\":\"Method Not Allowed\"}"},
};

START_TEST(errors_table)
{
    example_proc p = example_start(ERRORS_BIN);
    wire_expect_table(p.port, rows, sizeof rows / sizeof *rows);
    ck_assert_int_eq(example_stop(&p), 0);
}
END_TEST

/* The OpenAPI document equals, as JSON (key order aside), the one FastAPI 0.141.1 makes for
 * the Python original (app.openapi(), committed as tests/openapi/errors.json). */
START_TEST(openapi_document)
{
    karak_app *app = errors_app();
    const char *doc = karak_app_openapi(app, NULL);
    ck_assert_ptr_nonnull(doc);
    json_t *ours = json_loads(doc, 0, NULL);
    json_error_t err;
    json_t *fastapi = json_load_file(OPENAPI_FIXTURES "/errors.json", 0, &err);
    ck_assert_msg(fastapi != NULL, "errors.json: %s", err.text);
    ck_assert_msg(json_equal(ours, fastapi), "the document differs from FastAPI's:\n%s", doc);
    json_decref(ours);
    json_decref(fastapi);
    karak_app_free(app);
}
END_TEST

/* [tutorial:test-client] */
START_TEST(test_read_item)
{
    karak_app *app = errors_app();
    karak_client *client = karak_client_new(app);
    ck_assert_ptr_nonnull(client); /* NULL: a registration error (karak_app_error) */

    karak_reply *r = karak_client_get(client, "/items/foo");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_str_eq(karak_reply_body(r, NULL), "{\"item\":\"The Foo Wrestlers\"}");
    karak_reply_free(r);

    r = karak_client_get(client, "/secure/data", .headers = HDRS("X-API-Key", "wrong"));
    ck_assert_int_eq(karak_reply_status(r), 403);
    ck_assert_str_eq(karak_reply_body(r, NULL), "{\"status\":403,\"error\":\"Invalid API key\"}");
    karak_reply_free(r);

    karak_client_free(client);
    karak_app_free(app);
}
END_TEST
/* [/tutorial:test-client] */

/* [tutorial:test-override] */
/* async def override_dependency(q: str | None = None):
 *     return {"q": q, "skip": 5, "limit": 10} */
typedef struct {
    const char *q;
} OverrideQuery;
static const karak_field override_query_fields[] = {
    KARAK_FIELD(OverrideQuery, q, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema override_query = KARAK_SCHEMA(OverrideQuery, override_query_fields);

static karak_result override_dependency(karak_ctx *c, void *value)
{
    const OverrideQuery *query = karak_dep_query(c);
    *(Commons *)value = (Commons){.q = query->q, .skip = 5, .limit = 10};
    return KARAK_NEXT;
}
static const karak_provider override_dep = {.name = "override_dependency",
                                            .size = sizeof(Commons),
                                            .provide = override_dependency,
                                            .query = &override_query};

START_TEST(test_override_in_items)
{
    karak_app *app = errors_app();
    karak_client *client = karak_client_new(app);
    /* app.dependency_overrides[common_parameters] = override_dependency */
    ck_assert_int_eq(karak_client_override(client, &commons_dep, &override_dep), 0);

    karak_reply *r = karak_client_get(client, "/items/?q=foo&skip=100&limit=200");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_str_eq(karak_reply_body(r, NULL), "{\"q\":\"foo\",\"skip\":5,\"limit\":10}");
    karak_reply_free(r);

    r = karak_client_get(client, "/users/");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_str_eq(karak_reply_body(r, NULL), "{\"q\":null,\"skip\":5,\"limit\":10}");
    karak_reply_free(r);

    karak_client_free(client);
    karak_app_free(app);
}
END_TEST
/* [/tutorial:test-override] */

int main(void)
{
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, errors_table);
    tcase_add_test(tc, openapi_document);
    tcase_add_test(tc, test_read_item);
    tcase_add_test(tc, test_override_in_items);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
