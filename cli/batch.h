/*
** batch.h — the private pieces of `bunryu classify`: options, inputs
** (folder walks, JSONL lines), the JSONL record parser, output records,
** progress and summary, and the pipeline that runs them on all cores.
**
**   cmd_classify.c  command line, engine with limits, exit status
**   batch.c         producer -> ring of in-flight documents -> workers ->
**                   writer in input order; signals
**   inputs.c        folder walker (sorted, globs, hidden), line reader
**   docfile.c       one document file: size limit, read, empty or binary
**   jsonl.c         a strict one-object-per-line JSON parser
**   output.c        jsonl / tsv / table records, JSON string escaping
**   progress.c      progress bar, summary on stderr and as JSON
*/
#ifndef BUNRYU_CLI_BATCH_H
#define BUNRYU_CLI_BATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bunryu.h"

/* ======================================================================
** Growable byte buffer
** =================================================================== */

/* A NUL-terminated byte string that grows; {0} is an empty one. */
typedef struct sbuf {
  char *s;
  size_t n, cap;
} sbuf;

int sbuf_reserve(sbuf *b, size_t extra);
int sbuf_put(sbuf *b, const void *p, size_t n);
int sbuf_puts(sbuf *b, const char *s);
int sbuf_putc(sbuf *b, char c);
int sbuf_printf(sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sbuf_clear(sbuf *b);
/* Clears, and gives the memory back when it grew past keep bytes (one huge
   document must not pin its buffer for the rest of the batch). */
void sbuf_trim(sbuf *b, size_t keep);
void sbuf_free(sbuf *b);

/* ======================================================================
** Reading one document file (docfile.c)
** =================================================================== */

typedef enum { READ_OK, READ_ERROR, READ_SKIPPED } read_status;

/*
** The folder of the file read last, kept open so that the next file of the
** same folder is opened relative to it (openat): the kernel then looks up
** one name instead of every component of the path again. All zero is an
** empty one; doc_folder_close gives back its descriptor and memory.
*/
typedef struct doc_folder {
  char *path; /* the folder as the file paths spell it */
  size_t len, cap;
  int fd;
  bool open;
} doc_folder;

void doc_folder_close(doc_folder *f);

/*
** Reads the document at path into doc, checking it first without reading
** it all: its size (stat) against the limit, then after reading that it
** is neither empty nor binary (READ_SKIPPED). *bytes gets its size for the
** statistics; why[len] the reason when it is not READ_OK. The file is
** opened through `folder`, which becomes the folder of path. A file the
** folder walk already knows to be regular is not stat'ed: the bounded read
** alone keeps it within the limit.
*/
read_status read_document(doc_folder *folder, const char *path, bool regular,
                          uint64_t limit, sbuf *doc, uint64_t *bytes,
                          char *why, size_t len);
/* Whether s[0, n) holds only ASCII white space (or nothing). */
bool only_whitespace(const char *s, size_t n);

/* ======================================================================
** Options
** =================================================================== */

typedef enum { FORMAT_JSONL, FORMAT_TSV, FORMAT_TABLE } out_format;

typedef enum { INPUT_PATH, INPUT_JSONL } input_kind;

typedef struct input {
  input_kind kind;
  const char *path; /* "-" is stdin for INPUT_JSONL */
} input;

typedef struct batch_opts {
  const char *rules;
  int jobs;
  out_format format;
  const char *output; /* NULL: stdout */
  input *inputs;
  size_t n_inputs;
  const char **includes, **excludes;
  size_t n_includes, n_excludes;
  uint64_t max_bytes;
  bool explain, no_timing, replace_invalid, quiet;
  int progress; /* -1 auto (stderr is a terminal), 0 off, 1 on */
  const char *summary_json;
  unsigned scan_flags, json_flags; /* derived from the above */
} batch_opts;

/* ======================================================================
** Inputs (inputs.c)
** =================================================================== */

/* Whether a file found by walking a folder passes --include/--exclude:
   each glob is tried on the path relative to the folder and on the base
   name. */
bool filter_accepts_file(const batch_opts *o, const char *rel,
                         const char *base);
/* Whether a folder found while walking is pruned by --exclude. */
bool filter_prunes_dir(const batch_opts *o, const char *rel, const char *base);

typedef struct walker walker;

/* What a walk yields: a file to classify, or a folder it could not read
   (err is then an errno value). path is malloc'd and owned by the caller. */
typedef struct walk_item {
  char *path;
  int err;
  bool special; /* not a regular file (FIFO, socket, device): reported */
  bool regular; /* readdir or stat said it is a regular file */
} walk_item;

/* Starts a depth-first walk of root in byte order of names at every level;
   hidden entries (".name") are skipped and counted, folders reached through
   symbolic links are not entered. NULL when out of memory. */
walker *walker_new(const char *root, const batch_opts *o);
/* 1 with *it filled, 0 at the end, -1 when out of memory. */
int walker_next(walker *w, walk_item *it);
/* Hidden entries and files left out by globs, so far. */
uint64_t walker_hidden(const walker *w);
uint64_t walker_excluded(const walker *w);
void walker_free(walker *w);

/* Counts the documents and bytes the inputs hold (for the progress bar's
   percentage and ETA); a stream of unknown length leaves *bytes_known
   false. Cheap: directory entries and stat only. */
void inputs_measure(const batch_opts *o, uint64_t *docs, uint64_t *bytes,
                    bool *docs_known, bool *bytes_known);

typedef struct line_reader line_reader;

/* Reads lines from fd with poll(2) and read(2), asking should_stop(ud)
   at least every 200 ms while it waits, so that Ctrl-C stops a batch that
   waits for a slow stream. NULL when out of memory. */
line_reader *line_reader_new(int fd, bool (*should_stop)(void *), void *ud);
/*
** The next line, without its "\n" (and "\r"), into *line: 1 when a line
** was read, 0 at the end, -1 on a read error (errno), -2 when stopped. A
** line longer than limit is not kept: it is skipped to its end, *line is
** left empty and *too_long holds its full length.
*/
int line_reader_next(line_reader *r, sbuf *line, size_t limit,
                     uint64_t *too_long);
uint64_t line_reader_lineno(const line_reader *r);
void line_reader_free(line_reader *r);

/* ======================================================================
** JSONL records (jsonl.c)
** =================================================================== */

typedef struct jsonl_doc {
  sbuf id;     /* decoded string id or number as written */
  sbuf title;  /* decoded; may hold invalid UTF-8 (scan policy decides) */
  sbuf text;
  sbuf meta;   /* the other members as a JSON object, "" when none */
  bool has_id; /* an "id" was read whole, even on a line malformed later */
  char error[192];
} jsonl_doc;

/* Parses one line holding one JSON object. 0 on success; -1 for a
   malformed line (d->error says where and why); -2 when out of memory.
   The buffers of d are reused from call to call. */
int jsonl_parse(const char *line, size_t len, jsonl_doc *d);
void jsonl_doc_free(jsonl_doc *d);

/* ======================================================================
** Output records (output.c)
** =================================================================== */

/* Appends s[0..n) as a JSON string (invalid UTF-8 becomes \ufffd). */
int json_put_string(sbuf *b, const char *s, size_t n);

/* What a record says, for the summary. */
typedef enum { REC_OK, REC_ERROR, REC_SKIPPED } rec_status;

/* Where a document came from, as records name it. */
typedef struct doc_ident {
  const char *id;
  const char *path;  /* NULL for JSONL records */
  uint64_t line;     /* JSONL line number, 0 for files */
  const char *meta;  /* JSONL pass-through members, "" or NULL when none */
} doc_ident;

/* The header line of tsv and table output (nothing for jsonl). */
void output_header(const batch_opts *o, FILE *f);
/* Appends the record of a scanned document (a failed scan included) with
   its newline. -1 when out of memory. */
int output_result(sbuf *b, const batch_opts *o, const doc_ident *d,
                  const bunryu_result *r);
/* Appends an error record for a document that never reached the scanner. */
int output_error(sbuf *b, const batch_opts *o, const doc_ident *d,
                 const char *message);

/* ======================================================================
** Progress and summary (progress.c)
** =================================================================== */

typedef struct batch_stats {
  uint64_t documents, classified, no_label, errors, skipped;
  uint64_t hidden, excluded;
  uint64_t bytes;
  uint64_t *per_category; /* by engine category id */
  size_t n_categories;
  uint64_t total_docs, total_bytes;
  bool total_docs_known, total_bytes_known;
  double start, seconds;
  bool interrupted;
} batch_stats;

double now_seconds(void);

typedef struct progress {
  bool enabled, visible;
  double last;
} progress;

/* Redraws the bar when at least 0.1 s passed (or force). */
void progress_update(progress *p, const batch_stats *st, bool force);
/* Erases the bar so that other output can take the line. */
void progress_clear(progress *p);

void summary_print(const batch_stats *st, const bunryu_engine *e, FILE *f);
/* 0, or -1 with errno when the file cannot be written. */
int summary_write_json(const batch_stats *st, const bunryu_engine *e,
                       const char *path);

/* ======================================================================
** The pipeline (batch.c)
** =================================================================== */

/* How the batch ended. */
typedef enum {
  BATCH_DONE,        /* every input was read */
  BATCH_INTERRUPTED, /* SIGINT or SIGTERM */
  BATCH_PIPE_CLOSED, /* the reader of the output went away */
  BATCH_WRITE_ERROR, /* the output could not be written (errno in stats) */
  BATCH_FAILED       /* could not start (threads, memory) */
} batch_end;

/* Runs the batch on e, writing records to out; fills *st. */
batch_end batch_run(const batch_opts *o, bunryu_engine *e, FILE *out,
                    batch_stats *st);

#endif
