/* own_loop: drive blehost from the application's own poll() loop.
 *
 *   own_loop NAME [SECONDS]
 *
 * An application that already has an event loop (a GUI toolkit, an
 * io_uring server, another library's loop) does not call bh_host_run or
 * the blocking helpers. Each turn it asks blehost for its file descriptors
 * (bh_loop_pollfds) and its next deadline (bh_loop_next_deadline), polls
 * them together with its own, and hands the results back
 * (bh_loop_dispatch), which runs the stack and its callbacks. Everything
 * then goes through the asynchronous calls and callbacks.
 *
 * Here the application's own fd is a timerfd that ticks every 250 ms; the
 * stack brings the controller up, then scans until a device named NAME is
 * seen (exit 0) or SECONDS pass (default 10, exit 1). */
#include <blehost/blehost.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

struct app {
	struct bh_host *h;
	const char *name;
	bool ready, scanning, found, failed;
	unsigned ticks;
};

static void on_device(void *ctx, const struct bh_gap_device *d)
{
	struct app *a = ctx;
	if (a->found || !strstr(d->name, a->name))
		return;
	char s[BH_ADDR_STRLEN];
	printf("found \"%s\" at %s, rssi %d, after %u ticks of our own timer\n", d->name,
	       bh_addr_str(&d->addr, s), d->rssi, a->ticks);
	a->found = true;
	bh_gap_scan_stop(bh_host_gap(a->h)); /* on_scan_done follows */
}

static void on_scan_done(void *ctx, bh_status reason)
{
	struct app *a = ctx;
	a->scanning = false;
	if (reason != BH_OK)
		printf("scan ended: %s\n", bh_strerror(reason));
}

/* The controller is up (or not): start scanning from the callback. */
static void on_ready(void *ctx, bh_status st)
{
	struct app *a = ctx;
	if (st) {
		printf("controller: %s\n", bh_strerror(st));
		a->failed = true;
		return;
	}
	a->ready = true;
	struct bh_gap_scan_params p = { .active = true, .on_device = on_device,
					.on_done = on_scan_done, .ctx = a };
	int rc = bh_gap_scan_start(bh_host_gap(a->h), &p);
	a->scanning = rc == BH_OK;
	a->failed = rc != BH_OK;
}

static void on_fatal(void *ctx, bh_status reason)
{
	struct app *a = ctx;
	printf("controller lost: %s\n", bh_strerror(reason));
	a->failed = true;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s NAME [SECONDS]\n", argv[0]);
		return 2;
	}
	struct app a = { .name = argv[1] };
	unsigned seconds = argc > 2 ? (unsigned)atoi(argv[2]) : 10;

	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.store_dir = "";
	struct bh_host_events ev = { .ctx = &a, .ready = on_ready, .fatal = on_fatal };
	char err[256];
	a.h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!a.h) {
		fprintf(stderr, "own_loop: %s\n", err);
		return 1;
	}
	/* Asynchronous bring-up: events.ready comes from a later dispatch. */
	if (bh_host_start(a.h)) {
		bh_host_free(a.h);
		return 1;
	}

	/* The application's own fd. */
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	struct itimerspec its = { .it_interval = { 0, 250000000 }, .it_value = { 0, 250000000 } };
	timerfd_settime(tfd, 0, &its, NULL);

	struct bh_loop *l = bh_host_loop(a.h);
	bh_time_ms end = bh_loop_now(l) + (bh_time_ms)seconds * 1000;
	while (!a.found && !a.failed && bh_loop_now(l) < end) {
		struct pollfd fds[33];
		fds[0] = (struct pollfd){ .fd = tfd, .events = POLLIN };
		int n = 1 + bh_loop_pollfds(l, fds + 1, 32);
		/* Sleep no longer than the stack's next timer, nor past our end. */
		bh_time_ms now = bh_loop_now(l), next = bh_loop_next_deadline(l);
		if (next > end)
			next = end;
		int timeout = next <= now ? 0 : (int)(next - now);
		if (poll(fds, (nfds_t)n, timeout) < 0)
			break;
		if (fds[0].revents & POLLIN) {
			uint64_t expirations;
			if (read(tfd, &expirations, sizeof(expirations)) == sizeof(expirations))
				a.ticks += (unsigned)expirations;
		}
		/* The stack's part of the poll results: its fds, timers, work. */
		bh_loop_dispatch(l, fds + 1, n - 1);
	}
	/* Stop a scan still running, letting the loop carry the command out. */
	if (a.scanning && !a.found)
		bh_gap_scan_stop(bh_host_gap(a.h));
	close(tfd);
	bh_host_free(a.h);
	printf("own_loop: %s\n", a.found ? "found" : "not found");
	return a.found ? 0 : 1;
}
