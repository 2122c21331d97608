/* The module loadcell.http._wire: its types (Connection in _wire.c, Outbox in _outbox.c, Ledger
   in _ledger.c and _checks.c), the arrival stamps' look, and the contract's constants (_wire.h),
   exported so that Python imports them instead of repeating them (loadcell.http.contract). */
#include "_wire.h"

#ifdef __linux__
#include <errno.h>
#include <sys/epoll.h>
#endif

#ifdef __linux__

/* The arrival stamps' look (loadcell.http.arrivals): one epoll_wait(0) on the watch's
   edge-triggered set, and each in-flight request whose socket got bytes gets its first-byte stamp.
   In C because a look reports every response that landed since the last one: in Python each
   cost ~0.34 µs, about as much as the syscall for ten of them. */
static PyObject *
wire_stamp(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2 || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "stamp(epoll_fd, conns_by_fd) -> now");
        return NULL;
    }
    int epfd = (int)PyLong_AsLong(args[0]);
    if (epfd == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *conns = args[1];
    struct epoll_event events[128];
    double t = 0.0;
    int n;
    do {
        n = epoll_wait(epfd, events, 128, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        t = clock_now(); /* after the poll: a stamp never predates its bytes */
        for (int i = 0; i < n; i++) {
            PyObject *key = PyLong_FromLong(events[i].data.fd);
            if (key == NULL) {
                return NULL;
            }
            PyObject *conn = PyDict_GetItemWithError(conns, key); /* borrowed */
            Py_DECREF(key);
            if (conn == NULL) {
                if (PyErr_Occurred()) {
                    return NULL;
                }
                continue;
            }
            if (!PyObject_TypeCheck(conn, loadcell_conn_type)) {
                PyErr_SetString(PyExc_TypeError, "stamp(): conns must map fds to Connections");
                return NULL;
            }
            Conn *c = (Conn *)conn;
            if (c->waiter != Py_None && c->t_first == 0.0) {
                c->t_first = t;
            }
        }
    } while (n == 128);
    return PyFloat_FromDouble(t);
}
#endif

static PyMethodDef module_methods[] = {
#ifdef __linux__
    {"stamp", (PyCFunction)(void (*)(void))wire_stamp, METH_FASTCALL,
     "stamp($module, epoll_fd, conns, /)\n--\n\n"
     "First-byte stamps for the sockets (`conns` by fd) that got bytes; returns the look's time."},
#endif
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef wire_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "loadcell.http._wire",
    .m_doc = "The response side of an HTTP/1.1 connection, on llhttp, without Python callbacks.",
    .m_size = -1,
    .m_methods = module_methods,
};


/* The constants of _wire.h, as module attributes. */
static int
module_constants(PyObject *module)
{
    static const struct {
        const char *name;
        long value;
    } constants[] = {
        {"ENCODED", ENCODED},
        {"COOKIES", COOKIES},
        {"HTTP_FIELDS", HTTP_FIELDS},
        {"HTTP_TAGSET_COL", HTTP_TAGSET_COL},
        {"HTTP_TIME_COL", HTTP_TIME_COL},
        {"HTTP_FAILED_COL", HTTP_FAILED_COL},
        {"GEN_FIELDS", GEN_FIELDS},
        {"ITER_FIELDS", ITER_FIELDS},
        {"HTTP_KEY_FIELDS", HTTP_KEY_FIELDS},
        {"HTTP_KEY_EXTRA", HTTP_KEY_EXTRA},
        {"CHECK_KEY_FIELDS", CHECK_KEY_FIELDS},
        {"ERROR_STATUS", ERROR_STATUS},
        {"ERROR_CODE_BASE", ERROR_CODE_BASE},
    };
    for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        if (PyModule_AddIntConstant(module, constants[i].name, constants[i].value) < 0) {
            return -1;
        }
    }
    return 0;
}

PyMODINIT_FUNC
PyInit__wire(void)
{
    PyObject *module = PyModule_Create(&wire_module);
    if (module == NULL) {
        return NULL;
    }
    if (loadcell_add_connection(module) < 0 || loadcell_add_outbox(module) < 0 ||
        loadcell_add_ledger(module) < 0 || module_constants(module) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
