/* The connect-exchange-discover preamble shared by gatt, read, write,
 * notify and pair, and the printing of GATT trees and values. */
#ifndef BH_TOOLS_GATT_SESSION_H
#define BH_TOOLS_GATT_SESSION_H

#include "cli.h"

struct gatt_session {
	struct cli *c;
	struct bh_host *h;
	uint16_t conn;
	uint16_t mtu;
	bool connected;
};

/* Parses ADDR, opens the host, connects (--connect-timeout), exchanges the
 * MTU and, when discover is true, discovers everything. Prints errors.
 * Returns 0 or 1. */
int gatt_session_open(struct gatt_session *s, struct cli *c, const char *addr_str,
		      double connect_timeout, bool discover, const struct bh_host_events *ev);
/* Disconnects and closes the host (see cli_finish). Returns rc, or 1 if
 * only the replay check failed. */
int gatt_session_close(struct gatt_session *s, int rc);
/* Resolves "HANDLE" or a characteristic UUID to a value handle (needs the
 * tree). Returns 0 or prints an error and returns 1. */
int gatt_session_attr(struct gatt_session *s, const char *spec, uint16_t *handle);

#endif
