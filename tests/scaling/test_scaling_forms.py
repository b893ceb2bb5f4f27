"""Law forms: the formulas, their analytic gradients, and prediction in natural units."""

import numpy as np
import pytest
from scaling_synth import TRUE

from splitlib.errors import UserError
from splitlib.scaling.fit import _grid, _Objective, make_layout, reference_of
from splitlib.scaling.forms import FORMS, Reference, get_form
from splitlib.scaling.law import Law, law_from_document
from splitlib.scaling.runs import Runs

N, D, DP = 4e6, 1e8, 5e7


def test_chinchilla_is_the_published_formula():
    law = Law("chinchilla", {"E": 1.69, "A": 406.4, "alpha": 0.34, "B": 410.7, "beta": 0.28})
    expected = 1.69 + 406.4 / N**0.34 + 410.7 / (D + DP) ** 0.28  # D' counts like D
    assert law.predict(N, D, DP, "any") == pytest.approx(expected, rel=1e-14)


@pytest.mark.parametrize("form", ["additive", "effective", "interaction"])
def test_every_form_gives_back_the_base_case_at_d_prime_zero(form):
    params = {k: v for k, v in TRUE[form].items()}
    base = Law("chinchilla", TRUE["chinchilla"])
    law = Law(form, params)
    d = np.geomspace(1e7, 1e10, 7)
    np.testing.assert_allclose(law.predict(N, d, 0.0, "code"), base.predict(N, d, 0.0, "code"))


def test_the_d_prime_terms_match_their_formulas():
    d_prime = {
        "additive": lambda base: base - 0.8 * (1 - (1 + DP / 3e7) ** -0.7),
        "effective": lambda base: base - 410.7 / D**0.28 + 410.7 / (D + 3.0 * DP) ** 0.28,
        "interaction": lambda base: base - 410.7 / D**0.28 * (1 - (1 + DP / 3e7) ** -0.4),
    }
    base = 1.6 + 406.4 / N**0.34 + 410.7 / D**0.28
    for form, expected in d_prime.items():
        got = Law(form, TRUE[form]).predict(N, D, DP, "code")
        assert got == pytest.approx(expected(base), rel=1e-13), form


@pytest.mark.parametrize("form", list(FORMS))
def test_analytic_gradient_matches_finite_differences(form):
    rng = np.random.default_rng(1)
    n = rng.choice([1e6, 4e6, 1.6e7], 40)
    runs = Runs(
        n,
        rng.choice([2e7, 2e8], 40),
        rng.choice([0.0, 1e7, 1e8], 40),
        rng.choice(["code", "law"], 40),
        rng.uniform(2.5, 4.5, 40),
        np.full(40, ""),
    )
    layout = make_layout(runs, get_form(form), None)
    objective = _Objective(layout, runs, reference_of(runs), delta=0.05)
    for x in _grid(layout, runs)[:3]:
        _, grad = objective(x)
        eps = 1e-6
        numeric = [
            (objective(x + eps * e)[0] - objective(x - eps * e)[0]) / (2 * eps)
            for e in np.eye(len(x))
        ]
        np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-9)


def test_prediction_is_vectorized_and_broadcasts():
    law = Law("interaction", TRUE["interaction"])
    d = np.geomspace(1e7, 1e9, 5)
    grid = law.predict(N, d[:, None], np.array([0.0, 1e7, 1e8]), "law")
    assert grid.shape == (5, 3)
    assert grid[2, 1] == law.predict(N, d[2], 1e7, "law")
    assert np.all(np.diff(grid, axis=0) < 0) and np.all(np.diff(grid, axis=1) < 0)


def test_unknown_domain_uses_the_mean_over_fitted_specialist_domains():
    params = {**TRUE["effective"], "E": {"code": 1.6, "law": 1.9, "mixture": 3.0}}
    law = Law("effective", params)
    values, averaged = law.domain_params("medicine")
    assert averaged == ["E", "B", "eta"]
    assert values["E"] == pytest.approx(1.75)  # the mixture is not a specialist domain
    assert values["B"] == pytest.approx(np.sqrt(410.7 * 500.0))  # scales: geometric mean
    assert values["eta"] == pytest.approx(np.sqrt(15.0))
    assert law.domain_params("code") == ({**values, "E": 1.6, "B": 410.7, "eta": 3.0}, [])


def test_unknown_form_and_incomplete_law_are_user_errors():
    with pytest.raises(UserError, match="unknown law form 'kaplan': choose one of chinchilla"):
        get_form("kaplan")
    with pytest.raises(UserError, match="not a law.json"):
        law_from_document({"params": {}})
    with pytest.raises(UserError, match=r"lacks parameters \['beta'\]"):
        law_from_document({"form": "chinchilla", "params": {"E": 1, "A": 1, "alpha": 1, "B": 1}})


@pytest.mark.parametrize("form", ["chinchilla", "additive", "effective", "interaction"])
def test_inverse_gain_inverts_the_marginal_gain_in_d_prime(form):
    values, _ = Law(form, TRUE[form]).domain_params("code")
    params = {k: np.float64(v) for k, v in values.items()}
    x = np.array([1e6, 1e7, 1e8, 1e9])
    h = 1e-30 * x  # complex step: exact derivative, no cancellation
    loss = get_form(form).predict(params, N, D, x + 1j * h, Reference(1.0, 1.0))
    gain = -loss.imag / h
    np.testing.assert_allclose(get_form(form).inverse_gain(params, D, gain), x, rtol=1e-9)
