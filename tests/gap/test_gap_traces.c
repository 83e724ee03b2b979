/* Advertising reports from real traces, parsed by GAP's scanner, against
 * what tshark decoded from the same frames (trace_adv_expected.tsv,
 * generated once with tshark 4.0: device_name, uuid_16, company_id and
 * manufacturer data per frame).
 *
 * argv[1]: the expected-values file; argv[2]: the traces folder. A minimal
 * btsnoop / pcapng reader lives here, for the test only: the real trace
 * reader belongs to transports/.
 */
#include "fake_hci.h"

#include <stdio.h>
#include <stdlib.h>

static const char *g_expected, *g_dir;

/* ---- minimal trace readers: call fn for every HCI event packet ---- */

typedef void (*pkt_fn)(void *ctx, unsigned frame, const uint8_t *evt, size_t len);

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	uint8_t *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static void read_btsnoop(const uint8_t *b, size_t len, pkt_fn fn, void *ctx)
{
	assert_true(len >= 16 && memcmp(b, "btsnoop\0", 8) == 0);
	uint32_t link = be32(b + 12);
	assert_true(link == 1002 || link == 1001);
	size_t off = 16;
	unsigned frame = 0;
	while (len - off >= 24) {
		uint32_t incl = be32(b + off + 4), flags = be32(b + off + 8);
		off += 24;
		if (incl > len - off)
			break;
		const uint8_t *p = b + off;
		off += incl;
		frame++;
		if (link == 1002 && incl > 1 && p[0] == BH_H4_EVT)
			fn(ctx, frame, p + 1, incl - 1);
		else if (link == 1001 && (flags & 3) == 3)
			fn(ctx, frame, p, incl);
	}
}

static void read_pcapng(const uint8_t *b, size_t len, pkt_fn fn, void *ctx)
{
	size_t off = 0;
	unsigned frame = 0;
	uint16_t link = 0;
	while (len - off >= 12) {
		uint32_t type, blen;
		memcpy(&type, b + off, 4); /* little-endian sections only */
		memcpy(&blen, b + off + 4, 4);
		if (blen < 12 || blen > len - off)
			break;
		const uint8_t *body = b + off + 8;
		if (type == 0x0a0d0d0a) {
			uint32_t magic;
			memcpy(&magic, body, 4);
			assert_int_equal(magic, 0x1a2b3c4d);
		} else if (type == 1) {
			memcpy(&link, body, 2);
		} else if (type == 6) {
			uint32_t cap;
			memcpy(&cap, body + 12, 4);
			frame++;
			const uint8_t *p = body + 20;
			/* LINKTYPE_BLUETOOTH_HCI_H4_WITH_PHDR: 4-byte direction, H4 type. */
			if (link == 201 && cap > 5 && p[4] == BH_H4_EVT)
				fn(ctx, frame, p + 5, cap - 5);
		} else if (type == 2 || type == 3) {
			frame++;
		}
		off += blen;
	}
}

/* ---- what GAP reported, per frame ---- */

struct got {
	unsigned frame;
	char addr[256], name[256], uuid[256], company[256], data[2048];
	unsigned reports;
};

struct run {
	struct fake *f;
	struct got *g;
	size_t n, cap;
	unsigned frame;
};

static void add_item(char *dst, size_t cap, const char *item, bool unique)
{
	if (unique) {
		/* set semantics: skip if present */
		size_t il = strlen(item);
		for (const char *p = dst; *p;) {
			const char *e = strchr(p, ',');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			if (l == il && memcmp(p, item, l) == 0)
				return;
			p += l + (e ? 1 : 0);
		}
	}
	size_t l = strlen(dst);
	snprintf(dst + l, cap - l, "%s%s", l ? "," : "", item);
}

static struct got *cur(struct run *r)
{
	if (r->n && r->g[r->n - 1].frame == r->frame)
		return &r->g[r->n - 1];
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->g = realloc(r->g, r->cap * sizeof(*r->g));
		assert_non_null(r->g);
	}
	struct got *g = &r->g[r->n++];
	memset(g, 0, sizeof(*g));
	g->frame = r->frame;
	return g;
}

static void on_dev(void *ctx, const struct bh_gap_device *d)
{
	struct run *r = ctx;
	struct got *g = cur(r);
	g->reports++;
	char a[BH_ADDR_STRLEN];
	bh_addr_str_bare(&d->addr, a);
	for (char *p = a; *p; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	add_item(g->addr, sizeof(g->addr), a, false);
	/* Only this PDU's own data: tshark decodes one frame at a time. */
	struct bh_ad ad;
	if (d->last_was_scan_rsp)
		bh_ad_parse(&ad, d->rsp_data, d->rsp_len);
	else
		bh_ad_parse(&ad, d->adv_data, d->adv_len);
	if (ad.name_len) {
		char nm[256];
		memcpy(nm, ad.name, ad.name_len);
		nm[ad.name_len] = 0;
		add_item(g->name, sizeof(g->name), nm, false);
	}
	char tmp[16];
	for (unsigned i = 0; i < ad.n_uuids; i++)
		if (ad.uuids[i].uuid.len == 2) {
			snprintf(tmp, sizeof(tmp), "0x%04x", bh_get16(ad.uuids[i].uuid.val));
			add_item(g->uuid, sizeof(g->uuid), tmp, true);
		}
	for (unsigned i = 0; i < ad.n_svc_data; i++)
		if (ad.svc_data[i].uuid.len == 2) {
			snprintf(tmp, sizeof(tmp), "0x%04x", bh_get16(ad.svc_data[i].uuid.val));
			add_item(g->uuid, sizeof(g->uuid), tmp, true);
		}
	for (unsigned i = 0; i < ad.n_solicit; i++)
		if (ad.solicit[i].uuid.len == 2) {
			snprintf(tmp, sizeof(tmp), "0x%04x", bh_get16(ad.solicit[i].uuid.val));
			add_item(g->uuid, sizeof(g->uuid), tmp, true);
		}
	for (unsigned i = 0; i < ad.n_mfr; i++) {
		snprintf(tmp, sizeof(tmp), "0x%04x", ad.mfr[i].company);
		add_item(g->company, sizeof(g->company), tmp, true);
		char hex[600] = "";
		for (unsigned k = 0; k < ad.mfr[i].len && k < 290; k++)
			snprintf(hex + 2 * k, 3, "%02x", ad.mfr[i].data[k]);
		add_item(g->data, sizeof(g->data), hex, false);
	}
}

static void feed(void *ctx, unsigned frame, const uint8_t *evt, size_t len)
{
	struct run *r = ctx;
	if (len < 3 || evt[0] != BH_HCI_EVT_LE_META || evt[1] + 2u != len)
		return;
	r->frame = frame;
	bh_gap_on_le_meta(r->f->gap, evt[2], evt + 3, len - 3);
}

static void uniq(char *s)
{
	/* Rewrites a comma list as a set, in first-seen order. */
	char out[2048] = "";
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		add_item(out, sizeof(out), t, true);
	strcpy(s, out);
}

static bool set_eq(const char *a, const char *b)
{
	/* Same members, any order (both already unique). */
	size_t na = 0, nb = 0;
	for (const char *p = a; *p; p++)
		na += *p == ',';
	for (const char *p = b; *p; p++)
		nb += *p == ',';
	if ((*a == 0) != (*b == 0) || na != nb)
		return false;
	char tmp[2048];
	snprintf(tmp, sizeof(tmp), "%s", a);
	char *save = NULL;
	for (char *t = strtok_r(tmp, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		char probe[2048];
		snprintf(probe, sizeof(probe), ",%s,", b);
		char needle[64];
		snprintf(needle, sizeof(needle), ",%s,", t);
		if (!strstr(probe, needle))
			return false;
	}
	return true;
}

static struct run *run_file(const char *file)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", g_dir, file);
	size_t len;
	uint8_t *b = slurp(path, &len);
	if (!b)
		return NULL;
	static struct fake f;
	fake_init(&f, false);
	fake_gap(&f, NULL);
	struct run *r = calloc(1, sizeof(*r));
	r->f = &f;
	struct bh_gap_scan_params p = { .active = true, .all_reports = true,
					.on_device = on_dev, .ctx = r };
	assert_int_equal(bh_gap_scan_start(f.gap, &p), BH_OK);
	fake_pump(&f);
	if (len >= 8 && memcmp(b, "btsnoop", 7) == 0)
		read_btsnoop(b, len, feed, r);
	else
		read_pcapng(b, len, feed, r);
	free(b);
	bh_gap_free(f.gap);
	return r;
}

static void test_traces_match_tshark(void **state)
{
	(void)state;
	FILE *fp = fopen(g_expected, "r");
	if (!fp || !g_dir) {
		if (fp)
			fclose(fp);
		skip();
	}
	char line[4096], file[256] = "";
	struct run *r = NULL;
	unsigned lines = 0, names = 0, uuids = 0, companies = 0, datas = 0;
	unsigned files = 0;
	while (fgets(line, sizeof(line), fp)) {
		if (line[0] == '#')
			continue;
		line[strcspn(line, "\n")] = 0;
		char *col[7] = { 0 };
		char *p = line;
		for (int i = 0; i < 7; i++) {
			col[i] = p;
			char *t = p ? strchr(p, '\t') : NULL;
			if (t)
				*t = 0;
			p = t ? t + 1 : NULL;
		}
		assert_non_null(col[6]);
		if (strcmp(col[0], file) != 0) {
			if (r) {
				free(r->g);
				free(r);
			}
			size_t flen = strlen(col[0]);
			if (flen >= sizeof(file))
				fail_msg("trace file name too long: %s", col[0]);
			memcpy(file, col[0], flen + 1);
			r = run_file(file);
			if (!r) {
				/* The traces live outside the repository: skip without them. */
				fclose(fp);
				skip();
			}
			files++;
		}
		unsigned frame = (unsigned)atoi(col[1]);
		struct got *g = NULL;
		for (size_t i = 0; i < r->n && !g; i++)
			if (r->g[i].frame == frame)
				g = &r->g[i];
		if (!g) {
			fail_msg("%s frame %u: no report from GAP", file, frame);
		}
		lines++;
		if (strcmp(g->addr, col[2]) != 0)
			fail_msg("%s frame %u: addr %s vs %s", file, frame, g->addr, col[2]);
		if (strcmp(g->name, col[3]) != 0)
			fail_msg("%s frame %u: name '%s' vs '%s'", file, frame, g->name, col[3]);
		names += *col[3] != 0;
		uniq(col[4]);
		if (!set_eq(g->uuid, col[4]))
			fail_msg("%s frame %u: uuid16 %s vs %s", file, frame, g->uuid, col[4]);
		uuids += *col[4] != 0;
		uniq(col[5]);
		if (!set_eq(g->company, col[5]))
			fail_msg("%s frame %u: company %s vs %s", file, frame, g->company, col[5]);
		companies += *col[5] != 0;
		/* tshark shows raw manufacturer bytes only where no company-specific
		 * dissector decoded them: each one it shows must be ours. */
		char *save = NULL;
		for (char *t = strtok_r(col[6], ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			char probe[4096];
			snprintf(probe, sizeof(probe), ",%s,", g->data);
			char needle[700];
			snprintf(needle, sizeof(needle), ",%s,", t);
			if (!strstr(probe, needle))
				fail_msg("%s frame %u: mfr data %s not in %s", file, frame, t, g->data);
			datas++;
		}
	}
	fclose(fp);
	if (r) {
		free(r->g);
		free(r);
	}
	print_message("traces: %u files, %u frames, %u names, %u uuid lists, %u company lists, "
		      "%u manufacturer payloads matched\n",
		      files, lines, names, uuids, companies, datas);
	assert_int_equal(files, 4);
	assert_true(lines > 500);
	assert_true(names > 20 && uuids > 20 && companies > 100 && datas > 50);
}

int main(int argc, char **argv)
{
	g_expected = argc > 1 ? argv[1] : "trace_adv_expected.tsv";
	g_dir = argc > 2 ? argv[2] : NULL;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_traces_match_tshark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
