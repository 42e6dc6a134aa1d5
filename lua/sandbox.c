/*
** sandbox.c — the restricted Lua environment every rule file runs in.
**
** In the manner of Redis's src/script_lua.c and Lua's linit.c: the state
** never sees luaL_openlibs. Only base (without dofile, loadfile, load,
** collectgarbage, print, warn), string (without dump; rep capped), table,
** math (with a fixed seed, so that rules are reproducible) and utf8 are
** open. Chunks are text only. Every file gets its own globals table; the
** DSL functions and safe library functions live in one shared base behind
** __index, and every library table a file sees is its own copy, so that no
** file can change what another one sees.
**
** Two limits hold for every protected call: an instruction budget (a count
** hook raises an error when it is spent) and a memory cap (the allocator
** refuses to grow past it). A rule cannot catch either with pcall: the
** sandbox's pcall and xpcall re-raise them. __gc metamethods are refused,
** since finalizers run with hooks off and outside any budget.
*/
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "lua_rules.h"

#define BASE_KEY "bunryu.base"
#define LIB_KEY_FMT "bunryu.lib.%s"

/* How many instructions run between two calls of the count hook at most. */
#define BUDGET_STEP (1 << 20)

struct sandbox {
  lua_State *L;
  mem m;
  size_t used;    /* bytes the state holds */
  size_t cap;     /* 0: no cap */
  bool cap_hit;   /* the allocator refused an allocation over the cap */
  bool budget_on;
  int64_t budget; /* instructions left */
  int step;       /* the count hook's period */
  bool limit_hit; /* the budget ran out: pcall must not catch it */
  bool mem_error; /* a memory error was raised again as a plain error */
  bool over_cap;  /* a library function refused work over the memory cap */
  /* The limit the budget stands for, named in messages:
     BUNRYU_LIMIT_LUA_INSTRUCTIONS for hooks, _LOAD_ for loading. */
  const char *budget_name;
};

/* ======================================================================
** Allocation under the cap
** ==================================================================== */

/*
** lua_Alloc through the library's mem hook. Growing past the cap fails
** (Lua then collects garbage and retries once before raising a memory
** error); frees and shrinks always go through, as Lua requires.
*/
static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  sandbox *sb = ud;
  size_t old = ptr ? osize : 0;
  if (nsize == 0) {
    if (ptr) {
      sb->m.fn(sb->m.ud, ptr, osize, 0);
      sb->used -= old;
    }
    return NULL;
  }
  if (nsize > old && sb->cap &&
      (sb->used > sb->cap || nsize - old > sb->cap - sb->used)) {
    sb->cap_hit = true;
    return NULL;
  }
  void *p = sb->m.fn(sb->m.ud, ptr, old, nsize);
  if (p) sb->used = sb->used - old + nsize;
  return p;
}

size_t sandbox_memory(const sandbox *sb) { return sb->used; }

/* ======================================================================
** Instruction budget
** ==================================================================== */

sandbox *sandbox_of(lua_State *L) { return *(sandbox **)lua_getextraspace(L); }

/*
** Pushes the position of the innermost Lua function on the stack, as
** "file:line:", or "" when there is none.
*/
static void push_where(lua_State *L) {
  lua_Debug ar;
  for (int level = 0; lua_getstack(L, level, &ar); level++) {
    if (!lua_getinfo(L, "Sl", &ar)) break;
    if (ar.currentline > 0) {
      lua_pushfstring(L, "%s:%d:", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

/*
** The count hook: spends the budget and, once it is gone, raises an error
** at the running line. It keeps raising (every instruction) until the
** protected call ends, so that no loop around a pcall can outlast it.
*/
static void count_hook(lua_State *L, lua_Debug *ar) {
  (void)ar;
  sandbox *sb = sandbox_of(L);
  sb->budget -= sb->step;
  if (sb->budget > 0 && !sb->limit_hit) return;
  sb->limit_hit = true;
  lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);
  push_where(L);
  lua_pushfstring(L, " instruction limit exceeded (%s)",
                  sb->budget_name ? sb->budget_name : "instruction budget");
  lua_concat(L, 2);
  lua_error(L);
}

void sandbox_set_budget_name(sandbox *sb, const char *name) {
  sb->budget_name = name;
}

void sandbox_set_budget(sandbox *sb, uint64_t instr_limit) {
  sb->limit_hit = false;
  sb->budget_on = instr_limit != 0;
  if (!sb->budget_on) {
    lua_sethook(sb->L, NULL, 0, 0);
    return;
  }
  sb->budget = instr_limit > INT64_MAX ? INT64_MAX : (int64_t)instr_limit;
  sb->step = instr_limit < BUDGET_STEP ? (int)instr_limit : BUDGET_STEP;
  lua_sethook(sb->L, count_hook, LUA_MASKCOUNT, sb->step);
}

/* ======================================================================
** Safe replacements of library functions
** ==================================================================== */

/*
** pcall and xpcall that do not catch the sandbox's own limits: a spent
** budget or a memory error goes on up to the host's protected call.
*/
int sandbox_rethrow(lua_State *L, int status) {
  if (status == LUA_ERRMEM) sandbox_of(L)->mem_error = true;
  return lua_error(L);
}

static int finish_pcall(lua_State *L, int status, int base) {
  sandbox *sb = sandbox_of(L);
  if (status != LUA_OK) {
    if (status == LUA_ERRMEM || sb->limit_hit)
      return sandbox_rethrow(L, status);
    lua_pushboolean(L, 0);
    lua_insert(L, -2);
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, base);
  return lua_gettop(L) - base + 1;
}

static int sb_pcall(lua_State *L) {
  luaL_checkany(L, 1);
  int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
  return finish_pcall(L, status, 1);
}

static int sb_xpcall(lua_State *L) {
  int n = lua_gettop(L);
  luaL_checktype(L, 2, LUA_TFUNCTION);
  lua_pushvalue(L, 1); /* f, h, args…, f */
  lua_rotate(L, 3, 1); /* f, h, f, args… */
  int status = lua_pcall(L, n - 2, LUA_MULTRET, 2);
  return finish_pcall(L, status, 3);
}

/* setmetatable that refuses __gc: finalizers escape every limit. */
static int sb_setmetatable(lua_State *L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  int t = lua_type(L, 2);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (t == LUA_TTABLE && lua_getfield(L, 2, "__gc") != LUA_TNIL)
    return luaL_error(L, "__gc metamethods are not allowed in rule files");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL)
    return luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

/* string.rep that checks the size against the memory cap before the work
   (an empty string repeated 2^62 times would loop for ever). */
static int sb_rep(lua_State *L) {
  size_t l, lsep;
  const char *s = luaL_checklstring(L, 1, &l);
  lua_Integer n = luaL_checkinteger(L, 2);
  const char *sep = luaL_optlstring(L, 3, "", &lsep);
  if (n <= 0 || l + lsep == 0) {
    lua_pushliteral(L, "");
    return 1;
  }
  sandbox *sb = sandbox_of(L);
  size_t room = sb->cap ? (sb->cap > sb->used ? sb->cap - sb->used : 0)
                        : (size_t)INT_MAX;
  if (l + lsep < l || (uint64_t)n > room / (l + lsep)) {
    sb->over_cap = true; /* a limit error, not a bug in the rule */
    return luaL_error(L, "string.rep: the result would exceed the memory "
                         "limit (BUNRYU_LIMIT_LUA_MEMORY)");
  }
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (lua_Integer i = 0; i < n; i++) {
    if (i > 0) luaL_addlstring(&b, sep, lsep);
    luaL_addlstring(&b, s, l);
  }
  luaL_pushresult(&b);
  return 1;
}

/* table.move with a bound on the number of elements (a huge range of nils
   would loop in C, where the budget cannot see it). */
static int sb_move(lua_State *L) {
  lua_Integer f = luaL_checkinteger(L, 2);
  lua_Integer e = luaL_checkinteger(L, 3);
  if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= (1u << 24))
    return luaL_error(L, "table.move: too many elements");
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

/* ======================================================================
** Building the base and the environments
** ==================================================================== */

/* The base functions a rule may use as they are. */
static const char *const safe_base[] = {
    "assert", "error",  "ipairs",   "next",     "pairs",  "rawequal",
    "rawget", "rawlen", "rawset",   "select",   "tonumber", "tostring",
    "type",   "getmetatable", "_VERSION", NULL};

static const luaL_Reg replaced_base[] = {{"pcall", sb_pcall},
                                         {"xpcall", sb_xpcall},
                                         {"setmetatable", sb_setmetatable},
                                         {NULL, NULL}};

static const luaL_Reg safe_libs[] = {{LUA_STRLIBNAME, luaopen_string},
                                     {LUA_TABLIBNAME, luaopen_table},
                                     {LUA_MATHLIBNAME, luaopen_math},
                                     {LUA_UTF8LIBNAME, luaopen_utf8},
                                     {NULL, NULL}};

/* Edits the freshly opened library tables in place (they are also what the
   string metatable's __index reaches). Expects the library on top. */
static void harden_library(lua_State *L, const char *name) {
  if (strcmp(name, LUA_STRLIBNAME) == 0) {
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pushcfunction(L, sb_rep);
    lua_setfield(L, -2, "rep");
  } else if (strcmp(name, LUA_TABLIBNAME) == 0) {
    lua_getfield(L, -1, "move");
    lua_pushcclosure(L, sb_move, 1);
    lua_setfield(L, -2, "move");
  } else if (strcmp(name, LUA_MATHLIBNAME) == 0) {
    lua_getfield(L, -1, "randomseed");
    lua_pushinteger(L, 0);
    lua_call(L, 1, 0);
  }
}

/* Locks the string metatable: getmetatable("") must not hand out the
   string library table that every file shares. */
static void lock_string_metatable(lua_State *L) {
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

static int init_state(lua_State *L) {
  luaL_requiref(L, LUA_GNAME, luaopen_base, 0);
  lua_newtable(L); /* the base */
  for (const char *const *n = safe_base; *n; n++) {
    lua_getfield(L, -2, *n);
    lua_setfield(L, -2, *n);
  }
  luaL_setfuncs(L, replaced_base, 0);
  for (const luaL_Reg *lib = safe_libs; lib->name; lib++) {
    luaL_requiref(L, lib->name, lib->func, 0);
    harden_library(L, lib->name);
    lua_pushfstring(L, LIB_KEY_FMT, lib->name);
    lua_pushvalue(L, -2);
    lua_settable(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
  }
  lock_string_metatable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, BASE_KEY);
  return 0;
}

void sandbox_set_base(lua_State *L, const char *name) {
  lua_getfield(L, LUA_REGISTRYINDEX, BASE_KEY);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

/* Pushes a shallow copy of the table at the top, popping it. */
static void copy_table(lua_State *L) {
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, -3)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_settable(L, -4);
  }
  lua_remove(L, -2);
}

void sandbox_push_env(lua_State *L) {
  lua_newtable(L);
  for (const luaL_Reg *lib = safe_libs; lib->name; lib++) {
    lua_pushfstring(L, LIB_KEY_FMT, lib->name);
    lua_gettable(L, LUA_REGISTRYINDEX);
    copy_table(L);
    lua_setfield(L, -2, lib->name);
  }
  lua_pushvalue(L, -1);
  lua_setfield(L, -2, LUA_GNAME);
  lua_newtable(L); /* its metatable */
  lua_getfield(L, LUA_REGISTRYINDEX, BASE_KEY);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "protected");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
}

void sandbox_load_chunk(lua_State *L, const char *chunk, const char *src,
                        size_t len) {
  lua_pushfstring(L, "@%s", chunk);
  const char *name = lua_tostring(L, -1);
  if (luaL_loadbufferx(L, src, len, name, "t") != LUA_OK) lua_error(L);
  lua_remove(L, -2);      /* the name */
  lua_rotate(L, -2, 1);   /* fn, env */
  if (!lua_setupvalue(L, -2, 1)) lua_pop(L, 1);
}

/* ======================================================================
** Life cycle and protected calls
** ==================================================================== */

lua_State *sandbox_lua(sandbox *sb) { return sb->L; }

sandbox *sandbox_new(const mem *m, uint64_t mem_cap, char *err,
                     size_t errlen) {
  sandbox *sb = mem_calloc(m, 1, sizeof *sb);
  if (!sb) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  sb->m = *m;
  sb->cap = mem_cap > SIZE_MAX ? SIZE_MAX : (size_t)mem_cap;
  sb->L = lua_newstate(sandbox_alloc, sb);
  if (!sb->L) {
    snprintf(err, errlen, "cannot create a Lua state (out of memory)");
    mem_free(m, sb, sizeof *sb);
    return NULL;
  }
  *(sandbox **)lua_getextraspace(sb->L) = sb;
  lua_pushcfunction(sb->L, init_state);
  if (lua_pcall(sb->L, 0, 0, 0) != LUA_OK) {
    snprintf(err, errlen, "cannot open the Lua libraries: %s",
             lua_type(sb->L, -1) == LUA_TSTRING ? lua_tostring(sb->L, -1)
                                                : "out of memory");
    sandbox_free(sb);
    return NULL;
  }
  return sb;
}

void sandbox_free(sandbox *sb) {
  if (!sb) return;
  mem m = sb->m;
  if (sb->L) lua_close(sb->L);
  mem_free(&m, sb, sizeof *sb);
}

/* Whether msg already starts with a "file:line:" position. */
static bool has_position(const char *msg) {
  for (const char *p = msg; *p && *p != '\n'; p++) {
    if (*p != ':' || p[1] < '0' || p[1] > '9') continue;
    const char *q = p + 1;
    while (*q >= '0' && *q <= '9') q++;
    if (*q == ':') return true;
  }
  return false;
}

/*
** The message handler: makes the error a string that starts with the
** position of the rule code that raised it (error("x", 0) and error
** objects that are tables carry none).
*/
static int message_handler(lua_State *L) {
  const char *msg = lua_tostring(L, 1);
  if (!msg)
    msg = lua_pushfstring(L, "(error object is a %s value)",
                          luaL_typename(L, 1));
  if (has_position(msg)) return 1;
  push_where(L);
  lua_pushfstring(L, " %s", msg);
  lua_concat(L, 2);
  return 1;
}

enum sb_status sandbox_pcall(sandbox *sb, lua_CFunction fn, void *ud,
                             uint64_t instr_limit, const char *where,
                             char *err, size_t errlen) {
  lua_State *L = sb->L;
  int top = lua_gettop(L);
  sb->cap_hit = false;
  sb->mem_error = false;
  sb->over_cap = false;
  lua_pushcfunction(L, message_handler);
  lua_pushcfunction(L, fn);
  lua_pushlightuserdata(L, ud);
  sandbox_set_budget(sb, instr_limit);
  int status = lua_pcall(L, 1, 0, top + 1);
  bool limited = sb->limit_hit;
  sandbox_set_budget(sb, 0);
  enum sb_status result = SB_OK;
  if (status == LUA_ERRMEM || (status != LUA_OK && sb->mem_error)) {
    if (sb->cap_hit)
      snprintf(err, errlen,
               "%s: memory limit exceeded (%zu bytes, BUNRYU_LIMIT_LUA_MEMORY)",
               where, sb->cap);
    else
      snprintf(err, errlen, "%s: out of memory", where);
    result = sb->cap_hit ? SB_LIMIT : SB_NOMEM;
  } else if (status != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    snprintf(err, errlen, "%s", msg ? msg : "error in error handling");
    result = limited || sb->over_cap ? SB_LIMIT : SB_ERROR;
  }
  lua_settop(L, top);
  if (result != SB_OK) lua_gc(L, LUA_GCCOLLECT);
  sb->cap_hit = false;
  return result;
}
