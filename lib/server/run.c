/* karak_run(): the command line and environment in front of karak_serve(), like
 * `app.run(host=..., port=..., workers=...)` / uvicorn's flags. Precedence: flag > KARAK_*
 * environment variable > default. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/server.h"

typedef struct uopt {
    const char *flag;
    const char *env;
    unsigned *out;
    unsigned max;
} uopt;

/* A flag without a value, set also by its environment variable being "1". */
typedef struct bopt {
    const char *flag;
    const char *env;
    bool *out;
} bopt;

static void usage(FILE *f, const char *argv0)
{
    fprintf(f,
            "usage: %s [--host HOST] [--port PORT] [--workers N] [--max-connections N]\n"
            "          [--timeout SECONDS] [--header-timeout SECONDS] [--body-timeout SECONDS]\n"
            "          [--threads N] [--queue N] [--conn-memory BYTES] [--reuse-port]\n"
            "          [--no-memo] [--uds PATH]\n"
            "          [--forwarded-allow-ips LIST] [--cert FILE --key FILE]\n"
            "          [--docs-dir DIR] [--openapi] [--help]\n"
            "\n"
            "  --host HOST           address to bind (env KARAK_HOST, default %s)\n"
            "  --port PORT           TCP port, 0 for any free port (env KARAK_PORT, default "
            "%u)\n"
            "  --workers N           worker threads (env KARAK_WORKERS, default: CPUs)\n"
            "  --max-connections N   concurrent connections (env KARAK_MAX_CONNECTIONS, "
            "default %u)\n"
            "  --timeout SECONDS     idle connection timeout (env KARAK_TIMEOUT, default %u)\n"
            "  --header-timeout SECONDS\n"
            "                        from a connection's start or last response until the\n"
            "                        next request head is complete (env KARAK_HEADER_TIMEOUT,\n"
            "                        default %u)\n"
            "  --body-timeout SECONDS\n"
            "                        from a complete head until the body is complete\n"
            "                        (env KARAK_BODY_TIMEOUT, default %u)\n"
            "  --threads N           handler pool threads, for routes that block (env\n"
            "                        KARAK_THREADS, default %u)\n"
            "  --queue N             requests that may wait for a pool thread before a 503\n"
            "                        (env KARAK_QUEUE, default %u)\n"
            "  --conn-memory BYTES   libmicrohttpd's memory per connection: the largest request\n"
            "                        head fits in it, an idle connection keeps all of it (env\n"
            "                        KARAK_CONN_MEMORY, default %u, from %u)\n"
            "  --reuse-port          SO_REUSEPORT: several processes share the port, the\n"
            "                        kernel spreads connections (env KARAK_REUSE_PORT=1)\n"
            "  --no-memo             build every response afresh, even a route's constant\n"
            "                        answer (env KARAK_NO_MEMO=1)\n"
            "  --uds PATH            listen on a Unix socket at PATH instead of host:port;\n"
            "                        a stale socket file there is replaced (env KARAK_UDS)\n"
            "  --forwarded-allow-ips LIST\n"
            "                        proxies whose Forwarded / X-Forwarded-* headers are\n"
            "                        believed: IPs, comma-separated, or * (env\n"
            "                        KARAK_FORWARDED_ALLOW_IPS, default 127.0.0.1)\n"
            "  --cert FILE           serve HTTPS (only) with this PEM certificate (chain)\n"
            "                        (env KARAK_TLS_CERT); needs --key\n"
            "  --key FILE            the certificate's PEM private key, not encrypted\n"
            "                        (env KARAK_TLS_KEY)\n"
            "  --docs-dir DIR        serve DIR's files read-only under the app's docs_dir_url\n"
            "                        (default /static), and /docs and /redoc load Swagger UI\n"
            "                        and ReDoc from there unless the app names its assets:\n"
            "                        DIR/swagger-ui-dist@5/, DIR/redoc@2/bundles/ (env\n"
            "                        KARAK_DOCS_DIR)\n"
            "  --openapi             print the app's OpenAPI document and exit\n"
            "\n"
            "Stops cleanly on SIGINT or SIGTERM. libkarak %s\n",
            argv0, KARAK_DEFAULT_HOST, KARAK_DEFAULT_PORT, KARAK_DEFAULT_MAX_CONNECTIONS,
            KARAK_DEFAULT_TIMEOUT, KARAK_DEFAULT_HEADER_TIMEOUT, KARAK_DEFAULT_BODY_TIMEOUT,
            KARAK_DEFAULT_THREADS, KARAK_DEFAULT_QUEUE, KARAK_DEFAULT_CONN_MEMORY,
            KARAK_MIN_CONN_MEMORY, karak_version());
}

static bool parse_unsigned(const char *s, unsigned max, unsigned *out)
{
    if (s == NULL || *s < '0' || *s > '9') return false;
    errno = 0;
    char *end = NULL;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v > max) return false;
    *out = (unsigned)v;
    return true;
}

static bool set_value(const karak_app *app, const uopt *o, const char *value,
                      const char *source)
{
    if (parse_unsigned(value, o->max, o->out)) return true;
    karak_app_log(app, KARAK_LOG_ERROR, "%s: '%s' is not a number from 0 to %u", source, value,
                  o->max);
    return false;
}

int karak_run(karak_app *app, int argc, char **argv)
{
    const char *argv0 = argc > 0 && argv[0] ? argv[0] : "karak";
    if (app == NULL) return 2;
    if (karak_app_error(app) != NULL) {
        karak_app_log(app, KARAK_LOG_ERROR, "%s", karak_app_error(app));
        return 2;
    }
    karak_server_opts so = {.struct_size = sizeof so};
    unsigned port = KARAK_DEFAULT_PORT;
    const uopt opts[] = {
        {"--port", "KARAK_PORT", &port, 65535},
        {"--workers", "KARAK_WORKERS", &so.workers, KARAK_MAX_WORKERS},
        {"--max-connections", "KARAK_MAX_CONNECTIONS", &so.max_connections,
         KARAK_MAX_CONNECTIONS_LIMIT},
        {"--timeout", "KARAK_TIMEOUT", &so.timeout, KARAK_MAX_TIMEOUT},
        {"--header-timeout", "KARAK_HEADER_TIMEOUT", &so.header_timeout, KARAK_MAX_DEADLINE},
        {"--body-timeout", "KARAK_BODY_TIMEOUT", &so.body_timeout, KARAK_MAX_DEADLINE},
        {"--threads", "KARAK_THREADS", &so.threads, KARAK_MAX_THREADS},
        {"--queue", "KARAK_QUEUE", &so.queue, KARAK_MAX_QUEUE},
        {"--conn-memory", "KARAK_CONN_MEMORY", &so.conn_memory, KARAK_MAX_CONN_MEMORY},
    };
    const size_t nopts = sizeof opts / sizeof *opts;
    const bopt flags[] = {
        {"--reuse-port", "KARAK_REUSE_PORT", &so.reuse_port},
        {"--no-memo", "KARAK_NO_MEMO", &so.no_memo},
    };
    const size_t nflags = sizeof flags / sizeof *flags;
    so.host = getenv("KARAK_HOST");
    so.tls_cert = getenv("KARAK_TLS_CERT");
    so.tls_key = getenv("KARAK_TLS_KEY");
    const char *docs_dir = getenv("KARAK_DOCS_DIR");
    for (size_t i = 0; i < nopts; i++) {
        const char *e = getenv(opts[i].env);
        if (e != NULL && *e != '\0' && !set_value(app, &opts[i], e, opts[i].env)) return 2;
    }
    for (size_t i = 0; i < nflags; i++) {
        const char *e = getenv(flags[i].env);
        *flags[i].out = e != NULL && strcmp(e, "1") == 0;
    }
    so.forwarded_allow_ips = getenv("KARAK_FORWARDED_ALLOW_IPS");
    const char *uds = getenv("KARAK_UDS");
    if (uds != NULL && *uds != '\0') so.uds = uds;
    for (int a = 1; a < argc; a += 2) {
        const char *arg = argv[a];
        const char *value = a + 1 < argc ? argv[a + 1] : NULL;
        const bopt *flag = NULL;
        for (size_t i = 0; i < nflags && flag == NULL; i++)
            if (strcmp(arg, flags[i].flag) == 0) flag = &flags[i];
        if (flag != NULL) { /* no value follows */
            *flag->out = true;
            a--;
            continue;
        }
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout, argv0);
            return 0;
        }
        if (strcmp(arg, "--openapi") == 0) { /* the document on stdout, and exit */
            size_t len = 0;
            const char *doc = karak_app_openapi(app, &len);
            if (doc == NULL) return 1;
            fwrite(doc, 1, len, stdout);
            fputc('\n', stdout);
            return 0;
        }
        bool known = false;
        if (strcmp(arg, "--host") == 0 && value != NULL) {
            so.host = value;
            known = true;
        } else if (strcmp(arg, "--forwarded-allow-ips") == 0 && value != NULL) {
            so.forwarded_allow_ips = value;
            known = true;
        } else if (strcmp(arg, "--uds") == 0 && value != NULL) {
            so.uds = value;
            known = true;
        } else if (strcmp(arg, "--docs-dir") == 0 && value != NULL) {
            docs_dir = value;
            known = true;
        } else if (strcmp(arg, "--cert") == 0 && value != NULL) {
            so.tls_cert = value;
            known = true;
        } else if (strcmp(arg, "--key") == 0 && value != NULL) {
            so.tls_key = value;
            known = true;
        }
        for (size_t i = 0; !known && i < nopts; i++) {
            if (strcmp(arg, opts[i].flag) != 0 || value == NULL) continue;
            if (!set_value(app, &opts[i], value, opts[i].flag)) return 2;
            known = true;
        }
        if (!known) {
            karak_app_log(app, KARAK_LOG_ERROR, "unknown or incomplete option '%s'", arg);
            usage(stderr, argv0);
            return 2;
        }
    }
    if (docs_dir != NULL && *docs_dir != '\0') {
        char err[KARAK_ERRLEN];
        if (kstatic_dir_set(app, docs_dir, err, sizeof err) != KARAK_OK) {
            karak_app_log(app, KARAK_LOG_ERROR, "%s", err);
            return 2;
        }
    }
    if (so.tls_cert != NULL && *so.tls_cert == '\0') so.tls_cert = NULL; /* as unset */
    if (so.tls_key != NULL && *so.tls_key == '\0') so.tls_key = NULL;
    if ((so.tls_cert == NULL) != (so.tls_key == NULL)) {
        karak_app_log(app, KARAK_LOG_ERROR, "--cert and --key (KARAK_TLS_CERT, KARAK_TLS_KEY) "
                      "go together: only %s was given", so.tls_cert ? "--cert" : "--key");
        return 2;
    }
    so.port = port == 0 ? KARAK_PORT_ANY : port;
    int rc = karak_serve(app, &so);
    return rc == 0 ? 0 : rc == KARAK_EREGISTER ? 2 : 1;
}
