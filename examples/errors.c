/* Where errors come from and how an app reshapes them, ported route for route from a FastAPI
 * app (tests/ports/errors.py); tests/test_errors.c compares the answers.
 *
 * What it shows: a dependency with query parameters of its own, shared by two routes
 * (FastAPI's common_parameters); an API key checked by a dependency on top of the ready
 * KARAK_API_KEY_HEADER scheme; HTTPException with a header; a custom error answered by the
 * route itself (FastAPI's custom exception and its handler); and the app's two exception
 * handlers: every HTTP error, whether a route, a dependency or libkarak's own 404 and 405
 * raised it, becomes {"status": ..., "error": ...}, and every validation error a 400 that
 * lists each error's place and message.
 *
 * Run: ./errors --port 8000, then e.g. curl 'localhost:8000/items/?limit=x' */
#include <string.h>

#include <karak.h>

/* [tutorial:handlers] */
/* @app.exception_handler(StarletteHTTPException): the status stays the error's, and the
 * headers it carries (X-Error, WWW-Authenticate, Allow) are kept. */
static karak_result http_error(karak_ctx *c, int status, const json_t *detail)
{
    return karak_resp_json_new(
        c, json_pack("{s:i,s:O}", "status", status, "error", (json_t *)detail));
}

/* @app.exception_handler(RequestValidationError): a 400 with each error's loc and msg. */
static karak_result validation_error(karak_ctx *c, const json_t *errors)
{
    json_t *list = json_array();
    size_t i;
    const json_t *e;
    json_array_foreach(errors, i, e)
    {
        json_array_append_new(list, json_pack("{s:O,s:O}", "loc", json_object_get(e, "loc"),
                                              "msg", json_object_get(e, "msg")));
    }
    karak_resp_status_set(c, 400);
    return karak_resp_json_new(
        c, json_pack("{s:s,s:o}", "error", "Validation failed", "errors", list));
}
/* [/tutorial:handlers] */

/* [tutorial:commons] */
/* async def common_parameters(q: str | None = None, skip: int = 0, limit: int = 100) */
typedef struct {
    const char *q;
    int64_t skip;
    int64_t limit;
} Commons;
static const karak_field commons_fields[] = {
    KARAK_FIELD(Commons, q, KARAK_STR, .optional = true),
    KARAK_FIELD(Commons, skip, KARAK_I64, .dflt = "0"),
    KARAK_FIELD(Commons, limit, KARAK_I64, .dflt = "100"),
    KARAK_FIELDS_END,
};
static const karak_schema commons_schema = KARAK_SCHEMA(Commons, commons_fields);

static karak_result common_parameters(karak_ctx *c, void *value)
{
    *(Commons *)value = *(const Commons *)karak_dep_query(c);
    return KARAK_NEXT;
}
static const karak_provider commons_dep = {.name = "common_parameters", .size = sizeof(Commons),
                                           .provide = common_parameters,
                                           .query = &commons_schema};

static karak_result read_items(karak_ctx *c)
{
    return karak_resp_model(c, &commons_schema, karak_depends(c, &commons_dep));
}

static karak_result read_users(karak_ctx *c)
{
    return karak_resp_model(c, &commons_schema, karak_depends(c, &commons_dep));
}
/* [/tutorial:commons] */

/* [tutorial:raise] */
/* raise HTTPException(status_code=404, detail="Item not found", headers={...}) */
typedef struct {
    const char *item;
} ItemOut;
static const karak_field item_out_fields[] = {
    KARAK_FIELD(ItemOut, item, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema item_out = KARAK_SCHEMA(ItemOut, item_out_fields);

static karak_result read_item(karak_ctx *c)
{
    if (strcmp(karak_path_str(c, "item_id"), "foo") != 0) {
        karak_resp_header_add(c, "X-Error", "There goes my error");
        return karak_resp_error(c, 404, "Item not found");
    }
    ItemOut out = {.item = "The Foo Wrestlers"};
    return karak_resp_struct(c, &out);
}
/* [/tutorial:raise] */

/* [tutorial:unicorn] */
/* FastAPI's UnicornException and its handler: C has no exceptions, so the route returns the
 * custom answer itself, through a function every route can share. It is a success response
 * with its own status, not an HTTP error: http_error() does not see it. */
static karak_result unicorn_error(karak_ctx *c, const char *name)
{
    karak_resp_status_set(c, 418);
    return karak_resp_json_new(c, json_pack("{s:s++}", "message", "Oops! ", name,
                                            " did something. There goes a rainbow..."));
}

static karak_result read_unicorn(karak_ctx *c)
{
    const char *name = karak_path_str(c, "name");
    if (strcmp(name, "yolo") == 0) return unicorn_error(c, name);
    return karak_resp_json_new(c, json_pack("{s:s}", "unicorn_name", name));
}
/* [/tutorial:unicorn] */

/* [tutorial:api-key] */
/* api_key = APIKeyHeader(name="X-API-Key"): a missing key is FastAPI's 401 */
static const karak_provider api_key = KARAK_API_KEY_HEADER("X-API-Key");

/* def verify_key(key: Annotated[str, Depends(api_key)]) */
static karak_result verify_key(karak_ctx *c, void *value)
{
    const char *key = *(const char *const *)karak_depends(c, &api_key);
    if (strcmp(key, "secret-key") != 0) return karak_resp_error(c, 403, "Invalid API key");
    *(const char **)value = key;
    return KARAK_NEXT;
}
static const karak_provider key_dep = {.name = "verify_key", .size = sizeof(const char *),
                                       .provide = verify_key, .depends = KARAK_DEPS(&api_key)};

static karak_result secure_data(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "data", "only for key holders"));
}
/* [/tutorial:api-key] */

static karak_app *errors_app(void)
{
    /* [tutorial:app] */
    karak_app *app = karak_new(.title = "Errors", .version = "1.0.0",
                               .on_http_error = http_error,
                               .on_validation_error = validation_error);
    karak_get(app, "/items/", read_items, .depends = KARAK_DEPS(&commons_dep));
    karak_get(app, "/users/", read_users, .depends = KARAK_DEPS(&commons_dep));
    karak_get(app, "/items/{item_id}", read_item, .response = &item_out);
    karak_get(app, "/unicorns/{name}", read_unicorn);
    karak_get(app, "/secure/data", secure_data, .depends = KARAK_DEPS(&key_dep));
    /* [/tutorial:app] */
    return app; /* a registration error would stop karak_run with a message */
}

int main(int argc, char **argv)
{
    karak_app *app = errors_app();
    int rc = karak_run(app, argc, argv);
    karak_app_free(app);
    return rc;
}
