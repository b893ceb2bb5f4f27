"""report.html: the one self-contained page a person reads first about a split run."""

from __future__ import annotations

import argparse
import base64
import html
import io
import json

import numpy as np

from splitlib import storage
from splitlib.summary import domain_mode_words, percent


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def _img(data: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _figures(
    body: dict, hist: np.ndarray | None, hist_range: tuple[float, float]
) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [d["name"] for d in body["domains"]]
    figs = {}
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(names) + 1))
    ax.barh(names, [d["train_tokens"] for d in body["domains"]], color="#4477aa")
    ax.set_xlabel("training tokens")
    ax.invert_yaxis()
    figs["sizes"] = _png(fig)

    js = np.array(body["pairwise_js"])
    fig, ax = plt.subplots(figsize=(0.6 * len(names) + 2.5, 0.6 * len(names) + 1.5))
    im = ax.imshow(js, cmap="viridis", vmin=0, vmax=float(np.log(2)))
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            ax.text(j, i, f"{js[i, j]:.2f}", ha="center", va="center", color="w", fontsize=7)
    fig.colorbar(im, ax=ax, label="Jensen-Shannon divergence (nats)")
    figs["heatmap"] = _png(fig)

    if hist is not None:
        lo, hi = hist_range
        edges = np.linspace(lo, hi, hist.shape[1] + 1)
        fig, ax = plt.subplots(figsize=(7, 3.5))
        for name, row in zip(names, hist, strict=False):
            if row.sum():
                ax.step(edges[:-1], row / row.sum(), where="post", label=name)
        ax.set_xlabel("relevance to own domain (log-likelihood ratio, nats per feature)")
        ax.set_ylabel("share of documents")
        ax.legend(fontsize=7)
        figs["relevance"] = _png(fig)

    if body.get("plan"):
        try:
            from splitlib.scaling.plots import plan_figure_png

            figs["plan"] = base64.b64encode(plan_figure_png(body["plan"])).decode()
        except ImportError:
            pass
    return figs


def _table(rows: list[list], header: list[str]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _examples_section(domains: list[dict]) -> list[str]:
    """Each domain's sampled documents nearest to it: what the domain holds, in its own text."""
    if not any(d.get("examples") for d in domains):
        return []
    rows = [
        [d["name"], e["id"], f"{e['score']:.3f}", e["opening"]]
        for d in domains
        for e in d.get("examples", [])
    ]
    return [
        "<h2>What each domain holds</h2>",
        "<p>The sampled documents nearest to each domain (highest cosine), their openings.</p>",
        _table(rows, ["domain", "document", "cosine", "opening"]),
    ]


def _domain_warnings(fit: dict | None, reused: dict | None = None) -> list[str]:
    """The domains to read before relying on them (jobs/stages.py: domain_warnings; for kept
    domains, splitlib.novelty.far_warnings)."""
    lines = (fit or {}).get("domain_warnings", []) + (reused or {}).get("warnings", [])
    return [
        f"<p style='background:#fde8e8;padding:6px'><b>Read first:</b> {html.escape(line)}</p>"
        for line in lines
    ]


def _reused_section(body: dict) -> list[str]:
    """domains.from_run: each domain's share of the documents, and of ambiguous ones, in the
    run the domains came from and in this one."""
    source = body.get("domains_from")
    if not source:
        return []
    total = sum(d["docs"] for d in body["domains"]) or 1
    earlier = {e["name"]: e for e in source.get("earlier") or []}
    rows = []
    for d in body["domains"]:
        then = earlier.get(d["name"], {})
        rows.append(
            [
                d["name"],
                percent(then.get("share")),
                percent(d["docs"] / total),
                percent(then.get("ambiguous_share")),
                percent(d["ambiguous_share"]),
                percent(then.get("below_floor_share")),
                percent(d.get("far_share")),
            ]
        )
    return [
        "<h3>Against the run the domains came from</h3>",
        f"<p>The domains of <code>{html.escape(str(source['run']))}</code>, kept without a fit "
        "(domains.from_run). A domain whose share or ambiguous share grows a lot may be taking "
        "in a kind of text that run did not have: read its examples below. <i>Far</i>: the share "
        "of the domain's documents scoring under the cosine that 95% of its documents reached in "
        "that run.</p>",
        _table(
            rows,
            [
                "domain",
                "share then",
                "share now",
                "ambiguous then",
                "ambiguous now",
                "far then",
                "far now",
            ],
        ),
    ]


def _fit_section(fit: dict | None, chosen_k: int) -> list[str]:
    """How the k-means domains were fitted: restarts, stability, and the objective around K."""
    if not fit:
        return []
    if "by_language" in fit:  # domains.by_language: one fit per language group
        parts = []
        for group, group_fit in fit["by_language"].items():
            section = _fit_section(group_fit, group_fit["k"])
            parts += [section[0].replace("</h2>", f": {html.escape(group)}</h2>"), *section[1:]]
        return parts
    objectives = fit["objectives"]
    # the kept fit's own objective: 1 - cosine on tf-idf rows, squared distances on embeddings
    measure = fit.get("objective", "sum of 1 − cosine")
    parts = [
        "<h2>How the domains were fitted</h2>",
        f"<p>{html.escape(fit['method'])}, on {fit['sample_docs']:,} sampled documents: "
        f"{len(objectives)} fits, objectives ({html.escape(measure)}) from {min(objectives):,.1f} "
        f"to {max(objectives):,.1f}; fit {fit['chosen'] + 1} kept "
        f"({fit['chosen_objective']:,.1f}).</p>",
    ]
    if fit.get("choice"):  # domains.features=auto: which fit it kept, and on what numbers
        parts.append(f"<p>{html.escape(fit['choice']['line'])}</p>")
        if fit["choice"].get("domain_agreement"):
            parts.append(
                "<p>A domain's 'features agree', in the Domains table, is the Jaccard index of "
                "its sampled documents with the closest domain of the fit auto did not keep "
                "(1 = both kinds of features find it).</p>"
            )
    if fit.get("stability") is not None:
        a, b = fit["stability_seeds"]
        parts.append(
            f"<p>Stability: NMI {fit['stability']:.3f} between the domains of seeds {a} and {b} "
            "on the sample (1 = the same domains, whatever the seed). A domain's own "
            "stability, in the Domains table, is the Jaccard index of its documents among "
            f"those the fit ran on with the seed {b} domain that shares most of them.</p>"
        )
    if fit.get("stability_warning"):
        parts.append(
            "<p style='background:#fde8e8;padding:6px'><b>Warning:</b> "
            f"{html.escape(fit['stability_warning'])}</p>"
        )
    scan = sorted((int(k), v) for k, v in fit.get("k_scan", {}).items())
    if len(scan) > 1:
        rows, previous = [], None
        for k, v in scan:
            drop = "" if previous is None else f"{100 * (previous - v) / previous:.1f}%"
            rows.append([f"{k}{' (chosen)' if k == chosen_k else ''}", f"{v:,.1f}", drop])
            previous = v
        parts += [
            "<p>Objective for other K on the same sample (best of 3 fits each): "
            "the objective always falls as K grows; a K past which it falls much more slowly "
            "is a natural number of domains.</p>",
            _table(rows, ["K", "objective", "drop from K − 1"]),
        ]
    return parts


def _routing_section(routing: dict | None) -> list[str]:
    """Routing accuracy of validation documents cut to their first words."""
    if not routing:
        return []
    rows = [
        [n, f"{100 * acc:.1f}%"]
        for n, acc in zip(routing["words"], routing["accuracy"], strict=True)
    ]
    return [
        "<h2>Routing short texts</h2>",
        f"<p>{html.escape(routing['description'])}</p>",
        _table(rows, ["first words", "routed as the whole document"]),
    ]


def _languages_section(body: dict) -> list[str]:
    """Documents and tokens per language, and each domain's language mix."""
    languages = body.get("languages")
    if not languages:
        return []
    docs = sum(v["docs"] for v in languages.values()) or 1
    rows = [
        [code, f"{v['docs']:,}", f"{100 * v['docs'] / docs:.1f}%", f"{v['tokens']:,}"]
        for code, v in languages.items()
    ]
    mix = []
    for d in body["domains"]:
        own = d.get("languages", {})
        total = sum(v["docs"] for v in own.values()) or 1
        shares = [f"{code} {100 * v['docs'] / total:.0f}%" for code, v in list(own.items())[:4]]
        mix.append([d["name"], ", ".join(shares) + (", ..." if len(own) > 4 else "")])
    return [
        "<h2>Languages</h2>",
        "<p>Language of every document (fastText language identification; the code and its "
        "confidence are the <code>language</code> and <code>language_score</code> columns of "
        "<code>docs/</code>).</p>",
        _table(rows, ["language", "docs", "share", "tokens"]),
        _table(mix, ["domain", "languages (share of its documents)"]),
    ]


def render(body: dict, hist: np.ndarray | None = None, hist_range=(-4.0, 4.0)) -> str:
    """The report's HTML for a manifest body (and the per-domain relevance histogram)."""
    figs = _figures(body, hist, hist_range)
    c = body["counts"]
    domain_rows = [
        [
            d["name"],
            f"{d['docs']:,}",
            f"{d['train_tokens']:,}",
            f"{d['valid_docs']:,}",
            f"{d['kl_to_mixture']:.3f}",
            f"{d['js_to_mixture']:.3f}",
            f"{d['entropy']:.2f}",
            f"{100 * d['ambiguous_share']:.1f}%",
            "–" if d.get("stability") is None else f"{d['stability']:.2f}",
            "–" if d.get("agreement") is None else f"{d['agreement']:.2f}",
            ", ".join(d["top_terms"][:8]),
        ]
        for d in body["domains"]
    ]
    reasons = [[r, f"{n:,}"] for r, n in body["counts"]["quarantine_reasons"].items()] or [
        ["(none)", "0"]
    ]
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>splitlib report</title><style>"
        "body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;"
        "font-size:13px;text-align:left}th{background:#f0f0f0}img{max-width:100%}</style></head><body>",
        "<h1>splitlib split report</h1>",
        f"<p>Input <code>{html.escape(body['input_url'])}</code>; domains "
        f"{html.escape(domain_mode_words(body))}; "
        f"{len(body['domains'])} domains.</p>",
        "<h2>Counts</h2>",
        _table(
            [
                ["records read", f"{c['read']:,}"],
                ["kept", f"{c['kept']:,}"],
                ["quarantined", f"{c['quarantined']:,}"],
                ["training documents", f"{c['train_docs']:,}"],
                ["training tokens", f"{c['train_tokens']:,}"],
                ["validation documents", f"{c['valid_docs']:,}"],
                ["mixture documents", f"{c['mixture_docs']:,}"],
                ["pruned from mixture", f"{c['pruned_docs']:,}"],
                ["validation texts found in training", f"{c['contaminated']:,}"],
            ],
            ["", "count"],
        ),
        "<h2>Quarantine reasons</h2>",
        _table(reasons, ["reason", "records"]),
        "<h2>Domains</h2>",
        _table(
            domain_rows,
            [
                "domain",
                "docs",
                "train tokens",
                "valid docs",
                "KL(d‖mix)",
                "JS(d,mix)",
                "entropy",
                "ambiguous",
                "stable",
                "features agree",
                "top terms",
            ],
        ),
        *_domain_warnings(body.get("domain_fit"), body.get("domains_from")),
        *_reused_section(body),
        _img(figs["sizes"], "domain sizes"),
        *_examples_section(body["domains"]),
        *_languages_section(body),
        *_fit_section(body.get("domain_fit"), len(body["domains"])),
        *_routing_section(body.get("routing")),
        "<h2>Divergence between domains</h2>",
        _img(figs["heatmap"], "pairwise JS heatmap"),
    ]
    if "relevance" in figs:
        parts += ["<h2>Relevance</h2>", _img(figs["relevance"], "relevance histograms")]
    if body.get("plan"):
        plan = body["plan"]
        parts += [
            "<h2>Compute plan</h2>",
            f"<pre>{html.escape(json.dumps({k: plan[k] for k in plan if k != 'curve'}, indent=1))}</pre>",
        ]
        if "plan" in figs:
            parts.append(_img(figs["plan"], "predicted loss over the pretraining fraction"))
    parts.append("</body></html>")
    return "\n".join(parts)


def _load_hist(run_root: str) -> np.ndarray | None:
    try:
        return np.load(
            io.BytesIO(storage.read_bytes(storage.join(run_root, "domains", "relevance_hist.npy"))),
            allow_pickle=False,
        )
    except FileNotFoundError:
        return None


def write_report(run_root: str, body: dict) -> str:
    url = storage.join(run_root, "report.html")
    storage.write_bytes(url, render(body, _load_hist(run_root)).encode())
    return url


def main(argv: list[str]) -> int:
    from splitlib.manifest import read_manifest, run_root_of

    p = argparse.ArgumentParser(
        prog="splitlib report", description="Rebuild report.html of a committed run."
    )
    p.add_argument("run", help="run root URL (or its manifest.json)")
    args = p.parse_args(argv)
    body = read_manifest(args.run)
    print(write_report(run_root_of(args.run), body))
    return 0
