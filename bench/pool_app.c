/* The server the handler-pool benchmark (bench/pool.sh) measures: the same small answer on a
 * route that runs inline and on one that runs on the pool (the hand-over's cost), and the
 * peer benchmark's CPU-bound /cpu (scaling with I/O threads). */
#include <karak.h>

static karak_result hello(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "message", "Hello, World!"));
}

/* sum of i*i below 100,000, computed per request: the bound is read through a volatile so
 * that the compiler cannot fold the loop (as examples/bench_app.c's /cpu) */
static volatile long cpu_iterations = 100000;

static karak_result cpu(karak_ctx *c)
{
    long total = 0;
    for (long i = 0; i < cpu_iterations; i++) total += i * i;
    return karak_resp_json_new(c, json_pack("{s:I,s:I}", "result", (json_int_t)total,
                                            "iterations", (json_int_t)cpu_iterations));
}

int main(int argc, char **argv)
{
    karak_app *app = karak_new(.title = "pool bench", .no_docs = true);
    karak_get(app, "/inline", hello, .run_on = KARAK_RUN_INLINE);
    karak_get(app, "/pool", hello, .run_on = KARAK_RUN_POOL);
    karak_get(app, "/auto", hello); /* the default: KARAK_RUN_AUTO, inline while fast */
    karak_get(app, "/cpu", cpu, .run_on = KARAK_RUN_INLINE);
    karak_get(app, "/cpu-pool", cpu, .run_on = KARAK_RUN_POOL);
    int rc = karak_run(app, argc, argv);
    karak_app_free(app);
    return rc;
}
