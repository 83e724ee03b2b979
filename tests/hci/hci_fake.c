/* Scripted fake controller for the HCI unit tests (see hci_fake.h). */
#include "hci_fake.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static int f_send(void *ctx, enum bh_h4_type type, const uint8_t *pkt, size_t len)
{
	struct fake *f = ctx;
	if (f->send_rc < 0)
		return f->send_rc;
	assert_true(f->nsent < FAKE_MAX_PKTS);
	assert_true(len <= FAKE_MAX_PKT);
	struct fake_pkt *p = &f->sent[f->nsent++];
	p->type = (uint8_t)type;
	p->len = len;
	memcpy(p->data, pkt, len);
	if (type == BH_H4_CMD) {
		assert_true(len >= 3);
		assert_int_equal(pkt[2], len - 3);
		assert_true(f->nunanswered < 64);
		f->unanswered[f->nunanswered++] = bh_get16(pkt);
		if (f->nunanswered > f->max_unanswered)
			f->max_unanswered = f->nunanswered;
	}
	return 0;
}

static void f_event(void *ctx, uint8_t code, const uint8_t *params, size_t len)
{
	struct fake *f = ctx;
	f->event_calls++;
	f->last_event = code;
	f->last_event_len = len;
	(void)params;
}

static void f_le_meta(void *ctx, uint8_t sub, const uint8_t *params, size_t len)
{
	struct fake *f = ctx;
	f->le_meta_calls++;
	f->last_sub = sub;
	f->last_sub_len = len;
	f->sub_count[sub & 63]++;
	(void)params;
}

static void f_acl(void *ctx, uint16_t handle, const uint8_t *frame, size_t len)
{
	struct fake *f = ctx;
	f->acl_calls++;
	f->last_acl_handle = handle;
	assert_true(len <= sizeof(f->last_acl));
	/* The layer promises the basic header length matches. */
	assert_true(len >= 4);
	assert_int_equal(bh_get16(frame), len - 4);
	memcpy(f->last_acl, frame, len);
	f->last_acl_len = len;
}

static void f_can_send(void *ctx, uint16_t handle)
{
	struct fake *f = ctx;
	f->can_send_calls++;
	f->last_can_send = handle;
}

static void f_ready(void *ctx, bh_status st)
{
	struct fake *f = ctx;
	f->ready_calls++;
	f->ready_status = st;
}

static void f_fatal(void *ctx, bh_status reason)
{
	struct fake *f = ctx;
	f->fatal_calls++;
	f->fatal_reason = reason;
}

void fake_set_cmd(struct fake *f, uint16_t sup_bit, bool on)
{
	if (on)
		f->commands[sup_bit / 8] |= (uint8_t)(1u << (sup_bit % 8));
	else
		f->commands[sup_bit / 8] &= (uint8_t)~(1u << (sup_bit % 8));
}

void fake_init_btvirt(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	f->env.now = bh_manual_clock;
	f->env.now_ctx = &f->now;
	f->env.log_level = BH_LOG_ERROR;
	f->now = 1000;
	f->hci_version = 0x0b;
	f->features[4] = 0x60; /* LE supported, BR/EDR not supported */
	f->le_features[0] = 0x01; /* LE Encryption */
	const uint8_t addr[6] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06 };
	memcpy(f->bdaddr, addr, 6);
	f->le_mtu = 192;
	f->le_cnt = 1;
	f->acl_mtu = 0;
	f->acl_cnt = 0;
	f->ncmd = 1;
	fake_set_cmd(f, BH_HCI_SUP(5, 6), true);  /* Set Event Mask */
	fake_set_cmd(f, BH_HCI_SUP(14, 5), true); /* Read Local Supported Features */
	fake_set_cmd(f, BH_HCI_SUP(14, 7), true); /* Read Buffer Size */
	fake_set_cmd(f, BH_HCI_SUP(15, 1), true); /* Read BD_ADDR */
	fake_set_cmd(f, BH_SUP_LE_SET_EVENT_MASK, true);
	fake_set_cmd(f, BH_SUP_LE_READ_BUFFER_SIZE, true);
	fake_set_cmd(f, BH_SUP_LE_READ_LOCAL_FEATURES, true);
	fake_set_cmd(f, BH_SUP_LE_READ_BUFFER_SIZE_V2, true);
	f->port = (struct bh_hci_port){
		.ctx = f,
		.send = f_send,
		.event = f_event,
		.le_meta = f_le_meta,
		.acl = f_acl,
		.acl_can_send = f_can_send,
		.ready = f_ready,
		.fatal = f_fatal,
	};
}

void fake_new_hci(struct fake *f, const struct bh_hci_config *cfg)
{
	f->hci = bh_hci_new(cfg, &f->env, &f->port);
	assert_non_null(f->hci);
}

void fake_free(struct fake *f)
{
	bh_hci_free(f->hci);
	f->hci = NULL;
}

void fake_rule(struct fake *f, uint16_t opcode, uint8_t status, bool silent, bool short_reply)
{
	assert_true(f->nrules < 8);
	f->rules[f->nrules++] = (struct fake_rule){ opcode, status, silent, short_reply };
}

void fake_event(struct fake *f, uint8_t code, const uint8_t *params, size_t len)
{
	uint8_t pkt[2 + 255];
	assert_true(len <= 255);
	pkt[0] = code;
	pkt[1] = (uint8_t)len;
	if (len)
		memcpy(pkt + 2, params, len);
	bh_hci_on_packet(f->hci, BH_H4_EVT, pkt, 2 + len);
}

void fake_cmd_complete(struct fake *f, uint8_t ncmd, uint16_t opcode, const uint8_t *ret,
		       size_t len)
{
	uint8_t p[255];
	p[0] = ncmd;
	bh_put16(p + 1, opcode);
	if (len)
		memcpy(p + 3, ret, len);
	/* Forget it as unanswered (oldest first). */
	for (unsigned i = 0; i < f->nunanswered; i++) {
		if (f->unanswered[i] != opcode)
			continue;
		memmove(&f->unanswered[i], &f->unanswered[i + 1],
			(f->nunanswered - i - 1) * sizeof(f->unanswered[0]));
		f->nunanswered--;
		break;
	}
	fake_event(f, BH_HCI_EVT_CMD_COMPLETE, p, 3 + len);
}

/* Return parameters the fake gives for opcode; 0 = not answered. */
static size_t answer(struct fake *f, uint16_t opcode, uint8_t *r)
{
	for (unsigned i = 0; i < f->nrules; i++) {
		if (f->rules[i].opcode != opcode)
			continue;
		if (f->rules[i].silent)
			return 0;
		r[0] = f->rules[i].status;
		if (f->rules[i].status || f->rules[i].short_reply)
			return 1;
	}
	struct bh_wr w = bh_wr_init(r, 255);
	bh_wr_u8(&w, 0);
	switch (opcode) {
	case BH_HCI_READ_LOCAL_VERSION:
		bh_wr_u8(&w, f->hci_version);
		bh_wr_u16(&w, 0x1234);
		bh_wr_u8(&w, f->hci_version);
		bh_wr_u16(&w, 0x05f1);
		bh_wr_u16(&w, 0x4321);
		break;
	case BH_HCI_READ_LOCAL_COMMANDS:
		bh_wr_bytes(&w, f->commands, 64);
		break;
	case BH_HCI_READ_LOCAL_FEATURES:
		bh_wr_bytes(&w, f->features, 8);
		break;
	case BH_HCI_LE_READ_LOCAL_FEATURES:
		bh_wr_bytes(&w, f->le_features, 8);
		break;
	case BH_HCI_READ_BD_ADDR:
		bh_wr_bytes(&w, f->bdaddr, 6);
		break;
	case BH_HCI_LE_READ_BUFFER_SIZE:
		bh_wr_u16(&w, f->le_mtu);
		bh_wr_u8(&w, f->le_cnt);
		break;
	case BH_HCI_LE_READ_BUFFER_SIZE_V2:
		bh_wr_u16(&w, f->le_mtu);
		bh_wr_u8(&w, f->le_cnt);
		bh_wr_u16(&w, 251);
		bh_wr_u8(&w, 4);
		break;
	case BH_HCI_READ_BUFFER_SIZE:
		bh_wr_u16(&w, f->acl_mtu);
		bh_wr_u8(&w, 64);
		bh_wr_u16(&w, f->acl_cnt);
		bh_wr_u16(&w, 0);
		break;
	default:
		break;
	}
	return w.len;
}

void fake_run(struct fake *f)
{
	/* Answer in order; answering may make the layer send more. */
	for (unsigned guard = 0; guard < 1000; guard++) {
		uint16_t op = 0;
		uint8_t r[255];
		size_t n = 0;
		bool found = false;
		for (unsigned i = 0; i < f->nunanswered; i++) {
			op = f->unanswered[i];
			n = answer(f, op, r);
			if (n) {
				found = true;
				break;
			}
		}
		if (!found)
			return;
		fake_cmd_complete(f, f->ncmd, op, r, n);
	}
	fail_msg("fake_run did not settle");
}

void fake_bring_up(struct fake *f)
{
	unsigned before = f->ready_calls;
	assert_int_equal(bh_hci_start(f->hci), BH_OK);
	fake_run(f);
	assert_int_equal(f->ready_calls, before + 1);
	assert_int_equal(f->ready_status, BH_OK);
	assert_true(bh_hci_is_ready(f->hci));
}

void fake_le_conn(struct fake *f, uint16_t handle)
{
	/* LE Connection Complete (Vol 4, Part E, 7.7.65.1) */
	uint8_t p[19] = { BH_LE_CONN_COMPLETE, 0x00 };
	bh_put16(p + 2, handle);
	p[4] = 0; /* central */
	p[5] = 0;
	memset(p + 6, 0xaa, 6);
	bh_put16(p + 12, 24);
	bh_put16(p + 14, 0);
	bh_put16(p + 16, 72);
	p[18] = 0;
	fake_event(f, BH_HCI_EVT_LE_META, p, sizeof(p));
}

void fake_disconn(struct fake *f, uint16_t handle)
{
	uint8_t p[4] = { 0x00, 0, 0, 0x13 };
	bh_put16(p + 1, handle);
	fake_event(f, BH_HCI_EVT_DISCONN_COMPLETE, p, sizeof(p));
}

void fake_nocp(struct fake *f, uint16_t handle, uint16_t count)
{
	uint8_t p[5] = { 1 };
	bh_put16(p + 1, handle);
	bh_put16(p + 3, count);
	fake_event(f, BH_HCI_EVT_NUM_COMPLETED_PACKETS, p, sizeof(p));
}

void fake_acl(struct fake *f, uint16_t handle, unsigned pb, const uint8_t *data, size_t len)
{
	uint8_t pkt[4 + 2048];
	assert_true(len <= 2048);
	bh_put16(pkt, (uint16_t)(handle | (pb << 12)));
	bh_put16(pkt + 2, (uint16_t)len);
	if (len)
		memcpy(pkt + 4, data, len);
	bh_hci_on_packet(f->hci, BH_H4_ACL, pkt, 4 + len);
}

unsigned fake_count(const struct fake *f, uint8_t type)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->nsent; i++)
		n += f->sent[i].type == type;
	return n;
}

unsigned fake_opcodes(const struct fake *f, uint16_t *out, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < f->nsent && n < max; i++)
		if (f->sent[i].type == BH_H4_CMD)
			out[n++] = bh_get16(f->sent[i].data);
	return n;
}

const struct fake_pkt *fake_last(const struct fake *f, uint8_t type)
{
	for (unsigned i = f->nsent; i-- > 0;)
		if (f->sent[i].type == type)
			return &f->sent[i];
	return NULL;
}

int fake_find_cmd(const struct fake *f, uint16_t opcode)
{
	for (unsigned i = 0; i < f->nsent; i++)
		if (f->sent[i].type == BH_H4_CMD && bh_get16(f->sent[i].data) == opcode)
			return (int)i;
	return -1;
}

void fake_clear_sent(struct fake *f)
{
	f->nsent = 0;
}

void fake_advance(struct fake *f, bh_time_ms ms)
{
	f->now += ms;
	bh_hci_on_timeout(f->hci);
}
