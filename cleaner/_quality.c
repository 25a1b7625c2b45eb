/* The compiled part of cleaner.quality: one pass over a text for its character counts
 * and words, and Gopher's word n-gram repetition counts in one call.
 *
 * scan(text, table) -> (letters, upper, digits, spaces, words, counts, letterless,
 *                       word_chars) or None
 *
 * table is 65536 bytes of flags for U+0000 .. U+FFFF, made by quality.py from the regex
 * module's own classes: 1 \p{L}, 2 \p{Lu}, 4 \d, 8 \s, 16 \w, 32 a word joiner
 * [-'’]. words are the matches of \w+(?:[-'’]\w+)*, casefolded (an ASCII word by
 * lower-casing, any other by str.casefold); counts is {word: occurrences}; letterless
 * counts the words without a \p{L} character, word_chars their characters (both after
 * casefolding). A text with a character above U+FFFF (or a word that casefolds to one)
 * gives None: quality.py then uses the regex module.
 *
 * counts(words) -> tuple of 9 ints, for n = 2 .. 10
 *
 * words are the document's (casefolded) words. For n = 2, 3, 4: the characters of the
 * most frequent n-gram (its words and the n - 1 spaces between them) times its count;
 * ties go to the n-gram seen first. For n = 5 .. 10: the characters (words only) of the
 * n-grams that repeat an earlier one, scanning left to right and skipping past each
 * repeat. From n = 4 up, once no n-gram repeats, the rest are 0. n-grams are compared
 * by a 64-bit key: a polynomial of the words' Python hashes (distinct n-grams collide
 * with negligible probability). quality.py divides by the text's length.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define FNV64 0x100000001B3ull

typedef struct {
    uint64_t *keys;
    uint32_t *counts; /* 0: empty slot */
    size_t mask;
} Table;

static inline size_t slot_of(const Table *t, uint64_t key) {
    uint64_t h = key;
    h ^= h >> 33; h *= 0xFF51AFD7ED558CCDull; h ^= h >> 33;
    size_t s = (size_t)h & t->mask;
    while (t->counts[s] && t->keys[s] != key) s = (s + 1) & t->mask;
    return s;
}

/* The most frequent key's first position and its count (ties: seen first). */
static void top(Table *t, const uint64_t *keys, size_t m, size_t *at, uint32_t *count) {
    memset(t->counts, 0, (t->mask + 1) * sizeof *t->counts);
    uint32_t best = 0;
    for (size_t i = 0; i < m; i++) {
        size_t s = slot_of(t, keys[i]);
        t->keys[s] = keys[i];
        if (++t->counts[s] > best) best = t->counts[s];
    }
    for (size_t i = 0; i < m; i++) {
        if (t->counts[slot_of(t, keys[i])] == best) { *at = i; break; }
    }
    *count = best;
}

/* Characters of the n-grams that repeat an earlier one (skipping past each repeat),
 * and whether any key occurs twice. */
static long long repeated(Table *t, const uint64_t *keys, size_t m, size_t n,
                          const Py_ssize_t *prefix, int *any) {
    memset(t->counts, 0, (t->mask + 1) * sizeof *t->counts);
    *any = 0;
    for (size_t i = 0; i < m; i++) {
        size_t s = slot_of(t, keys[i]);
        if (t->counts[s]) { *any = 1; break; }
        t->keys[s] = keys[i];
        t->counts[s] = 1;
    }
    if (!*any) return 0;
    memset(t->counts, 0, (t->mask + 1) * sizeof *t->counts);
    long long chars = 0;
    size_t i = 0;
    while (i < m) {
        size_t s = slot_of(t, keys[i]);
        if (t->counts[s]) {
            chars += prefix[i + n] - prefix[i];
            i += n;
        } else {
            t->keys[s] = keys[i];
            t->counts[s] = 1;
            i += 1;
        }
    }
    return chars;
}

static PyObject *counts(PyObject *self, PyObject *arg) {
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "counts: words must be a list of str");
        return NULL;
    }
    size_t len = (size_t)PyList_GET_SIZE(arg);
    long long out[9] = {0};
    if (len < 2) goto build;
    uint64_t *hashes = PyMem_Malloc(sizeof(uint64_t) * len);
    uint64_t *keys = PyMem_Malloc(sizeof(uint64_t) * len);
    Py_ssize_t *prefix = PyMem_Malloc(sizeof(Py_ssize_t) * (len + 1));
    size_t cap = 16;
    while (cap < 2 * len) cap <<= 1;
    Table t = {PyMem_Malloc(sizeof(uint64_t) * cap), PyMem_Malloc(sizeof(uint32_t) * cap),
               cap - 1};
    if (!hashes || !keys || !prefix || !t.keys || !t.counts) {
        PyErr_NoMemory();
        goto fail;
    }
    prefix[0] = 0;
    for (size_t i = 0; i < len; i++) {
        PyObject *w = PyList_GET_ITEM(arg, i);
        if (!PyUnicode_Check(w)) {
            PyErr_Format(PyExc_TypeError, "counts: word %zu is not a str", i);
            goto fail;
        }
        Py_hash_t h = PyObject_Hash(w);
        if (h == -1 && PyErr_Occurred()) goto fail;
        hashes[i] = keys[i] = (uint64_t)h;
        prefix[i + 1] = prefix[i] + PyUnicode_GET_LENGTH(w);
    }
    size_t last = len < 10 ? len : 10;
    for (size_t n = 2; n <= last; n++) {
        size_t m = len - n + 1;
        for (size_t i = 0; i < m; i++) keys[i] = keys[i] * FNV64 + hashes[i + n - 1];
        int any;
        if (n <= 4) {
            size_t at = 0;
            uint32_t c = 0;
            top(&t, keys, m, &at, &c);
            out[n - 2] = (long long)(prefix[at + n] - prefix[at] + (Py_ssize_t)n - 1) * c;
            any = c > 1;
        } else {
            out[n - 2] = repeated(&t, keys, m, n, prefix, &any);
        }
        if (!any && n >= 4) break;
    }
    PyMem_Free(hashes); PyMem_Free(keys); PyMem_Free(prefix); PyMem_Free(t.keys);
    PyMem_Free(t.counts);
build:
    return Py_BuildValue("(LLLLLLLLL)", out[0], out[1], out[2], out[3], out[4], out[5],
                         out[6], out[7], out[8]);
fail:
    PyMem_Free(hashes); PyMem_Free(keys); PyMem_Free(prefix); PyMem_Free(t.keys);
    PyMem_Free(t.counts);
    return NULL;
}

enum { LETTER = 1, UPPER = 2, DIGIT = 4, SPACE = 8, WORD = 16, JOINER = 32 };

/* text[start:end] casefolded: ASCII by lower-casing (the same for ASCII), any other by
 * str.casefold. *has_letter: whether the casefolded word holds a \p{L}. Py_None (a new
 * reference) when the casefolded word has a character above U+FFFF. */
static PyObject *casefolded(PyObject *text, int kind, const void *data, Py_ssize_t start,
                            Py_ssize_t end, const uint8_t *flags, int *has_letter) {
    int ascii = 1, up = 0;
    for (Py_ssize_t k = start; k < end; k++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, k);
        if (c >= 0x80) { ascii = 0; break; }
        up |= c >= 'A' && c <= 'Z';
    }
    *has_letter = 0;
    if (ascii) {
        PyObject *w = PyUnicode_New(end - start, 0x7F);
        if (!w) return NULL;
        Py_UCS1 *out = PyUnicode_1BYTE_DATA(w);
        for (Py_ssize_t k = start; k < end; k++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, k);
            out[k - start] = (Py_UCS1)(up && c >= 'A' && c <= 'Z' ? c + 32 : c);
            *has_letter |= flags[c] & LETTER;
        }
        return w;
    }
    PyObject *sub = PyUnicode_Substring(text, start, end);
    if (!sub) return NULL;
    PyObject *w = PyObject_CallMethod(sub, "casefold", NULL);
    Py_DECREF(sub);
    if (!w) return NULL;
    int wkind = PyUnicode_KIND(w);
    const void *wdata = PyUnicode_DATA(w);
    for (Py_ssize_t k = 0, n = PyUnicode_GET_LENGTH(w); k < n; k++) {
        Py_UCS4 c = PyUnicode_READ(wkind, wdata, k);
        if (c > 0xFFFF) { Py_DECREF(w); return Py_NewRef(Py_None); }
        *has_letter |= flags[c] & LETTER;
    }
    return w;
}

static int add_count(PyObject *counts, PyObject *word) {
    PyObject *old = PyDict_GetItemWithError(counts, word);
    if (!old && PyErr_Occurred()) return -1;
    PyObject *now = PyLong_FromLong(old ? PyLong_AsLong(old) + 1 : 1);
    if (!now) return -1;
    int rc = PyDict_SetItem(counts, word, now);
    Py_DECREF(now);
    return rc;
}

static PyObject *scan(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table)) return NULL;
    if (table.len != 65536) {
        PyBuffer_Release(&table);
        PyErr_SetString(PyExc_ValueError, "scan: the table must have 65536 entries");
        return NULL;
    }
    const uint8_t *flags = table.buf;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    PyObject *result = NULL, *words = NULL, *counts = NULL;
    if (kind == PyUnicode_4BYTE_KIND) {
        const Py_UCS4 *p = data;
        for (Py_ssize_t i = 0; i < n; i++)
            if (p[i] > 0xFFFF) { result = Py_NewRef(Py_None); goto done; }
    }
    words = PyList_New(0);
    counts = PyDict_New();
    if (!words || !counts) goto done;
    long long letters = 0, upper = 0, digits = 0, spaces = 0, letterless = 0, word_chars = 0;
    int has_letter;
    Py_ssize_t i = 0;
    while (i < n) {
        uint8_t f = flags[PyUnicode_READ(kind, data, i)];
        if (!(f & WORD)) {
            letters += f & LETTER; upper += (f & UPPER) >> 1; digits += (f & DIGIT) >> 2;
            spaces += (f & SPACE) >> 3;
            i++;
            continue;
        }
        Py_ssize_t start = i;
        for (;;) {
            while (i < n && ((f = flags[PyUnicode_READ(kind, data, i)]) & WORD)) {
                letters += f & LETTER; upper += (f & UPPER) >> 1; digits += (f & DIGIT) >> 2;
                spaces += (f & SPACE) >> 3;
                i++;
            }
            /* a joiner followed by a word character continues the word */
            if (i + 1 < n && (flags[PyUnicode_READ(kind, data, i)] & JOINER) &&
                (flags[PyUnicode_READ(kind, data, i + 1)] & WORD)) {
                i++; /* the joiner: counted in no class */
                continue;
            }
            break;
        }
        PyObject *w = casefolded(text, kind, data, start, i, flags, &has_letter);
        if (w == Py_None) { Py_DECREF(w); Py_CLEAR(words); result = Py_NewRef(Py_None); goto done; }
        if (!w || PyList_Append(words, w) < 0 || add_count(counts, w) < 0) {
            Py_XDECREF(w);
            goto done;
        }
        letterless += !has_letter;
        word_chars += PyUnicode_GET_LENGTH(w);
        Py_DECREF(w);
    }
    result = Py_BuildValue("(LLLLOOLL)", letters, upper, digits, spaces, words, counts,
                           letterless, word_chars);
done:
    Py_XDECREF(words);
    Py_XDECREF(counts);
    PyBuffer_Release(&table);
    return result;
}

static PyMethodDef methods[] = {
    {"scan", scan, METH_VARARGS,
     "scan(text, table) -> (letters, upper, digits, spaces, words, counts, letterless, "
     "word_chars), or None for a text with characters above U+FFFF"},
    {"counts", counts, METH_O,
     "counts(words) -> for n = 2..10, the characters Gopher's top (2-4) and duplicate "
     "(5-10) n-gram fractions count"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_quality",
                                    "Compiled character counts, words and n-gram counts.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__quality(void) { return PyModule_Create(&module); }
