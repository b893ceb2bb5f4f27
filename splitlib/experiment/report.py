"""results.json, the figure (measured loss against f with intervals, the law's curve, the
planned f and the no-split level) and a short Markdown page, into --out."""

from __future__ import annotations

import json
from typing import Any

from splitlib import storage
from splitlib.experiment.arms import HABIT, NO_SPLIT, PLANNED
from splitlib.scaling.plots import _png, _pyplot


def _ival(x: dict | None, digits: int = 4) -> str:
    if not x:
        return "-"
    if x["low"] is None:
        return f"{x['mean']:.{digits}f}"
    return f"{x['mean']:.{digits}f} [{x['low']:.{digits}f}, {x['high']:.{digits}f}]"


def _pct(x: dict | None) -> str:
    if not x:
        return "-"
    if x["low"] is None:
        return f"{100 * x['mean']:+.2f}%"
    return f"{100 * x['mean']:+.2f}% [{100 * x['low']:+.2f}, {100 * x['high']:+.2f}]"


def figure_png(results: dict[str, Any]) -> bytes:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    arms = results["arms"]
    split = sorted(
        ((a["pretrain_fraction"], a, name) for name, a in arms.items() if a["kind"] == "grid"),
        key=lambda t: t[0],
    )

    def err(a):
        m = a["macro_loss"]
        if m["low"] is None:
            return None
        return [[m["mean"] - m["low"]], [m["high"] - m["mean"]]]

    for f, a, _ in split:
        ax.errorbar(f, a["macro_loss"]["mean"], yerr=err(a), fmt="o", color="C0", capsize=3)
    ax.plot([f for f, _, _ in split], [a["macro_loss"]["mean"] for _, a, _ in split], color="C0",
            alpha=0.5, label="measured, grid of f (mean, 95% interval)")  # fmt: skip
    for name, color, marker in ((PLANNED, "C3", "*"), (HABIT, "C2", "s")):
        a = arms[name]
        ax.errorbar(a["pretrain_fraction"], a["macro_loss"]["mean"], yerr=err(a), fmt=marker,
                    color=color, markersize=11 if marker == "*" else 7, capsize=3,
                    label=f"measured, {name} (f = {a['pretrain_fraction']:.3f})")  # fmt: skip
    curve = results["plan"]["curve"]
    ax.plot([c["pretrain_fraction"] for c in curve], [c["predicted_mean_loss"] for c in curve],
            "--", color="C1", label=f"law's prediction ({results['plan']['form']})")  # fmt: skip
    ns = arms[NO_SPLIT]["macro_loss"]
    ax.axhline(ns["mean"], color="k", lw=1, label="measured no-split (one model, all T)")
    if ns["low"] is not None:
        ax.axhspan(ns["low"], ns["high"], color="k", alpha=0.08)
    ax.axhline(arms[NO_SPLIT]["predicted"]["macro_loss"], color="k", ls=":", lw=1,
               label="law's no-split prediction")  # fmt: skip
    ax.axvline(results["plan"]["pretrain_fraction"], color="C3", ls=":", lw=1)
    # the law's curve runs off to large losses at tiny f: frame the measured points
    shown = [a["macro_loss"][k] for a in arms.values() for k in ("low", "mean", "high")]
    shown = [x for x in shown if x is not None]
    shown += [a["predicted"]["macro_loss"] for a in arms.values()]
    lo, hi = min(shown), max(shown)
    ax.set_ylim(lo - 0.15 * (hi - lo) - 1e-3, hi + 0.15 * (hi - lo) + 1e-3)
    t = results["target"]
    ax.set_xlabel("pretraining fraction f = D / T")
    ax.set_ylabel("mean domain validation loss (nats/token, macro)")
    ax.set_title(f"{t['model']} at T = {t['total_tokens']:,} tokens, "
                 f"{len(results['seeds_done'])} seeds", fontsize=10)  # fmt: skip
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    return _png(fig)


def page(results: dict[str, Any]) -> str:
    t, plan, best = results["target"], results["plan"], results["best"]
    lines = [
        "# Planned split against no-split and 80/20 at equal compute",
        "",
        f"Target: model {t['model']} ({t['n_params']:,} non-embedding parameters), "
        f"T = {t['total_tokens']:,} tokens ({t['tokens_per_param']:.1f} per parameter, "
        f"C = {t['flops']:.3g} FLOPs): held out because {t['held_out_because']}.",
        f"Law: {plan['form']} (identified: {results['fits']['auto'].get('identified')}); "
        f"planned f = {plan['pretrain_fraction']:.3f}. Seeds done: {results['seeds_done']} of "
        f"{list(results['settings']['seeds'])}"
        + ("." if results["complete"] else " (PARTIAL: the run has not finished)."),
        "",
        "![loss against f](figure.png)",
        "",
        "| arm | f | macro loss (95% CI) | token-weighted | routed | predicted | rel. error |"
        " compute tokens |",
        "|---|---:|---|---|---|---:|---:|---|",
    ]
    for name, a in results["arms"].items():
        lines.append(
            f"| {name} | {a['pretrain_fraction']:.3f} | {_ival(a['macro_loss'])} | "
            f"{_ival(a['weighted_loss'])} | {_ival(a['routed_loss'])} | "
            f"{a['predicted']['macro_loss']:.4f} | {100 * a['relative_error']:+.1f}% | "
            f"{', '.join(f'{c:,}' for c in sorted(set(a['compute_tokens'])))} |"
        )
    lines += ["", f"Measured best f: {best['arm']} (f = {best['pretrain_fraction']:.3f}); "
              f"planned minus best (macro): {_ival(best['planned_minus_best'])}; planned within "
              f"the noise of the best: {best['planned_within_noise']}.", ""]  # fmt: skip
    for base, g in results["gains"].items():
        parts = [f"{m.replace('_loss', '')} {_pct(v['relative'])}" for m, v in g.items() if v]
        lines.append(f"- Gain of the planned split over {base} (positive: split better): "
                     + "; ".join(parts))  # fmt: skip
    js = results.get("js_to_mixture", {})
    lines += ["", "Per domain, planned against no-split (relative gain, positive: split better):",
              "", "| domain | JS to mixture | no-split loss | planned loss | gain |",
              "|---|---:|---|---|---|"]  # fmt: skip
    for k, g in results["domain_gains"].get(NO_SPLIT, {}).items():
        lines.append(
            f"| {k} | {js.get(k, float('nan')):.3f} | "
            f"{_ival(results['arms'][NO_SPLIT]['domain_loss'][k])} | "
            f"{_ival(results['arms'][PLANNED]['domain_loss'][k])} | {_pct(g)} |"
        )
    lines += ["", "Forgetting (each specialist's loss on the mixture's validation set, planned "
              f"arm) against no-split's {_ival(results['arms'][NO_SPLIT]['weighted_loss'])}:", ""]  # fmt: skip
    for k, v in results["arms"][PLANNED]["mixture_loss_of_specialists"].items():
        lines.append(f"- {k}: {_ival(v)}")
    lines += ["", "Fits (identifiability):", ""]
    for form, fit in results["fits"].items():
        if "error" in fit:
            lines.append(f"- {form}: failed: {fit['error']}")
            continue
        by = results["plans_by_form"].get(form, {})
        lines.append(f"- {form}: identified {fit['identified']}; planned f "
                     f"{by.get('pretrain_fraction', float('nan')):.3f}")  # fmt: skip
    return "\n".join(lines) + "\n"


def headline(results: dict[str, Any]) -> str:
    best, gains = results["best"], results["gains"]
    ns = gains.get(NO_SPLIT, {}).get("macro_loss")
    habit = gains.get(HABIT, {}).get("macro_loss")
    return (
        f"planned f = {results['plan']['pretrain_fraction']:.3f}, measured best "
        f"{best['arm']}; gain over no-split {_pct(ns and ns['relative'])}, over 80/20 "
        f"{_pct(habit and habit['relative'])} (macro mean domain loss)"
    )


def write(out: str, results: dict[str, Any]) -> None:
    storage.write_bytes(storage.join(out, "figure.png"), figure_png(results))
    storage.write_bytes(storage.join(out, "results.md"), page(results).encode())
    # last: its presence marks a finished experiment
    storage.write_bytes(storage.join(out, "results.json"),
                        json.dumps(results, indent=2, allow_nan=False).encode() + b"\n")  # fmt: skip
