/* What the two C files of loadcell.http._wire share: the connection's struct (_wire.c owns the
   type) and the clock. _ledger.c reads a finished exchange straight from the struct. */
#ifndef LOADCELL_WIRE_H
#define LOADCELL_WIRE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

#include "llhttp.h"

/* Bits of `flags`, as loadcell.http.head.ENCODED and COOKIES. */
#define ENCODED 2
#define COOKIES 4

typedef struct {
    PyObject_HEAD
    llhttp_t parser;
    PyObject *transport;
    PyObject *write;         /* transport.write, bound once per transport */
    PyObject *create_future; /* loop.create_future, bound once */
    PyObject *waiter;        /* the request's future, or None */
    PyObject *pending;       /* bytes received before the head was complete */
    PyObject *head;          /* the raw head, status line included, without the blank line */
    PyObject *body;          /* list of body chunks */
    PyObject *version;       /* "HTTP/1.1" */
    PyObject *tls_version;   /* k6's name of the TLS version ("tls1.3"), "" on plain TCP */
    PyObject *tls_cipher;    /* Go's name of the cipher suite, "" on plain TCP */
    PyObject *arrivals;      /* loadcell.http.arrivals.ArrivalWatch, or None */
    PyObject *outbox;        /* the loop's Outbox (corked writes), or None: write at once */
    PyObject *out;           /* the request waiting in the outbox, or NULL */
    double t_sent;           /* when the request was written (0: not yet) */
    double t_first;
    double t_read;           /* the last read: a response completes at the read that ends it */
    double t_done;
    double deadline;
    double timeout;          /* of the request in flight: the deadline runs from its write */
    long long bytes_in;
    long long bytes_out;
    int status;
    int flags;
    int fd;
    char closed;
    char headers_done;
    char head_request;
    char keep_alive;
    char keep_body;
} Conn;

/* The connection type (set when the module is created). */
extern PyTypeObject *loadcell_conn_type;

/* Adds the Ledger type to the module (_ledger.c). */
int loadcell_add_ledger(PyObject *module);

/* time.perf_counter() on Linux, so stamps taken here and in Python share one clock. */
static inline double
clock_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
