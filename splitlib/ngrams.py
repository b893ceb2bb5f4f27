"""Hashed unigram + bigram count features, computed a whole Arrow batch at a time.

Words are lower-cased runs of letters, marks and digits in any script, or single
characters of scripts written without spaces (`splitlib.wordbreak`). A word's hash is computed once
per distinct word in the batch (pyarrow dictionary encoding), with FNV-1a run over
all distinct words at once in numpy (one step per byte position), and bigram hashes
are mixed from the two word hashes, so there is no Python loop per word or token.
Unigrams and bigrams share one bucket space, as in DSIR.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from splitlib.text import mix64
from splitlib.wordbreak import is_unspaced_character, word_bounds

_BIGRAM_SALT = np.uint64(0x9E3779B97F4A7C15)


@dataclass
class BatchNgrams:
    """Sparse per-document bucket counts of one batch (CSR layout).

    Document i owns `buckets[offsets[i]:offsets[i+1]]` and the matching `counts`;
    `n_features[i]` is its number of unigrams plus bigrams (the per-token denominator).
    """

    offsets: np.ndarray  # int64, len n_docs + 1
    buckets: np.ndarray  # int32, sorted within a document
    counts: np.ndarray  # int32
    n_features: np.ndarray  # int64, per document


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_HASHED_PREFIX = 64  # bytes of a word that are hashed; longer words add their length


def word_hashes(words: pa.Array) -> np.ndarray:
    """uint64 hash of every string: FNV-1a over its first 64 UTF-8 bytes, its length, splitmix64."""
    if isinstance(words, pa.ChunkedArray):
        words = words.combine_chunks()
    n = len(words)
    _, offset_buf, data_buf = words.buffers()
    offsets = np.frombuffer(offset_buf, dtype=np.int32)[words.offset : words.offset + n + 1]
    offsets = offsets.astype(np.int64)
    data = np.frombuffer(data_buf or b"", dtype=np.uint8)
    lengths = np.diff(offsets)
    order = np.argsort(-lengths, kind="stable")  # longest first: the words still going are a prefix
    sorted_lengths = lengths[order]
    starts = offsets[:-1][order]
    h = np.full(n, _FNV_OFFSET, dtype=np.uint64)
    longest = int(min(sorted_lengths[0], _HASHED_PREFIX)) if n else 0
    with np.errstate(over="ignore"):
        for j in range(longest):
            going = int(np.searchsorted(-sorted_lengths, -j, side="left"))  # lengths > j
            h[:going] = (h[:going] ^ data[starts[:going] + j]) * _FNV_PRIME
        h = mix64(h ^ (sorted_lengths.astype(np.uint64) * _BIGRAM_SALT))
    out = np.empty(n, dtype=np.uint64)
    out[order] = h
    return out


def _word_hashes(words: pa.Array) -> np.ndarray:
    """uint64 hash of every word, computed once per distinct word of the batch."""
    encoded = pc.dictionary_encode(words)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    table = word_hashes(encoded.dictionary)
    return table[encoded.indices.to_numpy(zero_copy_only=False)]


def words_of(texts: pa.Array) -> pa.ListArray:
    """Lower-cased words of every text, in any script (see `splitlib.wordbreak`).

    Found over the batch's whole UTF-8 buffer at once (ASCII bytes by value, other
    characters by code point); words never run across texts.
    """
    lowered = pc.utf8_lower(texts)
    if isinstance(lowered, pa.ChunkedArray):
        lowered = lowered.combine_chunks()
    if lowered.null_count:
        lowered = pc.fill_null(lowered, "")
    if pa.types.is_large_string(lowered.type):
        lowered = lowered.cast(pa.string())
    n_docs = len(lowered)
    _, offset_buf, data_buf = lowered.buffers()
    start = lowered.offset
    offsets = np.frombuffer(offset_buf, dtype=np.int32)[start : start + n_docs + 1].astype(np.int64)
    data = np.frombuffer(data_buf or b"", dtype=np.uint8)[offsets[0] : offsets[-1]]
    offsets -= offsets[0]
    is_word, starts, ends = word_bounds(data)
    # a text that ends in a word byte, followed by one that starts with one: split there
    inner = np.unique(offsets[1:-1])  # empty texts repeat an offset
    inner = inner[(inner > 0) & (inner < len(data))]
    joined = inner[is_word[inner - 1] & is_word[inner]]
    if len(joined) and len(starts):  # unspaced scripts may already start a word there
        at = np.minimum(np.searchsorted(starts, joined), len(starts) - 1)
        joined = joined[starts[at] != joined]
    if len(joined):
        starts = np.insert(starts, np.searchsorted(starts, joined), joined)
        ends = np.insert(ends, np.searchsorted(ends, joined), joined)
    word_offsets = np.zeros(len(starts) + 1, dtype=np.int32)
    np.cumsum(ends - starts, out=word_offsets[1:])
    values = pa.StringArray.from_buffers(
        len(starts), pa.py_buffer(word_offsets), pa.py_buffer(np.compress(is_word, data))
    )
    # text i owns the words starting in [offsets[i], offsets[i+1])
    list_offsets = np.searchsorted(starts, offsets, side="left").astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(list_offsets), values)


def naming_terms(words: pa.ListArray, min_length: int = 3) -> tuple[pa.Array, np.ndarray]:
    """Terms that can name a domain, and the text each comes from: words of at least
    `min_length` characters, and the character bigrams of scripts written without spaces
    (a single Han or Kana character says little; two neighbouring ones are usually a word)."""
    if isinstance(words, pa.ChunkedArray):
        words = words.combine_chunks()
    flat = words.values
    n_words = np.diff(words.offsets.to_numpy()).astype(np.int64)
    doc = np.repeat(np.arange(len(words), dtype=np.int64), n_words)
    start = int(words.offsets[0].as_py()) if len(words) else 0
    flat = flat.slice(start, len(doc))
    long = pc.greater_equal(pc.utf8_length(flat), min_length).to_numpy(zero_copy_only=False)
    encoded = pc.dictionary_encode(flat)
    unspaced = np.array(
        [is_unspaced_character(w) for w in encoded.dictionary.to_pylist()], dtype=bool
    )
    is_char = unspaced[encoded.indices.to_numpy(zero_copy_only=False)] if len(flat) else long
    pair = is_char[:-1] & is_char[1:] & (doc[:-1] == doc[1:])
    if not pair.any():
        return flat.filter(pa.array(long)), doc[long]
    first, second = flat.slice(0, len(flat) - 1), flat.slice(1)
    mask = pa.array(pair)
    bigrams = pc.binary_join_element_wise(first.filter(mask), second.filter(mask), "")
    terms = pa.concat_arrays([flat.filter(pa.array(long)), bigrams.cast(pa.string())])
    return terms, np.concatenate([doc[long], doc[:-1][pair]])


def _csr(keys: np.ndarray, n_docs: int, n_buckets: int, n_features: np.ndarray) -> BatchNgrams:
    """Count the (document, bucket) keys, keys = document * n_buckets + bucket."""
    if n_docs * n_buckets <= 1 << 32:  # sorting 32-bit keys takes about half the time
        keys = keys.astype(np.uint32)
    unique, counts = np.unique(keys, return_counts=True)
    docs = unique // n_buckets
    offsets = np.searchsorted(docs, np.arange(n_docs + 1), side="left").astype(np.int64)
    return BatchNgrams(
        offsets, (unique % n_buckets).astype(np.int32), counts.astype(np.int32), n_features
    )


def _bucket(h: np.ndarray, n_buckets: int) -> np.ndarray:
    """h mod n_buckets as int64 (a mask when n_buckets is a power of two: 64-bit division is slow)."""
    if n_buckets & (n_buckets - 1) == 0:
        return (h & np.uint64(n_buckets - 1)).astype(np.int64)
    return (h % np.uint64(n_buckets)).astype(np.int64)


def _empty(n_docs: int) -> BatchNgrams:
    empty = np.zeros(0, dtype=np.int32)
    return BatchNgrams(np.zeros(n_docs + 1, np.int64), empty, empty, np.zeros(n_docs, np.int64))


def hashed_ngrams(
    texts: pa.Array | list[str], n_buckets: int, bigrams: bool = True, with_unigrams: bool = False
) -> BatchNgrams | tuple[BatchNgrams, BatchNgrams]:
    """Hashed unigram (+ bigram) counts per document of a batch of texts.

    With `with_unigrams`, also returns the unigram-only counts from the same hashing pass
    (domain vectors use unigrams; relevance uses unigrams and bigrams).
    """
    if not isinstance(texts, (pa.Array, pa.ChunkedArray)):
        texts = pa.array(texts, type=pa.string())
    words = words_of(texts)
    n_docs = len(words)
    n_words = np.diff(words.offsets.to_numpy()).astype(np.int64)
    if len(words.values) == 0:
        return (_empty(n_docs), _empty(n_docs)) if with_unigrams else _empty(n_docs)
    h = _word_hashes(words.values)
    doc_of_word = np.repeat(np.arange(n_docs, dtype=np.int64), n_words)
    uni_keys = doc_of_word * n_buckets + _bucket(h, n_buckets)
    keys, n_features = uni_keys, n_words.copy()
    if bigrams and len(h) > 1:
        # a bigram pairs word i with word i+1 of the same document
        same_doc = doc_of_word[:-1] == doc_of_word[1:]
        with np.errstate(over="ignore"):
            pair = mix64(h[:-1] * _BIGRAM_SALT + h[1:])
        bi_keys = doc_of_word[:-1][same_doc] * n_buckets + _bucket(pair[same_doc], n_buckets)
        keys = np.concatenate([uni_keys, bi_keys])
        n_features = n_features + np.maximum(n_words - 1, 0)
    grams = _csr(keys, n_docs, n_buckets, n_features)
    if with_unigrams:
        return grams, _csr(uni_keys, n_docs, n_buckets, n_words)
    return grams


def to_arrow(ngrams: BatchNgrams) -> tuple[pa.ListArray, pa.ListArray]:
    """The sparse counts as two Arrow list columns (buckets, counts), zero-copy where possible."""
    offsets = pa.array(ngrams.offsets.astype(np.int32))
    return (
        pa.ListArray.from_arrays(offsets, pa.array(ngrams.buckets, type=pa.int32())),
        pa.ListArray.from_arrays(offsets, pa.array(ngrams.counts, type=pa.int32())),
    )


def from_arrow(buckets: pa.ListArray, counts: pa.ListArray) -> BatchNgrams:
    """Back from two Arrow list columns to the CSR layout (n_features = sum of counts)."""
    if isinstance(buckets, pa.ChunkedArray):
        buckets = buckets.combine_chunks()
        counts = counts.combine_chunks()
    offsets = buckets.offsets.to_numpy().astype(np.int64)
    b = buckets.values.to_numpy(zero_copy_only=False).astype(np.int32)
    c = counts.values.to_numpy(zero_copy_only=False).astype(np.int32)
    start = int(offsets[0])
    offsets = offsets - start
    b = b[start : start + int(offsets[-1])]
    c = c[start : start + int(offsets[-1])]
    n_docs = len(offsets) - 1
    rows = np.repeat(np.arange(n_docs), np.diff(offsets))
    totals = np.bincount(rows, weights=c, minlength=n_docs).astype(np.int64)
    return BatchNgrams(offsets, b, c, totals)
