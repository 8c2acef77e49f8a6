/* Optional C versions of the WebSocket masking helpers (RFC 6455 section 5.3).
 *
 * Every client frame is XORed with a fresh 4-byte key; in pure Python that takes three
 * big-integer conversions per frame, which is most of the cost of a small echo message.
 * _frames.py uses these when the extension was built and keeps its pure-Python versions
 * otherwise; the tests check that both give the same bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* out[i] = data[i] ^ key[i % 4] for i < n, eight bytes at a time. */
static void
xor_key(unsigned char *out, const unsigned char *data, Py_ssize_t n, const unsigned char *key)
{
    uint32_t k32;
    uint64_t k64, word;
    Py_ssize_t i = 0;

    memcpy(&k32, key, 4);
    k64 = ((uint64_t)k32 << 32) | k32;
    for (; i + 8 <= n; i += 8) {
        memcpy(&word, data + i, 8);
        word ^= k64;
        memcpy(out + i, &word, 8);
    }
    for (; i < n; i++) {
        out[i] = data[i] ^ key[i & 3];
    }
}

/* A new bytes object holding data[:n] XORed with the repeated key. */
static PyObject *
xored_bytes(const unsigned char *data, Py_ssize_t n, const unsigned char *key)
{
    PyObject *result = PyBytes_FromStringAndSize(NULL, n);

    if (result != NULL) {
        xor_key((unsigned char *)PyBytes_AS_STRING(result), data, n, key);
    }
    return result;
}

/* unmask() and unmask_text(): the payload is buf[start:end] and its key the four bytes before
 * it, as they sit in a received frame; as_text decodes the result as UTF-8 (strictly). */
static PyObject *
unmask_payload(PyObject *const *args, Py_ssize_t nargs, const char *name, int as_text)
{
    Py_buffer view;
    Py_ssize_t start, end, n;
    const unsigned char *payload;
    unsigned char small[256];
    unsigned char *tmp;
    PyObject *result;

    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "%s() takes 3 arguments (%zd given)", name, nargs);
        return NULL;
    }
    start = PyLong_AsSsize_t(args[1]);
    if (start == -1 && PyErr_Occurred()) {
        return NULL;
    }
    end = PyLong_AsSsize_t(args[2]);
    if (end == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (start < 4 || end < start || end > view.len) {
        PyBuffer_Release(&view);
        PyErr_Format(PyExc_ValueError, "%s(): need 4 <= start <= end <= len(buf)", name);
        return NULL;
    }
    n = end - start;
    payload = (const unsigned char *)view.buf + start;
    if (!as_text) {
        result = xored_bytes(payload, n, payload - 4);
        PyBuffer_Release(&view);
        return result;
    }
    tmp = n <= (Py_ssize_t)sizeof(small) ? small : (unsigned char *)PyMem_Malloc(n);
    if (tmp == NULL) {
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    xor_key(tmp, payload, n, payload - 4);
    PyBuffer_Release(&view);
    result = PyUnicode_DecodeUTF8((const char *)tmp, n, "strict");
    if (tmp != small) {
        PyMem_Free(tmp);
    }
    return result;
}

PyDoc_STRVAR(unmask_doc,
"unmask(buf, start, end) -> bytes\n\n"
"buf[start:end] XORed with the masking key buf[start - 4:start].");

static PyObject *
unmask(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return unmask_payload(args, nargs, "unmask", 0);
}

PyDoc_STRVAR(unmask_text_doc,
"unmask_text(buf, start, end) -> str\n\n"
"unmask(buf, start, end) decoded as UTF-8; raises UnicodeDecodeError if it is not.");

static PyObject *
unmask_text(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    return unmask_payload(args, nargs, "unmask_text", 1);
}

PyDoc_STRVAR(mask_doc,
"mask(data, key) -> bytes\n\n"
"data XORed with the repeated 4-byte key (masking and unmasking are the same operation).");

static PyObject *
mask(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer data, key;
    PyObject *result = NULL;

    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "mask() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (PyObject_GetBuffer(args[0], &data, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (PyObject_GetBuffer(args[1], &key, PyBUF_SIMPLE) < 0) {
        PyBuffer_Release(&data);
        return NULL;
    }
    if (key.len != 4) {
        PyErr_SetString(PyExc_ValueError, "mask(): the key must be 4 bytes");
    } else {
        result = xored_bytes((const unsigned char *)data.buf, data.len, (const unsigned char *)key.buf);
    }
    PyBuffer_Release(&key);
    PyBuffer_Release(&data);
    return result;
}

static PyMethodDef speedups_methods[] = {
    {"unmask", (PyCFunction)(void (*)(void))unmask, METH_FASTCALL, unmask_doc},
    {"unmask_text", (PyCFunction)(void (*)(void))unmask_text, METH_FASTCALL, unmask_text_doc},
    {"mask", (PyCFunction)(void (*)(void))mask, METH_FASTCALL, mask_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef_Slot speedups_slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
    {0, NULL},
};

static struct PyModuleDef speedups_module = {
    PyModuleDef_HEAD_INIT,
    "tornado.websocket._speedups",
    "C versions of the WebSocket masking helpers (see _frames.py for the pure-Python ones).",
    0,
    speedups_methods,
    speedups_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__speedups(void)
{
    return PyModuleDef_Init(&speedups_module);
}
