/* The socket transports of a build with -Dsockets=false: unix:, tcp: and
 * hciN are still recognised, so the user is told why they cannot be
 * opened. */
#include "transport_internal.h"

int bh_transport_open_unix(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "unix:%s: socket transports are not in this build (-Dsockets=false)",
				 arg);
}

int bh_transport_open_tcp(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "tcp:%s: socket transports are not in this build (-Dsockets=false)",
				 arg);
}

int bh_transport_open_userchan(const char *spec, struct bh_transport **out, char *err,
			       size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "%s: the HCI user channel is not in this build (-Dsockets=false)",
				 spec);
}
