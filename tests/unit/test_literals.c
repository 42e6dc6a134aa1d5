/*
** test_literals.c — the multi-pattern literal matcher (core/literals.h):
** Aho-Corasick semantics, ASCII folding, bytes and Hangul, allocation
** failures, and differential tests against a naive matcher.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "literals.h"
#include "unit.h"

/* ------------------------------------------------------------------------
** Helpers
** --------------------------------------------------------------------- */
typedef struct hit {
  int32_t id;
  size_t end;
} hit;

typedef struct hits {
  hit *v;
  size_t n, cap;
  size_t stop_after; /* 0: never stop */
  int out_of_order;  /* an end smaller than the previous one was seen */
} hits;

static int collect(void *ud, int32_t id, size_t end) {
  hits *h = ud;
  if (h->n && end < h->v[h->n - 1].end) h->out_of_order = 1;
  if (h->n == h->cap) {
    h->cap = h->cap ? h->cap * 2 : 64;
    h->v = realloc(h->v, h->cap * sizeof *h->v);
    if (!h->v) abort();
  }
  h->v[h->n++] = (hit){id, end};
  return h->stop_after && h->n >= h->stop_after ? 7 : 0;
}

static int hit_cmp(const void *a, const void *b) {
  const hit *x = a, *y = b;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return (x->id > y->id) - (x->id < y->id);
}

/* Builds a matcher from NUL-terminated patterns; ids[i] gets each id. */
static lit_matcher *build_strs(const char *const *pats, size_t n,
                               int32_t *ids) {
  mem m = mem_default();
  for (size_t i = 0; ids && i < n; i++) ids[i] = -1;
  lit_builder *b = lit_builder_new(&m);
  if (!b) return NULL;
  for (size_t i = 0; i < n; i++) {
    int32_t id = lit_builder_add(b, pats[i], strlen(pats[i]));
    if (ids) ids[i] = id;
  }
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  return mt;
}

/* Scans text and returns its hits sorted by (end, id). */
static hits scan_sorted(const lit_matcher *mt, const char *text, size_t len) {
  hits h = {0};
  lit_scan(mt, text, len, collect, &h);
  qsort(h.v, h.n, sizeof *h.v, hit_cmp);
  return h;
}

static int has_hit(const hits *h, int32_t id, size_t end) {
  for (size_t i = 0; i < h->n; i++)
    if (h->v[i].id == id && h->v[i].end == end) return 1;
  return 0;
}

/* ------------------------------------------------------------------------
** Semantics
** --------------------------------------------------------------------- */
TEST(literals_overlaps_he_she_his_hers) {
  const char *pats[] = {"he", "she", "his", "hers"};
  int32_t id[4];
  lit_matcher *mt = build_strs(pats, 4, id);
  CHECK(mt != NULL);
  if (!mt) return;
  const char *text = "ushers ahishe";
  hits h = {0};
  lit_scan(mt, text, strlen(text), collect, &h);
  CHECK(!h.out_of_order);
  CHECK_INT(h.n, 6);
  CHECK(has_hit(&h, id[1], 4)); /* she */
  CHECK(has_hit(&h, id[0], 4)); /* he */
  CHECK(has_hit(&h, id[3], 6)); /* hers */
  CHECK(has_hit(&h, id[2], 11)); /* his */
  CHECK(has_hit(&h, id[1], 13)); /* she */
  CHECK(has_hit(&h, id[0], 13)); /* he */
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_prefix_of_another) {
  const char *pats[] = {"abcdef", "abc", "ab"};
  int32_t id[3];
  lit_matcher *mt = build_strs(pats, 3, id);
  if (!CHECK(mt != NULL)) return;
  hits h = scan_sorted(mt, "xabcdefabcde", 12);
  CHECK_INT(h.n, 5);
  CHECK(has_hit(&h, id[2], 3));
  CHECK(has_hit(&h, id[1], 4));
  CHECK(has_hit(&h, id[0], 7));
  CHECK(has_hit(&h, id[2], 9));
  CHECK(has_hit(&h, id[1], 10));
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_suffix_patterns) {
  const char *pats[] = {"abcdef", "cdef", "f", "def"};
  int32_t id[4];
  lit_matcher *mt = build_strs(pats, 4, id);
  if (!CHECK(mt != NULL)) return;
  hits h = scan_sorted(mt, "abcdef", 6);
  CHECK_INT(h.n, 4);
  for (int i = 0; i < 4; i++) CHECK(has_hit(&h, id[i], 6));
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_duplicates_share_an_id) {
  mem m = mem_default();
  lit_builder *b = lit_builder_new(&m);
  if (!CHECK(b != NULL)) return;
  int32_t a = lit_builder_add(b, "OpenAI", 6);
  int32_t c = lit_builder_add(b, "Claude", 6);
  CHECK_INT(a, 0);
  CHECK_INT(c, 1);
  CHECK_INT(lit_builder_add(b, "OpenAI", 6), a);
  CHECK_INT(lit_builder_add(b, "openai", 6), a);
  CHECK_INT(lit_builder_add(b, "OPENAI", 6), a);
  CHECK_INT(lit_builder_add(b, "Open", 4), 2);
  CHECK_SIZE(lit_builder_count(b), 3);
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  if (!CHECK(mt != NULL)) return;
  hits h = scan_sorted(mt, "openai", 6);
  CHECK_INT(h.n, 2); /* "open" and "openai", each reported once */
  CHECK(has_hit(&h, a, 6));
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_ascii_case_folding) {
  const char *pats[] = {"OpenAI", "naver"};
  int32_t id[2];
  lit_matcher *mt = build_strs(pats, 2, id);
  if (!CHECK(mt != NULL)) return;
  const char *text = "openai OPENAI OpenAi NAVER Naver";
  hits h = scan_sorted(mt, text, strlen(text));
  CHECK_INT(h.n, 5);
  CHECK(has_hit(&h, id[0], 6));
  CHECK(has_hit(&h, id[0], 13));
  CHECK(has_hit(&h, id[0], 20));
  CHECK(has_hit(&h, id[1], 26));
  CHECK(has_hit(&h, id[1], 32));
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_folding_is_ascii_only) {
  /* É (C3 89) and é (C3 A9) differ; bytes >= 0x80 are never folded. */
  const char *pats[] = {"\xc3\xa9t\xc3\xa9"};
  lit_matcher *mt = build_strs(pats, 1, NULL);
  if (!CHECK(mt != NULL)) return;
  hits h = scan_sorted(mt, "\xc3\x89T\xc3\x89 \xc3\xa9T\xc3\xa9", 11);
  CHECK_INT(h.n, 1);
  CHECK(has_hit(&h, 0, 11));
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_hangul_in_hangul_text) {
  const char *pats[] = {"메타", "메타버스", "라마", "오픈AI", "삼성전자"};
  int32_t id[5];
  lit_matcher *mt = build_strs(pats, 5, id);
  if (!CHECK(mt != NULL)) return;
  const char *text = "드라마 메타버스와 메타는 오픈ai, 삼성전자의";
  hits h = scan_sorted(mt, text, strlen(text));
  const char *p;
  CHECK_INT(h.n, 6);
  p = strstr(text, "라마");
  CHECK(has_hit(&h, id[2], (size_t)(p - text) + 6));
  p = strstr(text, "메타버스");
  CHECK(has_hit(&h, id[0], (size_t)(p - text) + 6));
  CHECK(has_hit(&h, id[1], (size_t)(p - text) + 12));
  p = strstr(text, "메타는");
  CHECK(has_hit(&h, id[0], (size_t)(p - text) + 6));
  p = strstr(text, "오픈ai");
  CHECK(has_hit(&h, id[3], (size_t)(p - text) + 8));
  p = strstr(text, "삼성전자");
  CHECK(has_hit(&h, id[4], (size_t)(p - text) + 12));
  CHECK_SIZE(lit_matcher_pattern_len(mt, id[1]), 12);
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_binary_bytes_and_nul) {
  mem m = mem_default();
  lit_builder *b = lit_builder_new(&m);
  if (!CHECK(b != NULL)) return;
  int32_t nul = lit_builder_add(b, "\0", 1);
  int32_t anb = lit_builder_add(b, "a\0b", 3);
  int32_t ff = lit_builder_add(b, "\xff\xfe", 2);
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  if (!CHECK(mt != NULL)) return;
  const char text[] = "xA\0B\xff\xfe\xff\0";
  hits h = scan_sorted(mt, text, sizeof text - 1);
  CHECK_INT(h.n, 4);
  CHECK(has_hit(&h, nul, 3));
  CHECK(has_hit(&h, anb, 4));
  CHECK(has_hit(&h, ff, 6));
  CHECK(has_hit(&h, nul, 8));
  CHECK_SIZE(lit_matcher_pattern_len(mt, anb), 3);
  free(h.v);
  lit_matcher_free(mt);
}

TEST(literals_empty_pattern_set_and_text) {
  mem m = mem_default();
  lit_builder *b = lit_builder_new(&m);
  if (!CHECK(b != NULL)) return;
  CHECK_INT(lit_builder_add(b, "x", 0), -1);
  CHECK_SIZE(lit_builder_count(b), 0);
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  if (!CHECK(mt != NULL)) return;
  CHECK(lit_matcher_memory(mt) > 0);
  hits h = {0};
  CHECK_INT(lit_scan(mt, "anything at all", 15, collect, &h), 0);
  CHECK_INT(lit_scan(mt, NULL, 0, collect, &h), 0);
  CHECK_INT(h.n, 0);
  CHECK_SIZE(lit_matcher_pattern_len(mt, 0), 0);
  lit_matcher_free(mt);

  const char *pats[] = {"a"};
  mt = build_strs(pats, 1, NULL);
  if (!CHECK(mt != NULL)) return;
  CHECK_INT(lit_scan(mt, "", 0, collect, &h), 0);
  CHECK_INT(h.n, 0);
  lit_matcher_free(mt);
}

TEST(literals_callback_stops_scan) {
  const char *pats[] = {"a", "aa"};
  lit_matcher *mt = build_strs(pats, 2, NULL);
  if (!CHECK(mt != NULL)) return;
  hits h = {0};
  h.stop_after = 3;
  CHECK_INT(lit_scan(mt, "aaaaaaaa", 8, collect, &h), 7);
  CHECK_INT(h.n, 3);
  free(h.v);
  lit_matcher_free(mt);
}

/* Stopping after n hits delivers exactly the first n hits of a full scan,
   whichever path (one copy, two copies, held hits, straddling) they took. */
TEST(literals_stop_delivers_a_prefix) {
  const char *pats[] = {"가나", "나다", "가나다라", "ab", "b", "라마바"};
  lit_matcher *mt = build_strs(pats, 6, NULL);
  if (!CHECK(mt != NULL)) return;
  static const char *const piece[] = {"가나다라마바", "ab", "나다",
                                      "쿠투 의는 하고 ", "xyz 우리 ",
                                      "그리고 ", "오늘은 ", "정부는 "};
  unsigned long long seed = 7;
  char *text = malloc(40000);
  size_t len = 0;
  while (len < 39900) {
    seed = seed * 6364136223846793005ULL + 1;
    const char *p = piece[(seed >> 33) % 8];
    memcpy(text + len, p, strlen(p));
    len += strlen(p);
  }
  hits full = {0};
  lit_scan(mt, text, len, collect, &full);
  int prefix_ok = 1;
  for (size_t n = 1; n < full.n; n = n * 3 / 2 + 1) {
    hits h = {0};
    h.stop_after = n;
    prefix_ok &= lit_scan(mt, text, len, collect, &h) == 7 && h.n == n;
    for (size_t i = 0; i < h.n && i < n; i++)
      prefix_ok &= h.v[i].id == full.v[i].id && h.v[i].end == full.v[i].end;
    free(h.v);
  }
  CHECK(prefix_ok);
  CHECK(!full.out_of_order);
  CHECK(full.n > 1000 && full.n < len / 10); /* the second copy keeps up */
  free(full.v);
  free(text);
  lit_matcher_free(mt);
}

TEST(literals_memory_accounting) {
  const char *few[] = {"a"};
  const char *more[] = {"alpha", "beta", "gamma", "delta", "epsilon",
                        "삼성전자", "네이버", "카카오"};
  lit_matcher *a = build_strs(few, 1, NULL);
  lit_matcher *b = build_strs(more, 8, NULL);
  if (CHECK(a && b)) {
    CHECK(lit_matcher_memory(a) > 0);
    CHECK(lit_matcher_memory(b) > lit_matcher_memory(a));
  }
  lit_matcher_free(a);
  lit_matcher_free(b);
}

TEST(literals_builder_reusable_after_build) {
  mem m = mem_default();
  lit_builder *b = lit_builder_new(&m);
  if (!CHECK(b != NULL)) return;
  lit_builder_add(b, "one", 3);
  lit_matcher *m1 = lit_matcher_build(b);
  int32_t two = lit_builder_add(b, "two", 3);
  lit_matcher *m2 = lit_matcher_build(b);
  lit_builder_free(b);
  if (CHECK(m1 && m2)) {
    hits h1 = scan_sorted(m1, "one two", 7), h2 = scan_sorted(m2, "one two", 7);
    CHECK_INT(h1.n, 1);
    CHECK_INT(h2.n, 2);
    CHECK(has_hit(&h2, two, 7));
    free(h1.v);
    free(h2.v);
  }
  lit_matcher_free(m1);
  lit_matcher_free(m2);
}

/* ------------------------------------------------------------------------
** Allocation failure: every failure path returns NULL/-1 and leaks nothing
** --------------------------------------------------------------------- */
typedef struct tally {
  long budget; /* allocations left before failing; < 0: unlimited */
  long long live;
  int bad_size; /* a free or realloc named a size it was not given */
} tally;

typedef struct tally_block {
  size_t size;
  size_t pad;
} tally_block;

static void *tally_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  tally *t = ud;
  tally_block *blk = ptr ? (tally_block *)ptr - 1 : NULL;
  if (blk && blk->size != osize) t->bad_size = 1;
  if (nsize == 0) {
    if (blk) t->live -= (long long)blk->size;
    free(blk);
    return NULL;
  }
  if (t->budget == 0) return NULL;
  if (t->budget > 0) t->budget--;
  tally_block *nb = realloc(blk, sizeof *nb + nsize);
  if (!nb) return NULL;
  t->live += (long long)nsize - (long long)(blk ? nb->size : 0);
  nb->size = nsize;
  return nb + 1;
}

/* One attempt at a full build under a budget; 1 when it succeeded. */
static int build_under_budget(tally *t) {
  mem m = {tally_alloc, t};
  lit_builder *b = lit_builder_new(&m);
  if (!b) return 0;
  int ok = 1;
  char word[32];
  for (int i = 0; i < 300 && ok; i++) {
    int n = snprintf(word, sizeof word, "%c%d삼성%dx", 'a' + i % 26, i, i * 7);
    ok = lit_builder_add(b, word, (size_t)n) >= 0;
  }
  lit_matcher *mt = ok ? lit_matcher_build(b) : NULL;
  lit_builder_free(b);
  if (!mt) return 0;
  hits h = {0};
  lit_scan(mt, "a0삼성0x", strlen("a0삼성0x"), collect, &h);
  ok = h.n == 1;
  free(h.v);
  lit_matcher_free(mt);
  return ok ? 1 : -1;
}

TEST(literals_allocation_failures_do_not_leak) {
  int succeeded = 0;
  for (long budget = 0; budget < 200 && !succeeded; budget++) {
    tally t = {budget, 0, 0};
    int r = build_under_budget(&t);
    CHECK(r >= 0);
    CHECK_INT(t.live, 0);
    CHECK(!t.bad_size);
    succeeded = r == 1;
  }
  CHECK(succeeded);
}

/* ------------------------------------------------------------------------
** Differential tests against a naive matcher
** --------------------------------------------------------------------- */
static unsigned char fold(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int folded_equal(const unsigned char *a, const unsigned char *b,
                        size_t n) {
  for (size_t i = 0; i < n; i++)
    if (fold(a[i]) != fold(b[i])) return 0;
  return 1;
}

typedef struct pattern_set {
  unsigned char **p;
  size_t *len;
  int32_t *id;
  size_t n;
} pattern_set;

/* Every (end, id) of every pattern, by brute force. */
static hits naive_scan(const pattern_set *ps, const unsigned char *text,
                       size_t len) {
  hits h = {0};
  for (size_t end = 1; end <= len; end++)
    for (size_t k = 0; k < ps->n; k++) {
      size_t pl = ps->len[k];
      if (pl > end || !folded_equal(text + end - pl, ps->p[k], pl)) continue;
      int dup = 0; /* the same id added twice is one pattern */
      for (size_t j = 0; j < k && !dup; j++) dup = ps->id[j] == ps->id[k];
      if (!dup) collect(&h, ps->id[k], end);
    }
  qsort(h.v, h.n, sizeof *h.v, hit_cmp);
  return h;
}

static unsigned rng_next(unsigned long long *s) {
  *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
  return (unsigned)(*s >> 33);
}

/* Checks matcher output on text against the naive scan. */
/* Returns how many of the automaton's states were sparse. */
static size_t compare_with_naive(const pattern_set *ps,
                                 const unsigned char *text, size_t len) {
  mem m = mem_default();
  lit_builder *b = lit_builder_new(&m);
  if (!CHECK(b != NULL)) return 0;
  int ids_ok = 1;
  for (size_t k = 0; k < ps->n; k++) {
    int32_t id = lit_builder_add(b, (const char *)ps->p[k], ps->len[k]);
    ids_ok &= id == ps->id[k];
  }
  CHECK(ids_ok);
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  if (!CHECK(mt != NULL)) return 0;
  hits got = {0};
  lit_scan(mt, (const char *)text, len, collect, &got);
  CHECK(!got.out_of_order);
  qsort(got.v, got.n, sizeof *got.v, hit_cmp);
  hits want = naive_scan(ps, text, len);
  CHECK_SIZE(got.n, want.n);
  size_t same = 0;
  while (same < got.n && same < want.n && got.v[same].id == want.v[same].id &&
         got.v[same].end == want.v[same].end)
    same++;
  CHECK(same == got.n && same == want.n);
  CHECK(want.n > 100); /* the test means something */
  free(got.v);
  free(want.v);
  size_t sparse = lit_matcher_sparse_states(mt);
  lit_matcher_free(mt);
  return sparse;
}

/* Expected ids: the index of the first folded-equal earlier pattern. */
static void assign_expected_ids(pattern_set *ps) {
  int32_t next = 0;
  for (size_t k = 0; k < ps->n; k++) {
    ps->id[k] = -1;
    for (size_t j = 0; j < k && ps->id[k] < 0; j++)
      if (ps->len[j] == ps->len[k] &&
          folded_equal(ps->p[j], ps->p[k], ps->len[k]))
        ps->id[k] = ps->id[j];
    if (ps->id[k] < 0) ps->id[k] = next++;
  }
}

static pattern_set pattern_set_new(size_t n) {
  pattern_set ps = {calloc(n, sizeof(char *)), calloc(n, sizeof(size_t)),
                    calloc(n, sizeof(int32_t)), n};
  if (!ps.p || !ps.len || !ps.id) abort();
  return ps;
}

static void pattern_set_free(pattern_set *ps) {
  for (size_t k = 0; k < ps->n; k++) free(ps->p[k]);
  free(ps->p);
  free(ps->len);
  free(ps->id);
}

/* A set of the given strings, with the ids the builder will give them. */
static pattern_set pattern_set_of(const char *const *pats, size_t n) {
  pattern_set ps = pattern_set_new(n);
  for (size_t k = 0; k < n; k++) {
    ps.len[k] = strlen(pats[k]);
    ps.p[k] = malloc(ps.len[k]);
    if (!ps.p[k]) abort();
    memcpy(ps.p[k], pats[k], ps.len[k]);
  }
  assign_expected_ids(&ps);
  return ps;
}

/*
** Thousands of short patterns over a tiny alphabet (deep tries, long
** failure chains, many overlaps), plus one pattern per byte value so that
** the byte classes are as wide as they get: the automaton then outgrows its
** dense budget and the deep states are sparse, so both paths are compared.
*/
TEST(literals_differential_small_alphabet) {
  static const unsigned char alpha[] = {'a', 'b', 'A', 'B', 'c', 0};
  unsigned long long seed = 543;
  size_t n_random = 3000;
  pattern_set ps = pattern_set_new(n_random + 256);
  for (size_t k = 0; k < n_random; k++) {
    size_t len = 1 + rng_next(&seed) % 14;
    if (k % 3) len = 9 + rng_next(&seed) % 16;
    ps.p[k] = malloc(len);
    for (size_t i = 0; i < len; i++)
      ps.p[k][i] = alpha[rng_next(&seed) % (k % 2 ? 2 : sizeof alpha)];
    ps.len[k] = len;
  }
  for (size_t c = 0; c < 256; c++) {
    ps.p[n_random + c] = malloc(3);
    memcpy(ps.p[n_random + c], "\xfe\xfd", 2);
    ps.p[n_random + c][2] = (unsigned char)c;
    ps.len[n_random + c] = 3;
  }
  assign_expected_ids(&ps);
  size_t len = 30000;
  unsigned char *text = malloc(len);
  for (size_t i = 0; i < len; i++) {
    unsigned r = rng_next(&seed) % 100;
    text[i] = r < 90 ? alpha[r % 4] : r < 95 ? alpha[4 + r % 2]
                                             : (unsigned char)rng_next(&seed);
  }
  CHECK(compare_with_naive(&ps, text, len) > 0); /* both paths ran */
  free(text);
  pattern_set_free(&ps);
}

/* Realistic Hangul and Latin names in text stitched from the same pieces. */
TEST(literals_differential_hangul_latin) {
  static const char *const syl[] = {"가", "나", "다", "라", "마", "삼", "성",
                                    "전", "자", "메", "타", "테크", "AI",
                                    "Ai", "Labs", " ", "의", "는"};
  size_t n_syl = sizeof syl / sizeof *syl;
  unsigned long long seed = 2024;
  size_t n = 2000;
  pattern_set ps = pattern_set_new(n);
  for (size_t k = 0; k < n; k++) {
    char buf[128] = "";
    size_t parts = 1 + rng_next(&seed) % 4;
    for (size_t i = 0; i < parts; i++)
      strcat(buf, syl[rng_next(&seed) % (n_syl - 3)]);
    ps.len[k] = strlen(buf);
    ps.p[k] = malloc(ps.len[k]);
    memcpy(ps.p[k], buf, ps.len[k]);
  }
  assign_expected_ids(&ps);
  size_t cap = 60000, len = 0;
  unsigned char *text = malloc(cap + 16);
  while (len < cap) {
    const char *s = syl[rng_next(&seed) % n_syl];
    memcpy(text + len, s, strlen(s));
    len += strlen(s);
  }
  compare_with_naive(&ps, text, len);
  free(text);
  pattern_set_free(&ps);
}

/*
** Hits sparse enough for the two-copy scan to keep the second copy's hits
** (no overflow), over many text lengths, so that the window boundaries fall
** everywhere, inside patterns too: every prefix of the text must give
** exactly the naive hits that end within it.
*/
TEST(literals_differential_window_boundaries) {
  static const char *const syl[] = {"가", "나", "다", "라", "마", "삼",
                                    "성", "AI", "x"};
  static const char *const filler[] = {"의", "는", " ", "쿠", "투", "\n"};
  unsigned long long seed = 99;
  pattern_set ps = pattern_set_new(300);
  for (size_t k = 0; k < ps.n; k++) {
    char buf[64] = "";
    size_t parts = 2 + rng_next(&seed) % 3;
    for (size_t i = 0; i < parts; i++) strcat(buf, syl[rng_next(&seed) % 9]);
    ps.len[k] = strlen(buf);
    ps.p[k] = malloc(ps.len[k]);
    memcpy(ps.p[k], buf, ps.len[k]);
  }
  assign_expected_ids(&ps);
  size_t cap = 12000, len = 0;
  unsigned char *text = malloc(cap + 16);
  while (len < cap) {
    unsigned r = rng_next(&seed) % 100;
    const char *s = r < 75 ? filler[r % 6] : syl[r % 9];
    memcpy(text + len, s, strlen(s));
    len += strlen(s);
  }
  hits want = naive_scan(&ps, text, len);
  mem m = mem_default();
  lit_builder *b = lit_builder_new(&m);
  for (size_t k = 0; b && k < ps.n; k++)
    lit_builder_add(b, (const char *)ps.p[k], ps.len[k]);
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  int all_ok = mt != NULL;
  for (size_t cut = 256; mt && cut <= len; cut += 97) {
    hits got = {0};
    lit_scan(mt, (const char *)text, cut, collect, &got);
    all_ok &= !got.out_of_order;
    qsort(got.v, got.n, sizeof *got.v, hit_cmp);
    size_t n_want = 0;
    while (n_want < want.n && want.v[n_want].end <= cut) n_want++;
    all_ok &= got.n == n_want;
    for (size_t i = 0; i < got.n && i < n_want; i++)
      all_ok &= got.v[i].id == want.v[i].id && got.v[i].end == want.v[i].end;
    free(got.v);
  }
  CHECK(all_ok);
  CHECK(want.n > 200 && want.n < 12000 / 20);
  free(want.v);
  free(text);
  lit_matcher_free(mt);
  pattern_set_free(&ps);
}

/*
** A patch of text dense with hits (more than a lane may hold) among sparse
** text, at many places: the lane whose window holds the patch drops its
** work and its window is scanned again from the exact state of the lane
** before, while the lanes around it keep theirs.
*/
TEST(literals_differential_dense_patch_in_one_window) {
  static const char *const pats[] = {"a", "aa", "가나", "나다라"};
  pattern_set ps = pattern_set_of(pats, sizeof pats / sizeof *pats);
  static const char *const sparse[] = {"가나 ", "다라 ", "나다라 ", "x y "};
  unsigned long long seed = 5;
  for (size_t at = 0; at < 24000; at += 2311) {
    size_t cap = 24000, len = 0;
    unsigned char *text = malloc(cap + 1200);
    while (len < cap) {
      if (len >= at && len < at + 8) { /* the patch: 1,000 'a' */
        memset(text + len, 'a', 1000);
        len += 1000;
        continue;
      }
      const char *s = sparse[rng_next(&seed) % 4];
      memcpy(text + len, s, strlen(s));
      len += strlen(s);
    }
    compare_with_naive(&ps, text, len);
    free(text);
  }
  pattern_set_free(&ps);
}

/*
** Outputs at every spacing from one in 4 bytes to one in 64, in texts of
** four full windows: a lane then has from 64 to over 1,000 outputs in its
** window, so a lock-step run fills a lane's notes (and goes on) once or
** many times, with or without its held buffer overflowing, in lane 0 and
** in the others.
*/
TEST(literals_differential_output_density) {
  static const char *const pats[] = {"ab", "b", "xab"};
  pattern_set ps = pattern_set_of(pats, sizeof pats / sizeof *pats);
  static const size_t gaps[] = {4, 9, 16, 24, 40, 64};
  for (size_t g = 0; g < sizeof gaps / sizeof *gaps; g++) {
    size_t len = 4 * 4096 + 100;
    unsigned char *text = malloc(len);
    for (size_t i = 0; i < len; i++)
      text[i] = i % gaps[g] == 0 ? 'a' : i % gaps[g] == 1 ? 'b' : '.';
    compare_with_naive(&ps, text, len);
    free(text);
  }
  pattern_set_free(&ps);
}
