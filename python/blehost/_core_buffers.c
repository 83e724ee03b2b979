/* blehost._core.CharBuf and PktBuf: the C characteristic and packet
 * buffers (<blehost/host_buffers.h>) as Python objects. They never block: the
 * Python binding (blehost._bleio) feeds them from the stack thread and
 * waits on its own condition variable, holding its lock around each call. */
#include "_core.h"

typedef struct {
	PyObject_HEAD
	struct bh_charbuf *b;
} CharBufObject;

typedef struct {
	PyObject_HEAD
	struct bh_pktbuf *b;
} PktBufObject;

static int CharBuf_init(CharBufObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "capacity", "refuse", NULL };
	Py_ssize_t cap;
	int refuse = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "n|p", kwlist, &cap, &refuse))
		return -1;
	bh_charbuf_free(self->b);
	self->b = cap > 0 ? bh_charbuf_new((size_t)cap, refuse ? BH_BUF_REFUSE : BH_BUF_DROP_OLDEST)
			  : NULL;
	if (!self->b) {
		PyErr_SetString(PyExc_ValueError, "capacity is 1..16 MiB");
		return -1;
	}
	return 0;
}

static void CharBuf_dealloc(CharBufObject *self)
{
	bh_charbuf_free(self->b);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyObject *CharBuf_feed(CharBufObject *self, PyObject *args)
{
	Py_buffer v;
	if (!PyArg_ParseTuple(args, "y*", &v))
		return NULL;
	size_t n = bh_charbuf_feed(self->b, v.buf, (size_t)v.len);
	PyBuffer_Release(&v);
	return PyLong_FromSize_t(n);
}

static PyObject *CharBuf_read(CharBufObject *self, PyObject *args)
{
	Py_ssize_t n = -1;
	if (!PyArg_ParseTuple(args, "|n", &n))
		return NULL;
	size_t avail = bh_charbuf_in_waiting(self->b);
	if (n < 0 || (size_t)n > avail)
		n = (Py_ssize_t)avail;
	PyObject *r = PyBytes_FromStringAndSize(NULL, n);
	if (r)
		bh_charbuf_read(self->b, (uint8_t *)PyBytes_AS_STRING(r), (size_t)n);
	return r;
}

static PyObject *CharBuf_readinto(CharBufObject *self, PyObject *args)
{
	Py_buffer v;
	if (!PyArg_ParseTuple(args, "w*", &v))
		return NULL;
	size_t n = bh_charbuf_read(self->b, v.buf, (size_t)v.len);
	PyBuffer_Release(&v);
	return PyLong_FromSize_t(n);
}

static PyObject *CharBuf_readline(CharBufObject *self, PyObject *Py_UNUSED(unused))
{
	size_t n = bh_charbuf_in_waiting(self->b);
	PyObject *r = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)n);
	if (!r)
		return NULL;
	size_t got = bh_charbuf_readline(self->b, (uint8_t *)PyBytes_AS_STRING(r), n);
	if (_PyBytes_Resize(&r, (Py_ssize_t)got) < 0)
		return NULL;
	return r;
}

static PyObject *CharBuf_ready(CharBufObject *self, PyObject *args)
{
	Py_ssize_t want;
	int line;
	if (!PyArg_ParseTuple(args, "np", &want, &line))
		return NULL;
	return PyLong_FromLong(bh_charbuf_ready(self->b, want < 0 ? 0 : (size_t)want, line));
}

static PyObject *CharBuf_reset(CharBufObject *self, PyObject *Py_UNUSED(unused))
{
	bh_charbuf_reset(self->b);
	Py_RETURN_NONE;
}

static PyObject *CharBuf_close(CharBufObject *self, PyObject *args)
{
	int reason = BH_EDISCONNECTED;
	if (!PyArg_ParseTuple(args, "|i", &reason))
		return NULL;
	bh_charbuf_close(self->b, reason);
	Py_RETURN_NONE;
}

static PyObject *CharBuf_stats(CharBufObject *self, PyObject *Py_UNUSED(unused))
{
	return Py_BuildValue("(nKKi)", (Py_ssize_t)bh_charbuf_in_waiting(self->b),
			     (unsigned long long)bh_charbuf_dropped(self->b),
			     (unsigned long long)bh_charbuf_refused(self->b),
			     bh_charbuf_status(self->b));
}

static PyMethodDef CharBuf_methods[] = {
	{ "feed", (PyCFunction)CharBuf_feed, METH_VARARGS, "feed(bytes) -> bytes stored" },
	{ "read", (PyCFunction)CharBuf_read, METH_VARARGS, "read([n]) -> bytes (never waits)" },
	{ "readinto", (PyCFunction)CharBuf_readinto, METH_VARARGS, "readinto(buf) -> n" },
	{ "readline", (PyCFunction)CharBuf_readline, METH_NOARGS, "A whole line, or b''" },
	{ "ready", (PyCFunction)CharBuf_ready, METH_VARARGS, "ready(want, line) -> status" },
	{ "reset", (PyCFunction)CharBuf_reset, METH_NOARGS, "Discard unread bytes." },
	{ "close", (PyCFunction)CharBuf_close, METH_VARARGS, "close([reason])" },
	{ "stats", (PyCFunction)CharBuf_stats, METH_NOARGS, "(in_waiting, dropped, refused, status)" },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject CharBufType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "blehost._core.CharBuf",
	.tp_basicsize = sizeof(CharBufObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "CharBuf(capacity, refuse=False): bh_charbuf (host_buffers.h).",
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)CharBuf_init,
	.tp_dealloc = (destructor)CharBuf_dealloc,
	.tp_methods = CharBuf_methods,
};

static int PktBuf_init(PktBufObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "packets", "in_len", "out_len", "refuse", NULL };
	Py_ssize_t n, in_len, out_len;
	int refuse = 0;
	if (!PyArg_ParseTupleAndKeywords(args, kw, "nnn|p", kwlist, &n, &in_len, &out_len, &refuse))
		return -1;
	bh_pktbuf_free(self->b);
	self->b = n > 0 && in_len > 0 && out_len > 0
			  ? bh_pktbuf_new((size_t)n, (size_t)in_len, (size_t)out_len,
					  refuse ? BH_BUF_REFUSE : BH_BUF_DROP_OLDEST)
			  : NULL;
	if (!self->b) {
		PyErr_SetString(PyExc_ValueError, "packets 1..4096, lengths 1..65535");
		return -1;
	}
	return 0;
}

static void PktBuf_dealloc(PktBufObject *self)
{
	bh_pktbuf_free(self->b);
	Py_TYPE(self)->tp_free((PyObject *)self);
}

/* Statuses are returned, not raised: the binding maps them to _bleio's
 * exceptions. */
static PyObject *PktBuf_feed(PktBufObject *self, PyObject *args)
{
	Py_buffer v;
	if (!PyArg_ParseTuple(args, "y*", &v))
		return NULL;
	int rc = bh_pktbuf_feed(self->b, v.buf, (size_t)v.len);
	PyBuffer_Release(&v);
	return PyLong_FromLong(rc);
}

static PyObject *PktBuf_readinto(PktBufObject *self, PyObject *args)
{
	Py_buffer v;
	if (!PyArg_ParseTuple(args, "w*", &v))
		return NULL;
	size_t len = 0;
	int rc = bh_pktbuf_readinto(self->b, v.buf, (size_t)v.len, &len);
	PyBuffer_Release(&v);
	return Py_BuildValue("(in)", rc, (Py_ssize_t)len);
}

static PyObject *PktBuf_write(PktBufObject *self, PyObject *args)
{
	Py_buffer h, d;
	if (!PyArg_ParseTuple(args, "y*y*", &h, &d))
		return NULL;
	int rc = bh_pktbuf_write(self->b, h.buf, (size_t)h.len, d.buf, (size_t)d.len);
	PyBuffer_Release(&h);
	PyBuffer_Release(&d);
	return PyLong_FromLong(rc);
}

static PyObject *PktBuf_peek(PktBufObject *self, PyObject *Py_UNUSED(unused))
{
	const uint8_t *p;
	size_t len;
	if (bh_pktbuf_out_peek(self->b, &p, &len))
		Py_RETURN_NONE;
	return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)len);
}

static PyObject *PktBuf_pop(PktBufObject *self, PyObject *Py_UNUSED(unused))
{
	bh_pktbuf_out_pop(self->b);
	Py_RETURN_NONE;
}

static PyObject *PktBuf_set_lengths(PktBufObject *self, PyObject *args)
{
	Py_ssize_t in_len, out_len;
	if (!PyArg_ParseTuple(args, "nn", &in_len, &out_len))
		return NULL;
	if (in_len < 0 || out_len < 0)
		return raise_status(BH_EINVAL);
	return none_or_raise(bh_pktbuf_set_lengths(self->b, (size_t)in_len, (size_t)out_len));
}

static PyObject *PktBuf_close(PktBufObject *self, PyObject *args)
{
	int reason = BH_EDISCONNECTED;
	if (!PyArg_ParseTuple(args, "|i", &reason))
		return NULL;
	bh_pktbuf_close(self->b, reason);
	Py_RETURN_NONE;
}

static PyObject *PktBuf_stats(PktBufObject *self, PyObject *Py_UNUSED(unused))
{
	struct bh_pktbuf *b = self->b;
	return Py_BuildValue("(nnKKKinn)", (Py_ssize_t)bh_pktbuf_in_count(b),
			     (Py_ssize_t)bh_pktbuf_out_count(b),
			     (unsigned long long)bh_pktbuf_dropped(b),
			     (unsigned long long)bh_pktbuf_refused(b),
			     (unsigned long long)bh_pktbuf_oversize(b), bh_pktbuf_status(b),
			     (Py_ssize_t)bh_pktbuf_in_len(b), (Py_ssize_t)bh_pktbuf_out_len(b));
}

static PyMethodDef PktBuf_methods[] = {
	{ "feed", (PyCFunction)PktBuf_feed, METH_VARARGS, "feed(packet) -> status" },
	{ "readinto", (PyCFunction)PktBuf_readinto, METH_VARARGS, "readinto(buf) -> (status, len)" },
	{ "write", (PyCFunction)PktBuf_write, METH_VARARGS, "write(header, data) -> status" },
	{ "peek", (PyCFunction)PktBuf_peek, METH_NOARGS, "Next outgoing packet or None." },
	{ "pop", (PyCFunction)PktBuf_pop, METH_NOARGS, "The peeked packet was sent." },
	{ "set_lengths", (PyCFunction)PktBuf_set_lengths, METH_VARARGS, "set_lengths(in, out)" },
	{ "close", (PyCFunction)PktBuf_close, METH_VARARGS, "close([reason])" },
	{ "stats", (PyCFunction)PktBuf_stats, METH_NOARGS,
	  "(in_count, out_count, dropped, refused, oversize, status, in_len, out_len)" },
	{ NULL, NULL, 0, NULL },
};

static PyTypeObject PktBufType = {
	PyVarObject_HEAD_INIT(NULL, 0)
	.tp_name = "blehost._core.PktBuf",
	.tp_basicsize = sizeof(PktBufObject),
	.tp_flags = Py_TPFLAGS_DEFAULT,
	.tp_doc = "PktBuf(packets, in_len, out_len, refuse=False): bh_pktbuf (host_buffers.h).",
	.tp_new = PyType_GenericNew,
	.tp_init = (initproc)PktBuf_init,
	.tp_dealloc = (destructor)PktBuf_dealloc,
	.tp_methods = PktBuf_methods,
};

int core_buffers_init(PyObject *m)
{
	if (PyType_Ready(&CharBufType) < 0 || PyType_Ready(&PktBufType) < 0)
		return -1;
	Py_INCREF(&CharBufType);
	PyModule_AddObject(m, "CharBuf", (PyObject *)&CharBufType);
	Py_INCREF(&PktBufType);
	PyModule_AddObject(m, "PktBuf", (PyObject *)&PktBufType);
	return 0;
}
