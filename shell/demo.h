/* shell/demo.h: background sample-data producer for `floe --demo`.
 *
 * The shell calls shell_demo_start after opening the database and
 * shell_demo_stop before closing it (a running producer holds an appender, and
 * floe_db_close returns FLOE_BUSY while appenders are open).
 */
#ifndef FLOE_SHELL_DEMO_H
#define FLOE_SHELL_DEMO_H

#include "floe.h"

/* Create the demo table(s) if needed and start a producer thread appending
 * about `rate` rows per second to `db`. Returns FLOE_OK or a FLOE_* code
 * (message in floe_db_errmsg(db) when it concerns db). */
int shell_demo_start(floe_db *db, double rate);

/* Stop the producer (if running) and wait for it; its appender is closed
 * when this returns. Safe to call when nothing runs. */
void shell_demo_stop(void);

#endif /* FLOE_SHELL_DEMO_H */
