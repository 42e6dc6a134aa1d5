/*
** output.c — the records `bunryu classify` writes, one line per document:
**
**   jsonl  DESIGN.md "Output" (bunryu_result_json), plus "meta" for JSONL
**          inputs and "line" on their error records;
**   tsv    id, label, score, entities (type:name;…), error — with a header;
**          tabs, newlines and backslashes in fields are escaped as \t \n \\;
**   table  fixed columns for a person; wide (Hangul) characters count two.
**
** Records are rendered by the workers into the ring slot of their document,
** so the writer only copies bytes; hence everything here appends to an
** sbuf instead of writing to a FILE.
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"

/* ======================================================================
** Byte buffers
** =================================================================== */

int sbuf_reserve(sbuf *b, size_t extra) {
  if (extra > (size_t)-1 - b->n - 1) return -1;
  size_t need = b->n + extra + 1;
  if (need <= b->cap) return 0;
  /* double, or jump straight to the need: a buffer for a known size (a
     file after stat) is then not rounded up to twice that size */
  size_t cap = b->cap == 0 ? 64 : b->cap > (size_t)-1 / 2 ? need : b->cap * 2;
  if (cap < need) cap = need;
  char *s = realloc(b->s, cap);
  if (!s) return -1;
  if (!b->s) s[0] = '\0';
  b->s = s;
  b->cap = cap;
  return 0;
}

int sbuf_put(sbuf *b, const void *p, size_t n) {
  if (sbuf_reserve(b, n)) return -1;
  if (n) memcpy(b->s + b->n, p, n);
  b->n += n;
  b->s[b->n] = '\0';
  return 0;
}

int sbuf_puts(sbuf *b, const char *s) { return sbuf_put(b, s, strlen(s)); }

int sbuf_putc(sbuf *b, char c) { return sbuf_put(b, &c, 1); }

int sbuf_printf(sbuf *b, const char *fmt, ...) {
  va_list ap;
  char small[256];
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return -1;
  if ((size_t)n < sizeof small) return sbuf_put(b, small, (size_t)n);
  if (sbuf_reserve(b, (size_t)n)) return -1;
  va_start(ap, fmt);
  vsnprintf(b->s + b->n, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->n += (size_t)n;
  return 0;
}

void sbuf_clear(sbuf *b) {
  b->n = 0;
  if (b->s) b->s[0] = '\0';
}

void sbuf_trim(sbuf *b, size_t keep) {
  if (b->cap > keep) sbuf_free(b);
  else sbuf_clear(b);
}

void sbuf_free(sbuf *b) {
  free(b->s);
  b->s = NULL;
  b->n = b->cap = 0;
}

/* ======================================================================
** UTF-8 for output
** =================================================================== */

/* The length of the valid UTF-8 sequence at p (at most n bytes), or 0;
   *cp gets the code point. */
static size_t utf8_next(const unsigned char *p, size_t n, unsigned long *cp) {
  unsigned c = p[0];
  size_t len;
  unsigned long v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  if (c >= 0xC2 && c <= 0xDF) len = 2, v = c & 0x1F, min = 0x80;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, v = c & 0x0F, min = 0x800;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, v = c & 0x07, min = 0x10000;
  else return 0;
  if (n < len) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

int json_put_string(sbuf *b, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  if (sbuf_putc(b, '"')) return -1;
  size_t i = 0;
  while (i < n) {
    unsigned long cp;
    size_t k = utf8_next(p + i, n - i, &cp);
    char esc[8];
    const char *e = NULL;
    if (k == 0) {
      e = "\\ufffd";
      k = 1;
    } else if (cp == '"') e = "\\\"";
    else if (cp == '\\') e = "\\\\";
    else if (cp == '\n') e = "\\n";
    else if (cp == '\r') e = "\\r";
    else if (cp == '\t') e = "\\t";
    else if (cp < 0x20 || cp == 0x7f || cp == 0x2028 || cp == 0x2029) {
      snprintf(esc, sizeof esc, "\\u%04lx", cp);
      e = esc;
    }
    if (e ? sbuf_puts(b, e) : sbuf_put(b, p + i, k)) return -1;
    i += k;
  }
  return sbuf_putc(b, '"');
}

static int json_put_cstring(sbuf *b, const char *s) {
  return json_put_string(b, s, strlen(s));
}

/* Columns a code point takes on a terminal: 2 for East Asian wide ones
   (Hangul, CJK, full-width forms), else 1. */
static int display_width(unsigned long cp) {
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
      (cp >= 0x20000 && cp <= 0x3FFFD))
    return 2;
  return 1;
}

/*
** Appends s as a table cell of exactly width columns: control characters
** become spaces, invalid bytes U+FFFD, and text that does not fit is cut
** with "…". The last column passes width 0: no padding, no cut.
*/
static int put_cell(sbuf *b, const char *s, int width) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s), i = 0;
  int used = 0;
  while (i < n) {
    unsigned long cp;
    size_t k = utf8_next(p + i, n - i, &cp);
    const char *repl = NULL;
    if (k == 0) {
      k = 1;
      cp = 0xFFFD;
      repl = "\xEF\xBF\xBD";
    } else if (cp < 0x20 || cp == 0x7f) {
      cp = ' ';
      repl = " ";
    }
    int w = display_width(cp);
    if (width > 0 && used + w > width - 1 && i + k < n) {
      if (sbuf_puts(b, "\xE2\x80\xA6")) return -1; /* … */
      used++;
      break;
    }
    if (width > 0 && used + w > width) break;
    if (repl ? sbuf_puts(b, repl) : sbuf_put(b, p + i, k)) return -1;
    used += w;
    i += k;
  }
  while (width > 0 && used < width) {
    if (sbuf_putc(b, ' ')) return -1;
    used++;
  }
  return 0;
}

/* Appends s as a TSV field: \t, \n, \r and \\ escaped. */
static int put_tsv_field(sbuf *b, const char *s) {
  for (; *s; s++) {
    const char *e = *s == '\t'   ? "\\t"
                    : *s == '\n' ? "\\n"
                    : *s == '\r' ? "\\r"
                    : *s == '\\' ? "\\\\"
                                 : NULL;
    if (e ? sbuf_puts(b, e) : sbuf_putc(b, *s)) return -1;
  }
  return 0;
}

/* ======================================================================
** Records
** =================================================================== */

#define TABLE_ID 28
#define TABLE_LABEL 20
#define TABLE_SCORE 8

void output_header(const batch_opts *o, FILE *f) {
  if (o->format == FORMAT_TSV) {
    fputs(o->explain ? "id\tlabel\tscore\tentities\terror\tevidence\n"
                     : "id\tlabel\tscore\tentities\terror\n",
          f);
  } else if (o->format == FORMAT_TABLE) {
    sbuf b = {0};
    if (!put_cell(&b, "ID", TABLE_ID) && !sbuf_putc(&b, ' ') &&
        !put_cell(&b, "LABEL", TABLE_LABEL) && !sbuf_putc(&b, ' ') &&
        !put_cell(&b, "SCORE", TABLE_SCORE) && !sbuf_puts(&b, " ENTITIES\n"))
      fputs(b.s, f);
    sbuf_free(&b);
  }
}

/* Scores as the JSON output writes them: up to 4 decimals, at least one. */
static void format_score(char *out, size_t n, double v) {
  snprintf(out, n, "%.4f", v);
  size_t len = strlen(out);
  while (len > 2 && out[len - 1] == '0' && out[len - 2] != '.') out[--len] = '\0';
}

/* "type:name;type:name" of a result's entities. */
static int put_entities(sbuf *b, const bunryu_result *r) {
  size_t n = bunryu_result_entity_count(r);
  for (size_t i = 0; i < n; i++) {
    const char *type, *name;
    if (bunryu_result_entity(r, i, &type, &name, NULL, NULL, NULL, NULL, NULL,
                             NULL))
      continue;
    if ((i && sbuf_putc(b, ';')) || sbuf_puts(b, type) || sbuf_putc(b, ':') ||
        sbuf_puts(b, name))
      return -1;
  }
  return 0;
}

/* "category:term:+weight;…" of a result's evidence, for tsv and table. */
static int put_evidence_list(sbuf *b, const bunryu_result *r, const char *sep) {
  size_t n = bunryu_result_hit_count(r);
  for (size_t i = 0; i < n; i++) {
    const char *cat, *term;
    unsigned zone;
    size_t start, end, line;
    double weight;
    char w[48];
    if (bunryu_result_hit(r, i, &cat, &term, &zone, &start, &end, &line,
                          &weight))
      continue;
    format_score(w, sizeof w, weight);
    if ((i && sbuf_puts(b, sep)) ||
        sbuf_printf(b, "%s:%s:%s%s", cat ? cat : "entity", term,
                    weight >= 0 ? "+" : "", w))
      return -1;
  }
  return 0;
}

/* Inserts ", "line": N, "meta": {…}" before the closing brace of the JSON
   object that ends b (from start). */
static int add_jsonl_fields(sbuf *b, size_t start, const doc_ident *d,
                            bool is_error) {
  bool line = is_error && d->line > 0;
  bool meta = d->meta && d->meta[0];
  if (!line && !meta) return 0;
  if (b->n <= start || b->s[b->n - 1] != '}') return 0;
  b->s[--b->n] = '\0';
  if (line && sbuf_printf(b, ", \"line\": %llu", (unsigned long long)d->line))
    return -1;
  if (meta && (sbuf_puts(b, ", \"meta\": ") || sbuf_puts(b, d->meta)))
    return -1;
  return sbuf_putc(b, '}');
}

static int result_jsonl(sbuf *b, const batch_opts *o, const doc_ident *d,
                        const bunryu_result *r) {
  size_t len, start = b->n;
  const char *json = bunryu_result_json(r, d->id, d->path, o->json_flags, &len);
  if (!json || sbuf_put(b, json, len)) return -1;
  if (add_jsonl_fields(b, start, d, bunryu_result_error(r) != BUNRYU_OK))
    return -1;
  return sbuf_putc(b, '\n');
}

static int result_tsv(sbuf *b, const batch_opts *o, const doc_ident *d,
                      const bunryu_result *r) {
  sbuf tmp = {0};
  int rc = -1;
  bool failed = bunryu_result_error(r) != BUNRYU_OK;
  const char *label = failed ? NULL : bunryu_result_label(r);
  char score[48] = "";
  if (!failed)
    format_score(score, sizeof score,
                 bunryu_result_category_count(r)
                     ? bunryu_result_category_score(r, 0)
                     : 0.0);
  if (put_tsv_field(b, d->id) || sbuf_putc(b, '\t') ||
      put_tsv_field(b, label ? label : "") || sbuf_putc(b, '\t') ||
      sbuf_puts(b, score) || sbuf_putc(b, '\t'))
    goto done;
  if (!failed && (put_entities(&tmp, r) || (tmp.s && put_tsv_field(b, tmp.s))))
    goto done;
  if (sbuf_putc(b, '\t') ||
      put_tsv_field(b, failed ? bunryu_result_error_message(r) : ""))
    goto done;
  if (o->explain) {
    sbuf_clear(&tmp);
    if (sbuf_putc(b, '\t') ||
        (!failed && (put_evidence_list(&tmp, r, ";") ||
                     (tmp.s && put_tsv_field(b, tmp.s)))))
      goto done;
  }
  rc = sbuf_putc(b, '\n');
done:
  sbuf_free(&tmp);
  return rc;
}

static int table_row(sbuf *b, const char *id, const char *label,
                     const char *score, const char *last) {
  if (put_cell(b, id, TABLE_ID) || sbuf_putc(b, ' ') ||
      put_cell(b, label, TABLE_LABEL) || sbuf_putc(b, ' ') ||
      put_cell(b, score, TABLE_SCORE) || sbuf_putc(b, ' ') ||
      put_cell(b, last, 0) || sbuf_putc(b, '\n'))
    return -1;
  return 0;
}

static int result_table(sbuf *b, const batch_opts *o, const doc_ident *d,
                        const bunryu_result *r) {
  if (bunryu_result_error(r) != BUNRYU_OK)
    return output_error(b, o, d, bunryu_result_error_message(r));
  sbuf ents = {0};
  char score[48] = "-";
  const char *label = bunryu_result_label(r);
  if (bunryu_result_category_count(r))
    format_score(score, sizeof score, bunryu_result_category_score(r, 0));
  int rc = put_entities(&ents, r);
  if (!rc) rc = table_row(b, d->id, label ? label : "-", score,
                          ents.s ? ents.s : "");
  if (!rc && o->explain) {
    sbuf_clear(&ents);
    rc = put_evidence_list(&ents, r, "\n    ");
    if (!rc && ents.n)
      rc = sbuf_puts(b, "    ") || sbuf_puts(b, ents.s) || sbuf_putc(b, '\n');
  }
  sbuf_free(&ents);
  return rc;
}

int output_result(sbuf *b, const batch_opts *o, const doc_ident *d,
                  const bunryu_result *r) {
  switch (o->format) {
    case FORMAT_TSV: return result_tsv(b, o, d, r);
    case FORMAT_TABLE: return result_table(b, o, d, r);
    default: return result_jsonl(b, o, d, r);
  }
}

int output_error(sbuf *b, const batch_opts *o, const doc_ident *d,
                 const char *message) {
  if (o->format == FORMAT_TSV) {
    if (put_tsv_field(b, d->id) || sbuf_puts(b, "\t\t\t\t") ||
        put_tsv_field(b, message) || sbuf_puts(b, o->explain ? "\t\n" : "\n"))
      return -1;
    return 0;
  }
  if (o->format == FORMAT_TABLE) {
    sbuf msg = {0};
    int rc = sbuf_puts(&msg, "error: ") || sbuf_puts(&msg, message) ||
             table_row(b, d->id, "-", "-", msg.s);
    sbuf_free(&msg);
    return rc ? -1 : 0;
  }
  size_t start = b->n;
  if (sbuf_puts(b, "{\"id\": ") || json_put_cstring(b, d->id)) return -1;
  if (d->path && (sbuf_puts(b, ", \"path\": ") || json_put_cstring(b, d->path)))
    return -1;
  if (sbuf_puts(b, ", \"error\": ") || json_put_cstring(b, message) ||
      sbuf_putc(b, '}'))
    return -1;
  if (add_jsonl_fields(b, start, d, true)) return -1;
  return sbuf_putc(b, '\n');
}
