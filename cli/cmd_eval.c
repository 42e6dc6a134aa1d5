/*
** cmd_eval.c — `bunryu eval`: how well the rules label a corpus whose
** answers are known.
**
**   bunryu eval [-r RULES] --labels labels.tsv DIR [options]
**   bunryu eval [-r RULES] --jsonl FILE [options]
**
** Reports accuracy, per-category precision/recall/F1, a confusion matrix and
** the misclassified documents with their two best scores; with --entities,
** entity precision/recall per type against hand annotations. Uses only the
** public API (bunryu.h) and the CLI helpers (cli.h).
**
** Exit status: 0, or 1 when a --min-* floor is not met or a document could
** not be read or scanned, or 2 for usage and rule errors.
*/
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define EVAL_NONE (-1)  /* no label */
#define EVAL_ERROR (-2) /* the document failed */
#define JSON_MAX_DEPTH 32

/* ======================================================================
** A small JSON reader (JSONL records and entity annotations)
** =================================================================== */

typedef enum { JV_NULL, JV_BOOL, JV_NUM, JV_STR, JV_ARR, JV_OBJ } jv_kind;

typedef struct jv {
  jv_kind kind;
  bool b;
  double num;
  char *str;        /* JV_STR: NUL-terminated UTF-8 */
  struct jv *items; /* JV_ARR, JV_OBJ: values */
  char **keys;      /* JV_OBJ: one key per item */
  size_t n, cap;
} jv;

typedef struct jparser {
  const char *p, *end;
} jparser;

static void jv_free(jv *v) {
  if (!v) return;
  for (size_t i = 0; i < v->n; i++) {
    jv_free(&v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->str);
  memset(v, 0, sizeof *v);
}

/* The member `key` of an object, or NULL. */
static const jv *jv_get(const jv *obj, const char *key) {
  if (!obj || obj->kind != JV_OBJ) return NULL;
  for (size_t i = 0; i < obj->n; i++)
    if (strcmp(obj->keys[i], key) == 0) return &obj->items[i];
  return NULL;
}

/* The string member `key`, or NULL when absent or not a string. */
static const char *jv_str(const jv *obj, const char *key) {
  const jv *v = jv_get(obj, key);
  return v && v->kind == JV_STR ? v->str : NULL;
}

static void jp_skip_ws(jparser *p) {
  while (p->p < p->end && (*p->p == ' ' || *p->p == '\t' || *p->p == '\n' ||
                           *p->p == '\r'))
    p->p++;
}

/* A growable byte buffer for decoded strings. */
typedef struct sbuf {
  char *s;
  size_t n, cap;
} sbuf;

static int sbuf_put(sbuf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    while (cap < b->n + n + 1) cap *= 2;
    char *t = realloc(b->s, cap);
    if (!t) return -1;
    b->s = t;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = '\0';
  return 0;
}

static int utf8_put(sbuf *b, unsigned long cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return sbuf_put(b, u, n);
}

static int jp_hex4(jparser *p, unsigned long *out) {
  unsigned long v = 0;
  if (p->end - p->p < 4) return -1;
  for (int i = 0; i < 4; i++) {
    int c = (unsigned char)*p->p++;
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned long)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned long)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned long)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

/* \uXXXX, with a following low surrogate when the first is a high one. */
static int jp_unicode(jparser *p, sbuf *b) {
  unsigned long cp, lo;
  if (jp_hex4(p, &cp) != 0) return -1;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    if (p->end - p->p < 6 || p->p[0] != '\\' || p->p[1] != 'u') return -1;
    p->p += 2;
    if (jp_hex4(p, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) return -1;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return -1;
  }
  return utf8_put(b, cp);
}

static int jp_escape(jparser *p, sbuf *b) {
  if (p->p >= p->end) return -1;
  char c = *p->p++;
  switch (c) {
  case '"': return sbuf_put(b, "\"", 1);
  case '\\': return sbuf_put(b, "\\", 1);
  case '/': return sbuf_put(b, "/", 1);
  case 'b': return sbuf_put(b, "\b", 1);
  case 'f': return sbuf_put(b, "\f", 1);
  case 'n': return sbuf_put(b, "\n", 1);
  case 'r': return sbuf_put(b, "\r", 1);
  case 't': return sbuf_put(b, "\t", 1);
  case 'u': return jp_unicode(p, b);
  default: return -1;
  }
}

/* A string token; *out is malloc'd. The opening quote is at p->p. */
static int jp_string(jparser *p, char **out) {
  sbuf b = {0};
  p->p++;
  if (sbuf_put(&b, "", 0) != 0) return -1;
  while (p->p < p->end && *p->p != '"') {
    const char *run = p->p;
    while (p->p < p->end && *p->p != '"' && *p->p != '\\' &&
           (unsigned char)*p->p >= 0x20)
      p->p++;
    if (sbuf_put(&b, run, (size_t)(p->p - run)) != 0) goto fail;
    if (p->p < p->end && *p->p == '\\') {
      p->p++;
      if (jp_escape(p, &b) != 0) goto fail;
    } else if (p->p < p->end && (unsigned char)*p->p < 0x20) {
      goto fail;
    }
  }
  if (p->p >= p->end) goto fail;
  p->p++;
  *out = b.s;
  return 0;
fail:
  free(b.s);
  return -1;
}

static int jp_value(jparser *p, jv *out, int depth);

static int jv_push(jv *v, char *key) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? v->cap * 2 : 4;
    jv *items = realloc(v->items, cap * sizeof *items);
    if (!items) return -1;
    v->items = items;
    if (v->kind == JV_OBJ) {
      char **keys = realloc(v->keys, cap * sizeof *keys);
      if (!keys) return -1;
      v->keys = keys;
    }
    v->cap = cap;
  }
  memset(&v->items[v->n], 0, sizeof v->items[v->n]);
  if (v->kind == JV_OBJ) v->keys[v->n] = key;
  v->n++;
  return 0;
}

/* The members of an array or object after its opening bracket. */
static int jp_members(jparser *p, jv *out, char close, int depth) {
  jp_skip_ws(p);
  if (p->p < p->end && *p->p == close) {
    p->p++;
    return 0;
  }
  for (;;) {
    char *key = NULL;
    jp_skip_ws(p);
    if (out->kind == JV_OBJ) {
      if (p->p >= p->end || *p->p != '"' || jp_string(p, &key) != 0) return -1;
      jp_skip_ws(p);
      if (p->p >= p->end || *p->p != ':') {
        free(key);
        return -1;
      }
      p->p++;
    }
    if (jv_push(out, key) != 0) {
      free(key);
      return -1;
    }
    if (jp_value(p, &out->items[out->n - 1], depth + 1) != 0) return -1;
    jp_skip_ws(p);
    if (p->p < p->end && *p->p == ',') {
      p->p++;
      continue;
    }
    if (p->p < p->end && *p->p == close) {
      p->p++;
      return 0;
    }
    return -1;
  }
}

static int jp_literal(jparser *p, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(p->end - p->p) < n || memcmp(p->p, word, n) != 0) return -1;
  p->p += n;
  return 0;
}

static int jp_number(jparser *p, jv *out) {
  char tmp[64];
  size_t n = 0;
  while (p->p < p->end && n < sizeof tmp - 1 &&
         strchr("+-0123456789.eE", *p->p))
    tmp[n++] = *p->p++;
  if (n == 0) return -1;
  tmp[n] = '\0';
  char *endp;
  out->num = strtod(tmp, &endp);
  out->kind = JV_NUM;
  return *endp == '\0' ? 0 : -1;
}

static int jp_value(jparser *p, jv *out, int depth) {
  if (depth > JSON_MAX_DEPTH) return -1;
  jp_skip_ws(p);
  if (p->p >= p->end) return -1;
  switch (*p->p) {
  case '{':
    p->p++;
    out->kind = JV_OBJ;
    return jp_members(p, out, '}', depth);
  case '[':
    p->p++;
    out->kind = JV_ARR;
    return jp_members(p, out, ']', depth);
  case '"':
    out->kind = JV_STR;
    return jp_string(p, &out->str);
  case 't':
    out->kind = JV_BOOL;
    out->b = true;
    return jp_literal(p, "true");
  case 'f':
    out->kind = JV_BOOL;
    return jp_literal(p, "false");
  case 'n':
    out->kind = JV_NULL;
    return jp_literal(p, "null");
  default:
    return jp_number(p, out);
  }
}

/* Parses one whole JSON text (a JSONL line). 0, or -1 on a syntax error. */
static int json_parse(const char *s, size_t len, jv *out) {
  jparser p = {s, s + len};
  memset(out, 0, sizeof *out);
  if (jp_value(&p, out, 0) != 0) {
    jv_free(out);
    return -1;
  }
  jp_skip_ws(&p);
  if (p.p != p.end) {
    jv_free(out);
    return -1;
  }
  return 0;
}

/* ======================================================================
** Evaluation state
** =================================================================== */

/* An entity the engine extracted, copied out of the result. */
typedef struct got_entity {
  char *type, *name, *text;
} got_entity;

/* One annotated entity (entities.jsonl). */
typedef struct gold_entity {
  char *type, *canonical;
  char **surface;
  size_t n_surface;
  bool optional;
  bool found;
} gold_entity;

typedef struct doc_eval {
  char *id;   /* file name without extension, or the JSONL id */
  char *file; /* file name as listed (labels mode), else NULL */
  int gold, pred;
  int top[2];       /* best two categories, or EVAL_NONE */
  double score[2];
  got_entity *ents;
  size_t n_ents;
} doc_eval;

typedef struct ent_count {
  char *type;
  size_t tp, fp, fn, found, gold;
} ent_count;

typedef struct eval_opts {
  const char *rules, *labels, *dir, *jsonl, *entities;
  bool json;
  double min_accuracy, min_ent_precision, min_ent_recall; /* < 0: none */
} eval_opts;

typedef struct eval_state {
  bunryu_engine *engine;
  bunryu_scanner *scanner;
  char **cats; /* category names: the engine's, then unknown gold labels */
  size_t n_cats, n_engine_cats;
  doc_eval *docs;
  size_t n_docs, cap_docs;
  size_t n_failed;
  ent_count *ecounts;
  size_t n_ecounts;
  size_t n_ent_docs; /* documents that had annotations */
} eval_state;

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *t = malloc(n);
  if (t) memcpy(t, s, n);
  return t;
}

static char *xstrndup(const char *s, size_t n) {
  char *t = malloc(n + 1);
  if (!t) return NULL;
  memcpy(t, s, n);
  t[n] = '\0';
  return t;
}

/* The index of category `name`, adding it (as a gold-only label) if new. */
static int cat_index(eval_state *st, const char *name) {
  for (size_t i = 0; i < st->n_cats; i++)
    if (strcmp(st->cats[i], name) == 0) return (int)i;
  char **cats = realloc(st->cats, (st->n_cats + 1) * sizeof *cats);
  if (!cats) return EVAL_ERROR;
  st->cats = cats;
  if (!(cats[st->n_cats] = xstrdup(name))) return EVAL_ERROR;
  if (st->n_cats >= st->n_engine_cats)
    fprintf(stderr, "bunryu eval: warning: label '%s' is no category of the rules\n",
            name);
  return (int)st->n_cats++;
}

static int cat_lookup(const eval_state *st, const char *name) {
  for (size_t i = 0; i < st->n_cats; i++)
    if (strcmp(st->cats[i], name) == 0) return (int)i;
  return EVAL_NONE;
}

static doc_eval *new_doc(eval_state *st) {
  if (st->n_docs == st->cap_docs) {
    size_t cap = st->cap_docs ? st->cap_docs * 2 : 64;
    doc_eval *d = realloc(st->docs, cap * sizeof *d);
    if (!d) return NULL;
    st->docs = d;
    st->cap_docs = cap;
  }
  doc_eval *d = &st->docs[st->n_docs++];
  memset(d, 0, sizeof *d);
  d->pred = EVAL_ERROR;
  d->top[0] = d->top[1] = EVAL_NONE;
  return d;
}

static void free_doc(doc_eval *d) {
  for (size_t i = 0; i < d->n_ents; i++) {
    free(d->ents[i].type);
    free(d->ents[i].name);
    free(d->ents[i].text);
  }
  free(d->ents);
  free(d->id);
  free(d->file);
}

static void eval_free(eval_state *st) {
  for (size_t i = 0; i < st->n_docs; i++) free_doc(&st->docs[i]);
  free(st->docs);
  for (size_t i = 0; i < st->n_cats; i++) free(st->cats[i]);
  free(st->cats);
  for (size_t i = 0; i < st->n_ecounts; i++) free(st->ecounts[i].type);
  free(st->ecounts);
  bunryu_scanner_free(st->scanner);
  bunryu_engine_free(st->engine);
}

/* ======================================================================
** Scanning
** =================================================================== */

/* Copies the label, the two best scores and the entities out of r. */
static int record_result(eval_state *st, doc_eval *d, const bunryu_result *r) {
  const char *label = bunryu_result_label(r);
  d->pred = label ? cat_lookup(st, label) : EVAL_NONE;
  size_t nc = bunryu_result_category_count(r);
  for (size_t i = 0; i < nc && i < 2; i++) {
    d->top[i] = cat_lookup(st, bunryu_result_category_name(r, i));
    d->score[i] = bunryu_result_category_score(r, i);
  }
  size_t ne = bunryu_result_entity_count(r);
  d->ents = ne ? calloc(ne, sizeof *d->ents) : NULL;
  if (ne && !d->ents) return -1;
  for (size_t i = 0; i < ne; i++) {
    const char *type, *name, *text;
    size_t text_len;
    if (bunryu_result_entity(r, i, &type, &name, &text, &text_len, NULL, NULL,
                             NULL, NULL) != BUNRYU_OK)
      continue;
    got_entity *g = &d->ents[d->n_ents++];
    g->type = xstrdup(type);
    g->name = xstrdup(name);
    g->text = xstrndup(text, text_len);
    if (!g->type || !g->name || !g->text) return -1;
  }
  return 0;
}

/* Scans one document (title may be NULL: then the text's first line). */
static void scan_doc(eval_state *st, doc_eval *d, const char *title,
                     const char *text, size_t len) {
  const bunryu_result *r = NULL;
  int rc = title ? bunryu_scan_zones(st->scanner, title, strlen(title), text,
                                     len, 0, &r)
                 : bunryu_scan(st->scanner, text, len, 0, &r);
  if (rc != BUNRYU_OK) {
    fprintf(stderr, "bunryu eval: %s: %s\n", d->id,
            r ? bunryu_result_error_message(r) : bunryu_strerror(rc));
    st->n_failed++;
    return;
  }
  if (record_result(st, d, r) != 0) {
    fprintf(stderr, "bunryu eval: %s: out of memory\n", d->id);
    d->pred = EVAL_ERROR;
    st->n_failed++;
  }
}

static char *path_join(const char *dir, const char *file) {
  size_t a = strlen(dir), b = strlen(file);
  char *p = malloc(a + b + 2);
  if (!p) return NULL;
  memcpy(p, dir, a);
  size_t n = a;
  if (a && dir[a - 1] != '/') p[n++] = '/';
  memcpy(p + n, file, b + 1);
  return p;
}

/* Strips trailing spaces, tabs and CRs in place. */
static void rstrip(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
    s[--n] = '\0';
}

/* One labels.tsv line: "file<TAB>category". */
/*
** Reads path and calls fn for each line (without its '\n', NUL-terminated,
** n bytes, numbered from 1) until fn returns non-zero. EXIT_USAGE when the
** file cannot be read; else what fn last returned.
*/
typedef int (*line_fn)(void *ud, char *line, size_t n, size_t lineno);

static int for_each_line(const char *path, line_fn fn, void *ud) {
  char *buf;
  size_t len;
  if (cli_read_file(path, &buf, &len) != 0) {
    fprintf(stderr, "bunryu eval: %s: %s\n", path, strerror(errno));
    return EXIT_USAGE;
  }
  int rc = 0;
  size_t lineno = 0;
  for (char *line = buf; line && rc == 0;) {
    char *nl = memchr(line, '\n', (size_t)(buf + len - line));
    size_t n = nl ? (size_t)(nl - line) : (size_t)(buf + len - line);
    line[n] = '\0';
    rc = fn(ud, line, n, ++lineno);
    line = nl ? nl + 1 : NULL;
  }
  free(buf);
  return rc;
}

/* Whether line[0..n) holds anything but white space. */
static bool has_text(const char *line, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isspace((unsigned char)line[i])) return true;
  return false;
}

static int eval_label_line(eval_state *st, const char *dir, char *line,
                           size_t lineno) {
  rstrip(line);
  if (line[0] == '\0' || line[0] == '#') return 0;
  char *tab = strchr(line, '\t');
  if (!tab || tab[1] == '\0') {
    fprintf(stderr, "bunryu eval: labels line %zu: expected file<TAB>category\n",
            lineno);
    return EXIT_USAGE;
  }
  *tab = '\0';
  doc_eval *d = new_doc(st);
  if (!d) return EXIT_USAGE;
  char id[512];
  cli_doc_id(line, id, sizeof id);
  d->id = xstrdup(id);
  d->file = xstrdup(line);
  d->gold = cat_index(st, tab + 1);
  char *path = path_join(dir, line);
  if (!d->id || !d->file || !path || d->gold == EVAL_ERROR) {
    free(path);
    return EXIT_USAGE;
  }
  char *buf;
  size_t len;
  if (cli_read_file(path, &buf, &len) != 0) {
    fprintf(stderr, "bunryu eval: %s: %s\n", path, strerror(errno));
    st->n_failed++;
  } else {
    scan_doc(st, d, NULL, buf, len);
    free(buf);
  }
  free(path);
  return 0;
}

typedef struct labels_ctx {
  eval_state *st;
  const char *dir;
} labels_ctx;

static int on_label_line(void *ud, char *line, size_t n, size_t lineno) {
  labels_ctx *c = ud;
  (void)n;
  return eval_label_line(c->st, c->dir, line, lineno);
}

static int eval_labels(eval_state *st, const char *labels, const char *dir) {
  labels_ctx c = {st, dir};
  return for_each_line(labels, on_label_line, &c);
}

/* One JSONL record: {"id", "title", "text", "category"}. */
static int eval_jsonl_line(eval_state *st, const char *line, size_t len,
                           size_t lineno) {
  jv rec;
  if (json_parse(line, len, &rec) != 0 || rec.kind != JV_OBJ) {
    if (rec.kind != JV_OBJ) jv_free(&rec);
    fprintf(stderr, "bunryu eval: jsonl line %zu: not a JSON object\n", lineno);
    return EXIT_USAGE;
  }
  const char *id = jv_str(&rec, "id"), *title = jv_str(&rec, "title");
  const char *text = jv_str(&rec, "text"), *cat = jv_str(&rec, "category");
  char idbuf[32];
  if (!id) {
    snprintf(idbuf, sizeof idbuf, "line%zu", lineno);
    id = idbuf;
  }
  if (!cat || !text) {
    fprintf(stderr, "bunryu eval: jsonl line %zu: needs \"text\" and \"category\"\n",
            lineno);
    jv_free(&rec);
    return EXIT_USAGE;
  }
  doc_eval *d = new_doc(st);
  int rc = EXIT_USAGE;
  if (d && (d->id = xstrdup(id)) && (d->gold = cat_index(st, cat)) != EVAL_ERROR) {
    scan_doc(st, d, title, text, strlen(text));
    rc = 0;
  }
  jv_free(&rec);
  return rc;
}

static int on_jsonl_line(void *ud, char *line, size_t n, size_t lineno) {
  return has_text(line, n) ? eval_jsonl_line(ud, line, n, lineno) : 0;
}

static int eval_jsonl(eval_state *st, const char *path) {
  return for_each_line(path, on_jsonl_line, st);
}

/* ======================================================================
** Entities
** =================================================================== */

/* Equal after dropping white space and folding ASCII case. */
static bool loose_equal(const char *a, const char *b) {
  for (;;) {
    while (*a && isspace((unsigned char)*a)) a++;
    while (*b && isspace((unsigned char)*b)) b++;
    if (!*a || !*b) return !*a && !*b;
    if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return false;
    a++;
    b++;
  }
}

static bool gold_matches(const gold_entity *g, const got_entity *e) {
  if (strcmp(g->type, e->type) != 0) return false;
  if (loose_equal(g->canonical, e->name) || loose_equal(g->canonical, e->text))
    return true;
  for (size_t i = 0; i < g->n_surface; i++)
    if (loose_equal(g->surface[i], e->text) || loose_equal(g->surface[i], e->name))
      return true;
  return false;
}

static ent_count *ecount(eval_state *st, const char *type) {
  for (size_t i = 0; i < st->n_ecounts; i++)
    if (strcmp(st->ecounts[i].type, type) == 0) return &st->ecounts[i];
  ent_count *c = realloc(st->ecounts, (st->n_ecounts + 1) * sizeof *c);
  if (!c) return NULL;
  st->ecounts = c;
  c = &c[st->n_ecounts];
  memset(c, 0, sizeof *c);
  if (!(c->type = xstrdup(type))) return NULL;
  st->n_ecounts++;
  return c;
}

static void gold_free(gold_entity *g, size_t n) {
  for (size_t i = 0; i < n; i++) {
    for (size_t j = 0; j < g[i].n_surface; j++) free(g[i].surface[j]);
    free(g[i].surface);
    free(g[i].type);
    free(g[i].canonical);
  }
  free(g);
}

/* Copies the annotations of one record ("entities": [...]) into *out. */
static int gold_read(const jv *rec, gold_entity **out, size_t *n) {
  const jv *arr = jv_get(rec, "entities");
  *out = NULL;
  *n = 0;
  if (!arr || arr->kind != JV_ARR) return arr ? -1 : 0;
  gold_entity *g = calloc(arr->n ? arr->n : 1, sizeof *g);
  if (!g) return -1;
  for (size_t i = 0; i < arr->n; i++) {
    const jv *e = &arr->items[i], *sf = jv_get(e, "surface"), *opt = jv_get(e, "optional");
    const char *type = jv_str(e, "type"), *canon = jv_str(e, "canonical");
    if (!type || !canon) continue;
    gold_entity *x = &g[(*n)++];
    x->type = xstrdup(type);
    x->canonical = xstrdup(canon);
    x->optional = opt && opt->kind == JV_BOOL && opt->b;
    if (sf && sf->kind == JV_ARR && sf->n) {
      x->surface = calloc(sf->n, sizeof *x->surface);
      for (size_t j = 0; x->surface && j < sf->n; j++)
        if (sf->items[j].kind == JV_STR)
          x->surface[x->n_surface++] = xstrdup(sf->items[j].str);
    }
  }
  *out = g;
  return 0;
}

/* The document an annotation record names ("file" or "id"), or NULL. */
static doc_eval *find_doc(eval_state *st, const jv *rec) {
  const char *file = jv_str(rec, "file"), *id = jv_str(rec, "id");
  char fid[512];
  if (file) cli_doc_id(file, fid, sizeof fid);
  for (size_t i = 0; i < st->n_docs; i++) {
    doc_eval *d = &st->docs[i];
    if (file && ((d->file && strcmp(d->file, file) == 0) || strcmp(d->id, fid) == 0))
      return d;
    if (!file && id && strcmp(d->id, id) == 0) return d;
  }
  return NULL;
}

/* Counts one document: extracted entities against its annotations. */
static int score_entities(eval_state *st, const doc_eval *d, gold_entity *g,
                          size_t ng, bool json) {
  for (size_t i = 0; i < ng; i++) {
    ent_count *c = ecount(st, g[i].type);
    if (!c) return -1;
    if (!g[i].optional) c->gold++;
  }
  for (size_t k = 0; k < d->n_ents; k++) {
    const got_entity *e = &d->ents[k];
    bool hit = false, opt = false;
    for (size_t i = 0; i < ng; i++) {
      if (!gold_matches(&g[i], e)) continue;
      if (g[i].optional) {
        opt = true;
        continue;
      }
      hit = true;
      g[i].found = true;
    }
    ent_count *c = ecount(st, e->type);
    if (!c) return -1;
    if (hit) c->tp++;
    else if (!opt) {
      c->fp++;
      if (!json)
        printf("  %-20s extra   %-8s %s (\"%s\")\n", d->id, e->type, e->name, e->text);
    }
  }
  for (size_t i = 0; i < ng; i++) {
    if (g[i].optional) continue;
    ent_count *c = ecount(st, g[i].type);
    if (g[i].found) c->found++;
    else {
      c->fn++;
      if (!json) printf("  %-20s missed  %-8s %s\n", d->id, g[i].type, g[i].canonical);
    }
  }
  return 0;
}

typedef struct entities_ctx {
  eval_state *st;
  const char *path;
  bool json;
} entities_ctx;

/* One line of entities.jsonl ('#' comments and blank lines are passed). */
static int on_entities_line(void *ud, char *line, size_t n, size_t lineno) {
  entities_ctx *c = ud;
  if (lineno == 1 && !c->json) printf("\nentity differences:\n");
  const char *q = line;
  while (q < line + n && isspace((unsigned char)*q)) q++;
  if (q == line + n || *q == '#') return 0;
  jv rec;
  if (json_parse(line, n, &rec) != 0) {
    fprintf(stderr, "bunryu eval: %s:%zu: not JSON\n", c->path, lineno);
    return EXIT_USAGE;
  }
  int rc = 0;
  gold_entity *g = NULL;
  size_t ng = 0;
  doc_eval *d = find_doc(c->st, &rec);
  if (d && d->pred != EVAL_ERROR && gold_read(&rec, &g, &ng) == 0) {
    c->st->n_ent_docs++;
    if (score_entities(c->st, d, g, ng, c->json) != 0) rc = EXIT_USAGE;
  }
  gold_free(g, ng);
  jv_free(&rec);
  return rc;
}

static int eval_entities(eval_state *st, const char *path, bool json) {
  entities_ctx c = {st, path, json};
  return for_each_line(path, on_entities_line, &c);
}

/* ======================================================================
** Reports
** =================================================================== */

static double ratio(size_t a, size_t b) { return b ? (double)a / (double)b : 0.0; }

static double f1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0.0; }

typedef struct cat_stats {
  size_t tp, fp, fn, support;
} cat_stats;

static cat_stats cat_count(const eval_state *st, int c) {
  cat_stats s = {0, 0, 0, 0};
  for (size_t i = 0; i < st->n_docs; i++) {
    const doc_eval *d = &st->docs[i];
    if (d->gold == c) s.support++;
    if (d->gold == c && d->pred == c) s.tp++;
    else if (d->pred == c) s.fp++;
    else if (d->gold == c) s.fn++;
  }
  return s;
}

static size_t n_correct(const eval_state *st) {
  size_t k = 0;
  for (size_t i = 0; i < st->n_docs; i++)
    if (st->docs[i].gold == st->docs[i].pred) k++;
  return k;
}

static const char *cat_name(const eval_state *st, int c) {
  if (c == EVAL_NONE) return "(none)";
  if (c == EVAL_ERROR) return "(error)";
  return st->cats[c];
}

/* Column of the confusion matrix: categories, then none, then error. */
static size_t conf_col(const eval_state *st, int c) {
  return c >= 0 ? (size_t)c : c == EVAL_NONE ? st->n_cats : st->n_cats + 1;
}

static void print_confusion(const eval_state *st) {
  size_t ncol = st->n_cats + 2;
  printf("\nconfusion (rows: expected, columns: predicted)\n%-22s", "");
  for (size_t j = 0; j < ncol; j++) {
    char head[9];
    snprintf(head, sizeof head, "%s", j < st->n_cats ? st->cats[j] : j == st->n_cats ? "none" : "error");
    printf(" %8s", head);
  }
  printf("\n");
  for (size_t i = 0; i < st->n_cats; i++) {
    printf("%-22s", st->cats[i]);
    for (size_t j = 0; j < ncol; j++) {
      size_t k = 0;
      for (size_t x = 0; x < st->n_docs; x++)
        if (st->docs[x].gold == (int)i && conf_col(st, st->docs[x].pred) == j) k++;
      printf(" %8zu", k);
    }
    printf("\n");
  }
}

static void print_misclassified(const eval_state *st) {
  printf("\nmisclassified:\n");
  size_t shown = 0;
  for (size_t i = 0; i < st->n_docs; i++) {
    const doc_eval *d = &st->docs[i];
    if (d->gold == d->pred) continue;
    shown++;
    printf("  %-20s expected %-20s got %-20s", d->id, cat_name(st, d->gold),
           cat_name(st, d->pred));
    for (int k = 0; k < 2 && d->top[k] >= 0; k++)
      printf("%s%s %.2f", k ? ", " : " (", st->cats[d->top[k]], d->score[k]);
    printf("%s\n", d->top[0] >= 0 ? ")" : "");
  }
  if (!shown) printf("  (none)\n");
}

static void print_entity_table(const eval_state *st) {
  printf("\nentities (%zu documents annotated)\n", st->n_ent_docs);
  printf("%-12s %9s %7s %6s %5s %5s %5s\n", "type", "precision", "recall", "f1",
         "tp", "fp", "fn");
  for (size_t i = 0; i < st->n_ecounts; i++) {
    const ent_count *c = &st->ecounts[i];
    double p = ratio(c->tp, c->tp + c->fp), r = ratio(c->found, c->gold);
    printf("%-12s %9.3f %7.3f %6.3f %5zu %5zu %5zu\n", c->type, p, r, f1(p, r),
           c->tp, c->fp, c->fn);
  }
}

static void print_text(const eval_state *st, const char *rules) {
  size_t k = n_correct(st);
  printf("\neval: %zu documents, %zu correct, accuracy %.4f (rules: %s)\n",
         st->n_docs, k, ratio(k, st->n_docs), rules);
  if (st->n_failed) printf("%zu documents failed\n", st->n_failed);
  printf("\n%-22s %9s %7s %6s %8s\n", "category", "precision", "recall", "f1",
         "support");
  for (size_t c = 0; c < st->n_cats; c++) {
    cat_stats s = cat_count(st, (int)c);
    double p = ratio(s.tp, s.tp + s.fp), r = ratio(s.tp, s.tp + s.fn);
    printf("%-22s %9.3f %7.3f %6.3f %8zu\n", st->cats[c], p, r, f1(p, r), s.support);
  }
  print_confusion(st);
  print_misclassified(st);
}

/* Writes s as a JSON string. */
static void json_str(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c == '\n') printf("\\n");
    else if (c == '\t') printf("\\t");
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void json_categories(const eval_state *st) {
  printf(",\"categories\":[");
  for (size_t c = 0; c < st->n_cats; c++) {
    cat_stats s = cat_count(st, (int)c);
    double p = ratio(s.tp, s.tp + s.fp), r = ratio(s.tp, s.tp + s.fn);
    printf("%s{\"name\":", c ? "," : "");
    json_str(st->cats[c]);
    printf(",\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f,\"support\":%zu}", p, r,
           f1(p, r), s.support);
  }
  printf("],\"confusion\":{\"labels\":[");
  for (size_t c = 0; c < st->n_cats; c++) {
    if (c) putchar(',');
    json_str(st->cats[c]);
  }
  printf(",null,\"(error)\"],\"matrix\":[");
  for (size_t i = 0; i < st->n_cats; i++) {
    printf("%s[", i ? "," : "");
    for (size_t j = 0; j < st->n_cats + 2; j++) {
      size_t k = 0;
      for (size_t x = 0; x < st->n_docs; x++)
        if (st->docs[x].gold == (int)i && conf_col(st, st->docs[x].pred) == j) k++;
      printf("%s%zu", j ? "," : "", k);
    }
    putchar(']');
  }
  printf("]}");
}

static void json_misclassified(const eval_state *st) {
  printf(",\"misclassified\":[");
  bool first = true;
  for (size_t i = 0; i < st->n_docs; i++) {
    const doc_eval *d = &st->docs[i];
    if (d->gold == d->pred) continue;
    printf("%s{\"id\":", first ? "" : ",");
    first = false;
    json_str(d->id);
    printf(",\"expected\":");
    json_str(cat_name(st, d->gold));
    printf(",\"predicted\":");
    if (d->pred >= 0) json_str(cat_name(st, d->pred));
    else printf(d->pred == EVAL_NONE ? "null" : "\"(error)\"");
    printf(",\"top\":[");
    for (int k = 0; k < 2 && d->top[k] >= 0; k++) {
      printf("%s{\"name\":", k ? "," : "");
      json_str(st->cats[d->top[k]]);
      printf(",\"score\":%.4f}", d->score[k]);
    }
    printf("]}");
  }
  putchar(']');
}

static void json_entities(const eval_state *st) {
  printf(",\"entities\":{\"documents\":%zu,\"types\":{", st->n_ent_docs);
  for (size_t i = 0; i < st->n_ecounts; i++) {
    const ent_count *c = &st->ecounts[i];
    double p = ratio(c->tp, c->tp + c->fp), r = ratio(c->found, c->gold);
    printf("%s", i ? "," : "");
    json_str(c->type);
    printf(":{\"precision\":%.4f,\"recall\":%.4f,\"f1\":%.4f,\"tp\":%zu,"
           "\"fp\":%zu,\"fn\":%zu}",
           p, r, f1(p, r), c->tp, c->fp, c->fn);
  }
  printf("}}");
}

static void print_json(const eval_state *st, bool entities) {
  size_t k = n_correct(st);
  printf("{\"documents\":%zu,\"correct\":%zu,\"accuracy\":%.4f,\"failed\":%zu",
         st->n_docs, k, ratio(k, st->n_docs), st->n_failed);
  json_categories(st);
  json_misclassified(st);
  if (entities) json_entities(st);
  printf("}\n");
}

/* ======================================================================
** Command
** =================================================================== */

static void usage(void) {
  fprintf(stderr,
          "usage: bunryu eval [-r RULES] --labels labels.tsv DIR [options]\n"
          "       bunryu eval [-r RULES] --jsonl FILE [options]\n"
          "options:\n"
          "  --entities FILE             entity annotations (JSONL: file, entities)\n"
          "  --json                      one JSON object instead of the report\n"
          "  --min-accuracy X            exit 1 when accuracy < X (0..1)\n"
          "  --min-entity-precision X    exit 1 when a type's precision < X\n"
          "  --min-entity-recall X       exit 1 when a type's recall < X\n");
}

static int parse_ratio(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= 0.0 && v <= 1.0)) return -1;
  *out = v;
  return 0;
}

/* The value of option argv[*i] (advancing *i), or NULL when missing. */
static const char *opt_value(int argc, char **argv, int *i) {
  if (*i + 1 >= argc) {
    fprintf(stderr, "bunryu eval: %s needs a value\n", argv[*i]);
    return NULL;
  }
  return argv[++*i];
}

static int parse_ratio_opt(int argc, char **argv, int *i, double *out) {
  const char *name = argv[*i], *v = opt_value(argc, argv, i);
  if (!v) return -1;
  if (parse_ratio(v, out) != 0) {
    fprintf(stderr, "bunryu eval: %s: '%s' is not a number in 0..1\n", name, v);
    return -1;
  }
  return 0;
}

static int parse_args(int argc, char **argv, eval_opts *o) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char **slot = NULL;
    if (!strcmp(a, "-r") || !strcmp(a, "--rules")) slot = &o->rules;
    else if (!strcmp(a, "--labels")) slot = &o->labels;
    else if (!strcmp(a, "--jsonl")) slot = &o->jsonl;
    else if (!strcmp(a, "--entities")) slot = &o->entities;
    else if (!strcmp(a, "--json")) o->json = true;
    else if (!strcmp(a, "--min-accuracy")) {
      if (parse_ratio_opt(argc, argv, &i, &o->min_accuracy)) return -1;
    } else if (!strcmp(a, "--min-entity-precision")) {
      if (parse_ratio_opt(argc, argv, &i, &o->min_ent_precision)) return -1;
    } else if (!strcmp(a, "--min-entity-recall")) {
      if (parse_ratio_opt(argc, argv, &i, &o->min_ent_recall)) return -1;
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) return -1;
    else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "bunryu eval: unknown option %s\n", a);
      return -1;
    } else if (!o->dir) o->dir = a;
    else {
      fprintf(stderr, "bunryu eval: one folder only (got %s)\n", a);
      return -1;
    }
    if (slot && !(*slot = opt_value(argc, argv, &i))) return -1;
  }
  if (!o->labels == !o->jsonl || (o->labels && !o->dir) || (o->jsonl && o->dir)) {
    fprintf(stderr, "bunryu eval: give --labels FILE DIR, or --jsonl FILE\n");
    return -1;
  }
  return 0;
}

/* 1 when a floor of the options is not met, else 0. */
static int check_floors(const eval_state *st, const eval_opts *o) {
  int rc = 0;
  double acc = ratio(n_correct(st), st->n_docs);
  if (o->min_accuracy >= 0 && acc + 1e-9 < o->min_accuracy) {
    fprintf(stderr, "bunryu eval: accuracy %.4f is below %.4f\n", acc, o->min_accuracy);
    rc = 1;
  }
  for (size_t i = 0; o->entities && i < st->n_ecounts; i++) {
    const ent_count *c = &st->ecounts[i];
    double p = ratio(c->tp, c->tp + c->fp), r = ratio(c->found, c->gold);
    if (o->min_ent_precision >= 0 && c->tp + c->fp && p + 1e-9 < o->min_ent_precision) {
      fprintf(stderr, "bunryu eval: %s precision %.4f is below %.4f\n", c->type, p,
              o->min_ent_precision);
      rc = 1;
    }
    if (o->min_ent_recall >= 0 && c->gold && r + 1e-9 < o->min_ent_recall) {
      fprintf(stderr, "bunryu eval: %s recall %.4f is below %.4f\n", c->type, r,
              o->min_ent_recall);
      rc = 1;
    }
  }
  return rc;
}

static int eval_setup(eval_state *st, const char *rules) {
  st->engine = cli_load_engine(rules);
  if (!st->engine) return EXIT_USAGE;
  char err[256] = "";
  st->scanner = bunryu_scanner_new(st->engine, err, sizeof err);
  if (!st->scanner) {
    fprintf(stderr, "bunryu eval: %s\n", err[0] ? err : "cannot make a scanner");
    return EXIT_USAGE;
  }
  st->n_engine_cats = bunryu_engine_category_count(st->engine);
  st->cats = calloc(st->n_engine_cats ? st->n_engine_cats : 1, sizeof *st->cats);
  if (!st->cats) return EXIT_USAGE;
  for (size_t i = 0; i < st->n_engine_cats; i++) {
    if (!(st->cats[i] = xstrdup(bunryu_engine_category_name(st->engine, i))))
      return EXIT_USAGE;
    st->n_cats++;
  }
  return 0;
}

int cmd_eval(int argc, char **argv) {
  eval_opts o = {NULL, NULL, NULL, NULL, NULL, false, -1.0, -1.0, -1.0};
  if (parse_args(argc, argv, &o) != 0) {
    usage();
    return EXIT_USAGE;
  }
  if (!o.rules) o.rules = cli_default_rules();
  eval_state st;
  memset(&st, 0, sizeof st);
  int rc = eval_setup(&st, o.rules);
  if (rc == 0)
    rc = o.labels ? eval_labels(&st, o.labels, o.dir) : eval_jsonl(&st, o.jsonl);
  if (rc == 0 && st.n_docs == 0) {
    fprintf(stderr, "bunryu eval: no documents\n");
    rc = EXIT_USAGE;
  }
  if (rc == 0 && !o.json) print_text(&st, o.rules);
  if (rc == 0 && o.entities) rc = eval_entities(&st, o.entities, o.json);
  if (rc == 0) {
    if (o.json) print_json(&st, o.entities != NULL);
    else if (o.entities) print_entity_table(&st);
    rc = check_floors(&st, &o);
    if (st.n_failed) rc = 1;
  }
  eval_free(&st);
  return rc;
}
