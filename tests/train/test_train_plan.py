"""Budgets from a plan: `splitlib plan`'s plan.json (or the manifest's plan) sets D and D'_k;
a domain planned at zero tokens gets no specialist; the baseline gets the split's extra."""

import json
from pathlib import Path

import pytest

from splitlib.cli import main


@pytest.mark.slow
def test_train_takes_d_and_d_prime_from_a_plan_file(split_run, tmp_path):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"n_params": 9_808, "pretrain_tokens": 2_048,
                                "special_tokens": {"kjv-bible": 1_024, "python-docs": 512,
                                                   "wikibooks-recipes": 0}}))  # fmt: skip
    out = tmp_path / "train"
    args = ["train", "--manifest", split_run, "--model", "10k", "--plan", str(plan),
            "--out", str(out), "--seq-len", "32", "--batch-seqs", "4", "--threads", "1",
            "--eval-tokens", "1k", "--routed", "off"]  # fmt: skip
    assert main(args) == 0
    records = [json.loads(x) for x in Path(out, "runs.jsonl").read_text().splitlines()]
    specs = {(r["specialist"], r["pretrain_tokens"], r["special_tokens"])
             for r in records if r["kind"] == "spec"}  # fmt: skip
    assert specs == {("kjv-bible", 2_048, 1_024), ("python-docs", 2_048, 512)}
    [extra] = {r["extra_tokens"] for r in records if r["kind"] == "no_split"}
    assert extra == 1_536  # the same extra compute as the two specialists together


def test_budgets_that_whole_steps_change_are_named():
    from splitlib.train.resolve import Budget, rounding_note

    # 16 x 128 = 2,048 tokens a step: 20k trains 20,480 (+2.4%, not named), 5k trains 4,096,
    # 6,144 is three steps exactly
    budget = Budget([20_000], {"bible": [5_000, 6_144], "recipes": [6_144, 9_000]})
    assert rounding_note(budget, 16, 128) == (
        "note: token budgets are trained in whole optimizer steps of 2,048 tokens (--batch-seqs "
        "16 x --seq-len 128): D'[bible] 5,000 -> 4,096 (-18%); D'[recipes] 9,000 -> 8,192 "
        "(-9%). Give multiples of 2,048, or a smaller --batch-seqs, to train what you asked."
    )
    assert rounding_note(Budget([20_480], {"bible": [4_096]}), 16, 128) is None
