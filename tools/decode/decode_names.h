/* Names for every HCI opcode, event and LE sub-event the decoder meets. In a
 * build without texts (-Derror_text=false) the stack's own names are hex
 * ("0x200c") and so is what neither names, instead of "Unknown ...". */
#ifndef BH_TOOLS_DECODE_NAMES_H
#define BH_TOOLS_DECODE_NAMES_H

#include <stdint.h>

const char *dec_opcode_name(uint16_t op);   /* "Unknown Command" when unknown */
const char *dec_event_name(uint8_t code);   /* "Unknown Event" */
const char *dec_subevent_name(uint8_t sub); /* "Unknown LE Meta Subevent" */

#endif
