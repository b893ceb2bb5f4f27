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
