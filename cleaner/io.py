"""Read documents from .txt, JSONL, JSONL.gz, directories and stdin; write JSONL.

Nothing is lost: input that cannot be read as a document becomes a ``Reject`` with a
reason naming the file and line, and the caller sends it to the rejects stream.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ._jsonl import dumps as fast_dumps
from ._jsonl import line as fast_line
from ._jsonl import loads as fast_loads
from ._jsonl import lone_surrogate

SUFFIXES = (".txt", ".jsonl", ".jsonl.gz", ".parquet")
PARQUET_BATCH = 2048


@dataclass(frozen=True)
class Fields:
    """Which record fields hold the text and the id."""

    text: str = "text"
    id: str = "id"


DEFAULT_FIELDS = Fields()


IO_BUFFER = 1 << 20
"""Bytes read or written per system call for input and output files (a megabyte: the
default 8 kB makes thousands of calls for a corpus; this many, tens)."""


def stable_id(text: str) -> str:
    """An id for a record that has none: the same text always gets the same id."""
    return "doc-" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


@dataclass
class Document:
    """One input document; ``record`` is the input record, passed through untouched."""

    id: str | None
    text: str
    origin: str  # "file" or "file:line", for messages
    record: dict[str, Any] = field(default_factory=dict)
    source: str | None = None
    url: str | None = None


@dataclass
class Reject:
    """Input that is not a usable document, with why."""

    origin: str
    reason: str
    id: str | None = None
    raw: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"origin": self.origin, "id": self.id, "reason": self.reason, "raw": self.raw}


NO_INPUT_FILES = "directory has no .txt, .jsonl, .jsonl.gz or .parquet files"
UNSUPPORTED = f"unsupported file type (expected {', '.join(SUFFIXES)})"


def kind_of(name: str) -> str | None:
    """The kind of input a file name says it is (its suffix), or None."""
    name = name.lower()
    for suffix in (".jsonl.gz", ".jsonl", ".txt", ".parquet"):
        if name.endswith(suffix):
            return suffix
    return None


def _kind(path: Path) -> str | None:
    return kind_of(path.name)


def _opt_str(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    return value if isinstance(value, str) else None


def to_document(record: Any, origin: str, fields: Fields = DEFAULT_FIELDS,
                allow_empty: bool = False, raw: str | None = None) -> Document | Reject:
    """A parsed record to a Document, or a Reject that says what is wrong with it. An
    empty text is a reject unless ``allow_empty`` (cleaned output may be empty). A
    record without an id gets a stable one, derived from its text."""
    if not isinstance(record, dict):
        return Reject(origin, f"a JSON object is expected, got {type(record).__name__}",
                      raw=raw)
    doc_id = record.get(fields.id)
    doc_id = None if doc_id is None else str(doc_id)
    text = record.get(fields.text)
    if text is None:
        return Reject(origin, f"record has no {fields.text!r} field", id=doc_id,
                      raw=raw if raw is not None else dumps(record))
    if not isinstance(text, str):
        return Reject(origin, f"{fields.text!r} must be a string, got {type(text).__name__}",
                      id=doc_id, raw=raw if raw is not None else dumps(record))
    if (not text or text.isspace()) and not allow_empty:
        return Reject(origin, "empty document", id=doc_id,
                      raw=raw if raw is not None else dumps(record))
    if doc_id is None:
        doc_id = stable_id(text)
        record = {**record, fields.id: doc_id}
    return Document(doc_id, text, origin, record, _opt_str(record, "source"),
                    _opt_str(record, "url"))


def parse_record(raw: bytes | str, origin: str, allow_empty: bool = False,
                 fields: Fields = DEFAULT_FIELDS) -> Document | Reject:
    """One JSONL line to a Document, or a Reject that says what is wrong with it. A line
    the compiled reader (``_jsonl.loads``) reads into a document is one; anything else
    (a reject to explain, or JSON it leaves to the json module) is read here."""
    if isinstance(raw, bytes):
        record = fast_loads(raw)
        if record is not None:
            doc = to_document(record, origin, fields, allow_empty)
            if not isinstance(doc, Reject):
                return doc
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Reject(origin, f"invalid UTF-8 at byte {exc.start}",
                          raw=raw.decode("utf-8", "replace"))
    try:
        record = json.loads(raw)
    except json.JSONDecodeError as exc:
        return Reject(origin, f"not valid JSON: {exc.msg} at column {exc.colno}", raw=raw)
    except RecursionError:
        return Reject(origin, "JSON nested too deeply to read", raw=raw)
    except ValueError as exc:  # an int of more digits than Python converts
        return Reject(origin, f"not valid JSON: {exc}", raw=raw)
    if lone_surrogate(record):
        doc_id = record.get(fields.id) if isinstance(record, dict) else None
        return Reject(origin, "a string holds a lone surrogate (a \\uD800-\\uDFFF escape "
                      "not in a pair): not valid Unicode, it cannot be written as UTF-8",
                      id=None if doc_id is None else str(doc_id), raw=raw)
    return to_document(record, origin, fields, allow_empty, raw)


def _read_jsonl(stream: IO[bytes], name: str, allow_empty: bool = False,
                fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | Reject]:
    for number, raw in enumerate(stream, 1):
        if raw.isspace():  # a line holds at least its line break, or is the last one
            continue
        yield parse_record(raw.rstrip(b"\r\n"), f"{name}:{number}", allow_empty, fields)


def _read_parquet(data: IO[bytes], name: str, allow_empty: bool, fields: Fields
                  ) -> Iterator[Document | Reject]:
    import pyarrow.parquet as pq

    try:
        reader = pq.ParquetFile(data)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        yield Reject(name, f"cannot read Parquet file: {exc}")
        return
    row = 0
    for batch in reader.iter_batches(batch_size=PARQUET_BATCH):
        for record in batch.to_pylist():
            row += 1
            yield to_document(record, f"{name}:row {row}", fields, allow_empty)


def _read_txt(data: bytes, name: str, fields: Fields = DEFAULT_FIELDS) -> Document | Reject:
    stem = PurePosixPath(name).stem
    if b"\x00" in data:
        return Reject(name, "binary file (NUL bytes), not text", id=stem)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        return Reject(f"{name}:{line}", f"invalid UTF-8 at byte {exc.start}", id=stem,
                      raw=data.decode("utf-8", "replace"))
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        return Reject(name, "empty document", id=stem)
    return Document(stem, text, name, {fields.id: stem})


def read_data(data: IO[bytes], name: str, allow_empty: bool = False,
              fields: Fields = DEFAULT_FIELDS) -> Iterator[Document | Reject]:
    """Documents and rejects from one file's bytes, read as the kind its ``name`` says;
    ``name`` is used in messages, and a .txt file's id is its stem."""
    kind = kind_of(name)
    if kind == ".txt":
        yield _read_txt(data.read(), name, fields)
    elif kind == ".jsonl":
        yield from _read_jsonl(data, name, allow_empty, fields)
    elif kind == ".jsonl.gz":
        try:
            with gzip.open(data, "rb") as fh:
                yield from _read_jsonl(fh, name, allow_empty, fields)
        except (gzip.BadGzipFile, EOFError, OSError) as exc:
            yield Reject(name, f"cannot read gzip file: {exc}")
    elif kind == ".parquet":
        yield from _read_parquet(data, name, allow_empty, fields)
    else:
        yield Reject(name, UNSUPPORTED)


def _read_file(path: Path, allow_empty: bool = False, fields: Fields = DEFAULT_FIELDS
               ) -> Iterator[Document | Reject]:
    kind = _kind(path)
    if kind is None:
        yield Reject(str(path), UNSUPPORTED)
        return
    if kind == ".txt":
        yield _read_txt(path.read_bytes(), str(path), fields)
        return
    with path.open("rb", buffering=IO_BUFFER) as fh:
        yield from read_data(fh, str(path), allow_empty, fields)


def read_inputs(inputs: list[str], stdin: IO[bytes] | None = None,
                allow_empty: bool = False, fields: Fields = DEFAULT_FIELDS
                ) -> Iterator[Document | Reject]:
    """Documents and rejects from every input, in order; ``-`` is JSONL on stdin.
    ``allow_empty`` lets records with an empty text through (cleaned output)."""
    for item in inputs:
        if item == "-":
            yield from _read_jsonl(stdin or sys.stdin.buffer, "<stdin>", allow_empty, fields)
            continue
        path = Path(item)
        try:
            if path.is_dir():
                files = sorted(p for p in path.rglob("*") if p.is_file() and _kind(p))
                if not files:
                    yield Reject(item, NO_INPUT_FILES)
                for f in files:
                    yield from _read_file(f, allow_empty, fields)
            elif not path.exists():
                yield Reject(item, "no such file")
            else:
                yield from _read_file(path, allow_empty, fields)
        except OSError as exc:
            yield Reject(item, f"cannot read: {exc.strerror or exc}")


def dumps(record: dict[str, Any]) -> str:
    """``json.dumps(record, ensure_ascii=False)``: in one compiled call (``_jsonl.dumps``)
    for records of plain JSON values, by the json module otherwise."""
    line = fast_dumps(record)
    return line if line is not None else json.dumps(record, ensure_ascii=False)


def dumps_line(record: dict[str, Any]) -> bytes:
    """``dumps(record)`` and a line break, in UTF-8 (``_jsonl.line``, which writes the
    UTF-8 as it goes)."""
    line = fast_line(record)  # None where fast_dumps would give None too
    return line if line is not None else \
        (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


class AtomicWriter:
    """Writes to a temporary file beside ``path`` and moves it into place on success, so
    an interrupted run never leaves a half-written file that looks finished. ``-`` or
    None writes to stdout."""

    def __init__(self, path: str | None) -> None:
        self.path = None if path in (None, "-") else Path(path)
        self._tmp: str | None = None
        self._raw: IO[bytes] | None = None
        self.fh: IO[str]

    def __enter__(self) -> IO[str]:
        if self.path is None:
            self.fh = sys.stdout
            return self.fh
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".part",
                                         dir=self.path.parent)
        if self.path.name.endswith(".gz"):
            self._raw = os.fdopen(fd, "wb")
            self.fh = gzip.open(self._raw, "wt", encoding="utf-8")
        else:
            self.fh = os.fdopen(fd, "w", encoding="utf-8", buffering=IO_BUFFER)
        return self.fh

    @property
    def tmp_path(self) -> str:
        """The temporary file being written (moved into place on success)."""
        assert self._tmp is not None
        return self._tmp

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.path is None:
            self.fh.flush()
            return
        if not self.fh.closed:
            self.fh.close()
        if self._raw is not None:
            self._raw.close()
        assert self._tmp is not None
        if exc_type is None:
            os.replace(self._tmp, self.path)
        else:
            os.unlink(self._tmp)


ADDED_FIELDS = ("removed", "quality", "flags", "cluster", "duplicate_of", "similarity",
                "contained_in")
"""The fields cleaner adds to records; Parquet output always has a column for each."""


def _parquet_type(name: str, inferred: Any) -> Any:
    """Explicit Arrow types for the fields cleaner adds; strings for all-null columns."""
    import pyarrow as pa

    from .quality import SIGNALS

    span = pa.struct([("start", pa.int64()), ("end", pa.int64()), ("rule", pa.string()),
                      ("category", pa.string()), ("text", pa.string())])
    known = {
        "removed": pa.list_(span),
        "quality": pa.struct([(s, pa.float64()) for s in SIGNALS]),
        "flags": pa.list_(pa.string()),
        "cluster": pa.string(),
        "duplicate_of": pa.string(),
        "similarity": pa.float64(),
        "contained_in": pa.struct([("id", pa.string()), ("containment", pa.float64()),
                                   ("similarity", pa.float64())]),
    }
    if name in known:
        return known[name]
    return pa.string() if pa.types.is_null(inferred) else inferred


def parquet_schema(rows: list[dict[str, Any]]) -> Any:
    """The Arrow schema of Parquet output whose first records are ``rows``: inferred
    from them, with explicit types for the fields cleaner adds (always present)."""
    import pyarrow as pa

    inferred = pa.Table.from_pylist(rows).schema
    fields = [(f.name, _parquet_type(f.name, f.type)) for f in inferred]
    # the fields cleaner may add later in the stream, so no batch can lose them
    for name in ADDED_FIELDS:
        if name not in inferred.names:
            fields.append((name, _parquet_type(name, pa.null())))
    return pa.schema(fields)


def check_columns(rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Raise ValueError if a record has a field the Parquet schema has no column for."""
    names = set(columns)
    for row in rows:
        extra = set(row) - names
        if extra:
            raise ValueError(
                f"Parquet output: field(s) {sorted(extra)} first appear after the "
                "first batch of records, so they have no column; write JSONL instead")


class RecordWriter:
    """Writes records as JSONL (stdout for ``-``/None), JSONL.gz or Parquet, chosen by
    the output's extension; files appear only when complete (see AtomicWriter)."""

    def __init__(self, path: str | None, schema: Any = None) -> None:
        self.parquet = bool(path) and str(path).lower().endswith(".parquet")
        self._atomic = AtomicWriter(path)
        self._schema = schema
        self._rows: list[dict[str, Any]] = []
        self._writer: Any = None

    def __enter__(self) -> RecordWriter:
        self._fh = self._atomic.__enter__()
        # JSONL goes out as UTF-8 bytes, under the text layer (flushed with it)
        self._bytes: IO[bytes] | None = getattr(self._fh, "buffer", None)
        return self

    def write(self, record: dict[str, Any]) -> None:
        if not self.parquet:
            self._write_line(dumps_line(record))
            return
        self._rows.append(record)
        if len(self._rows) >= PARQUET_BATCH:
            self._flush()

    def write_dumped(self, line: str) -> None:
        """Write a record already serialised by ``dumps`` (one line, no newline): as it
        is to JSONL, parsed for Parquet."""
        if self.parquet:
            self.write(json.loads(line))
        else:
            self._write_line((line + "\n").encode("utf-8"))

    def _write_line(self, line: bytes) -> None:
        if self._bytes is not None:
            self._bytes.write(line)
        else:  # a text stream without a byte layer (io.StringIO as stdout)
            self._fh.write(line.decode("utf-8"))

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        if self._schema is None:
            self._schema = parquet_schema(self._rows)
        check_columns(self._rows, self._schema.names)
        if self._writer is None:
            self._fh.close()
            self._writer = pq.ParquetWriter(self._atomic.tmp_path, self._schema)
        self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
        self._rows = []

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.parquet and exc_type is None:
            self._flush()
            if self._writer is not None:
                self._writer.close()
            else:  # no record at all: an empty file with no columns
                import pyarrow as pa
                import pyarrow.parquet as pq

                self._fh.close()
                pq.write_table(pa.table({}), self._atomic.tmp_path)
        self._atomic.__exit__(exc_type, exc, tb)
