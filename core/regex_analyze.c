/*
** regex_analyze.c — what a pattern needs in order to match: a set of strings
** one of which occurs in every match, and a bound on the match length.
**
** The engine puts the strings into its literal automaton and runs the regex
** only at start positions [s - max_len, s] around each occurrence at s. Both
** answers must therefore be *true*: a string that a match can lack, or a
** bound that a match can exceed, loses matches silently. So this is a small,
** conservative reader of PCRE2 syntax: whatever it does not understand
** exactly makes it give up (no strings, unbounded length), which only costs
** speed.
**
** The pattern is read as a tree of alternations, sequences and quantified
** atoms. Each node carries:
**   exact    every string the node can match is in `ex` (a small set, "" for
**            zero-width items), so adjacent exact nodes multiply into longer
**            strings (`colou?r` -> {"colour", "color"});
**   req      the best required set found inside the node, if any;
**   max_len  the most bytes it can match.
** A set is better when its shortest string is longer (then when smaller).
**
** The top-level sequence is also logged item by item, so that the pattern
** can be split at the item where its literal begins (regex_info.suffix and
** .steps): each node tells at which item of its own sequence its required
** literal begins (req_origin).
*/
#include "regex.h"

#include <stdint.h>
#include <string.h>

/* Bounds that keep the analysis small: a required set of more strings, or
   longer strings, is given up rather than built. */
#define MAX_SET 64
#define MAX_LIT 255
/* Deeper nesting than this is given up (PCRE2's own default is 250). */
#define MAX_DEPTH 64
/* Upper bound on the bytes of one character of a class, `.`, \w …. */
#define CHAR_MAX_BYTES 4

/* ======================================================================
** String sets
** ==================================================================== */

typedef struct lit {
  char *s; /* NUL-terminated; never contains NUL itself */
  size_t n;
} lit;

typedef struct strset {
  lit *v;
  size_t n, cap;
} strset;

/* What an atom is as an item of a sequence, for the split. */
enum item_kind {
  ITEM_OTHER = 0,  /* groups, \R …: anything not below */
  ITEM_ZERO_WIDTH, /* anchors, \b, lookarounds, comments */
  ITEM_CHAR,       /* exactly one character: class, \d, \p{..}, `.`, literal */
  ITEM_OPTIONS     /* (?m) and the like: options for the rest of the group */
};

/* Where a node's required literal lies in the node's own sequence. */
typedef struct req_origin {
  size_t first;  /* the item where the literal begins */
  size_t end;    /* one past the last item the literal's run spans */
  bool at_start; /* the literal begins exactly where item `first` begins */
  bool run;      /* the set is a run of exact items [first, end) */
} req_origin;

typedef struct node {
  int kind;          /* enum item_kind */
  bool exact;
  strset ex;
  bool has_req;
  strset req;
  size_t req_before; /* most bytes a match holds before its req literal */
  req_origin origin; /* of req */
  size_t max_len;
  bool nl;           /* may consume a line feed */
} node;

/* An item of the top-level sequence: its atom, then its quantifier. */
typedef struct top_item {
  const char *start, *atom_end, *end;
  int kind;
  size_t min, max;
} top_item;

typedef struct parser {
  const mem *m;
  const char *p, *end;
  top_item *items; /* the top-level sequence */
  size_t n_items, cap_items;
  bool top_alt;      /* the top level is an alternation */
  bool start_anchor; /* \G: a match depends on where the search began */
  bool caseless;  /* PCRE2_CASELESS for the whole pattern */
  bool inline_ci; /* an inline option touched caselessness: no more literals */
  bool dotall;    /* an inline (?s) may let . match a line feed */
  bool fail;      /* gave up: unknown syntax or too complex */
  bool nomem;
  int depth;
} parser;

static void set_free(const mem *m, strset *s) {
  for (size_t i = 0; i < s->n; i++) mem_free(m, s->v[i].s, s->v[i].n + 1);
  mem_free(m, s->v, s->cap * sizeof *s->v);
  *s = (strset){0};
}

static void node_free(const mem *m, node *x) {
  set_free(m, &x->ex);
  set_free(m, &x->req);
  *x = (node){0};
}

static bool set_has(const strset *s, const char *str, size_t n) {
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i].n == n && memcmp(s->v[i].s, str, n) == 0) return true;
  return false;
}

/* Adds a copy of str[0..n) unless present. false when the set would grow
   past MAX_SET (the caller gives that set up) or memory ran out. */
static bool set_add(parser *P, strset *s, const char *str, size_t n) {
  if (set_has(s, str, n)) return true;
  if (s->n >= MAX_SET || n > MAX_LIT) return false;
  if (mem_grow(P->m, (void **)&s->v, &s->cap, s->n + 1, sizeof *s->v) < 0) {
    P->nomem = true;
    return false;
  }
  char *copy = mem_strndup(P->m, str, n);
  if (!copy) {
    P->nomem = true;
    return false;
  }
  s->v[s->n++] = (lit){copy, n};
  return true;
}

static bool set_add_all(parser *P, strset *dst, const strset *src) {
  for (size_t i = 0; i < src->n; i++)
    if (!set_add(P, dst, src->v[i].s, src->v[i].n)) return false;
  return true;
}

/* Every a + b; false when too big (out is then freed). */
static bool set_product(parser *P, const strset *a, const strset *b,
                        strset *out) {
  char buf[2 * MAX_LIT + 1];
  *out = (strset){0};
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < b->n; j++) {
      memcpy(buf, a->v[i].s, a->v[i].n);
      memcpy(buf + a->v[i].n, b->v[j].s, b->v[j].n);
      if (!set_add(P, out, buf, a->v[i].n + b->v[j].n)) {
        set_free(P->m, out);
        return false;
      }
    }
  return true;
}

/* The length of the shortest string: what a set is worth as a prefilter. */
static size_t set_score(const strset *s) {
  size_t best = SIZE_MAX;
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i].n < best) best = s->v[i].n;
  return s->n ? best : 0;
}

/*
** Whether a required set is worth prefiltering on. Strings of two bytes or
** more always are; a one-byte string only when it is an ASCII capital of
** a case-sensitive pattern: the engine checks the exact case of such a
** trigger, and in Korean text a capital like the S of `SB 1047` is rare,
** while a lowercase letter or a digit would fire everywhere.
*/
static bool set_usable(const strset *s, bool caseless) {
  if (s->n == 0) return false;
  for (size_t i = 0; i < s->n; i++) {
    if (s->v[i].n >= 2) continue;
    unsigned char c = (unsigned char)s->v[i].s[0];
    if (caseless || s->v[i].n == 0 || c < 'A' || c > 'Z') return false;
  }
  return true;
}

static bool set_better(const strset *a, const strset *b) {
  size_t sa = set_score(a), sb = set_score(b);
  return sa > sb || (sa == sb && a->n < b->n);
}

/* Makes cand the node's required set if it beats the current one; takes
   ownership of cand either way. */
static void offer_req(parser *P, node *x, strset *cand, size_t before,
                      req_origin origin) {
  if (!x->has_req || set_better(cand, &x->req)) {
    set_free(P->m, &x->req);
    x->req = *cand;
    x->has_req = true;
    x->req_before = before;
    x->origin = origin;
  } else {
    set_free(P->m, cand);
  }
  *cand = (strset){0};
}

/* ======================================================================
** Lengths
** ==================================================================== */

static size_t len_add(size_t a, size_t b) {
  if (a == REGEX_UNBOUNDED || b == REGEX_UNBOUNDED || a > SIZE_MAX - 1 - b)
    return REGEX_UNBOUNDED;
  return a + b;
}

/* a * n, where n == REGEX_UNBOUNDED means "any number". */
static size_t len_mul(size_t a, size_t n) {
  if (a == 0) return 0;
  if (a == REGEX_UNBOUNDED || n == REGEX_UNBOUNDED) return REGEX_UNBOUNDED;
  if (n != 0 && a > (SIZE_MAX - 1) / n) return REGEX_UNBOUNDED;
  return a * n;
}

/*
** Bytes one literal character may match. Caseless matching with UCP lets an
** ASCII letter match a longer character (k: U+212A KELVIN SIGN, 3 bytes;
** s: U+017F, 2 bytes), and other letters their own case partners, so under
** caselessness a character counts for as much as any it may stand for.
*/
static size_t char_bytes(const parser *P, size_t n, bool ascii) {
  if (!P->caseless && !P->inline_ci) return n;
  return ascii ? 3 : CHAR_MAX_BYTES;
}

/* ======================================================================
** Leaf nodes
** ==================================================================== */

/* A zero-width item (anchor, assertion, lookaround): it matches "". */
static void leaf_empty(parser *P, node *x) {
  *x = (node){0};
  x->kind = ITEM_ZERO_WIDTH;
  x->exact = true;
  x->has_req = true;
  if (!set_add(P, &x->ex, "", 0) || !set_add(P, &x->req, "", 0))
    P->fail = true;
}

/* One character whose text is unknown (class, `.`, \d, \p{..}). */
static void leaf_any_char(node *x) {
  *x = (node){0};
  x->kind = ITEM_CHAR;
  x->max_len = CHAR_MAX_BYTES;
}

/* One literal character given as UTF-8 bytes c[0..n). */
static void leaf_char(parser *P, node *x, const char *c, size_t n) {
  bool ascii = n == 1 && (unsigned char)c[0] < 0x80;
  bool usable = !P->inline_ci && !(n == 1 && c[0] == '\0');
  *x = (node){0};
  x->kind = ITEM_CHAR;
  x->max_len = char_bytes(P, n, ascii);
  x->nl = n == 1 && c[0] == '\n';
  if (!usable) return;
  char lower[4];
  memcpy(lower, c, n);
  if (P->caseless && ascii && lower[0] >= 'A' && lower[0] <= 'Z')
    lower[0] = (char)(lower[0] - 'A' + 'a');
  x->exact = true;
  x->has_req = true;
  if (!set_add(P, &x->ex, lower, n) || !set_add(P, &x->req, lower, n))
    P->fail = true;
}

/* Encodes a code point as UTF-8; 0 for surrogates and out-of-range. */
static size_t utf8_encode(uint32_t cp, char *out) {
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  if (cp > 0x10FFFF) return 0;
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* The byte length of the valid UTF-8 character at p, or 0. */
static size_t utf8_char_len(const char *p, const char *end) {
  unsigned char c = (unsigned char)*p;
  size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
           : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
  if (n == 0 || (size_t)(end - p) < n) return 0;
  for (size_t i = 1; i < n; i++)
    if (((unsigned char)p[i] & 0xC0) != 0x80) return 0;
  return n;
}

/* The literal character whose UTF-8 bytes begin at `start` in the
   pattern: read past it into a leaf, or fail on bytes that are not one. */
static void take_char(parser *P, node *x, const char *start) {
  size_t n = utf8_char_len(start, P->end);
  if (n == 0) {
    P->fail = true;
    return;
  }
  P->p = start + n;
  leaf_char(P, x, start, n);
}

/* ======================================================================
** Character classes
** ==================================================================== */

static bool is_ascii_alnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
         (c >= 'A' && c <= 'Z');
}

/*
** After "[:" (or "[." / "[="): whether a POSIX class like [:alpha:] ends
** here, as PCRE2's check_posix_syntax decides; *after is past its ":]".
*/
static bool posix_class_end(const char *p, const char *end, char term,
                            const char **after) {
  for (; p < end; p++) {
    bool has_next = p + 1 < end;
    if (*p == '\\' && has_next && (p[1] == ']' || p[1] == '\\'))
      p++;
    else if ((*p == '[' && has_next && p[1] == term) || *p == ']')
      return false;
    else if (*p == term && has_next && p[1] == ']') {
      *after = p + 2;
      return true;
    }
  }
  return false;
}

/*
** Whether \p{name} (name[0..n)) lies entirely in the BMP, so that one of its
** characters takes at most 3 bytes. Only scripts known to have no
** supplementary-plane characters are listed; the rest count as 4.
*/
static bool bmp_property(const char *name, size_t n) {
  /* Hiragana and Katakana are not here: Kana Supplement (U+1B000..) is
     theirs. */
  static const char *const bmp[] = {"Hangul", "Thai"};
  for (size_t i = 0; i < sizeof bmp / sizeof *bmp; i++)
    if (strlen(bmp[i]) == n && memcmp(bmp[i], name, n) == 0) return true;
  return false;
}

/*
** Whether \p{name} surely excludes the line feed (a letter, number or
** script property); anything else, and every \P{…}, may match it.
*/
static bool nl_free_property(const char *name, size_t n) {
  static const char *const ok[] = {"Hangul", "Han", "Latin", "Thai", "Greek",
                                   "Cyrillic", "L", "Lu", "Ll", "Lo", "Lt",
                                   "Lm", "N", "Nd", "Nl", "No", "M", "Mn"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++)
    if (strlen(ok[i]) == n && memcmp(ok[i], name, n) == 0) return true;
  return false;
}

/*
** Whether the escape at p ('\\' at p[0]) inside a class may stand for a
** line feed, or be a control character that bounds a range around it.
*/
static bool class_escape_nl(const char *p, const char *end) {
  char e = p[1];
  if (e == 'p' && p + 2 < end && p[2] == '{') {
    const char *close = memchr(p + 3, '}', (size_t)(end - (p + 3)));
    return !close || !nl_free_property(p + 3, (size_t)(close - (p + 3)));
  }
  /* \w \d \S \h \V and escaped punctuation are safe; the rest (\n \s \v \R,
     negated types, \x \o \c octal, control escapes like \t that may bound a
     range) may reach the line feed. */
  if (strchr("wdShV", e) != NULL) return false;
  return is_ascii_alnum(e);
}

/*
** Bytes one member of a class may take, for the escape at p ('\' at p[0]);
** *next is set past it (past "\p{...}" for properties).
*/
static size_t class_escape_bytes(const char *p, const char *end,
                                 const char **next) {
  char e = p[1];
  *next = p + 2;
  if (e == 'p' && p + 2 < end && p[2] == '{') {
    const char *close = memchr(p + 3, '}', (size_t)(end - (p + 3)));
    if (close) {
      *next = close + 1;
      return bmp_property(p + 3, (size_t)(close - (p + 3))) ? 3 : CHAR_MAX_BYTES;
    }
    return CHAR_MAX_BYTES;
  }
  if (e == 's' || e == 'h' || e == 'v') return 3; /* all white space is BMP */
  if (strchr("dwDWSHVNXRpPxo0123456789", e) != NULL) return CHAR_MAX_BYTES;
  return 1; /* \n, \t, \-, \], \\ and the like */
}

/*
** Skips a class whose '[' was just read and returns how many bytes the
** character it matches may take: a class always matches exactly one
** character, so only its end and its widest member matter. A leading ']'
** is literal, escapes and POSIX classes may hide a ']'. \Q…\E inside is
** given up. Negated classes, POSIX classes and caseless matching count as
** the widest character (4 bytes).
*/
static size_t skip_class(parser *P, bool *nl) {
  const char *p = P->p, *end = P->end;
  size_t widest = 1;
  bool negated = false, lists_nl = false, member_nl = false;
  if (p < end && *p == '^') {
    widest = CHAR_MAX_BYTES;
    negated = true;
    p++;
  }
  if (p < end && *p == ']') p++;
  while (p < end && *p != ']') {
    size_t bytes;
    if (*p == '\\') {
      if (p + 1 >= end || p[1] == 'Q' || p[1] == 'E') break;
      if (p[1] == 'n') lists_nl = true;
      member_nl = member_nl || class_escape_nl(p, end);
      bytes = class_escape_bytes(p, end, &p);
    } else if (*p == '[' && p + 1 < end &&
               (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
      const char *after;
      p = posix_class_end(p + 2, end, p[1], &after) ? after : p + 1;
      bytes = CHAR_MAX_BYTES;
      member_nl = true; /* [:space:], [:cntrl:] … : not worth telling apart */
    } else {
      size_t n = utf8_char_len(p, end);
      if (n == 1 && (unsigned char)*p < 0x20) { /* a raw control byte */
        member_nl = true;
        if (*p == '\n') lists_nl = true;
      }
      bytes = n ? n : CHAR_MAX_BYTES;
      p += n ? n : 1;
    }
    if (bytes > widest) widest = bytes;
  }
  if (p >= end || *p != ']') {
    P->fail = true;
    return CHAR_MAX_BYTES;
  }
  P->p = p + 1;
  /* [^…] matches a line feed unless it lists one; […] only through a
     member that may be one. */
  *nl = negated ? !lists_nl : member_nl;
  return P->caseless || P->inline_ci ? CHAR_MAX_BYTES : widest;
}

/* ======================================================================
** Escapes
** ==================================================================== */

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Reads up to max_digits hex digits; how many it read. */
static int read_hex(parser *P, int max_digits, uint32_t *cp) {
  int n = 0;
  *cp = 0;
  while (n < max_digits && P->p < P->end && hex_value(*P->p) >= 0) {
    *cp = *cp * 16 + (uint32_t)hex_value(*P->p++);
    n++;
  }
  return n;
}

/* \x{hhh..} or \xhh, with the 'x' already read. */
static void escape_hex(parser *P, node *x) {
  uint32_t cp;
  bool braced = P->p < P->end && *P->p == '{';
  if (braced) P->p++;
  int digits = read_hex(P, braced ? 8 : 2, &cp);
  if (braced && (P->p >= P->end || *P->p++ != '}')) digits = 0;
  char buf[4];
  size_t n = digits > 0 ? utf8_encode(cp, buf) : 0;
  if (n == 0) {
    P->fail = true;
    return;
  }
  leaf_char(P, x, buf, n);
}

/* \p{..} / \pL, with the 'p' or 'P' already read: one character. */
static void escape_property(parser *P, node *x, bool negated) {
  const char *name = P->p + 1;
  if (P->p < P->end && *P->p == '{') {
    while (P->p < P->end && *P->p != '}') P->p++;
    if (P->p >= P->end) {
      P->fail = true;
      return;
    }
  }
  if (P->p >= P->end) {
    P->fail = true;
    return;
  }
  bool braced = *P->p == '}';
  bool bmp = !negated && braced && bmp_property(name, (size_t)(P->p - name));
  bool nl = negated || !braced ||
            !nl_free_property(name, (size_t)(P->p - name));
  P->p++;
  leaf_any_char(x);
  if (bmp) x->max_len = 3;
  x->nl = nl;
}

/* A control character escape (\n, \t …) as its byte, or 0. */
static char control_escape(char c) {
  switch (c) {
  case 'n': return '\n';
  case 't': return '\t';
  case 'r': return '\r';
  case 'f': return '\f';
  case 'e': return '\x1b';
  case 'a': return '\a';
  default: return 0;
  }
}

/*
** An escape after '\'. Back-references, \K, \Q, \X, \C, octal and the rest
** are given up: their length or meaning is not followed here.
*/
static void parse_escape(parser *P, node *x) {
  if (P->p >= P->end) {
    P->fail = true;
    return;
  }
  char c = *P->p++;
  if (strchr("dDsSwWhHvVR", c) ||
      (c == 'N' && (P->p >= P->end || *P->p != '{'))) {
    leaf_any_char(x);
    if (c == 's' || c == 'h' || c == 'v') x->max_len = 3; /* BMP spaces */
    x->nl = strchr("svRDWH", c) != NULL; /* \N \S \V \h \d \w: never */
    if (c == 'R') x->kind = ITEM_OTHER; /* \r\n is two characters */
  } else if (strchr("bBAzZG", c)) {
    leaf_empty(P, x);
    if (c == 'G') P->start_anchor = true;
  } else if (c == 'p' || c == 'P') {
    escape_property(P, x, c == 'P');
  } else if (c == 'x') {
    escape_hex(P, x);
  } else if (control_escape(c)) {
    char b = control_escape(c);
    leaf_char(P, x, &b, 1);
  } else if ((unsigned char)c >= 0x80 || !is_ascii_alnum(c)) {
    /* An escaped non-alphanumeric character stands for itself. */
    take_char(P, x, P->p - 1);
  } else {
    P->fail = true;
  }
}

/* ======================================================================
** Groups
** ==================================================================== */

static void parse_alternation(parser *P, node *out);

/* The body of a group up to and including its ')'. */
static void parse_group_body(parser *P, node *x) {
  parse_alternation(P, x);
  if (P->p >= P->end || *P->p != ')')
    P->fail = true;
  else
    P->p++;
}

/* A lookaround: its body is read (to find its end) and then forgotten. */
static void parse_lookaround(parser *P, node *x) {
  node body;
  parse_group_body(P, &body);
  node_free(P->m, &body);
  leaf_empty(P, x);
}

/* A group name up to its closing delimiter, which is consumed. */
static void skip_group_name(parser *P, char close) {
  const char *start = P->p;
  while (P->p < P->end && (is_ascii_alnum(*P->p) || *P->p == '_' ||
                           (unsigned char)*P->p >= 0x80))
    P->p++;
  if (P->p == start || P->p >= P->end || *P->p != close)
    P->fail = true;
  else
    P->p++;
}

/*
** Inline options after "(?": letters up to ')' (they hold for the rest of
** the enclosing group) or ':' (a group of their own). x changes the syntax
** itself (spaces, # comments): given up. Any change of i stops literals
** from here on (the engine would look for them in the wrong case), kept
** until the end of the pattern because that is simpler and still safe.
*/
static bool parse_inline_options(parser *P, node *x, bool *quantifiable) {
  const char *p = P->p;
  while (p < P->end && *p && strchr("imnsxJU^-", *p)) p++;
  if (p == P->p || p >= P->end || (*p != ')' && *p != ':')) return false;
  for (const char *q = P->p; q < p; q++) {
    if (*q == 'x') P->fail = true;
    if (*q == 'i' || *q == '^') P->inline_ci = true;
    if (*q == 's') P->dotall = true;
  }
  P->p = p + 1;
  if (*p == ':') {
    parse_group_body(P, x);
  } else {
    leaf_empty(P, x);
    x->kind = ITEM_OPTIONS;
    *quantifiable = false;
  }
  return true;
}

/* A comment (?#...): no match, and quantifiers after it would apply to the
   item before it, which is not followed here. */
static void parse_comment(parser *P, node *x, bool *quantifiable) {
  while (P->p < P->end && *P->p != ')') P->p++;
  if (P->p >= P->end) {
    P->fail = true;
    return;
  }
  P->p++;
  leaf_empty(P, x);
  *quantifiable = false;
}

/* What follows "(?". */
static void parse_special_group(parser *P, node *x, bool *quantifiable) {
  const char *p = P->p;
  char c = p < P->end ? *p : '\0';
  char c2 = p + 1 < P->end ? p[1] : '\0';
  if (c == ':' || c == '>' || c == '|') {
    P->p++;
    parse_group_body(P, x);
  } else if (c == '=' || c == '!') {
    P->p++;
    parse_lookaround(P, x);
  } else if (c == '<' && (c2 == '=' || c2 == '!')) {
    P->p += 2;
    parse_lookaround(P, x);
  } else if (c == '<' || c == '\'' || (c == 'P' && c2 == '<')) {
    P->p += c == 'P' ? 2 : 1;
    skip_group_name(P, c == '\'' ? '\'' : '>');
    if (!P->fail) parse_group_body(P, x);
  } else if (c == '#') {
    parse_comment(P, x, quantifiable);
  } else if (!parse_inline_options(P, x, quantifiable)) {
    P->fail = true; /* conditionals, recursion, callouts … */
  }
}

/* A group whose '(' was just read. Verbs "(*…)" are given up: (*ACCEPT)
   and friends end a match early. */
static void parse_group(parser *P, node *x, bool *quantifiable) {
  *x = (node){0};
  if (P->p < P->end && *P->p == '*') {
    P->fail = true;
  } else if (P->p < P->end && *P->p == '?') {
    P->p++;
    parse_special_group(P, x, quantifiable);
  } else {
    parse_group_body(P, x);
  }
}

/* ======================================================================
** Atoms and quantifiers
** ==================================================================== */

static void parse_atom(parser *P, node *x, bool *quantifiable) {
  *quantifiable = true;
  const char *start = P->p;
  char c = *P->p++;
  *x = (node){0};
  switch (c) {
  case '(': parse_group(P, x, quantifiable); return;
  case '[': {
    bool nl = true;
    size_t widest = skip_class(P, &nl);
    leaf_any_char(x);
    x->max_len = widest;
    x->nl = nl;
    return;
  }
  case '.': leaf_any_char(x); return;
  case '^':
  case '$': leaf_empty(P, x); return;
  case '\\': parse_escape(P, x); return;
  case '*':
  case '+':
  case '?':
  case '{': P->fail = true; return; /* nothing to repeat, or a literal '{' */
  default: break;
  }
  take_char(P, x, start);
}

/* Reads a decimal count of a {m,n} quantifier; false when none. */
static bool read_count(parser *P, size_t *v) {
  const char *start = P->p;
  *v = 0;
  while (P->p < P->end && *P->p >= '0' && *P->p <= '9') {
    if (*v > 100000) return false;
    *v = *v * 10 + (size_t)(*P->p++ - '0');
  }
  return P->p > start;
}

/* {m}, {m,} or {m,n} after the '{'; anything else is given up (PCRE2
   reads some of it as literal text, differently across versions). */
static bool read_braces(parser *P, size_t *min, size_t *max) {
  if (!read_count(P, min)) return false;
  *max = *min;
  if (P->p < P->end && *P->p == ',') {
    P->p++;
    if (!read_count(P, max)) *max = REGEX_UNBOUNDED;
  }
  if (P->p >= P->end || *P->p != '}') return false;
  P->p++;
  return *max == REGEX_UNBOUNDED || *max >= *min;
}

/* Reads a quantifier if one follows; false when none. */
static bool read_quantifier(parser *P, size_t *min, size_t *max) {
  if (P->p >= P->end) return false;
  char c = *P->p;
  if (c != '*' && c != '+' && c != '?' && c != '{') return false;
  P->p++;
  *min = *max = 1;
  if (c == '{') {
    if (!read_braces(P, min, max)) P->fail = true;
  } else {
    *min = c == '+' ? 1 : 0;
    *max = c == '?' ? 1 : REGEX_UNBOUNDED;
  }
  /* Lazy or possessive: the same strings, or fewer. */
  if (P->p < P->end && (*P->p == '?' || *P->p == '+')) P->p++;
  if (P->p < P->end && strchr("*+?{", *P->p)) P->fail = true;
  return true;
}

/* Applies {min,max} to x. */
static void apply_quantifier(parser *P, node *x, size_t min, size_t max) {
  size_t one = x->max_len;
  x->max_len = len_mul(x->max_len, max);
  /* The literal may be in any of the repetitions: after max - 1 others. */
  if (max != 1)
    x->req_before = len_add(len_mul(one, max == REGEX_UNBOUNDED ? max : max - 1),
                            x->req_before);
  if (min == 1 && max == 1) return;
  if (min == 0 && max == 1 && x->exact) {
    /* x? matches x's strings or nothing: still exact. */
    if (!set_add(P, &x->ex, "", 0) || !set_add(P, &x->req, "", 0))
      P->fail = true;
    return;
  }
  set_free(P->m, &x->ex);
  x->exact = false;
  if (min == 0) {
    set_free(P->m, &x->req);
    x->has_req = false;
  }
  /* With min >= 1 each match holds at least one match of x, so x's
     required set stays required. */
}

/* ======================================================================
** Sequences and alternations
** ==================================================================== */

/* A sequence: items multiply into a run of exact strings while they can. */
typedef struct seq_state {
  strset run;
  bool have_run;
  size_t run_before; /* the most bytes of the sequence before the run */
  size_t run_first;  /* the item the run begins with */
  bool exact;
} seq_state;

/* Ends the current run (items [run_first, end)), offering it as a
   required set. */
static void seq_flush(parser *P, seq_state *st, node *out, size_t end) {
  if (st->have_run)
    offer_req(P, out, &st->run, st->run_before,
              (req_origin){st->run_first, end, true, true});
  st->have_run = false;
}

/* Starts a run with item (number `index`). */
static void seq_start_run(seq_state *st, node *item, size_t before,
                          size_t index) {
  st->run = item->ex;
  item->ex = (strset){0};
  st->have_run = true;
  st->run_before = before;
  st->run_first = index;
}

/* `before` is the most bytes the sequence may match before item. */
static void seq_add_exact(parser *P, seq_state *st, node *out, node *item,
                          size_t before, size_t index) {
  if (!st->have_run) {
    seq_start_run(st, item, before, index);
    return;
  }
  strset prod;
  if (set_product(P, &st->run, &item->ex, &prod)) {
    set_free(P->m, &st->run);
    st->run = prod;
    return;
  }
  if (P->nomem) return;
  /* Too many or too long: keep what we have and start again. */
  st->exact = false;
  seq_flush(P, st, out, index);
  seq_start_run(st, item, before, index);
}

/* Adds item number `index` of the sequence. */
static void seq_add(parser *P, seq_state *st, node *out, node *item,
                    size_t index) {
  size_t before = out->max_len;
  out->nl = out->nl || item->nl;
  out->max_len = len_add(out->max_len, item->max_len);
  if (item->exact) {
    seq_add_exact(P, st, out, item, before, index);
    return;
  }
  st->exact = false;
  seq_flush(P, st, out, index);
  if (item->has_req)
    offer_req(P, out, &item->req, len_add(before, item->req_before),
              (req_origin){index, index + 1, item->req_before == 0, false});
}

/* Ends a sequence of n items: an exact one keeps its full set of strings. */
static void seq_finish(parser *P, seq_state *st, node *out, size_t n) {
  if (!st->have_run) {
    st->have_run = set_add(P, &st->run, "", 0);
    st->run_before = out->max_len;
    st->run_first = n;
    if (!st->have_run) P->fail = true;
  }
  if (st->exact && st->have_run) {
    out->exact = true;
    if (!set_add_all(P, &out->ex, &st->run)) {
      out->exact = false;
      set_free(P->m, &out->ex);
    }
  }
  seq_flush(P, st, out, n);
}

/* Records an item of the top-level sequence. */
static void log_item(parser *P, const top_item *it) {
  if (mem_grow(P->m, (void **)&P->items, &P->cap_items, P->n_items + 1,
               sizeof *P->items) < 0) {
    P->nomem = true;
    return;
  }
  P->items[P->n_items++] = *it;
}

static void parse_sequence(parser *P, node *out) {
  seq_state st = {.exact = true};
  *out = (node){0};
  bool top = P->depth == 1;
  size_t index = 0;
  while (!P->fail && !P->nomem && P->p < P->end && *P->p != '|' &&
         *P->p != ')') {
    node item;
    bool quantifiable;
    size_t min = 1, max = 1;
    const char *start = P->p;
    parse_atom(P, &item, &quantifiable);
    const char *atom_end = P->p;
    if (!P->fail && read_quantifier(P, &min, &max)) {
      if (!quantifiable) P->fail = true;
      apply_quantifier(P, &item, min, max);
    }
    if (top)
      log_item(P, &(top_item){start, atom_end, P->p, item.kind, min, max});
    seq_add(P, &st, out, &item, index++);
    node_free(P->m, &item);
  }
  seq_finish(P, &st, out, index);
  set_free(P->m, &st.run);
}

/* Merges branch b into the alternation a: a union of exact sets and of
   required sets, each kept only while every branch has one. */
static void alt_merge(parser *P, node *a, node *b) {
  if (b->max_len > a->max_len) a->max_len = b->max_len;
  if (a->exact && (!b->exact || !set_add_all(P, &a->ex, &b->ex))) {
    a->exact = false;
    set_free(P->m, &a->ex);
  }
  if (a->has_req && (!b->has_req || !set_add_all(P, &a->req, &b->req))) {
    a->has_req = false;
    set_free(P->m, &a->req);
  }
  if (b->req_before > a->req_before) a->req_before = b->req_before;
  a->nl = a->nl || b->nl;
}

/* An exact node's full set is also a required set; use it if better. */
static void offer_exact_as_req(parser *P, node *x) {
  if (!x->exact) return;
  strset copy = {0};
  if (set_add_all(P, &copy, &x->ex)) /* the node's own strings start it */
    offer_req(P, x, &copy, 0, (req_origin){0, 0, false, false});
  else
    set_free(P->m, &copy);
}

static void parse_alternation(parser *P, node *out) {
  if (++P->depth > MAX_DEPTH) P->fail = true;
  parse_sequence(P, out);
  while (!P->fail && !P->nomem && P->p < P->end && *P->p == '|') {
    if (P->depth == 1) P->top_alt = true;
    P->p++;
    node branch;
    parse_sequence(P, &branch);
    alt_merge(P, out, &branch);
    node_free(P->m, &branch);
  }
  offer_exact_as_req(P, out);
  P->depth--;
}

/* ======================================================================
** The split at the literal's item
** ==================================================================== */

/*
** A new string: the option items among items[0..upto) — the options in
** force at top level after them — then text[s, e). NULL when out of memory.
*/
static char *with_options(const parser *P, size_t upto, const char *s,
                          const char *e) {
  size_t n = (size_t)(e - s);
  for (size_t i = 0; i < upto; i++)
    if (P->items[i].kind == ITEM_OPTIONS)
      n += (size_t)(P->items[i].end - P->items[i].start);
  char *out = mem_alloc(P->m, n + 1);
  if (!out) return NULL;
  size_t at = 0;
  for (size_t i = 0; i < upto; i++) {
    const top_item *it = &P->items[i];
    if (it->kind != ITEM_OPTIONS) continue;
    memcpy(out + at, it->start, (size_t)(it->end - it->start));
    at += (size_t)(it->end - it->start);
  }
  memcpy(out + at, s, (size_t)(e - s));
  out[n] = '\0';
  return out;
}

/*
** Whether items[0..k) are all one-character items and zero-width ones, few
** enough for a walk. Zero-width items (lookarounds, \b, ^) are left out of
** the walk, which only makes it accept more: they add conditions, never
** characters.
*/
static bool prefix_walkable(const parser *P, size_t k) {
  size_t steps = 0;
  for (size_t i = 0; i < k; i++) {
    const top_item *it = &P->items[i];
    if (it->kind == ITEM_ZERO_WIDTH || it->kind == ITEM_OPTIONS) continue;
    if (it->kind != ITEM_CHAR || it->min > REGEX_WALK_MAX_MIN) return false;
    steps++;
  }
  return steps <= REGEX_WALK_MAX_STEPS;
}

/* The character items among items [from, to) as steps, in order (out has
   room for all of them); the steps keep the options in force there. */
static int char_steps(const parser *P, size_t from, size_t to,
                      regex_step *out) {
  size_t j = 0;
  for (size_t i = from; i < to; i++) {
    const top_item *it = &P->items[i];
    if (it->kind != ITEM_CHAR) continue;
    char *item = with_options(P, i, it->start, it->atom_end);
    if (!item) return BUNRYU_ENOMEM;
    out[j++] = (regex_step){item, it->min, it->max};
  }
  return BUNRYU_OK;
}

static int export_steps(const parser *P, size_t k, regex_info *info) {
  size_t n = 0;
  for (size_t i = 0; i < k; i++) n += P->items[i].kind == ITEM_CHAR;
  info->walk = true;
  if (n == 0) return BUNRYU_OK;
  info->steps = mem_calloc(P->m, n, sizeof *info->steps);
  if (!info->steps) return BUNRYU_ENOMEM;
  info->n_steps = n;
  return char_steps(P, 0, k, info->steps);
}

/*
** Whether the suffix check is worth making. Not when the literal set is
** the run of items k.. to the end of the pattern and none of them is
** zero-width: a trigger is then a whole string of the suffix. (An atomic
** group or a possessive quantifier could still make it fail; a check left
** out only costs a search, never a match.)
*/
static bool suffix_can_fail(const parser *P, const req_origin *o) {
  if (!o->run || o->end != P->n_items) return true;
  for (size_t i = o->first; i < P->n_items; i++)
    if (P->items[i].kind == ITEM_ZERO_WIDTH ||
        P->items[i].kind == ITEM_OPTIONS)
      return true;
  return false;
}

/*
** Splits the pattern at item k, where its literal begins (see regex_info).
** Only a single top-level sequence is split, and not when \G makes a match
** depend on where the search began. The suffix carries the options set
** before item k, as each step carries those set before it.
*/
static int export_split(const parser *P, const node *root,
                        regex_info *info) {
  const req_origin *o = &root->origin;
  if (info->n_lits == 0 || P->top_alt || P->start_anchor || !o->at_start ||
      o->first >= P->n_items || root->req_before == 0)
    return BUNRYU_OK;
  size_t k = o->first;
  if (suffix_can_fail(P, o)) {
    info->suffix = with_options(P, k, P->items[k].start, P->end);
    if (!info->suffix) return BUNRYU_ENOMEM;
  }
  return prefix_walkable(P, k) ? export_steps(P, k, info) : BUNRYU_OK;
}

/*
** The items that may take the character after the literal's run (see
** regex_info.next), when every match begins with one of the literals: no
** bytes before it, a run of exact items at the start of a single
** sequence, compared case-sensitively.
*/
static int export_next(const parser *P, const node *root, regex_info *info) {
  const req_origin *o = &root->origin;
  if (info->n_lits == 0 || P->top_alt || P->caseless || P->inline_ci ||
      !o->run || !o->at_start || root->req_before != 0)
    return BUNRYU_OK;
  size_t n = 0, end = o->end;
  for (; end < P->n_items; end++) {
    const top_item *it = &P->items[end];
    if (it->kind == ITEM_ZERO_WIDTH || it->kind == ITEM_OPTIONS) continue;
    if (it->kind != ITEM_CHAR) return BUNRYU_OK; /* not followed here */
    n++;
    if (it->min > 0) break;
  }
  if (end == P->n_items) return BUNRYU_OK; /* none must take one */
  info->next = mem_calloc(P->m, n, sizeof *info->next);
  if (!info->next) return BUNRYU_ENOMEM;
  info->n_next = n;
  return char_steps(P, o->end, end + 1, info->next);
}

/* ======================================================================
** Entry points
** ==================================================================== */

/* Copies the chosen set into info; on failure info holds nothing. */
static int export_lits(const mem *m, const strset *s, regex_info *info) {
  char **lits = mem_calloc(m, s->n, sizeof *lits);
  if (!lits) return BUNRYU_ENOMEM;
  for (size_t i = 0; i < s->n; i++) {
    lits[i] = mem_strndup(m, s->v[i].s, s->v[i].n);
    if (!lits[i]) {
      while (i-- > 0) mem_strfree(m, lits[i]);
      mem_free(m, lits, s->n * sizeof *lits);
      return BUNRYU_ENOMEM;
    }
  }
  info->lits = lits;
  info->n_lits = s->n;
  return BUNRYU_OK;
}

int regex_analyze(const mem *m, const char *pattern, bool caseless,
                  regex_info *info) {
  if (!info) return BUNRYU_EINVAL;
  *info = (regex_info){.max_len = REGEX_UNBOUNDED,
                       .lit_before = REGEX_UNBOUNDED};
  if (!m || !pattern) return BUNRYU_EINVAL;
  parser P = {.m = m, .p = pattern, .end = pattern + strlen(pattern),
              .caseless = caseless};
  node root;
  parse_alternation(&P, &root);
  if (P.p != P.end) P.fail = true; /* an unmatched ')' */
  int rc = BUNRYU_OK;
  if (P.nomem) {
    rc = BUNRYU_ENOMEM;
  } else if (!P.fail) {
    info->max_len = root.max_len;
    info->lit_before = root.req_before;
    info->one_line = !root.nl && !P.dotall;
    if (root.has_req && set_usable(&root.req, caseless))
      rc = export_lits(m, &root.req, info);
    if (rc == BUNRYU_OK) rc = export_split(&P, &root, info);
    if (rc == BUNRYU_OK) rc = export_next(&P, &root, info);
  }
  node_free(m, &root);
  mem_free(m, P.items, P.cap_items * sizeof *P.items);
  if (rc != BUNRYU_OK) regex_info_free(m, info);
  return rc;
}

/* Items an export had no memory for are NULL. */
static void steps_free(const mem *m, regex_step *steps, size_t n) {
  if (!steps) return;
  for (size_t i = 0; i < n; i++) mem_strfree(m, steps[i].item);
  mem_free(m, steps, n * sizeof *steps);
}

void regex_info_free(const mem *m, regex_info *info) {
  if (!info) return;
  if (info->lits) {
    for (size_t i = 0; i < info->n_lits; i++) mem_strfree(m, info->lits[i]);
    mem_free(m, info->lits, info->n_lits * sizeof *info->lits);
  }
  mem_strfree(m, info->suffix);
  steps_free(m, info->steps, info->n_steps);
  steps_free(m, info->next, info->n_next);
  *info = (regex_info){.max_len = REGEX_UNBOUNDED,
                       .lit_before = REGEX_UNBOUNDED};
}
