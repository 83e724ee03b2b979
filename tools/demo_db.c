/* The demo database served by `blehost peripheral` and by the live and
 * replay tests, so the tests exercise exactly what a user sees. */
#include "demo_db.h"

#include <string.h>


static const uint8_t sensor_location[] = { 0x01 }; /* chest */
static const char manufacturer[] = "blehost project";
static const char model[] = "blehost demo peripheral";
static const char secret_enc[] = "encrypted secret";
static const char secret_auth[] = "authenticated secret";
static uint8_t long_value[300];

static const struct bh_gatt_chr_def hr_chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37), .props = BH_GATT_CHR_NOTIFY,
	  .read_perm = BH_GATT_PERM_NONE, .write_perm = BH_GATT_PERM_NONE,
	  .initial = "\x00\x48", .initial_len = 2, .max_len = 2, .fixed_len = true },
	{ .uuid = BH_UUID16_INIT(0x2a38), .props = BH_GATT_CHR_READ,
	  .read_perm = BH_GATT_PERM_OPEN, .initial = sensor_location, .initial_len = 1 },
};
static const struct bh_gatt_chr_def batt_chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a19), .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
	  .read_perm = BH_GATT_PERM_OPEN, .initial = "\x64", .initial_len = 1,
	  .fixed_len = true },
};
static const struct bh_gatt_chr_def dis_chrs[] = {
	{ .uuid = BH_UUID16_INIT(0x2a29), .props = BH_GATT_CHR_READ, .read_perm = BH_GATT_PERM_OPEN,
	  .initial = manufacturer, .initial_len = sizeof(manufacturer) - 1 },
	{ .uuid = BH_UUID16_INIT(0x2a24), .props = BH_GATT_CHR_READ, .read_perm = BH_GATT_PERM_OPEN,
	  .initial = model, .initial_len = sizeof(model) - 1 },
};
static struct bh_gatt_chr_def demo_chrs[] = {
	{ .uuid = DEMO_UUID(0x01), .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE,
	  .read_perm = BH_GATT_PERM_OPEN, .write_perm = BH_GATT_PERM_OPEN,
	  .initial = long_value, .initial_len = sizeof(long_value), .max_len = 512,
	  .user_desc = "300-byte read/write value" },
	{ .uuid = DEMO_UUID(0x02), .props = BH_GATT_CHR_WRITE_NO_RSP | BH_GATT_CHR_READ,
	  .read_perm = BH_GATT_PERM_OPEN, .write_perm = BH_GATT_PERM_OPEN,
	  .initial = "", .initial_len = 0, .max_len = 244,
	  .user_desc = "write without response" },
	{ .uuid = DEMO_UUID(0x03), .props = BH_GATT_CHR_INDICATE | BH_GATT_CHR_READ,
	  .read_perm = BH_GATT_PERM_OPEN, .initial = "\x00", .initial_len = 1, .max_len = 20,
	  .user_desc = "indicates a counter" },
	{ .uuid = DEMO_UUID(0x04), .props = BH_GATT_CHR_READ,
	  .read_perm = BH_GATT_PERM_ENC_NO_MITM, .initial = secret_enc,
	  .initial_len = sizeof(secret_enc) - 1, .user_desc = "readable when encrypted" },
	{ .uuid = DEMO_UUID(0x05), .props = BH_GATT_CHR_READ,
	  .read_perm = BH_GATT_PERM_ENC_MITM, .initial = secret_auth,
	  .initial_len = sizeof(secret_auth) - 1, .user_desc = "readable when authenticated" },
	{ .uuid = DEMO_UUID(0x06), .props = BH_GATT_CHR_READ | BH_GATT_CHR_AUTH_SIGNED_WRITE,
	  .read_perm = BH_GATT_PERM_OPEN, .write_perm = BH_GATT_PERM_ENC_NO_MITM,
	  .initial = "", .initial_len = 0, .max_len = 20,
	  .user_desc = "signed write from a bonded peer" },
};

static const struct bh_gatt_svc_def services[] = {
	{ .uuid = BH_UUID16_INIT(0x180d), .chrs = hr_chrs, .num_chrs = 2 },
	{ .uuid = BH_UUID16_INIT(0x180f), .chrs = batt_chrs, .num_chrs = 1 },
	{ .uuid = BH_UUID16_INIT(0x180a), .chrs = dis_chrs, .num_chrs = 2 },
	{ .uuid = DEMO_UUID(0x00), .chrs = demo_chrs, .num_chrs = 6 },
};

bh_status demo_db_add(struct bh_gatts *gs, struct demo_handles *out)
{
	for (size_t i = 0; i < sizeof(long_value); i++)
		long_value[i] = (uint8_t)i;
	bh_status st = bh_gatts_add_services(gs, services, sizeof(services) / sizeof(services[0]));
	if (st)
		return st;
	memset(out, 0, sizeof(*out));
	out->heart_rate = bh_gatts_value_handle(gs, &hr_chrs[0]);
	out->sensor_location = bh_gatts_value_handle(gs, &hr_chrs[1]);
	out->battery = bh_gatts_value_handle(gs, &batt_chrs[0]);
	out->manufacturer = bh_gatts_value_handle(gs, &dis_chrs[0]);
	out->long_value = bh_gatts_value_handle(gs, &demo_chrs[0]);
	out->write_cmd = bh_gatts_value_handle(gs, &demo_chrs[1]);
	out->indicate = bh_gatts_value_handle(gs, &demo_chrs[2]);
	out->encrypted = bh_gatts_value_handle(gs, &demo_chrs[3]);
	out->authenticated = bh_gatts_value_handle(gs, &demo_chrs[4]);
	out->signed_write = bh_gatts_value_handle(gs, &demo_chrs[5]);
	return BH_OK;
}

void demo_long_value(uint8_t out[300])
{
	for (size_t i = 0; i < 300; i++)
		out[i] = (uint8_t)i;
}
