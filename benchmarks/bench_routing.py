"""Routing short texts: documents cut to their first words, against the domain of the whole.

    python -m benchmarks.eval_corpora          # builds the labelled corpora once
    python -m benchmarks.bench_routing

For each corpus (those of `eval_corpora.py`, and the bundled one), the split job's
domain steps run on the driver with its own functions: tf-idf rows, k-means (seed 0,
K = number of sources), nearest-centroid assignment of every document, a 5% hold-out
drawn by hash of the id. Each held-out document is cut to its first 8, 16, 32, 64
and 256 words and routed; the table gives the share that lands in the domain its
whole text was assigned, for:
- splitlib now: sparse tf-idf, best of `domains.restarts` fits, nearest centroid
  (what `splitlib route` does);
- before issue 10: tf-idf projected to 4,096 dimensions, one fit, nearest centroid;
- n-gram models: the same domains as "now", routed by naive Bayes over the domains'
  hashed unigram+bigram counts of the non-held-out documents (add-0.5 smoothing, as
  the relevance models), the candidate a classifier trained on the assignments gives.
The job measures the first on its own validation documents (manifest `routing`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from benchmarks.common import bundled_records, machine, publish, table
from benchmarks.eval_corpora import DEFAULT_OUT, load
from splitlib.config import DomainConfig, SelectConfig
from splitlib.discovery import discover_domains, sample_idf, tfidf_rows
from splitlib.domains import assign
from splitlib.ngrams import hashed_ngrams
from splitlib.relevance import DomainModels
from splitlib.routing import PREFIX_WORDS, Router, first_words, prefix_accuracy
from splitlib.text import doc_hashes, unit

N_BUCKETS = 1 << 16
CORPORA = ("imbalanced", "technical", "wiki-topics")


def measure(records: list[dict]) -> dict[str, list[float]]:
    cfg = DomainConfig()
    texts = [r["text"] for r in records]
    k = len({r["source"] for r in records})
    grams, uni = hashed_ngrams(texts, N_BUCKETS, with_unigrams=True)
    idf = sample_idf(uni, N_BUCKETS)
    held = np.flatnonzero(unit(doc_hashes([r["id"] for r in records], 0), salt=1) < 0.05)
    cut = {n: [first_words(texts[i], n) for i in held] for n in PREFIX_WORDS}
    out: dict[str, list[float]] = {"docs": [len(held)]}
    for name, dims, restarts in (("now", cfg.dims, cfg.restarts), ("before", 4096, 1)):
        x = tfidf_rows(uni, idf, dims, 0)
        fit = discover_domains(x, k, 0, restarts, cfg.max_iter, stability=False, scan=0)
        domains = assign(x, fit.centroids)[0]
        router = Router([str(d) for d in range(k)], fit.centroids, idf, dims, 0)
        out[name] = prefix_accuracy(router, [texts[i] for i in held], domains[held])["accuracy"]
        if name == "now":
            counts = np.zeros((k, N_BUCKETS), np.int64)
            train = np.ones(len(texts), bool)
            train[held] = False
            per_gram = np.repeat(np.arange(len(texts)), np.diff(grams.offsets))
            keep = train[per_gram]
            np.add.at(
                counts,
                (domains[per_gram[keep]], grams.buckets[keep]),
                grams.counts[keep],
            )
            log_domain = DomainModels.from_counts(counts, SelectConfig().smoothing).log_domain
            out["ngram"] = []
            for n in PREFIX_WORDS:
                g = hashed_ngrams(cut[n], N_BUCKETS)
                m = sp.csr_matrix(
                    (g.counts.astype(np.float32), g.buckets, g.offsets),
                    shape=(len(held), N_BUCKETS),
                )
                best = np.asarray(m @ log_domain.T).argmax(axis=1)
                out["ngram"].append(round(float((best == domains[held]).mean()), 4))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpora", nargs="+", default=[*CORPORA, "bundled"])
    ap.add_argument("--dir", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    rows = []
    labels = {"now": "splitlib now", "before": "before issue 10", "ngram": "n-gram models"}
    for name in args.corpora:
        records = bundled_records() if name == "bundled" else load(args.dir / f"{name}.jsonl")
        result = measure(records)
        for key, label in labels.items():
            cells = [f"{a:.3f}" for a in result[key]]
            rows.append([name, result["docs"][0], label, *cells])
            print(rows[-1], flush=True)
    body = (
        f"Machine: {machine()}. Command: `python -m benchmarks.eval_corpora && python -m "
        "benchmarks.bench_routing`. Held-out documents cut to their first N words; share "
        "routed to the domain of the whole document (see the script's docstring for the "
        "three routers).\n\n"
        + table(["corpus", "held-out docs", "router", *[f"{n} words" for n in PREFIX_WORDS]], rows)
    )
    publish("Routing short texts (issue 10)", body, not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
