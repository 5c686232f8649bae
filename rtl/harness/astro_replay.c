/* astro_replay.c — drives the accelerator model from a load stream (astroc compile --target astro-sim):
 * loads DIR/load.cmd, then runs STEPS steps with random input spikes on axons [FIRST, LAST] and a
 * random forced spike and injected current every step, reading back spikes and state through every
 * host command. Used by rtl/scripts/coverage.sh. Usage: astro_replay LOAD.cmd STEPS FIRST LAST */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astro_hw.h"

static const char *const ops[] = {"NOP", "WR_REG", "WR_PARAM", "WR_STATE", "WR_AXON", "WR_SYN", "WR_EXT",
                                  "IN_SPIKE", "STEP", "CLEAR", "RD_REG", "RD_STATE", "RD_SPIKE", "WR_MEM", "RD_MEM"};

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: astro_replay LOAD.cmd STEPS FIRST_INPUT_AXON LAST_INPUT_AXON\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  astro_hw_options o = {0};
  astro_hw *h = astro_hw_create(&o);
  if (!f || !h)
    return 1;
  char line[256], name[32];
  unsigned addr;
  unsigned long long data;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || sscanf(line, "%31s %x %llx", name, &addr, &data) != 3)
      continue;
    for (unsigned k = 0; k < sizeof ops / sizeof *ops; k++)
      if (strcmp(name, ops[k]) == 0 && !astro_hw_cmd(h, k, addr, data, NULL))
        return 3;
  }
  fclose(f);
  unsigned long steps = strtoul(argv[2], NULL, 0), first = strtoul(argv[3], NULL, 0), last = strtoul(argv[4], NULL, 0);
  uint64_t nneur = 0, nastro = 0, spikes = 0;
  astro_hw_cmd(h, 10, 0, 0, &nneur);
  astro_hw_cmd(h, 10, 10, 0, &nastro);
  srand(1);
  for (unsigned long t = 0; t < steps; t++) {
    for (unsigned long a = first; a <= last; a++)
      if (rand() % 4 == 0)
        astro_hw_cmd(h, 7, 0, a, NULL);
    if (nneur)
      astro_hw_cmd(h, 6, (uint32_t)(rand() % nneur), (uint64_t)(rand() % 2) << 32 | (uint32_t)(rand() % 2000 - 1000),
                   NULL);
    uint64_t n = 0, x = 0;
    astro_hw_cmd(h, 8, 0, 0, NULL);
    astro_hw_cmd(h, 10, 4, 0, &n);
    for (uint64_t q = 0; q < n; q++)
      astro_hw_cmd(h, 12, (uint32_t)q, 0, &x);
    for (unsigned r = 0; r < 16; r++)
      astro_hw_cmd(h, 10, r, 0, &x);
    for (uint64_t c = 0; c < nneur + nastro; c++)
      astro_hw_cmd(h, 11, (uint32_t)c, 0, &x);
    for (uint32_t sp = 0; sp < 6; sp++) /* RD_MEM: PLAST, RAXON, RSYN, TRACE, LAST, SYN */
      astro_hw_cmd(h, 14, sp << 28 | (uint32_t)(t % 4), 0, &x);
    spikes += n;
  }
  printf("replayed %lu steps: %llu spikes, %llu cycles\n", steps, (unsigned long long)spikes,
         (unsigned long long)astro_hw_cycles(h));
  astro_hw_destroy(h);
  return 0;
}
