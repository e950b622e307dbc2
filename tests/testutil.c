#include "testutil.h"

#include <stdlib.h>
#include <string.h>

void expect_response(karak_reply *r, int status, const char *body, const char *where)
{
    ck_assert_msg(r != NULL, "%s: no response", where);
    size_t len = 0;
    const char *got = karak_reply_body(r, &len);
    ck_assert_msg(karak_reply_status(r) == status, "%s: status %d, expected %d; body %s", where,
                  karak_reply_status(r), status, got);
    if (body != NULL)
        ck_assert_msg(len == strlen(body) && memcmp(got, body, len) == 0,
                      "%s:\n  got      %s\n  expected %s", where, got, body);
    karak_reply_free(r);
}

int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
