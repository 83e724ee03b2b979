/* Shared between the files of blehost._core: the host object and the
 * helpers every entry point uses (see _core.c for the threading and
 * re-entrancy rules). */
#ifndef BLEHOST_PY_CORE_H
#define BLEHOST_PY_CORE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <blehost/blehost.h>

struct adv_set_ctx {
	void *self; /* the HostObject; NULL when the slot is free */
	uint8_t handle;
};

typedef struct {
	PyObject_HEAD
	struct bh_host *h;
	PyObject *handler;
	int busy;
	/* on_stopped contexts of the advertising sets started from Python */
	struct adv_set_ctx sets[BH_GAP_ADV_SETS_MAX];
} HostObject;

extern PyObject *CoreError;

PyObject *raise_status(int st);
PyObject *none_or_raise(int st);
/* -1 with RuntimeError when closed or re-entered from a callback. */
int check_open(HostObject *self);
PyObject *call_handler(HostObject *self, const char *name, const char *fmt, ...);
/* Calls handler.<name>(*args built from fmt); reports, never propagates. */
#define emit(self, name, ...) Py_XDECREF(call_handler((self), (name), __VA_ARGS__))

/* Around every call into the C stack (see _core.c on re-entrancy). */
#define ENTER(self)                          \
	do {                                 \
		if (check_open(self))        \
			return NULL;         \
		(self)->busy = 1;            \
	} while (0)
#define LEAVE(self) ((self)->busy = 0)

/* An operation: the token the handler knows, carried as the C ctx;
 * its completion is handler.on_op(token, status, handle, value). */
struct op {
	HostObject *self;
	long token;
};
struct op *op_new(HostObject *self, long token);
/* After starting an operation: NULL if o was not made or rc failed (o freed). */
PyObject *op_started(struct op *o, int rc);

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

/* Link entry points and events (_core_link.c). */
void ev_conn_updated(void *ctx, uint16_t conn, bh_status st, double interval_ms,
		     uint16_t latency, unsigned timeout_ms);
uint16_t ev_coc_accept(void *ctx, uint16_t conn, uint16_t spsm, uint16_t peer_mtu);
void ev_coc_opened(void *ctx, uint16_t conn, uint16_t cid, uint16_t spsm, bh_status st);
void ev_coc_sdu(void *ctx, uint16_t conn, uint16_t cid, const uint8_t *sdu, size_t len);
void ev_coc_closed(void *ctx, uint16_t conn, uint16_t cid, bh_status reason);
void ev_coc_can_send(void *ctx, uint16_t conn, uint16_t cid);
PyObject *Host_conn_update(HostObject *self, PyObject *args);
PyObject *Host_adv_tx_power(HostObject *self, PyObject *args);
PyObject *Host_uses_extended(HostObject *self, PyObject *args);
PyObject *Host_conn_adv_handle(HostObject *self, PyObject *args);
PyObject *Host_coc_listen(HostObject *self, PyObject *args);
PyObject *Host_coc_connect(HostObject *self, PyObject *args);
PyObject *Host_coc_send(HostObject *self, PyObject *args);
PyObject *Host_coc_close(HostObject *self, PyObject *args);
#define LINK_METHODS \
	{ "conn_update", (PyCFunction)Host_conn_update, METH_VARARGS, "conn_update(conn, imin, imax, latency, timeout, token)" }, \
	{ "adv_tx_power", (PyCFunction)Host_adv_tx_power, METH_VARARGS, "adv_tx_power(token): dBm as on_op's value" }, \
	{ "uses_extended", (PyCFunction)Host_uses_extended, METH_NOARGS, "Whether GAP uses extended advertising/scanning." }, \
	{ "conn_adv_handle", (PyCFunction)Host_conn_adv_handle, METH_VARARGS, "conn_adv_handle(conn) -> the advertising set it came through, 0xff unknown" }, \
	{ "coc_listen", (PyCFunction)Host_coc_listen, METH_VARARGS, "coc_listen(spsm)" }, \
	{ "coc_connect", (PyCFunction)Host_coc_connect, METH_VARARGS, "coc_connect(conn, spsm) -> cid" }, \
	{ "coc_send", (PyCFunction)Host_coc_send, METH_VARARGS, "coc_send(conn, cid, sdu) -> 0 or EBUSY" }, \
	{ "coc_close", (PyCFunction)Host_coc_close, METH_VARARGS, "coc_close(conn, cid)" },

/* CharBuf and PktBuf types over host_buffers.h (_core_buffers.c). */
int core_buffers_init(PyObject *module);

#endif
