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
from dataclasses import dataclass, replace

import numpy as np

from splitlib import storage
from splitlib.config import SplitConfig
from splitlib.discovery import discover_domains, tfidf_rows
from splitlib.domains import assign, safe_name
from splitlib.errors import UserError
from splitlib.manifest import manifest_url, read_manifest, run_root_of
from splitlib.ngrams import from_arrow
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
    old = list(router.domains)
    earlier, changed = earlier_shares(manifest), {}
    if cfg.domains.rename:
        router = renamed(router, cfg.domains.rename, root)
        earlier = merged_shares(earlier, cfg.domains.rename)
        new_of = [cfg.domains.rename.get(name, name) for name in old]
        # every domain renamed or merged, a domain merged into under its own name too
        changed = {o: n for o, n in zip(old, new_of, strict=True) if o != n or new_of.count(n) > 1}
    unknown = sorted(set(cfg.domains.split) - set(router.domains))
    if unknown:
        after = " after domains.rename" if cfg.domains.rename else ""
        raise UserError(
            f"domains.split: {root!r} has no domain {', '.join(map(repr, unknown))}{after}; "
            f"its domains are {', '.join(router.domains)}."
        )
    k = len(router.domains) + sum(n - 1 for n in cfg.domains.split.values())
    if cfg.domains.k and cfg.domains.k != k:
        raise UserError(
            f"domains.from_run: {root!r} gives {k} domains but domains.k={cfg.domains.k}; "
            "drop --k (the reused run decides K)."
        )
    provenance = {
        "run": root,
        # read again for its bytes: read_manifest gives the parsed manifest only
        "manifest_sha256": hashlib.sha256(storage.read_bytes(manifest_url(root))).hexdigest(),
        "domain_mode": manifest.get("domain_mode"),
        "input_url": manifest.get("input_url"),
        "domains": old,  # that run's names
        "renamed": changed,  # {old: new}
        "split": {},  # {kept name: what it was cut into}, filled in by the domains stage
        # each domain's share of documents and of ambiguous ones there, to set beside this
        # run's: a new kind of text in the crawl shows as a domain that grows and blurs
        "earlier": earlier,
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
            # the score 95% of its documents reached, and the share under it (splitlib.novelty);
            # absent in runs written before 2026-11-30
            "score_floor": d.get("score_floor"),
            "below_floor_share": d.get("below_floor_share"),
        }
        for d in domains
    ]


def renamed(router: Router, rename: dict[str, str], root: str) -> Router:
    """The router with `rename` applied: each old domain's centroids (or prototypes) now
    belong to its new name, so a document goes to the new domain of the nearest of them,
    exactly the old domain's new name; names given twice make one domain of both."""
    unknown = sorted(set(rename) - set(router.domains))
    if unknown:
        raise UserError(
            f"domains.rename: {root!r} has no domain {', '.join(map(repr, unknown))}; "
            f"its domains are {', '.join(router.domains)}."
        )
    unsafe = sorted(new for new in set(rename.values()) if safe_name(new) != new)
    if unsafe:
        raise UserError(
            f"domains.rename: {', '.join(map(repr, unsafe))} cannot name a domain (it names "
            "folders): use lower case letters, digits, '-' and '_', e.g. "
            f"{safe_name(unsafe[0])!r}."
        )
    new_of = [rename.get(old, old) for old in router.domains]
    names = list(dict.fromkeys(new_of))  # in the order of the old domains they first take
    if len(names) < 2:
        raise UserError(
            f"domains.rename: every domain of {root!r} would be {names[0]!r}; a split needs at "
            "least 2 domains, so keep two names apart."
        )
    index = np.array([names.index(new) for new in new_of], dtype=np.int32)
    groups = None
    if router.groups is not None:  # a domain stays within one language group
        groups = [""] * len(names)
        for old, new in enumerate(index):
            if groups[new] and groups[new] != router.groups[old]:
                raise UserError(
                    f"domains.rename: {names[new]!r} would hold domains of the language groups "
                    f"{groups[new]!r} and {router.groups[old]!r}; merge only domains of one "
                    "language."
                )
            groups[new] = router.groups[old]
    owners = index if router.owners is None else index[router.owners]
    return replace(router, domains=names, groups=groups, owners=owners)


def merged_shares(earlier: list[dict], rename: dict[str, str]) -> list[dict]:
    """The earlier run's shares under the new names: a merged domain's share is the sum of its
    parts'; its ambiguous share is unknown (documents torn between the parts no longer are);
    its score floor is the lowest of its parts' (a document is far only if far from all)."""
    merged: dict[str, dict] = {}
    for e in earlier:
        new = rename.get(e["name"], e["name"])
        if new in merged:
            m = merged[new]
            m["share"] = round(m["share"] + e["share"], 6)
            m["ambiguous_share"] = m["below_floor_share"] = None
            floors = (m.get("score_floor"), e.get("score_floor"))
            m["score_floor"] = None if None in floors else min(floors)
        else:
            merged[new] = {**e, "name": new}
    return list(merged.values())


def split_reused(reused: ReusedDomains, cfg: SplitConfig, rows) -> dict[str, dict]:
    """domains.split on the reused domains, fitted on the job's sample `rows` (Arrow: the
    unigram buckets and counts, and the language with domains per language)."""
    r = reused.router
    vectors = tfidf_rows(
        from_arrow(rows.column("uni_buckets"), rows.column("uni_counts")), r.idf, r.dims, r.seed
    )
    languages = rows.column("language").to_pylist() if r.groups is not None else None
    d = cfg.domains
    reused.router, cuts = split_domains(
        r, vectors, languages, d.split, cfg.seed, d.restarts, d.max_iter
    )
    return cuts


def name_parts(reused: ReusedDomains, cuts: dict[str, dict], generated: list[str]) -> None:
    """Give the parts of each cut domain the names `generated` from the words of every domain
    (kept names stay), and record the cuts and the earlier shares under the final names."""
    names = list(reused.router.domains)
    for cut in cuts.values():
        for i in cut["parts"]:
            taken = set(names[:i] + names[i + 1 :])
            names[i] = generated[i] if generated[i] not in taken else f"{generated[i]}-{i}"
        cut["into"] = [names[i] for i in cut.pop("parts")]
    reused.router = replace(reused.router, domains=names)
    source = reused.provenance
    source["split"] = cuts
    source["earlier"] = split_shares(source["earlier"], {p: c["into"] for p, c in cuts.items()})


def split_domains(
    router: Router,
    vectors,
    languages: list[str] | None,
    parts: dict[str, int],
    seed: int,
    restarts: int,
    max_iter: int,
) -> tuple[Router, dict[str, dict]]:
    """The router with each domain of `parts` cut in its number of parts: a k-means fit (best
    of `restarts`, tf-idf like the rest) on the sampled documents (`vectors`, in the router's
    space) that the domain holds. Each part takes the domain's place, largest first, with a
    provisional name `NAME-1`, `NAME-2` ... that the caller replaces by one from its words.

    The parts' centroids replace the domain's, and every document still goes to its nearest
    centroid: a document of another domain nearer to a part than to its own domain moves
    into it, and one of the cut domain may move out. How many, on the sample, is returned
    per cut domain with its parts' indices, so the job can say so."""
    from splitlib.language import allowed_domains

    def allowed(groups):
        return None if groups is None else allowed_domains(languages, groups)

    owners = np.arange(len(router.domains)) if router.owners is None else router.owners
    before, _, _ = assign(vectors, router.centroids, allowed(router.groups), router.owners)
    names: list[str] = []
    groups: list[str] = []
    rows: list[np.ndarray] = []
    new_owners: list[int] = []
    cuts: dict[str, dict] = {}
    for d, name in enumerate(router.domains):
        group = router.groups[d] if router.groups is not None else ""
        if name not in parts:
            kept = router.centroids[owners == d]
            rows.append(kept)
            new_owners += [len(names)] * len(kept)
            names.append(name)
            groups.append(group)
            continue
        n = parts[name]
        members = np.flatnonzero(before == d)
        if len(members) < 2 * n:
            raise UserError(
                f"domains.split: {name!r} holds {len(members)} sampled documents, too few to "
                f"cut into {n} parts (at least {2 * n}); cut it into fewer parts or raise "
                "domains.sample_docs."
            )
        fit = discover_domains(
            vectors[members], n, seed, restarts, max_iter, stability=False, scan=0
        )
        sizes = np.bincount(fit.labels, minlength=n)
        first = len(names)
        for j, c in enumerate(np.argsort(-sizes, kind="stable")):
            rows.append(fit.centroids[c : c + 1])
            new_owners.append(len(names))
            names.append(f"{name}-{j + 1}")
            groups.append(group)
        cuts[name] = {"old": d, "parts": list(range(first, first + n)), "docs": len(members)}
    result = replace(
        router,
        domains=names,
        centroids=np.concatenate(rows).astype(np.float32),
        groups=None if router.groups is None else groups,
        owners=np.asarray(new_owners, dtype=np.int32),
    )
    after, _, _ = assign(vectors, result.centroids, allowed(result.groups), result.owners)
    for cut in cuts.values():
        was, now = before == cut.pop("old"), np.isin(after, cut["parts"])
        cut["moved_in"] = int((now & ~was).sum())  # from other domains into the parts
        cut["moved_out"] = int((was & ~now).sum())  # from the cut domain to other domains
    return result, cuts


def split_shares(earlier: list[dict], parts: dict[str, list[str]]) -> list[dict]:
    """The earlier run's shares under this run's domains: a cut domain's parts take its place,
    with no share then (that run did not have them)."""
    out: list[dict] = []
    for e in earlier:
        if e["name"] in parts:
            empty = dict.fromkeys(("share", "ambiguous_share", "score_floor", "below_floor_share"))
            out += [{"name": p, **empty} for p in parts[e["name"]]]
        else:
            out.append(e)
    return out
