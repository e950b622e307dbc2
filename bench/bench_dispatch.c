/* The framework's own cost per request: the Quick Start's requests through kdispatch() —
 * routing, decoding, validation, handler, serialization — with no socket and no
 * libmicrohttpd. Compare with libmicrohttpd's own ~6 µs per request (bench/compare_mhd.sh)
 * to see what share of a served request libkarak is.
 *   build-bench/bench/bench_dispatch [iterations]    (Release build recommended) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/core.h"

/* The Quick Start example's app, its main() renamed. */
int quickstart_main(int argc, char **argv);
#define main quickstart_main
#include "../examples/quickstart.c"
#undef main

/* What curl sends with -H 'content-type: application/json' */
static const karak_pair headers[] = {
    {"Host", 4, "localhost:8000", 14},
    {"User-Agent", 10, "curl/7.88.1", 11},
    {"Accept", 6, "*/*", 3},
    {"Content-Type", 12, "application/json", 16},
    {"Authorization", 13, "Bearer tok", 10},
};

/* Three cached dependencies, as a real route has them: a bearer scheme, a user on top of
 * it, and a per-request value with a header parameter; the handler asks for all three. */
typedef struct {
    const char *x_tenant;
} TenantHeaders;
static const karak_field tenant_fields[] = {
    KARAK_FIELD(TenantHeaders, x_tenant, KARAK_STR, .dflt = "default"),
    KARAK_FIELDS_END,
};
static const karak_schema tenant_headers = KARAK_SCHEMA(TenantHeaders, tenant_fields);

static karak_result user_fn(karak_ctx *c, void *value)
{
    const karak_credentials *cred = karak_depends(c, &karak_http_bearer);
    *(const char **)value = cred->credentials;
    return KARAK_NEXT;
}
static const karak_provider user_dep = {.name = "user", .size = sizeof(const char *),
                                        .provide = user_fn,
                                        .depends = KARAK_DEPS(&karak_http_bearer)};

static karak_result tenant_fn(karak_ctx *c, void *value)
{
    *(const char **)value = ((const TenantHeaders *)karak_dep_headers(c))->x_tenant;
    return KARAK_NEXT;
}
static const karak_provider tenant_dep = {.name = "tenant", .size = sizeof(const char *),
                                          .provide = tenant_fn, .headers = &tenant_headers};

static karak_result with_deps(karak_ctx *c)
{
    const char *const *user = karak_depends(c, &user_dep);
    const char *const *tenant = karak_depends(c, &tenant_dep);
    const karak_credentials *cred = karak_depends(c, &karak_http_bearer);
    return karak_resp_json_new(c, json_pack("{s:s,s:s,s:s}", "user", *user, "tenant", *tenant,
                                            "scheme", cred->scheme));
}

static karak_result without_deps(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s,s:s,s:s}", "user", "tok", "tenant", "default",
                                            "scheme", "Bearer"));
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long iters = argc > 1 ? atol(argv[1]) : 1000000;
    karak_app *app = quickstart_app();
    karak_get(app, "/deps", with_deps,
              .depends = KARAK_DEPS(&karak_http_bearer, &user_dep, &tenant_dep));
    karak_get(app, "/nodeps", without_deps);
    if (karak_app_seal(app) != KARAK_OK) return 1;

    static const char item[] = "{\"name\":\"pen\",\"price\":9.99}";
    const struct {
        const char *label, *method, *target, *body;
        int status;
    } cases[] = {
        {"GET / (json_pack + serialize)", "GET", "/", NULL, 200},
        {"GET /items/42 (int path param)", "GET", "/items/42", NULL, 200},
        {"GET /items/abc (422)", "GET", "/items/abc", NULL, 422},
        {"POST /items (parse, validate, encode)", "POST", "/items", item, 200},
        {"GET /nope (404)", "GET", "/nope", NULL, 404},
        {"GET /nodeps (the same answer, no deps)", "GET", "/nodeps", NULL, 200},
        {"GET /deps (3 cached dependencies)", "GET", "/deps", NULL, 200},
    };
    karena arena;
    karena_init(&arena);
    printf("%-40s %12s %10s\n", "request", "ns/request", "req/s");
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        kreq req = {.method = cases[i].method, .target = cases[i].target,
                    .target_len = strlen(cases[i].target), .headers = headers,
                    .nheaders = sizeof headers / sizeof *headers,
                    .body = cases[i].body, .body_len = cases[i].body ? strlen(cases[i].body) : 0,
                    .default_host = "bench"};
        kresp resp;
        kdispatch(app, &req, &arena, &resp);
        if (resp.status != cases[i].status) {
            fprintf(stderr, "%s: status %d\n", cases[i].label, resp.status);
            return 1;
        }
        karena_reset(&arena);
        double t0 = now_ns();
        for (long n = 0; n < iters; n++) {
            kdispatch(app, &req, &arena, &resp);
            kresp_finish(&resp);
            karena_reset(&arena);
        }
        double ns = (now_ns() - t0) / (double)iters;
        printf("%-40s %12.1f %10.0f\n", cases[i].label, ns, 1e9 / ns);
    }
    karena_free(&arena);
    karak_app_free(app);
    return 0;
}
