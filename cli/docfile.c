/*
** docfile.c — reading one document file for `bunryu classify`: the file
** opened relative to the folder of the one before when they share it, the
** size checked before reading (unless the folder walk saw a regular file),
** then the bytes read (bounded), then the file judged empty, binary or
** text.
**
** A file is binary when its first 8 KiB hold a NUL byte or more than 10%
** control characters (other than tab, line ends, form feed and escape).
** Bytes >= 0x80 do not count: text in a legacy encoding is invalid UTF-8,
** which the scan policy reports, not a binary file. Every file of a batch
** passes through the test, so it counts 32 bytes at a time where SSE2 is
** there (it was 3% of a benchmark run as a byte loop with a word skip).
*/
/* For O_PATH (Linux); without it folders are opened for reading. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "batch.h"

/* What the binary test looks at, and the share of control bytes in it that
   makes a file "mostly non-text". */
#define BINARY_SNIFF_BYTES 8192u
#define BINARY_CONTROL_PERCENT 10u

#ifdef O_PATH
#define FOLDER_FLAGS (O_PATH | O_DIRECTORY | O_CLOEXEC)
#else
#define FOLDER_FLAGS (O_RDONLY | O_DIRECTORY | O_CLOEXEC)
#endif

bool only_whitespace(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' &&
        s[i] != '\f' && s[i] != '\v')
      return false;
  return true;
}

/* A control byte that text files do not have (tabs, line ends, form feed
   and ESC are fine). */
static int is_control_byte(unsigned char c) {
  return (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
          c != '\v' && c != 0x1b) ||
         c == 0x7f;
}

#if defined(__SSE2__)
/* The counted control bytes of one 16-byte block, as 0xFF lanes: below
   0x20 and not one of 0x09..0x0D or ESC, or DEL. */
static __m128i control_lanes(__m128i v) {
  const __m128i c1f = _mm_set1_epi8(0x1f), c9 = _mm_set1_epi8(9),
                c4 = _mm_set1_epi8(4), esc = _mm_set1_epi8(0x1b),
                del = _mm_set1_epi8(0x7f);
  __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v);
  __m128i v9 = _mm_sub_epi8(v, c9); /* 0x09..0x0D become 0..4 */
  __m128i space = _mm_cmpeq_epi8(_mm_min_epu8(v9, c4), v9);
  __m128i fine = _mm_or_si128(space, _mm_cmpeq_epi8(v, esc));
  return _mm_or_si128(_mm_andnot_si128(fine, low), _mm_cmpeq_epi8(v, del));
}

/* The bytes of a block that may be control bytes (below 0x20, or DEL), as
   0xFF lanes. */
static __m128i maybe_control(__m128i v) {
  __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
  return _mm_or_si128(low, _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f)));
}

/* Per-lane counts (subtracting a 0xFF lane adds one) summed up. */
static size_t lane_sum(__m128i acc) {
  __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
  return (size_t)_mm_cvtsi128_si32(sums) +
         (size_t)_mm_cvtsi128_si32(_mm_srli_si128(sums, 8));
}

/*
** The control bytes of s[0, n) rounded down to 32, two blocks at a time:
** most pairs hold no byte below 0x20 (line ends are the usual exception)
** and cost one test. The lane counters are summed after 127 counted pairs,
** before one could pass 255.
*/
static size_t count_control_blocks(const unsigned char *s, size_t n,
                                   size_t *done) {
  size_t count = 0, i = 0, pairs = 0;
  __m128i acc = _mm_setzero_si128();
  for (; n - i >= 32; i += 32) {
    __m128i v0 = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
    __m128i v1 = _mm_loadu_si128((const __m128i *)(const void *)(s + i + 16));
    __m128i maybe = _mm_or_si128(maybe_control(v0), maybe_control(v1));
    if (_mm_movemask_epi8(maybe) == 0) continue;
    acc = _mm_sub_epi8(acc, control_lanes(v0));
    acc = _mm_sub_epi8(acc, control_lanes(v1));
    if (++pairs == 127) {
      count += lane_sum(acc);
      acc = _mm_setzero_si128();
      pairs = 0;
    }
  }
  *done = i;
  return count + lane_sum(acc);
}
#else
static size_t count_control_blocks(const unsigned char *s, size_t n,
                                   size_t *done) {
  (void)s;
  (void)n;
  *done = 0;
  return 0;
}
#endif

static size_t count_control_bytes(const unsigned char *s, size_t n) {
  size_t i, count = count_control_blocks(s, n, &i);
  for (; i < n; i++) count += (size_t)is_control_byte(s[i]);
  return count;
}

static bool looks_binary(const char *s, size_t n, char *why, size_t len) {
  size_t m = n < BINARY_SNIFF_BYTES ? n : BINARY_SNIFF_BYTES;
  const char *nul = memchr(s, '\0', m);
  if (nul) {
    snprintf(why, len, "skipped: binary file (NUL byte at offset %zu)",
             (size_t)(nul - s));
    return true;
  }
  size_t control = count_control_bytes((const unsigned char *)s, m);
  if (control * 100 > m * BINARY_CONTROL_PERCENT) {
    snprintf(why, len, "skipped: binary file (%zu%% control bytes)",
             control * 100 / m);
    return true;
  }
  return false;
}

static void too_large(char *why, size_t len, uint64_t size, uint64_t limit,
                      bool exact) {
  snprintf(why, len, "document too large: %s%llu bytes (limit %llu)",
           exact ? "" : "over ", (unsigned long long)size,
           (unsigned long long)limit);
}

/*
** Reads at most limit + 1 bytes of fd into doc: a file that grew after
** stat, or a device or pipe, still cannot make it read more. hint is the
** size stat gave (0 when unknown), so that a regular file is read into a
** buffer of its own size with no copy, and in one read: on Linux a read of
** a regular file returns fewer bytes than asked only at its end, so that
** short read needs no second call to see the end (one system call of five
** per file).
*/
static int read_bounded(int fd, sbuf *doc, uint64_t limit, size_t hint,
                        bool regular) {
  sbuf_clear(doc);
  if (sbuf_reserve(doc, hint ? hint + 1 : 65536)) goto oom;
  for (;;) {
    if (doc->n > limit) return 0;
    if (doc->cap - doc->n - 1 == 0 && sbuf_reserve(doc, doc->n)) goto oom;
    size_t room = doc->cap - doc->n - 1;
    if ((uint64_t)doc->n + room > limit + 1) room = (size_t)(limit + 1 - doc->n);
    ssize_t got = read(fd, doc->s + doc->n, room);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) return 0;
    doc->n += (size_t)got;
    doc->s[doc->n] = '\0';
    if (regular && (size_t)got < room) return 0;
  }
oom:
  errno = ENOMEM;
  return -1;
}

void doc_folder_close(doc_folder *f) {
  if (f->open) close(f->fd);
  free(f->path);
  memset(f, 0, sizeof *f);
}

/* Makes f the folder path[0, len), opened for lookups only (O_PATH needs
   no read permission on it, as a path walk does not); false when that
   cannot be done, and f is left empty. */
static bool enter_folder(doc_folder *f, const char *path, size_t len) {
  if (f->open) close(f->fd);
  f->open = false;
  if (len + 1 > f->cap) {
    char *p = realloc(f->path, len + 1);
    if (!p) return false;
    f->path = p;
    f->cap = len + 1;
  }
  memcpy(f->path, path, len);
  f->path[len] = '\0';
  f->len = len;
  f->fd = open(len ? f->path : "/", FOLDER_FLAGS);
  f->open = f->fd >= 0;
  return f->open;
}

/*
** Opens path for reading, relative to its folder when that is f's (and
** f becomes its folder otherwise). A batch reads the files of one folder
** one after another, so the whole path is walked once per folder; walking
** it for every file was about 4% of a run over 16,000 articles (perf).
** Any trouble with the folder falls back to opening the path itself.
*/
static int open_document(doc_folder *f, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return open(path, O_RDONLY | O_CLOEXEC);
  size_t len = (size_t)(slash - path);
  bool same = f->open && f->len == len && memcmp(f->path, path, len) == 0;
  if (!same && !enter_folder(f, path, len))
    return open(path, O_RDONLY | O_CLOEXEC);
  return openat(f->fd, slash + 1, O_RDONLY | O_CLOEXEC);
}

/*
** What fstat says of an open file the walk did not vouch for: a folder is
** refused, and a regular file's size is checked against the limit before
** anything is read. READ_OK with *regular and *size set, else why is said.
*/
static read_status stat_document(int fd, uint64_t limit, bool *regular,
                                 size_t *size, uint64_t *bytes, char *why,
                                 size_t len) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(why, len, "cannot stat: %s", strerror(errno));
    return READ_ERROR;
  }
  if (S_ISDIR(st.st_mode)) {
    snprintf(why, len, "is a folder");
    return READ_ERROR;
  }
  *regular = S_ISREG(st.st_mode);
  *size = *regular ? (size_t)st.st_size : 0;
  if (*regular) *bytes = (uint64_t)st.st_size;
  if (*regular && (uint64_t)st.st_size > limit) {
    too_large(why, len, (uint64_t)st.st_size, limit, true);
    return READ_ERROR;
  }
  return READ_OK;
}

/* The reason for a document read past the limit: its exact size when
   fstat can tell (a regular file read without a stat first). */
static void read_too_large(int fd, const sbuf *doc, uint64_t limit, char *why,
                           size_t len) {
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      (uint64_t)st.st_size > limit)
    too_large(why, len, (uint64_t)st.st_size, limit, true);
  else
    too_large(why, len, doc->n - 1, limit, false);
}

/*
** A file the walk saw as regular skips fstat (one system call of four per
** file) and is read into the buffer the last document left: a short read
** is its end, and the limit bounds the read as it does for a pipe.
*/
read_status read_document(doc_folder *folder, const char *path, bool regular,
                          uint64_t limit, sbuf *doc, uint64_t *bytes,
                          char *why, size_t len) {
  *bytes = 0;
  int fd = open_document(folder, path);
  if (fd < 0) {
    snprintf(why, len, "cannot open: %s", strerror(errno));
    return READ_ERROR;
  }
  size_t size = 0;
  read_status rs = regular ? READ_OK
                           : stat_document(fd, limit, &regular, &size, bytes,
                                           why, len);
  if (rs != READ_OK) goto done;
  rs = READ_ERROR;
  if (read_bounded(fd, doc, limit, size, regular) != 0) {
    snprintf(why, len, "cannot read: %s", strerror(errno));
    goto done;
  }
  *bytes = doc->n;
  if (doc->n > limit) read_too_large(fd, doc, limit, why, len);
  else if (only_whitespace(doc->s ? doc->s : "", doc->n))
    snprintf(why, len, "empty file");
  else if (looks_binary(doc->s, doc->n, why, len))
    rs = READ_SKIPPED;
  else
    rs = READ_OK;
done:
  close(fd);
  return rs;
}
