/* bench/bench.c: floe-bench main (being written). */
#include <stdio.h>
#include "floe.h"
int main(void) { printf("floe-bench %s\n", FLOE_VERSION); return 0; }
