/* Black-box: examples/tutorial (FastAPI's tutorial ported route for route) on a free port,
 * a table of requests, valid and invalid, each compared with what the Python original
 * answers under FastAPI 0.141.1 / pydantic 2.13.4: the status, the headers that matter
 * (Content-Type, Allow, custom ones) and the body bytes.
 *
 * libkarak's documented deviations show in the expected headers: a 204 carries no
 * Content-Type (FastAPI sends application/json with no body), and a 405's Allow lists HEAD
 * beside GET (every GET route serves HEAD). */
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define HDRS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const wire_case rows[] = {
    {"GET", "/models/alexnet", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"model_name\":\"alexnet\",\"message\":\"Deep Learning FTW!\"}"},
    {"GET", "/models/lenet", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"model_name\":\"lenet\",\"message\":\"LeCNN all the images\"}"},
    {"GET", "/models/resnet", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"model_name\":\"resnet\",\"message\":\"Have some residuals\"}"},
    {"GET", "/models/foo", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"enum\",\"loc\":[\"path\",\"model_name\"],\"msg\":\"Input should be 'alexnet', 'resnet' or 'lenet'\",\"input\":\"foo\",\"ctx\":{\"expected\":\"'alexnet', 'resnet' or 'lenet'\"}}]}"},
    {"GET", "/files/home/johndoe/myfile.txt", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"file_path\":\"home/johndoe/myfile.txt\"}"},
    {"GET", "/files//etc/passwd", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"file_path\":\"/etc/passwd\"}"},
    {"GET", "/users/me", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"user_id\":\"the current user\"}"},
    {"GET", "/users/alice", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"user_id\":\"alice\"}"},
    {"GET", "/users/5/items/foo?q=hi&short=yes", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"item_id\":\"foo\",\"owner_id\":5,\"q\":\"hi\"}"},
    {"GET", "/users/5/items/foo", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"item_id\":\"foo\",\"owner_id\":5,\"description\":\"This is an amazing item that has a long description\"}"},
    {"GET", "/users/x/items/foo?short=maybe", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"user_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},{\"type\":\"bool_parsing\",\"loc\":[\"query\",\"short\"],\"msg\":\"Input should be a valid boolean, unable to interpret input\",\"input\":\"maybe\"}]}"},
    {"GET", "/items/", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"q\":null,\"skip\":0,\"limit\":10}"},
    {"GET", "/items/?q=a&q=b&skip=2&limit=5", NULL, NULL,
     200, HDRS("content-type", "application/json"),
     "{\"q\":[\"a\",\"b\"],\"skip\":2,\"limit\":5}"},
    {"GET", "/items/?skip=-1&limit=0", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"skip\"],\"msg\":\"Input should be greater than or equal to 0\",\"input\":\"-1\",\"ctx\":{\"ge\":0}},{\"type\":\"greater_than_equal\",\"loc\":[\"query\",\"limit\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\",\"ctx\":{\"ge\":1}}]}"},
    {"GET", "/items/?limit=101&skip=x", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"query\",\"skip\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"x\"},{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],\"msg\":\"Input should be less than or equal to 100\",\"input\":\"101\",\"ctx\":{\"le\":100}}]}"},
    {"GET", "/items/?q=0&q=1&q=2&q=3&q=4&q=5&q=6&q=7&q=8&q=9&q=10&q=11&q=12&q=13&q=14&q=15&q=16&q=17&q=18&q=19&q=20", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"too_long\",\"loc\":[\"query\",\"q\"],\"msg\":\"List should have at most 20 items after validation, not 21\",\"input\":[\"0\",\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\",\"10\",\"11\",\"12\",\"13\",\"14\",\"15\",\"16\",\"17\",\"18\",\"19\",\"20\"],\"ctx\":{\"field_type\":\"List\",\"max_length\":20,\"actual_length\":21}}]}"},
    {"PUT", "/items/5", NULL, "{\"name\":\"Foo\",\"price\":35.4,\"tax\":3.2,\"tags\":[\"a\",\"b\"],\"images\":[{\"url\":\"http://example.com/baz.jpg\",\"name\":\"The Foo live\"}]}",
     200, HDRS("content-type", "application/json"),
     "{\"item_id\":5,\"name\":\"Foo\",\"description\":null,\"price\":35.4,\"tax\":3.2,\"tags\":[\"a\",\"b\"],\"images\":[{\"url\":\"http://example.com/baz.jpg\",\"name\":\"The Foo live\"}]}"},
    {"PUT", "/items/5?q=abc", NULL, "{\"name\":\"Foo\",\"price\":1}",
     200, HDRS("content-type", "application/json"),
     "{\"item_id\":5,\"name\":\"Foo\",\"description\":null,\"price\":1.0,\"tax\":null,\"tags\":[],\"images\":null,\"q\":\"abc\"}"},
    {"PUT", "/items/0?q=ab", NULL, "{\"name\":\"\",\"price\":0,\"description\":null,\"tags\":[1],\"images\":[{\"url\":\"ftp://x\",\"name\":\"n\"}]}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"greater_than_equal\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":\"0\",\"ctx\":{\"ge\":1}},{\"type\":\"string_too_short\",\"loc\":[\"query\",\"q\"],\"msg\":\"String should have at least 3 characters\",\"input\":\"ab\",\"ctx\":{\"min_length\":3}},{\"type\":\"string_too_short\",\"loc\":[\"body\",\"name\"],\"msg\":\"String should have at least 1 character\",\"input\":\"\",\"ctx\":{\"min_length\":1}},{\"type\":\"greater_than\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be greater than 0\",\"input\":0,\"ctx\":{\"gt\":0.0}},{\"type\":\"string_type\",\"loc\":[\"body\",\"tags\",0],\"msg\":\"Input should be a valid string\",\"input\":1},{\"type\":\"string_pattern_mismatch\",\"loc\":[\"body\",\"images\",0,\"url\"],\"msg\":\"String should match pattern '^https?://[^ ]+$'\",\"input\":\"ftp://x\",\"ctx\":{\"pattern\":\"^https?://[^ ]+$\"}}]}"},
    {"PUT", "/items/1001", NULL, "",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be less than or equal to 1000\",\"input\":\"1001\",\"ctx\":{\"le\":1000}},{\"type\":\"missing\",\"loc\":[\"body\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"PUT", "/items/abc", NULL, "{\"name\":\"x\"}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_parsing\",\"loc\":[\"path\",\"item_id\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"abc\"},{\"type\":\"missing\",\"loc\":[\"body\",\"price\"],\"msg\":\"Field required\",\"input\":{\"name\":\"x\"}}]}"},
    {"POST", "/offers", NULL, "{\"name\":\"O\",\"price\":10,\"items\":[{\"name\":\"Foo\",\"price\":35.4,\"tax\":3.2,\"tags\":[\"a\",\"b\"],\"images\":[{\"url\":\"http://example.com/baz.jpg\",\"name\":\"The Foo live\"}]}]}",
     201, HDRS("content-type", "application/json"),
     "{\"name\":\"O\",\"description\":null,\"price\":10.0,\"items\":[{\"name\":\"Foo\",\"description\":null,\"price\":35.4,\"tax\":3.2,\"tags\":[\"a\",\"b\"],\"images\":[{\"url\":\"http://example.com/baz.jpg\",\"name\":\"The Foo live\"}]}]}"},
    {"POST", "/offers", NULL, "{\"name\":\"O\",\"price\":\"x\",\"items\":[]}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"float_parsing\",\"loc\":[\"body\",\"price\"],\"msg\":\"Input should be a valid number, unable to parse string as a number\",\"input\":\"x\"},{\"type\":\"too_short\",\"loc\":[\"body\",\"items\"],\"msg\":\"List should have at least 1 item after validation, not 0\",\"input\":[],\"ctx\":{\"field_type\":\"List\",\"min_length\":1,\"actual_length\":0}}]}"},
    {"POST", "/offers", NULL, "{\"name\":\"O\",\"price\":1,\"items\":[{\"name\":\"a\",\"price\":-1},{\"price\":2}]}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"greater_than\",\"loc\":[\"body\",\"items\",0,\"price\"],\"msg\":\"Input should be greater than 0\",\"input\":-1,\"ctx\":{\"gt\":0.0}},{\"type\":\"missing\",\"loc\":[\"body\",\"items\",1,\"name\"],\"msg\":\"Field required\",\"input\":{\"price\":2}}]}"},
    {"POST", "/events", NULL, "{\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\",\"title\":\"Standup\",\"start\":\"2024-01-15T10:30:00Z\"}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\",\"title\":\"Standup\",\"start\":\"2024-01-15T10:30:00Z\",\"kind\":\"meeting\",\"attendees\":{},\"quantity\":1}"},
    {"POST", "/events", NULL, "{\"id\":\"3FA85F64-5717-4562-B3FC-2C963F66AFA6\",\"title\":\"T\",\"start\":\"2024-01-15 10:30:00.5+02:00\",\"kind\":\"call\",\"attendees\":{\"ann\":2,\"bob\":\"3\"},\"quantity\":3}",
     200, HDRS("content-type", "application/json"),
     "{\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\",\"title\":\"T\",\"start\":\"2024-01-15T10:30:00.500000+02:00\",\"kind\":\"call\",\"attendees\":{\"ann\":2,\"bob\":3},\"quantity\":3}"},
    {"POST", "/events", NULL, "{\"id\":\"not-a-uuid\",\"title\":5,\"start\":\"2024-13-01\",\"kind\":\"party\",\"attendees\":{\"x\":\"y\"},\"quantity\":0}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":[\"body\",\"id\"],\"msg\":\"Input should be a valid UUID, invalid character: found `n` at 1\",\"input\":\"not-a-uuid\",\"ctx\":{\"error\":\"invalid character: found `n` at 1\"}},{\"type\":\"string_type\",\"loc\":[\"body\",\"title\"],\"msg\":\"Input should be a valid string\",\"input\":5},{\"type\":\"datetime_from_date_parsing\",\"loc\":[\"body\",\"start\"],\"msg\":\"Input should be a valid datetime or date, month value is outside expected range of 1-12\",\"input\":\"2024-13-01\",\"ctx\":{\"error\":\"month value is outside expected range of 1-12\"}},{\"type\":\"literal_error\",\"loc\":[\"body\",\"kind\"],\"msg\":\"Input should be 'meeting' or 'call'\",\"input\":\"party\",\"ctx\":{\"expected\":\"'meeting' or 'call'\"}},{\"type\":\"int_parsing\",\"loc\":[\"body\",\"attendees\",\"x\"],\"msg\":\"Input should be a valid integer, unable to parse string as an integer\",\"input\":\"y\"},{\"type\":\"greater_than_equal\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input should be greater than or equal to 1\",\"input\":0,\"ctx\":{\"ge\":1}}]}"},
    {"POST", "/events", NULL, "{\"id\":\"3fa85f64-5717-4562-b3fc-2c963f66afa6\",\"title\":\"T\",\"start\":\"2024-01-15T10:30:00\",\"quantity\":2.5}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"int_from_float\",\"loc\":[\"body\",\"quantity\"],\"msg\":\"Input should be a valid integer, got a number with a fractional part\",\"input\":2.5}]}"},
    {"POST", "/events", NULL, "{\"id\":12,\"title\":\"T\",\"start\":true}",
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"uuid_type\",\"loc\":[\"body\",\"id\"],\"msg\":\"UUID input should be a string, bytes or UUID object\",\"input\":12},{\"type\":\"datetime_type\",\"loc\":[\"body\",\"start\"],\"msg\":\"Input should be a valid datetime\",\"input\":true}]}"},
    {"DELETE", "/events/3fa85f64-5717-4562-b3fc-2c963f66afa6", NULL, NULL,
     204, NULL,
     ""},
    {"DELETE", "/events/123", NULL, NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"uuid_parsing\",\"loc\":[\"path\",\"event_id\"],\"msg\":\"Input should be a valid UUID, invalid length: expected length 32 for simple format, found 3\",\"input\":\"123\",\"ctx\":{\"error\":\"invalid length: expected length 32 for simple format, found 3\"}}]}"},
    {"GET", "/headers", HDRS("User-Agent", "testclient"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"User-Agent\":\"testclient\",\"X-Token values\":null,\"ads_id\":null}"},
    {"GET", "/headers", HDRS("User-Agent", "curl/8", "X-Token", "foo", "X-Token", "bar,baz", "Cookie", "ads_id=abc; other=1"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"User-Agent\":\"curl/8\",\"X-Token values\":[\"foo\",\"bar,baz\"],\"ads_id\":\"abc\"}"},
    {"GET", "/required-header", HDRS("User-Agent", "testclient"), NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"header\",\"x-key\"],\"msg\":\"Field required\",\"input\":null},{\"type\":\"missing\",\"loc\":[\"cookie\",\"session\"],\"msg\":\"Field required\",\"input\":null}]}"},
    {"GET", "/required-header", HDRS("X-Key", "abc", "Cookie", "session=s1", "User-Agent", "testclient"), NULL,
     422, HDRS("content-type", "application/json"),
     "{\"detail\":[{\"type\":\"string_too_short\",\"loc\":[\"header\",\"x-key\"],\"msg\":\"String should have at least 4 characters\",\"input\":\"abc\",\"ctx\":{\"min_length\":4}}]}"},
    {"GET", "/required-header", HDRS("X-Key", "abcd", "Cookie", "session=s1", "User-Agent", "testclient"), NULL,
     200, HDRS("content-type", "application/json"),
     "{\"x_key\":\"abcd\",\"session\":\"s1\"}"},
    {"GET", "/items-header/foo", NULL, NULL,
     200, HDRS("content-type", "application/json", "x-served-by", "tutorial"),
     "{\"item\":\"The Foo Wrestlers\"}"},
    {"GET", "/items-header/bar", NULL, NULL,
     404, HDRS("x-error", "There goes my error", "content-type", "application/json"),
     "{\"detail\":\"Item not found\"}"},
    {"GET", "/nope", NULL, NULL,
     404, HDRS("content-type", "application/json"),
     "{\"detail\":\"Not Found\"}"},
    {"POST", "/models/alexnet", NULL, NULL,
     405, HDRS("allow", "GET, HEAD", "content-type", "application/json"),
     "{\"detail\":\"Method Not Allowed\"}"},
};

START_TEST(tutorial_table)
{
    example_proc p = example_start(TUTORIAL_BIN);
    wire_expect_table(p.port, rows, sizeof rows / sizeof *rows);
    ck_assert_int_eq(example_stop(&p), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tutorial");
    TCase *tc = tcase_create("table");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, tutorial_table);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
