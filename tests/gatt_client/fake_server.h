/* A small GATT server for the client's tests: an attribute table answered
 * with real ATT PDU bytes, plus a fake bearer port that holds requests until
 * the test pumps them (as a real link would), and knobs to misbehave. */
#ifndef FAKE_SERVER_H
#define FAKE_SERVER_H

#include <blehost/att.h>
#include <blehost/bh_env.h>
#include <blehost/bh_uuid.h>
#include <blehost/gatt_client.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_MAX_ATTRS 64
#define FS_MAX_PENDING 8
#define FS_F_AUTH 0x01 /* reads and writes need an encrypted link */

struct fs_attr {
	uint16_t handle;
	bh_uuid type;
	uint8_t value[BH_ATT_MAX_VALUE];
	uint16_t len;
	uint8_t flags;
};

struct fs_pending {
	uint8_t pdu[BH_ATT_MAX_MTU];
	size_t len;
	bh_att_rsp_cb cb;
	void *cbctx;
};

struct fake_server {
	struct fs_attr attrs[FS_MAX_ATTRS];
	unsigned n_attrs;
	uint16_t mtu;
	bool encrypted;

	struct fs_pending pending[FS_MAX_PENDING];
	unsigned n_pending;
	unsigned requests;   /* requests received */
	unsigned cancels;    /* requests the client cancelled */

	/* Prepare Write queue. */
	struct { uint16_t handle, offset; uint8_t v[BH_ATT_MAX_VALUE]; uint16_t len; } prep[32];
	unsigned n_prep;
	unsigned exec_cancels, exec_writes;
	bool mangle_prep;    /* echo a wrong byte in Prepare Write Responses */

	/* Replace the response to request number inject_at (1-based). */
	unsigned inject_at;
	uint8_t inject[BH_ATT_MAX_MTU];
	size_t inject_len;
	bh_status inject_status; /* BH_OK: decide from the bytes */

	/* Chaos: when set, responses are mutated at random (truncated, a byte
	 * flipped, or a handle field replaced) using this generator. */
	struct bh_xrand *chaos;

	/* Commands (Write Command / Signed Write) seen. */
	uint8_t last_cmd[BH_ATT_MAX_MTU];
	size_t last_cmd_len;
	unsigned commands;
	int command_ret;

	/* Security hook bookkeeping. */
	unsigned raise_calls;
	int raise_ret;
	void (*sec_done)(void *ctx, bh_status st);
	void *sec_ctx;
};

void fs_init(struct fake_server *f, uint16_t mtu);
/* Appends an attribute with handle n_attrs+1. */
struct fs_attr *fs_add(struct fake_server *f, uint16_t type16, const void *value, size_t len);
struct fs_attr *fs_add128(struct fake_server *f, const bh_uuid *type, const void *value,
			  size_t len);
struct fs_attr *fs_attr(struct fake_server *f, uint16_t handle);
/* Inserts an attribute at handle `at`; later handles move up by one, and
 * the declarations that name them follow (as a server's rebuild would). */
void fs_insert(struct fake_server *f, uint16_t at, uint16_t type16, const void *v, size_t len);
/* Builds the test database (see fake_server.c for the handle map). */
void fs_build_db(struct fake_server *f);
/* The answer the server gives to one request. */
size_t fs_answer(struct fake_server *f, const uint8_t *req, size_t len, uint8_t *rsp);
/* Delivers up to n queued requests' responses (in order); returns how many. */
unsigned fs_pump_n(struct fake_server *f, unsigned n);
/* Delivers until nothing is pending (bounded). */
unsigned fs_pump(struct fake_server *f);

/* The client port backed by this server. */
struct bh_gattc_port fs_port(struct fake_server *f);

extern const bh_uuid FS_UUID_A, FS_UUID_B, FS_UUID_C, FS_UUID_D;

#endif
