"""Routing validation documents with the split job's router (nearest domain centroid,
from the run root's `domains/`), as the specialists would be served."""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

from splitlib import storage
from splitlib.errors import UserError
from splitlib.train.data import ValidDoc
from splitlib.train.evaluate import ValidationSet, routed_nll
from splitlib.train.phases import Plan, Routed
from splitlib.train.records import run_record


def document_routes(run_root: str, docs: list[ValidDoc], mode: str, out: str) -> list[str]:
    """The domain the router picks for each document (cached in <out>/evals/routes.json),
    or [] when mode is 'auto' and no router can be loaded."""
    cache = storage.join(out, "evals", "routes.json")
    if storage.exists(cache):
        return json.loads(storage.read_bytes(cache))["routes"]
    try:
        from splitlib.routing import Router

        router = Router.load(run_root)
    except Exception as err:  # no routing module yet, or no domains/ in this split
        if mode == "on":
            raise UserError(
                f"routed evaluation asked for (--routed on) but the router of {run_root!r} "
                f"cannot be loaded ({type(err).__name__}: {err})."
            ) from None
        print(
            f"routed evaluation skipped: no router ({type(err).__name__}: {err})", file=sys.stderr
        )
        return []
    routes = [str(r) for r in router.route([d.text for d in docs])]
    storage.write_bytes(
        cache, json.dumps({"routes": routes, "doc_id": [d.id for d in docs]}).encode()
    )
    return routes


def routed_records(
    common: dict[str, Any],
    routed: Routed,
    plan: Plan,
    valid: ValidationSet,
    routes: list[str],
    nll: dict[str, np.ndarray],
    wall: dict[str, float],
    fallback: str,
) -> list[dict[str, Any]]:
    """Records of routed serving: per domain (its documents, each scored by the specialist
    the router picked; documents routed to a domain without one by `fallback`, the seed)
    and for the mixture. special_tokens is D'_k of the domain (their mean for the mixture)."""
    specs = dict(routed.branches)
    served = routed_nll(routes, {k: nll[v] for k, v in specs.items()}, nll[fallback])
    losses = valid.losses(served)
    special = {b.specialist: b.special_tokens for b in plan.branches if b.name in specs.values()}
    mean_special = round(float(np.mean(list(special.values()))))
    accuracy = float(np.mean([r == d.domain for r, d in zip(routes, valid.docs, strict=True)]))
    wall_s = max(wall[v] for v in specs.values())
    return [
        run_record(common, "routed", d, losses[d], routed.pretrain_tokens,
                   special.get(d, mean_special), 0, wall_s, routing_accuracy=round(accuracy, 4))
        for d in losses
    ]  # fmt: skip
