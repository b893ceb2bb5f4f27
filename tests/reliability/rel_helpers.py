"""Shared pieces of the reliability tests: one small real corpus, one split config, snapshots."""

from __future__ import annotations

import hashlib
import os

SOURCES3 = ("kjv-bible", "python-docs", "wikibooks-recipes")


def split_config(corpus: str, out: str, *extra: str):
    """A small, fast split: the three sources as given labels, a 512-token vocabulary."""
    from splitlib.config import build

    return build(
        overrides=[
            f"input.path={corpus}",
            f"out={out}",
            "input.label_field=source",
            "features.vocab_size=512",
            "input.partitions=2",
            *extra,
        ]
    )


def snapshot(root) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under a local folder."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                found[os.path.relpath(path, root)] = hashlib.sha256(f.read()).hexdigest()
    return found


def outputs(manifest: dict) -> dict[str, str]:
    """What a committed run wrote, as path -> SHA-256: shards and artefacts."""
    files = {s["path"]: s["sha256"] for s in manifest["shards"]}
    files.update({a["path"]: a["sha256"] for a in manifest["artefacts"]})
    return files


def comparable(manifest: dict) -> dict:
    """The manifest without what names the place and the execution (out, master, input URL)."""
    drop = ("config", "execution", "input_url", "inputs")
    return {k: v for k, v in manifest.items() if k not in drop}
