/* bench/bench.c: placeholder main until floe-bench lands. */
#include <stdio.h>
#include "floe.h"
int main(void) { printf("floe-bench %s\n", FLOE_VERSION); return 0; }
