"""s3:// input and output against a real S3 endpoint (moto's server on 127.0.0.1)."""

from __future__ import annotations

import gzip
import json

import pytest
from helpers import subset

pytestmark = [pytest.mark.slow, pytest.mark.s3]


def test_split_reads_and_writes_s3(spark, s3_endpoint):
    import boto3
    import pyarrow.parquet as pq

    from jobs.pipeline import run_split
    from splitlib import storage
    from splitlib.config import build
    from splitlib.manifest import read_manifest

    s3 = boto3.client("s3", endpoint_url=s3_endpoint)
    s3.create_bucket(Bucket="corpus")
    s3.create_bucket(Bucket="splits")
    records = subset(40, ("kjv-bible", "python-docs", "wikibooks-recipes"))
    body = gzip.compress("".join(json.dumps(r) + "\n" for r in records).encode(), mtime=0)
    s3.put_object(Bucket="corpus", Key="in/part-0.jsonl.gz", Body=body)

    cfg = build(
        overrides=[
            "input.path=s3://corpus/in/",
            "out=s3://splits/run",
            "input.label_field=source",
            "features.vocab_size=512",
        ]
    )
    manifest = run_split(cfg, spark=spark)
    assert read_manifest("s3://splits/run") == manifest
    assert manifest["counts"]["read"] == manifest["counts"]["kept"] == 120
    assert [d["name"] for d in manifest["domains"]] == [
        "kjv-bible",
        "python-docs",
        "wikibooks-recipes",
    ]
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket="splits", Prefix="run/")["Contents"]}
    assert "run/manifest.json" in keys and "run/report.html" in keys
    for shard in manifest["shards"]:
        assert f"run/{shard['path']}" in keys
        assert storage.sha256_of(f"s3://splits/run/{shard['path']}") == shard["sha256"]
    fs, path = storage.filesystem("s3://splits/run/data/mixture/part-00000.parquet")
    with fs.open(path, "rb") as f:
        assert pq.read_table(f).num_rows == manifest["counts"]["mixture_docs"]
    # a later run can keep these (labelled) domains straight from the bucket
    import hashlib

    from splitlib.reuse import load_reused_domains

    reused = load_reused_domains(
        build(overrides=["domains.from_run=s3://splits/run/", "out=s3://splits/later"])
    )
    raw = s3.get_object(Bucket="splits", Key="run/manifest.json")["Body"].read()
    assert reused.provenance["run"] == "s3://splits/run"
    assert reused.provenance["manifest_sha256"] == hashlib.sha256(raw).hexdigest()
    assert reused.provenance["domain_mode"] == "labels"
    assert reused.router.domains == ["kjv-bible", "python-docs", "wikibooks-recipes"]
