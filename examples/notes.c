/* A small real service: notes on SQLite behind bearer-token auth, ported route for route
 * from a FastAPI app (each handler names the route it ports). Every answer is FastAPI's
 * but for libkarak's documented deviations; tests/test_notes.c replays a table of
 * requests answered by the FastAPI original.
 *
 * What it shows: FastAPI's HTTPBearer (karak_http_bearer) and a current-user dependency on
 * top of it; one SQLite connection per request from a `yield` dependency (closed after the
 * response), with a function-scoped transaction on it (committed before the response when
 * the request succeeded, rolled back otherwise); authentication before validation; list
 * responses; nested optional models; list fields with bounds; query bounds; PATCH with
 * exclude_unset (KARAK_FIELDS_SET); a response model that hides a field; a header echoed
 * back; 201 and 204.
 *
 * The database file comes from NOTES_DB (default notes.db); its table is created when
 * missing. Tokens: "alice-token" -> alice, "bob-token" -> bob.
 *   ./notes --port 8000
 *   curl -H 'Authorization: Bearer alice-token' localhost:8000/notes */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <karak.h>
#include <sqlite3.h>

static const char *db_path = "notes.db";

typedef struct {
    const char *token;
    const char *name;
    const char *api_secret;
} User;

static const User users[] = {
    {"alice-token", "alice", "s3cr3t-a"},
    {"bob-token", "bob", "s3cr3t-b"},
};

/* ---- models ---- */

typedef struct {
    const char *name;
    const char *email;
} Author;
static const karak_field author_fields[] = {
    KARAK_FIELD(Author, name, KARAK_STR, .min_len = 1),
    KARAK_FIELD(Author, email, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema author_schema = KARAK_SCHEMA(Author, author_fields);

typedef KARAK_LIST_OF(const char *) Tags;

typedef struct {
    const char *title;
    const char *body;
    Tags tags;
    Author author;
    bool has_author;
} NoteIn;
static const karak_field note_in_fields[] = {
    KARAK_FIELD(NoteIn, title, KARAK_STR, .min_len = 1, .max_len = 100),
    KARAK_FIELD(NoteIn, body, KARAK_STR, .dflt = ""),
    KARAK_FIELD(NoteIn, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .dflt = "[]",
                .max_len = 5),
    KARAK_FIELD_OPT(NoteIn, author, has_author, KARAK_OBJ, .schema = &author_schema),
    KARAK_FIELDS_END,
};
static const karak_schema note_in_schema = KARAK_SCHEMA(NoteIn, note_in_fields);

typedef struct {
    const char *title;
    const char *body;
    Tags tags;
    uint64_t set; /* which keys the client sent, null included */
} NotePatch;
static const karak_field note_patch_fields[] = {
    KARAK_FIELD(NotePatch, title, KARAK_STR, .optional = true, .min_len = 1, .max_len = 100),
    KARAK_FIELD(NotePatch, body, KARAK_STR, .optional = true),
    KARAK_FIELD(NotePatch, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR), .optional = true,
                .max_len = 5),
    KARAK_FIELDS_END,
};
static const karak_schema note_patch_schema =
    KARAK_SCHEMA(NotePatch, note_patch_fields, KARAK_FIELDS_SET(NotePatch, set));

typedef struct {
    int64_t id;
    const char *owner;
    const char *title;
    const char *body;
    Tags tags;
    Author author;
    bool has_author;
} Note;
static const karak_field note_fields[] = {
    KARAK_FIELD(Note, id, KARAK_I64),
    KARAK_FIELD(Note, owner, KARAK_STR),
    KARAK_FIELD(Note, title, KARAK_STR),
    KARAK_FIELD(Note, body, KARAK_STR),
    KARAK_FIELD(Note, tags, KARAK_LIST, .items = KARAK_ITEM(KARAK_STR)),
    /* `author: Author | None`: always written, null when there is none */
    {.name = "author", .offset = offsetof(Note, author), .size = sizeof(Author),
     .type = KARAK_OBJ, .schema = &author_schema, .nullable = true,
     .has_offset = offsetof(Note, has_author) + 1},
    KARAK_FIELDS_END,
};
static const karak_schema note_schema = KARAK_SCHEMA(Note, note_fields);

/* [tutorial:user-out] */
/* GET /me answers {**user, "note_count": n} through UserOut: the narrower schema leaves
 * api_secret out, as FastAPI's response_model=UserOut does. */
typedef struct {
    const char *name;
    const char *api_secret;
    int64_t note_count;
} UserOut;
static const karak_field user_out_fields[] = {
    KARAK_FIELD(UserOut, name, KARAK_STR),
    KARAK_FIELD(UserOut, note_count, KARAK_I64),
    KARAK_FIELDS_END,
};
static const karak_schema user_out_schema = KARAK_SCHEMA(UserOut, user_out_fields);
/* [/tutorial:user-out] */

/* ---- dependencies ---- */

/* [tutorial:db] */
/* get_db: one connection per request, closed after the response has been sent. */
static karak_result open_db(karak_ctx *c, void *value)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        sqlite3_close(db);
        return KARAK_FAIL;
    }
    sqlite3_busy_timeout(db, 10000);
    *(sqlite3 **)value = db;
    (void)c;
    return KARAK_NEXT;
}

static void close_db(void *value, int status, void *data)
{
    (void)status;
    (void)data;
    sqlite3_close(*(sqlite3 **)value);
}

static const karak_provider db_dep = {
    .name = "get_db", .size = sizeof(sqlite3 *), .provide = open_db, .cleanup = close_db};
/* [/tutorial:db] */

/* [tutorial:transaction] */
/* The transaction on it: committed once the handler has succeeded, before the response is
 * sent, so a client's next request sees the write; rolled back otherwise. */
static karak_result begin_tx(karak_ctx *c, void *value)
{
    sqlite3 *db = *(sqlite3 *const *)karak_depends(c, &db_dep);
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) return KARAK_FAIL;
    *(sqlite3 **)value = db;
    return KARAK_NEXT;
}

static void end_tx(void *value, int status, void *data)
{
    (void)data;
    sqlite3_exec(*(sqlite3 **)value, status < 400 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
}

static const karak_provider tx_dep = {.name = "transaction", .size = sizeof(sqlite3 *),
                                      .provide = begin_tx, .cleanup = end_tx,
                                      .scope = KARAK_SCOPE_FUNCTION,
                                      .depends = KARAK_DEPS(&db_dep)};
/* [/tutorial:transaction] */

/* [tutorial:current-user] */
/* current_user: the bearer token's user, or FastAPI's 401 "Invalid token". */
static karak_result current_user(karak_ctx *c, void *value)
{
    const karak_credentials *cred = karak_depends(c, &karak_http_bearer);
    for (size_t i = 0; i < sizeof users / sizeof *users; i++) {
        if (strcmp(users[i].token, cred->credentials) == 0) {
            *(const User **)value = &users[i];
            return KARAK_NEXT;
        }
    }
    karak_resp_header_add(c, "WWW-Authenticate", "Bearer");
    return karak_resp_error(c, 401, "Invalid token");
}

static const karak_provider user_dep = {.name = "current_user", .size = sizeof(User *),
                                        .provide = current_user,
                                        .depends = KARAK_DEPS(&karak_http_bearer)};

/* What every notes route depends on, in the Python signature's order: user, then db. */
#define NOTES_DEPS KARAK_DEPS(&user_dep, &tx_dep)

static const User *user_of(karak_ctx *c)
{
    return *(const User *const *)karak_depends(c, &user_dep);
}

static sqlite3 *db_of(karak_ctx *c)
{
    return *(sqlite3 *const *)karak_depends(c, &db_dep);
}
/* [/tutorial:current-user] */

/* ---- rows ---- */

/* Tags and author are stored as JSON text, as the Python original stores them. */
static bool tags_from_json(karak_ctx *c, const char *text, Tags *out)
{
    json_t *arr = json_loads(text ? text : "[]", 0, NULL);
    size_t n = json_array_size(arr);
    out->items = karak_alloc(c, (n ? n : 1) * sizeof *out->items);
    out->len = n;
    for (size_t i = 0; out->items != NULL && i < n; i++)
        out->items[i] = karak_strdup(c, json_string_value(json_array_get(arr, i)));
    json_decref(arr);
    return arr != NULL && out->items != NULL;
}

static char *tags_to_json(const Tags *tags)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr != NULL && i < tags->len; i++)
        json_array_append_new(arr, json_string(tags->items[i]));
    char *text = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    return text;
}

static const char *column(karak_ctx *c, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? karak_strdup(c, (const char *)t) : NULL;
}

/* SELECT id, owner, title, body, tags, author */
static bool row_to_note(karak_ctx *c, sqlite3_stmt *st, Note *n)
{
    memset(n, 0, sizeof *n);
    n->id = sqlite3_column_int64(st, 0);
    n->owner = column(c, st, 1);
    n->title = column(c, st, 2);
    n->body = column(c, st, 3);
    if (!tags_from_json(c, (const char *)sqlite3_column_text(st, 4), &n->tags)) return false;
    const char *author = (const char *)sqlite3_column_text(st, 5);
    if (author != NULL) {
        json_t *a = json_loads(author, 0, NULL);
        n->author.name = karak_strdup(c, json_string_value(json_object_get(a, "name")));
        n->author.email = karak_strdup(c, json_string_value(json_object_get(a, "email")));
        n->has_author = a != NULL;
        json_decref(a);
    }
    return n->title != NULL && n->body != NULL;
}

#define NOTE_COLUMNS "id, owner, title, body, tags, author"

/* [tutorial:load] */
/* load(): the user's note, or false with the 404 set. */
static bool load(karak_ctx *c, int64_t id, Note *out)
{
    sqlite3_stmt *st = NULL;
    bool found = false;
    if (sqlite3_prepare_v2(db_of(c), "SELECT " NOTE_COLUMNS " FROM notes WHERE id = ? AND owner = ?",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, user_of(c)->name, -1, SQLITE_STATIC);
        found = sqlite3_step(st) == SQLITE_ROW && row_to_note(c, st, out);
    }
    sqlite3_finalize(st);
    if (!found) karak_resp_error(c, 404, "Note not found");
    return found;
}
/* [/tutorial:load] */

/* ---- POST /notes ---- */

typedef struct {
    const char *x_request_id;
} RequestIdHeader;
static const karak_field request_id_fields[] = {
    KARAK_FIELD(RequestIdHeader, x_request_id, KARAK_STR, .optional = true, .max_len = 64),
    KARAK_FIELDS_END,
};
static const karak_schema request_id_header = KARAK_SCHEMA(RequestIdHeader, request_id_fields);

static karak_result create_note(karak_ctx *c)
{
    const NoteIn *in = karak_body(c);
    const User *user = user_of(c);
    char *tags = tags_to_json(&in->tags);
    char *author = NULL;
    if (in->has_author) {
        json_t *a = json_pack("{s:s,s:s?}", "name", in->author.name, "email", in->author.email);
        author = json_dumps(a, JSON_COMPACT);
        json_decref(a);
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db_of(c),
                                "INSERT INTO notes (owner, title, body, tags, author) "
                                "VALUES (?, ?, ?, ?, ?)",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, user->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, in->title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, in->body, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, tags, -1, SQLITE_STATIC);
        if (author != NULL) sqlite3_bind_text(st, 5, author, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    free(tags);
    free(author);
    if (rc != SQLITE_DONE) return KARAK_FAIL;
    const RequestIdHeader *h = karak_headers(c);
    if (h->x_request_id != NULL) karak_resp_header_add(c, "X-Request-Id", h->x_request_id);
    Note out = {.id = sqlite3_last_insert_rowid(db_of(c)), .owner = user->name,
                .title = in->title, .body = in->body, .tags = in->tags, .author = in->author,
                .has_author = in->has_author};
    return karak_resp_struct(c, &out);
}

/* ---- GET /notes ---- */

typedef struct {
    int64_t skip;
    int64_t limit;
    const char *q;
    const char *tag;
} ListQuery;
static const karak_field list_query_fields[] = {
    KARAK_FIELD(ListQuery, skip, KARAK_I64, .dflt = "0", KARAK_GE(0)),
    KARAK_FIELD(ListQuery, limit, KARAK_I64, .dflt = "10", KARAK_GE(1), KARAK_LE(100)),
    KARAK_FIELD(ListQuery, q, KARAK_STR, .optional = true, .min_len = 1),
    KARAK_FIELD(ListQuery, tag, KARAK_STR, .optional = true),
    KARAK_FIELDS_END,
};
static const karak_schema list_query = KARAK_SCHEMA(ListQuery, list_query_fields);

/* Python's `q.lower() in text.lower()`, for ASCII letters (the one deviation of this port:
 * other scripts compare case-sensitively). */
static bool contains_nocase(const char *text, const char *q)
{
    size_t n = strlen(q);
    for (const char *t = text; *t; t++) {
        size_t i = 0;
        while (i < n && t[i] && tolower((unsigned char)t[i]) == tolower((unsigned char)q[i])) i++;
        if (i == n) return true;
    }
    return n == 0;
}

static bool has_tag(const Note *n, const char *tag)
{
    for (size_t i = 0; i < n->tags.len; i++)
        if (strcmp(n->tags.items[i], tag) == 0) return true;
    return false;
}

static karak_result list_notes(karak_ctx *c)
{
    const ListQuery *lq = karak_query(c);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db_of(c), "SELECT " NOTE_COLUMNS " FROM notes WHERE owner = ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return KARAK_FAIL;
    sqlite3_bind_text(st, 1, user_of(c)->name, -1, SQLITE_STATIC);
    size_t n = 0, cap = 16, seen = 0;
    Note *notes = karak_alloc(c, cap * sizeof *notes);
    bool ok = notes != NULL;
    while (ok && sqlite3_step(st) == SQLITE_ROW) {
        Note note;
        ok = row_to_note(c, st, &note);
        if (!ok) break;
        bool match = (lq->q == NULL || contains_nocase(note.title, lq->q) ||
                      contains_nocase(note.body, lq->q)) &&
                     (lq->tag == NULL || has_tag(&note, lq->tag));
        if (!match || seen++ < (size_t)lq->skip || n == (size_t)lq->limit) continue;
        if (n == cap) {
            Note *grown = karak_alloc(c, 2 * cap * sizeof *grown);
            ok = grown != NULL;
            if (!ok) break;
            memcpy(grown, notes, n * sizeof *notes);
            notes = grown;
            cap *= 2;
        }
        notes[n++] = note;
    }
    sqlite3_finalize(st);
    if (!ok) return KARAK_FAIL;
    return karak_resp_list(c, NULL, notes, n);
}

/* ---- GET, PATCH, DELETE /notes/{note_id} ---- */

/* [tutorial:get-note] */
static karak_result get_note(karak_ctx *c)
{
    Note n;
    if (!load(c, karak_path_i64(c, "note_id"), &n)) return KARAK_DONE;
    return karak_resp_struct(c, &n);
}
/* [/tutorial:get-note] */

static karak_result patch_note(karak_ctx *c)
{
    int64_t id = karak_path_i64(c, "note_id");
    Note n;
    if (!load(c, id, &n)) return KARAK_DONE;
    const NotePatch *p = karak_body(c);
    bool title = karak_model_is_set(&note_patch_schema, p, "title");
    bool body = karak_model_is_set(&note_patch_schema, p, "body");
    bool tags = karak_model_is_set(&note_patch_schema, p, "tags");
    if ((title && p->title == NULL) || (body && p->body == NULL) || (tags && p->tags.items == NULL))
        return karak_resp_error(c, 422, "Fields cannot be null");
    if (title) n.title = p->title;
    if (body) n.body = p->body;
    if (tags) n.tags = p->tags;
    char *tag_text = tags_to_json(&n.tags);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db_of(c), "UPDATE notes SET title = ?, body = ?, tags = ? WHERE id = ?",
                                -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, n.title, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, n.body, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, tag_text, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, id);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    free(tag_text);
    if (rc != SQLITE_DONE) return KARAK_FAIL;
    return karak_resp_struct(c, &n);
}

static karak_result delete_note(karak_ctx *c)
{
    int64_t id = karak_path_i64(c, "note_id");
    Note n;
    if (!load(c, id, &n)) return KARAK_DONE;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db_of(c), "DELETE FROM notes WHERE id = ?", -1, &st, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(st, 1, id);
        rc = sqlite3_step(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? karak_resp_empty(c) : KARAK_FAIL;
}

/* ---- GET /me ---- */

/* [tutorial:me] */
static karak_result me(karak_ctx *c)
{
    const User *user = user_of(c);
    sqlite3_stmt *st = NULL;
    UserOut out = {.name = user->name, .api_secret = user->api_secret};
    if (sqlite3_prepare_v2(db_of(c), "SELECT COUNT(*) FROM notes WHERE owner = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return KARAK_FAIL;
    sqlite3_bind_text(st, 1, user->name, -1, SQLITE_STATIC);
    bool ok = sqlite3_step(st) == SQLITE_ROW;
    out.note_count = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ok ? karak_resp_struct(c, &out) : KARAK_FAIL;
}
/* [/tutorial:me] */

static bool init_db(void)
{
    sqlite3 *db = NULL;
    bool ok = sqlite3_open(db_path, &db) == SQLITE_OK &&
              sqlite3_exec(db,
                           "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY "
                           "AUTOINCREMENT, owner TEXT NOT NULL, title TEXT NOT NULL, body TEXT "
                           "NOT NULL, tags TEXT NOT NULL, author TEXT)",
                           NULL, NULL, NULL) == SQLITE_OK;
    if (!ok) fprintf(stderr, "notes: %s: %s\n", db_path, db ? sqlite3_errmsg(db) : "no memory");
    sqlite3_close(db);
    return ok;
}

static karak_app *notes_app(void)
{
    /* [tutorial:routes] */
    karak_app *app = karak_new(.title = "Notes", .version = "1.0.0");
    karak_post(app, "/notes", create_note, .depends = NOTES_DEPS, .body = &note_in_schema,
               .headers = &request_id_header, .status = 201, .response = &note_schema);
    karak_get(app, "/notes", list_notes, .depends = NOTES_DEPS, .query = &list_query,
              .response = &note_schema, .response_list = true);
    karak_get(app, "/notes/{note_id:int}", get_note, .depends = NOTES_DEPS,
              .response = &note_schema);
    karak_patch(app, "/notes/{note_id:int}", patch_note, .depends = NOTES_DEPS,
                .body = &note_patch_schema, .response = &note_schema);
    karak_delete(app, "/notes/{note_id:int}", delete_note, .depends = NOTES_DEPS, .status = 204);
    karak_get(app, "/me", me, .depends = NOTES_DEPS, .response = &user_out_schema);
    /* [/tutorial:routes] */
    return app;
}

int main(int argc, char **argv)
{
    const char *env = getenv("NOTES_DB");
    if (env != NULL && env[0] != '\0') db_path = env;
    if (!init_db()) return 1;
    karak_app *app = notes_app();
    int rc = karak_run(app, argc, argv);
    karak_app_free(app);
    return rc;
}
