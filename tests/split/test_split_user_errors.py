"""Errors a user can cause end in one clear message, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import subset, write_jsonl


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "splitlib.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def assert_one_clear_error(result: subprocess.CompletedProcess, *phrases: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("splitlib")]
    assert len(lines) == 1, result.stderr
    for phrase in phrases:
        assert phrase in lines[0], lines[0]


def test_missing_input(tmp_path):
    result = run_cli(
        "run", "--input", str(tmp_path / "nowhere.jsonl"), "--out", str(tmp_path / "o")
    )
    assert_one_clear_error(result, "input not found", "--input")


def test_bad_config_key(tmp_path):
    result = run_cli("run", "--set", "domains.kk=3", "--out", str(tmp_path / "o"))
    assert_one_clear_error(result, "unknown config key 'domains.kk'", "domains.k")


def test_bad_config_value(tmp_path):
    result = run_cli("run", "--set", "features.vocab_size=lots", "--out", str(tmp_path / "o"))
    assert_one_clear_error(result, "features.vocab_size must be int")


def test_bad_config_file(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[domains]\nk = \n")
    assert_one_clear_error(run_cli("run", "--config", str(path)), "not valid TOML")


def test_unwritable_output(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    corpus = write_jsonl(tmp_path / "c.jsonl", subset(2))
    result = run_cli("run", "--input", corpus, "--out", str(blocker / "run"))
    assert_one_clear_error(result, "cannot write to output")


@pytest.mark.slow
def test_java_missing(tmp_path):
    corpus = write_jsonl(tmp_path / "c.jsonl", subset(2))
    env = {"JAVA_HOME": str(tmp_path / "no-java"), "PATH": os.path.dirname(sys.executable)}
    result = run_cli("run", "--input", corpus, "--out", str(tmp_path / "o"), env=env)
    assert_one_clear_error(result, "Java was not found", "JAVA_HOME")


def test_reading_an_uncommitted_run_is_refused(tmp_path):
    from splitlib.errors import UserError
    from splitlib.manifest import read_manifest

    with pytest.raises(UserError, match="not a committed split run"):
        read_manifest(str(tmp_path))
