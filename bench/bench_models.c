/* The schema layer against jansson on the same bytes, in one run: decoding (kj_parse),
 * validating into a C struct (kschema_from_json) and encoding a struct (kschema_encode),
 * each as a request does it (a karena reset after every operation), beside what a
 * hand-written jansson server does for the same answer. No socket, no dispatch.
 *
 *   build-bench/bench/bench_models [reps [ms_per_rep [case]]]    (Release build recommended)
 * `case` (1, 2a, 2b or 3) times that case alone, for a profiler; the checks still run all.
 *
 * Each case's operations are timed in interleaved repetitions (libkarak, peer 1, peer 2,
 * libkarak, ...), so that a noisy neighbour on a shared machine slows both sides of a ratio
 * alike; the figures are the medians over the repetitions. Before timing, every case checks
 * that libkarak and jansson produce the same JSON (both parsed back with jansson and
 * compared with json_equal) and exits 1 if not: a benchmark of the wrong output would be
 * worse than none. The targets are checked and printed but never fail the run: a
 * noisy machine must not turn a measurement into an error. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "json/json.h"
#include "schema/schema.h"
#include "util/util.h"

#define MAX_REPS 101
#define MAX_PEERS 2
#define DOC_ITEMS 20
#define LIST_LEN 100

/* ---- the models ---- */

/* 1. The Quick Start's Item (examples/quickstart.c) */
typedef struct {
    const char *name;
    double price;
} Item;
static const karak_field item_fields[] = {
    KARAK_FIELD(Item, name, KARAK_STR),
    KARAK_FIELD(Item, price, KARAK_F64),
    KARAK_FIELDS_END,
};
static const karak_schema item_schema = KARAK_SCHEMA(Item, item_fields);

/* 2. The peer benchmark's /json shape: a message, 20 small objects, a nested object */
typedef struct {
    int64_t id;
    const char *value;
} Entry;
static const karak_field entry_fields[] = {
    KARAK_FIELD(Entry, id, KARAK_I64),
    KARAK_FIELD(Entry, value, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema entry_schema = KARAK_SCHEMA(Entry, entry_fields);

typedef struct {
    int64_t count;
    const char *source;
} Meta;
static const karak_field meta_fields[] = {
    KARAK_FIELD(Meta, count, KARAK_I64),
    KARAK_FIELD(Meta, source, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema meta_schema = KARAK_SCHEMA(Meta, meta_fields);

typedef struct {
    const char *message;
    KARAK_LIST_OF(Entry) items;
    Meta meta;
} Doc;
static const karak_field doc_fields[] = {
    KARAK_FIELD(Doc, message, KARAK_STR),
    KARAK_FIELD(Doc, items, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &entry_schema)),
    KARAK_FIELD(Doc, meta, KARAK_OBJ, .schema = &meta_schema),
    KARAK_FIELDS_END,
};
static const karak_schema doc_schema = KARAK_SCHEMA(Doc, doc_fields);

/* 2j. The peer benchmark's GET /json document exactly (the FastAPI app's JsonDoc: items
 * are dict[str, int] with the keys id and value, nested is dict[str, dict[str, str]]), as
 * a C programmer declares it: fixed keys as struct members. 526 bytes. */
typedef struct {
    int64_t id, value;
} Pair;
static const karak_field pair_fields[] = {
    KARAK_FIELD(Pair, id, KARAK_I64),
    KARAK_FIELD(Pair, value, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema pair_schema = KARAK_SCHEMA(Pair, pair_fields);
typedef struct {
    const char *level2;
} Level1;
static const karak_field level1_fields[] = {
    KARAK_FIELD(Level1, level2, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema level1_schema = KARAK_SCHEMA(Level1, level1_fields);
typedef struct {
    const char *key;
} Another;
static const karak_field another_fields[] = {
    KARAK_FIELD(Another, key, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema another_schema = KARAK_SCHEMA(Another, another_fields);
typedef struct {
    Level1 level1;
    Another another;
} Nested;
static const karak_field nested_fields[] = {
    KARAK_FIELD(Nested, level1, KARAK_OBJ, .schema = &level1_schema),
    KARAK_FIELD(Nested, another, KARAK_OBJ, .schema = &another_schema),
    KARAK_FIELDS_END,
};
static const karak_schema nested_schema = KARAK_SCHEMA(Nested, nested_fields);
typedef struct {
    const char *message;
    KARAK_LIST_OF(Pair) items;
    Nested nested;
} JsonDoc;
static const karak_field jsondoc_fields[] = {
    KARAK_FIELD(JsonDoc, message, KARAK_STR),
    KARAK_FIELD(JsonDoc, items, KARAK_LIST, .items = KARAK_ITEM(KARAK_OBJ, .schema = &pair_schema)),
    KARAK_FIELD(JsonDoc, nested, KARAK_OBJ, .schema = &nested_schema),
    KARAK_FIELDS_END,
};
static const karak_schema jsondoc_schema = KARAK_SCHEMA(JsonDoc, jsondoc_fields);

/* 3. One element of a list response (what a handler reads from a database) */
typedef struct {
    int64_t id;
    const char *name;
    double price;
    KARAK_LIST_OF(const char *) tags;
} Product;
static const karak_field product_fields[] = {
    KARAK_FIELD(Product, id, KARAK_I64),
    KARAK_FIELD(Product, name, KARAK_STR),
    KARAK_FIELD(Product, price, KARAK_F64),
    KARAK_FIELD(Product, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR)),
    KARAK_FIELDS_END,
};
static const karak_schema product_schema = KARAK_SCHEMA(Product, product_fields);

/* ---- the state every operation reads ---- */

typedef struct bench {
    karena arena;       /* one per "connection", reset after every operation */
    kschema *item_cs;   /* compiled as a route's .body is, at registration */
    kschema *doc_cs;
    kschema *jsondoc_cs;
    JsonDoc jsondoc;
    Pair jsondoc_pairs[DOC_ITEMS];
    json_t *jsondoc_tree;
    kschema *product_cs;
    const char *item_body;
    size_t item_body_len;
    Doc doc;            /* the struct a handler would fill */
    Entry doc_entries[DOC_ITEMS];
    char doc_values[DOC_ITEMS][16];
    char *doc_bytes;    /* the document as JSON (jansson's json_dumps, malloc'd) */
    size_t doc_bytes_len;
    json_t *doc_tree;   /* the document prebuilt as jansson values */
    Product products[LIST_LEN];
    char product_names[LIST_LEN][16];
    const char *product_tags[LIST_LEN][2];
    json_t *list_tree;
    /* the last operation's output: in the arena (karak) or malloc'd (jansson, heap_out) */
    const char *out;
    size_t out_len;
    char *heap_out;
    Doc decoded;        /* the last decode's struct (jansson's points into jansson_tree) */
    Entry jansson_entries[DOC_ITEMS];
    json_t *jansson_tree;
} bench;

/* An operation returns a number that depends on its work (summed into a sink, so that
 * nothing is left out); release() then frees its output as the caller of the real thing
 * would: libkarak's with the arena reset at the end of the request, jansson's with free(). */
typedef size_t (*op_fn)(bench *x);

static void release_arena(bench *x)
{
    x->out = NULL;
    karena_reset(&x->arena);
}

static void release_heap(bench *x)
{
    free(x->heap_out);
    x->heap_out = NULL;
    x->out = NULL;
    json_decref(x->jansson_tree); /* a decoded tree owns the strings the struct borrowed */
    x->jansson_tree = NULL;
}

/* ---- case 1: the Quick Start's POST /items body round trip ---- */

/* What dispatch does for a JSON body (read_body, validate_body) and karak_resp_model then
 * does with the handler's struct; the HTTP framing is bench_dispatch's business. */
static size_t item_karak(bench *x)
{
    kj *parsed = NULL;
    kj_error e = {0};
    if (kj_parse(&x->arena, x->item_body, x->item_body_len, &parsed, &e) != KJ_OK ||
        parsed->type != KJ_OBJ)
        return 0;
    kverrs errs;
    kverrs_init(&errs, &x->arena);
    kloc loc = KLOC_KEY(NULL, "body");
    Item *it = karena_alloc(&x->arena, sizeof *it);
    if (it == NULL || !kschema_from_json(x->item_cs, parsed, it, &loc, &errs)) return 0;
    kbuf b;
    kbuf_init(&b, &x->arena, 256); /* karak_resp_model's initial size */
    kschema_encode(&b, x->item_cs, it, 0);
    x->out = b.data;
    x->out_len = b.failed ? 0 : b.len;
    return x->out_len;
}

/* The same by hand with jansson: load, read the two members with the checks a validator
 * needs, dump the object. */
static size_t item_jansson(bench *x)
{
    json_t *root = json_loadb(x->item_body, x->item_body_len, 0, NULL);
    if (root == NULL) return 0;
    json_t *name = json_object_get(root, "name"), *price = json_object_get(root, "price");
    size_t r = 0;
    if (json_is_string(name) && json_is_number(price)) {
        Item it = {json_string_value(name), json_number_value(price)};
        x->heap_out = json_dumps(root, JSON_COMPACT);
        x->out = x->heap_out;
        /* the struct counts in the result, so that reading it is not left out */
        r = x->heap_out != NULL ? strlen(x->heap_out) + strlen(it.name) + (it.price > 0) : 0;
    }
    json_decref(root);
    return r;
}

/* ---- case 2: the 20-element document ---- */

static size_t doc_encode_karak(bench *x)
{
    kbuf b;
    kbuf_init(&b, &x->arena, 256);
    kschema_encode(&b, x->doc_cs, &x->doc, 0);
    x->out = b.data;
    x->out_len = b.failed ? 0 : b.len;
    return x->out_len;
}

/* The document built from the same struct with jansson's direct calls (cheaper than
 * json_pack, which parses its format each time: the stronger peer). */
static json_t *doc_to_jansson(const Doc *d)
{
    json_t *root = json_object(), *items = json_array(), *meta = json_object();
    json_object_set_new(root, "message", json_string(d->message));
    for (size_t i = 0; i < d->items.len; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer(d->items.items[i].id));
        json_object_set_new(e, "value", json_string(d->items.items[i].value));
        json_array_append_new(items, e);
    }
    json_object_set_new(root, "items", items);
    json_object_set_new(meta, "count", json_integer(d->meta.count));
    json_object_set_new(meta, "source", json_string(d->meta.source));
    json_object_set_new(root, "meta", meta);
    return root;
}

static size_t dumps_into(bench *x, const json_t *v)
{
    x->heap_out = json_dumps(v, JSON_COMPACT);
    x->out = x->heap_out;
    return x->heap_out != NULL ? strlen(x->heap_out) : 0;
}

static size_t doc_build_jansson(bench *x)
{
    json_t *root = doc_to_jansson(&x->doc);
    size_t r = dumps_into(x, root);
    json_decref(root);
    return r;
}

static size_t doc_dumps_jansson(bench *x)
{
    return dumps_into(x, x->doc_tree);
}

static size_t jsondoc_encode_karak(bench *x)
{
    kbuf b;
    kbuf_init(&b, &x->arena, 256);
    kschema_encode(&b, x->jsondoc_cs, &x->jsondoc, 0);
    x->out = b.data;
    x->out_len = b.failed ? 0 : b.len;
    return x->out_len;
}

static json_t *jsondoc_to_jansson(const JsonDoc *d)
{
    json_t *root = json_object(), *items = json_array(), *nested = json_object();
    json_t *level1 = json_object(), *another = json_object();
    json_object_set_new(root, "message", json_string(d->message));
    for (size_t i = 0; i < d->items.len; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "id", json_integer(d->items.items[i].id));
        json_object_set_new(e, "value", json_integer(d->items.items[i].value));
        json_array_append_new(items, e);
    }
    json_object_set_new(root, "items", items);
    json_object_set_new(level1, "level2", json_string(d->nested.level1.level2));
    json_object_set_new(another, "key", json_string(d->nested.another.key));
    json_object_set_new(nested, "level1", level1);
    json_object_set_new(nested, "another", another);
    json_object_set_new(root, "nested", nested);
    return root;
}

static size_t jsondoc_build_jansson(bench *x)
{
    json_t *root = jsondoc_to_jansson(&x->jsondoc);
    size_t r = dumps_into(x, root);
    json_decref(root);
    return r;
}

static size_t jsondoc_dumps_jansson(bench *x)
{
    return dumps_into(x, x->jsondoc_tree);
}

/* What a request with this document as its body does before the handler runs. */
static size_t doc_decode_karak(bench *x)
{
    kj *parsed = NULL;
    kj_error e = {0};
    if (kj_parse(&x->arena, x->doc_bytes, x->doc_bytes_len, &parsed, &e) != KJ_OK ||
        parsed->type != KJ_OBJ)
        return 0;
    kverrs errs;
    kverrs_init(&errs, &x->arena);
    kloc loc = KLOC_KEY(NULL, "body");
    Doc *d = karena_alloc(&x->arena, sizeof *d);
    if (d == NULL || !kschema_from_json(x->doc_cs, parsed, d, &loc, &errs)) return 0;
    x->decoded = *d; /* for the start-up check; its strings live until the reset */
    return d->items.len;
}

static size_t doc_loadb_jansson(bench *x)
{
    json_t *root = json_loadb(x->doc_bytes, x->doc_bytes_len, 0, NULL);
    size_t r = root != NULL ? json_object_size(root) : 0;
    json_decref(root);
    return r;
}

/* json_loadb and then what a hand-written validator does: check each member's type and
 * read it into the struct (its strings borrowed from the tree, released with it). Unlike
 * libkarak it neither coerces nor reports where an error is. */
static size_t doc_unpack_jansson(bench *x)
{
    json_t *root = json_loadb(x->doc_bytes, x->doc_bytes_len, 0, NULL);
    if (root == NULL) return 0;
    x->jansson_tree = root;
    Doc *d = &x->decoded;
    json_t *msg = json_object_get(root, "message"), *items = json_object_get(root, "items");
    json_t *meta = json_object_get(root, "meta");
    if (!json_is_string(msg) || !json_is_array(items) || !json_is_object(meta) ||
        json_array_size(items) > DOC_ITEMS)
        return 0;
    d->message = json_string_value(msg);
    d->items.items = x->jansson_entries;
    d->items.len = json_array_size(items);
    for (size_t i = 0; i < d->items.len; i++) {
        json_t *e = json_array_get(items, i);
        json_t *id = json_object_get(e, "id"), *value = json_object_get(e, "value");
        if (!json_is_integer(id) || !json_is_string(value)) return 0;
        x->jansson_entries[i] = (Entry){json_integer_value(id), json_string_value(value)};
    }
    json_t *count = json_object_get(meta, "count"), *source = json_object_get(meta, "source");
    if (!json_is_integer(count) || !json_is_string(source)) return 0;
    d->meta = (Meta){json_integer_value(count), json_string_value(source)};
    return d->items.len;
}

/* ---- case 3: a list response of 100 structs ---- */

/* karak_resp_list's code path (lib/core/response.c), its initial size included */
static size_t list_karak(bench *x)
{
    kbuf b;
    kbuf_init(&b, &x->arena, 64 + LIST_LEN * 64);
    kbuf_putc(&b, '[');
    for (size_t i = 0; i < LIST_LEN; i++) {
        if (i > 0) kbuf_putc(&b, ',');
        kschema_encode(&b, x->product_cs, &x->products[i], 0);
    }
    kbuf_putc(&b, ']');
    x->out = b.data;
    x->out_len = b.failed ? 0 : b.len;
    return x->out_len;
}

static json_t *list_to_jansson(const Product *p, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_object(), *tags = json_array();
        json_object_set_new(o, "id", json_integer(p[i].id));
        json_object_set_new(o, "name", json_string(p[i].name));
        json_object_set_new(o, "price", json_real(p[i].price));
        for (size_t t = 0; t < p[i].tags.len; t++)
            json_array_append_new(tags, json_string(p[i].tags.items[t]));
        json_object_set_new(o, "tags", tags);
        json_array_append_new(arr, o);
    }
    return arr;
}

static size_t list_build_jansson(bench *x)
{
    json_t *arr = list_to_jansson(x->products, LIST_LEN);
    size_t r = dumps_into(x, arr);
    json_decref(arr);
    return r;
}

static size_t list_dumps_jansson(bench *x)
{
    return dumps_into(x, x->list_tree);
}

/* ---- set-up ---- */

static const char *const tag_words[] = {"office", "blue", "metal", "paper", "red", "kids"};

static int setup(bench *x)
{
    char err[256] = "";
    karena_init(&x->arena);
    x->item_cs = kschema_compile(&item_schema, KSRC_BODY, err, sizeof err);
    if (x->item_cs != NULL) x->doc_cs = kschema_compile(&doc_schema, KSRC_BODY, err, sizeof err);
    if (x->doc_cs != NULL)
        x->jsondoc_cs = kschema_compile(&jsondoc_schema, KSRC_BODY, err, sizeof err);
    if (x->jsondoc_cs != NULL)
        x->product_cs = kschema_compile(&product_schema, KSRC_BODY, err, sizeof err);
    if (x->product_cs == NULL) {
        fprintf(stderr, "bench_models: %s\n", err);
        return -1;
    }
    static const char body[] = "{\"name\":\"pen\",\"price\":9.99}";
    x->item_body = body;
    x->item_body_len = sizeof body - 1;

    for (int i = 0; i < DOC_ITEMS; i++) {
        snprintf(x->doc_values[i], sizeof x->doc_values[i], "value %d", i * 10);
        x->doc_entries[i] = (Entry){i, x->doc_values[i]};
    }
    x->doc = (Doc){.message = "Hello, World!",
                   .items = {x->doc_entries, DOC_ITEMS},
                   .meta = {DOC_ITEMS, "bench_models"}};
    x->doc_tree = doc_to_jansson(&x->doc);
    for (int i = 0; i < DOC_ITEMS; i++) x->jsondoc_pairs[i] = (Pair){i, i * 10};
    x->jsondoc = (JsonDoc){.message = "Hello, World!",
                           .items = {x->jsondoc_pairs, DOC_ITEMS},
                           .nested = {{"deep value"}, {"value"}}};
    x->jsondoc_tree = jsondoc_to_jansson(&x->jsondoc);
    x->doc_bytes = json_dumps(x->doc_tree, JSON_COMPACT);
    if (x->doc_bytes == NULL) return -1;
    x->doc_bytes_len = strlen(x->doc_bytes);

    for (int i = 0; i < LIST_LEN; i++) {
        snprintf(x->product_names[i], sizeof x->product_names[i], "product %d", i + 1);
        x->product_tags[i][0] = tag_words[i % 6];
        x->product_tags[i][1] = tag_words[(i + 3) % 6];
        /* prices in cents, as a shop has them: most are not exact in binary */
        x->products[i] = (Product){.id = 1000 + i, .name = x->product_names[i],
                                   .price = (double)(199 + 37 * i) / 100.0,
                                   .tags = {x->product_tags[i], 2}};
    }
    x->list_tree = list_to_jansson(x->products, LIST_LEN);
    return x->list_tree != NULL ? 0 : -1;
}

static void teardown(bench *x)
{
    release_heap(x);
    kschema_free(x->item_cs);
    kschema_free(x->doc_cs);
    kschema_free(x->jsondoc_cs);
    json_decref(x->jsondoc_tree);
    kschema_free(x->product_cs);
    json_decref(x->doc_tree);
    json_decref(x->list_tree);
    free(x->doc_bytes);
    karena_free(&x->arena);
}

/* ---- the start-up check: the same JSON on both sides ---- */

/* Runs op once and parses its output back with jansson (a new reference, or NULL). */
static json_t *output_of(bench *x, op_fn op, void (*release)(bench *))
{
    x->out = NULL;
    x->out_len = 0;
    json_t *v = NULL;
    if (op(x) > 0 && x->out != NULL)
        v = json_loadb(x->out, x->out_len ? x->out_len : strlen(x->out), 0, NULL);
    release(x);
    return v;
}

static bool same_json(const char *what, json_t *a, json_t *b)
{
    bool ok = a != NULL && b != NULL && json_equal(a, b);
    if (!ok) fprintf(stderr, "bench_models: %s: libkarak and jansson disagree\n", what);
    json_decref(a);
    json_decref(b);
    return ok;
}

static bool same_doc(const Doc *a, const Doc *b)
{
    if (strcmp(a->message, b->message) != 0 || a->items.len != b->items.len ||
        a->meta.count != b->meta.count || strcmp(a->meta.source, b->meta.source) != 0)
        return false;
    for (size_t i = 0; i < a->items.len; i++)
        if (a->items.items[i].id != b->items.items[i].id ||
            strcmp(a->items.items[i].value, b->items.items[i].value) != 0)
            return false;
    return true;
}

/* The decoders: libkarak's struct must be the document (compared with the one it was
 * encoded from, field by field, and re-encoded against json_loadb of the bytes), and the
 * hand-written jansson reader must read the same struct. */
static bool check_decode(bench *x)
{
    bool ok = doc_decode_karak(x) == DOC_ITEMS && same_doc(&x->decoded, &x->doc);
    if (ok) {
        kbuf b;
        kbuf_init(&b, &x->arena, 256);
        kschema_encode(&b, x->doc_cs, &x->decoded, 0);
        ok = !b.failed &&
             same_json("doc decode", json_loadb(b.data, b.len, 0, NULL),
                       json_loadb(x->doc_bytes, x->doc_bytes_len, 0, NULL));
    }
    release_arena(x);
    ok = ok && doc_unpack_jansson(x) == DOC_ITEMS && same_doc(&x->decoded, &x->doc);
    release_heap(x);
    if (!ok) fprintf(stderr, "bench_models: doc decode: the structs differ\n");
    return ok;
}

/* ---- timing ---- */

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

static volatile size_t sink;

/* ns per operation over n operations */
static double run(bench *x, op_fn op, void (*release)(bench *), long n)
{
    size_t sum = 0;
    double t0 = now_ns();
    for (long i = 0; i < n; i++) {
        sum += op(x);
        release(x);
    }
    double ns = (now_ns() - t0) / (double)n;
    sink += sum;
    return ns;
}

/* How many operations take about ms milliseconds (this warms caches and the arena too). */
static long calibrate(bench *x, op_fn op, void (*release)(bench *), double ms)
{
    long n = 16;
    double ns;
    while ((ns = run(x, op, release, n) * (double)n) < 5e6 && n < (1L << 30)) n *= 2;
    double per = ns / (double)n;
    long want = (long)(ms * 1e6 / per);
    return want > 16 ? want : 16;
}

typedef struct side {
    const char *label;
    op_fn op;
    void (*release)(bench *);
} side;

typedef struct bcase {
    const char *name;
    side karak;
    side peer[MAX_PEERS];
    size_t npeers;
    double karak_ns, peer_ns[MAX_PEERS]; /* medians, filled by measure() */
} bcase;

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

static void measure(bench *x, bcase *c, int reps, double ms)
{
    long nk = calibrate(x, c->karak.op, c->karak.release, ms);
    long np[MAX_PEERS];
    for (size_t p = 0; p < c->npeers; p++)
        np[p] = calibrate(x, c->peer[p].op, c->peer[p].release, ms);
    double tk[MAX_REPS], tp[MAX_PEERS][MAX_REPS];
    for (int r = 0; r < reps; r++) {
        tk[r] = run(x, c->karak.op, c->karak.release, nk);
        for (size_t p = 0; p < c->npeers; p++)
            tp[p][r] = run(x, c->peer[p].op, c->peer[p].release, np[p]);
    }
    c->karak_ns = median(tk, reps);
    for (size_t p = 0; p < c->npeers; p++) c->peer_ns[p] = median(tp[p], reps);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 11;
    double ms = argc > 2 ? atof(argv[2]) : 20;
    const char *only = argc > 3 ? argv[3] : NULL;
    if (reps < 1 || reps > MAX_REPS) reps = 11;
    if (!(ms > 0)) ms = 20;

    static bench x;
    if (setup(&x) != 0) {
        teardown(&x);
        return 1;
    }

    enum { ITEM, DOC_ENC, JSONDOC_ENC, DOC_DEC, LIST, NCASES };
    bcase cases[NCASES] = {
        [ITEM] = {"1. Item round trip",
                  {"kj_parse + kschema_from_json + kschema_encode", item_karak, release_arena},
                  {{"json_loadb + 2 members + json_dumps", item_jansson, release_heap}},
                  1, 0, {0}},
        [DOC_ENC] = {"2a. doc(20) encode",
                     {"kschema_encode", doc_encode_karak, release_arena},
                     {{"build (json_object_set_new) + json_dumps", doc_build_jansson,
                       release_heap},
                      {"json_dumps of a prebuilt json_t", doc_dumps_jansson, release_heap}},
                     2, 0, {0}},
        [JSONDOC_ENC] = {"2j. /json doc encode",
                         {"kschema_encode", jsondoc_encode_karak, release_arena},
                         {{"build (json_object_set_new) + json_dumps", jsondoc_build_jansson,
                           release_heap},
                          {"json_dumps of a prebuilt json_t", jsondoc_dumps_jansson,
                           release_heap}},
                         2, 0, {0}},
        [DOC_DEC] = {"2b. doc(20) decode",
                     {"kj_parse + kschema_from_json", doc_decode_karak, release_arena},
                     {{"json_loadb alone", doc_loadb_jansson, release_heap},
                      {"json_loadb + read into the struct", doc_unpack_jansson, release_heap}},
                     2, 0, {0}},
        [LIST] = {"3. list(100) encode",
                  {"'[' + kschema_encode x100 + ']'", list_karak, release_arena},
                  {{"build (json_object_set_new) + json_dumps", list_build_jansson,
                    release_heap},
                   {"json_dumps of a prebuilt json_t", list_dumps_jansson, release_heap}},
                  2, 0, {0}},
    };

    /* Same JSON on both sides, or no figures at all. */
    bool ok = true;
    for (size_t i = 0; i < NCASES && ok; i++) {
        if (i == DOC_DEC) {
            ok = check_decode(&x);
            continue;
        }
        for (size_t p = 0; p < cases[i].npeers && ok; p++)
            ok = same_json(cases[i].name,
                           output_of(&x, cases[i].karak.op, cases[i].karak.release),
                           output_of(&x, cases[i].peer[p].op, cases[i].peer[p].release));
    }
    /* the /json document: byte for byte what jansson (and FastAPI) write, 526 bytes */
    if (ok) {
        size_t kn = jsondoc_encode_karak(&x);
        x.heap_out = json_dumps(x.jsondoc_tree, JSON_COMPACT);
        ok = kn == 526 && x.heap_out != NULL && strlen(x.heap_out) == kn &&
             memcmp(x.out, x.heap_out, kn) == 0;
        release_arena(&x);
        release_heap(&x);
        if (!ok) fprintf(stderr, "bench_models: the /json document is not jansson's 526 bytes\n");
    }
    if (!ok) {
        teardown(&x);
        return 1;
    }

    printf("libkarak's schema layer vs jansson: medians of %d interleaved repetitions of "
           "~%.0f ms each\n",
           reps, ms);
    printf("(doc = %zu bytes, list = 100 products; ratio = jansson ns / libkarak ns)\n\n",
           x.doc_bytes_len);
    printf("%-20s %-46s %9s %11s  %-41s %9s %11s %7s\n", "case", "libkarak", "ns/op", "ops/s",
           "jansson", "ns/op", "ops/s", "ratio");
    for (size_t i = 0; i < NCASES; i++) {
        bcase *c = &cases[i];
        if (only != NULL && strncmp(c->name, only, strlen(only)) != 0) continue;
        measure(&x, c, reps, ms);
        for (size_t p = 0; p < c->npeers; p++)
            printf("%-20s %-46s %9.1f %11.0f  %-41s %9.1f %11.0f %6.2fx\n", c->name,
                   c->karak.label, c->karak_ns, 1e9 / c->karak_ns, c->peer[p].label,
                   c->peer_ns[p], 1e9 / c->peer_ns[p], c->peer_ns[p] / c->karak_ns);
        fflush(stdout);
    }

    const struct {
        const char *what;
        bool met;
    } targets[] = {
        {"1.  Item round trip >= 3M ops/s on one core", 1e9 / cases[ITEM].karak_ns >= 3e6},
        {"2j. the /json document (20 items, nested) encode <= 500 ns",
         cases[JSONDOC_ENC].karak_ns <= 500},
        {"2b. doc(20) decode + validate faster than json_loadb alone",
         cases[DOC_DEC].karak_ns < cases[DOC_DEC].peer_ns[0]},
        {"3.  list(100) encode >= 5x faster than jansson build + json_dumps",
         cases[LIST].peer_ns[0] >= 5 * cases[LIST].karak_ns},
    };
    if (only != NULL) { /* the targets compare cases that did not run */
        teardown(&x);
        return 0;
    }
    printf("\ntargets:\n");
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++)
        printf("  %-66s %s\n", targets[i].what, targets[i].met ? "met" : "NOT met");
    printf("(sink %zu)\n", (size_t)sink);
    teardown(&x);
    return 0;
}
