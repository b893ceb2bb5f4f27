"""Reading JSONL (plain, .gz, .zst) and Parquet into validated records."""

from __future__ import annotations

import gzip
import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from helpers import subset

from splitlib.config import InputConfig
from splitlib.errors import UserError
from splitlib.reading import list_inputs, plan_tasks, read_task
from splitlib.text import normalize


def read_all(url: str, split_bytes: int = 1 << 30, cfg: InputConfig | None = None) -> list[dict]:
    cfg = cfg or InputConfig()
    tasks = plan_tasks(list_inputs(url), split_bytes)
    return [r for t in tasks for b in read_task(t, cfg, 7, 1 << 20) for r in b.to_pylist()]


@pytest.fixture
def records():
    return subset(5, ("kjv-bible", "fortunes"))


def test_byte_ranges_read_every_line_exactly_once(tmp_path, records):
    body = "".join(json.dumps({k: v for k, v in r.items() if k != "id"}) + "\n" for r in records)
    (tmp_path / "c.jsonl").write_text(body)
    whole = read_all(str(tmp_path / "c.jsonl"))
    for split_bytes in (100, 997, 5000):
        parts = read_all(str(tmp_path / "c.jsonl"), split_bytes)
        assert [r["id"] for r in parts] == [r["id"] for r in whole]
    assert [r["text"] for r in whole] == [r["text"] for r in records]
    assert whole[0]["id"] == "c.jsonl@0"  # a stable id from file and offset


def test_compressed_and_parquet_inputs_read_the_same_records(tmp_path, records):
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(body))
    (tmp_path / "b.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(body))
    pq.write_table(pa.Table.from_pylist(records), tmp_path / "c.parquet")
    for name in ("a.jsonl.gz", "b.jsonl.zst", "c.parquet"):
        rows = read_all(str(tmp_path / name))
        assert [r["id"] for r in rows] == [r["id"] for r in records]
        assert [r["reason"] for r in rows] == [None] * len(records)
        meta = json.loads(rows[0]["meta"])
        assert meta["source"] == records[0]["source"] and "text" not in meta
    assert len(list_inputs(str(tmp_path))) == 3
    assert len(list_inputs(str(tmp_path / "*.parquet"))) == 1


def test_configurable_field_names(tmp_path):
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"doc": "d1", "body": "Real words here.", "cat": "x"}) + "\n"
    )
    cfg = InputConfig(text_field="body", id_field="doc", label_field="cat")
    [row] = read_all(str(tmp_path / "c.jsonl"), cfg=cfg)
    assert (row["id"], row["text"], row["label"], row["meta"]) == (
        "d1",
        "Real words here.",
        "x",
        None,
    )


def test_missing_input_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="input not found"):
        list_inputs(str(tmp_path / "nothing-here"))


def test_a_leading_byte_order_mark_is_not_part_of_the_first_record(tmp_path, records):
    body = "".join(json.dumps(r) + "\n" for r in records).encode()
    (tmp_path / "bom.jsonl").write_bytes(b"\xef\xbb\xbf" + body)
    (tmp_path / "bom.jsonl.gz").write_bytes(gzip.compress(b"\xef\xbb\xbf" + body))
    for name in ("bom.jsonl", "bom.jsonl.gz"):
        rows = read_all(str(tmp_path / name))
        assert [r["reason"] for r in rows] == [None] * len(records)
        assert [r["id"] for r in rows] == [r["id"] for r in records]
    # only at the start of a file: elsewhere it is a byte of a broken line
    (tmp_path / "mid.jsonl").write_bytes(body + b"\xef\xbb\xbf" + body[: body.index(b"\n") + 1])
    assert [r["reason"] for r in read_all(str(tmp_path / "mid.jsonl"))][-1] == "invalid_json"


def test_files_in_other_formats_are_named_not_read(tmp_path, records):
    """A folder's files in no format splitlib reads are listed for the job to report (hidden
    files and Spark's markers are not); a folder or file holding only such files is refused
    with the formats it reads; a file whose name holds '[' is read as that file."""
    body = "".join(json.dumps(r) + "\n" for r in records)
    (tmp_path / "a.jsonl").write_text(body)
    (tmp_path / "b.jsonl.xz").write_bytes(b"xz")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / ".a.jsonl.crc").write_text("")
    skipped: list[str] = []
    assert [name for _, name, _ in list_inputs(str(tmp_path), skipped)] == ["a.jsonl"]
    assert skipped == ["b.jsonl.xz", "notes.txt"]
    with pytest.raises(UserError) as err:
        list_inputs(str(tmp_path / "notes.txt"))
    assert str(err.value) == (
        f"input {str(tmp_path / 'notes.txt')!r} holds no file splitlib reads (notes.txt): it "
        "reads .jsonl, .json, .ndjson (plain or .bz2, .gz, .zst) and .parquet. Convert the "
        "files, or pass --input with the corpus's files."
    )
    (tmp_path / "a[1].jsonl").write_text(body)
    [(_, name, _)] = list_inputs(str(tmp_path / "a[1].jsonl"))
    assert name == "a[1].jsonl"
    assert len(read_all(str(tmp_path / "a[1].jsonl"))) == len(records)


def test_a_null_text_or_empty_label_says_so(tmp_path):
    lines = [
        {"id": "1", "text": None},
        {"id": "2"},
        {"id": "3", "text": "Real words.", "cat": ""},
        {"id": "4", "text": "Real words."},
    ]
    (tmp_path / "c.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    rows = read_all(str(tmp_path / "c.jsonl"), cfg=InputConfig(label_field="cat"))
    assert [r["detail"] for r in rows] == [
        "field 'text' is null",
        "field 'text' is missing",
        "field 'cat' is \"\"",
        "field 'cat' is missing",
    ]


def test_normalize_folds_every_unicode_space_run_to_one_space():
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert len(spaces) == 29  # the characters Python's str.split and regex \s both split on
    assert normalize(f"{spaces}Ｈｅｌｌｏ{spaces}Wörld\u00a0\u2003!{spaces}") == "hello wörld !"
    assert normalize(spaces) == ""
    assert normalize("a\u200bb") == "a\u200bb"  # a zero-width space is not white space
