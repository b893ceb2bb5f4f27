"""Creating the SparkSession: local mode by default, whatever spark-submit gave otherwise."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from splitlib import interrupt, scratch
from splitlib.config import SparkConfig
from splitlib.errors import UserError


def check_java() -> None:
    """Spark needs a Java runtime (17 or newer); say so plainly when there is none."""
    java_home = os.environ.get("JAVA_HOME")
    java = os.path.join(java_home, "bin", "java") if java_home else shutil.which("java")
    if not java or not os.path.exists(java):
        raise UserError(
            "Java was not found: Spark needs a Java 17+ runtime. Install one "
            "(e.g. `apt-get install openjdk-17-jre-headless`) or set JAVA_HOME."
        )
    try:
        subprocess.run([java, "-version"], capture_output=True, timeout=60, check=True)
    except (OSError, subprocess.SubprocessError) as err:
        raise UserError(
            f"Java at {java!r} does not run ({err}). Fix JAVA_HOME or reinstall Java 17+."
        ) from None


LOG4J_CONFIG = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "splitlib",
    "conf",
    "log4j2.properties",
)


def java_options() -> str:
    """Quiet Spark logging, plus what SPLITLIB_JAVA_OPTIONS and SPLITLIB_CDS_ARCHIVE ask for.

    For short local jobs `-XX:TieredStopAtLevel=1` and a class-data-sharing archive
    roughly halve the JVM's start-up.
    """
    options = f"-Dlog4j.configurationFile=file:{LOG4J_CONFIG} " + os.environ.get(
        "SPLITLIB_JAVA_OPTIONS", ""
    )
    archive = os.environ.get("SPLITLIB_CDS_ARCHIVE")
    if archive:
        flag = "SharedArchiveFile" if os.path.exists(archive) else "ArchiveClassesAtExit"
        options += f" -XX:{flag}={archive}"
    return options.strip()


def _own_scratch(cfg: SparkConfig, conf: dict[str, str]) -> None:
    """Spark's local scratch (and the JVM's temporary files) into a folder splitlib owns.

    A session killed with its JVM leaves its scratch behind; in splitlib's own folder the next
    session can tell it apart and remove it (splitlib.scratch). A spark.local.dir of the
    user's, or SPARK_LOCAL_DIRS (which Spark prefers), is kept as it is.
    """
    if "spark.local.dir" in cfg.conf or os.environ.get("SPARK_LOCAL_DIRS"):
        return
    folder = scratch.claim()
    if folder is None:
        return
    conf["spark.local.dir"] = folder
    options = conf.get("spark.driver.extraJavaOptions", "")
    # Spark splits the options at blanks: a folder with one would cut the option in two
    if "java.io.tmpdir" not in options and not any(c.isspace() for c in folder):
        conf["spark.driver.extraJavaOptions"] = f"{options} -Djava.io.tmpdir={folder}".strip()


def get_spark(cfg: SparkConfig, app_name: str = "splitlib"):
    """The active session if there is one (spark-submit, tests), else a new one."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    check_java()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    # Python workers run the interpreter that runs the driver, so they see the same packages
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    # under spark-submit the JVM already runs and knows its master: do not override it
    submitted = "PYSPARK_GATEWAY_PORT" in os.environ or "--master" in os.environ.get(
        "PYSPARK_SUBMIT_ARGS", ""
    )
    if cfg.master:
        builder = builder.master(cfg.master)
    elif not submitted:
        builder = builder.master("local[*]")
    defaults = {
        "spark.ui.showConsoleProgress": "false",
        "spark.ui.enabled": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.adaptive.enabled": "false",  # keep partition counts as configured
        # the job's live heap does not grow with the corpus (peak levels off by 16x the bundled
        # corpus and stays there at 94x, 1 GB of text)
        "spark.driver.memory": "1g",
        "spark.python.worker.reuse": "true",
        # Java serialization keeps every object it wrote in a back-reference table until a
        # reset, 100 objects by default: for DISK_ONLY caching those objects are 4 MB column
        # batches, so each task would hold up to 400 MB and the heap grew with partition size
        "spark.serializer.objectStreamReset": "1",
    }
    defaults["spark.driver.extraJavaOptions"] = java_options()
    conf = {**defaults, **cfg.conf}
    if not submitted and (cfg.master or "local").startswith("local"):
        _own_scratch(cfg, conf)  # on a cluster, the cluster manager places the scratch
    for key, value in conf.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel(cfg.log_level)
    interrupt.install()  # after the context, whose constructor installs pyspark's handler
    return spark
