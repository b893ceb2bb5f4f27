"""The same inputs and config give the same manifest and shards, whatever the partitioning."""

from __future__ import annotations

import pytest
from helpers import TFIDF, subset, write_jsonl

pytestmark = pytest.mark.slow


def test_one_and_four_partitions_give_identical_output(spark, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.config import build

    corpus = write_jsonl(tmp_path / "corpus.jsonl", subset(50))
    manifests = []
    for partitions in (1, 4):
        cfg = build(
            overrides=[
                f"input.path={corpus}",
                f"out={tmp_path / f'run{partitions}'}",
                "domains.k=7",
                f"input.partitions={partitions}",
                "input.split_bytes=200000",
                "features.vocab_size=1024",
                TFIDF,
            ]
        )
        manifests.append(run_split(cfg, spark=spark))
    one, four = manifests
    assert one["execution"]["partitions"] == 1 and four["execution"]["partitions"] == 4
    strip = lambda m: {k: v for k, v in m.items() if k not in ("execution", "config", "input_url")}  # noqa: E731
    assert strip(one) == strip(four)
    assert [s["sha256"] for s in one["shards"]] == [s["sha256"] for s in four["shards"]]
    assert one["counts"]["read"] == 7 * 50
