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

/* fold_spaces over code units of one width: the length written to out, or -1 for a
 * text with "\r" or U+001C .. U+001F. */
#define FOLD(NAME, T)                                                                   \
    static Py_ssize_t NAME(const T *s, Py_ssize_t n, T *out) {                          \
        Py_ssize_t o = 0, pos = 0;                                                      \
        int started = 0, blank = 0; /* a line was written; an empty line since */       \
        while (pos <= n) {                                                              \
            int space = 0, wrote = 0; /* white space is pending; the line has text */    \
            Py_ssize_t i = pos;                                                         \
            for (; i < n && s[i] != '\n'; i++) {                                        \
                Py_UCS4 c = s[i];                                                       \
                if (c == '\r' || (c >= 0x1C && c <= 0x1F)) return -1;                   \
                if (Py_UNICODE_ISSPACE(c)) {                                            \
                    space = 1;                                                          \
                    continue;                                                           \
                }                                                                       \
                if (!wrote) {                                                           \
                    if (started) {                                                      \
                        out[o++] = '\n';                                                \
                        if (blank) out[o++] = '\n';                                     \
                    }                                                                   \
                    started = wrote = 1;                                                \
                    blank = 0;                                                          \
                } else if (space) {                                                     \
                    out[o++] = ' ';                                                     \
                }                                                                       \
                space = 0;                                                              \
                out[o++] = s[i];                                                        \
            }                                                                           \
            if (!wrote && started) blank = 1;                                           \
            pos = i + 1;                                                                \
        }                                                                               \
        return o;                                                                       \
    }

FOLD(fold1, Py_UCS1)
FOLD(fold2, Py_UCS2)
FOLD(fold4, Py_UCS4)

static PyObject *fold_spaces(PyObject *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) return NULL;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    void *out = PyMem_Malloc((size_t)(n ? n : 1) * (size_t)kind);
    if (!out) return PyErr_NoMemory();
    Py_ssize_t o = kind == PyUnicode_1BYTE_KIND ? fold1(data, n, out)
                   : kind == PyUnicode_2BYTE_KIND ? fold2(data, n, out)
                   : fold4(data, n, out);
    PyObject *result = o < 0 ? Py_NewRef(Py_None) : PyUnicode_FromKindAndData(kind, out, o);
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
