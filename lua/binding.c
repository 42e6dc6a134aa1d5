/*
** binding.c — Lua on both sides of the engine:
**   - the per-document hooks: the hook_vtable the core calls (open a Lua
**     state per scanner, run each file's classify per document), and the
**     `doc` object a hook reads and changes;
**   - luaopen_bunryu, the module a Lua host loads to use the engine.
**
** Bindings follow liolib.c: a metatable name constant per type, meth[] and
** metameth[] tables, userdata made in a safe empty state before the
** resource is acquired. Every C function called from Lua raises with
** luaL_error; the core reaches Lua only through sandbox_pcall(), so a Lua
** error never unwinds through the host.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "lua_rules.h"

#define CATEGORY_INDEX_KEY "bunryu.categories" /* name -> category id */
#define DOC_OBJECT_KEY "bunryu.docobject"

/* A scanner's hook state: its sandbox and the document being classified. */
typedef struct hook_state {
  mem m;
  sandbox *sb;
  rule_set *rs;
  hook_doc *doc;         /* only during run */
  uint64_t instr_limit;
  double *scores;        /* scratch for the scores written back */
  size_t cap_scores;
  char where[600];       /* "file:line" of the hook running, for errors */
} hook_state;

/* ======================================================================
** The doc object
** ==================================================================== */

typedef struct doc_ref {
  hook_state *hs;
} doc_ref;

static hook_doc *check_doc(lua_State *L) {
  doc_ref *r = luaL_checkudata(L, 1, DOC_METATABLE);
  if (!r->hs || !r->hs->doc)
    luaL_error(L, "doc is only valid while classify runs");
  return r->hs->doc;
}

static const char *zone_name(unsigned zone) {
  switch (zone) {
  case BUNRYU_ZONE_TITLE: return "title";
  case BUNRYU_ZONE_LEAD: return "lead";
  default: return "body";
  }
}

static unsigned zone_arg(lua_State *L, int idx) {
  const char *z = luaL_optstring(L, idx, NULL);
  if (!z) return 0;
  if (strcmp(z, "title") == 0) return BUNRYU_ZONE_TITLE;
  if (strcmp(z, "lead") == 0) return BUNRYU_ZONE_LEAD;
  if (strcmp(z, "body") == 0) return BUNRYU_ZONE_BODY;
  return (unsigned)luaL_argerror(L, idx, "expected \"title\", \"lead\" or "
                                         "\"body\"");
}

/* Pushes the document's cache table (made on first use in a run). */
static void push_cache(lua_State *L) {
  if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, 1, 1);
}

/*
** doc.hits is the costliest thing a hook asks for (a table of nine fields
** for every hit, hundreds a document with the default pack). lua_setfield
** and lua_pushstring look each C string up in Lua's string cache (a
** strcmp) on every call, so the field names and the fixed values (kinds,
** zones) are pushed once per document into stack slots and copied from
** there, and fields are set raw: 1,500 -> ~700 instructions a hit.
*/
enum {
  K_KIND, K_CATEGORY, K_ENTITY, K_TERM, K_ZONE, K_START, K_STOP, K_TEXT,
  K_WEIGHT, N_KEYS,
  V_KEYWORD = N_KEYS, V_PATTERN, V_ENTITY, V_TITLE, V_LEAD, V_BODY, N_SLOTS
};

static void push_hit_slots(lua_State *L) {
  static const char *const slot_strings[N_SLOTS] = {
      "kind", "category", "entity", "term", "zone", "start", "stop", "text",
      "weight", "keyword", "pattern", "entity", "title", "lead", "body"};
  for (int i = 0; i < N_SLOTS; i++) lua_pushstring(L, slot_strings[i]);
}

static int kind_slot(int kind) {
  return kind == HIT_KEYWORD ? V_KEYWORD
         : kind == HIT_PATTERN ? V_PATTERN
                               : V_ENTITY;
}

static int zone_slot(unsigned zone) {
  return zone == BUNRYU_ZONE_TITLE ? V_TITLE
         : zone == BUNRYU_ZONE_LEAD ? V_LEAD
                                    : V_BODY;
}

/* t[key] = the value on top of the stack (popped); slots start at `base`. */
static void set_slot_field(lua_State *L, int t, int base, int key) {
  lua_pushvalue(L, base + key);
  lua_insert(L, -2);
  lua_rawset(L, t);
}

static void push_hit(lua_State *L, const hook_state *hs, const hook_hit *h,
                     int base) {
  const hook_doc *d = hs->doc;
  lua_createtable(L, 0, 10); /* room for every field: no rehash */
  int t = lua_gettop(L);
  lua_pushvalue(L, base + kind_slot(h->kind));
  set_slot_field(L, t, base, K_KIND);
  if (h->category >= 0 && (size_t)h->category < d->n_categories) {
    lua_pushstring(L, d->category_names[h->category]);
    set_slot_field(L, t, base, K_CATEGORY);
  }
  if (h->entity_type >= 0 &&
      (size_t)h->entity_type < hs->rs->n_entity_types) {
    lua_pushstring(L, hs->rs->entity_types[h->entity_type]);
    set_slot_field(L, t, base, K_ENTITY);
  }
  lua_pushstring(L, h->term ? h->term : "");
  set_slot_field(L, t, base, K_TERM);
  lua_pushvalue(L, base + zone_slot(h->zone));
  set_slot_field(L, t, base, K_ZONE);
  lua_pushinteger(L, (lua_Integer)h->start + 1);
  set_slot_field(L, t, base, K_START);
  lua_pushinteger(L, (lua_Integer)h->end);
  set_slot_field(L, t, base, K_STOP);
  /* The surface itself: for a file the title's offsets index doc.text,
     for a JSONL record doc.title, so a hook should not slice by them. */
  lua_pushlstring(L, h->text ? h->text : "", h->text ? h->text_len : 0);
  set_slot_field(L, t, base, K_TEXT);
  lua_pushnumber(L, h->weight);
  set_slot_field(L, t, base, K_WEIGHT);
}

/* Leaves the hits table on top of the stack. */
static void push_hits(lua_State *L, const hook_state *hs) {
  const hook_doc *d = hs->doc;
  luaL_checkstack(L, N_SLOTS + 8, NULL);
  int base = lua_gettop(L) + 1;
  push_hit_slots(L);
  lua_createtable(L, d->n_hits > INT32_MAX ? 0 : (int)d->n_hits, 0);
  for (size_t i = 0; i < d->n_hits; i++) {
    push_hit(L, hs, &d->hits[i], base);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_replace(L, base); /* the table where the slots began */
  lua_settop(L, base);
}

static void push_entities(lua_State *L, const hook_doc *d) {
  size_t n = hook_entity_count(d);
  lua_createtable(L, n > INT32_MAX ? 0 : (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    hook_entity e;
    if (!hook_entity_get(d, i, &e)) break;
    lua_createtable(L, 0, 7);
    lua_pushstring(L, e.type);
    lua_setfield(L, -2, "type");
    lua_pushstring(L, e.name);
    lua_setfield(L, -2, "name");
    lua_pushlstring(L, e.text ? e.text : "", e.text ? e.text_len : 0);
    lua_setfield(L, -2, "text");
    lua_pushinteger(L, (lua_Integer)e.start + 1);
    lua_setfield(L, -2, "start");
    lua_pushinteger(L, (lua_Integer)e.end);
    lua_setfield(L, -2, "stop");
    lua_pushinteger(L, (lua_Integer)e.count);
    lua_setfield(L, -2, "count");
    lua_pushstring(L, zone_name(e.zone));
    lua_setfield(L, -2, "zone");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
}

/*
** doc.title, doc.text, doc.hits, doc.entities and the methods. Fields are
** built on first use in each document and cached (strings and tables are
** not copied into Lua for a hook that never reads them).
*/
static int doc_index(lua_State *L) {
  hook_doc *d = check_doc(L);
  doc_ref *r = lua_touserdata(L, 1);
  const char *key = lua_tostring(L, 2);
  if (!key) return 0;
  if (lua_getfield(L, lua_upvalueindex(1), key) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  bool is_title = strcmp(key, "title") == 0, is_text = strcmp(key, "text") == 0;
  bool is_hits = strcmp(key, "hits") == 0;
  bool is_ents = strcmp(key, "entities") == 0;
  if (!is_title && !is_text && !is_hits && !is_ents) return 0;
  push_cache(L);
  if (lua_getfield(L, -1, key) != LUA_TNIL) return 1;
  lua_pop(L, 1);
  if (is_title)
    lua_pushlstring(L, d->title ? d->title : "", d->title ? d->title_len : 0);
  else if (is_text)
    lua_pushlstring(L, d->text ? d->text : "", d->text ? d->text_len : 0);
  else if (is_hits)
    push_hits(L, r->hs);
  else
    push_entities(L, d);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, key);
  return 1;
}

/* doc:count(term [, zone]): how many hits have this term. */
static int doc_count(lua_State *L) {
  hook_doc *d = check_doc(L);
  const char *term = luaL_checkstring(L, 2);
  unsigned zone = zone_arg(L, 3);
  lua_Integer n = 0;
  for (size_t i = 0; i < d->n_hits; i++) {
    const hook_hit *h = &d->hits[i];
    if (h->term && strcmp(h->term, term) == 0 && (!zone || h->zone == zone))
      n++;
  }
  lua_pushinteger(L, n);
  return 1;
}

static void forget_entities(lua_State *L) {
  if (lua_getiuservalue(L, 1, 1) == LUA_TTABLE) {
    lua_pushnil(L);
    lua_setfield(L, -2, "entities");
  }
  lua_pop(L, 1);
}

/* doc:add_entity(type, name, start, stop): a span of doc.text, 1-based
   and inclusive like string.sub. */
static int doc_add_entity(lua_State *L) {
  hook_doc *d = check_doc(L);
  const char *type = luaL_checkstring(L, 2);
  const char *name = luaL_checkstring(L, 3);
  lua_Integer start = luaL_checkinteger(L, 4);
  lua_Integer stop = luaL_checkinteger(L, 5);
  if (start < 1 || stop < start || (lua_Unsigned)stop > d->text_len)
    return luaL_error(L, "add_entity: span %I..%I is not inside doc.text "
                         "(1..%I)", start, stop, (lua_Integer)d->text_len);
  int rc = hook_entity_add(d, type, name, (size_t)start - 1, (size_t)stop);
  if (rc == BUNRYU_EINVAL)
    return luaL_error(L, "add_entity: \"%s\" is not an entity type", type);
  if (rc < 0) return luaL_error(L, "add_entity: %s", bunryu_strerror(rc));
  forget_entities(L);
  return 0;
}

static int doc_drop_entity(lua_State *L) {
  hook_doc *d = check_doc(L);
  const char *type = luaL_checkstring(L, 2);
  const char *name = luaL_checkstring(L, 3);
  int dropped = hook_entity_drop(d, type, name);
  if (dropped) forget_entities(L);
  lua_pushboolean(L, dropped > 0);
  return 1;
}

static int doc_newindex(lua_State *L) {
  return luaL_error(L, "doc is read-only (change scores, or use "
                       "doc:add_entity / doc:drop_entity)");
}

static int doc_tostring(lua_State *L) {
  lua_pushliteral(L, "bunryu.doc");
  return 1;
}

static const luaL_Reg doc_meth[] = {{"count", doc_count},
                                    {"add_entity", doc_add_entity},
                                    {"drop_entity", doc_drop_entity},
                                    {NULL, NULL}};

static const luaL_Reg doc_metameth[] = {{"__newindex", doc_newindex},
                                        {"__tostring", doc_tostring},
                                        {NULL, NULL}};

/* Makes the doc metatable and the one doc object of this state. */
static int setup_doc(lua_State *L) {
  hook_state *hs = lua_touserdata(L, 1);
  luaL_newmetatable(L, DOC_METATABLE);
  luaL_setfuncs(L, doc_metameth, 0);
  luaL_newlib(L, doc_meth);
  lua_pushcclosure(L, doc_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  doc_ref *r = lua_newuserdatauv(L, sizeof *r, 1);
  r->hs = hs;
  luaL_setmetatable(L, DOC_METATABLE);
  lua_setfield(L, LUA_REGISTRYINDEX, DOC_OBJECT_KEY);
  return 0;
}

/* ======================================================================
** Running the hooks of one document
** ==================================================================== */

/* Pushes the name -> id table of the engine's categories (made once). */
static void push_category_index(lua_State *L, const hook_doc *d) {
  if (lua_getfield(L, LUA_REGISTRYINDEX, CATEGORY_INDEX_KEY) == LUA_TTABLE)
    return;
  lua_pop(L, 1);
  lua_createtable(L, 0, (int)d->n_categories);
  for (size_t i = 0; i < d->n_categories; i++) {
    lua_pushinteger(L, (lua_Integer)i);
    lua_setfield(L, -2, d->category_names[i]);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, CATEGORY_INDEX_KEY);
}

static void push_scores(lua_State *L, const hook_doc *d) {
  lua_createtable(L, 0, (int)d->n_categories);
  for (size_t i = 0; i < d->n_categories; i++) {
    lua_pushnumber(L, d->scores[i]);
    lua_setfield(L, -2, d->category_names[i]);
  }
}

/* The category id of a name (index table at cats), or -1. */
static int category_id(lua_State *L, int cats, int name) {
  lua_pushvalue(L, name);
  int id = lua_rawget(L, cats) == LUA_TNUMBER ? (int)lua_tointeger(L, -1) : -1;
  lua_pop(L, 1);
  return id;
}

/* Applies what one classify returned (on top of the stack). */
static void take_label(lua_State *L, hook_state *hs, int cats) {
  hook_doc *d = hs->doc;
  int t = lua_type(L, -1);
  if (t == LUA_TNIL) return;
  if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
    d->label = -2;
    return;
  }
  if (t != LUA_TSTRING)
    luaL_error(L, "%s: classify must return a category name, false or nil, "
                  "not %s", hs->where, luaL_typename(L, -1));
  int id = category_id(L, cats, lua_gettop(L));
  if (id < 0)
    luaL_error(L, "%s: classify returned \"%s\", which is not a category",
               hs->where, lua_tostring(L, -1));
  d->label = id;
}

/*
** Reads the scores table back: every key must be a category and every
** value a finite number; a category left out (or set to nil) scores 0.
*/
static void write_back_scores(lua_State *L, hook_state *hs, int scores,
                              int cats) {
  hook_doc *d = hs->doc;
  if (d->n_categories > hs->cap_scores) {
    if (mem_grow(&hs->m, (void **)&hs->scores, &hs->cap_scores,
                 d->n_categories, sizeof *hs->scores) < 0)
      luaL_error(L, "out of memory");
  }
  for (size_t i = 0; i < d->n_categories; i++) hs->scores[i] = 0;
  lua_pushnil(L);
  while (lua_next(L, scores)) {
    int id = lua_type(L, -2) == LUA_TSTRING ? category_id(L, cats, -2) : -1;
    if (id < 0)
      luaL_error(L, "%s: scores.%s: there is no such category", hs->where,
                 luaL_tolstring(L, -2, NULL));
    if (lua_type(L, -1) != LUA_TNUMBER || !isfinite(lua_tonumber(L, -1)))
      luaL_error(L, "%s: scores.%s must be a finite number", hs->where,
                 lua_tostring(L, -2));
    hs->scores[id] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  if (d->n_categories)
    memcpy(d->scores, hs->scores, d->n_categories * sizeof *d->scores);
}

/* "file:line" of a hook function, for errors without a position. */
static void describe_hook(lua_State *L, hook_state *hs, const char *file) {
  lua_Debug ar;
  lua_pushvalue(L, -1);
  int line = lua_getinfo(L, ">S", &ar) ? ar.linedefined : 0;
  snprintf(hs->where, sizeof hs->where, "%s:%d", file, line);
}

/* Runs every file's classify(doc, scores) in file order, each with a fresh
   instruction budget, then writes the scores and the label back. */
static int run_all(lua_State *L) {
  hook_state *hs = lua_touserdata(L, 1);
  hook_doc *d = hs->doc;
  push_category_index(L, d);
  int cats = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, DOC_OBJECT_KEY);
  int doc = lua_gettop(L);
  lua_pushnil(L);
  lua_setiuservalue(L, doc, 1); /* drop the last document's cache */
  push_scores(L, d);
  int scores = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, HOOK_LIST_KEY);
  int list = lua_gettop(L);
  lua_Integer n = (lua_Integer)lua_rawlen(L, list);
  for (lua_Integer i = 1; i <= n; i++) {
    lua_rawgeti(L, list, i);
    lua_getfield(L, -1, "file");
    const char *file = lua_tostring(L, -1);
    lua_getfield(L, -2, "fn");
    describe_hook(L, hs, file ? file : "?");
    lua_pushvalue(L, doc);
    lua_pushvalue(L, scores);
    sandbox_set_budget(hs->sb, hs->instr_limit);
    lua_call(L, 2, 1);
    take_label(L, hs, cats);
    lua_settop(L, list);
  }
  write_back_scores(L, hs, scores, cats);
  return 0;
}

/* ======================================================================
** The hook vtable
** ==================================================================== */

static void hook_close(void *state) {
  hook_state *hs = state;
  if (!hs) return;
  mem m = hs->m;
  sandbox_free(hs->sb);
  if (hs->rs) rule_set_release(hs->rs);
  mem_free(&m, hs->scores, hs->cap_scores * sizeof *hs->scores);
  mem_free(&m, hs, sizeof *hs);
}

static void *hook_open(void *rules, const mem *m, uint64_t mem_limit,
                       char *err, size_t errlen) {
  rule_set *rs = rules;
  hook_state *hs = mem_calloc(m, 1, sizeof *hs);
  if (!hs) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  hs->m = *m;
  hs->rs = rs;
  rule_set_retain(rs);
  hs->sb = sandbox_new(m, mem_limit, err, errlen);
  if (hs->sb) sandbox_set_budget_name(hs->sb, "BUNRYU_LIMIT_LOAD_INSTRUCTIONS");
  if (!hs->sb || rules_collect_hooks(hs->sb, rs, err, errlen) != SB_OK ||
      sandbox_pcall(hs->sb, setup_doc, hs, 0, "bunryu", err, errlen) !=
          SB_OK) {
    hook_close(hs);
    return NULL;
  }
  sandbox_set_budget_name(hs->sb, "BUNRYU_LIMIT_LUA_INSTRUCTIONS");
  return hs;
}

static int hook_run(void *state, hook_doc *doc, uint64_t instr_limit,
                    char *err, size_t errlen) {
  hook_state *hs = state;
  hs->doc = doc;
  hs->instr_limit = instr_limit;
  snprintf(hs->where, sizeof hs->where, "classify");
  enum sb_status st = sandbox_pcall(hs->sb, run_all, hs, instr_limit,
                                    hs->where, err, errlen);
  hs->doc = NULL;
  switch (st) {
  case SB_OK: return BUNRYU_OK;
  case SB_LIMIT: return BUNRYU_ELIMIT;
  case SB_NOMEM: return BUNRYU_ENOMEM;
  default: return BUNRYU_EHOOK;
  }
}

const hook_vtable lua_hook_vtable = {hook_open, hook_run, hook_close,
                                     rule_set_retain, rule_set_release};

/* ======================================================================
** luaopen_bunryu: the engine for Lua hosts
** ==================================================================== */

#define ENGINE_METATABLE "bunryu.engine"
#define SCANNER_METATABLE "bunryu.scanner"

typedef struct lengine {
  bunryu_engine *e;
} lengine;

typedef struct lscanner {
  bunryu_scanner *s;
} lscanner;

static bunryu_engine *check_engine(lua_State *L) {
  lengine *le = luaL_checkudata(L, 1, ENGINE_METATABLE);
  if (!le->e) luaL_error(L, "attempt to use a closed engine");
  return le->e;
}

static bunryu_scanner *check_scanner(lua_State *L) {
  lscanner *ls = luaL_checkudata(L, 1, SCANNER_METATABLE);
  if (!ls->s) luaL_error(L, "attempt to use a closed scanner");
  return ls->s;
}

/* bunryu.load(path) -> engine | nil, message */
static int l_load(lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lengine *le = lua_newuserdatauv(L, sizeof *le, 0);
  le->e = NULL; /* safe for __gc before the engine exists */
  luaL_setmetatable(L, ENGINE_METATABLE);
  char err[1024] = "";
  int rc = bunryu_engine_load(path, &le->e, err, sizeof err);
  if (rc != BUNRYU_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, err[0] ? err : bunryu_strerror(rc));
    return 2;
  }
  return 1;
}

static int l_engine_scanner(lua_State *L) {
  bunryu_engine *e = check_engine(L);
  lscanner *ls = lua_newuserdatauv(L, sizeof *ls, 1);
  ls->s = NULL;
  luaL_setmetatable(L, SCANNER_METATABLE);
  lua_pushvalue(L, 1); /* the engine userdata outlives its scanners */
  lua_setiuservalue(L, -2, 1);
  char err[1024] = "";
  ls->s = bunryu_scanner_new(e, err, sizeof err);
  if (!ls->s) {
    luaL_pushfail(L);
    lua_pushstring(L, err[0] ? err : "cannot make a scanner");
    return 2;
  }
  return 1;
}

/* engine:categories() -> { { name = …, label = … }, … } */
static int l_engine_categories(lua_State *L) {
  bunryu_engine *e = check_engine(L);
  size_t n = bunryu_engine_category_count(e);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, bunryu_engine_category_name(e, i));
    lua_setfield(L, -2, "name");
    lua_pushstring(L, bunryu_engine_category_label(e, i));
    lua_setfield(L, -2, "label");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  return 1;
}

static int l_engine_close(lua_State *L) {
  lengine *le = luaL_checkudata(L, 1, ENGINE_METATABLE);
  bunryu_engine_free(le->e);
  le->e = NULL;
  return 0;
}

static int l_engine_tostring(lua_State *L) {
  lengine *le = luaL_checkudata(L, 1, ENGINE_METATABLE);
  if (le->e)
    lua_pushfstring(L, "bunryu.engine (%d categories)",
                    (int)bunryu_engine_category_count(le->e));
  else
    lua_pushliteral(L, "bunryu.engine (closed)");
  return 1;
}

static void push_result(lua_State *L, const bunryu_result *r) {
  lua_createtable(L, 0, 3);
  const char *label = bunryu_result_label(r);
  if (label) {
    lua_pushstring(L, label);
    lua_setfield(L, -2, "label");
  }
  size_t n = bunryu_result_category_count(r);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_createtable(L, 0, 2);
    lua_pushstring(L, bunryu_result_category_name(r, i));
    lua_setfield(L, -2, "name");
    lua_pushnumber(L, bunryu_result_category_score(r, i));
    lua_setfield(L, -2, "score");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "categories");
  n = bunryu_result_entity_count(r);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    const char *type, *name, *text;
    size_t len, start, end, count;
    unsigned zone;
    if (bunryu_result_entity(r, i, &type, &name, &text, &len, &start, &end,
                             &count, &zone) != BUNRYU_OK)
      break;
    lua_createtable(L, 0, 7);
    lua_pushstring(L, type);
    lua_setfield(L, -2, "type");
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    lua_pushlstring(L, text, len);
    lua_setfield(L, -2, "text");
    lua_pushinteger(L, (lua_Integer)start + 1);
    lua_setfield(L, -2, "start");
    lua_pushinteger(L, (lua_Integer)end);
    lua_setfield(L, -2, "stop");
    lua_pushinteger(L, (lua_Integer)count);
    lua_setfield(L, -2, "count");
    lua_pushstring(L, zone_name(zone));
    lua_setfield(L, -2, "zone");
    lua_rawseti(L, -2, (lua_Integer)i + 1);
  }
  lua_setfield(L, -2, "entities");
}

/* scanner:scan(text [, title]) -> { label, categories, entities } | nil,
   message. With a title, text is the body. */
static int l_scanner_scan(lua_State *L) {
  bunryu_scanner *s = check_scanner(L);
  size_t len, title_len;
  const char *text = luaL_checklstring(L, 2, &len);
  const char *title = luaL_optlstring(L, 3, NULL, &title_len);
  const bunryu_result *r = NULL;
  int rc = title ? bunryu_scan_zones(s, title, title_len, text, len, 0, &r)
                 : bunryu_scan(s, text, len, 0, &r);
  if (rc != BUNRYU_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, r ? bunryu_result_error_message(r)
                        : bunryu_strerror(rc));
    return 2;
  }
  push_result(L, r);
  return 1;
}

static int l_scanner_close(lua_State *L) {
  lscanner *ls = luaL_checkudata(L, 1, SCANNER_METATABLE);
  bunryu_scanner_free(ls->s);
  ls->s = NULL;
  return 0;
}

static int l_scanner_tostring(lua_State *L) {
  lscanner *ls = luaL_checkudata(L, 1, SCANNER_METATABLE);
  lua_pushstring(L, ls->s ? "bunryu.scanner" : "bunryu.scanner (closed)");
  return 1;
}

static const luaL_Reg engine_meth[] = {{"scanner", l_engine_scanner},
                                       {"categories", l_engine_categories},
                                       {"close", l_engine_close},
                                       {NULL, NULL}};
static const luaL_Reg engine_metameth[] = {{"__index", NULL},
                                           {"__gc", l_engine_close},
                                           {"__close", l_engine_close},
                                           {"__tostring", l_engine_tostring},
                                           {NULL, NULL}};
static const luaL_Reg scanner_meth[] = {{"scan", l_scanner_scan},
                                        {"close", l_scanner_close},
                                        {NULL, NULL}};
static const luaL_Reg scanner_metameth[] = {
    {"__index", NULL},
    {"__gc", l_scanner_close},
    {"__close", l_scanner_close},
    {"__tostring", l_scanner_tostring},
    {NULL, NULL}};
static const luaL_Reg module_funcs[] = {{"load", l_load}, {NULL, NULL}};

static void create_metatable(lua_State *L, const char *name,
                             const luaL_Reg *metameth, const luaL_Reg *meth) {
  luaL_newmetatable(L, name);
  luaL_setfuncs(L, metameth, 0);
  lua_newtable(L);
  luaL_setfuncs(L, meth, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

BUNRYU_EXPORT int luaopen_bunryu(lua_State *L) {
  luaL_newlib(L, module_funcs);
  create_metatable(L, ENGINE_METATABLE, engine_metameth, engine_meth);
  create_metatable(L, SCANNER_METATABLE, scanner_metameth, scanner_meth);
  lua_pushstring(L, bunryu_version());
  lua_setfield(L, -2, "version");
  return 1;
}
