/* libFuzzer target: the AD parser, the AD lookup helpers and the builder
 * fed with parsed fields must never read out of bounds or overflow. */
#include <blehost/gap.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_ad ad;
	size_t half = size / 2;
	bh_ad_parse(&ad, data, half);
	bh_ad_parse_more(&ad, data + half, size - half);
	size_t n;
	for (unsigned t = 0; t < 4; t++)
		bh_ad_find(data, size, (uint8_t)(size ? data[t % size] : 0), &n);
	bh_ad_has_uuid(&ad, &(bh_uuid){ 2, { 0x0d, 0x18 } });
	bh_ad_mfr_find(&ad, 0x004c);
	/* Rebuild what was parsed into a legacy-sized buffer: every add either
	 * fits or is refused whole. */
	uint8_t out[BH_AD_LEGACY_MAX];
	struct bh_ad_builder b;
	bh_ad_build_init(&b, out, sizeof(out));
	if (ad.present & BH_AD_HAS_FLAGS)
		bh_ad_add_flags(&b, ad.flags);
	for (unsigned i = 0; i < ad.n_mfr; i++) {
		size_t before = b.len;
		if (bh_ad_add_manufacturer(&b, ad.mfr[i].company, ad.mfr[i].data, ad.mfr[i].len))
			if (b.len != before)
				__builtin_trap();
	}
	for (unsigned i = 0; i < ad.n_svc_data; i++)
		bh_ad_add_service_data(&b, &ad.svc_data[i].uuid, ad.svc_data[i].data,
				       ad.svc_data[i].len);
	for (unsigned i = 0; i < ad.n_uuids; i++)
		bh_ad_add_uuids(&b, &ad.uuids[i].uuid, 1, true);
	if (b.len > sizeof(out))
		__builtin_trap();
	return 0;
}
