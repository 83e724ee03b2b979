/* The socket transports of a build with -Dsockets=false: unix:, tcp: and
 * hciN are still recognised, so the user is told why they cannot be
 * opened. */
#include "transport_internal.h"

static int sockets_off(const char *kind, const char *arg, struct bh_transport **out, char *err,
		       size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "%s%s: socket transports are not in this build (-Dsockets=false)",
				 kind, arg);
}

int bh_transport_open_unix(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	return sockets_off("unix:", arg, out, err, errlen);
}

int bh_transport_open_tcp(const char *arg, struct bh_transport **out, char *err, size_t errlen)
{
	return sockets_off("tcp:", arg, out, err, errlen);
}

int bh_transport_open_userchan(const char *spec, struct bh_transport **out, char *err,
			       size_t errlen)
{
	*out = NULL;
	return bh_transport_errf(BH_ENOTSUP, err, errlen,
				 "%s: the HCI user channel is not in this build (-Dsockets=false)",
				 spec);
}
