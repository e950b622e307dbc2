/* The server's table of open connections: what each one is doing and since when, so that
 * the acceptor thread can enforce the deadlines libmicrohttpd 0.9.75 does not have (its
 * only timeout is an idle one, reset by every byte: a head sent one byte every 20 s never
 * times out), choose which connection gives way when the table is full, and close the idle
 * ones during a drain.
 *
 * An entry lives from libmicrohttpd's "connection started" notification to its "closed"
 * one. libmicrohttpd closes a connection's socket only after that notification, and the
 * entry leaves the table under the table's lock before it returns; so a descriptor read
 * from the table under the lock is still the connection's own, and shutdown() on it can
 * never hit a socket that has since been reused. shutdown() is the one thing done to a
 * connection from outside its worker thread: libmicrohttpd then reads the end of the
 * stream and closes the connection itself, on its own thread, through its usual path.
 *
 * The phase and its start are written by the connection's worker without the lock
 * (relaxed atomics: one clock read and two stores per request); a reader may see a phase
 * a moment old, which at worst closes a connection one scan later or earlier. */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>

#include "server/server.h"

long long kclock_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

void kconns_init(kconn_table *t)
{
    pthread_mutex_init(&t->lock, NULL);
    t->head.prev = t->head.next = &t->head;
    t->count = 0;
    t->shut = 0;
}

void kconns_destroy(kconn_table *t)
{
    pthread_mutex_destroy(&t->lock);
}

void kconn_enter(kconn_entry *e, kconn_phase phase)
{
    atomic_store_explicit(&e->since_ms, kclock_ms(), memory_order_relaxed);
    atomic_store_explicit(&e->phase, (int)phase, memory_order_relaxed);
}

void kconn_head_started(kconn_entry *e)
{
    atomic_store_explicit(&e->phase, (int)KCONN_HEAD, memory_order_relaxed);
}

kconn_entry *kconns_find(kconn_table *t, bool (*match)(kconn_entry *e, void *ctx), void *ctx)
{
    kconn_entry *found = NULL;
    pthread_mutex_lock(&t->lock);
    for (kconn_entry *e = t->head.next; e != &t->head && found == NULL; e = e->next)
        if (match(e, ctx)) found = e;
    pthread_mutex_unlock(&t->lock);
    return found;
}

void kconns_add(kconn_table *t, kconn_entry *e, int fd)
{
    e->fd = fd;
    e->shut = false;
    kconn_enter(e, KCONN_WAITING);
    pthread_mutex_lock(&t->lock);
    e->prev = t->head.prev;
    e->next = &t->head;
    t->head.prev->next = e;
    t->head.prev = e;
    t->count++;
    pthread_mutex_unlock(&t->lock);
}

void kconns_remove(kconn_table *t, kconn_entry *e)
{
    pthread_mutex_lock(&t->lock);
    if (e->next != NULL) {
        e->prev->next = e->next;
        e->next->prev = e->prev;
        e->prev = e->next = NULL;
        t->count--;
        if (e->shut) t->shut--;
    }
    pthread_mutex_unlock(&t->lock);
}

size_t kconns_open(kconn_table *t)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->count - t->shut;
    pthread_mutex_unlock(&t->lock);
    return n;
}

size_t kconns_count(kconn_table *t)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}

/* Under the lock. */
static void shut(kconn_table *t, kconn_entry *e)
{
    shutdown(e->fd, SHUT_RDWR);
    e->shut = true;
    t->shut++;
}

static kconn_phase phase_of(const kconn_entry *e, long long *since)
{
    *since = atomic_load_explicit(&e->since_ms, memory_order_relaxed);
    return (kconn_phase)atomic_load_explicit(&e->phase, memory_order_relaxed);
}

kconn_expired kconns_expire(kconn_table *t, long long now, long long head_ms, long long body_ms)
{
    kconn_expired x = {0, 0};
    pthread_mutex_lock(&t->lock);
    for (kconn_entry *e = t->head.next; e != &t->head; e = e->next) {
        if (e->shut) continue;
        long long since;
        kconn_phase p = phase_of(e, &since);
        if ((p == KCONN_WAITING || p == KCONN_HEAD) && head_ms > 0 && now - since >= head_ms) {
            shut(t, e);
            x.heads++;
        } else if (p == KCONN_BODY && body_ms > 0 && now - since >= body_ms) {
            shut(t, e);
            x.bodies++;
        }
    }
    pthread_mutex_unlock(&t->lock);
    return x;
}

bool kconns_evict(kconn_table *t)
{
    pthread_mutex_lock(&t->lock);
    kconn_entry *victim = NULL;
    long long oldest = 0;
    for (kconn_entry *e = t->head.next; e != &t->head; e = e->next) {
        long long since;
        kconn_phase p = phase_of(e, &since);
        if (e->shut || (p != KCONN_WAITING && p != KCONN_HEAD)) continue;
        if (victim == NULL || since < oldest) {
            victim = e;
            oldest = since;
        }
    }
    if (victim != NULL) shut(t, victim);
    pthread_mutex_unlock(&t->lock);
    return victim != NULL;
}

size_t kconns_close_idle(kconn_table *t, long long now, long long idle_ms)
{
    size_t n = 0;
    pthread_mutex_lock(&t->lock);
    for (kconn_entry *e = t->head.next; e != &t->head; e = e->next) {
        long long since;
        if (e->shut || phase_of(e, &since) != KCONN_WAITING || now - since < idle_ms) continue;
        /* bytes of a request already in the kernel's buffer: that request is answered */
        int unread = 0;
        if (ioctl(e->fd, FIONREAD, &unread) == 0 && unread > 0) continue;
        shut(t, e);
        n++;
    }
    pthread_mutex_unlock(&t->lock);
    return n;
}
