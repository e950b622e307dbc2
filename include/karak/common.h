/** @file
 * libkarak: version, symbol visibility, the error codes of API calls and the handle types
 * every other header uses. Included by <karak.h>; include that instead.
 *
 * Return convention: a call that can fail for more than one reason returns an int, 0 on
 * success or a negative KARAK_E* code (karak_strerror() names it); a constructor that can
 * only run out of memory returns a pointer, NULL when out of memory. */
#ifndef KARAK_PUBLIC_COMMON_H
#define KARAK_PUBLIC_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the library's public functions and variables: default symbol visibility while
 * libkarak itself is built (KARAK_BUILDING, GCC or clang; everything else is hidden), empty
 * for the programs that use it. */
#if defined(KARAK_BUILDING) && defined(__GNUC__)
#define KARAK_API __attribute__((visibility("default")))
#else
#define KARAK_API
#endif

#define KARAK_VERSION_MAJOR 0 /**< Major version of this header. */
#define KARAK_VERSION_MINOR 2 /**< Minor version of this header. */
#define KARAK_VERSION_PATCH 0 /**< Patch version of this header. */
#define KARAK_VERSION_STRING "0.2.0" /**< This header's version, "MAJOR.MINOR.PATCH". */

/** The library's version string, static. It can differ from KARAK_VERSION_STRING when the
 * program runs against another build of the shared library. */
KARAK_API const char *karak_version(void);

/** One table, three outputs (the enum, karak_strerror, karak_err_name), as libuv's
 * UV_ERRNO_MAP: XX(name, code, message). */
#define KARAK_ERRNO_MAP(XX)                                                                   \
    XX(ENOMEM, -1, "out of memory")                                                           \
    XX(EINVAL, -2, "invalid argument")                                                        \
    XX(ECONFLICT, -3, "the route conflicts with a registered route")                          \
    XX(ESEALED, -4, "the app is already serving and can no longer change")                    \
    XX(ESYSTEM, -5, "the operating system refused the operation")                             \
    XX(EREGISTER, -6, "a route failed to register; see karak_app_error()")                    \
    XX(ETIMEDOUT, -7, "requests were still in flight when the time ran out")

/** Error codes of API calls (not HTTP statuses). The negative codes are generated from
 * KARAK_ERRNO_MAP, which gives each one's karak_strerror() text. */
typedef enum karak_err {
    KARAK_OK = 0, /**< success */
#define KARAK_ERR_ENUM_(name, code, text) KARAK_##name = (code),
    KARAK_ERRNO_MAP(KARAK_ERR_ENUM_)
#undef KARAK_ERR_ENUM_
} karak_err;

/** Static English text for an error code ("out of memory"); "unknown error" for a code that
 * is not one. Never NULL. */
KARAK_API const char *karak_strerror(int err);
/** The code's name without the prefix ("ENOMEM", "OK"), static; "UNKNOWN" if not a code. */
KARAK_API const char *karak_err_name(int err);

typedef struct karak_app karak_app; /**< an API: routes and options (karak/app.h) */
typedef struct karak_ctx karak_ctx; /**< one request, inside a handler (karak/request.h) */

/** A name/value pair of a request (a header, a query parameter, a cookie). Both point into
 * the request; lengths are given because a decoded query value may contain `"\0"`. */
typedef struct karak_pair {
    const char *name;  /**< the name (not NUL-terminated for a raw query pair) */
    size_t name_len;   /**< its length in bytes */
    const char *value; /**< the value (not NUL-terminated for a raw query pair) */
    size_t value_len;  /**< its length in bytes */
} karak_pair;

#ifdef __cplusplus
}
#endif

#endif /* KARAK_PUBLIC_COMMON_H */
