/* The GATT server of a build with -Dgatt_server=false: the object exists so
 * the host wires connections as usual, but it holds no database. Every ATT
 * request of a peer is answered Request Not Supported with handle 0x0000 and
 * every command is ignored (Vol 3, Part F, 3.3 and 3.4.1.1); Exchange MTU
 * stays the bearer's. The database and notification calls return
 * BH_ENOTSUP and log the option. */
#include <blehost/att.h>
#include <blehost/bh_env.h>
#include <blehost/gatt_server.h>

#include <stdlib.h>
#include <string.h>

#define OFF_MSG "the GATT server is not in this build (-Dgatt_server=false)"

struct bh_gatts {
	struct bh_env env;
	struct bh_gatts_port port;
};

static bh_status left_out(const struct bh_gatts *s)
{
	if (s)
		BH_LOGF(&s->env, BH_LOG_WARN, "gatt", OFF_MSG);
	return BH_ENOTSUP;
}

void bh_gatts_config_default(struct bh_gatts_config *c)
{
	memset(c, 0, sizeof(*c));
	c->device_name = "blehost";
	c->max_connections = 8;
	c->max_cccds = 32;
	c->prepare_queue = 16;
}

struct bh_gatts *bh_gatts_new(const struct bh_gatts_config *cfg, const struct bh_env *env,
			      const struct bh_gatts_port *port, const struct bh_gatts_events *ev)
{
	(void)ev;
	if (!cfg || !env || !port || !port->respond)
		return NULL;
	struct bh_gatts *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->env = *env;
	s->port = *port;
	return s;
}

void bh_gatts_free(struct bh_gatts *s)
{
	free(s);
}

void bh_gatts_on_pdu(struct bh_gatts *s, uint16_t conn, const uint8_t *pdu, size_t len)
{
	if (!s || !pdu || len < 1 || !bh_att_is_request(pdu[0]))
		return;
	uint8_t rsp[5];
	size_t n = bh_att_encode_error(rsp, pdu[0], 0x0000, BH_ATT_E_REQUEST_NOT_SUPPORTED);
	(void)s->port.respond(s->port.ctx, conn, rsp, n);
}

bh_status bh_gatts_add_services(struct bh_gatts *s, const struct bh_gatt_svc_def *defs, size_t n)
{
	(void)defs, (void)n;
	return left_out(s);
}

bh_status bh_gatts_remove_service(struct bh_gatts *s, uint16_t svc_handle)
{
	(void)svc_handle;
	return left_out(s);
}

uint16_t bh_gatts_service_handle(const struct bh_gatts *s, const struct bh_gatt_svc_def *def)
{
	(void)s, (void)def;
	return 0;
}

uint16_t bh_gatts_value_handle(const struct bh_gatts *s, const struct bh_gatt_chr_def *def)
{
	(void)s, (void)def;
	return 0;
}

void bh_gatts_forget_defs(struct bh_gatts *s, const struct bh_gatt_svc_def *def)
{
	(void)s, (void)def;
}

uint16_t bh_gatts_cccd_handle(const struct bh_gatts *s, uint16_t value_handle)
{
	(void)s, (void)value_handle;
	return 0;
}

uint16_t bh_gatts_dsc_handle(const struct bh_gatts *s, const struct bh_gatt_dsc_def *def)
{
	(void)s, (void)def;
	return 0;
}

uint16_t bh_gatts_service_changed_handle(const struct bh_gatts *s)
{
	(void)s;
	return 0;
}

bh_status bh_gatts_db_hash(const struct bh_gatts *s, uint8_t out[16])
{
	memset(out, 0, 16);
	return left_out(s);
}

bh_status bh_gatts_set_value(struct bh_gatts *s, uint16_t handle, const void *value, size_t len)
{
	(void)handle, (void)value, (void)len;
	return left_out(s);
}

bh_status bh_gatts_get_value(const struct bh_gatts *s, uint16_t handle, void *buf, size_t cap,
			     size_t *len)
{
	(void)handle, (void)buf, (void)cap;
	if (len)
		*len = 0;
	return left_out(s);
}

/* Connections come and go without state: nothing to keep. */
bh_status bh_gatts_connected(struct bh_gatts *s, uint16_t conn)
{
	(void)s, (void)conn;
	return BH_OK;
}

void bh_gatts_disconnected(struct bh_gatts *s, uint16_t conn)
{
	(void)s, (void)conn;
}

void bh_gatts_indication_done(struct bh_gatts *s, uint16_t conn, bh_status st)
{
	(void)s, (void)conn, (void)st;
}

void bh_gatts_can_send(struct bh_gatts *s, uint16_t conn)
{
	(void)s, (void)conn;
}

bh_status bh_gatts_export_cccd(const struct bh_gatts *s, uint16_t conn, uint8_t *buf, size_t cap,
			       size_t *len)
{
	(void)s, (void)conn, (void)buf, (void)cap;
	if (len)
		*len = 0;
	return BH_ENOTSUP; /* called on every bonding: not worth a log line */
}

bh_status bh_gatts_import_cccd(struct bh_gatts *s, uint16_t conn, const uint8_t *buf, size_t len)
{
	(void)s, (void)conn, (void)buf, (void)len;
	return BH_ENOTSUP;
}

uint16_t bh_gatts_cccd_value(const struct bh_gatts *s, uint16_t conn, uint16_t value_handle)
{
	(void)s, (void)conn, (void)value_handle;
	return 0;
}

bool bh_gatts_change_aware(const struct bh_gatts *s, uint16_t conn)
{
	(void)s, (void)conn;
	return true;
}

bh_status bh_gatts_notify(struct bh_gatts *s, uint16_t conn, uint16_t value_handle,
			  const void *value, size_t len, bool *truncated)
{
	(void)conn, (void)value_handle, (void)value, (void)len;
	if (truncated)
		*truncated = false;
	return left_out(s);
}

bh_status bh_gatts_indicate(struct bh_gatts *s, uint16_t conn, uint16_t value_handle,
			    const void *value, size_t len)
{
	(void)conn, (void)value_handle, (void)value, (void)len;
	return left_out(s);
}

int bh_gatts_notify_multiple(struct bh_gatts *s, uint16_t conn, const uint16_t *value_handles,
			     unsigned n)
{
	(void)conn, (void)value_handles, (void)n;
	return left_out(s);
}

int bh_gatts_changed(struct bh_gatts *s, uint16_t value_handle, const void *value, size_t len,
		     unsigned *busy)
{
	(void)value_handle, (void)value, (void)len;
	if (busy)
		*busy = 0;
	return left_out(s);
}
