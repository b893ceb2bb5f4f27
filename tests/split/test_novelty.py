"""Score floors and the share of a later crawl under them (splitlib.novelty), from histograms."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from splitlib.novelty import far_shares, far_warnings, sample_floors, score_bins, score_floors


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


def test_a_fitted_domains_floor_leaves_each_document_out_of_its_centroid():
    """Domain 0 holds (1,0) twice and (0,1), its centroid their mean; domain 1 holds (0,1)
    alone. Left out of the mean, (1,0) scores cos((1,0), (1,1)) = 0.7071 and (0,1) scores
    cos((0,1), (2,0)) = 0; the document alone in domain 1 has no others: 0. Against the
    centroids themselves they score 0.894, 0.447 and 1."""
    vectors = sp.csr_matrix(np.array([[1, 0], [1, 0], [0, 1], [0, 1]], dtype=np.float32))
    centroids = np.array([[2, 1], [0, 1]], dtype=np.float32)
    domain = np.array([0, 0, 0, 1])
    fitted = np.array([True, True])
    assert sample_floors(vectors, centroids, None, domain, fitted, 2, 200) == [
        (0.0, 0.0),
        (0.0, 0.0),
    ]
    kept = np.array([False, False])  # domains of an earlier run: the plain cosine
    assert sample_floors(vectors, centroids, None, domain, kept, 2, 200) == [
        (0.445, 0.0),
        (0.995, 0.0),
    ]
    # with two prototypes for domain 0, (0,1) is nearest its own prototype: alone there
    owners = np.array([0, 0, 1])
    protos = np.array([[1, 0], [0, 1], [0, 1]], dtype=np.float32)
    loo = sample_floors(vectors, protos, owners, domain, np.ones(3, bool), 2, 200)
    assert loo == [(0.0, 0.0), (0.0, 0.0)]
    # 20 copies of (1,0) and one (0,1): 5% of 21 documents is more than the one alone
    many = sp.csr_matrix(np.array([[1, 0]] * 20 + [[0, 1]], dtype=np.float32))
    [(floor, below)] = sample_floors(
        many, np.array([[20, 1]], np.float32), None, np.zeros(21, int), np.ones(1, bool), 1, 200
    )
    # left out: each copy against (19, 1): 19 / sqrt(362) = 0.9986 (bin 199); (0,1) alone: 0
    assert (floor, below) == (0.995, round(1 / 21, 6))
