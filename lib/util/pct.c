/* Percent-coding: decoding as Python's unquote / unquote_plus does it (what the ASGI stack
 * hands FastAPI), and escaping for URLs libkarak writes (redirect Locations). */
#include <string.h>

#include "util/util.h"

char *kpct_decode(karena *a, const char *s, size_t n, bool plus_is_space, size_t *out_len)
{
    char *d = karena_alloc_bytes(a, n + 1);
    if (d == NULL) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = khexval(s[i + 1])) >= 0 &&
            (lo = khexval(s[i + 2])) >= 0) {
            d[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (plus_is_space && s[i] == '+') {
            d[k++] = ' ';
        } else {
            d[k++] = s[i];
        }
    }
    d[k] = '\0';
    return kutf8_repair(a, d, k, out_len);
}

void kpct_encode(kbuf *b, const char *s, size_t n, const char *safe)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (kis_alpha((char)ch) || kis_digit((char)ch) || (ch != 0 && strchr(safe, ch) != NULL)) {
            kbuf_putc(b, (char)ch);
        } else {
            char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            kbuf_put(b, esc, 3);
        }
    }
}
