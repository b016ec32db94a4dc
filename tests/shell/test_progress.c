/* tests/shell/test_progress.c: the long-statement indicator. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell/progress.h"

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

Test(progress, silent_for_statements_shorter_than_the_delay)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    shell_progress *p = shell_progress_start(f, 5.0, 0.05);
    cr_assert_not_null(p);
    sleep_ms(100);
    cr_assert_eq(shell_progress_stop(p), 0);
    fclose(f);
    cr_assert_eq(len, 0);
    free(buf);
}

Test(progress, updates_after_the_delay_then_erases_the_line)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    shell_progress *p = shell_progress_start(f, 0.05, 0.05);
    int shown;
    cr_assert_not_null(p);
    sleep_ms(400);
    shown = shell_progress_stop(p);
    fclose(f);
    /* 0.35 s of 0.05 s ticks after the delay: several updates, not dozens */
    cr_assert(shown >= 2 && shown <= 9, "shown %d", shown);
    cr_assert(strstr(buf, "\r| running 0.") != NULL, "%s", buf);
    /* the last thing written is spaces followed by a carriage return */
    cr_assert_eq(buf[len - 1], '\r');
    cr_assert_eq(buf[len - 2], ' ');
    free(buf);
}

static double half_done(void *ctx)
{
    (void)ctx;
    return 0.5;
}

Test(progress, meter_draws_a_bar_with_the_percentage)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    shell_progress *p = shell_progress_start_meter(f, 0.0, 0.02, half_done, NULL);
    struct timespec nap = {0, 120 * 1000000L};
    cr_assert_not_null(p);
    nanosleep(&nap, NULL);
    cr_assert_gt(shell_progress_stop(p), 0);
    fclose(f);
    cr_assert(strstr(buf, "[###############...............]  50%") != NULL, "%s", buf);
    free(buf);
}
