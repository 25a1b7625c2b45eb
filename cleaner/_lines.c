/* The compiled part of cleaner.stages: a text's lines, and which of them repeat.
 *
 * split(text, line_type, invisible) -> list
 *     One line_type (a NamedTuple subclass of tuple: number, start, end, stop,
 *     stripped) per line of text split on "\n": number from 1, [start, end) without the
 *     line break, stop after it, stripped = text[start:end].strip().strip(invisible)
 *     .strip().
 *
 * repeats(lines, starts, reach, fold, min_words, contained_words) -> list
 *     (start, stop, contained) for each line (of split's) that copies an earlier one:
 *     its words (split on white space) joined by one space and case-folded (its key)
 *     equal an earlier line's key (contained False), or, from contained_words words up,
 *     are part of an earlier key of that many words (contained True). Lines of fewer
 *     than min_words words, and lines covered by a claimed span (the spans starting at
 *     starts[k] reach up to reach[k], starts sorted, reach a running maximum), are
 *     skipped; a copy is not an earlier line. fold: 65536 bytes, 1 where a character
 *     case-folds to itself (others, and characters above U+FFFF, are folded by
 *     str.casefold). Keys are compared by a 64-bit hash of their UTF-8 for equality
 *     (distinct keys collide with negligible probability) and as UTF-8 bytes for
 *     containment (a key's bytes are in another's exactly where the key is).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_bytes.h"
#include <stdint.h>
#include <string.h>

/* Whether strip(chars) drops c: white space when chars is NULL. */
static int drops(PyObject *chars, Py_UCS4 c) {
    if (!chars) return Py_UNICODE_ISSPACE(c);
    int kind = PyUnicode_KIND(chars);
    const void *data = PyUnicode_DATA(chars);
    for (Py_ssize_t k = 0, n = PyUnicode_GET_LENGTH(chars); k < n; k++)
        if (PyUnicode_READ(kind, data, k) == c) return 1;
    return 0;
}

static PyObject *split(PyObject *self, PyObject *args) {
    PyObject *text, *invisible;
    PyTypeObject *type;
    if (!PyArg_ParseTuple(args, "UO!U", &text, &PyType_Type, &type, &invisible)) return NULL;
    if (!PyType_IsSubtype(type, &PyTuple_Type)) {
        PyErr_SetString(PyExc_TypeError, "split: line_type must be a tuple type");
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    Py_ssize_t pos = 0, number = 1;
    for (;;) {
        Py_ssize_t end = pos;
        while (end < n && PyUnicode_READ(kind, data, end) != '\n') end++;
        Py_ssize_t a = pos, b = end;
        for (int pass = 0; pass < 3; pass++) { /* strip(), strip(invisible), strip() */
            PyObject *chars = pass == 1 ? invisible : NULL;
            while (a < b && drops(chars, PyUnicode_READ(kind, data, a))) a++;
            while (a < b && drops(chars, PyUnicode_READ(kind, data, b - 1))) b--;
        }
        PyObject *line = type->tp_alloc(type, 5);
        PyObject *stripped = line ? PyUnicode_Substring(text, a, b) : NULL;
        if (!stripped) {
            Py_XDECREF(line);
            Py_DECREF(out);
            return NULL;
        }
        Py_ssize_t stop = end < n ? end + 1 : n;
        PyObject *fields[4] = {PyLong_FromSsize_t(number), PyLong_FromSsize_t(pos),
                               PyLong_FromSsize_t(end), PyLong_FromSsize_t(stop)};
        for (int k = 0; k < 4; k++) PyTuple_SET_ITEM(line, k, fields[k]);
        PyTuple_SET_ITEM(line, 4, stripped);
        if (!fields[0] || !fields[1] || !fields[2] || !fields[3] || PyList_Append(out, line) < 0) {
            Py_DECREF(line);
            Py_DECREF(out);
            return NULL;
        }
        Py_DECREF(line);
        if (end >= n) break;
        pos = end + 1;
        number++;
    }
    return out;
}

/* The key of s (see the module), as UTF-8, appended to b, and its word count; -1 on
 * error. */
static Py_ssize_t key_of(PyObject *s, const uint8_t *fold, Bytes *b) {
    int kind = PyUnicode_KIND(s);
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), words = 0;
    if (bytes_room(b, 4 * (size_t)n + 1) < 0) return -1;
    char *q = b->p + b->len;
    int space = 1, plain = 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (Py_UNICODE_ISSPACE(c)) { space = 1; continue; }
        if (space) {
            if (words) *q++ = ' ';
            words++;
            space = 0;
        }
        if (c < 0x80) {
            *q++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            continue;
        }
        if (c > 0xFFFF || !fold[c]) { plain = 0; break; }
        q += put_utf8(q, c);
    }
    if (plain) {
        b->len = (size_t)(q - b->p);
        return words;
    }
    /* a character str.casefold changes: the key from str.casefold itself */
    PyObject *parts = PyUnicode_Split(s, NULL, -1); /* on the same white space */
    if (parts) words = PyList_GET_SIZE(parts);
    PyObject *sep = parts ? PyUnicode_FromOrdinal(' ') : NULL;
    PyObject *joined = sep ? PyUnicode_Join(sep, parts) : NULL;
    PyObject *folded = joined ? PyObject_CallMethod(joined, "casefold", NULL) : NULL;
    Py_XDECREF(parts);
    Py_XDECREF(sep);
    Py_XDECREF(joined);
    if (!folded) return -1;
    Py_ssize_t size;
    const char *utf8 = PyUnicode_AsUTF8AndSize(folded, &size);
    if (!utf8 || bytes_room(b, (size_t)size) < 0) {
        Py_DECREF(folded);
        return -1;
    }
    memcpy(b->p + b->len, utf8, (size_t)size);
    b->len += (size_t)size;
    Py_DECREF(folded);
    return words;
}

static Py_ssize_t long_at(PyObject *seq, Py_ssize_t i) {
    return PyLong_AsSsize_t(PyList_GET_ITEM(seq, i));
}

static PyObject *repeats(PyObject *self, PyObject *args) {
    PyObject *lines, *starts, *reach;
    Py_buffer fold;
    Py_ssize_t min_words, contained_words;
    if (!PyArg_ParseTuple(args, "O!O!O!y*nn", &PyList_Type, &lines, &PyList_Type, &starts,
                          &PyList_Type, &reach, &fold, &min_words, &contained_words))
        return NULL;
    PyObject *out = NULL;
    Bytes key = {NULL, 0, 0};
    Bytes earlier = {NULL, 0, 0}; /* the keys of contained_words words or more, each after a
                                   line break: a key holds none, so a key is part of an
                                   earlier one exactly where its bytes are in these */
    Py_ssize_t count = PyList_GET_SIZE(lines), spans = PyList_GET_SIZE(starts);
    size_t cap = 16;
    while (cap < 2 * (size_t)count) cap <<= 1;
    uint64_t *seen = PyMem_Calloc(cap, sizeof *seen);
    if (!seen) { PyErr_NoMemory(); goto done; }
    if (fold.len != 65536 || PyList_GET_SIZE(reach) != spans) {
        PyErr_SetString(PyExc_ValueError, "repeats: a 65536-byte fold table and one reach per start");
        goto done;
    }
    out = PyList_New(0);
    if (!out) goto done;
    Py_ssize_t k = 0; /* spans starting at or before the line */
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *line = PyList_GET_ITEM(lines, i);
        if (!PyTuple_Check(line) || PyTuple_GET_SIZE(line) != 5 ||
            !PyUnicode_Check(PyTuple_GET_ITEM(line, 4))) {
            PyErr_SetString(PyExc_TypeError, "repeats: lines must come from split()");
            goto fail;
        }
        PyObject *stripped = PyTuple_GET_ITEM(line, 4);
        if (!PyUnicode_GET_LENGTH(stripped)) continue;
        Py_ssize_t start = PyLong_AsSsize_t(PyTuple_GET_ITEM(line, 1));
        Py_ssize_t end = PyLong_AsSsize_t(PyTuple_GET_ITEM(line, 2));
        Py_ssize_t stop = PyLong_AsSsize_t(PyTuple_GET_ITEM(line, 3));
        while (k < spans && long_at(starts, k) <= start) k++;
        if (PyErr_Occurred()) goto fail;
        if (k && long_at(reach, k - 1) >= end) continue; /* claimed: no key needed */
        key.len = 0;
        Py_ssize_t words = key_of(stripped, fold.buf, &key);
        if (words < 0) goto fail;
        if (words < min_words) continue; /* never a copy, and no longer line is the same */
        uint64_t h = bytes_key(key.p, key.len);
        size_t s = (size_t)h & (cap - 1);
        while (seen[s] && seen[s] != h) s = (s + 1) & (cap - 1);
        int copy = seen[s] == h;
        int contained = !copy && words >= contained_words && earlier.len &&
                        memmem(earlier.p, earlier.len, key.p, key.len) != NULL;
        if (copy || contained) {
            PyObject *item = Py_BuildValue("(nnO)", start, stop, contained ? Py_True : Py_False);
            if (!item || PyList_Append(out, item) < 0) { Py_XDECREF(item); goto fail; }
            Py_DECREF(item);
            continue;
        }
        seen[s] = h;
        if (words >= contained_words) {
            if (bytes_room(&earlier, key.len + 1) < 0) goto fail;
            earlier.p[earlier.len++] = '\n';
            memcpy(earlier.p + earlier.len, key.p, key.len);
            earlier.len += key.len;
        }
    }
    goto done;
fail:
    Py_CLEAR(out);
done:
    PyMem_Free(seen);
    PyMem_Free(key.p);
    PyMem_Free(earlier.p);
    PyBuffer_Release(&fold);
    return out;
}

static PyMethodDef methods[] = {
    {"split", split, METH_VARARGS, "split(text, line_type, invisible) -> the text's lines"},
    {"repeats", repeats, METH_VARARGS,
     "repeats(lines, starts, reach, fold, min_words, contained_words) -> "
     "[(start, stop, contained)] of the lines that copy an earlier one"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_lines",
                                    "The compiled part of cleaner.stages.", -1, methods};

PyMODINIT_FUNC PyInit__lines(void) { return PyModule_Create(&module); }
