"""Domain discovery on the job's sample: tf-idf rows, best-of-restarts k-means, its diagnostics.

The split job collects its deterministic sample (sorted by document key) to the
driver and calls `discover_domains`; tests and benchmarks call the same function.
Besides the centroids it measures what a reader needs to trust them:
- every restart's objective and which one was kept,
- stability: NMI between the domains of this seed and of the next seed, on the
  sample (low means the domains are an artefact of the seed, not of the data), and per
  domain the Jaccard index of its documents with the next seed's closest domain (which
  domains move with the seed),
- the objective for K-2..K+2 (best of fewer fits), to see whether K sits where the objective stops
  dropping quickly.
With `domains.features=embedding` the fit runs on the sample's sentence embeddings
(Euclidean k-means) and the centroids are then taken in the tf-idf space (`space`), so
every document is assigned, and every prompt routed, without the embedding model.

`domains.features=auto`, the default, fits both: the tf-idf domains of the whole sample,
and the embedding domains of at most `domains.embed_docs` of its documents. It keeps the
embedding domains unless they explain clearly less of the tf-idf objective than the tf-idf
fit does (`choose_features`): sentence embeddings find sources that differ in subject or
genre where word counts cut a large source by topic, but they blur kinds of technical text
that word counts tell apart (RESULTS.md, issue 10).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from splitlib.domains import assign, domain_vectors, inverse_document_frequency, projection
from splitlib.kmeans import best_of, matched_jaccard, nmi
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
    # per domain: Jaccard of its rows with the next seed's domain that shares most of them
    domain_stability: list[float] | None = None
    k_scan: dict[int, float] = field(default_factory=dict)  # K' -> best objective
    seconds: float = 0.0
    # Embedding domains only: several tf-idf prototypes per domain (see domain_prototypes)
    prototypes: np.ndarray | None = None  # (P, dims) unit rows
    owners: np.ndarray | None = None  # (P,) each prototype's domain

    def assignment_rows(self) -> tuple[np.ndarray, np.ndarray | None]:
        """(rows, owners) to assign documents with: the prototypes, else the centroids."""
        if self.prototypes is None:
            return self.centroids, None
        return self.prototypes, self.owners


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
    result = DomainFit(
        centroids=fit.centroids if space is None else label_centroids(space, fit.labels, k),
        labels=fit.labels,
        objective=fit.objective,
        objectives=fit.objectives,
        chosen=fit.chosen,
        iterations=fit.iterations,
        stability=None,
        k_scan={k: fit.objective},
    )
    diagnose(result, vectors, seed, restarts, max_iter, stability, scan, scan_restarts, euclidean)
    result.seconds = time.perf_counter() - start
    return result


def diagnose(
    fit: DomainFit,
    vectors,
    seed: int,
    restarts: int,
    max_iter: int,
    stability: bool = True,
    scan: int = 2,
    scan_restarts: int = 3,
    euclidean: bool = False,
) -> None:
    """Add the stability (a refit with seed + 1) and the K-2..K+2 objectives to a fit of
    `vectors`. Separate from the fit so that auto pays for them only on the fit it keeps."""
    start = time.perf_counter()
    k = len(fit.centroids)
    if stability:
        other = best_of(vectors, k, seed + 1, restarts, max_iter, euclidean)
        fit.stability = nmi(fit.labels, other.labels)
        fit.domain_stability = matched_jaccard(fit.labels, other.labels, k).tolist()
    for k2 in range(max(2, k - scan), k + scan + 1):
        if k2 != k and k2 <= vectors.shape[0]:
            fit.k_scan[k2] = best_of(
                vectors, k2, seed, scan_restarts, max_iter, euclidean
            ).objective
    fit.k_scan = dict(sorted(fit.k_scan.items()))
    fit.seconds += time.perf_counter() - start


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


@dataclass
class FeatureChoice:
    """Which fit `domains.features=auto` kept, and the numbers it was kept on."""

    chosen: str  # "embedding" or "tfidf"
    tfidf_loss: float  # share of the tf-idf fit's gain that the embedding domains lose
    max_loss: float
    embedded_docs: int
    one_domain_objective: float  # sum over the sample of 1 - cos(document, the sample's mean)
    tfidf_objective: float  # the tf-idf fit's
    embedding_objective: float  # the embedding domains', in the tf-idf space
    reason: str = ""
    # NMI between the two fits' domains of the sample, each assigned as the job assigns: low
    # means the domains depend on which features were kept, not only on the data
    agreement: float = float("nan")
    # per kept domain: Jaccard of its sampled documents with the other fit's domain that
    # shares most of them (which domains both kinds of features find)
    domain_agreement: list[float] | None = None


def partition_objective(vectors, centroids: np.ndarray) -> tuple[float, np.ndarray]:
    """(sum of 1 - cos to the nearest centroid, each row's nearest centroid) of unit rows."""
    sims = np.asarray(vectors @ np.ascontiguousarray(centroids.T))
    nearest = sims.argmax(axis=1)
    return float((1.0 - sims[np.arange(len(nearest)), nearest]).sum()), nearest


def embedded_rows(n: int, cap: int, seed: int) -> np.ndarray:
    """The sample's rows that are embedded: all, or `cap` drawn with the seed (sorted)."""
    if cap <= 0 or n <= cap:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, cap, replace=False))


def refined_centroids(vectors, centroids: np.ndarray) -> np.ndarray:
    """One mean step over every sampled row: centroids fitted on the embedded rows only
    are averaged from few documents; each domain's mean over the whole sample is steadier."""
    _, nearest = partition_objective(vectors, centroids)
    return label_centroids(vectors, nearest, len(centroids))


MIN_PROTOTYPE_DOCS = 20  # embedded documents per prototype, at least
PROTOTYPE_RESTARTS = 3


def domain_prototypes(
    vectors,
    embedded: np.ndarray,
    labels: np.ndarray,
    centroids: np.ndarray,
    per_domain: int,
    seed: int,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Tf-idf prototypes for the embedding domains: (prototypes, owners).

    One mean per domain cannot hold, in word counts, a large source that covers several
    subjects (a manual's chapters): its documents drift to a smaller source that shares
    their words. A domain holding more than its even share (1/K) of the embedded rows gets
    `per_domain` prototypes, by spherical k-means within its embedded rows; the others keep
    one mean. A prototype is dropped when most of its rows go to another domain by the
    domains' `centroids` (one mean each): those are the embeddings' strays, another source's
    documents, and would otherwise get a centre of their own. One mean step over every
    sampled row then steadies the prototypes, as for the centroids.
    """
    k = len(centroids)
    _, by_centroid = partition_objective(vectors[embedded], centroids)
    sizes = np.bincount(labels, minlength=k)
    prototypes, owners = [], []
    for domain in range(k):
        mine = labels == domain
        rows = embedded[mine]
        m = per_domain if sizes[domain] * k > len(labels) else 1
        m = max(1, min(m, len(rows) // MIN_PROTOTYPE_DOCS))
        if m == 1:
            prototypes.append(label_centroids(vectors[rows], np.zeros(len(rows), np.int64), 1))
            owners.append(domain)
            continue
        fit = best_of(vectors[rows], m, seed, PROTOTYPE_RESTARTS, max_iter)
        stays = by_centroid[mine] == domain
        kept = [j for j in range(m) if stays[fit.labels == j].mean() >= 0.5] or list(range(m))
        prototypes.append(fit.centroids[kept])
        owners += [domain] * len(kept)
    fitted = np.concatenate(prototypes).astype(np.float32)
    _, nearest = partition_objective(vectors, fitted)
    steadied = label_centroids(vectors, nearest, len(fitted))
    empty = np.bincount(nearest, minlength=len(fitted)) == 0  # keep those it drew no row to
    steadied[empty] = fitted[empty]
    return steadied, np.asarray(owners, dtype=np.int32)


def choose_features(
    vectors, tfidf_fit: DomainFit, embedding_centroids: np.ndarray, max_loss: float, embedded: int
) -> FeatureChoice:
    """Keep the embedding domains unless they lose more than `max_loss` of what the tf-idf fit
    gains over one domain, both measured by the tf-idf objective on the whole sample.

    The tf-idf objective is flat across many partitions: where the embedding domains score
    within a few percent of the best tf-idf fit, word counts cannot tell the two apart and the
    embeddings, which follow subject and genre, decide. Where the embedding domains score far
    worse (kinds of technical text merged), the word counts see structure the embeddings miss.
    """
    one = label_centroids(vectors, np.zeros(vectors.shape[0], dtype=np.int64), 1)
    one_objective, _ = partition_objective(vectors, one)
    embedding_objective, _ = partition_objective(vectors, embedding_centroids)
    gain = one_objective - tfidf_fit.objective
    loss = 1.0 - (one_objective - embedding_objective) / gain if gain > 0 else 0.0
    return FeatureChoice(
        chosen="embedding" if loss <= max_loss else "tfidf",
        tfidf_loss=loss,
        max_loss=max_loss,
        embedded_docs=embedded,
        one_domain_objective=one_objective,
        tfidf_objective=tfidf_fit.objective,
        embedding_objective=embedding_objective,
    )


def fits_agreement(vectors, first: DomainFit, second: DomainFit) -> tuple[float, np.ndarray]:
    """NMI between the domains two fits give the sampled rows, each row assigned to its
    nearest centroid, or to the domain of its nearest prototype, as the job assigns; and for
    each of `first`'s domains the Jaccard index with `second`'s closest domain."""
    labels = []
    for fit in (first, second):
        rows, owners = fit.assignment_rows()
        labels.append(assign(vectors, rows, owners=owners)[0])
    k = len(first.centroids)
    return nmi(labels[0], labels[1]), matched_jaccard(labels[0], labels[1], k)


def discover_embedding_domains(
    vectors,
    embed_rows: Callable[[np.ndarray], np.ndarray],
    k: int,
    seed: int,
    restarts: int,
    max_iter: int,
    embed_docs: int,
    stability: bool = True,
    scan: int = 2,
    prototypes: int = 1,
) -> tuple[DomainFit, np.ndarray]:
    """Euclidean k-means on the embeddings of at most `embed_docs` sampled rows; centroids in
    `vectors`' (tf-idf) space, refined over the whole sample, and with `prototypes` > 1 up to
    that many prototypes for the large domains to assign documents with (`domain_prototypes`).
    (fit, the embedded rows)."""
    idx = embedded_rows(vectors.shape[0], embed_docs, seed)
    embedded = embed_rows(idx)
    fit = discover_domains(
        embedded, k, seed, restarts, max_iter, stability, scan, euclidean=True, space=vectors[idx]
    )
    fit.centroids = refined_centroids(vectors, fit.centroids)
    if prototypes > 1:
        fit.prototypes, fit.owners = domain_prototypes(
            vectors, idx, fit.labels, fit.centroids, prototypes, seed, max_iter
        )
    return fit, embedded


def discover_auto(
    vectors,
    embed_rows: Callable[[np.ndarray], np.ndarray] | None,
    k: int,
    seed: int,
    restarts: int,
    embedding_restarts: int,
    max_iter: int,
    embed_docs: int,
    max_loss: float,
    stability: bool = True,
    prototypes: int = 1,
) -> tuple[DomainFit, FeatureChoice]:
    """`domains.features=auto`: both fits, then `choose_features`; the stability and the K
    scan only for the kept fit. With `embed_rows` None (the embedding model is not
    installed) the tf-idf fit is kept and the reason recorded."""
    tfidf_fit = discover_domains(vectors, k, seed, restarts, max_iter, stability=False, scan=0)
    if embed_rows is None:
        diagnose(tfidf_fit, vectors, seed, restarts, max_iter, stability)
        nan = float("nan")
        reason = "the embedding model is not installed (pip install 'splitlib[embed]')"
        return tfidf_fit, FeatureChoice(
            "tfidf", nan, max_loss, 0, nan, tfidf_fit.objective, nan, reason
        )
    embedding_fit, embedded = discover_embedding_domains(
        vectors,
        embed_rows,
        k,
        seed,
        embedding_restarts,
        max_iter,
        embed_docs,
        False,
        0,
        prototypes,
    )
    choice = choose_features(
        vectors, tfidf_fit, embedding_fit.centroids, max_loss, embedded.shape[0]
    )
    kept, other = (embedding_fit, tfidf_fit)
    if choice.chosen == "tfidf":
        kept, other = other, kept
    choice.agreement, per_domain = fits_agreement(vectors, kept, other)
    choice.domain_agreement = per_domain.tolist()
    if choice.chosen == "embedding":
        diagnose(
            embedding_fit, embedded, seed, embedding_restarts, max_iter, stability, euclidean=True
        )
        return embedding_fit, choice
    diagnose(tfidf_fit, vectors, seed, restarts, max_iter, stability)
    return tfidf_fit, choice
