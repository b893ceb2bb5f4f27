"""Airflow DAG `splitlib`: split -> check the manifest -> sweep -> fit -> plan -> train -> records.

The split runs through the Spark provider's SparkSubmitOperator (master from the Airflow
connection `spark_default`); every later step runs the `splitlib` command of an environment
where splitlib is installed, so Airflow's own environment never imports splitlib (their
dependencies clash). Paths are per DAG run under the `runs` param; the run root and the plan
go from task to task through XCom. Settings come from the environment of the Airflow worker:

    SPLITLIB_HOME     checkout (or image folder) holding jobs/split.py (default: this repository)
    SPLITLIB_PYTHON   interpreter with splitlib installed (default: python3); its bin/ must
                      hold the `splitlib` command and pyspark's `spark-submit`
    SPLITLIB_EXECUTOR_ARCHIVE, SPLITLIB_EXECUTOR_CODE   on a cluster: the two files
                      `deploy/submit.sh --pack` printed (packed dependencies, splitlib's
                      code); executors then run the archive's interpreter, not SPLITLIB_PYTHON

Trigger with params, e.g. `airflow dags test splitlib -c '{"model": "30k", "flops": 2e12}'`.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta
from pathlib import Path

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import Param, PokeReturnValue, dag, get_current_context, task

HOME = os.environ.get("SPLITLIB_HOME", str(Path(__file__).resolve().parents[2]))
PYTHON = os.environ.get("SPLITLIB_PYTHON", "python3")
SPLITLIB = str(Path(PYTHON).with_name("splitlib")) if os.sep in PYTHON else "splitlib"
ARCHIVE = os.environ.get("SPLITLIB_EXECUTOR_ARCHIVE")
CODE = os.environ.get("SPLITLIB_EXECUTOR_CODE")

# the paths of this DAG run (pulled from the `paths` task's XCom into templates)
PATH = "{{{{ ti.xcom_pull(task_ids='paths')['{}'] }}}}"


def _spark_conf() -> dict[str, str]:
    """Where the split's Python code runs: the packed environment on a cluster, else PYTHON."""
    executors = "./environment/bin/python" if ARCHIVE else PYTHON
    shipped = {"spark.executorEnv.PYTHONPATH": "splitlib-code"} if CODE else {}
    return {
        **shipped,
        "spark.pyspark.python": executors,
        "spark.pyspark.driver.python": PYTHON,
        # the driver's JVM starts before splitlib runs: its quiet logging, and the JVM options
        # SPLITLIB_JAVA_OPTIONS gives splitlib's own local JVMs, have to be set here
        "spark.driver.extraJavaOptions": (
            f"-Dlog4j.configurationFile=file:{HOME}/splitlib/conf/log4j2.properties "
            + os.environ.get("SPLITLIB_JAVA_OPTIONS", "")
        ).strip(),
    }


def _read_json(path: str) -> dict | None:
    """A JSON file by local path or URL (fsspec, as splitlib writes them), None if absent."""
    if "://" not in path:
        return json.loads(Path(path).read_text()) if Path(path).exists() else None
    import fsspec  # remote run roots need fsspec (and s3fs) in Airflow's environment

    fs, inner = fsspec.core.url_to_fs(path)
    return json.loads(fs.cat_file(inner)) if fs.exists(inner) else None


@dag(
    dag_id="splitlib",
    schedule=None,
    catchup=False,
    tags=["splitlib"],
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    params={
        "runs": Param("/tmp/splitlib-airflow", type="string", description="folder or URL for runs"),
        "split_config": Param(
            f"{HOME}/deploy/airflow/split-smoke.toml",
            type="string",
            description="TOML/YAML config of the split job (input, domains, features)",
        ),
        "preset": Param("smoke", enum=["smoke", "cpu", "gpu"], description="sweep grid"),
        "model": Param("30k", type="string", description="model size to train (ladder name)"),
        "flops": Param(2e12, type="number", description="compute budget C of the plan, FLOPs"),
        "sweep_options": Param("", type="string", description="extra `splitlib sweep` options"),
        "train_options": Param("", type="string", description="extra `splitlib train` options"),
    },
)
def splitlib_chain():
    @task
    def paths() -> dict[str, str]:
        """This DAG run's run root and the files each step writes."""
        ctx = get_current_context()
        run = re.sub(r"[^A-Za-z0-9_.-]+", "_", ctx["run_id"])
        base = f"{ctx['params']['runs'].rstrip('/')}/{run}"
        return {
            "root": base,
            "split": f"{base}/split",
            "sweep": f"{base}/sweep",
            "law": f"{base}/law.json",
            "plan": f"{base}/plan.json",
            "train": f"{base}/train",
        }

    split = SparkSubmitOperator(
        task_id="split",
        conn_id="spark_default",
        application=f"{HOME}/jobs/split.py",
        application_args=[
            "--config",
            "{{ params.split_config }}",
            "--out",
            PATH.format("split"),
            "--overwrite",  # a retry replaces what the failed try of this DAG run left
        ],
        # as deploy/submit.sh: the code unpacked on the executors' PYTHONPATH only
        archives=f"{ARCHIVE}#environment,{CODE}#splitlib-code" if ARCHIVE else None,
        conf=_spark_conf(),
        name="splitlib",
        env_vars={"PATH": f"{Path(PYTHON).parent}:{os.environ.get('PATH', '')}"},
    )

    @task.sensor(poke_interval=10, timeout=3600, mode="poke")
    def manifest_committed(split_root: str) -> PokeReturnValue:
        """Wait for manifest.json (the commit); check its counts; log the progress file."""
        progress = _read_json(f"{split_root}/progress.json")
        if progress:
            print(
                f"split progress: {progress['state']}, stage {progress['stage']}, "
                f"{progress['done']}/{progress['total']} stages, eta {progress['eta_s']} s"
            )
        manifest = _read_json(f"{split_root}/manifest.json")
        if manifest is None:
            return PokeReturnValue(is_done=False)
        counts = manifest["counts"]
        if counts["read"] != counts["kept"] + counts["quarantined"]:
            raise ValueError(f"manifest counts do not add up: {counts}")
        domains = [d["name"] for d in manifest["domains"]]
        print(f"split committed: {counts['kept']:,} documents kept, domains {domains}")
        return PokeReturnValue(is_done=True, xcom_value={"domains": domains, "counts": counts})

    sweep = BashOperator(
        task_id="sweep",
        bash_command=f"{SPLITLIB} sweep --manifest {PATH.format('split')} "
        f"--out {PATH.format('sweep')} --preset {{{{ params.preset }}}} "
        "{{ params.sweep_options }}",
    )
    fit = BashOperator(
        task_id="fit",
        bash_command=f"{SPLITLIB} fit {PATH.format('sweep')}/runs.jsonl --out {PATH.format('law')}",
    )
    plan = BashOperator(
        task_id="plan",
        bash_command=(
            # the law's N is the model's non-embedding parameter count
            f'N=$({PYTHON} -c "from splitlib.train.models import model_size; '
            "print(model_size('{{ params.model }}').non_embedding_params)\") && "
            f"{SPLITLIB} plan --law {PATH.format('law')} --params $N --flops {{{{ params.flops }}}} "
            f"--manifest {PATH.format('split')} --out {PATH.format('plan')} --no-plot"
        ),
    )

    @task
    def read_plan(plan_path: str) -> dict:
        """The plan's token budgets, for the training step and the task log."""
        chosen = _read_json(plan_path)
        budgets = {
            "pretrain_tokens": chosen["pretrain_tokens"],
            "special_tokens": chosen["special_tokens"],
            "pretrain_fraction": chosen["pretrain_fraction"],
        }
        print(f"plan: {json.dumps(budgets)}")
        return budgets

    train = BashOperator(
        task_id="train",
        bash_command=f"{SPLITLIB} train --manifest {PATH.format('split')} "
        f"--model {{{{ params.model }}}} --plan {PATH.format('plan')} "
        f"--out {PATH.format('train')} --resume {{{{ params.train_options }}}}",
    )

    @task
    def records(train_root: str) -> dict:
        """Summarize the run records training wrote (what `splitlib fit` reads next time)."""
        if "://" in train_root:
            import fsspec

            fs, inner = fsspec.core.url_to_fs(f"{train_root}/runs.jsonl")
            lines = fs.cat_file(inner).decode().splitlines()
        else:
            lines = Path(train_root, "runs.jsonl").read_text().splitlines()
        runs = [json.loads(line) for line in lines if line.strip()]
        kinds: dict[str, int] = {}
        for r in runs:
            kinds[r.get("kind", "?")] = kinds.get(r.get("kind", "?"), 0) + 1
        print(f"{len(runs)} run records: {kinds}")
        return {"runs": len(runs), "kinds": kinds}

    where = paths()
    committed = manifest_committed(where["split"])
    chosen = read_plan(where["plan"])
    where >> split >> committed >> sweep >> fit >> plan >> chosen >> train
    train >> records(where["train"])


splitlib_chain()
