"""Reading tasks into validated records (mapInArrow over a DataFrame of task descriptions)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pyarrow as pa

from splitlib.config import InputConfig
from splitlib.reading import ReadTask, read_task
from splitlib.text import doc_hashes
from udfs.faults import maybe_fail

RECORDS_DDL = (
    "id string, text string, label string, meta string, file string, offset long, bytes long, "
    "text_hash long, reason string, detail string, raw binary, key long"
)


def reader(cfg: InputConfig, seed: int, max_records: int, max_bytes: int):
    """A mapInArrow function: task JSON strings in, RECORDS_DDL batches out."""

    def read(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        maybe_fail("read")
        for batch in batches:
            for task_json in batch.column("task").to_pylist():
                task = ReadTask(**json.loads(task_json))
                for records in read_task(task, cfg, max_records, max_bytes):
                    ids = records.column("id").to_pylist()
                    keys = doc_hashes([i if i is not None else "" for i in ids], seed)
                    mask = pa.array([i is None for i in ids])
                    key = pa.array(keys, type=pa.int64(), mask=mask.to_numpy(zero_copy_only=False))
                    yield records.append_column("key", key)

    return read
