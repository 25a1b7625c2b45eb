"""Stages look at a document and propose spans to remove; they never edit text.

- Rule matching (``Matcher``): line, inline, block and tail rules of the chosen packs.
- Repeated paragraphs (``repeated_proposals``): second and later copies of a paragraph.

What no rule or stage proposes is kept.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import regex

from ._lines import repeats, split
from ._literals import build as build_table
from ._literals import ends as build_ends
from ._literals import gate
from .literals import (
    PREFIX,
    SAME_FOLDED,
    end_keys,
    line_key,
    never_empty,
    nonspace_width,
    required_literal_sets,
    share,
    start_key_table,
    start_prefixes,
    tail_reach,
)
from .model import Proposal
from .rules import Rule

REGEX_TIMEOUT = 2.0
"""Seconds one pattern may spend on one line before the document fails."""

SCOPE_RANK = {"line": 0, "inline": 1, "block": 2, "tail": 3, "repeated": 4}

REPEATED_MIN_WORDS = 4
"""A line shorter than this is never a repeated paragraph (split link fragments repeat)."""
CONTAINED_MIN_WORDS = 8
"""A line contained in an earlier, longer line is a repeat only from this length up."""


class RuleTimeout(RuntimeError):
    """A rule's pattern ran past the timeout on a line: the document fails, not the run."""

    def __init__(self, rule: Rule, line_no: int, timeout: float) -> None:
        self.rule = rule.id
        self.line_no = line_no
        super().__init__(
            f"rule {rule.id!r} ({rule.path}) took over {timeout:g}s on line {line_no}: "
            "its pattern backtracks catastrophically; rewrite it"
        )


_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff"
"""Zero-width and direction marks: a line of only these is blank."""


class Line(NamedTuple):
    """One line of the input: ``[start, end)`` without its line break, ``stop`` after it."""

    number: int  # 1-based
    start: int
    end: int
    stop: int
    stripped: str


def split_lines(text: str) -> list[Line]:
    """Split on ``\\n``; offsets point into ``text`` exactly; ``stripped`` is the line's
    ``.strip().strip(_INVISIBLE).strip()`` (in one compiled pass, ``_lines.split``)."""
    return split(text, Line, _INVISIBLE)


_WIDE_OPENING = regex.compile(r"\(\?-?i:(?:\.|\[\^[^\]]*\])\{\d*,\d{2,}\}")


def _opens_wide(source: str) -> bool:
    """True for a (wrapped) pattern that starts with a wildcard of 10 or more repeats."""
    return bool(_WIDE_OPENING.match(source))


def _combine(rules: Sequence[Rule]) -> regex.Pattern[str] | None:
    """One pattern for all ``rules``; group ``c{i}`` is rule i (alternatives are tried
    in order, so a match names the first rule that matches there; ``_rule_of`` reads
    it). One rule is its own pattern (nothing more to compile)."""
    if not rules:
        return None
    if len(rules) == 1:
        return rules[0].pattern
    return regex.compile("|".join(f"(?P<c{i}>{r.source})" for i, r in enumerate(rules)))


def _rule_of(rules: Sequence[Rule], m: regex.Match[str]) -> Rule:
    """The rule of ``_combine(rules)`` that made the match ``m``."""
    return rules[int(m.lastgroup[1:])] if len(rules) > 1 else rules[0]


_GATED = 64
"""Rules of one scope that the literal scan can name at most (one bit each)."""

_GATE_SCOPES = ("line", "inline", "block", "tail")
"""Scope k's rules are bits ``64 * k`` on of the scan's mask."""

_PARTNER = _GATED * len(_GATE_SCOPES)
"""A rule's bit plus this is the bit of its second literal set in the scan's table."""
_PAIRED_SHARE = 0.5
"""A second literal set is looked for only when lines are likely to hold it less often
than this (``literals.share``): one in most lines would skip next to nothing."""


class _Gate:
    """For each scope, the first ``_GATED`` rules that have required literals (see
    ``literals``), and one compiled scan of a whole text (``_literals.gate``) that
    names, line by line, the rules whose literals the case-folded line holds (one of
    each of a rule's first two sets, ``literals.required_literal_sets``, the second
    when lines are likely to hold it under ``_PAIRED_SHARE``) and, for whole-line rules,
    whose match can start as the line does (``literals.start_prefixes``), and whose
    match can end as the line does (``literals.end_keys``): a rule it does not name
    cannot match that line."""

    def __init__(self, by_scope: Mapping[str, Sequence[Rule]]) -> None:
        self.rules: dict[str, tuple[Rule, ...]] = {}
        self.shift: dict[str, int] = {}
        literals: list[bytes] = []
        masks: list[int] = []
        paired = 0
        """Rules whose bit the scan reports only with their second set's (256 above)."""
        starts: list[dict[str, int]] = [{} for _ in range(PREFIX + 1)]
        ends: dict[str, int] = {}
        self.anywhere = 0
        """Rules that may match whatever the line starts with."""
        self.open_end = 0
        """Rules that may match whatever the line ends with."""
        for k, scope in enumerate(_GATE_SCOPES):
            found = [(r, sets) for r in by_scope[scope]
                     if (sets := required_literal_sets(r.source))][:_GATED]
            self.rules[scope] = tuple(r for r, _ in found)
            self.shift[scope] = _GATED * k
            for j, (rule, sets) in enumerate(found):
                bit = 1 << (_GATED * k + j)
                for lit in sorted(sets[0]):
                    literals.append(lit.encode("utf-8"))
                    masks.append(bit)
                if len(sets) > 1 and sum(map(share, sets[1])) <= _PAIRED_SHARE:
                    paired |= bit
                    for lit in sorted(sets[1]):
                        literals.append(lit.encode("utf-8"))
                        masks.append(bit << _PARTNER)
                first = (start_prefixes(rule.source, stripped=True) if scope != "inline"
                         else None)
                if first is None:
                    self.anywhere |= bit
                for p in first or ():
                    starts[len(p)][p] = starts[len(p)].get(p, 0) | bit
                last = end_keys(rule.source, whole=scope != "inline")
                if last is None:
                    self.open_end |= bit
                for c in last or ():
                    ends[c] = ends.get(c, 0) | bit
        self.starts = tuple(starts[1:])
        """Per length n: the rules that may match a line whose ``line_key`` starts with
        this key of n characters."""
        self.ends = {c: bit | self.open_end for c, bit in ends.items()}
        """The rules that may match a line whose last character has this key."""
        self.table = build_table(literals, masks, paired) if literals else None
        self._ends = build_ends(start_key_table(),
                                [kv for n in self.starts for kv in n.items()],
                                list(self.ends.items()), self.anywhere, self.open_end)
        """The two above and ``anywhere`` and ``open_end``, compiled."""

    def lines(self, text: str, lines: Sequence[Line]) -> dict[int, int]:
        """Mask by index, for the nonblank lines of ``text`` that some rule may match:
        that hold the rule's literals (as ``_literals.scan_lines`` finds them), and whose
        first characters and last one (of the stripped line) the rule allows
        (``allowed_by``), in one compiled pass (``_literals.gate``)."""
        if self.table is None:
            return {}
        lines = lines if isinstance(lines, list) else list(lines)
        found = gate(self.table, self._ends, text, lines, SAME_FOLDED)
        # None: a character needs str.casefold (it keeps the lines: no line break folds)
        return found if found is not None else gate(self.table, self._ends,
                                                    text.casefold(), lines)

    def allowed_by(self, stripped: str) -> int:
        """The rules that may match a (nonblank) stripped line, by its first ``PREFIX``
        characters and its last: what ``lines`` computes, in Python."""
        one, two, three = self.starts
        key = line_key(stripped[:PREFIX])
        return ((self.anywhere | one.get(key[:1], 0) | two.get(key[:2], 0)
                 | three.get(key, 0)) & self.ends.get(line_key(stripped[-1]), self.open_end))

    def bits(self, scope: str) -> int:
        """The bits of a mask that stand for ``scope``'s rules."""
        return _WORD << self.shift[scope]

    def named(self, scope: str, mask: int) -> list[Rule]:
        """The rules of ``scope`` a line's mask names, in order."""
        bits = mask >> self.shift[scope] & _WORD
        rules = self.rules[scope]
        out = []
        while bits:
            low = bits & -bits
            out.append(rules[low.bit_length() - 1])
            bits ^= low
        return out


_WORD = (1 << _GATED) - 1


class _Scope:
    """One whole-line scope's rules, sorted out for a line most of which no rule matches:
    the gated ones (``_Gate``) are tried one by one, only where the line holds their
    literals; the other forward rules are one combined pattern, tried on every line;
    the other right-to-left rules are tried one by one on every line."""

    def __init__(self, rules: Sequence[Rule], gated: Sequence[Rule],
                 reverse: Mapping[str, regex.Pattern[str]]) -> None:
        self.rules = tuple(rules)
        ids = {r.id for r in gated}
        self.free_forward = tuple(r for r in rules if r.id not in ids and r.id not in reverse)
        self.free_backward = tuple(r for r in rules if r.id not in ids and r.id in reverse)
        self.combined = _combine(self.free_forward)
        self.free = bool(self.free_forward or self.free_backward)
        """Whether some rule is tried on every line."""


class Matcher:
    """The rules of a set of packs, sorted out per scope for cheap matching."""

    def __init__(self, rules: Sequence[Rule], timeout: float = REGEX_TIMEOUT) -> None:
        self.timeout = timeout
        ordered = sorted(rules, key=lambda r: r.order)
        self.rules = tuple(ordered)
        self._by_scope = {s: tuple(r for r in ordered if r.scope == s) for s in SCOPE_RANK}
        # Whole-line patterns that open with a wide wildcard ('.{0,400}...Foto/...')
        # backtrack over the whole line from the left; matched right to left (same
        # result for a full match) they fail fast. They are tried one by one.
        self._reverse = {r.id: regex.compile("(?r)" + r.source) for r in ordered
                         if r.scope != "inline" and _opens_wide(r.source)}
        self._widths = {r.id: nonspace_width(r.source) for r in ordered}
        """Per rule: at most how many characters other than white space a match holds."""
        self._reaches = {r.id: tail_reach(r.source) for r in ordered}
        """Per rule that matches only at the end of a line: how far back a match starts
        at most, in characters other than white space."""
        self._gate = _Gate(self._by_scope)
        self._scopes = {s: _Scope(self._by_scope[s], self._gate.rules[s], self._reverse)
                        for s in ("line", "block", "tail")}
        # Inline rules are searched anywhere in the line, all in one pattern (a match
        # names the first rule matching at the leftmost place); it is skipped on lines
        # holding none of their literals when every inline rule has some.
        inline = self._by_scope["inline"]
        self._inline_gated = len(self._gate.rules["inline"]) == len(inline)
        # ... or, when every inline rule is gated and cannot match nothing, the named
        # rules' own searches are merged into what the combined pattern would find
        # (the regex module searches one rule much faster than an alternation of them);
        # the combined pattern is compiled only when it is used.
        self._inline_merged = self._inline_gated and all(never_empty(r.source) for r in inline)
        self._wanted = {s: (sc.free, self._gate.bits(s)) for s, sc in self._scopes.items()}
        """Per scope: whether it has rules tried on every line, and its bits of a mask."""
        # When every rule is gated, only lines holding some rule's literals are read.
        self._all_gated = self._inline_gated and not any(
            free for free, _ in self._wanted.values())
        self._kept: dict[str, dict[Any, tuple[int, Any]]] = {
            s: {} for s in ("line", "inline", "block", "tail", "follow")}
        """Per scope, for short lines met before: the line (stripped; as it is for inline
        rules), the scope's bits of its mask, and what the scope's rules found in it; for
        "follow", by block rule and stripped line, whether the line goes on its block."""
        self._kept_chars = 0
        """Characters of the lines in ``_kept`` (see ``_KEPT_BUDGET``)."""

    @functools.cached_property
    def _inline(self) -> regex.Pattern[str] | None:
        """All inline rules in one pattern (see ``_combine``)."""
        return _combine(self._by_scope["inline"])

    def _culprit(self, rules: Sequence[Rule], subject: str, line_no: int, full: bool
                 ) -> RuleTimeout:
        """The rule of a combined pattern (forward rules only) that runs away."""
        for rule in rules:
            try:
                if full:
                    rule.pattern.fullmatch(subject, timeout=self.timeout)
                else:
                    list(rule.pattern.finditer(subject, timeout=self.timeout))
            except TimeoutError:
                return RuleTimeout(rule, line_no, self.timeout)
        return RuleTimeout(rules[0], line_no, self.timeout)

    def _full(self, rule: Rule, line: Line) -> bool:
        width = self._widths[rule.id]
        if width is not None and len(line.stripped) > width and \
                _nonspace(line.stripped) > width:
            return False
        pattern = self._reverse.get(rule.id, rule.pattern)
        try:
            return pattern.fullmatch(line.stripped, timeout=self.timeout) is not None
        except TimeoutError:
            raise RuleTimeout(rule, line.number, self.timeout) from None

    def _recall(self, scope: str, key: Any, line: str, bits: int,
                work: Callable[[], Any]) -> Any:
        """What ``work`` finds in ``line``, kept when the line is short (furniture recurs
        in document after document, and its lines are short): by ``key`` in ``scope``'s
        memory, with the ``bits`` of the mask it depends on."""
        kept = self._kept[scope]
        found = kept.get(key)
        if found is not None and found[0] == bits:
            return found[1]
        result = work()
        if len(line) <= _KEPT_CHARS:
            if self._kept_chars + len(line) > _KEPT_BUDGET:
                for memory in self._kept.values():
                    memory.clear()
                self._kept_chars = 0
            kept[key] = (bits, result)
            self._kept_chars += len(line)
        return result

    def _first(self, scope: str, line: Line, mask: int) -> Rule | None:
        """The first of ``_candidates``, which depends on the stripped line and the
        scope's bits of its mask (``_recall``)."""
        return self._recall(scope, line.stripped, line.stripped,  # type: ignore[no-any-return]
                            mask & self._gate.bits(scope),
                            lambda: next(self._candidates(scope, line, mask), None))

    def _follows(self, rule: Rule, line: Line) -> bool:
        """Whether ``line`` goes on a block of ``rule`` (its ``follow`` pattern matches the
        stripped line; ``_recall``)."""
        def follows() -> bool:
            try:
                return rule.follow.fullmatch(line.stripped, timeout=self.timeout) is not None
            except TimeoutError:
                raise RuleTimeout(rule, line.number, self.timeout) from None

        return self._recall("follow", (rule.order, line.stripped),  # type: ignore[no-any-return]
                            line.stripped, 0, follows)

    def _candidates(self, scope: str, line: Line, mask: int) -> Iterator[Rule]:
        """Rules of ``scope`` whose pattern matches the whole stripped line, in order.

        The combined pattern finds the first of the free forward rules; free
        right-to-left rules and the gated rules the line holds literals of are tried one
        by one before it; later rules only if asked for."""
        rules = self._scopes[scope]
        first: Rule | None = None
        if rules.combined is not None:
            try:
                m = rules.combined.fullmatch(line.stripped, timeout=self.timeout)
            except TimeoutError:
                raise self._culprit(rules.free_forward, line.stripped, line.number,
                                    True) from None
            if m is not None:
                first = _rule_of(rules.free_forward, m)
        gated = self._gate.named(scope, mask)
        tried = sorted(rules.free_backward + tuple(gated), key=lambda r: r.order) \
            if rules.free_backward else gated
        for rule in tried:
            if first is not None and rule.order >= first.order:
                break
            if self._full(rule, line):
                first = rule
                break
        if first is None:
            return
        yield first
        maybe = set(gated) | set(rules.free_forward) | set(rules.free_backward)
        for rule in rules.rules:
            if rule.order > first.order and rule in maybe and self._full(rule, line):
                yield rule

    def _inline_found(self, subject: str, line_no: int, mask: int
                      ) -> tuple[tuple[int, int, Rule], ...]:
        """``_inline_matches`` of a line as it is, by the line and the inline bits of
        its mask (``_recall``)."""
        return self._recall("inline", subject, subject,  # type: ignore[no-any-return]
                            mask & self._gate.bits("inline"),
                            lambda: tuple(self._inline_matches(subject, line_no, mask)))

    def _inline_matches(self, subject: str, line_no: int, mask: int
                        ) -> Iterator[tuple[int, int, Rule]]:
        """The non-empty matches of the combined inline pattern in ``subject``, left to
        right, each with the first rule that matches there."""
        if not self._inline_merged:
            combined = self._inline
            assert combined is not None  # asked only for a line when inline rules exist
            try:
                for m in combined.finditer(subject, timeout=self.timeout):
                    if m.end() > m.start():
                        yield m.start(), m.end(), _rule_of(self._by_scope["inline"], m)
            except TimeoutError:
                raise self._culprit(self._by_scope["inline"], subject, line_no,
                                    False) from None
            return
        # The combined pattern matches at the leftmost place where some rule does, with
        # the first such rule, and goes on from the end of that match: each rule's next
        # match is searched again only when that match began before the end.
        rules = self._gate.named("inline", mask)
        heads = [self._search(r, subject, 0, line_no) for r in rules]
        while True:
            best = -1
            for k, m in enumerate(heads):
                if m is not None and (best < 0 or m.start() < heads[best].start()):
                    best = k
            if best < 0:
                return
            start, end = heads[best].span()
            yield start, end, rules[best]
            for k, m in enumerate(heads):
                if m is not None and m.start() < end:
                    heads[k] = self._search(rules[k], subject, end, line_no)

    def _search(self, rule: Rule, subject: str, pos: int, line_no: int
                ) -> regex.Match[str] | None:
        reach = self._reaches[rule.id]
        if reach is not None:
            pos = _tail_start(subject, pos, reach)
        try:
            return rule.pattern.search(subject, pos, timeout=self.timeout)
        except TimeoutError:
            raise RuleTimeout(rule, line_no, self.timeout) from None

    def propose(self, text: str, lines: Sequence[Line]) -> list[Proposal]:
        """Every span the rules want removed, with its precedence rank."""
        out: list[Proposal] = []
        tail_started = False
        inline, inline_gated = bool(self._by_scope["inline"]), self._inline_gated
        inline_bits = self._gate.bits("inline")
        masks = self._gate.lines(text, lines)
        # The nonblank lines to look at, in order, with their masks: when every rule is
        # gated, only those some rule may match (the gate names them in line order).
        visit = masks.items() if self._all_gated else (
            (i, masks.get(i, 0)) for i, ln in enumerate(lines) if ln.stripped)
        (line_free, line_bits), (block_free, block_bits), (tail_free, tail_bits) = (
            self._wanted[s] for s in ("line", "block", "tail"))
        for i, mask in visit:
            line = lines[i]
            rule = self._first("line", line, mask) if line_free or mask & line_bits \
                else None
            if rule is not None and rule.standalone and _continues(lines, i):
                # a fragment of a sentence: only a rule that is not standalone takes it
                rule = next((r for r in itertools.islice(
                    self._candidates("line", line, mask), 1, None) if not r.standalone), None)
            if rule is not None:
                out.append(Proposal(line.start, line.stop, rule.id, rule.category,
                                    (0, rule.order)))
            if inline and (not inline_gated or mask & inline_bits):
                for start, end, rule in self._inline_found(text[line.start:line.end],
                                                           line.number, mask):
                    out.append(Proposal(line.start + start, line.start + end, rule.id,
                                        rule.category, (1, rule.order)))
            rule = self._first("block", line, mask) if block_free or mask & block_bits \
                else None
            if rule is not None:
                stop = line.stop
                taken = 0
                for follower in _nonblank_after(lines, i):
                    if taken >= rule.max_lines or not self._follows(rule, follower):
                        break
                    stop = follower.stop
                    taken += 1
                out.append(Proposal(line.start, stop, rule.id, rule.category, (2, rule.order)))
            rule = self._first("tail", line, mask) \
                if not tail_started and (tail_free or mask & tail_bits) else None
            if rule is not None:
                after = sum(1 for _ in _nonblank_after(lines, i))
                later = itertools.islice(self._candidates("tail", line, mask), 1, None)
                rule = next((r for r in itertools.chain((rule,), later)
                             if r.max_after is None or after <= r.max_after), None)
                if rule is not None:
                    out.append(Proposal(line.start, len(text), rule.id, rule.category,
                                        (3, rule.order)))
                    tail_started = True
        return out


def _nonspace(s: str) -> int:
    """The characters of ``s`` other than white space (``str.isspace``)."""
    return sum(map(len, s.split()))


def _tail_start(subject: str, pos: int, reach: int) -> int:
    """Where to search ``subject`` from ``pos`` for a pattern whose matches start at most
    ``reach`` characters other than white space before its end (``literals.tail_reach``):
    a later place when as much lies after it, so no match starts before it."""
    start = len(subject) - 2 * reach
    return start if start > pos and _nonspace(subject[start:]) > reach else pos


_KEPT_CHARS = 200
"""Lines up to this long have what the rules found in them kept (``Matcher._recall``)."""
_KEPT_BUDGET = 1 << 19
"""Characters of kept lines a matcher holds at most, all scopes together (a few
megabytes): when they would be more, it forgets them all and starts again."""


def _nonblank_after(lines: Sequence[Line], i: int) -> Iterator[Line]:
    """The nonblank lines after line index ``i``, in order."""
    return (lines[j] for j in range(i + 1, len(lines)) if lines[j].stripped)


_CONTINUATION = regex.compile(r"[\p{Ll},.;:)\]]|[-–—](?:\s|$)")


def _continues(lines: Sequence[Line], i: int) -> bool:
    """True when the sentence runs on into the next line (it starts in lower case or
    with punctuation, or is a dateline's lone dash): the line is a fragment a scraper
    split off where a link was."""
    following = next(_nonblank_after(lines, i), None)
    return following is not None and bool(_CONTINUATION.match(following.stripped))


def repeated_proposals(lines: Sequence[Line], claimed: Sequence[Proposal] = ()
                       ) -> list[Proposal]:
    """Second and later copies of a paragraph (one line), after case and space folding.

    A line is a copy when it equals an earlier line, or, from ``CONTAINED_MIN_WORDS``
    words up, when it is contained in an earlier, longer line (a page that gives the
    whole text as one line and then again split into paragraphs). The first copy stays.
    Lines that a rule removes whole (``claimed``) are furniture, not first copies.
    """
    # A line is claimed when a span covers it: of the spans starting at or before it,
    # the one reaching furthest reaches its end.
    spans = sorted((p.start, p.end) for p in claimed if p.rank[0] != SCOPE_RANK["inline"])
    starts = [s for s, _ in spans]
    reach = list(itertools.accumulate((e for _, e in spans), max))
    lines = lines if isinstance(lines, list) else list(lines)
    return [Proposal(start, stop, "repeated.contained", "repeated", (4, 1)) if contained
            else Proposal(start, stop, "repeated.paragraph", "repeated", (4, 0))
            for start, stop, contained in repeats(lines, starts, reach, SAME_FOLDED,
                                                  REPEATED_MIN_WORDS, CONTAINED_MIN_WORDS)]

