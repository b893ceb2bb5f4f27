"""Every artefact checksummed and checked: `route` and `train` refuse a tokenizer or router
file that does not match the manifest's SHA-256, or a corrupt manifest, with one line; a
failed training start does not block the same command; a corrupted checkpoint is refused."""

from __future__ import annotations

import json
import re
import shutil
import socket
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


@pytest.mark.parametrize(
    "command",
    [
        ["route", "x", "--run"],
        ["domains", "--run"],
        ["report"],
        ["plan", "--params", "1e6", "--tokens", "1e6", "--law", "law.json", "--manifest"],
        ["train", "--out", "t", *TRAIN, "--manifest"],
    ],
)
def test_a_file_given_as_the_run_is_one_line(capsys, clean_run, command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # plan's missing law.json is checked after the manifest
    report = str(Path(clean_run[0]) / "report.html")
    code, lines = cli(capsys, *command, report)
    assert code == 2
    assert lines == [
        f"splitlib {command[0]}: error: {report!r} is a file, not a split run: point at the "
        "run root, the folder that holds manifest.json."
    ]


def test_route_says_when_a_text_has_no_word_of_any_domain(capsys, run, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("\ufeffIn the beginning\tGod created\n\n!!!\n", encoding="utf-8")
    assert main(["route", str(texts), "--run", str(run)]) == 0
    rows = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    # one line per input line, blank ones too; the tab inside the text does not cut its line
    assert [row[3] for row in rows] == ["In the beginning God created", "", "!!!"]
    assert rows[0][0] != "(none)" and float(rows[0][1]) > 0
    assert [row[:3] for row in rows[1:]] == [["(none)", "0.000", "0.000"]] * 2
    assert main(["route", "--json", "...", "--run", str(run)]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "domain": None, "score": 0.0, "margin": 0.0,
        "note": "no word of the text weighs in any domain", "text": "...",
    }  # fmt: skip


def test_route_refuses_text_that_is_not_utf8(capsys, run, tmp_path):
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("ok\ncaf\xe9\n".encode("latin-1"))
    code, lines = cli(capsys, "route", str(latin), "--run", str(run))
    assert (code, lines) == (2, [
        f"splitlib route: error: {str(latin)!r} is not UTF-8 text (line 2, byte 6): convert "
        "it (e.g. `iconv -f latin1 -t utf-8`), or give a text file."])  # fmt: skip
    argv = b"caf\xe9".decode("utf-8", "surrogateescape")  # how Python hands such bytes over
    code, lines = cli(capsys, "route", argv, "--run", str(run))
    assert (code, lines) == (2, [
        "splitlib route: error: text 1 of the command line is not UTF-8: convert it (e.g. "
        "with iconv)."])  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_store_without_credentials_or_not_answering_is_one_line(capsys, monkeypatch):
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # ports nothing listens on: a new endpoint each, so no filesystem cached with other keys
    monkeypatch.setenv("SPLITLIB_S3_ENDPOINT_URL", f"http://127.0.0.1:{_free_port()}")
    code, lines = cli(capsys, "domains", "--run", "s3://bucket/run")
    assert (code, lines) == (2, [
        "splitlib domains: error: no credentials for object storage (NoCredentialsError): set "
        "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), and "
        "SPLITLIB_S3_ENDPOINT_URL for a store other than AWS S3, then rerun the same command."])  # fmt: skip
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    port = _free_port()
    monkeypatch.setenv("SPLITLIB_S3_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    code, lines = cli(capsys, "route", "x", "--run", "s3://bucket/run")
    assert code == 2 and len(lines) == 1
    assert lines[0].startswith("splitlib route: error: the storage did not answer (Could not "
                               f'connect to the endpoint URL: "http://127.0.0.1:{port}/')  # fmt: skip
    assert lines[0].endswith("check the endpoint (SPLITLIB_S3_ENDPOINT_URL) and the network, "
                             "then rerun the same command.")  # fmt: skip


def test_a_permission_error_is_one_line():
    from splitlib.errors import storage_problem

    denied = PermissionError(13, "Permission denied", "/srv/corpus/a.jsonl")
    assert storage_problem(denied) == (
        "permission denied for '/srv/corpus/a.jsonl': check who may read or write it, or use "
        "another path."
    )
    assert storage_problem(ValueError("a bug, not the store")) is None  # raised as it is


@pytest.mark.parametrize(
    ("state", "ago", "why"),
    [
        ("running", 2, "its job is still running, in stage featurize (pid 4242, progress.json)"),
        ("running", 600, "its job stopped in stage featurize without finishing: progress.json "
         "was last written N s ago (killed, or it lost its store)"),
        ("failed", 2, "its job failed in stage featurize and committed nothing (progress.json)"),
    ],
)  # fmt: skip
def test_a_run_without_manifest_says_what_its_progress_file_says(capsys, tmp_path, state, ago, why):
    from datetime import datetime, timedelta, timezone

    written = datetime.now(timezone.utc) - timedelta(seconds=ago)
    progress = {"job": "split", "state": state, "stage": "featurize", "pid": 4242,
                "updated": written.isoformat(timespec="seconds")}  # fmt: skip
    (tmp_path / "progress.json").write_text(json.dumps(progress))
    code, lines = cli(capsys, "domains", "--run", str(tmp_path))
    assert code == 2 and len(lines) == 1
    age = re.search(r"written (\d+) s ago", lines[0])  # the clock ticks on while it reads
    assert (age is None) == (ago < 60) and (age is None or ago <= int(age[1]) <= ago + 2)
    assert re.sub(r"written \d+ s ago", "written N s ago", lines[0]) == (
        f"splitlib domains: error: no manifest.json at {str(tmp_path / 'manifest.json')!r}: this "
        f"is not a committed split run ({why}). Run `splitlib run` first, or point at the run "
        "root that holds manifest.json."
    )
