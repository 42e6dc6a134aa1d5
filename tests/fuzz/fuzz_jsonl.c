/*
** fuzz_jsonl.c — one line of a JSONL stream through the batch's record
** parser (cli/jsonl.c, jsonl_parse). The parser and the output's string
** writer are compiled in from cli/ (they are not part of the library).
**
** Besides "no crash, no leak, no read past the line", a round trip: a line
** that parses is written back as JSON (id, title, text with the output's
** json_put_string, the pass-through members as they were kept) and must
** parse again to the same fields. Title and text compare byte for byte when
** they are valid UTF-8 (the writer turns invalid bytes into \ufffd).
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.c"
#include "output.c"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether s[0..n) is valid UTF-8 (no overlongs, surrogates, > U+10FFFF). */
static bool valid_utf8(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned long cp;
    size_t k = utf8_next(p + i, n - i, &cp); /* output.c's decoder */
    if (k == 0) return false;
    i += k;
  }
  return true;
}

static bool same(const sbuf *a, const sbuf *b) {
  return a->n == b->n && (a->n == 0 || memcmp(a->s, b->s, a->n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static jsonl_doc d, d2; /* reused, as the batch reuses its record */
  char *line = malloc(size ? size : 1);
  if (!line) abort();
  if (size) memcpy(line, data, size);
  int rc = jsonl_parse(line, size, &d);
  FUZZ_REQUIRE(rc == 0 || rc == -1);
  if (rc == -1) {
    FUZZ_REQUIRE(strncmp(d.error, "malformed JSON at column ", 25) == 0);
    free(line);
    return 0;
  }
  FUZZ_REQUIRE(d.error[0] == '\0');
  FUZZ_REQUIRE(d.id.s && d.title.s && d.text.s && d.meta.s);
  FUZZ_REQUIRE(strlen(d.meta.s) == d.meta.n);
  FUZZ_REQUIRE(d.meta.n == 0 || (d.meta.s[0] == '{' && d.meta.s[d.meta.n - 1] == '}'));
  FUZZ_REQUIRE(valid_utf8(d.id.s, d.id.n));
  FUZZ_REQUIRE(valid_utf8(d.meta.s, d.meta.n));

  sbuf out = {0};
  int bad = sbuf_puts(&out, "{\"title\":") ||
            json_put_string(&out, d.title.s, d.title.n) ||
            sbuf_puts(&out, ",\"text\":") ||
            json_put_string(&out, d.text.s, d.text.n);
  if (!bad && d.has_id)
    bad = sbuf_puts(&out, ",\"id\":") || json_put_string(&out, d.id.s, d.id.n);
  if (!bad && d.meta.n > 2)
    bad = sbuf_putc(&out, ',') || sbuf_put(&out, d.meta.s + 1, d.meta.n - 2);
  if (!bad) bad = sbuf_putc(&out, '}');
  FUZZ_REQUIRE(!bad);
  rc = jsonl_parse(out.s, out.n, &d2);
  if (rc != 0) {
    fprintf(stderr, "round trip failed: %s\nline: %.*s\n", d2.error,
            (int)out.n, out.s);
    FUZZ_REQUIRE(!"a record written back must parse");
  }
  FUZZ_REQUIRE(d2.has_id == d.has_id);
  FUZZ_REQUIRE(same(&d.id, &d2.id));
  FUZZ_REQUIRE(same(&d.meta, &d2.meta));
  if (valid_utf8(d.title.s, d.title.n)) FUZZ_REQUIRE(same(&d.title, &d2.title));
  if (valid_utf8(d.text.s, d.text.n)) FUZZ_REQUIRE(same(&d.text, &d2.text));
  sbuf_free(&out);
  free(line);
  return 0;
}
