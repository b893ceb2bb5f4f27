"""Per-stage progress: lines on stderr, Spark job groups, and a progress file a scheduler can poll.

Every stage names the Spark jobs it starts (job group `splitlib-<job>-<stage>` and a
description), so the Spark UI reads like the pipeline. Once `publish(run_root)` is called,
`<run root>/progress.json` says which stage runs, how many stages and tasks are done and a
rough time remaining; it is rewritten at every stage boundary and every few seconds in between.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from datetime import datetime, timezone

PROGRESS_FILE = "progress.json"

# the split job's stages, what each does (the job description in the Spark UI), and its rough
# share of the job's time (the 4x row of benchmarks/RESULTS.md, "Per stage"): only for the ETA
STAGES = {
    "read": ("list, read and validate records; quarantine bad ones", 0.15),
    "tokenizer": ("train the BPE tokenizer on a sample", 0.07),
    "featurize": ("token ids and hashed n-gram counts (mapInArrow)", 0.19),
    "domains": ("tf-idf sample, k-means or labels, assign documents", 0.35),
    "statistics": ("per-domain counts, divergences, relevance", 0.14),
    "write": ("Parquet shards, docs/, quarantine/", 0.10),
}


def _spark_context():
    """The running SparkContext, if pyspark is loaded and one runs (else None)."""
    pyspark = sys.modules.get("pyspark")
    return pyspark.SparkContext._active_spark_context if pyspark else None


class Progress:
    def __init__(self, job: str, stream=None, heartbeat: float = 5.0) -> None:
        self.job = job
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.stages: dict[str, float] = {}
        self._stage_start = self.started
        self._stage = ""
        self._url: str | None = None
        self._heartbeat = heartbeat
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the progress file -------------------------------------------------------------
    def publish(self, run_root: str) -> None:
        """Start writing `<run_root>/progress.json` (call once the run root is prepared)."""
        from splitlib import storage

        self._url = storage.join(run_root, PROGRESS_FILE)
        self._write("running")
        if self._heartbeat > 0:
            self._thread = threading.Thread(
                target=self._beat, name="splitlib-progress", daemon=True
            )
            self._thread.start()

    def finish(self, state: str = "committed") -> None:
        """Final state of the progress file ('committed' or 'failed'); clears the job group."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        sc = _spark_context()
        if sc is not None:
            sc._jsc.clearJobGroup()
        if self._url:
            self._stage = "" if state == "committed" else self._stage
            self._write(state)

    def snapshot(self, state: str = "running") -> dict:
        """What progress.json holds: stage, stages done / total, tasks, elapsed and ETA (s)."""
        elapsed = time.perf_counter() - self.started
        done = [s for s in STAGES if s in self.stages]
        tasks_done, tasks_total = self._tasks() if state == "running" else (0, 0)
        share = sum(STAGES[s][1] for s in done)
        if self._stage in STAGES and self._stage not in self.stages and tasks_total:
            share += STAGES[self._stage][1] * tasks_done / tasks_total
        eta = None
        if state == "committed":
            eta = 0.0
        elif state == "running" and done and 0 < share < 1:
            eta = round(elapsed * (1 - share) / share, 1)
        return {
            "job": self.job,
            "state": state,
            "stage": self._stage or None,
            "done": len(done),
            "total": len(STAGES),
            "stage_tasks": {"done": tasks_done, "total": tasks_total},
            "elapsed_s": round(elapsed, 1),
            "eta_s": eta,
            "stage_seconds": dict(self.stages),
            "updated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "pid": os.getpid(),
        }

    def _tasks(self) -> tuple[int, int]:
        """Tasks done / in all of the current stage's Spark jobs so far."""
        sc = _spark_context()
        if sc is None or not self._stage:
            return 0, 0
        try:
            tracker = sc.statusTracker()
            done = total = 0
            for job_id in tracker.getJobIdsForGroup(self.group):
                job = tracker.getJobInfo(job_id)
                for stage_id in job.stageIds if job else ():
                    info = tracker.getStageInfo(stage_id)
                    if info is not None:
                        done += info.numCompletedTasks
                        total += info.numTasks
            return done, total
        except Exception:  # the context is stopping: no task counts, the file still says the stage
            return 0, 0

    def _write(self, state: str) -> None:
        from splitlib import storage

        if self._url is None:
            return
        with self._lock:
            data = json.dumps(self.snapshot(state), indent=1).encode()
            if storage.is_remote(self._url):
                storage.write_bytes(self._url, data)  # one PUT: readers see old or new
            else:
                # write aside, then rename: a poller never reads half a file
                tmp = f"{self._url}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    f.write(data)
                os.replace(tmp, self._url)

    def _beat(self) -> None:
        warned = False
        while not self._stop.wait(self._heartbeat):
            try:
                self._write("running")
            except Exception as err:
                # the file is advisory: a full disk or a store that stopped answering (OSError,
                # botocore's EndpointConnectionError, ...) must not end the heartbeat. The job's
                # own writes meet the same store and report it; say it here once only
                if not warned:
                    warned = True
                    cause = f"{type(err).__name__}: {err}"
                    self.note(f"progress file not updated ({cause}); retrying quietly")

    # --- stages --------------------------------------------------------------------------
    @property
    def group(self) -> str:
        return f"splitlib-{self.job}-{self._stage}"

    def start(self, stage: str) -> None:
        self._stage_start = time.perf_counter()
        self._stage = stage
        sc = _spark_context()
        if sc is not None:
            names = list(STAGES)
            position = f" {names.index(stage) + 1}/{len(names)}" if stage in STAGES else ""
            what = STAGES[stage][0] if stage in STAGES else stage
            sc.setJobGroup(self.group, f"{self.job}{position} {stage}: {what}")
        self._write("running")

    def done(self, count: int | None = None, unit: str = "docs", extra: str = "") -> float:
        seconds = time.perf_counter() - self._stage_start
        self.stages[self._stage] = round(seconds, 3)
        rate = f" ({count / seconds:,.0f} {unit}/s)" if count and seconds > 0 else ""
        what = f" {count:,} {unit}" if count is not None else ""
        elapsed = time.perf_counter() - self.started
        tail = f"; {extra}" if extra else ""
        print(
            f"[{self.job}] {self._stage:<10}{what} in {seconds:.1f} s{rate}{tail} "
            f"(elapsed {elapsed:.1f} s)",
            file=self.stream,
            flush=True,
        )
        self._write("running")
        return seconds

    def note(self, message: str) -> None:
        print(f"[{self.job}] {message}", file=self.stream, flush=True)
