/* The library's version and the text of its error codes, generated from KARAK_ERRNO_MAP. */
#include "core/core.h"

const char *karak_version(void)
{
    return KARAK_VERSION_STRING;
}

const char *karak_strerror(int err)
{
    switch (err) {
    case KARAK_OK: return "ok";
#define KARAK_ERR_TEXT_(name, code, text)                                                     \
    case KARAK_##name: return text;
        KARAK_ERRNO_MAP(KARAK_ERR_TEXT_)
#undef KARAK_ERR_TEXT_
    }
    return "unknown error";
}

const char *karak_err_name(int err)
{
    switch (err) {
    case KARAK_OK: return "OK";
#define KARAK_ERR_NAME_(name, code, text)                                                     \
    case KARAK_##name: return #name;
        KARAK_ERRNO_MAP(KARAK_ERR_NAME_)
#undef KARAK_ERR_NAME_
    }
    return "UNKNOWN";
}
