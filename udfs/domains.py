"""Domain vectors, assignment and per-domain word counts over Arrow batches."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from splitlib.domains import assign, domain_vectors, projection, similarities
from splitlib.language import allowed_domains
from splitlib.ngrams import from_arrow, naming_terms, words_of
from splitlib.text import unit
from udfs.cache import cached

ASSIGN_DDL = "domain int, score float, margin float, u_valid double"
WORDS_DDL = "domain int, word string, count long"


def _vectors(batch: pa.RecordBatch, idf: np.ndarray, dims: int, seed: int):
    """The batch's domain vectors: sparse tf-idf rows, or projected ones (dims > 0)."""
    proj = None
    if dims:
        key = ("projection", len(idf), dims, seed)
        proj = cached(key, lambda: projection(len(idf), dims, seed))
    grams = from_arrow(batch.column("uni_buckets"), batch.column("uni_counts"))
    return domain_vectors(grams, idf, proj)


def assigner(
    idf: np.ndarray,
    dims: int,
    seed: int,
    centroids: np.ndarray,
    label_index: dict[str, int] | None,
    domain_groups: list[str] | None = None,
    owners: np.ndarray | None = None,
):
    """mapInArrow: append domain index, score, margin and the hold-out draw u_valid.

    With labels the domain is the label's index and score/margin still come from the
    centroids, so ambiguity and routing mean the same thing in both modes. With
    `domain_groups` (the language group of each domain) a document only goes to the
    domains of its own language. `owners`: the domain of each centroid when they are
    several prototypes per domain.
    """

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            v = _vectors(batch, idf, dims, seed)
            allowed = None
            if domain_groups is not None:
                languages = batch.column("language").to_pylist()
                allowed = allowed_domains(languages, domain_groups)
            best, score, margin = assign(v, centroids, allowed, owners)
            if label_index is not None:
                labels = batch.column("label").to_pylist()
                best = np.array([label_index[x] for x in labels], dtype=np.int32)
                sims = similarities(v, centroids, owners)
                score = sims[np.arange(len(best)), best]
                others = sims.copy()
                others[np.arange(len(best)), best] = -np.inf
                margin = score - (others.max(axis=1) if sims.shape[1] > 1 else -1.0)
            u = unit(batch.column("key").to_numpy(zero_copy_only=False), salt=1)
            for name, col in (
                ("domain", pa.array(best, type=pa.int32())),
                ("score", pa.array(score, type=pa.float32())),
                ("margin", pa.array(margin, type=pa.float32())),
                ("u_valid", pa.array(u, type=pa.float64())),
            ):
                batch = batch.append_column(name, col)
            yield batch

    return run


def word_counter(min_length: int = 3):
    """mapInArrow: (domain, word, count) rows per batch, for naming domains by their top terms."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            terms, doc = naming_terms(words_of(batch.column("text")), min_length)
            domains = batch.column("domain").to_numpy(zero_copy_only=False)[doc]
            table = pa.table({"domain": pa.array(domains, pa.int32()), "word": terms})
            counted = table.group_by(["domain", "word"]).aggregate([("word", "count")])
            yield pa.RecordBatch.from_arrays(
                [
                    counted["domain"].combine_chunks(),
                    counted["word"].combine_chunks(),
                    counted["word_count"].combine_chunks().cast(pa.int64()),
                ],
                names=["domain", "word", "count"],
            )

    return run
