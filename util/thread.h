/* util/thread.h: starting floe's internal threads.
 *
 * Every thread floe starts (flusher, WAL syncers, query workers, merges)
 * blocks all signals, so a signal meant for the application (the shell's
 * SIGINT handler, which siglongjmps to its prompt) is never delivered to one
 * of them. Thread-safe.
 */
#ifndef FLOE_UTIL_THREAD_H
#define FLOE_UTIL_THREAD_H

#include <pthread.h>

/* pthread_create with every signal blocked in the new thread, named `name`
 * (at most 15 characters; naming may fail silently). Returns 0 or an errno. */
int floe_thread_create(pthread_t *t, void *(*fn)(void *), void *arg, const char *name);

#endif
