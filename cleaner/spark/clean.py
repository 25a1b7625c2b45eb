"""What runs on the executors for each partition of input documents: the local engine's
cleaning (``clean_one``, ``output_record``, the drop rule) and dedup signing.

The rule packs (a loaded ``RuleBook``, about 170 kB pickled) and the settings travel
as one broadcast; each executor's Python worker builds its Cleaner and signer once and
keeps them for every later task of the run.
"""

from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..core import Cleaner
from ..dedup import DEDUP_FIELDS, DedupConfig, Index
from ..dedup.dates import parse_published
from ..dedup.index import Prepared
from ..io import Document, Fields, Reject, dumps
from ..parallel import clean_one
from ..pipeline import drop_row, flags_to_drop, output_record
from ..rules import RuleBook

SCHEMA = ("f long, l long, kind string, json string, rid string, info binary, key string, "
          "size long, sig binary, cats array<string>, flags array<string>")
"""One row per input item: its place (file, line), what became of it (``out``,
``reject``, ``drop``), its output or rejects line, and, for dedup, its raw id, what
dedup keeps of it (pickled), exact key, shingle count and signature bytes; the
categories of its removed spans and its flags, for the summary."""

_tools: dict[str, tuple[Cleaner | None, Index | None]] = {}


@dataclass(frozen=True)
class Job:
    """Everything an executor needs, shipped once as a broadcast."""

    book: RuleBook | None
    settings: dict[str, Any]
    fields: Fields
    drop_flags: frozenset[str] | None
    dedup: dict[str, Any] | None
    """DedupConfig settings when documents are signed for dedup."""
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, cleaner: Cleaner | None, fields: Fields, drop_flags: frozenset[str] | None,
           dedup: DedupConfig | None) -> Job:
        settings = {k: v for k, v in cleaner.settings.items() if k != "rules"} if cleaner else {}
        return cls(cleaner.book if cleaner else None, settings, fields, drop_flags,
                   dedup.to_dict() if dedup else None)

    def tools(self) -> tuple[Cleaner | None, Index | None]:
        """This worker's Cleaner and signer, built at the first task of the run."""
        if self.token not in _tools:
            _tools.clear()
            cleaner = Cleaner(rules=self.book, **self.settings) if self.book else None
            signer = Index(DedupConfig(**self.dedup)) if self.dedup else None
            _tools[self.token] = (cleaner, signer)
        return _tools[self.token]


def _reject(f: int, line: int, item: Reject) -> tuple:
    return (f, line, "reject", dumps(item.to_dict()), None, None, None, None, None, [], [])


def _out(f: int, line: int, record: dict[str, Any], job: Job, signer: Index | None,
         prepared: Prepared | None, cats: list[str], flags: list[str]) -> tuple:
    if signer is None:
        return (f, line, "out", dumps(record), None, None, None, None, None, cats, flags)
    for name in DEDUP_FIELDS:  # stale ones from an earlier run are replaced
        record.pop(name, None)
    raw_id = record.get(job.fields.id)
    text = record.get(job.fields.text)
    text = text if isinstance(text, str) else ""
    key, size, sig = prepared if prepared is not None else signer.prepare(text)
    info = pickle.dumps((record.get("source"), parse_published(record.get("published")),
                         len(text), size))
    return (f, line, "out", dumps(record), None if raw_id is None else str(raw_id), info, key,
            size, None if sig is None else sig.tobytes(), cats, flags)


def process(items: Iterator[tuple[int, int, Document | Reject]], job: Job) -> Iterator[tuple]:
    """Rows (see SCHEMA) for one partition of input items: cleaned when the job has a
    Cleaner (else passed through, as dedup takes them), signed when it has a dedup
    configuration."""
    cleaner, signer = job.tools()
    fields = job.fields
    for f, line, item in items:
        if isinstance(item, Reject):
            yield _reject(f, line, item)
            continue
        if cleaner is None:
            yield _out(f, line, dict(item.record, **{fields.text: item.text}), job, signer,
                       None, [], [])
            continue
        result, prepared = clean_one(cleaner, signer, item.text, item.source, item.url)
        if isinstance(result, str):
            yield _reject(f, line, Reject(item.origin, result, item.id, dumps(item.record)))
            continue
        record = output_record(item, result, fields)
        cats = [s.category for s in result.removed]
        flags = list(result.flags)
        dropping = flags_to_drop(result.flags, job.drop_flags)
        if dropping:
            row = drop_row(record, item.origin, "flagged: " + ", ".join(dropping), fields)
            yield (f, line, "drop", dumps(row), None, None, None, None, None, cats, flags)
            continue
        yield _out(f, line, record, job, signer, prepared, cats, flags)
