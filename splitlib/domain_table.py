"""`splitlib domains`: a committed run's domains in the terminal, without opening the report.

One row per domain (documents, share, the two per-domain trust numbers, top terms), the
domains the job named to read first, and optionally each domain's nearest sampled documents.
Reads only manifest.json, so it works on any storage the run was written to.
"""

from __future__ import annotations

import argparse
import json

from splitlib.manifest import read_manifest
from splitlib.summary import domain_mode_words

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


def table_lines(domains: list[dict], terms: int = 6) -> list[str]:
    """The aligned table: domain, docs, share, stable, features agree, top terms."""
    total = sum(d["docs"] for d in domains) or 1
    head = ["domain", "docs", "share", "stable", "agree", "top terms"]
    rows = [
        [
            d["name"],
            f"{d['docs']:,}",
            f"{100 * d['docs'] / total:.1f}%",
            _number(d.get("stability")),  # absent in runs written before these numbers
            _number(d.get("agreement")),
            ", ".join(d["top_terms"][:terms]),
        ]
        for d in domains
    ]
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
    lines = header_lines(manifest) + [""] + table_lines(manifest["domains"])
    warnings = (manifest.get("domain_fit") or {}).get("domain_warnings") or []
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
    manifest = read_manifest(args.run)
    if args.json:
        keys = ("name", "docs", "stability", "agreement", "top_terms")
        for d in manifest["domains"]:
            record = {key: d.get(key) for key in keys}
            record["examples"] = d.get("examples", [])[: max(args.examples, 0)]
            print(json.dumps(record, ensure_ascii=False))
        return 0
    print("\n".join(domain_lines(manifest, args.examples)))
    return 0
