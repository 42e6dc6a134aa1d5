/*
** rules.c — loading Lua rule files into a builder: the declarations of the
** rule language (docs/RULES.md), require, dictionaries, test cases, and the
** lint that `bunryu check` shows.
**
** Declarations are compiled once: each DSL function turns its table into
** bunryu_builder_* calls, after bunryu_builder_set_location() so that every
** diagnostic and every piece of evidence carries the file:line of the
** declaration. A mistake in a declaration is recorded as a diagnostic and
** the file goes on, so that one `bunryu check` shows every mistake; a Lua
** error stops its file only.
**
** The same functions serve a second purpose: a scanner whose rules define
** hooks re-runs the files in its own Lua state with every declaration a
** no-op (the loader has no builder then) to collect the `classify`
** functions.
*/
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_rules.h"

#define LOADED_KEY "bunryu.loaded" /* file name -> module value */
#define LOADER_KEY "bunryu.loader" /* the hook-mode loader userdata */
#define MAX_UNKNOWN_FIELDS 16
#define MAX_REQUIRE_NAME 64

/* A `category "x"` or `entity "x"` still waiting for its { … } body. */
typedef struct pending_decl {
  const char *kind;
  char *name, *file;
  int line;
  bool done;
} pending_decl;

/* A category declared in this load, for the lint at the end. */
typedef struct declared_category {
  char *name, *file;
  int line;
  int positives; /* keywords with a positive weight, and patterns */
} declared_category;

typedef struct loader {
  mem m;
  bunryu_builder *b;     /* NULL: declarations are no-ops (hook mode) */
  rule_set *record;      /* loader mode: every file read, in order */
  const rule_set *serve; /* hook mode: where sources come from */
  rule_tests *tests;
  uint64_t require_limit;
  uint64_t depth;
  int n_errors;
  bool has_hooks;
  pending_decl *pend;
  size_t n_pend, cap_pend;
  declared_category *cats;
  size_t n_cats, cap_cats;
} loader;

/* Where a declaration was written: the rule code calling the DSL. */
typedef struct decl_loc {
  const char *file;
  int line;
} decl_loc;

/* ======================================================================
** Rule sets
** ==================================================================== */

static rule_set *rule_set_new(const mem *m) {
  rule_set *rs = mem_calloc(m, 1, sizeof *rs);
  if (!rs) return NULL;
  rs->m = *m;
  atomic_init(&rs->refs, 1);
  return rs;
}

void rule_set_retain(void *p) {
  rule_set *rs = p;
  atomic_fetch_add(&rs->refs, 1);
}

void rule_set_release(void *p) {
  rule_set *rs = p;
  if (!rs || atomic_fetch_sub(&rs->refs, 1) != 1) return;
  mem m = rs->m;
  for (size_t i = 0; i < rs->n_files; i++) {
    mem_strfree(&m, rs->files[i].name);
    mem_free(&m, rs->files[i].src, rs->files[i].len + 1);
  }
  for (size_t i = 0; i < rs->n_entity_types; i++)
    mem_strfree(&m, rs->entity_types[i]);
  mem_free(&m, rs->entity_types, rs->n_entity_types * sizeof(char *));
  mem_free(&m, rs->files, rs->cap_files * sizeof *rs->files);
  mem_free(&m, rs, sizeof *rs);
}

static const rule_source *rule_set_find(const rule_set *rs, const char *name) {
  for (size_t i = 0; rs && i < rs->n_files; i++)
    if (strcmp(rs->files[i].name, name) == 0) return &rs->files[i];
  return NULL;
}

/* Appends a file; takes ownership of src. -1 when out of memory (src is
   then freed). */
static int rule_set_add(rule_set *rs, const char *name, char *src, size_t len,
                        bool top) {
  char *n = mem_strdup(&rs->m, name);
  if (!n || mem_grow(&rs->m, (void **)&rs->files, &rs->cap_files,
                     rs->n_files + 1, sizeof *rs->files) < 0) {
    mem_strfree(&rs->m, n);
    mem_free(&rs->m, src, len + 1);
    return -1;
  }
  rs->files[rs->n_files++] = (rule_source){n, src, len, top};
  return 0;
}

/* A copy of src's files and of the builder's entity type names. */
static int rule_set_copy_files(rule_set *dst, const rule_set *src) {
  for (size_t i = 0; src && i < src->n_files; i++) {
    const rule_source *f = &src->files[i];
    if (rule_set_find(dst, f->name)) continue;
    char *copy = mem_strndup(&dst->m, f->src, f->len);
    if (!copy || rule_set_add(dst, f->name, copy, f->len, f->top) < 0)
      return -1;
  }
  return 0;
}

static int rule_set_copy_entity_types(rule_set *rs, const bunryu_builder *b) {
  if (b->n_ents == 0) return 0;
  rs->entity_types = mem_calloc(&rs->m, b->n_ents, sizeof(char *));
  if (!rs->entity_types) return -1;
  rs->n_entity_types = b->n_ents;
  for (size_t i = 0; i < b->n_ents; i++)
    if (!(rs->entity_types[i] = mem_strdup(&rs->m, b->ents[i].name))) return -1;
  return 0;
}

/* ======================================================================
** Files
** ==================================================================== */

/* Reads a whole file into a NUL-terminated buffer from m; 0 or errno. */
static int read_whole_file(const mem *m, const char *path, char **out,
                           size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return errno;
  size_t cap = 4096, n = 0;
  char *buf = mem_alloc(m, cap);
  int rc = buf ? 0 : ENOMEM;
  while (rc == 0) {
    if (n + 1 >= cap) {
      if (mem_grow(m, (void **)&buf, &cap, cap * 2, 1) < 0) {
        rc = ENOMEM;
        break;
      }
    }
    size_t got = fread(buf + n, 1, cap - n - 1, f);
    n += got;
    if (got == 0) {
      if (ferror(f)) rc = EIO;
      break;
    }
  }
  fclose(f);
  char *exact = rc == 0 ? mem_strndup(m, buf, n) : NULL;
  mem_free(m, buf, cap);
  if (rc != 0) return rc;
  if (!exact) return ENOMEM;
  *out = exact;
  *len = n;
  return 0;
}

/* The folder part of a file name ("" for a bare name), into out. */
static void folder_of(const char *file, char *out, size_t outlen) {
  const char *slash = strrchr(file, '/');
  size_t n = slash ? (size_t)(slash - file) : 0;
  if (slash == file) n = 1; /* "/x.lua" */
  if (n >= outlen) n = outlen - 1;
  memcpy(out, file, n);
  out[n] = '\0';
}

/* folder + "/" + name (or name alone when folder is ""). */
static void join_path(const char *folder, const char *name, char *out,
                      size_t outlen) {
  if (!*folder)
    snprintf(out, outlen, "%s", name);
  else if (folder[strlen(folder) - 1] == '/')
    snprintf(out, outlen, "%s%s", folder, name);
  else
    snprintf(out, outlen, "%s/%s", folder, name);
}

/* A relative path that stays inside its folder: no leading '/', no "..". */
static bool path_stays_inside(const char *p) {
  if (!*p || *p == '/') return false;
  for (const char *seg = p; seg; seg = strchr(seg, '/')) {
    if (*seg == '/') seg++;
    if (seg[0] == '.' && seg[1] == '.' && (seg[2] == '/' || seg[2] == '\0'))
      return false;
  }
  return true;
}

/* ======================================================================
** Diagnostics
** ==================================================================== */

static loader *get_loader(lua_State *L) {
  return lua_touserdata(L, lua_upvalueindex(1));
}

/* The file:line of the rule code that called the running C function. */
static decl_loc caller_loc(lua_State *L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar)) break;
    if (ar.currentline > 0 && ar.source[0] == '@')
      return (decl_loc){ar.source + 1, ar.currentline};
  }
  return (decl_loc){NULL, 0};
}

static void vreport(loader *ld, int severity, decl_loc at, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));
static void vreport(loader *ld, int severity, decl_loc at, const char *fmt,
                    va_list ap) {
  char msg[900];
  vsnprintf(msg, sizeof msg, fmt, ap);
  builder_diag(ld->b, severity, BUNRYU_ERULE, at.file, at.line, -1, "%s", msg);
  if (severity == BUNRYU_DIAG_ERROR) ld->n_errors++;
}

static void rule_error(loader *ld, decl_loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rule_error(loader *ld, decl_loc at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(ld, BUNRYU_DIAG_ERROR, at, fmt, ap);
  va_end(ap);
}

static void rule_warning(loader *ld, decl_loc at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void rule_warning(loader *ld, decl_loc at, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(ld, BUNRYU_DIAG_WARNING, at, fmt, ap);
  va_end(ap);
}

/*
** Checks the result of a builder call: errors were recorded by the builder
** (with the location set before the call); running out of memory stops
** the file.
*/
static int check_rc(lua_State *L, loader *ld, int rc) {
  if (rc == BUNRYU_ENOMEM) return luaL_error(L, "out of memory");
  if (rc < 0) ld->n_errors++;
  return rc;
}

static void locate(lua_State *L, loader *ld, decl_loc at) {
  check_rc(L, ld, bunryu_builder_set_location(ld->b, at.file, at.line));
}

/* ======================================================================
** Reading declaration tables
** ==================================================================== */

static int compare_strings(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_allowed(const char *key, const char *const allowed[]) {
  for (size_t i = 0; allowed[i]; i++)
    if (strcmp(key, allowed[i]) == 0) return true;
  return false;
}

/*
** Reports the fields of the table at t that `what` does not know (sorted,
** so that the output does not depend on hash order), and list items when
** items are not expected (max_items: how many list items are allowed).
** Returns false when something was reported.
*/
static bool check_fields(lua_State *L, loader *ld, decl_loc at, int t,
                         const char *what, const char *const allowed[],
                         lua_Integer max_items) {
  const char *unknown[MAX_UNKNOWN_FIELDS];
  size_t n = 0;
  bool stray_item = false;
  t = lua_absindex(L, t);
  lua_pushnil(L);
  while (lua_next(L, t)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char *k = lua_tostring(L, -1);
      if (!is_allowed(k, allowed) && n < MAX_UNKNOWN_FIELDS) unknown[n++] = k;
    } else if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 1 ||
               lua_tointeger(L, -1) > max_items) {
      stray_item = true;
    }
  }
  qsort(unknown, n, sizeof *unknown, compare_strings);
  for (size_t i = 0; i < n; i++)
    rule_error(ld, at, "%s: unknown field \"%s\"", what, unknown[i]);
  if (stray_item)
    rule_error(ld, at, "%s: unexpected list item (fields are written "
                       "name = value)", what);
  return n == 0 && !stray_item;
}

/* Pushes t[key] (raw) and returns its type. */
static int raw_field(lua_State *L, int t, const char *key) {
  lua_pushstring(L, key);
  return lua_rawget(L, t < 0 ? t - 1 : t);
}

/* Reads a number field; def when absent. False (reported) when mistyped. */
static bool number_field(lua_State *L, loader *ld, decl_loc at, int t,
                         const char *what, const char *key, double def,
                         double *out) {
  int type = raw_field(L, t, key);
  *out = def;
  bool ok = true;
  if (type == LUA_TNUMBER) {
    *out = lua_tonumber(L, -1);
    if (!isfinite(*out)) {
      rule_error(ld, at, "%s: %s must be a finite number", what, key);
      ok = false;
      *out = def;
    }
  } else if (type != LUA_TNIL) {
    rule_error(ld, at, "%s: %s must be a number, not %s", what, key,
               luaL_typename(L, -1));
    ok = false;
  }
  lua_pop(L, 1);
  return ok;
}

static bool bool_field(lua_State *L, loader *ld, decl_loc at, int t,
                       const char *what, const char *key, bool def,
                       bool *out) {
  int type = raw_field(L, t, key);
  *out = def;
  bool ok = true;
  if (type == LUA_TBOOLEAN)
    *out = lua_toboolean(L, -1);
  else if (type != LUA_TNIL) {
    rule_error(ld, at, "%s: %s must be true or false, not %s", what, key,
               luaL_typename(L, -1));
    ok = false;
  }
  lua_pop(L, 1);
  return ok;
}

/* Reads a string field and leaves it on the stack (nil when absent or
   mistyped); returns it or NULL. */
static const char *string_field(lua_State *L, loader *ld, decl_loc at, int t,
                                const char *what, const char *key) {
  int type = raw_field(L, t, key);
  if (type == LUA_TSTRING) return lua_tostring(L, -1);
  if (type != LUA_TNIL)
    rule_error(ld, at, "%s: %s must be a string, not %s", what, key,
               luaL_typename(L, -1));
  lua_pop(L, 1);
  lua_pushnil(L);
  return NULL;
}

/* Reads a non-negative integer field into *out (def when absent). */
static bool count_field(lua_State *L, loader *ld, decl_loc at, int t,
                        const char *what, const char *key, lua_Integer def,
                        lua_Integer max, lua_Integer *out) {
  int type = raw_field(L, t, key);
  *out = def;
  bool ok = true;
  if (type != LUA_TNIL) {
    if (!lua_isinteger(L, -1) || lua_tointeger(L, -1) < 0 ||
        lua_tointeger(L, -1) > max) {
      rule_error(ld, at, "%s: %s must be a whole number from 0 to %lld",
                 what, key, (long long)max);
      ok = false;
    } else {
      *out = lua_tointeger(L, -1);
    }
  }
  lua_pop(L, 1);
  return ok;
}

/* The zone bit named s, or 0. */
static unsigned zone_named(const char *s) {
  if (strcmp(s, "title") == 0) return BUNRYU_ZONE_TITLE;
  if (strcmp(s, "lead") == 0) return BUNRYU_ZONE_LEAD;
  if (strcmp(s, "body") == 0) return BUNRYU_ZONE_BODY;
  return 0;
}

/* zones = "title" or { "title", "lead" }: a mask (0: every zone). */
static unsigned zones_field(lua_State *L, loader *ld, decl_loc at, int t,
                            const char *what) {
  int type = raw_field(L, t, "zones");
  unsigned mask = 0;
  if (type == LUA_TSTRING) {
    mask = zone_named(lua_tostring(L, -1));
    if (!mask)
      rule_error(ld, at, "%s: unknown zone \"%s\" (title, lead or body)",
                 what, lua_tostring(L, -1));
  } else if (type == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      unsigned z = lua_type(L, -1) == LUA_TSTRING
                       ? zone_named(lua_tostring(L, -1)) : 0;
      if (!z)
        rule_error(ld, at, "%s: zones lists title, lead or body", what);
      mask |= z;
      lua_pop(L, 1);
    }
  } else if (type != LUA_TNIL) {
    rule_error(ld, at, "%s: zones must be a zone name or a list of them",
               what);
  }
  lua_pop(L, 1);
  return mask;
}

/*
** Pushes the list in field `key` of t (or nothing, returning -1, when it
** is absent or reported as mistyped); returns its length. A single string
** counts as a list of one when one_ok.
*/
static lua_Integer list_field(lua_State *L, loader *ld, decl_loc at, int t,
                              const char *what, const char *key,
                              bool one_ok) {
  int type = raw_field(L, t, key);
  if (type == LUA_TSTRING && one_ok) {
    lua_createtable(L, 1, 0);
    lua_insert(L, -2);
    lua_rawseti(L, -2, 1);
    return 1;
  }
  if (type == LUA_TTABLE) {
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    lua_Integer seen = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
      lua_pop(L, 1);
      seen++;
    }
    if (seen != n) {
      rule_error(ld, at, "%s: %s must be a list { … } without named fields",
                 what, key);
      lua_pop(L, 1);
      return -1;
    }
    return n;
  }
  if (type != LUA_TNIL)
    rule_error(ld, at, "%s: %s must be a list, not %s", what, key,
               luaL_typename(L, -1));
  lua_pop(L, 1);
  return -1;
}

/* ======================================================================
** Keywords and patterns of a category
** ==================================================================== */

typedef struct category_ctx {
  int id;
  const char *name;
  double weight;
  decl_loc at;
  int positives;
} category_ctx;

static const char *const term_fields[] = {"weight", "caseless", "zones",
                                          "word", NULL};
static const char *const pattern_fields[] = {"weight", "caseless", "zones",
                                             NULL};

/*
** One item of a keywords/negative/patterns list, on top of the stack: a
** string, or a table { "text", options… }. Fills the options and returns
** the text, or NULL (reported).
*/
typedef struct term_opts {
  double weight;
  unsigned zones;
  bool caseless, word;
} term_opts;

/*
** The string at idx, or NULL with an error when it holds a NUL byte: the
** engine takes C strings, so "a\0b" would silently become "a".
*/
static const char *nul_free(lua_State *L, loader *ld, decl_loc at, int idx,
                            const char *what) {
  size_t n;
  const char *s = lua_tolstring(L, idx, &n);
  if (s && strlen(s) != n) {
    rule_error(ld, at, "%s: \"%s\" contains a NUL byte", what, s);
    return NULL;
  }
  return s;
}

static const char *read_term(lua_State *L, loader *ld, decl_loc at,
                             const char *what, const char *const fields[],
                             term_opts *o) {
  if (lua_type(L, -1) == LUA_TSTRING) return nul_free(L, ld, at, -1, what);
  if (lua_type(L, -1) != LUA_TTABLE) {
    rule_error(ld, at, "%s: items are strings or { \"text\", options… }, "
                       "not %s", what, luaL_typename(L, -1));
    return NULL;
  }
  bool ok = check_fields(L, ld, at, -1, what, fields, 1);
  ok &= number_field(L, ld, at, -1, what, "weight", o->weight, &o->weight);
  ok &= bool_field(L, ld, at, -1, what, "caseless", o->caseless, &o->caseless);
  if (fields == term_fields)
    ok &= bool_field(L, ld, at, -1, what, "word", o->word, &o->word);
  o->zones = zones_field(L, ld, at, -1, what);
  lua_rawgeti(L, -1, 1);
  bool is_string = lua_type(L, -1) == LUA_TSTRING;
  const char *text = is_string ? nul_free(L, ld, at, -1, what) : NULL;
  lua_pop(L, 1); /* still anchored by the item table */
  if (!is_string) {
    rule_error(ld, at, "%s: an item table needs its text first: "
                       "{ \"text\", … }", what);
    return NULL;
  }
  return ok ? text : NULL;
}

/*
** Warns about a term listed twice in one category (seen: a table at the
** top of the stack mapping term -> the list it was in).
*/
static void lint_duplicate(lua_State *L, loader *ld, category_ctx *c,
                           const char *term, const char *list) {
  lua_pushstring(L, term);
  if (lua_rawget(L, -2) == LUA_TSTRING) {
    const char *first = lua_tostring(L, -1);
    if (strcmp(first, list) == 0)
      rule_warning(ld, c->at, "category \"%s\": \"%s\" is listed twice in %s",
                   c->name, term, list);
    else
      rule_warning(ld, c->at, "category \"%s\": \"%s\" is in both keywords "
                              "and negative", c->name, term);
  }
  lua_pop(L, 1);
  lua_pushstring(L, term);
  lua_pushstring(L, list);
  lua_rawset(L, -3);
}

/* keywords = { … } or negative = { … } (weights subtracted). The table of
   seen terms is on top of the stack; the body at index t. */
static void add_keywords(lua_State *L, loader *ld, category_ctx *c, int t,
                         const char *key) {
  bool negative = strcmp(key, "negative") == 0;
  char what[300];
  snprintf(what, sizeof what, "category \"%s\" %s", c->name, key);
  lua_Integer n = list_field(L, ld, c->at, t, what, key, false);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    term_opts o = {c->weight, 0, false, false};
    const char *term = read_term(L, ld, c->at, what, term_fields, &o);
    /* 0 is allowed: a negative term of weight 0 only keeps the keywords
       inside it from counting (방법 for 법). */
    if (term && negative && !(o.weight >= 0)) {
      rule_error(ld, c->at, "%s: \"%s\": the weight of a negative keyword is "
                            "written positive or 0 (it is subtracted)", what,
                 term);
      term = NULL;
    }
    if (term) {
      lua_pushvalue(L, -3); /* seen */
      lint_duplicate(L, ld, c, term, key);
      lua_pop(L, 1);
      unsigned flags = (o.caseless ? BUNRYU_LIT_CASELESS : 0) |
                       (o.word ? BUNRYU_LIT_WORD : 0);
      locate(L, ld, c->at);
      double w = negative ? -o.weight : o.weight;
      if (check_rc(L, ld, bunryu_builder_add_keyword(ld->b, c->id, term, w,
                                                     o.zones, flags)) >= 0 &&
          w > 0)
        c->positives++;
    }
    lua_pop(L, 1);
  }
  if (n >= 0) lua_pop(L, 1);
}

static void add_patterns(lua_State *L, loader *ld, category_ctx *c, int t) {
  char what[300];
  snprintf(what, sizeof what, "category \"%s\" patterns", c->name);
  lua_Integer n = list_field(L, ld, c->at, t, what, "patterns", false);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    term_opts o = {c->weight, 0, false, false};
    const char *re = read_term(L, ld, c->at, what, pattern_fields, &o);
    if (re) {
      locate(L, ld, c->at);
      if (check_rc(L, ld, bunryu_builder_add_pattern(
                              ld->b, c->id, re, o.weight, o.zones,
                              o.caseless ? BUNRYU_RE_CASELESS : 0)) >= 0 &&
          o.weight > 0)
        c->positives++;
    }
    lua_pop(L, 1);
  }
  if (n >= 0) lua_pop(L, 1);
}

/* zones = { title = 3, lead = 2, body = 1 }: zone multipliers. */
static void set_zone_weights(lua_State *L, loader *ld, category_ctx *c,
                             int t) {
  static const char *const zone_fields[] = {"title", "lead", "body", NULL};
  char what[300];
  snprintf(what, sizeof what, "category \"%s\" zones", c->name);
  int type = raw_field(L, t, "zones");
  if (type == LUA_TTABLE) {
    check_fields(L, ld, c->at, -1, what, zone_fields, 0);
    for (int i = 0; zone_fields[i]; i++) {
      double w;
      if (raw_field(L, -1, zone_fields[i]) != LUA_TNIL) {
        lua_pop(L, 1);
        if (number_field(L, ld, c->at, -1, what, zone_fields[i], 1.0, &w)) {
          locate(L, ld, c->at);
          check_rc(L, ld, bunryu_builder_set_zone_weight(
                              ld->b, c->id, zone_named(zone_fields[i]), w));
        }
      } else {
        lua_pop(L, 1);
      }
    }
  } else if (type != LUA_TNIL) {
    rule_error(ld, c->at, "%s: expected { title = n, lead = n, body = n }",
               what);
  }
  lua_pop(L, 1);
}

/* ======================================================================
** Pending declarations (a name without its { … } body)
** ==================================================================== */

static size_t pend_add(lua_State *L, loader *ld, const char *kind,
                       const char *name, decl_loc at) {
  if (mem_grow(&ld->m, (void **)&ld->pend, &ld->cap_pend, ld->n_pend + 1,
               sizeof *ld->pend) < 0)
    luaL_error(L, "out of memory");
  pending_decl p = {kind, mem_strdup(&ld->m, name),
                    at.file ? mem_strdup(&ld->m, at.file) : NULL, at.line,
                    false};
  if (!p.name || (at.file && !p.file)) {
    mem_strfree(&ld->m, p.name);
    mem_strfree(&ld->m, p.file);
    luaL_error(L, "out of memory");
  }
  ld->pend[ld->n_pend] = p;
  return ld->n_pend++;
}

static void pend_report(loader *ld) {
  for (size_t i = 0; i < ld->n_pend; i++) {
    pending_decl *p = &ld->pend[i];
    if (!p->done)
      rule_error(ld, (decl_loc){p->file, p->line},
                 "%s \"%s\" has no body: write %s \"%s\" { … }", p->kind,
                 p->name, p->kind, p->name);
  }
}

static void pend_free(loader *ld) {
  for (size_t i = 0; i < ld->n_pend; i++) {
    mem_strfree(&ld->m, ld->pend[i].name);
    mem_strfree(&ld->m, ld->pend[i].file);
  }
  mem_free(&ld->m, ld->pend, ld->cap_pend * sizeof *ld->pend);
  for (size_t i = 0; i < ld->n_cats; i++) {
    mem_strfree(&ld->m, ld->cats[i].name);
    mem_strfree(&ld->m, ld->cats[i].file);
  }
  mem_free(&ld->m, ld->cats, ld->cap_cats * sizeof *ld->cats);
}

/* A no-op body, for declarations in hook mode or after a reported error. */
static int noop(lua_State *L) {
  (void)L;
  return 0;
}

/*
** category "name" / entity "name": checks the name and returns the body
** function (a closure over the loader, the name and its pending slot).
*/
static int declare_named(lua_State *L, const char *kind, lua_CFunction body) {
  loader *ld = get_loader(L);
  if (!ld->b) {
    lua_pushcfunction(L, noop);
    return 1;
  }
  decl_loc at = caller_loc(L);
  if (lua_type(L, 1) != LUA_TSTRING || lua_rawlen(L, 1) == 0) {
    rule_error(ld, at, "%s: expected a name: %s \"name\" { … }", kind, kind);
    lua_pushcfunction(L, noop);
    return 1;
  }
  const char *name = nul_free(L, ld, at, 1, kind);
  if (!name) {
    lua_pushcfunction(L, noop);
    return 1;
  }
  size_t slot = pend_add(L, ld, kind, name, at);
  lua_pushlightuserdata(L, ld);
  lua_pushvalue(L, 1);
  lua_pushinteger(L, (lua_Integer)slot);
  lua_pushcclosure(L, body, 3);
  return 1;
}

/* Whether a declaration's one argument is a table (then the only value
   on the stack); reports `usage` otherwise. */
static bool table_argument(lua_State *L, loader *ld, decl_loc at,
                           const char *usage) {
  if (lua_type(L, 1) != LUA_TTABLE) {
    rule_error(ld, at, "%s", usage);
    return false;
  }
  lua_settop(L, 1);
  return true;
}

/* The body's name, after marking its declaration complete; NULL when the
   argument is not a table (reported). */
static const char *begin_body(lua_State *L, loader *ld, const char *kind,
                              decl_loc at) {
  ld->pend[lua_tointeger(L, lua_upvalueindex(3))].done = true;
  const char *name = lua_tostring(L, lua_upvalueindex(2));
  if (lua_type(L, 1) != LUA_TTABLE) {
    rule_error(ld, at, "%s \"%s\": expected a table: %s \"%s\" { … }", kind,
               name, kind, name);
    return NULL;
  }
  lua_settop(L, 1);
  return name;
}

/* ======================================================================
** category
** ==================================================================== */

static const char *const category_fields[] = {
    "label", "weight", "zones", "threshold", "max_count",
    "keywords", "negative", "patterns", NULL};

static void remember_category(lua_State *L, loader *ld, const category_ctx *c) {
  if (mem_grow(&ld->m, (void **)&ld->cats, &ld->cap_cats, ld->n_cats + 1,
               sizeof *ld->cats) < 0)
    luaL_error(L, "out of memory");
  declared_category d = {mem_strdup(&ld->m, c->name),
                         c->at.file ? mem_strdup(&ld->m, c->at.file) : NULL,
                         c->at.line, c->positives};
  if (!d.name) luaL_error(L, "out of memory");
  ld->cats[ld->n_cats++] = d;
}

static int category_body(lua_State *L) {
  loader *ld = get_loader(L);
  decl_loc at = caller_loc(L);
  const char *name = begin_body(L, ld, "category", at);
  if (!name) return 0;
  char what[300];
  snprintf(what, sizeof what, "category \"%s\"", name);
  check_fields(L, ld, at, 1, what, category_fields, 0);
  category_ctx c = {-1, name, 1.0, at, 0};
  const char *label = string_field(L, ld, at, 1, what, "label");
  locate(L, ld, at);
  c.id = check_rc(L, ld, bunryu_builder_add_category(ld->b, name, label));
  lua_pop(L, 1);
  if (c.id < 0) return 0;
  number_field(L, ld, at, 1, what, "weight", 1.0, &c.weight);
  double threshold;
  if (raw_field(L, 1, "threshold") != LUA_TNIL &&
      number_field(L, ld, at, 1, what, "threshold", 0, &threshold))
    check_rc(L, ld, bunryu_builder_set_threshold(ld->b, c.id, threshold));
  lua_pop(L, 1);
  lua_Integer max_count;
  if (count_field(L, ld, at, 1, what, "max_count", 0, UINT32_MAX, &max_count))
    check_rc(L, ld, bunryu_builder_set_max_count(ld->b, c.id,
                                                 (unsigned)max_count));
  set_zone_weights(L, ld, &c, 1);
  lua_newtable(L); /* terms seen, for the duplicate lint */
  add_keywords(L, ld, &c, 1, "keywords");
  add_keywords(L, ld, &c, 1, "negative");
  lua_pop(L, 1);
  add_patterns(L, ld, &c, 1);
  remember_category(L, ld, &c);
  return 0;
}

static int dsl_category(lua_State *L) {
  return declare_named(L, "category", category_body);
}

/* ======================================================================
** entity
** ==================================================================== */

static const char *const entity_fields[] = {
    "priority", "word", "caseless", "dictionary", "aliases", "patterns", NULL};
static const char *const alias_fields[] = {"caseless", "word", NULL};

typedef struct entity_ctx {
  int id;
  const char *name;
  bool word, caseless;
  decl_loc at;
} entity_ctx;

static unsigned lit_flags(bool caseless, bool word) {
  return (caseless ? BUNRYU_LIT_CASELESS : 0) | (word ? BUNRYU_LIT_WORD : 0);
}

/* Whether c is one of the bytes of cut (not its NUL): a loop, not strchr,
   as it runs twice for each column of each dictionary line. */
static bool is_cut(const char *cut, char c) {
  for (; *cut; cut++)
    if (*cut == c) return true;
  return false;
}

/* Cuts the bytes of `cut` off both ends of s[0..*len) in place. */
static char *trim(char *s, size_t *len, const char *cut) {
  while (*len && is_cut(cut, s[0])) {
    s++;
    (*len)--;
  }
  while (*len && is_cut(cut, s[*len - 1])) (*len)--;
  s[*len] = '\0';
  return s;
}

/*
** Adds the aliases of one dictionary file: canonical<TAB>alias lines ('#'
** comments and blank lines skipped; one column means alias = canonical),
** each with the dictionary's own file:line. Returns the lines' problems
** through the builder's diagnostics.
*/
static void add_dictionary_lines(lua_State *L, loader *ld, entity_ctx *e,
                                 const char *path, char *buf, size_t len) {
  int lineno = 0;
  char *p = buf, *end = buf + len;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    char *stop = nl ? nl : end;
    *stop = '\0';
    lineno++;
    size_t n = (size_t)(stop - p);
    char *line = trim(p, &n, " \r");
    p = stop + 1;
    if (n == 0 || line[0] == '#') continue;
    char *tab = strchr(line, '\t');
    const char *canonical = line, *alias = line;
    if (tab) {
      *tab = '\0';
      alias = tab + 1;
      size_t cl = (size_t)(tab - line), al = strlen(alias);
      canonical = trim(line, &cl, " ");
      alias = trim((char *)alias, &al, " ");
      if (strchr(alias, '\t') || !*canonical || !*alias) {
        rule_error(ld, (decl_loc){path, lineno},
                   "expected canonical<TAB>alias (or one name)");
        continue;
      }
    }
    check_rc(L, ld, bunryu_builder_set_location(ld->b, path, lineno));
    check_rc(L, ld, bunryu_builder_add_alias(ld->b, e->id, canonical, alias,
                                             lit_flags(e->caseless, e->word)));
  }
}

static void add_dictionary(lua_State *L, loader *ld, entity_ctx *e,
                           const char *rel) {
  if (!path_stays_inside(rel)) {
    rule_error(ld, e->at, "entity \"%s\": dictionary \"%s\" must be a path "
                          "inside the rule file's folder", e->name, rel);
    return;
  }
  char folder[4096], path[4096];
  folder_of(e->at.file ? e->at.file : "", folder, sizeof folder);
  join_path(folder, rel, path, sizeof path);
  char *buf;
  size_t len;
  int rc = read_whole_file(&ld->m, path, &buf, &len);
  if (rc != 0) {
    if (rc == ENOMEM) luaL_error(L, "out of memory");
    rule_error(ld, e->at, "entity \"%s\": cannot read dictionary %s: %s",
               e->name, path, strerror(rc));
    return;
  }
  /* Copy the path: the location strings must outlive this call only as
     long as the builder interns them, which it does. */
  add_dictionary_lines(L, ld, e, path, buf, len);
  mem_free(&ld->m, buf, len + 1);
  locate(L, ld, e->at);
}

static void add_dictionaries(lua_State *L, loader *ld, entity_ctx *e) {
  char what[300];
  snprintf(what, sizeof what, "entity \"%s\" dictionary", e->name);
  lua_Integer n = list_field(L, ld, e->at, 1, what, "dictionary", true);
  for (lua_Integer i = 1; i <= n; i++) {
    if (lua_rawgeti(L, -1, i) == LUA_TSTRING)
      add_dictionary(L, ld, e, lua_tostring(L, -1));
    else
      rule_error(ld, e->at, "%s: expected file names", what);
    lua_pop(L, 1);
  }
  if (n >= 0) lua_pop(L, 1);
}

/* One alias item (on top of the stack) of canonical. */
static void add_alias_item(lua_State *L, loader *ld, entity_ctx *e,
                           const char *canonical, const char *what) {
  bool caseless = e->caseless, word = e->word;
  const char *alias = NULL;
  if (lua_type(L, -1) == LUA_TSTRING) {
    alias = nul_free(L, ld, e->at, -1, what);
  } else if (lua_type(L, -1) == LUA_TTABLE) {
    bool ok = check_fields(L, ld, e->at, -1, what, alias_fields, 1);
    ok &= bool_field(L, ld, e->at, -1, what, "caseless", caseless, &caseless);
    ok &= bool_field(L, ld, e->at, -1, what, "word", word, &word);
    lua_rawgeti(L, -1, 1);
    bool is_string = lua_type(L, -1) == LUA_TSTRING;
    alias = is_string ? nul_free(L, ld, e->at, -1, what) : NULL;
    lua_pop(L, 1);
    if (!is_string)
      rule_error(ld, e->at, "%s: an item table needs its alias first", what);
    if (!ok) alias = NULL;
  } else {
    rule_error(ld, e->at, "%s: aliases are strings or { \"alias\", "
                          "options… }", what);
  }
  if (!alias) return;
  locate(L, ld, e->at);
  check_rc(L, ld, bunryu_builder_add_alias(ld->b, e->id, canonical, alias,
                                           lit_flags(caseless, word)));
}

/* aliases = { Canonical = { … } }, canonical names in byte order. */
static void add_inline_aliases(lua_State *L, loader *ld, entity_ctx *e) {
  char what[300];
  snprintf(what, sizeof what, "entity \"%s\" aliases", e->name);
  int type = raw_field(L, 1, "aliases");
  if (type != LUA_TTABLE) {
    if (type != LUA_TNIL)
      rule_error(ld, e->at, "%s: expected { Canonical = { \"alias\", … } }",
                 what);
    lua_pop(L, 1);
    return;
  }
  int aliases = lua_gettop(L);
  lua_newtable(L); /* sorted canonical names */
  int keys = lua_gettop(L);
  lua_Integer n = 0;
  lua_pushnil(L);
  while (lua_next(L, aliases)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING) {
      rule_error(ld, e->at, "%s: keys are canonical names (strings)", what);
      continue;
    }
    lua_pushvalue(L, -1);
    lua_rawseti(L, keys, ++n);
  }
  size_t count = (size_t)n;
  const char **names = mem_calloc(&ld->m, count ? count : 1, sizeof *names);
  if (!names) luaL_error(L, "out of memory");
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, keys, i);
    names[i - 1] = lua_tostring(L, -1); /* anchored in keys */
    lua_pop(L, 1);
  }
  qsort(names, count, sizeof *names, compare_strings);
  for (size_t i = 0; i < count; i++) {
    lua_getfield(L, aliases, names[i]);
    if (lua_type(L, -1) == LUA_TTABLE) {
      lua_Integer m = (lua_Integer)lua_rawlen(L, -1);
      for (lua_Integer j = 1; j <= m; j++) {
        lua_rawgeti(L, -1, j);
        add_alias_item(L, ld, e, names[i], what);
        lua_pop(L, 1);
      }
    } else {
      add_alias_item(L, ld, e, names[i], what);
    }
    lua_pop(L, 1);
  }
  mem_free(&ld->m, names, (count ? count : 1) * sizeof *names);
  lua_settop(L, aliases - 1);
}

static void add_entity_patterns(lua_State *L, loader *ld, entity_ctx *e) {
  static const char *const fields[] = {"caseless", NULL};
  char what[300];
  snprintf(what, sizeof what, "entity \"%s\" patterns", e->name);
  lua_Integer n = list_field(L, ld, e->at, 1, what, "patterns", true);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    term_opts o = {0, 0, e->caseless, false};
    const char *re = read_term(L, ld, e->at, what, fields, &o);
    if (re) {
      locate(L, ld, e->at);
      check_rc(L, ld, bunryu_builder_add_entity_pattern(
                          ld->b, e->id, re,
                          o.caseless ? BUNRYU_RE_CASELESS : 0));
    }
    lua_pop(L, 1);
  }
  if (n >= 0) lua_pop(L, 1);
}

static int entity_body(lua_State *L) {
  loader *ld = get_loader(L);
  decl_loc at = caller_loc(L);
  const char *name = begin_body(L, ld, "entity", at);
  if (!name) return 0;
  char what[300];
  snprintf(what, sizeof what, "entity \"%s\"", name);
  check_fields(L, ld, at, 1, what, entity_fields, 0);
  entity_ctx e = {-1, name, false, false, at};
  lua_Integer priority;
  count_field(L, ld, at, 1, what, "priority", 0, INT32_MAX, &priority);
  bool_field(L, ld, at, 1, what, "word", false, &e.word);
  bool_field(L, ld, at, 1, what, "caseless", false, &e.caseless);
  locate(L, ld, at);
  e.id = check_rc(L, ld, bunryu_builder_add_entity_type(ld->b, name,
                                                        (int)priority));
  if (e.id < 0) return 0;
  add_dictionaries(L, ld, &e);
  add_inline_aliases(L, ld, &e);
  add_entity_patterns(L, ld, &e);
  return 0;
}

static int dsl_entity(lua_State *L) {
  return declare_named(L, "entity", entity_body);
}

/* ======================================================================
** ignore, settings
** ==================================================================== */

static int dsl_ignore(lua_State *L) {
  static const char *const fields[] = {"caseless", NULL};
  loader *ld = get_loader(L);
  if (!ld->b) return 0;
  decl_loc at = caller_loc(L);
  if (!table_argument(L, ld, at,
                      "ignore: expected a list of patterns: ignore { … }"))
    return 0;
  lua_newtable(L);
  lua_pushvalue(L, 1);
  lua_setfield(L, 2, "ignore");
  lua_Integer n = list_field(L, ld, at, 2, "ignore", "ignore", false);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    term_opts o = {0, 0, false, false};
    const char *re = read_term(L, ld, at, "ignore", fields, &o);
    if (re) {
      locate(L, ld, at);
      check_rc(L, ld, bunryu_builder_add_ignore(
                          ld->b, re, o.caseless ? BUNRYU_RE_CASELESS : 0));
    }
    lua_pop(L, 1);
  }
  return 0;
}

static int dsl_settings(lua_State *L) {
  static const char *const fields[] = {"threshold", "lead_bytes", NULL};
  loader *ld = get_loader(L);
  if (!ld->b) return 0;
  decl_loc at = caller_loc(L);
  if (!table_argument(L, ld, at,
                      "settings: expected a table: settings { … }"))
    return 0;
  check_fields(L, ld, at, 1, "settings", fields, 0);
  double threshold;
  if (raw_field(L, 1, "threshold") != LUA_TNIL &&
      number_field(L, ld, at, 1, "settings", "threshold", 1.0, &threshold)) {
    locate(L, ld, at);
    check_rc(L, ld, bunryu_builder_set_threshold(ld->b, -1, threshold));
  }
  lua_pop(L, 1);
  lua_Integer lead;
  if (raw_field(L, 1, "lead_bytes") != LUA_TNIL &&
      count_field(L, ld, at, 1, "settings", "lead_bytes", 0, INT32_MAX,
                  &lead)) {
    if (lead == 0)
      rule_error(ld, at, "settings: lead_bytes must be above 0");
    else
      check_rc(L, ld, bunryu_builder_set_limit(ld->b, BUNRYU_LIMIT_LEAD_BYTES,
                                               (uint64_t)lead));
  }
  lua_pop(L, 1);
  return 0;
}

/* ======================================================================
** test
** ==================================================================== */

static const char *const test_fields[] = {"name", "title", "text", "label",
                                          "entities", "absent", NULL};

/* Frees one test case's strings (the case was never added). */
static void drop_test(rule_tests *t, rule_test *c) {
  mem_strfree(&t->m, c->file);
  mem_strfree(&t->m, c->name);
  if (c->title) mem_free(&t->m, c->title, c->title_len + 1);
  if (c->text) mem_free(&t->m, c->text, c->text_len + 1);
  mem_strfree(&t->m, c->label);
  for (size_t j = 0; j < c->n_ents; j++) {
    mem_strfree(&t->m, c->ents[j].type);
    mem_strfree(&t->m, c->ents[j].name);
  }
  mem_free(&t->m, c->ents, c->cap_ents * sizeof *c->ents);
}

void rule_tests_free(rule_tests *t) {
  if (!t) return;
  for (size_t i = 0; i < t->n; i++) drop_test(t, &t->items[i]);
  mem_free(&t->m, t->items, t->cap * sizeof *t->items);
  t->items = NULL;
  t->n = t->cap = 0;
}

/* A copy of the string at idx (NULL when it is not a string). */
static char *copy_string(lua_State *L, const mem *m, int idx, size_t *len) {
  size_t n = 0;
  const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tolstring(L, idx, &n)
                                                  : NULL;
  if (len) *len = n;
  if (!s) return NULL;
  char *c = mem_strndup(m, s, n);
  if (!c) luaL_error(L, "out of memory");
  return c;
}

/* entities = { type = { "name", … } } or absent = { … }, into c->ents. */
static void read_test_entities(lua_State *L, loader *ld, decl_loc at,
                               rule_tests *t, rule_test *c, const char *key) {
  bool present = strcmp(key, "entities") == 0;
  int type = raw_field(L, 1, key);
  if (type == LUA_TNIL) {
    lua_pop(L, 1);
    return;
  }
  if (type != LUA_TTABLE) {
    rule_error(ld, at, "test: %s must be { type = { \"name\", … } }", key);
    lua_pop(L, 1);
    return;
  }
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    bool ok = lua_type(L, -2) == LUA_TSTRING;
    if (ok && lua_type(L, -1) == LUA_TSTRING) {
      lua_createtable(L, 1, 0);
      lua_insert(L, -2);
      lua_rawseti(L, -2, 1);
    }
    ok &= lua_type(L, -1) == LUA_TTABLE;
    if (!ok) {
      rule_error(ld, at, "test: %s must be { type = { \"name\", … } }", key);
      lua_pop(L, 1);
      continue;
    }
    lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
    for (lua_Integer i = 1; i <= n; i++) {
      lua_rawgeti(L, -1, i);
      if (lua_type(L, -1) == LUA_TSTRING) {
        if (mem_grow(&t->m, (void **)&c->ents, &c->cap_ents,
                     c->n_ents + 1, sizeof *c->ents) < 0)
          luaL_error(L, "out of memory");
        test_entity te = {copy_string(L, &t->m, -3, NULL),
                          copy_string(L, &t->m, -1, NULL), present};
        c->ents[c->n_ents++] = te;
      } else {
        rule_error(ld, at, "test: %s lists entity names (strings)", key);
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static int dsl_test(lua_State *L) {
  loader *ld = get_loader(L);
  if (!ld->b) return 0;
  decl_loc at = caller_loc(L);
  if (!table_argument(L, ld, at,
                      "test: expected a table: test { text = \"…\", … }"))
    return 0;
  check_fields(L, ld, at, 1, "test", test_fields, 0);
  rule_tests *t = ld->tests;
  if (mem_grow(&t->m, (void **)&t->items, &t->cap, t->n + 1,
               sizeof *t->items) < 0)
    return luaL_error(L, "out of memory");
  rule_test *c = &t->items[t->n];
  memset(c, 0, sizeof *c);
  c->line = at.line;
  if (at.file && !(c->file = mem_strdup(&t->m, at.file)))
    return luaL_error(L, "out of memory");
  /* Each field below leaves one value on the stack. */
  string_field(L, ld, at, 1, "test", "name");
  c->name = copy_string(L, &t->m, -1, NULL);
  string_field(L, ld, at, 1, "test", "title");
  c->title = copy_string(L, &t->m, -1, &c->title_len);
  string_field(L, ld, at, 1, "test", "text");
  c->text = copy_string(L, &t->m, -1, &c->text_len);
  lua_settop(L, 1);
  int type = raw_field(L, 1, "label");
  if (type == LUA_TSTRING) {
    c->label_kind = TEST_LABEL_IS;
    c->label = copy_string(L, &t->m, -1, NULL);
  } else if (type == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
    c->label_kind = TEST_LABEL_NONE;
  } else if (type != LUA_TNIL) {
    rule_error(ld, at, "test: label must be a category name or false");
  }
  lua_pop(L, 1);
  read_test_entities(L, ld, at, t, c, "entities");
  read_test_entities(L, ld, at, t, c, "absent");
  if (!c->text) {
    rule_error(ld, at, "test: text is required");
    drop_test(t, c);
    return 0;
  }
  t->n++;
  return 0;
}

/* ======================================================================
** Running files, require
** ==================================================================== */

/* Pushes the source of file `name` as the loader sees it: from disk (and
   recorded) in loader mode, from the rule set in hook mode. */
static const rule_source *source_of(lua_State *L, loader *ld,
                                    const char *name, bool top,
                                    const char *module) {
  if (ld->serve) {
    const rule_source *f = rule_set_find(ld->serve, name);
    if (!f) luaL_error(L, "%s is not one of the loaded rule files", name);
    return f;
  }
  const rule_source *f = rule_set_find(ld->record, name);
  if (f) {
    if (top) ld->record->files[f - ld->record->files].top = true;
    return f;
  }
  char *src;
  size_t len;
  int rc = read_whole_file(&ld->m, name, &src, &len);
  if (rc == ENOMEM) luaL_error(L, "out of memory");
  if (rc != 0 && module)
    luaL_error(L, "require \"%s\": cannot read %s: %s", module, name,
               strerror(rc));
  if (rc != 0) luaL_error(L, "cannot read %s: %s", name, strerror(rc));
  if (rule_set_add(ld->record, name, src, len, top) < 0)
    luaL_error(L, "out of memory");
  return &ld->record->files[ld->record->n_files - 1];
}

/*
** After a file ran (its environment on top): a global function classify
** makes it a hook. In hook mode it joins the registry's hook list.
*/
static void note_hook(lua_State *L, loader *ld, const char *name) {
  lua_getfield(L, -1, "classify");
  if (lua_type(L, -1) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return;
  }
  ld->has_hooks = true;
  if (!ld->serve) {
    lua_pop(L, 1);
    return;
  }
  int fn = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, HOOK_LIST_KEY);
  lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
  lua_createtable(L, 0, 2);
  lua_pushvalue(L, fn);
  lua_setfield(L, -2, "fn");
  lua_pushstring(L, name);
  lua_setfield(L, -2, "file");
  lua_rawseti(L, -2, n + 1);
  lua_settop(L, fn - 1);
}

/* The sentinel a file's slot holds in LOADED_KEY while it runs. */
static const char running_mark = 0;

/*
** Runs rule file `name` unless it already ran in this load, and pushes its
** value (what it returned, or true). A file that requires itself, directly
** or not, is an error.
*/
static void run_file(lua_State *L, loader *ld, const char *name,
                     const char *module) {
  bool top = module == NULL;
  lua_getfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
  int loaded = lua_gettop(L);
  if (lua_getfield(L, loaded, name) != LUA_TNIL) {
    if (lua_touserdata(L, -1) == &running_mark)
      luaL_error(L, "require \"%s\": a require cycle (%s is still loading)",
                 module, name);
    if (top) source_of(L, ld, name, true, NULL);
    lua_remove(L, loaded);
    return;
  }
  lua_pop(L, 1);
  const rule_source *f = source_of(L, ld, name, top, module);
  lua_pushlightuserdata(L, (void *)&running_mark);
  lua_setfield(L, loaded, name);
  sandbox_push_env(L);
  int env = lua_gettop(L);
  lua_pushvalue(L, env);
  sandbox_load_chunk(L, name, f->src, f->len);
  int status = lua_pcall(L, 0, 1, 0);
  if (status != LUA_OK) {
    lua_pushnil(L);
    lua_setfield(L, loaded, name);
    if (!top) ld->depth--;
    sandbox_rethrow(L, status);
  }
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushboolean(L, 1);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, loaded, name);
  lua_pushvalue(L, env);
  note_hook(L, ld, name);
  lua_pop(L, 1);
  lua_replace(L, loaded);
  lua_settop(L, loaded);
}

/* A module name: letters, digits, '_' and '-' only (no folders, no dots). */
static bool valid_module_name(const char *s, size_t len) {
  if (len == 0 || len > MAX_REQUIRE_NAME) return false;
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  }
  return true;
}

/*
** require "name": name.lua of the requiring file's own folder, run once
** per load (cached), nested at most BUNRYU_LIMIT_REQUIRE_DEPTH deep.
*/
static int dsl_require(lua_State *L) {
  loader *ld = get_loader(L);
  size_t len;
  const char *mod = luaL_checklstring(L, 1, &len);
  if (!valid_module_name(mod, len))
    return luaL_error(L, "require \"%s\": a rule file may require only a "
                         "file of its own folder, by a name of letters, "
                         "digits, '_' and '-'", mod);
  decl_loc at = caller_loc(L);
  char folder[4096], file[4200], path[4400];
  folder_of(at.file ? at.file : "", folder, sizeof folder);
  snprintf(file, sizeof file, "%s.lua", mod);
  join_path(folder, file, path, sizeof path);
  if (ld->depth >= ld->require_limit)
    return luaL_error(L,
                      "require \"%s\": nested deeper than %d files "
                      "(BUNRYU_LIMIT_REQUIRE_DEPTH)",
                      mod, (int)ld->require_limit);
  ld->depth++;
  run_file(L, ld, path, mod);
  ld->depth--;
  return 1;
}

/* Registers the DSL in the sandbox's shared base, for loader ld. */
static void register_dsl(lua_State *L, loader *ld) {
  static const luaL_Reg dsl[] = {
      {"settings", dsl_settings}, {"category", dsl_category},
      {"entity", dsl_entity},     {"ignore", dsl_ignore},
      {"test", dsl_test},         {"require", dsl_require},
      {NULL, NULL}};
  for (const luaL_Reg *f = dsl; f->name; f++) {
    lua_pushlightuserdata(L, ld);
    lua_pushcclosure(L, f->func, 1);
    sandbox_set_base(L, f->name);
  }
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, LOADED_KEY);
}

typedef struct top_call {
  loader *ld;
  const char *name;
} top_call;

static int run_top(lua_State *L) {
  top_call *tc = lua_touserdata(L, 1);
  tc->ld->depth = 0;
  run_file(L, tc->ld, tc->name, NULL);
  return 0;
}

static int setup_loader(lua_State *L) {
  register_dsl(L, lua_touserdata(L, 1));
  return 0;
}

/* ======================================================================
** Loading a path
** ==================================================================== */

/*
** Records a failed file's error as a diagnostic: "file:line: message" is
** taken apart so that the diagnostic carries the file and line. Lua
** shortens long file names ("...tail.lua"); the full name is put back.
*/
static void report_lua_error(loader *ld, const char *file, const char *err) {
  const char *colon = NULL;
  for (const char *p = err; *p && *p != '\n'; p++) {
    if (*p != ':' || p[1] < '0' || p[1] > '9') continue;
    const char *q = p + 1;
    while (*q >= '0' && *q <= '9') q++;
    if (*q == ':') {
      colon = p;
      break;
    }
  }
  if (!colon) {
    size_t fl = strlen(file);
    if (strncmp(err, file, fl) == 0 && err[fl] == ':' && err[fl + 1] == ' ')
      err += fl + 2;
    rule_error(ld, (decl_loc){file, 0}, "%s", err);
    return;
  }
  char where[4096];
  size_t n = (size_t)(colon - err);
  if (n >= sizeof where) n = sizeof where - 1;
  memcpy(where, err, n);
  where[n] = '\0';
  const char *msg = colon + 1;
  int line = (int)strtol(msg, (char **)&msg, 10);
  msg++;
  if (*msg == ' ') msg++;
  const char *shown = where;
  if (strncmp(where, "...", 3) == 0) {
    size_t tail = strlen(where + 3);
    for (size_t i = 0; i < ld->record->n_files; i++) {
      const char *full = ld->record->files[i].name;
      size_t fl = strlen(full);
      if (fl >= tail && strcmp(full + fl - tail, where + 3) == 0) shown = full;
    }
  }
  rule_error(ld, (decl_loc){shown, line}, "%s", msg);
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool ends_with_lua(const char *name) {
  size_t n = strlen(name);
  return n > 4 && strcmp(name + n - 4, ".lua") == 0;
}

/* The *.lua regular files directly in folder, sorted (byte order). */
static int list_folder(const mem *m, const char *folder, char ***out,
                       size_t *n_out, size_t *cap_out) {
  DIR *d = opendir(folder);
  if (!d) return errno;
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = 0;
  struct dirent *ent;
  while (rc == 0 && (ent = readdir(d))) {
    if (!ends_with_lua(ent->d_name) || ent->d_name[0] == '.') continue;
    char path[4400];
    join_path(folder, ent->d_name, path, sizeof path);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    char *copy = mem_strdup(m, path);
    if (!copy || mem_grow(m, (void **)&names, &cap, n + 1, sizeof *names) < 0) {
      mem_strfree(m, copy);
      rc = ENOMEM;
      break;
    }
    names[n++] = copy;
  }
  closedir(d);
  if (n) qsort(names, n, sizeof *names, compare_names);
  *out = names;
  *n_out = n;
  *cap_out = cap;
  return rc;
}

static void free_names(const mem *m, char **names, size_t n, size_t cap) {
  for (size_t i = 0; i < n; i++) mem_strfree(m, names[i]);
  mem_free(m, names, cap * sizeof *names);
}

/* Warnings that need every file loaded: tests naming unknown categories or
   entity types, categories that nothing can score. */
static void lint_load(loader *ld) {
  bunryu_builder *b = ld->b;
  for (size_t i = 0; i < ld->tests->n; i++) {
    const rule_test *c = &ld->tests->items[i];
    decl_loc at = {c->file, c->line};
    if (c->label_kind == TEST_LABEL_IS &&
        bunryu_builder_find_category(b, c->label) < 0)
      rule_warning(ld, at, "test%s%s%s: label \"%s\" is not a category",
                   c->name ? " \"" : "", c->name ? c->name : "",
                   c->name ? "\"" : "", c->label);
    for (size_t j = 0; j < c->n_ents; j++) {
      bool known = false;
      for (size_t k = 0; k < b->n_ents; k++)
        known |= strcmp(b->ents[k].name, c->ents[j].type) == 0;
      if (!known)
        rule_warning(ld, at, "test%s%s%s: \"%s\" is not an entity type",
                     c->name ? " \"" : "", c->name ? c->name : "",
                     c->name ? "\"" : "", c->ents[j].type);
    }
  }
  for (size_t i = 0; i < ld->n_cats; i++)
    if (ld->cats[i].positives == 0)
      rule_warning(ld, (decl_loc){ld->cats[i].file, ld->cats[i].line},
                   "category \"%s\" has no keywords or patterns that add to "
                   "its score", ld->cats[i].name);
}

/*
** Hands the loaded files to the builder as hooks when some file defines
** classify; earlier loads' hook files are kept.
*/
static int install_hooks(loader *ld) {
  bunryu_builder *b = ld->b;
  rule_set *rs = rule_set_new(&b->m);
  if (!rs) return BUNRYU_ENOMEM;
  const rule_set *old = b->hooks == &lua_hook_vtable ? b->hook_rules : NULL;
  rs->load_instructions =
      bunryu_builder_get_limit(b, BUNRYU_LIMIT_LOAD_INSTRUCTIONS);
  rs->require_depth = ld->require_limit;
  if (rule_set_copy_files(rs, old) < 0 ||
      rule_set_copy_files(rs, ld->record) < 0 ||
      rule_set_copy_entity_types(rs, b) < 0) {
    rule_set_release(rs);
    return BUNRYU_ENOMEM;
  }
  builder_set_hooks(b, &lua_hook_vtable, rs);
  rule_set_release(rs);
  return BUNRYU_OK;
}

/* Runs every top-level file, recording each failure. */
static int run_files(loader *ld, sandbox *sb, char **names, size_t n) {
  uint64_t budget = bunryu_builder_get_limit(ld->b,
                                             BUNRYU_LIMIT_LOAD_INSTRUCTIONS);
  for (size_t i = 0; i < n; i++) {
    char err[1024];
    top_call tc = {ld, names[i]};
    size_t first_pending = ld->n_pend;
    enum sb_status st = sandbox_pcall(sb, run_top, &tc, budget, names[i], err,
                                      sizeof err);
    if (st == SB_NOMEM) return BUNRYU_ENOMEM;
    if (st == SB_OK) continue;
    report_lua_error(ld, names[i], err);
    /* A file stopped halfway leaves declarations without their body: one
       error is enough. */
    for (size_t j = first_pending; j < ld->n_pend; j++) ld->pend[j].done = true;
  }
  return BUNRYU_OK;
}

static int load_names(loader *ld, char **names, size_t n) {
  char err[512];
  sandbox *sb = sandbox_new(&ld->m,
                            bunryu_builder_get_limit(ld->b,
                                                     BUNRYU_LIMIT_LUA_MEMORY),
                            err, sizeof err);
  if (!sb) {
    builder_diag(ld->b, BUNRYU_DIAG_ERROR, BUNRYU_ENOMEM, NULL, 0, -1, "%s",
                 err);
    return BUNRYU_ENOMEM;
  }
  sandbox_set_budget_name(sb, "BUNRYU_LIMIT_LOAD_INSTRUCTIONS");
  int rc = BUNRYU_OK;
  if (sandbox_pcall(sb, setup_loader, ld, 0, "bunryu", err, sizeof err) !=
      SB_OK)
    rc = BUNRYU_ENOMEM;
  if (rc == BUNRYU_OK) rc = run_files(ld, sb, names, n);
  sandbox_free(sb);
  if (rc != BUNRYU_OK) return rc;
  pend_report(ld);
  lint_load(ld);
  if (ld->has_hooks && ld->n_errors == 0) rc = install_hooks(ld);
  bunryu_builder_set_location(ld->b, NULL, 0);
  if (rc != BUNRYU_OK) return rc;
  return ld->n_errors ? BUNRYU_ERULE : BUNRYU_OK;
}

/* The file names a path stands for: the file itself, or a folder's files. */
static int names_of_path(loader *ld, const char *path, char ***names,
                         size_t *n, size_t *cap) {
  struct stat st;
  if (stat(path, &st) != 0) {
    int e = errno;
    return builder_diag(ld->b, BUNRYU_DIAG_ERROR, BUNRYU_EIO, path, 0, -1,
                        "cannot read rules: %s", strerror(e));
  }
  if (S_ISDIR(st.st_mode)) {
    int e = list_folder(&ld->m, path, names, n, cap);
    if (e == ENOMEM) return BUNRYU_ENOMEM;
    if (e != 0)
      return builder_diag(ld->b, BUNRYU_DIAG_ERROR, BUNRYU_EIO, path, 0, -1,
                          "cannot list rules folder: %s", strerror(e));
    if (*n == 0)
      return builder_diag(ld->b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, path, 0, -1,
                          "no *.lua rule files in this folder");
    return BUNRYU_OK;
  }
  *names = mem_alloc(&ld->m, sizeof **names);
  if (!*names || !((*names)[0] = mem_strdup(&ld->m, path))) {
    mem_free(&ld->m, *names, sizeof **names);
    *names = NULL;
    return BUNRYU_ENOMEM;
  }
  *n = *cap = 1;
  return BUNRYU_OK;
}

int rules_load(bunryu_builder *b, const char *path, rule_tests *tests) {
  if (!b || !path) return BUNRYU_EINVAL;
  rule_tests own = {b->m, NULL, 0, 0};
  if (!tests) tests = &own;
  else if (!tests->m.fn) tests->m = b->m;
  loader ld = {0};
  ld.m = b->m;
  ld.b = b;
  ld.tests = tests;
  ld.require_limit = bunryu_builder_get_limit(b, BUNRYU_LIMIT_REQUIRE_DEPTH);
  ld.record = rule_set_new(&b->m);
  if (!ld.record) return BUNRYU_ENOMEM;
  char **names = NULL;
  size_t n = 0, cap = 0;
  /* A trailing '/' would give names like "rules//a.lua". */
  char trimmed[4096];
  snprintf(trimmed, sizeof trimmed, "%s", path);
  for (size_t l = strlen(trimmed); l > 1 && trimmed[l - 1] == '/'; l--)
    trimmed[l - 1] = '\0';
  int rc = names_of_path(&ld, trimmed, &names, &n, &cap);
  if (rc == BUNRYU_OK) rc = load_names(&ld, names, n);
  free_names(&b->m, names, n, cap);
  rule_set_release(ld.record);
  pend_free(&ld);
  rule_tests_free(&own);
  return rc;
}

int bunryu_builder_load_rules(bunryu_builder *b, const char *path) {
  return rules_load(b, path, NULL);
}

/* ======================================================================
** Hook mode: re-running the files of a rule set
** ==================================================================== */

static int setup_hook_loader(lua_State *L) {
  const rule_set *rs = lua_touserdata(L, 1);
  loader *ld = lua_newuserdatauv(L, sizeof *ld, 0);
  memset(ld, 0, sizeof *ld);
  ld->m = rs->m;
  ld->serve = rs;
  ld->require_limit = rs->require_depth;
  lua_setfield(L, LUA_REGISTRYINDEX, LOADER_KEY);
  register_dsl(L, ld);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, HOOK_LIST_KEY);
  return 0;
}

enum sb_status rules_collect_hooks(sandbox *sb, const rule_set *rs, char *err,
                                   size_t errlen) {
  enum sb_status st = sandbox_pcall(sb, setup_hook_loader, (void *)rs, 0,
                                    "bunryu", err, errlen);
  if (st != SB_OK) return st;
  lua_State *L = sandbox_lua(sb);
  lua_getfield(L, LUA_REGISTRYINDEX, LOADER_KEY);
  loader *ld = lua_touserdata(L, -1);
  lua_pop(L, 1);
  for (size_t i = 0; i < rs->n_files && st == SB_OK; i++) {
    if (!rs->files[i].top) continue;
    top_call tc = {ld, rs->files[i].name};
    st = sandbox_pcall(sb, run_top, &tc, rs->load_instructions,
                       rs->files[i].name, err, errlen);
  }
  return st;
}
