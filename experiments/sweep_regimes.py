"""Split against no-split inside an experiment's sweep: at every (seed, D, D') the sweep
trained, the specialists' mean domain loss against the no-split baseline that continued
the seed for the same extra tokens E = sum_k D'_k. The sweep's baseline decays over the
last 20% of E (not of its whole run), so this is the older, kinder-to-the-split comparison
the experiment replaces; it is shown only as a map of regimes.

    python experiments/sweep_regimes.py /tmp/exp/exp-bundled/sweep/runs.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict

import numpy as np


def regimes(rows: list[dict]) -> list[dict]:
    spec: dict[tuple, dict[str, float]] = defaultdict(dict)
    nosplit: dict[tuple, dict[str, float]] = defaultdict(dict)
    for r in rows:
        if r["domain"] is None:
            continue
        if r["kind"] == "spec" and r["domain"] == r["specialist"]:
            spec[(r["seed"], r["pretrain_tokens"], r["special_tokens"])][r["domain"]] = r["loss"]
        elif r["kind"] == "no_split":
            key = (r["seed"], r["pretrain_tokens"] - r["extra_tokens"], r["extra_tokens"])
            nosplit[key][r["domain"]] = r["loss"]
    out = []
    for (seed, d, s), losses in sorted(spec.items()):
        base = nosplit.get((seed, d, s * len(losses)))
        if not base:
            continue
        gains = {k: (base[k] - v) / base[k] for k, v in losses.items()}
        out.append({"seed": seed, "D": d, "D_prime": s, "T": d + s * len(losses),
                    "split_macro": float(np.mean(list(losses.values()))),
                    "no_split_macro": float(np.mean([base[k] for k in losses])),
                    "domain_gains": gains})  # fmt: skip
    return out


def main(path: str) -> None:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(x) for x in f if x.strip()]
    found = regimes(rows)
    by_point: dict[tuple, list[dict]] = defaultdict(list)
    for r in found:
        by_point[(r["D"], r["D_prime"])].append(r)
    print("| D | D' per domain | f = D/T | seeds | split macro | no-split macro | gain |"
          " gain per domain |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for (d, s), rs in sorted(by_point.items()):
        split = np.mean([r["split_macro"] for r in rs])
        base = np.mean([r["no_split_macro"] for r in rs])
        doms = rs[0]["domain_gains"]
        mean_gain = {k: np.mean([r["domain_gains"][k] for r in rs]) for k in doms}
        winners = ", ".join(f"{k} {100 * g:+.1f}%" for k, g in mean_gain.items())
        print(f"| {d:,} | {s:,} | {d / rs[0]['T']:.2f} | {len(rs)} | {split:.4f} | {base:.4f} |"
              f" {100 * (base - split) / base:+.2f}% | {winners} |")  # fmt: skip


if __name__ == "__main__":
    main(sys.argv[1])
