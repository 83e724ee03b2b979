/* blehost bonds list | clear [ADDR]: the bond store, no controller needed. */
#include "cli.h"

#include <blehost/bond_store.h>

#include <string.h>

/* Damaged entries are reported, with the status name a script can match. */
static void on_notice(void *ctx, const struct bh_store_notice *n)
{
	struct cli *c = ctx;
	char msg[512];
	bh_store_notice_str(n, msg, sizeof(msg));
	if (n->status == BH_OK)
		fprintf(stderr, "%s: warning: %s\n", c->prog, msg);
	else
		fprintf(stderr, "%s: skipped: %s [%s]\n", c->prog, msg, bh_err_name(n->status));
}

static void print_aside(void *ctx, const char *name)
{
	struct cli *c = ctx;
	fprintf(stderr, "%s: kept aside, not used: %s\n", c->prog, name);
}

struct list_ctx {
	struct cli *c;
	unsigned n;
};

static int print_bond(void *ctx, const struct bh_bond *b)
{
	struct list_ctx *lc = ctx;
	char a[BH_ADDR_STRLEN];
	bh_addr_str(&b->identity, a);
	lc->n++;
	const struct bh_bond_ltk *ltk = b->central_ltk.valid ? &b->central_ltk : &b->peripheral_ltk;
	if (lc->c->json) {
		struct json j;
		json_begin(&j, stdout);
		json_str(&j, "identity", a);
		json_bool(&j, "irk", b->has_irk);
		json_bool(&j, "ltk", ltk->valid);
		json_int(&j, "key_size", ltk->valid ? ltk->key_size : 0);
		json_bool(&j, "authenticated", b->authenticated);
		json_bool(&j, "secure_connections", b->secure_connections);
		json_bool(&j, "csrk", b->peer_csrk.valid || b->local_csrk.valid);
		json_int(&j, "cccd_bytes", (long long)b->cccd_len);
		json_int(&j, "gatt_cache_bytes", (long long)b->gatt_cache_len);
		json_end(&j);
	} else {
		printf("%-26s %s%s%s%s key size %u\n", a,
		       b->secure_connections ? "LE Secure Connections" : "legacy",
		       b->authenticated ? ", authenticated" : ", unauthenticated",
		       b->has_irk ? ", IRK" : "", b->peer_csrk.valid ? ", CSRK" : "",
		       ltk->valid ? ltk->key_size : 0);
	}
	return 0;
}

int cmd_bonds(struct cli *c, int argc, char **argv)
{
	if (argc < 2 || (strcmp(argv[1], "list") && strcmp(argv[1], "clear")))
		return cli_fail(c, "usage: bonds list | bonds clear [ADDR]");
	struct bh_bond_store *st;
	/* Listing only looks: damaged files stay where they are. Removing
	 * moves them aside (kept) rather than deleting what it cannot read. */
	struct bh_bond_store_opts o = { .notice = on_notice, .notice_ctx = c };
	bh_status rc = bh_bond_store_open_opts(c->cfg.store_dir, &o, &st);
	if (rc)
		return cli_fail(c, "cannot open the bond store: %s [%s]", bh_strerror(rc),
				bh_err_name(rc));
	int ret = 0;
	if (!strcmp(argv[1], "list")) {
		struct list_ctx lc = { c, 0 };
		rc = bh_bond_store_load_all(st, print_bond, &lc);
		if (rc)
			ret = cli_fail(c, "cannot read %s: %s", bh_bond_store_dir(st), bh_strerror(rc));
		else if (!c->json)
			fprintf(stderr, "%u bond%s in %s\n", lc.n, lc.n == 1 ? "" : "s",
				bh_bond_store_dir(st));
		/* where damaged files went, so a person can restore or remove them */
		bh_bond_store_list_aside(st, print_aside, c);
	} else if (argc == 3) {
		bh_addr a;
		if (bh_addr_parse(argv[2], &a)) {
			ret = cli_fail(c, "bad address '%s'", argv[2]);
		} else if ((rc = bh_bond_store_delete(st, &a))) {
			ret = cli_fail(c, "cannot remove the bond of %s: %s", argv[2], bh_strerror(rc));
		} else {
			printf("removed the bond of %s\n", argv[2]);
		}
	} else {
		rc = bh_bond_store_clear(st);
		if (rc)
			ret = cli_fail(c, "cannot clear the bonds: %s", bh_strerror(rc));
		else
			printf("all bonds removed from %s\n", bh_bond_store_dir(st));
	}
	bh_bond_store_close(st);
	return ret;
}
