"""The optimal split: brute force agrees, limits and budget hold, baselines never win."""

import numpy as np
import pytest
from scaling_synth import TRUE

from splitlib.errors import UserError
from splitlib.scaling.allocate import DomainBudget, compute_optimal, optimal_split
from splitlib.scaling.law import Law

N, T = 16e6, 2_000_000_000


def _brute_force(law, domains, total, d_max=np.inf, steps=200):
    """Mean loss on a grid of (D, D'_1) for two domains, D'_2 taking the rest."""
    f = np.linspace(0.01, 1.0, steps)[:, None]
    share = np.linspace(0.0, 1.0, steps + 1)[None, :]
    d = f * total
    x1 = share * (total - d)
    x2 = total - d - x1
    ok = (x1 <= domains[0].max_tokens) & (x2 <= domains[1].max_tokens) & (d <= d_max)
    w = np.array([b.weight for b in domains]) / sum(b.weight for b in domains)
    mean = w[0] * law.predict(N, d, x1, domains[0].name) + w[1] * law.predict(
        N, d, x2, domains[1].name
    )
    mean = np.where(ok, mean, np.inf)
    i, j = np.unravel_index(np.argmin(mean), mean.shape)
    return float(mean[i, j]), float(f[i, 0]), float(x1[i, j])


@pytest.mark.parametrize("form", ["interaction", "additive", "effective"])
def test_optimum_matches_brute_force_grid_search(form):
    law = Law(form, TRUE[form])
    domains = [DomainBudget("code", 1.0), DomainBudget("law", 2.0)]
    alloc = optimal_split(law, N, T, domains)
    best, f_grid, x1_grid = _brute_force(law, domains, T)
    opt = alloc.optimum
    assert opt.predicted_mean_loss <= best + 1e-12
    assert opt.predicted_mean_loss == pytest.approx(best, abs=2e-3)
    assert abs(opt.pretrain_fraction - f_grid) <= 1.0 / 199 + 1e-9  # one grid step
    assert abs(opt.special_tokens["code"] - x1_grid) <= (1 - f_grid) * T / 200 + 1


def test_data_limits_and_budget_hold_exactly():
    law = Law("interaction", TRUE["interaction"])
    domains = [DomainBudget("code", max_tokens=4e7), DomainBudget("law", max_tokens=1.2e9)]
    alloc = optimal_split(law, N, T, domains, pretrain_max=1.8e9)
    opt = alloc.optimum
    assert opt.pretrain_tokens + sum(opt.special_tokens.values()) == T
    assert opt.special_tokens["code"] == 4e7 and opt.special_tokens["law"] < 1.2e9
    assert opt.pretrain_tokens <= 1.8e9
    assert all(float(v).is_integer() for v in [opt.pretrain_tokens, *opt.special_tokens.values()])
    assert alloc.at_limit == ["code"]  # code wants more than it has
    best, f_grid, _ = _brute_force(law, domains, T, d_max=1.8e9)
    assert opt.predicted_mean_loss <= best + 1e-12
    assert alloc.allowed_fraction == (pytest.approx(1 - 1.24e9 / T), pytest.approx(0.9))


@pytest.mark.parametrize("form", list(TRUE))
@pytest.mark.parametrize("total", [10_000_000, 2_000_000_000, 200_000_000_000])
def test_optimum_never_predicts_worse_than_either_baseline(form, total):
    law = Law(form, TRUE[form])
    alloc = optimal_split(law, N, total, [DomainBudget("code"), DomainBudget("law")])
    for base in alloc.baselines.values():
        assert base.feasible
        assert alloc.optimum.predicted_mean_loss <= base.predicted_mean_loss
    assert alloc.baselines["80/20"].pretrain_fraction == pytest.approx(0.8)
    assert alloc.baselines["no_split"].special_tokens == {"code": 0.0, "law": 0.0}


def test_effective_data_form_optimum_sits_on_a_boundary():
    # equal domains: D + eta*D'_k is linear along the split, so only an end can be best
    params = {**TRUE["effective"], "E": 1.6, "B": 410.7, "eta": 3.0}
    many = optimal_split(Law("effective", params), N, T, [DomainBudget("a"), DomainBudget("b")])
    assert many.on_boundary and many.optimum.pretrain_fraction == pytest.approx(0.01, abs=1e-4)
    params["eta"] = 1.5  # a domain token is worth less than the K=2 it displaces
    few = optimal_split(Law("effective", params), N, T, [DomainBudget("a"), DomainBudget("b")])
    assert few.on_boundary and few.optimum.pretrain_fraction == 1.0


def test_interior_optimum_is_not_on_a_boundary():
    alloc = optimal_split(Law("interaction", TRUE["interaction"]), N, T, [DomainBudget("code")])
    assert not alloc.on_boundary and 0.05 < alloc.optimum.pretrain_fraction < 0.95


def test_chinchilla_cannot_tell_splits_apart_and_does_not_split():
    alloc = optimal_split(Law("chinchilla", TRUE["chinchilla"]), N, T, [DomainBudget("code")])
    assert alloc.flat and alloc.optimum.pretrain_fraction == 1.0
    losses = [p["predicted_mean_loss"] for p in alloc.curve]
    assert max(losses) - min(losses) < 1e-12


def test_curve_spans_the_allowed_range_and_holds_both_baselines():
    alloc = optimal_split(Law("interaction", TRUE["interaction"]), N, T, [DomainBudget("code")])
    f = [p["pretrain_fraction"] for p in alloc.curve]
    assert f[0] == pytest.approx(0.01) and f[-1] == 1.0 and 0.8 in f
    assert f == sorted(f) and len(f) == 102  # 101 even steps, plus the 80/20 point
    assert min(p["predicted_mean_loss"] for p in alloc.curve) >= (
        alloc.optimum.predicted_mean_loss - 1e-12
    )


def test_compute_optimal_closed_form_agrees_with_numeric_minimum():
    law = Law("chinchilla", {"E": 1.69, "A": 406.4, "alpha": 0.34, "B": 410.7, "beta": 0.28})
    co = compute_optimal(law, 5.76e23, "any")  # Chinchilla's budget
    assert co.relative_difference < 1e-6
    assert co.n_params * co.tokens * 6 == pytest.approx(5.76e23)
    # with these published fits the optimum is ~3.5e10 parameters (Hoffmann et al., approach 3)
    assert 2e10 < co.n_params < 6e10


def test_limits_that_leave_no_split_are_a_user_error():
    law = Law("interaction", TRUE["interaction"])
    with pytest.raises(UserError, match="the data limits leave no allowed split"):
        optimal_split(law, N, T, [DomainBudget("code", max_tokens=3e9)], pretrain_max=1e6)
