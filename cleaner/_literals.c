/* Which of many literals the lines of a text hold, in one pass: the compiled part of
 * rule matching's gate (cleaner.stages._Gate).
 *
 * build(literals, masks[, paired]) -> table
 *                                       literals: list of non-empty UTF-8 bytes without
 *                                       a line break; masks: list of ints < 2**512, one
 *                                       per literal; paired: an int < 2**256
 * scan(table, text) -> int              the OR of the masks of the literals that occur
 *                                       in text (a str), anywhere, overlaps included,
 *                                       below bit 256, where each bit b that paired has
 *                                       counts only when bit b + 256 is found as well
 * scan_lines(table, text[, same]) -> list | None
 *                                       (i, mask) for each line i of text (split on
 *                                       "\n", from 0) whose mask, as scan's, is not 0;
 *                                       with same (65536 bytes, 1 where str.casefold
 *                                       leaves a character as it is), of the text
 *                                       case-folded here, or None when a character
 *                                       of it needs str.casefold
 *
 * ends(keys, starts, last, anywhere, open_end) -> table of line ends
 *                                       keys: 65536 little-endian uint32, the key of
 *                                       each character up to U+FFFF (a character of
 *                                       literals.start_key); starts: [(key string of 1
 *                                       to 3 characters, mask)]; last: [(key character,
 *                                       mask)]; masks < 2**256
 * gate(table, ends, text, lines[, same]) -> dict | None
 *                                       {i: mask} for each line i whose scan_lines mask,
 *                                       AND-ed with what its ends allow, is not 0: lines
 *                                       are text's (stages.split_lines), and a line is
 *                                       left out when its stripped form (item 4) is
 *                                       empty; what a stripped line s allows is
 *                                       (anywhere | starts[key(s[:1])] | starts[key(s[:2])]
 *                                       | starts[key(s[:3])]) & last.get(key(s[-1]),
 *                                       open_end), or every bit when one of those
 *                                       characters is above U+FFFF
 *
 * The text is read as UTF-8: a literal occurs in a string exactly where its UTF-8
 * bytes occur in the string's (UTF-8 is self-synchronising). One-byte literals are
 * found by their byte, two- and three-byte ones by their first two bytes (a bit of a
 * 64-kilobit table says whether any starts with the two bytes there), longer ones
 * by their first four: at each position of the text, a bit of a 64-kilobit filter on a
 * hash of the four bytes there says whether any literal starts with them (almost never
 * where none does), and only then is a hash table of those heads looked up.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_bytes.h"
#include <stdint.h>
#include <string.h>

#define WORDS 8 /* 512 mask bits: 256 reported, 256 that paired bits need */
#define SHOWN 4

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
    uint32_t head, first, count; /* count 0: an empty slot */
} Head;

typedef struct {
    uint8_t hot[256];       /* 1: a one-byte literal is this byte */
    uint64_t pair[1024];    /* bit set: some short literal starts with this prefix */
    Mask single[256];       /* mask of the one-byte literals, by their byte */
    uint32_t bucket[65536]; /* two-byte prefix -> 1 + index of its first entry, 0: none */
    uint64_t quad[1024];    /* bit quad_hash(head) set: some long literal has this head */
    Head *heads;            /* the long literals' heads, open addressing, 4+ slots each */
    size_t head_mask;       /* slots - 1 */
    Entry *entries;         /* short literals grouped by prefix, then long ones by head */
    size_t count, shorts;
    uint8_t *blob;
    uint64_t unpaired[SHOWN]; /* the reported bits that need no other bit */
} Table;

static inline unsigned quad_hash(uint32_t head) { return (head * 0x9E3779B1u) >> 16; }

static inline size_t head_slot(const Table *t, uint32_t head) {
    return (size_t)((head * 0x85EBCA77u) >> 12) & t->head_mask;
}

static void table_free(PyObject *capsule) {
    Table *t = PyCapsule_GetPointer(capsule, "cleaner._literals.Table");
    if (t) {
        PyMem_Free(t->entries);
        PyMem_Free(t->blob);
        PyMem_Free(t->heads);
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

/* An int in [0, 2**(64 * words)) as words of out; -1 with an exception set otherwise. */
static int mask_from_int(PyObject *v, Mask *out, int words, const char *what) {
    if (!PyLong_Check(v)) {
        PyErr_Format(PyExc_TypeError, "%s must be ints", what);
        return -1;
    }
    PyObject *zero = PyLong_FromLong(0), *shift = PyLong_FromLong(64);
    PyObject *low = PyLong_FromUnsignedLongLong(UINT64_MAX);
    PyObject *rest = Py_NewRef(v);
    int ok = zero && shift && low && PyObject_RichCompareBool(v, zero, Py_GE) == 1;
    memset(out, 0, sizeof *out);
    for (int k = 0; ok && k < words; k++) {
        PyObject *word = PyNumber_And(rest, low);
        PyObject *next = PyNumber_Rshift(rest, shift);
        ok = word && next;
        if (ok) out->w[k] = PyLong_AsUnsignedLongLong(word);
        Py_XDECREF(word);
        Py_SETREF(rest, next);
    }
    if (ok) ok = PyObject_RichCompareBool(rest, zero, Py_EQ) == 1;
    if (!ok && !PyErr_Occurred())
        PyErr_Format(PyExc_ValueError, "%s must be in [0, 2**%d)", what, 64 * words);
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
    int la = a->length >= 4, lb = b->length >= 4;
    if (la != lb) return la - lb; /* short ones first */
    if (la) return a->head < b->head ? -1 : a->head > b->head;
    unsigned pa = prefix(sort_blob + a->offset), pb = prefix(sort_blob + b->offset);
    return pa < pb ? -1 : pa > pb;
}

static PyObject *build(PyObject *self, PyObject *args) {
    PyObject *literals, *masks, *paired = NULL;
    if (!PyArg_ParseTuple(args, "O!O!|O", &PyList_Type, &literals, &PyList_Type, &masks,
                          &paired))
        return NULL;
    Py_ssize_t n = PyList_GET_SIZE(literals);
    if (PyList_GET_SIZE(masks) != n) {
        PyErr_SetString(PyExc_ValueError, "build: one mask per literal");
        return NULL;
    }
    Table *t = PyMem_Calloc(1, sizeof(Table));
    if (!t) return PyErr_NoMemory();
    Mask pairs = {{0}};
    if (paired && mask_from_int(paired, &pairs, SHOWN, "build: paired") < 0) goto fail;
    for (int k = 0; k < SHOWN; k++) t->unpaired[k] = ~pairs.w[k];
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
        if (mask_from_int(PyList_GET_ITEM(masks, i), &mask, WORDS, "build: masks") < 0) goto fail;
        size_t len = (size_t)PyBytes_GET_SIZE(lit);
        const uint8_t *bytes = (const uint8_t *)PyBytes_AS_STRING(lit);
        if (len == 1) {
            mask_or(&t->single[bytes[0]], &mask);
            t->hot[bytes[0]] = 1;
            continue;
        }
        if (len < 4) {
            t->pair[prefix(bytes) >> 6] |= (uint64_t)1 << (prefix(bytes) & 63);
        } else {
            unsigned q = quad_hash(load4(bytes));
            t->quad[q >> 6] |= (uint64_t)1 << (q & 63);
        }
        memcpy(t->blob + pos, bytes, len);
        t->entries[t->count++] =
            (Entry){(uint32_t)pos, (uint32_t)len, len >= 4 ? load4(bytes) : 0, mask};
        pos += len;
    }
    sort_blob = t->blob;
    qsort(t->entries, t->count, sizeof(Entry), by_prefix);
    while (t->shorts < t->count && t->entries[t->shorts].length < 4) t->shorts++;
    for (size_t i = t->shorts; i-- > 0;)
        t->bucket[prefix(t->blob + t->entries[i].offset)] = (uint32_t)i + 1;
    size_t slots = 16;
    while (slots < 4 * (t->count - t->shorts)) slots *= 2;
    t->heads = PyMem_Calloc(slots, sizeof(Head));
    if (!t->heads) { PyErr_NoMemory(); goto fail; }
    t->head_mask = slots - 1;
    for (size_t i = t->shorts; i < t->count; i++) {
        uint32_t head = t->entries[i].head;
        size_t slot = head_slot(t, head);
        while (t->heads[slot].count && t->heads[slot].head != head)
            slot = (slot + 1) & t->head_mask;
        if (!t->heads[slot].count) t->heads[slot] = (Head){head, (uint32_t)i, 0};
        t->heads[slot].count++;
    }
    PyObject *capsule = PyCapsule_New(t, "cleaner._literals.Table", table_free);
    if (!capsule) goto fail;
    return capsule;
fail:
    PyMem_Free(t->heads);
    PyMem_Free(t->entries);
    PyMem_Free(t->blob);
    PyMem_Free(t);
    return NULL;
}

/* The literals found at position i of s[0:n] are OR-ed into found. */
static inline void at(const Table *t, const uint8_t *s, Py_ssize_t i, Py_ssize_t n,
                      Mask *found) {
    if (t->hot[s[i]]) mask_or(found, &t->single[s[i]]);
    if (i + 1 < n) {
        /* the two-byte prefix, tested at once (whether its first byte starts a short
         * literal is true at half the places of a text: a branch the processor cannot
         * foresee) */
        unsigned p = prefix(s + i);
        if (t->pair[p >> 6] >> (p & 63) & 1) {
            for (size_t e = t->bucket[p] - 1; e < t->shorts; e++) {
                const Entry *en = &t->entries[e];
                const uint8_t *lit = t->blob + en->offset;
                if (prefix(lit) != p) break;
                /* two or three bytes: the prefix is equal, the third is compared */
                if ((Py_ssize_t)en->length <= n - i && (en->length == 2 || s[i + 2] == lit[2]))
                    mask_or(found, &en->mask);
            }
        }
    }
    if (i + 4 > n) return;
    uint32_t head = load4(s + i);
    unsigned q = quad_hash(head);
    if (!(t->quad[q >> 6] >> (q & 63) & 1)) return;
    size_t slot = head_slot(t, head);
    while (t->heads[slot].count && t->heads[slot].head != head) slot = (slot + 1) & t->head_mask;
    const Head *h = &t->heads[slot];
    for (size_t e = h->first; e < (size_t)h->first + h->count; e++) {
        const Entry *en = &t->entries[e];
        if ((Py_ssize_t)en->length > n - i || mask_covers(found, &en->mask)) continue;
        if (memcmp(s + i + 4, t->blob + en->offset + 4, en->length - 4) == 0)
            mask_or(found, &en->mask);
    }
}

/* found as scan reports it: the low bits, each paired one only with its partner. */
static inline void report(const Table *t, Mask *found) {
    for (int k = 0; k < SHOWN; k++) found->w[k] &= found->w[k + SHOWN] | t->unpaired[k];
    for (int k = SHOWN; k < WORDS; k++) found->w[k] = 0;
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
    report(t, &found);
    return mask_to_int(&found);
}

/* text case-folded, as UTF-8, into a new buffer of *n bytes: upper-case ASCII letters
 * lowered, every other character kept, which same (65536 bytes, 1 where str.casefold
 * leaves a character as it is) must say folds to itself. NULL with no error set when
 * some character does not (or is above U+FFFF); NULL with an error when out of memory. */
static uint8_t *fold_utf8(PyObject *text, const uint8_t *same, Py_ssize_t *n) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t len = PyUnicode_GET_LENGTH(text);
    uint8_t *out = PyMem_Malloc((size_t)(3 * len + 1)), *q = out;
    if (!out) { PyErr_NoMemory(); return NULL; }
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x80) {
            *q++ = (uint8_t)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else if (c > 0xFFFF || !same[c]) {
            PyMem_Free(out);
            return NULL;
        } else {
            q += put_utf8((char *)q, c);
        }
    }
    *n = q - out;
    return out;
}

/* Each line of s[0:n] (split on "\n", numbered from 0) whose mask is not 0, passed to
 * visit with ctx; visit returns -1 to stop (an error). */
typedef int (*Visit)(void *ctx, Py_ssize_t line, Mask *found);

static int each_line(const Table *t, const uint8_t *s, Py_ssize_t n, Visit visit, void *ctx) {
    Py_ssize_t line = 0, start = 0;
    while (start <= n) {
        const uint8_t *nl = memchr(s + start, '\n', (size_t)(n - start));
        Py_ssize_t end = nl ? nl - s : n;
        Mask found = {{0}};
        for (Py_ssize_t i = start; i < end; i++) at(t, s + start, i - start, end - start, &found);
        report(t, &found);
        if (mask_any(&found) && visit(ctx, line, &found) < 0) return -1;
        if (!nl) break;
        start = end + 1;
        line++;
    }
    return 0;
}

typedef struct {
    uint64_t w[SHOWN];
} Bits;

typedef struct {
    uint64_t key; /* 0: an empty slot */
    Bits bits;
} Slot;

typedef struct {
    uint32_t keys[65536];
    Bits anywhere, open_end;
    Slot *starts, *last;
    size_t starts_mask, last_mask;
} Ends;

static void ends_free(PyObject *capsule) {
    Ends *e = PyCapsule_GetPointer(capsule, "cleaner._literals.Ends");
    if (e) {
        PyMem_Free(e->starts);
        PyMem_Free(e->last);
        PyMem_Free(e);
    }
}

static inline size_t slot_of(const Slot *t, size_t mask, uint64_t key) {
    size_t s = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 40) & mask;
    while (t[s].key && t[s].key != key) s = (s + 1) & mask;
    return s;
}

/* The key of up to three key characters: each plus one, 21 bits apiece (0: none). */
static inline uint64_t key_of(const Py_UCS4 *k, Py_ssize_t n) {
    uint64_t key = 0;
    for (Py_ssize_t i = 0; i < n; i++) key |= (uint64_t)(k[i] + 1) << (21 * i);
    return key;
}

static int bits_from_int(PyObject *v, Bits *out) {
    Mask m;
    if (mask_from_int(v, &m, SHOWN, "ends: masks") < 0) return -1;
    memcpy(out->w, m.w, sizeof out->w);
    return 0;
}

/* A slot table of pairs [(key string of 1 to most characters, mask)], keyed by
 * key_of its characters. */
static Slot *slots_from(PyObject *pairs, Py_ssize_t most, size_t *mask) {
    Py_ssize_t n = PyList_GET_SIZE(pairs);
    size_t cap = 16;
    while (cap < 2 * (size_t)n) cap <<= 1;
    Slot *t = PyMem_Calloc(cap, sizeof(Slot));
    if (!t) { PyErr_NoMemory(); return NULL; }
    *mask = cap - 1;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PyList_GET_ITEM(pairs, i), *str;
        Bits bits;
        if (!PyTuple_Check(pair) || PyTuple_GET_SIZE(pair) != 2 ||
            !PyUnicode_Check(str = PyTuple_GET_ITEM(pair, 0)) ||
            PyUnicode_GET_LENGTH(str) < 1 || PyUnicode_GET_LENGTH(str) > most) {
            PyErr_Format(PyExc_TypeError, "ends: (key of 1 to %zd characters, mask) pairs",
                         most);
            PyMem_Free(t);
            return NULL;
        }
        if (bits_from_int(PyTuple_GET_ITEM(pair, 1), &bits) < 0) { PyMem_Free(t); return NULL; }
        Py_UCS4 k[3];
        for (Py_ssize_t j = 0; j < PyUnicode_GET_LENGTH(str); j++) k[j] = PyUnicode_READ_CHAR(str, j);
        uint64_t key = key_of(k, PyUnicode_GET_LENGTH(str));
        size_t s = slot_of(t, *mask, key);
        t[s].key = key;
        for (int w = 0; w < SHOWN; w++) t[s].bits.w[w] |= bits.w[w];
    }
    return t;
}

static PyObject *ends(PyObject *self, PyObject *args) {
    Py_buffer keys;
    PyObject *starts, *last, *anywhere, *open_end;
    if (!PyArg_ParseTuple(args, "y*O!O!OO", &keys, &PyList_Type, &starts, &PyList_Type, &last,
                          &anywhere, &open_end))
        return NULL;
    Ends *e = NULL;
    if (keys.len != 4 * 65536) {
        PyErr_SetString(PyExc_ValueError, "ends: the keys must be 65536 uint32");
        goto fail;
    }
    e = PyMem_Calloc(1, sizeof(Ends));
    if (!e) { PyErr_NoMemory(); goto fail; }
    memcpy(e->keys, keys.buf, sizeof e->keys);
    if (bits_from_int(anywhere, &e->anywhere) < 0 || bits_from_int(open_end, &e->open_end) < 0)
        goto fail;
    e->starts = slots_from(starts, 3, &e->starts_mask);
    if (!e->starts) goto fail;
    e->last = slots_from(last, 1, &e->last_mask);
    if (!e->last) goto fail;
    PyObject *capsule = PyCapsule_New(e, "cleaner._literals.Ends", ends_free);
    if (!capsule) goto fail;
    PyBuffer_Release(&keys);
    return capsule;
fail:
    if (e) {
        PyMem_Free(e->starts);
        PyMem_Free(e->last);
        PyMem_Free(e);
    }
    PyBuffer_Release(&keys);
    return NULL;
}

/* The bits a stripped line s (not empty) allows (see gate). */
static void allowed(const Ends *e, PyObject *s, Bits *out) {
    int kind = PyUnicode_KIND(s);
    const void *d = PyUnicode_DATA(s);
    Py_ssize_t n = PyUnicode_GET_LENGTH(s), m = n < 3 ? n : 3;
    Py_UCS4 k[3], last = PyUnicode_READ(kind, d, n - 1);
    for (Py_ssize_t i = 0; i < m; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, d, i);
        if (c > 0xFFFF) last = c; /* beyond the keys: every bit */
        else k[i] = e->keys[c];
    }
    if (last > 0xFFFF) {
        memset(out->w, 0xFF, sizeof out->w);
        return;
    }
    *out = e->anywhere;
    for (Py_ssize_t j = 1; j <= m; j++) {
        const Slot *slot = &e->starts[slot_of(e->starts, e->starts_mask, key_of(k, j))];
        if (slot->key)
            for (int w = 0; w < SHOWN; w++) out->w[w] |= slot->bits.w[w];
    }
    Py_UCS4 lk = e->keys[last];
    const Slot *slot = &e->last[slot_of(e->last, e->last_mask, key_of(&lk, 1))];
    const Bits *end = slot->key ? &slot->bits : &e->open_end;
    for (int w = 0; w < SHOWN; w++) out->w[w] &= end->w[w];
}

typedef struct {
    const Ends *ends;
    PyObject *lines, *out;
} Gated;

static int gate_visit(void *ctx, Py_ssize_t line, Mask *found) {
    Gated *g = ctx;
    if (line >= PyList_GET_SIZE(g->lines)) {
        PyErr_SetString(PyExc_ValueError, "gate: the lines are not the text's");
        return -1;
    }
    PyObject *item = PyList_GET_ITEM(g->lines, line), *stripped;
    if (!PyTuple_Check(item) || PyTuple_GET_SIZE(item) < 5 ||
        !PyUnicode_Check(stripped = PyTuple_GET_ITEM(item, 4))) {
        PyErr_SetString(PyExc_TypeError, "gate: lines must come from split_lines");
        return -1;
    }
    if (!PyUnicode_GET_LENGTH(stripped)) return 0;
    Bits bits;
    allowed(g->ends, stripped, &bits);
    for (int w = 0; w < SHOWN; w++) found->w[w] &= bits.w[w];
    if (!mask_any(found)) return 0;
    PyObject *key = PyLong_FromSsize_t(line), *value = key ? mask_to_int(found) : NULL;
    int rc = value ? PyDict_SetItem(g->out, key, value) : -1;
    Py_XDECREF(key);
    Py_XDECREF(value);
    return rc;
}

static int list_visit(void *ctx, Py_ssize_t line, Mask *found) {
    PyObject *item = Py_BuildValue("(nN)", line, mask_to_int(found));
    int rc = item ? PyList_Append(ctx, item) : -1;
    Py_XDECREF(item);
    return rc;
}

/* The UTF-8 to scan, case-folded (*folded, to free) when same is given; NULL with no
 * error when a character needs str.casefold, NULL with an error on failure. */
static const uint8_t *scanned(PyObject *text, Py_buffer *same, uint8_t **folded,
                              Py_ssize_t *n) {
    *folded = NULL;
    if (!same->buf) return (const uint8_t *)PyUnicode_AsUTF8AndSize(text, n);
    if (same->len != 65536) {
        PyErr_SetString(PyExc_ValueError, "the fold table must have 65536 entries");
        return NULL;
    }
    return *folded = fold_utf8(text, same->buf, n);
}

/* each_line over text (case-folded here when same is given, see scanned): 0, 1 when a
 * character needs str.casefold (no exception), or -1 (an error). */
static int scan_each(const Table *t, PyObject *text, Py_buffer *same, Visit visit,
                     void *ctx) {
    uint8_t *folded;
    Py_ssize_t n = 0;
    const uint8_t *s = scanned(text, same, &folded, &n);
    if (!s) return PyErr_Occurred() ? -1 : 1;
    int rc = each_line(t, s, n, visit, ctx);
    PyMem_Free(folded);
    return rc;
}

/* What scan_lines and gate return: out, or None when the text needs str.casefold (the
 * caller folds it), or NULL (an error); same released. */
static PyObject *lines_result(PyObject *out, int rc, Py_buffer *same) {
    if (same->buf) PyBuffer_Release(same);
    if (rc) Py_CLEAR(out);
    return rc > 0 ? Py_NewRef(Py_None) : out;
}

static PyObject *scan_lines(PyObject *self, PyObject *args) {
    PyObject *capsule, *text;
    Py_buffer same = {NULL};
    if (!PyArg_ParseTuple(args, "OU|y*", &capsule, &text, &same)) return NULL;
    const Table *t = PyCapsule_GetPointer(capsule, "cleaner._literals.Table");
    PyObject *out = t ? PyList_New(0) : NULL;
    return lines_result(out, out ? scan_each(t, text, &same, list_visit, out) : -1, &same);
}

static PyObject *gate(PyObject *self, PyObject *args) {
    PyObject *capsule, *ecap, *text, *lines;
    Py_buffer same = {NULL};
    if (!PyArg_ParseTuple(args, "OOUO!|y*", &capsule, &ecap, &text, &PyList_Type, &lines,
                          &same))
        return NULL;
    const Table *t = PyCapsule_GetPointer(capsule, "cleaner._literals.Table");
    const Ends *e = t ? PyCapsule_GetPointer(ecap, "cleaner._literals.Ends") : NULL;
    Gated g = {e, lines, e ? PyDict_New() : NULL};
    return lines_result(g.out, g.out ? scan_each(t, text, &same, gate_visit, &g) : -1, &same);
}

static PyMethodDef methods[] = {
    {"build", build, METH_VARARGS, "build(literals, masks[, paired]) -> table (see scan)"},
    {"scan", scan, METH_VARARGS,
     "scan(table, text) -> the OR of the masks of the literals text holds"},
    {"ends", ends, METH_VARARGS,
     "ends(keys, starts, last, anywhere, open_end) -> what line ends allow (see gate)"},
    {"gate", gate, METH_VARARGS,
     "gate(table, ends, text, lines[, same]) -> {i: mask} of the lines some rule may match"},
    {"scan_lines", scan_lines, METH_VARARGS,
     "scan_lines(table, text[, same]) -> [(i, mask)] for each line i whose scan is not 0"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_literals",
                                    "Which of many literals the lines of a text hold.", -1,
                                    methods};

PyMODINIT_FUNC PyInit__literals(void) { return PyModule_Create(&module); }
