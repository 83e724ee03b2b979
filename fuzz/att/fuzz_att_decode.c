/* libFuzzer: the ATT codec. Anything that decodes must re-encode to the
 * same bytes (the codec has one set of rules both ways). */
#include <blehost/att.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bh_att_pdu pdu;
	if (bh_att_decode(data, size, &pdu) != BH_OK)
		return 0;
	uint8_t out[1024];
	size_t n = bh_att_encode(&pdu, out, sizeof(out));
	/* Read By Type/Group requests with a 128-bit UUID on the Base UUID
	 * are re-encoded in 16-bit form, so only compare the rest. */
	bool shortened = (pdu.opcode == BH_ATT_READ_BY_TYPE_REQ ||
			  pdu.opcode == BH_ATT_READ_BY_GROUP_REQ) && size == 21;
	if (size <= sizeof(out) && !shortened && (n != size || memcmp(out, data, n) != 0))
		abort();
	(void)bh_att_opcode_str(data[0]);
	return 0;
}
