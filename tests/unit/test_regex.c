/*
** test_regex.c — core/regex.h: compile, match with limits, the mem hook,
** and the required-literal analysis (with law patterns of the benchmark's shapes).
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pcre2.h>

#include "limits.h"
#include "regex.h"
#include "unit.h"

/* ======================================================================
** Helpers
** ==================================================================== */

/* An allocator that counts live bytes (trusting osize, as the hook's
   contract says it may) and can fail after a number of allocations. */
typedef struct counting {
  long long live;
  long allocs;
  long fail_after; /* < 0: never */
} counting;

static void *counting_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  counting *c = ud;
  if (nsize == 0) {
    if (ptr) c->live -= (long long)osize;
    free(ptr);
    return NULL;
  }
  if (c->fail_after >= 0 && c->allocs >= c->fail_after) return NULL;
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  c->allocs++;
  c->live += (long long)nsize - (ptr ? (long long)osize : 0);
  return p;
}

static mem counting_mem(counting *c) { return (mem){counting_alloc, c}; }

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool jit_available(void) {
  uint32_t jit = 0;
  pcre2_config(PCRE2_CONFIG_JIT, &jit);
  return jit != 0;
}

static regex *compile_ok(const mem *m, const char *pattern, bool caseless,
                         bool *jit_ok) {
  regex *re = NULL;
  char err[256];
  size_t off = 0;
  bool jit = false;
  int rc = regex_compile(m, pattern, caseless, &re, &jit, err, sizeof err,
                         &off);
  unit_check(rc == BUNRYU_OK && re != NULL, __FILE__, __LINE__, pattern, err);
  if (jit_ok) *jit_ok = jit;
  return re;
}

/* Finds from `from` with no start limit and no group. */
static int find_simple(const regex *re, regex_scratch *s, const char *text,
                       size_t from, size_t *ms, size_t *me) {
  return regex_find(re, s, text, strlen(text), from, REGEX_UNBOUNDED, -1, ms,
                    me, NULL, NULL);
}

/* Whether info's literals are exactly the strings of want (any order). */
static bool lits_are(const regex_info *info, const char *const *want,
                     size_t n) {
  if (info->n_lits != n) return false;
  for (size_t i = 0; i < n; i++) {
    bool found = false;
    for (size_t j = 0; j < info->n_lits && !found; j++)
      found = strcmp(info->lits[j], want[i]) == 0;
    if (!found) return false;
  }
  return true;
}

#define COUNT(a) (sizeof(a) / sizeof *(a))
#define CHECK_LITS(info, ...)                                               \
  do {                                                                      \
    static const char *const want_[] = {__VA_ARGS__};                       \
    CHECK(lits_are(&(info), want_, COUNT(want_)));                          \
  } while (0)

/* Analyses pattern with the default allocator. */
static regex_info analyze(const char *pattern, bool caseless) {
  mem m = mem_default();
  regex_info info;
  int rc = regex_analyze(&m, pattern, caseless, &info);
  unit_check(rc == BUNRYU_OK, __FILE__, __LINE__, pattern, "analyze failed");
  return info;
}

static void info_free(regex_info *info) {
  mem m = mem_default();
  regex_info_free(&m, info);
}

/* ======================================================================
** Compile
** ==================================================================== */

TEST(regex_compile_reports_jit_and_memory) {
  mem m = mem_default();
  bool jit = false;
  regex *re = compile_ok(&m, "\\b(?:GDPR|AIA)\\b", false, &jit);
  if (jit_available()) CHECK(jit);
  CHECK(regex_memory(re) > 0);
  regex_free(re);
  regex_free(NULL);
}

TEST(regex_compile_error_has_message_and_offset) {
  mem m = mem_default();
  regex *re = (regex *)&m; /* must be reset to NULL */
  char err[256];
  size_t off = 0;
  bool jit = true;
  int rc = regex_compile(&m, "ab(c", false, &re, &jit, err, sizeof err, &off);
  CHECK_INT(rc, BUNRYU_ERULE);
  CHECK(re == NULL);
  CHECK(strstr(err, "missing closing parenthesis") != NULL);
  CHECK_SIZE(off, 4);
  rc = regex_compile(&m, "a{2,1}", false, &re, &jit, err, sizeof err, &off);
  CHECK_INT(rc, BUNRYU_ERULE);
  CHECK(err[0] != '\0');
}

TEST(regex_compile_error_message_truncates) {
  mem m = mem_default();
  regex *re = NULL;
  char err[8];
  size_t off = 0;
  int rc = regex_compile(&m, "(", false, &re, NULL, err, sizeof err, &off);
  CHECK_INT(rc, BUNRYU_ERULE);
  CHECK(strlen(err) < sizeof err);
}

TEST(regex_backslash_c_is_refused) {
  /* \C could end a match inside a UTF-8 character. */
  mem m = mem_default();
  regex *re = NULL;
  char err[256];
  size_t off;
  CHECK_INT(regex_compile(&m, "a\\Cb", false, &re, NULL, err, sizeof err,
                          &off),
            BUNRYU_ERULE);
}

TEST(regex_no_jit_pattern_runs_interpreted) {
  mem m = mem_default();
  bool jit = true;
  regex *re = compile_ok(&m, "(*NO_JIT)abc", false, &jit);
  CHECK(!jit);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  size_t ms, me;
  CHECK_INT(find_simple(re, s, "xxabc", 0, &ms, &me), 1);
  CHECK_SIZE(ms, 2);
  CHECK_SIZE(me, 5);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_group_by_name) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "(x)「(?<name>[^」]{1,40})」", false, NULL);
  CHECK_INT(regex_group(re, "name"), 2);
  CHECK_INT(regex_group(re, "other"), -1);
  CHECK_INT(regex_group(NULL, "name"), -1);
  regex_free(re);
}

/* ======================================================================
** Matching
** ==================================================================== */

TEST(regex_find_from_and_start_limit) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "abc", false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  const char *t = "xx abc yy abc";
  size_t len = strlen(t), ms, me;
  CHECK_INT(find_simple(re, s, t, 0, &ms, &me), 1);
  CHECK_SIZE(ms, 3);
  CHECK_SIZE(me, 6);
  CHECK_INT(find_simple(re, s, t, 4, &ms, &me), 1);
  CHECK_SIZE(ms, 10);
  /* A match may start at start_limit but not after it. */
  CHECK_INT(regex_find(re, s, t, len, 0, 2, -1, &ms, &me, NULL, NULL), 0);
  CHECK_INT(regex_find(re, s, t, len, 0, 3, -1, &ms, &me, NULL, NULL), 1);
  CHECK_SIZE(ms, 3);
  CHECK_INT(regex_find(re, s, t, len, 4, 9, -1, &ms, &me, NULL, NULL), 0);
  /* The match may run past start_limit. */
  CHECK_INT(regex_find(re, s, t, len, 4, 10, -1, &ms, &me, NULL, NULL), 1);
  CHECK_SIZE(me, 13);
  /* start_limit before from: nothing. */
  CHECK_INT(regex_find(re, s, t, len, 5, 4, -1, &ms, &me, NULL, NULL), 0);
  CHECK_INT(regex_find(re, s, t, len, len, REGEX_UNBOUNDED, -1, &ms, &me,
                       NULL, NULL),
            0);
  CHECK_INT(regex_find(re, s, t, len, len + 1, REGEX_UNBOUNDED, -1, &ms, &me,
                       NULL, NULL),
            BUNRYU_EINVAL);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_find_sees_before_from_for_lookbehind) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "(?<=법)안", false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  size_t ms, me;
  CHECK_INT(find_simple(re, s, "법안", 3, &ms, &me), 1);
  CHECK_SIZE(ms, 3);
  CHECK_SIZE(me, 6);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_find_from_inside_a_character_moves_forward) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "\\w+", false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  size_t ms, me;
  /* 가 is 3 bytes; offsets 1 and 2 are inside it. */
  CHECK_INT(find_simple(re, s, "가나", 1, &ms, &me), 1);
  CHECK_SIZE(ms, 3);
  CHECK_SIZE(me, 6);
  CHECK_INT(find_simple(re, s, "가나", 5, &ms, &me), 0);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_find_named_group_span) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "「(?<name>[^」\\n]{1,40})」|<(?<alt>x)>",
                         false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  const char *t = "법 「개인정보 보호법」 시행";
  size_t ms, me, gs, ge;
  int g = regex_group(re, "name");
  CHECK_INT(regex_find(re, s, t, strlen(t), 0, REGEX_UNBOUNDED, g, &ms, &me,
                       &gs, &ge),
            1);
  CHECK_SIZE(ms, 4);
  CHECK_SIZE(gs, 7);
  CHECK_SIZE(ge - gs, strlen("개인정보 보호법"));
  CHECK_SIZE(me, ge + 3);
  /* A group that did not take part. */
  g = regex_group(re, "alt");
  CHECK_INT(regex_find(re, s, t, strlen(t), 0, REGEX_UNBOUNDED, g, &ms, &me,
                       &gs, &ge),
            1);
  CHECK_SIZE(gs, (size_t)-1);
  CHECK_SIZE(ge, (size_t)-1);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_find_subject_with_nul) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "a\\x00b", false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  const char t[] = "xx\0a\0b";
  size_t ms, me;
  CHECK_INT(regex_find(re, s, t, sizeof t - 1, 0, REGEX_UNBOUNDED, -1, &ms,
                       &me, NULL, NULL),
            1);
  CHECK_SIZE(ms, 3);
  CHECK_SIZE(me, 6);
  CHECK_INT(regex_find(re, s, NULL, 0, 0, REGEX_UNBOUNDED, -1, &ms, &me, NULL,
                       NULL),
            0);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_find_caseless_and_ucp) {
  mem m = mem_default();
  regex *re = compile_ok(&m, "\\bact\\b", true, NULL);
  regex *word = compile_ok(&m, "^\\w+$", false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  size_t ms, me;
  CHECK_INT(find_simple(re, s, "AI ACT!", 0, &ms, &me), 1);
  CHECK_SIZE(ms, 3);
  /* UCP: \w knows Hangul, and \b sees 법 as a word character. */
  CHECK_INT(find_simple(word, s, "인공지능법", 0, &ms, &me), 1);
  CHECK_INT(find_simple(re, s, "법act", 0, &ms, &me), 0);
  regex_scratch_free(s);
  regex_free(word);
  regex_free(re);
}

TEST(regex_scratch_grows_for_many_groups) {
  mem m = mem_default();
  char pat[200] = "";
  for (int i = 0; i < 40; i++) strcat(pat, "(a)");
  strcat(pat, "(?<name>b)");
  regex *re = compile_ok(&m, pat, false, NULL);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  char text[64];
  memset(text, 'a', 40);
  strcpy(text + 40, "b");
  size_t ms, me, gs, ge;
  CHECK_INT(regex_find(re, s, text, 41, 0, REGEX_UNBOUNDED,
                       regex_group(re, "name"), &ms, &me, &gs, &ge),
            1);
  CHECK_SIZE(gs, 40);
  CHECK_SIZE(ge, 41);
  regex_scratch_free(s);
  regex_free(re);
}

/* ======================================================================
** Limits: catastrophic patterns stop quickly, JIT and interpreted
** ==================================================================== */

/* Runs pattern on text; checks BUNRYU_ELIMIT within a second and returns
   the time taken. */
static double expect_limit(const char *pattern, const char *text,
                           const regex_limits *lim, bool want_jit) {
  mem m = mem_default();
  bool jit = false;
  regex *re = compile_ok(&m, pattern, false, &jit);
  regex_scratch *s = regex_scratch_new(&m, lim);
  if (!re || !s) {
    regex_scratch_free(s);
    regex_free(re);
    return -1;
  }
  CHECK(jit == want_jit);
  size_t ms, me;
  double t0 = now_seconds();
  int rc = find_simple(re, s, text, 0, &ms, &me);
  double dt = now_seconds() - t0;
  unit_check(rc == BUNRYU_ELIMIT, __FILE__, __LINE__, pattern,
             "expected BUNRYU_ELIMIT");
  unit_check(dt < 1.0, __FILE__, __LINE__, pattern, "took a second or more");
  if (getenv("REGEX_TEST_TIMES"))
    printf("  %-6s %-24s %8.2f ms\n", jit ? "jit" : "interp", pattern,
           dt * 1000);
  regex_scratch_free(s);
  regex_free(re);
  return dt;
}

/* "aaa…ab", "x"*n + "zy", and words then '!' defeat the three patterns. */
static void catastrophic_all(const char *prefix, bool want_jit) {
  char a[256], x[256], w[256], pat[64];
  memset(a, 'a', 200);
  strcpy(a + 200, "b");
  memset(x, 'x', 200);
  strcpy(x + 200, "zy");
  for (int i = 0; i < 200; i++) w[i] = (i % 7 == 6) ? ' ' : 'w';
  strcpy(w + 200, "!");
  snprintf(pat, sizeof pat, "%s(a+)+$", prefix);
  expect_limit(pat, a, NULL, want_jit);
  snprintf(pat, sizeof pat, "%s(\\w+\\s?)+$", prefix);
  expect_limit(pat, w, NULL, want_jit);
  snprintf(pat, sizeof pat, "%s(x+x+)+y", prefix);
  expect_limit(pat, x, NULL, want_jit);
}

TEST(regex_catastrophic_patterns_hit_limit_with_jit) {
  if (!jit_available()) return;
  catastrophic_all("", true);
}

TEST(regex_catastrophic_patterns_hit_limit_interpreted) {
  catastrophic_all("(*NO_JIT)", false);
}

TEST(regex_small_limits_are_honoured) {
  /* Depth and heap limits (the interpreter's own) and a small match limit;
     the subject ends in the required 'c' so that PCRE2's start-up
     optimizations do not answer "no match" before trying. */
  char text[4096];
  memset(text, 'a', sizeof text - 2);
  strcpy(text + sizeof text - 2, "c");
  regex_limits depth = {LIMIT_REGEX_MATCH_DEFAULT, 50, 0};
  expect_limit("(*NO_JIT)(?:a|b)*c", text, &depth, false);
  regex_limits heap = {LIMIT_REGEX_MATCH_DEFAULT, 0, 1};
  expect_limit("(*NO_JIT)(a|b)*c", text, &heap, false);
  text[sizeof text - 2] = 'b';
  regex_limits match = {1000, 0, 0};
  expect_limit("(*NO_JIT)(a+)+$", text, &match, false);
  if (jit_available()) expect_limit("(a+)+$", text, &match, true);
}

TEST(regex_jit_stack_limit_is_a_limit) {
  if (!jit_available()) return;
  /* Deep recursion through a group exhausts the JIT stack. */
  size_t n = 2 * 1024 * 1024;
  char *text = malloc(n + 1);
  if (!text) return;
  memset(text, 'a', n);
  text[n] = '\0';
  mem m = mem_default();
  regex *re = compile_ok(&m, "(?:(a)|b)*c", false, NULL);
  regex_limits lim = {UINT32_MAX, 0, 0};
  regex_scratch *s = regex_scratch_new(&m, &lim);
  size_t ms, me;
  int rc = regex_find(re, s, text, n, 0, 0, -1, &ms, &me, NULL, NULL);
  CHECK_INT(rc, BUNRYU_ELIMIT);
  regex_scratch_free(s);
  regex_free(re);
  free(text);
}

/* ======================================================================
** Memory: everything through the hook, nothing leaked, failures clean
** ==================================================================== */

TEST(regex_memory_goes_through_hook) {
  counting c = {0, 0, -1};
  mem m = counting_mem(&c);
  regex *re = compile_ok(&m, "(?<name>[가-힣]+)(?:법|법안)", false, NULL);
  CHECK(c.live > 0);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  size_t ms, me, gs, ge;
  const char *t = "개인정보보호법";
  CHECK_INT(regex_find(re, s, t, strlen(t), 0, REGEX_UNBOUNDED, 1, &ms, &me,
                       &gs, &ge),
            1);
  regex_scratch_free(s);
  regex_free(re);
  CHECK_INT(c.live, 0);
  regex_info info;
  CHECK_INT(regex_analyze(&m, "\\w{2,20}(?:법안|법|협약)", false, &info),
            BUNRYU_OK);
  CHECK(info.n_lits == 3);
  regex_info_free(&m, &info);
  CHECK_INT(c.live, 0);
}

TEST(regex_out_of_memory_is_clean) {
  for (long k = 0; k < 200; k++) {
    counting c = {0, 0, k};
    mem m = counting_mem(&c);
    regex *re = NULL;
    char err[128];
    size_t off;
    int rc = regex_compile(&m, "(?<name>\\w+)법", false, &re, NULL, err,
                           sizeof err, &off);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    regex_scratch *s = regex_scratch_new(&m, NULL);
    if (re && s) {
      size_t ms, me;
      int f = regex_find(re, s, "가나법", strlen("가나법"), 0,
                         REGEX_UNBOUNDED, -1, &ms, &me, NULL, NULL);
      CHECK(f == 1 || f == BUNRYU_ENOMEM);
    }
    regex_scratch_free(s);
    regex_free(re);
    regex_info info;
    rc = regex_analyze(&m, "(?:ab|cd)ef[xy]{2}(?:법안|법)", false, &info);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    if (rc == BUNRYU_ENOMEM) CHECK(info.n_lits == 0 && info.lits == NULL);
    regex_info_free(&m, &info);
    CHECK_INT(c.live, 0);
  }
}

/* ======================================================================
** Analysis: law patterns of the benchmark's shapes (written here; the
** benchmark's own file is read by regex_analyze_law_file_lines_all_parse)
** ==================================================================== */

TEST(regex_analyze_law_corner_brackets) {
  regex_info info = analyze("「[^」\\n]{1,30}」", false);
  CHECK(info.n_lits == 1);
  CHECK(lits_are(&info, (const char *const[]){"「"}, 1) ||
        lits_are(&info, (const char *const[]){"」"}, 1));
  CHECK_SIZE(info.max_len, 3 + 30 * 4 + 3);
  info_free(&info);
  info = analyze("『[^』\\n]{1,30}』", false);
  CHECK(info.n_lits == 1);
  CHECK_SIZE(info.max_len, 126);
  info_free(&info);
}

TEST(regex_analyze_law_bill_numbers) {
  /* The set holds "S": one byte, but a capital of a case-sensitive pattern,
     whose triggers the engine checks for exact case. */
  regex_info info = analyze("\\b(?:SB|HB|LD|S)\\s?\\d{2,4}\\b", false);
  CHECK_LITS(info, "SB", "HB", "LD", "S");
  CHECK_SIZE(info.max_len, 2 + 3 + 4 * 4); /* \s is BMP: 3; \d (UCP) 4 */
  info_free(&info);
  /* Caseless, "s" would fire on every s: no set. */
  info = analyze("\\b(?:SB|HB|LD|S)\\s?\\d{2,4}\\b", true);
  CHECK_SIZE(info.n_lits, 0);
  info_free(&info);
  /* A lowercase or digit single byte is never used. */
  info = analyze("(?:ab|c)\\d", false);
  CHECK_SIZE(info.n_lits, 0);
  info_free(&info);
}

TEST(regex_analyze_law_korean_suffixes) {
  regex_info info = analyze(
      "[\\p{Hangul}A-Za-z0-9·]{2,16}\\s?(?:법률안|법|협정|규칙)"
      "(?=[\\s,.)'’”]|$|[은는이가을를의에도와과로])",
      false);
  CHECK_LITS(info, "법률안", "법", "협정", "규칙");
  /* \p{Hangul}, ASCII and · are at most 3 bytes a character, \s too */
  CHECK_SIZE(info.max_len, 16 * 3 + 3 + 9);
  info_free(&info);
}

TEST(regex_analyze_law_acronyms) {
  regex_info info = analyze("\\b(?:GDPR|AIA|PIPL|CPRA)\\b", false);
  CHECK_LITS(info, "GDPR", "AIA", "PIPL", "CPRA");
  CHECK_SIZE(info.max_len, 4);
  info_free(&info);
}

TEST(regex_analyze_law_english_acts) {
  /* The single space joins the names that follow it: " Act" is required
     and longer than "Act". */
  regex_info info = analyze(
      "\\b[A-Z][A-Za-z]+ "
      "(?:Act|Code|Charter|Accord)\\b",
      false);
  CHECK_LITS(info, " Act", " Code", " Charter", " Accord");
  CHECK_SIZE(info.max_len, REGEX_UNBOUNDED);
  info_free(&info);
}

TEST(regex_analyze_law_executive_order) {
  regex_info info = analyze("대통령령\\s?\\d*호?", false);
  CHECK_LITS(info, "대통령령");
  CHECK_SIZE(info.max_len, REGEX_UNBOUNDED);
  info_free(&info);
}

TEST(regex_analyze_literal_offset_in_match) {
  /* lit_before: how far into a match its required literal may begin. */
  regex_info info = analyze("(?:기업|회사)\\s+[A-Z][a-z]{0,5}", false);
  CHECK_SIZE(info.lit_before, 0); /* the literal starts every match */
  info_free(&info);
  info = analyze("(?<![a-z])ab\\d{1,2}(?:법안|협약)", false);
  CHECK_LITS(info, "법안", "협약");
  CHECK_SIZE(info.lit_before, 2 + 2 * 4);
  info_free(&info);
  info = analyze("(?:x\\d(?:Act|Law)){1,3}", false);
  CHECK_SIZE(info.lit_before, 2 * (1 + 4 + 3) + 1 + 4); /* the 3rd time */
  info_free(&info);
  info = analyze("[A-Z][a-z]+ Act", false);
  CHECK_SIZE(info.lit_before, REGEX_UNBOUNDED);
  info_free(&info);
}

TEST(regex_analyze_line_feeds) {
  /* one_line: nothing in the pattern can consume a line feed. */
  static const struct { const char *re; bool one_line; } cases[] = {
      {"\\b[A-Z][A-Za-z]+ (?:Act|Bill)\\b", true},
      {"「[^」\\n]{1,30}」", true},   /* the class lists \n */
      {"「[^」]{1,30}」", false},       /* [^…] without \n reaches it */
      {"[\\p{Hangul}A-Za-z]{2,20}\\s?법", false}, /* \s matches \n */
      {"[\\p{Hangul}A-Za-z]{2,20}\\h?법", true},
      {"a.b법", true},                 /* . stops at line ends */
      {"(?s)a.b법", false},
      {"a\\Rb법", false},
      {"a[\\t-\\r]b법", false},       /* a range around \n */
      {"a\\P{Hangul}b법", false},
      {"a\\p{Hangul}b법", true},
      {"a\\nb법", false},
      {"(?=\\n)법", true},            /* lookarounds consume nothing */
      {"법(?:x|\\s)", false},
  };
  for (size_t i = 0; i < COUNT(cases); i++) {
    regex_info info = analyze(cases[i].re, false);
    unit_check(info.one_line == cases[i].one_line, __FILE__, __LINE__,
               cases[i].re, cases[i].one_line ? "want one_line" : "want not one_line");
    info_free(&info);
  }
}

TEST(regex_analyze_law_file_lines_all_parse) {
  /* Every line of the shared benchmark file (when present: $SHARED, else
     ../shared beside the project, as make bench finds it) is analysed
     without giving up on its length. */
  const char *shared = getenv("SHARED");
  char path[1024];
  snprintf(path, sizeof path, "%s/bench/law_patterns.txt",
           shared && *shared ? shared : "../shared");
  char *text = unit_read_file(path, NULL);
  if (!text) return;
  int bounded = 0, with_lits = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (line[0] == '#' || line[0] == '\0') continue;
    regex_info info = analyze(line, false);
    bounded += info.max_len != REGEX_UNBOUNDED;
    with_lits += info.n_lits > 0;
    info_free(&info);
  }
  CHECK_INT(bounded, 5);
  CHECK_INT(with_lits, 7);
  free(text);
}

/* ======================================================================
** Analysis: syntax
** ==================================================================== */

TEST(regex_analyze_literal_runs_and_products) {
  regex_info info = analyze("abc", false);
  CHECK_LITS(info, "abc");
  CHECK_SIZE(info.max_len, 3);
  info_free(&info);
  info = analyze("colou?r", false);
  CHECK_LITS(info, "colour", "color");
  CHECK_SIZE(info.max_len, 6);
  info_free(&info);
  info = analyze("(?:ab|cd)ef", false);
  CHECK_LITS(info, "abef", "cdef");
  info_free(&info);
  info = analyze("x+yz", false);
  CHECK_LITS(info, "yz");
  CHECK_SIZE(info.max_len, REGEX_UNBOUNDED);
  info_free(&info);
  info = analyze("\\x{AC00}\\x{B098}\\x41\\.", false);
  CHECK_LITS(info, "가나A.");
  CHECK_SIZE(info.max_len, 8);
  info_free(&info);
}

TEST(regex_analyze_best_set_is_longest_shortest) {
  regex_info info = analyze("ab\\d+(?:cdef|ghij)\\s+xyz", false);
  CHECK_LITS(info, "cdef", "ghij");
  info_free(&info);
  /* A quantifier with minimum 1 keeps the set required. */
  info = analyze("\\d(?:법안|협약){1,3}", false);
  CHECK_LITS(info, "법안", "협약");
  CHECK_SIZE(info.max_len, 4 + 18);
  info_free(&info);
  /* Minimum 0 does not. */
  info = analyze("\\d(?:법안|협약){0,3}", false);
  CHECK_SIZE(info.n_lits, 0);
  CHECK_SIZE(info.max_len, 4 + 18);
  info_free(&info);
}

TEST(regex_analyze_alternation_unions_or_gives_up) {
  regex_info info = analyze("foo|barbaz", false);
  CHECK_LITS(info, "foo", "barbaz");
  CHECK_SIZE(info.max_len, 6);
  info_free(&info);
  info = analyze("foo\\d+|\\w+bar", false);
  CHECK_LITS(info, "foo", "bar");
  info_free(&info);
  info = analyze("foo|\\d+", false);
  CHECK_SIZE(info.n_lits, 0);
  info_free(&info);
  info = analyze("abc|", false);
  CHECK_SIZE(info.n_lits, 0);
  CHECK_SIZE(info.max_len, 3);
  info_free(&info);
}

TEST(regex_analyze_zero_width_items) {
  regex_info info = analyze("^ab\\b(?=cd)(?!x)(?<=b)(?<!q)cd$", false);
  CHECK_LITS(info, "abcd");
  CHECK_SIZE(info.max_len, 4);
  info_free(&info);
  /* A lookaround with a class holding ')' and escapes is skipped whole. */
  info = analyze("(?=[)(\\]]|\\))법안", false);
  CHECK_LITS(info, "법안");
  CHECK_SIZE(info.max_len, 6);
  info_free(&info);
  info = analyze("ab(?#a comment (with)cd", false);
  CHECK_LITS(info, "abcd");
  info_free(&info);
}

TEST(regex_analyze_classes) {
  regex_info info = analyze("[[:alpha:]]abc", false);
  CHECK_LITS(info, "abc");
  CHECK_SIZE(info.max_len, 7);
  info_free(&info);
  info = analyze("[]x]yz[^]a]", false);
  CHECK_LITS(info, "yz");
  CHECK_SIZE(info.max_len, 1 + 2 + 4); /* [^…] may be any character */
  info_free(&info);
  info = analyze("[a\\]b]cd.", false);
  CHECK_LITS(info, "cd");
  CHECK_SIZE(info.max_len, 1 + 2 + 4);
  info_free(&info);
  /* A class is as wide as its widest member. */
  info = analyze("[가-힣]", false);
  CHECK_SIZE(info.max_len, 3);
  info = analyze("[a\\p{Hangul}]\\p{Hangul}", false);
  CHECK_SIZE(info.max_len, 6);
  info = analyze("[a\\p{Han}]", false); /* Han reaches the supplementary planes */
  CHECK_SIZE(info.max_len, 4);
  info = analyze("\\P{Hangul}", false);
  CHECK_SIZE(info.max_len, 4);
  info = analyze("[ab]", true); /* caseless: k may be the Kelvin sign */
  CHECK_SIZE(info.max_len, 4);
  info = analyze("[\\x{1F600}a]", false);
  CHECK_SIZE(info.max_len, 4);
  info = analyze("[[:alpha:]", false); /* unterminated */
  CHECK_SIZE(info.n_lits, 0);
  CHECK_SIZE(info.max_len, REGEX_UNBOUNDED);
  info_free(&info);
}

TEST(regex_analyze_named_and_capturing_groups) {
  regex_info info = analyze("(?<name>ab)(cd)(?P<x>ef)(?'y'gh)(?>ij)", false);
  CHECK_LITS(info, "abcdefghij");
  CHECK_SIZE(info.max_len, 10);
  info_free(&info);
  info = analyze("(ab)+", false);
  CHECK_LITS(info, "ab");
  CHECK_SIZE(info.max_len, REGEX_UNBOUNDED);
  info_free(&info);
}

TEST(regex_analyze_caseless) {
  regex_info info = analyze("Act|BILL", true);
  CHECK_LITS(info, "act", "bill");
  /* Caseless: an ASCII letter may match a 3-byte letter (K, U+212A). */
  CHECK_SIZE(info.max_len, 12);
  info_free(&info);
  /* Inline caselessness: literals after it are not used, lengths widen. */
  info = analyze("(?i)abc", false);
  CHECK_SIZE(info.n_lits, 0);
  CHECK_SIZE(info.max_len, 9);
  info_free(&info);
  info = analyze("xyz(?i:abc)", false);
  CHECK_LITS(info, "xyz");
  CHECK_SIZE(info.max_len, 12);
  info_free(&info);
  info = analyze("(?-i)ABC", true);
  CHECK_SIZE(info.n_lits, 0);
  info_free(&info);
  /* Options that change neither literals nor lengths are fine. */
  info = analyze("(?m)^abc$", false);
  CHECK_LITS(info, "abc");
  info_free(&info);
}

TEST(regex_analyze_gives_up_on_unknown_syntax) {
  static const char *const give_up[] = {
      "(?x) a b c",     "(a)\\1bc",       "ab\\Kcd",      "\\Qab\\E",
      "(*ACCEPT)abc",   "(*UTF)abc",      "(?(1)ab|cd)",  "(?R)ab",
      "ab\\g{1}",       "a{foo}bc",       "ab(?#c)+d",    "(abc",
      "abc)",           "ab\\Xcd",        "ab\\ccd",      "\\0ab",
      "(?|ab|(?1))",    "[\\Qa]\\E]abc",  "ab\\N{U+41}",  "ab{,3}cd",
      "(?C1)abcd",      "abc\\o{101}",    "ab\\ycd",      "a(?&n)bc",
  };
  for (size_t i = 0; i < COUNT(give_up); i++) {
    regex_info info = analyze(give_up[i], false);
    unit_check(info.n_lits == 0 && info.max_len == REGEX_UNBOUNDED,
               __FILE__, __LINE__, give_up[i], "expected to give up");
    info_free(&info);
  }
}

TEST(regex_analyze_literal_nul_is_not_a_literal) {
  regex_info info = analyze("ab\\x00cd", false);
  CHECK_SIZE(info.n_lits, 1);
  CHECK_SIZE(info.max_len, 5);
  info_free(&info);
}

TEST(regex_analyze_set_size_is_capped) {
  /* 8 * 8 * 8 = 512 strings is too many to multiply: the parts are used. */
  const char *p = "(?:aa|bb|cc|dd|ee|ff|gg|hh)(?:ii|jj|kk|ll|mm|nn|oo|pp)"
                  "(?:qq|rr|ss|tt|uu|vv|ww|xx)";
  regex_info info = analyze(p, false);
  CHECK(info.n_lits > 0 && info.n_lits <= 64);
  CHECK_SIZE(info.max_len, 6);
  info_free(&info);
}

/*
** The analysis is sound on real text: wherever a pattern matches, one of its
** literals occurs inside the match and the match is no longer than max_len.
*/
TEST(regex_analyze_is_sound_on_samples) {
  static const char *const pats[] = {
      "「[^」\\n]{1,30}」",
      "[\\p{Hangul}A-Za-z0-9·]{2,16}\\s?(?:법률안|법|협정|규칙)"
      "(?=[\\s,.)'’”]|$|[은는이가을를의에도와과로])",
      "\\b(?:GDPR|AIA|PIPL|CPRA)\\b",
      "\\b[A-Z][A-Za-z]+ (?:Act|Code|Charter|Accord)"
      "\\b",
      "대통령령\\s?\\d*호?",
      "colou?r",
      "(?:기업|회사)\\s+(?<name>[A-Z][A-Za-z]{0,20})",
      "(?:[A-Z][a-z]{0,10}\\s){0,3}(?:Act|Treaty)",
      "(?:ab|(?:x|y)\\d{1,3}Act){2}",
      "[^x]Act",
      "[A-Z][a-z]+ Act",
  };
  const char *text =
      "EU AI Act 와 「인공지능 기본법」이 통과됐다. 개인정보보호법은 GDPR, "
      "DSA 와 다르다. 행정명령 14110호 와 행정명령이 있다. 대통령령 제3호, "
      "대통령령 12345호. The Digital "
      "Markets Act and the color colour. 기후협약, 파리 조약에 따라. 반도체 "
      "기업 Nvidia 와 회사 Apple 이 x12Acty7Act 를 냈다.\nThe Clean\nAir "
      "Act 와 개인정보\n보호법, [^x]Act\nAct.";
  mem m = mem_default();
  regex_scratch *s = regex_scratch_new(&m, NULL);
  for (size_t i = 0; i < COUNT(pats); i++) {
    regex *re = compile_ok(&m, pats[i], false, NULL);
    regex_info info = analyze(pats[i], false);
    CHECK(info.n_lits > 0);
    size_t from = 0, ms, me, len = strlen(text);
    int found = 0;
    while (regex_find(re, s, text, len, from, REGEX_UNBOUNDED, -1, &ms, &me,
                      NULL, NULL) == 1) {
      found++;
      bool has = false, near = false;
      for (size_t k = 0; k < info.n_lits; k++) {
        size_t n = strlen(info.lits[k]);
        for (size_t at = ms; at + n <= me; at++) {
          if (memcmp(text + at, info.lits[k], n) != 0) continue;
          has = true;
          near = near || info.lit_before == REGEX_UNBOUNDED ||
                 at - ms <= info.lit_before;
        }
      }
      unit_check(has, __FILE__, __LINE__, pats[i], "literal not in match");
      unit_check(near, __FILE__, __LINE__, pats[i],
                 "no literal within lit_before of the match start");
      unit_check(me - ms <= info.max_len, __FILE__, __LINE__, pats[i],
                 "match longer than max_len");
      unit_check(!info.one_line || !memchr(text + ms, '\n', me - ms),
                 __FILE__, __LINE__, pats[i], "a one_line match holds a line feed");
      from = me > ms ? me : me + 1;
      if (from > len) break;
    }
    unit_check(found > 0, __FILE__, __LINE__, pats[i], "no sample match");
    info_free(&info);
    regex_free(re);
  }
  regex_scratch_free(s);
}

/* ======================================================================
** Analysis: the split at the literal's item
** ==================================================================== */

/* "item{min,max}" for each step, space-separated ("{min,}" unbounded). */
static void steps_text(const regex_info *info, char *out, size_t cap) {
  size_t at = 0;
  out[0] = '\0';
  for (size_t i = 0; i < info->n_steps && at < cap; i++) {
    const regex_step *s = &info->steps[i];
    char max[32] = "";
    if (s->max != REGEX_UNBOUNDED) snprintf(max, sizeof max, "%zu", s->max);
    at += (size_t)snprintf(out + at, cap - at, "%s%s{%zu,%s}", i ? " " : "",
                           s->item, s->min, max);
  }
}

/* The split of pattern: its suffix (NULL: none), whether it walks, and
   its steps as steps_text writes them. */
static void check_split(const char *pattern, bool caseless,
                        const char *suffix, bool walk, const char *steps,
                        int line) {
  regex_info info = analyze(pattern, caseless);
  char got[512];
  steps_text(&info, got, sizeof got);
  bool ok = (suffix ? info.suffix && strcmp(info.suffix, suffix) == 0
                    : info.suffix == NULL) &&
            info.walk == walk && strcmp(got, steps) == 0;
  char detail[1024];
  snprintf(detail, sizeof detail, "suffix %s, walk %d, steps \"%s\"",
           info.suffix ? info.suffix : "(none)", info.walk, got);
  unit_check(ok, __FILE__, line, pattern, detail);
  info_free(&info);
}

#define LAW_KOREAN                                                          \
  "[\\p{Hangul}A-Za-z0-9·]{2,16}\\s?(?:법률안|법|협정|규칙)"        \
  "(?=[\\s,.)'’”]|$|[은는이가을를의에도와과로])"
#define LAW_ENGLISH                                                         \
  "\\b[A-Z][A-Za-z]+ (?:Act|Code|Charter|Accord)\\b"

TEST(regex_split_law_patterns) {
  check_split(LAW_KOREAN, false,
              "(?:법률안|법|협정|규칙)"
              "(?=[\\s,.)'’”]|$|[은는이가을를의에도와과로])",
              true, "[\\p{Hangul}A-Za-z0-9·]{2,16} \\s{0,1}", __LINE__);
  check_split(LAW_ENGLISH, false,
              " (?:Act|Code|Charter|Accord)\\b", true,
              "[A-Z]{1,1} [A-Za-z]{1,}", __LINE__);
  /* The literal begins every match: nothing comes before it. */
  check_split("「[^」\\n]{1,30}」", false, NULL, false, "", __LINE__);
  check_split("\\b(?:SB|HB|LD|S)\\s?\\d{2,4}\\b", false, NULL, false, "",
              __LINE__);
  check_split("\\b(?:GDPR|AIA|PIPL|CPRA)\\b", false, NULL, false, "",
              __LINE__);
  check_split("대통령령\\s?\\d*호?", false, NULL, false, "", __LINE__);
}

TEST(regex_split_suffix_and_steps) {
  /* The literal run reaches the end of the pattern: a trigger is a whole
     string of the suffix, whose check could never fail. */
  check_split("「[^」\\n]{1,60}(?:법|법률|령|규칙|협약)」", false, NULL, true,
              "「{1,1} [^」\\n]{1,60}", __LINE__);
  /* A non-exact alternation at the end can fail. */
  check_split("\\w{1,5}(?:법안|법\\d)", false, "(?:법안|법\\d)", true,
              "\\w{1,5}", __LINE__);
  /* A zero-width item begins the literal's run; the lookbehind before
     the prefix adds no step. */
  check_split("(?<![가-힣])[가-힣]{2,4}\\b법", false, "\\b법", true,
              "[가-힣]{2,4}", __LINE__);
  /* Options set before an item are written before it. */
  check_split("(?m)^[ \\t]*(?:출처|자료)[ \\t]*:", false,
              "(?m)(?:출처|자료)[ \\t]*:", true, "(?m)[ \\t]{0,}", __LINE__);
  check_split("(?s)a.{0,3}법안\\b", false, "(?s)법안\\b", true,
              "(?s)a{1,1} (?s).{0,3}", __LINE__);
  /* Caseless: the same split; the steps are compiled caseless. */
  check_split("[a-z]{2,10} act\\b", true, " act\\b", true, "[a-z]{2,10}",
              __LINE__);
  /* A maximum beyond what a walk counts is fine, a minimum is not. */
  check_split("\\w{2,100}법안\\b", false, "법안\\b", true, "\\w{2,100}",
              __LINE__);
  check_split("\\w{64,70}법안\\b", false, "법안\\b", false, "", __LINE__);
}

TEST(regex_split_prefix_without_walk) {
  /* A group, \R (two characters) or too many steps: the suffix only. */
  check_split("(?:ab)?\\s?법안(?=\\s)", false, "법안(?=\\s)", false, "",
              __LINE__);
  check_split("a\\R법안\\b", false, "법안\\b", false, "", __LINE__);
  char many[256] = "";
  for (int i = 0; i < REGEX_WALK_MAX_STEPS + 1; i++) strcat(many, "\\d?");
  strcat(many, "법안\\b");
  check_split(many, false, "법안\\b", false, "", __LINE__);
}

TEST(regex_split_falls_back) {
  /* Top-level alternation, \G, a literal that may lie in a later
     repetition or inside a group: no split. */
  check_split("foo\\d+|\\w+bar", false, NULL, false, "", __LINE__);
  check_split("\\w{0,3}\\G법안", false, NULL, false, "", __LINE__);
  check_split("\\d(?:법안|협약){1,3}", false, NULL, false, "", __LINE__);
  check_split("(?<n>\\w{1,5}법)", false, NULL, false, "", __LINE__);
  check_split("\\w{1,5}(?:x\\d법|법)", false, NULL, false, "", __LINE__);
  /* Syntax the analysis gives up on. */
  check_split("(\\w)\\1법안", false, NULL, false, "", __LINE__);
  check_split("\\w{1,3}(?(1)법|안)", false, NULL, false, "", __LINE__);
  check_split("\\w{1,3}(*SKIP)법안", false, NULL, false, "", __LINE__);
}

TEST(regex_split_out_of_memory_is_clean) {
  for (long k = 0; k < 60; k++) {
    counting c = {0, 0, k};
    mem m = counting_mem(&c);
    regex_info info;
    int rc = regex_analyze(&m, "(?m)^[ \\t]*(?:출처|자료)[ \\t]*:", false,
                           &info);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    if (rc == BUNRYU_ENOMEM) CHECK(!info.suffix && !info.steps);
    regex_info_free(&m, &info);
    CHECK_INT(c.live, 0);
  }
}

/* ======================================================================
** Anchored matching
** ==================================================================== */

TEST(regex_match_at_is_anchored_and_sees_before) {
  mem m = mem_default();
  regex *re = NULL;
  char err[128];
  size_t off;
  CHECK_INT(regex_compile_anchored(&m, "(?<=[가-힣])(?:법안|법)(?=[\\s,.]|$)",
                                   false, &re, NULL, err, sizeof err, &off),
            BUNRYU_OK);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  const char *t = "방법을 보호법, 법안.";
  size_t len = strlen(t);
  CHECK_INT(regex_match_at(re, s, t, len, 3), 0);  /* 법을: no */
  CHECK_INT(regex_match_at(re, s, t, len, 16), 1); /* 보호법, */
  CHECK_INT(regex_match_at(re, s, t, len, 0), 0);  /* not at 방 */
  CHECK_INT(regex_match_at(re, s, t, len, 21), 0); /* 법안 after a space */
  CHECK_INT(regex_match_at(re, s, t, len, 17), 0); /* inside 법 */
  CHECK_INT(regex_match_at(re, s, t, len, len + 1), BUNRYU_EINVAL);
  regex_scratch_free(s);
  regex_free(re);
}

TEST(regex_match_at_hits_limits) {
  mem m = mem_default();
  regex *re = NULL;
  CHECK_INT(regex_compile_anchored(&m, "(x+x+)+y", false, &re, NULL, NULL, 0,
                                   NULL),
            BUNRYU_OK);
  regex_scratch *s = regex_scratch_new(&m, NULL);
  char text[256];
  memset(text, 'x', 200);
  strcpy(text + 200, "zy");
  CHECK_INT(regex_match_at(re, s, text, strlen(text), 0), BUNRYU_ELIMIT);
  regex_scratch_free(s);
  regex_free(re);
}

/* ======================================================================
** The characters of an item, asked of PCRE2
** ==================================================================== */

static bool in_ranges(const uint32_t *r, size_t n, uint32_t cp) {
  for (size_t i = 0; i < n; i++)
    if (cp >= r[2 * i] && cp < r[2 * i + 1]) return true;
  return false;
}

/* Whether item (caseless or not) matches each of yes[] and none of no[]
   (both 0-terminated, but a leading 0 in yes[] stands for U+0000). */
static void check_item(regex_probe *p, const char *item, bool caseless,
                       const uint32_t *yes, const uint32_t *no, int line) {
  uint32_t *r = NULL;
  size_t n = 0;
  int rc = regex_probe_ranges(p, item, caseless, &r, &n);
  unit_check(rc == BUNRYU_OK, __FILE__, line, item, "probe failed");
  for (size_t i = 0; yes[i] || i == 0; i++) {
    char d[64];
    snprintf(d, sizeof d, "U+%04X should match", (unsigned)yes[i]);
    unit_check(in_ranges(r, n, yes[i]), __FILE__, line, item, d);
  }
  for (size_t i = 0; no[i]; i++) {
    char d[64];
    snprintf(d, sizeof d, "U+%04X should not match", (unsigned)no[i]);
    unit_check(!in_ranges(r, n, no[i]), __FILE__, line, item, d);
  }
  mem m = mem_default();
  mem_free(&m, r, 2 * n * sizeof *r);
}

#define U32S(...) ((const uint32_t[]){__VA_ARGS__, 0})

TEST(regex_probe_ranges_are_pcre2s) {
  mem m = mem_default();
  regex_probe *p = regex_probe_new(&m);
  CHECK(p != NULL);
  uint32_t *r = NULL;
  size_t n = 0;
  CHECK_INT(regex_probe_ranges(p, "[a-c]", false, &r, &n), BUNRYU_OK);
  CHECK_SIZE(n, 1);
  CHECK(r[0] == 'a' && r[1] == 'd');
  mem_free(&m, r, 2 * n * sizeof *r);
  /* Negation: everything else, up to the end of the BMP. */
  CHECK_INT(regex_probe_ranges(p, "[^a]", false, &r, &n), BUNRYU_OK);
  CHECK_SIZE(n, 2);
  CHECK(r[0] == 0 && r[1] == 'a' && r[2] == 'b' && r[3] == 0x10000);
  mem_free(&m, r, 2 * n * sizeof *r);
  check_item(p, "\\p{Hangul}", false, U32S(0xAC00, 0xD7A3, 0x3131, 0x1100),
             U32S('a', 0x4E00, ' '), __LINE__);
  check_item(p, "k", true, U32S('k', 'K', 0x212A), U32S('j', 'l'), __LINE__);
  check_item(p, "[a-z]", true, U32S('Q', 's', 0x017F, 0x212A), U32S('0'),
             __LINE__);
  check_item(p, ".", false, U32S(0, 'a', 0xFFFD), U32S('\n'), __LINE__);
  check_item(p, "(?s).", false, U32S('\n', 'a'), U32S(0), __LINE__);
  check_item(p, "\\s", false, U32S('\n', ' ', 0x3000, 0x00A0), U32S('a'),
             __LINE__);
  check_item(p, "\\d", false, U32S('7', 0x0660, 0xFF10), U32S('a'), __LINE__);
  check_item(p, "[^」\\n]", false, U32S('a', 0x300C), U32S('\n', 0x300D),
             __LINE__);
  /* Not one character. */
  CHECK_INT(regex_probe_ranges(p, "(?:a|)", false, &r, &n), BUNRYU_EINVAL);
  CHECK(r == NULL && n == 0);
  CHECK_INT(regex_probe_ranges(p, "[a", false, &r, &n), BUNRYU_ERULE);
  regex_probe_free(p);
}

TEST(regex_probe_complement_runs_equal_a_search) {
  /* Items with a complement (a class, an escape) are probed through it;
     wrapped in a group they are not, and each run is searched for. Both
     must give the same characters. */
  static const struct {
    const char *item;
    bool caseless;
  } items[] = {
      {"[a-c]", false},       {"[^a]", false},
      {"\\p{Hangul}", false}, {"\\P{Hangul}", false},
      {"\\pL", false},        {"\\p{^Lu}", false},
      {"[a-z]", true},        {"[^a-z]", true},
      {"\\s", false},         {"\\S", false},
      {"\\d", false},         {"\\w", true},
      {"\\W", false},         {"\\h", false},
      {"\\v", false},         {"\\H", false},
      {"[^」\\n]", false},    {"(?i)[k]", false},
      {"(?m)[ \\t]", false},  {"(?i-s)[^x]", false},
      {"[]a]", false},        {"[^]a]", false},
      {"[[:alpha:]]", false}, {"[[:^digit:]\\d]", false},
      {"[\\p{Hangul}A-Za-z0-9·]", false},
  };
  mem m = mem_default();
  regex_probe *p = regex_probe_new(&m);
  for (size_t i = 0; p && i < sizeof items / sizeof *items; i++) {
    char wrapped[64];
    snprintf(wrapped, sizeof wrapped, "(?:%s)", items[i].item);
    uint32_t *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int ra = regex_probe_ranges(p, items[i].item, items[i].caseless, &a, &na);
    int rb = regex_probe_ranges(p, wrapped, items[i].caseless, &b, &nb);
    bool same = ra == BUNRYU_OK && rb == BUNRYU_OK && na == nb && na > 0 &&
                memcmp(a, b, 2 * na * sizeof *a) == 0;
    unit_check(same, __FILE__, __LINE__, items[i].item,
               "complement runs differ from a search");
    mem_free(&m, a, 2 * na * sizeof *a);
    mem_free(&m, b, 2 * nb * sizeof *b);
  }
  regex_probe_free(p);
}

/* ======================================================================
** The check before a match: the literal, then a character it allows
** ==================================================================== */

/* The items of pattern's regex_info.next, space-separated ("" for none). */
static void check_next(const char *pattern, bool caseless, const char *want,
                       int line) {
  regex_info info = analyze(pattern, caseless);
  char got[256] = "";
  for (size_t i = 0; i < info.n_next; i++) {
    if (i) strcat(got, " ");
    strncat(got, info.next[i].item, sizeof got - strlen(got) - 2);
  }
  unit_check(strcmp(got, want) == 0, __FILE__, line, pattern, got);
  info_free(&info);
}

TEST(regex_analyze_what_follows_the_literal) {
  check_next("\\b(?:SB|HB|LD|S)\\s?\\d{2,4}\\b", false, "\\s \\d", __LINE__);
  check_next("「[^」\\n]{1,30}」", false, "[^」\\n]", __LINE__);
  /* zero-width items are left out; options travel with the item */
  check_next("(?m)^ab\\b(?=x)\\d", false, "(?m)\\d", __LINE__);
  check_next("(?:ab|cd)\\s?\\d", false, "\\s \\d", __LINE__);
  /* an exact item joins the literal's run */
  check_next("(?:ab|cd)x?\\d", false, "\\d", __LINE__);
  /* nothing that must take a character, or not followed: none */
  check_next("\\b(?:GDPR|AIA)\\b", false, "", __LINE__);
  check_next("대통령령\\s?\\d*호?", false, "", __LINE__);
  check_next("ab(?:c|d\\d)\\d", false, "", __LINE__);
  check_next("ab\\s?(?:x)\\d", false, "", __LINE__);
  /* something before the literal, caseless, alternatives at the top */
  check_next("[A-Z]SB\\d", false, "", __LINE__);
  check_next("\\b(?:SB|HB)\\s?\\d{2,4}", true, "", __LINE__);
  check_next("SB\\d|HB\\d", false, "", __LINE__);
  check_next("(?i)SB\\d", false, "", __LINE__);
}

TEST(regex_ascii_members_are_pcre2s) {
  mem m = mem_default();
  uint64_t set[2];
  CHECK_INT(regex_ascii_members(&m, "[a-c]", false, set), BUNRYU_OK);
  CHECK(set[0] == 0 && set[1] == ((uint64_t)7 << ('a' - 64)));
  CHECK_INT(regex_ascii_members(&m, "\\s", false, set), BUNRYU_OK);
  CHECK(set[1] == 0 && set[0] == (((uint64_t)0x1F << 9) | ((uint64_t)1 << 32)));
  CHECK_INT(regex_ascii_members(&m, "(?i)k", false, set), BUNRYU_OK);
  CHECK(set[0] == 0 &&
        set[1] == (((uint64_t)1 << ('k' - 64)) | ((uint64_t)1 << ('K' - 64))));
  CHECK_INT(regex_ascii_members(&m, "k", true, set), BUNRYU_OK);
  CHECK(set[1] == (((uint64_t)1 << ('k' - 64)) | ((uint64_t)1 << ('K' - 64))));
  CHECK_INT(regex_ascii_members(&m, "[^a]", false, set), BUNRYU_OK);
  CHECK(set[0] == ~(uint64_t)0 && set[1] == ~((uint64_t)1 << ('a' - 64)));
  CHECK_INT(regex_ascii_members(&m, "가", false, set), BUNRYU_OK);
  CHECK(set[0] == 0 && set[1] == 0);
  CHECK_INT(regex_ascii_members(&m, "(?:a|)", false, set), BUNRYU_EINVAL);
  CHECK_INT(regex_ascii_members(&m, "[a", false, set), BUNRYU_ERULE);
}

/* Text of n pieces drawn (xorshift, fixed seed) from pieces[0, count),
   none longer than `longest` bytes: the texts on which the differential
   tests below compare with PCRE2. */
static char *random_text(const char *const *pieces, size_t count,
                         size_t longest, uint64_t seed, size_t n) {
  uint64_t x = seed * 0x9E3779B97F4A7C15u + 3;
  char *text = malloc(longest * n + 1);
  if (!text) abort();
  size_t at = 0;
  for (size_t i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const char *t = pieces[(x >> 9) % count];
    memcpy(text + at, t, strlen(t));
    at += strlen(t);
  }
  text[at] = '\0';
  return text;
}

/* Text of n tokens around the literals of the patterns below. */
static char *lead_text(uint64_t seed, size_t n) {
  static const char *const tokens[] = {
      "S", "SB", "HB", "H", "B", " ", "  ", "\t", "\n", "1", "23", "4567",
      "x", "Sta", "가", "「", "」", "『", "a", ",", "\xE3\x80\x80", "٣"};
  return random_text(tokens, sizeof tokens / sizeof *tokens, 8, seed, n);
}

TEST(regex_checked_matches_are_pcre2s) {
  /* A pattern with a check before PCRE2 finds, at each start and over
     each short range, what PCRE2 finds: compared with a search without a
     start limit, which the check leaves alone. */
  static const char *const pats[] = {
      "\\b(?:SB|HB|S)\\s?\\d{2,5}\\b",
      "「[^」\\n]{1,5}」",
      "(?<![A-Z])S\\s*B?\\d",
      "(?:SB|S)x?\\s",
  };
  mem m = mem_default();
  regex_scratch *rs = regex_scratch_new(&m, NULL);
  for (size_t k = 0; k < sizeof pats / sizeof *pats; k++) {
    regex_info info = analyze(pats[k], false);
    CHECK(info.n_next > 0); /* the check exists */
    info_free(&info);
    regex *re = compile_ok(&m, pats[k], false, NULL);
    regex *an = NULL;
    CHECK_INT(regex_compile_anchored(&m, pats[k], false, &an, NULL, NULL, 0,
                                     NULL),
              BUNRYU_OK);
    for (uint64_t seed = 1; re && an && seed <= 40; seed++) {
      char *t = lead_text(seed * 7 + k, 40);
      size_t len = strlen(t);
      for (size_t at = 0; at <= len; at++) {
        size_t ms, me, ms2, me2;
        int free_rc = regex_find(re, rs, t, len, at, REGEX_UNBOUNDED, -1, &ms,
                                 &me, NULL, NULL);
        for (size_t w = 0; w <= 3; w++) {
          bool want = free_rc == 1 && ms <= at + w;
          int rc = regex_find(re, rs, t, len, at, at + w, -1, &ms2, &me2,
                              NULL, NULL);
          bool same = (rc == 1) == want &&
                      (!want || (ms2 == ms && me2 == me));
          if (!same) {
            char msg[96];
            snprintf(msg, sizeof msg, "seed %llu at %zu width %zu",
                     (unsigned long long)seed, at, w);
            unit_check(0, __FILE__, __LINE__, pats[k], msg);
          }
        }
        bool starts_here = free_rc == 1 && ms == at;
        bool char_start = at == len || ((unsigned char)t[at] & 0xC0u) != 0x80u;
        CHECK_INT(regex_match_at(an, rs, t, len, at),
                  starts_here && char_start ? 1 : 0);
      }
      free(t);
    }
    regex_free(re);
    regex_free(an);
  }
  regex_scratch_free(rs);
}

TEST(regex_check_out_of_memory_is_clean) {
  for (long k = 0; k < 120; k++) {
    counting c = {0, 0, k};
    mem m = counting_mem(&c);
    regex *re = NULL;
    int rc = regex_compile(&m, "\\b(?:SB|HB|S)\\s?\\d{2,5}\\b", false, &re,
                           NULL, NULL, 0, NULL);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    CHECK((rc == BUNRYU_OK) == (re != NULL));
    if (re) CHECK(regex_memory(re) > 0);
    regex_free(re);
    CHECK_INT(c.live, 0);
    uint64_t set[2];
    rc = regex_ascii_members(&m, "[a-z]", false, set);
    CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
    CHECK_INT(c.live, 0);
  }
}

/* ======================================================================
** The reverse walk
** ==================================================================== */

/* A walk over the steps of pattern's split. */
static regex_walk *walk_of(regex_probe *p, const char *pattern,
                           bool caseless) {
  mem m = mem_default();
  regex_info info = analyze(pattern, caseless);
  regex_walk *w = NULL;
  unit_check(info.walk, __FILE__, __LINE__, pattern, "no walk");
  int rc = regex_walk_new(&m, p, info.steps, info.n_steps, caseless, &w);
  unit_check(rc == BUNRYU_OK && w, __FILE__, __LINE__, pattern, "walk_new");
  info_free(&info);
  return w;
}

/* Walks back from the byte offset of `at` (a substring of text). */
static bool walk_at(const regex_walk *w, const char *text, const char *at,
                    size_t floor, size_t *lo, size_t *hi) {
  const char *q = strstr(text, at);
  return regex_walk_starts(w, text, floor, (size_t)(q - text), lo, hi);
}

TEST(regex_walk_bounds_law_starts) {
  mem m = mem_default();
  regex_probe *p = regex_probe_new(&m);
  regex_walk *w = walk_of(p, LAW_KOREAN, false);
  size_t lo, hi;
  /* One space, then two to twenty class characters. */
  const char *t = "그는 개인정보 보호법을";
  CHECK(walk_at(w, t, "법을", 0, &lo, &hi));
  CHECK_SIZE(lo, strlen("그는 개인정보 "));
  CHECK_SIZE(hi, lo);
  t = "x 개인정보보호법";
  CHECK(walk_at(w, t, "법", 0, &lo, &hi));
  CHECK_SIZE(lo, 2);
  CHECK_SIZE(hi, strlen("x 개인정보"));
  t = "정보 보호 법";
  CHECK(walk_at(w, t, "법", 0, &lo, &hi));
  CHECK_SIZE(lo, strlen("정보 "));
  CHECK_SIZE(hi, lo);
  /* Too short a run: no start at all. */
  CHECK(!walk_at(w, "좋은 방법", "법", 0, &lo, &hi));
  CHECK(!walk_at(w, "법", "법", 0, &lo, &hi));
  /* The floor cuts the run short. */
  t = "개인정보보호법";
  CHECK(walk_at(w, t, "법", 6, &lo, &hi));
  CHECK_SIZE(lo, 6);
  CHECK_SIZE(hi, 12);
  CHECK(!walk_at(w, t, "법", 13, &lo, &hi));
  /* At most sixteen characters. */
  char long_run[128] = "";
  for (int i = 0; i < 25; i++) strcat(long_run, "가");
  strcat(long_run, "법");
  CHECK(walk_at(w, long_run, "법", 0, &lo, &hi));
  CHECK_SIZE(lo, 9 * 3);
  CHECK_SIZE(hi, 23 * 3);
  regex_walk_free(w);
  regex_probe_free(p);
}

TEST(regex_walk_unbounded_and_empty_prefixes) {
  mem m = mem_default();
  regex_probe *p = regex_probe_new(&m);
  size_t lo, hi;
  /* \b and the unbounded [A-Za-z]+ after [A-Z]. */
  regex_walk *w = walk_of(p, LAW_ENGLISH, false);
  const char *t = "the EU AI Act";
  CHECK(walk_at(w, t, " Act", 0, &lo, &hi));
  CHECK_SIZE(lo, 7);
  CHECK_SIZE(hi, 7);
  CHECK(walk_at(w, "Digital Services Act", " Act", 0, &lo, &hi));
  CHECK_SIZE(lo, 8); /* the capital's run: "Services" */
  CHECK_SIZE(hi, 8);
  CHECK(!walk_at(w, "an act", " act", 0, &lo, &hi));
  /* Past REGEX_WALK_MAX_BYTES the walk settles for its floor. */
  size_t n = REGEX_WALK_MAX_BYTES + 100;
  char *big = malloc(n + 5);
  memset(big, 'a', n);
  big[0] = 'A';
  strcpy(big + n, " Act");
  CHECK(regex_walk_starts(w, big, 0, n, &lo, &hi));
  CHECK_SIZE(lo, 0);
  CHECK(hi <= n - 2);
  free(big);
  regex_walk_free(w);
  /* A prefix that may be empty accepts the trigger itself. */
  w = walk_of(p, "\\d*(?:법안|협약)\\b", false);
  CHECK(walk_at(w, "제12법안", "법안", 0, &lo, &hi));
  CHECK_SIZE(lo, 3);
  CHECK_SIZE(hi, 5);
  CHECK(walk_at(w, "법안", "법안", 0, &lo, &hi));
  CHECK_SIZE(lo, 0);
  CHECK_SIZE(hi, 0);
  regex_walk_free(w);
  /* Characters beyond the BMP count as members of every set. */
  w = walk_of(p, "[a-z]{1,3}(?:법안|협약)\\b", false);
  CHECK(walk_at(w, "\xF0\x9F\x98\x80" "법안", "법안", 0, &lo, &hi));
  CHECK_SIZE(lo, 0);
  /* Bytes that are not UTF-8 cannot be counted: the floor. */
  CHECK(walk_at(w, "ab\x80\x80\x80\x80" "c법안", "법안", 1, &lo, &hi));
  CHECK_SIZE(lo, 1);
  CHECK_SIZE(hi, 6);
  regex_walk_free(w);
  regex_probe_free(p);
}

/* The prefix of info as one pattern of its own, anchored at both ends:
   the steps each as a group repeated {min,max}. */
static char *prefix_pattern(const regex_info *info) {
  size_t cap = 64;
  for (size_t i = 0; i < info->n_steps; i++)
    cap += strlen(info->steps[i].item) + 48;
  char *out = malloc(cap);
  if (!out) abort();
  size_t at = (size_t)snprintf(out, cap, "(?:");
  for (size_t i = 0; i < info->n_steps; i++) {
    const regex_step *st = &info->steps[i];
    char max[32] = "";
    if (st->max != REGEX_UNBOUNDED) snprintf(max, sizeof max, "%zu", st->max);
    at += (size_t)snprintf(out + at, cap - at, "(?:%s){%zu,%s}", st->item,
                           st->min, max);
  }
  snprintf(out + at, cap - at, ")\\z");
  return out;
}

/* Text of n characters from a small alphabet that the prefixes below
   care about. */
static char *walk_text(uint64_t seed, size_t n) {
  static const char *const chars[] = {"가", "법", "·", " ", " ", "\n", "A",
                                      "b", "Z", "1", "x", ",", "é", "\t",
                                      "漢", "-", "\xE3\x80\x80"};
  return random_text(chars, sizeof chars / sizeof *chars, 4, seed, n);
}

TEST(regex_walk_equals_a_full_match_of_the_prefix) {
  /* At every position of random texts (BMP, valid UTF-8, short), the walk
     finds exactly the starts from which PCRE2 matches the prefix so that
     it ends there. */
  static const struct {
    const char *re;
    bool caseless;
  } pats[] = {
      {LAW_KOREAN, false},
      {LAW_ENGLISH, false},
      {"[가-힣]{0,3}\\s?\\d*[A-Z]{1,2}법", false},
      {"\\s*[a-z·]{2,4}\\s{1,2}[가-힣]*법", false},
      {"[^\\s]{1,5}법", false},
      {"\\w?\\w?\\w?법", false},
      {"(?s)a.{0,3}법안", false},
      {"[a-z]{1,3}[^a-z]{2}법", true},
  };
  mem m = mem_default();
  regex_probe *p = regex_probe_new(&m);
  regex_scratch *rs = regex_scratch_new(&m, NULL);
  for (size_t k = 0; k < sizeof pats / sizeof *pats; k++) {
    bool caseless = pats[k].caseless;
    regex_info info = analyze(pats[k].re, caseless);
    regex_walk *w = NULL;
    regex *ref = NULL;
    char *src = prefix_pattern(&info);
    CHECK(info.walk);
    CHECK_INT(regex_walk_new(&m, p, info.steps, info.n_steps, caseless, &w),
              BUNRYU_OK);
    CHECK_INT(regex_compile_anchored(&m, src, caseless, &ref, NULL, NULL, 0,
                                     NULL),
              BUNRYU_OK);
    for (uint64_t seed = 1; w && ref && seed <= 12; seed++) {
      char *t = walk_text(seed * 31 + k, 60);
      size_t len = strlen(t);
      for (size_t at = 0; at <= len; at++) {
        if (((unsigned char)t[at] & 0xC0u) == 0x80u) continue;
        size_t floor = seed % 3 == 0 ? at / 2 : 0;
        while (((unsigned char)t[floor] & 0xC0u) == 0x80u) floor++;
        bool want = false;
        size_t want_lo = 0, want_hi = 0;
        for (size_t s = floor; s <= at; s++) {
          if (s < at && ((unsigned char)t[s] & 0xC0u) == 0x80u) continue;
          /* The prefix alone, over text[s, at): \z ends it at `at`. */
          if (regex_match_at(ref, rs, t, at, s) != 1) continue;
          if (!want) want_lo = s;
          want = true;
          want_hi = s;
        }
        size_t lo = 0, hi = 0;
        bool got = regex_walk_starts(w, t, floor, at, &lo, &hi);
        bool same = got == want && (!want || (lo == want_lo && hi == want_hi));
        if (!same) {
          char msg[160];
          snprintf(msg, sizeof msg,
                   "seed %llu at %zu floor %zu: walk %d [%zu, %zu], "
                   "PCRE2 %d [%zu, %zu]",
                   (unsigned long long)seed, at, floor, got, lo, hi, want,
                   want_lo, want_hi);
          unit_check(0, __FILE__, __LINE__, pats[k].re, msg);
        }
      }
      free(t);
    }
    free(src);
    regex_free(ref);
    regex_walk_free(w);
    info_free(&info);
  }
  regex_scratch_free(rs);
  regex_probe_free(p);
}

TEST(regex_walk_out_of_memory_is_clean) {
  regex_info info = analyze(LAW_KOREAN, false);
  for (long k = 0; k < 80; k++) {
    counting c = {0, 0, k};
    mem m = counting_mem(&c);
    regex_probe *p = regex_probe_new(&m);
    regex_walk *w = NULL;
    if (p) {
      int rc = regex_walk_new(&m, p, info.steps, info.n_steps, false, &w);
      CHECK(rc == BUNRYU_OK || rc == BUNRYU_ENOMEM);
      CHECK((rc == BUNRYU_OK) == (w != NULL));
      CHECK(regex_walk_memory(w) > 0 || !w);
    }
    regex_walk_free(w);
    regex_probe_free(p);
    CHECK_INT(c.live, 0);
  }
  info_free(&info);
}
