/* Shared helpers of the Check suites: run a request through the test client and compare
 * status, headers and the exact response body; the same request over a real socket against
 * a karak_server started in-process. */
#ifndef KARAK_TESTUTIL_H
#define KARAK_TESTUTIL_H

#include <check.h>
#include <karak.h>

/* Asserts status and, when body is not NULL, the exact body bytes. Frees the response. */
void expect_response(karak_reply *r, int status, const char *body, const char *where);
#define EXPECT(r, status, body) expect_response((r), (status), (body), #r)

/* Runs a suite, returns the process exit status. */
int run_suite(Suite *s);

/* ---- HTTP/1.1 over a socket on 127.0.0.1 ---- */

/* One response as read off the wire. */
typedef struct wire_reply {
    int status;
    char *head;      /* status line and header lines, "\r\n"-separated; malloc'd */
    char *body;      /* NUL-terminated; malloc'd */
    size_t body_len;
} wire_reply;

/* A connected socket to 127.0.0.1:port (10 s receive timeout), or -1 with errno set. */
int wire_connect(unsigned port);
/* Writes all of data (asserts). */
void wire_send(int fd, const char *data, size_t len);
/* Reads one response: its head, then a body framed by Content-Length (none for HEAD, 1xx,
 * 204, 304; up to the end of the stream when there is no Content-Length). Bytes after the
 * response are dropped. false when the connection ended before a whole response. */
bool wire_read(int fd, wire_reply *r, bool head_only);
/* Sends `raw` on a new connection and reads the response (asserts that one arrives). */
void wire_exchange(unsigned port, const char *raw, bool head_only, wire_reply *r);
/* The n-th (from 0) header called `name` (case-insensitive), copied into buf; NULL when
 * there is none. */
const char *wire_header(const wire_reply *r, const char *name, size_t n, char *buf, size_t cap);
void wire_reply_clear(wire_reply *r);

/* What karak_client_request() sends, over a socket: the caller's headers, then Host:
 * testserver, User-Agent: testclient and Content-Type: application/json for .json when the
 * caller did not set them; 301, 302, 303, 307 and 308 are followed as httpx follows them
 * (up to 20 redirects) unless .no_redirects. Asserts a response. */
void wire_request(unsigned port, const char *method, const char *target,
                  const karak_request_opts *o, wire_reply *out);

/* One request of a black-box table and what it must get: the status, the body bytes, and
 * the headers that matter (lower-case names with their values; no Content-Type wanted
 * means none may come). */
typedef struct wire_case {
    const char *method, *target;
    const char *const *headers; /* sent */
    const char *json;           /* body, sent as application/json */
    int status;
    const char *const *want;
    const char *body;
} wire_case;

/* Sends the case to 127.0.0.1:port and asserts its answer (`where` names it in failures). */
void wire_expect_case(unsigned port, const wire_case *c, const char *where);
/* Each of the n rows in order (their state builds up), named "row I (METHOD TARGET)". */
void wire_expect_table(unsigned port, const wire_case *rows, size_t n);

/* ---- an example program as a black box ---- */

/* A child process serving on 127.0.0.1. */
typedef struct example_proc {
    int pid;
    int err_fd;    /* the child's stderr */
    unsigned port;
} example_proc;

/* Starts `bin --port 0 --workers 2` and waits (10 s at most) for its "serving on
 * http://127.0.0.1:PORT" line (asserts that it comes). */
example_proc example_start(const char *bin);
/* The same, with more arguments after those (NULL-terminated; a later --port wins). */
example_proc example_start_argv(const char *bin, const char *const *extra);
/* SIGTERM, then its exit status (-1 when it did not exit within 10 s and was killed). */
int example_stop(example_proc *p);

/* Milliseconds of CLOCK_MONOTONIC. */
long long test_now_ms(void);

/* ---- load: keep-alive connections kept busy while something happens to the server ---- */

typedef struct wire_load_result {
    unsigned long sent;       /* requests written in full */
    unsigned long answered;   /* complete responses read */
    unsigned long said_close; /* of those, with Connection: close (the connection then ends) */
    unsigned ended_idle;      /* connections the server closed with no request outstanding */
    unsigned ended_waiting;   /* closed with a request written and not answered: lost */
    unsigned still_open;      /* not ended when the time was up */
} wire_load_result;

/* Opens nconns connections to 127.0.0.1:port; each sends `request` again as soon as the
 * previous response is in, and stops after a response with Connection: close. trigger(arg)
 * is called once, trigger_ms after the start; returns when every connection has ended or
 * timeout_ms have passed. Asserts that the connections open. */
void wire_load(unsigned port, unsigned nconns, const char *request, unsigned trigger_ms,
               void (*trigger)(void *), void *arg, unsigned timeout_ms, wire_load_result *out);

/* A server of `app` on 127.0.0.1, a free port, two workers (asserts that it starts). */
karak_server *test_server_start(karak_app *app);
/* Stops a server of test_server_start (asserts that karak_server_stop returns 0) and frees
 * it; NULL does nothing. */
void test_server_stop(karak_server *srv);

/* The fixture the table suites share: the app's in-process client, and with test_serve the
 * same app on a free port, once per test (not per row), so a table can send every row both
 * ways. test_fixture_close stops the server (if any), frees the client and the app, and
 * clears the pointers. */
karak_client *test_client_open(karak_app *app);
void test_serve(karak_app *app, karak_server **server, unsigned *port);
void test_fixture_close(karak_app **app, karak_client **client, karak_server **server);

/* Sends the request both in-process through `client` and over a socket to `port`, asserts
 * that the two answers have the same status, the same body bytes and that every header of
 * the in-process reply arrived on the wire with the same value; returns the in-process
 * reply (for EXPECT). */
karak_reply *both_request(karak_client *client, unsigned port, const char *method,
                          const char *target, const karak_request_opts *o);
/* The same, its failure messages prefixed with `where` (e.g. a table row) when not NULL. */
karak_reply *both_request_at(const char *where, karak_client *client, unsigned port,
                             const char *method, const char *target,
                             const karak_request_opts *o);
#define BOTH_(method, client, port, target, ...)                                              \
    both_request((client), (port), (method), (target),                                        \
                 &(const karak_request_opts){__VA_ARGS__})
#define both_get(...) BOTH_("GET", __VA_ARGS__, KARAK_REQUEST_END_)
#define both_head(...) BOTH_("HEAD", __VA_ARGS__, KARAK_REQUEST_END_)
#define both_post(...) BOTH_("POST", __VA_ARGS__, KARAK_REQUEST_END_)
#define both_put(...) BOTH_("PUT", __VA_ARGS__, KARAK_REQUEST_END_)
#define both_patch(...) BOTH_("PATCH", __VA_ARGS__, KARAK_REQUEST_END_)
#define both_delete(...) BOTH_("DELETE", __VA_ARGS__, KARAK_REQUEST_END_)

#endif
