/* One HTTP/1.1 connection in C: the Connection type, its request side (send, through the loop's
Outbox in _outbox.c) and its life (transport, init, members). Its response side, llhttp and its
callbacks, is _response.c's.

Why C: through httptools, every response cost five Python frames (data_received, three parser
callbacks and the head scan), about a quarter of the interpreter's work per request
(docs/performance.md). This type does what those frames did and nothing else.

Everything rare stays in Python, in loadcell.http.connection.HttpConnection, a subclass:
connection_lost, timeouts, close, and the error a malformed response becomes (`_malformed`); the
calls C makes into it are loadcell.http.contract.ConnectionUpcalls. What a finished exchange
becomes (its sample row and Response) is _ledger.c's.
*/
#include "_wire.h"

#include <structmember.h>

static PyObject *str_write, *str_create_future;
static PyObject *http11, *empty_bytes, *empty_str;

static PyObject *
Conn_send(Conn *self, PyObject *const *args, Py_ssize_t nargs)
{
    /* send(data, head_request=False, keep_body=True, timeout=inf) -> future resolved when the
       whole response is parsed (positional only: the client's hot path passes all four) */
    if (nargs < 1 || nargs > 4) {
        PyErr_SetString(PyExc_TypeError, "send(data, head_request=False, keep_body=True, timeout=inf)");
        return NULL;
    }
    double timeout = Py_HUGE_VAL;
    if (nargs == 4) {
        timeout = PyFloat_AsDouble(args[3]);
        if (timeout == -1.0 && PyErr_Occurred()) {
            return NULL;
        }
    }
    if (self->write == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "send() before connection_made()");
        return NULL;
    }
    Py_ssize_t size = PyObject_Length(args[0]);
    if (size < 0) {
        return NULL;
    }
    self->keep_body = nargs < 3 ? 1 : (char)PyObject_IsTrue(args[2]);
    PyObject *body = PyList_New(0);
    if (body == NULL) {
        return NULL;
    }
    Py_SETREF(self->body, body);
    self->t_first = 0.0;
    self->headers_done = 0;
    self->head_request = nargs < 2 ? 0 : (char)PyObject_IsTrue(args[1]);
    PyObject *waiter = PyObject_CallNoArgs(self->create_future);
    if (waiter == NULL) {
        return NULL;
    }
    Py_INCREF(waiter);
    Py_SETREF(self->waiter, waiter);
    self->bytes_out += size;
    self->t_sent = 0.0;
    self->timeout = timeout;
    double now = clock_now();
    self->deadline = now + timeout; /* moved to the write's time + timeout when written */
    Py_XSETREF(self->out, Py_NewRef(args[0]));
    int rc = self->outbox != Py_None && Py_IS_TYPE(self->outbox, loadcell_outbox_type)
                 ? loadcell_outbox_send(self->outbox, self, now)
                 : loadcell_write_now(self);
    if (rc < 0) {
        Py_DECREF(waiter);
        return NULL;
    }
    return waiter;
}

static int
set_transport(Conn *self, PyObject *transport)
{
    PyObject *write = NULL;
    if (transport != Py_None) {
        write = PyObject_GetAttr(transport, str_write);
        if (write == NULL) {
            return -1;
        }
    }
    Py_INCREF(transport);
    Py_SETREF(self->transport, transport);
    Py_XSETREF(self->write, write);
    return 0;
}

static PyObject *
Conn_connection_made(Conn *self, PyObject *transport)
{
    if (set_transport(self, transport) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *
Conn_get_transport(Conn *self, void *Py_UNUSED(closure))
{
    return Py_NewRef(self->transport);
}

static int
Conn_set_transport(Conn *self, PyObject *value, void *Py_UNUSED(closure))
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "transport cannot be deleted");
        return -1;
    }
    return set_transport(self, value); /* start_tls() swaps in the TLS transport */
}

/* the type ------------------------------------------------------------------------------------- */

static int
Conn_init(Conn *self, PyObject *args, PyObject *kwds)
{
    PyObject *loop;
    static char *kwlist[] = {"loop", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O", kwlist, &loop)) {
        return -1;
    }
    PyObject *create_future = PyObject_GetAttr(loop, str_create_future);
    if (create_future == NULL) {
        return -1;
    }
    Py_XSETREF(self->create_future, create_future);
    loadcell_parser_init(self);
    self->keep_body = 1;
    self->fd = -1;
    return 0;
}

static PyObject *
Conn_new(PyTypeObject *type, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwds))
{
    Conn *self = (Conn *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->transport = Py_NewRef(Py_None);
    self->waiter = Py_NewRef(Py_None);
    self->arrivals = Py_NewRef(Py_None);
    self->outbox = Py_NewRef(Py_None);
    self->pending = Py_NewRef(empty_bytes);
    self->head = Py_NewRef(empty_bytes);
    self->version = Py_NewRef(http11);
    self->tls_version = Py_NewRef(empty_str);
    self->tls_cipher = Py_NewRef(empty_str);
    self->body = PyList_New(0);
    if (self->body == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

static int
Conn_traverse(Conn *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->transport);
    Py_VISIT(self->write);
    Py_VISIT(self->create_future);
    Py_VISIT(self->waiter);
    Py_VISIT(self->body);
    Py_VISIT(self->arrivals);
    Py_VISIT(self->outbox);
    Py_VISIT(self->out);
    return 0;
}

static int
Conn_clear(Conn *self)
{
    Py_CLEAR(self->transport);
    Py_CLEAR(self->write);
    Py_CLEAR(self->create_future);
    Py_CLEAR(self->waiter);
    Py_CLEAR(self->pending);
    Py_CLEAR(self->head);
    Py_CLEAR(self->body);
    Py_CLEAR(self->version);
    Py_CLEAR(self->tls_version);
    Py_CLEAR(self->tls_cipher);
    Py_CLEAR(self->arrivals);
    Py_CLEAR(self->outbox);
    Py_CLEAR(self->out);
    return 0;
}

static void
Conn_dealloc(Conn *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Conn_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Conn_methods[] = {
    {"data_received", (PyCFunction)loadcell_conn_data_received, METH_O, NULL},
    {"connection_made", (PyCFunction)Conn_connection_made, METH_O, NULL},
    {"send", (PyCFunction)(void (*)(void))Conn_send, METH_FASTCALL,
     "send(data, head_request=False, keep_body=True, timeout=inf, /): write a request (through "
     "`outbox` when set: at the end of the loop pass); the future resolves when the whole response "
     "has been parsed. keep_body=False (k6's responseType "
     "\"none\") counts the body's bytes and keeps none of them. The timeout (s) sets `deadline`, "
     "which the timeout sweep reads."},
    {"_finish", (PyCFunction)loadcell_conn_finish, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

#define OBJ(name) {#name, T_OBJECT_EX, offsetof(Conn, name), 0, NULL}
static PyMemberDef Conn_members[] = {
    OBJ(waiter),
    OBJ(head),
    OBJ(body),
    OBJ(version),
    OBJ(tls_version),
    OBJ(tls_cipher),
    OBJ(arrivals),
    OBJ(outbox),
    {"t_sent", T_DOUBLE, offsetof(Conn, t_sent), READONLY, NULL},
    {"t_first", T_DOUBLE, offsetof(Conn, t_first), 0, NULL},
    {"t_done", T_DOUBLE, offsetof(Conn, t_done), 0, NULL},
    {"deadline", T_DOUBLE, offsetof(Conn, deadline), 0, NULL},
    {"bytes_in", T_LONGLONG, offsetof(Conn, bytes_in), 0, NULL},
    {"bytes_out", T_LONGLONG, offsetof(Conn, bytes_out), 0, NULL},
    {"status", T_INT, offsetof(Conn, status), 0, NULL},
    {"flags", T_INT, offsetof(Conn, flags), 0, NULL},
    {"fd", T_INT, offsetof(Conn, fd), 0, NULL},
    {"closed", T_BOOL, offsetof(Conn, closed), 0, NULL},
    {"headers_done", T_BOOL, offsetof(Conn, headers_done), READONLY, NULL},
    {"keep_alive", T_BOOL, offsetof(Conn, keep_alive), 0, NULL},
    {"keep_body", T_BOOL, offsetof(Conn, keep_body), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef Conn_getset[] = {
    {"transport", (getter)Conn_get_transport, (setter)Conn_set_transport, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot Conn_slots[] = {
    {Py_tp_doc, "The C half of an HTTP/1.1 client connection (see loadcell.http.connection)."},
    {Py_tp_new, Conn_new},
    {Py_tp_init, Conn_init},
    {Py_tp_dealloc, Conn_dealloc},
    {Py_tp_traverse, Conn_traverse},
    {Py_tp_clear, Conn_clear},
    {Py_tp_methods, Conn_methods},
    {Py_tp_members, Conn_members},
    {Py_tp_getset, Conn_getset},
    {0, NULL},
};

static PyType_Spec Conn_spec = {
    .name = "loadcell.http._wire.Connection",
    .basicsize = sizeof(Conn),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC,
    .slots = Conn_slots,
};

PyTypeObject *loadcell_conn_type;

int
loadcell_add_connection(PyObject *module)
{
    if (loadcell_response_init() < 0) {
        return -1;
    }
    str_write = PyUnicode_InternFromString("write");
    str_create_future = PyUnicode_InternFromString("create_future");
    http11 = PyUnicode_InternFromString("HTTP/1.1");
    empty_bytes = PyBytes_FromStringAndSize(NULL, 0);
    empty_str = PyUnicode_InternFromString("");
    if (!str_write || !str_create_future || !http11 || !empty_bytes || !empty_str) {
        return -1;
    }
    PyObject *type = PyType_FromSpec(&Conn_spec);
    if (type == NULL || PyModule_AddObject(module, "Connection", Py_NewRef(type)) < 0) {
        Py_XDECREF(type);
        return -1;
    }
    loadcell_conn_type = (PyTypeObject *)type; /* the module's reference */
    return 0;
}
