/*
** util.c — helpers the subcommands share: loading rules with readable
** diagnostics, reading files, document ids.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

const char *cli_default_rules(void) {
  const char *env = getenv("BUNRYU_RULES");
  return env && *env ? env : CLI_DEFAULT_RULES;
}

static void print_diags(const bunryu_builder *b) {
  for (size_t i = 0; i < bunryu_builder_diag_count(b); i++) {
    int sev, line, off;
    const char *file;
    const char *msg = bunryu_builder_diag(b, i, &sev, &file, &line, &off);
    const char *kind = sev == BUNRYU_DIAG_ERROR ? "error" : "warning";
    if (file && line > 0)
      fprintf(stderr, "%s:%d: %s: %s\n", file, line, kind, msg);
    else if (file)
      fprintf(stderr, "%s: %s: %s\n", file, kind, msg);
    else
      fprintf(stderr, "bunryu: %s: %s\n", kind, msg);
  }
}

int cli_online_cores(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : (int)n;
}

bunryu_engine *cli_load_engine_limited(const char *path, uint64_t max_bytes,
                                       uint64_t *max_bytes_used,
                                       unsigned threads) {
  bunryu_builder *b = bunryu_builder_new();
  if (!b) {
    fprintf(stderr, "bunryu: out of memory\n");
    return NULL;
  }
  bunryu_engine *e = NULL;
  int rc = bunryu_builder_set_threads(b, threads ? threads : 1);
  if (rc == BUNRYU_OK && max_bytes)
    rc = bunryu_builder_set_limit(b, BUNRYU_LIMIT_INPUT_BYTES, max_bytes);
  if (max_bytes_used)
    *max_bytes_used = bunryu_builder_get_limit(b, BUNRYU_LIMIT_INPUT_BYTES);
  if (rc == BUNRYU_OK) rc = bunryu_builder_load_rules(b, path);
  if (rc == BUNRYU_OK) rc = bunryu_builder_build(b, &e);
  print_diags(b);
  if (rc != BUNRYU_OK && bunryu_builder_diag_count(b) == 0)
    fprintf(stderr, "bunryu: %s: %s\n", path, bunryu_strerror(rc));
  if (rc == BUNRYU_EIO && access(path, F_OK) != 0)
    fprintf(stderr, "bunryu: give the rules with -r FILE|FOLDER or "
                    "$BUNRYU_RULES (the default is ./%s)\n",
            CLI_DEFAULT_RULES);
  bunryu_builder_free(b);
  return rc == BUNRYU_OK ? e : NULL;
}

bunryu_engine *cli_load_engine(const char *path) {
  return cli_load_engine_limited(path, 0, NULL, (unsigned)cli_online_cores());
}

int cli_read_file(const char *path, char **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 16, n = 0;
  char *p = malloc(cap);
  while (p) {
    n += fread(p + n, 1, cap - n - 1, f);
    if (ferror(f)) {
      int err = errno;
      free(p);
      fclose(f);
      errno = err ? err : EIO;
      return -1;
    }
    if (n < cap - 1) break;
    char *np = cap <= (size_t)-1 / 2 ? realloc(p, cap * 2) : NULL;
    if (!np) {
      free(p);
      p = NULL;
      break;
    }
    p = np;
    cap *= 2;
  }
  fclose(f);
  if (!p) {
    errno = ENOMEM;
    return -1;
  }
  p[n] = '\0';
  *buf = p;
  *len = n;
  return 0;
}

void cli_doc_id(const char *path, char *out, size_t outlen) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  const char *dot = strrchr(base, '.');
  size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base);
  if (n >= outlen) n = outlen - 1;
  memcpy(out, base, n);
  out[n] = '\0';
}
