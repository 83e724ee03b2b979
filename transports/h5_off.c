/* The h5: transport of a build with -Dh5=false: the spec is still
 * recognised, so the user is told why it cannot be opened. */
#include "transport_internal.h"

int bh_transport_open_h5(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "h5:%s: the H5 transport is not in this build (-Dh5=false)", arg);
}
