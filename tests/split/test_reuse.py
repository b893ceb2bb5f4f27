"""domains.rename and domains.split on a reused run's router: prototypes follow their domain,
languages stay apart, a cut domain's parts are fitted on its own documents."""

from __future__ import annotations

import numpy as np
import pytest

from splitlib.domains import assign
from splitlib.errors import UserError
from splitlib.reuse import merged_shares, renamed, split_domains, split_shares
from splitlib.routing import Router
from splitlib.summary import rename_words, reused_words


def _router() -> Router:
    rng = np.random.default_rng(3)
    return Router(
        domains=["a", "b", "c", "d"],
        centroids=rng.standard_normal((6, 8)).astype(np.float32),
        idf=np.ones(8, np.float32),
        dims=0,
        seed=0,
        groups=["en", "en", "de", "de"],
        owners=np.array([0, 0, 1, 2, 3, 3], np.int32),  # two prototypes for a and for d
    )


def test_merged_prototypes_send_each_text_to_its_old_domains_new_name():
    before = _router()
    after = renamed(before, {"b": "a", "d": "legal"}, "runs/may")
    assert after.domains == ["a", "c", "legal"]
    assert after.owners.tolist() == [0, 0, 0, 1, 2, 2]
    assert after.groups == ["en", "de", "de"]
    assert before.domains == ["a", "b", "c", "d"]  # the loaded router is left as it was
    vectors = np.random.default_rng(4).standard_normal((500, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    old, _, _ = assign(vectors, before.centroids, None, before.owners)
    new, _, margin = assign(vectors, after.centroids, None, after.owners)
    new_of = np.array([0, 0, 1, 2])
    assert (new == new_of[old]).all()
    assert (margin > 0).all()  # a text torn between a and b is no longer ambiguous
    # names can be swapped: a name given away is free for another domain
    swapped = renamed(before, {"a": "b", "b": "a"}, "runs/may")
    assert swapped.domains == ["b", "a", "c", "d"]
    assert swapped.owners.tolist() == before.owners.tolist()


def test_a_merge_across_languages_is_refused():
    with pytest.raises(UserError) as err:
        renamed(_router(), {"b": "c"}, "runs/may")
    assert str(err.value) == (
        "domains.rename: 'c' would hold domains of the language groups 'en' and 'de'; "
        "merge only domains of one language."
    )


def test_a_rename_that_leaves_one_domain_is_refused():
    with pytest.raises(UserError) as err:
        renamed(_router(), {"a": "all", "b": "all", "c": "all", "d": "all"}, "runs/may")
    assert str(err.value) == (
        "domains.rename: every domain of 'runs/may' would be 'all'; a split needs at least 2 "
        "domains, so keep two names apart."
    )


def test_earlier_shares_and_the_words_for_a_reader():
    floors = {"score_floor": 0.3, "below_floor_share": 0.04}
    earlier = [
        {"name": "a", "share": 0.5, "ambiguous_share": 0.1, **floors},
        {"name": "b", "share": 0.3, "ambiguous_share": 0.2, **floors},
        {"name": "c", "share": 0.2, "ambiguous_share": 0.05, **floors, "score_floor": 0.25},
    ]
    # a merged domain's floor is its parts' lowest: a document is far only if far from all
    assert merged_shares(earlier, {"a": "x", "b": "c"}) == [
        {"name": "x", "share": 0.5, "ambiguous_share": 0.1, **floors},
        {"name": "c", "share": 0.5, "ambiguous_share": None}
        | {"score_floor": 0.25, "below_floor_share": None},
    ]
    earlier[1]["score_floor"] = None  # a run written before floors were recorded
    assert merged_shares(earlier, {"b": "c"})[1]["score_floor"] is None
    assert rename_words({"a": "x", "b": "c", "c": "c"}) == "renamed a → x, merged b + c → c"
    assert rename_words({"a": "x"}) == "renamed a → x"
    assert rename_words({}) == ""


def _cloud(center: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    rows = center + 0.15 * rng.standard_normal((n, len(center)))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_a_split_cuts_a_domain_into_the_parts_its_documents_form():
    """Domain b of a router holds two groups of documents (around e1 and e2, 60 and 40 of
    them); cut in two, its parts are those groups, the larger first, under b's place and
    language; the other domains keep their prototypes and their documents."""
    rng = np.random.default_rng(7)
    eye = np.eye(8, dtype=np.float32)
    before = Router(
        domains=["a", "b", "c"],
        centroids=np.stack([eye[0], (eye[1] + eye[2]) / np.sqrt(2), eye[3], eye[4]]),
        idf=np.ones(8, np.float32),
        dims=0,
        seed=0,
        groups=["en", "en", "de"],
        owners=np.array([0, 1, 2, 2], np.int32),  # c has two prototypes
    )
    vectors = np.concatenate(
        [
            _cloud(eye[0], 50, rng),
            _cloud(eye[2], 40, rng),
            _cloud(eye[1], 60, rng),
            _cloud(eye[3], 30, rng),
            _cloud(eye[4], 30, rng),
        ]
    )
    languages = ["en"] * 150 + ["de"] * 60
    after, cuts = split_domains(before, vectors, languages, {"b": 2}, 0, 10, 40)
    assert after.domains == ["a", "b-1", "b-2", "c"]
    assert after.groups == ["en", "en", "en", "de"]
    assert after.owners.tolist() == [0, 1, 2, 3, 3]
    assert np.array_equal(after.centroids[[0, 3, 4]], before.centroids[[0, 2, 3]])
    assert cuts == {"b": {"parts": [1, 2], "docs": 100, "moved_in": 0, "moved_out": 0}}
    index, _, _ = assign(vectors, after.centroids, None, after.owners)
    expected = [0] * 50 + [2] * 40 + [1] * 60 + [3] * 60
    assert index.tolist() == expected
    # the parts' centroids are the means of their documents: nearest e1 and e2
    assert np.argmax(after.centroids[1]) == 1 and np.argmax(after.centroids[2]) == 2
    assert before.domains == ["a", "b", "c"]  # the loaded router is left as it was


def test_a_split_needs_documents_for_each_part():
    rng = np.random.default_rng(8)
    eye = np.eye(4, dtype=np.float32)
    router = Router(["a", "b"], eye[:2].copy(), np.ones(4, np.float32), 0, 0)
    vectors = np.concatenate([_cloud(eye[0], 20, rng), _cloud(eye[1], 5, rng)])
    with pytest.raises(UserError) as err:
        split_domains(router, vectors, None, {"b": 3}, 0, 10, 40)
    assert str(err.value) == (
        "domains.split: 'b' holds 5 sampled documents, too few to cut into 3 parts (at least "
        "6); cut it into fewer parts or raise domains.sample_docs."
    )


def test_a_cut_domain_has_no_share_then_and_the_reader_is_told():
    earlier = [
        {"name": "a", "share": 0.6, "ambiguous_share": 0.1},
        {"name": "b", "share": 0.4, "ambiguous_share": 0.2},
    ]
    none = dict.fromkeys(("share", "ambiguous_share", "score_floor", "below_floor_share"))
    assert split_shares(earlier, {"a": ["x", "y"]}) == [
        {"name": "x", **none},
        {"name": "y", **none},
        {"name": "b", "share": 0.4, "ambiguous_share": 0.2},
    ]
    source = {
        "run": "runs/may",
        "renamed": {"a": "x"},
        "split": {"x": {"into": ["y", "z"], "docs": 1200, "moved_in": 1234, "moved_out": 3}},
    }
    assert reused_words(source) == (
        "kept from runs/may, renamed a → x, split x into y + z "
        "(1,234 sampled documents of other domains moved in, 3 out)"
    )
    assert reused_words({"run": "runs/may"}) == "kept from runs/may"
