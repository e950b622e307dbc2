/* The request target: "path?query", or the absolute form a proxy sends
 * ("http://host/path?query"), which is routed by its path. The path is percent-decoded
 * before routing, as uvicorn hands it to FastAPI: %2F then separates segments. */
#include <string.h>

#include "http/http.h"

void khttp_split_target(const char *t, size_t n, kslice *path, kslice *query)
{
    const char *scheme = memchr(t, ':', n);
    if (n > 0 && t[0] != '/' && scheme != NULL && scheme + 2 < t + n && scheme[1] == '/' &&
        scheme[2] == '/') {
        const char *slash = memchr(scheme + 3, '/', (size_t)(t + n - scheme - 3));
        size_t skip = slash ? (size_t)(slash - t) : n;
        t += skip;
        n -= skip;
    }
    const char *q = memchr(t, '?', n);
    path->s = t;
    path->n = q ? (size_t)(q - t) : n;
    *query = q ? (kslice){q + 1, n - path->n - 1} : (kslice){NULL, 0};
}

char *khttp_decode_path(karena *a, const char *s, size_t n, size_t *out_len)
{
    return kpct_decode(a, s, n, false, out_len);
}
