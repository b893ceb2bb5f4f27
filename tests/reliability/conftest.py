"""Fixtures of the reliability tests: one small real corpus and one clean committed run of it."""

from __future__ import annotations

import pytest
from helpers import subset, write_jsonl
from rel_helpers import SOURCES3, split_config


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> str:
    """180 real documents from three sources (JSONL)."""
    folder = tmp_path_factory.mktemp("reliability-corpus")
    return write_jsonl(folder / "corpus.jsonl", subset(60, SOURCES3))


@pytest.fixture(scope="session")
def clean_run(spark, small_corpus, tmp_path_factory) -> tuple[str, dict]:
    """The split of `small_corpus` with nothing going wrong: what every faulty run must equal."""
    from jobs.pipeline import run_split

    out = str(tmp_path_factory.mktemp("reliability-clean") / "run")
    return out, run_split(split_config(small_corpus, out), spark=spark)
