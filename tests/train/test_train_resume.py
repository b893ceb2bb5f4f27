"""Interrupt a training (SIGTERM, as a cluster does before preemption), then --resume:
the models and records are exactly those of an uninterrupted run."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from helpers import TINY_MODEL
from safetensors.torch import load_file

from splitlib.cli import main

ARGS = [
    *TINY_MODEL,
    "--eval-tokens",
    "2k",
    "--pretrain-tokens",
    "24k",
    "--special-tokens",
    "6k",
    "--domains",
    "kjv-bible,python-docs",
    "--log-every",
    "5",
]
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def _without_wall(path):
    lines = Path(path).read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k != "wall_s"} for line in lines]


def _finals(out):
    root = os.path.join(out, "checkpoints")
    return {
        name: load_file(os.path.join(root, name, "final", "model.safetensors"))
        for name in sorted(os.listdir(root))
        if os.path.exists(os.path.join(root, name, "final", "state.json"))
    }


@pytest.mark.slow
def test_interrupt_then_resume_gives_the_uninterrupted_weights(split_run, tmp_path):
    reference, resumed = str(tmp_path / "reference"), str(tmp_path / "resumed")
    assert main(["train", *ARGS, "--manifest", split_run, "--out", reference]) == 0

    command = [
        sys.executable,
        "-m",
        "splitlib.train",
        *ARGS,
        "--manifest",
        split_run,
        "--out",
        resumed,
    ]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=ENV)
    for line in proc.stderr:  # stop in the middle of the seed's stable phase
        if line.startswith("[seed] step 15/"):
            proc.send_signal(signal.SIGTERM)
            break
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) == 130
    assert "rerun the same command with --resume" in rest
    checkpoints = os.listdir(os.path.join(resumed, "checkpoints", "seed"))
    assert len(checkpoints) == 1 and checkpoints[0].startswith("step-")
    assert not os.path.exists(os.path.join(resumed, "runs.jsonl"))

    subprocess.run([*command, "--resume"], env=ENV, check=True, capture_output=True, timeout=300)

    ours, theirs = _finals(resumed), _finals(reference)
    assert list(ours) == list(theirs) and len(ours) == 4  # seed decay, no-split, 2 specialists
    for name in ours:
        assert all(torch.equal(ours[name][k], theirs[name][k]) for k in theirs[name]), name
    assert _without_wall(f"{resumed}/runs.jsonl") == _without_wall(f"{reference}/runs.jsonl")


@pytest.mark.slow
def test_resume_of_a_finished_run_trains_nothing_and_keeps_records(split_run, tmp_path, capsys):
    out = str(tmp_path / "run")
    args = ["train", *ARGS, "--domains", "kjv-bible", "--manifest", split_run, "--out", out]
    # --resume where nothing ran yet starts the run, and says so (a scheduler may always pass it)
    assert main([*args, "--resume"]) == 0
    note = f"note: --resume: no run in {out!r} to resume; starting one."
    assert note in capsys.readouterr().err.splitlines()
    before = Path(f"{out}/runs.jsonl").read_text()
    assert main([*args, "--resume"]) == 0
    err = capsys.readouterr().err
    assert not re.search(r"\] step \d+/", err) and note not in err  # no training step ran
    assert Path(f"{out}/runs.jsonl").read_text() == before
    # a resume that changes the training is refused, not silently mixed
    assert main([*args, "--resume", "--lr", "0.001"]) == 2
    assert "--resume with different settings" in capsys.readouterr().err
