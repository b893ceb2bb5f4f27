"""`splitlib fit` and `splitlib plan`.

    splitlib fit runs.jsonl --form auto --out law.json
    splitlib plan --law law.json --params 125M --flops 1e19 [--manifest s3://bucket/run]

Settings come from the defaults, then `--config FILE` (TOML or YAML), then the flags,
then `--set key=value`.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
from typing import Any

from splitlib.errors import UserError
from splitlib.scaling.engine import FitConfig, LawFit, fit_law
from splitlib.scaling.forms import FORMS
from splitlib.scaling.runs import load_runs

_SUFFIX = {"K": 1e3, "M": 1e6, "B": 1e9, "G": 1e9, "T": 1e12}


def parse_number(text: str, what: str) -> float:
    """A positive number, with an optional K/M/B/T suffix: '125M', '1.3B', '3e19'."""
    raw = str(text).strip().replace("_", "").replace(",", "")
    scale = _SUFFIX.get(raw[-1:].upper(), 1.0) if raw and raw[-1].isalpha() else 1.0
    try:
        value = float(raw[:-1] if scale != 1.0 else raw) * scale
    except ValueError:
        raise UserError(f"{what} must be a number such as 125M or 3e19, got {text!r}.") from None
    if not (math.isfinite(value) and value > 0):
        raise UserError(f"{what} must be finite and > 0, got {text!r}.")
    return value


def _names(value: Any) -> tuple[str, ...] | None:
    if value is None or (isinstance(value, str) and value.lower() in ("all", "none", "")):
        return None if (value is None or value.lower() == "all") else ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(str(v).strip() for v in items if str(v).strip())


def _coerce(key: str, value: Any) -> Any:
    """A FitConfig value from a config file, a flag or `--set`."""
    kinds = {f.name: f.default for f in dataclasses.fields(FitConfig)}
    if key not in kinds:
        raise UserError(f"unknown fit setting {key!r}: valid keys are {', '.join(kinds)}.")
    if key == "per_domain":
        return None if value is None else _names(value) or ()
    if key == "kinds":
        return _names(value)
    default = kinds[key]
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.lower() in ("1", "true", "yes")
            return bool(value)
        return type(default)(value)
    except (TypeError, ValueError):
        raise UserError(f"fit setting {key} cannot be {value!r}.") from None


def build_fit_config(
    file: str | None, flags: dict[str, Any], overrides: list[str] | None
) -> FitConfig:
    """Defaults, then the config file, then the flags given, then `--set` overrides."""
    from splitlib.config import load_file, parse_override

    values: dict[str, Any] = {}
    if file:
        data = load_file(file)
        values.update(data.get("fit", data))
    values.update({k: v for k, v in flags.items() if v is not None})
    for text in overrides or []:
        key, value = parse_override(text)
        values[key.removeprefix("fit.")] = value
    return FitConfig(**{k: _coerce(k, v) for k, v in values.items()})


def _write(path: str, data: bytes) -> None:
    if "://" in path and not path.startswith("file://"):
        from splitlib import storage

        storage.write_bytes(path, data)
        return
    path = path.removeprefix("file://")
    if os.path.dirname(path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# keys every plan.json has: how `splitlib plan` knows a file at --out as one it wrote
PLAN_KEYS = {"form", "n_params", "pretrain_tokens", "special_tokens", "pretrain_fraction"}


def _stem(path: str) -> str:
    return path[: -len(".json")] if path.endswith(".json") else path


def fit_main(argv: list[str]) -> int:
    """Fit a scaling law L(N, D, D') to run records and write law.json (+ PNG figures)."""
    ap = argparse.ArgumentParser(
        prog="splitlib fit",
        description="Fit a scaling law L(N, D, D') to run records (JSONL or CSV).",
    )
    ap.add_argument("runs", help="run records: JSONL (.gz) or CSV, local path or URL")
    ap.add_argument("--form", choices=[*FORMS, "auto"], help="law form (default: auto)")
    ap.add_argument("--out", default="law.json", help="where to write law.json")
    ap.add_argument(
        "--per-domain", help="parameters fitted per domain, e.g. E,B (none: all shared)"
    )
    ap.add_argument("--huber-delta", type=float, help="Huber threshold on log-loss residuals")
    ap.add_argument("--starts", type=int, help="L-BFGS-B starts from the initialization grid")
    ap.add_argument("--bootstrap", type=int, help="bootstrap resamples for intervals (0: none)")
    ap.add_argument("--level", type=float, help="coverage of the intervals (default 0.95)")
    ap.add_argument("--seed", type=int, help="bootstrap seed")
    ap.add_argument("--drop-highest", type=float, help="fraction of highest-loss runs left out")
    ap.add_argument("--kinds", help="run kinds fitted (default seed_decay,spec; all: every kind)")
    ap.add_argument(
        "--include-forgetting",
        action="store_true",
        default=None,
        help="fit mixture losses of specialists",
    )
    ap.add_argument("--no-plots", action="store_true", help="write no PNG figures")
    ap.add_argument("--config", help="TOML or YAML file with fit settings (a [fit] section)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override")
    args = ap.parse_args(argv)
    flags = {
        k: getattr(args, k)
        for k in (
            "form",
            "per_domain",
            "huber_delta",
            "starts",
            "bootstrap",
            "level",
            "seed",
            "drop_highest",
            "kinds",
            "include_forgetting",
        )
    }
    config = build_fit_config(args.config, flags, args.set)
    from splitlib.ownership import check_file_out, json_with  # fsspec: only here

    figures = (
        [] if args.no_plots else [f"{_stem(args.out)}-{n}.png" for n in ("curves", "residuals")]
    )
    check_file_out(args.out, [args.runs], json_with({"splitlib_law"}), figures, "law.json")
    runs, selection = load_runs(args.runs, config.kinds, config.include_forgetting)
    result = fit_law(runs, config, selection)
    result.document["runs"]["source"] = args.runs
    _write(args.out, json.dumps(result.document, indent=2, allow_nan=False).encode() + b"\n")
    written = [args.out]
    if not args.no_plots:
        from splitlib.scaling.plots import fit_figure_png, residuals_figure_png

        law = result.chosen.fit.law()
        ho = result.chosen.held_out
        noise = result.diagnostics.noise.relative_std if result.diagnostics.noise else None
        for name, png in (
            ("curves", fit_figure_png(result.runs, law, ho and ho.n_params, ho and ho.law)),
            ("residuals", residuals_figure_png(result.runs, law, noise)),
        ):
            path = f"{_stem(args.out)}-{name}.png"
            _write(path, png)
            written.append(path)
    print(format_fit_summary(result, args.runs))
    print(f"wrote {', '.join(written)}")
    return 0


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.2f}%"


def _r2(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def format_fit_summary(result: LawFit, source: str) -> str:
    """The printed summary of a fit: candidates, choice, parameters, diagnostics."""
    doc = result.document
    runs = doc["runs"]
    dropped = ", ".join(f"{k}: {v}" for k, v in runs.get("dropped", {}).items()) or "none"
    lines = [
        f"{runs['fitted']} runs fitted from {source} (left out: {dropped}; highest-loss "
        f"excluded: {runs['excluded_highest_loss']})",
        f"sizes N: {', '.join(f'{s:.4g}' for s in doc['diagnostics']['sizes'])}; "
        f"domains: {', '.join(doc['domains'])}",
        "",
        f"{'form':<12} {'params':>6} {'R2 in':>7} {'MRE in':>7} {'MRE out':>8} {'R2 out':>7} "
        f"{'naive':>7} {'form*':>7}",
    ]
    for c in doc["selection"]["candidates"]:
        ho = c["held_out"] or {}
        naive, form_on = ho.get("naive"), ho.get("form_on_naive")
        lines.append(
            f"{c['form']:<12} {c['parameters']:>6} {_r2(c['in_sample']['r2']):>7} "
            f"{_pct(c['in_sample']['mre']):>7} {_pct(ho.get('form', {}).get('mre')):>8} "
            f"{_r2(ho.get('form', {}).get('r2')):>7} "
            f"{_pct(naive and naive['mre']):>7} {_pct(form_on and form_on['mre']):>7}"
        )
    lines += [
        "(out: held out at the largest N; naive: the next-smaller size's loss, and form*: the "
        "form, on the runs that have such a twin)",
        "",
        f"chosen: {doc['form']} -- {doc['selection']['reason']}",
        f"  {doc['formula']}   (objective {doc['objective']:.6g})",
    ]
    ivals = doc["intervals"]
    level = f"{doc['interval_level']:.0%} interval"
    for name, value in doc["params"].items():
        items = value.items() if isinstance(value, dict) else [(None, value)]
        for dom, v in items:
            iv = ivals.get(name)
            iv = iv.get(dom) if isinstance(iv, dict) else iv
            label = f"{name}[{dom}]" if dom else name
            extra = f"  {level} [{iv[0]:.4g}, {iv[1]:.4g}]" if iv else ""
            lines.append(f"  {label:<28} {v:>12.5g}{extra}")
    diag = doc["diagnostics"]
    lines += ["", f"identified: {'yes' if diag['identified'] else 'NO'}"]
    if diag.get("forms_vs_noise") and diag["forms_vs_noise"] not in " ".join(diag["warnings"]):
        lines.append(f"  {diag['forms_vs_noise']}")
    lines += [f"  ! {w}" for w in diag["warnings"]]
    return "\n".join(lines)


def _domains_flag(text: str) -> list[dict]:
    """`name[:train_tokens[:weight]],...` as domain dicts."""
    out = []
    for item in text.split(","):
        parts = item.strip().split(":")
        if not parts[0]:
            raise UserError(f"--domains item {item!r} has no name: use name[:tokens[:weight]].")
        d: dict[str, Any] = {"name": parts[0]}
        if len(parts) > 1 and parts[1]:
            d["train_tokens"] = parse_number(parts[1], f"tokens of {parts[0]}")
        if len(parts) > 2:
            d["weight"] = parse_number(parts[2], f"weight of {parts[0]}")
        out.append(d)
    return out


def domains_from_manifest(url: str) -> tuple[list[dict], float | None]:
    """Domains with their unique training tokens, and the mixture's, from a split run."""
    from splitlib.manifest import read_manifest

    manifest = read_manifest(url)
    domains = [
        {"name": d["name"], "train_tokens": d.get("train_tokens"), "weight": d.get("weight", 1.0)}
        for d in manifest.get("domains", [])
    ]
    if not domains:
        raise UserError(f"the manifest at {url!r} lists no domains.")
    mixture = manifest.get("counts", {}).get("train_tokens")
    return domains, None if mixture is None else float(mixture)


def plan_main(argv: list[str]) -> int:
    """Choose the pretraining/specialization split and write plan.json (+ plan.png)."""
    from splitlib.scaling.plan import make_plan

    ap = argparse.ArgumentParser(
        prog="splitlib plan",
        description="Split a compute budget between pretraining the seed and the specialists.",
    )
    ap.add_argument("--law", required=True, help="law.json from `splitlib fit`")
    ap.add_argument("--params", required=True, help="model size N (non-embedding), e.g. 125M")
    ap.add_argument("--flops", help="compute budget C in FLOPs (tokens = C / 6N), e.g. 3e19")
    ap.add_argument("--tokens", help="token budget instead of --flops")
    ap.add_argument("--manifest", help="a split run (root or manifest.json): domains and data")
    ap.add_argument("--domains", help="name[:unique_tokens[:weight]],... (without a manifest)")
    ap.add_argument("--max-repeats", type=float, default=4.0, help="passes over unique tokens")
    ap.add_argument("--mixture-tokens", help="unique mixture tokens (default: sum of domains)")
    ap.add_argument("--out", default="plan.json", help="where to write plan.json")
    ap.add_argument("--no-plot", action="store_true", help="write no PNG figure")
    args = ap.parse_args(argv)
    from splitlib.ownership import check_file_out, json_with  # fsspec: only here

    figures = [] if args.no_plot else [f"{_stem(args.out)}.png"]
    check_file_out(
        args.out, [args.law, args.manifest], json_with(PLAN_KEYS), figures, "plan.json", "--no-plot"
    )
    if args.manifest and args.domains:
        raise UserError("give --manifest or --domains, not both.")
    domains, mixture = None, None
    if args.manifest:
        domains, mixture = domains_from_manifest(args.manifest)
    elif args.domains:
        domains = _domains_flag(args.domains)
    if args.mixture_tokens:
        mixture = parse_number(args.mixture_tokens, "--mixture-tokens")
    plan = make_plan(
        args.law,
        parse_number(args.params, "--params"),
        flops=parse_number(args.flops, "--flops") if args.flops else None,
        tokens=parse_number(args.tokens, "--tokens") if args.tokens else None,
        domains=domains,
        max_repeats=args.max_repeats,
        mixture_tokens=mixture,
    )
    _write(args.out, json.dumps(plan, indent=2, allow_nan=False).encode() + b"\n")
    written = [args.out]
    if not args.no_plot:
        from splitlib.scaling.plots import plan_figure_png

        path = f"{_stem(args.out)}.png"
        _write(path, plan_figure_png(plan))
        written.append(path)
    print(format_plan(plan))
    print(f"wrote {', '.join(written)}")
    return 0


def _tok(x: float | None) -> str:
    return "-" if x is None else f"{x:,.0f}"


def format_plan(plan: dict) -> str:
    """A readable table of a plan: the optimum against the baselines, then per domain."""
    lines = [
        f"plan with the {plan['form']} law: N={plan['n_params']:.4g} parameters, "
        f"C={plan['flops']:.4g} FLOPs = {plan['total_tokens']:,} tokens",
        "",
        f"{'split':<10} {'pretrain f':>10} {'D':>14} {'sum D_k':>14} {'mean loss':>10} {'vs optimum':>11}",
    ]
    rows = [("optimum", plan, 0.0)] + [
        (name, b, b["gain_of_optimum"]) for name, b in plan["baselines"].items()
    ]
    for name, row, gain in rows:
        sd = sum(row["special_tokens"].values())
        lines.append(
            f"{name:<10} {row['pretrain_fraction']:>10.3f} {_tok(row['pretrain_tokens']):>14} "
            f"{_tok(sd):>14} {row['predicted_mean_loss']:>10.4f} "
            f"{'' if name == 'optimum' else f'{gain:+.4f}':>11}"
        )
    limits = plan["data_limits"]["special_max_tokens"]
    lines += [
        "",
        f"{'domain':<24} {'weight':>6} {'D_k':>14} {'limit':>14} {'loss':>8} "
        f"{'no split':>9} {'80/20':>8}",
    ]
    for dom, tokens in plan["special_tokens"].items():
        lines.append(
            f"{dom:<24} {plan['weights'][dom]:>6.3g} {_tok(tokens):>14} {_tok(limits.get(dom)):>14} "
            f"{plan['predicted_loss'][dom]:>8.4f} "
            f"{plan['baselines']['no_split']['predicted_loss'][dom]:>9.4f} "
            f"{plan['baselines']['80/20']['predicted_loss'][dom]:>8.4f}"
        )
    co = plan["compute_optimal"]
    lines += [
        "",
        f"compute-optimal base case at this C ({co['domain']}): N={co['n_params']:.4g}, "
        f"D={co['tokens']:.4g} ({co['tokens_per_param']:.3g} tokens/parameter; numeric check "
        f"within {co['relative_difference']:.1e})",
    ]
    if plan["notes"]:
        lines += ["", "notes:"] + [f"  - {n}" for n in plan["notes"]]
    return "\n".join(lines)
