"""A fault hook for tests of the job's fault tolerance: fail chosen UDF tasks once.

With `inject(spark, fraction, log_dir)` around a run, every UDF task that calls
`maybe_fail` fails on its first attempt for a `fraction` of the partitions of each stage
(partition 0 first); Spark retries it (local mode needs `local[N,maxFailures]`), and the retry
runs normally. Each injected failure leaves one file in `log_dir`, so a test can tell
that faults really happened. Off unless a driver thread sets the local properties.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

FRACTION = "splitlib.fault_fraction"
LOG_DIR = "splitlib.fault_log"


class InjectedFault(RuntimeError):
    """The failure the hook raises; never seen outside a test that asked for it."""


def maybe_fail(where: str) -> None:
    """Fail this task's first attempt if the fault hook selects it."""
    from pyspark import TaskContext

    ctx = TaskContext.get()
    if ctx is None or ctx.attemptNumber() > 0:
        return
    fraction = float(ctx.getLocalProperty(FRACTION) or 0)
    if fraction <= 0:
        return
    part = ctx.partitionId()
    # evenly spread: partitions 0, 1/f, 2/f, ... of every stage (a fraction f of them)
    if math.ceil((part + 1) * fraction) <= math.ceil(part * fraction):
        return
    name = f"{where}-stage{ctx.stageId()}-part{part}"
    log_dir = ctx.getLocalProperty(LOG_DIR)
    if log_dir:
        with open(os.path.join(log_dir, name), "w") as f:
            f.write(f"attempt {ctx.attemptNumber()}\n")
    raise InjectedFault(f"fault injected into {name} (first attempt)")


@contextlib.contextmanager
def inject(spark, fraction: float, log_dir: str) -> Iterator[None]:
    """Turn the hook on for the jobs this thread submits."""
    sc = spark.sparkContext
    sc.setLocalProperty(FRACTION, str(fraction))
    sc.setLocalProperty(LOG_DIR, log_dir)
    try:
        yield
    finally:
        sc.setLocalProperty(FRACTION, None)
        sc.setLocalProperty(LOG_DIR, None)
