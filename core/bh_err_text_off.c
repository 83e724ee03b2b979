/* bh_strerror without English texts (-Derror_text=false): a stack error
 * reads as its name ("BH_ETIMEDOUT"), a protocol code as its carrier and
 * number ("ATT: error (0x05)"). The codes, names and every check are the
 * same as in the default build; only the sentences are left out. */
#include "bh_err_text.h"

const char *bh_err_text(bh_status s)
{
	return bh_err_name(s);
}

const char *bh_hci_status_str(uint8_t c)
{
	(void)c;
	return "status";
}

const char *bh_att_error_str(uint8_t c)
{
	(void)c;
	return "error";
}

const char *bh_smp_reason_str(uint8_t c)
{
	(void)c;
	return "reason";
}
