/* The run loop: timer order, cancellation, deadline sources, posting from
 * another thread, fd watches, and virtual time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <unistd.h>

#include <blehost/bh_err.h>
#include <blehost/loop.h>

static int order[8], norder;
static void rec(void *arg) { order[norder++] = (int)(intptr_t)arg; }

static bh_time_ms vnow;
static bh_time_ms vclock(void *c) { (void)c; return vnow; }
static void vadvance(void *c, bh_time_ms to) { (void)c; vnow = to; }

static void test_timers_fire_in_order_virtual(void **state)
{
	(void)state;
	struct bh_loop *l = bh_loop_new();
	vnow = 1000;
	norder = 0;
	bh_loop_set_clock(l, vclock, NULL);
	bh_loop_set_virtual(l, vadvance, NULL);
	bh_loop_timer_at(l, 1300, rec, (void *)3);
	bh_loop_timer_at(l, 1100, rec, (void *)1);
	long id = bh_loop_timer_at(l, 1200, rec, (void *)2);
	bh_loop_timer_at(l, 1100, rec, (void *)4); /* same time: insertion order */
	bh_loop_timer_cancel(l, id);
	bool done = false;
	assert_int_equal(bh_loop_run_until(l, &done, 10000), BH_ETIMEDOUT);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 1);
	assert_int_equal(order[1], 4);
	assert_int_equal(order[2], 3);
	assert_int_equal(vnow, 1300);
	bh_loop_free(l);
}

struct src {
	bh_time_ms due;
	int runs;
};
static bh_time_ms src_deadline(void *a) { return ((struct src *)a)->due; }
static void src_run(void *a)
{
	struct src *s = a;
	s->runs++;
	s->due = s->runs < 3 ? s->due + 50 : BH_NEVER;
}

static void test_deadline_sources(void **state)
{
	(void)state;
	struct bh_loop *l = bh_loop_new();
	struct src s = { 2050, 0 };
	vnow = 2000;
	bh_loop_set_clock(l, vclock, NULL);
	bh_loop_set_virtual(l, vadvance, NULL);
	bh_loop_add_source(l, src_deadline, src_run, &s);
	bool done = false;
	bh_loop_run_until(l, &done, 1000);
	assert_int_equal(s.runs, 3);
	assert_int_equal(vnow, 2150);
	bh_loop_remove_source(l, &s);
	assert_int_equal(bh_loop_next_deadline(l), BH_NEVER);
	bh_loop_free(l);
}

/* bh_loop_pass_now: the time read after the fd callbacks, the same for the
 * whole pass, whatever the clock does meanwhile. */
static struct bh_loop *pass_loop;
static bh_time_ms pass_seen;
static void pass_fd(void *a, int fd, short revents)
{
	(void)a;
	(void)fd;
	(void)revents;
	vnow += 7; /* the packet took time */
}
static bh_time_ms pass_deadline(void *a) { (void)a; return 0; }
static void pass_run(void *a)
{
	(void)a;
	pass_seen = bh_loop_pass_now(pass_loop);
	vnow += 3;
}

static void test_pass_now(void **state)
{
	(void)state;
	struct bh_loop *l = pass_loop = bh_loop_new();
	vnow = 500;
	bh_loop_set_clock(l, vclock, NULL);
	assert_int_equal(bh_loop_pass_now(l), 500); /* before any pass */
	int p[2];
	assert_int_equal(pipe(p), 0);
	assert_int_equal(bh_loop_watch(l, p[0], POLLIN, pass_fd, NULL), 0);
	assert_int_equal(bh_loop_add_source(l, pass_deadline, pass_run, NULL), 0);
	struct pollfd fds[4];
	int n = bh_loop_pollfds(l, fds, 4);
	for (int i = 0; i < n; i++)
		fds[i].revents = fds[i].fd == p[0] ? POLLIN : 0;
	bh_loop_dispatch(l, fds, n);
	assert_int_equal(pass_seen, 507);
	assert_int_equal(bh_loop_pass_now(l), 507);
	assert_int_equal(vnow, 510);
	bh_loop_free(l);
	close(p[0]);
	close(p[1]);
}

struct poster {
	struct bh_loop *l;
	bool done;
};
static void set_done(void *a) { ((struct poster *)a)->done = true; }
static void *thread_main(void *a)
{
	struct poster *p = a;
	usleep(20000);
	bh_loop_post(p->l, set_done, p);
	return NULL;
}

static void test_post_from_thread_wakes_loop(void **state)
{
	(void)state;
	struct poster p = { bh_loop_new(), false };
	pthread_t t;
	pthread_create(&t, NULL, thread_main, &p);
	assert_int_equal(bh_loop_run_until(p.l, &p.done, 5000), 0);
	assert_true(p.done);
	pthread_join(t, NULL);
	bh_loop_free(p.l);
}

static int fd_hits;
static void on_fd(void *arg, int fd, short rev)
{
	(void)rev;
	char c;
	assert_int_equal(read(fd, &c, 1), 1);
	fd_hits++;
	*(bool *)arg = true;
}

static void test_fd_watch_and_real_timeout(void **state)
{
	(void)state;
	struct bh_loop *l = bh_loop_new();
	int p[2];
	assert_int_equal(pipe(p), 0);
	bool got = false;
	bh_loop_watch(l, p[0], POLLIN, on_fd, &got);
	/* nothing written: a real-clock wait times out */
	assert_int_equal(bh_loop_run_until(l, &got, 30), BH_ETIMEDOUT);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(bh_loop_run_until(l, &got, 1000), 0);
	assert_int_equal(fd_hits, 1);
	bh_loop_unwatch(l, p[0]);
	close(p[0]);
	close(p[1]);
	bh_loop_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timers_fire_in_order_virtual),
		cmocka_unit_test(test_deadline_sources),
		cmocka_unit_test(test_pass_now),
		cmocka_unit_test(test_post_from_thread_wakes_loop),
		cmocka_unit_test(test_fd_watch_and_real_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
