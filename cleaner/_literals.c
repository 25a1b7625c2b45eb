/* Which of many literals the lines of a text hold, in one pass: the compiled part of
 * rule matching's gate (cleaner.stages._Gate).
 *
 * build(literals, masks) -> table      literals: list of non-empty UTF-8 bytes without
 *                                       a line break; masks: list of ints < 2**256, one
 *                                       per literal
 * scan(table, text) -> int              the OR of the masks of the literals that occur
 *                                       in text (a str), anywhere, overlaps included
 * scan_lines(table, text) -> list      (i, mask) for each line i of text (split on
 *                                       "\n", from 0) whose mask, as scan's, is not 0
 *
 * The text is read as UTF-8: a literal occurs in a string exactly where its UTF-8
 * bytes occur in the string's (UTF-8 is self-synchronising). Literals are bucketed by
 * their first two bytes (one-byte literals by their byte), so each position of the
 * text costs one table look-up and a compare per literal sharing its first two bytes.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define WORDS 4 /* 256 mask bits */

typedef struct {
    uint64_t w[WORDS];
} Mask;

typedef struct {
    uint32_t offset, length;
    uint32_t head; /* the first four bytes (literals of four bytes or more) */
    Mask mask;
} Entry;

static inline uint32_t load4(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

typedef struct {
    uint8_t hot[256];       /* bit 0: a one-byte literal is this byte; bit 1: a longer
                               literal starts with it */
    uint64_t pair[1024];    /* bit set: some literal starts with this two-byte prefix */
    Mask single[256];       /* mask of the one-byte literals, by their byte */
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

static inline void mask_or(Mask *a, const Mask *b) {
    for (int k = 0; k < WORDS; k++) a->w[k] |= b->w[k];
}

static inline int mask_covers(const Mask *a, const Mask *b) { /* b's bits all in a */
    for (int k = 0; k < WORDS; k++)
        if ((a->w[k] & b->w[k]) != b->w[k]) return 0;
    return 1;
}

static inline int mask_any(const Mask *a) {
    uint64_t x = 0;
    for (int k = 0; k < WORDS; k++) x |= a->w[k];
    return x != 0;
}

/* An int in [0, 2**256) as words; -1 with an exception set otherwise. */
static int mask_from_int(PyObject *v, Mask *out) {
    if (!PyLong_Check(v)) {
        PyErr_SetString(PyExc_TypeError, "build: masks must be ints");
        return -1;
    }
    PyObject *zero = PyLong_FromLong(0), *shift = PyLong_FromLong(64);
    PyObject *low = PyLong_FromUnsignedLongLong(UINT64_MAX);
    PyObject *rest = Py_NewRef(v);
    int ok = zero && shift && low && PyObject_RichCompareBool(v, zero, Py_GE) == 1;
    for (int k = 0; ok && k < WORDS; k++) {
        PyObject *word = PyNumber_And(rest, low);
        PyObject *next = PyNumber_Rshift(rest, shift);
        ok = word && next;
        if (ok) out->w[k] = PyLong_AsUnsignedLongLong(word);
        Py_XDECREF(word);
        Py_SETREF(rest, next);
    }
    if (ok) ok = PyObject_RichCompareBool(rest, zero, Py_EQ) == 1;
    if (!ok && !PyErr_Occurred())
        PyErr_SetString(PyExc_ValueError, "build: masks must be in [0, 2**256)");
    Py_XDECREF(rest);
    Py_XDECREF(zero);
    Py_XDECREF(shift);
    Py_XDECREF(low);
    return ok ? 0 : -1;
}

static PyObject *mask_to_int(const Mask *m) {
    int top = WORDS - 1;
    while (top > 0 && !m->w[top]) top--;
    PyObject *acc = PyLong_FromUnsignedLongLong(m->w[top]);
    if (!top || !acc) return acc;
    PyObject *shift = PyLong_FromLong(64);
    if (!shift) { Py_DECREF(acc); return NULL; }
    for (int k = top - 1; k >= 0 && acc; k--) {
        PyObject *moved = PyNumber_Lshift(acc, shift);
        Py_DECREF(acc);
        if (!moved) { acc = NULL; break; }
        PyObject *word = PyLong_FromUnsignedLongLong(m->w[k]);
        acc = word ? PyNumber_Or(moved, word) : NULL;
        Py_DECREF(moved);
        Py_XDECREF(word);
    }
    Py_DECREF(shift);
    return acc;
}

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
        if (!PyBytes_Check(lit) || PyBytes_GET_SIZE(lit) == 0 ||
            memchr(PyBytes_AS_STRING(lit), '\n', (size_t)PyBytes_GET_SIZE(lit))) {
            PyErr_SetString(PyExc_TypeError,
                            "build: literals must be non-empty bytes without a line break");
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
        Mask mask;
        if (mask_from_int(PyList_GET_ITEM(masks, i), &mask) < 0) goto fail;
        size_t len = (size_t)PyBytes_GET_SIZE(lit);
        const uint8_t *bytes = (const uint8_t *)PyBytes_AS_STRING(lit);
        if (len == 1) {
            mask_or(&t->single[bytes[0]], &mask);
            t->hot[bytes[0]] |= 1;
            continue;
        }
        t->hot[bytes[0]] |= 2;
        t->pair[prefix(bytes) >> 6] |= (uint64_t)1 << (prefix(bytes) & 63);
        memcpy(t->blob + pos, bytes, len);
        t->entries[t->count++] =
            (Entry){(uint32_t)pos, (uint32_t)len, len >= 4 ? load4(bytes) : 0, mask};
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

/* The literals found at position i of s[0:n] are OR-ed into found. */
static inline void at(const Table *t, const uint8_t *s, Py_ssize_t i, Py_ssize_t n,
                      Mask *found) {
    uint8_t hot = t->hot[s[i]];
    if (!hot) return;
    if (hot & 1) mask_or(found, &t->single[s[i]]);
    if (!(hot & 2) || i + 1 >= n) return;
    unsigned p = prefix(s + i);
    if (!(t->pair[p >> 6] >> (p & 63) & 1)) return;
    uint32_t b = t->bucket[p];
    for (size_t e = b - 1; e < t->count; e++) {
        const Entry *en = &t->entries[e];
        const uint8_t *lit = t->blob + en->offset;
        if (prefix(lit) != p) break;
        if ((Py_ssize_t)en->length > n - i) continue;
        if (en->length >= 4 && load4(s + i) != en->head) continue;
        if (mask_covers(found, &en->mask)) continue; /* nothing new to learn */
        if (memcmp(s + i, lit, en->length) == 0) mask_or(found, &en->mask);
    }
}

static Table *parse(PyObject *args, const uint8_t **s, Py_ssize_t *n) {
    PyObject *capsule, *text;
    if (!PyArg_ParseTuple(args, "OU", &capsule, &text)) return NULL;
    Table *t = PyCapsule_GetPointer(capsule, "cleaner._literals.Table");
    if (!t) return NULL;
    *s = (const uint8_t *)PyUnicode_AsUTF8AndSize(text, n);
    return *s ? t : NULL;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    const uint8_t *s;
    Py_ssize_t n;
    Table *t = parse(args, &s, &n);
    if (!t) return NULL;
    Mask found = {{0}};
    for (Py_ssize_t i = 0; i < n; i++) at(t, s, i, n, &found);
    return mask_to_int(&found);
}

static PyObject *scan_lines(PyObject *self, PyObject *args) {
    const uint8_t *s;
    Py_ssize_t n;
    Table *t = parse(args, &s, &n);
    if (!t) return NULL;
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    Py_ssize_t line = 0, start = 0;
    while (start <= n) {
        const uint8_t *nl = memchr(s + start, '\n', (size_t)(n - start));
        Py_ssize_t end = nl ? nl - s : n;
        Mask found = {{0}};
        for (Py_ssize_t i = start; i < end; i++) at(t, s + start, i - start, end - start, &found);
        if (mask_any(&found)) {
            PyObject *item = Py_BuildValue("(nN)", line, mask_to_int(&found));
            if (!item || PyList_Append(out, item) < 0) {
                Py_XDECREF(item);
                Py_DECREF(out);
                return NULL;
            }
            Py_DECREF(item);
        }
        if (!nl) break;
        start = end + 1;
        line++;
    }
    return out;
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS, "build(literals, masks) -> table (see scan)"},
    {"scan", scan, METH_VARARGS,
     "scan(table, text) -> the OR of the masks of the literals text holds"},
    {"scan_lines", scan_lines, METH_VARARGS,
     "scan_lines(table, text) -> [(i, mask)] for each line i whose scan is not 0"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_literals",
                                    "Which of many literals the lines of a text hold.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__literals(void) { return PyModule_Create(&module); }
