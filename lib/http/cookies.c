/* Cookies, as Starlette's Request.cookies reads them: every Cookie header in order, each
 * through cookie_parser (split at ';', then at the first '='; no '=' means an empty name;
 * name and value stripped as str.strip() does; a pair with neither is skipped) and the value
 * through http.cookies._unquote (a value in double quotes loses them, \" and \\ and \ooo
 * octal escapes are decoded, a backslash before a newline stays). Later pairs win when a
 * name repeats.
 *
 * Python sees a header as latin-1 text: \ooo is the code point ooo (\351 is U+00E9), which
 * libkarak writes in UTF-8 like every other string it hands out. Bytes are otherwise taken
 * as they are (UTF-8), so str.strip()'s latin-1 whitespace (0x85, 0xA0) is not stripped. */
#include <string.h>
#include <strings.h>

#include "http/http.h"

static kslice trimmed(const char *s, size_t n)
{
    while (n > 0 && kis_pyspace(*s)) s++, n--;
    while (n > 0 && kis_pyspace(s[n - 1])) n--;
    return (kslice){s, n};
}

/* http.cookies._unquote: NULL when out of memory. */
static const char *unquote(karena *a, kslice v, size_t *out_len)
{
    if (v.n < 2 || v.s[0] != '"' || v.s[v.n - 1] != '"') {
        *out_len = v.n;
        return v.s;
    }
    const char *s = v.s + 1;
    size_t n = v.n - 2;
    char *d = karena_alloc_bytes(a, n + 1);
    if (d == NULL) return NULL;
    size_t k = 0;
    /* \ooo (at most \377) may take 2 bytes in UTF-8 where its escape takes 4 */
    for (size_t i = 0; i < n;) {
        if (s[i] == '\\' && i + 3 < n && kis_octal(s[i + 1]) && s[i + 1] <= '3' &&
            kis_octal(s[i + 2]) && kis_octal(s[i + 3])) {
            unsigned cp = (unsigned)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 +
                                     (s[i + 3] - '0'));
            if (cp < 0x80) {
                d[k++] = (char)cp;
            } else {
                d[k++] = (char)(0xC0 | (cp >> 6));
                d[k++] = (char)(0x80 | (cp & 0x3F));
            }
            i += 4;
        } else if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n') { /* regex '.' */
            d[k++] = s[i + 1];
            i += 2;
        } else {
            d[k++] = s[i++];
        }
    }
    d[k] = '\0';
    *out_len = k;
    return d;
}

static bool parse_one(karena *a, const char *s, size_t n, kbuf *pairs)
{
    size_t at = 0;
    while (at <= n) {
        const char *semi = memchr(s + at, ';', n - at);
        size_t end = semi ? (size_t)(semi - s) : n;
        const char *eq = memchr(s + at, '=', end - at);
        kslice name = eq ? trimmed(s + at, (size_t)(eq - s) - at) : (kslice){s + at, 0};
        kslice value = eq ? trimmed(eq + 1, (size_t)(s + end - eq - 1))
                          : trimmed(s + at, end - at);
        if (name.n > 0 || value.n > 0) {
            karak_pair p = {.name = karena_strndup(a, name.s, name.n), .name_len = name.n};
            const char *v = unquote(a, value, &p.value_len);
            p.value = v != NULL ? karena_strndup(a, v, p.value_len) : NULL;
            if (p.name == NULL || p.value == NULL) return false;
            kbuf_put(pairs, &p, sizeof p);
        }
        at = end + 1;
    }
    return !pairs->failed;
}

bool khttp_cookies_parse(karena *a, const karak_pair *headers, size_t nheaders,
                         karak_pair **out, size_t *count)
{
    /* nothing is handed out unless everything was parsed */
    *out = NULL;
    *count = 0;
    kbuf pairs;
    kbuf_init(&pairs, a, 0);
    for (size_t i = 0; i < nheaders; i++) {
        const karak_pair *h = &headers[i];
        if (h->name_len != 6 || strncasecmp(h->name, "cookie", 6) != 0) continue;
        if (!parse_one(a, h->value, h->value_len, &pairs)) return false;
    }
    size_t n = pairs.len / sizeof(karak_pair);
    if (n == 0) return true;
    /* kbuf memory is byte-aligned: copy into memory aligned for the pairs */
    karak_pair *copy = karena_alloc(a, pairs.len);
    if (copy == NULL) return false;
    memcpy(copy, pairs.data, pairs.len);
    *out = copy;
    *count = n;
    return true;
}
