/*
** fuzz_classify.c — document bytes through bunryu_scan and
** bunryu_scan_zones, on a rule set that uses every feature of the rule
** language (tests/fuzz/all_features.lua: keywords with every option,
** patterns, negative terms, entities from a dictionary, aliases and
** patterns with a name group, ignore spans, require, a classify hook).
** BUNRYU_FUZZ_RULES=path selects other rules (e.g. the default pack,
** BUNRYU_FUZZ_RULES=rules).
**
** Input: the first byte chooses how to scan, the rest is the document.
**   bit 0  BUNRYU_SCAN_REPLACE_INVALID
**   bit 1  BUNRYU_SCAN_EVIDENCE (and the JSON with evidence)
**   bit 2  bunryu_scan_zones: the title is up to the first '\n', the body
**          the rest, each in a buffer of its own exact size
**   bit 3  scan twice: the second result must render the same JSON
** Every result is checked against the API's promises (fuzz_util.h): spans
** inside the input, entity text equal to the input bytes it names, scores
** positive and ranked, a label that is a category, an error that says why.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bunryu.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bunryu_engine *engine;
static bunryu_scanner *scanner;
static int verbose; /* BUNRYU_FUZZ_VERBOSE=1: print each result's JSON */

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  char path[4096];
  const char *env = getenv("BUNRYU_FUZZ_RULES");
  if (env && *env)
    snprintf(path, sizeof path, "%s", env);
  else
    fuzz_data_path(argc && *argc > 0 ? (*argv)[0] : NULL, "all_features.lua",
                   path, sizeof path);
  verbose = getenv("BUNRYU_FUZZ_VERBOSE") != NULL;
  bunryu_builder *b = bunryu_builder_new();
  if (!b) fuzz_setup_failed(NULL, "bunryu_builder_new");
  /* Limits small enough that a misbehaving hook or regex costs little. */
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LUA_INSTRUCTIONS, 200000);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_LUA_MEMORY, 2u << 20);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_REGEX_MATCH, 200000);
  bunryu_builder_set_limit(b, BUNRYU_LIMIT_INPUT_BYTES, 1u << 20);
  if (bunryu_builder_load_rules(b, path) != BUNRYU_OK)
    fuzz_setup_failed(b, path);
  if (bunryu_builder_build(b, &engine) != BUNRYU_OK)
    fuzz_setup_failed(b, "bunryu_builder_build");
  bunryu_builder_free(b);
  char err[512] = "";
  scanner = bunryu_scanner_new(engine, err, sizeof err);
  if (!scanner) {
    fprintf(stderr, "fuzz setup: bunryu_scanner_new: %s\n", err);
    exit(1);
  }
  /* Both live until the process ends (libFuzzer never returns). */
  return 0;
}

/* A copy of n bytes in a buffer of exactly n bytes (1 when n is 0), so
   that AddressSanitizer sees any read past the end of a zone. */
static char *exact_copy(const uint8_t *p, size_t n) {
  char *c = malloc(n ? n : 1);
  if (!c) abort();
  if (n) memcpy(c, p, n);
  return c;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  unsigned ctl = data[0];
  data++;
  size--;
  unsigned flags = 0;
  if (ctl & 1) flags |= BUNRYU_SCAN_REPLACE_INVALID;
  if (ctl & 2) flags |= BUNRYU_SCAN_EVIDENCE;
  const char *zt[2];
  size_t zl[2];
  char *title = NULL, *body = NULL;
  if (ctl & 4) {
    const uint8_t *nl = memchr(data, '\n', size);
    size_t tl = nl ? (size_t)(nl - data) : size;
    size_t bl = nl ? size - tl - 1 : 0;
    title = exact_copy(data, tl);
    body = exact_copy(nl ? nl + 1 : data + size, bl);
    zt[0] = title, zl[0] = tl;
    zt[1] = body, zl[1] = bl;
  } else {
    body = exact_copy(data, size);
    zt[0] = zt[1] = body;
    zl[0] = zl[1] = size;
  }
  int runs = (ctl & 8) ? 2 : 1;
  char *first_json = NULL;
  for (int run = 0; run < runs; run++) {
    const bunryu_result *r = NULL;
    int rc = (ctl & 4) ? bunryu_scan_zones(scanner, title, zl[0], body, zl[1],
                                           flags, &r)
                       : bunryu_scan(scanner, body, size, flags, &r);
    fuzz_check_result(engine, r, rc, zt, zl, flags);
    const char *json = bunryu_result_json(r, "x", NULL, BUNRYU_JSON_NO_TIMING,
                                          NULL);
    FUZZ_REQUIRE(json != NULL);
    if (verbose) printf("%s\n", json);
    if (run == 0 && runs > 1) {
      first_json = strdup(json);
      if (!first_json) abort();
    } else if (first_json) {
      if (strcmp(first_json, json) != 0) {
        fprintf(stderr, "first:  %s\nsecond: %s\n", first_json, json);
        FUZZ_REQUIRE(!"two scans of one document differ");
      }
    }
  }
  free(first_json);
  free(title);
  free(body);
  return 0;
}
