"""Per-stage progress lines: what ran, how many items, how fast, how long."""

from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, job: str, stream=None) -> None:
        self.job = job
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}
        self._stage_start = self.started

    def start(self, stage: str) -> None:
        self._stage_start = time.perf_counter()
        self._stage = stage

    def done(self, count: int | None = None, unit: str = "docs", extra: str = "") -> float:
        seconds = time.perf_counter() - self._stage_start
        self.stages[self._stage] = round(seconds, 3)
        rate = f" ({count / seconds:,.0f} {unit}/s)" if count and seconds > 0 else ""
        what = f" {count:,} {unit}" if count is not None else ""
        elapsed = time.perf_counter() - self.started
        tail = f"; {extra}" if extra else ""
        print(
            f"[{self.job}] {self._stage:<10}{what} in {seconds:.1f} s{rate}{tail} "
            f"(elapsed {elapsed:.1f} s)",
            file=self.stream,
            flush=True,
        )
        return seconds

    def note(self, message: str) -> None:
        print(f"[{self.job}] {message}", file=self.stream, flush=True)
