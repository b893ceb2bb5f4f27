"""`splitlib sweep`: one seed trunk per (size, seed) serves every D; records for the grid."""

import json
import os
from pathlib import Path

import pytest
from helpers import TINY_STEPS

from splitlib.cli import main


@pytest.mark.slow
def test_sweep_reuses_one_seed_run_per_size_and_seed(split_run, tmp_path, capsys):
    out = str(tmp_path / "sweep")
    args = [
        "sweep",
        "--manifest",
        split_run,
        "--out",
        out,
        "--preset",
        "smoke",
        "--sizes",
        "10k",
        "--seeds",
        "0,1",
        "--tokens-per-param",
        "0.5,1",
        "--special-tokens",
        "1k",
        "--domains",
        "kjv-bible",
        *TINY_STEPS,
    ]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "a law fitted to this sweep is NOT identified: 1 sizes (< 4)" in err
    records = [json.loads(x) for x in Path(f"{out}/runs.jsonl").read_text().splitlines()]
    # D = 0.5 and 1 x 9,808 parameters, in whole steps of 128 tokens, each decayed by 20%
    seeds = {(r["seed"], r["pretrain_tokens"]) for r in records if r["kind"] == "seed_decay"}
    assert seeds == {(s, d) for s in (0, 1) for d in (4_864 + 1_024, 9_856 + 1_920)}
    specs = {
        (r["seed"], r["pretrain_tokens"], r["special_tokens"])
        for r in records
        if r["kind"] == "spec"
    }
    assert specs == {(s, d, 1_024) for s in (0, 1) for d in (4_864, 9_856)}
    for seed in (0, 1):  # one trunk with a branch point at each D (and each baseline)
        marks = sorted(os.listdir(f"{out}/10k-seed{seed}/checkpoints/seed"))
        assert marks == ["mark-00000038", "mark-00000044", "mark-00000077", "mark-00000083"]
