"""Entry point for ``spark-submit``, which runs a Python file rather than a module:

    spark-submit [--master URL ...] "$(python -m cleaner.spark.submit)" \\
        run s3a://bucket/raw/ -o s3a://bucket/clean.parquet --engine spark

Run as a module it prints its own path; run by spark-submit it is ``cleaner`` with the
master and settings spark-submit gives.
"""

import os
import sys

if __name__ == "__main__":
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        sys.path.pop(0)  # this folder's modules must not shadow top-level ones
    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # python -m cleaner.spark.submit
        print(os.path.abspath(__file__))
        sys.exit(0)
    from cleaner.cli import main

    sys.exit(main())
