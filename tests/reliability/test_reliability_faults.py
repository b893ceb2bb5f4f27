"""Faults in storage: an S3 outage in the middle of the write commits nothing, and the rerun
commits what a clean run does. (Failing Spark tasks: test_reliability_output.py, where the
rerun after a crash runs with half its tasks failing once.)"""

from __future__ import annotations

import io
import json
import socket
import threading
import time

import pytest
from rel_helpers import comparable, outputs, split_config

# a background thread that dies (the progress heartbeat on a store gone) fails the test
pytestmark = [
    pytest.mark.reliability,
    pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning"),
]


def _keys(s3, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [o["Key"] for page in pages for o in page.get("Contents", [])]


def _write_stage_started(spark) -> bool:
    """Whether the job has started a Spark job of its write stage (a cheap look, no S3 call)."""
    return bool(spark.sparkContext.statusTracker().getJobIdsForGroup("splitlib-split-write"))


@pytest.mark.s3
@pytest.mark.slow
def test_an_s3_outage_mid_write_commits_nothing_and_the_rerun_commits_clean(
    spark, s3_server, s3_endpoint, clean_run, small_corpus
):
    import boto3

    from jobs.pipeline import run_split
    from splitlib.errors import UserError

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="outage")
    # one partition: fewer tasks than the clean run's two (about 15% faster, measured), and the
    # output must still equal it byte for byte
    cfg = split_config(small_corpus, "s3://outage/run", "input.partitions=1")
    failure: list[BaseException] = []

    def job() -> None:
        try:
            run_split(cfg, spark=spark)
        except BaseException as err:  # handed to the test thread
            failure.append(err)

    worker = threading.Thread(target=job)
    worker.start()
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and worker.is_alive() and not _write_stage_started(spark):
        time.sleep(0.2)
    while time.monotonic() < deadline and worker.is_alive():
        if any(k.endswith(".parquet") for k in _keys(s3, "outage")):
            break  # the first shard is on S3: the write stage is under way
        time.sleep(0.05)
    assert worker.is_alive(), failure  # the outage comes in the middle of the write
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


@pytest.mark.s3
def test_the_progress_heartbeat_outlives_a_store_that_stops_answering(s3_endpoint, monkeypatch):
    """botocore's EndpointConnectionError is no OSError: it ended the heartbeat thread."""
    import boto3

    from splitlib.progress import Progress

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="heartbeat")
    said = io.StringIO()
    progress = Progress("split", stream=said, heartbeat=0.05)
    progress.publish("s3://heartbeat/run")
    with socket.socket() as probe:  # a port nothing listens on: the store is gone
        probe.bind(("127.0.0.1", 0))
        gone = f"http://127.0.0.1:{probe.getsockname()[1]}"
    monkeypatch.setenv("SPLITLIB_S3_ENDPOINT_URL", gone)
    deadline = time.monotonic() + 30
    while "progress file not updated" not in said.getvalue() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)  # several more failed beats
    assert progress._thread.is_alive()
    lines = said.getvalue().splitlines()
    assert len(lines) == 1 and "EndpointConnectionError" in lines[0], lines

    monkeypatch.setenv("SPLITLIB_S3_ENDPOINT_URL", s3_endpoint)  # the store is back
    back = time.perf_counter() - progress.started

    def elapsed() -> float:
        body = s3.get_object(Bucket="heartbeat", Key="run/progress.json")["Body"].read()
        return json.loads(body)["elapsed_s"]

    while elapsed() <= back + 0.1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert elapsed() > back + 0.1  # the heartbeat writes again
    progress.finish("committed")
    assert not progress._thread.is_alive()
    body = s3.get_object(Bucket="heartbeat", Key="run/progress.json")["Body"].read()
    assert json.loads(body)["state"] == "committed"
    assert len(said.getvalue().splitlines()) == 1
