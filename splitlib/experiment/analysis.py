"""Measured losses of every arm from the per-document evaluations, with intervals over
seeds, the law's predictions beside them, and the planned split's gains.

Per arm and seed: each domain's validation loss by the model that serves it (its
specialist; the no-split model for every domain), their macro mean and their mean
weighted by the domains' validation tokens, the routed loss (every validation
document served by the specialist the split's router picks), and each specialist's
loss on the mixture's validation set (forgetting). The compute an arm spent is read
back from the run records, not from the plan.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from scipy import stats

from splitlib import storage
from splitlib.experiment.arms import NO_SPLIT, PLANNED, Arm, arm_branches
from splitlib.scaling.law import Law
from splitlib.scaling.runs import MIXTURE, canonical_domain
from splitlib.train.records import read_jsonl

LEVEL = 0.95
SPLIT_KINDS = ("planned", "grid")  # the arms the best fraction is taken over


def interval(values: list[float], level: float = LEVEL) -> dict[str, Any]:
    """Mean and the t-interval of the mean over seeds (None bounds with one seed)."""
    x = np.asarray(values, dtype=float)
    mean = float(x.mean())
    if len(x) < 2:
        return {"mean": mean, "low": None, "high": None, "n": len(x), "values": x.tolist()}
    half = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": len(x),
            "values": x.tolist()}  # fmt: skip


class SeedEvals:
    """The per-document evaluations of one seed's run folder."""

    def __init__(self, run_out: str, shares: dict[str, float]) -> None:
        self.out, self.shares = run_out, shares
        self._nll: dict[str, np.ndarray] = {}
        first = None
        routes_url = storage.join(run_out, "evals", "routes.json")
        self.routes = (
            json.loads(storage.read_bytes(routes_url))["routes"]
            if storage.exists(routes_url)
            else None
        )
        for name in self._branches():
            doc = json.loads(storage.read_bytes(storage.join(run_out, "evals", f"{name}.json")))
            self._nll[name] = np.asarray(doc["doc_nll"], dtype=float)
            first = first or doc
        if first is None:
            raise ValueError(f"no evaluations in {run_out}")
        self.domain = np.asarray(first["doc_domain"])
        self.tokens = np.asarray(first["doc_tokens"], dtype=float)

    def _branches(self) -> list[str]:
        config = json.loads(storage.read_bytes(storage.join(self.out, "config.json")))
        return [b["name"] for b in config["plan"]["branches"]]

    def losses(self, nll: np.ndarray) -> dict[str, float]:
        """Per-domain loss and under MIXTURE the share-weighted mean (the mixture's loss)."""
        out = {}
        for k in self.shares:
            mask = self.domain == k
            out[k] = float(nll[mask].sum() / self.tokens[mask].sum())
        out[MIXTURE] = float(sum(self.shares[k] * out[k] for k in self.shares))
        return out

    def compute_tokens(self, branches: set[str]) -> int:
        """D + sum D'_k (or T) of the models behind an arm, from their run records."""
        rows = [r for b in branches for r in read_jsonl(storage.join(self.out, "records",
                                                                       f"{b}.jsonl"))]  # fmt: skip
        if not rows:
            raise ValueError(f"no run records for {sorted(branches)} in {self.out}")
        per_branch = {(r["kind"], r.get("specialist"), r["pretrain_tokens"],
                       r["decay_tokens"], r["special_tokens"]) for r in rows}  # fmt: skip
        # the specialists' D and the decayed seed's D (its tokens less its decay) agree
        d = {p - (dd if kind == "seed_decay" else 0) for kind, _, p, dd, _ in per_branch}
        if len(d) != 1:
            raise ValueError(f"the models of one arm disagree on D: {sorted(d)}")
        # the stable trunk to D is shared: count the decayed seed's tokens once, whole
        return max(p for _, _, p, _, _ in per_branch) + sum(s for *_, s in per_branch)

    def measure(self, arm: Arm, batch_tokens: int) -> dict[str, Any]:
        serving = arm_branches(arm, list(self.shares), batch_tokens)
        domain = {k: self.losses(self._nll[b])[k] for k, b in serving.items()}
        served = np.empty_like(self.tokens)
        for i, d in enumerate(self.domain):  # oracle: each document by its domain's model
            served[i] = self._nll[serving[d]][i]
        out: dict[str, Any] = {
            "domain_loss": domain,
            "macro_loss": float(np.mean(list(domain.values()))),
            "weighted_loss": self.losses(served)[MIXTURE],
            "compute_tokens": self.compute_tokens(set(serving.values())),
        }
        if self.routes is not None:
            routed = np.array([self._nll[serving.get(r, serving[d])][i] for i, (r, d)
                               in enumerate(zip(self.routes, self.domain, strict=True))])  # fmt: skip
            out["routed_loss"] = self.losses(routed)[MIXTURE]
            out["routing_accuracy"] = float(np.mean(np.asarray(self.routes) == self.domain))
        else:
            out["routed_loss"], out["routing_accuracy"] = None, None
        out["mixture_loss"] = {k: self.losses(self._nll[b])[MIXTURE] for k, b in serving.items()}
        return out


def predicted(arm: Arm, law: Law, n_params: float, batch_tokens: int,
              shares: dict[str, float]) -> dict[str, Any]:  # fmt: skip
    """The law's losses for an arm: per domain, macro and share-weighted means."""
    d = arm.pretrain_steps * batch_tokens
    seed = (arm.pretrain_steps + arm.seed_decay_steps) * batch_tokens  # as the law's seed runs
    per = {}
    for k in shares:
        if k in arm.special_steps:
            x = law.predict(n_params, d, arm.special_steps[k] * batch_tokens, canonical_domain(k))
        else:
            x = law.predict(n_params, seed, 0.0, canonical_domain(k))
        per[k] = float(x)
    return {
        "domain_loss": per,
        "macro_loss": float(np.mean(list(per.values()))),
        "weighted_loss": float(sum(shares[k] * per[k] for k in shares)),
    }


def summarize(
    arms: list[Arm],
    per_seed: dict[int, dict[str, dict[str, Any]]],
    law: Law,
    n_params: float,
    batch_tokens: int,
    shares: dict[str, float],
) -> dict[str, Any]:
    """Per-arm intervals, predictions, the best fraction and the planned split's gains."""
    seeds = sorted(per_seed)
    out: dict[str, Any] = {}
    for arm in arms:
        rows = [per_seed[s][arm.name] for s in seeds]
        pred = predicted(arm, law, n_params, batch_tokens, shares)
        macro = interval([r["macro_loss"] for r in rows])
        entry = {
            "kind": arm.kind,
            "pretrain_fraction": arm.fraction,
            "pretrain_tokens": arm.pretrain_steps * batch_tokens,
            "seed_decay_tokens": arm.seed_decay_steps * batch_tokens,
            "special_tokens": {k: s * batch_tokens for k, s in arm.special_steps.items()},
            "compute_tokens": [r["compute_tokens"] for r in rows],
            "macro_loss": macro,
            "weighted_loss": interval([r["weighted_loss"] for r in rows]),
            "routed_loss": (
                interval([r["routed_loss"] for r in rows])
                if all(r["routed_loss"] is not None for r in rows)
                else None
            ),
            "domain_loss": {k: interval([r["domain_loss"][k] for r in rows]) for k in shares},
            "mixture_loss_of_specialists": {
                k: interval([r["mixture_loss"][k] for r in rows]) for k in rows[0]["mixture_loss"]
            },
            "predicted": pred,
            "relative_error": (pred["macro_loss"] - macro["mean"]) / macro["mean"],
        }
        out[arm.name] = entry
    return {
        "arms": out,
        "best": best_fraction(arms, per_seed),
        "gains": {
            base: gains(per_seed, base)
            for base in (NO_SPLIT, "80/20")
            if base in per_seed[seeds[0]]
        },
        "domain_gains": {
            base: domain_gains(per_seed, base, list(shares))
            for base in (NO_SPLIT, "80/20")
            if base in per_seed[seeds[0]]
        },
    }


def domain_gains(per_seed: dict, base: str, domains: list[str]) -> dict[str, Any]:
    """Per domain: (base - planned) / base, paired by seed (positive: the split wins there)."""
    out = {}
    for k in domains:
        rel = [(v[base]["domain_loss"][k] - v[PLANNED]["domain_loss"][k]) / v[base]["domain_loss"][k]
               for v in per_seed.values()]  # fmt: skip
        out[k] = interval(rel)
    return out


def _paired(per_seed: dict, a: str, b: str, metric: str) -> list[float] | None:
    """Per seed: metric of arm a minus metric of arm b."""
    rows = [(v[a][metric], v[b][metric]) for v in per_seed.values()]
    if any(x is None or y is None for x, y in rows):
        return None
    return [x - y for x, y in rows]


def gains(per_seed: dict, base: str) -> dict[str, Any]:
    """Loss of `base` minus the planned split's (positive: the split wins), paired by seed,
    absolute (nats) and relative to the base's loss."""
    out = {}
    for metric in ("macro_loss", "weighted_loss", "routed_loss"):
        diff = _paired(per_seed, base, PLANNED, metric)
        if diff is None:
            out[metric] = None
            continue
        base_mean = float(np.mean([v[base][metric] for v in per_seed.values()]))
        ival = interval(diff)
        rel = {k: (None if ival[k] is None else ival[k] / base_mean) for k in ("mean", "low",
                                                                              "high")}  # fmt: skip
        out[metric] = {"nats": ival, "relative": rel}
    return out


def best_fraction(arms: list[Arm], per_seed: dict) -> dict[str, Any]:
    """The split arm with the lowest mean macro loss, and whether the planned split is
    within the noise of it (the paired interval of planned minus best reaches 0)."""
    split = [a for a in arms if a.kind in SPLIT_KINDS]
    means = {a.name: float(np.mean([v[a.name]["macro_loss"] for v in per_seed.values()]))
             for a in split}  # fmt: skip
    best = min(split, key=lambda a: means[a.name])
    planned = next(a for a in arms if a.name == PLANNED)
    diff = interval(_paired(per_seed, PLANNED, best.name, "macro_loss") or [0.0])
    within = True if best.name == PLANNED else (None if diff["low"] is None else diff["low"] <= 0)
    return {
        "arm": best.name,
        "pretrain_fraction": best.fraction,
        "macro_loss": means[best.name],
        "planned_fraction": planned.fraction,
        "planned_minus_best": diff,
        "planned_within_noise": within,
    }
