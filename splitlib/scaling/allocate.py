"""The optimal split of a token budget between the seed and the specialists.

With T = C / (6 N) tokens, the seed pretrains on the mixture for D = f*T tokens and
specialist k continues for D'_k tokens, D + sum_k D'_k = T. The split minimizes the
weighted mean predicted domain loss, with D'_k at most the domain's data limit and D at
most the mixture's. Every form is convex and decreasing in D', so for a fixed D the best
D'_k equalize the weighted marginal gains (water-filling: bisection on the common gain,
each form giving D' for a gain in closed form); the outer search over f is a grid
refined by zooming in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize_scalar

from splitlib.errors import UserError
from splitlib.scaling.forms import get_form
from splitlib.scaling.law import _UNIT, Law

HABIT_FRACTION = 0.8  # the 80/20 habit: 80% of the tokens on pretraining
MIN_PRETRAIN_FRACTION = 0.01  # the forms say nothing about a seed trained on nothing
_BISECT = 64  # halvings of the log marginal gain: ~1e-17 of its range
_ZOOMS = 3  # refinements of the best grid point, each 10x finer


@dataclass(frozen=True)
class DomainBudget:
    """One specialist: its weight in the mean loss and the most tokens it may train on
    (unique tokens x allowed repetitions; inf for no limit)."""

    name: str
    weight: float = 1.0
    max_tokens: float = float("inf")


@dataclass(frozen=True)
class Split:
    """One allocation: tokens per stage and the law's predicted losses (nats)."""

    pretrain_tokens: float
    special_tokens: dict[str, float]
    predicted_loss: dict[str, float]
    predicted_mean_loss: float
    feasible: bool = True

    @property
    def pretrain_fraction(self) -> float:
        total = self.pretrain_tokens + sum(self.special_tokens.values())
        return self.pretrain_tokens / total if total else 1.0

    def to_dict(self) -> dict:
        return {
            "pretrain_fraction": self.pretrain_fraction,
            "pretrain_tokens": self.pretrain_tokens,
            "special_tokens": dict(self.special_tokens),
            "predicted_loss": dict(self.predicted_loss),
            "predicted_mean_loss": self.predicted_mean_loss,
            "feasible": self.feasible,
        }


@dataclass
class Allocation:
    """The optimum, the baselines at the same compute, and the loss curve over f."""

    optimum: Split
    baselines: dict[str, Split]
    curve: list[dict]
    allowed_fraction: tuple[float, float]
    on_boundary: bool
    flat: bool  # every split predicts the same loss
    at_limit: list[str] = field(default_factory=list)  # domains using all their data


class _Problem:
    """Predicted losses of K specialists of one size, vectorized over candidate splits."""

    def __init__(self, law: Law, n_params: float, domains: list[DomainBudget]):
        self.form = get_form(law.form)
        self.n = float(n_params)
        self.names = [d.name for d in domains]
        w = np.array([d.weight for d in domains], dtype=float)
        self.weights = w / w.sum()
        self.limits = np.array([d.max_tokens for d in domains], dtype=float)
        values = [law.domain_params(name)[0] for name in self.names]
        self.params = {p: np.array([v[p] for v in values]) for p in law.params}

    def losses(self, d: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Losses (..., K) for pretraining tokens d (..., 1) and specialist tokens x."""
        return self.form.predict(self.params, self.n, d, x, _UNIT)

    def gains(self, d: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Weighted marginal loss decrease per specialist token, -w_k dL_k/dD'_k, by a
        complex step (exact to rounding: every form is analytic in D')."""
        h = 1e-30 * np.maximum(x, 1.0)
        return -self.weights * self.losses(d, x + 1j * h).imag / h

    def fill(self, d: np.ndarray, budget: np.ndarray) -> np.ndarray:
        """Best specialist tokens (F, K) for pretraining tokens d (F,) and a specialist
        budget (F,) each, within the limits (the caller keeps budgets feasible)."""
        d2, b2 = d[:, None], budget[:, None]
        cap = np.minimum(self.limits[None, :], b2)

        def x_at(log_gain):  # per domain, the D' whose weighted marginal gain is exp(.)
            x = self.form.inverse_gain(self.params, d2, np.exp(log_gain) / self.weights)
            return np.clip(np.nan_to_num(x, nan=0.0), 0.0, cap)

        top = np.maximum(self.gains(d2, np.zeros_like(cap)).max(axis=1, keepdims=True), 1e-300)
        log_lo, log_hi = np.log(top) - 100.0, np.log(top) + 1e-9
        for _ in range(_BISECT):
            mid = 0.5 * (log_lo + log_hi)
            too_much = x_at(mid).sum(axis=1, keepdims=True) > b2
            log_lo, log_hi = np.where(too_much, mid, log_lo), np.where(too_much, log_hi, mid)
        x = x_at(log_hi)
        # Bisection leaves the budget short by a hair: spread it over the slack.
        slack = cap - x
        room = slack.sum(axis=1, keepdims=True)
        short = np.clip(b2 - x.sum(axis=1, keepdims=True), 0.0, room)
        return x + np.divide(short * slack, room, out=np.zeros_like(x), where=room > 0)

    def mean_loss(self, f: np.ndarray, total: float) -> tuple[np.ndarray, np.ndarray]:
        d = f * total
        x = self.fill(d, total - d)
        return (self.losses(d[:, None], x) * self.weights).sum(axis=1), x

    def split(self, d: float, x: np.ndarray, feasible: bool = True) -> Split:
        losses = self.losses(np.array([[d]]), x[None, :])[0]
        return Split(
            float(d),
            {n: float(v) for n, v in zip(self.names, x, strict=True)},
            {n: float(v) for n, v in zip(self.names, losses, strict=True)},
            float((losses * self.weights).sum()),
            feasible,
        )


def _integer_split(problem: _Problem, total: int, x: np.ndarray, d_max: float) -> np.ndarray:
    """Whole tokens: round D'_k within the limits, give D the rest so the budget is spent
    exactly, and move any excess over D's limit to specialists with room."""
    xi = np.minimum(np.round(x), np.floor(problem.limits))
    # rounding each up may overshoot a budget of a few tokens: take one back from the most
    # rounded up (each gained under one token, so there are enough of them), never giving D < 0
    over = int(xi.sum() - total)
    if over > 0:
        xi[np.argsort(x - xi)[:over]] -= 1
    excess = (total - xi.sum()) - np.floor(d_max)
    for k in np.argsort(-(problem.limits - xi)):
        if excess <= 0:
            break
        room = min(excess, np.floor(problem.limits[k]) - xi[k])
        xi[k] += room
        excess -= room
    return xi


def optimal_split(
    law: Law,
    n_params: float,
    total_tokens: int,
    domains: list[DomainBudget],
    pretrain_max: float = float("inf"),
    points: int = 101,
) -> Allocation:
    """Minimize the weighted mean predicted domain loss over splits of `total_tokens`.

    pretrain_max: the most tokens the seed may pretrain on (mixture data limit).
    points: grid points of the returned curve over the allowed pretraining fraction.
    """
    problem = _Problem(law, n_params, domains)
    total = float(total_tokens)
    lo = max(MIN_PRETRAIN_FRACTION, 1.0 - problem.limits.sum() / total)
    hi = min(1.0, pretrain_max / total)
    if lo > hi:
        raise UserError(
            f"the data limits leave no allowed split: the domains can take at most "
            f"{problem.limits.sum():.4g} of {total:.4g} tokens and the mixture {pretrain_max:.4g}"
            f" (at least {MIN_PRETRAIN_FRACTION:.0%} must go to pretraining): lower the budget, "
            "raise the repetitions, or add data."
        )
    grid = np.unique(np.r_[np.linspace(lo, hi, points), [HABIT_FRACTION, 1.0]])
    grid = grid[(grid >= lo) & (grid <= hi)]
    values, _ = problem.mean_loss(grid, total)
    curve = [
        {"pretrain_fraction": float(f), "predicted_mean_loss": float(v)}
        for f, v in zip(grid, values, strict=True)
    ]
    flat = bool(np.ptp(values) <= 1e-12 * np.abs(values).max())
    best = float(hi)  # a flat curve: nothing to gain from a split, so do not split
    if not flat:
        best, step = float(grid[np.argmin(values)]), (hi - lo) / max(points - 1, 1)
        best_value = float(values.min())
        for _ in range(_ZOOMS):  # zoom in around the best point, never losing it
            fine = np.clip(np.linspace(best - step, best + step, 21), lo, hi)
            fine_values, _ = problem.mean_loss(fine, total)
            if fine_values.min() < best_value:
                best, best_value = float(fine[np.argmin(fine_values)]), float(fine_values.min())
            step /= 10
    d = best * total
    x = problem.fill(np.array([d]), np.array([total - d]))[0]
    xi = _integer_split(problem, int(total_tokens), x, pretrain_max)
    optimum = problem.split(total - xi.sum(), xi)
    baselines = _baselines(problem, total, pretrain_max)
    for base in baselines.values():  # rounding must not lose to a feasible baseline
        if base.feasible and base.predicted_mean_loss < optimum.predicted_mean_loss:
            # in whole tokens too (the habit's equal shares are fractions): a plan trains
            shares = np.array([base.special_tokens[n] for n in problem.names])
            whole = _integer_split(problem, int(total_tokens), shares, pretrain_max)
            rounded = problem.split(total - whole.sum(), whole)
            if rounded.predicted_mean_loss < optimum.predicted_mean_loss:
                optimum = rounded
    tol = 2e-5 * (hi - lo) + 1.0 / total  # finer than the last zoom's resolution
    return Allocation(
        optimum,
        baselines,
        curve,
        (float(lo), float(hi)),
        on_boundary=bool(hi - lo < tol or min(abs(best - lo), abs(best - hi)) <= tol),
        flat=flat,
        at_limit=[
            n
            for n, m in zip(problem.names, problem.limits, strict=True)
            if np.isfinite(m) and optimum.special_tokens[n] >= np.floor(m)
        ],
    )


def _baselines(problem: _Problem, total: float, pretrain_max: float) -> dict[str, Split]:
    k = len(problem.names)
    out = {}
    for name, f in (("no_split", 1.0), ("80/20", HABIT_FRACTION)):
        d = np.floor(f * total)
        x = np.full(k, (total - d) / k)  # the habit: every specialist the same share
        ok = bool(d <= pretrain_max and np.all(x <= problem.limits))
        out[name] = problem.split(d, x, ok)
    return out


@dataclass(frozen=True)
class ComputeOptimal:
    """Compute-optimal size and tokens of the base case (no split) for C FLOPs."""

    n_params: float
    tokens: float
    numeric_n_params: float  # found by minimizing over N numerically
    relative_difference: float

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.n_params


def compute_optimal(law: Law, flops: float, domain: str) -> ComputeOptimal:
    """Chinchilla's closed form N* = G (C/6)^(b/(a+b)), G = (a A / (b B))^(1/(a+b)),
    D* = C / (6 N*), for `domain`'s base-case parameters; checked numerically."""
    p, _ = law.domain_params(domain)
    a, b, A, B = p["alpha"], p["beta"], p["A"], p["B"]
    c6 = flops / 6.0
    g = (a * A / (b * B)) ** (1.0 / (a + b))
    n_star = g * c6 ** (b / (a + b))

    def loss(log_n: float) -> float:
        n = np.exp(log_n)
        return float(A * n**-a + B * (c6 / n) ** -b)

    res = minimize_scalar(
        loss,
        bounds=(np.log(n_star) - 20, np.log(n_star) + 20),
        method="bounded",
        options={"xatol": 1e-10},
    )
    numeric = float(np.exp(res.x))
    return ComputeOptimal(n_star, c6 / n_star, numeric, abs(numeric / n_star - 1.0))
