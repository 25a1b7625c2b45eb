"""Corpus-level dedup on Spark, deciding exactly what the local engine decides.

Input: one row per document in input order ``n`` (raw id, pickled facts, exact key,
shingle count, signature bytes, computed per partition by the local signing code).
Exact copies are grouped by key; the first copy of each text gets LSH band rows
(band, band key, n) from the local ``band_keys``; Spark groups them into buckets (a
window per band and key) in which each member is paired with the ``MAX_BUCKET`` before
it, as ``candidate_pairs`` does.
Candidates are verified on their signatures with the local ``verify``; exact and near
links form clusters by connected components (large-star / small-star), and each
cluster, gathered on one executor, goes through the local ``build_clusters`` and
``cluster_fields``; containment through ``contained_fields``.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dedup import DedupConfig, DocInfo, Index, KeepPolicy, Match
from ..dedup.clusters import build_clusters, cluster_fields, contained_fields
from ..dedup.index import MAX_BUCKET, band_keys, verify
from ..io import dumps
from .components import connected_components

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MATCHES = ("a long, b long, kind string, similarity double, containment double, "
           "a_id string, b_id string")


@dataclass
class Dedup:
    """What dedup decided, as DataFrames: ``fields`` (n, cluster fields as JSON,
    duplicate_of, contained_in as JSON), ``clusters`` (root, JSON line, all-exact) in
    the local engine's order by ``root``, and the connected-components rounds."""

    fields: DataFrame
    clusters: DataFrame
    rounds: int


def signature_dtype(config: DedupConfig) -> np.dtype:
    """The dtype of this configuration's signatures (what ``Index.prepare`` returns)."""
    sig = Index(config).prepare("satu dua tiga empat lima")[2]
    assert sig is not None
    return sig.dtype


def assign_ids(docs: DataFrame) -> DataFrame:
    """(n, id): the local engine's ids: the record's id, ``#n`` without one, and a
    repeated id gets ``#n`` appended (``n`` its position), each compared with the ids
    given to the documents before it."""
    from pyspark.sql import functions as F

    base = docs.select("n", F.coalesce("rid", F.concat(F.lit("#"), F.col("n").cast("string")))
                       .alias("base"))
    if base.groupBy("base").count().where(F.col("count") > 1).limit(1).count() == 0:
        return base.select("n", F.col("base").alias("id"))
    current = base.select("n", "base", F.col("base").alias("id")).localCheckpoint()
    while True:
        first = current.groupBy("id").agg(F.min("n").alias("first"))
        first = first.select(F.col("id").alias("base"), "first")
        renamed = current.select("n", "base").join(first, "base", "left").select(
            "n", "base",
            F.when(F.col("first").isNull() | (F.col("first") >= F.col("n")), F.col("base"))
            .otherwise(F.concat("base", F.lit("#"), F.col("n").cast("string"))).alias("id"))
        renamed = renamed.localCheckpoint()
        changed = (renamed.alias("x").join(current.alias("y"), "n")
                   .where(F.col("x.id") != F.col("y.id")).limit(1).count())
        current = renamed
        if not changed:
            return current.select("n", "id")


def _band_keys(rows: Iterator[Any], bands: int, rows_per_band: int, dtype: np.dtype
               ) -> Iterator[tuple[int, list[int]]]:
    """(n, the key of each band) for a partition of (n, signature) rows, by the local
    ``band_keys`` (as int64: Spark has no unsigned type; equal stays equal)."""
    batch = list(rows)
    if not batch:
        return
    sigs = np.stack([np.frombuffer(r["sig"], dtype=dtype) for r in batch])
    keys = band_keys(sigs, bands, rows_per_band).view(np.int64).tolist()
    for r, row_keys in zip(batch, keys, strict=True):
        yield r["n"], row_keys


def _verified(rows: Iterator[Any], config: DedupConfig, dtype: np.dtype) -> Iterator[tuple]:
    for r in rows:
        sim = float((np.frombuffer(r["sig_i"], dtype=dtype)
                     == np.frombuffer(r["sig_j"], dtype=dtype)).mean())
        found = verify(config, r["i"], r["j"], sim, float(r["size_i"]), float(r["size_j"]))
        if found is not None:
            a, b, kind, similarity, containment = found
            ids = {r["i"]: r["id_i"], r["j"]: r["id_j"]}
            yield a, b, kind, similarity, containment, ids[a], ids[b]


def _cluster(row: Any, policy: KeepPolicy, config: dict[str, Any]) -> tuple:
    """One connected component through the local code, its members renumbered in order
    (which changes no decision: every tie falls back to input order)."""
    members = sorted(row["members"], key=lambda m: m["node"])
    local = {m["node"]: k for k, m in enumerate(members)}
    infos = [DocInfo(k, m["id"], *pickle.loads(m["info"])) for k, m in enumerate(members)]
    links = [Match(local[x["a"]], local[x["b"]], x["a_id"], x["b_id"], x["kind"],
                   x["similarity"]) for x in row["links"]]
    (cluster,) = build_clusters(infos, links, policy)
    line = cluster.to_dict(infos)
    line["config"] = config
    fields = [(members[k]["node"], dumps(v), v.get("duplicate_of"))
              for k, v in cluster_fields(infos, [cluster]).items()]
    return (row["root"], dumps(line), all(m.kind == "exact" for m in cluster.links), fields)


def _contained(row: Any) -> Iterator[tuple[int, str]]:
    a = row["a"]
    matches = [Match(a, x["b"], x["a_id"], x["b_id"], "contained", x["similarity"],
                     x["containment"]) for x in row["found"]]
    matches += [Match(a, b, "", "", "exact", 1.0) for b in row["copies"] or ()]
    for n, value in contained_fields(matches).items():
        yield n, dumps(value)


def candidates(distinct: DataFrame, config: DedupConfig, dtype: np.dtype) -> DataFrame:
    """(i, j), i < j: the local ``candidate_pairs`` of the rows (n, sig), by Spark: band
    rows (band, band key, n), grouped by (band, band key) into buckets in which each
    member is paired with the ``MAX_BUCKET`` members before it."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    lsh = config.lsh()
    keyed = distinct.sparkSession.createDataFrame(
        distinct.select("n", "sig").rdd.mapPartitions(
            lambda rows: _band_keys(rows, lsh.b, lsh.r, dtype)), "n long, keys array<long>",
        verifySchema=False)
    bands = keyed.select("n", F.posexplode("keys").alias("band", "bkey"))
    bucket = Window.partitionBy("band", "bkey").orderBy("n").rowsBetween(-MAX_BUCKET, -1)
    return (bands.select(F.collect_list("n").over(bucket).alias("before"), F.col("n").alias("j"))
            .select(F.explode("before").alias("i"), "j").distinct())


def deduplicate(docs: DataFrame, config: DedupConfig, policy: KeepPolicy) -> Dedup:
    """Exact, near and contained duplicates among ``docs`` (n, rid, info, key, size,
    sig), their clusters and each document's dedup fields."""
    from pyspark.sql import functions as F

    spark = docs.sparkSession
    dtype = signature_dtype(config)
    d = docs.select("n", "info", "key", "size", "sig").join(assign_ids(docs), "n").persist()

    firsts = d.where(F.col("key").isNotNull()).groupBy("key").agg(F.min("n").alias("first"))
    keyed = d.join(firsts, "key", "left")
    ids = d.select("n", "id")
    exact = (keyed.where(F.col("first") != F.col("n"))
             .select(F.col("first").alias("a"), F.col("n").alias("b"), F.col("id").alias("b_id"))
             .join(ids.select(F.col("n").alias("a"), F.col("id").alias("a_id")), "a")
             .select("a", "b", F.lit("exact").alias("kind"), F.lit(1.0).alias("similarity"),
                     F.lit(None).cast("double").alias("containment"), "a_id", "b_id"))
    distinct = keyed.where(F.col("first") == F.col("n")).select("n", "id", "size", "sig")

    pairs = candidates(distinct, config, dtype)
    side = {s: distinct.select(*(F.col(c).alias(f"{c}_{s}") for c in ("id", "size", "sig")),
                               F.col("n").alias(s)) for s in ("i", "j")}
    joined = pairs.join(side["i"], "i").join(side["j"], "j")
    near = spark.createDataFrame(
        joined.rdd.mapPartitions(lambda rows: _verified(rows, config, dtype)), MATCHES,
        verifySchema=False)
    matches = exact.unionByName(near).persist()

    links = matches.where(F.col("kind") != "contained")
    labels, rounds = connected_components(links)
    members = (labels.join(d.select(F.col("n").alias("node"), "id", "info"), "node")
               .groupBy("root")
               .agg(F.collect_list(F.struct("node", "id", "info")).alias("members")))
    linked = (links.join(labels.select(F.col("node").alias("a"), "root"), "a")
              .groupBy("root").agg(F.collect_list(
                  F.struct("a", "b", "kind", "similarity", "a_id", "b_id")).alias("links")))
    settings = config.to_dict()
    clusters = spark.createDataFrame(
        members.join(linked, "root").rdd.map(lambda r: _cluster(r, policy, settings)),
        "root long, json string, exact boolean, "
        "fields array<struct<n: long, cfields: string, dup: string>>",
        verifySchema=False).persist()

    found = (matches.where(F.col("kind") == "contained").groupBy("a").agg(F.collect_list(
        F.struct("b", "similarity", "containment", "a_id", "b_id")).alias("found")))
    copies = (matches.where(F.col("kind") == "exact").groupBy("a")
              .agg(F.collect_list("b").alias("copies")))
    contained = spark.createDataFrame(found.join(copies, "a", "left").rdd.flatMap(_contained),
                                      "n long, cin string", verifySchema=False)
    in_clusters = clusters.select(F.explode("fields").alias("x")).select("x.*")
    fields = in_clusters.join(contained, "n", "full").persist()
    return Dedup(fields, clusters.select("root", "json", "exact"), rounds)
