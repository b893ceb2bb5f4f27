"""Build the JVM class-data-sharing archive named by SPLITLIB_CDS_ARCHIVE.

Starts Spark once with -XX:ArchiveClassesAtExit and runs a small Arrow job, so the
classes a split job loads are in the archive; later JVMs map it and start faster.
Rebuild it when the JDK or pyspark changes; never commit it.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> int:
    archive = os.environ.get("SPLITLIB_CDS_ARCHIVE")
    if not archive:
        print("SPLITLIB_CDS_ARCHIVE is not set: nothing to build")
        return 0
    if os.path.exists(archive):
        return 0
    from pyspark.sql import functions as F

    from jobs.session import get_spark
    from splitlib.config import SparkConfig

    spark = get_spark(SparkConfig(master="local[2]"))
    df = spark.range(1000).withColumn("text", F.concat(F.lit("doc "), F.col("id").cast("string")))
    df.mapInArrow(lambda batches: batches, df.schema).groupBy(
        (F.col("id") % 3).alias("g")
    ).count().collect()
    spark.stop()
    print(f"class-data-sharing archive: the JVM writes {archive} as it exits")
    return 0


if __name__ == "__main__":
    sys.exit(main())
