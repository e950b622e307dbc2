/** @file
 * Inside a handler: the response. Included by <karak.h>.
 *
 * Each builder (karak_resp_json_new, _model, _text, _empty, _error, _error_json_new) sets
 * the response and returns KARAK_DONE, or KARAK_FAIL when it could not build it (the client
 * then gets a 500 unless a later builder succeeds); a later builder replaces an earlier
 * one. Return its value from the handler: `return karak_resp_json_new(c, json_pack(...));`.
 *
 * The status of a success response, whatever the order of the calls:
 * karak_resp_status_set() if called, else the route's .status if declared, else 200
 * (204 for karak_resp_empty). karak_resp_error*() use their own status.
 * Statuses without a body (1xx, 204, 205, 304) never get one, nor a Content-Type. */
#ifndef KARAK_PUBLIC_RESPONSE_H
#define KARAK_PUBLIC_RESPONSE_H

#include <jansson.h>
#include <karak/app.h>

#ifdef __cplusplus
extern "C" {
#endif

/** JSON response from a jansson value; `value` is taken (decref'd by libkarak), NULL gives a
 * 500 so `karak_resp_json_new(c, json_pack(...))` needs no check. Compact, UTF-8, floats in
 * Python repr form (9.99, 3.0, 1e+16), non-finite floats as null. */
KARAK_API karak_result karak_resp_json_new(karak_ctx *c, json_t *value);

/** JSON response written from a json_pack() format and its arguments, without building a
 * jansson tree: `return karak_resp_pack(c, "{s:s,s:I}", "name", name, "id", id);` answers
 * the bytes karak_resp_json_new(c, json_pack(...)) would, at a fraction of the cost (no
 * allocation but the response's own memory). The format is jansson's: s s# s% (NULL: an
 * error; s? null; s* leaves the member or item out), s+ joins pieces, n b i I f, o (the
 * json_t's reference is taken, also when the call fails) and O (borrowed), with ? and *,
 * [...] and {...}; whitespace, ':' and ',' are ignored. Strings must be valid UTF-8,
 * floats finite. A malformed format, a NULL where none may be, a key given twice in one
 * object (which json_pack would let the last one win) give a 500 and a log line that says
 * why. `c` is the handler's context. */
KARAK_API karak_result karak_resp_pack(karak_ctx *c, const char *format, ...);

/** JSON response from a struct described by `schema` (static); `obj` is read at once. */
KARAK_API karak_result karak_resp_model(karak_ctx *c, const karak_schema *schema,
                                        const void *obj);

/** What an encoding leaves out (FastAPI's response_model_exclude_unset / _none):
 * - UNSET   fields with a presence flag (KARAK_FIELD_OPT) that is false;
 * - NONE    fields that would be null.
 *
 * Nested models follow the same rule. */
enum { KARAK_EXCLUDE_UNSET = 1u << 0, KARAK_EXCLUDE_NONE = 1u << 1 };

/** The same with the flags, e.g.\ a PATCH answering only what was set. */
KARAK_API karak_result karak_resp_model_ex(karak_ctx *c, const karak_schema *schema,
                                           const void *obj, unsigned exclude);

/** JSON response from `obj` through the route's .response schema and .response_exclude
 * flags (FastAPI's response_model). A route without one gets a 500. */
KARAK_API karak_result karak_resp_struct(karak_ctx *c, const void *obj);
/** A JSON array of `n` structs at `items` (consecutive, the schema's size apart), through
 * `schema`, or through the route's .response schema when `schema` is NULL. */
KARAK_API karak_result karak_resp_list(karak_ctx *c, const karak_schema *schema,
                                       const void *items, size_t n);

/** text/plain; charset=utf-8 response; `text` is copied. */
KARAK_API karak_result karak_resp_text(karak_ctx *c, const char *text);

/** A response without a body. */
KARAK_API karak_result karak_resp_empty(karak_ctx *c);

/** FastAPI's HTTPException: `{"detail": detail}` with `status` (100-599). detail is copied;
 * NULL means the status's reason phrase ("Not Found"). Headers added with
 * karak_resp_header_add() are sent with it, as HTTPException(headers=...) does. */
KARAK_API karak_result karak_resp_error(karak_ctx *c, int status, const char *detail);
/** The same with any JSON detail; `detail` is taken. */
KARAK_API karak_result karak_resp_error_json_new(karak_ctx *c, int status, json_t *detail);

/** The status of the success response (200-599), before or after the builder is called.
 * Returns 0, or KARAK_EINVAL for a status outside 200-599 (ignored: a 1xx is never a final
 * response). */
KARAK_API int karak_resp_status_set(karak_ctx *c, int status);

/** Adds a response header (name and value copied); a name may repeat (Set-Cookie). Returns
 * 0; KARAK_EINVAL for Content-Type, Content-Length, Transfer-Encoding and Connection
 * (libkarak frames the body and manages the connection), a name that is not an HTTP token,
 * an empty value, or a CR or LF in the value; KARAK_ENOMEM, which also turns the response
 * into a 500 (never one without the header). */
KARAK_API int karak_resp_header_add(karak_ctx *c, const char *name, const char *value);

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_RESPONSE_H */
