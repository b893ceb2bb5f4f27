"""Form selection by extrapolation in N: fit each form on the smaller models, score it
on the largest (held-out) size, next to a naive baseline that copies the next-smaller
size's loss at the same domain, D and D'.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from splitlib.errors import UserError
from splitlib.scaling.fit import Fit, FitOptions, fit_form
from splitlib.scaling.law import Law
from splitlib.scaling.runs import Runs


@dataclass(frozen=True)
class Score:
    """Errors of predicted against observed losses.

    mre: mean relative error |pred - obs| / obs; r2: 1 - SS_res / SS_tot of the losses
    (negative when worse than predicting their mean); rmse_log: RMS log-loss residual.
    """

    runs: int
    mre: float
    r2: float | None  # None when the observed losses do not vary
    rmse_log: float


def score(pred: np.ndarray, obs: np.ndarray) -> Score:
    resid = pred - obs
    total = float(np.sum((obs - obs.mean()) ** 2))
    return Score(
        len(obs),
        float(np.mean(np.abs(resid) / obs)),
        float(1.0 - np.sum(resid**2) / total) if total > 0 else None,
        float(np.sqrt(np.mean((np.log(pred) - np.log(obs)) ** 2))),
    )


@dataclass(frozen=True)
class HeldOut:
    """A form fitted on sizes below `n_params` and scored on the runs at `n_params`.

    naive: the baseline on the held-out runs that have a twin (same domain, D, D') at
    the next-smaller size; form_on_naive: the form on those same runs.
    """

    n_params: float
    fit_sizes: list[float]
    form: Score
    naive: Score | None
    form_on_naive: Score | None
    law: Law | None = field(default=None, compare=False, repr=False)  # fitted below the size

    @property
    def beats_naive(self) -> bool | None:
        if self.naive is None or self.form_on_naive is None:
            return None
        return self.form_on_naive.mre < self.naive.mre

    def to_dict(self) -> dict:
        out = {k: v for k, v in asdict(self).items() if k != "law"}
        out["beats_naive"] = self.beats_naive
        return out


def split_largest(runs: Runs) -> tuple[Runs, Runs]:
    """(runs below the largest size, runs at the largest size)."""
    top = runs.sizes[-1]
    return runs.subset(runs.n_params < top), runs.subset(runs.n_params == top)


def naive_predictions(train: Runs, test: Runs) -> np.ndarray:
    """Each test run's loss copied from the largest smaller size with a run at the same
    (domain, D, D') (averaged over seeds); NaN where none exists."""
    table: dict[tuple, list[tuple[float, float]]] = {}
    for n, d, dp, dom, loss in zip(
        train.n_params,
        train.pretrain_tokens,
        train.special_tokens,
        train.domain,
        train.loss,
        strict=True,
    ):
        table.setdefault((str(dom), float(d), float(dp)), []).append((float(n), float(loss)))
    out = np.full(len(test), np.nan)
    for i, (n, d, dp, dom) in enumerate(
        zip(test.n_params, test.pretrain_tokens, test.special_tokens, test.domain, strict=True)
    ):
        twins = [(m, loss) for m, loss in table.get((str(dom), float(d), float(dp)), []) if m < n]
        if twins:
            size = max(m for m, _ in twins)
            out[i] = np.mean([loss for m, loss in twins if m == size])
    return out


def held_out(runs: Runs, form: str, opts: FitOptions) -> tuple[HeldOut | None, str | None]:
    """Fit `form` below the largest size and score it there; (None, why) if impossible."""
    if len(runs.sizes) < 2:
        return None, "one model size only: nothing to hold out"
    train, test = split_largest(runs)
    try:
        fit = fit_form(train, form, opts)
    except UserError as err:
        return None, f"cannot fit on the smaller sizes alone: {err}"
    law = fit.law()
    pred = law.predict(test.n_params, test.pretrain_tokens, test.special_tokens, test.domain)
    naive = naive_predictions(train, test)
    has = ~np.isnan(naive)
    return (
        HeldOut(
            float(runs.sizes[-1]),
            [float(s) for s in train.sizes],
            score(pred, test.loss),
            score(naive[has], test.loss[has]) if has.any() else None,
            score(pred[has], test.loss[has]) if has.any() else None,
            law,
        ),
        None,
    )


@dataclass(frozen=True)
class Candidate:
    """One form: fitted on all runs (`fit`, `in_sample`) and held out (`held_out`)."""

    form: str
    fit: Fit
    in_sample: Score
    held_out: HeldOut | None
    held_out_note: str | None

    def summary(self) -> dict:
        return {
            "form": self.form,
            "objective": self.fit.objective,
            "parameters": len(self.fit.layout.entries),
            "in_sample": asdict(self.in_sample),
            "held_out": self.held_out.to_dict() if self.held_out else None,
            "held_out_note": self.held_out_note,
        }


def evaluate_form(runs: Runs, form: str, opts: FitOptions) -> Candidate:
    fit = fit_form(runs, form, opts)
    pred = fit.law().predict(runs.n_params, runs.pretrain_tokens, runs.special_tokens, runs.domain)
    ho, note = held_out(runs, form, opts)
    return Candidate(form, fit, score(pred, runs.loss), ho, note)


def _pct(x: float) -> str:
    return f"{100 * x:.2f}%"


def choose(candidates: list[Candidate], asked: bool = False) -> tuple[Candidate, str]:
    """The candidate with the lowest held-out MRE (lowest in-sample MRE when no form
    could be held out), and a sentence that says why. asked: the one candidate is the
    form the user asked for."""
    scored = [c for c in candidates if c.held_out is not None]
    if asked:
        best = candidates[0]
        return best, f"form {best.form} was asked for (--form {best.form})"
    if len(candidates) == 1:
        best = candidates[0]
        return best, f"{best.form} is the only form these runs can fit (no specialist runs)"
    if scored:
        ranked = sorted(scored, key=lambda c: c.held_out.form.mre)  # type: ignore[union-attr]
        best = ranked[0]
        others = ", ".join(f"{c.form} {_pct(c.held_out.form.mre)}" for c in ranked[1:])  # type: ignore[union-attr]
        size = best.held_out.n_params  # type: ignore[union-attr]
        return best, (
            f"{best.form} has the lowest held-out MRE at N={size:.4g}: "
            f"{_pct(best.held_out.form.mre)} (others: {others or 'none'})"  # type: ignore[union-attr]
        )
    ranked = sorted(candidates, key=lambda c: c.in_sample.mre)
    best = ranked[0]
    return best, (
        f"{best.form} has the lowest in-sample MRE ({_pct(best.in_sample.mre)}); no form "
        "could be scored on a held-out size, so this says nothing about extrapolation"
    )
