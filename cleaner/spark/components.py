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
    """Every node has at most one parent, and no node with a parent is one: each
    component is a star around its smallest node. One aggregation over the edges."""
    from pyspark.sql import functions as F

    roles = e.select(F.col("u").alias("x"), F.lit(1).alias("up"), F.lit(0).alias("down")).union(
        e.select(F.col("v").alias("x"), F.lit(0).alias("up"), F.lit(1).alias("down")))
    bad = (roles.groupBy("x").agg(F.sum("up").alias("up"), F.max("down").alias("down"))
           .where((F.col("up") > 1) | ((F.col("up") == 1) & (F.col("down") == 1))))
    return bad.limit(1).count() == 0


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
        e = _small_star(_large_star(e)).localCheckpoint()
    labels = e.select(F.col("u").alias("node"), F.col("v").alias("root")).union(
        e.select(F.col("v").alias("node"), F.col("v").alias("root")).distinct())
    return labels, rounds
