/* objsym.c — the size of a function symbol in an ELF64 relocatable object (the object code the JIT
 * loaded): with the address LLJIT gives it, what a perf map needs (ASTROC_JIT_PERFMAP, docs/jit.md) so
 * that `perf report` names the generated functions instead of [unknown]. Every offset and length is
 * checked against the buffer: the object may have been read from an image file. */
#include <elf.h>
#include <string.h>

#include "be_cpu_embed.h"

/* Section header k, or false when it lies outside the buffer. */
static bool section(const unsigned char *p, size_t len, const Elf64_Ehdr *eh, unsigned k, Elf64_Shdr *out) {
  if (k >= eh->e_shnum)
    return false;
  memcpy(out, p + eh->e_shoff + (size_t)k * sizeof(Elf64_Shdr), sizeof(*out));
  return out->sh_offset <= len && out->sh_size <= len - out->sh_offset;
}

/* Whether the NUL-terminated string at offset off of a string table of n bytes equals name. */
static bool name_is(const char *tab, size_t n, size_t off, const char *name) {
  size_t l = strlen(name);
  return off < n && l < n - off && memcmp(tab + off, name, l) == 0 && tab[off + l] == '\0';
}

bool be_cpu_object_symbol_size(const void *obj, size_t len, const char *name, uint64_t *size) {
  const unsigned char *p = obj;
  Elf64_Ehdr eh;
  if (!p || len < sizeof eh || memcmp(p, ELFMAG, SELFMAG) != 0 || p[EI_CLASS] != ELFCLASS64)
    return false;
  memcpy(&eh, p, sizeof eh);
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shoff > len ||
      eh.e_shnum > (len - eh.e_shoff) / sizeof(Elf64_Shdr))
    return false;
  for (unsigned k = 0; k < eh.e_shnum; k++) {
    Elf64_Shdr sym, str;
    if (!section(p, len, &eh, k, &sym) || sym.sh_type != SHT_SYMTAB || sym.sh_entsize != sizeof(Elf64_Sym) ||
        !section(p, len, &eh, sym.sh_link, &str))
      continue;
    const char *tab = (const char *)p + str.sh_offset;
    for (uint64_t s = 0; s < sym.sh_size / sizeof(Elf64_Sym); s++) {
      Elf64_Sym e;
      memcpy(&e, p + sym.sh_offset + s * sizeof(Elf64_Sym), sizeof e);
      if (ELF64_ST_TYPE(e.st_info) == STT_FUNC && name_is(tab, str.sh_size, e.st_name, name)) {
        *size = e.st_size;
        return true;
      }
    }
  }
  return false;
}
