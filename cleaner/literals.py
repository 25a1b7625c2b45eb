"""What a rule's every match must hold or start with: cheap tests that skip a rule on a
line.

``required_literals`` reads a pattern and returns case-folded literal strings of which
every match contains at least one (say ``{"whatsapp", "telegram", "google"}``). A line
whose case-folded text holds none of them cannot match, so the rule's pattern is not
tried (``stages`` looks for every rule's literals in one compiled scan of a document,
``_literals.scan_lines``). ``first_chars`` gives the characters a match can start with,
so a whole-line rule is not tried on a line that starts otherwise. Whatever the
analysis cannot bound gives None: the rule is always tried. Nothing that could match
is ever skipped.
"""

from __future__ import annotations

import functools
import unicodedata
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import regex

_PROPERTY = regex.compile(r"\\[pP]\{[^}]*\}")
_REGEX_ONLY = regex.compile(r"\[\[:|\{\s*[eisd]\s*[<=]|(?<!\\)\(\?[\w^-]*[Vfrw]")
"""Syntax the standard parser would misread: POSIX classes, fuzzy matching, flags it
lacks (version, full case folding, reverse, word)."""

Literals = frozenset[str]


def _literal_char(code: int) -> bool:
    """Printable ASCII, or a punctuation mark or symbol without case (say '©', '»').
    Case-folding an ASCII letter is plain lower-casing, and only it (and K-sign, long
    s) folds to it; the space, digits, punctuation and those symbols have no case and
    nothing folds to them (a test checks every code point). So a case-folded line holds
    the literal wherever the pattern matched it, case-insensitively or not."""
    if 0x20 <= code < 0x7F:
        return True
    c = chr(code)
    return (code > 0x7F and unicodedata.category(c)[0] in "PS"
            and c.casefold() == c.lower() == c.upper() == c)


_RANGE_MAX = 26
"""A character class range of more characters than this is not read as literals."""


def class_members(items: list[tuple[Any, Any]], max_range: int | None = None
                  ) -> set[str] | None:
    """The characters a plain class (``[...]``, a parsed tree's item list) may match:
    its literals and ranges (of at most ``max_range`` characters); None when it holds
    anything else (a negation, a category, a longer range)."""
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.RANGE and (max_range is None or av[1] - av[0] < max_range):
            chars.update(map(chr, range(av[0], av[1] + 1)))
        else:
            return None
    return chars


def _class_chars(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """The case-folded characters a class (``[...]``) may match, when all are literal
    characters; else None."""
    chars = class_members(items, _RANGE_MAX)
    if chars is None or not all(_literal_char(ord(c)) for c in chars):
        return None
    return frozenset(c.lower() for c in chars)


_LINE_SHARE = {".": 0.73, ",": 0.61, "-": 0.23, "(": 0.18, ")": 0.18, '"': 0.12,
               "/": 0.09, ":": 0.09}
"""Share of the id-news corpus's lines that hold these characters; other punctuation
and symbols are in under 1% of lines."""


def share(literal: str) -> float:
    """A guess at the share of story lines that hold ``literal``: its rarest character's
    (0.5 for a letter, digit or space), halved for each further character ("juga": 0.06;
    measured 0.16; "(c)": 0.05)."""
    rarest = min(_LINE_SHARE.get(c, 0.5 if c.isalnum() or c == " " else 0.01)
                 for c in literal)
    return rarest * 0.4 ** (len(literal) - 1)


def _best(options: list[Literals]) -> Literals | None:
    """The option whose literals fewest lines are likely to hold."""
    usable = [o for o in options if o and all(o)]
    return min(usable, key=lambda o: sum(map(share, o)), default=None)


def _required(items: list[tuple[Any, Any]]) -> Literals | None:
    """A set of literals one of which any match of the sequence contains, or None."""
    options: list[Literals] = []
    run: list[str] = []

    def end_run() -> None:
        if run:
            options.append(frozenset({"".join(run).strip()}))
            run.clear()

    for op, av in items:
        if op is sre.LITERAL and _literal_char(av):
            run.append(chr(av).lower())
            continue
        chars = _class_chars(av) if op is sre.IN else None
        if chars is not None and len(chars) == 1:  # [Gg]: one letter either case
            run.extend(chars)
            continue
        end_run()
        if chars is not None:
            options.append(chars)
            continue
        found = _required_of(op, av)
        if found is not None:
            options.append(found)
    end_run()
    return _best(options)


def _required_of(op: Any, av: Any) -> Literals | None:
    if op is sre.SUBPATTERN:
        return _required(av[3].data)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _required(av[2].data)
    if op is sre.ATOMIC_GROUP:
        return _required(av.data)
    if op is sre.BRANCH:
        each = [_required(b.data) for b in av[1]]
        if all(e is not None for e in each):
            return frozenset().union(*each)  # type: ignore[arg-type]
    return None


def _parse(source: str) -> Any:
    """The standard parser's tree of ``source``, or None where it cannot read it."""
    if _REGEX_ONLY.search(source):
        return None
    try:
        return sre_parse.parse(_PROPERTY.sub(r"\\w", source))
    except Exception:  # syntax only the regex module reads
        return None


@functools.cache
def never_empty(source: str) -> bool:
    """True when every match of ``source`` holds a character (False when unsure)."""
    tree = _parse(source)
    return tree is not None and tree.getwidth()[0] > 0


@functools.cache
def required_literals(source: str) -> Literals | None:
    """Case-folded literals, one of which every match of ``source`` contains; None when
    the pattern has no such literals (or is beyond the standard parser)."""
    tree = _parse(source)
    return None if tree is None else _required(tree.data)


_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_SPACE = " "
"""The key of ``\\s``: any white space."""


_DIGIT = regex.compile(r"\d")


def start_key(c: str) -> str:
    """What ``first_chars`` names a character by: case-folded, and "0" for any digit
    ``\\d`` matches (the regex module's Unicode may be newer than ``unicodedata``'s)."""
    return "0" if _DIGIT.match(c) else c.casefold()[:1]


def _start_class(items: list[tuple[Any, Any]]) -> frozenset[str] | None:
    """``start_key`` of every character a class may match; None when beyond the
    analysis."""
    keys: set[str] = set()
    for op, av in items:
        if op is sre.CATEGORY and av in (sre.CATEGORY_SPACE, sre.CATEGORY_DIGIT):
            keys.add(_SPACE if av is sre.CATEGORY_SPACE else "0")
            continue
        chars = _class_chars([(op, av)])
        if chars is None:
            return None
        keys.update(map(start_key, chars))
    return frozenset(keys)


def _first(items: list[tuple[Any, Any]]) -> tuple[frozenset[str], bool] | None:
    """(``start_key`` of the characters a non-empty match of the sequence may start
    with, whether it may match nothing); None when beyond the analysis."""
    out: set[str] = set()
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in (sre.LITERAL, sre.IN):
            keys = _start_class([(op, av)] if op is sre.LITERAL else av)
            if keys is None:
                return None
            return frozenset(out | keys), False
        if op is sre.BRANCH:
            parts = [b.data for b in av[1]]
        elif op is sre.SUBPATTERN:
            parts = [av[3].data]
        elif op is sre.ATOMIC_GROUP:
            parts = [av.data]
        elif op in _REPEATS:
            parts = [av[2].data]
        else:
            return None
        empty = op in _REPEATS and av[0] == 0
        for part in parts:
            found = _first(part)
            if found is None:
                return None
            out |= found[0]
            empty |= found[1]
        if not empty:
            return frozenset(out), False
    return frozenset(out), True


@functools.cache
def first_chars(source: str, stripped: bool = False) -> frozenset[str] | None:
    """The characters (as ``start_key`` names them) that every match of ``source``
    starts with one of (``\\s*[Bb]aca|Foto|\\d+`` gives {" ", "b", "f", "0"}); None when
    it may match nothing or the analysis cannot bound them. With ``stripped``, for
    matches on a line without white space at either end, white space is left out (and
    ``\\s*x`` gives {"x"})."""
    tree = _parse(source)
    if tree is None:
        return None
    found = _first(tree.data)
    if found is None or found[1]:
        return None
    if stripped:  # white space cannot start the match: it starts after it, or not at all
        return frozenset(k for k in found[0] if not k.isspace())
    return found[0]
