/* Small text helpers shared by every layer: malloc'd copies and the numeric underscore
 * rule. (Character classes live in util.h as inline functions.) */
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

char *kstrndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d == NULL) return NULL;
    if (n > 0) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *kstrdup(const char *s)
{
    return s ? kstrndup(s, strlen(s)) : NULL;
}

bool kbytes_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0) return false;
    return true;
}
