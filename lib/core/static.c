/* The app's .docs_dir, served read-only under .docs_dir_url as Starlette's StaticFiles
 * serves a mount: GET and HEAD of the regular files below the directory, each read into the
 * request's arena when it is asked for (no cache: a file replaced on disk is served new at
 * once). Not here: directory listings, index.html, ranges, ETags and 304s.
 *
 * Safety does not rest on the text of the path: the decoded path is split at '/' and each
 * segment opened relative to the one before it (openat, O_NOFOLLOW), from the directory
 * opened when the app was made. ".." cannot climb, whether written plainly, as %2e%2e or
 * behind an encoded slash (all decoded before dispatch), and a symbolic link is refused
 * wherever it is, so nothing outside the directory is ever opened. */
#define _POSIX_C_SOURCE 200809L /* openat, fstatat, O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"

/* Larger files are refused with a 500 and a log line: each request holds the whole file in
 * its arena, and Swagger UI's and ReDoc's largest files are a few MiB. */
#define KSTATIC_MAX_FILE (64u * 1024u * 1024u)

/* By extension, as Starlette answers them (Python's mimetypes, "; charset=utf-8" on text),
 * and .map (source maps) as the JSON they are. */
static const struct {
    const char *ext;
    const char *type;
} types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"png", "image/png"},
    {"svg", "image/svg+xml"},
    {"ico", "image/x-icon"},
    {"txt", "text/plain; charset=utf-8"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
};

static bool ext_eq(const char *ext, const char *want)
{
    for (; *ext && *want; ext++, want++) {
        char ch = *ext >= 'A' && *ext <= 'Z' ? (char)(*ext - 'A' + 'a') : *ext;
        if (ch != *want) return false;
    }
    return *ext == '\0' && *want == '\0';
}

static const char *content_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (dot != NULL)
        for (size_t i = 0; i < sizeof types / sizeof *types; i++)
            if (ext_eq(dot + 1, types[i].ext)) return types[i].type;
    return "application/octet-stream";
}

/* Empty ("a//b", a trailing '/'), ".", ".." and hidden names are never opened. */
static bool segment_ok(const char *seg)
{
    return seg[0] != '\0' && seg[0] != '.';
}

/* Opens the regular file at `path` (NUL-terminated, '/'-separated, written over) below the
 * directory `root`, following no symbolic link; -1 when there is none. The last segment is
 * looked at before it is opened, so a FIFO or a device below the directory is never
 * opened (opening a FIFO would block the worker). */
static int open_below(int root, char *path, const char **name)
{
    int dir = root, fd = -1;
    for (char *seg = path;;) {
        char *slash = strchr(seg, '/');
        if (slash != NULL) *slash = '\0';
        if (!segment_ok(seg)) break;
        if (slash != NULL) {
            fd = openat(dir, seg, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        } else {
            struct stat st;
            if (fstatat(dir, seg, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
                fd = openat(dir, seg, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
            *name = seg;
        }
        if (dir != root) close(dir);
        dir = root;
        if (fd < 0 || slash == NULL) return fd;
        dir = fd;
        fd = -1;
        seg = slash + 1;
    }
    if (dir != root) close(dir);
    return -1;
}

/* The file's bytes into the arena as a 200; false when it is not (or no longer) a regular
 * file. */
static bool send_file(karak_ctx *c, int fd, const char *name)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return false;
    if (st.st_size > (off_t)KSTATIC_MAX_FILE) {
        karak_app_log(c->app, KARAK_LOG_ERROR, "%s %s: file larger than %u bytes: 500",
                      c->req->method, c->path, KSTATIC_MAX_FILE);
        kresp_internal_error(&c->resp);
        return true;
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = karena_alloc_bytes(c->arena, size + 1); /* + 1: an empty file too */
    if (buf == NULL) {
        kresp_internal_error(&c->resp);
        return true;
    }
    while (got < size) { /* a file cut short meanwhile is served as it now is */
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            char why[128] = "";
            (void)strerror_r(errno, why, sizeof why); /* strerror is not thread-safe */
            karak_app_log(c->app, KARAK_LOG_ERROR, "%s %s: read: %s: 500", c->req->method,
                          c->path, why);
            kresp_internal_error(&c->resp);
            return true;
        }
        if (r == 0) break;
        got += (size_t)r;
    }
    kresp_set(&c->resp, 200, content_type(name), buf, got);
    return true;
}

int kstatic_dir_set(karak_app *app, const char *dir, char *err, size_t errlen)
{
    if (app->sealed) {
        snprintf(err, errlen, "docs_dir '%s': %s", dir, karak_strerror(KARAK_ESEALED));
        return KARAK_ESEALED;
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        snprintf(err, errlen, "docs_dir '%s': %s", dir, strerror(e));
        return e == ENOMEM ? KARAK_ENOMEM : KARAK_EINVAL;
    }
    kstatic_dir_close(app);
    app->docs_dir_fd = fd;
    return KARAK_OK;
}

void kstatic_dir_close(karak_app *app)
{
    if (app->docs_dir_fd >= 0) close(app->docs_dir_fd);
    app->docs_dir_fd = -1;
}

bool kstatic_serve(karak_ctx *c)
{
    const karak_app *app = c->app;
    size_t n = app->docs_dir_url_len;
    if (app->docs_dir_fd < 0 || app->docs_dir_url == NULL || c->path_len <= n + 1 ||
        c->path[n] != '/' || memcmp(c->path, app->docs_dir_url, n) != 0)
        return false;
    if (!kctx_get_or_head(c)) {
        kresp_error_detail(&c->resp, c->arena, 405, "Method Not Allowed");
        if (!kresp_add_header(&c->resp, c->arena, "Allow", "GET, HEAD"))
            kresp_internal_error(&c->resp);
        return true;
    }
    const char *rel = c->path + n + 1;
    size_t rel_len = c->path_len - n - 1;
    if (memchr(rel, '\0', rel_len) != NULL) { /* %00: no file name holds one */
        kresp_error_detail(&c->resp, c->arena, 404, "Not Found");
        return true;
    }
    char *path = karena_strndup(c->arena, rel, rel_len);
    if (path == NULL) {
        kresp_internal_error(&c->resp);
        return true;
    }
    const char *name = NULL;
    int fd = open_below(app->docs_dir_fd, path, &name);
    bool sent = fd >= 0 && send_file(c, fd, name);
    if (fd >= 0) close(fd);
    if (!sent) kresp_error_detail(&c->resp, c->arena, 404, "Not Found");
    return true;
}
