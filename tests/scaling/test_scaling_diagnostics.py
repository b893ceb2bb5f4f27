"""Diagnostics: a fit says when its exponent in N is not identified by the data."""

import numpy as np
import pytest
from scaling_synth import BASE, TRUE, make_runs

from splitlib.scaling.diagnostics import seed_noise
from splitlib.scaling.engine import FitConfig, fit_law

FAST = {"form": "interaction", "bootstrap": 8, "starts": 3}


def test_a_sweep_like_a_real_one_done_right_is_identified():
    # 4 sizes, 31 tokens per parameter at the largest, two seeds, 0.2% noise
    runs = make_runs("interaction", noise=0.002, repeats=2)
    result = fit_law(runs, FitConfig(**FAST))
    diag = result.diagnostics
    assert diag.warnings == []
    assert diag.identified and diag.n_exponent_identified and diag.beats_naive
    assert diag.tokens_per_param_largest == pytest.approx((2e9 + 3.2e8) / 64e6)
    assert diag.noise.groups == len(runs) // 2 and diag.noise.runs == len(runs)
    held = result.document["held_out"]
    assert held["n_params"] == 64e6 and held["fit_sizes"] == [1e6, 4e6, 16e6]
    assert held["form_on_naive"]["mre"] < 0.01 < held["naive"]["mre"]
    lo, hi = result.document["intervals"]["alpha"]
    assert lo <= TRUE["interaction"]["alpha"] <= hi


def test_too_few_sizes_is_not_identified():
    runs = make_runs("interaction", noise=0.002, sizes=(1e6, 4e6, 16e6))
    diag = fit_law(runs, FitConfig(**FAST)).diagnostics
    assert not diag.identified and not diag.n_exponent_identified
    assert any("only 3 distinct model size(s)" in w for w in diag.warnings)


def test_too_few_tokens_per_parameter_is_not_identified():
    runs = make_runs("interaction", noise=0.002, sizes=(1e6, 4e6, 16e6, 256e6))
    diag = fit_law(runs, FitConfig(**FAST)).diagnostics
    assert not diag.n_exponent_identified
    assert diag.tokens_per_param_largest == pytest.approx(2.32e9 / 256e6)
    assert any("9.06 tokens per parameter (fewer than 20)" in w for w in diag.warnings)


def test_a_size_effect_buried_in_noise_is_not_identified():
    # the N term moves the loss by ~0.5% across the sizes; seeds differ by ~3%
    weak = {**TRUE["interaction"], "A": 0.5, "alpha": 0.3}
    runs = make_runs("interaction", weak, noise=0.03, seed=5, repeats=2)
    result = fit_law(runs, FitConfig(**FAST))
    diag = result.diagnostics
    assert not diag.identified and not diag.n_exponent_identified
    assert diag.noise.relative_std == pytest.approx(0.03, rel=0.15)
    assert any("the size effect is buried in noise" in w for w in diag.warnings)


def test_a_parameter_on_its_bound_is_flagged():
    # losses for code fall below what any irreducible loss E >= 0 allows
    params = {**BASE, "E": {"code": -0.5, "law": 1.9}}
    runs = make_runs("chinchilla", params, noise=0.002, special=(0.0,))
    result = fit_law(runs, FitConfig(form="chinchilla", bootstrap=0))
    bounds = result.diagnostics.on_bounds
    assert bounds == [
        {"param": "E", "domain": "code", "bound": "lower", "value": 0.0, "unit": "nats"}
    ]
    assert any(
        "E for code ended on its lower bound (0 nats)" in w for w in result.diagnostics.warnings
    )


def test_seed_noise_is_the_pooled_spread_of_repeated_configurations():
    runs = make_runs("chinchilla", noise=0.01, repeats=3, seed=4)
    noise = seed_noise(runs)
    assert noise.groups == len(runs) // 3
    assert noise.relative_std == pytest.approx(0.01, rel=0.1)
    assert seed_noise(make_runs("chinchilla")) is None  # nothing repeated


def test_law_document_carries_the_diagnostics():
    runs = make_runs("interaction", noise=0.002, sizes=(1e6, 4e6, 16e6))
    doc = fit_law(runs, FitConfig(**FAST)).document
    assert doc["diagnostics"]["identified"] is False
    assert set(doc["params"]) == {"E", "A", "alpha", "B", "beta", "S", "gamma"}
    assert doc["selection"]["reason"] == "form interaction was asked for (--form interaction)"
    assert doc["runs"]["fitted"] == len(runs)
    assert np.isfinite(doc["objective"])
