/*
** builder.c — collecting rules: categories, keywords, patterns, entity
** types and aliases, with diagnostics. Compilation is in core/compile.c.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "limits.h"
#include "text.h"

/* ======================================================================
** Limits and defaults
** ==================================================================== */

static const uint64_t limit_defaults[BUNRYU_LIMIT_COUNT_] = {
    [BUNRYU_LIMIT_INPUT_BYTES] = LIMIT_INPUT_BYTES_DEFAULT,
    [BUNRYU_LIMIT_REGEX_MATCH] = LIMIT_REGEX_MATCH_DEFAULT,
    [BUNRYU_LIMIT_REGEX_DEPTH] = LIMIT_REGEX_DEPTH_DEFAULT,
    [BUNRYU_LIMIT_REGEX_HEAP_KB] = LIMIT_REGEX_HEAP_KB_DEFAULT,
    [BUNRYU_LIMIT_HITS] = LIMIT_HITS_DEFAULT,
    [BUNRYU_LIMIT_LUA_INSTRUCTIONS] = LIMIT_LUA_INSTRUCTIONS_DEFAULT,
    [BUNRYU_LIMIT_LUA_MEMORY] = LIMIT_LUA_MEMORY_DEFAULT,
    [BUNRYU_LIMIT_LOAD_INSTRUCTIONS] = LIMIT_LOAD_INSTRUCTIONS_DEFAULT,
    [BUNRYU_LIMIT_REQUIRE_DEPTH] = LIMIT_REQUIRE_DEPTH_DEFAULT,
    [BUNRYU_LIMIT_LEAD_BYTES] = LIMIT_LEAD_BYTES_DEFAULT,
};

bunryu_builder *bunryu_builder_new(void) {
  return bunryu_builder_new_with_alloc(mem_default_alloc, NULL);
}

bunryu_builder *bunryu_builder_new_with_alloc(bunryu_alloc_fn fn, void *ud) {
  if (!fn) return NULL;
  mem m = {fn, ud};
  bunryu_builder *b = mem_calloc(&m, 1, sizeof *b);
  if (!b) return NULL;
  b->m = m;
  memcpy(b->lim.v, limit_defaults, sizeof b->lim.v);
  b->threshold = 1.0;
  b->threads = 1;
  return b;
}

int bunryu_builder_set_threads(bunryu_builder *b, unsigned n) {
  if (!b || n == 0) return BUNRYU_EINVAL;
  b->threads = n;
  return BUNRYU_OK;
}

void literal_free(const mem *m, literal *l) {
  mem_free(m, l->text, l->len + 1);
  mem_strfree(m, l->source);
  mem_strfree(m, l->canonical);
}

void pattern_free(const mem *m, pattern *p) {
  mem_strfree(m, p->source);
  regex_free(p->re);
  regex_free(p->suffix);
  regex_walk_free(p->walk);
}

void category_free(const mem *m, category_def *c) {
  mem_strfree(m, c->name);
  mem_strfree(m, c->label);
}

void bunryu_builder_free(bunryu_builder *b) {
  if (!b) return;
  const mem *m = &b->m;
  for (size_t i = 0; i < b->n_cats; i++) category_free(m, &b->cats[i]);
  for (size_t i = 0; i < b->n_lits; i++) literal_free(m, &b->lits[i]);
  for (size_t i = 0; i < b->n_pats; i++) pattern_free(m, &b->pats[i]);
  for (size_t i = 0; i < b->n_ents; i++) mem_strfree(m, b->ents[i].name);
  for (size_t i = 0; i < b->n_diags; i++) {
    mem_strfree(m, b->diags[i].message);
    mem_strfree(m, b->diags[i].file);
  }
  for (size_t i = 0; i < b->n_files; i++) mem_strfree(m, b->files[i]);
  mem_free(m, b->cats, b->cap_cats * sizeof *b->cats);
  mem_free(m, b->lits, b->cap_lits * sizeof *b->lits);
  mem_free(m, b->pats, b->cap_pats * sizeof *b->pats);
  mem_free(m, b->ents, b->cap_ents * sizeof *b->ents);
  mem_free(m, b->diags, b->cap_diags * sizeof *b->diags);
  mem_free(m, b->files, b->cap_files * sizeof *b->files);
  mem_free(m, b->alias_slots, b->n_alias_slots * sizeof *b->alias_slots);
  mem_strfree(m, b->last_error);
  if (b->hooks) b->hooks->release(b->hook_rules);
  mem_free(m, b, sizeof *b);
}

int bunryu_builder_set_limit(bunryu_builder *b, bunryu_limit which,
                             uint64_t value) {
  if (!b || (unsigned)which >= BUNRYU_LIMIT_COUNT_) return BUNRYU_EINVAL;
  b->lim.v[which] = value ? value : limit_defaults[which];
  return BUNRYU_OK;
}

uint64_t bunryu_builder_get_limit(const bunryu_builder *b, bunryu_limit which) {
  if (!b || (unsigned)which >= BUNRYU_LIMIT_COUNT_) return 0;
  return b->lim.v[which];
}

/* ======================================================================
** Diagnostics
** ==================================================================== */

/*
** Interns a file name so that rule_loc can point at it for the builder's
** life (and, copied, the engine's).
*/
static const char *intern_file(bunryu_builder *b, const char *file) {
  for (size_t i = 0; i < b->n_files; i++)
    if (strcmp(b->files[i], file) == 0) return b->files[i];
  if (mem_grow(&b->m, (void **)&b->files, &b->cap_files, b->n_files + 1,
               sizeof *b->files) < 0)
    return NULL;
  char *copy = mem_strdup(&b->m, file);
  if (!copy) return NULL;
  b->files[b->n_files++] = copy;
  return copy;
}

int bunryu_builder_set_location(bunryu_builder *b, const char *file, int line) {
  if (!b) return BUNRYU_EINVAL;
  if (!file) {
    b->loc = (rule_loc){NULL, 0};
    return BUNRYU_OK;
  }
  const char *f = intern_file(b, file);
  if (!f) return BUNRYU_ENOMEM;
  b->loc = (rule_loc){f, line};
  return BUNRYU_OK;
}

static void set_last_error(bunryu_builder *b, const diag *d) {
  char buf[1200];
  if (d->file && d->line > 0)
    snprintf(buf, sizeof buf, "%s:%d: %s", d->file, d->line, d->message);
  else if (d->file)
    snprintf(buf, sizeof buf, "%s: %s", d->file, d->message);
  else
    snprintf(buf, sizeof buf, "%s", d->message);
  char *copy = mem_strdup(&b->m, buf);
  if (!copy) return;
  mem_strfree(&b->m, b->last_error);
  b->last_error = copy;
}

int builder_diag(bunryu_builder *b, int severity, int code, const char *file,
                 int line, int offset, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!file) file = b->loc.file;
  if (line <= 0 && file == b->loc.file) line = b->loc.line;
  if (mem_grow(&b->m, (void **)&b->diags, &b->cap_diags, b->n_diags + 1,
               sizeof *b->diags) < 0)
    return code;
  diag d = {severity, mem_strdup(&b->m, msg), file ? mem_strdup(&b->m, file) : NULL,
            line, offset};
  if (!d.message) {
    mem_strfree(&b->m, d.file);
    return code;
  }
  b->diags[b->n_diags++] = d;
  if (severity == BUNRYU_DIAG_ERROR) set_last_error(b, &d);
  return code;
}

size_t bunryu_builder_diag_count(const bunryu_builder *b) {
  return b ? b->n_diags : 0;
}

const char *bunryu_builder_diag(const bunryu_builder *b, size_t i,
                                int *severity, const char **file, int *line,
                                int *offset) {
  if (!b || i >= b->n_diags) return NULL;
  const diag *d = &b->diags[i];
  if (severity) *severity = d->severity;
  if (file) *file = d->file;
  if (line) *line = d->line;
  if (offset) *offset = d->offset;
  return d->message;
}

const char *bunryu_builder_error(const bunryu_builder *b) {
  return b && b->last_error ? b->last_error : "";
}

void builder_set_hooks(bunryu_builder *b, const hook_vtable *vt, void *rules) {
  if (b->hooks) b->hooks->release(b->hook_rules);
  b->hooks = vt;
  b->hook_rules = rules;
  if (vt) vt->retain(rules);
}

/* ======================================================================
** Categories and entity types
** ==================================================================== */

static int check_id(const bunryu_builder *b, int id, size_t n) {
  return b && id >= 0 && (size_t)id < n;
}

int bunryu_builder_find_category(const bunryu_builder *b, const char *name) {
  if (!b || !name) return BUNRYU_EINVAL;
  for (size_t i = 0; i < b->n_cats; i++)
    if (strcmp(b->cats[i].name, name) == 0) return (int)i;
  return BUNRYU_EINVAL;
}

int bunryu_builder_add_category(bunryu_builder *b, const char *name,
                                const char *label) {
  if (!b || !name || !*name)
    return b ? builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_EINVAL, NULL, 0, -1,
                            "category name is empty")
             : BUNRYU_EINVAL;
  if (bunryu_builder_find_category(b, name) >= 0)
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, NULL, 0, -1,
                        "category \"%s\" is declared twice", name);
  if (b->n_cats >= INT32_MAX ||
      mem_grow(&b->m, (void **)&b->cats, &b->cap_cats, b->n_cats + 1,
               sizeof *b->cats) < 0)
    return BUNRYU_ENOMEM;
  category_def c = {0};
  c.name = mem_strdup(&b->m, name);
  c.label = mem_strdup(&b->m, label ? label : name);
  if (!c.name || !c.label) {
    category_free(&b->m, &c);
    return BUNRYU_ENOMEM;
  }
  c.zone_weight[0] = c.zone_weight[1] = c.zone_weight[2] = 1.0;
  c.threshold = -1.0;
  c.loc = b->loc;
  b->cats[b->n_cats] = c;
  return (int)b->n_cats++;
}

/* Index 0..2 of a single zone bit, or -1. */
static int zone_index(unsigned zone) {
  switch (zone) {
  case BUNRYU_ZONE_TITLE: return 0;
  case BUNRYU_ZONE_LEAD: return 1;
  case BUNRYU_ZONE_BODY: return 2;
  default: return -1;
  }
}

int bunryu_builder_set_zone_weight(bunryu_builder *b, int category,
                                   unsigned zone, double weight) {
  if (!check_id(b, category, b ? b->n_cats : 0)) return BUNRYU_EINVAL;
  int zi = zone_index(zone);
  if (zi < 0 || weight != weight)
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_EINVAL, NULL, 0, -1,
                        "bad zone weight");
  b->cats[category].zone_weight[zi] = weight;
  return BUNRYU_OK;
}

int bunryu_builder_set_threshold(bunryu_builder *b, int category,
                                 double threshold) {
  if (!b || threshold != threshold) return BUNRYU_EINVAL;
  if (category == -1) {
    b->threshold = threshold;
    return BUNRYU_OK;
  }
  if (!check_id(b, category, b->n_cats)) return BUNRYU_EINVAL;
  b->cats[category].threshold = threshold;
  return BUNRYU_OK;
}

int bunryu_builder_set_max_count(bunryu_builder *b, int category,
                                 unsigned max_count) {
  if (!check_id(b, category, b ? b->n_cats : 0)) return BUNRYU_EINVAL;
  b->cats[category].max_count = max_count;
  return BUNRYU_OK;
}

int bunryu_builder_add_entity_type(bunryu_builder *b, const char *type,
                                   int priority) {
  if (!b || !type || !*type)
    return b ? builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_EINVAL, NULL, 0, -1,
                            "entity type name is empty")
             : BUNRYU_EINVAL;
  for (size_t i = 0; i < b->n_ents; i++)
    if (strcmp(b->ents[i].name, type) == 0) {
      b->ents[i].priority = priority;
      return (int)i;
    }
  if (b->n_ents >= INT32_MAX ||
      mem_grow(&b->m, (void **)&b->ents, &b->cap_ents, b->n_ents + 1,
               sizeof *b->ents) < 0)
    return BUNRYU_ENOMEM;
  char *name = mem_strdup(&b->m, type);
  if (!name) return BUNRYU_ENOMEM;
  b->ents[b->n_ents] = (entity_def){name, priority, b->loc};
  return (int)b->n_ents++;
}

/* ======================================================================
** Literals
** ==================================================================== */

static unsigned norm_zones(unsigned zones) {
  zones &= BUNRYU_ZONE_ALL;
  return zones ? zones : BUNRYU_ZONE_ALL;
}

/*
** Normalizes a keyword or alias the way the text it must match will be:
** NFC (exact case) or NFKC + case folding. An empty result is an error: it
** could never match.
*/
static int normalize_term(bunryu_builder *b, const char *term, unsigned flags,
                          char **out, size_t *out_len) {
  enum norm_mode mode = (flags & BUNRYU_LIT_CASELESS) ? NORM_NFKC_CF : NORM_NFC;
  int rc = text_normalize_string(&b->m, term, strlen(term), mode, out, out_len);
  if (rc == BUNRYU_EUTF8)
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, NULL, 0, -1,
                        "\"%s\" is not valid UTF-8", term);
  if (rc != BUNRYU_OK) return rc;
  if (*out_len == 0) {
    mem_free(&b->m, *out, 1);
    *out = NULL;
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, NULL, 0, -1,
                        "\"%s\" is empty after normalization and can never "
                        "match", term);
  }
  return BUNRYU_OK;
}

/* Appends a literal; takes ownership of text (freed on failure). */
static int push_literal(bunryu_builder *b, literal *l) {
  if (mem_grow(&b->m, (void **)&b->lits, &b->cap_lits, b->n_lits + 1,
               sizeof *b->lits) < 0) {
    literal_free(&b->m, l);
    return BUNRYU_ENOMEM;
  }
  b->lits[b->n_lits++] = *l;
  return BUNRYU_OK;
}

static void warn_unmatchable(bunryu_builder *b, const char *term,
                             const char *norm, size_t len) {
  if (memchr(norm, '\n', len))
    builder_diag(b, BUNRYU_DIAG_WARNING, 0, NULL, 0, -1,
                 "\"%s\" contains a line break; title and lead zones end at "
                 "line ends, so it matches only inside the body", term);
  if (norm[0] == ' ' || norm[len - 1] == ' ')
    builder_diag(b, BUNRYU_DIAG_WARNING, 0, NULL, 0, -1,
                 "\"%s\" begins or ends with a space", term);
}

int bunryu_builder_add_keyword(bunryu_builder *b, int category,
                               const char *term, double weight,
                               unsigned zones, unsigned flags) {
  if (!check_id(b, category, b ? b->n_cats : 0) || !term)
    return BUNRYU_EINVAL;
  if (weight != weight)
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_EINVAL, NULL, 0, -1,
                        "keyword \"%s\" has a weight that is not a number",
                        term);
  literal l = {0};
  int rc = normalize_term(b, term, flags, &l.text, &l.len);
  if (rc != BUNRYU_OK) return rc;
  warn_unmatchable(b, term, l.text, l.len);
  l.kind = HIT_KEYWORD;
  l.owner = category;
  l.source = mem_strdup(&b->m, term);
  l.weight = weight;
  l.zones = norm_zones(zones);
  l.flags = flags & (BUNRYU_LIT_CASELESS | BUNRYU_LIT_WORD);
  l.loc = b->loc;
  if (!l.source) {
    literal_free(&b->m, &l);
    return BUNRYU_ENOMEM;
  }
  return push_literal(b, &l);
}

uint64_t hash_bytes(const void *p, size_t n, uint64_t seed) {
  const unsigned char *s = p;
  uint64_t h = 1469598103934665603ull ^ seed;
  for (size_t i = 0; i < n; i++) h = (h ^ s[i]) * 1099511628211ull;
  return h;
}

static uint64_t alias_hash(int type, const char *norm, size_t len,
                           unsigned flags) {
  return hash_bytes(norm, len,
                    (uint64_t)type * 2 + !!(flags & BUNRYU_LIT_CASELESS));
}

static bool alias_equal(const literal *l, int type, const char *norm,
                        size_t len, unsigned flags) {
  return l->owner == type && l->len == len &&
         (l->flags & BUNRYU_LIT_CASELESS) == (flags & BUNRYU_LIT_CASELESS) &&
         memcmp(l->text, norm, len) == 0;
}

/*
** The slot of alias (type, norm) in the alias set: the slot holding it, or
** the empty slot where it would go. The set is never full (load <= 1/2).
*/
static size_t alias_slot(const bunryu_builder *b, int type, const char *norm,
                         size_t len, unsigned flags) {
  size_t mask = b->n_alias_slots - 1;
  size_t i = alias_hash(type, norm, len, flags) & mask;
  while (b->alias_slots[i] &&
         !alias_equal(&b->lits[b->alias_slots[i] - 1], type, norm, len, flags))
    i = (i + 1) & mask;
  return i;
}

/* Doubles the alias set when it is half full. */
static int alias_reserve(bunryu_builder *b) {
  if ((b->n_alias_used + 1) * 2 <= b->n_alias_slots) return BUNRYU_OK;
  size_t n = b->n_alias_slots ? b->n_alias_slots * 2 : 256;
  uint32_t *old = b->alias_slots;
  size_t n_old = b->n_alias_slots;
  b->alias_slots = mem_calloc(&b->m, n, sizeof *b->alias_slots);
  if (!b->alias_slots) {
    b->alias_slots = old;
    return BUNRYU_ENOMEM;
  }
  b->n_alias_slots = n;
  for (size_t i = 0; i < n_old; i++) {
    if (!old[i]) continue;
    const literal *l = &b->lits[old[i] - 1];
    b->alias_slots[alias_slot(b, l->owner, l->text, l->len, l->flags)] = old[i];
  }
  mem_free(&b->m, old, n_old * sizeof *old);
  return BUNRYU_OK;
}

int bunryu_builder_add_alias(bunryu_builder *b, int entity_type,
                             const char *canonical, const char *alias,
                             unsigned flags) {
  if (!check_id(b, entity_type, b ? b->n_ents : 0) || !canonical || !alias)
    return BUNRYU_EINVAL;
  if (!*canonical)
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, NULL, 0, -1,
                        "alias \"%s\" has an empty canonical name", alias);
  literal l = {0};
  int rc = normalize_term(b, alias, flags, &l.text, &l.len);
  if (rc != BUNRYU_OK) return rc;
  if (alias_reserve(b) != BUNRYU_OK || b->n_lits >= UINT32_MAX - 1) {
    literal_free(&b->m, &l);
    return BUNRYU_ENOMEM;
  }
  size_t slot = alias_slot(b, entity_type, l.text, l.len, flags);
  if (b->alias_slots[slot]) {
    const literal *prev = &b->lits[b->alias_slots[slot] - 1];
    int same = strcmp(prev->canonical, canonical) == 0;
    literal_free(&b->m, &l);
    if (same) return BUNRYU_OK;
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, NULL, 0, -1,
                        "alias \"%s\" of %s is mapped to two canonical names: "
                        "\"%s\" (%s:%d) and \"%s\"",
                        alias, b->ents[entity_type].name, prev->canonical,
                        prev->loc.file ? prev->loc.file : "?", prev->loc.line,
                        canonical);
  }
  warn_unmatchable(b, alias, l.text, l.len);
  l.kind = HIT_ENTITY;
  l.owner = entity_type;
  l.source = mem_strdup(&b->m, alias);
  l.canonical = mem_strdup(&b->m, canonical);
  l.zones = BUNRYU_ZONE_ALL;
  l.flags = flags & (BUNRYU_LIT_CASELESS | BUNRYU_LIT_WORD);
  l.loc = b->loc;
  if (!l.source || !l.canonical) {
    literal_free(&b->m, &l);
    return BUNRYU_ENOMEM;
  }
  rc = push_literal(b, &l);
  if (rc == BUNRYU_OK) {
    b->alias_slots[slot] = (uint32_t)b->n_lits;
    b->n_alias_used++;
  }
  return rc;
}

/* ======================================================================
** Patterns
** ==================================================================== */

/*
** Compiles a pattern now, so that a bad one is reported where it was
** declared (with the offset inside it); the engine compiles its own copy.
*/
static int add_pattern(bunryu_builder *b, int role, int owner,
                       const char *source, double weight, unsigned zones,
                       unsigned flags) {
  char err[256];
  size_t off = 0;
  bool jit_ok = true;
  regex *re = NULL;
  bool caseless = (flags & BUNRYU_RE_CASELESS) != 0;
  int rc = regex_compile(&b->m, source, caseless, &re, &jit_ok, err,
                         sizeof err, &off);
  if (rc == BUNRYU_ENOMEM) return rc;
  if (rc != BUNRYU_OK)
    return builder_diag(b, BUNRYU_DIAG_ERROR, BUNRYU_ERULE, NULL, 0, (int)off,
                        "bad regex at offset %zu: %s: %s", off, err, source);
  if (!jit_ok)
    builder_diag(b, BUNRYU_DIAG_WARNING, 0, NULL, 0, -1,
                 "regex cannot be JIT-compiled and will run interpreted: %s",
                 source);
  pattern p = {0};
  p.role = role;
  p.owner = owner;
  p.source = mem_strdup(&b->m, source);
  p.re = re;
  p.name_group = regex_group(re, "name");
  p.weight = weight;
  p.zones = norm_zones(zones);
  p.flags = flags & BUNRYU_RE_CASELESS;
  p.loc = b->loc;
  if (!p.source ||
      mem_grow(&b->m, (void **)&b->pats, &b->cap_pats, b->n_pats + 1,
               sizeof *b->pats) < 0) {
    pattern_free(&b->m, &p);
    return BUNRYU_ENOMEM;
  }
  b->pats[b->n_pats++] = p;
  return BUNRYU_OK;
}

int bunryu_builder_add_pattern(bunryu_builder *b, int category,
                               const char *regex_src, double weight,
                               unsigned zones, unsigned flags) {
  if (!check_id(b, category, b ? b->n_cats : 0) || !regex_src)
    return BUNRYU_EINVAL;
  if (weight != weight) return BUNRYU_EINVAL;
  return add_pattern(b, PAT_CATEGORY, category, regex_src, weight, zones,
                     flags);
}

int bunryu_builder_add_entity_pattern(bunryu_builder *b, int entity_type,
                                      const char *regex_src, unsigned flags) {
  if (!check_id(b, entity_type, b ? b->n_ents : 0) || !regex_src)
    return BUNRYU_EINVAL;
  return add_pattern(b, PAT_ENTITY, entity_type, regex_src, 0.0,
                     BUNRYU_ZONE_ALL, flags);
}

int bunryu_builder_add_ignore(bunryu_builder *b, const char *regex_src,
                              unsigned flags) {
  if (!b || !regex_src) return BUNRYU_EINVAL;
  return add_pattern(b, PAT_IGNORE, -1, regex_src, 0.0, BUNRYU_ZONE_ALL,
                     flags);
}
