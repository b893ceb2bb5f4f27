"""Shared fixtures: one local SparkSession, a moto S3 endpoint, committed split runs on real text.

S3 settings are put in the environment at import time, before any JVM or Python
worker starts, so Spark tasks see the same endpoint and credentials as the driver.
"""

from __future__ import annotations

import os
import socket

import pytest
from helpers import subset, write_jsonl


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


@pytest.fixture(scope="session")
def bundled_run(spark, tmp_path_factory):
    """The whole job on the bundled corpus with default settings (k-means, K = 7)."""
    from jobs.pipeline import run_split
    from splitlib.config import build

    out = str(tmp_path_factory.mktemp("bundled") / "run")
    manifest = run_split(build(overrides=[f"out={out}"]), spark=spark)
    return out, manifest


@pytest.fixture(scope="session")
def split_run(spark, tmp_path_factory) -> str:
    """A small committed run for training: three sources as labeled domains, 1,024-token vocabulary."""
    from jobs.pipeline import run_split
    from splitlib.config import build

    folder = tmp_path_factory.mktemp("train-corpus")
    corpus = write_jsonl(
        folder / "corpus.jsonl", subset(600, ("kjv-bible", "python-docs", "wikibooks-recipes"))
    )
    out = str(folder / "run")
    cfg = build(
        overrides=[
            f"input.path={corpus}",
            f"out={out}",
            "input.label_field=source",
            "features.vocab_size=1024",
            "select.valid_fraction=0.1",
        ]
    )
    run_split(cfg, spark=spark)
    return out


# `make test` runs the suite in two pytest-xdist workers (`-n 2 --dist loadfile
# --no-loadscope-reorder`): a third of the two cores sits idle in a serial run (JVM start-up,
# subprocesses, one-thread training). A file goes to one worker, so its module fixtures are
# built once. The longest files go first so that neither worker is left with a long tail.
# Three files use the bundled corpus's run; xdist hands a worker its next file only when it has
# at most 2 tests pending, so they do not always share a worker, and the run may be built
# twice (about 100 s of CPU). xdist's `loadgroup` would pin them, but with this pytest it
# ignores its groups (measured: every test was scheduled on its own).
FIRST = (
    "tests/split/test_split_cluster.py",
    "tests/deploy/test_airflow_dag.py",
    "tests/split/test_domain_fit.py",
)
LAST = ("tests/split/test_split_job.py",)


def pytest_collection_modifyitems(config, items):
    root = config.rootpath

    def order(item) -> int:
        path = str(item.path.relative_to(root))
        return FIRST.index(path) if path in FIRST else len(FIRST) + (path in LAST)

    items.sort(key=order)  # stable: the order within a file stays the file's
