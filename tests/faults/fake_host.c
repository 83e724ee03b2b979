/* The fixture the fake-controller tests share (fake_host.h). */
#include "fake_host.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "host_internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ev_ready(void *ctx, bh_status st)
{
	struct fake_host *fh = ctx;
	fh->ready++;
	fh->last_ready = st;
}

static void ev_fatal(void *ctx, bh_status st)
{
	struct fake_host *fh = ctx;
	fh->fatal++;
	fh->last_fatal = st;
}

static void ev_connected(void *ctx, uint16_t handle, bool central, const bh_addr *peer)
{
	struct fake_host *fh = ctx;
	(void)central;
	(void)peer;
	fh->connected++;
	fh->conn = handle;
}

static void ev_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	struct fake_host *fh = ctx;
	(void)handle;
	fh->disconnected++;
	fh->disc_reason = reason;
}

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	const struct fake_host *fh = ctx;
	if (lvl <= fh->show || getenv(fh->verbose_env))
		fprintf(stderr, "  [host %s] %s\n", layer, msg);
}

void fake_host_init(struct fake_host *fh, const char *verbose_env, enum bh_log_level show)
{
	memset(fh, 0, sizeof(*fh));
	fh->verbose_env = verbose_env;
	fh->show = show;
	fh->loop = bh_loop_new();
	assert_non_null(fh->loop);
#ifdef FAKE_HOST_PTY /* -Dsockets=false: no unix: transport, H4 on a pty */
	fh->f = fake_new_pty("serial", "");
#else
	fh->f = fake_new();
#endif
	assert_non_null(fh->f);
}

void fake_host_config(struct fake_host *fh, struct bh_host_config *cfg, unsigned seed)
{
	bh_host_config_default(cfg);
	cfg->transport = fake_transport(fh->f);
	cfg->loop = fh->loop;
	cfg->seeded = true;
	cfg->seed = seed;
	cfg->store_dir = "";
	cfg->log_level = getenv(fh->verbose_env) ? BH_LOG_DEBUG : BH_LOG_WARN;
}

void fake_host_events(struct fake_host *fh, struct bh_host_events *ev)
{
	*ev = (struct bh_host_events){ .ctx = fh, .ready = ev_ready, .fatal = ev_fatal,
				       .connected = ev_connected, .disconnected = ev_disconnected,
				       .log = ev_log };
}

void fake_host_start(struct fake_host *fh, const struct bh_host_config *cfg,
		     const struct bh_host_events *ev)
{
	char err[256] = "";
	fh->h = bh_host_new(cfg, ev, err, sizeof(err));
	if (!fh->h)
		fprintf(stderr, "bh_host_new: %s\n", err);
	assert_non_null(fh->h);
	assert_int_equal(fake_accept(fh->f, fh->loop), 0);
	assert_int_equal(bh_host_start_sync(fh->h, 3000), 0);
}

static bh_time_ms vclock(void *ctx) { return ((const struct fake_host *)ctx)->vnow; }

static void vadvance(void *ctx, bh_time_ms to)
{
	struct fake_host *fh = ctx;
	if (to > fh->vnow)
		fh->vnow = to;
}

static bh_time_ms tick_due(void *ctx) { return vclock(ctx) + FAKE_HOST_TICK_MS; }
static void tick_run(void *ctx) { (void)ctx; }

void fake_host_virtual_time(struct fake_host *fh)
{
	fh->vnow = bh_monotonic_ms(NULL);
	bh_loop_set_clock(fh->loop, vclock, fh);
	bh_loop_set_virtual(fh->loop, vadvance, fh);
	assert_int_equal(bh_loop_add_source(fh->loop, tick_due, tick_run, fh), 0);
	fh->h->env.now = vclock;
	fh->h->env.now_ctx = fh;
}

void fake_host_fini(struct fake_host *fh)
{
	fake_free(fh->f);
	bh_host_free(fh->h);
	bh_loop_free(fh->loop);
	memset(fh, 0, sizeof(*fh));
}

void fake_host_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	char path[512];
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}
