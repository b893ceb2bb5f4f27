"""The work of one (model, seed) run as trunks and branches, in optimizer steps.

A trunk trains at the stable learning rate and saves a checkpoint ("mark") at
every point something branches from; a branch decays from a mark and is then
evaluated. With a WSD schedule this is all one needs:

- the seed is one trunk on the mixture; `seed_decay` at D branches at D and
  decays for a fraction of D more (D + decay pretraining tokens in all);
- the no-split baseline with E extra tokens is the same mixture trunk carried
  on: it branches at D + E - decay and decays inside E (D + E tokens in all);
- each specialist is a trunk that starts at the seed's mark D on its domain's
  stream and branches at D' - decay (D' tokens in all, decay included).

Several D (and D') therefore share one trunk: that is how a sweep reuses one
seed run per (model, seed).
"""

from __future__ import annotations

from dataclasses import dataclass

from splitlib.errors import UserError
from splitlib.train.schedule import decay_steps_for

MIXTURE = "mixture"


@dataclass(frozen=True)
class Trunk:
    """A stable-rate run on one stream from `start_step` to `end_step` (absolute steps),
    starting from `parent`'s mark at start_step (or from initialization), saving `marks`."""

    name: str
    stream: str
    parent: str | None
    start_step: int
    end_step: int
    marks: tuple[int, ...]


@dataclass(frozen=True)
class Branch:
    """A decay of `decay_steps` from `trunk`'s mark at step `mark`: one model to evaluate.

    kind: seed_decay, spec or no_split; specialist: the domain of a spec. Token
    fields are what the run records say (D, D', decay), already rounded to steps.
    group: (index of D, index of D') so a routed evaluation can gather specialists.
    extra_tokens: of a no-split baseline, the tokens it trains beyond the seed's D.
    """

    name: str
    kind: str
    trunk: str
    mark: int
    decay_steps: int
    specialist: str | None
    pretrain_tokens: int
    special_tokens: int
    decay_tokens: int
    group: tuple[int, int]
    extra_tokens: int = 0


@dataclass(frozen=True)
class Routed:
    """Routed evaluation of one specialist per domain (branch names by domain)."""

    name: str
    branches: tuple[tuple[str, str], ...]
    pretrain_tokens: int


@dataclass(frozen=True)
class Plan:
    batch_tokens: int
    warmup_steps: int
    trunks: tuple[Trunk, ...]
    branches: tuple[Branch, ...]
    routed: tuple[Routed, ...]

    def trunk(self, name: str) -> Trunk:
        return next(t for t in self.trunks if t.name == name)

    @property
    def total_steps(self) -> int:
        """Optimizer steps of all trunks and branches together."""
        stable = sum(t.end_step - t.start_step for t in self.trunks)
        return stable + sum(b.decay_steps for b in self.branches)


def whole_steps(tokens: int, batch_tokens: int) -> int:
    """The optimizer steps a budget of `tokens` trains: the nearest whole number, at least one."""
    return max(1, round(tokens / batch_tokens))


def make_plan(
    pretrain: list[int],
    special: dict[str, list[int]],
    no_split: list[int] | None,
    batch_tokens: int,
    decay_fraction: float,
    warmup_tokens: int | None = None,
) -> Plan:
    """Trunks and branches for every D in `pretrain`, every D'_k in `special[k]` (lists of
    equal length across domains) and every no-split extra E (default: sum of D'_k at each
    index); all counts in tokens, rounded to whole steps of `batch_tokens`."""
    counts = {len(v) for v in special.values()}
    if not pretrain or len(counts) != 1 or 0 in counts:
        raise UserError("give at least one D and the same number of D' values for every domain")
    if min(pretrain) <= 0 or min(min(v) for v in special.values()) <= 0:
        raise UserError("token budgets D and D' must be positive")

    def steps(tokens: int) -> int:
        return whole_steps(tokens, batch_tokens)

    def decay(n: int) -> int:
        return decay_steps_for(n, decay_fraction)

    n_sets = counts.pop()
    d_steps = sorted({steps(d) for d in pretrain})
    s_steps = {k: [steps(x) for x in v] for k, v in special.items()}
    e_steps = [sum(s[j] for s in s_steps.values()) for j in range(n_sets)]
    if no_split is not None:
        e_steps = [steps(e) for e in no_split if e > 0]

    seed_marks = set(d_steps)
    branches: list[Branch] = []
    trunks: list[Trunk] = []
    routed: list[Routed] = []
    b = batch_tokens
    for i, d in enumerate(d_steps):
        dd = decay(d)
        branches.append(
            Branch(f"seed-D{d * b}", "seed_decay", trunk="seed", mark=d, decay_steps=dd,
                   specialist=None, pretrain_tokens=(d + dd) * b, special_tokens=0,
                   decay_tokens=dd * b, group=(i, -1))
        )  # fmt: skip
        for j, e in enumerate(e_steps):
            de = decay(e)
            seed_marks.add(d + e - de)
            branches.append(
                Branch(f"nosplit-D{d * b}-E{e * b}", "no_split", trunk="seed", mark=d + e - de,
                       decay_steps=de, specialist=None, pretrain_tokens=(d + e) * b,
                       special_tokens=0, decay_tokens=de * b, group=(i, j), extra_tokens=e * b)
            )  # fmt: skip
        for k, values in s_steps.items():
            trunk = f"spec-{k}-D{d * b}"
            marks = sorted({d + s - decay(s) for s in values})
            trunks.append(Trunk(trunk, k, "seed", d, max(marks), tuple(marks)))
            for j, s in enumerate(values):
                ds = decay(s)
                branches.append(
                    Branch(f"{trunk}-S{s * b}", "spec", trunk=trunk, mark=d + s - ds,
                           decay_steps=ds, specialist=k, pretrain_tokens=d * b,
                           special_tokens=s * b, decay_tokens=ds * b, group=(i, j))
                )  # fmt: skip
        for j in range(n_sets):
            specs = [x for x in branches if x.kind == "spec" and x.group == (i, j)]
            sizes = {x.special_tokens for x in specs}
            label = f"S{sizes.pop()}" if len(sizes) == 1 else f"set{j}"
            pairs = tuple((x.specialist, x.name) for x in specs)
            routed.append(Routed(f"routed-D{d * b}-{label}", pairs, d * b))
    seed_end = max(seed_marks)
    # from D alone, so the size of the baseline never changes the seed
    warmup = steps(warmup_tokens) if warmup_tokens else max(1, round(0.02 * max(d_steps)))
    seed = Trunk("seed", MIXTURE, None, 0, seed_end, tuple(sorted(seed_marks)))
    return Plan(batch_tokens, warmup, (seed, *trunks), tuple(branches), tuple(routed))
