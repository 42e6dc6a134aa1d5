/*
** inputs.c — where documents come from: folders walked in a stable order
** with --include/--exclude globs, and JSONL streams read line by line.
**
** Both are lazy, so that memory does not grow with the size of the input:
** a walk holds the sorted names of the folders on its current path only
** (not the whole tree), and the line reader holds one line at a time and
** never more than the limit of one line.
*/
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"

/* ======================================================================
** Globs
** =================================================================== */

static bool any_glob_matches(const char **globs, size_t n, const char *rel,
                             const char *base) {
  for (size_t i = 0; i < n; i++)
    if (fnmatch(globs[i], rel, 0) == 0 || fnmatch(globs[i], base, 0) == 0)
      return true;
  return false;
}

bool filter_accepts_file(const batch_opts *o, const char *rel,
                         const char *base) {
  if (o->n_includes && !any_glob_matches(o->includes, o->n_includes, rel, base))
    return false;
  return !any_glob_matches(o->excludes, o->n_excludes, rel, base);
}

bool filter_prunes_dir(const batch_opts *o, const char *rel, const char *base) {
  return any_glob_matches(o->excludes, o->n_excludes, rel, base);
}

/* ======================================================================
** Folder walk
** =================================================================== */

typedef struct entry {
  char *name;
  unsigned char type; /* DT_* from readdir, DT_UNKNOWN when it did not say */
} entry;

/* One open folder on the walk's path: its entries, sorted, and where the
   walk is in them. */
typedef struct frame {
  char *dir;
  entry *entries;
  size_t n, next;
} frame;

struct walker {
  const batch_opts *o;
  size_t root_len; /* the part of every path that is the root and its '/' */
  frame *stack;
  size_t depth, cap;
  char *root_error_path; /* the root itself, when it could not be read */
  int root_error;
  uint64_t hidden, excluded;
};

static int entry_cmp(const void *a, const void *b) {
  return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

static void frame_free(frame *f) {
  for (size_t i = 0; i < f->n; i++) free(f->entries[i].name);
  free(f->entries);
  free(f->dir);
  memset(f, 0, sizeof *f);
}

/*
** Reads the folder dir into a new frame on the stack, which takes dir over.
** 0 on success; an errno value when the folder cannot be read, or -1 when
** out of memory: then nothing is pushed and dir stays the caller's.
*/
static int push_folder(walker *w, char *dir) {
  if (w->depth == w->cap) {
    size_t cap = w->cap ? w->cap * 2 : 8;
    frame *s = realloc(w->stack, cap * sizeof *s);
    if (!s) return -1;
    w->stack = s;
    w->cap = cap;
  }
  DIR *d = opendir(dir);
  if (!d) return errno ? errno : EIO;
  frame f = {NULL, NULL, 0, 0};
  size_t cap = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL) {
    if (de->d_name[0] == '.') {
      if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) w->hidden++;
      continue;
    }
    if (f.n == cap) {
      cap = cap ? cap * 2 : 32;
      entry *e = realloc(f.entries, cap * sizeof *e);
      if (!e) goto oom;
      f.entries = e;
    }
    f.entries[f.n].name = strdup(de->d_name);
    if (!f.entries[f.n].name) goto oom;
    f.entries[f.n].type = de->d_type;
    f.n++;
  }
  closedir(d);
  if (f.n) qsort(f.entries, f.n, sizeof *f.entries, entry_cmp);
  f.dir = dir;
  w->stack[w->depth++] = f;
  return 0;
oom:
  closedir(d);
  frame_free(&f);
  return -1;
}

static char *join_path(const char *dir, const char *name) {
  size_t a = strlen(dir), b = strlen(name);
  char *p = malloc(a + b + 2);
  if (!p) return NULL;
  memcpy(p, dir, a);
  size_t n = a;
  if (a == 0 || dir[a - 1] != '/') p[n++] = '/';
  memcpy(p + n, name, b + 1);
  return p;
}

walker *walker_new(const char *root, const batch_opts *o) {
  walker *w = calloc(1, sizeof *w);
  char *dir = strdup(root);
  if (!w || !dir) goto fail;
  size_t n = strlen(dir);
  while (n > 1 && dir[n - 1] == '/') dir[--n] = '\0';
  w->o = o;
  w->root_len = n + (dir[n - 1] == '/' ? 0 : 1);
  int rc = push_folder(w, dir);
  if (rc < 0) goto fail;
  if (rc > 0) {
    w->root_error = rc;
    w->root_error_path = dir; /* reported by the first walker_next */
  }
  return w;
fail:
  free(dir);
  walker_free(w);
  return NULL;
}

/* What an entry is, following a symbolic link to a file but not to a
   folder (a link to a folder could make the walk go round in circles).
   KIND_FILE is also what an entry that cannot be looked at gets: the
   worker then reports why it cannot read it. */
typedef enum { KIND_REGULAR, KIND_FILE, KIND_DIR, KIND_OTHER } entry_kind;

static entry_kind kind_of(const char *path, unsigned char type) {
  struct stat st;
  if (type == DT_REG) return KIND_REGULAR;
  if (type == DT_DIR) return KIND_DIR;
  if (type != DT_LNK && type != DT_UNKNOWN) return KIND_OTHER;
  if (lstat(path, &st) != 0) return KIND_FILE;
  if (S_ISDIR(st.st_mode)) return KIND_DIR;
  if (S_ISLNK(st.st_mode) && stat(path, &st) != 0) return KIND_FILE;
  return S_ISREG(st.st_mode) ? KIND_REGULAR : KIND_OTHER;
}

int walker_next(walker *w, walk_item *it) {
  it->special = it->regular = false;
  if (w->root_error_path) {
    it->path = w->root_error_path;
    it->err = w->root_error;
    w->root_error_path = NULL;
    return 1;
  }
  while (w->depth > 0) {
    frame *f = &w->stack[w->depth - 1];
    if (f->next == f->n) {
      frame_free(f);
      w->depth--;
      continue;
    }
    entry *e = &f->entries[f->next++];
    char *path = join_path(f->dir, e->name);
    if (!path) return -1;
    const char *rel = path + w->root_len;
    entry_kind k = kind_of(path, e->type);
    if (k == KIND_DIR) {
      if (filter_prunes_dir(w->o, rel, e->name)) {
        w->excluded++;
        free(path);
        continue;
      }
      int rc = push_folder(w, path);
      if (rc < 0) {
        free(path);
        return -1;
      }
      if (rc > 0) { /* an unreadable folder: reported, the walk goes on */
        it->path = path;
        it->err = rc;
        return 1;
      }
      continue;
    }
    if (!filter_accepts_file(w->o, rel, e->name)) {
      w->excluded++;
      free(path);
      continue;
    }
    /* A FIFO, socket or device gets a record saying so: opening a FIFO to
       read it could block the batch forever, and dropping it silently
       would lose a document. */
    it->path = path;
    it->err = 0;
    it->special = k == KIND_OTHER;
    it->regular = k == KIND_REGULAR;
    return 1;
  }
  return 0;
}

uint64_t walker_hidden(const walker *w) { return w->hidden; }
uint64_t walker_excluded(const walker *w) { return w->excluded; }

void walker_free(walker *w) {
  if (!w) return;
  while (w->depth > 0) frame_free(&w->stack[--w->depth]);
  free(w->stack);
  free(w->root_error_path);
  free(w);
}

/* ======================================================================
** Measuring the inputs (for the progress bar)
** =================================================================== */

static void measure_folder(const batch_opts *o, const char *root,
                           uint64_t *docs, uint64_t *bytes) {
  walker *w = walker_new(root, o);
  walk_item it;
  struct stat st;
  if (!w) return;
  while (walker_next(w, &it) == 1) {
    (*docs)++;
    if (!it.err && stat(it.path, &st) == 0) *bytes += (uint64_t)st.st_size;
    free(it.path);
  }
  walker_free(w);
}

void inputs_measure(const batch_opts *o, uint64_t *docs, uint64_t *bytes,
                    bool *docs_known, bool *bytes_known) {
  struct stat st;
  *docs = *bytes = 0;
  *docs_known = *bytes_known = true;
  for (size_t i = 0; i < o->n_inputs; i++) {
    const input *in = &o->inputs[i];
    bool is_stdin = strcmp(in->path, "-") == 0;
    int rc = is_stdin ? fstat(0, &st) : stat(in->path, &st);
    if (in->kind == INPUT_JSONL) {
      *docs_known = false; /* lines are not counted ahead */
      if (rc == 0 && S_ISREG(st.st_mode)) *bytes += (uint64_t)st.st_size;
      else *bytes_known = false;
    } else if (rc == 0 && S_ISDIR(st.st_mode)) {
      measure_folder(o, in->path, docs, bytes);
    } else {
      (*docs)++;
      if (rc == 0) *bytes += (uint64_t)st.st_size;
    }
  }
}

/* ======================================================================
** Line reader
** =================================================================== */

#define READ_CHUNK (256u * 1024u)
#define POLL_MS 200

struct line_reader {
  int fd;
  bool (*should_stop)(void *);
  void *ud;
  char *buf;
  size_t start, end; /* unread bytes are buf[start..end) */
  bool eof;
  uint64_t lineno;
};

line_reader *line_reader_new(int fd, bool (*should_stop)(void *), void *ud) {
  line_reader *r = calloc(1, sizeof *r);
  if (!r) return NULL;
  r->buf = malloc(READ_CHUNK);
  if (!r->buf) {
    free(r);
    return NULL;
  }
  r->fd = fd;
  r->should_stop = should_stop;
  r->ud = ud;
  return r;
}

/* Refills the buffer: 1 when bytes came, 0 at the end of the stream, -1 on
   an error, -2 when asked to stop. Waits in poll() so that a stop request
   is seen while a slow writer keeps the pipe empty. */
static int refill(line_reader *r) {
  r->start = r->end = 0;
  if (r->eof) return 0;
  for (;;) {
    if (r->should_stop && r->should_stop(r->ud)) return -2;
    struct pollfd pfd = {r->fd, POLLIN, 0};
    int pr = poll(&pfd, 1, POLL_MS);
    if (pr < 0 && errno != EINTR) return -1;
    if (pr <= 0) continue;
    ssize_t n = read(r->fd, r->buf, READ_CHUNK);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) return -1;
    if (n == 0) {
      r->eof = true;
      return 0;
    }
    r->end = (size_t)n;
    return 1;
  }
}

int line_reader_next(line_reader *r, sbuf *line, size_t limit,
                     uint64_t *too_long) {
  uint64_t len = 0;
  bool got = false;
  sbuf_clear(line);
  *too_long = 0;
  for (;;) {
    if (r->start == r->end) {
      int rc = refill(r);
      if (rc < 0) return rc;
      if (rc == 0) {
        if (!got) return 0;
        break; /* a last line without "\n" */
      }
    }
    got = true;
    char *from = r->buf + r->start;
    char *nl = memchr(from, '\n', r->end - r->start);
    size_t n = nl ? (size_t)(nl - from) : r->end - r->start;
    if (len + n <= limit) {
      if (sbuf_put(line, from, n)) {
        errno = ENOMEM;
        return -1;
      }
    } else if (line->n) {
      sbuf_clear(line); /* past the limit: keep nothing, count on */
    }
    len += n;
    r->start += n + (nl ? 1 : 0);
    if (nl) break;
  }
  r->lineno++;
  if (len > limit) {
    sbuf_trim(line, 0);
    *too_long = len;
    return 1;
  }
  if (line->n && line->s[line->n - 1] == '\r') line->s[--line->n] = '\0';
  return 1;
}

uint64_t line_reader_lineno(const line_reader *r) { return r->lineno; }

void line_reader_free(line_reader *r) {
  if (!r) return;
  free(r->buf);
  free(r);
}
