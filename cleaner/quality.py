"""Per-document text-quality signals and the flags their thresholds raise.

Signals are computed on the cleaned text (plus how much of the original was removed).
Flags are named in a language pack's ``[quality.flags]`` table, each a signal with a
``min`` and/or ``max``; a document outside the bounds gets the flag. Nothing is
dropped here: flags are annotations.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter
from typing import Any

import numpy as np
import regex

_WORD = regex.compile(r"\w+(?:[-'’]\w+)*")
_TERMINAL = regex.compile(r"[.!?…:;\"”’')\]]$")
_SYMBOL = regex.compile(r"#|\.\.\.|…")
_UPPER = regex.compile(r"\p{Lu}")
_DIGIT = regex.compile(r"\d")
_LETTER = regex.compile(r"\p{L}")
_WHITESPACE = tuple(c for c in map(chr, range(0x3000 + 1)) if regex.match(r"\s", c))
"""Every character ``\\s`` matches (none lies above U+3000)."""
_PARAGRAPH_BREAK = regex.compile(r"\n\s*\n")

SIGNALS = (
    "word_count", "char_count", "line_count", "mean_word_length", "alpha_word_fraction",
    "stopword_count", "stopword_ratio", "terminal_line_fraction",
    "duplicate_line_fraction", "duplicate_line_char_fraction",
    "duplicate_paragraph_fraction", "duplicate_paragraph_char_fraction",
    "top_2gram_char_fraction", "top_3gram_char_fraction", "top_4gram_char_fraction",
    "dup_5gram_char_fraction", "dup_6gram_char_fraction", "dup_7gram_char_fraction",
    "dup_8gram_char_fraction", "dup_9gram_char_fraction", "dup_10gram_char_fraction",
    "symbol_word_ratio", "digit_fraction", "uppercase_fraction", "boilerplate_fraction",
)


_NGRAM_SIGNALS = tuple(f"top_{n}gram_char_fraction" for n in (2, 3, 4)) + tuple(
    f"dup_{n}gram_char_fraction" for n in range(5, 11))


@dataclass(frozen=True)
class FlagRule:
    """A flag raised when any named signal is below its ``min`` or above its ``max``."""

    name: str
    min: tuple[tuple[str, float], ...] = ()
    max: tuple[tuple[str, float], ...] = ()
    reason: str = ""
    when_min: tuple[tuple[str, float], ...] = ()
    """The flag is considered only when these signals are at least these values (the
    Gopher repetition ratios mean nothing on a ten-word text)."""

    def raised(self, signals: Mapping[str, float]) -> bool:
        if any(signals[s] < v for s, v in self.when_min):
            return False
        return any(signals[s] < v for s, v in self.min) or \
            any(signals[s] > v for s, v in self.max)


@dataclass(frozen=True)
class QualitySettings:
    """A language's stopwords and flag rules."""

    stopwords: frozenset[str] = frozenset()
    flags: tuple[FlagRule, ...] = field(default=())


def _fraction(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def _duplicate_units(units: list[str]) -> tuple[float, float]:
    """Gopher: fraction of units that repeat an earlier one, and of their characters."""
    seen: set[str] = set()
    dup = dup_chars = 0
    for u in units:
        if u in seen:
            dup += 1
            dup_chars += len(u)
        seen.add(u)
    total_chars = sum(len(u) for u in units)
    return _fraction(dup, len(units)), _fraction(dup_chars, total_chars)


def _top_ngram(keys: list[int], prefix: list[int], n: int, total: int
               ) -> tuple[float, bool]:
    """Gopher (as datatrove computes it): characters of the most frequent word n-gram
    (its words joined by spaces), counting every occurrence, over the text's characters.
    Ties go to the n-gram seen first, as with datatrove's Counter. Also: whether any
    n-gram occurs twice."""
    counts = Counter(keys)
    # a Counter iterates in order of first occurrence, and max keeps the first maximum
    key, top = max(counts.items(), key=itemgetter(1))
    at = keys.index(key)
    length = prefix[at + n] - prefix[at] + n - 1
    return _fraction(length * top, total), top > 1


def _dup_ngram(keys: np.ndarray, prefix: list[int], n: int, total: int
               ) -> tuple[float, bool]:
    """Gopher (as datatrove computes it): characters of n-grams that repeat an earlier
    one, scanning left to right and skipping past each repeat, over the text's
    characters. Unlike datatrove, n-grams are compared word by word (datatrove joins
    the words without spaces, so 'di rumah' and 'dirumah' count as one n-gram). Also:
    whether any n-gram occurs twice.

    Only positions whose n-gram occurred anywhere before are visited one by one; the
    n-grams between them are new, and are added to the seen set in bulk."""
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    if len(first) == len(keys):
        return 0.0, False
    later = np.flatnonzero(first[inverse] < np.arange(len(keys))).tolist()
    values = keys.tolist()
    seen: set[int] = set()
    repeated = i = 0
    for c in later:
        if c < i:  # skipped past
            continue
        seen.update(values[i:c])
        if values[c] in seen:
            repeated += prefix[c + n] - prefix[c]
            i = c + n
        else:
            seen.add(values[c])
            i = c + 1
    return _fraction(repeated, total), True


def _ngram_signals(words: list[str], prefix: list[int], total: int) -> dict[str, float]:
    """The top-n-gram (2 to 4) and duplicate-n-gram (5 to 10) character fractions.

    n-grams are compared by a 64-bit key (a polynomial hash of the words' hashes;
    distinct n-grams collide with negligible probability). From 4 words up, where no
    n-gram repeats, none repeats for any larger n either: the rest are 0."""
    out = dict.fromkeys(_NGRAM_SIGNALS, 0.0)
    if len(words) < 2 or not total:
        return out
    hashes = np.fromiter(map(hash, words), dtype=np.int64, count=len(words)).view(np.uint64)
    keys = hashes
    with np.errstate(over="ignore"):
        for n in range(2, min(10, len(words)) + 1):
            keys = keys[:-1] * np.uint64(0x100000001B3) + hashes[n - 1:]
            if n <= 4:
                value, repeating = _top_ngram(keys.tolist(), prefix, n, total)
            else:
                value, repeating = _dup_ngram(keys, prefix, n, total)
            out[_NGRAM_SIGNALS[n - 2]] = value
            if not repeating and n >= 4:
                break
    return out


def compute_signals(text: str, removed_chars: int = 0, original_chars: int | None = None,
                    stopwords: frozenset[str] = frozenset()) -> dict[str, float]:
    """Every signal in ``SIGNALS`` for one cleaned text."""
    words = list(map(str.casefold, _WORD.findall(text)))
    n = len(words)
    prefix = list(accumulate(map(len, words), initial=0))
    word_chars = prefix[-1]
    counts = Counter(words)
    stop = sum(c for w, c in counts.items() if w in stopwords)
    no_letter = sum(c for w, c in counts.items() if not w.isalpha() and not _LETTER.search(w))
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    paragraphs = [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]
    letters = sum(map(str.isalpha, text))
    non_space = len(text) - sum(map(text.count, _WHITESPACE))
    dup_lines, dup_line_chars = _duplicate_units(lines)
    dup_paras, dup_para_chars = _duplicate_units(paragraphs)
    original = original_chars if original_chars is not None else len(text) + removed_chars
    out: dict[str, float] = {
        "word_count": n,
        "char_count": len(text),
        "line_count": len(lines),
        "mean_word_length": round(word_chars / n, 3) if n else 0.0,
        "alpha_word_fraction": _fraction(n - no_letter, n),
        "stopword_count": stop,
        "stopword_ratio": _fraction(stop, n),
        "terminal_line_fraction": _fraction(sum(1 for ln in lines if _TERMINAL.search(ln)),
                                            len(lines)),
        "duplicate_line_fraction": dup_lines,
        "duplicate_line_char_fraction": dup_line_chars,
        "duplicate_paragraph_fraction": dup_paras,
        "duplicate_paragraph_char_fraction": dup_para_chars,
        "symbol_word_ratio": _fraction(len(_SYMBOL.findall(text)), n),
        "digit_fraction": _fraction(len(_DIGIT.findall(text)), non_space),
        "uppercase_fraction": _fraction(len(_UPPER.findall(text)), letters),
        "boilerplate_fraction": _fraction(removed_chars, original),
    }
    out.update(_ngram_signals(words, prefix, len(text)))
    return {name: out[name] for name in SIGNALS}


_DEFINED_WHEN_EMPTY = {"word_count", "char_count", "line_count", "boilerplate_fraction"}


def flags_for(signals: Mapping[str, float], settings: QualitySettings) -> list[str]:
    """The names of the flags the signals raise, in the settings' order. An empty text
    raises only flags on signals that mean something for it (length, boilerplate)."""
    rules = settings.flags
    if not signals["word_count"]:
        rules = tuple(r for r in rules
                      if {s for s, _ in r.min + r.max + r.when_min} <= _DEFINED_WHEN_EMPTY)
    return [rule.name for rule in rules if rule.raised(signals)]


def parse_quality(raw: Any, where: str) -> tuple[str | None, list[FlagRule]]:
    """Validate a pack's ``[quality]`` table; return its stopword file and flag rules."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: [quality] must be a table")
    unknown = set(raw) - {"stopwords", "flags"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) in [quality]: {sorted(unknown)}")
    stopwords = raw.get("stopwords")
    if stopwords is not None and not isinstance(stopwords, str):
        raise ValueError(f"{where}: [quality] stopwords must be a file name")
    rules = []
    for name, spec in (raw.get("flags") or {}).items():
        if not isinstance(spec, dict):
            raise ValueError(f"{where}: flag {name!r} must be a table")
        extra = set(spec) - {"min", "max", "reason", "when_min"}
        if extra:
            raise ValueError(f"{where}: flag {name!r}: unknown key(s) {sorted(extra)}")
        bounds: dict[str, tuple[tuple[str, float], ...]] = {}
        for side in ("min", "max", "when_min"):
            table = spec.get(side, {})
            if not isinstance(table, dict):
                raise ValueError(f"{where}: flag {name!r}: {side!r} must be a table of "
                                 "signal = number")
            for signal, value in table.items():
                if signal not in SIGNALS:
                    raise ValueError(f"{where}: flag {name!r}: unknown signal {signal!r} "
                                     f"(known: {', '.join(SIGNALS)})")
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"{where}: flag {name!r}: {signal} must be a number")
            bounds[side] = tuple((s, float(v)) for s, v in table.items())
        if not bounds["min"] and not bounds["max"]:
            raise ValueError(f"{where}: flag {name!r} needs a 'min' or 'max' table")
        rules.append(FlagRule(name, bounds["min"], bounds["max"], str(spec.get("reason", "")),
                              bounds["when_min"]))
    return stopwords, rules
