/* lbd/thread.h: worker threads, each with its own event loop */
#ifndef LBD_THREAD_H
#define LBD_THREAD_H

#include "thread_types.h"
#include "runtime_types.h"

/* Creates the threads' event bases and resources (not started). Returns 0 or -1. */
int lbd_threads_init(struct lbd_runtime *rt, char **errmsg);
/* Starts every thread's loop; returns once they run. */
int lbd_threads_start(struct lbd_runtime *rt);
/* Waits for every thread to end, then frees their resources. */
void lbd_threads_join(struct lbd_runtime *rt);
/* Runs fn(thr, arg) on thread thr's loop (from any thread). Returns 0 or -1 on OOM. */
int lbd_thread_post(struct lbd_thread *thr, void (*fn)(struct lbd_thread *, void *), void *arg);
/* Asks every thread to stop now (hard) or softly (finish in-flight exchanges). */
void lbd_threads_stop(struct lbd_runtime *rt, bool soft);

struct lbd_thread *lbd_thread_get(struct lbd_runtime *rt, int i);

/* Refreshes and returns the cached clock of the loop. */
uint64_t lbd_thread_now(struct lbd_thread *thr);

/* Registers/unregisters a live client connection (soft stop walks them). */
void lbd_thread_track_cconn(struct lbd_thread *thr, struct lbd_cconn *cc);
void lbd_thread_untrack_cconn(struct lbd_thread *thr, struct lbd_cconn *cc);
/* Called when a thread's last connection ends during a soft stop. */
void lbd_thread_check_drained(struct lbd_thread *thr);

#endif
