/* libFuzzer target for the SMP layer: two instances back to back (the test
 * rig) are driven by a real pairing to a chosen state on a chosen side, then
 * that side gets arbitrary PDUs (and controller events) from the input.
 *
 * Input: byte 0 picks mode (legacy / SC) and side, byte 1 the agent pair,
 * byte 2 the target state; the rest is a sequence of records
 * [kind][len][bytes...]: kind 0 = SMP PDU, 1 = LTK request, 2 = Encryption
 * Change, 3 = advance the clock and run timers, 4 = passkey reply,
 * 5 = confirm reply, 6 = disconnect + reconnect. */
#include "smp_rig.h"
#include "smp_internal.h"

#include <blehost/bh_bytes.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static enum smp_state g_target;
static int g_side;

static bool reached(struct rig *r)
{
	struct smp_conn *c = smp_conn_find(r->s[g_side].smp, RIG_HANDLE);
	return !c || c->state == g_target;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct rig r; /* large: keep it off the stack */
	struct bh_rd rd = bh_rd_init(data, size);
	uint8_t mode = bh_rd_u8(&rd), agents = bh_rd_u8(&rd), st = bh_rd_u8(&rd);

	rig_init(&r, (enum bh_smp_agent)(agents % 5), (enum bh_smp_agent)((agents / 5) % 5));
	for (int i = 0; i < 2; i++) {
		r.s[i].cfg.sc_mode = (mode & 1) ? BH_SMP_SC_ONLY : BH_SMP_LEGACY_ONLY;
		r.s[i].cfg.allow_debug_keys = mode & 4;
	}
	rig_start(&r);
	g_side = (mode >> 1) & 1;
	g_target = (enum smp_state)(st % (SMP_ST_TIMED_OUT + 1));
	bh_smp_pair(r.s[0].smp, RIG_HANDLE, NULL);
	rig_run(&r, reached);
	r.qn = 0;
	r.drop = mode & 8; /* whether the peer sees our answers */

	struct bh_smp *smp = r.s[g_side].smp;
	while (bh_rd_left(&rd) >= 2) {
		uint8_t kind = bh_rd_u8(&rd), len = bh_rd_u8(&rd);
		const uint8_t *p = bh_rd_ptr(&rd, len);
		if (!p)
			break;
		switch (kind % 7) {
		case 0: {
			/* Exact length so ASan sees any over-read. */
			uint8_t *copy = len ? __builtin_alloca(len) : NULL;
			if (len)
				memcpy(copy, p, len);
			bh_smp_on_pdu(smp, RIG_HANDLE, copy, len);
			break;
		}
		case 1:
			bh_smp_on_ltk_request(smp, RIG_HANDLE, len >= 8 ? bh_get64(p) : 0,
					      len >= 10 ? bh_get16(p + 8) : 0);
			break;
		case 2:
			bh_smp_on_encrypt_change(smp, RIG_HANDLE, len ? p[0] : 0, len < 2 || p[1]);
			break;
		case 3:
			r.now += (bh_time_ms)len * 1000;
			bh_smp_on_timeout(smp);
			break;
		case 4:
			bh_smp_passkey_reply(smp, RIG_HANDLE, len & 1,
					     len >= 4 ? bh_get32(p) : len);
			break;
		case 5:
			bh_smp_confirm_reply(smp, RIG_HANDLE, len & 1);
			break;
		case 6:
			rig_reconnect(&r);
			break;
		}
		if (r.qn < RIG_QLEN / 2)
			rig_run(&r, NULL);
		else
			r.qn = 0;
	}
	rig_free(&r);
	return 0;
}
