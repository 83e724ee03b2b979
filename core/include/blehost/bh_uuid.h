/* Bluetooth UUIDs: 16, 32 and 128 bit, compared in their 128-bit form. */
#ifndef BH_UUID_H
#define BH_UUID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bh_uuid {
	uint8_t len;     /* 2, 4 or 16 */
	uint8_t val[16]; /* little-endian as on the wire; only len bytes used */
} bh_uuid;

#define BH_UUID_STRLEN 37

static inline bh_uuid bh_uuid16(uint16_t v)
{
	bh_uuid u = { 2, { (uint8_t)v, (uint8_t)(v >> 8) } };
	return u;
}

/* From wire bytes (len 2, 4 or 16). Returns 0 or BH_EINVAL. */
int bh_uuid_from_le(bh_uuid *out, const uint8_t *p, size_t len);
/* Parses "180D", "0x180d", "0000180d", or "12345678-1234-5678-1234-567812345678". */
int bh_uuid_parse(const char *s, bh_uuid *out);
/* "180D" style for 16/32-bit (uppercase hex), canonical lowercase for 128. */
char *bh_uuid_str(const bh_uuid *u, char buf[BH_UUID_STRLEN]);
/* Expands to 128 bits with the Bluetooth Base UUID. */
void bh_uuid_to128(const bh_uuid *u, uint8_t out[16]);
/* Shortest form: a 128-bit UUID on the Base UUID becomes 16 or 32 bit. */
bh_uuid bh_uuid_shorten(const bh_uuid *u);
bool bh_uuid_eq(const bh_uuid *a, const bh_uuid *b);
/* The 16-bit value if the UUID is on the Base UUID and fits, else -1. */
int32_t bh_uuid_as16(const bh_uuid *u);
/* The SIG-assigned name ("Heart Rate", "Client Characteristic Configuration"),
 * or NULL if it has none we know. */
const char *bh_uuid_name(const bh_uuid *u);

#endif
