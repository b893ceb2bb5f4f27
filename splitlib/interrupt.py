"""Ctrl-C during a local Spark job: one line on the terminal, not py4j's and Spark's traces.

pyspark's own SIGINT handler cancels the jobs from inside the signal handler, while the main
thread is usually in the middle of a py4j call: py4j then logs the reentrant call and the
interrupted command as errors, and the JVM logs every task it cancels. Here the handler only
raises KeyboardInterrupt and silences py4j's logging of it; `stop_quietly` then, outside the
handler, turns Spark's logging off, cancels the jobs and stops the session.
"""

from __future__ import annotations

import logging
import signal
import threading

_requested = threading.Event()


class _DropPy4j(logging.Filter):
    """py4j logs a KeyboardInterrupt in a command on the root logger, with its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "py4j" not in record.pathname


def _on_sigint(signum, frame) -> None:
    if not _requested.is_set():
        _requested.set()
        logging.getLogger().addFilter(_DropPy4j())  # what py4j logs on the root logger
        # and on its own loggers (py4j.clientserver, ...), which inherit this level: `disabled`
        # would silence only the parent, and the socket's shutdown is logged by a child
        logging.getLogger("py4j").setLevel(logging.CRITICAL + 1)
    raise KeyboardInterrupt


def install() -> None:
    """Replace pyspark's SIGINT handler (call after the SparkContext exists)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_sigint)


def stop_quietly() -> None:
    """Stop the SparkContext of an interrupted driver, without Spark's cancellation noise.

    Looked up through pyspark, not the JVM: the interrupted py4j call closed its connection,
    and the JVM's active session is per thread of a connection."""
    from pyspark import SparkContext

    sc = SparkContext._active_spark_context
    if sc is None:
        return
    try:
        sc.setLogLevel("OFF")
        sc.cancelAllJobs()
        sc.stop()
    except Exception:  # noqa: BLE001 - a JVM already gone has nothing left to stop
        pass
