/*
** text.h — the text layer: UTF-8 validation, normalization for matching,
** and the offset map from normalized bytes back to input bytes.
**
** Normalization for matching (core/normalize.c):
**   NORM_NFC      NFC; middle-dot look-alikes (U+318D ㆍ, U+00B7 ·, U+2027 ‧,
**                 U+30FB ・, U+FF65 ･, U+2022 is NOT one) become U+00B7;
**                 zero-width characters (U+200B, U+200C, U+200D, U+2060,
**                 U+FEFF) are dropped.
**   NORM_NFKC_CF  the same after NFKC + Unicode case folding (utf8proc's
**                 NFKC_Casefold), ASCII letters included.
** A fast path copies runs that cannot change (ASCII, precomposed Hangul
** syllables U+AC00..U+D7A3 and the common punctuation that is NFC/NFKC
** stable) without calling utf8proc, 16 or 32 bytes at a time where it can.
**
** The offset map records only the stretches whose bytes changed, so that a
** document that needed no change has an empty map (the common case).
*/
#ifndef BUNRYU_TEXT_H
#define BUNRYU_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"

enum norm_mode { NORM_NFC = 0, NORM_NFKC_CF = 1 };

/*
** One changed stretch: normalized bytes [out, out+out_len) came from input
** bytes [in, in+in_len). Stretches are sorted by `out` (and by `in`) and do
** not overlap. out_len may be 0 (a dropped zero-width character).
*/
typedef struct map_edit {
  size_t out, out_len;
  size_t in, in_len;
} map_edit;

/*
** A normalized text, reused across documents (the buffers only grow).
*/
typedef struct norm_text {
  char *buf;           /* normalized bytes, NUL-terminated */
  size_t len, cap;
  map_edit *edits;     /* the offset map */
  size_t n_edits, cap_edits;
  /* Set by a NORM_NFC pass: some character would change under NFKC
     casefolding beyond ASCII case (full-width forms, ㈜, Ä …), so a
     NORM_NFKC_CF text of the same input differs in more than ASCII case. */
  bool has_compat;
} norm_text;

void norm_text_init(norm_text *t);
void norm_text_free(norm_text *t, const mem *m);

/*
** Returns the byte offset of the first invalid UTF-8 sequence in s, or
** (size_t)-1 when s is valid. Overlong forms, surrogates and code points
** above U+10FFFF are invalid; NUL is valid.
*/
size_t utf8_first_invalid(const char *s, size_t len);

/*
** Decodes one code point at s[0..len) into *cp and returns its length in
** bytes (1..4), or 0 when the sequence is invalid (then *cp is 0xFFFD).
*/
size_t utf8_decode(const unsigned char *s, size_t len, int32_t *cp);

/* The offset of the first non-ASCII byte at or after i (or len), eight
   bytes at a time where it can. Inline: the validator and the normalizer
   call it at every space of every document. */
static inline size_t utf8_skip_ascii(const unsigned char *s, size_t i,
                                     size_t len) {
  while (i + 8 <= len) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    if (w & UINT64_C(0x8080808080808080)) break;
    i += 8;
  }
  while (i < len && s[i] < 0x80) i++;
  return i;
}

/* Encodes cp into out (4 bytes of room) and returns its length. */
size_t utf8_encode(int32_t cp, char *out);

/*
** Normalizes input[0..len) into t (replacing its content) in the given
** mode. Invalid UTF-8 fails with BUNRYU_EUTF8 and *bad_offset set, unless
** replace_invalid, in which case each invalid sequence becomes U+FFFD (an
** edit in the map). Returns BUNRYU_OK, BUNRYU_EUTF8 or BUNRYU_ENOMEM.
*/
int text_normalize(norm_text *t, const mem *m, const char *input, size_t len,
                   enum norm_mode mode, bool replace_invalid,
                   size_t *bad_offset);

/*
** Maps a normalized span [start, end) back to input bytes: a start inside a
** changed stretch maps to the start of its input, an end inside one to the
** end of its input, anything else by the running difference.
*/
size_t norm_map_start(const norm_text *t, size_t pos);
size_t norm_map_end(const norm_text *t, size_t pos);

/*
** The fast path's scan, exposed for the unit tests: the end of the run of
** characters at s[i, len) that normalization leaves as they are (the first
** one that needs a closer look, or len). norm_fast_run_end is what
** text_normalize uses (blocks of 32 bytes where the CPU has AVX2, of 16
** where SSE2 is there); norm_fast_run_end_portable goes one character at a
** time and is the reference every block scan must agree with at every i.
*/
size_t norm_fast_run_end(const unsigned char *s, size_t i, size_t len);
size_t norm_fast_run_end_portable(const unsigned char *s, size_t i,
                                  size_t len);

/* The block scans, each able to run where the ones above it can. */
enum norm_block_scan {
  NORM_SCAN_PORTABLE = 0,
  NORM_SCAN_SSE2 = 1, /* 16-byte blocks */
  NORM_SCAN_AVX2 = 2  /* 32-byte blocks, then 16 for the tail */
};

/* The scan norm_fast_run_end uses in this build on this CPU. */
enum norm_block_scan norm_block_scan_best(void);

/* norm_fast_run_end with the given scan, or with the best one when the
   given one cannot run here. */
size_t norm_fast_run_end_with(enum norm_block_scan scan, const unsigned char *s,
                              size_t i, size_t len);

/*
** Normalizes a short string (a rule's keyword or alias) into a fresh
** NUL-terminated string allocated with m (*out), its length in *out_len.
** BUNRYU_EUTF8 for invalid UTF-8, BUNRYU_ENOMEM.
*/
int text_normalize_string(const mem *m, const char *s, size_t len,
                          enum norm_mode mode, char **out, size_t *out_len);

/* ------------------------------------------------------------------------
** Boundaries (core/boundary.c), judged on normalized text.
** --------------------------------------------------------------------- */
/* Letters of Latin-like scripts (ASCII, Latin-1 and extended Latin, Greek,
   Cyrillic, full-width Latin) and decimal digits. */
bool char_is_latin_or_digit(int32_t cp);
/* Hangul syllables and jamo. */
bool char_is_hangul(int32_t cp);

/*
** Whether a match at text[start, end) stands at acceptable edges:
**  - if the match begins with a Latin letter or digit, the character before
**    it must not be one (AI not inside OpenAI); likewise at its end (MS not
**    inside MSG);
**  - with `word` (BUNRYU_LIT_WORD): the character before must not be Hangul
**    and what follows must be a non-Hangul character, the end of the text, or
**    a Korean particle (은/는/이/가/을/를/의/에/에서/…) followed by one of those.
*/
bool boundary_ok(const char *text, size_t len, size_t start, size_t end,
                 bool word);

/*
** boundary_ok in two halves, for a matcher's literal hits: what the
** literal's own first and last characters decide, once per literal
** (0: every whole match of it is acceptable), and the check of a match
** text[start, end) of that literal in valid UTF-8 text, for edges != 0.
*/
#define BOUNDARY_LATIN_START 1u /* begins with a Latin letter or digit */
#define BOUNDARY_LATIN_END 2u   /* ends with one */
#define BOUNDARY_WORD 4u        /* BUNRYU_LIT_WORD */
unsigned boundary_edges(const char *lit, size_t len, bool word);
bool boundary_edges_ok(const char *text, size_t len, size_t start, size_t end,
                       unsigned edges);

/*
** Length in bytes of the Korean particle (조사) that starts at text[pos] and
** is followed by a non-Hangul character or the end, or 0 when there is none.
** The longest particle wins (에서는 before 에서 before 에).
*/
size_t particle_len(const char *text, size_t len, size_t pos);

/* The i-th entry of the particle table (NULL past the end): for tests. */
const char *particle_at(size_t i);

#endif
