/* blehost: one status type for the whole stack.
 *
 * A bh_status is 0 on success, a negative BH_E* value for errors of the stack
 * itself, or a positive "carrier" that holds the protocol code the controller
 * or the peer gave (HCI status, ATT error, SMP pairing-failed reason, L2CAP
 * result), so a caller sees both what failed and the exact code on the wire.
 */
#ifndef BH_ERR_H
#define BH_ERR_H

#include <stdint.h>

typedef int32_t bh_status;

enum bh_err {
	BH_OK = 0,
	BH_ENOMEM = -1,        /* a pool or buffer is exhausted */
	BH_EINVAL = -2,        /* bad argument from the caller */
	BH_ETIMEDOUT = -3,     /* a protocol or command timer expired */
	BH_EDISCONNECTED = -4, /* the connection went away before completion */
	BH_EBUSY = -5,         /* no capacity now; wait for a can-send event */
	BH_ENOTSUP = -6,       /* the controller or peer does not support it */
	BH_EMALFORMED = -7,    /* bytes from the controller or peer were invalid */
	BH_ECANCELLED = -8,    /* the caller cancelled the operation */
	BH_ENOTFOUND = -9,     /* no such handle, connection, bond, device */
	BH_EIO = -10,          /* an operating-system I/O call failed */
	BH_ETRANSPORT = -11,   /* the transport to the controller was lost */
	BH_EHWERROR = -12,     /* the controller reported a Hardware Error */
	BH_ESTATE = -13,       /* not allowed in the current state */
	BH_ENOSPACE = -14,     /* data does not fit (AD payload, MTU, queue) */
	BH_ERESET = -15,       /* the host or controller was reset meanwhile */
	BH_ESECURITY = -16,    /* the link's security is not sufficient */
	BH_EPERM = -17,        /* refused by policy or by the user/agent */
	BH_EEXIST = -18,       /* already exists / already in progress */
	BH_ECORRUPT = -19,     /* stored data failed its integrity check */
	BH_EPROTO = -20,       /* the peer broke the protocol */
	BH_EDOWNGRADE = -21,   /* refused: would replace a bond with a weaker one */
	BH_EUNSAFE = -22,      /* a stored file is a link, not a regular file, or not ours */
	BH_ERR_MIN_ = -22,
};

/* Carriers for protocol codes. */
#define BH_KIND_HCI 1
#define BH_KIND_ATT 2
#define BH_KIND_SMP 3
#define BH_KIND_L2CAP 4

#define BH_HCI_STATUS(c) ((bh_status)((BH_KIND_HCI << 16) | ((c) & 0xffff)))
#define BH_ATT_ERROR(c) ((bh_status)((BH_KIND_ATT << 16) | ((c) & 0xffff)))
#define BH_SMP_REASON(c) ((bh_status)((BH_KIND_SMP << 16) | ((c) & 0xffff)))
#define BH_L2CAP_RESULT(c) ((bh_status)((BH_KIND_L2CAP << 16) | ((c) & 0xffff)))

/* Which carrier a status is (0 for BH_OK and stack errors). */
static inline int bh_status_kind(bh_status s) { return s > 0 ? (int)(s >> 16) : 0; }
/* The protocol code inside a carrier. */
static inline uint16_t bh_status_code(bh_status s) { return s > 0 ? (uint16_t)(s & 0xffff) : 0; }

/* A short English text for any status, including carriers
 * ("ATT: Insufficient Authentication (0x05)"). Never NULL. The returned string
 * is static for stack errors; for carriers it lives in a thread-local buffer
 * valid until the next call on the same thread. */
const char *bh_strerror(bh_status s);

/* The symbolic name of a stack error ("BH_ETIMEDOUT"); "BH_OK" for 0. */
const char *bh_err_name(bh_status s);

/* Names of protocol codes, per the Core Specification. Never NULL.
 * A build with -Derror_text=false has no texts: bh_strerror returns
 * bh_err_name for a stack error and "HCI: status (0x0c)", "ATT: error
 * (0x05)", "SMP: reason (0x04)" for a carrier; these three return
 * "status", "error" and "reason". */
const char *bh_hci_status_str(uint8_t code); /* Vol 1, Part F */
const char *bh_att_error_str(uint8_t code);  /* Vol 3, Part F, 3.4.1.1 */
const char *bh_smp_reason_str(uint8_t code); /* Vol 3, Part H, 3.5.5 */

/* The i-th of names, NUL-separated strings ending in an empty one, or dflt
 * past its end: the layers' state and step names as one string each
 * instead of a switch of pointers. */
const char *bh_nth_name(const char *names, unsigned i, const char *dflt);

#endif
