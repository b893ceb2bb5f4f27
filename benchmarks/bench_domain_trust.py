"""Which domains to read first: the per-domain numbers against the sources (round 15).

    python -m benchmarks.bench_domain_trust --out /tmp/trust.jsonl          # all corpora
    python -m benchmarks.bench_domain_trust --out /tmp/trust.jsonl --report  # the tables

For every corpus and seed 0-4, `discover_auto` with the job's defaults (the cached MiniLM vectors of
`bench_domains`), and for each domain it keeps:
- stability: Jaccard with the closest domain of the seed + 1 fit, on the fitted rows;
- agreement: Jaccard with the closest domain of the fit auto did not keep, over the whole sample;
- truth: Jaccard with the closest source, of the job's assignment of the whole sample. A domain is
  wrong when it is under 0.5: a piece of a source, or a mix of sources.
Each signal's limit is the one of 0.5-0.9 with the highest F1 for "under the limit = wrong" on the
tuning corpora (those of rounds 1-11); the report then applies it to the later ones, and apart to
heldout-sixteen, heldout-seventeen and heldout-eighteen, built after that test. Rows are
appended to --out as they come, and a rerun skips the (corpus, seed) pairs already there.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


import numpy as np  # noqa: E402

from benchmarks.bench_domains import auto_fit, cached_corpus, job_rows  # noqa: E402
from benchmarks.common import per_seed_rows  # noqa: E402
from splitlib.domains import assign  # noqa: E402
from splitlib.kmeans import matched_jaccard, nmi  # noqa: E402

TUNING = ("bundled", "tuning-debian", "imbalanced", "technical", "wiki-topics")
TUNING += ("heldout-dict", "heldout-docs", "heldout-help", "heldout-mix", "heldout-five")
TUNING += ("heldout-six", "heldout-seven", "heldout-eight", "heldout-nine")
HELD_OUT = ("heldout-ten", "heldout-eleven", "heldout-thirteen", "heldout-fourteen")
HELD_OUT += ("heldout-fifteen",)
# built after the limits were tested
LATER = ("heldout-sixteen", "heldout-seventeen", "heldout-eighteen")
LIMITS = (0.5, 0.6, 0.7, 0.8, 0.9)
SIGNALS = (("stability", "stab"), ("agreement", "cross"))


def corpus_rows(name: str, seeds: int, done: set) -> list[dict]:
    """One record per seed: each kept domain's signals and truth."""
    texts, sources, vectors = cached_corpus(name)
    codes = {s: i for i, s in enumerate(sorted(set(sources)))}
    truth = np.array([codes[s] for s in sources])
    k = len(codes)
    out = []
    for seed in range(seeds):
        if (name, seed) in done:
            continue
        x = job_rows(texts, seed)
        fit, choice = auto_fit(x, vectors, k, seed, stability=True)
        rows, owners = fit.assignment_rows()
        job = assign(x, rows, owners=owners)[0]
        out.append(
            {
                "corpus": name,
                "seed": seed,
                "chosen": choice.chosen,
                "nmi_truth": nmi(job, truth),
                "sizes": np.bincount(job, minlength=k).tolist(),
                "stab": np.round(fit.domain_stability, 4).tolist(),
                "cross": np.round(choice.domain_agreement, 4).tolist(),
                "truth": matched_jaccard(job, truth, k).round(4).tolist(),
            }
        )
        print(f"  {name} seed {seed}: auto kept {choice.chosen}", flush=True)
    return out


def units(records: list[dict], key: str) -> list[tuple[float, bool]]:
    """(signal, wrong) per kept domain."""
    return [
        (s, t < 0.5)
        for r in records
        if r.get(key) is not None
        for s, t in zip(r[key], r["truth"], strict=True)
    ]


def scores(u: list[tuple[float, bool]], limit: float) -> tuple[float, float, float, int]:
    """Precision, recall and F1 of "under the limit = wrong", and how many were named."""
    named = [w for s, w in u if s < limit]
    wrong = sum(w for _, w in u)
    hits = sum(named)
    precision = hits / len(named) if named else float("nan")
    recall = hits / wrong if wrong else float("nan")
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1, len(named)


def auc(u: list[tuple[float, bool]]) -> float:
    """Chance that a wrong domain's signal is under a right one's (ties count half)."""
    wrong = np.array([s for s, w in u if w])[:, None]
    right = np.array([s for s, w in u if not w])[None, :]
    if not wrong.size or not right.size:
        return float("nan")
    return float(((wrong < right).sum() + 0.5 * (wrong == right).sum()) / (wrong.size * right.size))


def report(records: list[dict]) -> str:
    tuning = [r for r in records if r["corpus"] in TUNING]
    held = [r for r in records if r["corpus"] in HELD_OUT]
    later = [r for r in records if r["corpus"] in LATER]
    lines = []
    for label, key in SIGNALS:
        u = units(tuning, key)
        table = {limit: scores(u, limit) for limit in LIMITS}
        chosen = max(LIMITS, key=lambda t: (table[t][2], -t))
        cells = [f"{p:.2f} / {r:.2f} / {f:.2f} ({n})" for p, r, f, n in table.values()]
        lines.append(f"{label}: tuning AUC {auc(u):.2f}; P / R / F1 (named) at {LIMITS}:")
        lines.append("    " + "; ".join(cells))
        for part, rows in (("held out", held), ("built later", later)):
            h = units(rows, key)
            if not h:
                continue
            p, r, f, n = scores(h, chosen)
            wrong = sum(w for _, w in h)
            lines.append(
                f"    limit {chosen}, {part}: {n} named of {len(h)} ({wrong} wrong), precision "
                f"{p:.2f}, recall {r:.2f}, AUC {auc(h):.2f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return per_seed_rows(argv, __doc__, list(TUNING + HELD_OUT + LATER), corpus_rows, report)


if __name__ == "__main__":
    raise SystemExit(main())
