/*
** latency.c — what one document and one engine cost, through the public API.
**
**   latency [--docs N] [--passes P] [--rounds R] RULES_SMALL RULES_LARGE ARTICLES_DIR
**
** RULES_SMALL and RULES_LARGE are the benchmark rule file staged with 2,000
** and with 20,000 companies (tests/bench/run.sh stages both); ARTICLES_DIR
** is make_corpus.py's articles/ folder (NNN/ID.txt files). It reports:
**
**   build     time of bunryu_builder_load_rules + bunryu_builder_build (the
**             median of 3), bunryu_engine_memory, the heap the engine keeps
**             and the peak heap while building (through the allocator hook),
**             and the RSS the process grows by to hold the engine. Each build
**             is measured in a child process (fork), so that neither engine
**             inherits memory the other one freed.
**   latency   bunryu_scan of every article of 5,500..6,500 bytes, each P
**             times, one clock_gettime pair around each call: p50, p90, p99,
**             p99.9 and max of the wall time, of the thread's CPU time (what
**             a busy machine does not inflate) and of scan +
**             bunryu_result_json.
**   scaling   bunryu_scan of the first N articles (all sizes) with the small
**             and the large engine, alternated R rounds: the median time of
**             each and their ratio.
**
** A measuring program, not a test: it prints a table and "= key value" lines
** (for run.sh) and exits 0 unless something could not be loaded.
*/
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bunryu.h>

#include "counting_alloc.h"

#define DOC_MIN 5500
#define DOC_MAX 6500

/* ------------------------------------------------------------------------
** Small helpers
** --------------------------------------------------------------------- */
static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: unlike the wall clock it does not count the time
   the thread waits for a CPU on a busy machine. */
static double cpu_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *why) {
  fprintf(stderr, "latency: %s: %s\n", what, why);
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) die("realloc", strerror(errno));
  return q;
}

/* Resident set size of this process in bytes (Linux /proc; 0 elsewhere). */
static size_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  size_t kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %zu kB", &kb) == 1) break;
  fclose(f);
  return kb * 1024;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The q-quantile of a sorted array (nearest rank). */
static double quantile(const double *v, size_t n, double q) {
  if (!n) return 0;
  size_t i = (size_t)(q * (double)n);
  if (i >= n) i = n - 1;
  return v[i];
}

static double median(double *v, size_t n) {
  qsort(v, n, sizeof *v, cmp_double);
  return quantile(v, n, 0.5);
}

/* ------------------------------------------------------------------------
** The corpus: every ARTICLES_DIR/NNN/ID.txt, in name order
** --------------------------------------------------------------------- */
typedef struct doc {
  char *text;
  size_t len;
} doc;

typedef struct corpus {
  doc *v;
  size_t n, cap;
} corpus;

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names in dir (without . and ..), sorted; *n set. */
static char **list_dir(const char *dir, size_t *n) {
  DIR *d = opendir(dir);
  if (!d) die(dir, strerror(errno));
  char **v = NULL;
  size_t cap = 0;
  *n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    if (*n == cap) v = xrealloc(v, (cap = cap ? cap * 2 : 64) * sizeof *v);
    v[(*n)++] = strdup(de->d_name);
  }
  closedir(d);
  if (*n) qsort(v, *n, sizeof *v, cmp_str);
  return v;
}

static void read_file(corpus *c, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) die(path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0) die(path, strerror(errno));
  size_t cap = (size_t)st.st_size + 1;
  char *buf = xrealloc(NULL, cap);
  size_t len = fread(buf, 1, cap, f);
  fclose(f);
  if (len == cap) die(path, "grew while being read");
  if (c->n == c->cap) c->v = xrealloc(c->v, (c->cap = c->cap * 2 + 1024) * sizeof *c->v);
  c->v[c->n++] = (doc){buf, len};
}

static void load_corpus(corpus *c, const char *dir) {
  size_t nsub;
  char **sub = list_dir(dir, &nsub);
  char path[4096];
  for (size_t i = 0; i < nsub; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, sub[i]);
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
      free(sub[i]);
      continue;
    }
    size_t nf;
    char **files = list_dir(path, &nf);
    for (size_t j = 0; j < nf; j++) {
      size_t l = strlen(files[j]);
      if (l > 4 && strcmp(files[j] + l - 4, ".txt") == 0) {
        char fp[4096 + 256];
        snprintf(fp, sizeof fp, "%s/%s", path, files[j]);
        read_file(c, fp);
      }
      free(files[j]);
    }
    free(files);
    free(sub[i]);
  }
  free(sub);
}

/* ------------------------------------------------------------------------
** Build cost, measured in a child process
** --------------------------------------------------------------------- */
typedef struct build_cost {
  double seconds;     /* median of the builds */
  size_t literals;    /* bunryu_engine_literal_count */
  size_t engine_mem;  /* bunryu_engine_memory */
  size_t heap_kept;   /* heap the engine holds once the builder is gone */
  size_t heap_peak;   /* peak heap while loading and building */
  size_t rss_delta;   /* RSS growth of the process to hold the engine */
  int ok;
} build_cost;

/* Loads and builds once with a counting allocator; the engine in *out. */
static int build_once(const char *rules, counting_alloc *ca, bunryu_engine **out,
                      double *seconds) {
  double t0 = now_sec();
  bunryu_builder *b = bunryu_builder_new_with_alloc(count_alloc, ca);
  if (!b) return BUNRYU_ENOMEM;
  int rc = bunryu_builder_load_rules(b, rules);
  if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, out);
  if (rc != BUNRYU_OK) fprintf(stderr, "latency: %s: %s\n", rules, bunryu_builder_error(b));
  bunryu_builder_free(b);
  *seconds = now_sec() - t0;
  return rc;
}

static void measure_build_child(const char *rules, int fd) {
  build_cost bc = {0};
  double t[3];
  size_t rss0 = rss_bytes();
  counting_alloc ca = {0, 0};
  bunryu_engine *e = NULL;
  if (build_once(rules, &ca, &e, &t[0]) != BUNRYU_OK) goto out;
  bc.rss_delta = rss_bytes() - rss0;
  bc.heap_kept = ca.live;
  bc.heap_peak = ca.peak;
  bc.engine_mem = bunryu_engine_memory(e);
  bc.literals = bunryu_engine_literal_count(e);
  bunryu_engine_free(e);
  for (int i = 1; i < 3; i++) {
    counting_alloc again = {0, 0};
    e = NULL;
    if (build_once(rules, &again, &e, &t[i]) != BUNRYU_OK) goto out;
    bunryu_engine_free(e);
  }
  bc.seconds = median(t, 3);
  bc.ok = 1;
out:
  if (write(fd, &bc, sizeof bc) != (ssize_t)sizeof bc) _exit(1);
  _exit(0);
}

static build_cost measure_build(const char *rules) {
  build_cost bc = {0};
  int fds[2];
  if (pipe(fds) != 0) die("pipe", strerror(errno));
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) die("fork", strerror(errno));
  if (pid == 0) {
    close(fds[0]);
    measure_build_child(rules, fds[1]);
  }
  close(fds[1]);
  if (read(fds[0], &bc, sizeof bc) != (ssize_t)sizeof bc) bc.ok = 0;
  close(fds[0]);
  waitpid(pid, NULL, 0);
  return bc;
}

/* ------------------------------------------------------------------------
** Scans
** --------------------------------------------------------------------- */
static bunryu_scanner *scanner_for(const char *rules) {
  char err[512];
  bunryu_engine *e = NULL;
  if (bunryu_engine_load(rules, &e, err, sizeof err) != BUNRYU_OK) die(rules, err);
  bunryu_scanner *s = bunryu_scanner_new(e, err, sizeof err);
  bunryu_engine_free(e);
  if (!s) die(rules, err);
  return s;
}

static void scan_doc(bunryu_scanner *s, const doc *d, int json) {
  const bunryu_result *r;
  if (bunryu_scan(s, d->text, d->len, BUNRYU_SCAN_REPLACE_INVALID, &r) != BUNRYU_OK)
    die("bunryu_scan", bunryu_result_error_message(r));
  if (json && !bunryu_result_json(r, "id", NULL, 0, NULL)) die("bunryu_result_json", "NULL");
}

/* Per-call latencies (µs) of the documents in sel, each scanned passes
   times, sorted; *n set. clock: now_sec (wall) or cpu_sec (thread CPU). */
static double *latencies(bunryu_scanner *s, doc *const *sel, size_t nsel,
                         int passes, int json, double (*clock)(void), size_t *n) {
  double *v = xrealloc(NULL, nsel * (size_t)passes * sizeof *v);
  *n = 0;
  for (int p = 0; p < passes; p++)
    for (size_t i = 0; i < nsel; i++) {
      double t0 = clock();
      scan_doc(s, sel[i], json);
      v[(*n)++] = (clock() - t0) * 1e6;
    }
  qsort(v, *n, sizeof *v, cmp_double);
  return v;
}

static void print_latency(const char *name, const double *v, size_t n) {
  printf("  %-16s %8.1f %8.1f %8.1f %8.1f %8.1f\n", name, quantile(v, n, .5),
         quantile(v, n, .9), quantile(v, n, .99), quantile(v, n, .999), v[n - 1]);
}

static double scan_all(bunryu_scanner *s, const corpus *c, size_t n) {
  double t0 = now_sec();
  for (size_t i = 0; i < n; i++) scan_doc(s, &c->v[i], 0);
  return now_sec() - t0;
}

/* ------------------------------------------------------------------------
** Main
** --------------------------------------------------------------------- */
static void print_build(const char *name, const build_cost *b) {
  printf("  %-16s %9.1f ms %9zu lit %10.1f MB %10.1f MB %10.1f MB %10.1f MB\n", name,
         b->seconds * 1e3, b->literals, (double)b->engine_mem / 1e6,
         (double)b->heap_kept / 1e6, (double)b->heap_peak / 1e6,
         (double)b->rss_delta / 1e6);
}

int main(int argc, char **argv) {
  size_t ndocs = 3000;
  int passes = 5, rounds = 5, i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
    if (i + 1 >= argc) break;
    if (strcmp(argv[i], "--docs") == 0) ndocs = (size_t)atol(argv[++i]);
    else if (strcmp(argv[i], "--passes") == 0) passes = atoi(argv[++i]);
    else if (strcmp(argv[i], "--rounds") == 0) rounds = atoi(argv[++i]);
    else break;
  }
  if (argc - i != 3 || passes < 1 || rounds < 1 || ndocs < 1) {
    fprintf(stderr, "usage: latency [--docs N] [--passes P] [--rounds R] "
                    "RULES_SMALL RULES_LARGE ARTICLES_DIR\n");
    return 2;
  }
  const char *small = argv[i], *large = argv[i + 1], *dir = argv[i + 2];

  /* Build cost first, in children, before this process holds anything. */
  build_cost bs = measure_build(small), bl = measure_build(large);
  if (!bs.ok || !bl.ok) die("build", "failed");
  printf("build (load + compile, median of 3):\n");
  printf("  %-16s %12s %13s %13s %13s %13s %13s\n", "rules", "time", "literals",
         "engine_mem", "heap kept", "heap peak", "RSS delta");
  print_build("small", &bs);
  print_build("large", &bl);

  corpus c = {0};
  load_corpus(&c, dir);
  if (!c.n) die(dir, "no articles");
  if (ndocs > c.n) ndocs = c.n;
  doc **sel = xrealloc(NULL, c.n * sizeof *sel);
  size_t nsel = 0, bytes_sel = 0;
  for (size_t k = 0; k < c.n; k++)
    if (c.v[k].len >= DOC_MIN && c.v[k].len <= DOC_MAX) {
      sel[nsel++] = &c.v[k];
      bytes_sel += c.v[k].len;
    }
  if (!nsel) die(dir, "no article of 5.5..6.5 KB");

  bunryu_scanner *ss = scanner_for(small), *sl = scanner_for(large);
  for (size_t k = 0; k < nsel; k++) scan_doc(ss, sel[k], 1); /* warm-up */

  size_t n1, n2, n3;
  double *lat = latencies(ss, sel, nsel, passes, 0, now_sec, &n1);
  double *latc = latencies(ss, sel, nsel, passes, 0, cpu_sec, &n3);
  double *latj = latencies(ss, sel, nsel, passes, 1, now_sec, &n2);
  printf("\nlatency, small rules, %zu articles of %d..%d bytes (mean %.0f) x %d passes:\n",
         nsel, DOC_MIN, DOC_MAX, (double)bytes_sel / (double)nsel, passes);
  printf("  %-16s %8s %8s %8s %8s %8s  (µs)\n", "", "p50", "p90", "p99", "p99.9", "max");
  print_latency("scan", lat, n1);
  print_latency("scan, CPU time", latc, n3);
  print_latency("scan+json", latj, n2);

  /* Scaling: alternate the engines within each round. */
  size_t bytes = 0;
  for (size_t k = 0; k < ndocs; k++) bytes += c.v[k].len;
  scan_all(sl, &c, ndocs); /* warm-up of the large engine */
  double *ts = xrealloc(NULL, (size_t)rounds * sizeof *ts);
  double *tl = xrealloc(NULL, (size_t)rounds * sizeof *tl);
  for (int r = 0; r < rounds; r++) {
    if (r % 2 == 0) {
      ts[r] = scan_all(ss, &c, ndocs);
      tl[r] = scan_all(sl, &c, ndocs);
    } else {
      tl[r] = scan_all(sl, &c, ndocs);
      ts[r] = scan_all(ss, &c, ndocs);
    }
  }
  double ms = median(ts, (size_t)rounds), ml = median(tl, (size_t)rounds);
  printf("\nscaling, first %zu articles (%.1f MB), median of %d alternated rounds:\n",
         ndocs, (double)bytes / 1e6, rounds);
  printf("  small %8.1f ms  %7.1f MB/s\n", ms * 1e3, (double)bytes / 1e6 / ms);
  printf("  large %8.1f ms  %7.1f MB/s\n", ml * 1e3, (double)bytes / 1e6 / ml);
  printf("  ratio large/small %.3f\n", ml / ms);

  printf("\n= build_small_ms %.1f\n= build_large_ms %.1f\n", bs.seconds * 1e3, bl.seconds * 1e3);
  printf("= literals_small %zu\n= literals_large %zu\n", bs.literals, bl.literals);
  printf("= engine_mem_small_mb %.1f\n= engine_mem_large_mb %.1f\n",
         (double)bs.engine_mem / 1e6, (double)bl.engine_mem / 1e6);
  printf("= heap_kept_small_mb %.1f\n= heap_kept_large_mb %.1f\n",
         (double)bs.heap_kept / 1e6, (double)bl.heap_kept / 1e6);
  printf("= heap_peak_small_mb %.1f\n= heap_peak_large_mb %.1f\n",
         (double)bs.heap_peak / 1e6, (double)bl.heap_peak / 1e6);
  printf("= rss_delta_small_mb %.1f\n= rss_delta_large_mb %.1f\n",
         (double)bs.rss_delta / 1e6, (double)bl.rss_delta / 1e6);
  printf("= lat_docs %zu\n= lat_p50_us %.1f\n= lat_p99_us %.1f\n= lat_p999_us %.1f\n",
         nsel, quantile(lat, n1, .5), quantile(lat, n1, .99), quantile(lat, n1, .999));
  printf("= latc_p50_us %.1f\n= latc_p99_us %.1f\n", quantile(latc, n3, .5),
         quantile(latc, n3, .99));
  printf("= latj_p50_us %.1f\n= latj_p99_us %.1f\n", quantile(latj, n2, .5),
         quantile(latj, n2, .99));
  printf("= scale_small_ms %.1f\n= scale_large_ms %.1f\n= scale_ratio %.3f\n", ms * 1e3,
         ml * 1e3, ml / ms);

  bunryu_scanner_free(ss);
  bunryu_scanner_free(sl);
  for (size_t k = 0; k < c.n; k++) free(c.v[k].text);
  free(c.v);
  free(sel);
  free(lat);
  free(latj);
  free(latc);
  free(ts);
  free(tl);
  return 0;
}
