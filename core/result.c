/*
** result.c — reading a result: accessors, and its rendering as one JSON
** object (DESIGN.md "Output"), valid for any input bytes.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "scan.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ======================================================================
** Accessors
** ==================================================================== */

int bunryu_result_error(const bunryu_result *r) {
  return r ? r->error : BUNRYU_EINVAL;
}

const char *bunryu_result_error_message(const bunryu_result *r) {
  return r ? r->message : "";
}

const char *bunryu_result_label(const bunryu_result *r) {
  if (!r || r->label < 0) return NULL;
  return r->s->e->cats[r->label].name;
}

size_t bunryu_result_category_count(const bunryu_result *r) {
  return r ? r->n_ranked : 0;
}

const char *bunryu_result_category_name(const bunryu_result *r, size_t i) {
  if (!r || i >= r->n_ranked) return NULL;
  return r->s->e->cats[r->ranked[i]].name;
}

double bunryu_result_category_score(const bunryu_result *r, size_t i) {
  if (!r || i >= r->n_ranked) return 0.0;
  return r->s->scores[r->ranked[i]];
}

static const unsigned zone_bit[3] = {BUNRYU_ZONE_TITLE, BUNRYU_ZONE_LEAD,
                                     BUNRYU_ZONE_BODY};

size_t bunryu_result_entity_count(const bunryu_result *r) {
  return r ? r->s->n_ents : 0;
}

int bunryu_result_entity(const bunryu_result *r, size_t i, const char **type,
                         const char **name, const char **text,
                         size_t *text_len, size_t *start, size_t *end,
                         size_t *count, unsigned *zone) {
  if (!r || i >= r->s->n_ents) return BUNRYU_EINVAL;
  const entity_rec *x = &r->s->ents[i];
  if (type) *type = r->s->e->ents[x->type].name;
  if (name) *name = x->name;
  if (text) *text = x->text;
  if (text_len) *text_len = x->text_len;
  if (start) *start = x->start;
  if (end) *end = x->end;
  if (count) *count = x->count;
  if (zone) *zone = zone_bit[x->zi];
  return BUNRYU_OK;
}

size_t bunryu_result_hit_count(const bunryu_result *r) {
  return r && r->evidence ? r->s->n_hits : 0;
}

/* 1-based line of an offset in its zone's buffer. */
static size_t line_of(const bunryu_scanner *s, const hit *h) {
  const char *buf = s->segs[h->seg].input;
  size_t line = 1;
  for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + h->start - p)));
       p++)
    line++;
  return line;
}

int bunryu_result_hit(const bunryu_result *r, size_t i, const char **category,
                      const char **term, unsigned *zone, size_t *start,
                      size_t *end, size_t *line, double *weight) {
  if (!r || !r->evidence || i >= r->s->n_hits) return BUNRYU_EINVAL;
  const bunryu_scanner *s = r->s;
  const bunryu_engine *e = s->e;
  const hit *h = &s->hits[i];
  bool ent = h->kind == HIT_ENTITY;
  if (category) *category = ent ? NULL : e->cats[h->owner].name;
  if (term)
    *term = ent ? h->name
                : h->from_pattern ? e->pats[h->rule].source
                                  : e->lits[h->rule].source;
  if (zone) *zone = zone_bit[h->zi];
  if (start) *start = h->start;
  if (end) *end = h->end;
  if (line) *line = line_of(s, h);
  if (weight) *weight = h->weight;
  return BUNRYU_OK;
}

int bunryu_result_hit_source(const bunryu_result *r, size_t i,
                             const char **file, int *line, int *counted) {
  if (!r || !r->evidence || i >= r->s->n_hits) return BUNRYU_EINVAL;
  const bunryu_engine *e = r->s->e;
  const hit *h = &r->s->hits[i];
  rule_loc loc = h->from_pattern ? e->pats[h->rule].loc : e->lits[h->rule].loc;
  if (file) *file = loc.file;
  if (line) *line = loc.line;
  if (counted) *counted = h->kind == HIT_ENTITY || h->counted;
  return BUNRYU_OK;
}

uint64_t bunryu_result_elapsed_us(const bunryu_result *r) {
  return r ? r->elapsed_us : 0;
}

/* ======================================================================
** JSON strings
** ==================================================================== */

/*
** 1 for the bytes that stand in a JSON string as they are: printable ASCII
** but the quote and the backslash. A table, because every byte of every
** string is looked up here.
*/
static const unsigned char plain_byte[256] = {
    /* 0x00 - 0x1f: control characters */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x20 - 0x2f: the quote is 0x22 */
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x50 - 0x5f: the backslash is 0x5c */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    /* 0x70 - 0x7f: DEL is 0x7f */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    /* 0x80 - 0xff: UTF-8, checked sequence by sequence (zeros) */
};

/*
** The length of the valid UTF-8 sequence of 2 to 4 bytes at p (lead byte
** p[0] >= 0x80), or 0 when it is not one. Inline because every Hangul
** character of every entity passes through here.
*/
static inline size_t utf8_seq_len(const unsigned char *p, size_t avail) {
  unsigned char b = p[0];
  if (b >= 0xC2 && b <= 0xDF)
    return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (b == 0xE0 && p[1] < 0xA0) return 0; /* overlong */
    if (b == 0xED && p[1] >= 0xA0) return 0; /* surrogate */
    return 3;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
        (p[3] & 0xC0) != 0x80)
      return 0;
    if ((b == 0xF0 && p[1] < 0x90) || (b == 0xF4 && p[1] >= 0x90)) return 0;
    return 4;
  }
  return 0;
}

/* Writes the escape of ASCII byte c (not a plain byte) at o; returns its end. */
static char *escape_ascii(char *o, unsigned char c) {
  static const char hex[] = "0123456789abcdef";
  char named = c == '"'    ? '"'
               : c == '\\' ? '\\'
               : c == '\n' ? 'n'
               : c == '\r' ? 'r'
               : c == '\t' ? 't'
                           : 0;
  o[0] = '\\';
  if (named) {
    o[1] = named;
    return o + 2;
  }
  memcpy(o + 1, "u00", 3);
  o[4] = hex[c >> 4];
  o[5] = hex[c & 15];
  return o + 6;
}

/*
** Writes the character at p[0..avail), whose first byte is not a plain
** byte, at o and returns the end of what it wrote; *used is set to the
** input bytes it took. A valid UTF-8 sequence goes out as it is, but
** U+2028 and U+2029, which end a line in JavaScript, are escaped; a byte
** that starts no valid sequence becomes \ufffd on its own.
*/
static inline __attribute__((always_inline)) char *
put_char(char *o, const unsigned char *p, size_t avail, size_t *used) {
  size_t k;
  *used = 1;
  if (p[0] < 0x80) return escape_ascii(o, p[0]);
  if ((k = utf8_seq_len(p, avail)) == 0) {
    memcpy(o, "\\ufffd", 6);
    return o + 6;
  }
  *used = k;
  switch (k) { /* fixed sizes, so that no copy is a call */
  case 2: memcpy(o, p, 2); break;
  case 3:
    if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
      memcpy(o, p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
      return o + 6;
    }
    memcpy(o, p, 3);
    break;
  default: memcpy(o, p, 4); break;
  }
  return o + k;
}

size_t json_escape_scalar(char *out, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  char *o = out;
  size_t i = 0, used;
  while (i < n) {
    if (plain_byte[p[i]]) {
      *o++ = (char)p[i++];
    } else {
      o = put_char(o, p + i, n - i, &used);
      i += used;
    }
  }
  return (size_t)(o - out);
}

#if defined(__SSE2__)
/*
** A bit for each of the 16 bytes of v that is not a plain byte: below 0x20
** or from 0x80 on (the signed comparison takes both), the quote, the
** backslash and DEL.
*/
static inline unsigned special_bytes(__m128i v) {
  __m128i m = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
  return (unsigned)_mm_movemask_epi8(m);
}

/*
** Copies the rem (4 to 15) bytes at p to o when all of them are plain,
** reading and writing two overlapping halves so that nothing past p + rem
** is read; returns false, o's bytes undefined, when one is not.
*/
static inline bool copy_plain_short(char *o, const unsigned char *p,
                                    size_t rem) {
  if (rem >= 8) {
    __m128i lo = _mm_loadl_epi64((const __m128i *)p);
    __m128i hi = _mm_loadl_epi64((const __m128i *)(p + rem - 8));
    if (special_bytes(_mm_unpacklo_epi64(lo, hi))) return false;
    _mm_storel_epi64((__m128i *)o, lo);
    _mm_storel_epi64((__m128i *)(o + rem - 8), hi);
    return true;
  }
  uint32_t lo, hi;
  memcpy(&lo, p, 4);
  memcpy(&hi, p + rem - 4, 4);
  /* Only the low 8 bytes are input; the zeros above are not. */
  if (special_bytes(_mm_set_epi32(0, 0, (int)hi, (int)lo)) & 0xff)
    return false;
  memcpy(o, &lo, 4);
  memcpy(o + rem - 4, &hi, 4);
  return true;
}
#endif

/*
** Sixteen bytes at a time: each block is stored whole, then the output
** moves on to its first special byte, which put_char writes over what
** follows. Shorter strings, the most common (names, labels), and the last
** bytes of longer ones go out in two overlapping halves when all plain,
** else a byte at a time. Every store stays within the 6 * n bytes of room:
** the first i input bytes take at most 6 * i, and a block is stored only
** while 16 input bytes, with 96 bytes of room, remain.
*/
size_t json_escape(char *out, const char *s, size_t n) {
#if defined(__SSE2__)
  const unsigned char *p = (const unsigned char *)s;
  char *o = out;
  size_t i = 0, used;
  while (n - i >= 16) {
    __m128i v = _mm_loadu_si128((const __m128i *)(p + i));
    _mm_storeu_si128((__m128i *)o, v);
    unsigned special = special_bytes(v);
    if (!special) {
      i += 16;
      o += 16;
      continue;
    }
    unsigned k = (unsigned)__builtin_ctz(special);
    o = put_char(o + k, p + i + k, n - i - k, &used);
    i += k + used;
  }
  size_t rem = n - i;
  if (rem >= 4 && copy_plain_short(o, p + i, rem))
    return (size_t)(o - out) + rem;
  return (size_t)(o - out) + json_escape_scalar(o, (const char *)p + i, rem);
#else
  return json_escape_scalar(out, s, n);
#endif
}

/* ======================================================================
** JSON records
** ==================================================================== */

/*
** A record is written in the scanner's buffer in steps: room() makes sure
** the buffer holds what one element (the head, a category, an entity, a
** hit, an array's brackets, the tail) can take at most, then the add_*
** functions write it without a check. So a record costs one check an
** element instead of one an append. Every put_* writer starts with its
** room() and gives up when it fails, which fails the record.
*/
typedef struct jbuf {
  bunryu_scanner *s;
  char *buf; /* s->json, which room() may move */
  size_t len, cap;
  bool failed;
} jbuf;

/* The most that a number or a score takes, as written below. */
#define NUM_ROOM 24   /* an unsigned long long: 20 digits */
#define SCORE_ROOM 64 /* put_score's snprintf buffer */

/*
** A bound is a constant under 1 KiB plus at most three string_room()s. A
** string longer than STRING_MAX gets ROOM_REFUSED, which room() refuses,
** so that sums never wrap (they stay under 3/4 of SIZE_MAX).
*/
#define STRING_MAX (SIZE_MAX / 32)
#define ROOM_REFUSED (SIZE_MAX / 4)

/* Room for n bytes as a JSON string: the quotes and, at most, a 6-byte
   escape a byte. */
static inline size_t string_room(size_t n) {
  return n <= STRING_MAX ? 6 * n + 2 : ROOM_REFUSED;
}

static bool grow(jbuf *j, size_t n) {
  bunryu_scanner *s = j->s;
  if (j->failed || n >= ROOM_REFUSED ||
      mem_grow(&s->m, (void **)&s->json, &s->json_cap, j->len + n + 1, 1) < 0) {
    j->failed = true;
    return false;
  }
  j->buf = s->json;
  j->cap = s->json_cap;
  return true;
}

/* Makes sure n more bytes fit, and the final NUL after them. */
static inline bool room(jbuf *j, size_t n) {
  return (n < j->cap - j->len && n < ROOM_REFUSED) || grow(j, n);
}

/* The add_* functions write within the room made before them. */
static inline void add(jbuf *j, const char *p, size_t n) {
  memcpy(j->buf + j->len, p, n);
  j->len += n;
}

/*
** Keys are this file's own plain ASCII names, always string literals, so
** the separator, the quoted key and the colon go out as one constant piece
** whose length the compiler knows (one key per field of every record).
*/
#define ADD_KEY(j, key, first)                                          \
  ((first) ? add((j), "\"" key "\": ", sizeof("\"" key "\": ") - 1)  \
           : add((j), ", \"" key "\": ", sizeof(", \"" key "\": ") - 1))
#define ADD_LIT(j, lit) add((j), (lit), sizeof(lit) - 1)

/* Needs string_room(n). */
static inline void add_string(jbuf *j, const char *s, size_t n) {
  j->buf[j->len++] = '"';
  j->len += json_escape(j->buf + j->len, s, n);
  j->buf[j->len++] = '"';
}

/* "00" to "99", so that numbers go out two digits a division. */
static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

/* The number of decimal digits of v. */
static inline size_t digit_count(unsigned long long v) {
  size_t n = 1;
  for (; v >= 100; v /= 100) n += 2;
  return n + (v >= 10);
}

/* Needs NUM_ROOM. Writes the digits in place from the last one, without a
   copy: offsets and counts are three numbers of every entity. */
static inline void add_size(jbuf *j, unsigned long long v) {
  j->len += digit_count(v);
  char *o = j->buf + j->len;
  for (; v >= 100; v /= 100) {
    o -= 2;
    memcpy(o, digit_pairs + v % 100 * 2, 2);
  }
  if (v >= 10)
    memcpy(o - 2, digit_pairs + v * 2, 2);
  else
    o[-1] = (char)('0' + v);
}

/*
** Scores with at most 4 decimals and at least one ("6.0", "17.5"), as
** "%.4f" would round them. A score that is a whole number of ten-thousandths
** (every sum of weights like 1, 0.5 or 0.25) is written from that integer:
** it lies within a rounding error of an exact multiple of 0.0001, so "%.4f"
** gives the same digits; snprintf cost 2,000 instructions a score. All five
** bytes of the decimals go out (the room has them) and the length counts
** those that stay.
*/
static bool add_score_exact(jbuf *j, double v) {
  double k = v * 10000.0;
  if (!(fabs(k) < 1e15) || k != floor(k)) return false;
  unsigned long long u = (unsigned long long)fabs(k);
  unsigned frac = (unsigned)(u % 10000);
  if (k < 0 && u) ADD_LIT(j, "-");
  add_size(j, u / 10000);
  char tmp[5] = {'.', (char)('0' + frac / 1000), (char)('0' + frac / 100 % 10),
                 (char)('0' + frac / 10 % 10), (char)('0' + frac % 10)};
  size_t n = 5;
  while (n > 2 && tmp[n - 1] == '0') n--;
  memcpy(j->buf + j->len, tmp, sizeof tmp);
  j->len += n;
  return true;
}

/* Needs SCORE_ROOM. */
static void add_score(jbuf *j, double v) {
  char tmp[SCORE_ROOM];
  if (!isfinite(v)) v = 0;
  if (add_score_exact(j, v)) return;
  snprintf(tmp, sizeof tmp, "%.4f", v);
  size_t n = strlen(tmp);
  while (n > 0 && tmp[n - 1] == '0' && tmp[n - 2] != '.') n--;
  tmp[n] = '\0';
  if (strcmp(tmp, "-0.0") == 0) strcpy(tmp, "0.0");
  add(j, tmp, strlen(tmp));
}

/* A zone name as a JSON string: constants, no escaping to look for. At
   most 7 bytes. */
static inline void add_zone(jbuf *j, int zi) {
  switch (zi) {
  case 0: ADD_LIT(j, "\"title\""); break;
  case 1: ADD_LIT(j, "\"lead\""); break;
  default: ADD_LIT(j, "\"body\""); break;
  }
}

/* An array's opening, after a field before it: ", \"key\": [". */
#define PUT_ARRAY_OPEN(j, key) \
  (room((j), 32) ? (ADD_KEY((j), key, false), ADD_LIT((j), "[")) : (void)0)

static void put_array_close(jbuf *j) {
  if (room(j, 1)) ADD_LIT(j, "]");
}

/*
** The record's opening brace, id, path, and the label or the error: the
** fields every record has. The keys and punctuation take under 64 bytes.
*/
static void put_head(jbuf *j, const bunryu_result *r, const char *id,
                     const char *path) {
  const char *value = r->error ? r->message[0] ? r->message
                                               : bunryu_strerror(r->error)
                               : bunryu_result_label(r);
  size_t id_len = id ? strlen(id) : 0, path_len = path ? strlen(path) : 0;
  size_t value_len = value ? strlen(value) : 0;
  if (!room(j, 64 + string_room(id_len) + string_room(path_len) +
                   string_room(value_len)))
    return;
  bool first = true;
  ADD_LIT(j, "{");
  if (id) {
    ADD_KEY(j, "id", first);
    add_string(j, id, id_len);
    first = false;
  }
  if (path) {
    ADD_KEY(j, "path", first);
    add_string(j, path, path_len);
    first = false;
  }
  if (r->error) {
    ADD_KEY(j, "error", first);
    add_string(j, value, value_len);
  } else {
    ADD_KEY(j, "label", first);
    if (value) add_string(j, value, value_len); else ADD_LIT(j, "null");
  }
}

/* ", {"name": , "score": }" takes 23 bytes. */
static void put_categories(jbuf *j, const bunryu_result *r) {
  PUT_ARRAY_OPEN(j, "categories");
  for (size_t i = 0; i < r->n_ranked; i++) {
    const char *name = bunryu_result_category_name(r, i);
    size_t name_len = strlen(name);
    if (!room(j, 32 + string_room(name_len) + SCORE_ROOM)) return;
    if (i) ADD_LIT(j, ", ");
    ADD_LIT(j, "{");
    ADD_KEY(j, "name", true);
    add_string(j, name, name_len);
    ADD_KEY(j, "score", false);
    add_score(j, bunryu_result_category_score(r, i));
    ADD_LIT(j, "}");
  }
  put_array_close(j);
}

/* The keys and punctuation of an entity take 73 bytes, its zone 7. */
#define ENTITY_ROOM (96 + 3 * NUM_ROOM)

static void put_entities(jbuf *j, const bunryu_result *r) {
  PUT_ARRAY_OPEN(j, "entities");
  for (size_t i = 0; i < r->s->n_ents; i++) {
    const entity_rec *x = &r->s->ents[i];
    const char *type = r->s->e->ents[x->type].name;
    size_t type_len = strlen(type);
    if (!room(j, ENTITY_ROOM + string_room(type_len) +
                     string_room(x->name_len) + string_room(x->text_len)))
      return;
    if (i) ADD_LIT(j, ", ");
    ADD_LIT(j, "{");
    ADD_KEY(j, "type", true);
    add_string(j, type, type_len);
    ADD_KEY(j, "name", false);
    add_string(j, x->name, x->name_len);
    ADD_KEY(j, "text", false);
    add_string(j, x->text, x->text_len);
    ADD_KEY(j, "start", false);
    add_size(j, x->start);
    ADD_KEY(j, "end", false);
    add_size(j, x->end);
    ADD_KEY(j, "count", false);
    add_size(j, x->count);
    ADD_KEY(j, "zone", false);
    add_zone(j, x->zi);
    ADD_LIT(j, "}");
  }
  put_array_close(j);
}

/* The keys and punctuation of a hit take 78 bytes, its zone 7, a null
   category 4. */
#define HIT_ROOM (128 + 3 * NUM_ROOM + SCORE_ROOM)

static void put_evidence(jbuf *j, const bunryu_result *r) {
  PUT_ARRAY_OPEN(j, "evidence");
  for (size_t i = 0; i < bunryu_result_hit_count(r); i++) {
    const char *cat, *term;
    unsigned zone;
    size_t start, end, line;
    double weight;
    bunryu_result_hit(r, i, &cat, &term, &zone, &start, &end, &line, &weight);
    size_t cat_len = cat ? strlen(cat) : 0, term_len = strlen(term);
    if (!room(j, HIT_ROOM + string_room(cat_len) + string_room(term_len)))
      return;
    if (i) ADD_LIT(j, ", ");
    ADD_LIT(j, "{");
    ADD_KEY(j, "category", true);
    if (cat) add_string(j, cat, cat_len); else ADD_LIT(j, "null");
    ADD_KEY(j, "term", false);
    add_string(j, term, term_len);
    ADD_KEY(j, "zone", false);
    add_zone(j, r->s->hits[i].zi);
    ADD_KEY(j, "start", false);
    add_size(j, start);
    ADD_KEY(j, "end", false);
    add_size(j, end);
    ADD_KEY(j, "line", false);
    add_size(j, line);
    ADD_KEY(j, "weight", false);
    add_score(j, weight);
    ADD_LIT(j, "}");
  }
  put_array_close(j);
}

/* The timing, unless left out, and the closing brace. */
static void put_tail(jbuf *j, const bunryu_result *r, unsigned flags) {
  if (!room(j, 32 + NUM_ROOM)) return;
  if (!(flags & BUNRYU_JSON_NO_TIMING)) {
    ADD_KEY(j, "elapsed_us", false);
    add_size(j, r->elapsed_us);
  }
  ADD_LIT(j, "}");
}

const char *bunryu_result_json(const bunryu_result *r, const char *id,
                               const char *path, unsigned flags, size_t *len) {
  if (!r) return NULL;
  bunryu_scanner *s = r->s;
  jbuf j = {s, s->json, 0, s->json_cap, false};
  put_head(&j, r, id, path);
  if (!r->error) {
    put_categories(&j, r);
    put_entities(&j, r);
    if ((flags & BUNRYU_JSON_EVIDENCE) && r->evidence) put_evidence(&j, r);
  }
  put_tail(&j, r, flags);
  s->json_len = j.failed ? 0 : j.len;
  if (j.failed) return NULL;
  s->json[s->json_len] = '\0';
  if (len) *len = s->json_len;
  return s->json;
}
