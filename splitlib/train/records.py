"""Run records (the scaling-law engine's input) and metrics, as JSONL on storage.

Object stores cannot append, so each phase writes its own small file
(`records/<phase>.jsonl`, `metrics/<phase>.jsonl`) and the run-level
`runs.jsonl` and `metrics.jsonl` are rebuilt from them, in plan order, after
every phase. A resumed run therefore never duplicates a line.
"""

from __future__ import annotations

import json
from typing import Any

from splitlib import storage
from splitlib.train.phases import Branch


def dumps_jsonl(rows: list[dict[str, Any]]) -> bytes:
    return b"".join(json.dumps(r, sort_keys=True).encode() + b"\n" for r in rows)


def read_jsonl(url: str) -> list[dict[str, Any]]:
    if not storage.exists(url):
        return []
    return [json.loads(line) for line in storage.read_bytes(url).decode().splitlines() if line]


def write_jsonl(url: str, rows: list[dict[str, Any]]) -> None:
    storage.write_bytes(url, dumps_jsonl(rows))


def gather(out: str, folder: str, phases: list[str], target: str) -> list[dict[str, Any]]:
    """Concatenate `<out>/<folder>/<phase>.jsonl` in phase order into `<out>/<target>`."""
    rows: list[dict[str, Any]] = []
    for phase in phases:
        rows += read_jsonl(storage.join(out, folder, f"{phase}.jsonl"))
    write_jsonl(storage.join(out, target), rows)
    return rows


def run_record(
    common: dict[str, Any],
    kind: str,
    domain: str | None,
    loss: float,
    pretrain_tokens: int,
    special_tokens: int,
    decay_tokens: int,
    wall_s: float,
    **extra: Any,
) -> dict[str, Any]:
    """One evaluated (model, D, D', domain): `loss` in nats/token on `domain`'s validation
    set (None: the mixture's); token counts as trained; wall_s: training seconds behind
    the model (seed included)."""
    return {
        **common,
        "kind": kind,
        "domain": domain,
        "loss": loss,
        "pretrain_tokens": pretrain_tokens,
        "special_tokens": special_tokens,
        "decay_tokens": decay_tokens,
        "wall_s": round(wall_s, 3),
        **extra,
    }


def branch_records(
    common: dict[str, Any], branch: Branch, losses: dict[str | None, float], wall_s: float
) -> list[dict[str, Any]]:
    """Records of one decayed model: a seed or baseline on every domain and the mixture,
    a specialist on its own domain and on the mixture (its forgetting)."""
    domains = [branch.specialist, None] if branch.kind == "spec" else list(losses)
    extra: dict[str, Any] = {"specialist": branch.specialist} if branch.specialist else {}
    if branch.kind == "no_split":  # pretrain_tokens is D + E; E is what the split spends
        extra["extra_tokens"] = branch.extra_tokens
    return [
        run_record(common, branch.kind, d, losses[d], branch.pretrain_tokens,
                   branch.special_tokens, branch.decay_tokens, wall_s, **extra)
        for d in domains
    ]  # fmt: skip
