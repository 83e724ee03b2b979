/* Status names and bh_strerror. The texts are in bh_err_text.c, or with
 * -Derror_text=false in bh_err_text_off.c. */
#include "bh_err_text.h"

#include <stdio.h>
#include <string.h>

static const char *const stack_names[] = {
	"BH_OK", "BH_ENOMEM", "BH_EINVAL", "BH_ETIMEDOUT", "BH_EDISCONNECTED",
	"BH_EBUSY", "BH_ENOTSUP", "BH_EMALFORMED", "BH_ECANCELLED", "BH_ENOTFOUND",
	"BH_EIO", "BH_ETRANSPORT", "BH_EHWERROR", "BH_ESTATE", "BH_ENOSPACE",
	"BH_ERESET", "BH_ESECURITY", "BH_EPERM", "BH_EEXIST", "BH_ECORRUPT",
	"BH_EPROTO", "BH_EDOWNGRADE", "BH_EUNSAFE",
};
_Static_assert(sizeof(stack_names) / sizeof(stack_names[0]) == 1 - BH_ERR_MIN_,
	       "a name for every stack error");

const char *bh_err_name(bh_status s)
{
	if (s <= 0 && s >= BH_ERR_MIN_)
		return stack_names[-s];
	switch (bh_status_kind(s)) {
	case BH_KIND_HCI: return "BH_HCI_STATUS";
	case BH_KIND_ATT: return "BH_ATT_ERROR";
	case BH_KIND_SMP: return "BH_SMP_REASON";
	case BH_KIND_L2CAP: return "BH_L2CAP_RESULT";
	default: return "BH_UNKNOWN";
	}
}

const char *bh_strerror(bh_status s)
{
	static _Thread_local char buf[128];
	if (s <= 0 && s >= BH_ERR_MIN_)
		return bh_err_text(s);
	uint16_t c = bh_status_code(s);
	const char *carrier, *text, *fmt = "unknown status %d";
	int v = (int)s;
	switch (bh_status_kind(s)) {
	case BH_KIND_HCI:
		carrier = "HCI", text = bh_hci_status_str((uint8_t)c);
		break;
	case BH_KIND_ATT:
		carrier = "ATT", text = bh_att_error_str((uint8_t)c);
		break;
	case BH_KIND_SMP:
		carrier = "SMP", text = bh_smp_reason_str((uint8_t)c);
		break;
	case BH_KIND_L2CAP: /* like an unknown status, one number: one snprintf */
		fmt = "L2CAP: result 0x%04x", v = c;
		/* fall through */
	default:
		snprintf(buf, sizeof(buf), fmt, v);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s: %s (0x%02x)", carrier, text, c);
	return buf;
}

const char *bh_nth_name(const char *names, unsigned i, const char *dflt)
{
	while (*names && i--)
		names += strlen(names) + 1;
	return *names ? names : dflt;
}
