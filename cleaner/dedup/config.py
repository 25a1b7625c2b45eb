"""One configuration builds both the MinHash signatures and the LSH index, so the two
can never disagree on num_perm, seed or permutation scheme."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # datasketch is imported where it is used: `cleaner clean` never needs it
    from datasketch import LeanMinHash, MinHash, MinHashLSH

SCHEMES = ("affine32", "affine64", "legacy")
HASHES = ("words32", "sha1")
FNV_BASIS = 0x811C9DC5
FNV_PRIME = 0x01000193


def word_shingle_hash(shingle: bytes) -> int:
    """32-bit hash of a shingle (words joined by single spaces): the CRC-32 of each
    word, folded FNV-1a style: the hash datasketch is given for ``hash="words32"``
    (``cleaner.dedup._minhash`` computes the same in C)."""
    h = FNV_BASIS
    for word in shingle.split(b" "):
        h = ((h ^ zlib.crc32(word)) * FNV_PRIME) & 0xFFFFFFFF
    return h


@dataclass(frozen=True)
class DedupConfig:
    """Near-duplicate settings. Defaults were chosen by measurement (see README)."""

    num_perm: int = 256
    threshold: float = 0.35
    """Estimated Jaccard of word shingles at or above which two articles are duplicates."""
    shingle: int = 4
    """Words per shingle."""
    containment: float = 0.6
    """Share of the shorter article's shingles found in the longer one at or above which
    the shorter one is flagged ``contained_in`` the longer."""
    candidate_threshold: float = 0.1
    """The LSH index's threshold: low enough to propose contained copies, whose Jaccard
    is low; every candidate is verified against ``threshold`` or ``containment``. A
    pair below it is never called contained: with so few agreeing signature positions
    the containment estimate is noise. So containment is found for copies at least
    about a tenth (at 0.1) of the longer article's length."""
    min_shingles: int = 20
    """Articles with fewer shingles take part in exact dedup only (a headline-sized
    text is 'contained' in too many others to say anything)."""
    seed: int = 1
    scheme: str = "affine32"
    hash: str = None  # type: ignore[assignment]  # set in __post_init__
    """How a shingle is hashed before the permutations (default: ``words32``, and
    ``sha1`` for scheme affine64): ``words32`` combines the CRC-32
    of its words (each word is hashed once, not each shingle: 2-4x faster to sign than
    ``sha1``, with the same pair accuracy over eight seeds, see README); ``sha1`` is
    datasketch's default for the scheme (``sha1_hash32``, or ``sha1_hash64`` for
    affine64) of the shingle's bytes, and the only one for affine64. Either way
    ``minhash()`` gives a datasketch MinHash whose signatures equal cleaner's."""

    def __post_init__(self) -> None:
        if self.hash is None:
            object.__setattr__(self, "hash", "sha1" if self.scheme == "affine64" else "words32")
        if not 16 <= self.num_perm <= 1024:
            raise ValueError(f"num_perm must be between 16 and 1024, got {self.num_perm}")
        for name in ("threshold", "containment", "candidate_threshold"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ValueError(f"{name} must be in (0, 1], got {value}")
        if self.candidate_threshold > self.threshold:
            raise ValueError("candidate_threshold must not exceed threshold")
        if self.shingle < 1:
            raise ValueError(f"shingle must be at least 1, got {self.shingle}")
        if self.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}, got {self.scheme!r}")
        if self.hash not in HASHES:
            raise ValueError(f"hash must be one of {', '.join(HASHES)}, got {self.hash!r}")
        if self.hash == "words32" and self.scheme == "affine64":
            raise ValueError("the words32 hash gives 32-bit values: use scheme affine32, "
                             "or hash sha1 with affine64")

    def hashfunc(self) -> Callable[[bytes], int]:
        """The shingle hash datasketch should use for this configuration."""
        from datasketch.hashfunc import sha1_hash32, sha1_hash64

        if self.hash == "words32":
            return word_shingle_hash
        return sha1_hash64 if self.scheme == "affine64" else sha1_hash32

    def minhash(self) -> MinHash:
        """An empty MinHash with this configuration's hash function and permutations."""
        from datasketch import MinHash

        return MinHash(num_perm=self.num_perm, seed=self.seed, scheme=self.scheme,
                       hashfunc=self.hashfunc())

    def lean(self, hashvalues: Any) -> LeanMinHash:
        """A LeanMinHash over stored signature values, labelled with this scheme."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=hashvalues, scheme=self.scheme)

    def lsh(self) -> MinHashLSH:
        """The LSH index for candidates, with the same num_perm as the signatures."""
        from datasketch import MinHashLSH

        return MinHashLSH(threshold=self.candidate_threshold, num_perm=self.num_perm)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
