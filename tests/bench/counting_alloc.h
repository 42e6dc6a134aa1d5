/*
** counting_alloc.h — an allocator hook (shaped like lua_Alloc and
** bunryu_alloc_fn) that counts the bytes live and their peak, shared by the
** benchmark programs to report memory without instrumenting the library.
*/
#ifndef BUNRYU_BENCH_COUNTING_ALLOC_H
#define BUNRYU_BENCH_COUNTING_ALLOC_H

#include <stddef.h>
#include <stdlib.h>

typedef struct counting_alloc {
  size_t live, peak;
} counting_alloc;

static inline void *count_alloc(void *ud, void *ptr, size_t osize,
                                size_t nsize) {
  counting_alloc *c = ud;
  if (nsize == 0) {
    if (ptr) c->live -= osize;
    free(ptr);
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (!p) return NULL;
  c->live += nsize - (ptr ? osize : 0);
  if (c->live > c->peak) c->peak = c->live;
  return p;
}

#endif
