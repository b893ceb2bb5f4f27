"""Run records: the (N, D, D', domain, loss) measurements a scaling law is fitted on.

The format is shared with training: JSONL, one run per line (or CSV with the same
columns), with

- `n_params`: non-embedding parameters of the model,
- `pretrain_tokens`: tokens D the seed was pretrained on the mixture (tokens, not steps),
- `special_tokens`: tokens D' of continued pretraining on one domain (0: never specialized),
- `domain`: the domain whose validation loss `loss` is; null (or "mixture"/"mix") for
  the mixture's validation set,
- `loss`: mean validation cross-entropy in nats,

plus free-form metadata (`kind`, `seed`, `replay`, ...), kept but not interpreted
except for `kind` and `seed` below.

Which runs the fit uses by default: when records carry `kind`, only `seed_decay`
(a seed decayed on the mixture, D' = 0) and `spec` (a specialist) runs. Undecayed
`seed_stable` checkpoints sit above the loss a decayed run reaches at the same D, so
mixing them in would bend the D-curve. Mixture losses of specialists (forgetting,
D' > 0 with no domain) are dropped too: no form models forgetting.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from splitlib.errors import UserError

MIXTURE = "mixture"
# Names the mixture's own validation set goes by in run records.
MIXTURE_ALIASES = frozenset({"", "mixture", "mix"})
DEFAULT_KINDS: tuple[str, ...] = ("seed_decay", "spec")
REQUIRED = ("n_params", "pretrain_tokens", "special_tokens", "domain", "loss")


@dataclass(frozen=True)
class Runs:
    """Runs as aligned arrays, sorted by (domain, N, D, D', seed, loss) so the fit
    does not depend on the order of the input file.

    Token counts are tokens; `n_params` is non-embedding parameters; `loss` is nats.
    """

    n_params: np.ndarray
    pretrain_tokens: np.ndarray
    special_tokens: np.ndarray
    domain: np.ndarray  # str; MIXTURE for the mixture
    loss: np.ndarray
    seed: np.ndarray  # str, "" where the record has none

    def __post_init__(self) -> None:
        order = np.lexsort(
            (
                self.loss,
                self.seed,
                self.special_tokens,
                self.pretrain_tokens,
                self.n_params,
                self.domain,
            )
        )
        for name in ("n_params", "pretrain_tokens", "special_tokens", "domain", "loss", "seed"):
            object.__setattr__(self, name, np.asarray(getattr(self, name))[order])

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def domains(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.domain.tolist())))

    @property
    def sizes(self) -> np.ndarray:
        """Distinct model sizes N, ascending."""
        return np.unique(self.n_params)

    def subset(self, mask: np.ndarray) -> Runs:
        return Runs(
            self.n_params[mask],
            self.pretrain_tokens[mask],
            self.special_tokens[mask],
            self.domain[mask],
            self.loss[mask],
            self.seed[mask],
        )

    def take(self, index: np.ndarray) -> Runs:
        """Runs at `index` (repeats allowed, as in a bootstrap resample)."""
        return self.subset(np.asarray(index))


@dataclass(frozen=True)
class Selection:
    """Which records the fit used, and why the others were left out."""

    n_records: int
    n_used: int
    dropped: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"records": self.n_records, "used": self.n_used, "dropped": dict(self.dropped)}


NUMERIC = ("n_params", "pretrain_tokens", "special_tokens", "loss")
# far beyond any model trained (about 1e12 parameters, 1e14 tokens) and any loss in nats per
# token (log of a vocabulary is about 12): a value past them is a typo or another unit, and
# one such record would move the whole fit (measured: a 1e300 N changed the chosen form)
MAX_PARAMS, MAX_TOKENS, MAX_LOSS = 1e14, 1e16, 100.0


def canonical_domain(value: Any) -> str:
    """The domain name of a record; MIXTURE for null, "", "mixture" or "mix"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MIXTURE
    name = str(value).strip()
    return MIXTURE if name.lower() in MIXTURE_ALIASES else name


def read_run_records(path: str) -> list[dict[str, Any]]:
    """Read run records from JSONL (optionally .gz) or CSV, local or any storage URL."""
    raw = _read(path)
    if path.endswith(".gz"):
        raw = gzip.decompress(raw)
    text = raw.decode("utf-8")
    stem = path[:-3] if path.endswith(".gz") else path
    if stem.endswith(".csv"):
        return [dict(row) for row in csv.DictReader(io.StringIO(text))]
    records = []
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(
                f"{path}:{lineno} is not valid JSON ({err.msg}): run records are JSONL, "
                "one JSON object per line (or a .csv with the same columns)."
            ) from None
        if not isinstance(record, dict):
            raise UserError(f"{path}:{lineno} is not a JSON object: one run per line.")
        records.append(record)
    if not records:
        raise UserError(f"{path} holds no run records.")
    return records


def _read(path: str) -> bytes:
    if "://" in path and not path.startswith("file://"):
        from splitlib import storage  # fsspec only when the runs are remote

        try:
            return storage.read_bytes(path)
        except FileNotFoundError:
            raise UserError(f"run records {path!r} not found.") from None
    local = Path(path.removeprefix("file://"))
    if not local.is_file():
        raise UserError(f"run records {path!r} not found: give a JSONL or CSV file of runs.")
    return local.read_bytes()


def runs_from_records(
    records: list[dict[str, Any]],
    kinds: tuple[str, ...] | None = DEFAULT_KINDS,
    include_forgetting: bool = False,
    source: str = "run records",
) -> tuple[Runs, Selection]:
    """Validate records and keep the runs the fit uses.

    kinds: `kind` values kept when records carry one (None keeps every kind).
    include_forgetting: keep mixture losses of specialists (D' > 0, no domain).
    Raises UserError on the first bad record, with how many are bad.
    """
    problems: list[str] = []
    dropped: Counter[str] = Counter()
    rows: list[tuple[float, float, float, str, float, str]] = []
    for i, record in enumerate(records, 1):
        missing = [name for name in REQUIRED if name not in record]
        if missing:
            problems.append(f"record {i} lacks {', '.join(missing)}")
            continue
        kind = record.get("kind")
        if kinds is not None and kind not in (None, "") and kind not in kinds:
            dropped[f"kind={kind}"] += 1
            continue
        try:
            if any(isinstance(record[name], bool) for name in NUMERIC):  # float(True) is 1.0
                raise TypeError
            values = [float(record[name]) for name in ("n_params", "pretrain_tokens", "loss")]
            special = float(record["special_tokens"] or 0)
        except (TypeError, ValueError):
            problems.append(f"record {i} has a non-numeric n_params, tokens or loss")
            continue
        n, d, loss = values
        bad = [
            name
            for name, value, ok in (
                ("n_params", n, 0 < n <= MAX_PARAMS),
                ("pretrain_tokens", d, 0 < d <= MAX_TOKENS),
                ("special_tokens", special, 0 <= special <= MAX_TOKENS),
                ("loss", loss, 0 < loss <= MAX_LOSS),
            )
            if not (math.isfinite(value) and ok)
        ]
        if bad:
            problems.append(
                f"record {i} has {', '.join(f'{b}={record[b]!r}' for b in bad)} "
                f"(N, D and loss must be > 0, D' >= 0; at most {MAX_PARAMS:.0e} parameters, "
                f"{MAX_TOKENS:.0e} tokens and a loss of {MAX_LOSS:g} nats per token)"
            )
            continue
        domain = canonical_domain(record["domain"])
        if domain == MIXTURE and special > 0 and not include_forgetting:
            dropped["mixture loss of a specialist (forgetting)"] += 1
            continue
        seed = record.get("seed")
        rows.append((n, d, special, domain, loss, "" if seed is None else str(seed)))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise UserError(f"bad run record in {source}: {problems[0]}{more}. Fix or remove it.")
    if not rows:
        found = sorted({str(r.get("kind")) for r in records})
        raise UserError(
            f"no usable runs in {source}: kinds present {found}, kinds used {list(kinds or [])}. "
            "Pass --kinds to choose which kinds of runs to fit."
        )
    cols = list(zip(*rows, strict=True))
    runs = Runs(
        np.array(cols[0], dtype=float),
        np.array(cols[1], dtype=float),
        np.array(cols[2], dtype=float),
        np.array(cols[3], dtype=str),
        np.array(cols[4], dtype=float),
        np.array(cols[5], dtype=str),
    )
    return runs, Selection(len(records), len(runs), dict(sorted(dropped.items())))


def load_runs(
    path: str, kinds: tuple[str, ...] | None = DEFAULT_KINDS, include_forgetting: bool = False
) -> tuple[Runs, Selection]:
    """Read and select runs from a JSONL/CSV file (see `runs_from_records`)."""
    return runs_from_records(read_run_records(path), kinds, include_forgetting, source=path)
