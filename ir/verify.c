/* verify.c — placeholder; its owner replaces it. */
#include "ir.h"
