/* The server layer (private), the top: what connects the dispatch core to the outside
 * world. mhd.c (libmicrohttpd), conns.c (the table of open connections and their
 * deadlines), pool.c (the handler pool), memo.c (constant answers kept as built responses),
 * run.c (command line and environment), testclient.c (the in-process client).
 * Nothing below includes this header. */
#ifndef KARAK_SERVER_H
#define KARAK_SERVER_H

#include <pthread.h>
#include <stdatomic.h>

#include "core/core.h"

/* ---- conns.c: the open connections ---- */

/* What a connection is doing. Deadlines: WAITING and HEAD together get the header timeout,
 * counted from the start of WAITING; BODY gets the body timeout; BUSY (the handler runs or
 * the response is being sent) has none of libkarak's. */
typedef enum kconn_phase {
    KCONN_WAITING, /* accepted, or its last response sent: nothing of a request seen yet */
    KCONN_HEAD,    /* the request line has arrived, the head is not complete */
    KCONN_BODY,    /* the head is complete, the body is being read */
    KCONN_BUSY,    /* the request is complete: handler, then the response */
} kconn_phase;

typedef struct kconn_entry {
    struct kconn_entry *prev, *next; /* under the table's lock; NULL once removed */
    int fd;
    bool shut;             /* shut down by the table, not yet closed (under the lock) */
    atomic_int phase;      /* a kconn_phase */
    atomic_llong since_ms; /* when the phase began (kclock_ms) */
} kconn_entry;

typedef struct kconn_table {
    pthread_mutex_t lock;
    kconn_entry head; /* sentinel of a circular list */
    size_t count;     /* entries */
    size_t shut;      /* of which shut down, waiting for libmicrohttpd to close them */
} kconn_table;

typedef struct kconn_expired {
    size_t heads, bodies;
} kconn_expired;

/* Milliseconds of a coarse monotonic clock. */
long long kclock_ms(void);
void kconns_init(kconn_table *t);
void kconns_destroy(kconn_table *t);
/* Enters e (owned by the caller, alive until kconns_remove) for socket fd, WAITING. */
void kconns_add(kconn_table *t, kconn_entry *e, int fd);
/* Takes e out; a second call does nothing. */
void kconns_remove(kconn_table *t, kconn_entry *e);
/* The connection's worker: a new phase, starting now. */
void kconn_enter(kconn_entry *e, kconn_phase phase);
/* The connection's worker: WAITING becomes HEAD, its start (the deadline's) kept. */
void kconn_head_started(kconn_entry *e);
/* The first entry for which match(e, ctx) holds, called under the table's lock (so it must
 * not take the lock itself); NULL when none does. */
kconn_entry *kconns_find(kconn_table *t, bool (*match)(kconn_entry *e, void *ctx), void *ctx);
/* Connections not shut down; all entries. */
size_t kconns_open(kconn_table *t);
size_t kconns_count(kconn_table *t);
/* Shuts down each connection whose head (from the start of WAITING) took head_ms or more,
 * or whose body took body_ms or more (0: no such deadline); says how many of each. */
kconn_expired kconns_expire(kconn_table *t, long long now, long long head_ms,
                            long long body_ms);
/* Shuts down the connection that has waited longest for a request head (idle keep-alive or
 * slow head); false when every connection is reading a body or busy with a request. */
bool kconns_evict(kconn_table *t);
/* The drain: shuts down each connection WAITING for idle_ms or more with nothing unread in
 * its socket; returns how many. */
size_t kconns_close_idle(kconn_table *t, long long now, long long idle_ms);

/* ---- pool.c: the handler pool ---- */

typedef struct kjob kjob;
struct kjob {
    void (*run)(kjob *j); /* on a pool thread */
    kjob *next;
};

typedef struct kpool {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    kjob *head, *tail;   /* waiting, oldest first */
    size_t queued;       /* waiting */
    size_t running;
    size_t reserved;     /* places taken: waiting, running, or about to be submitted */
    size_t max_queue;    /* jobs that may wait beyond one per thread */
    pthread_t *threads;
    unsigned nthreads;   /* started */
    unsigned want_threads;
    bool ready;          /* initialised, not stopped */
    bool stopping;
    bool failed;         /* no thread could start */
} kpool;

/* A pool of `threads` threads, started by the first kpool_reserve. */
void kpool_init(kpool *p, unsigned threads, size_t max_queue);
/* Takes a place for one job: false when max_queue jobs wait already, the pool stops, or
 * no thread could start. */
bool kpool_reserve(kpool *p);
/* Queues a job for the place taken before. */
void kpool_submit(kpool *p, kjob *j);
/* Places taken. */
size_t kpool_pending(kpool *p);
/* Runs what is queued, then joins the threads (a job that never returns holds it); a
 * reservation from then on fails. */
void kpool_stop(kpool *p);
/* Frees the stopped pool, once no thread can call it any more. */
void kpool_destroy(kpool *p);

/* ---- memo.c: constant answers, built once ---- */

/* A route that declares nothing to read (kroute.reads_nothing) mostly answers the same
 * bytes every time: "/", a health check, a version. Its first answer is kept as a built libmicrohttpd response, and a
 * later answer with the same status, content type and body (compared byte for byte, so a
 * route whose answer changes is still answered right) is sent with it instead of a
 * response built, filled and destroyed per request. One slot per route, set once and
 * never replaced (a reader needs no lock and no reference count); an answer with headers
 * of its own, one that closes the connection and bodies over KMEMO_MAX_BODY are not
 * kept. */
#define KMEMO_MAX_BODY 1024

struct MHD_Response;
typedef struct kmemo kmemo;
typedef struct kmemos {
    _Atomic(kmemo *) *slots; /* one per route, by kroute.index */
    size_t n;
} kmemos;

/* False when out of memory: the table then has no slot, and keeps nothing, as a table
 * never made (all zero) does. */
bool kmemos_init(kmemos *m, size_t nroutes);
/* Once no thread can ask any more (libmicrohttpd stopped). */
void kmemos_free(kmemos *m);
/* The kept response for `resp` on a route that reads nothing (a borrowed reference, valid
 * until kmemos_free), or NULL. When the route has none yet and `resp` can be kept, keeps
 * it. */
struct MHD_Response *kmemos_get(kmemos *m, const kroute *route, const kresp *resp);

#endif
