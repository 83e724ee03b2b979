/* Advertising: legacy (LE Set Advertising Parameters/Data/Scan Response
 * Data/Enable, Vol 4, Part E, 7.8.5-7.8.9) or extended (LE Set Extended
 * Advertising Parameters/Data/Scan Response Data/Enable, 7.8.53-7.8.56,
 * data fragmented 251 bytes per command), timeouts, and restart after a
 * peripheral connection ends.
 */
#include "gap_internal.h"

#include <stdlib.h>
#include <string.h>

enum { ADV_STEP, ADV_MAXLEN, ADV_ENABLED, ADV_DISABLED, ADV_IGNORE, ADV_ROTATE, ADV_ROTATE_ON,
       ADV_ROTATE_ADDR, ADV_ANON_ADDR, ADV_ANON_ROT };

#define EXT_FRAG_MAX 251 /* Advertising_Data per LE Set Extended Advertising Data */
#define ADV_HANDLE 0

bool gap_adv_directed(const struct bh_gap *gap)
{
	return gap->adv.kind == BH_GAP_ADV_DIRECT_HIGH || gap->adv.kind == BH_GAP_ADV_DIRECT_LOW;
}

static bool kind_connectable(enum bh_gap_adv_kind k)
{
	return k == BH_GAP_ADV_CONN || k == BH_GAP_ADV_DIRECT_HIGH || k == BH_GAP_ADV_DIRECT_LOW;
}

/* Legacy PDUs fit 31 bytes each; anything larger needs extended PDUs. */
static bool uses_legacy_pdu(const struct bh_gap *gap)
{
	return gap->adv.data_len <= BH_AD_LEGACY_MAX && gap->adv.scan_rsp_len <= BH_AD_LEGACY_MAX;
}

/* The start's one answer. */
static void adv_answer(struct bh_gap *gap, bh_status st)
{
	gap_answer(&gap->adv_cb, gap->adv_cb_ctx, st);
}

static void adv_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		     uintptr_t arg);

/* Starting, and its enable is out, not yet answered. */
static bool enable_out(const struct bh_gap *gap)
{
	return gap->adv_state == ADV_STARTING && gap_cmd_in_flight(gap, adv_done, ADV_ENABLED);
}

static void stopped(struct bh_gap *gap, bh_status reason)
{
	/* This run's: the start's answer may start another (gap->adv). */
	void (*cb)(void *, bh_status) = gap->adv.on_stopped;
	void *ctx = gap->adv.ctx;
	/* A rotation's re-enable still queued would put it back on the air. */
	gap_cmd_drop(gap, PROC_ADV);
	/* Nor may a run started from a callback take its enable's answer. */
	if (enable_out(gap))
		gap_cmd_disown(gap, adv_done, ADV_ENABLED);
	gap->adv_readdr = false;
	gap->adv_state = ADV_IDLE;
	gap->adv_deadline = BH_NEVER;
	gap->adv_restarting = false;
	/* Stopped before the enable was confirmed (a connection came at once):
	 * the start did happen, so its callback still gets its one answer. */
	adv_answer(gap, BH_OK);
	if (cb)
		cb(ctx, reason);
}

/* A restart after a disconnect has no caller to answer: the advertising is
 * not back, and on_stopped says so; nor is it tried again at the next. */
static void restart_failed(struct bh_gap *gap, bh_status st)
{
	gap_log(gap, BH_LOG_WARN, "advertising restart failed: %s", bh_strerror(st));
	gap->adv_has_params = false;
	stopped(gap, st);
}

/* A start the controller refused is not restarted after a later
 * disconnect either (from an earlier run's link). */
static void start_failed(struct bh_gap *gap, bh_status st)
{
	if (gap->adv_restarting) {
		restart_failed(gap, st);
		return;
	}
	gap->adv_has_params = false;
	gap_cmd_drop(gap, PROC_ADV);
	gap->adv_state = ADV_IDLE;
	adv_answer(gap, st);
}

/* The host's timer for a running handle 0: the end it keeps (legacy has
 * no Duration, nor has extended past 655.35 s), or, sooner, anonymous
 * advertising's next NRPA (anon_readdress). */
__attribute__((noinline)) static void adv_timer(struct bh_gap *gap, bh_time_ms now)
{
	unsigned t = gap->adv.timeout_ms;
	gap->adv_deadline = t && (!gap_ext_adv(gap) || t > 655350) ? gap->adv_until : BH_NEVER;
	bh_time_ms r = now + gap->cfg.rpa_timeout_ms;
	if (gap->adv.anonymous && r < gap->adv_until)
		gap->adv_deadline = r;
}

static void adv_done(struct bh_gap *gap, bh_status st, const uint8_t *ret, size_t len,
		     uintptr_t arg)
{
	if (arg == ADV_ANON_ADDR) {
		/* The NRPA replaced GAP's address: said when answered, as GAP's
		 * own writes say they are in (set_rand_done), so one queued
		 * before this cannot claim the controller after it. A step of
		 * the start otherwise. */
		gap->rand_in_ctrl = false;
		arg = ADV_STEP;
	}
	switch (arg) {
	case ADV_STEP:
	case ADV_MAXLEN:
		if (gap->adv_state != ADV_STARTING)
			return;
		if (st) {
			start_failed(gap, st);
			return;
		}
		if (arg == ADV_MAXLEN) {
			/* Status(1) Max_Advertising_Data_Length(2) (7.8.57) */
			if (!ret || len < 3) {
				start_failed(gap, BH_EMALFORMED);
				return;
			}
			uint16_t max = bh_get16(ret + 1);
			gap->ext_adv_max = max;
			if (gap->adv.data_len > max || gap->adv.scan_rsp_len > max)
				start_failed(gap, BH_ENOSPACE);
		}
		return;
	case ADV_ENABLED:
		if (gap->adv_state == ADV_STOPPING) {
			/* A stop came while starting: the disable is queued. */
			adv_answer(gap, st ? st : BH_ECANCELLED);
			return;
		}
		if (gap->adv_state != ADV_STARTING)
			return;
		if (st) {
			start_failed(gap, st);
			return;
		}
		gap->adv_state = ADV_ON;
		gap->adv_restarting = false;
		bh_time_ms now = bh_now(gap->env);
		gap->adv_until = gap->adv.timeout_ms ? now + gap->adv.timeout_ms : BH_NEVER;
		adv_timer(gap, now);
		adv_answer(gap, BH_OK);
		return;
	case ADV_DISABLED:
		if (gap->adv_state != ADV_STOPPING)
			return;
		if (gap->adv_stop_reason == BH_OK) {
			gap->adv_state = ADV_IDLE; /* the caller asked: no on_stopped */
			gap->adv_deadline = BH_NEVER;
		} else {
			stopped(gap, gap->adv_stop_reason);
		}
		return;
	case ADV_ROTATE_ON:
		/* Legacy: the rotation's LE Set Random Address was answered
		 * before this (rand_in_ctrl). */
		if (!gap_ext_adv(gap) && gap->rand_in_ctrl && gap->adv_readdr)
			gap->adv_own = gap->rand_addr;
		gap->adv_readdr = false;
		if (gap->adv_state != ADV_ON)
			return; /* ended or being stopped meanwhile */
		if (st) {
			/* Disabled for the rotation and not enabled again: off the
			 * air, and it says so. */
			gap_log(gap, BH_LOG_WARN, "adv re-enable after rotation: %s",
				bh_strerror(st));
			gap->adv_late = true;
			stopped(gap, st);
			return;
		}
		gap->adv_reenabled = true;
		return;
	default:
		/* LE Set Advertising Set Random Address (7.8.52): only an address
		 * the controller took is the one advertised from. Refused, the
		 * re-enable resumes the old one until the next rotation, and
		 * scanning and initiating are put back on it too. */
		if (gap_ext_adv(gap) && arg == ADV_ROTATE_ADDR && gap->adv_readdr) {
			if (st)
				gap_addr_write_back(gap);
			else
				gap->adv_own = gap->rand_addr;
		}
		/* Anonymous advertising's next NRPA refused: the old one goes on. */
		if (st && arg == ADV_ANON_ROT && gap->adv_readdr)
			gap->adv_own = gap->adv_prev;
		if (st && arg != ADV_IGNORE)
			gap_log(gap, BH_LOG_WARN, "adv rotation step: %s", bh_strerror(st));
		return;
	}
}

/* The address of the run a peripheral link came from: the running one's
 * (before a rotation's re-enable was answered, the one before it); idle,
 * the last run's, whatever GAP's own address has become since (a late
 * report after a stop); starting, before its enable went out, the run
 * before's, which adv_queue_start kept in adv_prev (once it is out, the
 * link ends this run, run_ended, and has its address). */
void gap_adv_link_addr(const struct bh_gap *gap, bh_addr *out)
{
	bool before = gap->adv_readdr || (gap->adv_state == ADV_STARTING && !enable_out(gap));
	*out = before ? gap->adv_prev : gap->adv_own;
}

/* The controller says a run ended (a connection, its duration). Is it this
 * run's end? Starting, the run is not on the air before its enable goes
 * out: the news is of the run before (adv_late), and must not end this
 * one. The owed news has come either way. */
static bool run_ended(struct bh_gap *gap, bool *late)
{
	*late = gap->adv_late;
	gap->adv_late = false;
	return gap->adv_state == ADV_ON || enable_out(gap);
}

/* The controller ended the advertising (a connection, its duration): if a
 * rotation's re-enable has gone out, the end may have come before that
 * rotation's disable and the controller obeyed the re-enable after it; or
 * (late) the news may be of the run before, and this one is on. Either
 * way the controller may be advertising while the host says it stopped.
 * One more disable makes sure; advertising already off stays off whatever
 * the answer (7.8.9: no effect), so the answer is ignored. Not under
 * PROC_ADV, which stopped() drops, and queued before on_stopped, which may
 * start advertising anew. */
static void make_sure_off(struct bh_gap *gap, bool late)
{
	if (!late && !gap->adv_reenabled && !gap_cmd_in_flight(gap, adv_done, ADV_ROTATE_ON))
		return;
	bool ext = gap_ext_adv(gap);
	uint8_t p[6] = { 0, 1, ADV_HANDLE };
	if (gap_cmd(gap, PROC_MISC, ext ? BH_HCI_LE_SET_EXT_ADV_ENABLE : BH_HCI_LE_SET_ADV_ENABLE, p,
		    ext ? 6 : 1, adv_done, ADV_IGNORE))
		gap_log(gap, BH_LOG_WARN, "advertising ended; no room to make sure it is off");
}

void gap_adv_step_failed(struct bh_gap *gap, bh_status st)
{
	adv_done(gap, st, NULL, 0, ADV_STEP);
}

static int queue_ext_data(struct bh_gap *gap, uint16_t op, const uint8_t *d, size_t n)
{
	return gap_queue_adv_data(gap, PROC_ADV, op, ADV_HANDLE, d, n, adv_done, ADV_STEP);
}

/* Every advertising command goes through adv_done with PROC_ADV. */
static int adv_cmd(struct bh_gap *gap, uint16_t op, const void *p, size_t len, uintptr_t arg)
{
	return gap_cmd(gap, PROC_ADV, op, p, len, adv_done, arg);
}

static uint16_t ext_duration(struct bh_gap *gap)
{
	/* Duration in 10 ms units; past 655.35 s the host timer takes over. */
	unsigned t = gap->adv.timeout_ms;
	if (!t || t > 655350)
		return 0;
	/* Enabled again after a new address: what is left of it. */
	if (gap->adv_state == ADV_ON) {
		bh_time_ms now = bh_now(gap->env);
		t = gap->adv_until > now ? (unsigned)(gap->adv_until - now) : 1;
	}
	return (uint16_t)((t + 9) / 10);
}

/* LE Set (Extended) Advertising Enable for handle 0 alone: bh_gap_adv_set_start's
 * sets run beside it. */
static int queue_enable(struct bh_gap *gap, bool enable, uintptr_t arg)
{
	if (gap_ext_adv(gap)) {
		uint8_t p[6] = { enable, 1, ADV_HANDLE };
		if (enable)
			bh_put16(p + 3, ext_duration(gap));
		/* Max_Extended_Advertising_Events 0: no limit */
		return adv_cmd(gap, BH_HCI_LE_SET_EXT_ADV_ENABLE, p, 6, arg);
	}
	uint8_t e = enable;
	return adv_cmd(gap, BH_HCI_LE_SET_ADV_ENABLE, &e, 1, arg);
}

int gap_adv_queue_enable(struct bh_gap *gap, bool enable)
{
	if (enable) {
		gap->adv_prev = gap->adv_own;
		gap->adv_readdr = true;
	}
	if (gap_ext_adv(gap)) {
		/* Not GAP's address for anonymous advertising's NRPA
		 * (anon_readdress writes its own; rotate() leaves it alone). */
		if (enable && gap->own_kind != BH_GAP_OWN_PUBLIC && !gap->adv.anonymous) {
			uint8_t p[7] = { ADV_HANDLE };
			memcpy(p + 1, gap->rand_addr.val, 6);
			/* PROC_ADDR: dropped, unsent, if the rotation's LE Set
			 * Random Address is refused (rotate_done). */
			gap_cmd(gap, PROC_ADDR, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, p, 7, adv_done,
				ADV_ROTATE_ADDR);
		}
	}
	return queue_enable(gap, enable, enable ? ADV_ROTATE_ON : ADV_ROTATE);
}

/* Both legacy data commands always carry 31 octets, zero padded (7.8.7). */
__attribute__((noinline)) static int legacy_data(struct bh_gap *gap, uint16_t op, const uint8_t *src, uint8_t n)
{
	uint8_t d[32] = { n };
	memcpy(d + 1, src, n);
	return adv_cmd(gap, op, d, 32, ADV_STEP);
}

static int queue_legacy(struct bh_gap *gap, uint8_t own_type)
{
	static const uint8_t adv_type[] = { 0x00, 0x02, 0x03, 0x01, 0x04 };
	const struct bh_gap_adv_params *a = &gap->adv;
	uint8_t p[15];
	bh_put16(p, a->interval_min);
	bh_put16(p + 2, a->interval_max);
	p[4] = adv_type[a->kind];
	p[5] = own_type;
	p[6] = a->peer.type;
	memcpy(p + 7, a->peer.val, 6);
	p[13] = a->channel_map;
	p[14] = 0; /* Advertising_Filter_Policy: anyone may scan and connect */
	int rc = adv_cmd(gap, BH_HCI_LE_SET_ADV_PARAMS, p, 15, ADV_STEP);
	if (!rc && !gap_adv_directed(gap)) {
		rc = legacy_data(gap, BH_HCI_LE_SET_ADV_DATA, a->data, a->data_len);
		if (!rc && a->kind != BH_GAP_ADV_NONCONN)
			rc = legacy_data(gap, BH_HCI_LE_SET_SCAN_RSP_DATA, a->scan_rsp,
					 a->scan_rsp_len);
	}
	if (!rc)
		rc = queue_enable(gap, true, ADV_ENABLED);
	return rc;
}

/* Advertising_Event_Properties (7.8.53). */
static uint16_t ext_props(const struct bh_gap *gap)
{
	if (uses_legacy_pdu(gap)) {
		static const uint16_t legacy[] = { 0x13, 0x12, 0x10, 0x1d, 0x15 };
		return legacy[gap->adv.kind];
	}
	static const uint16_t ext[] = { 0x01, 0x02, 0x00, 0x0d, 0x05 };
	return ext[gap->adv.kind];
}

static int queue_ext(struct bh_gap *gap, uint8_t own_type, const bh_addr *rand)
{
	const struct bh_gap_adv_params *a = &gap->adv;
	int rc = BH_OK;
	if (!uses_legacy_pdu(gap) && !gap->ext_adv_max)
		rc = adv_cmd(gap, BH_HCI_LE_READ_MAX_ADV_DATA_LEN, NULL, 0, ADV_MAXLEN);
	/* A set left from before may hold properties that clash with the new
	 * ones; removing it first makes the parameters apply cleanly. Its
	 * failure (Unknown Advertising Identifier) is expected and ignored. */
	uint8_t h = ADV_HANDLE;
	if (!rc)
		rc = adv_cmd(gap, BH_HCI_LE_REMOVE_ADV_SET, &h, 1, ADV_IGNORE);
	uint8_t p[25] = { ADV_HANDLE };
	bh_put16(p + 1, ext_props(gap));
	bh_put24(p + 3, a->interval_min);
	bh_put24(p + 6, a->interval_max);
	p[9] = a->channel_map;
	p[10] = own_type;
	p[11] = a->peer.type;
	memcpy(p + 12, a->peer.val, 6);
	p[18] = 0;    /* filter policy */
	p[19] = 0x7f; /* TX power: no preference */
	p[20] = 0x01; /* primary PHY LE 1M */
	p[21] = 0;    /* secondary max skip */
	p[22] = 0x01; /* secondary PHY LE 1M */
	p[23] = 0;    /* SID */
	p[24] = 0;    /* no scan request notifications */
	if (!rc)
		rc = adv_cmd(gap, BH_HCI_LE_SET_EXT_ADV_PARAMS, p, 25, ADV_STEP);
	if (!rc && rand) {
		uint8_t q[7] = { ADV_HANDLE };
		memcpy(q + 1, rand->val, 6);
		rc = adv_cmd(gap, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, q, 7, ADV_STEP);
	}
	if (!rc && !gap_adv_directed(gap))
		rc = queue_ext_data(gap, BH_HCI_LE_SET_EXT_ADV_DATA, a->data, a->data_len);
	if (!rc && !gap_adv_directed(gap))
		rc = queue_ext_data(gap, BH_HCI_LE_SET_EXT_SCAN_RSP_DATA, a->scan_rsp,
				    a->scan_rsp_len);
	if (!rc)
		rc = queue_enable(gap, true, ADV_ENABLED);
	return rc;
}

/* Anonymous legacy advertising writes its NRPA with LE Set Random Address,
 * which 7.8.4 disallows while scanning or initiating. */
static bool anon_clash(struct bh_gap *gap, const struct bh_gap_adv_params *a)
{
	return a->anonymous && !gap_ext_adv(gap) &&
	       (gap->scan_state != SCAN_IDLE || gap->init_state == INIT_CREATING);
}

/* Queues the whole start sequence for gap->adv. */
static int adv_queue_start(struct bh_gap *gap)
{
	const struct bh_gap_adv_params *a = &gap->adv;
	bool ext = gap_ext_adv(gap);
	unsigned need = ext ? 6 + 2 * (BH_AD_EXT_MAX / EXT_FRAG_MAX + 1) : 6;
	if (kind_connectable(a->kind) && gap_conn_used(gap) >= gap->cfg.max_connections)
		return BH_HCI_STATUS(0x09); /* Connection Limit Exceeded */
	int rc = gap_cmd_reserve(gap, need);
	if (rc)
		return rc;
	uint8_t own_type = gap_own_type(gap);
	bh_addr rand = gap->rand_addr;
	bool use_rand = false;
	if (a->anonymous) {
		/* A fresh NRPA for this advertising only (_bleio "anonymous"). */
		rc = gap_new_random(gap, BH_GAP_OWN_NRPA, &rand);
		if (rc)
			return rc;
		own_type = BH_ADDR_RANDOM;
		use_rand = true;
		if (!ext && (rc = adv_cmd(gap, BH_HCI_LE_SET_RANDOM_ADDRESS, rand.val, 6,
					  ADV_ANON_ADDR)))
			return rc;
	} else if (own_type == BH_ADDR_RANDOM) {
		if (!ext && (rc = gap_prepare_addr(gap, PROC_ADV)))
			return rc;
		if (ext && (rc = gap_fresh_random(gap)))
			return rc;
		rand = gap->rand_addr;
		use_rand = true;
	}
	gap->adv_prev = gap->adv_own; /* the run before (gap_adv_link_addr) */
	if (use_rand)
		gap->adv_own = rand;
	else
		gap_own_address(gap, &gap->adv_own);
	gap->adv_state = ADV_STARTING;
	gap->adv_stop_reason = BH_OK;
	gap->adv_readdr = gap->adv_reenabled = false;
	rc = ext ? queue_ext(gap, own_type, use_rand ? &rand : NULL) : queue_legacy(gap, own_type);
	if (rc) {
		gap_cmd_drop(gap, PROC_ADV);
		gap->adv_state = ADV_IDLE;
	}
	return rc;
}

int bh_gap_adv_start(struct bh_gap *gap, const struct bh_gap_adv_params *p, bh_gap_done_cb cb,
		     void *ctx)
{
	if (!p || (unsigned)p->kind > BH_GAP_ADV_DIRECT_LOW)
		return BH_EINVAL;
	if (gap->adv_state != ADV_IDLE)
		return BH_EBUSY;
	if ((p->data_len && !p->data) || (p->scan_rsp_len && !p->scan_rsp))
		return BH_EINVAL;
	if (p->data_len > BH_AD_EXT_MAX || p->scan_rsp_len > BH_AD_EXT_MAX)
		return BH_ENOSPACE;
	bool big = p->data_len > BH_AD_LEGACY_MAX || p->scan_rsp_len > BH_AD_LEGACY_MAX;
	if (big && !gap_ext_adv(gap))
		return BH_ENOTSUP;
	if (big && gap->ext_adv_max &&
	    (p->data_len > gap->ext_adv_max || p->scan_rsp_len > gap->ext_adv_max))
		return BH_ENOSPACE;
	/* Extended PDUs are either connectable or scannable, never both, and a
	 * scannable one carries no advertising data (7.8.53, 7.8.54). */
	if (big && p->kind == BH_GAP_ADV_CONN && p->scan_rsp_len)
		return BH_EINVAL;
	if (big && p->kind == BH_GAP_ADV_SCAN && p->data_len)
		return BH_EINVAL;
	if (big && p->kind == BH_GAP_ADV_NONCONN && p->scan_rsp_len)
		return BH_EINVAL;
	bool directed = p->kind == BH_GAP_ADV_DIRECT_HIGH || p->kind == BH_GAP_ADV_DIRECT_LOW;
	if (directed && p->peer.type > BH_ADDR_RANDOM)
		return BH_EINVAL;
	if (anon_clash(gap, p))
		return BH_ESTATE;
	if (gap->rotating)
		return BH_EBUSY;
	struct bh_gap_adv_params a = *p;
	if (!a.interval_min)
		a.interval_min = 0x00a0;
	if (!a.interval_max)
		a.interval_max = a.interval_min > 0x00a0 ? a.interval_min : 0x00a0;
	if (a.interval_min < 0x0020 || a.interval_max > 0x4000 || a.interval_min > a.interval_max)
		return BH_EINVAL;
	if (!a.channel_map)
		a.channel_map = 0x07;
	if (a.channel_map > 0x07)
		return BH_EINVAL;
	if (!directed)
		memset(&a.peer, 0, sizeof(a.peer));
	/* Both kept (a restart after a disconnection sends them again) in one
	 * block as long as they are; gap->adv points into it from here on. */
	size_t need = (size_t)a.data_len + a.scan_rsp_len;
	if (!gap->adv_data || need > gap->adv_cap) {
		uint8_t *b = realloc(gap->adv_data, need ? need : 1);
		if (!b)
			return BH_ENOMEM;
		gap->adv_data = b;
		gap->adv_cap = need;
	}
	gap->adv_rsp = gap->adv_data + a.data_len;
	if (a.data_len)
		memcpy(gap->adv_data, p->data, a.data_len);
	if (a.scan_rsp_len)
		memcpy(gap->adv_rsp, p->scan_rsp, a.scan_rsp_len);
	a.data = gap->adv_data;
	a.scan_rsp = gap->adv_rsp;
	gap->adv = a;
	gap->adv_has_params = true;
	gap->adv_cb = cb;
	gap->adv_cb_ctx = ctx;
	gap->adv_restarting = false;
	int rc = adv_queue_start(gap);
	if (rc) {
		gap->adv_cb = NULL;
		gap->adv_has_params = false; /* refused: never restarted later */
	}
	return rc;
}

static int queue_stop(struct bh_gap *gap, bh_status reason)
{
	gap->adv_late = true;
	gap->adv_state = ADV_STOPPING;
	gap->adv_stop_reason = reason;
	gap->adv_deadline = BH_NEVER;
	return queue_enable(gap, false, ADV_DISABLED);
}

int bh_gap_adv_stop(struct bh_gap *gap)
{
	/* Not restarted after a disconnect once the caller stopped it. */
	bool had = gap->adv_has_params && gap->adv.restart_on_disconnect;
	gap->adv_has_params = false;
	if (gap->adv_state == ADV_IDLE)
		return had ? BH_OK : BH_ESTATE;
	if (gap->adv_state == ADV_STOPPING)
		return BH_ESTATE;
	int rc = queue_stop(gap, BH_OK);
	if (rc)
		gap->adv_state = ADV_IDLE;
	return rc;
}

bool bh_gap_advertising(const struct bh_gap *gap)
{
	return gap->adv_state != ADV_IDLE;
}

/* Anonymous advertising outlived the rotation period (Vol 3, Part C,
 * 10.7.1.2): a fresh NRPA of its own, never GAP's address. Written while
 * it is disabled, as rotate() writes GAP's: 7.8.4 refuses LE Set Random
 * Address while legacy advertising or scanning is enabled (a scan from
 * the public address is paused too, an initiation waits), and every
 * version of 7.8.52 takes LE Set Advertising Set Random Address on a
 * disabled set. A refused write leaves the old NRPA on the air until the
 * next period; the rest follows a rotation's rules (adv_readdr). */
static void anon_readdress(struct bh_gap *gap, bh_time_ms now)
{
	bool ext = gap_ext_adv(gap), scan = !ext && gap->scan_state == SCAN_ON;
	bh_addr a;
	if ((!ext && (gap->init_state == INIT_CREATING ||
		      (gap->scan_state != SCAN_IDLE && !scan))) ||
	    gap_cmd_reserve(gap, 5) || gap_new_random(gap, BH_GAP_OWN_NRPA, &a)) {
		gap->adv_deadline = now + 1000; /* try again shortly */
		return;
	}
	gap_adv_queue_enable(gap, false);
	if (scan)
		gap_scan_queue_enable(gap, false);
	if (ext) {
		uint8_t p[7] = { ADV_HANDLE };
		memcpy(p + 1, a.val, 6);
		adv_cmd(gap, BH_HCI_LE_SET_ADV_SET_RANDOM_ADDR, p, 7, ADV_ANON_ROT);
	} else {
		adv_cmd(gap, BH_HCI_LE_SET_RANDOM_ADDRESS, a.val, 6, ADV_ANON_ROT);
	}
	gap_adv_queue_enable(gap, true);
	if (scan)
		gap_scan_queue_enable(gap, true);
	gap->adv_own = a; /* adv_prev has the one before */
	adv_timer(gap, now);
}

void gap_adv_timeout(struct bh_gap *gap)
{
	if (gap->adv_state != ADV_ON)
		return;
	bh_time_ms now = bh_now(gap->env);
	if (gap->adv.anonymous && now < gap->adv_until) {
		anon_readdress(gap, now);
		return;
	}
	if (queue_stop(gap, BH_ETIMEDOUT))
		stopped(gap, BH_ETIMEDOUT);
}

void gap_adv_on_conn(struct bh_gap *gap, struct gap_conn_slot *s)
{
	if (gap_ext_adv(gap))
		return; /* Advertising Set Terminated says which set, and that it stopped */
	/* Legacy advertising ends when a connection is created (Vol 6, Part B, 4.4.2). */
	bool late;
	if (!run_ended(gap, &late))
		return;
	s->from_adv = true;
	make_sure_off(gap, late);
	stopped(gap, BH_OK);
}

/* LE Advertising Set Terminated (7.7.65.18). */
void gap_adv_on_set_terminated(struct bh_gap *gap, const uint8_t *p, size_t len)
{
	/* Status(1) Advertising_Handle(1) Connection_Handle(2)
	 * Num_Completed_Extended_Advertising_Events(1) */
	if (len < 5 || p[1] != ADV_HANDLE)
		return;
	uint8_t status = p[0];
	struct gap_conn_slot *c = status ? NULL : gap_slot_find(gap, bh_get16(p + 2) & 0x0fff);
	/* The link came from handle 0, whichever run this reports: an LE
	 * (Enhanced v1) Connection Complete names no set, so this is where
	 * bh_gap_conn_adv_handle learns it. */
	if (c)
		c->adv_handle = ADV_HANDLE + 1;
	bool late;
	if (!run_ended(gap, &late))
		return;
	make_sure_off(gap, late);
	if (status == 0) {
		if (c)
			c->from_adv = true;
		stopped(gap, BH_OK);
	} else if (status == 0x3c || status == 0x43) {
		/* Advertising Timeout / Limit Reached: the duration ran out. High
		 * duty directed may report it again in a Connection Complete. */
		gap->adv_late = gap->adv.kind == BH_GAP_ADV_DIRECT_HIGH;
		stopped(gap, BH_ETIMEDOUT);
	} else {
		stopped(gap, BH_HCI_STATUS(status));
	}
}

/* Connection Complete with Advertising Timeout (0x3C): high duty cycle
 * directed advertising ended unanswered (7.7.65.1, 7.8.9). It ends a run as
 * a connection does, under the same late-report rules: news of a run the
 * host ended (a stop, a rotation) does not end a new run whose enable is
 * not out, and ending one that may still be on the air (a re-enable or
 * its enable went out) brings one more disable. Only high duty directed
 * advertising ends so: a run of another kind cannot be the one reported. */
void gap_adv_on_directed_timeout(struct bh_gap *gap)
{
	bool late, ext = gap_ext_adv(gap);
	bool ended = run_ended(gap, &late) && gap->adv.kind == BH_GAP_ADV_DIRECT_HIGH;
	/* Extended commands may report the one end twice, this and an
	 * Advertising Set Terminated (7.8.56: instead of or in addition to
	 * it): whichever comes second is owed news, like a late report. */
	if (ext)
		gap->adv_late = late || ended;
	if (!ended)
		return;
	/* Nor does the event name a set: with extended commands it may be of
	 * another set's high duty directed advertising, and handle 0 still on
	 * the air. One more disable makes sure it is off, as the host says. */
	make_sure_off(gap, late || ext);
	stopped(gap, BH_ETIMEDOUT);
}

void gap_adv_on_disconnect(struct bh_gap *gap, bool from_adv)
{
	if (!from_adv || !gap->adv_has_params || !gap->adv.restart_on_disconnect ||
	    gap->adv_state != ADV_IDLE)
		return;
	/* Refused as bh_gap_adv_start would refuse it, or no room; a refusal
	 * by the controller later is start_failed's. */
	int rc = anon_clash(gap, &gap->adv) ? BH_ESTATE : adv_queue_start(gap);
	if (rc)
		restart_failed(gap, rc);
	else
		gap->adv_restarting = true;
}

void gap_adv_reset(struct bh_gap *gap, bh_status reason)
{
	if (gap->adv_state == ADV_IDLE)
		return;
	if (gap->adv_cb) {
		adv_answer(gap, reason);
		gap->adv_state = ADV_IDLE;
		return;
	}
	stopped(gap, reason);
}
