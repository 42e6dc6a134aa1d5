/*
** test_json.c — escaping bytes for a JSON string (core/json.h): the scalar
** path against the spec, and json_escape (SSE2 where the build has it)
** against the scalar path, with every special character at every position
** of a 16-byte block and across block and string ends.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "unit.h"

/* ======================================================================
** Helpers
** ==================================================================== */

/* A byte past the 6 * n bytes of room that the escaper may use. */
#define GUARD 0xA5

/*
** Escapes s[0..n) with fn into exactly its room plus 16 guard bytes (the
** input too sits in a buffer of exactly n bytes, so that AddressSanitizer
** sees any read past it), checks the guard, and returns the output as a
** malloc'd NUL-terminated string with its length in *len.
*/
static char *escaped(size_t (*fn)(char *, const char *, size_t), const char *s,
                     size_t n, size_t *len) {
  char *in = malloc(n ? n : 1), *out = malloc(6 * n + 17);
  if (!in || !out) {
    free(in);
    free(out);
    CHECK(!"out of memory");
    return NULL;
  }
  memcpy(in, s, n);
  memset(out, GUARD, 6 * n + 17);
  *len = fn(out, in, n);
  CHECK(*len <= 6 * n);
  for (size_t i = 6 * n; i < 6 * n + 16; i++)
    if (!CHECK((unsigned char)out[i] == GUARD)) break;
  out[*len < 6 * n ? *len : 6 * n] = '\0';
  free(in);
  return out;
}

/* Checks that both paths give want for s[0..n). */
static void check_escape(const char *s, size_t n, const char *want) {
  size_t len;
  char *got = escaped(json_escape_scalar, s, n, &len);
  if (got) CHECK_STR(got, want);
  free(got);
  got = escaped(json_escape, s, n, &len);
  if (got) CHECK_STR(got, want);
  free(got);
}

/* Checks that json_escape and json_escape_scalar agree on s[0..n); returns
   whether they did, so that a caller in a loop can stop at the first. */
static bool same_as_scalar(const char *s, size_t n) {
  size_t len_fast, len_ref;
  char *fast = escaped(json_escape, s, n, &len_fast);
  char *ref = escaped(json_escape_scalar, s, n, &len_ref);
  bool ok = fast && ref && len_fast == len_ref &&
            memcmp(fast, ref, len_ref) == 0;
  if (!ok && fast && ref) {
    char detail[64];
    snprintf(detail, sizeof detail, "n = %zu", n);
    unit_check(0, __FILE__, __LINE__, "json_escape == json_escape_scalar",
               detail);
    CHECK_STR(fast, ref);
  }
  free(fast);
  free(ref);
  return ok;
}

/* Characters that are not plain bytes, and sequences that look like them. */
static const struct {
  const char *s;
  size_t n;
} specials[] = {
    {"\"", 1},           {"\\", 1},           {"\n", 1},
    {"\r", 1},           {"\t", 1},           {"\x01", 1},
    {"\x1f", 1},         {"\x7f", 1},         {"\0", 1},
    {"\xc3\xa9", 2},     {"\xea\xb0\x80", 3}, {"\xed\x9f\xbf", 3},
    {"\xf0\x9f\x98\x80", 4},                  /* valid, 2 to 4 bytes */
    {"\xe2\x80\xa8", 3}, {"\xe2\x80\xa9", 3}, /* U+2028, U+2029 */
    {"\xe2\x80\xaa", 3},                      /* U+202A: as it is */
    {"\x80", 1},         {"\xff", 1},         {"\xc0\x80", 2},
    {"\xe0\x80\x80", 3}, {"\xed\xa0\x80", 3}, {"\xf4\x90\x80\x80", 4},
    {"\xea\xb0", 2},     {"\xf0\x9f\x98", 3}, {"\xe2\x80", 2}, /* cut */
};
#define N_SPECIALS (sizeof specials / sizeof *specials)

/* ======================================================================
** The spec
** ==================================================================== */

TEST(json_escape_leaves_plain_text_and_utf8_alone) {
  check_escape("", 0, "");
  check_escape("abc", 3, "abc");
  check_escape("오픈AI 법안", 15, "오픈AI 법안");
  check_escape("/tmp/f2000/a0000000.txt", 23, "/tmp/f2000/a0000000.txt");
  check_escape("\xf0\x9f\x98\x80 \xc3\xa9", 7, "\xf0\x9f\x98\x80 \xc3\xa9");
}

TEST(json_escape_escapes_quotes_backslashes_and_controls) {
  check_escape("a\"b\\c", 5, "a\\\"b\\\\c");
  check_escape("\n\r\t", 3, "\\n\\r\\t");
  check_escape("\x01\x08\x0c\x1f\x7f", 5, "\\u0001\\u0008\\u000c\\u001f\\u007f");
  check_escape("a\0b", 3, "a\\u0000b");
}

TEST(json_escape_escapes_js_line_separators) {
  check_escape("x\xe2\x80\xa8y\xe2\x80\xa9", 8, "x\\u2028y\\u2029");
}

TEST(json_escape_replaces_each_invalid_byte) {
  check_escape("\xff", 1, "\\ufffd");
  check_escape("a\x80\x80z", 4, "a\\ufffd\\ufffdz");
  check_escape("\xed\xa0\x80", 3, "\\ufffd\\ufffd\\ufffd"); /* surrogate */
  check_escape("\xc0\xaf", 2, "\\ufffd\\ufffd");             /* overlong */
  check_escape("\xea\xb0", 2, "\\ufffd\\ufffd");             /* cut short */
  check_escape("\xf4\x90\x80\x80", 4, "\\ufffd\\ufffd\\ufffd\\ufffd");
}

/* ======================================================================
** json_escape against json_escape_scalar
** ==================================================================== */

/* Each special at each position of strings of 0 to 40 bytes, in plain
   ASCII and in Hangul, so that it falls at every place of a block, in the
   short halves and across the end. */
TEST(json_escape_matches_scalar_at_every_position) {
  char buf[64];
  const char *fills[] = {"abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN",
                         "가나다라마바사아자차카타파하가나다라마바사아자차카"};
  for (size_t f = 0; f < 2; f++) {
    for (size_t n = 0; n <= 40; n++) {
      for (size_t pos = 0; pos <= n; pos++) {
        for (size_t k = 0; k < N_SPECIALS; k++) {
          /* The fill's first n bytes (Hangul cut anywhere, which is a test
             too), the special over them from pos, cut at n. */
          memcpy(buf, fills[f], n);
          size_t m = specials[k].n < n - pos ? specials[k].n : n - pos;
          memcpy(buf + pos, specials[k].s, m);
          if (!same_as_scalar(buf, n)) return;
        }
      }
    }
  }
}

/* Two specials in one block, the second at every distance after the
   first: the block path must go on correctly after an escape. */
TEST(json_escape_matches_scalar_after_an_escape_in_a_block) {
  char buf[40];
  for (size_t a = 0; a < 20; a++)
    for (size_t b = a + 1; b < 36; b++)
      for (size_t k = 0; k < N_SPECIALS; k += 3) {
        memset(buf, 'x', sizeof buf);
        buf[a] = '"';
        size_t m = specials[k].n < sizeof buf - b ? specials[k].n
                                                  : sizeof buf - b;
        memcpy(buf + b, specials[k].s, m);
        if (!same_as_scalar(buf, sizeof buf)) return;
      }
}

/* Random bytes, biased to the ones that matter, of every length up to 100. */
TEST(json_escape_matches_scalar_on_random_bytes) {
  static const unsigned char pick[] = {'a', 'Z', ' ', '"', '\\', 0x00, 0x1f,
                                       0x7f, 0x80, 0xbf, 0xc2, 0xe2, 0xea,
                                       0xed, 0xf0, 0xf4, 0xff, 0xa8, 0x9f};
  uint32_t x = 12345;
  char buf[100];
  for (int round = 0; round < 2000; round++) {
    size_t n = (size_t)round % (sizeof buf + 1);
    for (size_t i = 0; i < n; i++) {
      x = x * 1103515245u + 12345u;
      unsigned r = x >> 16;
      buf[i] = (char)(r & 1 ? pick[(r >> 1) % sizeof pick] : (r >> 1) & 0xff);
    }
    if (!same_as_scalar(buf, n)) return;
  }
}
