"""The manifest: the commit point of a split run, and the contract with training.

A run root is committed once `manifest.json` exists in it; readers refuse a root
without one. The manifest holds no timestamps, so the same inputs and config give
the same manifest content.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import Any

from splitlib import storage
from splitlib.errors import UserError

SCHEMA_VERSION = 1
MANIFEST_NAME = "manifest.json"
STALE_PROGRESS_S = 60  # a running job's heartbeat rewrites progress.json every 5 s


def manifest_url(run_root: str) -> str:
    return storage.join(run_root, MANIFEST_NAME)


def is_committed(run_root: str) -> bool:
    return storage.exists(manifest_url(run_root))


def write_manifest(run_root: str, manifest: dict[str, Any]) -> str:
    """Write the manifest last: its presence commits the run."""
    manifest = {"schema_version": SCHEMA_VERSION, **manifest}
    data = json.dumps(manifest, indent=2, sort_keys=True, allow_nan=False).encode() + b"\n"
    url = manifest_url(run_root)
    storage.write_atomic(url, data)
    return url


def read_manifest(run_root_or_manifest: str) -> dict[str, Any]:
    """Read a committed run's manifest, given the run root or the manifest's own URL."""
    url = run_root_or_manifest
    if not url.rstrip("/").endswith(MANIFEST_NAME):
        url = manifest_url(url)
    try:
        raw = storage.read_bytes(url)
    except FileNotFoundError:
        raise UserError(
            f"no {MANIFEST_NAME} at {url!r}: this is not a committed split run "
            f"({_unfinished(url)}). Run `splitlib run` first, "
            "or point at the run root that holds manifest.json."
        ) from None
    except NotADirectoryError:
        raise UserError(
            f"{run_root_or_manifest!r} is a file, not a split run: point at the run root, the "
            "folder that holds manifest.json."
        ) from None
    try:
        manifest = json.loads(raw)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise UserError(
            f"{url!r} is corrupt or truncated ({type(err).__name__} at {_where(err)}): "
            "the run cannot be trusted; re-run the split with --overwrite."
        ) from None
    if not isinstance(manifest, dict):
        raise UserError(f"{url!r} is not a split manifest (not a JSON object): re-run the split.")
    version = manifest.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UserError(
            f"{url!r} has manifest schema {version}, this splitlib reads {SCHEMA_VERSION}: "
            "re-run the split with this version of splitlib."
        )
    return manifest


def _unfinished(url: str) -> str:
    """Why a run root has no manifest, from its progress.json when the job left one."""
    progress = url[: -len(MANIFEST_NAME)] + "progress.json"
    try:
        state = json.loads(storage.read_bytes(progress))
        stage, pid = state.get("stage") or "?", state.get("pid")
    except Exception:  # noqa: BLE001 - no readable progress file: the usual reasons
        return "the job did not finish, or the path is wrong"
    if state.get("state") == "running":
        try:
            written = datetime.fromisoformat(state["updated"])
            age = int((datetime.now(timezone.utc) - written).total_seconds())
        except (KeyError, TypeError, ValueError):
            age = None
        if age is not None and age > STALE_PROGRESS_S:  # a live job rewrites it every 5 s
            return (
                f"its job stopped in stage {stage} without finishing: progress.json was last "
                f"written {age} s ago (killed, or it lost its store)"
            )
        return f"its job is still running, in stage {stage} (pid {pid}, progress.json)"
    if state.get("state") == "failed":
        return f"its job failed in stage {stage} and committed nothing (progress.json)"
    return "the job did not finish, or the path is wrong"


def _where(err: Exception) -> str:
    pos = getattr(err, "pos", None)
    if pos is None:
        pos = getattr(err, "start", None)
    return f"byte {pos}" if pos is not None else "an unknown position"


def artefact_entries(run_root: str, paths: list[str]) -> list[dict[str, Any]]:
    """Path, size and SHA-256 of run files other than shards (tokenizer, router, domains)."""
    entries = []
    for rel in sorted(paths):
        data = storage.read_bytes(storage.join(run_root, *rel.split("/")))
        entries.append(
            {"path": rel, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
    return entries


def read_artefact(run_root: str, manifest: dict[str, Any], rel: str) -> bytes:
    """The bytes of a run file, checked against the manifest's SHA-256 (where it lists one)."""
    url = storage.join(run_root, *rel.split("/"))
    try:
        data = storage.read_bytes(url)
    except FileNotFoundError:
        raise UserError(f"{url!r} is missing from the committed run: re-run the split.") from None
    listed = {a.get("path"): a for a in manifest.get("artefacts") or [] if isinstance(a, dict)}
    entry = listed.get(rel)
    if entry is not None and hashlib.sha256(data).hexdigest() != entry.get("sha256"):
        raise UserError(
            f"{url!r} does not match its SHA-256 in the manifest ({len(data)} bytes, "
            f"{entry.get('bytes')} expected): the file is corrupt; re-run the split."
        )
    return data


def run_root_of(run_root_or_manifest: str) -> str:
    """The run root, given either the root or the manifest's URL."""
    url = run_root_or_manifest.rstrip("/")
    if url.endswith("/" + MANIFEST_NAME) or url == MANIFEST_NAME:
        return url[: -len(MANIFEST_NAME)].rstrip("/") or "."
    return url


def shards(manifest: dict[str, Any], set_name: str, domain: str | None = None) -> list[dict]:
    """Shard entries of one set: 'mixture', 'domain' (with domain) or 'valid' (with domain)."""
    found = [
        s
        for s in manifest["shards"]
        if s["set"] == set_name and (domain is None or s.get("domain") == domain)
    ]
    return sorted(found, key=lambda s: s["path"])


def domain_names(manifest: dict[str, Any]) -> list[str]:
    return [d["name"] for d in manifest["domains"]]
