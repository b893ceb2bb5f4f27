"""Training from a split on S3 and writing checkpoints and records to S3 (moto's server)."""

import json

import boto3
import pytest
from helpers import TINY_STEPS

from splitlib import storage
from splitlib.cli import main

ARGS = [
    "--model",
    "10k",
    *TINY_STEPS,
    "--pretrain-tokens",
    "2k",
    "--special-tokens",
    "512",
    "--domains",
    "kjv-bible",
]


@pytest.mark.s3
@pytest.mark.slow
def test_train_reads_and_writes_s3(split_run, s3_endpoint, capsys):
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket="splitlib-train")
    fs, _ = storage.filesystem("s3://splitlib-train/")
    fs.put(split_run.rstrip("/") + "/", "splitlib-train/split/", recursive=True)
    split, out = "s3://splitlib-train/split", "s3://splitlib-train/train"

    assert main(["train", *ARGS, "--manifest", split, "--out", out]) == 0
    records = [json.loads(x) for x in storage.read_bytes(f"{out}/runs.jsonl").decode().splitlines()]
    assert {r["kind"] for r in records} >= {"seed_decay", "spec", "no_split"}
    final = f"{out}/checkpoints/spec-kjv-bible-D2048-S512/final"
    assert storage.exists(f"{final}/model.safetensors") and storage.exists(f"{final}/state.json")
    marks = fs.ls("splitlib-train/train/checkpoints/seed", detail=False)
    assert sorted(m.rsplit("/", 1)[1] for m in marks) == [
        "mark-00000016",
        "mark-00000019",
    ]  # D; D + E - decay

    capsys.readouterr()
    assert main(["train", *ARGS, "--manifest", split, "--out", out, "--resume"]) == 0
    assert "step" not in capsys.readouterr().err.split("parameters")[1].split("validation")[0]
