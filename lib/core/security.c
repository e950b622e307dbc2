/* FastAPI's security schemes as ready providers (fastapi/security/http.py, api_key.py):
 * the same parsing of the Authorization header, the same 401 {"detail":"Not authenticated"}
 * with WWW-Authenticate, the same auto_error=False (here .optional: the value's fields are
 * NULL instead of a 401). */
#include <string.h>
#include <strings.h>

#include "core/core.h"

static const char not_authenticated[] = "Not authenticated";

static karak_result refuse(karak_ctx *c, const char *challenge)
{
    if (karak_resp_header_add(c, "WWW-Authenticate", challenge) != KARAK_OK) return KARAK_FAIL;
    return karak_resp_error(c, 401, not_authenticated);
}

static bool py_space(char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f);
}

/* get_authorization_scheme_param: "scheme rest" split at the first space, rest stripped;
 * both copied into the arena. False when out of memory. */
static bool scheme_param(karak_ctx *c, const char *v, char **scheme, char **param)
{
    const char *sp = strchr(v, ' ');
    size_t sn = sp ? (size_t)(sp - v) : strlen(v);
    const char *p = sp ? sp + 1 : v + sn;
    size_t pn = strlen(p);
    while (pn > 0 && py_space(*p)) p++, pn--;
    while (pn > 0 && py_space(p[pn - 1])) pn--;
    *scheme = karena_strndup(c->arena, v, sn);
    *param = karena_strndup(c->arena, p, pn);
    return *scheme != NULL && *param != NULL;
}

static const karak_security *config(karak_ctx *c)
{
    static const karak_security none = {.name = NULL};
    const karak_security *s = karak_dep_data(c);
    return s != NULL ? s : &none;
}

static karak_result bearer(karak_ctx *c, void *value)
{
    karak_credentials *out = value;
    const char *auth = kctx_header(c, "authorization");
    char *scheme = NULL, *param = NULL;
    if (auth != NULL && auth[0] != '\0' && !scheme_param(c, auth, &scheme, &param))
        return KARAK_FAIL;
    bool ok = scheme != NULL && scheme[0] != '\0' && param[0] != '\0' &&
              strcasecmp(scheme, "bearer") == 0;
    if (!ok) return config(c)->optional ? KARAK_NEXT : refuse(c, "Bearer");
    out->scheme = scheme;
    out->credentials = param;
    return KARAK_NEXT;
}

static const karak_security bearer_optional = {.optional = true};

const karak_provider karak_http_bearer = {
    .name = "http_bearer", .size = sizeof(karak_credentials), .provide = bearer};
const karak_provider karak_http_bearer_optional = {
    .name = "http_bearer", .size = sizeof(karak_credentials), .provide = bearer,
    .data = (void *)&bearer_optional};

/* Python's base64.b64decode(s) (validate=False, CPython's binascii.a2b_base64): characters
 * outside the alphabet are dropped, enough padding after a partial group ends the data,
 * a group left 1 character long or short of its padding is an error. The decoded bytes,
 * NUL-terminated, or NULL. */
static char *b64decode(karak_ctx *c, const char *s, size_t *len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s), data = 0, pads = 0;
    char *out = karak_alloc(c, n + 1);
    if (out == NULL) return NULL;
    uint32_t acc = 0;
    size_t k = 0;
    bool padded = false;
    for (size_t i = 0; i < n && !padded; i++) {
        if (s[i] == '=') {
            /* padding counts where it can stand; enough of it ends the data */
            padded = data % 4 >= 2 && ++pads + data % 4 >= 4;
            continue;
        }
        const char *at = memchr(alphabet, s[i], sizeof alphabet - 1);
        if (at == NULL) continue;
        pads = 0;
        acc = (acc << 6) | (uint32_t)(at - alphabet);
        if (++data % 4 == 0) {
            out[k++] = (char)(acc >> 16);
            out[k++] = (char)(acc >> 8);
            out[k++] = (char)acc;
            acc = 0;
        }
    }
    size_t rest = data % 4;
    if (rest != 0 && !padded) return NULL; /* 1 more than a multiple of 4, or no padding */
    if (rest == 2) out[k++] = (char)(acc >> 4);
    if (rest == 3) {
        out[k++] = (char)(acc >> 10);
        out[k++] = (char)(acc >> 2);
    }
    out[k] = '\0';
    *len = k;
    return out;
}

karak_result karak_security_http_basic(karak_ctx *c, void *value)
{
    karak_basic_credentials *out = value;
    const karak_security *cfg = config(c);
    char challenge[256];
    if (cfg->realm != NULL) snprintf(challenge, sizeof challenge, "Basic realm=\"%s\"", cfg->realm);
    else snprintf(challenge, sizeof challenge, "Basic");
    const char *auth = kctx_header(c, "authorization");
    char *scheme = NULL, *param = NULL;
    if (auth != NULL && auth[0] != '\0' && !scheme_param(c, auth, &scheme, &param))
        return KARAK_FAIL;
    if (scheme == NULL || strcasecmp(scheme, "basic") != 0)
        return cfg->optional ? KARAK_NEXT : refuse(c, challenge);
    /* from here on FastAPI refuses even when auto_error is off */
    size_t n = 0;
    char *data = b64decode(c, param, &n);
    bool ascii = data != NULL && memchr(data, '\0', n) == NULL;
    for (size_t i = 0; ascii && i < n; i++) ascii = (unsigned char)data[i] < 0x80;
    char *colon = ascii ? strchr(data, ':') : NULL;
    if (colon == NULL) return refuse(c, challenge);
    *colon = '\0';
    out->username = data;
    out->password = colon + 1;
    return KARAK_NEXT;
}

const karak_provider karak_http_basic = KARAK_HTTP_BASIC();

/* APIKeyQuery/Header/Cookie: the key, or a 401 (`not api_key`: empty counts as missing). */
static karak_result api_key(karak_ctx *c, void *value, const char *key)
{
    if (key == NULL || key[0] == '\0')
        return config(c)->optional ? KARAK_NEXT : refuse(c, "APIKey");
    *(const char **)value = key;
    return KARAK_NEXT;
}

karak_result karak_security_api_key_header(karak_ctx *c, void *value)
{
    const char *name = config(c)->name;
    return api_key(c, value, name ? kctx_header(c, name) : NULL);
}

karak_result karak_security_api_key_query(karak_ctx *c, void *value)
{
    const char *name = config(c)->name;
    return api_key(c, value, name ? karak_req_query_param(c, name) : NULL);
}

karak_result karak_security_api_key_cookie(karak_ctx *c, void *value)
{
    const char *name = config(c)->name;
    return api_key(c, value, name ? karak_req_cookie(c, name) : NULL);
}
