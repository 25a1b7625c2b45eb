"""What a rule's every match must hold or start with: cheap tests that skip a rule on a
line.

``required_literals`` reads a pattern and returns case-folded literal strings of which
every match contains at least one (say ``{"whatsapp", "telegram", "google"}``). A line
whose case-folded text holds none of them cannot match, so the rule's pattern is not
tried (``stages`` looks for every rule's literals in one compiled scan of a document,
``_literals.gate``). ``required_literal_sets`` gives every such set the pattern
has, rarest first: a line must hold one literal of each (``.{0,400}(?:Foto|Dok)\\s*[:/]``
gives ``{"foto", "dok"}`` and ``{":", "/"}``). ``start_prefixes`` gives how a match can
start (up to three characters), so a whole-line rule is not tried on a line that starts
otherwise, and ``end_keys`` how it can end. ``nonspace_width`` bounds a match's length
(white space aside) and ``tail_reach``, for a match that ends the line, how far back it
starts. Whatever the analysis cannot bound gives None: the rule is always tried.
Nothing that could match is ever skipped.
"""

from __future__ import annotations

import array
import functools
import re
import sys
import unicodedata
from collections.abc import Callable
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


_LENGTH_SHARE = (1.0, 0.6, 0.02, 0.01, 0.006, 0.006, 0.004)
"""By a literal's length (1, 2, ... characters), its share of lines relative to its
rarest character's; 0.002 from 8 characters on. Fitted to the line shares of the rules'
own literals in the id-news corpus (geometric mean by length: 0.0055 at 3 letters,
0.0046 at 4, 0.0029 at 5, 0.0034 at 6, 0.0018 at 7, under 0.001 from 8)."""


def share(literal: str) -> float:
    """A guess at the share of story lines that hold ``literal``: its rarest character's
    (0.5 for a letter, digit or space) times ``_LENGTH_SHARE`` for its length ("afp":
    0.01, measured 0.0009; "dok": 0.01, measured 0.013; "(c)": 0.0036)."""
    rarest = min(_LINE_SHARE.get(c, 0.5 if c.isalnum() or c == " " else 0.01)
                 for c in literal)
    n = len(literal)
    return rarest * (_LENGTH_SHARE[n - 1] if n <= len(_LENGTH_SHARE) else 0.002)


def _ranked(items: list[tuple[Any, Any]]) -> list[Literals]:
    """Sets of literals, each of which any match of the sequence holds one of: the set
    fewest lines are likely to hold (``share``) first."""
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
        options.extend(_ranked_of(op, av))
    end_run()
    usable = [o for o in options if o and all(o)]
    return sorted(usable, key=lambda o: sum(map(share, o)))


def _ranked_of(op: Any, av: Any) -> list[Literals]:
    if op is sre.SUBPATTERN:
        return _ranked(av[3].data)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT) and av[0] >= 1:
        return _ranked(av[2].data)
    if op is sre.ATOMIC_GROUP:
        return _ranked(av.data)
    if op is sre.BRANCH:  # a match holds one of each branch's k-th set: their union
        each = [_ranked(b.data) for b in av[1]]
        return [frozenset().union(*(e[k] for e in each)) for k in range(min(map(len, each)))]
    return []


@functools.cache
def _parse(source: str) -> Any:
    """The standard parser's tree of ``source``, or None where it cannot read it (one
    parse per source for all the analyses here, which only read the tree)."""
    if _REGEX_ONLY.search(source):
        return None
    try:
        return sre_parse.parse(_PROPERTY.sub(r"\\w", source))
    except Exception:  # syntax only the regex module reads
        return None


_KEPT: dict[str, dict[tuple[Any, ...], Any]] = {}
"""The analyses made so far, by function and arguments (``kept``): ``kept_analyses``
gives them for ``cache`` to keep between runs, ``restore_analyses`` puts them back."""


def _kept(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Like ``functools.cache`` for an analysis, its results kept in ``_KEPT`` under its
    name, by its arguments with the defaults filled in (one entry however it is
    called)."""
    kept = _KEPT.setdefault(fn.__name__, {})
    defaults = fn.__defaults__ or ()
    names = fn.__code__.co_varnames[:fn.__code__.co_argcount]

    @functools.wraps(fn)
    def analysis(*args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) < len(names):
            given = dict(zip(names, args, strict=False), **kwargs)
            args = tuple(given[n] if n in given else defaults[i - len(names) + len(defaults)]
                         for i, n in enumerate(names))
        try:
            return kept[args]
        except KeyError:
            result = kept[args] = fn(*args)
            return result

    return analysis


def _sets_out(value: Any) -> Any:
    """An analysis result as JSON: sets as sorted lists, tuples as lists."""
    if isinstance(value, frozenset | set):
        return sorted(value)
    if isinstance(value, tuple):
        return [_sets_out(v) for v in value]
    return value


_RESTORE: dict[str, Callable[[Any], Any]] = {
    "never_empty": bool,
    "required_literal_sets": lambda v: tuple(frozenset(x) for x in v),
    "start_prefixes": lambda v: None if v is None else frozenset(v),
    "end_keys": lambda v: None if v is None else frozenset(v),
    "nonspace_width": lambda v: None if v is None else int(v),
    "tail_reach": lambda v: None if v is None else int(v),
}
"""How each kept analysis's result comes back from JSON."""


def kept_analyses() -> dict[str, list[list[Any]]]:
    """Every analysis made so far, as JSON: per function, [arguments, result] pairs."""
    return {name: [[list(args), _sets_out(result)] for args, result in kept.items()]
            for name, kept in _KEPT.items()}


def restore_analyses(data: Any) -> None:
    """Put back analyses ``kept_analyses`` gave (raise ValueError, restoring nothing,
    for data of another shape)."""
    try:
        restored = {name: {tuple(args): _RESTORE[name](result) for args, result in pairs}
                    for name, pairs in data.items()}
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not kept analyses: {exc}") from None
    for name, results in restored.items():
        _KEPT[name].update(results)


@_kept
def never_empty(source: str) -> bool:
    """True when every match of ``source`` holds a character (False when unsure)."""
    tree = _parse(source)
    return tree is not None and tree.getwidth()[0] > 0


@_kept
def required_literal_sets(source: str) -> tuple[Literals, ...]:
    """Sets of case-folded literals, each of which every match of ``source`` holds one
    of (a line must hold one of each), the most telling first (the rarest by
    ``share``); empty when the pattern has none (or is beyond the standard parser)."""
    tree = _parse(source)
    return () if tree is None else tuple(_ranked(tree.data))


def required_literals(source: str) -> Literals | None:
    """The first of ``required_literal_sets``, or None."""
    sets = required_literal_sets(source)
    return sets[0] if sets else None


_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_SPACE = " "
"""The key of ``\\s``: any white space."""


_DIGIT = regex.compile(r"\d")


def start_key(c: str) -> str:
    """What ``start_prefixes`` names a character by: case-folded, "0" for any digit
    ``\\d`` matches (the regex module's Unicode may be newer than ``unicodedata``'s), " "
    for any white space (``str.isspace``, which holds all that ``\\s`` matches)."""
    if c.isspace():
        return _SPACE
    return "0" if _DIGIT.match(c) else c.casefold()[:1]


BMP = array.array("I", range(0x10000)).tobytes().decode("utf-32-le", "surrogatepass")
"""Every character up to U+FFFF, in order (the tables of characters are built over it)."""


def _same_folded(step: int = 64) -> bytes:
    """``SAME_FOLDED``: a string's case-folding is its characters', one by one, so only
    the characters of a run of ``step`` that casefolding changes need looking at."""
    out = bytearray(b"\x01") * len(BMP)
    for i in range(0, len(BMP), step):
        run = BMP[i:i + step]
        if run.casefold() != run:
            for j, c in enumerate(run):
                out[i + j] = c.casefold() == c
    return bytes(out)


SAME_FOLDED = _same_folded()
"""1 for each character up to U+FFFF that ``str.casefold`` leaves as it is."""


@functools.cache
def start_key_table() -> bytes:
    """``start_key`` of every character up to U+FFFF, as 65536 little-endian 32-bit code
    points (for the compiled gate): white space " ", digits "0", others case-folded."""
    keys = array.array("I", range(0x10000))
    for i, same in enumerate(SAME_FOLDED):
        if not same:
            keys[i] = ord(BMP[i].casefold()[0])
    for m in _DIGIT.finditer(BMP):
        keys[m.start()] = ord("0")
    for m in _ISSPACE.finditer(BMP):
        keys[m.start()] = ord(_SPACE)
    if keys.itemsize != 4:
        raise AssertionError("array 'I' is not 32 bits here")
    return keys.tobytes() if sys.byteorder == "little" else _swapped(keys)


def _swapped(keys: array.array[int]) -> bytes:
    keys.byteswap()
    return keys.tobytes()


_ISSPACE = re.compile(r"\s")
"""The standard module's ``\\s`` in a str pattern: what ``str.isspace`` takes for white
space."""


def line_key(chars: str) -> str:
    """The ``start_key`` of each of a few characters of a line (its first ``PREFIX``, or
    its last)."""
    return "".join(map(start_key, chars))


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


PREFIX = 3
"""Characters of a line's start that whole-line rules are told apart by."""
_OPEN = "\x00"
"""Ends a prefix whose match goes on with characters the analysis cannot name."""
_MAX_PREFIXES = 2048


def _final(p: str, size: int) -> bool:
    return len(p) >= size or p.endswith(_OPEN)


def _then(heads: set[str], tails: set[str], size: int) -> set[str]:
    """Each of ``heads`` followed by each of ``tails``, cut at ``size`` characters."""
    out = set()
    cut: dict[int, set[str]] = {}  # the tails cut to n characters, by n
    for h in heads:
        if _final(h, size):
            out.add(h)
            continue
        room = size - len(h)
        ends = cut.get(room)
        if ends is None:
            ends = cut[room] = {t[:room] for t in tails}
        out.update(h + t for t in ends)
    if len(out) > _MAX_PREFIXES:
        raise OverflowError
    return out


def _prefixes(items: list[tuple[Any, Any]], size: int) -> set[str]:
    """The starts (``start_key`` strings of up to ``size`` characters, or ending in
    ``_OPEN``) of the matches of a sequence: every match begins with one of them, and
    one shorter than ``size`` without ``_OPEN`` is a whole match."""
    out = {""}
    for op, av in items:
        open_ = [len(p) for p in out if not _final(p, size)]
        if not open_:
            break
        # no head is shorter than the shortest open one: the item's starts are needed
        # only as long as the room that leaves
        out = _then(out, _item_prefixes(op, av, size - min(open_)), size)
    return out


def _item_prefixes(op: Any, av: Any, size: int) -> set[str]:
    if op in _ZERO_WIDTH:
        return {""}
    if op in (sre.LITERAL, sre.IN):
        keys = _start_class([(op, av)] if op is sre.LITERAL else av)
        return {_OPEN} if keys is None else set(keys)
    if op is sre.BRANCH:
        return set().union(*(_prefixes(b.data, size) for b in av[1]))
    if op is sre.SUBPATTERN:
        return _prefixes(av[3].data, size)
    if op is sre.ATOMIC_GROUP:
        return _prefixes(av.data, size)
    if op in _REPEATS:
        low, high, body = av[0], av[1], _prefixes(av[2].data, size)
        out: set[str] = set()
        now = {""}
        for count in range(high + 1 if high != sre.MAXREPEAT else 1 << 30):
            if count >= low:
                out |= now
            after = _then(now, body, size)
            if after == now and count >= low:  # more repeats add nothing new
                return out
            if count > low + size + 2:  # not settled: cut what is left open
                return out | {p if _final(p, size) else p + _OPEN for p in after}
            now = after
        return out
    return {_OPEN}  # any character, a category, a negation, a back-reference...


@_kept
def start_prefixes(source: str, stripped: bool = False, size: int = PREFIX
                   ) -> frozenset[str] | None:
    """The starts of every match of ``source``, as ``start_key`` strings of ``size``
    characters (or fewer, for a match that short or going on with characters the
    analysis cannot name): a line (its ``line_key``) that starts with none of them holds
    no match there. ``\\s*Baca|\\d+`` gives {" ", "  ", "   ", " b", ..., "bac", "0", "00",
    "000"}. None when a match may be empty or start with anything, or when the
    analysis cannot bound the starts. With ``stripped``, for matches on a line without
    white space at either end, starts with white space are left out (``\\s*x`` gives
    {"x"})."""
    tree = _parse(source)
    if tree is None:
        return None
    try:
        found = _prefixes(tree.data, size)
    except OverflowError:  # too many: tell them apart by fewer characters
        return start_prefixes(source, stripped, size - 1) if size > 1 else None
    found = {p.replace(_OPEN, "") for p in found}
    if stripped:  # white space cannot start the match: it starts after it, or not at all
        found = {p for p in found if not p.startswith(_SPACE)}
    return None if "" in found else frozenset(found)


def _groups(op: Any, av: Any) -> list[list[tuple[Any, Any]]] | None:
    """The sequences a group item matches one of (its alternatives; one for a plain or
    atomic group), or None for an item that is not a group."""
    if op is sre.SUBPATTERN:
        return [av[3].data]
    if op is sre.ATOMIC_GROUP:
        return [av.data]
    if op is sre.BRANCH:
        return [b.data for b in av[1]]
    return None


def _most(values: list[int | None]) -> int | None:
    """The largest of ``values``, or None when one is None (unbounded)."""
    return None if None in values else max(values)  # type: ignore[type-var]


def _is_space(op: Any, av: Any) -> bool:
    """Whether the item matches white space only (``\\s``, a space, a class of them):
    characters ``str.isspace`` takes for white space, as it does all ``\\s`` matches."""
    if op is sre.LITERAL:
        return chr(av).isspace()
    return op is sre.IN and all(
        (o is sre.CATEGORY and a is sre.CATEGORY_SPACE) or (o is sre.LITERAL and chr(a).isspace())
        for o, a in av)


def _last(items: list[tuple[Any, Any]]) -> tuple[set[str], bool] | None:
    """(``start_key`` of the characters other than white space that a match of the
    sequence can end with, whether it may hold nothing but white space); None when
    beyond the analysis."""
    out: set[str] = set()
    for op, av in reversed(items):
        if op in _ZERO_WIDTH:
            continue
        if op in (sre.LITERAL, sre.IN):
            keys = _start_class([(op, av)] if op is sre.LITERAL else av)
            if keys is None or (_SPACE in keys and len(keys) > 1):
                return None
            if keys == {_SPACE}:  # white space: a stripped line has none at its end
                continue
            return out | keys, False
        parts = _groups(op, av) or ([av[2].data] if op in _REPEATS else None)
        if parts is None:
            return None
        empty = op in _REPEATS and av[0] == 0
        for part in parts:
            found = _last(part)
            if found is None:
                return None
            out |= found[0]
            empty |= found[1]
        if not empty:
            return out, False
    return out, True


_LINE_END = (sre.AT_END, sre.AT_END_STRING)


def _ends_line(items: list[tuple[Any, Any]]) -> bool:
    """Whether a match of the sequence ends at the end of the line: after its last
    character other than white space come only white space and a ``$`` or ``\\Z``."""
    for op, av in reversed(items):
        if op is sre.AT and av in _LINE_END:
            return True
        if op in _ZERO_WIDTH:
            continue
        if op is sre.IN and _is_space(op, av):
            continue
        if op in _REPEATS and _last(av[2].data) == (set(), True):
            continue
        parts = _groups(op, av)
        return parts is not None and all(map(_ends_line, parts))
    return False


def _width(items: list[tuple[Any, Any]]) -> int | None:
    """At most how many characters other than white space a match of the sequence
    holds: an item that matches white space only (``\\s``, which ``str.isspace`` takes
    for white space too) counts none, however often repeated; None when unbounded."""
    total = 0
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN, sre.CATEGORY):
            total += 0 if _is_space(op, av) else 1
            continue
        parts = _groups(op, av)
        if parts is not None:
            width = _most([_width(p) for p in parts])
        elif op in _REPEATS:
            width = _width(av[2].data)
            if width:  # (white space only counts none, however often repeated)
                if av[1] is sre.MAXREPEAT:
                    return None
                width *= av[1]
        else:
            return None
        if width is None:
            return None
        total += width
    return total


@_kept
def nonspace_width(source: str) -> int | None:
    """At most how many characters other than white space (``str.isspace``) a match of
    ``source`` holds: a stripped line with more is no whole-line match. None when
    unbounded or beyond the analysis."""
    tree = _parse(source)
    return None if tree is None else _width(tree.data)


def _reach(items: list[tuple[Any, Any]]) -> int | None:
    """For a sequence whose every match ends at the end of the subject (its last item is
    ``$``, ``\\Z``, or a look-ahead, group or alternation that ends so): at most how
    many characters other than white space lie from the start of a match to the end of
    the subject. None otherwise."""
    if not items:
        return None
    op, av = items[-1]
    if op is sre.AT and av in _LINE_END:
        last: int | None = 0
    elif op is sre.ASSERT and av[0] == 1:  # a look-ahead: what it reads lies after
        last = _reach(av[1].data)
    elif (parts := _groups(op, av)) is not None:
        last = _most([_reach(p) for p in parts])
    else:
        return None
    head = _width(items[:-1])
    return None if last is None or head is None else head + last


@_kept
def tail_reach(source: str) -> int | None:
    """For a pattern whose every match ends at the end of the line (``\\)\\s*$``,
    ``(?=\\s*$)``): at most how many characters other than white space lie from the
    start of a match to the end of the line, so no match starts further back. None for
    other patterns, or unbounded."""
    tree = _parse(source)
    return None if tree is None else _reach(tree.data)


@_kept
def end_keys(source: str, whole: bool = True) -> frozenset[str] | None:
    """``start_key`` of the last character of a stripped line that a match of ``source``
    ends it with: of the whole line (``whole``, a whole-line rule), or, for a pattern
    that ends at the end of the line (``\\)\\s*$``), of the line it is found in. A line
    ending otherwise holds no match. None when a match may end anywhere, or with white
    space only, or the analysis cannot bound its end."""
    tree = _parse(source)
    if tree is None or not (whole or _ends_line(tree.data)):
        return None
    found = _last(tree.data)
    return None if found is None or found[1] else frozenset(found[0])
