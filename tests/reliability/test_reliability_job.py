"""The whole job on a folder of hostile input: it commits with every record kept or
quarantined with its reason (truncated files as one entry each), or, by default, stops
with one line naming the corrupt file and the byte offset, committing nothing."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from helpers import subset
from rel_helpers import SOURCES3, split_config

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

HOSTILE = [  # (line, reason) in a file of good records; the first four crashed the job
    (b'{"id":"\\udc80x","text":"a doc","source":"kjv-bible"}', "invalid_utf8"),
    (b"[" * 100_000 + b"]" * 100_000, "too_deep"),
    (
        b'{"id":"deep","text":"a doc","source":"kjv-bible","x":' + b"[" * 80 + b"]" * 80 + b"}",
        "too_deep",
    ),  # fmt: skip
    (
        json.dumps({"id": "x" * 5000, "text": "long id", "source": "kjv-bible"}).encode(),
        "oversize",
    ),  # fmt: skip
    (b'["not", "an", "object"]', "invalid_json"),
    (b'{"id": "bad-bytes", "text": "caf\xe9", "source": "kjv-bible"}', "invalid_utf8"),
]
CLASH = {"id": "clash", "text": "A recipe: stir the flour into the butter, then add milk.",
         "source": "wikibooks-recipes", "label": "x", "n_tokens": 5, "file": "f.txt",
         "offset": 7, "domain": "d", "split": "s"}  # fmt: skip


@pytest.fixture(scope="module")
def hostile_folder(small_corpus, tmp_path_factory):
    """good.jsonl (real records, hostile lines, a duplicate, field-name clashes) and a
    zstd file cut at 60%; returns the folder and the number of whole records in the cut."""
    folder = tmp_path_factory.mktemp("hostile")
    good = Path(small_corpus).read_bytes().splitlines()
    first = json.loads(good[0])
    dup = json.dumps({**first, "text": "another text under the same id"}).encode()
    lines = good + [line for line, _ in HOSTILE] + [json.dumps(CLASH).encode(), dup]
    (folder / "good.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    first_60 = subset(60, SOURCES3)
    more = [r for r in subset(100, SOURCES3) if r not in first_60]
    data = b"".join(json.dumps(r).encode() + b"\n" for r in more)
    cut = zstandard.ZstdCompressor().compress(data)
    cut = cut[: len(cut) * 6 // 10]
    (folder / "cut.jsonl.zst").write_bytes(cut)
    whole = zstandard.ZstdDecompressor().decompressobj().decompress(cut).count(b"\n")
    return folder, len(good), whole


def test_by_default_a_truncated_file_stops_the_job_naming_it(spark, hostile_folder, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.errors import UserError

    folder, _, _ = hostile_folder
    out = tmp_path / "run"
    with pytest.raises(UserError, match=r"'cut.jsonl.zst' is corrupt: .* at byte \d+") as err:
        run_split(split_config(str(folder), str(out)), spark=spark)
    assert "on_corrupt_file=quarantine" in str(err.value)
    assert not (out / "manifest.json").exists()


def test_quarantine_mode_commits_every_record_accounted_for(spark, hostile_folder, tmp_path):
    from jobs.pipeline import run_split

    folder, n_good, whole = hostile_folder
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(subset(5, SOURCES3)), buffer)
    (tmp_path / "in").mkdir()
    for name in ("good.jsonl", "cut.jsonl.zst"):
        shutil.copy(folder / name, tmp_path / "in" / name)
    (tmp_path / "in" / "broken.parquet").write_bytes(buffer.getvalue()[:-50])
    out = tmp_path / "run"
    cfg = split_config(str(tmp_path / "in"), str(out), "input.on_corrupt_file=quarantine")
    manifest = run_split(cfg, spark=spark)
    counts = manifest["counts"]
    assert counts["quarantine_reasons"] == {
        "duplicate_id": 1, "invalid_json": 1, "invalid_utf8": 2, "oversize": 1,
        "too_deep": 2, "truncated_file": 2,
    }  # fmt: skip
    assert counts["kept"] == n_good + 1 + whole  # the good ones, the clash record, the cut's
    assert counts["read"] == counts["kept"] + counts["quarantined"]
    quarantine = pq.read_table(out / "quarantine" / "part-00000.parquet").to_pylist()
    truncated = sorted(r["file"] for r in quarantine if r["reason"] == "truncated_file")
    assert truncated == ["broken.parquet", "cut.jsonl.zst"]
    docs = pq.read_table(out / "docs").to_pylist()
    (clash,) = [r for r in docs if r["id"] == "clash"]
    assert clash["label"] == "wikibooks-recipes" and clash["file"] == "good.jsonl"
    assert (clash["meta_label"], clash["meta_n_tokens"], clash["meta_file"]) == ("x", "5", "f.txt")
    assert (clash["meta_offset"], clash["meta_domain"], clash["meta_split"]) == ("7", "d", "s")
