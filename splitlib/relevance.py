"""Domain relevance of documents under smoothed hashed n-gram models.

relevance_k(x) = (log p_k(x) − log p_mix(x)) / n(x): the per-token log-likelihood
ratio of domain k's model against the mixture's (DSIR-style importance, in nats
per feature). The cross-entropy difference of a document for its own domain k is
H_k(x) − H_rest(x), with `rest` the model of all other domains (Moore–Lewis);
negative means the document looks more like its domain than like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from splitlib.divergence import smoothed
from splitlib.ngrams import BatchNgrams


@dataclass
class DomainModels:
    """Log-probabilities over hashed buckets: per domain, for the mixture, for each domain's rest."""

    log_domain: np.ndarray  # (K, B)
    log_mixture: np.ndarray  # (B,)
    log_rest: np.ndarray  # (K, B)

    @classmethod
    def from_counts(cls, domain_counts: np.ndarray, alpha: float) -> DomainModels:
        counts = np.asarray(domain_counts, dtype=np.int64)
        total = counts.sum(axis=0)
        rest = total[None, :] - counts
        return cls(
            log_domain=np.log(smoothed(counts, alpha)).astype(np.float32),
            log_mixture=np.log(smoothed(total, alpha)).astype(np.float32),
            log_rest=np.log(smoothed(rest, alpha)).astype(np.float32),
        )


def _matrix(ngrams: BatchNgrams, n_buckets: int) -> sp.csr_matrix:
    n = len(ngrams.offsets) - 1
    return sp.csr_matrix(
        (ngrams.counts.astype(np.float32), ngrams.buckets, ngrams.offsets), shape=(n, n_buckets)
    )


def domain_relevance(ngrams: BatchNgrams, models: DomainModels) -> np.ndarray:
    """(n_docs, K) per-token log-likelihood ratios against the mixture; 0 for a document without words."""
    x = _matrix(ngrams, models.log_mixture.shape[0])
    ratio = (models.log_domain - models.log_mixture[None, :]).T  # (B, K)
    total = np.asarray(x @ ratio)
    return total / np.maximum(ngrams.n_features, 1)[:, None]


def cross_entropy_difference(
    ngrams: BatchNgrams, models: DomainModels, domains: np.ndarray
) -> np.ndarray:
    """H_own(x) − H_rest(x) per document (nats per feature), for the given domain indices."""
    x = _matrix(ngrams, models.log_mixture.shape[0])
    diff = (models.log_rest - models.log_domain).T  # (B, K): −log p_own + log p_rest
    per_domain = np.asarray(x @ diff) / np.maximum(ngrams.n_features, 1)[:, None]
    return per_domain[np.arange(len(domains)), domains]
