/* A scripted fake controller for the HCI layer's unit tests.
 *
 * It records every packet the layer sends, answers commands with Command
 * Complete when asked to (fake_run), and records every port callback. It
 * never answers from inside port.send, so the layer is never re-entered in a
 * way a real transport would not do.
 */
#ifndef HCI_FAKE_H
#define HCI_FAKE_H

#include <blehost/bh_bytes.h>
#include <blehost/bh_env.h>
#include <blehost/hci.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAKE_MAX_PKTS 512
#define FAKE_MAX_PKT 1100

struct fake_pkt {
	uint8_t type;
	size_t len;
	uint8_t data[FAKE_MAX_PKT];
};

struct fake_rule {
	uint16_t opcode;
	uint8_t status;   /* answer with this status only */
	bool silent;      /* never answer */
	bool short_reply; /* answer with the status octet only */
};

struct fake {
	/* Environment. */
	bh_time_ms now;
	struct bh_env env;
	struct bh_hci *hci;
	struct bh_hci_port port;

	/* Controller personality. */
	uint8_t hci_version;
	uint8_t commands[64];
	uint8_t features[8];
	uint8_t le_features[8];
	uint8_t bdaddr[6];
	uint16_t le_mtu;
	uint8_t le_cnt;
	uint16_t acl_mtu;
	uint16_t acl_cnt;
	uint8_t ncmd; /* Num_HCI_Command_Packets in answers */
	struct fake_rule rules[8];
	unsigned nrules;
	int send_rc;

	/* Everything sent by the layer. */
	struct fake_pkt sent[FAKE_MAX_PKTS];
	unsigned nsent;
	/* Commands sent and not answered yet (by fake_run or by hand). */
	uint16_t unanswered[64];
	unsigned nunanswered;
	unsigned max_unanswered;

	/* Callbacks seen. */
	unsigned ready_calls, fatal_calls, event_calls, le_meta_calls, acl_calls, can_send_calls;
	bh_status ready_status, fatal_reason;
	uint8_t last_event, last_sub;
	size_t last_event_len, last_sub_len;
	uint16_t last_acl_handle, last_can_send;
	uint8_t last_acl[4096];
	size_t last_acl_len;
	unsigned sub_count[64];
};

/* An LE-only controller like BlueZ's btvirt: HCI 5.2, LE buffers 192 x 1,
 * LE Read Buffer Size v2 supported. */
void fake_init_btvirt(struct fake *f);
/* Creates the layer (cfg may be NULL) on top of f. */
void fake_new_hci(struct fake *f, const struct bh_hci_config *cfg);
void fake_free(struct fake *f);

void fake_set_cmd(struct fake *f, uint16_t sup_bit, bool on);
void fake_rule(struct fake *f, uint16_t opcode, uint8_t status, bool silent, bool short_reply);

/* Answers every unanswered command (and those they cause) per the rules. */
void fake_run(struct fake *f);
/* bh_hci_start + fake_run; asserts it came up. */
void fake_bring_up(struct fake *f);

/* Feeds one event (code + params) into the layer. */
void fake_event(struct fake *f, uint8_t code, const uint8_t *params, size_t len);
void fake_cmd_complete(struct fake *f, uint8_t ncmd, uint16_t opcode, const uint8_t *ret,
		       size_t len);
void fake_le_conn(struct fake *f, uint16_t handle);
void fake_disconn(struct fake *f, uint16_t handle);
void fake_nocp(struct fake *f, uint16_t handle, uint16_t count);
void fake_acl(struct fake *f, uint16_t handle, unsigned pb, const uint8_t *data, size_t len);

/* Sent packets of one type, opcodes of sent commands. */
unsigned fake_count(const struct fake *f, uint8_t type);
unsigned fake_opcodes(const struct fake *f, uint16_t *out, unsigned max);
const struct fake_pkt *fake_last(const struct fake *f, uint8_t type);
/* Index of the first sent command with this opcode, or -1. */
int fake_find_cmd(const struct fake *f, uint16_t opcode);
void fake_clear_sent(struct fake *f);
void fake_advance(struct fake *f, bh_time_ms ms);

#endif
