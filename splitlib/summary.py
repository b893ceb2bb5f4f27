"""The manifest's content, from the job's aggregates (pure Python, no Spark)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def rounded(x: float, digits: int = 6) -> float:
    """Round to significant digits, so float noise never changes the manifest."""
    x = float(x)
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    return round(x, digits - 1 - int(math.floor(math.log10(abs(x)))))


def set_totals(shards: list[dict]) -> dict[str, dict[str, int]]:
    """Rows, tokens, bytes and shard count per set ('mixture', 'domain=x', 'valid/domain=x', ...)."""
    totals: dict[str, dict[str, int]] = {}
    for s in shards:
        name = (
            s["set"]
            if s.get("domain") is None
            else (
                f"domain={s['domain']}" if s["set"] == "domain" else f"valid/domain={s['domain']}"
            )
        )
        t = totals.setdefault(name, {"rows": 0, "tokens": 0, "bytes": 0, "shards": 0})
        t["rows"] += s["rows"]
        t["tokens"] += s["tokens"]
        t["bytes"] += s["bytes"]
        t["shards"] += 1
    return dict(sorted(totals.items()))


def language_mix(mix: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """Documents and tokens per language code, most documents first (ties by code)."""
    order = sorted(mix.items(), key=lambda kv: (-kv[1]["docs"], kv[0]))
    return {code: {"docs": v["docs"], "tokens": v["tokens"]} for code, v in order}


def language_totals(per_domain: list[dict]) -> dict[str, dict[str, int]]:
    """The corpus's language mix: every domain's mix added up ({} without language ids)."""
    total: dict[str, dict[str, int]] = {}
    for d in per_domain:
        for code, v in d.get("languages", {}).items():
            t = total.setdefault(code, {"docs": 0, "tokens": 0})
            t["docs"] += v["docs"]
            t["tokens"] += v["tokens"]
    return language_mix(total)


def domain_stabilities(fit: dict | None, k: int) -> list[float | None]:
    """Each domain's stability (Jaccard with the next seed's closest domain), in domain
    order; None with given labels or with domains.stability off. Per language, the groups'
    domains follow one another as their centroids do."""
    if not fit:
        return [None] * k
    if "by_language" in fit:
        out: list[float | None] = []
        for group in fit["by_language"].values():
            out += group.get("domain_stability") or [None] * group["k"]
        return out
    return fit.get("domain_stability") or [None] * k


def domain_agreements(fit: dict | None, k: int) -> list[float | None]:
    """Each kept domain's Jaccard with the closest domain of the fit auto did not keep; None
    unless domains.features=auto fitted both."""
    choice = (fit or {}).get("choice") or {}
    return choice.get("domain_agreement") or [None] * k


def percent(x: float | None) -> str:
    """A share as a reader reads it: '14.2%', or '–' where there is none."""
    return "–" if x is None else f"{100 * x:.1f}%"


def domain_mode(result: Any) -> str:
    """How the run got its domains: given labels, a k-means fit, or an earlier run's."""
    if getattr(result, "reused_from", None):
        return "from_run"
    return "labels" if result.label_mode else "kmeans"


def domain_mode_words(body: dict) -> str:
    """The same for a reader: 'by given labels', 'by k-means', 'kept from RUN'."""
    mode = body.get("domain_mode")
    if mode == "from_run":
        return reused_words(body.get("domains_from") or {})
    return "by given labels" if mode == "labels" else "by k-means"


def reused_words(source: dict) -> str:
    """The manifest's `domains_from` for a reader: 'kept from RUN, renamed a → b, merged
    c + d → e, split f into g + h (12 documents of other domains moved in, 3 out)'."""
    words = [f"kept from {source.get('run')}"]
    renamed = rename_words(source.get("renamed") or {})
    words += [renamed] if renamed else []
    for old, cut in (source.get("split") or {}).items():
        moved = f"{cut['moved_in']:,} sampled documents of other domains moved in"
        words.append(
            f"split {old} into {' + '.join(cut['into'])} ({moved}, {cut['moved_out']:,} out)"
        )
    return ", ".join(words)


def rename_words(rename: dict[str, str]) -> str:
    """The manifest's `renamed` ({old: new} for every domain renamed or merged) for a reader:
    'renamed a → b, merged c + d → e'."""
    parts: dict[str, list[str]] = {}
    for old, new in rename.items():
        parts.setdefault(new, []).append(old)
    renames = [f"{olds[0]} → {new}" for new, olds in parts.items() if len(olds) == 1]
    merges = [f"{' + '.join(sorted(olds))} → {new}" for new, olds in parts.items() if len(olds) > 1]
    words = ([f"renamed {', '.join(renames)}"] if renames else []) + (
        [f"merged {', '.join(merges)}"] if merges else []
    )
    return ", ".join(words)


def manifest_body(
    *,
    config: dict,
    files: list,
    input_url: str,
    n_read: int,
    n_kept: int,
    reasons: dict,
    result: Any,
    shards: list[dict],
) -> dict[str, Any]:
    div = result.divergences
    sets = set_totals(shards)
    domains = []
    fit = getattr(result, "domain_fit", None)
    stabilities = domain_stabilities(fit, len(result.names))
    agreements = domain_agreements(fit, len(result.names))
    for i, name in enumerate(result.names):
        d = result.per_domain[i]
        domains.append(
            {
                "name": name,
                "index": i,
                "docs": d["docs"],
                "tokens": d["tokens"],
                "bytes": d["bytes"],
                "train_docs": d["train_docs"],
                "train_tokens": d["train_tokens"],  # unique training tokens: the plan's data limit
                "valid_docs": d["valid_docs"],
                "valid_tokens": d["valid_tokens"],
                "valid_fraction": rounded(result.valid_fraction[i]),
                "domain_set_docs": sets.get(f"domain={name}", {}).get("rows", 0),
                "domain_set_tokens": sets.get(f"domain={name}", {}).get("tokens", 0),
                "ambiguous_docs": d["ambiguous"],
                "ambiguous_share": rounded(d["ambiguous"] / d["docs"]) if d["docs"] else 0.0,
                # splitlib.novelty: the score 95% of the documents reach, the share under it,
                # and for kept domains the share under the earlier run's floor
                "score_floor": d.get("score_floor"),
                "below_floor_share": d.get("below_floor_share"),
                "far_share": d.get("far_share"),
                "kl_to_mixture": rounded(div["kl_to_mixture"][i]),
                "kl_from_mixture": rounded(div["kl_from_mixture"][i]),
                "js_to_mixture": rounded(div["js_to_mixture"][i]),
                "entropy": rounded(div["entropy"][i]),
                "top_terms": [w for w, _ in result.terms.get(i, [])],
                "stability": stabilities[i],
                "agreement": agreements[i],
                "examples": result.examples[i] if getattr(result, "examples", None) else [],
                "languages": language_mix(d.get("languages", {})),
            }
        )
    train_docs = sum(d["train_docs"] for d in result.per_domain)
    train_tokens = sum(d["train_tokens"] for d in result.per_domain)
    mixture = sets.get("mixture", {"rows": 0, "tokens": 0})
    q_reasons = {str(k): int(v) for k, v in sorted(reasons.items())}
    return {
        "inputs": [{"url": u, "name": n, "bytes": b} for u, n, b in files],
        "input_url": input_url,
        "config": config,
        "domain_mode": domain_mode(result),
        "domain_fit": getattr(result, "domain_fit", None),
        "domains_from": getattr(result, "reused_from", None),
        "routing": getattr(result, "routing", None),
        "counts": {
            "read": n_read,
            "kept": n_kept,
            "quarantined": sum(q_reasons.values()),
            "quarantine_reasons": q_reasons,
            "duplicate_ids": q_reasons.get("duplicate_id", 0),
            "duplicate_texts": q_reasons.get("duplicate_text", 0),
            "train_docs": train_docs,
            "train_tokens": train_tokens,
            "valid_docs": sum(d["valid_docs"] for d in result.per_domain),
            "valid_tokens": sum(d["valid_tokens"] for d in result.per_domain),
            "mixture_docs": mixture["rows"],
            "mixture_tokens": mixture["tokens"],
            "pruned_docs": train_docs - mixture["rows"],
            "pruned_tokens": train_tokens - mixture["tokens"],
            "contaminated": result.contaminated,
        },
        "prune": {
            "fraction": config["select"]["prune_fraction"],
            "relevance_threshold": None
            if result.prune_threshold is None
            else rounded(result.prune_threshold),
        },
        "resample": None
        if result.resample_cutoffs is None
        else {
            "tokens_per_domain": config["select"]["resample_tokens"],
            "key_cutoff_bins": [int(b) for b in result.resample_cutoffs],
        },
        "tokenizer": result.tokenizer,
        "languages": language_totals(result.per_domain),
        "mixture_entropy": rounded(float(np.asarray(div["mixture_entropy"]))),
        "domains": domains,
        "pairwise_js": [[rounded(x) for x in row] for row in np.asarray(div["pairwise_js"])],
        "sets": sets,
        "shards": shards,
    }
