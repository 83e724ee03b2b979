/* Advertising data (AD) parser and builder.
 *
 * Format: a sequence of AD structures, each Length (1) | AD Type (1) |
 * AD Data (Length - 1) (Vol 3, Part C, 11). Types and their data formats:
 * Core Specification Supplement, Part A, 1.1-1.21. Pure functions: each
 * structure's length is checked against what is left before it is read,
 * and each type's against its format, so a bad length never reads past
 * the input.
 */
#include <blehost/gap.h>

#include <blehost/bh_bytes.h>

#include <stddef.h>
#include <string.h>

static void keep_other(struct bh_ad *ad, uint8_t type, const uint8_t *d, size_t n)
{
	if (ad->n_other >= BH_AD_MAX_OTHER) {
		ad->overflow = true;
		return;
	}
	ad->other[ad->n_other++] = (struct bh_ad_raw){ type, d, (uint16_t)n };
}

/* A list of 16/32/128-bit UUIDs; a length that is not a multiple of the
 * UUID size is malformed for its type and kept raw. */
static bool parse_uuids(struct bh_ad_uuid *arr, uint8_t *count, unsigned max, bool *ovf,
			uint8_t type, const uint8_t *d, size_t n, size_t usz)
{
	if (n % usz)
		return false;
	for (const uint8_t *p = d; p < d + n; p += usz) {
		if (*count >= max) {
			*ovf = true;
			continue;
		}
		bh_uuid_from_le(&arr[*count].uuid, p, usz);
		arr[*count].ad_type = type;
		(*count)++;
	}
	return true;
}

static bool parse_svc_data(struct bh_ad *ad, const uint8_t *d, size_t n, size_t usz)
{
	/* The service's UUID, then its data */
	if (n < usz)
		return false;
	if (ad->n_svc_data >= BH_AD_MAX_SVC_DATA) {
		ad->overflow = true;
		return true;
	}
	struct bh_ad_svc_data *s = &ad->svc_data[ad->n_svc_data++];
	bh_uuid_from_le(&s->uuid, d, usz);
	s->data = d + usz;
	s->len = (uint16_t)(n - usz);
	return true;
}

static bool parse_targets(struct bh_ad *ad, uint8_t addr_type, const uint8_t *d, size_t n)
{
	if (n == 0 || n % 6)
		return false;
	for (const uint8_t *p = d; p < d + n; p += 6) {
		if (ad->n_targets >= BH_AD_MAX_TARGETS) {
			ad->overflow = true;
			continue;
		}
		bh_addr *a = &ad->targets[ad->n_targets++];
		a->type = addr_type;
		memcpy(a->val, p, 6);
	}
	return true;
}

/* The single-valued types whose data only has a length range: where it
 * goes (an offset in struct bh_ad), its presence bit and what is stored
 * there. A length outside min..max is malformed for the type. */
enum {
	F_COPY = 0, /* the octets themselves (n is then fixed) */
	F_INT1 = 1, F_INT2 = 2, F_INT4 = 4, /* little-endian value of the first
					       (up to 4) octets, in a field of that size */
	F_PTR = 8, /* borrowed: const uint8_t * then its uint16_t length */
};
struct ad_field {
	uint8_t type, min, max, kind, off, bit; /* bit: BH_AD_HAS_* is 1u << bit */
};
#define F(t, lo, hi, k, field, b)                                                        \
	{ t, lo, hi, k, (uint8_t)offsetof(struct bh_ad, field), (uint8_t)__builtin_ctz(b) }
static const struct ad_field fields[] = {
	/* Supplement A 1.3: one or more octets; only octet 0 is defined. */
	F(BH_AD_FLAGS, 1, 255, F_INT1, flags, BH_AD_HAS_FLAGS),
	F(BH_AD_TX_POWER, 1, 1, F_INT1, tx_power, BH_AD_HAS_TX_POWER),
	F(BH_AD_CLASS_OF_DEVICE, 3, 3, F_INT4, class_of_device, BH_AD_HAS_CLASS),
	F(BH_AD_SM_TK, 16, 16, F_COPY, sm_tk, BH_AD_HAS_SM_TK),
	F(BH_AD_SP_HASH_C192, 16, 16, F_COPY, sp_hash, BH_AD_HAS_SP_HASH),
	F(BH_AD_SP_RAND_R192, 16, 16, F_COPY, sp_rand, BH_AD_HAS_SP_RAND),
	F(BH_AD_LE_SC_CONFIRM, 16, 16, F_COPY, sc_confirm, BH_AD_HAS_SC_CONFIRM),
	F(BH_AD_LE_SC_RANDOM, 16, 16, F_COPY, sc_random, BH_AD_HAS_SC_RANDOM),
	F(BH_AD_RSI, 6, 6, F_COPY, rsi, BH_AD_HAS_RSI),
	/* Supplement A 1.22: 4 to 128 octets of UTF-8. */
	F(BH_AD_BROADCAST_NAME, 4, 128, F_PTR, broadcast_name, BH_AD_HAS_BROADCAST_NAME),
	F(BH_AD_SM_OOB_FLAGS, 1, 1, F_INT1, sm_oob_flags, BH_AD_HAS_SM_OOB_FLAGS),
	F(BH_AD_APPEARANCE, 2, 2, F_INT2, appearance, BH_AD_HAS_APPEARANCE),
	F(BH_AD_ADV_INTERVAL, 2, 2, F_INT4, adv_interval, BH_AD_HAS_ADV_INTERVAL),
	/* Supplement A 1.15: 3 or 4 octets. */
	F(BH_AD_ADV_INTERVAL_LONG, 3, 4, F_INT4, adv_interval, BH_AD_HAS_ADV_INTERVAL),
	F(BH_AD_LE_ROLE, 1, 1, F_INT1, le_role, BH_AD_HAS_LE_ROLE),
	F(BH_AD_URI, 1, 255, F_PTR, uri, BH_AD_HAS_URI),
	F(BH_AD_LE_FEATURES, 0, 255, F_PTR, le_features, BH_AD_HAS_LE_FEATURES),
};
#undef F
_Static_assert(offsetof(struct bh_ad, broadcast_name_len) < 256, "ad_field.off is one octet");
_Static_assert(offsetof(struct bh_ad, uri_len) == offsetof(struct bh_ad, uri) + sizeof(void *) &&
		       offsetof(struct bh_ad, le_features_len) ==
			       offsetof(struct bh_ad, le_features) + sizeof(void *) &&
		       offsetof(struct bh_ad, broadcast_name_len) ==
			       offsetof(struct bh_ad, broadcast_name) + sizeof(void *),
	       "F_PTR: the length follows the pointer");

static bool parse_field(struct bh_ad *ad, const struct ad_field *f, const uint8_t *d, size_t n)
{
	if (n < f->min || n > f->max)
		return false;
	uint8_t *dst = (uint8_t *)ad + f->off;
	if (f->kind == F_COPY) {
		memcpy(dst, d, n);
	} else if (f->kind == F_PTR) {
		uint16_t len = (uint16_t)n;
		memcpy(dst, &d, sizeof(d));
		memcpy(dst + sizeof(d), &len, sizeof(len));
	} else {
		uint32_t v = 0;
		for (size_t i = n < 4 ? n : 4; i-- > 0;)
			v = v << 8 | d[i];
		uint16_t v2 = (uint16_t)v;
		if (f->kind == F_INT1)
			*dst = (uint8_t)v;
		else if (f->kind == F_INT2)
			memcpy(dst, &v2, 2);
		else
			memcpy(dst, &v, 4);
	}
	ad->present |= 1u << f->bit;
	return true;
}

static const uint8_t uuid_size[] = { 2, 4, 16 };

/* One AD structure; returns false when its length does not suit its type.
 * A type it does not know counts as unsuitable too, with *unknown set:
 * both are kept as they are (ad->other). */
static bool parse_one(struct bh_ad *ad, uint8_t type, const uint8_t *d, size_t n, bool *unknown)
{
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (fields[i].type == type)
			return parse_field(ad, &fields[i], d, n);
	switch (type) {
	case BH_AD_UUID16_INCOMPLETE:
	case BH_AD_UUID16_COMPLETE:
	case BH_AD_UUID32_INCOMPLETE:
	case BH_AD_UUID32_COMPLETE:
	case BH_AD_UUID128_INCOMPLETE:
	case BH_AD_UUID128_COMPLETE:
		/* 0x02-0x07: incomplete and complete lists of 16, 32, 128-bit UUIDs. */
		return parse_uuids(ad->uuids, &ad->n_uuids, BH_AD_MAX_UUIDS, &ad->overflow, type, d,
				   n, uuid_size[(type - BH_AD_UUID16_INCOMPLETE) / 2]);
	case BH_AD_SOLICIT16:
	case BH_AD_SOLICIT32:
	case BH_AD_SOLICIT128:
		return parse_uuids(ad->solicit, &ad->n_solicit, BH_AD_MAX_SOLICIT, &ad->overflow,
				   type, d, n, type == BH_AD_SOLICIT16 ? 2 : type == BH_AD_SOLICIT32 ? 4 : 16);
	case BH_AD_NAME_SHORT:
	case BH_AD_NAME_COMPLETE:
		/* A complete name wins over a shortened one whatever the order. */
		if ((ad->present & BH_AD_HAS_NAME) && ad->name_complete && type == BH_AD_NAME_SHORT)
			return true;
		ad->name = d;
		ad->name_len = (uint16_t)n;
		ad->name_complete = type == BH_AD_NAME_COMPLETE;
		ad->present |= BH_AD_HAS_NAME;
		return true;
	case BH_AD_CONN_INTERVAL_RANGE:
		if (n != 4)
			return false;
		ad->conn_interval_min = bh_get16(d);
		ad->conn_interval_max = bh_get16(d + 2);
		ad->present |= BH_AD_HAS_CONN_INTERVAL;
		return true;
	case BH_AD_SERVICE_DATA16:
	case BH_AD_SERVICE_DATA32:
	case BH_AD_SERVICE_DATA128:
		return parse_svc_data(ad, d, n, type == BH_AD_SERVICE_DATA16 ? 2
						: type == BH_AD_SERVICE_DATA32 ? 4 : 16);
	case BH_AD_PUBLIC_TARGET:
		return parse_targets(ad, BH_ADDR_PUBLIC, d, n);
	case BH_AD_RANDOM_TARGET:
		return parse_targets(ad, BH_ADDR_RANDOM, d, n);
	case BH_AD_LE_BDADDR: {
		/* Supplement A 1.16: address (6) then a type octet whose bit 0 says random. */
		if (n != 7)
			return false;
		memcpy(ad->le_bdaddr.val, d, 6);
		ad->le_bdaddr.type = d[6] & 1;
		ad->present |= BH_AD_HAS_LE_BDADDR;
		return true;
	}
	case BH_AD_MANUFACTURER: {
		/* Company_Identifier(2) then the data */
		if (n < 2)
			return false;
		if (ad->n_mfr >= BH_AD_MAX_MFR) {
			ad->overflow = true;
			return true;
		}
		struct bh_ad_mfr *m = &ad->mfr[ad->n_mfr++];
		m->company = bh_get16(d);
		m->data = d + 2;
		m->len = (uint16_t)(n - 2);
		return true;
	}
	default:
		*unknown = true;
		return false;
	}
}

int bh_ad_parse_more(struct bh_ad *ad, const uint8_t *data, size_t len)
{
	/* Length(1) then that many octets: AD_Type(1) and its data */
	for (size_t off = 0; off < len;) {
		uint8_t flen = data[off++];
		if (flen == 0)
			break; /* the non-significant part (zero padding) starts here */
		if (flen > len - off) {
			ad->malformed = true;
			return BH_EMALFORMED;
		}
		const uint8_t *f = data + off;
		off += flen;
		ad->n_fields++;
		bool unknown = false;
		if (!parse_one(ad, f[0], f + 1, (size_t)flen - 1, &unknown)) {
			ad->n_bad += !unknown;
			keep_other(ad, f[0], f + 1, (size_t)flen - 1);
		}
	}
	return BH_OK;
}

int bh_ad_parse(struct bh_ad *ad, const uint8_t *data, size_t len)
{
	memset(ad, 0, sizeof(*ad));
	ad->conn_interval_min = ad->conn_interval_max = 0xffff;
	return bh_ad_parse_more(ad, data, len);
}

const uint8_t *bh_ad_find(const uint8_t *data, size_t len, uint8_t type, size_t *out_len)
{
	for (size_t off = 0; off < len;) {
		uint8_t flen = data[off++];
		if (flen == 0 || flen > len - off)
			break;
		const uint8_t *f = data + off;
		off += flen;
		if (f[0] == type) {
			*out_len = (size_t)flen - 1;
			return f + 1;
		}
	}
	*out_len = 0;
	return NULL;
}

const struct bh_ad_mfr *bh_ad_mfr_find(const struct bh_ad *ad, uint16_t company)
{
	for (unsigned i = 0; i < ad->n_mfr; i++)
		if (ad->mfr[i].company == company)
			return &ad->mfr[i];
	return NULL;
}

bool bh_ad_has_uuid(const struct bh_ad *ad, const bh_uuid *u)
{
	for (unsigned i = 0; i < ad->n_uuids; i++)
		if (bh_uuid_eq(&ad->uuids[i].uuid, u))
			return true;
	return false;
}

const char *bh_ad_type_str(uint8_t type)
{
	switch (type) {
	case BH_AD_FLAGS: return "Flags";
	case BH_AD_UUID16_INCOMPLETE: return "Incomplete List of 16-bit Service UUIDs";
	case BH_AD_UUID16_COMPLETE: return "Complete List of 16-bit Service UUIDs";
	case BH_AD_UUID32_INCOMPLETE: return "Incomplete List of 32-bit Service UUIDs";
	case BH_AD_UUID32_COMPLETE: return "Complete List of 32-bit Service UUIDs";
	case BH_AD_UUID128_INCOMPLETE: return "Incomplete List of 128-bit Service UUIDs";
	case BH_AD_UUID128_COMPLETE: return "Complete List of 128-bit Service UUIDs";
	case BH_AD_NAME_SHORT: return "Shortened Local Name";
	case BH_AD_NAME_COMPLETE: return "Complete Local Name";
	case BH_AD_TX_POWER: return "Tx Power Level";
	case BH_AD_CLASS_OF_DEVICE: return "Class of Device";
	case BH_AD_SM_TK: return "Security Manager TK Value";
	case BH_AD_SP_HASH_C192: return "Simple Pairing Hash C-192";
	case BH_AD_SP_RAND_R192: return "Simple Pairing Randomizer R-192";
	case BH_AD_LE_SC_CONFIRM: return "LE Secure Connections Confirmation Value";
	case BH_AD_LE_SC_RANDOM: return "LE Secure Connections Random Value";
	case BH_AD_RSI: return "Resolvable Set Identifier";
	case BH_AD_BROADCAST_NAME: return "Broadcast Name";
	case BH_AD_SM_OOB_FLAGS: return "Security Manager Out of Band Flags";
	case BH_AD_CONN_INTERVAL_RANGE: return "Peripheral Connection Interval Range";
	case BH_AD_SOLICIT16: return "List of 16-bit Service Solicitation UUIDs";
	case BH_AD_SOLICIT32: return "List of 32-bit Service Solicitation UUIDs";
	case BH_AD_SOLICIT128: return "List of 128-bit Service Solicitation UUIDs";
	case BH_AD_SERVICE_DATA16: return "Service Data - 16-bit UUID";
	case BH_AD_SERVICE_DATA32: return "Service Data - 32-bit UUID";
	case BH_AD_SERVICE_DATA128: return "Service Data - 128-bit UUID";
	case BH_AD_PUBLIC_TARGET: return "Public Target Address";
	case BH_AD_RANDOM_TARGET: return "Random Target Address";
	case BH_AD_APPEARANCE: return "Appearance";
	case BH_AD_ADV_INTERVAL: return "Advertising Interval";
	case BH_AD_ADV_INTERVAL_LONG: return "Advertising Interval - long";
	case BH_AD_LE_BDADDR: return "LE Bluetooth Device Address";
	case BH_AD_LE_ROLE: return "LE Role";
	case BH_AD_URI: return "URI";
	case BH_AD_LE_FEATURES: return "LE Supported Features";
	case BH_AD_MANUFACTURER: return "Manufacturer Specific Data";
	default: return "Unknown AD type";
	}
}

/* ---- builder ---- */

void bh_ad_build_init(struct bh_ad_builder *b, uint8_t *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	b->err = BH_OK;
}

static int fail(struct bh_ad_builder *b, int err)
{
	if (b->err == BH_OK)
		b->err = err;
	return err;
}

/* Appends header + two data parts, all or nothing. */
static int add2(struct bh_ad_builder *b, uint8_t type, const void *d1, size_t n1, const void *d2,
		size_t n2)
{
	size_t n = n1 + n2;
	/* One length octet counts type + data, so data is at most 254. */
	if (n > 254 || b->len > b->cap || b->cap - b->len < n + 2)
		return fail(b, BH_ENOSPACE);
	struct bh_wr w = bh_wr_init(b->buf + b->len, b->cap - b->len);
	bh_wr_u8(&w, (uint8_t)(n + 1));
	bh_wr_u8(&w, type);
	bh_wr_bytes(&w, d1, n1);
	bh_wr_bytes(&w, d2, n2);
	b->len += w.len;
	return BH_OK;
}

int bh_ad_add(struct bh_ad_builder *b, uint8_t type, const void *data, size_t len)
{
	if (len && !data)
		return fail(b, BH_EINVAL);
	return add2(b, type, data, len, NULL, 0);
}

int bh_ad_add_flags(struct bh_ad_builder *b, uint8_t flags)
{
	return add2(b, BH_AD_FLAGS, &flags, 1, NULL, 0);
}

int bh_ad_add_name(struct bh_ad_builder *b, const char *name, bool complete)
{
	if (!name)
		return fail(b, BH_EINVAL);
	return add2(b, complete ? BH_AD_NAME_COMPLETE : BH_AD_NAME_SHORT, name, strlen(name), NULL,
		    0);
}

int bh_ad_add_uuids(struct bh_ad_builder *b, const bh_uuid *u, size_t n, bool complete)
{
	static const struct { uint8_t sz, t_inc, t_comp; } kinds[] = {
		{ 2, BH_AD_UUID16_INCOMPLETE, BH_AD_UUID16_COMPLETE },
		{ 4, BH_AD_UUID32_INCOMPLETE, BH_AD_UUID32_COMPLETE },
		{ 16, BH_AD_UUID128_INCOMPLETE, BH_AD_UUID128_COMPLETE },
	};
	for (size_t i = 0; i < n; i++)
		if (u[i].len != 2 && u[i].len != 4 && u[i].len != 16)
			return fail(b, BH_EINVAL);
	/* Build into a scratch copy so a failure in the second list leaves the
	 * buffer as it was. */
	size_t start = b->len;
	for (size_t k = 0; k < 3; k++) {
		uint8_t tmp[254];
		size_t tl = 0;
		for (size_t i = 0; i < n; i++) {
			if (u[i].len != kinds[k].sz)
				continue;
			if (tl + u[i].len > sizeof(tmp)) {
				b->len = start;
				return fail(b, BH_ENOSPACE);
			}
			memcpy(tmp + tl, u[i].val, u[i].len);
			tl += u[i].len;
		}
		if (!tl)
			continue;
		int rc = add2(b, complete ? kinds[k].t_comp : kinds[k].t_inc, tmp, tl, NULL, 0);
		if (rc) {
			b->len = start;
			return rc;
		}
	}
	return BH_OK;
}

int bh_ad_add_appearance(struct bh_ad_builder *b, uint16_t appearance)
{
	uint8_t v[2];
	bh_put16(v, appearance);
	return add2(b, BH_AD_APPEARANCE, v, 2, NULL, 0);
}

int bh_ad_add_tx_power(struct bh_ad_builder *b, int8_t dbm)
{
	uint8_t v = (uint8_t)dbm;
	return add2(b, BH_AD_TX_POWER, &v, 1, NULL, 0);
}

int bh_ad_add_manufacturer(struct bh_ad_builder *b, uint16_t company, const void *data, size_t len)
{
	if (len && !data)
		return fail(b, BH_EINVAL);
	uint8_t c[2];
	bh_put16(c, company);
	return add2(b, BH_AD_MANUFACTURER, c, 2, data, len);
}

int bh_ad_add_service_data(struct bh_ad_builder *b, const bh_uuid *u, const void *data, size_t len)
{
	if (!u || (len && !data))
		return fail(b, BH_EINVAL);
	uint8_t t;
	switch (u->len) {
	case 2: t = BH_AD_SERVICE_DATA16; break;
	case 4: t = BH_AD_SERVICE_DATA32; break;
	case 16: t = BH_AD_SERVICE_DATA128; break;
	default: return fail(b, BH_EINVAL);
	}
	return add2(b, t, u->val, u->len, data, len);
}
