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
** Longest first, so that 에서는 wins over 에서 and 에; within one length the
** order does not matter (at most one can match). A particle counts only when
** a non-Hangul character or the end of the text follows it, which keeps
** 메타버스 and 애플리케이션 out (버스 and 리케이션 are not particles).
*/
static const char *const particles[] = {
    /* four syllables */
    "에서부터", "이라고는",
    /* three syllables */
    "에서는", "에서도", "에서의", "에서만", "에게는", "에게도", "에게서",
    "으로는", "으로도", "으로의", "으로서", "으로써", "이라는", "이라고",
    "이라며", "이지만", "이었다", "까지는", "까지도", "부터는", "처럼은",
    "보다는", "들에게", "한테서",
    /* two syllables */
    "에서", "에게", "으로", "까지", "부터", "처럼", "보다", "라는", "라고",
    "라며", "이나", "이다", "이며", "이고", "이자", "이란", "이라", "이면",
    "에는", "에도", "에선", "에겐", "로는", "로도", "로서", "로써", "로의",
    "와의", "과의", "와는", "과는", "와도", "과도", "만의", "만은", "만이",
    "마저", "조차", "밖에", "께서", "한테", "이랑", "였다", "지만",
    "들은", "들이", "들의", "들과", "들을", "들도", "들에", "들로", "들만",
    "측은", "측의", "측이", "측과", "측을", "측도", "측에",
    /* one syllable */
    "은", "는", "이", "가", "을", "를", "의", "에", "와", "과", "로", "도",
    "만", "나", "란", "랑", "엔", "인", "께", "들", "측",
};

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

size_t particle_len(const char *text, size_t len, size_t pos) {
  if (pos >= len) return 0;
  for (size_t i = 0; i < sizeof particles / sizeof *particles; i++) {
    size_t n = strlen(particles[i]);
    if (n > len - pos || memcmp(text + pos, particles[i], n) != 0) continue;
    if (!char_is_hangul(char_at(text, len, pos + n))) return n;
  }
  return 0;
}

/* Latin-script edges: a Latin letter or digit at an edge of the match must
   not have another one beside it (AI in OpenAI, MS in MSG). */
static bool latin_edges_ok(const char *text, size_t len, size_t start,
                           size_t end) {
  if (char_is_latin_or_digit(char_at(text, len, start)) &&
      char_is_latin_or_digit(char_before(text, start)))
    return false;
  if (char_is_latin_or_digit(char_before(text, end)) &&
      char_is_latin_or_digit(char_at(text, len, end)))
    return false;
  return true;
}

/* Whole-word edges: no Hangul before; after, no Hangul unless a particle
   that ends the word. */
static bool word_edges_ok(const char *text, size_t len, size_t start,
                          size_t end) {
  if (char_is_hangul(char_before(text, start))) return false;
  if (!char_is_hangul(char_at(text, len, end))) return true;
  return particle_len(text, len, end) > 0;
}

/*
** An empty or out-of-range span is never acceptable.
*/
bool boundary_ok(const char *text, size_t len, size_t start, size_t end,
                 bool word) {
  if (!text || start >= end || end > len) return false;
  if (!latin_edges_ok(text, len, start, end)) return false;
  return !word || word_edges_ok(text, len, start, end);
}
