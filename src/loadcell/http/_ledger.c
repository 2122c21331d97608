/* A VU's ledger: what its finished requests, its checks (_checks.c) and its iterations write into
   the process's sample buffer (loadcell.metrics.buffer), in C.

Why C: after the response protocol moved to C (_wire.c), the Python that turned a finished
exchange into a sample row and a Response was the largest single share of the interpreter's work
per request: six timings, the expected-status test, the tag-set lookup, a packed row and the
Response, ~150 bytecodes and a dozen boxed floats (docs/performance.md). Here they are plain C
doubles until the one row is copied into the buffer.

The rows are the layouts HTTP_FIELDS, GEN_FIELDS and ITER_FIELDS (_wire.h, exported by the module
to loadcell.metrics.buffer). Tag-set ids come from the handle's caches, keyed as http_key() and
check_key() key them (the handle's Python methods use the same two functions); on a miss the
handle's method is called, which interns the tag set and fills the cache. The rules, in readable
Python, are loadcell.http._reference.
*/
#include "_ledger.h"

#include <structmember.h>
#include <math.h>

PyObject *ledger_str_group;
static PyObject *str_codes, *str_close, *str_join, *str_true, *str_false, *str_empty, *empty_bytes;

int
ledger_ready(Ledger *self)
{
    if (self->handle == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Ledger.__init__() was not called");
        return 0;
    }
    return 1;
}

static PyObject *
body_of(Conn *conn)
{
    if (!conn->keep_body) { /* k6's discardResponseBodies / responseType "none": the body is null */
        return Py_NewRef(Py_None);
    }
    Py_ssize_t chunks = PyList_GET_SIZE(conn->body);
    if (chunks == 1) {
        return Py_NewRef(PyList_GET_ITEM(conn->body, 0));
    }
    if (chunks == 0) {
        return Py_NewRef(empty_bytes);
    }
    return PyObject_CallMethodOneArg(empty_bytes, str_join, conn->body);
}

static int
as_doubles(PyObject *const *args, Py_ssize_t n, double *out)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(args[i]);
        if (out[i] == -1.0 && PyErr_Occurred()) {
            return -1;
        }
    }
    return 0;
}

/* A tuple of floats (Py_BuildValue parses its format string on every call). */
static PyObject *
doubles_tuple(const double *values, Py_ssize_t n)
{
    PyObject *tuple = PyTuple_New(n);
    if (tuple == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *value = PyFloat_FromDouble(values[i]);
        if (value == NULL) {
            Py_DECREF(tuple);
            return NULL;
        }
        PyTuple_SET_ITEM(tuple, i, value);
    }
    return tuple;
}

/* A request's stamps (seconds): the client's before and after the dial, and the wire's. */
typedef struct {
    double t_start, t_conn, connect_s, tls_s, t_sent, t_first, t_done;
} Stamps;

/* k6's six timings (ms: blocked, connecting, tls_handshaking, sending, waiting, receiving) into
   row[3..8] and the duration (sending + waiting + receiving) into row[2]. */
static void
timings(const Stamps *s, double *row)
{
    row[3] = (s->t_conn - s->t_start) * 1000.0;
    row[4] = s->connect_s * 1000.0;
    row[5] = s->tls_s * 1000.0;
    row[6] = (s->t_sent - s->t_conn) * 1000.0;
    row[7] = (s->t_first - s->t_sent) * 1000.0;
    row[8] = (s->t_done - s->t_first) * 1000.0;
    row[2] = row[6] + row[7] + row[8];
}

/* One finished exchange, whatever protocol carried it: what HTTP/1.1 (settle, from the connection's
   struct) and HTTP/2 (record, from its stream) hand over. Objects are borrowed. */
typedef struct {
    PyObject *method, *url, *tags, *expected;
    PyObject *version, *tls_version, *tls_cipher, *head, *body;
    int status;
    Stamps t;
} Exchange;

/* The exchange's sample row and its Response (k6's timings; error_code 1000 + status from 400 on). */
static PyObject *
record_exchange(Ledger *self, const Exchange *ex)
{
    PyObject *response = NULL, *status_obj = NULL, *group = NULL, *error_code_obj = NULL;
    PyObject *key = NULL, *timings_obj = NULL, *error = NULL;
    double row[HTTP_FIELDS] = {0.0};
    row[HTTP_TIME_COL] = ex->t.t_done;
    timings(&ex->t, row);

    status_obj = PyLong_FromLong(ex->status);
    if (status_obj == NULL) {
        goto done;
    }
    /* http_req_failed and the expected_response tag: NaN and no tag without expected statuses.
       An ExpectedStatuses' codes are read once per object (they are built once, in its __init__). */
    row[HTTP_FAILED_COL] = NAN;
    PyObject *ok_tag = str_empty;
    if (ex->expected != Py_None) {
        if (ex->expected != self->expected) {
            PyObject *codes = PyObject_GetAttr(ex->expected, str_codes);
            if (codes == NULL) {
                goto done;
            }
            Py_XSETREF(self->codes, codes);
            Py_XSETREF(self->expected, Py_NewRef(ex->expected));
        }
        int hit = PySequence_Contains(self->codes, status_obj);
        if (hit < 0) {
            goto done;
        }
        row[HTTP_FAILED_COL] = hit ? 0.0 : 1.0;
        ok_tag = hit ? str_true : str_false;
    }
    int error_code = ex->status >= ERROR_STATUS ? ERROR_CODE_BASE + ex->status : 0;

    if ((group = PyObject_GetAttr(self->handle, ledger_str_group)) == NULL ||
        (error_code_obj = PyLong_FromLong(error_code)) == NULL) {
        goto done;
    }
    PyObject *key_args[HTTP_KEY_FIELDS] = {group,  ex->method, ex->url,  status_obj,
                                           ex->version, ok_tag, ex->tags, ex->tls_version};
    if ((key = ledger_http_key(key_args)) == NULL) {
        goto done;
    }
    PyObject *miss_args[8] = {ex->method, ex->url,       status_obj, ex->version, ok_tag,
                              error_code_obj, ex->tags, ex->tls_version};
    if (ledger_tagset(self->http_cache, key, self->http_miss, miss_args, 8, &row[HTTP_TAGSET_COL]) < 0 ||
        ledger_append_row(self->http_rows, row, HTTP_FIELDS) < 0) {
        goto done;
    }
    if ((timings_obj = doubles_tuple(row + 3, 6)) == NULL ||
        (error = error_code ? PyUnicode_FromFormat("HTTP %d", ex->status) : Py_NewRef(str_empty)) == NULL) {
        goto done;
    }
    PyObject *fields[11] = {ex->method, ex->url, status_obj,     ex->version,     ex->head,      ex->body,
                            timings_obj, error,  error_code_obj, ex->tls_version, ex->tls_cipher};
    response = PyObject_Vectorcall(self->response, fields, 11, NULL);
done:
    Py_XDECREF(status_obj);
    Py_XDECREF(group);
    Py_XDECREF(error_code_obj);
    Py_XDECREF(key);
    Py_XDECREF(timings_obj);
    Py_XDECREF(error);
    return response;
}

static PyObject *
Ledger_settle(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ledger_ready(self)) {
        return NULL;
    }
    if (nargs != 10 || !PyObject_TypeCheck(args[0], loadcell_conn_type) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "settle(conn, idle: list, method, url, tags, expected, t_start, t_conn, "
                                         "connect_s, tls_s)");
        return NULL;
    }
    Conn *conn = (Conn *)args[0];
    Exchange ex = {.method = args[2], .url = args[3], .tags = args[4], .expected = args[5]};
    if (as_doubles(args + 6, 4, &ex.t.t_start) < 0) { /* t_start, t_conn, connect_s, tls_s */
        return NULL;
    }
    /* What the exchange left on the connection, taken before any call into Python (close(), a
       tag-set miss, the Response) could change it. */
    int reusable = conn->keep_alive && !conn->closed;
    ex.status = conn->status;
    ex.t.t_sent = conn->t_sent, ex.t.t_done = conn->t_done;
    ex.t.t_first = conn->t_first != 0.0 ? conn->t_first : conn->t_done;
    ex.version = Py_NewRef(conn->version), ex.head = Py_NewRef(conn->head);
    ex.tls_version = Py_NewRef(conn->tls_version), ex.tls_cipher = Py_NewRef(conn->tls_cipher);
    PyObject *response = NULL;
    ex.body = body_of(conn);
    if (ex.body == NULL) {
        goto done;
    }
    self->bytes_sent += conn->bytes_out;
    self->bytes_received += conn->bytes_in;
    conn->bytes_out = conn->bytes_in = 0;

    /* The connection goes back to the idle list, or is closed (HttpConnection.close). */
    if (reusable) {
        if (PyList_Append(args[1], (PyObject *)conn) < 0) {
            goto done;
        }
    } else {
        PyObject *r = PyObject_CallMethodNoArgs((PyObject *)conn, str_close);
        if (r == NULL) {
            goto done;
        }
        Py_DECREF(r);
    }
    response = record_exchange(self, &ex);
done:
    Py_DECREF(ex.version);
    Py_DECREF(ex.head);
    Py_DECREF(ex.tls_version);
    Py_DECREF(ex.tls_cipher);
    Py_XDECREF(ex.body);
    return response;
}

static PyObject *
Ledger_record(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ledger_ready(self)) {
        return NULL;
    }
    if (nargs != 19 || !PyLong_Check(args[4])) {
        PyErr_SetString(PyExc_TypeError,
                        "record(method, url, tags, expected, status, proto, tls_version, tls_cipher, head, body, "
                        "t_start, t_conn, connect_s, tls_s, t_sent, t_first, t_done, bytes_sent, bytes_received)");
        return NULL;
    }
    Exchange ex = {.method = args[0],      .url = args[1],        .tags = args[2],  .expected = args[3],
                   .version = args[5],     .tls_version = args[6], .tls_cipher = args[7],
                   .head = args[8],        .body = args[9]};
    ex.status = (int)PyLong_AsLong(args[4]);
    if ((ex.status == -1 && PyErr_Occurred()) || as_doubles(args + 10, 7, &ex.t.t_start) < 0) {
        return NULL;
    }
    long long sent = PyLong_AsLongLong(args[17]), received = PyLong_AsLongLong(args[18]);
    if ((sent == -1 || received == -1) && PyErr_Occurred()) {
        return NULL;
    }
    self->bytes_sent += sent;
    self->bytes_received += received;
    return record_exchange(self, &ex);
}

static PyObject *
Ledger_failed(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ledger_ready(self)) {
        return NULL;
    }
    if (nargs != 9) {
        PyErr_SetString(PyExc_TypeError,
                        "failed(tagset, failed, t_start, t_conn, connect_s, tls_s, t_sent, t_first, t_end) -> timings");
        return NULL;
    }
    double row[HTTP_FIELDS];
    Stamps t;
    if (as_doubles(args, 2, row) < 0 || as_doubles(args + 2, 7, &t.t_start) < 0) {
        return NULL;
    }
    row[HTTP_FAILED_COL] = row[1];
    row[HTTP_TIME_COL] = clock_now();
    timings(&t, row);
    if (ledger_append_row(self->http_rows, row, HTTP_FIELDS) < 0) {
        return NULL;
    }
    return doubles_tuple(row + 3, 6);
}

static PyObject *
Ledger_iteration(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ledger_ready(self)) {
        return NULL;
    }
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "iteration(tagset, start, completed) -> end");
        return NULL;
    }
    double tid_start[2];
    if (as_doubles(args, 2, tid_start) < 0) {
        return NULL;
    }
    int completed = PyObject_IsTrue(args[2]);
    if (completed < 0) {
        return NULL;
    }
    double end = clock_now();
    double row[ITER_FIELDS] = {tid_start[0],
                               end,
                               (end - tid_start[1]) * 1000.0,
                               (double)self->bytes_sent,
                               (double)self->bytes_received,
                               completed ? 1.0 : 0.0};
    if (ledger_append_row(self->iter_rows, row, ITER_FIELDS) < 0) {
        return NULL;
    }
    self->bytes_sent = self->bytes_received = 0;
    return PyFloat_FromDouble(end);
}

/* the type ------------------------------------------------------------------------------------- */

/* handle.<name>, which must be of `type` (NULL: any). */
static PyObject *
handle_attr(PyObject *handle, const char *name, PyTypeObject *type)
{
    PyObject *value = PyObject_GetAttrString(handle, name);
    if (value != NULL && type != NULL && !Py_IS_TYPE(value, type)) {
        PyErr_Format(PyExc_TypeError, "the metrics handle's %s must be a %s", name, type->tp_name);
        Py_CLEAR(value);
    }
    return value;
}

static int
Ledger_init(Ledger *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"handle", "response", "checks_metric", NULL};
    PyObject *handle, *response;
    int checks_metric;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOi", kwlist, &handle, &response, &checks_metric)) {
        return -1;
    }
    PyObject *buffer = PyObject_GetAttrString(handle, "buffer");
    if (buffer == NULL) {
        return -1;
    }
    PyObject *got[] = {
        handle_attr(buffer, "http", &PyByteArray_Type),   handle_attr(buffer, "gen", &PyByteArray_Type),
        handle_attr(buffer, "iters", &PyByteArray_Type),  handle_attr(handle, "http_cache", &PyDict_Type),
        handle_attr(handle, "check_cache", &PyDict_Type), handle_attr(handle, "http_tagset", NULL),
        handle_attr(handle, "check_tagset", NULL),
    };
    Py_DECREF(buffer);
    int n = (int)(sizeof(got) / sizeof(got[0]));
    for (int i = 0; i < n; i++) {
        if (got[i] == NULL) {
            for (int j = 0; j < n; j++) {
                Py_XDECREF(got[j]);
            }
            return -1;
        }
    }
    Py_XSETREF(self->handle, Py_NewRef(handle));
    Py_XSETREF(self->http_rows, got[0]);
    Py_XSETREF(self->gen_rows, got[1]);
    Py_XSETREF(self->iter_rows, got[2]);
    Py_XSETREF(self->http_cache, got[3]);
    Py_XSETREF(self->check_cache, got[4]);
    Py_XSETREF(self->http_miss, got[5]);
    Py_XSETREF(self->check_miss, got[6]);
    Py_XSETREF(self->response, Py_NewRef(response));
    self->checks_metric = checks_metric;
    return 0;
}

static int
Ledger_traverse(Ledger *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->handle);
    Py_VISIT(self->http_cache);
    Py_VISIT(self->check_cache);
    Py_VISIT(self->http_miss);
    Py_VISIT(self->check_miss);
    Py_VISIT(self->response);
    Py_VISIT(self->expected);
    Py_VISIT(self->codes);
    return 0;
}

static int
Ledger_clear(Ledger *self)
{
    Py_CLEAR(self->handle);
    Py_CLEAR(self->http_rows);
    Py_CLEAR(self->gen_rows);
    Py_CLEAR(self->iter_rows);
    Py_CLEAR(self->http_cache);
    Py_CLEAR(self->check_cache);
    Py_CLEAR(self->http_miss);
    Py_CLEAR(self->check_miss);
    Py_CLEAR(self->response);
    Py_CLEAR(self->expected);
    Py_CLEAR(self->codes);
    return 0;
}

static void
Ledger_dealloc(Ledger *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    Ledger_clear(self);
    tp->tp_free((PyObject *)self);
    Py_DECREF(tp);
}

static PyMethodDef Ledger_methods[] = {
    {"settle", (PyCFunction)(void (*)(void))Ledger_settle, METH_FASTCALL,
     "settle($self, conn, idle, method, url, tags, expected, t_start, t_conn, connect_s, tls_s, /)\n--\n\n"
     "One finished exchange, as a Response: its bytes are counted, the connection goes back to `idle` (or is "
     "closed), its sample row is written and its Response built."},
    {"record", (PyCFunction)(void (*)(void))Ledger_record, METH_FASTCALL,
     "record($self, method, url, tags, expected, status, proto, tls_version, tls_cipher, head, body, t_start, "
     "t_conn, connect_s, tls_s, t_sent, t_first, t_done, bytes_sent, bytes_received, /)\n--\n\n"
     "One finished exchange of a protocol whose state is not a Connection (HTTP/2's streams): the same row "
     "and Response as settle()."},
    {"failed", (PyCFunction)(void (*)(void))Ledger_failed, METH_FASTCALL,
     "failed($self, tagset, failed, t_start, t_conn, connect_s, tls_s, t_sent, t_first, t_end, /)\n--\n\n"
     "The row of a request that got no response, timed as settle() times one; returns its six timings."},
    {"checks", (PyCFunction)(void (*)(void))Ledger_checks, METH_FASTCALL,
     "checks($self, value, checks, tags, /)\n--\n\n"
     "k6's check(), True when all passed: each predicate's truth is one "
     "`checks` sample, in the handle's group; a predicate that raises is a failed check, and raises."},
    {"iteration", (PyCFunction)(void (*)(void))Ledger_iteration, METH_FASTCALL,
     "iteration($self, tagset, start, completed, /)\n--\n\n"
     "The iteration's row (duration, the bytes its "
     "requests moved); returns its end time, and the byte counts start again from zero."},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Ledger_members[] = {
    {"bytes_sent", T_LONGLONG, offsetof(Ledger, bytes_sent), 0, NULL},
    {"bytes_received", T_LONGLONG, offsetof(Ledger, bytes_received), 0, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot Ledger_slots[] = {
    {Py_tp_doc, "Ledger(handle, response, checks_metric): what a VU's requests, checks and iterations "
                "write into its metrics handle's sample buffer."},
    {Py_tp_new, PyType_GenericNew},
    {Py_tp_init, Ledger_init},
    {Py_tp_dealloc, Ledger_dealloc},
    {Py_tp_traverse, Ledger_traverse},
    {Py_tp_clear, Ledger_clear},
    {Py_tp_methods, Ledger_methods},
    {Py_tp_members, Ledger_members},
    {0, NULL},
};

static PyType_Spec Ledger_spec = {
    .name = "loadcell.http._wire.Ledger",
    .basicsize = sizeof(Ledger),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .slots = Ledger_slots,
};

int
loadcell_add_ledger(PyObject *module)
{
    ledger_str_group = PyUnicode_InternFromString("group");
    str_codes = PyUnicode_InternFromString("codes");
    str_close = PyUnicode_InternFromString("close");
    str_join = PyUnicode_InternFromString("join");
    str_true = PyUnicode_InternFromString("true");
    str_false = PyUnicode_InternFromString("false");
    str_empty = PyUnicode_InternFromString("");
    empty_bytes = PyBytes_FromStringAndSize(NULL, 0);
    if (!ledger_str_group || !str_codes || !str_close || !str_join || !str_true || !str_false || !str_empty ||
        !empty_bytes) {
        return -1;
    }
    PyObject *type = PyType_FromSpec(&Ledger_spec);
    if (type == NULL) {
        return -1;
    }
    if (PyModule_AddObject(module, "Ledger", type) < 0) {
        Py_DECREF(type);
        return -1;
    }
    return PyModule_AddFunctions(module, ledger_key_functions);
}
