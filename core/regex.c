/*
** regex.c — PCRE2 (8-bit) behind the interface of regex.h: compile with
** JIT, match with limits, every byte through the library's mem hook.
**
** Ownership: a `regex` is immutable once compiled and may be shared by any
** number of threads; a `regex_scratch` belongs to one thread and holds what
** pcre2_match() writes (match data, JIT stack, match context). Neither keeps
** global state: each carries its own copy of the mem hook, which is what the
** PCRE2 general context points at.
**
** The one allocation that does not go through the hook is the executable
** memory of JIT code, which PCRE2 (SLJIT) maps itself.
*/
#include "regex.h"

#include <stdint.h>
#include <string.h>

#include <pcre2.h>

#include "limits.h"

/*
** A check before PCRE2 (regex_info.next): every match begins with one of
** lits, and the character after it is one that `next` allows. Most
** triggers of a pattern like \b(?:SB|S)\s?\d{2,5} are a capital S and a
** letter, which this rejects for a small part of a failed match's cost.
** lits are sorted by their first byte: those beginning with byte b are
** from[b] .. from[b + 1] - 1.
*/
typedef struct lead_check {
  char **lits;
  size_t *lens;
  size_t n;
  uint8_t from[257];
  /* The ASCII characters allowed after a literal (regex_ascii_members);
     any other character may be allowed. */
  uint64_t next[2];
} lead_check;

struct regex {
  mem m;              /* the hook; pcre2 code keeps a pointer to this copy */
  pcre2_code *code;
  uint32_t captures;  /* highest capture group number */
  bool jit;
  lead_check *lead;   /* NULL: none */
};

struct regex_scratch {
  mem m;                          /* the hook; gctx points to this copy */
  pcre2_general_context *gctx;
  pcre2_match_context *mctx;
  pcre2_jit_stack *jit_stack;
  pcre2_match_data *md;
  /* What a match asks of PCRE2 every time, kept: md's ovector and its
     pairs, and the offset limit last set in mctx. */
  const PCRE2_SIZE *ovector;
  uint32_t ovector_pairs;
  PCRE2_SIZE offset_limit;
};

/* The JIT stack starts small and may grow up to JIT_STACK_MAX: deep enough
   for real patterns (PCRE2's default without a stack is 32 KiB), small enough
   that a thread's scratch stays cheap. */
#define JIT_STACK_START (32u * 1024u)
#define JIT_STACK_MAX (512u * 1024u)

/* Capture pairs a fresh scratch can hold; grown on demand. */
#define OVECTOR_PAIRS_INITIAL 16u

/* ======================================================================
** PCRE2 memory through the mem hook
** ==================================================================== */

/*
** PCRE2's free callback receives no size, while our hook wants one (it may
** count bytes against a cap). So every block carries its size in a header
** aligned like malloc's own blocks.
*/
typedef union block_header {
  size_t size;
  max_align_t align;
} block_header;

static void *pcre_alloc(PCRE2_SIZE size, void *ud) {
  const mem *m = ud;
  if (size > SIZE_MAX - sizeof(block_header)) return NULL;
  block_header *h = mem_alloc(m, sizeof(block_header) + size);
  if (!h) return NULL;
  h->size = size;
  return h + 1;
}

static void pcre_free(void *p, void *ud) {
  if (!p) return;
  const mem *m = ud;
  block_header *h = (block_header *)p - 1;
  mem_free(m, h, sizeof(block_header) + h->size);
}

static pcre2_general_context *general_context_new(mem *m) {
  return pcre2_general_context_create(pcre_alloc, pcre_free, m);
}

/* ======================================================================
** The check before a match
** ==================================================================== */

static void lead_free(const mem *m, lead_check *l) {
  if (!l) return;
  for (size_t i = 0; l->lits && i < l->n; i++) mem_strfree(m, l->lits[i]);
  mem_free(m, l->lits, l->n * sizeof *l->lits);
  mem_free(m, l->lens, l->n * sizeof *l->lens);
  mem_free(m, l, sizeof *l);
}

/* Copies the literals of info into l, in the order of their first byte
   (a counting sort), and indexes them by it. */
static int lead_lits(const mem *m, lead_check *l, const regex_info *info) {
  l->n = info->n_lits; /* lead_free frees by it */
  l->lits = mem_calloc(m, l->n, sizeof *l->lits);
  l->lens = mem_calloc(m, l->n, sizeof *l->lens);
  if (!l->lits || !l->lens) return BUNRYU_ENOMEM;
  size_t count[257] = {0};
  for (size_t i = 0; i < l->n; i++)
    count[(unsigned char)info->lits[i][0] + 1]++;
  for (size_t b = 0; b < 256; b++) count[b + 1] += count[b];
  for (size_t b = 0; b <= 256; b++) l->from[b] = (uint8_t)count[b];
  for (size_t i = 0; i < l->n; i++) {
    size_t at = count[(unsigned char)info->lits[i][0]]++;
    l->lens[at] = strlen(info->lits[i]);
    l->lits[at] = mem_strndup(m, info->lits[i], l->lens[at]);
    if (!l->lits[at]) return BUNRYU_ENOMEM;
  }
  return BUNRYU_OK;
}

/* The check of a case-sensitive pattern, from its analysis; *out stays
   NULL when there is none to make. BUNRYU_OK or BUNRYU_ENOMEM. */
static int lead_new(const mem *m, const char *pattern, lead_check **out) {
  *out = NULL;
  regex_info info;
  int rc = regex_analyze(m, pattern, false, &info);
  /* from[] counts in bytes: the analysis keeps sets far smaller. */
  if (rc != BUNRYU_OK || info.n_next == 0 || info.n_lits > 255) {
    regex_info_free(m, &info);
    return rc;
  }
  lead_check *l = mem_calloc(m, 1, sizeof *l);
  rc = l ? lead_lits(m, l, &info) : BUNRYU_ENOMEM;
  for (size_t i = 0; i < info.n_next && rc == BUNRYU_OK; i++) {
    uint64_t set[2];
    rc = regex_ascii_members(m, info.next[i].item, false, set);
    l->next[0] |= set[0];
    l->next[1] |= set[1];
  }
  regex_info_free(m, &info);
  if (rc == BUNRYU_OK) {
    *out = l;
    return BUNRYU_OK;
  }
  lead_free(m, l);
  /* An item PCRE2 does not take as one character: no check, no error. */
  return rc == BUNRYU_ENOMEM ? rc : BUNRYU_OK;
}

/* Whether a match may begin at `at` (< len): a literal is there and a
   character it allows follows. */
static bool lead_at(const lead_check *l, const char *subject, size_t len,
                    size_t at) {
  const unsigned char *s = (const unsigned char *)subject;
  for (size_t i = l->from[s[at]]; i < l->from[s[at] + 1]; i++) {
    const char *lit = l->lits[i];
    size_t n = l->lens[i], j = 1;
    if (n >= len - at) continue; /* no character after it */
    while (j < n && subject[at + j] == lit[j]) j++; /* literals are short */
    if (j < n) continue;
    unsigned char c = s[at + n];
    if (c >= 0x80u || ((l->next[c >> 6] >> (c & 63u)) & 1u)) return true;
  }
  return false;
}

/* Wider ranges of starts are left to PCRE2 without a look. */
#define LEAD_RANGE_MAX 32u

/* Whether a match may begin anywhere in [from, upto] (from on a character
   boundary, upto < len or not). */
static bool lead_in(const lead_check *l, const char *subject, size_t len,
                    size_t from, size_t upto) {
  if (upto >= len) upto = len;
  if (upto - from > LEAD_RANGE_MAX) return true;
  for (size_t at = from; at <= upto && at < len; at++)
    if (((unsigned char)subject[at] & 0xC0u) != 0x80u &&
        lead_at(l, subject, len, at))
      return true;
  return false;
}

/* ======================================================================
** Compile
** ==================================================================== */

static void write_error(char *err, size_t errlen, const char *msg) {
  if (!err || errlen == 0) return;
  size_t n = strlen(msg);
  if (n >= errlen) n = errlen - 1;
  memcpy(err, msg, n);
  err[n] = '\0';
}

/* PCRE2's text for a compile error code; truncated to fit. */
static void write_pcre_error(char *err, size_t errlen, int code) {
  if (!err || errlen == 0) return;
  /* pcre2_get_error_message truncates (and NUL-terminates) on its own. */
  if (pcre2_get_error_message(code, (PCRE2_UCHAR *)err, errlen) ==
      PCRE2_ERROR_BADDATA)
    write_error(err, errlen, "unknown PCRE2 error");
}

/*
** UTF + UCP: the engine's text is UTF-8 and \w, \b, \d must know Hangul.
** USE_OFFSET_LIMIT: regex_find's start_limit. NEVER_BACKSLASH_C: \C could
** end a match inside a character, and subjects are matched without a UTF
** check, so it is refused at compile time.
*/
#define COMPILE_OPTIONS                                                    \
  (PCRE2_UTF | PCRE2_UCP | PCRE2_USE_OFFSET_LIMIT | PCRE2_NEVER_BACKSLASH_C)

/* Compiles into re->code with COMPILE_OPTIONS | extra; a PCRE2 error code
   (> 0) or 0. */
static int compile_code(regex *re, const char *pattern, uint32_t extra,
                        size_t *erroffset) {
  pcre2_general_context *gctx = general_context_new(&re->m);
  pcre2_compile_context *cctx =
      gctx ? pcre2_compile_context_create(gctx) : NULL;
  int errcode = PCRE2_ERROR_HEAP_FAILED;
  PCRE2_SIZE off = 0;
  if (cctx)
    re->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                             COMPILE_OPTIONS | extra, &errcode, &off, cctx);
  /* The code keeps its own copy of the allocator; contexts can go. */
  pcre2_compile_context_free(cctx);
  pcre2_general_context_free(gctx);
  *erroffset = off;
  return re->code ? 0 : errcode;
}

/* check: also build the check before a match (the engine's patterns,
   not the probe's own). */
static int compile_with(const mem *m, const char *pattern, uint32_t extra,
                        bool check, regex **out, bool *jit_ok, char *err,
                        size_t errlen, size_t *erroffset) {
  size_t off_unused;
  bool jit_unused;
  if (!erroffset) erroffset = &off_unused;
  if (!jit_ok) jit_ok = &jit_unused;
  *erroffset = 0;
  *jit_ok = false;
  write_error(err, errlen, "");
  if (!m || !pattern || !out) {
    write_error(err, errlen, "invalid argument");
    return BUNRYU_EINVAL;
  }
  *out = NULL;
  regex *re = mem_calloc(m, 1, sizeof *re);
  if (!re) {
    write_error(err, errlen, "out of memory");
    return BUNRYU_ENOMEM;
  }
  re->m = *m;
  int errcode = compile_code(re, pattern, extra, erroffset);
  if (errcode != 0) {
    write_pcre_error(err, errlen, errcode);
    mem_free(m, re, sizeof *re);
    return errcode == PCRE2_ERROR_HEAP_FAILED ? BUNRYU_ENOMEM : BUNRYU_ERULE;
  }
  pcre2_pattern_info(re->code, PCRE2_INFO_CAPTURECOUNT, &re->captures);
  /* Without JIT (unsupported platform, (*NO_JIT), out of memory) the
     interpreter still gives the same answers, only slower. JIT code exists
     only when it has a size: (*NO_JIT) makes pcre2_jit_compile succeed
     without compiling anything. */
  size_t jit_size = 0;
  if (pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE) == 0)
    pcre2_pattern_info(re->code, PCRE2_INFO_JITSIZE, &jit_size);
  re->jit = jit_size > 0;
  /* Literals are compared byte for byte: case-sensitive patterns only. */
  if (check && !(extra & PCRE2_CASELESS) &&
      lead_new(m, pattern, &re->lead) != BUNRYU_OK) {
    write_error(err, errlen, "out of memory");
    regex_free(re);
    return BUNRYU_ENOMEM;
  }
  *jit_ok = re->jit;
  *out = re;
  return BUNRYU_OK;
}

int regex_compile(const mem *m, const char *pattern, bool caseless,
                  regex **out, bool *jit_ok, char *err, size_t errlen,
                  size_t *erroffset) {
  return compile_with(m, pattern, caseless ? PCRE2_CASELESS : 0u, true, out,
                      jit_ok,
                      err, errlen, erroffset);
}

/* Anchoring at compile time, not per match: PCRE2's JIT code does not
   run matches given PCRE2_ANCHORED, the interpreter would. */
int regex_compile_anchored(const mem *m, const char *pattern, bool caseless,
                           regex **out, bool *jit_ok, char *err,
                           size_t errlen, size_t *erroffset) {
  uint32_t extra = PCRE2_ANCHORED | (caseless ? PCRE2_CASELESS : 0u);
  return compile_with(m, pattern, extra, true, out, jit_ok, err, errlen,
                      erroffset);
}

void regex_free(regex *re) {
  if (!re) return;
  lead_free(&re->m, re->lead);
  pcre2_code_free(re->code);
  mem m = re->m;
  mem_free(&m, re, sizeof *re);
}

int regex_group(const regex *re, const char *name) {
  if (!re || !name) return -1;
  int n = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
  return n > 0 ? n : -1;
}

size_t regex_memory(const regex *re) {
  if (!re) return 0;
  size_t code = 0, jit = 0;
  pcre2_pattern_info(re->code, PCRE2_INFO_SIZE, &code);
  if (re->jit) pcre2_pattern_info(re->code, PCRE2_INFO_JITSIZE, &jit);
  size_t lead = 0;
  if (re->lead) {
    lead = sizeof *re->lead +
           re->lead->n * (sizeof *re->lead->lits + sizeof *re->lead->lens);
    for (size_t i = 0; i < re->lead->n; i++) lead += re->lead->lens[i] + 1;
  }
  return sizeof *re + code + jit + lead;
}

/* ======================================================================
** Scratch
** ==================================================================== */

static uint32_t or_default(uint32_t v, uint32_t def) { return v ? v : def; }

/* Makes md the scratch's match data (freeing the one before). */
static void use_match_data(regex_scratch *s, pcre2_match_data *md) {
  pcre2_match_data_free(s->md);
  s->md = md;
  s->ovector = pcre2_get_ovector_pointer(md);
  s->ovector_pairs = pcre2_get_ovector_count(md);
}

/* Match context with the limits; the JIT stack is assigned to it. */
static int scratch_contexts(regex_scratch *s, const regex_limits *lim) {
  s->gctx = general_context_new(&s->m);
  if (!s->gctx) return -1;
  s->mctx = pcre2_match_context_create(s->gctx);
  s->jit_stack = pcre2_jit_stack_create(JIT_STACK_START, JIT_STACK_MAX,
                                        s->gctx);
  pcre2_match_data *md =
      pcre2_match_data_create(OVECTOR_PAIRS_INITIAL, s->gctx);
  if (!s->mctx || !md) {
    pcre2_match_data_free(md);
    return -1;
  }
  use_match_data(s, md);
  /* A new context has no offset limit. */
  s->offset_limit = PCRE2_UNSET;
  /* A missing JIT stack (JIT unsupported) only matters to JIT code, which
     then cannot exist either. */
  if (s->jit_stack) pcre2_jit_stack_assign(s->mctx, NULL, s->jit_stack);
  regex_limits none = {0, 0, 0};
  if (!lim) lim = &none;
  pcre2_set_match_limit(s->mctx,
                        or_default(lim->match, LIMIT_REGEX_MATCH_DEFAULT));
  pcre2_set_depth_limit(s->mctx,
                        or_default(lim->depth, LIMIT_REGEX_DEPTH_DEFAULT));
  pcre2_set_heap_limit(s->mctx,
                       or_default(lim->heap_kb, LIMIT_REGEX_HEAP_KB_DEFAULT));
  return 0;
}

regex_scratch *regex_scratch_new(const mem *m, const regex_limits *lim) {
  if (!m) return NULL;
  regex_scratch *s = mem_calloc(m, 1, sizeof *s);
  if (!s) return NULL;
  s->m = *m;
  if (scratch_contexts(s, lim) != 0) {
    regex_scratch_free(s);
    return NULL;
  }
  return s;
}

void regex_scratch_free(regex_scratch *s) {
  if (!s) return;
  pcre2_match_data_free(s->md);
  pcre2_jit_stack_free(s->jit_stack);
  pcre2_match_context_free(s->mctx);
  pcre2_general_context_free(s->gctx);
  mem m = s->m;
  mem_free(&m, s, sizeof *s);
}

/* Makes the match data hold every group of re; -1 when out of memory. */
static int ensure_ovector(regex_scratch *s, const regex *re) {
  uint32_t need = re->captures + 1;
  if (s->ovector_pairs >= need) return 0;
  pcre2_match_data *md = pcre2_match_data_create(need, s->gctx);
  if (!md) return -1;
  use_match_data(s, md);
  return 0;
}

/* Sets the offset limit of the scratch's matches (PCRE2_UNSET: none). */
static void set_offset_limit(regex_scratch *s, PCRE2_SIZE limit) {
  if (s->offset_limit == limit) return;
  pcre2_set_offset_limit(s->mctx, limit);
  s->offset_limit = limit;
}

/* ======================================================================
** Matching
** ==================================================================== */

/* A PCRE2 match error as a status code. */
static int match_error(int rc) {
  switch (rc) {
  case PCRE2_ERROR_MATCHLIMIT:
  case PCRE2_ERROR_DEPTHLIMIT:
  case PCRE2_ERROR_HEAPLIMIT:
  case PCRE2_ERROR_JIT_STACKLIMIT:
    return BUNRYU_ELIMIT;
  case PCRE2_ERROR_NOMEMORY:
    return BUNRYU_ENOMEM;
  default:
    /* UTF-8 errors cannot come back without a UTF check, but map them in
       case a caller's guarantee fails in a checked build. */
    if (rc <= PCRE2_ERROR_UTF8_ERR1 && rc >= PCRE2_ERROR_UTF8_ERR21)
      return BUNRYU_EUTF8;
    return BUNRYU_EINVAL;
  }
}

/*
** Moves `from` off UTF-8 continuation bytes. The engine derives `from` by
** subtracting a byte length from a literal's position, which can land inside
** a character; no match can start there, and PCRE2 must not be started there
** without a UTF check.
*/
static size_t char_boundary(const char *subject, size_t len, size_t from) {
  while (from < len && ((unsigned char)subject[from] & 0xC0u) == 0x80u)
    from++;
  return from;
}

static void set_span(size_t *a, size_t *b, size_t va, size_t vb) {
  if (a) *a = va;
  if (b) *b = vb;
}

/* Fills the group span from the ovector after a match that returned rc. */
static void group_span(const regex_scratch *s, int rc, int group, size_t *gs,
                       size_t *ge) {
  const PCRE2_SIZE *ov = s->ovector;
  if (group >= rc) {
    set_span(gs, ge, (size_t)-1, (size_t)-1);
    return;
  }
  set_span(gs, ge, ov[2 * group], ov[2 * group + 1]);
}

/*
** One match attempt from `from`. A JIT-compiled pattern goes straight to
** pcre2_jit_match, which skips pcre2_match's argument checks: ~130 of the
** instructions of each of the ~20 calls per benchmark article. Its one
** check less, UTF validity, we skip anyway: subjects are valid UTF-8.
*/
static inline int match_from(const regex *re, regex_scratch *s,
                             const char *subject, size_t len, size_t from) {
  if (re->jit)
    return pcre2_jit_match(re->code, (PCRE2_SPTR)subject, len, from, 0,
                           s->md, s->mctx);
  return pcre2_match(re->code, (PCRE2_SPTR)subject, len, from,
                     PCRE2_NO_UTF_CHECK, s->md, s->mctx);
}

int regex_find(const regex *re, regex_scratch *s, const char *subject,
               size_t len, size_t from, size_t start_limit, int group,
               size_t *ms, size_t *me, size_t *gs, size_t *ge) {
  if (!re || !s || (!subject && len) || from > len) return BUNRYU_EINVAL;
  if (!subject) subject = "";
  set_span(ms, me, (size_t)-1, (size_t)-1);
  if (group >= 0) set_span(gs, ge, (size_t)-1, (size_t)-1);
  from = char_boundary(subject, len, from);
  if (start_limit != REGEX_UNBOUNDED && start_limit < from) return 0;
  if (re->lead && start_limit != REGEX_UNBOUNDED &&
      !lead_in(re->lead, subject, len, from, start_limit))
    return 0;
  if (ensure_ovector(s, re) != 0) return BUNRYU_ENOMEM;
  set_offset_limit(s, start_limit == REGEX_UNBOUNDED
                          ? PCRE2_UNSET
                          : (PCRE2_SIZE)start_limit);
  int rc = match_from(re, s, subject, len, from);
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  if (rc < 0) return match_error(rc);
  /* rc == 0 would mean a too small ovector, which ensure_ovector rules out;
     the whole-match pair is set either way. */
  set_span(ms, me, s->ovector[0], s->ovector[1]);
  if (group >= 0 && (uint32_t)group <= re->captures)
    group_span(s, rc == 0 ? (int)re->captures + 1 : rc, group, gs, ge);
  return 1;
}

int regex_match_at(const regex *re, regex_scratch *s, const char *subject,
                   size_t len, size_t at) {
  if (!re || !s || (!subject && len) || at > len) return BUNRYU_EINVAL;
  if (!subject) subject = "";
  /* No character begins inside another. */
  if (at < len && ((unsigned char)subject[at] & 0xC0u) == 0x80u) return 0;
  if (re->lead && (at == len || !lead_at(re->lead, subject, len, at)))
    return 0;
  set_offset_limit(s, PCRE2_UNSET);
  /* Only whether it matches is asked: a match data too small for the
     groups (rc == 0) still reports a match. */
  int rc = match_from(re, s, subject, len, at);
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  return rc < 0 ? match_error(rc) : 1;
}

/* ======================================================================
** The characters one item matches
** ==================================================================== */

/* The probe subject holds every code point below BMP_END but the
   surrogates, in order: BMP_BYTES bytes of UTF-8. */
#define BMP_END 0x10000u
#define BMP_BYTES \
  (0x80u + 2u * (0x800u - 0x80u) + 3u * (BMP_END - 0x800u - 0x800u))

struct regex_probe {
  mem m;
  char *text; /* BMP_BYTES */
  regex_scratch *scratch;
};

/* Writes every code point below BMP_END but the surrogates, in order, as
   UTF-8 (byte by byte: the three-byte block is most of the subject). */
static void fill_bmp(char *text) {
  unsigned char *p = (unsigned char *)text;
  for (uint32_t cp = 0; cp < 0x80u; cp++) *p++ = (unsigned char)cp;
  for (unsigned lead = 0xC2u; lead < 0xE0u; lead++)
    for (unsigned last = 0x80u; last < 0xC0u; last++) {
      *p++ = (unsigned char)lead;
      *p++ = (unsigned char)last;
    }
  for (unsigned lead = 0xE0u; lead < 0xF0u; lead++) {
    /* E0 starts at U+0800 (A0 80); ED stops before the surrogates (A0 80). */
    unsigned mid_lo = lead == 0xE0u ? 0xA0u : 0x80u;
    unsigned mid_hi = lead == 0xEDu ? 0xA0u : 0xC0u;
    for (unsigned mid = mid_lo; mid < mid_hi; mid++)
      for (unsigned last = 0x80u; last < 0xC0u; last++) {
        p[0] = (unsigned char)lead;
        p[1] = (unsigned char)mid;
        p[2] = (unsigned char)last;
        p += 3;
      }
  }
}

regex_probe *regex_probe_new(const mem *m) {
  if (!m) return NULL;
  regex_probe *p = mem_calloc(m, 1, sizeof *p);
  if (!p) return NULL;
  p->m = *m;
  p->text = mem_alloc(m, BMP_BYTES);
  p->scratch = regex_scratch_new(m, NULL);
  if (!p->text || !p->scratch) {
    regex_probe_free(p);
    return NULL;
  }
  fill_bmp(p->text);
  return p;
}

void regex_probe_free(regex_probe *p) {
  if (!p) return;
  mem m = p->m;
  regex_scratch_free(p->scratch);
  mem_free(&m, p->text, BMP_BYTES);
  mem_free(&m, p, sizeof *p);
}

/* The code point of the probe subject's character at byte `at` (its end
   stands for BMP_END). */
static uint32_t probe_code_point(const char *text, size_t at) {
  if (at >= BMP_BYTES) return BMP_END;
  const unsigned char *p = (const unsigned char *)text + at;
  if (p[0] < 0x80u) return p[0];
  if (p[0] < 0xE0u) return ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
  return ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
}

/* Appends [lo, hi) to the range list; -1 when out of memory. */
static int push_range(const mem *m, uint32_t **r, size_t *n, size_t *cap,
                      uint32_t lo, uint32_t hi) {
  if (mem_grow(m, (void **)r, cap, *n + 2, sizeof **r) < 0) return -1;
  (*r)[(*n)++] = lo;
  (*r)[(*n)++] = hi;
  return 0;
}

/* Collects the runs of the probe subject that `runs` (item++) matches. */
static int collect_runs(regex_probe *p, const regex *runs, uint32_t **r,
                        size_t *n, size_t *cap) {
  size_t from = 0, ms, me;
  for (;;) {
    int rc = regex_find(runs, p->scratch, p->text, BMP_BYTES, from,
                        REGEX_UNBOUNDED, -1, &ms, &me, NULL, NULL);
    if (rc <= 0) return rc;
    if (me == ms) return BUNRYU_EINVAL; /* not a one-character item */
    if (push_range(&p->m, r, n, cap, probe_code_point(p->text, ms),
                   probe_code_point(p->text, me)) < 0)
      return BUNRYU_ENOMEM;
    from = me;
  }
}

/* The end of the run that the anchored `run` matches at `at`, or `at`
   when it matches nothing there; *rc is set to an error code or 0. */
static size_t run_end(regex_probe *p, const regex *run, size_t at, int *rc) {
  size_t ms, me;
  *rc = regex_find(run, p->scratch, p->text, BMP_BYTES, at, REGEX_UNBOUNDED,
                   -1, &ms, &me, NULL, NULL);
  if (*rc <= 0) return at;
  *rc = 0;
  return me;
}

/*
** The same runs, taken turn about with the runs of the complement's
** (both anchored): each call consumes a whole run, where a search for the
** next member tries every non-member one by one, at several times the
** cost. BUNRYU_EINVAL when neither matches somewhere (the complement is
** not one: the caller searches instead).
*/
static int collect_alternating(regex_probe *p, const regex *in,
                               const regex *out, uint32_t **r, size_t *n,
                               size_t *cap) {
  size_t from = 0;
  while (from < BMP_BYTES) {
    int rc;
    size_t me = run_end(p, in, from, &rc);
    if (rc < 0) return rc;
    if (me > from) {
      if (push_range(&p->m, r, n, cap, probe_code_point(p->text, from),
                     probe_code_point(p->text, me)) < 0)
        return BUNRYU_ENOMEM;
      from = me;
      if (from == BMP_BYTES) break;
    }
    me = run_end(p, out, from, &rc);
    if (rc < 0) return rc;
    if (me == from) return BUNRYU_EINVAL;
    from = me;
  }
  return BUNRYU_OK;
}

/* Moves the list r (n used of cap) into a block of its exact size, which
   its owner frees by its count; NULL with n > 0 when out of memory. */
static uint32_t *fit_list(const mem *m, uint32_t *r, size_t n, size_t cap) {
  if (n == cap) return r;
  uint32_t *exact = n ? mem_alloc(m, n * sizeof *exact) : NULL;
  if (exact) memcpy(exact, r, n * sizeof *exact);
  mem_free(m, r, cap * sizeof *r);
  return exact;
}

/* item[0..n) followed by "++", compiled (anchored or not): a possessive
   run, so that one match takes a member and every member right after it. */
static int compile_run(const mem *m, const char *item, size_t n,
                       bool caseless, bool anchored, regex **out) {
  char *pattern = mem_alloc(m, n + 3);
  if (!pattern) return BUNRYU_ENOMEM;
  memcpy(pattern, item, n);
  memcpy(pattern + n, "++", 3);
  uint32_t extra = (anchored ? PCRE2_ANCHORED : 0u) |
                   (caseless ? PCRE2_CASELESS : 0u);
  int rc = compile_with(m, pattern, extra, false, out, NULL, NULL, 0, NULL);
  mem_free(m, pattern, n + 3);
  return rc;
}

/* The length of the inline option settings that begin item ("(?m)",
   "(?i-s)", ...: letters and '-' between "(?" and ")"). */
static size_t options_length(const char *item) {
  size_t at = 0;
  while (item[at] == '(' && item[at + 1] == '?') {
    size_t e = at + 2;
    while ((item[e] >= 'a' && item[e] <= 'z') ||
           (item[e] >= 'A' && item[e] <= 'Z') || item[e] == '-')
      e++;
    if (item[e] != ')' || e == at + 2) break;
    at = e + 1;
  }
  return at;
}

/*
** The complement of a one-character item c (without its options) as PCRE2
** writes it: a class negated or not, an escape in its other case. Writes
** "head" and then the rest of c (from *tail); false for any other item.
*/
static bool complement_of(const char *c, const char **head,
                          const char **tail) {
  static const char escapes[] = "sSdDwWhHvV";
  if (c[0] == '[') {
    bool negated = c[1] == '^';
    *head = negated ? "[" : "[^";
    *tail = c + (negated ? 2 : 1);
    return true;
  }
  if (c[0] != '\\' || c[1] == '\0') return false;
  const char *e = strchr(escapes, c[1]);
  bool property = c[1] == 'p' || c[1] == 'P';
  if (!property && (!e || c[2] != '\0')) return false;
  static const char *const flipped[] = {"\\S", "\\s", "\\D", "\\d",
                                        "\\W", "\\w", "\\H", "\\h",
                                        "\\V", "\\v"};
  *head = property ? (c[1] == 'p' ? "\\P" : "\\p") : flipped[e - escapes];
  *tail = c + 2;
  return true;
}

/* The runs of item through its complement when it has one, else through a
   search for each run. */
static int probe_runs(regex_probe *p, const char *item, bool caseless,
                      uint32_t **r, size_t *n, size_t *cap) {
  size_t opts = options_length(item), ni = strlen(item);
  const char *head, *tail;
  if (complement_of(item + opts, &head, &tail)) {
    /* The complement keeps the item's options: "(?i)[^k]". */
    size_t nh = strlen(head), nt = strlen(tail);
    char *comp = mem_alloc(&p->m, opts + nh + nt + 1);
    if (!comp) return BUNRYU_ENOMEM;
    memcpy(comp, item, opts);
    memcpy(comp + opts, head, nh);
    memcpy(comp + opts + nh, tail, nt + 1);
    regex *in = NULL, *out = NULL;
    int rc = compile_run(&p->m, item, ni, caseless, true, &in);
    if (rc == BUNRYU_OK)
      rc = compile_run(&p->m, comp, opts + nh + nt, caseless, true, &out);
    mem_free(&p->m, comp, opts + nh + nt + 1);
    if (rc == BUNRYU_OK) rc = collect_alternating(p, in, out, r, n, cap);
    regex_free(in);
    regex_free(out);
    if (rc != BUNRYU_EINVAL && rc != BUNRYU_ERULE) return rc;
    *n = 0; /* start over, searching */
  }
  regex *runs = NULL;
  int rc = compile_run(&p->m, item, ni, caseless, false, &runs);
  if (rc != BUNRYU_OK) return rc;
  rc = collect_runs(p, runs, r, n, cap);
  regex_free(runs);
  return rc;
}

int regex_probe_ranges(regex_probe *p, const char *item, bool caseless,
                       uint32_t **ranges, size_t *n_ranges) {
  if (!p || !item || !ranges || !n_ranges) return BUNRYU_EINVAL;
  *ranges = NULL;
  *n_ranges = 0;
  size_t n = 0, cap = 0;
  uint32_t *r = NULL;
  int rc = probe_runs(p, item, caseless, &r, &n, &cap);
  if (rc != BUNRYU_OK) {
    mem_free(&p->m, r, cap * sizeof *r);
    return rc;
  }
  r = fit_list(&p->m, r, n, cap);
  if (n && !r) return BUNRYU_ENOMEM;
  *ranges = r;
  *n_ranges = n / 2;
  return BUNRYU_OK;
}

/* ======================================================================
** The ASCII characters one item matches
** ==================================================================== */

/* Sets the bits of the runs that code (item++, interpreted) matches in
   subject, the 128 ASCII characters in order. */
static int ascii_runs(const pcre2_code *code, const char *subject,
                      pcre2_match_data *md, uint64_t set[2]) {
  size_t from = 0;
  for (;;) {
    int rc = pcre2_match(code, (PCRE2_SPTR)subject, 128, from, 0, md, NULL);
    if (rc == PCRE2_ERROR_NOMATCH) return BUNRYU_OK;
    if (rc < 0) return match_error(rc);
    const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (ov[1] == ov[0]) return BUNRYU_EINVAL; /* not one character */
    for (size_t c = ov[0]; c < ov[1]; c++)
      set[c / 64] |= (uint64_t)1 << (c % 64);
    from = ov[1];
  }
}

/* The check before a match needs 128 answers, not a BMP's: the
   interpreter, with no JIT code to compile, gives them for less. */
int regex_ascii_members(const mem *m, const char *item, bool caseless,
                        uint64_t set[2]) {
  if (!m || !item || !set) return BUNRYU_EINVAL;
  set[0] = set[1] = 0;
  mem hook = *m; /* the general context points here while it lives */
  size_t n = strlen(item);
  char *pattern = mem_alloc(m, n + 3);
  pcre2_general_context *gctx = general_context_new(&hook);
  pcre2_compile_context *cctx =
      gctx ? pcre2_compile_context_create(gctx) : NULL;
  pcre2_code *code = NULL;
  int rc = pattern && cctx ? BUNRYU_ERULE : BUNRYU_ENOMEM;
  if (rc == BUNRYU_ERULE) {
    memcpy(pattern, item, n);
    memcpy(pattern + n, "++", 3);
    int err;
    PCRE2_SIZE off;
    code = pcre2_compile((PCRE2_SPTR)pattern, n + 2,
                         COMPILE_OPTIONS | (caseless ? PCRE2_CASELESS : 0u),
                         &err, &off, cctx);
    if (!code && err == PCRE2_ERROR_HEAP_FAILED) rc = BUNRYU_ENOMEM;
  }
  pcre2_match_data *md = code ? pcre2_match_data_create(1, gctx) : NULL;
  if (code && !md) rc = BUNRYU_ENOMEM;
  if (md) {
    char subject[128];
    for (size_t c = 0; c < 128; c++) subject[c] = (char)c;
    rc = ascii_runs(code, subject, md, set);
  }
  pcre2_match_data_free(md);
  pcre2_code_free(code);
  pcre2_compile_context_free(cctx);
  pcre2_general_context_free(gctx);
  mem_free(m, pattern, n + 3);
  return rc;
}
