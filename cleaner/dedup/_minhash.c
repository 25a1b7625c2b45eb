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
 *
 * Where the time goes for words32 (400-word documents): reading the word objects (memory
 * bound), their CRC-32s (carry-less multiplication where the CPU has it, else tables;
 * either way no branch on a word's length), counting distinct shingles, permuting.
 * Work arrays are kept between calls.
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

static uint32_t crc_pre[16]; /* crc_pre[m]: the state that m zero bytes turn into ~0 */

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

/* zlib's crc32 of p[0:n] (n > 0), eight bytes a step: a length that is not a multiple
 * of eight starts with a chunk padded by leading zero bytes, from the state those zeros
 * turn into the usual initial state (no per-byte loop, whose exit mispredicts on
 * words). */
static inline uint32_t crc32_chunks(const uint8_t *p, size_t n) {
    size_t head = ((n - 1) & 7) + 1; /* 1 .. 8 */
    uint64_t v = head == 8 ? load64(p) : load_short(p, head) << (8 * (8 - head));
    uint32_t c = crc8(crc_pre[8 - head], v);
    for (p += head, n -= head; n; n -= 8, p += 8) c = crc8(c, load64(p));
    return c ^ 0xFFFFFFFFu;
}

/* The same for a word of 1 to 16 bytes whose 16 - n bytes before p are readable, with
 * no branch on its length (word lengths vary at random, and a mispredicted branch costs
 * more than the CRC): the 16 bytes ending at p[n] are read, those before p masked to
 * zeros, from the state that as many zeros turn into the initial state. */
static inline uint32_t crc32_word16(const uint8_t *p, size_t n) {
    uint64_t lo = load64(p + n - 16), hi = load64(p + n - 8);
    size_t lo_keep = n > 8 ? n - 8 : 0, hi_keep = n < 8 ? n : 8; /* word bytes in each */
    uint64_t lo_mask = lo_keep ? ~0ull << (8 * (8 - lo_keep)) : 0;
    uint64_t hi_mask = ~0ull << (8 * (8 - hi_keep));
    uint32_t c = crc8(crc_pre[16 - n], lo & lo_mask);
    return crc8(c, hi & hi_mask) ^ 0xFFFFFFFFu;
}

#ifdef HAVE_X86
static const uint8_t ones_after_zeros[32] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255};

/* crc32_word16 by carry-less multiplication, about twice as fast. With Z the step of
 * four zero bytes and w0 .. w3 the block's 32-bit words (w0 holding the state), the
 * CRC is Z^4(w0) ^ Z^3(w1) ^ Z^2(w2) ^ Z(w3); Z^j(s) is the Barrett reduction of s
 * times Z^(j-1)(1), and the reduction is linear, so the three products and w3 are
 * summed and reduced once. The constants are checked against zlib by the tests. */
__attribute__((target("pclmul,sse4.1")))
static inline uint32_t crc32_word16_clmul(const uint8_t *p, size_t n) {
    __m128i v = _mm_and_si128(_mm_loadu_si128((const __m128i *)(p + n - 16)),
                              _mm_loadu_si128((const __m128i *)(ones_after_zeros + n)));
    v = _mm_xor_si128(v, _mm_cvtsi32_si128((int)crc_pre[16 - n]));
    __m128i v01 = _mm_cvtepu32_epi64(v), v23 = _mm_cvtepu32_epi64(_mm_srli_si128(v, 8));
    const __m128i z43 = _mm_set_epi64x(0xCCAA009Ell, 0x9BA54C6Fll), /* Z^2(1), Z^3(1) */
        z2 = _mm_set_epi64x(0, 0xB8BC6765ll),                       /* Z(1) */
        low32 = _mm_set_epi64x(0, 0xFFFFFFFFll),
        barrett = _mm_set_epi64x(0x1F7011641ll, 0x1DB710641ll); /* mu, and P reflected */
    __m128i sum = _mm_xor_si128(_mm_clmulepi64_si128(v01, z43, 0x00),
                                _mm_clmulepi64_si128(v01, z43, 0x11));
    sum = _mm_xor_si128(sum, _mm_xor_si128(_mm_clmulepi64_si128(v23, z2, 0x00),
                                           _mm_srli_si128(v23, 8)));
    __m128i t = _mm_clmulepi64_si128(_mm_and_si128(sum, low32), barrett, 0x10);
    t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), barrett, 0x00);
    return ~(uint32_t)_mm_extract_epi32(_mm_xor_si128(sum, t), 1);
}
#endif

/* The CRC-32 of each word p[i][0:len[i]], into crc[i]; a word of length 0 is skipped
 * (its CRC is already there). Words of up to 16 bytes must have 16 readable bytes
 * before their end. */
#define CRC_WORDS(NAME, WORD16, ...)                                                      \
    __VA_ARGS__ static void NAME(const uint8_t *const *p, const size_t *len, size_t n,   \
                                 uint32_t *crc) {                                         \
        for (size_t i = 0; i < n; i++)                                                    \
            if (len[i]) crc[i] = len[i] <= 16 ? WORD16(p[i], len[i]) : crc32_chunks(p[i], len[i]); \
    }

CRC_WORDS(crc_words_table, crc32_word16)
#ifdef HAVE_X86
CRC_WORDS(crc_words_clmul, crc32_word16_clmul, __attribute__((target("pclmul,sse4.1"))))
#endif

static void (*crc_words)(const uint8_t *const *, const size_t *, size_t, uint32_t *) =
    crc_words_table;

static int have_clmul(void) {
#ifdef HAVE_X86
    unsigned eax, ebx, ecx, edx;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 1)) && (ecx & (1u << 19));
#else
    return 0;
#endif
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
    for (int m = 1; m < 16; m++) {
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

/* Distinct values among 64-bit keys (open addressing; 0 is the empty slot, counted
 * apart). The keys are well mixed already (SHA-1 bytes): their low bits pick the slot. */
static size_t count_distinct64(const uint64_t *keys, size_t n, uint64_t *slots, size_t cap) {
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

/* Distinct values among 32-bit keys (well mixed: fmix32 of a words32 hash; their low
 * bits pick the slot). The table is kept from call to call and only its bitmap of used
 * slots is cleared; it is at most an eighth full, so a key's first slot is almost
 * always free, the branch that asks is predicted right, and the keys are read back
 * only when a slot is taken. */
static struct { uint32_t *key; uint64_t *used; size_t cap; } seen;

static Py_ssize_t count_distinct32(const uint32_t *keys, size_t n) {
    size_t cap = 4096;
    while (cap < 8 * n) cap <<= 1;
    if (cap > seen.cap) {
        uint32_t *key = PyMem_Realloc(seen.key, cap * sizeof *key);
        if (key) seen.key = key;
        uint64_t *used = key ? PyMem_Realloc(seen.used, cap / 8) : NULL;
        if (!used) { PyErr_NoMemory(); return -1; }
        seen.used = used;
        seen.cap = cap;
    }
    uint32_t *key = seen.key;
    uint64_t *used = seen.used;
    memset(used, 0, cap / 8);
    size_t mask = cap - 1, distinct = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t k = keys[i];
        for (size_t s = k & mask;; s = (s + 1) & mask) {
            uint64_t bit = 1ull << (s & 63);
            if (!(used[s >> 6] & bit)) { used[s >> 6] |= bit; key[s] = k; distinct++; break; }
            if (key[s] == k) break;
        }
    }
    return (Py_ssize_t)distinct;
}

/* ---- scratch ---------------------------------------------------------------------- */

/* Work arrays kept from one call to the next (every call holds the GIL, so one set
 * serves all): a document's shingle keys, hashes and distinct-count slots, and its
 * words' CRCs. Grown when a document needs more; never shrunk. */
enum { SCRATCH_KEYS, SCRATCH_HASHES, SCRATCH_SLOTS, SCRATCH_CRC, SCRATCH_WORD, SCRATCH_LEN,
       SCRATCH_N };
static struct { void *p; size_t cap; } scratch[SCRATCH_N];

static void *scratch_get(int which, size_t bytes) {
    if (bytes > scratch[which].cap) {
        size_t cap = bytes < 4096 ? 4096 : 2 * bytes;
        void *grown = PyMem_Realloc(scratch[which].p, cap);
        if (!grown) { PyErr_NoMemory(); return NULL; }
        scratch[which].p = grown;
        scratch[which].cap = cap;
    }
    return scratch[which].p;
}

/* ---- words ------------------------------------------------------------------------ */

/* A document's words, UTF-8, each followed by one space; word i is
 * text[start[i] : start[i + 1] - 1]. */
typedef struct {
    uint8_t *text;
    size_t *start;
    size_t ntok, size, cap, tok_cap;
    uint32_t *crc; /* words32 from a list: each word's CRC-32 (in scratch), and no text */
} Words;

static void words_free(Words *w) { PyMem_Free(w->text); PyMem_Free(w->start); }

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

enum { AHEAD = 16 }; /* words fetched ahead: about a memory latency's worth */

/* From a list of str (the words themselves); for words32 (crc_only) only each word's
 * CRC-32 is kept. */
static int words_from_list(PyObject *tokens, Words *w, int crc_only) {
    size_t n = (size_t)PyList_GET_SIZE(tokens);
    const uint8_t **word = NULL;
    size_t *word_len = NULL;
    if (crc_only) {
        if (!(w->crc = scratch_get(SCRATCH_CRC, sizeof(uint32_t) * (n + 1))) ||
            !(word = scratch_get(SCRATCH_WORD, sizeof *word * (n + 1))) ||
            !(word_len = scratch_get(SCRATCH_LEN, sizeof *word_len * (n + 1))))
            return -1;
    } else {
        if (!(w->start = PyMem_Malloc(sizeof(size_t) * (n + 2)))) { PyErr_NoMemory(); return -1; }
        w->tok_cap = n + 2;
        if (words_reserve(w, 8 * n + 64) < 0) return -1;
    }
    PyObject **items = ((PyListObject *)tokens)->ob_item;
    for (size_t i = 0; i < n; i++) {
        PyObject *t = items[i];
        if (i + AHEAD < n) { /* the words are scattered objects: fetch ahead */
            __builtin_prefetch(items[i + AHEAD]);
            __builtin_prefetch((const char *)items[i + AHEAD] + 64);
        }
        if (!PyUnicode_Check(t)) {
            PyErr_Format(PyExc_TypeError, "sign: token %zu is not a str", i);
            return -1;
        }
        Py_ssize_t len;
        const char *u;
        int inside = PyUnicode_IS_COMPACT_ASCII(t);
        if (inside) { /* its characters are its UTF-8, after its header in the object */
            len = PyUnicode_GET_LENGTH(t);
            u = (const char *)PyUnicode_DATA(t);
        } else if (!(u = PyUnicode_AsUTF8AndSize(t, &len))) {
            return -1;
        }
        if (crc_only) {
            /* gathered for crc_words, which may read the 16 bytes before a word of up
             * to 16: a compact ASCII str's header; other words are done here (the
             * CRC-32 of no bytes is 0) */
            const uint8_t *p = (const uint8_t *)u;
            int later = inside || len > 16;
            word[w->ntok] = p;
            word_len[w->ntok] = later ? (size_t)len : 0;
            w->crc[w->ntok++] = later || !len ? 0 : crc32_chunks(p, (size_t)len);
            continue;
        }
        if (w->size + (size_t)len + 1 > w->cap && words_reserve(w, (size_t)len + 1) < 0)
            return -1;
        w->start[w->ntok++] = w->size;
        memcpy(w->text + w->size, u, (size_t)len);
        w->size += (size_t)len;
        w->text[w->size++] = ' ';
    }
    if (crc_only) crc_words(word, word_len, w->ntok, w->crc);
    else if (w->ntok) w->start[w->ntok] = w->size;
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

_Static_assert(sizeof(PyASCIIObject) >= 16, "crc32_word16 reads 16 bytes before the data");

static uint8_t alnum_latin1[256]; /* str.isalnum() of U+0000 .. U+00FF */

enum { PAD = 16 };

/* From a text: its runs of characters for which str.isalnum() is true (the words of
 * cleaner.dedup.shingles.words, given the casefolded text). */
static int words_from_text(PyObject *str, Words *w) {
    int kind = PyUnicode_KIND(str);
    const void *data = PyUnicode_DATA(str);
    Py_ssize_t n = PyUnicode_GET_LENGTH(str);
    /* UTF-8 never needs more; the words follow PAD zero bytes (for crc32_word16) */
    if (words_reserve(w, PAD + 4 * (size_t)n + 1) < 0) return -1;
    memset(w->text, 0, PAD);
    w->size = PAD;
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

/* ---- signature ---------------------------------------------------------------------- */

/* The signature of a document's words into out; the distinct shingle count, or -1.
 * Each window of k words is hashed: sha1 (mode 0, 1) the SHA-1 of the words joined by
 * single spaces, counted distinct by its first 8 bytes; words32 (mode 2) the CRC-32 of
 * each word, folded FNV-1a style, counted distinct by its pre-mixed value (fmix32 is a
 * bijection: distinct as the hash is). */
static Py_ssize_t sign_words(const Words *w, Py_ssize_t shingle, int mode, Py_buffer *a,
                             Py_buffer *b, Py_buffer *out) {
    size_t width = mode == 1 ? 8 : 4;
    if (w->ntok == 0) {
        memset(out->buf, 0xFF, (size_t)out->len);
        return 0;
    }
    size_t k = (size_t)shingle < w->ntok ? (size_t)shingle : w->ntok;
    size_t n = w->ntok - k + 1, distinct;
    void *hv = scratch_get(SCRATCH_HASHES, width * n);
    if (!hv) return -1;
    if (mode == 2) {
        const uint32_t *wh = w->crc;
        if (!wh) { /* from a text: the words are in w->text */
            uint32_t *crc = scratch_get(SCRATCH_CRC, sizeof(uint32_t) * w->ntok);
            const uint8_t **word = scratch_get(SCRATCH_WORD, sizeof *word * w->ntok);
            size_t *len = scratch_get(SCRATCH_LEN, sizeof *len * w->ntok);
            if (!crc || !word || !len) return -1;
            for (size_t i = 0; i < w->ntok; i++) { /* every word has PAD bytes before it */
                word[i] = w->text + w->start[i];
                len[i] = w->start[i + 1] - w->start[i] - 1;
            }
            crc_words(word, len, w->ntok, crc);
            wh = crc;
        }
        uint32_t *h32 = hv; /* word by word over all windows: each loop is vectorised */
        for (size_t i = 0; i < n; i++) h32[i] = 0x811C9DC5u;
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < n; i++) h32[i] = (h32[i] ^ wh[i + j]) * 0x01000193u;
        for (size_t i = 0; i < n; i++) h32[i] = fmix32(h32[i]);
        Py_ssize_t count = count_distinct32(h32, n);
        if (count < 0) return -1;
        distinct = (size_t)count;
    } else {
        size_t cap = 16;
        while (cap < 2 * n) cap <<= 1;
        uint64_t *keys = scratch_get(SCRATCH_KEYS, sizeof(uint64_t) * n),
                 *slots = scratch_get(SCRATCH_SLOTS, sizeof(uint64_t) * cap);
        if (!keys || !slots) return -1;
        for (size_t i = 0; i < n; i++) {
            uint64_t d = sha1_head(w->text + w->start[i], w->start[i + k] - w->start[i] - 1);
            keys[i] = d;
            if (mode == 1) ((uint64_t *)hv)[i] = fmix64(d);
            else ((uint32_t *)hv)[i] = fmix32((uint32_t)d);
        }
        distinct = count_distinct64(keys, n, slots, cap);
    }
    size_t perms = (size_t)a->len / width;
    if (width == 4) permute32(hv, n, a->buf, b->buf, out->buf, perms);
    else permute64(hv, n, a->buf, b->buf, out->buf, perms);
    return (Py_ssize_t)distinct;
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
            PyObject *key = distinct >= 0 ? sha1_hex(w.text + PAD, w.size - PAD - 1) : NULL;
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

static PyObject *crc_impl(PyObject *self, PyObject *args) {
    const char *name = NULL;
    if (!PyArg_ParseTuple(args, "|s", &name)) return NULL;
    if (name && strcmp(name, "table") == 0) {
        crc_words = crc_words_table;
    } else if (name && strcmp(name, "clmul") == 0 && have_clmul()) {
#ifdef HAVE_X86
        crc_words = crc_words_clmul;
#endif
    } else if (name) {
        return PyErr_Format(PyExc_ValueError, "crc_impl: %s is not available here", name);
    }
    return PyUnicode_FromString(crc_words == crc_words_table ? "table" : "clmul");
}

static PyObject *word_crcs(PyObject *self, PyObject *args) {
    PyObject *tokens;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &tokens)) return NULL;
    Words w = {0};
    PyObject *result = NULL;
    if (words_from_list(tokens, &w, 1) == 0 && (result = PyList_New((Py_ssize_t)w.ntok))) {
        for (size_t i = 0; i < w.ntok; i++) {
            PyObject *crc = PyLong_FromUnsignedLong(w.crc[i]);
            if (!crc) { Py_CLEAR(result); break; }
            PyList_SET_ITEM(result, (Py_ssize_t)i, crc);
        }
    }
    words_free(&w);
    return result;
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
    {"crc_impl", crc_impl, METH_VARARGS,
     "crc_impl([name]) -> the code for the words' CRC-32 in use, 'clmul' or 'table'; a name "
     "chooses it"},
    {"word_crcs", word_crcs, METH_VARARGS,
     "word_crcs(tokens) -> each word's CRC-32 as words32 computes it (for tests)"},
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
    if (have_clmul()) crc_words = crc_words_clmul;
#endif
    return PyModule_Create(&module);
}
