/*
** regex_walk.c — a pattern's prefix read backwards from its literal, to
** bound where a match can start (see regex.h).
**
** The prefix is a sequence of steps, each one character repeated
** {min,max}. Read from the literal backwards it is a small NFA whose state
** is, per step, the set of counts of characters the step has taken so far:
** bit c of one uint64_t stands for count c, and an unbounded step keeps
** every count from its min on in bit min. Steps are stored last first, in
** the order the text is read.
**
** Character sets come from PCRE2 itself (regex_probe_ranges) below U+10000,
** kept as one bit per character (8 KiB a step: a walk runs at every
** trigger, so membership must cost one load); every character from
** U+10000 up counts as a member. A set larger than PCRE2's only makes the
** walk accept starts that no match has, which costs a PCRE2 search there,
** never a match.
*/
#include "regex.h"

#include "bunryu.h"

/* Characters below this have a bit in a charset. */
#define BMP_END 0x10000u
#define SET_WORDS (BMP_END / 64u)
/* Stands for a character the walk does not decode: a member of every set. */
#define ANY_CHAR BMP_END

typedef struct charset {
  uint64_t *bits; /* SET_WORDS words */
} charset;

typedef struct walk_step {
  charset set;
  unsigned min;   /* counts from min on let the step end */
  uint64_t ends;  /* their bits: min and up */
  unsigned top;   /* the highest count kept: max, or min when unbounded */
  uint64_t mask;  /* bits 0..top */
  uint64_t keep;  /* bit top when unbounded (counts beyond top stay at
                     top), else 0 */
} walk_step;

struct regex_walk {
  mem m;
  size_t n;
  walk_step *steps; /* the prefix's last step first */
  /* Before any character is read: steps 0..n_open-1 hold count 0 (each
     before the last may end at once, min 0), and whether the prefix may
     begin right at the literal. */
  size_t n_open;
  bool empty_ok;
};

/* ======================================================================
** Character sets
** ==================================================================== */

static bool charset_has(const charset *cs, uint32_t cp) {
  return cp >= BMP_END || ((cs->bits[cp >> 6] >> (cp & 63u)) & 1u);
}

/* The bits of PCRE2's ranges r[0..2n) (each within [0, BMP_END)). */
static int charset_fill(const mem *m, charset *cs, const uint32_t *r,
                        size_t n) {
  cs->bits = mem_calloc(m, SET_WORDS, sizeof *cs->bits);
  if (!cs->bits) return BUNRYU_ENOMEM;
  for (size_t i = 0; i < n; i++)
    for (uint32_t cp = r[2 * i]; cp < r[2 * i + 1] && cp < BMP_END; cp++)
      cs->bits[cp >> 6] |= (uint64_t)1 << (cp & 63u);
  return BUNRYU_OK;
}

/* ======================================================================
** Lifetime
** ==================================================================== */

static int step_init(const mem *m, regex_probe *probe, walk_step *w,
                     const regex_step *s, bool caseless) {
  if (s->min > REGEX_WALK_MAX_MIN || (s->max != REGEX_UNBOUNDED &&
                                      s->max < s->min))
    return BUNRYU_EINVAL;
  w->min = (unsigned)s->min;
  w->ends = ~(uint64_t)0 << w->min;
  /* A maximum the bits cannot hold counts as none: more strings, so still
     every start a match may have. */
  bool unbounded = s->max == REGEX_UNBOUNDED || s->max > 63;
  w->top = unbounded ? w->min : (unsigned)s->max;
  w->mask = w->top == 63 ? ~(uint64_t)0 : ((uint64_t)2 << w->top) - 1;
  w->keep = unbounded ? (uint64_t)1 << w->top : 0;
  uint32_t *r = NULL;
  size_t n = 0;
  int rc = regex_probe_ranges(probe, s->item, caseless, &r, &n);
  if (rc == BUNRYU_OK) rc = charset_fill(m, &w->set, r, n);
  mem_free(m, r, 2 * n * sizeof *r);
  return rc;
}

int regex_walk_new(const mem *m, regex_probe *probe, const regex_step *steps,
                   size_t n, bool caseless, regex_walk **out) {
  if (!out) return BUNRYU_EINVAL;
  *out = NULL;
  if (!m || !probe || (n && !steps) || n > REGEX_WALK_MAX_STEPS)
    return BUNRYU_EINVAL;
  regex_walk *w = mem_calloc(m, 1, sizeof *w);
  if (!w) return BUNRYU_ENOMEM;
  w->m = *m;
  w->steps = n ? mem_calloc(m, n, sizeof *w->steps) : NULL;
  if (n && !w->steps) {
    mem_free(m, w, sizeof *w);
    return BUNRYU_ENOMEM;
  }
  w->n = n;
  int rc = BUNRYU_OK;
  for (size_t i = 0; i < n && rc == BUNRYU_OK; i++)
    rc = step_init(m, probe, &w->steps[n - 1 - i], &steps[i], caseless);
  if (rc != BUNRYU_OK) {
    regex_walk_free(w);
    return rc;
  }
  /* Count 0 lets a step end only when its min is 0. */
  w->n_open = 1;
  while (w->n_open < n && w->steps[w->n_open - 1].min == 0) w->n_open++;
  w->empty_ok = n == 0 || (w->n_open == n && w->steps[n - 1].min == 0);
  *out = w;
  return BUNRYU_OK;
}

void regex_walk_free(regex_walk *w) {
  if (!w) return;
  mem m = w->m;
  for (size_t i = 0; i < w->n; i++)
    mem_free(&m, w->steps[i].set.bits, SET_WORDS * sizeof(uint64_t));
  mem_free(&m, w->steps, w->n * sizeof *w->steps);
  mem_free(&m, w, sizeof *w);
}

size_t regex_walk_memory(const regex_walk *w) {
  if (!w) return 0;
  return sizeof *w +
         w->n * (sizeof *w->steps + SET_WORDS * sizeof(uint64_t));
}

/* ======================================================================
** The walk
** ==================================================================== */

/*
** Every step takes character cp (read backwards) or loses its counts, and
** each step that has then taken enough characters may end, so that the
** one before it in the pattern begins with count 0 — in one pass, as step
** i + 1 is stepped before step i's end reaches it. Returns whether the
** pattern's first step can end: the prefix may begin here. *alive is set
** false when no count is left to step on.
*/
static bool step_back(const regex_walk *w, uint64_t *counts, uint32_t cp,
                      bool *alive) {
  uint64_t left = 0, ended = 0;
  for (size_t i = 0; i < w->n; i++) {
    const walk_step *s = &w->steps[i];
    uint64_t c = counts[i];
    if (c && !charset_has(&s->set, cp)) c = 0;
    uint64_t next = ((c << 1) & s->mask) | (c & s->keep);
    left |= next;
    next |= ended;
    counts[i] = next;
    ended = (next & s->ends) != 0;
  }
  *alive = left != 0;
  return ended != 0;
}

/* What prev_char gives for bytes that are not UTF-8: the walk cannot
   count characters there, so it gives up its lower bound. */
#define NOT_UTF8 0xFFFFFFFFu

/* The start of the character that ends at x (*cp is set to it), or
   SIZE_MAX when it begins before floor. */
static size_t prev_char(const char *text, size_t floor, size_t x,
                        uint32_t *cp) {
  const unsigned char *t = (const unsigned char *)text;
  /* The two commonest cases first: ASCII, and a whole three-byte
     character (Hangul) above the floor. */
  if (t[x - 1] < 0x80u) {
    *cp = t[x - 1];
    return x - 1;
  }
  if (x - floor >= 3 && (t[x - 3] & 0xF0u) == 0xE0u &&
      (t[x - 2] & 0xC0u) == 0x80u && (t[x - 1] & 0xC0u) == 0x80u) {
    *cp = ((t[x - 3] & 0x0Fu) << 12) | ((t[x - 2] & 0x3Fu) << 6) |
          (t[x - 1] & 0x3Fu);
    return x - 3;
  }
  size_t s = x - 1;
  while (s > floor && (t[s] & 0xC0u) == 0x80u && x - s < 4) s--;
  size_t n = x - s;
  if ((t[s] & 0xC0u) == 0x80u) {
    if (s == floor && n < 4) return SIZE_MAX;
    *cp = NOT_UTF8;
  } else if (n == 1 && t[s] < 0x80u) {
    *cp = t[s];
  } else if (n == 2 && (t[s] & 0xE0u) == 0xC0u) {
    *cp = ((t[s] & 0x1Fu) << 6) | (t[s + 1] & 0x3Fu);
  } else if (n == 3 && (t[s] & 0xF0u) == 0xE0u) {
    *cp = ((t[s] & 0x0Fu) << 12) | ((t[s + 1] & 0x3Fu) << 6) |
          (t[s + 2] & 0x3Fu);
  } else {
    *cp = n == 4 && (t[s] & 0xF8u) == 0xF0u ? ANY_CHAR : NOT_UTF8;
  }
  return s;
}

bool regex_walk_starts(const regex_walk *w, const char *text, size_t floor,
                       size_t at, size_t *lo, size_t *hi) {
  if (w->n == 0) {
    *lo = *hi = at;
    return true;
  }
  uint64_t counts[REGEX_WALK_MAX_STEPS];
  for (size_t i = 0; i < w->n; i++) counts[i] = i < w->n_open;
  bool found = w->empty_ok, alive = true;
  size_t x = at, first = at, last = at;
  while (x > floor) {
    uint32_t cp;
    size_t start = prev_char(text, floor, x, &cp);
    if (start == SIZE_MAX) break;
    if (at - start > REGEX_WALK_MAX_BYTES || cp == NOT_UTF8) {
      /* Starts may lie anywhere below x: give up the lower bound. */
      *lo = floor;
      *hi = found ? first : x;
      return true;
    }
    x = start;
    bool begins = step_back(w, counts, cp, &alive);
    if (!alive) break;
    if (begins) {
      if (!found) first = x;
      found = true;
      last = x;
    }
  }
  *lo = last;
  *hi = first;
  return found;
}
