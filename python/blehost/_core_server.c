/* blehost._core, GATT server part: the run-time database (services added
 * and removed while running), stack-held values, notifications and
 * indications, and read/write callbacks into the Python handler
 * (on_gatts_read, on_gatts_write, on_subscription, on_indication_done).
 * Same rules as _core.c: callbacks run inside an entry point with the GIL
 * held and may not call back into the stack. */
#include "_core.h"

#include <string.h>

#define ATT_UNLIKELY 0x0E
#define MAX_VALUE 512

static int parse_uuid(PyObject *o, bh_uuid *u)
{
	Py_buffer b;
	if (PyObject_GetBuffer(o, &b, PyBUF_SIMPLE) < 0)
		return -1;
	int rc = bh_uuid_from_le(u, b.buf, (size_t)b.len);
	PyBuffer_Release(&b);
	if (rc) {
		PyErr_SetString(PyExc_ValueError, "a UUID is 2, 4 or 16 bytes, little-endian");
		return -1;
	}
	return 0;
}

/* The Python handler's answer to a read: bytes (the whole value, sliced at
 * offset here) or an int ATT error code. */
static bh_status on_read(void *user, uint16_t conn, uint16_t handle, uint16_t offset, uint8_t *buf,
			 size_t cap, size_t *len)
{
	PyObject *r = call_handler(user, "on_gatts_read", "(HHH)", conn, handle, offset);
	bh_status st = BH_ATT_ERROR(ATT_UNLIKELY);
	if (r && PyLong_Check(r)) {
		st = BH_ATT_ERROR(PyLong_AsLong(r) & 0xff);
	} else if (r && PyBytes_Check(r)) {
		size_t n = (size_t)PyBytes_GET_SIZE(r);
		if (offset > n) {
			st = BH_ATT_ERROR(0x07); /* Invalid Offset */
		} else {
			*len = n - offset < cap ? n - offset : cap;
			memcpy(buf, PyBytes_AS_STRING(r) + offset, *len);
			st = BH_OK;
		}
	}
	Py_XDECREF(r);
	return st;
}

/* Keeps the stack-held value in step with an accepted write (reads of an
 * attribute without a read callback are served from it). */
static bh_status store_written(HostObject *self, uint16_t handle, uint16_t offset,
			       const uint8_t *value, size_t len)
{
	struct bh_gatts *s = bh_host_gatt_server(self->h);
	uint8_t cur[MAX_VALUE];
	size_t cur_len = 0;
	if (bh_gatts_get_value(s, handle, cur, sizeof(cur), &cur_len))
		return BH_OK; /* read callback: Python keeps the value */
	if ((size_t)offset + len > sizeof(cur))
		return BH_ATT_ERROR(0x0D); /* Invalid Attribute Value Length */
	memcpy(cur + offset, value, len);
	size_t n = (size_t)offset + len;
	bh_status st = bh_gatts_set_value(s, handle, cur, n);
	if (st == BH_EINVAL) /* fixed length: the write replaced the first octets */
		st = bh_gatts_set_value(s, handle, cur, cur_len > n ? cur_len : n);
	return st ? BH_ATT_ERROR(0x0D) : BH_OK;
}

static bh_status on_write(void *user, uint16_t conn, uint16_t handle, uint16_t offset,
			  const uint8_t *value, size_t len, unsigned flags)
{
	PyObject *r = call_handler(user, "on_gatts_write", "(HHHy#I)", conn, handle, offset,
				   (const char *)value, (Py_ssize_t)len, flags);
	bh_status st = BH_ATT_ERROR(ATT_UNLIKELY);
	if (r && PyLong_Check(r)) {
		long code = PyLong_AsLong(r);
		if (code)
			st = BH_ATT_ERROR(code & 0xff);
		else /* a prepared write authorized: the value comes at Execute Write */
			st = (flags & BH_GATT_WRITE_F_AUTHORIZE)
				     ? BH_OK
				     : store_written(user, handle, offset, value, len);
	}
	Py_XDECREF(r);
	return st;
}

/* BH_GATT_PERM_AUTHOR attributes: the handler answers 0 (allow) or an ATT
 * error code; no answer refuses. */
static bh_status on_authorize(void *user, uint16_t conn, uint16_t handle, bool write)
{
	PyObject *r = call_handler(user, "on_gatts_authorize", "(HHO)", conn, handle,
				   write ? Py_True : Py_False);
	bh_status st = BH_ATT_ERROR(0x08); /* Insufficient Authorization */
	if (r && PyLong_Check(r)) {
		long code = PyLong_AsLong(r);
		st = code ? BH_ATT_ERROR(code & 0xff) : BH_OK;
	}
	Py_XDECREF(r);
	return st;
}

void ev_subscription(void *ctx, uint16_t conn, uint16_t vh, uint16_t value)
{
	Py_XDECREF(call_handler(ctx, "on_subscription", "(HHH)", conn, vh, value));
}

void ev_indication_done(void *ctx, uint16_t conn, uint16_t vh, bh_status st)
{
	Py_XDECREF(call_handler(ctx, "on_indication_done", "(HHi)", conn, vh, st));
}

/* The fields both characteristics and descriptors have. */
struct attr_common {
	PyObject *uuid, *initial;
	int read_cb, write_cb, fixed;
	unsigned max_len;
};

static int fill_common(HostObject *self, const struct attr_common *c, bh_uuid *uuid,
		       const void **initial, uint16_t *initial_len, uint16_t *max_len,
		       bool *fixed, bh_gatt_read_fn *rd, bh_gatt_write_fn *wr, void **user)
{
	if (parse_uuid(c->uuid, uuid) < 0)
		return -1;
	if (!PyBytes_Check(c->initial) || PyBytes_GET_SIZE(c->initial) > MAX_VALUE ||
	    c->max_len > MAX_VALUE) {
		PyErr_SetString(PyExc_ValueError, "values are bytes of at most 512 octets");
		return -1;
	}
	*initial = PyBytes_AS_STRING(c->initial);
	*initial_len = (uint16_t)PyBytes_GET_SIZE(c->initial);
	*max_len = (uint16_t)c->max_len;
	*fixed = c->fixed;
	*rd = c->read_cb ? on_read : NULL;
	*wr = c->write_cb ? on_write : NULL;
	*user = self;
	return 0;
}

static int parse_dsc(HostObject *self, PyObject *t, struct bh_gatt_dsc_def *d)
{
	struct attr_common c;
	unsigned rp, wp;
	if (!PyArg_ParseTuple(t, "OIIOIppp", &c.uuid, &rp, &wp, &c.initial, &c.max_len, &c.fixed,
			      &c.read_cb, &c.write_cb))
		return -1;
	d->read_perm = (uint16_t)rp;
	d->write_perm = (uint16_t)wp;
	return fill_common(self, &c, &d->uuid, &d->initial, &d->initial_len, &d->max_len,
			   &d->fixed_len, &d->read, &d->write, &d->user);
}

static int parse_chr(HostObject *self, PyObject *t, struct bh_gatt_chr_def *d, PyObject **dscs)
{
	struct attr_common c;
	unsigned props, ext, rp, wp;
	PyObject *desc;
	if (!PyArg_ParseTuple(t, "OIIIIOIpppOO", &c.uuid, &props, &ext, &rp, &wp, &c.initial,
			      &c.max_len, &c.fixed, &c.read_cb, &c.write_cb, &desc, dscs))
		return -1;
	d->props = (uint8_t)props;
	d->ext_props = (uint16_t)ext;
	d->read_perm = (uint16_t)rp;
	d->write_perm = (uint16_t)wp;
	d->user_desc = desc == Py_None ? NULL : PyUnicode_AsUTF8(desc);
	if (desc != Py_None && !d->user_desc)
		return -1;
	if (!PyList_Check(*dscs)) {
		PyErr_SetString(PyExc_TypeError, "descriptors are a list");
		return -1;
	}
	/* One callback per characteristic: its descriptors share it (gatt_server.h). */
	bool author = (rp | wp) & BH_GATT_PERM_AUTHOR;
	for (Py_ssize_t j = 0; j < PyList_GET_SIZE(*dscs) && !author; j++) {
		PyObject *dt = PyList_GET_ITEM(*dscs, j);
		if (PyTuple_Check(dt) && PyTuple_GET_SIZE(dt) > 2)
			author = (PyLong_AsUnsignedLong(PyTuple_GET_ITEM(dt, 1)) |
				  PyLong_AsUnsignedLong(PyTuple_GET_ITEM(dt, 2))) & BH_GATT_PERM_AUTHOR;
	}
	if (PyErr_Occurred())
		return -1;
	d->authorize = author ? on_authorize : NULL;
	return fill_common(self, &c, &d->uuid, &d->initial, &d->initial_len, &d->max_len,
			   &d->fixed_len, &d->read, &d->write, &d->user);
}

/* Handles of what was added: (svc, [(value, cccd, [dsc, ...]), ...]). */
static PyObject *handles_of(struct bh_gatts *s, const struct bh_gatt_svc_def *svc)
{
	PyObject *chrs = PyList_New((Py_ssize_t)svc->num_chrs);
	for (size_t i = 0; chrs && i < svc->num_chrs; i++) {
		const struct bh_gatt_chr_def *c = &svc->chrs[i];
		uint16_t vh = bh_gatts_value_handle(s, c);
		PyObject *dh = PyList_New((Py_ssize_t)c->num_dscs);
		for (size_t j = 0; dh && j < c->num_dscs; j++)
			PyList_SET_ITEM(dh, (Py_ssize_t)j,
					PyLong_FromLong(bh_gatts_dsc_handle(s, &c->dscs[j])));
		PyList_SET_ITEM(chrs, (Py_ssize_t)i,
				dh ? Py_BuildValue("(HHN)", vh, bh_gatts_cccd_handle(s, vh), dh) : NULL);
	}
	return chrs ? Py_BuildValue("(HN)", bh_gatts_service_handle(s, svc), chrs) : NULL;
}

/* gatts_add((uuid, secondary, [chr, ...])[, [included service handle, ...]]) */
PyObject *Host_gatts_add(HostObject *self, PyObject *args)
{
	PyObject *uuid, *chrs, *incs = NULL;
	int secondary;
	if (!PyArg_ParseTuple(args, "(OpO!)|O!", &uuid, &secondary, &PyList_Type, &chrs,
			      &PyList_Type, &incs))
		return NULL;
	if (check_open(self))
		return NULL;
	size_t n = (size_t)PyList_GET_SIZE(chrs), ndsc = 0;
	size_t ninc = incs ? (size_t)PyList_GET_SIZE(incs) : 0;
	struct bh_gatt_svc_def svc = { .secondary = secondary, .num_chrs = n };
	struct bh_gatt_chr_def *cd = PyMem_Calloc(n ? n : 1, sizeof(*cd));
	struct bh_gatt_dsc_def **dd = PyMem_Calloc(n ? n : 1, sizeof(*dd));
	uint16_t *ih = PyMem_Calloc(ninc ? ninc : 1, sizeof(*ih));
	PyObject *res = NULL;
	if (!cd || !dd || !ih) {
		PyErr_NoMemory();
		goto out;
	}
	for (size_t i = 0; i < ninc; i++) {
		long v = PyLong_AsLong(PyList_GET_ITEM(incs, (Py_ssize_t)i));
		if (v < 1 || v > 0xffff) {
			if (!PyErr_Occurred())
				PyErr_SetString(PyExc_ValueError, "an included service handle is 1..0xffff");
			goto out;
		}
		ih[i] = (uint16_t)v;
	}
	svc.include_handles = ih;
	svc.num_include_handles = ninc;
	if (parse_uuid(uuid, &svc.uuid) < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		PyObject *dl;
		if (parse_chr(self, PyList_GET_ITEM(chrs, (Py_ssize_t)i), &cd[i], &dl) < 0)
			goto out;
		ndsc = (size_t)PyList_GET_SIZE(dl);
		dd[i] = PyMem_Calloc(ndsc ? ndsc : 1, sizeof(**dd));
		if (!dd[i]) {
			PyErr_NoMemory();
			goto out;
		}
		for (size_t j = 0; j < ndsc; j++)
			if (parse_dsc(self, PyList_GET_ITEM(dl, (Py_ssize_t)j), &dd[i][j]) < 0)
				goto out;
		cd[i].dscs = dd[i];
		cd[i].num_dscs = ndsc;
	}
	svc.chrs = cd;
	self->busy = 1;
	struct bh_gatts *s = bh_host_gatt_server(self->h);
	int rc = bh_gatts_add_services(s, &svc, 1);
	self->busy = 0;
	res = rc ? raise_status(rc) : handles_of(s, &svc);
	if (!rc) /* these definitions are freed below: their addresses will come again */
		bh_gatts_forget_defs(s, &svc);
out:
	for (size_t i = 0; dd && i < n; i++)
		PyMem_Free(dd[i]);
	PyMem_Free(dd);
	PyMem_Free(cd);
	PyMem_Free(ih);
	return res;
}

PyObject *Host_gatts_remove(HostObject *self, PyObject *args)
{
	unsigned short h;
	if (!PyArg_ParseTuple(args, "H", &h) || check_open(self))
		return NULL;
	return none_or_raise(bh_gatts_remove_service(bh_host_gatt_server(self->h), h));
}

PyObject *Host_gatts_set(HostObject *self, PyObject *args)
{
	unsigned short h;
	Py_buffer v;
	if (!PyArg_ParseTuple(args, "Hy*", &h, &v))
		return NULL;
	int rc = check_open(self) ? BH_ESTATE
				  : bh_gatts_set_value(bh_host_gatt_server(self->h), h, v.buf,
						       (size_t)v.len);
	PyBuffer_Release(&v);
	if (PyErr_Occurred())
		return NULL;
	return none_or_raise(rc);
}

PyObject *Host_gatts_get(HostObject *self, PyObject *args)
{
	unsigned short h;
	if (!PyArg_ParseTuple(args, "H", &h) || check_open(self))
		return NULL;
	uint8_t buf[MAX_VALUE];
	size_t len = 0;
	int rc = bh_gatts_get_value(bh_host_gatt_server(self->h), h, buf, sizeof(buf), &len);
	if (rc)
		return raise_status(rc);
	return PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
}

/* Returns the status rather than raising: BH_EBUSY is the normal "wait for
 * on_can_send / on_indication_done" answer of a streaming sender. */
PyObject *Host_gatts_notify(HostObject *self, PyObject *args)
{
	unsigned short conn, vh;
	Py_buffer v;
	int indicate;
	if (!PyArg_ParseTuple(args, "HHy*p", &conn, &vh, &v, &indicate))
		return NULL;
	if (check_open(self)) {
		PyBuffer_Release(&v);
		return NULL;
	}
	self->busy = 1;
	struct bh_gatts *s = bh_host_gatt_server(self->h);
	int rc = indicate ? bh_gatts_indicate(s, conn, vh, v.buf, (size_t)v.len)
			  : bh_gatts_notify(s, conn, vh, v.buf, (size_t)v.len, NULL);
	self->busy = 0;
	PyBuffer_Release(&v);
	return PyLong_FromLong(rc);
}

PyObject *Host_gatts_changed(HostObject *self, PyObject *args)
{
	unsigned short vh;
	PyObject *value;
	if (!PyArg_ParseTuple(args, "HO", &vh, &value) || check_open(self))
		return NULL;
	Py_buffer v = { 0 };
	if (value != Py_None && PyObject_GetBuffer(value, &v, PyBUF_SIMPLE) < 0)
		return NULL;
	unsigned busy = 0;
	self->busy = 1;
	int rc = bh_gatts_changed(bh_host_gatt_server(self->h), vh, value == Py_None ? NULL : v.buf,
				  (size_t)v.len, &busy);
	self->busy = 0;
	if (value != Py_None)
		PyBuffer_Release(&v);
	if (rc < 0)
		return raise_status(rc);
	return Py_BuildValue("(iI)", rc, busy);
}

PyObject *Host_gatts_cccd(HostObject *self, PyObject *args)
{
	unsigned short conn, vh;
	if (!PyArg_ParseTuple(args, "HH", &conn, &vh) || check_open(self))
		return NULL;
	return PyLong_FromLong(bh_gatts_cccd_value(bh_host_gatt_server(self->h), conn, vh));
}

/* (interval in 1.25 ms units, latency, supervision timeout in 10 ms units)
 * of a connection, for _bleio's Connection.connection_interval. */
PyObject *Host_conn_params(HostObject *self, PyObject *args)
{
	unsigned short conn;
	if (!PyArg_ParseTuple(args, "H", &conn) || check_open(self))
		return NULL;
	const struct bh_gap_conn *c = bh_gap_conn_get(bh_host_gap(self->h), conn);
	if (!c)
		return raise_status(BH_ENOTFOUND);
	return Py_BuildValue("(HHH)", c->interval, c->latency, c->supervision_timeout);
}

PyObject *Host_advertising(HostObject *self, PyObject *Py_UNUSED(unused))
{
	if (check_open(self))
		return NULL;
	return PyBool_FromLong(bh_gap_advertising(bh_host_gap(self->h)));
}
