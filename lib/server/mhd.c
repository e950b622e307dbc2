/* libmicrohttpd glue: sockets in, kreq to kdispatch(), kresp out, cleanups after. Knows
 * nothing of routes. A karak_server is one libmicrohttpd daemon on its own listening socket;
 * several may run in one process.
 *
 * - Thread pool of `workers` threads on epoll. Each connection owns an arena, reset when a
 *   request completes (and again at the start of the next), so a keep-alive connection
 *   allocates nothing once warm and an idle one holds only the arena's first block.
 * - The raw request target comes from MHD_OPTION_URI_LOG_CALLBACK, before libmicrohttpd
 *   unescapes it in place: the dispatch core does its own decoding, identical to the test
 *   client's.
 * - The response is queued on the access handler's *second* call (after the body): queueing
 *   on the first call makes libmicrohttpd 0.9.75 treat it as an early reply and close the
 *   connection, which costs keep-alive and ~6x throughput (measured with wrk against a
 *   minimal libmicrohttpd server). Only the 413 for an announced oversized body and the
 *   framing refusals are sent early, on purpose: the close is what they need. A chunked
 *   body that outgrows the limit is answered 413 on the socket itself (send_canned) and
 *   the connection closed: 0.9.75 accepts no queued response in mid-upload.
 * - Framing (khttp_framing_check, on the first call): libmicrohttpd 0.9.75 accepts requests
 *   whose body boundary is ambiguous (two Content-Lengths, Content-Length with
 *   Transfer-Encoding, an unknown coding), header names with whitespace before the colon,
 *   folded lines, a NUL in the target. Each is answered 400 or 501, {"detail": phrase},
 *   Connection: close, and the connection ends after it, so a request smuggled in the body
 *   is never read. Two of them only show in how 0.9.75 lays the request out in its buffer:
 *   an obs-fold line is glued onto the previous header's *name*, which is moved elsewhere
 *   in the connection's memory ("X-A: 1\r\n folded" arrives as "X-Afolded: 1"), so its
 *   value no longer follows it; a NUL in the target ends the string libmicrohttpd hands
 *   over, but the version still starts where the whole target ended. Those two checks rely
 *   on that layout and run only on a libmicrohttpd no newer than 0.9.75.
 * - The handler pool (pool.c): a route whose pipeline may block (karak_run_on: declared
 *   KARAK_RUN_POOL, or KARAK_RUN_AUTO once it has shown it blocks) is routed on the I/O
 *   thread, then its connection is suspended and the pipeline runs on a pool thread; the
 *   job resumes the connection and the access handler's next call sends the response. A
 *   place in the pool's bounded queue is taken before suspending, so a full queue is a 503
 *   answered on the I/O thread. libmicrohttpd 0.9.75 aborts when stopped with a
 *   connection suspended: the stop runs the pool dry first.
 * - Accepting is libkarak's: one acceptor thread polls the listening socket and hands each
 *   connection to libmicrohttpd (MHD_add_connection, which wakes the worker it picks), and
 *   libmicrohttpd runs with no listening socket of its own. The reason is the stop:
 *   MHD_quiesce_daemon in 0.9.75 races its own thread-pool workers over the listening
 *   socket's epoll registration and can abort the process ("Failed to remove listen FD
 *   from epoll set"), seen in this project's tests.
 * - Deadlines and the connection table (conns.c): libmicrohttpd 0.9.75's only timeout is
 *   an idle one that every byte resets. The acceptor also wakes every
 *   KARAK_REAP_INTERVAL_MS and shuts down the connections past the header deadline
 *   (from accept or the last response to a complete head) or the body deadline. A client
 *   beyond max_connections makes the connection that has waited longest for a head give
 *   way; when all are busy with requests it is answered 503 at once.
 * - Stopping (the drain): `draining` is set, so every response from then on says
 *   Connection: close and libmicrohttpd closes its connection after it; the acceptor takes
 *   what is in the backlog and the listening socket is closed, so a new connection is
 *   refused at once; keep-alive connections are closed once idle KARAK_DRAIN_IDLE_MS with
 *   nothing unread; requests, uploads and their cleanups get up to the graceful time; then
 *   the daemon stops and closes the rest. karak_serve() adds SIGINT/SIGTERM on top.
 * - HTTPS (tls_cert, tls_key): libmicrohttpd's GnuTLS, MHD_USE_TLS with the PEM files read
 *   into memory before the app is sealed (MHD_OPTION_HTTPS_MEM_CERT/_KEY; GnuTLS copies
 *   them when the daemon starts, and libkarak's copies are wiped then). A socket handed over
 *   with MHD_add_connection gets its TLS session as libmicrohttpd's own accepted ones do;
 *   the handshake happens while the connection waits for its head, so the header deadline
 *   bounds it, and a plaintext request fails it and is closed. The answers written straight
 *   to the socket (send_canned: the 503 of a full connection table, before any handshake;
 *   the 413 of a chunked body beyond the limit; the Content-Length refusals) would be
 *   plaintext inside a TLS stream: a TLS server writes none of them, and the close that
 *   follows each is the client's whole answer. (Writing them through the connection's
 *   GnuTLS session, MHD_CONNECTION_INFO_GNUTLS_SESSION, would mean linking GnuTLS and
 *   writing records behind libmicrohttpd's back.)
 * - What clients cause to be logged (refusals, deadlines, libmicrohttpd's own messages
 *   about malformed requests) goes through the app's log as warnings, at most
 *   KARAK_CLIENT_LOG_BURST lines a second, never straight to stderr.
 * - Failures are answered, not dropped: out of memory, or a response libmicrohttpd refuses
 *   to build (a header it will not send), gets the plain 500 of Starlette's
 *   ServerErrorMiddleware, made once per server at start so that it needs no memory when
 *   it is needed. Where the request could not be kept at all (no kconn, no target copy,
 *   no memory for the framing check of a large head) the 500 is queued early, on the first
 *   call, and the connection then closes; only a queue that libmicrohttpd refuses ends
 *   without an answer. */
#define _GNU_SOURCE
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"

typedef struct kconn {
    kconn_entry entry; /* in the server's table from start to close */
    karena arena;
    const char *target;
    kbuf body;
    bool started;
    bool failed;    /* out of memory reading the body: discarded, answered 500 at its end */
    bool refused;   /* answered at once for its framing; the connection closes after it */
    const char *raw_target; /* libmicrohttpd's own copy, to locate the target's end */
    size_t target_len;      /* of the target as libmicrohttpd's string gave it */
    const karak_pair *headers; /* a large head's list, made by the framing check; else */
    size_t nheaders;           /* NULL: load_headers makes it when the core needs it */
    bool in_flight;
    kdefer *cleanups; /* the request's karak_defer list, run once its response is sent */
    struct MHD_Connection *mc;
    pthread_t worker; /* the thread that runs the connection (libmicrohttpd's choice) */
    /* a request whose route runs on the handler pool: the connection is suspended from
       the hand-over until the job has its response, then resumed; only the thread that
       holds the job touches the request meanwhile */
    kjob job;
    struct karak_server *server;
    kreq req;
    karak_ctx *ctx;
    kresp resp;
    bool job_done; /* resp is the answer: the access handler's next call sends it */
    char peer[INET6_ADDRSTRLEN]; /* the client's address as text; "" on a Unix socket */
} kconn;

struct karak_server {
    karak_app *app;
    struct MHD_Daemon *daemon;
    int listen_fd;
    int stop_fd;        /* eventfd: tells the acceptor to return */
    pthread_t acceptor;
    bool accepting;     /* the acceptor thread runs */
    unsigned port;
    unsigned workers;
    unsigned max_conn;  /* connections admitted; libmicrohttpd's own limit is a little more */
    long long header_ms, body_ms; /* deadlines; 0: none */
    kconn_table conns;
    atomic_bool draining; /* stopping: every response says Connection: close */
    /* what clients cause to be logged, at most KARAK_CLIENT_LOG_BURST lines a second */
    pthread_mutex_t log_lock;
    long long log_window;   /* start of the current second (kclock_ms) */
    unsigned log_lines;     /* lines in it */
    unsigned log_dropped;   /* lines not written in it */
    char default_host[KARAK_HOSTPORT_MAX];
    bool tls;           /* HTTPS: nothing is written to a connection's socket but by MHD */
    char mhd_first[KARAK_ERRLEN]; /* libmicrohttpd's first message (under log_lock): why
                                     its start failed */
    bool old_layout; /* libmicrohttpd <= 0.9.75: a folded line, a NUL in the target show */
    atomic_int in_flight;
    struct MHD_Response *error_500; /* the static 500, shared by all connections */
    size_t conn_memory; /* libmicrohttpd's memory per connection (conn_memory option) */
    kmemos memos;      /* the constant answers of routes that read nothing (memo.c) */
    /* karak_worker_slot: one store per worker thread, found through a thread-specific key
       (the worker's identity, never a request's state); all of them listed for the stop */
    pthread_key_t slots_key;
    bool has_slots_key;
    pthread_mutex_t slots_lock; /* taken once per worker, at its first request */
    kslots **all_slots;
    size_t nslots;
    kpool pool;
    bool has_pool; /* some route may run on it (its threads start with the first one) */
    char *uds;     /* the Unix socket's path, or NULL */
    karena mem;    /* what the server keeps for its life: the trusted proxies' list */
    char *forwarded_allow_ips;
    khttp_trust trust;
};
typedef struct karak_server kserver;

/* The calling worker's store, made at its first request; NULL when out of memory. */
static kslots *worker_slots(kserver *s)
{
    if (!s->has_slots_key) return NULL;
    kslots *ws = pthread_getspecific(s->slots_key);
    if (ws != NULL) return ws;
    ws = calloc(1, sizeof *ws);
    if (ws == NULL) return NULL;
    pthread_mutex_lock(&s->slots_lock);
    kslots **grown = realloc(s->all_slots, (s->nslots + 1) * sizeof *grown);
    if (grown != NULL) {
        s->all_slots = grown;
        s->all_slots[s->nslots++] = ws;
    }
    pthread_mutex_unlock(&s->slots_lock);
    if (grown == NULL || pthread_setspecific(s->slots_key, ws) != 0) {
        if (grown == NULL) free(ws);
        return NULL; /* listed: freed at the stop */
    }
    return ws;
}

/* After the drain: every worker's values meet their destructors. */
static void slots_destroy(kserver *s)
{
    for (size_t i = 0; i < s->nslots; i++) {
        kslots_destroy(s->all_slots[i]);
        free(s->all_slots[i]);
    }
    free(s->all_slots);
    s->all_slots = NULL;
    s->nslots = 0;
}

/* A request stops being in flight when it completes, or when its connection closes first
 * (libmicrohttpd reports no completion for a request whose head it rejected, e.g. 431);
 * its cleanups run then, at most once. */
static void request_done(kserver *s, kconn *k)
{
    if (k != NULL) kdefer_run(&k->cleanups); /* before the drain may see the request done */
    if (k != NULL && k->in_flight) {
        k->in_flight = false;
        atomic_fetch_sub(&s->in_flight, 1);
    }
}

/* A line caused by what a client sent (a refused request, a deadline, libmicrohttpd's
 * complaints): at most KARAK_CLIENT_LOG_BURST a second, then one line that says how many
 * were left out, so that a client cannot flood the log. */
__attribute__((format(printf, 3, 4))) static void client_log(kserver *s, karak_log_level level,
                                                            const char *fmt, ...)
{
    long long now = kclock_ms();
    pthread_mutex_lock(&s->log_lock);
    unsigned dropped = 0;
    if (now - s->log_window >= 1000) {
        dropped = s->log_dropped;
        s->log_window = now;
        s->log_lines = 0;
        s->log_dropped = 0;
    }
    bool write = s->log_lines < KARAK_CLIENT_LOG_BURST;
    if (write) s->log_lines++;
    else s->log_dropped++;
    pthread_mutex_unlock(&s->log_lock);
    if (dropped > 0)
        karak_app_log(s->app, KARAK_LOG_WARN,
                      "%u more lines about clients' requests were left out in a second", dropped);
    if (!write) return;
    char msg[KARAK_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    karak_app_log(s->app, level, "%s", msg);
}

/* The connection's other end as an IP text, or "" (a Unix socket). */
static void peer_text(struct MHD_Connection *mc, char *buf, size_t cap)
{
    buf[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci != NULL ? ci->client_addr : NULL;
    if (sa == NULL) return;
    const void *addr = NULL;
    if (sa->sa_family == AF_INET)
        addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
    else if (sa->sa_family == AF_INET6)
        addr = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    if (addr == NULL || inet_ntop(sa->sa_family, addr, buf, (socklen_t)cap) == NULL)
        buf[0] = '\0';
}

static void on_connection(void *cls, struct MHD_Connection *mc, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    kserver *s = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        kconn *k = ci != NULL ? calloc(1, sizeof *k) : NULL;
        if (k != NULL) {
            karena_init(&k->arena);
            peer_text(mc, k->peer, sizeof k->peer);
            k->mc = mc;
            k->worker = pthread_self(); /* libmicrohttpd notifies on the worker's thread */
            kconns_add(&s->conns, &k->entry, ci->connect_fd);
        }
        *socket_context = k;
        return;
    }
    kconn *k = *socket_context;
    request_done(s, k);
    if (k != NULL) {
        kconns_remove(&s->conns, &k->entry); /* before libmicrohttpd closes the socket */
        karena_free(&k->arena);
        free(k);
        *socket_context = NULL;
    }
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *mc)
{
    kserver *s = cls;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    kconn *k = ci ? ci->socket_context : NULL;
    if (k == NULL) return NULL;
    kdefer_run(&k->cleanups); /* none should be left; never run one on reset memory */
    karena_reset(&k->arena);
    k->raw_target = uri;
    k->target_len = strlen(uri);
    k->target = karena_strndup(&k->arena, uri, k->target_len);
    k->body = (kbuf){.arena = &k->arena};
    k->started = false;
    k->failed = false;
    k->refused = false;
    k->headers = NULL;
    k->nheaders = 0;
    if (!k->in_flight) {
        k->in_flight = true;
        atomic_fetch_add(&s->in_flight, 1);
    }
    kconn_head_started(&k->entry);
    return k;
}

/* The response has been sent (or the request ended otherwise): the cleanups run, and the
 * request's memory goes at once, not when the next request starts, so that an idle
 * keep-alive connection holds no more than the arena's first block whatever its last
 * request was (a large body's blocks are unmapped: util/arena.c). */
static void on_completed(void *cls, struct MHD_Connection *mc, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)mc;
    (void)toe;
    kconn *k = *con_cls;
    request_done(cls, k);
    if (k == NULL) return;
    karena_reset(&k->arena);
    k->target = NULL;
    k->raw_target = NULL;
    k->body = (kbuf){.arena = &k->arena};
    k->headers = NULL;
    k->nheaders = 0;
    kconn_enter(&k->entry, KCONN_WAITING);
}

static void send_canned(const kserver *s, int fd, int status, const char *extra);

/* The connection whose head libmicrohttpd is judging on the calling thread right now: one
 * of this worker's, its head complete (libmicrohttpd reports a header size from then on),
 * the access handler not yet called for it and no response queued. Only connections of
 * the calling thread are asked about: their state is not being changed meanwhile. */
static bool judged_here(kconn_entry *e, void *ctx)
{
    (void)ctx;
    kconn *k = (kconn *)e; /* the entry is a kconn's first member */
    return pthread_equal(k->worker, pthread_self()) && k->raw_target != NULL && !k->started &&
           !k->refused &&
           MHD_get_connection_info(k->mc, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE) != NULL &&
           MHD_get_connection_info(k->mc, MHD_CONNECTION_INFO_HTTP_STATUS) == NULL;
}

/* libmicrohttpd 0.9.75 refuses a Content-Length that is not a number (400) or that does
 * not fit in 64 bits (413) by itself, before any hook of libkarak's runs, and writes its
 * error response's head twice (its state machine goes on to build the head a second time
 * after the error path built one): the client would read one response whose body is
 * garbage. The one thing libkarak hears of it in time is the log line, written on the
 * connection's own thread just before the error path: the connection is answered there,
 * as the framing refusals are ({"detail": phrase}, Connection: close), and its sending
 * side shut, so libmicrohttpd's own bytes fail and it closes the connection. */
static void refuse_content_length(kserver *s, const char *msg)
{
    int status = strncmp(msg, "Failed to parse `Content-Length'", 32) == 0    ? 400
                 : strncmp(msg, "Too large value of 'Content-Length'", 35) == 0 ? 413
                                                                                : 0;
    if (status == 0) return;
    kconn *k = (kconn *)kconns_find(&s->conns, judged_here, NULL);
    if (k == NULL) return;
    send_canned(s, k->entry.fd, status, "");
    shutdown(k->entry.fd, SHUT_WR);
    k->refused = true;
}

/* MHD_OPTION_EXTERNAL_LOGGER: one message, its trailing newline dropped. */
__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt,
                                                              va_list ap)
{
    kserver *s = cls;
    char msg[KARAK_ERRLEN];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (s->old_layout) refuse_content_length(s, msg);
    /* On a Unix socket, libmicrohttpd 0.9.75 (which cannot tell what a socket handed to it
     * is) tries TCP options on every response and says each time that they failed: true,
     * and harmless there. */
    if (s->uds != NULL && (strncmp(msg, "Setting TCP_", 12) == 0 ||
                           strncmp(msg, "Failed to push the data from buffers", 36) == 0))
        return;
    pthread_mutex_lock(&s->log_lock);
    if (s->mhd_first[0] == '\0') memcpy(s->mhd_first, msg, n + 1);
    pthread_mutex_unlock(&s->log_lock);
    client_log(s, KARAK_LOG_WARN, "libmicrohttpd: %s", msg);
}

typedef struct header_fill {
    karak_pair *pairs;
    size_t n, cap;
    karena *arena; /* for a value copied without its trailing whitespace */
    bool nomem;
    /* check_head only, on libmicrohttpd <= 0.9.75: what its layout shows */
    bool check_layout;
    uintptr_t head, head_end; /* the head's bytes: [method, method + header size) */
    const char *line_end;     /* the end of the previous value: its line's end follows */
    bool folded, cut;
} header_fill;

/* libmicrohttpd <= 0.9.75 hands header values over as C strings, so a NUL inside one ends
 * it early and the rest of its line is dropped unseen. Its head lies in one buffer, where
 * each line's CRLF (or LF) has been overwritten with NULs: between the end of a value and
 * the start of the next line (the next header's name; after the last header, the end of
 * the head) there are only NULs, unless a NUL cut the value short. A gap whose ends are
 * not laid out so (a folded header's moved name) is not judged. */
static bool gap_holds_bytes(const header_fill *f, const char *from, const char *to)
{
    if ((uintptr_t)from < f->head || (uintptr_t)to > f->head_end ||
        (uintptr_t)from > (uintptr_t)to)
        return false;
    for (const char *p = from; p < to; p++)
        if (*p != '\0') return true;
    return false;
}

/* libmicrohttpd 0.9.75 ends a header name by overwriting its colon with a NUL, so the
 * value follows its name in the same buffer: name, NUL, optional whitespace, value. A
 * folded line is appended to the *name*, which is then moved to new memory; its value
 * stays behind, after the old NUL, and no longer follows the name. The bytes read here
 * lie between the old colon and the value, in the same line. */
static bool header_moved(const char *key, size_t key_size, const char *value)
{
    const char *p = value;
    while (p[-1] == ' ' || p[-1] == '\t') p--;
    return (uintptr_t)(p - 1) != (uintptr_t)(key + key_size);
}

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    header_fill *f = cls;
    if (f->n == f->cap) return MHD_NO;
    if (value == NULL) {
        value = "";
        value_size = 0;
    }
    if (f->check_layout) {
        if (header_moved(key, key_size, value)) f->folded = true;
        if (f->line_end != NULL && gap_holds_bytes(f, f->line_end, key)) f->cut = true;
        f->line_end = value + value_size;
    }
    /* libmicrohttpd drops the whitespace before a value but keeps what follows it; neither
     * is part of the value (RFC 9110 §5.5), and h11 strips both. The value stays a C
     * string (karak_req_header), so a trimmed one is a copy. */
    size_t n = value_size;
    while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t')) n--;
    if (n < value_size) {
        const char *copy = karena_strndup(f->arena, value, n);
        if (copy == NULL) f->nomem = true;
        else value = copy;
    }
    f->pairs[f->n++] = (karak_pair){key, key_size, value, n};
    return MHD_YES;
}

/* The request's headers in order, repeated ones included (pointers into libmicrohttpd's
 * connection memory, valid until the request ends), made when the dispatch core first
 * needs one (kreq.load_headers) and the framing check has not made them already. */
static bool load_headers(void *ud, karena *a, const karak_pair **out, size_t *n)
{
    struct MHD_Connection *mc = ud;
    int count = MHD_get_connection_values_n(mc, MHD_HEADER_KIND, NULL, NULL);
    *out = NULL;
    *n = 0;
    if (count <= 0) return true;
    header_fill f = {.pairs = karena_alloc(a, (size_t)count * sizeof *f.pairs),
                     .cap = (size_t)count, .arena = a};
    if (f.pairs == NULL) return false;
    MHD_get_connection_values_n(mc, MHD_HEADER_KIND, collect_header, &f);
    if (f.nomem) return false;
    *out = f.pairs;
    *n = f.n;
    return true;
}

static const char error_500_body[] = "Internal Server Error";

/* The plain 500 (what kresp_internal_error() makes), from static memory: the response
 * object is made once, at start, and queued as often as needed. */
static struct MHD_Response *error_500_make(void)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        sizeof error_500_body - 1, (void *)error_500_body, MHD_RESPMEM_PERSISTENT);
    if (r != NULL && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                                             "text/plain; charset=utf-8") != MHD_YES) {
        MHD_destroy_response(r);
        r = NULL;
    }
    return r;
}

static enum MHD_Result send_500(const kserver *s, struct MHD_Connection *mc)
{
    return MHD_queue_response(mc, MHD_HTTP_INTERNAL_SERVER_ERROR, s->error_500);
}

/* Builds and queues `resp`. When libmicrohttpd refuses to build it (out of memory, or a
 * header it will not send: an empty value, "Connection: keep-alive", a Transfer-Encoding
 * other than chunked), the client gets the plain 500 instead, without the user's headers,
 * as a handler's failure would give. */
static bool has_header(const kresp *resp, const char *name)
{
    for (size_t i = 0; i < resp->nheaders; i++)
        if (strcasecmp(resp->headers[i].name, name) == 0) return true;
    return false;
}

/* `close`: the response says Connection: close, and libmicrohttpd then closes the
 * connection once it is sent (a refusal; any response during a drain). */
static enum MHD_Result send_response(const kserver *s, struct MHD_Connection *mc,
                                     const kresp *resp, bool close)
{
    /* The body lives in the connection's arena until the next request starts. */
    struct MHD_Response *r = MHD_create_response_from_buffer(
        resp->body_len, (void *)(resp->body ? resp->body : ""), MHD_RESPMEM_PERSISTENT);
    bool ok = r != NULL;
    if (ok && resp->content_type != NULL)
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, resp->content_type) ==
             MHD_YES;
    for (size_t i = 0; ok && i < resp->nheaders; i++)
        ok = MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value) ==
             MHD_YES;
    if (ok && close && !has_header(resp, MHD_HTTP_HEADER_CONNECTION))
        ok = MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
    if (!ok) {
        if (r != NULL) MHD_destroy_response(r);
        karak_app_log(s->app, KARAK_LOG_ERROR,
                      "the %d response could not be built (out of memory, or a header "
                      "libmicrohttpd refuses to send); answered 500",
                      resp->status);
        return send_500(s, mc);
    }
    enum MHD_Result ret = MHD_queue_response(mc, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A route's answer: its kept response when the answer is the route's constant one
 * (memo.c), else built for this request. */
static enum MHD_Result send_answer(kserver *s, struct MHD_Connection *mc, const kresp *resp,
                                   const kroute *route)
{
    bool close = atomic_load(&s->draining);
    if (route != NULL && route->reads_nothing && !close) {
        struct MHD_Response *kept = kmemos_get(&s->memos, route, resp);
        if (kept != NULL) return MHD_queue_response(mc, (unsigned)resp->status, kept);
    }
    return send_response(s, mc, resp, close);
}

static enum MHD_Result send_413(const kserver *s, struct MHD_Connection *mc, kconn *k)
{
    kresp resp = {0};
    kresp_error_detail(&resp, &k->arena, 413, khttp_status_phrase(413));
    return send_response(s, mc, &resp, atomic_load(&s->draining));
}

/* A framing refusal: {"detail": phrase} and Connection: close, queued on the first call, so
 * that libmicrohttpd sends it without reading the body and then closes the connection. */
/* Whether a response's head will fit in what the request head left of the connection's
 * memory. libmicrohttpd 0.9.75 keeps the head there with a record per header line, then
 * builds the response's head in what remains; when it does not fit, it closes the
 * connection without an answer, after the handler has run. It does not say how much is
 * left, so the rule is an estimate on the safe side: the head, KARAK_HEADER_RECORD bytes a
 * header line, and KARAK_RESPONSE_HEAD_ROOM for the response's head. */
static bool head_leaves_room(const kserver *s, size_t head_size, size_t lines)
{
    return head_size + lines * KARAK_HEADER_RECORD + KARAK_RESPONSE_HEAD_ROOM <= s->conn_memory;
}

static enum MHD_Result send_refusal(kserver *s, struct MHD_Connection *mc, kconn *k,
                                    int status, const char *why)
{
    client_log(s, KARAK_LOG_WARN, "request refused with %d: %s", status, why);
    k->refused = true;
    kresp resp = {0};
    kresp_error_detail(&resp, &k->arena, status, khttp_status_phrase(status));
    return send_response(s, mc, &resp, true);
}

/* An answer written straight to a socket, where libmicrohttpd cannot send one: to a
 * client beyond the connection limit (before libmicrohttpd has the socket), and the 413
 * for a chunked body that outgrows the limit (libmicrohttpd 0.9.75 accepts no response in
 * the middle of an upload; the connection is then closed). {"detail": phrase} and
 * Connection: close; `extra` is more header lines, each ending in CRLF. Best effort: a
 * socket that will not take it at once is closed without it. Nothing on a TLS server,
 * where these bytes would be plaintext in the TLS stream: the close is the answer. */
static void send_canned(const kserver *s, int fd, int status, const char *extra)
{
    if (s->tls) return;
    char date[64];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char body[96];
    int blen = snprintf(body, sizeof body, "{\"detail\":\"%s\"}", khttp_status_phrase(status));
    char msg[512];
    int n = snprintf(msg, sizeof msg,
                     "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %d\r\nConnection: close\r\n%s\r\n%s",
                     status, MHD_get_reason_phrase_for((unsigned)status), date, blen, extra,
                     body);
    if (n > 0 && (size_t)n < sizeof msg) {
        ssize_t sent = send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT);
        (void)sent;
    }
}

/* Heads of up to KARAK_HEAD_STACK_PAIRS header lines are checked from the stack, so that
 * the check costs no arena memory and the dispatch core still makes its header list only
 * when it needs one; a larger head's list is made in the arena once and handed on. */

/* The first call: the head is complete, nothing of the body has been read. 0 when the
 * request may go on, else the status to answer at once: a framing refusal, 500 when a
 * large head's list finds no memory (its framing unchecked, the connection must close), or
 * 431 when the head leaves no room for the response's (head_leaves_room). */
static int check_head(const kserver *s, struct MHD_Connection *mc, kconn *k,
                      const char *method, const char *version, const char **why)
{
    karak_pair stack[KARAK_HEAD_STACK_PAIRS];
    header_fill f = {.arena = &k->arena, .check_layout = s->old_layout};
    const union MHD_ConnectionInfo *hs =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    size_t head_size = hs != NULL ? hs->header_size : 0;
    if (f.check_layout) {
        f.head = (uintptr_t)method;
        f.head_end = f.head + head_size;
    }
    int count = MHD_get_connection_values_n(mc, MHD_HEADER_KIND, NULL, NULL);
    if (count > 0) {
        f.cap = (size_t)count;
        f.pairs = count <= KARAK_HEAD_STACK_PAIRS ? stack
                                            : karena_alloc(&k->arena, f.cap * sizeof *f.pairs);
        if (f.pairs == NULL) {
            *why = "out of memory for the header list";
            return 500;
        }
        MHD_get_connection_values_n(mc, MHD_HEADER_KIND, collect_header, &f);
        if (f.nomem) {
            *why = "out of memory for a header value";
            return 500;
        }
        if (f.check_layout && f.line_end != NULL &&
            gap_holds_bytes(&f, f.line_end, (const char *)f.head_end))
            f.cut = true;
        if (f.pairs != stack) {
            k->headers = f.pairs;
            k->nheaders = f.n;
        }
    }
    size_t target_len = k->target_len;
    /* The version starts one byte (the space) after the target ended on the wire; later
     * than that, a NUL cut the string short. The copy's own terminating NUL stands for it. */
    if (s->old_layout && version[0] != '\0' &&
        (uintptr_t)version > (uintptr_t)k->raw_target + k->target_len + 1)
        target_len++;
    khttp_head head = {.method = method, .version = version, .target = k->target,
                       .target_len = target_len, .headers = f.pairs, .nheaders = f.n,
                       .folded = f.folded, .value_cut = f.cut};
    int status = khttp_framing_check(&head, why);
    if (status == 0 && !head_leaves_room(s, head_size, f.n)) {
        *why = "its head leaves no room for the response's head";
        status = 431;
    }
    return status;
}

/* ---- the handler pool's side ---- */

/* Microseconds of the fine monotonic clock (the coarse one's ticks are milliseconds). */
static long long mono_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* On a pool thread: the route's pipeline, then the connection goes back to its I/O thread,
 * whose next call of the access handler sends the response. */
static void run_job(kjob *j)
{
    kconn *k = (kconn *)(void *)((char *)j - offsetof(kconn, job));
    k->req.slots = worker_slots(k->server);
    kdispatch_finish(k->ctx, &k->resp);
    k->job_done = true;
    MHD_resume_connection(k->mc);
}

/* The route runs on the pool (a place was taken): the connection is suspended, so that its
 * I/O thread serves the others meanwhile, until run_job resumes it. */
static enum MHD_Result hand_over(kserver *s, struct MHD_Connection *mc, kconn *k, karak_ctx *c)
{
    k->server = s;
    k->ctx = c;
    k->job_done = false;
    k->job.run = run_job;
    MHD_suspend_connection(mc);
    kpool_submit(&s->pool, &k->job);
    return MHD_YES;
}

/* Every pool thread busy and the queue full: a quick 503, as a full connection table
 * answers, rather than a wait without end. */
static enum MHD_Result send_busy(kserver *s, struct MHD_Connection *mc, kconn *k)
{
    if (s->pool.failed) /* (read without the lock: set once, before this thread asked) */
        client_log(s, KARAK_LOG_ERROR, "no handler pool thread could start: answered 503");
    else
        client_log(s, KARAK_LOG_WARN, "%u handler threads busy and %zu requests waiting: "
                   "answered 503", s->pool.want_threads, s->pool.max_queue);
    kresp resp = {0};
    kresp_error_detail(&resp, &k->arena, 503, "Service Unavailable");
    if (!kresp_add_header(&resp, &k->arena, "Retry-After", "1")) return send_500(s, mc);
    return send_response(s, mc, &resp, atomic_load(&s->draining));
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *mc, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)url;
    kserver *s = cls;
    kconn *k = *con_cls;
    if (k == NULL || k->target == NULL) {
        /* Out of memory before the request could be kept: answered at once, on this first
         * call (libmicrohttpd then skips any body and closes the connection). A later call
         * cannot happen once the 500 is queued; should one come, mid-upload, libmicrohttpd
         * accepts no response there. */
        if (*upload_size > 0 || (k != NULL && k->started)) return MHD_NO;
        if (k != NULL) k->started = true;
        return send_500(s, mc);
    }
    size_t max = s->app->max_body;
    if (k->refused) { /* answered already: whatever still comes is dropped */
        *upload_size = 0;
        return MHD_YES;
    }
    if (!k->started) {
        k->started = true;
        const char *why = NULL;
        int status = check_head(s, mc, k, method, version ? version : "", &why);
        if (status == 500) {
            karak_app_log(s->app, KARAK_LOG_ERROR, "%s; answered 500", why);
            k->refused = true;
            return send_500(s, mc);
        }
        if (status == 431) {
            /* answered here, before the handler runs: libmicrohttpd would find no room for
               the response's head (nor for a refusal's), and close without an answer */
            client_log(s, KARAK_LOG_WARN, "request refused with 431: %s (%zu bytes a "
                       "connection, --conn-memory)", why, s->conn_memory);
            send_canned(s, k->entry.fd, 431, "");
            shutdown(k->entry.fd, SHUT_WR);
            k->refused = true;
            return MHD_NO;
        }
        if (status != 0) return send_refusal(s, mc, k, status, why);
        const char *cl = MHD_lookup_connection_value(mc, MHD_HEADER_KIND,
                                                     MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl != NULL && strtoull(cl, NULL, 10) > max) return send_413(s, mc, k);
        kconn_enter(&k->entry, KCONN_BODY);
        return MHD_YES;
    }
    if (*upload_size > 0) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (k->body.len + n > max) {
            /* A chunked body (an announced length was checked on the first call) has
             * outgrown the limit: answered 413 now, and the connection closed, so that
             * nothing more of it is read. */
            client_log(s, KARAK_LOG_WARN, "chunked body beyond %zu bytes: %s", max,
                       s->tls ? "closed" : "answered 413, closed");
            send_canned(s, k->entry.fd, 413, "");
            shutdown(k->entry.fd, SHUT_WR); /* the answer's end, before the close */
            k->refused = true;
            return MHD_NO;
        }
        /* one that memory could not hold is read to its end and dropped, then answered
         * 500 (libmicrohttpd 0.9.75 refuses a response queued in mid-upload) */
        if (k->failed) return MHD_YES;
        /* room for the terminating NUL: a body sent in one piece needs no second block */
        if (k->body.data == NULL && !k->body.failed) kbuf_init(&k->body, &k->arena, n + 2);
        kbuf_put(&k->body, upload_data, n);
        if (k->body.failed) k->failed = true;
        return MHD_YES;
    }
    if (k->job_done) { /* resumed: the pool has run the route */
        k->job_done = false;
        k->cleanups = k->resp.cleanups;
        return send_answer(s, mc, &k->resp, k->ctx->route);
    }
    kconn_enter(&k->entry, KCONN_BUSY);
    /* The body is NUL-terminated at its length, as the test client's is: karak_req_body()
     * is a C string for a handler that ignores the length. */
    if (k->failed || (k->body.data != NULL && kbuf_cstr(&k->body) == NULL))
        return send_500(s, mc);
    k->req = (kreq){
        .method = method,
        .target = k->target,
        .target_len = strlen(k->target),
        .body = k->body.data,
        .body_len = k->body.len,
        .default_host = s->default_host,
        .scheme = s->tls ? "https" : NULL,
        .headers = k->headers,
        .nheaders = k->nheaders,
        .load_headers = load_headers,
        .headers_ud = mc,
        .peer = k->peer[0] != '\0' ? k->peer : NULL,
        .trust = &s->trust,
        .draining = &s->draining,
    };
    kresp resp;
    bool on_pool = false;
    karak_ctx *c = kdispatch_start(s->app, &k->req, &k->arena, &resp, &on_pool);
    if (c != NULL && on_pool && s->has_pool) {
        if (kpool_reserve(&s->pool)) return hand_over(s, mc, k, c);
        return send_busy(s, mc, k);
    }
    if (c != NULL) {
        k->req.slots = worker_slots(s);
        bool timed = s->has_pool && kdispatch_timed(c); /* only AUTO routes are watched */
        long long t0 = timed ? mono_us() : 0;
        kdispatch_finish(c, &resp);
        if (timed) kdispatch_inline_took(c, mono_us() - t0);
    }
    /* The cleanups wait for the response to be sent (on_completed), as FastAPI's background
     * tasks and yield dependencies do; their memory stays in the arena until then. */
    k->cleanups = resp.cleanups;
    return send_answer(s, mc, &resp, c != NULL ? c->route : NULL);
}

/* ---- sockets, limits, lifecycle ---- */

/* A listening Unix domain socket at path; -1 (logged) when it cannot be made. A socket
 * file left there by a server that did not stop cleanly is replaced; any other file is
 * not touched. */
static int listen_unix(const karak_app *app, const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        karak_app_log(app, KARAK_LOG_ERROR, "uds '%s': a Unix socket path has at most %zu bytes",
                      path, sizeof sa.sun_path - 1);
        return -1;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            karak_app_log(app, KARAK_LOG_ERROR, "uds '%s': exists and is not a socket", path);
            return -1;
        }
        unlink(path);
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
        listen(fd, KARAK_LISTEN_BACKLOG) != 0) {
        karak_app_log(app, KARAK_LOG_ERROR, "cannot listen on the Unix socket '%s': %s", path,
                      strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

static int listen_on(const karak_app *app, const char *host, unsigned port, bool reuse_port,
                     bool *ipv6, unsigned *bound_port)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res = NULL;
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%u", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc != 0) {
        karak_app_log(app, KARAK_LOG_ERROR, "cannot resolve host '%s': %s", host,
                      gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    int err = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
        if (fd < 0) continue;
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if ((reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) ||
            bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
            listen(fd, KARAK_LISTEN_BACKLOG) != 0) {
            err = errno;
            close(fd);
            fd = -1;
            continue;
        }
        *ipv6 = ai->ai_family == AF_INET6;
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        getsockname(fd, (struct sockaddr *)&ss, &sl);
        *bound_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                     : ((struct sockaddr_in *)&ss)->sin_port);
    }
    freeaddrinfo(res);
    if (fd < 0)
        karak_app_log(app, KARAK_LOG_ERROR, "cannot listen on %s:%u: %s", host, port,
                      strerror(err));
    return fd;
}

/* Raises the open-file limit to its hard maximum and keeps connections within it. */
static unsigned connection_limit(unsigned wanted)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return wanted;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)wanted + KARAK_FD_RESERVE)
        return rl.rlim_cur > 2 * KARAK_FD_RESERVE ? (unsigned)(rl.rlim_cur - KARAK_FD_RESERVE)
                                                  : KARAK_FD_RESERVE;
    return wanted;
}

/* A client beyond the connection limit, when no connection could make way: a quick 503
 * rather than a silent wait. The close follows the answer, after what the client has sent
 * so far is read (closing with unread bytes would reset the connection, and the client
 * might lose the answer). */
static void refuse_busy(kserver *s, int fd)
{
    send_canned(s, fd, 503, "Retry-After: 1\r\n");
    shutdown(fd, SHUT_WR);
    char sink[4096];
    while (recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0) {}
    close(fd);
    client_log(s, KARAK_LOG_WARN,
               "%u connections open, every one busy with a request: a new client was %s",
               s->max_conn, s->tls ? "closed" : "answered 503");
}

/* Room for one more connection: there is, or the one that has waited longest for a
 * request head gives way (it is shut down, and libmicrohttpd closes it: the headroom
 * beyond max_conn is for those). */
static bool admit(kserver *s)
{
    return kconns_open(&s->conns) < s->max_conn || kconns_evict(&s->conns);
}

/* Accepts every pending connection; false when the acceptor should pause (out of
 * descriptors or memory: the connections wait in the backlog meanwhile). */
static bool accept_pending(kserver *s)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(s->listen_fd, (struct sockaddr *)&ss, &sl,
                         SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
            karak_app_log(s->app, KARAK_LOG_ERROR, "accept: %s", strerror(errno));
            return false;
        }
        if (!admit(s)) {
            refuse_busy(s, fd);
            continue;
        }
        /* libmicrohttpd closes the socket itself when it cannot take it (connection limit,
           memory), and says so through the log */
        MHD_add_connection(s->daemon, fd, (struct sockaddr *)&ss, sl);
    }
}

/* The deadlines libmicrohttpd does not keep: a head not complete header_ms after the
 * connection started or its last response went, a body not complete body_ms after its
 * head. */
static void reap(kserver *s, long long now)
{
    kconn_expired x = kconns_expire(&s->conns, now, s->header_ms, s->body_ms);
    if (x.heads > 0)
        client_log(s, KARAK_LOG_INFO, "closed %zu connection(s) past the %lld s header deadline",
                   x.heads, s->header_ms / 1000);
    if (x.bodies > 0)
        client_log(s, KARAK_LOG_INFO, "closed %zu connection(s) past the %lld s body deadline",
                   x.bodies, s->body_ms / 1000);
}

static void *accept_loop(void *arg)
{
    kserver *s = arg;
    struct pollfd p[2] = {{.fd = s->listen_fd, .events = POLLIN},
                          {.fd = s->stop_fd, .events = POLLIN}};
    long long last_reap = kclock_ms();
    for (;;) {
        int ready = poll(p, 2, KARAK_REAP_INTERVAL_MS);
        if (ready < 0 && errno != EINTR) break;
        long long now = kclock_ms();
        if (now - last_reap >= KARAK_REAP_INTERVAL_MS) {
            reap(s, now);
            last_reap = now;
        }
        if (ready <= 0) continue;
        if (p[1].revents != 0) {
            /* the stop: what has reached the backlog is taken, and answered */
            accept_pending(s);
            break;
        }
        if (p[0].revents != 0 && !accept_pending(s)) {
            struct timespec pause = {0, KARAK_ACCEPT_PAUSE_MS * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
    }
    return NULL;
}

/* The certificate and key, PEM text (NULL and NULL: plain HTTP). */
typedef struct tls_pem {
    char *cert, *key;
} tls_pem;

/* The key's bytes do not outlive their use. */
static void tls_pem_free(tls_pem *p)
{
    for (char **b = &p->cert; b <= &p->key; b++) {
        if (*b != NULL) explicit_bzero(*b, strlen(*b));
        free(*b);
        *b = NULL;
    }
}

/* A TLS file's text, NUL-terminated (libmicrohttpd takes PEM as a C string); NULL, after a
 * log line naming the file, when it cannot be read or is no PEM text. */
static char *tls_file_read(const karak_app *app, const char *what, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        karak_app_log(app, KARAK_LOG_ERROR, "cannot read the TLS %s file '%s': %s", what, path,
                      strerror(errno));
        return NULL;
    }
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t n = 1;
    while (buf != NULL && len <= KARAK_TLS_FILE_MAX && n > 0) {
        if (len + 1 == cap) { /* by hand, so that no copy of a key is left unwiped */
            char *grown = malloc(2 * cap);
            if (grown != NULL) memcpy(grown, buf, len);
            explicit_bzero(buf, len);
            free(buf);
            buf = grown;
            cap *= 2;
            continue;
        }
        n = read(fd, buf + len, cap - 1 - len);
        if (n < 0 && errno == EINTR) n = 1;
        else if (n > 0) len += (size_t)n;
    }
    int err = errno;
    close(fd);
    const char *why = buf == NULL                ? "out of memory"
                      : n < 0                    ? strerror(err)
                      : len > KARAK_TLS_FILE_MAX ? "larger than 1 MiB"
                      : memchr(buf, '\0', len)   ? "not PEM text (a NUL byte)"
                                                 : NULL;
    if (why == NULL) {
        buf[len] = '\0';
        if (strstr(buf, "-----BEGIN ") == NULL) why = "not PEM text (no -----BEGIN line)";
    }
    if (why != NULL) {
        karak_app_log(app, KARAK_LOG_ERROR, "cannot read the TLS %s file '%s': %s", what, path,
                      why);
        if (buf != NULL) explicit_bzero(buf, len);
        free(buf);
        return NULL;
    }
    return buf;
}

/* Before the app is sealed: both files or neither, readable, and a libmicrohttpd that has
 * TLS. KARAK_OK, or the start's error code after a log line. */
static int tls_pem_read(const karak_app *app, const karak_server_opts *o, tls_pem *out)
{
    *out = (tls_pem){NULL, NULL};
    if (o->tls_cert == NULL && o->tls_key == NULL) return KARAK_OK;
    if (o->tls_cert == NULL || o->tls_key == NULL) {
        karak_app_log(app, KARAK_LOG_ERROR, "HTTPS needs both a certificate and a key file; "
                      "only the %s was given ('%s')", o->tls_cert ? "certificate" : "key",
                      o->tls_cert ? o->tls_cert : o->tls_key);
        return KARAK_EINVAL;
    }
    if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
        karak_app_log(app, KARAK_LOG_ERROR, "cannot serve HTTPS: this libmicrohttpd (%s) was "
                      "built without TLS (GnuTLS)", MHD_get_version());
        return KARAK_ESYSTEM;
    }
    out->cert = tls_file_read(app, "certificate", o->tls_cert);
    out->key = out->cert != NULL ? tls_file_read(app, "key", o->tls_key) : NULL;
    if (out->key != NULL) return KARAK_OK;
    tls_pem_free(out);
    return KARAK_ESYSTEM;
}

static struct MHD_Daemon *daemon_start(kserver *s, unsigned max_conn, unsigned timeout,
                                       size_t conn_memory, const tls_pem *pem)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET;
    if (s->has_pool) flags |= MHD_ALLOW_SUSPEND_RESUME;
    if (s->tls) flags |= MHD_USE_TLS;
    struct MHD_OptionItem ops[12] = {
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_mhd_log, s}, /* first, or MHD warns */
        {MHD_OPTION_CONNECTION_LIMIT, (intptr_t)max_conn, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)timeout, NULL},
        {MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, s},
        {MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s},
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)conn_memory, NULL},
    };
    size_t n = 7;
    if (s->workers > 1)
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->workers,
                                           NULL};
    if (s->tls) {
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, pem->cert};
        ops[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, pem->key};
    }
    ops[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_ARRAY, ops,
                            MHD_OPTION_END);
}

/* Whether the running libmicrohttpd is one whose request layout header_moved() and
 * check_head() rely on: 0.9.75 (Debian 12's) or older. */
static bool mhd_old_layout(void)
{
    unsigned a = 0, b = 0, c = 0;
    const char *v = MHD_get_version();
    if (v == NULL || sscanf(v, "%u.%u.%u", &a, &b, &c) != 3) return false;
    return a == 0 && (b < 9 || (b == 9 && c <= 75));
}

/* What start made, once no thread and no connection uses it. */
static void server_destroy(kserver *s)
{
    kpool_destroy(&s->pool);
    free(s->uds);
    karena_free(&s->mem);
    slots_destroy(s);
    if (s->has_slots_key) pthread_key_delete(s->slots_key);
    pthread_mutex_destroy(&s->slots_lock);
    kconns_destroy(&s->conns);
    pthread_mutex_destroy(&s->log_lock);
    MHD_destroy_response(s->error_500);
    kmemos_free(&s->memos);
    free(s);
}

int karak_server_start(karak_app *app, const karak_server_opts *user, karak_server **out)
{
    if (out != NULL) *out = NULL;
    if (app == NULL || out == NULL) return KARAK_EINVAL;
    karak_server_opts opts;
    if (!kopts_load(&opts, sizeof opts, user, user ? user->struct_size : 0)) return KARAK_EINVAL;
    /* options first: a refused start leaves the app open for routes */
    const char *host = opts.host ? opts.host : KARAK_DEFAULT_HOST;
    unsigned port = opts.port == 0 ? KARAK_DEFAULT_PORT
                    : opts.port == KARAK_PORT_ANY ? 0
                                                  : opts.port;
    if (port > 65535) return KARAK_EINVAL;
    if (opts.conn_memory != 0 &&
        (opts.conn_memory < KARAK_MIN_CONN_MEMORY || opts.conn_memory > KARAK_MAX_CONN_MEMORY)) {
        karak_app_log(app, KARAK_LOG_ERROR, "conn_memory %u: not from %u to %u bytes",
                      opts.conn_memory, KARAK_MIN_CONN_MEMORY, KARAK_MAX_CONN_MEMORY);
        return KARAK_EINVAL;
    }
    tls_pem pem;
    int rc = tls_pem_read(app, &opts, &pem);
    if (rc == KARAK_OK && karak_app_seal(app) != KARAK_OK) rc = KARAK_EREGISTER;
    else if (rc == KARAK_OK && kapp_startup(app) != 0) rc = KARAK_ESYSTEM;
    if (rc != KARAK_OK) {
        tls_pem_free(&pem);
        return rc;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    kserver *s = calloc(1, sizeof *s);
    if (s != NULL) s->error_500 = error_500_make();
    if (s == NULL || s->error_500 == NULL) {
        free(s);
        tls_pem_free(&pem);
        kapp_shutdown(app);
        return KARAK_ENOMEM;
    }
    s->app = app;
    karena_init(&s->mem);
    if (!opts.no_memo) kmemos_init(&s->memos, app->nroutes);
    s->conn_memory = opts.conn_memory ? opts.conn_memory : KARAK_DEFAULT_CONN_MEMORY;
    s->tls = pem.cert != NULL;
    s->old_layout = mhd_old_layout();
    s->workers = opts.workers ? opts.workers : (cpus > 0 ? (unsigned)cpus : 1);
    s->header_ms = 1000LL * (opts.header_timeout ? opts.header_timeout
                                                 : KARAK_DEFAULT_HEADER_TIMEOUT);
    s->body_ms = 1000LL * (opts.body_timeout ? opts.body_timeout : KARAK_DEFAULT_BODY_TIMEOUT);
    atomic_init(&s->in_flight, 0);
    atomic_init(&s->draining, false);
    kconns_init(&s->conns);
    pthread_mutex_init(&s->log_lock, NULL);
    pthread_mutex_init(&s->slots_lock, NULL);
    s->has_slots_key = pthread_key_create(&s->slots_key, NULL) == 0;
    s->log_window = kclock_ms();
    const char *allow = opts.forwarded_allow_ips ? opts.forwarded_allow_ips : "127.0.0.1";
    s->forwarded_allow_ips = karena_strndup(&s->mem, allow, strlen(allow));
    if (s->forwarded_allow_ips == NULL ||
        !khttp_trust_parse(&s->mem, s->forwarded_allow_ips, &s->trust)) {
        tls_pem_free(&pem);
        server_destroy(s);
        kapp_shutdown(app);
        return KARAK_ENOMEM;
    }
    bool ipv6 = false;
    if (opts.uds != NULL) {
        s->uds = strdup(opts.uds);
        s->listen_fd = s->uds != NULL ? listen_unix(app, opts.uds) : -1;
    } else {
        s->listen_fd = listen_on(app, host, port, opts.reuse_port, &ipv6, &s->port);
    }
    if (s->listen_fd < 0) {
        tls_pem_free(&pem);
        server_destroy(s);
        kapp_shutdown(app);
        return KARAK_ESYSTEM;
    }
    /* behind a Unix socket there is no address of its own to put in a Location: a client
       that sends no Host gets Starlette's "localhost" */
    if (s->uds != NULL) snprintf(s->default_host, sizeof s->default_host, "localhost");
    else snprintf(s->default_host, sizeof s->default_host, ipv6 ? "[%s]:%u" : "%s:%u", host,
                  s->port);
    /* libmicrohttpd's limit has headroom for the connections that were evicted to admit a
     * new one and are not closed yet; libkarak admits max_conn */
    unsigned wanted = opts.max_connections ? opts.max_connections
                                           : KARAK_DEFAULT_MAX_CONNECTIONS;
    unsigned mhd_limit = connection_limit(wanted + KARAK_CONN_HEADROOM);
    s->max_conn = mhd_limit > 2 * KARAK_CONN_HEADROOM ? mhd_limit - KARAK_CONN_HEADROOM
                                                      : mhd_limit / 2 + 1;
    if (s->max_conn > wanted) s->max_conn = wanted;
    if (kapp_uses_pool(app)) { /* its threads start with the first request that needs them */
        kpool_init(&s->pool, opts.threads ? opts.threads : KARAK_DEFAULT_THREADS,
                   opts.queue ? opts.queue : KARAK_DEFAULT_QUEUE);
        s->has_pool = true;
    }
    s->daemon = daemon_start(s, mhd_limit, opts.timeout ? opts.timeout : KARAK_DEFAULT_TIMEOUT,
                             s->conn_memory, &pem);
    tls_pem_free(&pem); /* GnuTLS has its own copy */
    s->stop_fd = eventfd(0, EFD_CLOEXEC);
    /* the acceptor takes no signal: they stay the program's (or karak_serve's) business */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    s->accepting = s->daemon != NULL && s->stop_fd >= 0 &&
                   pthread_create(&s->acceptor, NULL, accept_loop, s) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!s->accepting && s->daemon == NULL && s->tls) {
        /* most likely GnuTLS's refusal of the pair ("The provided key and certificate do
           not match."), which libmicrohttpd logs first */
        char said[KARAK_ERRLEN];
        pthread_mutex_lock(&s->log_lock);
        memcpy(said, s->mhd_first, sizeof said);
        pthread_mutex_unlock(&s->log_lock);
        karak_app_log(app, KARAK_LOG_ERROR, "cannot serve HTTPS with the certificate '%s' and "
                      "the key '%s': %s", opts.tls_cert, opts.tls_key,
                      said[0] ? said : "libmicrohttpd failed to start");
        rc = KARAK_EINVAL;
    } else if (!s->accepting) {
        karak_app_log(app, KARAK_LOG_ERROR, "libmicrohttpd or the acceptor failed to start");
        rc = KARAK_ESYSTEM;
    }
    if (!s->accepting) {
        if (s->daemon != NULL) MHD_stop_daemon(s->daemon);
        if (s->stop_fd >= 0) close(s->stop_fd);
        close(s->listen_fd);
        server_destroy(s);
        kapp_shutdown(app);
        return rc;
    }
    *out = s;
    return KARAK_OK;
}

unsigned karak_server_port(const karak_server *s)
{
    return s ? s->port : 0;
}

int karak_server_stop(karak_server *s, unsigned graceful_ms)
{
    if (s == NULL || s->daemon == NULL) return KARAK_OK;
    /* From here every response says Connection: close. */
    atomic_store(&s->draining, true);
    /* Stop accepting and close the listening socket: what waits in the backlog is taken
     * first, then a new connection is refused at once rather than left hanging. */
    if (s->accepting) {
        uint64_t one = 1;
        if (write(s->stop_fd, &one, sizeof one) != (ssize_t)sizeof one)
            karak_app_log(s->app, KARAK_LOG_ERROR, "cannot wake the acceptor: %s",
                          strerror(errno));
        pthread_join(s->acceptor, NULL);
        s->accepting = false;
        close(s->stop_fd);
        s->stop_fd = -1;
    }
    if (s->listen_fd >= 0) close(s->listen_fd);
    s->listen_fd = -1;
    if (s->uds != NULL) unlink(s->uds); /* new clients find nothing there, at once */
    /* The drain: requests that have arrived are answered (and their connections then
     * close), keep-alive connections are closed as they fall idle, the deadlines still
     * hold, all until no connection is left or the graceful time is over. */
    struct timespec nap = {0, KARAK_DRAIN_POLL_MS * 1000 * 1000};
    long long start = kclock_ms();
    for (;;) {
        long long now = kclock_ms();
        if (kconns_count(&s->conns) == 0 || now - start >= (long long)graceful_ms) break;
        kconns_close_idle(&s->conns, now, KARAK_DRAIN_IDLE_MS);
        reap(s, now);
        nanosleep(&nap, NULL);
    }
    int rc = atomic_load(&s->in_flight) == 0 ? KARAK_OK : KARAK_ETIMEDOUT;
    /* libmicrohttpd 0.9.75 aborts the process when stopped with a connection suspended:
     * every job still queued or running completes and resumes its connection first (a
     * handler that never returns holds the stop), and the workers then send what they
     * can before the daemon closes the connections. */
    if (s->has_pool) {
        size_t pending = kpool_pending(&s->pool);
        if (pending > 0)
            karak_app_log(s->app, KARAK_LOG_WARN,
                          "stopping: waiting for %zu requests on the handler pool", pending);
        kpool_stop(&s->pool);
        for (long long until = kclock_ms() + KARAK_DRAIN_POLL_MS * 10;
             kclock_ms() < until && atomic_load(&s->in_flight) > 0;)
            nanosleep(&nap, NULL);
    }
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    slots_destroy(s); /* the workers are gone: their values go before the app's shutdown */
    kapp_shutdown(s->app); /* the last request has been answered */
    return rc;
}

void karak_server_free(karak_server *s)
{
    if (s == NULL) return;
    karak_server_stop(s, 0);
    server_destroy(s); /* no connection holds the 500 once the daemon is gone */
}

int karak_serve(karak_app *app, const karak_server_opts *opts)
{
    if (app == NULL) return KARAK_EINVAL;
    /* Threads inherit the signal mask: block the stop signals before libmicrohttpd starts
     * its own, and wait for them here. */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, &old);
    karak_server *s = NULL;
    int rc = karak_server_start(app, opts, &s);
    if (rc != KARAK_OK) {
        if (rc == KARAK_EREGISTER) karak_app_log(app, KARAK_LOG_ERROR, "%s", karak_app_error(app));
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return rc;
    }
    if (s->uds != NULL)
        karak_app_log(app, KARAK_LOG_INFO, "serving on unix:%s (%u workers)%s", s->uds,
                      s->workers, s->tls ? " over TLS" : "");
    else
        karak_app_log(app, KARAK_LOG_INFO, "serving on %s://%s (%u workers)",
                      s->tls ? "https" : "http", s->default_host, s->workers);
    int sig = 0;
    sigwait(&stop, &sig);
    karak_app_log(app, KARAK_LOG_INFO, "%s received, shutting down",
                  sig == SIGINT ? "SIGINT" : "SIGTERM");
    if (karak_server_stop(s, KARAK_DRAIN_SECONDS * 1000) != KARAK_OK)
        karak_app_log(app, KARAK_LOG_WARN, "requests still in flight after %d s were cut",
                      KARAK_DRAIN_SECONDS);
    karak_server_free(s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return 0;
}
