"""How far a crawl's documents sit from their domains, and what a later crawl brings that is new.

A document's score is its cosine to the nearest centroid of its domain. Every run records, per
domain, the **floor**: the score that 95% of the domain's sampled documents reach (the lower
edge of the histogram bin where the lowest 5% end), and the share of them under it (just
under 5%, by the binning). In a fitted run the sampled documents are those the centroids were
fitted on, and each pulls its own centroid towards it: its score for the floor is therefore
its cosine to the mean of the *other* sampled documents nearest the same centroid (leave one
out), which is what a later document of the same kind gets. A run that keeps those domains for a later crawl
(`domains.from_run`) counts, per domain, the share of the new documents under the earlier
run's floor. Text like the earlier crawl's keeps that share near the earlier one; a kind of
text the earlier crawl did not have lands in the domain it is least unlike, far from its
centroid, and the share grows. Exact counts from fixed bins, so the numbers do not depend on
the partitioning.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

SCORE_RANGE = (0.0, 1.0)  # cosine of non-negative tf-idf rows (a projection's may be lower: bin 0)
FLOOR_QUANTILE = 0.05
# a kept domain whose share of documents under the earlier floor is at least this and at least
# twice the earlier share is named to read first (RESULTS.md, "New kinds of text")
FAR_SHARE_LIMIT = 0.15


def score_bins(scores: np.ndarray, bins: int) -> np.ndarray:
    """The histogram bin of each score."""
    lo, hi = SCORE_RANGE
    index = ((np.asarray(scores, dtype=np.float64) - lo) / (hi - lo) * bins).astype(np.int64)
    return np.clip(index, 0, bins - 1)


def floor_edge(b: int, bins: int) -> float:
    lo, hi = SCORE_RANGE
    return round(lo + (hi - lo) * b / bins, 6)


def score_floors(hist: np.ndarray) -> list[tuple[float | None, float | None]]:
    """Per domain of a (K, bins) score histogram: (floor, share of its documents under it);
    (None, None) for an empty domain."""
    out: list[tuple[float | None, float | None]] = []
    bins = hist.shape[1]
    for row in np.asarray(hist, dtype=np.int64):
        n = int(row.sum())
        if n == 0:
            out.append((None, None))
            continue
        b = int(np.searchsorted(np.cumsum(row), FLOOR_QUANTILE * n))  # the bin the 5% ends in
        out.append((floor_edge(b, bins), round(int(row[:b].sum()) / n, 6)))
    return out


def sample_floors(
    vectors,
    centroids: np.ndarray,
    owners: np.ndarray | None,
    domain: np.ndarray,
    fitted: np.ndarray,
    k: int,
    bins: int,
) -> list[tuple[float | None, float | None]]:
    """`score_floors` of the sample: unit `vectors` (sparse or dense), each in its `domain`,
    scored against the nearest of its domain's rows of `centroids` (`owners`: each row's
    domain); for rows `fitted` on this sample, against the mean of the other sampled documents
    nearest that row instead (leave one out)."""
    n = vectors.shape[0]
    unit = centroids / np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
    sims = np.asarray(vectors @ unit.T, dtype=np.float64)
    own = np.arange(len(centroids)) if owners is None else np.asarray(owners)
    row = np.where(own[None, :] == domain[:, None], sims, -np.inf).argmax(axis=1)
    score = sims[np.arange(n), row]
    onehot = sp.csr_matrix((np.ones(n), (row, np.arange(n))), shape=(len(centroids), n))
    sums = onehot @ vectors  # each row's sampled documents, summed
    sums = np.asarray(sums.toarray() if sp.issparse(sums) else sums, dtype=np.float64)
    x_sum = np.asarray(vectors @ sums.T)[np.arange(n), row]  # x . S
    x_x = np.asarray(
        vectors.multiply(vectors).sum(axis=1) if sp.issparse(vectors) else (vectors**2).sum(axis=1)
    ).ravel()
    rest = np.sqrt(np.maximum((sums**2).sum(axis=1)[row] - 2 * x_sum + x_x, 0.0))
    # a document alone at its row has no others: no score without it, so the lowest
    loo = np.where(rest > 1e-9, (x_sum - x_x) / np.maximum(rest, 1e-12), 0.0)
    score = np.where(np.asarray(fitted)[row], loo, score)
    hist = np.bincount(
        np.asarray(domain, dtype=np.int64) * bins + score_bins(score, bins), minlength=k * bins
    ).reshape(k, bins)
    return score_floors(hist)


def far_shares(hist: np.ndarray, floors: list[float | None]) -> list[float | None]:
    """Per domain: the share of its documents scoring under `floors` (an earlier run's, one
    per domain; None where there is none, or the domain is empty)."""
    bins = hist.shape[1]
    out: list[float | None] = []
    for row, floor in zip(np.asarray(hist, dtype=np.int64), floors, strict=True):
        n = int(row.sum())
        if floor is None or n == 0:
            out.append(None)
            continue
        b = int(round((floor - SCORE_RANGE[0]) / (SCORE_RANGE[1] - SCORE_RANGE[0]) * bins))
        out.append(round(int(row[:b].sum()) / n, 6))
    return out


def far_warnings(names: list[str], far: list[float | None], then: list[float | None]) -> list[str]:
    """The kept domains to read first: many more of their documents under the earlier floor."""
    lines = []
    for name, now, before in zip(names, far, then, strict=True):
        if now is None or now < FAR_SHARE_LIMIT or now < 2 * (before or FLOOR_QUANTILE):
            continue
        then = "–" if before is None else f"{100 * before:.1f}%"  # merged: unknown
        lines.append(
            f"domain {name!r}: {100 * now:.1f}% of its documents are farther from it than 95% of "
            f"the earlier run's were ({then} then); the crawl may hold a kind of text that run "
            "did not have: read its examples, or fit anew."
        )
    return lines
