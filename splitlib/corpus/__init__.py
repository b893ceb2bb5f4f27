"""The bundled real-text corpus: the default input of the split job.

``bundled.jsonl.gz`` holds about 10,500 documents of real English text from seven
sources (about 1,500 each), one JSON object per line with the keys ``id``,
``text``, ``source``, ``topic`` (the source's own label, or null) and ``license``.
It is rebuilt by ``python scripts/build_corpus.py``; see ``README.md`` for the
sources and ``NOTICE`` for attributions and licences.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

BUNDLED_FILENAME = "bundled.jsonl.gz"

SOURCES: tuple[str, ...] = (
    "wikipedia",
    "wikibooks-recipes",
    "shakespeare",
    "fortunes",
    "kjv-bible",
    "python-docs",
    "wordnet",
)


def bundled_corpus_path() -> str:
    """Absolute path of the packaged ``bundled.jsonl.gz``.

    The package must be installed as plain files (a source checkout, an editable
    install or an unpacked wheel), which is what Spark needs to read it anyway.
    """
    ref = resources.files(__name__) / BUNDLED_FILENAME
    try:
        path = Path(os.fspath(ref))  # type: ignore[arg-type]
    except TypeError:  # a zip import or another non-file loader
        path = Path(__file__).with_name(BUNDLED_FILENAME)
    return str(path.resolve())


__all__ = ["BUNDLED_FILENAME", "SOURCES", "bundled_corpus_path"]
