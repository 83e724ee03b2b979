/* blehost transports: the bytes between the host stack and a controller.
 *
 * This is the only layer (besides the run loop) that touches file
 * descriptors or libusb. It sits below HCI, so packet types are plain H4
 * type bytes: 1 command, 2 ACL, 3 SCO, 4 event, 5 ISO (BH_H4_* in hci.h has
 * the same values; this header does not include hci.h on purpose).
 *
 * Contents:
 *   1. the transport object: open by spec string, send, poll integration;
 *   2. the H4 framer (pure): byte chunks in, whole packets out;
 *   3. trace files: writer (btsnoop / pcap) and reader (btsnoop, pcap,
 *      pcapng, PacketLogger, raw H4);
 *   4. the replay transport: a recorded trace played against the stack in
 *      virtual time.
 *
 * Buffer ownership: every pointer handed to a callback (rx, framer packet,
 * trace record) is borrowed for the duration of the callback (for trace
 * records: until the next bh_trace_next/close). Every buffer passed into an
 * API call is copied or written out before the call returns; the caller keeps
 * ownership.
 */
#ifndef BH_TRANSPORT_H
#define BH_TRANSPORT_H

#include <blehost/bh_env.h>
#include <blehost/bh_err.h>

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ */
/* 1. Transport object                                                 */
/* ------------------------------------------------------------------ */

struct bh_transport;

/* Upward port, set once after open (before the first bh_transport_process). */
struct bh_transport_port {
	/* One whole HCI packet from the controller; type is the H4 type byte
	 * (stripped from pkt). pkt is borrowed for the call. The callback may
	 * call bh_transport_send (the stack answers synchronously). */
	void (*rx)(void *ctx, uint8_t type, const uint8_t *pkt, size_t len);
	/* The transport died (EOF, unplug, read/write error): called at most
	 * once, with BH_ETRANSPORT or BH_EIO. After it, send fails and
	 * pollfds returns 0. The caller still calls bh_transport_close. */
	void (*lost)(void *ctx, bh_status why);
	void *ctx;
	/* Optional (may be NULL): log sink and clock. The clock is only used by
	 * USB to turn libusb's relative timeouts into a deadline; without env,
	 * USB reports BH_NEVER (its IN transfers have no timeout anyway). */
	const struct bh_env *env;
};

/* Opens a transport. spec (NULL = getenv("BLEHOST_TRANSPORT")):
 *   serial:/dev/ttyACM0[,BAUD][,OPT...]   H4 over a tty (default 115200, no flow ctl);
 *   h4:/dev/ttyS0[,BAUD][,OPT...]         the same. OPTs for serial:, h4: and h5::
 *                                         speed=N   operating speed the host asks
 *                                                   the controller for at bring-up
 *                                                   (vendor command; BAUD stays the
 *                                                   initial speed);
 *                                         flow=on|off  RTS/CTS (rtscts = flow=on);
 *                                         any rate 1..16000000 (termios2 on Linux)
 *   h5:/dev/ttyS0[,BAUD][,OPT...]         H5 three-wire UART (Vol 4, Part D) over a tty:
 *                                         SLIP, CRC, reliable window; HCI packets
 *                                         wait until SYNC/CONFIG complete; a
 *                                         controller that never syncs or restarts
 *                                         (SYNC while active) is reported as lost
 *   unix:/path                            H4 over an AF_UNIX stream socket (btvirt)
 *   tcp:HOST:PORT                         H4 over TCP (TCP_NODELAY); [v6]:PORT works
 *   usb | usb:VID:PID | usb:BUS-PORT.PORT  libusb, Bluetooth class E0/01/01
 *   hciN                                  Linux HCI user channel
 *   replay:FILE                           replay a trace in virtual time (section 4)
 *   replay:FILE,cut=N,fault=KIND          the same, with a fault after the host's Nth
 *                                         packet: KIND disconnect | close | hwerror |
 *                                         silence | garble[,bit=K] (section 4)
 * Returns BH_OK and *out, or a negative bh_status with a message in err
 * (always NUL-terminated when errlen > 0) that names the transport and says
 * what to try. A build may leave transports out (meson options, default on):
 * -Dh5=false makes h5:, -Dtrace=false replay: and -Dsockets=false unix:,
 * tcp: and hciN return BH_ENOTSUP (-Dusb=disabled, or no libusb: usb
 * returns BH_ENOTSUP likewise). */
int bh_transport_open(const char *spec, struct bh_transport **out, char *err, size_t errlen);

/* Sets the upward port (copied). */
void bh_transport_set_port(struct bh_transport *t, const struct bh_transport_port *port);

/* Sends one whole packet (type byte + pkt) to the controller; pkt must be
 * one consistent packet (bh_h4_packet_valid). H4 transports hand it to the
 * kernel in one call (sockets block for at most ~1 s for room); if the
 * packet is still cut, the rest follows after a bounded poll() before
 * anything else, so packets never interleave. USB sends synchronously
 * (control transfer for commands, bulk OUT for ACL, 1 s timeout); SCO/ISO
 * over USB give BH_ENOTSUP. Never calls port.rx. Returns BH_OK, BH_EINVAL
 * (bad type/len), BH_ETRANSPORT (dead; lost is called once), BH_ETIMEDOUT
 * (USB) or BH_EIO. For replay, the packet is checked against the trace
 * (BH_OK even on a mismatch: it is recorded, see bh_replay_result). */
int bh_transport_send(struct bh_transport *t, uint8_t type, const uint8_t *pkt, size_t len);

/* Fills up to max pollfds the loop must watch; returns how many (0 for
 * replay and for a dead transport). BH_TRANSPORT_MAX_FDS is always enough. */
#define BH_TRANSPORT_MAX_FDS 8
int bh_transport_pollfds(struct bh_transport *t, struct pollfd *fds, int max);
/* Handles revents of the fds returned by pollfds (same order): reads and
 * delivers whole packets through port.rx, reports death through port.lost.
 * Safe to call with n == 0 (USB then also runs its pending timeouts; replay
 * delivers every due record whose earlier host packets were matched). */
void bh_transport_process(struct bh_transport *t, const struct pollfd *fds, int n);
/* Absolute ms when process must run even without fd activity, or BH_NEVER.
 * USB: libusb's next timeout (needs port.env). Replay: the virtual time of
 * the next controller->host record. */
bh_time_ms bh_transport_next_deadline(struct bh_transport *t);
/* Closes fds / releases the USB interface; NULL is ignored. Never calls lost.
 * Not from inside a port callback (the transport is still running it). */
void bh_transport_close(struct bh_transport *t);
/* "unix:/tmp/bt", "usb:1-2.1 (0a12:0001)", ... Never NULL. */
const char *bh_transport_name(const struct bh_transport *t);
/* True for a USB transport, with the device's vendor and product IDs (the
 * chipset layer picks its driver by them). */
bool bh_transport_usb_id(const struct bh_transport *t, uint16_t *vid, uint16_t *pid);

/* UART transports (serial:, h4:, h5:): the speeds and flow control. */
struct bh_uart_settings {
	unsigned long baud;       /* speed in use now */
	bool flow;                /* RTS/CTS in use now */
	unsigned long initial;    /* speed the tty was opened at (BAUD in the spec) */
	unsigned long operating;  /* speed=N from the spec, 0 = none asked for */
	bool flow_given;          /* flow= / rtscts was in the spec */
	bool parity_even;         /* parity=even: 8E1 (Realtek H5 modules), else 8N1 */
};
/* True for a UART transport, with its settings (the tty's actual speed and
 * flow control as the kernel reports them where it can). */
bool bh_transport_uart(const struct bh_transport *t, struct bh_uart_settings *out);
/* Changes the host side's tty speed and RTS/CTS now; bytes already written
 * go out at the old speed first, bytes received at the old speed and not
 * yet read are dropped (they would be garbage at the new one). H5 keeps
 * its link state. BH_ENOTSUP (not a UART, or the tty cannot make this rate:
 * the old speed stays), BH_EINVAL (0 or above 16000000), BH_EIO; err says
 * why. */
int bh_transport_set_uart(struct bh_transport *t, unsigned long baud, bool flow, char *err,
			  size_t errlen);

/* -Dtrace=false leaves the trace writer, reader and replay (sections 3
 * and 4) out of the build: every bh_trace_open_* and bh_replay_open_reader
 * then returns BH_ENOTSUP with a message naming the option, and *out is
 * NULL; the other calls answer as for a closed object. */
struct bh_trace_writer;
/* Writes every packet that passes through t to w: sent ones after a
 * successful send, received ones just before port.rx. Timestamps are
 * port.env's clock in microseconds (replay: virtual time; no env: 0). A
 * trace write error never affects the link. w is borrowed: set NULL or close
 * the transport before closing w. */
void bh_transport_set_trace(struct bh_transport *t, struct bh_trace_writer *w);

/* USB devices that can carry HCI: a Bluetooth interface (class E0/01/01,
 * Vol 4, Part B, 2.1) or a vendor-specific interface of subclass 01,
 * protocol 01 (Broadcom parts). Strings are "" when the device could not be
 * opened (no permission on /dev/bus/usb). */
struct bh_usb_device {
	uint16_t vid, pid;
	char path[40]; /* "1-2.1", as usb:BUS-PORT.PORT takes it */
	char manufacturer[64], product[64], serial[64];
	bool bluetooth_class; /* E0/01/01 (else vendor-specific) */
	bool opened;          /* strings were readable */
	bool kernel_driver;   /* a kernel driver (btusb) holds the interface */
	bool unique_id;       /* no other listed device has this VID:PID */
};
/* Fills up to max devices; returns how many were found (may exceed max),
 * or a negative bh_status with a message in err (no libusb, libusb init
 * failed). */
int bh_usb_list(struct bh_usb_device *out, int max, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* 2. H4 framer (pure)                                                 */
/* ------------------------------------------------------------------ */

/* Largest payload (bytes after the HCI header) the framer accepts. A header
 * announcing more is "impossible": the framer drops the type byte and
 * rescans. Also bounds ACL/ISO packets on every transport. */
#define BH_H4_MAX_PAYLOAD 4096
#define BH_H4_MAX_PKT (4 + BH_H4_MAX_PAYLOAD) /* largest header is 4 bytes */

typedef void (*bh_h4_packet_fn)(void *ctx, uint8_t type, const uint8_t *pkt, size_t len);

struct bh_h4 {
	uint8_t buf[1 + BH_H4_MAX_PKT];
	size_t have;
	int fixed_type; /* 0: H4 stream with type bytes; else streams of one type */
	unsigned long packets;
	unsigned long garbage; /* bytes dropped while resynchronising */
};

/* H4 stream with a type byte before each packet (serial, unix, tcp, .h4). */
void bh_h4_init(struct bh_h4 *f);
/* A stream of one packet type with no type bytes (USB endpoints): packets
 * may span chunks; an impossible length drops what is buffered. */
void bh_h4_init_fixed(struct bh_h4 *f, uint8_t type);
/* Feeds a chunk of any size; calls cb once per whole packet, in order.
 * Keeps an incomplete tail for the next call. The callback must not feed
 * the same framer. */
void bh_h4_feed(struct bh_h4 *f, const uint8_t *data, size_t len, bh_h4_packet_fn cb, void *ctx);
/* Header size after the type byte for an H4 type (0 if invalid type), and
 * the payload length a complete header announces. */
size_t bh_h4_header_len(uint8_t type);
size_t bh_h4_payload_len(uint8_t type, const uint8_t *hdr);
/* True if (type, pkt, len) is one consistent packet: valid type, whole
 * header, length field equal to the payload length, payload within bounds. */
bool bh_h4_packet_valid(uint8_t type, const uint8_t *pkt, size_t len);

/* ------------------------------------------------------------------ */
/* 3. Trace files                                                      */
/* ------------------------------------------------------------------ */

enum bh_trace_dir {
	BH_TRACE_SENT = 0,     /* host -> controller */
	BH_TRACE_RECEIVED = 1, /* controller -> host */
};

enum bh_trace_format {
	BH_TRACE_AUTO = 0, /* by magic, then by extension (.pklg, .h4) */
	BH_TRACE_BTSNOOP,  /* btsnoop v1, datalink 1002 (H4) or 1001 (unencapsulated) */
	BH_TRACE_PCAP,     /* pcap, LINKTYPE 201 (H4 + direction) or 187 (H4) */
	BH_TRACE_PCAPNG,   /* pcapng, link types 201 and 187 */
	BH_TRACE_PKLG,     /* Apple PacketLogger */
	BH_TRACE_H4,       /* raw H4 byte stream, all controller -> host */
};
const char *bh_trace_format_str(enum bh_trace_format f);

struct bh_trace_writer;

/* Creates (truncates) path. ".pcap" -> pcap LINKTYPE 201 (4-byte big-endian
 * direction, 0 sent / 1 received); anything else -> btsnoop v1, datalink 1002.
 * Returns BH_OK or BH_EIO/BH_EINVAL with a message in err. */
int bh_trace_open_write(const char *path, struct bh_trace_writer **out, char *err, size_t errlen);
/* Appends one packet. timestamp_us: microseconds since the Unix epoch (any
 * monotonic origin also works; only differences matter for replay).
 * Flushed per record so a crash keeps the trace. BH_OK or BH_EIO/BH_EINVAL. */
int bh_trace_write(struct bh_trace_writer *w, enum bh_trace_dir dir, uint8_t type,
		   const uint8_t *pkt, size_t len, uint64_t timestamp_us);
/* Flushes and closes; BH_OK or BH_EIO. NULL is ignored. */
int bh_trace_close_write(struct bh_trace_writer *w);

struct bh_trace_rec {
	enum bh_trace_dir dir;
	uint8_t type;         /* H4 type byte */
	const uint8_t *data;  /* packet without the type byte; valid until next call */
	size_t len;
	uint64_t timestamp_us; /* as stored (0 for raw H4) */
	unsigned long index;  /* 1-based frame number in the file (as tshark counts) */
};

struct bh_trace_reader;

/* Reads the whole file into memory (at most 512 MiB) and detects the format.
 * An empty file is refused (BH_EMALFORMED). */
int bh_trace_open_read(const char *path, struct bh_trace_reader **out, char *err, size_t errlen);
/* Same on a memory buffer (copied); fmt BH_TRACE_AUTO detects by magic only
 * (no magic -> raw H4). For fuzzing and tests. */
int bh_trace_open_mem(const uint8_t *buf, size_t len, enum bh_trace_format fmt,
		      struct bh_trace_reader **out, char *err, size_t errlen);
/* Next HCI record: 1 and *rec, 0 at the clean end of the file, or
 * BH_EMALFORMED when the file is truncated or corrupt (then always that).
 * Frames that carry no HCI packet (PacketLogger notes, other link types,
 * bad type bytes, empty or snap-length-cut records) are skipped and counted
 * (bh_trace_problem_count). */
int bh_trace_next(struct bh_trace_reader *r, struct bh_trace_rec *rec);
enum bh_trace_format bh_trace_reader_format(const struct bh_trace_reader *r);
/* Frames seen but not returned by bh_trace_next (notes, unknown types). */
unsigned long bh_trace_skipped(const struct bh_trace_reader *r);
/* What was wrong, after BH_EMALFORMED ("btsnoop record 12: length 70000 past
 * the end of the file (at byte 4242)"). */
const char *bh_trace_error(const struct bh_trace_reader *r);

/* What can be wrong with a trace file. A record-level problem skips the
 * record (or, for TIME_BACK and SNAPLEN0, keeps it) and is counted with the
 * record number and byte offset of its first occurrence; the file-level ones
 * are bh_trace_verdict's answers when nothing usable is left. */
enum bh_trace_problem {
	BH_TRACE_P_NONE = 0,
	/* record-level: skipped */
	BH_TRACE_P_NOT_HCI,      /* frame on a non-HCI interface, PacketLogger note */
	BH_TRACE_P_BAD_TYPE,     /* H4 type byte not 0x01..0x05 */
	BH_TRACE_P_EMPTY_RECORD, /* a record of 0 bytes */
	BH_TRACE_P_CUT,          /* captured length < packet length (snap length) */
	BH_TRACE_P_SHORT,        /* LINKTYPE 201 record shorter than its direction word */
	/* record-level: kept, with a warning */
	BH_TRACE_P_TIME_BACK,    /* timestamp earlier than the previous record's */
	BH_TRACE_P_SNAPLEN0,     /* pcap header snap length 0 (read as no limit) */
	/* file-level */
	BH_TRACE_P_EMPTY_FILE,   /* 0 bytes (bh_trace_open_* refuse it) */
	BH_TRACE_P_NO_RECORDS,   /* a valid header and no record */
	BH_TRACE_P_NO_HCI_LINK,  /* pcapng: every interface has a non-HCI link type */
	BH_TRACE_P_NO_HCI,       /* records, none of them a usable HCI packet */
	BH_TRACE_P_MALFORMED,    /* bh_trace_next failed (bh_trace_error says where) */
	BH_TRACE_P_UNKNOWN_FORMAT, /* no known magic, and not raw H4 from its first byte */
	BH_TRACE_P_COUNT_
};
/* "H4 packet type byte is not 0x01-0x05". Never NULL. */
const char *bh_trace_strerror(enum bh_trace_problem p);
/* How many records had record-level problem p so far. */
unsigned long bh_trace_problem_count(const struct bh_trace_reader *r, enum bh_trace_problem p);
/* Call after bh_trace_next returned 0 or BH_EMALFORMED. BH_TRACE_P_NONE when
 * at least one HCI packet was read; msg then lists what was skipped or odd
 * ("1 record: H4 packet type byte is not 0x01-0x05 (first: record 7 at byte
 * 160)"), or is "" for a clean file. Otherwise the file-level problem, with
 * msg saying exactly what the file holds instead. msg may be NULL. */
enum bh_trace_problem bh_trace_verdict(const struct bh_trace_reader *r, char *msg, size_t len);
void bh_trace_close_read(struct bh_trace_reader *r);

/* ------------------------------------------------------------------ */
/* 4. Replay (virtual time)                                            */
/* ------------------------------------------------------------------ */
/* replay:FILE loads every record of a trace. Virtual time starts at 0 ms and
 * record times are relative to the first record. The run loop drives it:
 *
 *   while (!bh_replay_done(t)) {
 *       run the stack's timers due at bh_transport_virtual_now(t);
 *       if (bh_replay_deliver(t, stack_idle) == BH_OK) continue;
 *       next = min(stack deadline, bh_transport_next_deadline(t));
 *       if (next == BH_NEVER) break;   (nothing left to happen)
 *       bh_replay_advance(t, next);
 *   }
 *   rc = bh_replay_result(t, report, sizeof report);
 *
 * Host->controller packets the stack sends are compared, in order, with the
 * recorded host->controller records. A controller->host record is delivered
 * only once its time has come and every earlier host->controller record has
 * been matched. The first mismatch stops the replay (done becomes true).
 *
 * Fault cut (",cut=N,fault=KIND"), to test how an application handles a
 * link or controller that fails at a given step: the trace plays up to the
 * host's Nth packet, then, instead of going on:
 *   disconnect  Disconnection Complete (reason 0x08) for the newest link;
 *               with no link up, a stray one for the next link's handle,
 *               after which the trace plays on (the host must ignore it);
 *   close       the transport is lost (port.lost, BH_ETRANSPORT);
 *   hwerror     Hardware Error (code 0x01);
 *   silence     nothing more ever comes;
 *   garble      the trace plays on to the peer's next ACL packet, which
 *               comes with bit K of its payload flipped (",bit=K", counted
 *               from the first L2CAP header byte; default 32, the ATT
 *               opcode's lowest bit; its continuation fragments follow
 *               unchanged): a corruption the link layer missed, or a buggy
 *               peer. A cut with no peer ACL packet after it never fires.
 * After disconnect, hwerror and garble the controller stays and answers each
 * command with the trace's answer for its opcode (a Command Status one with
 * an error status; an unknown opcode with Unknown HCI Command) and each
 * ACL packet with Number Of Completed Packets; no peer answers (after garble
 * the link stays up: the host's Disconnect gets Disconnection Complete). Nothing is
 * compared after the cut, the replay is never "done" (the host runs into
 * its own timeouts in virtual time) and its result is BH_OK. The fault and,
 * at close, the virtual time the host took to give up are logged. */

bool bh_transport_is_virtual(const struct bh_transport *t);
bh_time_ms bh_transport_virtual_now(const struct bh_transport *t);
/* Moves the virtual clock forward (never back). BH_EINVAL if not replay. */
int bh_replay_advance(struct bh_transport *t, bh_time_ms now);
/* Delivers the next controller->host record if it is due and unblocked:
 * BH_OK (delivered one, through port.rx), BH_EBUSY (nothing deliverable
 * now), BH_ESTATE (done or failed). When the record is due but blocked by an
 * unmatched host->controller record and stack_idle is true, or when only
 * host->controller records remain and stack_idle is true, that is a
 * mismatch ("expected packet not sent"): recorded, returns BH_EPROTO. */
int bh_replay_deliver(struct bh_transport *t, bool stack_idle);
/* True when every record was played and matched, or after a failure. */
bool bh_replay_done(const struct bh_transport *t);
/* 0 when every record matched and the trace is finished; else a negative
 * bh_status (BH_EPROTO mismatch, BH_ESTATE not finished) and a report:
 * record number, expected and actual packets in hex and decoded (type,
 * opcode / event code / handle + length). report may be NULL. */
int bh_replay_result(const struct bh_transport *t, char *report, size_t len);
/* Opens a replay transport on an already-open reader (consumed). For tests.
 * This and bh_transport_open("replay:FILE") read the whole file first and
 * refuse one with nothing to replay, with bh_trace_verdict's message:
 * BH_ENOTSUP for a capture without an HCI interface or a file that is no
 * trace, else BH_EMALFORMED. Records skipped from a usable file are logged
 * once (BH_LOG_WARN, port.env) when the replay starts. */
int bh_replay_open_reader(struct bh_trace_reader *r, const char *name, struct bh_transport **out,
			  char *err, size_t errlen);

/* Describes one packet for logs and reports: "ACL handle 0x0040 len 7",
 * "EVT 0x0e Command Complete len 4 (opcode 0x0c03)", "CMD 0x0c03 len 0". */
void bh_h4_describe(uint8_t type, const uint8_t *pkt, size_t len, char *out, size_t outlen);

#endif
