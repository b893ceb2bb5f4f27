"""Streaming decompression that notices a corrupt or truncated file.

fsspec's decompressing file objects stop silently at the end of the input when a zstd
frame is cut short, and raise a bare EOFError for gzip; neither names the file or the
place. Here every member (gzip) or frame (zstd) must end where its codec says it ends,
or `CorruptFile` says at which compressed byte reading stopped.
"""

from __future__ import annotations

import bz2
import zlib
from collections.abc import Iterator
from typing import BinaryIO

import zstandard

CODECS = ("gzip", "zstd", "bz2")
ERRORS = (zlib.error, zstandard.ZstdError, OSError, EOFError, ValueError)


class CorruptFile(Exception):
    """A compressed file that cannot be read to its end."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset  # compressed byte where reading stopped
        self.message = message


def _decompressor(codec: str):
    if codec == "gzip":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    if codec == "zstd":
        return zstandard.ZstdDecompressor().decompressobj()
    if codec == "bz2":
        return bz2.BZ2Decompressor()
    raise ValueError(f"unknown compression {codec!r}")


def chunks(f: BinaryIO, codec: str, block: int = 1 << 16) -> Iterator[bytes]:
    """Decompressed chunks of a whole compressed stream (several members/frames allowed)."""
    stream = None  # the member or frame being decoded; None between them
    pos = 0  # compressed bytes consumed before `data`
    while data := f.read(block):
        while data:
            if stream is None:
                if not data.strip(b"\0"):  # zero padding after the last member
                    pos += len(data)
                    break
                stream = _decompressor(codec)
            try:
                out = stream.decompress(data)
            except ERRORS as err:
                raise CorruptFile(
                    pos, f"{codec} data is corrupt at or after compressed byte {pos}: {err}"
                ) from None
            if out:
                yield out
            if stream.eof:
                rest = stream.unused_data
                pos += len(data) - len(rest)
                data, stream = rest, None
            else:
                pos += len(data)
                data = b""
    if stream is not None:
        raise CorruptFile(
            pos, f"the {codec} stream is cut short: the file ends at byte {pos} inside a "
            f"{'member' if codec == 'gzip' else 'frame' if codec == 'zstd' else 'stream'}",
        )  # fmt: skip
