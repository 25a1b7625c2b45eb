"""Per-document text-quality signals and the flags their thresholds raise.

Signals are computed on the cleaned text (plus how much of the original was removed).
Flags are named in a language pack's ``[quality.flags]`` table, each a signal with a
``min`` and/or ``max``; a document outside the bounds gets the flag. Nothing is
dropped here: flags are annotations.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import regex

from ._quality import counts as ngram_counts
from ._quality import measure, stop_table, units
from ._quality import signals as measured_signals
from .literals import BMP, SAME_FOLDED

_WORD = regex.compile(r"\w+(?:[-'’]\w+)*")
_NON_UPPER = regex.compile(r"\P{Lu}+")
_NON_DIGITS = regex.compile(r"\D+")
_NON_LETTERS = regex.compile(r"\P{L}+")
_LETTER = regex.compile(r"\p{L}")
_WHITESPACE = tuple(regex.findall(r"\s", BMP))
"""Every character ``\\s`` matches (none lies above U+FFFF)."""


def _class_table() -> bytes:
    """Flags of U+0000 .. U+FFFF for ``_quality.measure``, from the regex module's classes:
    1 letter, 2 upper case, 4 digit, 8 white space, 16 word character, 32 word joiner;
    and 64 where ``str.casefold`` leaves the character as it is."""
    ones = b"\x01" * 0x10000
    flags = 0  # byte i of this integer (little-endian) is the flags of U+i
    classes = (r"\p{L}+", r"\p{Lu}+", r"\d+", r"\s+", r"\w+", r"[-'’]+")
    for bit, pattern in enumerate(classes):
        members = bytearray(0x10000)
        for m in regex.finditer(pattern, BMP):
            members[m.start():m.end()] = ones[:m.end() - m.start()]
        flags |= int.from_bytes(members, "little") << bit  # a byte's 1 to its bit
    flags |= int.from_bytes(SAME_FOLDED, "little") << 6
    return flags.to_bytes(0x10000, "little")


_TABLE = _class_table()

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
        for s, v in self.when_min:
            if signals[s] < v:
                return False
        for s, v in self.min:
            if signals[s] < v:
                return True
        for s, v in self.max:
            if signals[s] > v:
                return True
        return False


@dataclass(frozen=True)
class QualitySettings:
    """A language's stopwords and flag rules."""

    stopwords: frozenset[str] = frozenset()
    flags: tuple[FlagRule, ...] = field(default=())


def quality_words(text: str) -> list[str]:
    """The words the signals count: runs of word characters, joined by inner hyphens and
    apostrophes, casefolded."""
    return list(map(str.casefold, _WORD.findall(text)))


class TextCounts(NamedTuple):
    """What the signals count in a text: its words (``quality_words``), those holding no
    letter, their characters, those that are stopwords, Gopher's n-gram counts of them
    (``_quality.counts``); its letters, upper-case letters, digits and non-space
    characters."""

    words: int
    letterless: int
    word_chars: int
    stopwords: int
    ngrams: tuple[int, ...]
    letters: int
    upper: int
    digits: int
    non_space: int


@functools.lru_cache(maxsize=8)
def _stop_table(stopwords: frozenset[str]) -> bytes:
    return stop_table(sorted(stopwords))


def text_counts(text: str, stopwords: frozenset[str] = frozenset()) -> TextCounts:
    """A text's ``TextCounts``: in one compiled pass (``_quality.measure``), or with the
    regex module for a text with characters above U+FFFF (the same counts)."""
    measured = measure(text, _TABLE, _stop_table(stopwords))
    if measured is None:
        words = quality_words(text)
        counts = Counter(words)
        return TextCounts(
            len(words), sum(c for w, c in counts.items() if not _LETTER.search(w)),
            sum(map(len, words)), sum(map(counts.__getitem__, stopwords.intersection(counts))),
            ngram_counts(words), len(_NON_LETTERS.sub("", text)),
            len(_NON_UPPER.sub("", text)), len(_NON_DIGITS.sub("", text)),
            len(text) - sum(map(text.count, _WHITESPACE)))
    letters, upper, digits, spaces, words, letterless, word_chars, stop, ngrams = measured
    return TextCounts(words, letterless, word_chars, stop, ngrams, letters, upper, digits,
                      len(text) - spaces)


def _fraction(part: float, whole: float) -> float:
    return round(part / whole, 4) if whole else 0.0


def compute_signals(text: str, removed_chars: int = 0, original_chars: int | None = None,
                    stopwords: frozenset[str] = frozenset()) -> dict[str, float]:
    """Every signal in ``SIGNALS`` for one cleaned text (in one compiled call,
    ``_quality.signals``, or ``signals_by_definition`` for a text with characters above
    U+FFFF: the same values).

    The n-gram signals are Gopher's top-n-gram (2 to 4) and duplicate-n-gram (5 to 10)
    character fractions, as datatrove computes them, from ``_quality.counts``; unlike
    datatrove, n-grams are compared word by word (datatrove joins the words without
    spaces, so 'di rumah' and 'dirumah' count as one n-gram). Duplicate lines and
    paragraphs are Gopher's: those that repeat an earlier one, and their characters."""
    original = original_chars if original_chars is not None else len(text) + removed_chars
    values = measured_signals(text, _TABLE, _stop_table(stopwords), removed_chars, original,
                              SIGNALS)
    return values if values is not None else \
        signals_by_definition(text, removed_chars, original, stopwords)


def signals_by_definition(text: str, removed_chars: int, original: int,
                          stopwords: frozenset[str]) -> dict[str, float]:
    """``compute_signals`` from ``text_counts`` and ``_quality.units``, in Python."""
    n, no_letter, word_chars, stop, ngrams, letters, upper, digits, non_space = \
        text_counts(text, stopwords)
    lines, dup_lines, line_chars, dup_line_chars, paragraphs, dup_paras, para_chars, \
        dup_para_chars, terminal, symbols = units(text, _TABLE)
    size = len(text)
    ngram_fractions = ([_fraction(c, size) for c in ngrams] if n >= 2
                       else [0.0] * len(ngrams))
    return dict(zip(SIGNALS, (
        n, size, lines,
        round(word_chars / n, 3) if n else 0.0,  # mean_word_length
        _fraction(n - no_letter, n), stop, _fraction(stop, n), _fraction(terminal, lines),
        _fraction(dup_lines, lines), _fraction(dup_line_chars, line_chars),
        _fraction(dup_paras, paragraphs), _fraction(dup_para_chars, para_chars),
        *ngram_fractions,
        # '#', '...' and '…' share no character: counting each is counting them all
        _fraction(symbols, n), _fraction(digits, non_space), _fraction(upper, letters),
        _fraction(removed_chars, original)), strict=True))


_DEFINED_WHEN_EMPTY = {"word_count", "char_count", "line_count", "boilerplate_fraction"}


def flags_for(signals: Mapping[str, float], settings: QualitySettings) -> list[str]:
    """The names of the flags the signals raise, in the settings' order. An empty text
    raises only flags on signals that mean something for it (length, boilerplate)."""
    rules = settings.flags
    if not signals["word_count"]:
        rules = tuple(r for r in rules
                      if {s for s, _ in r.min + r.max + r.when_min} <= _DEFINED_WHEN_EMPTY)
    return [rule.name for rule in rules if rule.raised(signals)]


def compiled_flags(settings: QualitySettings) -> Callable[[Mapping[str, float]], list[str]]:
    """``flags_for`` with ``settings`` built in, for a text with words: one generated
    function making every flag rule's comparisons in order, as ``FlagRule.raised``
    makes them (nine method calls per document cost more than the comparisons); an
    empty text goes to ``flags_for``. The same names as ``flags_for`` (a test checks)."""
    bounds: list[float] = []

    def bound(value: float) -> str:
        bounds.append(value)
        return f"B[{len(bounds) - 1}]"

    tests = []
    for rule in settings.flags:  # signal names are checked against SIGNALS on loading
        when = " and ".join(f"not s[{k!r}] < {bound(v)}" for k, v in rule.when_min)
        hit = " or ".join([f"s[{k!r}] < {bound(v)}" for k, v in rule.min]
                          + [f"s[{k!r}] > {bound(v)}" for k, v in rule.max]) or "False"
        tests.append(f"(({when}) and ({hit}))" if when else f"({hit})")
    source = (f"lambda s: [n for n, hit in zip(N, ({', '.join(tests)},)) if hit] "
              "if s['word_count'] else F(s, S)") if tests else "lambda s: []"
    scope = {"__builtins__": {"zip": zip}, "B": tuple(bounds),
             "N": tuple(r.name for r in settings.flags), "F": flags_for, "S": settings}
    return eval(source, scope)  # type: ignore[no-any-return]


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
