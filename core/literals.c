/*
** literals.c — the multi-pattern literal matcher (see literals.h).
**
** Design. The builder is a byte trie (ASCII letters folded to lower case),
** which also deduplicates: a pattern's id lives on its terminal node. The
** matcher compiled from it is an Aho-Corasick automaton in two parts:
**
**   dense   the first states in breadth-first order get a full DFA row: one
**           uint32 per byte class, already resolved through the failure
**           links, so a step is one table load and never chases a link;
**   sparse  the deeper states beyond a memory budget keep only their own
**           children (sorted by class) and a failure link; a step there
**           chases failure links down to a dense row. They cost 16 bytes
**           plus one label byte each, so memory stays linear.
**
** The budget (DENSE_* below) is 128 bytes of rows per pattern byte, at
** least 16 MiB, at most 64 MiB. Measured on 50 MB of Korean news: with 4,100
** literals a 1 MiB budget left 10.7% of the steps in sparse states (depth
** 4-6, the second Hangul syllable) and scanned at 410 MB/s; 4 MiB covers
** depth <= 6 (98% of the steps) and, with the two-copy scan below, gives
** 620 MB/s. 40,000 aliases (265,000 states) take 12.6 MiB and scan at
** ~790 MB/s, 1.14x the time of 4,000 aliases (tests/bench/lit_scale.c).
** The floor went from 4 to 8 MiB when the benchmark's 2,000 companies
** (4,066 literals) still entered sparse states 59,000 times in 2,000
** articles, each exit from the lock-step loop and walk back to a dense row
** costing ~400 instructions: at 8 MiB none are left, and the whole run
** takes 2.4% fewer instructions (callgrind). The budget per pattern byte
** went from 32 to 64 when faster per-hit work made the benchmark's 20,000
** companies (36,600 literals) scan 1.28 x the time of 2,000, against a
** limit of 1.3: with 64 the ratio is 1.13 (25.5 MB of engine instead of
** 17.1; 128 gives 1.05 for 42 MB) (tests/bench/latency.c). The floor went
** from 8 to 16 MiB once the lock-step loop stopped exiting at every output:
** the 2,000 companies' last sparse states (12,555 exits in 2,000 articles)
** were then 2% of the instructions and, with their cache and branch misses,
** 3.7-6.7% of the task-clock of a -j1 run over the benchmark; their whole
** automaton is dense in about 13 MB. That made the 2,000 companies faster
** than the 20,000 by 1.27-1.29 x again, and the budget per pattern byte
** went from 64 to 128: 1.16-1.20 x, for 42.2 MB of engine instead of 25.5
** (latency.c --passes 1 --rounds 9, two runs each).
**
** Byte classes compress the alphabet: every byte that occurs in a pattern
** is its own class (upper-case ASCII shares the class of its lower case),
** all other bytes share class 0, which always leads back to the root. A
** Hangul + Latin dictionary uses about 90 byte values, so rows are 364
** bytes, not 1 KiB.
**
** State ids are premultiplied (a dense id is the offset of its row), and
** ordered so that one compare tells "nothing to do" from "look closer":
** dense states without output first, then dense states with output, then
** the sparse states. The hot step is
**     s = trans[s + cls[byte]]; if (s >= special) slow path;
** Each dense row has one extra slot after its classes holding the first
** pattern to report there; the rest of the output set follows the suffix
** chain next_match[id], so reporting costs one step per match and output
** memory is one int per pattern.
**
** A memchr-style skip of the root was considered and left out: on Korean
** text every third byte is a Hangul lead byte (0xEA..0xED) that starts some
** pattern, and the root holds only 35-47% of the steps; the root's row
** already sends the other bytes back to the root in one load. What does
** pay is running several copies of the automaton at once (see "Scan"): one
** copy is latency-bound at ~5 cycles a byte (~580 MB/s even fully dense),
** independent copies overlap their loads (four: ~1,500 MB/s with 100
** patterns).
*/
#include "literals.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Dense rows: at least DENSE_FLOOR_BYTES, else DENSE_PER_PATTERN_BYTE bytes
   of rows per pattern byte, never more than DENSE_CAP_BYTES. The floor makes
   small automata (a few hundred keywords) entirely dense. */
#ifndef DENSE_FLOOR_BYTES
#define DENSE_FLOOR_BYTES (16u * 1024u * 1024u)
#endif
#ifndef DENSE_PER_PATTERN_BYTE
#define DENSE_PER_PATTERN_BYTE 128u
#endif
#ifndef DENSE_CAP_BYTES
#define DENSE_CAP_BYTES (64u * 1024u * 1024u)
#endif

#define NO_MATCH UINT32_MAX /* the match slot of a row without output */
/* Set on the row entries that lead to special states (state ids stay below
   it), so that the lock-step loops tell "look closer" for all their lanes
   with one OR and one test instead of a compare per lane. */
#define SPECIAL_FLAG 0x80000000u
#define NO_NODE 0u          /* node 0 is the root, never a child */

/* ------------------------------------------------------------------------
** Builder: a trie over folded bytes
** --------------------------------------------------------------------- */
typedef struct trie_node {
  uint32_t first_child, next_sibling; /* NO_NODE when none */
  int32_t id;                         /* pattern ending here, or -1 */
  uint8_t byte;                       /* folded label of the edge in */
} trie_node;

struct lit_builder {
  mem m;
  trie_node *nodes;
  size_t n_nodes, cap_nodes;
  size_t n_ids;
};

static uint8_t fold_byte(uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + ('a' - 'A')) : c;
}

lit_builder *lit_builder_new(const mem *m) {
  lit_builder *b = mem_calloc(m, 1, sizeof *b);
  if (!b) return NULL;
  b->m = *m;
  if (mem_grow(&b->m, (void **)&b->nodes, &b->cap_nodes, 64,
               sizeof *b->nodes) != 0) {
    mem_free(m, b, sizeof *b);
    return NULL;
  }
  b->nodes[0] = (trie_node){NO_NODE, NO_NODE, -1, 0};
  b->n_nodes = 1;
  return b;
}

void lit_builder_free(lit_builder *b) {
  if (!b) return;
  mem_free(&b->m, b->nodes, b->cap_nodes * sizeof *b->nodes);
  mem_free(&b->m, b, sizeof *b);
}

size_t lit_builder_count(const lit_builder *b) { return b ? b->n_ids : 0; }

static uint32_t trie_child(const lit_builder *b, uint32_t node, uint8_t c) {
  uint32_t k = b->nodes[node].first_child;
  while (k != NO_NODE && b->nodes[k].byte != c) k = b->nodes[k].next_sibling;
  return k;
}

/*
** Returns the child of node labelled c, making it if needed; NO_NODE when
** memory runs out or ids would no longer fit a uint32. New children go to
** the front of the sibling list; order is restored when the matcher sorts
** them.
*/
static uint32_t trie_child_or_add(lit_builder *b, uint32_t node, uint8_t c) {
  uint32_t k = trie_child(b, node, c);
  if (k != NO_NODE) return k;
  if (b->n_nodes >= UINT32_MAX / 2 ||
      (b->n_nodes == b->cap_nodes &&
       mem_grow(&b->m, (void **)&b->nodes, &b->cap_nodes, b->n_nodes + 1,
                sizeof *b->nodes) != 0))
    return NO_NODE;
  k = (uint32_t)b->n_nodes++;
  b->nodes[k] = (trie_node){NO_NODE, b->nodes[node].first_child, -1, c};
  b->nodes[node].first_child = k;
  return k;
}

/*
** Walks (and extends) the trie along the folded bytes. A failure part way
** leaves harmless childless nodes without an id behind: they never report.
*/
int32_t lit_builder_add(lit_builder *b, const char *p, size_t len) {
  if (!b || !p || len == 0 || b->n_ids >= INT32_MAX) return -1;
  uint32_t node = 0;
  for (size_t i = 0; i < len; i++) {
    node = trie_child_or_add(b, node, fold_byte((uint8_t)p[i]));
    if (node == NO_NODE) return -1;
  }
  if (b->nodes[node].id < 0) b->nodes[node].id = (int32_t)b->n_ids++;
  return b->nodes[node].id;
}

/* ------------------------------------------------------------------------
** Matcher
** --------------------------------------------------------------------- */
typedef struct sparse_state {
  uint32_t fail;        /* state id (dense or sparse) */
  uint32_t first_child; /* sparse index; children are contiguous */
  uint32_t n_children;
  int32_t match; /* first pattern to report here, or -1 */
} sparse_state;

struct lit_matcher {
  mem m;
  uint8_t cls[256];     /* byte -> class, ASCII folded */
  uint32_t n_classes;   /* a row's match slot sits at this column */
  uint32_t stride;      /* n_classes + 1 */
  uint32_t special;     /* ids >= special: output or sparse */
  uint32_t sparse_base; /* ids >= sparse_base: sparse, index id - base */
  uint32_t *trans;
  size_t n_trans;
  sparse_state *sparse;
  uint8_t *sparse_label; /* class of the edge into each sparse state */
  size_t n_sparse;
  int32_t *next_match; /* per pattern: next pattern of the suffix chain */
  uint32_t *pattern_len;
  size_t n_patterns;
  size_t max_len; /* longest pattern, 0 when none */
};

/*
** Scratch of the build, indexed by breadth-first rank (the root's is 0).
** The builder's sibling lists are walked once, to rank the nodes; the
** passes after that read only these arrays, in which a node's children are
** contiguous ranks with their labels in contiguous bytes: chasing the
** lists through the node array again and again was most of the build.
*/
typedef struct build_scratch {
  uint32_t *block;
  size_t n;              /* ranks: one per trie node */
  uint32_t *order;       /* rank -> trie node */
  uint32_t *fail;        /* rank -> rank */
  uint32_t *depth;       /* rank -> depth */
  int32_t *first_match;  /* rank -> first pattern to report, or -1 */
  uint32_t *state_id;    /* rank -> final state id */
  uint32_t *first_child; /* rank -> rank of its first child; n + 1 entries:
                            the children of r end where those of r + 1
                            begin */
  uint8_t *label;        /* rank -> folded byte of the edge in */
} build_scratch;

#define SCRATCH_WORDS 6u /* uint32 arrays of n (one of n + 1) entries */

static size_t scratch_bytes(size_t n) {
  return (SCRATCH_WORDS * n + 1) * sizeof(uint32_t) + n;
}

static int scratch_alloc(const mem *m, build_scratch *sc, size_t n) {
  memset(sc, 0, sizeof *sc);
  if (n > SIZE_MAX / (SCRATCH_WORDS * sizeof(uint32_t) + 1) - 1) return -1;
  sc->block = mem_alloc_table(m, scratch_bytes(n));
  if (!sc->block) return -1;
  sc->n = n;
  sc->order = sc->block;
  sc->fail = sc->order + n;
  sc->depth = sc->fail + n;
  sc->first_match = (int32_t *)(sc->depth + n);
  sc->state_id = sc->depth + 2 * n;
  sc->first_child = sc->state_id + n;
  sc->label = (uint8_t *)(sc->first_child + n + 1);
  return 0;
}

static void scratch_free(const mem *m, build_scratch *sc) {
  if (sc->block) mem_free(m, sc->block, scratch_bytes(sc->n));
}

void lit_matcher_free(lit_matcher *mt) {
  if (!mt) return;
  const mem *m = &mt->m;
  mem_free(m, mt->trans, mt->n_trans * sizeof *mt->trans);
  mem_free(m, mt->sparse, mt->n_sparse * sizeof *mt->sparse);
  mem_free(m, mt->sparse_label, mt->n_sparse);
  mem_free(m, mt->next_match, mt->n_patterns * sizeof *mt->next_match);
  mem_free(m, mt->pattern_len, mt->n_patterns * sizeof *mt->pattern_len);
  mem m_copy = mt->m;
  mem_free(&m_copy, mt, sizeof *mt);
}

/*
** Byte classes: each byte used by some pattern gets its own class, in byte
** order (so children sorted by byte are sorted by class); unused bytes get
** class 0; A-Z share the class of a-z, which is what makes scans caseless.
*/
static void assign_classes(lit_matcher *mt, const lit_builder *b) {
  uint8_t used[256] = {0};
  for (size_t k = 1; k < b->n_nodes; k++) used[b->nodes[k].byte] = 1;
  uint32_t n = 1;
  for (int c = 0; c < 256; c++) mt->cls[c] = used[c] ? (uint8_t)n++ : 0;
  for (int c = 'A'; c <= 'Z'; c++) mt->cls[c] = mt->cls[c + ('a' - 'A')];
  mt->n_classes = n; /* at most 231: 256 bytes less 26 upper-case letters */
  mt->stride = n + 1;
}

/*
** Breadth-first order with each node's children contiguous and sorted by
** byte (sorting the short sibling lists here keeps adds cheap). Each rank
** gets its label, depth, and in first_match its own pattern (-1 if none),
** which link_failures completes.
*/
static void order_breadth_first(const lit_builder *b, build_scratch *sc) {
  size_t tail = 1;
  sc->order[0] = 0;
  sc->label[0] = 0;
  sc->depth[0] = 0;
  sc->first_match[0] = -1;
  for (size_t r = 0; r < sc->n; r++) {
    size_t first = tail;
    sc->first_child[r] = (uint32_t)first;
    for (uint32_t k = b->nodes[sc->order[r]].first_child; k != NO_NODE;
         k = b->nodes[k].next_sibling) {
      uint8_t c = b->nodes[k].byte;
      size_t j = tail++;
      for (; j > first && sc->label[j - 1] > c; j--) {
        sc->order[j] = sc->order[j - 1];
        sc->label[j] = sc->label[j - 1];
      }
      sc->order[j] = k;
      sc->label[j] = c;
    }
    for (size_t j = first; j < tail; j++) {
      sc->depth[j] = sc->depth[r] + 1;
      sc->first_match[j] = b->nodes[sc->order[j]].id;
    }
  }
  sc->first_child[sc->n] = (uint32_t)sc->n;
}

/* Reads the nodes' own patterns: call before link_failures. */
static void record_pattern_lengths(lit_matcher *mt, const build_scratch *sc) {
  for (size_t r = 1; r < sc->n; r++) {
    int32_t id = sc->first_match[r];
    if (id < 0) continue;
    mt->pattern_len[id] = sc->depth[r];
    if (sc->depth[r] > mt->max_len) mt->max_len = sc->depth[r];
  }
}

/* The child of rank g labelled c, or 0 (the root is nobody's child). */
static uint32_t child_rank(const build_scratch *sc, uint32_t g, uint8_t c) {
  for (uint32_t k = sc->first_child[g]; k < sc->first_child[g + 1]; k++)
    if (sc->label[k] >= c) return sc->label[k] == c ? k : 0;
  return 0;
}

/* Where the failure chain from g (not the root) first has a child
   labelled c; at_root holds the root's children by label. */
static uint32_t failure_target(const build_scratch *sc,
                               const uint32_t *at_root, uint32_t g,
                               uint8_t c) {
  for (; g != 0; g = sc->fail[g]) {
    uint32_t f = child_rank(sc, g, c);
    if (f) return f;
  }
  return at_root[c];
}

/*
** Failure links in breadth-first order (the standard Aho-Corasick
** construction), and with them the output chains: first_match[v] is v's own
** pattern or else the first of its failure state's chain, and a pattern's
** next_match continues with the failure state's chain.
*/
static void link_failures(build_scratch *sc, int32_t *next_match) {
  uint32_t at_root[256] = {0};
  for (uint32_t k = sc->first_child[0]; k < sc->first_child[1]; k++)
    at_root[sc->label[k]] = k;
  sc->fail[0] = 0;
  for (size_t u = 0; u < sc->n; u++) {
    for (uint32_t v = sc->first_child[u]; v < sc->first_child[u + 1]; v++) {
      uint32_t f =
          u == 0 ? 0 : failure_target(sc, at_root, sc->fail[u], sc->label[v]);
      sc->fail[v] = f;
      int32_t id = sc->first_match[v];
      if (id >= 0)
        next_match[id] = sc->first_match[f];
      else
        sc->first_match[v] = sc->first_match[f];
    }
  }
}

/* How many states, in breadth-first order, get a dense row. */
static size_t dense_count(const lit_builder *b, uint32_t stride) {
  size_t row_bytes = (size_t)stride * sizeof(uint32_t);
  size_t pattern_bytes = b->n_nodes - 1; /* one per trie edge */
  size_t budget = pattern_bytes > DENSE_CAP_BYTES / DENSE_PER_PATTERN_BYTE
                      ? DENSE_CAP_BYTES
                      : pattern_bytes * DENSE_PER_PATTERN_BYTE;
  if (budget < DENSE_FLOOR_BYTES) budget = DENSE_FLOOR_BYTES;
  size_t rows = budget / row_bytes;
  if (rows < 1) rows = 1;
  return rows < b->n_nodes ? rows : b->n_nodes;
}

/*
** Final ids: dense states without output take the first rows (the root is
** row 0), dense states with output the next, sparse states follow the
** table, numbered by rank. -1 when the ids would overflow a uint32.
*/
static int number_states(lit_matcher *mt, build_scratch *sc, size_t n_dense) {
  size_t quiet = 0;
  for (size_t r = 0; r < n_dense; r++)
    if (sc->first_match[r] < 0) quiet++;
  size_t n_sparse = sc->n - n_dense;
  if (n_sparse >= SPECIAL_FLAG ||
      n_dense > (SPECIAL_FLAG - 1 - n_sparse) / mt->stride)
    return -1;
  mt->special = (uint32_t)(quiet * mt->stride);
  mt->sparse_base = (uint32_t)(n_dense * mt->stride);
  size_t next_quiet = 0, next_loud = quiet;
  for (size_t r = 0; r < n_dense; r++) {
    size_t row = sc->first_match[r] < 0 ? next_quiet++ : next_loud++;
    sc->state_id[r] = (uint32_t)(row * mt->stride);
  }
  for (size_t r = n_dense; r < sc->n; r++)
    sc->state_id[r] = mt->sparse_base + (uint32_t)(r - n_dense);
  return 0;
}

/* A transition to state id as a row holds it: flagged when special. */
static uint32_t row_entry(const lit_matcher *mt, uint32_t id) {
  return id >= mt->special ? id | SPECIAL_FLAG : id;
}

/*
** Dense rows in breadth-first order: a row is its failure state's row
** (complete already, being shallower) with the node's own children written
** over it, which resolves every failure transition at build time.
*/
static void fill_dense_rows(lit_matcher *mt, const build_scratch *sc,
                            size_t n_dense) {
  for (size_t r = 0; r < n_dense; r++) {
    uint32_t *row = mt->trans + sc->state_id[r];
    if (r == 0)
      memset(row, 0, mt->n_classes * sizeof *row);
    else
      memcpy(row, mt->trans + sc->state_id[sc->fail[r]],
             mt->n_classes * sizeof *row);
    for (uint32_t k = sc->first_child[r]; k < sc->first_child[r + 1]; k++)
      row[mt->cls[sc->label[k]]] = row_entry(mt, sc->state_id[k]);
    int32_t first = sc->first_match[r];
    row[mt->n_classes] = first < 0 ? NO_MATCH : (uint32_t)first;
  }
}

/* Sparse states: their children (contiguous ranks, sorted) and failure. */
static void fill_sparse_states(lit_matcher *mt, const build_scratch *sc,
                               size_t n_dense) {
  for (size_t r = n_dense; r < sc->n; r++) {
    size_t j = r - n_dense;
    mt->sparse[j] = (sparse_state){
        sc->state_id[sc->fail[r]], (uint32_t)(sc->first_child[r] - n_dense),
        sc->first_child[r + 1] - sc->first_child[r], sc->first_match[r]};
    mt->sparse_label[j] = mt->cls[sc->label[r]];
  }
}

/* The matcher's own arrays, sized from the builder; -1 on failure (the
   caller frees what was allocated). */
static int matcher_alloc(lit_matcher *mt, const lit_builder *b,
                         size_t n_dense) {
  mt->n_patterns = b->n_ids;
  mt->n_sparse = b->n_nodes - n_dense;
  mt->n_trans = n_dense * mt->stride;
  mt->trans = mem_alloc_table(&mt->m, mt->n_trans * sizeof *mt->trans);
  if (!mt->trans) return -1;
  if (mt->n_sparse) {
    mt->sparse = mem_alloc_table(&mt->m, mt->n_sparse * sizeof *mt->sparse);
    mt->sparse_label = mem_alloc(&mt->m, mt->n_sparse);
    if (!mt->sparse || !mt->sparse_label) return -1;
  }
  if (mt->n_patterns) {
    mt->next_match =
        mem_alloc(&mt->m, mt->n_patterns * sizeof *mt->next_match);
    mt->pattern_len =
        mem_alloc(&mt->m, mt->n_patterns * sizeof *mt->pattern_len);
    if (!mt->next_match || !mt->pattern_len) return -1;
  }
  return 0;
}

lit_matcher *lit_matcher_build(lit_builder *b) {
  if (!b) return NULL;
  lit_matcher *mt = mem_calloc(&b->m, 1, sizeof *mt);
  if (!mt) return NULL;
  mt->m = b->m;
  assign_classes(mt, b);
  size_t n_dense = dense_count(b, mt->stride);
  build_scratch sc;
  if (scratch_alloc(&b->m, &sc, b->n_nodes) != 0 ||
      matcher_alloc(mt, b, n_dense) != 0)
    goto fail;
  order_breadth_first(b, &sc);
  record_pattern_lengths(mt, &sc);
  link_failures(&sc, mt->next_match);
  if (number_states(mt, &sc, n_dense) != 0) goto fail;
  fill_dense_rows(mt, &sc, n_dense);
  fill_sparse_states(mt, &sc, n_dense);
  scratch_free(&b->m, &sc);
  return mt;
fail:
  scratch_free(&b->m, &sc);
  lit_matcher_free(mt);
  return NULL;
}

size_t lit_matcher_memory(const lit_matcher *mt) {
  if (!mt) return 0;
  return sizeof *mt + mt->n_trans * sizeof *mt->trans +
         mt->n_sparse * (sizeof *mt->sparse + 1) +
         mt->n_patterns * (sizeof *mt->next_match + sizeof *mt->pattern_len);
}

size_t lit_matcher_sparse_states(const lit_matcher *mt) {
  return mt ? mt->n_sparse : 0;
}

const uint32_t *lit_matcher_pattern_lengths(const lit_matcher *mt) {
  return mt ? mt->pattern_len : NULL;
}

size_t lit_matcher_pattern_len(const lit_matcher *mt, int32_t id) {
  if (!mt || id < 0 || (size_t)id >= mt->n_patterns) return 0;
  return mt->pattern_len[id];
}

/* ------------------------------------------------------------------------
** Scan
**
** One automaton is bound by latency: each step's table load needs the
** state the previous load produced (about 5 cycles a byte from L1, more
** from L2, where the rows of a few thousand Hangul names live). So a scan
** runs several copies at once, each over its own window of adjacent text,
** in one loop whose loads overlap (lanes):
**   - lane 0 scans the first window from the carried state and reports
**     directly; every other lane starts at the root on its window and
**     holds its hits in a small buffer, delivered after the lanes before
**     it, so hits still come in order of end position;
**   - occurrences straddling a window boundary are found by letting the
**     lane before it run on past the boundary, keeping only hits that start
**     before it, until it falls back to the root or has covered the longest
**     pattern; those hits are merged with the held ones by end position;
**   - a lane's state at the end of its window is exact, since a window is
**     at least as long as the longest pattern; the last one is carried on.
** In lock step, the loop notes each lane's states that have output and
** goes on (note_output), up to LANE_NOTES a lane: leaving the loop and
** entering it again for each output cost about 80 instructions, and the
** way from there to the hit about 90 more, for about 100 outputs in a 6 KB
** article. The outputs are reported (lane 0) or held (the other lanes)
** when the run ends; a held output is the state's first pattern and its
** end, the rest of its chain of suffixes follows at delivery.
** If a lane's buffer fills (a text dense with hits), its work is dropped
** and its window is scanned again from the exact state of the lane before,
** reporting directly, which is always correct.
** Four lanes run on texts of at least four windows, two on shorter ones.
** tests/bench/lit_scale.c (50 MB of Korean news, 5 runs): 4,003 aliases
** scan at 1,284 MB/s with four lanes, 897 MB/s with two; 40,003 aliases at
** 984 and 769 MB/s. The lock-step loops are separate leaf functions: inlined
** into the round, the four-lane loop spilled its text pointers.
** --------------------------------------------------------------------- */
#define LANES_MAX 4u
#ifndef LANES_FOUR
#define LANES_FOUR 1 /* -DLANES_FOUR=0: two lanes only, to compare */
#endif
#define LANE_WINDOW_MAX 4096u /* bytes per window */
#define LANE_WINDOW_MIN 128u  /* shorter texts scan with one copy */
#define LANE_HELD 256u        /* outputs a lane may hold per round */
#define LANE_NOTES 64u       /* outputs a lock-step run notes a lane */

/* Held outputs: the first pattern of each (the rest follows next_match)
   and the end all of them share. */
typedef struct held_hits {
  size_t n, next; /* held, and delivered so far */
  int32_t first[LANE_HELD];
  size_t end[LANE_HELD];
} held_hits;

typedef enum emit_mode {
  EMIT_DIRECT,  /* to the callback */
  EMIT_HOLD,    /* into the held buffer (lanes after the first) */
  EMIT_STRADDLE /* only hits starting before `boundary`, merged with held */
} emit_mode;

typedef struct emitter {
  emit_mode mode;
  lit_hit_fn on_hit;
  void *ud;
  held_hits *held;
  size_t boundary;
} emitter;

#define HELD_FULL 1 /* EMIT_HOLD's only failure; never seen by the caller */

/* Calls back every pattern of the output chain from `first`, in order. */
static int deliver_chain(const lit_matcher *mt, const emitter *em,
                         int32_t first, size_t end) {
  for (int32_t id = first; id >= 0; id = mt->next_match[id]) {
    int rc = em->on_hit(em->ud, id, end);
    if (rc) return rc;
  }
  return 0;
}

/* Delivers held outputs that end before `end`, in order. */
static int deliver_held(const lit_matcher *mt, const emitter *em,
                        size_t end) {
  held_hits *h = em->held;
  while (h->next < h->n && h->end[h->next] < end) {
    size_t k = h->next++;
    int rc = deliver_chain(mt, em, h->first[k], h->end[k]);
    if (rc) return rc;
  }
  return 0;
}

/* The straddling hits of an output chain: those that start before the
   boundary, each after the held outputs that end before it. */
static int report_straddling(const lit_matcher *mt, const emitter *em,
                             int32_t first, size_t end) {
  for (int32_t id = first; id >= 0; id = mt->next_match[id]) {
    if (mt->pattern_len[id] <= end - em->boundary) continue; /* held */
    int rc = deliver_held(mt, em, end);
    if (rc == 0) rc = em->on_hit(em->ud, id, end);
    if (rc) return rc;
  }
  return 0;
}

/* Holds an output chain; HELD_FULL when there is no room. */
static inline int hold_output(held_hits *h, int32_t first, size_t end) {
  if (h->n == LANE_HELD) return HELD_FULL;
  h->first[h->n] = first;
  h->end[h->n++] = end;
  return 0;
}

/* Reports the output chain from `first` (none when < 0), all of it ending
   at `end`: held whole, or hit by hit. */
static inline __attribute__((always_inline)) int
report_chain(const lit_matcher *mt, int32_t first, size_t end,
             const emitter *em) {
  if (first < 0) return 0;
  if (em->mode == EMIT_HOLD) return hold_output(em->held, first, end);
  if (em->mode == EMIT_STRADDLE) return report_straddling(mt, em, first, end);
  return deliver_chain(mt, em, first, end);
}

/* The first pattern to report in state s, or -1. */
static int32_t state_output(const lit_matcher *mt, uint32_t s) {
  if (s >= mt->sparse_base) return mt->sparse[s - mt->sparse_base].match;
  return (int32_t)mt->trans[s + mt->n_classes];
}

/* Reports every pattern ending in state s: its own, then its suffixes'. */
static int report_output(const lit_matcher *mt, uint32_t s, size_t end,
                         const emitter *em) {
  return report_chain(mt, state_output(mt, s), end, em);
}

/*
** One step from any state: a dense row directly; from a sparse state its
** own children, else its failure state's step. Failure links lead to
** shallower states, so the chase ends at the latest in a complete dense row.
*/
static uint32_t step_any(const lit_matcher *mt, uint32_t s, uint32_t c) {
  while (s >= mt->sparse_base) {
    const sparse_state *st = &mt->sparse[s - mt->sparse_base];
    const uint8_t *label = mt->sparse_label + st->first_child;
    for (uint32_t k = 0; k < st->n_children && label[k] <= c; k++)
      if (label[k] == c) return mt->sparse_base + st->first_child + k;
    s = st->fail;
  }
  return mt->trans[s + c] & ~SPECIAL_FLAG;
}

/* Where a copy of the automaton stands: returned by value, so the hot
   loops keep position and state in registers. rc is a report's result. */
typedef struct cursor {
  size_t pos;
  uint32_t state;
  int rc;
} cursor;

/* Steps on from a sparse state through text[c.pos, end), reporting, until
   a dense state is reached or the range ends. */
static cursor leave_sparse(const lit_matcher *mt, const uint8_t *t,
                           size_t end, cursor c, const emitter *em) {
  while (c.rc == 0 && c.state >= mt->sparse_base && c.pos < end) {
    c.state = step_any(mt, c.state, mt->cls[t[c.pos++]]);
    if (c.state >= mt->special) /* below: dense states without output */
      c.rc = report_output(mt, c.state, c.pos, em);
  }
  return c;
}

/* The slow path, after a step into a special state (one with output, or
   sparse): its output, then the sparse states that follow. */
__attribute__((noinline)) static cursor settle(const lit_matcher *mt,
                                               const uint8_t *t, size_t end,
                                               size_t pos, uint32_t state,
                                               const emitter *em) {
  cursor c = {pos, state, report_output(mt, state, pos, em)};
  if (c.rc == 0 && state >= mt->sparse_base)
    c = leave_sparse(mt, t, end, c, em);
  return c;
}

/*
** The hot loop of one copy: one class lookup, one row load and one compare
** per byte, until a special state or the end. A leaf function, so that
** state and position live in registers, never in memory the slow path
** could touch.
*/
static cursor run_dense(const lit_matcher *mt, const uint8_t *t, size_t to,
                        cursor c) {
  const uint32_t *trans = mt->trans;
  const uint8_t *cls = mt->cls;
  uint32_t s = c.state;
  size_t i = c.pos;
  while (i < to) {
    s = trans[s + cls[t[i++]]];
    if (s & SPECIAL_FLAG) break;
  }
  c.state = s & ~SPECIAL_FLAG;
  c.pos = i;
  return c;
}

/* One copy of the automaton over text[from, to) from *state (left there). */
static int scan_run(const lit_matcher *mt, const uint8_t *t, size_t from,
                    size_t to, uint32_t *state, const emitter *em) {
  cursor c = {from, *state, 0};
  if (c.state >= mt->sparse_base) c = leave_sparse(mt, t, to, c, em);
  while (c.rc == 0 && c.pos < to) {
    c = run_dense(mt, t, to, c);
    if (c.state >= mt->special) c = settle(mt, t, to, c.pos, c.state, em);
  }
  *state = c.state;
  return c.rc;
}

/* The lanes of one round: window i is text[from + i*w, from + (i+1)*w). */
typedef struct lanes {
  const lit_matcher *mt;
  const uint8_t *t;
  size_t from, w, n;
  size_t end[LANES_MAX]; /* each window's end */
  size_t room;           /* bytes every running lane has left */
  size_t ran;            /* bytes the last lock-step run took */
  uint32_t sparse_base;  /* the matcher's, one load away */
  /* Where the last lock-step run found output, lane by lane (note_output):
     the output states, after room + out_k[i][j] bytes. */
  size_t n_out[LANES_MAX];
  ptrdiff_t out_k[LANES_MAX][LANE_NOTES];
  uint32_t out_state[LANES_MAX][LANE_NOTES];
  cursor c[LANES_MAX];
  bool done[LANES_MAX];    /* finished its window, or dropped */
  bool dropped[LANES_MAX]; /* its held buffer overflowed */
  emitter em[LANES_MAX];
  held_hits held[LANES_MAX]; /* [0] unused: lane 0 reports directly */
} lanes;

static size_t lane_end(const lanes *l, size_t i) { return l->end[i]; }

/* Notes lane i's output state s after room + k bytes of a lock-step run;
   true when the run must stop: the lane's notes are full, or s is sparse
   (its steps need more than the lock-step loops do). */
static inline bool note_output(lanes *l, size_t i, ptrdiff_t k, uint32_t s) {
  size_t j = l->n_out[i]++;
  l->out_k[i][j] = k;
  l->out_state[i][j] = s;
  return j + 1 == LANE_NOTES || s >= l->sparse_base;
}

/*
** Two or four lanes in lock step over l->room bytes at most, noting each
** lane's steps into a special state (note_output) and going on, until a
** lane is in a sparse state or has LANE_NOTES notes, or the room is used
** up. They set l->ran and l->n_out. Leaf functions: that
** way the text pointers and states of all lanes stay in registers (inlined
** into the round, the four-lane loop spilled its pointers to the stack).
** The text pointers point at the end of the room and the count runs from
** -room up to 0, which saves the register a bound would take.
** The code around the inner loop must stay this lean: a variant that held
** sparse_base in a register for its checks made GCC 12 spill a text
** pointer, and the loop took 20% more instructions; one that stored the
** four states side by side had them packed into a vector register. After
** any change here, check that the four-lane loop is 24 instructions and
** touches no stack.
*/
__attribute__((noinline)) static void run_lockstep2(lanes *l) {
  const uint32_t *trans = l->mt->trans;
  const uint8_t *cls = l->mt->cls;
  const size_t n = l->room;
  const uint8_t *e0 = l->t + l->c[0].pos + n, *e1 = l->t + l->c[1].pos + n;
  uint32_t s0 = l->c[0].state, s1 = l->c[1].state;
  ptrdiff_t k = -(ptrdiff_t)n;
  l->n_out[0] = l->n_out[1] = 0;
  for (;;) {
    while (k < 0) {
      s0 = trans[(size_t)s0 + cls[e0[k]]];
      s1 = trans[(size_t)s1 + cls[e1[k]]];
      k++;
      if ((s0 | s1) & SPECIAL_FLAG) break;
    }
    if (!((s0 | s1) & SPECIAL_FLAG)) break;
    bool stop = k == 0;
    if (s0 & SPECIAL_FLAG) stop |= note_output(l, 0, k, s0 &= ~SPECIAL_FLAG);
    if (s1 & SPECIAL_FLAG) stop |= note_output(l, 1, k, s1 &= ~SPECIAL_FLAG);
    if (stop) break;
  }
  l->ran = n + (size_t)k;
  l->c[0].pos += l->ran, l->c[1].pos += l->ran;
  l->c[0].state = s0;
  l->c[1].state = s1;
}

__attribute__((noinline)) static void run_lockstep4(lanes *l) {
  const uint32_t *trans = l->mt->trans;
  const uint8_t *cls = l->mt->cls;
  const size_t n = l->room;
  const uint8_t *e0 = l->t + l->c[0].pos + n, *e1 = l->t + l->c[1].pos + n,
                *e2 = l->t + l->c[2].pos + n, *e3 = l->t + l->c[3].pos + n;
  uint32_t s0 = l->c[0].state, s1 = l->c[1].state, s2 = l->c[2].state,
           s3 = l->c[3].state;
  ptrdiff_t k = -(ptrdiff_t)n;
  l->n_out[0] = l->n_out[1] = l->n_out[2] = l->n_out[3] = 0;
  for (;;) {
    while (k < 0) {
      s0 = trans[(size_t)s0 + cls[e0[k]]];
      s1 = trans[(size_t)s1 + cls[e1[k]]];
      s2 = trans[(size_t)s2 + cls[e2[k]]];
      s3 = trans[(size_t)s3 + cls[e3[k]]];
      k++;
      if ((s0 | s1 | s2 | s3) & SPECIAL_FLAG) break;
    }
    if (!((s0 | s1 | s2 | s3) & SPECIAL_FLAG)) break;
    bool stop = k == 0;
    if (s0 & SPECIAL_FLAG) stop |= note_output(l, 0, k, s0 &= ~SPECIAL_FLAG);
    if (s1 & SPECIAL_FLAG) stop |= note_output(l, 1, k, s1 &= ~SPECIAL_FLAG);
    if (s2 & SPECIAL_FLAG) stop |= note_output(l, 2, k, s2 &= ~SPECIAL_FLAG);
    if (s3 & SPECIAL_FLAG) stop |= note_output(l, 3, k, s3 &= ~SPECIAL_FLAG);
    if (stop) break;
  }
  l->ran = n + (size_t)k;
  for (size_t i = 0; i < 4; i++) l->c[i].pos += l->ran;
  l->c[0].state = s0;
  l->c[1].state = s1;
  l->c[2].state = s2;
  l->c[3].state = s3;
}

/* The room for the next lock-step run: what the lane with the least left
   has, 0 once a lane is done. */
static void update_room(lanes *l) {
  l->room = SIZE_MAX;
  for (size_t i = 0; i < l->n; i++) {
    if (l->c[i].pos >= lane_end(l, i)) l->done[i] = true;
    size_t left = l->done[i] ? 0 : lane_end(l, i) - l->c[i].pos;
    if (left < l->room) l->room = left;
  }
}

/*
** Lane i's outputs in the last lock-step run, in order: reported (lane 0)
** or held. A sparse state, which can only be the last, is left by the lane
** alone (settle); *moved tells that it did. Returns the first non-zero
** report result.
*/
static int settle_lane(lanes *l, size_t i, bool *moved) {
  const lit_matcher *mt = l->mt;
  const uint32_t *first_output = mt->trans + mt->n_classes;
  const uint32_t *state = l->out_state[i];
  const ptrdiff_t *out_k = l->out_k[i];
  size_t n_out = l->n_out[i];
  size_t at = l->c[i].pos - l->ran + l->room; /* where k == 0 falls */
  for (size_t j = 0; j < n_out; j++) {
    uint32_t s = state[j];
    size_t pos = at + (size_t)out_k[j];
    if (s >= mt->sparse_base) {
      cursor *c = &l->c[i];
      *c = settle(mt, l->t, lane_end(l, i), pos, s, &l->em[i]);
      *moved = c->pos != pos;
      return c->rc;
    }
    /* In lock step, lane 0 reports and the others hold. */
    int32_t first = (int32_t)first_output[s];
    int rc = i == 0 ? deliver_chain(mt, &l->em[0], first, pos)
                    : hold_output(&l->held[i], first, pos);
    if (rc) return rc;
  }
  return 0;
}

/*
** After a lock-step run: the outputs it recorded, lane by lane (lane 0's
** reported, the other lanes' held, so the order between lanes does not
** matter), then the room left. Returns lane 0's callback result; a held
** lane that overflows is dropped. While every lane only reported, all
** moved by l->ran and the room shrinks by as much; a lane that moved on
** alone (out of sparse states), was dropped or reached its end makes it
** recomputed.
*/
static int settle_lanes(lanes *l) {
  bool recount = l->ran == l->room;
  for (size_t i = 0; i < l->n; i++) {
    bool moved = false;
    int rc = settle_lane(l, i, &moved);
    if (rc && i == 0) return rc;
    if (rc) l->dropped[i] = l->done[i] = true;
    if (rc || moved) recount = true;
  }
  if (recount) update_room(l);
  else l->room -= l->ran;
  return 0;
}

/* Runs the lanes over their windows: in lock step while all are running,
   then each alone to its window's end. */
static int run_lanes(lanes *l) {
  int rc = 0;
  update_room(l);
  while (rc == 0 && l->room > 0) {
    if (l->n == 4) run_lockstep4(l);
    else run_lockstep2(l);
    rc = settle_lanes(l);
  }
  for (size_t i = 0; rc == 0 && i < l->n; i++) {
    if (l->dropped[i]) continue;
    uint32_t st = l->c[i].state;
    int r = scan_run(l->mt, l->t, l->c[i].pos, lane_end(l, i), &st, &l->em[i]);
    l->c[i].state = st;
    if (r && i == 0) rc = r;
    else if (r) l->dropped[i] = true;
  }
  return rc;
}

/* The lane before a boundary, run on past it: hits that started before
   it, until the lane is back at the root (nothing can straddle any more)
   or at `end`. */
static int scan_straddle(const lit_matcher *mt, const uint8_t *t, size_t from,
                         size_t end, uint32_t s, const emitter *em) {
  for (size_t i = from; s != 0 && i < end;) {
    s = step_any(mt, s, mt->cls[t[i++]]);
    if (s >= mt->special) {
      int rc = report_output(mt, s, i, em);
      if (rc) return rc;
    }
  }
  return 0;
}

/*
** Joins lane i to what came before, given the exact state at its window's
** start: the hits straddling the boundary merged with the lane's held
** ones, or, for a dropped lane, its window scanned again from that state.
** *state becomes the exact state at the window's end.
*/
static int join_lane(lanes *l, size_t i, uint32_t *state, lit_hit_fn on_hit,
                     void *ud) {
  const lit_matcher *mt = l->mt;
  size_t start = l->from + i * l->w;
  if (l->dropped[i]) {
    emitter direct = {EMIT_DIRECT, on_hit, ud, NULL, 0};
    return scan_run(mt, l->t, start, start + l->w, state, &direct);
  }
  emitter straddle = {EMIT_STRADDLE, on_hit, ud, &l->held[i], start};
  size_t reach = mt->max_len - 1 < l->w ? start + mt->max_len - 1
                                        : start + l->w;
  int rc = scan_straddle(mt, l->t, start, reach, *state, &straddle);
  if (rc == 0) rc = deliver_held(mt, &straddle, SIZE_MAX);
  *state = l->c[i].state;
  return rc;
}

/*
** n lanes (2 or 4) over text[from, from + n*w); *state is carried in and
** out. The lanes live in `l`, the caller's (held buffers are too large to
** set up on every round's stack frame anew).
*/
static int scan_lanes(lanes *l, size_t from, size_t w, size_t n,
                      uint32_t *state, lit_hit_fn on_hit, void *ud) {
  l->from = from, l->w = w, l->n = n;
  for (size_t i = 0; i < n; i++) {
    l->end[i] = from + (i + 1) * w;
    l->held[i].n = l->held[i].next = 0;
    l->em[i] = (emitter){i ? EMIT_HOLD : EMIT_DIRECT, on_hit, ud,
                         i ? &l->held[i] : NULL, 0};
    l->c[i] = (cursor){from + i * w, i ? 0 : *state, 0};
    l->done[i] = l->dropped[i] = false;
  }
  if (l->c[0].state >= l->mt->sparse_base) {
    l->c[0] = leave_sparse(l->mt, l->t, lane_end(l, 0), l->c[0], &l->em[0]);
    if (l->c[0].rc) return l->c[0].rc;
    if (l->c[0].pos >= lane_end(l, 0)) l->done[0] = true;
  }
  int rc = run_lanes(l);
  uint32_t s = l->c[0].state;
  for (size_t i = 1; rc == 0 && i < n; i++) rc = join_lane(l, i, &s, on_hit, ud);
  *state = s;
  return rc;
}

int lit_scan(const lit_matcher *mt, const char *text, size_t len,
             lit_hit_fn on_hit, void *ud) {
  if (!mt || !on_hit || !text || mt->n_patterns == 0) return 0;
  const uint8_t *t = (const uint8_t *)text;
  size_t min_w = mt->max_len > LANE_WINDOW_MIN ? mt->max_len : LANE_WINDOW_MIN;
  uint32_t s = 0;
  size_t i = 0;
  int rc = 0;
  lanes l;
  l.mt = mt;
  l.t = t;
  l.sparse_base = mt->sparse_base;
  while (rc == 0 && len - i >= 2 * min_w) {
    size_t n = LANES_FOUR && len - i >= LANES_MAX * min_w ? LANES_MAX : 2;
    size_t w = (len - i) / n < LANE_WINDOW_MAX ? (len - i) / n
                                               : LANE_WINDOW_MAX;
    rc = scan_lanes(&l, i, w, n, &s, on_hit, ud);
    i += n * w;
  }
  if (rc == 0) {
    emitter direct = {EMIT_DIRECT, on_hit, ud, NULL, 0};
    rc = scan_run(mt, t, i, len, &s, &direct);
  }
  return rc;
}
