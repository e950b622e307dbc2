/* Request header lists and the checks on response headers. Names compare
 * case-insensitively (RFC 9110); a repeated header is kept as repeated pairs, in order. */
#include <string.h>
#include <strings.h>

#include "http/http.h"

const karak_pair *khttp_header_find(const karak_pair *h, size_t n, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < n; i++)
        if (h[i].name_len == len && strncasecmp(h[i].name, name, len) == 0) return &h[i];
    return NULL;
}

/* Python's str.strip() on a header value, which Starlette decodes as Latin-1: the ASCII
 * whitespace of str.isspace() and the bytes 0x85 (NEL) and 0xA0 (NBSP). */
static bool latin1_space(char c)
{
    unsigned char u = (unsigned char)c;
    return kis_pyspace(c) || u == 0x85 || u == 0xA0;
}

/* FastAPI's test (fastapi/routing.py get_request_handler), through email.message's
 * get_content_type: the value up to its first ';', stripped and lower-cased, must hold
 * exactly one '/' (else it counts as text/plain), with the main type "application" and a
 * subtype "json" or ending in "+json" ("+json" itself counts). text/json is not JSON. */
bool khttp_content_type_is_json(const char *v)
{
    if (v == NULL) return false;
    size_t n = strcspn(v, ";");
    while (n > 0 && latin1_space(*v)) v++, n--;
    while (n > 0 && latin1_space(v[n - 1])) n--;
    static const char app[] = "application/";
    size_t al = sizeof app - 1;
    if (n < al || strncasecmp(v, app, al) != 0) return false;
    const char *sub = v + al;
    size_t sl = n - al;
    if (memchr(sub, '/', sl) != NULL) return false;
    if (sl == 4 && strncasecmp(sub, "json", 4) == 0) return true;
    return sl >= 5 && strncasecmp(sub + sl - 5, "+json", 5) == 0;
}

/* RFC 9110 5.6.2: token = 1*tchar */
bool khttp_token_ok(const char *s, size_t n)
{
    if (s == NULL || n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!(kis_alpha(c) || kis_digit(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c))))
            return false;
    }
    return true;
}

bool khttp_header_name_ok(const char *s)
{
    return s != NULL && khttp_token_ok(s, strlen(s));
}

bool khttp_header_value_ok(const char *s)
{
    return s != NULL && strpbrk(s, "\r\n") == NULL;
}
