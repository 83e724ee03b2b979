/* The host object: creation, the environment, the loop's deadline sources,
 * accessors. The wiring between layers lives in host_lower.c (transport and
 * HCI), host_conn.c (per-connection layers) and host_security.c (SMP). */
#include "host_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void bh_host_config_default(struct bh_host_config *c)
{
	memset(c, 0, sizeof(*c));
	c->log_level = BH_LOG_WARN;
	c->att_mtu = BH_ATT_MAX_MTU;
	c->max_connections = 8;
	c->io_cap = BH_IO_NO_INPUT_NO_OUTPUT;
	c->bondable = true;
	c->min_key_size = 16;
	c->auto_security = true;
}

void host_logf(struct bh_host *h, enum bh_log_level lvl, const char *fmt, ...)
{
	if (lvl > h->env.log_level || !h->env.log)
		return;
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	h->env.log(h->env.log_ctx, lvl, "host", buf);
}

static void app_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	struct bh_host *h = ctx;
	if (h->ev.log)
		h->ev.log(h->ev.ctx, lvl, layer, msg);
	else
		fprintf(stderr, "[%s] %s\n", layer, msg);
}

static bh_time_ms virtual_now(void *ctx)
{
	struct bh_host *h = ctx;
	return h->transport ? bh_transport_virtual_now(h->transport) : 0;
}

/* ---- the stack's deadlines: one loop source ---- */

/* One source for HCI, L2CAP, SMP, GAP, the links' ATT bearers and the idle
 * check: the loop asks it once per pass (bh_loop caches it until a callback
 * runs) and the layers' deadlines are computed once for all of them; the
 * idle check and a source per link used to compute them again. (EATT
 * bearers keep their own sources, host_eatt.c.) */
static bh_time_ms idle_due(struct bh_host *h, bh_time_ms stack);

static bh_time_ms stack_deadline(void *a)
{
	struct bh_host *h = a;
	bh_time_ms layers = host_layers_deadline(h);
	bh_time_ms att = host_att_deadline(h);
	bh_time_ms d = layers < att ? layers : att;
	bh_time_ms idle = idle_due(h, d);
	return idle < d ? idle : d;
}

static void idle_run(struct bh_host *h, bh_time_ms now);

static void stack_run(void *a)
{
	struct bh_host *h = a;
	HOST_CB_ENTER(h);
	bh_time_ms now = bh_now(&h->env);
	if (bh_hci_next_deadline(h->hci) <= now)
		bh_hci_on_timeout(h->hci);
	if (bh_l2cap_next_deadline(h->l2cap) <= now)
		bh_l2cap_on_timeout(h->l2cap);
	if (h->smp && bh_smp_next_deadline(h->smp) <= now)
		bh_smp_on_timeout(h->smp);
	if (bh_gap_next_deadline(h->gap) <= now)
		bh_gap_on_timeout(h->gap);
	host_refused_retry(h, now);
	idle_run(h, now);
	/* Last, where their own sources (added after this one) used to run. */
	host_att_timeouts(h, now);
	HOST_CB_LEAVE(h);
}

/* ---- idle controller check (bh_host_config.idle_check_ms) ---- */

static void idle_check_done(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct bh_host *h = ctx;
	(void)ret;
	(void)len;
	h->idle_check_out = false;
	h->last_rx = bh_now(&h->env);
	/* No answer: HCI is already recovering (Reset), and reports fatal if
	 * that fails too. Say why it started. */
	if (st == BH_ETIMEDOUT)
		host_log(h, BH_LOG_WARN, "controller silent: no answer to the idle check");
}

/* Only while nothing is pending: a layer with a timer armed (a command
 * out, an ATT request, a pairing, a scan or advertising with a timeout)
 * ends its own wait with an error, and what follows talks to the
 * controller. stack: the earliest of the layers' deadlines. */
static bh_time_ms idle_due(struct bh_host *h, bh_time_ms d)
{
	if (h->rx_seen) {
		/* Asked in the pass that received it (the loop asks its sources
		 * after every callback): that pass's time is the packet's, give
		 * or take microseconds, when the loop's clock is ours (our own
		 * loop, a real clock); else the clock is read. */
		h->rx_seen = false;
		h->last_rx = h->own_loop && !HOST_VIRTUAL(h) ? bh_loop_pass_now(h->loop)
							     : bh_now(&h->env);
	}
	if (!h->ready || h->fatal || h->idle_check_out ||
	    h->cfg.idle_check_ms == BH_HOST_NO_IDLE_CHECK)
		return BH_NEVER;
	if (d != BH_NEVER) {
		/* Busy time counts as activity: the idle period starts when the
		 * last timer of the stack has run (virtual time jumps to it). */
		if (d > h->last_rx)
			h->last_rx = d;
		return BH_NEVER;
	}
	return h->last_rx + h->cfg.idle_check_ms;
}

static void idle_run(struct bh_host *h, bh_time_ms now)
{
	if (idle_due(h, host_stack_deadline(h)) > now)
		return;
	h->idle_check_out = true;
	if (bh_hci_cmd(h->hci, BH_HCI_READ_LOCAL_VERSION, NULL, 0, idle_check_done, h)) {
		/* Queue full or controller down: the other work will tell. */
		h->idle_check_out = false;
		h->last_rx = bh_now(&h->env);
	}
}

struct bh_host *bh_host_new(const struct bh_host_config *cfg, const struct bh_host_events *ev,
			    char *err, size_t errlen)
{
	unsigned rpa = cfg ? cfg->rpa_timeout_ms : 0;
	if (rpa && rpa - BH_HOST_RPA_TIMEOUT_MIN_MS >
			   BH_HOST_RPA_TIMEOUT_MAX_MS - BH_HOST_RPA_TIMEOUT_MIN_MS) {
		snprintf(err, errlen, "rpa_timeout_ms %u out of range: 1 s to 1 hour (0: 15 minutes)",
			 rpa);
		return NULL;
	}
	struct bh_host *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (cfg)
		h->cfg = *cfg;
	else
		bh_host_config_default(&h->cfg);
	if (ev)
		h->ev = *ev;
	if (!h->cfg.max_connections)
		h->cfg.max_connections = 8;
	if (!h->cfg.att_mtu)
		h->cfg.att_mtu = BH_ATT_MAX_MTU;
	if (!h->cfg.idle_check_ms)
		h->cfg.idle_check_ms = 5000;

	bh_env_system(&h->env, h->cfg.log_level);
	h->env.log = app_log;
	h->env.log_ctx = h;
	if (h->cfg.seeded) {
		bh_xrand_seed(&h->xrand, h->cfg.seed);
		h->env.random = bh_xrand_fill;
		h->env.random_ctx = &h->xrand;
	}

	h->own_loop = !h->cfg.loop;
	h->loop = h->cfg.loop ? h->cfg.loop : bh_loop_new();
	h->max_conns = h->cfg.max_connections;
	h->refused_retry = BH_NEVER;
	h->conns = calloc(h->max_conns, sizeof(*h->conns));
	if (!h->loop || !h->conns) {
		snprintf(err, errlen, "out of memory");
		bh_host_free(h);
		return NULL;
	}
	if (host_lower_open(h, err, errlen)) {
		bh_host_free(h);
		return NULL;
	}
	if (HOST_VIRTUAL(h)) {
		h->env.now = virtual_now;
		h->env.now_ctx = h;
	}

	struct bh_hci_config hc;
	bh_hci_config_default(&hc);
	hc.max_connections = h->max_conns;
	host_hci_port_init(h);
	h->hci = bh_hci_new(&hc, &h->env, &h->hci_port);

	struct bh_l2cap_config lc;
	bh_l2cap_config_default(&lc);
	lc.max_connections = h->max_conns;
	lc.att_mtu = h->cfg.att_mtu;
	if (h->cfg.eatt_bearers > BH_HOST_EATT_MAX)
		h->cfg.eatt_bearers = BH_HOST_EATT_MAX;
	/* Room for every connection's EATT bearers beside application channels. */
	if (lc.max_channels < h->max_conns * h->cfg.eatt_bearers + 8)
		lc.max_channels = h->max_conns * h->cfg.eatt_bearers + 8;
	host_conn_ports_init(h);
	h->l2cap = bh_l2cap_new(&lc, &h->env, &h->l2cap_port);
	if (h->l2cap && host_eatt_init(h) != 0) {
		bh_l2cap_free(h->l2cap);
		h->l2cap = NULL;
	}

	struct bh_gap_config gc;
	bh_gap_config_default(&gc);
	gc.max_connections = h->max_conns;
	gc.rpa_timeout_ms = rpa; /* GAP takes 0 as its default */
	/* ms to HCI units (1.25 ms, 10 ms), rounded; 0 stays "default". */
	gc.peer_params = (struct bh_gap_conn_limits){
		(uint16_t)(h->cfg.peer_conn_limits.interval_min_ms / 1.25 + 0.5),
		(uint16_t)(h->cfg.peer_conn_limits.interval_max_ms / 1.25 + 0.5),
		h->cfg.peer_conn_limits.max_latency,
		(uint16_t)((h->cfg.peer_conn_limits.timeout_min_ms + 5) / 10),
		(uint16_t)((h->cfg.peer_conn_limits.timeout_max_ms + 5) / 10),
	};
	h->gap = bh_gap_new(&gc, &h->env, &h->gap_port);

	struct bh_gatts_config sc;
	bh_gatts_config_default(&sc);
	sc.max_connections = h->max_conns;
	/* A 512-byte value written at the minimum MTU takes 29 Prepare Writes. */
	sc.prepare_queue = 32;
	sc.server_features = h->cfg.eatt_bearers ? 0x01 : 0; /* bit 0: EATT */
	sc.hash_cache_ctx = h;
	sc.hash_lookup = host_dbhash_lookup;
	sc.hash_store = host_dbhash_store;
	h->gatts = bh_gatts_new(&sc, &h->env, &h->gatts_port, &h->gatts_events);

	if (!h->hci || !h->l2cap || !h->gap || !h->gatts ||
	    host_security_init(h, err, errlen) || host_dbhash_init(h) ||
	    host_chipset_init(h, err, errlen) ||
	    bh_loop_add_source(h->loop, stack_deadline, stack_run, h)) {
		if (!*err)
			snprintf(err, errlen, "could not create the stack's layers (out of memory)");
		bh_host_free(h);
		return NULL;
	}
	return h;
}

void bh_host_free(struct bh_host *h)
{
	if (!h)
		return;
	/* From an application callback, the layers that called it are still
	 * below on the stack and go on after it returns: freeing them here
	 * would be a use after free. Refused with a message (host.h). */
	if (h->cb_depth || h->freeing) {
		host_log(h, BH_LOG_ERROR,
			 "bh_host_free called from one of the host's callbacks: not freed (quit "
			 "the loop there and free once it returns)");
		return;
	}
	h->freeing = true;
	host_conn_drop_all(h, BH_ERESET, false);
	if (h->hci && h->gap)
		bh_hci_cmd_forget(h->hci, h->gap); /* GAP's commands carry it as context */
	if (h->hci)
		bh_hci_cmd_forget(h->hci, h); /* the idle check's */
	bh_gap_free(h->gap);
	bh_gatts_free(h->gatts);
	host_security_free(h);
	host_dbhash_free(h);
	host_chipset_free(h);
	bh_l2cap_free(h->l2cap);
	bh_hci_free(h->hci);
	host_lower_close(h);
	if (h->loop) {
		host_loss_cancel(h);
		bh_loop_remove_source(h->loop, h);
	}
	if (h->own_loop)
		bh_loop_free(h->loop);
	for (unsigned i = 0; h->conns && i < h->max_conns; i++)
		free(h->conns[i]);
	free(h->conns);
	free(h);
}

int bh_host_start(struct bh_host *h)
{
	h->ready_done = false;
	h->fatal = false;
	/* Before the controller was first up, a write it refuses ends the
	 * bring-up here: events.fatal runs inside this call, with HCI below
	 * it, so a free from there is refused as from the loop's callbacks. */
	HOST_CB_ENTER(h);
	int rc = host_chipset_start(h) ? BH_OK : bh_hci_start(h->hci);
	HOST_CB_LEAVE(h);
	return rc;
}

int bh_host_start_sync(struct bh_host *h, unsigned timeout_ms)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	int rc = bh_host_start(h);
	if (rc)
		return rc;
	rc = bh_loop_run_until(h->loop, &h->ready_done, timeout_ms);
	if (rc)
		return h->fatal ? h->fatal_reason : rc;
	return h->ready_status;
}

struct bh_loop *bh_host_loop(struct bh_host *h) { return h->loop; }
const struct bh_env *bh_host_env(const struct bh_host *h) { return &h->env; }
struct bh_hci *bh_host_hci(struct bh_host *h) { return h->hci; }
struct bh_l2cap *bh_host_l2cap(struct bh_host *h) { return h->l2cap; }
struct bh_gap *bh_host_gap(struct bh_host *h) { return h->gap; }
struct bh_smp *bh_host_smp(struct bh_host *h) { return h->smp; }
struct bh_gatts *bh_host_gatt_server(struct bh_host *h) { return h->gatts; }
struct bh_transport *bh_host_transport(struct bh_host *h) { return h->transport; }

struct bh_gattc *bh_host_gattc(struct bh_host *h, uint16_t handle)
{
	struct host_conn *c = host_conn_find(h, handle);
	return c ? c->gattc : NULL;
}

struct bh_att *bh_host_att(struct bh_host *h, uint16_t handle)
{
	struct host_conn *c = host_conn_find(h, handle);
	return c ? c->att : NULL;
}

int bh_host_run(struct bh_host *h)
{
	if (bh_loop_dispatching(h->loop))
		return host_nested(h);
	return bh_loop_run(h->loop);
}

bh_status bh_host_lost(const struct bh_host *h) { return h->fatal ? h->fatal_reason : BH_OK; }

void bh_host_run_for(struct bh_host *h, unsigned ms)
{
	if (bh_loop_dispatching(h->loop)) {
		host_nested(h);
		return;
	}
	bool never = false;
	bh_loop_run_until(h->loop, &never, ms);
}

bool bh_host_replay_done(struct bh_host *h)
{
	/* After a fault cut there is no rest of the trace to play (its
	 * result is then BH_OK; an unfinished replay's is BH_ESTATE). */
	return HOST_VIRTUAL(h) && (bh_replay_done(h->transport) ||
				   bh_replay_result(h->transport, NULL, 0) == BH_OK);
}

int bh_host_replay_result(struct bh_host *h, char *report, size_t len)
{
	if (!HOST_VIRTUAL(h))
		return BH_EINVAL;
	return bh_replay_result(h->transport, report, len);
}

int bh_host_passkey_reply(struct bh_host *h, uint16_t handle, bool accept, uint32_t passkey)
{
	return bh_smp_passkey_reply(h->smp, handle, accept, passkey);
}

int bh_host_confirm_reply(struct bh_host *h, uint16_t handle, bool accept)
{
	return bh_smp_confirm_reply(h->smp, handle, accept);
}
