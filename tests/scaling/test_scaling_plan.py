"""make_plan: the interface the split job and the trainer rely on."""

import json
import subprocess
import sys

import pytest
from scaling_synth import TRUE

from splitlib.errors import UserError
from splitlib.scaling.plan import make_plan
from splitlib.scaling.plots import plan_figure_png

N = 16e6
LAW = {
    "form": "interaction",
    "params": TRUE["interaction"],
    "diagnostics": {"warnings": ["only 3 distinct model size(s)"], "identified": False},
    "fitted_range": {
        "n_params": [1e6, 64e6],
        "pretrain_tokens": [2e7, 2e9],
        "special_tokens": [0, 3.2e8],
    },
}
DOMAINS = [
    {"name": "code", "train_tokens": 50_000_000, "weight": 1.0},
    {"name": "law", "train_tokens": 400_000_000},
]


def test_plan_holds_what_the_trainer_and_the_report_read():
    plan = make_plan(LAW, N, flops=6 * N * 2e9, domains=DOMAINS)
    assert plan["form"] == "interaction"
    assert plan["total_tokens"] == 2_000_000_000
    assert isinstance(plan["pretrain_tokens"], int)
    assert all(isinstance(v, int) for v in plan["special_tokens"].values())
    assert plan["pretrain_tokens"] + sum(plan["special_tokens"].values()) == plan["total_tokens"]
    assert plan["special_tokens"]["code"] <= 4 * 50_000_000
    assert plan["special_tokens"]["law"] <= 4 * 400_000_000
    assert plan["pretrain_fraction"] == plan["pretrain_tokens"] / plan["total_tokens"]
    assert set(plan["predicted_loss"]) == {"code", "law"}
    assert plan["predicted_mean_loss"] == pytest.approx(sum(plan["predicted_loss"].values()) / 2)
    assert set(plan["baselines"]) == {"no_split", "80/20"}
    for base in plan["baselines"].values():
        assert base["predicted_mean_loss"] >= plan["predicted_mean_loss"]
    assert {"pretrain_fraction", "predicted_mean_loss"} <= set(plan["curve"][0])
    assert plan["on_boundary"] is False
    assert "law warning: only 3 distinct model size(s)" in plan["notes"]
    assert plan["identified"] is False
    json.dumps(plan, allow_nan=False)  # JSON as it stands


def test_tokens_or_flops_and_the_law_from_a_file(tmp_path):
    path = tmp_path / "law.json"
    path.write_text(json.dumps(LAW))
    by_tokens = make_plan(str(path), N, tokens=2e9, domains=DOMAINS)
    by_flops = make_plan(LAW, N, flops=6 * N * 2e9, domains=DOMAINS)
    assert by_tokens["special_tokens"] == by_flops["special_tokens"]
    assert by_tokens["flops"] == pytest.approx(6 * N * 2e9)


def test_without_domains_the_plan_uses_the_laws_fitted_domains_without_limits():
    plan = make_plan(LAW, N, tokens=2e9)
    assert set(plan["special_tokens"]) == {"code", "law"}
    assert plan["data_limits"]["special_max_tokens"] == {"code": None, "law": None}


def test_domains_the_law_never_saw_borrow_the_mean_and_say_so():
    plan = make_plan(LAW, N, tokens=2e9, domains=[{"name": "medicine", "train_tokens": 1e9}])
    assert any(
        "domain 'medicine' was not among the fitted domains (code, law): it uses the mean "
        "over the fitted specialist domains for E, B, gamma" in note
        for note in plan["notes"]
    )
    assert plan["notes"][0] == (
        "no domain of this plan (medicine) was in the law's fit (code, law): every domain "
        "borrows averaged parameters, so the plan cannot tell them apart; fit a law on runs of "
        "this split's domains"
    )
    mixed = [{"name": "medicine"}, {"name": "code"}]
    assert not any(
        n.startswith("no domain") for n in make_plan(LAW, N, tokens=2e9, domains=mixed)["notes"]
    )


def test_an_effective_data_law_reports_its_boundary_optimum():
    law = {"form": "effective", "params": {**TRUE["effective"], "eta": 3.0}}
    plan = make_plan(law, N, tokens=2e9, domains=[{"name": "code"}, {"name": "law"}])
    assert plan["on_boundary"] is True
    assert any("sits on a boundary" in note for note in plan["notes"])


def test_data_limits_bind_and_infeasible_budgets_are_refused():
    plan = make_plan(LAW, N, tokens=8e8, domains=DOMAINS, max_repeats=1)
    assert plan["data_limits"]["pretrain_max_tokens"] == 450_000_000  # the domains' sum
    assert plan["pretrain_tokens"] <= 450_000_000 and plan["special_tokens"]["code"] <= 5e7
    # D' can take at most 4.5e8 of the 8e8 tokens, and so can D
    assert plan["allowed_fraction"] == [0.4375, 0.5625]
    assert 0.4375 <= plan["pretrain_fraction"] <= 0.5625
    with pytest.raises(UserError, match="the data cannot absorb 2e\\+09 tokens"):
        make_plan(LAW, N, tokens=2e9, domains=DOMAINS, max_repeats=1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "give a compute budget"),
        ({"flops": 1e18, "tokens": 5}, "disagree"),
        ({"flops": float("nan")}, "flops must be finite and > 0"),
        ({"tokens": 1e9, "domains": [{"train_tokens": 5}]}, "domain 0 has no name"),
        ({"tokens": 1e9, "domains": [{"name": "a"}, {"name": "a"}]}, "appears twice"),
        ({"tokens": 1e9, "domains": [{"name": "a", "weight": 0}]}, "weight must be > 0"),
    ],
)
def test_bad_plan_requests_are_user_errors(kwargs, message):
    with pytest.raises(UserError, match=message):
        make_plan(LAW, N, **kwargs)


def test_missing_law_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found: make one with `splitlib fit`"):
        make_plan(str(tmp_path / "law.json"), N, tokens=1e9)


def test_plan_figure_is_a_png():
    png = plan_figure_png(make_plan(LAW, N, tokens=2e9, domains=DOMAINS))
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_the_engine_imports_without_spark_torch_or_matplotlib():
    code = (
        "import sys, splitlib.scaling, splitlib.scaling.cli, splitlib.scaling.plots; "
        "print(sorted(m for m in ('matplotlib', 'torch', 'pyspark', 'fsspec') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("tokens", [1, 2, 3, 5, 7, 11, 5_001])
def test_a_budget_of_a_few_tokens_is_spent_exactly_in_whole_tokens_none_negative(tokens):
    # rounding every D'_k up gave D = -1 of T = 5; the habit's equal fractional shares, taken
    # when rounding lost to them, truncated to a plan that did not spend T
    law = {"form": "effective", "params": {**TRUE["effective"], "eta": 3.0}}  # f on its boundary
    domains = [{"name": name} for name in ("code", "law", "news")]
    plan = make_plan(law, N, tokens=tokens, domains=domains)
    parts = [plan["pretrain_tokens"], *plan["special_tokens"].values()]
    assert all(isinstance(p, int) and p >= 0 for p in parts), parts
    assert sum(parts) == tokens
