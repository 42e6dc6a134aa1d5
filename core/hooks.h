/*
** hooks.h — how the core calls per-document hooks without knowing Lua.
**
** The Lua layer (lua/) is one client of the core: when rule files define a
** hook it registers a hook_vtable on the builder. The engine keeps the
** vtable and its `rules` pointer (shared, reference-counted by the Lua
** layer); every scanner opens its own hook state (its own lua_State) and
** calls `run` once per document. A document costs no hook call when the
** engine has no hooks.
*/
#ifndef BUNRYU_HOOKS_H
#define BUNRYU_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

/* One hit as a hook sees it. Offsets are input bytes. */
typedef struct hook_hit {
  int kind;          /* HIT_KEYWORD, HIT_PATTERN, HIT_ENTITY (core/engine.h) */
  int category;      /* category id, or -1 for an entity hit */
  int entity_type;   /* entity type id, or -1 */
  const char *term;  /* keyword, pattern source, or canonical entity name */
  unsigned zone;     /* BUNRYU_ZONE_* bit */
  size_t start, end;
  const char *text;  /* the matched bytes as they stand in the input */
  size_t text_len;
  double weight;     /* what it added to the category (0 for entities) */
} hook_hit;

/* One entity as a hook sees it (the result's entity list). */
typedef struct hook_entity {
  const char *type;
  const char *name;
  const char *text; /* first surface form, into the input */
  size_t text_len;
  size_t start, end, count;
  unsigned zone;
} hook_entity;

/* The scanner running the hook (opaque to hooks). */
typedef struct bunryu_scanner scan_ctx;

/* What a hook may read and change for one document. */
typedef struct hook_doc {
  const char *title; /* the title zone, not NUL-terminated */
  size_t title_len;
  const char *text;  /* the whole input (bunryu_scan) or the body */
  size_t text_len;
  const hook_hit *hits;
  size_t n_hits;
  size_t n_categories;
  const char *const *category_names;
  double *scores;    /* writable: one per category */
  /* writable: -1 let thresholds decide, -2 no label, >= 0 this category */
  int label;
  scan_ctx *ctx;     /* for the hook_entity_* calls */
} hook_doc;

size_t hook_entity_count(const hook_doc *d);
/* Entity i, or NULL when out of range. Pointers live until the next change. */
const hook_entity *hook_entity_get(const hook_doc *d, size_t i, hook_entity *out);
/* Adds an entity (or counts one more occurrence of an existing one).
   type must be a declared entity type: BUNRYU_EINVAL otherwise. */
int hook_entity_add(hook_doc *d, const char *type, const char *name,
                    size_t start, size_t end);
/* Drops entity (type, name); returns 1 if one was dropped, else 0. */
int hook_entity_drop(hook_doc *d, const char *type, const char *name);

typedef struct hook_vtable {
  /* Per scanner: a new hook state, or NULL with a message in err. */
  void *(*open)(void *rules, const mem *m, uint64_t mem_limit, char *err,
                size_t errlen);
  /* Per document. BUNRYU_OK, or BUNRYU_EHOOK / BUNRYU_ELIMIT /
     BUNRYU_ENOMEM with "file:line: message" in err. */
  int (*run)(void *state, hook_doc *doc, uint64_t instr_limit, char *err,
             size_t errlen);
  void (*close)(void *state);
  /* Reference counting of `rules` (held by builders and engines). */
  void (*retain)(void *rules);
  void (*release)(void *rules);
} hook_vtable;

#endif
