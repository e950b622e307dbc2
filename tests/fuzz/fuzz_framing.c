/* libFuzzer target: request heads through the HTTP layer's checks and decoders
 * (lib/http): the framing rules the server applies before it reads a body
 * (khttp_framing_check), the Host check behind redirect Locations (khttp_host_ok), and the
 * head's decoders: target split and path decoding, the query string, cookies, header
 * lookup and the JSON content type.
 *
 * The input is a request head, parsed loosely so that anything can reach the checks:
 *     METHOD SP TARGET SP VERSION LF   (method: up to the first SP; version: after the last
 *                                       of two or more; the target keeps its bytes, NULs
 *                                       and spaces included)
 *     name:value LF                    (no ':': a name with an empty value; a line that
 *                                       starts with SP or HTAB marks the head as folded,
 *                                       one that starts with a NUL as value_cut: the
 *                                       socket layer found a value cut short by a NUL)
 *     LF                               (the end of the head; anything after is ignored)
 * Every piece with a length (target, header names and values) is handed over in a buffer
 * of exactly that size, so a read past a length is caught by ASan.
 *
 * The checks are compared with oracles written here from the rules as lib/http/http.h
 * documents them (RFC 9112 as nginx applies it, Starlette's host pattern, Python's
 * unquote, parse_qsl and cookie_parser), not from framing.c's code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "http/http.h"

#define MAX_HEADERS 64

/* ---- the input as a head ---- */

typedef struct head {
    char *method, *version;
    char *target;
    size_t target_len;
    karak_pair headers[MAX_HEADERS];
    size_t nheaders;
    bool folded;
    bool value_cut;
} head;

/* A copy of exactly n bytes, not terminated: reading past n is an ASan error. */
static char *exact_copy(const char *s, size_t n)
{
    char *d = malloc(n ? n : 1);
    FUZZ_CHECK(d != NULL, "out of memory");
    if (n > 0) memcpy(d, s, n);
    return d;
}

static char *cstr_copy(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    FUZZ_CHECK(d != NULL, "out of memory");
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

/* The line at *at, without its LF and a CR before it. */
static kslice next_line(const char *s, size_t n, size_t *at, bool *had_lf)
{
    const char *line = s + *at;
    const char *lf = memchr(line, '\n', n - *at);
    size_t len = lf ? (size_t)(lf - line) : n - *at;
    *had_lf = lf != NULL;
    *at += len + (lf != NULL);
    if (len > 0 && line[len - 1] == '\r') len--;
    return (kslice){line, len};
}

static void parse_request_line(kslice l, head *h)
{
    const char *sp1 = memchr(l.s, ' ', l.n);
    const char *sp2 = NULL;
    for (size_t i = l.n; sp1 != NULL && i > (size_t)(sp1 - l.s) + 1; i--)
        if (l.s[i - 1] == ' ') {
            sp2 = l.s + i - 1;
            break;
        }
    const char *end = l.s + l.n;
    const char *t = sp1 ? sp1 + 1 : end, *t_end = sp2 ? sp2 : end;
    h->method = cstr_copy(l.s, sp1 ? (size_t)(sp1 - l.s) : l.n);
    h->target_len = (size_t)(t_end - t);
    h->target = exact_copy(t, h->target_len);
    h->version = sp2 ? cstr_copy(sp2 + 1, (size_t)(end - sp2 - 1)) : cstr_copy("", 0);
}

static void parse_head(const char *s, size_t n, head *h)
{
    memset(h, 0, sizeof *h);
    size_t at = 0;
    bool lf;
    parse_request_line(next_line(s, n, &at, &lf), h);
    while (lf && at < n) {
        kslice l = next_line(s, n, &at, &lf);
        if (l.n == 0) break;
        if (l.s[0] == ' ' || l.s[0] == '\t') {
            h->folded = true;
            continue;
        }
        if (l.s[0] == '\0') {
            h->value_cut = true;
            continue;
        }
        if (h->nheaders == MAX_HEADERS) continue;
        const char *colon = memchr(l.s, ':', l.n);
        size_t name_len = colon ? (size_t)(colon - l.s) : l.n;
        size_t value_len = colon ? l.n - name_len - 1 : 0;
        karak_pair *p = &h->headers[h->nheaders++];
        p->name = exact_copy(l.s, name_len);
        p->name_len = name_len;
        p->value = exact_copy(colon ? colon + 1 : "", value_len);
        p->value_len = value_len;
    }
}

static void head_free(head *h)
{
    free(h->method);
    free(h->version);
    free(h->target);
    for (size_t i = 0; i < h->nheaders; i++) {
        free((char *)h->headers[i].name);
        free((char *)h->headers[i].value);
    }
}

/* ---- oracles ---- */

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static bool in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (lower(c) >= 'a' && lower(c) <= 'z');
}

/* RFC 9110: token = 1*tchar */
static bool oracle_token(const char *s, size_t n)
{
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(s[i]) && !in_set(s[i], "!#$%&'*+-.^_`|~")) return false;
    return true;
}

static bool name_eq(const karak_pair *p, const char *name)
{
    size_t n = strlen(name);
    if (p->name_len != n) return false;
    for (size_t i = 0; i < n; i++)
        if (lower(p->name[i]) != name[i]) return false;
    return true;
}

static kslice ows_trimmed(const char *s, size_t n)
{
    size_t b = 0, e = n;
    while (b < e && (s[b] == ' ' || s[b] == '\t')) b++;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) e--;
    return (kslice){s + b, e - b};
}

static size_t count_named(const head *h, const char *name, const karak_pair **last)
{
    size_t n = 0;
    for (size_t i = 0; i < h->nheaders; i++)
        if (name_eq(&h->headers[i], name)) n++, *last = &h->headers[i];
    return n;
}

/* The framing rules of lib/http/http.h, every 400 taking precedence over the 501. */
static int oracle_framing(const head *h)
{
    bool bad = !oracle_token(h->method, strlen(h->method)) || h->target_len == 0 ||
               h->folded || h->value_cut;
    for (size_t i = 0; i < h->target_len; i++)
        bad |= (unsigned char)h->target[i] <= 0x20 || (unsigned char)h->target[i] >= 0x7f;
    for (size_t i = 0; i < h->nheaders; i++) {
        const karak_pair *p = &h->headers[i];
        bad |= !oracle_token(p->name, p->name_len);
        /* a CR or a NUL in a value (other control characters pass, as in h11 and nginx) */
        for (size_t k = 0; k < p->value_len; k++)
            bad |= p->value[k] == '\r' || p->value[k] == '\0';
    }
    const karak_pair *cl = NULL, *te = NULL, *host = NULL;
    size_t hosts = count_named(h, "host", &host), lengths = count_named(h, "content-length", &cl);
    size_t codings = count_named(h, "transfer-encoding", &te);
    bool http10 = strcmp(h->version, "HTTP/1.0") == 0 || h->version[0] == '\0';
    bad |= hosts > 1 || (hosts == 0 && !http10) || lengths > 1;
    if (lengths == 1) {
        kslice v = ows_trimmed(cl->value, cl->value_len);
        bad |= v.n == 0;
        for (size_t i = 0; i < v.n; i++) bad |= v.s[i] < '0' || v.s[i] > '9';
    }
    bad |= codings > 0 && (lengths > 0 || http10);
    if (bad) return 400;
    if (codings == 0) return 0;
    kslice v = ows_trimmed(te->value, te->value_len);
    bool chunked = codings == 1 && v.n == 7;
    for (size_t i = 0; chunked && i < 7; i++) chunked = lower(v.s[i]) == "chunked"[i];
    return chunked ? 0 : 501;
}

static bool all_in(const char *s, size_t n, bool (*ok)(char))
{
    for (size_t i = 0; i < n; i++)
        if (!ok(s[i])) return false;
    return true;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

static bool is_v6(char c)
{
    return is_hex(c) || c == '.' || c == ':';
}

static bool is_host(char c)
{
    return is_alnum(c) || c == '.' || c == '-';
}

/* Starlette: ([a-z0-9.-]+ | \[[a-f0-9]*:[a-f0-9.:]+\]) (:[0-9]+)?, case-insensitive */
static bool oracle_host(const char *s, size_t n)
{
    size_t end = 0;
    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (rb == NULL) return false;
        size_t inner = (size_t)(rb - s) - 1;
        const char *colon = memchr(s + 1, ':', inner);
        if (colon == NULL) return false;
        size_t pre = (size_t)(colon - s) - 1, post = inner - pre - 1;
        if (!all_in(s + 1, pre, is_hex) || post == 0 || !all_in(colon + 1, post, is_v6))
            return false;
        end = (size_t)(rb - s) + 1;
    } else {
        while (end < n && is_host(s[end])) end++;
        if (end == 0) return false;
    }
    if (end == n) return true;
    return s[end] == ':' && end + 1 < n && all_in(s + end + 1, n - end - 1, is_digit);
}

/* Python's unquote (unquote_plus with `plus`) before the UTF-8 decoding: raw bytes. */
static size_t oracle_unquote(const char *s, size_t n, bool plus, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], '\0'};
            out[k++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[k++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    return k;
}

/* ---- the checks ---- */

static void check_framing(const head *h)
{
    const char *why = "unset";
    khttp_head kh = {.method = h->method, .version = h->version, .target = h->target,
                     .target_len = h->target_len, .headers = h->headers,
                     .nheaders = h->nheaders, .folded = h->folded,
                     .value_cut = h->value_cut};
    int got = khttp_framing_check(&kh, &why);
    int want = oracle_framing(h);
    FUZZ_CHECK(got == want, "khttp_framing_check = %d (%s), the rules say %d", got,
               why ? why : "-", want);
    FUZZ_CHECK((got == 0) == (why == NULL), "status %d with reason %s", got, why ? why : "NULL");
    FUZZ_CHECK(why == NULL || why[0] != '\0', "an empty reason");
    FUZZ_CHECK(khttp_framing_check(&kh, NULL) == got, "the answer depends on `why`");
    FUZZ_CHECK(khttp_token_ok(h->method, strlen(h->method)) ==
                   oracle_token(h->method, strlen(h->method)),
               "khttp_token_ok(method)");
}

/* khttp_header_find gives the first header of a name, whatever the case of either (asked
 * with a C string: names with a NUL cannot be asked for). */
static void check_find(const head *h, const karak_pair *p)
{
    const karak_pair *found = NULL;
    for (size_t j = 0; j < h->nheaders && found == NULL; j++) {
        bool eq = h->headers[j].name_len == p->name_len;
        for (size_t k = 0; eq && k < p->name_len; k++)
            eq = lower(h->headers[j].name[k]) == lower(p->name[k]);
        if (eq) found = &h->headers[j];
    }
    char *name = cstr_copy(p->name, p->name_len);
    FUZZ_CHECK(khttp_header_find(h->headers, h->nheaders, name) == found,
               "khttp_header_find(%s) is not the first of that name", name);
    free(name);
}

static void check_headers(const head *h)
{
    for (size_t i = 0; i < h->nheaders; i++) {
        const karak_pair *p = &h->headers[i];
        if (name_eq(p, "host"))
            FUZZ_CHECK(khttp_host_ok(p->value, p->value_len) ==
                           oracle_host(p->value, p->value_len),
                       "khttp_host_ok(%.*s) = %d", (int)p->value_len, p->value,
                       khttp_host_ok(p->value, p->value_len));
        if (memchr(p->name, '\0', p->name_len) == NULL) check_find(h, p);
        if (name_eq(p, "content-type")) {
            char *v = cstr_copy(p->value, p->value_len);
            (void)khttp_content_type_is_json(v);
            free(v);
        }
    }
}

static void check_decoded(const char *d, size_t len, const char *raw, size_t n, bool plus,
                          const char *what)
{
    FUZZ_CHECK(d != NULL, "%s: out of memory", what);
    FUZZ_CHECK(d[len] == '\0', "%s: not NUL-terminated at its length", what);
    FUZZ_CHECK(fuzz_utf8_ok(d, len), "%s: not UTF-8", what);
    char *want = malloc(n + 1);
    FUZZ_CHECK(want != NULL, "out of memory");
    size_t wn = oracle_unquote(raw, n, plus, want);
    /* errors="replace" only changes bytes that are not UTF-8 */
    if (fuzz_utf8_ok(want, wn))
        FUZZ_CHECK(wn == len && memcmp(want, d, len) == 0, "%s: decoded differently", what);
    else
        FUZZ_CHECK(len <= 3 * wn, "%s: %zu bytes from %zu", what, len, wn);
    free(want);
}

static void check_target(karena *a, const head *h)
{
    kslice path, query;
    const char *t = h->target, *end = h->target + h->target_len;
    khttp_split_target(t, h->target_len, &path, &query);
    FUZZ_CHECK(path.s >= t && path.s + path.n <= end, "the path is outside the target");
    FUZZ_CHECK(memchr(path.s, '?', path.n) == NULL, "the path has a '?'");
    if (query.s != NULL)
        FUZZ_CHECK(query.s == path.s + path.n + 1 && query.s + query.n == end,
                   "the query is not the rest of the target");
    else
        FUZZ_CHECK(path.s + path.n == end, "the path stops short without a query");
    size_t len = 0;
    char *d = khttp_decode_path(a, path.s, path.n, &len);
    check_decoded(d, len, path.s, path.n, false, "the path");
    if (query.s == NULL) return;
    karak_pair *dec = NULL, *raw = NULL;
    size_t count = 0, amps = 0;
    FUZZ_CHECK(khttp_query_parse(a, query.s, query.n, &dec, &raw, &count), "out of memory");
    for (size_t i = 0; i < query.n; i++) amps += query.s[i] == '&';
    FUZZ_CHECK(count <= amps + 1, "%zu pairs from %zu '&'", count, amps);
    for (size_t i = 0; i < count; i++) {
        const karak_pair *r = &raw[i], *p = &dec[i];
        FUZZ_CHECK(r->name >= query.s && r->value + r->value_len <= end, "raw pair outside");
        FUZZ_CHECK(memchr(r->name, '&', r->name_len) == NULL &&
                       memchr(r->name, '=', r->name_len) == NULL &&
                       memchr(r->value, '&', r->value_len) == NULL,
                   "raw pair %zu spans a separator", i);
        check_decoded(p->name, p->name_len, r->name, r->name_len, true, "a query name");
        check_decoded(p->value, p->value_len, r->value, r->value_len, true, "a query value");
        const karak_pair *last = khttp_pairs_last(dec, count, p->name, p->name_len);
        FUZZ_CHECK(last != NULL && last >= p, "khttp_pairs_last is not the last");
    }
}

static void check_cookies(karena *a, const head *h)
{
    karak_pair *pairs = NULL;
    size_t count = 0, cookie_headers = 0;
    FUZZ_CHECK(khttp_cookies_parse(a, h->headers, h->nheaders, &pairs, &count), "out of memory");
    for (size_t i = 0; i < h->nheaders; i++) cookie_headers += name_eq(&h->headers[i], "cookie");
    FUZZ_CHECK(cookie_headers > 0 || count == 0, "cookies without a Cookie header");
    for (size_t i = 0; i < count; i++) {
        const karak_pair *p = &pairs[i];
        FUZZ_CHECK(p->name[p->name_len] == '\0' && p->value[p->value_len] == '\0',
                   "cookie %zu not NUL-terminated", i);
        FUZZ_CHECK(memchr(p->name, ';', p->name_len) == NULL &&
                       memchr(p->name, '=', p->name_len) == NULL,
                   "cookie name %zu spans a separator", i);
        FUZZ_CHECK(p->name_len == 0 || (p->name[0] != ' ' && p->name[p->name_len - 1] != ' '),
                   "cookie name %zu is not stripped", i);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    head h;
    parse_head((const char *)data, size, &h);
    karena a;
    karena_init(&a);
    check_framing(&h);
    check_headers(&h);
    check_target(&a, &h);
    check_cookies(&a, &h);
    karena_free(&a);
    head_free(&h);
    return 0;
}
