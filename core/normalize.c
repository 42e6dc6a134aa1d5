/*
** normalize.c — normalization for matching, with the offset map back to
** the input (see text.h for the contract).
**
** The input is cut into normalization units: a starter and every following
** character that can join it (canonical combining class above 0, or a
** character that composes with it, as Hangul V/T jamo compose with the L or
** LV before them). Each unit is normalized on its own and, when its bytes
** changed, recorded as one map_edit, so that a hit that starts in a unit maps
** to the unit's first input byte and one that ends in it to its last.
**
** Runs of characters that cannot change (ASCII, precomposed Hangul and some
** punctuation) never reach utf8proc: they are copied (ASCII letters are
** lowercased in NORM_NFKC_CF mode, which keeps every offset) and leave the
** map empty. Where SSE2 is there, ASCII and Hangul syllables are recognized
** 16 bytes at a time (32 where the CPU has AVX2). The last character of
** such a run goes to the slow path with the unit that follows when that
** unit would join it (가 + U+11A8 is 각).
** Modern conjoining jamo (L V or L V T, as macOS writes Hangul) compose by
** arithmetic, also without utf8proc.
**
** In NORM_NFC mode each slow unit is also folded with NFKC_Casefold and
** compared, which sets has_compat; fast runs cannot set it.
**
** Two bounds keep the work linear on hostile input, in the manner of
** Unicode's Stream-Safe Text Format: a unit holds at most UNIT_CAP decomposed
** code points (a longer run of combining marks is split), and at most
** MAX_DROPPED_SKIP dropped characters are looked through when deciding
** whether a unit goes on.
*/
#include "text.h"

#include <string.h>
#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
/* The AVX2 scan is compiled into a build for plain x86-64 and chosen at
   run time, which takes the target attribute and __builtin_cpu_supports. */
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define NORM_AVX2_SCAN 1
#include <immintrin.h>
#endif
#endif

#include "bunryu.h"

enum {
  DECOMP_MAX = 32,       /* longest decomposition of one character (18) */
  UNIT_CAP = 64,         /* most decomposed code points in one unit */
  UNIT_ROOM = UNIT_CAP + DECOMP_MAX,
  MAX_DROPPED_SKIP = 32, /* dropped characters looked through */
  MIDDLE_DOT = 0x00B7,
  REPLACEMENT_CHAR = 0xFFFD
};

/* Everything one text_normalize call works with. */
typedef struct norm_ctx {
  norm_text *t;
  const mem *m;
  const unsigned char *in;
  size_t len;
  enum norm_mode mode;
  bool replace_invalid;
  size_t *bad_offset;
  int32_t unit[UNIT_ROOM]; /* the current unit, decomposed */
  size_t n_unit;
  int32_t folded[UNIT_ROOM]; /* the same under NFKC_CF (NORM_NFC mode) */
  size_t n_folded;
} norm_ctx;

/* ======================================================================
** Characters normalization treats itself
** ==================================================================== */

static bool is_zero_width(int32_t cp) {
  return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
}

/* ㆍ ‧ ・ ･ (and · itself) all become U+00B7; U+2022 • is a bullet, not one. */
static int32_t unify_middle_dot(int32_t cp) {
  switch (cp) {
  case 0x318D: case 0x2027: case 0x30FB: case 0xFF65: return MIDDLE_DOT;
  default: return cp;
  }
}

static bool is_ascii_upper(unsigned char b) { return b >= 'A' && b <= 'Z'; }

/* ======================================================================
** The fast path: runs that no normalization changes
** ==================================================================== */

/*
** Punctuation frequent in Korean text that NFC and NFKC_Casefold both leave
** alone (tests/unit/test_text.c checks each against utf8proc): per 3-byte
** page (lead and second byte), a bit for each possible third byte 0x80..0xBF.
*/
typedef struct stable_page {
  unsigned char b0, b1;
  uint64_t third; /* bit (b2 - 0x80) */
} stable_page;

#define BIT(b2) (UINT64_C(1) << ((b2) - 0x80))
static const stable_page stable_pages[] = {
    /* ‐ – — ― ‘ ’ ‚ “ ” † ‡ • ※ */
    {0xE2, 0x80, BIT(0x90) | BIT(0x93) | BIT(0x94) | BIT(0x95) | BIT(0x98) |
                     BIT(0x99) | BIT(0x9A) | BIT(0x9C) | BIT(0x9D) |
                     BIT(0xA0) | BIT(0xA1) | BIT(0xA2) | BIT(0xBB)},
    /* ← ↑ → ↓ ↔ */
    {0xE2, 0x86, BIT(0x90) | BIT(0x91) | BIT(0x92) | BIT(0x93) | BIT(0x94)},
    /* ■ □ ▲ △ ▶ ▼ ▽ */
    {0xE2, 0x96, BIT(0xA0) | BIT(0xA1) | BIT(0xB2) | BIT(0xB3) | BIT(0xB6) |
                     BIT(0xBC) | BIT(0xBD)},
    /* ◀ ◆ ◇ ○ ◎ ● */
    {0xE2, 0x97, BIT(0x80) | BIT(0x86) | BIT(0x87) | BIT(0x8B) | BIT(0x8E) |
                     BIT(0x8F)},
    /* ★ ☆ */
    {0xE2, 0x98, BIT(0x85) | BIT(0x86)},
    /* 、 。 〈 〉 《 》 「 」 『 』 【 】 〔 〕 */
    {0xE3, 0x80, BIT(0x81) | BIT(0x82) | BIT(0x88) | BIT(0x89) | BIT(0x8A) |
                     BIT(0x8B) | BIT(0x8C) | BIT(0x8D) | BIT(0x8E) |
                     BIT(0x8F) | BIT(0x90) | BIT(0x91) | BIT(0x94) |
                     BIT(0x95)},
};
#undef BIT

/* Length of the stable punctuation character at s (· ° × included), or 0. */
static size_t stable_punct_len(const unsigned char *s, size_t avail) {
  if (avail >= 2 && ((s[0] == 0xC2 && (s[1] == 0xB7 || s[1] == 0xB0)) ||
                     (s[0] == 0xC3 && s[1] == 0x97)))
    return 2;
  if (avail < 3 || (s[2] & 0xC0) != 0x80) return 0;
  for (size_t i = 0; i < sizeof stable_pages / sizeof *stable_pages; i++) {
    const stable_page *p = &stable_pages[i];
    if (s[0] == p->b0 && s[1] == p->b1)
      return (p->third >> (s[2] - 0x80)) & 1 ? 3 : 0;
  }
  return 0;
}

/*
** Whether b0 b1 b2 encode a precomposed Hangul syllable U+AC00..U+D7A3
** (and so a valid sequence): leads EB and EC hold syllables only, EA from
** B0 80 (U+AC00), ED up to 9E A3 (U+D7A3).
*/
/* Forced inline: it runs once per Hangul syllable of every document, and
   as a call it was 6% of the benchmark's instructions. */
static inline __attribute__((always_inline)) bool
is_hangul_syllable3(unsigned char b0, unsigned char b1, unsigned char b2) {
  if ((unsigned)(b0 - 0xEA) > 3u || (b1 & 0xC0) != 0x80 || (b2 & 0xC0) != 0x80)
    return false;
  if (b0 == 0xEA) return b1 >= 0xB0;
  if (b0 == 0xED) return b1 < 0x9E || (b1 == 0x9E && b2 <= 0xA3);
  return true;
}

/*
** The end of the unchangeable character (or run of ASCII) at i, or i itself
** when that character needs a closer look.
*/
static inline size_t fast_char_end(const unsigned char *s, size_t i,
                                   size_t len) {
  unsigned char b = s[i];
  if (b < 0x80) return utf8_skip_ascii(s, i + 1, len);
  if (i + 3 <= len && is_hangul_syllable3(b, s[i + 1], s[i + 2])) return i + 3;
  return i + stable_punct_len(s + i, len - i);
}

/*
** The end of the run of unchangeable characters that starts at i: the
** offset of the first character that needs a closer look (or len), one
** character at a time. The reference the block scan below must agree with.
*/
size_t norm_fast_run_end_portable(const unsigned char *s, size_t i,
                                  size_t len) {
  while (i < len) {
    size_t next = fast_char_end(s, i, len);
    if (next == i) return i;
    i = next;
  }
  return len;
}

#if defined(__SSE2__)
/*
** Korean text is Hangul syllables (3 bytes, leads EA..ED) between ASCII
** words, separated by single spaces, so neither the loop above nor
** utf8_skip_ascii gets far at a time. A block scan classifies 16 bytes at
** once instead (32 with AVX2): a block is plain when it holds only ASCII
** characters and precomposed Hangul syllables, characters fast_char_end
** would accept one by one anyway, so skipping whole blocks changes no run
** end.
*/
enum {
  BLOCK = 16,
  BLOCK_READ = BLOCK + 2 /* a syllable that starts at 15 ends at 18 */
};

static inline __m128i splat(unsigned char b) { return _mm_set1_epi8((char)b); }

/* Bytes 0x80..0xBF (SSE2 compares bytes as signed: 0x80..0xBF are the
   lowest values, below 0xC0, and ASCII is positive). */
static inline __m128i continuation_bytes(__m128i x) {
  return _mm_cmplt_epi8(x, splat(0xC0));
}

/*
** A lead EA..ED and the byte after it give the code point's top bits above
** U+A000: key = (b0 - 0xEA) * 64 + (b1 - 0x80). Syllables have the keys
** 0x30 (U+AC00..) to 0xDE (..U+D7BF, of which only up to U+D7A3 are
** syllables). Keys up to 0xDD pass; 0xDE is flagged whole, which leaves
** 힀..힣 to fast_char_end (it takes them): rare characters, where a look at
** the third byte would cost every block.
*/
enum { KEY_FIRST = 0x30, KEY_LAST = 0xDD };

/*
** Positions whose key is out of the syllable range (meaningful where b0 is
** a lead and b1 a continuation byte). x is b0 - 0xEA + 0x80, whose two low
** bits are those of b0 - 0xEA in a lead; a 16-bit shift moves them to the
** top of their byte, and the mask drops the bits that crossed into the next
** byte. key - KEY_FIRST + 0x80 puts the keys in range at the lowest signed
** bytes, -128..KEY_LAST - KEY_FIRST - 128, so one compare finds the others.
*/
static inline __m128i key_out_of_range(__m128i x, __m128i b1) {
  __m128i lead_bits = _mm_and_si128(_mm_slli_epi16(x, 6), splat(0xC0));
  __m128i biased_key =
      _mm_add_epi8(lead_bits, _mm_sub_epi8(b1, splat(KEY_FIRST)));
  return _mm_cmpgt_epi8(biased_key, splat(KEY_LAST - KEY_FIRST - 0x80));
}

/*
** A block's breaks from its byte masks (bit k for byte k, block_bits the
** block's bits): the non-ASCII bytes must be exactly the leads and the two
** bytes after each, and no lead may be bad.
*/
static inline uint32_t breaks_from_masks(uint32_t non_ascii, uint32_t leads,
                                         uint32_t bad_leads,
                                         uint32_t block_bits) {
  uint32_t in_syllables = (leads | leads << 1 | leads << 2) & block_bits;
  return (non_ascii ^ in_syllables) | bad_leads;
}

/*
** Classifies the 16 bytes at p (a character boundary, 18 bytes readable;
** b0 holds the first 16, non_ascii their high bits) and returns a bit per
** byte that keeps the block from being plain: a non-ASCII byte that is
** neither a lead EA..ED nor one of the two bytes after one, a lead not
** followed by two continuation bytes (for a lead at 14 or 15 they lie past
** the block), a lead out of the syllable range. Every character that
** starts before the lowest bit set is ASCII or a syllable, so that bit is
** on a character boundary. *leads gets the lead positions.
*/
static inline uint32_t block_breaks(const unsigned char *p, __m128i b0,
                                    uint32_t non_ascii, uint32_t *leads) {
  __m128i b1 = _mm_loadu_si128((const __m128i *)(p + 1));
  __m128i b2 = _mm_loadu_si128((const __m128i *)(p + 2));
  /* Leads EA..ED become 0x80..0x83, the lowest signed bytes. */
  __m128i x = _mm_add_epi8(b0, splat(0x80 - 0xEA));
  __m128i lead = _mm_cmplt_epi8(x, splat(0x84));
  __m128i conts = _mm_and_si128(continuation_bytes(b1), continuation_bytes(b2));
  __m128i good = _mm_andnot_si128(key_out_of_range(x, b1), conts);
  *leads = (uint32_t)_mm_movemask_epi8(lead);
  uint32_t bad = (uint32_t)_mm_movemask_epi8(_mm_andnot_si128(good, lead));
  return breaks_from_masks(non_ascii, *leads, bad, 0xFFFF);
}

/*
** Skips plain blocks from i; returns the first byte of a character to look
** at one at a time, or where fewer than BLOCK_READ bytes remain.
*/
static inline size_t skip_plain_blocks(const unsigned char *s, size_t i,
                                       size_t len) {
  if (len < BLOCK_READ) return i;
  size_t last = len - BLOCK_READ; /* the last offset a block can start at */
  while (i <= last) {
    __m128i b0 = _mm_loadu_si128((const __m128i *)(s + i));
    uint32_t non_ascii = (uint32_t)_mm_movemask_epi8(b0);
    if (non_ascii == 0) { /* ASCII text: as cheap as utf8_skip_ascii */
      i += BLOCK;
      continue;
    }
    uint32_t leads, breaks = block_breaks(s + i, b0, non_ascii, &leads);
    if (breaks) return i + (size_t)__builtin_ctz(breaks);
    /* A syllable whose lead is at 14 or 15 ends at 17 or 18 (not both:
       the block is plain). */
    i += BLOCK + ((leads >> (BLOCK - 2)) & 3);
  }
  return i;
}

/*
** The loop around a block scan: skip(s, i, len) skips plain blocks and
** stops at a character to look at one at a time, or where fewer than
** BLOCK_READ bytes remain (then the portable loop finishes). Forced inline
** so that skip is a direct call, inlined in its turn.
*/
typedef size_t skip_blocks_fn(const unsigned char *s, size_t i, size_t len);

static inline __attribute__((always_inline)) size_t
run_end_by_blocks(skip_blocks_fn *skip, const unsigned char *s, size_t i,
                  size_t len) {
  for (;;) {
    i = skip(s, i, len);
    if (len - i < BLOCK_READ) return norm_fast_run_end_portable(s, i, len);
    size_t next = fast_char_end(s, i, len);
    if (next == i) return i;
    i = next;
  }
}

static size_t run_end_sse2(const unsigned char *s, size_t i, size_t len) {
  return run_end_by_blocks(skip_plain_blocks, s, i, len);
}
#endif /* __SSE2__ */

#if defined(NORM_AVX2_SCAN)
/*
** The same classification 32 bytes at a time, which halves the block
** steps on Korean text. Compiled for AVX2 whatever the build's -m flags,
** and only called where the CPU has it. AVX2 has no byte "less than":
** a < b is written b > a.
*/
#define AVX2_TARGET __attribute__((target("avx2")))

enum {
  WIDE_BLOCK = 32,
  WIDE_BLOCK_READ = WIDE_BLOCK + 2 /* a syllable that starts at 31 ends at 34 */
};

static inline AVX2_TARGET __m256i wide_splat(unsigned char b) {
  return _mm256_set1_epi8((char)b);
}

static inline AVX2_TARGET __m256i wide_continuation_bytes(__m256i x) {
  return _mm256_cmpgt_epi8(wide_splat(0xC0), x);
}

/* key_out_of_range on 32 bytes (the 16-bit shift stays inside its pair). */
static inline AVX2_TARGET __m256i wide_key_out_of_range(__m256i x,
                                                        __m256i b1) {
  __m256i lead_bits =
      _mm256_and_si256(_mm256_slli_epi16(x, 6), wide_splat(0xC0));
  __m256i biased_key =
      _mm256_add_epi8(lead_bits, _mm256_sub_epi8(b1, wide_splat(KEY_FIRST)));
  return _mm256_cmpgt_epi8(biased_key,
                           wide_splat(KEY_LAST - KEY_FIRST - 0x80));
}

/* block_breaks on the 32 bytes at p (34 readable). */
static inline AVX2_TARGET uint32_t wide_block_breaks(const unsigned char *p,
                                                     __m256i b0,
                                                     uint32_t non_ascii,
                                                     uint32_t *leads) {
  __m256i b1 = _mm256_loadu_si256((const __m256i *)(p + 1));
  __m256i b2 = _mm256_loadu_si256((const __m256i *)(p + 2));
  __m256i x = _mm256_add_epi8(b0, wide_splat(0x80 - 0xEA));
  __m256i lead = _mm256_cmpgt_epi8(wide_splat(0x84), x);
  __m256i conts = _mm256_and_si256(wide_continuation_bytes(b1),
                                   wide_continuation_bytes(b2));
  __m256i good = _mm256_andnot_si256(wide_key_out_of_range(x, b1), conts);
  *leads = (uint32_t)_mm256_movemask_epi8(lead);
  uint32_t bad = (uint32_t)_mm256_movemask_epi8(_mm256_andnot_si256(good, lead));
  return breaks_from_masks(non_ascii, *leads, bad, UINT32_MAX);
}

/*
** skip_plain_blocks with 32-byte blocks; the last 33 bytes or fewer go
** 16 at a time.
*/
static inline AVX2_TARGET size_t skip_plain_wide_blocks(const unsigned char *s,
                                                        size_t i, size_t len) {
  if (len >= WIDE_BLOCK_READ) {
    size_t last = len - WIDE_BLOCK_READ;
    while (i <= last) {
      __m256i b0 = _mm256_loadu_si256((const __m256i *)(s + i));
      uint32_t non_ascii = (uint32_t)_mm256_movemask_epi8(b0);
      if (non_ascii == 0) {
        i += WIDE_BLOCK;
        continue;
      }
      uint32_t leads, breaks = wide_block_breaks(s + i, b0, non_ascii, &leads);
      if (breaks) return i + (size_t)__builtin_ctz(breaks);
      i += WIDE_BLOCK + ((leads >> (WIDE_BLOCK - 2)) & 3);
    }
  }
  return skip_plain_blocks(s, i, len);
}

static AVX2_TARGET size_t run_end_avx2(const unsigned char *s, size_t i,
                                       size_t len) {
  return run_end_by_blocks(skip_plain_wide_blocks, s, i, len);
}
#endif /* NORM_AVX2_SCAN */

/* A check per call: a load and a test, against runs of hundreds of bytes. */
static inline enum norm_block_scan best_block_scan(void) {
#if defined(NORM_AVX2_SCAN)
  if (__builtin_cpu_supports("avx2")) return NORM_SCAN_AVX2;
#endif
#if defined(__SSE2__)
  return NORM_SCAN_SSE2;
#else
  return NORM_SCAN_PORTABLE;
#endif
}

enum norm_block_scan norm_block_scan_best(void) { return best_block_scan(); }

/* scan must be able to run here. */
static inline size_t run_end_with(enum norm_block_scan scan,
                                  const unsigned char *s, size_t i,
                                  size_t len) {
  switch (scan) {
#if defined(NORM_AVX2_SCAN)
  case NORM_SCAN_AVX2: return run_end_avx2(s, i, len);
#endif
#if defined(__SSE2__)
  case NORM_SCAN_SSE2: return run_end_sse2(s, i, len);
#endif
  default: return norm_fast_run_end_portable(s, i, len);
  }
}

size_t norm_fast_run_end_with(enum norm_block_scan scan, const unsigned char *s,
                              size_t i, size_t len) {
  enum norm_block_scan best = best_block_scan();
  return run_end_with(scan < best ? scan : best, s, i, len);
}

size_t norm_fast_run_end(const unsigned char *s, size_t i, size_t len) {
  return run_end_with(best_block_scan(), s, i, len);
}

/* ======================================================================
** Output and map
** ==================================================================== */

/* Room for `extra` more output bytes and the closing NUL. */
static int reserve_output(norm_ctx *c, size_t extra) {
  norm_text *t = c->t;
  if (extra > SIZE_MAX - t->len - 1) return BUNRYU_ENOMEM;
  size_t need = t->len + extra + 1;
  if (need <= t->cap) return BUNRYU_OK;
  void *p = t->buf;
  if (mem_grow(c->m, &p, &t->cap, need, 1) < 0) return BUNRYU_ENOMEM;
  t->buf = p;
  return BUNRYU_OK;
}

static int add_edit(norm_ctx *c, size_t out, size_t out_len, size_t in,
                    size_t in_len) {
  norm_text *t = c->t;
  void *p = t->edits;
  if (mem_grow(c->m, &p, &t->cap_edits, t->n_edits + 1, sizeof(map_edit)) < 0)
    return BUNRYU_ENOMEM;
  t->edits = p;
  t->edits[t->n_edits++] = (map_edit){out, out_len, in, in_len};
  return BUNRYU_OK;
}

/*
** Lowercases the ASCII letters of 8 bytes at once: a byte gets 0x20 when its
** high bit is clear and it lies in 'A'..'Z' (adding to 7-bit bytes never
** carries into the next byte).
*/
static uint64_t lower_ascii8(uint64_t w) {
  const uint64_t ones = UINT64_C(0x0101010101010101), high = ones * 0x80;
  uint64_t low7 = w & ~high;
  uint64_t from_a = low7 + ones * (0x80 - 'A');    /* high bit: >= 'A' */
  uint64_t past_z = low7 + ones * (0x80 - 'Z' - 1); /* high bit: > 'Z' */
  uint64_t upper = from_a & ~past_z & ~w & high;
  return w | (upper >> 2);
}

static void copy_lowering_ascii(unsigned char *o, const unsigned char *s,
                                size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    w = lower_ascii8(w);
    memcpy(o + i, &w, 8);
  }
  for (; i < n; i++)
    o[i] = (unsigned char)(s[i] + (is_ascii_upper(s[i]) ? 32 : 0));
}

/*
** Copies input[from, to), a run the fast path vouched for; in NORM_NFKC_CF
** mode ASCII letters are lowercased on the way (same length: no edit).
*/
static int copy_unchanged(norm_ctx *c, size_t from, size_t to) {
  size_t n = to - from;
  if (n == 0) return BUNRYU_OK;
  if (reserve_output(c, n) != BUNRYU_OK) return BUNRYU_ENOMEM;
  unsigned char *o = (unsigned char *)c->t->buf + c->t->len;
  if (c->mode == NORM_NFC)
    memcpy(o, c->in + from, n);
  else
    copy_lowering_ascii(o, c->in + from, n);
  c->t->len += n;
  return BUNRYU_OK;
}

/* ======================================================================
** Decomposition and the unit rules
** ==================================================================== */

static int ccc(int32_t cp) {
  return utf8proc_get_property(cp)->combining_class;
}

static utf8proc_option_t mode_options(enum norm_mode mode) {
  if (mode == NORM_NFC)
    return (utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_STABLE);
  return (utf8proc_option_t)(UTF8PROC_COMPOSE | UTF8PROC_STABLE |
                             UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                             UTF8PROC_IGNORE);
}

/*
** The decomposition of one input character for matching, into d: middle-dot
** look-alikes are unified (before and after utf8proc, which maps ･ to ・ and
** ㆍ to a jamo), zero-width characters vanish, then utf8proc decomposes
** canonically or with NFKC + case folding. Returns the number of code points
** (0: the character is dropped).
*/
static size_t decompose_for_matching(int32_t cp, enum norm_mode mode,
                                     int32_t d[DECOMP_MAX]) {
  if (is_zero_width(cp)) return 0;
  cp = unify_middle_dot(cp);
  utf8proc_ssize_t n =
      utf8proc_decompose_char(cp, d, DECOMP_MAX, mode_options(mode), NULL);
  if (n < 0 || n > DECOMP_MAX) { /* cannot happen for valid code points */
    d[0] = cp;
    return 1;
  }
  for (utf8proc_ssize_t i = 0; i < n; i++) d[i] = unify_middle_dot(d[i]);
  return (size_t)n;
}

/* True when f is never the second half of a canonical composition: a cheap
   exit before asking utf8proc (ASCII, Latin-1, Hangul L jamo and syllables,
   CJK ideographs). */
static bool never_composes_backward(int32_t f) {
  return f < 0x300 || (f >= 0x1100 && f <= 0x115F) ||
         (f >= 0x3400 && f <= 0x9FFF) || (f >= 0xAC00 && f <= 0xD7A3);
}

/* Whether canonical composition merges the adjacent starter s and f. */
static bool composes_with(int32_t s, int32_t f) {
  if (never_composes_backward(f)) return false;
  utf8proc_int32_t pair[2] = {s, f};
  return utf8proc_normalize_utf32(pair, 2, UTF8PROC_COMPOSE) == 1;
}

/*
** Whether a character whose decomposition begins with f belongs to the unit
** whose normalized form ends with `last`: non-starters always do (canonical
** reordering may move them), starters when they compose with `last`.
*/
static bool joins(int32_t last, int32_t f) {
  return ccc(f) != 0 || composes_with(last, f);
}

/* Canonical ordering: a stable sort by combining class of each run of
   non-starters (units are short, so insertion sort). */
static void canonical_order(int32_t *u, size_t n) {
  for (size_t i = 1; i < n; i++) {
    int32_t x = u[i];
    int cx = ccc(x);
    if (cx == 0) continue;
    size_t j = i;
    while (j > 0 && ccc(u[j - 1]) > cx) {
      u[j] = u[j - 1];
      j--;
    }
    u[j] = x;
  }
}

/* Orders and composes u[0, n) in place; returns the new length. */
static size_t compose_unit(int32_t *u, size_t n) {
  canonical_order(u, n);
  utf8proc_ssize_t r = utf8proc_normalize_utf32(
      u, (utf8proc_ssize_t)n, UTF8PROC_COMPOSE | UTF8PROC_STABLE);
  return r < 0 ? n : (size_t)r;
}

/* The last code point of the current unit once normalized. */
static int32_t unit_last_normalized(const norm_ctx *c) {
  int32_t tmp[UNIT_ROOM];
  memcpy(tmp, c->unit, c->n_unit * sizeof *tmp);
  size_t n = compose_unit(tmp, c->n_unit);
  return tmp[n - 1];
}

/*
** In NORM_NFC mode (until has_compat is known), also gathers the unit's
** NFKC_Casefold decomposition, so that emit_unit can tell whether the
** NFKC_CF text differs from this one in more than ASCII case.
*/
static void fold_for_compat(norm_ctx *c, int32_t cp, size_t nd) {
  if (c->mode != NORM_NFC || c->t->has_compat) return;
  int32_t folded[DECOMP_MAX];
  size_t nf = decompose_for_matching(cp, NORM_NFKC_CF, folded);
  if (nf != nd || c->n_folded + nf > UNIT_ROOM) {
    c->t->has_compat = true;
    return;
  }
  memcpy(c->folded + c->n_folded, folded, nf * sizeof *folded);
  c->n_folded += nf;
}

/* Sets has_compat unless the folded unit equals the normalized unit u[0, n)
   with ASCII letters lowercased. */
static void check_compat(norm_ctx *c, const int32_t *u, size_t n) {
  if (c->mode != NORM_NFC || c->t->has_compat) return;
  size_t nf = compose_unit(c->folded, c->n_folded);
  bool same = nf == n;
  for (size_t i = 0; same && i < n; i++) {
    int32_t x = u[i];
    if (x >= 'A' && x <= 'Z') x += 32;
    same = c->folded[i] == x;
  }
  if (!same) c->t->has_compat = true;
}

/* A character ahead of the current unit, decomposed. */
typedef struct next_char {
  size_t at, len; /* its input bytes */
  int32_t cp;
  int32_t d[DECOMP_MAX];
  size_t nd; /* 0: none (end of input, invalid bytes, too many dropped) */
} next_char;

/*
** The first character at or after pos that normalization keeps, looking
** through at most MAX_DROPPED_SKIP dropped ones (a zero-width character
** between a letter and its accent must not split them).
*/
static void peek_kept_char(const norm_ctx *c, size_t pos, next_char *nx) {
  nx->nd = 0;
  for (int skipped = 0; pos < c->len && skipped <= MAX_DROPPED_SKIP;
       skipped++) {
    nx->len = utf8_decode(c->in + pos, c->len - pos, &nx->cp);
    if (nx->len == 0) return;
    nx->at = pos;
    nx->nd = decompose_for_matching(nx->cp, c->mode, nx->d);
    if (nx->nd > 0) return;
    pos += nx->len;
  }
}

/* Whether the character at pos (after any dropped ones) joins a unit that
   ends with `last`; fills nx with it. */
static bool next_joins(const norm_ctx *c, size_t pos, int32_t last,
                       next_char *nx) {
  peek_kept_char(c, pos, nx);
  return nx->nd > 0 && joins(last, nx->d[0]);
}

/* ======================================================================
** Units
** ==================================================================== */

/*
** Length of the maximal subpart of the invalid sequence at s: the longest
** prefix some valid sequence could start with, or 1 (Unicode's "best
** practice" for U+FFFD: E0 A0 41 is one U+FFFD then "A", ED A0 80 three).
*/
static size_t invalid_sequence_len(const unsigned char *s, size_t avail) {
  size_t need = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
  if (s[0] < 0xC2 || s[0] > 0xF4) return 1;
  size_t k = 1;
  /* A prefix is viable when padding it with continuation bytes decodes. */
  while (k < need && k < avail && (s[k] & 0xC0) == 0x80) {
    unsigned char probe[4] = {0x80, 0x80, 0x80, 0x80};
    memcpy(probe, s, k + 1);
    int32_t cp;
    if (utf8_decode(probe, need, &cp) == 0) break;
    k++;
  }
  return k;
}

/*
** An invalid sequence at `start`: BUNRYU_EUTF8 with its offset, or with
** replace_invalid one U+FFFD for its maximal subpart, recorded as an edit.
*/
static int replace_or_fail(norm_ctx *c, size_t start, size_t *end) {
  if (!c->replace_invalid) {
    if (c->bad_offset) *c->bad_offset = start;
    return BUNRYU_EUTF8;
  }
  size_t k = invalid_sequence_len(c->in + start, c->len - start);
  if (reserve_output(c, 3) != BUNRYU_OK) return BUNRYU_ENOMEM;
  size_t out = c->t->len;
  c->t->len += utf8_encode(REPLACEMENT_CHAR, c->t->buf + out);
  *end = start + k;
  return add_edit(c, out, 3, start, k);
}

/* Whether a and b (n bytes each) differ at most in ASCII letter case. */
static bool equal_but_ascii_case(const unsigned char *a, const unsigned char *b,
                                 size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned char x = a[i], y = b[i];
    if (x == y) continue;
    if (is_ascii_upper(x)) x += 32;
    if (is_ascii_upper(y)) y += 32;
    if (x != y || x < 'a' || x > 'z') return false;
  }
  return true;
}

/*
** Writes the normalized unit for input[start, end) and records an edit when
** its bytes changed (beyond ASCII case, which keeps every offset).
*/
static int emit_unit(norm_ctx *c, size_t start, size_t end) {
  size_t n = c->n_unit ? compose_unit(c->unit, c->n_unit) : 0;
  check_compat(c, c->unit, n);
  if (reserve_output(c, 4 * n) != BUNRYU_OK) return BUNRYU_ENOMEM;
  norm_text *t = c->t;
  size_t out = t->len;
  for (size_t i = 0; i < n; i++)
    t->len += utf8_encode(c->unit[i], t->buf + t->len);
  size_t out_len = t->len - out, in_len = end - start;
  if (out_len == in_len &&
      equal_but_ascii_case((const unsigned char *)t->buf + out, c->in + start,
                           in_len))
    return BUNRYU_OK;
  return add_edit(c, out, out_len, start, in_len);
}

static void append_to_unit(norm_ctx *c, int32_t cp, const int32_t *d,
                           size_t nd) {
  memcpy(c->unit + c->n_unit, d, nd * sizeof *d);
  c->n_unit += nd;
  fold_for_compat(c, cp, nd);
}

/*
** Hangul written as conjoining jamo (NFD files from macOS): a modern L V or
** L V T sequence is one syllable by arithmetic (Unicode 3.12), without
** utf8proc. Returns its input length and the syllable, or 0 when s does not
** start with one.
*/
static size_t jamo_syllable(const unsigned char *s, size_t avail,
                            int32_t *syllable) {
  if (avail < 6 || s[0] != 0xE1 || s[1] != 0x84 || s[2] < 0x80 ||
      s[2] > 0x92 || s[3] != 0xE1 || s[4] != 0x85 || s[5] < 0xA1 ||
      s[5] > 0xB5)
    return 0;
  int32_t l = s[2] - 0x80, v = s[5] - 0xA1, t = 0, cp;
  size_t n = 6;
  if (avail >= 9 && s[6] == 0xE1 && utf8_decode(s + 6, 3, &cp) == 3 &&
      cp >= 0x11A8 && cp <= 0x11C2) {
    t = cp - 0x11A7;
    n = 9;
  }
  *syllable = 0xAC00 + (l * 21 + v) * 28 + t;
  return n;
}

/* True when what starts at s surely joins nothing before it: the end, ASCII,
   a Hangul syllable or a leading (L) jamo. */
static bool surely_starts_unit(const unsigned char *s, size_t avail) {
  if (avail == 0 || s[0] < 0x80) return true;
  if (avail < 3) return false;
  if (s[0] == 0xE1 && s[1] == 0x84 && s[2] >= 0x80 && s[2] <= 0x92) return true;
  return is_hangul_syllable3(s[0], s[1], s[2]);
}

/* The conjoining-jamo unit at start when it is a plain one (nothing joins it
   after), written out with its edit; false to take the general path. */
static bool try_jamo_unit(norm_ctx *c, size_t start, size_t *end, int *rc) {
  int32_t syllable;
  size_t n = jamo_syllable(c->in + start, c->len - start, &syllable);
  if (n == 0 || !surely_starts_unit(c->in + start + n, c->len - start - n))
    return false;
  *rc = reserve_output(c, 3);
  if (*rc != BUNRYU_OK) return true;
  size_t out = c->t->len;
  c->t->len += utf8_encode(syllable, c->t->buf + out);
  *end = start + n;
  *rc = add_edit(c, out, 3, start, n);
  return true;
}

/*
** Normalizes the unit that starts at `start` (its first character is taken
** whatever it is) and sets *end past its input bytes.
*/
static int normalize_unit(norm_ctx *c, size_t start, size_t *end) {
  int rc;
  if (c->in[start] == 0xE1 && try_jamo_unit(c, start, end, &rc)) return rc;
  int32_t cp, d[DECOMP_MAX];
  size_t n = utf8_decode(c->in + start, c->len - start, &cp);
  if (n == 0) return replace_or_fail(c, start, end);
  c->n_unit = 0;
  c->n_folded = 0;
  size_t nd = decompose_for_matching(cp, c->mode, d);
  append_to_unit(c, cp, d, nd);
  size_t pos = start + n;
  next_char nx;
  /* A dropped character stands alone; anything else gathers its joiners. */
  while (nd > 0) {
    peek_kept_char(c, pos, &nx);
    if (nx.nd == 0 || c->n_unit + nx.nd > UNIT_CAP) break;
    if (ccc(nx.d[0]) == 0 && !composes_with(unit_last_normalized(c), nx.d[0]))
      break;
    append_to_unit(c, nx.cp, nx.d, nx.nd);
    pos = nx.at + nx.len;
  }
  *end = pos;
  return emit_unit(c, start, pos);
}

/* Offset of the character that ends at `end` (input known valid there). */
static size_t char_start_before(const unsigned char *s, size_t end) {
  size_t i = end - 1;
  while (i > 0 && (s[i] & 0xC0) == 0x80) i--;
  return i;
}

/*
** Where the slow path must start when the fast run [run_start, run_end)
** stops at run_end: there, unless what follows joins the run's last
** character, in which case that character goes with it.
*/
static size_t slow_start(const norm_ctx *c, size_t run_start, size_t run_end) {
  if (run_end == run_start ||
      surely_starts_unit(c->in + run_end, c->len - run_end))
    return run_end;
  size_t last_at = char_start_before(c->in, run_end);
  int32_t last;
  utf8_decode(c->in + last_at, run_end - last_at, &last);
  if (c->mode == NORM_NFKC_CF && last >= 'A' && last <= 'Z') last += 32;
  next_char nx;
  return next_joins(c, run_end, last, &nx) ? last_at : run_end;
}

/* ======================================================================
** Public functions
** ==================================================================== */

void norm_text_init(norm_text *t) { memset(t, 0, sizeof *t); }

void norm_text_free(norm_text *t, const mem *m) {
  if (!t) return;
  mem_free(m, t->buf, t->cap);
  mem_free(m, t->edits, t->cap_edits * sizeof *t->edits);
  norm_text_init(t);
}

static void reset_text(norm_text *t) {
  t->len = 0;
  t->n_edits = 0;
  t->has_compat = false;
  if (t->buf) t->buf[0] = '\0';
}

/*
** Alternates fast runs and slow units until the input is consumed. On
** failure t is left empty (len 0, no edits).
*/
int text_normalize(norm_text *t, const mem *m, const char *input, size_t len,
                   enum norm_mode mode, bool replace_invalid,
                   size_t *bad_offset) {
  if (!t || !m || (!input && len > 0)) return BUNRYU_EINVAL;
  reset_text(t);
  /* Field by field: an initializer would also zero the unit buffers (768
     bytes) at every call, one per entity name of every document. They are
     read only after normalize_unit fills them. */
  norm_ctx c;
  c.t = t;
  c.m = m;
  c.in = (const unsigned char *)input;
  c.len = len;
  c.mode = mode;
  c.replace_invalid = replace_invalid;
  c.bad_offset = bad_offset;
  c.n_unit = c.n_folded = 0;
  int rc = reserve_output(&c, len);
  size_t pos = 0;
  while (rc == BUNRYU_OK && pos < len) {
    size_t run_end = norm_fast_run_end(c.in, pos, len);
    size_t unit_start = run_end < len ? slow_start(&c, pos, run_end) : len;
    rc = copy_unchanged(&c, pos, unit_start);
    pos = unit_start;
    if (rc == BUNRYU_OK && pos < len) rc = normalize_unit(&c, pos, &pos);
  }
  if (rc != BUNRYU_OK) {
    reset_text(t);
    return rc;
  }
  t->buf[t->len] = '\0';
  return BUNRYU_OK;
}

/* Index of the first edit whose `out` is above pos (strictly, or not). */
static size_t first_edit_after(const norm_text *t, size_t pos, bool strictly) {
  size_t lo = 0, hi = t->n_edits;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    size_t o = t->edits[mid].out;
    if (strictly ? o <= pos : o < pos)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

/*
** The edit that decides a start at pos is the last one that begins at or
** before it (after a dropped character at pos, the text that follows it).
*/
size_t norm_map_start(const norm_text *t, size_t pos) {
  size_t i = first_edit_after(t, pos, true);
  if (i == 0) return pos;
  const map_edit *e = &t->edits[i - 1];
  if (pos < e->out + e->out_len) return e->in;
  return pos - (e->out + e->out_len) + e->in + e->in_len;
}

/*
** For an end at pos it is the last edit that begins before it (a dropped
** character at pos lies after the span, not inside it).
*/
size_t norm_map_end(const norm_text *t, size_t pos) {
  size_t i = first_edit_after(t, pos, false);
  if (i == 0) return pos;
  const map_edit *e = &t->edits[i - 1];
  if (pos <= e->out + e->out_len) return e->in + e->in_len;
  return pos - (e->out + e->out_len) + e->in + e->in_len;
}

/*
** The result is an allocation of exactly *out_len + 1 bytes: free it with
** mem_free(m, *out, *out_len + 1).
*/
int text_normalize_string(const mem *m, const char *s, size_t len,
                          enum norm_mode mode, char **out, size_t *out_len) {
  if (!m || !out || !out_len || (!s && len > 0)) return BUNRYU_EINVAL;
  *out = NULL;
  *out_len = 0;
  if (mode == NORM_NFC &&
      norm_fast_run_end((const unsigned char *)s, 0, len) == len) {
    /* Characters NFC leaves as they are (ASCII, precomposed Hangul, plain
       punctuation: most keywords and names): a copy, without the
       normalizer's buffers, which were two thirds of the cost of adding
       an alias. */
    *out = mem_strndup(m, s, len);
    *out_len = len;
    return *out ? BUNRYU_OK : BUNRYU_ENOMEM;
  }
  norm_text t;
  norm_text_init(&t);
  size_t bad;
  int rc = text_normalize(&t, m, s, len, mode, false, &bad);
  if (rc == BUNRYU_OK) {
    *out = mem_strndup(m, t.buf, t.len);
    if (*out)
      *out_len = t.len;
    else
      rc = BUNRYU_ENOMEM;
  }
  norm_text_free(&t, m);
  return rc;
}
