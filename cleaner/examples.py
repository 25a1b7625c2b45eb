"""Run every rule's own examples: ``remove`` texts must go, ``keep`` texts must stay.

In a ``remove`` example, ``[[`` and ``]]`` mark exactly what must be removed; without
markers every non-blank character must be removed. White space is not compared.
"""

from __future__ import annotations

from .render import merge
from .rules import Pack, Rule
from .stages import Matcher, RuleTimeout, split_lines

OPEN, CLOSE = "[[", "]]"


def parse_marked(example: str) -> tuple[str, set[int]]:
    """The example without markers, and the offsets of marked non-space characters."""
    if OPEN not in example:
        return example, {i for i, ch in enumerate(example) if not ch.isspace()}
    text: list[str] = []
    marked: set[int] = set()
    inside = False
    i = 0
    while i < len(example):
        if example.startswith(OPEN, i) and not inside:
            inside, i = True, i + 2
        elif example.startswith(CLOSE, i) and inside:
            inside, i = False, i + 2
        else:
            if inside and not example[i].isspace():
                marked.add(len(text))
            text.append(example[i])
            i += 1
    return "".join(text), marked


def removed_offsets(matcher: Matcher, text: str) -> set[int]:
    """Offsets of non-space characters that ``matcher`` (one rule's) removes from
    ``text``."""
    spans = merge(text, matcher.propose(text, split_lines(text)))
    return {i for s in spans for i in range(s.start, s.end) if not text[i].isspace()}


def check_rule(rule: Rule) -> list[str]:
    """Reasons the rule fails its examples (empty when it passes)."""
    problems: list[str] = []
    matcher = Matcher([rule])
    for example in rule.remove_examples:
        text, want = parse_marked(example)
        try:
            got = removed_offsets(matcher, text)
        except RuleTimeout as exc:
            return [str(exc)]
        if got != want:
            missed = "".join(text[i] for i in sorted(want - got))[:60]
            extra = "".join(text[i] for i in sorted(got - want))[:60]
            detail = f"; kept {missed!r}" if missed else ""
            detail += f"; also removed {extra!r}" if extra else ""
            problems.append(f"remove example {example[:70]!r} not removed as marked{detail}")
    for example in rule.keep_examples:
        try:
            got = removed_offsets(matcher, example)
        except RuleTimeout as exc:
            return [str(exc)]
        if got:
            gone = "".join(example[i] for i in sorted(got))[:60]
            problems.append(f"keep example {example[:70]!r} loses {gone!r}")
    return problems


def check_pack(pack: Pack) -> list[tuple[str, str]]:
    """(rule id, reason) for every failing example in the pack."""
    return [(rule.id, why) for rule in pack.rules for why in check_rule(rule)]
