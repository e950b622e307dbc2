/* Items CRUD, Karak's examples/basic.py ported route for route from its FastAPI version
 * (each handler names the route it ports). Every answer is FastAPI's, byte for byte, but
 * for libkarak's documented deviations (HEAD on GET routes, a 405's Allow listing every
 * method of the path, an id beyond int64 a 422); tests/test_items.c replays a table of
 * requests answered by the FastAPI original and has 64 clients create and delete at once.
 *
 * What it shows: an in-memory store shared by every worker thread (one mutex, ids from a
 * counter) reached through a `get_db` dependency; a body model with a default; a response
 * model and a list of it; HTTPException's 404; a 204 without a body; a startup hook.
 *
 * Run: ./items --port 8000, then e.g.
 *   curl -H 'content-type: application/json' -d '{"name":"pen","price":9.99}' \
 *        localhost:8000/items */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <karak.h>

/* ---- models ---- */

typedef struct {
    const char *name;
    double price;
    int64_t quantity;
} Item;
static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR),
    KARAK_FIELD(Item, price, KARAK_F64),
    KARAK_FIELD(Item, quantity, KARAK_I64, .dflt = "1"),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);

typedef struct {
    int64_t id;
    const char *name;
    double price;
    int64_t quantity;
} ItemResponse;
static const karak_field item_response_fields[] = {
    KARAK_FIELD(ItemResponse, id, KARAK_I64),
    KARAK_FIELD(ItemResponse, name, KARAK_STR),
    KARAK_FIELD(ItemResponse, price, KARAK_F64),
    KARAK_FIELD(ItemResponse, quantity, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema item_response_schema =
    KARAK_SCHEMA(ItemResponse, item_response_fields);

/* The Python's `-> dict[str, str]` answers, as models: a response is a struct here. */
typedef struct {
    const char *message;
} Message;
static const karak_field message_fields[] = {
    KARAK_FIELD(Message, message, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema message_schema = KARAK_SCHEMA(Message, message_fields);

typedef struct {
    const char *status;
} HealthStatus;
static const karak_field health_status_fields[] = {
    KARAK_FIELD(HealthStatus, status, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema health_status_schema = KARAK_SCHEMA(HealthStatus, health_status_fields);

/* ---- the store ---- */

/* Python's dict keeps insertion order, and ids are handed out under the lock that appends:
 * the array is in id order, so a lookup is a binary search. Names are malloc'd copies. */
typedef struct {
    pthread_mutex_t lock;
    int64_t next_id;
    ItemResponse *items;
    size_t len, cap;
} Store;

static Store store = {.lock = PTHREAD_MUTEX_INITIALIZER, .next_id = 1};

/* The index of `id`, or len when there is none. Under the lock. */
static size_t store_find(const Store *db, int64_t id)
{
    size_t lo = 0, hi = db->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (db->items[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < db->len && db->items[lo].id == id ? lo : db->len;
}

/* Appends a copy of `in` under the next id; 0 when out of memory (no id is used then). */
static int64_t store_add(Store *db, const Item *in)
{
    size_t n = strlen(in->name) + 1;
    char *name = malloc(n);
    if (name == NULL) return 0;
    memcpy(name, in->name, n);
    int64_t id = 0;
    pthread_mutex_lock(&db->lock);
    if (db->len == db->cap) {
        size_t cap = db->cap ? 2 * db->cap : 16;
        ItemResponse *grown = realloc(db->items, cap * sizeof *grown);
        if (grown != NULL) {
            db->items = grown;
            db->cap = cap;
        }
    }
    if (db->len < db->cap) {
        id = db->next_id++;
        db->items[db->len++] = (ItemResponse){
            .id = id, .name = name, .price = in->price, .quantity = in->quantity};
    }
    pthread_mutex_unlock(&db->lock);
    if (id == 0) free(name);
    return id;
}

/* Copies item `id` into *out, its name into the request's arena (another thread may delete
 * the item once the lock is released). 1 found, 0 not found, -1 out of memory. */
static int store_get(karak_ctx *c, Store *db, int64_t id, ItemResponse *out)
{
    pthread_mutex_lock(&db->lock);
    size_t i = store_find(db, id);
    int rc = 0;
    if (i < db->len) {
        *out = db->items[i];
        out->name = karak_strdup(c, db->items[i].name);
        rc = out->name != NULL ? 1 : -1;
    }
    pthread_mutex_unlock(&db->lock);
    return rc;
}

/* A copy of every item, in order, in the request's arena; NULL when out of memory. */
static ItemResponse *store_list(karak_ctx *c, Store *db, size_t *n)
{
    pthread_mutex_lock(&db->lock);
    *n = db->len;
    ItemResponse *out = karak_alloc(c, (db->len ? db->len : 1) * sizeof *out);
    for (size_t i = 0; out != NULL && i < db->len; i++) {
        out[i] = db->items[i];
        out[i].name = karak_strdup(c, db->items[i].name);
        if (out[i].name == NULL) out = NULL;
    }
    pthread_mutex_unlock(&db->lock);
    return out;
}

static bool store_remove(Store *db, int64_t id)
{
    pthread_mutex_lock(&db->lock);
    size_t i = store_find(db, id);
    bool found = i < db->len;
    if (found) {
        free((char *)db->items[i].name);
        memmove(&db->items[i], &db->items[i + 1], (db->len - i - 1) * sizeof *db->items);
        db->len--;
    }
    pthread_mutex_unlock(&db->lock);
    return found;
}

static void store_clear(Store *db)
{
    for (size_t i = 0; i < db->len; i++) free((char *)db->items[i].name);
    free(db->items);
    db->items = NULL;
    db->len = db->cap = 0;
}

/* ---- the get_db dependency ---- */

static karak_result get_db(karak_ctx *c, void *value)
{
    *(Store **)value = karak_dep_data(c);
    return KARAK_NEXT;
}

static const karak_provider db_dep = {
    .name = "get_db", .size = sizeof(Store *), .provide = get_db, .data = &store};

static Store *db_of(karak_ctx *c)
{
    return *(Store *const *)karak_depends(c, &db_dep);
}

/* ---- the lifespan ---- */

static int on_startup(void *data)
{
    (void)data;
    fputs("Application starting up...\n", stdout);
    fflush(stdout);
    return 0;
}

/* ---- GET / ---- */

static karak_result index(karak_ctx *c)
{
    Message out = {.message = "Welcome to Karak!"};
    return karak_resp_struct(c, &out);
}

/* ---- GET /items ---- */

static karak_result list_items(karak_ctx *c)
{
    size_t n = 0;
    ItemResponse *items = store_list(c, db_of(c), &n);
    if (items == NULL) return KARAK_FAIL;
    return karak_resp_list(c, NULL, items, n);
}

/* ---- GET /items/{item_id} ---- */

static karak_result get_item(karak_ctx *c)
{
    ItemResponse out;
    int found = store_get(c, db_of(c), karak_path_i64(c, "item_id"), &out);
    if (found < 0) return KARAK_FAIL;
    if (found == 0) return karak_resp_error(c, 404, "Item not found");
    return karak_resp_struct(c, &out);
}

/* ---- POST /items ---- */

static karak_result create_item(karak_ctx *c)
{
    const Item *body = karak_body(c);
    int64_t id = store_add(db_of(c), body);
    if (id == 0) return KARAK_FAIL;
    ItemResponse out = {
        .id = id, .name = body->name, .price = body->price, .quantity = body->quantity};
    return karak_resp_struct(c, &out);
}

/* ---- DELETE /items/{item_id}: Response(status_code=204), the route's status left at 200
 * as the Python declares none (karak_resp_empty answers 204) ---- */

static karak_result delete_item(karak_ctx *c)
{
    if (!store_remove(db_of(c), karak_path_i64(c, "item_id")))
        return karak_resp_error(c, 404, "Item not found");
    return karak_resp_empty(c);
}

/* ---- GET /health ---- */

static karak_result health(karak_ctx *c)
{
    HealthStatus out = {.status = "healthy"};
    return karak_resp_struct(c, &out);
}

static karak_app *items_app(void)
{
    karak_app *app = karak_new(.on_startup = on_startup);
    karak_get(app, "/", index, .response = &message_schema);
    karak_get(app, "/items", list_items, .depends = KARAK_DEPS(&db_dep),
              .response = &item_response_schema, .response_list = true);
    karak_get(app, "/items/{item_id:int}", get_item, .depends = KARAK_DEPS(&db_dep),
              .response = &item_response_schema);
    karak_post(app, "/items", create_item, .depends = KARAK_DEPS(&db_dep),
               .body = &item_schema, .response = &item_response_schema);
    karak_delete(app, "/items/{item_id:int}", delete_item, .depends = KARAK_DEPS(&db_dep));
    karak_get(app, "/health", health, .response = &health_status_schema);
    return app; /* a registration error would stop karak_run with a message */
}

int main(int argc, char **argv)
{
    karak_app *app = items_app();
    int rc = karak_run(app, argc, argv);
    karak_app_free(app);
    store_clear(&store);
    return rc;
}
