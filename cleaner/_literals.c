/* Which of many ASCII literals a line holds, in one pass: the compiled part of
 * cleaner.literals.LiteralSet.
 *
 * build(literals, masks) -> table      literals: list of non-empty ASCII bytes;
 *                                       masks: list of int < 2**64, one per literal
 * scan(table, text) -> int              the OR of the masks of the literals that occur
 *                                       in text (a str), anywhere, overlaps included
 *
 * The text is read as UTF-8; an ASCII literal occurs in a string exactly where its
 * bytes occur in the string's UTF-8 (no multi-byte sequence holds an ASCII byte).
 * Literals are bucketed by their first two bytes (one-byte literals by their byte), so
 * each position of the text costs one table look-up and a compare per literal sharing
 * its first two bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint32_t offset, length;
    uint64_t mask;
} Entry;

typedef struct {
    uint64_t single[256];   /* mask of the one-byte literals, by their byte */
    uint32_t bucket[65536]; /* two-byte prefix -> 1 + index of its first entry, 0: none */
    Entry *entries;         /* literals of two bytes or more, grouped by prefix */
    size_t count;
    uint8_t *blob;
} Table;

static void table_free(PyObject *capsule) {
    Table *t = PyCapsule_GetPointer(capsule, "cleaner._literals.Table");
    if (t) {
        PyMem_Free(t->entries);
        PyMem_Free(t->blob);
        PyMem_Free(t);
    }
}

static inline unsigned prefix(const uint8_t *p) { return (unsigned)p[0] << 8 | p[1]; }

/* qsort has no context argument: the blob being sorted is passed through this static
 * (build runs with the GIL held). */
static const uint8_t *sort_blob;

static int by_prefix(const void *x, const void *y) {
    const Entry *a = x, *b = y;
    unsigned pa = prefix(sort_blob + a->offset), pb = prefix(sort_blob + b->offset);
    return pa < pb ? -1 : pa > pb;
}

static PyObject *build(PyObject *self, PyObject *args) {
    PyObject *literals, *masks;
    if (!PyArg_ParseTuple(args, "O!O!", &PyList_Type, &literals, &PyList_Type, &masks))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(literals);
    if (PyList_GET_SIZE(masks) != n) {
        PyErr_SetString(PyExc_ValueError, "build: one mask per literal");
        return NULL;
    }
    Table *t = PyMem_Calloc(1, sizeof(Table));
    if (!t) return PyErr_NoMemory();
    size_t total = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *lit = PyList_GET_ITEM(literals, i);
        if (!PyBytes_Check(lit) || PyBytes_GET_SIZE(lit) == 0) {
            PyErr_SetString(PyExc_TypeError, "build: literals must be non-empty bytes");
            goto fail;
        }
        total += (size_t)PyBytes_GET_SIZE(lit);
    }
    t->entries = PyMem_Malloc(sizeof(Entry) * (size_t)(n ? n : 1));
    t->blob = PyMem_Malloc(total ? total : 1);
    if (!t->entries || !t->blob) { PyErr_NoMemory(); goto fail; }
    size_t pos = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *lit = PyList_GET_ITEM(literals, i);
        uint64_t mask = PyLong_AsUnsignedLongLong(PyList_GET_ITEM(masks, i));
        if (mask == (uint64_t)-1 && PyErr_Occurred()) goto fail;
        size_t len = (size_t)PyBytes_GET_SIZE(lit);
        const uint8_t *bytes = (const uint8_t *)PyBytes_AS_STRING(lit);
        if (len == 1) {
            t->single[bytes[0]] |= mask;
            continue;
        }
        memcpy(t->blob + pos, bytes, len);
        t->entries[t->count++] = (Entry){(uint32_t)pos, (uint32_t)len, mask};
        pos += len;
    }
    sort_blob = t->blob;
    qsort(t->entries, t->count, sizeof(Entry), by_prefix);
    for (size_t i = t->count; i-- > 0;) t->bucket[prefix(t->blob + t->entries[i].offset)] = (uint32_t)i + 1;
    PyObject *capsule = PyCapsule_New(t, "cleaner._literals.Table", table_free);
    if (!capsule) goto fail;
    return capsule;
fail:
    PyMem_Free(t->entries);
    PyMem_Free(t->blob);
    PyMem_Free(t);
    return NULL;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) return NULL;
    Table *t = PyCapsule_GetPointer(capsule, "cleaner._literals.Table");
    if (!t) return NULL;
    Py_ssize_t n;
    const uint8_t *s = (const uint8_t *)PyUnicode_AsUTF8AndSize(text, &n);
    if (!s) return NULL;
    uint64_t found = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        found |= t->single[s[i]];
        if (i + 1 >= n) break;
        uint32_t b = t->bucket[prefix(s + i)];
        if (!b) continue;
        unsigned p = prefix(s + i);
        for (size_t e = b - 1; e < t->count; e++) {
            const Entry *en = &t->entries[e];
            const uint8_t *lit = t->blob + en->offset;
            if (prefix(lit) != p) break;
            if ((found & en->mask) == en->mask) continue; /* nothing new to learn */
            if ((Py_ssize_t)en->length <= n - i && memcmp(s + i, lit, en->length) == 0)
                found |= en->mask;
        }
    }
    return PyLong_FromUnsignedLongLong(found);
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS, "build(literals, masks) -> table (see scan)"},
    {"scan", scan, METH_VARARGS,
     "scan(table, text) -> the OR of the masks of the literals text holds"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_literals",
                                    "Which of many literals a line holds (see scan).", -1,
                                    methods};

PyMODINIT_FUNC PyInit__literals(void) { return PyModule_Create(&module); }
