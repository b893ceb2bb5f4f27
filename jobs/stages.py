"""The split job's stages after reading, in the order the data flows.

    tokenizer  -> featurize -> domains -> statistics -> selection   (then jobs/writing.py)

Each stage is one function with explicit inputs and outputs; `run_stages` chains
them. The logic lives in splitlib/ (pure Python) and udfs/ (Arrow batch functions).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass, field

import numpy as np
import pyarrow.compute as pc
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from jobs.frames import persist_level, unit_col, with_columns
from splitlib import storage
from splitlib.config import SplitConfig
from splitlib.corpus import SOURCES
from splitlib.discovery import (
    discover_auto,
    discover_by_language,
    discover_domains,
    discover_embedding_domains,
    embedded_rows,
    label_centroids,
    sample_idf,
    tfidf_rows,
)
from splitlib.divergence import domain_divergences
from splitlib.domains import assign, domain_names, top_terms, unique_names
from splitlib.errors import UserError
from splitlib.language import allowed_domains
from splitlib.ngrams import from_arrow
from splitlib.novelty import far_shares, far_warnings, sample_floors, score_bins
from splitlib.progress import Progress
from splitlib.relevance import DomainModels
from splitlib.reuse import load_reused_domains, name_parts, split_reused
from splitlib.routing import Router, prefix_accuracy
from splitlib.selection import KEY_BINS, prune_threshold, resample_cutoffs
from splitlib.summary import domain_agreements, domain_stabilities, reused_words, rounded
from splitlib.tokenizer import tokenizer_info, train_tokenizer
from udfs.aggregate import PARTIAL_DDL, add_domain_counts, partial_sums, reduce_partials
from udfs.domains import ASSIGN_DDL, WORDS_DDL, assigner, word_counter
from udfs.featurize import FEATURES_DDL, LANGUAGE_DDL, featurizer
from udfs.relevance import RELEVANCE_DDL, scorer
from udfs.select import add_key_hist

HIST_BINS = 200
ROUTING_DOCS = 2000  # validation documents whose prefixes are routed for the report
HIST_RANGE = (-4.0, 4.0)  # relevance, nats per feature


@dataclass
class Features:
    docs: DataFrame  # persisted: the records plus FEATURES_DDL (and LANGUAGE_DDL) columns
    meta_keys: list[str]  # the input's own fields carried through


@dataclass
class Domains:
    k: int
    names: list[str]
    label_mode: bool
    label_index: dict[str, int] | None
    idf: np.ndarray  # (n_buckets,)
    centroids: np.ndarray  # (K, dims)
    dims: int  # 0: sparse tf-idf over the buckets
    terms: dict  # domain -> [(word, z-score)]
    fit: dict | None = None  # k-means diagnostics for the manifest (None with labels)
    groups: list[str] | None = None  # each domain's language group (domains.by_language)
    # with several prototypes per domain, `centroids` holds them and `owners` their domains
    owners: np.ndarray | None = None
    examples: list[list[dict]] = field(default_factory=list)  # per domain, `domain_examples`
    reused_from: dict | None = None  # domains.from_run: the run whose domains these are
    # per domain: (score floor, share of the sample under it), splitlib.novelty
    floors: list[tuple[float | None, float | None]] = field(default_factory=list)


@dataclass
class Statistics:
    scored: DataFrame  # persisted: every document with domain, split, relevance
    domain_counts: np.ndarray  # (K, n_buckets) training n-gram counts
    divergences: dict
    per_domain: list[dict]
    hist: np.ndarray  # (K, 3, HIST_BINS), see relevance_histograms
    valid_fraction: list[float]


@dataclass
class Selection:
    final: DataFrame
    prune_threshold: float | None
    contaminated: int
    resample_cutoffs: np.ndarray | None


@dataclass
class StageResult:
    final: DataFrame
    k: int
    names: list[str]
    label_mode: bool
    tokenizer: dict
    meta_keys: list[str]
    per_domain: list[dict]
    divergences: dict
    terms: dict
    prune_threshold: float | None
    contaminated: int
    valid_fraction: list[float]
    resample_cutoffs: np.ndarray | None = None
    domain_fit: dict | None = field(default=None)
    routing: dict | None = field(default=None)
    examples: list[list[dict]] = field(default_factory=list)
    reused_from: dict | None = None


def run_stages(
    cfg: SplitConfig, good: DataFrame, n_kept: int, bundled: bool, progress: Progress
) -> StageResult:
    """Tokenizer, features, domains, statistics and selection for the valid records `good`."""
    tokenizer = tokenizer_stage(cfg, good, n_kept, progress)
    features = featurize_stage(cfg, good, tokenizer.to_str(), progress)
    domains = domains_stage(cfg, features.docs, n_kept, bundled, progress)
    stats = statistics_stage(cfg, features.docs, domains, progress)
    selection = selection_stage(cfg, stats, domains.k)
    features.docs.unpersist()
    save_domains(cfg, domains, stats)
    routing = routing_check(cfg, selection.final, domains)
    return StageResult(
        final=selection.final,
        k=domains.k,
        names=domains.names,
        label_mode=domains.label_mode,
        tokenizer=tokenizer_info(tokenizer, "tokenizer/tokenizer.json"),
        meta_keys=features.meta_keys,
        per_domain=stats.per_domain,
        divergences=stats.divergences,
        terms=domains.terms,
        prune_threshold=selection.prune_threshold,
        contaminated=selection.contaminated,
        valid_fraction=stats.valid_fraction,
        resample_cutoffs=selection.resample_cutoffs,
        domain_fit=domains.fit,
        routing=routing,
        examples=domains.examples,
        reused_from=domains.reused_from,
    )


# --------------------------------------------------------------------------- tokenizer


def tokenizer_stage(cfg: SplitConfig, good: DataFrame, n_kept: int, progress: Progress):
    """The BPE tokenizer (trained on a deterministic sample, or read), saved under tokenizer/."""
    progress.start("tokenizer")
    tokenizer = build_tokenizer(cfg, good, n_kept)
    storage.write_bytes(
        storage.join(cfg.out, "tokenizer", "tokenizer.json"), tokenizer.to_str().encode()
    )
    progress.done(extra=f"vocabulary {tokenizer.get_vocab_size():,}")
    return tokenizer


def build_tokenizer(cfg: SplitConfig, good: DataFrame, n_kept: int):
    from tokenizers import Tokenizer

    if cfg.features.tokenizer_path:
        try:
            return Tokenizer.from_str(storage.read_bytes(cfg.features.tokenizer_path).decode())
        except FileNotFoundError:
            raise UserError(
                f"features.tokenizer_path {cfg.features.tokenizer_path!r} does not exist."
            ) from None
    fraction = min(1.0, 1.5 * cfg.features.tokenizer_sample_docs / n_kept)
    rows = (
        good.filter(unit_col() < fraction)
        .select("key", "text")
        .orderBy("key")
        .limit(cfg.features.tokenizer_sample_docs)
        .collect()
    )
    texts, size = [], 0
    for row in rows:
        size += len(row.text)
        if size > cfg.features.tokenizer_sample_bytes:
            break
        texts.append(row.text)
    return train_tokenizer(texts, cfg.features.vocab_size)


# --------------------------------------------------------------------------- featurize


def featurize_stage(
    cfg: SplitConfig, good: DataFrame, tokenizer_json: str, progress: Progress
) -> Features:
    """Token ids and hashed n-gram counts of every document (and its language if configured)."""
    progress.start("featurize")
    if cfg.domains.features == "embedding" and cfg.input.label_field is None:
        from splitlib.embedding import load_model

        load_model()  # fail now, with one clear message, when the extra is missing
    languages = cfg.features.language_id
    ddl = ", ".join([FEATURES_DDL] + ([LANGUAGE_DDL] if languages else []))
    featurize = featurizer(tokenizer_json, cfg.features.n_buckets, languages)
    feats = good.mapInArrow(featurize, with_columns(good, ddl)).persist(persist_level(cfg))
    totals = feats.agg(
        F.count("*").alias("docs"), F.sum("n_tokens").alias("tokens"), F.sum("bytes").alias("bytes")
    ).first()
    mb = totals.bytes / 1e6
    progress.done(totals.docs, "docs", f"{totals.tokens:,} tokens, {mb:,.1f} MB")
    meta_keys = sorted(
        r.k
        for r in feats.select(F.explode(F.json_object_keys("meta")).alias("k"))
        .distinct()
        .limit(100)
        .collect()
    )
    return Features(feats, meta_keys)


# --------------------------------------------------------------------------- domains


def effective_k(cfg: SplitConfig, bundled: bool) -> int:
    if cfg.domains.k:
        return cfg.domains.k
    return len(SOURCES) if bundled else 8


def domains_stage(
    cfg: SplitConfig, feats: DataFrame, n_kept: int, bundled: bool, progress: Progress
) -> Domains:
    """Domains from a deterministic sample: k-means on the driver (best of restarts) or labels.

    The sample is collected sorted by document key, so the fit does not depend on the
    partitioning. Every document is assigned later, in the statistics stage.
    """
    progress.start("domains")
    label_mode = cfg.input.label_field is not None
    reused = load_reused_domains(cfg) if cfg.domains.from_run else None
    labels: list[str] = []
    if label_mode:  # (never with reused domains: the config refuses both)
        labels = sorted(r.label for r in feats.select("label").distinct().collect())
        if len(labels) < 2:
            raise UserError(
                f"input.label_field {cfg.input.label_field!r} has {len(labels)} distinct value(s); "
                "a split needs at least 2 domains."
            )
        k = len(labels)
        per_label = max(20, cfg.domains.sample_docs // k)
        rank = F.row_number().over(Window.partitionBy("label").orderBy("key"))
        sample = feats.withColumn("_rank", rank).filter(F.col("_rank") <= per_label).drop("_rank")
    else:
        k = len(reused.router.domains) if reused else effective_k(cfg, bundled)
        sample = feats.filter(unit_col() < min(1.0, cfg.domains.sample_docs / n_kept))
    by_language = cfg.domains.by_language and not label_mode and reused is None
    features = fit_features(cfg, label_mode, by_language)
    columns = ["key", "id", "text", "label", "uni_buckets", "uni_counts"]
    per_language = by_language or (reused is not None and reused.router.groups is not None)
    columns += ["language"] if per_language else []
    sample = sample.select(*columns).repartition(1).sortWithinPartitions("key")
    sample = sample.persist(persist_level(cfg))
    rows = sample.drop("text").toArrow()
    rows = rows.take(pc.sort_indices(rows, [("key", "ascending")]))
    n_sample = rows.num_rows
    if n_sample < 2 * k and reused is None:
        raise UserError(
            f"too little data to find {k} domains: {n_sample} sampled documents. "
            "Lower domains.k, or raise domains.sample_docs, or add data."
        )
    label_index = {label: i for i, label in enumerate(labels)} if label_mode else None
    cuts: dict[str, dict] = {}
    if reused is not None:  # no fit: the earlier run's domains in the earlier run's space
        cuts = split_reused(reused, cfg, rows) if cfg.domains.split else {}
        r = reused.router
        k = len(r.domains)
        idf, dims, centroids, fit = r.idf, r.dims, r.centroids, None
        groups, owners = r.groups, r.owners
        parts = [i for cut in cuts.values() for i in cut["parts"]]
        fitted = np.isin(np.arange(k) if owners is None else owners, parts)  # only the parts'
    else:
        idf, dims, centroids, groups, owners, fit = fitted_domains(
            cfg, sample, rows, k, label_index, by_language, features, progress
        )
        k = len(groups) if groups is not None else k  # by language: K per language
        fitted = np.ones(len(centroids), dtype=bool)
    floors = domain_floors(
        cfg, rows, k, (idf, dims, centroids, owners, groups), label_index, fitted
    )
    assigned = sample.mapInArrow(
        assigner(idf, dims, cfg.seed, centroids, label_index, groups, owners),
        with_columns(sample, ASSIGN_DDL),
    )
    counts = sample_word_counts(assigned, k)
    examples = domain_examples(assigned, k, cfg.domains.examples)
    sample.unpersist()
    terms = top_terms(counts, cfg.domains.top_terms)
    if reused is not None:
        if cuts:  # the parts get names from their words, like fitted domains
            name_parts(reused, cuts, domain_names(counts, k))
        names = list(reused.router.domains)
    elif label_mode:
        names = unique_names(labels)
    else:
        names = domain_names(counts, k)
    if groups is not None and reused is None:  # 'de-datei-befehl': the language first
        names = unique_names([f"{g}-{n}" for g, n in zip(groups, names, strict=True)])
    if fit is not None:
        fit["domain_warnings"] = domain_warnings(cfg, fit, names)
        for line in fit["domain_warnings"]:
            progress.note(line)
    detail = f"{k} domains: {', '.join(names)}"
    if reused is not None:
        detail += f"; {reused_words(reused.provenance)}"
    if fit is not None and groups is None:
        detail += f"; best of {len(fit['objectives'])} fits, stability {fit['stability']}"
    progress.done(n_sample, "sampled docs", detail)
    return Domains(
        k,
        names,
        label_mode,
        label_index,
        idf,
        centroids,
        dims,
        terms,
        fit,
        groups,
        owners,
        examples,
        None if reused is None else reused.provenance,
        floors,
    )


def domain_floors(
    cfg: SplitConfig, rows, k: int, space: tuple, label_index, fitted: np.ndarray
) -> list[tuple[float | None, float | None]]:
    """Each domain's score floor on the sample (splitlib.novelty.sample_floors): the sampled
    documents in the domains the job gives them, left out of the centroids `fitted` on them.
    `space`: (idf, dims, centroids, owners, language groups) as the assigner takes them."""
    idf, dims, centroids, owners, groups = space
    grams = from_arrow(rows.column("uni_buckets"), rows.column("uni_counts"))
    vectors = tfidf_rows(grams, idf, dims, cfg.seed)
    if label_index is not None:
        domain = np.array([label_index[x] for x in rows.column("label").to_pylist()])
    else:
        allowed = None
        if groups is not None:
            allowed = allowed_domains(rows.column("language").to_pylist(), groups)
        domain = assign(vectors, centroids, allowed, owners)[0]
    return sample_floors(vectors, centroids, owners, domain, fitted, k, HIST_BINS)


def fitted_domains(
    cfg: SplitConfig,
    sample: DataFrame,
    rows,
    k: int,
    label_index: dict[str, int] | None,
    by_language: bool,
    features: str,
    progress: Progress,
):
    """The sample's own domains: (idf, dims, centroids, language groups, prototypes' domains,
    the fit's record for the manifest), from the labels or a k-means fit."""
    grams = from_arrow(rows.column("uni_buckets"), rows.column("uni_counts"))
    idf = sample_idf(grams, cfg.features.n_buckets)
    dims = cfg.domains.dims
    vectors = tfidf_rows(grams, idf, dims, cfg.seed)
    texts = sample_texts(cfg, sample, rows.column("key").to_pylist(), features, by_language)
    groups = owners = fit = None
    if label_index is not None:
        index = np.array([label_index[x] for x in rows.column("label").to_pylist()])
        centroids = label_centroids(vectors, index, k)
    elif by_language:
        languages = rows.column("language").to_pylist()
        centroids, groups, fit = fit_by_language(
            cfg, vectors, texts, languages, k, features, progress
        )
    else:
        centroids, owners, fit = fit_sample(cfg, vectors, texts, k, features, progress)
    return idf, dims, centroids, groups, owners, fit


def domain_warnings(cfg: SplitConfig, fit: dict, names: list[str]) -> list[str]:
    """One line per kind of domain to read before relying on it: those whose documents
    change with the seed, and (auto) those the fit on the other features does not find.
    Round 15 (RESULTS.md): the second kind named wrong domains more often, not always."""
    d = cfg.domains
    lines = []
    stabilities = domain_stabilities(fit, len(names))
    moving = [(n, s) for n, s in zip(names, stabilities, strict=True) if s is not None]
    moving = [(n, s) for n, s in moving if s < d.min_domain_stability]
    if moving:
        listed = ", ".join(f"{n} ({s:.2f})" for n, s in moving)
        lines.append(
            f"domains whose documents change with the seed (Jaccard under "
            f"{d.min_domain_stability} with seed {cfg.seed + 1}'s closest domain, "
            f"domains.min_domain_stability): {listed}. Read their examples in the report "
            "before relying on them."
        )
    agreements = domain_agreements(fit, len(names))
    apart = [(n, a) for n, a in zip(names, agreements, strict=True) if a is not None]
    apart = [(n, a) for n, a in apart if a < d.min_domain_agreement]
    if apart:
        other = "tf-idf" if fit["choice"]["chosen"] == "embedding" else "embedding"
        listed = ", ".join(f"{n} ({a:.2f})" for n, a in apart)
        lines.append(
            f"domains the {other} fit does not find (Jaccard under {d.min_domain_agreement} "
            f"with its closest domain, domains.min_domain_agreement): {listed}. On eight unseen "
            "corpora with known sources, 27 of the 43 domains under 0.5 were a piece of a "
            "source or a mix of sources (benchmarks/RESULTS.md, round 15): read their examples "
            "in the report before relying on them."
        )
    return lines


def sample_texts(
    cfg: SplitConfig, sample: DataFrame, keys: list[int], features: str, by_language: bool
) -> list[str | None]:
    """The texts the embedding fit reads, in the sample's key order: none for tf-idf, all
    per language, else only the rows `embedded_rows` draws (None elsewhere), so that at most
    domains.embed_docs texts of the (up to domains.sample_docs) sampled ones reach the driver."""
    if features == "tfidf":
        return []
    n = len(keys)
    wanted = np.arange(n) if by_language else embedded_rows(n, cfg.domains.embed_docs, cfg.seed)
    picked = sample.select("key", "text")
    if len(wanted) < n:
        picked = picked.filter(F.col("key").isin([keys[i] for i in wanted]))
    fetched = picked.toArrow()
    columns = (fetched.column("key").to_pylist(), fetched.column("text").to_pylist())
    text_of = dict(zip(*columns, strict=True))
    texts: list[str | None] = [None] * n
    for i in wanted:
        texts[i] = text_of[keys[i]]
    return texts


def fit_sample(cfg: SplitConfig, vectors, texts: list[str], k: int, features: str, progress):
    """K domains of the whole sample on `features` ("tfidf", "embedding" or "auto"): (the
    rows documents are assigned by, in the tf-idf space, their domains when they are several
    prototypes per domain, else None, the manifest's fit summary)."""
    d = cfg.domains
    embed_rows = embedder(texts, progress) if features != "tfidf" else None
    choice = None
    if features == "tfidf":
        result = discover_domains(
            vectors, k, cfg.seed, d.restarts, d.max_iter, stability=d.stability
        )
    elif features == "embedding":
        result, _ = discover_embedding_domains(
            vectors,
            embed_rows,
            k,
            cfg.seed,
            d.embedding_restarts,
            d.max_iter,
            d.embed_docs,
            d.stability,
            prototypes=d.prototypes,
        )
    else:
        result, choice = discover_auto(
            vectors,
            embed_rows,
            k,
            cfg.seed,
            d.restarts,
            d.embedding_restarts,
            d.max_iter,
            d.embed_docs,
            d.max_tfidf_loss,
            d.stability,
            d.prototypes,
        )
        features = choice.chosen
        progress.note(choice_line(choice))
    fit = fit_summary(cfg, result, vectors.shape[0], features)
    if choice is not None:
        fit["choice"] = choice_summary(choice)
    if fit["stability_warning"]:
        progress.note(fit["stability_warning"])
    rows, owners = result.assignment_rows()
    if owners is not None:
        fit["prototypes"] = np.bincount(owners, minlength=k).tolist()
    return rows, owners, fit


def fit_by_language(
    cfg: SplitConfig, vectors, texts: list[str], languages: list[str], k, features, progress
):
    """K domains within each language group of the sample: (centroids, each domain's group,
    the manifest's fit summaries per group)."""
    d = cfg.domains
    fitted = {"euclidean": False, "space": None}
    rows = vectors
    if features == "embedding":
        from splitlib.embedding import embed

        fitted = {"euclidean": True, "space": vectors}
        rows = embed(texts)
    centroids, groups, fits = discover_by_language(
        rows,
        languages,
        k,
        cfg.seed,
        d.embedding_restarts if features == "embedding" else d.restarts,
        d.max_iter,
        d.min_language_share,
        stability=d.stability,
        **fitted,
    )
    fit = {
        "by_language": {
            g: {**fit_summary(cfg, f, len(f.labels), features), "k": len(f.centroids)}
            for g, f in fits.items()
        }
    }
    for g, summary in fit["by_language"].items():
        if summary["stability_warning"]:
            progress.note(f"{g}: {summary['stability_warning']}")
    return centroids, groups, fit


def fit_features(cfg: SplitConfig, label_mode: bool, by_language: bool) -> str:
    """The features the domains are fitted on: "tfidf", "embedding" or "auto" (both).

    With given labels nothing is fitted. Per language, auto keeps to tf-idf: the embedding
    model is English."""
    if label_mode or (by_language and cfg.domains.features == "auto"):
        return "tfidf"
    return cfg.domains.features


def embedder(texts: list[str], progress=None):
    """A function from sample rows to their embeddings; None when auto finds no model.
    It says what it embeds and how long that took: minutes on a few CPU cores."""
    from splitlib.embedding import embed, load_model

    try:
        load_model()
    except UserError:
        return None

    def embed_rows(idx):
        if progress is not None:
            progress.note(f"embedding {len(idx):,} sampled documents with MiniLM on the driver")
        start = time.perf_counter()
        rows = embed([texts[i] for i in idx])
        if progress is not None:
            seconds = time.perf_counter() - start
            progress.note(f"embedded {len(idx):,} documents in {seconds:.1f} s")
        return rows

    return embed_rows


# below this NMI the line says the two fits' domains differ (as min_stability does for seeds);
# RESULTS.md, round 14: 0.54-0.80 on fourteen corpora of nineteen, 0.82-0.995 on five
FEATURES_AGREE = 0.8


def choice_line(choice) -> str:
    """One line for the log and the report: what auto kept, and why."""
    if choice.reason:
        return f"domains.features=auto kept the tf-idf domains: {choice.reason}."
    kept = "embedding" if choice.chosen == "embedding" else "tf-idf"
    line = (
        f"domains.features=auto kept the {kept} domains: the embedding domains lose "
        f"{100 * choice.tfidf_loss:.1f}% of the tf-idf fit's gain over one domain "
        f"(limit domains.max_tfidf_loss = {100 * choice.max_loss:.0f}%; "
        f"{choice.embedded_docs:,} documents embedded)."
    )
    if choice.agreement == choice.agreement:  # NaN when no model was found
        line += (
            f" The tf-idf and the embedding domains agree at NMI {choice.agreement:.2f} on the "
            "sample (1 = the same domains)."
        )
        if choice.agreement < FEATURES_AGREE:
            line += " They differ: see README, tf-idf or embeddings, to judge which to keep."
    return line


def choice_summary(choice) -> dict:
    """The manifest's record of auto's choice (NaN, when no model was found, as None)."""

    def num(x: float, digits: int = 6):
        return None if x != x else rounded(x, digits)

    return {
        "chosen": choice.chosen,
        "tfidf_loss": num(choice.tfidf_loss, 4),
        "max_tfidf_loss": choice.max_loss,
        "embedded_docs": choice.embedded_docs,
        "one_domain_objective": num(choice.one_domain_objective),
        "tfidf_objective": num(choice.tfidf_objective),
        "embedding_objective": num(choice.embedding_objective),
        "agreement": num(choice.agreement, 4),
        "domain_agreement": None
        if choice.domain_agreement is None
        else [rounded(x, 4) for x in choice.domain_agreement],
        "reason": choice.reason or None,
        "line": choice_line(choice),
    }


def fit_summary(cfg: SplitConfig, result, n_sample: int, features: str = "tfidf") -> dict:
    """The k-means diagnostics kept in the manifest and shown in the report; `features`:
    what the kept fit ran on ("tfidf" or "embedding")."""
    stability = None if result.stability is None else rounded(result.stability, 4)
    other = "tfidf" if features == "embedding" else "embedding"
    warning = None
    if stability is not None and stability < cfg.domains.min_stability:
        warning = (
            f"domains are unstable: NMI {stability:.2f} between seeds {cfg.seed} and "
            f"{cfg.seed + 1} (below {cfg.domains.min_stability}); they reflect the seed more "
            "than the data. Try another domains.k (see the objective for K-2..K+2), more "
            f"domains.restarts, a larger domains.sample_docs, or domains.features={other} "
            "(README: tf-idf or embeddings)."
        )
    method = "spherical k-means (cosine) on tf-idf rows, k-means++ starts, lowest objective kept"
    objective = "sum over sampled documents of 1 - cosine(document, its centroid)"
    restarts = cfg.domains.restarts
    if features == "embedding":
        method = (
            "k-means (Euclidean) on MiniLM embeddings, greedy k-means++ starts, lowest "
            "objective kept; centroids then in the tf-idf space (each domain's mean over the "
            "whole sample), where every document is assigned"
        )
        if result.owners is not None:
            method += (
                f" to the domain of its nearest prototype (up to {cfg.domains.prototypes} for "
                "a domain holding more than 1/K of the embedded documents: spherical k-means "
                "within them, less a prototype whose documents mostly go to another domain's "
                "mean; then one mean step over the whole sample)"
            )
        objective = "sum over embedded documents of the squared distance to their mean embedding"
        restarts = cfg.domains.embedding_restarts
        n_sample = len(result.labels)
    return {
        "features": features,
        "method": method,
        "sample_docs": n_sample,
        "restarts": restarts,
        "objective": objective,
        "objectives": [rounded(x) for x in result.objectives],
        "chosen": result.chosen,
        "chosen_objective": rounded(result.objective),
        "iterations": result.iterations,
        "stability": stability,
        "stability_seeds": [cfg.seed, cfg.seed + 1] if stability is not None else None,
        "stability_warning": warning,
        "domain_stability": None
        if result.domain_stability is None
        else [rounded(x, 4) for x in result.domain_stability],
        "k_scan": {str(k2): rounded(v) for k2, v in result.k_scan.items()},
    }


def sample_word_counts(assigned: DataFrame, k: int) -> dict[int, dict[str, int]]:
    """Word counts of each domain's sampled documents (words seen at least 3 times)."""
    words = (
        assigned.select("text", "domain")
        .mapInArrow(word_counter(), WORDS_DDL)
        .groupBy("domain", "word")
        .agg(F.sum("count").alias("count"))
        .filter(F.col("count") >= 3)
        .collect()
    )
    counts: dict[int, dict[str, int]] = {d: {} for d in range(k)}
    for r in words:
        counts[r.domain][r.word] = r["count"]
    return counts


OPENING_CHARS = 160  # of an example's text, whitespace collapsed, cut at a word


def domain_examples(assigned: DataFrame, k: int, per_domain: int) -> list[list[dict]]:
    """Each domain's `per_domain` sampled documents nearest to it (highest score, ties by key):
    id, score and opening, so that a reader sees what a domain holds, not only its words."""
    if per_domain == 0:
        return [[] for _ in range(k)]
    rank = F.row_number().over(Window.partitionBy("domain").orderBy(F.desc("score"), "key"))
    rows = (
        assigned.withColumn("_rank", rank)
        .filter(F.col("_rank") <= per_domain)
        .select(
            "domain",
            "_rank",
            "id",
            "score",
            F.substring("text", 1, 4 * OPENING_CHARS).alias("start"),
        )
        .collect()
    )
    examples: list[list[dict]] = [[] for _ in range(k)]
    for r in sorted(rows, key=lambda r: (r.domain, r._rank)):
        examples[r.domain].append(
            {"id": r.id, "score": rounded(r.score, 4), "opening": opening(r.start)}
        )
    return examples


def opening(text: str) -> str:
    """The first OPENING_CHARS characters of a text on one line, cut at a word, '…' if cut."""
    flat = " ".join(text.split())
    if len(flat) <= OPENING_CHARS:
        return flat
    cut = flat[:OPENING_CHARS].rsplit(" ", 1)[0] or flat[:OPENING_CHARS]
    return cut + " …"


# --------------------------------------------------------------------------- statistics


def statistics_stage(
    cfg: SplitConfig, feats: DataFrame, domains: Domains, progress: Progress
) -> Statistics:
    """Assign every document and draw the hold-out; per-domain counts, divergences, relevance."""
    progress.start("statistics")
    k, n_buckets = domains.k, cfg.features.n_buckets
    assigned = feats.mapInArrow(
        assigner(
            domains.idf,
            domains.dims,
            cfg.seed,
            domains.centroids,
            domains.label_index,
            domains.groups,
            domains.owners,
        ),
        with_columns(feats, ASSIGN_DDL),
    )
    sizes = {r.domain: r["count"] for r in assigned.groupBy("domain").count().collect()}
    fractions = [
        min(cfg.select.valid_fraction, cfg.select.valid_max_docs / max(sizes.get(d, 0), 1))
        for d in range(k)
    ]
    frac_col = F.element_at(F.array(*[F.lit(float(f)) for f in fractions]), F.col("domain") + 1)
    assigned = assigned.withColumn(
        "split", F.when(F.col("u_valid") < frac_col, "valid").otherwise("train")
    )
    domain_counts = reduce_partials(
        assigned.filter(F.col("split") == "train")
        .select("domain", "ng_buckets", "ng_counts")
        .mapInArrow(partial_sums((k, n_buckets), "int64", add_domain_counts), PARTIAL_DDL),
        (k, n_buckets),
        "int64",
    )
    divergences = domain_divergences(domain_counts, cfg.select.smoothing)
    models = DomainModels.from_counts(domain_counts, cfg.select.smoothing)
    scored = assigned.mapInArrow(scorer(models), with_columns(assigned, RELEVANCE_DDL)).persist(
        persist_level(cfg)
    )
    per_domain = domain_totals(scored, k, cfg.domains.ambiguous_margin)
    hist = relevance_histograms(scored, k)
    add_floors(per_domain, hist[:, 2, :], domains)
    for line in (domains.reused_from or {}).get("warnings", []):
        progress.note(line)
    progress.done(sum(d["docs"] for d in per_domain), "docs")
    return Statistics(scored, domain_counts, divergences, per_domain, hist, fractions)


def add_floors(per_domain: list[dict], score_hist: np.ndarray, domains: Domains) -> None:
    """Each domain's score floor and, for kept domains, the share under the earlier floor."""
    floors = domains.floors
    earlier = {e["name"]: e for e in (domains.reused_from or {}).get("earlier", [])}
    then = [earlier.get(name, {}) for name in domains.names]
    far = far_shares(score_hist, [e.get("score_floor") for e in then])
    for d, (floor, below), now in zip(per_domain, floors, far, strict=True):
        d.update(score_floor=floor, below_floor_share=below, far_share=now)
    if domains.reused_from is not None:
        before = [e.get("below_floor_share") for e in then]
        domains.reused_from["warnings"] = far_warnings(domains.names, far, before)


def domain_totals(scored: DataFrame, k: int, ambiguous_margin: float) -> list[dict]:
    """Documents, tokens, bytes and ambiguous documents per domain, overall and per split."""
    by = ["domain", "split"] + (["language"] if "language" in scored.columns else [])
    grouped = (
        scored.groupBy(*by)
        .agg(
            F.count("*").alias("docs"),
            F.sum("n_tokens").alias("tokens"),
            F.sum("bytes").alias("bytes"),
            F.sum((F.col("margin") < ambiguous_margin).cast("long")).alias("ambiguous"),
        )
        .collect()
    )
    keys = ("docs", "tokens", "bytes")
    per_domain = [
        {
            "ambiguous": 0,
            "languages": {},
            **{f"{p}{key}": 0 for p in ("", "train_", "valid_") for key in keys},
        }
        for _ in range(k)
    ]
    for r in grouped:
        d = per_domain[r.domain]
        for key in (*keys, "ambiguous"):
            d[key] += int(r[key])
        for key in keys:
            d[f"{r.split}_{key}"] += int(r[key])
        if "language" in by:  # the domain's language mix: documents and tokens per code
            mix = d["languages"].setdefault(r.language, {"docs": 0, "tokens": 0})
            mix["docs"] += int(r.docs)
            mix["tokens"] += int(r.tokens)
    return per_domain


def relevance_histograms(final: DataFrame, k: int) -> np.ndarray:
    """(K, 3, bins): [:, 0] documents by own-domain relevance, [:, 1] train tokens by best
    relevance, [:, 2] documents by score (cosine to their domain; splitlib.novelty)."""
    lo, hi = HIST_RANGE
    width = (hi - lo) / HIST_BINS

    def add(acc, batch):
        d = batch.column("domain").to_numpy(zero_copy_only=False).astype(np.int64)
        own = batch.column("relevance_own").to_numpy(zero_copy_only=False)
        best = batch.column("relevance_best").to_numpy(zero_copy_only=False)
        tokens = batch.column("n_tokens").to_numpy(zero_copy_only=False).astype(np.int64)
        train = np.array([s == "train" for s in batch.column("split").to_pylist()])
        b_own = np.clip(((own - lo) / width).astype(np.int64), 0, HIST_BINS - 1)
        b_best = np.clip(((best - lo) / width).astype(np.int64), 0, HIST_BINS - 1)
        np.add.at(acc, (d, 0, b_own), 1)
        np.add.at(acc, (d[train], 1, b_best[train]), tokens[train])
        score = batch.column("score").to_numpy(zero_copy_only=False)
        np.add.at(acc, (d, 2, score_bins(score, HIST_BINS)), 1)

    cols = final.select("domain", "relevance_own", "relevance_best", "n_tokens", "split", "score")
    return reduce_partials(
        cols.mapInArrow(partial_sums((k, 3, HIST_BINS), "int64", add), PARTIAL_DDL),
        (k, 3, HIST_BINS),
        "int64",
    )


# --------------------------------------------------------------------------- selection


def selection_stage(cfg: SplitConfig, stats: Statistics, k: int) -> Selection:
    """Pruning of the least relevant mixture tokens, the hold-out check, resampling cutoffs."""
    final = stats.scored
    threshold = prune_threshold(
        stats.hist[:, 1, :].sum(axis=0), cfg.select.prune_fraction, HIST_RANGE
    )
    split = F.col("split")
    if threshold is not None:
        final.unpersist()
        final = final.withColumn(
            "split",
            F.when((split == "train") & (F.col("relevance_best") < threshold), "pruned").otherwise(
                split
            ),
        ).persist(persist_level(cfg))
    contaminated = (
        final.filter(F.col("split") == "valid")
        .select("text_hash")
        .distinct()
        .join(final.filter(F.col("split") != "valid").select("text_hash").distinct(), "text_hash")
        .count()
    )
    if contaminated:
        raise RuntimeError(
            f"{contaminated} validation texts also appear in training: duplicate removal failed"
        )
    cutoffs = None
    if cfg.select.resample_tokens:
        token_hist = reduce_partials(
            final.select("key", "relevance", "n_features", "n_tokens", "split").mapInArrow(
                partial_sums((k, KEY_BINS), "int64", add_key_hist(k)), PARTIAL_DDL
            ),
            (k, KEY_BINS),
            "int64",
        )
        cutoffs = resample_cutoffs(token_hist, cfg.select.resample_tokens)
    return Selection(final, threshold, contaminated, cutoffs)


# --------------------------------------------------------------------------- routing


def routing_check(cfg: SplitConfig, final: DataFrame, domains: Domains) -> dict | None:
    """How often validation documents cut to their first words route where the whole went."""
    rows = (
        final.filter(F.col("split") == "valid")
        .select("key", "text", "domain")
        .orderBy("key")
        .limit(ROUTING_DOCS)
        .collect()
    )
    if not rows:
        return None
    router = Router(
        domains=domains.names,
        centroids=domains.centroids,
        idf=domains.idf,
        dims=domains.dims,
        seed=cfg.seed,
        groups=domains.groups,
        owners=domains.owners,
    )
    result = prefix_accuracy(router, [r.text for r in rows], [r.domain for r in rows])
    result["description"] = (
        f"{len(rows):,} validation documents cut to their first words and routed as "
        "`splitlib route` does (nearest centroid): the share that goes to the domain the job "
        "gave the whole document. Prompts shorter than the shortest cut route less reliably."
    )
    return result


# --------------------------------------------------------------------------- domains/ folder


def _save_npy(url: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    storage.write_bytes(url, buffer.getvalue())


def save_domains(cfg: SplitConfig, domains: Domains, stats: Statistics) -> None:
    """domains/: what routing and training read (centroids, idf, counts, router.json)."""
    root = storage.join(cfg.out, "domains")
    _save_npy(storage.join(root, "centroids.npy"), domains.centroids)
    _save_npy(storage.join(root, "idf.npy"), domains.idf)
    _save_npy(storage.join(root, "token_counts.npy"), stats.domain_counts)
    _save_npy(storage.join(root, "relevance_hist.npy"), stats.hist[:, 0, :])
    router = {
        "names": domains.names,
        "features": "tfidf",  # the centroids' space; domains.features=embedding only fits
        "dims": domains.dims,
        "n_buckets": cfg.features.n_buckets,
        "seed": cfg.seed,
        "bigrams": True,
        "label_field": cfg.input.label_field,
        "smoothing": cfg.select.smoothing,
        "relevance_hist_range": list(HIST_RANGE),
        "language_groups": domains.groups,
        # the domain of each row of centroids.npy when they are prototypes, several per domain
        "prototype_domains": None if domains.owners is None else domains.owners.tolist(),
    }
    storage.write_bytes(storage.join(root, "router.json"), json.dumps(router, indent=2).encode())
