/* The server layer (private), the top: what connects the dispatch core to the outside
 * world. mhd.c (libmicrohttpd), run.c (command line and environment), testclient.c (the
 * in-process client). Nothing below includes this header. */
#ifndef KARAK_SERVER_H
#define KARAK_SERVER_H

#include "core/core.h"

#endif
