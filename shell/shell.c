/* shell/shell.c: placeholder main until the shell lands. */
#include <stdio.h>
#include "floe.h"
int main(void) { printf("floe %s\n", FLOE_VERSION); return 0; }
