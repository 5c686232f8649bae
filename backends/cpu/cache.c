/* cache.c — compiled code keyed by what it was compiled from: a process-wide registry of loaded JITs
 * (identical programs share one) and a disk cache of object files, so a re-run of the same network
 * structure, with any parameter values or seed, does no optimisation and no code generation.
 *
 * Disk file "<dir>/<key as 16 hex digits>.o", host byte order (the key pins the host anyway):
 *
 *   0       8        16        24         32
 *   +-------+--------+---------+----------+---------------------+
 *   | magic |  key   | obj len | checksum | object (ELF) ...    |
 *   +-------+--------+---------+----------+---------------------+
 *   magic "ASTROCJ1"; checksum FNV-1a 64 of the object bytes.
 *
 * A file that fails any check is never given to LLVM (its object loader trusts its input): it is treated
 * as a miss, and the fresh compilation replaces it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm-c/TargetMachine.h>
#include <llvm/Config/llvm-config.h>

#include "be_cpu_embed.h"
#include "cg.h"

#define MAGIC "ASTROCJ1"
#define HEADER 32
#define MAX_OBJECT (UINT64_C(1) << 30)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static be_cpu_jit *loaded; /* shared JITs (key != 0) */

/* ---------------------------------------------------------------- keys */

static uint64_t fnv(uint64_t h, const void *data, size_t n) {
  const unsigned char *p = data;
  for (size_t k = 0; k < n; k++)
    h = (h ^ p[k]) * UINT64_C(0x100000001b3);
  return h;
}
#define FNV0 UINT64_C(0xcbf29ce484222325)

static pthread_once_t features_once = PTHREAD_ONCE_INIT;
static char *host_features;
static void get_features(void) { host_features = LLVMGetHostCPUFeatures(); /* kept until exit */ }

const char *be_cpu_host_features(void) {
  pthread_once(&features_once, get_features);
  return host_features ? host_features : "";
}

uint64_t be_cpu_program_key(be_cpu_program *p) {
  if (!p->mod)
    return 0;
  pthread_once(&features_once, get_features);
  char *ir = LLVMPrintModuleToString(p->mod);
  if (!ir)
    return 0;
  uint64_t h = fnv(FNV0, ir, strlen(ir));
  LLVMDisposeMessage(ir);
  const char *cpu = be_cpu_host_cpu(), *feat = host_features ? host_features : "";
  h = fnv(h, cpu, strlen(cpu) + 1);
  h = fnv(h, feat, strlen(feat) + 1);
  h = fnv(h, LLVM_VERSION_STRING, sizeof LLVM_VERSION_STRING);
  return h ? h : 1; /* 0 means "no key" */
}

/* ---------------------------------------------------------------- in-process registry */

static be_cpu_jit *share(uint64_t key) {
  pthread_mutex_lock(&lock);
  be_cpu_jit *j = loaded;
  while (j && j->key != key)
    j = j->next;
  if (j)
    j->refs++;
  pthread_mutex_unlock(&lock);
  return j;
}

/* Registers j under key, unless another thread registered the same key meanwhile: then that one is
 * returned (with a reference) and j is released. */
static be_cpu_jit *publish(be_cpu_jit *j, uint64_t key) {
  be_cpu_jit *other = share(key);
  if (other) {
    be_cpu_jit_destroy(j);
    return other;
  }
  pthread_mutex_lock(&lock);
  j->key = key;
  j->next = loaded;
  loaded = j;
  pthread_mutex_unlock(&lock);
  return j;
}

bool be_cpu_cache_release(be_cpu_jit *j) {
  pthread_mutex_lock(&lock);
  bool last = --j->refs == 0;
  if (last && j->key)
    for (be_cpu_jit **pp = &loaded; *pp; pp = &(*pp)->next)
      if (*pp == j) {
        *pp = j->next;
        break;
      }
  pthread_mutex_unlock(&lock);
  return last;
}

/* ---------------------------------------------------------------- disk */

static char *path_of(const char *dir, uint64_t key, const char *suffix) {
  size_t n = strlen(dir) + 40;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%016llx%s", dir, (unsigned long long)key, suffix);
  return p;
}

/* The object of key in dir, checked; NULL if absent or bad. *len its size; malloc'd. */
static void *disk_read(const char *dir, uint64_t key, size_t *len) {
  char *path = path_of(dir, key, ".o");
  FILE *f = path ? fopen(path, "rb") : NULL;
  free(path);
  if (!f)
    return NULL;
  unsigned char h[HEADER];
  uint64_t k, n, sum;
  void *obj = NULL;
  if (fread(h, 1, HEADER, f) == HEADER && memcmp(h, MAGIC, 8) == 0) {
    memcpy(&k, h + 8, 8);
    memcpy(&n, h + 16, 8);
    memcpy(&sum, h + 24, 8);
    if (k == key && n > 0 && n <= MAX_OBJECT && (obj = malloc(n))) {
      int extra = 0;
      if (fread(obj, 1, n, f) != n || fread(&extra, 1, 1, f) != 0 || fnv(FNV0, obj, n) != sum) {
        free(obj);
        obj = NULL;
      } else
        *len = n;
    }
  }
  fclose(f);
  return obj;
}

/* mkdir -p for the cache folder; errors show up when the file is written. */
static void make_dirs(const char *dir) {
  char *p = strdup(dir);
  if (!p)
    return;
  for (char *s = p + 1; *s; s++)
    if (*s == '/') {
      *s = '\0';
      mkdir(p, 0755);
      *s = '/';
    }
  mkdir(p, 0755);
  free(p);
}

/* Best effort: a cache that cannot be written only costs the next run a compilation. */
static void disk_write(const char *dir, uint64_t key, const void *obj, size_t len) {
  make_dirs(dir);
  char suffix[40];
  snprintf(suffix, sizeof suffix, ".tmp%ld", (long)getpid());
  char *tmp = path_of(dir, key, suffix), *path = path_of(dir, key, ".o");
  FILE *f = tmp && path ? fopen(tmp, "wb") : NULL;
  if (f) {
    unsigned char h[HEADER];
    uint64_t n = len, sum = fnv(FNV0, obj, len);
    memcpy(h, MAGIC, 8);
    memcpy(h + 8, &key, 8);
    memcpy(h + 16, &n, 8);
    memcpy(h + 24, &sum, 8);
    bool ok = fwrite(h, 1, HEADER, f) == HEADER && fwrite(obj, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) /* rename: readers see the whole file or none */
      remove(tmp);
  }
  free(tmp);
  free(path);
}

/* ---------------------------------------------------------------- build */

/* Loads obj (malloc'd, consumed) into a new JIT that keeps it for be_cpu_jit_object. */
static be_cpu_jit *adopt(void *obj, size_t len, char *err, size_t errlen) {
  be_cpu_jit *j = be_cpu_jit_from_object(obj, len, err, errlen);
  if (!j) {
    free(obj);
    return NULL;
  }
  j->obj = obj;
  j->objlen = len;
  return j;
}

bool be_cpu_jit_object(const be_cpu_jit *j, const void **obj, size_t *len, uint64_t *key) {
  if (!j->obj)
    return false;
  *obj = j->obj;
  *len = j->objlen;
  *key = j->key;
  return true;
}

be_cpu_jit *be_cpu_jit_build(be_cpu_program *p, const char *cache_dir, be_cpu_origin *how, char *err,
                             size_t errlen) {
  if (!p->mod || p->optimized) {
    be_cpu_fail(err, errlen, "be_cpu_jit_build: the program is already optimised or handed over");
    return NULL;
  }
  uint64_t key = be_cpu_program_key(p);
  be_cpu_jit *j = key ? share(key) : NULL;
  if (j) {
    if (how)
      *how = BE_CPU_SHARED;
    return j;
  }
  size_t len = 0;
  void *obj = NULL;
  if (key && be_cpu_offered(key, &obj, &len)) { /* carried in the image */
    if ((j = adopt(obj, len, err, errlen))) {
      if (how)
        *how = BE_CPU_EMBEDDED;
      return publish(j, key);
    }
    /* LLVM refused it (checked by the image's CRC, so another LLVM build): compile instead. */
  }
  obj = key && cache_dir ? disk_read(cache_dir, key, &len) : NULL;
  if (obj) {
    if ((j = adopt(obj, len, err, errlen))) {
      if (how)
        *how = BE_CPU_CACHED;
      return publish(j, key);
    }
    /* LLVM refused a checked file (another LLVM build?): compile and replace it. */
  }
  if (!be_cpu_optimize(p, err, errlen) || !be_cpu_emit_object(p, &obj, &len, err, errlen))
    return NULL;
  if (key && cache_dir)
    disk_write(cache_dir, key, obj, len);
  if (!(j = adopt(obj, len, err, errlen)))
    return NULL;
  if (how)
    *how = BE_CPU_COMPILED;
  return key ? publish(j, key) : j;
}
