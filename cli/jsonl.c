/*
** jsonl.c — one JSONL record: a strict parser for one JSON object per line.
**
** The members "id", "title" and "text" are decoded; every other member is
** validated and copied, minified but otherwise unchanged, into a "meta"
** object that the output passes through. Strict means RFC 8259: no
** comments, no trailing commas, no single quotes, no raw control
** characters in strings, nothing after the object.
**
** UTF-8: keys, the id and meta are copied to the output as they are, so
** they must be valid UTF-8. Title and text are handed to the scanner, which
** applies the batch's policy (an error record, or U+FFFD with
** --replace-invalid); a lone surrogate escape (\ud800) in them is decoded to
** the bytes it would have in WTF-8, which are invalid UTF-8, so the same
** policy applies to it.
*/
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "batch.h"

#define JSON_MAX_DEPTH 64

typedef struct jp {
  const unsigned char *p, *start, *end;
  jsonl_doc *d;
  bool oom;
} jp;

/* Records the first error with the column (1-based byte) it was found at;
   always returns -1 so that callers can `return fail(...)`. */
static int fail(jp *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(jp *j, const char *fmt, ...) {
  if (j->d->error[0]) return -1;
  char msg[128];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  snprintf(j->d->error, sizeof j->d->error, "malformed JSON at column %zu: %s",
           (size_t)(j->p - j->start) + 1, msg);
  return -1;
}

static int out_of_memory(jp *j) {
  j->oom = true;
  return -1;
}

static void skip_ws(jp *j) {
  while (j->p < j->end &&
         (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
    j->p++;
}

/* The length of the valid UTF-8 sequence at p (1..4), or 0. Rejects
   overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t n;
  unsigned lo = 0x80, hi = 0xBF;
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) n = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    return 0;
  if ((size_t)(end - p) < n) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; i++)
    if (p[i] < 0x80 || p[i] > 0xBF) return 0;
  return n;
}

/* Appends code point cp (surrogates too, WTF-8 style) as UTF-8. */
static int put_code_point(sbuf *b, unsigned long cp) {
  unsigned char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (unsigned char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (unsigned char)(0xC0 | (cp >> 6));
    u[1] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (unsigned char)(0xE0 | (cp >> 12));
    u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return sbuf_put(b, u, n);
}

static int hex4(jp *j, unsigned long *out) {
  unsigned long v = 0;
  if (j->end - j->p < 4) return fail(j, "truncated \\u escape");
  for (int i = 0; i < 4; i++) {
    int c = *j->p;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
    else return fail(j, "bad hex digit in \\u escape");
    j->p++;
  }
  *out = v;
  return 0;
}

/* After "\u": one escape, or a surrogate pair written as two. */
static unsigned long unicode_escape(jp *j, int *err) {
  unsigned long cp, lo;
  *err = hex4(j, &cp);
  if (*err) return 0;
  if (cp >= 0xD800 && cp <= 0xDBFF && j->end - j->p >= 6 && j->p[0] == '\\' &&
      j->p[1] == 'u') {
    const unsigned char *save = j->p;
    j->p += 2;
    *err = hex4(j, &lo);
    if (*err) return 0;
    if (lo >= 0xDC00 && lo <= 0xDFFF)
      return 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    j->p = save; /* a lone high surrogate; the next escape stands alone */
  }
  return cp;
}

/* Bytes that end a run of plain string bytes: '"', '\\' and control
   characters always (STOP_ANY), bytes >= 0x80 too when UTF-8 is checked
   (STOP_ASCII). A table: this loop sees every byte of every document. */
enum { STOP_ANY = 1, STOP_ASCII = 2 };
static unsigned char string_stop[256];
static pthread_once_t string_stop_once = PTHREAD_ONCE_INIT;

static void init_string_stop(void) {
  for (int c = 0; c < 256; c++) {
    if (c < 0x20 || c == '"' || c == '\\') string_stop[c] = STOP_ANY | STOP_ASCII;
    else if (c >= 0x80) string_stop[c] = STOP_ASCII;
  }
}

/*
** The first byte from p on that ends a run of plain string bytes when
** UTF-8 is not checked ('"', '\\' or a control character), or end. The
** title and text are nearly all of a JSONL stream and go this way: as a
** table loop a byte at a time it was 17% of a -j1 run over the benchmark's
** stream (perf), so 16 bytes are tested at once where SSE2 is there.
*/
static const unsigned char *skip_plain_bytes(const unsigned char *p,
                                             const unsigned char *end) {
#if defined(__SSE2__)
  const __m128i c1f = _mm_set1_epi8(0x1f), quote = _mm_set1_epi8('"'),
                backslash = _mm_set1_epi8('\\');
  for (; end - p >= 16; p += 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v);
    __m128i quoting = _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                   _mm_cmpeq_epi8(v, backslash));
    int mask = _mm_movemask_epi8(_mm_or_si128(control, quoting));
    if (mask) return p + __builtin_ctz((unsigned)mask);
  }
#endif
  while (p < end && !(string_stop[*p] & STOP_ANY)) p++;
  return p;
}

/*
** A string at j->p (on its opening quote). decoded (may be NULL) receives
** its value; raw (may be NULL) its token as written. strict_utf8 rejects
** invalid UTF-8 and lone surrogates: for text that the output copies.
*/
static int parse_string(jp *j, sbuf *decoded, sbuf *raw, bool strict_utf8) {
  const unsigned char *tok = j->p++;
  for (;;) {
    /* the longest run that needs no decoding, copied at once */
    const unsigned char *run = j->p;
    if (!strict_utf8) j->p = skip_plain_bytes(j->p, j->end);
    while (strict_utf8 && j->p < j->end) {
      unsigned char c = *j->p;
      if (!(string_stop[c] & STOP_ASCII)) {
        j->p++;
        continue;
      }
      if (c < 0x80) break;
      size_t n = utf8_seq(j->p, j->end);
      if (n == 0) return fail(j, "invalid UTF-8");
      j->p += n;
    }
    if (decoded && j->p > run && sbuf_put(decoded, run, (size_t)(j->p - run)))
      return out_of_memory(j);
    if (j->p >= j->end) return fail(j, "unterminated string");
    unsigned char c = *j->p;
    if (c == '"') {
      j->p++;
      break;
    }
    if (c < 0x20) return fail(j, "control character in a string");
    /* a backslash */
    if (++j->p >= j->end) return fail(j, "unterminated escape");
    char out = 0;
    switch (*j->p++) {
      case '"': out = '"'; break;
      case '\\': out = '\\'; break;
      case '/': out = '/'; break;
      case 'b': out = '\b'; break;
      case 'f': out = '\f'; break;
      case 'n': out = '\n'; break;
      case 'r': out = '\r'; break;
      case 't': out = '\t'; break;
      case 'u': {
        int err;
        unsigned long cp = unicode_escape(j, &err);
        if (err) return -1;
        if (cp >= 0xD800 && cp <= 0xDFFF && strict_utf8)
          return fail(j, "lone surrogate in \\u escape");
        if (decoded && put_code_point(decoded, cp)) return out_of_memory(j);
        continue;
      }
      default:
        j->p--;
        return fail(j, "bad escape '\\%c'", *j->p);
    }
    if (decoded && sbuf_putc(decoded, out)) return out_of_memory(j);
  }
  if (raw && sbuf_put(raw, tok, (size_t)(j->p - tok))) return out_of_memory(j);
  return 0;
}

static bool is_digit(const unsigned char *p, const unsigned char *end) {
  return p < end && *p >= '0' && *p <= '9';
}

/* A number, by the RFC's grammar; its text goes to raw. */
static int parse_number(jp *j, sbuf *raw) {
  const unsigned char *tok = j->p;
  if (j->p < j->end && *j->p == '-') j->p++;
  if (!is_digit(j->p, j->end)) return fail(j, "bad number");
  if (*j->p == '0') j->p++;
  else
    while (is_digit(j->p, j->end)) j->p++;
  if (j->p < j->end && *j->p == '.') {
    j->p++;
    if (!is_digit(j->p, j->end)) return fail(j, "bad number");
    while (is_digit(j->p, j->end)) j->p++;
  }
  if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
    j->p++;
    if (j->p < j->end && (*j->p == '+' || *j->p == '-')) j->p++;
    if (!is_digit(j->p, j->end)) return fail(j, "bad number");
    while (is_digit(j->p, j->end)) j->p++;
  }
  if (raw && sbuf_put(raw, tok, (size_t)(j->p - tok))) return out_of_memory(j);
  return 0;
}

/* Names the byte at j->p in an error message. */
static int unexpected(jp *j) {
  unsigned c = *j->p;
  if (c > 0x20 && c < 0x7f) return fail(j, "unexpected character '%c'", (int)c);
  return fail(j, "unexpected byte 0x%02x", c);
}

static int parse_word(jp *j, const char *word, sbuf *raw) {
  size_t n = strlen(word);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n) != 0)
    return unexpected(j);
  j->p += n;
  if (raw && sbuf_put(raw, word, n)) return out_of_memory(j);
  return 0;
}

static int parse_value(jp *j, sbuf *raw, int depth);

/* An array or object after its opening bracket, copied minified to raw. */
static int parse_container(jp *j, sbuf *raw, int depth) {
  char close = *j->p == '{' ? '}' : ']';
  if (depth >= JSON_MAX_DEPTH) return fail(j, "nested too deeply");
  if (raw && sbuf_putc(raw, (char)*j->p)) return out_of_memory(j);
  j->p++;
  skip_ws(j);
  if (j->p < j->end && *j->p == close) {
    j->p++;
    return raw && sbuf_putc(raw, close) ? out_of_memory(j) : 0;
  }
  for (;;) {
    skip_ws(j);
    if (close == '}') {
      if (j->p >= j->end || *j->p != '"') return fail(j, "expected a key");
      if (parse_string(j, NULL, raw, true)) return -1;
      skip_ws(j);
      if (j->p >= j->end || *j->p != ':') return fail(j, "expected ':'");
      j->p++;
      if (raw && sbuf_putc(raw, ':')) return out_of_memory(j);
    }
    if (parse_value(j, raw, depth + 1)) return -1;
    skip_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      if (raw && sbuf_putc(raw, ',')) return out_of_memory(j);
      continue;
    }
    if (j->p < j->end && *j->p == close) {
      j->p++;
      return raw && sbuf_putc(raw, close) ? out_of_memory(j) : 0;
    }
    return fail(j, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

/* Any value, validated; its minified text goes to raw (may be NULL). */
static int parse_value(jp *j, sbuf *raw, int depth) {
  skip_ws(j);
  if (j->p >= j->end) return fail(j, "expected a value");
  switch (*j->p) {
    case '"': return parse_string(j, NULL, raw, true);
    case '{':
    case '[': return parse_container(j, raw, depth);
    case 't': return parse_word(j, "true", raw);
    case 'f': return parse_word(j, "false", raw);
    case 'n': return parse_word(j, "null", raw);
    default:
      if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
        return parse_number(j, raw);
      return unexpected(j);
  }
}

/* ======================================================================
** The record
** =================================================================== */

enum { SEEN_ID = 1, SEEN_TITLE = 2, SEEN_TEXT = 4 };

/* "id": a string, or a number kept as written. */
static int parse_id(jp *j) {
  skip_ws(j);
  if (j->p < j->end && *j->p == '"') return parse_string(j, &j->d->id, NULL, true);
  if (j->p < j->end && (*j->p == '-' || (*j->p >= '0' && *j->p <= '9')))
    return parse_number(j, &j->d->id);
  return fail(j, "\"id\" must be a string or a number");
}

/* "title" / "text": a string, or null for none. */
static int parse_zone(jp *j, const char *name, sbuf *out) {
  skip_ws(j);
  if (j->p < j->end && *j->p == '"') return parse_string(j, out, NULL, false);
  if (j->p < j->end && *j->p == 'n') return parse_word(j, "null", NULL);
  return fail(j, "\"%s\" must be a string", name);
}

/* Any other member: "key":value appended to meta. */
static int parse_meta_member(jp *j, const sbuf *key_raw) {
  sbuf *m = &j->d->meta;
  if (sbuf_putc(m, m->n ? ',' : '{') || sbuf_put(m, key_raw->s, key_raw->n) ||
      sbuf_putc(m, ':'))
    return out_of_memory(j);
  return parse_value(j, m, 1);
}

static int parse_member(jp *j, int *seen, sbuf *key, sbuf *key_raw) {
  sbuf_clear(key);
  sbuf_clear(key_raw);
  if (j->p >= j->end || *j->p != '"') return fail(j, "expected a key");
  if (parse_string(j, key, key_raw, true)) return -1;
  skip_ws(j);
  if (j->p >= j->end || *j->p != ':') return fail(j, "expected ':'");
  j->p++;
  static const struct {
    const char *name;
    int bit;
  } known[] = {{"id", SEEN_ID}, {"title", SEEN_TITLE}, {"text", SEEN_TEXT}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    if (key->n != strlen(known[i].name) || memcmp(key->s, known[i].name, key->n))
      continue;
    if (*seen & known[i].bit) return fail(j, "duplicate \"%s\"", known[i].name);
    *seen |= known[i].bit;
    if (known[i].bit == SEEN_ID) {
      if (parse_id(j)) return -1;
      j->d->has_id = true; /* whole: an error record can use it */
      return 0;
    }
    return parse_zone(j, known[i].name,
                      known[i].bit == SEEN_TITLE ? &j->d->title : &j->d->text);
  }
  return parse_meta_member(j, key_raw);
}

static int parse_record(jp *j) {
  sbuf key = {0}, key_raw = {0};
  int seen = 0, rc = 0;
  skip_ws(j);
  if (j->p >= j->end || *j->p != '{') {
    rc = fail(j, "a line must hold one JSON object");
    goto done;
  }
  j->p++;
  skip_ws(j);
  if (j->p < j->end && *j->p == '}') {
    j->p++;
  } else {
    for (;;) {
      skip_ws(j);
      if ((rc = parse_member(j, &seen, &key, &key_raw))) goto done;
      skip_ws(j);
      if (j->p < j->end && *j->p == ',') {
        j->p++;
        continue;
      }
      if (j->p < j->end && *j->p == '}') {
        j->p++;
        break;
      }
      rc = fail(j, "expected ',' or '}'");
      goto done;
    }
  }
  skip_ws(j);
  if (j->p != j->end) rc = fail(j, "text after the object");
  if (!rc && j->d->meta.n && sbuf_putc(&j->d->meta, '}')) rc = out_of_memory(j);
done:
  sbuf_free(&key);
  sbuf_free(&key_raw);
  return rc;
}

int jsonl_parse(const char *line, size_t len, jsonl_doc *d) {
  sbuf_clear(&d->id);
  sbuf_clear(&d->title);
  sbuf_clear(&d->text);
  sbuf_clear(&d->meta);
  d->has_id = false;
  d->error[0] = '\0';
  pthread_once(&string_stop_once, init_string_stop);
  jp j = {(const unsigned char *)line, (const unsigned char *)line,
          (const unsigned char *)line + len, d, false};
  /* sbuf_put of zero bytes leaves s NULL; give every field a "" instead */
  if (sbuf_reserve(&d->id, 1) || sbuf_reserve(&d->title, 1) ||
      sbuf_reserve(&d->text, 1) || sbuf_reserve(&d->meta, 1))
    return -2;
  int rc = parse_record(&j);
  if (j.oom) return -2;
  return rc ? -1 : 0;
}

void jsonl_doc_free(jsonl_doc *d) {
  sbuf_free(&d->id);
  sbuf_free(&d->title);
  sbuf_free(&d->text);
  sbuf_free(&d->meta);
}
