/* An application as a user writes it: only <blehost/blehost.h>, built
 * against an installed copy with pkg-config (tests/install/run.sh). It
 * touches several layers without a controller: errors, addresses, UUIDs,
 * the AD codec, the host's configuration and a convenience. */
#include <blehost/blehost.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	bh_addr a;
	bh_uuid u;
	if (bh_addr_parse("C0:FF:EE:00:00:01/random", &a) || bh_uuid_parse("180d", &u))
		return 1;
	uint8_t buf[BH_AD_LEGACY_MAX];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, buf, sizeof(buf));
	bh_ad_add_name(&b, "app", true);
	bh_ad_add_uuids(&b, &u, 1, true);
	struct bh_ad ad;
	if (bh_ad_parse(&ad, buf, b.len) || !bh_ad_has_uuid(&ad, &u) || ad.name_len != 3)
		return 1;
	struct bh_host_conn_params p = { .interval_min_ms = 15, .interval_max_ms = 30 };
	struct bh_gap_conn_params g;
	if (bh_host_conn_params_hci(&p, &g) || g.interval_min != 12)
		return 1;
	char s[BH_ADDR_STRLEN];
	printf("ok %s %s att_mtu=%u\n", bh_addr_str(&a, s), bh_strerror(BH_ETIMEDOUT),
	       cfg.att_mtu);
	return 0;
}
