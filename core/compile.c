/*
** compile.c — turning a builder into an immutable engine: one literal
** automaton for every keyword, alias and regex trigger; compiled regexes;
** the owner index from automaton strings back to rules.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "sort.h"
#include "text.h"

/* ======================================================================
** Copies of the builder's tables
** ==================================================================== */

static char *dup_or_null(const mem *m, const char *s, bool *fail) {
  if (!s) return NULL;
  char *d = mem_strdup(m, s);
  if (!d) *fail = true;
  return d;
}

static bool has_ascii_letter(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))
      return true;
  return false;
}

/* Engine file names point into the engine's own copy of the file table. */
static const char *remap_file(const bunryu_builder *b, const bunryu_engine *e,
                              const char *file) {
  if (!file) return NULL;
  for (size_t i = 0; i < b->n_files; i++)
    if (b->files[i] == file) return e->files[i];
  return NULL;
}

static rule_loc remap_loc(const bunryu_builder *b, const bunryu_engine *e,
                          rule_loc loc) {
  return (rule_loc){remap_file(b, e, loc.file), loc.line};
}

static int copy_files(const bunryu_builder *b, bunryu_engine *e) {
  if (!b->n_files) return BUNRYU_OK;
  e->files = mem_calloc(&e->m, b->n_files, sizeof *e->files);
  if (!e->files) return BUNRYU_ENOMEM;
  e->n_files = b->n_files;
  bool fail = false;
  for (size_t i = 0; i < b->n_files; i++)
    e->files[i] = dup_or_null(&e->m, b->files[i], &fail);
  return fail ? BUNRYU_ENOMEM : BUNRYU_OK;
}

static int copy_categories(const bunryu_builder *b, bunryu_engine *e) {
  if (!b->n_cats) return BUNRYU_OK;
  e->cats = mem_calloc(&e->m, b->n_cats, sizeof *e->cats);
  e->cat_names = mem_calloc(&e->m, b->n_cats, sizeof *e->cat_names);
  if (!e->cats || !e->cat_names) return BUNRYU_ENOMEM;
  e->n_cats = b->n_cats;
  bool fail = false;
  for (size_t i = 0; i < b->n_cats; i++) {
    e->cats[i] = b->cats[i];
    e->cats[i].name = dup_or_null(&e->m, b->cats[i].name, &fail);
    e->cats[i].label = dup_or_null(&e->m, b->cats[i].label, &fail);
    e->cats[i].loc = remap_loc(b, e, b->cats[i].loc);
    e->cat_names[i] = e->cats[i].name;
  }
  return fail ? BUNRYU_ENOMEM : BUNRYU_OK;
}

static int copy_entity_types(const bunryu_builder *b, bunryu_engine *e) {
  if (!b->n_ents) return BUNRYU_OK;
  e->ents = mem_calloc(&e->m, b->n_ents, sizeof *e->ents);
  if (!e->ents) return BUNRYU_ENOMEM;
  e->n_ents = b->n_ents;
  bool fail = false;
  for (size_t i = 0; i < b->n_ents; i++) {
    e->ents[i] = b->ents[i];
    e->ents[i].name = dup_or_null(&e->m, b->ents[i].name, &fail);
    e->ents[i].loc = remap_loc(b, e, b->ents[i].loc);
  }
  return fail ? BUNRYU_ENOMEM : BUNRYU_OK;
}

/* Bytes of a literal's strings, each with its NUL. */
static size_t literal_strings_size(const literal *l) {
  return l->len + 1 + (l->source ? strlen(l->source) + 1 : 0) +
         (l->canonical ? strlen(l->canonical) + 1 : 0);
}

/*
** The engine's literals and their strings are one block: the array, then
** each literal's text, source and canonical name. Three allocations per
** literal (and as many frees) were a tenth of the instructions of loading
** the benchmark's 4,000 aliases. Its size is recomputed to free it.
*/
static size_t literals_block_size(const literal *lits, size_t n) {
  size_t size = n * sizeof *lits;
  for (size_t i = 0; i < n; i++) size += literal_strings_size(&lits[i]);
  return size;
}

/* Copies s (n bytes and a NUL) to *at, which it advances. */
static char *place_string(char **at, const char *s, size_t n) {
  char *d = *at;
  memcpy(d, s, n);
  d[n] = '\0';
  *at += n + 1;
  return d;
}

static int copy_literals(const bunryu_builder *b, bunryu_engine *e) {
  if (!b->n_lits) return BUNRYU_OK;
  e->lits = mem_alloc(&e->m, literals_block_size(b->lits, b->n_lits));
  if (!e->lits) return BUNRYU_ENOMEM;
  e->n_lits = b->n_lits;
  char *at = (char *)(e->lits + b->n_lits);
  for (size_t i = 0; i < b->n_lits; i++) {
    const literal *src = &b->lits[i];
    literal *l = &e->lits[i];
    *l = *src;
    l->text = place_string(&at, src->text, src->len);
    if (src->source)
      l->source = place_string(&at, src->source, strlen(src->source));
    l->canonical_len = src->canonical ? strlen(src->canonical) : 0;
    if (src->canonical)
      l->canonical = place_string(&at, src->canonical, l->canonical_len);
    l->loc = remap_loc(b, e, src->loc);
    if (l->flags & BUNRYU_LIT_CASELESS) e->has_caseless = true;
    l->check_case = !(l->flags & BUNRYU_LIT_CASELESS) &&
                    has_ascii_letter(src->text, src->len);
    l->edges = (unsigned char)boundary_edges(
        l->text, src->len, (l->flags & BUNRYU_LIT_WORD) != 0);
  }
  return BUNRYU_OK;
}

/* The engine compiles its own regexes (compile_regexes, below): a builder
   may outlive or be reused after the engines made from it. */
static int copy_patterns(const bunryu_builder *b, bunryu_engine *e) {
  if (!b->n_pats) return BUNRYU_OK;
  e->pats = mem_calloc(&e->m, b->n_pats, sizeof *e->pats);
  if (!e->pats) return BUNRYU_ENOMEM;
  e->n_pats = b->n_pats;
  bool fail = false;
  for (size_t i = 0; i < b->n_pats; i++) {
    const pattern *src = &b->pats[i];
    pattern *p = &e->pats[i];
    *p = *src;
    p->re = NULL;
    p->source = dup_or_null(&e->m, src->source, &fail);
    p->loc = remap_loc(b, e, src->loc);
    if (p->flags & BUNRYU_RE_CASELESS) e->has_caseless = true;
  }
  return fail ? BUNRYU_ENOMEM : BUNRYU_OK;
}

/* ======================================================================
** The automaton and its owner index
** ==================================================================== */

/*
** Whether required literal i contains another literal of the set (법안
** contains 법): wherever it occurs the shorter one occurs too, so it would
** only trigger the pattern a second time.
*/
static bool contains_other(const regex_info *info, size_t i) {
  for (size_t j = 0; j < info->n_lits; j++) {
    if (j == i) continue;
    size_t li = strlen(info->lits[i]), lj = strlen(info->lits[j]);
    if ((lj < li || (lj == li && j < i)) && strstr(info->lits[i], info->lits[j]))
      return true;
  }
  return false;
}

/* Whether a literal left out by contains_other begins with a literal that
   is kept: then the trigger of that one marks where it begins. */
static bool begins_with_kept(const regex_info *info, size_t i) {
  for (size_t j = 0; j < info->n_lits; j++) {
    size_t n = strlen(info->lits[j]);
    if (j != i && !contains_other(info, j) &&
        strncmp(info->lits[i], info->lits[j], n) == 0)
      return true;
  }
  return false;
}

/*
** The regex side of a build: each pattern compiled, and the checks of its
** split (regex_info.suffix and .steps) where add_triggers kept its
** analysis. It touches only the fields of the patterns that it fills and
** counts its memory apart, so that it can run on a thread of its own
** while the automaton is built (bunryu_builder_set_threads).
*/
typedef struct regex_side {
  bunryu_engine *e;
  regex_info *infos; /* one a pattern; a pattern not split holds none */
  bool *split;       /* one a pattern */
  size_t memory;
  int rc;
} regex_side;

/*
** Compiles the checks of a pattern split at its literal's item; the
** caller has made sure that every trigger begins where a literal of the
** pattern begins. A check that cannot be built is left out: the pattern
** then runs as without it.
*/
static int add_split(regex_side *rs, regex_probe **probe, pattern *p,
                     const regex_info *info) {
  const mem *m = &rs->e->m;
  bool caseless = (p->flags & BUNRYU_RE_CASELESS) != 0;
  if (info->suffix) {
    int rc = regex_compile_anchored(m, info->suffix, caseless, &p->suffix,
                                    NULL, NULL, 0, NULL);
    if (rc == BUNRYU_ENOMEM) return rc;
    rs->memory += regex_memory(p->suffix);
  }
  if (info->walk) {
    if (!*probe && !(*probe = regex_probe_new(m))) return BUNRYU_ENOMEM;
    int rc = regex_walk_new(m, *probe, info->steps, info->n_steps, caseless,
                            &p->walk);
    if (rc == BUNRYU_ENOMEM) return rc;
    rs->memory += regex_walk_memory(p->walk);
  }
  return BUNRYU_OK;
}

static int compile_pattern(regex_side *rs, regex_probe **probe, size_t i) {
  pattern *p = &rs->e->pats[i];
  if (!p->source) return BUNRYU_OK;
  char err[256];
  size_t off;
  bool jit_ok;
  if (regex_compile(&rs->e->m, p->source,
                    (p->flags & BUNRYU_RE_CASELESS) != 0, &p->re, &jit_ok,
                    err, sizeof err, &off) != BUNRYU_OK)
    return BUNRYU_ENOMEM;
  rs->memory += regex_memory(p->re);
  return rs->split[i] ? add_split(rs, probe, p, &rs->infos[i]) : BUNRYU_OK;
}

static void compile_regexes(regex_side *rs) {
  regex_probe *probe = NULL; /* made for the first walk */
  rs->rc = BUNRYU_OK;
  for (size_t i = 0; i < rs->e->n_pats && rs->rc == BUNRYU_OK; i++)
    rs->rc = compile_pattern(rs, &probe, i);
  regex_probe_free(probe);
}

static int build_alias_table(bunryu_engine *e);

/* What a build does beside the automaton: the regexes, then the alias
   table (neither needs the automaton, and the automaton neither). */
static void *second_half(void *arg) {
  regex_side *rs = arg;
  compile_regexes(rs);
  if (rs->rc == BUNRYU_OK) rs->rc = build_alias_table(rs->e);
  return NULL;
}

/*
** Adds the required literals of a pattern (normalized like keywords) to
** the automaton as triggers, and keeps the pattern's analysis in *info
** when its split is to be compiled (*split). A pattern without a usable
** set runs on every document.
*/
static int add_triggers(bunryu_engine *e, lit_builder *lb, int pi,
                        regex_info *info, bool *split) {
  pattern *p = &e->pats[pi];
  bool caseless = (p->flags & BUNRYU_RE_CASELESS) != 0;
  *split = false;
  if (regex_analyze(&e->m, p->source, caseless, info) != BUNRYU_OK)
    return BUNRYU_ENOMEM;
  p->max_len = info->max_len;
  /* Both bound where a match starts before its literal: take the tighter. */
  p->reach = info->lit_before < info->max_len ? info->lit_before : info->max_len;
  p->one_line = info->one_line;
  p->prefiltered = info->n_lits > 0;
  /* The split needs each trigger where its literal begins: no literal
     changed by normalization, none left out but for a kept prefix. */
  bool at_literals = true;
  int rc = BUNRYU_OK;
  for (size_t i = 0; i < info->n_lits && rc == BUNRYU_OK; i++) {
    if (contains_other(info, i)) {
      at_literals = at_literals && begins_with_kept(info, i);
      continue;
    }
    char *norm = NULL;
    size_t len = 0;
    enum norm_mode mode = caseless ? NORM_NFKC_CF : NORM_NFC;
    rc = text_normalize_string(&e->m, info->lits[i], strlen(info->lits[i]),
                               mode, &norm, &len);
    if (rc == BUNRYU_EUTF8 || (rc == BUNRYU_OK && len == 0)) {
      /* A required literal we cannot normalize: run the pattern always. */
      p->prefiltered = false;
      rc = BUNRYU_OK;
    } else if (rc == BUNRYU_OK) {
      at_literals = at_literals && len == strlen(info->lits[i]) &&
                    memcmp(norm, info->lits[i], len) == 0;
      int32_t sid = lit_builder_add(lb, norm, len);
      if (sid < 0 ||
          mem_grow(&e->m, (void **)&e->triggers, &e->cap_triggers,
                   e->n_triggers + 1, sizeof *e->triggers) < 0) {
        rc = BUNRYU_ENOMEM;
      } else {
        e->triggers[e->n_triggers++] = (trigger){
            sid, pi, norm, len, !caseless && has_ascii_letter(norm, len)};
        norm = NULL; /* the trigger owns it */
      }
    }
    if (norm) mem_free(&e->m, norm, len + 1);
  }
  *split = rc == BUNRYU_OK && p->prefiltered && at_literals;
  if (!*split) regex_info_free(&e->m, info);
  return rc;
}

/*
** Builds the index from automaton string ids to their owners (literals,
** then triggers) as a compressed row list, so that a hit finds its owners
** without searching.
*/
static int build_owner_index(bunryu_engine *e) {
  size_t ns = e->n_strings;
  size_t total = e->n_lits + e->n_triggers;
  e->owner_start = mem_calloc(&e->m, ns + 2, sizeof *e->owner_start);
  if (!e->owner_start) return BUNRYU_ENOMEM;
  if (total) {
    e->owner_list = mem_calloc(&e->m, total, sizeof *e->owner_list);
    if (!e->owner_list) return BUNRYU_ENOMEM;
  }
  for (size_t i = 0; i < e->n_lits; i++) e->owner_start[e->lits[i].string_id + 2]++;
  for (size_t i = 0; i < e->n_triggers; i++)
    e->owner_start[e->triggers[i].string_id + 2]++;
  for (size_t s = 0; s < ns; s++) e->owner_start[s + 2] += e->owner_start[s + 1];
  /* owner_start[s + 1] now is the insertion point of string s. */
  for (size_t i = 0; i < e->n_lits; i++)
    e->owner_list[e->owner_start[e->lits[i].string_id + 1]++] = (uint32_t)i;
  for (size_t i = 0; i < e->n_triggers; i++)
    e->owner_list[e->owner_start[e->triggers[i].string_id + 1]++] =
        (uint32_t)(e->n_lits + i);
  return BUNRYU_OK;
}

static int collect_unfiltered(bunryu_engine *e) {
  size_t n_always = 0, n_ignore = 0;
  for (size_t i = 0; i < e->n_pats; i++) {
    if (e->pats[i].role == PAT_IGNORE) n_ignore++;
    else if (!e->pats[i].prefiltered) n_always++;
  }
  if (n_always && !(e->always_patterns = mem_calloc(&e->m, n_always, sizeof(int))))
    return BUNRYU_ENOMEM;
  if (n_ignore && !(e->ignore_patterns = mem_calloc(&e->m, n_ignore, sizeof(int))))
    return BUNRYU_ENOMEM;
  for (size_t i = 0; i < e->n_pats; i++) {
    if (e->pats[i].role == PAT_IGNORE) e->ignore_patterns[e->n_ignore++] = (int)i;
    else if (!e->pats[i].prefiltered) e->always_patterns[e->n_always++] = (int)i;
  }
  return BUNRYU_OK;
}

/* Every literal and trigger in one automaton, with what the regex side
   needs kept in rs; rs->infos and rs->split are the caller's to free. */
static int add_strings(bunryu_engine *e, lit_builder *lb, regex_side *rs) {
  for (size_t i = 0; i < e->n_lits; i++) {
    int32_t sid = lit_builder_add(lb, e->lits[i].text, e->lits[i].len);
    if (sid < 0) return BUNRYU_ENOMEM;
    e->lits[i].string_id = sid;
  }
  if (!e->n_pats) return BUNRYU_OK;
  rs->infos = mem_calloc(&e->m, e->n_pats, sizeof *rs->infos);
  rs->split = mem_calloc(&e->m, e->n_pats, sizeof *rs->split);
  if (!rs->infos || !rs->split) return BUNRYU_ENOMEM;
  int rc = BUNRYU_OK;
  for (size_t i = 0; i < e->n_pats && rc == BUNRYU_OK; i++)
    rc = add_triggers(e, lb, (int)i, &rs->infos[i], &rs->split[i]);
  return rc;
}

static int finish_matcher(bunryu_engine *e, lit_builder *lb) {
  e->n_strings = lit_builder_count(lb);
  e->matcher = lit_matcher_build(lb);
  if (!e->matcher) return BUNRYU_ENOMEM;
  int rc = build_owner_index(e);
  if (rc == BUNRYU_OK) rc = collect_unfiltered(e);
  if (rc == BUNRYU_OK) e->memory += lit_matcher_memory(e->matcher);
  return rc;
}

/* A second thread for the second half, when the builder allows one, it
   has work and it can be started; false when the calling thread is to do
   it. */
static bool start_second_half(const bunryu_builder *b, regex_side *rs,
                              pthread_t *t) {
  return b->threads > 1 && (rs->e->n_pats > 0 || rs->e->n_lits > 0) &&
         pthread_create(t, NULL, second_half, rs) == 0;
}

/*
** The automaton, the compiled regexes and the alias table. The automaton
** (its rows and their first touch) is the larger half on the benchmark's
** rules; the regexes (PCRE2's JIT, the probes of the walks) and the alias
** table share nothing with it but the allocator, so with threads allowed
** they are built on a thread of their own meanwhile.
*/
static int build_matcher(const bunryu_builder *b, bunryu_engine *e) {
  lit_builder *lb = lit_builder_new(&e->m);
  if (!lb) return BUNRYU_ENOMEM;
  regex_side rs = {e, NULL, NULL, 0, BUNRYU_OK};
  int rc = add_strings(e, lb, &rs);
  if (rc == BUNRYU_OK) {
    pthread_t t;
    bool threaded = start_second_half(b, &rs, &t);
    rc = finish_matcher(e, lb);
    if (threaded) pthread_join(t, NULL);
    else if (rc == BUNRYU_OK) second_half(&rs);
    if (rc == BUNRYU_OK) rc = rs.rc;
    e->memory += rs.memory;
  }
  lit_builder_free(lb);
  for (size_t i = 0; rs.infos && i < e->n_pats; i++)
    regex_info_free(&e->m, &rs.infos[i]);
  mem_free(&e->m, rs.infos, e->n_pats * sizeof *rs.infos);
  mem_free(&e->m, rs.split, e->n_pats * sizeof *rs.split);
  return rc;
}

/* ======================================================================
** The alias table: entity-pattern names -> canonical names
** ==================================================================== */

/*
** The table is sorted through keys that hold each alias's type and first 8
** bytes (big-endian, so that they order as strcmp does): a radix sort on
** them, then an insertion sort for the names whose first 8 bytes are
** equal. qsort with strcmp took 3.6 M instructions (43,000 calls) on the
** benchmark's 4,000 aliases. Equal names keep the builder's order.
*/
typedef struct alias_key {
  uint64_t prefix; /* the alias's first 8 bytes, zero-padded */
  uint32_t type;
  const literal *lit;
} alias_key;

static alias_key alias_key_of(const literal *l) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; i++)
    v = v << 8 | (i < l->len ? (uint8_t)l->text[i] : 0u);
  return (alias_key){v, (uint32_t)l->owner, l};
}

static int alias_key_cmp(const void *a, const void *b) {
  const alias_key *x = a, *y = b;
  if (x->type != y->type) return x->type < y->type ? -1 : 1;
  if (x->prefix != y->prefix) return x->prefix < y->prefix ? -1 : 1;
  /* Equal prefixes: both names have 8 bytes or more, or they are equal. */
  int c = x->lit->len >= 8 && y->lit->len >= 8
              ? strcmp(x->lit->text + 8, y->lit->text + 8)
              : 0;
  if (c) return c;
  return x->lit < y->lit ? -1 : x->lit > y->lit;
}

/* Byte d of a key's (type, prefix), d = 0 the least significant. */
static unsigned key_byte(const alias_key *k, unsigned d) {
  return d < 8 ? (unsigned)(k->prefix >> (8 * d)) & 0xFFu
               : (k->type >> (8 * (d - 8))) & 0xFFu;
}

/* A stable LSD radix sort of keys[0..n) by (type, prefix) through tmp,
   skipping the bytes that all keys share. */
static void radix_sort_keys(alias_key *keys, alias_key *tmp, size_t n) {
  alias_key *from = keys, *to = tmp;
  for (unsigned d = 0; d < 12; d++) {
    size_t at[257] = {0};
    for (size_t i = 0; i < n; i++) at[key_byte(&from[i], d) + 1]++;
    if (at[key_byte(&from[0], d) + 1] == n) continue;
    for (unsigned v = 0; v < 256; v++) at[v + 1] += at[v];
    for (size_t i = 0; i < n; i++) to[at[key_byte(&from[i], d)]++] = from[i];
    alias_key *t = from;
    from = to;
    to = t;
  }
  if (from != keys) memcpy(keys, from, n * sizeof *keys);
}

static int build_alias_table(bunryu_engine *e) {
  size_t n = 0;
  for (size_t i = 0; i < e->n_lits; i++)
    if (e->lits[i].kind == HIT_ENTITY) n++;
  if (!n) return BUNRYU_OK;
  alias_key *keys = mem_alloc(&e->m, 2 * n * sizeof *keys);
  if (!keys) return BUNRYU_ENOMEM;
  e->aliases = mem_alloc(&e->m, n * sizeof *e->aliases);
  if (!e->aliases) {
    mem_free(&e->m, keys, 2 * n * sizeof *keys);
    return BUNRYU_ENOMEM;
  }
  size_t k = 0;
  for (size_t i = 0; i < e->n_lits; i++)
    if (e->lits[i].kind == HIT_ENTITY) keys[k++] = alias_key_of(&e->lits[i]);
  radix_sort_keys(keys, keys + n, n);
  sort_nearly_sorted(keys, n, sizeof *keys, alias_key_cmp);
  for (size_t i = 0; i < n; i++) {
    const literal *l = keys[i].lit;
    e->aliases[i] = (struct alias_entry){l->owner, l->text, l->canonical};
  }
  e->n_aliases = n;
  mem_free(&e->m, keys, 2 * n * sizeof *keys);
  return BUNRYU_OK;
}

/* ======================================================================
** Build and lifetime
** ==================================================================== */

static void free_engine(bunryu_engine *e) {
  const mem *m = &e->m;
  for (size_t i = 0; i < e->n_cats; i++) category_free(m, &e->cats[i]);
  for (size_t i = 0; i < e->n_pats; i++) pattern_free(m, &e->pats[i]);
  for (size_t i = 0; i < e->n_ents; i++) mem_strfree(m, e->ents[i].name);
  for (size_t i = 0; i < e->n_files; i++) mem_strfree(m, e->files[i]);
  mem_free(m, e->cats, e->n_cats * sizeof *e->cats);
  mem_free(m, e->cat_names, e->n_cats * sizeof *e->cat_names);
  mem_free(m, e->lits, literals_block_size(e->lits, e->n_lits));
  mem_free(m, e->pats, e->n_pats * sizeof *e->pats);
  mem_free(m, e->ents, e->n_ents * sizeof *e->ents);
  mem_free(m, e->files, e->n_files * sizeof *e->files);
  lit_matcher_free(e->matcher);
  mem_free(m, e->owner_start, (e->n_strings + 2) * sizeof *e->owner_start);
  mem_free(m, e->owner_list,
           (e->n_lits + e->n_triggers) * sizeof *e->owner_list);
  for (size_t i = 0; i < e->n_triggers; i++)
    mem_free(m, e->triggers[i].text, e->triggers[i].len + 1);
  mem_free(m, e->triggers, e->cap_triggers * sizeof *e->triggers);
  mem_free(m, e->always_patterns, e->n_always * sizeof(int));
  mem_free(m, e->ignore_patterns, e->n_ignore * sizeof(int));
  mem_free(m, e->aliases, e->n_aliases * sizeof *e->aliases);
  if (e->hooks) e->hooks->release(e->hook_rules);
  mem_free(m, e, sizeof *e);
}

static bool has_errors(const bunryu_builder *b) {
  for (size_t i = 0; i < b->n_diags; i++)
    if (b->diags[i].severity == BUNRYU_DIAG_ERROR) return true;
  return false;
}

int bunryu_builder_build(bunryu_builder *b, bunryu_engine **out) {
  if (!b || !out) return BUNRYU_EINVAL;
  *out = NULL;
  if (has_errors(b)) return BUNRYU_ERULE;
  bunryu_engine *e = mem_calloc(&b->m, 1, sizeof *e);
  if (!e) return BUNRYU_ENOMEM;
  e->m = b->m;
  atomic_init(&e->refs, 1);
  e->lim = b->lim;
  e->threshold = b->threshold;
  int rc = copy_files(b, e);
  if (rc == BUNRYU_OK) rc = copy_categories(b, e);
  if (rc == BUNRYU_OK) rc = copy_entity_types(b, e);
  if (rc == BUNRYU_OK) rc = copy_literals(b, e);
  if (rc == BUNRYU_OK) rc = copy_patterns(b, e);
  if (rc == BUNRYU_OK) rc = build_matcher(b, e);
  if (rc != BUNRYU_OK) {
    free_engine(e);
    return builder_diag(b, BUNRYU_DIAG_ERROR, rc, NULL, 0, -1,
                        "building the engine failed: %s", bunryu_strerror(rc));
  }
  if (b->hooks) {
    e->hooks = b->hooks;
    e->hook_rules = b->hook_rules;
    e->hooks->retain(e->hook_rules);
  }
  e->memory += sizeof *e + e->n_lits * sizeof *e->lits +
               e->n_pats * sizeof *e->pats +
               (e->n_strings + e->n_lits + e->n_triggers) * sizeof(uint32_t);
  *out = e;
  return BUNRYU_OK;
}

void engine_retain(bunryu_engine *e) {
  atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
}

void engine_release(bunryu_engine *e) {
  if (e && atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
    free_engine(e);
}

void bunryu_engine_free(bunryu_engine *e) { engine_release(e); }

size_t bunryu_engine_category_count(const bunryu_engine *e) {
  return e ? e->n_cats : 0;
}

const char *bunryu_engine_category_name(const bunryu_engine *e, size_t id) {
  return e && id < e->n_cats ? e->cats[id].name : NULL;
}

const char *bunryu_engine_category_label(const bunryu_engine *e, size_t id) {
  return e && id < e->n_cats ? e->cats[id].label : NULL;
}

size_t bunryu_engine_literal_count(const bunryu_engine *e) {
  return e ? e->n_strings : 0;
}

size_t bunryu_engine_memory(const bunryu_engine *e) {
  return e ? e->memory : 0;
}

int bunryu_engine_has_hooks(const bunryu_engine *e) {
  return e && e->hooks != NULL;
}

int bunryu_engine_load(const char *path, bunryu_engine **out, char *errbuf,
                       size_t errlen) {
  if (errbuf && errlen) errbuf[0] = '\0';
  if (!path || !out) return BUNRYU_EINVAL;
  *out = NULL;
  bunryu_builder *b = bunryu_builder_new();
  if (!b) return BUNRYU_ENOMEM;
  int rc = bunryu_builder_load_rules(b, path);
  if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, out);
  if (rc != BUNRYU_OK && errbuf && errlen) {
    const char *msg = bunryu_builder_error(b);
    size_t n = strlen(msg);
    if (!n) {
      msg = bunryu_strerror(rc);
      n = strlen(msg);
    }
    if (n >= errlen) n = errlen - 1;
    memcpy(errbuf, msg, n);
    errbuf[n] = '\0';
  }
  bunryu_builder_free(b);
  return rc;
}
