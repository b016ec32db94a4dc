/* shell/progress.h: "still running" indicator for long statements.
 *
 * floe.h reports no progress, so this is a spinner with the elapsed time:
 * a helper thread that, once `delay` seconds have passed, rewrites one line
 * on `out` every `interval` seconds ("\r| running 2.4 s") until stopped, then
 * erases that line. The shell starts one around floe_query when stderr is a
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
/* Stop, erase the line if anything was shown, free. NULL is a no-op.
 * Returns the number of updates that were written. */
int shell_progress_stop(shell_progress *p);

#endif /* FLOE_SHELL_PROGRESS_H */
