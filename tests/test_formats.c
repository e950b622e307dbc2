/* Unit tests of lib/util/formats.h: UUIDs, dates and datetimes read as pydantic validates
 * them (lax mode, from a string or a JSON number) and written as pydantic serializes them.
 *
 * Every row of the tables below was checked against pydantic 2.13.4 (pydantic-core 2.46.4,
 * which parses UUIDs with the uuid crate 1.23.0 and dates with speedate 0.17.0):
 *     TypeAdapter(UUID | datetime | date).validate_python(value)
 *     -> e.errors(include_url=False)[0]: type, ctx["error"]; msg == prefix + ctx["error"]
 *     -> on success TypeAdapter(...).dump_json(result) (the response-model form)
 * and the format rows against dump_json() and datetime.isoformat(). FastAPI 0.141.1 gives
 * the same through a route: a JSON body is validated in Python mode (so JSON numbers are
 * Python ints and floats), query/path/header values as strings.
 * The one row that is not pydantic's (a UUID that is not UTF-8, which a Python str cannot
 * be) says so. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/formats.h"
#include "testutil.h"

#define N_ELEMS(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* A string literal and its length (embedded NULs count). */
#define S(lit) lit, sizeof(lit) - 1
/* What a row expects: the text written back, or the error type and its ctx.error. */
#define OK(lit) NULL, lit, sizeof(lit) - 1
#define ERR(type, lit) type, lit, sizeof(lit) - 1

#define UUID_P "uuid_parsing"
#define DT_P "datetime_parsing"
#define DT_FROM_D "datetime_from_date_parsing"
#define D_P "date_parsing"
#define D_FROM_DT "date_from_datetime_parsing"
#define D_INEXACT "date_from_datetime_inexact"

typedef struct str_row {
    const char *in;
    size_t n;
    const char *type; /* NULL: valid */
    const char *want;
    size_t want_n;
} str_row;

typedef struct int_row {
    int64_t in;
    const char *type;
    const char *want;
    size_t want_n;
} int_row;

typedef struct double_row {
    double in;
    const char *type;
    const char *want;
    size_t want_n;
} double_row;

typedef struct format_row {
    karak_datetime dt;
    const char *pydantic;
    const char *isoformat;
} format_row;

/* pydantic's message of each error type: prefix + ctx.error (inexact: no ctx). */
static const struct {
    const char *type, *prefix;
} prefixes[] = {
    {UUID_P, "Input should be a valid UUID, "},
    {DT_P, "Input should be a valid datetime, "},
    {DT_FROM_D, "Input should be a valid datetime or date, "},
    {D_P, "Input should be a valid date in the format YYYY-MM-DD, "},
    {D_FROM_DT, "Input should be a valid date or datetime, "},
    {D_INEXACT, "Datetimes provided to dates should have zero time - e.g. be exact dates"},
};

/* ---- UUIDs (uuid crate 1.23 via pydantic) ---- */

static const str_row uuid_rows[] = {
    {S("x"), ERR(UUID_P, "invalid character: found `x` at 1")},
    {S(""), ERR(UUID_P, "invalid length: expected length 32 for simple format, found 0")},
    {S("abc"), ERR(UUID_P, "invalid length: expected length 32 for simple format, found 3")},
    {S("550e8400e29b41d4a716446655440000"), OK("550e8400-e29b-41d4-a716-446655440000")},
    {S("550E8400E29B41D4A716446655440000"), OK("550e8400-e29b-41d4-a716-446655440000")},
    {S("550e8400-e29b-41d4-a716-446655440000"), OK("550e8400-e29b-41d4-a716-446655440000")},
    {S("{550e8400-e29b-41d4-a716-446655440000}"), OK("550e8400-e29b-41d4-a716-446655440000")},
    {S("{550e8400e29b41d4a716446655440000}"),
     ERR(UUID_P, "invalid group count: expected 5, found 1")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-446655440000"),
     OK("550e8400-e29b-41d4-a716-446655440000")},
    {S("URN:UUID:550e8400-e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid character: found `U` at 1")},
    {S("urn:uuid:550e8400e29b41d4a716446655440000"),
     ERR(UUID_P, "invalid group count: expected 5, found 1")},
    {S("urn:uuid:{550e8400-e29b-41d4-a716-446655440000}"),
     ERR(UUID_P, "invalid character: found `{` at 10")},
    {S("00000000-0000-0000-0000-000000000000"), OK("00000000-0000-0000-0000-000000000000")},
    {S("ffffffff-ffff-ffff-ffff-ffffffffffff"), OK("ffffffff-ffff-ffff-ffff-ffffffffffff")},
    {S("550e8400-e29b-41d4-a716-44665544000Z"), ERR(UUID_P, "invalid character: found `Z` at 36")},
    {S("550e8400-e29b-41d4-a716-4466554400"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 10")},
    {S("550e8400-e29b-41d4-a716-44665544000"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 11")},
    {S("550e8400-e29b-41d4-a716-4466554400000"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 13")},
    {S("550e8400-e29b-41d4a716-446655440000"),
     ERR(UUID_P, "invalid group count: expected 5, found 4")},
    {S("550e8400e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid group count: expected 5, found 4")},
    {S("550e8400-e29b-41d4-a716446655440000"),
     ERR(UUID_P, "invalid group count: expected 5, found 4")},
    {S("550e-8400-e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid group count: expected 5, found 6")},
    {S("550e8400-e29b41d4-a716-4466-55440000"),
     ERR(UUID_P, "invalid group length in group 1: expected 4, found 8")},
    {S("Z50e8400e29b41d4a716446655440000"), ERR(UUID_P, "invalid character: found `Z` at 1")},
    {S("550e8400e29b41d4a71644665544000Z"), ERR(UUID_P, "invalid character: found `Z` at 32")},
    {S("550e8400e29b41d4a71644665544000"),
     ERR(UUID_P, "invalid length: expected length 32 for simple format, found 31")},
    {S("550e8400e29b41d4a7164466554400000"),
     ERR(UUID_P, "invalid length: expected length 32 for simple format, found 33")},
    {S("{550e8400-e29b-41d4-a716-446655440000"), ERR(UUID_P, "invalid character: found `{` at 1")},
    {S("550e8400-e29b-41d4-a716-446655440000}"), ERR(UUID_P, "invalid character: found `}` at 37")},
    {S(" 550e8400-e29b-41d4-a716-446655440000"), ERR(UUID_P, "invalid character: found ` ` at 1")},
    {S("550e8400-e29b-41d4-a716-446655440000 "), ERR(UUID_P, "invalid character: found ` ` at 37")},
    {S("550e8400-e29b-41d4-a716-446655440000\012"),
     ERR(UUID_P, "invalid character: found `\012` at 37")},
    {S("550e8400-e29b-41d4-a716-44665544000\303\251"),
     ERR(UUID_P, "invalid character: found `\303\251` at 36")},
    {S("550e8400-e29b-41d4-a716-4466554400\303\251"),
     ERR(UUID_P, "invalid character: found `\303\251` at 35")},
    {S("\303\25150e8400e29b41d4a716446655440000"),
     ERR(UUID_P, "invalid character: found `\303\251` at 1")},
    {S("550e8400-e29b-41d4-a716-44665544000\360\237\230\200"),
     ERR(UUID_P, "invalid character: found `\360\237\230\200` at 36")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-44665544000Z"),
     ERR(UUID_P, "invalid character: found `Z` at 36")},
    {S("{550e8400-e29b-41d4-a716-44665544000Z}"),
     ERR(UUID_P, "invalid character: found `Z` at 36")},
    {S("{550e8400e29b41d4a71644665544000Z}"), ERR(UUID_P, "invalid character: found `Z` at 33")},
    {S("--------------------------------"),
     ERR(UUID_P, "invalid group count: expected 5, found 33")},
    {S("------------------------------------"),
     ERR(UUID_P, "invalid group count: expected 5, found 37")},
    {S("550e8400-e29b-41d4-a716-44665544-000"),
     ERR(UUID_P, "invalid group count: expected 5, found 6")},
    {S("550e8400_e29b_41d4_a716_446655440000"), ERR(UUID_P, "invalid character: found `_` at 9")},
    {S("550e8400+e29b-41d4-a716-446655440000"), ERR(UUID_P, "invalid character: found `+` at 9")},
    {S("g50e8400-e29b-41d4-a716-446655440000"), ERR(UUID_P, "invalid character: found `g` at 1")},
    {S("550e8400-g29b-41d4-a716-446655440000"), ERR(UUID_P, "invalid character: found `g` at 10")},
    {S("550e8400-e29b-41d4-a716-446655440000-"),
     ERR(UUID_P, "invalid group count: expected 5, found 6")},
    {S("550e840-0e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid group length in group 0: expected 8, found 7")},
    {S("550e84000-e29b-41d4-a716-44665544000"),
     ERR(UUID_P, "invalid group length in group 0: expected 8, found 9")},
    {S("550e8400-e29b-41d4-a716-446655440000000"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 15")},
    {S("0"), ERR(UUID_P, "invalid length: expected length 32 for simple format, found 1")},
    {S("{}"), ERR(UUID_P, "invalid group count: expected 5, found 1")},
    {S("urn:uuid:"), ERR(UUID_P, "invalid group count: expected 5, found 1")},
    {S("{"), ERR(UUID_P, "invalid character: found `{` at 1")},
    {S("}"), ERR(UUID_P, "invalid character: found `}` at 1")},
    {S("-"), ERR(UUID_P, "invalid group count: expected 5, found 2")},
    {S("550e8400-e29b-41d4-a716-446655440000a"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 13")},
    {S("550e8400-e29b-41d4-a71-6446655440000"),
     ERR(UUID_P, "invalid group length in group 3: expected 4, found 3")},
    {S("{550e8400-e29b-41d4-a716-4466554400}"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 12")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-4466554400"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 19")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-446655440000a"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 22")},
    {S("{550e8400-e29b-41d4-a716-446655440000a}"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 15")},
    {S("{550e8400-e29b-41d4-a716-446655440000}}"),
     ERR(UUID_P, "invalid character: found `}` at 38")},
    {S("{{550e8400-e29b-41d4-a716-446655440000}"),
     ERR(UUID_P, "invalid character: found `{` at 2")},
    {S("{550e8400-e29b-41d4-a716-44665544000g}"),
     ERR(UUID_P, "invalid character: found `g` at 36")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-44665544000g"),
     ERR(UUID_P, "invalid character: found `g` at 36")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-44665544000"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 20")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-4466554400000"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 22")},
    {S("urn:uuid:550e840-e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid group length in group 0: expected 8, found 7")},
    {S("{550e840-e29b-41d4-a716-446655440000}"),
     ERR(UUID_P, "invalid group length in group 0: expected 8, found 7")},
    {S("550e8400-e29b-41d4-a716-44665544000\000"),
     ERR(UUID_P, "invalid character: found `\000` at 36")},
    {S("550e8400\303\251e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid character: found `\303\251` at 9")},
    {S("550e8400-e29b-41d4-a716-44665544\303\251"),
     ERR(UUID_P, "invalid character: found `\303\251` at 33")},
    {S("uuid:550e8400-e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid character: found `u` at 1")},
    {S("urn:550e8400-e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid character: found `u` at 1")},
    {S("urn:uuid550e8400-e29b-41d4-a716-446655440000"),
     ERR(UUID_P, "invalid character: found `u` at 1")},
    {S("{-}"), ERR(UUID_P, "invalid group count: expected 5, found 2")},
    {S("{---}"), ERR(UUID_P, "invalid group count: expected 5, found 4")},
    {S("{----}"), ERR(UUID_P, "invalid group length in group 0: expected 8, found 0")},
    {S("----"), ERR(UUID_P, "invalid group length in group 0: expected 8, found 0")},
    {S("-----"), ERR(UUID_P, "invalid group count: expected 5, found 6")},
    {S("550e8400-e29b-41d4-a716-44665544000000000000"),
     ERR(UUID_P, "invalid group length in group 4: expected 12, found 20")},
    {S("550e8400e29b-41d4-a716-446655440000-1"),
     ERR(UUID_P, "invalid group length in group 0: expected 8, found 12")},
    {S("a-b-c-d-e"), ERR(UUID_P, "invalid group length in group 0: expected 8, found 1")},
    {S("abcdefab-cdef-abcd-efab-cdefabcdefab"), OK("abcdefab-cdef-abcd-efab-cdefabcdefab")},
    {S("ABCDEFAB-CDEF-ABCD-EFAB-CDEFABCDEFAB"), OK("abcdefab-cdef-abcd-efab-cdefabcdefab")},
    {S("{ABCDEFAB-CDEF-abcd-EFAB-CDEFABCDEFAB}"), OK("abcdefab-cdef-abcd-efab-cdefabcdefab")},
    {S("urn:uuid:ABCDEFAB-CDEF-ABCD-EFAB-CDEFABCDEFAB"),
     OK("abcdefab-cdef-abcd-efab-cdefabcdefab")},
    {S("Urn:uuid:ABCDEFAB-CDEF-ABCD-EFAB-CDEFABCDEFAB"),
     ERR(UUID_P, "invalid character: found `U` at 1")},
    {S("550e8400e29b41d4a716446655440000-"),
     ERR(UUID_P, "invalid group count: expected 5, found 2")},
    {S("-550e8400e29b41d4a716446655440000"),
     ERR(UUID_P, "invalid group count: expected 5, found 2")},
    {S("550e8400-e29b-41d4-a716-446655440000\303\251"),
     ERR(UUID_P, "invalid character: found `\303\251` at 37")},
    {S("\303\251"), ERR(UUID_P, "invalid character: found `\303\251` at 1")},
    {S("\360\237\230\200"), ERR(UUID_P, "invalid character: found `\360\237\230\200` at 1")},
    {S("{550e8400-e29b-41d4-a716-4466554400\303\251}"),
     ERR(UUID_P, "invalid character: found `\303\251` at 35")},
    {S("urn:uuid:550e8400-e29b-41d4-a716-4466554400\303\251"),
     ERR(UUID_P, "invalid character: found `\303\251` at 35")},
    {S("F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4"), OK("f9168c5e-ceb2-4faa-b6bf-329bf39fa1e4")},
    {S("{00000000000000000000000000000000}"),
     ERR(UUID_P, "invalid group count: expected 5, found 1")},
};

static const str_row datetime_rows[] = {
    {S("2024-01-15T10:30:00Z"), OK("2024-01-15T10:30:00Z")},
    {S("2024-01-15T10:30:00"), OK("2024-01-15T10:30:00")},
    {S("2024-01-15 10:30:00+02:00"), OK("2024-01-15T10:30:00+02:00")},
    {S("2024-01-15t10:30:00z"), OK("2024-01-15T10:30:00Z")},
    {S("2024-01-15_10:30:00"), OK("2024-01-15T10:30:00")},
    {S("2024-01-15T10:30"), OK("2024-01-15T10:30:00")},
    {S("2024-01-15T10:30Z"), OK("2024-01-15T10:30:00Z")},
    {S("2024-01-15T10"), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00.1"), OK("2024-01-15T10:30:00.100000")},
    {S("2024-01-15T10:30:00.123456"), OK("2024-01-15T10:30:00.123456")},
    {S("2024-01-15T10:30:00.1234567"), OK("2024-01-15T10:30:00.123456")},
    {S("2024-01-15T10:30:00.123456789123"), OK("2024-01-15T10:30:00.123456")},
    {S("2024-01-15T10:30:00,5"), OK("2024-01-15T10:30:00.500000")},
    {S("2024-01-15T10:30:00."),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00.Z"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+0200"), OK("2024-01-15T10:30:00+02:00")},
    {S("2024-01-15T10:30:00+02"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00-00:00"), OK("2024-01-15T10:30:00Z")},
    {S("2024-01-15T10:30:00+00:00"), OK("2024-01-15T10:30:00Z")},
    {S("2024-01-15T10:30:00+23:59"), OK("2024-01-15T10:30:00+23:59")},
    {S("2024-01-15T10:30:00+24:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+02:60"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00\342\210\22205:00"), OK("2024-01-15T10:30:00-05:00")},
    {S("2024-01-15T10:30:00-05:30"), OK("2024-01-15T10:30:00-05:30")},
    {S("2024-01-15T10:30:00+2:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+02:0"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+02:00:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00 +02:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00ZZ"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00x"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T24:00:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T23:60:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T23:59:60"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T23:59:59"), OK("2024-01-15T23:59:59")},
    {S("2024-01-15T1:30:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10-30-00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:3"), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:0"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:"), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T"), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15X10:30:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15"), OK("2024-01-15T00:00:00")},
    {S("2024-01-15 "), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-1-15"), ERR(DT_FROM_D, "input is too short")},
    {S("2024-01-5"), ERR(DT_FROM_D, "input is too short")},
    {S("24-01-15"), ERR(DT_FROM_D, "input is too short")},
    {S("2024/01/15"), ERR(DT_FROM_D, "invalid date separator, expected `-`")},
    {S("2024-13-01"), ERR(DT_FROM_D, "month value is outside expected range of 1-12")},
    {S("2024-00-10"), ERR(DT_FROM_D, "month value is outside expected range of 1-12")},
    {S("2024-02-29"), OK("2024-02-29T00:00:00")},
    {S("2023-02-29"), ERR(DT_FROM_D, "day value is outside expected range")},
    {S("1900-02-29"), ERR(DT_FROM_D, "day value is outside expected range")},
    {S("2000-02-29"), OK("2000-02-29T00:00:00")},
    {S("2024-04-31"), ERR(DT_FROM_D, "day value is outside expected range")},
    {S("2024-01-00"), ERR(DT_FROM_D, "day value is outside expected range")},
    {S("2024-01-32"), ERR(DT_FROM_D, "day value is outside expected range")},
    {S("0000-01-01"), ERR(DT_P, "year 0 is out of range")},
    {S("0000-01-01T00:00:00"), ERR(DT_P, "year 0 is out of range")},
    {S("0001-01-01"), OK("0001-01-01T00:00:00")},
    {S("9999-12-31T23:59:59.999999"), OK("9999-12-31T23:59:59.999999")},
    {S("2024-01-15T00:00:00"), OK("2024-01-15T00:00:00")},
    {S("2024-01-15T00:00:00Z"), OK("2024-01-15T00:00:00Z")},
    {S("2024-01-15T00:00:00+05:00"), OK("2024-01-15T00:00:00+05:00")},
    {S("2024-01-15T00:00:00.000001"), OK("2024-01-15T00:00:00.000001")},
    {S("2024-01-15T00:00:00.0000001"), OK("2024-01-15T00:00:00")},
    {S("2024-0a-15"), ERR(DT_FROM_D, "invalid character in month")},
    {S("abcd-01-15"), ERR(DT_FROM_D, "invalid character in year")},
    {S("2024-01-1a"), ERR(DT_FROM_D, "invalid character in day")},
    {S("2024-01-15Tab:00"), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:ab"), ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:ab"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00.1a"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+ab:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+02:ab"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+02ab"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+0"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+02:"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S(""), ERR(DT_FROM_D, "input is too short")},
    {S("abc"), ERR(DT_FROM_D, "input is too short")},
    {S("2024"), OK("1970-01-01T00:33:44Z")},
    {S(" 2024-01-15"), ERR(DT_FROM_D, "invalid character in year")},
    {S("2024-01-15T10:30:00\303\251"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("1700000000"), OK("2023-11-14T22:13:20Z")},
    {S("1699920000"), OK("2023-11-14T00:00:00Z")},
    {S("0"), OK("1970-01-01T00:00:00Z")},
    {S("-1"), OK("1969-12-31T23:59:59Z")},
    {S("+1700000000"), OK("2023-11-14T22:13:20Z")},
    {S("-86400"), OK("1969-12-31T00:00:00Z")},
    {S("20000000000"), OK("2603-10-11T11:33:20Z")},
    {S("20000000001"), OK("1970-08-20T11:33:20.001000Z")},
    {S("-20000000000"), OK("1336-03-23T12:26:40Z")},
    {S("-20000000001"), OK("1969-05-14T12:26:39.999000Z")},
    {S("1700000000000"), OK("2023-11-14T22:13:20Z")},
    {S("1700000000123"), OK("2023-11-14T22:13:20.123000Z")},
    {S("1700000000.5"), OK("2023-11-14T22:13:20.500000Z")},
    {S("1700000000.123456"), OK("2023-11-14T22:13:20.123456Z")},
    {S("1700000000.1234567"), OK("2023-11-14T22:13:20.123457Z")},
    {S("1700000000.123456789"), OK("2023-11-14T22:13:20.123457Z")},
    {S("1700000000000.5"), OK("2023-11-14T22:13:20.000500Z")},
    {S("1700000000000.1234"), OK("2023-11-14T22:13:20.000123Z")},
    {S("1.5"), OK("1970-01-01T00:00:01.500000Z")},
    {S("-1.5"), OK("1969-12-31T23:59:58.500000Z")},
    {S("-0.5"), OK("1969-12-31T23:59:59.500000Z")},
    {S(".5"), OK("1970-01-01T00:00:00.500000Z")},
    {S("5."), OK("1970-01-01T00:00:05Z")},
    {S("1.5e3"), OK("1970-01-01T00:25:00Z")},
    {S("1e3"), ERR(DT_FROM_D, "input is too short")},
    {S("1_000"), ERR(DT_FROM_D, "input is too short")},
    {S("0.0"), OK("1970-01-01T00:00:00Z")},
    {S("0."), OK("1970-01-01T00:00:00Z")},
    {S("253402300799"), OK("1978-01-11T21:31:40.799000Z")},
    {S("253402300800"), OK("1978-01-11T21:31:40.800000Z")},
    {S("253402300799000"), OK("9999-12-31T23:59:59Z")},
    {S("253402300800000"), ERR(DT_FROM_D, "dates after 9999 are not supported as unix timestamps")},
    {S("-62167219200"), OK("1968-01-12T11:19:40.800000Z")},
    {S("-62167219201"), OK("1968-01-12T11:19:40.799000Z")},
    {S("-62135596800"), OK("1968-01-12T20:06:43.200000Z")},
    {S("-62167219200000"), ERR(DT_P, "year 0 is out of range")},
    {S("-62167219200001"),
     ERR(DT_FROM_D, "dates before 0000 are not supported as unix timestamps")},
    {S("9223372036854775807"),
     ERR(DT_FROM_D, "dates after 9999 are not supported as unix timestamps")},
    {S("9223372036854775808"), ERR(DT_FROM_D, "invalid date separator, expected `-`")},
    {S("20000000000000000000"),
     ERR(DT_FROM_D, "dates after 9999 are not supported as unix timestamps")},
    {S("-9223372036854775808"), ERR(DT_FROM_D, "invalid character in year")},
    {S("-9223372036854775809"), ERR(DT_FROM_D, "invalid character in year")},
    {S("99999999999999999999999"), ERR(DT_FROM_D, "invalid date separator, expected `-`")},
    {S("1e400"), ERR(DT_FROM_D, "input is too short")},
    {S("1.0e400"), ERR(DT_FROM_D, "input is too short")},
    {S("nan"), ERR(DT_FROM_D, "input is too short")},
    {S("inf"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5.5"), ERR(DT_FROM_D, "input is too short")},
    {S("-"), ERR(DT_FROM_D, "input is too short")},
    {S("+"), ERR(DT_FROM_D, "input is too short")},
    {S("00001"), OK("1970-01-01T00:00:01Z")},
    {S("-0"), OK("1970-01-01T00:00:00Z")},
    {S("30000000000.0"), OK("1970-12-14T05:20:00Z")},
    {S("30000000000000.0"), OK("1970-12-14T05:20:00Z")},
    {S("-30000000000000.0"), OK("1969-01-18T18:40:00Z")},
    {S("1699920000.0"), OK("2023-11-14T00:00:00Z")},
    {S("1699920000.0000001"), OK("2023-11-14T00:00:00Z")},
    {S("86399.9999999"), OK("1970-01-02T00:00:00Z")},
    {S("1700000000.9999999"), OK("2023-11-14T22:13:21Z")},
    {S("1700000000.99999951"), OK("2023-11-14T22:13:21Z")},
    {S("1.5e"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5e+"), ERR(DT_FROM_D, "input is too short")},
    {S("1.e5"), OK("1970-01-02T03:46:40Z")},
    {S(".e5"), ERR(DT_FROM_D, "input is too short")},
    {S("-.5"), OK("1969-12-31T23:59:59.500000Z")},
    {S("+.5"), OK("1970-01-01T00:00:00.500000Z")},
    {S("1.5E3"), OK("1970-01-01T00:25:00Z")},
    {S("1.5e-3"), OK("1970-01-01T00:00:00.001500Z")},
    {S("1.5e+3"), OK("1970-01-01T00:25:00Z")},
    {S("1..5"), ERR(DT_FROM_D, "input is too short")},
    {S("+-1.5"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5 "), ERR(DT_FROM_D, "input is too short")},
    {S("00.5"), OK("1970-01-01T00:00:00.500000Z")},
    {S("1.5e0003"), OK("1970-01-01T00:25:00Z")},
    {S("1.5e99999"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5e-99999"), OK("1970-01-01T00:00:00Z")},
    {S("-1.5e99999"), ERR(DT_FROM_D, "invalid character in year")},
    {S("."), ERR(DT_FROM_D, "input is too short")},
    {S("-."), ERR(DT_FROM_D, "input is too short")},
    {S("+."), ERR(DT_FROM_D, "input is too short")},
    {S("-.e1"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5_0"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5f"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5d"), ERR(DT_FROM_D, "input is too short")},
    {S("0.5e-400"), OK("1970-01-01T00:00:00Z")},
    {S("17000000000000000000000.5"), ERR(DT_FROM_D, "invalid date separator, expected `-`")},
    {S("20000000000000000000.5"), ERR(DT_FROM_D, "invalid date separator, expected `-`")},
    {S("9223372036854775807.5"), ERR(DT_FROM_D, "invalid date separator, expected `-`")},
    {S("1700000000.000000000000000000000000000000000000000000000000001"),
     OK("2023-11-14T22:13:20Z")},
    {S("1700000000.12345650000000000000000000000000001"), OK("2023-11-14T22:13:20.123456Z")},
    {S("-1e-7"), ERR(DT_FROM_D, "input is too short")},
    {S("-0.0000001"), OK("1970-01-01T00:00:00Z")},
    {S("1.5e308"), ERR(DT_FROM_D, "input is too short")},
    {S("1.5e309"), ERR(DT_FROM_D, "input is too short")},
    {S("123456789012345.678"), OK("1973-11-29T21:33:09.357673Z")},
    {S("1969-12-31"), OK("1969-12-31T00:00:00")},
    {S("1600-02-29"), OK("1600-02-29T00:00:00")},
    {S("1700-02-29"), ERR(DT_FROM_D, "day value is outside expected range")},
    {S("9999-12-31"), OK("9999-12-31T00:00:00")},
    {S("0000-01-01T00:00:01"), ERR(DT_P, "year 0 is out of range")},
    {S("-62167219199000"), ERR(DT_P, "year 0 is out of range")},
    {S("-62135596800000"), OK("0001-01-01T00:00:00Z")},
    {S("2024-01-15T10:30:00+00:60"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00+99:00"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00\342\210\222"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00\342\210\22205:00x"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00\342\200\223"),
     ERR(DT_FROM_D, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00.000000"), OK("2024-01-15T10:30:00")},
    {S("2024-01-15T00:00:00.0Z"), OK("2024-01-15T00:00:00Z")},
    {S("2024-01-15T00:00"), OK("2024-01-15T00:00:00")},
    {S("2024-01-15t00:00z"), OK("2024-01-15T00:00:00Z")},
    {S("1e"), ERR(DT_FROM_D, "input is too short")},
    {S("1."), OK("1970-01-01T00:00:01Z")},
    {S("-1."), OK("1969-12-31T23:59:59Z")},
    {S("1.0"), OK("1970-01-01T00:00:01Z")},
};

static const str_row date_rows[] = {
    {S("2024-01-15T10:30:00Z"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00"), ERR(D_INEXACT, "")},
    {S("2024-01-15 10:30:00+02:00"), ERR(D_INEXACT, "")},
    {S("2024-01-15t10:30:00z"), ERR(D_INEXACT, "")},
    {S("2024-01-15_10:30:00"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30Z"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10"), ERR(D_FROM_DT, "input is too short")},
    {S("2024-01-15T10:30:00.1"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00.123456"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00.1234567"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00.123456789123"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00,5"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00."), ERR(D_FROM_DT, "second fraction digits missing after `.`")},
    {S("2024-01-15T10:30:00.Z"), ERR(D_FROM_DT, "second fraction digits missing after `.`")},
    {S("2024-01-15T10:30:00+0200"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00+02"), ERR(D_FROM_DT, "invalid timezone minute")},
    {S("2024-01-15T10:30:00-00:00"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00+00:00"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00+23:59"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00+24:00"), ERR(D_FROM_DT, "timezone offset must be less than 24 hours")},
    {S("2024-01-15T10:30:00+02:60"),
     ERR(D_FROM_DT, "timezone minute value is outside expected range of 0-59")},
    {S("2024-01-15T10:30:00\342\210\22205:00"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00-05:30"), ERR(D_INEXACT, "")},
    {S("2024-01-15T10:30:00+2:00"), ERR(D_FROM_DT, "invalid timezone hour")},
    {S("2024-01-15T10:30:00+02:0"), ERR(D_FROM_DT, "invalid timezone minute")},
    {S("2024-01-15T10:30:00+02:00:00"),
     ERR(D_FROM_DT, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00 +02:00"), ERR(D_FROM_DT, "invalid timezone sign")},
    {S("2024-01-15T10:30:00ZZ"),
     ERR(D_FROM_DT, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00x"), ERR(D_FROM_DT, "invalid timezone sign")},
    {S("2024-01-15T24:00:00"), ERR(D_FROM_DT, "hour value is outside expected range of 0-23")},
    {S("2024-01-15T23:60:00"), ERR(D_FROM_DT, "minute value is outside expected range of 0-59")},
    {S("2024-01-15T23:59:60"), ERR(D_FROM_DT, "second value is outside expected range of 0-59")},
    {S("2024-01-15T23:59:59"), ERR(D_INEXACT, "")},
    {S("2024-01-15T1:30:00"), ERR(D_FROM_DT, "invalid character in hour")},
    {S("2024-01-15T10-30-00"), ERR(D_FROM_DT, "invalid time separator, expected `:`")},
    {S("2024-01-15T10:3"), ERR(D_FROM_DT, "input is too short")},
    {S("2024-01-15T10:30:0"), ERR(D_FROM_DT, "invalid character in second")},
    {S("2024-01-15T10:30:"), ERR(D_FROM_DT, "invalid character in second")},
    {S("2024-01-15T"), ERR(D_FROM_DT, "input is too short")},
    {S("2024-01-15X10:30:00"),
     ERR(D_FROM_DT, "invalid datetime separator, expected `T`, `t`, `_` or space")},
    {S("2024-01-15"), OK("2024-01-15")},
    {S("2024-01-15 "), ERR(D_FROM_DT, "input is too short")},
    {S("2024-1-15"), ERR(D_FROM_DT, "input is too short")},
    {S("2024-01-5"), ERR(D_FROM_DT, "input is too short")},
    {S("24-01-15"), ERR(D_FROM_DT, "input is too short")},
    {S("2024/01/15"), ERR(D_FROM_DT, "invalid date separator, expected `-`")},
    {S("2024-13-01"), ERR(D_FROM_DT, "month value is outside expected range of 1-12")},
    {S("2024-00-10"), ERR(D_FROM_DT, "month value is outside expected range of 1-12")},
    {S("2024-02-29"), OK("2024-02-29")},
    {S("2023-02-29"), ERR(D_FROM_DT, "day value is outside expected range")},
    {S("1900-02-29"), ERR(D_FROM_DT, "day value is outside expected range")},
    {S("2000-02-29"), OK("2000-02-29")},
    {S("2024-04-31"), ERR(D_FROM_DT, "day value is outside expected range")},
    {S("2024-01-00"), ERR(D_FROM_DT, "day value is outside expected range")},
    {S("2024-01-32"), ERR(D_FROM_DT, "day value is outside expected range")},
    {S("0000-01-01"), ERR(D_P, "year 0 is out of range")},
    {S("0000-01-01T00:00:00"), ERR(D_P, "year 0 is out of range")},
    {S("0001-01-01"), OK("0001-01-01")},
    {S("9999-12-31T23:59:59.999999"), ERR(D_INEXACT, "")},
    {S("2024-01-15T00:00:00"), OK("2024-01-15")},
    {S("2024-01-15T00:00:00Z"), OK("2024-01-15")},
    {S("2024-01-15T00:00:00+05:00"), OK("2024-01-15")},
    {S("2024-01-15T00:00:00.000001"), ERR(D_INEXACT, "")},
    {S("2024-01-15T00:00:00.0000001"), OK("2024-01-15")},
    {S("2024-0a-15"), ERR(D_FROM_DT, "invalid character in month")},
    {S("abcd-01-15"), ERR(D_FROM_DT, "invalid character in year")},
    {S("2024-01-1a"), ERR(D_FROM_DT, "invalid character in day")},
    {S("2024-01-15Tab:00"), ERR(D_FROM_DT, "invalid character in hour")},
    {S("2024-01-15T10:ab"), ERR(D_FROM_DT, "invalid character in minute")},
    {S("2024-01-15T10:30:ab"), ERR(D_FROM_DT, "invalid character in second")},
    {S("2024-01-15T10:30:00.1a"), ERR(D_FROM_DT, "invalid timezone sign")},
    {S("2024-01-15T10:30:00+ab:00"), ERR(D_FROM_DT, "invalid timezone hour")},
    {S("2024-01-15T10:30:00+02:ab"), ERR(D_FROM_DT, "invalid timezone minute")},
    {S("2024-01-15T10:30:00+02ab"), ERR(D_FROM_DT, "invalid timezone minute")},
    {S("2024-01-15T10:30:00+"), ERR(D_FROM_DT, "invalid timezone hour")},
    {S("2024-01-15T10:30:00+0"), ERR(D_FROM_DT, "invalid timezone hour")},
    {S("2024-01-15T10:30:00+02:"), ERR(D_FROM_DT, "invalid timezone minute")},
    {S(""), ERR(D_FROM_DT, "input is too short")},
    {S("abc"), ERR(D_FROM_DT, "input is too short")},
    {S("2024"), ERR(D_INEXACT, "")},
    {S(" 2024-01-15"), ERR(D_FROM_DT, "invalid character in year")},
    {S("2024-01-15T10:30:00\303\251"), ERR(D_FROM_DT, "invalid timezone sign")},
    {S("1700000000"), ERR(D_INEXACT, "")},
    {S("1699920000"), OK("2023-11-14")},
    {S("0"), OK("1970-01-01")},
    {S("-1"), ERR(D_INEXACT, "")},
    {S("+1700000000"), ERR(D_INEXACT, "")},
    {S("-86400"), OK("1969-12-31")},
    {S("20000000000"), ERR(D_INEXACT, "")},
    {S("20000000001"), ERR(D_INEXACT, "")},
    {S("-20000000000"), ERR(D_INEXACT, "")},
    {S("-20000000001"), ERR(D_INEXACT, "")},
    {S("1700000000000"), ERR(D_INEXACT, "")},
    {S("1700000000123"), ERR(D_INEXACT, "")},
    {S("1700000000.5"), ERR(D_INEXACT, "")},
    {S("1700000000.123456"), ERR(D_INEXACT, "")},
    {S("1700000000.1234567"), ERR(D_INEXACT, "")},
    {S("1700000000.123456789"), ERR(D_INEXACT, "")},
    {S("1700000000000.5"), ERR(D_INEXACT, "")},
    {S("1700000000000.1234"), ERR(D_INEXACT, "")},
    {S("1.5"), ERR(D_INEXACT, "")},
    {S("-1.5"), ERR(D_INEXACT, "")},
    {S("-0.5"), ERR(D_INEXACT, "")},
    {S(".5"), ERR(D_INEXACT, "")},
    {S("5."), ERR(D_INEXACT, "")},
    {S("1.5e3"), ERR(D_INEXACT, "")},
    {S("1e3"), ERR(D_FROM_DT, "input is too short")},
    {S("1_000"), ERR(D_FROM_DT, "input is too short")},
    {S("0.0"), OK("1970-01-01")},
    {S("0."), OK("1970-01-01")},
    {S("253402300799"), ERR(D_INEXACT, "")},
    {S("253402300800"), ERR(D_INEXACT, "")},
    {S("253402300799000"), ERR(D_INEXACT, "")},
    {S("253402300800000"), ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {S("-62167219200"), ERR(D_INEXACT, "")},
    {S("-62167219201"), ERR(D_INEXACT, "")},
    {S("-62135596800"), ERR(D_INEXACT, "")},
    {S("-62167219200000"), ERR(D_P, "year 0 is out of range")},
    {S("-62167219200001"),
     ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {S("9223372036854775807"),
     ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {S("9223372036854775808"), ERR(D_FROM_DT, "invalid date separator, expected `-`")},
    {S("20000000000000000000"),
     ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {S("-9223372036854775808"), ERR(D_FROM_DT, "invalid character in year")},
    {S("-9223372036854775809"), ERR(D_FROM_DT, "invalid character in year")},
    {S("99999999999999999999999"), ERR(D_FROM_DT, "invalid date separator, expected `-`")},
    {S("1e400"), ERR(D_FROM_DT, "input is too short")},
    {S("1.0e400"), ERR(D_FROM_DT, "numeric times may not exceed 86,399 seconds")},
    {S("nan"), ERR(D_FROM_DT, "input is too short")},
    {S("inf"), ERR(D_FROM_DT, "input is too short")},
    {S("1.5.5"), ERR(D_FROM_DT, "input is too short")},
    {S("-"), ERR(D_FROM_DT, "input is too short")},
    {S("+"), ERR(D_FROM_DT, "input is too short")},
    {S("00001"), ERR(D_INEXACT, "")},
    {S("-0"), OK("1970-01-01")},
    {S("30000000000.0"), ERR(D_INEXACT, "")},
    {S("30000000000000.0"), ERR(D_INEXACT, "")},
    {S("-30000000000000.0"), ERR(D_INEXACT, "")},
    {S("1699920000.0"), OK("2023-11-14")},
    {S("1699920000.0000001"), OK("2023-11-14")},
    {S("86399.9999999"), OK("1970-01-02")},
    {S("1700000000.9999999"), ERR(D_INEXACT, "")},
    {S("1700000000.99999951"), ERR(D_INEXACT, "")},
    {S("1.5e"), ERR(D_FROM_DT, "input is too short")},
    {S("1.5e+"), ERR(D_FROM_DT, "input is too short")},
    {S("1.e5"), ERR(D_INEXACT, "")},
    {S(".e5"), ERR(D_FROM_DT, "input is too short")},
    {S("-.5"), ERR(D_INEXACT, "")},
    {S("+.5"), ERR(D_INEXACT, "")},
    {S("1.5E3"), ERR(D_INEXACT, "")},
    {S("1.5e-3"), ERR(D_INEXACT, "")},
    {S("1.5e+3"), ERR(D_INEXACT, "")},
    {S("1..5"), ERR(D_FROM_DT, "input is too short")},
    {S("+-1.5"), ERR(D_FROM_DT, "input is too short")},
    {S("1.5 "), ERR(D_FROM_DT, "input is too short")},
    {S("00.5"), ERR(D_INEXACT, "")},
    {S("1.5e0003"), ERR(D_INEXACT, "")},
    {S("1.5e99999"), ERR(D_FROM_DT, "numeric times may not exceed 86,399 seconds")},
    {S("1.5e-99999"), OK("1970-01-01")},
    {S("-1.5e99999"), ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {S("."), ERR(D_FROM_DT, "input is too short")},
    {S("-."), ERR(D_FROM_DT, "input is too short")},
    {S("+."), ERR(D_FROM_DT, "input is too short")},
    {S("-.e1"), ERR(D_FROM_DT, "input is too short")},
    {S("1.5_0"), ERR(D_FROM_DT, "input is too short")},
    {S("1.5f"), ERR(D_FROM_DT, "input is too short")},
    {S("1.5d"), ERR(D_FROM_DT, "input is too short")},
    {S("0.5e-400"), OK("1970-01-01")},
    {S("17000000000000000000000.5"), ERR(D_FROM_DT, "invalid date separator, expected `-`")},
    {S("20000000000000000000.5"),
     ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {S("9223372036854775807.5"),
     ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {S("1700000000.000000000000000000000000000000000000000000000000001"), ERR(D_INEXACT, "")},
    {S("1700000000.12345650000000000000000000000000001"), ERR(D_INEXACT, "")},
    {S("-1e-7"), ERR(D_FROM_DT, "input is too short")},
    {S("-0.0000001"), OK("1970-01-01")},
    {S("1.5e308"), ERR(D_FROM_DT, "numeric times may not exceed 86,399 seconds")},
    {S("1.5e309"), ERR(D_FROM_DT, "numeric times may not exceed 86,399 seconds")},
    {S("123456789012345.678"), ERR(D_INEXACT, "")},
    {S("1969-12-31"), OK("1969-12-31")},
    {S("1600-02-29"), OK("1600-02-29")},
    {S("1700-02-29"), ERR(D_FROM_DT, "day value is outside expected range")},
    {S("9999-12-31"), OK("9999-12-31")},
    {S("0000-01-01T00:00:01"), ERR(D_INEXACT, "")},
    {S("-62167219199000"), ERR(D_INEXACT, "")},
    {S("-62135596800000"), OK("0001-01-01")},
    {S("2024-01-15T10:30:00+00:60"),
     ERR(D_FROM_DT, "timezone minute value is outside expected range of 0-59")},
    {S("2024-01-15T10:30:00+99:00"), ERR(D_FROM_DT, "timezone offset must be less than 24 hours")},
    {S("2024-01-15T10:30:00\342\210\222"), ERR(D_FROM_DT, "invalid timezone hour")},
    {S("2024-01-15T10:30:00\342\210\22205:00x"),
     ERR(D_FROM_DT, "unexpected extra characters at the end of the input")},
    {S("2024-01-15T10:30:00\342\200\223"), ERR(D_FROM_DT, "invalid timezone sign")},
    {S("2024-01-15T10:30:00.000000"), ERR(D_INEXACT, "")},
    {S("2024-01-15T00:00:00.0Z"), OK("2024-01-15")},
    {S("2024-01-15T00:00"), OK("2024-01-15")},
    {S("2024-01-15t00:00z"), OK("2024-01-15")},
    {S("1e"), ERR(D_FROM_DT, "input is too short")},
    {S("1."), ERR(D_INEXACT, "")},
    {S("-1."), ERR(D_INEXACT, "")},
    {S("1.0"), ERR(D_INEXACT, "")},
};

static const int_row datetime_int_rows[] = {
    {0LL, OK("1970-01-01T00:00:00Z")},
    {1LL, OK("1970-01-01T00:00:01Z")},
    {-1LL, OK("1969-12-31T23:59:59Z")},
    {1700000000LL, OK("2023-11-14T22:13:20Z")},
    {1699920000LL, OK("2023-11-14T00:00:00Z")},
    {-86400LL, OK("1969-12-31T00:00:00Z")},
    {20000000000LL, OK("2603-10-11T11:33:20Z")},
    {20000000001LL, OK("1970-08-20T11:33:20.001000Z")},
    {-20000000000LL, OK("1336-03-23T12:26:40Z")},
    {-20000000001LL, OK("1969-05-14T12:26:39.999000Z")},
    {1700000000123LL, OK("2023-11-14T22:13:20.123000Z")},
    {253402300799LL, OK("1978-01-11T21:31:40.799000Z")},
    {253402300799000LL, OK("9999-12-31T23:59:59Z")},
    {253402300800000LL, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {-62167219200LL, OK("1968-01-12T11:19:40.800000Z")},
    {-62167219200000LL, ERR(DT_P, "year 0 is out of range")},
    {-62167219200001LL, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {-62167219199000LL, ERR(DT_P, "year 0 is out of range")},
    {-62135596800000LL, OK("0001-01-01T00:00:00Z")},
    {951782400LL, OK("2000-02-29T00:00:00Z")},
    {951868800LL, OK("2000-03-01T00:00:00Z")},
    {9223372036854775807LL, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {INT64_MIN, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {-9223372036854775807LL, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {86399LL, OK("1970-01-01T23:59:59Z")},
    {86400LL, OK("1970-01-02T00:00:00Z")},
};

static const int_row date_int_rows[] = {
    {0LL, OK("1970-01-01")},
    {1LL, ERR(D_INEXACT, "")},
    {-1LL, ERR(D_INEXACT, "")},
    {1700000000LL, ERR(D_INEXACT, "")},
    {1699920000LL, OK("2023-11-14")},
    {-86400LL, OK("1969-12-31")},
    {20000000000LL, ERR(D_INEXACT, "")},
    {20000000001LL, ERR(D_INEXACT, "")},
    {-20000000000LL, ERR(D_INEXACT, "")},
    {-20000000001LL, ERR(D_INEXACT, "")},
    {1700000000123LL, ERR(D_INEXACT, "")},
    {253402300799LL, ERR(D_INEXACT, "")},
    {253402300799000LL, ERR(D_INEXACT, "")},
    {253402300800000LL, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {-62167219200LL, ERR(D_INEXACT, "")},
    {-62167219200000LL, ERR(D_P, "year 0 is out of range")},
    {-62167219200001LL, ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {-62167219199000LL, ERR(D_INEXACT, "")},
    {-62135596800000LL, OK("0001-01-01")},
    {951782400LL, OK("2000-02-29")},
    {951868800LL, OK("2000-03-01")},
    {9223372036854775807LL,
     ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {INT64_MIN, ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {-9223372036854775807LL,
     ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {86399LL, ERR(D_INEXACT, "")},
    {86400LL, OK("1970-01-02")},
};

static const double_row datetime_double_rows[] = {
    {0.0, OK("1970-01-01T00:00:00Z")},
    {-0.0, OK("1970-01-01T00:00:00Z")},
    {1.5, OK("1970-01-01T00:00:01.500000Z")},
    {-1.5, OK("1969-12-31T23:59:58.500000Z")},
    {0.1, OK("1970-01-01T00:00:00.100000Z")},
    {-0.1, OK("1969-12-31T23:59:59.100000Z")},
    {0.5, OK("1970-01-01T00:00:00.500000Z")},
    {1700000000.5, OK("2023-11-14T22:13:20.500000Z")},
    {1700000000.123456, OK("2023-11-14T22:13:20.123456Z")},
    {1700000000.1234567, OK("2023-11-14T22:13:20.123457Z")},
    {1700000000123.456, OK("2023-11-14T22:13:20.123456Z")},
    {1700000000123.4568, OK("2023-11-14T22:13:20.123457Z")},
    {1700000000000.0, OK("2023-11-14T22:13:20Z")},
    {20000000000.0, OK("2603-10-11T11:33:20Z")},
    {20000000000.5, OK("2603-10-11T11:33:20.000500Z")},
    {-20000000000.5, OK("1969-05-14T12:26:39.999500Z")},
    {19999999999.9999, OK("2603-10-11T11:33:19.999901Z")},
    {30000000000000.0, OK("2920-08-30T05:20:00Z")},
    {-30000000000000.0, OK("1019-05-04T18:40:00Z")},
    {1000000000000000.0, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {253402300799.0, OK("1978-01-11T21:31:40.799000Z")},
    {253402300799999.0, OK("9999-12-31T23:59:59.999000Z")},
    {253402300799999.9, OK("9999-12-31T23:59:59.999906Z")},
    {253402300800000.0, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {-62167219200000.0, ERR(DT_P, "year 0 is out of range")},
    {-62167219200000.5, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {-62167219200001.0, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {1699920000.0, OK("2023-11-14T00:00:00Z")},
    {1699920000.0000005, OK("2023-11-14T00:00:00Z")},
    {1699919999.9999995, OK("2023-11-14T00:00:00Z")},
    {86399.9999999, OK("1970-01-02T00:00:00Z")},
    {0.9999995, OK("1970-01-01T00:00:01Z")},
    {0.99999949, OK("1970-01-01T00:00:00.999999Z")},
    {-1e-07, OK("1969-12-31T23:59:59Z")},
    {5e-324, OK("1970-01-01T00:00:00Z")},
    {-5e-324, OK("1969-12-31T23:59:59Z")},
    {1e+17, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {9.3e+18, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {1e+19, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {1e+300, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {-1e+300, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {INFINITY, ERR(DT_P, "dates after 9999 are not supported as unix timestamps")},
    {-INFINITY, ERR(DT_P, "dates before 0000 are not supported as unix timestamps")},
    {NAN, ERR(DT_P, "NaN values not permitted")},
};

static const double_row date_double_rows[] = {
    {0.0, OK("1970-01-01")},
    {-0.0, OK("1970-01-01")},
    {1.5, ERR(D_INEXACT, "")},
    {-1.5, ERR(D_INEXACT, "")},
    {0.1, ERR(D_INEXACT, "")},
    {-0.1, ERR(D_INEXACT, "")},
    {0.5, ERR(D_INEXACT, "")},
    {1700000000.5, ERR(D_INEXACT, "")},
    {1700000000.123456, ERR(D_INEXACT, "")},
    {1700000000.1234567, ERR(D_INEXACT, "")},
    {1700000000123.456, ERR(D_INEXACT, "")},
    {1700000000123.4568, ERR(D_INEXACT, "")},
    {1700000000000.0, ERR(D_INEXACT, "")},
    {20000000000.0, ERR(D_INEXACT, "")},
    {20000000000.5, ERR(D_INEXACT, "")},
    {-20000000000.5, ERR(D_INEXACT, "")},
    {19999999999.9999, ERR(D_INEXACT, "")},
    {30000000000000.0, ERR(D_INEXACT, "")},
    {-30000000000000.0, ERR(D_INEXACT, "")},
    {1000000000000000.0, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {253402300799.0, ERR(D_INEXACT, "")},
    {253402300799999.0, ERR(D_INEXACT, "")},
    {253402300799999.9, ERR(D_INEXACT, "")},
    {253402300800000.0, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {-62167219200000.0, ERR(D_P, "year 0 is out of range")},
    {-62167219200000.5, ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {-62167219200001.0, ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {1699920000.0, OK("2023-11-14")},
    {1699920000.0000005, OK("2023-11-14")},
    {1699919999.9999995, OK("2023-11-14")},
    {86399.9999999, OK("1970-01-02")},
    {0.9999995, ERR(D_INEXACT, "")},
    {0.99999949, ERR(D_INEXACT, "")},
    {-1e-07, ERR(D_INEXACT, "")},
    {5e-324, OK("1970-01-01")},
    {-5e-324, ERR(D_INEXACT, "")},
    {1e+17, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {9.3e+18, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {1e+19, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {1e+300, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {-1e+300, ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {INFINITY, ERR(D_FROM_DT, "dates after 9999 are not supported as unix timestamps")},
    {-INFINITY, ERR(D_FROM_DT, "dates before 0000 are not supported as unix timestamps")},
    {NAN, ERR(D_FROM_DT, "NaN values not permitted")},
};

static const format_row format_rows[] = {
    {{2024, 1, 15, 10, 30, 0, 0, false, 0},
     "2024-01-15T10:30:00",
     "2024-01-15T10:30:00"},
    {{2024, 1, 15, 10, 30, 0, 0, true, 0},
     "2024-01-15T10:30:00Z",
     "2024-01-15T10:30:00+00:00"},
    {{2024, 1, 15, 10, 30, 0, 123000, true, 7200},
     "2024-01-15T10:30:00.123000+02:00",
     "2024-01-15T10:30:00.123000+02:00"},
    {{1, 1, 1, 0, 0, 0, 1, true, -18000},
     "0001-01-01T00:00:00.000001-05:00",
     "0001-01-01T00:00:00.000001-05:00"},
    {{9999, 12, 31, 23, 59, 59, 999999, true, 86340},
     "9999-12-31T23:59:59.999999+23:59",
     "9999-12-31T23:59:59.999999+23:59"},
    {{2024, 2, 29, 0, 0, 0, 0, true, -86340},
     "2024-02-29T00:00:00-23:59",
     "2024-02-29T00:00:00-23:59"},
    {{2024, 1, 15, 10, 30, 0, 5, true, 30},
     "2024-01-15T10:30:00.000005+00:00",
     "2024-01-15T10:30:00.000005+00:00:30"},
    {{2024, 1, 15, 10, 30, 0, 5, true, -30},
     "2024-01-15T10:30:00.000005-00:00",
     "2024-01-15T10:30:00.000005-00:00:30"},
    {{2024, 1, 15, 10, 30, 0, 0, true, -3630},
     "2024-01-15T10:30:00-01:00",
     "2024-01-15T10:30:00-01:00:30"},
    {{2024, 1, 15, 10, 30, 0, 0, true, -5400},
     "2024-01-15T10:30:00-01:30",
     "2024-01-15T10:30:00-01:30"},
    {{2024, 1, 15, 10, 30, 0, 0, true, 19815},
     "2024-01-15T10:30:00+05:30",
     "2024-01-15T10:30:00+05:30:15"},
    {{999, 3, 4, 5, 6, 7, 80, true, 60},
     "0999-03-04T05:06:07.000080+00:01",
     "0999-03-04T05:06:07.000080+00:01"},
};

/* A C-escaped copy of bytes, for failure messages (four at a time in one message). */
static const char *show(const char *s, size_t n)
{
    static char bufs[4][512];
    static unsigned next;
    char *buf = bufs[next++ % 4];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < sizeof buf; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') buf[o++] = (char)c;
        else o += (size_t)snprintf(buf + o, sizeof bufs[0] - o, "\\%03o", c);
    }
    buf[o] = '\0';
    return buf;
}

/* The input in a heap block of exactly n bytes, so that a read past n is an ASan error. */
static char *exact_copy(const char *s, size_t n)
{
    char *p = malloc(n > 0 ? n : 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    return p;
}

static void check_error(const kfmt_err *e, const char *type, const char *want, size_t want_n,
                        const char *where)
{
    ck_assert_msg(strcmp(e->type, type) == 0, "%s: type %s, expected %s", where, e->type, type);
    ck_assert_msg(e->len == want_n && memcmp(e->text, want, want_n) == 0,
                  "%s: error \"%s\", expected \"%s\"", where, show(e->text, e->len),
                  show(want, want_n));
    ck_assert_msg(e->has_ctx == (strcmp(type, D_INEXACT) != 0), "%s: has_ctx", where);
    for (int i = 0; i < N_ELEMS(prefixes); i++)
        if (strcmp(prefixes[i].type, type) == 0)
            ck_assert_msg(strcmp(e->prefix, prefixes[i].prefix) == 0, "%s: prefix \"%s\"", where,
                          e->prefix);
}

static void check_text(int rc, const kfmt_err *e, const char *got, size_t got_n,
                       const char *want, size_t want_n, const char *where)
{
    ck_assert_msg(rc == 0, "%s: refused (%s: %s), expected %s", where, e->type,
                  show(e->text, e->len), want);
    ck_assert_msg(got_n == want_n && memcmp(got, want, want_n) == 0, "%s: got %s, expected %s",
                  where, got, want);
}

START_TEST(test_uuid)
{
    const str_row *r = &uuid_rows[_i];
    char *in = exact_copy(r->in, r->n);
    karak_uuid u;
    kfmt_err e;
    char out[KFMT_UUID_LEN + 1];
    int rc = kfmt_uuid_parse(in, r->n, &u, &e);
    const char *where = show(r->in, r->n);
    if (r->type == NULL) {
        size_t len = rc == 0 ? kfmt_uuid_format(out, &u) : 0;
        check_text(rc, &e, out, len, r->want, r->want_n, where);
    } else {
        ck_assert_msg(rc < 0, "%s: accepted", where);
        check_error(&e, r->type, r->want, r->want_n, where);
    }
    free(in);
}
END_TEST

START_TEST(test_uuid_bytes)
{
    karak_uuid u;
    kfmt_err e;
    char out[KFMT_UUID_LEN + 1];
    ck_assert_int_eq(kfmt_uuid_parse(S("00010203-0405-0607-0809-0A0B0C0D0E0F"), &u, &e), 0);
    for (int i = 0; i < 16; i++) ck_assert_int_eq(u.bytes[i], i);
    ck_assert_uint_eq(kfmt_uuid_format(out, &u), 36);
    ck_assert_str_eq(out, "00010203-0405-0607-0809-0a0b0c0d0e0f");
    /* only n bytes are read: a valid UUID followed by more */
    ck_assert_int_eq(kfmt_uuid_parse("550e8400e29b41d4a716446655440000ff", 32, &u, &e), 0);
    ck_assert_int_eq(u.bytes[15], 0x00);
    /* Not from pydantic (a Python str is always UTF-8): the uuid crate's message for bytes
     * that are not. */
    ck_assert_int_eq(kfmt_uuid_parse(S("550e8400-e29b-41d4-a716-44665544000\377"), &u, &e), -1);
    check_error(&e, UUID_P, S("non-UTF8 input"), "non-UTF-8");
}
END_TEST

static void datetime_case(const str_row *r, bool date_field)
{
    char *in = exact_copy(r->in, r->n);
    kfmt_err e;
    char out[KFMT_DATETIME_MAX];
    size_t len = 0;
    int rc;
    if (date_field) {
        karak_date d;
        rc = kfmt_date_parse(in, r->n, &d, &e);
        if (rc == 0) len = kfmt_date_format(out, &d);
    } else {
        karak_datetime dt;
        rc = kfmt_datetime_parse(in, r->n, &dt, &e);
        if (rc == 0) len = kfmt_datetime_format(out, &dt, KFMT_PYDANTIC);
    }
    const char *where = show(r->in, r->n);
    if (r->type == NULL) {
        check_text(rc, &e, out, len, r->want, r->want_n, where);
    } else {
        ck_assert_msg(rc < 0, "%s: accepted as %s", where, out);
        check_error(&e, r->type, r->want, r->want_n, where);
    }
    free(in);
}

START_TEST(test_datetime_str)
{
    datetime_case(&datetime_rows[_i], false);
}
END_TEST

START_TEST(test_date_str)
{
    datetime_case(&date_rows[_i], true);
}
END_TEST

/* A JSON number for a datetime field (date_field false) or a date field. */
static void number_case(bool is_int, int64_t i, double d, bool date_field, const char *type,
                        const char *want, size_t want_n)
{
    kfmt_err e;
    char out[KFMT_DATETIME_MAX], where[64];
    size_t len = 0;
    int rc;
    if (is_int) snprintf(where, sizeof where, "%lld", (long long)i);
    else snprintf(where, sizeof where, "%.17g", d);
    if (date_field) {
        karak_date v;
        rc = is_int ? kfmt_date_from_int(i, &v, &e) : kfmt_date_from_double(d, &v, &e);
        if (rc == 0) len = kfmt_date_format(out, &v);
    } else {
        karak_datetime v;
        rc = is_int ? kfmt_datetime_from_int(i, &v, &e) : kfmt_datetime_from_double(d, &v, &e);
        if (rc == 0) len = kfmt_datetime_format(out, &v, KFMT_PYDANTIC);
    }
    if (type == NULL) {
        check_text(rc, &e, out, len, want, want_n, where);
    } else {
        ck_assert_msg(rc < 0, "%s: accepted as %s", where, out);
        check_error(&e, type, want, want_n, where);
    }
}

START_TEST(test_datetime_int)
{
    const int_row *r = &datetime_int_rows[_i];
    number_case(true, r->in, 0, false, r->type, r->want, r->want_n);
}
END_TEST

START_TEST(test_date_int)
{
    const int_row *r = &date_int_rows[_i];
    number_case(true, r->in, 0, true, r->type, r->want, r->want_n);
}
END_TEST

START_TEST(test_datetime_double)
{
    const double_row *r = &datetime_double_rows[_i];
    number_case(false, 0, r->in, false, r->type, r->want, r->want_n);
}
END_TEST

START_TEST(test_date_double)
{
    const double_row *r = &date_double_rows[_i];
    number_case(false, 0, r->in, true, r->type, r->want, r->want_n);
}
END_TEST

/* Only n bytes are read, and what lies beyond them does not count. */
START_TEST(test_datetime_prefix)
{
    karak_datetime dt;
    karak_date d;
    kfmt_err e;
    char out[KFMT_DATETIME_MAX];
    ck_assert_int_eq(kfmt_datetime_parse("2024-01-15T10:30:00Zjunk", 20, &dt, &e), 0);
    kfmt_datetime_format(out, &dt, KFMT_PYDANTIC);
    ck_assert_str_eq(out, "2024-01-15T10:30:00Z");
    ck_assert_int_eq(kfmt_datetime_parse("1700000000", 4, &dt, &e), 0);
    kfmt_datetime_format(out, &dt, KFMT_PYDANTIC);
    ck_assert_str_eq(out, "1970-01-01T00:28:20Z");
    ck_assert_int_eq(kfmt_date_parse("2024-01-15T10:30:00", 10, &d, &e), 0);
    ck_assert_int_eq(d.year, 2024);
    ck_assert_int_eq(d.month, 1);
    ck_assert_int_eq(d.day, 15);
    /* the struct's fields, for a parsed value with an offset */
    ck_assert_int_eq(kfmt_datetime_parse(S("2024-01-15 10:30:00.25-05:30"), &dt, &e), 0);
    ck_assert_int_eq(dt.hour, 10);
    ck_assert_int_eq(dt.minute, 30);
    ck_assert_int_eq(dt.second, 0);
    ck_assert_uint_eq(dt.microsecond, 250000);
    ck_assert(dt.has_offset);
    ck_assert_int_eq(dt.offset_seconds, -19800);
    ck_assert_int_eq(kfmt_datetime_parse(S("2024-01-15T10:30"), &dt, &e), 0);
    ck_assert(!dt.has_offset);
}
END_TEST

START_TEST(test_format)
{
    const format_row *r = &format_rows[_i];
    char out[KFMT_DATETIME_MAX];
    ck_assert(kfmt_datetime_valid(&r->dt));
    ck_assert_uint_eq(kfmt_datetime_format(out, &r->dt, KFMT_PYDANTIC), strlen(r->pydantic));
    ck_assert_str_eq(out, r->pydantic);
    ck_assert_uint_eq(kfmt_datetime_format(out, &r->dt, KFMT_ISOFORMAT), strlen(r->isoformat));
    ck_assert_str_eq(out, r->isoformat);
}
END_TEST

START_TEST(test_format_limits)
{
    char out[KFMT_DATETIME_MAX], dout[KFMT_DATE_LEN + 1];
    /* the longest text fills the buffer exactly */
    karak_datetime dt = {9999, 12, 31, 23, 59, 59, 999999, true, -86399};
    ck_assert_uint_eq(kfmt_datetime_format(out, &dt, KFMT_ISOFORMAT), KFMT_DATETIME_MAX - 1);
    ck_assert_str_eq(out, "9999-12-31T23:59:59.999999-23:59:59");
    /* out of range fields: wrong digits, never more bytes */
    karak_datetime bad = {-123456, 200, 200, 200, 200, 200, 4000000000u, true, INT32_MIN};
    ck_assert(!kfmt_datetime_valid(&bad));
    ck_assert_uint_le(kfmt_datetime_format(out, &bad, KFMT_ISOFORMAT), KFMT_DATETIME_MAX - 1);
    karak_date d = {7, 3, 9};
    ck_assert_uint_eq(kfmt_date_format(dout, &d), KFMT_DATE_LEN);
    ck_assert_str_eq(dout, "0007-03-09");
}
END_TEST

START_TEST(test_valid)
{
    static const struct {
        karak_date d;
        bool ok;
    } dates[] = {
        {{1, 1, 1}, true},      {{9999, 12, 31}, true}, {{0, 1, 1}, false},
        {{10000, 1, 1}, false}, {{2024, 2, 29}, true},  {{2023, 2, 29}, false},
        {{1900, 2, 29}, false}, {{2000, 2, 29}, true},  {{2024, 4, 31}, false},
        {{2024, 0, 1}, false},  {{2024, 13, 1}, false}, {{2024, 1, 0}, false},
    };
    for (int i = 0; i < N_ELEMS(dates); i++)
        ck_assert_msg(kfmt_date_valid(&dates[i].d) == dates[i].ok, "date row %d", i);
    static const struct {
        karak_datetime dt;
        bool ok;
    } dts[] = {
        {{2024, 1, 15, 23, 59, 59, 999999, true, 86399}, true},
        {{2024, 1, 15, 0, 0, 0, 0, true, -86399}, true},
        {{2024, 1, 15, 0, 0, 0, 0, false, 999999}, true}, /* naive: the offset is ignored */
        {{2024, 1, 15, 24, 0, 0, 0, false, 0}, false},
        {{2024, 1, 15, 0, 60, 0, 0, false, 0}, false},
        {{2024, 1, 15, 0, 0, 60, 0, false, 0}, false},
        {{2024, 1, 15, 0, 0, 0, 1000000, false, 0}, false},
        {{2024, 1, 15, 0, 0, 0, 0, true, 86400}, false},
        {{2024, 1, 15, 0, 0, 0, 0, true, -86400}, false},
        {{2023, 2, 29, 0, 0, 0, 0, false, 0}, false},
    };
    for (int i = 0; i < N_ELEMS(dts); i++)
        ck_assert_msg(kfmt_datetime_valid(&dts[i].dt) == dts[i].ok, "datetime row %d", i);
}
END_TEST

START_TEST(test_err_text_bound)
{
    kfmt_err e;
    char big[300];
    memset(big, 'x', sizeof big);
    kfmt_err_set(&e, UUID_P, "p", true);
    kfmt_err_put(&e, big, sizeof big);
    kfmt_err_putu(&e, UINT64_MAX);
    ck_assert_uint_eq(e.len, KFMT_ERR_MAX - 1);
    ck_assert_int_eq(e.text[KFMT_ERR_MAX - 1], '\0');
    kfmt_err_set(&e, UUID_P, "p", true);
    kfmt_err_putu(&e, UINT64_MAX);
    ck_assert_str_eq(e.text, "18446744073709551615");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("formats");
    TCase *tc = tcase_create("uuid");
    tcase_add_loop_test(tc, test_uuid, 0, N_ELEMS(uuid_rows));
    tcase_add_test(tc, test_uuid_bytes);
    tcase_add_test(tc, test_err_text_bound);
    suite_add_tcase(s, tc);

    tc = tcase_create("parse");
    tcase_add_loop_test(tc, test_datetime_str, 0, N_ELEMS(datetime_rows));
    tcase_add_loop_test(tc, test_date_str, 0, N_ELEMS(date_rows));
    tcase_add_loop_test(tc, test_datetime_int, 0, N_ELEMS(datetime_int_rows));
    tcase_add_loop_test(tc, test_date_int, 0, N_ELEMS(date_int_rows));
    tcase_add_loop_test(tc, test_datetime_double, 0, N_ELEMS(datetime_double_rows));
    tcase_add_loop_test(tc, test_date_double, 0, N_ELEMS(date_double_rows));
    tcase_add_test(tc, test_datetime_prefix);
    suite_add_tcase(s, tc);

    tc = tcase_create("format");
    tcase_add_loop_test(tc, test_format, 0, N_ELEMS(format_rows));
    tcase_add_test(tc, test_format_limits);
    tcase_add_test(tc, test_valid);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
