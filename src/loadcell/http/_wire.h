/* What the C files of loadcell.http._wire share: the contract with Python (the constants below,
   exported as module attributes by module_constants(); loadcell.http.contract documents them with
   the calls C makes into Python), the connection's struct (_wire.c owns the type) and the clock.
   _ledger.c reads a finished exchange straight from the struct. */
#ifndef LOADCELL_WIRE_H
#define LOADCELL_WIRE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

#include "llhttp.h"

/* Bits of a connection's `flags`, from the response head. */
#define ENCODED 2 /* Content-Encoding present */
#define COOKIES 4 /* Set-Cookie present */

/* The sample buffer's rows (loadcell.metrics.buffer), in doubles. A request: tag set, end time,
   duration, the six timings (blocked, connecting, tls_handshaking, sending, waiting, receiving),
   failed (NaN: no expected statuses). A generic sample: metric, tag set, time, value. An
   iteration: tag set, end time, duration, bytes sent, bytes received, completed (1) or not. */
#define HTTP_FIELDS 10
#define HTTP_TAGSET_COL 0
#define HTTP_TIME_COL 1
#define HTTP_FAILED_COL 9
#define GEN_FIELDS 4
#define ITER_FIELDS 6

/* The request tag-set cache key: (group, method, url, status, proto, expected_response, extra
   tags as tuple(tags.items()) or None, tls_version); a check's: (group, name, extra tags). */
#define HTTP_KEY_FIELDS 8
#define HTTP_KEY_EXTRA 6
#define CHECK_KEY_FIELDS 3

/* k6's error_code of a response with a status from 400 on: 1000 + status. */
#define ERROR_STATUS 400
#define ERROR_CODE_BASE 1000

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

/* The response side (_response.c): llhttp bound and set up (once), a connection's parser set
   up, and the protocol's data_received and _finish. */
int loadcell_response_init(void);
void loadcell_parser_init(Conn *conn);
PyObject *loadcell_conn_data_received(Conn *self, PyObject *data);
PyObject *loadcell_conn_finish(Conn *self, PyObject *ignored);

/* The loop's corked writes (_outbox.c). */
extern PyTypeObject *loadcell_outbox_type;

/* Write the request waiting in conn->out now: 0, or -1 with an error (a failed write fails the
   request through conn._fail instead). */
int loadcell_write_now(Conn *conn);

/* Write conn->out now or at the end of the loop pass, as the outbox's load says. */
int loadcell_outbox_send(PyObject *outbox, Conn *conn, double now);

/* Each adds its part to the module: Connection (_wire.c), Outbox (_outbox.c), Ledger and the
   key functions (_ledger.c, _keys.c). */
int loadcell_add_connection(PyObject *module);
int loadcell_add_outbox(PyObject *module);
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
