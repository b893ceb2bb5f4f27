"""Fixed-size array aggregates: each partition emits one partial array, reduced across partitions.

Integer partials make the sum exact and independent of partitioning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa

from splitlib.ngrams import from_arrow

PARTIAL_DDL = "partial binary"


def partial_sums(
    shape: tuple[int, ...], dtype: str, add: Callable[[np.ndarray, pa.RecordBatch], None]
):
    """mapInArrow: accumulate `add(acc, batch)` over a partition, emit the accumulator once."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        acc = np.zeros(shape, dtype=dtype)
        for batch in batches:
            add(acc, batch)
        yield pa.RecordBatch.from_arrays(
            [pa.array([acc.tobytes()], pa.binary())], names=["partial"]
        )

    return run


def reduce_partials(df, shape: tuple[int, ...], dtype: str) -> np.ndarray:
    """Sum the partial arrays of a DataFrame produced by `partial_sums` (tree reduce, no per-document data)."""
    zero = np.zeros(shape, dtype=dtype)

    def to_array(row) -> np.ndarray:
        return np.frombuffer(row.partial, dtype=dtype).reshape(shape)

    rdd = df.rdd.map(to_array)
    if rdd.getNumPartitions() == 0:
        return zero
    return rdd.treeAggregate(zero, lambda a, b: a + b, lambda a, b: a + b)


def add_domain_counts(acc: np.ndarray, batch: pa.RecordBatch) -> None:
    """acc[domain, bucket] += hashed n-gram counts of the batch's documents."""
    grams = from_arrow(batch.column("ng_buckets"), batch.column("ng_counts"))
    domains = batch.column("domain").to_numpy(zero_copy_only=False).astype(np.int64)
    rows = np.repeat(domains, np.diff(grams.offsets))
    n_buckets = acc.shape[1]
    flat = np.bincount(rows * n_buckets + grams.buckets, weights=grams.counts, minlength=acc.size)
    acc += flat.astype(acc.dtype).reshape(acc.shape)


def add_doc_freq(prefix: str = "ng"):
    """An `add` for partial_sums: acc[bucket] += number of documents holding the bucket."""

    def add(acc: np.ndarray, batch: pa.RecordBatch) -> None:
        buckets = batch.column(f"{prefix}_buckets").flatten().to_numpy(zero_copy_only=False)
        acc += np.bincount(buckets, minlength=acc.size).astype(acc.dtype)

    return add
