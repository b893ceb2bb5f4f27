"""Shared fixtures: one local SparkSession, a moto S3 endpoint, committed split runs on real text.

S3 settings are put in the environment at import time, before any JVM or Python
worker starts, so Spark tasks see the same endpoint and credentials as the driver.
"""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest
from helpers import TFIDF, subset, write_jsonl


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


S3_PORT = _free_port()
os.environ.update(
    SPARK_LOCAL_IP="127.0.0.1",
    SPLITLIB_S3_ENDPOINT_URL=f"http://127.0.0.1:{S3_PORT}",
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    # one retry, not botocore's default four with backoff: the S3 outage test waits for
    # every call to a stopped server to give up (measured: 33 s with the default, 4 s with 1)
    AWS_MAX_ATTEMPTS="2",
    HF_HUB_OFFLINE="1",
    TRANSFORMERS_OFFLINE="1",
)
os.environ.setdefault("SPLITLIB_JAVA_OPTIONS", "-XX:TieredStopAtLevel=1")


@pytest.fixture(scope="session")
def spark():
    from jobs.session import get_spark
    from splitlib.config import SparkConfig

    # local[2,2]: a failed task is retried once, as on a cluster (the fault-injection tests)
    session = get_spark(
        SparkConfig(master="local[2,2]", conf={"spark.sql.shuffle.partitions": "4"})
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on 127.0.0.1 (tests that stop it mid-run start it again)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=S3_PORT, verbose=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_endpoint(s3_server):
    """A real S3 endpoint (moto's server) on 127.0.0.1."""
    return os.environ["SPLITLIB_S3_ENDPOINT_URL"]


def built_once(tmp_path_factory, name: str, build) -> Path:
    """A folder that `build(folder)` fills once per test session, also across pytest-xdist
    workers: the first worker to ask builds it under a file lock and the others wait, then
    read it (the pattern of xdist's docs). The runs are read-only for the tests that use
    them, so sharing is safe, and the second worker gets both cores instead of building the
    same run at the same time (measured in the last CI log: about 100 s of CPU per run)."""
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # shared by the session's workers
    folder, done = base / name, base / f"{name}.built"
    with FileLock(str(base / f"{name}.lock")):
        if not done.exists():
            folder.mkdir(exist_ok=True)
            build(folder)
            done.touch()
    return folder


@pytest.fixture(scope="session")
def bundled_run(spark, tmp_path_factory):
    """The whole job on the bundled corpus with default settings (k-means, K = 7), but the
    domains fitted on tf-idf alone: auto's embedding of 3,000 documents would add about a
    minute and a half to every test session (the auto job has its own test)."""
    from jobs.pipeline import run_split
    from splitlib.config import build

    def split(folder: Path) -> None:
        run_split(build(overrides=[f"out={folder / 'run'}", TFIDF]), spark=spark)

    out = built_once(tmp_path_factory, "bundled", split) / "run"
    return str(out), json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="session")
def split_run(spark, tmp_path_factory) -> str:
    """A small committed run for training: three sources as labeled domains, 1,024-token vocabulary."""
    from jobs.pipeline import run_split
    from splitlib.config import build

    def split(folder: Path) -> None:
        corpus = write_jsonl(
            folder / "corpus.jsonl",
            subset(600, ("kjv-bible", "python-docs", "wikibooks-recipes")),
        )
        cfg = build(
            overrides=[
                f"input.path={corpus}",
                f"out={folder / 'run'}",
                "input.label_field=source",
                "features.vocab_size=1024",
                "select.valid_fraction=0.1",
            ]
        )
        run_split(cfg, spark=spark)

    return str(built_once(tmp_path_factory, "train-corpus", split) / "run")


# `make test` runs the suite in two pytest-xdist workers (`-n 2 --dist loadfile
# --no-loadscope-reorder`): a third of the two cores sits idle in a serial run (JVM start-up,
# subprocesses, one-thread training). A file goes to one worker, so its module fixtures are
# built once, and a worker takes the next file in this order as it runs out of work: the
# longest files first, so that neither worker is left with a long file at the end (a long
# file last left one worker idle for 40-50 s). The seconds are each file's setup and calls in
# three CI runs on 2026-11-30 (`--durations=0`), rounded; unlisted files take under 10 s and
# keep their order. The session's committed runs (bundled_run, split_run) are built once for
# both workers (`built_once`): the cluster test, first, builds the bundled run while the other
# worker runs the Airflow chain, so no file waits for it. xdist's `loadgroup` could not pin
# files to a worker instead: with this pytest it ignores its groups (measured).
SECONDS = {
    "tests/split/test_split_cluster.py": 306,
    "tests/deploy/test_airflow_dag.py": 300,
    "tests/split/test_split_selection.py": 111,
    "tests/experiment/test_experiment.py": 91,
    "tests/reliability/test_reliability_scratch.py": 80,
    "tests/reliability/test_reliability_faults.py": 71,
    "tests/split/test_multilingual.py": 58,
    "tests/train/test_train_resume.py": 52,
    "tests/split/test_domain_fit.py": 49,
    "tests/split/test_split_determinism.py": 47,
    "tests/train/test_train_ddp.py": 39,
    "tests/split/test_split_job.py": 43,
    "tests/split/test_split_s3.py": 27,
    "tests/split/test_split_plan.py": 23,
    "tests/reliability/test_reliability_artefacts.py": 23,
    "tests/train/test_train_run.py": 23,
    "tests/split/test_split_quarantine.py": 21,
    "tests/deploy/test_deploy_lint.py": 20,
    "tests/split/test_split_progress.py": 19,
    "tests/reliability/test_reliability_output.py": 19,
    "tests/reliability/test_reliability_job.py": 19,
    "tests/train/test_train_cli.py": 18,
    "tests/split/test_split_user_errors.py": 10,
}


def pytest_collection_modifyitems(config, items):
    root = config.rootpath

    def order(item) -> int:
        return -SECONDS.get(str(item.path.relative_to(root)), 0)

    items.sort(key=order)  # stable: the order within a file stays the file's
