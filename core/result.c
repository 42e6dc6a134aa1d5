/*
** result.c — reading a result: accessors, and its rendering as one JSON
** object (DESIGN.md "Output"), valid for any input bytes.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "scan.h"

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
** JSON
** ==================================================================== */

typedef struct jbuf {
  bunryu_scanner *s;
  bool failed;
} jbuf;

/* Appends n bytes; the buffer is NUL-terminated by bunryu_result_json. */
static inline void put(jbuf *j, const char *p, size_t n) {
  bunryu_scanner *s = j->s;
  if (s->json_len + n + 1 > s->json_cap &&
      (j->failed || mem_grow(&s->m, (void **)&s->json, &s->json_cap,
                             s->json_len + n + 1, 1) < 0)) {
    j->failed = true;
    return;
  }
  memcpy(s->json + s->json_len, p, n);
  s->json_len += n;
}

static void puts_(jbuf *j, const char *p) { put(j, p, strlen(p)); }

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

/* ASCII bytes that stand in a JSON string as they are. */
static inline bool json_plain_ascii(unsigned char c) {
  return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* The escape for byte c of ASCII, or NULL when it stands as it is. */
static const char *ascii_escape(unsigned char c, char tmp[8]) {
  switch (c) {
  case '"': return "\\\"";
  case '\\': return "\\\\";
  case '\n': return "\\n";
  case '\r': return "\\r";
  case '\t': return "\\t";
  default:
    if (c >= 0x20 && c != 0x7f) return NULL;
    snprintf(tmp, 8, "\\u%04x", c);
    return tmp;
  }
}

/*
** Writes s[0..n) as a JSON string. Invalid UTF-8 becomes \ufffd, control
** characters and U+2028/U+2029 are escaped, so the output is valid JSON
** (and valid JavaScript) whatever the bytes. Runs that need no escape are
** copied in one piece.
*/
static void put_string(jbuf *j, const char *str, size_t n) {
  put(j, "\"", 1);
  const unsigned char *p = (const unsigned char *)str;
  size_t i = 0, run = 0;
  while (i < n) {
    if (json_plain_ascii(p[i])) { /* the common case, without a call */
      run++;
      i++;
      continue;
    }
    const char *esc = NULL;
    char tmp[8];
    size_t k = 1;
    if (p[i] < 0x80) {
      esc = ascii_escape(p[i], tmp);
    } else if ((k = utf8_seq_len(p + i, n - i)) == 0) {
      esc = "\\ufffd";
      k = 1;
    } else if (k == 3 && p[i] == 0xE2 && p[i + 1] == 0x80 &&
               (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
      esc = p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029";
    }
    if (esc) {
      put(j, str + i - run, run);
      run = 0;
      puts_(j, esc);
    } else {
      run += k;
    }
    i += k;
  }
  put(j, str + i - run, run);
  put(j, "\"", 1);
}

static void put_cstring(jbuf *j, const char *s) { put_string(j, s, strlen(s)); }

/*
** Keys are this file's own plain ASCII names, always string literals, so
** the separator, the quoted key and the colon go out as one constant piece
** whose length the compiler knows (one key per field of every record).
*/
#define PUT_KEY(j, key, first)                                          \
  ((first) ? put((j), "\"" key "\": ", sizeof("\"" key "\": ") - 1)  \
           : put((j), ", \"" key "\": ", sizeof(", \"" key "\": ") - 1))
#define PUT_LIT(j, lit) put((j), (lit), sizeof(lit) - 1)

static void put_size(jbuf *j, unsigned long long v) {
  char tmp[24];
  size_t i = sizeof tmp;
  do {
    tmp[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(j, tmp + i, sizeof tmp - i);
}

/*
** Scores with at most 4 decimals and at least one ("6.0", "17.5"), as
** "%.4f" would round them. A score that is a whole number of ten-thousandths
** (every sum of weights like 1, 0.5 or 0.25) is written from that integer:
** it lies within a rounding error of an exact multiple of 0.0001, so "%.4f"
** gives the same digits; snprintf cost 2,000 instructions a score.
*/
static bool put_score_exact(jbuf *j, double v) {
  double k = v * 10000.0;
  if (!(fabs(k) < 1e15) || k != floor(k)) return false;
  unsigned long long u = (unsigned long long)fabs(k);
  unsigned frac = (unsigned)(u % 10000);
  if (k < 0 && u) PUT_LIT(j, "-");
  put_size(j, u / 10000);
  char tmp[5] = {'.', (char)('0' + frac / 1000), (char)('0' + frac / 100 % 10),
                 (char)('0' + frac / 10 % 10), (char)('0' + frac % 10)};
  size_t n = 5;
  while (n > 2 && tmp[n - 1] == '0') n--;
  put(j, tmp, n);
  return true;
}

static void put_score(jbuf *j, double v) {
  char tmp[64];
  if (!isfinite(v)) v = 0;
  if (put_score_exact(j, v)) return;
  snprintf(tmp, sizeof tmp, "%.4f", v);
  size_t n = strlen(tmp);
  while (n > 0 && tmp[n - 1] == '0' && tmp[n - 2] != '.') n--;
  tmp[n] = '\0';
  if (strcmp(tmp, "-0.0") == 0) strcpy(tmp, "0.0");
  puts_(j, tmp);
}

/* A zone name as a JSON string: constants, no escaping to look for. */
static void put_zone(jbuf *j, int zi) {
  switch (zi) {
  case 0: PUT_LIT(j, "\"title\""); break;
  case 1: PUT_LIT(j, "\"lead\""); break;
  default: PUT_LIT(j, "\"body\""); break;
  }
}

static void put_categories(jbuf *j, const bunryu_result *r) {
  put(j, "[", 1);
  for (size_t i = 0; i < r->n_ranked; i++) {
    if (i) put(j, ", ", 2);
    put(j, "{", 1);
    PUT_KEY(j, "name", true);
    put_cstring(j, bunryu_result_category_name(r, i));
    PUT_KEY(j, "score", false);
    put_score(j, bunryu_result_category_score(r, i));
    put(j, "}", 1);
  }
  put(j, "]", 1);
}

static void put_entities(jbuf *j, const bunryu_result *r) {
  put(j, "[", 1);
  for (size_t i = 0; i < r->s->n_ents; i++) {
    const entity_rec *x = &r->s->ents[i];
    if (i) put(j, ", ", 2);
    put(j, "{", 1);
    PUT_KEY(j, "type", true);
    put_cstring(j, r->s->e->ents[x->type].name);
    PUT_KEY(j, "name", false);
    put_string(j, x->name, x->name_len);
    PUT_KEY(j, "text", false);
    put_string(j, x->text, x->text_len);
    PUT_KEY(j, "start", false);
    put_size(j, x->start);
    PUT_KEY(j, "end", false);
    put_size(j, x->end);
    PUT_KEY(j, "count", false);
    put_size(j, x->count);
    PUT_KEY(j, "zone", false);
    put_zone(j, x->zi);
    put(j, "}", 1);
  }
  put(j, "]", 1);
}

static void put_evidence(jbuf *j, const bunryu_result *r) {
  put(j, "[", 1);
  for (size_t i = 0; i < bunryu_result_hit_count(r); i++) {
    const char *cat, *term;
    unsigned zone;
    size_t start, end, line;
    double weight;
    bunryu_result_hit(r, i, &cat, &term, &zone, &start, &end, &line, &weight);
    if (i) put(j, ", ", 2);
    put(j, "{", 1);
    PUT_KEY(j, "category", true);
    if (cat) put_cstring(j, cat); else puts_(j, "null");
    PUT_KEY(j, "term", false);
    put_cstring(j, term);
    PUT_KEY(j, "zone", false);
    put_zone(j, r->s->hits[i].zi);
    PUT_KEY(j, "start", false);
    put_size(j, start);
    PUT_KEY(j, "end", false);
    put_size(j, end);
    PUT_KEY(j, "line", false);
    put_size(j, line);
    PUT_KEY(j, "weight", false);
    put_score(j, weight);
    put(j, "}", 1);
  }
  put(j, "]", 1);
}

static void put_ident(jbuf *j, const char *id, const char *path, bool *first) {
  if (id) {
    PUT_KEY(j, "id", *first);
    put_cstring(j, id);
    *first = false;
  }
  if (path) {
    PUT_KEY(j, "path", *first);
    put_cstring(j, path);
    *first = false;
  }
}

const char *bunryu_result_json(const bunryu_result *r, const char *id,
                               const char *path, unsigned flags, size_t *len) {
  if (!r) return NULL;
  jbuf j = {r->s, false};
  r->s->json_len = 0;
  bool first = true;
  put(&j, "{", 1);
  put_ident(&j, id, path, &first);
  if (r->error) {
    PUT_KEY(&j, "error", first);
    put_cstring(&j, r->message[0] ? r->message : bunryu_strerror(r->error));
  } else {
    PUT_KEY(&j, "label", first);
    const char *label = bunryu_result_label(r);
    if (label) put_cstring(&j, label); else puts_(&j, "null");
    PUT_KEY(&j, "categories", false);
    put_categories(&j, r);
    PUT_KEY(&j, "entities", false);
    put_entities(&j, r);
    if ((flags & BUNRYU_JSON_EVIDENCE) && r->evidence) {
      PUT_KEY(&j, "evidence", false);
      put_evidence(&j, r);
    }
  }
  if (!(flags & BUNRYU_JSON_NO_TIMING)) {
    PUT_KEY(&j, "elapsed_us", false);
    put_size(&j, r->elapsed_us);
  }
  put(&j, "}", 1);
  if (j.failed) return NULL;
  r->s->json[r->s->json_len] = '\0';
  if (len) *len = r->s->json_len;
  return r->s->json;
}
