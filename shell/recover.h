/* shell/recover.h: `floe recover DIR`: open a damaged database with
 * FLOE_OPEN_SALVAGE (see floe.h) and say what was moved to quarantine. */
#ifndef FLOE_SHELL_RECOVER_H
#define FLOE_SHELL_RECOVER_H

/* argv[0] is "recover". Exit status: 0 opened (damage quarantined or none),
 * 1 the database cannot be opened even so, 2 usage. */
int floe_recover_main(int argc, char **argv);

#endif
