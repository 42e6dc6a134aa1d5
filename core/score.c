/*
** score.c — from hits to a result: ignored spans removed, category scores
** (weights, zone weights, caps, containment), entity overlaps resolved and
** grouped, hooks run, categories ranked and the label chosen.
*/
#include <stdlib.h>
#include <string.h>

#include "scan.h"
#include "sort.h"

/* ======================================================================
** Ignored spans
** ==================================================================== */

static int span_cmp(const void *a, const void *b) {
  const ignored_span *x = a, *y = b;
  if (x->seg != y->seg) return x->seg < y->seg ? -1 : 1;
  return (x->start > y->start) - (x->start < y->start);
}

/* Whether [start, end) of segment seg overlaps an ignored span (sorted
   and merged, so a binary search finds the only candidate). */
static bool is_ignored(const bunryu_scanner *s, int seg, size_t start,
                       size_t end) {
  size_t lo = 0, hi = s->n_ignored;
  while (lo < hi) { /* first span that is not before (seg, start) */
    size_t mid = (lo + hi) / 2;
    const ignored_span *g = &s->ignored[mid];
    if (g->seg < seg || (g->seg == seg && g->end <= start)) lo = mid + 1;
    else hi = mid;
  }
  return lo < s->n_ignored && s->ignored[lo].seg == seg &&
         s->ignored[lo].start < end;
}

static void merge_ignored(bunryu_scanner *s) {
  if (s->n_ignored > 1)
    qsort(s->ignored, s->n_ignored, sizeof *s->ignored, span_cmp);
  size_t w = 0;
  for (size_t r = 0; r < s->n_ignored; r++) {
    ignored_span g = s->ignored[r];
    if (w && s->ignored[w - 1].seg == g.seg &&
        g.start <= s->ignored[w - 1].end) {
      if (g.end > s->ignored[w - 1].end) s->ignored[w - 1].end = g.end;
    } else {
      s->ignored[w++] = g;
    }
  }
  s->n_ignored = w;
}

static void drop_ignored_hits(bunryu_scanner *s) {
  if (!s->n_ignored) return;
  merge_ignored(s);
  size_t w = 0;
  for (size_t r = 0; r < s->n_hits; r++)
    if (!is_ignored(s, s->hits[r].seg, s->hits[r].start, s->hits[r].end))
      s->hits[w++] = s->hits[r];
  s->n_hits = w;
}

/* ======================================================================
** Category scores
** ==================================================================== */

static int cmp_size(size_t a, size_t b) { return (a > b) - (a < b); }

/* Category hits first, grouped by category and zone, in position order
   with longer hits before the hits they contain; entity hits last. */
static int category_order(const void *a, const void *b) {
  const hit *x = a, *y = b;
  int xe = x->kind == HIT_ENTITY, ye = y->kind == HIT_ENTITY;
  if (xe != ye) return xe - ye;
  if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
  if (x->zi != y->zi) return x->zi < y->zi ? -1 : 1;
  if (x->start != y->start) return cmp_size(x->start, y->start);
  if (x->end != y->end) return cmp_size(y->end, x->end);
  if (x->from_pattern != y->from_pattern) return x->from_pattern - y->from_pattern;
  return (x->rule > y->rule) - (x->rule < y->rule);
}

static uint32_t *count_of(bunryu_scanner *s, const hit *h) {
  return &s->counts[h->from_pattern ? s->e->n_lits + (size_t)h->rule
                                    : (size_t)h->rule];
}

static double weight_of(const bunryu_engine *e, const hit *h) {
  return h->from_pattern ? e->pats[h->rule].weight : e->lits[h->rule].weight;
}

/*
** Scores the hits of one category (a sorted run h[0, n)): a hit inside a
** longer hit of the same zone does not count (so a keyword and the longer
** keyword or negative term containing it are not both counted), and each
** keyword or pattern counts at most max_count times. A rule belongs to one
** category, so its count is reset here, and only when a cap reads it. The
** score is summed in the same order as ever (the output prints it).
*/
static void score_category(bunryu_scanner *s, hit *h, size_t n) {
  const bunryu_engine *e = s->e;
  int owner = h[0].owner;
  const category_def *c = &e->cats[owner];
  unsigned max = c->max_count;
  if (max)
    for (size_t i = 0; i < n; i++) *count_of(s, &h[i]) = 0;
  double score = s->scores[owner];
  size_t zone_end = 0; /* end of the kept hits of the current zone */
  for (size_t i = 0; i < n; i++) {
    hit *x = &h[i];
    bool new_zone = i == 0 || x->zi != h[i - 1].zi;
    x->counted = false;
    x->weight = 0;
    if (!new_zone && x->end <= zone_end) continue;
    zone_end = x->end; /* the first of its zone, or past the kept ones */
    if (max) {
      uint32_t *count = count_of(s, x);
      if (*count >= max) continue;
      (*count)++;
    }
    x->counted = true;
    x->weight = weight_of(e, x) * c->zone_weight[x->zi];
    score += x->weight;
  }
  s->scores[owner] = score;
}

/* The bucket of a hit: its category, or one past the last (nc) for
   entities. */
static inline size_t bucket_of(const hit *h, size_t nc) {
  return h->kind == HIT_ENTITY ? nc : (size_t)h->owner;
}

/* category_order for two hits of one category: whether x goes after y.
   Inline, where a qsort comparison is a call per pair. */
static inline bool bucket_after(const hit *x, const hit *y) {
  if (x->zi != y->zi) return x->zi > y->zi;
  if (x->start != y->start) return x->start > y->start;
  if (x->end != y->end) return x->end < y->end;
  if (x->from_pattern != y->from_pattern) return x->from_pattern;
  return x->rule > y->rule;
}

/* A category's hits, nearly in order (the automaton reports by end, regex
   hits follow): insertion, with qsort past a budget of moves so that a
   hostile order costs O(n log n). */
static void sort_bucket(hit *a, size_t n) {
  size_t budget = 16 * n + 64;
  for (size_t i = 1; i < n; i++) {
    if (!bucket_after(&a[i - 1], &a[i])) continue;
    hit x = a[i];
    size_t j = i;
    do {
      a[j] = a[j - 1];
      j--;
      if (--budget == 0) {
        a[j] = x;
        qsort(a, n, sizeof *a, category_order);
        return;
      }
    } while (j > 0 && bucket_after(&a[j - 1], &x));
    a[j] = x;
  }
}

/*
** Groups the hits by bucket, stably: a counting sort into the scratch
** buffer, which then becomes the hit array; bucket_start[b] is left at the
** end of bucket b. Locals, because each 72-byte store could otherwise
** alias the scanner and its engine.
*/
static int group_by_bucket(bunryu_scanner *s) {
  size_t nc = s->e->n_cats, n = s->n_hits;
  if (mem_grow(&s->m, (void **)&s->sort_tmp, &s->cap_sort_tmp, n,
               sizeof *s->sort_tmp) < 0)
    return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  hit *from = s->hits, *to = s->sort_tmp;
  size_t *start = s->bucket_start;
  memset(start, 0, (nc + 2) * sizeof *start);
  for (size_t i = 0; i < n; i++) start[bucket_of(&from[i], nc) + 1]++;
  for (size_t b = 0; b <= nc; b++) start[b + 1] += start[b];
  for (size_t i = 0; i < n; i++) to[start[bucket_of(&from[i], nc)]++] = from[i];
  size_t cap = s->cap_hits;
  s->hits = to;
  s->cap_hits = s->cap_sort_tmp;
  s->sort_tmp = from;
  s->cap_sort_tmp = cap;
  return BUNRYU_OK;
}

/*
** Puts the hits in category_order and scores them. Each category's hits
** are sorted on their own; the entity hits, last, stay in arrival order:
** select_entities orders the candidates itself, and its result does not
** depend on the order it finds them in.
*/
int score_document(bunryu_scanner *s) {
  drop_ignored_hits(s);
  if (s->n_hits < 2) { /* in order already */
    if (s->n_hits && s->hits[0].kind != HIT_ENTITY)
      score_category(s, s->hits, 1);
    return BUNRYU_OK;
  }
  if (group_by_bucket(s) != BUNRYU_OK) return s->result.error;
  const size_t *end = s->bucket_start;
  for (size_t c = 0, from = 0; c < s->e->n_cats; from = end[c++]) {
    if (end[c] == from) continue;
    sort_bucket(s->hits + from, end[c] - from);
    score_category(s, s->hits + from, end[c] - from);
  }
  return BUNRYU_OK;
}

/* Where the entity hits begin: sorted hits put them last. */
static size_t first_entity(const bunryu_scanner *s) {
  size_t lo = 0, hi = s->n_hits;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->hits[mid].kind == HIT_ENTITY) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/* ======================================================================
** Entities
** ==================================================================== */

/* Longest first, then higher priority, then earlier. The last key, a
   dictionary alias before a pattern of the same index, is the order
   category_order used to leave them in: with it, candidates tie only when
   they are the same hit twice, so the winners do not depend on the order
   the candidates arrive in. */
static int entity_order(const void *a, const void *b, const bunryu_engine *e) {
  const hit *x = a, *y = b;
  size_t lx = x->end - x->start, ly = y->end - y->start;
  if (lx != ly) return cmp_size(ly, lx);
  int px = e->ents[x->owner].priority, py = e->ents[y->owner].priority;
  if (px != py) return px > py ? -1 : 1;
  if (x->zi != y->zi) return x->zi < y->zi ? -1 : 1;
  if (x->start != y->start) return cmp_size(x->start, y->start);
  if (x->owner != y->owner) return x->owner < y->owner ? -1 : 1;
  if (x->rule != y->rule) return x->rule < y->rule ? -1 : 1;
  return x->from_pattern - y->from_pattern;
}

typedef int (*key_cmp)(const ent_key *x, const ent_key *y, const void *ctx);

/* A stable merge sort of keys with a context for the comparison; tmp holds
   n keys. */
static void sort_keys(ent_key *k, ent_key *tmp, size_t n, key_cmp cmp,
                      const void *ctx) {
  if (n < 2) return;
  size_t h = n / 2;
  sort_keys(k, tmp, h, cmp, ctx);
  sort_keys(k + h, tmp, n - h, cmp, ctx);
  if (cmp(&k[h - 1], &k[h], ctx) <= 0) return; /* already in order */
  size_t i = 0, j = h, o = 0;
  while (i < h && j < n) tmp[o++] = cmp(&k[j], &k[i], ctx) < 0 ? k[j++] : k[i++];
  while (i < h) tmp[o++] = k[i++];
  while (j < n) tmp[o++] = k[j++];
  memcpy(k, tmp, n * sizeof *k);
}

static int key_position_order(const ent_key *x, const ent_key *y,
                              const void *ctx) {
  (void)ctx;
  if (x->zi != y->zi) return x->zi < y->zi ? -1 : 1;
  return cmp_size(x->a, y->a);
}

typedef struct cand_ctx {
  const hit *cand;
  const bunryu_engine *e;
} cand_ctx;

static int key_entity_order(const ent_key *x, const ent_key *y,
                            const void *ctx) {
  const cand_ctx *c = ctx;
  return entity_order(&c->cand[x->i], &c->cand[y->i], c->e);
}

/* Bits [from, to) of the overlap map: all clear? / set or clear them. */
static uint64_t bits_of_word(size_t w, size_t from, size_t to) {
  size_t lo = w * 64 > from ? 0 : from - w * 64;
  size_t hi = (w + 1) * 64 < to ? 64 : to - w * 64;
  uint64_t m = hi == 64 ? ~UINT64_C(0) : (UINT64_C(1) << hi) - 1;
  return m & ~((UINT64_C(1) << lo) - 1);
}

static bool marks_clear(const uint64_t *marks, size_t from, size_t to) {
  for (size_t w = from / 64; w * 64 < to; w++)
    if (marks[w] & bits_of_word(w, from, to)) return false;
  return true;
}

static void marks_set(uint64_t *marks, size_t from, size_t to, bool on) {
  for (size_t w = from / 64; w * 64 < to; w++) {
    if (on) marks[w] |= bits_of_word(w, from, to);
    else marks[w] &= ~bits_of_word(w, from, to);
  }
}

static int ensure_marks(bunryu_scanner *s, size_t bytes) {
  size_t words = bytes / 64 + 1;
  if (words <= s->cap_marks) return BUNRYU_OK;
  uint64_t *m = mem_calloc(&s->m, words, sizeof *m);
  if (!m) return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  mem_free(&s->m, s->marks, s->cap_marks * sizeof *s->marks);
  s->marks = m;
  s->cap_marks = words;
  return BUNRYU_OK;
}

/*
** The candidates of one cluster (overlapping one another in a chain),
** k[0..n), n >= 2: the longest wins, then the higher priority, then the
** earlier, and each winner takes its bytes from the rest. Leaves k in
** position order with `kept` set.
*/
static int resolve_cluster(bunryu_scanner *s, const hit *cand, ent_key *k,
                           ent_key *tmp, size_t n) {
  if (ensure_marks(s, s->title_len + s->text_len + 1) != BUNRYU_OK)
    return s->result.error;
  cand_ctx ctx = {cand, s->e};
  sort_keys(k, tmp, n, key_entity_order, &ctx);
  for (size_t i = 0; i < n; i++) {
    k[i].kept = k[i].b > k[i].a && marks_clear(s->marks, k[i].a, k[i].b);
    if (k[i].kept) marks_set(s->marks, k[i].a, k[i].b, true);
  }
  for (size_t i = 0; i < n; i++)
    if (k[i].kept) marks_set(s->marks, k[i].a, k[i].b, false);
  sort_keys(k, tmp, n, key_position_order, NULL);
  return BUNRYU_OK;
}

/*
** Marks the candidates (keys in position order) that win their overlaps.
** A candidate's fate depends only on the candidates it overlaps, directly
** or through others, so each such cluster is decided on its own; most
** candidates overlap nothing and are kept without sorting.
*/
static int mark_winners(bunryu_scanner *s, const hit *cand, ent_key *k,
                        ent_key *tmp, size_t n) {
  for (size_t c0 = 0, c1; c0 < n; c0 = c1) {
    size_t end = k[c0].b;
    for (c1 = c0 + 1; c1 < n && k[c1].zi == k[c0].zi && k[c1].a < end; c1++)
      if (k[c1].b > end) end = k[c1].b;
    if (c1 - c0 == 1)
      k[c0].kept = k[c0].b > k[c0].a;
    else if (resolve_cluster(s, cand, k + c0, tmp, c1 - c0) != BUNRYU_OK)
      return s->result.error;
  }
  return BUNRYU_OK;
}

/* key_position_order: whether x goes after y. */
static inline bool key_after(const ent_key *x, const ent_key *y) {
  return x->zi != y->zi ? x->zi > y->zi : x->a > y->a;
}

/*
** Keys in position order. They arrive nearly so (the automaton reports by
** end, pattern hits follow): insertion, inline, with the merge sort past a
** budget of moves so that a hostile order costs O(n log n).
*/
static void sort_positions(ent_key *k, ent_key *tmp, size_t n) {
  size_t budget = 16 * n + 64;
  for (size_t i = 1; i < n; i++) {
    if (!key_after(&k[i - 1], &k[i])) continue;
    ent_key x = k[i];
    size_t j = i;
    do {
      k[j] = k[j - 1];
      j--;
      if (--budget == 0) {
        k[j] = x;
        sort_keys(k, tmp, n, key_position_order, NULL);
        return;
      }
    } while (j > 0 && key_after(&k[j - 1], &x));
    k[j] = x;
  }
}

/* Moves the winners (keys in position order) to the front of cand, in
   that order; returns how many. In place when they keep their relative
   order (each then moves down, never over one still to be read). */
static size_t gather_winners(bunryu_scanner *s, hit *cand, const ent_key *k,
                             size_t n) {
  bool in_place = true, seen = false;
  for (size_t i = 0, last = 0; i < n && in_place; i++)
    if (k[i].kept) {
      in_place = !seen || k[i].i > last;
      last = k[i].i;
      seen = true;
    }
  size_t kept = 0;
  hit *to = in_place ? cand : s->sort_tmp;
  for (size_t i = 0; i < n; i++)
    if (k[i].kept) {
      if (to + kept != cand + k[i].i) to[kept] = cand[k[i].i];
      kept++;
    }
  if (!in_place) memcpy(cand, s->sort_tmp, kept * sizeof *cand);
  return kept;
}

/*
** Keeps the entity candidates that win their overlaps (longest, then
** priority, then earliest), in position order, at hits[first..n_hits).
** Overlapping candidates share a zone (a hit never crosses zones), and a
** zone lies in one segment, so (zone, map offset) orders them by position.
*/
static int select_entities(bunryu_scanner *s, size_t first) {
  size_t n = s->n_hits - first;
  hit *cand = s->hits + first;
  if (n > UINT32_MAX / 2 ||
      mem_grow(&s->m, (void **)&s->ent_keys, &s->cap_ent_keys, 2 * n,
               sizeof *s->ent_keys) < 0 ||
      mem_grow(&s->m, (void **)&s->sort_tmp, &s->cap_sort_tmp, n,
               sizeof *s->sort_tmp) < 0)
    return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  ent_key *k = s->ent_keys, *tmp = s->ent_keys + n;
  for (size_t i = 0; i < n; i++) {
    size_t base = s->segs[cand[i].seg].mark_base;
    k[i] = (ent_key){base + cand[i].start, base + cand[i].end, cand[i].zi,
                     false, (uint32_t)i};
  }
  sort_positions(k, tmp, n);
  if (mark_winners(s, cand, k, tmp, n) != BUNRYU_OK) return s->result.error;
  s->n_hits = first + gather_winners(s, cand, k, n);
  return BUNRYU_OK;
}

static uint64_t load64(const char *p) {
  uint64_t w;
  memcpy(&w, p, sizeof w);
  return w;
}

static uint64_t load32(const char *p) {
  uint32_t w;
  memcpy(&w, p, sizeof w);
  return w;
}

/*
** The entity table's hash of (type, name): eight bytes a step (the tail
** read as the last eight, overlapping), where hash_bytes takes a multiply
** per byte. Only this table uses it; equality is checked in full anyway.
*/
static inline uint64_t name_hash(int type, const char *p, size_t n) {
  const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
  uint64_t h = ((uint64_t)(unsigned)type * k) ^ n, w;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) h = (h ^ load64(p + i)) * k;
  if (n >= 8) w = i < n ? load64(p + n - 8) : 0;
  else if (n >= 4) w = load32(p) | load32(p + n - 4) << 32;
  else if (n) w = (uint64_t)(unsigned char)p[0] |
                  (uint64_t)(unsigned char)p[n / 2] << 8 |
                  (uint64_t)(unsigned char)p[n - 1] << 16;
  else w = 0;
  h = (h ^ w) * k;
  return h ^ (h >> 32);
}

static bool same_entity(const entity_rec *r, int type, const char *name,
                        size_t n) {
  /* Repeats of an alias bring the same engine string: no compare. */
  return r->type == type && r->name_len == n &&
         (r->name == name || memcmp(r->name, name, n) == 0);
}

/* The slot of (type, name): the one holding it, or the empty one where it
   would go (the table is never more than half full). */
static inline size_t ent_slot(const bunryu_scanner *s, int type,
                              const char *name, size_t n) {
  size_t mask = s->n_ent_slots - 1;
  size_t i = name_hash(type, name, n) & mask;
  for (;;) {
    uint32_t v = s->ent_slots[i];
    if (!v || same_entity(&s->ents[v - 1], type, name, n)) return i;
    i = (i + 1) & mask;
  }
}

static int rehash_entities(bunryu_scanner *s) {
  size_t want = 64;
  while (want < (s->n_ents + 1) * 2) want *= 2;
  if (want <= s->n_ent_slots) return BUNRYU_OK;
  uint32_t *slots = mem_calloc(&s->m, want, sizeof *slots);
  if (!slots) return BUNRYU_ENOMEM;
  mem_free(&s->m, s->ent_slots, s->n_ent_slots * sizeof *s->ent_slots);
  s->ent_slots = slots;
  s->n_ent_slots = want;
  for (size_t i = 0; i < s->n_ents; i++) {
    const entity_rec *r = &s->ents[i];
    s->ent_slots[ent_slot(s, r->type, r->name, r->name_len)] = (uint32_t)i + 1;
  }
  return BUNRYU_OK;
}

void entities_reset(bunryu_scanner *s) {
  /* Clearing only the used slots keeps a scanner that once saw a huge
     document from paying for its table on every later one. */
  if (s->n_ents * 8 < s->n_ent_slots) {
    /* Find each record's slot by its value, not with ent_slot(): once an
       earlier slot of a probe chain is cleared, ent_slot() stops there and
       a later slot of the chain would stay set, stale, into the next
       document (which then counted its entity into a dead record). */
    size_t mask = s->n_ent_slots - 1;
    for (size_t i = 0; i < s->n_ents; i++) {
      const entity_rec *r = &s->ents[i];
      size_t j = name_hash(r->type, r->name, r->name_len) & mask;
      for (size_t probes = 0; probes < s->n_ent_slots; probes++) {
        if (s->ent_slots[j] == (uint32_t)i + 1) {
          s->ent_slots[j] = 0;
          break;
        }
        j = (j + 1) & mask;
      }
    }
  } else if (s->ent_slots) {
    memset(s->ent_slots, 0, s->n_ent_slots * sizeof *s->ent_slots);
  }
  s->n_ents = 0;
}

/* A new record for (type, name), whose slot is `slot` unless the table
   must grow first: it does when one more entity would fill more than half
   of it (a power of two, at least 64). */
static int new_entity(bunryu_scanner *s, size_t slot, int type,
                      const char *name, size_t name_len, int zi, int seg,
                      size_t start, size_t end) {
  if ((s->n_ents + 1) * 2 > s->n_ent_slots) {
    if (rehash_entities(s) != BUNRYU_OK) return BUNRYU_ENOMEM;
    slot = ent_slot(s, type, name, name_len);
  }
  if (s->n_ents == s->cap_ents &&
      mem_grow(&s->m, (void **)&s->ents, &s->cap_ents, s->n_ents + 1,
               sizeof *s->ents) < 0)
    return BUNRYU_ENOMEM;
  const char *buf = s->segs[seg].input;
  s->ents[s->n_ents] = (entity_rec){type, name, name_len, buf + start,
                                    end - start, start, end, 1, zi, seg};
  s->ent_slots[slot] = (uint32_t)++s->n_ents;
  return BUNRYU_OK;
}

/* entity_add with the repeat, the common case, inline in
   resolve_entities' loop (a call per hit was a fifth of its cost). */
static inline int add_entity(bunryu_scanner *s, int type, const char *name,
                             size_t name_len, int zi, int seg, size_t start,
                             size_t end) {
  size_t slot = 0;
  if (s->n_ent_slots) {
    slot = ent_slot(s, type, name, name_len);
    uint32_t v = s->ent_slots[slot];
    if (v) {
      s->ents[v - 1].count++;
      return BUNRYU_OK;
    }
  }
  return new_entity(s, slot, type, name, name_len, zi, seg, start, end);
}

int entity_add(bunryu_scanner *s, int type, const char *name, size_t name_len,
               int zi, int seg, size_t start, size_t end) {
  return add_entity(s, type, name, name_len, zi, seg, start, end);
}

int resolve_entities(bunryu_scanner *s) {
  size_t first = first_entity(s);
  if (first == s->n_hits) return BUNRYU_OK;
  if (select_entities(s, first) != BUNRYU_OK) return s->result.error;
  for (size_t i = first; i < s->n_hits; i++) {
    const hit *h = &s->hits[i];
    if (add_entity(s, h->owner, h->name, h->name_len, h->zi, h->seg, h->start,
                   h->end) != BUNRYU_OK)
      return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  }
  return BUNRYU_OK;
}

/* ======================================================================
** Ranking and label
** ==================================================================== */

void rank_categories(bunryu_scanner *s, int forced_label) {
  const bunryu_engine *e = s->e;
  bunryu_result *r = &s->result;
  size_t n = 0;
  for (size_t c = 0; c < e->n_cats; c++) {
    if (!(s->scores[c] > 0)) continue;
    size_t j = n++; /* insertion: few categories */
    while (j > 0 && s->scores[s->ranked[j - 1]] < s->scores[c]) {
      s->ranked[j] = s->ranked[j - 1];
      j--;
    }
    s->ranked[j] = (int)c;
  }
  r->n_ranked = n;
  if (forced_label >= 0 && (size_t)forced_label < e->n_cats) {
    r->label = forced_label;
  } else if (forced_label == -1 && n > 0) {
    const category_def *top = &e->cats[s->ranked[0]];
    double th = top->threshold >= 0 ? top->threshold : e->threshold;
    r->label = s->scores[s->ranked[0]] >= th ? s->ranked[0] : -1;
  } else {
    r->label = -1;
  }
}

/* ======================================================================
** Hooks
** ==================================================================== */

static const unsigned zone_bits[3] = {BUNRYU_ZONE_TITLE, BUNRYU_ZONE_LEAD,
                                      BUNRYU_ZONE_BODY};

static const char *hit_term(const bunryu_engine *e, const hit *h) {
  if (h->kind == HIT_ENTITY) return h->name;
  return h->from_pattern ? e->pats[h->rule].source : e->lits[h->rule].source;
}

static int fill_hook_hits(bunryu_scanner *s) {
  if (!s->n_hits) return BUNRYU_OK;
  if (mem_grow(&s->m, (void **)&s->hook_hits, &s->cap_hook_hits, s->n_hits,
               sizeof *s->hook_hits) < 0)
    return scan_fail(s, BUNRYU_ENOMEM, "out of memory");
  for (size_t i = 0; i < s->n_hits; i++) {
    const hit *h = &s->hits[i];
    bool ent = h->kind == HIT_ENTITY;
    s->hook_hits[i] = (hook_hit){h->kind,
                                 ent ? -1 : h->owner,
                                 ent ? h->owner : -1,
                                 hit_term(s->e, h),
                                 zone_bits[h->zi],
                                 h->start,
                                 h->end,
                                 s->segs[h->seg].input + h->start,
                                 h->end - h->start,
                                 h->weight};
  }
  return BUNRYU_OK;
}

int run_hooks(bunryu_scanner *s, char *err, size_t errlen) {
  const bunryu_engine *e = s->e;
  if (!e->hooks) {
    rank_categories(s, -1);
    return BUNRYU_OK;
  }
  if (fill_hook_hits(s) != BUNRYU_OK) return s->result.error;
  hook_doc d = {s->title,     s->title_len, s->text,      s->text_len,
                s->hook_hits, s->n_hits,    e->n_cats,    e->cat_names,
                s->scores,    -1,           s};
  int rc = e->hooks->run(s->hook_state, &d, e->lim.v[BUNRYU_LIMIT_LUA_INSTRUCTIONS],
                         err, errlen);
  if (rc != BUNRYU_OK) return rc;
  rank_categories(s, d.label);
  return BUNRYU_OK;
}

size_t hook_entity_count(const hook_doc *d) { return d->ctx->n_ents; }

const hook_entity *hook_entity_get(const hook_doc *d, size_t i,
                                   hook_entity *out) {
  const bunryu_scanner *s = d->ctx;
  if (i >= s->n_ents) return NULL;
  const entity_rec *r = &s->ents[i];
  *out = (hook_entity){s->e->ents[r->type].name, r->name, r->text, r->text_len,
                       r->start, r->end, r->count, zone_bits[r->zi]};
  return out;
}

static int type_id(const bunryu_engine *e, const char *type) {
  for (size_t i = 0; i < e->n_ents; i++)
    if (strcmp(e->ents[i].name, type) == 0) return (int)i;
  return -1;
}

/* Segment 0 is always the hook's text (the whole input, or the body). */
enum { TEXT_SEGMENT = 0 };

int hook_entity_add(hook_doc *d, const char *type, const char *name,
                    size_t start, size_t end) {
  bunryu_scanner *s = d->ctx;
  int t = type_id(s->e, type);
  if (t < 0 || !name || start > end || end > s->text_len || s->n_segs == 0)
    return BUNRYU_EINVAL;
  const char *copy = arena_copy(s, name, strlen(name));
  if (!copy) return BUNRYU_ENOMEM;
  int zi = segment_zone(&s->segs[TEXT_SEGMENT], start);
  /* A failure goes back to the hook, which reports it as its error. */
  return entity_add(s, t, copy, strlen(copy), zi, TEXT_SEGMENT, start, end);
}

int hook_entity_drop(hook_doc *d, const char *type, const char *name) {
  bunryu_scanner *s = d->ctx;
  int t = type_id(s->e, type);
  if (t < 0 || !name) return 0;
  size_t n = strlen(name), w = 0;
  for (size_t r = 0; r < s->n_ents; r++) {
    const entity_rec *x = &s->ents[r];
    if (x->type == t && x->name_len == n && memcmp(x->name, name, n) == 0)
      continue;
    s->ents[w++] = s->ents[r];
  }
  if (w == s->n_ents) return 0;
  s->n_ents = w;
  memset(s->ent_slots, 0, s->n_ent_slots * sizeof *s->ent_slots);
  for (size_t i = 0; i < s->n_ents; i++) {
    const entity_rec *x = &s->ents[i];
    s->ent_slots[ent_slot(s, x->type, x->name, x->name_len)] = (uint32_t)i + 1;
  }
  return 1;
}
