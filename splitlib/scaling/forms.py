"""Candidate scaling-law forms L(N, D, D').

N is non-embedding parameters, D mixture-pretraining tokens, D' tokens of continued
pretraining on the loss's own domain; the loss is in nats. Every form shares the base
case E + A/N^alpha + B/D^beta and differs in how D' enters:

- chinchilla:  E + A/N^a + B/(D + D')^b  -- a token is a token: D' counts like D,
  so the split cannot matter (the null hypothesis; equals the base case at D' = 0).
- additive:    base - G * (1 - (1 + D'/S)^-gamma)  -- a separate, saturating gain
  of at most G nats from D', whatever D is.
- effective:   E + A/N^a + B/(D + eta*D')^b  -- a domain token is worth eta mixture
  tokens for that domain's loss.
- interaction: E + A/N^a + B/D^b * (1 + D'/S)^-gamma  -- D' shrinks the data-limited
  term, so its return in nats is large after a short pretraining and small after a
  long one.

Internally the N and D terms are written around reference sizes N0, D0 (the
geometric means of the runs): A/N^alpha = a*(N/N0)^-alpha, which keeps the scale and
the exponent from trading off in the optimizer. `a` and `b` (nats at N0, D0) are what
is fitted and bounded; A = a*N0^alpha and B = b*D0^beta are what law.json reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from splitlib.errors import UserError

Params = dict[str, np.ndarray]


@dataclass(frozen=True)
class ParamSpec:
    """One fitted parameter.

    log: fitted as its natural log (positive scales); bounds are in natural units,
    `None` for a bound set from the data (E, G: at most the largest observed loss).
    special: only runs with D' > 0 inform it.
    """

    name: str
    log: bool
    lower: float
    upper: float | None
    special: bool
    unit: str


@dataclass(frozen=True)
class Reference:
    """Reference model size (parameters) and token count the scales are fitted at."""

    n: float
    d: float


@dataclass(frozen=True)
class Form:
    """A law form: its parameters and a function giving predicted loss and its partial
    derivatives with respect to each parameter's fitted coordinate (log for log params).
    """

    name: str
    formula: str
    params: tuple[ParamSpec, ...]
    default_per_domain: tuple[str, ...]
    evaluate: Callable[
        [Params, np.ndarray, np.ndarray, np.ndarray, Reference], tuple[np.ndarray, Params]
    ]
    # D' at which the marginal gain -dL/dD' falls to `gain` (nats per token), given D;
    # natural units (A, B as in A/N^alpha), unclipped. The allocator solves with it.
    inverse_gain: Callable[[Params, np.ndarray, np.ndarray], np.ndarray]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def spec(self, name: str) -> ParamSpec:
        return next(p for p in self.params if p.name == name)

    def predict(
        self, p: Params, n: np.ndarray, d: np.ndarray, dp: np.ndarray, ref: Reference
    ) -> np.ndarray:
        return self.evaluate(p, n, d, dp, ref)[0]


_BASE = (
    ParamSpec("E", False, 0.0, None, False, "nats"),
    ParamSpec("A", True, 1e-4, 1e2, False, "nats at N0"),
    ParamSpec("alpha", False, 0.01, 3.0, False, ""),
    ParamSpec("B", True, 1e-4, 1e2, False, "nats at D0"),
    ParamSpec("beta", False, 0.01, 3.0, False, ""),
)
_S = ParamSpec("S", True, 1e2, 1e12, True, "tokens")
_GAMMA = ParamSpec("gamma", False, 0.01, 3.0, True, "")


def _n_term(p: Params, n: np.ndarray, ref: Reference) -> tuple[np.ndarray, np.ndarray]:
    log_u = np.log(n / ref.n)
    term = p["A"] * np.exp(-p["alpha"] * log_u)
    return term, log_u


def _base_partials(p: Params, n: np.ndarray, ref: Reference) -> tuple[np.ndarray, Params]:
    term_n, log_u = _n_term(p, n, ref)
    return p["E"] + term_n, {
        "E": np.ones_like(term_n),
        "A": term_n,
        "alpha": -term_n * log_u,
    }


def _power_d(p: Params, d_eff: np.ndarray, ref: Reference) -> tuple[np.ndarray, np.ndarray]:
    log_v = np.log(d_eff / ref.d)
    return p["B"] * np.exp(-p["beta"] * log_v), log_v


def _chinchilla(p, n, d, dp, ref):
    loss, grad = _base_partials(p, n, ref)
    term_d, log_v = _power_d(p, d + dp, ref)
    grad.update(B=term_d, beta=-term_d * log_v)
    return loss + term_d, grad


def _effective(p, n, d, dp, ref):
    loss, grad = _base_partials(p, n, ref)
    d_eff = d + p["eta"] * dp
    term_d, log_v = _power_d(p, d_eff, ref)
    grad.update(B=term_d, beta=-term_d * log_v, eta=-p["beta"] * term_d * p["eta"] * dp / d_eff)
    return loss + term_d, grad


def _saturation(p: Params, dp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """q = (1 + D'/S)^-gamma, with dq/dgamma and dq/dlog S."""
    x = dp / p["S"]
    log1p_x = np.log1p(x)
    q = np.exp(-p["gamma"] * log1p_x)
    return q, -q * log1p_x, q * p["gamma"] * x / (1.0 + x)


def _additive(p, n, d, dp, ref):
    loss, grad = _base_partials(p, n, ref)
    term_d, log_v = _power_d(p, d, ref)
    q, dq_gamma, dq_log_s = _saturation(p, dp)
    gain = p["G"] * (1.0 - q)
    grad.update(
        B=term_d,
        beta=-term_d * log_v,
        G=-(1.0 - q),
        S=p["G"] * dq_log_s,
        gamma=p["G"] * dq_gamma,
    )
    return loss + term_d - gain, grad


def _interaction(p, n, d, dp, ref):
    loss, grad = _base_partials(p, n, ref)
    term_d, log_v = _power_d(p, d, ref)
    q, dq_gamma, dq_log_s = _saturation(p, dp)
    grad.update(
        B=term_d * q,
        beta=-term_d * q * log_v,
        S=term_d * dq_log_s,
        gamma=term_d * dq_gamma,
    )
    return loss + term_d * q, grad


def _power_inverse(scale, exponent, gain):
    """x with scale * exponent * x^-(exponent+1) = gain."""
    return (scale * exponent / gain) ** (1.0 / (exponent + 1.0))


def _chinchilla_inverse(p, d, gain):
    return _power_inverse(p["B"], p["beta"], gain) - d


def _effective_inverse(p, d, gain):
    return (_power_inverse(p["B"] * p["eta"], p["beta"], gain) - d) / p["eta"]


def _saturation_inverse(p, amplitude, gain):
    """D' with amplitude * d/dD' (1 + D'/S)^-gamma = -gain."""
    return p["S"] * (_power_inverse(amplitude / p["S"], p["gamma"], gain) - 1.0)


def _additive_inverse(p, d, gain):
    return _saturation_inverse(p, p["G"], gain)


def _interaction_inverse(p, d, gain):
    return _saturation_inverse(p, p["B"] * d ** -p["beta"], gain)


FORMS: dict[str, Form] = {
    f.name: f
    for f in (
        Form(
            "chinchilla",
            "E + A/N^alpha + B/(D + D')^beta",
            _BASE,
            ("E", "B"),
            _chinchilla,
            _chinchilla_inverse,
        ),
        Form(
            "additive",
            "E + A/N^alpha + B/D^beta - G*(1 - (1 + D'/S)^-gamma)",
            (*_BASE, ParamSpec("G", False, 0.0, None, True, "nats"), _S, _GAMMA),
            ("E", "B", "G"),
            _additive,
            _additive_inverse,
        ),
        Form(
            "effective",
            "E + A/N^alpha + B/(D + eta*D')^beta",
            (*_BASE, ParamSpec("eta", True, 1e-3, 1e3, True, "mixture tokens per domain token")),
            ("E", "B", "eta"),
            _effective,
            _effective_inverse,
        ),
        Form(
            "interaction",
            "E + A/N^alpha + B/D^beta * (1 + D'/S)^-gamma",
            (*_BASE, _S, _GAMMA),
            ("E", "B", "gamma"),
            _interaction,
            _interaction_inverse,
        ),
    )
}


def get_form(name: str) -> Form:
    """The form called `name`; UserError naming the known forms otherwise."""
    try:
        return FORMS[name]
    except KeyError:
        raise UserError(
            f"unknown law form {name!r}: choose one of {', '.join(FORMS)} (or auto)."
        ) from None
