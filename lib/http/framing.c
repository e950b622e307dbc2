/* Request framing (RFC 9112): whether a request's head says unambiguously where its body
 * ends and what it asks for. A request that fails is answered and its connection closed:
 * once two parsers could disagree on where the body ends (two Content-Lengths, a
 * Content-Length beside a Transfer-Encoding, a coding the server cannot remove), whatever
 * follows on the connection may be a second request smuggled inside the first one's body.
 * The rules are those nginx applies; the socket layer collects the head and asks here. */
#include <string.h>
#include <strings.h>

#include "http/http.h"

/* The value with optional whitespace (SP, HTAB) trimmed at both ends. */
static kslice trim_ows(const char *s, size_t n)
{
    while (n > 0 && (s[0] == ' ' || s[0] == '\t')) s++, n--;
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    return (kslice){s, n};
}

static bool name_is(const karak_pair *h, const char *name, size_t len)
{
    return h->name_len == len && strncasecmp(h->name, name, len) == 0;
}

/* Every byte of the target is visible ASCII: a space, a control character (NUL included)
 * or a byte >= 0x80 is not part of any URI, and each is a way to make two parsers read
 * different paths. */
static bool target_ok(const char *t, size_t n)
{
    if (t == NULL || n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c <= 0x20 || c >= 0x7f) return false;
    }
    return true;
}

/* A CR or a NUL in a field value (RFC 9110 §5.5: a recipient MUST reject or replace them)
 * is refused, as uvicorn's h11 and nginx refuse them: a parser that ends the line or the
 * string there reads another header than this one. Other control characters pass, as they
 * do there. */
static bool value_ok(const char *v, size_t n)
{
    return memchr(v, '\r', n) == NULL && memchr(v, '\0', n) == NULL;
}

static int refuse(int status, const char *reason, const char **why)
{
    if (why != NULL) *why = reason;
    return status;
}

int khttp_framing_check(const khttp_head *h, const char **why)
{
    if (why != NULL) *why = NULL;
    const char *version = h->version ? h->version : "";
    if (!khttp_token_ok(h->method, h->method ? strlen(h->method) : 0))
        return refuse(400, "the method is not a token", why);
    if (!target_ok(h->target, h->target_len))
        return refuse(400, "the request target has a space, a control character or a "
                           "non-ASCII byte", why);
    if (h->folded) return refuse(400, "a header line is folded (obs-fold)", why);
    if (h->value_cut) return refuse(400, "a header value holds a NUL", why);
    size_t hosts = 0, lengths = 0, codings = 0;
    const karak_pair *cl = NULL, *te = NULL;
    for (size_t i = 0; i < h->nheaders; i++) {
        const karak_pair *p = &h->headers[i];
        if (!khttp_token_ok(p->name, p->name_len))
            return refuse(400, "a header name is not a token (whitespace before the colon?)",
                          why);
        if (!value_ok(p->value, p->value_len))
            return refuse(400, "a header value holds a CR or a NUL", why);
        if (name_is(p, "host", 4)) hosts++;
        else if (name_is(p, "content-length", 14)) lengths++, cl = p;
        else if (name_is(p, "transfer-encoding", 17)) codings++, te = p;
    }
    /* HTTP/1.0 predates Host; every later HTTP/1.x request names exactly one */
    bool http10 = strcmp(version, "HTTP/1.0") == 0 || version[0] == '\0';
    if (hosts > 1) return refuse(400, "more than one Host header", why);
    if (hosts == 0 && !http10) return refuse(400, "an HTTP/1.1 request without Host", why);
    if (lengths > 1) return refuse(400, "more than one Content-Length header", why);
    if (cl != NULL) {
        kslice v = trim_ows(cl->value, cl->value_len);
        bool digits = v.n > 0;
        for (size_t i = 0; digits && i < v.n; i++) digits = kis_digit(v.s[i]);
        if (!digits) return refuse(400, "a Content-Length that is not a number", why);
    }
    if (codings == 0) return 0;
    if (cl != NULL) return refuse(400, "both Content-Length and Transfer-Encoding", why);
    /* an HTTP/1.0 peer (or a proxy in between) may not know chunked framing at all */
    if (http10) return refuse(400, "Transfer-Encoding in an HTTP/1.0 request", why);
    /* Repeated Transfer-Encoding lines are one comma-separated list: two of them name two
     * codings, like "gzip, chunked", and chunked is the only one the server removes. */
    kslice v = codings == 1 ? trim_ows(te->value, te->value_len) : (kslice){NULL, 0};
    if (codings > 1 || v.n != 7 || strncasecmp(v.s, "chunked", 7) != 0)
        return refuse(501, "a Transfer-Encoding other than chunked", why);
    return 0;
}

/* Starlette's pattern, case-insensitive:
 *   ([a-z0-9.-]+ | \[[a-f0-9]*:[a-f0-9.:]+\]) (:[0-9]+)?
 * Anything else ('/', '@', '\\', '_', spaces, ...) could make the URL built from it name
 * another host or path than the request's. */
bool khttp_host_ok(const char *s, size_t n)
{
    if (s == NULL || n == 0) return false;
    size_t i = 0;
    if (s[0] == '[') {
        i = 1;
        while (i < n && khexval(s[i]) >= 0) i++;
        if (i >= n || s[i] != ':') return false;
        size_t start = ++i;
        while (i < n && (khexval(s[i]) >= 0 || s[i] == '.' || s[i] == ':')) i++;
        if (i == start || i >= n || s[i] != ']') return false;
        i++;
    } else {
        while (i < n && (kis_alpha(s[i]) || kis_digit(s[i]) || s[i] == '.' || s[i] == '-')) i++;
        if (i == 0) return false;
    }
    if (i == n) return true;
    if (s[i] != ':' || i + 1 == n) return false;
    for (i++; i < n; i++)
        if (!kis_digit(s[i])) return false;
    return true;
}
