#include <blehost/bh_addr.h>

#include <blehost/bh_bytes.h>
#include <blehost/bh_err.h>

#include <stdio.h>
#include <string.h>
#include <strings.h>

int bh_addr_parse(const char *s, bh_addr *out)
{
	bh_addr a = { .type = BH_ADDR_PUBLIC };
	if (!s)
		return BH_EINVAL;
	for (int i = 0; i < 6; i++) {
		int hi = bh_hexval(s[0]), lo = hi < 0 ? -1 : bh_hexval(s[1]);
		if (hi < 0 || lo < 0)
			return BH_EINVAL;
		a.val[5 - i] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (i < 5) {
			if (*s != ':' && *s != '-')
				return BH_EINVAL;
			s++;
		}
	}
	if (*s == '/') {
		s++;
		if (!strcasecmp(s, "public"))
			a.type = BH_ADDR_PUBLIC;
		else if (!strcasecmp(s, "random"))
			a.type = BH_ADDR_RANDOM;
		else
			return BH_EINVAL;
	} else if (*s) {
		return BH_EINVAL;
	}
	*out = a;
	return BH_OK;
}

char *bh_addr_str_bare(const bh_addr *a, char buf[BH_ADDR_STRLEN])
{
	snprintf(buf, BH_ADDR_STRLEN, "%02X:%02X:%02X:%02X:%02X:%02X", a->val[5], a->val[4],
		 a->val[3], a->val[2], a->val[1], a->val[0]);
	return buf;
}

char *bh_addr_str(const bh_addr *a, char buf[BH_ADDR_STRLEN])
{
	bh_addr_str_bare(a, buf);
	strcat(buf, (a->type & 1) ? "/random" : "/public");
	return buf;
}

bool bh_addr_eq(const bh_addr *a, const bh_addr *b)
{
	return (a->type & 1) == (b->type & 1) && memcmp(a->val, b->val, 6) == 0;
}
