"""Warmup-stable-decay rates and the plan of trunks and branches, in exact numbers."""

import math

import pytest

from splitlib.errors import UserError
from splitlib.train.phases import make_plan
from splitlib.train.schedule import WSD, decay_steps_for


def test_warmup_then_stable_then_one_minus_sqrt_decay():
    s = WSD(peak_lr=1e-3, warmup_steps=4, decay_start=10, decay_steps=4)
    assert [s.lr(i) for i in range(4)] == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3])
    assert s.lr(4) == s.lr(9) == 1e-3
    expected = [1e-3 * (1 - math.sqrt((k + 0.5) / 4)) for k in range(4)]
    assert [s.lr(10 + k) for k in range(4)] == pytest.approx(expected)


def test_stable_phase_never_decays_and_shapes_end_near_min():
    assert WSD(1.0, 1).lr(10**9) == 1.0
    for shape in ("linear", "cosine", "1-sqrt"):
        s = WSD(1.0, 1, decay_start=0, decay_steps=1000, min_ratio=0.1, shape=shape)
        assert 0.1 < s.lr(999) < 0.11
    assert WSD(1.0, 1, 0, 10, shape="linear").lr(4) == pytest.approx(0.55)


def test_decay_length_is_a_fraction_of_the_phase_at_least_one_step():
    assert decay_steps_for(100, 0.2) == 20
    assert decay_steps_for(3, 0.2) == 1
    assert decay_steps_for(0, 0.2) == 0


def test_plan_shares_one_seed_trunk_across_d_and_baselines():
    plan = make_plan([8192, 16384], {"a": [2048], "b": [2048]}, None, 512, 0.2)
    seed = plan.trunks[0]
    # D = 16 and 32 steps; baseline E = 2 x 4 steps with round(0.2 x 8) = 2 of decay inside
    assert (seed.name, seed.start_step, seed.end_step, seed.marks) == (
        "seed",
        0,
        38,
        (16, 22, 32, 38),
    )
    by_name = {b.name: b for b in plan.branches}
    assert by_name["seed-D8192"].mark == 16 and by_name["seed-D8192"].decay_steps == 3
    assert by_name["seed-D8192"].pretrain_tokens == 19 * 512
    nosplit = by_name["nosplit-D8192-E4096"]
    assert (nosplit.mark, nosplit.decay_steps, nosplit.pretrain_tokens) == (22, 2, 24 * 512)
    assert nosplit.extra_tokens == 4096
    spec = by_name["spec-a-D16384-S2048"]
    assert (spec.trunk, spec.mark, spec.decay_steps) == ("spec-a-D16384", 35, 1)
    assert (spec.pretrain_tokens, spec.special_tokens, spec.decay_tokens) == (16384, 2048, 512)
    assert [r.name for r in plan.routed] == ["routed-D8192-S2048", "routed-D16384-S2048"]
    assert plan.warmup_steps == 1  # 2% of the largest D (32 steps), at least one


def test_plan_rejects_empty_or_unequal_budgets():
    with pytest.raises(UserError):
        make_plan([1000], {"a": [100], "b": [100, 200]}, None, 100, 0.2)
    with pytest.raises(UserError):
        make_plan([0], {"a": [100]}, None, 100, 0.2)
