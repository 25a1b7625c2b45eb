/* MinHash signatures of a document's word shingles in one call: the compiled path of
 * cleaner.dedup.index.Index.prepare.
 *
 * sign(tokens, shingle, hash, a, b, out) -> distinct shingle count
 *
 * tokens   list of str (the document's words, in order)
 * shingle  words per shingle; a document of no more words is one shingle
 * hash     0: sha1_hash32 of the shingle's UTF-8 bytes (words joined by one space),
 *          1: sha1_hash64 of them, 2: cleaner's words32 (CRC-32 of each word, folded
 *          FNV-1a style)
 * a, b     datasketch's permutation parameters (uint32 for hash 0 and 2, uint64 for 1)
 * out      the signature, written here (same dtype and length as a)
 *
 * Each shingle hash is pre-mixed with the MurmurHash3 finaliser and permuted as
 * a * h + b modulo 2^32 (or 2^64), the minimum kept per permutation: datasketch's
 * "affine32" / "affine64" schemes, so the signature equals MinHash.update_batch's for
 * the same configuration (tests check this). Distinct shingles are counted by their
 * 32-bit hash for words32 (as the numpy path did) and by 64 bits of the SHA-1 digest
 * for sha1.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define HAVE_X86 1
#endif

/* ---- SHA-1 ------------------------------------------------------------------ */

static const uint32_t SHA1_INIT[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u,
                                      0xC3D2E1F0u};

static inline uint32_t rol(uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

static void sha1_blocks_portable(uint32_t st[5], const uint8_t *p, size_t blocks) {
    for (; blocks; blocks--, p += 64) {
        uint32_t w[80];
        for (int i = 0; i < 16; i++)
            w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
                   (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
        for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4];
        for (int i = 0; i < 80; i++) {
            uint32_t f, k;
            if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999u; }
            else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1u; }
            else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDCu; }
            else { f = b ^ c ^ d; k = 0xCA62C1D6u; }
            uint32_t t = rol(a, 5) + f + e + k + w[i];
            e = d; d = c; c = rol(b, 30); b = a; a = t;
        }
        st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e;
    }
}

#ifdef HAVE_X86
/* The SHA extensions (sha1rnds4 and friends): four rounds per instruction. */
__attribute__((target("sha,sse4.1,ssse3")))
static void sha1_blocks_shani(uint32_t st[5], const uint8_t *p, size_t blocks) {
    const __m128i mask = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)st), 0x1B);
    __m128i e0 = _mm_set_epi32((int)st[4], 0, 0, 0);
    for (; blocks; blocks--, p += 64) {
        __m128i abcd_save = abcd, e_save = e0, e1;
        __m128i w[4];
        for (int i = 0; i < 4; i++)
            w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), mask);
        /* rounds 0-3 */
        e0 = _mm_add_epi32(e0, w[0]);
        e1 = abcd;
        abcd = _mm_sha1rnds4_epu32(abcd, e0, 0);
        for (int g = 1; g < 20; g++) {
            __m128i m;
            if (g < 4) {
                m = w[g];
            } else {
                m = _mm_sha1msg2_epu32(
                    _mm_xor_si128(_mm_sha1msg1_epu32(w[g & 3], w[(g + 1) & 3]), w[(g + 2) & 3]),
                    w[(g + 3) & 3]);
                w[g & 3] = m;
            }
            __m128i e = _mm_sha1nexte_epu32(e1, m);
            e1 = abcd;
            switch (g / 5) {
                case 0: abcd = _mm_sha1rnds4_epu32(abcd, e, 0); break;
                case 1: abcd = _mm_sha1rnds4_epu32(abcd, e, 1); break;
                case 2: abcd = _mm_sha1rnds4_epu32(abcd, e, 2); break;
                default: abcd = _mm_sha1rnds4_epu32(abcd, e, 3); break;
            }
        }
        e0 = _mm_sha1nexte_epu32(e1, e_save);
        abcd = _mm_add_epi32(abcd, abcd_save);
    }
    _mm_storeu_si128((__m128i *)st, _mm_shuffle_epi32(abcd, 0x1B));
    st[4] = (uint32_t)_mm_extract_epi32(e0, 3);
}
#endif

static void (*sha1_blocks)(uint32_t[5], const uint8_t *, size_t) = sha1_blocks_portable;

/* SHA-1(data), as its five state words. */
static void sha1_state(const uint8_t *data, size_t len, uint32_t st[5]) {
    memcpy(st, SHA1_INIT, 5 * sizeof *st);
    size_t full = len / 64;
    if (full) sha1_blocks(st, data, full);
    uint8_t tail[128] = {0};
    size_t rest = len - full * 64;
    memcpy(tail, data + full * 64, rest);
    tail[rest] = 0x80;
    size_t tail_blocks = rest + 9 <= 64 ? 1 : 2;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[tail_blocks * 64 - 1 - i] = (uint8_t)(bits >> (8 * i));
    sha1_blocks(st, tail, tail_blocks);
}

/* The first 8 bytes of SHA-1(data), as datasketch reads them: little-endian. */
static uint64_t sha1_head(const uint8_t *data, size_t len) {
    uint32_t st[5];
    sha1_state(data, len, st);
    /* digest bytes are big-endian words; the hash is its first bytes read little-endian */
    uint32_t w0 = __builtin_bswap32(st[0]), w1 = __builtin_bswap32(st[1]);
    return (uint64_t)w0 | (uint64_t)w1 << 32;
}

/* SHA-1(data) as 40 lower-case hex digits (hashlib's hexdigest). */
static PyObject *sha1_hex(const uint8_t *data, size_t len) {
    uint32_t st[5];
    sha1_state(data, len, st);
    char hex[40];
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 8; j++) hex[8 * i + j] = digits[(st[i] >> (28 - 4 * j)) & 0xF];
    return PyUnicode_FromStringAndSize(hex, 40);
}

/* ---- CRC-32 (zlib's) ---------------------------------------------------------- */

static uint32_t crc_table[8][256];

static uint32_t crc_pre[8]; /* crc_pre[m]: the state that m zero bytes turn into ~0 */

static inline uint32_t crc8(uint32_t c, uint64_t v) {
    v ^= c;
    return crc_table[7][v & 0xFF] ^ crc_table[6][(v >> 8) & 0xFF] ^
           crc_table[5][(v >> 16) & 0xFF] ^ crc_table[4][(v >> 24) & 0xFF] ^
           crc_table[3][(v >> 32) & 0xFF] ^ crc_table[2][(v >> 40) & 0xFF] ^
           crc_table[1][(v >> 48) & 0xFF] ^ crc_table[0][v >> 56];
}

static inline uint64_t load64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t load32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* p[0:n] little-endian for 0 < n < 8, read without touching p[n] (two overlapping
 * loads; the bytes they share are equal, so or-ing them is exact). */
static inline uint64_t load_short(const uint8_t *p, size_t n) {
    if (n >= 4) return load32(p) | (uint64_t)load32(p + n - 4) << (8 * (n - 4));
    return p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) | (uint64_t)p[n - 1] << (8 * (n - 1));
}

/* zlib's crc32 of p[0:n], eight bytes a step: a length that is not a multiple of eight
 * starts with a chunk padded by leading zero bytes, from the state those zeros turn
 * into the usual initial state (no per-byte loop, whose exit mispredicts on words). */
static uint32_t crc32_bytes(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    size_t head = n & 7;
    if (head) {
        c = crc8(crc_pre[8 - head], load_short(p, head) << (8 * (8 - head)));
        p += head;
        n -= head;
    }
    for (; n; n -= 8, p += 8) c = crc8(c, load64(p));
    return c ^ 0xFFFFFFFFu;
}

static void crc_init(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (int t = 1; t < 8; t++)
        for (int i = 0; i < 256; i++)
            crc_table[t][i] = (crc_table[t - 1][i] >> 8) ^ crc_table[0][crc_table[t - 1][i] & 0xFF];
    /* a zero byte maps c to table[c & 0xFF] ^ (c >> 8), and the table's top byte names
     * its index, so the step can be undone */
    uint8_t index_of_top[256];
    for (int i = 0; i < 256; i++) index_of_top[crc_table[0][i] >> 24] = (uint8_t)i;
    uint32_t c = 0xFFFFFFFFu;
    crc_pre[0] = c;
    for (int m = 1; m < 8; m++) {
        uint8_t i = index_of_top[c >> 24];
        c = ((c ^ crc_table[0][i]) << 8) | i;
        crc_pre[m] = c;
    }
}

/* ---- pre-mix, permutations, minimum ------------------------------------------ */

static inline uint32_t fmix32(uint32_t h) {
    h ^= h >> 16; h *= 0x85EBCA6Bu; h ^= h >> 13; h *= 0xC2B2AE35u; return h ^ (h >> 16);
}

static inline uint64_t fmix64(uint64_t h) {
    h ^= h >> 33; h *= 0xFF51AFD7ED558CCDull; h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 33);
}

/* The minimums of permutations j .. j + BLOCK - 1 over all shingles, kept in registers
 * (BLOCK is a constant at each use, so the inner loop is unrolled and vectorised). */
#define PERMUTE_BLOCK(BLOCK)                                                              \
    for (; j + (BLOCK) <= perms; j += (BLOCK)) {                                          \
        uint32_t m[BLOCK], aa[BLOCK], bb[BLOCK];                                          \
        for (int k = 0; k < (BLOCK); k++) {                                               \
            m[k] = 0xFFFFFFFFu; aa[k] = a[j + k]; bb[k] = b[j + k];                       \
        }                                                                                 \
        for (size_t i = 0; i < n; i++) {                                                  \
            uint32_t h = hv[i];                                                           \
            for (int k = 0; k < (BLOCK); k++) {                                           \
                uint32_t v = aa[k] * h + bb[k];                                           \
                m[k] = v < m[k] ? v : m[k];                                               \
            }                                                                             \
        }                                                                                 \
        memcpy(out + j, m, sizeof m);                                                     \
    }

__attribute__((target_clones("avx512f", "avx2", "default")))
static void permute32(const uint32_t *hv, size_t n, const uint32_t *a, const uint32_t *b,
                      uint32_t *out, size_t perms) {
    size_t j = 0;
    PERMUTE_BLOCK(128)
    PERMUTE_BLOCK(32)
    PERMUTE_BLOCK(8)
    for (; j < perms; j++) {
        uint32_t m = 0xFFFFFFFFu;
        for (size_t i = 0; i < n; i++) {
            uint32_t v = a[j] * hv[i] + b[j];
            m = v < m ? v : m;
        }
        out[j] = m;
    }
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void permute64(const uint64_t *hv, size_t n, const uint64_t *a, const uint64_t *b,
                      uint64_t *out, size_t perms) {
    for (size_t j = 0; j < perms; j++) out[j] = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hv[i];
        for (size_t j = 0; j < perms; j++) {
            uint64_t v = a[j] * h + b[j];
            out[j] = v < out[j] ? v : out[j];
        }
    }
}

/* ---- distinct count ------------------------------------------------------------ */

/* Distinct values among keys (open addressing; 0 is the empty slot, counted apart). The
 * keys are well mixed already (SHA-1 bytes, or fmix32 of a words32 hash): their low bits
 * pick the slot. */
static size_t count_distinct(const uint64_t *keys, size_t n, uint64_t *slots, size_t cap) {
    memset(slots, 0, cap * sizeof *slots);
    size_t distinct = 0;
    int zero = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = keys[i];
        if (k == 0) { zero = 1; continue; }
        size_t s = (size_t)(k & (cap - 1));
        while (slots[s] && slots[s] != k) s = (s + 1) & (cap - 1);
        if (!slots[s]) { slots[s] = k; distinct++; }
    }
    return distinct + (size_t)zero;
}

/* ---- words ------------------------------------------------------------------------ */

/* A document's words, UTF-8, each followed by one space; word i is
 * text[start[i] : start[i + 1] - 1]. */
typedef struct {
    uint8_t *text;
    size_t *start;
    size_t ntok, size, cap, tok_cap;
    uint32_t *crc; /* words32 from a list: each word's CRC-32, and no text */
} Words;

static void words_free(Words *w) {
    PyMem_Free(w->text); PyMem_Free(w->start); PyMem_Free(w->crc);
}

static int words_reserve(Words *w, size_t bytes) {
    if (w->size + bytes <= w->cap) return 0;
    size_t cap = 2 * (w->size + bytes) + 64;
    uint8_t *grown = PyMem_Realloc(w->text, cap);
    if (!grown) { PyErr_NoMemory(); return -1; }
    w->text = grown;
    w->cap = cap;
    return 0;
}

static int words_begin(Words *w) {
    if (w->ntok + 2 > w->tok_cap) {
        size_t cap = 2 * w->tok_cap + 64;
        size_t *grown = PyMem_Realloc(w->start, cap * sizeof *grown);
        if (!grown) { PyErr_NoMemory(); return -1; }
        w->start = grown;
        w->tok_cap = cap;
    }
    w->start[w->ntok++] = w->size;
    return 0;
}

/* From a list of str (the words themselves); for words32 (crc_only) only each word's
 * CRC-32 is kept. */
static int words_from_list(PyObject *tokens, Words *w, int crc_only) {
    size_t n = (size_t)PyList_GET_SIZE(tokens);
    w->start = PyMem_Malloc(sizeof(size_t) * (n + 2));
    if (!w->start) { PyErr_NoMemory(); return -1; }
    w->tok_cap = n + 2;
    if (crc_only) {
        w->crc = PyMem_Malloc(sizeof(uint32_t) * (n + 1));
        if (!w->crc) { PyErr_NoMemory(); return -1; }
    } else if (words_reserve(w, 8 * n + 64) < 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        PyObject *t = PyList_GET_ITEM(tokens, i);
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "sign: token %zu is not a str", i);
            return -1;
        }
        Py_ssize_t len;
        const char *u;
        if (PyUnicode_IS_COMPACT_ASCII(t)) { /* its characters are its UTF-8 */
            len = PyUnicode_GET_LENGTH(t);
            u = (const char *)PyUnicode_DATA(t);
        } else if (!(u = PyUnicode_AsUTF8AndSize(t, &len))) {
            return -1;
        }
        if (crc_only) {
            w->crc[w->ntok++] = crc32_bytes((const uint8_t *)u, (size_t)len);
            continue;
        }
        if (w->size + (size_t)len + 1 > w->cap && words_reserve(w, (size_t)len + 1) < 0)
            return -1;
        w->start[w->ntok++] = w->size;
        memcpy(w->text + w->size, u, (size_t)len);
        w->size += (size_t)len;
        w->text[w->size++] = ' ';
    }
    if (w->ntok) w->start[w->ntok] = w->size;
    return 0;
}

static inline size_t put_utf8(uint8_t *p, Py_UCS4 c) {
    if (c < 0x80) { p[0] = (uint8_t)c; return 1; }
    if (c < 0x800) { p[0] = 0xC0 | (c >> 6); p[1] = 0x80 | (c & 0x3F); return 2; }
    if (c < 0x10000) {
        p[0] = 0xE0 | (c >> 12); p[1] = 0x80 | ((c >> 6) & 0x3F); p[2] = 0x80 | (c & 0x3F);
        return 3;
    }
    p[0] = 0xF0 | (c >> 18); p[1] = 0x80 | ((c >> 12) & 0x3F);
    p[2] = 0x80 | ((c >> 6) & 0x3F); p[3] = 0x80 | (c & 0x3F);
    return 4;
}

static uint8_t alnum_latin1[256]; /* str.isalnum() of U+0000 .. U+00FF */

/* From a text: its runs of characters for which str.isalnum() is true (the words of
 * cleaner.dedup.shingles.words, given the casefolded text). */
static int words_from_text(PyObject *str, Words *w) {
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    if (words_reserve(w, 4 * (size_t)n + 1) < 0) return -1; /* UTF-8 never needs more */
    int in_word = 0;
    if (kind == PyUnicode_1BYTE_KIND) {
        /* at most one word per two characters: the starts fit without growing */
        if (w->tok_cap < (size_t)n / 2 + 3) {
            size_t *grown = PyMem_Realloc(w->start, sizeof(size_t) * ((size_t)n / 2 + 3));
            if (!grown) { PyErr_NoMemory(); return -1; }
            w->start = grown;
            w->tok_cap = (size_t)n / 2 + 3;
        }
        const uint8_t *p = data;
        uint8_t *text = w->text;
        size_t size = w->size, ntok = w->ntok, *start = w->start;
        for (Py_ssize_t i = 0; i < n; i++) {
            uint8_t c = p[i];
            if (alnum_latin1[c]) {
                if (!in_word) start[ntok++] = size;
                if (c < 0x80) text[size++] = c;
                else size += put_utf8(text + size, c);
                in_word = 1;
            } else if (in_word) {
                text[size++] = ' ';
                in_word = 0;
            }
        }
        w->size = size;
        w->ntok = ntok;
    } else {
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c < 256 ? alnum_latin1[c] : Py_UNICODE_ISALNUM(c)) {
                if (!in_word && words_begin(w) < 0) return -1;
                w->size += put_utf8(w->text + w->size, c);
                in_word = 1;
            } else if (in_word) {
                w->text[w->size++] = ' ';
                in_word = 0;
            }
        }
    }
    if (in_word) w->text[w->size++] = ' ';
    if (w->ntok) w->start[w->ntok] = w->size;
    return 0;
}

/* ---- shingle hashes ---------------------------------------------------------------- */

/* Each window of k words: its key (for counting distinct shingles) and its pre-mixed
 * hash. sha1 (mode 0, 1): SHA-1 of the words joined by single spaces; words32 (mode 2):
 * the CRC-32 of each word, folded FNV-1a style. */
static int shingle_hashes(const Words *w, size_t k, int mode, uint64_t *keys, void *hv) {
    size_t n = w->ntok - k + 1;
    if (mode == 2) {
        uint32_t *wh = w->crc;
        if (!wh) {
            if (!(wh = PyMem_Malloc(sizeof(uint32_t) * w->ntok))) { PyErr_NoMemory(); return -1; }
            for (size_t i = 0; i < w->ntok; i++)
                wh[i] = crc32_bytes(w->text + w->start[i], w->start[i + 1] - w->start[i] - 1);
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t h = 0x811C9DC5u;
            for (size_t j = 0; j < k; j++) h = (h ^ wh[i + j]) * 0x01000193u;
            uint32_t mixed = fmix32(h); /* a bijection: distinct as h is */
            keys[i] = mixed;
            ((uint32_t *)hv)[i] = mixed;
        }
        if (wh != w->crc) PyMem_Free(wh);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t d = sha1_head(w->text + w->start[i], w->start[i + k] - w->start[i] - 1);
        keys[i] = d;
        if (mode == 1) ((uint64_t *)hv)[i] = fmix64(d);
        else ((uint32_t *)hv)[i] = fmix32((uint32_t)d);
    }
    return 0;
}

/* The signature of a document's words into out; the distinct shingle count, or -1. */
static Py_ssize_t sign_words(const Words *w, Py_ssize_t shingle, int mode, Py_buffer *a,
                             Py_buffer *b, Py_buffer *out) {
    size_t width = mode == 1 ? 8 : 4;
    if (w->ntok == 0) {
        memset(out->buf, 0xFF, (size_t)out->len);
        return 0;
    }
    size_t k = (size_t)shingle < w->ntok ? (size_t)shingle : w->ntok;
    size_t n = w->ntok - k + 1, cap = 16;
    while (cap < 2 * n) cap <<= 1;
    uint64_t *keys = PyMem_Malloc(sizeof(uint64_t) * n);
    void *hv = PyMem_Malloc(width * n);
    uint64_t *slots = PyMem_Malloc(sizeof(uint64_t) * cap);
    Py_ssize_t distinct = -1;
    if (!keys || !hv || !slots) {
        PyErr_NoMemory();
    } else if (shingle_hashes(w, k, mode, keys, hv) == 0) {
        distinct = (Py_ssize_t)count_distinct(keys, n, slots, cap);
        size_t perms = (size_t)a->len / width;
        if (width == 4) permute32(hv, n, a->buf, b->buf, out->buf, perms);
        else permute64(hv, n, a->buf, b->buf, out->buf, perms);
    }
    PyMem_Free(keys);
    PyMem_Free(hv);
    PyMem_Free(slots);
    return distinct;
}

static int check_args(Py_ssize_t shingle, int mode, Py_buffer *a, Py_buffer *b, Py_buffer *out) {
    size_t width = mode == 1 ? 8 : 4;
    if (mode < 0 || mode > 2 || shingle < 1) {
        PyErr_SetString(PyExc_ValueError, "sign: hash must be 0, 1 or 2 and shingle >= 1");
        return -1;
    }
    if (a->len != b->len || a->len != out->len || (size_t)a->len % width) {
        PyErr_SetString(PyExc_ValueError, "sign: a, b and out must be equal arrays of the hash width");
        return -1;
    }
    return 0;
}

/* ---- sign(), sign_text() ---------------------------------------------------------- */

static PyObject *sign(PyObject *self, PyObject *args) {
    PyObject *tokens;
    Py_ssize_t shingle;
    int mode;
    Py_buffer a = {0}, b = {0}, out = {0};
    if (!PyArg_ParseTuple(args, "O!niy*y*w*", &PyList_Type, &tokens, &shingle, &mode, &a, &b,
                          &out))
        return NULL;
    PyObject *result = NULL;
    Words w = {0};
    if (check_args(shingle, mode, &a, &b, &out) == 0 &&
        words_from_list(tokens, &w, mode == 2) == 0) {
        Py_ssize_t distinct = sign_words(&w, shingle, mode, &a, &b, &out);
        if (distinct >= 0) result = PyLong_FromSsize_t(distinct);
    }
    words_free(&w);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

static PyObject *sign_text(PyObject *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t shingle;
    int mode;
    Py_buffer a = {0}, b = {0}, out = {0};
    if (!PyArg_ParseTuple(args, "Uniy*y*w*", &text, &shingle, &mode, &a, &b, &out))
        return NULL;
    PyObject *result = NULL;
    Words w = {0};
    if (check_args(shingle, mode, &a, &b, &out) == 0 && words_from_text(text, &w) == 0) {
        if (w.ntok == 0) {
            memset(out.buf, 0xFF, (size_t)out.len);
            result = Py_BuildValue("(Oi)", Py_None, 0);
        } else {
            Py_ssize_t distinct = sign_words(&w, shingle, mode, &a, &b, &out);
            PyObject *key = distinct >= 0 ? sha1_hex(w.text, w.size - 1) : NULL;
            if (key) result = Py_BuildValue("(Nn)", key, distinct);
        }
    }
    words_free(&w);
    PyBuffer_Release(&a);
    PyBuffer_Release(&b);
    PyBuffer_Release(&out);
    return result;
}

static int have_shani(void) {
#ifdef HAVE_X86
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 29)) &&
           __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 19)) && (ecx & (1u << 9));
#else
    return 0;
#endif
}

static PyObject *sha1_impl(PyObject *self, PyObject *args) {
    const char *name = NULL;
    if (!PyArg_ParseTuple(args, "|s", &name)) return NULL;
    if (name && strcmp(name, "portable") == 0) {
        sha1_blocks = sha1_blocks_portable;
    } else if (name && strcmp(name, "sha-ni") == 0 && have_shani()) {
#ifdef HAVE_X86
        sha1_blocks = sha1_blocks_shani;
#endif
    } else if (name) {
        return PyErr_Format(PyExc_ValueError, "sha1_impl: %s is not available here", name);
    }
    return PyUnicode_FromString(sha1_blocks == sha1_blocks_portable ? "portable" : "sha-ni");
}

static PyObject *sha1_py(PyObject *self, PyObject *args) {
    Py_buffer data;
    if (!PyArg_ParseTuple(args, "y*", &data)) return NULL;
    uint64_t head = sha1_head(data.buf, (size_t)data.len);
    PyBuffer_Release(&data);
    return PyLong_FromUnsignedLongLong(head);
}

static PyMethodDef methods[] = {
    {"sign", sign, METH_VARARGS,
     "sign(tokens, shingle, hash, a, b, out) -> distinct shingle count; the signature is "
     "written to out"},
    {"sign_text", sign_text, METH_VARARGS,
     "sign_text(folded, shingle, hash, a, b, out) -> (exact key, distinct shingle count): "
     "sign() of the words of a casefolded text, and the SHA-1 hex of the words joined by "
     "spaces (None for a text without words)"},
    {"sha1_impl", sha1_impl, METH_VARARGS,
     "sha1_impl([name]) -> the SHA-1 code in use, 'sha-ni' or 'portable'; a name chooses it"},
    {"sha1_head", sha1_py, METH_VARARGS,
     "sha1_head(data) -> the first 8 bytes of SHA-1(data), little-endian (for tests)"},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_minhash",
                                    "Compiled MinHash signatures (see sign).", -1, methods};

PyMODINIT_FUNC PyInit__minhash(void) {
    crc_init();
    for (Py_UCS4 c = 0; c < 256; c++) alnum_latin1[c] = (uint8_t)Py_UNICODE_ISALNUM(c);
#ifdef HAVE_X86
    if (have_shani()) sha1_blocks = sha1_blocks_shani;
#endif
    return PyModule_Create(&module);
}
