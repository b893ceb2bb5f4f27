"""`splitlib experiment`: every arm at the same compute, one no-split model for all of T,
and a results file with every field the report promises."""

import json

import pytest

from splitlib.cli import main
from splitlib.experiment.arms import Arm, training_plan, whole_steps


def test_whole_steps_spend_exactly_the_budget():
    d, special, decay = whole_steps(0.5, {"a": 3.0, "b": 1.0, "c": 1.0}, 20, 0.2)
    assert (d, special, decay) == (10, {"a": 6, "b": 2, "c": 2}, 0)  # two steps at least
    # two steps left for two specialists: one affordable; the decayed seed serves b
    d, special, decay = whole_steps(0.97, {"a": 1.0, "b": 1.0}, 20, 0.2)
    assert (d, special, decay) == (15, {"a": 2}, 3)


def test_a_domain_planned_at_zero_is_served_by_the_seed_decayed_inside_the_budget():
    d, special, decay = whole_steps(0.5, {"a": 3.0, "b": 1.0, "c": 0.0}, 40, 0.2)
    # the mixture's 20 steps: D = 17 stable steps, then the seed decays for 3 and serves c
    assert (d, special, decay) == (17, {"a": 15, "b": 5}, 3)
    arm = Arm("planned", "planned", d, special, decay)
    assert arm.total_steps == 40 and arm.fraction == 0.5
    plan = training_plan([Arm("no_split", "no_split", 40), arm], 64, 0.2)
    seed = next(b for b in plan.branches if b.kind == "seed_decay")
    assert (seed.mark, seed.decay_steps, seed.pretrain_tokens) == (17, 3, 20 * 64)
    assert plan.trunk("seed").marks == (17, 32)


def test_one_trunk_serves_every_arm_and_no_split_decays_over_its_own_t():
    arms = [Arm("no_split", "no_split", 100), Arm("f=0.2", "grid", 20, {"a": 50, "b": 30}),
            Arm("f=0.8", "grid", 80, {"a": 10, "b": 10}),
            Arm("80/20", "habit", 80, {"a": 10, "b": 10})]  # fmt: skip
    plan = training_plan(arms, batch_tokens=64, decay_fraction=0.2)
    seed = plan.trunk("seed")
    assert seed.marks == (20, 80)  # the seed's D of each arm and no-split's decay start (80)
    nosplit = next(b for b in plan.branches if b.kind == "no_split")
    assert (nosplit.mark, nosplit.decay_steps, nosplit.pretrain_tokens) == (80, 20, 6_400)
    # 80/20 and f=0.8 are the same models: trained once
    specs = sorted((b.specialist, b.pretrain_tokens, b.special_tokens) for b in plan.branches
                   if b.kind == "spec")  # fmt: skip
    assert specs == [("a", 1280, 3200), ("a", 5120, 640), ("b", 1280, 1920), ("b", 5120, 640)]
    assert plan.warmup_steps == 2


def test_a_missing_split_or_a_bad_grid_is_one_line(tmp_path, capsys):
    out = str(tmp_path / "exp")
    assert main(["experiment", "--manifest", str(tmp_path / "none"), "--out", out]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "Run `splitlib run` first" in err[0]
    args = ["experiment", "--manifest", str(tmp_path), "--out", out, "--fractions", "0.5,1"]
    assert main(args) == 2
    assert "--fractions must lie strictly between 0 and 1" in capsys.readouterr().err
    assert not (tmp_path / "exp").exists()


@pytest.mark.slow
def test_tiny_experiment_equal_compute_and_every_field(split_run, tmp_path):
    out = tmp_path / "exp"
    args = ["experiment", "--manifest", split_run, "--out", str(out), "--preset", "tiny",
            "--threads", "1", "--device", "cpu"]  # fmt: skip
    assert main(args) == 0
    res = json.loads((out / "results.json").read_text())
    batch = res["batch_tokens"]
    assert batch == 128
    target = res["target"]
    # held out: twice the sweep's largest compute at 10k, in whole steps
    assert target["total_tokens"] >= 2 * target["sweep_largest_tokens"]
    assert target["total_tokens"] - 2 * target["sweep_largest_tokens"] < batch
    names = {"no_split", "planned", "f=0.35", "f=0.65", "80/20"}
    assert set(res["arms"]) == names
    for name, arm in res["arms"].items():
        # compute read back from the run records: every arm spends T exactly (< one step)
        assert abs(arm["compute_tokens"][0] - target["total_tokens"]) < batch, name
        for field in ("macro_loss", "weighted_loss", "routed_loss"):
            assert 2.0 < arm[field]["mean"] < 8.0, (name, field)
        assert set(arm["domain_loss"]) == {"kjv-bible", "python-docs", "wikibooks-recipes"}
        assert set(arm["mixture_loss_of_specialists"]) == set(arm["domain_loss"])
        assert arm["predicted"]["macro_loss"] > 0
        assert arm["relative_error"] == pytest.approx(
            arm["predicted"]["macro_loss"] / arm["macro_loss"]["mean"] - 1
        )
    grid = {n: a["pretrain_fraction"] for n, a in res["arms"].items() if a["kind"] == "grid"}
    assert grid == pytest.approx({"f=0.35": 0.35, "f=0.65": 0.65}, abs=1 / 92)
    assert res["arms"]["80/20"]["pretrain_fraction"] == pytest.approx(0.8, abs=0.01)
    habit = res["arms"]["80/20"]["special_tokens"]
    assert max(habit.values()) - min(habit.values()) <= batch  # equal D'_k
    assert res["best"]["arm"] in {"planned", "f=0.35", "f=0.65"}
    assert set(res["gains"]) == {"no_split", "80/20"}
    assert set(res["gains"]["no_split"]) == {"macro_loss", "weighted_loss", "routed_loss"}
    domains = {"kjv-bible", "python-docs", "wikibooks-recipes"}
    assert set(res["domain_gains"]["no_split"]) == set(res["js_to_mixture"]) == domains
    assert set(res["fits"]) >= {"auto", "chinchilla"}
    assert all("identified" in f or "error" in f for f in res["fits"].values())
    assert res["plan"]["curve"] and 0 < res["plan"]["pretrain_fraction"] <= 1
    # no-split is one model over all of T: its record says T, with its own decay
    config = json.loads((out / "arms" / "seed0" / "config.json").read_text())
    [ns] = [b for b in config["plan"]["branches"] if b["kind"] == "no_split"]
    assert ns["pretrain_tokens"] == target["total_tokens"]
    assert ns["decay_steps"] == round(0.2 * target["total_steps"])
    assert (out / "figure.png").read_bytes()[:4] == b"\x89PNG"
    assert "no-split" in (out / "results.md").read_text()
    # rerunning resumes: nothing retrained, the same results
    assert main(args) == 0
    assert json.loads((out / "results.json").read_text())["arms"] == res["arms"]
