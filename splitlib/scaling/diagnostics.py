"""Diagnostics that keep a fit honest.

Tiny models fit every form well in-sample and still extrapolate badly, so each fit is
reported with what would make its exponent in N meaningless: too few sizes, too few
tokens per parameter at the largest size, parameters stuck on bounds, a size effect no
larger than the seed-to-seed noise, a wide bootstrap interval, and whether any form
beats copying the next-smaller size's loss.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from splitlib.scaling.fit import Fit
from splitlib.scaling.law import Law
from splitlib.scaling.runs import Runs
from splitlib.scaling.select import Candidate

MIN_SIZES = 4
MIN_TOKENS_PER_PARAM = 20.0
N_PARAMS = ("A", "alpha")  # the parameters that carry the size effect


@dataclass(frozen=True)
class Noise:
    """Seed-to-seed noise: pooled standard deviation of log loss (≈ relative error) over
    configurations (domain, N, D, D') measured more than once."""

    groups: int
    runs: int
    relative_std: float


@dataclass
class Diagnostics:
    """What law.json and the summary say about identifiability."""

    sizes: list[float]
    tokens_per_param_largest: float
    on_bounds: list[dict] = field(default_factory=list)
    noise: Noise | None = None
    size_effect: float | None = None  # predicted relative loss drop, smallest→largest N
    n_exponent_identified: bool = True
    beats_naive: bool | None = None
    forms_vs_noise: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def identified(self) -> bool:
        return self.n_exponent_identified and self.beats_naive is not False

    def to_dict(self) -> dict:
        out = asdict(self)
        out["identified"] = self.identified
        return out


def on_bounds(fit: Fit, rtol: float = 1e-3) -> list[dict]:
    """Parameters within `rtol` of the width of their (fitted-coordinate) range of a bound."""
    found = []
    for (name, dom), x, (lo, hi) in zip(fit.layout.entries, fit.theta, fit.bounds, strict=True):
        tol = rtol * (hi - lo)
        side = "lower" if x <= lo + tol else "upper" if x >= hi - tol else None
        if side:
            spec = fit.layout.form.spec(name)
            bound = lo if side == "lower" else hi
            found.append(
                {
                    "param": name,
                    "domain": dom,
                    "bound": side,
                    "value": float(np.exp(bound) if spec.log else bound),
                    "unit": spec.unit,
                }
            )
    return found


def seed_noise(runs: Runs) -> Noise | None:
    """Pooled std of log loss over repeated configurations; None without repeats."""
    keys: dict[tuple, list[float]] = {}
    for n, d, dp, dom, loss in zip(
        runs.n_params,
        runs.pretrain_tokens,
        runs.special_tokens,
        runs.domain,
        runs.loss,
        strict=True,
    ):
        keys.setdefault((float(n), float(d), float(dp), str(dom)), []).append(np.log(loss))
    repeated = [np.array(v) for v in keys.values() if len(v) > 1]
    if not repeated:
        return None
    dof = sum(len(v) - 1 for v in repeated)
    ss = sum(float(np.sum((v - v.mean()) ** 2)) for v in repeated)
    return Noise(len(repeated), sum(len(v) for v in repeated), float(np.sqrt(ss / dof)))


def size_effect(law: Law, runs: Runs) -> float:
    """Median over the runs' (domain, D, D') of the predicted relative loss drop from the
    smallest to the largest size."""
    small, large = (np.full(len(runs), s) for s in (runs.sizes[0], runs.sizes[-1]))
    args = (runs.pretrain_tokens, runs.special_tokens, runs.domain)
    lo, hi = law.predict(large, *args), law.predict(small, *args)
    return float(np.median((hi - lo) / lo))


def _pct(x: float) -> str:
    return f"{100 * x:.2g}%" if abs(x) < 0.1 else f"{100 * x:.0f}%"


def diagnose(
    runs: Runs,
    chosen: Candidate,
    candidates: list[Candidate],
    intervals: dict | None = None,
    level: float = 0.95,
) -> Diagnostics:
    """Identifiability of the chosen fit, with a warning for each reason to distrust it."""
    sizes = runs.sizes
    top = runs.n_params == sizes[-1]
    tpp = float(np.max(runs.pretrain_tokens[top] + runs.special_tokens[top]) / sizes[-1])
    diag = Diagnostics([float(s) for s in sizes], tpp, on_bounds(chosen.fit), seed_noise(runs))
    warn = diag.warnings.append
    if not chosen.fit.converged:
        warn(
            "the optimizer stopped at its iteration limit before converging: the parameters "
            "may sit in a flat valley of the objective"
        )
    n_ok = True
    if len(sizes) < MIN_SIZES:
        n_ok = False
        warn(
            f"only {len(sizes)} distinct model size(s) (fewer than {MIN_SIZES}): the exponent "
            "in N is not identified by the data; predictions at other sizes are guesses"
        )
    if tpp < MIN_TOKENS_PER_PARAM:
        n_ok = False
        warn(
            f"the largest size ({sizes[-1]:.4g} parameters) saw at most {tpp:.3g} tokens per "
            f"parameter (fewer than {MIN_TOKENS_PER_PARAM:g}): its loss is limited by data, "
            "not by size, so the exponent in N is not identified"
        )
    for b in diag.on_bounds:
        where = f" for {b['domain']}" if b["domain"] else ""
        warn(
            f"{b['param']}{where} ended on its {b['bound']} bound ({b['value']:.4g}"
            f"{' ' + b['unit'] if b['unit'] else ''}): the data do not pin it down"
        )
        n_ok = n_ok and b["param"] not in N_PARAMS
    noise = diag.noise.relative_std if diag.noise else chosen.in_sample.rmse_log
    source = "seed-to-seed noise" if diag.noise else "the fit's residual scatter"
    if len(sizes) > 1:
        diag.size_effect = size_effect(chosen.fit.law(), runs)
        if diag.size_effect < 2 * noise:
            n_ok = False
            warn(
                f"the fitted size effect ({_pct(diag.size_effect)} lower loss from the smallest "
                f"to the largest size) is within twice the {source} ({_pct(noise)}): "
                "the size effect is buried in noise"
            )
    alpha = (intervals or {}).get("alpha")
    if isinstance(alpha, list) and alpha[1] > 2 * alpha[0]:
        n_ok = False
        warn(
            f"the {level:.0%} bootstrap interval of alpha, [{alpha[0]:.3g}, {alpha[1]:.3g}], "
            "spans more than a factor of 2: the exponent in N is not identified"
        )
    diag.n_exponent_identified = n_ok
    _naive_and_noise(diag, candidates, noise, source)
    return diag


def _naive_and_noise(
    diag: Diagnostics, candidates: list[Candidate], noise: float, source: str
) -> None:
    scored = [c for c in candidates if c.held_out and c.held_out.beats_naive is not None]
    if scored:
        naive = scored[0].held_out.naive.mre  # type: ignore[union-attr]
        winners = [c.form for c in scored if c.held_out.beats_naive]  # type: ignore[union-attr]
        diag.beats_naive = bool(winners)
        if not winners:
            best = min(c.held_out.form_on_naive.mre for c in scored)  # type: ignore[union-attr]
            diag.warnings.append(
                f"no form beats the naive baseline on the held-out size (copying the "
                f"next-smaller size's loss: MRE {_pct(naive)}; best form {_pct(best)}): "
                "the law does not extrapolate in N better than no law"
            )
    held = sorted(c.held_out.form.mre for c in candidates if c.held_out)
    if len(held) > 1 and diag.noise:
        gap = held[1] - held[0]
        diag.forms_vs_noise = (
            f"the best form's held-out MRE leads the next by {_pct(gap)}, which "
            f"{'exceeds' if gap > noise else 'is within'} the {source} of {_pct(noise)} per run"
        )
        if gap <= noise:
            diag.warnings.append(diag.forms_vs_noise + ": the data cannot tell these forms apart")
