"""Text normalization and stable hashing.

Every random choice in splitlib (sampling, hold-out, shard assignment, resampling
keys) derives from `doc_hashes(ids, seed)`, never from `rand()` or partition order,
so outputs do not depend on partitions, cores or executors.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable

import numpy as np

_MASK63 = (1 << 63) - 1


def normalize(text: str) -> str:
    """Canonical form for emptiness checks and duplicate detection: NFKC, lower case, single spaces."""
    # str.split() splits on exactly the characters the regex \s matches, at a third of the cost
    return " ".join(unicodedata.normalize("NFKC", text).split()).lower()


def hash64(data: str | bytes, seed: int = 0) -> int:
    """A stable non-negative 63-bit hash (fits Spark's LongType)."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(data, digest_size=8, salt=seed.to_bytes(16, "little", signed=True))
    return int.from_bytes(digest.digest(), "little") & _MASK63


def doc_hashes(ids: Iterable[str], seed: int) -> np.ndarray:
    return np.fromiter((hash64(i, seed) for i in ids), dtype=np.int64)


def unit(hashes: np.ndarray | int, salt: int = 0) -> np.ndarray | float:
    """Map 63-bit hashes to [0, 1); a non-zero `salt` re-mixes them so independent choices stay independent.

    Unsalted, this equals Spark's `key / 2**63` exactly, so a Spark filter and numpy agree.
    """
    h = np.asarray(hashes, dtype=np.int64).astype(np.uint64)
    if salt:
        with np.errstate(over="ignore"):
            h = _mix(h ^ (np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15))) & np.uint64(_MASK63)
    out = h.astype(np.float64) / float(1 << 63)
    return out if out.ndim else float(out)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64 finalizer: spreads the bits of a 64-bit value."""
    with np.errstate(over="ignore"):
        h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return h ^ (h >> np.uint64(31))


mix64 = _mix
