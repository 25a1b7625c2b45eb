"""The data that flows through cleaner: documents in, removed spans and results out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

CATEGORIES: tuple[str, ...] = (
    "related",
    "ad",
    "cta",
    "comment",
    "credit",
    "meta",
    "caption",
    "repeated",
    "contamination",
    "nav",
)


@dataclass(frozen=True, slots=True)
class RemovedSpan:
    """One removed piece of the input: ``input[start:end] == text``."""

    start: int
    end: int
    rule: str
    category: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "rule": self.rule,
            "category": self.category,
            "text": self.text,
        }


class Proposal(NamedTuple):
    """A stage's wish to remove ``[start, end)``; ``rank`` orders overlapping wishes
    (lower wins). A named tuple: stages make one per match, tens of thousands a corpus."""

    start: int
    end: int
    rule: str
    category: str
    rank: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CleanResult:
    """The cleaned text, the spans removed from the original, the site pack used, and
    the quality signals of the cleaned text with the flags they raise."""

    text: str
    removed: tuple[RemovedSpan, ...]
    original: str
    site: str | None = None
    packs: tuple[str, ...] = field(default=())
    quality: dict[str, float] = field(default_factory=dict, compare=False)
    flags: tuple[str, ...] = ()

    @property
    def removed_chars(self) -> int:
        return span_chars(self.removed)


def span_chars(spans: tuple[RemovedSpan, ...]) -> int:
    """Characters of the input that the spans cover."""
    return sum(s.end - s.start for s in spans)
