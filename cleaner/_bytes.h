/* Shared by the compiled parts (included, not a module): a growing array of bytes, a
 * character as UTF-8, and a 64-bit key of a run of bytes. */
#ifndef CLEANER_BYTES_H
#define CLEANER_BYTES_H

#include <Python.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
} Bytes;

/* Room for more bytes after b->len; -1 (MemoryError set) when out of memory. */
static inline int bytes_room(Bytes *b, size_t more) {
    if (b->len + more <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + more) cap *= 2;
    char *p = PyMem_Realloc(b->p, cap);
    if (!p) {
        PyErr_NoMemory();
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

/* c as UTF-8 at q (c below U+110000); the bytes written. */
static inline size_t put_utf8(char *q, Py_UCS4 c) {
    if (c < 0x80) { q[0] = (char)c; return 1; }
    if (c < 0x800) { q[0] = (char)(0xC0 | c >> 6); q[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        q[0] = (char)(0xE0 | c >> 12); q[1] = (char)(0x80 | (c >> 6 & 0x3F));
        q[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    q[0] = (char)(0xF0 | c >> 18); q[1] = (char)(0x80 | (c >> 12 & 0x3F));
    q[2] = (char)(0x80 | (c >> 6 & 0x3F)); q[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* A 64-bit finaliser (MurmurHash3's): every input bit moves every output bit. */
static inline uint64_t mix64(uint64_t h) {
    h ^= h >> 33; h *= 0xFF51AFD7ED558CCDull; h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 33);
}

/* A 64-bit key of n bytes at p, 8 at a time, never 0 (an empty slot of a table):
 * distinct runs collide with negligible probability. */
static inline uint64_t bytes_key(const void *p, size_t n) {
    const char *s = p;
    uint64_t h = 0xCBF29CE484222325ull ^ n, v;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&v, s + i, 8);
        h = mix64(h ^ v);
    }
    v = 0;
    memcpy(&v, s + i, n - i);
    return mix64(h ^ v) | 1;
}

#endif
