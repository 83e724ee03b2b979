/* Controller bring-up and the layer's life cycle: creation, start, the
 * bring-up sequence, recovery after a command timeout, fatal errors.
 *
 * Bring-up (each step chosen from the supported-commands bitmap, Vol 4,
 * Part E, 6.27): Reset, Read Local Version Information, Read Local Supported
 * Commands, Read Local Supported Features, LE Read Local Supported Features,
 * Read BD_ADDR, LE Read Buffer Size (v2 when supported, else v1; Read Buffer
 * Size when the LE size is 0, 7.8.2), Set Event Mask, Write LE Host Support,
 * LE Set Event Mask. Reset, the version, the command bitmap and a usable
 * buffer size are mandatory; a controller that rejects any other step still
 * comes up.
 */
#include "hci_internal.h"

#include <stdlib.h>
#include <string.h>

/* The i-th of NUL-separated names ending in an empty one, or "?": one
 * string instead of a switch of pointers. */
const char *hci_state_str(enum hci_state s)
{
	return bh_nth_name("down\0init\0recovering\0ready\0", s, "?");
}

const char *hci_init_step_str(enum hci_init_step s)
{
	/* In the order of enum hci_init_step. */
	return bh_nth_name("idle\0reset\0read-local-version\0read-local-commands\0"
			"read-local-features\0le-read-local-features\0read-bd-addr\0"
			"le-read-buffer-size\0read-buffer-size\0set-event-mask\0"
			"write-le-host-support\0le-set-event-mask\0done\0",
			s, "?");
}

void bh_hci_config_default(struct bh_hci_config *c)
{
	c->cmd_timeout_ms = 2000;
	c->max_connections = 8;
	c->tx_queue_depth = 8;
	c->rx_max_frame = 4 + 2048;
	c->recover_on_timeout = true;
}

/* Bit n of an event mask (7.3.1, 7.8.1): a constant, so the masks below
 * are built by the compiler, not at run time. */
#define EVBIT(n) ((uint64_t)1 << (n))

/* Page 1 events the stack uses (7.3.1): Disconnection Complete (4),
 * Encryption Change (7), Read Remote Version Information Complete (11),
 * Hardware Error (15), Data Buffer Overflow (25), Encryption Key Refresh
 * Complete (47), LE Meta (61). */
#define EVENT_MASK (EVBIT(4) | EVBIT(7) | EVBIT(11) | EVBIT(15) | EVBIT(25) | EVBIT(47) | EVBIT(61))

/* LE events (7.8.1): bit n-1 enables sub-event n. Enhanced Connection
 * Complete v2 (bit 40) is only defined from Core 5.2 (HCI version 11) on. */
#define LE_BIT(sub) EVBIT((sub) - 1)
static uint64_t le_event_mask(const struct bh_hci_info *info)
{
	uint64_t m = LE_BIT(BH_LE_CONN_COMPLETE) | LE_BIT(BH_LE_ADV_REPORT) |
		     LE_BIT(BH_LE_CONN_UPDATE_COMPLETE) |
		     LE_BIT(BH_LE_READ_REMOTE_FEATURES_COMPLETE) | LE_BIT(BH_LE_LTK_REQUEST) |
		     LE_BIT(BH_LE_REMOTE_CONN_PARAM_REQUEST) | LE_BIT(BH_LE_DATA_LENGTH_CHANGE) |
		     LE_BIT(BH_LE_READ_LOCAL_P256_COMPLETE) | LE_BIT(BH_LE_GENERATE_DHKEY_COMPLETE) |
		     LE_BIT(BH_LE_ENH_CONN_COMPLETE) | LE_BIT(BH_LE_DIRECTED_ADV_REPORT) |
		     LE_BIT(BH_LE_PHY_UPDATE_COMPLETE) | LE_BIT(BH_LE_EXT_ADV_REPORT) |
		     LE_BIT(BH_LE_SCAN_TIMEOUT) | LE_BIT(BH_LE_ADV_SET_TERMINATED) |
		     LE_BIT(BH_LE_SCAN_REQ_RECEIVED) | LE_BIT(BH_LE_CHANNEL_SEL_ALGO);
	if (info->hci_version >= 11)
		m |= LE_BIT(BH_LE_ENH_CONN_COMPLETE_V2);
	/* Periodic sync events, for controllers with LE Periodic Advertising
	 * (LE feature bit 13); others keep the mask they always had. */
	if ((info->le_features[1] >> 5) & 1)
		m |= LE_BIT(BH_LE_PERIODIC_SYNC_ESTABLISHED) | LE_BIT(BH_LE_PERIODIC_ADV_REPORT) |
		     LE_BIT(BH_LE_PERIODIC_SYNC_LOST);
	return m;
}

bool hci_send(struct bh_hci *hci, enum bh_h4_type type, const uint8_t *pkt, size_t len)
{
	if (!hci->port.send)
		return true;
	int rc = hci->port.send(hci->port.ctx, type, pkt, len);
	if (rc >= 0)
		return true;
	hci_log(hci, BH_LOG_ERROR, "transport send failed: %s", bh_strerror(rc));
	/* Down already when the transport reported its loss inside the send
	 * (events.fatal ran then): not a second fatal. */
	if (hci->state != HCI_STATE_DOWN)
		hci_fatal(hci, BH_ETRANSPORT);
	return false;
}

void hci_teardown(struct bh_hci *hci, bh_status st)
{
	hci->gen++;
	hci->state = HCI_STATE_DOWN;
	hci->step = HCI_INIT_IDLE;
	hci->acl_pumping = false;
	hci_conn_remove_all(hci);
	hci->acl_credits = 0;
	hci_cmd_fail_all(hci, st);
}

void hci_fatal(struct bh_hci *hci, bh_status reason)
{
	hci_log(hci, BH_LOG_ERROR, "fatal while %s: %s", hci_state_str(hci->state),
		bh_strerror(reason));
	hci_teardown(hci, reason);
	if (hci->port.fatal)
		hci->port.fatal(hci->port.ctx, reason);
}

static void init_failed(struct bh_hci *hci, bh_status st)
{
	bool recovering = hci->state == HCI_STATE_RECOVERING;
	hci_log(hci, BH_LOG_ERROR, "bring-up failed at %s: %s", hci_init_step_str(hci->step),
		bh_strerror(st));
	if (recovering) {
		hci_fatal(hci, st);
		return;
	}
	/* The Reset itself could not be queued inside bh_hci_start: it returns
	 * the error instead of calling port.ready. */
	bool sync = hci->in_start && hci->step == HCI_INIT_RESET;
	/* Callers' commands held during bring-up never ran. */
	hci_teardown(hci, BH_ERESET);
	if (sync) {
		hci->start_err = st;
		return;
	}
	if (hci->port.ready)
		hci->port.ready(hci->port.ctx, st);
}

static void init_done(struct bh_hci *hci)
{
	hci->step = HCI_INIT_DONE;
	hci->state = HCI_STATE_READY;
	hci->acl_credits = hci->info.le_acl_credits;
	hci->rr_next = 0;
	hci_log(hci, BH_LOG_INFO, "ready: HCI %u, LE ACL %u x %u%s", hci->info.hci_version,
		hci->info.le_acl_credits, hci->info.le_acl_mtu,
		hci->info.acl_shared_with_bredr ? " (shared)" : "");
	unsigned gen = hci->gen;
	if (hci->port.ready)
		hci->port.ready(hci->port.ctx, BH_OK);
	if (hci->gen == gen)
		hci_cmd_pump(hci);
}

static void init_cb(void *ctx, bh_status st, const uint8_t *ret, size_t len);

static void init_send(struct bh_hci *hci, uint16_t opcode, const void *params, size_t len)
{
	int rc = hci_cmd_queue(hci, true, opcode, params, len, init_cb, hci);
	if (rc < 0)
		init_failed(hci, rc);
}

static bool sup(const struct bh_hci *hci, uint16_t bit)
{
	return bh_hci_supports(hci, bit);
}

static bool use_le_buf_v2(const struct bh_hci *hci)
{
	return !hci->no_le_buf_v2 && bh_hci_supports(hci, BH_SUP_LE_READ_BUFFER_SIZE_V2);
}

/* Each step's command and the Supported Commands bit (Vol 4, Part E,
 * 6.27) without which it is skipped; 0: always sent. */
static const struct {
	uint16_t op, sup;
} step_cmd[HCI_INIT_DONE] = {
	[HCI_INIT_IDLE] = { BH_HCI_RESET, 0 }, /* not reached: step was incremented */
	[HCI_INIT_RESET] = { BH_HCI_RESET, 0 },
	[HCI_INIT_READ_LOCAL_VERSION] = { BH_HCI_READ_LOCAL_VERSION, 0 },
	[HCI_INIT_READ_LOCAL_COMMANDS] = { BH_HCI_READ_LOCAL_COMMANDS, 0 },
	[HCI_INIT_READ_LOCAL_FEATURES] = { BH_HCI_READ_LOCAL_FEATURES, BH_HCI_SUP(14, 5) },
	[HCI_INIT_LE_READ_LOCAL_FEATURES] = { BH_HCI_LE_READ_LOCAL_FEATURES,
					      BH_SUP_LE_READ_LOCAL_FEATURES },
	[HCI_INIT_READ_BD_ADDR] = { BH_HCI_READ_BD_ADDR, BH_HCI_SUP(15, 1) },
	/* v1 is mandatory for LE controllers: sent even when the bitmap
	 * forgets it. */
	[HCI_INIT_LE_READ_BUFFER_SIZE] = { BH_HCI_LE_READ_BUFFER_SIZE, 0 },
	[HCI_INIT_READ_BUFFER_SIZE] = { BH_HCI_READ_BUFFER_SIZE, 0 },
	[HCI_INIT_SET_EVENT_MASK] = { BH_HCI_SET_EVENT_MASK, BH_HCI_SUP(5, 6) },
	[HCI_INIT_WRITE_LE_HOST_SUPPORT] = { BH_HCI_WRITE_LE_HOST_SUPPORT,
					     BH_SUP_WRITE_LE_HOST_SUPPORT },
	[HCI_INIT_LE_SET_EVENT_MASK] = { BH_HCI_LE_SET_EVENT_MASK, BH_SUP_LE_SET_EVENT_MASK },
};

/* Moves to the next step that applies and sends its command. */
static void init_next(struct bh_hci *hci)
{
	const struct bh_hci_info *in = &hci->info;
	for (;;) {
		hci->step++;
		if (hci->step >= HCI_INIT_DONE) {
			init_done(hci);
			return;
		}
		uint16_t op = step_cmd[hci->step].op, bit = step_cmd[hci->step].sup;
		if (bit && !sup(hci, bit))
			continue;
		uint8_t buf[8];
		size_t len = 0;
		switch (hci->step) {
		case HCI_INIT_LE_READ_BUFFER_SIZE:
			if (use_le_buf_v2(hci))
				op = BH_HCI_LE_READ_BUFFER_SIZE_V2;
			break;
		case HCI_INIT_READ_BUFFER_SIZE:
			if (in->le_acl_mtu != 0 && in->le_acl_credits != 0)
				continue;
			break;
		case HCI_INIT_SET_EVENT_MASK:
			bh_put64(buf, EVENT_MASK);
			len = 8;
			break;
		case HCI_INIT_WRITE_LE_HOST_SUPPORT:
			/* Only dual-mode controllers (LMP features: LE Supported
			 * (Controller) bit 38 set, BR/EDR Not Supported bit 37
			 * clear) need the host to declare LE support (7.3.79). */
			if (!(in->features[4] & 0x40) || (in->features[4] & 0x20))
				continue;
			buf[0] = 1; /* LE_Supported_Host */
			buf[1] = 0; /* Unused */
			len = 2;
			break;
		case HCI_INIT_LE_SET_EVENT_MASK:
			bh_put64(buf, le_event_mask(in));
			len = 8;
			break;
		default:
			break;
		}
		init_send(hci, op, len ? buf : NULL, len);
		return;
	}
}

/* Parses one step's return parameters (status octet first). Returns BH_OK,
 * or BH_EMALFORMED when they are too short. */
static bh_status init_parse(struct bh_hci *hci, const uint8_t *ret, size_t len)
{
	struct bh_hci_info *in = &hci->info;
	struct bh_rd r = bh_rd_init(ret, ret ? len : 0);
	bh_rd_u8(&r); /* status, already checked */
	switch (hci->step) {
	case HCI_INIT_READ_LOCAL_VERSION: /* 7.4.1 */
		in->hci_version = bh_rd_u8(&r);
		in->hci_revision = bh_rd_u16(&r);
		in->lmp_version = bh_rd_u8(&r);
		in->manufacturer = bh_rd_u16(&r);
		in->lmp_subversion = bh_rd_u16(&r);
		break;
	case HCI_INIT_READ_LOCAL_COMMANDS: /* 7.4.2 */
		bh_rd_copy(&r, in->commands, sizeof(in->commands));
		break;
	case HCI_INIT_READ_LOCAL_FEATURES: /* 7.4.3 */
		bh_rd_copy(&r, in->features, sizeof(in->features));
		break;
	case HCI_INIT_LE_READ_LOCAL_FEATURES: /* 7.8.3 */
		bh_rd_copy(&r, in->le_features, sizeof(in->le_features));
		break;
	case HCI_INIT_READ_BD_ADDR: /* 7.4.6 */
		in->bdaddr.type = BH_ADDR_PUBLIC;
		bh_rd_copy(&r, in->bdaddr.val, 6);
		break;
	case HCI_INIT_LE_READ_BUFFER_SIZE: /* 7.8.2 (v1), 7.8.2 v2 adds ISO */
		in->le_acl_mtu = bh_rd_u16(&r);
		in->le_acl_credits = bh_rd_u8(&r);
		if (use_le_buf_v2(hci)) {
			in->iso_mtu = bh_rd_u16(&r);
			in->iso_credits = bh_rd_u8(&r);
		}
		break;
	case HCI_INIT_READ_BUFFER_SIZE: { /* 7.4.5 */
		uint16_t mtu = bh_rd_u16(&r);
		bh_rd_u8(&r); /* SCO length */
		uint16_t n = bh_rd_u16(&r);
		if (bh_rd_ok(&r)) {
			in->le_acl_mtu = mtu;
			in->le_acl_credits = n;
			in->acl_shared_with_bredr = true;
		}
		break;
	}
	default:
		break;
	}
	return bh_rd_ok(&r) ? BH_OK : BH_EMALFORMED;
}

static bool step_mandatory(enum hci_init_step s)
{
	return s == HCI_INIT_RESET || s == HCI_INIT_READ_LOCAL_VERSION ||
	       s == HCI_INIT_READ_LOCAL_COMMANDS || s == HCI_INIT_READ_BUFFER_SIZE;
}

static void init_cb(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct bh_hci *hci = ctx;
	/* Teardown fails bring-up's commands too; whoever tore down reports. */
	if (hci->state != HCI_STATE_INIT && hci->state != HCI_STATE_RECOVERING)
		return;
	if (st == BH_OK)
		st = init_parse(hci, ret, len);
	if (st == BH_OK && hci->step == HCI_INIT_RESET)
		memset(&hci->info, 0, sizeof(hci->info));
	if (st == BH_ETIMEDOUT || (st != BH_OK && step_mandatory(hci->step))) {
		init_failed(hci, st);
		return;
	}
	if (st != BH_OK && hci->step == HCI_INIT_LE_READ_BUFFER_SIZE) {
		/* v2 rejected or unreadable: try v1 once, then fall back to the
		 * BR/EDR size as if LE had said 0. */
		if (use_le_buf_v2(hci)) {
			hci->no_le_buf_v2 = true;
			hci->step--;
		}
		hci->info.le_acl_mtu = 0;
		hci->info.le_acl_credits = 0;
	} else if (st != BH_OK) {
		hci_log(hci, BH_LOG_WARN, "optional step %s failed: %s, continuing",
			hci_init_step_str(hci->step), bh_strerror(st));
	}
	if (hci->step == HCI_INIT_READ_BUFFER_SIZE &&
	    (hci->info.le_acl_mtu == 0 || hci->info.le_acl_credits == 0)) {
		init_failed(hci, BH_ENOTSUP); /* no way to send ACL data */
		return;
	}
	init_next(hci);
}

void hci_init_begin(struct bh_hci *hci, enum hci_state state)
{
	hci->state = state;
	hci->step = HCI_INIT_IDLE;
	hci->no_le_buf_v2 = false;
	/* The host may assume one command credit after power-on or Reset
	 * (Vol 4, Part E, 4.4); a wedged controller gets its Reset anyway. */
	hci->cmd_credits = 1;
	init_next(hci);
}

void hci_recover(struct bh_hci *hci)
{
	hci->stats.recoveries++;
	hci_log(hci, BH_LOG_WARN, "recovering: reset and bring-up again");
	hci_teardown(hci, BH_ERESET);
	hci_init_begin(hci, HCI_STATE_RECOVERING);
}

struct bh_hci *bh_hci_new(const struct bh_hci_config *cfg, const struct bh_env *env,
			  const struct bh_hci_port *port)
{
	if (!env || !port)
		return NULL;
	struct bh_hci *hci = calloc(1, sizeof(*hci));
	if (!hci)
		return NULL;
	struct bh_hci_config d;
	bh_hci_config_default(&d);
	hci->cfg = cfg ? *cfg : d;
	/* Zero means "default": a caller that filled only some fields still
	 * gets a working layer. */
	if (!hci->cfg.cmd_timeout_ms)
		hci->cfg.cmd_timeout_ms = d.cmd_timeout_ms;
	if (!hci->cfg.max_connections)
		hci->cfg.max_connections = d.max_connections;
	if (!hci->cfg.tx_queue_depth)
		hci->cfg.tx_queue_depth = d.tx_queue_depth;
	if (!hci->cfg.rx_max_frame)
		hci->cfg.rx_max_frame = d.rx_max_frame;
	if (hci->cfg.rx_max_frame < 8)
		hci->cfg.rx_max_frame = 8;
	if (hci->cfg.rx_max_frame > 4 + 65535)
		hci->cfg.rx_max_frame = 4 + 65535;
	if (hci->cfg.max_connections > 0x0f00)
		hci->cfg.max_connections = 0x0f00;
	hci->env = env;
	hci->port = *port;
	size_t nconn = hci->cfg.max_connections, fmax = hci->cfg.rx_max_frame;
	hci->conns = calloc(nconn, sizeof(*hci->conns));
	hci->tx_ready = calloc((nconn + 31) / 32, sizeof(*hci->tx_ready));
	if (!hci->conns || !hci->tx_ready ||
	    bh_pool_init(&hci->cmd_pool, "hci-cmd", sizeof(struct hci_cmd), HCI_CMD_POOL) != BH_OK ||
	    bh_pool_init(&hci->tx_pool, "hci-tx", sizeof(struct hci_tx_frame) + HCI_ACL_HDR + fmax,
			 (unsigned)(nconn * hci->cfg.tx_queue_depth)) != BH_OK) {
		bh_pool_destroy(&hci->cmd_pool);
		free(hci->conns);
		free(hci->tx_ready);
		free(hci);
		return NULL;
	}
	return hci;
}

void bh_hci_free(struct bh_hci *hci)
{
	if (!hci)
		return;
	hci_teardown(hci, BH_ERESET);
	bh_pool_destroy(&hci->cmd_pool);
	bh_pool_destroy(&hci->tx_pool);
	for (unsigned i = 0; i < hci->cfg.max_connections; i++)
		free(hci->conns[i].rx);
	free(hci->rx_orphan);
	free(hci->conns);
	free(hci->tx_ready);
	free(hci);
}

int bh_hci_start(struct bh_hci *hci)
{
	/* Also when down: whatever arrived meanwhile is forgotten, the Reset
	 * is about to clear the controller too. */
	hci_teardown(hci, BH_ERESET);
	/* A failure before anything was sent (the Reset could not be queued) is
	 * returned here rather than through port.ready. A transport failure is
	 * reported through port.fatal as usual. */
	hci->in_start = true;
	hci->start_err = BH_OK;
	hci_init_begin(hci, HCI_STATE_INIT);
	hci->in_start = false;
	return hci->start_err;
}

void bh_hci_on_transport_lost(struct bh_hci *hci)
{
	hci_fatal(hci, BH_ETRANSPORT);
}

bool bh_hci_is_ready(const struct bh_hci *hci)
{
	return hci->state == HCI_STATE_READY;
}

const struct bh_hci_info *bh_hci_info(const struct bh_hci *hci)
{
	return &hci->info;
}

bool bh_hci_supports(const struct bh_hci *hci, uint16_t sup_bit)
{
	if (sup_bit / 8 >= sizeof(hci->info.commands))
		return false;
	return (hci->info.commands[sup_bit / 8] >> (sup_bit % 8)) & 1;
}

bool bh_hci_le_feature(const struct bh_hci *hci, unsigned bit)
{
	if (bit >= 64)
		return false;
	return (hci->info.le_features[bit / 8] >> (bit % 8)) & 1;
}

bh_time_ms bh_hci_next_deadline(const struct bh_hci *hci)
{
	return hci_cmd_next_deadline(hci);
}

void bh_hci_on_timeout(struct bh_hci *hci)
{
	/* Several commands may be due at once (credits > 1, no recovery); each
	 * round completes one. Bounded: every round removes a pending entry. */
	for (unsigned i = 0; i < HCI_CMD_POOL; i++) {
		if (hci_cmd_next_deadline(hci) > bh_now(hci->env))
			break;
		hci_cmd_check_timeout(hci);
	}
}

void bh_hci_stats(const struct bh_hci *hci, struct bh_hci_stats *out)
{
	*out = hci->stats;
	out->acl_credits_free = hci->acl_credits;
}

void bh_hci_fail_alloc(struct bh_hci *hci, long cmd_allocs, long tx_allocs)
{
	bh_pool_fail_after(&hci->cmd_pool, cmd_allocs);
	bh_pool_fail_after(&hci->tx_pool, tx_allocs);
}
