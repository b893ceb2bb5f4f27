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


def test_normalize_folds_every_unicode_space_run_to_one_space():
    spaces = "".join(chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace())
    assert len(spaces) == 29  # the characters Python's str.split and regex \s both split on
    assert normalize(f"{spaces}Ｈｅｌｌｏ{spaces}Wörld\u00a0\u2003!{spaces}") == "hello wörld !"
    assert normalize(spaces) == ""
    assert normalize("a\u200bb") == "a\u200bb"  # a zero-width space is not white space
