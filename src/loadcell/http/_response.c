/* The response side of one HTTP/1.1 connection (the Connection type is _wire.c's): llhttp, bound
   from httptools' build, its callbacks as C functions, data_received and the end of the stream.
   It records what the wire did (first-byte and last-read times, the raw head, body chunks,
   status, keep-alive, protocol) and resolves the request's future when the response is complete.
   A response llhttp refuses becomes the Python subclass's `_malformed` (loadcell.http.contract).
*/
#include "_wire.h"

#include <dlfcn.h>
#include <string.h>
#include <strings.h>

/* llhttp itself is not compiled here: httptools (a pinned dependency) ships it, built and with
   its symbols exported, in httptools.parser.parser. The module binds the functions it needs from
   that library when it is imported; vendor/llhttp keeps only the header of the same release. */
#define HTTPTOOLS_VERSION "0.9.0" /* ships llhttp 9.4.3, the header in vendor/llhttp */
static void (*ll_settings_init)(llhttp_settings_t *);
static void (*ll_init)(llhttp_t *, llhttp_type_t, const llhttp_settings_t *);
static llhttp_errno_t (*ll_execute)(llhttp_t *, const char *, size_t);
static llhttp_errno_t (*ll_finish)(llhttp_t *);
static int (*ll_should_keep_alive)(const llhttp_t *);
static const char *(*ll_get_error_reason)(const llhttp_t *);
static void (*ll_resume_after_upgrade)(llhttp_t *);


static llhttp_settings_t settings;
static PyTypeObject *future_type;      /* asyncio.Future (_asyncio's C type) */
static PyObject *future_set_result;      /* asyncio.Future.set_result */
static PyObject *invalid_state_error;    /* asyncio.InvalidStateError */
static PyObject *str_set_result, *str_malformed;
static PyObject *http11, *http10, *empty_bytes;


static int
has_field(const char *head, Py_ssize_t len, const char *name, size_t name_len)
{
    /* A line starting with `name` (lower case, colon included), in any case: what the client
       must act on after a response (decompression, cookies). */
    const char *p = head, *end = head + len;
    while ((p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
        p++;
        if ((size_t)(end - p) >= name_len && (*p | 0x20) == name[0] && strncasecmp(p, name, name_len) == 0) {
            return 1;
        }
    }
    return 0;
}

/* The end of a head: the first CRLF CRLF (glibc's memmem costs several times this loop here). */
static const char *
blank_line(const char *buf, Py_ssize_t len)
{
    const char *p = buf, *end = buf + len;
    while (end - p >= 4 && (p = memchr(p, '\r', (size_t)(end - p - 3))) != NULL) {
        if (p[1] == '\n' && p[2] == '\r' && p[3] == '\n') {
            return p;
        }
        p++;
    }
    return NULL;
}

/* Resolve the waiter with None. One call: only a cancelled future is already done here (the
   Python side clears `waiter` before it fails one), and that refusal is dropped. */
static int
resolve(Conn *self)
{
    PyObject *waiter = self->waiter;
    if (waiter == Py_None) {
        return 0;
    }
    self->waiter = Py_NewRef(Py_None);
    PyObject *r;
    if (Py_TYPE(waiter) == future_type) { /* the method descriptor, without a lookup per call */
        PyObject *args[2] = {waiter, Py_None};
        r = PyObject_Vectorcall(future_set_result, args, 2, NULL);
    } else {
        r = PyObject_CallMethodOneArg(waiter, str_set_result, Py_None);
    }
    Py_DECREF(waiter);
    if (r == NULL) {
        if (!PyErr_ExceptionMatches(invalid_state_error)) {
            return -1;
        }
        PyErr_Clear();
        return 0;
    }
    Py_DECREF(r);
    return 0;
}

/* llhttp callbacks ----------------------------------------------------------------------------- */

static int
on_headers_complete(llhttp_t *parser)
{
    Conn *self = (Conn *)parser->data;
    self->headers_done = 1;
    self->status = parser->status_code;
    self->keep_alive = (char)ll_should_keep_alive(parser);
    const char *buf = PyBytes_AS_STRING(self->pending);
    Py_ssize_t len = PyBytes_GET_SIZE(self->pending);
    while (len > 0 && (*buf == '\r' || *buf == '\n')) { /* llhttp skips CR/LF before a status line */
        buf++;
        len--;
    }
    const char *end = blank_line(buf, len);
    Py_ssize_t head_len = end != NULL ? end - buf : len;
    PyObject *head = PyBytes_FromStringAndSize(buf, head_len);
    if (head == NULL) {
        return -1;
    }
    Py_SETREF(self->head, head);
    Py_INCREF(empty_bytes);
    Py_SETREF(self->pending, empty_bytes);
    PyObject *version;
    if (parser->http_major == 1 && parser->http_minor == 1) {
        version = Py_NewRef(http11);
    } else if (parser->http_major == 1 && parser->http_minor == 0) {
        version = Py_NewRef(http10);
    } else {
        version = PyUnicode_FromFormat("HTTP/%d.%d", parser->http_major, parser->http_minor);
        if (version == NULL) {
            return -1;
        }
    }
    Py_SETREF(self->version, version);
    const char *h = PyBytes_AS_STRING(head);
    int flags = 0;
    if (has_field(h, head_len, "content-encoding:", 17)) {
        flags |= ENCODED;
    }
    if (has_field(h, head_len, "set-cookie:", 11)) {
        flags |= COOKIES;
    }
    self->flags = flags;
    return self->head_request ? 1 : 0; /* 1: a HEAD response has no body, whatever it declares */
}

static int
on_body(llhttp_t *parser, const char *at, size_t length)
{
    Conn *self = (Conn *)parser->data;
    if (!self->keep_body) { /* k6's responseType "none": counted, not kept */
        return 0;
    }
    PyObject *chunk = PyBytes_FromStringAndSize(at, (Py_ssize_t)length);
    if (chunk == NULL) {
        return -1;
    }
    int rc = PyList_Append(self->body, chunk);
    Py_DECREF(chunk);
    return rc;
}

static int
on_message_complete(llhttp_t *parser)
{
    Conn *self = (Conn *)parser->data;
    self->t_done = self->t_read;
    return resolve(self) < 0 ? -1 : 0;
}

/* The parse result of a feed or of the end of the stream: 0, or -1 with a Python error set. */
static int
after_parse(Conn *self, llhttp_errno_t err)
{
    if (err == HPE_OK) {
        return 0;
    }
    if (PyErr_Occurred()) { /* a callback failed */
        return -1;
    }
    if (err == HPE_PAUSED_UPGRADE) { /* 101 Switching Protocols: this client stops here */
        self->keep_alive = 0;
        ll_resume_after_upgrade(&self->parser);
        return 0;
    }
    PyObject *reason = PyUnicode_DecodeLatin1(ll_get_error_reason(&self->parser),
                                              strlen(ll_get_error_reason(&self->parser)), NULL);
    if (reason == NULL) {
        return -1;
    }
    PyObject *r = PyObject_CallMethodOneArg((PyObject *)self, str_malformed, reason);
    Py_DECREF(reason);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return 0;
}

/* asyncio.Protocol ----------------------------------------------------------------------------- */

PyObject *
loadcell_conn_data_received(Conn *self, PyObject *data)
{
    Py_buffer view;
    double t = clock_now();
    if (self->t_first == 0.0) {
        self->t_first = t;
    }
    self->t_read = t;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    self->bytes_in += view.len;
    if (!self->headers_done) {
        if (PyBytes_GET_SIZE(self->pending) == 0 && PyBytes_CheckExact(data)) {
            Py_INCREF(data);
            Py_SETREF(self->pending, data);
        } else {
            PyObject *joined = PyBytes_FromStringAndSize(NULL, PyBytes_GET_SIZE(self->pending) + view.len);
            if (joined == NULL) {
                PyBuffer_Release(&view);
                return NULL;
            }
            memcpy(PyBytes_AS_STRING(joined), PyBytes_AS_STRING(self->pending), PyBytes_GET_SIZE(self->pending));
            memcpy(PyBytes_AS_STRING(joined) + PyBytes_GET_SIZE(self->pending), view.buf, view.len);
            Py_SETREF(self->pending, joined);
        }
    }
    Py_INCREF(self); /* a callback may drop the last other reference */
    llhttp_errno_t err = ll_execute(&self->parser, view.buf, (size_t)view.len);
    PyBuffer_Release(&view);
    int rc = after_parse(self, err);
    Py_DECREF(self);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

PyObject *
loadcell_conn_finish(Conn *self, PyObject *Py_UNUSED(ignored))
{
    /* The peer closed: a body that ends at EOF is complete now. True if that resolved the waiter. */
    self->t_read = clock_now();
    PyObject *waiter = Py_NewRef(self->waiter);
    llhttp_errno_t err = ll_finish(&self->parser);
    int resolved = waiter != Py_None && self->waiter != waiter;
    Py_DECREF(waiter);
    if (err != HPE_OK && PyErr_Occurred()) {
        return NULL;
    }
    return PyBool_FromLong(resolved);
}

/* Bind llhttp's functions from httptools' parser module (see above). */
static int
bind_llhttp(void)
{
    PyObject *httptools = PyImport_ImportModule("httptools");
    if (httptools == NULL) {
        return -1;
    }
    PyObject *version = PyObject_GetAttrString(httptools, "__version__");
    Py_DECREF(httptools);
    if (version == NULL) {
        return -1;
    }
    int same = PyUnicode_Check(version) && PyUnicode_CompareWithASCIIString(version, HTTPTOOLS_VERSION) == 0;
    if (!same) {
        PyErr_Format(PyExc_ImportError,
                     "loadcell.http._wire uses the llhttp of httptools " HTTPTOOLS_VERSION
                     " (its struct layout is compiled in), but httptools %R is installed: "
                     "pip install httptools==" HTTPTOOLS_VERSION,
                     version);
        Py_DECREF(version);
        return -1;
    }
    Py_DECREF(version);
    PyObject *parser = PyImport_ImportModule("httptools.parser.parser");
    if (parser == NULL) {
        return -1;
    }
    PyObject *file = PyObject_GetAttrString(parser, "__file__");
    Py_DECREF(parser);
    const char *path = file != NULL ? PyUnicode_AsUTF8(file) : NULL;
    if (path == NULL) {
        Py_XDECREF(file);
        return -1;
    }
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL); /* already loaded: this only takes a handle */
    Py_DECREF(file);
    if (lib == NULL) {
        PyErr_Format(PyExc_ImportError, "cannot open httptools' parser for llhttp: %s", dlerror());
        return -1;
    }
    struct {
        void **slot;
        const char *name;
    } wanted[] = {
        {(void **)&ll_settings_init, "llhttp_settings_init"},
        {(void **)&ll_init, "llhttp_init"},
        {(void **)&ll_execute, "llhttp_execute"},
        {(void **)&ll_finish, "llhttp_finish"},
        {(void **)&ll_should_keep_alive, "llhttp_should_keep_alive"},
        {(void **)&ll_get_error_reason, "llhttp_get_error_reason"},
        {(void **)&ll_resume_after_upgrade, "llhttp_resume_after_upgrade"},
    };
    for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
        *wanted[i].slot = dlsym(lib, wanted[i].name);
        if (*wanted[i].slot == NULL) {
            PyErr_Format(PyExc_ImportError, "httptools' parser does not export %s", wanted[i].name);
            return -1;
        }
    }
    return 0; /* the handle stays open for the life of the process, as the module does */
}


void
loadcell_parser_init(Conn *conn)
{
    ll_init(&conn->parser, HTTP_RESPONSE, &settings);
    conn->parser.data = conn;
}

int
loadcell_response_init(void)
{
    if (bind_llhttp() < 0) {
        return -1;
    }
    ll_settings_init(&settings);
    settings.on_headers_complete = on_headers_complete;
    settings.on_body = on_body;
    settings.on_message_complete = on_message_complete;
    str_set_result = PyUnicode_InternFromString("set_result");
    str_malformed = PyUnicode_InternFromString("_malformed");
    http11 = PyUnicode_InternFromString("HTTP/1.1");
    http10 = PyUnicode_InternFromString("HTTP/1.0");
    empty_bytes = PyBytes_FromStringAndSize(NULL, 0);
    if (!str_set_result || !str_malformed || !http11 || !http10 || !empty_bytes) {
        return -1;
    }
    PyObject *asyncio = PyImport_ImportModule("asyncio");
    if (asyncio == NULL) {
        return -1;
    }
    PyObject *future = PyObject_GetAttrString(asyncio, "Future");
    invalid_state_error = PyObject_GetAttrString(asyncio, "InvalidStateError");
    Py_DECREF(asyncio);
    if (future == NULL || invalid_state_error == NULL || !PyType_Check(future)) {
        Py_XDECREF(future);
        return -1;
    }
    future_type = (PyTypeObject *)future;
    future_set_result = PyObject_GetAttrString(future, "set_result");
    return future_set_result == NULL ? -1 : 0;
}
