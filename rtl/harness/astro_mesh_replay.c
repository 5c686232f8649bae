/* astro_mesh_replay.c — drives the mesh model (rtl/astro_mesh.v) from a mesh load stream
 * (be_vl_mesh_write_dir: "CORE OP ADDR DATA" lines), then runs STEPS steps with random input spikes on
 * axons [FIRST, LAST] (sent to every core whose axon table has the axon), a random forced spike and
 * injected current every step, reading back spikes, core and mesh registers and state. Used by
 * rtl/scripts/coverage.sh. Usage: astro_mesh_replay LOAD.cmd STEPS FIRST LAST */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astro_hw.h"

enum { OP_WR_AXON = 4, OP_WR_EXT = 6, OP_IN_SPIKE = 7, OP_STEP = 8, OP_RD_REG = 10, OP_RD_STATE = 11, OP_RD_SPIKE = 12 };
enum { NC = ASTRO_HW_MESH_X * ASTRO_HW_MESH_Y, MAX_AXON = 1 << 16 };

static const char *const ops[] = {"NOP",      "WR_REG", "WR_PARAM", "WR_STATE", "WR_AXON", "WR_SYN",
                                  "WR_EXT",   "IN_SPIKE", "STEP",   "CLEAR",    "RD_REG",  "RD_STATE",
                                  "RD_SPIKE", "WR_MEM", "RD_MEM",   "WR_ROUTE"};

static unsigned char has_axon[NC][MAX_AXON]; /* the core's AXON entry was written */

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: astro_mesh_replay LOAD.cmd STEPS FIRST_INPUT_AXON LAST_INPUT_AXON\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  astro_hw_options o = {.mesh = 1};
  astro_hw *h = astro_hw_create(&o);
  if (!f || !h)
    return 1;
  char line[256], name[32];
  unsigned core, addr;
  unsigned long long data;
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || sscanf(line, "%x %31s %x %llx", &core, name, &addr, &data) != 4)
      continue;
    for (unsigned k = 0; k < sizeof ops / sizeof *ops; k++)
      if (strcmp(name, ops[k]) == 0) {
        if (!astro_hw_cmd_core(h, core, k, addr, data, NULL))
          return 3;
        if (k == OP_WR_AXON && core < NC && addr < MAX_AXON)
          has_axon[core][addr] = 1;
      }
  }
  fclose(f);
  unsigned long steps = strtoul(argv[2], NULL, 0), first = strtoul(argv[3], NULL, 0), last = strtoul(argv[4], NULL, 0);
  uint64_t nneur[NC] = {0}, spikes = 0, x = 0;
  for (unsigned c = 0; c < NC; c++)
    astro_hw_cmd_core(h, c, OP_RD_REG, 0, 0, &nneur[c]);
  srand(1);
  for (unsigned long t = 0; t < steps; t++) {
    for (unsigned long a = first; a <= last && a < MAX_AXON; a++)
      if (rand() % 4 == 0)
        for (unsigned c = 0; c < NC; c++)
          if (has_axon[c][a])
            astro_hw_cmd_core(h, c, OP_IN_SPIKE, 0, a, NULL);
    unsigned c = (unsigned)rand() % NC;
    if (nneur[c])
      astro_hw_cmd_core(h, c, OP_WR_EXT, (uint32_t)(rand() % (int)nneur[c]),
                        (uint64_t)(rand() % 2) << 32 | (uint32_t)(rand() % 2000 - 1000), NULL);
    astro_hw_cmd_core(h, ASTRO_HW_ALL_CORES, OP_STEP, 0, 0, NULL);
    for (c = 0; c < NC; c++) {
      uint64_t n = 0;
      astro_hw_cmd_core(h, c, OP_RD_REG, 4, 0, &n);
      for (uint64_t q = 0; q < n; q++)
        astro_hw_cmd_core(h, c, OP_RD_SPIKE, (uint32_t)q, 0, &x);
      for (unsigned r = 0; r < 20; r++)
        astro_hw_cmd_core(h, c, OP_RD_REG, r, 0, &x);
      for (uint64_t j = 0; j < nneur[c]; j++)
        astro_hw_cmd_core(h, c, OP_RD_STATE, (uint32_t)j, 0, &x);
      spikes += n;
    }
    for (unsigned r = 0; r < 4; r++)
      astro_hw_cmd_core(h, ASTRO_HW_ALL_CORES, OP_RD_REG, r, 0, &x);
  }
  printf("replayed %lu steps on the mesh: %llu spikes, %llu cycles\n", steps, (unsigned long long)spikes,
         (unsigned long long)astro_hw_cycles(h));
  astro_hw_destroy(h);
  return 0;
}
