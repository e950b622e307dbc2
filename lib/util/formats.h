/* UUID, date and datetime text (private): parsing exactly as pydantic 2.13 validates a
 * string (or, for dates and datetimes, a JSON number) in lax mode, and writing them as
 * pydantic's JSON serializer does. Pure functions: no HTTP, no JSON tree, no allocation.
 *
 * Inputs are n bytes, not NUL-terminated, and never read past n. A failed parse fills a
 * kfmt_err with pydantic's error type, its message and its ctx, e.g. for "abc" as a UUID:
 *     type "uuid_parsing", prefix "Input should be a valid UUID, ",
 *     text "invalid length: expected length 32 for simple format, found 3"
 * so that msg = prefix + text and ctx = {"error": text}. The type errors (a JSON value of
 * the wrong kind) are the caller's: see KFMT_*_TYPE below. */
#ifndef KARAK_UTIL_FORMATS_H
#define KARAK_UTIL_FORMATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <karak/formats.h>

/* Room for the longest error text, with its NUL. */
#define KFMT_ERR_MAX 128

typedef struct kfmt_err {
    const char *type;   /* pydantic's error type, static: "uuid_parsing", "date_parsing", ... */
    const char *prefix; /* static; the message is prefix followed by text */
    bool has_ctx;       /* ctx = {"error": text}; false: text is empty and prefix is the msg */
    size_t len;         /* bytes of text; it may hold a NUL (a UUID's offending character is
                         * quoted as it is), so use len, not strlen */
    char text[KFMT_ERR_MAX];
} kfmt_err;

/* The type errors, for a JSON value that is not a string (UUID), not a string or number
 * (date, datetime), or a boolean. None has a ctx. */
#define KFMT_UUID_TYPE "uuid_type"
#define KFMT_UUID_TYPE_MSG "UUID input should be a string, bytes or UUID object"
#define KFMT_DATE_TYPE "date_type"
#define KFMT_DATE_TYPE_MSG "Input should be a valid date"
#define KFMT_DATETIME_TYPE "datetime_type"
#define KFMT_DATETIME_TYPE_MSG "Input should be a valid datetime"

/* ---- UUID (uuid.c) ---- */

/* 550e8400-e29b-41d4-a716-446655440000 */
#define KFMT_UUID_LEN 36

/* Parses s as the uuid crate 1.23 does (pydantic's UUID from a str): 32 hex digits,
 * 8-4-4-4-12 hyphenated, hyphenated in braces "{...}" or after "urn:uuid:" (lowercase
 * prefix); hex digits in either case; no whitespace; any version. 0, or -1 with err set
 * (type uuid_parsing). */
int kfmt_uuid_parse(const char *s, size_t n, karak_uuid *out, kfmt_err *err);
/* Writes the lowercase hyphenated form and a NUL; returns KFMT_UUID_LEN. */
size_t kfmt_uuid_format(char out[KFMT_UUID_LEN + 1], const karak_uuid *u);

/* ---- dates and datetimes (datetime.c) ---- */

/* A datetime field from a string (JSON string, path, query, header, cookie): RFC 3339 as
 * speedate 0.17 reads it ("2024-01-15T10:30:00Z", separator T t _ or space, seconds and
 * fraction optional, more than 6 fraction digits truncated, offsets Z z +HH:MM +HHMM and
 * U+2212 minus), else a Unix timestamp "1700000000" / "1700000000.5" (seconds, or
 * milliseconds above 2e10; gives UTC), else a date alone at midnight, naive. 0, or -1 with
 * err set (datetime_from_date_parsing with the date parser's reason, or datetime_parsing
 * "year 0 is out of range"). */
int kfmt_datetime_parse(const char *s, size_t n, karak_datetime *out, kfmt_err *err);
/* A datetime field from a JSON number (a Unix timestamp, UTC), integer or not. Integers
 * beyond int64 reach pydantic as Python ints that are then read as floats: pass them to
 * the double form. NaN is refused ("NaN values not permitted"). Errors: datetime_parsing. */
int kfmt_datetime_from_int(int64_t ts, karak_datetime *out, kfmt_err *err);
int kfmt_datetime_from_double(double ts, karak_datetime *out, kfmt_err *err);

/* A date field from a string: "YYYY-MM-DD", or an integer timestamp at midnight UTC, else
 * anything kfmt_datetime_parse reads if its time is exactly midnight (any offset). Errors:
 * date_from_datetime_parsing (with the datetime parser's reason),
 * date_from_datetime_inexact (no ctx), date_parsing "year 0 is out of range". */
int kfmt_date_parse(const char *s, size_t n, karak_date *out, kfmt_err *err);
/* A date field from a JSON number: the timestamp as a datetime, which must be midnight. */
int kfmt_date_from_int(int64_t ts, karak_date *out, kfmt_err *err);
int kfmt_date_from_double(double ts, karak_date *out, kfmt_err *err);

/* Whether a value could exist in Python (year 1-9999, a real day of the month, time and
 * offset in range): what a response should check before writing a value a handler made. */
bool kfmt_date_valid(const karak_date *d);
bool kfmt_datetime_valid(const karak_datetime *dt);

/* "YYYY-MM-DD" */
#define KFMT_DATE_LEN 10
/* "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM:SS" and a NUL */
#define KFMT_DATETIME_MAX 36

typedef enum kfmt_style {
    /* pydantic's JSON serializer (a response model): UTC as "Z", other offsets "+HH:MM"
     * (seconds of an offset dropped, truncating toward zero). */
    KFMT_PYDANTIC,
    /* Python's datetime.isoformat() (what jsonable_encoder gives a dict return): UTC as
     * "+00:00", an offset's seconds as ":SS" when not zero. */
    KFMT_ISOFORMAT,
} kfmt_style;

/* Write the text and a NUL; return its length. Fields out of range (see *_valid) give
 * wrong digits but never more bytes. Microseconds appear, six digits, only when not 0. */
size_t kfmt_date_format(char out[KFMT_DATE_LEN + 1], const karak_date *d);
size_t kfmt_datetime_format(char out[KFMT_DATETIME_MAX], const karak_datetime *dt,
                            kfmt_style style);

/* ---- shared by uuid.c and datetime.c ---- */

/* Starts err as the given error, with an empty text. */
void kfmt_err_set(kfmt_err *err, const char *type, const char *prefix, bool has_ctx);
/* Appends bytes / an unsigned decimal to err's text, cut at KFMT_ERR_MAX - 1 bytes. */
void kfmt_err_put(kfmt_err *err, const char *s, size_t n);
void kfmt_err_putu(kfmt_err *err, uint64_t v);

#endif
