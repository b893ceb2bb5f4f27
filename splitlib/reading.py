"""Reading and validating corpus records, independent of Spark.

The driver lists the input files once (`list_inputs`) and cuts them into read
tasks (`plan_tasks`); each task is read by `read_task`, which yields Arrow
batches bounded in records and bytes. Every record comes out either valid or
with a quarantine `reason`, so nothing is silently dropped.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pyarrow as pa

from splitlib import storage
from splitlib.config import InputConfig
from splitlib.errors import UserError
from splitlib.text import hash64, normalize

JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}

# Why a record is quarantined.
INVALID_UTF8 = "invalid_utf8"
INVALID_JSON = "invalid_json"
MISSING_TEXT = "missing_text"
TEXT_NOT_STRING = "text_not_string"
EMPTY_TEXT = "empty_text"
OVERSIZE = "oversize"
MISSING_LABEL = "missing_label"
DUPLICATE_ID = "duplicate_id"
DUPLICATE_TEXT = "duplicate_text"

RECORD_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("label", pa.string()),
        ("meta", pa.string()),  # the record's other fields, as a JSON object
        ("file", pa.string()),
        ("offset", pa.int64()),  # byte offset of the line, or row number in a Parquet file
        ("bytes", pa.int64()),  # UTF-8 bytes of the text
        ("text_hash", pa.int64()),  # hash of the normalized text, for duplicate detection
        ("reason", pa.string()),  # null for a valid record
        ("detail", pa.string()),
        ("raw", pa.binary()),  # the record as read, kept for quarantined records only
    ]
)


@dataclass(frozen=True)
class ReadTask:
    """One unit of reading: a whole file, a byte range of a plain JSONL file, or a Parquet row group."""

    url: str
    name: str  # the file's name relative to the input root: used in default ids
    kind: str  # "jsonl" or "parquet"
    compression: str | None
    start: int = 0  # byte offset (jsonl) or row group (parquet)
    end: int = -1  # exclusive byte offset; -1 to the end

    def to_dict(self) -> dict:
        return asdict(self)


def _kind(path: str) -> tuple[str, str | None] | None:
    lower = path.lower()
    compression = None
    for suffix, codec in COMPRESSIONS.items():
        if lower.endswith(suffix):
            compression, lower = codec, lower[: -len(suffix)]
            break
    if lower.endswith(".parquet"):
        return ("parquet", None) if compression is None else None
    if lower.endswith(JSONL_SUFFIXES):
        return "jsonl", compression
    return None


def list_inputs(url: str) -> list[tuple[str, str, int]]:
    """(url, name, size in bytes) of every input file under `url` (a file, folder or glob), sorted."""
    fs, path = storage.filesystem(url)
    protocol = url.split("://", 1)[0] + "://" if "://" in url else ""
    try:
        if any(ch in path for ch in "*?["):
            found = {p: fs.info(p) for p in fs.glob(path)}
            root = path.split("*", 1)[0].rsplit("/", 1)[0]
        elif fs.isdir(path):
            found = fs.find(path, detail=True)
            root = path
        elif fs.exists(path):
            found = {path: fs.info(path)}
            root = posixpath.dirname(path)
        else:
            found, root = {}, path
    except (PermissionError, OSError) as err:
        raise UserError(
            f"cannot list input {url!r}: {err}. Check the path and credentials."
        ) from None
    files = []
    for p, info in sorted(found.items()):
        if info.get("type") == "directory" or _kind(p) is None:
            continue
        name = posixpath.relpath(p, root) if root and p != root else posixpath.basename(p)
        full = p if not protocol or p.startswith(protocol) else protocol + p
        files.append((full, name, int(info.get("size") or 0)))
    if not files:
        raise UserError(
            f"input not found: no .jsonl/.jsonl.gz/.jsonl.zst/.parquet files at {url!r}. "
            "Pass --input with a file, folder or glob of the corpus."
        )
    return files


def plan_tasks(files: list[tuple[str, str, int]], split_bytes: int) -> list[ReadTask]:
    """Cut the input files into read tasks: byte ranges for large plain JSONL, row groups for Parquet."""
    tasks: list[ReadTask] = []
    for url, name, size in files:
        kind, compression = _kind(url)  # type: ignore[misc]
        if kind == "parquet":
            import pyarrow.parquet as pq

            fs, path = storage.filesystem(url)
            with fs.open(path, "rb") as f:
                groups = pq.ParquetFile(f).num_row_groups
            tasks += [ReadTask(url, name, kind, None, g, g + 1) for g in range(max(groups, 1))]
        elif compression is None and size > split_bytes:
            starts = range(0, size, split_bytes)
            tasks += [
                ReadTask(url, name, kind, None, s, min(s + split_bytes, size)) for s in starts
            ]
        else:
            tasks.append(ReadTask(url, name, kind, compression))
    return tasks


def validate_record(record: object, raw: bytes, name: str, offset: int, cfg: InputConfig) -> dict:
    """One output row for a parsed record: valid, or with the reason it is quarantined."""
    row = {"file": name, "offset": offset, "raw": raw}
    if not isinstance(record, dict):
        return {**row, "reason": INVALID_JSON, "detail": "record is not a JSON object"}
    raw_id = record.get(cfg.id_field)
    if raw_id is not None:
        row["id"] = raw_id if isinstance(raw_id, str) else json.dumps(raw_id)
    text = record.get(cfg.text_field)
    if text is None:
        return {**row, "reason": MISSING_TEXT, "detail": f"no field {cfg.text_field!r}"}
    if not isinstance(text, str):
        return {
            **row,
            "reason": TEXT_NOT_STRING,
            "detail": f"{cfg.text_field!r} is {type(text).__name__}",
        }
    try:
        n_bytes = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return {**row, "reason": INVALID_UTF8, "detail": "text holds a lone surrogate escape"}
    if n_bytes > cfg.max_doc_bytes:
        return {**row, "reason": OVERSIZE, "detail": f"{n_bytes} bytes > input.max_doc_bytes"}
    norm = normalize(text)
    if not norm:
        return {**row, "reason": EMPTY_TEXT, "detail": "no text left after normalization"}
    label = None
    if cfg.label_field:
        label = record.get(cfg.label_field)
        if label is None or label == "":
            return {**row, "reason": MISSING_LABEL, "detail": f"no field {cfg.label_field!r}"}
        label = label if isinstance(label, str) else json.dumps(label)
    skip = {cfg.text_field, cfg.id_field, cfg.label_field}
    meta = {k: v for k, v in record.items() if k not in skip}
    row.update(
        id=row.get("id") or f"{name}@{offset}",
        text=text,
        label=label,
        meta=json.dumps(meta, sort_keys=True, ensure_ascii=False, default=str) if meta else None,
        bytes=n_bytes,
        text_hash=hash64(norm),
        raw=None,
    )
    return row


def _parse_line(line: bytes, name: str, offset: int, cfg: InputConfig) -> dict:
    row = {"file": name, "offset": offset, "raw": line}
    if len(line) > cfg.max_doc_bytes:
        return {**row, "reason": OVERSIZE, "detail": f"{len(line)} bytes > input.max_doc_bytes"}
    try:
        decoded = line.decode("utf-8")
    except UnicodeDecodeError as err:
        return {**row, "reason": INVALID_UTF8, "detail": str(err)[:200]}
    try:
        record = json.loads(decoded)
    except json.JSONDecodeError as err:
        return {**row, "reason": INVALID_JSON, "detail": str(err)[:200]}
    return validate_record(record, line, name, offset, cfg)


def _lines(f, start: int, block: int = 1 << 20) -> Iterator[tuple[int, bytes]]:
    """(offset, line without its newline) of a binary stream, from `start`; works on any stream."""
    pending = b""
    offset = start
    while chunk := f.read(block):
        pending += chunk
        *complete, pending = pending.split(b"\n")
        for line in complete:
            yield offset, line
            offset += len(line) + 1
    if pending:
        yield offset, pending


def _jsonl_rows(task: ReadTask, cfg: InputConfig) -> Iterator[dict]:
    fs, path = storage.filesystem(task.url)
    with fs.open(path, "rb", compression=task.compression) as f:
        start = 0
        if task.start > 0:
            # a line belongs to the range holding its first byte: skip the one begun before ours
            f.seek(task.start - 1)
            start = task.start - 1 + len(f.readline())
        for offset, line in _lines(f, start):
            if task.end >= 0 and offset >= task.end:
                break
            stripped = line.rstrip(b"\r")
            if stripped.strip():  # blank lines are separators, not records
                yield _parse_line(stripped, task.name, offset, cfg)


def _parquet_rows(task: ReadTask, cfg: InputConfig) -> Iterator[dict]:
    import pyarrow.parquet as pq

    fs, path = storage.filesystem(task.url)
    with fs.open(path, "rb") as f:
        pf = pq.ParquetFile(f)
        if pf.num_row_groups == 0:
            return
        first = sum(pf.metadata.row_group(g).num_rows for g in range(task.start))
        row_number = first
        for batch in pf.iter_batches(row_groups=[task.start], batch_size=1024):
            for record in batch.to_pylist():
                text = record.get(cfg.text_field)
                if isinstance(text, bytes):
                    try:
                        record[cfg.text_field] = text.decode("utf-8")
                    except UnicodeDecodeError as err:
                        yield {
                            "file": task.name,
                            "offset": row_number,
                            "raw": text,
                            "reason": INVALID_UTF8,
                            "detail": str(err)[:200],
                        }
                        row_number += 1
                        continue
                raw = json.dumps(record, default=str, ensure_ascii=False).encode()
                yield validate_record(record, raw, task.name, row_number, cfg)
                row_number += 1


def read_task(
    task: ReadTask, cfg: InputConfig, max_records: int, max_bytes: int
) -> Iterator[pa.RecordBatch]:
    """Arrow batches of RECORD_SCHEMA rows for one task, each bounded in records and bytes."""
    rows_of = _parquet_rows if task.kind == "parquet" else _jsonl_rows
    batch: list[dict] = []
    size = 0
    for row in rows_of(task, cfg):
        batch.append(row)
        size += len(row.get("raw") or b"") + 2 * row.get("bytes", 0)
        if len(batch) >= max_records or size >= max_bytes:
            yield pa.RecordBatch.from_pylist(batch, schema=RECORD_SCHEMA)
            batch, size = [], 0
    if batch:
        yield pa.RecordBatch.from_pylist(batch, schema=RECORD_SCHEMA)
