"""Writing one shard per (set, domain, shard) group (applyInArrow)."""

from __future__ import annotations

import pyarrow as pa

from splitlib.shards import shard_path, write_shard
from udfs.faults import maybe_fail

WRITTEN_DDL = (
    "path string, set string, domain string, rows long, tokens long, bytes long, sha256 string"
)
WRITTEN_SCHEMA = pa.schema(
    [
        ("path", pa.string()),
        ("set", pa.string()),
        ("domain", pa.string()),
        ("rows", pa.int64()),
        ("tokens", pa.int64()),
        ("bytes", pa.int64()),
        ("sha256", pa.string()),
    ]
)


def shard_writer(run_root: str, columns: list[str]):
    """applyInArrow: write the group's rows, sorted by key, as one shard; yield its description."""

    def run(table: pa.Table) -> pa.Table:
        maybe_fail("write")
        set_name = table.column("set")[0].as_py()
        domain = table.column("set_domain")[0].as_py()
        shard = table.column("shard")[0].as_py()
        table = table.sort_by([("key", "ascending")]).select(columns)
        info = write_shard(run_root, shard_path(set_name, domain, shard), table)
        row = {**info, "set": set_name, "domain": domain}
        return pa.Table.from_pylist([row], schema=WRITTEN_SCHEMA)

    return run
