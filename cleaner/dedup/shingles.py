"""Text normalisation for dedup: what two copies of one article have in common.

Case, punctuation and white space are folded; words are kept. The cleaned text is
used, so page furniture does not make two short articles of one outlet look alike.
"""

from __future__ import annotations

import hashlib
import re

_WORD = re.compile(r"[^\W_]+")
"""A run of characters for which ``str.isalnum()`` is true (``re``'s word characters
but the underscore): letters and numbers. ``_minhash.sign_text`` reads the same."""


def words(text: str) -> list[str]:
    """Casefolded words and numbers, punctuation dropped."""
    return _WORD.findall(text.casefold())


def exact_key(tokens: list[str]) -> str | None:
    """Hash of the normalised text (its ``words``); None for a text with no words."""
    if not tokens:
        return None
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()


def shingles(tokens: list[str], size: int) -> set[bytes]:
    """Word ``size``-grams as UTF-8 bytes; a text shorter than ``size`` is one shingle."""
    if len(tokens) <= size:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    return {" ".join(tokens[i:i + size]).encode("utf-8") for i in range(len(tokens) - size + 1)}
