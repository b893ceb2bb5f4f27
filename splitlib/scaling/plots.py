"""PNG figures of a fit and a plan. matplotlib is imported lazily, with the Agg backend,
so importing splitlib.scaling never needs a display (or matplotlib at all)."""

from __future__ import annotations

import io

import numpy as np

from splitlib.scaling.law import Law
from splitlib.scaling.runs import Runs

_MAX_ROWS = 6  # sizes shown in the curves figure (the largest ones)
_MAX_COLUMNS = 8  # domains shown in the curves figure (the first ones by name)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> bytes:
    buf = io.BytesIO()
    # the tag tells a later run that splitlib wrote the file, so it may replace it
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight", metadata={"Software": "splitlib"})
    _pyplot().close(fig)
    return buf.getvalue()


def _size_label(n: float) -> str:
    return f"{n / 1e9:.3g}B" if n >= 1e9 else f"{n / 1e6:.3g}M" if n >= 1e6 else f"{n / 1e3:.3g}K"


def fit_figure_png(
    runs: Runs, law: Law, held_out: float | None = None, held_out_law: Law | None = None
) -> bytes:
    """Fitted curves against the runs: one row per model size N, one column per domain;
    loss over pretraining tokens D, one line per specialization length D' (colour).
    At the held-out size, dashed lines show `held_out_law`, fitted without that size."""
    plt = _pyplot()
    sizes = runs.sizes[-_MAX_ROWS:]
    domains = runs.domains[:_MAX_COLUMNS]
    fig, axes = plt.subplots(
        len(sizes),
        len(domains),
        figsize=(3.2 * len(domains), 2.6 * len(sizes)),
        squeeze=False,
        sharex=True,
    )
    levels = np.unique(runs.special_tokens)
    cmap = plt.get_cmap("viridis")
    colour = {dp: cmap(i / max(len(levels) - 1, 1)) for i, dp in enumerate(levels)}
    d_grid = np.geomspace(runs.pretrain_tokens.min() / 1.5, runs.pretrain_tokens.max() * 1.5, 60)
    for row, n in enumerate(sizes):
        for col, dom in enumerate(domains):
            ax = axes[row, col]
            here = (runs.n_params == n) & (runs.domain == dom)
            for dp in np.unique(runs.special_tokens[here]):
                pts = here & (runs.special_tokens == dp)
                ax.scatter(runs.pretrain_tokens[pts], runs.loss[pts], s=14, color=colour[dp])
                if pts.sum() >= 2 or dp == 0:
                    pred = law.predict(n, d_grid, dp, dom)
                    ax.plot(d_grid, pred, color=colour[dp], lw=1, label=f"D'={dp:.3g}")
                    if held_out_law is not None and n == held_out:
                        pred = held_out_law.predict(n, d_grid, dp, dom)
                        ax.plot(d_grid, pred, color=colour[dp], lw=1, ls="--")
            ax.set_xscale("log")
            title = f"{dom}, N={_size_label(n)}"
            if held_out is not None and n == held_out:
                title += " (held out: dashed)" if held_out_law else " (held out)"
            ax.set_title(title, fontsize=8)
            ax.tick_params(labelsize=7)
            if row == len(sizes) - 1:
                ax.set_xlabel("pretraining tokens D", fontsize=8)
            if col == 0:
                ax.set_ylabel("loss (nats)", fontsize=8)
    handles, labels = [], []
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    order = sorted(range(len(labels)), key=lambda i: float(labels[i].split("=")[1]))
    fig.legend(
        [handles[i] for i in order], [labels[i] for i in order], loc="upper right", fontsize=7
    )
    shown = "" if len(runs.domains) <= _MAX_COLUMNS else f"; first {_MAX_COLUMNS} domains"
    fig.suptitle(f"law form: {law.form} (points: runs; lines: fit{shown})", fontsize=10)
    return _png(fig)


def residuals_figure_png(runs: Runs, law: Law, noise: float | None = None) -> bytes:
    """Relative residuals (observed / predicted - 1) over total tokens D + D', coloured
    by model size, with the seed-to-seed noise band when known."""
    plt = _pyplot()
    pred = law.predict(runs.n_params, runs.pretrain_tokens, runs.special_tokens, runs.domain)
    resid = 100 * (runs.loss / pred - 1)
    from matplotlib.ticker import NullFormatter

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8))
    fig.subplots_adjust(wspace=0.25)
    tokens = runs.pretrain_tokens + runs.special_tokens
    for i, n in enumerate(runs.sizes):
        at = runs.n_params == n
        left.scatter(tokens[at], resid[at], s=12, color=f"C{i}", label=f"N={_size_label(n)}")
    for i, dom in enumerate(runs.domains):
        at = runs.domain == dom
        offsets = 1 + 0.08 * (i - (len(runs.domains) - 1) / 2)
        right.scatter(runs.n_params[at] * offsets, resid[at], s=12, color=f"C{i}", label=dom)
    for ax, xlabel in ((left, "total tokens D + D'"), (right, "model size N (parameters)")):
        ax.axhline(0, color="k", lw=0.8)
        if noise:
            ax.axhspan(-100 * noise, 100 * noise, color="0.85", zorder=0, label="seed noise ±1σ")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel("residual (%)")
        ax.legend(fontsize=7)
    fig.suptitle(f"residuals of the {law.form} fit", fontsize=10)
    return _png(fig)


def plan_figure_png(plan: dict) -> bytes:
    """Predicted mean domain loss over the pretraining fraction D / (D + sum D'_k), with
    the optimum and the two baselines (no split, 80/20) marked."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    f = [p["pretrain_fraction"] for p in plan["curve"]]
    loss = [p["predicted_mean_loss"] for p in plan["curve"]]
    ax.plot(f, loss, color="C0", lw=1.5, label="predicted mean loss")
    lo, hi = plan.get("allowed_fraction", [0.0, 1.0])
    if lo > 0.011:
        ax.axvspan(0, lo, color="0.9", label="beyond the domains' data")
    if hi < 1:
        ax.axvspan(hi, 1, color="0.8", label="beyond the mixture's data")
    ax.scatter(
        [plan["pretrain_fraction"]],
        [plan["predicted_mean_loss"]],
        marker="*",
        s=180,
        color="C3",
        zorder=5,
        label=f"optimum f={plan['pretrain_fraction']:.2f}: {plan['predicted_mean_loss']:.4f}",
    )
    for (name, base), marker in zip(plan["baselines"].items(), ("s", "^"), strict=False):
        ax.scatter(
            [base["pretrain_fraction"]],
            [base["predicted_mean_loss"]],
            marker=marker,
            s=60,
            color="C1" if name == "no_split" else "C2",
            zorder=4,
            label=f"{name.replace('_', ' ')}: {base['predicted_mean_loss']:.4f}",
        )
    ax.set_xlim(0, 1.02)
    ax.set_xlabel("pretraining fraction D / (D + ΣD'ₖ)")
    ax.set_ylabel("predicted mean domain loss (nats)")
    ax.set_title(
        f"{plan['form']} law, N={_size_label(plan['n_params'])}, "
        f"{plan['total_tokens']:.3g} tokens ({plan['flops']:.3g} FLOPs)",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    return _png(fig)
