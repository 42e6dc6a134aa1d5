/*
** longrun.c — the embedder's life: months of documents through one scanner
** while the rules are reloaded again and again. One scanner classifies
** every document; meanwhile the engine is rebuilt from the rule files a few
** thousand times, swapped in (a new scanner on it), and the old engine's
** handle is dropped while a scanner on it still lives (the engine must stay
** usable until that scanner goes). Resident memory, from /proc/self/statm,
** must stay flat after a warm-up.
**
**   longrun RULES [DOCS [RELOADS]]
**
** Defaults: 1,000,000 documents and 3,000 reloads (about 25 s on one
** core of the development machine, with the Lua hook of
** tests/fuzz/all_features.lua on every document). Prints the RSS at start,
** after warm-up (a tenth of the documents) and at the end, and
** "longrun: N passed, N failed".
** BUNRYU_LONGRUN_NO_RSS=1 leaves the RSS bound out (under AddressSanitizer
** the quarantine of freed blocks makes RSS grow by design).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bunryu.h"
#include "harden.h"

/* Resident set size in KiB (0 when /proc is not there). */
static long rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  long size = 0, resident = 0;
  if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = 0;
  fclose(f);
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Pieces of small articles (written for this test); a document is a title
   and a few sentences picked by its number, with the number in it, so that
   no two documents are the same. */
static const char *const titles[] = {
    "국회, 인공지능 법안 심사 착수", "네이버, 새 언어 모델 출시",
    "삼성전자 3조 원 매출 발표", "EU AI Act 시행 앞두고 기업들 분주",
    "오픈AI와 앤트로픽 모델 경쟁", "행정명령 14호 발표",
    "#NONE# 제목만 있는 기사", "Executive Order on AI safety",
};
static const char *const sentences[] = {
    "국회가 법안을 의결했다. ", "규제 방법을 두고 논쟁이 이어졌다. ",
    "카카오는 투자를 늘린다고 밝혔다. ", "「인공지능 기본법」 시행령이 나왔다. ",
    "SB 1047 법안은 거부됐다. ", "메타는 메타버스 사업을 줄였다. ",
    "GPU 공급이 부족하다. ", "연구진은 벤치마크 논문을 냈다. ",
    "샘 올트먼이 방한했다. ", "출처: https://example.org/news ",
    "ＡＩ　Ａｃｔ 대응 모델을 발표했다. ", "구글과 네이버가 협력한다. ",
};

static size_t make_doc(char *buf, size_t cap, unsigned long n) {
  size_t len = (size_t)snprintf(buf, cap, "%s %lu\n\n",
                                titles[n % (sizeof titles / sizeof *titles)],
                                n);
  unsigned long x = n * 2654435761u;
  int k = 2 + (int)(x % 5);
  for (int i = 0; i < k && len < cap; i++) {
    const char *s = sentences[(x >> (3 * i)) % (sizeof sentences /
                                                 sizeof *sentences)];
    len += (size_t)snprintf(buf + len, cap - len, "%s", s);
  }
  return len < cap ? len : cap - 1;
}

static bunryu_engine *load(const char *rules) {
  char err[1024];
  bunryu_engine *e = NULL;
  if (bunryu_engine_load(rules, &e, err, sizeof err) != BUNRYU_OK) {
    printf("cannot load %s: %s\n", rules, err);
    return NULL;
  }
  return e;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: longrun RULES [DOCS [RELOADS]]\n");
    return 2;
  }
  const char *rules = argv[1];
  unsigned long docs = argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000ul;
  unsigned long reloads = argc > 3 ? strtoul(argv[3], NULL, 10) : 3000ul;
  if (docs < 100 || reloads < 1) {
    fprintf(stderr, "longrun: at least 100 documents and 1 reload\n");
    return 2;
  }
  long rss_start = rss_kb();
  double t0 = now();

  /* The long-lived scanner, on the first engine, for every document. */
  bunryu_engine *first = load(rules);
  if (!first) return hard_summary("longrun") | 1;
  char err[512] = "";
  bunryu_scanner *main_s = bunryu_scanner_new(first, err, sizeof err);
  CHECK_MSG(main_s != NULL, err);
  if (!main_s) return hard_summary("longrun") | 1;
  bunryu_engine_free(first); /* main_s keeps it */

  /* The swapped engine and its scanner (the host's "current rules"). */
  bunryu_engine *cur = load(rules);
  bunryu_scanner *cur_s = cur ? bunryu_scanner_new(cur, NULL, 0) : NULL;
  CHECK(cur_s != NULL);
  if (!cur_s) return hard_summary("longrun") | 1;

  char doc[2048];
  unsigned long every = docs / reloads ? docs / reloads : 1;
  unsigned long warm_at = docs / 10, failed = 0, labelled = 0, reloaded = 0;
  unsigned long mismatched = 0;
  long rss_warm = 0, rss_peak = 0;
  for (unsigned long n = 0; n < docs; n++) {
    size_t len = make_doc(doc, sizeof doc, n);
    const bunryu_result *r;
    int rc = bunryu_scan(main_s, doc, len, n & 1 ? BUNRYU_SCAN_EVIDENCE : 0,
                         &r);
    if (rc != BUNRYU_OK) failed++;
    else if (bunryu_result_label(r)) labelled++;
    if (!bunryu_result_json(r, "d", NULL, n & 1 ? BUNRYU_JSON_EVIDENCE : 0,
                            NULL))
      failed++;

    if (n % every == every - 1 && reloaded < reloads) {
      /* Reload: a new engine; its scanner replaces the current one. The
         old engine's handle is dropped first, while its scanner lives and
         still classifies one more document. */
      bunryu_engine *next = load(rules);
      bunryu_scanner *next_s = next ? bunryu_scanner_new(next, NULL, 0) : NULL;
      if (!next_s) {
        CHECK_MSG(0, "reload failed");
        bunryu_engine_free(next);
        break;
      }
      bunryu_engine_free(cur);
      const bunryu_result *r_old, *r_new;
      bunryu_scan(cur_s, doc, len, 0, &r_old);
      const char *a = bunryu_result_json(r_old, "d", NULL,
                                         BUNRYU_JSON_NO_TIMING, NULL);
      char *old_json = a ? strdup(a) : NULL;
      bunryu_scan(next_s, doc, len, 0, &r_new);
      const char *b = bunryu_result_json(r_new, "d", NULL,
                                         BUNRYU_JSON_NO_TIMING, NULL);
      if (!old_json || !b || strcmp(old_json, b) != 0) mismatched++;
      free(old_json);
      bunryu_scanner_free(cur_s); /* the old engine goes with it */
      cur = next;
      cur_s = next_s;
      reloaded++;
    }
    if (n == warm_at) rss_warm = rss_kb();
    if (n % 10000 == 0) {
      long k = rss_kb();
      if (k > rss_peak) rss_peak = k;
    }
  }
  bunryu_scanner_free(cur_s);
  bunryu_engine_free(cur);
  bunryu_scanner_free(main_s);
  long rss_end = rss_kb();
  double secs = now() - t0;

  printf("longrun: %lu documents, %lu reloads in %.1f s (%.0f docs/s)\n",
         docs, reloaded, secs, (double)docs / secs);
  printf("longrun: %lu labelled, %lu failed, %lu reload mismatches\n",
         labelled, failed, mismatched);
  printf("longrun: RSS start %ld KiB, after warm-up (doc %lu) %ld KiB, "
         "peak %ld KiB, end %ld KiB\n",
         rss_start, warm_at, rss_warm, rss_peak, rss_end);
  CHECK(failed == 0);
  CHECK(labelled > docs / 2);
  CHECK(reloaded == reloads);
  CHECK(mismatched == 0);
  /* Flat: after warm-up, growth under 4 MiB + 5 %. */
  long bound = 4096 + rss_warm / 20;
  if (!getenv("BUNRYU_LONGRUN_NO_RSS")) {
    CHECK_MSG(rss_peak - rss_warm <= bound, "RSS grew after warm-up (peak)");
    CHECK_MSG(rss_end - rss_warm <= bound, "RSS grew after warm-up (end)");
  }
  return hard_summary("longrun");
}
