"""Variants of domain discovery measured against the source labels, over seeds (issue 10).

    python -m benchmarks.tuning_corpus     # the second tuning corpus, tuning-debian
    python -m benchmarks.bench_domain_arms --corpora bundled tuning-debian --out tune.jsonl
    python -m benchmarks.bench_domain_arms --corpora imbalanced technical wiki-topics \
        --out heldout.jsonl
    python -m benchmarks.bench_domain_arms --table tune.jsonl heldout.jsonl
    python -m benchmarks.bench_domain_arms --objectives --corpora bundled imbalanced

Each arm starts from the job's features (hashed unigram tf-idf of the sample, as in
`benchmarks.bench_domains`) and ends with the job's rule: centroids in the hashed space,
every document to its nearest centroid by cosine. Arms:
- base: best of 10 fits by objective (the default);
- r30, r<N>: best of N fits;
- maxdf: base, buckets in more than half of the documents weighted 0;
- lsa100, lsa200: k-means (best of 10) on a randomized SVD of the rows, then each
  cluster's mean hashed row as its centroid;
- consensus: k-means (best of 10) on the one-hot labels of base's 10 fits (co-association);
- vmf: base's fit refined by 20 soft EM steps of a von Mises-Fisher mixture (kappa 50);
- round 2 (ROUND2), best of 10 on other features: bigram (unigram + bigram counts),
  bigram-half (bigram counts weighted 0.5), idf2 (tf x idf^2); and lsa100-consensus.
- round 3 (ROUND3), over-cluster then merge: best of 10 fits at K' = 2K or 3K, the K'
  centroids merged to K by agglomerative clustering on their cosine distance (average or
  complete linkage): oc2-average, oc2-complete, oc3-average; lsa100-oc2-average does the
  same on lsa100's rows.
- round 4 (ROUND4), tf-idf joined with MiniLM: rows [sqrt(1 - w) x tf-idf row, sqrt(w) x
  MiniLM vector] (the reference's cached vectors), best of 10, then the job's rule in the
  tf-idf space: hyb0.2 ... hyb0.5; hyb0.3-sub2000 and hyb0.5-sub2000 fit on 2,000
  documents drawn with the seed (an embedding cost the job could pay: a fixed one).
- round 5 (ROUND5): minilm-sub2000 = best of 10 on the MiniLM vectors of those 2,000
  documents, then the job's rule; stabsel-0.1 = minilm-sub2000 when its stability (NMI
  between the assignments of fits with seeds s and s + 1000) exceeds base's by more than
  0.10, else base.
- round 6 (ROUND6): embed-euclid = Euclidean k-means (best of 10 by inertia, splitlib's
  `best_of(..., euclidean=True)`) on the MiniLM vectors of every document, then the job's
  rule in the tf-idf space (what `domains.features=embedding` does).
- round 7 (ROUND7): ehyb0.2, ehyb0.3, ehyb0.5 = the Euclidean fit (greedy starts) on round
  4's joined rows [sqrt(1 - w) x tf-idf row, sqrt(w) x MiniLM vector], then the job's rule.
- round 8 (`--auto-tuning`): what `domains.features=auto`'s rule was tuned on: per corpus
  and seed, the embedding domains' NMI and tf-idf loss (splitlib.discovery.choose_features)
  at 1,000, 2,000 and 3,000 embedded documents, with and without the refinement of their
  centroids over the whole sample, next to the tf-idf fit's NMI.
One JSON line per (corpus, arm, seed): NMI against the source label and seconds
(features + fits + assignment). `--objectives` compares, per corpus, the objective of
best of 10 fits with that of the sources' own centroids. Results: `RESULTS.md`, section
"Domain discovery: variants tried against the gap to MiniLM".
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

from benchmarks.bench_domains import N_BUCKETS, corpus_info, embeddings, summary  # noqa: E402
from benchmarks.common import bundled_records, table  # noqa: E402
from benchmarks.eval_corpora import DEFAULT_OUT, load  # noqa: E402
from splitlib.discovery import label_centroids, sample_idf, tfidf_rows  # noqa: E402
from splitlib.domains import assign, inverse_document_frequency, normalize_rows  # noqa: E402
from splitlib.kmeans import _Rows, best_of, lloyd, nmi  # noqa: E402
from splitlib.ngrams import hashed_ngrams  # noqa: E402

ARMS = ("base", "r30", "maxdf", "lsa100", "lsa200", "consensus", "vmf")
ROUND2 = ("bigram", "bigram-half", "idf2", "lsa100-consensus")
ROUND3 = ("oc2-average", "oc2-complete", "oc3-average", "lsa100-oc2-average")
ROUND4 = ("hyb0.2", "hyb0.3", "hyb0.4", "hyb0.5", "hyb0.3-sub2000", "hyb0.5-sub2000")
ROUND5 = ("minilm-sub2000", "stabsel-0.1")
ROUND6 = ("embed-euclid",)
ROUND7 = ("ehyb0.2", "ehyb0.3", "ehyb0.5")
SUB = 2000  # documents the MiniLM arms of rounds 4-5 embed when they are capped
OVERCLUSTER = {  # arm: (rows: hashed or LSA dims, K' per K, linkage of the merge)
    "oc2-average": (0, 2, "average"),
    "oc2-complete": (0, 2, "complete"),
    "oc3-average": (0, 3, "average"),
    "lsa100-oc2-average": (100, 2, "average"),
}
FEATURES = {  # arms that change only the features, then best of 10
    "maxdf": {"max_df": 0.5},
    "bigram": {"bigrams": 1.0},
    "bigram-half": {"bigrams": 0.5},
    "idf2": {"idf_power": 2.0},
}


def features(texts: list[str], max_df: float = 1.0, bigrams: float = 0.0, idf_power: float = 1.0):
    """Unit tf-idf rows over the hashed buckets: unigrams, plus bigrams weighted `bigrams`."""
    grams, uni = hashed_ngrams(texts, N_BUCKETS, with_unigrams=True)
    if bigrams:
        u = sp.csr_matrix((uni.counts, uni.buckets, uni.offsets), shape=(len(texts), N_BUCKETS))
        g = sp.csr_matrix((grams.counts, grams.buckets, grams.offsets), shape=u.shape)
        tf = sp.csr_matrix(u + bigrams * (g - u), dtype=np.float32)
        tf.eliminate_zeros()
        tf.sort_indices()
        doc_freq = np.bincount(tf.indices, minlength=N_BUCKETS)
        idf = inverse_document_frequency(doc_freq, len(texts)) ** idf_power
        x = tf.copy()
        x.data = np.log1p(x.data) * idf[x.indices]
        return sp.csr_matrix(normalize_rows_sparse(x), dtype=np.float32)
    idf = sample_idf(uni, N_BUCKETS) ** idf_power
    if max_df < 1.0:
        doc_freq = np.bincount(uni.buckets, minlength=N_BUCKETS)
        idf = np.where(doc_freq > max_df * len(texts), 0.0, idf).astype(np.float32)
    return tfidf_rows(uni, idf, 0, 0)


def normalize_rows_sparse(x):
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    return sp.diags(1.0 / np.maximum(norms, 1e-12)) @ x


def fits(x, k: int, seed: int, restarts: int):
    rows = _Rows(x)
    return [lloyd(rows, k, seed, r) for r in range(restarts)]


def lowest(fs):
    return fs[int(np.argmin([f.objective for f in fs]))]


def lsa_rows(x, seed: int, dims: int) -> np.ndarray:
    from sklearn.utils.extmath import randomized_svd

    u, s, _ = randomized_svd(x, dims, random_state=seed)
    return normalize_rows(u * s)


def lsa(x, k: int, seed: int, dims: int) -> np.ndarray:
    return label_centroids(x, best_of(lsa_rows(x, seed, dims), k, seed, 10).labels, k)


def consensus(x, k: int, seed: int, fs) -> np.ndarray:
    """Centroids in x's space of best of 10 fits on the one-hot labels of the fits `fs`."""
    n = x.shape[0]
    cols = np.concatenate([f.labels.astype(np.int64) + i * k for i, f in enumerate(fs)])
    rows = np.tile(np.arange(n), len(fs))
    h = sp.csr_matrix((np.ones(len(cols), np.float32), (rows, cols)), shape=(n, k * len(fs)))
    h = sp.csr_matrix(h / np.sqrt(len(fs)), dtype=np.float32)
    return label_centroids(x, best_of(h, k, seed, 10).labels, k)


def merged(x, fit, k: int, linkage: str) -> np.ndarray:
    """Centroids in x's space: the clusters of an over-clustered `fit` grouped to `k` by
    agglomerative clustering of its centroids (cosine distance, `linkage` between groups)."""
    from scipy.cluster import hierarchy

    tree = hierarchy.linkage(fit.centroids.astype(np.float64), method=linkage, metric="cosine")
    groups = hierarchy.cut_tree(tree, n_clusters=k).ravel()
    return label_centroids(x, groups[fit.labels], k)


def overclustered(x, k: int, seed: int, arms: list[str]) -> dict:
    """{arm: (centroids, seconds)} for the round-3 arms in `arms`; fits at one K' on one kind
    of rows are shared by the arms that use them (each arm's seconds count them once)."""
    out, shared = {}, {}
    for arm in arms:
        dims, times, linkage = OVERCLUSTER[arm]
        if (dims, times) not in shared:
            start = time.perf_counter()
            rows = lsa_rows(x, seed, dims) if dims else x
            fit = best_of(rows, times * k, seed, 10)
            shared[dims, times] = (fit, time.perf_counter() - start)
        fit, seconds = shared[dims, times]
        start = time.perf_counter()
        out[arm] = (merged(x, fit, k, linkage), seconds + time.perf_counter() - start)
    return out


def vmf(x, centroids: np.ndarray, kappa: float = 50.0, steps: int = 20) -> np.ndarray:
    mu = centroids.astype(np.float64)
    weights = np.full(len(mu), 1.0 / len(mu))
    for _ in range(steps):
        logits = np.log(np.maximum(weights, 1e-12)) + kappa * np.asarray(x @ mu.T)
        r = np.exp(logits - logits.max(axis=1, keepdims=True))
        r /= r.sum(axis=1, keepdims=True)
        sums = np.asarray(x.T @ r).T
        mu = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        weights = r.mean(axis=0)
    return mu.astype(np.float32)


def drawn(n: int, seed: int) -> np.ndarray:
    """The capped arms' documents: SUB of n drawn with the seed (all when n <= SUB)."""
    return np.sort(np.random.default_rng(seed).choice(n, min(SUB, n), replace=False))


def joined(x, e: np.ndarray, w: float):
    """tf-idf and MiniLM rows side by side, weighted so that each row stays unit length."""
    parts = [x * np.sqrt(1 - w), sp.csr_matrix(e * np.sqrt(w))]
    return sp.csr_matrix(sp.hstack(parts), dtype=np.float32)


def with_minilm(x, e: np.ndarray, k: int, seed: int, arm: str) -> np.ndarray:
    """Centroids in x's space for an arm of rounds 4-7 (`e`: the MiniLM rows of x)."""
    if arm.startswith("ehyb"):
        fit = best_of(joined(x, e, float(arm[4:])), k, seed, 10, euclidean=True)
        return label_centroids(x, fit.labels, k)
    if arm == "embed-euclid":
        return label_centroids(x, best_of(e, k, seed, 10, euclidean=True).labels, k)
    if arm.startswith("hyb"):
        w, _, cap = arm[3:].partition("-sub")
        idx = drawn(x.shape[0], seed) if cap else np.arange(x.shape[0])
        return label_centroids(
            x[idx], best_of(joined(x[idx], e[idx], float(w)), k, seed, 10).labels, k
        )
    idx = drawn(x.shape[0], seed)
    sub = label_centroids(x[idx], best_of(e[idx], k, seed, 10).labels, k)
    if arm == "minilm-sub2000":
        return sub
    base = best_of(x, k, seed, 10).centroids
    base2 = best_of(x, k, seed + 1000, 10).centroids
    sub2 = label_centroids(x[idx], best_of(e[idx], k, seed + 1000, 10).labels, k)
    stable_base = nmi(assign(x, base)[0], assign(x, base2)[0])
    stable_sub = nmi(assign(x, sub)[0], assign(x, sub2)[0])
    return sub if stable_sub > stable_base + 0.10 else base


def run_arms(texts: list[str], k: int, seed: int, arms: list[str], vectors=None):
    """{arm: (predicted domains, seconds)} for one corpus and seed; `vectors`: a function
    that gives the corpus's MiniLM rows, for rounds 4-7 (embedding time not counted)."""
    out = {}
    start = time.perf_counter()
    x = features(texts)
    t_feat = time.perf_counter() - start
    start = time.perf_counter()
    restarts = [int(arm[1:]) for arm in arms if arm[0] == "r" and arm[1:].isdigit()]
    fs = fits(x, k, seed, max([10, *restarts]))
    t_fit = (time.perf_counter() - start) / len(fs)
    base = lowest(fs[:10]).centroids
    out["base"] = (assign(x, base)[0], t_feat + 10 * t_fit)
    for n in restarts:
        out[f"r{n}"] = (assign(x, lowest(fs[:n]).centroids)[0], t_feat + n * t_fit)
    oc = [arm for arm in arms if arm in OVERCLUSTER]
    for arm, (c, seconds) in overclustered(x, k, seed, oc).items():
        start = time.perf_counter()
        out[arm] = (assign(x, c)[0], t_feat + seconds + time.perf_counter() - start)
    for arm in arms:
        if arm in out:
            continue
        start = time.perf_counter()
        if arm in (*ROUND4, *ROUND5, *ROUND6, *ROUND7):
            c = with_minilm(x, vectors(), k, seed, arm)
            out[arm] = (assign(x, c)[0], time.perf_counter() - start + t_feat)
            continue
        if arm in FEATURES:
            xm = features(texts, **FEATURES[arm])
            c = best_of(xm, k, seed, 10).centroids
            out[arm] = (assign(xm, c)[0], time.perf_counter() - start)
            continue
        if arm == "lsa100-consensus":
            c, extra = consensus(x, k, seed, fits(lsa_rows(x, seed, 100), k, seed, 10)), t_feat
        elif arm.startswith("lsa"):
            c, extra = lsa(x, k, seed, int(arm[3:])), t_feat
        elif arm == "consensus":
            c, extra = consensus(x, k, seed, fs[:10]), t_feat + 10 * t_fit
        elif arm == "vmf":
            c, extra = vmf(x, base), t_feat + 10 * t_fit
        out[arm] = (assign(x, c)[0], time.perf_counter() - start + extra)
    return out


def source_objective(texts: list[str], labels: list[str], k: int) -> list:
    """Is the source partition what the objective prefers? The objective (sum of 1 - cos) of
    best of 10 fits (seed 0) next to that of the sources' own centroids, nearest-centroid rule.
    """
    x = features(texts)
    fit = best_of(x, k, 0, 10)
    index = np.unique(labels, return_inverse=True)[1]
    sims = np.asarray(x @ label_centroids(x, index, k).T)
    found = nmi(assign(x, fit.centroids)[0], labels)
    sources = float((1.0 - sims.max(axis=1)).sum())
    return [
        f"{fit.objective:.1f}",
        f"{found:.3f}",
        f"{sources:.1f}",
        f"{nmi(sims.argmax(1), labels):.3f}",
    ]


def auto_tuning(texts: list[str], labels: list[str], k: int, e: np.ndarray, seed: int) -> dict:
    """Round 8's tuning numbers for one corpus and seed (see the module docstring)."""
    from benchmarks.bench_domains import job_rows
    from splitlib.discovery import (
        choose_features,
        discover_domains,
        embedded_rows,
        refined_centroids,
    )

    x = job_rows(texts, seed)
    tfidf = discover_domains(x, k, seed, 10, stability=False, scan=0)
    out = {"tfidf": nmi(assign(x, tfidf.centroids)[0], labels)}
    for cap in (1000, 2000, 3000):
        idx = embedded_rows(x.shape[0], cap, seed)
        fit = best_of(e[idx], k, seed, 30, euclidean=True)
        drawn_means = label_centroids(x[idx], fit.labels, k)
        for tag, c in (("", drawn_means), ("-refined", refined_centroids(x, drawn_means))):
            loss = choose_features(x, tfidf, c, 0.10, len(idx)).tfidf_loss
            out[f"{cap}{tag}"] = (nmi(assign(x, c)[0], labels), loss)
    return out


def summary_table(paths: list[Path]) -> str:
    """The markdown table of the JSON lines in `paths`: NMI mean +/- sd, worst, median seconds."""
    runs: dict[tuple[str, str], dict[int, dict]] = {}
    for path in paths:
        for line in path.read_text().splitlines():
            r = json.loads(line)
            # base runs with every arm: a seed measured in two files counts once (the last)
            runs.setdefault((r["corpus"], r["arm"]), {})[r["seed"]] = r
    rows = []
    for (corpus, arm), by_seed in runs.items():
        rs = list(by_seed.values())
        scores = [r["nmi"] for r in rs]
        seconds = [r["seconds"] for r in rs]
        rows.append([corpus, arm, *summary(scores, seconds)])
    return table(["corpus", "arm", "NMI", "worst", "s"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--table", nargs="+", type=Path, help="only print the table of these files")
    ap.add_argument("--corpora", nargs="+", default=[])
    ap.add_argument("--arms", nargs="+", default=list(ARMS), help="also ROUND2-ROUND7, r<N>")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--objectives", action="store_true", help="only the source-partition check")
    ap.add_argument("--auto-tuning", action="store_true", help="only round 8's tuning numbers")
    args = ap.parse_args(argv)
    known = {"base", *ARMS, *ROUND2, *ROUND3, *ROUND4, *ROUND5, *ROUND6, *ROUND7}
    unknown = [a for a in args.arms if a not in known and not (a[0] == "r" and a[1:].isdigit())]
    if unknown:
        ap.error(f"unknown arms {unknown}; known: {sorted(known)} and r<N>")
    if args.table:
        print(summary_table(args.table))
        return 0
    rows = []
    for name in args.corpora:
        records = bundled_records() if name == "bundled" else load(args.dir / f"{name}.jsonl")
        texts, labels, k, _ = corpus_info(records)
        if args.objectives:
            rows.append([name, *source_objective(texts, labels, k)])
            continue
        cache = args.dir / f"{name}.minilm.npz"
        if args.auto_tuning:
            e = embeddings(texts, cache)[0].astype(np.float32)
            for seed in range(args.seeds):
                cells = auto_tuning(texts, labels, k, e, seed)
                print(
                    name, seed, json.dumps({a: np.round(v, 3).tolist() for a, v in cells.items()})
                )
            continue

        def vectors(texts=texts, cache=cache):
            return embeddings(texts, cache)[0].astype(np.float32)

        for seed in range(args.seeds):
            for arm, (pred, sec) in run_arms(texts, k, seed, args.arms, vectors).items():
                line = {"corpus": name, "arm": arm, "seed": seed, "nmi": nmi(pred, labels)}
                with args.out.open("a") as f:
                    f.write(json.dumps({**line, "seconds": round(sec, 2)}) + "\n")
    if rows:
        head = ["corpus", "best of 10: objective", "NMI", "source centroids: objective", "NMI"]
        print(table(head, rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
