"""Every artefact checksummed and checked: `route` and `train` refuse a tokenizer or router
file that does not match the manifest's SHA-256, or a corrupt manifest, with one line; a
failed training start does not block the same command; a corrupted checkpoint is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from splitlib.cli import main

pytestmark = pytest.mark.reliability

TRAIN = ["--model", "10k", "--seq-len", "32", "--batch-seqs", "2", "--threads", "1",
         "--eval-tokens", "500", "--pretrain-tokens", "1k", "--special-tokens", "1k",
         "--log-every", "1000"]  # fmt: skip


def cli(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(list(args))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.splitlines() if line.startswith(f"splitlib {args[0]}")]


def flip(path: Path, at: int = 100) -> bytes:
    """Flip one byte of a file; returns the original bytes."""
    data = path.read_bytes()
    changed = bytearray(data)
    changed[min(at, len(data) - 1)] ^= 0xFF
    path.write_bytes(bytes(changed))
    return data


@pytest.fixture
def run(clean_run, tmp_path) -> Path:
    copy = tmp_path / "split"
    shutil.copytree(clean_run[0], copy)
    return copy


def test_the_manifest_lists_every_artefact_with_its_checksum(clean_run):
    import hashlib

    root, manifest = Path(clean_run[0]), clean_run[1]
    listed = {a["path"]: a for a in manifest["artefacts"]}
    assert sorted(listed) == [
        "domains/centroids.npy", "domains/idf.npy", "domains/relevance_hist.npy",
        "domains/router.json", "domains/token_counts.npy", "tokenizer/tokenizer.json",
    ]  # fmt: skip
    for path, entry in listed.items():
        data = (root / path).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())


def test_route_refuses_a_corrupted_router_file(capsys, run):
    assert cli(capsys, "route", "In the beginning God created", "--run", str(run))[0] == 0
    flip(run / "domains" / "centroids.npy", at=200)
    code, lines = cli(capsys, "route", "In the beginning God created", "--run", str(run))
    assert code == 2 and len(lines) == 1
    assert "centroids.npy" in lines[0] and "does not match its SHA-256" in lines[0]


def test_train_refuses_a_corrupted_tokenizer(capsys, run, tmp_path):
    flip(run / "tokenizer" / "tokenizer.json")
    code, lines = cli(capsys, "train", "--manifest", str(run), "--out", str(tmp_path / "t"), *TRAIN)
    assert code == 2 and len(lines) == 1
    assert "tokenizer.json" in lines[0] and "does not match its SHA-256" in lines[0]


@pytest.mark.parametrize("keep", [0, 1, 2000])
def test_a_corrupt_or_truncated_manifest_is_one_line(capsys, run, keep):
    manifest = run / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:keep] + (b"\xff" if keep == 1 else b""))
    code, lines = cli(capsys, "route", "some text", "--run", str(run))
    assert code == 2 and len(lines) == 1 and "corrupt or truncated" in lines[0]


def test_a_failed_start_does_not_block_the_same_command(capsys, run, tmp_path):
    # the reproduction: a train failing on a bad shard left config.json behind,
    # and the same command then refused without --resume
    shard = next((run / "data" / "mixture").glob("*.parquet"))
    original = flip(shard)
    args = ["train", "--manifest", str(run), "--out", str(tmp_path / "t"), *TRAIN]
    code, lines = cli(capsys, *args)
    assert code == 2 and "checksum mismatch for shard" in lines[0]
    shard.write_bytes(original)
    assert cli(capsys, *args) == (0, [])


def test_a_corrupted_checkpoint_is_refused_with_one_line(capsys, run, tmp_path):
    out = tmp_path / "t"
    args = ["train", "--manifest", str(run), "--out", str(out), *TRAIN]
    assert cli(capsys, *args)[0] == 0
    for final in (out / "checkpoints").glob("*/final"):
        shutil.rmtree(final)  # the branches must start again from the seed's marks
    marks = sorted((out / "checkpoints" / "seed").glob("mark-*"))
    assert marks
    for mark in marks:
        flip(mark / "model.safetensors", at=5000)
    code, lines = cli(capsys, *args, "--resume")
    assert code == 2 and len(lines) == 1
    assert "is corrupt" in lines[0] and "model.safetensors" in lines[0]


def test_a_checkpoint_with_a_truncated_state_is_refused(tmp_path):
    import torch

    from splitlib.errors import UserError
    from splitlib.train.checkpoint import load_checkpoint, save_checkpoint

    model = torch.nn.Linear(4, 4)
    save_checkpoint(str(tmp_path / "c"), model, {"step": 1})
    state = tmp_path / "c" / "state.json"
    state.write_bytes(state.read_bytes()[:10])
    with pytest.raises(UserError, match="state.json does not parse"):
        load_checkpoint(str(tmp_path / "c"), model)
