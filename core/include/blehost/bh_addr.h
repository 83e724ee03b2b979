/* Bluetooth device addresses. */
#ifndef BH_ADDR_H
#define BH_ADDR_H

#include <stdbool.h>
#include <stdint.h>

/* Address types as HCI carries them (Own/Peer_Address_Type). */
enum bh_addr_type {
	BH_ADDR_PUBLIC = 0x00,
	BH_ADDR_RANDOM = 0x01,
	BH_ADDR_PUBLIC_ID = 0x02, /* resolved from an RPA, identity is public */
	BH_ADDR_RANDOM_ID = 0x03, /* resolved from an RPA, identity is static */
};

/* What kind of random address the two top bits say (Vol 6, Part B, 1.3.2). */
enum bh_random_kind {
	BH_RANDOM_NRPA = 0,     /* 0b00: non-resolvable private */
	BH_RANDOM_RPA = 1,      /* 0b01: resolvable private */
	BH_RANDOM_RESERVED = 2, /* 0b10 */
	BH_RANDOM_STATIC = 3,   /* 0b11: static */
};

typedef struct bh_addr {
	uint8_t type;   /* enum bh_addr_type */
	uint8_t val[6]; /* little-endian, as on the wire: val[5] is printed first */
} bh_addr;

#define BH_ADDR_STRLEN 26 /* "AA:BB:CC:DD:EE:FF/random" + NUL, with room */

/* Parses "AA:BB:CC:DD:EE:FF", optionally followed by "/public" or "/random"
 * (default public). Returns 0 or BH_EINVAL. */
int bh_addr_parse(const char *s, bh_addr *out);
/* "AA:BB:CC:DD:EE:FF/public" or ".../random"; returns buf. */
char *bh_addr_str(const bh_addr *a, char buf[BH_ADDR_STRLEN]);
/* Only the six octets, no type suffix. */
char *bh_addr_str_bare(const bh_addr *a, char buf[BH_ADDR_STRLEN]);

bool bh_addr_eq(const bh_addr *a, const bh_addr *b);
static inline bool bh_addr_is_random(const bh_addr *a) { return (a->type & 1) != 0; }
static inline enum bh_random_kind bh_addr_random_kind(const bh_addr *a)
{
	return (enum bh_random_kind)(a->val[5] >> 6);
}

#endif
