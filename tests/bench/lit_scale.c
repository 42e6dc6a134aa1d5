/*
** lit_scale.c — how the literal matcher scales with the number of patterns.
**
** Builds automata of 100, 1,000, ~4,000 (2,000 companies), 10,000 and
** ~40,000 (20,000 companies) company-name aliases and reports, for each,
** build time, peak build memory, matcher memory and scan speed over the
** same text; then times `rg -j1 -c -F -f LITERALS CORPUS` with the ~4,000
** aliases plus the category keywords, and the matcher on the same list.
** A measuring program, not a test: it prints numbers and exits 0.
**
**   lit_scale [--shared DIR] [--corpus FILE] [--runs N] [--no-rg]
**
** DIR defaults to ../shared (run from the project root). The dictionary
** comes from DIR/bench/make_companies.py 20000, the keywords from
** DIR/bench/terms.tsv, the text from FILE (default /tmp/litcorpus/
** articles.jsonl, made with DIR/bench/make_corpus.py --mb 50 when missing).
** Without DIR the program says so and exits 0.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "literals.h"

#include "counting_alloc.h"

#define DEFAULT_CORPUS_DIR "/tmp/litcorpus"
#define LITERALS_FILE "/tmp/lit_scale_literals.txt"

typedef struct options {
  const char *shared, *corpus;
  int runs, rg;
} options;

typedef struct strings {
  char **v;
  size_t n, cap;
} strings;

static double now_sec(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void strings_push(strings *s, const char *text, size_t len) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 1024;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) abort();
  }
  char *d = malloc(len + 1);
  if (!d) abort();
  memcpy(d, text, len);
  d[len] = 0;
  s->v[s->n++] = d;
}

static void strings_free(strings *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
}

/* Appends field `column` (0-based) of each TAB-separated, non-comment line
   read from f. */
static void read_column(FILE *f, int column, strings *out) {
  char line[4096];
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#') continue;
    char *field = line;
    for (int i = 0; i < column && field; i++) {
      field = strchr(field, '\t');
      if (field) field++;
    }
    if (!field) continue;
    size_t len = strcspn(field, "\t\r\n");
    if (len) strings_push(out, field, len);
  }
}

static int read_dictionary(const char *shared, int companies, strings *out) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "python3 '%s/bench/make_companies.py' %d",
           shared, companies);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  read_column(p, 1, out);
  return pclose(p) == 0 && out->n ? 0 : -1;
}

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = size > 0 ? malloc((size_t)size) : NULL;
  if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = buf ? (size_t)size : 0;
  return buf;
}

static int ensure_corpus(const options *o) {
  if (access(o->corpus, R_OK) == 0) return 0;
  if (strcmp(o->corpus, DEFAULT_CORPUS_DIR "/articles.jsonl") != 0) return -1;
  char cmd[1024];
  snprintf(cmd, sizeof cmd,
           "python3 '%s/bench/make_corpus.py' " DEFAULT_CORPUS_DIR
           " --mb 50 >/dev/null",
           o->shared);
  return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------
** Measuring
** --------------------------------------------------------------------- */
typedef struct measure {
  size_t patterns, distinct;
  double build_ms;
  size_t build_peak, matcher_bytes;
  double scan_sec, doc_sec; /* whole text at once; one line at a time */
  size_t hits;
} measure;

static int count_hit(void *ud, int32_t id, size_t end) {
  (void)id;
  (void)end;
  ++*(size_t *)ud;
  return 0;
}

static lit_matcher *build(const strings *pats, size_t n, counting_alloc *ca,
                          measure *ms) {
  mem m = {count_alloc, ca};
  double t0 = now_sec();
  lit_builder *b = lit_builder_new(&m);
  if (!b) return NULL;
  for (size_t i = 0; i < n; i++)
    if (lit_builder_add(b, pats->v[i], strlen(pats->v[i])) < 0) {
      lit_builder_free(b);
      return NULL;
    }
  ms->distinct = lit_builder_count(b);
  lit_matcher *mt = lit_matcher_build(b);
  lit_builder_free(b);
  ms->build_ms = (now_sec() - t0) * 1e3;
  ms->build_peak = ca->peak;
  ms->matcher_bytes = mt ? lit_matcher_memory(mt) : 0;
  return mt;
}

/* Best of `runs` scans over the whole text. */
static double time_scan(const lit_matcher *mt, const char *text, size_t len,
                        int runs, size_t *hits) {
  double best = 1e30;
  for (int r = 0; r < runs; r++) {
    *hits = 0;
    double t0 = now_sec();
    lit_scan(mt, text, len, count_hit, hits);
    double t = now_sec() - t0;
    if (t < best) best = t;
  }
  return best;
}

/* Best of `runs` scans of each line (one JSONL record, ~6 KB) on its own,
   as the engine scans documents. */
static double time_scan_lines(const lit_matcher *mt, const char *text,
                              size_t len, int runs) {
  double best = 1e30;
  for (int r = 0; r < runs; r++) {
    size_t hits = 0;
    double t0 = now_sec();
    for (size_t i = 0; i < len;) {
      const char *nl = memchr(text + i, '\n', len - i);
      size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
      lit_scan(mt, text + i, n, count_hit, &hits);
      i += n + 1;
    }
    double t = now_sec() - t0;
    if (t < best) best = t;
  }
  return best;
}

static int measure_set(const strings *pats, size_t n, const char *text,
                       size_t len, int runs, measure *ms) {
  counting_alloc ca = {0, 0};
  memset(ms, 0, sizeof *ms);
  ms->patterns = n;
  lit_matcher *mt = build(pats, n, &ca, ms);
  if (!mt) return -1;
  ms->scan_sec = time_scan(mt, text, len, runs, &ms->hits);
  ms->doc_sec = time_scan_lines(mt, text, len, runs);
  lit_matcher_free(mt);
  return 0;
}

static void print_row(const measure *ms, size_t len) {
  printf("%8zu %8zu %10.1f %11.2f %10.2f %9.0f %9.0f %10zu\n", ms->patterns,
         ms->distinct, ms->build_ms, (double)ms->build_peak / 1048576.0,
         (double)ms->matcher_bytes / 1048576.0,
         (double)len / 1e6 / ms->scan_sec, (double)len / 1e6 / ms->doc_sec,
         ms->hits);
}

/* ------------------------------------------------------------------------
** ripgrep
** --------------------------------------------------------------------- */
static int write_literals(const strings *a, size_t n, const strings *b) {
  FILE *f = fopen(LITERALS_FILE, "w");
  if (!f) return -1;
  for (size_t i = 0; i < n; i++) fprintf(f, "%s\n", a->v[i]);
  for (size_t i = 0; i < b->n; i++) fprintf(f, "%s\n", b->v[i]);
  return fclose(f);
}

static double time_rg(const char *corpus, int runs) {
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "rg -j1 -c -F -f %s '%s' >/dev/null",
           LITERALS_FILE, corpus);
  double best = 1e30;
  for (int r = 0; r < runs; r++) {
    double t0 = now_sec();
    int rc = system(cmd);
    double t = now_sec() - t0;
    if (rc != 0) return -1; /* rg missing, or no match at all */
    if (t < best) best = t;
  }
  return best;
}

static void compare_with_rg(const options *o, const strings *dict,
                            size_t n_dict, const strings *terms,
                            const char *text, size_t len) {
  strings all = {0};
  for (size_t i = 0; i < n_dict; i++)
    strings_push(&all, dict->v[i], strlen(dict->v[i]));
  for (size_t i = 0; i < terms->n; i++)
    strings_push(&all, terms->v[i], strlen(terms->v[i]));
  measure ms;
  if (write_literals(dict, n_dict, terms) != 0 ||
      measure_set(&all, all.n, text, len, o->runs, &ms) != 0) {
    printf("rg comparison: could not prepare %s\n", LITERALS_FILE);
    strings_free(&all);
    return;
  }
  double rg = time_rg(o->corpus, o->runs);
  printf("\nrg comparison, %zu literals (%s), %.1f MB:\n", all.n,
         LITERALS_FILE, (double)len / 1e6);
  printf("  lit_scan      %7.3f s  %7.0f MB/s  (%zu hits)\n", ms.scan_sec,
         (double)len / 1e6 / ms.scan_sec, ms.hits);
  printf("  lit_scan/line %7.3f s  %7.0f MB/s  (each JSONL record alone)\n",
         ms.doc_sec, (double)len / 1e6 / ms.doc_sec);
  if (rg < 0) {
    printf("  rg            not available\n");
  } else {
    printf("  rg -j1 -c -F  %7.3f s  %7.0f MB/s\n", rg,
           (double)len / 1e6 / rg);
    printf("  lit_scan / rg = %.2f (per line: %.2f)\n", ms.scan_sec / rg,
           ms.doc_sec / rg);
  }
  strings_free(&all);
}

/* ------------------------------------------------------------------------
** Main
** --------------------------------------------------------------------- */
static int parse_options(int argc, char **argv, options *o) {
  *o = (options){"../shared", DEFAULT_CORPUS_DIR "/articles.jsonl", 3, 1};
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--shared") && i + 1 < argc) o->shared = argv[++i];
    else if (!strcmp(argv[i], "--corpus") && i + 1 < argc) o->corpus = argv[++i];
    else if (!strcmp(argv[i], "--runs") && i + 1 < argc) o->runs = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-rg")) o->rg = 0;
    else {
      fprintf(stderr, "usage: %s [--shared DIR] [--corpus FILE] [--runs N] "
                      "[--no-rg]\n", argv[0]);
      return -1;
    }
  }
  if (o->runs < 1) o->runs = 1;
  return 0;
}

int main(int argc, char **argv) {
  options o;
  if (parse_options(argc, argv, &o) != 0) return 2;
  char probe[1024];
  snprintf(probe, sizeof probe, "%s/bench/make_companies.py", o.shared);
  if (access(probe, R_OK) != 0) {
    printf("lit_scale: %s not found; skipping\n", probe);
    return 0;
  }
  strings dict = {0}, terms = {0};
  size_t len = 0;
  char *text = NULL;
  snprintf(probe, sizeof probe, "%s/bench/terms.tsv", o.shared);
  FILE *tf = fopen(probe, "r");
  if (tf) {
    read_column(tf, 1, &terms);
    fclose(tf);
  }
  if (read_dictionary(o.shared, 20000, &dict) != 0 || ensure_corpus(&o) != 0 ||
      !(text = read_file(o.corpus, &len))) {
    printf("lit_scale: could not make the dictionary or read %s; skipping\n",
           o.corpus);
    strings_free(&dict);
    strings_free(&terms);
    return 0;
  }
  /* The first 2,000 companies of the 20,000 are those of companies.tsv. */
  size_t n_2000 = 0;
  strings d2 = {0};
  if (read_dictionary(o.shared, 2000, &d2) == 0) n_2000 = d2.n;
  strings_free(&d2);

  printf("corpus %s: %.1f MB; dictionary: %zu aliases of 20,000 companies\n",
         o.corpus, (double)len / 1e6, dict.n);
  printf("%8s %8s %10s %11s %10s %9s %9s %10s\n", "patterns", "distinct",
         "build_ms", "build_MiB", "mem_MiB", "scan_MB/s", "docs_MB/s",
         "hits");
  size_t sizes[] = {100, 1000, n_2000, 10000, dict.n};
  double scan_2000 = 0, scan_all = 0;
  for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
    measure ms;
    size_t n = sizes[k] < dict.n ? sizes[k] : dict.n;
    if (n == 0 || measure_set(&dict, n, text, len, o.runs, &ms) != 0) continue;
    print_row(&ms, len);
    if (n == n_2000) scan_2000 = ms.scan_sec;
    if (n == dict.n) scan_all = ms.scan_sec;
  }
  if (scan_2000 > 0 && scan_all > 0)
    printf("scan time, 20,000 / 2,000 companies: %.2f\n", scan_all / scan_2000);
  if (o.rg && n_2000) compare_with_rg(&o, &dict, n_2000, &terms, text, len);
  free(text);
  strings_free(&dict);
  strings_free(&terms);
  return 0;
}
