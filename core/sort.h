/*
** sort.h — sorting an array that arrives nearly in order (hits and
** regex triggers come in the automaton's order, by end).
**
** Insertion sort, linear on such input; past a budget of moves it hands
** over to qsort, so a hostile order costs O(n log n), not O(n^2). Inline,
** so that the comparison and the element moves are compiled for each
** caller's type (glibc's qsort is a merge sort with a malloc'd buffer:
** once a document it was 2.4% of the benchmark's instructions).
*/
#ifndef BUNRYU_SORT_H
#define BUNRYU_SORT_H

#include <stdlib.h>
#include <string.h>

enum { SORT_ELEM_MAX = 128 }; /* larger elements go straight to qsort */

static inline void sort_nearly_sorted(void *base, size_t n, size_t size,
                                      int (*cmp)(const void *, const void *)) {
  unsigned char *a = base, x[SORT_ELEM_MAX];
  if (size > SORT_ELEM_MAX) {
    qsort(base, n, size, cmp);
    return;
  }
  size_t budget = 16 * n + 64;
  for (size_t i = 1; i < n; i++) {
    if (cmp(a + (i - 1) * size, a + i * size) <= 0) continue;
    memcpy(x, a + i * size, size);
    size_t j = i;
    while (j > 0 && cmp(a + (j - 1) * size, x) > 0) {
      memcpy(a + j * size, a + (j - 1) * size, size);
      j--;
      if (--budget == 0) {
        memcpy(a + j * size, x, size);
        qsort(base, n, size, cmp);
        return;
      }
    }
    memcpy(a + j * size, x, size);
  }
}

#endif
