"""Faults in storage: an S3 outage in the middle of the write commits nothing, and the rerun
commits what a clean run does. (Failing Spark tasks: test_reliability_output.py, where the
rerun after a crash runs with half its tasks failing once.)"""

from __future__ import annotations

import threading
import time

import pytest
from rel_helpers import comparable, outputs, split_config

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


def _keys(s3, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


@pytest.mark.s3
def test_an_s3_outage_mid_write_commits_nothing_and_the_rerun_commits_clean(
    spark, s3_server, s3_endpoint, clean_run, small_corpus
):
    import boto3

    from jobs.pipeline import run_split
    from splitlib.errors import UserError

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="outage")
    cfg = split_config(small_corpus, "s3://outage/run")
    failure: list[BaseException] = []

    def job() -> None:
        try:
            run_split(cfg, spark=spark)
        except BaseException as err:  # handed to the test thread
            failure.append(err)

    worker = threading.Thread(target=job)
    worker.start()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and worker.is_alive():
        if any(k.endswith(".parquet") for k in _keys(s3, "outage")):
            break  # the first shard is on S3: the write stage is under way
        time.sleep(0.05)
    s3_server.stop()
    try:
        worker.join(timeout=300)
    finally:
        s3_server.start()
    assert not worker.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], UserError), failure
    assert "stopped answering" in str(failure[0]) and "nothing was committed" in str(failure[0])
    assert "run/manifest.json" not in _keys(s3, "outage")

    manifest = run_split(cfg, spark=spark)  # the store is back: the same command
    assert outputs(manifest) == outputs(clean_run[1])
    assert comparable(manifest) == comparable(clean_run[1])
    keys = set(_keys(s3, "outage"))
    assert not any("/_attempts/" in k for k in keys)
    assert {f"run/{p}" for p in outputs(manifest)} <= keys
