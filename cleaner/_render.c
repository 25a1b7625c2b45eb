/* The compiled part of cleaner.render: one pass over a text for the characters that
 * decide whether it needs ftfy, and one to fold its white space.
 *
 * classes(text, table) -> int      the OR of table[c] over the text's characters c up to
 *                                  U+FFFF (table: 65536 bytes); 256 is added when the
 *                                  text holds a character above U+FFFF
 * fold_spaces(text) -> str | None  each line (split on "\n") with its runs of white
 *                                  space (str.isspace) folded to one space and stripped;
 *                                  lines left empty dropped at both ends of the text and
 *                                  at most one kept between two others. None when the
 *                                  text holds "\r" or U+001C .. U+001F (white space to
 *                                  str.strip, not to the regex module's \s): the caller
 *                                  handles those.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

static PyObject *classes(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table)) return NULL;
    if (table.len != 65536) {
        PyBuffer_Release(&table);
        PyErr_SetString(PyExc_ValueError, "classes: the table must be 65536 bytes");
        return NULL;
    }
    const uint8_t *t = table.buf;
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    const void *data = PyUnicode_DATA(text);
    unsigned found = 0;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: {
        const Py_UCS1 *s = data;
        for (Py_ssize_t i = 0; i < n; i++) found |= t[s[i]];
        break;
    }
    case PyUnicode_2BYTE_KIND: {
        const Py_UCS2 *s = data;
        for (Py_ssize_t i = 0; i < n; i++) found |= t[s[i]];
        break;
    }
    default: {
        const Py_UCS4 *s = data;
        for (Py_ssize_t i = 0; i < n; i++) found |= s[i] > 0xFFFF ? 256u : t[s[i]];
    }
    }
    PyBuffer_Release(&table);
    return PyLong_FromUnsignedLong(found);
}

static PyObject *fold_spaces(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    void *out = PyMem_Malloc((size_t)(n ? n : 1) * (size_t)kind);
    if (!out) return PyErr_NoMemory();
    Py_ssize_t o = 0, pos = 0;
    int started = 0, blank = 0; /* a line was written; an empty line since */
    while (pos <= n) {
        Py_ssize_t end = pos;
        while (end < n && PyUnicode_READ(kind, data, end) != '\n') end++;
        int space = 0, wrote = 0; /* a run of white space is pending; the line has text */
        for (Py_ssize_t i = pos; i < end; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c == '\r' || (c >= 0x1C && c <= 0x1F)) {
                PyMem_Free(out);
                Py_RETURN_NONE;
            }
            if (Py_UNICODE_ISSPACE(c)) {
                space = 1;
                continue;
            }
            if (!wrote) {
                if (started) {
                    PyUnicode_WRITE(kind, out, o++, '\n');
                    if (blank) PyUnicode_WRITE(kind, out, o++, '\n');
                }
                started = wrote = 1;
                blank = 0;
            } else if (space) {
                PyUnicode_WRITE(kind, out, o++, ' ');
            }
            space = 0;
            PyUnicode_WRITE(kind, out, o++, c);
        }
        if (!wrote && started) blank = 1;
        pos = end + 1;
    }
    PyObject *result = PyUnicode_FromKindAndData(kind, out, o);
    PyMem_Free(out);
    return result;
}

static PyMethodDef methods[] = {
    {"classes", classes, METH_VARARGS,
     "classes(text, table) -> the OR of table[c] over the text's characters"},
    {"fold_spaces", fold_spaces, METH_VARARGS,
     "fold_spaces(text) -> the text with white space folded, or None (see the module)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_render",
                                    "The compiled part of cleaner.render.", -1, methods};

PyMODINIT_FUNC PyInit__render(void) { return PyModule_Create(&module); }
