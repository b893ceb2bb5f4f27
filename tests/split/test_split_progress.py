"""What a scheduler and the Spark UI see of a running split: progress.json and job groups."""

from __future__ import annotations

import json

from helpers import subset, write_jsonl

from splitlib.progress import STAGES, Progress


def _jobs_after(spark, first_id: int) -> list[tuple[int, str | None, str | None]]:
    """(job id, job group, description) of every Spark job with an id of at least first_id."""
    jobs = []
    listed = spark.sparkContext._jsc.sc().statusStore().jobsList(None)  # a Scala Seq
    for job in (listed.apply(i) for i in range(listed.size())):
        if job.jobId() >= first_id:
            group, description = job.jobGroup(), job.description()
            jobs.append(
                (
                    job.jobId(),
                    group.get() if group.isDefined() else None,
                    description.get() if description.isDefined() else None,
                )
            )
    return sorted(jobs)


def test_every_spark_job_of_the_split_is_named_after_its_stage(spark, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.config import build

    corpus = write_jsonl(tmp_path / "c.jsonl", subset(30, ("kjv-bible", "python-docs")))
    out = tmp_path / "run"
    cfg = build(
        overrides=[
            f"input.path={corpus}",
            f"out={out}",
            "input.label_field=source",
            "features.vocab_size=300",
        ]
    )
    before = max((j for j, _, _ in _jobs_after(spark, 0)), default=-1)
    run_split(cfg, spark=spark)
    jobs = _jobs_after(spark, before + 1)
    assert jobs
    groups = {group for _, group, _ in jobs}
    assert groups <= {f"splitlib-split-{stage}" for stage in STAGES}
    # every stage that runs Spark jobs names them; tokenizer training starts one (the sample)
    assert {"read", "tokenizer", "featurize", "domains", "statistics", "write"} == {
        g.removeprefix("splitlib-split-") for g in groups
    }
    for _, group, description in jobs:
        stage = group.removeprefix("splitlib-split-")
        position = list(STAGES).index(stage) + 1
        assert description == f"split {position}/6 {stage}: {STAGES[stage][0]}"
    # the group is cleared after the job: later work in the session is not mislabeled
    assert spark.sparkContext.getLocalProperty("spark.jobGroup.id") is None

    progress = json.loads((out / "progress.json").read_text())
    assert progress["state"] == "committed" and progress["stage"] is None
    assert progress["done"] == progress["total"] == 6 and progress["eta_s"] == 0.0
    assert list(progress["stage_seconds"]) == list(STAGES)


def test_progress_file_while_running_and_after_a_failure(tmp_path):
    progress = Progress("split", stream=open("/dev/null", "w"), heartbeat=0)  # noqa: SIM115
    progress.publish(str(tmp_path))
    state = json.loads((tmp_path / "progress.json").read_text())
    assert (state["state"], state["stage"], state["done"], state["eta_s"]) == (
        "running",
        None,
        0,
        None,
    )
    progress.start("read")
    progress.done(10)
    progress.start("tokenizer")
    state = json.loads((tmp_path / "progress.json").read_text())
    assert (state["stage"], state["done"], state["total"]) == ("tokenizer", 1, 6)
    # after `read` (15% of a typical job) the rest is estimated at 85/15 of the time so far
    assert state["eta_s"] is not None and state["eta_s"] >= 0
    progress.finish("failed")
    state = json.loads((tmp_path / "progress.json").read_text())
    assert (state["state"], state["stage"], state["done"]) == ("failed", "tokenizer", 1)
    assert not list(tmp_path.glob("*.tmp"))  # written aside and renamed: nothing left over
