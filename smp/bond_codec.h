/* Text form of the bond store's files: "key=hex" lines after a version
 * line, closed by "checksum=<SHA-256 of every preceding byte>". Pure
 * functions on buffers (no I/O), shared by bond_store.c. Not installed. */
#ifndef BH_BOND_CODEC_H
#define BH_BOND_CODEC_H

#include <blehost/bond_store.h>

/* Largest file we write or accept: both blobs hex-encoded plus the fixed
 * fields. A bigger file was not written by us. */
#define BH_BOND_FILE_MAX (2 * (BH_BOND_CCCD_MAX + BH_BOND_GATT_CACHE_MAX) + 4096)

/* Encode into out (cap octets); *len gets the length. false if it does not
 * fit or hashing failed. */
bool bh_bond_encode(const struct bh_bond *b, char *out, size_t cap, size_t *len);
bool bh_local_identity_encode(const struct bh_local_identity *id, char *out, size_t cap,
			      size_t *len);
/* BH_OK, BH_ECORRUPT for anything we would not have written (bad checksum,
 * version, syntax, a missing, extra or malformed field), BH_ENOMEM, BH_EIO. */
bh_status bh_bond_decode(const uint8_t *data, size_t len, struct bh_bond *b);
bh_status bh_local_identity_decode(const uint8_t *data, size_t len, struct bh_local_identity *id);

#endif
