/*
** main.c — the bunryu command: dispatches to the subcommands.
*/
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
    "usage: bunryu COMMAND [OPTIONS] ...\n"
    "\n"
    "commands:\n"
    "  classify [-r RULES] [-j N] [--format jsonl|tsv|table] PATH...|-\n"
    "                         classify files, folders or a JSONL stream\n"
    "  explain [-r RULES] FILE  why a document got its label\n"
    "  check RULES              load and lint rules; every problem with file:line\n"
    "  test RULES               run the test cases written in rule files\n"
    "  eval [-r RULES] --labels labels.tsv DIR\n"
    "                         accuracy, precision/recall/F1, confusion matrix\n"
    "\n"
    "RULES is a rule file or folder; default $BUNRYU_RULES, else ./rules.\n"
    "bunryu COMMAND --help shows a command's options.\n"
    "  --version  print the version\n"
    "  --help     print this help\n";

int main(int argc, char **argv) {
  if (argc < 2) {
    fputs(usage, stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    fputs(usage, stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
    printf("bunryu %s\n", bunryu_version());
    return 0;
  }
  static const struct {
    const char *name;
    int (*fn)(int, char **);
  } cmds[] = {{"classify", cmd_classify}, {"explain", cmd_explain},
              {"check", cmd_check},       {"test", cmd_test},
              {"eval", cmd_eval}};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    if (!strcmp(cmd, cmds[i].name)) return cmds[i].fn(argc - 1, argv + 1);
  fprintf(stderr, "bunryu: unknown command '%s'\n\n%s", cmd, usage);
  return EXIT_USAGE;
}
