/* The OpenAPI 3.1 document FastAPI would generate for the same app (fastapi/openapi/utils.py
 * and pydantic's JSON schema), built once when the app is sealed from what the routes
 * declare: paths, parameters (the route's, then its dependencies'), request bodies,
 * response models, statuses, security schemes, and the model schemas as components.
 * Also the /docs (Swagger UI) and /redoc pages as FastAPI serves them, and the answers at
 * the three URLs (the app's openapi_url, docs_url and redoc_url). */
#include <string.h>

#include "core/core.h"

typedef struct kdoc {
    const karak_app *app;
    json_t *schemas;   /* components.schemas, by name */
    json_t *security;  /* components.securitySchemes */
    bool needs_errors; /* some route answers 422: the two error schemas go in */
} kdoc;

/* Python's str.title() of s with '_' as ' ': "item_id" -> "Item Id", "x-token" ->
 * "X-Token". */
static json_t *title_of(const char *s)
{
    size_t n = strlen(s);
    char *t = malloc(n + 1);
    if (t == NULL) return NULL;
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i] == '_' ? ' ' : s[i];
        bool letter = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        if (letter && start && ch >= 'a') ch = (char)(ch - 'a' + 'A');
        else if (letter && !start && ch <= 'Z') ch = (char)(ch - 'A' + 'a');
        t[i] = ch;
        start = !letter;
    }
    t[n] = '\0';
    json_t *j = json_string(t);
    free(t);
    return j;
}

static json_t *schema_ref(kdoc *d, const kschema *cs);

static json_t *number(const karak_field *f, double x)
{
    bool is_int = f->type == KARAK_I64 || f->type == KARAK_I32;
    return is_int ? json_integer((json_int_t)x) : json_real(x);
}

/* The schema of one value (no title, no default, no null). */
static json_t *value_schema(kdoc *d, const kfield *kf)
{
    const karak_field *f = kf->f;
    json_t *s = json_object();
    switch (f->type) {
    case KARAK_STR:
        json_object_set_new(s, "type", json_string("string"));
        if (f->max_len) json_object_set_new(s, "maxLength", json_integer((json_int_t)f->max_len));
        if (f->min_len) json_object_set_new(s, "minLength", json_integer((json_int_t)f->min_len));
        if (f->pattern) json_object_set_new(s, "pattern", json_string(f->pattern));
        break;
    case KARAK_I64:
    case KARAK_I32:
    case KARAK_F64:
        json_object_set_new(s, "type", json_string(f->type == KARAK_F64 ? "number" : "integer"));
        if (f->has_multiple_of) json_object_set_new(s, "multipleOf", number(f, f->multiple_of));
        if (f->has_le) json_object_set_new(s, "maximum", number(f, f->le));
        if (f->has_lt) json_object_set_new(s, "exclusiveMaximum", number(f, f->lt));
        if (f->has_ge) json_object_set_new(s, "minimum", number(f, f->ge));
        if (f->has_gt) json_object_set_new(s, "exclusiveMinimum", number(f, f->gt));
        break;
    case KARAK_BOOL: json_object_set_new(s, "type", json_string("boolean")); break;
    case KARAK_ENUM:
    case KARAK_LITERAL: {
        json_t *e = json_array();
        for (size_t i = 0; i < kf->nchoices; i++) json_array_append_new(e, json_string(f->choices[i]));
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "enum", e);
        if (f->type == KARAK_ENUM && f->enum_name != NULL) { /* a component, as an Enum class */
            json_object_set_new(s, "title", json_string(f->enum_name));
            json_object_set(d->schemas, f->enum_name, s);
            json_decref(s);
            s = json_pack("{s:s+}", "$ref", "#/components/schemas/", f->enum_name);
        }
        break;
    }
    case KARAK_UUID:
    case KARAK_DATE:
    case KARAK_DATETIME:
        json_object_set_new(s, "type", json_string("string"));
        json_object_set_new(s, "format", json_string(f->type == KARAK_UUID   ? "uuid"
                                                     : f->type == KARAK_DATE ? "date"
                                                                             : "date-time"));
        break;
    case KARAK_JSON: break; /* Any: {} */
    case KARAK_OBJ:
        json_decref(s);
        s = schema_ref(d, kf->sub);
        break;
    case KARAK_LIST:
        json_object_set_new(s, "items", value_schema(d, kf->item));
        json_object_set_new(s, "type", json_string("array"));
        if (f->min_len) json_object_set_new(s, "minItems", json_integer((json_int_t)f->min_len));
        if (f->max_len) json_object_set_new(s, "maxItems", json_integer((json_int_t)f->max_len));
        break;
    case KARAK_DICT: /* dict[str, Any], Python's plain dict: pydantic says true */
        json_object_set_new(s, "additionalProperties", kf->item->f->type == KARAK_JSON
                                                           ? json_true()
                                                           : value_schema(d, kf->item));
        json_object_set_new(s, "type", json_string("object"));
        break;
    }
    return s;
}

/* A field's default as JSON (NULL: none, or None). */
static json_t *default_of(const kfield *kf)
{
    const karak_field *f = kf->f;
    if (kf->dflt_json != NULL) {
        kbuf b;
        karena a;
        karena_init(&a);
        kbuf_init(&b, &a, 64);
        kjw_value(&b, kf->dflt_json);
        json_t *j = kbuf_cstr(&b) ? json_loadb(b.data, b.len, JSON_DECODE_ANY, NULL) : NULL;
        karena_free(&a);
        return j;
    }
    if (!kf->has_default) return NULL;
    switch (f->type) {
    case KARAK_I64:
    case KARAK_I32: return json_integer((json_int_t)kf->dflt_i);
    case KARAK_F64: return json_real(kf->dflt_d);
    case KARAK_BOOL: return json_boolean(kf->dflt_b);
    default: return json_string(kf->dflt_s);
    }
}

/* A field's schema with its title and default, null allowed when it is optional: a model's
 * property or a parameter's schema. */
static json_t *field_schema(kdoc *d, const kfield *kf, const char *title_from)
{
    json_t *v = value_schema(d, kf);
    bool ref = json_object_get(v, "$ref") != NULL;
    json_t *s = v;
    if (kf->f->optional || kf->f->nullable) {
        s = json_object();
        json_object_set_new(s, "anyOf", json_pack("[o,{s:s}]", v, "type", "null"));
    }
    if (!ref) json_object_set_new(s, "title", title_of(title_from)); /* pydantic: no title on refs */
    if (kf->f->description != NULL)
        json_object_set_new(s, "description", json_string(kf->f->description));
    json_t *dflt = default_of(kf);
    if (dflt != NULL) json_object_set_new(s, "default", dflt);
    return s;
}

static bool required(const kfield *kf)
{
    return !kf->has_default && kf->dflt_json == NULL && !kf->f->optional;
}

/* A model as a component: {"$ref": ...} to it. */
static json_t *schema_ref(kdoc *d, const kschema *cs)
{
    const char *name = cs->schema->name ? cs->schema->name : "Model";
    if (json_object_get(d->schemas, name) == NULL) {
        json_t *props = json_object(), *req = json_array();
        json_t *m = json_object();
        json_object_set(d->schemas, name, m); /* first, so a repeated use finds it */
        for (size_t i = 0; i < cs->count; i++) {
            const kfield *kf = &cs->fields[i];
            const char *key = kf->f->alias ? kf->f->alias : kf->f->name;
            json_object_set_new(props, key, field_schema(d, kf, key));
            if (required(kf)) json_array_append_new(req, json_string(key));
        }
        json_object_set_new(m, "properties", props);
        json_object_set_new(m, "type", json_string("object"));
        if (json_array_size(req) > 0) json_object_set_new(m, "required", req);
        else json_decref(req);
        if (cs->schema->extra == KARAK_EXTRA_FORBID)
            json_object_set_new(m, "additionalProperties", json_false());
        json_object_set_new(m, "title", json_string(name));
        json_decref(m);
    }
    return json_pack("{s:s+}", "$ref", "#/components/schemas/", name);
}

/* ---- operations ---- */

static void add_params(kdoc *d, json_t *list, const kschema *cs, const char *in)
{
    for (size_t i = 0; cs != NULL && i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        json_t *p = json_pack("{s:s,s:s,s:b}", "name", kf->key, "in", in, "required",
                              strcmp(in, "path") == 0 || required(kf));
        json_object_set_new(p, "schema", field_schema(d, kf, kf->key));
        if (kf->f->description != NULL) /* FastAPI: on the parameter and in its schema */
            json_object_set_new(p, "description", json_string(kf->f->description));
        json_array_append_new(list, p);
    }
}

/* A provider's security scheme, as FastAPI names it (the class), or NULL. */
static const char *security_of(kdoc *d, const karak_provider *p)
{
    const karak_security *cfg = p->data;
    const char *name = NULL;
    json_t *scheme = NULL;
    if (p == &karak_http_bearer || p == &karak_http_bearer_optional) {
        name = "HTTPBearer";
        scheme = json_pack("{s:s,s:s}", "type", "http", "scheme", "bearer");
    } else if (p->provide == karak_security_http_basic) {
        name = "HTTPBasic";
        scheme = json_pack("{s:s,s:s}", "type", "http", "scheme", "basic");
    } else if (p->provide == karak_security_api_key_header ||
               p->provide == karak_security_api_key_query ||
               p->provide == karak_security_api_key_cookie) {
        const char *in = p->provide == karak_security_api_key_header  ? "header"
                         : p->provide == karak_security_api_key_query ? "query"
                                                                      : "cookie";
        name = p->provide == karak_security_api_key_header  ? "APIKeyHeader"
               : p->provide == karak_security_api_key_query ? "APIKeyQuery"
                                                            : "APIKeyCookie";
        scheme = json_pack("{s:s,s:s,s:s}", "type", "apiKey", "in", in, "name",
                           cfg && cfg->name ? cfg->name : "");
    }
    if (scheme != NULL) json_object_set_new(d->security, name, scheme);
    return name;
}

/* The dependency graph's parameters (after the route's own) and security schemes. */
static void walk_deps(kdoc *d, const karak_provider *const *list, json_t *params[3],
                      json_t *security, int depth)
{
    for (size_t i = 0; list != NULL && list[i] != NULL && depth < 64; i++) {
        const karak_provider *p = list[i];
        const char *sec = security_of(d, p);
        if (sec != NULL) json_array_append_new(security, json_pack("{s:[]}", sec));
        const kprov *kp = kapp_provider(d->app, p);
        if (kp != NULL) {
            add_params(d, params[0], kp->query, "query");
            add_params(d, params[1], kp->headers, "header");
            add_params(d, params[2], kp->cookies, "cookie");
        }
        walk_deps(d, p->depends, params, security, depth + 1);
    }
}

/* "/items/{item_id:int}" -> "/items/{item_id}" */
static char *path_format(const char *pattern)
{
    char *out = malloc(strlen(pattern) + 1);
    if (out == NULL) return NULL;
    size_t k = 0;
    bool in_param = false, skipping = false;
    for (const char *p = pattern; *p; p++) {
        if (*p == '{') in_param = true;
        if (*p == '}') in_param = skipping = false;
        if (in_param && *p == ':') skipping = true;
        if (!skipping) out[k++] = *p;
    }
    out[k] = '\0';
    return out;
}

/* fastapi.utils.generate_unique_id: name + path with non-word characters as '_', then '_'
 * and the method in lower case. */
static char *operation_id(const char *name, const char *path, const char *method)
{
    size_t base = strlen(name) + strlen(path), n = base + strlen(method) + 2;
    char *id = malloc(n);
    if (id == NULL) return NULL;
    snprintf(id, n, "%s%s_%s", name, path, method);
    for (size_t i = 0; id[i]; i++) {
        char ch = id[i];
        bool word = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_';
        if (!word) id[i] = '_';
        else if (i > base && ch >= 'A' && ch <= 'Z') id[i] = (char)(ch - 'A' + 'a');
    }
    return id;
}

static json_t *operation(kdoc *d, const kroute *r, const char *path)
{
    json_t *op = json_object();
    if (r->tags != NULL && r->tags[0] != NULL) {
        json_t *tags = json_array();
        for (size_t i = 0; r->tags[i] != NULL; i++)
            json_array_append_new(tags, json_string(r->tags[i]));
        json_object_set_new(op, "tags", tags);
    }
    json_object_set_new(op, "summary", r->summary ? json_string(r->summary) : title_of(r->name));
    if (r->description != NULL) json_object_set_new(op, "description", json_string(r->description));
    char *id = operation_id(r->name, path, r->method);
    json_object_set_new(op, "operationId", json_string(id ? id : r->name));
    free(id);
    json_t *path_params = json_array(), *params[3] = {json_array(), json_array(), json_array()};
    json_t *security = json_array();
    add_params(d, path_params, r->path, "path");
    add_params(d, params[0], r->query, "query");
    add_params(d, params[1], r->headers, "header");
    add_params(d, params[2], r->cookies, "cookie");
    walk_deps(d, d->app->depends, params, security, 0);
    walk_deps(d, r->depends, params, security, 0);
    for (int i = 0; i < 3; i++) {
        json_array_extend(path_params, params[i]);
        json_decref(params[i]);
    }
    if (json_array_size(security) > 0) json_object_set_new(op, "security", security);
    else json_decref(security);
    bool validates = json_array_size(path_params) > 0 || r->body != NULL;
    if (json_array_size(path_params) > 0) json_object_set_new(op, "parameters", path_params);
    else json_decref(path_params);
    if (r->body != NULL)
        json_object_set_new(op, "requestBody",
                            json_pack("{s:{s:{s:o}},s:b}", "content", "application/json",
                                      "schema", schema_ref(d, r->body), "required", 1));
    char status[8];
    snprintf(status, sizeof status, "%d", r->status);
    json_t *ok = json_pack("{s:s}", "description", "Successful Response");
    if (khttp_status_has_body(r->status)) {
        json_t *schema = json_object();
        if (r->response_item_cs != NULL) { /* FastAPI titles it after the operation */
            json_decref(schema);
            schema = value_schema(d, &r->response_item_cs->fields[0]);
            char *opid = operation_id(r->name, path, r->method);
            char title[512];
            snprintf(title, sizeof title, "Response %s", opid ? opid : r->name);
            free(opid);
            if (json_object_get(schema, "$ref") == NULL) /* pydantic: no title beside a $ref */
                json_object_set_new(schema, "title", title_of(title));
        } else if (r->response_cs != NULL) {
            json_decref(schema);
            schema = schema_ref(d, r->response_cs);
            if (r->response_list) {
                char *opid = operation_id(r->name, path, r->method);
                char title[512];
                snprintf(title, sizeof title, "Response %s", opid ? opid : r->name);
                free(opid);
                schema = json_pack("{s:s,s:o,s:o}", "type", "array", "items", schema, "title",
                                   title_of(title));
            }
        }
        json_object_set_new(ok, "content", json_pack("{s:{s:o}}", "application/json", "schema",
                                                     schema));
    }
    json_t *responses = json_object();
    json_object_set_new(responses, status, ok);
    if (validates) {
        d->needs_errors = true;
        json_object_set_new(responses, "422",
                            json_pack("{s:s,s:{s:{s:{s:s}}}}", "description", "Validation Error",
                                      "content", "application/json", "schema", "$ref",
                                      "#/components/schemas/HTTPValidationError"));
    }
    json_object_set_new(op, "responses", responses);
    return op;
}

/* FastAPI's two error schemas, as it writes them. */
static void error_schemas(json_t *schemas)
{
    json_object_set_new(
        schemas, "HTTPValidationError",
        json_pack("{s:{s:{s:{s:s},s:s,s:s}},s:s,s:s}", "properties", "detail", "items", "$ref",
                  "#/components/schemas/ValidationError", "type", "array", "title", "Detail",
                  "type", "object", "title", "HTTPValidationError"));
    json_object_set_new(
        schemas, "ValidationError",
        json_pack("{s:{s:{s:{s:[{s:s},{s:s}]},s:s,s:s},s:{s:s,s:s},s:{s:s,s:s},s:{s:s},"
                  "s:{s:s,s:s}},s:s,s:[s,s,s],s:s}",
                  "properties", "loc", "items", "anyOf", "type", "string", "type", "integer",
                  "type", "array", "title", "Location", "msg", "type", "string", "title",
                  "Message", "type", "type", "string", "title", "Error Type", "input", "title",
                  "Input", "ctx", "type", "object", "title", "Context", "type", "object",
                  "required", "loc", "msg", "type", "title", "ValidationError"));
}

/* components.schemas in name order, as FastAPI sorts them. */
static json_t *sorted(json_t *obj)
{
    size_t n = json_object_size(obj), i = 0;
    const char **keys = malloc((n ? n : 1) * sizeof *keys);
    if (keys == NULL) return json_incref(obj); /* out of memory: unsorted, still valid */
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) keys[i++] = k;
    for (size_t a = 1; a < n; a++)
        for (size_t b = a; b > 0 && strcmp(keys[b - 1], keys[b]) > 0; b--) {
            const char *t = keys[b];
            keys[b] = keys[b - 1];
            keys[b - 1] = t;
        }
    for (i = 0; i < n; i++) json_object_set(out, keys[i], json_object_get(obj, keys[i]));
    free(keys);
    return out;
}

json_t *kopenapi_document(const karak_app *app)
{
    kdoc d = {.app = app, .schemas = json_object(), .security = json_object()};
    json_t *paths = json_object();
    for (const kroute *r = app->routes; r != NULL; r = r->next) {
        char *path = path_format(r->pattern);
        if (path == NULL) continue;
        json_t *item = json_object_get(paths, path);
        if (item == NULL) {
            item = json_object();
            json_object_set_new(paths, path, item);
        }
        char method[16];
        size_t i = 0;
        for (; r->method[i] && i + 1 < sizeof method; i++)
            method[i] = (char)(r->method[i] >= 'A' && r->method[i] <= 'Z' ? r->method[i] + 32
                                                                          : r->method[i]);
        method[i] = '\0';
        json_object_set_new(item, method, operation(&d, r, path));
        free(path);
    }
    if (d.needs_errors) error_schemas(d.schemas);
    json_t *doc = json_pack("{s:s,s:{s:s,s:s},s:o}", "openapi", "3.1.0", "info", "title",
                            app->title, "version", app->version, "paths", paths);
    json_t *components = json_object();
    if (json_object_size(d.schemas) > 0)
        json_object_set_new(components, "schemas", sorted(d.schemas));
    if (json_object_size(d.security) > 0)
        json_object_set_new(components, "securitySchemes", json_incref(d.security));
    if (json_object_size(components) > 0) json_object_set_new(doc, "components", components);
    else json_decref(components);
    json_decref(d.schemas);
    json_decref(d.security);
    return doc;
}

/* ---- /docs and /redoc, as fastapi/openapi/docs.py writes them ---- */

char *kopenapi_swagger_html(const char *title, const char *assets, const char *openapi_url)
{
    static const char page[] =
        "\n    <!DOCTYPE html>\n    <html>\n    <head>\n"
        "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1.0\">\n"
        "    <link type=\"text/css\" rel=\"stylesheet\" href=\"%s/swagger-ui-dist@5/swagger-ui.css\">\n"
        "    <link rel=\"shortcut icon\" href=\"https://fastapi.tiangolo.com/img/favicon.png\">\n"
        "    <title>%s - Swagger UI</title>\n    </head>\n    <body>\n"
        "    <div id=\"swagger-ui\">\n    </div>\n"
        "    <script src=\"%s/swagger-ui-dist@5/swagger-ui-bundle.js\"></script>\n"
        "    <!-- `SwaggerUIBundle` is now available on the page -->\n"
        "    <script>\n    const ui = SwaggerUIBundle({\n        url: '%s',\n"
        "    \"dom_id\": \"#swagger-ui\",\n\"layout\": \"BaseLayout\",\n\"deepLinking\": true,\n"
        "\"showExtensions\": true,\n\"showCommonExtensions\": true,\n"
        "oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect',\n"
        "    presets: [\n        SwaggerUIBundle.presets.apis,\n"
        "        SwaggerUIBundle.SwaggerUIStandalonePreset\n        ],\n    })\n"
        "    </script>\n    </body>\n    </html>\n    ";
    size_t n = sizeof page + 2 * strlen(assets) + strlen(title) + strlen(openapi_url);
    char *out = malloc(n);
    if (out != NULL) snprintf(out, n, page, assets, title, assets, openapi_url);
    return out;
}

char *kopenapi_redoc_html(const char *title, const char *assets, const char *openapi_url)
{
    static const char page[] =
        "\n    <!DOCTYPE html>\n    <html>\n    <head>\n    <title>%s - ReDoc</title>\n"
        "    <!-- needed for adaptive design -->\n    <meta charset=\"utf-8\"/>\n"
        "    <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n    \n"
        "    <link href=\"https://fonts.googleapis.com/css?family=Montserrat:300,400,700|"
        "Roboto:300,400,700\" rel=\"stylesheet\">\n    \n"
        "    <link rel=\"shortcut icon\" href=\"https://fastapi.tiangolo.com/img/favicon.png\">\n"
        "    <!--\n    ReDoc doesn't change outer page styles\n    -->\n    <style>\n"
        "      body {\n        margin: 0;\n        padding: 0;\n      }\n    </style>\n"
        "    </head>\n    <body>\n    <noscript>\n        ReDoc requires Javascript to "
        "function. Please enable it to browse the documentation.\n    </noscript>\n"
        "    <redoc spec-url=\"%s\"></redoc>\n"
        "    <script src=\"%s/redoc@2/bundles/redoc.standalone.js\"> </script>\n"
        "    </body>\n    </html>\n    ";
    size_t n = sizeof page + strlen(assets) + strlen(title) + strlen(openapi_url);
    char *out = malloc(n);
    if (out != NULL) snprintf(out, n, page, title, openapi_url, assets);
    return out;
}

/* GET (or HEAD) of openapi_url, docs_url, redoc_url: the prebuilt document and pages. Each
 * URL is NULL when switched off (see docs_options in app.c). */
bool kopenapi_serve(karak_ctx *c)
{
    const karak_app *app = c->app;
    if (app->openapi_url == NULL || !kctx_get_or_head(c)) return false;
    const char *body, *type = "text/html; charset=utf-8";
    if (strcmp(c->path, app->openapi_url) == 0) {
        body = app->openapi;
        type = "application/json";
    } else if (app->docs_url != NULL && strcmp(c->path, app->docs_url) == 0) {
        body = app->docs_html;
    } else if (app->redoc_url != NULL && strcmp(c->path, app->redoc_url) == 0) {
        body = app->redoc_html;
    } else {
        return false;
    }
    if (body == NULL) kresp_internal_error(&c->resp);
    else kresp_set(&c->resp, 200, type, body, strlen(body));
    return true;
}
