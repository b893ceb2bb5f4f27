"""Typed configuration of the split job, validated once at the edge.

A config is built from defaults, then a TOML/YAML file, then `--set key=value`
overrides (dotted keys such as `domains.k=8`). The effective config is stored in
the manifest, so a run can be reproduced from its own output.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from splitlib.errors import UserError


@dataclass
class InputConfig:
    """Where the corpus is and how its records look."""

    path: str | None = None  # URL or local path (file, folder or glob); None: the bundled corpus
    text_field: str = "text"
    id_field: str = "id"  # records without it get a stable id from file and offset
    label_field: str | None = None  # given domain labels; None: discover domains with k-means
    max_doc_bytes: int = 8_000_000  # larger records are quarantined as `oversize`
    partitions: int = 0  # Spark partitions after reading; 0: the cluster's default parallelism
    split_bytes: int = 128 << 20  # plain JSONL files larger than this are read in byte ranges
    max_depth: int = 64  # records nested deeper are quarantined as `too_deep`
    max_id_bytes: int = 1024  # longer ids (and field names) are quarantined as `oversize`
    # a corrupt or truncated file (.gz/.zst/.bz2/.parquet): "fail" stops the job naming the
    # file and byte offset; "quarantine" keeps what was read, the rest as `truncated_file`
    on_corrupt_file: str = "fail"


@dataclass
class FeatureConfig:
    """Tokenizer and hashed n-gram features."""

    vocab_size: int = (
        4096  # BPE vocabulary trained by the job (small models want small vocabularies)
    )
    tokenizer_path: str | None = None  # a tokenizers JSON to use instead of training one
    tokenizer_sample_docs: int = 20_000  # documents the tokenizer is trained on
    tokenizer_sample_bytes: int = 64 << 20  # and at most this much text
    n_buckets: int = 1 << 16  # hashed unigram+bigram buckets for statistics and relevance
    batch_records: int = 2048  # Arrow batch bound: records
    batch_bytes: int = 16 << 20  # Arrow batch bound: bytes of text
    language_id: bool = True  # a language code and confidence per document (docs/, manifest)


@dataclass
class DomainConfig:
    """Domain discovery (k-means) or given labels."""

    k: int = 0  # number of domains; 0: the bundled corpus's number of sources, else 8
    sample_docs: int = 20_000  # k-means is fitted on this deterministic sample
    # "auto": fit on tf-idf and on MiniLM sentence embeddings (extra `embed`; tf-idf alone
    # without it), keep the embedding domains unless they lose more than max_tfidf_loss of the
    # tf-idf fit's gain over one domain; or "tfidf" (hashed unigrams) or "embedding" alone
    # (README: tf-idf or embeddings)
    features: str = "auto"
    # at most this many sampled documents are embedded, on the driver (per language: all)
    embed_docs: int = 3000
    embedding_restarts: int = 100  # Euclidean fits on the embeddings (384 dims: cheap)
    max_tfidf_loss: float = 0.10
    # > 1: an embedding domain holding more than 1/K of the embedded documents gets up to this
    # many tf-idf prototypes, less those the embeddings' strays would own; documents go to the
    # domain of the nearest (RESULTS.md, rounds 12-13); 1: each domain's mean alone
    prototypes: int = 2
    dims: int = 0  # 0: sparse tf-idf over the hashed buckets; > 0: project to this many
    max_iter: int = 40
    restarts: int = 10  # k-means fits from different starts; the lowest objective is kept
    stability: bool = True  # also fit with seed + 1 and report how much the two agree (NMI)
    min_stability: float = 0.8  # below this agreement the report warns that domains are unstable
    # per domain, below these the report names it as one to read before relying on it
    # (benchmarks/RESULTS.md, round 15): Jaccard with the next seed's closest domain, and,
    # with auto, with the closest domain of the fit on the other features
    min_domain_stability: float = 0.9
    min_domain_agreement: float = 0.5
    # discover domains within each language: domains.k per language with at least
    # min_language_share of the sample, and domains.k for all other languages together
    by_language: bool = False
    min_language_share: float = 0.05
    ambiguous_margin: float = 0.05  # documents with margin below this count as ambiguous
    top_terms: int = 12
    # sampled documents nearest each domain, their ids and openings in the manifest and report
    examples: int = 3
    # a committed run whose domains are kept as they are (its names, centroids and idf): no
    # fit, every document goes to the nearest of them, so specialists keep their domains
    # from one crawl to the next
    from_run: str | None = None
    # with from_run: new names for its domains, {old = "new"}; two old names given one new
    # name (or an old name given another kept domain's) merge into one domain
    rename: dict[str, str] = field(default_factory=dict)
    # with from_run: kept domains (by their names after rename) each cut into this many parts,
    # {name = 2}, fitted on the domain's sampled documents; the parts are named from their words
    split: dict[str, int] = field(default_factory=dict)


@dataclass
class SelectConfig:
    """What goes into the training and validation sets."""

    valid_fraction: float = 0.05  # hash-based hold-out per domain
    valid_max_docs: int = 2000  # cap on validation documents per domain
    min_relevance: float | None = None  # domain sets keep only documents at or above this
    resample_tokens: int | None = (
        None  # domain sets become importance-resampled draws of this many tokens
    )
    prune_fraction: float = 0.0  # drop up to this fraction of mixture tokens, least relevant first
    smoothing: float = 0.5  # additive smoothing of the hashed n-gram models
    shard_bytes: int = 64 << 20  # target size of a Parquet shard (text + token ids)


@dataclass
class PlanConfig:
    """Optional compute plan from a fitted scaling law."""

    law: str | None = None  # law.json from `splitlib fit`
    params: float | None = None  # model size N (non-embedding parameters)
    flops: float | None = None  # compute budget C in FLOPs
    tokens: float | None = None  # or a token budget instead of FLOPs
    max_repeats: float = 4.0  # how often a domain's unique tokens may be repeated


@dataclass
class SparkConfig:
    master: str | None = None  # None: local[*], or what spark-submit gave
    log_level: str = "WARN"
    # how intermediate DataFrames are cached: DISK_ONLY keeps executor heaps flat as corpora grow
    storage_level: str = "DISK_ONLY"
    conf: dict[str, str] = field(default_factory=dict)


@dataclass
class SplitConfig:
    input: InputConfig = field(default_factory=InputConfig)
    features: FeatureConfig = field(default_factory=FeatureConfig)
    domains: DomainConfig = field(default_factory=DomainConfig)
    select: SelectConfig = field(default_factory=SelectConfig)
    plan: PlanConfig = field(default_factory=PlanConfig)
    spark: SparkConfig = field(default_factory=SparkConfig)
    out: str = "out"
    seed: int = 0

    def validate(self) -> None:
        """Check values a user can get wrong; raise one clear UserError."""
        checks = [
            (self.features.vocab_size >= 300, "features.vocab_size must be at least 300"),
            (self.features.n_buckets >= 256, "features.n_buckets must be at least 256"),
            (self.domains.k >= 0, "domains.k must be >= 0"),
            (0.0 < self.select.valid_fraction < 0.5, "select.valid_fraction must be in (0, 0.5)"),
            (0.0 <= self.select.prune_fraction < 1.0, "select.prune_fraction must be in [0, 1)"),
            (self.select.smoothing > 0, "select.smoothing must be > 0"),
            (self.input.max_doc_bytes > 0, "input.max_doc_bytes must be > 0"),
            (self.select.shard_bytes >= 1 << 16, "select.shard_bytes must be at least 65536"),
            (
                self.domains.dims == 0 or self.domains.dims >= 8,
                "domains.dims must be 0 (no projection) or at least 8",
            ),
            (self.domains.restarts >= 1, "domains.restarts must be at least 1"),
            (self.domains.examples >= 0, "domains.examples must be 0 or more"),
            (
                not self.domains.by_language or self.features.language_id,
                "domains.by_language needs features.language_id=true",
            ),
            (
                0 < self.domains.min_language_share <= 1,
                "domains.min_language_share must be in (0, 1]",
            ),
            (self.input.max_depth >= 2, "input.max_depth must be at least 2"),
            (self.input.max_id_bytes >= 16, "input.max_id_bytes must be at least 16"),
            (
                self.input.on_corrupt_file in ("fail", "quarantine"),
                "input.on_corrupt_file must be 'fail' or 'quarantine'",
            ),
            (
                self.spark.storage_level
                in ("MEMORY_AND_DISK", "DISK_ONLY", "MEMORY_AND_DISK_DESER"),
                "spark.storage_level must be MEMORY_AND_DISK, MEMORY_AND_DISK_DESER or DISK_ONLY",
            ),
            (
                self.domains.features in ("auto", "tfidf", "embedding"),
                "domains.features must be 'auto', 'tfidf' or 'embedding'",
            ),
            (self.domains.embed_docs >= 0, "domains.embed_docs must be 0 (all) or positive"),
            (self.domains.embedding_restarts >= 1, "domains.embedding_restarts must be at least 1"),
            (self.domains.prototypes >= 1, "domains.prototypes must be at least 1"),
            (
                0 <= self.domains.max_tfidf_loss <= 1,
                "domains.max_tfidf_loss must be in [0, 1]",
            ),
            (
                0 <= self.domains.min_domain_stability <= 1,
                "domains.min_domain_stability must be in [0, 1]",
            ),
            (
                0 <= self.domains.min_domain_agreement <= 1,
                "domains.min_domain_agreement must be in [0, 1]",
            ),
            (
                self.select.resample_tokens is None or self.select.resample_tokens > 0,
                "select.resample_tokens must be positive",
            ),
        ]
        for ok, message in checks:
            if not ok:
                raise UserError(f"bad config: {message}.")
        if self.domains.k == 1:
            raise UserError("bad config: domains.k=1 gives no split; use at least 2 domains.")
        self._check_from_run()

    def _check_from_run(self) -> None:
        reused = self.domains.from_run
        if reused is None:
            if self.domains.rename:
                raise UserError(
                    "bad config: domains.rename renames the domains of domains.from_run; "
                    "give the run whose domains to rename (--domains-from RUN)."
                )
            if self.domains.split:
                raise UserError(
                    "bad config: domains.split cuts domains of domains.from_run; give the run "
                    "whose domains to cut (--domains-from RUN), or fit more domains (--k)."
                )
            return
        for name, parts in self.domains.split.items():
            if not 2 <= parts <= 16:
                raise UserError(
                    f"bad config: domains.split.{name}={parts}: cut a domain into 2 to 16 parts."
                )
        if self.input.label_field is not None:
            raise UserError(
                "bad config: domains.from_run and input.label_field both give the domains; "
                "drop one of them."
            )
        if reused.rstrip("/").removesuffix("/manifest.json") == self.out.rstrip("/"):
            raise UserError(
                "bad config: domains.from_run is the output folder, which this run replaces; "
                "write the new run to another --out."
            )


def to_dict(config: Any) -> dict[str, Any]:
    return dataclasses.asdict(config)


def _all_keys(cls: type, prefix: str = "") -> list[str]:
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            keys += _all_keys(kind, f"{prefix}{f.name}.")
        else:
            keys.append(prefix + f.name)
    return keys


def _coerce(key: str, value: Any, kind: Any) -> Any:
    """Convert a config value to the field's declared type, or explain why not."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        is_none = value is None or (isinstance(value, str) and value.lower() in ("none", "null"))
        if is_none and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _coerce(key, value, option)
            except UserError as err:
                errors.append(str(err))
        raise UserError(errors[0] if errors else f"bad config: {key} cannot be {value!r}.")
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.lower() in ("true", "1", "yes")
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(float(value)) if "e" in value.lower() else int(value)
            except ValueError:
                pass
    elif kind is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif kind is str:
        if isinstance(value, (str, int, float)):
            return str(value)
    elif origin is dict:
        parsed = value
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = None
        if isinstance(parsed, dict):
            item = typing.get_args(kind)[1]
            if item is str:
                return {str(k): str(v) for k, v in parsed.items()}
            return {str(k): _coerce(f"{key}.{k}", v, item) for k, v in parsed.items()}
    raise UserError(f"bad config: {key} must be {getattr(kind, '__name__', kind)}, got {value!r}.")


def _set(config: Any, key: str, value: Any) -> None:
    parts = key.split(".")
    target = config
    for part in parts[:-1]:
        target = getattr(target, part)
    hints = typing.get_type_hints(type(target))
    name = parts[-1]
    kind = hints[name]
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, dict):
            raise UserError(f"bad config: {key} is a section; set its keys, e.g. {key}.<name>=...")
        for sub, subvalue in value.items():
            _set(config, f"{key}.{sub}", subvalue)
        return
    setattr(target, name, _coerce(key, value, kind))


def apply(config: Any, values: dict[str, Any], prefix: str = "") -> None:
    """Apply nested or dotted `values` onto `config`, rejecting unknown keys."""
    valid = _all_keys(type(config))
    for key, value in values.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and any(k.startswith(full + ".") for k in valid):
            apply(config, value, prefix=f"{full}.")
            continue
        if full.startswith("spark.conf.") and len(full) > len("spark.conf."):
            config.spark.conf[full[len("spark.conf.") :]] = str(value)
            continue
        if full not in valid:
            close = [k for k in valid if k.split(".")[-1] == full.split(".")[-1]]
            hint = f" Did you mean {close[0]}?" if close else ""
            raise UserError(f"unknown config key {full!r}.{hint} Valid keys: {', '.join(valid)}.")
        _set(config, full, value)


def parse_override(text: str) -> tuple[str, Any]:
    """Parse one `--set key=value`; the value is JSON when it parses as JSON."""
    if "=" not in text:
        raise UserError(f"--set takes key=value, got {text!r} (e.g. --set domains.k=8).")
    key, raw = text.split("=", 1)
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    return key.strip(), value


def load_file(path: str) -> dict[str, Any]:
    """Read a TOML or YAML config file into a dict."""
    from splitlib import storage

    try:
        raw = storage.read_bytes(path)
    except FileNotFoundError:
        raise UserError(f"config file not found: {path!r}.") from None
    except IsADirectoryError:
        raise UserError(f"config {path!r} is a folder; give the TOML or YAML file in it.") from None
    if path.endswith(".toml"):
        import tomllib

        try:
            return tomllib.loads(raw.decode())
        except tomllib.TOMLDecodeError as err:
            raise UserError(f"config file {path!r} is not valid TOML: {err}.") from None
    if path.endswith((".yaml", ".yml")):
        import yaml

        try:
            data = yaml.safe_load(raw) or {}
        except yaml.YAMLError as err:
            raise UserError(f"config file {path!r} is not valid YAML: {err}.") from None
        if not isinstance(data, dict):
            raise UserError(f"config file {path!r} must hold a mapping of sections.")
        return data
    raise UserError(f"config file {path!r} must end in .toml, .yaml or .yml.")


def build(file: str | None = None, overrides: list[str] | None = None) -> SplitConfig:
    """Defaults, then the file, then the overrides; validated."""
    config = SplitConfig()
    if file:
        apply(config, load_file(file))
    for text in overrides or []:
        key, value = parse_override(text)
        apply(config, {key: value})
    config.validate()
    return config
