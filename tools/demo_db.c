/* The demo database served by `blehost peripheral` and by the live and
 * replay tests, so the tests exercise exactly what a user sees. It is a
 * JSON description (tools/demo_db.json, compiled in) read by the same
 * loader as `peripheral --db FILE`. */
#include "demo_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char demo_db_json[];
extern const size_t demo_db_json_len;

const struct gatt_db *demo_db(void)
{
	/* Parsed once and kept: the servers identify definitions by address,
	 * and several hosts in one process (tests) share them. */
	static struct gatt_db *db;
	if (!db) {
		char err[256];
		db = gatt_db_parse(demo_db_json, demo_db_json_len, err, sizeof(err));
		if (!db) /* the build's own file: a mistake there is a bug */
			fprintf(stderr, "tools/demo_db.json: %s\n", err);
	}
	return db;
}

static uint16_t value_handle(struct bh_gatts *gs, const struct gatt_db *db, bh_uuid svc,
			     bh_uuid chr)
{
	const struct bh_gatt_chr_def *d = gatt_db_find_chr(db, &svc, &chr);
	return d ? bh_gatts_value_handle(gs, d) : 0;
}

void demo_db_handles(struct bh_gatts *gs, const struct gatt_db *db, struct demo_handles *out)
{
	static const bh_uuid demo = DEMO_UUID(0x00);
	memset(out, 0, sizeof(*out));
	out->heart_rate = value_handle(gs, db, bh_uuid16(0x180d), bh_uuid16(0x2a37));
	out->sensor_location = value_handle(gs, db, bh_uuid16(0x180d), bh_uuid16(0x2a38));
	out->battery = value_handle(gs, db, bh_uuid16(0x180f), bh_uuid16(0x2a19));
	out->manufacturer = value_handle(gs, db, bh_uuid16(0x180a), bh_uuid16(0x2a29));
	uint16_t *demo_chrs[] = { &out->long_value, &out->write_cmd, &out->indicate,
				  &out->encrypted, &out->authenticated, &out->signed_write };
	for (uint8_t i = 0; i < 6; i++)
		*demo_chrs[i] = value_handle(gs, db, demo, (bh_uuid)DEMO_UUID((uint8_t)(i + 1)));
}

bh_status demo_db_add(struct bh_gatts *gs, struct demo_handles *out)
{
	const struct gatt_db *db = demo_db();
	if (!db)
		return BH_EINVAL;
	size_t n;
	const struct bh_gatt_svc_def *svcs = gatt_db_services(db, &n);
	bh_status st = bh_gatts_add_services(gs, svcs, n);
	if (st)
		return st;
	demo_db_handles(gs, db, out);
	return BH_OK;
}

void demo_long_value(uint8_t out[300])
{
	for (size_t i = 0; i < 300; i++)
		out[i] = (uint8_t)i;
}
