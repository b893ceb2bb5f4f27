"""Reading and validating corpus records, independent of Spark.

The driver lists the input files once (`list_inputs`) and cuts them into read
tasks (`plan_tasks`); each task is read by `read_task`, which yields Arrow
batches bounded in records and bytes. Every record comes out either valid or
with a quarantine `reason`, so nothing is silently dropped.
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pyarrow as pa

from splitlib import storage
from splitlib.config import InputConfig
from splitlib.decompress import CorruptFile, chunks
from splitlib.errors import UserError
from splitlib.text import hash64, normalize

JSONL_SUFFIXES = (".jsonl", ".json", ".ndjson")
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd", ".bz2": "bz2"}

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
TOO_DEEP = "too_deep"
TRUNCATED_FILE = "truncated_file"  # the unreadable rest of a corrupt or cut-short file

# Column names of the job's outputs: a record field with one of these names (any case) is
# carried as `meta_<name>` instead, so it never clashes with what the job computes.
RESERVED_COLUMNS = frozenset(
    {
        *("id", "text", "label", "meta", "file", "offset", "bytes", "tokens", "n_tokens"),
        *("token_ids", "text_hash", "reason", "detail", "raw", "key", "domain", "score"),
        *("domain_index", "domain_name", "margin", "relevance", "relevance_own", "split"),
        *("relevance_best", "xent_diff", "pruned_reason", "set", "set_domain", "shard"),
        *("n_features", "features", "vector", "resampled_into", "language", "language_score"),
    }
)
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}")

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


# what --input may hold, for messages
FORMATS = (
    f"{', '.join(JSONL_SUFFIXES)} (plain or {', '.join(sorted(set(COMPRESSIONS) - {'.zstd'}))})"
    " and .parquet"
)
BOM = b"\xef\xbb\xbf"  # Windows tools start UTF-8 files with it; it is not part of the record


def _marker_file(name: str) -> bool:
    """Hidden files and Spark/Hadoop markers (`_SUCCESS`, `.part-0.crc`): never data."""
    return posixpath.basename(name).startswith((".", "_"))


def list_inputs(url: str, skipped: list[str] | None = None) -> list[tuple[str, str, int]]:
    """(url, name, size in bytes) of every input file under `url` (a file, folder or glob), sorted.

    Files of other formats are left out; their names (but not hidden files and Spark's
    markers) are appended to `skipped`, so the job can say so."""
    fs, path = storage.filesystem(url)
    protocol = url.split("://", 1)[0] + "://" if "://" in url else ""
    try:
        if fs.isfile(path):  # a file whose name holds '[' is that file, not a pattern
            found = {path: fs.info(path)}
            root = posixpath.dirname(path)
        elif any(ch in path for ch in "*?["):
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
    files, other = [], []
    for p, info in sorted(found.items()):
        if info.get("type") == "directory":
            continue
        name = posixpath.relpath(p, root) if root and p != root else posixpath.basename(p)
        if _kind(p) is None:
            other += [] if _marker_file(name) else [name]
            continue
        full = p if not protocol or p.startswith(protocol) else protocol + p
        files.append((full, name, int(info.get("size") or 0)))
    if not files and other:
        raise UserError(
            f"input {url!r} holds no file splitlib reads ({', '.join(other[:3])}"
            f"{', ...' if len(other) > 3 else ''}): it reads {FORMATS}. Convert the files, "
            "or pass --input with the corpus's files."
        )
    if not files:
        raise UserError(
            f"input not found: no {FORMATS} files at {url!r}. "
            "Pass --input with a file, folder or glob of the corpus."
        )
    if skipped is not None:
        skipped += other
    return files


def _parquet_groups(url: str) -> int:
    """Row groups of a Parquet file; raises CorruptFile when its footer cannot be read."""
    import pyarrow.parquet as pq

    fs, path = storage.filesystem(url)
    try:
        with fs.open(path, "rb") as f:
            return pq.ParquetFile(f).num_row_groups
    except (pa.ArrowException, OSError, ValueError) as err:
        size = fs.size(path)
        raise CorruptFile(
            max(size - 8, 0),
            f"not a readable Parquet file: its footer (the last 8 of {size} bytes, at byte "
            f"{max(size - 8, 0)}) does not parse ({type(err).__name__}: {str(err)[:120]})",
        ) from None


def plan_tasks(
    files: list[tuple[str, str, int]], split_bytes: int, on_corrupt_file: str = "fail"
) -> list[ReadTask]:
    """Cut the input files into read tasks: byte ranges for large plain JSONL, row groups for Parquet."""
    tasks: list[ReadTask] = []
    for url, name, size in files:
        kind, compression = _kind(url)  # type: ignore[misc]
        if kind == "parquet":
            try:
                groups = _parquet_groups(url)
            except CorruptFile as err:
                if on_corrupt_file != "quarantine":
                    raise UserError(
                        f"input file {name!r} is corrupt: {err.message}. Replace the file, or "
                        "pass --set input.on_corrupt_file=quarantine to quarantine it."
                    ) from None
                tasks.append(ReadTask(url, name, kind, None, -1, -1))  # read as one entry
                continue
            tasks += [ReadTask(url, name, kind, None, g, g + 1) for g in range(max(groups, 1))]
        elif compression is None and size > split_bytes:
            starts = range(0, size, split_bytes)
            tasks += [
                ReadTask(url, name, kind, None, s, min(s + split_bytes, size)) for s in starts
            ]
        else:
            tasks.append(ReadTask(url, name, kind, compression))
    return tasks


def meta_column(field: str) -> str:
    """The column a record's extra field becomes: its own name unless that could clash.

    Output column names and names starting with `meta_` (any case) get a `meta_` prefix;
    names that are not identifiers are spelled with `_` and a hash of the original name.
    """
    if _IDENTIFIER.fullmatch(field):
        lower = field.lower()
        if lower in RESERVED_COLUMNS or lower.startswith("meta_"):
            return "meta_" + field
        return field
    spelled = re.sub(r"[^A-Za-z0-9_]+", "_", field)[:64].strip("_")
    return f"meta_{spelled}_{hash64(field) & 0xFFFFFFFF:08x}"


def docs_meta_columns(keys: list[str]) -> list[tuple[str, str]]:
    """(meta key, docs/ column) for every key: names equal but for case get a hash suffix,
    since Spark resolves column names without regard to case."""
    by_lower: dict[str, int] = {}
    for key in keys:
        by_lower[key.lower()] = by_lower.get(key.lower(), 0) + 1
    return [
        (k, k if by_lower[k.lower()] == 1 else f"{k}_{hash64(k) & 0xFFFFFFFF:08x}")
        for k in sorted(keys)
    ]


def _utf8_ok(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def inspect_record(record: dict, cfg: InputConfig) -> tuple[str, str] | None:
    """Why a parsed record cannot be carried: nesting, lone surrogates, huge names; or None.

    Walks the record without recursion, so a deep record costs no stack.
    """
    stack: list[tuple[object, int, str]] = [(record, 1, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > cfg.max_depth:
            return TOO_DEEP, f"nested deeper than input.max_depth={cfg.max_depth} in {where!r}"
        items = value.items() if isinstance(value, dict) else enumerate(value)  # type: ignore[arg-type]
        for key, item in items:
            at = where or str(key)[:40]
            if isinstance(key, str):
                if not _utf8_ok(key):
                    return INVALID_UTF8, "a field name holds a lone surrogate escape"
                if len(key) > cfg.max_id_bytes:
                    return OVERSIZE, f"a field name of {len(key)} chars > input.max_id_bytes"
            if isinstance(item, str):
                if not item.isascii() and not _utf8_ok(item):
                    return INVALID_UTF8, f"field {at!r} holds a lone surrogate escape"
            elif isinstance(item, (dict, list)):
                stack.append((item, depth + 1, at))
    return None


def validate_record(record: object, raw: bytes, name: str, offset: int, cfg: InputConfig) -> dict:
    """One output row for a parsed record: valid, or with the reason it is quarantined."""
    row = {"file": name, "offset": offset, "raw": raw}
    if not isinstance(record, dict):
        kind = type(record).__name__
        return {**row, "reason": INVALID_JSON, "detail": f"record is a JSON {kind}, not an object"}
    problem = inspect_record(record, cfg)
    if problem is not None:
        return {**row, "reason": problem[0], "detail": problem[1]}
    raw_id = record.get(cfg.id_field)
    if raw_id is not None:
        row["id"] = raw_id if isinstance(raw_id, str) else json.dumps(raw_id)
        if len(row["id"].encode("utf-8")) > cfg.max_id_bytes:
            size = len(row["id"].encode("utf-8"))
            return {**row, "id": None, "reason": OVERSIZE, "detail": f"id of {size} bytes > "
                    "input.max_id_bytes"}  # fmt: skip
    text = record.get(cfg.text_field)
    if text is None:
        missing = "is null" if cfg.text_field in record else "is missing"
        return {**row, "reason": MISSING_TEXT, "detail": f"field {cfg.text_field!r} {missing}"}
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
            missing = "is missing" if cfg.label_field not in record else f"is {json.dumps(label)}"
            return {
                **row,
                "reason": MISSING_LABEL,
                "detail": f"field {cfg.label_field!r} {missing}",
            }
        label = label if isinstance(label, str) else json.dumps(label)
    skip = {cfg.text_field, cfg.id_field, cfg.label_field}
    meta = {meta_column(k): v for k, v in record.items() if k not in skip}
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
    except RecursionError:
        return {**row, "reason": TOO_DEEP, "detail": "nesting too deep to parse"}
    return validate_record(record, line, name, offset, cfg)


class StreamCut(Exception):
    """A compressed stream broke off: where its last whole line ended, and why."""

    def __init__(self, offset: int, cause: CorruptFile) -> None:
        super().__init__(cause.message)
        self.offset, self.cause = offset, cause


def _blocks(f, block: int = 1 << 20) -> Iterator[bytes]:
    while chunk := f.read(block):
        yield chunk


def _lines(blocks: Iterator[bytes], start: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line without its newline) of a stream of blocks, from `start`.

    A corrupt compressed stream raises StreamCut after its last whole line; the partial
    line it broke off in is never yielded as a record.
    """
    pending = b""
    offset = start
    try:
        for chunk in blocks:
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                yield offset, line
                offset += len(line) + 1
    except CorruptFile as err:
        raise StreamCut(offset, err) from None
    if pending:
        yield offset, pending


def truncated_row(name: str, offset: int, detail: str) -> dict:
    """The one quarantine entry that stands for the unreadable rest of a file."""
    return {"file": name, "offset": offset, "raw": None, "reason": TRUNCATED_FILE, "detail": detail}


def _jsonl_rows(task: ReadTask, cfg: InputConfig) -> Iterator[dict]:
    fs, path = storage.filesystem(task.url)
    with fs.open(path, "rb") as f:
        start = 0
        if task.compression:
            blocks = chunks(f, task.compression)
        else:
            if task.start > 0:
                # a line belongs to the range holding its first byte: skip the one begun before
                f.seek(task.start - 1)
                start = task.start - 1 + len(f.readline())
            blocks = _blocks(f)
        try:
            for offset, line in _lines(blocks, start):
                if task.end >= 0 and offset >= task.end:
                    break
                stripped = line.rstrip(b"\r")
                if offset == 0 and stripped.startswith(BOM):
                    stripped = stripped[len(BOM) :]
                if stripped.strip():  # blank lines are separators, not records
                    yield _parse_line(stripped, task.name, offset, cfg)
        except StreamCut as cut:
            size = fs.size(path)
            yield truncated_row(
                task.name,
                cut.offset,
                f"{cut.cause.message} (file size {size} bytes); records from decompressed "
                f"byte {cut.offset} on are lost",
            )


def _parquet_rows(task: ReadTask, cfg: InputConfig) -> Iterator[dict]:
    import pyarrow.parquet as pq

    if task.start < 0:  # a file whose footer does not parse, quarantined whole
        try:
            _parquet_groups(task.url)
        except CorruptFile as err:
            yield truncated_row(task.name, 0, f"{err.message}; the whole file is quarantined")
        return
    fs, path = storage.filesystem(task.url)
    with fs.open(path, "rb") as f:
        pf = pq.ParquetFile(f)
        if pf.num_row_groups == 0:
            return
        first = sum(pf.metadata.row_group(g).num_rows for g in range(task.start))
        row_number = first
        try:
            for batch in pf.iter_batches(row_groups=[task.start], batch_size=1024):
                for record, bad in _records(batch, task.name, row_number):
                    yield record if bad else _parquet_record(record, task, row_number, cfg)
                    row_number += 1
        except (pa.ArrowException, OSError) as err:
            group = pf.metadata.row_group(task.start)
            at = group.column(0).file_offset if group.num_columns else 0
            yield truncated_row(
                task.name,
                row_number,
                f"row group {task.start} (at byte {at}) does not decode from row {row_number} "
                f"({type(err).__name__}: {str(err)[:120]})",
            )


def _records(batch: pa.RecordBatch, name: str, first: int) -> list[tuple[dict, bool]]:
    """(row, quarantined) of a batch: a row whose strings are not UTF-8 is a quarantine row."""
    try:
        return [(r, False) for r in batch.to_pylist()]
    except UnicodeDecodeError:
        rows = []
        for i in range(batch.num_rows):
            try:
                rows.append((batch.slice(i, 1).to_pylist()[0], False))
            except UnicodeDecodeError as err:
                rows.append(
                    ({"file": name, "offset": first + i, "raw": None, "reason": INVALID_UTF8,
                      "detail": str(err)[:200]}, True)
                )  # fmt: skip
        return rows


def _parquet_record(record: dict, task: ReadTask, row_number: int, cfg: InputConfig) -> dict:
    text = record.get(cfg.text_field)
    if isinstance(text, bytes):
        try:
            record[cfg.text_field] = text.decode("utf-8")
        except UnicodeDecodeError as err:
            return {"file": task.name, "offset": row_number, "raw": text, "reason": INVALID_UTF8,
                    "detail": str(err)[:200]}  # fmt: skip
    try:
        raw = json.dumps(record, default=str, ensure_ascii=False).encode()
    except (RecursionError, UnicodeEncodeError, ValueError) as err:
        return {"file": task.name, "offset": row_number, "raw": None, "reason": TOO_DEEP
                if isinstance(err, RecursionError) else INVALID_UTF8, "detail": str(err)[:200]}  # fmt: skip
    return validate_record(record, raw, task.name, row_number, cfg)


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
