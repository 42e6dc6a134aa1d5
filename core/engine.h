/*
** engine.h — the builder and the compiled engine, as the core's files and
** the Lua layer see them. Not part of the public API.
*/
#ifndef BUNRYU_ENGINE_H
#define BUNRYU_ENGINE_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bunryu.h"
#include "hooks.h"
#include "literals.h"
#include "mem.h"
#include "regex.h"

enum hit_kind { HIT_KEYWORD = 0, HIT_PATTERN = 1, HIT_ENTITY = 2 };

/* Where a rule came from, for diagnostics and evidence. */
typedef struct rule_loc {
  const char *file; /* interned in the builder/engine string pool */
  int line;
} rule_loc;

typedef struct category {
  char *name, *label;
  double zone_weight[3]; /* title, lead, body */
  double threshold;      /* < 0: use the engine's global threshold */
  unsigned max_count;    /* 0: every occurrence counts */
  rule_loc loc;
} category_def;

/* A keyword, or an alias of an entity: one owner of an automaton string. */
typedef struct literal {
  int kind;          /* HIT_KEYWORD or HIT_ENTITY */
  int owner;         /* category id or entity type id */
  int32_t string_id; /* in the automaton (set at build) */
  char *text;        /* normalized form the automaton holds */
  size_t len;
  char *source;      /* as written in the rule */
  char *canonical;   /* entity canonical name (aliases only) */
  double weight;
  unsigned zones;    /* BUNRYU_ZONE_* mask */
  unsigned flags;    /* BUNRYU_LIT_* */
  rule_loc loc;
  /* Set at build: the automaton folds ASCII case, so an exact-case literal
     holding an ASCII letter is compared with the text at each hit. */
  bool check_case;
  unsigned char edges; /* boundary_edges() of text: 0 needs no check */
  size_t canonical_len;
} literal;

enum pattern_role { PAT_CATEGORY = 0, PAT_ENTITY = 1, PAT_IGNORE = 2 };

typedef struct pattern {
  int role;
  int owner;        /* category id, entity type id, or -1 */
  char *source;
  regex *re;
  int name_group;   /* the "name" group, or -1 */
  double weight;
  unsigned zones;
  unsigned flags;   /* BUNRYU_RE_* */
  size_t max_len;   /* REGEX_UNBOUNDED: search whole zones */
  size_t reach;     /* a match holding a trigger at s starts in
                       [s - reach, s]; REGEX_UNBOUNDED: anywhere before */
  /* The split at the literal's item (regex_info), when every trigger
     begins where a literal does: the rest of the pattern anchored at a
     trigger, and the walk back over what comes before it. Either may be
     NULL. */
  regex *suffix;
  regex_walk *walk;
  bool one_line;    /* no match holds a line feed */
  bool prefiltered; /* runs only where a required literal was seen */
  rule_loc loc;
} pattern;

typedef struct entity_type {
  char *name;
  int priority;
  rule_loc loc;
} entity_def;

/* A required literal of a prefiltered pattern: string -> pattern. */
typedef struct trigger {
  int32_t string_id;
  int pattern;
  char *text; /* the literal as normalized for the automaton */
  size_t len;
  /* Set at build: a case-sensitive pattern's literal holding an ASCII
     letter is compared with the text (the automaton folds ASCII case). */
  bool check_case;
} trigger;

typedef struct diag {
  int severity;
  char *message;
  char *file;
  int line;
  int offset;
} diag;

/* The limits, indexed by bunryu_limit. */
typedef struct limits {
  uint64_t v[BUNRYU_LIMIT_COUNT_];
} limits;

struct bunryu_builder {
  mem m;
  limits lim;
  double threshold;
  unsigned threads;    /* bunryu_builder_build may use this many */
  category_def *cats;      size_t n_cats, cap_cats;
  literal *lits;       size_t n_lits, cap_lits;
  pattern *pats;       size_t n_pats, cap_pats;
  entity_def *ents;   size_t n_ents, cap_ents;
  diag *diags;         size_t n_diags, cap_diags;
  char **files;        size_t n_files, cap_files; /* interned file names */
  uint32_t *alias_slots; /* open-addressing set of alias literals (index+1) */
  size_t n_alias_slots, n_alias_used;
  rule_loc loc;        /* attached to what is added next */
  char *last_error;
  const hook_vtable *hooks;
  void *hook_rules;
};

struct bunryu_engine {
  mem m;
  atomic_int refs; /* the caller's reference + one per scanner */
  limits lim;
  double threshold;
  category_def *cats;    size_t n_cats;
  literal *lits;     size_t n_lits;
  pattern *pats;     size_t n_pats;
  entity_def *ents; size_t n_ents;
  char **files;      size_t n_files;
  const char **cat_names; /* n_cats names, for hooks */
  lit_matcher *matcher;
  /* string id -> owners: literals first, then pattern triggers */
  uint32_t *owner_start; /* n_strings + 1 offsets into owner_list */
  uint32_t *owner_list;  /* values < n_lits: a literal; else n_lits + trigger */
  size_t n_strings;
  trigger *triggers; size_t n_triggers, cap_triggers;
  int *always_patterns; size_t n_always; /* non-prefiltered, non-ignore */
  int *ignore_patterns; size_t n_ignore;
  bool has_caseless; /* some literal or regex needs the NFKC_CF text */
  /* alias lookup for entity patterns: sorted (type, NFC alias) pairs */
  struct alias_entry { int type; const char *alias; const char *canonical; } *aliases;
  size_t n_aliases;
  const hook_vtable *hooks;
  void *hook_rules;
  size_t memory;
};

/* Records a diagnostic at the builder's current location (file/line may
   override it when not NULL/0). Returns the code given, for chaining. */
int builder_diag(bunryu_builder *b, int severity, int code, const char *file,
                 int line, int offset, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));

/* Free what a rule entry owns (its strings, its compiled regex). The
   builder and the engine hold entries of the same shape and share these,
   except literal_free: the engine's literals and their strings are one
   block (compile.c), freed whole. */
void category_free(const mem *m, category_def *c);
void literal_free(const mem *m, literal *l);
void pattern_free(const mem *m, pattern *p);

/* Registers the hooks of loaded Lua rules (the builder retains `rules`). */
void builder_set_hooks(bunryu_builder *b, const hook_vtable *vt, void *rules);

/* FNV-1a over bytes, seeded; used by every hash table of the core. */
uint64_t hash_bytes(const void *p, size_t n, uint64_t seed);

void engine_retain(bunryu_engine *e);
void engine_release(bunryu_engine *e);

#endif
