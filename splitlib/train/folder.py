"""The output folder of a training run (local path or s3://) and what lives where.

    config.json                      the request, the manifest's checksum, the plan
    runs.jsonl                       run records (the scaling-law engine's input)
    metrics.jsonl                    progress lines and evaluations, all phases
    checkpoints/<trunk>/mark-<step>  branch points of a trunk (kept)
    checkpoints/<phase>/step-<step>  the latest resumable point inside a phase
    checkpoints/<branch>/final       a decayed model: weights, config.json, state.json
    records/<phase>.jsonl            run records of one phase
    metrics/<phase>.jsonl            metrics of one phase
    evals/<branch>.json              per-document validation losses of one model
    evals/routes.json                the router's domain for each validation document

Object stores cannot append, so each phase writes its own small files and the
run-level JSONL files are rebuilt from them in plan order: a resumed run never
duplicates a line. Only the main process writes.
"""

from __future__ import annotations

import json
from typing import Any

from splitlib import storage
from splitlib.train import checkpoint as ckpt
from splitlib.train.records import gather, read_jsonl, write_jsonl


class RunFolder:
    """Paths and files of one run under `out`; `phases` in plan order."""

    def __init__(self, out: str, phases: list[str], is_main: bool) -> None:
        self.out = out
        self.phases = phases
        self.is_main = is_main

    def url(self, *parts: str) -> str:
        return storage.join(self.out, *parts)

    def checkpoint(self, phase: str, kind: str, step: int) -> str:
        """URL of a mark-* or step-* checkpoint."""
        return self.url("checkpoints", phase, f"{kind}-{step:08d}")

    def final(self, phase: str) -> str:
        return self.url("checkpoints", phase, "final")

    def checkpoints(
        self, phase: str, kinds: tuple[str, ...] = ("mark", "step")
    ) -> list[tuple[int, str]]:
        """Committed (step, url) checkpoints of a phase, by step."""
        fs, path = storage.filesystem(self.url("checkpoints", phase))
        if not fs.exists(path):
            return []
        found = []
        for entry in fs.ls(path, detail=False):
            kind, _, step = entry.rstrip("/").rsplit("/", 1)[-1].partition("-")
            if kind in kinds and step.isdigit():
                url = self.checkpoint(phase, kind, int(step))
                if ckpt.is_checkpoint(url):
                    found.append((int(step), url))
        return sorted(found)

    def remove_steps(self, phase: str, below: int | None = None) -> None:
        """Delete step-* checkpoints of a phase (those before step `below`, if given)."""
        if self.is_main:
            for step, url in self.checkpoints(phase, ("step",)):
                if below is None or step < below:
                    storage.remove(url, recursive=True)

    def read_config(self) -> dict[str, Any] | None:
        url = self.url("config.json")
        return json.loads(storage.read_bytes(url)) if storage.exists(url) else None

    def write_config(self, config: dict[str, Any]) -> None:
        if self.is_main:
            data = json.dumps(config, indent=1, sort_keys=True).encode() + b"\n"
            storage.write_bytes(self.url("config.json"), data)

    def metrics(self, phase: str) -> list[dict[str, Any]]:
        return read_jsonl(self.url("metrics", f"{phase}.jsonl"))

    def write_metrics(self, phase: str, lines: list[dict[str, Any]]) -> None:
        if self.is_main:
            write_jsonl(self.url("metrics", f"{phase}.jsonl"), lines)
            gather(self.out, "metrics", self.phases, "metrics.jsonl")

    def write_records(self, phase: str, rows: list[dict[str, Any]]) -> None:
        if self.is_main:
            write_jsonl(self.url("records", f"{phase}.jsonl"), rows)
            gather(self.out, "records", self.phases, "runs.jsonl")

    def runs(self) -> list[dict[str, Any]]:
        return read_jsonl(self.url("runs.jsonl"))

    def evals(self, phase: str) -> dict[str, Any] | None:
        url = self.url("evals", f"{phase}.json")
        return json.loads(storage.read_bytes(url)) if storage.exists(url) else None

    def write_evals(self, phase: str, per_doc: dict[str, Any]) -> None:
        if self.is_main:
            storage.write_bytes(self.url("evals", f"{phase}.json"), json.dumps(per_doc).encode())
