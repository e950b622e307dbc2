/* Who the client is and which scheme it used, behind proxies: uvicorn's
 * ProxyHeadersMiddleware (--forwarded-allow-ips), plus RFC 7239's Forwarded header, which
 * uvicorn does not read. The headers are believed only when the peer (the connection's
 * other end) is a trusted proxy; then the client is the first address from the right of
 * the chain that is not a trusted proxy (all trusted: the leftmost), and the scheme the
 * last one given (set by the nearest proxy). Forwarded wins over X-Forwarded-For and
 * X-Forwarded-Proto when both are sent. */
#include <string.h>
#include <strings.h>

#include "http/http.h"

static bool space(char c)
{
    return c == ' ' || c == '\t';
}

static kslice trim(const char *s, size_t n)
{
    while (n > 0 && space(*s)) s++, n--;
    while (n > 0 && space(s[n - 1])) n--;
    return (kslice){s, n};
}

static bool slice_eq(kslice a, const char *b)
{
    size_t n = strlen(b);
    return a.n == n && memcmp(a.s, b, n) == 0;
}

bool khttp_trust_parse(karena *a, const char *list, khttp_trust *out)
{
    *out = (khttp_trust){0};
    if (list == NULL) return true;
    size_t n = 1;
    for (const char *p = list; *p; p++) n += *p == ',';
    out->ips = karena_alloc(a, n * sizeof *out->ips);
    if (out->ips == NULL) return false;
    for (const char *p = list;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        kslice ip = trim(p, len);
        if (slice_eq(ip, "*")) out->all = true;
        else if (ip.n > 0) out->ips[out->n++] = ip;
        if (comma == NULL) break;
        p = comma + 1;
    }
    return true;
}

bool khttp_trusted(const khttp_trust *t, const char *ip, size_t n)
{
    if (t == NULL || ip == NULL) return false;
    if (t->all) return true;
    for (size_t i = 0; i < t->n; i++)
        if (t->ips[i].n == n && memcmp(t->ips[i].s, ip, n) == 0) return true;
    return false;
}

/* A Forwarded value without its quotes, if it has them. */
static kslice unquote(kslice v)
{
    return v.n >= 2 && v.s[0] == '"' && v.s[v.n - 1] == '"' ? (kslice){v.s + 1, v.n - 2} : v;
}

/* A comma-separated list's last item, trimmed: what the nearest proxy added. */
static kslice last_item(kslice list)
{
    size_t start = list.n;
    while (start > 0 && list.s[start - 1] != ',') start--;
    return trim(list.s + start, list.n - start);
}

/* A Forwarded "for" value as an address: quotes, an IPv6 literal's brackets and a port
 * dropped ("[2001:db8::1]:4711" -> 2001:db8::1). */
static kslice node_address(kslice v)
{
    v = unquote(v);
    if (v.n > 0 && v.s[0] == '[') {
        const char *end = memchr(v.s, ']', v.n);
        return end ? (kslice){v.s + 1, (size_t)(end - v.s - 1)} : v;
    }
    const char *colon = memchr(v.s, ':', v.n);
    if (colon != NULL && memchr(colon + 1, ':', v.n - (size_t)(colon - v.s) - 1) == NULL)
        v.n = (size_t)(colon - v.s); /* host:port; several colons: a bare IPv6 address */
    return v;
}

/* One Forwarded element's parameter `name` ("for", "proto"), or {NULL, 0}. */
static kslice element_param(kslice el, const char *name)
{
    size_t nl = strlen(name);
    for (size_t i = 0; i < el.n;) {
        const char *semi = memchr(el.s + i, ';', el.n - i);
        size_t end = semi ? (size_t)(semi - el.s) : el.n;
        kslice pair = trim(el.s + i, end - i);
        const char *eq = memchr(pair.s, '=', pair.n);
        if (eq != NULL && (size_t)(eq - pair.s) == nl && strncasecmp(pair.s, name, nl) == 0)
            return trim(eq + 1, pair.n - nl - 1);
        i = end + 1;
    }
    return (kslice){NULL, 0};
}

/* The comma-separated list's items from the right: calls each(item) until it returns
 * true; returns the last item visited (the leftmost when none stopped it). */
static kslice from_right(kslice list, bool (*each)(kslice item, const khttp_trust *t),
                         const khttp_trust *t)
{
    kslice item = {NULL, 0};
    size_t end = list.n;
    for (;;) {
        size_t start = end;
        while (start > 0 && list.s[start - 1] != ',') start--;
        item = trim(list.s + start, end - start);
        if (item.n > 0 && each(item, t)) return item;
        if (start == 0) return item;
        end = start - 1;
    }
}

static bool untrusted_xff(kslice item, const khttp_trust *t)
{
    return !khttp_trusted(t, item.s, item.n);
}

static bool untrusted_forwarded(kslice el, const khttp_trust *t)
{
    kslice ip = node_address(element_param(el, "for"));
    return ip.s != NULL && !khttp_trusted(t, ip.s, ip.n);
}

/* A scheme as given, when it is one (letters, digits, '+', '-', '.'). */
static bool scheme_ok(kslice s)
{
    if (s.n == 0 || s.n > 16) return false;
    for (size_t i = 0; i < s.n; i++) {
        char c = s.s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

void khttp_forwarded(const khttp_trust *t, const char *peer, const karak_pair *h, size_t nh,
                     kslice *client, kslice *scheme)
{
    *client = (kslice){NULL, 0};
    *scheme = (kslice){NULL, 0};
    if (peer == NULL || !khttp_trusted(t, peer, strlen(peer))) return;
    const karak_pair *fw = khttp_header_find(h, nh, "forwarded");
    if (fw != NULL) {
        kslice list = {fw->value, fw->value_len};
        kslice el = from_right(list, untrusted_forwarded, t);
        kslice ip = node_address(element_param(el, "for"));
        if (ip.s != NULL && ip.n > 0) *client = ip;
        /* the proto of the nearest proxy's element: the list's last */
        kslice proto = element_param(last_item(list), "proto");
        if (proto.s != NULL && scheme_ok(unquote(proto))) *scheme = unquote(proto);
        return;
    }
    const karak_pair *xff = khttp_header_find(h, nh, "x-forwarded-for");
    if (xff != NULL) {
        kslice ip = from_right((kslice){xff->value, xff->value_len}, untrusted_xff, t);
        if (ip.n > 0) *client = ip;
    }
    const karak_pair *xfp = khttp_header_find(h, nh, "x-forwarded-proto");
    if (xfp != NULL) {
        kslice proto = last_item((kslice){xfp->value, xfp->value_len});
        if (scheme_ok(proto)) *scheme = proto;
    }
}
