/* ATT data signing in a build with -Dsigned_write=false, in place of
 * smp_sign.c. Pairing never asks for nor distributes a CSRK here
 * (SMP_DIST_BUILT), so no bond made by this build holds one; a bond file
 * written by a full build keeps its CSRKs and counters untouched, unused.
 * The GATT layers refuse signed writes before they reach these. */
#include "smp_internal.h"

int bh_smp_sign(struct bh_smp *smp, uint16_t handle, const uint8_t *msg, size_t len,
		uint8_t sig[12])
{
	(void)smp;
	(void)handle;
	(void)msg;
	(void)len;
	(void)sig;
	return BH_ENOTSUP;
}

int bh_smp_verify(struct bh_smp *smp, uint16_t handle, const uint8_t *msg, size_t len,
		  const uint8_t sig[12])
{
	(void)smp;
	(void)handle;
	(void)msg;
	(void)len;
	(void)sig;
	return BH_ENOTSUP;
}

int bh_smp_sign_raw(const uint8_t csrk[16], uint32_t counter, const uint8_t *msg, size_t len,
		    uint8_t sig[12])
{
	(void)csrk;
	(void)counter;
	(void)msg;
	(void)len;
	(void)sig;
	return BH_ENOTSUP;
}
