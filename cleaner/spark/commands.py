"""``cleaner clean|dedup|run --engine spark``: the local engine's commands on Spark, with
the same outputs, rejects, clusters and summaries.

Documents in = out + dropped + rejected, as locally: unreadable input and rule
timeouts go to the rejects dataset with their reason, documents dropped for their flags
or as duplicates with their whole record.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import TYPE_CHECKING, Any

from ..core import Cleaner
from ..dedup import DedupConfig
from ..io import Fields, Reject, dumps
from ..pipeline import MAX_REJECT_MESSAGES, Run, drop_row
from .clean import SCHEMA, Job, process
from .dedup import Dedup, deduplicate
from .files import list_inputs
from .read import read_items
from .session import get_session
from .write import write_lines

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


def _rows(spark: SparkSession, inputs: list[str], cleaner: Cleaner | None, fields: Fields,
          drop_flags: frozenset[str] | None, dedup: DedupConfig | None) -> DataFrame:
    """One row per input item (see ``clean.SCHEMA``), computed once and kept."""
    files, rejects = list_inputs(spark, inputs)
    items = read_items(spark, files, rejects, allow_empty=cleaner is None, fields=fields)
    job = spark.sparkContext.broadcast(Job.of(cleaner, fields, drop_flags, dedup))
    rows = items.mapPartitions(lambda part: process(part, job.value))
    return spark.createDataFrame(rows, SCHEMA, verifySchema=False).persist()


def _tally(run: Run, rows: DataFrame) -> None:
    """The local engine's counts, and its messages for the first rejects, in order."""
    from pyspark.sql import functions as F

    counts = {r["kind"]: r["count"] for r in rows.groupBy("kind").count().collect()}
    run.docs_in = sum(counts.values())
    run.docs_out = counts.get("out", 0)
    run.dropped = counts.get("drop", 0)
    first = (rows.where(F.col("kind") == "reject").orderBy("f", "l").select("json")
             .limit(MAX_REJECT_MESSAGES + 1).collect())
    for row in first:
        run.reject(Reject(**json.loads(row["json"])))
    run.rejected = counts.get("reject", 0)
    # counted in order of first appearance, as locally (ties in the summary keep it)
    cleaned = rows.where(F.col("kind") != "reject")
    both = [cleaned.select(F.lit(column).alias("c"), "f", "l",
                           F.posexplode(column).alias("pos", "x")) for column in ("cats", "flags")]
    tally = (both[0].unionByName(both[1]).groupBy("c", "x")
             .agg(F.count("*").alias("count"), F.min(F.struct("f", "l", "pos")).alias("at")))
    counters = {"cats": run.categories, "flags": run.flags}
    for r in sorted(tally.collect(), key=lambda r: tuple(r["at"])):
        counters[r["c"]][r["x"]] = r["count"]


def _positions(out: DataFrame) -> DataFrame:
    """The output rows in input order with ``n``, their position (0, 1, 2, ...):
    partition sizes go to the driver, the rows do not."""
    from pyspark.sql import functions as F

    ordered = out.orderBy("f", "l").select(
        "json", "rid", "info", "key", "size", "sig", F.spark_partition_id().alias("p"),
        F.monotonically_increasing_id().alias("mono")).persist()
    starts, total = [], 0
    for row in sorted(ordered.groupBy("p").count().collect()):
        starts.append((row["p"], total))
        total += row["count"]
    offsets = out.sparkSession.createDataFrame(starts, "p int, start long")
    n = F.col("start") + F.col("mono") - F.shiftleft(F.col("p").cast("long"), 33)
    return (ordered.join(F.broadcast(offsets), "p")
            .select(n.alias("n"), "json", "rid", "info", "key", "size", "sig").persist())


def _merge(line: str, cfields: str | None, cin: str | None) -> str:
    record = json.loads(line)
    if cfields:
        record.update(json.loads(cfields))
    if cin:
        record["contained_in"] = json.loads(cin)
    return dumps(record)


def _annotated(docs: DataFrame, result: Dedup) -> DataFrame:
    """(n, json, dup): every record in input order with its dedup fields."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    merge = F.udf(_merge, StringType())
    joined = docs.select("n", "json").join(result.fields, "n", "left")
    plain = F.col("cfields").isNull() & F.col("cin").isNull()
    # only the records with dedup fields go through Python (a UDF inside when() would
    # still be called for every row)
    kept = joined.where(plain).select("n", "json", "dup")
    merged = joined.where(~plain).select("n", merge("json", "cfields", "cin").alias("json"),
                                         "dup")
    return kept.unionByName(merged).orderBy("n").persist()


def _dedup_stage(spark: SparkSession, args: argparse.Namespace, run: Run, rows: DataFrame,
                 config: DedupConfig, keep: Any) -> tuple[dict[str, int], int]:
    """Dedup the output rows; write the output, the clusters and the rejects. Returns
    the dedup counts and how many duplicates were dropped."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    fields = run.fields
    docs = _positions(rows.where(F.col("kind") == "out"))
    result = deduplicate(docs.select("n", "rid", "info", "key", "size", "sig"), config, keep)
    final = _annotated(docs, result)
    rejects = rows.where(F.col("kind") != "out").select(F.lit(0).alias("phase"), "f", "l",
                                                        "json")
    dropped = 0
    if args.drop:
        to_drop = F.udf(lambda line, dup: dumps(drop_row(json.loads(line), "dedup",
                                                         f"duplicate of {dup}", fields)),
                        StringType())
        gone = final.where(F.col("dup").isNotNull())
        rejects = rejects.unionByName(gone.select(
            F.lit(1).alias("phase"), F.col("n").alias("f"), F.lit(0).cast("long").alias("l"),
            to_drop("json", "dup").alias("json")))
        dropped = gone.count()
        final = final.where(F.col("dup").isNull())
    write_lines(final.select("json"), args.output)
    if args.clusters:
        write_lines(result.clusters.orderBy("root").select("json"), args.clusters)
    if args.rejects:
        write_lines(rejects.orderBy("phase", "f", "l").select("json"), args.rejects)
    clusters = {r["exact"]: r["count"] for r in result.clusters.groupBy("exact").count().collect()}
    flagged = result.fields.agg(F.count("dup").alias("d"), F.count("cin").alias("c")).first()
    counts = {
        "documents": run.docs_out, "exact_clusters": clusters.get(True, 0),
        "near_clusters": clusters.get(False, 0), "duplicates": flagged["d"],
        "contained": flagged["c"],
    }
    run.dropped += dropped
    run.docs_out -= dropped
    print(f"cleaner: spark: clusters by connected components in {result.rounds} rounds",
          file=sys.stderr)
    return counts, dropped


def cmd_clean(spark: SparkSession, args: argparse.Namespace, cleaner: Cleaner) -> int:
    from pyspark.sql import functions as F

    from ..cli import drop_flags_of, fields_of

    run = Run(cleaner, None, fields_of(args), drop_flags_of(args))
    rows = _rows(spark, args.inputs, cleaner, run.fields, run.drop_flags, None)
    _tally(run, rows)
    write_lines(rows.where(F.col("kind") == "out").orderBy("f", "l").select("json"),
                args.output)
    if args.rejects:
        write_lines(rows.where(F.col("kind") != "out").orderBy("f", "l").select("json"),
                    args.rejects)
    print(run.summary(), file=sys.stderr)
    return 1 if run.rejected else 0


def cmd_dedup(spark: SparkSession, args: argparse.Namespace, cleaner: Cleaner) -> int:
    from ..cli import dedup_input_summary, dedup_settings, dedup_summary, fields_of

    config, keep = dedup_settings(args)
    run = Run(cleaner, None, fields_of(args))
    rows = _rows(spark, args.inputs, None, run.fields, None, config)
    _tally(run, rows)
    counts, dropped = _dedup_stage(spark, args, run, rows, config, keep)
    print(dedup_input_summary(run), file=sys.stderr)
    print(dedup_summary(counts, dropped), file=sys.stderr)
    return 1 if run.rejected else 0


def cmd_run(spark: SparkSession, args: argparse.Namespace, cleaner: Cleaner) -> int:
    from ..cli import dedup_settings, dedup_summary, drop_flags_of, fields_of

    config, keep = dedup_settings(args)
    run = Run(cleaner, None, fields_of(args), drop_flags_of(args))
    rows = _rows(spark, args.inputs, cleaner, run.fields, run.drop_flags, config)
    _tally(run, rows)
    counts, dropped = _dedup_stage(spark, args, run, rows, config, keep)
    print(run.summary(), file=sys.stderr)
    print(dedup_summary(counts, dropped), file=sys.stderr)
    return 1 if run.rejected else 0


def _error(exc: BaseException) -> str | None:
    """A one-line message for an error from Spark or a task, else None."""
    kind = type(exc).__name__
    if not (kind.endswith(("Py4JJavaError", "PythonException")) or
            type(exc).__module__.startswith(("pyspark", "py4j"))):
        return None
    lines = [x.strip() for x in str(exc).splitlines() if x.strip()]
    for line in reversed(lines):
        if re.match(r"^[\w.]+(Error|Exception): ", line):
            return line
    return lines[0] if lines else kind


def run_command(args: argparse.Namespace, cleaner: Cleaner) -> int:
    """Run ``clean``, ``dedup`` or ``run`` on Spark; exit status as the local engine's."""
    spark, owned = get_session(args.spark_master)
    try:
        command = {"clean": cmd_clean, "dedup": cmd_dedup, "run": cmd_run}[args.command]
        return command(spark, args, cleaner)
    except Exception as exc:
        message = _error(exc)
        if message is None:
            raise
        print(f"cleaner: error: {message}", file=sys.stderr)
        return 1
    finally:
        if owned:
            spark.stop()
