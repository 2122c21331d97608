/* A VU's ledger: what its finished requests, its checks and its iterations write into the
   process's sample buffer (loadcell.metrics.buffer), in C.

Why C: after the response protocol moved to C (_wire.c), the Python that turned a finished
exchange into a sample row and a Response was the largest single share of the interpreter's work
per request: six timings, the expected-status test, the tag-set lookup, a packed row and the
Response, ~150 bytecodes and a dozen boxed floats (docs/performance.md). Here they are plain C
doubles until the one row is copied into the buffer.

The rows are the buffer's layouts (HTTP_FIELDS, GEN_FIELDS, ITER_FIELDS in metrics/buffer.py).
Tag-set ids come from the VU's caches, keyed exactly as the VU's Python methods key them; on a
miss the VU's method is called, which interns the tag set and fills the cache.
*/
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <math.h>

#include "_wire.h"

#define HTTP_FIELDS 10
#define GEN_FIELDS 4
#define ITER_FIELDS 6

typedef struct {
    PyObject_HEAD
    PyObject *vu;          /* read for its `group` */
    PyObject *http_rows;   /* the buffer's bytearrays */
    PyObject *gen_rows;
    PyObject *iter_rows;
    PyObject *http_cache;  /* the VU's tag-set caches (dicts) */
    PyObject *check_cache;
    PyObject *http_miss;   /* vu.http_tagset */
    PyObject *check_miss;  /* vu.check_tagset */
    PyObject *response;    /* the Response type */
    PyObject *expected;    /* the last ExpectedStatuses seen, and its `codes` (most requests share one) */
    PyObject *codes;
    double checks_metric;  /* the `checks` metric's id */
    long long bytes_sent;  /* of the iteration so far */
    long long bytes_received;
} Ledger;

static PyObject *str_group, *str_codes, *str_close, *str_join, *str_true, *str_false, *str_empty, *empty_bytes;

/* A Ledger made without __init__ (Ledger.__new__) has no buffer to write to. */
static int
ready(Ledger *self)
{
    if (self->vu == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "Ledger.__init__() was not called");
        return 0;
    }
    return 1;
}

/* Append one row of doubles to a bytearray (the buffer's append-only store). */
static int
append_row(PyObject *rows, const double *row, Py_ssize_t fields)
{
    Py_ssize_t size = PyByteArray_GET_SIZE(rows);
    Py_ssize_t n = fields * (Py_ssize_t)sizeof(double);
    if (PyByteArray_Resize(rows, size + n) < 0) {
        return -1;
    }
    memcpy(PyByteArray_AS_STRING(rows) + size, row, (size_t)n);
    return 0;
}

/* The tag set's key part for extra tags: tuple(tags.items()) if tags else None, as the VU's. */
static PyObject *
tags_key(PyObject *tags)
{
    if (tags == Py_None) {
        return Py_NewRef(Py_None);
    }
    int truth = PyObject_IsTrue(tags);
    if (truth <= 0) {
        return truth < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *items = PyMapping_Items(tags);
    if (items == NULL) {
        return NULL;
    }
    PyObject *key = PyList_AsTuple(items);
    Py_DECREF(items);
    return key;
}

/* The tag-set id for `key` from `cache`, or from `miss(*args)` (which fills the cache). */
static int
tagset(PyObject *cache, PyObject *key, PyObject *miss, PyObject *const *args, Py_ssize_t nargs, double *out)
{
    PyObject *tid = PyDict_GetItemWithError(cache, key); /* borrowed */
    if (tid != NULL) {
        Py_INCREF(tid);
    } else {
        if (PyErr_Occurred()) {
            return -1;
        }
        tid = PyObject_Vectorcall(miss, args, (size_t)nargs, NULL);
        if (tid == NULL) {
            return -1;
        }
    }
    *out = PyLong_AsDouble(tid);
    Py_DECREF(tid);
    return *out == -1.0 && PyErr_Occurred() ? -1 : 0;
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

/* One finished exchange, whatever protocol carried it: what HTTP/1.1 (settle, from the connection's
   struct) and HTTP/2 (record, from its stream) hand over. Objects are borrowed. */
typedef struct {
    PyObject *method, *url, *tags, *expected;
    PyObject *version, *tls_version, *tls_cipher, *head, *body;
    int status;
    double t_start, t_conn, connect_s, tls_s; /* the client's stamps: before and after the dial */
    double t_sent, t_first, t_done;           /* the wire's */
} Exchange;

/* The exchange's sample row and its Response (k6's timings; error_code 1000 + status from 400 on). */
static PyObject *
record_exchange(Ledger *self, const Exchange *ex)
{
    PyObject *response = NULL, *status_obj = NULL, *group = NULL, *extra = NULL, *error_code_obj = NULL;
    PyObject *key = NULL, *timings = NULL, *error = NULL;
    double blocked = (ex->t_conn - ex->t_start) * 1000.0;
    double connecting = ex->connect_s * 1000.0;
    double tls = ex->tls_s * 1000.0;
    double sending = (ex->t_sent - ex->t_conn) * 1000.0;
    double waiting = (ex->t_first - ex->t_sent) * 1000.0;
    double receiving = (ex->t_done - ex->t_first) * 1000.0;

    status_obj = PyLong_FromLong(ex->status);
    if (status_obj == NULL) {
        goto done;
    }
    /* http_req_failed and the expected_response tag: NaN and no tag without expected statuses.
       An ExpectedStatuses' codes are read once per object (they are built once, in its __init__). */
    double failed = NAN;
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
        failed = hit ? 0.0 : 1.0;
        ok_tag = hit ? str_true : str_false;
    }
    int error_code = ex->status >= 400 ? 1000 + ex->status : 0;

    if ((group = PyObject_GetAttr(self->vu, str_group)) == NULL || (extra = tags_key(ex->tags)) == NULL ||
        (error_code_obj = PyLong_FromLong(error_code)) == NULL ||
        (key = PyTuple_Pack(8, group, ex->method, ex->url, status_obj, ex->version, ok_tag, extra,
                            ex->tls_version)) == NULL) {
        goto done;
    }
    PyObject *miss_args[8] = {ex->method, ex->url,       status_obj, ex->version, ok_tag,
                              error_code_obj, ex->tags, ex->tls_version};
    double row[HTTP_FIELDS] = {0.0,     ex->t_done, sending + waiting + receiving, blocked, connecting, tls,
                               sending, waiting,    receiving,                     failed};
    if (tagset(self->http_cache, key, self->http_miss, miss_args, 8, &row[0]) < 0 ||
        append_row(self->http_rows, row, HTTP_FIELDS) < 0) {
        goto done;
    }
    if ((timings = doubles_tuple((double[]){blocked, connecting, tls, sending, waiting, receiving}, 6)) == NULL ||
        (error = error_code ? PyUnicode_FromFormat("HTTP %d", ex->status) : Py_NewRef(str_empty)) == NULL) {
        goto done;
    }
    PyObject *fields[11] = {ex->method, ex->url, status_obj,     ex->version,     ex->head,      ex->body,
                            timings,    error,   error_code_obj, ex->tls_version, ex->tls_cipher};
    response = PyObject_Vectorcall(self->response, fields, 11, NULL);
done:
    Py_XDECREF(status_obj);
    Py_XDECREF(group);
    Py_XDECREF(extra);
    Py_XDECREF(error_code_obj);
    Py_XDECREF(key);
    Py_XDECREF(timings);
    Py_XDECREF(error);
    return response;
}

static PyObject *
Ledger_settle(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ready(self)) {
        return NULL;
    }
    if (nargs != 10 || !PyObject_TypeCheck(args[0], loadcell_conn_type) || !PyList_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "settle(conn, idle: list, method, url, tags, expected, t_start, t_conn, "
                                         "connect_s, tls_s)");
        return NULL;
    }
    Conn *conn = (Conn *)args[0];
    Exchange ex = {.method = args[2], .url = args[3], .tags = args[4], .expected = args[5]};
    double t[4]; /* t_start, t_conn, connect_s, tls_s */
    if (as_doubles(args + 6, 4, t) < 0) {
        return NULL;
    }
    ex.t_start = t[0], ex.t_conn = t[1], ex.connect_s = t[2], ex.tls_s = t[3];
    /* What the exchange left on the connection, taken before any call into Python (close(), a
       tag-set miss, the Response) could change it. */
    int reusable = conn->keep_alive && !conn->closed;
    ex.status = conn->status;
    ex.t_sent = conn->t_sent, ex.t_done = conn->t_done;
    ex.t_first = conn->t_first != 0.0 ? conn->t_first : conn->t_done;
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
    if (!ready(self)) {
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
    double t[7];
    if ((ex.status == -1 && PyErr_Occurred()) || as_doubles(args + 10, 7, t) < 0) {
        return NULL;
    }
    long long sent = PyLong_AsLongLong(args[17]), received = PyLong_AsLongLong(args[18]);
    if ((sent == -1 || received == -1) && PyErr_Occurred()) {
        return NULL;
    }
    ex.t_start = t[0], ex.t_conn = t[1], ex.connect_s = t[2], ex.tls_s = t[3];
    ex.t_sent = t[4], ex.t_first = t[5], ex.t_done = t[6];
    self->bytes_sent += sent;
    self->bytes_received += received;
    return record_exchange(self, &ex);
}

/* One `checks` sample for the check `name` (tags: the check's extra tags, group: the VU's). */
static int
record_check(Ledger *self, PyObject *group, PyObject *extra, PyObject *name, PyObject *tags, int ok)
{
    PyObject *key = PyTuple_Pack(3, group, name, extra);
    if (key == NULL) {
        return -1;
    }
    PyObject *miss_args[2] = {name, tags};
    double row[GEN_FIELDS] = {self->checks_metric, 0.0, 0.0, ok ? 1.0 : 0.0};
    int rc = tagset(self->check_cache, key, self->check_miss, miss_args, 2, &row[1]);
    Py_DECREF(key);
    if (rc < 0) {
        return -1;
    }
    row[2] = clock_now();
    return append_row(self->gen_rows, row, GEN_FIELDS);
}

/* A predicate's result as a truth value: 1, 0, or -1 with an error (an awaitable result is one:
   it would never run, and would always be true). */
static int
truth(PyObject *name, PyObject *result)
{
    if (result == Py_True || result == Py_False) {
        return result == Py_True;
    }
    PyAsyncMethods *async = Py_TYPE(result)->tp_as_async;
    int awaitable = async != NULL && async->am_await != NULL;
    if (!awaitable && PyGen_Check(result)) { /* a @types.coroutine generator's */
        PyObject *code = PyObject_GetAttrString(result, "gi_code");
        if (code == NULL) {
            return -1;
        }
        awaitable = PyCode_Check(code) && (((PyCodeObject *)code)->co_flags & CO_ITERABLE_COROUTINE);
        Py_DECREF(code);
    }
    if (awaitable) {
        if (PyObject_HasAttrString(result, "close")) { /* no "never awaited" warning */
            PyObject *r = PyObject_CallMethod(result, "close", NULL);
            if (r == NULL) {
                return -1;
            }
            Py_DECREF(r);
        }
        PyErr_Format(PyExc_TypeError, "check %R returned an awaitable; checks must be plain functions", name);
        return -1;
    }
    return PyObject_IsTrue(result);
}

/* One check: its predicate's truth (a predicate that is not callable is its own result), and its
   sample. A predicate that raises counts as failed, and its exception goes on to the script. */
static int
run_check(Ledger *self, PyObject *group, PyObject *extra, PyObject *name, PyObject *predicate, PyObject *value,
          PyObject *tags)
{
    Py_INCREF(name);
    Py_INCREF(predicate);
    int ok = -1;
    PyObject *result = PyCallable_Check(predicate) ? PyObject_CallOneArg(predicate, value) : Py_NewRef(predicate);
    if (result != NULL) {
        ok = truth(name, result);
        Py_DECREF(result);
    }
    if (ok < 0) {
        if (PyErr_ExceptionMatches(PyExc_Exception)) {
            PyObject *type, *exc, *tb;
            PyErr_Fetch(&type, &exc, &tb);
            if (record_check(self, group, extra, name, tags, 0) < 0) {
                PyErr_Clear(); /* the predicate's error is the one the script sees */
            }
            PyErr_Restore(type, exc, tb);
        }
    } else if (record_check(self, group, extra, name, tags, ok) < 0) {
        ok = -1;
    }
    Py_DECREF(name);
    Py_DECREF(predicate);
    return ok;
}

static PyObject *
Ledger_checks(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ready(self)) {
        return NULL;
    }
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "checks(value, checks, tags) -> all passed");
        return NULL;
    }
    PyObject *value = args[0], *checks = args[1], *tags = args[2];
    PyObject *group = PyObject_GetAttr(self->vu, str_group);
    if (group == NULL) {
        return NULL;
    }
    PyObject *extra = tags_key(tags);
    if (extra == NULL) {
        Py_DECREF(group);
        return NULL;
    }
    int all_ok = 1, ok = 1;
    if (PyDict_CheckExact(checks)) {
        /* As Python's dict iterator: a predicate that changes the dict ends the check. */
        Py_ssize_t pos = 0, size = PyDict_GET_SIZE(checks), seen = 0;
        PyObject *name, *predicate;
        while (ok >= 0 && PyDict_Next(checks, &pos, &name, &predicate)) {
            if (++seen > size) {
                PyErr_SetString(PyExc_RuntimeError, "dictionary keys changed during iteration");
                ok = -1;
                break;
            }
            ok = run_check(self, group, extra, name, predicate, value, tags);
            all_ok &= ok == 1;
            if (ok >= 0 && PyDict_GET_SIZE(checks) != size) {
                PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
                ok = -1;
            }
        }
    } else {
        PyObject *items = PyMapping_Items(checks);
        if (items == NULL) {
            ok = -1;
        }
        for (Py_ssize_t i = 0; ok >= 0 && i < PyList_GET_SIZE(items); i++) {
            PyObject *item = PyList_GET_ITEM(items, i);
            if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
                PyErr_SetString(PyExc_TypeError, "checks must map names to predicates");
                ok = -1;
                break;
            }
            ok = run_check(self, group, extra, PyTuple_GET_ITEM(item, 0), PyTuple_GET_ITEM(item, 1), value, tags);
            all_ok &= ok == 1;
        }
        Py_XDECREF(items);
    }
    Py_DECREF(group);
    Py_DECREF(extra);
    if (ok < 0) {
        return NULL;
    }
    return PyBool_FromLong(all_ok);
}

static PyObject *
Ledger_iteration(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ready(self)) {
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
    if (append_row(self->iter_rows, row, ITER_FIELDS) < 0) {
        return NULL;
    }
    self->bytes_sent = self->bytes_received = 0;
    return PyFloat_FromDouble(end);
}

/* the type ------------------------------------------------------------------------------------- */

static int
Ledger_init(Ledger *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"vu",        "http_rows",  "gen_rows", "iter_rows",     "http_cache", "check_cache",
                             "http_miss", "check_miss", "response", "checks_metric", NULL};
    PyObject *vu, *http_rows, *gen_rows, *iter_rows, *http_cache, *check_cache, *http_miss, *check_miss, *response;
    int checks_metric;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO!O!O!O!O!OOOi", kwlist, &vu, &PyByteArray_Type, &http_rows,
                                     &PyByteArray_Type, &gen_rows, &PyByteArray_Type, &iter_rows, &PyDict_Type,
                                     &http_cache, &PyDict_Type, &check_cache, &http_miss, &check_miss, &response,
                                     &checks_metric)) {
        return -1;
    }
    if (!PyByteArray_CheckExact(http_rows) || !PyByteArray_CheckExact(gen_rows) || !PyByteArray_CheckExact(iter_rows)) {
        PyErr_SetString(PyExc_TypeError, "the sample buffer's rows must be bytearrays");
        return -1;
    }
    Py_XSETREF(self->vu, Py_NewRef(vu));
    Py_XSETREF(self->http_rows, Py_NewRef(http_rows));
    Py_XSETREF(self->gen_rows, Py_NewRef(gen_rows));
    Py_XSETREF(self->iter_rows, Py_NewRef(iter_rows));
    Py_XSETREF(self->http_cache, Py_NewRef(http_cache));
    Py_XSETREF(self->check_cache, Py_NewRef(check_cache));
    Py_XSETREF(self->http_miss, Py_NewRef(http_miss));
    Py_XSETREF(self->check_miss, Py_NewRef(check_miss));
    Py_XSETREF(self->response, Py_NewRef(response));
    self->checks_metric = checks_metric;
    return 0;
}

static int
Ledger_traverse(Ledger *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->vu);
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
    Py_CLEAR(self->vu);
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
    {"checks", (PyCFunction)(void (*)(void))Ledger_checks, METH_FASTCALL,
     "checks($self, value, checks, tags, /)\n--\n\n"
     "k6's check(), True when all passed: each predicate's truth is one "
     "`checks` sample, in the VU's group; a predicate that raises is a failed check, and raises."},
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
    {Py_tp_doc, "What a VU's requests, checks and iterations write into the sample buffer."},
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
    str_group = PyUnicode_InternFromString("group");
    str_codes = PyUnicode_InternFromString("codes");
    str_close = PyUnicode_InternFromString("close");
    str_join = PyUnicode_InternFromString("join");
    str_true = PyUnicode_InternFromString("true");
    str_false = PyUnicode_InternFromString("false");
    str_empty = PyUnicode_InternFromString("");
    empty_bytes = PyBytes_FromStringAndSize(NULL, 0);
    if (!str_group || !str_codes || !str_close || !str_join || !str_true || !str_false || !str_empty ||
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
    return 0;
}
