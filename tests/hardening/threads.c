/*
** threads.c — the engine shared by many threads while it is reloaded: each
** worker thread owns a scanner and classifies documents; a reload thread
** builds new engines and swaps them in; a worker that sees a new engine
** makes a scanner on it and frees its old one, so old engines die in any
** thread, whenever their last scanner goes. Every document must classify
** the same whatever engine did it (the rules do not change), and nothing
** may leak or race (run it under -fsanitize=thread or valgrind).
**
**   threads RULES [THREADS [DOCS_PER_THREAD [RELOADS]]]   (4, 20000, 200)
** Prints "threads: N passed, N failed".
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bunryu.h"
#include "harden.h"

static const char *rules;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bunryu_engine *current; /* the host's handle, under lock */
static atomic_ulong generation;
static atomic_int stop_reloading;
static unsigned long docs_per_thread = 20000, reloads = 200;
static atomic_ulong failures, labelled, swaps;

static const char *const docs[] = {
    "국회, 인공지능 법안 심사\n\n국회가 법안을 의결했다. 규제 방법이 논의됐다.",
    "네이버, 새 모델 출시\n\n네이버가 모델을 출시하고 투자를 늘렸다. 매출 3조 원.",
    "오픈AI와 삼성전자 협력\n\n「인공지능 기본법」과 SB 1047 이야기.",
    "#NONE# 라벨 없음\n\n국회 법안 규제",
    "Executive Order on AI\n\nThe EU AI Act and GPU supply; anthropic said so.",
};
#define N_DOCS (sizeof docs / sizeof *docs)
static char *expected[N_DOCS]; /* JSON of each document, first engine */

/* A new scanner on the current engine (taken under the lock, so that the
   handle cannot be freed between reading it and retaining it). */
static bunryu_scanner *scanner_on_current(unsigned long *gen) {
  pthread_mutex_lock(&lock);
  bunryu_scanner *s = bunryu_scanner_new(current, NULL, 0);
  *gen = atomic_load(&generation);
  pthread_mutex_unlock(&lock);
  return s;
}

static void *worker(void *arg) {
  (void)arg;
  unsigned long gen;
  bunryu_scanner *s = scanner_on_current(&gen);
  if (!s) {
    atomic_fetch_add(&failures, 1);
    return NULL;
  }
  for (unsigned long n = 0; n < docs_per_thread; n++) {
    if (atomic_load(&generation) != gen) {
      unsigned long g2;
      bunryu_scanner *next = scanner_on_current(&g2);
      if (next) {
        bunryu_scanner_free(s); /* may free an old engine, in this thread */
        s = next;
        gen = g2;
        atomic_fetch_add(&swaps, 1);
      }
    }
    size_t k = n % N_DOCS;
    const bunryu_result *r;
    if (bunryu_scan(s, docs[k], strlen(docs[k]), 0, &r) != BUNRYU_OK) {
      atomic_fetch_add(&failures, 1);
      continue;
    }
    if (bunryu_result_label(r)) atomic_fetch_add(&labelled, 1);
    const char *json = bunryu_result_json(r, "d", NULL, BUNRYU_JSON_NO_TIMING,
                                          NULL);
    if (!json || strcmp(json, expected[k]) != 0) atomic_fetch_add(&failures, 1);
  }
  bunryu_scanner_free(s);
  return NULL;
}

static void *reloader(void *arg) {
  (void)arg;
  for (unsigned long i = 0; i < reloads && !atomic_load(&stop_reloading); i++) {
    char err[512];
    bunryu_engine *e = NULL;
    if (bunryu_engine_load(rules, &e, err, sizeof err) != BUNRYU_OK) {
      atomic_fetch_add(&failures, 1);
      break;
    }
    pthread_mutex_lock(&lock);
    bunryu_engine *old = current;
    current = e;
    atomic_fetch_add(&generation, 1);
    pthread_mutex_unlock(&lock);
    bunryu_engine_free(old); /* scanners on it keep it alive */
  }
  return NULL;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: threads RULES [THREADS [DOCS [RELOADS]]]\n");
    return 2;
  }
  rules = argv[1];
  int nthreads = argc > 2 ? atoi(argv[2]) : 4;
  if (argc > 3) docs_per_thread = strtoul(argv[3], NULL, 10);
  if (argc > 4) reloads = strtoul(argv[4], NULL, 10);
  if (nthreads < 1 || nthreads > 64) nthreads = 4;
  char err[512];
  if (bunryu_engine_load(rules, &current, err, sizeof err) != BUNRYU_OK) {
    printf("cannot load %s: %s\n", rules, err);
    return hard_summary("threads") | 1;
  }
  bunryu_scanner *s = bunryu_scanner_new(current, NULL, 0);
  CHECK(s != NULL);
  if (!s) return hard_summary("threads") | 1;
  for (size_t k = 0; k < N_DOCS; k++) {
    const bunryu_result *r;
    bunryu_scan(s, docs[k], strlen(docs[k]), 0, &r);
    const char *json = bunryu_result_json(r, "d", NULL, BUNRYU_JSON_NO_TIMING,
                                          NULL);
    expected[k] = strdup(json ? json : "");
  }
  bunryu_scanner_free(s);

  pthread_t w[64], rl;
  for (int i = 0; i < nthreads; i++) pthread_create(&w[i], NULL, worker, NULL);
  pthread_create(&rl, NULL, reloader, NULL);
  for (int i = 0; i < nthreads; i++) pthread_join(w[i], NULL);
  atomic_store(&stop_reloading, 1);
  pthread_join(rl, NULL);
  bunryu_engine_free(current);
  for (size_t k = 0; k < N_DOCS; k++) free(expected[k]);

  unsigned long total = (unsigned long)nthreads * docs_per_thread;
  printf("threads: %d threads x %lu documents, %lu engines swapped in, "
         "%lu scanner swaps, %lu labelled, %lu failures\n",
         nthreads, docs_per_thread, (unsigned long)atomic_load(&generation),
         (unsigned long)atomic_load(&swaps),
         (unsigned long)atomic_load(&labelled),
         (unsigned long)atomic_load(&failures));
  CHECK(atomic_load(&failures) == 0);
  CHECK(atomic_load(&labelled) > total / 2);
  CHECK(atomic_load(&generation) > 0);
  return hard_summary("threads");
}
