/*
** regex.h — PCRE2 patterns: compile with JIT and limits, match safely, and
** analyse a pattern so that it runs only where it can match.
**
** Every pattern is compiled with PCRE2_UTF | PCRE2_UCP (and
** PCRE2_USE_OFFSET_LIMIT), JIT-compiled when PCRE2 can, and matched with
** match/depth/heap limits: a runaway pattern gives BUNRYU_ELIMIT for that
** document, never a hang. Allocation goes through the library's mem hook
** (PCRE2 general context).
**
** The analysis (regex_analyze) extracts a *required literal set*: a set of
** strings one of which occurs in every match (e.g. {"법안", "법", "협약"} for
** `\w{2,20}(?:법안|법|협약)`), and an upper bound on the length in bytes of a
** match (or REGEX_UNBOUNDED). The engine puts the required literals into the
** literal automaton and runs the regex only near their occurrences.
**
** Where the literals begin an item of the pattern, the analysis also splits
** it there: the rest, compiled anchored (regex_compile_anchored), tells at
** a literal whether a match can have that item there (regex_match_at), and
** the items before it, walked backwards from the literal (regex_walk, its
** character sets asked of PCRE2 through a regex_probe), where such a match
** can start.
**
** A case-sensitive pattern whose every match begins with its literal also
** carries a check that regex_find (over a few starts) and regex_match_at
** make before PCRE2: a literal at the start, and after it a character the
** pattern's next items allow (regex_info.next; PCRE2 decides over ASCII,
** any other character passes).
*/
#ifndef BUNRYU_REGEX_H
#define BUNRYU_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"

#define REGEX_UNBOUNDED ((size_t)-1)

typedef struct regex regex;             /* compiled, immutable, shared */
typedef struct regex_scratch regex_scratch; /* per thread: match data, JIT stack */

typedef struct regex_limits {
  uint32_t match;   /* pcre2_set_match_limit */
  uint32_t depth;   /* pcre2_set_depth_limit */
  uint32_t heap_kb; /* pcre2_set_heap_limit */
} regex_limits;

/*
** Compiles pattern (NUL-terminated). caseless adds PCRE2_CASELESS.
** On failure returns BUNRYU_ERULE (or BUNRYU_ENOMEM), writes PCRE2's message
** into err[errlen] and the offset inside the pattern into *erroffset.
** *jit_ok tells whether JIT compilation succeeded (a warning otherwise; the
** pattern still works, interpreted).
*/
int regex_compile(const mem *m, const char *pattern, bool caseless,
                  regex **out, bool *jit_ok, char *err, size_t errlen,
                  size_t *erroffset);
/* The same, anchored: a match must start at the search's start offset
   (regex_match_at). */
int regex_compile_anchored(const mem *m, const char *pattern, bool caseless,
                           regex **out, bool *jit_ok, char *err,
                           size_t errlen, size_t *erroffset);
void regex_free(regex *re);

/* The number of the capture group named `name`, or -1. */
int regex_group(const regex *re, const char *name);

/* Bytes held by the compiled pattern (and its JIT code, if known). */
size_t regex_memory(const regex *re);

/* A scratch for matching any regex of an engine; NULL on failure. */
regex_scratch *regex_scratch_new(const mem *m, const regex_limits *lim);
void regex_scratch_free(regex_scratch *s);

/*
** Finds the first match in subject[0..len) that starts at or after `from`
** and at or before `start_limit` (REGEX_UNBOUNDED: anywhere). On a match
** returns 1 and sets [*ms, *me) and, when group >= 0, [*gs, *ge) (both -1 as
** (size_t)-1 when the group did not take part). 0 for no match,
** BUNRYU_ELIMIT when a limit stopped it, BUNRYU_ENOMEM.
*/
int regex_find(const regex *re, regex_scratch *s, const char *subject,
               size_t len, size_t from, size_t start_limit, int group,
               size_t *ms, size_t *me, size_t *gs, size_t *ge);

/*
** Whether a pattern compiled by regex_compile_anchored matches at `at`
** (lookbehinds and \b see subject[0, at)): 1, 0 (also when `at` is inside
** a character), BUNRYU_ELIMIT when a limit stopped it, BUNRYU_EINVAL.
*/
int regex_match_at(const regex *re, regex_scratch *s, const char *subject,
                   size_t len, size_t at);

/*
** A probe: every character below U+10000 once, in order, for asking PCRE2
** which of them a one-character item matches. Built once for the walks of
** an engine; NULL when out of memory.
*/
typedef struct regex_probe regex_probe;
regex_probe *regex_probe_new(const mem *m);
void regex_probe_free(regex_probe *p);

/*
** The characters below U+10000 that `item` matches — a pattern matching
** exactly one character, such as a regex_step's — as *n_ranges sorted,
** disjoint half-open code point ranges [r[2i], r[2i + 1]) in a new array
** of 2 * *n_ranges entries (NULL when none; free it with mem_free through
** the probe's hook). PCRE2 decides every character itself, so Unicode
** properties, caseless matching and negation are exactly its own.
** BUNRYU_ENOMEM, BUNRYU_ERULE (not a pattern), BUNRYU_EINVAL (not one
** character) or BUNRYU_ELIMIT.
*/
int regex_probe_ranges(regex_probe *p, const char *item, bool caseless,
                       uint32_t **ranges, size_t *n_ranges);

/* One item of a prefix: a single character (a class, an escape like \s
   or \p{..}, `.`, a literal) as a pattern of its own, with the options
   set before it written first, repeated {min,max}. */
typedef struct regex_step {
  char *item;
  size_t min, max; /* max: REGEX_UNBOUNDED for none */
} regex_step;

/*
** The analysis of a pattern. lits[i] are NUL-terminated byte strings in the
** form the pattern matches them (the caller normalizes them as it does
** keywords). n_lits == 0 means no usable required set: run everywhere.
** Strings shorter than 2 bytes are chosen only when they are ASCII capitals
** of a case-sensitive pattern (the caller must then check a trigger's exact
** case: the automaton folds ASCII case); others would fire everywhere.
*/
typedef struct regex_info {
  char **lits;
  size_t n_lits;
  size_t max_len;    /* bytes, or REGEX_UNBOUNDED */
  /* The most bytes a match may hold before the required literal begins
     (0 when the literal starts every match), or REGEX_UNBOUNDED: a match
     holding a literal at s starts in [s - lit_before, s]. */
  size_t lit_before;
  /* No match can hold a line feed (nothing in the pattern consumes one):
     a match holding a literal lies within the literal's line. */
  bool one_line;
  /*
  ** The split at the literal's item. When the pattern is one sequence of
  ** items and every literal begins item k of it (a literal run, or an
  ** alternation each of whose branches begins with its literal), every
  ** match that holds a literal at q has items k.. matching from q and
  ** items 0..k-1 matching text that ends at q. Set only when something
  ** may come before the literal (lit_before > 0).
  **
  ** suffix: items k.. as a pattern of its own, the options set before
  ** item k written first. When it fails anchored at q, no match has item
  ** k at q. NULL when it could not fail there (plain literal text).
  ** steps: items 0..k-1 in pattern order, zero-width ones left out, when
  ** each is one character repeated (walk is then true): a walk backwards
  ** from q over them bounds where such a match starts.
  */
  char *suffix;
  regex_step *steps;
  size_t n_steps;
  bool walk;
  /*
  ** What must follow the literal. When every match begins with one of
  ** lits (lit_before == 0, the literals a run of the pattern's single
  ** sequence, a case-sensitive pattern): the one-character items that may
  ** take the character right after the run, in pattern order — each that
  ** may take none, up to and including the first that must take one
  ** (zero-width items left out). A match beginning at a literal has that
  ** character, and one of them takes it. n_next == 0 when no such item
  ** must take one: nothing to check.
  */
  regex_step *next;
  size_t n_next;
} regex_info;

/* What a walk can follow: this many steps, each needing at most
   REGEX_WALK_MAX_MIN characters (a larger maximum counts as unbounded). */
#define REGEX_WALK_MAX_STEPS 32
#define REGEX_WALK_MAX_MIN 63

/* Returns BUNRYU_OK or BUNRYU_ENOMEM; a pattern it cannot follow simply
   yields n_lits == 0 and max_len == REGEX_UNBOUNDED. */
int regex_analyze(const mem *m, const char *pattern, bool caseless,
                  regex_info *info);
void regex_info_free(const mem *m, regex_info *info);

/*
** A reverse walk over a pattern's prefix (regex_info.steps), built once
** per pattern and shared by threads. From a position `at` where the
** literal's item begins, it reads the text backwards and finds where the
** prefix, matched so that it ends at `at`, can begin. Its character sets
** over-approximate PCRE2's (every character from U+10000 up counts as a
** member), so it may accept starts no match has, never miss one.
*/
typedef struct regex_walk regex_walk;

/* A walk over steps[0..n) (n <= REGEX_WALK_MAX_STEPS, each min at most
   REGEX_WALK_MAX_MIN), its character sets asked of the probe. BUNRYU_OK,
   BUNRYU_ENOMEM, or another error when a step is not one character (then
   no walk: *out is NULL). */
int regex_walk_new(const mem *m, regex_probe *probe, const regex_step *steps,
                   size_t n, bool caseless, regex_walk **out);
void regex_walk_free(regex_walk *w);
size_t regex_walk_memory(const regex_walk *w);

/*
** Where a match whose prefix ends at `at` may start, reading text (valid
** UTF-8) no further back than `floor`: returns true and sets [*lo, *hi]
** to cover every such start in [floor, at], or false when there is none.
** A prefix that may run on past REGEX_WALK_MAX_BYTES gives *lo = floor.
*/
bool regex_walk_starts(const regex_walk *w, const char *text, size_t floor,
                       size_t at, size_t *lo, size_t *hi);

/* How far back a walk reads before it settles for its floor. */
#define REGEX_WALK_MAX_BYTES 4096u

/* The ASCII characters `item` (one character, as a regex_step's) matches,
   PCRE2 deciding: bit c of set[c / 64] for character c. BUNRYU_OK,
   BUNRYU_ENOMEM, BUNRYU_ERULE (not a pattern) or BUNRYU_EINVAL (not one
   character). */
int regex_ascii_members(const mem *m, const char *item, bool caseless,
                        uint64_t set[2]);

#endif
