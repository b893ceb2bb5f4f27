"""make_plan: a fitted law, a model size and a budget in; the split, as JSON, out.

This is the interface the split job and `splitlib plan` call; the trainer reads
`plan["pretrain_tokens"]` and `plan["special_tokens"][domain]`.
"""

from __future__ import annotations

import math
from typing import Any

from splitlib.errors import UserError
from splitlib.scaling.allocate import (
    HABIT_FRACTION,
    DomainBudget,
    compute_optimal,
    optimal_split,
)
from splitlib.scaling.law import law_from_document, read_law_document
from splitlib.scaling.runs import MIXTURE, canonical_domain

FLOPS_PER_PARAM_TOKEN = 6.0  # C = 6 N T for a forward and backward pass


def _positive(name: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a number, got {value!r}.") from None
    if not (math.isfinite(x) and x > 0):
        raise UserError(f"{name} must be finite and > 0, got {value!r}.")
    return x


def _total_tokens(n_params: float, flops: float | None, tokens: float | None) -> int:
    if flops is None and tokens is None:
        raise UserError("give a compute budget: --flops C (FLOPs) or --tokens T.")
    if tokens is None:
        return int(_positive("flops", flops) / (FLOPS_PER_PARAM_TOKEN * n_params))
    t = int(_positive("tokens", tokens))
    if flops is not None:
        implied = _positive("flops", flops) / (FLOPS_PER_PARAM_TOKEN * n_params)
        if abs(implied - t) > 1e-6 * t + 1:
            raise UserError(
                f"--flops {flops:g} and --tokens {t} disagree for N={n_params:g} "
                f"(C = 6 N T gives {implied:.6g} tokens): give one of them."
            )
    return t


def _budgets(
    law_domains: list[str], domains: list[dict] | None, max_repeats: float
) -> list[DomainBudget]:
    if domains is None:
        names = [d for d in law_domains if d != MIXTURE]
        if not names:
            raise UserError(
                "the law names no specialist domains: give the domains (--manifest or --domains)."
            )
        domains = [{"name": n} for n in names]
    if not domains:
        raise UserError("no domains to plan for: give at least one domain.")
    out, seen = [], set()
    for i, d in enumerate(domains):
        if not isinstance(d, dict) or "name" not in d:
            raise UserError(f"domain {i} has no name: each domain needs 'name'.")
        name = canonical_domain(d["name"])
        if name in seen:
            raise UserError(f"domain {name!r} appears twice.")
        seen.add(name)
        unique = d.get("train_tokens")
        limit = math.inf if unique is None else max_repeats * float(unique)
        if unique is not None and not (math.isfinite(float(unique)) and float(unique) >= 0):
            raise UserError(f"domain {name!r}: train_tokens must be >= 0, got {unique!r}.")
        weight = float(d.get("weight", 1.0))
        if not (math.isfinite(weight) and weight > 0):
            raise UserError(f"domain {name!r}: weight must be > 0, got {d.get('weight')!r}.")
        out.append(DomainBudget(name, weight, limit))
    return out


def _range_notes(doc: dict, n: float, d: float, special: dict[str, int]) -> list[str]:
    rng = doc.get("fitted_range")
    if not rng:
        return []
    notes = []
    checks = (
        ("N", n, rng["n_params"]),
        ("D", d, rng["pretrain_tokens"]),
        ("D'", max(special.values(), default=0), rng["special_tokens"]),
    )
    for label, value, (lo, hi) in checks:
        if value > 2 * hi or (value > 0 and value < lo / 2):
            notes.append(
                f"{label} = {value:.4g} lies outside the fitted range [{lo:.4g}, {hi:.4g}]: "
                "the plan extrapolates the law there"
            )
    return notes


def make_plan(
    law: dict | str,
    n_params: float,
    flops: float | None = None,
    tokens: float | None = None,
    domains: list[dict] | None = None,
    max_repeats: float = 4.0,
    *,
    mixture_tokens: float | None = None,
    points: int = 101,
) -> dict[str, Any]:
    """Choose D and every D'_k for a model of `n_params` non-embedding parameters.

    law: a law.json document, or its path/URL.
    flops: compute budget C in FLOPs (tokens T = C / (6 N)); or give `tokens` directly.
    domains: [{"name", "train_tokens" (unique tokens; None: no limit), "weight" (1)}];
        None plans for the domains the law was fitted on, without data limits.
    max_repeats: most passes over a domain's (and the mixture's) unique tokens.
    mixture_tokens: unique mixture tokens (default: the sum over the domains).
    points: points of the returned loss curve over the pretraining fraction.
    Returns a JSON-serializable dict (see README, "Fitting a scaling law").
    """
    doc = read_law_document(law)
    fitted = law_from_document(doc)
    n = _positive("n_params", n_params)
    repeats = _positive("max_repeats", max_repeats)
    total = _total_tokens(n, flops, tokens)
    if total < 1:
        raise UserError(f"the budget buys {total} tokens for N={n:g}: raise --flops.")
    fitted_names = doc.get("special_domains") or list(fitted.fitted_domains)
    budgets = _budgets(fitted_names, domains, repeats)
    if mixture_tokens is None and all(math.isfinite(b.max_tokens) for b in budgets):
        pretrain_max = sum(b.max_tokens for b in budgets)
    elif mixture_tokens is None:
        pretrain_max = math.inf
    else:
        pretrain_max = repeats * _positive("mixture_tokens", mixture_tokens)
    supply = pretrain_max + sum(b.max_tokens for b in budgets)
    if supply < total:
        raise UserError(
            f"the data cannot absorb {total:.4g} tokens at {repeats:g} repetitions "
            f"(at most {supply:.4g}): lower the budget, raise --max-repeats, or add data."
        )
    alloc = optimal_split(fitted, n, total, budgets, pretrain_max, points)
    notes = [f"law warning: {w}" for w in fitted.notes]
    _mapping_notes(notes, fitted, budgets)
    opt = alloc.optimum
    special = {k: int(v) for k, v in opt.special_tokens.items()}
    notes += _range_notes(doc, n, opt.pretrain_tokens, special)
    if alloc.flat:
        notes.append(
            f"form {fitted.form} predicts the same loss for every split (a domain token counts "
            "like a mixture token): the plan does not split"
        )
    elif alloc.on_boundary:
        lo, hi = alloc.allowed_fraction
        notes.append(
            f"the optimum sits on a boundary of the allowed pretraining fraction "
            f"[{lo:.3g}, {hi:.3g}]: form {fitted.form} has no interior optimum here"
        )
    if alloc.at_limit:
        notes.append(f"domains using all the data they may: {', '.join(alloc.at_limit)}")
    for name, base in alloc.baselines.items():
        if not base.feasible:
            notes.append(f"baseline {name} would exceed the data limits (shown anyway)")
    flops_used = FLOPS_PER_PARAM_TOKEN * n * total
    base_domain = MIXTURE if MIXTURE in fitted.fitted_domains else "mean of fitted domains"
    co = compute_optimal(fitted, flops_used, MIXTURE)
    diag = doc.get("diagnostics", {})
    if diag and not diag.get("n_exponent_identified", True):
        notes.append(
            "the exponent in N is not identified by the runs: compute_optimal is not "
            "meaningful; the split at this N does not depend on it (the N term is additive)"
        )
    return {
        "form": fitted.form,
        "n_params": n,
        "flops": flops_used,
        "total_tokens": total,
        "pretrain_tokens": int(opt.pretrain_tokens),
        "special_tokens": special,
        "pretrain_fraction": opt.pretrain_fraction,
        "predicted_loss": opt.predicted_loss,
        "predicted_mean_loss": opt.predicted_mean_loss,
        "weights": {b.name: b.weight for b in budgets},
        "data_limits": {
            "max_repeats": repeats,
            "pretrain_max_tokens": None if math.isinf(pretrain_max) else pretrain_max,
            "special_max_tokens": {
                b.name: None if math.isinf(b.max_tokens) else b.max_tokens for b in budgets
            },
        },
        "baselines": {
            name: {
                **b.to_dict(),
                "gain_of_optimum": b.predicted_mean_loss - opt.predicted_mean_loss,
            }
            for name, b in alloc.baselines.items()
        },
        "habit_fraction": HABIT_FRACTION,
        "allowed_fraction": list(alloc.allowed_fraction),
        "curve": alloc.curve,
        "on_boundary": alloc.on_boundary,
        "flat": alloc.flat,
        "compute_optimal": {
            "domain": base_domain,
            "n_params": co.n_params,
            "tokens": co.tokens,
            "tokens_per_param": co.tokens_per_param,
            "numeric_n_params": co.numeric_n_params,
            "relative_difference": co.relative_difference,
        },
        "identified": bool(diag.get("identified", True)) if diag else None,
        "notes": notes,
    }


def _mapping_notes(notes: list[str], law, budgets: list[DomainBudget]) -> None:
    """Say which plan domains borrow averaged parameters from the fitted domains."""
    if not law.fitted_domains:
        notes.append("the law's parameters are shared by all domains")
        return
    averaged_of = {b.name: law.domain_params(b.name)[1] for b in budgets}
    if averaged_of and all(averaged_of.values()):  # the first note, before one per domain
        notes.insert(
            0,
            f"no domain of this plan ({', '.join(averaged_of)}) was in the law's fit "
            f"({', '.join(law.fitted_domains)}): every domain borrows averaged parameters, so "
            "the plan cannot tell them apart; fit a law on runs of this split's domains",
        )
    for b in budgets:
        averaged = averaged_of[b.name]
        if averaged:
            notes.append(
                f"domain {b.name!r} was not among the fitted domains "
                f"({', '.join(law.fitted_domains)}): it uses the mean over the fitted "
                f"specialist domains for {', '.join(averaged)}"
            )
