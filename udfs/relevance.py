"""Per-document relevance to every domain and the cross-entropy difference for its own."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from splitlib.ngrams import from_arrow
from splitlib.relevance import DomainModels, cross_entropy_difference, domain_relevance

RELEVANCE_DDL = "relevance array<float>, relevance_own float, relevance_best float, xent_diff float"


def scorer(models: DomainModels):
    """mapInArrow: append RELEVANCE_DDL columns (nats per hashed n-gram feature)."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            grams = from_arrow(batch.column("ng_buckets"), batch.column("ng_counts"))
            rel = domain_relevance(grams, models).astype(np.float32)
            own = batch.column("domain").to_numpy(zero_copy_only=False).astype(np.int64)
            k = rel.shape[1]
            rows = np.arange(len(own))
            offsets = pa.array(np.arange(0, rel.size + 1, k, dtype=np.int32))
            for name, col in (
                (
                    "relevance",
                    pa.ListArray.from_arrays(offsets, pa.array(rel.reshape(-1), pa.float32())),
                ),
                ("relevance_own", pa.array(rel[rows, own], pa.float32())),
                ("relevance_best", pa.array(rel.max(axis=1), pa.float32())),
                ("xent_diff", pa.array(cross_entropy_difference(grams, models, own), pa.float32())),
            ):
                batch = batch.append_column(name, col)
            yield batch

    return run
