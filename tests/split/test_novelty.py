"""Score floors and the share of a later crawl under them (splitlib.novelty), from histograms."""

from __future__ import annotations

import numpy as np

from splitlib.novelty import far_shares, far_warnings, score_bins, score_floors


def _hist(scores: list[float], bins: int = 200) -> np.ndarray:
    return np.bincount(score_bins(np.array(scores), bins), minlength=bins)[None, :]


def test_the_floor_is_the_edge_of_the_bin_where_the_lowest_five_percent_end():
    # 100 documents: scores 0.100, 0.105, ..., 0.595; the 5th lowest (0.120) is in bin 24
    scores = [0.1 + 0.005 * i for i in range(100)]
    hist = _hist(scores)
    assert hist.sum() == 100
    [(floor, below)] = score_floors(hist)
    assert floor == 0.12 and below == 0.04  # 0.100-0.115 lie under it: 4 of 100
    assert score_bins(np.array([-0.3, 0.0, 0.9999, 1.0, 1.7]), 200).tolist() == [
        0,
        0,
        199,
        199,
        199,
    ]
    assert score_floors(np.zeros((1, 200), np.int64)) == [(None, None)]


def test_a_later_crawl_is_counted_under_the_earlier_floor():
    earlier = _hist([0.1 + 0.005 * i for i in range(100)])
    [(floor, _)] = score_floors(earlier)
    # half the later documents like the earlier ones, half far below (a new kind of text)
    later = _hist([0.3] * 50 + [0.05] * 30 + [0.119] * 20)
    assert far_shares(later, [floor]) == [0.5]
    assert far_shares(np.vstack([later, later]), [None, floor]) == [None, 0.5]


def test_a_kept_domain_with_many_far_documents_is_named_to_read_first():
    lines = far_warnings(["a", "b", "c", "d"], [0.5, 0.149, 0.16, 0.3], [0.04, 0.04, 0.09, None])
    assert lines == [
        "domain 'a': 50.0% of its documents are farther from it than 95% of the earlier run's "
        "were (4.0% then); the crawl may hold a kind of text that run did not have: read its "
        "examples, or fit anew.",
        "domain 'd': 30.0% of its documents are farther from it than 95% of the earlier run's "
        "were (– then); the crawl may hold a kind of text that run did not have: read its "
        "examples, or fit anew.",
    ]
