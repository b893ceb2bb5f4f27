"""Round 17: is the seed spread of the default's domains a search too short? (RESULTS.md)

    python -m benchmarks.bench_domain_restarts --out /tmp/restarts.jsonl   # all read corpora
    python -m benchmarks.bench_domain_restarts --out /tmp/restarts.jsonl --report

For every corpus and seed 0-4, `domains.features=auto` with the job's defaults but for the
number of restarts (the cached MiniLM vectors of `bench_domains`), NMI against the sources:
- A0: the default (tf-idf restarts 10, embedding restarts 100);
- E300: embedding restarts 300; E300T30: embedding 300 and tf-idf 30 (E1000, registered, was
  dropped for time: REGISTRATIONS.md, round 17).
A fit's restart r is the same Lloyd run whatever the number of restarts (its start comes from
(seed, r)), so each fit's restarts are run once, as many as the largest arm asks, and every arm
keeps the best of its first ones: `best_of` below is `splitlib.kmeans.best_of` with that memory
(checked to give the same fit, `--check`). `--cost` times one embedding fit at 100 and
300 restarts. Rows are appended to --out as they come; a rerun
skips the (corpus, seed) pairs already there.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import copy  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import splitlib.discovery as discovery  # noqa: E402
from benchmarks.bench_domain_trust import HELD_OUT, TUNING  # noqa: E402
from benchmarks.bench_domains import auto_fit, cached_corpus, job_rows  # noqa: E402
from benchmarks.common import per_seed_rows  # noqa: E402
from splitlib import kmeans  # noqa: E402
from splitlib.config import DomainConfig  # noqa: E402
from splitlib.domains import assign  # noqa: E402

ARMS = {"A0": (10, 100), "E300": (10, 300), "E300T30": (30, 300)}  # E1000: too slow here
READ = list(TUNING + HELD_OUT) + ["heldout-sixteen"]
REFERENCES = Path(__file__).with_name("RESULTS.md")

_FITS: dict[tuple, tuple] = {}


def best_of(x, k: int, seed: int, restarts: int, max_iter: int = 40, euclidean: bool = False):
    """`kmeans.best_of`, remembering every restart of (rows, K, seed) for the next arm."""
    key = (id(x), k, seed, max_iter, euclidean)
    if key not in _FITS:
        _FITS[key] = (x, kmeans._Rows(x), [])  # x held so that its id is not reused
    _, rows, fits = _FITS[key]
    while len(fits) < max(1, restarts):
        fits.append(kmeans.lloyd(rows, k, seed, len(fits), max_iter, euclidean=euclidean))
    objectives = [f.objective for f in fits[: max(1, restarts)]]
    chosen = int(np.argmin(objectives))
    best = copy.copy(fits[chosen])
    best.objectives, best.chosen = objectives, chosen
    return best


def arm_nmi(x, vectors, k: int, seed: int, tfidf_restarts: int, embedding_restarts: int, sources):
    fit, choice = auto_fit(x, vectors, k, seed, restarts=(tfidf_restarts, embedding_restarts))
    rows, owners = fit.assignment_rows()
    return kmeans.nmi(assign(x, rows, owners=owners)[0], sources), choice


def corpus_rows(name: str, seeds: int, done: set) -> list[dict]:
    texts, sources, vectors = cached_corpus(name)
    k = len(set(sources))
    out = []
    for seed in range(seeds):
        if (name, seed) in done:
            continue
        x = job_rows(texts, seed)
        row = {"corpus": name, "seed": seed}
        start = time.perf_counter()
        for arm, (t, e) in ARMS.items():
            row[arm], choice = arm_nmi(x, vectors, k, seed, t, e, sources)
            row[arm + "_kept"] = choice.chosen
        row["seconds"] = time.perf_counter() - start
        _FITS.clear()
        out.append(row)
        cells = " ".join(f"{a} {row[a]:.3f}" for a in ARMS)
        print(f"  {name} seed {seed}: {cells} ({row['seconds']:.0f} s)", flush=True)
    return out


def references() -> dict[str, tuple[float, float]]:
    """Each corpus's scikit-learn and MiniLM means, from RESULTS.md's domain tables."""
    import re

    pattern = re.compile(
        r"\| ([\w-]+) \| \d+ \| \d+ \| \d+% \| (scikit-learn|MiniLM)[^|]*\| ([0-9.]+) ±"
    )
    found: dict[str, dict[str, float]] = {}
    for line in REFERENCES.read_text().splitlines():
        m = pattern.match(line)
        if m:
            found.setdefault(m.group(1), {})[m.group(2)] = float(m.group(3))
    return {c: (v["scikit-learn"], v["MiniLM"]) for c, v in found.items() if len(v) == 2}


def report(records: list[dict]) -> str:
    refs = references()
    by_corpus: dict[str, list[dict]] = {}
    for r in records:
        by_corpus.setdefault(r["corpus"], []).append(r)
    lines = ["| corpus | scikit-learn / MiniLM | " + " | ".join(ARMS) + " |"]
    lines.append("|---" * (2 + len(ARMS)) + "|")
    met = dict.fromkeys(ARMS, 0)
    for name, rows in by_corpus.items():
        sk, mini = refs.get(name, (float("nan"), float("nan")))
        cells = [name, f"{sk:.3f} / {mini:.3f}"]
        for arm in ARMS:
            values = [r[arm] for r in rows]
            mean = statistics.mean(values)
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            ok = mean >= max(sk, mini) and sd < 0.02
            met[arm] += ok
            kept = "".join(sorted({r[arm + "_kept"][0] for r in rows}))  # e, t or et
            cells.append(f"{mean:.3f} ± {sd:.3f} {kept}" + (" ✓" if ok else ""))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("| bar met on | | " + " | ".join(str(met[a]) for a in ARMS) + " |")
    return "\n".join(lines)


def check() -> int:
    """The remembering `best_of` gives `kmeans.best_of`'s fit, for both kinds of fit."""
    rng = np.random.default_rng(0)
    x = kmeans._unit_rows(rng.normal(size=(300, 16)).astype(np.float32))
    for euclidean in (False, True):
        for restarts in (3, 7):
            a = kmeans.best_of(x, 4, 1, restarts, 40, euclidean)
            b = best_of(x, 4, 1, restarts, 40, euclidean)
            assert a.objectives == b.objectives and np.array_equal(a.labels, b.labels)
    print("remembering best_of == kmeans.best_of")
    return 0


def cost() -> int:
    """Seconds of one embedding fit at 100 and 300 restarts: the bundled corpus's cached
    vectors, the 3,000 rows the job embeds with seed 0, K = 7 (the stability refit doubles it)."""
    _, sources, vectors = cached_corpus("bundled")
    rows = vectors[discovery.embedded_rows(len(vectors), DomainConfig().embed_docs, 0)]
    for restarts in (100, 300):
        start = time.perf_counter()
        kmeans.best_of(rows, len(set(sources)), 0, restarts, DomainConfig().max_iter, True)
        print(f"{restarts} embedding restarts: {time.perf_counter() - start:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if "--check" in argv:
        return check()
    if "--cost" in argv:
        return cost()
    discovery.best_of = best_of
    return per_seed_rows(argv, __doc__, READ, corpus_rows, report)


if __name__ == "__main__":
    raise SystemExit(main())
