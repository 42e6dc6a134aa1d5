/*
** lua_rules.h — the Lua layer's internals: the sandbox every rule file runs
** in (lua/sandbox.c), the loader of rule files and their declarations
** (lua/rules.c), and the per-document hooks (lua/binding.c). Not part of the
** public API; the CLI's check and test commands use it too.
*/
#ifndef BUNRYU_LUA_RULES_H
#define BUNRYU_LUA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include "engine.h"
#include "hooks.h"
#include "mem.h"

/* ======================================================================
** Sandbox (lua/sandbox.c)
** ==================================================================== */

/*
** A Lua state that runs untrusted rule code: only the safe parts of base,
** string, table, math and utf8; text chunks only; an instruction budget and
** a memory cap, both enforced for every call made through sandbox_pcall().
*/
typedef struct sandbox sandbox;

/* How a protected call ended. */
enum sb_status {
  SB_OK = 0,
  SB_ERROR,  /* a Lua error: the message is in err */
  SB_LIMIT,  /* the instruction budget or the memory cap stopped it */
  SB_NOMEM   /* the allocator itself failed below the cap */
};

/*
** A new sandbox allocating through m, holding at most mem_cap bytes (0: no
** cap). NULL on failure, with the reason in err.
*/
sandbox *sandbox_new(const mem *m, uint64_t mem_cap, char *err, size_t errlen);
void sandbox_free(sandbox *sb);
lua_State *sandbox_lua(sandbox *sb);
/* The sandbox a state belongs to (from the state's extra space). */
sandbox *sandbox_of(lua_State *L);

/*
** Calls fn(L) with ud as a light userdata argument under lua_pcall, with a
** message handler that gives every error a "file:line:" position, and a
** fresh instruction budget of instr_limit (0: none). `where` names the code
** for errors that carry no position (a memory error): "file:line".
** On failure writes "file:line: message" into err and runs a full garbage
** collection so that the state is usable for the next call.
*/
enum sb_status sandbox_pcall(sandbox *sb, lua_CFunction fn, void *ud,
                             uint64_t instr_limit, const char *where,
                             char *err, size_t errlen);

/* Raises the error on top again after a lua_pcall that ended with status,
   keeping a memory error a memory error for sandbox_pcall. */
int sandbox_rethrow(lua_State *L, int status);

/* Restarts the instruction budget from inside a protected call. */
void sandbox_set_budget(sandbox *sb, uint64_t instr_limit);
/* Names the limit the budget stands for in "instruction limit exceeded"
   messages (a static string, e.g. "BUNRYU_LIMIT_LUA_INSTRUCTIONS"). */
void sandbox_set_budget_name(sandbox *sb, const char *name);

/*
** Sets a field of the shared, read-only base every environment reads
** through (a DSL function). Call under protection (it allocates).
*/
void sandbox_set_base(lua_State *L, const char *name);

/*
** Pushes a new environment for one rule file: its own table of globals,
** its own copies of the library tables, the shared base behind __index.
*/
void sandbox_push_env(lua_State *L);

/*
** Loads a text chunk (binary chunks are refused) named "@chunk" and sets
** the environment on top of the stack as its _ENV (popping it), leaving the
** function. Raises a Lua error on a syntax error.
*/
void sandbox_load_chunk(lua_State *L, const char *chunk, const char *src,
                        size_t len);

/* The memory the state holds now, and its cap. */
size_t sandbox_memory(const sandbox *sb);

/* ======================================================================
** Rule sets (lua/rules.c): what a scanner needs to rebuild the hooks
** ==================================================================== */

/* One rule file as loaded: its name (as in diagnostics) and source. */
typedef struct rule_source {
  char *name;
  char *src;
  size_t len;
  bool top; /* loaded as a rule file (not only through require) */
} rule_source;

/*
** The rule files of a load that defined hooks, shared by the builder, its
** engines and their scanners; reference-counted, immutable once made.
*/
typedef struct rule_set {
  mem m;
  _Atomic int refs;
  rule_source *files;
  size_t n_files, cap_files;
  char **entity_types; /* entity type names by id, for doc.hits */
  size_t n_entity_types;
  uint64_t load_instructions; /* budget to re-run one file */
  uint64_t require_depth;
} rule_set;

void rule_set_retain(void *rs);
void rule_set_release(void *rs);

/*
** Re-runs the rule files of rs in the sandbox with every declaration a
** no-op, and leaves a list of { fn = classify, file = name } in the
** registry under HOOK_LIST_KEY, in file order. SB_OK or a failure with err.
*/
#define HOOK_LIST_KEY "bunryu.hooks"
enum sb_status rules_collect_hooks(sandbox *sb, const rule_set *rs, char *err,
                                   size_t errlen);

/* ======================================================================
** Test cases (lua/rules.c), for `bunryu test` and `bunryu check`
** ==================================================================== */

enum test_label { TEST_LABEL_ANY = 0, TEST_LABEL_NONE, TEST_LABEL_IS };

typedef struct test_entity {
  char *type, *name;
  bool present; /* entities = { … } (true) or absent = { … } (false) */
} test_entity;

typedef struct rule_test {
  char *file;
  int line;
  char *name;  /* NULL when not given */
  char *title; /* NULL: the first line of text is the title */
  size_t title_len;
  char *text;
  size_t text_len;
  enum test_label label_kind;
  char *label;
  test_entity *ents;
  size_t n_ents, cap_ents;
} rule_test;

typedef struct rule_tests {
  mem m;
  rule_test *items;
  size_t n, cap;
} rule_tests;

/*
** bunryu_builder_load_rules() that also collects the test{} cases of the
** files into tests (which must be zeroed, or hold earlier cases).
*/
int rules_load(bunryu_builder *b, const char *path, rule_tests *tests);
void rule_tests_free(rule_tests *t);

/* ======================================================================
** Hooks (lua/binding.c)
** ==================================================================== */

/* The hook_vtable of Lua rule files, registered with builder_set_hooks. */
extern const hook_vtable lua_hook_vtable;

/*
** The module a Lua host loads (`require "bunryu"` with libbunryu.so named
** bunryu.so on package.cpath, or package.loadlib(path, "luaopen_bunryu")):
** bunryu.load(path) -> engine; engine:scanner() -> scanner;
** scanner:scan(text [, title]) -> { label, categories, entities }.
*/
BUNRYU_EXPORT int luaopen_bunryu(lua_State *L);

/* The registry key of the doc metatable. */
#define DOC_METATABLE "bunryu.doc"

#endif
