"""Synthetic sweeps for the scaling-law tests: runs generated from a known law.

Imported by the tests as a plain module (tests/scaling has no __init__.py, so pytest
puts this folder on sys.path).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from splitlib.scaling.law import Law
from splitlib.scaling.runs import Runs

TINY_SWEEP = Path(__file__).resolve().parents[1] / "data" / "tiny-sweep-runs.jsonl"

# Chinchilla's published base case (Hoffmann et al. 2022) with two domains that differ in
# E and B, plus D' terms for each form.
BASE = {
    "E": {"code": 1.6, "law": 1.9},
    "A": 406.4,
    "alpha": 0.34,
    "B": {"code": 410.7, "law": 500.0},
    "beta": 0.28,
}
TRUE = {
    "chinchilla": BASE,
    "additive": {**BASE, "G": {"code": 0.8, "law": 1.2}, "S": 3e7, "gamma": 0.7},
    "effective": {**BASE, "eta": {"code": 3.0, "law": 5.0}},
    "interaction": {**BASE, "S": 3e7, "gamma": {"code": 0.4, "law": 0.6}},
}
# A grid like a real sweep: few sizes, log-spaced tokens, >= 20 tokens per parameter.
SIZES = (1e6, 4e6, 16e6, 64e6)
PRETRAIN = tuple(np.geomspace(2e7, 2e9, 5))
SPECIAL = (0.0, 5e6, 2e7, 8e7, 3.2e8)


def make_runs(
    form: str,
    params: dict | None = None,
    noise: float = 0.002,
    seed: int = 0,
    sizes=SIZES,
    pretrain=PRETRAIN,
    special=SPECIAL,
    domains=("code", "law"),
    repeats: int = 1,
) -> Runs:
    """Runs on the grid, losses from the law times lognormal noise (std `noise` in log)."""
    law = Law(form, params or TRUE[form])
    rows = list(itertools.product(sizes, pretrain, special, domains, range(repeats)))
    n, d, dp, dom, rep = (np.array(c) for c in zip(*rows, strict=True))
    clean = law.predict(n.astype(float), d.astype(float), dp.astype(float), dom.astype(str))
    rng = np.random.default_rng(seed)
    loss = clean * np.exp(noise * rng.standard_normal(len(clean)))
    return Runs(
        n.astype(float), d.astype(float), dp.astype(float), dom.astype(str), loss, rep.astype(str)
    )
