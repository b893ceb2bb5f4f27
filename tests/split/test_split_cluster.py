"""spark-submit to a real standalone cluster (a master and a worker on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import subset, write_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.cluster]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture
def standalone_cluster(tmp_path):
    import pyspark

    home = os.path.dirname(pyspark.__file__)
    spark_class = os.path.join(home, "bin", "spark-class")
    port, ui = _free_port(), _free_port()
    env = {
        **os.environ,
        "SPARK_HOME": home,
        "PYSPARK_PYTHON": sys.executable,
        "SPARK_LOG_DIR": str(tmp_path),
        "SPARK_WORKER_DIR": str(tmp_path / "work"),
    }
    master_log = (tmp_path / "master.log").open("w")  # noqa: SIM115 - open while the cluster runs
    worker_log = (tmp_path / "worker.log").open("w")  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.master.Master",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--webui-port",
                str(ui),
            ],
            env=env,
            stdout=master_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    ]
    _wait_for_port(port)
    master = f"spark://127.0.0.1:{port}"
    procs.append(
        subprocess.Popen(
            [
                spark_class,
                "org.apache.spark.deploy.worker.Worker",
                master,
                "--cores",
                "2",
                "--memory",
                "2g",
                "--webui-port",
                str(_free_port()),
            ],
            env=env,
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    )
    yield master, home, env, ui
    for p in procs:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(timeout=60)
    master_log.close()
    worker_log.close()


def test_spark_submit_on_a_standalone_cluster(standalone_cluster, tmp_path):
    master, home, env, ui = standalone_cluster
    corpus = write_jsonl(
        tmp_path / "c.jsonl", subset(40, ("kjv-bible", "python-docs", "wikibooks-recipes"))
    )
    out = tmp_path / "run"
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            os.path.join(home, "bin", "spark-submit"),
            "--master",
            master,
            "--conf",
            "spark.executor.memory=1g",
            "--conf",
            f"spark.pyspark.python={sys.executable}",
            str(root / "jobs" / "split.py"),
            "--input",
            corpus,
            "--out",
            str(out),
            "--k",
            "3",
            "--set",
            "features.vocab_size=512",
        ],
        env={**env, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["read"] == manifest["counts"]["kept"] == 120
    assert manifest["execution"]["spark"]["master"] is None  # the master came from spark-submit
    names = [d["name"] for d in manifest["domains"]]
    assert len(names) == 3 and "committed" in result.stdout
    # the application really ran on the cluster
    from urllib.request import urlopen

    state = json.loads(urlopen(f"http://127.0.0.1:{ui}/json/", timeout=30).read())
    assert [app["name"] for app in state["completedapps"]] == ["splitlib"]
    assert state["workers"][0]["state"] == "ALIVE"
