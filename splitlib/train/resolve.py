"""From a command line's config and a committed manifest to a concrete run: the model
size, batch, token budgets in whole steps, the domains to specialize. All user errors
about the request are raised here, before any training."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any

from tokenizers import Tokenizer

from splitlib import manifest as manifest_lib
from splitlib import storage
from splitlib.errors import UserError
from splitlib.train.config import TrainConfig
from splitlib.train.data import split_shards
from splitlib.train.models import ModelSize, model_size
from splitlib.train.phases import Plan, make_plan, whole_steps


@dataclass(frozen=True)
class Budget:
    """Token grid of a run: D values, D' values per domain (lists of equal length) and the
    no-split baseline's extra tokens (None: the sum of D' at each index; []: none)."""

    pretrain: list[int]
    special: dict[str, list[int]]
    no_split: list[int] | None = None


def rounding_note(budget: Budget, batch_seqs: int, seq_len: int, tolerance: float = 0.05):
    """A line naming the budgets that whole optimizer steps change by more than `tolerance`
    (the run records hold what was trained; nothing else would say that it differs)."""
    batch = batch_seqs * seq_len
    asked = [("D", d) for d in budget.pretrain]
    asked += [(f"D'[{name}]", t) for name, tokens in budget.special.items() for t in tokens]
    moved = []
    for label, tokens in asked:
        trained = whole_steps(tokens, batch) * batch
        if abs(trained - tokens) > tolerance * tokens:
            moved.append(f"{label} {tokens:,} -> {trained:,} ({(trained - tokens) / tokens:+.0%})")
    if not moved:
        return None
    listed = "; ".join(moved[:4]) + (f"; and {len(moved) - 4} more" if len(moved) > 4 else "")
    return (
        f"note: token budgets are trained in whole optimizer steps of {batch:,} tokens "
        f"(--batch-seqs {batch_seqs} x --seq-len {seq_len}): {listed}. Give multiples of "
        f"{batch:,}, or a smaller --batch-seqs, to train what you asked."
    )


@dataclass
class RunSetup:
    """A run, resolved against its manifest."""

    config: TrainConfig
    run_root: str
    manifest: dict[str, Any]
    manifest_sha256: str
    size: ModelSize
    seq_len: int
    batch_seqs: int
    micro_batch: int
    lr: float
    vocab_size: int
    eos_id: int
    pad_id: int
    plan: Plan
    specialists: list[str] = field(default_factory=list)

    @property
    def batch_tokens(self) -> int:
        """Tokens per optimizer step (predicted tokens, all processes)."""
        return self.batch_seqs * self.seq_len


def budget_from_args(config: TrainConfig, manifest: dict[str, Any]) -> Budget:
    """D and D'_k from the command line, else from --plan, else from the manifest's plan."""
    plan = manifest.get("plan") or {}
    if config.budget.plan:
        try:
            plan = json.loads(storage.read_bytes(config.budget.plan))
        except FileNotFoundError:
            raise UserError(f"--plan {config.budget.plan!r} does not exist.") from None
    n_planned = plan.get("n_params")
    size = model_size(config.model.model)
    if n_planned and not 0.5 <= size.non_embedding_params / n_planned <= 2:
        print(
            f"note: the plan is for N = {n_planned:,} non-embedding parameters, model "
            f"{size.name} has {size.non_embedding_params:,}",
            file=sys.stderr,
        )
    names = manifest_lib.domain_names(manifest)
    pretrain = config.budget.pretrain_tokens or plan.get("pretrain_tokens")
    special: Any = config.budget.special_tokens
    if special is None:
        special = plan.get("special_tokens")
    if config.budget.pretrain_tokens == 0:  # not "absent": the seed needs some tokens
        raise UserError("--pretrain-tokens 0: the seed must pretrain on some tokens, e.g. 2M.")
    if not pretrain or special is None:
        raise UserError(
            "no token budget: pass --pretrain-tokens D and --special-tokens D' (for example "
            "--pretrain-tokens 2M --special-tokens 200k), or --plan plan.json from "
            "`splitlib plan`, or a split made with a plan (splitlib run --law ...)."
        )
    if isinstance(special, int):
        special = {name: special for name in (config.data.domains or names)}
    else:  # a plan or name=count pairs: zero means "no specialist for this domain"
        special = {k: int(v) for k, v in special.items() if int(v) > 0}
        if config.data.domains:
            check_domains(config.data.domains, list(special), "with a D' budget")
            special = {k: special[k] for k in config.data.domains}
    check_domains(list(special), names, "in the manifest")
    no_split = None if config.budget.no_split_tokens is None else [config.budget.no_split_tokens]
    return Budget([int(pretrain)], {k: [int(v)] for k, v in special.items()}, no_split)


def default_micro_batch(per_process: int, seq_len: int, tokens: int = 16_384) -> int:
    """The largest divisor of a process's share of the batch whose forward pass holds at
    most `tokens` tokens (at least one sequence): activations and logits stay bounded."""
    fitting = [
        m for m in range(1, per_process + 1) if per_process % m == 0 and m * seq_len <= tokens
    ]
    return max(fitting, default=1)


def check_tokenizer(run_root: str, info: dict[str, Any], manifest: dict[str, Any]) -> None:
    """The model's vocabulary is the split's tokenizer's: check the two agree (and the
    tokenizer file its SHA-256 in the manifest)."""
    url = storage.join(run_root, *info["path"].split("/"))
    data = manifest_lib.read_artefact(run_root, manifest, info["path"])
    try:
        size = Tokenizer.from_str(data.decode()).get_vocab_size()
    except Exception as err:  # a tokenizer file that does not parse, whatever the reason
        raise UserError(
            f"the split's tokenizer {url!r} does not load ({type(err).__name__}): re-run the split."
        ) from None
    if size != int(info["vocab_size"]):
        raise UserError(
            f"the manifest says vocab_size {info['vocab_size']}, the tokenizer at {url!r} has "
            f"{size} tokens: the split is inconsistent; re-run it."
        )


def check_domains(asked: list[str], known: list[str], where: str) -> None:
    unknown = [d for d in asked if d not in known]
    if unknown:
        raise UserError(
            f"domain {', '.join(map(repr, unknown))} not {where}; known: {', '.join(known)}."
        )


def resolve(config: TrainConfig, world_size: int, budget: Budget | None = None) -> RunSetup:
    """Check the request against the manifest and fix every number of the run."""
    if not config.data.manifest:
        raise UserError("--manifest is required: the run root (or manifest.json) of a split.")
    if not config.run.out:
        raise UserError("--out is required: where checkpoints and run records go.")
    size = model_size(config.model.model)
    run_root = manifest_lib.run_root_of(config.data.manifest)
    manifest = manifest_lib.read_manifest(config.data.manifest)
    raw = storage.read_bytes(manifest_lib.manifest_url(run_root))
    if config.data.domains:
        check_domains(config.data.domains, manifest_lib.domain_names(manifest), "in the manifest")
    budget = budget or budget_from_args(config, manifest)
    tokenizer = manifest["tokenizer"]
    check_tokenizer(run_root, tokenizer, manifest)
    seq_len = config.data.seq_len or size.seq_len
    batch_seqs = config.optim.batch_seqs or size.batch_seqs
    micro = config.optim.micro_batch or default_micro_batch(batch_seqs // world_size, seq_len)
    if batch_seqs % world_size or (batch_seqs // world_size) % micro:
        raise UserError(
            f"--batch-seqs {batch_seqs} must split evenly over {world_size} processes "
            f"and then into micro-batches of {micro} sequences."
        )
    for name in budget.special:
        for set_name in ("domain", "valid"):
            if not split_shards(run_root, manifest, set_name, name):
                raise UserError(
                    f"domain {name!r} has no {'training' if set_name == 'domain' else 'validation'}"
                    " shards in the manifest: leave it out with --domains, or re-split."
                )
    if not split_shards(run_root, manifest, "mixture"):
        raise UserError("the manifest lists no mixture shards: nothing to pretrain the seed on.")
    plan = make_plan(
        budget.pretrain,
        budget.special,
        budget.no_split,
        batch_seqs * seq_len,
        config.optim.decay_fraction,
        config.optim.warmup_tokens,
    )
    note = rounding_note(budget, batch_seqs, seq_len)
    if note and os.environ.get("RANK", "0") == "0":  # once, not from every process
        print(note, file=sys.stderr, flush=True)
    return RunSetup(
        config=config,
        run_root=run_root,
        manifest=manifest,
        manifest_sha256=hashlib.sha256(raw).hexdigest(),
        size=size,
        seq_len=seq_len,
        batch_seqs=batch_seqs,
        micro_batch=micro,
        lr=config.optim.lr or size.lr,
        vocab_size=int(tokenizer["vocab_size"]),
        eos_id=int(tokenizer["eos_id"]),
        pad_id=int(tokenizer.get("pad_id", tokenizer["eos_id"])),
        plan=plan,
        specialists=list(budget.special),
    )
