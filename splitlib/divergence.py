"""Divergences between hashed token distributions (natural log, nats)."""

from __future__ import annotations

import numpy as np


def smoothed(counts: np.ndarray, alpha: float) -> np.ndarray:
    """Additively smoothed probabilities from counts along the last axis."""
    counts = np.asarray(counts, dtype=np.float64)
    return (counts + alpha) / (counts.sum(axis=-1, keepdims=True) + alpha * counts.shape[-1])


def entropy(p: np.ndarray) -> float:
    p = np.asarray(p, dtype=np.float64)
    nz = p > 0
    return float(-(p[nz] * np.log(p[nz])).sum())


def kl_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p‖q) = Σ p log(p/q); q must be positive wherever p is."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    nz = p > 0
    if np.any(q[nz] <= 0):
        return float("inf")
    return float(max(0.0, (p[nz] * (np.log(p[nz]) - np.log(q[nz]))).sum()))


def js_divergence(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen–Shannon divergence, symmetric and bounded by log 2."""
    m = 0.5 * (np.asarray(p, dtype=np.float64) + np.asarray(q, dtype=np.float64))
    return float(min(np.log(2.0), 0.5 * kl_divergence(p, m) + 0.5 * kl_divergence(q, m)))


def pairwise_js(distributions: np.ndarray) -> np.ndarray:
    """Symmetric matrix of JS divergences between the rows of `distributions`."""
    k = len(distributions)
    out = np.zeros((k, k))
    for i in range(k):
        for j in range(i + 1, k):
            out[i, j] = out[j, i] = js_divergence(distributions[i], distributions[j])
    return out


def domain_divergences(domain_counts: np.ndarray, alpha: float) -> dict[str, np.ndarray]:
    """Per-domain divergences from the mixture, given (K, buckets) integer counts.

    The mixture is the sum of the domains' counts, so it weighs domains by their size.
    """
    mix = smoothed(domain_counts.sum(axis=0), alpha)
    doms = smoothed(domain_counts, alpha)
    return {
        "kl_to_mixture": np.array([kl_divergence(p, mix) for p in doms]),
        "kl_from_mixture": np.array([kl_divergence(mix, p) for p in doms]),
        "js_to_mixture": np.array([js_divergence(p, mix) for p in doms]),
        "entropy": np.array([entropy(p) for p in doms]),
        "mixture_entropy": np.array(entropy(mix)),
        "pairwise_js": pairwise_js(doms),
    }
