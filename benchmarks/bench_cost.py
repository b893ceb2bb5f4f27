"""How the split job's cost grows with K (domains) and with the k-means sample.

    python -m benchmarks.bench_cost --copies 4 --k 4 7 14 --sample 5000 20000 40000

One `splitlib run` per setting on the bundled corpus replicated `--copies` times; the
other settings stay at their defaults (K = 7 for the bundled corpus, sample 20,000).
Writes the section "Cost against K and the k-means sample" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from benchmarks.bench_split import STAGES, run_job
from benchmarks.common import WORK, corpus_stats, machine, publish, replicated_corpus, table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--copies", type=int, default=4)
    p.add_argument("--k", type=int, nargs="+", default=[4, 7, 14])
    p.add_argument("--sample", type=int, nargs="+", default=[5000, 20000, 40000])
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args(argv)
    command = "python -m benchmarks.bench_cost " + " ".join(sys.argv[1:] if argv is None else argv)
    corpus = replicated_corpus(args.copies)
    stats = corpus_stats(corpus)
    settings = [("K", k, [f"--set=domains.k={k}"]) for k in args.k]
    settings += [("sample", n, [f"--set=domains.sample_docs={n}"]) for n in args.sample]
    rows = []
    for name, value, extra in settings:
        out = WORK / "out-cost"
        res = run_job(corpus, out, extra)
        shutil.rmtree(out, ignore_errors=True)
        st = res["stages"]
        print(f"{name}={value}: {res['wall']:.1f} s wall; {st}", flush=True)
        rows.append(
            [
                f"{name} = {value:,}",
                f"{res['wall']:.1f}",
                f"{sum(st.values()):.1f}",
                *[f"{st.get(s, float('nan')):.1f}" for s in STAGES],
            ]
        )
    body = "\n".join(
        [
            f"Machine: {machine()}. Command: `{command}` (environment as for `make bench`). "
            f"Input: the bundled corpus x{args.copies} ({stats['docs']:,} documents, "
            f"{stats['text_bytes'] / 1e6:.1f} MB of text); one run per row, the other settings "
            "at their defaults (K = 7, sample 20,000). Seconds.",
            "",
            table(["setting", "wall", "job (sum of stages)", *STAGES], rows),
            "",
        ]
    )
    publish("Cost against K and the k-means sample", body, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
