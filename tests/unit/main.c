/*
** The unit test runner: runs every registered TEST (or those whose name
** contains argv[1]) and ends with "unit: N passed, N failed".
*/
#include <stdio.h>
#include <stdlib.h>

#include "unit.h"

typedef struct unit_test {
  const char *name, *file;
  unit_fn fn;
} unit_test;

/* Registration happens in constructors before main; a fixed table keeps it
   free of allocation. */
#define MAX_TESTS 2048
static unit_test tests[MAX_TESTS];
static size_t n_tests;
static const char *current;
static int current_failed;

void unit_register(const char *name, const char *file, unit_fn fn) {
  if (n_tests < MAX_TESTS) tests[n_tests++] = (unit_test){name, file, fn};
}

int unit_check(int ok, const char *file, int line, const char *expr,
               const char *detail) {
  if (!ok) {
    current_failed = 1;
    printf("FAIL %s: %s:%d: %s%s%s\n", current, file, line, expr,
           detail ? " — " : "", detail ? detail : "");
  }
  return ok;
}

int unit_check_str(const char *got, const char *want, const char *file,
                   int line, const char *expr) {
  char detail[512];
  int ok = (got == NULL && want == NULL) ||
           (got != NULL && want != NULL && strcmp(got, want) == 0);
  snprintf(detail, sizeof detail, "got \"%.200s\", want \"%.200s\"",
           got ? got : "(null)", want ? want : "(null)");
  return unit_check(ok, file, line, expr, detail);
}

int unit_check_int(long long got, long long want, const char *file, int line,
                   const char *expr) {
  char detail[128];
  snprintf(detail, sizeof detail, "got %lld, want %lld", got, want);
  return unit_check(got == want, file, line, expr, detail);
}

char *unit_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n - 1, f);
    if (n < cap - 1) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) { free(buf); buf = NULL; break; }
    buf = nb;
    cap *= 2;
  }
  fclose(f);
  if (buf) { buf[n] = 0; if (len) *len = n; }
  return buf;
}

int main(int argc, char **argv) {
  const char *filter = argc > 1 ? argv[1] : NULL;
  int passed = 0, failed = 0;
  for (size_t i = 0; i < n_tests; i++) {
    if (filter && !strstr(tests[i].name, filter)) continue;
    current = tests[i].name;
    current_failed = 0;
    tests[i].fn();
    if (current_failed) failed++; else passed++;
  }
  printf("unit: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
