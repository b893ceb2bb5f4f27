"""Every kind of bad record is quarantined with its reason; the job still succeeds."""

from __future__ import annotations

import json
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from helpers import subset

pytestmark = pytest.mark.slow


def _bad_lines(good: list[dict]) -> list[tuple[bytes, str | None]]:
    """(line, expected quarantine reason or None) for a file of mixed records.

    The first record with an id or a text stays; later repeats are quarantined.
    """
    first, second = good[0], good[1]
    line = lambda r: json.dumps(r).encode()  # noqa: E731
    return [
        (line(first), None),
        (line(second), None),
        (b'{"id": "broken", "text": "no closing brace"', "invalid_json"),
        (b'["a", "list", "not", "an", "object"]', "invalid_json"),
        (b'{"id": "latin1", "text": "caf\xe9", "source": "x"}', "invalid_utf8"),
        (line({"id": "surrogate", "text": "bad \ud800 escape", "source": "x"}), "invalid_utf8"),
        (
            line({"id": "no-text", "body": "the text is under another key", "source": "x"}),
            "missing_text",
        ),
        (line({"id": "number", "text": 42, "source": "x"}), "text_not_string"),
        (line({"id": "blank", "text": " \t\n\u00a0 ", "source": "x"}), "empty_text"),
        (line({"id": "huge", "text": "word " * 2000, "source": "x"}), "oversize"),
        (
            line({"id": "unlabeled", "text": "A sentence of real words without a label."}),
            "missing_label",
        ),
        (line({**second, "text": "Another text that reuses an id."}), "duplicate_id"),
        (
            line({**first, "id": "copy", "text": "  " + first["text"].upper() + "  "}),
            "duplicate_text",
        ),
    ]


def test_every_bad_record_is_quarantined_with_its_reason(spark, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.config import build

    folder = tmp_path / "in"
    folder.mkdir()
    good = subset(30, ("kjv-bible", "python-docs", "wikibooks-recipes"))
    recipes = [r for r in good if r["source"] == "wikibooks-recipes"]
    others = [r for r in good if r["source"] != "wikibooks-recipes"]
    rows = _bad_lines(others)
    (folder / "a-mixed.jsonl").write_bytes(b"\n".join(line for line, _ in rows) + b"\n\n")
    plain = "".join(json.dumps(r) + "\n" for r in others[2:]).encode()
    bom = b"\xef\xbb\xbf"  # as Windows tools write: the first record is kept all the same
    (folder / "b-more.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(bom + plain))
    pq.write_table(pa.Table.from_pylist(recipes), folder / "c-recipes.parquet")
    (folder / "d-notes.txt").write_text("not read, and named")
    (folder / "_SUCCESS").write_text("")  # a Spark marker: neither read nor named

    out = str(tmp_path / "run")
    cfg = build(
        overrides=[
            f"input.path={folder}",
            f"out={out}",
            "input.label_field=source",
            "input.max_doc_bytes=4000",
            "features.vocab_size=512",
        ]
    )
    manifest = run_split(cfg, spark=spark)

    expected = [reason for _, reason in rows if reason]
    assert [i["name"] for i in manifest["inputs"]] == [
        "a-mixed.jsonl",
        "b-more.jsonl.zst",
        "c-recipes.parquet",
    ]
    assert manifest["skipped_inputs"] == ["d-notes.txt"]
    counts = manifest["counts"]
    assert counts["read"] == len(rows) + len(others[2:]) + len(recipes)
    assert counts["quarantined"] == len(expected)
    assert counts["kept"] == len(good)
    assert counts["quarantine_reasons"] == {r: expected.count(r) for r in set(expected)}
    quarantine = pq.read_table(os.path.join(out, "quarantine", "part-00000.parquet")).to_pylist()
    by_offset = {(q["file"], q["offset"]): q for q in quarantine}
    offset = 0
    for line, reason in rows:
        if reason:
            q = by_offset[("a-mixed.jsonl", offset)]
            assert q["reason"] == reason
            assert q["raw"] == line or q["text"] is not None  # the record is kept, not lost
        offset += len(line) + 1
    assert [d["name"] for d in manifest["domains"]] == [
        "kjv-bible",
        "python-docs",
        "wikibooks-recipes",
    ]


def test_an_empty_input_is_named_empty(spark, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.config import build
    from splitlib.errors import UserError

    (tmp_path / "empty.jsonl").write_bytes(b"\n\n")  # blank lines are not records
    cfg = build(overrides=[f"input.path={tmp_path / 'empty.jsonl'}", f"out={tmp_path / 'run'}"])
    with pytest.raises(UserError) as err:
        run_split(cfg, spark=spark)
    assert str(err.value) == (
        f"the input {str(tmp_path / 'empty.jsonl')!r} is empty: its files hold no records. "
        "Check --input."
    )
    assert not (tmp_path / "run" / "manifest.json").exists()
