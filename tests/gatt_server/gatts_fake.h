/* A fake ATT bearer/SMP for GATT server tests: records every response,
 * notification and indication, and lets a test set MTU and link security. */
#ifndef GATTS_FAKE_H
#define GATTS_FAKE_H

#include <blehost/att.h>
#include <blehost/bh_bytes.h>
#include <blehost/gatt_server.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_LOG 32

struct fake_pdu {
	uint16_t conn;
	uint16_t handle;
	uint8_t data[BH_ATT_MAX_MTU];
	size_t len;
};

struct fake {
	struct bh_env env;
	bh_time_ms now;
	struct bh_gatts_port port;
	struct bh_gatts_events ev;
	struct bh_gatts *s;
	/* responses, notifications, indications sent through the port */
	struct fake_pdu rsp[FAKE_MAX_LOG];
	unsigned nrsp;
	struct fake_pdu ntf[FAKE_MAX_LOG];
	unsigned nntf;
	struct fake_pdu ind[FAKE_MAX_LOG];
	unsigned nind;
	int notify_rc, indicate_rc, respond_rc;
	int notify_full; /* notify records and says BH_GATTS_NOW_FULL while > 0 */
	uint16_t mtu;
	struct bh_gatts_security sec; /* for every connection */
	bh_status verify_rc;
	bool verify_mitm;
	unsigned nverify;
	/* events */
	unsigned nsub;
	uint16_t sub_conn, sub_handle, sub_value;
	unsigned nind_done;
	uint16_t ind_done_conn, ind_done_handle;
	bh_status ind_done_st;
	unsigned ncan_send;
};

/* Sets up env, port and events (not the server). */
void fake_init(struct fake *f);
/* bh_gatts_new with cfg (NULL: defaults). */
struct bh_gatts *fake_server(struct fake *f, const struct bh_gatts_config *cfg);
void fake_free(struct fake *f);

/* Sends pdu on conn; asserts exactly `expect_rsp` responses came back
 * (0 or 1) and returns the response (or NULL). */
const struct fake_pdu *fake_req(struct fake *f, uint16_t conn, const uint8_t *pdu, size_t len);
void fake_cmd(struct fake *f, uint16_t conn, const uint8_t *pdu, size_t len);
/* Asserts the last response is an Error Response for op/handle/code. */
void fake_expect_error(const struct fake_pdu *r, uint8_t op, uint16_t handle, uint8_t code);

#define REQ(f, conn, ...) \
	fake_req((f), (conn), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))
#define CMD(f, conn, ...) \
	fake_cmd((f), (conn), (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }))

/* The demo database (see gatts_fake.c), added by fake_demo(). */
struct demo_app {
	uint8_t val[64];
	size_t len;
	unsigned nread, nwrite;
	uint16_t last_offset;
	unsigned last_flags;
	bh_status read_rc, write_rc, auth_rc;
	unsigned nauth;
};
extern struct demo_app demo_app;
extern const struct bh_gatt_svc_def demo_svcs[2];
extern const struct bh_gatt_chr_def demo_a_chrs[3];
extern const struct bh_gatt_chr_def demo_b_chrs[1];
extern const struct bh_gatt_dsc_def demo_b_dscs[1];
/* Adds demo_svcs; resets demo_app. */
void fake_demo(struct fake *f);
/* fake_init, a server with default config, demo_svcs, and link 1 up. */
void fake_demo_linked(struct fake *f);
#define DEMO_HR 0   /* notify|read, "hello", max 20 */
#define DEMO_LOC 1  /* read|write, 3 octets, max 64, user desc + format */
#define DEMO_FIX 2  /* 128-bit, read|write|write-no-rsp|indicate|signed, reliable, fixed 4 */

/* A Database Hash cache for bh_gatts_config.hash_lookup/hash_store: one
 * entry (msg, hash), as a host keeps it in a file. lookup answers only for
 * the same octets; every call is counted and the last msg asked about kept. */
struct fake_hash_cache {
	uint8_t msg[1024], hash[16];
	size_t len;
	bool have;
	uint8_t seen[1024];
	size_t seen_len;
	unsigned nlookup, nstore;
};
/* Defaults plus the cache's hooks. */
void fake_hash_cache_config(struct bh_gatts_config *cfg, struct fake_hash_cache *c);

#endif
