"""Spark's local scratch in folders splitlib owns, so that a killed job's scratch is removed.

Spark keeps shuffle and cached blocks, pyspark's temporary files and the native libraries it
unpacks under `spark.local.dir` and `java.io.tmpdir` (/tmp by default), and deletes them when
its JVM exits normally. A job killed together with its JVM (kill -9 of the process group,
the OOM killer, a stopped container) leaves them behind for good. So each local session of
splitlib gets a folder of its own, `<tmp>/splitlib-scratch-<uid>/<pid>-<random>/`, holding a
marker that names the process which made it. The folder goes when that process exits
normally; a new session removes the folders of sessions whose process is gone. Nothing is
removed without splitlib's marker, from another host, or of a process that still runs.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
from datetime import datetime, timezone

PARENT = "splitlib-scratch"
MARKER = ".splitlib-scratch.json"

_claimed: str | None = None  # this process's folder, made once


def parent_dir() -> str:
    """One parent per user: another user's sessions are none of ours to clean."""
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    return os.path.join(tempfile.gettempdir(), f"{PARENT}-{uid}")


def _start_time(pid: int) -> str | None:
    """When the process started (clock ticks since boot, Linux), to tell a reused pid apart."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None  # field 22 of the whole line


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # not ours to signal, but it exists
        return True
    now = _start_time(pid)
    return started is None or now is None or now == started


def _marker(folder: str) -> dict | None:
    """The marker of a scratch folder splitlib made, or None for anything else."""
    try:
        with open(os.path.join(folder, MARKER), encoding="utf-8") as f:
            marker = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(marker, dict) or marker.get("made_by") != "splitlib":
        return None
    pid = marker.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0:
        return None
    return marker


def sweep(parent: str) -> list[str]:
    """Remove the scratch folders of splitlib sessions on this host whose process is dead."""
    removed = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    host = socket.gethostname()
    for entry in entries:
        if not entry.is_dir(follow_symlinks=False):
            continue
        marker = _marker(entry.path)
        if marker is None or marker.get("host") != host:
            continue
        if _alive(marker["pid"], marker.get("started")):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(entry.path)
    return removed


def _usable(parent: str) -> bool:
    """A real folder of this user's, not a link someone else planted in a shared /tmp."""
    try:
        os.makedirs(parent, mode=0o700, exist_ok=True)
        info = os.lstat(parent)
    except OSError:
        return False
    mine = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return stat.S_ISDIR(info.st_mode) and mine


def claim() -> str | None:
    """This process's scratch folder, made on first call after removing dead sessions' ones.

    None where no folder can be made safely: Spark then keeps its own defaults.
    """
    global _claimed
    if _claimed is not None:
        return _claimed
    parent = parent_dir()
    if not _usable(parent):
        return None
    removed = sweep(parent)
    if removed:
        print(
            f"splitlib: removed the scratch of {len(removed)} killed session(s) under {parent}",
            file=sys.stderr,
        )
    pid = os.getpid()
    try:
        folder = tempfile.mkdtemp(prefix=f"{pid}-", dir=parent)
        marker = {
            "made_by": "splitlib",
            "pid": pid,
            "started": _start_time(pid),
            "host": socket.gethostname(),
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        # written aside, then renamed: a half-written marker would make the folder a stranger's
        tmp = os.path.join(folder, MARKER + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(marker, f)
        os.replace(tmp, os.path.join(folder, MARKER))
    except OSError:
        return None
    atexit.register(release, folder)
    _claimed = folder
    return folder


def release(folder: str) -> None:
    """At a normal exit: stop Spark (it deletes its blocks), then remove the whole folder."""
    pyspark = sys.modules.get("pyspark")
    sc = pyspark.SparkContext._active_spark_context if pyspark else None
    if sc is not None:
        with contextlib.suppress(Exception):
            sc.stop()
    shutil.rmtree(folder, ignore_errors=True)
