"""Hostile input: every record comes out kept or quarantined with a reason, every corrupt
or truncated file is named (or quarantined as one `truncated_file` entry), nothing crashes
the reader and nothing is lost without a word."""

from __future__ import annotations

import bz2
import gzip
import io
import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from helpers import subset
from rel_helpers import SOURCES3

from splitlib.config import InputConfig
from splitlib.errors import UserError
from splitlib.reading import list_inputs, plan_tasks, read_task

pytestmark = pytest.mark.reliability

COMPRESS = {
    "gz": lambda b: gzip.compress(b, mtime=0),
    "zst": lambda b: zstandard.ZstdCompressor().compress(b),
    "bz2": bz2.compress,
}


def read_folder(folder, cfg: InputConfig | None = None, on_corrupt: str = "quarantine"):
    """Every row the reader yields for every file under `folder` (no Spark)."""
    cfg = cfg or InputConfig()
    rows = []
    for task in plan_tasks(list_inputs(str(folder)), cfg.split_bytes, on_corrupt):
        for batch in read_task(task, cfg, 256, 1 << 20):
            rows += batch.to_pylist()
    return rows


def lines_of(records) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


HOSTILE = [  # (line, reason): the crashes first
    (b'{"id":"\\udc80x","text":"a doc"}', "invalid_utf8"),
    (b'{"id":"m","text":"a doc","source":"bad \\ud800 field"}', "invalid_utf8"),
    (b'{"id":"k","text":"a doc","n":{"\\udfff":1}}', "invalid_utf8"),
    (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
    (b'{"id":"deep","text":"a doc","x":' + b"[" * 70 + b"]" * 70 + b"}", "too_deep"),
    (json.dumps({"id": "i" * 2000, "text": "a doc"}).encode(), "oversize"),
    (json.dumps({"id": "f", "text": "a doc", "k" * 2000: 1}).encode(), "oversize"),
    (b"42", "invalid_json"),
    (b'"just a string"', "invalid_json"),
    (b"null", "invalid_json"),
    (b"\xff\xfe\x00garbage", "invalid_utf8"),
    (b'{"text": "cut', "invalid_json"),
]


def test_each_hostile_record_is_quarantined_with_its_reason(tmp_path):
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(line for line, _ in HOSTILE) + b"\n")
    rows = read_folder(tmp_path)
    assert [r["reason"] for r in rows] == [reason for _, reason in HOSTILE]
    assert all(r["detail"] for r in rows)
    assert rows[3]["raw"] == HOSTILE[3][0]  # the record as read stays with its reason


def test_fields_named_like_output_columns_are_carried_under_meta_names(tmp_path):
    record = {"id": "a", "text": "a doc", "label": "x", "n_tokens": 5, "file": "f.txt",
              "offset": 3, "Domain": "d", "meta_x": 1, "a b": 2, "source": "kept as is"}  # fmt: skip
    (tmp_path / "in.jsonl").write_bytes(lines_of([record]))
    (row,) = read_folder(tmp_path)
    assert row["reason"] is None and row["file"] == "in.jsonl" and row["offset"] == 0
    meta = json.loads(row["meta"])
    assert sorted(meta) == sorted(
        ["meta_label", "meta_n_tokens", "meta_file", "meta_offset", "meta_Domain",
         "meta_meta_x", "source", next(k for k in meta if k.startswith("meta_a_b_"))]
    )  # fmt: skip
    assert meta["meta_label"] == "x" and meta["source"] == "kept as is"


@pytest.mark.parametrize("suffix", ["zst", "gz", "bz2"])
def test_a_truncated_compressed_file_is_named_never_silently_short(tmp_path, suffix):
    # the silent loss: a truncated .zst committed about 300 of 525 records short
    records = subset(175, SOURCES3)
    data = COMPRESS[suffix](lines_of(records))
    cut = data[: len(data) * 6 // 10]
    (tmp_path / f"part.jsonl.{suffix}").write_bytes(cut)
    rows = read_folder(tmp_path)
    *kept, last = rows
    assert all(r["reason"] is None for r in kept)  # no cut line shows up as invalid_json
    assert len(kept) < 525 and (len(kept) > 0 or suffix == "bz2")  # bz2 decodes whole blocks
    assert last["reason"] == "truncated_file"
    assert f"file size {len(cut)} bytes" in last["detail"]
    assert f"byte {len(cut)}" in last["detail"]
    whole = lines_of(records[: len(kept)])
    assert [r["id"] for r in kept] == [r["id"] for r in records[: len(kept)]]
    assert last["offset"] == len(whole)  # the loss starts right after the last whole line


def test_a_corrupt_member_in_the_middle_is_named(tmp_path):
    data = bytearray(gzip.compress(lines_of(subset(50, SOURCES3)), mtime=0))
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(64)
    (tmp_path / "bad.jsonl.gz").write_bytes(bytes(data))
    rows = read_folder(tmp_path)
    assert rows[-1]["reason"] == "truncated_file"
    assert "corrupt at or after compressed byte" in rows[-1]["detail"]
    assert sum(r["reason"] is None for r in rows) == len(rows) - 1 < 150


def test_an_empty_compressed_file_has_no_records(tmp_path):
    (tmp_path / "empty.jsonl.gz").write_bytes(b"")
    (tmp_path / "empty.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(b""))
    assert read_folder(tmp_path) == []


def test_a_truncated_parquet_file_is_named_or_quarantined_whole(tmp_path):
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(subset(10, SOURCES3)), buffer)
    data = buffer.getvalue()[:-100]
    (tmp_path / "broken.parquet").write_bytes(data)
    with pytest.raises(UserError, match=r"'broken.parquet' is corrupt.*at byte \d+"):
        read_folder(tmp_path, on_corrupt="fail")
    (row,) = read_folder(tmp_path)
    assert row["reason"] == "truncated_file" and f"of {len(data)} bytes" in row["detail"]
