"""From shards to packed windows: every document once per epoch, eos between documents,
seeded order, exact resume positions, exact replay fraction, verified checksums."""

import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from splitlib.errors import UserError
from splitlib.manifest import read_manifest
from splitlib.train.data import (
    PackedStream,
    ReplayStream,
    read_shard,
    split_shards,
    token_documents,
    validation_documents,
)

SEQ = 64


def _vocab(run):
    return read_manifest(run)["tokenizer"]["vocab_size"]


def _stream(run, set_name="domain", domain="kjv-bible", seed=0, name=None, position=None):
    manifest = read_manifest(run)
    shards = split_shards(run, manifest, set_name, domain)
    return PackedStream(shards, SEQ, 0, _vocab(run), seed, name or f"{set_name}={domain}", position)


def _docs(run, set_name="domain", domain="kjv-bible"):
    manifest = read_manifest(run)
    out = []
    for shard in split_shards(run, manifest, set_name, domain):
        docs = token_documents(read_shard(shard, ["token_ids"]), _vocab(run), shard.url)
        out += [tuple(docs.doc(i).tolist()) for i in range(len(docs))]
    return out


def test_one_epoch_holds_every_document_once_with_eos_between(split_run):
    docs = _docs(split_run)
    total = sum(len(d) + 1 for d in docs)  # + the eos after each document
    stream = _stream(split_run)
    windows = [stream.next_window() for _ in range(total // SEQ + 1)]
    flat = np.concatenate([w[:SEQ] for w in windows])[:total]
    assert flat[-1] == 0 and stream.pos.epoch == 1
    packed = [tuple(x) for x in np.split(flat, np.flatnonzero(flat == 0) + 1) if len(x)]
    assert Counter(p[:-1] for p in packed) == Counter(docs)
    assert all(p[-1] == 0 for p in packed)


def test_windows_share_one_token_so_each_token_is_predicted_once(split_run):
    stream = _stream(split_run)
    a, b = stream.next_window(), stream.next_window()
    assert len(a) == SEQ + 1 and a[-1] == b[0]


def test_order_is_fixed_by_the_seed(split_run):
    first = [_stream(split_run, seed=1).take(4)[0] for _ in range(2)]
    other = _stream(split_run, seed=2).take(4)[0]
    assert np.array_equal(first[0], first[1])
    assert not np.array_equal(first[0], other)


def test_a_saved_position_continues_mid_document(split_run):
    stream = _stream(split_run, seed=3)
    stream.take(37)
    resumed = _stream(split_run, seed=3, position=stream.state())
    assert stream.state()["token"] > 0  # really mid-document
    assert np.array_equal(stream.take(50)[0], resumed.take(50)[0])


def test_replay_takes_exactly_the_fraction_from_the_mixture(split_run):
    replay = ReplayStream(
        _stream(split_run), _stream(split_run, "mixture", None, name="replay"), 0.25, weight=0.5
    )
    windows, weights = replay.take(100)
    assert np.flatnonzero(weights == 0.5).tolist() == list(range(3, 100, 4))
    mixture = _stream(split_run, "mixture", None, name="replay").take(25)[0]
    assert np.array_equal(windows[weights == 0.5], mixture)
    assert replay.state()["index"] == 100


def test_checksum_mismatch_is_one_clear_error(split_run, tmp_path):
    run = str(tmp_path / "copy")
    shutil.copytree(split_run, run)
    shard = split_shards(run, read_manifest(run), "mixture")[0]
    path = Path(shard.url)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(UserError, match="checksum mismatch for shard .*part-00000.parquet"):
        read_shard(shard, ["token_ids"])


def test_token_ids_outside_the_vocabulary_are_refused(split_run):
    shard = split_shards(split_run, read_manifest(split_run), "valid", "kjv-bible")[0]
    with pytest.raises(UserError, match="outside the vocabulary of 100"):
        token_documents(read_shard(shard, ["token_ids"]), 100, shard.url)


def test_validation_reads_whole_documents_up_to_the_cap(split_run):
    manifest = read_manifest(split_run)
    docs = validation_documents(split_run, manifest, "python-docs", _vocab(split_run), 1000)
    sizes = [len(d.ids) for d in docs]
    assert sum(sizes[:-1]) < 1000 <= sum(sizes)
    assert {d.domain for d in docs} == {"python-docs"} and all(d.text for d in docs)
