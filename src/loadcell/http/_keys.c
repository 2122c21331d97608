/* The tag-set cache keys and the row append, shared by the Ledger's requests (_ledger.c) and
   checks (_checks.c); the keys are also module functions, so that the metrics handle's Python
   builds the same keys (loadcell.metrics.handle). */
#include "_ledger.h"

int
ledger_append_row(PyObject *rows, const double *row, Py_ssize_t fields)
{
    Py_ssize_t size = PyByteArray_GET_SIZE(rows);
    Py_ssize_t n = fields * (Py_ssize_t)sizeof(double);
    if (PyByteArray_Resize(rows, size + n) < 0) {
        return -1;
    }
    memcpy(PyByteArray_AS_STRING(rows) + size, row, (size_t)n);
    return 0;
}

/* The tag set's key part for extra tags: tuple(tags.items()) if tags else None. */
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

PyObject *
ledger_check_key(PyObject *group, PyObject *name, PyObject *tags)
{
    PyObject *extra = tags_key(tags);
    if (extra == NULL) {
        return NULL;
    }
    PyObject *key = PyTuple_Pack(CHECK_KEY_FIELDS, group, name, extra);
    Py_DECREF(extra);
    return key;
}

PyObject *
ledger_http_key(PyObject *const *args)
{
    PyObject *extra = tags_key(args[HTTP_KEY_EXTRA]);
    if (extra == NULL) {
        return NULL;
    }
    PyObject *key = PyTuple_New(HTTP_KEY_FIELDS);
    if (key == NULL) {
        Py_DECREF(extra);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < HTTP_KEY_FIELDS; i++) {
        PyTuple_SET_ITEM(key, i, i == HTTP_KEY_EXTRA ? extra : Py_NewRef(args[i]));
    }
    return key;
}

int
ledger_tagset(PyObject *cache, PyObject *key, PyObject *miss, PyObject *const *args, Py_ssize_t nargs, double *out)
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

/* the keys, for Python ------------------------------------------------------------------------- */

static PyObject *
wire_http_key(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != HTTP_KEY_FIELDS) {
        PyErr_SetString(PyExc_TypeError, "http_key(group, method, url, status, proto, expected, tags, tls_version)");
        return NULL;
    }
    return ledger_http_key(args);
}

static PyObject *
wire_check_key(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != CHECK_KEY_FIELDS) {
        PyErr_SetString(PyExc_TypeError, "check_key(group, name, tags)");
        return NULL;
    }
    return ledger_check_key(args[0], args[1], args[2]);
}

PyMethodDef ledger_key_functions[] = {
    {"http_key", (PyCFunction)(void (*)(void))wire_http_key, METH_FASTCALL,
     "http_key($module, group, method, url, status, proto, expected, tags, tls_version, /)\n--\n\n"
     "The request tag-set cache key, as the Ledger builds it (tags: tuple(tags.items()) or None)."},
    {"check_key", (PyCFunction)(void (*)(void))wire_check_key, METH_FASTCALL,
     "check_key($module, group, name, tags, /)\n--\n\nThe check tag-set cache key, as the Ledger builds it."},
    {NULL, NULL, 0, NULL},
};
