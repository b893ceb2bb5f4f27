"""Importance resampling over Arrow batches: key histograms, then set membership."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from splitlib.selection import key_bins, resample_keys

MEMBERSHIP_DDL = "resampled_into array<int>"


def _keys(batch: pa.RecordBatch, k: int) -> np.ndarray:
    rel = batch.column("relevance").flatten().to_numpy(zero_copy_only=False).reshape(-1, k)
    return resample_keys(
        rel,
        batch.column("n_features").to_numpy(zero_copy_only=False),
        batch.column("key").to_numpy(zero_copy_only=False),
    )


def add_key_hist(k: int):
    """An `add` for partial_sums: acc[domain, key bin] += tokens of training documents."""

    def add(acc: np.ndarray, batch: pa.RecordBatch) -> None:
        train = np.array([s != "valid" for s in batch.column("split").to_pylist()], dtype=bool)
        if not train.any():
            return
        bins = key_bins(_keys(batch, k))[train]
        tokens = batch.column("n_tokens").to_numpy(zero_copy_only=False).astype(np.int64)[train]
        for d in range(k):
            acc[d] += np.bincount(bins[:, d], weights=tokens, minlength=acc.shape[1]).astype(
                acc.dtype
            )

    return add


def membership(k: int, cutoffs: np.ndarray):
    """mapInArrow: append the domains whose resampled set draws the document."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            chosen = key_bins(_keys(batch, k)) >= cutoffs[None, :]
            rows, cols = np.nonzero(chosen)
            offsets = np.searchsorted(rows, np.arange(len(chosen) + 1)).astype(np.int32)
            column = pa.ListArray.from_arrays(pa.array(offsets), pa.array(cols.astype(np.int32)))
            yield batch.append_column("resampled_into", column)

    return run
