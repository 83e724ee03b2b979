/* Shared between the files of blehost._core: the host object and the
 * helpers every entry point uses (see _core.c for the threading and
 * re-entrancy rules). */
#ifndef BLEHOST_PY_CORE_H
#define BLEHOST_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <blehost/blehost.h>

typedef struct {
	PyObject_HEAD
	struct bh_host *h;
	PyObject *handler;
	int busy;
} HostObject;

extern PyObject *CoreError;

PyObject *raise_status(int st);
PyObject *none_or_raise(int st);
/* -1 with RuntimeError when closed or re-entered from a callback. */
int check_open(HostObject *self);
PyObject *call_handler(HostObject *self, const char *name, const char *fmt, ...);

/* GATT server entry points (_core_server.c), spliced into Host's methods. */
void ev_subscription(void *ctx, uint16_t conn, uint16_t value_handle, uint16_t value);
void ev_indication_done(void *ctx, uint16_t conn, uint16_t value_handle, bh_status st);
PyObject *Host_gatts_add(HostObject *self, PyObject *args);
PyObject *Host_gatts_remove(HostObject *self, PyObject *args);
PyObject *Host_gatts_set(HostObject *self, PyObject *args);
PyObject *Host_gatts_get(HostObject *self, PyObject *args);
PyObject *Host_gatts_notify(HostObject *self, PyObject *args);
PyObject *Host_gatts_changed(HostObject *self, PyObject *args);
PyObject *Host_gatts_cccd(HostObject *self, PyObject *args);
PyObject *Host_conn_params(HostObject *self, PyObject *args);
PyObject *Host_advertising(HostObject *self, PyObject *args);
#define SERVER_METHODS \
	{ "gatts_add", (PyCFunction)Host_gatts_add, METH_VARARGS, "gatts_add(service) -> handles" }, \
	{ "gatts_remove", (PyCFunction)Host_gatts_remove, METH_VARARGS, "gatts_remove(svc_handle)" }, \
	{ "gatts_set", (PyCFunction)Host_gatts_set, METH_VARARGS, "gatts_set(handle, value)" }, \
	{ "gatts_get", (PyCFunction)Host_gatts_get, METH_VARARGS, "gatts_get(handle) -> bytes" }, \
	{ "gatts_notify", (PyCFunction)Host_gatts_notify, METH_VARARGS, "gatts_notify(conn, vh, value, indicate) -> status" }, \
	{ "gatts_changed", (PyCFunction)Host_gatts_changed, METH_VARARGS, "gatts_changed(vh, value|None) -> (sent, busy)" }, \
	{ "gatts_cccd", (PyCFunction)Host_gatts_cccd, METH_VARARGS, "gatts_cccd(conn, vh) -> CCCD value" }, \
	{ "conn_params", (PyCFunction)Host_conn_params, METH_VARARGS, "conn_params(conn) -> (interval, latency, timeout)" }, \
	{ "advertising", (PyCFunction)Host_advertising, METH_NOARGS, "Whether GAP advertises." },

/* CharBuf and PktBuf types over host_buffers.h (_core_buffers.c). */
int core_buffers_init(PyObject *module);

#endif
