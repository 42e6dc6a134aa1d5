/*
** mem.c — allocation through the embedder's hook (see mem.h).
*/
#include "mem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* A huge page on x86-64 (and on arm64 with 4 KiB pages). */
#define HUGE_PAGE_BYTES ((size_t)2 << 20)

void *mem_default_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) {
    free(ptr);
    return NULL;
  }
  return realloc(ptr, nsize);
}

mem mem_default(void) { return (mem){mem_default_alloc, NULL}; }

void *mem_alloc(const mem *m, size_t n) {
  return n ? m->fn(m->ud, NULL, 0, n) : NULL;
}

void *mem_calloc(const mem *m, size_t count, size_t size) {
  if (count == 0 || size == 0 || count > SIZE_MAX / size) return NULL;
  void *p = mem_alloc(m, count * size);
  if (p) memset(p, 0, count * size);
  return p;
}

void *mem_realloc(const mem *m, void *p, size_t old, size_t n) {
  if (n == 0) return NULL;
  return m->fn(m->ud, p, p ? old : 0, n);
}

void mem_free(const mem *m, void *p, size_t size) {
  if (p) m->fn(m->ud, p, size, 0);
}

char *mem_strndup(const mem *m, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *d = mem_alloc(m, n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

char *mem_strdup(const mem *m, const char *s) {
  return mem_strndup(m, s, strlen(s));
}

void mem_strfree(const mem *m, char *s) {
  if (s) mem_free(m, s, strlen(s) + 1);
}

int mem_grow(const mem *m, void **items, size_t *cap, size_t need,
             size_t size) {
  if (need <= *cap) return 0;
  size_t ncap = *cap ? *cap : 8;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) return -1;
    ncap *= 2;
  }
  if (ncap > SIZE_MAX / size) return -1;
  void *p = mem_realloc(m, *items, *cap * size, ncap * size);
  if (!p) return -1;
  *items = p;
  *cap = ncap;
  return 0;
}

void *mem_alloc_table(const mem *m, size_t n) {
#ifdef MADV_HUGEPAGE
  if (m->fn == mem_default_alloc && n >= HUGE_PAGE_BYTES) {
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE_BYTES, n) != 0) return NULL;
    (void)madvise(p, n, MADV_HUGEPAGE); /* advice: a refusal costs nothing */
    return p;
  }
#endif
  return mem_alloc(m, n);
}
