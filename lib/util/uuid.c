/* UUIDs as pydantic 2.13 reads a string: pydantic-core hands it to the uuid crate 1.23
 * (Uuid::parse_str) and puts the crate's Display of the error in ctx.error. The fast parse
 * and the diagnosis of a failure are two separate steps in the crate, and the diagnosis
 * sees only what the fast parse gave up on: the whole input, or, for a 38-byte braced or
 * 45-byte urn input, the 36 bytes inside. That is why "{...4466554400}" (36 bytes) reports
 * group 4 "found 12", and why positions count from the inside for the 38/45-byte forms.
 * Also the error helpers that datetime.c shares. */
#include <string.h>

#include "util/formats.h"
#include "util/util.h"

static const char UUID_PREFIX[] = "Input should be a valid UUID, ";
static const char URN[] = "urn:uuid:";
#define URN_LEN (sizeof URN - 1)
#define PUT(err, lit) kfmt_err_put((err), (lit), sizeof(lit) - 1)

/* Two hex digits, either case, as one byte. */
static bool hex_byte(const char *s, uint8_t *out)
{
    int hi = khexval(s[0]), lo = khexval(s[1]);
    if (hi < 0 || lo < 0) return false;
    *out = (uint8_t)(hi << 4 | lo);
    return true;
}

static bool parse_simple(const char *s, karak_uuid *out)
{
    for (size_t i = 0; i < 16; i++)
        if (!hex_byte(s + 2 * i, &out->bytes[i])) return false;
    return true;
}

static bool parse_hyphenated(const char *s, karak_uuid *out)
{
    static const uint8_t starts[8] = {0, 4, 9, 14, 19, 24, 28, 32};
    if (s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return false;
    for (size_t j = 0; j < 8; j++)
        if (!hex_byte(s + starts[j], &out->bytes[2 * j]) ||
            !hex_byte(s + starts[j] + 2, &out->bytes[2 * j + 1]))
            return false;
    return true;
}

/* "invalid character: found `c` at i": the character as it is (all its UTF-8 bytes), its
 * position 1-based, counted in the string after a "{" or "urn:uuid:" was taken off but
 * with that prefix's length added back. */
static void bad_char(kfmt_err *err, const char *c, size_t clen, size_t pos)
{
    PUT(err, "invalid character: found `");
    kfmt_err_put(err, c, clen);
    PUT(err, "` at ");
    kfmt_err_putu(err, pos);
}

/* The crate's InvalidUuid::into_err, over the bytes the fast parse refused. */
static void diagnose(const char *s, size_t n, kfmt_err *err)
{
    static const size_t block_starts[5] = {0, 9, 14, 19, 24};
    static const unsigned group_lens[5] = {8, 4, 4, 4, 12};
    kfmt_err_set(err, "uuid_parsing", UUID_PREFIX, true);
    if (!kutf8_valid(s, n)) {
        PUT(err, "non-UTF8 input");
        return;
    }
    const char *u = s;
    size_t un = n, offset = 0;
    bool simple = false;
    if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
        u = s + 1, un = n - 2, offset = 1;
    } else if (n >= URN_LEN && memcmp(s, URN, URN_LEN) == 0) {
        u = s + URN_LEN, un = n - URN_LEN, offset = URN_LEN;
    } else {
        simple = true;
    }
    size_t hyphens = 0, bounds[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < un; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c >= 0x80) {
            bool valid;
            bad_char(err, u + i, kutf8_next(u + i, un - i, &valid), i + offset + 1);
            return;
        }
        if (c == '-') {
            if (hyphens < 4) bounds[hyphens] = i;
            hyphens++;
        } else if (khexval((char)c) < 0) {
            bad_char(err, u + i, 1, i + offset + 1);
            return;
        }
    }
    if (hyphens == 0 && simple) {
        PUT(err, "invalid length: expected length 32 for simple format, found ");
        kfmt_err_putu(err, n);
        return;
    }
    if (hyphens != 4) {
        PUT(err, "invalid group count: expected 5, found ");
        kfmt_err_putu(err, hyphens + 1);
        return;
    }
    size_t group = 4, len = n - block_starts[4]; /* the crate measures the last group in n */
    for (size_t g = 0; g < 4; g++) {
        if (bounds[g] != block_starts[g + 1] - 1) {
            group = g, len = bounds[g] - block_starts[g];
            break;
        }
    }
    PUT(err, "invalid group length in group ");
    kfmt_err_putu(err, group);
    PUT(err, ": expected ");
    kfmt_err_putu(err, group_lens[group]);
    PUT(err, ", found ");
    kfmt_err_putu(err, len);
}

void kfmt_err_set(kfmt_err *err, const char *type, const char *prefix, bool has_ctx)
{
    err->type = type;
    err->prefix = prefix;
    err->has_ctx = has_ctx;
    err->len = 0;
    err->text[0] = '\0';
}

void kfmt_err_put(kfmt_err *err, const char *s, size_t n)
{
    size_t room = KFMT_ERR_MAX - 1 - err->len;
    if (n > room) n = room;
    memcpy(err->text + err->len, s, n);
    err->len += n;
    err->text[err->len] = '\0';
}

void kfmt_err_putu(kfmt_err *err, uint64_t v)
{
    char digits[20];
    size_t i = sizeof digits;
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    kfmt_err_put(err, digits + i, sizeof digits - i);
}

int kfmt_uuid_parse(const char *s, size_t n, karak_uuid *out, kfmt_err *err)
{
    const char *refused = s;
    size_t refused_n = n;
    if (n == 32) {
        if (parse_simple(s, out)) return 0;
    } else if (n == 36) {
        if (parse_hyphenated(s, out)) return 0;
    } else if (n == 38 && s[0] == '{' && s[37] == '}') {
        if (parse_hyphenated(s + 1, out)) return 0;
        refused = s + 1, refused_n = 36;
    } else if (n == 45 && memcmp(s, URN, URN_LEN) == 0) {
        if (parse_hyphenated(s + URN_LEN, out)) return 0;
        refused = s + URN_LEN, refused_n = 36;
    }
    diagnose(refused, refused_n, err);
    return -1;
}

size_t kfmt_uuid_format(char out[KFMT_UUID_LEN + 1], const karak_uuid *u)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out[o++] = '-';
        out[o++] = hex[u->bytes[i] >> 4];
        out[o++] = hex[u->bytes[i] & 0xF];
    }
    out[o] = '\0';
    return o;
}
