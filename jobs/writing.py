"""Writing the split: data sets, docs/, quarantine/ as Parquet shards; then report and manifest."""

from __future__ import annotations

import dataclasses

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from jobs.frames import shard_count, with_columns
from splitlib import __version__, storage
from splitlib import manifest as manifest_mod
from splitlib.config import SplitConfig
from splitlib.errors import UserError
from splitlib.reading import docs_meta_columns
from splitlib.summary import manifest_body
from udfs.select import MEMBERSHIP_DDL, membership
from udfs.write import WRITTEN_DDL, shard_writer

DATA_COLUMNS = ["id", "text", "domain", "n_tokens", "token_ids"]
QUARANTINE_COLUMNS = ["id", "file", "offset", "reason", "detail", "text", "raw"]


def _name_col(names: list[str]):
    return F.element_at(F.array(*[F.lit(n) for n in names]), F.col("domain") + 1)


def _write(df: DataFrame, run_root: str, columns: list[str]) -> list[dict]:
    written = df.groupBy("set", "set_domain", "shard").applyInArrow(
        shard_writer(run_root, columns), WRITTEN_DDL
    )
    return [r.asDict() for r in written.collect()]


def _sized(per_domain: list[dict], prefix: str) -> list[int]:
    # a shard holds text plus int32 token ids
    return [d[f"{prefix}_bytes"] + 4 * d[f"{prefix}_tokens"] for d in per_domain]


def write_all(cfg: SplitConfig, result, quarantine: DataFrame) -> list[dict]:
    """Every shard of the run: training sets, per-document statistics, quarantine."""
    final = result.final.withColumn("domain_index", F.col("domain")).withColumn(
        "domain_name", _name_col(result.names)
    )
    shards = _write_training_sets(cfg, result, final)
    shards += _write_docs(cfg, result, final)
    shards += _write_quarantine(cfg.out, quarantine)
    return sorted(shards, key=lambda s: s["path"])


def _write_training_sets(cfg: SplitConfig, result, final: DataFrame) -> list[dict]:
    """data/: the mixture, one set per domain and the validation hold-out, in shards."""
    out, names, target = cfg.out, result.names, cfg.select.shard_bytes
    split = F.col("split")

    def shard_col(counts: list[int] | int, index: str = "domain_index"):
        if isinstance(counts, int):
            n = F.lit(counts)
        else:
            n = F.element_at(F.array(*[F.lit(c) for c in counts]), F.col(index) + 1)
        return F.pmod(F.xxhash64("key"), n)

    train_sizes, valid_sizes = (
        _sized(result.per_domain, "train"),
        _sized(result.per_domain, "valid"),
    )
    n_mix = shard_count(sum(train_sizes), target)
    n_dom = [shard_count(s, target) for s in train_sizes]
    n_valid = [shard_count(s, target) for s in valid_sizes]
    data = final.select(
        "key",
        "id",
        "text",
        F.col("domain_name").alias("domain"),
        "domain_index",
        "n_tokens",
        "token_ids",
        "split",
        "relevance_own",
        "relevance",
        "n_features",
    )
    # pruning only thins the mixture; the domain sets draw from every training document
    candidates = split.isin("train", "pruned")
    if result.resample_cutoffs is not None:
        members = data.mapInArrow(
            membership(result.k, result.resample_cutoffs), with_columns(data, MEMBERSHIP_DDL)
        )
        n_res = shard_count(
            8 * cfg.select.resample_tokens, target
        )  # text + ids: about 8 bytes a token
        domain_sets = (
            members.filter(candidates)
            .select(*data.columns, F.explode("resampled_into").alias("set_index"))
            .withColumn(
                "set_domain",
                F.element_at(F.array(*[F.lit(n) for n in names]), F.col("set_index") + 1),
            )
            .withColumn("shard", shard_col(n_res))
            .drop("set_index")
        )
    else:
        if cfg.select.min_relevance is not None:
            candidates = candidates & (F.col("relevance_own") >= cfg.select.min_relevance)
        domain_sets = (
            data.filter(candidates)
            .withColumn("set_domain", F.col("domain"))
            .withColumn("shard", shard_col(n_dom))
        )
    sets = (
        data.filter(split == "train")
        .withColumn("set", F.lit("mixture"))
        .withColumn("set_domain", F.lit(None).cast("string"))
        .withColumn("shard", shard_col(n_mix))
        .unionByName(domain_sets.withColumn("set", F.lit("domain")))
        .unionByName(
            data.filter(split == "valid")
            .withColumn("set", F.lit("valid"))
            .withColumn("set_domain", F.col("domain"))
            .withColumn("shard", shard_col(n_valid))
        )
    )
    return _write(sets, out, DATA_COLUMNS)


def _write_docs(cfg: SplitConfig, result, final: DataFrame) -> list[dict]:
    """docs/: per-document statistics and the input's own fields."""
    # the reader renamed fields that clash with these columns (splitlib.reading.meta_column)
    meta_cols = [
        F.get_json_object("meta", f"$.{key}").alias(column)
        for key, column in docs_meta_columns(result.meta_keys)
    ]
    docs = final.select(
        "key",
        "id",
        "bytes",
        "n_tokens",
        *[c for c in ("language", "language_score") if c in final.columns],
        F.col("domain_name").alias("domain"),
        "score",
        "margin",
        "relevance",
        "relevance_own",
        "xent_diff",
        "split",
        F.when(
            F.col("split") == "pruned",
            F.format_string(
                "relevance_best %.4f < prune threshold %.4f",
                "relevance_best",
                F.lit(result.prune_threshold or 0.0),
            ),
        ).alias("pruned_reason"),
        "label",
        "file",
        "offset",
        *meta_cols,
    )
    doc_columns = [c for c in docs.columns if c != "key"]
    n_docs = shard_count(
        sum(d["docs"] for d in result.per_domain) * (160 + 4 * result.k), cfg.select.shard_bytes
    )
    docs = docs.withColumn("set", F.lit("docs")).withColumn(
        "set_domain", F.lit(None).cast("string")
    )
    return _write(
        docs.withColumn("shard", F.pmod(F.xxhash64("key"), F.lit(n_docs))), cfg.out, doc_columns
    )


def _write_quarantine(out: str, quarantine: DataFrame) -> list[dict]:
    """quarantine/: every bad record with its reason, in one shard."""
    q = quarantine.withColumn("key", F.xxhash64("file", "offset")).withColumn(
        "set", F.lit("quarantine")
    )
    q = q.withColumn("set_domain", F.lit(None).cast("string")).withColumn("shard", F.lit(0))
    return _write(
        q.select("key", "set", "set_domain", "shard", *QUARANTINE_COLUMNS), out, QUARANTINE_COLUMNS
    )


def commit(
    cfg,
    files,
    input_url,
    n_read,
    n_kept,
    reasons,
    result,
    shard_list,
    progress,
    artefacts=(),
    skipped=(),
) -> dict:
    """Check the invariants, add the plan, write report.html, then manifest.json last."""
    n_quarantined = sum(reasons.values())
    if n_read != n_kept + n_quarantined:
        raise RuntimeError(
            f"documents read ({n_read}) != kept ({n_kept}) + quarantined ({n_quarantined})"
        )
    written_rows = {s["set"]: 0 for s in shard_list}
    for s in shard_list:
        written_rows[s["set"]] += s["rows"]
    if written_rows.get("docs", 0) != n_kept or written_rows.get("quarantine", 0) != n_quarantined:
        raise RuntimeError(
            f"rows written {written_rows} do not match kept {n_kept} / quarantined {n_quarantined}"
        )
    config = dataclasses.asdict(cfg)
    execution = {"partitions": config["input"].pop("partitions"), "spark": config.pop("spark")}
    body = manifest_body(
        config=config,
        files=files,
        input_url=input_url,
        n_read=n_read,
        n_kept=n_kept,
        reasons=reasons,
        result=result,
        shards=shard_list,
    )
    body["skipped_inputs"] = list(skipped)  # files under --input in no format splitlib reads
    body["artefacts"] = manifest_mod.artefact_entries(cfg.out, list(artefacts))
    body["splitlib_version"] = __version__
    body["execution"] = execution
    body["plan"] = make_plan(cfg, body["domains"], body["counts"]["mixture_tokens"])
    from splitlib.report import write_report

    write_report(cfg.out, body)
    manifest_mod.write_manifest(cfg.out, body)
    progress.note(f"committed {storage.join(cfg.out, 'manifest.json')}")
    return manifest_mod.read_manifest(cfg.out)


def make_plan(cfg: SplitConfig, domains: list[dict], mixture_tokens: int) -> dict | None:
    plan = cfg.plan
    if not plan.law:
        return None
    if plan.params is None or (plan.flops is None and plan.tokens is None):
        raise UserError(
            "a plan needs plan.params (N) and plan.flops (C) or plan.tokens, besides plan.law."
        )
    try:
        from splitlib.scaling.plan import make_plan as plan_split
    except ImportError:
        raise UserError(
            "this splitlib has no scaling-law engine (splitlib.scaling); drop --law."
        ) from None
    return plan_split(
        plan.law,
        n_params=plan.params,
        flops=plan.flops,
        tokens=plan.tokens,
        domains=[{"name": d["name"], "train_tokens": d["train_tokens"]} for d in domains],
        max_repeats=plan.max_repeats,
        mixture_tokens=mixture_tokens,
    )
