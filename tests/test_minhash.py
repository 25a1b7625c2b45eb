"""The compiled signatures (cleaner.dedup._minhash) against datasketch itself."""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from itertools import islice

import numpy as np
import pytest

from cleaner.dedup import DedupConfig, Index
from cleaner.dedup import _minhash as compiled
from cleaner.dedup.shingles import exact_key, shingles, words

from .conftest import CORPUS, FIXTURES

CONFIGS = [
    DedupConfig(),
    DedupConfig(scheme="affine64"),
    DedupConfig(hash="words32"),
    DedupConfig(scheme="legacy", num_perm=64),
    DedupConfig(num_perm=100, shingle=1),  # permutations not a multiple of the block
    DedupConfig(num_perm=16, shingle=9, hash="words32"),
]


def real_texts() -> list[str]:
    """The seed articles and, where the corpus is beside the checkout, 200 of its
    articles of each of its files."""
    texts = [p.read_text(encoding="utf-8")
             for p in sorted((FIXTURES / "seeds" / "input").glob("*.txt"))]
    for path in sorted((CORPUS / "id-news").glob("*.jsonl")):
        with path.open(encoding="utf-8") as lines:
            texts += [json.loads(line)["text"] for line in islice(lines, 200)]
    return texts


def datasketch_signature(config: DedupConfig, text: str) -> tuple[np.ndarray, int]:
    grams = shingles(words(text), config.shingle)
    reference = config.minhash()  # datasketch's MinHash with the config's hash function
    reference.update_batch(list(grams))
    return reference.hashvalues, len(grams)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.scheme}-{c.hash}-{c.num_perm}")
def test_signatures_equal_datasketch_on_real_text(config):
    index = Index(config)
    odd = "ǅemal STRASSE straße İstanbul ²³ ① 〇 零 snake_case 😀 emoji😀x 3,14 Ⅻ"
    texts = real_texts() + ["dua kata", "Satu-satunya kata.", "ulang " * 30, odd * 3]
    for text in texts:
        key, size, signature = index.prepare(text)
        assert key == exact_key(words(text))  # the compiled tokeniser reads words()'s words
        expected, expected_size = datasketch_signature(config, text)
        assert signature.dtype == expected.dtype
        assert np.array_equal(signature, expected), text[:60]
        assert size == expected_size


def test_text_without_words_has_no_signature():
    assert Index(DedupConfig()).prepare(" ,. -- ") == (None, 0, None)


def _use_code(switch, name: str, optional: str):
    """Switch a compiled part to the code ``name`` for a test (``optional`` only where the
    CPU has what it needs: elsewhere the test checks nothing more), the machine's choice
    restored after."""
    previous = switch()
    try:
        switch(name)
    except ValueError:
        assert name == optional
        yield None
        return
    yield name
    switch(previous)


@pytest.fixture(params=["portable", "sha-ni"])
def sha1_code(request):
    """Each SHA-1 code in turn."""
    yield from _use_code(compiled.sha1_impl, request.param, "sha-ni")


def test_sha1_matches_hashlib_across_block_boundaries(sha1_code):
    rnd = random.Random(5)
    for n in list(range(0, 140)) + [1000, 4096]:
        data = bytes(rnd.randrange(256) for _ in range(n))
        head = int.from_bytes(hashlib.sha1(data).digest()[:8], "little")
        assert compiled.sha1_head(data) == head, (sha1_code, n)


@pytest.fixture(params=["table", "clmul"])
def crc_code(request):
    """Each code for the words' CRC-32 in turn."""
    yield from _use_code(compiled.crc_impl, request.param, "clmul")


def test_word_crcs_match_zlib_at_every_length(crc_code):
    """Words of 0 to 40 bytes, ASCII (read in place, with the bytes before them) and
    not (read from their UTF-8), and bytes that are not letters."""
    rnd = random.Random(4)
    for alphabet in ("abcdefghijklmnopqrstuvwxyz0123456789", "aé漢ß😀", "\x00\x7f ~\x01"):
        tokens = ["".join(rnd.choice(alphabet) for _ in range(n))
                  for n in list(range(41)) * 20]
        expected = [zlib.crc32(t.encode("utf-8")) for t in tokens]
        assert compiled.word_crcs(tokens) == expected, crc_code


def test_long_and_non_ascii_words_sign_like_datasketch(sha1_code, crc_code):
    rnd = random.Random(8)
    letters = "aeiouklmnstéñ漢字ß"
    for config in CONFIGS[:3]:
        index = Index(config)
        for _ in range(50):
            text = " ".join("".join(rnd.choice(letters) for _ in range(rnd.randint(1, 70)))
                            for _ in range(rnd.randint(1, 30)))
            key, size, signature = index.prepare(text)
            expected, expected_size = datasketch_signature(config, text)
            assert np.array_equal(signature, expected) and size == expected_size


def test_bad_arguments_are_refused_with_a_reason():
    a, b = DedupConfig().minhash().permutations
    out = np.empty_like(a)
    with pytest.raises(TypeError, match="token 1 is not a str"):
        compiled.sign(["satu", 2], 4, 0, a, b, out)
    with pytest.raises(ValueError, match="equal arrays"):
        compiled.sign(["satu"], 4, 0, a, b, out[:-1])
    with pytest.raises(ValueError, match="hash must be"):
        compiled.sign(["satu"], 4, 7, a, b, out)
    with pytest.raises(UnicodeEncodeError):
        compiled.sign(["satu", "\ud800"], 4, 2, a, b, out)
