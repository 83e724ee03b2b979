/* The host side of a fake-controller test (test_faults, test_link5,
 * test_easy, test_hostile_ctrl): a loop, the fake controller and a host on
 * it, brought up the same way, with the events every such test counts.
 * Embed struct fake_host as the FIRST member of the test's own fixture:
 * the events' ctx is that fixture, so the test's own callbacks cast it to
 * theirs and the common ones here to struct fake_host. */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include "fake_ctrl.h"

#include <blehost/host.h>

struct fake_host {
	struct bh_loop *loop;
	struct fake *f;
	struct bh_host *h;
	/* What the common events saw. */
	unsigned ready, fatal, connected, disconnected;
	bh_status last_ready, last_fatal;
	uint16_t conn;       /* the latest link up */
	uint8_t disc_reason; /* the latest Disconnection Complete's reason */
	/* Logging: with the environment variable verbose_env set, the host
	 * logs at debug level and every line is printed; else lines at
	 * `show` or worse. */
	const char *verbose_env;
	enum bh_log_level show;
	bh_time_ms vnow; /* the clock in virtual time (fake_host_virtual_time) */
};

/* The loop and the fake controller (asserting). Answers may be changed
 * (fake_set_answer) until fake_host_start. */
void fake_host_init(struct fake_host *fh, const char *verbose_env, enum bh_log_level show);
/* A configuration on the fake: seeded, no bond store, logging as above. */
void fake_host_config(struct fake_host *fh, struct bh_host_config *cfg, unsigned seed);
/* The common events (ready, fatal, connected, disconnected, log) with ctx
 * fh; a test adds its own members. */
void fake_host_events(struct fake_host *fh, struct bh_host_events *ev);
/* bh_host_new, the fake's accept and bh_host_start_sync (asserting). */
void fake_host_start(struct fake_host *fh, const struct bh_host_config *cfg,
		     const struct bh_host_events *ev);
/* Virtual time for the loop and the host (white box: its env's clock),
 * after bh_host_new and before anything is armed: the loop never sleeps,
 * it moves the clock to the next deadline when nothing is ready, at most
 * FAKE_HOST_TICK_MS at a time, so the fake's waits (fake_run, fake_recv)
 * last their virtual length even when the host has no timer armed. The
 * fake controller answers within the callback that reads the host's
 * packet, so nothing is in flight when the clock moves: ATT's 30 s, a
 * command timeout or the idle check take no real time. */
#define FAKE_HOST_TICK_MS 50
void fake_host_virtual_time(struct fake_host *fh);
/* The fake first (it watches the host's loop), then the host, the loop. */
void fake_host_fini(struct fake_host *fh);

/* Removes a flat directory (a test's bond store or hash directory) and
 * the files in it; quiet if it is not there. */
void fake_host_remove_dir(const char *dir);

#endif
