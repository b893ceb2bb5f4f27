"""A corpus in six languages and five scripts is split by language, with languages reported.

The corpus is tests/data/manpages-multilingual.jsonl.gz: the same kind of technical text
(Linux manual pages, full of the same ASCII command names) in English, German, French,
Russian, Japanese and Chinese. With ASCII-only words the domains followed the commands
(NMI about 0.64 against the language); with words of every script they follow the language.
"""

from __future__ import annotations

import glob
import gzip
import json
import os
import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from helpers import TFIDF

from splitlib import ngrams
from splitlib.config import build
from splitlib.discovery import discover_domains, sample_idf, tfidf_rows
from splitlib.domains import assign, is_name_word, safe_name
from splitlib.errors import UserError
from splitlib.kmeans import nmi
from splitlib.ngrams import hashed_ngrams, naming_terms, words_of
from splitlib.text import doc_hashes
from splitlib.wordbreak import ascii_word_bytes, run_bounds

MULTILINGUAL = Path(__file__).parents[1] / "data" / "manpages-multilingual.jsonl.gz"


def _records() -> list[dict]:
    with gzip.open(MULTILINGUAL, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="module")
def multilingual_run(spark, tmp_path_factory):
    from jobs.pipeline import run_split

    out = str(tmp_path_factory.mktemp("multilingual") / "run")
    cfg = build(overrides=[f"input.path={MULTILINGUAL}", f"out={out}", "domains.k=6", TFIDF])
    return out, run_split(cfg, spark=spark)


def _docs(root: str) -> pa.Table:
    return pq.ParquetDataset(sorted(glob.glob(os.path.join(root, "docs", "*.parquet")))).read()


def test_names_are_path_safe_transliterations_of_any_script():
    assert [safe_name(w) for w in ("用户-命令", "файл-каталог", "grüße", "café_au-lait")] == [
        "yonghu-mingling",
        "fayl-katalog",
        "grusse",
        "cafe_au-lait",
    ]
    assert [is_name_word(w) for w in ("命令", "файл", "नमस्ते", "ab", "x2y", "命")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


def test_unspaced_scripts_name_domains_by_character_bigrams():
    terms, doc = naming_terms(words_of(pa.array(["显示用户", "the user", "ユーザー passwd"])))
    assert list(zip(terms.to_pylist(), doc.tolist(), strict=True)) == [
        ("the", 1),
        ("user", 1),
        ("passwd", 2),
        ("显示", 0),
        ("示用", 0),
        ("用户", 0),
        ("ユー", 2),
        ("ーザ", 2),
        ("ザー", 2),
    ]


@pytest.mark.slow
def test_languages_are_identified_and_counted(multilingual_run):
    root, manifest = multilingual_run
    docs = _docs(root)
    # the input's own `language` field clashes with the output column: carried as meta_language
    assert docs.column("language").to_pylist() == docs.column("meta_language").to_pylist()
    scores = docs.column("language_score").to_numpy()
    assert np.median(scores) > 0.9 and scores.min() > 0
    assert manifest["languages"] == {
        code: {"docs": 80, "tokens": manifest["languages"][code]["tokens"]}
        for code in ("de", "en", "fr", "ja", "ru", "zh")
    }
    tokens = dict(
        zip(docs.column("id").to_pylist(), docs.column("n_tokens").to_pylist(), strict=True)
    )
    for code, v in manifest["languages"].items():
        assert v["tokens"] == sum(n for i, n in tokens.items() if i.startswith(f"{code}/"))
    for d in manifest["domains"]:
        assert sum(v["docs"] for v in d["languages"].values()) == d["docs"]


@pytest.mark.slow
def test_three_seeds_each_separate_the_languages(multilingual_run):
    """Seed 0 is the job; seeds 1 and 2 refit the job's sample with the job's function."""
    root, manifest = multilingual_run
    docs = _docs(root)
    job = dict(zip(docs.column("id").to_pylist(), docs.column("domain").to_pylist(), strict=True))
    records = _records()
    assert nmi([job[r["id"]] for r in records], [r["language"] for r in records]) >= 0.9
    cfg = build()
    keys = doc_hashes([r["id"] for r in records], cfg.seed)
    records = [records[i] for i in np.argsort(keys, kind="stable")]
    _, uni = hashed_ngrams([r["text"] for r in records], cfg.features.n_buckets, with_unigrams=True)
    x = tfidf_rows(uni, sample_idf(uni, cfg.features.n_buckets), cfg.domains.dims, cfg.seed)
    for seed in (1, 2):
        fit = discover_domains(x, 6, seed, cfg.domains.restarts, stability=False, scan=0)
        assert nmi(assign(x, fit.centroids)[0], [r["language"] for r in records]) >= 0.9, seed


@pytest.mark.slow
def test_names_and_report_come_from_every_script(multilingual_run):
    root, manifest = multilingual_run
    names = [d["name"] for d in manifest["domains"]]
    assert all(re.fullmatch(r"[a-z0-9_-]+", n) for n in names)
    by_language = {
        max(d["languages"], key=lambda c: d["languages"][c]["docs"]): d for d in manifest["domains"]
    }
    assert sorted(by_language) == ["de", "en", "fr", "ja", "ru", "zh"]
    # unspaced scripts are named by their own character bigrams, not the ASCII they contain
    for code, script in (("ja", r"[\u3040-\u30ff\u4e00-\u9fff]"), ("zh", r"[\u4e00-\u9fff]")):
        assert re.search(script, by_language[code]["top_terms"][0]), code
        first = by_language[code]["name"].split("-")[0]  # transliterated: 表示 -> biaoshi
        assert first in {
            safe_name(t) for t in by_language[code]["top_terms"] if re.search(script, t)
        }
    with open(os.path.join(root, "report.html"), encoding="utf-8") as f:
        report = f.read()
    assert "<meta charset='utf-8'>" in report and "<h2>Languages</h2>" in report
    for d in manifest["domains"]:
        assert ", ".join(d["top_terms"][:3]) in report


def test_ascii_text_keeps_its_domains():
    """On English text the new words change little: the domains of one seed with the old
    ASCII-only words and with the new words agree at least as well as two seeds do."""
    from helpers import subset

    records = subset(300)
    texts = pa.array([r["text"] for r in records])
    cfg = build()

    def fit(seed: int) -> np.ndarray:
        _, uni = hashed_ngrams(texts, cfg.features.n_buckets, with_unigrams=True)
        x = tfidf_rows(uni, sample_idf(uni, cfg.features.n_buckets), 0, seed)
        return assign(
            x, discover_domains(x, 7, seed, cfg.domains.restarts, stability=False, scan=0).centroids
        )[0]

    unicode_0, unicode_1 = fit(0), fit(1)
    saved = ngrams.word_bounds
    ngrams.word_bounds = lambda data: (lambda w: (w, *run_bounds(w)))(ascii_word_bytes(data))
    try:
        ascii_0 = fit(0)
    finally:
        ngrams.word_bounds = saved
    assert nmi(unicode_0, ascii_0) >= nmi(unicode_0, unicode_1) - 0.02


@pytest.mark.slow
def test_domains_by_language_stay_within_their_language(spark, tmp_path):
    """domains.by_language: K domains per language, a document only in its language's."""
    from jobs.pipeline import run_split
    from splitlib.routing import Router

    out = str(tmp_path / "run")
    cfg = build(
        overrides=[
            f"input.path={MULTILINGUAL}",
            f"out={out}",
            "domains.k=2",
            "domains.by_language=true",
        ]
    )
    manifest = run_split(cfg, spark=spark)
    domains = manifest["domains"]
    assert len(domains) == 12
    for d in domains:
        code = d["name"].split("-")[0]
        assert list(d["languages"]) == [code], d["name"]
    assert sorted(manifest["domain_fit"]["by_language"]) == ["de", "en", "fr", "ja", "ru", "zh"]
    assert all(f["k"] == 2 for f in manifest["domain_fit"]["by_language"].values())
    router = Router.load(out)
    routed = router.route(
        [
            "Zeigt den Inhalt eines Verzeichnisses an und sortiert die Dateien nach Namen.",
            "Affiche le contenu du répertoire et trie les fichiers par nom.",
            "Выводит содержимое каталога и сортирует файлы по имени.",
        ]
    )
    assert [r.split("-")[0] for r in routed] == ["de", "fr", "ru"]
    # per-language domains can only be reused where each document gets its language
    from splitlib.reuse import load_reused_domains

    with pytest.raises(UserError, match="has domains per language, so each document needs"):
        load_reused_domains(
            build(overrides=[f"domains.from_run={out}", "features.language_id=false"])
        )
    assert load_reused_domains(build(overrides=[f"domains.from_run={out}"])).router.groups == [
        d["name"].split("-")[0] for d in domains
    ]


def test_assignment_respects_the_allowed_domains():
    vectors = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]], dtype=np.float32)
    centroids = np.array([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]], dtype=np.float32)
    allowed = np.array([[False, True, True], [True, False, False], [True, True, True]])
    best, score, margin = assign(vectors, centroids, allowed)
    assert best.tolist() == [2, 0, 2]
    assert score[1] == pytest.approx(0.0) and margin[1] == pytest.approx(1.0)  # no runner-up
    assert margin[0] == pytest.approx(np.sqrt(0.5) - 0.0, abs=1e-6)
