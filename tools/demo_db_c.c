/* The demo database of tools/demo_db.json declared in C, as an
 * application that compiles its database in would: a program links this
 * file instead of demo_db.c and the JSON loader (bench_size, which
 * bench/run_size.sh measures). It has demo_db_add and demo_long_value
 * but not demo_db(), which is the parsed JSON. test_gatt_db_json checks
 * that these definitions equal what the JSON gives, field by field. */
#include "demo_db.h"

#include <string.h>

#define ENC BH_GATT_PERM_ENC_NO_MITM
/* Without signed writes (-Dsigned_write=false) the server refuses the
 * property: demo 06 takes an encrypted write instead, as tools/meson.build
 * makes the JSON description. */
#ifdef BH_NO_SIGNED_WRITE
#define DEMO_SIGNED_WRITE BH_GATT_CHR_WRITE
#else
#define DEMO_SIGNED_WRITE BH_GATT_CHR_AUTH_SIGNED_WRITE
#endif

/* demo 01's initial value, filled by demo_long_value on first use. */
static uint8_t long_value[300];

static const struct bh_gatt_chr_def heart_rate[] = {
	{ .uuid = BH_UUID16_INIT(0x2a37), .props = BH_GATT_CHR_NOTIFY,
	  .initial = "\x00\x48", .initial_len = 2, .max_len = 2, .fixed_len = true },
	{ .uuid = BH_UUID16_INIT(0x2a38), .props = BH_GATT_CHR_READ,
	  .initial = "\x01", .initial_len = 1 },
};
static const struct bh_gatt_chr_def battery[] = {
	{ .uuid = BH_UUID16_INIT(0x2a19), .props = BH_GATT_CHR_READ | BH_GATT_CHR_NOTIFY,
	  .initial = "\x64", .initial_len = 1, .fixed_len = true },
};
static const struct bh_gatt_chr_def device_info[] = {
	{ .uuid = BH_UUID16_INIT(0x2a29), .props = BH_GATT_CHR_READ,
	  .initial = "blehost project", .initial_len = 15 },
	{ .uuid = BH_UUID16_INIT(0x2a24), .props = BH_GATT_CHR_READ,
	  .initial = "blehost demo peripheral", .initial_len = 23 },
};
static const struct bh_gatt_chr_def demo[] = {
	{ .uuid = DEMO_UUID(0x01), .props = BH_GATT_CHR_READ | BH_GATT_CHR_WRITE,
	  .initial = long_value, .initial_len = sizeof(long_value), .max_len = 512,
	  .user_desc = "300-byte read/write value" },
	{ .uuid = DEMO_UUID(0x02), .props = BH_GATT_CHR_WRITE_NO_RSP | BH_GATT_CHR_READ,
	  .initial = "", .max_len = 244, .user_desc = "write without response" },
	{ .uuid = DEMO_UUID(0x03), .props = BH_GATT_CHR_INDICATE | BH_GATT_CHR_READ,
	  .initial = "\x00", .initial_len = 1, .max_len = 20, .user_desc = "indicates a counter" },
	{ .uuid = DEMO_UUID(0x04), .props = BH_GATT_CHR_READ, .read_perm = ENC,
	  .initial = "encrypted secret", .initial_len = 16,
	  .user_desc = "readable when encrypted" },
	{ .uuid = DEMO_UUID(0x05), .props = BH_GATT_CHR_READ, .read_perm = BH_GATT_PERM_ENC_MITM,
	  .initial = "authenticated secret", .initial_len = 20,
	  .user_desc = "readable when authenticated" },
	{ .uuid = DEMO_UUID(0x06), .props = BH_GATT_CHR_READ | DEMO_SIGNED_WRITE,
	  .write_perm = ENC, .initial = "", .max_len = 20,
	  .user_desc = "signed write from a bonded peer" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))
static const struct bh_gatt_svc_def services[] = {
	{ .uuid = BH_UUID16_INIT(0x180d), .chrs = heart_rate, .num_chrs = N(heart_rate) },
	{ .uuid = BH_UUID16_INIT(0x180f), .chrs = battery, .num_chrs = N(battery) },
	{ .uuid = BH_UUID16_INIT(0x180a), .chrs = device_info, .num_chrs = N(device_info) },
	{ .uuid = DEMO_UUID(0x00), .chrs = demo, .num_chrs = N(demo) },
};

const struct bh_gatt_svc_def *demo_db_c_services(size_t *n)
{
	demo_long_value(long_value);
	*n = N(services);
	return services;
}

bh_status demo_db_add(struct bh_gatts *gs, struct demo_handles *out)
{
	size_t n;
	const struct bh_gatt_svc_def *svcs = demo_db_c_services(&n);
	bh_status st = bh_gatts_add_services(gs, svcs, n);
	if (st)
		return st;
	memset(out, 0, sizeof(*out));
	out->heart_rate = bh_gatts_value_handle(gs, &heart_rate[0]);
	out->sensor_location = bh_gatts_value_handle(gs, &heart_rate[1]);
	out->battery = bh_gatts_value_handle(gs, &battery[0]);
	out->manufacturer = bh_gatts_value_handle(gs, &device_info[0]);
	uint16_t *demo_chrs[] = { &out->long_value, &out->write_cmd, &out->indicate,
				  &out->encrypted, &out->authenticated, &out->signed_write };
	for (size_t i = 0; i < N(demo); i++)
		*demo_chrs[i] = bh_gatts_value_handle(gs, &demo[i]);
	return BH_OK;
}

void demo_long_value(uint8_t out[300])
{
	for (size_t i = 0; i < 300; i++)
		out[i] = (uint8_t)i;
}
