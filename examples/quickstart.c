/* The Quick Start: the C version of
 *
 *     app = Karak()
 *     class Item(BaseModel): name: str; price: float
 *     @app.get("/")                 def index() -> {"message": "Hello, World!"}
 *     @app.get("/items/{item_id}")  def get_item(item_id: int) -> {"id": item_id}
 *     @app.post("/items")           def create_item(body: Item) -> Item
 *     app.run(host="127.0.0.1", port=8000, workers=4)
 *
 * Try: curl localhost:8000/items/abc   -> 422 int_parsing at ["path","item_id"]
 *      curl -d '{"name":"pen","price":9.99}' -H 'content-type: application/json' \
 *           localhost:8000/items        -> 200 {"name":"pen","price":9.99}
 */
#include <karak.h>

/* [tutorial:item] */
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
/* [/tutorial:item] */

/* [tutorial:hello] */
static karak_result index(karak_ctx *c)
{
    return karak_resp_pack(c, "{s:s}", "message", "Hello, World!");
}
/* [/tutorial:hello] */

/* [tutorial:get-item] */
static karak_result get_item(karak_ctx *c)
{
    json_int_t id = karak_path_i64(c, "item_id");
    return karak_resp_pack(c, "{s:I}", "id", id);
}
/* [/tutorial:get-item] */

/* [tutorial:create-item] */
static karak_result create_item(karak_ctx *c)
{
    const Item *body = karak_body(c); /* validated, typed, owned by the request */
    return karak_resp_model(c, &item_schema, body);
}
/* [/tutorial:create-item] */

/* [tutorial:app] */
static karak_app *quickstart_app(void)
{
    karak_app *app = karak_new(.title = "Quick Start");
    karak_get(app, "/", index);
    karak_get(app, "/items/{item_id:int}", get_item);
    karak_post(app, "/items", create_item, .body = &item_schema, .response = &item_schema);
    return app; /* a registration error would stop karak_run with a message */
}

int main(int argc, char **argv)
{
    karak_app *app = quickstart_app();
    int rc = karak_run(app, argc, argv); /* --host --port --workers, KARAK_* env */
    karak_app_free(app);
    return rc;
}
/* [/tutorial:app] */
