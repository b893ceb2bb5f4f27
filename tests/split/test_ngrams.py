"""Hashed unigram + bigram features."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from splitlib.ngrams import from_arrow, hashed_ngrams, to_arrow, word_hashes, words_of


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
    the, cat = (word_hashes(pa.array(["the", "cat"])) % np.uint64(n)).tolist()
    assert counts[the] == 2
    assert counts[cat] == 1
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


def test_word_hashes_are_stable_and_independent_of_the_batch():
    words = pa.array(["alpha", "beta", "", "ünïcode", "x" * 200])
    h = word_hashes(words)
    assert len(set(h.tolist())) == 5
    assert word_hashes(words.slice(1, 2)).tolist() == h[1:3].tolist()
    # a fixed value: changing the hash changes every bucket, so it must be deliberate
    assert int(word_hashes(pa.array(["the"]))[0]) == 18256576108215644426


def test_words_never_run_across_texts_and_empty_texts_keep_their_place():
    texts = pa.array(["ab", "", "cd", "", "", "ef gh", "x", None, "y."], pa.string())
    assert words_of(texts).to_pylist() == [
        ["ab"],
        [],
        ["cd"],
        [],
        [],
        ["ef", "gh"],
        ["x"],
        [],
        ["y"],
    ]
