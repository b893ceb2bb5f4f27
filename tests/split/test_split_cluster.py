"""The split job on a real standalone cluster: a master and two workers on 127.0.0.1.

The job goes through deploy/submit.sh, whose packed environment is the only place the
executors find splitlib: their interpreter (spark.pyspark.python) comes from the archive,
and the workers' own Python has neither splitlib nor pyarrow. The committed output must equal
local mode's, also when a worker dies in the middle of the featurize stage.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

ROOT = Path(__file__).resolve().parents[2]
JIT = "-XX:TieredStopAtLevel=1"
# the interpreter the workers would run without the archive: the base of this venv
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


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


class Cluster:
    """A standalone master and workers, each in its own process group (stopped by pid)."""

    def __init__(self, folder: Path) -> None:
        import pyspark

        self.home = os.path.dirname(pyspark.__file__)
        self.folder = folder
        self.port, self.ui = _free_port(), _free_port()
        self.master = f"spark://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "SPARK_HOME": self.home,
            "PYSPARK_PYTHON": BASE_PYTHON,  # no splitlib, no pyarrow: shipping must supply them
            "SPARK_LOG_DIR": str(folder),
            "SPARK_DAEMON_JAVA_OPTS": JIT,  # the master and workers: short-lived here too
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self.jobs: list[subprocess.Popen] = []  # submitted applications (their drivers)
        self.logs = []

    def _start(self, name: str, *args: str) -> None:
        log = (self.folder / f"{name}.log").open("w")  # noqa: SIM115 - open while it runs
        self.logs.append(log)
        self.procs[name] = subprocess.Popen(
            [os.path.join(self.home, "bin", "spark-class"), *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self, workers: int) -> None:
        self._start(
            "master",
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(self.port), "--webui-port", str(self.ui)),
        )
        _wait_for_port(self.port)
        _wait_for_port(self.ui)
        for i in range(workers):
            self._start(
                f"worker{i}",
                "org.apache.spark.deploy.worker.Worker",
                self.master,
                *("--cores", "1", "--memory", "1500m", "--webui-port", str(_free_port())),
                *("--work-dir", str(self.folder / f"work{i}")),
            )
        deadline = time.time() + 120
        while True:
            try:
                if len(self.state()["workers"]) == workers:
                    break
            except URLError:  # the web UI answers a little after the master's port
                pass
            assert time.time() < deadline, "the workers did not register"
            time.sleep(0.5)

    def state(self) -> dict:
        return json.loads(urlopen(f"http://127.0.0.1:{self.ui}/json/", timeout=30).read())

    def kill(self, name: str) -> None:
        """The worker, its executor and their Python workers die at once, as with a lost node."""
        os.killpg(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=60)

    def stop(self) -> None:
        for proc in [*self.jobs, *self.procs.values()]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=60)
        for log in self.logs:
            log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    running = Cluster(folder)
    try:
        running.start(workers=2)
        yield running
    finally:
        running.stop()


def submit(cluster: Cluster, config: Path, *args: str) -> tuple[subprocess.Popen, Path]:
    """deploy/submit.sh, the way a user runs it, against the cluster's master."""
    env = {
        **cluster.env,
        "SPLITLIB_PYTHON": sys.executable,
        # the executors' JVMs start as fast as the driver's (SPLITLIB_JAVA_OPTIONS): the job
        # is short, so the optimizing compiler would cost more than it saves (CI time)
        "SPARK_SUBMIT_OPTS_EXTRA": "--conf spark.executor.memory=1g --conf spark.cores.max=2 "
        f"--conf spark.executor.extraJavaOptions={JIT}",
    }
    log = config.with_suffix(".log")
    with log.open("w") as sink:  # Spark's log and the job's lines in the order they came
        proc = subprocess.Popen(
            [str(ROOT / "deploy" / "submit.sh"), cluster.master, str(config), *args],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped with its driver if the test ends early
        )
    cluster.jobs.append(proc)
    return proc, log


def finish(submitted: tuple[subprocess.Popen, Path]) -> str:
    proc, log = submitted
    proc.wait(timeout=900)
    output = log.read_text()
    assert proc.returncode == 0, output[-4000:]
    return output


def comparable(manifest: dict) -> dict:
    """What must not depend on where the job ran: counts, statistics, shards and checksums."""
    fit = {k: v for k, v in (manifest.get("domain_fit") or {}).items() if k != "seconds"}
    keep = ("counts", "domains", "pairwise_js", "mixture_entropy", "sets", "shards", "artefacts")
    return {"domain_fit": fit, **{k: manifest.get(k) for k in keep}}


def test_the_executors_own_python_cannot_run_splitlib():
    for module in ("splitlib", "pyarrow"):  # run from "/": the checkout is not on its path
        probe = subprocess.run(
            [BASE_PYTHON, "-c", f"import {module}"], capture_output=True, cwd="/"
        )
        assert b"ModuleNotFoundError" in probe.stderr


def test_bundled_corpus_on_two_workers_one_killed_equals_local_mode(cluster, bundled_run, tmp_path):
    """One cluster run covers both promises (a run costs minutes here): the job with its
    defaults (k-means, the language column) on executors that run the shipped interpreter,
    and a worker lost in the middle of the featurize stage, whose tasks Spark reruns on the
    other worker; the committed output equals local mode's all the same."""
    _, local = bundled_run
    config = tmp_path / "split.toml"
    # defaults (the bundled corpus, k-means with K = 7) but tf-idf domains, as bundled_run's
    config.write_text('[domains]\nfeatures = "tfidf"\n')
    out = tmp_path / "run"
    submitted = submit(cluster, config, "--out", str(out))
    proc = submitted[0]
    # poll the progress file, as a scheduler would; kill a worker once featurize has begun
    progress, deadline = out / "progress.json", time.time() + 600
    seen = None
    while time.time() < deadline and proc.poll() is None:
        state = json.loads(progress.read_text()) if progress.exists() else {}
        if state.get("stage") == "featurize":
            seen = state
            break
        time.sleep(0.2)
    assert seen is not None, "the job never reported the featurize stage"
    time.sleep(2)  # into the stage's tasks
    during = json.loads(progress.read_text())
    cluster.kill("worker1")
    output = finish(submitted)
    assert during["stage"] == "featurize" and during["state"] == "running"
    lost = output.find("Lost executor")
    assert lost >= 0, output[-3000:]
    # the loss was reported before the featurize stage finished
    assert lost < output.index("[split] featurize")
    final = json.loads(progress.read_text())
    assert final["state"] == "committed" and final["done"] == final["total"] == 6

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["counts"]["read"] == 10_500
    assert comparable(manifest) == comparable(local)
    # it really ran on the cluster, both workers' executors running the shipped interpreter
    apps = cluster.state()["completedapps"]
    assert [a["name"] for a in apps][-1] == "splitlib"
    shipped = sorted(cluster.folder.glob("work*/app-*/*/environment/bin/python"))
    assert {p.parts[-6] for p in shipped} == {"work0", "work1"}
