/* blehost._core: a thin CPython binding of the host's asynchronous API.
 *
 * One Python object wraps one struct bh_host. Python drives its loop from
 * asyncio (fds(), next_deadline(), process()); every host event and every
 * operation completion is handed to one Python "handler" object as a method
 * call (on_connected, on_op, ...). No logic lives here: the handler (Python,
 * blehost/_host.py) decides what events mean.
 *
 * Threading: every entry point runs on the thread that holds the GIL and
 * calls process(); the C stack only calls back from inside those entry
 * points, so callbacks run Python with the GIL already held. The GIL is
 * never released (no call here blocks: process() polls with timeout 0).
 *
 * Re-entrancy: while a call is inside the C stack, `busy` is set and any
 * other entry point raises RuntimeError instead of re-entering the stack
 * from a callback (the handler queues work instead). An exception raised by
 * the handler is reported with PyErr_WriteUnraisable; the stack carries on.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <blehost/blehost.h>
#include <blehost/host_pairing.h>

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "_core.h"

PyObject *CoreError; /* blehost._core.Error(status, message) */

/* ---- helpers ---- */

PyObject *raise_status(int st)
{
	PyObject *args = Py_BuildValue("(is)", st, bh_strerror(st));
	if (args) {
		PyErr_SetObject(CoreError, args);
		Py_DECREF(args);
	}
	return NULL;
}

PyObject *none_or_raise(int st)
{
	if (st)
		return raise_status(st);
	Py_RETURN_NONE;
}

int check_open(HostObject *self)
{
	if (!self->h) {
		PyErr_SetString(PyExc_RuntimeError, "blehost host is closed");
		return -1;
	}
	if (self->busy) {
		PyErr_SetString(PyExc_RuntimeError,
				"blehost re-entered from a callback: queue the call instead");
		return -1;
	}
	return 0;
}


/* Calls handler.<name>(*args) and returns its result (new reference), or
 * NULL after reporting the handler's exception (never propagated). */
PyObject *call_handler(HostObject *self, const char *name, const char *fmt, ...)
{
	if (!self->handler)
		return NULL;
	va_list ap;
	va_start(ap, fmt);
	PyObject *args = Py_VaBuildValue(fmt, ap);
	va_end(ap);
	PyObject *r = NULL;
	if (args) {
		PyObject *m = PyObject_GetAttrString(self->handler, name);
		if (m) {
			r = PyObject_CallObject(m, args);
			Py_DECREF(m);
		}
		Py_DECREF(args);
	}
	if (!r)
		PyErr_WriteUnraisable(self->handler);
	return r;
}


static const char *addr_str(const bh_addr *a, char buf[BH_ADDR_STRLEN])
{
	return bh_addr_str_bare(a, buf);
}

static int parse_addr(const char *s, int type, bh_addr *out)
{
	if (bh_addr_parse(s, out)) {
		PyErr_Format(PyExc_ValueError, "bad Bluetooth address '%s'", s);
		return -1;
	}
	if (type >= 0)
		out->type = (uint8_t)type;
	return 0;
}

/* ---- host events ---- */

static void ev_ready(void *ctx, bh_status st) { emit(ctx, "on_ready", "(i)", st); }
static void ev_fatal(void *ctx, bh_status st) { emit(ctx, "on_fatal", "(i)", st); }

static void ev_connected(void *ctx, uint16_t conn, bool central, const bh_addr *peer)
{
	char a[BH_ADDR_STRLEN];
	emit(ctx, "on_connected", "(HOsi)", conn, central ? Py_True : Py_False, addr_str(peer, a),
	     peer->type);
}

static void ev_disconnected(void *ctx, uint16_t conn, uint8_t reason)
{
	emit(ctx, "on_disconnected", "(HB)", conn, reason);
}

static void ev_encryption(void *ctx, uint16_t conn, bh_status st, bool enabled)
{
	HostObject *self = ctx;
	emit(ctx, "on_encryption", "(HiOO)", conn, st, enabled ? Py_True : Py_False,
	     self->h && bh_host_pairing_active(self->h, conn) ? Py_True : Py_False);
}

static void ev_pairing(void *ctx, uint16_t conn, bh_status st, bool bonded)
{
	emit(ctx, "on_pairing", "(HiO)", conn, st, bonded ? Py_True : Py_False);
}

static void ev_passkey_display(void *ctx, uint16_t conn, uint32_t passkey)
{
	emit(ctx, "on_passkey_display", "(Hk)", conn, (unsigned long)passkey);
}

static void ev_passkey_request(void *ctx, uint16_t conn)
{
	emit(ctx, "on_passkey_request", "(H)", conn);
}

static void ev_confirm(void *ctx, uint16_t conn, uint32_t number)
{
	emit(ctx, "on_confirm_number", "(Hk)", conn, (unsigned long)number);
}

static void ev_notification(void *ctx, uint16_t conn, uint16_t attr, const uint8_t *v, size_t len,
			    bool ind)
{
	emit(ctx, "on_notification", "(HHy#O)", conn, attr, (const char *)v, (Py_ssize_t)len,
	     ind ? Py_True : Py_False);
}

static void ev_can_send(void *ctx, uint16_t conn) { emit(ctx, "on_can_send", "(H)", conn); }

static void ev_log(void *ctx, enum bh_log_level lvl, const char *layer, const char *msg)
{
	emit(ctx, "on_log", "(iss)", (int)lvl, layer, msg);
}

/* ---- operations: a token the handler knows, carried as the C ctx ---- */

struct op *op_new(HostObject *self, long token)
{
	struct op *o = malloc(sizeof(*o));
	if (!o) {
		PyErr_NoMemory();
		return NULL;
	}
	o->self = self;
	o->token = token;
	return o;
}

/* After starting an operation: its op was not made (exception set), or the
 * start failed (the callback will never run: free the op), or it runs. */
PyObject *op_started(struct op *o, int rc)
{
	if (!o)
		return NULL;
	if (rc) {
		free(o);
		return raise_status(rc);
	}
	Py_RETURN_NONE;
}

static void op_gattc_done(void *ctx, bh_status st, const struct bh_gattc_result *res)
{
	struct op *o = ctx;
	HostObject *self = o->self;
	long token = o->token;
	free(o);
	if (st == BH_OK && res && res->value)
		emit(self, "on_op", "(liHy#)", token, st, res->handle, (const char *)res->value,
		     (Py_ssize_t)res->len);
	else
		emit(self, "on_op", "(liHO)", token, st, res ? res->handle : 0, Py_None);
}

static void op_connect_done(void *ctx, bh_status st, const struct bh_gap_conn *conn)
{
	struct op *o = ctx;
	HostObject *self = o->self;
	long token = o->token;
	free(o);
	emit(self, "on_op", "(liHO)", token, st, conn ? conn->handle : 0, Py_None);
}

static void op_adv_done(void *ctx, bh_status st)
{
	struct op *o = ctx;
	HostObject *self = o->self;
	long token = o->token;
	free(o);
	emit(self, "on_op", "(liHO)", token, st, 0, Py_None);
}

/* ---- scanning ---- */

static void scan_device(void *ctx, const struct bh_gap_device *d)
{
	char a[BH_ADDR_STRLEN];
	emit(ctx, "on_device", "(siiiOy#y#)", addr_str(&d->addr, a), d->addr.type, d->rssi,
	     d->tx_power, d->connectable ? Py_True : Py_False, (const char *)d->adv_data,
	     (Py_ssize_t)d->adv_len, (const char *)(d->rsp_data ? d->rsp_data : (const uint8_t *)""),
	     (Py_ssize_t)(d->rsp_data ? d->rsp_len : 0));
}

static void scan_done(void *ctx, bh_status st) { emit(ctx, "on_scan_done", "(i)", st); }

/* ---- the type ---- */

static void host_close_(HostObject *self)
{
	if (self->h) {
		struct bh_host *h = self->h;
		/* Pending operations complete (BH_ERESET) into the handler now. */
		self->busy = 1;
		bh_host_free(h);
		self->h = NULL;
		self->busy = 0;
	}
}

static void Host_dealloc(HostObject *self)
{
	PyObject_GC_UnTrack(self);
	host_close_(self);
	Py_CLEAR(self->handler);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static int Host_traverse(HostObject *self, visitproc visit, void *arg)
{
	Py_VISIT(self->handler);
	return 0;
}

static int Host_clear(HostObject *self)
{
	Py_CLEAR(self->handler);
	return 0;
}

static int Host_init(HostObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "handler", "transport", "store_dir", "io_cap", "mitm",
				  "bondable", "auto_security", "sc_only", "legacy_only",
				  "log_level", "seed", "trace", "random_address", NULL };
	PyObject *handler;
	const char *transport = NULL, *store_dir = NULL, *trace = NULL;
	int io_cap = BH_IO_NO_INPUT_NO_OUTPUT, mitm = 0, bondable = 1, auto_sec = 1;
	int sc_only = 0, legacy_only = 0, log_level = BH_LOG_WARN, random_address = 0;
	PyObject *seed = Py_None;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "O|zzipppppiOzp", kwlist, &handler, &transport,
					 &store_dir, &io_cap, &mitm, &bondable, &auto_sec,
					 &sc_only, &legacy_only, &log_level, &seed, &trace,
					 &random_address))
		return -1;
	if (self->h) {
		PyErr_SetString(PyExc_RuntimeError, "already initialised");
		return -1;
	}
	struct bh_host_config cfg;
	bh_host_config_default(&cfg);
	cfg.transport = transport;
	cfg.store_dir = store_dir;
	cfg.trace_path = trace;
	cfg.io_cap = (uint8_t)io_cap;
	cfg.mitm = mitm;
	cfg.bondable = bondable;
	cfg.auto_security = auto_sec;
	cfg.sc_only = sc_only;
	cfg.legacy_only = legacy_only;
	cfg.log_level = (enum bh_log_level)log_level;
	cfg.use_random_address = random_address;
	if (seed != Py_None) {
		cfg.seeded = true;
		cfg.seed = PyLong_AsUnsignedLongLongMask(seed);
		if (PyErr_Occurred())
			return -1;
	}
	struct bh_host_events ev = {
		.ctx = self,
		.ready = ev_ready,
		.fatal = ev_fatal,
		.connected = ev_connected,
		.disconnected = ev_disconnected,
		.encryption_changed = ev_encryption,
		.pairing_complete = ev_pairing,
		.passkey_display = ev_passkey_display,
		.passkey_request = ev_passkey_request,
		.confirm_number = ev_confirm,
		.notification = ev_notification,
		.can_send = ev_can_send,
		.subscription = ev_subscription,
		.indication_done = ev_indication_done,
		.log = ev_log,
		.conn_updated = ev_conn_updated,
		.coc_accept = ev_coc_accept,
		.coc_opened = ev_coc_opened,
		.coc_sdu = ev_coc_sdu,
		.coc_closed = ev_coc_closed,
		.coc_can_send = ev_coc_can_send,
	};
	Py_INCREF(handler);
	Py_XSETREF(self->handler, handler);
	char err[256] = "";
	self->busy = 1;
	self->h = bh_host_new(&cfg, &ev, err, sizeof(err));
	self->busy = 0;
	if (!self->h) {
		PyErr_Format(PyExc_OSError, "blehost: %s", err[0] ? err : "cannot create the host");
		return -1;
	}
	return 0;
}

static PyObject *Host_close(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (self->busy) {
		PyErr_SetString(PyExc_RuntimeError, "blehost: close() from inside a callback");
		return NULL;
	}
	host_close_(self);
	Py_RETURN_NONE;
}

static PyObject *Host_start(HostObject *self, PyObject *Py_UNUSED(unused))
{
	ENTER(self);
	int rc = bh_host_start(self->h);
	LEAVE(self);
	return none_or_raise(rc);
}

/* [(fd, events)]: what to watch (POLLIN / POLLOUT bits). */
static PyObject *Host_fds(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (check_open(self))
		return NULL;
	struct pollfd fds[64];
	int n = bh_loop_pollfds(bh_host_loop(self->h), fds, 64);
	PyObject *l = PyList_New(n);
	for (int i = 0; l && i < n; i++)
		PyList_SET_ITEM(l, i, Py_BuildValue("(ii)", fds[i].fd, fds[i].events));
	return l;
}

/* The loop's next deadline in seconds on CLOCK_MONOTONIC (asyncio's
 * loop.time() on Linux), or None. */
static PyObject *Host_next_deadline(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (check_open(self))
		return NULL;
	bh_time_ms d = bh_loop_next_deadline(bh_host_loop(self->h));
	if (d == BH_NEVER)
		Py_RETURN_NONE;
	return PyFloat_FromDouble((double)d / 1000.0);
}

/* One non-blocking iteration: poll the fds with timeout 0, then dispatch
 * fds, due timers, sources and posted work. */
static PyObject *Host_process(HostObject *self, PyObject *Py_UNUSED(unused))
{
	ENTER(self);
	struct bh_loop *l = bh_host_loop(self->h);
	struct pollfd fds[64];
	int n = bh_loop_pollfds(l, fds, 64);
	if (poll(fds, (nfds_t)n, 0) < 0)
		for (int i = 0; i < n; i++)
			fds[i].revents = 0;
	bh_loop_dispatch(l, fds, n);
	LEAVE(self);
	if (PyErr_Occurred())
		return NULL;
	Py_RETURN_NONE;
}

static PyObject *Host_own_address(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (check_open(self))
		return NULL;
	char a[BH_ADDR_STRLEN];
	bh_addr own = bh_gap_own_address(bh_host_gap(self->h));
	return Py_BuildValue("(si)", addr_str(&own, a), own.type);
}

static PyObject *Host_scan_start(HostObject *self, PyObject *args)
{
	int active, all_reports;
	unsigned short interval = 0, window = 0; /* 0.625 ms units; 0 = GAP's default */
	if (!PyArg_ParseTuple(args, "pp|HH", &active, &all_reports, &interval, &window))
		return NULL;
	ENTER(self);
	struct bh_gap_scan_params p = {
		.active = active,
		.all_reports = all_reports,
		.interval = interval,
		.window = window,
		.on_device = scan_device,
		.on_done = scan_done,
		.ctx = self,
	};
	int rc = bh_gap_scan_start(bh_host_gap(self->h), &p);
	LEAVE(self);
	return none_or_raise(rc);
}

/* A GAP call that takes only the GAP object. */
static PyObject *gap_call(HostObject *self, int (*fn)(struct bh_gap *))
{
	ENTER(self);
	int rc = fn(bh_host_gap(self->h));
	LEAVE(self);
	return none_or_raise(rc);
}

static PyObject *Host_scan_stop(HostObject *self, PyObject *Py_UNUSED(unused))
{
	return gap_call(self, bh_gap_scan_stop);
}

static PyObject *Host_scanning(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (check_open(self))
		return NULL;
	return PyBool_FromLong(bh_gap_scanning(bh_host_gap(self->h)));
}

/* connect(addr, addr_type, timeout_ms, token) */
static PyObject *Host_connect(HostObject *self, PyObject *args)
{
	const char *s;
	int type;
	unsigned timeout_ms;
	long token;
	if (!PyArg_ParseTuple(args, "siIl", &s, &type, &timeout_ms, &token))
		return NULL;
	bh_addr a;
	if (parse_addr(s, type, &a))
		return NULL;
	ENTER(self);
	struct op *o = op_new(self, token);
	int rc = o ? bh_gap_connect(bh_host_gap(self->h), &a, NULL, timeout_ms, op_connect_done, o)
		   : BH_ENOMEM;
	LEAVE(self);
	return op_started(o, rc);
}

static PyObject *Host_connect_cancel(HostObject *self, PyObject *Py_UNUSED(unused))
{
	return gap_call(self, bh_gap_connect_cancel);
}

static PyObject *Host_disconnect(HostObject *self, PyObject *args)
{
	unsigned short conn;
	unsigned char reason = 0x13;
	if (!PyArg_ParseTuple(args, "H|b", &conn, &reason))
		return NULL;
	ENTER(self);
	int rc = bh_gap_disconnect(bh_host_gap(self->h), conn, reason);
	LEAVE(self);
	return none_or_raise(rc);
}

/* ---- GATT client ---- */

/* The connection's GATT client, or NULL with Error(BH_ENOTFOUND) set. */
static struct bh_gattc *gattc_of(HostObject *self, uint16_t conn)
{
	struct bh_gattc *c = bh_host_gattc(self->h, conn);
	if (!c)
		raise_status(BH_ENOTFOUND);
	return c;
}

enum gop { GOP_DISCOVER, GOP_READ, GOP_WRITE, GOP_MTU, GOP_SUB, GOP_UNSUB };

static void ignore_notify(void *ctx, uint16_t vh, const uint8_t *v, size_t len, bool ind)
{
	/* Delivery goes through the host's notification event (ev_notification). */
	(void)ctx, (void)vh, (void)v, (void)len, (void)ind;
}

static PyObject *gattc_op(HostObject *self, enum gop kind, uint16_t conn, uint16_t attr,
			  const uint8_t *data, size_t len, unsigned arg, long token)
{
	ENTER(self);
	struct bh_gattc *c = gattc_of(self, conn);
	struct op *o = c ? op_new(self, token) : NULL;
	int rc = BH_OK;
	if (o) {
		switch (kind) {
		case GOP_DISCOVER:
			/* A bonded peer's tree came with its bond: check it, don't redo it. */
			rc = bh_gattc_service_count(c)
				     ? bh_gattc_validate_cache(c, BH_GATTC_DISC_INCLUDES,
							       op_gattc_done, o)
				     : bh_gattc_discover(c, NULL, 0, BH_GATTC_DISC_INCLUDES,
							 op_gattc_done, o);
			break;
		case GOP_READ: rc = bh_gattc_read_long(c, attr, op_gattc_done, o); break;
		case GOP_WRITE: rc = bh_gattc_write(c, attr, data, len, op_gattc_done, o); break;
		case GOP_MTU: rc = bh_gattc_exchange_mtu(c, (uint16_t)arg, op_gattc_done, o); break;
		case GOP_SUB:
			rc = bh_gattc_subscribe(c, attr, (uint16_t)arg, ignore_notify, NULL,
						op_gattc_done, o);
			break;
		case GOP_UNSUB: rc = bh_gattc_unsubscribe(c, attr, op_gattc_done, o); break;
		}
	}
	LEAVE(self);
	return op_started(o, rc);
}

static PyObject *Host_discover(HostObject *self, PyObject *args)
{
	unsigned short conn;
	long token;
	if (!PyArg_ParseTuple(args, "Hl", &conn, &token))
		return NULL;
	return gattc_op(self, GOP_DISCOVER, conn, 0, NULL, 0, 0, token);
}

/* read / exchange_mtu / unsubscribe: (conn, one 16-bit argument, token). */
static PyObject *gattc_op_h(HostObject *self, PyObject *args, enum gop kind)
{
	unsigned short conn, v;
	long token;
	if (!PyArg_ParseTuple(args, "HHl", &conn, &v, &token))
		return NULL;
	bool is_attr = kind != GOP_MTU;
	return gattc_op(self, kind, conn, is_attr ? v : 0, NULL, 0, is_attr ? 0 : v, token);
}

static PyObject *Host_read(HostObject *self, PyObject *args)
{
	return gattc_op_h(self, args, GOP_READ);
}

static PyObject *Host_write(HostObject *self, PyObject *args)
{
	unsigned short conn, attr;
	Py_buffer b;
	long token;
	if (!PyArg_ParseTuple(args, "HHy*l", &conn, &attr, &b, &token))
		return NULL;
	PyObject *r = gattc_op(self, GOP_WRITE, conn, attr, b.buf, (size_t)b.len, 0, token);
	PyBuffer_Release(&b);
	return r;
}

static PyObject *Host_exchange_mtu(HostObject *self, PyObject *args)
{
	return gattc_op_h(self, args, GOP_MTU);
}

static PyObject *Host_subscribe(HostObject *self, PyObject *args)
{
	unsigned short conn, vh, what;
	long token;
	if (!PyArg_ParseTuple(args, "HHHl", &conn, &vh, &what, &token))
		return NULL;
	return gattc_op(self, GOP_SUB, conn, vh, NULL, 0, what, token);
}

static PyObject *Host_unsubscribe(HostObject *self, PyObject *args)
{
	return gattc_op_h(self, args, GOP_UNSUB);
}

/* write_cmd(conn, attr, data) -> 0 or BH_EBUSY (wait for on_can_send);
 * other errors raise. */
static PyObject *Host_write_cmd(HostObject *self, PyObject *args)
{
	unsigned short conn, attr;
	Py_buffer b;
	if (!PyArg_ParseTuple(args, "HHy*", &conn, &attr, &b))
		return NULL;
	if (check_open(self)) {
		PyBuffer_Release(&b);
		return NULL;
	}
	self->busy = 1;
	struct bh_gattc *c = gattc_of(self, conn);
	int rc = c ? bh_gattc_write_cmd(c, attr, b.buf, (size_t)b.len) : BH_ENOTFOUND;
	LEAVE(self);
	PyBuffer_Release(&b);
	if (!c)
		return NULL;
	if (rc && rc != BH_EBUSY)
		return raise_status(rc);
	return PyLong_FromLong(rc);
}

/* Methods that only read state of one connection: (conn,). */
static int conn_arg(HostObject *self, PyObject *args, unsigned short *conn)
{
	if (!PyArg_ParseTuple(args, "H", conn))
		return -1;
	return check_open(self);
}

static PyObject *Host_mtu(HostObject *self, PyObject *args)
{
	unsigned short conn;
	if (conn_arg(self, args, &conn))
		return NULL;
	struct bh_gattc *c = gattc_of(self, conn);
	return c ? PyLong_FromLong(bh_gattc_mtu(c)) : NULL;
}

static PyObject *uuid_obj(const bh_uuid *u)
{
	char s[BH_UUID_STRLEN];
	uint8_t v[16];
	bh_uuid_to128(u, v);
	bh_uuid full = { 16, { 0 } };
	memcpy(full.val, v, 16);
	return PyUnicode_FromString(bh_uuid_str(&full, s));
}

/* The discovered tree: [(start, end, uuid, primary, [(decl, value, end,
 * props, uuid, [(handle, uuid)])])], UUIDs as 128-bit lowercase strings. */
static PyObject *Host_services(HostObject *self, PyObject *args)
{
	unsigned short conn;
	if (conn_arg(self, args, &conn))
		return NULL;
	struct bh_gattc *c = gattc_of(self, conn);
	if (!c)
		return NULL;
	unsigned ns = bh_gattc_service_count(c);
	PyObject *out = PyList_New(0);
	for (unsigned i = 0; out && i < ns; i++) {
		const struct bh_gattc_service *s = bh_gattc_service_at(c, i);
		PyObject *chrs = PyList_New(0);
		for (unsigned j = 0; chrs && j < s->n_chrs; j++) {
			const struct bh_gattc_chr *ch = bh_gattc_chr_at(c, s->first_chr + j);
			PyObject *descs = PyList_New(0);
			for (unsigned k = 0; descs && ch && k < ch->n_descs; k++) {
				const struct bh_gattc_desc *d = bh_gattc_desc_at(c, ch->first_desc + k);
				PyObject *t = d ? Py_BuildValue("(HN)", d->handle, uuid_obj(&d->uuid)) : NULL;
				if (!t || PyList_Append(descs, t))
					Py_CLEAR(descs);
				Py_XDECREF(t);
			}
			PyObject *t = descs && ch ? Py_BuildValue("(HHHBNN)", ch->decl_handle,
								   ch->value_handle, ch->end_handle,
								   ch->props, uuid_obj(&ch->uuid), descs)
						  : NULL;
			if (!t || PyList_Append(chrs, t))
				Py_CLEAR(chrs);
			Py_XDECREF(t);
		}
		PyObject *t = chrs ? Py_BuildValue("(HHNON)", s->start, s->end, uuid_obj(&s->uuid),
						   s->primary ? Py_True : Py_False, chrs)
				   : NULL;
		if (!t || PyList_Append(out, t))
			Py_CLEAR(out);
		Py_XDECREF(t);
	}
	return out;
}

/* ---- security ---- */

/* pair(conn, level) -> True when the link already had that level (no event
 * follows), False when pairing or encryption started (on_pairing or
 * on_encryption follows). */
static PyObject *Host_pair(HostObject *self, PyObject *args)
{
	unsigned short conn;
	int level;
	if (!PyArg_ParseTuple(args, "Hi", &conn, &level))
		return NULL;
	ENTER(self);
	struct bh_smp *smp = bh_host_smp(self->h);
	int rc = smp ? bh_smp_request_security(smp, conn, (enum bh_sec_level)level) : BH_ESTATE;
	struct bh_security s = smp ? bh_smp_security(smp, conn) : (struct bh_security){ 0 };
	LEAVE(self);
	if (rc)
		return raise_status(rc);
	return PyBool_FromLong((int)s.level >= level);
}

static PyObject *Host_security(HostObject *self, PyObject *args)
{
	unsigned short conn;
	if (conn_arg(self, args, &conn))
		return NULL;
	struct bh_smp *smp = bh_host_smp(self->h);
	struct bh_security s = smp ? bh_smp_security(smp, conn) : (struct bh_security){ 0 };
	return Py_BuildValue("(iiOO)", (int)s.level, s.key_size, s.sc ? Py_True : Py_False,
			     s.bonded ? Py_True : Py_False);
}

static PyObject *Host_passkey_reply(HostObject *self, PyObject *args)
{
	unsigned short conn;
	int accept;
	unsigned long passkey;
	if (!PyArg_ParseTuple(args, "Hpk", &conn, &accept, &passkey))
		return NULL;
	ENTER(self);
	int rc = bh_host_passkey_reply(self->h, conn, accept, (uint32_t)passkey);
	LEAVE(self);
	return none_or_raise(rc);
}

static PyObject *Host_confirm_reply(HostObject *self, PyObject *args)
{
	unsigned short conn;
	int accept;
	if (!PyArg_ParseTuple(args, "Hp", &conn, &accept))
		return NULL;
	ENTER(self);
	int rc = bh_host_confirm_reply(self->h, conn, accept);
	LEAVE(self);
	return none_or_raise(rc);
}

/* bond_delete(addr, type) / bond_delete(None): one bond / all of them. */
static PyObject *Host_bond_delete(HostObject *self, PyObject *args)
{
	const char *s = NULL;
	int type = -1;
	if (!PyArg_ParseTuple(args, "z|i", &s, &type))
		return NULL;
	bh_addr a;
	if (s && parse_addr(s, type, &a))
		return NULL;
	ENTER(self);
	int rc = s ? bh_host_bond_delete(self->h, &a) : bh_host_bonds_clear(self->h);
	LEAVE(self);
	return none_or_raise(rc);
}

/* ---- advertising (test peers and simple broadcasters) ---- */

static PyObject *Host_adv_start(HostObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "ad", "scan_rsp", "connectable", "interval_ms", "timeout_ms",
				  "anonymous", "restart", "token", "direct", "direct_type", NULL };
	Py_buffer d, r;
	int connectable, anonymous = 0, restart = -1;
	unsigned interval_ms = 0, timeout_ms = 0;
	long token = -1;
	const char *direct = NULL; /* directed advertising to this peer (low duty cycle) */
	int direct_type = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "y*y*p|IIpplzi", kwlist, &d, &r, &connectable,
					 &interval_ms, &timeout_ms, &anonymous, &restart, &token,
					 &direct, &direct_type))
		return NULL;
	bh_addr peer = { 0 };
	if (direct && parse_addr(direct, direct_type, &peer)) {
		PyBuffer_Release(&d);
		PyBuffer_Release(&r);
		return NULL;
	}
	unsigned units = interval_ms * 8 / 5; /* 0.625 ms units; 0 = default */
	if (units && units < 0x20) /* the spec's minimum, 20 ms */
		units = 0x20;
	if (check_open(self)) {
		PyBuffer_Release(&d);
		PyBuffer_Release(&r);
		return NULL;
	}
	self->busy = 1;
	struct bh_gap_adv_params p = {
		.kind = direct ? BH_GAP_ADV_DIRECT_LOW
			       : connectable ? BH_GAP_ADV_CONN
					     : (r.len ? BH_GAP_ADV_SCAN : BH_GAP_ADV_NONCONN),
		.data = d.buf,
		.data_len = (size_t)d.len,
		.scan_rsp = r.buf,
		.scan_rsp_len = (size_t)r.len,
		.restart_on_disconnect = restart < 0 ? connectable : restart,
		.interval_min = (uint16_t)(units > 0x4000 ? 0x4000 : units),
		.interval_max = (uint16_t)(units > 0x4000 ? 0x4000 : units),
		.timeout_ms = timeout_ms,
		.anonymous = anonymous,
		.peer = peer,
	};
	/* With a token, on_op reports the controller's enable (the program may
	 * then tell a central it can connect). */
	struct op *o = token >= 0 ? op_new(self, token) : NULL;
	int rc = token >= 0 && !o ? BH_ENOMEM
				  : bh_gap_adv_start(bh_host_gap(self->h), &p, o ? op_adv_done : NULL, o);
	LEAVE(self);
	PyBuffer_Release(&d);
	PyBuffer_Release(&r);
	if (token >= 0)
		return op_started(o, rc);
	return none_or_raise(rc);
}

static PyObject *Host_adv_stop(HostObject *self, PyObject *Py_UNUSED(unused))
{
	return gap_call(self, bh_gap_adv_stop);
}

/* ---- advertising sets (several advertisements at once) ---- */

/* The enable's completion carries the set's handle, known only once
 * bh_gap_adv_set_start has returned (the completion comes later, from
 * the loop). */
struct set_op {
	HostObject *self;
	long token;
	uint8_t handle;
};

static void op_set_done(void *ctx, bh_status st)
{
	struct set_op *o = ctx;
	HostObject *self = o->self;
	long token = o->token;
	uint8_t handle = o->handle;
	free(o);
	if (st) /* never started: no on_stopped will come */
		for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++)
			if (self->sets[i].self && self->sets[i].handle == handle)
				self->sets[i].self = NULL;
	emit(self, "on_op", "(liHO)", token, st, handle, Py_None);
}

/* A set ended by itself: BH_OK a connection took it, BH_ETIMEDOUT its
 * duration ran out, else the controller's error. */
static void set_stopped(void *ctx, bh_status reason)
{
	struct adv_set_ctx *c = ctx;
	HostObject *self = c->self;
	uint8_t handle = c->handle;
	c->self = NULL;
	if (self)
		emit(self, "on_adv_set_stopped", "(Bi)", handle, reason);
}

static PyObject *Host_adv_set_start(HostObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "ad", "scan_rsp", "connectable", "interval_ms", "timeout_ms",
				  "addr", "token", "addr_type", "sid", NULL };
	Py_buffer d, r;
	int connectable, addr_type = 1, sid = 0;
	unsigned interval_ms = 0, timeout_ms = 0;
	long token;
	const char *addr = NULL; /* the set's own (random) address */
	if (!PyArg_ParseTupleAndKeywords(args, kw, "y*y*pIIzl|ii", kwlist, &d, &r, &connectable,
					 &interval_ms, &timeout_ms, &addr, &token, &addr_type,
					 &sid))
		return NULL;
	bh_addr own = { 0 };
	int rc = BH_OK;
	if ((addr && parse_addr(addr, addr_type, &own)) || check_open(self)) {
		PyBuffer_Release(&d);
		PyBuffer_Release(&r);
		return NULL;
	}
	struct adv_set_ctx *c = NULL;
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX && !c; i++)
		if (!self->sets[i].self)
			c = &self->sets[i];
	unsigned units = interval_ms * 8 / 5; /* 0.625 ms units; 0 = default */
	if (units && units < 0x20)
		units = 0x20;
	if (units > 0x4000)
		units = 0x4000;
	struct bh_gap_adv_set_params p = {
		.adv = {
			.kind = connectable ? BH_GAP_ADV_CONN
					    : (r.len ? BH_GAP_ADV_SCAN : BH_GAP_ADV_NONCONN),
			.data = d.buf,
			.data_len = (size_t)d.len,
			.scan_rsp = r.buf,
			.scan_rsp_len = (size_t)r.len,
			.interval_min = (uint16_t)units,
			.interval_max = (uint16_t)units,
			.timeout_ms = timeout_ms,
			.on_stopped = set_stopped,
			.ctx = c,
		},
		.sid = (uint8_t)(sid & 0x0f),
		.addr = own,
	};
	struct set_op *o = malloc(sizeof(*o));
	uint8_t handle = 0;
	if (!c)
		rc = BH_EBUSY; /* BH_GAP_ADV_SETS_MAX running already */
	else if (!o)
		rc = BH_ENOMEM;
	if (!rc) {
		*o = (struct set_op){ self, token, 0 };
		self->busy = 1;
		rc = bh_gap_adv_set_start(bh_host_gap(self->h), &p, &handle, op_set_done, o);
		LEAVE(self);
	}
	PyBuffer_Release(&d);
	PyBuffer_Release(&r);
	if (rc) {
		free(o);
		return raise_status(rc);
	}
	o->handle = handle;
	c->self = self;
	c->handle = handle;
	return PyLong_FromLong(handle);
}

static PyObject *Host_adv_set_stop(HostObject *self, PyObject *args)
{
	unsigned char handle;
	if (!PyArg_ParseTuple(args, "b", &handle))
		return NULL;
	ENTER(self);
	int rc = bh_gap_adv_set_stop(bh_host_gap(self->h), handle);
	LEAVE(self);
	for (unsigned i = 0; i < BH_GAP_ADV_SETS_MAX; i++)
		if (self->sets[i].self && self->sets[i].handle == handle)
			self->sets[i].self = NULL;
	return none_or_raise(rc);
}

static PyObject *core_strerror(PyObject *Py_UNUSED(mod), PyObject *args)
{
	int st;
	if (!PyArg_ParseTuple(args, "i", &st))
		return NULL;
	return PyUnicode_FromString(bh_strerror(st));
}

static PyMethodDef Host_methods[] = {
	{ "close", (PyCFunction)Host_close, METH_NOARGS, "Free the host (pending ops end first)." },
	{ "start", (PyCFunction)Host_start, METH_NOARGS, "Bring the controller up; on_ready follows." },
	{ "fds", (PyCFunction)Host_fds, METH_NOARGS, "[(fd, poll events)] to watch." },
	{ "next_deadline", (PyCFunction)Host_next_deadline, METH_NOARGS, "Next timer (s, CLOCK_MONOTONIC) or None." },
	{ "process", (PyCFunction)Host_process, METH_NOARGS, "One non-blocking loop iteration." },
	{ "own_address", (PyCFunction)Host_own_address, METH_NOARGS, "(address, type)." },
	{ "scan_start", (PyCFunction)Host_scan_start, METH_VARARGS, "scan_start(active, all_reports[, interval, window])" },
	{ "scan_stop", (PyCFunction)Host_scan_stop, METH_NOARGS, "Stop scanning; on_scan_done follows." },
	{ "scanning", (PyCFunction)Host_scanning, METH_NOARGS, "Whether GAP is scanning." },
	{ "connect", (PyCFunction)Host_connect, METH_VARARGS, "connect(addr, type, timeout_ms, token)" },
	{ "connect_cancel", (PyCFunction)Host_connect_cancel, METH_NOARGS, "Cancel the attempt." },
	{ "disconnect", (PyCFunction)Host_disconnect, METH_VARARGS, "disconnect(conn[, reason])" },
	{ "discover", (PyCFunction)Host_discover, METH_VARARGS, "discover(conn, token)" },
	{ "read", (PyCFunction)Host_read, METH_VARARGS, "read(conn, handle, token) (long reads)" },
	{ "write", (PyCFunction)Host_write, METH_VARARGS, "write(conn, handle, data, token)" },
	{ "write_cmd", (PyCFunction)Host_write_cmd, METH_VARARGS, "write_cmd(conn, handle, data) -> 0 or BH_EBUSY" },
	{ "exchange_mtu", (PyCFunction)Host_exchange_mtu, METH_VARARGS, "exchange_mtu(conn, mtu, token)" },
	{ "subscribe", (PyCFunction)Host_subscribe, METH_VARARGS, "subscribe(conn, value_handle, cccd_bits, token)" },
	{ "unsubscribe", (PyCFunction)Host_unsubscribe, METH_VARARGS, "unsubscribe(conn, value_handle, token)" },
	{ "mtu", (PyCFunction)Host_mtu, METH_VARARGS, "mtu(conn) -> ATT_MTU" },
	{ "services", (PyCFunction)Host_services, METH_VARARGS, "services(conn) -> discovered tree" },
	{ "pair", (PyCFunction)Host_pair, METH_VARARGS, "pair(conn, level) -> already satisfied" },
	{ "security", (PyCFunction)Host_security, METH_VARARGS, "security(conn) -> (level, key_size, sc, bonded)" },
	{ "passkey_reply", (PyCFunction)Host_passkey_reply, METH_VARARGS, "passkey_reply(conn, accept, passkey)" },
	{ "confirm_reply", (PyCFunction)Host_confirm_reply, METH_VARARGS, "confirm_reply(conn, accept)" },
	{ "bond_delete", (PyCFunction)Host_bond_delete, METH_VARARGS, "bond_delete(addr|None[, type])" },
	{ "adv_start", (PyCFunction)(void (*)(void))Host_adv_start, METH_VARARGS | METH_KEYWORDS, "adv_start(ad, scan_rsp, connectable[, interval_ms, timeout_ms, anonymous, restart, token], *, direct=addr, direct_type=0|1)" },
	{ "adv_stop", (PyCFunction)Host_adv_stop, METH_NOARGS, "Stop advertising." },
	{ "adv_set_start", (PyCFunction)(void (*)(void))Host_adv_set_start, METH_VARARGS | METH_KEYWORDS, "adv_set_start(ad, scan_rsp, connectable, interval_ms, timeout_ms, addr|None, token, addr_type=1, sid=0) -> set handle; on_op(token) reports the enable, on_adv_set_stopped(handle, status) an end not asked for" },
	{ "adv_set_stop", (PyCFunction)Host_adv_set_stop, METH_VARARGS, "adv_set_stop(handle): stop and remove one advertising set." },
	SERVER_METHODS
	LINK_METHODS
	{ NULL },
};

static PyTypeObject HostType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "blehost._core.Host",
	.tp_basicsize = sizeof(HostObject),
	.tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
	.tp_doc = "One blehost host (controller, stack). See blehost/_host.py.",
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)Host_init,
	.tp_dealloc = (destructor)Host_dealloc,
	.tp_traverse = (traverseproc)Host_traverse,
	.tp_clear = (inquiry)Host_clear,
	.tp_methods = Host_methods,
};

static PyMethodDef core_methods[] = {
	{ "strerror", core_strerror, METH_VARARGS, "Text of a bh_status." },
	{ NULL },
};

static struct PyModuleDef core_module = {
	PyModuleDef_HEAD_INIT, "blehost._core", "Thin binding of libblehost's host API.", -1,
	core_methods,
};

PyMODINIT_FUNC PyInit__core(void)
{
	if (PyType_Ready(&HostType) < 0)
		return NULL;
	PyObject *m = PyModule_Create(&core_module);
	if (!m)
		return NULL;
	CoreError = PyErr_NewException("blehost._core.Error", PyExc_Exception, NULL);
	Py_INCREF(CoreError);
	PyModule_AddObject(m, "Error", CoreError);
	Py_INCREF(&HostType);
	PyModule_AddObject(m, "Host", (PyObject *)&HostType);
	if (core_buffers_init(m) < 0)
		return NULL;
	static const struct {
		const char *name;
		long v;
	} k[] = {
		{ "OK", BH_OK }, { "ENOMEM", BH_ENOMEM }, { "EINVAL", BH_EINVAL },
		{ "ETIMEDOUT", BH_ETIMEDOUT }, { "EDISCONNECTED", BH_EDISCONNECTED },
		{ "EBUSY", BH_EBUSY }, { "ENOTSUP", BH_ENOTSUP }, { "ECANCELLED", BH_ECANCELLED },
		{ "ENOTFOUND", BH_ENOTFOUND }, { "ESTATE", BH_ESTATE }, { "ERESET", BH_ERESET },
		{ "ESECURITY", BH_ESECURITY }, { "EPERM", BH_EPERM }, { "EPROTO", BH_EPROTO },
		{ "ENOSPACE", BH_ENOSPACE },
		{ "POLLIN", POLLIN }, { "POLLOUT", POLLOUT },
		{ "RSSI_NA", BH_GAP_RSSI_NA },
		{ "SEC_NONE", BH_SEC_NONE }, { "SEC_ENCRYPTED", BH_SEC_ENCRYPTED },
		{ "SEC_AUTHENTICATED", BH_SEC_AUTHENTICATED },
		{ "NOTIFY", BH_GATTC_NOTIFY }, { "INDICATE", BH_GATTC_INDICATE },
		{ "KIND_HCI", BH_KIND_HCI }, { "KIND_ATT", BH_KIND_ATT }, { "KIND_SMP", BH_KIND_SMP },
	};
	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++)
		PyModule_AddIntConstant(m, k[i].name, k[i].v);
	return m;
}
