/* Shared helpers of the Check suites: run a request through the test client and compare
 * status, headers and the exact response body. */
#ifndef KARAK_TESTUTIL_H
#define KARAK_TESTUTIL_H

#include <check.h>
#include <karak.h>

/* Asserts status and, when body is not NULL, the exact body bytes. Frees the response. */
void expect_response(karak_reply *r, int status, const char *body, const char *where);
#define EXPECT(r, status, body) expect_response((r), (status), (body), #r)

/* Runs a suite, returns the process exit status. */
int run_suite(Suite *s);

#endif
