"""Fixtures of the training tests.

TEMPORARY: `split_run` builds a tiny committed split by hand, following the manifest
contract, until the real Spark split job can make one in tests; then it is replaced
by a fixture that runs the job. Keep it tiny and keep the tests using only its name.
"""

from __future__ import annotations

import gzip
import json
import os

import pyarrow as pa
import pytest

from splitlib.corpus import bundled_corpus_path
from splitlib.manifest import write_manifest
from splitlib.shards import shard_path, write_shard
from splitlib.tokenizer import encode, tokenizer_info, train_tokenizer

DOMAINS = ("kjv-bible", "python-docs", "wikibooks-recipes")  # three clearly different sources
TRAIN_DOCS, VALID_DOCS, VOCAB = 240, 24, 512


def _documents() -> dict[str, list[dict]]:
    """The first TRAIN_DOCS + VALID_DOCS documents of each domain, in file order."""
    docs: dict[str, list[dict]] = {d: [] for d in DOMAINS}
    with gzip.open(bundled_corpus_path(), "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            bucket = docs.get(record["source"])
            if bucket is not None and len(bucket) < TRAIN_DOCS + VALID_DOCS:
                bucket.append(record)
    return docs


def _table(records: list[dict], tokenizer) -> pa.Table:
    ids = encode(tokenizer, [r["text"] for r in records])
    return pa.table(
        {
            "id": [r["id"] for r in records],
            "text": [r["text"] for r in records],
            "domain": [r["source"] for r in records],
            "n_tokens": pa.array([len(x) for x in ids.to_pylist()], type=pa.int32()),
            "token_ids": ids,
        }
    )


def build_split(root: str) -> str:
    docs = _documents()
    train = {d: docs[d][:TRAIN_DOCS] for d in DOMAINS}
    valid = {d: docs[d][TRAIN_DOCS:] for d in DOMAINS}
    tokenizer = train_tokenizer([r["text"] for d in DOMAINS for r in train[d]], VOCAB)
    os.makedirs(f"{root}/tokenizer", exist_ok=True)
    tokenizer.save(f"{root}/tokenizer/tokenizer.json")
    shards, domains = [], []

    def add(set_name: str, domain: str | None, index: int, records: list[dict]) -> dict:
        entry = write_shard(root, shard_path(set_name, domain, index), _table(records, tokenizer))
        shards.append({**entry, "set": set_name, "domain": domain})
        return entry

    mixture = sorted((r for d in DOMAINS for r in train[d]), key=lambda r: r["id"])
    half = len(mixture) // 2
    add("mixture", None, 0, mixture[:half])
    add("mixture", None, 1, mixture[half:])
    for i, d in enumerate(DOMAINS):
        a = add("domain", d, 0, train[d][: TRAIN_DOCS // 2])
        b = add("domain", d, 1, train[d][TRAIN_DOCS // 2 :])
        v = add("valid", d, 0, valid[d])
        domains.append(
            {"name": d, "index": i, "docs": TRAIN_DOCS, "train_tokens": a["tokens"] + b["tokens"],
             "valid_tokens": v["tokens"]}
        )  # fmt: skip
    write_manifest(
        root,
        {
            "tokenizer": tokenizer_info(tokenizer, "tokenizer/tokenizer.json"),
            "domains": domains,
            "shards": shards,
            "plan": None,
        },
    )
    return root


@pytest.fixture(scope="session")
def split_run(tmp_path_factory) -> str:
    """Run root (path string) of a small committed split of real text: 3 domains."""
    return build_split(str(tmp_path_factory.mktemp("split_run")))
