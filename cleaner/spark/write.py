"""Write ordered JSONL lines as a directory of part files (JSONL, JSONL.gz or Parquet by
the path's extension), or to stdout.

Each directory is written beside its path and moved into place when complete, so an
interrupted run leaves no half-written output. Part files are named ``part-NNNNN.jsonl``
(``.jsonl.gz``, or Spark's ``.parquet`` names): read in name order, by either engine,
they are the local engine's output in the same order.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any

from ..io import PARQUET_BATCH, check_columns, parquet_schema
from .files import FileSystem

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import DataType

_PART = re.compile(r"^part-(\d+)-.*\.txt(\.gz)?$")


def _spark_type(t: Any) -> DataType:
    """The Spark type for an Arrow type, as far as records need."""
    import pyarrow as pa
    from pyspark.sql import types as T

    if pa.types.is_boolean(t):
        return T.BooleanType()
    if pa.types.is_integer(t):
        return T.LongType()
    if pa.types.is_floating(t):
        return T.DoubleType()
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return T.BinaryType()
    if pa.types.is_timestamp(t):
        return T.TimestampType()
    if pa.types.is_date(t):
        return T.DateType()
    if pa.types.is_decimal(t):
        return T.DecimalType(t.precision, t.scale)
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return T.ArrayType(_spark_type(t.value_type))
    if pa.types.is_struct(t):
        return T.StructType([T.StructField(f.name, _spark_type(f.type)) for f in t])
    if pa.types.is_map(t):
        return T.MapType(_spark_type(t.key_type), _spark_type(t.item_type))
    return T.StringType()


def _conform(value: Any, t: DataType) -> Any:
    """A JSON value in the shape Spark takes for type ``t`` (numbers as the column's)."""
    from pyspark.sql import types as T

    if value is None:
        return None
    if isinstance(t, T.StructType):
        return tuple(_conform(value.get(f.name), f.dataType) for f in t.fields)
    if isinstance(t, T.ArrayType):
        return [_conform(v, t.elementType) for v in value]
    if isinstance(t, T.MapType):
        return {k: _conform(v, t.valueType) for k, v in value.items()}
    if isinstance(t, T.DoubleType) and isinstance(value, int | float):
        return float(value)
    return value


def _row(line: str, schema: Any, names: list[str]) -> Any:
    record = json.loads(line)
    check_columns([record], names)
    return _conform(record, schema)


def write_lines(lines: DataFrame, path: str | None) -> None:
    """Write the ordered one-column DataFrame of JSON lines to ``path`` (stdout for None
    or ``-``), as the extension says."""
    if path in (None, "-"):
        out = sys.stdout
        for row in lines.toLocalIterator():
            out.write(row[0] + "\n")
        out.flush()
        return
    assert path is not None
    hfs = FileSystem(lines.sparkSession)
    tmp = hfs.temporary(path)
    try:
        if path.lower().endswith(".parquet"):
            _write_parquet(lines, tmp)
        else:
            gz = path.lower().endswith(".gz")
            lines.write.option("compression", "gzip" if gz else "none").text(tmp)
            for name in hfs.children(tmp):
                m = _PART.match(name)
                if m:
                    hfs.rename(f"{tmp}/{name}", f"{tmp}/part-{m.group(1)}.jsonl{m.group(2) or ''}")
        hfs.delete(path)
        hfs.rename(tmp, path)
    finally:
        hfs.delete(tmp)


def _write_parquet(lines: DataFrame, tmp: str) -> None:
    """Parquet with the local engine's schema: inferred from the first records, with
    cleaner's own fields typed explicitly."""
    spark = lines.sparkSession
    first = [json.loads(r[0]) for r in lines.take(PARQUET_BATCH)]
    if not first:  # no record: no rows
        spark.createDataFrame([], "text string").write.parquet(tmp)
        return
    from pyspark.sql import types as T

    arrow = parquet_schema(first)
    schema = T.StructType([T.StructField(f.name, _spark_type(f.type)) for f in arrow])
    names = list(arrow.names)
    rows = lines.rdd.map(lambda r: _row(r[0], schema, names))
    spark.createDataFrame(rows, schema).write.parquet(tmp)
