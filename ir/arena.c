/* arena.c — bump allocator owning a module's strings and small objects. */
#include "ir.h"

#include <stdlib.h>
#include <string.h>

enum { ARENA_CHUNK = 64 * 1024 };

typedef struct chunk {
  struct chunk *next;
  size_t used, size;
  max_align_t data[]; /* flexible, maximally aligned */
} chunk;

struct ir_arena {
  chunk *head;
};

ir_arena *ir_arena_create(void) { return calloc(1, sizeof(ir_arena)); }

void ir_arena_destroy(ir_arena *a) {
  if (!a) return;
  for (chunk *c = a->head, *next; c; c = next) {
    next = c->next;
    free(c);
  }
  free(a);
}

void *ir_arena_alloc(ir_arena *a, size_t size) {
  const size_t align = sizeof(max_align_t);
  size = (size + align - 1) / align * align;
  if (size == 0) size = align;
  chunk *c = a->head;
  if (!c || c->size - c->used < size) {
    /* Oversized requests get a chunk of their own, linked behind the current one so the
     * current chunk's free space stays usable. */
    size_t cap = size > ARENA_CHUNK / 4 ? size : ARENA_CHUNK;
    chunk *n = malloc(sizeof(chunk) + cap);
    if (!n) return NULL;
    n->used = 0;
    n->size = cap;
    if (c && cap != ARENA_CHUNK) {
      n->next = c->next;
      c->next = n;
    } else {
      n->next = c;
      a->head = n;
    }
    c = n;
  }
  void *p = (char *)c->data + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

char *ir_arena_strndup(ir_arena *a, const char *s, size_t n) {
  char *p = ir_arena_alloc(a, n + 1);
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *ir_arena_strdup(ir_arena *a, const char *s) { return s ? ir_arena_strndup(a, s, strlen(s)) : NULL; }
