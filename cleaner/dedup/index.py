"""Find exact, near and contained duplicates among cleaned articles.

Each article is hashed (exact key) and signed (datasketch MinHash of word shingles).
Candidates come from LSH banding with datasketch's band layout for the configured
threshold (the bands ``MinHashLSH`` would use), done on numpy arrays so an index of
millions of articles holds only the signatures and a few numbers per article. Every
candidate is verified on the signatures before it becomes a match, so LSH's false
positives never link articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ._minhash import sign, sign_text
from ._verify import seen as new_seen
from ._verify import verify as verify_pairs
from .config import DedupConfig
from .dates import parse_published
from .shingles import exact_key, shingles, words


class _Numpy:
    """numpy, imported where it is first used (``cleaner clean`` never uses it, and
    importing it took about 50 ms of the command's 0.4 s start)."""

    def __getattr__(self, name: str) -> Any:
        import numpy

        globals()["np"] = numpy
        return getattr(numpy, name)


if TYPE_CHECKING:
    import numpy as np
else:
    np = _Numpy()

MAX_BUCKET = 64
"""A band bucket with more members than this pairs each member only with the
``MAX_BUCKET`` before it (in input order), so a template refilled thousands of times
cannot make the candidate count quadratic."""
_CHUNK = 65536
"""Signatures per stored chunk."""
_MERGE_AT = 4_000_000
"""Pending candidate codes (8 bytes each) before they are merged and deduplicated."""


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What dedup keeps of one article."""

    index: int
    id: str
    source: str | None
    published: datetime | None
    length: int  # characters of cleaned text
    size: int  # distinct shingles


@dataclass(frozen=True, slots=True)
class Match:
    """A verified relation between two articles, by input position and id.

    ``exact`` and ``near``: ``a`` came first in the input. ``contained``: ``a`` is the
    shorter article, ``containment`` of whose shingles are estimated to be in ``b``.
    """

    a: int
    b: int
    a_id: str
    b_id: str
    kind: str
    similarity: float
    containment: float | None = None


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, elementwise on uint64."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return h ^ (h >> np.uint64(31))


def band_key(signatures: np.ndarray, band: int, rows: int) -> np.ndarray:
    """One uint64 per article for one band: the band's values packed exactly when they
    fit (two 32-bit values), else hashed; equal bands give equal keys."""
    part = signatures[:, band * rows:(band + 1) * rows]
    with np.errstate(over="ignore"):
        if rows == 1:
            return part[:, 0].astype(np.uint64)
        if rows == 2 and signatures.dtype == np.uint32:
            return (part[:, 0].astype(np.uint64) << np.uint64(32)) | part[:, 1]
        h = np.full(part.shape[0], np.uint64(band + 1))
        for r in range(rows):
            h = _mix(h ^ part[:, r].astype(np.uint64))
        return h


def band_keys(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """``band_key`` of every band, one column each."""
    out = np.empty((signatures.shape[0], bands), dtype=np.uint64)
    for b in range(bands):
        out[:, b] = band_key(signatures, b, rows)
    return out


def candidate_pairs(keys: np.ndarray, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """Distinct (i, j), i < j, of rows sharing a band key, as an (n, 2) int64 array."""
    return pairs_by_band((keys[:, b] for b in range(keys.shape[1])), keys.shape[0],
                         max_bucket)


def bucket_members(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose key another row shares, ordered by key (stably: rows of one
    bucket stay in input order), and their keys."""
    order = np.argsort(key, kind="stable").astype(np.int64)
    sorted_keys = key[order]
    shared = sorted_keys[1:] == sorted_keys[:-1]
    member = np.zeros(len(key), dtype=bool)
    member[1:] = shared
    member[:-1] |= shared
    return order[member], sorted_keys[member]


def bucket_pairs(sorted_keys: np.ndarray, max_bucket: int = MAX_BUCKET
                 ) -> Iterator[tuple[np.ndarray, int]]:
    """Pairs of positions in ``sorted_keys`` with the same key, as (positions p, k): p
    with p + k, for k from 1 to ``max_bucket`` (each member of a bucket with the
    ``max_bucket`` before it). Each pair comes once."""
    for k in range(1, max_bucket + 1):
        same = np.flatnonzero(sorted_keys[k:] == sorted_keys[:-k])
        if not len(same):
            return
        yield same, k


def band_codes(key: np.ndarray, n: int, max_bucket: int = MAX_BUCKET) -> np.ndarray:
    """Distinct codes ``i * n + j`` (i < j), sorted, of the n rows sharing a key in one
    band. A bucket pairs each member only with the ``max_bucket`` before it."""
    order, sorted_keys = bucket_members(key)
    found = [order[p] * n + order[p + k] for p, k in bucket_pairs(sorted_keys, max_bucket)]
    return np.sort(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)


def pairs_by_band(bands: Iterable[np.ndarray], n: int, max_bucket: int = MAX_BUCKET
                  ) -> np.ndarray:
    """Distinct (i, j), i < j, of the n rows sharing a key in any band (one key array
    per band, made as needed), as an (n, 2) int64 array.

    Pairs are kept as one int64 code each and merged whenever many have piled up, so
    pairs found again in other bands do not hold memory."""
    found: list[np.ndarray] = []
    pending = 0
    for key in bands:
        found.append(band_codes(key, n, max_bucket))
        pending += len(found[-1])
        if pending > _MERGE_AT:
            found = [np.unique(np.concatenate(found))]
            pending = len(found[0])
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(np.concatenate(found))
    return np.stack((codes // n, codes % n), axis=1)

Prepared = tuple[str | None, int, "np.ndarray | None"]
"""What dedup needs of one text: exact key, distinct-shingle count, signature."""

PREPARED = "\x00cleaner_dedup_prepared"
"""Record key under which a worker process hands a Prepared to dedup (never written)."""


class Index:
    """Collects articles, then finds their matches. Exact matches are known as each
    article is added; near and contained matches once all are in (``matches()``)."""

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        lsh = config.lsh()
        self.bands, self.rows = lsh.b, lsh.r
        self.infos: list[DocInfo] = []
        template = config.minhash()
        a, b = template.permutations  # in the signature's dtype
        self._a, self._b = a.tobytes(), b.tobytes()  # bytes: the cheapest buffers to pass
        self._dtype, self._shingle = a.dtype, config.shingle
        self._mode = None if config.scheme == "legacy" else (
            2 if config.hash == "words32" else 1 if config.scheme == "affine64" else 0)
        self._exact: dict[str, int] = {}
        self._rows: list[int] = []  # article index of each stored signature
        self._chunks: list[np.ndarray] = []
        self._low: list[np.ndarray] = []  # the low byte of each signature value, per chunk
        self._pending: list[np.ndarray] = []

    def prepare(self, text: str) -> Prepared:
        """Exact key, distinct-shingle count and signature of a text; the same in any
        process. The signature is datasketch's ``MinHash.update_batch`` over the text's
        shingles with this configuration's hash and permutations (tests check it); for
        the affine schemes the words, shingles, key and signature are made in one
        compiled call (``_minhash.sign_text``)."""
        if self._mode is None:  # legacy scheme: datasketch signs
            tokens = words(text)
            key = exact_key(tokens)
            size, signature = self.signature(tokens)
        else:
            signature = np.empty(self.config.num_perm, dtype=self._dtype)
            key, size = sign_text(text.casefold(), self._shingle, self._mode, self._a, self._b,
                                  signature)
        return (key, size, signature) if key is not None else (None, 0, None)

    def signature(self, tokens: list[str]) -> tuple[int, np.ndarray]:
        """Distinct-shingle count and signature of a text's ``words``."""
        if self._mode is None:  # legacy scheme: let datasketch do it
            grams = shingles(tokens, self.config.shingle)
            m = self.config.minhash()
            m.update_batch(list(grams))
            return len(grams), m.hashvalues
        signature = np.empty(self.config.num_perm, dtype=self._dtype)
        return sign(tokens, self._shingle, self._mode, self._a, self._b, signature), signature

    def add(self, doc_id: str, text: str, source: str | None = None,
            published: object = None, prepared: Prepared | None = None) -> list[Match]:
        """Add one article; return its exact match with an earlier article, if any.
        ``prepared`` (from ``prepare`` in a worker process) saves computing it here."""
        index = len(self.infos)
        when = parse_published(published)
        key, size, sig = prepared if prepared is not None else self.prepare(text)
        first = self._exact.get(key) if key is not None else None
        if key is None or first is not None:
            self.infos.append(DocInfo(index, doc_id, source, when, len(text), size))
            if first is None:
                return []
            return [Match(first, index, self.infos[first].id, doc_id, "exact", 1.0)]
        self.infos.append(DocInfo(index, doc_id, source, when, len(text), size))
        self._exact[key] = index
        self._rows.append(index)
        self._pending.append(sig)
        if len(self._pending) >= _CHUNK:
            self._flush()
        return []

    def _flush(self) -> None:
        if self._pending:
            self._chunks.append(np.stack(self._pending))
            self._low.append((self._chunks[-1] & 0xFF).astype(np.uint8))
            self._pending = []

    def signatures(self) -> np.ndarray:
        """The signatures of every distinct article, one row each, in input order."""
        self._flush()
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
            self._low = [np.concatenate(self._low)]
        if not self._chunks:
            return np.empty((0, self.config.num_perm), dtype=np.uint32)
        return self._chunks[0]

    def matches(self) -> list[Match]:
        """Verified near and contained matches among the distinct articles.

        Candidates are verified band by band, so only one band's pairs are held at a
        time, in compiled code (``_verify.verify``: the low bytes of the two signatures
        first, an upper bound of their similarity, then the whole signatures); a pair
        already matched in an earlier band is not matched again."""
        self._flush()
        total = len(self._rows)
        if total < 2:
            return []
        size_of = [float(self.infos[i].size) for i in self._rows]
        sizes = np.asarray(size_of, dtype=np.float64)
        if len(self._low) > 1:  # one array: read by row
            self._low = [np.concatenate(self._low)]
        low, config = self._low[0], self.config
        seen = new_seen()
        out: list[Match] = []
        for b in range(self.bands):
            key = np.concatenate([band_key(c, b, self.rows) for c in self._chunks])
            order, sorted_keys = bucket_members(key)
            for p, k in bucket_pairs(sorted_keys):
                found = verify_pairs(seen, order[p], order[p + k], low, self._chunks, _CHUNK, sizes,
                                     total, config.threshold, config.candidate_threshold,
                                     config.containment, float(config.min_shingles))
                i, j = (np.frombuffer(x, dtype=np.int64) for x in found[:2])
                sim = np.frombuffer(found[2], dtype=np.float64)
                for ii, jj, s in zip(i.tolist(), j.tolist(), sim.tolist(), strict=True):
                    m = self._verify(self._rows[ii], self._rows[jj], s, size_of[ii],
                                     size_of[jj])
                    if m is not None:
                        out.append(m)
        out.sort(key=lambda m: (min(m.a, m.b), max(m.a, m.b)))
        return out

    def _verify(self, earlier: int, later: int, similarity: float, na: float, nb: float
                ) -> Match | None:
        found = verify(self.config, earlier, later, similarity, na, nb)
        if found is None:
            return None
        a, b, kind, sim, containment = found
        return Match(a, b, self.infos[a].id, self.infos[b].id, kind, sim, containment)


def verify(config: DedupConfig, earlier: int, later: int, similarity: float, na: float,
           nb: float) -> tuple[int, int, str, float, float | None] | None:
    """A candidate pair of distinct articles (``na``, ``nb`` shingles) checked on its
    signature similarity: (a, b, kind, similarity, containment) as a Match has them, or
    None when it is neither near nor contained."""
    if similarity >= config.threshold:
        return earlier, later, "near", round(similarity, 4), None
    # Below the candidate threshold too few signature positions agree for the
    # containment estimate to mean anything (it is noise at large size ratios).
    if min(na, nb) < config.min_shingles or similarity < config.candidate_threshold:
        return None
    shared = similarity * (na + nb) / (1.0 + similarity)
    containment = min(1.0, shared / min(na, nb))
    if containment < config.containment:
        return None
    small, big = (earlier, later) if na <= nb else (later, earlier)
    return small, big, "contained", round(similarity, 4), round(containment, 4)


def find_duplicates(records: Iterable[dict], config: DedupConfig | None = None,
                    text_field: str = "text", id_field: str = "id") -> Iterator[Match]:
    """Every exact, near and contained match among ``records`` (dicts with cleaned
    text): exact ones as they are found, then the others in order of position."""
    index = Index(config or DedupConfig())
    for n, record in enumerate(records):
        doc_id = record.get(id_field)
        text = record.get(text_field)
        yield from index.add(str(doc_id) if doc_id is not None else f"#{n}",
                             text if isinstance(text, str) else "", record.get("source"),
                             record.get("published"))
    yield from index.matches()
