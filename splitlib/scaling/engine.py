"""fit_law: runs in, law.json document out.

Fits each candidate form on all runs and below the largest size, keeps the asked-for
form (or, for `auto`, the best held-out extrapolation), bootstraps its intervals and
attaches the diagnostics.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from splitlib.errors import UserError
from splitlib.scaling.diagnostics import Diagnostics, diagnose
from splitlib.scaling.fit import FitOptions, bootstrap, intervals
from splitlib.scaling.forms import FORMS, get_form
from splitlib.scaling.law import LAW_SCHEMA
from splitlib.scaling.runs import DEFAULT_KINDS, Runs, Selection
from splitlib.scaling.select import Candidate, choose, evaluate_form


@dataclass(frozen=True)
class FitConfig:
    """Everything `splitlib fit` can be told.

    form: a form name or "auto" (every form, keep the best held-out extrapolation).
    per_domain: parameters fitted per domain (None: each form's default).
    huber_delta: Huber threshold on log-loss residuals.
    starts: L-BFGS-B starts from the best points of the initialization grid.
    bootstrap: resamples for the confidence intervals (0: none); level: their coverage.
    seed: bootstrap seed.
    drop_highest: fraction of each domain's highest-loss runs left out (the least trained).
    kinds: run kinds fitted when records carry `kind` (None: all).
    include_forgetting: also fit mixture losses of specialists.
    """

    form: str = "auto"
    per_domain: tuple[str, ...] | None = None
    huber_delta: float = 1e-3
    starts: int = 5
    bootstrap: int = 50
    level: float = 0.95
    seed: int = 0
    drop_highest: float = 0.0
    kinds: tuple[str, ...] | None = DEFAULT_KINDS
    include_forgetting: bool = False

    def __post_init__(self) -> None:
        if self.form != "auto":
            get_form(self.form)
        checks = [
            (self.huber_delta > 0, "huber_delta must be > 0"),
            (self.starts >= 1, "starts must be >= 1"),
            (self.bootstrap >= 0, "bootstrap must be >= 0"),
            (0 < self.level < 1, "level must be between 0 and 1"),
            (0 <= self.drop_highest < 0.5, "drop_highest must be in [0, 0.5)"),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(f"bad fit setting: {message}.")

    @property
    def options(self) -> FitOptions:
        return FitOptions(self.per_domain, self.huber_delta, self.starts)


@dataclass(frozen=True)
class LawFit:
    """The outcome of fit_law: the document for law.json and what plots need."""

    document: dict[str, Any]
    runs: Runs
    chosen: Candidate
    candidates: list[Candidate]
    diagnostics: Diagnostics


def drop_highest_loss(runs: Runs, fraction: float) -> tuple[Runs, int]:
    """Leave out the `fraction` highest-loss runs of each domain."""
    keep = np.ones(len(runs), dtype=bool)
    for dom in runs.domains:
        idx = np.flatnonzero(runs.domain == dom)
        k = int(np.floor(fraction * len(idx)))
        if k:
            keep[idx[np.argsort(-runs.loss[idx], kind="stable")[:k]]] = False
    return runs.subset(keep), int((~keep).sum())


def _bounds_doc(candidate: Candidate) -> dict[str, list[float]]:
    out = {}
    for (name, _), (lo, hi) in zip(candidate.fit.layout.entries, candidate.fit.bounds, strict=True):
        spec = candidate.fit.layout.form.spec(name)
        out[name] = [float(np.exp(lo)), float(np.exp(hi))] if spec.log else [lo, hi]
    return out


def fit_law(
    runs: Runs, config: FitConfig | None = None, selection: Selection | None = None
) -> LawFit:
    """Fit the configured form(s) and build the law.json document."""
    config = config or FitConfig()
    runs, dropped = drop_highest_loss(runs, config.drop_highest)
    names = list(FORMS) if config.form == "auto" else [config.form]
    if config.form == "auto" and not (runs.special_tokens > 0).any():
        names = ["chinchilla"]  # the other forms need specialist runs
    opts = config.options
    candidates = [evaluate_form(runs, name, opts) for name in names]
    chosen, reason = choose(candidates, asked=config.form != "auto")
    boot = bootstrap(chosen.fit, runs, config.bootstrap, config.seed, opts)
    ivals = intervals(boot, config.level)
    diag = diagnose(runs, chosen, candidates, ivals, config.level)
    law = chosen.fit.law()
    layout = chosen.fit.layout
    doc: dict[str, Any] = {
        "splitlib_law": LAW_SCHEMA,
        "form": chosen.form,
        "formula": layout.form.formula,
        "params": law.params,
        "per_domain": list(layout.per_domain),
        "domains": list(layout.domains),
        "special_domains": list(layout.special_domains),
        "objective": chosen.fit.objective,
        "converged": chosen.fit.converged,
        "intervals": ivals,
        "interval_level": config.level,
        "bootstrap_resamples": config.bootstrap,
        "in_sample": asdict(chosen.in_sample),
        "held_out": chosen.held_out.to_dict() if chosen.held_out else None,
        "selection": {
            "reason": reason,
            "candidates": [c.summary() for c in candidates],
        },
        "diagnostics": diag.to_dict(),
        "bounds": _bounds_doc(chosen),
        "bounds_note": "A and B are bounded as their terms in nats at the reference size and "
        "token count (A/N0^alpha, B/D0^beta); E and G at most the largest observed loss",
        "reference": {"n_params": chosen.fit.ref.n, "tokens": chosen.fit.ref.d},
        "fitted_range": {
            "n_params": [float(runs.n_params.min()), float(runs.n_params.max())],
            "pretrain_tokens": [
                float(runs.pretrain_tokens.min()),
                float(runs.pretrain_tokens.max()),
            ],
            "special_tokens": [
                float(runs.special_tokens.min()),
                float(runs.special_tokens.max()),
            ],
        },
        "runs": {
            **(selection.to_dict() if selection else {"used": len(runs) + dropped}),
            "excluded_highest_loss": dropped,
            "fitted": len(runs),
        },
        "config": {
            **asdict(config),
            "kinds": list(config.kinds) if config.kinds is not None else None,
            "per_domain": list(config.per_domain) if config.per_domain is not None else None,
        },
    }
    return LawFit(doc, runs, chosen, candidates, diag)
