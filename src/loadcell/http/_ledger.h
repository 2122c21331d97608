/* What the C files of the Ledger share (_ledger.c: requests and iterations; _checks.c: k6's
   check(); _keys.c: the tag-set keys and the row append). The Ledger is given a metrics handle
   (loadcell.metrics.handle.MetricsHandle; what C reads and calls on it is
   loadcell.http.contract.LedgerHandle) and writes rows into its buffer. */
#ifndef LOADCELL_LEDGER_H
#define LOADCELL_LEDGER_H

#include "_wire.h"

typedef struct {
    PyObject_HEAD
    PyObject *handle;      /* the VU's metrics handle, read for its `group` */
    PyObject *http_rows;   /* the sample buffer's bytearrays */
    PyObject *gen_rows;
    PyObject *iter_rows;
    PyObject *http_cache;  /* the handle's tag-set caches (dicts) */
    PyObject *check_cache;
    PyObject *http_miss;   /* handle.http_tagset */
    PyObject *check_miss;  /* handle.check_tagset */
    PyObject *response;    /* the Response type */
    PyObject *expected;    /* the last ExpectedStatuses seen, and its `codes` (most requests share one) */
    PyObject *codes;
    double checks_metric;  /* the `checks` metric's id */
    long long bytes_sent;  /* of the iteration so far */
    long long bytes_received;
} Ledger;

extern PyObject *ledger_str_group;

/* 1, or 0 with an error: a Ledger made without __init__ (Ledger.__new__) has no buffer. */
int ledger_ready(Ledger *self);

/* Append one row of doubles to a bytearray (the buffer's append-only store). */
int ledger_append_row(PyObject *rows, const double *row, Py_ssize_t fields);

/* The tag-set id for `key` from `cache`, or from `miss(*args)` (which fills the cache). */
int ledger_tagset(PyObject *cache, PyObject *key, PyObject *miss, PyObject *const *args, Py_ssize_t nargs,
                  double *out);

/* The check-cache key: (group, name, tuple(tags.items()) or None). */
PyObject *ledger_check_key(PyObject *group, PyObject *name, PyObject *tags);

/* The request-cache key from its HTTP_KEY_FIELDS parts, in the HTTP_KEY_* order (the tags at
   HTTP_KEY_EXTRA become tuple(tags.items()) or None). */
PyObject *ledger_http_key(PyObject *const *args);

/* http_key() and check_key(), for the module (_keys.c). */
extern PyMethodDef ledger_key_functions[];

/* Ledger.checks (_checks.c). */
PyObject *Ledger_checks(Ledger *self, PyObject *const *args, Py_ssize_t nargs);

#endif
