/*
** progress.c — what a person watching a batch sees on stderr: a progress
** bar while it runs (documents, MB/s, and a percentage and ETA when the
** size of the input is known), and a summary when it ends, also written
** as JSON for scripts with --summary-json.
**
** Only the writer thread calls these while the batch runs, so the stats
** need no lock.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "batch.h"

#define BAR_WIDTH 24
#define REDRAW_SECONDS 0.1

double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double megabytes(uint64_t bytes) { return (double)bytes / 1e6; }

static void format_duration(char *out, size_t n, double s) {
  if (s < 0 || s > 359999) s = 359999;
  unsigned t = (unsigned)(s + 0.5);
  if (t >= 3600)
    snprintf(out, n, "%u:%02u:%02u", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(out, n, "%u:%02u", t / 60, t % 60);
}

/* How far along the batch is, from 0 to 1, or -1 when unknown. Bytes are
   the better measure (documents differ in size), documents the fallback. */
static double fraction_done(const batch_stats *st) {
  if (st->total_bytes_known && st->total_bytes > 0) {
    double f = (double)st->bytes / (double)st->total_bytes;
    return f > 1 ? 1 : f;
  }
  if (st->total_docs_known && st->total_docs > 0) {
    double f = (double)st->documents / (double)st->total_docs;
    return f > 1 ? 1 : f;
  }
  return -1;
}

void progress_update(progress *p, const batch_stats *st, bool force) {
  if (!p->enabled) return;
  double t = now_seconds();
  if (!force && t - p->last < REDRAW_SECONDS) return;
  p->last = t;
  double elapsed = t - st->start;
  double rate = elapsed > 0 ? megabytes(st->bytes) / elapsed : 0;
  double f = fraction_done(st);
  char line[256], docs[64], eta[32] = "";
  if (st->total_docs_known)
    snprintf(docs, sizeof docs, "%llu/%llu docs",
             (unsigned long long)st->documents,
             (unsigned long long)st->total_docs);
  else
    snprintf(docs, sizeof docs, "%llu docs", (unsigned long long)st->documents);
  if (f > 0.0 && elapsed > 0.5) {
    char d[24];
    format_duration(d, sizeof d, elapsed * (1 - f) / f);
    snprintf(eta, sizeof eta, "  ETA %s", d);
  }
  if (f >= 0) {
    char bar[BAR_WIDTH + 1];
    int filled = (int)(f * BAR_WIDTH);
    for (int i = 0; i < BAR_WIDTH; i++) bar[i] = i < filled ? '#' : '.';
    bar[BAR_WIDTH] = '\0';
    snprintf(line, sizeof line, "[%s] %3d%%  %s  %.1f MB/s%s", bar,
             (int)(f * 100), docs, rate, eta);
  } else {
    snprintf(line, sizeof line, "%s  %.1f MB  %.1f MB/s", docs,
             megabytes(st->bytes), rate);
  }
  fprintf(stderr, "\r\033[K%s", line);
  fflush(stderr);
  p->visible = true;
}

void progress_clear(progress *p) {
  if (!p->visible) return;
  fputs("\r\033[K", stderr);
  fflush(stderr);
  p->visible = false;
}

/* ======================================================================
** Summary
** =================================================================== */

static double rate_mb(const batch_stats *st) {
  return st->seconds > 0 ? megabytes(st->bytes) / st->seconds : 0;
}

void summary_print(const batch_stats *st, const bunryu_engine *e, FILE *f) {
  fprintf(f, "bunryu: %llu documents in %.2f s, %.1f MB, %.1f MB/s%s\n",
          (unsigned long long)st->documents, st->seconds, megabytes(st->bytes),
          rate_mb(st), st->interrupted ? " (interrupted)" : "");
  int width = 10;
  for (size_t i = 0; i < st->n_categories; i++) {
    int n = (int)strlen(bunryu_engine_category_name(e, i));
    if (n > width) width = n;
  }
  for (size_t i = 0; i < st->n_categories; i++)
    if (st->per_category[i])
      fprintf(f, "  %-*s %8llu\n", width, bunryu_engine_category_name(e, i),
              (unsigned long long)st->per_category[i]);
  const struct {
    const char *name;
    uint64_t n;
  } rows[] = {{"(no label)", st->no_label},
              {"errors", st->errors},
              {"skipped", st->skipped},
              {"hidden", st->hidden},
              {"excluded", st->excluded}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
    if (rows[i].n || i < 2)
      fprintf(f, "  %-*s %8llu\n", width, rows[i].name,
              (unsigned long long)rows[i].n);
}

int summary_write_json(const batch_stats *st, const bunryu_engine *e,
                       const char *path) {
  sbuf b = {0};
  int rc = sbuf_printf(&b, "{\"documents\": %llu, \"classified\": %llu, "
                           "\"labels\": {",
                       (unsigned long long)st->documents,
                       (unsigned long long)st->classified);
  for (size_t i = 0; i < st->n_categories && !rc; i++) {
    const char *name = bunryu_engine_category_name(e, i);
    rc = (i && sbuf_puts(&b, ", ")) || json_put_string(&b, name, strlen(name)) ||
         sbuf_printf(&b, ": %llu", (unsigned long long)st->per_category[i]);
  }
  if (!rc)
    rc = sbuf_printf(
        &b,
        "}, \"no_label\": %llu, \"errors\": %llu, \"skipped\": %llu, "
        "\"hidden\": %llu, \"excluded\": %llu, \"bytes\": %llu, "
        "\"mb\": %.3f, \"seconds\": %.3f, \"mb_per_s\": %.3f, "
        "\"interrupted\": %s}\n",
        (unsigned long long)st->no_label, (unsigned long long)st->errors,
        (unsigned long long)st->skipped, (unsigned long long)st->hidden,
        (unsigned long long)st->excluded, (unsigned long long)st->bytes,
        megabytes(st->bytes), st->seconds, rate_mb(st),
        st->interrupted ? "true" : "false");
  if (rc) {
    sbuf_free(&b);
    return -1;
  }
  FILE *f = fopen(path, "w");
  if (!f) {
    sbuf_free(&b);
    return -1;
  }
  size_t wrote = fwrite(b.s, 1, b.n, f);
  bool ok = wrote == b.n && fflush(f) == 0;
  sbuf_free(&b);
  return fclose(f) == 0 && ok ? 0 : -1;
}
