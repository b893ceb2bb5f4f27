"""Helpers for tests that need real text: subsets of the bundled corpus as JSONL files."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def _bundled() -> tuple[str, ...]:
    from splitlib.corpus import bundled_corpus_path

    with gzip.open(bundled_corpus_path(), "rt", encoding="utf-8") as f:
        return tuple(f)


# the test jobs that fit domains fit them on tf-idf: the default, auto, also embeds up to
# 3,000 documents with MiniLM, a minute or more per job on two cores (auto's tests set it)
TFIDF = "domains.features=tfidf"
# the smallest model and batch the training tests use: seconds per run on one CPU thread
TINY_MODEL = ["--model", "30k", "--seq-len", "64", "--batch-seqs", "8", "--threads", "1"]
# short sequences, small batches, a small evaluation and no step logging: the fastest runs
TINY_STEPS = [
    "--seq-len",
    "32",
    "--batch-seqs",
    "4",
    "--threads",
    "1",
    "--eval-tokens",
    "1k",
    "--log-every",
    "1000",
]


def bundled_records() -> list[dict]:
    return [json.loads(line) for line in _bundled()]


def write_jsonl(path, records: list[dict]) -> str:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    return str(path)


def subset(per_source: int, sources: tuple[str, ...] | None = None) -> list[dict]:
    """The first `per_source` bundled documents of each source (the file order is already mixed)."""
    taken: dict[str, int] = {}
    out = []
    for r in bundled_records():
        if sources and r["source"] not in sources:
            continue
        if taken.get(r["source"], 0) < per_source:
            taken[r["source"]] = taken.get(r["source"], 0) + 1
            out.append(r)
    return out


def tool_venv(venv: Path, requirements: list[str], key: str) -> Path:
    """The bin/ of a virtual environment of its own for a tool whose dependencies clash with
    splitlib's (Airflow, checkov), built once per `key` (the requirements' text). uv, which
    `make setup` installs, builds it in seconds where pip takes minutes; pip when uv is absent.
    uv runs without its cache: it keeps every build of an sdist such as pyspark-client there,
    about 1 GB a run, and repeated runs on one machine filled its disk."""
    stamp = venv / ".installed"
    if stamp.exists() and stamp.read_text() == key:
        return venv / "bin"
    if venv.exists() and not (venv / "pyvenv.cfg").exists():
        raise RuntimeError(f"{venv} exists and is not a virtual environment: move it away")
    shutil.rmtree(venv, ignore_errors=True)  # a stale or half-built environment of a test's own
    base = getattr(sys, "_base_executable", sys.executable)
    uv = Path(sys.executable).parent / "uv"
    if uv.exists():
        subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = str(venv / "bin" / "python")
        subprocess.run(
            [str(uv), "pip", "install", "-q", "--no-cache", "--python", python, *requirements],
            check=True,
        )
    else:
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
        pip = [str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check"]
        subprocess.run([*pip, *requirements], check=True)
    stamp.write_text(key)
    return venv / "bin"
