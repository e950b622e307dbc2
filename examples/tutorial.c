/* FastAPI's tutorial, condensed into one app and ported route for route: each section
 * below names the FastAPI route it ports. Every answer is FastAPI's, byte for byte, but for
 * libkarak's documented deviations (HEAD on GET routes, Allow listing HEAD, no Content-Type
 * on a 204); tests/test_tutorial.c sends a table of requests, valid and invalid, and
 * compares.
 *
 * What it shows: enum and path-typed path parameters; /users/me beside /users/{user_id}
 * beside /users/{user_id:int}/items/{item_id}; query lists and bounds; body + path + query;
 * nested models and lists of models; UUID, datetime, Literal and dict fields; headers with
 * underscore conversion and repeats; cookies; HTTPException with headers; 201 and 204.
 * No JSON is built by hand: every answer is a struct encoded through its schema.
 *
 * Run: ./tutorial --port 8000, then e.g. curl localhost:8000/models/alexnet */
#include <string.h>

#include <karak.h>

/* ---- GET /models/{model_name}: an enum path parameter ---- */

/* [tutorial:enum-path] */
enum model_name { ALEXNET, RESNET, LENET };
#define MODEL_NAMES KARAK_CHOICES("alexnet", "resnet", "lenet")

typedef struct {
    int model_name;
} ModelPath;
static const karak_field model_path_fields[] = {
    KARAK_FIELD(ModelPath, model_name, KARAK_ENUM, .choices = MODEL_NAMES,
                .enum_name = "ModelName"),
    KARAK_FIELDS_END,
};
static const karak_schema model_path = KARAK_SCHEMA(ModelPath, model_path_fields);

typedef struct {
    int model_name;
    const char *message;
} ModelOut;
static const karak_field model_out_fields[] = {
    KARAK_FIELD(ModelOut, model_name, KARAK_ENUM, .choices = MODEL_NAMES,
                .enum_name = "ModelName"),
    KARAK_FIELD(ModelOut, message, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema model_out = KARAK_SCHEMA(ModelOut, model_out_fields);

static karak_result get_model(karak_ctx *c)
{
    const ModelPath *p = karak_path(c);
    ModelOut out = {.model_name = p->model_name};
    if (p->model_name == ALEXNET) out.message = "Deep Learning FTW!";
    else if (p->model_name == LENET) out.message = "LeCNN all the images";
    else out.message = "Have some residuals";
    return karak_resp_struct(c, &out);
}
/* [/tutorial:enum-path] */

/* ---- GET /files/{file_path:path} ---- */

/* [tutorial:file-path] */
typedef struct {
    const char *file_path;
} FileOut;
static const karak_field file_out_fields[] = {
    KARAK_FIELD(FileOut, file_path, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema file_out = KARAK_SCHEMA(FileOut, file_out_fields);

static karak_result read_file(karak_ctx *c)
{
    FileOut out = {.file_path = karak_path_str(c, "file_path")};
    return karak_resp_struct(c, &out);
}
/* [/tutorial:file-path] */

/* ---- /users/me, /users/{user_id}, /users/{user_id:int}/items/{item_id} ---- */

/* [tutorial:users] */
typedef struct {
    const char *user_id;
} UserOut;
static const karak_field user_out_fields[] = {
    KARAK_FIELD(UserOut, user_id, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema user_out = KARAK_SCHEMA(UserOut, user_out_fields);

static karak_result read_user_me(karak_ctx *c)
{
    UserOut out = {.user_id = "the current user"};
    return karak_resp_struct(c, &out);
}

static karak_result read_user(karak_ctx *c)
{
    UserOut out = {.user_id = karak_path_str(c, "user_id")};
    return karak_resp_struct(c, &out);
}
/* [/tutorial:users] */

/* [tutorial:user-item] */
typedef struct {
    const char *q;
    bool is_short;
} UserItemQuery;
static const karak_field user_item_query_fields[] = {
    KARAK_FIELD(UserItemQuery, q, KARAK_STR, .optional = true),
    KARAK_FIELD(UserItemQuery, is_short, KARAK_BOOL, .alias = "short", .dflt = "false"),
    KARAK_FIELDS_END,
};
static const karak_schema user_item_query = KARAK_SCHEMA(UserItemQuery, user_item_query_fields);

/* The Python builds a dict and adds "q" and "description" only sometimes: here they are
 * fields left out of the answer when null. */
typedef struct {
    const char *item_id;
    int64_t owner_id;
    const char *q;
    const char *description;
} UserItemOut;
static const karak_field user_item_out_fields[] = {
    KARAK_FIELD(UserItemOut, item_id, KARAK_STR),
    KARAK_FIELD(UserItemOut, owner_id, KARAK_I64),
    KARAK_FIELD(UserItemOut, q, KARAK_STR, .exclude_if_null = true),
    KARAK_FIELD(UserItemOut, description, KARAK_STR, .exclude_if_null = true),
    KARAK_FIELDS_END,
};
static const karak_schema user_item_out = KARAK_SCHEMA(UserItemOut, user_item_out_fields);

static karak_result read_user_item(karak_ctx *c)
{
    const UserItemQuery *query = karak_query(c);
    UserItemOut out = {
        .item_id = karak_path_str(c, "item_id"),
        .owner_id = karak_path_i64(c, "user_id"),
        .q = query->q != NULL && query->q[0] != '\0' ? query->q : NULL, /* `if q:` */
        .description =
            query->is_short ? NULL : "This is an amazing item that has a long description",
    };
    return karak_resp_struct(c, &out);
}
/* [/tutorial:user-item] */

/* ---- GET /items/: a query list and bounds ---- */

/* [tutorial:items-query] */
typedef struct {
    KARAK_LIST_OF(const char *) q;
    int64_t skip;
    int64_t limit;
} ItemsQuery;
static const karak_field items_query_fields[] = {
    KARAK_FIELD(ItemsQuery, q, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .optional = true,
                .max_len = 20),
    KARAK_FIELD(ItemsQuery, skip, KARAK_I64, .dflt = "0", KARAK_GE(0)),
    KARAK_FIELD(ItemsQuery, limit, KARAK_I64, .dflt = "10", KARAK_GE(1), KARAK_LE(100)),
    KARAK_FIELDS_END,
};
static const karak_schema items_query = KARAK_SCHEMA(ItemsQuery, items_query_fields);

static karak_result read_items(karak_ctx *c)
{
    return karak_resp_model(c, &items_query, karak_query(c));
}
/* [/tutorial:items-query] */

/* ---- PUT /items/{item_id}: path + body + query; POST /offers: nested lists ---- */

/* [tutorial:item-model] */
typedef struct {
    const char *url;
    const char *name;
} Image;
static const karak_field image_fields[] = {
    KARAK_FIELD(Image, url, KARAK_STR, .pattern = "^https?://[^ ]+$"),
    KARAK_FIELD(Image, name, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema image_schema = KARAK_SCHEMA(Image, image_fields);

typedef struct {
    const char *name;
    const char *description;
    double price;
    double tax;
    bool has_tax;
    KARAK_LIST_OF(const char *) tags;
    KARAK_LIST_OF(Image) images;
} Item;
static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR, .min_len = 1, .max_len = 50),
    KARAK_FIELD(Item, description, KARAK_STR, .optional = true, .max_len = 300),
    KARAK_FIELD(Item, price, KARAK_F64, KARAK_GT(0)),
    KARAK_FIELD_OPT(Item, tax, has_tax, KARAK_F64),
    KARAK_FIELD(Item, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .dflt = "[]"),
    KARAK_FIELD(Item, images, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &image_schema),
                .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);
/* [/tutorial:item-model] */

/* [tutorial:update-item] */
typedef struct {
    int64_t item_id;
} ItemPath;
static const karak_field item_path_fields[] = {
    KARAK_FIELD(ItemPath, item_id, KARAK_I64, KARAK_GE(1), KARAK_LE(1000)),
    KARAK_FIELDS_END,
};
static const karak_schema item_path = KARAK_SCHEMA(ItemPath, item_path_fields);

typedef struct {
    const char *q;
} UpdateQuery;
static const karak_field update_query_fields[] = {
    KARAK_FIELD(UpdateQuery, q, KARAK_STR, .optional = true, .min_len = 3, .max_len = 50),
    KARAK_FIELDS_END,
};
static const karak_schema update_query = KARAK_SCHEMA(UpdateQuery, update_query_fields);

/* {"item_id": ..., **item.model_dump(), "q": ...}: the item's fields spread in place */
typedef struct {
    int64_t item_id;
    Item item;
    const char *q;
} UpdateOut;
static const karak_field update_out_fields[] = {
    KARAK_FIELD(UpdateOut, item_id, KARAK_I64),
    KARAK_FIELD(UpdateOut, item, KARAK_OBJ, .schema = &item_schema, .flatten = true),
    KARAK_FIELD(UpdateOut, q, KARAK_STR, .exclude_if_null = true),
    KARAK_FIELDS_END,
};
static const karak_schema update_out = KARAK_SCHEMA(UpdateOut, update_out_fields);

static karak_result update_item(karak_ctx *c)
{
    const ItemPath *path = karak_path(c);
    const UpdateQuery *query = karak_query(c);
    UpdateOut out = {
        .item_id = path->item_id,
        .item = *(const Item *)karak_body(c),
        .q = query->q != NULL && query->q[0] != '\0' ? query->q : NULL,
    };
    return karak_resp_struct(c, &out);
}
/* [/tutorial:update-item] */

/* [tutorial:offer] */
typedef struct {
    const char *name;
    const char *description;
    double price;
    KARAK_LIST_OF(Item) items;
} Offer;
static const karak_field offer_fields[] = {
    KARAK_FIELD(Offer, name, KARAK_STR),
    KARAK_FIELD(Offer, description, KARAK_STR, .optional = true),
    KARAK_FIELD(Offer, price, KARAK_F64),
    KARAK_FIELD(Offer, items, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &item_schema),
                .min_len = 1),
    KARAK_FIELDS_END,
};
static const karak_schema offer_schema = KARAK_SCHEMA(Offer, offer_fields);

static karak_result create_offer(karak_ctx *c)
{
    return karak_resp_struct(c, karak_body(c));
}
/* [/tutorial:offer] */

/* ---- POST /events: UUID, datetime, Literal, dict; DELETE /events/{event_id}: 204 ---- */

/* [tutorial:event] */
typedef struct {
    karak_uuid id;
    const char *title;
    karak_datetime start;
    const char *kind;
    KARAK_DICT_OF(int64_t) attendees;
    int64_t quantity;
} Event;
static const karak_field event_fields[] = {
    KARAK_FIELD(Event, id, KARAK_UUID),
    KARAK_FIELD(Event, title, KARAK_STR),
    KARAK_FIELD(Event, start, KARAK_DATETIME),
    KARAK_FIELD(Event, kind, KARAK_LITERAL, .choices = KARAK_CHOICES("meeting", "call"),
                .dflt = "meeting"),
    KARAK_FIELD(Event, attendees, KARAK_DICT, .items = KARAK_ITEM(KARAK_I64), .dflt = "{}"),
    KARAK_FIELD(Event, quantity, KARAK_I64, .dflt = "1", KARAK_MULTIPLE_OF(1), KARAK_GE(1)),
    KARAK_FIELDS_END,
};
static const karak_schema event_schema = KARAK_SCHEMA(Event, event_fields);

static karak_result create_event(karak_ctx *c)
{
    return karak_resp_struct(c, karak_body(c));
}
/* [/tutorial:event] */

/* [tutorial:delete-event] */
typedef struct {
    karak_uuid event_id;
} EventPath;
static const karak_field event_path_fields[] = {
    KARAK_FIELD(EventPath, event_id, KARAK_UUID),
    KARAK_FIELDS_END,
};
static const karak_schema event_path = KARAK_SCHEMA(EventPath, event_path_fields);

static karak_result delete_event(karak_ctx *c)
{
    return karak_resp_empty(c);
}
/* [/tutorial:delete-event] */

/* ---- headers and cookies ---- */

/* [tutorial:headers] */
typedef struct {
    const char *user_agent;
    KARAK_LIST_OF(const char *) x_token;
} ReadHeaders;
static const karak_field read_headers_fields[] = {
    KARAK_FIELD(ReadHeaders, user_agent, KARAK_STR, .optional = true),
    KARAK_FIELD(ReadHeaders, x_token, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR),
                .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema read_headers_schema = KARAK_SCHEMA(ReadHeaders, read_headers_fields);

typedef struct {
    const char *ads_id;
} AdsCookies;
static const karak_field ads_cookies_fields[] = {
    KARAK_FIELD(AdsCookies, ads_id, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema ads_cookies = KARAK_SCHEMA(AdsCookies, ads_cookies_fields);

typedef struct {
    const char *user_agent;
    KARAK_LIST_OF(const char *) x_token;
    const char *ads_id;
} HeadersOut;
static const karak_field headers_out_fields[] = {
    KARAK_FIELD(HeadersOut, user_agent, KARAK_STR, .alias = "User-Agent"),
    KARAK_FIELD(HeadersOut, x_token, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR),
                .alias = "X-Token values"),
    KARAK_FIELD(HeadersOut, ads_id, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema headers_out = KARAK_SCHEMA(HeadersOut, headers_out_fields);

static karak_result read_headers(karak_ctx *c)
{
    const ReadHeaders *h = karak_headers(c);
    const AdsCookies *k = karak_cookies(c);
    HeadersOut out = {.user_agent = h->user_agent, .ads_id = k->ads_id};
    out.x_token.items = h->x_token.items;
    out.x_token.len = h->x_token.len;
    return karak_resp_struct(c, &out);
}
/* [/tutorial:headers] */

/* [tutorial:required-header] */
typedef struct {
    const char *x_key;
} KeyHeaders;
static const karak_field key_headers_fields[] = {
    KARAK_FIELD(KeyHeaders, x_key, KARAK_STR, .min_len = 4),
    KARAK_FIELDS_END,
};
static const karak_schema key_headers = KARAK_SCHEMA(KeyHeaders, key_headers_fields);

typedef struct {
    const char *session;
} SessionCookies;
static const karak_field session_cookies_fields[] = {
    KARAK_FIELD(SessionCookies, session, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema session_cookies = KARAK_SCHEMA(SessionCookies, session_cookies_fields);

typedef struct {
    const char *x_key;
    const char *session;
} KeyOut;
static const karak_field key_out_fields[] = {
    KARAK_FIELD(KeyOut, x_key, KARAK_STR),
    KARAK_FIELD(KeyOut, session, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema key_out = KARAK_SCHEMA(KeyOut, key_out_fields);

static karak_result required_header(karak_ctx *c)
{
    const KeyHeaders *h = karak_headers(c);
    const SessionCookies *k = karak_cookies(c);
    KeyOut out = {.x_key = h->x_key, .session = k->session};
    return karak_resp_struct(c, &out);
}
/* [/tutorial:required-header] */

/* ---- HTTPException with headers; a header on a success response ---- */

/* [tutorial:item-header] */
typedef struct {
    const char *item;
} ItemHeaderOut;
static const karak_field item_header_out_fields[] = {
    KARAK_FIELD(ItemHeaderOut, item, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema item_header_out = KARAK_SCHEMA(ItemHeaderOut, item_header_out_fields);

static karak_result read_item_header(karak_ctx *c)
{
    const char *item_id = karak_path_str(c, "item_id");
    if (item_id == NULL || strcmp(item_id, "foo") != 0) {
        karak_resp_header_add(c, "X-Error", "There goes my error");
        return karak_resp_error(c, 404, "Item not found");
    }
    karak_resp_header_add(c, "X-Served-By", "tutorial");
    ItemHeaderOut out = {.item = "The Foo Wrestlers"};
    return karak_resp_struct(c, &out);
}
/* [/tutorial:item-header] */

static karak_app *tutorial_app(void)
{
    /* [tutorial:app-new] */
    karak_app *app = karak_new(.title = "Tutorial", .version = "1.0.0");
    /* [/tutorial:app-new] */
    /* [tutorial:routes-path] */
    karak_get(app, "/models/{model_name}", get_model, .path = &model_path,
              .response = &model_out);
    karak_get(app, "/files/{file_path:path}", read_file, .response = &file_out);
    karak_get(app, "/users/me", read_user_me, .response = &user_out);
    karak_get(app, "/users/{user_id}", read_user, .response = &user_out);
    karak_get(app, "/users/{user_id:int}/items/{item_id}", read_user_item,
              .query = &user_item_query, .response = &user_item_out);
    /* [/tutorial:routes-path] */
    /* [tutorial:routes-query] */
    karak_get(app, "/items/", read_items, .query = &items_query);
    /* [/tutorial:routes-query] */
    /* [tutorial:routes-body] */
    karak_put(app, "/items/{item_id}", update_item, .path = &item_path, .body = &item_schema,
              .query = &update_query, .response = &update_out);
    karak_post(app, "/offers", create_offer, .body = &offer_schema, .status = 201,
               .response = &offer_schema);
    karak_post(app, "/events", create_event, .body = &event_schema, .response = &event_schema);
    karak_delete(app, "/events/{event_id}", delete_event, .path = &event_path, .status = 204);
    /* [/tutorial:routes-body] */
    /* [tutorial:routes-headers] */
    karak_get(app, "/headers", read_headers, .headers = &read_headers_schema,
              .cookies = &ads_cookies, .response = &headers_out);
    karak_get(app, "/required-header", required_header, .headers = &key_headers,
              .cookies = &session_cookies, .response = &key_out);
    karak_get(app, "/items-header/{item_id}", read_item_header, .response = &item_header_out);
    /* [/tutorial:routes-headers] */
    return app; /* a registration error would stop karak_run with a message */
}

int main(int argc, char **argv)
{
    karak_app *app = tutorial_app();
    int rc = karak_run(app, argc, argv);
    karak_app_free(app);
    return rc;
}
