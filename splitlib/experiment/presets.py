"""Experiment presets: the sweep the law is fitted to, the held-out target, the arms' grid
and seeds, and the shape of a step. Fixed before any result is seen (EXPERIMENTS.md)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

DEFAULT_FRACTIONS = (0.1, 0.2, 0.35, 0.5, 0.65, 0.8)


@dataclass(frozen=True)
class ExperimentPreset:
    """sweep_*: the grid of `splitlib sweep` (sizes, seeds, D in tokens per non-embedding
    parameter, D' in tokens). target_model: the size the arms train; compute_multiple: the
    target's tokens as a multiple of the largest compute the sweep spent at that size (at
    least 2; a size the sweep never trained needs target_tokens_per_param >= 20 instead).
    fractions, seeds: the grid of f and the seeds of every arm. seq_len x batch_seqs: a
    step; eval_tokens: validation tokens per domain; bootstrap: resamples per law fit."""

    sweep_sizes: tuple[str, ...]
    sweep_seeds: tuple[int, ...]
    sweep_tokens_per_param: tuple[float, ...]
    sweep_special_tokens: tuple[int, ...]
    target_model: str
    compute_multiple: float
    target_tokens_per_param: float
    fractions: tuple[float, ...]
    seeds: tuple[int, ...]
    seq_len: int
    batch_seqs: int
    eval_tokens: int
    bootstrap: int
    about: str

    def to_dict(self) -> dict:
        return asdict(self)


PRESETS: dict[str, ExperimentPreset] = {
    # the test suite's: seconds; says nothing about the method
    "tiny": ExperimentPreset(
        sweep_sizes=("10k",),
        sweep_seeds=(0,),
        sweep_tokens_per_param=(0.25, 0.5),
        sweep_special_tokens=(256, 512),
        target_model="10k",
        compute_multiple=2.0,
        target_tokens_per_param=0.0,
        fractions=(0.35, 0.65),
        seeds=(0,),
        seq_len=32,
        batch_seqs=4,
        eval_tokens=1024,
        bootstrap=0,
        about="seconds: 10k model, a few thousand tokens, two fractions, one seed (a test)",
    ),
    # this machine (2 shared CPU cores, one thread per run)
    "cpu": ExperimentPreset(
        sweep_sizes=("10k",),
        sweep_seeds=(0, 1),
        sweep_tokens_per_param=(2.5, 5.0, 10.0),
        sweep_special_tokens=(4000, 16000),
        target_model="10k",
        compute_multiple=2.0,
        target_tokens_per_param=0.0,
        fractions=DEFAULT_FRACTIONS,
        seeds=(0, 1, 2),
        seq_len=128,
        batch_seqs=8,
        eval_tokens=8192,
        bootstrap=20,
        about="CPU, about half an hour per corpus on a quiet core: sweep of the 10k model (2 "
        "seeds, D up to 10 tokens per parameter, D' up to 16k), target 10k at 2x the sweep's "
        "largest compute (about 330k tokens), 6 fractions, 3 seeds",
    ),
    # one H200, bf16: sized from estimated step rates, not yet measured (EXPERIMENTS.md)
    "gpu": ExperimentPreset(
        sweep_sizes=("1m", "3m"),
        sweep_seeds=(0, 1),
        sweep_tokens_per_param=(1.25, 2.5, 5.0),
        sweep_special_tokens=(131072, 524288),
        target_model="3m",
        compute_multiple=2.0,
        target_tokens_per_param=0.0,
        fractions=DEFAULT_FRACTIONS,
        seeds=(0, 1, 2),
        seq_len=256,
        batch_seqs=64,
        eval_tokens=65536,
        bootstrap=50,
        about="one GPU (--device cuda, bf16), about 10 minutes estimated (not yet measured): "
        "sweep of 1m and 3m (2 seeds, D up to 5 tokens per parameter, D' up to 524k), target 3m "
        "at 2x the sweep's largest compute there (about 35M tokens), 6 fractions, 3 seeds",
    ),
}
