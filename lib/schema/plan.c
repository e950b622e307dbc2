/* Encoding plans: how a plain model (every field written as it is: no presence flags,
 * fields-set mask, exclude_if_null or flatten) is written, worked out once when its schema
 * is compiled. The plan is a flat list of steps. All the text that does not depend on the
 * values (braces, commas, the escaped keys, a nested plain model's braces and keys) is
 * merged into literal runs, so {"id":1,"meta":{"count":2}} is four steps: the literal
 * `{"id":`, an integer, the literal `,"meta":{"count":`, an integer and the literal `}}`.
 * A nested plain model is inlined at its offset; a list gets a step that runs its
 * element's own plan once per element; anything else (enums, formats, dicts, free-form
 * JSON, models that are not plain) is one step that calls the general writer (encode.c).
 * Recursive schemas are refused when compiling, so building a plan always ends. */
#include <stdlib.h>
#include <string.h>

#include "schema/schema.h"
#include "util/limits.h"

typedef struct plan_builder {
    karena *mem;     /* the schema's: the finished plan and its literals live there */
    kop *ops;        /* the steps so far (heap, until finished) */
    size_t n, cap;
    kbuf lit;        /* the literal run not yet given to a step */
    bool nomem;
} plan_builder;

/* The prefix of a step that has none: a chunk of zeros, like any padded literal. */
static const char no_prefix[KOP_LIT_CHUNK];

static void builder_init(plan_builder *pb, karena *mem)
{
    *pb = (plan_builder){.mem = mem};
    pb->lit = (kbuf){.arena = mem};
}

static void push(plan_builder *pb, kop op)
{
    if (pb->nomem) return;
    if (pb->n == pb->cap) {
        size_t cap = pb->cap ? 2 * pb->cap : 16;
        kop *grown = realloc(pb->ops, cap * sizeof *grown);
        if (grown == NULL) {
            pb->nomem = true;
            return;
        }
        pb->ops = grown;
        pb->cap = cap;
    }
    pb->ops[pb->n++] = op;
}

static void text(plan_builder *pb, const char *s, size_t n)
{
    if (pb->lit.data == NULL) kbuf_init(&pb->lit, pb->mem, 32);
    kbuf_put(&pb->lit, s, n);
}

/* A step, with the literal run so far as its prefix. */
static void step(plan_builder *pb, kop op)
{
    op.lit = no_prefix;
    op.lit_len = 0;
    if (pb->lit.data != NULL || pb->lit.failed) {
        size_t len = pb->lit.len;
        const char *s = kbuf_cstr(&pb->lit);
        size_t padded = (len + KOP_LIT_CHUNK - 1) / KOP_LIT_CHUNK * KOP_LIT_CHUNK;
        char *lit = s != NULL ? karena_alloc_bytes(pb->mem, padded) : NULL;
        if (lit == NULL) {
            pb->nomem = true;
            return;
        }
        memcpy(lit, s, len);
        memset(lit + len, 0, padded - len);
        op.lit = lit;
        op.lit_len = len;
        pb->lit = (kbuf){.arena = pb->mem};
    }
    push(pb, op);
}

/* The most bytes a step's value writes; 0 for a value without a bound (a string, a list,
 * the general writer's), which ends a stretch covered by one reservation. */
static size_t value_bound(const kop *op)
{
    switch (op->kind) {
    case KOP_I64: return KJW_I64_MAX;
    case KOP_I32: return 11;
    case KOP_F64: return KARAK_NUM_REPR_MAX;
    case KOP_BOOL: return 5;
    default: return 0;
    }
}

/* The plan ends: a reservation at its start and after each value without a bound, for the
 * prefixes and bounded values up to and including the next such value's prefix. NULL
 * when memory ran out. */
static const kop *finish(plan_builder *pb)
{
    step(pb, (kop){.kind = KOP_END});
    size_t reserves = 1;
    for (size_t i = 0; i + 1 < pb->n; i++)
        if (value_bound(&pb->ops[i]) == 0) reserves++;
    kop *plan = pb->nomem ? NULL : karena_alloc(pb->mem, (pb->n + reserves) * sizeof *plan);
    for (size_t i = 0, o = 0; plan != NULL && i < pb->n; i++) {
        if (i == 0 || value_bound(&pb->ops[i - 1]) == 0) {
            size_t total = KOP_LIT_CHUNK;
            for (size_t j = i; j < pb->n; j++) {
                total += pb->ops[j].lit_len + value_bound(&pb->ops[j]);
                if (value_bound(&pb->ops[j]) == 0) break;
            }
            plan[o++] = (kop){.kind = KOP_RESERVE, .len = total};
        }
        plan[o++] = pb->ops[i];
    }
    free(pb->ops);
    return plan;
}

static void plan_value(plan_builder *pb, const kfield *kf, size_t offset);

static void plan_object(plan_builder *pb, const kschema *cs, size_t offset)
{
    text(pb, "{", 1);
    for (size_t i = 0; i < cs->count; i++) {
        const kfield *kf = &cs->fields[i];
        if (i > 0) text(pb, ",", 1);
        text(pb, kf->key_json, kf->key_json_len);
        plan_value(pb, kf, offset + kf->f->offset);
    }
    text(pb, "}", 1);
}

/* The plan of one list element, at offset 0; NULL when out of memory. */
static const kop *element_plan(karena *mem, const kfield *item)
{
    plan_builder pb;
    builder_init(&pb, mem);
    plan_value(&pb, item, 0);
    return finish(&pb);
}

static void plan_value(plan_builder *pb, const kfield *kf, size_t offset)
{
    switch (kf->f->type) {
    case KARAK_STR:
    case KARAK_LITERAL: step(pb, (kop){.kind = KOP_STR, .offset = offset}); return;
    case KARAK_I64: step(pb, (kop){.kind = KOP_I64, .offset = offset}); return;
    case KARAK_I32: step(pb, (kop){.kind = KOP_I32, .offset = offset}); return;
    case KARAK_F64: step(pb, (kop){.kind = KOP_F64, .offset = offset}); return;
    case KARAK_BOOL: step(pb, (kop){.kind = KOP_BOOL, .offset = offset}); return;
    case KARAK_OBJ:
        if (kf->sub->plain) {
            plan_object(pb, kf->sub, offset);
            return;
        }
        break;
    case KARAK_LIST: {
        const kop *sub = element_plan(pb->mem, kf->item);
        if (sub == NULL) {
            pb->nomem = true;
            return;
        }
        /* an element whose every step is bounded (numbers, booleans, models of them) needs
           no reservation of its own: the list makes one for all its elements */
        bool bounded = true;
        for (const kop *o = sub + 1; bounded && o->kind != KOP_END; o++)
            bounded = value_bound(o) > 0;
        size_t elem_bound = bounded ? sub[0].len - KOP_LIT_CHUNK : 0;
        step(pb, (kop){.kind = KOP_LIST, .offset = offset, .len = kf->item->size,
                       .sub = bounded ? sub + 1 : sub, .elem_bound = elem_bound});
        return;
    }
    default: break;
    }
    step(pb, (kop){.kind = KOP_VALUE, .offset = offset, .kf = kf});
}

bool kschema_plan(kschema *cs)
{
    if (!cs->plain) return true;
    plan_builder pb;
    builder_init(&pb, &cs->mem);
    plan_object(&pb, cs, 0);
    cs->plan = finish(&pb);
    return cs->plan != NULL;
}
