/* Shared state of the blehost command-line program. Each command lives in
 * its own cmd_*.c file and gets the parsed global options. */
#ifndef BH_TOOLS_CLI_H
#define BH_TOOLS_CLI_H

#include <blehost/host.h>
#include "json.h"

#include <stdbool.h>
#include <stdio.h>

/* --interval/--latency/--supervision-timeout/--phy (cli_link.c). */
#include <blehost/host_link.h>
struct cli_link {
	bool params;                   /* some connection parameter was given */
	struct bh_host_conn_params p;
	uint8_t phys, coded;           /* BH_HOST_PHY_* set, 0 = not given */
};
enum { CLI_OPT_INTERVAL = 0x100, CLI_OPT_LATENCY, CLI_OPT_TIMEOUT, CLI_OPT_PHY };

struct cli {
	struct bh_host_config cfg;
	struct cli_link link;
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
/* Hex string (spaces, ':' and '-' allowed, optional 0x) to bytes; returns
 * the length, CLI_HEX_BAD (not pairs of hex digits) or CLI_HEX_TOO_LONG
 * (well formed, but more than cap bytes). */
#define CLI_HEX_BAD (-1)
#define CLI_HEX_TOO_LONG (-2)
int cli_parse_hex(const char *s, uint8_t *out, size_t cap);
/* How many bytes a well-formed hex string holds. */
size_t cli_hex_len(const char *s);
/* The error line for a cli_parse_hex failure rc on s: what the value is
 * ("the value", "manufacturer data"), cap and the limit's name. Returns 1. */
int cli_hex_fail(struct cli *c, const char *what, const char *s, int rc, size_t cap,
		 const char *limit);
/* Prints bytes as hex and, when printable, as a quoted string. */
void cli_print_value(FILE *f, const uint8_t *v, size_t n);

/* Connectable legacy advertising for a server (coc listen, peripheral):
 * flags, uuid (may be NULL) and the name, which goes in the scan response
 * when it does not fit. ap's kind and data are set here, its other fields
 * (restart_on_disconnect, on_stopped) are the caller's. *buf must live
 * while advertising runs: GAP keeps the pointers for restarts. 0, or 1
 * after printing why (name too long, refused by GAP). */
struct cli_server_ad {
	uint8_t adv[31], rsp[31]; /* BH_AD_LEGACY_MAX */
};
int cli_server_advertise(struct cli *c, struct bh_host *h, struct cli_server_ad *buf,
			 const bh_uuid *uuid, const char *name, struct bh_gap_adv_params *ap);

/* Number arguments (cli_args.c), each checked whole: no blanks, no sign
 * where none is wanted, nothing after the number. 0, or -1 and *out
 * untouched. Seconds: decimal, 0 to max. Unsigned: decimal or 0x hex, min
 * to max. Signed: decimal. Passkey: 1 to 6 decimal digits (0 to 999999),
 * blanks around them and a line end allowed, as typed at a prompt. */
#define CLI_SECONDS_MAX 4294967.0 /* what fits in an unsigned count of ms */
int cli_parse_seconds(const char *s, double max, double *out);
int cli_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
int cli_parse_long(const char *s, long min, long max, long *out);
int cli_parse_passkey(const char *s, uint32_t *out);
/* The same for an option's value, printing "bad OPT 'ARG' (what it takes)"
 * on failure: 0 or 1. */
int cli_opt_seconds(struct cli *c, const char *opt, const char *arg, double *out);
int cli_opt_ulong(struct cli *c, const char *opt, const char *arg, unsigned long min,
		  unsigned long max, unsigned long *out);

/* "NoInputNoOutput", "DisplayOnly", "DisplayYesNo", "KeyboardOnly",
 * "KeyboardDisplay" (any case) to an IO capability. 0 or -1. */
int cli_parse_io(const char *s, uint8_t *out);

/* cli_link.c: parses one CLI_OPT_* (0, or 1 after printing an error);
 * checks the whole set (0 or 1); applies it to a new link, waiting
 * (central) or not (peripheral). */
int cli_link_option(struct cli *c, int opt, const char *arg);
/* The one --phy parser (global, advertise, scan): arg must be one of
 * `words` (NULL-ended; bh_host_phy_parse's words, and "both" for 1m and
 * coded); else an error naming them, for `what` ("the connection",
 * "advertising", ...). *phys: BH_HOST_PHY_* bits (= BH_GAP_PHY_MASK_*). */
int cli_phy_option(struct cli *c, const char *what, const char *const *words, const char *arg,
		   uint8_t *phys, uint8_t *coded);
int cli_link_check(struct cli *c);
int cli_link_apply_sync(struct cli *c, struct bh_host *h, uint16_t conn);
void cli_link_apply_async(struct cli *c, struct bh_host *h, uint16_t conn);

int cmd_info(struct cli *c, int argc, char **argv);
int cmd_usb(struct cli *c, int argc, char **argv);
int cmd_scan(struct cli *c, int argc, char **argv);
int cmd_advertise(struct cli *c, int argc, char **argv);
/* advertise --set SPEC...: several advertising sets (cmd_advertise_sets.c). */
int cli_advertise_sets(struct cli *c, char **specs, int n, uint8_t phy, double timeout);
int cmd_gatt(struct cli *c, int argc, char **argv);
int cmd_read(struct cli *c, int argc, char **argv);
int cmd_write(struct cli *c, int argc, char **argv);
int cmd_notify(struct cli *c, int argc, char **argv);
int cmd_peripheral(struct cli *c, int argc, char **argv);
int cmd_pair(struct cli *c, int argc, char **argv);
int cmd_bonds(struct cli *c, int argc, char **argv);
int cmd_coc(struct cli *c, int argc, char **argv);
int cmd_decode(struct cli *c, int argc, char **argv);

#endif
