/* LE legacy pairing phase 2 in a build with -Dsmp_legacy=false. The
 * pairing feature exchange already refuses a pairing without LE Secure
 * Connections as Secure Connections Only mode does (smp_agree:
 * Pairing Failed, Authentication Requirements, Vol 3, Part H, 2.3.5.1 and
 * 3.5.5), so these are reached only by a peer's stray Pairing Confirm or
 * Random, which gets the answer any out-of-place PDU gets. */
#include "smp_internal.h"

void smp_legacy_start(struct bh_smp *smp, struct smp_conn *c)
{
	smp_fail(smp, c, BH_SMP_ERR_AUTH_REQUIREMENTS);
}

void smp_legacy_on_confirm(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	(void)v;
	smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
}

void smp_legacy_on_random(struct bh_smp *smp, struct smp_conn *c, const uint8_t v[16])
{
	(void)v;
	smp_fail(smp, c, BH_SMP_ERR_UNSPECIFIED);
}
