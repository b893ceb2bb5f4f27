"""Hashed unigram + bigram features."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from splitlib.ngrams import from_arrow, hashed_ngrams, to_arrow, words_of
from splitlib.text import hash64


def test_words_are_lowercased_runs_of_letters_and_digits():
    assert words_of(pa.array(["The cat's 2 hats!", ""])).to_pylist() == [
        ["the", "cat", "s", "2", "hats"],
        [],
    ]


def test_counts_of_a_known_sentence():
    n = 1 << 20
    grams = hashed_ngrams(["the cat sat on the mat", ""], n)
    assert grams.n_features.tolist() == [6 + 5, 0]
    assert (
        grams.offsets.tolist()[-1] == grams.offsets.tolist()[-2]
    )  # the empty document owns nothing
    counts = dict(zip(grams.buckets.tolist(), grams.counts.tolist(), strict=False))
    assert counts[hash64("the") % n] == 2
    assert counts[hash64("cat") % n] == 1
    assert sum(counts.values()) == 11


def test_unigrams_come_from_the_same_pass():
    grams, unigrams = hashed_ngrams(["a b a", "c"], 1 << 16, with_unigrams=True)
    assert unigrams.n_features.tolist() == [3, 1]
    assert sorted(unigrams.counts.tolist()) == [1, 1, 2]
    assert grams.n_features.tolist() == [5, 1]


def test_arrow_round_trip_keeps_documents_apart():
    grams = hashed_ngrams(["one two", "", "three"], 1 << 12)
    buckets, counts = to_arrow(grams)
    back = from_arrow(buckets.slice(1), counts.slice(1))
    assert back.n_features.tolist() == [0, 1]
    assert np.array_equal(back.buckets, grams.buckets[grams.offsets[1] :])
