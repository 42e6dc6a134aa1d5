/*
** literals.h — the multi-pattern literal matcher (Aho-Corasick over bytes).
**
** Every keyword and dictionary alias of every rule goes into one automaton
** that scans a normalized text once. ASCII letters are matched without
** regard to case (the byte alphabet folds A-Z onto a-z), so one automaton
** serves both exact-case patterns (verified by the caller with memcmp) and
** caseless ones. Patterns are byte strings; identical strings are stored
** once and reported once per occurrence, under the id given when added.
**
** Scanning cost must not grow with the number of patterns beyond cache
** effects: 10,000 patterns may not scan 10x slower than 100.
*/
#ifndef BUNRYU_LITERALS_H
#define BUNRYU_LITERALS_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"

typedef struct lit_builder lit_builder;
typedef struct lit_matcher lit_matcher;

lit_builder *lit_builder_new(const mem *m);
void lit_builder_free(lit_builder *b);

/*
** Adds pattern bytes p[0..len) (len >= 1) and returns its string id, a
** dense index from 0: adding a byte string equal to an earlier one (after
** ASCII case folding) returns the earlier id. -1 on allocation failure.
*/
int32_t lit_builder_add(lit_builder *b, const char *p, size_t len);

/* Number of distinct strings added so far. */
size_t lit_builder_count(const lit_builder *b);

/* Compiles the automaton; NULL on allocation failure. The builder may be
   freed afterwards. An automaton with no patterns is valid and finds
   nothing. */
lit_matcher *lit_matcher_build(lit_builder *b);
void lit_matcher_free(lit_matcher *mt);

/* Bytes held by the compiled automaton. */
size_t lit_matcher_memory(const lit_matcher *mt);
/* States beyond the dense budget (the tests make sure both kinds run). */
size_t lit_matcher_sparse_states(const lit_matcher *mt);

/* Length in bytes of string id. */
size_t lit_matcher_pattern_len(const lit_matcher *mt, int32_t id);
/* The lengths of all patterns, indexed by id: for callbacks that need the
   start of every hit (one load instead of a call). */
const uint32_t *lit_matcher_pattern_lengths(const lit_matcher *mt);

/*
** Called for every occurrence, overlapping ones included, in order of end
** position: string `id` occupies text[end - len, end). Return non-zero to
** stop the scan (lit_scan then returns that value).
*/
typedef int (*lit_hit_fn)(void *ud, int32_t id, size_t end);

/* Scans text[0..len); returns 0 or the callback's non-zero value. */
int lit_scan(const lit_matcher *mt, const char *text, size_t len,
             lit_hit_fn on_hit, void *ud);

#endif
