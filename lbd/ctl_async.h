/* lbd/ctl_async.h: run a job on every worker thread, then finish it on the control loop
 *
 * The control socket never reads a worker's private state itself (stream lists, per-thread
 * pools): it posts a job to each worker's inbox (lbd_thread_post), each worker runs it on its
 * own loop and writes only its own slot of the job's argument, and the last one to finish
 * hands the job back to the control loop (a mutex-guarded list and an eventfd), where done()
 * builds the answer. Nothing blocks: the control loop goes on serving other clients.
 */
#ifndef LBD_CTL_ASYNC_H
#define LBD_CTL_ASYNC_H

#include <stdbool.h>

#include <event2/event.h>

#include "runtime_types.h"
#include "thread_types.h"

/* Watches the completion eventfd on the control loop. Returns 0 or -1 (errno). */
int lbd_ctl_async_start(struct event_base *base);
/* Stops watching. Jobs still running finish with done(arg, false) on the worker that ends
 * them last; jobs never run (threads already stopped) are not freed. */
void lbd_ctl_async_stop(void);

/* Runs work(thr, arg) once on each worker thread (in its loop), then done(arg, true) on the
 * control loop. done must free arg; with live == false it must only free it (it may then run
 * on a worker thread). Returns 0, or -1 if the job could not be posted to any thread (arg is
 * not used then; the caller still owns it). */
int lbd_ctl_async_all(struct lbd_runtime *rt, void (*work)(struct lbd_thread *thr, void *arg),
		      void (*done)(void *arg, bool live), void *arg);

#endif
