"""The Apache Spark engine: the same cleaning and dedup as the local engine, on a cluster.

Imported only for ``--engine spark`` (``cleaner.cli`` never imports it otherwise); it
needs PySpark: ``pip install 'cleaner[spark]'``. The cleaning and signing code is the
local engine's, run per partition; rule packs are loaded once on the driver and shipped
to the executors as one broadcast. Outputs are Spark-style directories of part files
whose concatenation, in name order, is what the local engine writes.
"""

INSTALL_HINT = "pip install 'cleaner[spark]'"
