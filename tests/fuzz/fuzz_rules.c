/*
** fuzz_rules.c — rule source bytes through the Lua loader: written to a
** .lua file in a private temp folder, then bunryu_builder_load_rules,
** bunryu_builder_build and scans of a few documents (one of them the rule
** source itself, so that whatever literals the rules declare are found;
** one through bunryu_scan_zones). Must never crash, hang or leak, whatever
** the bytes; tight limits keep a file that loops or allocates short, so
** such a file is a finding only if it escapes them (a libFuzzer timeout or
** rss limit).
**
** Input: up to three parts separated by a line "--@@":
**   rules.lua (loaded), mod.lua (reachable only as require "mod"),
**   d.tsv (reachable as dictionary = "d.tsv").
** Invariants: a load or build that fails (other than out of memory) leaves
** at least one error diagnostic and a non-empty bunryu_builder_error(); a
** built engine scans, and every result keeps the API's promises
** (fuzz_check_result in fuzz_util.h).
**
** (The Lua helper once rewrote this file by accident; its stricter
** diagnostic check and the scan of split zones are kept here.)
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bunryu.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static char rules_path[300], mod_path[300], dict_path[300];

static void remove_dir(void) {
  unlink(rules_path);
  unlink(mod_path);
  unlink(dict_path);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/bunryu-fuzz-rules-XXXXXX",
           tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
  snprintf(rules_path, sizeof rules_path, "%s/rules.lua", dir);
  snprintf(mod_path, sizeof mod_path, "%s/mod.lua", dir);
  snprintf(dict_path, sizeof dict_path, "%s/d.tsv", dir);
  atexit(remove_dir);
  return 0;
}

static void write_file(const char *path, const uint8_t *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || (n && fwrite(p, 1, n, f) != n) || fclose(f) != 0) {
    perror(path);
    abort();
  }
}

/* Splits off the next part at a line "--@@"; returns its length and sets
   *rest to what follows (NULL when it was the last part). */
static size_t next_part(const uint8_t *p, size_t n, const uint8_t **rest,
                        size_t *rest_n) {
  static const char sep[] = "\n--@@\n";
  for (size_t i = 0; i + sizeof sep - 1 <= n; i++) {
    if (memcmp(p + i, sep, sizeof sep - 1) == 0) {
      *rest = p + i + sizeof sep - 1;
      *rest_n = n - i - (sizeof sep - 1);
      return i;
    }
  }
  *rest = NULL;
  *rest_n = 0;
  return n;
}

static const char doc_ko[] =
    "국회, 「AI 기본법」 통과\n\n국회가 법안을 의결했다. 오픈AI와 삼성전자는 "
    "모델을 출시했고 SB 1047 규제가 논의됐다.\n출처: https://example.org/a";
static const char doc_latin[] =
    "OpenAI Inc launches GPT-5\n\nThe EU AI Act applies; Executive Order "
    "14110 and HB 2 were cited. ＯｐｅｎＡＩ said so.";
static const char zone_title[] = "국회, AI 기본법 통과";
static const char zone_body[] =
    "오픈AI와 메타도 「데이터 보호법」에 관심을 보였다. SB 1047 법안.\n"
    "출처: https://example.com/x\n";

static void scan_one(bunryu_engine *e, bunryu_scanner *s, const char *text,
                     size_t len, unsigned flags) {
  const bunryu_result *r = NULL;
  int rc = bunryu_scan(s, text, len, flags, &r);
  const char *zt[2] = {text, text};
  size_t zl[2] = {len, len};
  fuzz_check_result(e, r, rc, zt, zl, flags);
}

static void scan_all(bunryu_engine *e, bunryu_scanner *s, const uint8_t *src,
                     size_t n) {
  scan_one(e, s, doc_ko, sizeof doc_ko - 1, BUNRYU_SCAN_EVIDENCE);
  scan_one(e, s, doc_latin, sizeof doc_latin - 1, 0);
  const char *zt[2] = {zone_title, zone_body};
  size_t zl[2] = {sizeof zone_title - 1, sizeof zone_body - 1};
  const bunryu_result *r = NULL;
  int rc = bunryu_scan_zones(s, zt[0], zl[0], zt[1], zl[1],
                             BUNRYU_SCAN_EVIDENCE, &r);
  fuzz_check_result(e, r, rc, zt, zl, BUNRYU_SCAN_EVIDENCE);
  char *copy = malloc(n ? n : 1);
  if (!copy) abort();
  if (n) memcpy(copy, src, n);
  scan_one(e, s, copy, n, BUNRYU_SCAN_REPLACE_INVALID | BUNRYU_SCAN_EVIDENCE);
  free(copy);
}

/* A failed load or build says why, with at least one error. */
static void require_error_reported(const bunryu_builder *b) {
  int errors = 0;
  for (size_t i = 0; i < bunryu_builder_diag_count(b); i++) {
    int sev = -1, line = -1, off;
    const char *file;
    FUZZ_REQUIRE(bunryu_builder_diag(b, i, &sev, &file, &line, &off) != NULL);
    FUZZ_REQUIRE(line >= 0);
    errors += sev == BUNRYU_DIAG_ERROR;
  }
  FUZZ_REQUIRE(errors > 0);
  FUZZ_REQUIRE(bunryu_builder_error(b)[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *rest, *rest2;
  size_t rest_n, rest2_n;
  size_t n0 = next_part(data, size, &rest, &rest_n);
  write_file(rules_path, data, n0);
  unlink(mod_path);
  unlink(dict_path);
  if (rest) {
    size_t n1 = next_part(rest, rest_n, &rest2, &rest2_n);
    write_file(mod_path, rest, n1);
    if (rest2) write_file(dict_path, rest2, rest2_n);
  }

  bunryu_builder *b = bunryu_builder_new();
  if (!b) abort();
  /* Small budgets: an endless loop or a huge table ends quickly. */
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LOAD_INSTRUCTIONS, 1000000);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LUA_INSTRUCTIONS, 100000);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LUA_MEMORY, 32u << 20);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_REGEX_MATCH, 100000);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_HITS, 100000);
  /* Half the inputs build on two threads (the regexes on a thread of the
     build's own): the engine must be the same, and as safe. */
  bunryu_builder_set_threads(b, 1 + (unsigned)(size & 1));
  int rc = bunryu_builder_load_rules(b, rules_path);
  bunryu_engine *e = NULL;
  if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, &e);
  if (rc != BUNRYU_OK) {
    FUZZ_REQUIRE(rc < 0);
    FUZZ_REQUIRE(e == NULL);
    if (rc != BUNRYU_ENOMEM) require_error_reported(b);
    bunryu_builder_free(b);
    return 0;
  }
  bunryu_builder_free(b);
  FUZZ_REQUIRE(e != NULL);
  char err[512] = "";
  bunryu_scanner *s = bunryu_scanner_new(e, err, sizeof err);
  if (s) {
    scan_all(e, s, data, n0);
    bunryu_scanner_free(s);
  } else {
    /* Only a hook state that fails to open may refuse a scanner. */
    FUZZ_REQUIRE(bunryu_engine_has_hooks(e));
    FUZZ_REQUIRE(err[0] != '\0');
  }
  bunryu_engine_free(e);
  return 0;
}
