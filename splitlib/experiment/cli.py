"""`splitlib experiment`: the planned split against no-split, 80/20 and a grid of
pretraining fractions, at equal compute, over several seeds.

    splitlib run --out out/split --k 4 --set features.vocab_size=1024
    splitlib experiment --manifest out/split --out out/experiment --preset cpu --threads 1
    splitlib experiment --manifest s3://bucket/split --out s3://bucket/exp --preset gpu --device cuda

Rerun the same command to resume: every finished stage (sweep runs, law fits, each
seed's arms, each phase inside them) is kept. Writes <out>/results.json, figure.png and
results.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from splitlib.errors import TrainingInterrupted, UserError
from splitlib.experiment.presets import PRESETS
from splitlib.train.config import parse_int_list, parse_list


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="splitlib experiment",
        description=__doc__.split("\n\n")[0],
        epilog=__doc__.split("\n\n", 1)[1]
        + "\npresets:\n"
        + "\n".join(f"  {name}: {preset.about}" for name, preset in PRESETS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--manifest", required=True, help="committed split: run root or manifest URL")
    p.add_argument("--out", required=True, help="output folder (local path or s3:// URL)")
    p.add_argument("--preset", choices=list(PRESETS), default="cpu", help="default: cpu")
    p.add_argument(
        "--fractions",
        type=lambda t: [float(x) for x in parse_list(t)],
        help="grid of pretraining fractions f, comma-separated (default: the preset's)",
    )
    p.add_argument("--seeds", type=parse_int_list, help="seeds of every arm (default: preset's)")
    p.add_argument(
        "--compute-multiple",
        type=float,
        help="target tokens as a multiple (>= 2) of the sweep's largest compute at the target "
        "size (default: the preset's)",
    )
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--precision", choices=["auto", "fp32", "bf16"], default="auto",
                   help="auto: bf16 autocast on CUDA, fp32 on CPU")  # fmt: skip
    p.add_argument("--threads", type=int, help="CPU threads (1 is fastest on a busy machine)")
    return p


def main(argv: list[str] | None = None) -> int:
    ns = parser().parse_args(argv)
    # torch and transformers only after the arguments parse: `--help` answers at once
    from splitlib.experiment.law import MIN_MULTIPLE
    from splitlib.experiment.runner import Experiment, run

    preset = PRESETS[ns.preset]
    changes = {}
    if ns.fractions:
        if any(not 0 < f < 1 for f in ns.fractions):
            raise UserError("--fractions must lie strictly between 0 and 1, e.g. 0.2,0.5,0.8.")
        changes["fractions"] = tuple(ns.fractions)
    if ns.seeds:
        changes["seeds"] = tuple(ns.seeds)
    if ns.compute_multiple is not None:  # 0 is refused, not taken for "the preset's"
        if ns.compute_multiple < MIN_MULTIPLE:  # checked before the sweep, not after it
            raise UserError(
                f"--compute-multiple {ns.compute_multiple:g}: the target must spend at least "
                f"{MIN_MULTIPLE:g}x the sweep's largest compute, so that the law extrapolates."
            )
        changes["compute_multiple"] = ns.compute_multiple
    exp = Experiment(
        manifest=ns.manifest,
        out=ns.out,
        preset_name=ns.preset,
        preset=dataclasses.replace(preset, **changes),
        device=ns.device,
        precision=ns.precision,
        threads=ns.threads,
    )
    try:
        return run(exp)
    except TrainingInterrupted as stop:
        print(f"splitlib experiment: {stop}; rerun the same command to resume.", file=sys.stderr)
        return 130
