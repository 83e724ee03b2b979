/* libFuzzer: L2CAP fed peer frames on a central or peripheral connection,
 * with a registered SPSM, an open credit-based channel, SDUs being sent and
 * the clock moving. Input: byte 0 picks role and busy pattern; then records
 * of [len][frame]; lengths >= 0xf0 are control records (0xf7/0xf8: ECFC
 * connect and reconfigure). */
#include <blehost/l2cap.h>

#include <blehost/bh_bytes.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz {
	struct bh_l2cap *l2;
	uint8_t busy_mask;
	unsigned sends;
	unsigned pending_connects, connected_events;
};

static int f_acl_send(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct fz *f = ctx;
	if (handle != 1 || len < 4 || bh_get16(frame) != len - 4)
		abort(); /* we must always frame correctly */
	return (f->busy_mask >> (f->sends++ & 7)) & 1 ? BH_EBUSY : 0;
}

static void f_rx(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len)
{
	(void)ctx;
	(void)handle;
	(void)cid;
	if (len > 100 || (len && !sdu))
		abort();
}

static void f_connected(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st)
{
	(void)handle;
	(void)cid;
	(void)spsm;
	(void)st;
	((struct fz *)ctx)->connected_events++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bh_time_ms now = 0;
	struct bh_env env = { .now = bh_manual_clock, .now_ctx = &now };
	struct fz f = { .busy_mask = (uint8_t)(data[0] & 0xfe) };
	struct bh_l2cap_port port = { .ctx = &f, .acl_send = f_acl_send, .coc_rx = f_rx,
				      .coc_connected = f_connected };
	struct bh_l2cap_config cfg;
	bh_l2cap_config_default(&cfg);
	cfg.coc_mtu = 100;
	cfg.coc_mps = 64; /* the ECFC minimum, so enhanced channels open too */
	cfg.coc_credits = 3;
	f.l2 = bh_l2cap_new(&cfg, &env, &port);
	if (!f.l2)
		return 0;
	bh_l2cap_conn_added(f.l2, 1, (data[0] & 1) ? BH_L2CAP_PERIPHERAL : BH_L2CAP_CENTRAL);
	bh_l2cap_coc_register(f.l2, 0x80);
	/* a peer-opened channel (local CID 0x40) so K-frames have a target */
	const uint8_t req[] = { 14, 0, 5, 0, 0x14, 1, 10, 0, 0x80, 0, 0x50, 0, 100, 0, 23, 0, 2, 0 };
	bh_l2cap_on_acl(f.l2, 1, req, sizeof(req));
	size_t i = 1;
	uint8_t sdu[120] = { 0 };
	while (i < size) {
		uint8_t len = data[i++];
		if (len >= 0xf0) {
			uint16_t cid;
			struct bh_l2cap_conn_params p = { 24, 40, 0, 400 };
			switch (len) {
			case 0xf0: (void)bh_l2cap_coc_send(f.l2, 1, 0x40, sdu, 70); break;
			case 0xf1: (void)bh_l2cap_coc_connect(f.l2, 1, 0x80, &cid); break;
			case 0xf2: (void)bh_l2cap_conn_param_update(f.l2, 1, &p); break;
			case 0xf3: now += 20000; bh_l2cap_on_timeout(f.l2); break;
			case 0xf4: bh_l2cap_acl_can_send(f.l2, 1); break;
			case 0xf5: (void)bh_l2cap_coc_disconnect(f.l2, 1, 0x40); break;
			case 0xf6: (void)bh_l2cap_send_fixed(f.l2, 1, 4, sdu, 30); break;
			case 0xf7: { /* ECFC: three channels in one request */
				uint16_t cids[3];
				(void)bh_l2cap_ecfc_connect(f.l2, 1, 0x80, 3, 80, cids);
				break;
			}
			case 0xf8: { /* reconfigure whatever ECFC channels exist */
				uint16_t cids[2] = { 0x41, 0x42 };
				(void)bh_l2cap_ecfc_reconfigure(f.l2, 1, cids, 2, 100, 64);
				break;
			}
			default: break;
			}
			continue;
		}
		if (len > size - i)
			len = (uint8_t)(size - i);
		bh_l2cap_on_acl(f.l2, 1, data + i, len);
		i += len;
	}
	bh_l2cap_conn_removed(f.l2, 1);
	bh_l2cap_free(f.l2);
	return 0;
}
