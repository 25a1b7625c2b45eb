"""Dedup as a pipeline step: records in, the same records annotated out.

Records are spooled to a temporary file while signatures are computed, then read
back and written with their dedup fields, so memory holds signatures, not texts.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from ..io import RecordWriter, dumps
from . import DEDUP_FIELDS, DedupConfig, DedupResult, KeepPolicy, deduplicate
from .index import PREPARED


def annotate_stream(records: Iterable[dict[str, Any]], out: RecordWriter,
                    config: DedupConfig, keep: KeepPolicy, drop: bool = False,
                    on_drop: Callable[[dict[str, Any], str], None] | None = None,
                    clusters_out: IO[str] | None = None, text_field: str = "text",
                    id_field: str = "id") -> tuple[DedupResult, int]:
    """Write every record to ``out`` with its dedup fields; with ``drop``, flagged
    duplicates go to ``on_drop`` (with the reason) instead. Records without dedup fields
    are written as they were spooled, not parsed again. Returns the result and the drop
    count."""
    with tempfile.TemporaryFile("w+", encoding="utf-8", buffering=1 << 20) as spool:

        def spooled() -> Iterable[dict[str, Any]]:
            for record in records:
                for name in DEDUP_FIELDS:
                    record.pop(name, None)
                prepared = record.pop(PREPARED, None)  # from a worker: not for the output
                spool.write(dumps(record) + "\n")
                if prepared is not None:
                    record[PREPARED] = prepared
                yield record

        result = deduplicate(spooled(), config, keep, text_field=text_field,
                             id_field=id_field)
        spool.seek(0)
        dropped = 0
        for n, line in enumerate(spool):
            fields = result.fields.get(n)
            if not fields:
                out.write_dumped(line[:-1])
                continue
            record = json.loads(line)
            record.update(fields)
            if drop and "duplicate_of" in fields:
                dropped += 1
                if on_drop is not None:
                    on_drop(record, f"duplicate of {fields['duplicate_of']}")
                continue
            out.write(record)
    if clusters_out is not None:
        for cluster in result.clusters:
            row = cluster.to_dict(result.infos)
            row["config"] = config.to_dict()
            clusters_out.write(dumps(row) + "\n")
    return result, dropped
