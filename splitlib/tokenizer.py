"""The BPE tokenizer the split job trains (or loads) and saves with its output."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

EOS_TOKEN = "<|endoftext|>"
PAD_TOKEN = "<|pad|>"
SPECIAL_TOKENS = [EOS_TOKEN, PAD_TOKEN]  # ids 0 and 1


def train_tokenizer(texts: Iterable[str], vocab_size: int) -> Tokenizer:
    """Train a byte-level BPE on `texts`; deterministic for the same texts in the same order."""
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer)
    return tokenizer


def tokenizer_info(tokenizer: Tokenizer, path: str) -> dict:
    """The manifest's description of a tokenizer saved at `path` (relative to the run root)."""
    eos = tokenizer.token_to_id(EOS_TOKEN)
    pad = tokenizer.token_to_id(PAD_TOKEN)
    return {
        "path": path,
        "vocab_size": tokenizer.get_vocab_size(),
        "eos_token": EOS_TOKEN if eos is not None else None,
        "eos_id": eos,
        "pad_token": PAD_TOKEN if pad is not None else None,
        "pad_id": pad,
    }


def encode(tokenizer: Tokenizer, texts: list[str]) -> pa.ListArray:
    """Token ids of every text as an Arrow list<int32> column (no special tokens added)."""
    encodings = tokenizer.encode_batch_fast(texts, add_special_tokens=False)
    ids = [np.asarray(e.ids, dtype=np.int32) for e in encodings]
    offsets = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum([len(i) for i in ids], out=offsets[1:])
    flat = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(flat, type=pa.int32()))
