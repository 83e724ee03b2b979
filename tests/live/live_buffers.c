/* The C buffers live on btvirt: two hosts on one loop. The peripheral
 * notifies a stream of lines that the central reads through a character
 * buffer (in order, then full with REFUSE counted); the central writes
 * packets that the peripheral reads whole through a packet buffer (one
 * longer than the negotiated limit refused and counted); then the
 * peripheral ends the link while the central waits on its buffer with no
 * timeout, and the wait returns BH_EDISCONNECTED. Over an L2CAP credit-based
 * channel, packets queued in the central's packet buffer go out one SDU at a
 * time (coc_can_send) and arrive whole in the peripheral's.
 *
 *   live_buffers            (BLEHOST_TRANSPORT from with-btvirt.sh)
 */
#include <blehost/blehost.h>

#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(c)                                                                         \
	do {                                                                             \
		if (!(c)) {                                                              \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);     \
			failures++;                                                      \
		}                                                                        \
	} while (0)

struct side {
	struct bh_host *h;
	uint16_t conn;
	bool up;
	struct bh_charbuf *lines; /* central: notifications */
	struct bh_pktbuf *pkts;   /* peripheral: Write Commands */
	struct bh_pktbuf *coc;    /* central: outgoing SDUs; peripheral: incoming */
	uint16_t cid;
	bool coc_open, pumping, again;
};

static struct side central, peripheral;

static void on_connected(void *ctx, uint16_t handle, bool is_central, const bh_addr *peer)
{
	(void)is_central;
	(void)peer;
	struct side *s = ctx;
	s->conn = handle;
	s->up = true;
}

static void on_disconnected(void *ctx, uint16_t handle, uint8_t reason)
{
	(void)handle;
	(void)reason;
	struct side *s = ctx;
	s->up = false;
	if (s->lines)
		bh_charbuf_close(s->lines, BH_EDISCONNECTED);
	if (s->pkts)
		bh_pktbuf_close(s->pkts, BH_EDISCONNECTED);
}

/* Sends the queued packets one SDU at a time. coc_can_send may fire from
 * inside bh_host_coc_send (the SDU went out at once): that nested call only
 * asks for another round, taken once the sent packet is popped. */
static void coc_pump(struct side *s)
{
	if (s->pumping) {
		s->again = true;
		return;
	}
	s->pumping = true;
	do {
		const uint8_t *p;
		size_t len;
		s->again = false;
		if (bh_pktbuf_out_peek(s->coc, &p, &len) == BH_OK &&
		    bh_host_coc_send(s->h, s->conn, s->cid, p, len) == BH_OK)
			bh_pktbuf_out_pop(s->coc);
	} while (s->again);
	s->pumping = false;
}

static void on_coc_opened(void *ctx, uint16_t handle, uint16_t cid, uint16_t spsm, bh_status st)
{
	(void)handle;
	(void)spsm;
	struct side *s = ctx;
	s->cid = cid;
	s->coc_open = st == BH_OK;
}

static void on_coc_sdu(void *ctx, uint16_t handle, uint16_t cid, const uint8_t *sdu, size_t len)
{
	(void)handle;
	(void)cid;
	struct side *s = ctx;
	bh_pktbuf_feed(s->coc, sdu, len);
}

static void on_coc_can_send(void *ctx, uint16_t handle, uint16_t cid)
{
	(void)handle;
	(void)cid;
	coc_pump(ctx);
}

static void on_notification(void *ctx, uint16_t handle, uint16_t attr, const uint8_t *v,
			    size_t len, bool ind)
{
	(void)handle;
	(void)attr;
	(void)ind;
	struct side *s = ctx;
	bh_charbuf_feed(s->lines, v, len);
}

static bh_status on_write(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			  const uint8_t *value, size_t len, unsigned flags)
{
	(void)user;
	(void)conn;
	(void)handle;
	(void)offset;
	(void)flags;
	bh_pktbuf_feed(peripheral.pkts, value, len);
	return BH_OK;
}

static const struct bh_gatt_chr_def chr = {
	.uuid = BH_UUID16_INIT(0xfff1),
	.props = BH_GATT_CHR_NOTIFY | BH_GATT_CHR_WRITE_NO_RSP,
	.max_len = 244,
	.write = on_write,
};
static const struct bh_gatt_svc_def svc = { .uuid = BH_UUID16_INIT(0xfff0), .chrs = &chr,
					    .num_chrs = 1 };

static struct bh_host *start(struct bh_loop *loop, struct side *s)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.loop = loop;
	cfg.store_dir = "";
	cfg.seeded = true;
	cfg.seed = s == &central ? 1 : 2;
	struct bh_host_events ev = { .ctx = s, .connected = on_connected,
				     .disconnected = on_disconnected,
				     .notification = on_notification,
				     .coc_opened = on_coc_opened, .coc_sdu = on_coc_sdu,
				     .coc_can_send = on_coc_can_send };
	char err[256] = "";
	s->h = bh_host_new(&cfg, &ev, err, sizeof(err));
	if (!s->h) {
		fprintf(stderr, "FAIL: host: %s\n", err);
		return NULL;
	}
	if (bh_host_start_sync(s->h, 5000)) {
		fprintf(stderr, "FAIL: bring-up\n");
		return NULL;
	}
	return s->h;
}

/* Sends one notification, waiting for room (can_send) by running the loop. */
static int notify(struct bh_loop *loop, uint16_t vh, const char *text)
{
	for (int tries = 0; tries < 200; tries++) {
		int rc = bh_gatts_notify(bh_host_gatt_server(peripheral.h), peripheral.conn, vh, text,
					 strlen(text), NULL);
		if (rc != BH_EBUSY)
			return rc;
		bh_loop_iterate(loop, 10);
	}
	return BH_ETIMEDOUT;
}

static void drop_link(void *arg)
{
	(void)arg;
	bh_gap_disconnect(bh_host_gap(peripheral.h), peripheral.conn, 0x13);
}

int main(void)
{
	struct bh_loop *loop = bh_loop_new();
	central.lines = bh_charbuf_new(256, BH_BUF_DROP_OLDEST);
	peripheral.pkts = bh_pktbuf_new(8, 244, 244, BH_BUF_DROP_OLDEST);
	central.coc = bh_pktbuf_new(8, 512, 512, BH_BUF_REFUSE);
	peripheral.coc = bh_pktbuf_new(8, 512, 512, BH_BUF_REFUSE);
	if (!start(loop, &central) || !start(loop, &peripheral))
		return 1;
	struct bh_gatts *s = bh_host_gatt_server(peripheral.h);
	CHECK(bh_gatts_add_services(s, &svc, 1) == BH_OK);
	uint16_t vh = bh_gatts_value_handle(s, &chr);
	static const uint8_t flags[] = { 2, 0x01, 0x06 };
	struct bh_gap_adv_params p = { .kind = BH_GAP_ADV_CONN, .data = flags,
				       .data_len = sizeof(flags) };
	CHECK(bh_gap_adv_start(bh_host_gap(peripheral.h), &p, NULL, NULL) == BH_OK);
	bh_host_run_for(central.h, 50);
	bh_addr to = bh_gap_own_address(bh_host_gap(peripheral.h));
	uint16_t conn = 0, mtu = 0;
	CHECK(bh_host_connect_sync(central.h, &to, 5000, &conn) == BH_OK);
	CHECK(bh_host_exchange_mtu_sync(central.h, conn, &mtu) == BH_OK);
	CHECK(bh_host_discover_sync(central.h, conn) == BH_OK);
	CHECK(bh_host_subscribe_sync(central.h, conn, vh, false) == BH_OK);
	if (failures)
		return 1;

	/* A stream of lines, read back in order. */
	char line[32], got[32];
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "line %d\n", i);
		CHECK(notify(loop, vh, line) == BH_OK);
	}
	for (int i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "line %d\n", i);
		CHECK(bh_charbuf_wait(loop, central.lines, 0, true, 5000) == BH_OK);
		size_t n = bh_charbuf_readline(central.lines, (uint8_t *)got, sizeof(got) - 1);
		got[n] = 0;
		CHECK(strcmp(got, line) == 0);
	}
	CHECK(bh_charbuf_dropped(central.lines) == 0);
	/* Nothing more comes: a timed wait times out with the buffer empty. */
	CHECK(bh_charbuf_wait(loop, central.lines, 1, false, 200) == BH_ETIMEDOUT);

	/* Whole packets of every length up to the negotiated one, and one over a
	 * lowered limit refused whole. */
	size_t max = mtu - 3u < 244u ? mtu - 3u : 244u;
	uint8_t pkt[244], in[244];
	size_t sent = 0, lens[] = { 1, 20, max / 2, max };
	for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
		for (size_t j = 0; j < lens[k]; j++)
			pkt[j] = (uint8_t)(k * 31 + j);
		CHECK(bh_host_write_sync(central.h, conn, vh, pkt, lens[k], false) == BH_OK);
		sent++;
	}
	for (size_t k = 0; k < sent; k++) {
		size_t len = 0;
		CHECK(bh_pktbuf_wait(loop, peripheral.pkts, 5000) == BH_OK);
		CHECK(bh_pktbuf_readinto(peripheral.pkts, in, sizeof(in), &len) == BH_OK);
		CHECK(len == lens[k] && in[len - 1] == (uint8_t)(k * 31 + len - 1));
	}
	CHECK(bh_pktbuf_set_lengths(peripheral.pkts, 100, 244) == BH_OK);
	CHECK(bh_host_write_sync(central.h, conn, vh, pkt, 150, false) == BH_OK);
	CHECK(bh_host_write_sync(central.h, conn, vh, pkt, 100, false) == BH_OK);
	size_t len = 0;
	CHECK(bh_pktbuf_wait(loop, peripheral.pkts, 5000) == BH_OK);
	CHECK(bh_pktbuf_readinto(peripheral.pkts, in, sizeof(in), &len) == BH_OK && len == 100);
	CHECK(bh_pktbuf_oversize(peripheral.pkts) == 1);

	/* Packets over an L2CAP credit-based channel, queued then flushed. */
	CHECK(bh_host_coc_listen(peripheral.h, 0x0081) == BH_OK);
	uint16_t cid = 0;
	CHECK(bh_host_coc_connect(central.h, conn, 0x0081, &cid) == BH_OK);
	bool *opened = &central.coc_open;
	CHECK(bh_loop_run_until(loop, opened, 5000) == BH_OK);
	central.cid = cid;
	size_t coc_lens[] = { 1, 100, 300, 512, 23 };
	for (size_t k = 0; k < 5; k++) {
		uint8_t hdr = (uint8_t)k;
		memset(pkt, (int)k + 1, sizeof(pkt));
		CHECK(bh_pktbuf_write(central.coc, &hdr, 1, pkt,
				      coc_lens[k] - 1 < sizeof(pkt) ? coc_lens[k] - 1 : sizeof(pkt)) ==
		      BH_OK);
	}
	coc_pump(&central);
	CHECK(bh_pktbuf_flush(loop, central.coc, 5000) == BH_OK);
	uint8_t sdu[512];
	for (size_t k = 0; k < 5; k++) {
		size_t want = coc_lens[k] - 1 < sizeof(pkt) ? coc_lens[k] : sizeof(pkt) + 1;
		CHECK(bh_pktbuf_wait(loop, peripheral.coc, 5000) == BH_OK);
		CHECK(bh_pktbuf_readinto(peripheral.coc, sdu, sizeof(sdu), &len) == BH_OK);
		CHECK(len == want && sdu[0] == k && (len == 1 || sdu[len - 1] == k + 1));
	}

	/* The peripheral ends the link while the central waits without a timeout. */
	bh_loop_timer_at(loop, bh_loop_now(loop) + 100, drop_link, NULL);
	CHECK(bh_charbuf_wait(loop, central.lines, 1, false, BH_NEVER) == BH_EDISCONNECTED);
	CHECK(!central.up);
	CHECK(bh_pktbuf_wait(loop, peripheral.pkts, 2000) == BH_EDISCONNECTED);

	bh_host_free(central.h);
	bh_host_free(peripheral.h);
	bh_loop_free(loop);
	bh_charbuf_free(central.lines);
	bh_pktbuf_free(peripheral.pkts);
	bh_pktbuf_free(central.coc);
	bh_pktbuf_free(peripheral.coc);
	if (failures)
		return 1;
	printf("live buffers: 20 lines, %zu packets (max %zu), 1 oversize refused, 5 CoC SDUs "
	       "(up to 245), disconnect wakes the reader\n", sent, max);
	return 0;
}
