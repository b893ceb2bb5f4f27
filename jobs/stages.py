"""The split job's stages after reading: tokenizer, features, domains, statistics, selection, writing."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass

import numpy as np
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

from jobs.pipeline import persist_level, unit_col, with_columns
from splitlib import storage
from splitlib.config import SplitConfig
from splitlib.divergence import domain_divergences
from splitlib.domains import names_from_terms, top_terms, unique_names
from splitlib.errors import UserError
from splitlib.progress import Progress
from splitlib.relevance import DomainModels
from splitlib.selection import KEY_BINS, prune_threshold, resample_cutoffs
from splitlib.tokenizer import tokenizer_info, train_tokenizer
from udfs.aggregate import (
    PARTIAL_DDL,
    add_doc_freq,
    add_domain_counts,
    partial_sums,
    reduce_partials,
)
from udfs.domains import ASSIGN_DDL, VECTOR_DDL, WORDS_DDL, assigner, vectorizer, word_counter
from udfs.featurize import EMBEDDING_DDL, FEATURES_DDL, featurizer
from udfs.relevance import RELEVANCE_DDL, scorer
from udfs.select import add_key_hist

HIST_BINS = 200
HIST_RANGE = (-4.0, 4.0)  # relevance, nats per feature


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


def _save_npy(url: str, array: np.ndarray) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    storage.write_bytes(url, buffer.getvalue())


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


def run_stages(
    spark: SparkSession,
    cfg: SplitConfig,
    good: DataFrame,
    n_kept: int,
    bundled: bool,
    progress: Progress,
) -> StageResult:
    from jobs.pipeline import effective_k

    out = cfg.out
    n_buckets = cfg.features.n_buckets

    progress.start("tokenizer")
    tokenizer = build_tokenizer(cfg, good, n_kept)
    tok_json = tokenizer.to_str()
    storage.write_bytes(storage.join(out, "tokenizer", "tokenizer.json"), tok_json.encode())
    progress.done(extra=f"vocabulary {tokenizer.get_vocab_size():,}")

    progress.start("featurize")
    embeddings = cfg.domains.features == "embedding"
    if embeddings:
        from splitlib.embedding import load_model

        load_model()  # fail on the driver, with one clear message, when the extra is missing
    ddl = FEATURES_DDL + (", " + EMBEDDING_DDL if embeddings else "")
    feats = good.mapInArrow(
        featurizer(tok_json, n_buckets, embeddings), with_columns(good, ddl)
    ).persist(persist_level(cfg))
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

    progress.start("domains")
    label_mode = cfg.input.label_field is not None
    if label_mode:
        labels = sorted(r.label for r in feats.select("label").distinct().collect())
        if len(labels) < 2:
            raise UserError(
                f"input.label_field {cfg.input.label_field!r} has {len(labels)} distinct value(s); "
                "a split needs at least 2 domains."
            )
        k = len(labels)
        label_index = {label: i for i, label in enumerate(labels)}
        per_label = max(20, cfg.domains.sample_docs // k)
        rank = F.row_number().over(Window.partitionBy("label").orderBy("key"))
        sample = feats.withColumn("_rank", rank).filter(F.col("_rank") <= per_label).drop("_rank")
    else:
        k = effective_k(cfg, bundled)
        label_index = None
        sample = feats.filter(unit_col() < min(1.0, cfg.domains.sample_docs / n_kept))
    sample = (
        sample.select(
            "key",
            "text",
            "label",
            "uni_buckets",
            "uni_counts",
            *(["embedding"] if embeddings else []),
        )
        .repartition(1)
        .sortWithinPartitions("key")
    )
    sample = sample.persist(persist_level(cfg))
    n_sample = sample.count()
    if n_sample < 2 * k:
        raise UserError(
            f"too little data to find {k} domains: {n_sample} sampled documents. "
            "Lower domains.k, or raise domains.sample_docs, or add data."
        )
    doc_freq = reduce_partials(
        sample.mapInArrow(partial_sums((n_buckets,), "int64", add_doc_freq("uni")), PARTIAL_DDL),
        (n_buckets,),
        "int64",
    )
    from splitlib.domains import inverse_document_frequency

    idf = inverse_document_frequency(doc_freq, n_sample)
    if embeddings:
        from splitlib.embedding import DIMS

        dims = DIMS
    else:
        dims = cfg.domains.dims
    vectors = sample.mapInArrow(vectorizer(idf, dims, cfg.seed), with_columns(sample, VECTOR_DDL))
    if label_mode:

        def add_label_sums(acc, batch):
            labels_ = batch.column("label").to_pylist()
            rows = np.repeat(
                np.array([label_index[x] for x in labels_]),
                np.diff(batch.column("vec_indices").offsets.to_numpy()),
            )
            cols = batch.column("vec_indices").flatten().to_numpy(zero_copy_only=False)
            vals = batch.column("vec_values").flatten().to_numpy(zero_copy_only=False)
            np.add.at(acc, (rows, cols), vals)

        centroids = reduce_partials(
            vectors.mapInArrow(partial_sums((k, dims), "float64", add_label_sums), PARTIAL_DDL),
            (k, dims),
            "float64",
        )
    else:
        from pyspark.ml.clustering import KMeans
        from pyspark.ml.linalg import SparseVector, VectorUDT

        @F.udf(returnType=VectorUDT())
        def to_vector(indices, values):
            return SparseVector(dims, indices, values)

        data = vectors.select("key", to_vector("vec_indices", "vec_values").alias("features"))
        model = KMeans(
            k=k,
            seed=cfg.seed,
            maxIter=cfg.domains.max_iter,
            distanceMeasure="cosine",
            initMode="k-means||",
        ).fit(data)
        centroids = np.array(model.clusterCenters(), dtype=np.float64)
    centroids = centroids.astype(np.float32)

    # readable names: top terms of the sample's documents in each domain
    sample_assigned = sample.mapInArrow(
        assigner(idf, dims, cfg.seed, centroids, label_index), with_columns(sample, ASSIGN_DDL)
    )
    words = (
        sample_assigned.select("text", "domain")
        .mapInArrow(word_counter(), WORDS_DDL)
        .groupBy("domain", "word")
        .agg(F.sum("count").alias("count"))
        .filter(F.col("count") >= 3)
        .collect()
    )
    counts: dict[int, dict[str, int]] = {d: {} for d in range(k)}
    for r in words:
        counts[r.domain][r.word] = r["count"]
    terms = top_terms(counts, cfg.domains.top_terms)
    names = unique_names(labels) if label_mode else names_from_terms(terms, k)
    sample.unpersist()

    # assign every document, then the hold-out per domain
    assigned = feats.mapInArrow(
        assigner(idf, dims, cfg.seed, centroids, label_index), with_columns(feats, ASSIGN_DDL)
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
    progress.done(n_sample, "sampled docs", f"{k} domains: {', '.join(names)}")

    progress.start("statistics")
    domain_counts = reduce_partials(
        assigned.filter(F.col("split") == "train")
        .select("domain", "ng_buckets", "ng_counts")
        .mapInArrow(partial_sums((k, n_buckets), "int64", add_domain_counts), PARTIAL_DDL),
        (k, n_buckets),
        "int64",
    )
    divergences = domain_divergences(domain_counts, cfg.select.smoothing)
    models = DomainModels.from_counts(domain_counts, cfg.select.smoothing)
    final = assigned.mapInArrow(scorer(models), with_columns(assigned, RELEVANCE_DDL)).persist(
        persist_level(cfg)
    )

    amb = cfg.domains.ambiguous_margin
    grouped = (
        final.groupBy("domain", "split")
        .agg(
            F.count("*").alias("docs"),
            F.sum("n_tokens").alias("tokens"),
            F.sum("bytes").alias("bytes"),
            F.sum((F.col("margin") < amb).cast("long")).alias("ambiguous"),
        )
        .collect()
    )
    per_domain = [
        {
            "docs": 0,
            "tokens": 0,
            "bytes": 0,
            "ambiguous": 0,
            "train_docs": 0,
            "train_tokens": 0,
            "train_bytes": 0,
            "valid_docs": 0,
            "valid_tokens": 0,
            "valid_bytes": 0,
        }
        for _ in range(k)
    ]
    for r in grouped:
        d = per_domain[r.domain]
        for key in ("docs", "tokens", "bytes", "ambiguous"):
            d[key] += int(r[key])
        for key in ("docs", "tokens", "bytes"):
            d[f"{r.split}_{key}"] += int(r[key])

    hist = relevance_histograms(final, k)
    threshold = prune_threshold(hist[:, 1, :].sum(axis=0), cfg.select.prune_fraction, HIST_RANGE)
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
    feats.unpersist()
    progress.done(sum(d["docs"] for d in per_domain), "docs")

    domains_root = storage.join(out, "domains")
    _save_npy(storage.join(domains_root, "centroids.npy"), centroids)
    _save_npy(storage.join(domains_root, "idf.npy"), idf)
    _save_npy(storage.join(domains_root, "token_counts.npy"), domain_counts)
    _save_npy(storage.join(domains_root, "relevance_hist.npy"), hist[:, 0, :])
    router = {
        "names": names,
        "features": cfg.domains.features,
        "dims": dims,
        "n_buckets": n_buckets,
        "seed": cfg.seed,
        "bigrams": True,
        "label_field": cfg.input.label_field,
        "smoothing": cfg.select.smoothing,
        "relevance_hist_range": list(HIST_RANGE),
    }
    storage.write_bytes(
        storage.join(domains_root, "router.json"), json.dumps(router, indent=2).encode()
    )

    return StageResult(
        final=final,
        k=k,
        names=names,
        label_mode=label_mode,
        tokenizer=tokenizer_info(tokenizer, "tokenizer/tokenizer.json"),
        meta_keys=meta_keys,
        per_domain=per_domain,
        divergences=divergences,
        terms=terms,
        prune_threshold=threshold,
        contaminated=contaminated,
        valid_fraction=fractions,
        resample_cutoffs=cutoffs,
    )


def relevance_histograms(final: DataFrame, k: int) -> np.ndarray:
    """(K, 2, bins): [:, 0] documents by own-domain relevance, [:, 1] train tokens by best relevance."""
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

    cols = final.select("domain", "relevance_own", "relevance_best", "n_tokens", "split")
    return reduce_partials(
        cols.mapInArrow(partial_sums((k, 2, HIST_BINS), "int64", add), PARTIAL_DDL),
        (k, 2, HIST_BINS),
        "int64",
    )
