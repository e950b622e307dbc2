/* UTF-8: validation, the decoder's "maximal subpart" rule, code point counts, encoding, and
 * the U+FFFD repair Python's decoders apply with errors="replace". */
#include <string.h>

#include "util/util.h"

size_t kutf8_next(const char *str, size_t n, bool *valid)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    *valid = true;
    if (c < 0x80) return 1;
    /* The lead byte fixes the length and the range of the second byte (no overlongs, no
     * surrogates, nothing above U+10FFFF); Unicode's "maximal subpart" rule, which Python's
     * decoder follows with errors="replace", makes a truncated prefix one bad sequence. */
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        *valid = false;
        return 1;
    }
    size_t k = 1;
    for (; k < need && k < n; k++) {
        unsigned char b = s[k];
        if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) break;
    }
    if (k < need) *valid = false;
    return k;
}

bool kutf8_valid(const char *str, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (i + 8 <= n) { /* ASCII, the usual text, 8 bytes at a time */
            uint64_t x;
            memcpy(&x, str + i, 8);
            if ((x & 0x8080808080808080u) == 0) {
                i += 8;
                continue;
            }
        }
        if ((unsigned char)str[i] < 0x80) {
            i++;
            continue;
        }
        bool ok;
        i += kutf8_next(str + i, n - i, &ok);
        if (!ok) return false;
    }
    return true;
}

size_t kutf8_count(const char *s, size_t n)
{
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) count++;
    return count;
}

void kutf8_put(kbuf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    kbuf_put(b, u, n);
}

/* Replaces invalid UTF-8 by U+FFFD, copying only when there is some. */
char *kutf8_repair(karena *a, char *s, size_t n, size_t *out_len)
{
    if (kutf8_valid(s, n)) {
        *out_len = n;
        return s;
    }
    kbuf b;
    kbuf_init(&b, a, n + 16);
    size_t i = 0;
    while (i < n) {
        bool ok;
        size_t len = kutf8_next(s + i, n - i, &ok);
        if (ok) kbuf_put(&b, s + i, len);
        else kbuf_put(&b, "\xEF\xBF\xBD", 3);
        i += len;
    }
    *out_len = b.len;
    return kbuf_cstr(&b);
}
