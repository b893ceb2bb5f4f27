"""From a committed split on storage to packed training sequences.

Shards are read one at a time through fsspec (local or s3://), their SHA-256
checked against the manifest before use. Documents are concatenated with an eos
token after each one (the split's token ids carry none) and cut into windows of
seq_len + 1 tokens, consecutive windows sharing one token, so every token is
predicted exactly once. The order of shards and of documents inside a shard is
a permutation drawn per epoch from (seed, epoch, name): the same seed gives the
same stream on any machine and any number of processes. A stream's position is
four integers, saved in checkpoints, so a resumed run continues mid-document.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from splitlib import manifest as manifest_lib
from splitlib import storage
from splitlib.errors import UserError


@dataclass(frozen=True)
class Shard:
    """One Parquet shard of the split: URL, manifest checksum and size (bytes, tokens)."""

    url: str
    path: str
    sha256: str
    bytes: int
    tokens: int
    domain: str | None


def split_shards(
    run_root: str, manifest: dict[str, Any], set_name: str, domain: str | None = None
) -> list[Shard]:
    """Shards of one set ('mixture', 'domain', 'valid'), optionally of one domain, by path."""
    return [
        Shard(
            url=storage.join(run_root, *s["path"].split("/")),
            path=s["path"],
            sha256=s["sha256"],
            bytes=int(s["bytes"]),
            tokens=int(s["tokens"]),
            domain=s.get("domain"),
        )
        for s in manifest_lib.shards(manifest, set_name, domain)
    ]


def read_shard(shard: Shard, columns: list[str]) -> pa.Table:
    """The shard's table after its checksum matched; one shard in memory at a time."""
    try:
        data = storage.read_bytes(shard.url)
    except FileNotFoundError:
        raise UserError(
            f"shard {shard.url!r} listed in the manifest is missing: the split on storage "
            "is incomplete. Re-run `splitlib run` or restore the file."
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != shard.sha256:
        raise UserError(
            f"checksum mismatch for shard {shard.url!r}: the manifest says sha256 "
            f"{shard.sha256[:16]}..., the file has {digest[:16]}... The split was modified "
            "after it was committed: re-run `splitlib run` or restore the file."
        )
    return pq.read_table(pa.BufferReader(data), columns=columns)


@dataclass
class Documents:
    """Token ids of a shard's documents, flat: document i is values[offsets[i]:offsets[i+1]]."""

    values: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def doc(self, i: int) -> np.ndarray:
        return self.values[self.offsets[i] : self.offsets[i + 1]]


def token_documents(table: pa.Table, vocab_size: int, where: str) -> Documents:
    """The `token_ids` column as flat arrays, after checking every id fits the vocabulary."""
    column = table.column("token_ids").combine_chunks()
    offsets = column.offsets.to_numpy().astype(np.int64)
    values = column.flatten().to_numpy(zero_copy_only=False).astype(np.int32)
    if len(values) and (values.min() < 0 or values.max() >= vocab_size):
        raise UserError(
            f"{where} holds token id {int(values.max())}, outside the vocabulary of "
            f"{vocab_size} in the manifest: the shard and the tokenizer do not belong together."
        )
    return Documents(values, offsets - offsets[0])


def _rng(*keys: int) -> np.random.Generator:
    return np.random.default_rng([int(k) & 0xFFFFFFFF for k in keys])


@dataclass
class StreamPosition:
    """Where the next window starts: epoch, index in the epoch's shard order, index in the
    shard's document order, token offset inside that document (eos included)."""

    epoch: int = 0
    shard: int = 0
    doc: int = 0
    token: int = 0


class PackedStream:
    """An endless, seeded stream of windows of seq_len + 1 token ids over some shards."""

    def __init__(
        self,
        shards: list[Shard],
        seq_len: int,
        eos_id: int,
        vocab_size: int,
        seed: int,
        name: str,
        position: dict | None = None,
    ) -> None:
        if not shards or sum(s.tokens for s in shards) == 0:
            raise UserError(
                f"no training tokens for {name!r} in the manifest: nothing to train on."
            )
        self.shards = shards
        self.seq_len = seq_len
        self.eos_id = eos_id
        self.vocab_size = vocab_size
        self.seed = seed
        self.name = name
        self.pos = StreamPosition(**(position or {}))
        self._cache: dict[tuple[int, int], tuple[Documents, np.ndarray]] = {}

    def state(self) -> dict:
        return asdict(self.pos)

    def _shard_order(self, epoch: int) -> np.ndarray:
        return _rng(self.seed, epoch, zlib.crc32(self.name.encode())).permutation(len(self.shards))

    def _current(self) -> tuple[Documents, np.ndarray]:
        key = (self.pos.epoch, self.pos.shard)
        if key not in self._cache:
            shard = self.shards[self._shard_order(self.pos.epoch)[self.pos.shard]]
            docs = token_documents(read_shard(shard, ["token_ids"]), self.vocab_size, shard.url)
            # keyed by the relative path, so a copy of the split (local or s3) gives the same order
            order = _rng(self.seed, self.pos.epoch, zlib.crc32(shard.path.encode())).permutation(
                len(docs)
            )
            if len(self._cache) >= 2:  # the current shard and the one a peek looked into
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = (docs, order)
        return self._cache[key]

    def _read(self, out: np.ndarray) -> None:
        """Fill `out` with the next tokens and advance past them."""
        filled = 0
        while filled < len(out):
            docs, order = self._current()
            if self.pos.doc >= len(docs):
                self.pos.shard, self.pos.doc, self.pos.token = self.pos.shard + 1, 0, 0
                if self.pos.shard == len(self.shards):
                    self.pos.epoch, self.pos.shard = self.pos.epoch + 1, 0
                continue
            ids = docs.doc(order[self.pos.doc])
            start = self.pos.token
            take = min(len(out) - filled, len(ids) + 1 - start)  # + 1: the eos after the doc
            from_ids = max(0, min(take, len(ids) - start))
            out[filled : filled + from_ids] = ids[start : start + from_ids]
            if from_ids < take:
                out[filled + from_ids] = self.eos_id
            filled += take
            self.pos.token += take
            if self.pos.token == len(ids) + 1:
                self.pos.doc, self.pos.token = self.pos.doc + 1, 0

    def next_window(self) -> np.ndarray:
        """seq_len + 1 token ids; the last one is the first of the next window."""
        window = np.empty(self.seq_len + 1, dtype=np.int64)
        self._read(window[: self.seq_len])
        saved = StreamPosition(**asdict(self.pos))
        self._read(window[self.seq_len :])
        self.pos = saved
        return window

    def take(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The next n windows [n, seq_len + 1] and their loss weights (all 1)."""
        return np.stack([self.next_window() for _ in range(n)]), np.ones(n, dtype=np.float64)


@dataclass
class ReplayStream:
    """A domain stream with a fixed fraction of windows taken from the mixture (replay).

    Window i is a mixture window when floor((i + 1) * fraction) > floor(i * fraction):
    exactly `fraction` of the windows, evenly spread, with no random state to save.
    Mixture windows weigh `weight` in the loss relative to domain windows.
    """

    domain: PackedStream
    mixture: PackedStream
    fraction: float
    weight: float = 1.0
    index: int = 0
    _ratio: Fraction = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._ratio = Fraction(self.fraction).limit_denominator(1_000_000)

    def _is_replay(self, i: int) -> bool:
        r = self._ratio
        return (i + 1) * r.numerator // r.denominator > i * r.numerator // r.denominator

    def take(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        windows, weights = [], []
        for _ in range(n):
            replay = self._is_replay(self.index)
            windows.append((self.mixture if replay else self.domain).next_window())
            weights.append(self.weight if replay else 1.0)
            self.index += 1
        return np.stack(windows), np.asarray(weights, dtype=np.float64)

    def state(self) -> dict:
        return {"index": self.index, "domain": self.domain.state(), "mixture": self.mixture.state()}

    def restore(self, state: dict) -> None:
        self.index = state["index"]
        self.domain.pos = StreamPosition(**state["domain"])
        self.mixture.pos = StreamPosition(**state["mixture"])


@dataclass
class ValidDoc:
    """A validation document: its id, true domain, token ids (no eos) and text."""

    id: str
    domain: str
    ids: np.ndarray
    text: str


def validation_documents(
    run_root: str, manifest: dict[str, Any], domain: str, vocab_size: int, max_tokens: int
) -> list[ValidDoc]:
    """The first documents of a domain's validation shards, in path and row order, up to
    `max_tokens` tokens (whole documents; at least one)."""
    docs: list[ValidDoc] = []
    total = 0
    for shard in split_shards(run_root, manifest, "valid", domain):
        table = read_shard(shard, ["id", "text", "token_ids"])
        tokens = token_documents(table, vocab_size, shard.url)
        ids, texts = table.column("id").to_pylist(), table.column("text").to_pylist()
        for i in range(len(tokens)):
            if docs and total >= max_tokens:
                return docs
            docs.append(ValidDoc(str(ids[i]), domain, tokens.doc(i).astype(np.int64), texts[i]))
            total += len(tokens.doc(i))
    return docs
