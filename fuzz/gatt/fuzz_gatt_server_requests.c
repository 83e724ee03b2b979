/* libFuzzer target: arbitrary request PDUs (and API calls between them) fed
 * to a GATT server with a small demo database on three connections.
 *
 * Input: byte 0 picks MTU and link security; then records of
 *   [selector][len][len bytes]. Selector & 0x80 is an API action (database
 *   change, indication completion, disconnect/reconnect, bond blob round
 *   trip); otherwise selector % 3 is the connection and the bytes are a PDU.
 * Invariants checked: exactly one response per request, none per command,
 * every response within the MTU and starting with the right opcode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <blehost/att.h>
#include <blehost/gatt_server.h>

struct fz {
	uint16_t mtu;
	struct bh_gatts_security sec;
	unsigned responses;
	uint8_t last_op;
};

static int respond(void *ctx, uint16_t conn, const uint8_t *pdu, size_t len)
{
	struct fz *f = ctx;
	(void)conn;
	if (len < 1 || len > f->mtu)
		abort();
	if (pdu[0] != BH_ATT_ERROR_RSP && pdu[0] != bh_att_response_for(f->last_op))
		abort();
	if (pdu[0] == BH_ATT_ERROR_RSP && (len != 5 || pdu[1] != f->last_op))
		abort();
	f->responses++;
	return 0;
}

static int notify(void *ctx, uint16_t conn, uint16_t h, const uint8_t *v, size_t len, bool *tr)
{
	(void)ctx;
	(void)conn;
	(void)h;
	(void)v;
	if (tr)
		*tr = false;
	return len > BH_ATT_MAX_VALUE ? -1 : 0;
}

static int indicate(void *ctx, uint16_t conn, uint16_t h, const uint8_t *v, size_t len)
{
	struct fz *f = ctx;
	(void)conn;
	(void)h;
	(void)v;
	if (len > (size_t)f->mtu - 3)
		abort();
	return 0;
}

static uint16_t mtu(void *ctx, uint16_t conn)
{
	(void)conn;
	return ((struct fz *)ctx)->mtu;
}

static void security(void *ctx, uint16_t conn, struct bh_gatts_security *out)
{
	(void)conn;
	*out = ((struct fz *)ctx)->sec;
}

static bh_status verify(void *ctx, uint16_t conn, const uint8_t *msg, size_t len,
			const uint8_t sig[12], bool *mitm)
{
	(void)ctx;
	(void)conn;
	(void)msg;
	(void)len;
	*mitm = sig[0] & 1;
	return (sig[0] & 2) ? BH_OK : BH_ESECURITY;
}

static uint8_t cb_val[64];
static size_t cb_len = 8;

static bh_status rd(void *user, uint16_t conn, uint16_t handle, uint16_t offset, uint8_t *buf,
		    size_t cap, size_t *len)
{
	(void)user;
	(void)conn;
	(void)handle;
	if (offset > cb_len)
		return BH_ATT_ERROR(BH_ATT_E_INVALID_OFFSET);
	size_t n = cb_len - offset < cap ? cb_len - offset : cap;
	memcpy(buf, cb_val + offset, n);
	*len = n;
	return BH_OK;
}

static bh_status wr(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
		    const uint8_t *value, size_t len, unsigned flags)
{
	(void)user;
	(void)conn;
	(void)handle;
	(void)flags;
	if ((size_t)offset + len > sizeof(cb_val))
		return BH_ATT_ERROR(BH_ATT_E_INVALID_VALUE_LENGTH);
	memcpy(cb_val + offset, value, len);
	cb_len = offset + len;
	return BH_OK;
}

static bh_status authz(void *user, uint16_t conn, uint16_t handle, bool write)
{
	(void)user;
	(void)conn;
	return ((handle + write) & 1) ? BH_OK : BH_EPERM;
}

static const struct bh_gatt_dsc_def dscs[] = {
	{ .uuid = BH_UUID16_INIT(0x2908), .read_perm = BH_GATT_PERM_OPEN,
	  .write_perm = BH_GATT_PERM_ENC_NO_MITM, .initial = "\x01\x02", .initial_len = 2,
	  .max_len = 8 },
};
static const struct bh_gatt_presentation fmt = { .format = 4, .unit = 0x2700 };
static const struct bh_gatt_chr_def chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37), .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
	  .initial = "hello", .initial_len = 5, .max_len = 300 },
	{ .uuid = BH_UUID16_INIT(0x2a38), .props = 0x0e | BH_GATT_CHR_INDICATE | 0x40,
	  .ext_props = 3, .initial = "abcd", .initial_len = 4, .fixed_len = true,
	  .user_desc = "fixed", .format = &fmt, .dscs = dscs, .num_dscs = 1 },
	{ .uuid = BH_UUID128_INIT(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),
	  .props = 0x1e, .read = rd, .write = wr, .authorize = authz,
	  .read_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_AUTHOR,
	  .write_perm = BH_GATT_PERM_ENC_MITM | BH_GATT_PERM_AUTHOR },
	{ .uuid = BH_UUID16_INIT(0x2a39), .props = 0x0a, .read_perm = BH_GATT_PERM_LESC_MITM,
	  .write_perm = BH_GATT_PERM_OPEN | BH_GATT_PERM_KEYSIZE(12), .max_len = 512 },
};
static const struct bh_gatt_svc_def svcs[2];
static const struct bh_gatt_svc_def *const incs[] = { &svcs[1] };
static const struct bh_gatt_svc_def svcs[2] = {
	{ .uuid = BH_UUID16_INIT(0x180d), .includes = incs, .num_includes = 1, .chrs = chrs,
	  .num_chrs = 4 },
	{ .uuid = BH_UUID128_INIT(0xf0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
	  .secondary = true, .chrs = chrs, .num_chrs = 1 },
};
static const struct bh_gatt_svc_def extra = { .uuid = BH_UUID16_INIT(0x181c), .chrs = chrs + 1,
					      .num_chrs = 1 };

static bh_time_ms clk(void *ctx)
{
	(void)ctx;
	return 0;
}

static void action(struct bh_gatts *s, uint8_t sel, const uint8_t *p, size_t n)
{
	uint16_t conn = (uint16_t)(sel % 3);
	uint8_t blob[BH_GATTS_CCCD_BLOB_MAX(32)];
	size_t bl = 0;
	switch ((sel >> 2) & 7) {
	case 0:
		(void)bh_gatts_add_services(s, &extra, 1);
		break;
	case 1:
		(void)bh_gatts_remove_service(s, bh_gatts_service_handle(s, &extra));
		break;
	case 2:
		bh_gatts_indication_done(s, conn, (sel & 0x40) ? BH_ETIMEDOUT : BH_OK);
		break;
	case 3:
		bh_gatts_disconnected(s, conn);
		(void)bh_gatts_connected(s, conn);
		break;
	case 4:
		if (bh_gatts_export_cccd(s, conn, blob, sizeof(blob), &bl) == BH_OK)
			(void)bh_gatts_import_cccd(s, (uint16_t)((conn + 1) % 3), blob, bl);
		break;
	case 5:
		(void)bh_gatts_import_cccd(s, conn, p, n);
		break;
	case 6:
		(void)bh_gatts_changed(s, (uint16_t)(n ? p[0] : 0), p, n, NULL);
		break;
	default:
		bh_gatts_can_send(s, conn);
		(void)bh_gatts_set_value(s, (uint16_t)(n ? p[0] : 0), p, n);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct fz f = { 0 };
	static const uint16_t mtus[4] = { 23, 24, 185, 517 };
	f.mtu = mtus[data[0] & 3];
	f.sec.encrypted = data[0] & 4;
	f.sec.authenticated = data[0] & 8;
	f.sec.secure_connections = data[0] & 16;
	f.sec.has_ltk = data[0] & 32;
	f.sec.key_size = (data[0] & 64) ? 16 : 7;
	struct bh_env env = { .now = clk, .log_level = BH_LOG_ERROR };
	struct bh_gatts_port port = { .ctx = &f, .respond = respond, .notify = notify,
				      .indicate = indicate, .mtu = mtu, .security = security,
				      .verify_signed = verify };
	struct bh_gatts_config cfg;
	bh_gatts_config_default(&cfg);
	cfg.prepare_queue = 4;
	cfg.max_cccds = 4;
	cfg.ppcp_present = data[0] & 128;
	struct bh_gatts *s = bh_gatts_new(&cfg, &env, &port, NULL);
	if (!s)
		abort();
	if (bh_gatts_add_services(s, svcs, 2) != BH_OK)
		abort();
	for (uint16_t c = 0; c < 3; c++)
		(void)bh_gatts_connected(s, c);
	size_t i = 1;
	while (i + 2 <= size) {
		uint8_t sel = data[i];
		size_t n = data[i + 1];
		i += 2;
		if (n > size - i)
			n = size - i;
		const uint8_t *p = data + i;
		i += n;
		if (sel & 0x80) {
			action(s, sel, p, n);
			continue;
		}
		if (n > f.mtu)
			n = f.mtu; /* the bearer never delivers more than the MTU */
		unsigned before = f.responses;
		f.last_op = n ? p[0] : 0;
		bh_gatts_on_pdu(s, (uint16_t)(sel % 3), p, n);
		unsigned got = f.responses - before;
		bool is_req = n && !bh_att_is_command(p[0]) && p[0] != BH_ATT_NOTIFY &&
			      p[0] != BH_ATT_INDICATE && p[0] != BH_ATT_CONFIRM &&
			      p[0] != BH_ATT_MULT_NOTIFY && !bh_att_is_response(p[0]);
		/* A change-unaware client's commands and nothing else go
		 * unanswered; requests always get one answer. */
		if (got > 1 || (is_req && got != 1) || (!is_req && got != 0))
			abort();
	}
	bh_gatts_free(s);
	return 0;
}
