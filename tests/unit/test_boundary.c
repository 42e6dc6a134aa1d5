/*
** test_boundary.c — where a match may stand: Latin word edges, Hangul
** whole words and the particles that may follow them (core/boundary.c).
*/
#include <stdio.h>

#include "text.h"
#include "unit.h"

/* Whether `term`, found at its first occurrence in `text`, is accepted. */
static bool accepts(const char *text, const char *term, bool word) {
  const char *p = strstr(text, term);
  if (!CHECK(p != NULL)) return false;
  size_t start = (size_t)(p - text);
  return boundary_ok(text, strlen(text), start, start + strlen(term), word);
}

/* The same at the occurrence that starts at byte `start`. */
static bool accepts_at(const char *text, size_t start, const char *term,
                       bool word) {
  return boundary_ok(text, strlen(text), start, start + strlen(term), word);
}

/* ======================================================================
** Latin letters and digits
** ==================================================================== */

TEST(latin_term_needs_non_latin_on_both_sides) {
  CHECK(accepts("AI", "AI", false));
  CHECK(accepts("생성형 AI 규제", "AI", false));
  CHECK(accepts("(AI)", "AI", false));
  CHECK(!accepts("OpenAI", "AI", false));  /* letter before */
  CHECK(!accepts("SAID", "AI", false));    /* letters on both sides */
  CHECK(!accepts("AIR", "AI", false));     /* letter after */
  CHECK(accepts("MS 발표", "MS", false));
  CHECK(!accepts("MSG", "MS", false));
  CHECK(!accepts("2MS", "MS", false));     /* a digit counts */
  CHECK(!accepts("GPT4", "GPT", false));
}

TEST(hangul_next_to_a_latin_term_is_no_latin_boundary) {
  /* Without `word`, only Latin neighbours matter: 오픈AI is fine for AI,
     and so is AI기본법 (the Latin rule judges the Latin edge only). */
  CHECK(accepts("오픈AI", "AI", false));
  CHECK(accepts("AI기본법", "AI", false));
  CHECK(accepts("AI는", "AI", false));
}

TEST(latin_like_scripts_and_full_width_count_as_latin) {
  CHECK(!accepts("CAFÉAI", "AI", false));      /* Latin-1 letter */
  CHECK(!accepts("ΩAI", "AI", false));         /* Greek */
  CHECK(!accepts("ДAI", "AI", false));         /* Cyrillic */
  CHECK(!accepts("ＯｐｅｎＡＩ", "ＡＩ", false)); /* full-width */
  CHECK(!accepts("AI１", "AI", false));        /* full-width digit */
  CHECK(accepts("×AI÷", "AI", false));         /* × ÷ are not letters */
  CHECK(char_is_latin_or_digit('7'));
  CHECK(!char_is_latin_or_digit('_'));
  CHECK(!char_is_latin_or_digit(0xAC00));
}

TEST(a_term_that_starts_or_ends_with_hangul_ignores_latin_neighbours) {
  /* 오픈AI starts with Hangul: a Latin letter before it does not matter to
     the Latin rule; it ends with Latin, so a letter after it does. */
  CHECK(accepts("X오픈AI", "오픈AI", false));
  CHECK(!accepts("오픈AIX", "오픈AI", false));
}

/* ======================================================================
** Hangul whole words (BUNRYU_LIT_WORD)
** ==================================================================== */

TEST(word_term_may_not_be_inside_a_longer_hangul_word) {
  CHECK(!accepts("드라마를 봤다", "라마", true));  /* Hangul before */
  CHECK(accepts("라마를 공개했다", "라마", true));
  CHECK(!accepts("메타버스 플랫폼", "메타", true)); /* 버스 is no particle */
  CHECK(!accepts("애플리케이션", "애플", true));
  CHECK(accepts("애플의 신제품", "애플", true));
  /* Without `word` the same spans pass. */
  CHECK(accepts("메타버스", "메타", false));
  CHECK(accepts("드라마", "라마", false));
}

TEST(word_term_may_be_followed_by_a_particle) {
  CHECK(accepts("메타는 발표했다", "메타", true));
  CHECK(accepts("메타의 모델", "메타", true));
  CHECK(accepts("메타에서는 부인", "메타", true));
  CHECK(accepts("메타에서, 그리고", "메타", true));
  CHECK(accepts("메타와 구글", "메타", true));
  CHECK(accepts("메타", "메타", true));          /* the end of the text */
  CHECK(accepts("메타.", "메타", true));
  CHECK(accepts("구글으로부터", "구글", false)); /* no word rule: fine */
  CHECK(accepts("삼성전자 측은", "삼성전자", true));
  CHECK(accepts("삼성전자측은 부인", "삼성전자", true));
  CHECK(accepts("오픈AI가 공개", "오픈AI", true));
}

TEST(a_particle_counts_only_when_the_word_ends_after_it) {
  /* 메타인지: 인 is a particle form, but 지 goes on. */
  CHECK(!accepts("메타인지 능력", "메타", true));
  /* 메타이다 (copula) ends the word; 메타이다음 does not. */
  CHECK(accepts("메타이다.", "메타", true));
  CHECK(!accepts("메타이다음", "메타", true));
}

TEST(quotes_and_brackets_after_a_word_term_are_fine) {
  CHECK(accepts("\"메타\"는 발표했다", "메타", true));
  CHECK(accepts("“메타”의 입장", "메타", true));
  CHECK(accepts("‘애플’이 내놓은", "애플", true));
  CHECK(accepts("(라마)를 공개", "라마", true));
  CHECK(accepts("「메타」에서는", "메타", true));
  /* Still not inside a word after an opening quote. */
  CHECK(!accepts("“메타버스”", "메타", true));
}

TEST(word_rule_looks_at_hangul_only) {
  /* A Latin letter before a Hangul word term is the Latin rule's business,
     and the term does not start with Latin. */
  CHECK(accepts("X메타", "메타", true));
  /* Compatibility and conjoining jamo are Hangul too. */
  CHECK(char_is_hangul(0x3131));
  CHECK(char_is_hangul(0x1100));
  CHECK(char_is_hangul(0xD7A3));
  CHECK(!char_is_hangul(0x00B7));
  CHECK(!char_is_hangul('A'));
  CHECK(accepts("산업·메타", "메타", true));
}

TEST(second_occurrence_is_judged_on_its_own) {
  const char *text = "메타버스와 메타는";
  size_t second = strlen("메타버스와 ");
  CHECK(!accepts_at(text, 0, "메타", true));
  CHECK(accepts_at(text, second, "메타", true));
}

TEST(bad_spans_are_rejected) {
  CHECK(!boundary_ok("abc", 3, 2, 1, false)); /* start after end */
  CHECK(!boundary_ok("abc", 3, 1, 4, false)); /* past the end */
  CHECK(!boundary_ok("abc", 3, 1, 1, false)); /* empty */
}

/* ======================================================================
** particle_len
** ==================================================================== */

TEST(particle_len_prefers_the_longest_particle_that_ends_the_word) {
  const char *t = "에서는 ";
  CHECK_SIZE(particle_len(t, strlen(t), 0), strlen("에서는"));
  t = "에서 ";
  CHECK_SIZE(particle_len(t, strlen(t), 0), strlen("에서"));
  t = "에";
  CHECK_SIZE(particle_len(t, strlen(t), 0), strlen("에"));
  /* 에서도 is not followed by a word end, so nothing: 에서도록 */
  t = "에서도록";
  CHECK_SIZE(particle_len(t, strlen(t), 0), 0);
  t = "들의,";
  CHECK_SIZE(particle_len(t, strlen(t), 0), strlen("들의"));
  t = "버스";
  CHECK_SIZE(particle_len(t, strlen(t), 0), 0);
  t = "";
  CHECK_SIZE(particle_len(t, 0, 0), 0);
  t = "은";
  CHECK_SIZE(particle_len(t, strlen(t), 5), 0); /* past the end */
}

TEST(every_listed_particle_is_recognised_after_a_name) {
  static const char *const some[] = {
      "은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "와",
      "과", "로", "으로", "도", "만", "까지", "부터", "처럼", "보다",
      "이라는", "라는", "이나", "나", "이다", "이며", "이고", "에는", "에도",
      "에서는", "에서도", "에서의", "에게는", "으로는", "으로도", "로는",
      "로도", "와의", "과의", "과는", "와는", "만의", "들", "들은", "들이",
      "들의", "들과", "측", "측은", "측의", "이란", "란", "께서",
  };
  for (size_t i = 0; i < sizeof some / sizeof *some; i++) {
    char text[64];
    size_t n = strlen("메타");
    memcpy(text, "메타", n);
    strcpy(text + n, some[i]);
    strcat(text, " ");
    if (!CHECK(boundary_ok(text, strlen(text), 0, n, true)))
      unit_check(0, __FILE__, __LINE__, some[i], "particle not accepted");
  }
}

TEST(word_edges_at_the_end_of_the_hangul_blocks) {
  /* The byte-level test of a neighbour must agree with char_is_hangul at
     the ends of the syllable block: U+D7A3 is a syllable, U+D7A4..D7AF are
     unassigned (not Hangul), U+D7B0 is jamo extended-B. */
  CHECK(!accepts("\xed\x9e\xa3메타 ", "메타", true));  /* U+D7A3 before */
  CHECK(accepts("\xed\x9e\xa4메타 ", "메타", true));   /* U+D7A4 before */
  CHECK(!accepts("\xed\x9e\xb0메타 ", "메타", true));  /* U+D7B0 before */
  CHECK(!accepts("메타\xed\x9e\xa3 ", "메타", true));  /* ... and after */
  CHECK(accepts("메타\xed\x9e\xa4 ", "메타", true));
  CHECK(!accepts("메타\xed\x9e\xb0 ", "메타", true));
  CHECK(!accepts("가메타 ", "메타", true));              /* U+AC00 */
  CHECK(accepts("\xea\xaf\xbf메타 ", "메타", true));   /* U+ABFF */
}

/* particle_len binary-searches the table by first syllable, so the table
   must stay sorted by those bytes, longest first within one syllable. */
TEST(particle_table_is_sorted_for_the_lookup) {
  const char *prev = particle_at(0);
  CHECK(prev != NULL);
  for (size_t i = 1; particle_at(i); i++) {
    const char *p = particle_at(i);
    int c = memcmp(prev, p, 3);
    if (!CHECK(c < 0 || (c == 0 && strlen(prev) >= strlen(p))))
      unit_check(0, __FILE__, __LINE__, p, "out of order after the entry before");
    prev = p;
  }
}

TEST(every_table_particle_is_found_by_particle_len) {
  for (size_t i = 0; particle_at(i); i++) {
    char text[64];
    snprintf(text, sizeof text, "%s.", particle_at(i));
    if (!CHECK_SIZE(particle_len(text, strlen(text), 0),
                    strlen(particle_at(i))))
      unit_check(0, __FILE__, __LINE__, particle_at(i), "particle not found");
  }
}

TEST(boundary_latin_edges_near_hangul_byte_ranges) {
  /* U+A730 (EA 9C B0) is Latin Extended-D: a Latin neighbour, though its
     lead byte EA also leads Hangul syllables (EA B0 80 = 가). */
  const char *t = "\xea\x9c\xb0" "AB";
  CHECK(!boundary_ok(t, strlen(t), 3, 5, false));
  t = "가AB";
  CHECK(boundary_ok(t, strlen(t), 3, 5, false));
  t = "AB\xea\x9c\xb0";
  CHECK(!boundary_ok(t, strlen(t), 0, 2, false));
  t = "AB힣"; /* U+D7A3, lead ED */
  CHECK(boundary_ok(t, strlen(t), 0, 2, false));
}

/* boundary_edges_ok with the edges of the literal itself judges every
   whole match of it as boundary_ok does, and edges 0 means it accepts. */
TEST(literal_edges_decide_as_boundary_ok_does) {
  static const char *const terms[] = {
      "AI", "ai", "메타", "AI 법", "오픈AI", "AI기본법", "é", "Ωx", "ＡＩ",
      "7", "가", "힣", "\xea\x9c\xb0", "a\xea\x9c\xb0", "×", "😀", "x😀",
  };
  static const char *const sides[] = {
      "", " ", "a", "Z", "5", "가", "힣", "é", "Ω", "１", "Ｚ", "×",
      "\xea\x9c\xb0", "\xed\x9e\xa4", "\xed\x9e\xb0", "😀", "는 ", "에서는.",
      "버스",
  };
  size_t nt = sizeof terms / sizeof *terms, ns = sizeof sides / sizeof *sides;
  for (size_t i = 0; i < nt; i++)
    for (size_t a = 0; a < ns; a++)
      for (size_t b = 0; b < ns; b++)
        for (int word = 0; word < 2; word++) {
          char text[64];
          snprintf(text, sizeof text, "%s%s%s", sides[a], terms[i], sides[b]);
          size_t start = strlen(sides[a]), end = start + strlen(terms[i]);
          unsigned edges = boundary_edges(terms[i], strlen(terms[i]), word);
          bool want = boundary_ok(text, strlen(text), start, end, word);
          bool got = edges == 0 ||
                     boundary_edges_ok(text, strlen(text), start, end, edges);
          if (!CHECK(got == want))
            unit_check(0, __FILE__, __LINE__, text, "edges disagree");
        }
}
