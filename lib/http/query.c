/* The query string, as FastAPI receives it from Starlette: Python's
 * parse_qsl(keep_blank_values=True). '&' separates pairs, the first '=' separates name and
 * value, '+' is a space, %XX is UTF-8 with errors="replace", "?q" is q="", invalid escapes
 * stay as they are. Decoded names and values keep their lengths: "%00" may be in either. */
#include <string.h>

#include "http/http.h"

bool khttp_query_parse(karena *a, const char *q, size_t n, karak_pair **decoded,
                       karak_pair **raw, size_t *count)
{
    *decoded = NULL;
    if (raw != NULL) *raw = NULL;
    *count = 0;
    if (n == 0) return true;
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        if (q[i] == '&') cap++;
    karak_pair *dec = karena_alloc(a, cap * sizeof *dec);
    karak_pair *rw = raw != NULL ? karena_alloc(a, cap * sizeof *rw) : NULL;
    if (dec == NULL || (raw != NULL && rw == NULL)) return false;
    size_t at = 0, k = 0;
    while (at <= n) {
        const char *amp = memchr(q + at, '&', n - at);
        size_t end = amp ? (size_t)(amp - q) : n;
        if (end > at) {
            const char *eq = memchr(q + at, '=', end - at);
            size_t key_end = eq ? (size_t)(eq - q) : end;
            size_t vstart = eq ? key_end + 1 : end;
            karak_pair *d = &dec[k];
            d->name = kpct_decode(a, q + at, key_end - at, true, &d->name_len);
            d->value = kpct_decode(a, q + vstart, end - vstart, true, &d->value_len);
            if (d->name == NULL || d->value == NULL) return false;
            if (rw != NULL)
                rw[k] = (karak_pair){q + at, key_end - at, q + vstart, end - vstart};
            k++;
        }
        at = end + 1;
    }
    *decoded = dec;
    if (raw != NULL) *raw = rw;
    *count = k;
    return true;
}

const karak_pair *khttp_pairs_last(const karak_pair *pairs, size_t n, const char *name,
                                   size_t name_len)
{
    const karak_pair *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (pairs[i].name_len == name_len && memcmp(pairs[i].name, name, name_len) == 0)
            found = &pairs[i];
    return found;
}
