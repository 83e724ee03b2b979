/* blehost._core, link part: connection parameter updates, the controller's
 * advertising power, and L2CAP credit-based channels (the transport of
 * _bleio's L2CAP PacketBuffer). Same rules as _core.c: callbacks run inside
 * an entry point with the GIL held and never call back into the stack. */
#include "_core.h"

/* ---- events ---- */

void ev_conn_updated(void *ctx, uint16_t conn, bh_status st, double interval_ms,
		     uint16_t latency, unsigned timeout_ms)
{
	emit(ctx, "on_conn_updated", "(HidHI)", conn, st, interval_ms, latency, timeout_ms);
}

uint16_t ev_coc_accept(void *ctx, uint16_t conn, uint16_t spsm, uint16_t peer_mtu)
{
	/* The handler answers 0 (accept) or an L2CAP result code; no answer
	 * (an exception) refuses with "no resources" rather than accepting a
	 * channel nobody will read. */
	PyObject *r = call_handler(ctx, "on_coc_accept", "(HHH)", conn, spsm, peer_mtu);
	uint16_t res = 0x0004;
	if (r && PyLong_Check(r))
		res = (uint16_t)(PyLong_AsLong(r) & 0xffff);
	Py_XDECREF(r);
	return res;
}

void ev_coc_opened(void *ctx, uint16_t conn, uint16_t cid, uint16_t spsm, bh_status st)
{
	/* The peer's MTU (its connection request or response) bounds what we
	 * send: the side that opened the channel learns it only here. */
	HostObject *self = ctx;
	struct bh_l2cap_chan_info ci = { 0 };
	if (st || !self->h || bh_l2cap_chan_info(bh_host_l2cap(self->h), conn, cid, &ci))
		ci.peer_mtu = 0;
	emit(ctx, "on_coc_opened", "(HHHiH)", conn, cid, spsm, st, ci.peer_mtu);
}

void ev_coc_sdu(void *ctx, uint16_t conn, uint16_t cid, const uint8_t *sdu, size_t len)
{
	emit(ctx, "on_coc_sdu", "(HHy#)", conn, cid, (const char *)sdu, (Py_ssize_t)len);
}

void ev_coc_closed(void *ctx, uint16_t conn, uint16_t cid, bh_status reason)
{
	emit(ctx, "on_coc_closed", "(HHi)", conn, cid, reason);
}

void ev_coc_can_send(void *ctx, uint16_t conn, uint16_t cid)
{
	emit(ctx, "on_coc_can_send", "(HH)", conn, cid);
}

/* ---- connection parameters ---- */

static void op_status_done(void *ctx, bh_status st)
{
	struct op *o = ctx;
	HostObject *self = o->self;
	long token = o->token;
	free(o);
	emit(self, "on_op", "(liHO)", token, st, 0, Py_None);
}

/* conn_update(conn, interval_min, interval_max, latency, timeout, token):
 * intervals in 1.25 ms units, timeout in 10 ms units. on_op reports the
 * controller's LE Connection Update Complete status; on_conn_updated the
 * parameters in force. */
PyObject *Host_conn_update(HostObject *self, PyObject *args)
{
	unsigned short conn, imin, imax, latency, timeout;
	long token;
	if (!PyArg_ParseTuple(args, "HHHHHl", &conn, &imin, &imax, &latency, &timeout, &token))
		return NULL;
	ENTER(self);
	struct bh_gap_conn_params p = {
		.interval_min = imin,
		.interval_max = imax,
		.latency = latency,
		.supervision_timeout = timeout,
	};
	struct op *o = op_new(self, token);
	int rc = o ? bh_gap_conn_update(bh_host_gap(self->h), conn, &p, op_status_done, o) : 0;
	LEAVE(self);
	return op_started(o, rc);
}

/* ---- advertising power ---- */

static void adv_power_done(void *ctx, bh_status st, const uint8_t *ret, size_t len)
{
	struct op *o = ctx;
	HostObject *self = o->self;
	long token = o->token;
	free(o);
	/* Return parameters: Status, TX_Power_Level (signed dBm, 7.8.6). */
	if (st == BH_OK && (len < 2 || ret[0]))
		st = len ? BH_HCI_STATUS(ret[0]) : BH_EPROTO;
	if (st == BH_OK)
		emit(self, "on_op", "(liHi)", token, st, 0, (int)(int8_t)ret[1]);
	else
		emit(self, "on_op", "(liHO)", token, st, 0, Py_None);
}

/* adv_tx_power(token): LE Read Advertising Physical Channel Tx Power; the
 * value (dBm) arrives as on_op's value. */
PyObject *Host_adv_tx_power(HostObject *self, PyObject *args)
{
	long token;
	if (!PyArg_ParseTuple(args, "l", &token))
		return NULL;
	ENTER(self);
	struct op *o = op_new(self, token);
	int rc = o ? bh_hci_cmd(bh_host_hci(self->h), BH_HCI_LE_READ_ADV_TX_POWER, NULL, 0,
				adv_power_done, o)
		   : 0;
	LEAVE(self);
	return op_started(o, rc);
}

PyObject *Host_uses_extended(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (check_open(self))
		return NULL;
	return PyBool_FromLong(bh_gap_uses_extended(bh_host_gap(self->h)));
}

/* The advertising set a peripheral link came through (0xff: unknown, or
 * not from advertising), so a set a connection took restarts when that
 * link ends. */
PyObject *Host_conn_adv_handle(HostObject *self, PyObject *args)
{
	unsigned short conn;
	if (!PyArg_ParseTuple(args, "H", &conn) || check_open(self))
		return NULL;
	return PyLong_FromLong(bh_gap_conn_adv_handle(bh_host_gap(self->h), conn));
}

/* ---- L2CAP credit-based channels ---- */

PyObject *Host_coc_listen(HostObject *self, PyObject *args)
{
	unsigned short spsm;
	if (!PyArg_ParseTuple(args, "H", &spsm))
		return NULL;
	ENTER(self);
	int rc = bh_host_coc_listen(self->h, spsm);
	LEAVE(self);
	return none_or_raise(rc);
}

/* coc_connect(conn, spsm) -> cid; on_coc_opened follows. */
PyObject *Host_coc_connect(HostObject *self, PyObject *args)
{
	unsigned short conn, spsm;
	if (!PyArg_ParseTuple(args, "HH", &conn, &spsm))
		return NULL;
	ENTER(self);
	uint16_t cid = 0;
	int rc = bh_host_coc_connect(self->h, conn, spsm, &cid);
	LEAVE(self);
	if (rc)
		return raise_status(rc);
	return PyLong_FromLong(cid);
}

/* coc_send(conn, cid, sdu) -> 0 or BH_EBUSY (wait for on_coc_can_send). */
PyObject *Host_coc_send(HostObject *self, PyObject *args)
{
	unsigned short conn, cid;
	Py_buffer d;
	if (!PyArg_ParseTuple(args, "HHy*", &conn, &cid, &d))
		return NULL;
	if (check_open(self)) {
		PyBuffer_Release(&d);
		return NULL;
	}
	self->busy = 1;
	int rc = bh_host_coc_send(self->h, conn, cid, d.buf, (size_t)d.len);
	LEAVE(self);
	PyBuffer_Release(&d);
	if (rc && rc != BH_EBUSY)
		return raise_status(rc);
	return PyLong_FromLong(rc);
}

PyObject *Host_coc_close(HostObject *self, PyObject *args)
{
	unsigned short conn, cid;
	if (!PyArg_ParseTuple(args, "HH", &conn, &cid))
		return NULL;
	ENTER(self);
	int rc = bh_host_coc_close(self->h, conn, cid);
	LEAVE(self);
	return none_or_raise(rc);
}
