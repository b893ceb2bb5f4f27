"""Round 16: take the other fit's domains where the two fits disagree? (rejected; RESULTS.md)

    python -m benchmarks.bench_domain_repair --out /tmp/repair.jsonl      # all read corpora
    python -m benchmarks.bench_domain_repair --out /tmp/repair.jsonl --report

For every corpus and seed 0-4, the two fits of `domains.features=auto` with the job's defaults
(the cached MiniLM vectors of `bench_domains`), then NMI against the sources of:
- A0: the kept fit, as the job assigns (today's default);
- A1: F = the kept domains whose agreement with the other fit is under 0.5; G = the other fit's
  domains with more than half their documents in F's. If 1 <= |G| = |F|, F's domains are replaced
  by G's (their centroids or prototypes; documents to the nearest), else nothing changes;
- A2: A1 only where the embedding domains were kept; A3: only where the tf-idf ones were.
Rows are appended to --out as they come; a rerun skips the (corpus, seed) pairs already there.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402

import numpy as np  # noqa: E402

from benchmarks.bench_domain_trust import HELD_OUT, TUNING  # noqa: E402
from benchmarks.bench_domains import cached_corpus, job_rows  # noqa: E402
from benchmarks.common import per_seed_rows  # noqa: E402
from splitlib.config import DomainConfig  # noqa: E402
from splitlib.discovery import (  # noqa: E402
    choose_features,
    discover_domains,
    discover_embedding_domains,
)
from splitlib.domains import assign  # noqa: E402
from splitlib.kmeans import matched_jaccard, nmi  # noqa: E402

ARMS = ("A0", "A1", "A2", "A3")


def rows_and_owners(fit) -> tuple[np.ndarray, np.ndarray]:
    """A fit's assignment rows and each row's domain (a centroid owns itself)."""
    rows, owners = fit.assignment_rows()
    return rows, np.arange(len(rows)) if owners is None else np.asarray(owners)


def repaired(x, kept, other, k: int) -> tuple[np.ndarray, int]:
    """(A1's domains of every row, |F|; -1 when |G| != |F| and nothing was swapped)."""
    kept_rows, kept_owner = rows_and_owners(kept)
    other_rows, other_owner = rows_and_owners(other)
    mine = assign(x, kept_rows, owners=kept_owner)[0]
    theirs = assign(x, other_rows, owners=other_owner)[0]
    agreement = matched_jaccard(mine, theirs, k)
    apart = [i for i in range(k) if agreement[i] < 0.5]
    if not apart:
        return mine, 0
    region = np.isin(mine, apart)
    inside = [
        j
        for j in range(k)
        if (theirs == j).sum() and (region & (theirs == j)).sum() > 0.5 * (theirs == j).sum()
    ]
    if not 1 <= len(inside) == len(apart):
        return mine, -1
    domains = [(kept_rows, kept_owner, i) for i in range(k) if i not in apart]
    domains += [(other_rows, other_owner, j) for j in inside]
    rows = np.concatenate([r[o == d] for r, o, d in domains]).astype(np.float32)
    owners = np.concatenate([np.full((o == d).sum(), n) for n, (_, o, d) in enumerate(domains)])
    return assign(x, rows, owners=owners.astype(np.int32))[0], len(apart)


def corpus_rows(name: str, seeds: int, done: set) -> list[dict]:
    texts, sources, vectors = cached_corpus(name)
    k = len(set(sources))
    cfg = DomainConfig()
    out = []
    for seed in range(seeds):
        if (name, seed) in done:
            continue
        x = job_rows(texts, seed)
        tfidf = discover_domains(x, k, seed, cfg.restarts, cfg.max_iter, stability=False, scan=0)
        embedding, embedded = discover_embedding_domains(
            x,
            lambda idx: vectors[idx],
            k,
            seed,
            cfg.embedding_restarts,
            cfg.max_iter,
            cfg.embed_docs,
            False,
            0,
            cfg.prototypes,
        )
        choice = choose_features(
            x, tfidf, embedding.centroids, cfg.max_tfidf_loss, embedded.shape[0]
        )
        kept, other = (embedding, tfidf) if choice.chosen == "embedding" else (tfidf, embedding)
        rows, owners = kept.assignment_rows()
        a0 = nmi(assign(x, rows, owners=owners)[0], sources)
        swapped, flagged = repaired(x, kept, other, k)
        a1 = nmi(swapped, sources)
        out.append(
            {
                "corpus": name,
                "seed": seed,
                "chosen": choice.chosen,
                "flagged": flagged,
                "A0": a0,
                "A1": a1,
                "A2": a1 if choice.chosen == "embedding" else a0,
                "A3": a1 if choice.chosen == "tfidf" else a0,
            }
        )
        print(f"  {name} seed {seed}: A0 {a0:.3f} A1 {a1:.3f}", flush=True)
    return out


def report(records: list[dict]) -> str:
    by_corpus: dict[str, list[dict]] = {}
    for r in records:
        by_corpus.setdefault(r["corpus"], []).append(r)
    lines = ["| corpus | kept | flagged per seed | " + " | ".join(ARMS) + " |"]
    lines.append("|---" * (3 + len(ARMS)) + "|")
    for name, rows in by_corpus.items():
        cells = [name, "/".join(sorted({r["chosen"] for r in rows}))]
        cells.append(",".join(str(r["flagged"]) for r in rows))
        for arm in ARMS:
            values = [r[arm] for r in rows]
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.3f} ± {sd:.3f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return per_seed_rows(argv, __doc__, list(TUNING + HELD_OUT), corpus_rows, report)


if __name__ == "__main__":
    raise SystemExit(main())
