/* blehost decode FILE [--json]: every packet of a trace, decoded (see
 * decode/decode.h). Needs no controller. Exit status: 0 when the whole
 * file was read, 1 when it could not be opened or is corrupt part-way (the
 * packets before the damage are still printed), 2 for usage errors. */
#include "cli.h"
#include "decode/decode.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cmd_decode(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	bool json = c->json;
	int o;
	while ((o = getopt_long(argc, argv, "j", opts, NULL)) != -1) {
		if (o != 'j') {
			fprintf(stderr, "usage: %s decode FILE [--json]\n", c->prog);
			return 2;
		}
		json = true;
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "usage: %s decode FILE [--json]\n", c->prog);
		return 2;
	}
	const char *path = argv[optind];
	struct bh_trace_reader *r;
	char err[256];
	if (bh_trace_open_read(path, &r, err, sizeof(err)) != BH_OK) {
		fprintf(stderr, "%s: %s\n", c->prog, err);
		return 1;
	}
	struct dec *d = malloc(sizeof(*d));
	if (!d) {
		bh_trace_close_read(r);
		fprintf(stderr, "%s: out of memory\n", c->prog);
		return 1;
	}
	dec_init(d, stdout, json);
	struct bh_trace_rec rec;
	int rc;
	while ((rc = bh_trace_next(r, &rec)) == 1)
		dec_record(d, &rec);
	char msg[512];
	enum bh_trace_problem p = bh_trace_verdict(r, msg, sizeof(msg));
	int status = 0;
	if (rc < 0) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, path, bh_trace_error(r));
		status = 1;
	} else if (p != BH_TRACE_P_NONE) {
		fprintf(stderr, "%s: %s: %s\n", c->prog, path, msg);
		status = 1;
	} else if (msg[0]) {
		fprintf(stderr, "%s: %s: note: %s\n", c->prog, path, msg);
	}
	fflush(stdout);
	if (ferror(stdout))
		status = 1;
	dec_free(d);
	free(d);
	bh_trace_close_read(r);
	return status;
}
