/* Client Supported Features (Vol 3, Part G, 7.2): a Read By Type of 0x2B29
 * finds the characteristic and its current bits, then a Write Request adds
 * ours. Two ordinary operations chained, so they queue, cancel and fail
 * like any other. */
#include "gattc_internal.h"

#define UUID_CSF 0x2b29
#define CSF_KNOWN (BH_GATTC_CSF_ROBUST_CACHING | BH_GATTC_CSF_EATT | BH_GATTC_CSF_MULT_NTF)

static void finish(struct bh_gattc *c, bh_status st, const struct bh_gattc_result *res)
{
	bh_gattc_cb cb = c->csf.cb;
	void *ctx = c->csf.ctx;
	c->csf.busy = false;
	struct bh_gattc_result r = { 0 };
	if (res)
		r.handle = res->handle;
	if (cb)
		cb(ctx, st, &r);
}

static void on_write(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	finish(ctx, st, res);
}

static void on_read(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct bh_gattc *c = ctx;
	uint16_t h = 0;
	const uint8_t *v = NULL;
	size_t n = 0;
	if (st == BH_ATT_ERROR(BH_ATT_E_ATTRIBUTE_NOT_FOUND))
		st = BH_ENOTSUP;
	if (st == BH_OK && (!bh_gattc_result_pair(res, 0, &h, &v, &n) || n < 1 || !h))
		st = BH_EPROTO; /* the characteristic is at least one octet */
	if (st != BH_OK) {
		finish(c, st, NULL);
		return;
	}
	uint8_t val = (uint8_t)(v[0] | c->csf.bits);
	st = bh_gattc_write(c, h, &val, 1, on_write, c);
	if (st != BH_OK)
		finish(c, st, NULL);
}

int bh_gattc_set_client_features(struct bh_gattc *c, uint8_t bits, bh_gattc_cb cb, void *ctx)
{
	if (!c || !bits || (bits & ~CSF_KNOWN))
		return BH_EINVAL;
	if (c->csf.busy)
		return BH_EBUSY;
	bh_uuid u = bh_uuid16(UUID_CSF);
	c->csf.busy = true;
	c->csf.bits = bits;
	c->csf.cb = cb;
	c->csf.ctx = ctx;
	int st = bh_gattc_read_by_uuid(c, 0x0001, 0xffff, &u, on_read, c);
	if (st != BH_OK)
		c->csf.busy = false;
	return st;
}
