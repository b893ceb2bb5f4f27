"""Output safety: splitlib deletes only what a splitlib run wrote, refuses any other --out
with one line and nothing touched, and commits by writing the manifest last, atomically."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
from rel_helpers import comparable, outputs, snapshot, split_config

pytestmark = pytest.mark.reliability


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "splitlib.cli", *args], capture_output=True, text=True, timeout=300
    )


def one_error_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("splitlib")]
    assert len(lines) == 1, stderr
    return lines[0]


def refused(cfg, match: str, overwrite: bool = False) -> None:
    from jobs.pipeline import run_split
    from splitlib.errors import UserError

    with pytest.raises(UserError, match=match):
        run_split(cfg, overwrite=overwrite)  # refused before any Spark work


def test_out_that_holds_the_input_is_refused_and_the_input_kept(small_corpus, tmp_path):
    # the reproduction: `splitlib run --input X/data --out X` deleted X/data/corpus.jsonl
    data = tmp_path / "X" / "data"
    data.mkdir(parents=True)
    shutil.copy(small_corpus, data / "corpus.jsonl")
    before = snapshot(tmp_path / "X")
    result = run_cli("run", "--input", str(data), "--out", str(tmp_path / "X"), "--k", "3")
    assert result.returncode == 2
    assert "overlaps the input" in one_error_line(result.stderr)
    assert snapshot(tmp_path / "X") == before


def test_out_inside_the_input_is_refused(small_corpus, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(small_corpus, data / "corpus.jsonl")
    refused(split_config(str(data), str(data / "out")), "overlaps the input")
    assert os.listdir(data) == ["corpus.jsonl"]


def test_home_and_filesystem_roots_are_refused(small_corpus, tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / "data").mkdir(parents=True)
    (home / "data" / "thesis.txt").write_text("a year of work")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(home)
    refused(split_config(small_corpus, "~"), "home root")
    refused(split_config(small_corpus, str(home)), "home root")
    assert snapshot(home) == before
    from splitlib.errors import UserError
    from splitlib.ownership import check_location

    for root in ("/", "file:///", "s3://bucket", "s3://bucket/"):
        with pytest.raises(UserError, match="root"):
            check_location(root, [])


@pytest.mark.parametrize("overwrite", [False, True])
def test_a_folder_splitlib_did_not_write_is_refused_untouched(small_corpus, tmp_path, overwrite):
    # the reproduction: a first run removed data/, docs/, ... and report.html
    out = tmp_path / "mine"
    for rel in ("data/notes.txt", "docs/plan.md", "quarantine/q", "domains/d", "tokenizer/t"):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    (out / "report.html").write_text("<p>my report</p>")
    before = snapshot(out)
    refused(split_config(small_corpus, str(out)), "splitlib did not write", overwrite)
    assert snapshot(out) == before


def test_overwrite_never_deletes_a_user_file_inside_a_run(clean_run, small_corpus, tmp_path):
    # the reproduction: --overwrite removed whole subfolders, user files included
    out = tmp_path / "run"
    shutil.copytree(clean_run[0], out)
    (out / "data" / "mixture" / "my-notes.txt").write_text("do not lose me")
    before = snapshot(out)
    refused(split_config(small_corpus, str(out)), "no splitlib run wrote", overwrite=True)
    assert snapshot(out) == before
    refused(split_config(small_corpus, str(out)), "already holds a committed run")
    assert snapshot(out) == before


def test_a_rerun_after_a_crash_with_tasks_failing_reuses_nothing_and_commits_clean(
    spark, clean_run, small_corpus, tmp_path
):
    """The state a job killed in the middle of its commit leaves; the rerun, with half its
    read and write tasks failing once (Spark retries them), commits a clean run's bytes."""
    from jobs.pipeline import run_split
    from splitlib.ownership import ATTEMPTS, MARKER
    from udfs.faults import inject

    out = tmp_path / "run"
    shutil.copytree(clean_run[0], out)
    (out / "manifest.json").unlink()  # uncommitted, as the run that died had made it
    ghost = out / "data" / "domain=ghost" / "part-00000.parquet"  # moved before the kill
    ghost.parent.mkdir(parents=True)
    ghost.write_bytes(b"half a shard")
    dead = out / ATTEMPTS / "dead00000000" / "data" / "mixture" / "part-00000.parquet"
    dead.parent.mkdir(parents=True)
    dead.write_bytes(b"garbage the dead attempt left")
    moving = sorted(set(snapshot(out)) - {MARKER})  # what the marker names before a move
    (out / MARKER).write_text(json.dumps({"written_by": "splitlib", "moving": moving}))
    log = tmp_path / "faults"
    log.mkdir()
    with inject(spark, 0.5, str(log)):
        manifest = run_split(split_config(small_corpus, str(out)), spark=spark)
    injected = os.listdir(log)
    assert any(n.startswith("read-") for n in injected), injected
    assert any(n.startswith("write-") for n in injected), injected
    assert outputs(manifest) == outputs(clean_run[1])
    assert comparable(manifest) == comparable(clean_run[1])
    files = set(snapshot(out)) - {"progress.json"}  # splitlib.progress's, when it writes one
    assert files == set(outputs(manifest)) | {MARKER, "manifest.json", "report.html"}
    assert json.loads((out / MARKER).read_text())["moving"] == []


def test_the_manifest_is_replaced_atomically(tmp_path):
    from splitlib.manifest import read_manifest, write_manifest

    write_manifest(str(tmp_path), {"counts": {"read": 1}})
    write_manifest(str(tmp_path), {"counts": {"read": 2}})
    assert os.listdir(tmp_path) == ["manifest.json"]  # no temporary file left behind
    assert read_manifest(str(tmp_path))["counts"] == {"read": 2}
