/* The compiled part of cleaner.io: a record as one line of JSON.
 *
 * dumps(obj) -> str | None
 *
 * What json.dumps(obj, ensure_ascii=False) returns, for an obj made of dicts with str
 * keys, lists, tuples, str, int, finite float, True, False and None (exact types, at
 * most 64 levels deep); None for anything else, which the caller hands to json.dumps.
 * Strings are escaped as the json module escapes them ('"', '\\', and the characters
 * below U+0020, as \n, \r, \t, \b, \f or \u00XX); numbers are their repr(). A string
 * holding a lone surrogate (U+D800 .. U+DFFF), which UTF-8 cannot carry, gives None too.
 *
 * line(obj) -> bytes | None
 *
 * dumps(obj) and a line break, in UTF-8, or None where dumps gives None.
 *
 * loads(data) -> object | None
 *
 * What json.loads(data.decode("utf-8")) returns, for data (bytes) of one JSON value
 * with white space around it, at most 64 levels deep, whose strings hold no lone
 * surrogate (an unpaired \uD800-\uDFFF escape); None for anything else (invalid
 * UTF-8 or JSON, NaN and Infinity, which json.loads reads, deeper nesting), which the
 * caller hands to json.loads for its answer or its error (None for null too: a record
 * must be an object). Numbers are read as
 * json.loads reads them (int(token), float(token)), a repeated key keeps its first
 * place and its last value.
 *
 * lone_surrogate(obj) -> bool
 *
 * Whether a str in obj (itself, or in the dicts, lists and tuples it holds, keys too)
 * holds a lone surrogate: a character U+D800 .. U+DFFF (a str holds only lone ones).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "_bytes.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 64

static int put_ascii(Bytes *o, const char *s, Py_ssize_t n) {
    if (bytes_room(o, (size_t)n) < 0) return -1;
    memcpy(o->p + o->len, s, (size_t)n);
    o->len += (size_t)n;
    return 0;
}

/* The escaped characters of s[0:n] (code units of one width) as UTF-8 at p[k:]; the
 * new k, or -1 at a lone surrogate. */
#define ESCAPE(NAME, T)                                                                 \
    static Py_ssize_t NAME(const T *s, Py_ssize_t n, char *p, Py_ssize_t k) {            \
        for (Py_ssize_t i = 0; i < n; i++) {                                            \
            Py_UCS4 c = s[i];                                                           \
            if (c >= 0x80) {                                                            \
                if (c >= 0xD800 && c <= 0xDFFF) return -1;                              \
                k += (Py_ssize_t)put_utf8(p + k, c);                                    \
                continue;                                                               \
            }                                                                           \
            if (c >= 0x20 && c != '"' && c != '\\') {                                   \
                p[k++] = (char)c;                                                       \
                continue;                                                               \
            }                                                                           \
            p[k++] = '\\';                                                              \
            switch (c) {                                                                \
            case '"': p[k++] = '"'; break;                                              \
            case '\\': p[k++] = '\\'; break;                                            \
            case '\n': p[k++] = 'n'; break;                                             \
            case '\r': p[k++] = 'r'; break;                                             \
            case '\t': p[k++] = 't'; break;                                             \
            case '\b': p[k++] = 'b'; break;                                             \
            case '\f': p[k++] = 'f'; break;                                             \
            default:                                                                    \
                p[k++] = 'u';                                                           \
                p[k++] = '0';                                                           \
                p[k++] = '0';                                                           \
                p[k++] = Py_hexdigits[c >> 4];                                          \
                p[k++] = Py_hexdigits[c & 15];                                          \
            }                                                                           \
        }                                                                               \
        return k;                                                                       \
    }

ESCAPE(escape1, Py_UCS1)
ESCAPE(escape2, Py_UCS2)
ESCAPE(escape4, Py_UCS4)

/* 0 written, 1 a lone surrogate, -1 an error. */
static int put_str(Bytes *o, PyObject *s) {
    Py_ssize_t n = PyUnicode_GET_LENGTH(s);
    if (bytes_room(o, 6 * (size_t)n + 2) < 0) return -1; /* \u00XX or 4 bytes at most */
    const void *data = PyUnicode_DATA(s);
    Py_ssize_t k = (Py_ssize_t)o->len;
    o->p[k++] = '"';
    switch (PyUnicode_KIND(s)) {
    case PyUnicode_1BYTE_KIND: k = escape1(data, n, o->p, k); break;
    case PyUnicode_2BYTE_KIND: k = escape2(data, n, o->p, k); break;
    default: k = escape4(data, n, o->p, k);
    }
    if (k < 0) return 1;
    o->p[k++] = '"';
    o->len = (size_t)k;
    return 0;
}

/* What float.__repr__ writes for a finite x. The double nearest a decimal of at most four
 * places below 10**6 (the quality signals are rounded so) is written as that decimal:
 * no other decimal of ten significant digits or fewer is as near it (doubles hold
 * fifteen), so it is the shortest that reads back as x, which repr writes. Any other x
 * is written by repr's own routine. */
static int put_float(Bytes *o, double x) {
    if (x >= 0.0 && x < 1e6 && !signbit(x)) {
        long long k = llround(x * 10000.0);
        if ((double)k / 10000.0 == x) { /* the division is correctly rounded */
            char buf[24];
            int n = snprintf(buf, sizeof buf, "%lld.", k / 10000);
            int frac = (int)(k % 10000), digits = 4;
            if (!frac) {
                buf[n++] = '0';
            } else {
                for (; frac % 10 == 0; frac /= 10) digits--;
                for (int d = digits - 1; d >= 0; d--, frac /= 10) buf[n + d] = (char)('0' + frac % 10);
                n += digits;
            }
            return put_ascii(o, buf, n);
        }
    }
    char *s = PyOS_double_to_string(x, 'r', 0, Py_DTSF_ADD_DOT_0, NULL);
    if (!s) return -1;
    int rc = put_ascii(o, s, (Py_ssize_t)strlen(s));
    PyMem_Free(s);
    return rc;
}

static int put_repr(Bytes *o, PyObject *obj) {
    PyObject *r = PyObject_Repr(obj);
    if (!r) return -1;
    Py_ssize_t n;
    const char *s = PyUnicode_AsUTF8AndSize(r, &n); /* the repr of a number is ASCII */
    int rc = s ? put_ascii(o, s, n) : -1;
    Py_DECREF(r);
    return rc;
}

/* 0 written, 1 not a value this module writes, -1 an error. */
static int put(Bytes *o, PyObject *obj, int depth) {
    if (depth > MAX_DEPTH) return 1;
    if (obj == Py_None) return put_ascii(o, "null", 4);
    if (obj == Py_True) return put_ascii(o, "true", 4);
    if (obj == Py_False) return put_ascii(o, "false", 5);
    if (PyUnicode_CheckExact(obj)) return put_str(o, obj);
    if (PyLong_CheckExact(obj)) {
        int overflow;
        long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
        if (overflow) return put_repr(o, obj);
        if (v == -1 && PyErr_Occurred()) return -1;
        char buf[24];
        return put_ascii(o, buf, snprintf(buf, sizeof buf, "%lld", v));
    }
    if (PyFloat_CheckExact(obj)) {
        double x = PyFloat_AS_DOUBLE(obj);
        return isfinite(x) ? put_float(o, x) : 1;
    }
    if (PyDict_CheckExact(obj)) {
        if (put_ascii(o, "{", 1) < 0) return -1;
        Py_ssize_t pos = 0, i = 0;
        PyObject *key, *value;
        while (PyDict_Next(obj, &pos, &key, &value)) {
            if (!PyUnicode_CheckExact(key)) return 1;
            if (i++ && put_ascii(o, ", ", 2) < 0) return -1;
            int rc = put_str(o, key);
            if (rc) return rc;
            if (put_ascii(o, ": ", 2) < 0) return -1;
            rc = put(o, value, depth + 1);
            if (rc) return rc;
        }
        return put_ascii(o, "}", 1);
    }
    if (PyList_CheckExact(obj) || PyTuple_CheckExact(obj)) {
        if (put_ascii(o, "[", 1) < 0) return -1;
        /* a list's items are read afresh each time: nothing here can change it */
        Py_ssize_t n = PySequence_Fast_GET_SIZE(obj);
        for (Py_ssize_t i = 0; i < n; i++) {
            if (i && put_ascii(o, ", ", 2) < 0) return -1;
            int rc = put(o, PySequence_Fast_GET_ITEM(obj, i), depth + 1);
            if (rc) return rc;
        }
        return put_ascii(o, "]", 1);
    }
    return 1;
}

static PyObject *dumps(PyObject *self, PyObject *obj) {
    Bytes o = {NULL, 0, 0};
    int rc = put(&o, obj, 0);
    PyObject *result = rc < 0 ? NULL
                       : rc > 0 ? Py_NewRef(Py_None)
                       : PyUnicode_DecodeUTF8(o.p, (Py_ssize_t)o.len, "strict");
    PyMem_Free(o.p);
    return result;
}

static PyObject *line(PyObject *self, PyObject *obj) {
    Bytes o = {NULL, 0, 0};
    int rc = put(&o, obj, 0);
    if (rc == 0) rc = put_ascii(&o, "\n", 1);
    PyObject *result = rc < 0 ? NULL
                       : rc > 0 ? Py_NewRef(Py_None)
                       : PyBytes_FromStringAndSize(o.p, (Py_ssize_t)o.len);
    PyMem_Free(o.p);
    return result;
}

/* 1 when obj holds a surrogate (see lone_surrogate()), else 0; -1 too deep. */
static int has_surrogate(PyObject *obj, int depth) {
    if (depth > 10000) return -1; /* json.loads gives no deeper */
    if (PyUnicode_Check(obj)) {
        int kind = PyUnicode_KIND(obj);
        if (kind == PyUnicode_1BYTE_KIND) return 0;
        const void *data = PyUnicode_DATA(obj);
        Py_ssize_t n = PyUnicode_GET_LENGTH(obj);
        if (kind == PyUnicode_2BYTE_KIND) {
            const Py_UCS2 *p = data;
            for (Py_ssize_t i = 0; i < n; i++)
                if (p[i] >= 0xD800 && p[i] <= 0xDFFF) return 1;
        } else {
            const Py_UCS4 *p = data;
            for (Py_ssize_t i = 0; i < n; i++)
                if (p[i] >= 0xD800 && p[i] <= 0xDFFF) return 1;
        }
        return 0;
    }
    if (PyDict_Check(obj)) {
        Py_ssize_t pos = 0;
        PyObject *key, *value;
        while (PyDict_Next(obj, &pos, &key, &value)) {
            int rc = has_surrogate(key, depth + 1);
            if (!rc) rc = has_surrogate(value, depth + 1);
            if (rc) return rc;
        }
        return 0;
    }
    if (PyList_Check(obj) || PyTuple_Check(obj)) {
        for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(obj); i++) {
            int rc = has_surrogate(PySequence_Fast_GET_ITEM(obj, i), depth + 1);
            if (rc) return rc;
        }
    }
    return 0;
}

static PyObject *lone_surrogate(PyObject *self, PyObject *obj) {
    int rc = has_surrogate(obj, 0);
    if (rc < 0) {
        PyErr_SetString(PyExc_RecursionError, "lone_surrogate: nested too deep");
        return NULL;
    }
    return PyBool_FromLong(rc);
}

typedef struct {
    const char *p, *end;
    Bytes buf; /* a string's UTF-8 with its escapes read */
} Reader;

#define NOT_READ 1 /* not a value loads reads: no exception set */

static inline void skip_space(Reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        char c = p[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

/* A string at r->p (its opening quote): 0 and *out, NOT_READ, or -1 (an error). */
static int read_string(Reader *r, PyObject **out) {
    const char *start = ++r->p, *q = start;
    while (q < r->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    if (q < r->end && *q == '"') { /* no escapes: the UTF-8 as it is */
        *out = PyUnicode_DecodeUTF8(start, q - start, "strict");
        r->p = q + 1;
        if (*out) return 0;
        PyErr_Clear(); /* invalid UTF-8, or an encoded surrogate */
        return NOT_READ;
    }
    r->buf.len = 0;
    for (;;) {
        if (bytes_room(&r->buf, (size_t)(q - start) + 4) < 0) return -1;
        memcpy(r->buf.p + r->buf.len, start, (size_t)(q - start));
        r->buf.len += (size_t)(q - start);
        if (q >= r->end || (unsigned char)*q < 0x20) return NOT_READ; /* unclosed, control */
        if (*q == '"') break;
        if (q + 1 >= r->end) return NOT_READ;
        char e = q[1], c;
        unsigned u;
        q += 2;
        switch (e) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case '/': c = '/'; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u':
            if (r->end - q < 4 || hex4(q, &u) < 0) return NOT_READ;
            q += 4;
            if (u >= 0xDC00 && u <= 0xDFFF) return NOT_READ; /* lone low surrogate */
            if (u >= 0xD800 && u <= 0xDBFF) {
                unsigned low;
                if (r->end - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &low) < 0 ||
                    low < 0xDC00 || low > 0xDFFF)
                    return NOT_READ; /* lone high surrogate */
                q += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
            }
            r->buf.len += put_utf8(r->buf.p + r->buf.len, u);
            goto next;
        default:
            return NOT_READ;
        }
        r->buf.p[r->buf.len++] = c;
    next:
        start = q;
        while (q < r->end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20) q++;
    }
    r->p = q + 1;
    *out = PyUnicode_DecodeUTF8(r->buf.p, (Py_ssize_t)r->buf.len, "strict");
    if (*out) return 0;
    PyErr_Clear();
    return NOT_READ;
}

/* A number at r->p, read as json.loads reads it: int(token), or float(token) for one
 * with a fraction or an exponent. */
static int read_number(Reader *r, PyObject **out) {
    const char *q = r->p;
    if (q < r->end && *q == '-') q++;
    if (q >= r->end || *q < '0' || *q > '9') return NOT_READ; /* -Infinity and others */
    if (*q == '0') q++;
    else while (q < r->end && *q >= '0' && *q <= '9') q++;
    int real = 0;
    if (q + 1 < r->end && *q == '.' && q[1] >= '0' && q[1] <= '9') {
        real = 1;
        for (q++; q < r->end && *q >= '0' && *q <= '9';) q++;
    }
    if (q < r->end && (*q == 'e' || *q == 'E')) {
        const char *x = q + 1;
        if (x < r->end && (*x == '+' || *x == '-')) x++;
        if (x < r->end && *x >= '0' && *x <= '9') {
            real = 1;
            for (q = x; q < r->end && *q >= '0' && *q <= '9';) q++;
        }
    }
    char small[64], *token = small;
    size_t n = (size_t)(q - r->p);
    if (n >= sizeof small && !(token = PyMem_Malloc(n + 1))) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(token, r->p, n);
    token[n] = '\0';
    if (real) {
        double x = PyOS_string_to_double(token, NULL, NULL);
        *out = x == -1.0 && PyErr_Occurred() ? NULL : PyFloat_FromDouble(x);
    } else {
        *out = PyLong_FromString(token, NULL, 10);
    }
    if (token != small) PyMem_Free(token);
    r->p = q;
    if (*out) return 0;
    if (PyErr_ExceptionMatches(PyExc_MemoryError)) return -1;
    PyErr_Clear(); /* an int too long to read (json.loads says why) */
    return NOT_READ;
}

static int read_value(Reader *r, PyObject **out, int depth);

static int read_items(Reader *r, PyObject **out, int depth, int object) {
    char close = object ? '}' : ']';
    PyObject *into = object ? PyDict_New() : PyList_New(0);
    if (!into) return -1;
    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
        r->p++;
        *out = into;
        return 0;
    }
    for (;;) {
        PyObject *key = NULL, *value = NULL;
        int rc = 0;
        if (object) {
            if (r->p >= r->end || *r->p != '"') rc = NOT_READ;
            else rc = read_string(r, &key);
            if (!rc) {
                skip_space(r);
                if (r->p < r->end && *r->p == ':') r->p++;
                else rc = NOT_READ;
            }
            if (!rc) skip_space(r);
        }
        if (!rc) rc = read_value(r, &value, depth + 1);
        if (!rc) rc = object ? PyDict_SetItem(into, key, value) : PyList_Append(into, value);
        Py_XDECREF(key);
        Py_XDECREF(value);
        if (rc) {
            Py_DECREF(into);
            return rc;
        }
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            skip_space(r);
            continue;
        }
        if (r->p < r->end && *r->p == close) {
            r->p++;
            *out = into;
            return 0;
        }
        Py_DECREF(into);
        return NOT_READ;
    }
}

static int read_value(Reader *r, PyObject **out, int depth) {
    if (depth > MAX_DEPTH || r->p >= r->end) return NOT_READ;
    switch (*r->p) {
    case '"': return read_string(r, out);
    case '{': return read_items(r, out, depth, 1);
    case '[': return read_items(r, out, depth, 0);
    case 't':
    case 'f':
    case 'n': {
        static const char *const words[] = {"true", "false", "null"};
        int k = *r->p == 't' ? 0 : *r->p == 'f' ? 1 : 2;
        size_t n = strlen(words[k]);
        if ((size_t)(r->end - r->p) < n || memcmp(r->p, words[k], n) != 0) return NOT_READ;
        r->p += n;
        *out = Py_NewRef(k == 0 ? Py_True : k == 1 ? Py_False : Py_None);
        return 0;
    }
    default: return read_number(r, out);
    }
}

static PyObject *loads(PyObject *self, PyObject *arg) {
    if (!PyBytes_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "loads: bytes expected");
        return NULL;
    }
    Reader r = {PyBytes_AS_STRING(arg), PyBytes_AS_STRING(arg) + PyBytes_GET_SIZE(arg),
                {NULL, 0, 0}};
    PyObject *value = NULL;
    skip_space(&r);
    int rc = read_value(&r, &value, 0);
    if (!rc) {
        skip_space(&r);
        if (r.p != r.end) { /* more after the value */
            Py_CLEAR(value);
            rc = NOT_READ;
        }
    }
    PyMem_Free(r.buf.p);
    if (rc < 0) return NULL;
    return rc ? Py_NewRef(Py_None) : value;
}

static PyMethodDef methods[] = {
    {"loads", loads, METH_O,
     "loads(data) -> json.loads of UTF-8 bytes, or None where it cannot say (see the module)"},
    {"dumps", dumps, METH_O,
     "dumps(obj) -> json.dumps(obj, ensure_ascii=False), or None where it cannot say"},
    {"line", line, METH_O, "line(obj) -> dumps(obj) and a line break in UTF-8, or None"},
    {"lone_surrogate", lone_surrogate, METH_O,
     "lone_surrogate(obj) -> whether a str in obj holds a lone surrogate"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_jsonl",
                                    "The compiled part of cleaner.io.", -1, methods};

PyMODINIT_FUNC PyInit__jsonl(void) { return PyModule_Create(&module); }
