/* Characteristic buffers and packet buffers: what a program reading a
 * stream of notifications (or a peer's writes) wants instead of a callback.
 *
 * Both are sans-I/O: the application feeds them from its host events
 * (events.notification, a GATT server write handler, events.coc_sdu) and
 * closes them from events.disconnected. Reading never blocks; the *_wait
 * helpers run a bh_loop until the buffer is ready, a timeout passes, or it
 * is closed. Time comes from the loop's clock (virtual in tests).
 *
 * Not thread-safe: one thread (the loop's) uses a buffer, or the caller
 * locks around every call (the Python _bleio binding does).
 *
 * Full behaviour, chosen at creation and counted:
 *  - BH_BUF_DROP_OLDEST: the oldest unread bytes/packets make room for the
 *    new ones (a reader that falls behind sees the newest data; dropped()
 *    counts what was lost). This is CircuitPython's behaviour.
 *  - BH_BUF_REFUSE: new data that does not fit is refused whole (a packet)
 *    or cut (the bytes past the free space of a character buffer);
 *    refused() counts it. Nothing already buffered is lost.
 */
#ifndef BH_HOST_BUFFERS_H
#define BH_HOST_BUFFERS_H

#include <blehost/bh_err.h>
#include <blehost/loop.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum bh_buf_full {
	BH_BUF_DROP_OLDEST = 0,
	BH_BUF_REFUSE = 1,
};

/* ---- Characteristic buffer: a bounded byte stream ---- */
struct bh_charbuf;

/* capacity: bytes held at most (1..16 MiB). NULL on bad arguments or no memory. */
struct bh_charbuf *bh_charbuf_new(size_t capacity, enum bh_buf_full full);
void bh_charbuf_free(struct bh_charbuf *b);

/* Appends a value as it arrived. Returns the number of bytes stored (less
 * than len only under BH_BUF_REFUSE, or when len exceeds the capacity under
 * DROP_OLDEST: then the newest capacity bytes are kept). Ignored once closed. */
size_t bh_charbuf_feed(struct bh_charbuf *b, const uint8_t *data, size_t len);

size_t bh_charbuf_in_waiting(const struct bh_charbuf *b);
size_t bh_charbuf_capacity(const struct bh_charbuf *b);
/* Bytes lost to DROP_OLDEST / refused under REFUSE since creation. */
uint64_t bh_charbuf_dropped(const struct bh_charbuf *b);
uint64_t bh_charbuf_refused(const struct bh_charbuf *b);

/* Moves up to n buffered bytes to out; returns how many (0 when empty). */
size_t bh_charbuf_read(struct bh_charbuf *b, uint8_t *out, size_t n);
/* Length of the first line including its '\n', or 0 if no complete line is
 * buffered. */
size_t bh_charbuf_line_len(const struct bh_charbuf *b);
/* Reads the first line (up to and including '\n'; at most cap bytes). With
 * no complete line it reads what is buffered when the buffer is full or
 * closed (a line longer than the buffer can never complete), else 0. */
size_t bh_charbuf_readline(struct bh_charbuf *b, uint8_t *out, size_t cap);
/* Discards every unread byte (reset_input_buffer). */
void bh_charbuf_reset(struct bh_charbuf *b);

/* The source went away (disconnect, unsubscribe, deinit): readers that wait
 * wake up; buffered bytes stay readable. reason is kept for status(). */
void bh_charbuf_close(struct bh_charbuf *b, bh_status reason);
/* BH_OK while open, else the close reason (BH_EDISCONNECTED typically). */
bh_status bh_charbuf_status(const struct bh_charbuf *b);

/* Whether a reader waiting for `want` bytes (0 counts as 1; line: for a whole line) may
 * go on: BH_OK (enough data, or a line, or the buffer is full), BH_EBUSY
 * (not yet), or the close reason (closed; read what is left). */
bh_status bh_charbuf_ready(const struct bh_charbuf *b, size_t want, bool line);

/* Runs the loop until bh_charbuf_ready() is not BH_EBUSY or timeout_ms
 * passes (BH_NEVER: no limit; 0: just check). Returns BH_OK, BH_ETIMEDOUT,
 * or the close reason. Whatever the result, read what is buffered. */
bh_status bh_charbuf_wait(struct bh_loop *l, struct bh_charbuf *b, size_t want, bool line,
			  bh_time_ms timeout_ms);

/* ---- Packet buffer: whole packets both ways ---- */
struct bh_pktbuf;

/* packets: how many packets each direction holds (1..4096); in_len /
 * out_len: the longest packet accepted each way (1..65535; the negotiated
 * ATT MTU - 3 for notifications and writes, the channel's MTU for L2CAP). */
struct bh_pktbuf *bh_pktbuf_new(size_t packets, size_t in_len, size_t out_len,
				enum bh_buf_full full);
void bh_pktbuf_free(struct bh_pktbuf *b);

/* Negotiated lengths change (ATT MTU exchange): packets already buffered
 * keep their length; new ones are checked against these. Lengths above the
 * ones given to bh_pktbuf_new are BH_EINVAL. */
int bh_pktbuf_set_lengths(struct bh_pktbuf *b, size_t in_len, size_t out_len);
size_t bh_pktbuf_in_len(const struct bh_pktbuf *b);
size_t bh_pktbuf_out_len(const struct bh_pktbuf *b);

/* An incoming packet. BH_OK; BH_ENOSPACE if longer than in_len (counted in
 * oversize(), never cut); BH_EBUSY when full under REFUSE (refused());
 * BH_ESTATE when closed. Under DROP_OLDEST the oldest packet goes
 * (dropped()). */
int bh_pktbuf_feed(struct bh_pktbuf *b, const uint8_t *pkt, size_t len);
size_t bh_pktbuf_in_count(const struct bh_pktbuf *b);
uint64_t bh_pktbuf_dropped(const struct bh_pktbuf *b);
uint64_t bh_pktbuf_refused(const struct bh_pktbuf *b);
uint64_t bh_pktbuf_oversize(const struct bh_pktbuf *b);

/* Reads the oldest packet whole. BH_OK with *len; BH_EBUSY when empty
 * (or the close reason once closed and empty); BH_ENOSPACE when cap is
 * smaller than the packet (*len = its length; the packet stays). */
int bh_pktbuf_readinto(struct bh_pktbuf *b, uint8_t *out, size_t cap, size_t *len);

/* Queues one outgoing packet made of header (if any) then data. BH_OK;
 * BH_ENOSPACE if hlen + len > out_len; BH_EBUSY if the outgoing queue is
 * full (send some first: never dropped); BH_ESTATE when closed. */
int bh_pktbuf_write(struct bh_pktbuf *b, const uint8_t *header, size_t hlen,
		    const uint8_t *data, size_t len);
size_t bh_pktbuf_out_count(const struct bh_pktbuf *b);
/* The next packet to send (valid until the next pop/write/free), or
 * BH_EBUSY if none. The sender pops it once the stack took it (a
 * notification/Write Command/SDU accepted; BH_EBUSY means try again at
 * can_send). can_send and coc_can_send may fire from inside the send call
 * itself: a sender called from them must not peek again before it popped
 * (tests/live/live_buffers.c's coc_pump shows the pattern). */
int bh_pktbuf_out_peek(const struct bh_pktbuf *b, const uint8_t **pkt, size_t *len);
void bh_pktbuf_out_pop(struct bh_pktbuf *b);

void bh_pktbuf_close(struct bh_pktbuf *b, bh_status reason);
bh_status bh_pktbuf_status(const struct bh_pktbuf *b);

/* Runs the loop until a packet is buffered (BH_OK), timeout_ms passes
 * (BH_ETIMEDOUT) or the buffer is closed and empty (the close reason). */
bh_status bh_pktbuf_wait(struct bh_loop *l, struct bh_pktbuf *b, bh_time_ms timeout_ms);
/* Runs the loop until the outgoing queue is empty (BH_OK), the timeout
 * passes or the buffer is closed (unsent packets are then discarded). */
bh_status bh_pktbuf_flush(struct bh_loop *l, struct bh_pktbuf *b, bh_time_ms timeout_ms);

#endif
