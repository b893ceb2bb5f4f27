"""`splitlib domains`: a committed run's domains in the terminal, without opening the report.

One row per domain (documents, share, the two per-domain trust numbers, top terms), the
domains the job named to read first, and optionally each domain's nearest sampled documents.
Reads only manifest.json, so it works on any storage the run was written to.
"""

from __future__ import annotations

import argparse
import json
import sys

from splitlib.errors import UserError
from splitlib.manifest import read_manifest
from splitlib.summary import domain_mode_words, percent

DASH = "–"


def _number(x: float | None) -> str:
    return DASH if x is None else f"{x:.2f}"


def header_lines(manifest: dict) -> list[str]:
    """What the domains are and how they were found: mode, auto's choice, stability."""
    domains = manifest["domains"]
    lines = [f"{len(domains)} domains of {manifest['input_url']}, {domain_mode_words(manifest)}"]
    fit = manifest.get("domain_fit") or {}
    if fit.get("choice"):
        lines.append(fit["choice"]["line"])
    if fit.get("stability") is not None:
        a, b = fit["stability_seeds"]
        lines.append(
            f"stability: NMI {fit['stability']:.3f} between the domains of seeds {a} and {b}"
        )
    return lines


def table_lines(
    domains: list[dict], terms: int = 6, earlier: list[dict] | None = None
) -> list[str]:
    """The aligned table: domain, docs, share, stable, features agree, top terms; for domains
    kept from an earlier run (`earlier`: its shares), that run's share, both ambiguous shares
    and the shares under that run's score floor, now and then, instead of the two fit numbers,
    which such a run does not have."""
    total = sum(d["docs"] for d in domains) or 1
    then = {e["name"]: e for e in earlier or []}
    middle = ["then", "ambiguous", "then", "far", "then"] if earlier else ["stable", "agree"]
    head = ["domain", "docs", "share", *middle, "top terms"]
    rows = []
    for d in domains:
        if earlier:
            e = then.get(d["name"], {})
            numbers = [percent(e.get("share")), percent(d.get("ambiguous_share"))]
            numbers.append(percent(e.get("ambiguous_share")))
            # under the earlier run's score floor, now and then (splitlib.novelty)
            numbers += [percent(d.get("far_share")), percent(e.get("below_floor_share"))]
        else:  # absent in runs written before these numbers
            numbers = [_number(d.get("stability")), _number(d.get("agreement"))]
        share = f"{100 * d['docs'] / total:.1f}%"
        rows.append(
            [d["name"], f"{d['docs']:,}", share, *numbers, ", ".join(d["top_terms"][:terms])]
        )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    lines = []
    for r in [head, *rows]:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:-1], widths[1:], strict=True)
        ]
        lines.append("  ".join([*cells, r[-1]]))
    return lines


def example_lines(domain: dict, per_domain: int) -> list[str]:
    """A domain's nearest sampled documents: id, cosine, opening."""
    return [
        f"    {e['id']}  {e['score']:.3f}  {e['opening']}"
        for e in domain.get("examples", [])[:per_domain]
    ]


def domain_lines(manifest: dict, examples: int = 0) -> list[str]:
    earlier = (manifest.get("domains_from") or {}).get("earlier")
    lines = header_lines(manifest) + [""] + table_lines(manifest["domains"], earlier=earlier)
    warnings = (manifest.get("domain_fit") or {}).get("domain_warnings") or []
    warnings += (manifest.get("domains_from") or {}).get("warnings") or []
    lines += [f"Read first: {w}" for w in warnings]
    if examples > 0:
        for d in manifest["domains"]:
            lines += ["", f"{d['name']}:", *example_lines(d, examples)]
    return lines


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="splitlib domains",
        description="Show a committed split run's domains: size, stability across seeds, "
        "agreement with the fit on the other features, top terms, and the domains to read first.",
    )
    p.add_argument(
        "--run", required=True, help="run root URL of a committed split (or its manifest.json)"
    )
    p.add_argument(
        "--examples",
        type=int,
        default=0,
        metavar="N",
        help="also print each domain's N nearest sampled documents (id, cosine, opening)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON line per domain instead")
    args = p.parse_args(argv)
    if args.examples < 0:
        raise UserError(f"--examples {args.examples}: give a number of documents, 0 or more.")
    manifest = read_manifest(args.run)
    kept = max((len(d.get("examples", [])) for d in manifest["domains"]), default=0)
    if args.examples > kept:  # the run kept only so many (domains.examples): say so
        print(
            f"note: the run kept {kept} examples per domain (domains.examples); showing those.",
            file=sys.stderr,
        )
    if args.json:
        keys = ("name", "docs", "stability", "agreement", "top_terms")
        for d in manifest["domains"]:
            record = {key: d.get(key) for key in keys}
            record["examples"] = d.get("examples", [])[: args.examples]
            print(json.dumps(record, ensure_ascii=False))
        return 0
    print("\n".join(domain_lines(manifest, args.examples)))
    return 0
