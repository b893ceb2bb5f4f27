"""Two processes under torchrun (gloo on CPU) train the same models as one process:
each reads the whole global batch and keeps its rows, and DDP sums the gradients."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import TINY_MODEL

from splitlib.cli import main

ARGS = [
    *TINY_MODEL,
    "--eval-tokens",
    "2k",
    "--pretrain-tokens",
    "16k",
    "--special-tokens",
    "4k",
    "--domains",
    "kjv-bible,wikibooks-recipes",
    "--log-every",
    "1000",
]


@pytest.mark.slow
def test_two_gloo_processes_match_one_process(split_run, tmp_path):
    single, double = str(tmp_path / "single"), str(tmp_path / "double")
    assert main(["train", *ARGS, "--manifest", split_run, "--out", single]) == 0
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "splitlib.train",
            *ARGS,
            "--manifest",
            split_run,
            "--out",
            double,
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )
    one = [json.loads(line) for line in Path(f"{single}/runs.jsonl").read_text().splitlines()]
    two = [json.loads(line) for line in Path(f"{double}/runs.jsonl").read_text().splitlines()]
    assert [(r["kind"], r["domain"]) for r in one] == [(r["kind"], r["domain"]) for r in two]
    assert len(one) >= 10
    for a, b in zip(one, two, strict=True):
        assert b["loss"] == pytest.approx(a["loss"], abs=1e-4), (a["kind"], a["domain"])
    assert json.loads(Path(f"{double}/config.json").read_text())["processes"] == 2
