/* Doubles as text and back (lib/util/numfmt.c): knum_repr (Schubfach) against the printer it
 * replaced (tests/numfmt_slow.h: snprintf and strtod until the digits read back) and
 * snprintf("%.17g"); knum_parse_double against strtod, reading the repr texts. ns per call,
 * the median of several passes over fixed sets of doubles: random bit patterns (mostly 16
 * or 17 digits, exponents everywhere) and JSON-like values (prices, integers).
 *   build-bench/bench/bench_numfmt [passes]    (Release build recommended) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numfmt_slow.h"
#include "util/util.h"

#define SET_SIZE 10000
#define MAX_PASSES 51

typedef struct set {
    const char *name;
    double d[SET_SIZE];
    char text[SET_SIZE][KARAK_NUM_REPR_MAX];
} set;

static uint64_t rng_next(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* What one pass does: an operation over the whole set; returns a checksum so that the
 * work is not optimised away. */
typedef size_t (*pass_fn)(const set *s);

static size_t pass_old(const set *s)
{
    char buf[KARAK_NUM_REPR_MAX];
    size_t sum = 0;
    for (size_t i = 0; i < SET_SIZE; i++) sum += slow_repr(buf, s->d[i]);
    return sum;
}

static size_t pass_repr(const set *s)
{
    char buf[KARAK_NUM_REPR_MAX];
    size_t sum = 0;
    for (size_t i = 0; i < SET_SIZE; i++) sum += knum_repr(buf, s->d[i]);
    return sum;
}

static size_t pass_display(const set *s)
{
    char buf[KARAK_NUM_DISPLAY_MAX];
    size_t sum = 0;
    for (size_t i = 0; i < SET_SIZE; i++) sum += knum_display(buf, s->d[i]);
    return sum;
}

static size_t pass_printf(const set *s)
{
    char buf[32];
    size_t sum = 0;
    for (size_t i = 0; i < SET_SIZE; i++)
        sum += (size_t)snprintf(buf, sizeof buf, "%.17g", s->d[i]);
    return sum;
}

static size_t pass_parse(const set *s)
{
    size_t sum = 0;
    for (size_t i = 0; i < SET_SIZE; i++) {
        double d = 0;
        knum_parse_double(s->text[i], strlen(s->text[i]), &d);
        sum += d == s->d[i];
    }
    return sum;
}

static size_t pass_strtod(const set *s)
{
    size_t sum = 0;
    for (size_t i = 0; i < SET_SIZE; i++) sum += strtod(s->text[i], NULL) == s->d[i];
    return sum;
}

/* The median over `passes` passes, in ns per call. */
static double measure(const set *s, pass_fn fn, int passes, size_t *checksum)
{
    double t[MAX_PASSES];
    *checksum += fn(s); /* warm-up */
    for (int p = 0; p < passes; p++) {
        double t0 = now_ns();
        *checksum += fn(s);
        t[p] = (now_ns() - t0) / SET_SIZE;
    }
    qsort(t, (size_t)passes, sizeof *t, cmp_double);
    return t[passes / 2];
}

static void fill_random(set *s)
{
    uint64_t state = 1;
    s->name = "random bit patterns";
    for (size_t i = 0; i < SET_SIZE;) {
        uint64_t b = rng_next(&state);
        if ((b & ~(UINT64_C(1) << 63)) >= UINT64_C(0x7FF) << 52) continue; /* inf, nan */
        memcpy(&s->d[i++], &b, sizeof b);
    }
}

static void fill_json(set *s)
{
    uint64_t state = 2;
    s->name = "JSON-like (x.yz, ints)";
    for (size_t i = 0; i < SET_SIZE; i++) {
        uint64_t r = rng_next(&state);
        s->d[i] = i % 4 == 3 ? (double)(r % 100000) : (double)(r % 1000000) / 100.0;
    }
}

int main(int argc, char **argv)
{
    int passes = argc > 1 ? atoi(argv[1]) : 9;
    if (passes < 1 || passes > MAX_PASSES) passes = 9;
    static set sets[2];
    fill_random(&sets[0]);
    fill_json(&sets[1]);
    const struct {
        const char *label;
        pass_fn fn;
    } ops[] = {
        {"old knum_repr (snprintf + strtod)", pass_old},
        {"knum_repr (Schubfach)", pass_repr},
        {"knum_display (Schubfach)", pass_display},
        {"snprintf(\"%.17g\")", pass_printf},
        {"knum_parse_double(repr)", pass_parse},
        {"strtod(repr)", pass_strtod},
    };
    size_t checksum = 0;
    printf("median of %d passes over %d doubles\n", passes, SET_SIZE);
    printf("%-24s %-36s %10s\n", "set", "operation", "ns/op");
    for (size_t k = 0; k < sizeof sets / sizeof *sets; k++) {
        set *s = &sets[k];
        for (size_t i = 0; i < SET_SIZE; i++) knum_repr(s->text[i], s->d[i]);
        for (size_t j = 0; j < sizeof ops / sizeof *ops; j++)
            printf("%-24s %-36s %10.1f\n", s->name, ops[j].label,
                   measure(s, ops[j].fn, passes, &checksum));
    }
    printf("(checksum %zu)\n", checksum);
    return 0;
}
