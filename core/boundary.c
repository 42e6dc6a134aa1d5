/*
** boundary.c — whether a match stands at acceptable edges (see text.h).
**
** PCRE2's \b treats every Hangul syllable as a word character, so "AI" in
** "AI는" (AI + particle) would fail and 라마 in 드라마 would pass: both wrong
** for Korean. The rules here judge the neighbouring characters of the
** normalized text instead: Latin letters and digits must not continue a
** Latin match, and a whole-word (BUNRYU_LIT_WORD) match must not be glued to
** other Hangul, except through a particle (조사) that ends the word.
*/
#include "text.h"

#include <string.h>

bool char_is_latin_or_digit(int32_t cp) {
  if (cp < 0x80)
    return (cp >= '0' && cp <= '9') || (cp >= 'A' && cp <= 'Z') ||
           (cp >= 'a' && cp <= 'z');
  if (cp < 0x100) /* Latin-1 letters, without × and ÷ */
    return cp >= 0xC0 && cp != 0xD7 && cp != 0xF7;
  return (cp <= 0x02AF) ||                   /* Latin Extended-A/B, IPA */
         (cp >= 0x0300 && cp <= 0x036F) ||   /* combining accents */
         (cp >= 0x0370 && cp <= 0x052F) ||   /* Greek, Cyrillic */
         (cp >= 0x1E00 && cp <= 0x1FFF) ||   /* Latin Ext. Additional, Greek Ext. */
         (cp >= 0x2C60 && cp <= 0x2C7F) ||   /* Latin Extended-C */
         (cp >= 0xA720 && cp <= 0xA7FF) ||   /* Latin Extended-D */
         (cp >= 0xAB30 && cp <= 0xAB6F) ||   /* Latin Extended-E */
         (cp >= 0xFF10 && cp <= 0xFF19) ||   /* full-width digits */
         (cp >= 0xFF21 && cp <= 0xFF3A) ||   /* full-width A-Z */
         (cp >= 0xFF41 && cp <= 0xFF5A);     /* full-width a-z */
}

bool char_is_hangul(int32_t cp) {
  return (cp >= 0xAC00 && cp <= 0xD7A3) ||   /* syllables */
         (cp >= 0x1100 && cp <= 0x11FF) ||   /* conjoining jamo */
         (cp >= 0x3131 && cp <= 0x318E) ||   /* compatibility jamo */
         (cp >= 0xA960 && cp <= 0xA97F) ||   /* jamo extended-A */
         (cp >= 0xD7B0 && cp <= 0xD7FF) ||   /* jamo extended-B */
         (cp >= 0xFFA0 && cp <= 0xFFDC);     /* half-width jamo */
}

/*
** Korean particles (조사) and the few endings that commonly follow a name in
** news text: case particles, topic/additive particles, the plural 들 and the
** side marker 측 with their own particles, and copula forms (이다, 이라는 …).
** A particle counts only when a non-Hangul character or the end of the text
** follows it, which keeps 메타버스 and 애플리케이션 out (버스 and 리케이션
** are not particles).
**
** Sorted by the bytes of the first syllable (every particle starts with a
** precomposed one), and longest first within one first syllable, so that
** 에서는 wins over 에서 and 에: a lookup is a binary search for the first
** syllable and a walk along its few entries. tests/unit/test_boundary.c
** checks the order.
*/
/* A particle with its length, so that matching needs no strlen, and its
   first syllable as a number that orders as its bytes do (syllable_key),
   so that the lookup compares numbers, not strings. */
typedef struct particle {
  const char *s;
  uint32_t key;
  unsigned char n;
} particle;
#define SYLLABLE_KEY(s)                                                       \
  ((uint32_t)(unsigned char)(s)[0] << 16 |                                    \
   (uint32_t)(unsigned char)(s)[1] << 8 | (uint32_t)(unsigned char)(s)[2])
#define P(lit) {lit, SYLLABLE_KEY(lit), sizeof lit - 1}

static const particle particles[] = {
    P("가"),
    P("과는"), P("과도"), P("과의"), P("과"),
    P("까지는"), P("까지도"), P("까지"),
    P("께서"), P("께"),
    P("나"),
    P("는"),
    P("도"),
    P("들에게"), P("들과"), P("들도"), P("들로"), P("들만"), P("들에"), P("들은"), P("들을"), P("들의"), P("들이"), P("들"),
    P("라고"), P("라는"), P("라며"),
    P("란"),
    P("랑"),
    P("로는"), P("로도"), P("로서"), P("로써"), P("로의"), P("로"),
    P("를"),
    P("마저"),
    P("만은"), P("만의"), P("만이"), P("만"),
    P("밖에"),
    P("보다는"), P("보다"),
    P("부터는"), P("부터"),
    P("에서부터"), P("에게는"), P("에게도"), P("에게서"), P("에서는"), P("에서도"), P("에서만"), P("에서의"), P("에게"), P("에겐"), P("에는"), P("에도"), P("에서"), P("에선"), P("에"),
    P("엔"),
    P("였다"),
    P("와는"), P("와도"), P("와의"), P("와"),
    P("으로는"), P("으로도"), P("으로서"), P("으로써"), P("으로의"), P("으로"),
    P("은"),
    P("을"),
    P("의"),
    P("이라고는"), P("이라고"), P("이라는"), P("이라며"), P("이었다"), P("이지만"), P("이고"), P("이나"), P("이다"), P("이라"), P("이란"), P("이랑"), P("이며"), P("이면"), P("이자"), P("이"),
    P("인"),
    P("조차"),
    P("지만"),
    P("처럼은"), P("처럼"),
    P("측과"), P("측도"), P("측에"), P("측은"), P("측을"), P("측의"), P("측이"), P("측"),
    P("한테서"), P("한테"),
};
#undef P

/* Decodes the character that starts at pos; -1 at the end or on bad bytes
   (normalized text is valid, so only a misplaced offset gets there). */
static int32_t char_at(const char *text, size_t len, size_t pos) {
  int32_t cp;
  if (pos >= len ||
      utf8_decode((const unsigned char *)text + pos, len - pos, &cp) == 0)
    return -1;
  return cp;
}

/* Decodes the character that ends at pos; -1 at the start. */
static int32_t char_before(const char *text, size_t pos) {
  if (pos == 0) return -1;
  size_t i = pos - 1;
  while (i > 0 && pos - i < 4 && ((unsigned char)text[i] & 0xC0) == 0x80) i--;
  return char_at(text, pos, i);
}

/* The first syllable of a particle (or of the text at a position) as one
   number that orders as its bytes do: comparisons without memcmp calls. */
static uint32_t syllable_key(const char *s) { return SYLLABLE_KEY(s); }

/* The first particle whose first syllable is not below `key`: a binary
   search whose steps depend on the table's size only, without branches. */
static size_t first_particle_from(uint32_t key) {
  const particle *base = particles;
  size_t n = sizeof particles / sizeof *particles;
  while (n > 1) {
    size_t half = n / 2;
    if (base[half - 1].key < key) base += half;
    n -= half;
  }
  return (size_t)(base - particles) + (base->key < key);
}

static bool hangul_at(const char *text, size_t len, size_t pos);

size_t particle_len(const char *text, size_t len, size_t pos) {
  if (pos + 3 > len) return 0;
  const char *t = text + pos;
  const uint32_t key = syllable_key(t);
  if (!hangul_at(text, len, pos + 3)) {
    /* Only a particle of one syllable can be followed by no Hangul there,
       and it is the last of its syllable's entries. */
    size_t i = first_particle_from(key + 1);
    return i > 0 && particles[i - 1].key == key && particles[i - 1].n == 3 ? 3
                                                                          : 0;
  }
  const size_t n_particles = sizeof particles / sizeof *particles;
  for (size_t i = first_particle_from(key);
       i < n_particles && particles[i].key == key; i++) {
    const particle *p = &particles[i];
    if (p->n > len - pos) continue;
    /* Every particle is whole syllables: most entries are told apart by
       their second one, without a memcmp call. */
    if (p->n > 3 && (syllable_key(t + 3) != syllable_key(p->s + 3) ||
                     (p->n > 6 && memcmp(t + 6, p->s + 6, p->n - 6u) != 0)))
      continue;
    if (!hangul_at(text, len, pos + p->n)) return p->n;
  }
  return 0;
}

const char *particle_at(size_t i) {
  return i < sizeof particles / sizeof *particles ? particles[i].s : NULL;
}

/*
** Whether the character that starts at pos (ends at pos, for
** latin_before) is a Latin letter or digit. ASCII and precomposed Hangul
** (U+AC00..U+D7FF: lead EB or EC, EA from B0, ED below A0 — no Latin
** letters live there, unlike the rest of EA's range) are told from their
** bytes; this runs at both edges of every hit, and most hits are Hangul.
*/
static bool ascii_alnum(unsigned char b) {
  return (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
}

static bool hangul_lead(unsigned char b0, unsigned char b1) {
  return b0 == 0xEB || b0 == 0xEC || (b0 == 0xEA && b1 >= 0xB0) ||
         (b0 == 0xED && b1 < 0xA0);
}

static inline bool latin_at(const char *text, size_t len, size_t pos) {
  if (pos >= len) return false;
  unsigned char b = (unsigned char)text[pos];
  if (b < 0x80) return ascii_alnum(b);
  if (pos + 1 < len && hangul_lead(b, (unsigned char)text[pos + 1]))
    return false;
  return char_is_latin_or_digit(char_at(text, len, pos));
}

static inline bool latin_before(const char *text, size_t pos) {
  if (pos == 0) return false;
  unsigned char b = (unsigned char)text[pos - 1];
  if (b < 0x80) return ascii_alnum(b);
  if (pos >= 3 && hangul_lead((unsigned char)text[pos - 3],
                              (unsigned char)text[pos - 2]))
    return false;
  return char_is_latin_or_digit(char_before(text, pos));
}

/* Lead and second byte of a precomposed syllable U+AC00..U+D79F (the
   last 4 syllables, up to U+D7A3, go the slow way). */
static bool syllable_lead(unsigned char b0, unsigned char b1) {
  return b0 == 0xEB || b0 == 0xEC || (b0 == 0xEA && b1 >= 0xB0) ||
         (b0 == 0xED && b1 < 0x9E);
}

/* Whether the character that starts at pos (ends at pos) is Hangul, told
   from the bytes for ASCII and syllables, as latin_at does. */
static bool hangul_at(const char *text, size_t len, size_t pos) {
  if (pos >= len || (unsigned char)text[pos] < 0x80) return false;
  if (pos + 1 < len &&
      syllable_lead((unsigned char)text[pos], (unsigned char)text[pos + 1]))
    return true;
  return char_is_hangul(char_at(text, len, pos));
}

static bool hangul_before(const char *text, size_t pos) {
  if (pos == 0 || (unsigned char)text[pos - 1] < 0x80) return false;
  if (pos >= 3 && syllable_lead((unsigned char)text[pos - 3],
                                (unsigned char)text[pos - 2]))
    return true;
  return char_is_hangul(char_before(text, pos));
}

/* Whole-word edges: no Hangul before; after, no Hangul unless a particle
   that ends the word. */
static bool word_edges_ok(const char *text, size_t len, size_t start,
                          size_t end) {
  if (hangul_before(text, start)) return false;
  if (!hangul_at(text, len, end)) return true;
  return particle_len(text, len, end) > 0;
}

/*
** The match's own edges are those of its literal: one definition of the
** rules serves both. An empty or out-of-range span is never acceptable.
*/
bool boundary_ok(const char *text, size_t len, size_t start, size_t end,
                 bool word) {
  if (!text || start >= end || end > len) return false;
  return boundary_edges_ok(text, len, start, end,
                           boundary_edges(text + start, end - start, word));
}

/*
** A literal's first and last characters are those of every match of it
** (the automaton folds only ASCII case, which keeps Latin letters Latin),
** so latin_at at a match's start and latin_before at its end are known
** from the literal alone. The literal is whole characters of valid UTF-8,
** like the text, so no look at the literal's edges reads past them.
*/
unsigned boundary_edges(const char *lit, size_t len, bool word) {
  unsigned edges = word ? BOUNDARY_WORD : 0;
  if (!lit || len == 0) return edges;
  if (latin_at(lit, len, 0)) edges |= BOUNDARY_LATIN_START;
  if (latin_before(lit, len)) edges |= BOUNDARY_LATIN_END;
  return edges;
}

/* Latin-script edges: a Latin letter or digit at an edge of the match must
   not have another one beside it (AI in OpenAI, MS in MSG). */
bool boundary_edges_ok(const char *text, size_t len, size_t start, size_t end,
                       unsigned edges) {
  if ((edges & BOUNDARY_LATIN_START) && latin_before(text, start))
    return false;
  if ((edges & BOUNDARY_LATIN_END) && latin_at(text, len, end)) return false;
  return !(edges & BOUNDARY_WORD) || word_edges_ok(text, len, start, end);
}
