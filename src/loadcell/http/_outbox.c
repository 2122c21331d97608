/* A loop's corked request writes (Outbox), and the write of one connection's request. */
#include "_wire.h"

static PyObject *str_fail;

/* corked writes ----------------------------------------------------------------------------- */

/* One per event loop. A request is written when the loop's current pass of ready callbacks
   ends, together with every other request made in that pass, not at the moment a VU asks.

   Why: a VU's iteration costs tens of µs of Python, so requests written one by one reach the
   server tens of µs apart, and a fast server falls asleep between them: nginx slept after 0.43
   requests on average against 0.04 under wrk, and each wake-up is kernel work on both sides
   (docs/performance.md). Written together, they wake it once per pass. The wait in the outbox
   is part of `sending` (t_sent is stamped at the write), as a goroutine's scheduling delay
   before its write is part of k6's. */
typedef struct {
    PyObject_HEAD
    PyObject *call_soon; /* loop.call_soon, bound once */
    PyObject *queue;     /* list of Conn with a request in `out` */
    PyObject *after;     /* called after each flush, or None (the arrival stamps' look) */
    double last_write;   /* when a request last went out, directly or by a flush */
    char scheduled;
} Outbox;

/* A request made after this long without a write goes out at once: corking pays only when
   requests come faster than a server wakes up, and at light load it would only add a loop
   pass (~70 µs here) to http_req_sending. */
#define CORK_AFTER 0.0002

static PyObject *
Outbox_call(Outbox *self, PyObject *Py_UNUSED(args), PyObject *Py_UNUSED(kwargs))
{
    /* The flush: called by the loop with no arguments. */
    self->scheduled = 0;
    PyObject *queue = self->queue;
    self->queue = PyList_New(0);
    if (self->queue == NULL) {
        self->queue = queue;
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(queue);
    int rc = 0;
    for (Py_ssize_t i = 0; i < n && rc == 0; i++) {
        rc = loadcell_write_now((Conn *)PyList_GET_ITEM(queue, i));
    }
    Py_DECREF(queue);
    self->last_write = clock_now();
    if (rc < 0) {
        return NULL;
    }
    if (self->after != Py_None) { /* a long flush is a stretch of loop time with no VU code to look */
        return PyObject_CallNoArgs(self->after);
    }
    Py_RETURN_NONE;
}

static int
Outbox_post(Outbox *self, Conn *conn)
{
    if (PyList_Append(self->queue, (PyObject *)conn) < 0) {
        return -1;
    }
    if (!self->scheduled) {
        PyObject *handle = PyObject_CallOneArg(self->call_soon, (PyObject *)self);
        if (handle == NULL) {
            return -1;
        }
        Py_DECREF(handle);
        self->scheduled = 1;
    }
    return 0;
}

static int
Outbox_init(Outbox *self, PyObject *args, PyObject *kwds)
{
    PyObject *loop, *after = Py_None;
    static char *kwlist[] = {"loop", "after", NULL};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O", kwlist, &loop, &after)) {
        return -1;
    }
    Py_XSETREF(self->after, Py_NewRef(after));
    PyObject *call_soon = PyObject_GetAttrString(loop, "call_soon");
    if (call_soon == NULL) {
        return -1;
    }
    Py_XSETREF(self->call_soon, call_soon);
    PyObject *queue = PyList_New(0);
    if (queue == NULL) {
        return -1;
    }
    Py_XSETREF(self->queue, queue);
    return 0;
}

static PyObject *
Outbox_len(Outbox *self, PyObject *Py_UNUSED(ignored))
{
    return PyLong_FromSsize_t(self->queue != NULL ? PyList_GET_SIZE(self->queue) : 0);
}

static int
Outbox_traverse(Outbox *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->call_soon);
    Py_VISIT(self->queue);
    Py_VISIT(self->after);
    return 0;
}

static int
Outbox_clear(Outbox *self)
{
    Py_CLEAR(self->call_soon);
    Py_CLEAR(self->queue);
    Py_CLEAR(self->after);
    return 0;
}

static void
Outbox_dealloc(Outbox *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Outbox_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Outbox_methods[] = {
    {"pending", (PyCFunction)Outbox_len, METH_NOARGS, "pending($self, /)\n--\n\nRequests waiting for the flush."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot Outbox_slots[] = {
    {Py_tp_doc, "Outbox(loop, after=None): the loop's corked request writes; calling it writes them "
                "all, then calls after()."},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_init, Outbox_init},
    {Py_tp_call, Outbox_call},
    {Py_tp_dealloc, Outbox_dealloc},
    {Py_tp_traverse, Outbox_traverse},
    {Py_tp_clear, Outbox_clear},
    {Py_tp_methods, Outbox_methods},
    {0, NULL},
};

static PyType_Spec Outbox_spec = {
    .name = "loadcell.http._wire.Outbox",
    .basicsize = sizeof(Outbox),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = Outbox_slots,
};


/* Write the request waiting in `out`. A failed write fails the request (the client records it),
   not the flush: other connections' requests still go out. */
int
loadcell_write_now(Conn *conn)
{
    PyObject *out = conn->out;
    if (out == NULL) {
        return 0;
    }
    conn->out = NULL;
    if (conn->closed || conn->write == NULL) { /* closed while corked: its waiter is already failed */
        Py_DECREF(out);
        return 0;
    }
    conn->t_sent = clock_now();
    conn->deadline = conn->t_sent + conn->timeout;
    PyObject *r = PyObject_CallOneArg(conn->write, out);
    Py_DECREF(out);
    if (r != NULL) {
        Py_DECREF(r);
        return 0;
    }
    if (!PyErr_ExceptionMatches(PyExc_Exception)) { /* KeyboardInterrupt and the like go on up */
        return -1;
    }
    PyObject *type, *exc, *tb;
    PyErr_Fetch(&type, &exc, &tb);
    PyErr_NormalizeException(&type, &exc, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(exc, tb);
    }
    Py_XDECREF(type);
    Py_XDECREF(tb);
    r = PyObject_CallMethodOneArg((PyObject *)conn, str_fail, exc);
    Py_DECREF(exc);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

PyTypeObject *loadcell_outbox_type;

int
loadcell_outbox_send(PyObject *outbox, Conn *conn, double now)
{
    Outbox *box = (Outbox *)outbox;
    if (PyList_GET_SIZE(box->queue) == 0 && now - box->last_write > CORK_AFTER) {
        box->last_write = now; /* light load: write now */
        return loadcell_write_now(conn);
    }
    if (Outbox_post(box, conn) < 0) {
        Py_CLEAR(conn->out);
        return -1;
    }
    return 0;
}

int
loadcell_add_outbox(PyObject *module)
{
    str_fail = PyUnicode_InternFromString("_fail");
    if (str_fail == NULL) {
        return -1;
    }
    loadcell_outbox_type = (PyTypeObject *)PyType_FromSpec(&Outbox_spec);
    if (loadcell_outbox_type == NULL) {
        return -1;
    }
    return PyModule_AddObject(module, "Outbox", Py_NewRef(loadcell_outbox_type)) < 0 ? -1 : 0;
}
