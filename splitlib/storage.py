"""Object-storage access through fsspec: local paths, file://, s3:// (s3fs), anything fsspec knows.

S3 endpoints other than AWS (MinIO, moto, ...) are taken from `AWS_ENDPOINT_URL`
or `SPLITLIB_S3_ENDPOINT_URL`, so the driver and every Spark task see the same store.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
from typing import Any

import fsspec

from splitlib.errors import UNREACHABLE


def storage_options(url: str) -> dict[str, Any]:
    """fsspec options for `url`: the S3 endpoint from the environment, if any."""
    if url.startswith(("s3://", "s3a://")):
        endpoint = os.environ.get("SPLITLIB_S3_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            return {"client_kwargs": {"endpoint_url": endpoint}}
    return {}


def filesystem(url: str) -> tuple[fsspec.AbstractFileSystem, str]:
    """The filesystem for `url` and the path inside it."""
    if url.startswith("s3a://"):
        url = "s3://" + url[len("s3a://") :]
    fs, path = fsspec.core.url_to_fs(url, **storage_options(url))
    return fs, path


def join(url: str, *parts: str) -> str:
    """Join path parts onto a URL or local path with '/'."""
    if "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://" + posixpath.join(rest, *parts)
    return os.path.join(url, *parts)


def is_remote(url: str) -> bool:
    return "://" in url and not url.startswith("file://")


def exists(url: str) -> bool:
    fs, path = filesystem(url)
    return fs.exists(path)


def read_bytes(url: str) -> bytes:
    fs, path = filesystem(url)
    with fs.open(path, "rb") as f:
        return f.read()


def write_bytes(url: str, data: bytes) -> None:
    """Write a whole file, creating parent folders where the store has them."""
    fs, path = filesystem(url)
    parent = posixpath.dirname(path)
    if parent and not is_remote(url):
        fs.makedirs(parent, exist_ok=True)
    with fs.open(path, "wb") as f:
        f.write(data)


def write_atomic(url: str, data: bytes) -> None:
    """Write a whole file so readers see the old state or the new one, never a part.

    Local: a temporary name in the same folder, flushed, then renamed over the target.
    Object stores: one PUT, which the store applies whole.
    """
    fs, path = filesystem(url)
    if is_remote(url):
        fs.pipe_file(path, data)
        return
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, f".{os.path.basename(path)}.tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def lost_connection(err: BaseException) -> bool:
    """Whether an error (also one raised in a Spark task) says the store became unreachable."""
    text = f"{type(err).__name__}: {err}"
    return any(marker in text for marker in UNREACHABLE)


def remove(url: str, recursive: bool = False) -> None:
    fs, path = filesystem(url)
    if fs.exists(path):
        fs.rm(path, recursive=recursive)


def sha256_of(url: str, block: int = 1 << 20) -> str:
    """Hex SHA-256 of a stored file, read in blocks."""
    fs, path = filesystem(url)
    digest = hashlib.sha256()
    with fs.open(path, "rb") as f:
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()
