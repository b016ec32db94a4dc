/* util/thread.c: internal threads with all signals blocked. */
#include "util/thread.h"

#include <signal.h>

int floe_thread_create(pthread_t *t, void *(*fn)(void *), void *arg, const char *name)
{
    sigset_t all, old;
    int rc;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old); /* the new thread inherits this mask */
    rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc == 0 && name != NULL) pthread_setname_np(*t, name);
    return rc;
}
