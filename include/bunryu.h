/*
** bunryu.h — the whole public C API of bunryu (분류), an embeddable,
** Lua-scriptable content classification engine.
**
** Lifetimes, in the manner of YARA and PCRE2:
**   bunryu_builder  mutable: categories, keywords, regexes, entity aliases
**                   are added to it (directly, or from Lua rule files);
**   bunryu_engine   immutable compiled rules, built once from a builder and
**                   shared by any number of threads;
**   bunryu_scanner  per-thread scratch (buffers, the Lua state for hooks);
**                   reused for any number of documents;
**   bunryu_result   owned by its scanner, valid until the scanner's next
**                   scan or until the scanner is freed.
**
** Errors are values: functions that can fail return BUNRYU_OK (0) or a
** negative BUNRYU_E* code; bunryu_strerror() names the code and the object
** involved keeps a message (with file, line and regex offset where they
** apply). The library never prints, exits or aborts, and keeps no global
** mutable state.
*/
#ifndef BUNRYU_H
#define BUNRYU_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(BUNRYU_SHARED)
#define BUNRYU_EXPORT __declspec(dllexport)
#elif defined(__GNUC__)
#define BUNRYU_EXPORT __attribute__((visibility("default")))
#else
#define BUNRYU_EXPORT
#endif

#define BUNRYU_VERSION_MAJOR 0
#define BUNRYU_VERSION_MINOR 1
#define BUNRYU_VERSION_PATCH 0
#define BUNRYU_VERSION_STRING "0.1.0"
/** Version as one comparable number: major * 10000 + minor * 100 + patch. */
#define BUNRYU_VERSION                                                     \
  (BUNRYU_VERSION_MAJOR * 10000 + BUNRYU_VERSION_MINOR * 100 +             \
   BUNRYU_VERSION_PATCH)

/** The version of the library actually linked, e.g. "0.1.0". */
BUNRYU_EXPORT const char *bunryu_version(void);

/* ------------------------------------------------------------------------
** Status codes
** --------------------------------------------------------------------- */
enum {
  BUNRYU_OK = 0,
  BUNRYU_ENOMEM = -1,   /* an allocation failed (or a memory cap was hit) */
  BUNRYU_EINVAL = -2,   /* a bad argument (NULL handle, unknown id, …) */
  BUNRYU_EUTF8 = -3,    /* the input is not valid UTF-8 */
  BUNRYU_ETOOBIG = -4,  /* the input exceeds BUNRYU_LIMIT_INPUT_BYTES */
  BUNRYU_ELIMIT = -5,   /* a regex or Lua limit stopped the work */
  BUNRYU_ERULE = -6,    /* a rule is wrong (syntax, bad regex, …) */
  BUNRYU_EIO = -7,      /* a rule file or dictionary could not be read */
  BUNRYU_EHOOK = -8     /* a Lua hook raised an error for this document */
};

/** A static, human-readable name for a status code; never NULL. */
BUNRYU_EXPORT const char *bunryu_strerror(int code);

/* ------------------------------------------------------------------------
** Allocation
** --------------------------------------------------------------------- */
/**
** The allocator hook, shaped like lua_Alloc: when nsize is 0 it frees ptr
** (osize is its size) and returns NULL; otherwise it (re)allocates ptr from
** osize to nsize bytes and returns NULL on failure, leaving ptr intact.
** ptr is NULL for fresh allocations (osize then carries no meaning). Every
** allocation of the library, of PCRE2 and of the hooks' Lua states goes
** through the hook given to bunryu_builder_new_with_alloc().
*/
typedef void *(*bunryu_alloc_fn)(void *ud, void *ptr, size_t osize,
                                 size_t nsize);

/* ------------------------------------------------------------------------
** Flags (bit sets; 0 is always the default)
** --------------------------------------------------------------------- */
/* For keywords and entity aliases. */
/** Match after NFKC and case folding (ＯｐｅｎＡＩ, openai, OPENAI). The
    default is NFC and exact case. */
#define BUNRYU_LIT_CASELESS (1u << 0)
/** Hangul whole word: not inside a longer word (메타 not in 메타버스, 라마
    not in 드라마), though Korean particles may follow (메타는, 메타의). */
#define BUNRYU_LIT_WORD (1u << 1)

/* For regexes. */
/** PCRE2 caseless matching on the NFKC + case-folded text. */
#define BUNRYU_RE_CASELESS (1u << 0)

/* For scans. */
/** Replace invalid UTF-8 with U+FFFD instead of failing with BUNRYU_EUTF8. */
#define BUNRYU_SCAN_REPLACE_INVALID (1u << 0)
/** Keep the evidence (every hit with its weight) in the result. */
#define BUNRYU_SCAN_EVIDENCE (1u << 1)

/* For bunryu_result_json(). */
/** Add the evidence array (needs BUNRYU_SCAN_EVIDENCE at scan time). */
#define BUNRYU_JSON_EVIDENCE (1u << 0)
/** Leave out elapsed_us, so that output is byte-for-byte reproducible. */
#define BUNRYU_JSON_NO_TIMING (1u << 1)

/* Zones of a document, as bits so that a keyword can be limited to some. */
#define BUNRYU_ZONE_TITLE (1u << 0) /* the first non-empty line */
#define BUNRYU_ZONE_LEAD (1u << 1)  /* the first lines of the body */
#define BUNRYU_ZONE_BODY (1u << 2)  /* the rest */
#define BUNRYU_ZONE_ALL (BUNRYU_ZONE_TITLE | BUNRYU_ZONE_LEAD | BUNRYU_ZONE_BODY)

/* ------------------------------------------------------------------------
** Limits (defaults and meaning: core/limits.h)
** --------------------------------------------------------------------- */
typedef enum bunryu_limit {
  BUNRYU_LIMIT_INPUT_BYTES = 0,   /* largest document accepted */
  BUNRYU_LIMIT_REGEX_MATCH,       /* pcre2_set_match_limit */
  BUNRYU_LIMIT_REGEX_DEPTH,       /* pcre2_set_depth_limit */
  BUNRYU_LIMIT_REGEX_HEAP_KB,     /* pcre2_set_heap_limit, in KiB */
  BUNRYU_LIMIT_HITS,              /* hits kept per document */
  BUNRYU_LIMIT_LUA_INSTRUCTIONS,  /* per hook call */
  BUNRYU_LIMIT_LUA_MEMORY,        /* bytes per scanner Lua state */
  BUNRYU_LIMIT_LOAD_INSTRUCTIONS, /* per rule file while loading */
  BUNRYU_LIMIT_REQUIRE_DEPTH,     /* nesting of require in rule files */
  BUNRYU_LIMIT_LEAD_BYTES,        /* how much of the body is the lead */
  BUNRYU_LIMIT_COUNT_
} bunryu_limit;

/* ------------------------------------------------------------------------
** Builder: collect rules, then compile them into an engine
** --------------------------------------------------------------------- */
typedef struct bunryu_builder bunryu_builder;
typedef struct bunryu_engine bunryu_engine;
typedef struct bunryu_scanner bunryu_scanner;
typedef struct bunryu_result bunryu_result;

/** A new, empty builder using malloc; NULL when out of memory. */
BUNRYU_EXPORT bunryu_builder *bunryu_builder_new(void);
/** The same with an allocator hook (see bunryu_alloc_fn); the engine built
    from it and its scanners use the same hook. */
BUNRYU_EXPORT bunryu_builder *bunryu_builder_new_with_alloc(bunryu_alloc_fn fn,
                                                            void *ud);
/** Frees the builder (not the engines built from it). NULL is fine. */
BUNRYU_EXPORT void bunryu_builder_free(bunryu_builder *b);

/** Sets one limit; BUNRYU_EINVAL for an unknown limit. 0 keeps the default. */
BUNRYU_EXPORT int bunryu_builder_set_limit(bunryu_builder *b, bunryu_limit which,
                                           uint64_t value);
/** Reads a limit as it stands (the default until set). */
BUNRYU_EXPORT uint64_t bunryu_builder_get_limit(const bunryu_builder *b,
                                                bunryu_limit which);

/** Attaches a source location to the rules added next, for diagnostics and
    evidence; file is copied. NULL file clears it. */
BUNRYU_EXPORT int bunryu_builder_set_location(bunryu_builder *b,
                                              const char *file, int line);

/** Adds a category and returns its id (>= 0), or a negative code (a second
    category of the same name is BUNRYU_ERULE). label may be NULL. */
BUNRYU_EXPORT int bunryu_builder_add_category(bunryu_builder *b,
                                              const char *name,
                                              const char *label);
/** Looks a category up by name: its id, or BUNRYU_EINVAL. */
BUNRYU_EXPORT int bunryu_builder_find_category(const bunryu_builder *b,
                                               const char *name);
/** Multiplies the weight of hits in one zone (a BUNRYU_ZONE_* bit) for this
    category; the default is 1 everywhere. */
BUNRYU_EXPORT int bunryu_builder_set_zone_weight(bunryu_builder *b, int category,
                                                 unsigned zone, double weight);
/** The least score at which this category can be the label (default: the
    global threshold, itself 1.0 unless set with category -1). */
BUNRYU_EXPORT int bunryu_builder_set_threshold(bunryu_builder *b, int category,
                                               double threshold);
/** How many occurrences of one keyword or pattern count toward the score
    (0: all; the default). */
BUNRYU_EXPORT int bunryu_builder_set_max_count(bunryu_builder *b, int category,
                                              unsigned max_count);

/** Adds a literal keyword to a category with a weight (negative weights are
    penalties), the zones it counts in (0 means all) and BUNRYU_LIT_* flags.
    A keyword that normalizes to nothing is BUNRYU_ERULE. */
BUNRYU_EXPORT int bunryu_builder_add_keyword(bunryu_builder *b, int category,
                                             const char *term, double weight,
                                             unsigned zones, unsigned flags);
/** Adds a PCRE2 pattern (UTF, UCP) to a category. A pattern that does not
    compile is BUNRYU_ERULE with the offset inside the pattern in the
    diagnostic. */
BUNRYU_EXPORT int bunryu_builder_add_pattern(bunryu_builder *b, int category,
                                             const char *regex, double weight,
                                             unsigned zones, unsigned flags);

/** Adds an entity type ("company", "law") and returns its id (>= 0). When
    two entities overlap in a document the longer wins, then the higher
    priority. Adding an existing type returns its id. */
BUNRYU_EXPORT int bunryu_builder_add_entity_type(bunryu_builder *b,
                                                 const char *type,
                                                 int priority);
/** Adds an alias of an entity: when alias occurs in a document, the entity
    canonical is reported. An alias mapped to two canonical names of the same
    type is BUNRYU_ERULE. */
BUNRYU_EXPORT int bunryu_builder_add_alias(bunryu_builder *b, int entity_type,
                                           const char *canonical,
                                           const char *alias, unsigned flags);
/** Adds a regex that finds entities of a type. The canonical name is the
    named group "name" if the pattern has one (else the whole match), mapped
    through the type's aliases when it equals one. */
BUNRYU_EXPORT int bunryu_builder_add_entity_pattern(bunryu_builder *b,
                                                    int entity_type,
                                                    const char *regex,
                                                    unsigned flags);
/** Adds a regex whose matches are ignored: no keyword, pattern or entity hit
    inside them counts (source lines, URLs). */
BUNRYU_EXPORT int bunryu_builder_add_ignore(bunryu_builder *b,
                                            const char *regex, unsigned flags);

/**
** Loads Lua rules from a file or a folder (all its *.lua files, in byte
** order of their names) into the builder; see README.md "Rule language".
** On failure returns BUNRYU_ERULE or BUNRYU_EIO with diagnostics.
*/
BUNRYU_EXPORT int bunryu_builder_load_rules(bunryu_builder *b, const char *path);

/** Compiles the builder into a new engine (*out). On failure *out is NULL
    and the diagnostics say why. The builder stays usable. */
BUNRYU_EXPORT int bunryu_builder_build(bunryu_builder *b, bunryu_engine **out);
/** How many threads bunryu_builder_build() may use: 1, the default, builds
    on the calling thread alone; with 2 or more the regexes (and the checks
    that bound where they run) are compiled on a thread of the build's own
    while the literal automaton is built on the calling thread, and the
    allocator hook is called from both. The engine is the same either way.
    BUNRYU_EINVAL for 0. */
BUNRYU_EXPORT int bunryu_builder_set_threads(bunryu_builder *b, unsigned n);

/* Diagnostics: every error and warning since the builder was made. */
#define BUNRYU_DIAG_ERROR 0
#define BUNRYU_DIAG_WARNING 1
/** How many diagnostics the builder holds. */
BUNRYU_EXPORT size_t bunryu_builder_diag_count(const bunryu_builder *b);
/** The message of diagnostic i (NULL when out of range), with its severity,
    file (NULL when unknown), line (0 when unknown) and offset inside a
    regex (-1 when not a regex error). Pointers live as long as the builder. */
BUNRYU_EXPORT const char *bunryu_builder_diag(const bunryu_builder *b, size_t i,
                                              int *severity, const char **file,
                                              int *line, int *offset);
/** The latest error as one "file:line: message" string ("" when none). */
BUNRYU_EXPORT const char *bunryu_builder_error(const bunryu_builder *b);

/* ------------------------------------------------------------------------
** Engine
** --------------------------------------------------------------------- */
/**
** One-call load: reads Lua rules from path and builds an engine. On failure
** returns a negative code and writes "file:line: message" into errbuf (if
** errbuf is not NULL).
*/
BUNRYU_EXPORT int bunryu_engine_load(const char *path, bunryu_engine **out,
                                     char *errbuf, size_t errlen);
/** Drops the caller's reference. The engine itself lives on until its last
    scanner is freed, so a host can swap in a new engine at any time. */
BUNRYU_EXPORT void bunryu_engine_free(bunryu_engine *e);
/** Number of categories, and their names and labels by id. */
BUNRYU_EXPORT size_t bunryu_engine_category_count(const bunryu_engine *e);
BUNRYU_EXPORT const char *bunryu_engine_category_name(const bunryu_engine *e,
                                                      size_t id);
BUNRYU_EXPORT const char *bunryu_engine_category_label(const bunryu_engine *e,
                                                       size_t id);
/** Number of distinct literals (keywords and aliases) in the automaton. */
BUNRYU_EXPORT size_t bunryu_engine_literal_count(const bunryu_engine *e);
/** Bytes held by the compiled engine (automaton, regexes, tables). */
BUNRYU_EXPORT size_t bunryu_engine_memory(const bunryu_engine *e);
/** Whether the rules define a per-document Lua hook. */
BUNRYU_EXPORT int bunryu_engine_has_hooks(const bunryu_engine *e);

/* ------------------------------------------------------------------------
** Scanner
** --------------------------------------------------------------------- */
/** A new scanner on e (which it keeps alive). NULL on failure, with the
    reason in errbuf when given (a Lua hook state that fails to load). */
BUNRYU_EXPORT bunryu_scanner *bunryu_scanner_new(bunryu_engine *e, char *errbuf,
                                                 size_t errlen);
/** Frees the scanner and its result; NULL is fine. */
BUNRYU_EXPORT void bunryu_scanner_free(bunryu_scanner *s);

/**
** Classifies one plain-text document: its first non-empty line is the
** title zone, the next BUNRYU_LIMIT_LEAD_BYTES of the body the lead, the
** rest the body. Byte offsets in the result refer to text. flags:
** BUNRYU_SCAN_*. *out is always set (unless s or out is NULL): on failure it
** is a result that carries the error (bunryu_result_error) and renders as an
** error record.
*/
BUNRYU_EXPORT int bunryu_scan(bunryu_scanner *s, const char *text, size_t len,
                              unsigned flags, const bunryu_result **out);
/**
** The same for a document whose title and body come apart (a JSONL record).
** Offsets of hits and entities in the title refer to title, those in the body
** to body; bunryu_result_entity() says which zone.
*/
BUNRYU_EXPORT int bunryu_scan_zones(bunryu_scanner *s, const char *title,
                                    size_t title_len, const char *body,
                                    size_t body_len, unsigned flags,
                                    const bunryu_result **out);

/* ------------------------------------------------------------------------
** Result (owned by the scanner; valid until its next scan)
** --------------------------------------------------------------------- */
/** BUNRYU_OK, or the code the document failed with. */
BUNRYU_EXPORT int bunryu_result_error(const bunryu_result *r);
/** The failure message ("" when none). */
BUNRYU_EXPORT const char *bunryu_result_error_message(const bunryu_result *r);
/** The label (a category name), or NULL when no category reached its
    threshold. */
BUNRYU_EXPORT const char *bunryu_result_label(const bunryu_result *r);
/** Categories with a score above zero, highest first. */
BUNRYU_EXPORT size_t bunryu_result_category_count(const bunryu_result *r);
BUNRYU_EXPORT const char *bunryu_result_category_name(const bunryu_result *r,
                                                      size_t i);
BUNRYU_EXPORT double bunryu_result_category_score(const bunryu_result *r,
                                                  size_t i);

/** Entities: one per distinct (type, name), with its first surface form as
    it stands in the input and where, in order of first occurrence. */
BUNRYU_EXPORT size_t bunryu_result_entity_count(const bunryu_result *r);
/** Fills the out-parameters of entity i (any may be NULL); BUNRYU_EINVAL when
    i is out of range. text is not NUL-terminated: use text_len. zone is a
    BUNRYU_ZONE_* bit. */
BUNRYU_EXPORT int bunryu_result_entity(const bunryu_result *r, size_t i,
                                       const char **type, const char **name,
                                       const char **text, size_t *text_len,
                                       size_t *start, size_t *end,
                                       size_t *count, unsigned *zone);

/** Evidence (with BUNRYU_SCAN_EVIDENCE): every hit that counted. */
BUNRYU_EXPORT size_t bunryu_result_hit_count(const bunryu_result *r);
/** Hit i: the category (NULL for an entity hit), the term or pattern, the
    zone bit, the byte span in the input, the 1-based line and the weight
    it added. */
BUNRYU_EXPORT int bunryu_result_hit(const bunryu_result *r, size_t i,
                                    const char **category, const char **term,
                                    unsigned *zone, size_t *start, size_t *end,
                                    size_t *line, double *weight);

/** Where the rule behind hit i was declared: file (NULL when unknown) and
    line (0 when unknown); whether it counted (0: inside a longer hit of the
    same category, or past its max_count). */
BUNRYU_EXPORT int bunryu_result_hit_source(const bunryu_result *r, size_t i,
                                           const char **file, int *line,
                                           int *counted);

/** Microseconds the scan took. */
BUNRYU_EXPORT uint64_t bunryu_result_elapsed_us(const bunryu_result *r);

/**
** Renders the result as one JSON object (DESIGN.md "Output"), without a
** trailing newline. id and path may be NULL (then left out). The string is
** owned by the scanner and lives until its next scan; NULL on ENOMEM.
*/
BUNRYU_EXPORT const char *bunryu_result_json(const bunryu_result *r,
                                             const char *id, const char *path,
                                             unsigned flags, size_t *len);

#ifdef __cplusplus
}
#endif
#endif /* BUNRYU_H */
