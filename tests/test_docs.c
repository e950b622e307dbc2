/* The docs endpoints' options (FastAPI's openapi_url, docs_url, redoc_url: moved or switched
 * off one by one; .no_docs) and the directory an offline deployment serves its Swagger UI
 * and ReDoc files from (.docs_dir under .docs_dir_url, karak_run's --docs-dir): content
 * types, HEAD, 405, 404s, and traversal attempts that must be answered 404 without a name
 * outside the directory ever being opened. Requests go through the in-process client and,
 * for the directory, over a socket too (both must agree). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/core.h"
#include "testutil.h"

/* ---- every name the library opens below a directory, watched ----
 * The test executable's openat and fstatat stand in for libc's (the library is linked
 * statically into it): each name asked for is checked, then the call goes on to libc.
 * `opened` proves the watch sees the library's calls; `escaped` counts a ".." or the name
 * of the file placed beside the served directory, which must stay 0. */

static atomic_int opened, escaped;
static union {
    void *sym;
    int (*fn)(int, const char *, int, ...);
} real_openat;
static union {
    void *sym;
    int (*fn)(int, const char *, struct stat *, int);
} real_fstatat;

static void watch(const char *name)
{
    atomic_fetch_add(&opened, 1);
    if (strcmp(name, "..") == 0 || strcmp(name, "secret.txt") == 0) atomic_fetch_add(&escaped, 1);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    mode_t mode = 0;
    if (flags & O_CREAT) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    watch(path);
    return real_openat.fn(dirfd, path, flags, mode);
}

int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    watch(path);
    return real_fstatat.fn(dirfd, path, st, flags);
}

/* ---- a directory to serve, with a secret beside it ----
 *   <tmp>/secret.txt                 outside: never to be served
 *   <tmp>/www/  app.js style.css index.html img.PNG app.js.map data.bin empty.txt
 *               sub/dir/deep.js  .hidden  fifo  link.js -> app.js  out -> ..
 *               leak -> <tmp>/secret.txt */

static char root[64], www[96];

static void put(const char *rel, const char *text)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static void in_root(char *buf, size_t cap, const char *rel)
{
    snprintf(buf, cap, "%s/%s", root, rel);
}

static void tree_make(void)
{
    snprintf(root, sizeof root, "/tmp/karak-docs-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(root));
    snprintf(www, sizeof www, "%s/www", root);
    char p[256], q[256];
    ck_assert_int_eq(mkdir(www, 0755), 0);
    in_root(p, sizeof p, "www/sub");
    ck_assert_int_eq(mkdir(p, 0755), 0);
    in_root(p, sizeof p, "www/sub/dir");
    ck_assert_int_eq(mkdir(p, 0755), 0);
    put("secret.txt", "SECRET");
    put("www/app.js", "console.log(1);\n");
    put("www/style.css", "body{}");
    put("www/index.html", "<p>hi</p>");
    put("www/img.PNG", "\x89PNG");
    put("www/app.js.map", "{\"version\":3}");
    put("www/data.bin", "bytes");
    put("www/empty.txt", "");
    put("www/sub/dir/deep.js", "deep();");
    put("www/.hidden", "hidden");
    in_root(p, sizeof p, "www/fifo");
    ck_assert_int_eq(mkfifo(p, 0644), 0);
    in_root(p, sizeof p, "www/link.js");
    ck_assert_int_eq(symlink("app.js", p), 0);
    in_root(p, sizeof p, "www/out");
    ck_assert_int_eq(symlink("..", p), 0);
    in_root(p, sizeof p, "www/leak");
    in_root(q, sizeof q, "secret.txt");
    ck_assert_int_eq(symlink(q, p), 0);
}

static void tree_remove(void)
{
    static const char *const rels[] = {
        "www/app.js", "www/style.css", "www/index.html", "www/img.PNG", "www/app.js.map",
        "www/data.bin", "www/empty.txt", "www/sub/dir/deep.js", "www/.hidden", "www/fifo",
        "www/link.js", "www/out", "www/leak", "www/big.bin", "secret.txt"};
    char p[256];
    for (size_t i = 0; i < sizeof rels / sizeof *rels; i++) {
        in_root(p, sizeof p, rels[i]);
        unlink(p);
    }
    static const char *const dirs[] = {"www/sub/dir", "www/sub", "www"};
    for (size_t i = 0; i < 3; i++) {
        in_root(p, sizeof p, dirs[i]);
        rmdir(p);
    }
    rmdir(root);
}

static karak_result hello(karak_ctx *c)
{
    return karak_resp_text(c, "route");
}

static void expect_status(karak_client *client, const char *target, int status)
{
    karak_reply *r = karak_client_get(client, target);
    ck_assert_msg(r != NULL && karak_reply_status(r) == status, "GET %s: %d, expected %d",
                  target, r ? karak_reply_status(r) : 0, status);
    karak_reply_free(r);
}

/* ---- openapi_url, docs_url, redoc_url ---- */

START_TEST(defaults)
{
    karak_app *app = karak_new(.title = "D");
    karak_client *client = test_client_open(app);
    expect_status(client, "/openapi.json", 200);
    karak_reply *r = karak_client_get(client, "/docs");
    ck_assert_int_eq(karak_reply_status(r), 200);
    const char *html = karak_reply_body(r, NULL);
    ck_assert_ptr_nonnull(strstr(html, "url: '/openapi.json'"));
    ck_assert_ptr_nonnull(
        strstr(html, "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"));
    karak_reply_free(r);
    r = karak_client_get(client, "/redoc");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_ptr_nonnull(strstr(karak_reply_body(r, NULL), "<redoc spec-url=\"/openapi.json\">"));
    karak_reply_free(r);
    expect_status(client, "/static/x.js", 404); /* no directory: nothing mounted */
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
}
END_TEST

START_TEST(moved)
{
    karak_app *app = karak_new(.openapi_url = "/api/v1/openapi.json", .docs_url = "/api-docs",
                               .redoc_url = "/api_redoc");
    karak_client *client = test_client_open(app);
    size_t len = 0;
    const char *doc = karak_app_openapi(app, &len);
    karak_reply *r = karak_client_get(client, "/api/v1/openapi.json");
    EXPECT(r, 200, doc);
    r = karak_client_get(client, "/api-docs");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_ptr_nonnull(strstr(karak_reply_body(r, NULL), "url: '/api/v1/openapi.json'"));
    karak_reply_free(r);
    r = karak_client_get(client, "/api_redoc");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_ptr_nonnull(strstr(karak_reply_body(r, NULL), "spec-url=\"/api/v1/openapi.json\""));
    karak_reply_free(r);
    r = karak_client_head(client, "/api-docs");
    ck_assert_int_eq(karak_reply_status(r), 200);
    karak_reply_free(r);
    r = karak_client_post(client, "/api-docs"); /* not a route: GET and HEAD only */
    EXPECT(r, 404, "{\"detail\":\"Not Found\"}");
    for (const char *const *p = (const char *const[]){"/openapi.json", "/docs", "/redoc", NULL};
         *p; p++) {
        r = karak_client_get(client, *p);
        EXPECT(r, 404, "{\"detail\":\"Not Found\"}");
    }
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
}
END_TEST

/* FastAPI's None, one at a time: the others stay. */
START_TEST(switched_off)
{
    static const struct {
        karak_app_opts o;
        int openapi, docs, redoc;
    } rows[] = {
        {{.docs_url = ""}, 200, 404, 200},
        {{.redoc_url = ""}, 200, 200, 404},
        {{.docs_url = "", .redoc_url = ""}, 200, 404, 404},
        {{.openapi_url = ""}, 404, 404, 404},       /* the pages need the document */
        {{.openapi_url = "", .docs_url = "/d"}, 404, 404, 404},
        {{.no_docs = true}, 404, 404, 404},
        {{.no_docs = true, .openapi_url = "/o.json"}, 404, 404, 404},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        karak_app_opts o = rows[i].o;
        o.struct_size = sizeof o;
        karak_app *app = karak_app_new(&o);
        ck_assert_ptr_nonnull(app);
        ck_assert_int_eq(karak_get(app, "/ok", hello), 0);
        karak_client *client = test_client_open(app);
        expect_status(client, "/openapi.json", rows[i].openapi);
        expect_status(client, "/docs", rows[i].docs);
        expect_status(client, "/d", 404);
        expect_status(client, "/redoc", rows[i].redoc);
        expect_status(client, "/ok", 200);
        ck_assert_ptr_nonnull(karak_app_openapi(app, NULL)); /* still made: --openapi */
        karak_server *none = NULL;
        test_fixture_close(&app, &client, &none);
    }
}
END_TEST

/* With docs_url switched off, /docs is free for a route, as in FastAPI. */
START_TEST(route_takes_the_url)
{
    karak_app *app = karak_new(.docs_url = "");
    ck_assert_int_eq(karak_get(app, "/docs", hello), 0);
    karak_client *client = test_client_open(app);
    karak_reply *r = karak_client_get(client, "/docs");
    EXPECT(r, 200, "route");
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
}
END_TEST

/* A bad option is the app's registration error, naming the option. */
START_TEST(bad_options)
{
    static const struct {
        karak_app_opts o;
        const char *error;
    } rows[] = {
        {{.openapi_url = "openapi.json"}, "openapi_url 'openapi.json': not an absolute path"},
        {{.docs_url = "/docs'+alert(1)+'"}, "docs_url '/docs'+alert(1)+'': not an absolute"},
        {{.redoc_url = "/re doc"}, "redoc_url '/re doc': not an absolute"},
        {{.redoc_url = "/r\"><script>"}, "redoc_url '/r\"><script>': not an absolute"},
        {{.docs_dir_url = "/"}, "docs_dir_url '/': not a path below '/'"},
        {{.docs_dir_url = "/static/"}, "docs_dir_url '/static/': not a path below '/'"},
        {{.docs_dir_url = ""}, "docs_dir_url '': not a path below '/'"},
        {{.docs_dir_url = "static"}, "docs_dir_url 'static': not an absolute"},
        {{.docs_dir = "/nonexistent/karak"}, "docs_dir '/nonexistent/karak': No such file"},
        {{.docs_dir = "/etc/hostname"}, "docs_dir '/etc/hostname': Not a directory"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        karak_app_opts o = rows[i].o;
        o.struct_size = sizeof o;
        karak_app *app = karak_app_new(&o);
        ck_assert_ptr_nonnull(app);
        const char *err = karak_app_error(app);
        ck_assert_msg(err != NULL && strncmp(err, rows[i].error, strlen(rows[i].error)) == 0,
                      "row %zu: %s", i, err ? err : "(no error)");
        ck_assert_ptr_null(karak_app_openapi(app, NULL));
        karak_app_free(app);
    }
}
END_TEST

/* ---- the directory ---- */

typedef struct file_case {
    const char *target;
    int status;
    const char *type; /* NULL: not checked */
    const char *body; /* NULL: not checked */
} file_case;

static void expect_file(karak_client *client, unsigned port, const file_case *f)
{
    karak_reply *r = both_get(client, port, f->target);
    ck_assert_ptr_nonnull(r);
    size_t len = 0;
    const char *body = karak_reply_body(r, &len);
    ck_assert_msg(karak_reply_status(r) == f->status, "GET %s: %d, expected %d (%s)", f->target,
                  karak_reply_status(r), f->status, body);
    if (f->type != NULL) {
        const char *type = karak_reply_header(r, "content-type");
        ck_assert_msg(type != NULL && strcmp(type, f->type) == 0, "GET %s: type %s, expected %s",
                      f->target, type ? type : "(none)", f->type);
    }
    if (f->body != NULL)
        ck_assert_msg(len == strlen(f->body) && memcmp(body, f->body, len) == 0,
                      "GET %s: body %s, expected %s", f->target, body, f->body);
    ck_assert_msg(len < 6 || strstr(body, "SECRET") == NULL, "GET %s: the secret", f->target);
    karak_reply_free(r);
}

#define NOT_FOUND "{\"detail\":\"Not Found\"}"

START_TEST(directory)
{
    tree_make();
    karak_app *app = karak_new(.title = "Offline", .docs_dir = www);
    ck_assert_int_eq(karak_get(app, "/static", hello), 0);
    karak_client *client = test_client_open(app);
    karak_server *server = NULL;
    unsigned port = 0;
    test_serve(app, &server, &port);
    static const file_case served[] = {
        {"/static/app.js", 200, "text/javascript; charset=utf-8", "console.log(1);\n"},
        {"/static/style.css", 200, "text/css; charset=utf-8", "body{}"},
        {"/static/index.html", 200, "text/html; charset=utf-8", "<p>hi</p>"},
        {"/static/img.PNG", 200, "image/png", "\x89PNG"},
        {"/static/app.js.map", 200, "application/json", "{\"version\":3}"},
        {"/static/data.bin", 200, "application/octet-stream", "bytes"},
        {"/static/empty.txt", 200, "text/plain; charset=utf-8", ""},
        {"/static/sub/dir/deep.js", 200, "text/javascript; charset=utf-8", "deep();"},
        {"/static/sub%2Fdir%2Fdeep.js", 200, NULL, "deep();"}, /* decoded first, as Starlette */
        {"/static/%61pp.js?v=5", 200, NULL, "console.log(1);\n"},
        {"/static", 200, NULL, "route"}, /* the prefix itself is not the directory's */
    };
    for (size_t i = 0; i < sizeof served / sizeof *served; i++)
        expect_file(client, port, &served[i]);
    int seen = atomic_load(&opened);
    ck_assert_int_gt(seen, 0); /* the watch sees the library's calls */
    static const char *const missing[] = {
        "/static/nope.js", "/static/sub", "/static/sub/", "/static/sub/dir/",
        "/static/sub//dir/deep.js", "/static/./app.js", "/static/sub/./dir/deep.js",
        "/static/.hidden", "/static/fifo", "/static/link.js", "/static/out/secret.txt",
        "/static/leak", "/static/app.js/", "/static/app.js%00.png",
        /* traversal: plain, encoded dots, encoded slashes, both, absolute */
        "/static/../secret.txt", "/static/../CMakeLists.txt", "/static/..",
        "/static/sub/../../secret.txt",
        "/static/%2e%2e/secret.txt", "/static/%2E%2E/secret.txt", "/static/.%2e/secret.txt",
        "/static/..%2fsecret.txt", "/static/..%2Fsecret.txt", "/static/sub%2F..%2F..%2Fsecret.txt",
        "/static/%2e%2e%2fsecret.txt", "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/static//etc/passwd", "/static/%2Fetc%2Fpasswd", "/static/%2F%2Fetc/passwd",
        "/static/..\\secret.txt", "/static/sub/dir/../../../secret.txt",
    };
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        file_case f = {missing[i], 404, "application/json", NOT_FOUND};
        expect_file(client, port, &f);
    }
    ck_assert_int_eq(atomic_load(&escaped), 0);
    /* HEAD: the length of the file, no body */
    karak_reply *r = both_head(client, port, "/static/app.js");
    ck_assert_int_eq(karak_reply_status(r), 200);
    ck_assert_str_eq(karak_reply_header(r, "content-length"), "16");
    karak_reply_free(r);
    /* read-only */
    r = both_post(client, port, "/static/app.js", .json = "{}");
    ck_assert_str_eq(karak_reply_header(r, "allow"), "GET, HEAD");
    EXPECT(r, 405, "{\"detail\":\"Method Not Allowed\"}");
    r = both_delete(client, port, "/static/nope.js");
    EXPECT(r, 405, "{\"detail\":\"Method Not Allowed\"}");
    /* the pages load their assets from the directory */
    r = karak_client_get(client, "/docs");
    ck_assert_ptr_nonnull(strstr(karak_reply_body(r, NULL),
                                 "src=\"/static/swagger-ui-dist@5/swagger-ui-bundle.js\""));
    karak_reply_free(r);
    r = karak_client_get(client, "/redoc");
    ck_assert_ptr_nonnull(
        strstr(karak_reply_body(r, NULL), "src=\"/static/redoc@2/bundles/redoc.standalone.js\""));
    karak_reply_free(r);
    /* a file changed on disk is served changed: nothing is cached */
    put("www/app.js", "v2");
    r = karak_client_get(client, "/static/app.js");
    EXPECT(r, 200, "v2");
    test_fixture_close(&app, &client, &server);
    tree_remove();
}
END_TEST

/* Another prefix, explicit assets, and the app's HTTP error handler on the directory's
 * 404 and 405. */
static karak_result teapot(karak_ctx *c, int status, const json_t *detail)
{
    (void)detail;
    karak_resp_status_set(c, status);
    return karak_resp_text(c, "handled");
}

START_TEST(directory_options)
{
    tree_make();
    karak_app *app = karak_new(.docs_dir = www, .docs_dir_url = "/assets/v1",
                               .docs_assets = "https://mirror.example/npm",
                               .on_http_error = teapot);
    karak_client *client = test_client_open(app);
    karak_reply *r = karak_client_get(client, "/assets/v1/style.css");
    EXPECT(r, 200, "body{}");
    r = karak_client_get(client, "/assets/v1/../secret.txt");
    EXPECT(r, 404, "handled");
    r = karak_client_put(client, "/assets/v1/style.css");
    EXPECT(r, 405, "handled");
    r = karak_client_get(client, "/static/style.css");
    EXPECT(r, 404, "handled");
    r = karak_client_get(client, "/assets/v1x/style.css");
    EXPECT(r, 404, "handled");
    r = karak_client_get(client, "/docs");
    ck_assert_ptr_nonnull(strstr(karak_reply_body(r, NULL),
                                 "src=\"https://mirror.example/npm/swagger-ui-dist@5/"));
    karak_reply_free(r);
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
    tree_remove();
}
END_TEST

/* A file too large to hold is a 500, logged; the request reads nothing of it. */
static char logged[512];

static void log_to(void *data, karak_log_level level, const char *msg)
{
    (void)data;
    (void)level;
    snprintf(logged, sizeof logged, "%s", msg);
}

START_TEST(too_large)
{
    tree_make();
    char p[256];
    in_root(p, sizeof p, "www/big.bin");
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 64 * 1024 * 1024 + 1), 0); /* sparse: no disk used */
    close(fd);
    karak_app *app = karak_new(.docs_dir = www, .log = log_to);
    karak_client *client = test_client_open(app);
    karak_reply *r = karak_client_get(client, "/static/big.bin");
    ck_assert_int_eq(karak_reply_status(r), 500);
    karak_reply_free(r);
    ck_assert_ptr_nonnull(strstr(logged, "GET /static/big.bin: file larger than"));
    karak_server *none = NULL;
    test_fixture_close(&app, &client, &none);
    tree_remove();
}
END_TEST

/* karak_run's --docs-dir and KARAK_DOCS_DIR: a directory that cannot be opened stops it
 * with 2 before it serves; a sealed app can no longer take one. */
START_TEST(run_flag)
{
    karak_app *app = karak_new(.log = log_to);
    char *argv[] = {"app", "--docs-dir", "/nonexistent/karak", NULL};
    ck_assert_int_eq(karak_run(app, 3, argv), 2);
    ck_assert_ptr_nonnull(strstr(logged, "docs_dir '/nonexistent/karak': No such file"));
    setenv("KARAK_DOCS_DIR", "/nonexistent/env", 1);
    char *argv0[] = {"app", NULL};
    ck_assert_int_eq(karak_run(app, 1, argv0), 2);
    ck_assert_ptr_nonnull(strstr(logged, "docs_dir '/nonexistent/env'"));
    unsetenv("KARAK_DOCS_DIR");
    char err[KARAK_ERRLEN];
    ck_assert_int_eq(kstatic_dir_set(app, "/tmp", err, sizeof err), KARAK_OK);
    ck_assert_ptr_nonnull(karak_app_openapi(app, NULL));
    ck_assert_int_eq(kstatic_dir_set(app, "/tmp", err, sizeof err), KARAK_ESEALED);
    karak_app_free(app);
}
END_TEST

int main(void)
{
    real_openat.sym = dlsym(RTLD_NEXT, "openat");
    real_fstatat.sym = dlsym(RTLD_NEXT, "fstatat");
    if (real_openat.sym == NULL || real_fstatat.sym == NULL) return EXIT_FAILURE;
    Suite *s = suite_create("docs");
    TCase *tc = tcase_create("docs");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, moved);
    tcase_add_test(tc, switched_off);
    tcase_add_test(tc, route_takes_the_url);
    tcase_add_test(tc, bad_options);
    tcase_add_test(tc, directory);
    tcase_add_test(tc, directory_options);
    tcase_add_test(tc, too_large);
    tcase_add_test(tc, run_flag);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
