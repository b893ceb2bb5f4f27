"""`splitlib train`: pretrain the seed on the mixture, branch and train one specialist per
domain, evaluate them against the seed and the no-split baseline, write run records.

    # one process (CPU by default, CUDA with bf16 when present)
    splitlib train --manifest out/split --model 100k --out out/train \\
        --pretrain-tokens 2M --special-tokens 200k
    # several processes on one machine (gloo on CPU, NCCL on GPUs)
    torchrun --nproc_per_node 2 -m splitlib.train --manifest out/split --model 100k --out out/train
    # several machines: the same on each, with --nnodes/--node-rank/--master-addr, and an
    # --out every process can see (s3:// or a shared disk)
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from splitlib.errors import TrainingInterrupted
from splitlib.train.config import (
    BudgetArgs,
    DataArgs,
    EvalArgs,
    ModelArgs,
    OptimArgs,
    ReplayArgs,
    RunArgs,
    TrainConfig,
    add_group,
    from_args,
)
from splitlib.train.summary import summary

if TYPE_CHECKING:
    from splitlib.train.resolve import Budget

GROUPS = {
    "data": DataArgs,
    "model": ModelArgs,
    "budget": BudgetArgs,
    "optim": OptimArgs,
    "replay": ReplayArgs,
    "eval": EvalArgs,
    "run": RunArgs,
}


def parser(
    prog: str = "splitlib train",
    groups: dict[str, type] = GROUPS,
    required: tuple[str, ...] = ("manifest", "model", "out"),
) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description=__doc__.split("\n\n")[0],
        epilog="Token counts accept k / M / B suffixes (decimal): 64k = 64,000 tokens.\n\n"
        + __doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    for cls in groups.values():
        add_group(p, cls, required)
    return p


def config_from(ns: argparse.Namespace) -> TrainConfig:
    return TrainConfig(**{name: from_args(cls, ns) for name, cls in GROUPS.items()})


def train(config: TrainConfig, budget: Budget | None = None) -> list[dict[str, Any]]:
    """Run one (model, seed) training from a config (and optionally a token grid);
    returns its run records. Joins torchrun's process group when launched by it."""
    # torch and transformers only now: `--help` and argument errors answer at once
    from splitlib.train.devices import start_runtime, stop_runtime
    from splitlib.train.pipeline import Pipeline
    from splitlib.train.resolve import resolve

    runtime = start_runtime(config.run.device, config.run.precision, config.run.threads)
    try:
        setup = resolve(config, runtime.world_size, budget)
        records = Pipeline(setup, runtime).run()
        if runtime.is_main:
            print(summary(records), flush=True)
        return records
    finally:
        stop_runtime(runtime)


def main(argv: list[str] | None = None) -> int:
    ns = parser().parse_args(argv)
    config = config_from(ns)
    try:
        train(config)
    except TrainingInterrupted as stop:
        print(f"splitlib train: {stop}", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
