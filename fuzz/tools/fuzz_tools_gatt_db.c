/* libFuzzer target: the JSON reader and GATT description loader behind
 * `blehost peripheral --db FILE` never crash, leak or read out of bounds,
 * always explain a refusal, and only accept definitions the server's own
 * value rules allow (bh_gatts_add_services would not say BH_EINVAL). */
#include "gatt_db_json.h"
#include "json_parse.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void value_ok(const void *initial, uint16_t len, uint16_t max_len, bool fixed)
{
	uint16_t max = max_len ? max_len : len;
	if (max > 512 || len > max || (len && !initial) || (fixed && len && len != max))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	struct jv *v = jv_parse((const char *)data, size, err, sizeof(err));
	if (!v && !err[0])
		abort(); /* a refusal always says why */
	jv_free(v);
	struct gatt_db *db = gatt_db_parse((const char *)data, size, err, sizeof(err));
	if (!db) {
		if (!err[0])
			abort();
		return 0;
	}
	size_t n;
	const struct bh_gatt_svc_def *s = gatt_db_services(db, &n);
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < s[i].num_chrs; k++) {
			const struct bh_gatt_chr_def *c = &s[i].chrs[k];
			value_ok(c->initial, c->initial_len, c->max_len, c->fixed_len);
			if (c->user_desc && strlen(c->user_desc) > 512)
				abort();
			for (size_t d = 0; d < c->num_dscs; d++)
				value_ok(c->dscs[d].initial, c->dscs[d].initial_len, c->dscs[d].max_len,
					 c->dscs[d].fixed_len);
			if (gatt_db_find_chr(db, &s[i].uuid, &c->uuid) == NULL)
				abort();
		}
	}
	gatt_db_free(db);
	return 0;
}
