/* The demo GATT database (Heart Rate, Battery, Device Information and the
 * demo service b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d00). */
#ifndef BH_TOOLS_DEMO_DB_H
#define BH_TOOLS_DEMO_DB_H

#include <blehost/gatt.h>
#include "gatt_db_json.h"

/* Demo service and characteristic UUIDs, little-endian: ...0d00 is the
 * service, ...0d01 to ...0d05 its characteristics. */
#define DEMO_UUID(last) BH_UUID128_INIT(last, 0x0d, 0x0c, 0x0a, 0x5b, 0x1e, 0x8e, 0x9a, \
					 0x2b, 0x4c, 0x2d, 0x7a, 0x00, 0x00, 0xe4, 0xb1)
#define DEMO_SERVICE_UUID_STR "b1e40000-7a2d-4c2b-9a8e-1e5b0a0c0d00"

/* Value handles of what the demo database holds. */
struct demo_handles {
	uint16_t heart_rate;      /* 2A37 notify */
	uint16_t sensor_location; /* 2A38 read */
	uint16_t battery;         /* 2A19 read, notify */
	uint16_t manufacturer;    /* 2A29 read */
	uint16_t long_value;      /* demo 01: 300 bytes read/write (long) */
	uint16_t write_cmd;       /* demo 02: write without response, read */
	uint16_t indicate;        /* demo 03: indicate, read */
	uint16_t encrypted;       /* demo 04: read needs encryption */
	uint16_t authenticated;   /* demo 05: read needs MITM authentication */
	uint16_t signed_write;    /* demo 06: written by an Authenticated Signed Write
				     (or a write on an encrypted link), read open */
};

/* The demo database's definitions (parsed once from the embedded
 * tools/demo_db.json), or NULL if that does not parse (a build bug). */
const struct gatt_db *demo_db(void);
/* The demo characteristics' value handles in a server holding db's
 * services (0 for any db lacks). */
void demo_db_handles(struct bh_gatts *gs, const struct gatt_db *db, struct demo_handles *out);
/* Adds the demo services to a server. */
bh_status demo_db_add(struct bh_gatts *gs, struct demo_handles *out);
/* The same services declared in C (tools/demo_db_c.c, which a program
 * links instead of demo_db.c and the JSON loader: it has no demo_db()). */
const struct bh_gatt_svc_def *demo_db_c_services(size_t *n);
/* The initial 300-byte value of demo 01: bytes 0, 1, ..., 255, 0, ... */
void demo_long_value(uint8_t out[300]);

#endif
