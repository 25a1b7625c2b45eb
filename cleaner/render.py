"""Merge proposed spans and build the cleaned text from the original.

Overlaps are settled by rank: the best-ranked proposal keeps its whole span and a
worse one keeps only the parts no better proposal covers, so the result is sorted,
non-overlapping, and the same whatever order the proposals came in. Everything
outside the spans is kept, then repaired (ftfy) and white space normalised.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]

import ftfy
import regex
from ftfy import chardata
from ftfy.badness import BADNESS_RE

from ._render import classes, fold_spaces
from .literals import class_members
from .model import Proposal, RemovedSpan

FTFY_CONFIG = ftfy.TextFixerConfig(uncurl_quotes=False, explain=False)
"""ftfy's defaults, except that curly quotes stay curly: they are correct text."""

def _trigger_chars() -> frozenset[str]:
    """Every character some ftfy fixer in FTFY_CONFIG acts on, other than mojibake
    repair (tested separately, below). Text with none of them, no mojibake and already
    NFC comes out of ftfy unchanged."""
    codes = set(chardata.CONTROL_CHARS) | set(chardata.LIGATURES) | set(chardata.WIDTH_MAP)
    codes |= set(range(0x80, 0xA0))  # C1 controls
    chars = {chr(c) for c in codes} | set("\r\u2028\u2029\x1b")
    return frozenset(chars - {"\n", "\t"})


_MOJIBAKE = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE)
"""ftfy's own mojibake test (``badness.is_bad``), which ftfy applies line by line,
applied to the whole text at once: with MULTILINE its ``^`` finds every line start,
so any line ftfy would call bad is found (a match across a line break only makes
the test more cautious)."""


def _mojibake_chars() -> frozenset[str] | None:
    """Non-ASCII characters one of which every match of ftfy's mojibake expression holds:
    from each of its alternatives, a character class (or character) that it requires,
    all non-ASCII, the one with the fewest punctuation marks (clean text is full of
    curly quotes and dashes), then the smallest. None if some alternative has none."""
    tree = sre_parse.parse(BADNESS_RE.pattern, BADNESS_RE.flags)
    top = tree.data
    alternatives = [b.data for b in top[0][1][1]] if len(top) == 1 and \
        top[0][0] is sre.BRANCH else [top]
    chars: set[str] = set()
    for items in alternatives:
        options = [found for op, av in items if (found := _non_ascii_class(op, av))]
        if not options:
            return None
        chars |= min(options, key=lambda o: (sum(unicodedata.category(c)[0] == "P"
                                                 for c in o), len(o)))
    return frozenset(chars)


def _non_ascii_class(op: object, av: object) -> set[str] | None:
    """The characters a literal or a plain class matches, when all are non-ASCII."""
    items = [(op, av)] if op is sre.LITERAL else av if op is sre.IN else []
    chars = class_members(items)  # type: ignore[arg-type]
    return chars if chars and min(map(ord, chars)) > 0x7F else None


_MOJIBAKE_CHARS = _mojibake_chars()
"""Text without any of these has no mojibake by ftfy's test (None: not known)."""
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_MOJIBAKE_REACH = 10
"""Every match of ftfy's mojibake expression is at most 7 characters long and holds a
non-ASCII character, so it lies within this many characters of a non-ASCII run."""
_FTFY_SEGMENT = 1_000_000
"""ftfy cuts lines longer than this into pieces; such texts always go through ftfy."""
_SPACES = regex.compile(r"[^\S\n]+")
_BLANK_RUNS = regex.compile(r"\n{3,}")


def merge(text: str, proposals: Iterable[Proposal]) -> tuple[RemovedSpan, ...]:
    """Resolve overlapping proposals into sorted, disjoint spans of ``text``."""
    starts: list[int] = []  # disjoint covered intervals, sorted
    ends: list[int] = []
    spans: list[RemovedSpan] = []
    for p in sorted(proposals, key=lambda p: (p.rank, p.start, p.end, p.rule)):
        lo, hi = max(0, p.start), min(len(text), p.end)
        if lo >= hi:
            continue
        pieces: list[tuple[int, int]] = []
        k = bisect.bisect_right(ends, lo)
        cur = lo
        while k < len(starts) and starts[k] < hi:
            if starts[k] > cur:
                pieces.append((cur, starts[k]))
            cur = max(cur, ends[k])
            k += 1
        if cur < hi:
            pieces.append((cur, hi))
        for a, b in pieces:
            spans.append(RemovedSpan(a, b, p.rule, p.category, text[a:b]))
            i = bisect.bisect_left(starts, a)
            starts.insert(i, a)
            ends.insert(i, b)
    spans.sort(key=lambda s: s.start)
    return tuple(spans)


def cut(text: str, spans: Iterable[RemovedSpan]) -> str:
    """``text`` without the (sorted, disjoint) spans."""
    parts: list[str] = []
    pos = 0
    for s in spans:
        parts.append(text[pos:s.start])
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def _looks_mojibake(text: str) -> bool:
    """ftfy's mojibake test, searched only around the runs of non-ASCII characters (for
    a text holding one of ``_MOJIBAKE_CHARS``: without one, no match)."""
    search = _MOJIBAKE.search
    return any(search(text, max(0, m.start() - _MOJIBAKE_REACH), m.end() + _MOJIBAKE_REACH)
               for m in _NON_ASCII.finditer(text))


_TRIGGER, _AMPERSAND, _MOJIBAKE_CHAR, _NOT_ASCII, _ABOVE_BMP = 1, 2, 4, 8, 256
"""What ``_render.classes`` says a text holds (``_ABOVE_BMP`` is its own)."""


def _class_table() -> bytes:
    """For ``_render.classes``: per character up to U+FFFF, ``_TRIGGER`` if some fixer
    acts on it (``_trigger_chars``) or it is a surrogate (ftfy always runs on those),
    ``_AMPERSAND`` for "&" (every HTML entity starts with it), ``_MOJIBAKE_CHAR`` if in
    ``_MOJIBAKE_CHARS`` (every non-ASCII character when that is None), ``_NOT_ASCII``
    above U+007F. No character above U+FFFF is a trigger or a mojibake character
    (checked here)."""
    table = bytearray(0x10000)
    moji = _MOJIBAKE_CHAR if _MOJIBAKE_CHARS is None else 0
    table[0x80:] = bytes([_NOT_ASCII | moji]) * (0x10000 - 0x80)
    triggers = {*_trigger_chars(), *map(chr, range(0xD800, 0xE000))}
    for chars, bit in ((triggers, _TRIGGER), (_MOJIBAKE_CHARS or (), _MOJIBAKE_CHAR)):
        for c in chars:
            if ord(c) > 0xFFFF:
                raise AssertionError(f"U+{ord(c):04X} is beyond the class table")
            table[ord(c)] |= bit
    table[ord("&")] |= _AMPERSAND
    return bytes(table)


_CLASSES = _class_table()


def needs_ftfy(text: str) -> bool:
    """False only when ftfy (with FTFY_CONFIG) would return the text unchanged: no
    character any of its fixers acts on, no HTML entity, no mojibake by ftfy's own
    test, and already NFC. Nearly all news text passes and skips ftfy's per-line work;
    only where this says True is ftfy run, with the same output as running it always.
    One compiled pass (``_render.classes``) says which of the tests can be true."""
    found = classes(text, _CLASSES)
    return (bool(found & _TRIGGER) or len(text) > _FTFY_SEGMENT
            or bool(found & _AMPERSAND and chardata.HTML_ENTITY_RE.search(text))
            or bool(found & _MOJIBAKE_CHAR and _looks_mojibake(text))
            or bool(found & (_NOT_ASCII | _ABOVE_BMP)
                    and not unicodedata.is_normalized("NFC", text)))


def fix_lines(text: str) -> str:
    """``ftfy.fix_text(text, FTFY_CONFIG)``, with ftfy run only on the lines that need it.

    ftfy fixes a text line by line (each line with its line break), and a line that
    ``needs_ftfy`` lets pass it leaves as it is; its HTML unescaping stops for good at
    the first line holding "<", as here. A text longer than ftfy's segment goes to ftfy
    whole."""
    config = FTFY_CONFIG
    if len(text) > config.max_decode_length:
        return ftfy.fix_text(text, config)
    out = []
    pos = 0
    while pos < len(text):
        end = text.find("\n", pos) + 1 or len(text)
        line = text[pos:end]
        if config.unescape_html == "auto" and "<" in line:
            config = config._replace(unescape_html=False)
        out.append(ftfy.fix_and_explain(line, config)[0] if needs_ftfy(line) else line)
        pos = end
    return "".join(out)


def normalise(text: str) -> str:
    """Repair encoding damage, fold runs of spaces, strip lines, allow one blank line."""
    if needs_ftfy(text):
        text = fix_lines(text)
    folded = fold_spaces(text)  # None for text with "\r" or U+001C .. U+001F
    if folded is not None:
        return folded
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    folded = fold_spaces(text)
    if folded is not None:
        return folded
    # U+001C .. U+001F: white space to str.strip, not to _SPACES (the regex module's \s)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip("\n")
