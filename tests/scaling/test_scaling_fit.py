"""Robust fitting: parameters come back from runs each form generated, deterministically."""

import numpy as np
import pytest
from scaling_synth import TRUE, make_runs

from splitlib.errors import UserError
from splitlib.scaling.engine import FitConfig, drop_highest_loss
from splitlib.scaling.fit import FitOptions, bootstrap, fit_form, huber, intervals

EXPONENTS = ("alpha", "beta", "gamma")


def _values(value) -> dict:
    return value if isinstance(value, dict) else {None: value}


@pytest.mark.parametrize("form", list(TRUE))
def test_parameters_are_recovered_from_noisy_runs_of_each_form(form):
    # 4 sizes x 5 log-spaced D x 5 D' x 2 domains, 0.2% lognormal noise on the loss
    fit = fit_form(make_runs(form, noise=0.002, seed=0), form)
    assert fit.converged
    got = fit.law().params
    for name, truth in TRUE[form].items():
        for dom, value in _values(got[name]).items():
            true = truth[dom] if isinstance(truth, dict) else truth
            if name in EXPONENTS:
                assert abs(value - true) <= 0.02, (name, dom, value, true)
            elif name == "E":
                assert value == pytest.approx(true, rel=0.02), (name, dom)
            else:  # scales A, B, G, S, eta
                assert value == pytest.approx(true, rel=0.05), (name, dom)


def test_fits_are_identical_across_calls_and_input_order():
    runs = make_runs("interaction", noise=0.01, seed=3)
    first = fit_form(runs, "interaction")
    again = fit_form(runs, "interaction")
    shuffled = runs.take(np.random.default_rng(0).permutation(len(runs)))
    third = fit_form(shuffled, "interaction")
    assert first.law() == again.law() == third.law()
    assert first.objective == again.objective == third.objective


def test_bootstrap_is_seeded_and_its_intervals_cover_the_truth():
    runs = make_runs("chinchilla", noise=0.005, seed=1)
    opts = FitOptions()
    fit = fit_form(runs, "chinchilla", opts)
    a = intervals(bootstrap(fit, runs, 12, seed=7, opts=opts), 0.95)
    b = intervals(bootstrap(fit, runs, 12, seed=7, opts=opts), 0.95)
    assert a == b
    lo, hi = a["alpha"]
    assert lo <= TRUE["chinchilla"]["alpha"] <= hi and hi - lo < 0.05
    assert set(a["E"]) == {"code", "law"}


def test_huber_loss_is_quadratic_inside_delta_and_linear_outside():
    value, slope = huber(np.array([-0.5, 0.0005, 0.002]), delta=1e-3)
    np.testing.assert_allclose(value, [1e-3 * (0.5 - 5e-4), 0.5 * 0.0005**2, 1e-3 * (0.002 - 5e-4)])
    np.testing.assert_allclose(slope, [-1e-3, 0.0005, 1e-3])


def test_an_outlier_barely_moves_the_fit():
    runs = make_runs("chinchilla", noise=0.002, seed=2)
    loss = runs.loss.copy()
    loss[len(loss) // 2] *= 1.5  # one run 50% off
    spoiled = type(runs)(
        runs.n_params, runs.pretrain_tokens, runs.special_tokens, runs.domain, loss, runs.seed
    )
    clean, robust = fit_form(runs, "chinchilla").law(), fit_form(spoiled, "chinchilla").law()
    assert abs(robust.params["alpha"] - clean.params["alpha"]) < 0.005
    assert abs(robust.params["beta"] - clean.params["beta"]) < 0.005


def test_per_domain_parameters_by_configuration():
    runs = make_runs("effective", noise=0.002)
    shared = fit_form(runs, "effective", FitOptions(per_domain=("E",))).law()
    assert isinstance(shared.params["E"], dict)
    assert isinstance(shared.params["B"], float) and isinstance(shared.params["eta"], float)
    with pytest.raises(UserError, match="--per-domain names \\['G'\\]"):
        fit_form(runs, "effective", FitOptions(per_domain=("E", "G")))


def test_fewer_runs_than_parameters_is_a_user_error():
    runs = make_runs("interaction", sizes=(1e6, 4e6), pretrain=(2e7,), special=(0.0, 1e7))
    with pytest.raises(UserError, match="8 runs cannot fit form 'interaction', which has 10"):
        fit_form(runs, "interaction")


def test_forms_with_d_prime_terms_need_specialist_runs():
    runs = make_runs("chinchilla", special=(0.0,))
    with pytest.raises(UserError, match="needs runs with special_tokens > 0"):
        fit_form(runs, "effective")


def test_drop_highest_leaves_out_each_domains_worst_runs():
    runs = make_runs("chinchilla", special=(0.0,))  # 20 runs per domain
    kept, dropped = drop_highest_loss(runs, 0.1)
    assert dropped == 4 and len(kept) == len(runs) - 4
    for dom in ("code", "law"):
        worst = np.sort(runs.loss[runs.domain == dom])[-2:]
        assert not np.isin(worst, kept.loss).any()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"form": "kaplan"}, "unknown law form 'kaplan'"),
        ({"huber_delta": 0.0}, "huber_delta must be > 0"),
        ({"drop_highest": 0.5}, "drop_highest must be in"),
        ({"level": 1.0}, "level must be between 0 and 1"),
    ],
)
def test_bad_fit_settings_are_user_errors(setting, message):
    with pytest.raises(UserError, match=message):
        FitConfig(**setting)
