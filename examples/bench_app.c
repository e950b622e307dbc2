/* The benchmark app: the port, route for route, of the FastAPI app (peers/fastapi_app.py)
 * that the anchors benchmark (its run.sh, kept outside this repository, finds this binary
 * by the name bench_app) measures beside raw libmicrohttpd, kore, Ulfius, FastAPI and
 * Flask. Its pydantic models are C structs here:
 *
 *   GET /               {"message":"Hello, World!"}                 a plain dict
 *   GET /json           JsonDoc (list of dict[str,int], dict[str, dict[str,str]])
 *   GET /cpu            CpuResult: sum(i*i for i in range(100000)), computed per request
 *   GET /items/{item_id}  {"id": item_id}, an int (FastAPI's 422 for anything else)
 *   GET /db             list[User]: SELECT id, name, email FROM users LIMIT 10
 *
 * Docs are off, as the original's openapi_url=None, docs_url=None, redoc_url=None.
 * /db reads SQLite read-only through one connection (and one prepared statement) per
 * server worker, handed out by a dependency from karak_worker_slot and closed when the
 * server stops: the original keeps one sqlite3 connection per thread of FastAPI's pool.
 *
 * The database: --db PATH, else $KARAK_DB, else $ANCHORS_DB (the benchmark's name), else
 * bench.db. When the file is missing it is created at startup with what the benchmark's
 * make_db.py writes (100 users); the Python original answers 500 instead.
 *   ./bench_app --port 8000 --workers 2 --db /tmp/bench.db
 *   curl localhost:8000/db */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <karak.h>
#include <sqlite3.h>

static const char *db_path = "bench.db";

/* ---- models ---- */

typedef KARAK_DICT_OF(int64_t) IntDict;          /* dict[str, int] */
typedef KARAK_DICT_OF(const char *) StrDict;     /* dict[str, str] */

typedef struct {
    const char *message;
    KARAK_LIST_OF(IntDict) items;
    KARAK_DICT_OF(StrDict) nested;
} JsonDoc;
static const karak_field json_doc_fields[] = {
    KARAK_FIELD(JsonDoc, message, KARAK_STR),
    KARAK_FIELD(JsonDoc, items, KARAK_LIST,
                .items = KARAK_ITEM(KARAK_DICT, .items = KARAK_ITEM(KARAK_I64))),
    KARAK_FIELD(JsonDoc, nested, KARAK_DICT,
                .items = KARAK_ITEM(KARAK_DICT, .items = KARAK_ITEM(KARAK_STR))),
    KARAK_FIELDS_END,
};
static const karak_schema json_doc_schema = KARAK_SCHEMA(JsonDoc, json_doc_fields);

typedef struct {
    int64_t result;
    int64_t iterations;
} CpuResult;
static const karak_field cpu_result_fields[] = {
    KARAK_FIELD(CpuResult, result, KARAK_I64),
    KARAK_FIELD(CpuResult, iterations, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema cpu_result_schema = KARAK_SCHEMA(CpuResult, cpu_result_fields);

typedef struct {
    int64_t id;
    const char *name;
    const char *email;
} User;
static const karak_field user_fields[] = {
    KARAK_FIELD(User, id, KARAK_I64),
    KARAK_FIELD(User, name, KARAK_STR),
    KARAK_FIELD(User, email, KARAK_STR),
    KARAK_FIELDS_END,
};
static const karak_schema user_schema = KARAK_SCHEMA(User, user_fields);

/* ---- the per-worker connection ---- */

#define USERS_QUERY "SELECT id, name, email FROM users LIMIT 10"
#define USERS_MAX 10

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *users; /* USERS_QUERY, prepared once per connection (Python's sqlite3
                            module caches its statements per connection too) */
} WorkerDb;

static void worker_db_close(void *value)
{
    WorkerDb *w = value;
    sqlite3_finalize(w->users);
    sqlite3_close(w->db);
    free(w);
}

static WorkerDb *worker_db_open(void)
{
    WorkerDb *w = calloc(1, sizeof *w);
    if (w == NULL) return NULL;
    /* NOMUTEX: a worker serves one request at a time, so the connection is never shared */
    if (sqlite3_open_v2(db_path, &w->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v3(w->db, USERS_QUERY, -1, SQLITE_PREPARE_PERSISTENT, &w->users,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "bench_app: %s: %s\n", db_path,
                w->db ? sqlite3_errmsg(w->db) : "out of memory");
        worker_db_close(w);
        return NULL;
    }
    return w;
}

static const char worker_db_key = 0; /* its address names the slot */

/* get_db: this worker's connection, opened at its first /db request. */
static karak_result get_db(karak_ctx *c, void *value)
{
    void **slot = karak_worker_slot(c, &worker_db_key, worker_db_close);
    if (slot == NULL) return KARAK_FAIL;
    if (*slot == NULL && (*slot = worker_db_open()) == NULL) return KARAK_FAIL;
    *(WorkerDb **)value = *slot;
    return KARAK_NEXT;
}

static const karak_provider db_dep = {
    .name = "get_db", .size = sizeof(WorkerDb *), .provide = get_db};

/* ---- routes ---- */

static karak_result hello(karak_ctx *c)
{
    return karak_resp_json_new(c, json_pack("{s:s}", "message", "Hello, World!"));
}

#define JSON_ITEMS 20

/* JsonDoc(message=..., items=[{"id": i, "value": i * 10} for i in range(20)], nested=...):
 * the model is made per request, as the original makes it, and encoded from the struct. */
static karak_result json_doc(karak_ctx *c)
{
    static const char *item_keys[] = {"id", "value"};
    static const char *level1_keys[] = {"level2"}, *level1_values[] = {"deep value"};
    static const char *another_keys[] = {"key"}, *another_values[] = {"value"};
    static const char *nested_keys[] = {"level1", "another"};
    int64_t values[JSON_ITEMS][2];
    IntDict items[JSON_ITEMS];
    for (int i = 0; i < JSON_ITEMS; i++) {
        values[i][0] = i;
        values[i][1] = i * 10;
        items[i] = (IntDict){.keys = item_keys, .values = values[i], .len = 2};
    }
    StrDict nested[] = {
        {.keys = level1_keys, .values = level1_values, .len = 1},
        {.keys = another_keys, .values = another_values, .len = 1},
    };
    JsonDoc doc = {.message = "Hello, World!",
                   .items = {.items = items, .len = JSON_ITEMS},
                   .nested = {.keys = nested_keys, .values = nested, .len = 2}};
    return karak_resp_struct(c, &doc);
}

/* The bound is read through a volatile at every test, so the loop runs: with the bound read
 * once, clang -O2 replaces the whole loop by its closed form. This way it stays a scalar
 * loop of 100000 multiply-adds with either compiler, like the Python one. */
static volatile int64_t cpu_iterations = 100000;

static karak_result cpu(karak_ctx *c)
{
    int64_t total = 0, i = 0;
    for (; i < cpu_iterations; i++) total += i * i;
    CpuResult out = {.result = total, .iterations = i};
    return karak_resp_struct(c, &out);
}

static karak_result get_item(karak_ctx *c)
{
    json_int_t id = karak_path_i64(c, "item_id");
    return karak_resp_json_new(c, json_pack("{s:I}", "id", id));
}

static karak_result db(karak_ctx *c)
{
    WorkerDb *w = *(WorkerDb *const *)karak_depends(c, &db_dep);
    User users[USERS_MAX];
    size_t n = 0;
    int rc;
    while ((rc = sqlite3_step(w->users)) == SQLITE_ROW && n < USERS_MAX) {
        User *u = &users[n++];
        u->id = sqlite3_column_int64(w->users, 0);
        /* copied: the text is only valid until the next step */
        u->name = karak_strdup(c, (const char *)sqlite3_column_text(w->users, 1));
        u->email = karak_strdup(c, (const char *)sqlite3_column_text(w->users, 2));
        if (u->name == NULL || u->email == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(w->users);
    if (rc != SQLITE_DONE) return KARAK_FAIL;
    return karak_resp_list(c, NULL, users, n);
}

/* ---- the database file ---- */

/* make_db.py's file: the users table and 100 users "User i", "user{i}@example.com". */
static bool fill_db(sqlite3 *db)
{
    if (sqlite3_exec(db,
                     "BEGIN;"
                     "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                     " name TEXT NOT NULL, email TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK)
        return false;
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(db, "INSERT INTO users (name, email) VALUES (?, ?)", -1, &st,
                                 NULL) == SQLITE_OK;
    for (int i = 0; ok && i < 100; i++) {
        char name[32], email[48];
        snprintf(name, sizeof name, "User %d", i);
        snprintf(email, sizeof email, "user%d@example.com", i);
        ok = sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
             sqlite3_bind_text(st, 2, email, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
             sqlite3_step(st) == SQLITE_DONE && sqlite3_reset(st) == SQLITE_OK;
    }
    sqlite3_finalize(st);
    return ok && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
}

/* The lifespan's startup: creates the file when it is missing. It is written under another
 * name and renamed into place, so no worker can open a half-made database. */
static int ensure_db(void *data)
{
    (void)data;
    if (access(db_path, F_OK) == 0) return 0;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", db_path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "bench_app: %s: path too long\n", db_path);
        return -1;
    }
    sqlite3 *db = NULL;
    bool ok = sqlite3_open(tmp, &db) == SQLITE_OK && fill_db(db);
    if (!ok) fprintf(stderr, "bench_app: %s: %s\n", tmp, db ? sqlite3_errmsg(db) : "out of memory");
    ok = sqlite3_close(db) == SQLITE_OK && ok;
    if (ok && rename(tmp, db_path) != 0) {
        perror("bench_app: rename");
        ok = false;
    }
    if (!ok) unlink(tmp);
    return ok ? 0 : -1;
}

/* ---- main ---- */

static karak_app *bench_app(void)
{
    karak_app *app = karak_new(.title = "Benchmark", .no_docs = true, .on_startup = ensure_db);
    if (app == NULL) return NULL;
    karak_get(app, "/", hello);
    karak_get(app, "/json", json_doc, .response = &json_doc_schema);
    karak_get(app, "/cpu", cpu, .response = &cpu_result_schema);
    karak_get(app, "/items/{item_id:int}", get_item);
    karak_get(app, "/db", db, .depends = KARAK_DEPS(&db_dep), .response = &user_schema,
              .response_list = true);
    return app;
}

/* Takes `--db PATH` out of argv (karak_run refuses options it does not know); returns the
 * new argc, or -1 when --db has no value. */
static int take_db_flag(int argc, char **argv)
{
    if (argc < 1) return argc;
    int out = 1;
    for (int a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--db") != 0) {
            argv[out++] = argv[a];
            continue;
        }
        if (a + 1 >= argc) return -1;
        db_path = argv[++a];
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv)
{
    const char *env = getenv("KARAK_DB");
    if (env == NULL || env[0] == '\0') env = getenv("ANCHORS_DB");
    if (env != NULL && env[0] != '\0') db_path = env;
    argc = take_db_flag(argc, argv);
    if (argc < 0) {
        fprintf(stderr, "bench_app: --db needs a path\n");
        return 2;
    }
    karak_app *app = bench_app();
    if (app == NULL) return 1;
    int rc = karak_run(app, argc, argv);
    karak_app_free(app);
    return rc;
}
