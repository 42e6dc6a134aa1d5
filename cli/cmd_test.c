/*
** cmd_test.c — `bunryu test RULES`: runs the test { … } cases written in
** the rule files through a real engine and scanner, prints each failure
** with the file:line of its case and what differed, and ends with
** "N passed, N failed".
**
** Exit status: 0 when every case passed, 1 when some failed, 2 when the
** rules do not load (or on a usage error).
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lua_rules.h"

static const char test_usage[] =
    "usage: bunryu test [-v] [RULES]\n"
    "  run the test { … } cases of the rules (a file or a folder)\n"
    "  -v  print passing cases too\n";

typedef struct test_run {
  const rule_test *c;
  int failures; /* lines printed for this case */
} test_run;

/* Prints "file:line: test "name": " in front of a failure line. */
static void fail_prefix(test_run *t) {
  const rule_test *c = t->c;
  t->failures++;
  printf("%s:%d: FAIL test", c->file ? c->file : "?", c->line);
  if (c->name) printf(" \"%s\"", c->name);
  printf(": ");
}

static void print_scores(const bunryu_result *r) {
  size_t n = bunryu_result_category_count(r);
  if (n == 0) {
    printf(" (no category scored)");
    return;
  }
  printf(" (scores:");
  for (size_t i = 0; i < n && i < 5; i++)
    printf(" %s %.2f%s", bunryu_result_category_name(r, i),
           bunryu_result_category_score(r, i), i + 1 < n && i < 4 ? "," : "");
  if (n > 5) printf(" …");
  printf(")");
}

static void check_label(test_run *t, const bunryu_result *r) {
  const rule_test *c = t->c;
  const char *got = bunryu_result_label(r);
  if (c->label_kind == TEST_LABEL_ANY) return;
  if (c->label_kind == TEST_LABEL_NONE && !got) return;
  if (c->label_kind == TEST_LABEL_IS && got && !strcmp(got, c->label)) return;
  fail_prefix(t);
  printf("label: expected ");
  if (c->label_kind == TEST_LABEL_NONE) printf("no label");
  else printf("\"%s\"", c->label);
  printf(", got ");
  if (got) printf("\"%s\"", got);
  else printf("no label");
  print_scores(r);
  printf("\n");
}

static int has_entity(const bunryu_result *r, const char *type,
                      const char *name) {
  size_t n = bunryu_result_entity_count(r);
  for (size_t i = 0; i < n; i++) {
    const char *t, *nm;
    if (bunryu_result_entity(r, i, &t, &nm, NULL, NULL, NULL, NULL, NULL,
                             NULL) == BUNRYU_OK &&
        !strcmp(t, type) && !strcmp(nm, name))
      return 1;
  }
  return 0;
}

static void print_found_entities(const bunryu_result *r, const char *type) {
  size_t n = bunryu_result_entity_count(r), shown = 0;
  printf(" (found:");
  for (size_t i = 0; i < n; i++) {
    const char *t, *nm;
    if (bunryu_result_entity(r, i, &t, &nm, NULL, NULL, NULL, NULL, NULL,
                             NULL) != BUNRYU_OK || strcmp(t, type))
      continue;
    printf("%s \"%s\"", shown ? "," : "", nm);
    shown++;
  }
  printf("%s)", shown ? "" : " none");
}

static void check_entities(test_run *t, const bunryu_result *r) {
  const rule_test *c = t->c;
  for (size_t i = 0; i < c->n_ents; i++) {
    const test_entity *te = &c->ents[i];
    int found = has_entity(r, te->type, te->name);
    if (found == te->present) continue;
    fail_prefix(t);
    if (te->present) {
      printf("entity %s \"%s\" not found", te->type, te->name);
      print_found_entities(r, te->type);
      printf("\n");
    } else {
      printf("entity %s \"%s\" found, but the case lists it as absent\n",
             te->type, te->name);
    }
  }
}

/* Runs one case; returns whether it passed. */
static int run_case(bunryu_scanner *s, const rule_test *c, int verbose) {
  test_run t = {c, 0};
  const bunryu_result *r = NULL;
  int rc = c->title ? bunryu_scan_zones(s, c->title, c->title_len, c->text,
                                        c->text_len, 0, &r)
                    : bunryu_scan(s, c->text, c->text_len, 0, &r);
  if (rc != BUNRYU_OK) {
    fail_prefix(&t);
    printf("the scan failed: %s\n",
           r ? bunryu_result_error_message(r) : bunryu_strerror(rc));
    return 0;
  }
  check_label(&t, r);
  check_entities(&t, r);
  if (t.failures == 0 && verbose)
    printf("%s:%d: ok%s%s%s\n", c->file ? c->file : "?", c->line,
           c->name ? " \"" : "", c->name ? c->name : "", c->name ? "\"" : "");
  return t.failures == 0;
}

/* Loads and builds; prints the diagnostics on stderr. NULL on failure. */
static bunryu_engine *load_for_tests(const char *path, rule_tests *tests) {
  bunryu_builder *b = bunryu_builder_new();
  if (!b) {
    fprintf(stderr, "bunryu: out of memory\n");
    return NULL;
  }
  bunryu_engine *e = NULL;
  int rc = rules_load(b, path, tests);
  if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, &e);
  for (size_t i = 0; i < bunryu_builder_diag_count(b); i++) {
    int sev, line, off;
    const char *file;
    const char *msg = bunryu_builder_diag(b, i, &sev, &file, &line, &off);
    if (sev != BUNRYU_DIAG_ERROR) continue;
    if (file && line > 0) fprintf(stderr, "%s:%d: error: %s\n", file, line, msg);
    else fprintf(stderr, "%s: error: %s\n", file ? file : "bunryu", msg);
  }
  if (rc != BUNRYU_OK && bunryu_builder_diag_count(b) == 0)
    fprintf(stderr, "bunryu: %s: %s\n", path, bunryu_strerror(rc));
  bunryu_builder_free(b);
  return e;
}

int cmd_test(int argc, char **argv) {
  const char *path = NULL;
  int verbose = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(test_usage, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "-v")) verbose = 1;
    else if (!strcmp(argv[i], "-r") && i + 1 < argc && !path) path = argv[++i];
    else if (argv[i][0] != '-' && !path) path = argv[i];
    else {
      fputs(test_usage, stderr);
      return EXIT_USAGE;
    }
  }
  if (!path) path = cli_default_rules();
  rule_tests tests = {0};
  bunryu_engine *e = load_for_tests(path, &tests);
  if (!e) {
    rule_tests_free(&tests);
    return EXIT_USAGE;
  }
  char err[1024] = "";
  bunryu_scanner *s = bunryu_scanner_new(e, err, sizeof err);
  if (!s) {
    fprintf(stderr, "bunryu: %s\n", err[0] ? err : "cannot make a scanner");
    bunryu_engine_free(e);
    rule_tests_free(&tests);
    return EXIT_USAGE;
  }
  size_t passed = 0, failed = 0;
  for (size_t i = 0; i < tests.n; i++) {
    if (run_case(s, &tests.items[i], verbose)) passed++;
    else failed++;
  }
  printf("%zu passed, %zu failed\n", passed, failed);
  bunryu_scanner_free(s);
  bunryu_engine_free(e);
  rule_tests_free(&tests);
  return failed ? 1 : 0;
}
