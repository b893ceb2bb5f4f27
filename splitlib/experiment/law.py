"""The experiment's law: every form fitted to the sweep (recording identifiability), the
held-out target, and the plan for it."""

from __future__ import annotations

import json
import math
from typing import Any

from splitlib import storage
from splitlib.errors import UserError
from splitlib.scaling.cli import domains_from_manifest
from splitlib.scaling.engine import FitConfig, fit_law
from splitlib.scaling.forms import FORMS
from splitlib.scaling.plan import make_plan
from splitlib.scaling.runs import load_runs
from splitlib.train.models import model_size
from splitlib.train.records import read_jsonl

MIN_MULTIPLE, MIN_TOKENS_PER_PARAM = 2.0, 20.0  # what makes a target held out


def _read_json(url: str) -> dict | None:
    return json.loads(storage.read_bytes(url)) if storage.exists(url) else None


def _write_json(url: str, doc: Any) -> None:
    storage.write_bytes(url, json.dumps(doc, indent=2, allow_nan=False).encode() + b"\n")


def fit_forms(runs_url: str, laws_dir: str, bootstrap: int) -> dict[str, dict[str, Any]]:
    """law-<form>.json for `auto` and every form (each written once; resumable), and a
    summary per form: identified or not and why, fit quality, or the error."""
    summary: dict[str, dict[str, Any]] = {}
    for form in ("auto", *FORMS):
        url = storage.join(laws_dir, f"law-{form}.json")
        doc = _read_json(url)
        if doc is None:
            config = FitConfig(form=form, bootstrap=bootstrap)
            try:
                runs, selection = load_runs(runs_url, config.kinds, config.include_forgetting)
                result = fit_law(runs, config, selection)
            except UserError as err:
                summary[form] = {"error": str(err)}
                continue
            doc = result.document
            _write_json(url, doc)
        diag = doc.get("diagnostics", {})
        summary[form] = {
            "form": doc["form"],
            "law": url,
            "identified": diag.get("identified"),
            "n_exponent_identified": diag.get("n_exponent_identified"),
            "warnings": diag.get("warnings", []),
            "in_sample": doc.get("in_sample"),
            "held_out": doc.get("held_out"),
            "selection": doc["selection"]["reason"] if form == "auto" else None,
        }
    if "error" in summary["auto"]:
        raise UserError(f"the law could not be fitted to the sweep: {summary['auto']['error']}")
    return summary


def largest_compute_tokens(records: list[dict], model: str) -> int:
    """The most tokens (compute / 6N) any evaluated model of `model` cost in the sweep: a
    seed or baseline its D (+ decay, + E), a split its D + sum of D'_k."""
    best = 0
    splits: dict[tuple, set] = {}
    for r in records:
        if r["model"] != model:
            continue
        if r["kind"] == "spec":
            key = (r["seed"], r["pretrain_tokens"], r["special_tokens"])
            splits.setdefault(key, set()).add(r["specialist"])
        elif r["kind"] in ("seed_decay", "no_split"):
            best = max(best, int(r["pretrain_tokens"]))
    for (_, d, s), specialists in splits.items():
        best = max(best, int(d + s * len(specialists)))
    return best


def held_out_target(records: list[dict], model: str, multiple: float,
                    tokens_per_param: float, batch_tokens: int) -> dict[str, Any]:  # fmt: skip
    """The target (size, T in whole steps) and why the sweep never trained it."""
    n = model_size(model).non_embedding_params
    largest = largest_compute_tokens(records, model)
    if largest:
        if multiple < MIN_MULTIPLE:
            raise UserError(
                f"the target must spend at least {MIN_MULTIPLE:g}x the sweep's largest compute "
                f"at {model}; the preset asks {multiple:g}x."
            )
        tokens, why = multiple * largest, f"{multiple:g}x the sweep's largest compute at {model}"
    else:
        if tokens_per_param < MIN_TOKENS_PER_PARAM:
            raise UserError(
                f"{model} is not in the sweep: give it at least {MIN_TOKENS_PER_PARAM:g} "
                "tokens per parameter."
            )
        tokens, why = tokens_per_param * n, f"{model} is not in the sweep"
    steps = math.ceil(tokens / batch_tokens)
    return {
        "model": model,
        "n_params": n,
        "total_steps": steps,
        "total_tokens": steps * batch_tokens,
        "flops": 6.0 * n * steps * batch_tokens,
        "tokens_per_param": steps * batch_tokens / n,
        "sweep_largest_tokens": largest,
        "multiple_of_sweep": (steps * batch_tokens / largest) if largest else None,
        "held_out_because": why,
    }


def plan_target(law_url: str, target: dict, manifest: str) -> dict[str, Any]:
    """`splitlib plan` for the target, with the split's domains and data limits."""
    domains, mixture = domains_from_manifest(manifest)
    return make_plan(law_url, target["n_params"], tokens=target["total_tokens"],
                     domains=domains, mixture_tokens=mixture)  # fmt: skip


def sweep_records(runs_url: str) -> list[dict]:
    rows = read_jsonl(runs_url)
    if not rows:
        raise UserError(f"no sweep records at {runs_url!r}: the sweep did not run.")
    return rows
