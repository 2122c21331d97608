/* k6's check() in C, a method of the Ledger (_ledger.c): each predicate's truth is one `checks`
   sample, tagged with the check's name in the handle's group. */
#include "_ledger.h"

/* One `checks` sample for the check `name` (tags: the check's extra tags, group: the handle's). */
static int
record_check(Ledger *self, PyObject *group, PyObject *name, PyObject *tags, int ok)
{
    PyObject *key = ledger_check_key(group, name, tags);
    if (key == NULL) {
        return -1;
    }
    PyObject *miss_args[2] = {name, tags};
    double row[GEN_FIELDS] = {self->checks_metric, 0.0, 0.0, ok ? 1.0 : 0.0};
    int rc = ledger_tagset(self->check_cache, key, self->check_miss, miss_args, 2, &row[1]);
    Py_DECREF(key);
    if (rc < 0) {
        return -1;
    }
    row[2] = clock_now();
    return ledger_append_row(self->gen_rows, row, GEN_FIELDS);
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
run_check(Ledger *self, PyObject *group, PyObject *name, PyObject *predicate, PyObject *value, PyObject *tags)
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
            if (record_check(self, group, name, tags, 0) < 0) {
                PyErr_Clear(); /* the predicate's error is the one the script sees */
            }
            PyErr_Restore(type, exc, tb);
        }
    } else if (record_check(self, group, name, tags, ok) < 0) {
        ok = -1;
    }
    Py_DECREF(name);
    Py_DECREF(predicate);
    return ok;
}

/* Every check of a dict, as Python's dict iterator would: a predicate that changes the dict ends
   the check. Returns 1 (all passed), 0, or -1 with an error. */
static int
dict_checks(Ledger *self, PyObject *group, PyObject *value, PyObject *checks, PyObject *tags)
{
    Py_ssize_t pos = 0, size = PyDict_GET_SIZE(checks), seen = 0;
    PyObject *name, *predicate;
    int all_ok = 1;
    while (PyDict_Next(checks, &pos, &name, &predicate)) {
        if (++seen > size) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary keys changed during iteration");
            return -1;
        }
        int ok = run_check(self, group, name, predicate, value, tags);
        if (ok < 0) {
            return -1;
        }
        all_ok &= ok;
        if (PyDict_GET_SIZE(checks) != size) {
            PyErr_SetString(PyExc_RuntimeError, "dictionary changed size during iteration");
            return -1;
        }
    }
    return all_ok;
}

/* Every check of any other mapping, from its items(). */
static int
mapping_checks(Ledger *self, PyObject *group, PyObject *value, PyObject *checks, PyObject *tags)
{
    PyObject *items = PyMapping_Items(checks);
    if (items == NULL) {
        return -1;
    }
    int all_ok = 1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(items); i++) {
        PyObject *item = PyList_GET_ITEM(items, i);
        if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) != 2) {
            PyErr_SetString(PyExc_TypeError, "checks must map names to predicates");
            all_ok = -1;
            break;
        }
        int ok = run_check(self, group, PyTuple_GET_ITEM(item, 0), PyTuple_GET_ITEM(item, 1), value, tags);
        if (ok < 0) {
            all_ok = -1;
            break;
        }
        all_ok &= ok;
    }
    Py_DECREF(items);
    return all_ok;
}

PyObject *
Ledger_checks(Ledger *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (!ledger_ready(self)) {
        return NULL;
    }
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "checks(value, checks, tags) -> all passed");
        return NULL;
    }
    PyObject *value = args[0], *checks = args[1], *tags = args[2];
    PyObject *group = PyObject_GetAttr(self->handle, ledger_str_group);
    if (group == NULL) {
        return NULL;
    }
    int all_ok = PyDict_CheckExact(checks) ? dict_checks(self, group, value, checks, tags)
                                           : mapping_checks(self, group, value, checks, tags);
    Py_DECREF(group);
    return all_ok < 0 ? NULL : PyBool_FromLong(all_ok);
}
