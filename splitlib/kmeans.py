"""Spherical k-means on the driver, best of several fits, and how much two fits agree.

One Lloyd fit from one initialization lands in a local optimum that depends on the
seed: on the bundled corpus a single fit gave NMI 0.80 +/- 0.05 against the sources
over 20 seeds. Keeping the fit of lowest objective among several restarts removes
most of that spread, and the sample is small enough (one partition, tens of
thousands of sparse rows) that numpy on the driver runs all restarts in seconds.

Rows are L2-normalized (dense or scipy CSR); a centroid is the normalized mean of
its rows; the objective is the sum over rows of 1 - cos(row, its centroid).
`euclidean=True` fits plain k-means instead (a centroid is the mean of its rows, the
objective the sum of squared distances): on sentence embeddings it finds the sources
where the cosine fit cuts a large one (RESULTS.md, issue 10, round 6). Its starts are
drawn by the same rule (for unit rows the squared distance to a unit centre is 2 - 2 cos),
greedily: several candidates per centre, the one leaving the least total distance kept.
Every random choice comes from `numpy.random.default_rng((seed, restart))`, so a
fit depends only on the rows, their order, K and the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp


@dataclass
class KMeansFit:
    centroids: np.ndarray  # (K, dims) float32, unit rows (euclidean: the means)
    labels: np.ndarray  # (n,) int32, each row's centroid
    objective: float  # sum over rows of 1 - cos(row, centroid) (euclidean: squared distance)
    iterations: int
    objectives: list[float] = field(default_factory=list)  # every restart's, in order
    chosen: int = 0  # index of the kept restart


def _unit_rows(m: np.ndarray) -> np.ndarray:
    return (m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)).astype(np.float32)


class _Rows:
    """The rows to cluster in the layout Lloyd's steps need, built once per fit.

    Sparse rows keep only the columns some row uses (a smaller centroid matrix stays
    in cache), in float32; centroid sums are one bincount over the nonzeros.
    """

    def __init__(self, x):
        self.shape = x.shape
        self.n = x.shape[0]
        self.sparse = sp.issparse(x)
        if self.sparse:
            x = sp.csr_matrix(x, dtype=np.float32)
            self.columns, compact = np.unique(x.indices, return_inverse=True)
            self.x = sp.csr_matrix((x.data, compact, x.indptr), shape=(self.n, len(self.columns)))
            self.row_of = np.repeat(np.arange(self.n), np.diff(x.indptr))
        else:
            self.x = np.asarray(x, dtype=np.float32)
        self.dims = self.x.shape[1]

    def similarities(self, centroids: np.ndarray) -> np.ndarray:
        return np.asarray(self.x @ np.ascontiguousarray(centroids.T), dtype=np.float32)

    def row(self, i: int) -> np.ndarray:
        if self.sparse:
            return np.asarray(self.x[i].toarray(), dtype=np.float32).ravel()
        return self.x[i]

    def sums(self, labels: np.ndarray, k: int) -> np.ndarray:
        if not self.sparse:
            onehot = sp.csr_matrix(
                (np.ones(self.n), (labels, np.arange(self.n))), shape=(k, self.n)
            )
            return np.asarray(onehot @ self.x, dtype=np.float64)
        flat = labels[self.row_of].astype(np.int64) * self.dims + self.x.indices
        return np.bincount(flat, weights=self.x.data, minlength=k * self.dims).reshape(k, -1)

    def full(self, centroids: np.ndarray, total_dims: int) -> np.ndarray:
        """Centroids back in the rows' original columns."""
        if not self.sparse:
            return centroids
        out = np.zeros((len(centroids), total_dims), dtype=np.float32)
        out[:, self.columns] = centroids
        return out


def _init_plus_plus(rows: _Rows, k: int, rng: np.random.Generator, trials: int = 1) -> np.ndarray:
    """k-means++ seeding with cosine distance: each next centre drawn in proportion to 1 - cos.

    With `trials` > 1 (greedy k-means++), that many candidates are drawn for each centre and
    the one that leaves the smallest total distance is kept.
    """
    n = rows.n
    centres = [rows.row(int(rng.integers(n)))]
    closest = 1.0 - rows.similarities(np.array(centres))[:, 0].astype(np.float64)
    for _ in range(1, k):
        weights = np.clip(closest, 0.0, None)
        total = weights.sum()
        if trials == 1:  # the draws of plain k-means++, kept so that fits stay as they were
            picks = [int(rng.choice(n, p=weights / total)) if total > 0 else int(rng.integers(n))]
        elif total > 0:
            picks = rng.choice(n, size=trials, p=weights / total)
        else:
            picks = rng.integers(n, size=trials)
        best = None
        for i in picks:
            dist = np.minimum(closest, 1.0 - rows.similarities(rows.row(int(i))[None, :])[:, 0])
            if best is None or dist.sum() < best[1].sum():
                best = (int(i), dist)
        centres.append(rows.row(best[0]))
        closest = best[1]
    return _unit_rows(np.array(centres, dtype=np.float32))


def _scores(rows: _Rows, centroids: np.ndarray, euclidean: bool) -> np.ndarray:
    """Higher is nearer: cos for unit centroids; x.c - |c|^2 / 2 for means (unit rows)."""
    sims = rows.similarities(centroids)
    if euclidean:
        sims -= 0.5 * (centroids.astype(np.float64) ** 2).sum(axis=1).astype(np.float32)
    return sims


def _objective(best: np.ndarray, euclidean: bool) -> float:
    """Sum of 1 - cos, or of squared distances (1 - 2 score for unit rows)."""
    best = best.astype(np.float64)
    return float((1.0 - 2.0 * best).sum() if euclidean else (1.0 - best).sum())


def lloyd(
    x,
    k: int,
    seed: int,
    restart: int = 0,
    max_iter: int = 40,
    tol: float = 1e-4,
    euclidean: bool = False,
) -> KMeansFit:
    """One k-means fit (spherical unless `euclidean`) from a k-means++ start.

    Stops when no row changes centroid, or when an iteration lowers the objective by
    less than `tol` of it (the last changes then move a handful of rows).
    """
    rows = x if isinstance(x, _Rows) else _Rows(x)
    rng = np.random.default_rng((seed, restart))
    # greedy starts (2 + ln K candidates a centre, as scikit-learn's) for the Euclidean fit:
    # on MiniLM vectors plain starts often missed the lowest objective that these reach
    trials = 2 + int(np.log(k)) if euclidean else 1
    centroids = _init_plus_plus(rows, k, rng, trials)
    labels = np.full(rows.n, -1, dtype=np.int64)
    iterations, last = 0, np.inf
    every = np.arange(rows.n)
    while iterations < max_iter:
        iterations += 1
        scores = _scores(rows, centroids, euclidean)
        new = scores.argmax(axis=1)
        objective = _objective(scores[every, new], euclidean)
        if np.array_equal(new, labels) or last - objective < tol * objective:
            break
        labels, last = new, objective
        sums = rows.sums(labels, k)
        counts = np.bincount(labels, minlength=k).astype(np.float64)
        empty = np.flatnonzero(counts == 0 if euclidean else np.linalg.norm(sums, axis=1) == 0)
        if len(empty):
            # an emptied centroid restarts at the rows worst served, farthest first
            worst = np.argsort(scores[every, labels], kind="stable")[: len(empty)]
            for c, i in zip(empty, worst, strict=False):
                sums[c], counts[c] = rows.row(int(i)), 1.0
        if euclidean:
            centroids = (sums / counts[:, None]).astype(np.float32)
            continue
        centroids = _unit_rows(sums)
    scores = _scores(rows, centroids, euclidean)
    labels = scores.argmax(axis=1)
    objective = _objective(scores[every, labels], euclidean)
    return KMeansFit(
        rows.full(centroids, rows.shape[1]), labels.astype(np.int32), objective, iterations
    )


def best_of(
    x, k: int, seed: int, restarts: int, max_iter: int = 40, euclidean: bool = False
) -> KMeansFit:
    """`restarts` fits from different starts; the one of lowest objective (first on ties)."""
    if k < 1 or x.shape[0] < k:
        raise ValueError(f"cannot fit {k} centroids to {x.shape[0]} rows")
    rows = _Rows(x)
    fits = [lloyd(rows, k, seed, r, max_iter, euclidean=euclidean) for r in range(max(1, restarts))]
    objectives = [f.objective for f in fits]
    chosen = int(np.argmin(objectives))
    best = fits[chosen]
    best.objectives, best.chosen = objectives, chosen
    return best


def nmi(a, b) -> float:
    """Normalized mutual information of two labelings (arithmetic mean of the entropies).

    1 when one labeling is a renaming of the other, near 0 when they are unrelated.
    """
    _, ia = np.unique(np.asarray(a), return_inverse=True)
    _, ib = np.unique(np.asarray(b), return_inverse=True)
    joint = np.zeros((ia.max() + 1, ib.max() + 1))
    np.add.at(joint, (ia, ib), 1)
    p = joint / joint.sum()
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum())
    ha = -float((pa[pa > 0] * np.log(pa[pa > 0])).sum())
    hb = -float((pb[pb > 0] * np.log(pb[pb > 0])).sum())
    if ha + hb == 0:
        return 1.0
    return 2.0 * mi / (ha + hb)


def matched_jaccard(labels, other, k: int) -> np.ndarray:
    """For each domain 0..K-1 of `labels`: the Jaccard index of its rows with the rows of
    the domain of `other` it shares most with (1 = the same documents; an empty domain 0)."""
    labels, other = np.asarray(labels), np.asarray(other)
    k_other = int(other.max()) + 1 if len(other) else 1
    joint = np.zeros((k, k_other))
    np.add.at(joint, (labels, other), 1)
    union = joint.sum(1, keepdims=True) + joint.sum(0, keepdims=True) - joint
    jaccard = np.divide(joint, union, out=np.zeros_like(joint), where=union > 0)
    return jaccard.max(axis=1)
