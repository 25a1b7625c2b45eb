"""Cleaning a stream of documents, counting what goes where: the work behind the CLI.

Documents are read, cleaned (in worker processes when asked), and turned into output
records; unreadable input and documents dropped for their flags go to the rejects
stream with the reason, so documents in = out + dropped + rejected.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterator
from typing import IO, Any

from .core import Cleaner
from .dedup import DedupConfig
from .dedup.index import PREPARED, Prepared
from .io import DEFAULT_FIELDS, Document, Fields, Reject, dumps, read_inputs
from .model import CATEGORIES, CleanResult, RemovedSpan
from .parallel import clean_parallel
from .stages import RuleTimeout

MAX_REJECT_MESSAGES = 20


class Progress:
    """A one-line counter on stderr, shown only when stderr is a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.on = stream.isatty()
        self.last = 0.0

    def update(self, done: int, rejected: int) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if now - self.last > 0.2:
            self.last = now
            self.stream.write(f"\rcleaner: {done:,} documents, {rejected:,} rejected")
            self.stream.flush()

    def close(self) -> None:
        if self.on and self.last:
            self.stream.write("\r\033[K")
            self.stream.flush()


class Run:
    """Cleans a stream of inputs, counting what goes where. Rejected input, and
    documents dropped for their flags, go to ``rejects`` with the reason."""

    def __init__(self, cleaner: Cleaner, rejects: IO[str] | None, fields: Fields = DEFAULT_FIELDS,
                 drop_flags: frozenset[str] | None = None, workers: int = 1,
                 dedup: DedupConfig | None = None) -> None:
        self.cleaner = cleaner
        self.workers = workers
        self.dedup = dedup
        """When set, worker processes also sign each cleaned text for dedup."""
        self.rejects = rejects
        self.fields = fields
        self.drop_flags = drop_flags
        self.docs_in = 0
        self.docs_out = 0
        self.rejected = 0
        self.dropped = 0
        self.categories: Counter[str] = Counter()
        self.rules: Counter[tuple[str, str]] = Counter()
        self.flags: Counter[str] = Counter()
        self.progress = Progress(sys.stderr)

    def reject(self, item: Reject) -> None:
        self.rejected += 1
        if self.rejected <= MAX_REJECT_MESSAGES:
            print(f"cleaner: rejected {item.origin}: {item.reason}", file=sys.stderr)
        elif self.rejected == MAX_REJECT_MESSAGES + 1:
            print("cleaner: more rejects not shown (see --rejects)", file=sys.stderr)
        if self.rejects is not None:
            self.rejects.write(dumps(item.to_dict()) + "\n")

    def drop(self, record: dict[str, Any], origin: str, reason: str) -> None:
        """A document left out of the output on request: kept in the rejects stream."""
        self.dropped += 1
        if self.rejects is not None:
            self.rejects.write(dumps(drop_row(record, origin, reason, self.fields)) + "\n")

    def inputs(self, inputs: list[str], allow_empty: bool = False
               ) -> Iterator[Document]:
        """Readable documents; unreadable input is counted and rejected on the way."""
        for item in read_inputs(inputs, allow_empty=allow_empty, fields=self.fields):
            self.docs_in += 1
            self.progress.update(self.docs_in, self.rejected)
            if isinstance(item, Reject):
                self.reject(item)
            else:
                yield item
        self.progress.close()

    def results(self, inputs: list[str], reuse_stored: bool = False
                ) -> Iterator[tuple[Document, CleanResult]]:
        """Clean every input document; with ``reuse_stored``, records that are already
        cleaner output keep their recorded spans."""
        for doc, result, _ in self._results(inputs, reuse_stored):
            yield doc, result

    def _results(self, inputs: list[str], reuse_stored: bool
                 ) -> Iterator[tuple[Document, CleanResult, Prepared | None]]:
        for item, (result, prepared) in self._cleaned(self.inputs(inputs), reuse_stored):
            if isinstance(result, str):
                self.reject(Reject(item.origin, result, item.id, dumps(item.record)))
                continue
            if result.removed:
                self.categories.update([span.category for span in result.removed])
                self.rules.update([(span.rule, span.category) for span in result.removed])
            self.flags.update(result.flags)
            yield item, result, prepared

    def _cleaned(self, docs: Iterator[Document], reuse_stored: bool
                 ) -> Iterator[tuple[Document, tuple[CleanResult | str, Prepared | None]]]:
        """(document, (result or timeout message, dedup signature or None)), in input
        order, over the workers."""
        if self.workers > 1 and not reuse_stored:
            yield from clean_parallel(docs, lambda d: (d.text, d.source, d.url),
                                      self.cleaner, self.workers, self.dedup)
            return
        for doc in docs:
            try:
                yield doc, ((stored_result(doc) if reuse_stored else None) or
                            self.cleaner.clean(doc.text, source=doc.source, url=doc.url), None)
            except RuleTimeout as exc:
                yield doc, (str(exc), None)

    def records(self, inputs: list[str]) -> Iterator[dict[str, Any]]:
        """Cleaned output records; those with a flag in ``drop_flags`` are dropped."""
        for doc, result, prepared in self._results(inputs, False):
            record = output_record(doc, result, self.fields)
            dropping = flags_to_drop(result.flags, self.drop_flags)
            if dropping:
                self.drop(record, doc.origin, "flagged: " + ", ".join(dropping))
                continue
            self.docs_out += 1
            if prepared is not None:
                record[PREPARED] = prepared
            yield record

    def summary(self) -> str:
        spans = sum(self.categories.values())
        cats = ", ".join(f"{c} {self.categories[c]:,}" for c in CATEGORIES
                         if self.categories[c])
        flags = ", ".join(f"{f} {n:,}" for f, n in self.flags.most_common())
        return (f"cleaner: {self.docs_in:,} documents in, {self.docs_out:,} out, "
                f"{self.dropped:,} dropped, {self.rejected:,} rejected; {spans:,} spans removed"
                + (f" ({cats})" if cats else "")
                + f"; flagged: {flags or 'none'}")


def flags_to_drop(flags: tuple[str, ...], drop_flags: frozenset[str] | None) -> list[str]:
    """The flags a document is dropped for: none when ``drop_flags`` is None, any flag
    when it is empty, else those in it."""
    if drop_flags is None:
        return []
    return [f for f in flags if not drop_flags or f in drop_flags]


def drop_row(record: dict[str, Any], origin: str, reason: str,
             fields: Fields = DEFAULT_FIELDS) -> dict[str, Any]:
    """The rejects-stream line of a document left out on request: the whole record."""
    return {"origin": origin, "id": record.get(fields.id), "reason": reason, "record": record}


def output_record(doc: Document, result: CleanResult, fields: Fields = DEFAULT_FIELDS
                  ) -> dict[str, Any]:
    """The input record with its text cleaned, plus ``removed``, ``quality``, ``flags``."""
    record = dict(doc.record)
    record[fields.text] = result.text
    record["removed"] = [s.to_dict() for s in result.removed]
    if result.quality:
        record["quality"] = result.quality
    record["flags"] = list(result.flags)
    return record


def stored_result(doc: Document) -> CleanResult | None:
    """The result recorded in a record that is already cleaner output, else None."""
    removed = doc.record.get("removed")
    if not isinstance(removed, list):
        return None
    try:
        spans = tuple(RemovedSpan(int(s["start"]), int(s["end"]), str(s["rule"]),
                                  str(s["category"]), str(s["text"])) for s in removed)
    except (KeyError, TypeError, ValueError):
        return None
    return CleanResult(text=doc.text, removed=spans, original="")
