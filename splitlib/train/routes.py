"""Routing validation documents with the split job's router (nearest domain centroid,
from the run root's `domains/`), as the specialists would be served."""

from __future__ import annotations

import json
import sys

from splitlib import storage
from splitlib.errors import UserError
from splitlib.train.data import ValidDoc


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
        print(f"routed evaluation skipped: no router ({type(err).__name__}: {err})", file=sys.stderr)
        return []
    routes = [str(r) for r in router.route([d.text for d in docs])]
    storage.write_bytes(cache, json.dumps({"routes": routes, "doc_id": [d.id for d in docs]}).encode())
    return routes
