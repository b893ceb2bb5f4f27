"""The split job: corpus -> validated records -> features -> domains -> statistics -> split on storage.

Run it as `splitlib run [--input URL] [--out URL] [--k K] [--config FILE] [--set k=v] [--overwrite]`,
or `spark-submit jobs/split.py --input ... --out ...` on a cluster.
"""

from __future__ import annotations

import argparse
import json
import sys

from splitlib import config as config_mod
from splitlib.errors import UserError


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="splitlib run",
        description="Discover the domains of a corpus, score every document against them, "
        "and write the mixture, per-domain training sets, validation hold-outs, statistics, "
        "a report and a manifest to a local path or s3:// URL.",
    )
    p.add_argument(
        "--input",
        help="corpus URL: a .jsonl[.gz|.zst]/.parquet file, folder or glob "
        "(default: the bundled multi-domain corpus)",
    )
    p.add_argument("--out", help="run root URL to write (default: ./out)")
    p.add_argument(
        "--k",
        type=int,
        help="number of domains to discover (default: the bundled "
        "corpus's number of sources, else 8); ignored with input.label_field",
    )
    p.add_argument("--label-field", help="use this record field as the domain instead of k-means")
    p.add_argument(
        "--domains-from",
        metavar="RUN",
        help="keep the domains of this committed run (names, centroids) instead of fitting new "
        "ones; the same as --set domains.from_run=RUN",
    )
    p.add_argument(
        "--rename",
        action="append",
        default=[],
        metavar="OLD=NEW",
        help="with --domains-from: give that run's domain OLD the name NEW (repeatable); two "
        "domains given one name become one domain",
    )
    p.add_argument(
        "--split",
        action="append",
        default=[],
        metavar="NAME[=N]",
        help="with --domains-from: cut the kept domain NAME (its name after --rename) into N "
        "parts (default 2), named from their words (repeatable)",
    )
    p.add_argument("--config", help="TOML or YAML file with config sections")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one config key, e.g. --set features.vocab_size=2048 (repeatable)",
    )
    p.add_argument(
        "--law", help="law.json from `splitlib fit`: adds a compute plan to the manifest"
    )
    p.add_argument(
        "--params", type=float, help="model size N for the plan (non-embedding parameters)"
    )
    p.add_argument("--flops", type=float, help="compute budget C for the plan, in FLOPs")
    p.add_argument("--overwrite", action="store_true", help="replace a committed run at --out")
    return p.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> config_mod.SplitConfig:
    if args.k is not None and args.k < 2:  # domains.k = 0 in a config means "the default"
        raise UserError(
            f"--k {args.k}: a split needs at least 2 domains; leave --k out for the default."
        )
    overrides = list(args.set)
    for key, value in (
        ("input.path", args.input),
        ("out", args.out),
        ("domains.k", args.k),
        ("input.label_field", args.label_field),
        ("domains.from_run", args.domains_from),
        ("plan.law", args.law),
        ("plan.params", args.params),
        ("plan.flops", args.flops),
    ):
        if value is not None:
            overrides.append(f"{key}={value}")
    if args.rename:
        overrides.append(f"domains.rename={json.dumps(rename_pairs(args.rename))}")
    if args.split:
        overrides.append(f"domains.split={json.dumps(split_parts(args.split))}")
    return config_mod.build(args.config, overrides)


def rename_pairs(pairs: list[str]) -> dict[str, str]:
    """--rename OLD=NEW ... as {OLD: NEW}."""
    rename = {}
    for pair in pairs:
        old, sep, new = pair.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UserError(
                f"--rename takes OLD=NEW, got {pair!r} (e.g. --rename love-enter=plays)."
            )
        rename[old.strip()] = new.strip()
    return rename


def split_parts(items: list[str]) -> dict[str, int]:
    """--split NAME[=N] ... as {NAME: N}; N is 2 when not given."""
    parts = {}
    for item in items:
        name, sep, count = item.partition("=")
        if not name.strip() or (sep and not count.strip().isdigit()):
            raise UserError(
                f"--split takes NAME or NAME=N, got {item!r} (e.g. --split reference=3)."
            )
        parts[name.strip()] = int(count) if sep else 2
    return parts


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    cfg = config_from_args(args)
    from jobs.pipeline import run_split

    manifest = run_split(cfg, overwrite=args.overwrite)
    counts = manifest["counts"]
    print(
        f"committed {cfg.out}/manifest.json: {counts['read']:,} records read, "
        f"{counts['kept']:,} kept, {counts['quarantined']:,} quarantined, "
        f"{len(manifest['domains'])} domains"
    )
    return 0


if __name__ == "__main__":  # spark-submit jobs/split.py ...
    try:
        sys.exit(main())
    except UserError as err:
        print(f"splitlib run: error: {err}", file=sys.stderr)
        sys.exit(2)
