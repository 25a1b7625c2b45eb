"""Read input files into an RDD of (file index, line or row, Document or Reject).

JSONL files are read by Spark's text source, split across tasks, and every line goes
through the local engine's ``parse_record`` with its file and line, so bad lines are
rejected with the same message. .txt, .jsonl.gz and .parquet files (not splittable) are
read whole by the ``binaryFile`` source and go through the local engine's ``read_data``.
Sorting by (file index, line) gives the local engine's input order.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..io import Document, Fields, Reject, parse_record, read_data
from .files import InputFile

if TYPE_CHECKING:
    from pyspark import RDD
    from pyspark.sql import SparkSession

Item = tuple[int, int, Document | Reject]


def _lines(rows: Iterator[Any], starts: dict[tuple[str, int], int],
           names: dict[str, list[tuple[int, str]]], allow_empty: bool, fields: Fields
           ) -> Iterator[Item]:
    """Rows of one partition (path, block start, line bytes), each split's lines in
    order, numbered from the lines in the earlier splits of the same file."""
    current: tuple[str, int] | None = None
    number = 0
    for path, block, raw in rows:
        if (path, block) != current:
            current = (path, block)
            number = starts[current]
        number += 1
        data = bytes(raw)
        if not data.strip():
            continue
        data = data.rstrip(b"\r\n")
        for index, name in names[path]:
            yield index, number, parse_record(data, f"{name}:{number}", allow_empty, fields)


def _whole(path: str, content: bytes, names: dict[str, list[tuple[int, str]]],
           allow_empty: bool, fields: Fields) -> Iterator[Item]:
    for index, name in names[path]:
        items = read_data(io.BytesIO(content), name, allow_empty, fields)
        for number, item in enumerate(items, 1):
            yield index, number, item


def read_items(spark: SparkSession, files: list[InputFile], rejects: list[tuple[int, Reject]],
               allow_empty: bool, fields: Fields) -> RDD[Item]:
    """Every document and reject of the input files, in partitions of a useful size."""
    from pyspark.sql import functions as F

    sc = spark.sparkContext
    parallelism = sc.defaultParallelism
    parts: list[RDD[Item]] = []
    by_uri: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for f in files:
        by_uri[f.uri].append((f.index, f.name))

    text = sorted({f.uri for f in files if f.kind == ".jsonl"})
    if text:
        total = sum(f.size for f in files if f.kind == ".jsonl")
        split = max(1 << 20, min(128 << 20, total // (8 * parallelism) + 1))
        spark.conf.set("spark.sql.files.maxPartitionBytes", str(split))
        df = spark.read.option("lineSep", "\n").text(text).select(
            F.col("_metadata.file_path").alias("path"),
            F.col("_metadata.file_block_start").alias("block"),
            F.col("value").cast("binary").alias("raw"))
        # lines per split, so each line gets its number in its file (a few rows a file)
        blocks: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for row in df.groupBy("path", "block").count().collect():
            blocks[row["path"]].append((row["block"], row["count"]))
        starts: dict[tuple[str, int], int] = {}
        for path, splits in blocks.items():
            before = 0
            for block, count in sorted(splits):
                starts[path, block] = before
                before += count
        # the text source gives paths URI-encoded; the listing gives them plain
        names = {path: by_uri[unquote(path)] for path in blocks}
        parts.append(df.rdd.mapPartitions(
            lambda rows: _lines(rows, starts, names, allow_empty, fields)))

    whole = sorted({f.uri for f in files if f.kind != ".jsonl"})
    if whole:
        names_whole = {uri: by_uri[uri] for uri in whole}
        rdd = (spark.read.format("binaryFile").load(whole).select("path", "content").rdd
               .flatMap(lambda r: _whole(r["path"], r["content"], names_whole, allow_empty,
                                         fields)))
        if rdd.getNumPartitions() < 2 * parallelism:
            rdd = rdd.repartition(2 * parallelism)
        parts.append(rdd)

    if rejects:
        parts.append(sc.parallelize([(index, 0, r) for index, r in rejects], 1))
    if not parts:
        return sc.emptyRDD()
    return sc.union(parts) if len(parts) > 1 else parts[0]
