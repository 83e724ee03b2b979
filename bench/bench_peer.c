/* The notifying peer of the notification benchmarks (bench_peer.h). */
#include "bench_peer.h"

#include <blehost/bh_bytes.h>

#include <stdio.h>
#include <string.h>

void bench_host_config(struct bh_host_config *cfg, const char *hash_dir)
{
	bh_host_config_default(cfg);
	cfg->store_dir = "";
	cfg->db_hash_dir = hash_dir;
}

struct bh_host *bench_start_host(const struct bh_host_events *ev, const char *who,
				 const struct bh_host_config *cfg)
{
	struct bh_host_config def;
	if (!cfg) {
		bench_host_config(&def, NULL);
		cfg = &def;
	}
	char err[256];
	struct bh_host *h = bh_host_new(cfg, ev, err, sizeof(err));
	if (!h || bh_host_start_sync(h, 10000)) {
		fprintf(stderr, "%s: %s\n", who, h ? "bring-up failed" : err);
		if (h)
			bh_host_free(h);
		return NULL;
	}
	return h;
}

static void peer_send(struct bench_peer *p)
{
	if (p->in_send)
		return;
	p->in_send = true;
	while (p->subscribed && !p->gone && (!p->limit || p->sent < p->limit)) {
		bh_put32(p->value, (uint32_t)p->sent);
		int rc = bh_gatts_notify(bh_host_gatt_server(p->h), p->conn, p->dh.heart_rate,
					 p->value, p->len, NULL);
		if (rc == BH_EBUSY)
			break; /* events.can_send calls again */
		if (rc) {
			fprintf(stderr, "peer: notify: %s\n", bh_strerror(rc));
			p->gone = true;
			break;
		}
		p->sent++;
	}
	p->in_send = false;
}

static void peer_subscription(void *ctx, uint16_t conn, uint16_t vh, uint16_t value)
{
	struct bench_peer *p = ctx;
	if (vh != p->dh.heart_rate)
		return;
	p->conn = conn;
	p->subscribed = value & 1;
	peer_send(p);
}

static void peer_can_send(void *ctx, uint16_t conn)
{
	(void)conn;
	peer_send(ctx);
}

static void peer_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	struct bench_peer *p = ctx;
	(void)conn;
	(void)reason;
	/* A link that ends before the subscription is not the run's end. */
	if (p->subscribed || p->sent)
		p->gone = true;
	p->subscribed = false;
}

int bench_peer_start(struct bench_peer *p, const char *name, size_t len, uint64_t limit,
		     const struct bh_host_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->len = len;
	p->limit = limit;
	struct bh_host_events ev = { .ctx = p, .subscription = peer_subscription,
				     .can_send = peer_can_send, .disconnected = peer_disconnected };
	if (len < 4 || len > sizeof(p->value)) {
		fprintf(stderr, "peer: value length %zu not in 4..%zu\n", len, sizeof(p->value));
		return 1;
	}
	if (!(p->h = bench_start_host(&ev, "peer", cfg)))
		return 1;
	if (demo_db_add(bh_host_gatt_server(p->h), &p->dh)) {
		fprintf(stderr, "peer: cannot add the demo database\n");
		return 1;
	}
	uint8_t adv[31];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, adv, sizeof(adv));
	bh_ad_add_flags(&b, BH_AD_FLAG_LE_GENERAL | BH_AD_FLAG_NO_BREDR);
	bh_ad_add_name(&b, name, true);
	struct bh_gap_adv_params ap = { .kind = BH_GAP_ADV_CONN, .data = adv, .data_len = b.len };
	if (bh_gap_adv_start(bh_host_gap(p->h), &ap, NULL, NULL)) {
		fprintf(stderr, "peer: cannot advertise\n");
		return 1;
	}
	char a[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(p->h));
	printf("peer %s\n", bh_addr_str_bare(&own, a));
	fflush(stdout);
	return 0;
}
