/* Validation errors of one request, rendered as FastAPI's 422 body.
 *
 * Every error of the request is collected (pydantic reports all of them, not the first);
 * each is {"type","loc","msg","input"} plus "ctx" for the types that have one, and no "url":
 * FastAPI calls errors(include_url=False). This file owns the list and its JSON only; which
 * error to raise is validate.c's and the dispatch core's business. */
#include <string.h>

#include "schema/schema.h"

void kverrs_init(kverrs *e, karena *a)
{
    e->arena = a;
    e->head = NULL;
    e->tail = &e->head;
    e->count = 0;
    e->nomem = false;
    e->defer = NULL;
    e->defer_ud = NULL;
}

/* The frames from the outermost in: found by walking up, written in reverse. */
static void put_loc(kbuf *b, const kloc *l)
{
    if (l == NULL) return;
    if (l->up != NULL) {
        put_loc(b, l->up);
        kbuf_putc(b, ',');
    }
    if (l->key != NULL) kjw_string(b, l->key, strlen(l->key));
    else kbuf_printf(b, "%zu", l->idx);
}

static const char *render_loc(karena *a, const kloc *l)
{
    kbuf b;
    kbuf_init(&b, a, 64);
    kbuf_putc(&b, '[');
    put_loc(&b, l);
    kbuf_putc(&b, ']');
    return kbuf_cstr(&b);
}

void kverrs_add(kverrs *e, const char *type, const kloc *loc, const char *msg, const kj *input,
                const char *ctx)
{
    kverr *v = karena_alloc(e->arena, sizeof *v);
    const char *l = v != NULL ? render_loc(e->arena, loc) : NULL;
    if (v == NULL || l == NULL || msg == NULL) {
        e->nomem = true;
        return;
    }
    v->type = type;
    v->loc = l;
    v->msg = msg;
    v->input = input;
    v->ctx = ctx;
    *e->tail = v;
    e->tail = &v->next;
    e->count++;
}

void kverrs_add_built(kverrs *e, const char *type, const kloc *loc, kbuf *msg,
                      const kj *input, kbuf *ctx)
{
    const char *m = kbuf_cstr(msg), *x = kbuf_cstr(ctx);
    if (m == NULL || x == NULL) {
        e->nomem = true; /* a half-built error would be a wrong answer: 500 instead */
        return;
    }
    kverrs_add(e, type, loc, m, input, x);
}

void kverrs_render(const kverrs *e, kbuf *out)
{
    kbuf_putc(out, '[');
    for (const kverr *v = e->head; v != NULL; v = v->next) {
        if (v != e->head) kbuf_putc(out, ',');
        kbuf_puts(out, "{\"type\":\"");
        kbuf_puts(out, v->type);
        kbuf_puts(out, "\",\"loc\":");
        kbuf_puts(out, v->loc);
        kbuf_puts(out, ",\"msg\":");
        kjw_string(out, v->msg, strlen(v->msg));
        kbuf_puts(out, ",\"input\":");
        kjw_value(out, v->input);
        if (v->ctx != NULL) {
            kbuf_puts(out, ",\"ctx\":");
            kbuf_puts(out, v->ctx);
        }
        kbuf_putc(out, '}');
    }
    kbuf_putc(out, ']');
}
