/* Left-out features seen by a peer through the whole host (unix H4
 * transport, HCI, L2CAP, host wiring) against the fake controller: built
 * when -Dgatt_server, -Dl2cap_coc or -Dsmp_legacy is false (suite 'lean').
 * The host is peripheral; the peer asks for each left-out feature and gets
 * the Core Specification's answer:
 * - ATT request, no GATT server: Error Response, Request Not Supported,
 *   handle 0x0000 (Vol 3, Part F, 3.4.1.1);
 * - LE Credit Based Connection Request, no credit-based channels: refused,
 *   SPSM not supported (Vol 3, Part A, 4.23), which is also what a full
 *   build answers for an SPSM nobody registered;
 * - Pairing Request without LE Secure Connections, no legacy pairing:
 *   Pairing Failed, Authentication Requirements (Vol 3, Part H, 2.3.5.1).
 * And EATT without credit-based channels (host_eatt_off.c): a link has no
 * enhanced bearer, and a host asked for some is not made. */
#include "fake_host.h"
#include <blehost/host.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

static struct fake_host *connected_host(void)
{
	struct fake_host *fh = calloc(1, sizeof(*fh));
	assert_non_null(fh);
	fake_host_init(fh, "FAULTS_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(fh, &cfg, 7);
	struct bh_host_events ev;
	fake_host_events(fh, &ev);
	fake_host_start(fh, &cfg, &ev);
	assert_int_equal(fake_connect(fh->f, false), 0);
	for (int i = 0; i < 100 && !fh->connected; i++)
		fake_run(fh->f, 10);
	assert_int_equal(fh->connected, 1);
	return fh;
}

static void done(struct fake_host *fh)
{
	fake_host_fini(fh);
	free(fh);
}

/* The next frame the host sent on cid whose first octet is code. */
static int recv_code(struct fake_host *fh, uint16_t cid, uint8_t code, uint8_t *out, size_t cap)
{
	for (int i = 0; i < 8; i++) {
		int n = fake_recv(fh->f, cid, out, cap, 2000);
		if (n <= 0 || out[0] == code)
			return n;
	}
	return -1;
}

static void att_request_not_supported(void **state)
{
	(void)state;
#ifdef OFF_GATT_SERVER
	struct fake_host *fh = connected_host();
	/* Read By Group Type 0x0001-0xffff, Primary Service. */
	static const uint8_t req[] = { 0x10, 0x01, 0x00, 0xff, 0xff, 0x00, 0x28 };
	assert_int_equal(fake_l2cap(fh->f, 0x0004, req, sizeof(req)), 0);
	uint8_t rsp[64];
	assert_int_equal(recv_code(fh, 0x0004, 0x01, rsp, sizeof(rsp)), 5);
	static const uint8_t want[] = { 0x01, 0x10, 0x00, 0x00, 0x06 };
	assert_memory_equal(rsp, want, sizeof(want));
	done(fh);
#else
	skip();
#endif
}

static void coc_request_refused(void **state)
{
	(void)state;
	struct fake_host *fh = connected_host();
	/* LE Credit Based Connection Request, ident 9: SPSM 0x0080, SCID
	 * 0x0041, MTU 100, MPS 23, 4 credits. */
	static const uint8_t req[] = { 0x14, 0x09, 0x0a, 0x00, 0x80, 0x00, 0x41, 0x00,
				       100, 0x00, 23, 0x00, 4, 0x00 };
	assert_int_equal(fake_l2cap(fh->f, 0x0005, req, sizeof(req)), 0);
	uint8_t rsp[64];
	assert_int_equal(recv_code(fh, 0x0005, 0x15, rsp, sizeof(rsp)), 14);
	static const uint8_t want[] = { 0x15, 0x09, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00 };
	assert_memory_equal(rsp, want, sizeof(want));
	done(fh);
}

static void eatt_left_out(void **state)
{
	(void)state;
#ifdef OFF_L2CAP_COC
	struct fake_host *fh = connected_host();
	struct bh_host_eatt_info info;
	memset(&info, 0xaa, sizeof(info));
	assert_int_equal(bh_host_eatt_info(fh->h, fh->conn, &info), BH_OK);
	assert_int_equal(info.bearers, 0);
	assert_int_equal(info.b[0].cid, 0);
	assert_int_equal(bh_host_eatt_info(fh->h, 0x0eff, &info), BH_ENOTFOUND);
	assert_int_equal(bh_host_eatt_info(fh->h, fh->conn, NULL), BH_ENOTFOUND);
	done(fh);

	/* eatt_bearers > 0 needs SPSM 0x0027, which L2CAP cannot register. */
	fh = calloc(1, sizeof(*fh));
	assert_non_null(fh);
	fake_host_init(fh, "FAULTS_VERBOSE", BH_LOG_ERROR);
	struct bh_host_config cfg;
	fake_host_config(fh, &cfg, 7);
	cfg.eatt_bearers = 2;
	struct bh_host_events ev;
	fake_host_events(fh, &ev);
	char err[256] = "";
	assert_null(bh_host_new(&cfg, &ev, err, sizeof(err)));
	assert_true(err[0] != 0);
	done(fh);
#else
	skip();
#endif
}

static void legacy_pairing_refused(void **state)
{
	(void)state;
#ifdef OFF_SMP_LEGACY
	struct fake_host *fh = connected_host();
	/* Pairing Request: NoInputNoOutput, no OOB, bonding without SC, 16. */
	static const uint8_t req[] = { 0x01, 0x03, 0x00, 0x01, 16, 0x00, 0x00 };
	assert_int_equal(fake_l2cap(fh->f, 0x0006, req, sizeof(req)), 0);
	uint8_t rsp[80];
	int n = fake_recv(fh->f, 0x0006, rsp, sizeof(rsp), 2000);
	assert_int_equal(n, 2); /* no Pairing Response before it */
	assert_int_equal(rsp[0], 0x05);
	assert_int_equal(rsp[1], 0x03);
	done(fh);
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(att_request_not_supported),
		cmocka_unit_test(coc_request_refused),
		cmocka_unit_test(eatt_left_out),
		cmocka_unit_test(legacy_pairing_refused),
	};
	return cmocka_run_group_tests_name("host_off", tests, NULL, NULL);
}
