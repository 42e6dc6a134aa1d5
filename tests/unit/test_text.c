/*
** test_text.c — the text layer as a spec: UTF-8 validation, normalization
** for matching, and the offset map back to the input (core/text.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <utf8proc.h>

#include "text.h"
#include "unit.h"

/* ======================================================================
** Helpers
** ==================================================================== */

/* Normalizes s (NUL-terminated) and checks that it succeeded. */
static norm_text normalized(const char *s, enum norm_mode mode) {
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  size_t bad = 0;
  CHECK_INT(text_normalize(&t, &m, s, strlen(s), mode, false, &bad), BUNRYU_OK);
  return t;
}

static void release(norm_text *t) {
  mem m = mem_default();
  norm_text_free(t, &m);
}

/* Byte offset of the first occurrence of needle in hay (must be there). */
static size_t offset_of(const char *hay, const char *needle) {
  const char *p = strstr(hay, needle);
  CHECK(p != NULL);
  return p ? (size_t)(p - hay) : 0;
}

/*
** Checks that the normalized span of `needle` in t maps back to exactly the
** input bytes of `original` inside `input`.
*/
static void check_maps_back(const norm_text *t, const char *input,
                            const char *needle, const char *original) {
  size_t s = offset_of(t->buf, needle), e = s + strlen(needle);
  size_t want = offset_of(input, original);
  CHECK_SIZE(norm_map_start(t, s), want);
  CHECK_SIZE(norm_map_end(t, e), want + strlen(original));
}

/* ======================================================================
** UTF-8 validation
** ==================================================================== */

static size_t first_invalid(const char *s, size_t len) {
  return utf8_first_invalid(s, len);
}

TEST(utf8_valid_text_has_no_invalid_offset) {
  const char *s = "분류 engine · 「뉴스」 😀";
  CHECK_SIZE(first_invalid(s, strlen(s)), (size_t)-1);
}

TEST(utf8_empty_input_is_valid) { CHECK_SIZE(first_invalid("", 0), (size_t)-1); }

TEST(utf8_nul_is_a_valid_character) {
  CHECK_SIZE(first_invalid("a\0b", 3), (size_t)-1);
  int32_t cp = -1;
  CHECK_SIZE(utf8_decode((const unsigned char *)"\0", 1, &cp), 1);
  CHECK_INT(cp, 0);
}

TEST(utf8_each_invalid_class_is_found_at_its_offset) {
  struct { const char *s; size_t len, at; } cases[] = {
      {"ab\x80", 3, 2},                   /* stray continuation byte */
      {"a\xC0\xAF", 3, 1},                /* overlong 2-byte '/' */
      {"a\xC1\xBF", 3, 1},                /* overlong 2-byte */
      {"\xE0\x80\xAF", 3, 0},             /* overlong 3-byte */
      {"\xF0\x80\x80\xAF", 4, 0},         /* overlong 4-byte */
      {"가\xED\xA0\x80", 6, 3},           /* surrogate U+D800 */
      {"\xED\xBF\xBF", 3, 0},             /* surrogate U+DFFF */
      {"\xF4\x90\x80\x80", 4, 0},         /* U+110000 */
      {"x\xF5\x80\x80\x80", 5, 1},        /* lead byte beyond U+10FFFF */
      {"\xFF", 1, 0},                     /* never a UTF-8 byte */
      {"\xEA\xB0", 2, 0},                 /* truncated at the end */
      {"가나\xF0\x9F\x98", 9, 6},         /* truncated 4-byte at the end */
      {"\xE0\xA0\x41", 3, 0},             /* truncated in the middle */
      {"ok\xC3", 3, 2},                   /* lone lead byte at the end */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    CHECK_SIZE(first_invalid(cases[i].s, cases[i].len), cases[i].at);
    int32_t cp = 0;
    const unsigned char *u = (const unsigned char *)cases[i].s + cases[i].at;
    CHECK_SIZE(utf8_decode(u, cases[i].len - cases[i].at, &cp), 0);
    CHECK_INT(cp, 0xFFFD);
  }
}

TEST(utf8_boundary_code_points_decode) {
  struct { const char *s; int32_t cp; size_t n; } cases[] = {
      {"\x7F", 0x7F, 1},         {"\xC2\x80", 0x80, 2},
      {"\xDF\xBF", 0x7FF, 2},     {"\xE0\xA0\x80", 0x800, 3},
      {"\xED\x9F\xBF", 0xD7FF, 3}, {"\xEE\x80\x80", 0xE000, 3},
      {"\xEF\xBF\xBF", 0xFFFF, 3}, {"\xF0\x90\x80\x80", 0x10000, 4},
      {"\xF4\x8F\xBF\xBF", 0x10FFFF, 4},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    int32_t cp = 0;
    CHECK_SIZE(utf8_decode((const unsigned char *)cases[i].s,
                           strlen(cases[i].s), &cp), cases[i].n);
    CHECK_INT(cp, cases[i].cp);
    char out[4];
    CHECK_SIZE(utf8_encode(cases[i].cp, out), cases[i].n);
    CHECK(memcmp(out, cases[i].s, cases[i].n) == 0);
  }
}

TEST(utf8_encode_turns_non_characters_into_replacement) {
  char out[4];
  CHECK_SIZE(utf8_encode(0xD800, out), 3);
  CHECK(memcmp(out, "\xEF\xBF\xBD", 3) == 0);
  CHECK_SIZE(utf8_encode(0x110000, out), 3);
  CHECK_SIZE(utf8_encode(-1, out), 3);
}

TEST(normalize_rejects_invalid_utf8_with_its_offset) {
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  size_t bad = 0;
  const char *s = "정상 텍스트 \xED\xA0\x80 뒤";
  CHECK_INT(text_normalize(&t, &m, s, strlen(s), NORM_NFC, false, &bad),
            BUNRYU_EUTF8);
  CHECK_SIZE(bad, offset_of(s, "\xED\xA0\x80"));
  CHECK_SIZE(t.len, 0);
  CHECK_SIZE(t.n_edits, 0);
  /* Truncated at the very end, after a fast run. */
  CHECK_INT(text_normalize(&t, &m, "abc\xEA\xB0", 5, NORM_NFKC_CF, false, &bad),
            BUNRYU_EUTF8);
  CHECK_SIZE(bad, 3);
  norm_text_free(&t, &m);
}

TEST(normalize_empty_input_gives_empty_text) {
  norm_text t = normalized("", NORM_NFC);
  CHECK_SIZE(t.len, 0);
  CHECK_STR(t.buf, "");
  CHECK_SIZE(t.n_edits, 0);
  release(&t);
}

TEST(replacement_mode_maps_each_bad_sequence_to_one_replacement_char) {
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  /* \xFF: one byte; \xE0\xA0: the maximal subpart of a 3-byte form cut
     short by 'A'; \xED\xA0\x80: a surrogate, three separate bad bytes. */
  const char in[] = "가\xFF나\xE0\xA0" "A\xED\xA0\x80끝";
  size_t len = sizeof in - 1;
  CHECK_INT(text_normalize(&t, &m, in, len, NORM_NFC, true, NULL), BUNRYU_OK);
  CHECK_STR(t.buf, "가\uFFFD나\uFFFDA\uFFFD\uFFFD\uFFFD끝");
  CHECK_SIZE(t.n_edits, 5);
  /* 나 follows the first U+FFFD: output 6, input 4. */
  CHECK_SIZE(norm_map_start(&t, 6), 4);
  CHECK_SIZE(norm_map_end(&t, 9), 7);
  /* The first U+FFFD covers the one input byte \xFF. */
  CHECK_SIZE(norm_map_start(&t, 3), 3);
  CHECK_SIZE(norm_map_end(&t, 6), 4);
  /* The second covers \xE0\xA0 (input 7..9), then 'A' at input 9. */
  CHECK_SIZE(norm_map_start(&t, 9), 7);
  CHECK_SIZE(norm_map_end(&t, 12), 9);
  CHECK_SIZE(norm_map_start(&t, 12), 9);
  /* 끝 at the end maps to the end. */
  CHECK_SIZE(norm_map_end(&t, t.len), len);
  norm_text_free(&t, &m);
}

/* ======================================================================
** Normalization and the offset map
** ==================================================================== */

/* "한국 AI 뉴스" with 한국 decomposed into conjoining jamo, as macOS
   writes file names and some editors write text. */
#define NFD_HANGUK "\u1112\u1161\u11AB\u1100\u116E\u11A8"

TEST(nfd_hangul_composes_and_maps_to_exact_input_bytes) {
  const char *in = "속보: " NFD_HANGUK " AI 뉴스";
  for (int mode = NORM_NFC; mode <= NORM_NFKC_CF; mode++) {
    norm_text t = normalized(in, (enum norm_mode)mode);
    CHECK_STR(t.buf, mode == NORM_NFC ? "속보: 한국 AI 뉴스" : "속보: 한국 ai 뉴스");
    CHECK_SIZE(t.n_edits, 2); /* one per syllable */
    check_maps_back(&t, in, "한국", NFD_HANGUK);
    check_maps_back(&t, in, "한", "\u1112\u1161\u11AB");
    check_maps_back(&t, in, "국", "\u1100\u116E\u11A8");
    /* After the edits the running difference holds. */
    check_maps_back(&t, in, "뉴스", "뉴스");
    CHECK_SIZE(norm_map_end(&t, t.len), strlen(in));
    release(&t);
  }
}

TEST(nfd_hangul_without_final_and_lone_jamo) {
  /* 바다 as L V L V; a lone V jamo after a space stays as it is. */
  const char *in = "\u1107\u1161\u1103\u1161 \u1161";
  norm_text t = normalized(in, NORM_NFC);
  CHECK_STR(t.buf, "바다 \u1161");
  CHECK_SIZE(t.n_edits, 2);
  check_maps_back(&t, in, "다", "\u1103\u1161");
  release(&t);
}

TEST(syllable_followed_by_final_jamo_composes_with_it) {
  /* 가 is precomposed (the fast path) but U+11A8 joins it: 각. */
  const char *in = "한가\u11A8 끝";
  norm_text t = normalized(in, NORM_NFC);
  CHECK_STR(t.buf, "한각 끝");
  CHECK_SIZE(t.n_edits, 1);
  CHECK_SIZE(t.edits[0].in, 3);
  CHECK_SIZE(t.edits[0].in_len, 6);
  check_maps_back(&t, in, "각", "가\u11A8");
  check_maps_back(&t, in, "한", "한");
  check_maps_back(&t, in, "끝", "끝");
  release(&t);
}

TEST(latin_letter_and_combining_accent_compose) {
  const char *in = "Cafe\u0301 e\u0323\u0302";
  norm_text t = normalized(in, NORM_NFC);
  CHECK_STR(t.buf, "Café \u1EC7"); /* ệ: marks reordered, then composed */
  check_maps_back(&t, in, "é", "e\u0301");
  check_maps_back(&t, in, "Caf", "Caf");
  release(&t);
}

TEST(full_width_latin_folds_and_maps_per_character) {
  const char *in = "「ＯｐｅｎＡＩ」는";
  norm_text t = normalized(in, NORM_NFKC_CF);
  CHECK_STR(t.buf, "「openai」는");
  CHECK_SIZE(t.n_edits, 6); /* each full-width letter its own unit */
  check_maps_back(&t, in, "openai", "ＯｐｅｎＡＩ");
  check_maps_back(&t, in, "ai", "ＡＩ");
  check_maps_back(&t, in, "」는", "」는");
  release(&t);
  /* In NFC mode it stays, but has_compat says NFKC_CF would differ. */
  t = normalized(in, NORM_NFC);
  CHECK_STR(t.buf, in);
  CHECK_SIZE(t.n_edits, 0);
  CHECK(t.has_compat);
  release(&t);
}

TEST(parenthesized_ideograph_expands_and_maps_to_the_whole_symbol) {
  const char *in = "㈜카카오";
  norm_text t = normalized(in, NORM_NFKC_CF);
  CHECK_STR(t.buf, "(주)카카오");
  CHECK_SIZE(t.n_edits, 1);
  /* Any span inside the expansion covers the whole ㈜ (input 0..3). */
  CHECK_SIZE(norm_map_start(&t, 1), 0);
  CHECK_SIZE(norm_map_end(&t, 4), 3);
  check_maps_back(&t, in, "(주)", "㈜");
  check_maps_back(&t, in, "카카오", "카카오");
  release(&t);
}

TEST(zero_width_characters_are_dropped_and_skipped_by_the_map) {
  const char *in = "오픈\u200BAI \uFEFF메타\u200C\u200D\u2060플랫폼";
  for (int mode = NORM_NFC; mode <= NORM_NFKC_CF; mode++) {
    norm_text t = normalized(in, (enum norm_mode)mode);
    CHECK_STR(t.buf, mode == NORM_NFC ? "오픈AI 메타플랫폼" : "오픈ai 메타플랫폼");
    CHECK_SIZE(t.n_edits, 5);
    for (size_t i = 0; i < t.n_edits; i++) CHECK_SIZE(t.edits[i].out_len, 0);
    /* A span that starts after a dropped character starts after it in the
       input, one that ends before it ends before it. */
    check_maps_back(&t, in, "오픈", "오픈");
    check_maps_back(&t, in, mode == NORM_NFC ? "AI" : "ai", "AI");
    check_maps_back(&t, in, "메타", "메타");
    check_maps_back(&t, in, "플랫폼", "플랫폼");
    /* A span across one covers it. */
    size_t s = offset_of(t.buf, "메타"), e = t.len;
    CHECK_SIZE(norm_map_start(&t, s), offset_of(in, "메타"));
    CHECK_SIZE(norm_map_end(&t, e), strlen(in));
    release(&t);
  }
}

TEST(zero_width_between_letter_and_accent_does_not_split_them) {
  const char *in = "e\u200B\u0301!";
  norm_text t = normalized(in, NORM_NFC);
  CHECK_STR(t.buf, "é!");
  check_maps_back(&t, in, "é", "e\u200B\u0301");
  release(&t);
}

TEST(middle_dot_look_alikes_become_one_middle_dot) {
  const char *dots[] = {"\u318D", "\u00B7", "\u2027", "\u30FB", "\uFF65"};
  for (size_t i = 0; i < sizeof dots / sizeof *dots; i++) {
    char in[64];
    snprintf(in, sizeof in, "산업%s경제", dots[i]);
    for (int mode = NORM_NFC; mode <= NORM_NFKC_CF; mode++) {
      norm_text t = normalized(in, (enum norm_mode)mode);
      CHECK_STR(t.buf, "산업\u00B7경제");
      CHECK_SIZE(t.n_edits, i == 1 ? 0 : 1);
      check_maps_back(&t, in, "\u00B7", dots[i]);
      check_maps_back(&t, in, "경제", "경제");
      release(&t);
    }
  }
  /* A bullet is not a middle dot. */
  norm_text t = normalized("산업\u2022경제", NORM_NFKC_CF);
  CHECK_STR(t.buf, "산업\u2022경제");
  release(&t);
}

TEST(text_that_needs_no_change_has_an_empty_map) {
  const char *in =
      "[속보] 정부, 'AI 기본법' 시행령 발표 — 아니 \"OpenAI\"는 2025년 "
      "“생성형 AI” 규제·지원 ‘균형’ 강조 — 「인공지능 산업」 (3) 50% ↑ ※ 끝.\n";
  for (int mode = NORM_NFC; mode <= NORM_NFKC_CF; mode++) {
    norm_text t = normalized(in, (enum norm_mode)mode);
    CHECK_SIZE(t.n_edits, 0);
    CHECK_SIZE(t.len, strlen(in));
    release(&t);
  }
  /* The ASCII letters are lowercased in place in NFKC_CF mode. */
  norm_text t = normalized("OpenAI는 MS와", NORM_NFKC_CF);
  CHECK_STR(t.buf, "openai는 ms와");
  CHECK_SIZE(t.n_edits, 0);
  release(&t);
}

TEST(has_compat_says_whether_nfkc_casefold_differs_beyond_ascii_case) {
  struct { const char *s; bool compat; } cases[] = {
      {"OpenAI는 한국어 뉴스", false}, /* ASCII case only */
      {"NFD " NFD_HANGUK, false},      /* canonical only */
      {"Cafe\u0301", false},
      {"ＯｐｅｎＡＩ", true},           /* full-width */
      {"㈜카카오", true},
      {"ÄRGER", true},                 /* non-ASCII uppercase */
      {"A\u0301", true},               /* composes into non-ASCII Á */
      {"ㄱ", true},                    /* compatibility jamo */
      {"…", true},                     /* NFKC: three dots */
      {"ﬁle", true},
      {"가ㆍ나", false},               /* middle dots unify in both */
      {"a\u200Bb", false},             /* zero-width drops in both */
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    norm_text t = normalized(cases[i].s, NORM_NFC);
    if (!CHECK_INT(t.has_compat, cases[i].compat)) printf("  case %zu\n", i);
    release(&t);
  }
}

TEST(a_document_longer_than_a_unit_cap_of_combining_marks_stays_bounded) {
  /* 'a' and 200 acute accents: split into capped units, every byte kept,
     the map still covers the whole input. */
  size_t n = 1 + 200 * 2;
  char *in = malloc(n + 1);
  in[0] = 'a';
  for (size_t i = 0; i < 200; i++) memcpy(in + 1 + 2 * i, "\xCC\x81", 2);
  in[n] = 0;
  norm_text t = normalized(in, NORM_NFC);
  CHECK(strncmp(t.buf, "á", 2) == 0);
  CHECK_SIZE(t.len, n - 1);
  CHECK_SIZE(norm_map_start(&t, 0), 0);
  CHECK_SIZE(norm_map_end(&t, t.len), n);
  release(&t);
  free(in);
}

TEST(buffers_are_reused_across_documents) {
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  const char *big = "ＯｐｅｎＡＩ ㈜카카오 " NFD_HANGUK " 긴 문서입니다.";
  CHECK_INT(text_normalize(&t, &m, big, strlen(big), NORM_NFKC_CF, false, NULL),
            BUNRYU_OK);
  char *buf = t.buf;
  map_edit *edits = t.edits;
  size_t cap = t.cap, cap_edits = t.cap_edits;
  const char *small = "ＡＩ";
  CHECK_INT(text_normalize(&t, &m, small, strlen(small), NORM_NFKC_CF, false,
                           NULL), BUNRYU_OK);
  CHECK_STR(t.buf, "ai");
  CHECK(t.buf == buf && t.edits == edits);
  CHECK_SIZE(t.cap, cap);
  CHECK_SIZE(t.cap_edits, cap_edits);
  norm_text_free(&t, &m);
  CHECK(t.buf == NULL && t.cap == 0 && t.edits == NULL);
}

/* ----------------------------------------------------------------------
** An allocator that fails after a budget of allocations.
** ------------------------------------------------------------------- */
typedef struct budget {
  int left;
} budget;

static void *budget_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  budget *b = ud;
  if (nsize > 0 && b->left-- <= 0) return NULL;
  return mem_default_alloc(NULL, ptr, osize, nsize);
}

TEST(allocation_failure_is_reported_and_leaks_nothing) {
  const char *in = "㈜카카오 ＯｐｅｎＡＩ " NFD_HANGUK " 그리고 더 많은 글";
  for (int allowed = 0; allowed < 8; allowed++) {
    budget b = {allowed};
    mem m = {budget_alloc, &b};
    norm_text t;
    norm_text_init(&t);
    int rc = text_normalize(&t, &m, in, strlen(in), NORM_NFKC_CF, false, NULL);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    if (rc == BUNRYU_ENOMEM) CHECK_SIZE(t.len, 0);
    norm_text_free(&t, &m);
    char *out = NULL;
    size_t out_len = 0;
    b.left = allowed;
    rc = text_normalize_string(&m, in, strlen(in), NORM_NFC, &out, &out_len);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    CHECK((rc == BUNRYU_OK) == (out != NULL));
    mem_free(&m, out, out_len + 1);
  }
}

/* ======================================================================
** text_normalize_string
** ==================================================================== */

TEST(normalize_string_gives_a_fresh_normalized_copy) {
  mem m = mem_default();
  char *out = NULL;
  size_t len = 0;
  const char *kw = "ＯｐｅｎＡＩ ㈜";
  CHECK_INT(text_normalize_string(&m, kw, strlen(kw), NORM_NFKC_CF, &out, &len),
            BUNRYU_OK);
  CHECK_STR(out, "openai (주)");
  CHECK_SIZE(len, strlen("openai (주)"));
  mem_free(&m, out, len + 1);

  CHECK_INT(text_normalize_string(&m, NFD_HANGUK, strlen(NFD_HANGUK), NORM_NFC,
                                  &out, &len), BUNRYU_OK);
  CHECK_STR(out, "한국");
  mem_free(&m, out, len + 1);

  /* What NFC leaves as it is comes back as it is, by a plain copy; under
     case folding the same string still goes through the normalizer. */
  const char *plain = "삼성전자 AI·“Labs”";
  CHECK_INT(text_normalize_string(&m, plain, strlen(plain), NORM_NFC, &out,
                                  &len), BUNRYU_OK);
  CHECK_STR(out, plain);
  CHECK_SIZE(len, strlen(plain));
  mem_free(&m, out, len + 1);
  CHECK_INT(text_normalize_string(&m, plain, strlen(plain), NORM_NFKC_CF, &out,
                                  &len), BUNRYU_OK);
  CHECK_STR(out, "삼성전자 ai·“labs”");
  mem_free(&m, out, len + 1);

  /* Only zero-width characters: an empty (but allocated) string. */
  CHECK_INT(text_normalize_string(&m, "\u200B", 3, NORM_NFC, &out, &len),
            BUNRYU_OK);
  CHECK(out != NULL);
  CHECK_SIZE(len, 0);
  mem_free(&m, out, 1);

  CHECK_INT(text_normalize_string(&m, "a\xFF", 2, NORM_NFC, &out, &len),
            BUNRYU_EUTF8);
  CHECK(out == NULL);
}

/* ======================================================================
** The fast path's stable characters, and a differential check against
** utf8proc on whole strings
** ==================================================================== */

typedef struct reference_opts {
  enum norm_mode mode;
} reference_opts;

static utf8proc_int32_t unify_dot(utf8proc_int32_t cp, void *data) {
  (void)data;
  return (cp == 0x318D || cp == 0x2027 || cp == 0x30FB || cp == 0xFF65) ? 0xB7
                                                                        : cp;
}

/*
** The expected normalization of a string without zero-width characters:
** utf8proc on the whole string (NFC, or its NFKC_Casefold flags), middle
** dots unified before and after decomposition. Returns a malloc'd string.
*/
static char *reference(const char *s, enum norm_mode mode) {
  utf8proc_option_t o = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
  if (mode == NORM_NFKC_CF)
    o |= UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE;
  utf8proc_ssize_t n = utf8proc_decompose_custom(
      (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)strlen(s), NULL, 0, o,
      unify_dot, NULL);
  CHECK(n >= 0);
  if (n < 0) return NULL;
  utf8proc_int32_t *buf = malloc(sizeof *buf * (size_t)(n + 1));
  n = utf8proc_decompose_custom((const utf8proc_uint8_t *)s,
                                (utf8proc_ssize_t)strlen(s), buf, n, o,
                                unify_dot, NULL);
  for (utf8proc_ssize_t i = 0; i < n; i++) buf[i] = unify_dot(buf[i], NULL);
  n = utf8proc_reencode(buf, n, o);
  return (char *)buf;
}

static void ascii_lower(char *s) {
  for (; *s; s++)
    if (*s >= 'A' && *s <= 'Z') *s = (char)(*s + 32);
}

/* Checks the offset map of t against its input: edits sorted and (for
   valid input) on character boundaries, the bytes between edits unchanged. */
static bool map_is_consistent(const norm_text *t, const char *in, size_t len,
                              enum norm_mode mode) {
  size_t out = 0, pos = 0;
  bool valid = utf8_first_invalid(in, len) == (size_t)-1;
  for (size_t i = 0; i <= t->n_edits; i++) {
    size_t next_out = i < t->n_edits ? t->edits[i].out : t->len;
    size_t next_in = i < t->n_edits ? t->edits[i].in : len;
    if (next_out < out || next_out - out != next_in - pos) return false;
    for (size_t k = 0; k < next_out - out; k++) {
      char a = t->buf[out + k], b = in[pos + k];
      if (mode == NORM_NFKC_CF && b >= 'A' && b <= 'Z') b = (char)(b + 32);
      if (a != b) return false;
    }
    if (i == t->n_edits) break;
    const map_edit *e = &t->edits[i];
    if (valid && ((unsigned char)in[e->in] & 0xC0) == 0x80) return false;
    out = e->out + e->out_len;
    pos = e->in + e->in_len;
  }
  return true;
}

/* Normalizes s both ways and compares with the reference; returns false on
   the first difference (printing it). */
static bool agrees_with_reference(const char *s) {
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  bool ok = true;
  char *ref_nfc = reference(s, NORM_NFC);
  for (int mode = NORM_NFC; ok && mode <= NORM_NFKC_CF; mode++) {
    char *ref = reference(s, (enum norm_mode)mode);
    ok = text_normalize(&t, &m, s, strlen(s), (enum norm_mode)mode, false,
                        NULL) == BUNRYU_OK &&
         ref && strcmp(t.buf, ref) == 0 &&
         map_is_consistent(&t, s, strlen(s), (enum norm_mode)mode);
    if (ok && mode == NORM_NFC) {
      char *cf = reference(s, NORM_NFKC_CF);
      ascii_lower(ref_nfc);
      ok = t.has_compat == (strcmp(cf, ref_nfc) != 0);
      free(cf);
    }
    if (!ok) {
      printf("  mismatch (mode %d) for", mode);
      for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        printf(" %02X", *p);
      printf(": got \"%s\" (compat %d), want \"%s\"\n", t.buf, t.has_compat,
             ref ? ref : "?");
    }
    free(ref);
  }
  free(ref_nfc);
  norm_text_free(&t, &m);
  return ok;
}

TEST(fast_path_characters_are_stable_under_both_normalizations) {
  /* The characters stable_punct_len() copies without asking utf8proc. */
  const char *stable =
      "·°×‐–—―‘’‚“”†‡•※←↑→↓↔■□▲△▶▼▽◀◆◇○◎●★☆、。〈〉《》「」『』【】〔〕";
  for (int mode = NORM_NFC; mode <= NORM_NFKC_CF; mode++) {
    char *ref = reference(stable, (enum norm_mode)mode);
    CHECK_STR(ref, stable);
    free(ref);
  }
  norm_text t = normalized(stable, NORM_NFC);
  CHECK(!t.has_compat);
  CHECK_SIZE(t.n_edits, 0);
  release(&t);
}

static bool is_zero_width_cp(int32_t cp) {
  return (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF;
}

TEST(every_code_point_agrees_with_utf8proc_in_context) {
  /* Each code point alone, after a syllable and after an ASCII capital,
     then before 'A'. */
  int failures = 0;
  for (int32_t cp = 1; cp <= 0x10FFFF && failures < 10; cp++) {
    if ((cp >= 0xD800 && cp <= 0xDFFF) || is_zero_width_cp(cp)) continue;
    char s[32], c[5] = {0};
    utf8_encode(cp, c);
    snprintf(s, sizeof s, "가%sA%s", c, c);
    if (!agrees_with_reference(s)) failures++;
  }
  CHECK_INT(failures, 0);
}

TEST(random_mixtures_agree_with_utf8proc) {
  /* Characters whose units are hard: jamo of every kind, marks of several
     classes, compatibility forms that decompose into joiners, case. */
  static const int32_t pool[] = {
      0x1100, 0x1112, 0x1161, 0x1175, 0x11A8, 0x11C2, 0x115F, 0x1160,
      0xAC00, 0xAC01, 0xD7A3, 0xB098, 0x3131, 0x3133, 0x314F, 0x318D,
      0x0041, 0x0061, 0x0045, 0x0065, 0x0049, 0x0020, 0x002E, 0x00C5,
      0x0300, 0x0301, 0x0323, 0x0302, 0x0308, 0x0344, 0x031B, 0x0345,
      0x0B47, 0x0B3E, 0x0B57, 0x0DD9, 0x0DCF, 0x0DCA, 0x1B05, 0x1B35,
      0x304B, 0x3099, 0x309A, 0xFF76, 0xFF9E, 0xFF9F, 0x30FB, 0xFF65,
      0x3231, 0x3200, 0xFF21, 0xFF41, 0xFB01, 0x2126, 0x212B, 0x1E9E,
      0x00DF, 0x0130, 0x03A3, 0x2027, 0x00B7, 0x2026, 0x00AD, 0x034F,
      0xFDFA, 0x0F73, 0x0F71, 0x0F72, 0x1D15E, 0x1D165, 0xFFFD, 0x4E00,
  };
  const size_t n_pool = sizeof pool / sizeof *pool;
  uint64_t x = 0x9E3779B97F4A7C15u;
  int failures = 0;
  for (int iter = 0; iter < 200000 && failures < 10; iter++) {
    char s[256];
    size_t len = 0;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t n = 1 + x % 12;
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      len += utf8_encode(pool[x % n_pool], s + len);
    }
    s[len] = 0;
    if (!agrees_with_reference(s)) failures++;
  }
  CHECK_INT(failures, 0);
}

/* ======================================================================
** The fast path's block scans (SSE2, AVX2) against its portable loop
** ==================================================================== */

static const char *const scan_names[] = {"portable", "SSE2", "AVX2"};

/*
** text_normalize depends on the fast path only through the run end, so the
** scans agreeing at every offset means the same buffer, map and
** has_compat. Checks every block scan this machine can run, and the one
** norm_fast_run_end picks, on a copy of s[0, len) in a buffer of exactly
** len bytes (so that AddressSanitizer sees any read past it).
*/
static bool run_ends_agree(const char *s, size_t len) {
  unsigned char *u = malloc(len ? len : 1);
  memcpy(u, s, len);
  bool ok = true;
  enum norm_block_scan best = norm_block_scan_best();
  for (size_t i = 0; ok && i <= len; i++) {
    size_t portable = norm_fast_run_end_portable(u, i, len);
    for (int scan = NORM_SCAN_SSE2; ok && scan <= (int)best + 1; scan++) {
      bool picked = scan > (int)best; /* the last round: norm_fast_run_end */
      size_t fast = picked ? norm_fast_run_end(u, i, len)
                           : norm_fast_run_end_with((enum norm_block_scan)scan,
                                                    u, i, len);
      if (fast != portable) {
        ok = false;
        printf("  run end from %zu: %s scan %zu, portable %zu, bytes:", i,
               picked ? "picked" : scan_names[scan], fast, portable);
        for (size_t k = 0; k < len; k++) printf(" %02X", u[k]);
        printf("\n");
      }
    }
  }
  free(u);
  return ok;
}

TEST(the_widest_block_scan_the_cpu_has_is_the_one_used) {
  /* A build or a dispatch that lost a block scan would still agree with
     the portable loop, so only this catches it. */
#if defined(__SSE2__)
  CHECK(norm_block_scan_best() >= NORM_SCAN_SSE2);
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  if (__builtin_cpu_supports("avx2"))
    CHECK_INT(norm_block_scan_best(), NORM_SCAN_AVX2);
  else
    CHECK_INT(norm_block_scan_best(), NORM_SCAN_SSE2);
#endif
#endif
  /* Asking for a scan the machine cannot run falls back to the best. */
  static const char text[] = "인공지능 기본법 시행령, AI Basic Act 2024 ";
  const size_t len = sizeof text - 1;
  CHECK_SIZE(norm_fast_run_end_with(NORM_SCAN_AVX2,
                                    (const unsigned char *)text, 0, len),
             len);
}

/* Where a run of plain characters stops: at the first of these. */
static const char *const run_stoppers[] = {
    "\uABFF",       /* just below the syllables */
    "\uD7A4",       /* just above */
    "\uD7B0",       /* jamo extension B */
    "\xED\xA0\x80", /* a surrogate */
    "\u11A8",       /* a final jamo (joins the syllable before it) */
    "\u0301",       /* a combining mark */
    "\u9C00",       /* lead E9 (next to the Hangul leads), B0 80 after it */
    "\uEC00",       /* lead EE, B0 80 after it */
    "\xEA\xB0",     /* a syllable cut short */
    "\xC0\xAF",     /* an overlong '/' */
    "\x80",         /* a stray continuation byte */
};

TEST(fast_run_stops_at_the_first_character_that_needs_a_look) {
  /* A stopper after every prefix length of plain text, so that it falls
     on each byte of a block and syllables straddle block ends; plain text
     after it. U+AC00 and U+D7A3 (and 힘, ED 9E 98) are plain. */
  static const char plain[] = "가a 힣b힘\0한글 뉴스, AI Basic Act of 2024: 기본법 시행 ";
  const size_t plain_len = sizeof plain - 1;
  for (size_t k = 0; k < sizeof run_stoppers / sizeof *run_stoppers; k++) {
    for (size_t pre = 0; pre <= plain_len; pre++) {
      if (pre < plain_len && ((unsigned char)plain[pre] & 0xC0) == 0x80)
        continue; /* pre would cut a syllable */
      char s[2 * sizeof plain + 8];
      size_t n = strlen(run_stoppers[k]);
      memcpy(s, plain, pre);
      memcpy(s + pre, run_stoppers[k], n);
      memcpy(s + pre + n, plain, plain_len);
      size_t len = pre + n + plain_len;
      if (!CHECK_SIZE(norm_fast_run_end((const unsigned char *)s, 0, len),
                      pre))
        printf("  stopper %zu after %zu bytes\n", k, pre);
      CHECK(run_ends_agree(s, len));
    }
  }
  /* Plain text to the very end, whatever its length. */
  for (size_t len = 0; len <= plain_len; len++)
    if (len == plain_len || ((unsigned char)plain[len] & 0xC0) != 0x80)
      CHECK_SIZE(norm_fast_run_end((const unsigned char *)plain, 0, len), len);
}

/*
** A probe after a prefix of every length up to past two 32-byte blocks,
** the prefix ASCII or syllables (shifted by up to two ASCII bytes), so that
** the probe and the syllables before it fall on each byte of a 16- and a
** 32-byte block, leads at the last two bytes included; then nothing, a
** short tail or a long one (plain, or ending mid-syllable).
*/
static const char *const block_probes[] = {
    "가", "힘", "\uD740" /* 힀, key 0xDE */, "힣",
    "\uABFF", "\uD7A4", "\uD7B0", "\uD7FF",
    "\xED\xA0\x80",            /* a surrogate */
    "\xE9\xB0\x80", "\xEE\xB0\x80", /* leads next to EA..ED */
    "\xEA\xB0", "\xED\x9E", "\xEC", /* syllables cut short */
    "\xEA\xB0\xC0", "\xEB\x41\x80", "\xEC\x80\x41", /* bad continuations */
    "\xEA\xB0\x80\x80", "\x80", "\xBF\xBF", "\xC0\xAF", "\xFF",
    "\xF0\x9F\x98\x80", "·", "“", "\u11A8", "\u0301", "Ａ",
};

static bool probe_agrees(const char *probe, size_t pre, bool ascii_prefix,
                         const char *tail) {
  char s[256];
  size_t len = 0;
  if (ascii_prefix) {
    memset(s, 'a', pre);
    len = pre;
  } else {
    for (size_t k = 0; k < pre % 3; k++) s[len++] = ' ';
    for (size_t k = 0; k < pre / 3; k++, len += 3) memcpy(s + len, "한", 3);
  }
  size_t n = strlen(probe), m = strlen(tail);
  memcpy(s + len, probe, n);
  memcpy(s + len + n, tail, m);
  return run_ends_agree(s, len + n + m);
}

TEST(block_scans_agree_at_every_block_position) {
  static const char *const tails[] = {
      "", "b", "가",
      " 인공지능 기본법 시행령 발표, AI 안전 기준 마련 ",
      " 인공지능 기본법 시행령 발표, AI 안전 기준 마련\xED\x9E",
  };
  const size_t n_probes = sizeof block_probes / sizeof *block_probes;
  int failures = 0;
  for (size_t k = 0; k < n_probes; k++)
    for (size_t t = 0; t < sizeof tails / sizeof *tails; t++)
      for (size_t pre = 0; pre <= 2 * 32 + 6 && failures < 10; pre++)
        for (int ascii = 0; ascii <= 1; ascii++)
          if (!probe_agrees(block_probes[k], pre, ascii, tails[t])) {
            printf("  probe %zu, tail %zu, %s prefix of %zu bytes\n", k, t,
                   ascii ? "ASCII" : "syllable", pre);
            failures++;
          }
  CHECK_INT(failures, 0);
}

TEST(random_mixtures_with_long_plain_runs_agree_with_the_portable_scan) {
  /* Mostly plain pieces (ASCII, syllables at and near the range ends), the
     stoppers above, and characters that do need a look, so that every
     block shape comes up: syllables across block ends and the buffer end,
     flags at each byte. */
  static const char *const plain[] = {
      " ", " ", " ", "a", "Z", "0", ".", "\n", "\0", "the AI Basic Act ",
      "가", "힣", "힘", "한", "나", "씨", "깋", "국", "하", "뉴", "스", "기",
      "‘", "’", "·", "●", "○", "△", "“", "”",
  };
  static const char *const other[] = {
      "가\u11A8",         /* composes into 각 */
      "힣\u11A8",         /* does not */
      "e\u0301", "😀", "Ａ", "㈜", "ㄱ", /* changed by NFC or NFKC_CF */
      "\xF0\x9F\x98",     /* an emoji cut short */
      "\xE0\x80\xAF",     /* an overlong '/' */
      "\xFF",
  };
  const size_t n_plain = sizeof plain / sizeof *plain;
  const size_t n_other = sizeof other / sizeof *other;
  const size_t n_stop = sizeof run_stoppers / sizeof *run_stoppers;
  uint64_t x = 0xD1B54A32D192ED03u;
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  int failures = 0;
  for (int iter = 0; iter < 20000 && failures < 10; iter++) {
    char s[256];
    size_t len = 0;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t target = x % 120;
    while (len < target) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      unsigned pick = (unsigned)(x % 64);
      const char *p = pick < 56   ? plain[(x >> 8) % n_plain]
                      : pick < 60 ? run_stoppers[(x >> 8) % n_stop]
                                  : other[(x >> 8) % n_other];
      size_t n = p[0] ? strlen(p) : 1; /* "\0" is one NUL byte */
      memcpy(s + len, p, n);
      len += n;
    }
    bool ok = run_ends_agree(s, len);
    bool valid = utf8_first_invalid(s, len) == (size_t)-1;
    if (ok && valid && memchr(s, 0, len) == NULL) {
      s[len] = 0;
      ok = agrees_with_reference(s);
    } else if (ok) {
      enum norm_mode mode = (enum norm_mode)(iter & 1);
      ok = text_normalize(&t, &m, s, len, mode, true, NULL) == BUNRYU_OK &&
           utf8_first_invalid(t.buf, t.len) == (size_t)-1 &&
           map_is_consistent(&t, s, len, mode) &&
           norm_map_end(&t, t.len) == len;
      if (!ok) printf("  replacement or map wrong at iteration %d\n", iter);
    }
    if (!ok) failures++;
  }
  CHECK_INT(failures, 0);
  norm_text_free(&t, &m);
}

/* ======================================================================
** A large input
** ==================================================================== */

TEST(fifty_megabytes_normalize_and_map_correctly) {
  const char *para = "인공지능 기본법 시행령이 발표됐다. 정부는 'AI 안전' 기준을 "
                     "마련하고, 기업·연구기관과 협력한다고 밝혔다.\n";
  size_t plen = strlen(para), target = 50u << 20;
  const char *tail = "끝에 ＯｐｅｎＡＩ와 " NFD_HANGUK " 그리고 ㈜카카오.\n";
  size_t reps = target / plen, len = reps * plen + strlen(tail);
  char *in = malloc(len + 1);
  CHECK(in != NULL);
  if (!in) return;
  for (size_t i = 0; i < reps; i++) memcpy(in + i * plen, para, plen);
  strcpy(in + reps * plen, tail);

  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  CHECK_INT(text_normalize(&t, &m, in, len, NORM_NFKC_CF, false, NULL),
            BUNRYU_OK);
  CHECK_SIZE(t.n_edits, 6 + 2 + 1);
  size_t base_out = reps * plen; /* everything before the tail is unchanged */
  CHECK_SIZE(norm_map_start(&t, base_out), base_out);
  const char *tail_out = t.buf + base_out;
  CHECK(strncmp(tail_out, "끝에 openai와 한국 그리고 (주)카카오.\n",
                t.len - base_out) == 0);
  size_t ai = base_out + offset_of(tail_out, "ai와");
  CHECK_SIZE(norm_map_start(&t, ai), reps * plen + offset_of(tail, "ＡＩ"));
  size_t kr = base_out + offset_of(tail_out, "한국");
  CHECK_SIZE(norm_map_start(&t, kr), reps * plen + offset_of(tail, NFD_HANGUK));
  CHECK_SIZE(norm_map_end(&t, kr + strlen("한국")),
             reps * plen + offset_of(tail, NFD_HANGUK) + strlen(NFD_HANGUK));
  size_t kakao = base_out + offset_of(tail_out, "카카오");
  CHECK_SIZE(norm_map_start(&t, kakao), reps * plen + offset_of(tail, "카카오"));
  CHECK_SIZE(norm_map_end(&t, t.len), len);
  norm_text_free(&t, &m);
  free(in);
}

/* ======================================================================
** Hostile bytes
** ==================================================================== */

TEST(random_bytes_never_crash_and_replacement_output_is_valid) {
  /* Bytes drawn mostly from lead and continuation ranges, so that many
     sequences are nearly valid. */
  static const unsigned char pool[] = {
      0x41, 0x61, 0x20, 0x00, 0x80, 0x84, 0x85, 0x86, 0x9E, 0xA0, 0xA3,
      0xB0, 0xBF, 0xC0, 0xC2, 0xCC, 0xDF, 0xE0, 0xE1, 0xEA, 0xED, 0xEF,
      0xF0, 0xF4, 0xF5, 0xFF,
  };
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  uint64_t x = 0x2545F4914F6CDD1Du;
  int failures = 0;
  for (int iter = 0; iter < 50000 && failures < 5; iter++) {
    unsigned char s[48];
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    size_t len = x % sizeof s;
    for (size_t i = 0; i < len; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      s[i] = pool[x % sizeof pool];
    }
    const char *in = (const char *)s;
    size_t want_bad = utf8_first_invalid(in, len), bad = 0;
    enum norm_mode mode = (enum norm_mode)(iter & 1);
    int rc = text_normalize(&t, &m, in, len, mode, false, &bad);
    bool ok = want_bad == (size_t)-1 ? rc == BUNRYU_OK
                                     : rc == BUNRYU_EUTF8 && bad == want_bad;
    rc = text_normalize(&t, &m, in, len, mode, true, NULL);
    ok = ok && rc == BUNRYU_OK &&
         utf8_first_invalid(t.buf, t.len) == (size_t)-1 &&
         map_is_consistent(&t, in, len, mode) &&
         norm_map_end(&t, t.len) == len;
    if (!ok) {
      failures++;
      printf("  bytes:");
      for (size_t i = 0; i < len; i++) printf(" %02X", s[i]);
      printf(" (mode %d, rc %d, bad %zu want %zu, out %zu)\n", mode, rc, bad,
             want_bad, t.len);
    }
  }
  CHECK_INT(failures, 0);
  norm_text_free(&t, &m);
}
