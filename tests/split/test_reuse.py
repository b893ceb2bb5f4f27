"""domains.rename on a reused run's router: prototypes follow their domain, languages stay apart."""

from __future__ import annotations

import numpy as np
import pytest

from splitlib.domains import assign
from splitlib.errors import UserError
from splitlib.reuse import merged_shares, renamed
from splitlib.routing import Router
from splitlib.summary import rename_words


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
    earlier = [
        {"name": "a", "share": 0.5, "ambiguous_share": 0.1},
        {"name": "b", "share": 0.3, "ambiguous_share": 0.2},
        {"name": "c", "share": 0.2, "ambiguous_share": 0.05},
    ]
    assert merged_shares(earlier, {"a": "x", "b": "c"}) == [
        {"name": "x", "share": 0.5, "ambiguous_share": 0.1},
        {"name": "c", "share": 0.5, "ambiguous_share": None},
    ]
    assert rename_words({"a": "x", "b": "c", "c": "c"}) == "renamed a → x, merged b + c → c"
    assert rename_words({"a": "x"}) == "renamed a → x"
    assert rename_words({}) == ""
