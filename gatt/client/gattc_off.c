/* The GATT client of a build with -Dgatt_client=false: the per-connection
 * object exists (the host creates one for every link), holds no tree and
 * starts no procedure: every procedure returns BH_ENOTSUP and logs the
 * option. A peer's notifications and indications still reach
 * events.unsubscribed (no subscription can exist); the ATT bearer confirms
 * indications itself. */
#include <blehost/bh_env.h>
#include <blehost/gatt_client.h>

#include <stdlib.h>
#include <string.h>

#define OFF_MSG "the GATT client is not in this build (-Dgatt_client=false)"

struct bh_gattc {
	struct bh_env env;
	struct bh_gattc_port port;
	struct bh_gattc_events ev;
	struct bh_gattc_stats stats;
	bool disconnected;
};

static int left_out(const struct bh_gattc *c)
{
	if (c)
		BH_LOGF(&c->env, BH_LOG_WARN, "gattc", OFF_MSG);
	return BH_ENOTSUP;
}

void bh_gattc_config_default(struct bh_gattc_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_ops = 16;
	cfg->max_services = 64;
	cfg->max_chrs = 256;
	cfg->max_descs = 512;
	cfg->max_includes = 32;
	cfg->max_subscriptions = 32;
}

struct bh_gattc *bh_gattc_new(const struct bh_gattc_config *cfg, const struct bh_env *env,
			      const struct bh_gattc_port *port, const struct bh_gattc_events *events)
{
	(void)cfg; /* no tree, no operations: nothing to size */
	if (!env || !port || !port->request || !port->cancel || !port->mtu)
		return NULL;
	struct bh_gattc *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->env = *env;
	c->port = *port;
	if (events)
		c->ev = *events;
	return c;
}

void bh_gattc_free(struct bh_gattc *c)
{
	free(c);
}

void bh_gattc_disconnected(struct bh_gattc *c, bh_status reason)
{
	if (!c || c->disconnected)
		return;
	c->disconnected = true;
	if (c->ev.disconnected)
		c->ev.disconnected(c->ev.ctx, reason);
}

void bh_gattc_on_notification(struct bh_gattc *c, uint16_t handle, const uint8_t *value,
			      size_t len, bool indication)
{
	if (!c)
		return;
	if (indication)
		c->stats.indications++;
	else
		c->stats.notifications++;
	if (c->ev.unsubscribed)
		c->ev.unsubscribed(c->ev.ctx, handle, value, len, indication);
}

uint16_t bh_gattc_mtu(const struct bh_gattc *c)
{
	return c ? c->port.mtu(c->port.ctx) : 0;
}

bool bh_gattc_is_connected(const struct bh_gattc *c)
{
	return c && !c->disconnected;
}

const struct bh_gattc_stats *bh_gattc_stats(const struct bh_gattc *c)
{
	return c ? &c->stats : NULL;
}

void bh_gattc_stats_reset(struct bh_gattc *c)
{
	if (c)
		memset(&c->stats, 0, sizeof(c->stats));
}

struct bh_pool *bh_gattc_op_pool(struct bh_gattc *c)
{
	(void)c;
	return NULL;
}

unsigned bh_gattc_cancel(struct bh_gattc *c, void *ctx)
{
	(void)c, (void)ctx;
	return 0;
}

/* ---- the (always empty) tree ---- */

unsigned bh_gattc_service_count(const struct bh_gattc *c) { (void)c; return 0; }
unsigned bh_gattc_chr_count(const struct bh_gattc *c) { (void)c; return 0; }
unsigned bh_gattc_desc_count(const struct bh_gattc *c) { (void)c; return 0; }
unsigned bh_gattc_include_count(const struct bh_gattc *c) { (void)c; return 0; }

const struct bh_gattc_service *bh_gattc_service_at(const struct bh_gattc *c, unsigned i)
{
	(void)c, (void)i;
	return NULL;
}

const struct bh_gattc_chr *bh_gattc_chr_at(const struct bh_gattc *c, unsigned i)
{
	(void)c, (void)i;
	return NULL;
}

const struct bh_gattc_desc *bh_gattc_desc_at(const struct bh_gattc *c, unsigned i)
{
	(void)c, (void)i;
	return NULL;
}

const struct bh_gattc_include *bh_gattc_include_at(const struct bh_gattc *c, unsigned i)
{
	(void)c, (void)i;
	return NULL;
}

const struct bh_gattc_service *bh_gattc_find_service(const struct bh_gattc *c, const bh_uuid *u)
{
	(void)c, (void)u;
	return NULL;
}

const struct bh_gattc_chr *bh_gattc_find_chr(const struct bh_gattc *c,
					     const struct bh_gattc_service *svc, const bh_uuid *u)
{
	(void)c, (void)svc, (void)u;
	return NULL;
}

const struct bh_gattc_desc *bh_gattc_find_desc(const struct bh_gattc *c,
					       const struct bh_gattc_chr *chr, const bh_uuid *u)
{
	(void)c, (void)chr, (void)u;
	return NULL;
}

const struct bh_gattc_chr *bh_gattc_chr_by_handle(const struct bh_gattc *c, uint16_t handle)
{
	(void)c, (void)handle;
	return NULL;
}

const struct bh_gattc_service *bh_gattc_service_by_handle(const struct bh_gattc *c,
							  uint16_t handle)
{
	(void)c, (void)handle;
	return NULL;
}

int bh_gattc_clear(struct bh_gattc *c)
{
	return left_out(c);
}

size_t bh_gattc_export_size(const struct bh_gattc *c)
{
	(void)c;
	return 0;
}

size_t bh_gattc_export(const struct bh_gattc *c, uint8_t *out, size_t cap)
{
	(void)c, (void)out, (void)cap;
	return 0;
}

int bh_gattc_import(struct bh_gattc *c, const uint8_t *blob, size_t len)
{
	(void)blob, (void)len;
	return left_out(c);
}

bool bh_gattc_db_hash(const struct bh_gattc *c, uint8_t out[16])
{
	(void)c, (void)out;
	return false;
}

/* ---- results: none is ever produced ---- */

unsigned bh_gattc_result_pairs(const struct bh_gattc_result *res)
{
	(void)res;
	return 0;
}

bool bh_gattc_result_pair(const struct bh_gattc_result *res, unsigned i, uint16_t *handle,
			  const uint8_t **value, size_t *len)
{
	(void)res, (void)i, (void)handle, (void)value, (void)len;
	return false;
}

unsigned bh_gattc_result_tuples(const struct bh_gattc_result *res)
{
	(void)res;
	return 0;
}

bool bh_gattc_result_tuple(const struct bh_gattc_result *res, unsigned i, const uint8_t **value,
			   size_t *len)
{
	(void)res, (void)i, (void)value, (void)len;
	return false;
}

/* ---- procedures ---- */

int bh_gattc_discover(struct bh_gattc *c, const bh_uuid *allow, unsigned n_allow, unsigned flags,
		      bh_gattc_cb cb, void *ctx)
{
	(void)allow, (void)n_allow, (void)flags, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_discover_services(struct bh_gattc *c, bh_gattc_cb cb, void *ctx)
{
	(void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_discover_service_uuid(struct bh_gattc *c, const bh_uuid *uuid, bh_gattc_cb cb,
				   void *ctx)
{
	(void)uuid, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_discover_includes(struct bh_gattc *c, uint16_t service_start, bh_gattc_cb cb,
			       void *ctx)
{
	(void)service_start, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_discover_chrs(struct bh_gattc *c, uint16_t service_start, const bh_uuid *uuid,
			   bh_gattc_cb cb, void *ctx)
{
	(void)service_start, (void)uuid, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_discover_descs(struct bh_gattc *c, uint16_t value_handle, bh_gattc_cb cb, void *ctx)
{
	(void)value_handle, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_read(struct bh_gattc *c, uint16_t handle, bh_gattc_cb cb, void *ctx)
{
	(void)handle, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_read_long(struct bh_gattc *c, uint16_t handle, bh_gattc_cb cb, void *ctx)
{
	(void)handle, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_read_by_uuid(struct bh_gattc *c, uint16_t start, uint16_t end, const bh_uuid *uuid,
			  bh_gattc_cb cb, void *ctx)
{
	(void)start, (void)end, (void)uuid, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_read_multiple(struct bh_gattc *c, const uint16_t *handles, unsigned n,
			   bh_gattc_cb cb, void *ctx)
{
	(void)handles, (void)n, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_read_multiple_var(struct bh_gattc *c, const uint16_t *handles, unsigned n,
			       bh_gattc_cb cb, void *ctx)
{
	(void)handles, (void)n, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_write(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len,
		   bh_gattc_cb cb, void *ctx)
{
	(void)handle, (void)value, (void)len, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_write_long(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len,
			bh_gattc_cb cb, void *ctx)
{
	(void)handle, (void)value, (void)len, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_write_reliable(struct bh_gattc *c, const struct bh_gattc_write_item *items,
			    unsigned n, bh_gattc_cb cb, void *ctx)
{
	(void)items, (void)n, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_write_cmd(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len)
{
	(void)handle, (void)value, (void)len;
	return left_out(c);
}

int bh_gattc_write_signed(struct bh_gattc *c, uint16_t handle, const uint8_t *value, size_t len)
{
	(void)handle, (void)value, (void)len;
	return left_out(c);
}

int bh_gattc_exchange_mtu(struct bh_gattc *c, uint16_t mtu, bh_gattc_cb cb, void *ctx)
{
	(void)mtu, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_set_client_features(struct bh_gattc *c, uint8_t bits, bh_gattc_cb cb, void *ctx)
{
	(void)bits, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_subscribe(struct bh_gattc *c, uint16_t value_handle, uint16_t what,
		       bh_gattc_notify_cb ncb, void *nctx, bh_gattc_cb cb, void *ctx)
{
	(void)value_handle, (void)what, (void)ncb, (void)nctx, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_unsubscribe(struct bh_gattc *c, uint16_t value_handle, bh_gattc_cb cb, void *ctx)
{
	(void)value_handle, (void)cb, (void)ctx;
	return left_out(c);
}

int bh_gattc_validate_cache(struct bh_gattc *c, unsigned flags, bh_gattc_cb cb, void *ctx)
{
	(void)flags, (void)cb, (void)ctx;
	return left_out(c);
}
