/* libFuzzer target: the GATT client against a peer that answers anything.
 * A fake bearer hands each request's response from the input, so every
 * procedure (discovery, long reads and writes, by-UUID and multiple reads,
 * subscriptions, cache validation) meets malformed, short, backwards and
 * never-advancing responses. Every started operation must complete exactly
 * once, and nothing may loop without consuming input.
 *
 * Input: byte 0 picks the MTU and the first operations; then records of
 * [kind][len][bytes]: kind%4 0 = response to the outstanding request,
 * 1 = notification/indication, 2 = the bearer times the request out,
 * 3 = start another operation (bytes[0] picks which). */
#include <blehost/att.h>
#include <blehost/bh_bytes.h>
#include <blehost/gatt_client.h>

#include <stdlib.h>
#include <string.h>

#define MAXQ 8

struct rig {
	struct {
		bh_att_rsp_cb cb;
		void *ctx;
	} q[MAXQ];
	unsigned nq;
	uint16_t mtu;
	unsigned started, completed;
};

static struct rig R;

static int f_request(void *ctx, const uint8_t *pdu, size_t len, bh_att_rsp_cb cb, void *cbctx)
{
	(void)ctx;
	(void)pdu;
	(void)len;
	if (R.nq >= MAXQ)
		return BH_ENOMEM;
	R.q[R.nq].cb = cb;
	R.q[R.nq].ctx = cbctx;
	R.nq++;
	return 0;
}

static void pop(bh_att_rsp_cb *cb, void **ctx)
{
	*cb = R.q[0].cb;
	*ctx = R.q[0].ctx;
	memmove(&R.q[0], &R.q[1], (R.nq - 1) * sizeof(R.q[0]));
	R.nq--;
}

static void f_cancel(void *ctx, void *cbctx)
{
	(void)ctx;
	/* As the bearer: matching requests complete now with BH_ECANCELLED. */
	for (unsigned i = 0; i < R.nq;) {
		if (R.q[i].ctx == cbctx) {
			bh_att_rsp_cb cb = R.q[i].cb;
			memmove(&R.q[i], &R.q[i + 1], (R.nq - i - 1) * sizeof(R.q[0]));
			R.nq--;
			cb(cbctx, BH_ECANCELLED, NULL, 0);
			i = 0;
		} else {
			i++;
		}
	}
}

static int f_command(void *ctx, const uint8_t *pdu, size_t len)
{
	(void)ctx;
	(void)pdu;
	(void)len;
	return 0;
}

static uint16_t f_mtu(void *ctx)
{
	(void)ctx;
	return R.mtu;
}

static void done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	(void)ctx;
	(void)st;
	if (res && res->len && res->value) {
		volatile uint8_t sink = 0;
		for (size_t i = 0; i < res->len; i++)
			sink ^= res->value[i];
		(void)sink;
	}
	R.completed++;
}

static void on_note(void *ctx, uint16_t h, const uint8_t *v, size_t len, bool ind)
{
	(void)ctx;
	(void)h;
	(void)ind;
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < len; i++)
		sink ^= v[i];
	(void)sink;
}

static void start_op(struct bh_gattc *c, uint8_t which)
{
	static const uint8_t val[300] = { 1 };
	static const uint16_t handles[3] = { 3, 5, 7 };
	bh_uuid u = bh_uuid16(0x2a00 + (which & 0x0f));
	int rc;
	switch (which % 9) {
	case 0: rc = bh_gattc_discover(c, NULL, 0, BH_GATTC_DISC_INCLUDES, done, NULL); break;
	case 1: rc = bh_gattc_read_long(c, (uint16_t)(which + 1), done, NULL); break;
	case 2: rc = bh_gattc_write_long(c, (uint16_t)(which + 1), val, sizeof(val), done, NULL); break;
	case 3: rc = bh_gattc_read_by_uuid(c, 1, 0xffff, &u, done, NULL); break;
	case 4: rc = bh_gattc_read_multiple_var(c, handles, 3, done, NULL); break;
	case 5: rc = bh_gattc_discover_services(c, done, NULL); break;
	case 6: rc = bh_gattc_validate_cache(c, 0, done, NULL); break;
	case 7: rc = bh_gattc_exchange_mtu(c, 517, done, NULL); break;
	default: {
		const struct bh_gattc_chr *ch = bh_gattc_chr_at(c, which % 4);
		rc = ch ? bh_gattc_subscribe(c, ch->value_handle, BH_GATTC_NOTIFY, on_note, NULL,
					     done, NULL)
			: bh_gattc_read(c, 1, done, NULL);
	}
	}
	if (rc == 0)
		R.started++;
}

static bh_time_ms zero_clock(void *c)
{
	(void)c;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	memset(&R, 0, sizeof(R));
	R.mtu = (data[0] & 1) ? 517 : 23;
	struct bh_env env = { .now = zero_clock };
	struct bh_gattc_port port = { .request = f_request, .cancel = f_cancel,
				      .command = f_command, .mtu = f_mtu };
	struct bh_gattc_events ev = { .unsubscribed = on_note };
	struct bh_gattc_config cfg;
	bh_gattc_config_default(&cfg);
	struct bh_gattc *c = bh_gattc_new(&cfg, &env, &port, &ev);
	if (!c)
		return 0;
	start_op(c, (uint8_t)(data[0] >> 1));
	struct bh_rd r = bh_rd_init(data + 1, size - 1);
	while (bh_rd_left(&r) >= 2) {
		uint8_t kind = bh_rd_u8(&r), len = bh_rd_u8(&r);
		const uint8_t *p = bh_rd_ptr(&r, len);
		if (!p)
			break;
		switch (kind % 4) {
		case 0:
			if (R.nq) {
				bh_att_rsp_cb cb;
				void *ctx;
				pop(&cb, &ctx);
				struct bh_att_pdu d;
				int st = bh_att_decode(p, len, &d);
				bh_status s = st ? BH_EMALFORMED
					       : d.opcode == BH_ATT_ERROR_RSP ? BH_ATT_ERROR(d.u.error.code)
									    : BH_OK;
				cb(ctx, s, p, len);
			}
			break;
		case 1:
			if (len >= 2)
				bh_gattc_on_notification(c, bh_get16(p), p + 2, len - 2, kind & 4);
			break;
		case 2:
			if (R.nq) {
				bh_att_rsp_cb cb;
				void *ctx;
				pop(&cb, &ctx);
				cb(ctx, BH_ETIMEDOUT, NULL, 0);
			}
			break;
		default:
			start_op(c, len ? p[0] : kind);
			break;
		}
	}
	bh_gattc_disconnected(c, BH_EDISCONNECTED);
	/* The fake bearer fails whatever it still holds, as the real one does. */
	while (R.nq) {
		bh_att_rsp_cb cb;
		void *ctx;
		pop(&cb, &ctx);
		cb(ctx, BH_EDISCONNECTED, NULL, 0);
	}
	bh_gattc_free(c);
	if (R.completed != R.started)
		abort(); /* an operation completed twice or never */
	return 0;
}
