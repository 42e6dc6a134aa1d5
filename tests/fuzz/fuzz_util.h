/*
** fuzz_util.h — what the fuzz targets share: locating their data files,
** a temp folder of their own, and an invariant check that stops the run
** (abort, which libFuzzer and the replay driver report as a crash).
*/
#ifndef BUNRYU_FUZZ_UTIL_H
#define BUNRYU_FUZZ_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bunryu.h"

/* An invariant the library promises; a violation is a bug worth a crash. */
#define FUZZ_REQUIRE(cond)                                                  \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,  \
              #cond);                                                       \
      abort();                                                              \
    }                                                                       \
  } while (0)

/*
** The path of a file of tests/fuzz (all_features.lua …) into out: the
** folder of this source file as compiled (__FILE__ is relative to the
** repository root when built by the Makefile), else two folders up from
** the binary (build-fuzz/fuzz/x -> tests/fuzz), else the name as given.
*/
static inline void fuzz_data_path(const char *argv0, const char *name,
                                  char *out, size_t outlen) {
  const char *src = __FILE__;
  const char *slash = strrchr(src, '/');
  snprintf(out, outlen, "%.*s%s", slash ? (int)(slash - src + 1) : 0, src,
           name);
  if (access(out, R_OK) == 0) return;
  if (argv0 && (slash = strrchr(argv0, '/')) != NULL) {
    snprintf(out, outlen, "%.*s/../../tests/fuzz/%s", (int)(slash - argv0),
             argv0, name);
    if (access(out, R_OK) == 0) return;
  }
  snprintf(out, outlen, "%s", name);
}

/* Prints the builder's diagnostics and exits: the fuzz setup is broken. */
static inline void fuzz_setup_failed(bunryu_builder *b, const char *what) {
  fprintf(stderr, "fuzz setup: %s failed\n", what);
  for (size_t i = 0; b && i < bunryu_builder_diag_count(b); i++) {
    const char *file;
    int line;
    const char *msg = bunryu_builder_diag(b, i, NULL, &file, &line, NULL);
    fprintf(stderr, "  %s:%d: %s\n", file ? file : "?", line, msg);
  }
  exit(1);
}

/*
** Checks what a scan returned against the API's promises. zone_text and
** zone_len give the input of each zone: [0] the title (bunryu_scan_zones)
** and [1] the body, or the whole input in both for bunryu_scan.
*/
static inline void fuzz_check_result(const bunryu_engine *e,
                                     const bunryu_result *r, int rc,
                                     const char *const zone_text[2],
                                     const size_t zone_len[2],
                                     unsigned flags) {
  FUZZ_REQUIRE(r != NULL);
  FUZZ_REQUIRE(bunryu_result_error(r) == rc);
  const char *msg = bunryu_result_error_message(r);
  FUZZ_REQUIRE(msg != NULL);
  size_t jl = 0;
  const char *json = bunryu_result_json(r, "fuzz", "fuzz/doc.txt",
                                        (flags & BUNRYU_SCAN_EVIDENCE)
                                            ? BUNRYU_JSON_EVIDENCE
                                            : BUNRYU_JSON_NO_TIMING,
                                        &jl);
  FUZZ_REQUIRE(json != NULL);
  FUZZ_REQUIRE(strlen(json) == jl);
  FUZZ_REQUIRE(json[0] == '{' && json[jl - 1] == '}');
  if (rc != BUNRYU_OK) {
    FUZZ_REQUIRE(msg[0] != '\0');
    FUZZ_REQUIRE(strstr(json, "\"error\"") != NULL);
    return;
  }
  size_t ncat = bunryu_result_category_count(r);
  FUZZ_REQUIRE(ncat <= bunryu_engine_category_count(e));
  for (size_t i = 0; i < ncat; i++) {
    double sc = bunryu_result_category_score(r, i);
    FUZZ_REQUIRE(bunryu_result_category_name(r, i) != NULL);
    FUZZ_REQUIRE(sc > 0);
    if (i > 0) FUZZ_REQUIRE(sc <= bunryu_result_category_score(r, i - 1));
  }
  const char *label = bunryu_result_label(r);
  if (label) {
    int known = 0;
    for (size_t i = 0; i < bunryu_engine_category_count(e); i++)
      if (strcmp(label, bunryu_engine_category_name(e, i)) == 0) known = 1;
    FUZZ_REQUIRE(known);
  }
  for (size_t i = 0; i < bunryu_result_entity_count(r); i++) {
    const char *type, *name, *text;
    size_t tl, start, end, count;
    unsigned zone;
    FUZZ_REQUIRE(bunryu_result_entity(r, i, &type, &name, &text, &tl, &start,
                                      &end, &count, &zone) == BUNRYU_OK);
    FUZZ_REQUIRE(type && name && count >= 1);
    int z = zone == BUNRYU_ZONE_TITLE ? 0 : 1;
    FUZZ_REQUIRE(start <= end && end <= zone_len[z]);
    FUZZ_REQUIRE(tl == end - start);
    FUZZ_REQUIRE(tl == 0 || memcmp(text, zone_text[z] + start, tl) == 0);
  }
  FUZZ_REQUIRE(bunryu_result_entity(r, bunryu_result_entity_count(r), NULL,
                                    NULL, NULL, NULL, NULL, NULL, NULL,
                                    NULL) == BUNRYU_EINVAL);
  if (flags & BUNRYU_SCAN_EVIDENCE) {
    for (size_t i = 0; i < bunryu_result_hit_count(r); i++) {
      const char *cat, *term, *file;
      unsigned zone;
      size_t start, end, line;
      double w;
      int fline, counted;
      FUZZ_REQUIRE(bunryu_result_hit(r, i, &cat, &term, &zone, &start, &end,
                                     &line, &w) == BUNRYU_OK);
      FUZZ_REQUIRE(bunryu_result_hit_source(r, i, &file, &fline, &counted) ==
                   BUNRYU_OK);
      int z = zone == BUNRYU_ZONE_TITLE ? 0 : 1;
      FUZZ_REQUIRE(term != NULL);
      FUZZ_REQUIRE(start <= end && end <= zone_len[z]);
      FUZZ_REQUIRE(line >= 1);
    }
  }
}

#endif
