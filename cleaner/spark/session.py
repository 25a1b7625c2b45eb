"""The SparkSession a command runs in."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def get_session(master: str | None) -> tuple[SparkSession, bool]:
    """The active session if there is one (its master wins), else a new one on
    ``master`` (default: spark-submit's, else ``local[*]``); True if the caller made it
    and so must stop it."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ  # started by spark-submit
    local = (master or ("" if submitted else "local")).startswith("local")
    if local:
        # local-mode Python workers must see this interpreter's packages (cleaner)
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = (SparkSession.builder.appName("cleaner")
               .config("spark.ui.showConsoleProgress", "false"))
    if master:
        builder = builder.master(master)
    elif not submitted:
        builder = builder.master("local[*]")
    if local:
        builder = builder.config("spark.sql.shuffle.partitions",
                                 str(max(4, 2 * (os.cpu_count() or 1))))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark, True
