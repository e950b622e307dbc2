/* Every fixed limit and default of libkarak's internals, named once (private). Limits a user
 * can change are options in the public headers, whose defaults are defined there. */
#ifndef KARAK_LIMITS_H
#define KARAK_LIMITS_H

/* Parameters in one route pattern ({a}/{b}/...), and segments in one pattern. */
#define KARAK_MAX_PARAMS 16
#define KARAK_MAX_SEGMENTS 64
/* Methods listed in one 405 Allow header. */
#define KARAK_MAX_ALLOW 16
/* The arena: its first block (kept across requests on a connection), the alignment of
 * karena_alloc memory, and how many first blocks' worth an oversized kept block may grow
 * to before a reset gives it back. */
#define KARAK_ARENA_FIRST_BLOCK 8192u
#define KARAK_ARENA_ALIGN 16u
#define KARAK_ARENA_KEEP_FACTOR 4u
/* Arena blocks of this many bytes or more are mapped and unmapped, not malloc'd, so that
 * their memory is given back to the system when a request ends. */
#define KARAK_ARENA_MMAP_MIN (128u * 1024u)
/* Float numerals up to this length are parsed from a stack buffer; longer ones (legal:
 * "0.000...1") from the heap. */
#define KARAK_FLOAT_STACK_DIGITS 256
/* The command line's upper bounds for --workers, --max-connections and --timeout. */
#define KARAK_MAX_WORKERS 1024u
/* --threads and --queue: more pool threads than this is a mistake, not a configuration; a
 * queue beyond the connection limit's maximum can never fill. */
#define KARAK_MAX_THREADS 4096u
#define KARAK_MAX_QUEUE 1000000u
#define KARAK_MAX_CONNECTIONS_LIMIT 1000000u
#define KARAK_MAX_TIMEOUT 86400u
/* karak_server_opts.conn_memory's range: below 4 KiB libmicrohttpd has no room for an
 * ordinary head and its response's head; 16 MiB is far beyond any sane head. */
#define KARAK_MIN_CONN_MEMORY 4096u
#define KARAK_MAX_CONN_MEMORY (16u << 20)
/* What a request head may not take of that memory (server/mhd.c, head_leaves_room): a
 * record per header line (libmicrohttpd 0.9.75's is 56 bytes on 64-bit, rounded up), and
 * room for the response's head (status line, Date, Content-Type, Content-Length,
 * Connection: close and a few headers of the handler's, ~120 bytes for the Quick Start). */
#define KARAK_HEADER_RECORD 64u
#define KARAK_RESPONSE_HEAD_ROOM 512u
/* Registration error messages. */
#define KARAK_ERRLEN 512
/* Nesting of JSON arrays and objects accepted in a body (deeper: a 422 json_invalid).
 * Python's json stops at its recursion limit, 1000 by default: FastAPI parses about 950
 * levels, then answers 400 (RecursionError). The parser keeps its nesting in the arena,
 * not on the C stack. */
#define KARAK_JSON_MAX_DEPTH 1000
/* Python refuses to convert integers of more than 4300 digits (sys.int_info's
 * default_max_str_digits); a JSON body with one is undecodable (400), as in FastAPI. */
#define KARAK_JSON_MAX_INT_DIGITS 4300
/* Integer bounds of integer fields must be exact doubles: |bound| <= 2^53. */
#define KARAK_MAX_EXACT_INT 9007199254740992.0
/* Buffers for knum_repr (Python repr, at most 24 chars) and knum_display (Rust Display of
 * a double with no exponent: up to 309 integer digits or 324 decimals). */
#define KARAK_NUM_REPR_MAX 40
#define KARAK_NUM_DISPLAY_MAX 400
/* Redirects the test client follows before it gives up (httpx's default). */
#define KARAK_MAX_REDIRECTS 20
/* Seconds a stopping server waits for requests in flight. */
#define KARAK_DRAIN_SECONDS 10
/* "host:port" of the server's own address, for a redirect without a Host header (a
 * hostname is at most 253 bytes, plus brackets, a colon and the port). */
#define KARAK_HOSTPORT_MAX 300
/* A TLS certificate (chain) or key file larger than this is refused: it is not one. */
#define KARAK_TLS_FILE_MAX (1024u * 1024u)
/* How often a stopping server looks whether the requests in flight are done. */
#define KARAK_DRAIN_POLL_MS 5
/* Header lines of a request head checked from a stack array (more: from the arena). */
#define KARAK_HEAD_STACK_PAIRS 64
/* How long the acceptor pauses when accept() fails for want of descriptors or memory. */
#define KARAK_ACCEPT_PAUSE_MS 10
/* listen() backlog. */
#define KARAK_LISTEN_BACKLOG 1024
/* File descriptors kept free for the process beside the connections. */
#define KARAK_FD_RESERVE 64
/* Connections libmicrohttpd may hold beyond the server's max_connections: room for the
 * ones shut down to make way for a new client (evicted) while libmicrohttpd closes them. */
#define KARAK_CONN_HEADROOM 64u
/* How often the acceptor enforces the header and body deadlines (so a deadline is met
 * within this much). */
#define KARAK_REAP_INTERVAL_MS 250
/* During a drain, a keep-alive connection idle this long with nothing unread is closed
 * (a busy client's next request comes sooner, and is answered with Connection: close). */
#define KARAK_DRAIN_IDLE_MS 100
/* Lines a second that clients can cause in the log (refusals, deadlines, libmicrohttpd's
 * complaints); the rest are counted, and the count logged. */
#define KARAK_CLIENT_LOG_BURST 20u
/* Upper bound of --header-timeout and --body-timeout (seconds). */
#define KARAK_MAX_DEADLINE 86400u

#endif
