"""Choosing documents for the sets: pruning the mixture, importance resampling per domain.

Resampling draws documents for domain k with probability proportional to the
importance weight w_k(x) = p_k(x) / p_mix(x) (DSIR), without replacement, by the
Gumbel-max trick: keep the documents whose log w_k(x) + Gumbel noise is largest. The
noise comes from a hash of (document key, domain), so the draw is reproducible and
independent of partitioning. The cut-off is found from a fixed-size, token-weighted
histogram of the keys, so the driver never sees per-document data; a domain set then
holds the token target rounded up to a whole histogram bin.
"""

from __future__ import annotations

import numpy as np

from splitlib.text import unit

KEY_BINS = 4096
KEY_RANGE = (-12.0, 12.0)  # on the asinh scale, which covers |log w| up to about 8e4 nats


def resample_keys(
    relevance: np.ndarray, n_features: np.ndarray, doc_keys: np.ndarray
) -> np.ndarray:
    """(n_docs, K) keys: asinh(log w_k + Gumbel); higher keys are drawn first."""
    log_w = relevance.astype(np.float64) * n_features.astype(np.float64)[:, None]
    k = relevance.shape[1]
    u = np.stack([unit(doc_keys, salt=1000 + d) for d in range(k)], axis=1)
    gumbel = -np.log(-np.log(np.clip(u, 1e-300, 1 - 1e-16)))
    return np.arcsinh(log_w + gumbel)


def key_bins(keys: np.ndarray) -> np.ndarray:
    lo, hi = KEY_RANGE
    return np.clip(((keys - lo) / (hi - lo) * KEY_BINS).astype(np.int64), 0, KEY_BINS - 1)


def resample_cutoffs(token_hist: np.ndarray, target_tokens: int) -> np.ndarray:
    """Per domain, the lowest key bin to keep so the kept tokens first reach the target.

    `token_hist` is (K, KEY_BINS) tokens per key bin. A domain whose candidates hold fewer
    tokens than the target keeps everything (bin 0).
    """
    from_top = np.cumsum(token_hist[:, ::-1], axis=1)
    reached = from_top >= target_tokens
    first = np.where(reached.any(axis=1), reached.argmax(axis=1), KEY_BINS - 1)
    return KEY_BINS - 1 - first


def prune_threshold(
    token_hist: np.ndarray, fraction: float, value_range: tuple[float, float]
) -> float | None:
    """Relevance below which whole histogram bins hold at most `fraction` of the training tokens."""
    if fraction <= 0:
        return None
    cumulative = np.cumsum(token_hist)
    bins = int(np.searchsorted(cumulative, fraction * token_hist.sum(), side="right"))
    if bins == 0:
        return None
    lo, hi = value_range
    return float(lo + bins * (hi - lo) / len(token_hist))
