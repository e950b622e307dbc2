/** @file
 * libkarak: FastAPI's programming model for C.
 *
 * Declare a route, its typed inputs and its output once; libkarak routes, parses, validates
 * (every error in one pydantic-v2-style 422), calls the handler with typed values, serializes
 * the result and serves it over HTTP/1.1 (libmicrohttpd) or in-process (the test client).
 *
 * This umbrella header is the one to include. Each concern has its own header:
 * - karak/common.h    version, error codes (KARAK_E*), karak_strerror, shared types
 * - karak/schema.h    karak_field / karak_schema: structs validated like pydantic models
 * - karak/formats.h   karak_uuid, karak_date, karak_datetime: the values of those fields
 * - karak/app.h       karak_new, routes (karak_get, karak_post, ...), logging
 * - karak/request.h   inside a handler: karak_path_*, karak_body, karak_req_*, karak_defer
 * - karak/response.h  inside a handler: karak_resp_* builders
 * - karak/depends.h   dependencies (karak_provider, karak_depends) and security schemes
 * - karak/server.h    karak_run, karak_serve, karak_server_start/stop
 * - karak/client.h    the in-process test client and its karak_reply_* answers
 *
 * Ownership, as jansson writes it at every function:
 * - **copied**    libkarak keeps its own copy; the caller may free or reuse its argument at
 *                 once.
 * - **borrowed**  the pointer stays owned by its owner; the comment says how long it is
 *                 valid.
 * - **static**    the argument must outlive the app (schemas, field tables, patterns are
 *                 copied, but schema tables are referenced: declare them `static const`).
 * - **taken**     libkarak owns it from the call on, also when the call fails (`_new`
 *                 suffix).
 *
 * Everything a request allocates lives in a per-request arena that is released after the
 * response has been sent: handlers free nothing per request.
 *
 * Threads: register routes before serving or testing (karak_run, karak_serve,
 * karak_server_start, karak_client_new); after that the app is sealed and read-only, and
 * handlers run concurrently on the server's worker threads. A karak_ctx belongs to one
 * request and must not be used after the handler has returned.
 *
 * Locale: numbers are parsed and printed by libkarak itself (shortest round-trip digits,
 * correctly rounded parsing), never through the C library's locale: an app may change
 * LC_NUMERIC with setlocale() without changing a byte of what libkarak reads or writes. */
#ifndef KARAK_H
#define KARAK_H

#include <karak/common.h>
#include <karak/schema.h>
#include <karak/app.h>
#include <karak/request.h>
#include <karak/response.h>
#include <karak/depends.h>
#include <karak/server.h>
#include <karak/client.h>

#endif /* KARAK_H */
