/* plot.c — placeholder; its owner replaces it. */
#include "commands.h"
