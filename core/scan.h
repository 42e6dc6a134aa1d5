/*
** scan.h — the scanner and its result, shared by core/scan.c (the
** pipeline), core/score.c (scores, entities, labels) and core/result.c
** (accessors and JSON). Not part of the public API.
*/
#ifndef BUNRYU_SCAN_H
#define BUNRYU_SCAN_H

#include <stdbool.h>

#include "engine.h"
#include "text.h"

/*
** A buffer of the document, normalized and scanned in one pass: the whole
** input for bunryu_scan (title, lead and body told apart by offset), or
** the title and the body of bunryu_scan_zones. One pass per buffer keeps
** the per-document overhead (normalizer and automaton start-up, regex
** calls) independent of how many zones there are.
*/
typedef struct segment {
  const char *input;  /* the buffer its offsets refer to */
  size_t len;
  size_t mark_base;   /* where its bytes start in the overlap map */
  int fixed_zi;       /* >= 0: all of it is this zone; -1: split below */
  size_t title_end;   /* [0, title_end) title, [title_end, lead_end) lead, */
  size_t lead_end;    /* the rest body (input offsets) */
  unsigned zones;     /* the BUNRYU_ZONE_* bits it holds */
  norm_text nfc, cf;
  bool cf_distinct;   /* cf holds a text that differs from nfc */
} segment;

/* A hit, in input offsets of its zone's buffer. */
typedef struct hit {
  int kind;         /* HIT_KEYWORD, HIT_PATTERN, HIT_ENTITY */
  int rule;         /* literal index, or pattern index when from_pattern */
  bool from_pattern;
  int owner;        /* category or entity type */
  int zi;
  int seg;          /* the segment (buffer) its offsets refer to */
  size_t start, end;
  const char *name; /* entity canonical name (engine or arena) */
  size_t name_len;
  double weight;    /* what it added to its category */
  bool counted;
} hit;

/* An entity candidate while overlaps are resolved (core/score.c): its
   zone, its span in the overlap map (segment base + offsets) and its index
   among the candidates. */
typedef struct ent_key {
  size_t a, b;
  int zi;
  bool kept;
  uint32_t i;
} ent_key;

/* A required literal of a pattern seen in a zone's text. */
typedef struct trigger_hit {
  int pattern;
  int seg;
  size_t pos; /* start in the normalized text the pattern runs on */
} trigger_hit;

/* Match starts a triggered regex search tries: [lo, hi]. */
typedef struct start_span {
  size_t lo, hi;
} start_span;

typedef struct ignored_span {
  int seg;
  size_t start, end;
} ignored_span;

typedef struct entity_rec {
  int type;
  const char *name;
  size_t name_len;
  const char *text; /* into the zone's buffer */
  size_t text_len;
  size_t start, end, count;
  int zi, seg;
} entity_rec;

/* A chunked string arena: pointers stay valid until the next reset. */
typedef struct arena_block {
  struct arena_block *next;
  size_t used, cap;
  char data[];
} arena_block;

typedef struct arena {
  arena_block *first, *cur;
} arena;

struct bunryu_result {
  bunryu_scanner *s;
  int error;
  char message[512];
  int label;          /* category id, or -1 */
  int *ranked;        /* category ids with a score above zero, best first */
  size_t n_ranked;
  uint64_t elapsed_us;
  bool evidence;
};

struct bunryu_scanner {
  bunryu_engine *e;
  mem m;
  unsigned flags;
  segment segs[2];
  size_t n_segs;
  const char *title; size_t title_len; /* for hooks */
  const char *text;  size_t text_len;
  hit *hits;               size_t n_hits, cap_hits;
  trigger_hit *trigs;      size_t n_trigs, cap_trigs;
  start_span *spans;       size_t cap_spans; /* one pattern's, at a time */
  ignored_span *ignored;   size_t n_ignored, cap_ignored;
  entity_rec *ents;        size_t n_ents, cap_ents;
  uint32_t *ent_slots;     size_t n_ent_slots; /* (type, name) -> ents + 1 */
  uint32_t *counts;        /* per literal, then per pattern */
  double *scores;          /* per category */
  int *ranked;
  hit *sort_tmp;           size_t cap_sort_tmp; /* sort scratch */
  size_t *bucket_start;    /* n_cats + 2 counters for sorting hits */
  uint64_t *marks;         size_t cap_marks; /* overlap bitmap */
  ent_key *ent_keys;       size_t cap_ent_keys; /* 2 per candidate */
  norm_text scratch;
  arena names;
  regex_scratch *rs;
  void *hook_state;
  hook_hit *hook_hits;     size_t cap_hook_hits;
  char *json;              size_t json_len, json_cap;
  struct bunryu_result result;
};

/* core/score.c */
int score_document(bunryu_scanner *s);
int resolve_entities(bunryu_scanner *s);
void rank_categories(bunryu_scanner *s, int forced_label);
void entities_reset(bunryu_scanner *s);
/* Adds an entity occurrence (or counts one more); BUNRYU_ENOMEM leaves the
   document's result alone, for the caller to decide. */
int entity_add(bunryu_scanner *s, int type, const char *name, size_t name_len,
               int zi, int seg, size_t start, size_t end);
int run_hooks(bunryu_scanner *s, char *err, size_t errlen);

/* core/scan.c */
/* The zone (0 title, 1 lead, 2 body) of input offset pos of a segment. */
int segment_zone(const segment *g, size_t pos);
const char *arena_copy(bunryu_scanner *s, const char *p, size_t n);
int scan_fail(bunryu_scanner *s, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
