"""Domain discovery on the job's sample: tf-idf rows, best-of-restarts k-means, its diagnostics.

The split job collects its deterministic sample (sorted by document key) to the
driver and calls `discover_domains`; tests and benchmarks call the same function.
Besides the centroids it measures what a reader needs to trust them:
- every restart's objective and which one was kept,
- stability: NMI between the domains of this seed and of the next seed, on the
  sample (low means the domains are an artefact of the seed, not of the data),
- the objective for K-2..K+2 (best of fewer fits), to see whether K sits where the objective stops
  dropping quickly.
With `domains.features=embedding` the fit runs on the sample's sentence embeddings
(Euclidean k-means) and the centroids are then taken in the tf-idf space (`space`), so
every document is assigned, and every prompt routed, without the embedding model.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from splitlib.domains import domain_vectors, inverse_document_frequency, projection
from splitlib.kmeans import best_of, nmi
from splitlib.ngrams import BatchNgrams


@dataclass
class DomainFit:
    centroids: np.ndarray  # (K, dims) float32 unit rows
    labels: np.ndarray  # (n_sample,) each sampled document's domain
    objective: float  # sum over the sample of 1 - cos(document, its centroid)
    objectives: list[float]  # every restart's objective, in order
    chosen: int  # index of the kept restart
    iterations: int
    stability: float | None  # NMI between this seed's and the next seed's domains
    k_scan: dict[int, float] = field(default_factory=dict)  # K' -> best objective
    seconds: float = 0.0


def sample_idf(grams: BatchNgrams, n_buckets: int) -> np.ndarray:
    """Smoothed idf from the sample's unigram buckets (each bucket once per document)."""
    doc_freq = np.bincount(grams.buckets, minlength=n_buckets)
    return inverse_document_frequency(doc_freq, len(grams.offsets) - 1)


def tfidf_rows(grams: BatchNgrams, idf: np.ndarray, dims: int, seed: int):
    """The sample's domain vectors: sparse over the buckets, or projected when dims > 0."""
    proj = projection(len(idf), dims, seed) if dims else None
    return domain_vectors(grams, idf, proj)


def label_centroids(vectors, index: np.ndarray, k: int) -> np.ndarray:
    """(K, dims) unit-length mean of the rows of each given label (index in 0..K-1)."""
    onehot = sp.csr_matrix(
        (np.ones(len(index)), (index, np.arange(len(index)))), shape=(k, len(index))
    )
    sums = onehot @ vectors
    sums = np.asarray(sums.toarray() if sp.issparse(sums) else sums, dtype=np.float64)
    norms = np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    return (sums / norms).astype(np.float32)


def discover_domains(
    vectors,
    k: int,
    seed: int,
    restarts: int,
    max_iter: int = 40,
    stability: bool = True,
    scan: int = 2,
    scan_restarts: int = 3,
    euclidean: bool = False,
    space=None,
) -> DomainFit:
    """Fit K domains to the sample's unit rows; see the module docstring for the diagnostics.

    The objectives for other K come from `scan_restarts` fits each (indicative, and cheap).
    `euclidean`: plain k-means (for embeddings); `space`: the same documents' rows in which
    the centroids are returned (the unit mean of each domain's rows), else `vectors`.
    """
    start = time.perf_counter()
    fit = best_of(vectors, k, seed, restarts, max_iter, euclidean)
    agreement = None
    if stability:
        other = best_of(vectors, k, seed + 1, restarts, max_iter, euclidean)
        agreement = nmi(fit.labels, other.labels)
    k_scan = {k: fit.objective}
    for k2 in range(max(2, k - scan), k + scan + 1):
        if k2 != k and k2 <= vectors.shape[0]:
            k_scan[k2] = best_of(vectors, k2, seed, scan_restarts, max_iter, euclidean).objective
    return DomainFit(
        centroids=fit.centroids if space is None else label_centroids(space, fit.labels, k),
        labels=fit.labels,
        objective=fit.objective,
        objectives=fit.objectives,
        chosen=fit.chosen,
        iterations=fit.iterations,
        stability=agreement,
        k_scan=dict(sorted(k_scan.items())),
        seconds=time.perf_counter() - start,
    )


def discover_by_language(
    vectors,
    languages: list[str],
    k: int,
    seed: int,
    restarts: int,
    max_iter: int,
    min_share: float,
    stability: bool = True,
    euclidean: bool = False,
    space=None,
) -> tuple[np.ndarray, list[str], dict[str, DomainFit]]:
    """Domains within each language of the sample: (centroids, each domain's language
    group, each group's fit). A group gets K domains, fewer when it has under 2K documents.
    `euclidean`, `space`: as for `discover_domains`.
    """
    from splitlib.language import group_of, language_groups

    groups = language_groups(languages, min_share)
    member = np.array(group_of(languages, groups))
    centroids, domain_groups, fits = [], [], {}
    for group in groups:
        rows = np.flatnonzero(member == group)
        k_group = max(1, min(k, len(rows) // 2))
        fit = discover_domains(
            vectors[rows],
            k_group,
            seed,
            restarts,
            max_iter,
            stability=stability and k_group > 1,
            euclidean=euclidean,
            space=None if space is None else space[rows],
        )
        centroids.append(fit.centroids)
        domain_groups += [group] * k_group
        fits[group] = fit
    return np.concatenate(centroids).astype(np.float32), domain_groups, fits
