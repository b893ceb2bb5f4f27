"""deploy/airflow/splitlib_dag.py with Airflow's own tooling, in Airflow's own environment.

Airflow's dependencies clash with moto's, so it lives in a virtual environment of its own
(.cache/airflow-venv, built here on first use from deploy/airflow/requirements.txt). The
DAG's tasks run splitlib through this test's interpreter (SPLITLIB_PYTHON), as an Airflow
worker would run a separate splitlib environment or image.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import subset, tool_venv, write_jsonl

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".cache" / "airflow-venv"
REQUIREMENTS = ROOT / "deploy" / "airflow" / "requirements.txt"
TASKS = ["paths", "split", "manifest_committed", "sweep", "fit", "plan", "read_plan", "train"]


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    """The `airflow` command of a fresh AIRFLOW_HOME (SQLite), and its environment."""
    tool_venv(VENV, ["-r", str(REQUIREMENTS)], REQUIREMENTS.read_text())
    home = tmp_path_factory.mktemp("airflow-home")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "deploy" / "airflow"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        # the split's Spark master: local mode here, spark://... or yarn on a cluster
        "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[2]"}),
        "SPLITLIB_PYTHON": sys.executable,
        "SPLITLIB_HOME": str(ROOT),
    }
    env.pop("PYTHONPATH", None)
    cli = str(VENV / "bin" / "airflow")
    subprocess.run([cli, "db", "migrate"], env=env, check=True, capture_output=True)
    return cli, env


def test_the_dag_imports_in_airflow_with_its_chain(airflow):
    _, env = airflow
    script = (
        "import json\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(ROOT / 'deploy' / 'airflow')!r})\n"
        "dag = bag.dags['splitlib']\n"
        "print(json.dumps({'errors': bag.import_errors, 'params': sorted(dag.params),\n"
        "  'up': {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks},\n"
        "  'retries': {t.task_id: t.retries for t in dag.tasks},\n"
        "  'split': type(dag.get_task('split')).__name__}))\n"
    )
    done = subprocess.run(
        [str(VENV / "bin" / "python"), "-c", script], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    dag = json.loads(done.stdout.strip().splitlines()[-1])
    assert dag["errors"] == {}
    assert dag["split"] == "SparkSubmitOperator"
    assert {"flops", "model", "preset", "runs", "split_config"} <= set(dag["params"])
    chain = {t: [u for u in dag["up"][t] if u != "paths"] for t in TASKS}
    assert chain == {
        "paths": [],
        "split": [],
        "manifest_committed": ["split"],
        "sweep": ["manifest_committed"],
        "fit": ["sweep"],
        "plan": ["fit"],
        "read_plan": ["plan"],
        "train": ["read_plan"],
    }
    assert dag["up"]["records"] == ["paths", "train"]
    assert set(dag["retries"].values()) == {2}


def test_airflow_dags_test_runs_the_whole_chain(airflow, tmp_path):
    cli, env = airflow
    runs = tmp_path / "runs"
    # the DAG's own split settings (deploy/airflow/split-smoke.toml) on 200 documents of three
    # bundled sources: the chain is what is tested here, and three domains instead of seven
    # take minutes off the split, the sweep's specialists and the training (CI time)
    smoke = (ROOT / "deploy" / "airflow" / "split-smoke.toml").read_text()
    sources = ("kjv-bible", "python-docs", "wikibooks-recipes")
    corpus = write_jsonl(tmp_path / "corpus.jsonl", subset(200, sources))
    split_config = tmp_path / "split.toml"
    split_config.write_text(smoke.replace("[input]\n", f"[input]\npath = {json.dumps(corpus)}\n"))
    conf = {
        "runs": str(runs),
        "split_config": str(split_config),
        "model": "30k",
        "flops": 1e10,  # T = C / 6N: about 62k tokens at N = 26,784
        "sweep_options": "--threads 1 --eval-tokens 1k --log-every 1000",
        "train_options": "--seq-len 32 --batch-seqs 4 --threads 1 --eval-tokens 1k "
        "--log-every 1000",
    }
    done = subprocess.run(
        [cli, "dags", "test", "splitlib", "-c", json.dumps(conf)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-5000:]
    (root,) = runs.iterdir()  # one folder per DAG run
    manifest = json.loads((root / "split" / "manifest.json").read_text())
    domains = sorted(d["name"] for d in manifest["domains"])
    assert domains == sorted(sources) and manifest["counts"]["read"] == 600
    progress = json.loads((root / "split" / "progress.json").read_text())
    assert progress["state"] == "committed" and progress["done"] == progress["total"]
    assert "split progress: committed" in log  # the sensor logged the progress file
    law = json.loads((root / "law.json").read_text())
    plan = json.loads((root / "plan.json").read_text())
    assert law["form"] and set(plan["special_tokens"]) == set(domains)
    records = [json.loads(line) for line in (root / "train" / "runs.jsonl").open()]
    # the seed and the no-split baseline are scored on every domain and on the mixture (None)
    for kind in ("seed_decay", "no_split", "routed"):
        assert sorted(str(r["domain"]) for r in records if r["kind"] == kind) == sorted(
            [*domains, "None"]
        )
    # one specialist for each domain the plan gives tokens, trained on about that many
    planned = {d: t for d, t in plan["special_tokens"].items() if t > 0}
    trained = {r["domain"]: r["special_tokens"] for r in records if r["kind"] == "spec"}
    trained.pop(None, None)  # specialists' losses on the mixture: forgetting
    assert set(trained) == set(planned)
    for domain, tokens in trained.items():
        assert abs(tokens - planned[domain]) <= 128  # whole steps of 4 sequences of 32 tokens
    assert all(r["n_params"] == 26_784 for r in records)
    assert f"{len(records)} run records" in log
