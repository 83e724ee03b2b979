/* Shared state of the blehost command-line program. Each command lives in
 * its own cmd_*.c file and gets the parsed global options. */
#ifndef BH_TOOLS_CLI_H
#define BH_TOOLS_CLI_H

#include <blehost/host.h>
#include "json.h"

#include <stdbool.h>
#include <stdio.h>

struct cli {
	struct bh_host_config cfg;
	bool json;
	int verbose;
	const char *prog;
	struct bh_host *host;
	volatile int interrupted; /* set by SIGINT/SIGTERM */
};

/* Creates the host from cli->cfg and brings the controller up; prints an
 * actionable error and returns NULL on failure. */
struct bh_host *cli_open_host(struct cli *c, const struct bh_host_events *ev);
/* Frees the host. In a replay, first plays the rest of the trace and
 * returns 1 (after printing the report) if the stack did not send exactly
 * what was recorded; else 0. Commands whose callbacks point into their own
 * stack frame call it before returning. */
int cli_close_host(struct cli *c);
/* cli_close_host, then rc, or 1 if only the replay check failed. */
int cli_finish(struct cli *c, int rc);

/* Commands the controller never answered so far (HCI command timeouts).
 * A session that ends by its own timer compares it with the count at its
 * start: a controller that went silent meanwhile is an error, even when
 * the HCI recovery that followed kept the host up. */
unsigned cli_cmd_timeouts(struct cli *c);

/* Error line on stderr, prefixed with the program name. Returns 1. */
int cli_fail(struct cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses "HANDLE" (decimal or 0x hex) or a UUID into *attr_handle / *uuid.
 * Returns 0 for a handle, 1 for a UUID, -1 if neither. */
int cli_parse_attr(const char *s, uint16_t *attr_handle, bh_uuid *uuid);
/* Hex string (spaces and colons allowed) to bytes; returns length or -1. */
int cli_parse_hex(const char *s, uint8_t *out, size_t cap);
/* Prints bytes as hex and, when printable, as a quoted string. */
void cli_print_value(FILE *f, const uint8_t *v, size_t n);

/* "NoInputNoOutput", "DisplayOnly", "DisplayYesNo", "KeyboardOnly",
 * "KeyboardDisplay" (any case) to an IO capability. 0 or -1. */
int cli_parse_io(const char *s, uint8_t *out);

int cmd_info(struct cli *c, int argc, char **argv);
int cmd_scan(struct cli *c, int argc, char **argv);
int cmd_advertise(struct cli *c, int argc, char **argv);
int cmd_gatt(struct cli *c, int argc, char **argv);
int cmd_read(struct cli *c, int argc, char **argv);
int cmd_write(struct cli *c, int argc, char **argv);
int cmd_notify(struct cli *c, int argc, char **argv);
int cmd_peripheral(struct cli *c, int argc, char **argv);
int cmd_pair(struct cli *c, int argc, char **argv);
int cmd_bonds(struct cli *c, int argc, char **argv);
int cmd_decode(struct cli *c, int argc, char **argv);

#endif
