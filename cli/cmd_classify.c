/*
** cmd_classify.c — `bunryu classify`: classify files, folders and JSONL
** streams on all cores, one record per document, in input order.
**
** This file reads the command line, builds the engine with the batch's
** limits and turns how the batch ended into the exit status; the work is
** in batch.c and its helpers (see batch.h).
**
** Exit status: 0 every document was classified (binary files skipped by
** design do not count as failures); 1 some failed, or the output could not
** be written; 2 usage or rule errors; 130 interrupted (SIGINT/SIGTERM). A
** reader that closes the pipe early (`| head`) ends the batch quietly
** with 0.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"

#define EXIT_INTERRUPTED 130

static const char classify_usage[] =
    "usage: bunryu classify [OPTIONS] PATH...\n"
    "       bunryu classify [OPTIONS] -            (JSONL on stdin)\n"
    "\n"
    "Classifies files and folders (recursively, in sorted order) and JSONL\n"
    "streams of {\"id\", \"title\", \"text\", ...} lines, on all cores; one record\n"
    "per document, in input order.\n"
    "\n"
    "inputs:\n"
    "  PATH                 a file or a folder; hidden entries are skipped\n"
    "  -                    a JSONL stream on stdin\n"
    "  --jsonl FILE         a JSONL file (repeatable; - is stdin)\n"
    "  --include GLOB       walk only files whose relative path or name match\n"
    "                       (repeatable)\n"
    "  --exclude GLOB       leave out files and folders that match (repeatable)\n"
    "  --max-bytes N        largest document (K, M, G suffixes; default 64M)\n"
    "\n"
    "classification:\n"
    "  -r, --rules RULES    rule file or folder (default $BUNRYU_RULES, else\n"
    "                       ./rules)\n"
    "  -j, --jobs N         worker threads (default: online cores)\n"
    "  --replace-invalid    invalid UTF-8 becomes U+FFFD (default: an error)\n"
    "  --explain            add the evidence (every hit and its weight)\n"
    "\n"
    "output:\n"
    "  -f, --format F       jsonl (default), tsv or table\n"
    "  -o, --output FILE    write records to FILE instead of stdout\n"
    "  --no-timing          leave out elapsed_us (reproducible output)\n"
    "  --progress           show a progress bar (default: when stderr is a\n"
    "  --no-progress        terminal)\n"
    "  -q, --quiet          no summary on stderr\n"
    "  --summary-json FILE  write the summary as JSON\n"
    "\n"
    "exit status: 0 all classified, 1 some documents failed, 2 usage or rule\n"
    "errors, 130 interrupted.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...) {
  va_list ap;
  fputs("bunryu classify: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputs("\n(bunryu classify --help lists the options)\n", stderr);
  return EXIT_USAGE;
}

/* "64M", "100k", "1G" or a plain number of bytes; 0 on a bad size. */
static uint64_t parse_size(const char *s) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno || end == s || *s == '-') return 0;
  uint64_t mult = 1;
  switch (*end) {
    case '\0': break;
    case 'k': case 'K': mult = 1024; end++; break;
    case 'm': case 'M': mult = 1024 * 1024; end++; break;
    case 'g': case 'G': mult = 1024ull * 1024 * 1024; end++; break;
    default: return 0;
  }
  if (*end == 'B' || *end == 'b') end++;
  if (*end || v > UINT64_MAX / mult) return 0;
  return (uint64_t)v * mult;
}

/* ======================================================================
** Command line
** =================================================================== */

typedef struct argv_cursor {
  int argc, i;
  char **argv;
} argv_cursor;

/*
** The value of the option at argv[i]: "--name=value", "--name value",
** "-xVALUE" or "-x VALUE". NULL when it is missing.
*/
static const char *option_value(argv_cursor *c, const char *arg, size_t name_len) {
  if (arg[name_len] == '=') return arg + name_len + 1;
  if (arg[1] != '-' && arg[name_len]) return arg + name_len;
  if (c->i + 1 < c->argc) return c->argv[++c->i];
  return NULL;
}

/* Whether arg is the option short (may be NULL) or long, with or without
   an attached value; *len gets the length of the name as written. */
static bool is_option(const char *arg, const char *short_name,
                      const char *long_name, size_t *len) {
  size_t n = strlen(long_name);
  if (strncmp(arg, long_name, n) == 0 && (arg[n] == '\0' || arg[n] == '=')) {
    *len = n;
    return true;
  }
  if (short_name && strncmp(arg, short_name, 2) == 0) {
    *len = 2;
    return true;
  }
  return false;
}

/* Options that take a value; 1 when arg was one of them, 0 when not, or
   EXIT_USAGE + 100 on an error (already printed). */
static int parse_valued(argv_cursor *c, const char *arg, batch_opts *o) {
  static const struct {
    const char *s, *l;
  } valued[] = {{"-r", "--rules"},    {"-j", "--jobs"},      {"-f", "--format"},
                {"-o", "--output"},   {NULL, "--jsonl"},     {NULL, "--include"},
                {NULL, "--exclude"},  {NULL, "--max-bytes"}, {NULL, "--summary-json"}};
  size_t len, k;
  for (k = 0; k < sizeof valued / sizeof valued[0]; k++)
    if (is_option(arg, valued[k].s, valued[k].l, &len)) break;
  if (k == sizeof valued / sizeof valued[0]) return 0;
  const char *v = option_value(c, arg, len);
  if (!v) return usage_error("%s needs a value", valued[k].l) + 100;
  switch (k) {
    case 0: o->rules = v; break;
    case 1: {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || end == v || n < 1 || n > MAX_JOBS)
        return usage_error("-j wants a number of threads from 1 to %d", MAX_JOBS) + 100;
      o->jobs = (int)n;
      break;
    }
    case 2:
      if (!strcmp(v, "jsonl")) o->format = FORMAT_JSONL;
      else if (!strcmp(v, "tsv")) o->format = FORMAT_TSV;
      else if (!strcmp(v, "table")) o->format = FORMAT_TABLE;
      else return usage_error("unknown format '%s' (jsonl, tsv, table)", v) + 100;
      break;
    case 3: o->output = v; break;
    case 4: o->inputs[o->n_inputs++] = (input){INPUT_JSONL, v}; break;
    case 5: o->includes[o->n_includes++] = v; break;
    case 6: o->excludes[o->n_excludes++] = v; break;
    case 7:
      o->max_bytes = parse_size(v);
      if (!o->max_bytes) return usage_error("bad size '%s' for --max-bytes", v) + 100;
      break;
    default: o->summary_json = v; break;
  }
  return 1;
}

/* Flags without a value; false when arg is not one. */
static bool parse_flag(const char *arg, batch_opts *o) {
  if (!strcmp(arg, "--explain")) o->explain = true;
  else if (!strcmp(arg, "--no-timing")) o->no_timing = true;
  else if (!strcmp(arg, "--replace-invalid")) o->replace_invalid = true;
  else if (!strcmp(arg, "--progress")) o->progress = 1;
  else if (!strcmp(arg, "--no-progress")) o->progress = 0;
  else if (!strcmp(arg, "-q") || !strcmp(arg, "--quiet")) o->quiet = true;
  else return false;
  return true;
}

/* Fills o from the command line: 0, -1 for --help (printed), or EXIT_USAGE
   (the error printed). The arrays of o have room for argc entries. */
static int parse_args(int argc, char **argv, batch_opts *o) {
  argv_cursor c = {argc, 1, argv};
  bool only_paths = false;
  for (; c.i < argc; c.i++) {
    const char *arg = argv[c.i];
    if (only_paths || arg[0] != '-' || !strcmp(arg, "-")) {
      bool is_stdin = !strcmp(arg, "-") && !only_paths;
      o->inputs[o->n_inputs++] = (input){is_stdin ? INPUT_JSONL : INPUT_PATH, arg};
      continue;
    }
    if (!strcmp(arg, "--")) {
      only_paths = true;
      continue;
    }
    if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
      fputs(classify_usage, stdout);
      return -1;
    }
    if (parse_flag(arg, o)) continue;
    int rc = parse_valued(&c, arg, o);
    if (rc > 1) return rc - 100;
    if (rc == 0) return usage_error("unknown option '%s'", arg);
  }
  if (o->n_inputs == 0)
    return usage_error("nothing to classify: give files, folders, or - for "
                       "JSONL on stdin");
  size_t n_stdin = 0;
  for (size_t i = 0; i < o->n_inputs; i++)
    if (o->inputs[i].kind == INPUT_JSONL && !strcmp(o->inputs[i].path, "-"))
      n_stdin++;
  if (n_stdin > 1) return usage_error("stdin can be read only once");
  return 0;
}

/* ======================================================================
** Engine
** =================================================================== */

static bunryu_engine *load_engine_with_limits(batch_opts *o) {
  return cli_load_engine_limited(o->rules, o->max_bytes, &o->max_bytes,
                                 (unsigned)o->jobs);
}

/* ======================================================================
** The command
** =================================================================== */

static int exit_status(batch_end end, const batch_stats *st) {
  switch (end) {
    case BATCH_INTERRUPTED: return EXIT_INTERRUPTED;
    case BATCH_PIPE_CLOSED: return 0;
    case BATCH_WRITE_ERROR: return 1;
    case BATCH_FAILED: return EXIT_USAGE;
    default: return st->errors ? 1 : 0;
  }
}

/*
** Records go out in blocks of OUTPUT_BUFFER bytes. Given no buffer, glibc
** ignores setvbuf's size and keeps st_blksize (4 KiB), which made the
** benchmark's 25 MB of output 6,100 write calls. The buffer is static
** because stdio may touch it until exit.
*/
#define OUTPUT_BUFFER (1 << 16)

static void buffer_output(FILE *f) {
  static char buffer[OUTPUT_BUFFER];
  setvbuf(f, buffer, _IOFBF, sizeof buffer);
}

static FILE *open_output(const batch_opts *o) {
  if (!o->output || !strcmp(o->output, "-")) {
    if (!isatty(STDOUT_FILENO)) buffer_output(stdout);
    return stdout;
  }
  FILE *f = fopen(o->output, "w");
  if (!f)
    fprintf(stderr, "bunryu classify: cannot write %s: %s\n", o->output,
            strerror(errno));
  else
    buffer_output(f);
  return f;
}

static void report(const batch_opts *o, batch_end end, const batch_stats *st,
                   const bunryu_engine *e) {
  if (end == BATCH_FAILED) return;
  if (!o->quiet && end != BATCH_PIPE_CLOSED) summary_print(st, e, stderr);
  if (o->summary_json && summary_write_json(st, e, o->summary_json) != 0)
    fprintf(stderr, "bunryu classify: cannot write %s: %s\n", o->summary_json,
            strerror(errno));
}

static int run(batch_opts *o) {
  bunryu_engine *e = load_engine_with_limits(o);
  if (!e) return EXIT_USAGE;
  FILE *out = open_output(o);
  if (!out) {
    bunryu_engine_free(e);
    return EXIT_USAGE;
  }
  batch_stats st;
  batch_end end = batch_run(o, e, out, &st);
  if (out != stdout && fclose(out) != 0 && end == BATCH_DONE) {
    fprintf(stderr, "bunryu classify: cannot write %s: %s\n", o->output,
            strerror(errno));
    end = BATCH_WRITE_ERROR;
  }
  report(o, end, &st, e);
  int status = exit_status(end, &st);
  free(st.per_category);
  bunryu_engine_free(e);
  return status;
}

int cmd_classify(int argc, char **argv) {
  size_t room = argc > 0 ? (size_t)argc : 1;
  batch_opts o;
  memset(&o, 0, sizeof o);
  o.inputs = calloc(room, sizeof *o.inputs);
  o.includes = calloc(room, sizeof *o.includes);
  o.excludes = calloc(room, sizeof *o.excludes);
  int status;
  if (!o.inputs || !o.includes || !o.excludes) {
    fprintf(stderr, "bunryu: out of memory\n");
    status = EXIT_USAGE;
    goto done;
  }
  o.rules = cli_default_rules();
  o.jobs = cli_online_cores();
  o.progress = -1;
  status = parse_args(argc, argv, &o);
  if (status == -1) {
    status = 0;
    goto done;
  }
  if (status) goto done;
  o.scan_flags = (o.replace_invalid ? BUNRYU_SCAN_REPLACE_INVALID : 0) |
                 (o.explain ? BUNRYU_SCAN_EVIDENCE : 0);
  o.json_flags = (o.no_timing ? BUNRYU_JSON_NO_TIMING : 0) |
                 (o.explain ? BUNRYU_JSON_EVIDENCE : 0);
  status = run(&o);
done:
  free(o.inputs);
  free(o.includes);
  free(o.excludes);
  return status;
}
