"""Domain discovery holds across seeds: best-of-restarts k-means, its diagnostics, stability."""

from __future__ import annotations

import glob
import os

import numpy as np
import pyarrow.parquet as pq
import pytest
from helpers import bundled_records

from splitlib.config import build
from splitlib.discovery import DomainFit, discover_domains, sample_idf, tfidf_rows
from splitlib.domains import assign
from splitlib.kmeans import best_of, lloyd, matched_jaccard, nmi
from splitlib.ngrams import hashed_ngrams
from splitlib.text import doc_hashes


@pytest.fixture(scope="module")
def bundled_vectors():
    """The bundled corpus as the job's k-means sample sees it (10,500 < sample_docs: all of it)."""
    cfg = build()
    records = bundled_records()
    # in the job's order: the sample is sorted by the documents' keys
    keys = doc_hashes([r["id"] for r in records], cfg.seed)
    records = [records[i] for i in np.argsort(keys, kind="stable")]
    _, uni = hashed_ngrams([r["text"] for r in records], cfg.features.n_buckets, with_unigrams=True)
    x = tfidf_rows(uni, sample_idf(uni, cfg.features.n_buckets), cfg.domains.dims, cfg.seed)
    return records, x


@pytest.mark.slow
def test_three_seeds_each_recover_the_sources(bundled_run, bundled_vectors):
    """Seed 0 is the job itself; seeds 1 and 2 refit the same sample with the job's function."""
    root, manifest = bundled_run
    records, x = bundled_vectors
    sources = [r["source"] for r in records]
    docs = pq.ParquetDataset(sorted(glob.glob(os.path.join(root, "docs", "*.parquet")))).read()
    job = dict(zip(docs.column("id").to_pylist(), docs.column("domain").to_pylist(), strict=True))
    job_domains = [job[r["id"]] for r in records]
    assert nmi(job_domains, sources) >= 0.82
    cfg = build()
    for seed in (1, 2):
        fit = discover_domains(x, 7, seed, cfg.domains.restarts, stability=False, scan=0)
        assigned = assign(x, fit.centroids)[0]
        assert nmi(assigned, sources) >= 0.82, seed
        if seed == 1:  # the job's own stability number compares seed 0 with this fit
            assert nmi(assigned, job_domains) == pytest.approx(
                manifest["domain_fit"]["stability"], abs=0.01
            )
            # and so does each domain's own: its documents against seed 1's closest domain
            index = {d["name"]: d["index"] for d in manifest["domains"]}
            own = matched_jaccard([index[d] for d in job_domains], assigned, 7)
            recorded = [d["stability"] for d in manifest["domains"]]
            assert recorded == manifest["domain_fit"]["domain_stability"]
            assert recorded == pytest.approx(own.tolist(), abs=0.01)


@pytest.mark.slow
def test_the_manifest_records_every_fit_and_keeps_the_lowest(bundled_run):
    _, manifest = bundled_run
    fit = manifest["domain_fit"]
    assert fit["restarts"] == 10 and len(fit["objectives"]) == 10
    assert fit["chosen_objective"] == min(fit["objectives"]) == fit["objectives"][fit["chosen"]]
    assert fit["sample_docs"] == 10_500
    assert 0.82 <= fit["stability"] <= 1.0 and fit["stability_warning"] is None
    assert fit["stability_seeds"] == [0, 1]
    scan = {int(k): v for k, v in fit["k_scan"].items()}
    assert sorted(scan) == [5, 6, 7, 8, 9]
    assert scan[7] == fit["chosen_objective"]
    # more domains fit the sample more closely
    assert scan[5] > scan[7] > scan[9]


def test_a_fit_is_determined_by_its_seed_and_the_best_is_kept(bundled_vectors):
    records, x = bundled_vectors
    rows = x[:1500]
    a, b = best_of(rows, 7, seed=3, restarts=4), best_of(rows, 7, seed=3, restarts=4)
    assert np.array_equal(a.labels, b.labels) and a.objectives == b.objectives
    singles = [lloyd(rows, 7, seed=3, restart=r).objective for r in range(4)]
    assert a.objectives == pytest.approx(singles, rel=1e-9)
    assert a.objective == min(singles) and a.chosen == int(np.argmin(singles))
    # the objective is the sum of 1 - cosine to the centroid of each row
    sims = np.asarray(rows @ a.centroids.T)
    assert a.objective == pytest.approx(float((1 - sims.max(axis=1)).sum()), rel=1e-4)


def test_a_euclidean_fit_keeps_means_and_each_row_at_its_nearest_one(bundled_vectors):
    """The fit of domains.features=embedding: centroids are the means of their rows (not
    unit length), every row sits at its nearest mean, the objective is the squared distances."""
    _, x = bundled_vectors
    # dense, without the buckets no row uses (zero in every row, start and mean: the same
    # geometry), so the pairwise distances below fit in memory (1200 x 7 x 65,536 did not)
    part = x[:1200]
    rows = part[:, np.unique(part.indices)].toarray()
    # run to convergence (tol 0): the centroids are then the means of the final labels
    converged = lloyd(rows, 7, seed=3, max_iter=500, tol=0.0, euclidean=True)
    means = np.stack([rows[converged.labels == c].mean(axis=0) for c in range(7)])
    np.testing.assert_allclose(converged.centroids, means, atol=1e-6)
    assert np.linalg.norm(converged.centroids, axis=1).max() < 0.99  # means of spread rows
    fit = best_of(rows, 7, seed=3, restarts=3, euclidean=True)
    labels = fit.labels
    assert np.array_equal(best_of(rows, 7, seed=3, restarts=3, euclidean=True).labels, labels)
    dist = ((rows[:, None, :] - fit.centroids[None, :, :]) ** 2).sum(axis=2)
    assert np.array_equal(labels, dist.argmin(axis=1))
    assert fit.objective == pytest.approx(float(dist.min(axis=1).sum()), rel=1e-4)
    assert fit.objective == min(fit.objectives)
    # the cosine fit from the same starts is another partition
    assert not np.array_equal(best_of(rows, 7, seed=3, restarts=3).labels, labels)


def test_a_fit_in_one_space_gives_centroids_in_another(bundled_vectors):
    """domains.features=embedding: fitted on one kind of rows (here a dense projection of the
    tf-idf rows, as the embeddings are dense), returned as tf-idf centroids, per language too."""
    from splitlib.discovery import discover_by_language, label_centroids

    records, x = bundled_vectors
    rows = x[:900]
    dense = np.asarray(rows @ np.random.default_rng(0).standard_normal((rows.shape[1], 64)))
    dense = (dense / np.linalg.norm(dense, axis=1, keepdims=True)).astype(np.float32)
    fit = discover_domains(dense, 4, 0, 3, stability=False, scan=0, euclidean=True, space=rows)
    assert fit.centroids.shape == (4, rows.shape[1])
    np.testing.assert_allclose(fit.centroids, label_centroids(rows, fit.labels, 4), atol=1e-6)
    languages = ["en" if i % 3 else "de" for i in range(900)]
    centroids, groups, fits = discover_by_language(
        dense, languages, 3, 0, 3, 40, 0.05, stability=False, euclidean=True, space=rows
    )
    assert groups == ["de"] * 3 + ["en"] * 3 and centroids.shape == (6, rows.shape[1])
    de = np.flatnonzero(np.array(languages) == "de")
    np.testing.assert_allclose(
        centroids[:3], label_centroids(rows[de], fits["de"].labels, 3), atol=1e-6
    )


def _dense_stand_in(rows, dims: int = 64) -> np.ndarray:
    """Unit rows of a dense random projection of tf-idf rows: a stand-in for sentence
    embeddings in plumbing tests (the real model is tested in test_split_selection)."""
    dense = np.asarray(rows @ np.random.default_rng(0).standard_normal((rows.shape[1], dims)))
    return (dense / np.linalg.norm(dense, axis=1, keepdims=True)).astype(np.float32)


def test_the_tfidf_loss_is_the_share_of_the_gain_over_one_domain_that_is_lost(bundled_vectors):
    """domains.features=auto: loss 0 for the tf-idf fit's own centroids, 1 for centroids no
    better than one domain, and in between exactly by the formula; the rule follows the limit."""
    from splitlib.discovery import choose_features, label_centroids, partition_objective

    _, x = bundled_vectors
    rows = x[:1500]
    fit = discover_domains(rows, 7, 0, 3, stability=False, scan=0)
    same = choose_features(rows, fit, fit.centroids, 0.10, 1500)
    assert same.tfidf_loss == pytest.approx(0.0, abs=1e-6) and same.chosen == "embedding"
    one = label_centroids(rows, np.zeros(1500, dtype=np.int64), 1)
    flat = choose_features(rows, fit, np.repeat(one, 7, axis=0), 0.10, 1500)
    assert flat.tfidf_loss == pytest.approx(1.0, abs=1e-6) and flat.chosen == "tfidf"
    other = discover_domains(rows, 7, 0, 3, stability=False, scan=0)
    other.centroids[0] = other.centroids[1]  # two domains merged: a worse partition
    mid = choose_features(rows, fit, other.centroids, 0.10, 1500)
    objective, _ = partition_objective(rows, other.centroids)
    expected = 1 - (mid.one_domain_objective - objective) / (
        mid.one_domain_objective - fit.objective
    )
    assert mid.tfidf_loss == pytest.approx(expected, rel=1e-9) and 0 < mid.tfidf_loss < 1
    for limit in (mid.tfidf_loss - 1e-6, mid.tfidf_loss + 1e-6):
        kept = choose_features(rows, fit, other.centroids, limit, 1500).chosen
        assert kept == ("embedding" if limit >= mid.tfidf_loss else "tfidf")


def test_auto_embeds_a_capped_draw_and_refines_centroids_over_the_sample(bundled_vectors):
    """discover_auto embeds at most embed_docs rows, drawn with the seed; the embedding domains'
    centroids are each domain's unit mean over the whole sample; without a model the tf-idf
    fit is kept, with the reason."""
    from splitlib.discovery import discover_auto, embedded_rows, label_centroids

    _, x = bundled_vectors
    rows = x[:2000]
    dense = _dense_stand_in(rows)
    asked = []

    def embed_rows(idx):
        asked.append(idx)
        return dense[idx]

    fit, choice = discover_auto(rows, embed_rows, 5, 1, 3, 4, 40, 600, 1.0, stability=False)
    (idx,) = asked
    assert len(idx) == 600 == choice.embedded_docs and np.array_equal(idx, np.sort(idx))
    assert np.array_equal(idx, embedded_rows(2000, 600, 1))
    assert not np.array_equal(idx, embedded_rows(2000, 600, 2))
    assert choice.chosen == "embedding" and len(fit.objectives) == 4  # limit 1.0: always kept
    assert len(fit.labels) == 600  # the Euclidean fit saw the drawn rows only
    drawn_means = label_centroids(rows[idx], fit.labels, 5)
    whole = label_centroids(rows, np.asarray(rows @ drawn_means.T).argmax(axis=1), 5)
    np.testing.assert_allclose(fit.centroids, whole, atol=1e-6)
    assert not np.allclose(fit.centroids, drawn_means, atol=1e-3)
    _, strict = discover_auto(rows, embed_rows, 5, 1, 3, 4, 40, 600, 0.0, stability=False)
    assert strict.chosen == ("embedding" if strict.tfidf_loss <= 0 else "tfidf")
    tfidf_fit, none = discover_auto(rows, None, 5, 1, 3, 4, 40, 600, 0.10, stability=False)
    assert none.chosen == "tfidf" and "not installed" in none.reason
    assert np.array_equal(
        tfidf_fit.centroids, discover_domains(rows, 5, 1, 3, stability=False).centroids
    )
    assert np.array_equal(embedded_rows(500, 600, 1), np.arange(500))  # all when under the cap


def test_auto_records_how_far_the_tfidf_and_embedding_domains_agree(bundled_vectors):
    """choice.agreement is the NMI between the sample's domains under the two fits, each
    assigned as the job assigns (nearest prototype for the embedding domains); 1 for a fit
    against itself. The line states it, and below FEATURES_AGREE says the two differ."""
    import dataclasses

    from jobs.stages import FEATURES_AGREE, choice_line
    from splitlib.discovery import discover_auto, fits_agreement

    _, x = bundled_vectors
    rows = x[:2000]
    dense = _dense_stand_in(rows)
    fit, choice = discover_auto(
        rows, lambda idx: dense[idx], 5, 1, 3, 4, 40, 600, 1.0, stability=False, prototypes=2
    )
    assert choice.chosen == "embedding" and fit.owners is not None  # limit 1.0: kept
    tfidf = discover_domains(rows, 5, 1, 3, stability=False, scan=0)
    prototypes, owners = fit.assignment_rows()
    by_tfidf = assign(rows, tfidf.centroids)[0]
    kept = assign(rows, prototypes, owners=owners)[0]
    assert choice.agreement == pytest.approx(nmi(by_tfidf, kept), abs=1e-12)
    assert 0.3 < choice.agreement < 0.99  # the stand-in embeddings give other domains
    # per kept domain: the Jaccard index with the tf-idf domain that shares most documents
    assert len(choice.domain_agreement) == 5
    for domain, value in enumerate(choice.domain_agreement):
        mine = kept == domain
        best = max(
            (mine & (by_tfidf == j)).sum() / (mine | (by_tfidf == j)).sum() for j in range(5)
        )
        assert value == pytest.approx(best, abs=1e-12), domain
    assert min(choice.domain_agreement) < 0.9  # some domains are not the tf-idf ones
    for same in (tfidf, fit):
        agreement, per_domain = fits_agreement(rows, same, same)
        assert agreement == pytest.approx(1.0, abs=1e-12)
        assert per_domain.tolist() == [1.0] * 5
    start = choice_line(dataclasses.replace(choice, agreement=float("nan")))
    same = choice_line(dataclasses.replace(choice, agreement=FEATURES_AGREE))
    assert same == start + (
        f" The tf-idf and the embedding domains agree at NMI {FEATURES_AGREE:.2f} on the "
        "sample (1 = the same domains)."
    )
    differ = choice_line(dataclasses.replace(choice, agreement=0.61))
    assert differ == start + (
        " The tf-idf and the embedding domains agree at NMI 0.61 on the sample (1 = the same "
        "domains). They differ: see README, tf-idf or embeddings, to judge which to keep."
    )


def test_a_domain_of_several_prototypes_scores_by_its_nearest_one():
    """With owners, a document's score for a domain is its cosine to the nearest of the
    domain's prototypes, and it goes to the domain of its nearest prototype."""
    from splitlib.domains import similarities

    v = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    protos = np.array([[1.0, 0.0], [0.0, 1.0], [0.8, 0.6]], dtype=np.float32)
    owners = np.array([0, 0, 1])
    np.testing.assert_allclose(
        similarities(v, protos, owners), [[1.0, 0.8], [1.0, 0.6], [0.8, 0.96]], atol=1e-6
    )
    best, score, margin = assign(v, protos, owners=owners)
    assert best.tolist() == [0, 0, 1]
    np.testing.assert_allclose(score, [1.0, 1.0, 0.96], atol=1e-6)
    np.testing.assert_allclose(margin, [0.2, 0.4, 0.16], atol=1e-6)
    # one prototype per domain in order: the same as plain centroids
    assert np.array_equal(similarities(v, protos, np.arange(3)), similarities(v, protos))


def test_embedding_domains_get_prototypes_fitted_within_each_domain(bundled_vectors):
    """domains.prototypes = 2: an embedding domain holding more than 1/K of the embedded rows
    (and at least 40) gets two prototypes, fitted by spherical k-means on its embedded rows, less
    any whose rows mostly go to another domain's centroid; the others one. Each is then moved
    once to the unit mean of the sampled rows nearest to it. The choice between the fits is
    unchanged."""
    import dataclasses

    from splitlib.discovery import (
        PROTOTYPE_RESTARTS,
        discover_auto,
        embedded_rows,
        label_centroids,
    )

    _, x = bundled_vectors
    rows = x[:2000]
    dense = _dense_stand_in(rows)

    def auto(prototypes):
        return discover_auto(rows, lambda i: dense[i], 5, 1, 3, 4, 40, 600, 1.0, False, prototypes)

    fit, choice = auto(2)
    single, single_choice = auto(1)
    assert single.prototypes is None and single.assignment_rows()[1] is None
    # the same choice on the same numbers; only the agreement, measured on the documents'
    # domains (nearest prototype), moves, and so does each domain's
    same = dataclasses.replace(
        single_choice, agreement=choice.agreement, domain_agreement=choice.domain_agreement
    )
    assert choice == same and choice.agreement != single_choice.agreement
    assert np.array_equal(fit.centroids, single.centroids)
    idx = embedded_rows(2000, 600, 1)
    sizes = np.bincount(fit.labels, minlength=5)
    by_centroid = np.asarray(rows[idx] @ fit.centroids.T).argmax(axis=1)
    fitted, owners = [], []
    for d in range(5):
        own = rows[idx[fit.labels == d]]
        if sizes[d] * 5 <= 600 or sizes[d] < 40:
            fitted.append(label_centroids(own, np.zeros(own.shape[0], np.int64), 1))
            owners.append(d)
            continue
        sub = best_of(own, 2, 1, PROTOTYPE_RESTARTS, 40)
        stays = by_centroid[fit.labels == d] == d
        kept = [j for j in (0, 1) if stays[sub.labels == j].mean() >= 0.5] or [0, 1]
        fitted.append(sub.centroids[kept])
        owners += [d] * len(kept)
    assert fit.owners.tolist() == owners
    # both outcomes occur here: two domains are large, one keeps two prototypes, one drops one
    assert int((sizes * 5 > 600).sum()) == 2
    assert sorted(np.bincount(fit.owners).tolist()) == [1, 1, 1, 1, 2]
    fitted = np.concatenate(fitted)
    nearest = np.asarray(rows @ fitted.T).argmax(axis=1)
    np.testing.assert_allclose(
        fit.prototypes, label_centroids(rows, nearest, len(fitted)), atol=1e-6
    )
    protos, owners = fit.assignment_rows()
    assert protos is fit.prototypes and owners is fit.owners


def test_a_prototype_of_another_domains_documents_is_dropped():
    """A large embedding domain whose embedded rows are half its own (near e1) and half strays
    that lie on another domain (near e2, where that domain's centroid is): of its two
    prototypes the strays' one is dropped, and after the mean step the strays go to the other
    domain, as with one centroid per domain."""
    from splitlib.discovery import domain_prototypes, label_centroids

    rng = np.random.default_rng(0)

    def near(axis: int, n: int) -> np.ndarray:
        rows = np.eye(3)[axis] + 0.05 * rng.standard_normal((n, 3))
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    vectors = np.concatenate([near(0, 30), near(1, 30), near(1, 20)]).astype(np.float32)
    labels = np.array([0] * 60 + [1] * 20)  # the embeddings put the 30 strays in domain 0
    centroids = label_centroids(vectors, labels, 2)
    protos, owners = domain_prototypes(vectors, np.arange(80), labels, centroids, 2, 0, 40)
    assert owners.tolist() == [0, 1]
    expected = label_centroids(vectors, np.array([0] * 30 + [1] * 50), 2)
    np.testing.assert_allclose(protos, expected, atol=1e-6)
    assert assign(vectors, protos, owners=owners)[0].tolist() == [0] * 30 + [1] * 50
    # without the strays (domain 0 is then its 30 rows only) no prototype is dropped
    kept = np.r_[0:30, 60:80]
    protos, owners = domain_prototypes(
        vectors[kept],
        np.arange(50),
        labels[kept],
        label_centroids(vectors[kept], labels[kept], 2),
        2,
        0,
        40,
    )
    assert owners.tolist() == [0, 1]  # domain 0 holds 30 of 50 > 1/2, but 30 // 20 = 1 prototype


def test_auto_measures_stability_and_the_k_scan_on_the_fit_it_keeps_only(bundled_vectors):
    """Both fits run, but the seed + 1 refit and the K-2..K+2 objectives (most of the time)
    are spent on the kept fit alone, in its own space: the same numbers as a fit alone."""
    from splitlib.discovery import discover_auto, embedded_rows

    _, x = bundled_vectors
    rows = x[:2000]
    dense = _dense_stand_in(rows)
    calls = []

    def embed_rows(idx):
        calls.append(len(idx))
        return dense[idx]

    kept, choice = discover_auto(rows, embed_rows, 5, 1, 3, 4, 40, 600, 1.0)
    alone = discover_domains(dense[embedded_rows(2000, 600, 1)], 5, 1, 4, euclidean=True)
    assert choice.chosen == "embedding" and calls == [600]
    assert kept.stability == alone.stability and kept.k_scan == alone.k_scan
    assert sorted(kept.k_scan) == [3, 4, 5, 6, 7]
    kept, choice = discover_auto(rows, embed_rows, 5, 1, 3, 4, 40, 600, -10.0)
    alone = discover_domains(rows, 5, 1, 3)
    assert choice.chosen == "tfidf" and kept.stability == alone.stability
    assert kept.k_scan == alone.k_scan and np.array_equal(kept.centroids, alone.centroids)


def test_nmi_is_one_for_a_renaming_and_zero_for_independent_labels():
    a = np.repeat([0, 1, 2], 4)
    assert nmi(a, 2 - a) == pytest.approx(1.0)
    assert nmi(np.tile([0, 1], 6), np.repeat([0, 1], 6)) == pytest.approx(0.0, abs=1e-12)


def test_a_domains_stability_is_its_jaccard_with_the_closest_domain_of_the_other_seed():
    # domain 0 = rows 0-3, kept whole by the other seed's domain 2 (1.0); domain 1 = rows 4-7,
    # cut in two: other domain 0 = rows 4, 5, 8 shares 2 of the 5 rows in either (0.4);
    # domain 2 = rows 8-9 shares one row with other domain 0 or 1 (1 of 4 in either: 0.25)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    other = np.array([2, 2, 2, 2, 0, 0, 1, 1, 0, 1])
    assert matched_jaccard(labels, other, 3).tolist() == pytest.approx([1.0, 0.4, 0.25])
    # a renaming is a perfect match; a domain with no row scores 0
    assert matched_jaccard(labels, 2 - labels, 4).tolist() == [1.0, 1.0, 1.0, 0.0]


def test_the_stability_of_each_domain_is_kept_in_domain_order():
    from splitlib.summary import domain_stabilities

    assert domain_stabilities(None, 3) == [None, None, None]
    assert domain_stabilities({"domain_stability": [0.9, 0.4]}, 2) == [0.9, 0.4]
    assert domain_stabilities({"domain_stability": None}, 2) == [None, None]
    # per language, the groups' domains follow one another (a group of one domain has none)
    per_language = {
        "by_language": {
            "en": {"k": 2, "domain_stability": [1.0, 0.7]},
            "de": {"k": 1, "domain_stability": None},
            "other": {"k": 2, "domain_stability": [0.5, 0.6]},
        }
    }
    assert domain_stabilities(per_language, 5) == [1.0, 0.7, None, 0.5, 0.6]


def test_domains_to_read_first_are_named_with_their_numbers():
    from jobs.stages import domain_warnings

    cfg = build()
    names = ["bible-lord", "python-module", "water-add"]
    fit = {
        "domain_stability": [1.0, 0.85, 0.9],  # at the limit (0.9) is not under it
        "choice": {"chosen": "embedding", "domain_agreement": [0.5, 0.31, 0.95]},
    }
    moving, apart = domain_warnings(cfg, fit, names)
    assert moving == (
        "domains whose documents change with the seed (Jaccard under 0.9 with seed 1's "
        "closest domain, domains.min_domain_stability): python-module (0.85). Read their "
        "examples in the report before relying on them."
    )
    assert apart.startswith(
        "domains the tf-idf fit does not find (Jaccard under 0.5 with its closest domain, "
        "domains.min_domain_agreement): python-module (0.31). On eight unseen corpora"
    )
    tfidf_kept = {**fit, "choice": {**fit["choice"], "chosen": "tfidf"}}
    assert domain_warnings(cfg, tfidf_kept, names)[1].startswith("domains the embedding fit")
    # the limits are the user's; nothing measured, nothing named
    loose = build(
        overrides=["domains.min_domain_stability=0.8", "domains.min_domain_agreement=0.3"]
    )
    assert domain_warnings(loose, fit, names) == []
    assert domain_warnings(cfg, {"domain_stability": None}, names) == []
    per_language = {
        "by_language": {"en": {"k": 2, "domain_stability": [0.95, 0.4]}, "de": {"k": 1}}
    }
    # per language the groups' domains follow one another; a one-domain group has none
    assert domain_warnings(cfg, per_language, names) == [moving.replace("(0.85)", "(0.40)")]


def test_a_low_stability_warns_in_one_line():
    from jobs.stages import fit_summary

    cfg = build()
    fit = DomainFit(
        centroids=np.zeros((2, 3), np.float32),
        labels=np.zeros(4, np.int32),
        objective=1.5,
        objectives=[2.0, 1.5],
        chosen=1,
        iterations=3,
        stability=0.41,
        k_scan={2: 1.5, 3: 1.0},
    )
    summary = fit_summary(cfg, fit, 4)
    assert summary["stability"] == 0.41
    assert summary["stability_warning"].startswith("domains are unstable: NMI 0.41 between seeds 0")
    assert "\n" not in summary["stability_warning"]
    # the other mode is one of the remedies it names (the README says when each does better)
    assert "or domains.features=embedding (README" in summary["stability_warning"]
    embedding = build(overrides=["domains.features=embedding"])
    assert (
        "or domains.features=tfidf (README"
        in fit_summary(embedding, fit, 4, "embedding")["stability_warning"]
    )
    assert (
        fit_summary(cfg, DomainFit(**{**fit.__dict__, "stability": 0.9}), 4)["stability_warning"]
        is None
    )


def test_domains_get_names_a_reader_recognizes(bundled_vectors):
    """Each source of the bundled corpus named from its word counts: specific words, no filler."""
    import pyarrow as pa

    from splitlib.domains import domain_names
    from udfs.domains import word_counter

    records, _ = bundled_vectors
    sources = sorted({r["source"] for r in records})
    batch = pa.RecordBatch.from_arrays(
        [
            pa.array([r["text"] for r in records]),
            pa.array([sources.index(r["source"]) for r in records], pa.int32()),
        ],
        names=["text", "domain"],
    )
    counted = pa.Table.from_batches(list(word_counter()([batch])))
    counts: dict[int, dict[str, int]] = {d: {} for d in range(len(sources))}
    for d, w, c in zip(*(counted.column(n).to_pylist() for n in counted.column_names), strict=True):
        if c >= 3:  # as the job keeps them
            counts[d][w] = c
    names = dict(zip(sources, domain_names(counts, len(sources)), strict=True))
    assert names == {
        "fortunes": "computer-linux",
        "kjv-bible": "lord-unto",
        "python-docs": "class-return",
        "shakespeare": "love-sir",
        "wikibooks-recipes": "water-add",
        "wikipedia": "species-century",
        "wordnet": "genus-family",
    }
    # deterministic: the same counts give the same names
    assert domain_names(counts, len(sources)) == list(names.values())


def test_only_the_texts_that_are_embedded_reach_the_driver(spark):
    """sample_texts fetches, by key, the texts of the rows the embedding fit will draw (the
    same draw: embedded_rows with the seed), None for the others; all of them per language;
    none for tf-idf."""
    from jobs.stages import sample_texts
    from splitlib.discovery import embedded_rows

    keys = [3 * i + 1 for i in range(50)]  # the sample's key order
    sample = spark.createDataFrame(
        [(k, f"text of {k}") for k in reversed(keys)], "key long, text string"
    )
    cfg = build(overrides=["domains.embed_docs=10", "seed=4"])
    texts = sample_texts(cfg, sample, keys, "auto", by_language=False)
    drawn = embedded_rows(50, 10, 4)
    assert [i for i, t in enumerate(texts) if t is not None] == drawn.tolist()
    assert all(texts[i] == f"text of {keys[i]}" for i in drawn)
    every = sample_texts(cfg, sample, keys, "embedding", by_language=True)
    assert every == [f"text of {k}" for k in keys]
    assert sample_texts(cfg, sample, keys, "tfidf", by_language=False) == []


def test_auto_keeps_to_tfidf_per_language_and_with_labels():
    """The embedding model is English: per language, auto fits tf-idf only; given labels,
    nothing is fitted; explicit choices are kept."""
    from jobs.stages import fit_features

    auto = build(overrides=["domains.features=auto"])
    assert fit_features(auto, label_mode=False, by_language=False) == "auto"
    assert fit_features(auto, label_mode=False, by_language=True) == "tfidf"
    assert fit_features(auto, label_mode=True, by_language=False) == "tfidf"
    embedding = build(overrides=["domains.features=embedding"])
    assert fit_features(embedding, label_mode=False, by_language=True) == "embedding"
    assert fit_features(build(), label_mode=False, by_language=False) == "auto"  # the default


def test_auto_without_the_model_keeps_tfidf_and_says_why(monkeypatch):
    """The model's absence is simulated (it is installed here): auto's embedder is then None,
    and the log line names the cause and the remedy."""
    import json

    import splitlib.embedding
    from jobs.stages import choice_line, choice_summary, embedder
    from splitlib.discovery import discover_auto
    from splitlib.errors import UserError

    def missing():
        raise UserError("domains.features=embedding needs the offline MiniLM model")

    monkeypatch.setattr(splitlib.embedding, "load_model", missing)
    assert embedder(["a text"]) is None
    rows = np.random.default_rng(0).standard_normal((40, 8)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    _, choice = discover_auto(rows, None, 2, 0, 2, 2, 40, 10, 0.1, stability=False)
    record = json.loads(json.dumps(choice_summary(choice), allow_nan=False))  # strict JSON
    assert record["chosen"] == "tfidf" and record["tfidf_loss"] is None
    assert record["embedded_docs"] == 0 and record["reason"].startswith("the embedding model")
    assert record["agreement"] is None  # no embedding fit to compare with
    line = choice_line(choice)
    assert line == (
        "domains.features=auto kept the tf-idf domains: the embedding model is not installed "
        "(pip install 'splitlib[embed]')."
    )


def test_an_empty_domain_has_no_top_terms_and_a_plain_name():
    """A domain with no documents (a reused domain the new crawl leaves empty) gets no top
    terms, not words ranked by the prior alone, and the name 'domain<i>'."""
    from splitlib.domains import domain_names, top_terms

    counts = {
        0: {"oven": 9, "whisk": 6, "sugar": 5, "king": 1},
        1: {"king": 8, "crown": 7, "sword": 4, "sugar": 1},
        2: {},
    }
    terms = top_terms(counts, 3)
    assert terms[2] == []
    assert {w for w, _ in terms[0]} == {"oven", "whisk", "sugar"}
    assert {w for w, _ in terms[1]} == {"king", "crown", "sword"}
    assert domain_names(counts, 3)[2] == "domain2"
