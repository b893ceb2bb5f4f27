"""Progress lines while training: loss, learning rate, tokens/s and time remaining."""

from __future__ import annotations

import sys
import time
from datetime import timedelta
from typing import Any


def _clock(seconds: float) -> str:
    return str(timedelta(seconds=round(max(0.0, seconds))))


class Progress:
    """Counts steps over the whole run and prints one line every `log_every` steps.

    remaining_steps: optimizer steps still to do in the run (all phases), for the
    run's time remaining; batch_tokens: tokens per step (all processes).
    """

    def __init__(
        self, remaining_steps: int, batch_tokens: int, log_every: int, enabled: bool
    ) -> None:
        self.remaining = remaining_steps
        self.batch_tokens = batch_tokens
        self.log_every = max(1, log_every)
        self.enabled = enabled
        self.lines: list[dict[str, Any]] = []  # metrics of the current phase
        self.phase = ""
        self.end_step = 0
        self._mark = (time.monotonic(), 0)
        self._seconds_per_step: float | None = None

    def start_phase(self, name: str, step: int, end_step: int) -> None:
        self.phase, self.end_step = name, end_step
        self._mark = (time.monotonic(), step)

    def update(self, step: int, loss: float, lr: float) -> None:
        self.remaining = max(0, self.remaining - 1)
        if step % self.log_every and step != self.end_step:
            return
        now = time.monotonic()
        t0, s0 = self._mark
        if step > s0:
            self._seconds_per_step = (now - t0) / (step - s0)
        self._mark = (now, step)
        rate = self.batch_tokens / self._seconds_per_step if self._seconds_per_step else 0.0
        per_step = self._seconds_per_step or 0.0
        line = {
            "phase": self.phase,
            "step": step,
            "tokens": step * self.batch_tokens,
            "loss": round(loss, 5),
            "lr": lr,
            "tokens_per_s": round(rate, 1),
            "eta_phase_s": round((self.end_step - step) * per_step, 1),
            "eta_run_s": round(self.remaining * per_step, 1),
        }
        self.lines.append(line)
        if self.enabled:
            print(
                f"[{self.phase}] step {step}/{self.end_step} tokens {line['tokens']:,} "
                f"loss {loss:.4f} lr {lr:.2e} {rate:,.0f} tok/s "
                f"remaining {_clock(line['eta_phase_s'])} (run {_clock(line['eta_run_s'])})",
                file=sys.stderr,
                flush=True,
            )

    def note(self, message: str) -> None:
        if self.enabled:
            print(message, file=sys.stderr, flush=True)
