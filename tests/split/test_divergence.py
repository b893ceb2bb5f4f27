"""Divergences against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from splitlib.divergence import (
    domain_divergences,
    entropy,
    js_divergence,
    kl_divergence,
    pairwise_js,
    smoothed,
)


def test_kl_of_small_distributions_matches_hand_computation():
    p, q = np.array([0.5, 0.5]), np.array([0.9, 0.1])
    assert kl_divergence(p, q) == pytest.approx(
        0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1), abs=1e-12
    )
    assert kl_divergence(q, p) == pytest.approx(
        0.9 * math.log(1.8) + 0.1 * math.log(0.2), abs=1e-12
    )


def test_kl_is_zero_for_identical_and_positive_otherwise():
    p = np.array([0.2, 0.3, 0.5])
    assert kl_divergence(p, p) == 0.0
    assert kl_divergence(p, np.array([0.3, 0.3, 0.4])) > 0
    assert kl_divergence(np.array([0.5, 0.5]), np.array([1.0, 0.0])) == float("inf")


def test_js_is_symmetric_and_bounded_by_log2():
    p, q = np.array([0.1, 0.2, 0.7]), np.array([0.6, 0.3, 0.1])
    assert js_divergence(p, q) == pytest.approx(js_divergence(q, p), abs=1e-15)
    m = (p + q) / 2
    hand = 0.5 * sum(p * np.log(p / m)) + 0.5 * sum(q * np.log(q / m))
    assert js_divergence(p, q) == pytest.approx(hand, abs=1e-12)
    disjoint = js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0]))
    assert disjoint == pytest.approx(math.log(2), abs=1e-12)


def test_entropy_and_smoothing():
    assert entropy(np.full(4, 0.25)) == pytest.approx(math.log(4))
    assert np.allclose(smoothed(np.array([3, 0, 1]), 1.0), [4 / 7, 1 / 7, 2 / 7])


def test_domain_divergences_of_count_arrays():
    counts = np.array([[8, 2, 0, 0], [0, 0, 5, 5]])
    div = domain_divergences(counts, alpha=0.5)
    js = div["pairwise_js"]
    assert js.shape == (2, 2) and js[0, 1] == js[1, 0] > 0 and js[0, 0] == 0
    mix = smoothed(counts.sum(0), 0.5)
    assert div["kl_to_mixture"][0] == pytest.approx(kl_divergence(smoothed(counts[0], 0.5), mix))
    assert np.allclose(pairwise_js(np.stack([mix, mix])), 0)
