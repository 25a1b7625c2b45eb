/* The compiled part of cleaner.quality: one pass over a text for everything the signals
 * count, and Gopher's word n-gram repetition counts.
 *
 * measure(text, table, stop) -> (letters, upper, digits, spaces, words, letterless,
 *                                word_chars, stopwords, ngrams) or None
 *
 * table is 65536 bytes of flags for U+0000 .. U+FFFF, made by quality.py from the regex
 * module's own classes: 1 \p{L}, 2 \p{Lu}, 4 \d, 8 \s, 16 \w, 32 a word joiner
 * [-'’], 64 a character str.casefold leaves as it is. The words are the matches of
 * \w+(?:[-'’]\w+)*, casefolded (a word of ASCII and characters that fold to themselves
 * by lower-casing the ASCII, any other by str.casefold); words counts them, letterless
 * those without a \p{L} character, word_chars their characters (both after
 * casefolding), stopwords those in stop (a table from stop_table()); ngrams is counts()
 * of them. No word is made a Python object unless it needs str.casefold. A text with a
 * character above U+FFFF (or a word that casefolds to one) gives None: quality.py then
 * uses the regex module.
 *
 * counts(words) -> tuple of 9 ints, for n = 2 .. 10
 *
 * words are a document's (casefolded) words. For n = 2, 3, 4: the characters of the
 * most frequent n-gram (its words and the n - 1 spaces between them) times its count;
 * ties go to the n-gram seen first. For n = 5 .. 10: the characters (words only) of the
 * n-grams that repeat an earlier one, scanning left to right and skipping past each
 * repeat. From n = 4 up, once no n-gram repeats, the rest are 0. Words and n-grams are
 * compared by 64-bit keys (FNV-1a of a word's code points, mixed; a polynomial of those
 * for an n-gram): distinct ones collide with negligible probability.
 *
 * stop_table(words) -> bytes: the keys of the words, for measure().
 *
 * signals(text, table, stop, removed, original, names) -> dict or None
 *
 * The values of quality.SIGNALS (names: that tuple of 25 str), by name in its order,
 * from measure() and units() of the text (None where measure() gives None), each
 * fraction rounded as Python's round() does; the boilerplate fraction is
 * removed / original.
 *
 * units(text, table) -> (lines, dup_lines, line_chars, dup_line_chars, paragraphs,
 *                        dup_paragraphs, paragraph_chars, dup_paragraph_chars,
 *                        terminal_lines, symbols)
 *
 * The text's lines (split on "\n") and paragraphs (split on \n\s*\n, \s as the table
 * says), each stripped (str.strip), the empty ones left out: how many, how many repeat
 * an earlier one (compared by a 64-bit key of their bytes: distinct ones collide with
 * negligible probability), and the characters of each. terminal_lines: the lines
 * ending in one of .!?…:;"”’')] ; symbols: the occurrences of "#", "…" and "..." (as
 * text.count counts each).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_bytes.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#define FNV64 0x100000001B3ull
#define INLINE static inline __attribute__((always_inline))

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

#define FNV64_BASIS 0xCBF29CE484222325ull

/* A word's key from the FNV-1a hash of its code points: mixed, never 0 (the empty slot
 * of a stop table). */
static inline uint64_t word_key(uint64_t fnv) { return mix64(fnv) | 1; }

static uint64_t str_key(PyObject *w) {
    int kind = PyUnicode_KIND(w);
    const void *data = PyUnicode_DATA(w);
    uint64_t h = FNV64_BASIS;
    for (Py_ssize_t k = 0, n = PyUnicode_GET_LENGTH(w); k < n; k++)
        h = (h ^ PyUnicode_READ(kind, data, k)) * FNV64;
    return word_key(h);
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
 * and whether any key occurs twice: exactly when some n-gram is found to repeat (until
 * one is, no key is skipped, so every key is seen). */
static long long repeated(Table *t, const uint64_t *keys, size_t m, size_t n,
                          const Py_ssize_t *prefix, int *any) {
    memset(t->counts, 0, (t->mask + 1) * sizeof *t->counts);
    *any = 0;
    long long chars = 0;
    size_t i = 0;
    while (i < m) {
        size_t s = slot_of(t, keys[i]);
        if (t->counts[s]) {
            *any = 1;
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

/* The 9 n-gram counts (see counts()) of a document's words, given each word's key and
 * its characters; 0 or -1 (out of memory). */
static int ngram_core(const uint64_t *hashes, const Py_ssize_t *lens, size_t len,
                      long long out[9]) {
    memset(out, 0, 9 * sizeof *out);
    if (len < 2) return 0;
    uint64_t *keys = PyMem_Malloc(sizeof(uint64_t) * len);
    Py_ssize_t *prefix = PyMem_Malloc(sizeof(Py_ssize_t) * (len + 1));
    size_t cap = 16;
    while (cap < 2 * len) cap <<= 1;
    Table t = {PyMem_Malloc(sizeof(uint64_t) * cap), PyMem_Malloc(sizeof(uint32_t) * cap),
               cap - 1};
    int rc = 0;
    if (!keys || !prefix || !t.keys || !t.counts) {
        PyErr_NoMemory();
        rc = -1;
        goto done;
    }
    prefix[0] = 0;
    for (size_t i = 0; i < len; i++) {
        keys[i] = hashes[i];
        prefix[i + 1] = prefix[i] + lens[i];
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
done:
    PyMem_Free(keys); PyMem_Free(prefix); PyMem_Free(t.keys); PyMem_Free(t.counts);
    return rc;
}

static PyObject *ngrams_tuple(const long long out[9]) {
    return Py_BuildValue("(LLLLLLLLL)", out[0], out[1], out[2], out[3], out[4], out[5],
                         out[6], out[7], out[8]);
}

static PyObject *counts(PyObject *self, PyObject *arg) {
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "counts: words must be a list of str");
        return NULL;
    }
    size_t len = (size_t)PyList_GET_SIZE(arg);
    uint64_t *hashes = PyMem_Malloc(sizeof(uint64_t) * (len + 1));
    Py_ssize_t *lens = PyMem_Malloc(sizeof(Py_ssize_t) * (len + 1));
    PyObject *result = NULL;
    long long out[9];
    if (!hashes || !lens) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t i = 0; i < len; i++) {
        PyObject *w = PyList_GET_ITEM(arg, i);
        if (!PyUnicode_Check(w)) {
            PyErr_Format(PyExc_TypeError, "counts: word %zu is not a str", i);
            goto done;
        }
        hashes[i] = str_key(w);
        lens[i] = PyUnicode_GET_LENGTH(w);
    }
    if (ngram_core(hashes, lens, len, out) == 0) result = ngrams_tuple(out);
done:
    PyMem_Free(hashes);
    PyMem_Free(lens);
    return result;
}

/* The keys of a list of words, in a table for measure(): open addressing over a power
 * of two of 64-bit slots, at most a quarter full, 0 for empty. */
static PyObject *stop_table(PyObject *self, PyObject *arg) {
    PyObject *seq = PySequence_Fast(arg, "stop_table: words must be a sequence of str");
    if (!seq) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    size_t cap = 16;
    while (cap < 4 * (size_t)n) cap <<= 1;
    PyObject *table = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)(cap * sizeof(uint64_t)));
    if (!table) { Py_DECREF(seq); return NULL; }
    uint64_t *slot = (uint64_t *)PyBytes_AS_STRING(table);
    memset(slot, 0, cap * sizeof *slot);
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *w = PySequence_Fast_GET_ITEM(seq, i);
        if (!PyUnicode_Check(w)) {
            PyErr_Format(PyExc_TypeError, "stop_table: word %zd is not a str", i);
            Py_DECREF(seq);
            Py_DECREF(table);
            return NULL;
        }
        uint64_t key = str_key(w);
        size_t s = (size_t)(key >> 7) & (cap - 1);
        while (slot[s] && slot[s] != key) s = (s + 1) & (cap - 1);
        slot[s] = key;
    }
    Py_DECREF(seq);
    return table;
}

static inline int in_table(const uint64_t *slot, size_t cap, uint64_t key) {
    for (size_t s = (size_t)(key >> 7) & (cap - 1);; s = (s + 1) & (cap - 1)) {
        if (slot[s] == key) return 1;
        if (!slot[s]) return 0;
    }
}

enum { LETTER = 1, UPPER = 2, DIGIT = 4, SPACE = 8, WORD = 16, JOINER = 32, SAME = 64 };

/* The key, length and letters of text[start:end] casefolded: by lower-casing ASCII and
 * keeping what folds to itself (flag SAME; the same for such words), any other by
 * str.casefold. 0, 1 when the casefolded word has a character above U+FFFF, or -1 (an
 * error). */
static int word_of(PyObject *text, int kind, const void *data, Py_ssize_t start,
                   Py_ssize_t end, const uint8_t *flags, uint64_t *key, Py_ssize_t *len,
                   int *has_letter) {
    uint64_t h = FNV64_BASIS;
    int letter = 0;
    Py_ssize_t k = start;
    for (; k < end; k++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, k);
        if (c >= 0x80 && (c > 0xFFFF || !(flags[c] & SAME))) break;
        if (c >= 'A' && c <= 'Z') c += 32;
        h = (h ^ c) * FNV64;
        letter |= flags[c] & LETTER;
    }
    if (k == end) {
        *key = word_key(h);
        *len = end - start;
        *has_letter = letter;
        return 0;
    }
    PyObject *sub = PyUnicode_Substring(text, start, end);
    if (!sub) return -1;
    PyObject *w = PyObject_CallMethod(sub, "casefold", NULL);
    Py_DECREF(sub);
    if (!w) return -1;
    int wkind = PyUnicode_KIND(w);
    const void *wdata = PyUnicode_DATA(w);
    Py_ssize_t n = PyUnicode_GET_LENGTH(w);
    h = FNV64_BASIS;
    letter = 0;
    for (k = 0; k < n; k++) {
        Py_UCS4 c = PyUnicode_READ(wkind, wdata, k);
        if (c > 0xFFFF) { Py_DECREF(w); return 1; }
        h = (h ^ c) * FNV64;
        letter |= flags[c] & LETTER;
    }
    Py_DECREF(w);
    *key = word_key(h);
    *len = n;
    *has_letter = letter;
    return 0;
}

typedef struct {
    long long letters, upper, digits, spaces, words, letterless, word_chars, stopwords;
    long long grams[9];
} Measured;

/* measure_core's pass over the text, for one character width (kind is a constant where
 * it is called, so each width gets its own loop). A word of characters that fold to
 * themselves (see word_of) is keyed as it is read; any other is keyed by word_of. */
INLINE int measure_scan(PyObject *text, const int kind, const void *data, Py_ssize_t n,
                        const uint8_t *flags, const uint64_t *stop_slot, size_t cap_stop,
                        uint64_t *hashes, Py_ssize_t *lens, Measured *m) {
    long long letters = 0, upper = 0, digits = 0, spaces = 0, letterless = 0, word_chars = 0,
              stopwords = 0;
    size_t words = 0;
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
        uint64_t h = FNV64_BASIS;
        int letter = 0, plain = 1;
        for (;;) {
            Py_UCS4 c;
            while (i < n && ((f = flags[c = PyUnicode_READ(kind, data, i)]) & WORD)) {
                letters += f & LETTER; upper += (f & UPPER) >> 1; digits += (f & DIGIT) >> 2;
                spaces += (f & SPACE) >> 3;
                if (c >= 0x80 && !(f & SAME)) plain = 0;
                if (c >= 'A' && c <= 'Z') c += 32;
                h = (h ^ c) * FNV64;
                letter |= f & LETTER;
                i++;
            }
            /* a joiner followed by a word character continues the word */
            if (i + 1 < n && (flags[c = PyUnicode_READ(kind, data, i)] & JOINER) &&
                (flags[PyUnicode_READ(kind, data, i + 1)] & WORD)) {
                /* the joiner: counted in no class, part of the word */
                if (c >= 0x80 && !(flags[c] & SAME)) plain = 0;
                h = (h ^ c) * FNV64;
                letter |= flags[c] & LETTER;
                i++;
                continue;
            }
            break;
        }
        uint64_t key;
        Py_ssize_t len;
        int has_letter;
        if (plain) {
            key = word_key(h);
            len = i - start;
            has_letter = letter;
        } else {
            int got = word_of(text, kind, data, start, i, flags, &key, &len, &has_letter);
            if (got) return got;
        }
        hashes[words] = key;
        lens[words++] = len;
        letterless += !has_letter;
        word_chars += len;
        stopwords += in_table(stop_slot, cap_stop, key);
    }
    *m = (Measured){letters, upper, digits, spaces, (long long)words, letterless, word_chars,
                    stopwords, {0}};
    return 0;
}

/* What measure() returns, into m: 0, 1 for a text measure() gives None for, or -1 (an
 * error). */
static int measure_core(PyObject *text, const uint8_t *flags, const uint64_t *stop_slot,
                        size_t cap_stop, Measured *m) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    if (kind == PyUnicode_4BYTE_KIND) {
        const Py_UCS4 *p = data;
        for (Py_ssize_t i = 0; i < n; i++)
            if (p[i] > 0xFFFF) return 1;
    }
    int rc = -1;
    size_t room = (size_t)n / 2 + 1; /* a word and what ends it: 2 characters */
    uint64_t *hashes = PyMem_Malloc(sizeof(uint64_t) * room);
    Py_ssize_t *lens = PyMem_Malloc(sizeof(Py_ssize_t) * room);
    if (!hashes || !lens) { PyErr_NoMemory(); goto done; }
    switch (kind) {
    case PyUnicode_1BYTE_KIND:
        rc = measure_scan(text, PyUnicode_1BYTE_KIND, data, n, flags, stop_slot, cap_stop,
                          hashes, lens, m);
        break;
    case PyUnicode_2BYTE_KIND:
        rc = measure_scan(text, PyUnicode_2BYTE_KIND, data, n, flags, stop_slot, cap_stop,
                          hashes, lens, m);
        break;
    default:
        rc = measure_scan(text, PyUnicode_4BYTE_KIND, data, n, flags, stop_slot, cap_stop,
                          hashes, lens, m);
    }
    if (rc) goto done;
    rc = ngram_core(hashes, lens, (size_t)m->words, m->grams) < 0 ? -1 : 0;
done:
    PyMem_Free(hashes);
    PyMem_Free(lens);
    return rc;
}

/* The table and stop buffers of measure() and signals(), checked; -1 with an error. */
static int tables(Py_buffer *table, Py_buffer *stop, const char *who) {
    size_t cap_stop = (size_t)stop->len / sizeof(uint64_t);
    if (table->len != 65536) {
        PyErr_Format(PyExc_ValueError, "%s: the table must have 65536 entries", who);
        return -1;
    }
    if (stop->len % sizeof(uint64_t) || cap_stop < 1 || (cap_stop & (cap_stop - 1))) {
        PyErr_Format(PyExc_ValueError, "%s: stop must come from stop_table()", who);
        return -1;
    }
    return 0;
}

static PyObject *measure(PyObject *self, PyObject *args) {
    PyObject *text, *result = NULL;
    Py_buffer table, stop;
    if (!PyArg_ParseTuple(args, "Uy*y*", &text, &table, &stop)) return NULL;
    Measured m;
    int rc = tables(&table, &stop, "measure") < 0 ? -1 :
             measure_core(text, table.buf, stop.buf, (size_t)stop.len / sizeof(uint64_t), &m);
    if (rc > 0) {
        result = Py_NewRef(Py_None);
    } else if (rc == 0) {
        PyObject *ngrams = ngrams_tuple(m.grams);
        if (ngrams)
            result = Py_BuildValue("(LLLLLLLLN)", m.letters, m.upper, m.digits, m.spaces,
                                   m.words, m.letterless, m.word_chars, m.stopwords, ngrams);
    }
    PyBuffer_Release(&table);
    PyBuffer_Release(&stop);
    return result;
}

/* Units of a text seen so far: how many, how many repeats, their characters. */
typedef struct {
    Table seen;
    long long units, dups, chars, dup_chars;
} Units;

/* Adds the unit text[start:end], stripped, if not empty. */
static void add_unit(Units *u, int kind, const void *data, Py_ssize_t start, Py_ssize_t end) {
    while (start < end && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, start))) start++;
    while (end > start && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, end - 1))) end--;
    if (start == end) return;
    /* the key of its bytes (all units of a text share one width) */
    uint64_t key = bytes_key((const char *)data + start * kind, (size_t)(end - start) * kind);
    size_t s = slot_of(&u->seen, key);
    u->units++;
    u->chars += end - start;
    if (u->seen.counts[s]) {
        u->dups++;
        u->dup_chars += end - start;
    } else {
        u->seen.keys[s] = key;
        u->seen.counts[s] = 1;
    }
}

static int units_init(Units *u, size_t most) {
    size_t cap = 16;
    while (cap < 2 * most) cap <<= 1;
    *u = (Units){{PyMem_Malloc(sizeof(uint64_t) * cap), PyMem_Calloc(cap, sizeof(uint32_t)),
                  cap - 1}, 0, 0, 0, 0};
    return u->seen.keys && u->seen.counts ? 0 : -1;
}

static int is_terminal(Py_UCS4 c) {
    switch (c) {
    case '.': case '!': case '?': case 0x2026: case ':': case ';': case '"': case 0x201D:
    case 0x2019: case '\'': case ')': case ']':
        return 1;
    default:
        return 0;
    }
}

typedef struct {
    long long lines, dup_lines, line_chars, dup_line_chars, paras, dup_paras, para_chars,
        dup_para_chars, terminal, symbols;
} Counted;

/* What units() returns, into u: 0, or -1 (out of memory). */
static int units_core(PyObject *text, const uint8_t *flags, Counted *u) {
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text);
    Units lines = {{NULL, NULL, 0}, 0, 0, 0, 0}, paras = lines;
    int rc = -1;
    size_t breaks = 0;
    long long symbols = 0, terminal = 0, dots = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        breaks += c == '\n';
        if (c == '.') {
            symbols += ++dots == 3;
            if (dots == 3) dots = 0;
            continue;
        }
        dots = 0;
        symbols += c == '#' || c == 0x2026;
    }
    if (units_init(&lines, breaks + 1) < 0 || units_init(&paras, breaks + 1) < 0) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t start = 0; start <= n;) { /* lines */
        Py_ssize_t end = start;
        while (end < n && PyUnicode_READ(kind, data, end) != '\n') end++;
        long long before = lines.units;
        add_unit(&lines, kind, data, start, end);
        if (lines.units > before) { /* its last character that is not white space */
            Py_ssize_t k = end;
            while (Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, k - 1))) k--;
            terminal += is_terminal(PyUnicode_READ(kind, data, k - 1));
        }
        start = end + 1;
    }
    Py_ssize_t start = 0; /* paragraphs: a break is "\n", \s*, "\n", as long as can be */
    for (Py_ssize_t i = 0; i < n;) {
        if (PyUnicode_READ(kind, data, i) != '\n') { i++; continue; }
        Py_ssize_t last = -1, r = i + 1;
        for (; r < n; r++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, r);
            if (c > 0xFFFF || !(flags[c] & SPACE)) break;
            if (c == '\n') last = r;
        }
        if (last < 0) { i = r; continue; }
        add_unit(&paras, kind, data, start, i);
        start = i = last + 1;
    }
    add_unit(&paras, kind, data, start, n);
    *u = (Counted){lines.units, lines.dups, lines.chars, lines.dup_chars, paras.units,
                   paras.dups, paras.chars, paras.dup_chars, terminal, symbols};
    rc = 0;
done:
    PyMem_Free(lines.seen.keys); PyMem_Free(lines.seen.counts);
    PyMem_Free(paras.seen.keys); PyMem_Free(paras.seen.counts);
    return rc;
}

static PyObject *units(PyObject *self, PyObject *args) {
    PyObject *text, *result = NULL;
    Py_buffer table;
    if (!PyArg_ParseTuple(args, "Uy*", &text, &table)) return NULL;
    Counted u;
    if (table.len != 65536)
        PyErr_SetString(PyExc_ValueError, "units: the table must have 65536 entries");
    else if (units_core(text, table.buf, &u) == 0)
        result = Py_BuildValue("(LLLLLLLLLL)", u.lines, u.dup_lines, u.line_chars,
                               u.dup_line_chars, u.paras, u.dup_paras, u.para_chars,
                               u.dup_para_chars, u.terminal, u.symbols);
    PyBuffer_Release(&table);
    return result;
}

/* round(x, digits) for digits 3 or 4, as Python computes it: the correctly rounded
 * decimal digits, read back (float.__round__ does the same with the same two
 * routines). */
static PyObject *rounded(double x, int digits) {
    /* Away from a tie, the nearest integer to y = x * 10**digits (computed with an error
     * far below 1e-6) is the correctly rounded one, and dividing it by 10**digits gives
     * the double nearest that decimal, as round() does (y below 1e9: its error below
     * 1.2e-7); near a tie, or for a larger y, the slow way. */
    double scale = digits == 3 ? 1e3 : 1e4, y = x * scale, low = floor(y);
    if (x >= 0 && y < 1e9 && fabs(y - low - 0.5) > 1e-6)
        return PyFloat_FromDouble((y - low < 0.5 ? low : low + 1) / scale);
    char *s = PyOS_double_to_string(x, 'f', digits, 0, NULL);
    if (!s) return NULL;
    double r = PyOS_string_to_double(s, NULL, NULL);
    PyMem_Free(s);
    if (r == -1.0 && PyErr_Occurred()) return NULL;
    return PyFloat_FromDouble(r);
}

/* round(part / whole, 4), or 0.0 when whole is 0 (the ints are exact as doubles). */
static PyObject *fraction(long long part, long long whole) {
    return whole ? rounded((double)part / (double)whole, 4) : PyFloat_FromDouble(0.0);
}

#define SIGNAL_COUNT 25

static PyObject *signals(PyObject *self, PyObject *args) {
    PyObject *text, *names, *result = NULL;
    Py_buffer table, stop;
    long long removed, original;
    if (!PyArg_ParseTuple(args, "Uy*y*LLO!", &text, &table, &stop, &removed, &original,
                          &PyTuple_Type, &names))
        return NULL;
    if (PyTuple_GET_SIZE(names) != SIGNAL_COUNT) {
        PyErr_Format(PyExc_ValueError, "signals: %d names are needed", SIGNAL_COUNT);
        PyBuffer_Release(&table);
        PyBuffer_Release(&stop);
        return NULL;
    }
    Measured m;
    Counted u;
    int rc = tables(&table, &stop, "signals") < 0 ? -1 :
             measure_core(text, table.buf, stop.buf, (size_t)stop.len / sizeof(uint64_t), &m);
    if (rc > 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (rc < 0 || units_core(text, table.buf, &u) < 0) goto done;
    long long n = m.words, size = PyUnicode_GET_LENGTH(text);
    PyObject *v[SIGNAL_COUNT];
    int k = 0;
    v[k++] = PyLong_FromLongLong(n);
    v[k++] = PyLong_FromLongLong(size);
    v[k++] = PyLong_FromLongLong(u.lines);
    v[k++] = n ? rounded((double)m.word_chars / (double)n, 3) : PyFloat_FromDouble(0.0);
    v[k++] = fraction(n - m.letterless, n);
    v[k++] = PyLong_FromLongLong(m.stopwords);
    v[k++] = fraction(m.stopwords, n);
    v[k++] = fraction(u.terminal, u.lines);
    v[k++] = fraction(u.dup_lines, u.lines);
    v[k++] = fraction(u.dup_line_chars, u.line_chars);
    v[k++] = fraction(u.dup_paras, u.paras);
    v[k++] = fraction(u.dup_para_chars, u.para_chars);
    for (int g = 0; g < 9; g++)
        v[k++] = n >= 2 && size ? fraction(m.grams[g], size) : PyFloat_FromDouble(0.0);
    v[k++] = fraction(u.symbols, n);
    v[k++] = fraction(m.digits, size - m.spaces);
    v[k++] = fraction(m.upper, m.letters);
    v[k++] = fraction(removed, original);
    result = PyDict_New();
    for (int j = 0; j < SIGNAL_COUNT; j++) {
        if (!v[j] || (result && PyDict_SetItem(result, PyTuple_GET_ITEM(names, j), v[j]) < 0))
            Py_CLEAR(result);
        Py_XDECREF(v[j]);
    }
done:
    PyBuffer_Release(&table);
    PyBuffer_Release(&stop);
    return result;
}

static PyMethodDef methods[] = {
    {"measure", measure, METH_VARARGS,
     "measure(text, table, stop) -> (letters, upper, digits, spaces, words, letterless, "
     "word_chars, stopwords, ngrams), or None for a text with characters above U+FFFF"},
    {"counts", counts, METH_O,
     "counts(words) -> for n = 2..10, the characters Gopher's top (2-4) and duplicate "
     "(5-10) n-gram fractions count"},
    {"signals", signals, METH_VARARGS,
     "signals(text, table, stop, removed, original, names) -> quality.SIGNALS by name, "
     "or None where measure() gives None"},
    {"units", units, METH_VARARGS,
     "units(text, table) -> counts of the text's lines and paragraphs and their repeats, "
     "its lines ending a sentence and its symbols"},
    {"stop_table", stop_table, METH_O,
     "stop_table(words) -> the table of their keys that measure() looks words up in"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_quality",
                                    "Compiled character, word and n-gram counts of a text.",
                                    -1, methods};

PyMODINIT_FUNC PyInit__quality(void) { return PyModule_Create(&module); }
