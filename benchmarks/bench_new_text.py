"""New kinds of text in a later crawl: does the share under the earlier score floor find them?

    python -m benchmarks.bench_new_text [--corpus bundled] [--features tfidf] [--no-write]

A labelled corpus (the bundled one, or one built by `benchmarks/heldout_corpus*.py`) is cut in
two halves by the parity of a hash of the id. Baseline: the earlier run is fitted on half A
(K = its number of sources) and its domains are kept for half B (`domains.from_run`): nothing
is new. Then, for each source, the earlier run is fitted on half A without that source
(K - 1) and kept for half B with it: the left-out source is a kind of text the earlier crawl
did not have. Per later run:
- per domain, the share of its documents under the earlier run's score floor (`far_share`)
  and whether the job named it to read first (splitlib.novelty.far_warnings);
- the domains that took at least 20% of the new source's documents ("took it");
- per document, the share of the new source's documents under their domain's earlier floor,
  and the same for the documents of the other sources.
Runs are kept under SPLITLIB_BENCH_DIR (default /tmp/splitlib-bench/new-text) and reused, so
an interrupted run resumes.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
from pathlib import Path

import pyarrow.parquet as pq

from benchmarks.common import WORK, bundled_records, machine, publish, table
from benchmarks.eval_corpora import DEFAULT_OUT, load

TOOK = 0.2  # a domain "took" the new source when it holds at least this share of it


def half(doc_id: str) -> str:
    return "a" if hashlib.sha1(doc_id.encode()).digest()[0] % 2 == 0 else "b"


def write_jsonl(path: Path, records: list[dict]) -> Path:
    if not path.exists():
        tmp = path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        tmp.rename(path)
    return path


def committed(out: Path, overrides: list[str], spark) -> dict:
    """The manifest of the run at `out`, run first when it is not committed yet."""
    from jobs.pipeline import run_split
    from splitlib.config import build

    if not (out / "manifest.json").exists():
        run_split(build(overrides=[f"out={out}", *overrides]), spark=spark)
    return json.loads((out / "manifest.json").read_text())


def corpus(name: str) -> list[dict]:
    return bundled_records() if name == "bundled" else load(DEFAULT_OUT / f"{name}.jsonl")


def scenario(
    records: list[dict],
    name: str,
    left_out: str | None,
    features: str,
    work: Path,
    spark,
    seed: int = 0,
) -> dict:
    sources = sorted({r["source"] for r in records})
    source = {r["id"]: r["source"] for r in records}
    earlier_docs = [r for r in records if half(r["id"]) == "a" and r["source"] != left_out]
    later_docs = [r for r in records if half(r["id"]) == "b"]
    earlier_in = write_jsonl(work / f"a-{name}.jsonl", earlier_docs)
    later_in = write_jsonl(work / "b.jsonl", later_docs)
    k = len(sources) - (1 if left_out else 0)
    common = ["features.vocab_size=1024", f"domains.features={features}", f"seed={seed}"]
    earlier = committed(
        work / f"earlier-{name}", [f"input.path={earlier_in}", f"domains.k={k}", *common], spark
    )
    later_out = work / f"later-{name}"
    later = committed(
        later_out,
        [f"input.path={later_in}", f"domains.from_run={work / f'earlier-{name}'}", *common],
        spark,
    )
    floors = {d["name"]: d["score_floor"] for d in earlier["domains"]}
    docs = pq.ParquetDataset(glob.glob(str(later_out / "docs" / "*.parquet"))).read(
        columns=["id", "domain", "score"]
    )
    rows = docs.to_pylist()
    new = [r for r in rows if source[r["id"]] == left_out]
    old = [r for r in rows if source[r["id"]] != left_out]

    def far(rs):
        return sum(r["score"] < floors[r["domain"]] for r in rs) / max(len(rs), 1)

    took = {
        d["name"]
        for d in later["domains"]
        if new and sum(r["domain"] == d["name"] for r in new) >= TOOK * len(new)
    }
    flagged = {w.split("'")[1] for w in later["domains_from"].get("warnings", [])}
    return {
        "scenario": name,
        "left_out": left_out,
        "domains": [
            {
                "name": d["name"],
                "far": d["far_share"],
                "then": e["below_floor_share"],
                "took": d["name"] in took,
                "flagged": d["name"] in flagged,
                "new_docs": sum(r["domain"] == d["name"] for r in new),
                "docs": d["docs"],
            }
            for d, e in zip(later["domains"], later["domains_from"]["earlier"], strict=True)
        ],
        "new_far": far(new) if new else None,
        "old_far": far(old),
    }


def report(results: list[dict], corpus_name: str, features: str, seed: int = 0) -> str:
    rows = []
    for r in results:
        took = [d for d in r["domains"] if d["took"]]
        others = [d for d in r["domains"] if not d["took"]]
        rows.append(
            [
                r["left_out"] or "none (baseline)",
                ", ".join(f"{d['name']} {100 * d['far']:.1f}%" for d in took) or "–",
                f"{100 * max(d['far'] for d in others):.1f}%",
                f"{sum(d['flagged'] for d in took)} of {len(took)}",
                ", ".join(
                    f"{d['name']} ({d['new_docs']} of its {d['docs']} documents new)"
                    for d in others
                    if d["flagged"]
                )
                or "none",
                "–" if r["new_far"] is None else f"{100 * r['new_far']:.1f}%",
                f"{100 * r['old_far']:.1f}%",
            ]
        )
    head = [
        "left out of the earlier run",
        "domains that took it: far share",
        "highest far share elsewhere",
        "flagged of those",
        "flagged elsewhere",
        "its documents under the floor",
        "other documents under the floor",
    ]
    return (
        f"Machine: {machine()}. Command: `python -m benchmarks.bench_new_text --corpus "
        f"{corpus_name} --features {features} --seed {seed}`. Earlier runs fitted with `domains.features={features}`, "
        "`features.vocab_size=1024`; the limit for naming a domain to read first is "
        "`splitlib.novelty.FAR_SHARE_LIMIT`.\n\n" + table(head, rows)
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--corpus", default="bundled", help="bundled, or a built held-out corpus")
    p.add_argument("--features", default="tfidf", choices=["tfidf", "auto", "embedding"])
    p.add_argument("--no-write", action="store_true", help="print, do not edit RESULTS.md")
    p.add_argument("--sources", nargs="*", help="leave out only these sources")
    p.add_argument("--seed", type=int, default=0, help="the job's seed (the k-means fits)")
    args = p.parse_args(argv)
    from jobs.session import get_spark
    from splitlib.config import SparkConfig

    records = corpus(args.corpus)
    suffix = "" if args.corpus == "bundled" else f"-{args.corpus}"
    suffix += f"-seed{args.seed}" if args.seed else ""
    work = WORK / f"new-text-{args.features}{suffix}"
    work.mkdir(parents=True, exist_ok=True)
    spark = get_spark(SparkConfig(conf={"spark.sql.shuffle.partitions": "4"}))
    results = [scenario(records, "baseline", None, args.features, work, spark, args.seed)]
    for src in args.sources or list(dict.fromkeys(r["source"] for r in records)):
        results.append(scenario(records, src, src, args.features, work, spark, args.seed))
        print(json.dumps(results[-1]), flush=True)
    spark.stop()
    title = f"New kinds of text in a later crawl: {args.corpus}"
    publish(title, report(results, args.corpus, args.features, args.seed), not args.no_write)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
