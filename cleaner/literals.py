"""Words a rule's every match must contain: a cheap test that skips a rule on a line.

``required_literals`` reads a pattern and returns case-folded literal strings of which
every match contains at least one (say ``{"whatsapp", "telegram", "google"}``). A line
whose case-folded text holds none of them cannot match, so the rule's pattern is not
tried (``stages`` looks for all of a scope's literals in one compiled scan of the line,
``_literals.scan``). Whatever the analysis cannot bound gives None: the rule is always
tried. Nothing that could match is ever skipped.
"""

from __future__ import annotations

from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import regex

_PROPERTY = regex.compile(r"\\[pP]\{[^}]*\}")
_REGEX_ONLY = regex.compile(r"\[\[:|\{\s*[eisd]\s*[<=]|\(\?[^:)]*[Vfrw]")
"""Syntax the standard parser would misread: POSIX classes, fuzzy matching, flags it
lacks (version, full case folding, reverse, word)."""

Literals = frozenset[str]


def _literal_char(code: int) -> bool:
    """Printable ASCII: case-folding letters is plain lower-casing, and only they (and
    K-sign, long s) fold to them; the space, digits and punctuation have no case and
    nothing folds to them. So a case-folded line holds the literal wherever the pattern
    matched it, case-insensitively or not."""
    return 0x20 <= code < 0x7F


def rarity(literal: str) -> int:
    """How seldom a literal is likely in a line: its length, and punctuation counts for
    more (a '(' is rarer in story text than most two-letter strings)."""
    return len(literal) + (4 if any(not (c.isalnum() or c == " ") for c in literal) else 0)


def _best(options: list[Literals]) -> Literals | None:
    """The option whose commonest literal is rarest."""
    usable = [o for o in options if o and all(o)]
    return max(usable, key=lambda o: min(map(rarity, o)), default=None)


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
        end_run()
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


def required_literals(source: str) -> Literals | None:
    """Case-folded literals, one of which every match of ``source`` contains; None when
    the pattern has no such literals (or is beyond the standard parser)."""
    if _REGEX_ONLY.search(source):
        return None
    try:
        tree = sre_parse.parse(_PROPERTY.sub(r"\\w", source))
    except Exception:  # syntax only the regex module reads
        return None
    return _required(tree.data)
