"""Token ids and hashed n-gram counts for every valid record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pyarrow as pa

from splitlib.ngrams import hashed_ngrams, to_arrow
from splitlib.tokenizer import encode
from udfs.cache import cached

FEATURES_DDL = (
    "n_tokens int, token_ids array<int>, ng_buckets array<int>, ng_counts array<int>, n_features long, "
    "uni_buckets array<int>, uni_counts array<int>"
)


LANGUAGE_DDL = "language string, language_score float"


def featurizer(tokenizer_json: str, n_buckets: int, languages: bool = False):
    """A mapInArrow function appending FEATURES_DDL (then LANGUAGE_DDL) columns to each batch."""
    key = hashlib.sha256(tokenizer_json.encode()).hexdigest()

    def build():
        from tokenizers import Tokenizer

        return Tokenizer.from_str(tokenizer_json)

    def featurize(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        tokenizer = cached(("tokenizer", key), build)
        for batch in batches:
            texts = batch.column("text")
            ids = encode(tokenizer, texts.to_pylist())
            n_tokens = pa.array(
                (ids.offsets.to_numpy()[1:] - ids.offsets.to_numpy()[:-1]).astype("int32")
            )
            grams, unigrams = hashed_ngrams(texts, n_buckets, with_unigrams=True)
            buckets, counts = to_arrow(grams)
            uni_buckets, uni_counts = to_arrow(unigrams)
            for name, column in (
                ("n_tokens", n_tokens),
                ("token_ids", ids),
                ("ng_buckets", buckets),
                ("ng_counts", counts),
                ("n_features", pa.array(grams.n_features, type=pa.int64())),
                ("uni_buckets", uni_buckets),
                ("uni_counts", uni_counts),
            ):
                batch = batch.append_column(name, column)
            if languages:
                from splitlib.language import identify_languages

                codes, confidence = identify_languages(texts.to_pylist())
                batch = batch.append_column("language", pa.array(codes, type=pa.string()))
                batch = batch.append_column("language_score", pa.array(confidence, pa.float32()))
            yield batch

    return featurize
