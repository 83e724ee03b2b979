/* The run loop: poll() over file descriptors, a timer heap on the monotonic
 * clock, and a thread-safe "run this in the loop" queue woken by an eventfd.
 *
 * One thread runs the loop and the whole stack. Other threads talk to it only
 * through bh_loop_post(). An application with its own loop can skip
 * bh_loop_run() and instead call bh_loop_pollfds()/bh_loop_next_deadline()/
 * bh_loop_dispatch() from its own.
 *
 * The loop's clock is injectable: a replay test sets a virtual clock and the
 * loop then never sleeps, it jumps straight to the next deadline.
 */
#ifndef BH_LOOP_H
#define BH_LOOP_H

#include <blehost/bh_env.h>

#include <poll.h>
#include <stdbool.h>

struct bh_loop;

typedef void (*bh_loop_fn)(void *arg);
/* Called with the revents of a watched fd. */
typedef void (*bh_loop_fd_fn)(void *arg, int fd, short revents);

/* NULL on ENOMEM or if the eventfd cannot be made. */
struct bh_loop *bh_loop_new(void);
void bh_loop_free(struct bh_loop *l);

/* The time source (default: CLOCK_MONOTONIC in ms). */
void bh_loop_set_clock(struct bh_loop *l, bh_time_ms (*now)(void *), void *ctx);
bh_time_ms bh_loop_now(const struct bh_loop *l);
/* The time bh_loop_dispatch read for the pass it is in (or was in last),
 * after the fd callbacks: for stamping what those callbacks saw without a
 * clock read per pass. Before the first pass, the time of bh_loop_new or
 * bh_loop_set_clock. */
bh_time_ms bh_loop_pass_now(const struct bh_loop *l);

/* Watches fd for events (POLLIN/POLLOUT); replaces a previous watch of fd. */
int bh_loop_watch(struct bh_loop *l, int fd, short events, bh_loop_fd_fn fn, void *arg);
void bh_loop_unwatch(struct bh_loop *l, int fd);

/* One-shot timer at an absolute time; returns an id > 0 or a negative
 * bh_status. Cancelling an expired or unknown id is harmless. */
long bh_loop_timer_at(struct bh_loop *l, bh_time_ms when, bh_loop_fn fn, void *arg);
void bh_loop_timer_cancel(struct bh_loop *l, long id);

/* A "deadline source": something (a layer) that can say when it next needs to
 * run and be run then. The loop asks every source each iteration; this is how
 * the sans-I/O layers' next_deadline/on_timeout pairs are driven. */
typedef bh_time_ms (*bh_loop_deadline_fn)(void *arg);
int bh_loop_add_source(struct bh_loop *l, bh_loop_deadline_fn deadline, bh_loop_fn run, void *arg);
/* An input source: run where fd events are dispatched, before timers, so
 * that bytes "arriving" from a replayed trace are handled in the same order
 * as bytes arriving on a real fd. */
int bh_loop_add_input_source(struct bh_loop *l, bh_loop_deadline_fn deadline, bh_loop_fn run,
			     void *arg);
/* Removes every source registered with arg. */
void bh_loop_remove_source(struct bh_loop *l, void *arg);

/* Thread-safe: runs fn(arg) on the loop thread at the next iteration.
 * Returns 0 or BH_ENOMEM. */
int bh_loop_post(struct bh_loop *l, bh_loop_fn fn, void *arg);

/* Runs until bh_loop_quit(). Returns 0. */
int bh_loop_run(struct bh_loop *l);
/* Runs until *done becomes true or timeout_ms passes (BH_NEVER: no limit).
 * Returns 0, or BH_ETIMEDOUT. Used by the blocking helpers. */
int bh_loop_run_until(struct bh_loop *l, const bool *done, bh_time_ms timeout_ms);
/* One iteration: waits at most until the earliest deadline (or max_wait_ms),
 * then dispatches fds, timers, sources and posted work. */
void bh_loop_iterate(struct bh_loop *l, bh_time_ms max_wait_ms);
void bh_loop_quit(struct bh_loop *l);

/* For foreign loops: the fds to watch (including the wake-up eventfd) and the
 * earliest deadline; then call bh_loop_dispatch with the poll results. */
int bh_loop_pollfds(struct bh_loop *l, struct pollfd *fds, int max);
bh_time_ms bh_loop_next_deadline(struct bh_loop *l);
void bh_loop_dispatch(struct bh_loop *l, const struct pollfd *fds, int n);
/* True while bh_loop_dispatch runs (inside any of the loop's callbacks).
 * The host's blocking helpers refuse to run the loop again from there. */
bool bh_loop_dispatching(const struct bh_loop *l);

/* Virtual time: the loop does not poll with a timeout; when nothing is ready
 * it advances the clock with advance(ctx, to) to the next deadline. */
void bh_loop_set_virtual(struct bh_loop *l, void (*advance)(void *ctx, bh_time_ms to), void *ctx);

/* The real environment: CLOCK_MONOTONIC, getrandom(), and a stderr logger.
 * env->now_ctx is unused; log goes to stderr when level allows. */
void bh_env_system(struct bh_env *env, enum bh_log_level level);
bh_time_ms bh_monotonic_ms(void *unused);

#endif
