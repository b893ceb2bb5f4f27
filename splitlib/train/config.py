"""Typed argument groups of `splitlib train` and `splitlib sweep`.

Each group is a dataclass whose fields carry their help text (with units) and
parser; `add_group` turns one into an argparse group and `from_args` reads it
back, so the command line, the stored `config.json` and the code share one
definition.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_SUFFIX = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9}


def parse_tokens(text: str) -> int:
    """A token count: an integer with an optional k / M / B (decimal) suffix, e.g. 65536, 64k, 1.5M."""
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([kKmMbBgG]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"not a token count: {text!r} (examples: 65536, 64k, 1.5M)"
        )
    return round(float(match.group(1)) * _SUFFIX[match.group(2).lower()])


def parse_special_tokens(text: str) -> int | dict[str, int]:
    """D' for every domain (`20k`) or per domain (`bible=20k,recipes=10k`)."""
    if "=" not in text:
        return parse_tokens(text)
    out: dict[str, int] = {}
    for item in text.split(","):
        name, _, value = item.partition("=")
        out[name.strip()] = parse_tokens(value)
    return out


def parse_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_token_list(text: str) -> list[int]:
    return [parse_tokens(item) for item in parse_list(text)]


def parse_int_list(text: str) -> list[int]:
    try:
        return [int(item) for item in parse_list(text)]
    except ValueError:  # argparse would name this function in its message
        raise argparse.ArgumentTypeError(
            f"not whole numbers: {text!r} (comma-separated, e.g. 0,1,2)"
        ) from None


def arg(help: str, parse: Callable[[str], Any] | None = None, **kwargs: Any) -> Any:
    """A dataclass field that is also a command-line option; kwargs go to `field`."""
    meta = {
        "help": help,
        "parse": parse,
        "choices": kwargs.pop("choices", None),
        "metavar": kwargs.pop("metavar", None),
    }
    return field(metadata=meta, **kwargs)


@dataclass
class DataArgs:
    """Where the split is and what to take from it."""

    manifest: str = arg(
        "committed split to train from: its run root or manifest.json (local path or s3:// URL)",
        default="",
        metavar="URL",
    )
    domains: list[str] | None = arg(
        "domains to train specialists for, comma-separated names from the manifest (default: all)",
        parse_list,
        default=None,
        metavar="NAMES",
    )
    seq_len: int | None = arg(
        "tokens per training sequence (context length; default: the model size's)",
        int,
        default=None,
        metavar="TOKENS",
    )


@dataclass
class ModelArgs:
    """Which rung of the ladder."""

    model: str = arg(
        "model size, named by its non-embedding parameters: 10k 30k 100k 300k 1m 3m 10m 30m "
        "85m 300m 1b (the exact count is printed)",
        default="",
        metavar="NAME",
    )


@dataclass
class BudgetArgs:
    """How many tokens each phase trains (counts accept k / M / B suffixes)."""

    pretrain_tokens: int | None = arg(
        "D: tokens the seed trains on the mixture before the specialists branch off "
        "(default: the manifest's plan)",
        parse_tokens,
        default=None,
        metavar="TOKENS",
    )
    special_tokens: int | dict[str, int] | None = arg(
        "D': tokens each specialist trains on its domain, its decay and replay included; "
        "one count for all domains or name=count,... (default: the manifest's plan)",
        parse_special_tokens,
        default=None,
        metavar="TOKENS|NAME=TOKENS,...",
    )
    plan: str | None = arg(
        "plan.json from `splitlib plan` (local path or URL): D and D'_k when --pretrain-tokens "
        "/ --special-tokens are not given (default: the manifest's plan)",
        default=None,
        metavar="URL",
    )
    no_split_tokens: int | None = arg(
        "extra tokens of the no-split baseline, which continues the seed on the mixture "
        "(default: the sum of D' over domains, the same extra compute; 0: no baseline)",
        parse_tokens,
        default=None,
        metavar="TOKENS",
    )


@dataclass
class OptimArgs:
    """Optimizer and warmup-stable-decay schedule."""

    lr: float | None = arg(
        "peak learning rate, per step (default: the model size's)", float, default=None
    )
    batch_seqs: int | None = arg(
        "sequences per optimizer step, all processes together (default: the model size's)",
        int,
        default=None,
    )
    micro_batch: int | None = arg(
        "sequences per forward pass on one process; gradients accumulate up to --batch-seqs "
        "(default: the largest share of --batch-seqs / processes within 16,384 tokens)",
        int,
        default=None,
    )
    warmup_tokens: int | None = arg(
        "tokens of linear warmup at the start of the seed (default: 2%% of the largest D, "
        "at least one step)",
        parse_tokens,
        default=None,
        metavar="TOKENS",
    )
    decay_fraction: float = arg(
        "decay length as a fraction of a phase: of D for the seed's own decay (added after D), "
        "of D' for a specialist and of the baseline's extra tokens (inside them)",
        float,
        default=0.2,
    )
    decay_shape: str = arg(
        "shape of the decay to the final rate",
        choices=["1-sqrt", "linear", "cosine"],
        default="1-sqrt",
    )
    min_lr_ratio: float = arg("final learning rate as a fraction of the peak", float, default=0.0)
    weight_decay: float = arg("AdamW weight decay of the matrices", float, default=0.1)
    beta1: float = arg("AdamW beta1", float, default=0.9)
    beta2: float = arg("AdamW beta2", float, default=0.95)
    grad_clip: float = arg("clip the gradient's global norm to this (0: off)", float, default=1.0)


@dataclass
class ReplayArgs:
    """Retention: how specialists keep general knowledge."""

    replay: float = arg(
        "fraction of a specialist's sequences drawn from the mixture (replay; 0.01 = 1%%)",
        float,
        default=0.01,
    )
    replay_weight: float = arg(
        "loss weight of a replayed mixture sequence relative to a domain sequence",
        float,
        default=1.0,
    )


@dataclass
class EvalArgs:
    """Validation."""

    eval_tokens: int = arg(
        "validation tokens read per domain (whole documents, from the start of its shards)",
        parse_tokens,
        default=131072,
        metavar="TOKENS",
    )
    eval_batch: int = arg("windows per evaluation forward pass", int, default=16)
    routed: str = arg(
        "routed evaluation with the split's router (domains/): auto runs it when the router "
        "loads, on fails without it",
        choices=["auto", "on", "off"],
        default="auto",
    )


@dataclass
class RunArgs:
    """Outputs and execution."""

    out: str = arg(
        "output folder for checkpoints, runs.jsonl and metrics.jsonl (local path or s3:// URL)",
        default="",
        metavar="URL",
    )
    resume: bool = arg("continue the run in --out where it stopped (same arguments)", default=False)
    seed: int = arg("seed of initialization and data order", int, default=0)
    device: str = arg("where to train", choices=["auto", "cpu", "cuda"], default="auto")
    precision: str = arg(
        "auto: bf16 autocast on CUDA and fp32 on CPU",
        choices=["auto", "fp32", "bf16"],
        default="auto",
    )
    threads: int | None = arg(
        "CPU threads per process (default: torch's choice; 1 is fastest for tiny models "
        "on a busy machine)",
        int,
        default=None,
    )
    log_every: int = arg("optimizer steps between progress lines", int, default=20)
    save_every_s: float = arg(
        "seconds between resumable checkpoints inside a phase (phase ends and branch points "
        "are always saved)",
        float,
        default=900.0,
    )
    compile: bool = arg("torch.compile the model (worth it on GPUs)", default=False)


@dataclass
class TrainConfig:
    """Everything `splitlib train` was asked to do."""

    data: DataArgs = field(default_factory=DataArgs)
    model: ModelArgs = field(default_factory=ModelArgs)
    budget: BudgetArgs = field(default_factory=BudgetArgs)
    optim: OptimArgs = field(default_factory=OptimArgs)
    replay: ReplayArgs = field(default_factory=ReplayArgs)
    eval: EvalArgs = field(default_factory=EvalArgs)
    run: RunArgs = field(default_factory=RunArgs)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        # each field's default_factory is its group's dataclass
        return cls(**{f.name: f.default_factory(**data[f.name]) for f in dataclasses.fields(cls)})


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def add_group(
    parser: argparse.ArgumentParser, group_cls: type, required: tuple[str, ...] = ()
) -> None:
    """One argparse group per dataclass; its docstring is the group's title."""
    group = parser.add_argument_group(group_cls.__doc__.strip().rstrip("."))
    for f in dataclasses.fields(group_cls):
        meta = f.metadata
        default = f.default if f.default is not dataclasses.MISSING else None
        shown = "" if default in (None, False, "") else f" (default: {default})"
        if isinstance(default, bool):
            group.add_argument(_flag(f.name), action="store_true", help=meta["help"])
            continue
        group.add_argument(
            _flag(f.name),
            dest=f.name,
            type=meta["parse"] or str,
            choices=meta["choices"],
            default=default,
            required=f.name in required,
            help=meta["help"] + shown.replace("%", "%%"),
            metavar=None if meta["choices"] else meta["metavar"] or f.name.upper(),
        )


def from_args(group_cls: type, ns: argparse.Namespace) -> Any:
    return group_cls(**{f.name: getattr(ns, f.name) for f in dataclasses.fields(group_cls)})
