/* Schema validation through the dispatch core: JSON bodies and query parameters, lax
 * coercion, constraints, defaults, optional fields, and the exact 422 bodies pydantic v2 /
 * FastAPI give for them (each row checked against FastAPI 0.141 + pydantic 2.13; libkarak's
 * own rulings are in docs/semantics.md). Data-driven: one row per behaviour. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

typedef struct {
    const char *name;
    double price;
    int64_t quantity;
    bool active;
    int32_t small;
    const char *nick;
    double tax;
    bool has_tax;
} Thing;

static const karak_field thing_fields[] = {
    KARAK_FIELD(Thing, name, KARAK_STR, .min_len = 2, .max_len = 5),
    KARAK_FIELD(Thing, price, KARAK_F64, KARAK_GT(0)),
    KARAK_FIELD(Thing, quantity, KARAK_I64, .dflt = "1", KARAK_LE(100)),
    KARAK_FIELD(Thing, active, KARAK_BOOL, .dflt = "false"),
    KARAK_FIELD(Thing, small, KARAK_I32, .dflt = "0"),
    KARAK_FIELD(Thing, nick, KARAK_STR, .optional = true),
    KARAK_FIELD_OPT(Thing, tax, has_tax, KARAK_F64, KARAK_GE(1.5)),
    KARAK_FIELDS_END,
};
static const karak_schema thing_schema = KARAK_SCHEMA(Thing, thing_fields);

typedef struct {
    int64_t limit;
    const char *q;
    bool flag;
    double ratio;
} Page;

static const karak_field page_fields[] = {
    KARAK_FIELD(Page, limit, KARAK_I64, .dflt = "10", KARAK_LE(100)),
    KARAK_FIELD(Page, q, KARAK_STR, .optional = true),
    KARAK_FIELD(Page, flag, KARAK_BOOL, .dflt = "false"),
    KARAK_FIELD(Page, ratio, KARAK_F64, .dflt = "1.5"),
    KARAK_FIELDS_END,
};
static const karak_schema page_schema = KARAK_SCHEMA(Page, page_fields);

typedef struct {
    int64_t n;
} Required;

static const karak_field required_fields[] = {
    KARAK_FIELD(Required, n, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema required_schema = KARAK_SCHEMA(Required, required_fields);

static karak_result echo_thing(karak_ctx *c)
{
    return karak_resp_model(c, &thing_schema, karak_body(c));
}

static karak_result echo_page(karak_ctx *c)
{
    return karak_resp_model(c, &page_schema, karak_query(c));
}

static karak_result echo_required(karak_ctx *c)
{
    return karak_resp_model(c, &required_schema, karak_query(c));
}

static karak_result item_with_query(karak_ctx *c)
{
    const Page *p = karak_query(c);
    return karak_resp_json_new(c, json_pack("{s:I,s:I}", "id", (json_int_t)karak_path_i64(c, "id"),
                                       "limit", (json_int_t)p->limit));
}

static karak_app *app;
static karak_client *client;
static karak_server *server;
static unsigned port;

/* One app, its in-process client and a server of the same app on a free port, for each test
 * (not each row): the tables below send every row both ways (both_* in testutil.h). */
static void setup(void)
{
    app = karak_new();
    ck_assert_int_eq(karak_post(app, "/things", echo_thing, .body = &thing_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/q", echo_page, .query = &page_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/r", echo_required, .query = &required_schema), KARAK_OK);
    ck_assert_int_eq(karak_get(app, "/items/{id:int}", item_with_query, .query = &page_schema),
                     KARAK_OK);
    client = test_client_open(app);
    test_serve(app, &server, &port);
}

static void teardown(void)
{
    test_fixture_close(&app, &client, &server);
}

#define DEFAULTS "\"quantity\":1,\"active\":false,\"small\":0,\"nick\":null,\"tax\":null"
#define MSG_INT "Input should be a valid integer, unable to parse string as an integer"
#define MSG_FLOAT "Input should be a valid number, unable to parse string as a number"

typedef struct body_case {
    const char *json;
    int status;
    const char *expect;
} body_case;

static const body_case body_cases[] = {
    /* valid, defaults, lax coercion */
    {"{\"name\":\"ab\",\"price\":1}", 200,
     "{\"name\":\"ab\",\"price\":1.0," DEFAULTS "}"},
    {"{\"name\":\"ab\",\"price\":9.99}", 200, "{\"name\":\"ab\",\"price\":9.99," DEFAULTS "}"},
    {"{\"name\":\"ab\",\"price\":\"5\"}", 200, "{\"name\":\"ab\",\"price\":5.0," DEFAULTS "}"},
    {"{\"name\":\"ab\",\"price\":true}", 200, "{\"name\":\"ab\",\"price\":1.0," DEFAULTS "}"},
    {"{\"name\":\"h\xc3\xa9llo\",\"price\":1e2}", 200,
     "{\"name\":\"h\xc3\xa9llo\",\"price\":100.0," DEFAULTS "}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":5.0,\"active\":\"yes\",\"small\":-7}", 200,
     "{\"name\":\"ab\",\"price\":1.0,\"quantity\":5,\"active\":true,\"small\":-7,\"nick\":null,"
     "\"tax\":null}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":\"5.0\",\"active\":1}", 200,
     "{\"name\":\"ab\",\"price\":1.0,\"quantity\":5,\"active\":true,\"small\":0,\"nick\":null,"
     "\"tax\":null}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":true,\"active\":\"OFF\",\"nick\":\"x\","
     "\"tax\":2,\"extra\":[1]}",
     200,
     "{\"name\":\"ab\",\"price\":1.0,\"quantity\":1,\"active\":false,\"small\":0,\"nick\":\"x\","
     "\"tax\":2.0}"},
    {"{\"name\":\"ab\",\"price\":1,\"nick\":null,\"tax\":null}", 200,
     "{\"name\":\"ab\",\"price\":1.0," DEFAULTS "}"},
    {"\xef\xbb\xbf{\"name\":\"ab\",\"price\":2}", 200,
     "{\"name\":\"ab\",\"price\":2.0," DEFAULTS "}"},
    {"{\"name\":\"x\",\"name\":\"ab\",\"price\":3}", 200,
     "{\"name\":\"ab\",\"price\":3.0," DEFAULTS "}"},
    /* missing fields: input is the whole object */
    {"{}", 422,
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"name\"],\"msg\":\"Field required\","
     "\"input\":{}},{\"type\":\"missing\",\"loc\":[\"body\",\"price\"],\"msg\":\"Field "
     "required\",\"input\":{}}]}"},
    {"{\"name\":\"Foo\"}", 422,
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"price\"],\"msg\":\"Field "
     "required\",\"input\":{\"name\":\"Foo\"}}]}"},
    /* ints */
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":5.5}", 422,
     "{\"detail\":[{\"type\":\"int_from_float\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input "
     "should be a valid integer, got a number with a fractional part\",\"input\":5.5}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":1e20}", 422,
     "{\"detail\":[{\"type\":\"int_parsing_size\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Unable "
     "to parse input string as an integer, exceeded maximum size\",\"input\":1e+20}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":101}", 422,
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input "
     "should be less than or equal to 100\",\"input\":101,\"ctx\":{\"le\":100}}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":99999999999999999999}", 422,
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input "
     "should be less than or equal to 100\",\"input\":99999999999999999999,\"ctx\":{\"le\":100}}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"small\":3000000000}", 422,
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"body\",\"small\"],\"msg\":\"Input "
     "should be less than or equal to 2147483647\",\"input\":3000000000,\"ctx\":{\"le\":"
     "2147483647}}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"small\":\"-3000000000\"}", 422,
     "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"small\"],\"msg\":\"Input "
     "should be greater than or equal to -2147483648\",\"input\":\"-3000000000\",\"ctx\":{\"ge\":"
     "-2147483648}}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":null}", 422,
     "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input should "
     "be a valid integer\",\"input\":null}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":[1]}", 422,
     "{\"detail\":[{\"type\":\"int_type\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input should "
     "be a valid integer\",\"input\":[1]}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"quantity\":\"abc\"}", 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"abc\"}]}"},
    /* floats */
    {"{\"name\":\"ab\",\"price\":0}", 422,
     "{\"detail\":[{\"type\":\"greater_than\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should "
     "be greater than 0\",\"input\":0,\"ctx\":{\"gt\":0.0}}]}"},
    {"{\"name\":\"ab\",\"price\":null}", 422,
     "{\"detail\":[{\"type\":\"float_type\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be "
     "a valid number\",\"input\":null}]}"},
    {"{\"name\":\"ab\",\"price\":\"x\"}", 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"body\",\"price\"],\"msg\":\"" MSG_FLOAT
     "\",\"input\":\"x\"}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"tax\":1.0}", 422,
     "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"tax\"],\"msg\":\"Input "
     "should be greater than or equal to 1.5\",\"input\":1.0,\"ctx\":{\"ge\":1.5}}]}"},
    /* strings */
    {"{\"name\":5,\"price\":1}", 422,
     "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should be "
     "a valid string\",\"input\":5}]}"},
    {"{\"name\":\"a\",\"price\":1}", 422,
     "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"body\",\"name\"],\"msg\":\"String "
     "should have at least 2 characters\",\"input\":\"a\",\"ctx\":{\"min_length\":2}}]}"},
    {"{\"name\":\"abcdef\",\"price\":1}", 422,
     "{\"detail\":[{\"type\":\"string_too_long\",\"loc\":[\"body\",\"name\"],\"msg\":\"String "
     "should have at most 5 characters\",\"input\":\"abcdef\",\"ctx\":{\"max_length\":5}}]}"},
    /* bools */
    {"{\"name\":\"ab\",\"price\":1,\"active\":2}", 422,
     "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"active\"],\"msg\":\"Input "
     "should be a valid boolean, unable to interpret input\",\"input\":2}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"active\":\"maybe\"}", 422,
     "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"body\",\"active\"],\"msg\":\"Input "
     "should be a valid boolean, unable to interpret input\",\"input\":\"maybe\"}]}"},
    {"{\"name\":\"ab\",\"price\":1,\"active\":0.5}", 422,
     "{\"detail\":[{\"type\":\"bool_type\",\"loc\":[\"body\",\"active\"],\"msg\":\"Input should "
     "be a valid boolean\",\"input\":0.5}]}"},
    /* all errors, in field order */
    {"{\"name\":[],\"price\":-1,\"quantity\":\"1.5\",\"active\":null}", 422,
     "{\"detail\":[{\"type\":\"string_type\",\"loc\":[\"body\",\"name\"],\"msg\":\"Input should "
     "be a valid string\",\"input\":[]},{\"type\":\"greater_than\",\"loc\":[\"body\",\"price\"],"
     "\"msg\":\"Input should be greater than 0\",\"input\":-1,\"ctx\":{\"gt\":0.0}},{\"type\":"
     "\"int_parsing\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"" MSG_INT "\",\"input\":\"1.5\"},"
     "{\"type\":\"bool_type\",\"loc\":[\"body\",\"active\"],\"msg\":\"Input should be a valid "
     "boolean\",\"input\":null}]}"},
    /* the body as a whole */
    {"[1,2]", 422,
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should "
     "be a valid dictionary or object to extract fields from\",\"input\":[1,2]}]}"},
    {"5", 422,
     "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input should "
     "be a valid dictionary or object to extract fields from\",\"input\":5}]}"},
    {"null", 422,
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\","
     "\"input\":null}]}"},
    {"   ", 422,
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",3],\"msg\":\"JSON decode "
     "error\",\"input\":{},\"ctx\":{\"error\":\"Expecting value\"}}]}"},
    {"{some broken json}", 422,
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",1],\"msg\":\"JSON decode "
     "error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double "
     "quotes\"}}]}"},
    {"{\"\xc3\xa9\":1,}", 422,
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",7],\"msg\":\"JSON decode "
     "error\",\"input\":{},\"ctx\":{\"error\":\"Expecting property name enclosed in double "
     "quotes\"}}]}"},
    {"{\"name\":\"ab\",\"price\":NaN}", 422,
     "{\"detail\":[{\"type\":\"json_invalid\",\"loc\":[\"body\",21],\"msg\":\"JSON decode "
     "error\",\"input\":{},\"ctx\":{\"error\":\"Expecting value\"}}]}"},
    /* undecodable bodies */
    {"{\"name\":\"\xff\",\"price\":1}", 400, "{\"detail\":\"There was an error parsing the body\"}"},
    {"{\"name\":\"\\ud800\",\"price\":1}", 400,
     "{\"detail\":\"There was an error parsing the body\"}"},
};

START_TEST(body_table)
{
    for (size_t i = 0; i < sizeof body_cases / sizeof *body_cases; i++) {
        const body_case *bc = &body_cases[i];
        char where[32];
        snprintf(where, sizeof where, "body_cases[%zu]", i);
        karak_reply *r = both_request_at(where, client, port, "POST", "/things",
                                         &(const karak_request_opts){.json = bc->json,
                                                                     KARAK_REQUEST_END_});
        expect_response(r, bc->status, bc->expect, bc->json);
    }
}
END_TEST

START_TEST(body_empty_and_content_types)
{
    static const char *const text_plain[] = {"Content-Type", "text/plain", NULL};
    static const char *const json_ct[] = {"Content-Type", "APPLICATION/JSON ; charset=utf-8",
                                          NULL};
    static const char *const vnd_json[] = {"Content-Type", "application/vnd.api+json", NULL};
    EXPECT(both_post(client, port, "/things"), 422,
           "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\","
           "\"input\":null}]}");
    EXPECT(both_post(client, port, "/things", .body = "name=Foo&price=1",
                     .headers = text_plain),
           422,
           "{\"detail\":[{\"type\":\"model_attributes_type\",\"loc\":[\"body\"],\"msg\":\"Input "
           "should be a valid dictionary or object to extract fields from\",\"input\":\"name=Foo&"
           "price=1\"}]}");
    EXPECT(both_post(client, port, "/things", .body = "{\"name\":\"ab\",\"price\":2}"), 422,
           NULL);
    EXPECT(both_post(client, port, "/things", .body = "{\"name\":\"ab\",\"price\":2}",
                     .headers = json_ct),
           200, "{\"name\":\"ab\",\"price\":2.0," DEFAULTS "}");
    EXPECT(both_post(client, port, "/things", .body = "{\"name\":\"ab\",\"price\":2}",
                     .headers = vnd_json),
           200, "{\"name\":\"ab\",\"price\":2.0," DEFAULTS "}");
}
END_TEST

typedef struct query_case {
    const char *target;
    int status;
    const char *expect;
} query_case;

static const query_case query_cases[] = {
    {"/q", 200, "{\"limit\":10,\"q\":null,\"flag\":false,\"ratio\":1.5}"},
    {"/q?limit=7&q=hello+world%21&flag=on&ratio=.5", 200,
     "{\"limit\":7,\"q\":\"hello world!\",\"flag\":true,\"ratio\":0.5}"},
    {"/q?limit=1&limit=2", 200, "{\"limit\":2,\"q\":null,\"flag\":false,\"ratio\":1.5}"},
    {"/q?limit=%205&ratio=1_000.5&q", 200,
     "{\"limit\":5,\"q\":\"\",\"flag\":false,\"ratio\":1000.5}"},
    {"/q?limit=+5.00&q=h%C3%A9", 200,
     "{\"limit\":5,\"q\":\"h\xc3\xa9\",\"flag\":false,\"ratio\":1.5}"},
    {"/q?ratio=inf", 200, "{\"limit\":10,\"q\":null,\"flag\":false,\"ratio\":null}"},
    /* %00 is data, not an end: neither a name "ratio\0zzz" nor a value "2.5\0junk" is 2.5 */
    {"/q?ratio%00zzz=2.5", 200, "{\"limit\":10,\"q\":null,\"flag\":false,\"ratio\":1.5}"},
    {"/q?ratio=2.5%00junk", 422,
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"query\",\"ratio\"],\"msg\":\"" MSG_FLOAT
     "\",\"input\":\"2.5\\u0000junk\"}]}"},
    {"/q?limit=abc", 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"abc\"}]}"},
    {"/q?limit=", 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"\"}]}"},
    {"/q?limit=200", 422,
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],\"msg\":\"Input "
     "should be less than or equal to 100\",\"input\":\"200\",\"ctx\":{\"le\":100}}]}"},
    {"/q?flag=2&ratio=0x10", 422,
     "{\"detail\":[{\"type\":\"bool_parsing\",\"loc\":[\"query\",\"flag\"],\"msg\":\"Input should "
     "be a valid boolean, unable to interpret input\",\"input\":\"2\"},{\"type\":\"float_parsing\","
     "\"loc\":[\"query\",\"ratio\"],\"msg\":\"" MSG_FLOAT "\",\"input\":\"0x10\"}]}"},
    {"/r", 422,
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"query\",\"n\"],\"msg\":\"Field required\","
     "\"input\":null}]}"},
    {"/r?n=1_000", 200, "{\"n\":1000}"},
    {"/r?n=_1", 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"n\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"_1\"}]}"},
    {"/r?n=99999999999999999999", 422,
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"n\"],\"msg\":\"Input should "
     "be less than or equal to 9223372036854775807\",\"input\":\"99999999999999999999\",\"ctx\":"
     "{\"le\":9223372036854775807}}]}"},
    /* path errors come before query errors */
    {"/items/x?limit=y", 422,
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"id\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"x\"},{\"type\":\"int_parsing\",\"loc\":[\"query\",\"limit\"],\"msg\":\"" MSG_INT
     "\",\"input\":\"y\"}]}"},
    {"/items/3?limit=4", 200, "{\"id\":3,\"limit\":4}"},
};

START_TEST(query_table)
{
    for (size_t i = 0; i < sizeof query_cases / sizeof *query_cases; i++) {
        const query_case *qc = &query_cases[i];
        expect_response(both_get(client, port, qc->target), qc->status, qc->expect, qc->target);
    }
}
END_TEST

START_TEST(long_numerals_are_numbers)
{
    /* "1" and 300 zeros: a legal float literal far longer than any fixed buffer */
    char target[400] = "/q?ratio=1";
    memset(target + strlen(target), '0', 300);
    EXPECT(both_get(client, port, target), 200,
           "{\"limit\":10,\"q\":null,\"flag\":false,\"ratio\":1e+300}");
    char body[400] = "{\"name\":\"ab\",\"price\":\"0.";
    memset(body + strlen(body), '0', 300);
    strcat(body, "1\"}");
    EXPECT(both_post(client, port, "/things", .json = body), 200,
           "{\"name\":\"ab\",\"price\":1e-301," DEFAULTS "}");
}
END_TEST

/* ---- registration-time errors name the route and the field ---- */

typedef struct {
    int64_t a;
    double b;
    bool has_b;
    const char *s;
} Bad;

static karak_result noop(karak_ctx *c)
{
    return karak_resp_empty(c);
}

/* KARAK_FIELD refuses this at compile time (tests/compile_fail); a table written by hand
 * still meets the size check at registration. */
static const karak_field bad_size[] = {
    {.name = "a", .offset = offsetof(Bad, a), .size = sizeof(int64_t), .type = KARAK_I32},
    KARAK_FIELDS_END};
static const karak_field bad_default[] = {KARAK_FIELD(Bad, a, KARAK_I64, .dflt = "abc"),
                                          KARAK_FIELDS_END};
static const karak_field bad_default_bound[] = {
    KARAK_FIELD(Bad, a, KARAK_I64, .dflt = "5", KARAK_GT(10)), KARAK_FIELDS_END};
static const karak_field bad_optional[] = {KARAK_FIELD(Bad, b, KARAK_F64, .optional = true),
                                           KARAK_FIELDS_END};
static const karak_field bad_duplicate[] = {KARAK_FIELD(Bad, a, KARAK_I64),
                                            KARAK_FIELD(Bad, b, KARAK_F64, .alias = "a"),
                                            KARAK_FIELDS_END};
static const karak_field bad_len[] = {KARAK_FIELD(Bad, a, KARAK_I64, .max_len = 3),
                                      KARAK_FIELDS_END};
static const karak_field bad_int_bound[] = {KARAK_FIELD(Bad, a, KARAK_I64, KARAK_GT(0.5)),
                                            KARAK_FIELDS_END};
static const karak_field bad_min_max[] = {KARAK_FIELD(Bad, s, KARAK_STR, .min_len = 4,
                                                      .max_len = 2),
                                          KARAK_FIELDS_END};

static const struct {
    const karak_field *fields;
    const char *message;
} schema_errors[] = {
    {bad_size, "route POST /bad: schema Bad, field 'a': member size does not match the field "
               "type"},
    {bad_default, "route POST /bad: schema Bad, field 'a': default does not parse as the "
                  "field's type"},
    {bad_default_bound, "route POST /bad: schema Bad, field 'a': default violates the field's "
                        "constraints"},
    {bad_optional, "route POST /bad: schema Bad, field 'b': an optional field of this type "
                   "needs a presence flag (KARAK_FIELD_OPT)"},
    {bad_duplicate, "route POST /bad: schema Bad, field 'a': duplicate field name"},
    {bad_len, "route POST /bad: schema Bad, field 'a': min_len/max_len on a field that is not "
              "a string or a list"},
    {bad_int_bound, "route POST /bad: schema Bad, field 'a': bounds of an integer field must be "
                    "integers of at most 2^53"},
    {bad_min_max, "route POST /bad: schema Bad, field 's': min_len is greater than max_len"},
};

START_TEST(schema_registration_errors)
{
    const karak_schema bad = {.name = "Bad", .size = sizeof(Bad),
                              .fields = schema_errors[_i].fields};
    karak_app *a = karak_new();
    ck_assert_int_eq(karak_post(a, "/bad", noop, .body = &bad), KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(a), schema_errors[_i].message);
    ck_assert_ptr_null(karak_client_new(a)); /* a broken app does not serve */
    karak_app_free(a);
}
END_TEST

/* ---- structs that grow: code compiled against an older or newer header ---- */

typedef struct {
    int64_t n;
} Count;

static karak_result echo_count(karak_ctx *c)
{
    const Count *q = karak_query(c);
    return karak_resp_json_new(c, json_pack("{s:I}", "n", (json_int_t)q->n));
}

/* A route options struct as an older header had it: the first members only. */
typedef struct {
    int status;
    const void *body;
    const karak_schema *query;
} old_route_opts;

/* A field table entry as a newer header could have it: this version's, then more. */
typedef struct {
    karak_field now;
    int64_t newer;
} newer_field;

START_TEST(older_and_newer_structs)
{
    static const karak_field count_fields[] = {KARAK_FIELD(Count, n, KARAK_I64, .dflt = "3"),
                                               KARAK_FIELDS_END};
    static const karak_schema count = KARAK_SCHEMA(Count, count_fields);
    karak_app *a = karak_new();

    /* older, shorter options: read up to their size, the rest is default */
    old_route_opts old = {.status = 201, .query = &count};
    karak_route_opts as_given;
    memcpy(&as_given, &old, sizeof old); /* what a caller's pointer would point at */
    as_given.struct_size = sizeof old;
    ck_assert_int_eq(karak_route_add(a, "GET", "/old", echo_count, "old", &as_given), KARAK_OK);

    /* newer, longer options whose extra member is set: refused, not silently ignored */
    struct {
        karak_route_opts now;
        int64_t newer;
    } newer = {.now = {.query = &count, .struct_size = sizeof newer}, .newer = 7};
    ck_assert_int_eq(karak_route_add(a, "GET", "/newer", echo_count, "newer", &newer.now),
                     KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(a), "route GET /newer: options unknown to libkarak "
                                         KARAK_VERSION_STRING);

    /* newer options whose extra members are zero: fine */
    karak_app *b = karak_new();
    newer.newer = 0;
    ck_assert_int_eq(karak_route_add(b, "GET", "/newer", echo_count, "newer", &newer.now),
                     KARAK_OK);
    karak_client *cl = karak_client_new(b);
    EXPECT(karak_client_get(cl, "/newer?n=5"), 200, "{\"n\":5}");
    karak_client_free(cl);
    karak_app_free(b);

    /* a field table entry with an unknown member set */
    static const newer_field nf[] = {
        {.now = KARAK_FIELD(Count, n, KARAK_I64), .newer = 1},
        {.now = KARAK_FIELDS_END},
    };
    static const karak_schema newer_schema = {.name = "Count", .size = sizeof(Count),
                                              .fields = &nf[0].now,
                                              .field_size = sizeof(newer_field)};
    karak_app *c = karak_new();
    ck_assert_int_eq(karak_get(c, "/f", echo_count, .query = &newer_schema), KARAK_EINVAL);
    ck_assert_str_eq(karak_app_error(c), "route GET /f: schema Count, field 'n': uses options "
                                         "unknown to libkarak " KARAK_VERSION_STRING);
    karak_app_free(c);

    /* app options: the same rule */
    struct {
        karak_app_opts now;
        int64_t newer;
    } app_newer = {.now = {.struct_size = sizeof app_newer}, .newer = 1};
    ck_assert_ptr_null(karak_app_new(&app_newer.now));

    /* the old route serves with what it declared */
    karak_app *d = karak_new();
    ck_assert_int_eq(karak_route_add(d, "GET", "/old", echo_count, "old", &as_given), KARAK_OK);
    cl = karak_client_new(d);
    EXPECT(karak_client_get(cl, "/old"), 201, "{\"n\":3}");
    karak_client_free(cl);
    karak_app_free(d);
    karak_app_free(a);
}
END_TEST

static Suite *schema_suite(void)
{
    Suite *s = suite_create("schema");
    TCase *tc = tcase_create("validation");
    tcase_add_checked_fixture(tc, setup, teardown);
    /* each table is one test, its rows in a loop: one server per test, not per row */
    tcase_add_test(tc, body_table);
    tcase_add_test(tc, body_empty_and_content_types);
    tcase_add_test(tc, query_table);
    tcase_add_test(tc, long_numerals_are_numbers);
    suite_add_tcase(s, tc);
    TCase *reg = tcase_create("registration");
    tcase_add_test(reg, older_and_newer_structs);
    tcase_add_loop_test(reg, schema_registration_errors, 0,
                        (int)(sizeof schema_errors / sizeof *schema_errors));
    suite_add_tcase(s, reg);
    return s;
}

int main(void)
{
    return run_suite(schema_suite());
}
