/*
** harden.h — the checks of the hardening programs: each CHECK counts one
** pass or prints one failure; hard_summary() prints the suite's last line
** "NAME: N passed, N failed" (what tests/hardening/run.sh adds up).
*/
#ifndef BUNRYU_HARDEN_H
#define BUNRYU_HARDEN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hard_pass, hard_fail;

static inline int hard_check(int ok, const char *file, int line,
                             const char *expr, const char *detail) {
  if (ok) {
    hard_pass++;
  } else {
    hard_fail++;
    printf("FAIL %s:%d: %s%s%s\n", file, line, expr, detail ? " -- " : "",
           detail ? detail : "");
  }
  return ok;
}

#define CHECK(cond) hard_check(!!(cond), __FILE__, __LINE__, #cond, NULL)
#define CHECK_MSG(cond, msg)                                                \
  hard_check(!!(cond), __FILE__, __LINE__, #cond, (msg))
/* A status code and a message that must contain `want`. */
#define CHECK_RC(got, want) CHECK_MSG((got) == (want), bunryu_strerror(got))
#define CHECK_HAS(hay, needle) hard_check_has((hay), (needle), __FILE__, __LINE__)

static inline int hard_check_has(const char *hay, const char *needle,
                                 const char *file, int line) {
  char expr[200];
  snprintf(expr, sizeof expr, "message contains \"%s\"", needle);
  return hard_check(hay && strstr(hay, needle) != NULL, file, line, expr,
                    hay ? hay : "(null)");
}

static inline int hard_summary(const char *name) {
  printf("%s: %d passed, %d failed\n", name, hard_pass, hard_fail);
  return hard_fail ? 1 : 0;
}

#endif
