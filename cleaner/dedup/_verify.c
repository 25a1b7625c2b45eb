/* Verifying LSH candidate pairs on their signatures: the compiled part of
 * cleaner.dedup.index.Index.matches.
 *
 * seen() -> set        an empty set of pair codes (i * total + j), kept across bands
 * verify(seen, i, j, low, chunks, chunk, sizes, total, threshold, candidate,
 *        containment, min_shingles) -> (i, j, sim)
 *
 * i, j      int64 arrays: candidate pairs of stored rows
 * low       uint8, rows x num_perm: the low byte of every signature value
 * chunks    list of signature arrays (uint32 or uint64, rows x num_perm), each but the
 *           last of ``chunk`` rows: row r is row r % chunk of chunk r / chunk
 * sizes     float64 per row: its distinct shingle count
 * returns   bytes of int64 i, int64 j and float64 similarity of the pairs that pass
 *
 * A pair passes when it is not in seen and passes index.verify's tests on its estimated
 * Jaccard (the share of equal signature values); passing pairs are added to seen. The
 * share of equal low bytes bounds the share of equal values from above, and the test
 * only gets easier to pass as the share grows, so a pair failing it on its low bytes
 * is dropped before its whole signatures are read. The arithmetic is verify's (IEEE
 * doubles, the same operations in the same order), so the same pairs pass.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t *slots; /* 0: empty (a code is never 0: j > i >= 0) */
    size_t mask, used;
} Seen;

static void seen_free(PyObject *capsule) {
    Seen *s = PyCapsule_GetPointer(capsule, "cleaner.dedup._verify.Seen");
    if (s) { PyMem_Free(s->slots); PyMem_Free(s); }
}

static inline size_t slot_of(uint64_t code, size_t mask) {
    uint64_t h = code;
    h ^= h >> 33; h *= 0xFF51AFD7ED558CCDull; h ^= h >> 33;
    return (size_t)h & mask;
}

static int seen_has(const Seen *s, uint64_t code) {
    for (size_t at = slot_of(code, s->mask);; at = (at + 1) & s->mask) {
        if (s->slots[at] == code) return 1;
        if (!s->slots[at]) return 0;
    }
}

static int seen_add(Seen *s, uint64_t code) {
    if (2 * (s->used + 1) > s->mask + 1) {
        size_t cap = 2 * (s->mask + 1);
        uint64_t *slots = PyMem_Calloc(cap, sizeof *slots);
        if (!slots) { PyErr_NoMemory(); return -1; }
        for (size_t k = 0; k <= s->mask; k++)
            if (s->slots[k]) {
                size_t at = slot_of(s->slots[k], cap - 1);
                while (slots[at]) at = (at + 1) & (cap - 1);
                slots[at] = s->slots[k];
            }
        PyMem_Free(s->slots);
        s->slots = slots;
        s->mask = cap - 1;
    }
    size_t at = slot_of(code, s->mask);
    while (s->slots[at] && s->slots[at] != code) at = (at + 1) & s->mask;
    if (!s->slots[at]) { s->slots[at] = code; s->used++; }
    return 0;
}

static PyObject *seen_new(PyObject *self, PyObject *noargs) {
    Seen *s = PyMem_Calloc(1, sizeof *s);
    if (!s) return PyErr_NoMemory();
    s->slots = PyMem_Calloc(1024, sizeof *s->slots);
    if (!s->slots) { PyMem_Free(s); return PyErr_NoMemory(); }
    s->mask = 1023;
    PyObject *capsule = PyCapsule_New(s, "cleaner.dedup._verify.Seen", seen_free);
    if (!capsule) { PyMem_Free(s->slots); PyMem_Free(s); }
    return capsule;
}

typedef struct {
    double threshold, candidate, containment, min_shingles;
} Tests;

/* index.verify's tests: could a pair of this similarity and these sizes match? */
static inline int may_match(const Tests *t, double sim, double na, double nb) {
    double small = na < nb ? na : nb;
    double contained = sim * (na + nb) / (1.0 + sim) / (small > 1.0 ? small : 1.0);
    if (contained > 1.0) contained = 1.0;
    return sim >= t->threshold ||
           (small >= t->min_shingles && sim >= t->candidate && contained >= t->containment);
}

__attribute__((target_clones("arch=skylake-avx512", "avx2", "default")))
static size_t count_equal_bytes(const uint8_t *a, const uint8_t *b, size_t n) {
    uint32_t eq = 0;
    for (size_t k = 0; k < n; k++) eq += a[k] == b[k];
    return eq;
}

#define AHEAD 16 /* pairs whose low bytes are fetched ahead (rows are scattered) */

static PyObject *verify(PyObject *self, PyObject *args) {
    PyObject *capsule, *chunks;
    Py_buffer bi = {0}, bj = {0}, blow = {0}, bsizes = {0};
    Py_ssize_t total, chunk;
    Tests t;
    if (!PyArg_ParseTuple(args, "Oy*y*y*O!ny*ndddd", &capsule, &bi, &bj, &blow, &PyList_Type,
                          &chunks, &chunk, &bsizes, &total, &t.threshold, &t.candidate,
                          &t.containment, &t.min_shingles))
        return NULL;
    PyObject *result = NULL;
    Py_buffer *views = NULL;
    Py_ssize_t nchunks = PyList_GET_SIZE(chunks);
    int64_t *oi = NULL, *oj = NULL;
    double *osim = NULL;
    Seen *seen = PyCapsule_GetPointer(capsule, "cleaner.dedup._verify.Seen");
    if (!seen) goto done;
    size_t n = (size_t)bi.len / 8, rows = (size_t)bsizes.len / 8;
    if ((size_t)bj.len != 8 * n || nchunks == 0 || chunk < 1 || rows == 0 ||
        blow.len % (Py_ssize_t)rows) {
        PyErr_SetString(PyExc_ValueError, "verify: mismatched arrays");
        goto done;
    }
    size_t perms = (size_t)blow.len / rows;
    views = PyMem_Calloc((size_t)nchunks, sizeof *views);
    if (!views) { PyErr_NoMemory(); goto done; }
    for (Py_ssize_t c = 0; c < nchunks; c++)
        if (PyObject_GetBuffer(PyList_GET_ITEM(chunks, c), &views[c], PyBUF_C_CONTIGUOUS) < 0)
            goto done;
    size_t width = (size_t)views[0].itemsize;
    for (Py_ssize_t c = 0; c < nchunks; c++)
        if ((width != 4 && width != 8) || (size_t)views[c].itemsize != width) {
            PyErr_SetString(PyExc_ValueError, "verify: signatures must be 32- or 64-bit");
            goto done;
        }
    for (Py_ssize_t c = 0; c + 1 < nchunks; c++)
        if ((size_t)views[c].len != (size_t)chunk * perms * width) {
            PyErr_SetString(PyExc_ValueError, "verify: every chunk but the last must be full");
            goto done;
        }
    size_t last = (size_t)views[nchunks - 1].len;
    if (last % (perms * width) ||
        (size_t)(nchunks - 1) * (size_t)chunk + last / (perms * width) != rows) {
        PyErr_SetString(PyExc_ValueError, "verify: the chunks must hold one row per size");
        goto done;
    }
    const int64_t *pi = bi.buf, *pj = bj.buf;
    const uint8_t *low = blow.buf;
    const double *sizes = bsizes.buf;
    size_t kept = 0, cap = 1024;
    oi = PyMem_Malloc(cap * 8); oj = PyMem_Malloc(cap * 8); osim = PyMem_Malloc(cap * 8);
    if (!oi || !oj || !osim) { PyErr_NoMemory(); goto done; }
    for (size_t k = 0; k < n; k++) {
        if ((size_t)pi[k] >= rows || (size_t)pj[k] >= rows) {
            PyErr_SetString(PyExc_IndexError, "verify: row out of range");
            goto done;
        }
    }
    for (size_t k = 0; k < n; k++) {
        if (k + AHEAD < n) {
            const uint8_t *fa = low + (size_t)pi[k + AHEAD] * perms;
            const uint8_t *fb = low + (size_t)pj[k + AHEAD] * perms;
            for (size_t line = 0; line < perms; line += 64) {
                __builtin_prefetch(fa + line);
                __builtin_prefetch(fb + line);
            }
        }
        int64_t a = pi[k], b = pj[k];
        double na = sizes[a], nb = sizes[b];
        double upper = (double)count_equal_bytes(low + (size_t)a * perms,
                                                 low + (size_t)b * perms, perms) / (double)perms;
        if (!may_match(&t, upper, na, nb)) continue;
        uint64_t code = (uint64_t)a * (uint64_t)total + (uint64_t)b;
        if (seen_has(seen, code)) continue;
        const uint8_t *sa = (const uint8_t *)views[a / chunk].buf + (size_t)(a % chunk) * perms * width;
        const uint8_t *sb = (const uint8_t *)views[b / chunk].buf + (size_t)(b % chunk) * perms * width;
        size_t eq = 0;
        if (width == 4) {
            const uint32_t *x = (const uint32_t *)sa, *y = (const uint32_t *)sb;
            for (size_t m = 0; m < perms; m++) eq += x[m] == y[m];
        } else {
            const uint64_t *x = (const uint64_t *)sa, *y = (const uint64_t *)sb;
            for (size_t m = 0; m < perms; m++) eq += x[m] == y[m];
        }
        double sim = (double)eq / (double)perms;
        if (!may_match(&t, sim, na, nb)) continue;
        if (seen_add(seen, code) < 0) goto done;
        if (kept == cap) {
            cap *= 2;
            int64_t *ni = PyMem_Realloc(oi, cap * 8), *nj = NULL;
            if (ni) oi = ni;
            nj = ni ? PyMem_Realloc(oj, cap * 8) : NULL;
            if (nj) oj = nj;
            double *ns = nj ? PyMem_Realloc(osim, cap * 8) : NULL;
            if (!ns) { PyErr_NoMemory(); goto done; }
            osim = ns;
        }
        oi[kept] = a; oj[kept] = b; osim[kept] = sim;
        kept++;
    }
    result = Py_BuildValue("(y#y#y#)", (const char *)oi, (Py_ssize_t)(kept * 8),
                           (const char *)oj, (Py_ssize_t)(kept * 8), (const char *)osim,
                           (Py_ssize_t)(kept * 8));
done:
    if (views) {
        for (Py_ssize_t c = 0; c < nchunks; c++)
            if (views[c].obj) PyBuffer_Release(&views[c]);
        PyMem_Free(views);
    }
    PyMem_Free(oi); PyMem_Free(oj); PyMem_Free(osim);
    PyBuffer_Release(&bi); PyBuffer_Release(&bj); PyBuffer_Release(&blow);
    PyBuffer_Release(&bsizes);
    return result;
}

static PyMethodDef methods[] = {
    {"seen", seen_new, METH_NOARGS, "seen() -> an empty set of pair codes"},
    {"verify", verify, METH_VARARGS,
     "verify(seen, i, j, low, chunks, chunk, sizes, total, threshold, candidate, "
     "containment, min_shingles) -> bytes of the passing pairs' i, j (int64) and "
     "similarity (float64)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_verify",
                                    "Compiled verification of LSH candidate pairs.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__verify(void) { return PyModule_Create(&module); }
