/* Models: nested structs, lists (of scalars, of models, of lists), enums, literals,
 * multiple_of, patterns and extra="forbid", in bodies and as query and header lists; every
 * error with pydantic's type, loc of any depth, msg, input and ctx, and the struct encoded
 * back. Each expected answer was produced by FastAPI 0.141.1 + pydantic 2.13.4 running
 * the equivalent Python app (below), and every row is sent both in-process and over a
 * socket:
 *
 *   class Color(str, Enum): red = "red"; green = "green"; blue = "blue"
 *   class Image(BaseModel):
 *       url: str = Field(pattern=r"^https?://[^ ]+$")
 *       name: str
 *   class Item(BaseModel):
 *       name: str = Field(min_length=1, max_length=50)
 *       price: float = Field(gt=0, multiple_of=0.5)
 *       count: int = Field(default=5, multiple_of=5)
 *       tags: list[str] = []
 *       sizes: list[int] = Field(default=[1], min_length=1, max_length=3)
 *       images: list[Image] | None = None
 *       thumb: Image | None = None
 *       color: Color = Color.red
 *       kind: Literal["a", "b", "c"] = "a"
 *       grid: list[list[int]] = []
 *   class Strict(BaseModel):
 *       model_config = ConfigDict(extra="forbid")
 *       a: int
 *       b: str = "x"
 *   class Outer(BaseModel):
 *       inner: Image
 *       more: list[Strict] = []
 *   @app.post("/items") -> Item, @app.post("/strict") -> Strict, @app.post("/outer") -> Outer
 *   @app.get("/q")
 *   def q(n: Annotated[list[int], Query(max_length=3)],
 *         t: Annotated[list[str] | None, Query()] = None, c: Color = Color.red,
 *         k: Literal["x", "y"] = "x", m: Annotated[int, Query(multiple_of=3)] = 0)
 *   class E(BaseModel):
 *       att: dict[str, int] = {}
 *       m: dict[str, list[int]] | None = None
 *   @app.post("/e") -> E
 *   class StrictM(BaseModel):
 *       model_config = ConfigDict(strict=True)
 *       i: int = 0; f: float = 0; b: bool = False; s: str = ""
 *   class Checked(BaseModel):
 *       n: int
 *       word: str = Field(default="x", strict=True)
 *       @field_validator("n")
 *       def odd(cls, v):
 *           if v % 2 == 0: raise ValueError("n must be odd")
 *   @app.post("/sm") -> StrictM, @app.post("/checked") -> Checked
 *   @app.get("/sq")
 *   def sq(i: Annotated[int, Query(strict=True)] = 0,
 *          s: Annotated[str, Query(strict=True)] = "")
 *   class P(BaseModel):
 *       title: str | None = None; n: int = 0; tags: list[str] | None = None
 *   @app.patch("/p", response_model=P, response_model_exclude_unset=True)
 *   @app.patch("/pn", response_model=P, response_model_exclude_none=True)
 *   class A(BaseModel):
 *       meta: Any = None
 *       extra: Any
 *   @app.post("/any") -> A
 *   @app.get("/anyq")
 *   def anyq(v: Any = None): return {"v": v}
 *   @app.get("/h")
 *   def h(x_tag: Annotated[list[str] | None, Header()] = None,
 *         x_num: Annotated[list[int], Header()] = [0]) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"
#include "testutil.h"

/* ---- the models ---- */

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

enum color { RED, GREEN, BLUE };
#define COLORS KARAK_CHOICES("red", "green", "blue")

typedef struct {
    const char *name;
    double price;
    int64_t count;
    KARAK_LIST_OF(const char *) tags;
    KARAK_LIST_OF(int64_t) sizes;
    KARAK_LIST_OF(Image) images;
    Image thumb;
    bool has_thumb;
    int color;
    const char *kind;
    KARAK_LIST_OF(karak_list) grid;
} Item;
static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR, .min_len = 1, .max_len = 50),
    KARAK_FIELD(Item, price, KARAK_F64, KARAK_GT(0), KARAK_MULTIPLE_OF(0.5)),
    KARAK_FIELD(Item, count, KARAK_I64, .dflt = "5", KARAK_MULTIPLE_OF(5)),
    KARAK_FIELD(Item, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .dflt = "[]"),
    KARAK_FIELD(Item, sizes, KARAK_LIST, .items = KARAK_ITEM(KARAK_I64), .dflt = "[1]",
                .min_len = 1, .max_len = 3),
    KARAK_FIELD(Item, images, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &image_schema),
                .optional = true),
    KARAK_FIELD_OPT(Item, thumb, has_thumb, KARAK_OBJ, .schema = &image_schema),
    KARAK_FIELD(Item, color, KARAK_ENUM, .choices = COLORS, .dflt = "red"),
    KARAK_FIELD(Item, kind, KARAK_LITERAL, .choices = KARAK_CHOICES("a", "b", "c"), .dflt = "a"),
    KARAK_FIELD(Item, grid, KARAK_LIST, .items = KARAK_ITEM(KARAK_LIST, .items = KARAK_ITEM(KARAK_I64)),
                .dflt = "[]"),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);

typedef struct {
    int64_t a;
    const char *b;
} Strict;
static const karak_field strict_fields[] = {
    KARAK_FIELD(Strict, a, KARAK_I64),
    KARAK_FIELD(Strict, b, KARAK_STR, .dflt = "x"),
    KARAK_FIELDS_END,
};
static const karak_schema strict_schema =
    KARAK_SCHEMA(Strict, strict_fields, .extra = KARAK_EXTRA_FORBID);

typedef struct {
    Image inner;
    KARAK_LIST_OF(Strict) more;
} Outer;
static const karak_field outer_fields[] = {
    KARAK_FIELD(Outer, inner, KARAK_OBJ, .schema = &image_schema),
    KARAK_FIELD(Outer, more, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &strict_schema),
                .dflt = "[]"),
    KARAK_FIELDS_END,
};
static const karak_schema outer_schema = KARAK_SCHEMA(Outer, outer_fields);

typedef struct {
    KARAK_LIST_OF(int64_t) n;
    KARAK_LIST_OF(const char *) t;
    int c;
    const char *k;
    int64_t m;
} Q;
static const karak_field q_fields[] = {
    KARAK_FIELD(Q, n, KARAK_LIST, .items = KARAK_ITEM(KARAK_I64), .max_len = 3),
    KARAK_FIELD(Q, t, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .optional = true),
    KARAK_FIELD(Q, c, KARAK_ENUM, .choices = COLORS, .dflt = "red"),
    KARAK_FIELD(Q, k, KARAK_LITERAL, .choices = KARAK_CHOICES("x", "y"), .dflt = "x"),
    KARAK_FIELD(Q, m, KARAK_I64, KARAK_MULTIPLE_OF(3), .dflt = "0"),
    KARAK_FIELDS_END,
};
static const karak_schema q_schema = KARAK_SCHEMA(Q, q_fields);

typedef struct {
    KARAK_LIST_OF(const char *) x_tag;
    KARAK_LIST_OF(int64_t) x_num;
} H;
static const karak_field h_fields[] = {
    KARAK_FIELD(H, x_tag, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .optional = true),
    KARAK_FIELD(H, x_num, KARAK_LIST, .items = KARAK_ITEM(KARAK_I64), .dflt = "[0]"),
    KARAK_FIELDS_END,
};
static const karak_schema h_schema = KARAK_SCHEMA(H, h_fields);

typedef struct {
    KARAK_DICT_OF(int64_t) att;
    KARAK_DICT_OF(karak_list) m;
} E;
static const karak_field e_fields[] = {
    KARAK_FIELD(E, att, KARAK_DICT, .items = KARAK_ITEM(KARAK_I64), .dflt = "{}"),
    KARAK_FIELD(E, m, KARAK_DICT, .items = KARAK_ITEM(KARAK_LIST, .items = KARAK_ITEM(KARAK_I64)),
                .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema e_schema = KARAK_SCHEMA(E, e_fields);

typedef struct {
    int64_t i;
    double f;
    bool b;
    const char *s;
} StrictM;
static const karak_field strict_m_fields[] = {
    KARAK_FIELD(StrictM, i, KARAK_I64, .dflt = "0"),
    KARAK_FIELD(StrictM, f, KARAK_F64, .dflt = "0"),
    KARAK_FIELD(StrictM, b, KARAK_BOOL, .dflt = "false"),
    KARAK_FIELD(StrictM, s, KARAK_STR, .dflt = ""),
    KARAK_FIELDS_END,
};
static const karak_schema strict_m_schema = KARAK_SCHEMA(StrictM, strict_m_fields, .strict = true);

static int odd(const void *value, char *msg, size_t cap)
{
    if (*(const int64_t *)value % 2 != 0) return 0;
    snprintf(msg, cap, "n must be odd");
    return -1;
}

typedef struct {
    int64_t n;
    const char *word;
} Checked;
static const karak_field checked_fields[] = {
    KARAK_FIELD(Checked, n, KARAK_I64, .check = odd),
    KARAK_FIELD(Checked, word, KARAK_STR, .dflt = "x", .strict = true),
    KARAK_FIELDS_END,
};
static const karak_schema checked_schema = KARAK_SCHEMA(Checked, checked_fields);

typedef struct {
    int64_t i;
    const char *s;
} SQ;
static const karak_field sq_fields[] = {
    KARAK_FIELD(SQ, i, KARAK_I64, .dflt = "0", .strict = true),
    KARAK_FIELD(SQ, s, KARAK_STR, .dflt = "", .strict = true),
    KARAK_FIELDS_END,
};
static const karak_schema sq_schema = KARAK_SCHEMA(SQ, sq_fields);

typedef struct {
    const char *title;
    int64_t n;
    KARAK_LIST_OF(const char *) tags;
    uint64_t set;
} P;
static const karak_field p_fields[] = {
    KARAK_FIELD(P, title, KARAK_STR, .optional = true),
    KARAK_FIELD(P, n, KARAK_I64, .dflt = "0"),
    KARAK_FIELD(P, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema p_schema = KARAK_SCHEMA(P, p_fields, KARAK_FIELDS_SET(P, set));

typedef struct {
    json_t *meta;
    json_t *extra;
} A;
static const karak_field a_fields[] = {
    KARAK_FIELD(A, meta, KARAK_JSON, .optional = true),
    KARAK_FIELD(A, extra, KARAK_JSON),
    KARAK_FIELDS_END,
};
static const karak_schema a_schema = KARAK_SCHEMA(A, a_fields);

typedef struct {
    json_t *v;
} AQ;
static const karak_field aq_fields[] = {
    KARAK_FIELD(AQ, v, KARAK_JSON, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema aq_schema = KARAK_SCHEMA(AQ, aq_fields);

/* ---- handlers: each echoes what it was given, through its schema ---- */

static karak_result echo_item(karak_ctx *c)
{
    const Item *it = karak_body(c);
    /* the typed views agree with the encoding */
    if (it->thumb.url != NULL && !it->has_thumb) return karak_resp_text(c, "no thumb flag");
    for (size_t i = 0; i < it->sizes.len; i++)
        if (it->sizes.items[i] == 0) return karak_resp_text(c, "zero size");
    return karak_resp_model(c, &item_schema, it);
}
static karak_result echo_strict(karak_ctx *c)
{
    return karak_resp_model(c, &strict_schema, karak_body(c));
}
static karak_result echo_outer(karak_ctx *c)
{
    return karak_resp_model(c, &outer_schema, karak_body(c));
}
static karak_result echo_e(karak_ctx *c)
{
    const E *e = karak_body(c);
    for (size_t i = 0; i < e->att.len; i++) /* keys and values line up */
        if (e->att.keys[i] == NULL) return karak_resp_text(c, "no key");
    return karak_resp_model(c, &e_schema, e);
}
static karak_result echo_sm(karak_ctx *c)
{
    return karak_resp_model(c, &strict_m_schema, karak_body(c));
}
static karak_result echo_checked(karak_ctx *c)
{
    return karak_resp_model(c, &checked_schema, karak_body(c));
}
static karak_result echo_sq(karak_ctx *c)
{
    return karak_resp_model(c, &sq_schema, karak_query(c));
}
static karak_result echo_p(karak_ctx *c)
{
    const P *p = karak_body(c);
    /* what the mask says, by name */
    karak_resp_header_add(c, "X-Title-Set", karak_model_is_set(&p_schema, p, "title") ? "yes"
                                                                                     : "no");
    return karak_resp_struct(c, p);
}
static karak_result echo_a(karak_ctx *c)
{
    return karak_resp_model(c, &a_schema, karak_body(c));
}
static karak_result echo_aq(karak_ctx *c)
{
    return karak_resp_model(c, &aq_schema, karak_query(c));
}
/* A narrower schema over the same struct hides fields; this one no route names, so it is
 * compiled for the response. */
static const karak_field image_name_fields[] = {
    KARAK_FIELD(Image, name, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema image_name_schema = KARAK_SCHEMA(Image, image_name_fields);

static karak_result narrow(karak_ctx *c)
{
    return karak_resp_model(c, &image_name_schema, karak_body(c));
}

/* A list response through the route's model, or an explicit one; an empty list. */
static karak_result list_strict(karak_ctx *c)
{
    static const Strict rows_[] = {{.a = 1, .b = "x"}, {.a = -2, .b = "\"y\""}};
    const char *n = karak_req_query_param(c, "n");
    size_t count = n != NULL ? (size_t)atoi(n) : 2;
    if (karak_req_query_param(c, "explicit") != NULL)
        return karak_resp_list(c, &strict_schema, rows_, count);
    return karak_resp_list(c, NULL, rows_, count);
}
static karak_result echo_q(karak_ctx *c)
{
    return karak_resp_model(c, &q_schema, karak_query(c));
}
static karak_result echo_h(karak_ctx *c)
{
    return karak_resp_model(c, &h_schema, karak_headers(c));
}

static karak_app *models_app(void)
{
    karak_app *app = karak_new();
    ck_assert_int_eq(karak_post(app, "/items", echo_item, .body = &item_schema), 0);
    ck_assert_int_eq(karak_post(app, "/strict", echo_strict, .body = &strict_schema), 0);
    ck_assert_int_eq(karak_post(app, "/outer", echo_outer, .body = &outer_schema), 0);
    ck_assert_int_eq(karak_post(app, "/e", echo_e, .body = &e_schema), 0);
    ck_assert_int_eq(karak_get(app, "/q", echo_q, .query = &q_schema), 0);
    ck_assert_int_eq(karak_post(app, "/sm", echo_sm, .body = &strict_m_schema), 0);
    ck_assert_int_eq(karak_post(app, "/checked", echo_checked, .body = &checked_schema), 0);
    ck_assert_int_eq(karak_get(app, "/sq", echo_sq, .query = &sq_schema), 0);
    ck_assert_int_eq(karak_get(app, "/list", list_strict, .response = &strict_schema), 0);
    ck_assert_int_eq(karak_post(app, "/narrow", narrow, .body = &image_schema), 0);
    ck_assert_int_eq(karak_post(app, "/any", echo_a, .body = &a_schema), 0);
    ck_assert_int_eq(karak_get(app, "/anyq", echo_aq, .query = &aq_schema), 0);
    ck_assert_int_eq(karak_patch(app, "/p", echo_p, .body = &p_schema, .response = &p_schema,
                                 .response_exclude = KARAK_EXCLUDE_UNSET), 0);
    ck_assert_int_eq(karak_patch(app, "/pn", echo_p, .body = &p_schema, .response = &p_schema,
                                 .response_exclude = KARAK_EXCLUDE_NONE), 0);
    ck_assert_int_eq(karak_get(app, "/h", echo_h, .headers = &h_schema), 0);
    return app;
}

/* ---- the table ---- */

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct {
    const char *method, *target;
    const char *const *headers;
    const char *json;
    int status;
    const char *body;
} rows[] = {
    {"POST", "/items", NULL, "{\"name\":\"\",\"price\":0.7,\"count\":7,\"tags\":\"x\",\"sizes\":[],\"images\":[{\"url\":\"ftp://x\"},5],\"thumb\":[],\"color\":\"pink\",\"kind\":\"d\",\"grid\":[[1,\"x\"],3]}",
     422, "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"name\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}},{\"type\":\"multiple_of\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a multiple of 0.5\",\"input\":0.7,\"ctx\":{\"multiple_of\":0.5}},{\"type\":\"multiple_of\",\"loc\":[\"body\",\"count\"],\"msg\":\"Input should be a multiple of 5\",\"input\":7,\"ctx\":{\"multiple_of\":5}},{\"type\":\"list_type\",\"loc\":[\"body\",\"tags\"],\"msg\":\"Input should be a valid list\",\"input\":\"x\"},{\"type\":\"too_short\",\"loc\":[\"body\",\"sizes\"],\"msg\":\"List should have at least 1 item after validation, not 0\",\"input\":[],\"ctx\":{\"field_type\":\"List\",\"min_length\":1,\"actual_length\":0}},{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"images\",0,\"url\"],\"msg\":\"String should match pattern '^https?://[^ ]+$'\",\"input\":\"ftp://x\",\"ctx\":{\"pattern\":\"^https?://[^ ]+$\"}},{\"type\":\"missing\",\"loc\":[\"body\",\"images\",0,\"name\"],\"msg\":\"Field required\",\"input\":{\"url\":\"ftp://x\"}},{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"images\",1],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":5},{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"thumb\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":[]},{\"type\":\"enum\",\"loc\":[\"body\",\"color\"],\"msg\":\"Input should be 'red', 'green' or 'blue'\",\"input\":\"pink\",\"ctx\":{\"expected\":\"'red', 'green' or 'blue'\"}},{\"type\":\"literal_error\",\"loc\":[\"body\",\"kind\"],\"msg\":\"Input should be 'a', 'b' or 'c'\",\"input\":\"d\",\"ctx\":{\"expected\":\"'a', 'b' or 'c'\"}},{\"type\":\"int_parsing\",\"loc\":[\"body\",\"grid\",0,1],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},{\"type\":\"list_type\",\"loc\":[\"body\",\"grid\",1],\"msg\":\"Input should be a valid list\",\"input\":3}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":1.5,\"sizes\":[1,2,3,\"y\"],\"images\":[{\"url\":\"http://x\",\"name\":\"i\"}],\"thumb\":null,\"color\":\"green\",\"kind\":\"b\",\"grid\":[[1,2],[]]}",
     422, "{\"detail\":[{\"type\":\"too_long\",\"loc\":[\"body\",\"sizes\"],\"msg\":\"List should have at most 3 items after validation, not 4\",\"input\":[1,2,3,\"y\"],\"ctx\":{\"field_type\":\"List\",\"max_length\":3,\"actual_length\":4}}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":1,\"sizes\":[1,\"x\",3,4]}",
     422, "{\"detail\":[{\"type\":\"too_long\",\"loc\":[\"body\",\"sizes\"],\"msg\":\"List should have at most 3 items after validation, not 4\",\"input\":[1,\"x\",3,4],\"ctx\":{\"field_type\":\"List\",\"max_length\":3,\"actual_length\":4}}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":1,\"sizes\":[\"x\"],\"tags\":[1,null]}",
     422, "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",0],\"msg\":\"Input should be a valid string\",\"input\":1},{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",1],\"msg\":\"Input should be a valid string\",\"input\":null},{\"type\":\"int_parsing\",\"loc\":[\"body\",\"sizes\",0],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":1.5,\"count\":10,\"thumb\":{\"url\":\"http://a\",\"name\":\"b\"}}",
     200, "{\"name\":\"n\",\"price\":1.5,\"count\":10,\"tags\":[],\"sizes\":[1],\"images\":null,\"thumb\":{\"url\":\"http://a\",\"name\":\"b\"},\"color\":\"red\",\"kind\":\"a\",\"grid\":[]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":1e308,\"count\":-5,\"sizes\":[2]}",
     422, "{\"detail\":[{\"type\":\"multiple_of\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a multiple of 0.5\",\"input\":1e+308,\"ctx\":{\"multiple_of\":0.5}}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":2,\"images\":null,\"thumb\":{\"url\":\"https://\xc3\xa9""\",\"name\":\"\xc3\xa9""\"},\"color\":5,\"kind\":null,\"grid\":[[true,\"7\",3.0]],\"tags\":[\"a\",\"b\"],\"sizes\":[5,6,7]}",
     422, "{\"detail\":[{\"type\":\"enum\",\"loc\":[\"body\",\"color\"],\"msg\":\"Input should be 'red', 'green' or 'blue'\",\"input\":5,\"ctx\":{\"expected\":\"'red', 'green' or 'blue'\"}},{\"type\":\"literal_error\",\"loc\":[\"body\",\"kind\"],\"msg\":\"Input should be 'a', 'b' or 'c'\",\"input\":null,\"ctx\":{\"expected\":\"'a', 'b' or 'c'\"}}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":2,\"images\":[],\"thumb\":{},\"grid\":[[1.5]]}",
     422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"thumb\",\"url\"],\"msg\":\"Field required\",\"input\":{}},{\"type\":\"missing\",\"loc\":[\"body\",\"thumb\",\"name\"],\"msg\":\"Field required\",\"input\":{}},{\"type\":\"int_from_float\",\"loc\":[\"body\",\"grid\",0,0],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"input\":1.5}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":2,\"images\":{},\"color\":\"RED\",\"sizes\":null}",
     422, "{\"detail\":[{\"type\":\"list_type\",\"loc\":[\"body\",\"sizes\"],\"msg\":\"Input should be a valid list\",\"input\":null},{\"type\":\"list_type\",\"loc\":[\"body\",\"images\"],\"msg\":\"Input should be a valid list\",\"input\":{}},{\"type\":\"enum\",\"loc\":[\"body\",\"color\"],\"msg\":\"Input should be 'red', 'green' or 'blue'\",\"input\":\"RED\",\"ctx\":{\"expected\":\"'red', 'green' or 'blue'\"}}]}"},
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":2,\"images\":[{\"url\":\"http://a b\",\"name\":\"x\"},{\"url\":\"http://ok\",\"name\":3}]}",
     422, "{\"detail\":[{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"images\",0,\"url\"],\"msg\":\"String should match pattern '^https?://[^ ]+$'\",\"input\":\"http://a b\",\"ctx\":{\"pattern\":\"^https?://[^ ]+$\"}},{\"type\":\"string_type\",\"loc\":[\"body\",\"images\",1,\"name\"],\"msg\":\"Input should be a valid string\",\"input\":3}]}"},
    {"POST", "/strict", NULL, "{\"a\":1,\"zz\":[1],\"b\":\"q\",\"yy\":null}",
     422, "{\"detail\":[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"zz\"],\"msg\":\"Extra inputs are not permitted\",\"input\":[1]},{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"yy\"],\"msg\":\"Extra inputs are not permitted\",\"input\":null}]}"},
    {"POST", "/strict", NULL, "{\"zz\":1,\"a\":\"x\"}",
     422, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"a\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"zz\"],\"msg\":\"Extra inputs are not permitted\",\"input\":1}]}"},
    {"POST", "/strict", NULL, "{\"a\":1}",
     200, "{\"a\":1,\"b\":\"x\"}"},
    {"POST", "/outer", NULL, "{\"inner\":{\"url\":\"http://x\",\"name\":\"n\"},\"more\":[{\"a\":1,\"c\":2},{\"b\":\"z\"}]}",
     422, "{\"detail\":[{\"type\":\"extra_forbidden\",\"loc\":[\"body\",\"more\",0,\"c\"],\"msg\":\"Extra inputs are not permitted\",\"input\":2},{\"type\":\"missing\",\"loc\":[\"body\",\"more\",1,\"a\"],\"msg\":\"Field required\",\"input\":{\"b\":\"z\"}}]}"},
    {"POST", "/outer", NULL, "{\"inner\":null}",
     422, "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\",\"inner\"],\"msg\":\"Input should be a valid dictionary or object to extract fields from\",\"input\":null}]}"},
    {"POST", "/outer", NULL, "{\"inner\":{\"url\":\"http://x\",\"name\":\"n\"},\"more\":[{\"a\":1}]}",
     200, "{\"inner\":{\"url\":\"http://x\",\"name\":\"n\"},\"more\":[{\"a\":1,\"b\":\"x\"}]}"},
    {"POST", "/outer", NULL, "{}",
     422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"inner\"],\"msg\":\"Field required\",\"input\":{}}]}"},
    {"GET", "/q?n=1&n=x&t=abcd&t=ok&c=pink", NULL, NULL,
     422, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"n\",1],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},{\"type\":\"enum\",\"loc\":[\"query\",\"c\"],\"msg\":\"Input should be 'red', 'green' or 'blue'\",\"input\":\"pink\",\"ctx\":{\"expected\":\"'red', 'green' or 'blue'\"}}]}"},
    {"GET", "/q", NULL, NULL,
     422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"query\",\"n\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"GET", "/q?n=3", NULL, NULL,
     200, "{\"n\":[3],\"t\":null,\"c\":\"red\",\"k\":\"x\",\"m\":0}"},
    {"GET", "/q?n=1&n=2&n=3&n=4", NULL, NULL,
     422, "{\"detail\":[{\"type\":\"too_long\",\"loc\":[\"query\",\"n\"],\"msg\":\"List should have at most 3 items after validation, not 4\",\"input\":[\"1\",\"2\",\"3\",\"4\"],\"ctx\":{\"field_type\":\"List\",\"max_length\":3,\"actual_length\":4}}]}"},
    {"GET", "/q?n=1&n=2&t=a&t=&c=blue&k=y&m=9", NULL, NULL,
     200, "{\"n\":[1,2],\"t\":[\"a\",\"\"],\"c\":\"blue\",\"k\":\"y\",\"m\":9}"},
    {"GET", "/q?n=1&k=z&m=4", NULL, NULL,
     422, "{\"detail\":[{\"type\":\"literal_error\",\"loc\":[\"query\",\"k\"],\"msg\":\"Input should be 'x' or 'y'\",\"input\":\"z\",\"ctx\":{\"expected\":\"'x' or 'y'\"}},{\"type\":\"multiple_of\",\"loc\":[\"query\",\"m\"],\"msg\":\"Input should be a multiple of 3\",\"input\":\"4\",\"ctx\":{\"multiple_of\":3}}]}"},
    {"GET", "/h", NULL, NULL,
     200, "{\"x_tag\":null,\"x_num\":[0]}"},
    {"GET", "/h", HDRS("X-Tag", "a", "x-tag", "b,c", "X-Num", "1", "x-num", "x"), NULL,
     422, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"header\",\"x-num\",1],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"}]}"},
    {"GET", "/h", HDRS("X-Tag", "a", "X-Num", "1", "x-num", "2"), NULL,
     200, "{\"x_tag\":[\"a\"],\"x_num\":[1,2]}"},
    /* an integer literal beyond the double range is no float; a NUL in a string is refused
       (libkarak: pydantic keeps "a\u0000b", a C string would lose its end) */
    {"POST", "/items", NULL, "{\"name\":\"n\",\"price\":1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000}",
     422, "{\"detail\":[{\"type\":\"float_type\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a valid number\",\"input\":1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000}]}"},
    {"POST", "/items", NULL, "{\"name\":\"a\\u0000b\",\"price\":-1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000}",
     422, "{\"detail\":[{\"type\":\"value_error\",\"loc\":[\"body\",\"name\"],\"msg\":\"Value error, the string contains a NUL character (U+0000), which libkarak does not accept\",\"input\":\"a\\u0000b\",\"ctx\":{\"error\":{}}},{\"type\":\"float_type\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a valid number\",\"input\":-1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000}]}"},
    /* list responses (FastAPI: response_model=list[Strict]) */
    {"GET", "/list", NULL, NULL, 200, "[{\"a\":1,\"b\":\"x\"},{\"a\":-2,\"b\":\"\\\"y\\\"\"}]"},
    {"GET", "/list?explicit=1&n=1", NULL, NULL, 200, "[{\"a\":1,\"b\":\"x\"}]"},
    {"GET", "/list?n=0", NULL, NULL, 200, "[]"},
    {"POST", "/narrow", NULL, "{\"url\":\"http://x\",\"name\":\"n\"}", 200, "{\"name\":\"n\"}"},
    /* dicts: the order of each key's first appearance, the value of its last */
    {"POST", "/e", NULL, "{\"att\":{\"a\":\"x\",\"b\":1,\"a\":\"2\",\"\":3},\"m\":{\"k\":[1,\"z\"],\"j\":5}}",
     422, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"m\",\"k\",1],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"z\"},{\"type\":\"list_type\",\"loc\":[\"body\",\"m\",\"j\"],\"msg\":\"Input should be a valid list\",\"input\":5}]}"},
    {"POST", "/e", NULL, "{\"att\":{\"b\":1,\"a\":\"2\",\"b\":\"7\"}}", 200, "{\"att\":{\"b\":7,\"a\":2},\"m\":null}"},
    {"POST", "/e", NULL, "{\"att\":[1],\"m\":null}",
     422, "{\"detail\":[{\"type\":\"dict_type\",\"loc\":[\"body\",\"att\"],\"msg\":\"Input should be a valid dictionary\",\"input\":[1]}]}"},
    {"POST", "/e", NULL, "{\"att\":{\"b\":1,\"a\":\"2\",\"b\":\"x\"}}",
     422, "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"att\",\"b\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"}]}"},
    {"POST", "/e", NULL, "{}", 200, "{\"att\":{},\"m\":null}"},
    {"POST", "/e", NULL, "{\"m\":{\"x\":[]},\"att\":{\"\\u00e9\":true}}", 200, "{\"att\":{\"\xc3\xa9\":1},\"m\":{\"x\":[]}}"},
    /* PATCH: exclude_unset from the input's keys (null included), exclude_none */
    {"PATCH", "/p", NULL, "{}", 200, "{}"},
    {"PATCH", "/pn", NULL, "{}", 200, "{\"n\":0}"},
    {"PATCH", "/p", NULL, "{\"title\":null}", 200, "{\"title\":null}"},
    {"PATCH", "/pn", NULL, "{\"title\":null}", 200, "{\"n\":0}"},
    {"PATCH", "/p", NULL, "{\"n\":3,\"tags\":[\"a\"]}", 200, "{\"n\":3,\"tags\":[\"a\"]}"},
    {"PATCH", "/pn", NULL, "{\"n\":3,\"tags\":[\"a\"]}", 200, "{\"n\":3,\"tags\":[\"a\"]}"},
    {"PATCH", "/p", NULL, "{\"tags\":null,\"zz\":1}", 200, "{\"tags\":null}"},
    {"PATCH", "/pn", NULL, "{\"tags\":null,\"zz\":1}", 200, "{\"n\":0}"},
    /* Any: a jansson value the request releases */
    {"POST", "/any", NULL, "{\"extra\":{\"a\":[1,2.5,\"x\",null,true],\"b\":{\"c\":{}},\"a\":3}}",
     200, "{\"meta\":null,\"extra\":{\"a\":3,\"b\":{\"c\":{}}}}"},
    {"POST", "/any", NULL, "{}",
     422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"extra\"],\"msg\":\"Field required\",\"input\":{}}]}"},
    {"POST", "/any", NULL, "{\"extra\":\"\\u00e9\",\"meta\":-0.0}", 200, "{\"meta\":-0.0,\"extra\":\"\xc3\xa9\"}"},
    {"POST", "/any", NULL, "{\"meta\":[1,{\"k\":[]}],\"extra\":null}", 200, "{\"meta\":[1,{\"k\":[]}],\"extra\":null}"},
    {"GET", "/anyq?v=5", NULL, NULL, 200, "{\"v\":\"5\"}"},
    {"GET", "/anyq", NULL, NULL, 200, "{\"v\":null}"},
    /* strict mode and a field's own validator */
    {"POST", "/sm", NULL, "{\"i\":\"5\",\"f\":\"1.5\",\"b\":1,\"s\":5}",
     422, "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer\",\"input\":\"5\"},{\"type\":\"float_type\",\"loc\":[\"body\",\"f\"],\"msg\":\"Input should be a valid number\",\"input\":\"1.5\"},{\"type\":\"bool_type\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean\",\"input\":1},{\"type\":\"string_type\",\"loc\":[\"body\",\"s\"],\"msg\":\"Input should be a valid string\",\"input\":5}]}"},
    {"POST", "/sm", NULL, "{\"i\":5.0,\"f\":true,\"b\":\"true\"}",
     422, "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"i\"],\"msg\":\"Input should be a valid integer\",\"input\":5.0},{\"type\":\"float_type\",\"loc\":[\"body\",\"f\"],\"msg\":\"Input should be a valid number\",\"input\":true},{\"type\":\"bool_type\",\"loc\":[\"body\",\"b\"],\"msg\":\"Input should be a valid boolean\",\"input\":\"true\"}]}"},
    {"POST", "/sm", NULL, "{\"i\":5,\"f\":1,\"b\":true,\"s\":\"x\"}", 200, "{\"i\":5,\"f\":1.0,\"b\":true,\"s\":\"x\"}"},
    {"POST", "/checked", NULL, "{\"n\":\"4\",\"word\":5}",
     422, "{\"detail\":[{\"type\":\"value_error\",\"loc\":[\"body\",\"n\"],\"msg\":\"Value error, n must be odd\",\"input\":\"4\",\"ctx\":{\"error\":{}}},{\"type\":\"string_type\",\"loc\":[\"body\",\"word\"],\"msg\":\"Input should be a valid string\",\"input\":5}]}"},
    {"POST", "/checked", NULL, "{\"n\":3,\"word\":\"y\"}", 200, "{\"n\":3,\"word\":\"y\"}"},
    {"POST", "/checked", NULL, "{\"n\":2.0}",
     422, "{\"detail\":[{\"type\":\"value_error\",\"loc\":[\"body\",\"n\"],\"msg\":\"Value error, n must be odd\",\"input\":2.0,\"ctx\":{\"error\":{}}}]}"},
    {"GET", "/sq?i=5&s=x", NULL, NULL,
     422, "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"query\",\"i\"],\"msg\":\"Input should be a valid integer\",\"input\":\"5\"}]}"},
};

START_TEST(model_table)
{
    karak_app *app = models_app();
    karak_client *client = test_client_open(app);
    karak_server *server = NULL;
    unsigned port = 0;
    test_serve(app, &server, &port);
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        char where[64];
        snprintf(where, sizeof where, "row %zu (%s %s)", i, rows[i].method, rows[i].target);
        karak_reply *r = both_request_at(where, client, port, rows[i].method, rows[i].target,
                                         &(const karak_request_opts){
                                             .headers = rows[i].headers,
                                             .json = rows[i].json,
                                             .struct_size = sizeof(karak_request_opts)});
        expect_response(r, rows[i].status, rows[i].body, where);
    }
    test_fixture_close(&app, &client, &server);
}
END_TEST

/* karak_model_is_set tells a key given as null from one left out. */
START_TEST(fields_set_by_name)
{
    karak_app *app = models_app();
    karak_client *client = test_client_open(app);
    static const struct {
        const char *json, *title_set;
    } cases[] = {{"{}", "no"}, {"{\"title\":null}", "yes"}, {"{\"title\":\"t\"}", "yes"},
                 {"{\"n\":1}", "no"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        karak_reply *r = karak_client_request(client, "PATCH", "/p",
                                              &(const karak_request_opts){.json = cases[i].json});
        ck_assert_int_eq(karak_reply_status(r), 200);
        ck_assert_str_eq(karak_reply_header(r, "x-title-set"), cases[i].title_set);
        karak_reply_free(r);
    }
    P p = {.set = 1u << 1};
    ck_assert(karak_model_is_set(&p_schema, &p, "n"));
    ck_assert(!karak_model_is_set(&p_schema, &p, "title"));
    ck_assert(!karak_model_is_set(&p_schema, &p, "nope"));
    ck_assert(!karak_model_is_set(&image_schema, &p, "url")); /* no mask */
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
}
END_TEST

/* ---- declarations libkarak refuses at registration, naming the schema and field ---- */

typedef struct Node Node;
struct Node {
    KARAK_LIST_OF(Node) children;
    Image pic;
};
static const karak_schema node_schema;
static const karak_field node_fields[] = {
    KARAK_FIELD(Node, pic, KARAK_OBJ, .schema = &node_schema),
    KARAK_FIELDS_END,
};
static const karak_schema node_schema = KARAK_SCHEMA(Node, node_fields);

typedef struct {
    const char *s;
    int e;
    int64_t i;
    double d;
    Image img;
    karak_list l;
} Bad;
static const karak_field bad_pattern[] = {KARAK_FIELD(Bad, s, KARAK_STR, .pattern = "a(b"),
                                          KARAK_FIELDS_END};
static const karak_field bad_pattern_type[] = {
    KARAK_FIELD(Bad, i, KARAK_I64, .pattern = "^a$"), KARAK_FIELDS_END};
static const karak_field bad_no_choices[] = {KARAK_FIELD(Bad, e, KARAK_ENUM), KARAK_FIELDS_END};
static const karak_field bad_twice[] = {
    KARAK_FIELD(Bad, e, KARAK_ENUM, .choices = KARAK_CHOICES("a", "b", "a")), KARAK_FIELDS_END};
static const karak_field bad_choice_default[] = {
    KARAK_FIELD(Bad, s, KARAK_LITERAL, .choices = KARAK_CHOICES("a", "b"), .dflt = "c"),
    KARAK_FIELDS_END};
static const karak_field bad_no_items[] = {KARAK_FIELD(Bad, l, KARAK_LIST), KARAK_FIELDS_END};
static const karak_field bad_list_default[] = {
    KARAK_FIELD(Bad, l, KARAK_LIST, .items = KARAK_ITEM(KARAK_I64, KARAK_GE(0)), .dflt = "[1,-1]"),
    KARAK_FIELDS_END};
static const karak_field bad_list_json[] = {
    KARAK_FIELD(Bad, l, KARAK_LIST, .items = KARAK_ITEM(KARAK_I64), .dflt = "[1,"),
    KARAK_FIELDS_END};
static const karak_field bad_no_schema[] = {KARAK_FIELD(Bad, img, KARAK_OBJ), KARAK_FIELDS_END};
static const karak_field bad_nested[] = {
    KARAK_FIELD(Bad, img, KARAK_OBJ, .schema = &(const karak_schema)KARAK_SCHEMA(Image, bad_pattern)),
    KARAK_FIELDS_END};
static const karak_field bad_recursive[] = {
    KARAK_FIELD(Bad, img, KARAK_OBJ, .schema = &node_schema), KARAK_FIELDS_END};
static const karak_field bad_multiple[] = {
    KARAK_FIELD(Bad, i, KARAK_I64, KARAK_MULTIPLE_OF(0.5)), KARAK_FIELDS_END};
static const karak_field bad_multiple_zero[] = {
    KARAK_FIELD(Bad, d, KARAK_F64, KARAK_MULTIPLE_OF(0)), KARAK_FIELDS_END};
static const karak_field bad_item_optional[] = {
    KARAK_FIELD(Bad, l, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR, .optional = true)),
    KARAK_FIELDS_END};
static const karak_field bad_enum_size[] = {
    {.name = "i", .offset = offsetof(Bad, i), .size = sizeof(int64_t), .type = KARAK_ENUM,
     .choices = KARAK_CHOICES("a")},
    KARAK_FIELDS_END};

#define E_ "route POST /bad: schema Bad, field "
static const struct {
    const karak_field *fields;
    const char *message;
    bool as_query; /* registered as the query schema instead of the body */
} bad_rows[] = {
    {bad_pattern, E_ "'s': pattern 'a(b' does not compile: missing closing parenthesis at "
                     "offset 3", false},
    {bad_pattern_type, E_ "'i': pattern on a non-string field", false},
    {bad_no_choices, E_ "'e': an enum or literal field needs choices", false},
    {bad_twice, E_ "'e': a choice is listed twice", false},
    {bad_choice_default, E_ "'s': default violates the field's constraints", false},
    {bad_no_items, E_ "'l': a list or dict needs .items", false},
    {bad_list_default, E_ "'l': default violates the field's constraints", false},
    {bad_list_json, E_ "'l': default does not parse as the field's type", false},
    {bad_no_schema, E_ "'img': a nested model needs .schema", false},
    {bad_nested, "route POST /bad: schema Image, field 's': pattern 'a(b' does not compile: "
                 "missing closing parenthesis at offset 3", false},
    {bad_recursive, "route POST /bad: schema Node, field 'pic': the schema contains itself "
                    "(recursive models are not supported)", false},
    {bad_multiple, E_ "'i': bounds of an integer field must be integers of at most 2^53", false},
    {bad_multiple_zero, E_ "'d': multiple_of is 0", false},
    {bad_item_optional, E_ "'l': a list's items have no default and are not optional", false},
    {bad_enum_size, E_ "'i': member size does not match the field type", false},
    {bad_nested, E_ "'img': a nested model can only be part of a body", true},
};

START_TEST(registration_errors)
{
    const karak_schema bad = {.name = "Bad", .size = sizeof(Bad), .fields = bad_rows[_i].fields};
    karak_app *a = karak_new();
    int rc = bad_rows[_i].as_query ? karak_post(a, "/bad", echo_q, .query = &bad)
                                   : karak_post(a, "/bad", echo_q, .body = &bad);
    ck_assert_int_eq(rc, KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(a), bad_rows[_i].message);
    karak_app_free(a);
}
END_TEST

/* Plain models are written through a plan made at registration (lib/schema/plan.c), the
 * others by the general writer. Both must write the same bytes for every kind of value:
 * the general writer is reached with KARAK_EXCLUDE_UNSET, which excludes nothing from a
 * model without presence flags. Long and escaped keys, literals over a chunk, integer
 * extremes, non-finite floats, escaped and NULL strings, nested plain and non-plain
 * models, lists of models, of strings and of lists, enums, UUIDs and dicts. */
typedef struct {
    int64_t n;
    const char *s;
} PlanLeaf;
static const karak_field plan_leaf_fields[] = {
    KARAK_FIELD(PlanLeaf, n, KARAK_I64),
    KARAK_FIELD(PlanLeaf, s, KARAK_STR, .alias = "a \"quoted\" and rather long key"),
    KARAK_FIELDS_END,
};
static const karak_schema plan_leaf = KARAK_SCHEMA(PlanLeaf, plan_leaf_fields);
typedef struct {
    int64_t a;
    bool b;
} PlanPair;
static const karak_field plan_pair_fields[] = {
    KARAK_FIELD(PlanPair, a, KARAK_I64, .alias = "a key longer than one chunk"),
    KARAK_FIELD(PlanPair, b, KARAK_BOOL),
    KARAK_FIELDS_END,
};
static const karak_schema plan_pair = KARAK_SCHEMA(PlanPair, plan_pair_fields);
typedef struct {
    bool has_x;
    int64_t x;
} PlanOpt;
static const karak_field plan_opt_fields[] = {
    KARAK_FIELD_OPT(PlanOpt, x, has_x, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema plan_opt = KARAK_SCHEMA(PlanOpt, plan_opt_fields);
typedef struct {
    int64_t big, small, neg;
    int32_t i32;
    double f[5];
    bool t, fa;
    const char *esc, *none, *utf8;
    PlanLeaf leaf;
    PlanOpt opt;
    KARAK_LIST_OF(PlanLeaf) leaves;
    KARAK_LIST_OF(const char *) words;
    KARAK_LIST_OF(const char *) no_words;
    KARAK_LIST_OF(karak_list) grid;
    KARAK_LIST_OF(PlanPair) pairs;
    int color;
    karak_uuid id;
    karak_dict counts;
} PlanAll;
static const karak_field plan_all_fields[] = {
    KARAK_FIELD(PlanAll, big, KARAK_I64),
    KARAK_FIELD(PlanAll, small, KARAK_I64),
    KARAK_FIELD(PlanAll, neg, KARAK_I64),
    KARAK_FIELD(PlanAll, i32, KARAK_I32),
    KARAK_FIELD(PlanAll, f[0], KARAK_F64, .alias = "f0"),
    KARAK_FIELD(PlanAll, f[1], KARAK_F64, .alias = "f1"),
    KARAK_FIELD(PlanAll, f[2], KARAK_F64, .alias = "f2"),
    KARAK_FIELD(PlanAll, f[3], KARAK_F64, .alias = "f3"),
    KARAK_FIELD(PlanAll, f[4], KARAK_F64, .alias = "f4"),
    KARAK_FIELD(PlanAll, t, KARAK_BOOL),
    KARAK_FIELD(PlanAll, fa, KARAK_BOOL),
    KARAK_FIELD(PlanAll, esc, KARAK_STR),
    KARAK_FIELD(PlanAll, none, KARAK_STR, .optional = true),
    KARAK_FIELD(PlanAll, utf8, KARAK_STR),
    KARAK_FIELD(PlanAll, leaf, KARAK_OBJ, .schema = &plan_leaf),
    KARAK_FIELD(PlanAll, opt, KARAK_OBJ, .schema = &plan_opt),
    KARAK_FIELD(PlanAll, leaves, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &plan_leaf)),
    KARAK_FIELD(PlanAll, words, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR)),
    KARAK_FIELD(PlanAll, no_words, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .optional = true),
    KARAK_FIELD(PlanAll, grid, KARAK_LIST,
                .items = KARAK_ITEM(KARAK_LIST, .items = KARAK_ITEM(KARAK_I32))),
    KARAK_FIELD(PlanAll, pairs, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &plan_pair)),
    KARAK_FIELD(PlanAll, color, KARAK_ENUM, .choices = COLORS),
    KARAK_FIELD(PlanAll, id, KARAK_UUID),
    KARAK_FIELD(PlanAll, counts, KARAK_DICT, .items = KARAK_ITEM(KARAK_I64)),
    KARAK_FIELDS_END,
};
static const karak_schema plan_all = KARAK_SCHEMA(PlanAll, plan_all_fields);

START_TEST(plans_write_what_the_general_writer_writes)
{
    char err[256] = "";
    kschema *cs = kschema_compile(&plan_all, KSRC_BODY, err, sizeof err);
    ck_assert_msg(cs != NULL, "%s", err);
    ck_assert(cs->plan != NULL);
    PlanLeaf leaves[] = {{1, "one"}, {-12345678901, NULL}, {99, "a\nb"}};
    const char *words[] = {"alpha", NULL, "a much longer word than sixteen bytes"};
    int32_t row0[] = {INT32_MIN, 0, 7}, row1[] = {INT32_MAX};
    karak_list grid[] = {{row0, 3}, {row1, 1}, {NULL, 0}};
    PlanPair pairs[] = {{-1000, true}, {12345, false}, {INT64_MIN, true}};
    const char *keys[] = {"k\"1", "k2"};
    int64_t vals[] = {10, -10};
    PlanAll all = {.big = INT64_MAX, .small = 7, .neg = INT64_MIN, .i32 = -100,
                   .f = {0.1, 1e16, -0.0, NAN, -INFINITY}, .t = true, .fa = false,
                   .esc = "tab\there \"q\" \\ \x01", .none = NULL, .utf8 = "caf\xc3\xa9 \xe2\x82\xac",
                   .leaf = {42, "leaf"}, .opt = {true, 5},
                   .leaves = {leaves, 3}, .words = {words, 3}, .no_words = {NULL, 0},
                   .grid = {grid, 3}, .pairs = {pairs, 3}, .color = 2,
                   .id = {{0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0, 0x01, 0x23, 0x45,
                           0x67, 0x89, 0xab, 0xcd, 0xef}},
                   .counts = {keys, vals, 2}};
    karena a;
    karena_init(&a);
    static const char want[] =
        "{\"big\":9223372036854775807,\"small\":7,\"neg\":-9223372036854775808,\"i32\":-100,"
        "\"f0\":0.1,\"f1\":1e+16,\"f2\":-0.0,\"f3\":null,\"f4\":null,\"t\":true,\"fa\":false,"
        "\"esc\":\"tab\\there \\\"q\\\" \\\\ \\u0001\",\"none\":null,"
        "\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac\","
        "\"leaf\":{\"n\":42,\"a \\\"quoted\\\" and rather long key\":\"leaf\"},"
        "\"opt\":{\"x\":5},"
        "\"leaves\":[{\"n\":1,\"a \\\"quoted\\\" and rather long key\":\"one\"},"
        "{\"n\":-12345678901,\"a \\\"quoted\\\" and rather long key\":null},"
        "{\"n\":99,\"a \\\"quoted\\\" and rather long key\":\"a\\nb\"}],"
        "\"words\":[\"alpha\",null,\"a much longer word than sixteen bytes\"],"
        "\"no_words\":null,\"grid\":[[-2147483648,0,7],[2147483647],null],"
        "\"pairs\":[{\"a key longer than one chunk\":-1000,\"b\":true},"
        "{\"a key longer than one chunk\":12345,\"b\":false},"
        "{\"a key longer than one chunk\":-9223372036854775808,\"b\":true}],"
        "\"color\":\"blue\","
        "\"id\":\"12345678-9abc-def0-0123-456789abcdef\",\"counts\":{\"k\\\"1\":10,\"k2\":-10}}";
    for (unsigned ex = 0; ex < 2; ex++) { /* 0: the plan; KARAK_EXCLUDE_UNSET: the general */
        for (size_t initial = 1; initial <= 1024; initial *= 4) { /* growth at every point */
            kbuf b;
            kbuf_init(&b, &a, initial);
            kschema_encode(&b, cs, &all, ex);
            ck_assert_msg(!b.failed, "ex %u, initial %zu: failed", ex, initial);
            ck_assert_msg(b.len == sizeof want - 1 && memcmp(b.data, want, b.len) == 0,
                          "ex %u, initial %zu:\n%.*s\nwanted\n%s", ex, initial, (int)b.len,
                          b.data, want);
            karena_reset(&a);
        }
    }
    karena_free(&a);
    kschema_free(cs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("models");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, model_table);
    tcase_add_test(tc, fields_set_by_name);
    tcase_add_test(tc, plans_write_what_the_general_writer_writes);
    suite_add_tcase(s, tc);
    TCase *reg = tcase_create("registration");
    tcase_add_loop_test(reg, registration_errors, 0, (int)(sizeof bad_rows / sizeof *bad_rows));
    suite_add_tcase(s, reg);
    return run_suite(s);
}
