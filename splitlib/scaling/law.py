"""A fitted law in natural units, and law.json on disk.

`params` maps each parameter name to a float (shared by all domains) or to
{domain: float} (fitted per domain). A, B are the coefficients of
E + A/N^alpha + B/D^beta with N in non-embedding parameters and D in tokens.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from splitlib.errors import UserError
from splitlib.scaling.forms import Reference, get_form
from splitlib.scaling.runs import MIXTURE, canonical_domain

LAW_SCHEMA = 1
_UNIT = Reference(1.0, 1.0)  # natural A, B: prediction needs no reference sizes
_LOG_PARAMS = ("A", "B", "S", "eta")  # averaged geometrically across domains


@dataclass(frozen=True)
class Law:
    """A law form with its fitted parameters; predicts loss in nats."""

    form: str
    params: dict[str, float | dict[str, float]]
    notes: list[str] = field(default_factory=list, compare=False)

    @property
    def fitted_domains(self) -> tuple[str, ...]:
        doms: set[str] = set()
        for value in self.params.values():
            if isinstance(value, dict):
                doms |= set(value)
        return tuple(sorted(doms))

    def value(self, name: str, domain: str) -> tuple[float, bool]:
        """The parameter's value for `domain`, and whether it had to be averaged because
        the law has no value fitted for that domain (the mean over the fitted specialist
        domains, geometric for scales; the mixture counts only when it is alone)."""
        value = self.params[name]
        if not isinstance(value, dict):
            return float(value), False
        if domain in value:
            return float(value[domain]), False
        pool = [v for d, v in value.items() if d != MIXTURE] or list(value.values())
        if name in _LOG_PARAMS:
            return float(np.exp(np.mean(np.log(pool)))), True
        return float(np.mean(pool)), True

    def domain_params(self, domain: str) -> tuple[dict[str, float], list[str]]:
        """All parameters for one domain, and the names that were averaged for it."""
        out, averaged = {}, []
        for name in self.params:
            out[name], avg = self.value(name, domain)
            if avg:
                averaged.append(name)
        return out, averaged

    def predict(
        self,
        n_params: np.ndarray | float,
        pretrain_tokens: np.ndarray | float,
        special_tokens: np.ndarray | float,
        domain: np.ndarray | str,
    ) -> np.ndarray:
        """Predicted loss (nats), vectorized; arguments broadcast against each other."""
        n, d, dp = np.broadcast_arrays(
            *(np.asarray(x, dtype=float) for x in (n_params, pretrain_tokens, special_tokens))
        )
        doms = np.broadcast_to(np.asarray(domain, dtype=str), n.shape)
        p = {name: np.empty(n.shape) for name in self.params}
        for dom in np.unique(doms):
            mask = doms == dom
            values, _ = self.domain_params(str(dom))
            for name, v in values.items():
                p[name][mask] = v
        return get_form(self.form).predict(p, n, d, dp, _UNIT)


def law_from_document(doc: dict[str, Any]) -> Law:
    """The Law of a law.json document; UserError if it is not one."""
    if not isinstance(doc, dict) or "form" not in doc or "params" not in doc:
        raise UserError(
            "not a law.json: it lacks 'form' or 'params'. Make one with `splitlib fit`."
        )
    form = get_form(doc["form"])
    missing = sorted(set(form.names) - set(doc["params"]))
    if missing:
        raise UserError(f"law.json for form {form.name!r} lacks parameters {missing}.")
    params = {
        name: (
            {canonical_domain(d): float(v) for d, v in value.items()}
            if isinstance(value, dict)
            else float(value)
        )
        for name, value in doc["params"].items()
        if name in form.names
    }
    return Law(form.name, params, list(doc.get("diagnostics", {}).get("warnings", [])))


def read_law_document(law: dict[str, Any] | str) -> dict[str, Any]:
    """A law.json document, given the document or its path/URL."""
    if isinstance(law, dict):
        return law
    if "://" in law and not law.startswith("file://"):
        from splitlib import storage

        try:
            raw = storage.read_bytes(law)
        except FileNotFoundError:
            raise UserError(f"law {law!r} not found: make one with `splitlib fit`.") from None
    else:
        path = Path(law.removeprefix("file://"))
        if not path.is_file():
            raise UserError(f"law {law!r} not found: make one with `splitlib fit`.")
        raw = path.read_bytes()
    try:
        return json.loads(raw)
    except json.JSONDecodeError as err:
        raise UserError(f"{law} is not valid JSON ({err.msg}): give a law.json.") from None
