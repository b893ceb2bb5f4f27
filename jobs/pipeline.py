"""Wiring of the split job's stages on Spark. The logic lives in splitlib/ and udfs/."""

from __future__ import annotations

import contextlib
import dataclasses
import json

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from jobs import stages, writing
from jobs.frames import persist_level
from jobs.session import get_spark
from splitlib import interrupt, ownership, storage
from splitlib.config import SplitConfig
from splitlib.corpus import bundled_corpus_path
from splitlib.errors import UserError
from splitlib.progress import Progress
from splitlib.reading import (
    DUPLICATE_ID,
    DUPLICATE_TEXT,
    FORMATS,
    TRUNCATED_FILE,
    list_inputs,
    plan_tasks,
)
from udfs.read import RECORDS_DDL, reader


def prepare_output(cfg: SplitConfig, overwrite: bool, inputs: list[str]) -> str:
    """Claim --out (refused, untouched, unless splitlib owns it); the fresh attempt folder."""
    return ownership.claim(cfg.out, overwrite, inputs)


def run_split(cfg: SplitConfig, overwrite: bool = False, spark: SparkSession | None = None) -> dict:
    """Run the whole split job; returns the committed manifest."""
    progress = Progress("split")
    try:
        manifest = _run_split(cfg, overwrite, spark, progress)
    except BaseException:
        # the progress file, if started, says so; job group cleared. A store that failed
        # must not hide the job's own error behind the progress file's
        with contextlib.suppress(Exception):
            progress.finish("failed")
        raise
    progress.finish("committed")
    return manifest


def _run_split(cfg: SplitConfig, overwrite: bool, spark: SparkSession | None, progress) -> dict:
    bundled = cfg.input.path is None
    input_url = cfg.input.path or bundled_corpus_path()
    if bundled and cfg.input.label_field is None and not cfg.domains.k:
        progress.note(f"no --input: reading the bundled corpus {input_url}")
    skipped: list[str] = []
    files = list_inputs(input_url, skipped)
    if skipped:  # read nothing from them, and say so: a record there is not lost unseen
        progress.note(
            f"skipped {len(skipped)} input file(s) in no format splitlib reads ({FORMATS}): "
            f"{', '.join(skipped[:5])}{', ...' if len(skipped) > 5 else ''}; listed in the "
            "manifest's skipped_inputs."
        )
    attempt = prepare_output(cfg, overwrite, [] if bundled else [input_url])
    final_cfg, cfg = cfg, dataclasses.replace(cfg, out=attempt)  # every write goes to the attempt
    progress.publish(final_cfg.out)  # progress.json, for schedulers to poll
    try:
        written = _write_attempt(cfg, spark, files, input_url, bundled, progress)
        # move the finished attempt into place, then commit with the manifest, written last
        moved = ownership.promote(final_cfg.out, attempt)
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt) and spark is None:
            # Ctrl-C: no task of this session may still write into the attempt as it goes
            interrupt.stop_quietly()
        ownership.discard_quietly(attempt)
        if storage.lost_connection(err):
            raise UserError(
                f"the storage of --out {final_cfg.out!r} stopped answering while the job "
                "wrote to it; nothing was committed. Rerun the same command once it is back."
            ) from None
        raise
    n_read, n_kept, reasons, result, shard_list, cached = written
    manifest = writing.commit(
        final_cfg, files, input_url, n_read, n_kept, reasons, result, shard_list, progress,
        artefacts=[p for p in moved if p.startswith(("tokenizer/", "domains/"))],
        skipped=skipped,
    )  # fmt: skip
    ownership.settle(final_cfg.out)
    for df in cached:
        df.unpersist()
    return manifest


def _write_attempt(cfg, spark, files, input_url, bundled, progress):
    """Read, compute and write every file of the run under the attempt folder (cfg.out)."""
    spark = spark or get_spark(cfg.spark)
    partitions = cfg.input.partitions or spark.sparkContext.defaultParallelism
    spark.conf.set("spark.sql.shuffle.partitions", str(partitions))
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(cfg.features.batch_records))

    # read + validate
    progress.start("read")
    tasks = plan_tasks(files, cfg.input.split_bytes, cfg.input.on_corrupt_file)
    task_rows = [(json.dumps(t.to_dict()),) for t in tasks]
    task_df = spark.createDataFrame(task_rows, "task string").repartition(
        min(len(tasks), partitions)
    )
    read_fn = reader(cfg.input, cfg.seed, cfg.features.batch_records, cfg.features.batch_bytes)
    records = task_df.mapInArrow(read_fn, RECORDS_DDL).repartition(partitions, "file", "offset")
    checked = mark_duplicates(records).persist(persist_level(cfg))
    reasons = {r["reason"]: r["count"] for r in checked.groupBy("reason").count().collect()}
    n_read = sum(reasons.values())
    n_kept = reasons.pop(None, 0)
    progress.done(n_read, "records", f"{n_kept:,} valid, {n_read - n_kept:,} quarantined")
    if TRUNCATED_FILE in reasons and cfg.input.on_corrupt_file != "quarantine":
        bad = checked.filter(F.col("reason") == TRUNCATED_FILE).orderBy("file").first()
        raise UserError(
            f"input file {bad['file']!r} is corrupt: {bad['detail']}. Nothing was committed; "
            "replace the file, or pass --set input.on_corrupt_file=quarantine to keep what "
            "can be read and quarantine the rest."
        )
    if n_read == 0:
        raise UserError(
            f"the input {input_url!r} is empty: its files hold no records. Check --input."
        )
    if n_kept == 0:
        raise UserError(
            f"no valid documents in {input_url!r} ({n_read} records read, all quarantined: "
            f"{reasons}). Check input.text_field (now {cfg.input.text_field!r})."
        )
    quarantine = checked.filter(F.col("reason").isNotNull()).persist(persist_level(cfg))
    good = checked.filter(F.col("reason").isNull()).drop("reason", "detail", "raw")

    result = stages.run_stages(cfg, good, n_kept, bundled, progress)

    progress.start("write")
    shard_list = writing.write_all(cfg, result, quarantine)
    progress.done(len(shard_list), "shards")
    cached = [checked, quarantine, result.final]
    return n_read, n_kept, reasons, result, shard_list, cached


def mark_duplicates(records: DataFrame) -> DataFrame:
    """Quarantine repeated ids and repeated normalized texts; the first by (file, offset) stays."""
    valid = F.col("reason").isNull()
    first_id = Window.partitionBy("id").orderBy("file", "offset")
    marked = records.withColumn(
        "reason",
        F.when(valid & (F.row_number().over(first_id) > 1), F.lit(DUPLICATE_ID)).otherwise(
            F.col("reason")
        ),
    )
    first_text = Window.partitionBy("text_hash").orderBy("file", "offset")
    valid = F.col("reason").isNull()
    marked = marked.withColumn(
        "reason",
        F.when(valid & (F.row_number().over(first_text) > 1), F.lit(DUPLICATE_TEXT)).otherwise(
            F.col("reason")
        ),
    )
    return marked.withColumn(
        "detail",
        F.when(F.col("reason") == DUPLICATE_ID, F.concat(F.lit("id repeats: "), F.col("id")))
        .when(
            F.col("reason") == DUPLICATE_TEXT, F.lit("normalized text repeats an earlier document")
        )
        .otherwise(F.col("detail")),
    )
