"""Cutting kept domains (`domains.split`) against a fresh fit with more domains, over seeds.

    python -m benchmarks.bench_domain_cut [--seeds 0 1 2] [--no-write]

On the bundled corpus, per seed: the split job at K = 5 (`domains.features=tfidf`), which
puts some of the seven sources together; then the same corpus with that run's domains kept
and every domain whose largest source holds under 80% of it cut in two (what a reader who
has read the examples would cut; here the source labels pick them); and a fresh fit at
K = 7. NMI of each run's domains against the source label, and the seconds of the cut run.
Runs are kept under SPLITLIB_BENCH_DIR (default /tmp/splitlib-bench/domain-cut) and reused.
"""

from __future__ import annotations

import argparse
import glob
import json
import statistics
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.common import WORK, bundled_records, machine, publish, table
from splitlib.kmeans import nmi

MIXED = 0.8  # a domain is cut when its largest source holds less than this share of it


def committed(out: Path, overrides: list[str], spark) -> tuple[dict, float]:
    from jobs.pipeline import run_split
    from splitlib.config import build

    start = time.perf_counter()
    if not (out / "manifest.json").exists():
        run_split(build(overrides=[f"out={out}", *overrides]), spark=spark)
    return json.loads((out / "manifest.json").read_text()), time.perf_counter() - start


def domains_of(out: Path) -> dict[str, str]:
    docs = pq.ParquetDataset(glob.glob(str(out / "docs" / "*.parquet"))).read(["id", "domain"])
    return dict(zip(docs["id"].to_pylist(), docs["domain"].to_pylist(), strict=True))


def score(out: Path, source: dict[str, str]) -> float:
    assigned = domains_of(out)
    ids = sorted(assigned)
    return nmi([assigned[i] for i in ids], [source[i] for i in ids])


def one_seed(seed: int, work: Path, spark, source: dict[str, str]) -> dict:
    common = ["domains.features=tfidf", f"seed={seed}"]
    k5 = work / f"k5-seed{seed}"
    committed(k5, ["domains.k=5", *common], spark)
    by_domain: dict[str, Counter] = {}
    for doc, domain in domains_of(k5).items():
        by_domain.setdefault(domain, Counter())[source[doc]] += 1
    mixed = sorted(d for d, c in by_domain.items() if c.most_common(1)[0][1] < MIXED * c.total())
    cut = work / f"cut-seed{seed}"
    split = json.dumps(dict.fromkeys(mixed, 2))
    manifest, seconds = committed(
        cut, [f"domains.from_run={k5}", f"domains.split={split}", *common], spark
    )
    k7 = work / f"k7-seed{seed}"
    committed(k7, ["domains.k=7", *common], spark)
    return {
        "seed": seed,
        "cut": mixed,
        "into": {d: c["into"] for d, c in manifest["domains_from"]["split"].items()},
        "nmi_k5": score(k5, source),
        "nmi_cut": score(cut, source),
        "nmi_k7": score(k7, source),
        "seconds": seconds,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    args = p.parse_args(argv)
    from jobs.session import get_spark
    from splitlib.config import SparkConfig

    work = WORK / "domain-cut"
    work.mkdir(parents=True, exist_ok=True)
    source = {r["id"]: r["source"] for r in bundled_records()}
    spark = get_spark(SparkConfig(conf={"spark.sql.shuffle.partitions": "4"}))
    rows = []
    for seed in args.seeds:
        rows.append(one_seed(seed, work, spark, source))
        print(json.dumps(rows[-1]), flush=True)
    spark.stop()

    def spread(key: str) -> str:
        values = [r[key] for r in rows]
        sd = statistics.stdev(values) if len(values) > 1 else 0.0
        return f"{statistics.mean(values):.3f} ± {sd:.3f}"

    body = table(
        ["seed", "domains cut (largest source under 80%)", "NMI K = 5", "NMI cut", "NMI K = 7", "cut run s"],
        [
            [r["seed"], ", ".join(r["cut"]) or "none", f"{r['nmi_k5']:.3f}", f"{r['nmi_cut']:.3f}",
             f"{r['nmi_k7']:.3f}", f"{r['seconds']:.0f}"]
            for r in rows
        ] + [["mean ± sd", "", spread("nmi_k5"), spread("nmi_cut"), spread("nmi_k7"), ""]],
    )  # fmt: skip
    head = (
        f"Machine: {machine()}. Command: `python -m benchmarks.bench_domain_cut --seeds "
        f"{' '.join(map(str, args.seeds))}`. The bundled corpus, `domains.features=tfidf`.\n\n"
    )
    publish("Cutting kept domains", head + body, not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
