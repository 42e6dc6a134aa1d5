/*
** cmd_explain.c — `bunryu explain`: why a document got its label, for a
** person at a terminal: each category's score and the hits that made it
** (term or pattern, zone, line, weight, the rule's file:line), then the
** entities with their spans.
*/
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "cli.h"

static const char explain_usage[] =
    "usage: bunryu explain [-r RULES] [--replace-invalid] FILE\n";

static const char *zone_name(unsigned zone) {
  return zone == BUNRYU_ZONE_TITLE ? "title"
         : zone == BUNRYU_ZONE_LEAD ? "lead"
                                    : "body";
}

/*
** Prints s padded with spaces to `width` terminal columns: Hangul and other
** wide characters take two columns, so printf's byte-based padding would
** misalign every line that has them.
*/
static void print_padded(const char *s, int width) {
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
  int cols = 0;
  utf8proc_int32_t cp;
  utf8proc_ssize_t n;
  while (*p && (n = utf8proc_iterate(p, -1, &cp)) > 0) {
    cols += utf8proc_charwidth(cp);
    p += n;
  }
  fputs(s, stdout);
  for (; cols < width; cols++) putchar(' ');
}

static void print_hit(const bunryu_result *r, size_t i) {
  const char *cat, *term, *file;
  unsigned zone;
  size_t start, end, line;
  double weight;
  int rline, counted;
  bunryu_result_hit(r, i, &cat, &term, &zone, &start, &end, &line, &weight);
  bunryu_result_hit_source(r, i, &file, &rline, &counted);
  printf("  %+7.2f  ", weight);
  print_padded(term, 24);
  printf(" %-5s line %-4zu bytes %zu-%zu", zone_name(zone), line, start, end);
  if (file) printf("  (%s:%d)", file, rline);
  if (!counted) printf("  not counted: inside a longer hit or over max_count");
  putchar('\n');
}

static void print_category(const bunryu_result *r, const char *name,
                           double score) {
  printf("%s  %.2f\n", name, score);
  double from_hits = 0;
  for (size_t i = 0; i < bunryu_result_hit_count(r); i++) {
    const char *cat;
    double weight;
    bunryu_result_hit(r, i, &cat, NULL, NULL, NULL, NULL, NULL, &weight);
    if (cat && !strcmp(cat, name)) {
      print_hit(r, i);
      from_hits += weight;
    }
  }
  /* What the hits do not explain came from a rule hook (classify). */
  double rest = score - from_hits;
  if (rest > 0.005 || rest < -0.005)
    printf("  %+7.2f  (added by a classify hook)\n", rest);
}

/* Categories that only lost points (all hits negative) still deserve a
   line: they are why a label was not given. */
static void print_negative_only(const bunryu_result *r, const bunryu_engine *e) {
  for (size_t c = 0; c < bunryu_engine_category_count(e); c++) {
    const char *name = bunryu_engine_category_name(e, c);
    int ranked = 0, has_hits = 0;
    for (size_t i = 0; i < bunryu_result_category_count(r); i++)
      if (!strcmp(bunryu_result_category_name(r, i), name)) ranked = 1;
    for (size_t i = 0; i < bunryu_result_hit_count(r) && !ranked; i++) {
      const char *cat;
      bunryu_result_hit(r, i, &cat, NULL, NULL, NULL, NULL, NULL, NULL);
      if (cat && !strcmp(cat, name)) has_hits = 1;
    }
    if (!ranked && has_hits) print_category(r, name, 0.0);
  }
}

static void print_entities(const bunryu_result *r) {
  size_t n = bunryu_result_entity_count(r);
  printf("\nentities: %zu\n", n);
  for (size_t i = 0; i < n; i++) {
    const char *type = "", *name = "", *text = "";
    size_t tlen = 0, start = 0, end = 0, count = 0;
    unsigned zone = 0;
    bunryu_result_entity(r, i, &type, &name, &text, &tlen, &start, &end,
                         &count, &zone);
    printf("  %-8s ", type);
    print_padded(name, 28);
    printf(" \"%.*s\"  %s bytes %zu-%zu  x%zu\n", (int)tlen, text,
           zone_name(zone), start, end, count);
  }
}

static int explain_file(const bunryu_engine *e, bunryu_scanner *s,
                        const char *path, unsigned flags) {
  char *buf;
  size_t len;
  if (cli_read_file(path, &buf, &len) < 0) {
    fprintf(stderr, "bunryu: %s: %s\n", path, strerror(errno));
    return 1;
  }
  const bunryu_result *r;
  int rc = bunryu_scan(s, buf, len, flags | BUNRYU_SCAN_EVIDENCE, &r);
  printf("%s\n", path);
  if (rc != BUNRYU_OK) {
    printf("error: %s\n", bunryu_result_error_message(r));
    free(buf);
    return 1;
  }
  const char *label = bunryu_result_label(r);
  printf("label: %s\n\n", label ? label : "(none: no category reached its threshold)");
  for (size_t i = 0; i < bunryu_result_category_count(r); i++)
    print_category(r, bunryu_result_category_name(r, i),
                   bunryu_result_category_score(r, i));
  print_negative_only(r, e);
  print_entities(r);
  free(buf);
  return 0;
}

int cmd_explain(int argc, char **argv) {
  const char *rules = NULL;
  unsigned flags = 0;
  static const struct option longopts[] = {
      {"rules", required_argument, NULL, 'r'},
      {"replace-invalid", no_argument, NULL, 'R'},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0}};
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "r:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'r': rules = optarg; break;
    case 'R': flags |= BUNRYU_SCAN_REPLACE_INVALID; break;
    case 'h': fputs(explain_usage, stdout); return 0;
    default: fputs(explain_usage, stderr); return EXIT_USAGE;
    }
  }
  if (optind >= argc) {
    fputs(explain_usage, stderr);
    return EXIT_USAGE;
  }
  bunryu_engine *e = cli_load_engine(rules ? rules : cli_default_rules());
  if (!e) return EXIT_USAGE;
  char err[512];
  bunryu_scanner *s = bunryu_scanner_new(e, err, sizeof err);
  if (!s) {
    fprintf(stderr, "bunryu: %s\n", err);
    bunryu_engine_free(e);
    return EXIT_USAGE;
  }
  int status = 0;
  for (int i = optind; i < argc; i++) {
    if (i > optind) printf("\n");
    status |= explain_file(e, s, argv[i], flags);
  }
  bunryu_scanner_free(s);
  bunryu_engine_free(e);
  return status;
}
