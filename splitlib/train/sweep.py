"""`splitlib sweep`: a grid of (N, D, D') trainings from one manifest, for fitting a law.

One training run per (model size, seed) serves the whole (D, D') grid: its seed
trunk saves a branch point at every D and decays from each, and each specialist
trunk does the same at every D' (warmup-stable-decay), so a grid costs little
more than its largest point. D is set per size in tokens per non-embedding
parameter, so every size is compared at the same degree of training.

    splitlib sweep --manifest out/split --out out/sweep --preset smoke
    splitlib fit out/sweep/runs.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from dataclasses import dataclass

from splitlib import manifest as manifest_lib
from splitlib import ownership, storage
from splitlib.errors import TrainingInterrupted, UserError
from splitlib.train.cli import GROUPS, config_from, parser, train
from splitlib.train.config import BudgetArgs, parse_int_list, parse_list, parse_token_list
from splitlib.train.models import model_size
from splitlib.train.records import read_jsonl, write_jsonl
from splitlib.train.resolve import Budget

# below these a fitted law is not identified (DESIGN.md: the scaling-law engine)
MIN_SIZES, MIN_SEEDS, MIN_TOKENS_PER_PARAM = 4, 2, 20.0


@dataclass(frozen=True)
class Preset:
    """A grid: sizes (ladder names), seeds, D as tokens per non-embedding parameter of
    each size, D' in tokens (decay and replay included), and the shape of a step."""

    sizes: tuple[str, ...]
    seeds: tuple[int, ...]
    tokens_per_param: tuple[float, ...]
    special_tokens: tuple[int, ...]
    seq_len: int
    batch_seqs: int
    about: str


PRESETS: dict[str, Preset] = {
    "smoke": Preset(
        ("10k", "30k"),
        (0,),
        (2.0, 4.0),
        (2048, 4096),
        64,
        8,
        "minutes on a laptop CPU; shows the loop works; a law fitted to it "
        "is NOT identified (2 sizes, 1 seed, 4 tokens per parameter)",
    ),
    "cpu": Preset(
        ("10k", "30k", "100k", "300k"),
        (0, 1),
        (5.0, 10.0, 20.0),
        (4096, 16384, 65536),
        128,
        16,
        "hours on a laptop CPU: 4 sizes of 10k-300k non-embedding parameters, "
        "2 seeds, D up to 20 tokens per parameter (6M tokens at 300k); "
        "made for a split with a vocabulary of at most 2k tokens",
    ),
    "gpu": Preset(
        ("1m", "3m", "10m", "30m", "85m"),
        (0, 1),
        (5.0, 10.0, 20.0),
        (8192, 65536, 524288),
        512,
        16,
        "one GPU: 5 sizes up to 85M non-embedding parameters, 2 seeds, D up to "
        "20 tokens per parameter (1.7B tokens at 85m: the split must hold "
        "enough unique tokens, or the seed repeats data)",
    ),
}


def identifiability(sizes: list[str], seeds: list[int], tokens_per_param: list[float]) -> str:
    """Whether a law fitted to this grid can be identified, and why not."""
    problems = []
    if len(sizes) < MIN_SIZES:
        problems.append(f"{len(sizes)} sizes (< {MIN_SIZES})")
    if len(seeds) < MIN_SEEDS:
        problems.append(f"{len(seeds)} seed (< {MIN_SEEDS}): seed noise is not measured")
    if max(tokens_per_param) < MIN_TOKENS_PER_PARAM:
        problems.append(
            f"at most {max(tokens_per_param):g} tokens per parameter (< {MIN_TOKENS_PER_PARAM:g}): "
            "sizes are still data-limited"
        )
    if problems:
        return "a law fitted to this sweep is NOT identified: " + "; ".join(problems) + "."
    return (
        f"grid fit for a law: {len(sizes)} sizes, {len(seeds)} seeds, up to "
        f"{max(tokens_per_param):g} tokens per parameter."
    )


def sweep_parser() -> argparse.ArgumentParser:
    groups = {k: v for k, v in GROUPS.items() if k not in ("model", "budget")}
    p = parser("splitlib sweep", groups, required=("manifest", "out"))
    p.description = __doc__.split("\n\n")[0]
    p.epilog = (
        __doc__.split("\n\n", 2)[2]
        + "\n\npresets:\n"
        + "\n".join(f"  {name}: {preset.about}" for name, preset in PRESETS.items())
    )
    g = p.add_argument_group("Grid (each option overrides the preset's)")
    g.add_argument(
        "--preset",
        choices=list(PRESETS),
        default="smoke",
        help="the grid to start from (default: smoke)",
    )
    g.add_argument(
        "--sizes",
        type=parse_list,
        metavar="NAMES",
        help="model sizes, comma-separated ladder names",
    )
    g.add_argument("--seeds", type=parse_int_list, metavar="INTS", help="seeds, comma-separated")
    g.add_argument(
        "--tokens-per-param",
        type=lambda t: [float(x) for x in parse_list(t)],
        metavar="RATIOS",
        help="D of each size as tokens per non-embedding parameter, comma-separated",
    )
    g.add_argument(
        "--special-tokens",
        type=parse_token_list,
        metavar="TOKENS",
        help="D' values in tokens, comma-separated (e.g. 4k,16k,64k), for every domain",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    ns = sweep_parser().parse_args(argv)
    preset = PRESETS[ns.preset]
    sizes = ns.sizes or list(preset.sizes)
    seeds = ns.seeds if ns.seeds is not None else list(preset.seeds)
    ratios = ns.tokens_per_param or list(preset.tokens_per_param)
    special = ns.special_tokens or list(preset.special_tokens)
    for f in dataclasses.fields(BudgetArgs):  # the grid, not these, sets the budgets
        setattr(ns, f.name, None)
    ns.model = ""
    base = config_from(ns)
    base.data.seq_len = base.data.seq_len or preset.seq_len
    base.optim.batch_seqs = base.optim.batch_seqs or preset.batch_seqs
    manifest = manifest_lib.read_manifest(base.data.manifest)
    names = base.data.domains or manifest_lib.domain_names(manifest)
    vocab = int(manifest["tokenizer"]["vocab_size"])
    if ns.preset == "cpu" and vocab > 2048:
        print(
            f"note: the split's vocabulary has {vocab:,} tokens; the cpu preset's small models "
            "are then mostly embedding. Re-run the split with a vocabulary of at most 2k.",
            file=sys.stderr,
        )
    # the whole grid is checked before the folder is claimed or any model trains
    if min(ratios) <= 0 or min(special) <= 0:
        raise UserError(
            "--tokens-per-param and --special-tokens must be positive, e.g. "
            "--tokens-per-param 1,4 --special-tokens 5k,20k."
        )
    unknown = sorted(set(names) - set(manifest_lib.domain_names(manifest)))
    if unknown:
        raise UserError(
            f"--domains: {', '.join(unknown)} not in the split; its domains: "
            f"{', '.join(manifest_lib.domain_names(manifest))}."
        )
    for name in sizes:
        model_size(name)
    sweep_out = base.run.out
    ownership.check_outside_run(sweep_out, manifest_lib.run_root_of(base.data.manifest), "sweep")
    ownership.claim_folder(
        sweep_out, "sweep", legacy=lambda out: _swept_before(out, f"{sizes[0]}-seed{seeds[0]}")
    )
    print(identifiability(sizes, seeds, ratios), file=sys.stderr)
    for name in sizes:
        n = model_size(name).non_embedding_params
        budget = Budget([round(r * n) for r in ratios], {k: list(special) for k in names})
        for seed in seeds:
            config = dataclasses.replace(
                base,
                model=dataclasses.replace(base.model, model=name),
                run=dataclasses.replace(
                    base.run, seed=seed, out=storage.join(sweep_out, f"{name}-seed{seed}")
                ),
            )
            print(f"sweep: model {name}, seed {seed} -> {config.run.out}", file=sys.stderr)
            try:
                train(config, budget)
            except TrainingInterrupted as stop:
                print(f"splitlib sweep: {stop}", file=sys.stderr)
                return 130
            _gather(sweep_out, sizes, seeds)
    rows = _gather(sweep_out, sizes, seeds)
    if not rows:
        raise UserError("the sweep produced no run records")
    print(
        f"{len(rows)} run records in {storage.join(sweep_out, 'runs.jsonl')}\n"
        f"{identifiability(sizes, seeds, ratios)}\n"
        f"next: splitlib fit {storage.join(sweep_out, 'runs.jsonl')}",
        file=sys.stderr,
    )
    return 0


def _gather(out: str, sizes: list[str], seeds: list[int]) -> list[dict]:
    """All runs' records, in grid order, into <out>/runs.jsonl."""
    rows: list[dict] = []
    for name in sizes:
        for seed in seeds:
            rows += read_jsonl(storage.join(out, f"{name}-seed{seed}", "runs.jsonl"))
    write_jsonl(storage.join(out, "runs.jsonl"), rows)
    return rows


def _swept_before(out: str, first: str) -> bool:
    """A sweep's folder written before the folder marker: its records and its first run."""
    return storage.exists(storage.join(out, "runs.jsonl")) and storage.exists(
        storage.join(out, first, "config.json")
    )
