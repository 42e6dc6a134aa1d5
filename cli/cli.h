/*
** cli.h — the bunryu command's subcommands and the helpers they share.
** Each cmd_* takes the arguments after the program name (argv[0] is the
** subcommand) and returns the exit status: 0 success, 1 some documents or
** tests failed, 2 usage or rule errors.
*/
#ifndef BUNRYU_CLI_H
#define BUNRYU_CLI_H

#include <stdio.h>
#include <stddef.h>
#include <stdint.h>

#include "bunryu.h"

#define EXIT_USAGE 2
/* The rules used when -r is not given: $BUNRYU_RULES, else ./rules. */
#define CLI_DEFAULT_RULES "rules"

int cmd_classify(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_eval(int argc, char **argv);

/* The rules path to use when none was given on the command line. */
const char *cli_default_rules(void);

/*
** Loads rules from path into a new engine, printing every diagnostic as
** "file:line: error: message" on stderr. NULL on failure.
*/
bunryu_engine *cli_load_engine(const char *path);
/* The same with BUNRYU_LIMIT_INPUT_BYTES set to max_bytes (0: the default),
   built on up to `threads` threads (bunryu_builder_set_threads); the limit
   in force is written to *max_bytes_used when not NULL. */
bunryu_engine *cli_load_engine_limited(const char *path, uint64_t max_bytes,
                                       uint64_t *max_bytes_used,
                                       unsigned threads);
/* The most threads -j takes. */
#define MAX_JOBS 256
/* The cores online, at least 1 and at most MAX_JOBS. */
int cli_online_cores(void);

/* Reads a whole file; 0 or -1 with errno set. *buf is malloc'd and
   NUL-terminated. */
int cli_read_file(const char *path, char **buf, size_t *len);

/* The file name without folders and extension (the document id). */
void cli_doc_id(const char *path, char *out, size_t outlen);

#endif
