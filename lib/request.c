/* Reading a request: percent-decoding of the path, the query string, content types.
 *
 * Decoding follows what the ASGI stack hands FastAPI: the path is `unquote`d (UTF-8,
 * errors="replace") before routing, so %2F separates segments; the query is
 * `parse_qsl(keep_blank_values=True)`: '&' separates, '+' is a space, "?q" is q="". Invalid
 * %-escapes stay as they are, invalid UTF-8 becomes U+FFFD, as Python's decoders do. */
#include <string.h>
#include <strings.h>

#include "internal.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Replaces invalid UTF-8 by U+FFFD, copying only when there is some. */
static char *utf8_repair(karena *a, char *s, size_t n, size_t *out_len)
{
    if (kj_utf8_valid(s, n)) {
        *out_len = n;
        return s;
    }
    kbuf b;
    kbuf_init(&b, a, n + 16);
    size_t i = 0;
    while (i < n) {
        bool ok;
        size_t len = kj_utf8_next(s + i, n - i, &ok);
        if (ok) kbuf_put(&b, s + i, len);
        else kbuf_put(&b, "\xEF\xBF\xBD", 3);
        i += len;
    }
    *out_len = b.len;
    return kbuf_cstr(&b);
}

static char *decode(karena *a, const char *s, size_t n, bool plus_is_space, size_t *out_len)
{
    char *d = karena_alloc_bytes(a, n + 1);
    if (d == NULL) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            d[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            d[k++] = ' ';
        } else {
            d[k++] = s[i];
        }
    }
    d[k] = '\0';
    return utf8_repair(a, d, k, out_len);
}

char *kdecode_path(karena *a, const char *s, size_t n, size_t *out_len)
{
    return decode(a, s, n, false, out_len);
}

bool kquery_parse(karak_ctx *c)
{
    if (c->query_parsed) return true;
    c->query_parsed = true;
    const char *q = c->raw_query.s;
    size_t n = c->raw_query.n;
    if (n == 0) return true;
    size_t count = 1;
    for (size_t i = 0; i < n; i++)
        if (q[i] == '&') count++;
    c->query_pairs = karena_alloc(c->arena, 2 * count * sizeof *c->query_pairs);
    if (c->query_pairs == NULL) return false;
    size_t at = 0;
    while (at <= n) {
        const char *amp = memchr(q + at, '&', n - at);
        size_t end = amp ? (size_t)(amp - q) : n;
        if (end > at) {
            const char *eq = memchr(q + at, '=', end - at);
            size_t key_end = eq ? (size_t)(eq - q) : end;
            size_t vstart = eq ? key_end + 1 : end;
            kslice *pair = &c->query_pairs[2 * c->nquery];
            pair[0].s = decode(c->arena, q + at, key_end - at, true, &pair[0].n);
            pair[1].s = decode(c->arena, q + vstart, end - vstart, true, &pair[1].n);
            if (pair[0].s == NULL || pair[1].s == NULL) return false;
            c->nquery++;
        }
        at = end + 1;
    }
    return true;
}

const char *kquery_last(karak_ctx *c, const char *name, size_t *len)
{
    if (!kquery_parse(c)) return NULL;
    const kslice *found = NULL;
    size_t nl = strlen(name);
    for (size_t i = 0; i < c->nquery; i++) {
        const kslice *pair = &c->query_pairs[2 * i];
        if (pair[0].n == nl && memcmp(pair[0].s, name, nl) == 0) found = &pair[1];
    }
    if (found == NULL) return NULL;
    if (len != NULL) *len = found->n;
    return found->s;
}

/* FastAPI parses the body as JSON for application/json and application/<x>+json only
 * (email.message's get_content_type: case-insensitive, parameters and spaces allowed). */
bool kcontent_type_is_json(const char *v)
{
    if (v == NULL) return false;
    while (*v == ' ' || *v == '\t') v++;
    size_t n = strcspn(v, ";");
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t')) n--;
    static const char app[] = "application/";
    size_t al = sizeof app - 1;
    if (n <= al || strncasecmp(v, app, al) != 0) return false;
    const char *sub = v + al;
    size_t sl = n - al;
    if (sl == 4 && strncasecmp(sub, "json", 4) == 0) return true;
    return sl > 5 && strncasecmp(sub + sl - 5, "+json", 5) == 0;
}
