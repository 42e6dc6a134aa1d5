/*
** unit.h — a small test harness. A test is a function declared with TEST();
** it registers itself, so a new test file needs no list to edit.
**
**   TEST(nfd_hangul_maps_back) {
**     CHECK_EQ_SIZE(norm_map_start(&t, 0), 0);
**   }
**
** A failing check prints "FAIL test: file:line: expression (details)" and
** the test goes on; `unit_tests [SUBSTRING]` runs the tests whose name
** contains SUBSTRING. The last line is "unit: N passed, N failed".
*/
#ifndef BUNRYU_UNIT_H
#define BUNRYU_UNIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*unit_fn)(void);
void unit_register(const char *name, const char *file, unit_fn fn);
/* Returns ok, printing a failure line when !ok. */
int unit_check(int ok, const char *file, int line, const char *expr,
               const char *detail);
int unit_check_str(const char *got, const char *want, const char *file,
                   int line, const char *expr);
int unit_check_int(long long got, long long want, const char *file, int line,
                   const char *expr);
/* Reads a whole file into a malloc'd buffer (NUL-terminated), or NULL. */
char *unit_read_file(const char *path, size_t *len);

#define TEST(name)                                                          \
  static void test_##name(void);                                            \
  __attribute__((constructor)) static void register_##name(void) {          \
    unit_register(#name, __FILE__, test_##name);                            \
  }                                                                         \
  static void test_##name(void)

#define CHECK(cond) unit_check(!!(cond), __FILE__, __LINE__, #cond, NULL)
#define CHECK_STR(got, want)                                                \
  unit_check_str((got), (want), __FILE__, __LINE__, #got " == " #want)
#define CHECK_INT(got, want)                                                \
  unit_check_int((long long)(got), (long long)(want), __FILE__, __LINE__,   \
                 #got " == " #want)
#define CHECK_SIZE CHECK_INT

#endif
