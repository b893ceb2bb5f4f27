"""A real `splitlib run` killed with SIGKILL in the middle, together with its JVM (as the OOM
killer or a stopped container kills it): nothing committed, readers refuse the root, and the
Spark scratch it leaves behind is removed by the next session, which commits."""

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
from helpers import TFIDF

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

SPLITLIB = str(Path(sys.executable).with_name("splitlib"))  # the venv's console script


def _stage(out: Path) -> str | None:
    try:
        return json.loads((out / "progress.json").read_text()).get("stage")
    except (OSError, ValueError):  # not written yet, or being replaced
        return None


def test_a_killed_job_commits_nothing_and_the_next_run_removes_its_scratch(small_corpus, tmp_path):
    from splitlib import scratch
    from splitlib.errors import UserError
    from splitlib.manifest import read_manifest

    out = tmp_path / "run"
    tmp = tmp_path / "tmp"  # the jobs' TMPDIR: their scratch parent is ours to look into
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SPARK_LOCAL_DIRS"}
    env["TMPDIR"] = str(tmp)
    command = [SPLITLIB, "run", "--input", small_corpus, "--out", str(out), "--k", "3"]
    command += ["--set", TFIDF]

    # the job in a process group of its own, so that the kill takes its JVM too
    job = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 240
        while _stage(out) not in ("featurize", "domains"):
            assert job.poll() is None, job.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the job never reached featurize"
            time.sleep(0.05)
    finally:
        os.killpg(job.pid, signal.SIGKILL)
        job.wait(timeout=60)
        job.stdout.close()

    assert not (out / "manifest.json").exists()
    with pytest.raises(UserError) as refused:
        read_manifest(str(out))
    assert "not a committed split run" in str(refused.value) and "\n" not in str(refused.value)
    parent = tmp / f"{scratch.PARENT}-{os.getuid()}"
    (dead,) = parent.iterdir()
    assert json.loads((dead / scratch.MARKER).read_text())["pid"] == job.pid
    left = {p.name.split("-")[0] for p in dead.iterdir()}
    assert "blockmgr" in left and "spark" in left  # Spark's blocks and temp dirs, left behind

    # beside it: a folder splitlib did not make, and one of a session that still runs (this one)
    stranger = parent / "123-not-ours"
    stranger.mkdir()
    (stranger / "notes.txt").write_text("mine")
    live = parent / f"{os.getpid()}-live"
    live.mkdir()
    mine = {"made_by": "splitlib", "pid": os.getpid(), "host": socket.gethostname()}
    mine["started"] = scratch._start_time(os.getpid())
    (live / scratch.MARKER).write_text(json.dumps(mine))

    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert f"committed {out}/manifest.json" in rerun.stdout
    assert "removed the scratch of 1 killed session(s)" in rerun.stderr
    assert read_manifest(str(out))["counts"]["read"] == 180
    assert not dead.exists()
    # the rerun's own folder went when it exited; nothing else was touched
    assert sorted(p.name for p in parent.iterdir()) == sorted([stranger.name, live.name])
    assert (stranger / "notes.txt").read_text() == "mine"
    assert (live / scratch.MARKER).exists()


def test_a_scratch_the_user_chose_is_kept(monkeypatch):
    from jobs.session import _own_scratch
    from splitlib.config import SparkConfig

    chosen = SparkConfig(conf={"spark.local.dir": "/data/spark"})
    conf = {**chosen.conf, "spark.driver.extraJavaOptions": "-Xss4m"}
    _own_scratch(chosen, conf)
    assert conf == {"spark.local.dir": "/data/spark", "spark.driver.extraJavaOptions": "-Xss4m"}

    monkeypatch.setenv("SPARK_LOCAL_DIRS", "/data/spark")  # Spark prefers it to spark.local.dir
    conf = {"spark.driver.extraJavaOptions": "-Xss4m"}
    _own_scratch(SparkConfig(), conf)
    assert conf == {"spark.driver.extraJavaOptions": "-Xss4m"}


def test_ctrl_c_prints_one_line_commits_nothing_and_leaves_no_scratch(small_corpus, tmp_path):
    """Ctrl-C reaches every process of the terminal's foreground group: SIGINT to the job's
    group, as a terminal sends it, in the middle of a Spark stage."""
    from splitlib import scratch

    out = tmp_path / "run"
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "SPARK_LOCAL_DIRS"}
    env["TMPDIR"] = str(tmp)
    command = [SPLITLIB, "run", "--input", small_corpus, "--out", str(out), "--k", "3"]
    job = subprocess.Popen(
        [*command, "--set", TFIDF],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while _stage(out) not in ("featurize", "domains"):
        assert job.poll() is None, job.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the job never reached featurize"
        time.sleep(0.05)
    os.killpg(job.pid, signal.SIGINT)
    stdout, stderr = job.communicate(timeout=120)

    assert job.returncode == 130
    assert stdout == ""
    # the job's own progress lines, then the one line: no traceback, no Spark log lines
    lines = [line for line in stderr.splitlines() if not line.startswith("[split] ")]
    lines = [line for line in lines if "incubator modules" not in line]  # the JVM's start
    assert lines == ["splitlib run: interrupted"], stderr[-3000:]
    assert json.loads((out / "progress.json").read_text())["state"] == "failed"
    assert not (out / "manifest.json").exists()
    # the session ended normally, so its scratch went with it
    parent = tmp / f"{scratch.PARENT}-{os.getuid()}"
    assert not parent.exists() or list(parent.iterdir()) == []
