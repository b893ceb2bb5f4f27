"""Throughput and peak memory of the whole split job (`splitlib run`) in local mode.

    python -m benchmarks.bench_split --scales 1x1 4x1 16x1 --edge

`SCALExRUNS`: the bundled corpus replicated SCALE times (see common.replicated_corpus),
run RUNS times; medians are reported. Each run is a fresh `splitlib run` process; its
per-stage seconds come from the job's own `[split] <stage> ... in X s` lines, and the
resident memory of the driver's JVM and of the Python worker processes is sampled from
/proc every 0.25 s. Writes the section "Split job throughput" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from benchmarks.common import (
    WORK,
    corpus_stats,
    edge_corpus,
    machine,
    median,
    publish,
    replicated_corpus,
    table,
    versions,
)

STAGE_LINE = re.compile(r"^\[split\] (\w+)\s.* in ([\d.]+) s")
STAGES = ["read", "tokenizer", "featurize", "domains", "statistics", "write"]


def _children(root: int) -> list[int]:
    """All live descendants of `root` (from /proc's parent links)."""
    parent: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parent.setdefault(ppid, []).append(int(entry))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        kids = parent.get(pid, [])
        out += kids
        todo += kids
    return out


def _rss_and_kind(pid: int) -> tuple[int, str] | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            rss = next((int(ln.split()[1]) * 1024 for ln in f if ln.startswith("VmRSS:")), 0)
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().split(b"\0")[0]
    except OSError:
        return None
    return rss, "jvm" if cmd.endswith(b"java") else "python"


class MemorySampler(threading.Thread):
    """Peak RSS of the JVM, of the summed Python workers and of the largest one, under `root`."""

    def __init__(self, root: int, period: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.root, self.period = root, period
        self.peak = {"jvm": 0, "workers": 0, "worker_max": 0, "driver": 0}
        self.stage = STAGES[0]  # the stage running now, set by the log reader
        self.by_stage: dict[str, dict[str, int]] = {}  # peak JVM and largest worker per stage
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            driver = _rss_and_kind(self.root)
            if driver:
                self.peak["driver"] = max(self.peak["driver"], driver[0])
            jvm = workers = worker_max = 0
            for pid in _children(self.root):
                got = _rss_and_kind(pid)
                if got is None:
                    continue
                rss, kind = got
                if kind == "jvm":
                    jvm += rss
                else:
                    workers += rss
                    worker_max = max(worker_max, rss)
            for key, value in (("jvm", jvm), ("workers", workers), ("worker_max", worker_max)):
                self.peak[key] = max(self.peak[key], value)
            here = self.by_stage.setdefault(self.stage, {"jvm": 0, "worker_max": 0})
            here["jvm"] = max(here["jvm"], jvm)
            here["worker_max"] = max(here["worker_max"], worker_max)
            time.sleep(self.period)

    def stop(self) -> dict:
        self._halt.set()
        self.join()
        return self.peak


def run_job(corpus: Path, out: Path, extra: list[str] | None = None) -> dict:
    """One `splitlib run`; returns wall seconds, per-stage seconds and peak memory."""
    cmd = [
        sys.executable,
        "-m",
        "splitlib.cli",
        "run",
        "--input",
        str(corpus),
        "--out",
        str(out),
        "--overwrite",
        # the tables of RESULTS.md were measured with tf-idf domains; the default since, auto,
        # adds a fixed cost (3,000 documents embedded on the driver) measured apart
        "--set=domains.features=tfidf",
    ]
    cmd += extra or []
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "SPARK_LOCAL_IP": "127.0.0.1"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )
    sampler = MemorySampler(proc.pid)
    sampler.start()
    stages, log = {}, []
    for line in proc.stdout:  # type: ignore[union-attr]
        log.append(line)
        m = STAGE_LINE.match(line)
        if m:
            stages[m.group(1)] = float(m.group(2))
            if m.group(1) in STAGES[:-1]:
                sampler.stage = STAGES[STAGES.index(m.group(1)) + 1]
    rc = proc.wait()
    wall = time.perf_counter() - started
    peak = sampler.stop()
    if rc != 0:
        raise RuntimeError(f"splitlib run failed ({rc}):\n{''.join(log[-30:])}")
    return {"wall": wall, "stages": stages, "peak": peak, "peak_by_stage": sampler.by_stage}


LOAD_AT_START = f"{os.getloadavg()[0]:.1f}"


def _env_text() -> str:
    keys = ("SPARK_LOCAL_IP", "SPLITLIB_CDS_ARCHIVE", "SPLITLIB_JAVA_OPTIONS")
    return " ".join(f"`{k}={os.environ[k]}`" for k in keys if k in os.environ) or "defaults"


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scales", nargs="+", default=["1x1", "4x1", "16x1"], help="SCALExRUNS entries")
    p.add_argument(
        "--edge",
        action="store_true",
        help="also run the edge shapes (5 MB document, 100k one-liners)",
    )
    p.add_argument(
        "--cores", type=int, default=os.cpu_count(), help="cores local[*] uses, for per-core rates"
    )
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args(argv)
    command = "python -m benchmarks.bench_split " + " ".join(sys.argv[1:] if argv is None else argv)

    results = []  # (label, stats, [runs])
    plan = [
        (f"{s.split('x')[0]}x", replicated_corpus(int(s.split("x")[0])), int(s.split("x")[1]))
        for s in args.scales
    ]
    if args.edge:  # after the first two scales, before the long runs
        plan[2:2] = [
            ("5 MB doc", edge_corpus("big-doc"), 1),
            ("100k one-liners", edge_corpus("one-liners"), 1),
        ]
    for label, corpus, runs in plan:
        stats = corpus_stats(corpus)
        done = []
        for r in range(runs):
            out = WORK / "out"
            try:
                res = run_job(corpus, out)
            except RuntimeError as err:
                print(f"{label} run {r + 1}/{runs} FAILED: {err}", flush=True)
                continue
            shutil.rmtree(out, ignore_errors=True)
            done.append(res)
            st = " ".join(f"{k}={v:.1f}" for k, v in res["stages"].items())
            print(
                f"{label} run {r + 1}/{runs}: {res['wall']:.1f} s wall; {st}; peak MiB "
                + ", ".join(f"{k} {_mb(v)}" for k, v in res["peak"].items()),
                flush=True,
            )
        if done:
            results.append((label, stats, done))
        report(
            results, args.cores, command, not args.no_write
        )  # after every corpus: partial results survive
    return 0


def report(results: list, cores: int, command: str, write: bool) -> None:

    rows, stage_rows, mem_rows = [], [], []
    scaling, peaks, stage_mem_rows = [], [], []
    for label, stats, runs in results:
        docs, mb = stats["docs"], stats["text_bytes"] / 1e6
        wall = median([r["wall"] for r in runs])
        job = median([sum(r["stages"].values()) for r in runs])
        feat = median([r["stages"].get("featurize", float("nan")) for r in runs])
        rows.append(
            [
                label,
                f"{docs:,}",
                f"{mb:,.1f}",
                len(runs),
                f"{wall:,.1f}",
                f"{job:,.1f}",
                f"{docs / job:,.0f}",
                f"{mb / job:.3f}",
                f"{mb / job / cores:.3f}",
                f"{feat:,.1f}",
                f"{docs / feat:,.0f}",
                f"{mb / feat:.3f}",
                f"{mb / feat / cores:.3f}",
            ]
        )
        per = []
        for stage in STAGES:
            sec = median([r["stages"].get(stage, float("nan")) for r in runs])
            per.append(f"{sec:,.1f} s / {mb / sec / cores:.3f} / {docs / sec / cores:,.0f}")
        stage_rows.append([label, *per])
        peak = {k: median([r["peak"][k] for r in runs]) for k in runs[0]["peak"]}
        mem_rows.append(
            [
                label,
                _mb(peak["jvm"]),
                _mb(peak["workers"]),
                _mb(peak["worker_max"]),
                _mb(peak["driver"]),
            ]
        )
        cells = []
        for stage in STAGES:
            got = [r.get("peak_by_stage", {}).get(stage) for r in runs]
            got = [g for g in got if g]
            cells.append(
                f"{_mb(median([g['jvm'] for g in got]))} / {_mb(median([g['worker_max'] for g in got]))}"
                if got
                else "—"
            )
        stage_mem_rows.append([label, *cells])
        if label.endswith("x"):
            scaling.append((mb, job))
            peaks.append((label, peak))
    slope = flat = ""
    if len(peaks) >= 2:
        (first, p0), (last, p1) = peaks[0], peaks[-1]
        flat = (
            f"Peak memory, {last} against {first} corpus: JVM {p1['jvm'] / p0['jvm']:.2f}x, "
            f"Python workers (sum) {p1['workers'] / p0['workers']:.2f}x, largest Python worker "
            f"{p1['worker_max'] / p0['worker_max']:.2f}x."
        )
    if len(scaling) >= 2:
        x, y = np.array(scaling).T
        b, a = np.polyfit(x, y, 1)
        pred = a + b * x
        r2 = 1 - ((y - pred) ** 2).sum() / max(((y - y.mean()) ** 2).sum(), 1e-12)
        ratio = ", ".join(
            f"{s[1] / scaling[0][1]:.2f}x time for {s[0] / scaling[0][0]:.0f}x data"
            for s in scaling[1:]
        )
        slope = (
            f"Linear fit of job seconds (sum of stages) against MB of text over the replicated runs: "
            f"**{b:.2f} s per MB** ({1 / b:.3f} MB/s marginal, {1 / b / cores:.3f} MB/s per core) plus "
            f"{a:.0f} s fixed, R² = {r2:.3f}; {ratio}."
        )
    body = "\n".join(
        [
            f"Machine: {machine()}; {versions()}. Local mode `local[*]` = {cores} cores; load average "
            f"{LOAD_AT_START} at the start, {os.getloadavg()[0]:.1f} at the end (the machine may be "
            "shared: single runs then vary by ±30–50%); medians over the runs shown.",
            "",
            f"Command: `{command}` (env: {_env_text()}). Input: the bundled corpus replicated "
            "N times (copy c > 0 has a `[copy c]` first line and id suffix, so nothing is a duplicate), 2 plain JSONL "
            'files per copy. MB = MB of document text (UTF-8). "job s" = sum of the job\'s stage timings '
            "(excludes Python/JVM start-up, included in wall).",
            "",
            "### Whole job and featurization stage",
            "",
            table(
                [
                    "corpus",
                    "docs",
                    "MB text",
                    "runs",
                    "wall s",
                    "job s",
                    "job docs/s",
                    "job MB/s",
                    "job MB/s/core",
                    "featurize s",
                    "featurize docs/s",
                    "featurize MB/s",
                    "featurize MB/s/core",
                ],
                rows,
            ),
            "",
            "### Per stage (seconds / MB of text per s per core / documents per s per core)",
            "",
            "`featurize` = BPE token ids + hashed unigram/bigram counts (one mapInArrow pass, persisted); "
            "`statistics` = per-domain n-gram counts, relevance scoring (log-likelihood ratios) and histograms; "
            "`domains` = tf-idf sample + MLlib k-means + assignment; `tokenizer` = training the BPE on a sample.",
            "",
            table(["corpus", *STAGES], stage_rows),
            "",
            "### Scaling and peak memory (resident set, MiB)",
            "",
            slope,
            "",
            flat,
            "",
            table(
                ["corpus", "JVM", "Python workers (sum)", "largest Python worker", "driver Python"],
                mem_rows,
            ),
            "",
            "Peak by stage, JVM / largest Python worker (MiB; `write` holds one shard group, at most "
            "`select.shard_bytes` of text plus its token ids, in a worker):",
            "",
            table(["corpus", *STAGES], stage_mem_rows),
            "",
        ]
    )
    publish("Split job throughput", body, write)


if __name__ == "__main__":
    sys.exit(main())
