/*
** scan.c — one document through the pipeline: zones, normalization, one
** pass of the literal automaton, regexes where their literals were seen,
** then scoring (core/score.c). The scanner's buffers only grow, so a
** scanner in steady state allocates nothing per document.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scan.h"
#include "sort.h"

/* ======================================================================
** Scanner lifetime
** ==================================================================== */

static regex_limits regex_limits_of(const bunryu_engine *e) {
  return (regex_limits){(uint32_t)e->lim.v[BUNRYU_LIMIT_REGEX_MATCH],
                        (uint32_t)e->lim.v[BUNRYU_LIMIT_REGEX_DEPTH],
                        (uint32_t)e->lim.v[BUNRYU_LIMIT_REGEX_HEAP_KB]};
}

static void copy_err(char *errbuf, size_t errlen, const char *msg) {
  if (errbuf && errlen) snprintf(errbuf, errlen, "%s", msg);
}

static int alloc_tables(bunryu_scanner *s) {
  const bunryu_engine *e = s->e;
  size_t nc = e->n_cats ? e->n_cats : 1;
  s->counts = mem_calloc(&s->m, e->n_lits + e->n_pats + 1, sizeof *s->counts);
  s->scores = mem_calloc(&s->m, nc, sizeof *s->scores);
  s->ranked = mem_calloc(&s->m, nc, sizeof *s->ranked);
  s->bucket_start = mem_calloc(&s->m, e->n_cats + 2, sizeof *s->bucket_start);
  regex_limits lim = regex_limits_of(e);
  s->rs = regex_scratch_new(&s->m, &lim);
  return s->counts && s->scores && s->ranked && s->bucket_start && s->rs
             ? BUNRYU_OK
             : BUNRYU_ENOMEM;
}

bunryu_scanner *bunryu_scanner_new(bunryu_engine *e, char *errbuf,
                                   size_t errlen) {
  if (!e) {
    copy_err(errbuf, errlen, "no engine");
    return NULL;
  }
  bunryu_scanner *s = mem_calloc(&e->m, 1, sizeof *s);
  if (!s) {
    copy_err(errbuf, errlen, "out of memory");
    return NULL;
  }
  s->m = e->m;
  s->e = e;
  engine_retain(e);
  for (int i = 0; i < 2; i++) {
    norm_text_init(&s->segs[i].nfc);
    norm_text_init(&s->segs[i].cf);
  }
  norm_text_init(&s->scratch);
  s->result.s = s;
  s->result.label = -1;
  if (alloc_tables(s) != BUNRYU_OK) {
    copy_err(errbuf, errlen, "out of memory");
    bunryu_scanner_free(s);
    return NULL;
  }
  if (e->hooks) {
    char err[512] = "";
    s->hook_state = e->hooks->open(e->hook_rules, &s->m,
                                   e->lim.v[BUNRYU_LIMIT_LUA_MEMORY], err,
                                   sizeof err);
    if (!s->hook_state) {
      copy_err(errbuf, errlen, err[0] ? err : "cannot start the rule hooks");
      bunryu_scanner_free(s);
      return NULL;
    }
  }
  return s;
}

static void arena_free(bunryu_scanner *s) {
  arena_block *b = s->names.first;
  while (b) {
    arena_block *next = b->next;
    mem_free(&s->m, b, sizeof *b + b->cap);
    b = next;
  }
  s->names.first = s->names.cur = NULL;
}

void bunryu_scanner_free(bunryu_scanner *s) {
  if (!s) return;
  const mem *m = &s->m;
  bunryu_engine *e = s->e;
  if (s->hook_state) e->hooks->close(s->hook_state);
  for (int i = 0; i < 2; i++) {
    norm_text_free(&s->segs[i].nfc, m);
    norm_text_free(&s->segs[i].cf, m);
  }
  norm_text_free(&s->scratch, m);
  mem_free(m, s->hits, s->cap_hits * sizeof *s->hits);
  mem_free(m, s->trigs, s->cap_trigs * sizeof *s->trigs);
  mem_free(m, s->spans, s->cap_spans * sizeof *s->spans);
  mem_free(m, s->ignored, s->cap_ignored * sizeof *s->ignored);
  mem_free(m, s->ents, s->cap_ents * sizeof *s->ents);
  mem_free(m, s->ent_slots, s->n_ent_slots * sizeof *s->ent_slots);
  mem_free(m, s->counts, (e->n_lits + e->n_pats + 1) * sizeof *s->counts);
  mem_free(m, s->scores, (e->n_cats ? e->n_cats : 1) * sizeof *s->scores);
  mem_free(m, s->ranked, (e->n_cats ? e->n_cats : 1) * sizeof *s->ranked);
  mem_free(m, s->sort_tmp, s->cap_sort_tmp * sizeof *s->sort_tmp);
  mem_free(m, s->bucket_start, (e->n_cats + 2) * sizeof *s->bucket_start);
  mem_free(m, s->marks, s->cap_marks * sizeof *s->marks);
  mem_free(m, s->ent_keys, s->cap_ent_keys * sizeof *s->ent_keys);
  mem_free(m, s->hook_hits, s->cap_hook_hits * sizeof *s->hook_hits);
  mem_free(m, s->json, s->json_cap);
  arena_free(s);
  regex_scratch_free(s->rs);
  mem_free(m, s, sizeof *s);
  engine_release(e);
}

/* ======================================================================
** Per-document state
** ==================================================================== */

const char *arena_copy(bunryu_scanner *s, const char *p, size_t n) {
  arena_block *b = s->names.cur;
  while (b && b->cap - b->used < n + 1) {
    b = b->next;
    if (b) b->used = 0;
  }
  if (!b) {
    size_t cap = n + 1 > 4096 ? n + 1 : 4096;
    b = mem_alloc(&s->m, sizeof *b + cap);
    if (!b) return NULL;
    b->next = NULL;
    b->used = 0;
    b->cap = cap;
    if (s->names.cur) {
      b->next = s->names.cur->next;
      s->names.cur->next = b;
    } else {
      s->names.first = b;
    }
  }
  s->names.cur = b;
  char *d = b->data + b->used;
  memcpy(d, p, n);
  d[n] = '\0';
  b->used += n + 1;
  return d;
}

static void reset_document(bunryu_scanner *s, unsigned flags) {
  s->flags = flags;
  s->n_segs = 0;
  s->n_hits = s->n_trigs = s->n_ignored = 0;
  entities_reset(s);
  s->names.cur = s->names.first;
  if (s->names.cur) s->names.cur->used = 0;
  memset(s->scores, 0, (s->e->n_cats ? s->e->n_cats : 1) * sizeof *s->scores);
  bunryu_result *r = &s->result;
  r->error = BUNRYU_OK;
  r->message[0] = '\0';
  r->label = -1;
  r->ranked = s->ranked;
  r->n_ranked = 0;
  r->elapsed_us = 0;
  r->evidence = (flags & BUNRYU_SCAN_EVIDENCE) != 0;
}

int scan_fail(bunryu_scanner *s, int code, const char *fmt, ...) {
  bunryu_result *r = &s->result;
  if (r->error) return r->error; /* keep the first reason */
  r->error = code;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->message, sizeof r->message, fmt, ap);
  va_end(ap);
  return code;
}

static int hits_room(bunryu_scanner *s, size_t more) {
  uint64_t limit = s->e->lim.v[BUNRYU_LIMIT_HITS];
  if (s->n_hits + s->n_trigs + more > limit)
    return scan_fail(s, BUNRYU_ELIMIT,
                     "more than %llu hits in one document "
                     "(limit BUNRYU_LIMIT_HITS)",
                     (unsigned long long)limit);
  return BUNRYU_OK;
}

/* The next hit record, for the caller to fill; NULL (and the scan
   failed) past the hit limit or out of memory. */
static hit *new_hit(bunryu_scanner *s) {
  if (hits_room(s, 1) != BUNRYU_OK) return NULL;
  if (s->n_hits == s->cap_hits &&
      mem_grow(&s->m, (void **)&s->hits, &s->cap_hits, s->n_hits + 1,
               sizeof *s->hits) < 0) {
    scan_fail(s, BUNRYU_ENOMEM, "out of memory");
    return NULL;
  }
  return &s->hits[s->n_hits++];
}

static int push_hit(bunryu_scanner *s, const hit *h) {
  hit *slot = new_hit(s);
  if (!slot) return s->result.error;
  *slot = *h;
  return BUNRYU_OK;
}

/* ======================================================================
** Zones
** ==================================================================== */

static bool blank_line(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r') return false;
  return true;
}

static size_t line_end(const char *p, size_t len, size_t from) {
  const char *nl = memchr(p + from, '\n', len - from);
  return nl ? (size_t)(nl - p) : len;
}

static void add_segment(bunryu_scanner *s, const char *input, size_t len,
                        size_t mark_base, int fixed_zi, size_t title_end,
                        size_t lead_end) {
  static const unsigned bits[3] = {BUNRYU_ZONE_TITLE, BUNRYU_ZONE_LEAD,
                                   BUNRYU_ZONE_BODY};
  segment *g = &s->segs[s->n_segs++];
  g->input = input;
  g->len = len;
  g->mark_base = mark_base;
  g->fixed_zi = fixed_zi;
  g->title_end = title_end;
  g->lead_end = lead_end;
  g->cf_distinct = false;
  if (fixed_zi >= 0) {
    g->zones = bits[fixed_zi];
  } else {
    g->zones = BUNRYU_ZONE_BODY;
    if (title_end > 0) g->zones |= BUNRYU_ZONE_TITLE;
    if (lead_end > title_end) g->zones |= BUNRYU_ZONE_LEAD;
  }
}

int segment_zone(const segment *g, size_t pos) {
  if (g->fixed_zi >= 0) return g->fixed_zi;
  return pos < g->title_end ? 0 : pos < g->lead_end ? 1 : 2;
}

/* Where the segment's last zone begins: from there on segment_zone gives
   one value (the body's, or the segment's one zone). */
static size_t last_zone_start(const segment *g) {
  if (g->fixed_zi >= 0) return 0;
  return g->lead_end > g->title_end ? g->lead_end : g->title_end;
}

/*
** The end of the lead that starts at `from`: the lines up to and including
** the one in which BUNRYU_LIMIT_LEAD_BYTES bytes of text are reached
** (blank lines do not count).
*/
static size_t lead_end_of(const bunryu_scanner *s, const char *buf,
                          size_t from, size_t len) {
  size_t lead_bytes = (size_t)s->e->lim.v[BUNRYU_LIMIT_LEAD_BYTES];
  size_t pos = from, seen = 0;
  while (pos < len && seen < lead_bytes) {
    size_t end = line_end(buf, len, pos);
    if (!blank_line(buf + pos, end - pos)) seen += end - pos;
    pos = end < len ? end + 1 : len;
  }
  return pos;
}

/*
** A plain-text document: the title is the first non-blank line (blank
** lines before it count with it), then the lead, then the body.
*/
static void split_plain(bunryu_scanner *s, const char *text, size_t len) {
  size_t pos = 0, title_end = 0, body = 0;
  while (pos < len) {
    size_t end = line_end(text, len, pos);
    size_t next = end < len ? end + 1 : len;
    if (!blank_line(text + pos, end - pos)) {
      title_end = end;
      if (title_end > pos && text[title_end - 1] == '\r') title_end--;
      s->title = text + pos;
      s->title_len = title_end - pos;
      body = next;
      break;
    }
    pos = next;
  }
  add_segment(s, text, len, 0, -1, title_end, lead_end_of(s, text, body, len));
}

/* ======================================================================
** Literal pass
** ==================================================================== */

/* One scan of a segment's text, with what every hit needs one load away. */
typedef struct lit_pass {
  bunryu_scanner *s;
  const bunryu_engine *e;
  segment *g;
  int seg;
  const norm_text *t;
  const char *buf; /* t->buf, t->len */
  size_t len;
  bool cf_pass; /* scanning g->cf rather than g->nfc */
  /* A literal's hits count in this pass when (flags & cf_mask) == cf_want:
     a caseless literal runs on the folded text when that differs from the
     NFC one, every other literal on the NFC text. */
  unsigned cf_mask, cf_want;
  uint64_t max_hits;    /* BUNRYU_LIMIT_HITS */
  const uint32_t *lens; /* the automaton's pattern lengths */
  /* Input offsets from zone_from on are all in zone zone_zi (the body,
     or the segment's one zone): most hits are told their zone by one
     compare. */
  size_t zone_from;
  int zone_zi;
} lit_pass;

/* Offsets in a normalized text to input offsets; most documents need no
   map at all (these run twice for every hit). */
static inline size_t map_start(const norm_text *t, size_t pos) {
  return t->n_edits ? norm_map_start(t, pos) : pos;
}

static inline size_t map_end(const norm_text *t, size_t pos) {
  return t->n_edits ? norm_map_end(t, pos) : pos;
}

/* Which text a pattern runs on: the folded one for caseless patterns when
   it differs from the NFC text. */
static bool pattern_uses_cf(const pattern *p, const segment *g) {
  return (p->flags & BUNRYU_RE_CASELESS) && g->cf_distinct;
}

/*
** The zone of an input span [start, end) of segment g, or -1 when it
** crosses from one zone into another (a hit must lie within its zone, as
** if each zone were scanned on its own).
*/
static inline int span_zone(const segment *g, size_t start, size_t end) {
  int zi = segment_zone(g, start);
  return end > start && segment_zone(g, end - 1) != zi ? -1 : zi;
}

static const unsigned zone_bit_of[3] = {BUNRYU_ZONE_TITLE, BUNRYU_ZONE_LEAD,
                                        BUNRYU_ZONE_BODY};

/* new_hit without a call while there is room, as there nearly always is. */
static inline hit *next_hit(const lit_pass *p) {
  bunryu_scanner *s = p->s;
  if (s->n_hits < s->cap_hits && s->n_hits + s->n_trigs < p->max_hits)
    return &s->hits[s->n_hits++];
  return new_hit(s);
}

static int literal_hit(lit_pass *p, const literal *l, uint32_t index,
                       size_t start, size_t end) {
  if ((l->flags & p->cf_mask) != p->cf_want) return BUNRYU_OK;
  /* The automaton folds ASCII case; exact-case literals are checked here. */
  if (l->check_case && memcmp(p->buf + start, l->text, l->len))
    return BUNRYU_OK;
  if (l->edges && !boundary_edges_ok(p->buf, p->len, start, end, l->edges))
    return BUNRYU_OK;
  size_t in_s = map_start(p->t, start), in_e = map_end(p->t, end);
  int zi = in_s >= p->zone_from ? p->zone_zi : span_zone(p->g, in_s, in_e);
  if (zi < 0 || !(l->zones & zone_bit_of[zi])) return BUNRYU_OK;
  hit *h = next_hit(p);
  if (!h) return p->s->result.error;
  /* A keyword has no canonical name: NULL and 0. */
  *h = (hit){.kind = l->kind, .rule = (int)index, .owner = l->owner,
             .zi = zi, .seg = p->seg, .start = in_s, .end = in_e,
             .name = l->canonical, .name_len = l->canonical_len};
  return BUNRYU_OK;
}

static int trigger_seen(lit_pass *p, const trigger *t, size_t start) {
  bunryu_scanner *s = p->s;
  const pattern *pat = &s->e->pats[t->pattern];
  if (pattern_uses_cf(pat, p->g) != p->cf_pass) return BUNRYU_OK;
  /* The automaton folds ASCII case: a case-sensitive pattern's literal
     must be there as written (a capital S, not every s). */
  if (t->check_case && memcmp(p->buf + start, t->text, t->len) != 0)
    return BUNRYU_OK;
  /* A match holding this literal lies in the literal's zone. */
  int zi = segment_zone(p->g, map_start(p->t, start));
  if (!(pat->zones & zone_bit_of[zi])) return BUNRYU_OK;
  if (hits_room(s, 1) != BUNRYU_OK) return s->result.error;
  if (s->n_trigs == s->cap_trigs &&
      mem_grow(&s->m, (void **)&s->trigs, &s->cap_trigs, s->n_trigs + 1,
               sizeof *s->trigs) < 0)
    return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  s->trigs[s->n_trigs++] = (trigger_hit){t->pattern, p->seg, start};
  return BUNRYU_OK;
}

static int on_literal(void *ud, int32_t sid, size_t end) {
  lit_pass *p = ud;
  const bunryu_engine *e = p->e;
  size_t start = end - p->lens[sid];
  const uint32_t *o = e->owner_list + e->owner_start[sid];
  const uint32_t *last = e->owner_list + e->owner_start[sid + 1];
  for (; o < last; o++) {
    int rc = *o < e->n_lits
                 ? literal_hit(p, &e->lits[*o], *o, start, end)
                 : trigger_seen(p, &e->triggers[*o - e->n_lits], start);
    if (rc != BUNRYU_OK) return 1;
  }
  return 0;
}

static int scan_literals(bunryu_scanner *s, int seg, bool cf_pass) {
  segment *g = &s->segs[seg];
  const norm_text *t = cf_pass ? &g->cf : &g->nfc;
  lit_pass p = {
      .s = s, .e = s->e, .g = g, .seg = seg, .t = t, .buf = t->buf,
      .len = t->len, .cf_pass = cf_pass,
      .cf_mask = g->cf_distinct ? BUNRYU_LIT_CASELESS : 0,
      .cf_want = cf_pass ? BUNRYU_LIT_CASELESS : 0,
      .max_hits = s->e->lim.v[BUNRYU_LIMIT_HITS],
      .lens = lit_matcher_pattern_lengths(s->e->matcher),
      .zone_from = last_zone_start(g),
      .zone_zi = segment_zone(g, last_zone_start(g))};
  lit_scan(s->e->matcher, p.buf, p.len, on_literal, &p);
  return s->result.error;
}

/* ======================================================================
** Regex pass
** ==================================================================== */

/*
** Where (type, alias) is or would be in the alias table (sorted by type,
** then alias): sets *found when it is there.
*/
static size_t alias_search(const bunryu_engine *e, int type,
                           const char *alias, bool *found) {
  size_t lo = 0, hi = e->n_aliases;
  *found = false;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    const struct alias_entry *a = &e->aliases[mid];
    int c = a->type != type ? (a->type < type ? -1 : 1)
                            : strcmp(a->alias, alias);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* Whether the table holds aliases of `type`, given where a search for a
   name of that type ended (`at`): that place lies inside the type's block
   or at one of its edges. */
static bool type_near(const bunryu_engine *e, int type, size_t at) {
  return (at < e->n_aliases && e->aliases[at].type == type) ||
         (at > 0 && e->aliases[at - 1].type == type);
}

/*
** The canonical name for a name an entity pattern captured: the alias
** table's when it is an alias of the type (as captured, else folded), else
** the name itself. Most types have no aliases (the benchmark's "law"):
** theirs lie outside the table's types or find no block of their own after
** one search, and skip the folding and the second search.
*/
static const char *canonical_of(bunryu_scanner *s, int type, const char *name,
                                size_t n, size_t *out_len) {
  const bunryu_engine *e = s->e;
  const char *copy = arena_copy(s, name, n);
  if (!copy) return NULL;
  *out_len = n;
  size_t na = e->n_aliases;
  if (!na || type < e->aliases[0].type || type > e->aliases[na - 1].type)
    return copy;
  bool found;
  size_t at = alias_search(e, type, copy, &found);
  if (!found) {
    if (!type_near(e, type, at) ||
        text_normalize(&s->scratch, &s->m, name, n, NORM_NFKC_CF, true,
                       NULL) != BUNRYU_OK)
      return copy;
    at = alias_search(e, type, s->scratch.buf, &found);
    if (!found) return copy;
  }
  *out_len = strlen(e->aliases[at].canonical);
  return e->aliases[at].canonical;
}

static int pattern_match(bunryu_scanner *s, int seg, int pi,
                         const norm_text *t, size_t ms, size_t me, size_t gs,
                         size_t ge) {
  const pattern *p = &s->e->pats[pi];
  const segment *g = &s->segs[seg];
  size_t in_s = map_start(t, ms);
  size_t in_e = map_end(t, me);
  if (p->role == PAT_IGNORE) {
    if (mem_grow(&s->m, (void **)&s->ignored, &s->cap_ignored,
                 s->n_ignored + 1, sizeof *s->ignored) < 0)
      return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
    s->ignored[s->n_ignored++] = (ignored_span){seg, in_s, in_e};
    return BUNRYU_OK;
  }
  hit h = {0};
  h.kind = p->role == PAT_ENTITY ? HIT_ENTITY : HIT_PATTERN;
  h.rule = pi;
  h.from_pattern = true;
  h.owner = p->owner;
  h.seg = seg;
  h.start = in_s;
  h.end = in_e;
  if (p->role == PAT_ENTITY && gs != (size_t)-1 && ge > gs) {
    ms = gs;
    me = ge;
    h.start = map_start(t, gs);
    h.end = map_end(t, ge);
  }
  h.zi = span_zone(g, h.start, h.end);
  if (h.zi < 0 || !(p->zones & zone_bit_of[h.zi])) return BUNRYU_OK;
  if (p->role == PAT_ENTITY) {
    h.name = canonical_of(s, p->owner, t->buf + ms, me - ms, &h.name_len);
    if (!h.name) return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  }
  return push_hit(s, &h);
}

static int regex_failed(bunryu_scanner *s, const pattern *p, int rc) {
  if (rc == BUNRYU_ELIMIT)
    return scan_fail(s, rc,
                     "%s:%d: regex stopped by the match/depth/heap limit "
                     "(BUNRYU_LIMIT_REGEX_*): %s",
                     p->loc.file ? p->loc.file : "?", p->loc.line, p->source);
  return scan_fail(s, rc, "regex failed (%s): %s", bunryu_strerror(rc),
                   p->source);
}

/*
** Finds every match of pattern pi whose start lies in [from, upto]
** (upto == REGEX_UNBOUNDED: anywhere), leftmost first, without overlaps.
** Returns the end of the last match (or `from`) through *resume.
*/
static int run_range(bunryu_scanner *s, int seg, int pi, size_t from,
                     size_t upto, size_t *resume) {
  const pattern *p = &s->e->pats[pi];
  const segment *g = &s->segs[seg];
  const norm_text *t = pattern_uses_cf(p, g) ? &g->cf : &g->nfc;
  while (from <= t->len && (upto == REGEX_UNBOUNDED || from <= upto)) {
    size_t ms, me, gs = (size_t)-1, ge = (size_t)-1;
    int rc = regex_find(p->re, s->rs, t->buf, t->len, from, upto,
                        p->name_group, &ms, &me, &gs, &ge);
    if (rc < 0) return regex_failed(s, p, rc);
    if (rc == 0) break;
    rc = pattern_match(s, seg, pi, t, ms, me, gs, ge);
    if (rc != BUNRYU_OK) return rc;
    if (me > ms) {
      from = me;
    } else { /* an empty match: step over one character */
      from = ms + 1;
      while (from < t->len && ((unsigned char)t->buf[from] & 0xC0) == 0x80)
        from++;
    }
  }
  *resume = from;
  return BUNRYU_OK;
}

static int trigger_cmp(const void *a, const void *b) {
  const trigger_hit *x = a, *y = b;
  if (x->seg != y->seg) return x->seg < y->seg ? -1 : 1;
  if (x->pattern != y->pattern) return x->pattern < y->pattern ? -1 : 1;
  return (x->pos > y->pos) - (x->pos < y->pos);
}

/* The offset just after the last line feed in text[lo, pos), or lo. */
static size_t line_start(const char *text, size_t lo, size_t pos) {
  while (pos > lo && text[pos - 1] != '\n') pos--;
  return pos;
}

/*
** Where a match whose literal is at trigger position pos may start: [*sp].
** Returns 1, 0 when no match can hold that literal (the trigger is
** skipped), or an error code.
**
** A match holds at most `reach` bytes before its literal and, when it
** cannot hold a line feed, starts on the literal's line. A split pattern
** (compile.c's add_split) has its literal item at pos: the suffix check
** tells whether the rest of the pattern can match from pos, and the walk
** back over the prefix where the prefix can begin. The suffix goes first:
** on the benchmark it costs less per trigger and rejects more.
*/
static int trigger_span(bunryu_scanner *s, const pattern *p,
                        const norm_text *t, size_t pos, start_span *sp) {
  size_t lo = p->reach == REGEX_UNBOUNDED ? 0
              : pos > p->reach            ? pos - p->reach
                                          : 0;
  size_t hi = pos;
  if (p->suffix) {
    int rc = regex_match_at(p->suffix, s->rs, t->buf, t->len, pos);
    if (rc <= 0) return rc;
  }
  if (p->walk && !regex_walk_starts(p->walk, t->buf, lo, pos, &lo, &hi))
    return 0;
  /* After the walk, which stops at a line feed anyway (no step of a
     one-line pattern takes one), the line is looked for only where it
     left the span: a pattern with no bound before its literal but the
     line's need not read the whole line back at every trigger. */
  if (p->one_line) lo = line_start(t->buf, lo, pos);
  if (lo > hi) return 0;
  *sp = (start_span){lo, hi};
  return 1;
}

static int span_cmp(const void *a, const void *b) {
  const start_span *x = a, *y = b;
  if (x->lo != y->lo) return x->lo < y->lo ? -1 : 1;
  return (x->hi > y->hi) - (x->hi < y->hi);
}

/* The spans of the triggers tr[0..n) into s->spans, sorted by start:
   *count of them, or an error code. */
static int collect_spans(bunryu_scanner *s, const pattern *p,
                         const norm_text *t, const trigger_hit *tr, size_t n,
                         size_t *count) {
  if (mem_grow(&s->m, (void **)&s->spans, &s->cap_spans, n,
               sizeof *s->spans) < 0)
    return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  size_t k = 0;
  bool sorted = true;
  for (size_t i = 0; i < n; i++) {
    int rc = trigger_span(s, p, t, tr[i].pos, &s->spans[k]);
    if (rc < 0) return regex_failed(s, p, rc);
    if (rc == 0) continue;
    sorted = sorted && (k == 0 || s->spans[k - 1].lo <= s->spans[k].lo);
    k++;
  }
  /* Bounds from reach and lines grow with the trigger; nothing proves that
     a walk's do (none seen so far), so they are sorted when they do not. */
  if (!sorted) qsort(s->spans, k, sizeof *s->spans, span_cmp);
  *count = k;
  return BUNRYU_OK;
}

/*
** Runs one prefiltered pattern over the match starts its triggers tr[0..n)
** (sorted by position) allow, finding the matches a full scan finds.
**
** Why it is a full scan's result: every match M holds a literal at some
** trigger q (for a split pattern, its literal item begins at q), so q
** passes the suffix check and the walk, and M starts in q's span I_q of
** trigger_span. A full scan, from `resume` (the end of its last match),
** finds the leftmost start s >= resume at which the pattern matches, and
** there the match any search that tries s finds: where a search began
** matters only to \G, which keeps a pattern from being split, and
** lookbehinds see the text before it either way. So the union of the spans
** is visited in order — sorted by their start, since a walk's start need
** not grow with q, and merged where they touch — searching each merged
** span from max(its start, resume). s lies in some span and no match
** starts in [resume, s), so that search finds s and its match first; by
** induction, the same matches in the same order. A pattern whose spans
** would reach back without bound (no walk, no suffix, no line bound) is
** searched over the whole text at once.
*/
static int run_triggered(bunryu_scanner *s, int seg, int pi,
                         const trigger_hit *tr, size_t n) {
  const pattern *p = &s->e->pats[pi];
  const segment *g = &s->segs[seg];
  const norm_text *t = pattern_uses_cf(p, g) ? &g->cf : &g->nfc;
  size_t resume = 0, count = 0;
  if (p->reach == REGEX_UNBOUNDED && !p->one_line && !p->walk &&
      !p->suffix)
    return run_range(s, seg, pi, 0, REGEX_UNBOUNDED, &resume);
  if (collect_spans(s, p, t, tr, n, &count) != BUNRYU_OK)
    return s->result.error;
  const start_span *sp = s->spans;
  for (size_t i = 0; i < count;) {
    size_t lo = sp[i].lo, hi = sp[i].hi;
    for (i++; i < count && sp[i].lo <= hi + 1; i++)
      if (sp[i].hi > hi) hi = sp[i].hi;
    if (lo < resume) lo = resume;
    if (lo > hi) continue;
    int rc = run_range(s, seg, pi, lo, hi, &resume);
    if (rc != BUNRYU_OK) return rc;
    if (resume <= hi) resume = hi + 1;
  }
  return BUNRYU_OK;
}

static int run_patterns(bunryu_scanner *s, int seg, size_t trig_from) {
  const bunryu_engine *e = s->e;
  size_t resume;
  for (size_t i = 0; i < e->n_ignore; i++) {
    int pi = e->ignore_patterns[i];
    if (e->pats[pi].prefiltered) continue;
    if (run_range(s, seg, pi, 0, REGEX_UNBOUNDED, &resume) != BUNRYU_OK)
      return s->result.error;
  }
  for (size_t i = 0; i < e->n_always; i++) {
    int pi = e->always_patterns[i];
    if (!(e->pats[pi].zones & s->segs[seg].zones)) continue;
    if (run_range(s, seg, pi, 0, REGEX_UNBOUNDED, &resume) != BUNRYU_OK)
      return s->result.error;
  }
  trigger_hit *tr = s->trigs ? s->trigs + trig_from : NULL;
  size_t n = s->n_trigs - trig_from;
  /* In the automaton's order, each pattern's run is nearly sorted; only
     the interleaving of patterns moves much. */
  if (n > 1) sort_nearly_sorted(tr, n, sizeof *tr, trigger_cmp);
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && tr[j].pattern == tr[i].pattern) j++;
    if (run_triggered(s, seg, tr[i].pattern, tr + i, j - i) != BUNRYU_OK)
      return s->result.error;
    i = j;
  }
  return BUNRYU_OK;
}

/* ======================================================================
** The pipeline
** ==================================================================== */

static int normalize_segment(bunryu_scanner *s, segment *g, bool is_title) {
  bool replace = (s->flags & BUNRYU_SCAN_REPLACE_INVALID) != 0;
  size_t bad = 0;
  int rc = text_normalize(&g->nfc, &s->m, g->input, g->len, NORM_NFC, replace,
                          &bad);
  if (rc == BUNRYU_EUTF8)
    return scan_fail(s, rc, "invalid UTF-8 at byte %zu%s", bad,
                     is_title ? " of the title" : "");
  if (rc != BUNRYU_OK) return scan_fail(s, rc, "%s", bunryu_strerror(rc));
  if (s->e->has_caseless && g->nfc.has_compat) {
    rc = text_normalize(&g->cf, &s->m, g->input, g->len, NORM_NFKC_CF, true,
                        &bad);
    if (rc != BUNRYU_OK) return scan_fail(s, rc, "%s", bunryu_strerror(rc));
    g->cf_distinct = true;
  }
  return BUNRYU_OK;
}

static int scan_segment(bunryu_scanner *s, int seg) {
  segment *g = &s->segs[seg];
  if (normalize_segment(s, g, g->fixed_zi == 0) != BUNRYU_OK)
    return s->result.error;
  size_t trig_from = s->n_trigs;
  if (scan_literals(s, seg, false) != BUNRYU_OK) return s->result.error;
  if (g->cf_distinct && scan_literals(s, seg, true) != BUNRYU_OK)
    return s->result.error;
  return run_patterns(s, seg, trig_from);
}

static uint64_t now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int finish(bunryu_scanner *s, uint64_t t0, const bunryu_result **out) {
  if (!s->result.error && score_document(s) == BUNRYU_OK &&
      resolve_entities(s) == BUNRYU_OK) {
    char err[512] = "";
    int rc = run_hooks(s, err, sizeof err);
    if (rc < 0) scan_fail(s, rc, "%s", err);
  }
  if (s->result.error) {
    s->result.label = -1;
    s->result.n_ranked = 0;
    entities_reset(s);
    s->n_hits = 0;
  }
  s->result.elapsed_us = now_us() - t0;
  *out = &s->result;
  return s->result.error;
}

static int scan_segments(bunryu_scanner *s) {
  for (size_t i = 0; i < s->n_segs; i++)
    if (scan_segment(s, (int)i) != BUNRYU_OK) return s->result.error;
  return BUNRYU_OK;
}

static int check_size(bunryu_scanner *s, size_t len) {
  uint64_t limit = s->e->lim.v[BUNRYU_LIMIT_INPUT_BYTES];
  if (len > limit)
    return scan_fail(s, BUNRYU_ETOOBIG,
                     "document of %zu bytes exceeds the limit of %llu bytes "
                     "(BUNRYU_LIMIT_INPUT_BYTES)",
                     len, (unsigned long long)limit);
  return BUNRYU_OK;
}

int bunryu_scan(bunryu_scanner *s, const char *text, size_t len,
                unsigned flags, const bunryu_result **out) {
  if (!s || !out) return BUNRYU_EINVAL;
  uint64_t t0 = now_us();
  reset_document(s, flags);
  if (!text && len) {
    scan_fail(s, BUNRYU_EINVAL, "text is NULL but its length is not 0");
    return finish(s, t0, out);
  }
  if (!text) text = "";
  s->title = "";
  s->title_len = 0;
  s->text = text;
  s->text_len = len;
  if (check_size(s, len) == BUNRYU_OK) {
    split_plain(s, text, len);
    scan_segments(s);
  }
  return finish(s, t0, out);
}

int bunryu_scan_zones(bunryu_scanner *s, const char *title, size_t title_len,
                      const char *body, size_t body_len, unsigned flags,
                      const bunryu_result **out) {
  if (!s || !out) return BUNRYU_EINVAL;
  uint64_t t0 = now_us();
  reset_document(s, flags);
  if (!title) title = "", title_len = 0;
  if (!body) body = "", body_len = 0;
  s->title = title;
  s->title_len = title_len;
  s->text = body;
  s->text_len = body_len;
  if (title_len > SIZE_MAX - body_len) {
    scan_fail(s, BUNRYU_ETOOBIG, "document too large");
  } else if (check_size(s, title_len + body_len) == BUNRYU_OK) {
    add_segment(s, body, body_len, 0, -1, 0, lead_end_of(s, body, 0, body_len));
    if (title_len) add_segment(s, title, title_len, body_len, 0, 0, 0);
    scan_segments(s);
  }
  return finish(s, t0, out);
}
