"""The bundled real-text corpus: present, complete, well-formed and real."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
from collections import Counter
from pathlib import Path

import pytest

from splitlib.corpus import SOURCES, bundled_corpus_path

MAX_COMPRESSED_BYTES = 5_000_000
MIN_DOCS_PER_SOURCE = 1_000


@pytest.fixture(scope="module")
def records() -> list[dict]:
    with gzip.open(bundled_corpus_path(), "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_file_exists_and_is_small():
    path = bundled_corpus_path()
    assert os.path.isabs(path)
    assert os.path.isfile(path), f"missing {path}: run python scripts/build_corpus.py"
    assert os.path.getsize(path) <= MAX_COMPRESSED_BYTES


def test_gzip_header_is_deterministic():
    with open(bundled_corpus_path(), "rb") as fh:
        header = fh.read(10)
    assert header[:3] == b"\x1f\x8b\x08"
    assert header[3] == 0, "no file name or other optional fields"
    assert header[4:8] == b"\0\0\0\0", "mtime must be 0"


def test_sources_names():
    assert len(SOURCES) == 7
    assert len(set(SOURCES)) == 7


def test_every_source_is_present_with_enough_documents(records):
    counts = Counter(r["source"] for r in records)
    assert set(counts) == set(SOURCES)
    for source in SOURCES:
        assert counts[source] >= MIN_DOCS_PER_SOURCE, (source, counts[source])


def test_record_schema(records):
    for r in records:
        assert set(r) == {"id", "text", "source", "topic", "license"}, r.get("id")
        for key in ("id", "text", "source", "license"):
            assert isinstance(r[key], str) and r[key].strip(), (r.get("id"), key)
        assert r["topic"] is None or (isinstance(r["topic"], str) and r["topic"])
        assert r["id"].startswith(r["source"] + "/")


def test_ids_are_unique(records):
    ids = Counter(r["id"] for r in records)
    assert len(ids) == len(records), ids.most_common(3)


def test_one_license_per_source(records):
    licenses: dict[str, set[str]] = {}
    for r in records:
        licenses.setdefault(r["source"], set()).add(r["license"])
    assert all(len(v) == 1 for v in licenses.values()), licenses
    assert licenses["wikipedia"] == {"CC-BY-SA-4.0"}
    assert licenses["kjv-bible"] == {"public-domain"}


def test_document_lengths(records):
    lengths = sorted(len(r["text"]) for r in records)
    assert lengths[0] >= 100
    assert lengths[-1] <= 8_000
    inside = sum(200 <= n <= 4_000 for n in lengths)
    assert inside >= 0.95 * len(lengths)
    assert 5_000_000 <= sum(lengths) <= 15_000_000


def test_sources_interleave(records):
    head = {r["source"] for r in records[:200]}
    assert head == set(SOURCES)


@pytest.mark.parametrize(
    ("source", "phrase"),
    [
        ("kjv-bible", "In the beginning God created the heaven and the earth"),
        ("shakespeare", "To be, or not to be"),
        ("wikipedia", "Albert Einstein was a German-born theoretical physicist"),
        ("wordnet", "dog, domestic dog, Canis familiaris:"),
        ("python-docs", "Beautiful is better than ugly."),
    ],
)
def test_text_is_real(records, source, phrase):
    hits = [r["id"] for r in records if r["source"] == source and phrase in r["text"]]
    assert hits, f"{phrase!r} not found in any {source} document"


def test_recipes_are_rendered_and_clean(records):
    recipes = [r["text"] for r in records if r["source"] == "wikibooks-recipes"]
    assert sum("Ingredients:" in t for t in recipes) >= 0.9 * len(recipes)
    for t in recipes:
        assert "<ref" not in t and "{{" not in t and "&nbsp;" not in t


def test_no_control_characters(records):
    bad = [
        r["id"]
        for r in records
        if any(ord(c) < 32 and c not in "\n\t" for c in r["text"]) or "\r" in r["text"]
    ]
    assert not bad, bad[:5]


def test_build_script_agrees_with_package():
    """scripts/build_corpus.py names the same sources, in the same order."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "build_corpus.py"
    spec = importlib.util.spec_from_file_location("_build_corpus_under_test", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.SOURCES == SOURCES
    assert set(module.ANCHORS) <= set(SOURCES)


def test_notice_and_readme_are_packaged_next_to_the_corpus():
    folder = Path(bundled_corpus_path()).parent
    notice = (folder / "NOTICE").read_text(encoding="utf-8")
    assert "https://creativecommons.org/licenses/by-sa/4.0/" in notice
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in notice
    assert "PSF LICENSE AGREEMENT" in notice
    assert (folder / "README.md").is_file()
