"""Robust fitting of one law form to runs.

The objective is the Huber loss of the residuals of log loss,
r = log L_pred - log L_obs, summed (not averaged) over runs, so a handful of odd
runs pull the fit linearly rather than quadratically. It is minimized with
L-BFGS-B, with analytic gradients, from the best points of a grid of
initializations; the best optimum is kept. Nothing is random except the bootstrap,
which draws from a seeded generator, so a fit is identical across calls.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from splitlib.errors import UserError
from splitlib.scaling._blas import single_threaded_blas
from splitlib.scaling.forms import Form, Params, Reference, get_form
from splitlib.scaling.law import Law
from splitlib.scaling.runs import Runs


@dataclass(frozen=True)
class FitOptions:
    """How a form is fitted.

    per_domain: parameters fitted once per domain (None: the form's default).
    huber_delta: Huber threshold on log-loss residuals (1e-3 = 0.1% relative error).
    starts: short L-BFGS-B runs from the best points of the initialization grid; the
        best of them is then run to convergence.
    max_iter: L-BFGS-B iteration limit per start.
    """

    per_domain: tuple[str, ...] | None = None
    huber_delta: float = 1e-3
    starts: int = 5
    max_iter: int = 3000


@dataclass(frozen=True)
class Layout:
    """Where each parameter (and each domain's copy of it) sits in the fitted vector."""

    form: Form
    domains: tuple[str, ...]
    per_domain: tuple[str, ...]
    special_domains: tuple[str, ...]  # domains with D' > 0 runs

    @property
    def entries(self) -> list[tuple[str, str | None]]:
        out: list[tuple[str, str | None]] = []
        for spec in self.form.params:
            if spec.name in self.per_domain:
                doms = self.special_domains if spec.special else self.domains
                out += [(spec.name, dom) for dom in doms]
            else:
                out.append((spec.name, None))
        return out

    def index(self, domain: np.ndarray) -> dict[str, np.ndarray]:
        """Per run, the vector position of each parameter's value for that run's domain.

        A domain without D' > 0 runs has no copy of a per-domain special parameter; it
        points at the first copy, which its runs (all D' = 0) do not depend on.
        """
        pos = {entry: i for i, entry in enumerate(self.entries)}
        out = {}
        for name in self.form.names:
            if name in self.per_domain:
                first = next(i for (n, _), i in pos.items() if n == name)
                out[name] = np.array([pos.get((name, str(dom)), first) for dom in domain])
            else:
                out[name] = np.full(len(domain), pos[(name, None)])
        return out


@dataclass(frozen=True)
class Fit:
    """A fitted form. `theta` is in fitted coordinates (log for scale parameters, A and
    B as nats at the reference size N0 and token count D0)."""

    layout: Layout
    ref: Reference
    theta: np.ndarray
    objective: float  # summed Huber loss of log-loss residuals
    n_runs: int
    bounds: tuple[tuple[float, float], ...]  # fitted coordinates
    converged: bool
    iterations: int  # of the final, polishing L-BFGS-B run

    def law(self) -> Law:
        """The fitted law in natural units (A, B as in E + A/N^alpha + B/D^beta)."""
        values = _natural(self.layout, self.theta)
        params: dict[str, float | dict[str, float]] = {}
        for (name, dom), value in zip(self.layout.entries, values, strict=True):
            if dom is None:
                params[name] = float(value)
            else:
                params.setdefault(name, {})[dom] = float(value)  # type: ignore[index, union-attr]
        for scale, exponent, ref in (("A", "alpha", self.ref.n), ("B", "beta", self.ref.d)):
            params[scale] = _rescale(params[scale], params[exponent], ref)
        return Law(self.layout.form.name, params)


def _rescale(scale, exponent, ref: float):
    """A = a * N0^alpha (B likewise), per domain where either factor is per domain."""
    if isinstance(scale, float) and isinstance(exponent, float):
        return scale * ref**exponent
    domains = scale.keys() if isinstance(scale, dict) else exponent.keys()

    def pick(value, dom):
        return value[dom] if isinstance(value, dict) else value

    return {dom: pick(scale, dom) * ref ** pick(exponent, dom) for dom in domains}


def _natural(layout: Layout, theta: np.ndarray) -> np.ndarray:
    logs = np.array([layout.form.spec(name).log for name, _ in layout.entries])
    return np.where(logs, np.exp(np.where(logs, theta, 0.0)), theta)


def reference_of(runs: Runs) -> Reference:
    """Geometric means of the distinct sizes and of the pretraining token counts."""
    return Reference(
        float(np.exp(np.mean(np.log(runs.sizes)))),
        float(np.exp(np.mean(np.log(np.unique(runs.pretrain_tokens))))),
    )


def make_layout(runs: Runs, form: Form, per_domain: tuple[str, ...] | None) -> Layout:
    per = form.default_per_domain if per_domain is None else per_domain
    unknown = sorted(set(per) - set(form.names))
    if unknown:
        raise UserError(
            f"--per-domain names {unknown} that form {form.name!r} does not have; "
            f"its parameters are {', '.join(form.names)}."
        )
    special = tuple(sorted(set(runs.domain[runs.special_tokens > 0].tolist())))
    if not special and any(p.special for p in form.params):
        raise UserError(
            f"form {form.name!r} needs runs with special_tokens > 0 (specialists) to fit "
            "its D' terms; these runs have none. Use --form chinchilla or add specialist runs."
        )
    return Layout(form, runs.domains, tuple(n for n in form.names if n in per), special)


def _bounds(layout: Layout, runs: Runs) -> list[tuple[float, float]]:
    top = float(runs.loss.max())
    out = []
    for name, _ in layout.entries:
        spec = layout.form.spec(name)
        lo, hi = spec.lower, top if spec.upper is None else spec.upper
        out.append((np.log(lo), np.log(hi)) if spec.log else (lo, hi))
    return out


def huber(r: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Huber loss of residuals r and its derivative."""
    a = np.abs(r)
    return np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)), np.clip(r, -delta, delta)


class _Objective:
    """Summed Huber loss of log-loss residuals and its gradient, for one set of runs."""

    def __init__(self, layout: Layout, runs: Runs, ref: Reference, delta: float):
        self.layout, self.runs, self.ref, self.delta = layout, runs, ref, delta
        self.index = layout.index(runs.domain)
        self.names = list(self.index)
        self.flat_index = np.concatenate([self.index[n] for n in self.names])
        logs = np.array([layout.form.spec(n).log for n, _ in layout.entries])
        self.log_pos = np.flatnonzero(logs)
        self.log_loss = np.log(runs.loss)

    def params(self, theta: np.ndarray) -> Params:
        values = np.array(theta, dtype=float)
        values[self.log_pos] = np.exp(values[self.log_pos])
        return {name: values[idx] for name, idx in self.index.items()}

    def __call__(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        r = self.runs
        pred, partials = self.layout.form.evaluate(
            self.params(theta), r.n_params, r.pretrain_tokens, r.special_tokens, self.ref
        )
        safe = np.maximum(pred, 1e-9)  # a form driven below zero costs, not crashes
        h, psi = huber(np.log(safe) - self.log_loss, self.delta)
        weight = np.where(pred > 1e-9, psi / safe, 0.0)
        stacked = np.stack([partials[n] for n in self.names]) * weight
        grad = np.bincount(self.flat_index, stacked.ravel(), minlength=len(theta))
        return float(h.sum()), grad


def _grid(layout: Layout, runs: Runs) -> np.ndarray:
    """Initial points in fitted coordinates: a small grid per parameter, all domains'
    copies starting from the same value (E from each domain's lowest loss)."""
    dp = runs.special_tokens[runs.special_tokens > 0]
    dp_ref = float(np.exp(np.mean(np.log(dp)))) if len(dp) else 1e6
    lowest = {dom: float(runs.loss[runs.domain == dom].min()) for dom in runs.domains}
    choices = {
        "E": [0.2, 0.6],  # fractions of the lowest loss
        "A": [np.log(0.05), np.log(0.5)],
        "alpha": [0.3, 1.0],
        "B": [np.log(0.5), np.log(2.0)],
        "beta": [0.3, 0.8],
        "G": [0.5, 2.0],
        "S": [np.log(0.1 * dp_ref), np.log(dp_ref)],
        "gamma": [0.5, 1.5],
        "eta": [0.0, np.log(10.0)],
    }
    names = layout.form.names
    points = []
    for combo in itertools.product(*(choices[n] for n in names)):
        pick = dict(zip(names, combo, strict=True))
        point = []
        for name, dom in layout.entries:
            if name == "E":
                low = lowest[dom] if dom is not None else min(lowest.values())
                point.append(pick["E"] * low)
            else:
                point.append(pick[name])
        points.append(point)
    return np.array(points, dtype=float)


# Explore from several starts with a short budget, then polish only the best: the
# Huber objective is nearly L1 near the optimum, where L-BFGS-B creeps.
_EXPLORE = {"maxiter": 100, "ftol": 1e-10, "gtol": 1e-7}
_POLISH = {"ftol": 1e-13, "gtol": 1e-9}
_RESAMPLE = {"maxiter": 400, "ftol": 1e-11, "gtol": 1e-8}


def _minimize(objective: _Objective, x0, bounds, options: dict):
    scale = 1.0 / objective.delta  # keeps L-BFGS-B's absolute tolerances meaningful

    def fun(theta):
        value, grad = objective(theta)
        return value * scale, grad * scale

    return minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=options)


def fit_form(
    runs: Runs,
    form: Form | str,
    opts: FitOptions | None = None,
    layout: Layout | None = None,
    ref: Reference | None = None,
    start: np.ndarray | None = None,
) -> Fit:
    """Fit `form` to `runs`: multi-start L-BFGS-B on the summed Huber loss.

    layout, ref, start: reuse a full-data fit's layout, reference and optimum (the
    bootstrap does, so every resample is fitted in the same coordinates from one start).
    """
    opts = opts or FitOptions()
    form = get_form(form) if isinstance(form, str) else form
    layout = layout or make_layout(runs, form, opts.per_domain)
    n_free = len(layout.entries)
    if len(runs) < n_free:
        raise UserError(
            f"{len(runs)} runs cannot fit form {form.name!r}, which has {n_free} parameters "
            f"here ({', '.join(layout.per_domain) or 'none'} per domain): add runs, or fit "
            "fewer parameters per domain (--per-domain)."
        )
    ref = ref or reference_of(runs)
    bounds = _bounds(layout, runs)
    objective = _Objective(layout, runs, ref, opts.huber_delta)
    lo, hi = np.array(bounds).T
    if start is not None:
        starts = np.clip(start, lo, hi)[None, :]
    else:
        grid = np.clip(_grid(layout, runs), lo, hi)
        values = np.array([objective(x)[0] for x in grid])
        starts = grid[np.argsort(values, kind="stable")[: opts.starts]]
    with single_threaded_blas():
        if start is not None:
            best = _minimize(objective, starts[0], bounds, _RESAMPLE)
        else:
            explored = [_minimize(objective, x0, bounds, _EXPLORE) for x0 in starts]
            best = min(explored, key=lambda res: res.fun)  # first of equals: deterministic
            polish = {**_POLISH, "maxiter": opts.max_iter}
            best = min((best, _minimize(objective, best.x, bounds, polish)), key=lambda r: r.fun)
    theta = np.clip(best.x, lo, hi)
    return Fit(
        layout,
        ref,
        theta,
        objective(theta)[0],
        len(runs),
        tuple(map(tuple, bounds)),  # type: ignore[arg-type]
        bool(best.success),
        int(best.nit),
    )


def bootstrap(fit: Fit, runs: Runs, n: int, seed: int, opts: FitOptions) -> list[Law]:
    """Refit on `n` resamples of the runs (drawn within each domain, so every domain
    keeps its count), each from the full fit's optimum. Seeded: same laws every call."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(runs.domain == dom) for dom in runs.domains]
    laws = []
    for _ in range(n):
        index = np.concatenate([rng.choice(g, size=len(g), replace=True) for g in groups])
        refit = fit_form(runs.take(index), fit.layout.form, opts, fit.layout, fit.ref, fit.theta)
        laws.append(refit.law())
    return laws


def intervals(laws: list[Law], level: float) -> dict[str, list[float] | dict[str, list[float]]]:
    """Percentile intervals of every parameter over bootstrap laws, same shape as params."""
    if not laws:
        return {}
    q = [50 * (1 - level), 50 * (1 + level)]
    out: dict[str, list[float] | dict[str, list[float]]] = {}
    for name, value in laws[0].params.items():
        if isinstance(value, dict):
            out[name] = {
                dom: [float(v) for v in np.percentile([law.params[name][dom] for law in laws], q)]  # type: ignore[index]
                for dom in value
            }
        else:
            out[name] = [float(v) for v in np.percentile([law.params[name] for law in laws], q)]
    return out
