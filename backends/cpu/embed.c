/* embed.c — native code carried in an image: encoding and checking the 'native' section
 * (be_cpu_embed.h), and the process-wide list of offered objects that be_cpu_jit_build consults first. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/TargetMachine.h>
#include <llvm/Config/llvm-config.h>

#include "be_cpu_embed.h"
#include "cg.h"

#define MAGIC "ASTRONC1"
#define FIXED 40 /* bytes before the strings */

static const char *const what[4] = {"target", "CPU", "CPU features", "LLVM"};

/* ---------------------------------------------------------------- encoding */

static void put_le(unsigned char *p, uint64_t v, int n) {
  for (int i = 0; i < n; i++)
    p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--)
    v = v << 8 | p[i];
  return v;
}

/* This host's four strings; s[0] is malloc'd by LLVM (free with LLVMDisposeMessage). */
static void host_strings(char *s[4]) {
  pthread_once(&be_cpu_init_once, be_cpu_init_llvm);
  s[BE_CPU_NATIVE_TRIPLE] = LLVMGetDefaultTargetTriple();
  s[BE_CPU_NATIVE_CPU] = (char *)be_cpu_host_cpu();
  s[BE_CPU_NATIVE_FEATURES] = (char *)be_cpu_host_features();
  s[BE_CPU_NATIVE_LLVM] = (char *)LLVM_VERSION_STRING;
}

bool be_cpu_native_encode(uint64_t key, const void *obj, size_t objlen, void **out, size_t *outlen) {
  char *s[4];
  host_strings(s);
  size_t n[4], str = 0;
  for (int k = 0; k < 4; k++)
    str += n[k] = s[k] ? strlen(s[k]) : 0;
  size_t head = (FIXED + str + 7) / 8 * 8, total = head + objlen;
  unsigned char *p = calloc(1, total);
  if (p) {
    memcpy(p, MAGIC, 8);
    put_le(p + 8, key, 8);
    for (int k = 0; k < 4; k++)
      put_le(p + 16 + 4 * k, n[k], 4);
    put_le(p + 32, objlen, 8);
    size_t at = FIXED;
    for (int k = 0; k < 4; k++, at += n[k - 1])
      if (n[k])
        memcpy(p + at, s[k], n[k]);
    memcpy(p + head, obj, objlen);
    *out = p;
    *outlen = total;
  }
  LLVMDisposeMessage(s[BE_CPU_NATIVE_TRIPLE]);
  return p != NULL;
}

bool be_cpu_native_decode(const void *data, size_t len, be_cpu_native *out, char *err, size_t errlen) {
  const unsigned char *p = data;
  if (len < FIXED || memcmp(p, MAGIC, 8) != 0)
    return be_cpu_fail(err, errlen, "section 'native': not astroc native code (bad magic or too short)");
  out->key = get_le(p + 8, 8);
  uint64_t str = 0;
  for (int k = 0; k < 4; k++)
    str += out->strlen[k] = (uint32_t)get_le(p + 16 + 4 * k, 4);
  uint64_t objlen = get_le(p + 32, 8);
  uint64_t head = (FIXED + str + 7) / 8 * 8; /* str < 2^34: no overflow */
  if (head > len || objlen != len - head || objlen == 0) {
    char buf[200];
    snprintf(buf, sizeof buf, "section 'native': %llu bytes of strings and %llu of code do not fill its %zu bytes",
             (unsigned long long)str, (unsigned long long)objlen, len);
    return be_cpu_fail(err, errlen, buf);
  }
  size_t at = FIXED;
  for (int k = 0; k < 4; k++) {
    out->str[k] = (const char *)p + at;
    at += out->strlen[k];
  }
  out->obj = p + head;
  out->objlen = (size_t)objlen;
  return true;
}

bool be_cpu_native_matches_host(const be_cpu_native *n, char *why, size_t whylen) {
  char *s[4];
  host_strings(s);
  bool ok = true;
  for (int k = 0; ok && k < 4; k++) {
    const char *h = s[k] ? s[k] : "";
    if (strlen(h) != n->strlen[k] || memcmp(h, n->str[k], n->strlen[k]) != 0) {
      ok = false;
      if (k == BE_CPU_NATIVE_FEATURES) /* long lists: name them, do not print them */
        snprintf(why, whylen, "compiled for other CPU features than this host's");
      else
        snprintf(why, whylen, "compiled for %s %.*s, this host is %s", what[k], (int)(n->strlen[k] > 200 ? 200 : n->strlen[k]),
                 n->str[k], h);
    }
  }
  LLVMDisposeMessage(s[BE_CPU_NATIVE_TRIPLE]);
  return ok;
}

/* ---------------------------------------------------------------- offered objects */

typedef struct offer {
  uint64_t key;
  void *obj;
  size_t len;
  struct offer *next;
} offer;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static offer *offers; /* kept until exit: a process runs few images */

bool be_cpu_offer_object(uint64_t key, const void *obj, size_t len) {
  offer *o = malloc(sizeof *o);
  void *copy = malloc(len ? len : 1);
  if (!o || !copy) {
    free(o);
    free(copy);
    return false;
  }
  memcpy(copy, obj, len);
  *o = (offer){key, copy, len, NULL};
  pthread_mutex_lock(&lock);
  o->next = offers;
  offers = o;
  pthread_mutex_unlock(&lock);
  return true;
}

bool be_cpu_offered(uint64_t key, void **obj, size_t *len) {
  bool found = false;
  pthread_mutex_lock(&lock);
  for (offer *o = offers; o && !found; o = o->next)
    if (o->key == key && (*obj = malloc(o->len))) {
      memcpy(*obj, o->obj, o->len);
      *len = o->len;
      found = true;
    }
  pthread_mutex_unlock(&lock);
  return found;
}
