/* Constant answers, built once (server.h): the kept responses of routes that read
 * nothing. Reuse is what libmicrohttpd allows a response object: queued on any number of
 * connections, from any thread, counted by its own reference count; the slot holds one
 * reference until the server is freed. */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

struct kmemo {
    struct MHD_Response *response;
    int status;
    const char *content_type; /* NUL-terminated copy in `bytes`, or NULL */
    size_t body_len;
    char bytes[]; /* the body, then the content type */
};

bool kmemos_init(kmemos *m, size_t nroutes)
{
    m->n = 0;
    m->slots = nroutes > 0 ? calloc(nroutes, sizeof *m->slots) : NULL;
    if (m->slots == NULL) return nroutes == 0;
    for (size_t i = 0; i < nroutes; i++) atomic_init(&m->slots[i], NULL);
    m->n = nroutes;
    return true;
}

static void memo_free(kmemo *k)
{
    if (k == NULL) return;
    if (k->response != NULL) MHD_destroy_response(k->response);
    free(k);
}

void kmemos_free(kmemos *m)
{
    for (size_t i = 0; i < m->n; i++) memo_free(atomic_load(&m->slots[i]));
    free(m->slots);
    m->slots = NULL;
    m->n = 0;
}

static bool same_type(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool memo_matches(const kmemo *k, const kresp *resp)
{
    return k->status == resp->status && k->body_len == resp->body_len &&
           (resp->body_len == 0 || memcmp(k->bytes, resp->body, resp->body_len) == 0) &&
           same_type(k->content_type, resp->content_type);
}

static kmemo *memo_make(const kresp *resp)
{
    size_t type_len = resp->content_type != NULL ? strlen(resp->content_type) + 1 : 0;
    kmemo *k = malloc(sizeof *k + resp->body_len + type_len);
    if (k == NULL) return NULL;
    k->status = resp->status;
    k->body_len = resp->body_len;
    if (resp->body_len > 0) memcpy(k->bytes, resp->body, resp->body_len);
    k->content_type = NULL;
    if (type_len > 0) {
        k->content_type = memcpy(k->bytes + resp->body_len, resp->content_type, type_len);
    }
    k->response = MHD_create_response_from_buffer(k->body_len, k->bytes,
                                                  MHD_RESPMEM_PERSISTENT);
    if (k->response != NULL && k->content_type != NULL &&
        MHD_add_response_header(k->response, MHD_HTTP_HEADER_CONTENT_TYPE,
                                k->content_type) != MHD_YES) {
        MHD_destroy_response(k->response);
        k->response = NULL;
    }
    if (k->response == NULL) {
        free(k);
        return NULL;
    }
    return k;
}

struct MHD_Response *kmemos_get(kmemos *m, const kroute *route, const kresp *resp)
{
    if (route->index >= m->n || resp->nheaders > 0 || resp->body_len > KMEMO_MAX_BODY)
        return NULL;
    _Atomic(kmemo *) *slot = &m->slots[route->index];
    kmemo *k = atomic_load_explicit(slot, memory_order_acquire);
    if (k != NULL) return memo_matches(k, resp) ? k->response : NULL;
    /* the route's first answer that can be kept: kept, unless another thread was first */
    k = memo_make(resp);
    if (k == NULL) return NULL;
    kmemo *none = NULL;
    if (atomic_compare_exchange_strong_explicit(slot, &none, k, memory_order_acq_rel,
                                                memory_order_acquire))
        return k->response;
    memo_free(k);
    return memo_matches(none, resp) ? none->response : NULL;
}
