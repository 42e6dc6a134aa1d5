/*
** batch.c — the pipeline of `bunryu classify`: many documents on all cores,
** output in input order, memory bounded whatever the length of the input.
**
**   producer (the calling thread)  walks folders, reads JSONL lines, and
**                                  puts each document into the next slot
**                                  of a ring, numbered in input order;
**                                  while the ring is full it works on it
**                                  like the workers;
**   N-1 worker threads             take runs of slots in order (up to
**                                  TAKE_MAX at once), read the file or
**                                  parse the line, scan it with their own
**                                  scanner and render the record into the
**                                  slot; then whichever thread finds the
**                                  next record in sequence finished writes
**                                  the finished run and frees the slots
**                                  (one writer at a time, no writer thread).
**
** -jN thus runs N threads on N cores, no more. With -j1 the producer does
** all of it itself, in order, without the ring's hand-offs. Taking runs
** and writing from the workers keeps the locking and sleeping to about one
** per run rather than several per document.
**
** The ring has a fixed number of slots (64 per thread), so at most that
** many documents are in memory at any time, and the JSONL lines among them
** hold at most HELD_LINE_BUDGET bytes (past it the producer waits even for
** a free slot): a stream of any length runs in bounded memory, and a slow
** writer (a full pipe) holds the producer back.
** One engine is shared by all threads; scanners are per thread.
**
** Stopping: SIGINT/SIGTERM set a flag that only the producer thread sees as
** a signal (the others block them); the producer stops feeding, every
** thread drops the documents it has not started, and the writing thread
** writes the finished ones up to the first dropped one, so the output is a
** prefix of the input order made of whole lines. A second signal ends
** the process at once. A closed output pipe (EPIPE) stops the batch the
** same way as the first signal, quietly.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"

/* Ring size and run length: a run at the head of the ring holds back the
   writer, and with it the slots behind it; 64 slots a thread and runs of
   16 leave the other threads some 100 documents of work meanwhile. When
   the producer only fed, 16 and 8 made 3,600 context switches on the
   benchmark's 16,351 articles and 64 and 16 made 800; with the producer
   working too, -j2 makes about 20. */
#define SLOTS_PER_WORKER 64
/* The most slots a thread takes at once. */
#define TAKE_MAX 16
#define MIN_SLOTS 8
/* Buffers that grew past these are given back after their document. */
#define KEEP_DOC_BYTES (8u << 20)
#define KEEP_LINE_BYTES (256u << 10)
#define KEEP_RECORD_BYTES (256u << 10)
/* JSONL lines waiting in the ring hold their bytes: past this many the
   producer waits for the writer, however many slots are free, so that a
   stream of huge lines does not fill every slot with one. */
#define HELD_LINE_BUDGET (64u << 20)
#define WAIT_SLICE_NS 200000000L

/* Set by the signal handler; a signal can only reach a process-wide flag. */
static volatile sig_atomic_t g_signal;

static void on_signal(int sig) { g_signal = sig; }

/* ======================================================================
** Slots and the shared state
** =================================================================== */

typedef enum { SLOT_FREE, SLOT_READY, SLOT_TAKEN, SLOT_DONE, SLOT_DROPPED } slot_state;

typedef enum {
  JOB_FILE,  /* path: read it and scan it */
  JOB_LINE,  /* line: a JSONL record */
  JOB_FAILED /* message: an error known before any work (a bad folder) */
} job_kind;

typedef struct slot {
  slot_state state;
  job_kind kind;
  char *path;         /* JOB_FILE, JOB_FAILED: malloc'd, or NULL */
  sbuf line;          /* JOB_LINE */
  uint64_t lineno;    /* JOB_LINE, JOB_FAILED from a stream */
  const char *source; /* streams: their name, for ids ("stdin:12") */
  char message[200];  /* JOB_FAILED */
  bool skipped;       /* JOB_FAILED: passed over (counts as skipped) */
  bool regular;       /* JOB_FILE: the walk saw a regular file */
  uint64_t bytes;     /* input bytes, for MB/s */
  size_t held;        /* JOB_LINE: bytes counted in batch.held_bytes */
  /* set by the worker */
  sbuf record;
  rec_status status;
  int category; /* the label's category id, -1 for none */
} slot;

typedef struct batch {
  const batch_opts *o;
  bunryu_engine *e;
  FILE *out;
  batch_stats *st;
  slot *ring;
  size_t n_slots;
  pthread_mutex_t mu;
  pthread_cond_t can_work, can_feed;
  uint64_t next_seq, next_take, next_write; /* under mu */
  bool input_done;                           /* under mu */
  size_t pending;      /* DONE or DROPPED slots not yet released; under mu */
  uint64_t held_bytes; /* of lines in slots not yet released; under mu */
  atomic_int stop; /* a batch_end other than BATCH_DONE once stopping */
  int write_errno;
  progress prog;
  bool out_is_tty;
  char **sources; /* stream names, one per input */
  struct worker *own_worker; /* the producer's: all the work with -j1 */
  size_t n_workers;          /* the producer and the worker threads */
  bool feeder_waits;         /* the producer sleeps for room; under mu */
  bool writer_active;  /* a thread is writing records; under mu */
  bool out_writing;    /* false once a record was dropped; by the writer */
} batch;

typedef struct worker {
  batch *b;
  bunryu_scanner *scanner;
  char scanner_error[256]; /* why a thread could not make its scanner */
  sbuf doc;
  doc_folder folder; /* of the file read last */
  jsonl_doc jd;
  pthread_t thread;
} worker;

static bool should_stop(void *ud) {
  batch *b = ud;
  return g_signal != 0 || atomic_load(&b->stop) != BATCH_DONE;
}

/* Waits on cv for at most ns nanoseconds (< 1 s). */
static void wait_for(pthread_cond_t *cv, pthread_mutex_t *mu, long ns) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_nsec += ns;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(cv, mu, &ts);
}

/* Waits for at most WAIT_SLICE_NS, so that the caller can look at the stop
   flags again (a signal does not wake a condition variable). */
static void wait_slice(pthread_cond_t *cv, pthread_mutex_t *mu) {
  wait_for(cv, mu, WAIT_SLICE_NS);
}

/* ======================================================================
** Workers
** =================================================================== */

static int category_id(const batch *b, const char *label) {
  if (!label) return -1;
  for (size_t i = 0; i < b->st->n_categories; i++)
    if (strcmp(bunryu_engine_category_name(b->e, i), label) == 0) return (int)i;
  return -1;
}

/* Records the scan's result in the slot. */
static void take_result(worker *w, slot *s, const doc_ident *d,
                        const bunryu_result *r) {
  batch *b = w->b;
  if (output_result(&s->record, b->o, d, r) != 0) {
    sbuf_clear(&s->record);
    output_error(&s->record, b->o, d, "out of memory");
    s->status = REC_ERROR;
    return;
  }
  s->status = bunryu_result_error(r) == BUNRYU_OK ? REC_OK : REC_ERROR;
  if (s->status == REC_OK) s->category = category_id(b, bunryu_result_label(r));
}

static void fail_slot(worker *w, slot *s, const doc_ident *d, const char *why,
                      rec_status status) {
  sbuf_clear(&s->record);
  output_error(&s->record, w->b->o, d, why);
  s->status = status;
}

static void process_file(worker *w, slot *s) {
  const batch_opts *o = w->b->o;
  char id[512], why[256];
  cli_doc_id(s->path, id, sizeof id);
  doc_ident d = {id, s->path, 0, NULL};
  read_status rs =
      read_document(&w->folder, s->path, s->regular, o->max_bytes, &w->doc,
                    &s->bytes, why, sizeof why);
  if (rs != READ_OK) {
    fail_slot(w, s, &d, why, rs == READ_SKIPPED ? REC_SKIPPED : REC_ERROR);
  } else {
    const bunryu_result *r = NULL;
    bunryu_scan(w->scanner, w->doc.s, w->doc.n, o->scan_flags, &r);
    if (r) take_result(w, s, &d, r);
    else fail_slot(w, s, &d, "out of memory", REC_ERROR);
  }
  sbuf_trim(&w->doc, KEEP_DOC_BYTES);
}

static void process_line(worker *w, slot *s) {
  const batch_opts *o = w->b->o;
  jsonl_doc *jd = &w->jd;
  char fallback_id[300];
  snprintf(fallback_id, sizeof fallback_id, "%s:%llu", s->source,
           (unsigned long long)s->lineno);
  int rc = jsonl_parse(s->line.s ? s->line.s : "", s->line.n, jd);
  doc_ident d = {rc != -2 && jd->has_id ? jd->id.s : fallback_id, NULL,
                 s->lineno, rc == 0 ? jd->meta.s : NULL};
  if (rc == -1) {
    fail_slot(w, s, &d, jd->error, REC_ERROR);
  } else if (rc != 0) {
    fail_slot(w, s, &d, "out of memory", REC_ERROR);
  } else if (jd->title.n == 0 && jd->text.n == 0) {
    fail_slot(w, s, &d, "empty document", REC_ERROR);
  } else {
    const bunryu_result *r = NULL;
    bunryu_scan_zones(w->scanner, jd->title.s, jd->title.n, jd->text.s,
                      jd->text.n, o->scan_flags, &r);
    if (r) take_result(w, s, &d, r);
    else fail_slot(w, s, &d, "out of memory", REC_ERROR);
  }
  sbuf_trim(&s->line, KEEP_LINE_BYTES);
  sbuf_trim(&jd->title, KEEP_DOC_BYTES);
  sbuf_trim(&jd->text, KEEP_DOC_BYTES);
}

static void process_failed(worker *w, slot *s) {
  char id[512];
  if (s->source)
    snprintf(id, sizeof id, "%s:%llu", s->source, (unsigned long long)s->lineno);
  else
    cli_doc_id(s->path ? s->path : "", id, sizeof id);
  doc_ident d = {id, s->path, s->source ? s->lineno : 0, NULL};
  fail_slot(w, s, &d, s->message, s->skipped ? REC_SKIPPED : REC_ERROR);
}

static void process_slot(worker *w, slot *s) {
  sbuf_clear(&s->record);
  s->status = REC_ERROR;
  s->category = -1;
  switch (s->kind) {
    case JOB_FILE: process_file(w, s); break;
    case JOB_LINE: process_line(w, s); break;
    case JOB_FAILED: process_failed(w, s); break;
  }
}

static void drain_output(batch *b);

/*
** Takes the next run of READY slots for one worker: about an equal share
** of what is ready, at most TAKE_MAX, so that a worker locks and sleeps
** once per run rather than once per document. Returns how many, 0 when
** none is ready. Called with mu held.
*/
static size_t take_ready(batch *b, uint64_t *first) {
  uint64_t ready = b->next_seq - b->next_take;
  uint64_t share = (ready + b->n_workers - 1) / b->n_workers;
  size_t n = (size_t)(share < TAKE_MAX ? share : TAKE_MAX);
  *first = b->next_take;
  for (size_t i = 0; i < n; i++)
    b->ring[(b->next_take + i) % b->n_slots].state = SLOT_TAKEN;
  b->next_take += n;
  return n;
}

/* Processes a run taken by take_ready, then writes what is next in order.
   Once the batch is stopping, the documents not started are dropped. */
static void process_run(worker *w, uint64_t first, size_t n) {
  batch *b = w->b;
  bool dropped[TAKE_MAX];
  for (size_t i = 0; i < n; i++) {
    slot *s = &b->ring[(first + i) % b->n_slots];
    dropped[i] = should_stop(b);
    if (!dropped[i]) process_slot(w, s);
  }
  pthread_mutex_lock(&b->mu);
  for (size_t i = 0; i < n; i++)
    b->ring[(first + i) % b->n_slots].state =
        dropped[i] ? SLOT_DROPPED : SLOT_DONE;
  b->pending += n;
  pthread_mutex_unlock(&b->mu);
  drain_output(b);
}

/* Makes w's scanner on the calling thread; false, with the reason in
   w->scanner_error, when it cannot be made. */
static bool make_scanner(worker *w) {
  w->scanner = bunryu_scanner_new(w->b->e, w->scanner_error,
                                  sizeof w->scanner_error);
  if (!w->scanner && !w->scanner_error[0])
    snprintf(w->scanner_error, sizeof w->scanner_error, "out of memory");
  return w->scanner != NULL;
}

/*
** A worker thread makes its own scanner, at the same time as the others
** (with hooks each one runs the rule files again: made one after another
** they held back the start by ~1.3 ms a thread). One that cannot make it
** takes no part; the producer and the other threads do its share.
*/
static void *worker_main(void *arg) {
  worker *w = arg;
  batch *b = w->b;
  if (!make_scanner(w)) return NULL;
  for (;;) {
    uint64_t first;
    pthread_mutex_lock(&b->mu);
    while (b->next_take == b->next_seq && !b->input_done)
      pthread_cond_wait(&b->can_work, &b->mu);
    size_t n = take_ready(b, &first);
    pthread_mutex_unlock(&b->mu);
    if (n == 0) return NULL;
    process_run(w, first, n);
  }
}

/* ======================================================================
** Writer
** =================================================================== */

static void count_record(batch_stats *st, const slot *s) {
  st->documents++;
  st->bytes += s->bytes;
  if (s->status == REC_SKIPPED) {
    st->skipped++;
  } else if (s->status == REC_ERROR) {
    st->errors++;
  } else {
    st->classified++;
    if (s->category >= 0) st->per_category[s->category]++;
    else st->no_label++;
  }
}

/* Writes one record; false once the output is gone (the stop flag then
   says why). */
static bool write_record(batch *b, const slot *s) {
  if (b->out_is_tty) progress_clear(&b->prog);
  errno = 0;
  if (fwrite(s->record.s, 1, s->record.n, b->out) == s->record.n &&
      (!b->out_is_tty || fflush(b->out) == 0))
    return true;
  b->write_errno = errno;
  atomic_store(&b->stop, errno == EPIPE ? BATCH_PIPE_CLOSED : BATCH_WRITE_ERROR);
  return false;
}

static void release_slot(batch *b, slot *s) {
  free(s->path);
  s->path = NULL;
  sbuf_trim(&s->record, KEEP_RECORD_BYTES);
  pthread_mutex_lock(&b->mu);
  s->state = SLOT_FREE;
  b->pending--;
  b->next_write++;
  b->held_bytes -= s->held;
  s->held = 0;
  if (b->feeder_waits) pthread_cond_signal(&b->can_feed);
  pthread_mutex_unlock(&b->mu);
}

/* Writes a finished slot (unless the batch is stopping) and frees it;
   *writing turns false for good once a record had to be dropped, so that
   the output stays a complete prefix of the input order. */
static void emit_slot(batch *b, slot *s, bool *writing) {
  if (s->state == SLOT_DROPPED) *writing = false;
  if (*writing && atomic_load(&b->stop) == BATCH_DONE) {
    if (write_record(b, s)) count_record(b->st, s);
    else *writing = false;
    progress_update(&b->prog, b->st, false);
  }
  release_slot(b, s);
}

/*
** Writes every finished slot that is next in input order. There is no
** writer thread: whichever worker finds the next record finished writes
** it, one writer at a time (writer_active). A worker that finds another
** writing leaves: that writer checks the next slot again, under mu, before
** it stops, and so sees the slots this worker finished.
*/
static void drain_output(batch *b) {
  pthread_mutex_lock(&b->mu);
  if (b->writer_active) {
    pthread_mutex_unlock(&b->mu);
    return;
  }
  b->writer_active = true;
  for (;;) {
    slot *s = &b->ring[b->next_write % b->n_slots];
    if (b->next_write >= b->next_seq ||
        (s->state != SLOT_DONE && s->state != SLOT_DROPPED))
      break;
    pthread_mutex_unlock(&b->mu);
    emit_slot(b, s, &b->out_writing);
    pthread_mutex_lock(&b->mu);
  }
  b->writer_active = false;
  pthread_mutex_unlock(&b->mu);
}

static void finish_output(batch *b) {
  errno = 0;
  if (atomic_load(&b->stop) == BATCH_DONE && fflush(b->out) != 0) {
    b->write_errno = errno;
    atomic_store(&b->stop,
                 errno == EPIPE ? BATCH_PIPE_CLOSED : BATCH_WRITE_ERROR);
  }
}

/* ======================================================================
** Producer
** =================================================================== */

/* Whether the producer must wait before filling the next slot: it is not
   free yet, or the lines in flight hold the budget (one always may). */
static bool must_wait(const batch *b, const slot *s) {
  return s->state != SLOT_FREE ||
         (b->held_bytes >= HELD_LINE_BUDGET && b->next_write < b->next_seq);
}

/*
** Until the next slot can be filled, the producer works on the ring like
** a worker; it sleeps only when every document in flight is taken, and is
** woken when a slot is written. A producer that only fed and slept took a
** core from a worker at each wake-up, and the workers ran dry while it
** waited for its turn: -j2 over the JSONL stream ran at about 1.6x -j1.
** Called with mu held.
*/
static void work_until_room(batch *b, const slot *s) {
  while (must_wait(b, s) && !should_stop(b)) {
    uint64_t first;
    size_t n = take_ready(b, &first);
    if (n > 0) {
      pthread_mutex_unlock(&b->mu);
      process_run(b->own_worker, first, n);
      pthread_mutex_lock(&b->mu);
    } else {
      b->feeder_waits = true;
      wait_slice(&b->can_feed, &b->mu);
      b->feeder_waits = false;
    }
  }
}

/* The next free slot in sequence, or NULL when the batch is stopping. The
   slot stays FREE (no one else touches it) until submit(). */
static slot *acquire_slot(batch *b) {
  pthread_mutex_lock(&b->mu);
  slot *s = &b->ring[b->next_seq % b->n_slots];
  work_until_room(b, s);
  bool ok = s->state == SLOT_FREE && !should_stop(b);
  pthread_mutex_unlock(&b->mu);
  if (!ok) return NULL;
  s->path = NULL;
  s->source = NULL;
  s->lineno = 0;
  s->bytes = 0;
  s->message[0] = '\0';
  s->skipped = false;
  return s;
}

/*
** With one worker the producer does the work itself, in order: no threads,
** no hand-offs, no context switches per document (they cost a fifth of
** the time of -j1 on short articles).
*/
static void run_inline(batch *b, slot *s) {
  pthread_mutex_lock(&b->mu);
  s->state = SLOT_TAKEN;
  b->next_seq++;
  b->next_take++;
  pthread_mutex_unlock(&b->mu);
  bool drop = should_stop(b);
  if (!drop) process_slot(b->own_worker, s);
  s->state = drop ? SLOT_DROPPED : SLOT_DONE;
  pthread_mutex_lock(&b->mu);
  b->pending++;
  pthread_mutex_unlock(&b->mu);
  emit_slot(b, s, &b->out_writing);
}

static void submit(batch *b, slot *s) {
  if (b->n_workers == 1) {
    run_inline(b, s);
    return;
  }
  pthread_mutex_lock(&b->mu);
  s->state = SLOT_READY;
  b->next_seq++;
  s->held = s->kind == JOB_LINE ? s->line.cap : 0;
  b->held_bytes += s->held;
  pthread_cond_signal(&b->can_work);
  pthread_mutex_unlock(&b->mu);
}

/* Feeds a file; path is taken over. false when the batch is stopping. */
static bool feed_file(batch *b, char *path, bool regular) {
  slot *s = acquire_slot(b);
  if (!s) {
    free(path);
    return false;
  }
  s->kind = JOB_FILE;
  s->path = path;
  s->regular = regular;
  submit(b, s);
  return true;
}

/* Feeds an error record for path (copied) with the reason. */
static bool feed_path_error(batch *b, const char *path, const char *what,
                            int err) {
  slot *s = acquire_slot(b);
  if (!s) return false;
  s->kind = JOB_FAILED;
  s->path = strdup(path);
  snprintf(s->message, sizeof s->message, "%s: %s", what, strerror(err));
  submit(b, s);
  return true;
}

/* Feeds a record for a path that is passed over, with the reason. */
static bool feed_skipped(batch *b, const char *path, const char *why) {
  slot *s = acquire_slot(b);
  if (!s) return false;
  s->kind = JOB_FAILED;
  s->skipped = true;
  s->path = strdup(path);
  snprintf(s->message, sizeof s->message, "%s", why);
  submit(b, s);
  return true;
}

static bool out_of_memory(batch *b) {
  fprintf(stderr, "bunryu: out of memory\n");
  atomic_store(&b->stop, BATCH_FAILED);
  return false;
}

static bool feed_folder(batch *b, const char *root) {
  walker *w = walker_new(root, b->o);
  if (!w) return out_of_memory(b);
  walk_item it;
  int rc;
  bool go = true;
  while (go && (rc = walker_next(w, &it)) == 1) {
    if (it.err) {
      go = feed_path_error(b, it.path, "cannot read folder", it.err);
      free(it.path);
    } else if (it.special) {
      go = feed_skipped(b, it.path, "skipped: not a regular file");
      free(it.path);
    } else {
      go = feed_file(b, it.path, it.regular);
    }
  }
  if (go && rc < 0) go = out_of_memory(b);
  b->st->hidden += walker_hidden(w);
  b->st->excluded += walker_excluded(w);
  walker_free(w);
  return go;
}

/*
** Feeds the lines of a JSONL stream, each read straight into its slot.
** Blank lines are passed over; a line over the size limit is skipped to
** its end and becomes an error record; a read error ends the stream with
** one.
*/
static bool feed_stream(batch *b, const input *in, const char *source) {
  bool is_stdin = strcmp(in->path, "-") == 0;
  int fd = is_stdin ? 0 : open(in->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return feed_path_error(b, in->path, "cannot open", errno);
  line_reader *r = line_reader_new(fd, should_stop, b);
  bool go = r != NULL || out_of_memory(b);
  while (go) {
    slot *s = acquire_slot(b);
    if (!s) {
      go = false;
      break;
    }
    uint64_t too_long;
    int rc = line_reader_next(r, &s->line, b->o->max_bytes, &too_long);
    if (rc == 0) break;
    if (rc == -2) {
      go = false;
      break;
    }
    s->source = source;
    s->lineno = line_reader_lineno(r);
    if (rc == -1) {
      s->kind = JOB_FAILED;
      s->lineno++;
      snprintf(s->message, sizeof s->message, "cannot read: %s",
               strerror(errno));
      submit(b, s);
      break;
    }
    if (too_long) {
      s->kind = JOB_FAILED;
      s->bytes = too_long + 1;
      snprintf(s->message, sizeof s->message,
               "line too long: %llu bytes (limit %llu)",
               (unsigned long long)too_long,
               (unsigned long long)b->o->max_bytes);
    } else if (only_whitespace(s->line.s ? s->line.s : "", s->line.n)) {
      continue; /* the slot is still free: the next line takes it */
    } else {
      s->kind = JOB_LINE;
      s->bytes = s->line.n + 1;
    }
    submit(b, s);
  }
  line_reader_free(r);
  if (!is_stdin) close(fd);
  return go;
}

static void feed_inputs(batch *b) {
  const batch_opts *o = b->o;
  bool go = true;
  for (size_t i = 0; go && i < o->n_inputs; i++) {
    const input *in = &o->inputs[i];
    struct stat st;
    if (in->kind == INPUT_JSONL) {
      go = feed_stream(b, in, b->sources[i]);
    } else if (stat(in->path, &st) != 0) {
      go = feed_path_error(b, in->path, "cannot open", errno);
    } else if (S_ISDIR(st.st_mode)) {
      go = feed_folder(b, in->path);
    } else {
      char *path = strdup(in->path);
      go = path ? feed_file(b, path, false) : out_of_memory(b);
    }
  }
}

/* ======================================================================
** Setting up and tearing down
** =================================================================== */

static void install_signals(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  /* SA_RESTART: a write blocked on a full output pipe goes on after the
     handler instead of failing with EINTR, which glibc's stdio answers by
     dropping what it had buffered (cut records, "cannot write the
     output"). Reading a stream waits in poll(), which a signal always
     interrupts, so the producer still sees the flag at once. */
  sa.sa_handler = on_signal;
  /* SA_RESETHAND: a second signal ends the process at once, for when the
     first cannot (a reader that never reads, a scan that never returns). */
  sa.sa_flags = SA_RESTART | SA_RESETHAND;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sa.sa_handler = SIG_IGN; /* a closed pipe is an EPIPE from write() */
  sigaction(SIGPIPE, &sa, NULL);
}

/* Names the streams for the ids of their records: "stdin", or the file
   name without extension. */
static int name_sources(batch *b) {
  const batch_opts *o = b->o;
  b->sources = calloc(o->n_inputs ? o->n_inputs : 1, sizeof *b->sources);
  if (!b->sources) return -1;
  for (size_t i = 0; i < o->n_inputs; i++) {
    if (o->inputs[i].kind != INPUT_JSONL) continue;
    char id[512];
    if (strcmp(o->inputs[i].path, "-") == 0) snprintf(id, sizeof id, "stdin");
    else cli_doc_id(o->inputs[i].path, id, sizeof id);
    b->sources[i] = strdup(id);
    if (!b->sources[i]) return -1;
  }
  return 0;
}

static void free_batch(batch *b, worker *workers, size_t n_workers) {
  for (size_t i = 0; i < n_workers; i++) {
    bunryu_scanner_free(workers[i].scanner);
    sbuf_free(&workers[i].doc);
    doc_folder_close(&workers[i].folder);
    jsonl_doc_free(&workers[i].jd);
  }
  for (size_t i = 0; b->ring && i < b->n_slots; i++) {
    free(b->ring[i].path);
    sbuf_free(&b->ring[i].line);
    sbuf_free(&b->ring[i].record);
  }
  free(b->ring);
  for (size_t i = 0; b->sources && i < b->o->n_inputs; i++) free(b->sources[i]);
  free(b->sources);
  pthread_mutex_destroy(&b->mu);
  pthread_cond_destroy(&b->can_work);
  pthread_cond_destroy(&b->can_feed);
}

/* Says which worker threads could not make a scanner (the batch went on
   without them). */
static void report_idle_workers(const worker *workers, long n) {
  long idle = 0;
  const char *why = NULL;
  for (long i = 0; i < n; i++)
    if (!workers[i].scanner) {
      idle++;
      why = workers[i].scanner_error;
    }
  if (idle)
    fprintf(stderr,
            "bunryu: warning: %ld worker thread(s) could not make a scanner "
            "(%s); the others did their share\n",
            idle, why);
}

static void setup_stats(batch *b, batch_stats *st) {
  memset(st, 0, sizeof *st);
  st->n_categories = bunryu_engine_category_count(b->e);
  b->prog.enabled = b->o->progress > 0 ||
                    (b->o->progress < 0 && isatty(STDERR_FILENO));
  if (b->prog.enabled)
    inputs_measure(b->o, &st->total_docs, &st->total_bytes,
                   &st->total_docs_known, &st->total_bytes_known);
}

/* Starts the workers with SIGINT/SIGTERM blocked, so that only the
   producer (this thread) takes them. Returns how many workers run. */
static long start_threads(worker *workers, size_t n) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  long started = 0;
  while ((size_t)started < n &&
         pthread_create(&workers[started].thread, NULL, worker_main,
                        &workers[started]) == 0)
    started++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return started;
}

/* Marks the input done and works with the workers on what is left. */
static void finish_input(batch *b) {
  pthread_mutex_lock(&b->mu);
  b->input_done = true;
  pthread_cond_broadcast(&b->can_work);
  uint64_t first;
  size_t n;
  while (b->n_workers > 1 && (n = take_ready(b, &first)) > 0) {
    pthread_mutex_unlock(&b->mu);
    process_run(b->own_worker, first, n);
    pthread_mutex_lock(&b->mu);
  }
  pthread_mutex_unlock(&b->mu);
}

batch_end batch_run(const batch_opts *o, bunryu_engine *e, FILE *out,
                    batch_stats *st) {
  batch b;
  memset(&b, 0, sizeof b);
  b.o = o;
  b.e = e;
  b.out = out;
  b.st = st;
  b.out_is_tty = isatty(fileno(out));
  atomic_init(&b.stop, BATCH_DONE);
  pthread_mutex_init(&b.mu, NULL);
  pthread_cond_init(&b.can_work, NULL);
  pthread_cond_init(&b.can_feed, NULL);
  setup_stats(&b, st);
  size_t n_workers = (size_t)o->jobs;
  b.n_workers = n_workers;
  b.out_writing = true;
  b.n_slots = n_workers * SLOTS_PER_WORKER;
  if (b.n_slots < MIN_SLOTS) b.n_slots = MIN_SLOTS;
  b.ring = calloc(b.n_slots, sizeof *b.ring);
  worker *workers = calloc(n_workers, sizeof *workers);
  st->per_category = calloc(st->n_categories ? st->n_categories : 1,
                            sizeof *st->per_category);
  if (!b.ring || !workers || !st->per_category || name_sources(&b) != 0) {
    fprintf(stderr, "bunryu: out of memory\n");
    free_batch(&b, workers, workers ? n_workers : 0);
    free(workers);
    return BATCH_FAILED;
  }
  for (size_t i = 0; i < n_workers; i++) workers[i].b = &b;
  long started = 0;
  b.own_worker = &workers[0];
  if (n_workers > 1) {
    started = start_threads(workers + 1, n_workers - 1);
    if (started == 0) atomic_store(&b.stop, BATCH_FAILED);
  }
  /* The producer makes its own while the worker threads make theirs. */
  if (!make_scanner(b.own_worker)) {
    fprintf(stderr, "bunryu: cannot make a scanner: %s\n",
            b.own_worker->scanner_error);
    atomic_store(&b.stop, BATCH_FAILED);
    finish_input(&b); /* nothing was fed: the threads end */
    for (long i = 0; i < started; i++)
      pthread_join(workers[i + 1].thread, NULL);
    free_batch(&b, workers, n_workers);
    free(workers);
    return BATCH_FAILED;
  }
  install_signals();
  output_header(o, out);
  st->start = now_seconds();
  if (n_workers == 1 || started > 0) feed_inputs(&b);
  finish_input(&b);
  for (long i = 0; i < started; i++) pthread_join(workers[i + 1].thread, NULL);
  report_idle_workers(workers + 1, started);
  drain_output(&b); /* what the last worker left (it drains, but be sure) */
  finish_output(&b);
  st->seconds = now_seconds() - st->start;
  progress_update(&b.prog, st, true);
  progress_clear(&b.prog);
  batch_end end = (batch_end)atomic_load(&b.stop);
  if (n_workers > 1 && started == 0) {
    fprintf(stderr, "bunryu: cannot start threads\n");
    end = BATCH_FAILED;
  } else if (g_signal && end == BATCH_DONE) {
    end = BATCH_INTERRUPTED;
  }
  st->interrupted = end == BATCH_INTERRUPTED;
  if (end == BATCH_WRITE_ERROR)
    fprintf(stderr, "bunryu: cannot write the output: %s\n",
            strerror(b.write_errno ? b.write_errno : EIO));
  free_batch(&b, workers, n_workers);
  free(workers);
  return end;
}
