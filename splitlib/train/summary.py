"""The table printed at the end of a run: per domain, the validation loss of the seed,
the no-split baseline, the specialist and routed serving, and each specialist's loss on
the mixture beside the seed's (forgetting)."""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]
D_PRIME = "D'"


def _groups(specs: list[Record]) -> list[list[Record]]:
    """Specialist records (own domain) by D; split further by D' when every domain has the
    same D' values (a sweep), else one table per D (a plan's unequal D'_k)."""
    out = []
    for d in sorted({r["pretrain_tokens"] for r in specs}):
        at_d = [r for r in specs if r["pretrain_tokens"] == d]
        by_domain: dict[str, set[int]] = {}
        for r in at_d:
            by_domain.setdefault(r["domain"], set()).add(r["special_tokens"])
        if len({frozenset(v) for v in by_domain.values()}) == 1:
            for s in sorted(next(iter(by_domain.values()))):
                out.append([r for r in at_d if r["special_tokens"] == s])
        else:
            out.append(at_d)
    return out


def summary(records: list[Record]) -> str:
    specs = [r for r in records if r["kind"] == "spec" and r["domain"]]
    lines: list[str] = []
    for group in _groups(specs):
        d = group[0]["pretrain_tokens"]
        seed = {r["domain"]: r["loss"] for r in records
                if r["kind"] == "seed_decay" and r["pretrain_tokens"] - r["decay_tokens"] == d}  # fmt: skip
        bases = [r for r in records
                 if r["kind"] == "no_split" and r["pretrain_tokens"] - r["extra_tokens"] == d]  # fmt: skip
        extras = sorted({r["extra_tokens"] for r in bases})
        total = sum(r["special_tokens"] for r in group)
        extra = total if total in extras else (extras[0] if len(extras) == 1 else None)
        base = {r["domain"]: r["loss"] for r in bases if r["extra_tokens"] == extra}
        routed = {(r["domain"], r["special_tokens"]): r["loss"] for r in records
                  if r["kind"] == "routed" and r["pretrain_tokens"] == d}  # fmt: skip
        mix = {(r["specialist"], r["special_tokens"]): r["loss"] for r in records
               if r["kind"] == "spec" and r["domain"] is None and r["pretrain_tokens"] == d}  # fmt: skip

        def cell(value: float | None) -> str:
            return f"{value:.4f}" if value is not None else "-"

        lines += [
            f"D = {d:,} tokens; no-split baseline: "
            + (f"{extra:,} extra tokens" if extra else "none")
            + "; validation loss, nats/token",
            f"  {'domain':<20} {D_PRIME:>9} {'seed':>7} {'no-split':>8} {'special':>7} "
            f"{'routed':>7} | mixture: {'seed':>7} {'special':>7}",
        ]
        for r in group:
            k, s = r["domain"], r["special_tokens"]
            lines.append(
                f"  {k:<20} {s:>9,} {cell(seed.get(k)):>7} {cell(base.get(k)):>8} "
                f"{r['loss']:>7.4f} {cell(routed.get((k, s))):>7} |          "
                f"{cell(seed.get(None)):>7} {cell(mix.get((k, s))):>7}"
            )
    return "\n".join(lines)
