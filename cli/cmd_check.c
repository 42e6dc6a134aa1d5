/*
** cmd_check.c — `bunryu check RULES`: load the rules, build an engine and
** print every diagnostic (errors and lint warnings) as
** "file:line: error: message", the way a compiler does.
**
** Exit status: 2 when some error was found (or on a usage error), else 0;
** warnings alone do not fail the check.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lua_rules.h"

static const char check_usage[] =
    "usage: bunryu check [RULES]\n"
    "  load the rules (a file or a folder), build them and print every error\n"
    "  and warning with file:line; exit status 2 when there is an error\n";

/* Prints one diagnostic; returns its severity. */
static int print_diag(const bunryu_builder *b, size_t i) {
  int sev, line, off;
  const char *file;
  const char *msg = bunryu_builder_diag(b, i, &sev, &file, &line, &off);
  const char *kind = sev == BUNRYU_DIAG_ERROR ? "error" : "warning";
  if (file && line > 0)
    printf("%s:%d: %s: %s\n", file, line, kind, msg);
  else if (file)
    printf("%s: %s: %s\n", file, kind, msg);
  else
    printf("bunryu: %s: %s\n", kind, msg);
  return sev;
}

/* The rules path from the arguments, or NULL after a usage error. */
static const char *rules_argument(int argc, char **argv, const char *usage,
                                  int *status) {
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
      fputs(usage, stdout);
      *status = 0;
      return NULL;
    }
    if (!strcmp(argv[i], "-r") && i + 1 < argc && !path) {
      path = argv[++i];
    } else if (argv[i][0] != '-' && !path) {
      path = argv[i];
    } else {
      fputs(usage, stderr);
      *status = EXIT_USAGE;
      return NULL;
    }
  }
  return path ? path : cli_default_rules();
}

int cmd_check(int argc, char **argv) {
  int status = 0;
  const char *path = rules_argument(argc, argv, check_usage, &status);
  if (!path) return status;
  bunryu_builder *b = bunryu_builder_new();
  if (!b) {
    fprintf(stderr, "bunryu: out of memory\n");
    return EXIT_USAGE;
  }
  rule_tests tests = {0};
  bunryu_engine *e = NULL;
  int rc = rules_load(b, path, &tests);
  if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, &e);
  size_t errors = 0, warnings = 0;
  for (size_t i = 0; i < bunryu_builder_diag_count(b); i++) {
    if (print_diag(b, i) == BUNRYU_DIAG_ERROR) errors++;
    else warnings++;
  }
  if (rc != BUNRYU_OK && errors == 0) {
    printf("%s: error: %s\n", path, bunryu_strerror(rc));
    errors++;
  }
  if (e)
    printf("check: %zu categories, %zu literals, %zu tests%s; ",
           bunryu_engine_category_count(e), bunryu_engine_literal_count(e),
           tests.n, bunryu_engine_has_hooks(e) ? ", hooks" : "");
  else
    printf("check: ");
  printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s",
         warnings, warnings == 1 ? "" : "s");
  bunryu_engine_free(e);
  rule_tests_free(&tests);
  bunryu_builder_free(b);
  return errors ? EXIT_USAGE : 0;
}
