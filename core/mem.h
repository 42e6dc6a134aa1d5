/*
** mem.h — the allocator every part of the library allocates through.
**
** A `mem` is the hook given to bunryu_builder_new_with_alloc() (or malloc's
** stand-in). It is copied into each object that allocates, never global.
*/
#ifndef BUNRYU_MEM_H
#define BUNRYU_MEM_H

#include <stddef.h>

#include "bunryu.h"

typedef struct mem {
  bunryu_alloc_fn fn;
  void *ud;
} mem;

/* The default hook: realloc/free. */
void *mem_default_alloc(void *ud, void *ptr, size_t osize, size_t nsize);
mem mem_default(void);

/* NULL on failure (or when n is 0). */
void *mem_alloc(const mem *m, size_t n);
/* Zero-filled; NULL on failure or overflow of count * size. */
void *mem_calloc(const mem *m, size_t count, size_t size);
/*
** A large block that is filled whole and then read at random (the literal
** automaton's tables and their build scratch), as mem_alloc gives and freed
** with mem_free. With the default hook a block of 2 MiB or more is aligned
** to 2 MiB and the kernel asked to back it with huge pages (Linux's
** MADV_HUGEPAGE): an 8 MiB table then takes 4 page faults to build instead
** of 2,048, which were a quarter of the time of loading the benchmark's
** rules when its table had that size. A caller's hook gets a plain
** mem_alloc.
*/
void *mem_alloc_table(const mem *m, size_t n);
/* Like realloc, but NULL on failure leaves p intact; never frees on n == 0. */
void *mem_realloc(const mem *m, void *p, size_t old, size_t n);
void mem_free(const mem *m, void *p, size_t size);
/* A copy of s (NUL-terminated) or NULL. */
char *mem_strdup(const mem *m, const char *s);
char *mem_strndup(const mem *m, const char *s, size_t n);
void mem_strfree(const mem *m, char *s);

/*
** Grows an array *items of *cap elements of size `size` so that it holds at
** least `need` elements (doubling). 0 on success, -1 on overflow or failure
** (the array is then unchanged).
*/
int mem_grow(const mem *m, void **items, size_t *cap, size_t need,
             size_t size);

#endif
