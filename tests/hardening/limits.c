/*
** limits.c — every limit of core/limits.h, each pushed past its value:
** the work must stop with a clear error that names the limit (and the rule
** file and line where there is one), in bounded time, without a crash or a
** silently truncated result, and the scanner must stay usable afterwards.
** What tests/unit/test_engine.c already covers (input size and hits on
** bunryu_scan, a catastrophic regex returning ELIMIT) is not repeated; this
** adds the edges (exactly at a limit), bunryu_scan_zones, the regex
** depth and heap limits, the messages, and every Lua limit (hook
** instructions and memory, load instructions and memory, require depth,
** pcall that tries to swallow a limit).
**
**   limits            prints "limits: N passed, N failed"
*/
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bunryu.h"
#include "harden.h"

static char dir[256];

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Writes a file of the temp folder; returns its path (static buffer). */
static const char *put_file(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static const char *put_file(const char *name, const char *fmt, ...) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(2);
  }
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fclose(f);
  return path;
}

/* A scanner on an engine built from b (which is freed); NULL on failure. */
static bunryu_scanner *scanner_of(bunryu_builder *b) {
  bunryu_engine *e = NULL;
  int rc = bunryu_builder_build(b, &e);
  CHECK_MSG(rc == BUNRYU_OK, bunryu_builder_error(b));
  bunryu_builder_free(b);
  if (!e) return NULL;
  char err[512] = "";
  bunryu_scanner *s = bunryu_scanner_new(e, err, sizeof err);
  CHECK_MSG(s != NULL, err);
  bunryu_engine_free(e); /* the scanner keeps it */
  return s;
}

/* Scans text and checks that an error result also renders as JSON. */
static int scan(bunryu_scanner *s, const char *text, size_t len,
                const bunryu_result **r) {
  int rc = bunryu_scan(s, text, len, 0, r);
  const char *json = bunryu_result_json(*r, "d", NULL, 0, NULL);
  CHECK(json != NULL);
  if (rc != BUNRYU_OK) CHECK(json && strstr(json, "\"error\""));
  return rc;
}

/* The scanner still classifies a plain document. */
static void still_usable(bunryu_scanner *s) {
  const bunryu_result *r;
  const char *doc = "국회 법안\n\n국회가 법안을 처리했다.";
  CHECK_RC(bunryu_scan(s, doc, strlen(doc), 0, &r), BUNRYU_OK);
  CHECK(bunryu_result_label(r) != NULL);
}

static bunryu_builder *one_category(void) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "policy", NULL);
  bunryu_builder_add_keyword(b, c, "법안", 1, 0, 0);
  bunryu_builder_add_keyword(b, c, "국회", 1, 0, 0);
  return b;
}

/* ----------------------------------------------------------------------
** BUNRYU_LIMIT_INPUT_BYTES
** -------------------------------------------------------------------- */
static void input_bytes(void) {
  bunryu_builder *b = one_category();
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_INPUT_BYTES, 64);
  bunryu_scanner *s = scanner_of(b);
  if (!s) return;
  char doc[200];
  memset(doc, ' ', sizeof doc);
  memcpy(doc, "국회 법안", strlen("국회 법안"));
  const bunryu_result *r;
  /* Exactly at the limit: accepted, whole. */
  CHECK_RC(scan(s, doc, 64, &r), BUNRYU_OK);
  CHECK(bunryu_result_label(r) != NULL);
  /* One byte over: an error naming the limit, not a truncated result. */
  CHECK_RC(scan(s, doc, 65, &r), BUNRYU_ETOOBIG);
  CHECK_HAS(bunryu_result_error_message(r), "BUNRYU_LIMIT_INPUT_BYTES");
  CHECK(bunryu_result_label(r) == NULL);
  CHECK(bunryu_result_category_count(r) == 0);
  /* Title and body together count. */
  CHECK_RC(bunryu_scan_zones(s, doc, 40, doc, 40, 0, &r), BUNRYU_ETOOBIG);
  CHECK_HAS(bunryu_result_error_message(r), "BUNRYU_LIMIT_INPUT_BYTES");
  CHECK_RC(bunryu_scan_zones(s, doc, 20, doc, 44, 0, &r), BUNRYU_OK);
  still_usable(s);
  bunryu_scanner_free(s);
}

/* ----------------------------------------------------------------------
** BUNRYU_LIMIT_REGEX_MATCH / _DEPTH / _HEAP_KB
** -------------------------------------------------------------------- */
static void regex_limit(bunryu_limit which, uint64_t value, const char *re,
                        const char *what) {
  bunryu_builder *b = bunryu_builder_new();
  int c = bunryu_builder_add_category(b, "x", NULL);
  bunryu_builder_add_keyword(b, c, "법안", 1, 0, 0);
  bunryu_builder_set_location(b, "limits.lua", 42);
  int rc = bunryu_builder_add_pattern(b, c, re, 1, 0, 0);
  CHECK_MSG(rc == BUNRYU_OK, bunryu_builder_error(b));
  bunryu_builder_set_limit(b, which, value);
  CHECK(bunryu_builder_get_limit(b, which) == value);
  bunryu_scanner *s = scanner_of(b);
  if (!s) return;
  /* "abab…abx" then "c": the pattern backtracks through every pair. */
  size_t n = 6000;
  char *doc = malloc(n + 8);
  for (size_t i = 0; i < n; i++) doc[i] = (i & 1) ? 'b' : 'a';
  memcpy(doc + n, "x c", 4);
  const bunryu_result *r;
  double t0 = now();
  rc = scan(s, doc, n + 3, &r);
  double dt = now() - t0;
  CHECK_MSG(rc == BUNRYU_ELIMIT, what);
  CHECK_HAS(bunryu_result_error_message(r), "BUNRYU_LIMIT_REGEX_");
  CHECK_HAS(bunryu_result_error_message(r), "limits.lua:42");
  CHECK_MSG(dt < 5.0, what);
  still_usable(s);
  free(doc);
  bunryu_scanner_free(s);
}

/* ----------------------------------------------------------------------
** BUNRYU_LIMIT_HITS: exactly at the limit is fine, one more is an error
** -------------------------------------------------------------------- */
static void hits(void) {
  bunryu_builder *b = bunryu_builder_new();
  int firm = bunryu_builder_add_entity_type(b, "company", 0);
  bunryu_builder_add_alias(b, firm, "Naver", "네이버", 0);
  int law = bunryu_builder_add_entity_type(b, "law", 0);
  bunryu_builder_add_entity_pattern(b, law, "「(?<name>[^」]{1,20})」", 0);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_HITS, 4);
  bunryu_scanner *s = scanner_of(b);
  if (!s) return;
  const bunryu_result *r;
  /* Two alias hits and two pattern hits (each with its trigger literal
     seen, which counts too: so use aliases alone for the edge). */
  const char *four = "네이버 네이버 네이버 네이버";
  CHECK_RC(scan(s, four, strlen(four), &r), BUNRYU_OK);
  size_t count = 0;
  if (bunryu_result_entity_count(r) == 1)
    bunryu_result_entity(r, 0, NULL, NULL, NULL, NULL, NULL, NULL, &count,
                         NULL);
  CHECK(count == 4);
  const char *five = "네이버 네이버 네이버 네이버 네이버";
  CHECK_RC(scan(s, five, strlen(five), &r), BUNRYU_ELIMIT);
  CHECK_HAS(bunryu_result_error_message(r), "BUNRYU_LIMIT_HITS");
  CHECK(bunryu_result_entity_count(r) == 0);
  const char *laws = "「가」 「나」 「다」 「라」 「마」 「바」";
  CHECK_RC(scan(s, laws, strlen(laws), &r), BUNRYU_ELIMIT);
  CHECK_HAS(bunryu_result_error_message(r), "BUNRYU_LIMIT_HITS");
  CHECK_RC(scan(s, "네이버", strlen("네이버"), &r), BUNRYU_OK);
  bunryu_scanner_free(s);
}

/* ----------------------------------------------------------------------
** Lua hooks: BUNRYU_LIMIT_LUA_INSTRUCTIONS and BUNRYU_LIMIT_LUA_MEMORY
** -------------------------------------------------------------------- */
static const char hook_rules[] =
    "category \"policy\" { keywords = { \"국회\", \"법안\" } }\n"
    "function classify(doc, scores)\n"                                 /* 2 */
    "  local t = doc.title\n"
    "  if t:find(\"spin\") then while true do end end\n"               /* 4 */
    "  if t:find(\"swallow\") then\n"
    "    for i = 1, 1000 do pcall(function() while true do end end) end\n"
    "    return \"policy\"\n"
    "  end\n"
    "  if t:find(\"count\") then\n"
    "    local n = tonumber(t:match(\"%d+\"))\n"
    "    local x = 0\n"
    "    for i = 1, n do x = x + i end\n"
    "  end\n"
    "  if t:find(\"hog\") then\n"
    "    local k = {}\n"
    "    local x = (\"x\"):rep(8192); for i = 1, 1e9 do k[i] = x .. i end\n" /* 16 */
    "  end\n"
    "  if t:find(\"concat\") then\n"
    "    local s = \"x\"\n"
    "    for i = 1, 64 do s = s .. s end\n"                            /* 20 */
    "  end\n"
    "  if t:find(\"rep\") then local s = string.rep(\"x\", 1 << 40) end\n"
    "end\n";

static void lua_hook_limits(void) {
  const char *path = put_file("hooks.lua", "%s", hook_rules);
  bunryu_builder *b = bunryu_builder_new();
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LUA_INSTRUCTIONS, 200000);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LUA_MEMORY, 4u << 20);
  int rc = bunryu_builder_load_rules(b, path);
  CHECK_MSG(rc == BUNRYU_OK, bunryu_builder_error(b));
  bunryu_scanner *s = scanner_of(b);
  if (!s) return;
  const bunryu_result *r;
  char doc[256];
  double t0;

  snprintf(doc, sizeof doc, "spin 국회\n\n법안");
  t0 = now();
  CHECK_RC(scan(s, doc, strlen(doc), &r), BUNRYU_ELIMIT);
  CHECK(now() - t0 < 5.0);
  CHECK_HAS(bunryu_result_error_message(r), "instruction limit");
  CHECK_HAS(bunryu_result_error_message(r), "hooks.lua:4");
  still_usable(s);

  /* pcall must not catch the limit, however often it is retried. */
  snprintf(doc, sizeof doc, "swallow 국회\n\n법안");
  t0 = now();
  CHECK_RC(scan(s, doc, strlen(doc), &r), BUNRYU_ELIMIT);
  CHECK(now() - t0 < 5.0);
  CHECK_HAS(bunryu_result_error_message(r), "instruction limit");
  still_usable(s);

  /* A loop well under the budget passes; one well over it fails; the
     budget is per call (a new document gets it whole again). */
  snprintf(doc, sizeof doc, "count 1000 국회\n\n법안");
  CHECK_RC(scan(s, doc, strlen(doc), &r), BUNRYU_OK);
  CHECK_RC(scan(s, doc, strlen(doc), &r), BUNRYU_OK);
  snprintf(doc, sizeof doc, "count 10000000 국회\n\n법안");
  CHECK_RC(scan(s, doc, strlen(doc), &r), BUNRYU_ELIMIT);
  CHECK_HAS(bunryu_result_error_message(r), "instruction limit");

  snprintf(doc, sizeof doc, "hog 국회\n\n법안");
  t0 = now();
  rc = scan(s, doc, strlen(doc), &r);
  CHECK_MSG(rc == BUNRYU_ELIMIT, bunryu_result_error_message(r));
  CHECK(now() - t0 < 10.0);
  CHECK_HAS(bunryu_result_error_message(r), "memory limit");
  CHECK_HAS(bunryu_result_error_message(r), "hooks.lua");
  still_usable(s);

  snprintf(doc, sizeof doc, "concat 국회\n\n법안");
  rc = scan(s, doc, strlen(doc), &r);
  CHECK_MSG(rc == BUNRYU_ELIMIT, bunryu_result_error_message(r));
  CHECK_HAS(bunryu_result_error_message(r), "memory limit");
  still_usable(s);

  /* string.rep refuses a result over the cap before allocating it: an
     error that names the memory limit (EHOOK or ELIMIT). */
  snprintf(doc, sizeof doc, "rep 국회\n\n법안");
  rc = scan(s, doc, strlen(doc), &r);
  CHECK_MSG(rc == BUNRYU_ELIMIT || rc == BUNRYU_EHOOK,
            bunryu_result_error_message(r));
  CHECK_HAS(bunryu_result_error_message(r), "memory limit");
  still_usable(s);

  /* After all that, a hundred more documents: the state is healthy. */
  int ok = 0;
  for (int i = 0; i < 100; i++) {
    snprintf(doc, sizeof doc, "count %d 국회\n\n법안", i);
    ok += scan(s, doc, strlen(doc), &r) == BUNRYU_OK;
  }
  CHECK(ok == 100);
  bunryu_scanner_free(s);
}

/* ----------------------------------------------------------------------
** Loading: BUNRYU_LIMIT_LOAD_INSTRUCTIONS, BUNRYU_LIMIT_LUA_MEMORY
** -------------------------------------------------------------------- */
static void load_fails(const char *name, const char *src, bunryu_limit which,
                       uint64_t value, const char *want, const char *where) {
  const char *path = put_file(name, "%s", src);
  bunryu_builder *b = bunryu_builder_new();
  if (which != BUNRYU_LIMIT_COUNT_) bunryu_builder_set_limit(b, which, value);
  double t0 = now();
  int rc = bunryu_builder_load_rules(b, path);
  CHECK_MSG(now() - t0 < 10.0, name);
  CHECK_MSG(rc == BUNRYU_ERULE || rc == BUNRYU_ELIMIT, name);
  CHECK_HAS(bunryu_builder_error(b), want);
  if (where) CHECK_HAS(bunryu_builder_error(b), where);
  bunryu_engine *e = NULL;
  CHECK(bunryu_builder_build(b, &e) != BUNRYU_OK || e != NULL);
  bunryu_engine_free(e);
  bunryu_builder_free(b);
}

static void load_limits(void) {
  load_fails("spin.lua", "category \"a\" { keywords = { \"x\" } }\n"
                         "while true do end\n",
             BUNRYU_LIMIT_LOAD_INSTRUCTIONS, 100000, "instruction limit",
             "spin.lua:2");
  load_fails("spin_pcall.lua",
             "for i = 1, 100 do pcall(function() while true do end end) end\n",
             BUNRYU_LIMIT_LOAD_INSTRUCTIONS, 100000, "instruction limit",
             "spin_pcall.lua:1");
  load_fails("hog.lua", "local t = {}\nfor i = 1, 1e9 do t[i] = { i } end\n",
             BUNRYU_LIMIT_LUA_MEMORY, 8u << 20, "memory limit", "hog.lua");
  load_fails("rep.lua", "local s = string.rep(\"x\", 1 << 40)\n",
             BUNRYU_LIMIT_LUA_MEMORY, 8u << 20, "memory limit", "rep.lua:1");
  /* The default budget also ends an endless loop, in bounded time. */
  load_fails("spin_default.lua", "while true do end\n", BUNRYU_LIMIT_COUNT_, 0,
             "instruction limit", "spin_default.lua:1");
}

/* ----------------------------------------------------------------------
** BUNRYU_LIMIT_REQUIRE_DEPTH
** -------------------------------------------------------------------- */
/* In folder sub of the temp folder: top.lua requires m1, m1 requires m2,
   … m{depth} returns the keyword list. Returns top.lua's path. */
static const char *require_chain(const char *sub, int depth) {
  char name[512];
  snprintf(name, sizeof name, "%s/%s", dir, sub);
  mkdir(name, 0700);
  for (int i = 1; i <= depth; i++) {
    snprintf(name, sizeof name, "%s/m%d.lua", sub, i);
    if (i < depth)
      put_file(name, "return require \"m%d\"\n", i + 1);
    else
      put_file(name, "return { \"국회\" }\n");
  }
  snprintf(name, sizeof name, "%s/top.lua", sub);
  return put_file(name, "category \"a\" { keywords = require \"m1\" }\n");
}

static int load_with_depth(const char *path, uint64_t limit, char *err,
                           size_t errlen) {
  bunryu_builder *b = bunryu_builder_new();
  if (limit) bunryu_builder_set_limit(b, BUNRYU_LIMIT_REQUIRE_DEPTH, limit);
  int rc = bunryu_builder_load_rules(b, path);
  snprintf(err, errlen, "%s", bunryu_builder_error(b));
  bunryu_builder_free(b);
  return rc;
}

static void require_depth(void) {
  char err[1024];
  /* Three files deep with a limit of three: fine; four: an error. */
  CHECK_MSG(load_with_depth(require_chain("req3", 3), 3, err, sizeof err) ==
                BUNRYU_OK,
            err);
  CHECK(load_with_depth(require_chain("req4", 4), 3, err, sizeof err) ==
        BUNRYU_ERULE);
  CHECK_HAS(err, "nested deeper than 3");
  CHECK_HAS(err, "m3.lua:1");
  /* The default (16) stops a chain of 40. */
  CHECK(load_with_depth(require_chain("req40", 40), 0, err, sizeof err) ==
        BUNRYU_ERULE);
  CHECK_HAS(err, "nested deeper than 16");
  /* A cycle ends (as a cycle or at the depth limit), never hangs. */
  mkdir(strcat(strcpy(err, dir), "/cycle"), 0700);
  put_file("cycle/b.lua", "return require \"c\"\n");
  put_file("cycle/c.lua", "return require \"b\"\n");
  const char *top = put_file("cycle/top.lua", "local x = require \"b\"\n");
  double t0 = now();
  CHECK(load_with_depth(top, 0, err, sizeof err) == BUNRYU_ERULE);
  CHECK(now() - t0 < 5.0);
  CHECK_MSG(err[0] != '\0', "a cycle must be reported");
}

/* ----------------------------------------------------------------------
** The default limits are the documented ones
** -------------------------------------------------------------------- */
static void defaults(void) {
  bunryu_builder *b = bunryu_builder_new();
  CHECK(bunryu_builder_get_limit(b, BUNRYU_LIMIT_INPUT_BYTES) == 64u << 20);
  CHECK(bunryu_builder_get_limit(b, BUNRYU_LIMIT_REGEX_MATCH) == 1000000);
  CHECK(bunryu_builder_get_limit(b, BUNRYU_LIMIT_REQUIRE_DEPTH) == 16);
  CHECK(bunryu_builder_get_limit(b, BUNRYU_LIMIT_HITS) == 1000000);
  /* 0 keeps the default; an unknown limit is EINVAL. */
  CHECK_RC(bunryu_builder_set_limit(b, BUNRYU_LIMIT_HITS, 0), BUNRYU_OK);
  CHECK(bunryu_builder_get_limit(b, BUNRYU_LIMIT_HITS) == 1000000);
  CHECK_RC(bunryu_builder_set_limit(b, (bunryu_limit)99, 1), BUNRYU_EINVAL);
  bunryu_builder_free(b);
}

static void remove_tree(const char *path) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", path);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/bunryu-limits-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  defaults();
  input_bytes();
  regex_limit(BUNRYU_LIMIT_REGEX_MATCH, 5000, "(?:a|b)*c",
              "match limit");
  /* PCRE2's JIT ignores the depth and heap limits; (*NO_JIT) makes the
     interpreter run the pattern, as it does where JIT is unavailable. */
  regex_limit(BUNRYU_LIMIT_REGEX_DEPTH, 100, "(*NO_JIT)(?:a|b)*c",
              "depth limit");
  regex_limit(BUNRYU_LIMIT_REGEX_HEAP_KB, 1, "(*NO_JIT)(?:a|b)*c",
              "heap limit");
  hits();
  lua_hook_limits();
  load_limits();
  require_depth();
  remove_tree(dir);
  return hard_summary("limits");
}
