"""`splitlib run` with a fitted law and a budget writes the compute plan into the manifest."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import subset, write_jsonl

pytestmark = pytest.mark.slow

RUNS = Path(__file__).resolve().parents[1] / "data" / "tiny-sweep-runs.jsonl"


def test_run_with_a_law_writes_the_plan(spark, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.config import build

    law = tmp_path / "law.json"
    fit = subprocess.run(
        [
            sys.executable,
            "-m",
            "splitlib.cli",
            "fit",
            str(RUNS),
            "--form",
            "interaction",
            "--bootstrap",
            "0",
            "--no-plots",
            "--out",
            str(law),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert fit.returncode == 0, fit.stderr
    corpus = write_jsonl(
        tmp_path / "c.jsonl", subset(60, ("kjv-bible", "python-docs", "wikibooks-recipes"))
    )
    out = tmp_path / "run"
    manifest = run_split(
        build(
            overrides=[
                f"input.path={corpus}",
                f"out={out}",
                "input.label_field=source",
                "features.vocab_size=512",
                f"plan.law={law}",
                "plan.params=3.2e6",
                "plan.tokens=2e5",
            ]
        ),
        spark=spark,
    )
    plan = manifest["plan"]
    names = [d["name"] for d in manifest["domains"]]
    assert plan["form"] == "interaction"
    assert sorted(plan["special_tokens"]) == names
    # the budget is spent exactly: D + sum of D'_k = the token budget
    assert plan["pretrain_tokens"] + sum(plan["special_tokens"].values()) == pytest.approx(
        2e5, rel=1e-6
    )
    for d in manifest["domains"]:
        assert plan["special_tokens"][d["name"]] <= 4 * d["train_tokens"]  # max_repeats
    assert (
        plan["predicted_mean_loss"] <= plan["baselines"]["no_split"]["predicted_mean_loss"] + 1e-9
    )
    html = (out / "report.html").read_text()
    assert "Compute plan" in html and html.count("data:image/png;base64,") >= 4
    assert json.loads((out / "manifest.json").read_text())["plan"] == plan
