/*
** test_engine.c — the engine through the public C API, without Lua:
** scoring, zones, thresholds, entities, offsets into the input, errors,
** limits, JSON, the allocator hook; and, with internal headers, the
** triggered regex search against a full PCRE2 scan.
*/
#include <dirent.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bunryu.h"
#include "engine.h"
#include "regex.h"
#include "text.h"
#include "unit.h"

/* ----------------------------------------------------------------------
** Helpers
** -------------------------------------------------------------------- */

/* A small rule set: two categories and a company entity. */
static bunryu_builder *small_rules(void) {
  bunryu_builder *b = bunryu_builder_new();
  int pol = bunryu_builder_add_category(b, "policy", "정책");
  int com = bunryu_builder_add_category(b, "company", "기업");
  bunryu_builder_set_zone_weight(b, pol, BUNRYU_ZONE_TITLE, 3.0);
  bunryu_builder_set_zone_weight(b, com, BUNRYU_ZONE_TITLE, 3.0);
  bunryu_builder_add_keyword(b, pol, "법안", 2.0, 0, 0);
  bunryu_builder_add_keyword(b, pol, "국회", 1.0, 0, BUNRYU_LIT_WORD);
  bunryu_builder_add_keyword(b, com, "출시", 1.0, 0, 0);
  bunryu_builder_add_keyword(b, com, "투자", 1.0, 0, 0);
  int firm = bunryu_builder_add_entity_type(b, "company", 0);
  bunryu_builder_add_alias(b, firm, "OpenAI", "오픈AI", BUNRYU_LIT_WORD);
  bunryu_builder_add_alias(b, firm, "OpenAI", "OpenAI", BUNRYU_LIT_CASELESS);
  bunryu_builder_add_alias(b, firm, "Meta", "메타", BUNRYU_LIT_WORD);
  bunryu_builder_add_alias(b, firm, "Microsoft", "MS", 0);
  return b;
}

static bunryu_engine *build(bunryu_builder *b) {
  bunryu_engine *e = NULL;
  int rc = bunryu_builder_build(b, &e);
  unit_check(rc == BUNRYU_OK, __FILE__, __LINE__, "build",
             bunryu_builder_error(b));
  bunryu_builder_free(b);
  return e;
}

typedef struct fixture {
  bunryu_engine *e;
  bunryu_scanner *s;
  const bunryu_result *r;
  int rc;
} fixture;

static fixture scan_with(bunryu_builder *b, const char *text, size_t len,
                         unsigned flags) {
  fixture f = {0};
  f.e = build(b);
  f.s = f.e ? bunryu_scanner_new(f.e, NULL, 0) : NULL;
  if (f.s) f.rc = bunryu_scan(f.s, text, len, flags, &f.r);
  return f;
}

static void fixture_free(fixture *f) {
  bunryu_scanner_free(f->s);
  bunryu_engine_free(f->e);
}

/* The entity of a result named `name`: its index, or -1. */
static int find_entity(const bunryu_result *r, const char *name) {
  for (size_t i = 0; i < bunryu_result_entity_count(r); i++) {
    const char *n;
    bunryu_result_entity(r, i, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL);
    if (!strcmp(n, name)) return (int)i;
  }
  return -1;
}

static size_t entity_start(const bunryu_result *r, int i) {
  size_t start = (size_t)-1;
  bunryu_result_entity(r, (size_t)i, NULL, NULL, NULL, NULL, &start, NULL,
                       NULL, NULL);
  return start;
}

static size_t entity_end(const bunryu_result *r, int i) {
  size_t end = (size_t)-1;
  bunryu_result_entity(r, (size_t)i, NULL, NULL, NULL, NULL, NULL, &end, NULL,
                       NULL);
  return end;
}

static size_t entity_count(const bunryu_result *r, int i) {
  size_t n = 0;
  bunryu_result_entity(r, (size_t)i, NULL, NULL, NULL, NULL, NULL, NULL, &n,
                       NULL);
  return n;
}

#define ASSERT_LABEL(builder, text, want)                                   \
  do {                                                                      \
    fixture f_ = scan_with((builder), (text), strlen(text), 0);            \
    CHECK_STR(f_.r ? bunryu_result_label(f_.r) : "(no result)", (want));   \
    fixture_free(&f_);                                                      \
  } while (0)

/* ----------------------------------------------------------------------
** Scoring and labels
** -------------------------------------------------------------------- */

TEST(engine_title_weight_decides_label) {
  /* Title 법안 (2 x 3 = 6) outweighs two body 출시 hits (2). */
  ASSERT_LABEL(small_rules(), "법안 처리 지연\n\n신제품 출시와 출시 일정", "policy");
  ASSERT_LABEL(small_rules(), "신제품 출시\n\n법안 이야기", "company");
}

TEST(engine_scores_are_ranked_with_values) {
  const char *doc = "국회 법안 통과\n\n출시";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  CHECK_INT(f.rc, BUNRYU_OK);
  CHECK_SIZE(bunryu_result_category_count(f.r), 2);
  CHECK_STR(bunryu_result_category_name(f.r, 0), "policy");
  CHECK(bunryu_result_category_score(f.r, 0) == 9.0); /* (2 + 1) x 3 */
  CHECK(bunryu_result_category_score(f.r, 1) == 1.0);
  fixture_free(&f);
}

TEST(engine_no_label_below_threshold) {
  bunryu_builder *b = small_rules();
  bunryu_builder_set_threshold(b, -1, 5.0);
  ASSERT_LABEL(b, "제목\n\n법안", NULL);
  b = small_rules();
  bunryu_builder_set_threshold(b, 0, 10.0); /* policy only */
  ASSERT_LABEL(b, "국회 법안\n\n본문", NULL);
}

TEST(engine_empty_document_has_no_label) {
  fixture f = scan_with(small_rules(), "", 0, 0);
  CHECK_INT(f.rc, BUNRYU_OK);
  CHECK(bunryu_result_label(f.r) == NULL);
  CHECK_SIZE(bunryu_result_category_count(f.r), 0);
  fixture_free(&f);
}

TEST(engine_keyword_inside_longer_keyword_counts_once) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "law", NULL);
  bunryu_builder_add_keyword(b, c, "기본법", 1.0, 0, 0);
  bunryu_builder_add_keyword(b, c, "AI 기본법", 5.0, 0, 0);
  fixture f = scan_with(b, "제목\n\nAI 기본법 제정", strlen("제목\n\nAI 기본법 제정"), 0);
  CHECK(bunryu_result_category_score(f.r, 0) == 5.0);
  fixture_free(&f);
}

TEST(engine_negative_keyword_suppresses_what_it_contains) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "law", NULL);
  bunryu_builder_add_keyword(b, c, "법", 1.0, 0, 0);
  bunryu_builder_add_keyword(b, c, "방법", -0.5, 0, 0);
  const char *doc = "제목\n\n새로운 방법과 법";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK(bunryu_result_category_score(f.r, 0) == 0.5); /* 1 - 0.5 */
  fixture_free(&f);
}

TEST(engine_max_count_caps_repeats) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  bunryu_builder_add_keyword(b, c, "규제", 1.0, 0, 0);
  bunryu_builder_set_max_count(b, c, 2);
  const char *doc = "t\n\n규제 규제 규제 규제";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK(bunryu_result_category_score(f.r, 0) == 2.0);
  fixture_free(&f);
}

TEST(engine_keyword_limited_to_a_zone) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  bunryu_builder_add_keyword(b, c, "속보", 1.0, BUNRYU_ZONE_TITLE, 0);
  ASSERT_LABEL(b, "본문만\n\n속보", NULL);
  b = bunryu_builder_new();
  c = bunryu_builder_add_category(b, "x", NULL);
  bunryu_builder_add_keyword(b, c, "속보", 1.0, BUNRYU_ZONE_TITLE, 0);
  ASSERT_LABEL(b, "속보\n\n본문", "x");
}

TEST(engine_lead_zone_is_the_first_lines) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  bunryu_builder_set_zone_weight(b, c, BUNRYU_ZONE_LEAD, 2.0);
  bunryu_builder_add_keyword(b, c, "계약", 1.0, 0, 0);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LEAD_BYTES, 10);
  const char *doc = "제목\n\n첫 줄에 계약이 있다\n둘째 줄에도 계약";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK(bunryu_result_category_score(f.r, 0) == 3.0); /* lead 2 + body 1 */
  fixture_free(&f);
}

/* ----------------------------------------------------------------------
** Entities, boundaries and offsets
** -------------------------------------------------------------------- */

/* Hits far from arrival order: every pattern hit comes after every
   keyword and alias hit, so the in-order sorts run past their budget of
   moves and hand over to the general sort; 200 distinct entities also grow
   the entity table past its first size. */
TEST(engine_many_hits_out_of_arrival_order) {
  bunryu_builder *b = bunryu_builder_new();
  int cat = bunryu_builder_add_category(b, "code", "코드");
  bunryu_builder_add_keyword(b, cat, "kw", 1.0, 0, BUNRYU_LIT_WORD);
  bunryu_builder_add_pattern(b, cat, "\\bP[0-9]+\\b", 2.0, 0, 0);
  int item = bunryu_builder_add_entity_type(b, "item", 0);
  int law = bunryu_builder_add_entity_type(b, "law", 0);
  char text[8192] = "", alias[16], canon[16];
  size_t len = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(alias, sizeof alias, "e%03d", i);
    snprintf(canon, sizeof canon, "E%03d", i);
    bunryu_builder_add_alias(b, item, canon, alias, BUNRYU_LIT_WORD);
  }
  bunryu_builder_add_entity_pattern(b, law, "\\bL[0-9]+\\b", 0);
  for (int rep = 0; rep < 2; rep++)
    for (int i = 0; i < 100; i++)
      len += (size_t)snprintf(text + len, sizeof text - len,
                              "e%03d kw L%d P%d ", i, i, i);
  fixture f = scan_with(b, text, len, 0);
  CHECK_INT(f.rc, BUNRYU_OK);
  if (f.r) {
    CHECK_SIZE(bunryu_result_entity_count(f.r), 200);
    for (size_t i = 0; i < bunryu_result_entity_count(f.r); i++) {
      CHECK_SIZE(entity_count(f.r, (int)i), 2);
      if (i) CHECK(entity_start(f.r, (int)i - 1) < entity_start(f.r, (int)i));
    }
    CHECK(bunryu_result_category_score(f.r, 0) == 600.0);
  }
  fixture_free(&f);
}

TEST(engine_entity_counts_and_first_span) {
  const char *doc = "오픈AI 소식\n\n오픈AI는 새 모델을, 오픈AI의 경쟁사 메타는 다른 모델을";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  int i = find_entity(f.r, "OpenAI");
  CHECK(i >= 0);
  if (i >= 0) {
    CHECK_SIZE(entity_start(f.r, i), 0);
    CHECK_SIZE(entity_end(f.r, i), strlen("오픈AI"));
    CHECK_SIZE(entity_count(f.r, i), 3);
  }
  CHECK(find_entity(f.r, "Meta") >= 0);
  fixture_free(&f);
}

TEST(engine_whole_word_alias_not_inside_longer_word) {
  const char *doc = "제목\n\n메타버스 플랫폼과 드라마";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  CHECK(find_entity(f.r, "Meta") < 0);
  fixture_free(&f);
}

TEST(engine_latin_alias_only_at_word_edges) {
  const char *doc = "제목\n\nMSG와 AIMS는 MS의 제품이 아니다";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  int i = find_entity(f.r, "Microsoft");
  CHECK(i >= 0);
  if (i >= 0) {
    CHECK_SIZE(entity_count(f.r, i), 1);
    CHECK_SIZE(entity_start(f.r, i), strlen("제목\n\nMSG와 AIMS는 "));
  }
  fixture_free(&f);
}

TEST(engine_exact_case_alias_rejects_other_case) {
  const char *doc = "제목\n\nms 단위와 Ms. Kim";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  CHECK(find_entity(f.r, "Microsoft") < 0);
  fixture_free(&f);
}

TEST(engine_fullwidth_caseless_alias_maps_to_input_bytes) {
  /* ＯｐｅｎＡＩ is 6 full-width letters of 3 bytes each. */
  const char *doc = "제목\n\n회사 ＯｐｅｎＡＩ 발표";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  int i = find_entity(f.r, "OpenAI");
  CHECK(i >= 0);
  if (i >= 0) {
    size_t start = strlen("제목\n\n회사 ");
    CHECK_SIZE(entity_start(f.r, i), start);
    CHECK_SIZE(entity_end(f.r, i), start + 18);
  }
  fixture_free(&f);
}

TEST(engine_nfd_hangul_hits_map_to_input_bytes) {
  /* 메타 written as conjoining jamo (NFD): ᄆ ᅦ ᄐ ᅡ, 12 bytes. */
  const char *doc = "제목\n\n새 \xe1\x84\x86\xe1\x85\xa6\xe1\x84\x90\xe1\x85\xa1는 발표";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  int i = find_entity(f.r, "Meta");
  CHECK(i >= 0);
  if (i >= 0) {
    size_t start = strlen("제목\n\n새 ");
    CHECK_SIZE(entity_start(f.r, i), start);
    CHECK_SIZE(entity_end(f.r, i), start + 12);
  }
  fixture_free(&f);
}

TEST(engine_zero_width_space_inside_a_name_still_matches) {
  const char *doc = "제목\n\n오픈\xe2\x80\x8b" "AI는 발표";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  int i = find_entity(f.r, "OpenAI");
  CHECK(i >= 0);
  if (i >= 0) CHECK_SIZE(entity_end(f.r, i) - entity_start(f.r, i), 11);
  fixture_free(&f);
}

TEST(engine_longer_entity_wins_overlap_then_priority) {
  bunryu_builder *b = bunryu_builder_new();
  int firm = bunryu_builder_add_entity_type(b, "company", 1);
  int law = bunryu_builder_add_entity_type(b, "law", 5);
  bunryu_builder_add_alias(b, firm, "Apple", "애플", 0);
  bunryu_builder_add_alias(b, firm, "Apple Music", "애플뮤직", 0);
  bunryu_builder_add_alias(b, law, "Apple Law", "애플", 0);
  const char *doc = "제목\n\n애플뮤직 그리고 애플";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK(find_entity(f.r, "Apple Music") >= 0);
  CHECK(find_entity(f.r, "Apple Law") >= 0); /* same span: priority 5 wins */
  CHECK(find_entity(f.r, "Apple") < 0);
  fixture_free(&f);
}

TEST(engine_entity_pattern_name_group_and_alias_mapping) {
  bunryu_builder *b = bunryu_builder_new();
  int law = bunryu_builder_add_entity_type(b, "law", 0);
  bunryu_builder_add_alias(b, law, "AI Act", "EU AI 법", 0);
  CHECK_INT(bunryu_builder_add_entity_pattern(b, law, "「(?<name>[^」]{1,40})」", 0),
            BUNRYU_OK);
  const char *doc = "제목\n\n「개인정보 보호법」과 「EU AI 법」";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  int i = find_entity(f.r, "개인정보 보호법");
  CHECK(i >= 0);
  if (i >= 0) CHECK_SIZE(entity_start(f.r, i), strlen("제목\n\n「"));
  CHECK(find_entity(f.r, "AI Act") >= 0);
  fixture_free(&f);
}

TEST(engine_pattern_names_map_only_to_aliases_of_their_type) {
  /* Types with aliases on both sides of one without: a name that is an
     alias of another type stays as captured; an alias of its own type
     maps, as captured or folded (a caseless alias is kept folded). The
     names are glued to their delimiters, so no alias hits as a literal. */
  bunryu_builder *b = bunryu_builder_new();
  int firm = bunryu_builder_add_entity_type(b, "company", 0);
  int law = bunryu_builder_add_entity_type(b, "law", 0);
  int org = bunryu_builder_add_entity_type(b, "org", 0);
  bunryu_builder_add_alias(b, firm, "Apple", "애플", BUNRYU_LIT_WORD);
  bunryu_builder_add_alias(b, org, "Apple Org", "애플", BUNRYU_LIT_WORD);
  bunryu_builder_add_alias(b, org, "United Nations", "UN",
                           BUNRYU_LIT_WORD | BUNRYU_LIT_CASELESS);
  const struct { int *type; const char *re; } pats[] = {
      {&law, "삼(?<name>[^삼\\s]+)삼"},
      {&org, "오(?<name>[^오\\s]+)오"},
      {&org, "q(?<name>[A-Z]+)q"},
      {&firm, "회(?<name>[^회\\s]+)회"},
      {&firm, "z(?<name>[A-Z]+)z"},
  };
  for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
    CHECK_INT(bunryu_builder_add_entity_pattern(b, *pats[i].type, pats[i].re,
                                                0),
              BUNRYU_OK);
  const char *doc = "제목\n\n삼애플삼 오애플오 qUNq qWHOq 회애플회 zUNz";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK_SIZE(bunryu_result_entity_count(f.r), 6);
  CHECK(find_entity(f.r, "애플") >= 0);           /* law: no aliases */
  CHECK(find_entity(f.r, "Apple Org") >= 0);      /* org: as captured */
  CHECK(find_entity(f.r, "United Nations") >= 0); /* org: folded */
  CHECK(find_entity(f.r, "WHO") >= 0);            /* org: no such alias */
  CHECK(find_entity(f.r, "Apple") >= 0);          /* company */
  CHECK(find_entity(f.r, "UN") >= 0);             /* company: org's alias */
  fixture_free(&f);
}

TEST(engine_ignored_spans_do_not_count) {
  bunryu_builder *b = small_rules();
  CHECK_INT(bunryu_builder_add_ignore(b, "(?m)^출처:.*$", 0), BUNRYU_OK);
  const char *doc = "제목\n\n본문\n출처: 오픈AI 법안 블로그";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK_SIZE(bunryu_result_entity_count(f.r), 0);
  CHECK_SIZE(bunryu_result_category_count(f.r), 0);
  fixture_free(&f);
}

TEST(engine_category_pattern_scores) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "bill", NULL);
  CHECK_INT(bunryu_builder_add_pattern(b, c, "(?<![A-Za-z0-9])SB\\s?\\d{2,5}", 2.0, 0, 0),
            BUNRYU_OK);
  const char *doc = "제목\n\n캘리포니아 SB 1047과 SB1001, ASB 12";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK(bunryu_result_category_score(f.r, 0) == 4.0);
  fixture_free(&f);
}

TEST(engine_scan_zones_offsets_are_per_zone) {
  bunryu_builder *b = small_rules();
  bunryu_engine *e = build(b);
  bunryu_scanner *s = bunryu_scanner_new(e, NULL, 0);
  const bunryu_result *r;
  const char *title = "메타 발표", *body = "본문에 오픈AI가";
  CHECK_INT(bunryu_scan_zones(s, title, strlen(title), body, strlen(body), 0, &r),
            BUNRYU_OK);
  int i = find_entity(r, "OpenAI");
  CHECK(i >= 0);
  if (i >= 0) CHECK_SIZE(entity_start(r, i), strlen("본문에 "));
  i = find_entity(r, "Meta");
  unsigned zone = 0;
  if (i >= 0)
    bunryu_result_entity(r, (size_t)i, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &zone);
  CHECK(zone == BUNRYU_ZONE_TITLE);
  bunryu_scanner_free(s);
  bunryu_engine_free(e);
}

/* ----------------------------------------------------------------------
** Errors and limits
** -------------------------------------------------------------------- */

TEST(engine_invalid_utf8_fails_or_is_replaced) {
  const char doc[] = "제목\n\n오픈AI \xff\xfe 법안";
  fixture f = scan_with(small_rules(), doc, sizeof doc - 1, 0);
  CHECK_INT(f.rc, BUNRYU_EUTF8);
  CHECK(strstr(bunryu_result_error_message(f.r), "invalid UTF-8") != NULL);
  CHECK_INT(bunryu_result_error(f.r), BUNRYU_EUTF8);
  const bunryu_result *r;
  CHECK_INT(bunryu_scan(f.s, doc, sizeof doc - 1, BUNRYU_SCAN_REPLACE_INVALID, &r),
            BUNRYU_OK);
  int i = find_entity(r, "OpenAI");
  CHECK(i >= 0);
  if (i >= 0) CHECK_SIZE(entity_start(r, i), strlen("제목\n\n"));
  fixture_free(&f);
}

TEST(engine_nul_bytes_are_text) {
  const char doc[] = "제목\n\n\0오픈AI\0법안";
  fixture f = scan_with(small_rules(), doc, sizeof doc - 1, 0);
  CHECK_INT(f.rc, BUNRYU_OK);
  CHECK(find_entity(f.r, "OpenAI") >= 0);
  fixture_free(&f);
}

TEST(engine_oversized_input_is_an_error_not_a_truncation) {
  bunryu_builder *b = small_rules();
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_INPUT_BYTES, 16);
  const char *doc = "제목\n\n이 문서는 열여섯 바이트보다 길다";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK_INT(f.rc, BUNRYU_ETOOBIG);
  CHECK(strstr(bunryu_result_error_message(f.r), "BUNRYU_LIMIT_INPUT_BYTES"));
  fixture_free(&f);
}

TEST(engine_catastrophic_regex_is_a_limit_error) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  CHECK_INT(bunryu_builder_add_pattern(b, c, "(a+)+$", 1.0, 0, 0), BUNRYU_OK);
  char doc[4096];
  memset(doc, 'a', sizeof doc - 2);
  doc[sizeof doc - 2] = 'b';
  doc[sizeof doc - 1] = '\0';
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK_INT(f.rc, BUNRYU_ELIMIT);
  /* The scanner stays usable. */
  const bunryu_result *r;
  CHECK_INT(bunryu_scan(f.s, "aaa", 3, 0, &r), BUNRYU_OK);
  fixture_free(&f);
}

TEST(engine_split_suffix_limit_is_a_limit_error) {
  /* The suffix checked at the literal runs into the match limit first. */
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  CHECK_INT(bunryu_builder_add_pattern(b, c, "[가-힣]{1,3}법안(x+x+)+$", 1.0,
                                       0, 0),
            BUNRYU_OK);
  char doc[512] = "제목\n\n개인법안";
  size_t at = strlen(doc);
  memset(doc + at, 'x', 200);
  strcpy(doc + at + 200, "z");
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK_INT(f.rc, BUNRYU_ELIMIT);
  CHECK(f.e && f.e->pats[0].suffix != NULL);
  CHECK(strstr(bunryu_result_error_message(f.r), "limit") != NULL);
  fixture_free(&f);
}

TEST(engine_hit_limit_is_an_error) {
  bunryu_builder *b = small_rules();
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_HITS, 3);
  const char *doc = "t\n\n법안 법안 법안 법안 법안";
  fixture f = scan_with(b, doc, strlen(doc), 0);
  CHECK_INT(f.rc, BUNRYU_ELIMIT);
  CHECK(strstr(bunryu_result_error_message(f.r), "BUNRYU_LIMIT_HITS"));
  fixture_free(&f);
}

TEST(engine_bad_rules_are_diagnosed) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  CHECK_INT(bunryu_builder_add_category(b, "x", NULL), BUNRYU_ERULE);
  bunryu_builder_set_location(b, "rules/x.lua", 7);
  CHECK_INT(bunryu_builder_add_pattern(b, c, "ab(c", 1.0, 0, 0), BUNRYU_ERULE);
  CHECK_INT(bunryu_builder_add_keyword(b, c, "\xe2\x80\x8b", 1.0, 0, 0), BUNRYU_ERULE);
  int firm = bunryu_builder_add_entity_type(b, "company", 0);
  CHECK_INT(bunryu_builder_add_alias(b, firm, "Apple", "애플", 0), BUNRYU_OK);
  CHECK_INT(bunryu_builder_add_alias(b, firm, "Apple", "애플", 0), BUNRYU_OK);
  CHECK_INT(bunryu_builder_add_alias(b, firm, "Apple Inc", "애플", 0), BUNRYU_ERULE);
  int sev, line, off;
  const char *file;
  const char *msg = bunryu_builder_diag(b, 1, &sev, &file, &line, &off);
  CHECK(msg && strstr(msg, "offset 4"));
  CHECK_STR(file, "rules/x.lua");
  CHECK_INT(line, 7);
  CHECK_INT(off, 4);
  CHECK(strstr(bunryu_builder_error(b), "two canonical names") != NULL);
  bunryu_engine *e = NULL;
  CHECK_INT(bunryu_builder_build(b, &e), BUNRYU_ERULE);
  CHECK(e == NULL);
  bunryu_builder_free(b);
}

TEST(engine_bad_arguments_are_einval) {
  CHECK_INT(bunryu_builder_add_keyword(NULL, 0, "x", 1, 0, 0), BUNRYU_EINVAL);
  bunryu_builder *b = bunryu_builder_new();
  CHECK_INT(bunryu_builder_add_keyword(b, 3, "x", 1, 0, 0), BUNRYU_EINVAL);
  CHECK_INT(bunryu_builder_set_limit(b, BUNRYU_LIMIT_COUNT_, 1), BUNRYU_EINVAL);
  CHECK(bunryu_scanner_new(NULL, NULL, 0) == NULL);
  CHECK_INT(bunryu_scan(NULL, "x", 1, 0, NULL), BUNRYU_EINVAL);
  bunryu_builder_free(b);
  CHECK_STR(bunryu_strerror(BUNRYU_ELIMIT), "a limit was exceeded");
  CHECK_STR(bunryu_version(), BUNRYU_VERSION_STRING);
}

TEST(engine_fifty_megabytes_scan) {
  size_t n = 50u * 1024 * 1024;
  char *doc = malloc(n + 1);
  CHECK(doc != NULL);
  if (!doc) return;
  const char *line = "오픈AI와 국회가 법안을 논의했다. ";
  size_t k = strlen(line), pos = 0;
  memcpy(doc, "제목\n\n", 8);
  pos = 8;
  while (pos + k < n) {
    memcpy(doc + pos, line, k);
    pos += k;
  }
  bunryu_builder *b = small_rules();
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_HITS, 8000000); /* 3 per line */
  fixture f = scan_with(b, doc, pos, 0);
  CHECK_INT(f.rc, BUNRYU_OK);
  int i = find_entity(f.r, "OpenAI");
  CHECK(i >= 0);
  if (i >= 0) CHECK_SIZE(entity_count(f.r, i), (pos - 8) / k);
  CHECK_STR(bunryu_result_label(f.r), "policy");
  fixture_free(&f);
  free(doc);
}

/* ----------------------------------------------------------------------
** JSON
** -------------------------------------------------------------------- */

TEST(engine_json_matches_the_output_format) {
  const char *doc = "오픈AI 법안\n\n본문";
  fixture f = scan_with(small_rules(), doc, strlen(doc), 0);
  const char *json = bunryu_result_json(f.r, "doc-1", "a/doc-1.txt",
                                        BUNRYU_JSON_NO_TIMING, NULL);
  CHECK_STR(json,
            "{\"id\": \"doc-1\", \"path\": \"a/doc-1.txt\", \"label\": \"policy\", "
            "\"categories\": [{\"name\": \"policy\", \"score\": 6.0}], "
            "\"entities\": [{\"type\": \"company\", \"name\": \"OpenAI\", "
            "\"text\": \"오픈AI\", \"start\": 0, \"end\": 8, \"count\": 1, "
            "\"zone\": \"title\"}]}");
  json = bunryu_result_json(f.r, NULL, NULL, 0, NULL);
  CHECK(json && strstr(json, "\"elapsed_us\": "));
  fixture_free(&f);
}

TEST(engine_json_escapes_any_bytes) {
  bunryu_builder *b = bunryu_builder_new();
  int law = bunryu_builder_add_entity_type(b, "law", 0);
  bunryu_builder_add_entity_pattern(b, law, "<(?<name>[^>]*)>", 0);
  const char doc[] = "t\n\n<a\"b\\c\x01\t\xf0\x9f\x98\x80\xe2\x80\xa8\xff>";
  fixture f = scan_with(b, doc, sizeof doc - 1, BUNRYU_SCAN_REPLACE_INVALID);
  const char *json = bunryu_result_json(f.r, "id\n\"x\"", NULL,
                                        BUNRYU_JSON_NO_TIMING, NULL);
  CHECK(json != NULL);
  if (json) {
    CHECK(strstr(json, "\"id\": \"id\\n\\\"x\\\"\"") != NULL);
    CHECK(strstr(json, "a\\\"b\\\\c\\u0001\\t\xf0\x9f\x98\x80\\u2028") != NULL);
    CHECK(strstr(json, "\\ufffd") != NULL); /* the raw \xff in "text" */
    for (const unsigned char *p = (const unsigned char *)json; *p; p++)
      CHECK(*p >= 0x20);
  }
  fixture_free(&f);
}

TEST(engine_json_error_record) {
  const char doc[] = "\xc3";
  fixture f = scan_with(small_rules(), doc, 1, 0);
  const char *json = bunryu_result_json(f.r, "bad", "x/bad.txt",
                                        BUNRYU_JSON_NO_TIMING, NULL);
  CHECK_STR(json, "{\"id\": \"bad\", \"path\": \"x/bad.txt\", "
                  "\"error\": \"invalid UTF-8 at byte 0\"}");
  fixture_free(&f);
}

/* ----------------------------------------------------------------------
** Allocation and lifetimes
** -------------------------------------------------------------------- */

typedef struct counting {
  long live;        /* blocks not yet freed */
  long budget;      /* allocations left before failing; < 0: unlimited */
  long long bytes;  /* sizes given minus sizes taken back (osize) */
  unsigned threads; /* for bunryu_builder_set_threads; 0 leaves the default */
} counting;

/* A build on two threads calls the hook from both. */
static pthread_mutex_t counting_mu = PTHREAD_MUTEX_INITIALIZER;

/* The hook's contract: osize is the size the block was given. Summing what
   goes out and what comes back checks that the library keeps it. */
static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  counting *c = ud;
  void *p = NULL;
  pthread_mutex_lock(&counting_mu);
  if (nsize == 0) {
    if (ptr) c->live--, c->bytes -= (long long)osize;
    free(ptr);
  } else if (c->budget != 0) {
    if (c->budget > 0) c->budget--;
    p = realloc(ptr, nsize);
    if (p && !ptr) c->live++;
    if (p) c->bytes += (long long)nsize - (ptr ? (long long)osize : 0);
  }
  pthread_mutex_unlock(&counting_mu);
  return p;
}

static bunryu_builder *counting_builder(counting *c) {
  bunryu_builder *b = bunryu_builder_new_with_alloc(counting_alloc, c);
  if (b && c->threads) bunryu_builder_set_threads(b, c->threads);
  return b;
}

/* Builds b (and frees it) and returns a scanner that holds the engine,
   or NULL when an allocation failed on the way: under a failing
   allocator, unlike build(), failure is expected. */
static bunryu_scanner *scanner_of(bunryu_builder *b) {
  bunryu_engine *e = NULL;
  bunryu_builder_build(b, &e);
  bunryu_builder_free(b);
  if (!e) return NULL;
  bunryu_scanner *s = bunryu_scanner_new(e, NULL, 0);
  bunryu_engine_free(e);
  return s;
}

/* Runs the whole API once with an allocator that fails after `budget`
   allocations; returns whether it got a classification through. */
static int run_with_budget(counting *c) {
  bunryu_builder *b = counting_builder(c);
  if (!b) return 0;
  int pol = bunryu_builder_add_category(b, "policy", NULL);
  int firm = bunryu_builder_add_entity_type(b, "company", 0);
  if (pol >= 0) bunryu_builder_add_keyword(b, pol, "법안", 1, 0, 0);
  if (pol >= 0) bunryu_builder_add_pattern(b, pol, "국회\\S*", 1, 0, 0);
  if (firm >= 0) bunryu_builder_add_alias(b, firm, "OpenAI", "ＯｐｅｎＡＩ", BUNRYU_LIT_CASELESS);
  bunryu_scanner *s = scanner_of(b);
  if (!s) return 0;
  const bunryu_result *r;
  const char *doc = "국회 법안\n\nopenai 와 ＯＰＥＮＡＩ 법안";
  int rc = bunryu_scan(s, doc, strlen(doc), BUNRYU_SCAN_EVIDENCE, &r);
  const char *json = bunryu_result_json(r, "x", NULL, BUNRYU_JSON_EVIDENCE, NULL);
  int ok = rc == BUNRYU_OK && json && bunryu_result_label(r);
  bunryu_scanner_free(s);
  return ok;
}

TEST(engine_allocator_hook_sees_everything_freed) {
  counting c = {0, -1, 0, 0};
  CHECK(run_with_budget(&c));
  CHECK_INT(c.live, 0);
  CHECK_INT(c.bytes, 0); /* every free told the size it was given */
}

/* Runs `run` with the allocator failing after 0, 1, 2 ... allocations
   until one run gets through: none may leak, and one must succeed. */
static void check_failures_are_clean(int (*run)(counting *), long max_budget,
                                     unsigned threads) {
  int succeeded = 0;
  for (long budget = 0; budget < max_budget && !succeeded; budget++) {
    counting c = {0, budget, 0, threads};
    succeeded = run(&c);
    if (c.live != 0) {
      char msg[64];
      snprintf(msg, sizeof msg, "budget %ld leaked %ld blocks", budget, c.live);
      CHECK(unit_check(0, __FILE__, __LINE__, "no leak", msg));
      break;
    }
  }
  CHECK(succeeded);
}

TEST(engine_allocation_failures_never_crash_or_leak) {
  check_failures_are_clean(run_with_budget, 400, 0);
}

/* The same with a pattern split at its literal (a suffix, a walk and the
   probe that builds it); whether law names were found. */
static int run_split_with_budget(counting *c) {
  bunryu_builder *b = counting_builder(c);
  if (!b) return 0;
  int pol = bunryu_builder_add_category(b, "policy", NULL);
  if (pol >= 0)
    bunryu_builder_add_pattern(b, pol, "[가-힣]{2,8}\\s?(?:법안|법)(?=\\s|$)",
                               1, 0, 0);
  bunryu_scanner *s = scanner_of(b);
  if (!s) return 0;
  const bunryu_result *r;
  const char *doc = "개인정보 보호법 개정\n\n좋은 방법 데이터 기본법안";
  int rc = bunryu_scan(s, doc, strlen(doc), 0, &r);
  int ok = rc == BUNRYU_OK && bunryu_result_label(r);
  bunryu_scanner_free(s);
  return ok;
}

TEST(engine_split_pattern_allocation_failures_are_clean) {
  check_failures_are_clean(run_split_with_budget, 1000, 0);
}

/* The regex side fails on its own thread while the automaton is built. */
TEST(engine_two_thread_build_allocation_failures_are_clean) {
  check_failures_are_clean(run_split_with_budget, 1000, 2);
  check_failures_are_clean(run_with_budget, 400, 2);
}

TEST(engine_outlives_its_handle_while_scanners_exist) {
  bunryu_engine *e = build(small_rules());
  bunryu_scanner *s1 = bunryu_scanner_new(e, NULL, 0);
  bunryu_scanner *s2 = bunryu_scanner_new(e, NULL, 0);
  bunryu_engine_free(e);
  const bunryu_result *r;
  CHECK_INT(bunryu_scan(s1, "법안", strlen("법안"), 0, &r), BUNRYU_OK);
  bunryu_scanner_free(s1);
  CHECK_INT(bunryu_scan(s2, "법안", strlen("법안"), 0, &r), BUNRYU_OK);
  CHECK_STR(bunryu_result_label(r), "policy");
  bunryu_scanner_free(s2);
}

TEST(engine_many_interleaved_hits_sort_and_score) {
  /* Keyword hits arrive first, regex hits after them: sorting them into
     place takes the qsort fallback; containment must still hold (each
     "ab1" pattern hit contains an "ab" keyword hit). */
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  bunryu_builder_add_keyword(b, c, "ab", 1.0, 0, 0);
  bunryu_builder_add_keyword(b, c, "zz", 1.0, 0, 0);
  CHECK_INT(bunryu_builder_add_pattern(b, c, "ab\\d", 10.0, 0, 0), BUNRYU_OK);
  static char doc[20000];
  size_t n = 0;
  n += (size_t)snprintf(doc, sizeof doc, "t\n\n");
  for (int i = 0; i < 1500; i++)
    n += (size_t)snprintf(doc + n, sizeof doc - n, "ab%d zz ", i % 10);
  fixture f = scan_with(b, doc, n, 0);
  CHECK_INT(f.rc, BUNRYU_OK);
  /* 1500 pattern hits (10 each) win over the keyword inside them; 1500 zz */
  CHECK(bunryu_result_category_score(f.r, 0) == 1500 * 10.0 + 1500 * 1.0);
  fixture_free(&f);
}

/* ----------------------------------------------------------------------
** Entity overlaps against a reference
** -------------------------------------------------------------------- */

typedef struct ref_hit {
  int type;
  size_t start, end; /* bytes */
  const char *name;
} ref_hit;

typedef struct ref_entity {
  int type;
  const char *name;
  size_t start, end, count;
} ref_entity;

static unsigned lcg(unsigned *x) {
  *x = *x * 1103515245u + 12345u;
  return (*x >> 16) & 0x7fff;
}

/* The rule in its plainest form: every occurrence is a candidate; the
   longest wins, then the higher priority, then the earlier, then the
   lower type; a candidate overlapping a winner is dropped. */
static size_t reference_entities(const ref_hit *cand, size_t n,
                                 const int *priority, ref_entity *out) {
  bool *kept = calloc(n ? n : 1, sizeof *kept), *taken = NULL;
  size_t *order = malloc((n ? n : 1) * sizeof *order), text_end = 0, m = 0;
  for (size_t i = 0; i < n; i++) {
    order[i] = i;
    if (cand[i].end > text_end) text_end = cand[i].end;
  }
  taken = calloc(text_end + 1, sizeof *taken);
  for (size_t i = 1; i < n; i++) /* insertion sort into precedence */
    for (size_t j = i; j > 0; j--) {
      const ref_hit *x = &cand[order[j - 1]], *y = &cand[order[j]];
      size_t lx = x->end - x->start, ly = y->end - y->start;
      bool before = ly != lx ? ly > lx
                   : priority[y->type] != priority[x->type]
                       ? priority[y->type] > priority[x->type]
                   : y->start != x->start ? y->start < x->start
                                          : y->type < x->type;
      if (!before) break;
      size_t t = order[j]; order[j] = order[j - 1]; order[j - 1] = t;
    }
  for (size_t k = 0; k < n; k++) {
    const ref_hit *h = &cand[order[k]];
    bool free_span = true;
    for (size_t p = h->start; p < h->end; p++) free_span &= !taken[p];
    if (!free_span) continue;
    for (size_t p = h->start; p < h->end; p++) taken[p] = true;
    kept[order[k]] = true;
  }
  /* candidates are in position order: group kept ones by (type, name) */
  for (size_t i = 0; i < n; i++) {
    if (!kept[i]) continue;
    size_t e = 0;
    while (e < m && !(out[e].type == cand[i].type &&
                      strcmp(out[e].name, cand[i].name) == 0))
      e++;
    if (e == m)
      out[m++] = (ref_entity){cand[i].type, cand[i].name, cand[i].start,
                              cand[i].end, 0};
    out[e].count++;
  }
  free(kept);
  free(order);
  free(taken);
  return m;
}

TEST(engine_entity_overlaps_match_the_reference_rule) {
  /* Hangul has no word-edge rule for plain aliases, so every occurrence of
     every alias is a candidate: random aliases over four syllables make
     long chains of overlaps in a one-line document (all title). */
  static const char *const syl[] = {"가", "나", "다", "라"};
  static const int priority[3] = {0, 1, 1};
  unsigned seed = 7;
  for (int round = 0; round < 40; round++) {
    char alias[24][16], canon[24][24];
    int alias_type[24];
    bunryu_builder *b = bunryu_builder_new();
    for (int t = 0; t < 3; t++) {
      char tn[8];
      snprintf(tn, sizeof tn, "t%d", t);
      bunryu_builder_add_entity_type(b, tn, priority[t]);
    }
    int na = 0;
    for (int k = 0; k < 24; k++) {
      int len = 1 + (int)(lcg(&seed) % 4);
      alias[na][0] = '\0';
      for (int i = 0; i < len; i++) strcat(alias[na], syl[lcg(&seed) % 4]);
      alias_type[na] = (int)(lcg(&seed) % 3);
      bool dup = false;
      for (int j = 0; j < na; j++)
        dup |= alias_type[j] == alias_type[na] && !strcmp(alias[j], alias[na]);
      if (dup) continue;
      snprintf(canon[na], sizeof canon[na], "T%d:%s", alias_type[na], alias[na]);
      CHECK_INT(bunryu_builder_add_alias(b, alias_type[na], canon[na],
                                         alias[na], 0),
                BUNRYU_OK);
      na++;
    }
    char doc[3 * 200 + 1] = "";
    int nsyl = 20 + (int)(lcg(&seed) % 180);
    for (int i = 0; i < nsyl; i++) strcat(doc, syl[lcg(&seed) % 4]);
    size_t dlen = strlen(doc);
    ref_hit *cand = malloc(dlen * (size_t)na * sizeof *cand);
    size_t nc = 0;
    for (size_t p = 0; p < dlen; p += 3) /* position order */
      for (int a = 0; a < na; a++)
        if (!strncmp(doc + p, alias[a], strlen(alias[a])))
          cand[nc++] = (ref_hit){alias_type[a], p, p + strlen(alias[a]),
                                 canon[a]};
    ref_entity *want = malloc((nc ? nc : 1) * sizeof *want);
    size_t nw = reference_entities(cand, nc, priority, want);
    fixture f = scan_with(b, doc, dlen, 0);
    CHECK_INT(f.rc, BUNRYU_OK);
    if (!CHECK_SIZE(bunryu_result_entity_count(f.r), nw)) nw = 0;
    for (size_t i = 0; i < nw; i++) {
      const char *type, *name;
      size_t start, end, count;
      bunryu_result_entity(f.r, i, &type, &name, NULL, NULL, &start, &end,
                           &count, NULL);
      char want_type[8];
      snprintf(want_type, sizeof want_type, "t%d", want[i].type);
      CHECK_STR(type, want_type);
      CHECK_STR(name, want[i].name);
      CHECK_SIZE(start, want[i].start);
      CHECK_SIZE(end, want[i].end);
      CHECK_SIZE(count, want[i].count);
    }
    fixture_free(&f);
    free(cand);
    free(want);
  }
}

/* ----------------------------------------------------------------------
** Triggered regex search = a full scan
**
** The engine searches a prefiltered pattern only around its literals, and
** a split one only where the rest of the pattern matches at the literal
** and from where the walk back says it may start. Whatever it skips, the
** matches must be those of one PCRE2 scan over the whole text: leftmost
** first, without overlaps.
** -------------------------------------------------------------------- */

typedef struct span_list {
  size_t *v; /* start, end pairs */
  size_t n, cap;
} span_list;

static void span_push(span_list *l, size_t start, size_t end) {
  if (l->n + 2 > l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->v = realloc(l->v, l->cap * sizeof *l->v);
    if (!l->v) abort();
  }
  l->v[l->n++] = start;
  l->v[l->n++] = end;
}

/* The matches of a full scan, searching on from each match's end (one
   character on after an empty one), as run_range does. */
static void full_scan(const regex *re, regex_scratch *rs, const char *text,
                      size_t len, span_list *out) {
  size_t from = 0, ms, me;
  while (from <= len && regex_find(re, rs, text, len, from, REGEX_UNBOUNDED,
                                   -1, &ms, &me, NULL, NULL) == 1) {
    span_push(out, ms, me);
    from = me > ms ? me : ms + 1;
    while (from < len && ((unsigned char)text[from] & 0xC0) == 0x80) from++;
  }
}

static int span_order(const void *a, const void *b) {
  const size_t *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return (x[1] > y[1]) - (x[1] < y[1]);
}

/* The pattern hits of a scan of text as one title zone (no zone edges
   inside), sorted. */
static int engine_spans(bunryu_scanner *s, const char *text, size_t len,
                        span_list *out) {
  const bunryu_result *r;
  int rc = bunryu_scan_zones(s, text, len, "", 0, BUNRYU_SCAN_EVIDENCE, &r);
  for (size_t i = 0; rc == BUNRYU_OK && i < bunryu_result_hit_count(r); i++) {
    size_t start, end;
    bunryu_result_hit(r, i, NULL, NULL, NULL, &start, &end, NULL, NULL);
    span_push(out, start, end);
  }
  if (out->n) qsort(out->v, out->n / 2, 2 * sizeof *out->v, span_order);
  return rc;
}

/* Whether the engine's text for text is text itself (NFC, nothing a
   caseless pattern would see folded), so that offsets compare. */
static bool text_is_normal(const char *text, size_t len) {
  mem m = mem_default();
  norm_text t;
  norm_text_init(&t);
  bool same = text_normalize(&t, &m, text, len, NORM_NFC, false, NULL) ==
                  BUNRYU_OK &&
              t.len == len && memcmp(t.buf, text, len) == 0 && !t.has_compat;
  norm_text_free(&t, &m);
  return same;
}

typedef struct diff_stats {
  int patterns, split, texts, compared;
} diff_stats;

/* Compares the engine with a full scan for the pattern `source` over texts[0..n). */
static void differential(const char *source, bool caseless,
                         char *const *texts, size_t n, diff_stats *st) {
  bunryu_builder *b = bunryu_builder_new();
  int cat = bunryu_builder_add_category(b, "c", NULL);
  unsigned flags = caseless ? BUNRYU_RE_CASELESS : 0;
  CHECK_INT(bunryu_builder_add_pattern(b, cat, source, 1.0, 0, flags),
            BUNRYU_OK);
  bunryu_engine *e = build(b);
  mem m = mem_default();
  regex *re = NULL;
  regex_compile(&m, source, caseless, &re, NULL, NULL, 0, NULL);
  regex_scratch *rs = regex_scratch_new(&m, NULL);
  bunryu_scanner *s = e ? bunryu_scanner_new(e, NULL, 0) : NULL;
  if (!s || !re || !rs) {
    unit_check(0, __FILE__, __LINE__, source, "setup failed");
  } else {
    st->patterns++;
    st->split += e->pats[0].suffix || e->pats[0].walk;
    for (size_t i = 0; i < n; i++) {
      size_t len = strlen(texts[i]);
      if (!text_is_normal(texts[i], len)) continue;
      span_list want = {0}, got = {0};
      full_scan(re, rs, texts[i], len, &want);
      int rc = engine_spans(s, texts[i], len, &got);
      bool same = rc == BUNRYU_OK && want.n == got.n &&
                  (want.n == 0 ||
                   memcmp(want.v, got.v, want.n * sizeof *want.v) == 0);
      if (!same) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "text %zu: engine %zu matches, full scan %zu (rc %d)", i,
                 got.n / 2, want.n / 2, rc);
        unit_check(0, __FILE__, __LINE__, source, msg);
      }
      st->compared++;
      free(want.v);
      free(got.v);
    }
  }
  bunryu_scanner_free(s);
  bunryu_engine_free(e);
  regex_scratch_free(rs);
  regex_free(re);
}

/* Texts made of tokens that the patterns below care about, in random
   order (xorshift, fixed seeds). */
static char *random_text(uint64_t seed) {
  static const char *const tokens[] = {
      "법", "법안", "법무부", "협약", "조약", "규정", "지침", "개인정보",
      "보호", "기본", "특별", "진흥", "저작권", "인공지능", "데이터", "에",
      "관한", "법률", "은", "는", "이", "가", "을", "를", "의", "도", "와",
      "과", "로", "방", "대", " ", " ", " ", " ", "\n", ",", ".", ")", "'",
      "’", "”", "·", "「", "」", "『", "』", "AI", "Act", "EU", "Digital",
      "Services", "Convention", "on", "the", "Treaty", "Bill", "SB", "HB",
      "H.R.", "1047", "12", "2024", "행정명령", "14110", "호", "제", "출처",
      "대통령령", "법률안", "협정", "규칙", "Code", "Charter", "Accord", "LD",
      ":", "https://", "example.com/a", "www.", "기업", "회사", "Nvidia",
      "X", "(옛 트위터)", "GDPR", "미국", "뉴욕주", "형", "x", "y", "z", "a",
      "b", "c", "k", "sb", "act", "ACT", "\t", "😀", "漢", "-", "*", "모델",
      "출시", "정식", "년", "월", "호"};
  uint64_t x = seed * 0x9E3779B97F4A7C15u + 1;
  size_t n_tokens = sizeof tokens / sizeof *tokens;
  size_t count = 50 + seed % 350, cap = 1, at = 0;
  for (size_t i = 0; i < count; i++) cap += 20;
  char *text = malloc(cap);
  if (!text) abort();
  for (size_t i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const char *tok = tokens[x % n_tokens];
    size_t len = strlen(tok);
    memcpy(text + at, tok, len);
    at += len;
  }
  text[at] = '\0';
  return text;
}

/* `unit` repeated n times, then `tail`. */
static char *long_run_text(const char *unit, const char *tail, size_t n) {
  size_t u = strlen(unit), t = strlen(tail);
  char *text = malloc(n * u + t + 1);
  if (!text) abort();
  for (size_t i = 0; i < n; i++) memcpy(text + i * u, unit, u);
  memcpy(text + n * u, tail, t + 1);
  return text;
}

/* Appends the .txt files of dir to texts (up to cap). */
static size_t add_article_texts(const char *dir, char **texts, size_t n,
                                size_t cap) {
  DIR *d = opendir(dir);
  if (!d) return n;
  struct dirent *ent;
  while (n < cap && (ent = readdir(d))) {
    size_t len = strlen(ent->d_name);
    if (len < 4 || strcmp(ent->d_name + len - 4, ".txt") != 0) continue;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
    char *text = unit_read_file(path, NULL);
    if (text) texts[n++] = text;
  }
  closedir(d);
  return n;
}

#define MAX_DIFF_TEXTS 256

/* Crafted texts, random ones and the articles of the repository. */
static size_t differential_texts(char **texts) {
  static const char *const crafted[] = {
      "법무부법 개인정보보호법안이 통과됐다. 보호법, 기본법의 협약과 "
      "조약은 규정과 지침으로",
      "- 법\n * 규정\n  -법안\n법\n\n법안법 법",
      "EU AI Act and the Digital Services Act, the Clean\nAir Act; an act. "
      "ACT Act the act acts",
      "SB 1047, sb1047, HB 12, H.R. 5628 and S 123",
      "「인공지능 기본법」 「법」 『저작권법』 「」 「\n법」",
      "출처: 연합뉴스\n2024. 3. 13.\nhttps://example.com\n본문 법안",
      "X(옛 트위터)와 메타, 기업 Nvidia(엔비디아) 회사 OpenAI",
      "가가가가가가가가가가가가가가가가가가가가가가가가가가가가가가법 "
      "가나다 라법마바법",
      "😀법안 漢字법 가😀나법 😀😀협약",
      "행정명령 14110호, 행정명령14110 호, AI 행정명령은",
      "대통령령 제3호, 대통령령12 호, 무역협정은 신규칙 법률안이, LD 1234",
      "The Clean Air Code and the Paris Charter, a Peace Accord",
      "   12호 \n\n 3호\t\t9호",
      "뉴욕주 형법과 EU 저작권법, 미국 데이터 기본법 및 개인정보 보호법",
      "인공지능 발전과 신뢰 기반 조성 등에 관한 기본법은",
      "abx법의 ca법 zz협약의 kkk협약 KK법",
      "법",
      "",
  };
  size_t n = 0;
  for (size_t i = 0; i < sizeof crafted / sizeof *crafted; i++)
    texts[n++] = strdup(crafted[i]);
  for (uint64_t seed = 1; seed <= 80; seed++) texts[n++] = random_text(seed);
  /* Runs longer than a walk reads (REGEX_WALK_MAX_BYTES). */
  texts[n++] = long_run_text(" ", "12호 5호\n 법", REGEX_WALK_MAX_BYTES + 7);
  texts[n++] = long_run_text("a", " Act 가법", REGEX_WALK_MAX_BYTES + 3);
  texts[n++] = long_run_text("가", "법안 법", REGEX_WALK_MAX_BYTES / 3 + 5);
  n = add_article_texts("tests/articles", texts, n, MAX_DIFF_TEXTS);
  n = add_article_texts("examples/articles", texts, n, MAX_DIFF_TEXTS);
  return n;
}

TEST(engine_triggered_search_equals_full_scan) {
  static const struct {
    const char *re;
    bool caseless;
  } pats[] = {
      /* law patterns of the benchmark's shapes (written here) */
      {"「[^」\\n]{1,30}」", false},
      {"『[^』\\n]{1,30}』", false},
      {"\\b(?:SB|HB|LD|S)\\s?\\d{2,4}\\b", false},
      {"[\\p{Hangul}A-Za-z0-9·]{2,16}\\s?(?:법률안|법|협정|규칙)"
       "(?=[\\s,.)'’”]|$|[은는이가을를의에도와과로])",
       false},
      {"\\b(?:GDPR|AIA|PIPL|CPRA)\\b", false},
      {"\\b[A-Z][A-Za-z]+ (?:Act|Code|Charter|"
       "Accord)\\b",
       false},
      {"대통령령\\s?\\d*호?", false},
      /* overlaps, a literal inside the class run, lookbehind, \b */
      {"[가-힣]{2,4}(?:법|법무부)", false},
      {"[가-힣A-Za-z]{0,6}법(?<=[가-힣]법)", false},
      {"(?<=\\s)[가-힣]{1,5}법", false},
      {"[가-힣]{2,}(?:법|법안)(?=[은는이가]|\\s|$)", false},
      {"(?<![가-힣])[가-힣]{2,12}(?:보호|기본)법(?![가-힣])", false},
      {"\\w{1,5}(?:법안|법\\d)", false},
      {"\\b\\w+ (?:Act|Bill)\\b", false},
      {"\\b[A-Za-z]{2,10} Act\\b", false},
      /* empty-able and unbounded prefixes, large counts */
      {"[가-힣]*(?:법|법안)\\b", false},
      {"\\s*\\d{0,3}호\\b", false},
      {"x*y*z*법", false},
      {"[가-힣]{1,64}법", false},
      {"\\d{1,4}\\s?(?:년|월)(?=\\s)", false},
      /* classes: ranges, negation, properties, `.` */
      {"[^\\s]{1,8}법", false},
      {"[^「」\\n]{1,10}법안", false},
      {"[a-c]{2,3}[x-z]?(?:법|협약)의", false},
      {"\\p{Hangul}{1,3}·?\\p{Hangul}{0,3}법", false},
      {"[\\p{L}\\p{N}]{2,8}(?:협약|조약)", false},
      {".{1,10}법안", false},
      {"(?s).{1,10}법안", false},
      /* multi-line, carried options */
      {"(?m)^\\s{0,3}[-*]\\s?(?:법|규정)", false},
      {"(?m)^[ \\t]*(?:출처|자료)[ \\t]*[:：][^\\n]*", false},
      /* caseless */
      {"[a-z]{2,10} act\\b", true},
      {"[A-Z][a-z]+ (?:act|treaty)", true},
      {"k{1,3}(?:법|협약)", true},
      {"[^a-z]{2,5}법", true},
      /* suffix only, and fallbacks */
      {"(?:ab)?\\s?법안(?=\\s)", false},
      {"\\d(?:법안|협약){1,3}", false},
  };
  char *texts[MAX_DIFF_TEXTS];
  size_t n = differential_texts(texts);
  diff_stats st = {0};
  for (size_t i = 0; i < sizeof pats / sizeof *pats; i++)
    differential(pats[i].re, pats[i].caseless, texts, n, &st);
  /* The default rule pack's regexes, whatever their role. */
  bunryu_builder *pack = bunryu_builder_new();
  int rc = bunryu_builder_load_rules(pack, "rules");
  unit_check(rc == BUNRYU_OK, __FILE__, __LINE__, "rules",
             bunryu_builder_error(pack));
  for (size_t i = 0; rc == BUNRYU_OK && i < pack->n_pats; i++)
    differential(pack->pats[i].source,
                 (pack->pats[i].flags & BUNRYU_RE_CASELESS) != 0, texts, n,
                 &st);
  CHECK(pack->n_pats >= 20);
  bunryu_builder_free(pack);
  /* The comparisons exercised the split, on most texts. */
  CHECK(st.split >= 25);
  CHECK(st.compared >= st.patterns * (int)n * 3 / 4);
  if (getenv("DIFF_STATS"))
    printf("  differential: %d patterns (%d split), %zu texts, %d compared\n",
           st.patterns, st.split, n, st.compared);
  for (size_t i = 0; i < n; i++) free(texts[i]);
}

/* The default pack built on one thread and on two: every text gets the
   same record, evidence and all. */
TEST(engine_two_thread_build_makes_the_same_engine) {
  bunryu_engine *e[2] = {NULL, NULL};
  for (unsigned t = 0; t < 2; t++) {
    bunryu_builder *b = bunryu_builder_new();
    CHECK_INT(bunryu_builder_set_threads(b, t + 1), BUNRYU_OK);
    int rc = bunryu_builder_load_rules(b, "rules");
    if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, &e[t]);
    unit_check(rc == BUNRYU_OK, __FILE__, __LINE__, "rules",
               bunryu_builder_error(b));
    bunryu_builder_free(b);
  }
  if (!e[0] || !e[1]) return;
  CHECK_SIZE(bunryu_engine_memory(e[1]), bunryu_engine_memory(e[0]));
  bunryu_scanner *s[2] = {bunryu_scanner_new(e[0], NULL, 0),
                          bunryu_scanner_new(e[1], NULL, 0)};
  char *texts[MAX_DIFF_TEXTS];
  size_t n = differential_texts(texts), differ = 0;
  for (size_t i = 0; i < n; i++) {
    char *json[2] = {NULL, NULL};
    for (int t = 0; t < 2; t++) {
      const bunryu_result *r = NULL;
      bunryu_scan(s[t], texts[i], strlen(texts[i]), BUNRYU_SCAN_EVIDENCE, &r);
      const char *j = bunryu_result_json(
          r, "x", NULL, BUNRYU_JSON_EVIDENCE | BUNRYU_JSON_NO_TIMING, NULL);
      json[t] = j ? strdup(j) : NULL;
    }
    if (!json[0] || !json[1] || strcmp(json[0], json[1]) != 0) differ++;
    free(json[0]);
    free(json[1]);
    free(texts[i]);
  }
  CHECK_SIZE(differ, 0);
  CHECK(n >= 50);
  for (int t = 0; t < 2; t++) {
    bunryu_scanner_free(s[t]);
    bunryu_engine_free(e[t]);
  }
}

TEST(engine_build_threads_must_be_at_least_one) {
  bunryu_builder *b = bunryu_builder_new();
  CHECK_INT(bunryu_builder_set_threads(b, 0), BUNRYU_EINVAL);
  CHECK_INT(bunryu_builder_set_threads(NULL, 2), BUNRYU_EINVAL);
  CHECK_INT(bunryu_builder_set_threads(b, 64), BUNRYU_OK);
  bunryu_builder_free(b);
}
