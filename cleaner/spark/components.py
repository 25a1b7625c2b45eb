"""Connected components of an edge DataFrame, by large-star / small-star iteration.

Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014). Edges are
kept as (u, v) with u > v. Large-star links every node's larger neighbours to the
smallest node of its neighbourhood; small-star links every node and its smaller
neighbours to the smallest of them. Both keep the components; repeated, they turn each
component into a star around its smallest node, where they stop. Every step is a Spark
join and aggregation whose result is checkpointed; edges never go to the driver, only
counts do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 200


def _large_star(e: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    both = e.union(e.select(F.col("v").alias("u"), F.col("u").alias("v")))
    low = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (both.where(F.col("v") > F.col("u")).join(low, "u")
            .select(F.col("v").alias("u"), F.col("m").alias("v")).distinct())


def _small_star(e: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    low = e.groupBy("u").agg(F.min("v").alias("m"))
    smaller = (e.join(low, "u").where(F.col("v") != F.col("m"))
               .select(F.col("v").alias("u"), F.col("m").alias("v")))
    return smaller.union(low.select("u", F.col("m").alias("v"))).distinct()


def _is_star_forest(e: DataFrame) -> bool:
    """Every node has one parent and no parent has one: each component is a star."""
    from pyspark.sql import functions as F

    if e.groupBy("u").count().where(F.col("count") > 1).limit(1).count():
        return False
    parents = e.select(F.col("v").alias("u")).distinct()
    return e.join(parents, "u").limit(1).count() == 0


def connected_components(edges: DataFrame, a: str = "a", b: str = "b"
                         ) -> tuple[DataFrame, int]:
    """(node, root) for every node on an edge, ``root`` being the smallest node of its
    component, and the number of rounds (one large-star and one small-star each)."""
    from pyspark.sql import functions as F

    e = (edges.select(F.greatest(a, b).alias("u"), F.least(a, b).alias("v"))
         .where(F.col("u") != F.col("v")).distinct().localCheckpoint())
    rounds = 0
    if e.limit(1).count() == 0:
        return e.select(F.col("u").alias("node"), F.col("v").alias("root")), 0
    while rounds == 0 or not _is_star_forest(e):
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
        e = _small_star(_large_star(e).localCheckpoint()).localCheckpoint()
    labels = e.select(F.col("u").alias("node"), F.col("v").alias("root")).union(
        e.select(F.col("v").alias("node"), F.col("v").alias("root")).distinct())
    return labels, rounds
