"""Small DataFrame helpers the split job's modules share (no job logic, no imports of jobs/)."""

from __future__ import annotations

import math

from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StructType, _parse_datatype_string

from splitlib.config import SplitConfig

TWO63 = float(2**63)


def persist_level(cfg: SplitConfig) -> StorageLevel:
    """The storage level of the job's cached DataFrames (spark.storage_level)."""
    return getattr(StorageLevel, cfg.spark.storage_level)


def with_columns(df: DataFrame, ddl: str) -> StructType:
    """The schema of `df` plus the columns of `ddl` (for mapInArrow outputs)."""
    extra = _parse_datatype_string(ddl)
    return StructType(df.schema.fields + extra.fields)


def unit_col(col: str = "key"):
    """A document key (uniform over [0, 2^63)) as a number in [0, 1): deterministic draws."""
    return F.col(col).cast("double") / F.lit(TWO63)


def shard_count(size_bytes: int, shard_bytes: int) -> int:
    return max(1, math.ceil(size_bytes / shard_bytes))
