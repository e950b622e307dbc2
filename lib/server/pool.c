/* The handler pool: threads that run the pipelines of routes that may block (FastAPI's
 * threadpool for `def` endpoints), so that the I/O threads go on serving their other
 * connections meanwhile. A job is a connection's request whose connection libmicrohttpd
 * has suspended (mhd.c); the pool runs it and the job's own function resumes the
 * connection.
 *
 * The threads start with the first job that needs them. The queue is bounded: a place is taken (kpool_reserve) before the connection is
 * suspended, so that a full queue is known while the request can still be answered on its
 * I/O thread (503), and kpool_submit itself never fails. Jobs run oldest first. */
#define _POSIX_C_SOURCE 200809L /* pthread_sigmask, sigfillset */
#include <signal.h>
#include <stdlib.h>

#include "server/server.h"

static void *worker(void *arg)
{
    kpool *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (p->head == NULL && !p->stopping) pthread_cond_wait(&p->wake, &p->lock);
        if (p->head == NULL) break; /* stopping, and nothing left to run */
        kjob *j = p->head;
        p->head = j->next;
        if (p->head == NULL) p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->lock);
        j->run(j);
        pthread_mutex_lock(&p->lock);
        p->running--;
        p->reserved--;
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void kpool_init(kpool *p, unsigned threads, size_t max_queue)
{
    *p = (kpool){.max_queue = max_queue, .want_threads = threads};
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    p->ready = true;
}

/* Under the lock: the threads, at the first job (most apps never need them). They take no
 * signal: those stay the program's business. */
static bool start_threads(kpool *p)
{
    p->threads = calloc(p->want_threads, sizeof *p->threads);
    if (p->threads == NULL) return false;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (; p->nthreads < p->want_threads; p->nthreads++)
        if (pthread_create(&p->threads[p->nthreads], NULL, worker, p) != 0) break;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return p->nthreads > 0;
}

bool kpool_reserve(kpool *p)
{
    pthread_mutex_lock(&p->lock);
    if (p->nthreads == 0 && !p->stopping && !p->failed) p->failed = !start_threads(p);
    /* the places are for the jobs waiting; each running thread holds one more */
    bool ok = !p->stopping && p->nthreads > 0 && p->reserved < p->max_queue + p->nthreads;
    if (ok) p->reserved++;
    pthread_mutex_unlock(&p->lock);
    return ok;
}

void kpool_submit(kpool *p, kjob *j)
{
    j->next = NULL;
    pthread_mutex_lock(&p->lock);
    if (p->tail != NULL) p->tail->next = j;
    else p->head = j;
    p->tail = j;
    p->queued++;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->lock);
}

size_t kpool_pending(kpool *p)
{
    pthread_mutex_lock(&p->lock);
    size_t n = p->reserved;
    pthread_mutex_unlock(&p->lock);
    return n;
}

void kpool_stop(kpool *p)
{
    if (!p->ready) return;
    pthread_mutex_lock(&p->lock);
    p->stopping = true; /* the jobs still queued run first: each is a suspended connection */
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    /* no thread starts any more (stopping), and the joining thread is the only one to
       read the list of them */
    for (unsigned i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
}

void kpool_destroy(kpool *p)
{
    if (!p->ready) return;
    free(p->threads);
    p->threads = NULL;
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    p->ready = false;
}
