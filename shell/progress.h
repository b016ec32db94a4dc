/* shell/progress.h: progress bar for long statements.
 *
 * A helper thread that, once `delay` seconds have passed, rewrites one line
 * on `out` every `interval` seconds until stopped, then erases that line: a
 * bar with the percentage when a meter (floe_progress) knows the fraction
 * done ("\r[#########.....] 61% 2.4 s"), else a spinner with the elapsed time
 * ("\r| running 2.4 s"). The shell starts one around floe_query when stderr is a
 * terminal. The thread blocks SIGINT so Ctrl-C always reaches the shell's
 * handler on the main thread's terms. Only the helper thread writes to `out`
 * between start and stop; the caller must not.
 */
#ifndef FLOE_SHELL_PROGRESS_H
#define FLOE_SHELL_PROGRESS_H

#include <stdio.h>

typedef struct shell_progress shell_progress;

/* Start the indicator. Returns NULL when the thread cannot be created (the
 * statement then simply runs without one). */
shell_progress *shell_progress_start(FILE *out, double delay, double interval);
/* The same with a meter: meter(meter_ctx) returns the fraction done (0..1),
 * or < 0 when unknown; it is called from the helper thread. */
shell_progress *shell_progress_start_meter(FILE *out, double delay, double interval,
                                           double (*meter)(void *), void *meter_ctx);
/* Stop, erase the line if anything was shown, free. NULL is a no-op.
 * Returns the number of updates that were written. */
int shell_progress_stop(shell_progress *p);

#endif /* FLOE_SHELL_PROGRESS_H */
