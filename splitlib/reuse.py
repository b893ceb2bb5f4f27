"""Keep the domains of an earlier run (`domains.from_run`): no fit, the same names and centroids.

A team that has read a run's domains (their examples, the domains named to read first) and
trained specialists on them wants next month's crawl split into those same domains, not into
a new fit it would have to read again and whose names and borders may move. The reused run's
`domains/` holds all the job needs: the names, the centroids (or prototypes and their
domains), the idf the centroids were built with, and the language groups. Every document of
the new run is assigned to the nearest of them, as the earlier job assigned its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from splitlib import storage
from splitlib.config import SplitConfig
from splitlib.errors import UserError
from splitlib.manifest import manifest_url, read_manifest, run_root_of
from splitlib.routing import Router


@dataclass
class ReusedDomains:
    router: Router  # names, centroids, idf, dims, language groups, prototypes' domains
    provenance: dict  # for the manifest: which run, its manifest's SHA-256, how it found them


def load_reused_domains(cfg: SplitConfig) -> ReusedDomains:
    """The domains of the committed run `cfg.domains.from_run`, checked against this run's
    settings: each mismatch would put documents in other domains than that run did."""
    url = cfg.domains.from_run
    assert url is not None
    root = run_root_of(url)
    manifest = read_manifest(root)
    router = Router.load(root, manifest)
    if router.features != "tfidf":
        raise UserError(
            f"domains.from_run: {root!r} holds sentence-embedding centroids (a run written "
            "before 2026-11-29), which this job cannot assign with; re-run that split first."
        )
    problems = []
    if len(router.idf) != cfg.features.n_buckets:
        problems.append(f"features.n_buckets={len(router.idf)}")
    if router.dims and router.seed != cfg.seed:  # the projection is drawn with the seed
        problems.append(f"seed={router.seed}")
    if problems:
        raise UserError(
            f"domains.from_run: the domains of {root!r} were built with "
            f"{' and '.join(problems)}; set the same (--set {' --set '.join(problems)})."
        )
    if router.groups is not None and not cfg.features.language_id:
        raise UserError(
            f"domains.from_run: {root!r} has domains per language, so each document needs "
            "its language: drop features.language_id=false."
        )
    k = len(router.domains)
    if cfg.domains.k and cfg.domains.k != k:
        raise UserError(
            f"domains.from_run: {root!r} has {k} domains but domains.k={cfg.domains.k}; "
            "drop --k (the reused run decides K)."
        )
    provenance = {
        "run": root,
        # read again for its bytes: read_manifest gives the parsed manifest only
        "manifest_sha256": hashlib.sha256(storage.read_bytes(manifest_url(root))).hexdigest(),
        "domain_mode": manifest.get("domain_mode"),
        "input_url": manifest.get("input_url"),
        "domains": list(router.domains),
        # each domain's share of documents and of ambiguous ones there, to set beside this
        # run's: a new kind of text in the crawl shows as a domain that grows and blurs
        "earlier": earlier_shares(manifest),
    }
    return ReusedDomains(router, provenance)


def earlier_shares(manifest: dict) -> list[dict]:
    """Per domain of a run: its share of the documents and its share of ambiguous ones."""
    domains = manifest.get("domains") or []
    total = sum(d.get("docs", 0) for d in domains) or 1
    return [
        {
            "name": d.get("name"),
            "share": round(d.get("docs", 0) / total, 6),
            "ambiguous_share": d.get("ambiguous_share"),
        }
        for d in domains
    ]
