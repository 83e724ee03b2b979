/* LE privacy helpers: private and static random addresses (Core Vol 6,
 * Part B, 1.3.2) and RPA resolution with IRKs (Vol 3, Part H, 2.4.2.1 / 2.2.2).
 *
 * Addresses are bh_addr (wire order, val[5] holds the two type bits); IRKs
 * are 16 octets in wire order, as the Identity Information PDU carries them.
 * Random bytes come from the injected bh_env only. Buffers passed in are
 * copied before the call returns.
 */
#ifndef BH_PRIVACY_H
#define BH_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <blehost/bh_addr.h>
#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

/* RPA from an IRK and 3 random octets (wire order): prand = rnd with its
 * top two bits forced to 0b01; address = hash (val[0..2]) || prand (val[3..5]).
 * out->type = BH_ADDR_RANDOM. BH_EINVAL if the random part of prand would be
 * all zeros or all ones (the spec forbids both): draw again. */
bh_status bh_rpa_make(const uint8_t irk[16], const uint8_t rnd[3], bh_addr *out);
/* Same, drawing prand from env until it is acceptable. */
bh_status bh_rpa_generate(const struct bh_env *env, const uint8_t irk[16], bh_addr *out);

/* True if a is a random address of the RPA kind whose hash matches irk.
 * An all-zero IRK never resolves (a peer sends one when it has no IRK). */
bool bh_rpa_resolve(const uint8_t irk[16], const bh_addr *a);

/* Random static address: top bits 0b11, the other 46 bits neither all zeros
 * nor all ones. type = BH_ADDR_RANDOM. */
bh_status bh_static_addr_generate(const struct bh_env *env, bh_addr *out);
/* True if a is a well-formed static random address. */
bool bh_static_addr_valid(const bh_addr *a);

/* Non-resolvable private address: top bits 0b00, the other bits neither all
 * zeros nor all ones, and not equal to `public_addr` (may be NULL). */
bh_status bh_nrpa_generate(const struct bh_env *env, const bh_addr *public_addr, bh_addr *out);

/* ---- Resolver table: identities with their IRKs ---- */

struct bh_resolver;

/* Table of at most cap entries (1..4096), its memory growing as entries
 * are added. NULL on ENOMEM or a cap out of range. */
struct bh_resolver *bh_resolver_new(size_t cap);
void bh_resolver_free(struct bh_resolver *r);

/* Adds identity -> irk; if identity is already there its IRK is replaced.
 * BH_ENOSPACE if full, BH_ENOMEM if the table cannot grow, BH_EINVAL for an all-zero IRK or an identity that is
 * not public/static (a resolvable identity must be public or static random). */
bh_status bh_resolver_add(struct bh_resolver *r, const bh_addr *identity, const uint8_t irk[16]);
/* BH_ENOTFOUND if absent. */
bh_status bh_resolver_remove(struct bh_resolver *r, const bh_addr *identity);
void bh_resolver_clear(struct bh_resolver *r);
size_t bh_resolver_count(const struct bh_resolver *r);

/* Finds the identity whose IRK resolves rpa. identity_out and irk_out may be
 * NULL. BH_ENOTFOUND if none does (or rpa is not an RPA). Linear in the
 * table size: one AES per entry. */
bh_status bh_resolver_find(const struct bh_resolver *r, const bh_addr *rpa, bh_addr *identity_out,
			   uint8_t irk_out[16]);

#endif
