/** @file
 * Serving an app over HTTP/1.1 (libmicrohttpd's thread pool on epoll), or HTTPS with a
 * certificate (libmicrohttpd's GnuTLS). Included by <karak.h>.
 *
 * Two ways in:
 * - karak_run(app, argc, argv):    the one-call way for a main(): flags, environment,
 *                                  SIGINT/SIGTERM handling, exit code;
 * - karak_server_start()/_stop():  a handle for programs with their own main loop and
 *                                  signal policy; several servers may run in one process. */
#ifndef KARAK_PUBLIC_SERVER_H
#define KARAK_PUBLIC_SERVER_H

#include <karak/common.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KARAK_DEFAULT_HOST "127.0.0.1"      /**< karak_server_opts.host's default */
#define KARAK_DEFAULT_PORT 8000u            /**< karak_server_opts.port's default */
#define KARAK_DEFAULT_MAX_CONNECTIONS 10000u /**< karak_server_opts.max_connections' default */
#define KARAK_DEFAULT_TIMEOUT 30u /**< karak_server_opts.timeout's default, seconds */
#define KARAK_DEFAULT_HEADER_TIMEOUT 30u /**< karak_server_opts.header_timeout's, seconds */
#define KARAK_DEFAULT_BODY_TIMEOUT 60u   /**< karak_server_opts.body_timeout's, seconds */
#define KARAK_DEFAULT_THREADS 40u /**< karak_server_opts.threads' default (anyio's, FastAPI's) */
#define KARAK_DEFAULT_QUEUE 1024u /**< karak_server_opts.queue's default */
#define KARAK_DEFAULT_CONN_MEMORY 32768u /**< karak_server_opts.conn_memory's default, bytes */
/** A port value that asks for any free port; karak_server_port() tells which. */
#define KARAK_PORT_ANY 65536u

/** Options of a server. Zero means "default"; struct_size as for karak_app_opts. */
typedef struct karak_server_opts {
    const char *host;         /**< address to bind; copied. NULL: "127.0.0.1" */
    unsigned port;            /**< 0: 8000. KARAK_PORT_ANY: any free port */
    unsigned workers;         /**< I/O threads; 0: the number of CPUs */
    unsigned max_connections; /**< concurrent connections; 0: 10000, capped by the open-file
                                   limit (whose soft value is raised to the hard one). A
                                   client beyond it closes the connection that has waited
                                   longest for a request head (idle or slow); when every
                                   one is busy with a request, it is answered 503 */
    unsigned timeout;         /**< idle connection timeout in seconds (no byte either way);
                                   0: 30 */
    unsigned header_timeout;  /**< seconds from a connection's start, or from its last
                                   response, until the next request head is complete; 0: 30.
                                   Bounds both idle keep-alive and a slowly sent head. */
    unsigned body_timeout;    /**< seconds from a complete head until the whole body has
                                   arrived; 0: 60 */
    size_t struct_size;       /**< sizeof(karak_server_opts) as the caller was compiled;
                                   0: the library's own */
    unsigned threads;         /**< handler pool threads, for the routes that run on it
                                   (karak_run_on); 0: 40. Not started when no route does */
    unsigned queue;           /**< requests that may wait for a pool thread; 0: 1024. Beyond
                                   it a request is answered 503 {"detail":"Service
                                   Unavailable"} with Retry-After: 1 at once */
    bool reuse_port;          /**< SO_REUSEPORT on the listening socket: several processes
                                   (or servers) bind the same host and port and the kernel
                                   spreads new connections among them */
    const char *uds;          /**< listen on a Unix domain socket at this path instead of
                                   host and port (uvicorn's --uds); copied. A socket file
                                   already there is replaced (anything else there is a start
                                   error); the file is removed at the stop. NULL: TCP */
    const char *forwarded_allow_ips; /**< uvicorn's --forwarded-allow-ips: the proxies (IP
                                          addresses, comma-separated, or "*" for any) whose
                                          Forwarded, X-Forwarded-For and X-Forwarded-Proto
                                          headers are believed for karak_req_client(),
                                          karak_req_scheme() and redirects; copied. NULL:
                                          "127.0.0.1", uvicorn's default; "": none */
    const char *tls_cert;     /**< path of a PEM file with the server's certificate (its
                                   chain after it, if any); with tls_key, the server speaks
                                   HTTPS only (libmicrohttpd's GnuTLS). Read at start and not
                                   kept. NULL: plain HTTP */
    const char *tls_key;      /**< path of the PEM file with tls_cert's private key, not
                                   encrypted; read at start and not kept. Both or neither */
    unsigned conn_memory;     /**< bytes of libmicrohttpd's memory for each connection, from
                                   4096 to 16 MiB; 0: KARAK_DEFAULT_CONN_MEMORY. A request's
                                   head (request line and headers) must fit in it with 512
                                   bytes and 64 a header line to spare (for the response's
                                   head), beyond that it is answered 431 (414 for a request
                                   line that does not fit) before any handler runs; and
                                   libmicrohttpd zeroes all of it after each request, so an
                                   idle keep-alive connection keeps all of it. 8192 takes
                                   heads up to 7,552 bytes for 13.7 KiB per idle connection
                                   instead of 37.6 (bench/results/connections.md) */
    bool no_memo;             /**< build every response afresh. By default a route that
                                   declares nothing to read (no path parameter, no query,
                                   header, cookie or body model, no dependency) keeps its
                                   first answer as a built response and sends that again
                                   whenever its answer is the same bytes (status, content
                                   type, body up to 1 KiB, no headers of its own): "/", a
                                   health check, a version cost no allocation */
} karak_server_opts;

/** A running server of one app (karak_server_start()); opaque. */
typedef struct karak_server karak_server;

/** Starts serving `app` (borrowed: it must outlive the server) and returns at once, with
 * the handle in *out. Seals the app. Returns 0; KARAK_EREGISTER when a route failed to
 * register (karak_app_error() says which), KARAK_EINVAL for a bad option (or one unknown
 * to this version; tls_cert without tls_key or the reverse; a certificate and key that
 * GnuTLS refuses, such as a key that does not match), KARAK_ESYSTEM when the address
 * cannot be bound, threads cannot start, a TLS file cannot be read or libmicrohttpd was
 * built without TLS (the app's log says why, naming the file), KARAK_ENOMEM. Installs no
 * signal handler and prints nothing but through the app's log. */
KARAK_API int karak_server_start(karak_app *app, const karak_server_opts *opts,
                                 karak_server **out);

/** The TCP port the server listens on (the chosen one for KARAK_PORT_ANY). */
KARAK_API unsigned karak_server_port(const karak_server *server);

/** Drains and stops: closes the listening socket at once (connections already waiting in
 * its backlog are still taken), answers every request that has arrived, each response
 * with Connection: close, closes keep-alive connections as they fall idle, and waits up to
 * `graceful_ms` milliseconds for requests and uploads in flight; then closes every
 * connection and joins the server's threads. Returns 0 when nothing was in flight any
 * more, KARAK_ETIMEDOUT when requests were cut. A second call is a no-op returning 0. Not
 * from one of the server's own handlers. */
KARAK_API int karak_server_stop(karak_server *server, unsigned graceful_ms);

/** Stops the server (without waiting) if it still runs, and frees it. NULL is a no-op. */
KARAK_API void karak_server_free(karak_server *server);

/** Starts a server, logs "serving on http://HOST:PORT (N workers)" (https:// with
 * tls_cert and tls_key; unix:PATH on a Unix socket), then blocks SIGINT and SIGTERM in the calling thread (and so in
 * the server's threads) and waits for one; then stops accepting, lets in-flight requests
 * finish (up to 10 s) and returns 0. Returns a KARAK_E* code when it cannot start. opts
 * may be NULL. */
KARAK_API int karak_serve(karak_app *app, const karak_server_opts *opts);

/** Command-line front end of karak_serve(): --host, --port, --workers, --max-connections,
 * --timeout, --header-timeout, --body-timeout, --threads, --queue (defaults from KARAK_HOST,
 * KARAK_PORT, KARAK_WORKERS, KARAK_MAX_CONNECTIONS, KARAK_TIMEOUT, KARAK_HEADER_TIMEOUT,
 * KARAK_BODY_TIMEOUT, KARAK_THREADS, KARAK_QUEUE, then the karak_serve defaults),
 * --reuse-port (KARAK_REUSE_PORT=1), --uds PATH (KARAK_UDS), --forwarded-allow-ips LIST
 * (KARAK_FORWARDED_ALLOW_IPS), --docs-dir DIR (KARAK_DOCS_DIR: as the
 * app option .docs_dir, in place of the app's), --cert FILE and --key FILE (KARAK_TLS_CERT,
 * KARAK_TLS_KEY: tls_cert and tls_key, HTTPS), --openapi (prints the document and exits),
 * --help. Returns a process exit code:
 * 0 after a clean shutdown, 2 for a usage or registration error, 1 when serving failed.
 * Does not free the app. */
KARAK_API int karak_run(karak_app *app, int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_SERVER_H */
