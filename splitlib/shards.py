"""Writing Parquet shards: deterministic content, a checksum for the manifest."""

from __future__ import annotations

import hashlib
import io

import pyarrow as pa
import pyarrow.parquet as pq

from splitlib import storage


def shard_path(set_name: str, domain: str | None, shard: int) -> str:
    """Relative path of a shard in the run root's layout."""
    if set_name == "mixture":
        folder = "data/mixture"
    elif set_name == "domain":
        folder = f"data/domain={domain}"
    elif set_name == "valid":
        folder = f"data/valid/domain={domain}"
    else:
        folder = set_name  # docs, quarantine
    return f"{folder}/part-{shard:05d}.parquet"


def write_shard(run_root: str, rel_path: str, table: pa.Table) -> dict:
    """Write one Parquet shard (rows in the order given) and describe it for the manifest."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd", row_group_size=4096)
    data = buffer.getvalue()
    storage.write_bytes(storage.join(run_root, rel_path), data)
    tokens = (
        int(pa.compute.sum(table.column("n_tokens")).as_py() or 0)
        if "n_tokens" in table.column_names
        else 0
    )
    return {
        "path": rel_path,
        "rows": table.num_rows,
        "tokens": tokens,
        "bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
    }
