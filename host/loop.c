#include <blehost/loop.h>

#include <blehost/bh_err.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

struct timer {
	bh_time_ms when;
	long id;
	bh_loop_fn fn;
	void *arg;
};

struct watch {
	int fd;
	short events;
	bh_loop_fd_fn fn;
	void *arg;
};

struct source {
	bh_loop_deadline_fn deadline;
	bh_loop_fn run;
	void *arg;
	bool input;
	/* The deadline as last asked, valid while the loop's gen is due_gen:
	 * nothing ran since, so nothing can have moved it. */
	bh_time_ms due;
	uint64_t due_gen;
};

struct posted {
	struct posted *next;
	bh_loop_fn fn;
	void *arg;
};

struct bh_loop {
	bh_time_ms (*now)(void *);
	void *now_ctx;
	void (*advance)(void *, bh_time_ms);
	void *advance_ctx;

	struct timer *heap;
	size_t nheap, capheap;
	long next_id;

	struct watch *watches;
	size_t nwatch, capwatch;

	struct source *sources;
	size_t nsrc, capsrc;

	int wake_fd;
	pthread_mutex_t lock;
	struct posted *post_head, *post_tail;

	bool quit;
	/* The time the latest pass of bh_loop_dispatch read (bh_loop_pass_now). */
	bh_time_ms pass_now;
	/* Counts callbacks run (fd watches, timers, sources, posted work): a
	 * source's deadline can only change when code runs. */
	uint64_t gen;
	/* bh_loop_dispatch running (nested when a callback runs the loop). */
	unsigned dispatching;
};

bh_time_ms bh_monotonic_ms(void *unused)
{
	(void)unused;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (bh_time_ms)ts.tv_sec * 1000u + (bh_time_ms)(ts.tv_nsec / 1000000);
}

struct bh_loop *bh_loop_new(void)
{
	struct bh_loop *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (l->wake_fd < 0) {
		free(l);
		return NULL;
	}
	pthread_mutex_init(&l->lock, NULL);
	l->gen = 1;
	l->now = bh_monotonic_ms;
	l->pass_now = bh_monotonic_ms(NULL);
	l->next_id = 1;
	return l;
}

void bh_loop_free(struct bh_loop *l)
{
	if (!l)
		return;
	struct posted *p = l->post_head;
	while (p) {
		struct posted *n = p->next;
		free(p);
		p = n;
	}
	close(l->wake_fd);
	pthread_mutex_destroy(&l->lock);
	free(l->heap);
	free(l->watches);
	free(l->sources);
	free(l);
}

void bh_loop_set_clock(struct bh_loop *l, bh_time_ms (*now)(void *), void *ctx)
{
	l->now = now ? now : bh_monotonic_ms;
	l->now_ctx = ctx;
	l->pass_now = l->now(ctx);
}

void bh_loop_set_virtual(struct bh_loop *l, void (*advance)(void *ctx, bh_time_ms to), void *ctx)
{
	l->advance = advance;
	l->advance_ctx = ctx;
}

bh_time_ms bh_loop_now(const struct bh_loop *l) { return l->now(l->now_ctx); }

bh_time_ms bh_loop_pass_now(const struct bh_loop *l) { return l->pass_now; }

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	void *n = realloc(*arr, ncap * elem);
	if (!n)
		return BH_ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

int bh_loop_watch(struct bh_loop *l, int fd, short events, bh_loop_fd_fn fn, void *arg)
{
	for (size_t i = 0; i < l->nwatch; i++) {
		if (l->watches[i].fd == fd) {
			l->watches[i] = (struct watch){ fd, events, fn, arg };
			return 0;
		}
	}
	if (grow((void **)&l->watches, &l->capwatch, l->nwatch + 1, sizeof(struct watch)))
		return BH_ENOMEM;
	l->watches[l->nwatch++] = (struct watch){ fd, events, fn, arg };
	return 0;
}

void bh_loop_unwatch(struct bh_loop *l, int fd)
{
	for (size_t i = 0; i < l->nwatch; i++) {
		if (l->watches[i].fd == fd) {
			l->watches[i] = l->watches[--l->nwatch];
			return;
		}
	}
}

/* ---- timer heap --------------------------------------------------------- */

static bool earlier(const struct timer *a, const struct timer *b)
{
	return a->when < b->when || (a->when == b->when && a->id < b->id);
}

static void heap_swap(struct bh_loop *l, size_t a, size_t b)
{
	struct timer t = l->heap[a];
	l->heap[a] = l->heap[b];
	l->heap[b] = t;
}

static void sift_up(struct bh_loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!earlier(&l->heap[i], &l->heap[p]))
			break;
		heap_swap(l, i, p);
		i = p;
	}
}

static void sift_down(struct bh_loop *l, size_t i)
{
	for (;;) {
		size_t c = 2 * i + 1, m = i;
		if (c < l->nheap && earlier(&l->heap[c], &l->heap[m]))
			m = c;
		if (c + 1 < l->nheap && earlier(&l->heap[c + 1], &l->heap[m]))
			m = c + 1;
		if (m == i)
			return;
		heap_swap(l, i, m);
		i = m;
	}
}

static void heap_remove_at(struct bh_loop *l, size_t i)
{
	l->heap[i] = l->heap[--l->nheap];
	if (i < l->nheap) {
		sift_down(l, i);
		sift_up(l, i);
	}
}

long bh_loop_timer_at(struct bh_loop *l, bh_time_ms when, bh_loop_fn fn, void *arg)
{
	if (grow((void **)&l->heap, &l->capheap, l->nheap + 1, sizeof(struct timer)))
		return BH_ENOMEM;
	long id = l->next_id++;
	l->heap[l->nheap] = (struct timer){ when, id, fn, arg };
	sift_up(l, l->nheap++);
	return id;
}

void bh_loop_timer_cancel(struct bh_loop *l, long id)
{
	for (size_t i = 0; i < l->nheap; i++) {
		if (l->heap[i].id == id) {
			heap_remove_at(l, i);
			return;
		}
	}
}

/* ---- sources ------------------------------------------------------------ */

static int add_source(struct bh_loop *l, bh_loop_deadline_fn deadline, bh_loop_fn run, void *arg,
		      bool input)
{
	if (grow((void **)&l->sources, &l->capsrc, l->nsrc + 1, sizeof(struct source)))
		return BH_ENOMEM;
	/* due_gen 0 never matches: gen is 1 or more once the loop exists. */
	l->sources[l->nsrc++] = (struct source){ deadline, run, arg, input, BH_NEVER, 0 };
	return 0;
}

int bh_loop_add_source(struct bh_loop *l, bh_loop_deadline_fn deadline, bh_loop_fn run, void *arg)
{
	return add_source(l, deadline, run, arg, false);
}

int bh_loop_add_input_source(struct bh_loop *l, bh_loop_deadline_fn deadline, bh_loop_fn run,
			     void *arg)
{
	return add_source(l, deadline, run, arg, true);
}

void bh_loop_remove_source(struct bh_loop *l, void *arg)
{
	size_t k = 0;
	for (size_t i = 0; i < l->nsrc; i++)
		if (l->sources[i].arg != arg)
			l->sources[k++] = l->sources[i];
	l->nsrc = k;
}

/* ---- posting ------------------------------------------------------------ */

int bh_loop_post(struct bh_loop *l, bh_loop_fn fn, void *arg)
{
	struct posted *p = malloc(sizeof(*p));
	if (!p)
		return BH_ENOMEM;
	*p = (struct posted){ NULL, fn, arg };
	pthread_mutex_lock(&l->lock);
	if (l->post_tail)
		l->post_tail->next = p;
	else
		l->post_head = p;
	l->post_tail = p;
	pthread_mutex_unlock(&l->lock);
	uint64_t one = 1;
	/* EAGAIN means the counter is already non-zero: the loop will wake anyway. */
	ssize_t w = write(l->wake_fd, &one, sizeof(one));
	(void)w;
	return 0;
}

static void run_posted(struct bh_loop *l)
{
	uint64_t v;
	ssize_t r = read(l->wake_fd, &v, sizeof(v));
	(void)r;
	pthread_mutex_lock(&l->lock);
	struct posted *p = l->post_head;
	l->post_head = l->post_tail = NULL;
	pthread_mutex_unlock(&l->lock);
	while (p) {
		struct posted *n = p->next;
		l->gen++;
		p->fn(p->arg);
		free(p);
		p = n;
	}
}

/* ---- iteration ---------------------------------------------------------- */

static bh_time_ms source_due(struct bh_loop *l, struct source *s)
{
	if (s->due_gen != l->gen) {
		s->due = s->deadline(s->arg);
		s->due_gen = l->gen;
	}
	return s->due;
}

/* The earliest deadline, reusing each source's cached one when no
 * callback ran since it was asked. */
static bh_time_ms next_deadline(struct bh_loop *l)
{
	bh_time_ms d = l->nheap ? l->heap[0].when : BH_NEVER;
	for (size_t i = 0; i < l->nsrc; i++) {
		bh_time_ms s = source_due(l, &l->sources[i]);
		if (s < d)
			d = s;
	}
	return d;
}

bh_time_ms bh_loop_next_deadline(struct bh_loop *l)
{
	/* Asked afresh on every call: the application may have changed a
	 * layer's timers between two passes, outside any callback. */
	l->gen++;
	return next_deadline(l);
}

int bh_loop_pollfds(struct bh_loop *l, struct pollfd *fds, int max)
{
	int n = 0;
	if (n < max)
		fds[n++] = (struct pollfd){ .fd = l->wake_fd, .events = POLLIN };
	for (size_t i = 0; i < l->nwatch && n < max; i++)
		fds[n++] = (struct pollfd){ .fd = l->watches[i].fd, .events = l->watches[i].events };
	return n;
}

static void run_timers(struct bh_loop *l, bh_time_ms now)
{
	/* Bounded by the heap size at entry, so a timer that re-arms itself at
	 * "now" cannot starve fds. */
	size_t budget = l->nheap;
	while (budget-- && l->nheap && l->heap[0].when <= now) {
		struct timer t = l->heap[0];
		heap_remove_at(l, 0);
		l->gen++;
		t.fn(t.arg);
	}
}

static void run_sources(struct bh_loop *l, bool input, bh_time_ms now)
{
	/* A source's run may remove sources: walk by index and re-check bounds. */
	for (size_t i = 0; i < l->nsrc; i++) {
		struct source *s = &l->sources[i];
		if (s->input != input || source_due(l, s) > now)
			continue;
		bh_loop_fn run = s->run;
		void *arg = s->arg;
		l->gen++;
		run(arg);
	}
}

bool bh_loop_dispatching(const struct bh_loop *l) { return l->dispatching != 0; }

void bh_loop_dispatch(struct bh_loop *l, const struct pollfd *fds, int n)
{
	l->dispatching++;
	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == l->wake_fd)
			continue;
		for (size_t w = 0; w < l->nwatch; w++) {
			if (l->watches[w].fd == fds[i].fd) {
				struct watch cb = l->watches[w];
				l->gen++;
				cb.fn(cb.arg, cb.fd, fds[i].revents);
				break;
			}
		}
	}
	/* One clock read for the pass on a real clock (what falls due a few
	 * microseconds later runs on the next pass, without waiting). A replay's
	 * input source moves virtual time: read it again after that. */
	bh_time_ms now = bh_loop_now(l);
	l->pass_now = now;
	run_sources(l, true, now);
	if (l->advance)
		l->pass_now = now = bh_loop_now(l);
	run_timers(l, now);
	run_sources(l, false, now);
	for (int i = 0; i < n; i++)
		if (fds[i].fd == l->wake_fd && fds[i].revents)
			run_posted(l);
	l->dispatching--;
}

/* One pass. fresh: ask every source again (the caller may have run code
 * outside any callback since the last pass); the loop's own runs pass
 * false, as nothing but callbacks runs between their passes, and a
 * source's deadline asked at the end of the last pass still holds. now:
 * the clock just read by the caller (bh_loop_run_until has it already:
 * one read per pass fewer). */
static void iterate(struct bh_loop *l, bh_time_ms max_wait_ms, bool fresh, bh_time_ms now)
{
	struct pollfd fds[64];
	int n = bh_loop_pollfds(l, fds, 64);
	if (fresh)
		l->gen++;
	bh_time_ms d = next_deadline(l);
	int timeout;
	if (l->advance) {
		timeout = 0;
	} else if (d == BH_NEVER && max_wait_ms == BH_NEVER) {
		timeout = -1;
	} else {
		bh_time_ms until = d <= now ? 0 : d - now;
		if (max_wait_ms < until)
			until = max_wait_ms;
		timeout = until > 60000 ? 60000 : (int)until;
	}
	int r = poll(fds, (nfds_t)n, timeout);
	if (r < 0) {
		if (errno != EINTR)
			return;
		r = 0;
	}
	if (r == 0 && l->advance) {
		/* Never jump past the caller's bound: a blocking helper that waits
		 * 50 ms must see time stop at 50 ms, as it did when recorded. */
		bh_time_ms to = d;
		if (max_wait_ms != BH_NEVER && now + max_wait_ms < to)
			to = now + max_wait_ms;
		if (to != BH_NEVER && to > now)
			l->advance(l->advance_ctx, to);
	}
	bh_loop_dispatch(l, fds, n);
}

void bh_loop_iterate(struct bh_loop *l, bh_time_ms max_wait_ms)
{
	iterate(l, max_wait_ms, true, bh_loop_now(l));
}

int bh_loop_run(struct bh_loop *l)
{
	l->quit = false;
	l->gen++; /* the application ran before this call */
	while (!l->quit)
		iterate(l, BH_NEVER, false, bh_loop_now(l));
	return 0;
}

int bh_loop_run_until(struct bh_loop *l, const bool *done, bh_time_ms timeout_ms)
{
	bh_time_ms start = bh_loop_now(l);
	bh_time_ms end = timeout_ms == BH_NEVER ? BH_NEVER : start + timeout_ms;
	l->quit = false;
	l->gen++; /* the application ran before this call */
	while (!*done && !l->quit) {
		bh_time_ms now = bh_loop_now(l);
		if (now >= end)
			return BH_ETIMEDOUT;
		if (l->advance && next_deadline(l) == BH_NEVER) {
			/* Virtual time with nothing left to happen: waiting is futile. */
			bool idle = true;
			pthread_mutex_lock(&l->lock);
			idle = l->post_head == NULL;
			pthread_mutex_unlock(&l->lock);
			if (idle)
				return BH_ETIMEDOUT;
		}
		iterate(l, end == BH_NEVER ? BH_NEVER : end - now, false, now);
	}
	return *done ? 0 : BH_ECANCELLED;
}

void bh_loop_quit(struct bh_loop *l) { l->quit = true; }
