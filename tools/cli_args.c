/* Number arguments, checked whole. atof/atoi/strtol without an end check
 * turned a typo into a value: "--timeout 5x" or "--timeout abc" became 0
 * (no timeout at all), "--min-rssi -200" wrapped to +56 dBm, and a passkey
 * typed as "abc" was entered as 000000. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_parse_seconds(const char *s, double max, double *out)
{
	/* strtod would also take leading blanks, a sign, "inf", "nan" and
	 * hex floats. */
	if (!s || !(isdigit((unsigned char)s[0]) || s[0] == '.') || strpbrk(s, "xX"))
		return -1;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (*end || errno || !isfinite(v) || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	/* A digit first: strtoul takes "-1" as ULONG_MAX and skips blanks. */
	if (!s || !isdigit((unsigned char)s[0]))
		return -1;
	/* Base 10 unless 0x: base 0 would read "010" as octal 8. */
	int base = s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (*end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_long(const char *s, long min, long max, long *out)
{
	if (!s)
		return -1;
	size_t sign = s[0] == '-' || s[0] == '+';
	if (!isdigit((unsigned char)s[sign]))
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (*end || errno || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_passkey(const char *s, uint32_t *out)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strspn(s, "0123456789");
	if (n < 1 || n > 6)
		return -1;
	/* What follows the digits: blanks and a line end (a typed line), nothing else. */
	if (s[n + strspn(s + n, " \t\r\n")])
		return -1;
	*out = (uint32_t)strtoul(s, NULL, 10);
	return 0;
}

int cli_opt_seconds(struct cli *c, const char *opt, const char *arg, double *out)
{
	if (!cli_parse_seconds(arg, CLI_SECONDS_MAX, out))
		return 0;
	return cli_fail(c, "bad %s '%s' (seconds, 0 to %.0f; decimals allowed)", opt, arg,
			CLI_SECONDS_MAX);
}

int cli_opt_ulong(struct cli *c, const char *opt, const char *arg, unsigned long min,
		  unsigned long max, unsigned long *out)
{
	if (!cli_parse_ulong(arg, min, max, out))
		return 0;
	return cli_fail(c, "bad %s '%s' (%lu to %lu; decimal, or hex with 0x)", opt, arg, min,
			max);
}
