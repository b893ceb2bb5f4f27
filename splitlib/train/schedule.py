"""Warmup-stable-decay (WSD) learning rates, as a pure function of the optimizer step.

A WSD run warms up once, then holds the peak rate for as long as wanted; any
stable-phase checkpoint can be finished by a short decay. That is what lets one
seed run serve several pretraining lengths D, and every specialist branch off
the seed's stable phase and decay on its own domain (Hägele et al. 2024,
"Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations").
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

DECAY_SHAPES = ("1-sqrt", "linear", "cosine")


@dataclass(frozen=True)
class WSD:
    """Learning rate at each step of one phase.

    Steps are optimizer updates counted from the start of the seed run (a branch
    keeps counting from where it left its parent). peak_lr: the stable rate;
    warmup_steps: linear ramp from 0 at the start of the run; decay_start: step
    at which decay begins (None: the phase stays stable); decay_steps: its length;
    min_ratio: final rate as a fraction of the peak; shape: 1-sqrt (default,
    found best by Hägele et al.), linear or cosine.
    """

    peak_lr: float
    warmup_steps: int
    decay_start: int | None = None
    decay_steps: int = 0
    min_ratio: float = 0.0
    shape: str = "1-sqrt"

    def __post_init__(self) -> None:
        if self.shape not in DECAY_SHAPES:
            raise ValueError(f"decay shape {self.shape!r} not in {DECAY_SHAPES}")

    def lr(self, step: int) -> float:
        """Rate for the update that takes the model from `step` to `step + 1` completed updates."""
        if step < self.warmup_steps:
            return self.peak_lr * (step + 1) / self.warmup_steps
        if self.decay_start is None or step < self.decay_start:
            return self.peak_lr
        # midpoint of each decay step, so neither the first nor the last update is wasted
        progress = min(1.0, (step - self.decay_start + 0.5) / max(1, self.decay_steps))
        if self.shape == "1-sqrt":
            factor = 1.0 - math.sqrt(progress)
        elif self.shape == "linear":
            factor = 1.0 - progress
        else:
            factor = 0.5 * (1.0 + math.cos(math.pi * progress))
        return self.peak_lr * (self.min_ratio + (1.0 - self.min_ratio) * factor)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> WSD:
        return cls(**data)


def decay_steps_for(steps: int, fraction: float) -> int:
    """Decay length (steps) for a phase of `steps` updates: `fraction` of it, at least one."""
    if steps <= 0 or fraction <= 0:
        return 0
    return max(1, round(fraction * steps))
