/* Characteristic and packet buffers (see host_buffers.h). Plain rings: no
 * I/O, no clock except through the loop given to the wait helpers. */
#include <blehost/host_buffers.h>

#include <stdlib.h>
#include <string.h>

#define CHARBUF_MAX (16u * 1024u * 1024u)

struct bh_charbuf {
	uint8_t *ring;
	size_t cap, head, count; /* head: index of the oldest byte */
	enum bh_buf_full full;
	uint64_t dropped, refused;
	bh_status closed; /* BH_OK while open */
};

struct bh_charbuf *bh_charbuf_new(size_t capacity, enum bh_buf_full full)
{
	if (capacity == 0 || capacity > CHARBUF_MAX ||
	    (full != BH_BUF_DROP_OLDEST && full != BH_BUF_REFUSE))
		return NULL;
	struct bh_charbuf *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->ring = malloc(capacity);
	if (!b->ring) {
		free(b);
		return NULL;
	}
	b->cap = capacity;
	b->full = full;
	return b;
}

void bh_charbuf_free(struct bh_charbuf *b)
{
	if (!b)
		return;
	free(b->ring);
	free(b);
}

static void charbuf_discard(struct bh_charbuf *b, size_t n)
{
	b->head = (b->head + n) % b->cap;
	b->count -= n;
}

size_t bh_charbuf_feed(struct bh_charbuf *b, const uint8_t *data, size_t len)
{
	if (b->closed != BH_OK || len == 0)
		return 0;
	size_t room = b->cap - b->count;
	if (len > room) {
		if (b->full == BH_BUF_REFUSE) {
			b->refused += len - room;
			len = room;
		} else {
			if (len > b->cap) { /* only the newest cap bytes can stay */
				b->dropped += len - b->cap;
				data += len - b->cap;
				len = b->cap;
			}
			size_t drop = len - (b->cap - b->count);
			if (drop > b->count)
				drop = b->count;
			b->dropped += drop;
			charbuf_discard(b, drop);
		}
	}
	for (size_t i = 0; i < len; i++)
		b->ring[(b->head + b->count + i) % b->cap] = data[i];
	b->count += len;
	return len;
}

size_t bh_charbuf_in_waiting(const struct bh_charbuf *b) { return b->count; }
size_t bh_charbuf_capacity(const struct bh_charbuf *b) { return b->cap; }
uint64_t bh_charbuf_dropped(const struct bh_charbuf *b) { return b->dropped; }
uint64_t bh_charbuf_refused(const struct bh_charbuf *b) { return b->refused; }

size_t bh_charbuf_read(struct bh_charbuf *b, uint8_t *out, size_t n)
{
	if (n > b->count)
		n = b->count;
	size_t first = b->cap - b->head;
	if (first > n)
		first = n;
	memcpy(out, b->ring + b->head, first);
	memcpy(out + first, b->ring, n - first);
	charbuf_discard(b, n);
	return n;
}

size_t bh_charbuf_line_len(const struct bh_charbuf *b)
{
	for (size_t i = 0; i < b->count; i++)
		if (b->ring[(b->head + i) % b->cap] == '\n')
			return i + 1;
	return 0;
}

size_t bh_charbuf_readline(struct bh_charbuf *b, uint8_t *out, size_t cap)
{
	size_t n = bh_charbuf_line_len(b);
	if (n == 0 && (b->count == b->cap || b->closed != BH_OK))
		n = b->count;
	return bh_charbuf_read(b, out, n < cap ? n : cap);
}

void bh_charbuf_reset(struct bh_charbuf *b)
{
	b->head = 0;
	b->count = 0;
}

void bh_charbuf_close(struct bh_charbuf *b, bh_status reason)
{
	if (b->closed == BH_OK)
		b->closed = reason == BH_OK ? BH_EDISCONNECTED : reason;
}

bh_status bh_charbuf_status(const struct bh_charbuf *b) { return b->closed; }

bh_status bh_charbuf_ready(const struct bh_charbuf *b, size_t want, bool line)
{
	if (want == 0)
		want = 1;
	if (b->count == b->cap || (line ? bh_charbuf_line_len(b) > 0 : b->count >= want))
		return BH_OK;
	return b->closed != BH_OK ? b->closed : BH_EBUSY;
}

/* Runs the loop until check(arg) is not BH_EBUSY or the timeout passes. */
static bh_status wait_until(struct bh_loop *l, bh_status (*check)(const void *, size_t, bool),
			    const void *arg, size_t want, bool line, bh_time_ms timeout_ms)
{
	bh_status st = check(arg, want, line);
	if (st != BH_EBUSY || timeout_ms == 0)
		return st == BH_EBUSY ? BH_ETIMEDOUT : st;
	bh_time_ms start = bh_loop_now(l);
	for (;;) {
		bh_time_ms waited = bh_loop_now(l) - start;
		if (timeout_ms != BH_NEVER && waited >= timeout_ms)
			return BH_ETIMEDOUT;
		bh_loop_iterate(l, timeout_ms == BH_NEVER ? 1000 : timeout_ms - waited);
		st = check(arg, want, line);
		if (st != BH_EBUSY)
			return st;
	}
}

static bh_status charbuf_check(const void *b, size_t want, bool line)
{
	return bh_charbuf_ready(b, want, line);
}

bh_status bh_charbuf_wait(struct bh_loop *l, struct bh_charbuf *b, size_t want, bool line,
			  bh_time_ms timeout_ms)
{
	return wait_until(l, charbuf_check, b, want, line, timeout_ms);
}

/* ---- Packet buffer ---- */

/* A ring of fixed-size slots: slot i holds len[i] bytes at data + i * slot. */
struct pktring {
	uint8_t *data;
	uint16_t *len;
	size_t slot, n, head, count;
};

struct bh_pktbuf {
	struct pktring in, out;
	size_t in_max, out_max, in_len, out_len;
	enum bh_buf_full full;
	uint64_t dropped, refused, oversize;
	bh_status closed;
};

static int ring_init(struct pktring *r, size_t n, size_t slot)
{
	r->data = malloc(n * slot);
	r->len = calloc(n, sizeof(*r->len));
	r->slot = slot;
	r->n = n;
	return r->data && r->len ? 0 : BH_ENOMEM;
}

static uint8_t *ring_slot(const struct pktring *r, size_t i) { return r->data + i * r->slot; }

/* The slot for a new packet at the tail; the caller checked for room. */
static uint8_t *ring_push(struct pktring *r, size_t len)
{
	size_t i = (r->head + r->count) % r->n;
	r->len[i] = (uint16_t)len;
	r->count++;
	return ring_slot(r, i);
}

static void ring_pop(struct pktring *r)
{
	r->head = (r->head + 1) % r->n;
	r->count--;
}

struct bh_pktbuf *bh_pktbuf_new(size_t packets, size_t in_len, size_t out_len,
				enum bh_buf_full full)
{
	if (packets == 0 || packets > 4096 || in_len == 0 || in_len > 65535 || out_len == 0 ||
	    out_len > 65535 || (full != BH_BUF_DROP_OLDEST && full != BH_BUF_REFUSE))
		return NULL;
	struct bh_pktbuf *b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (ring_init(&b->in, packets, in_len) || ring_init(&b->out, packets, out_len)) {
		bh_pktbuf_free(b);
		return NULL;
	}
	b->in_max = b->in_len = in_len;
	b->out_max = b->out_len = out_len;
	b->full = full;
	return b;
}

void bh_pktbuf_free(struct bh_pktbuf *b)
{
	if (!b)
		return;
	free(b->in.data);
	free(b->in.len);
	free(b->out.data);
	free(b->out.len);
	free(b);
}

int bh_pktbuf_set_lengths(struct bh_pktbuf *b, size_t in_len, size_t out_len)
{
	if (in_len == 0 || out_len == 0 || in_len > b->in_max || out_len > b->out_max)
		return BH_EINVAL;
	b->in_len = in_len;
	b->out_len = out_len;
	return BH_OK;
}

size_t bh_pktbuf_in_len(const struct bh_pktbuf *b) { return b->in_len; }
size_t bh_pktbuf_out_len(const struct bh_pktbuf *b) { return b->out_len; }
size_t bh_pktbuf_in_count(const struct bh_pktbuf *b) { return b->in.count; }
size_t bh_pktbuf_out_count(const struct bh_pktbuf *b) { return b->out.count; }
uint64_t bh_pktbuf_dropped(const struct bh_pktbuf *b) { return b->dropped; }
uint64_t bh_pktbuf_refused(const struct bh_pktbuf *b) { return b->refused; }
uint64_t bh_pktbuf_oversize(const struct bh_pktbuf *b) { return b->oversize; }

int bh_pktbuf_feed(struct bh_pktbuf *b, const uint8_t *pkt, size_t len)
{
	if (b->closed != BH_OK)
		return BH_ESTATE;
	if (len > b->in_len) {
		b->oversize++;
		return BH_ENOSPACE;
	}
	if (b->in.count == b->in.n) {
		if (b->full == BH_BUF_REFUSE) {
			b->refused++;
			return BH_EBUSY;
		}
		b->dropped++;
		ring_pop(&b->in);
	}
	if (len)
		memcpy(ring_push(&b->in, len), pkt, len);
	else
		ring_push(&b->in, 0);
	return BH_OK;
}

int bh_pktbuf_readinto(struct bh_pktbuf *b, uint8_t *out, size_t cap, size_t *len)
{
	if (b->in.count == 0)
		return b->closed != BH_OK ? b->closed : BH_EBUSY;
	*len = b->in.len[b->in.head];
	if (*len > cap)
		return BH_ENOSPACE;
	memcpy(out, ring_slot(&b->in, b->in.head), *len);
	ring_pop(&b->in);
	return BH_OK;
}

int bh_pktbuf_write(struct bh_pktbuf *b, const uint8_t *header, size_t hlen,
		    const uint8_t *data, size_t len)
{
	if (b->closed != BH_OK)
		return BH_ESTATE;
	if (hlen + len > b->out_len || hlen + len < hlen)
		return BH_ENOSPACE;
	if (b->out.count == b->out.n)
		return BH_EBUSY;
	uint8_t *p = ring_push(&b->out, hlen + len);
	if (hlen)
		memcpy(p, header, hlen);
	if (len)
		memcpy(p + hlen, data, len);
	return BH_OK;
}

int bh_pktbuf_out_peek(const struct bh_pktbuf *b, const uint8_t **pkt, size_t *len)
{
	if (b->out.count == 0)
		return BH_EBUSY;
	*pkt = ring_slot(&b->out, b->out.head);
	*len = b->out.len[b->out.head];
	return BH_OK;
}

void bh_pktbuf_out_pop(struct bh_pktbuf *b)
{
	if (b->out.count)
		ring_pop(&b->out);
}

void bh_pktbuf_close(struct bh_pktbuf *b, bh_status reason)
{
	if (b->closed != BH_OK)
		return;
	b->closed = reason == BH_OK ? BH_EDISCONNECTED : reason;
	b->out.count = 0; /* nobody will send them any more */
}

bh_status bh_pktbuf_status(const struct bh_pktbuf *b) { return b->closed; }

static bh_status pktbuf_check_in(const void *arg, size_t want, bool line)
{
	(void)want;
	(void)line;
	const struct bh_pktbuf *b = arg;
	if (b->in.count)
		return BH_OK;
	return b->closed != BH_OK ? b->closed : BH_EBUSY;
}

static bh_status pktbuf_check_out(const void *arg, size_t want, bool line)
{
	(void)want;
	(void)line;
	const struct bh_pktbuf *b = arg;
	if (b->closed != BH_OK)
		return b->closed;
	return b->out.count ? BH_EBUSY : BH_OK;
}

bh_status bh_pktbuf_wait(struct bh_loop *l, struct bh_pktbuf *b, bh_time_ms timeout_ms)
{
	return wait_until(l, pktbuf_check_in, b, 0, false, timeout_ms);
}

bh_status bh_pktbuf_flush(struct bh_loop *l, struct bh_pktbuf *b, bh_time_ms timeout_ms)
{
	return wait_until(l, pktbuf_check_out, b, 0, false, timeout_ms);
}
