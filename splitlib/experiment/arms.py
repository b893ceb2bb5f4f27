"""The arms of the experiment, all at the same compute T = D + sum_k D'_k (in whole steps),
and the one training plan per seed that trains them all.

- planned: D and D'_k from `splitlib plan` for the target;
- grid f: D = f*T, and the specialists' T - D shared out as the law would (the
  same water-filling the plan uses), so the grid varies only f;
- 80/20: D = 0.8*T and every specialist the same share (the habit);
- no_split: ONE model trained for all T tokens on the mixture, with its own
  warmup, stable phase and decay at the end, identical whatever f an arm has.

Every split arm branches its specialists off the seed's stable phase at D and
each specialist decays for the same fraction of its own D'_k, so the arms differ
only in where the tokens go. All of them hang off one mixture trunk per seed:
the seed trains once to the largest D (and the no-split model's decay point),
which is what makes a grid of fractions affordable.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from splitlib.errors import UserError
from splitlib.scaling.allocate import HABIT_FRACTION, DomainBudget
from splitlib.scaling.allocate import _Problem as LawProblem  # the plan's own water-filling
from splitlib.scaling.law import Law
from splitlib.scaling.runs import canonical_domain
from splitlib.train.phases import MIXTURE, Branch, Plan, Trunk
from splitlib.train.schedule import decay_steps_for

NO_SPLIT, PLANNED, HABIT = "no_split", "planned", "80/20"


@dataclass(frozen=True)
class Arm:
    """One way to spend the budget, in optimizer steps.

    pretrain_steps: D, where the specialists branch off the stable seed (T for no-split);
    special_steps: D'_k of the domains that get a specialist; seed_decay_steps: when some
    domain gets none (the plan can give a domain zero tokens), the seed decays this long
    after D and serves those domains, as `splitlib train` serves them, inside the budget.
    """

    name: str
    kind: str  # planned | grid | habit | no_split
    pretrain_steps: int
    special_steps: dict[str, int] = field(default_factory=dict)
    seed_decay_steps: int = 0

    @property
    def total_steps(self) -> int:
        return self.pretrain_steps + self.seed_decay_steps + sum(self.special_steps.values())

    @property
    def fraction(self) -> float:
        """f: the share of T spent on the mixture (D, plus the seed's decay if it serves)."""
        return (self.pretrain_steps + self.seed_decay_steps) / self.total_steps


def grid_name(f: float) -> str:
    return f"f={f:g}"


MIN_SPECIALIST_STEPS = 2  # one stable step and one decay step


def whole_steps(
    fraction: float, shares: dict[str, float], total_steps: int, decay_fraction: float
) -> tuple[int, dict[str, int], int]:
    """(D, D'_k, seed decay) in whole steps summing exactly to `total_steps`.

    The mixture gets round(f*T) steps, the rest goes to the specialists by largest
    remainder in proportion to `shares`. A domain whose share is under two steps gets no
    specialist; then the seed's round(f*T) steps are D plus a decay of about
    `decay_fraction` of D, and the decayed seed serves that domain."""
    k = len(shares)
    if total_steps < MIN_SPECIALIST_STEPS * k + 2:
        raise UserError(
            f"the target budget is {total_steps} optimizer steps, too few for a seed and {k} "
            "specialists: raise the compute or lower --batch-seqs."
        )
    mixture = min(max(2, round(fraction * total_steps)), total_steps - MIN_SPECIALIST_STEPS)
    rest = total_steps - mixture
    names = list(shares)
    w = np.array([max(0.0, shares[n]) for n in names], dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(k, 1.0 / k)
    keep = w * rest >= MIN_SPECIALIST_STEPS
    if not keep.any():  # too little for anyone: the largest share takes it all
        keep[int(np.argmax(w))] = True
    while (keep.sum() * MIN_SPECIALIST_STEPS) > rest:  # too many specialists to afford
        keep[int(np.argmin(np.where(keep, w, np.inf)))] = False
    w = np.where(keep, w, 0.0)
    raw = w / w.sum() * rest
    steps = np.where(keep, np.maximum(MIN_SPECIALIST_STEPS, np.floor(raw)), 0).astype(int)
    while steps.sum() > rest:  # the minimum overshot: take from the largest surplus
        steps[int(np.argmax(np.where(steps > MIN_SPECIALIST_STEPS, steps - raw, -np.inf)))] -= 1
    while steps.sum() < rest:
        steps[int(np.argmax(np.where(keep, raw - steps, -np.inf)))] += 1
    special = {n: int(x) for n, x in zip(names, steps, strict=True) if x > 0}
    if len(special) == k:
        return mixture, special, 0
    d = max(1, round(mixture / (1.0 + decay_fraction)))
    return d, special, mixture - d


def make_arms(
    plan: dict,
    law: Law,
    n_params: float,
    domains: list[DomainBudget],
    names: list[str],
    total_steps: int,
    fractions: list[float],
    decay_fraction: float,
) -> list[Arm]:
    """The arms for a target of `total_steps` steps. `plan` is `splitlib plan`'s output for
    T = total_steps x batch tokens; `domains` the budgets it was planned with (canonical
    names, in the order of `names`, the manifest's domain names)."""
    total = float(plan["total_tokens"])
    canon = [canonical_domain(n) for n in names]
    problem = LawProblem(law, n_params, domains)
    arms = [Arm(NO_SPLIT, "no_split", total_steps)]
    planned = {
        n: float(plan["special_tokens"].get(c, 0.0)) for n, c in zip(names, canon, strict=True)
    }
    arms.append(
        Arm(
            PLANNED,
            "planned",
            *whole_steps(plan["pretrain_fraction"], planned, total_steps, decay_fraction),
        )
    )
    for f in fractions:
        x = problem.fill(np.array([f * total]), np.array([(1.0 - f) * total]))[0]
        shares = dict(zip(names, map(float, x), strict=True))
        arms.append(Arm(grid_name(f), "grid", *whole_steps(f, shares, total_steps, decay_fraction)))
    equal = {n: 1.0 for n in names}
    arms.append(
        Arm(HABIT, "habit", *whole_steps(HABIT_FRACTION, equal, total_steps, decay_fraction))
    )
    return arms


def branch_name(domain: str, d: int, s: int, batch_tokens: int) -> str:
    return f"spec-{domain}-D{d * batch_tokens}-S{s * batch_tokens}"


def seed_name(d: int, decay: int, batch_tokens: int) -> str:
    return f"seed-D{d * batch_tokens}-decay{decay * batch_tokens}"


def no_split_name(total_steps: int, batch_tokens: int) -> str:
    return f"nosplit-T{total_steps * batch_tokens}"


def arm_branches(arm: Arm, domains: list[str], batch_tokens: int) -> dict[str, str]:
    """Domain -> the branch (evaluated model) serving it: its specialist, else the decayed
    seed; no_split: the one model for every domain."""
    if arm.kind == "no_split":
        return {k: no_split_name(arm.total_steps, batch_tokens) for k in domains}
    seed = seed_name(arm.pretrain_steps, arm.seed_decay_steps, batch_tokens)
    return {
        k: branch_name(k, arm.pretrain_steps, arm.special_steps[k], batch_tokens)
        if k in arm.special_steps
        else seed
        for k in domains
    }


def training_plan(
    arms: list[Arm], batch_tokens: int, decay_fraction: float, warmup_fraction: float = 0.02
) -> Plan:
    """One seed's trunks and branches for every arm; identical branches of two arms (same D
    and D'_k) are trained once. Warmup is `warmup_fraction` of T for everyone."""
    totals = {a.total_steps for a in arms}
    if len(totals) != 1:
        raise ValueError(f"arms at different budgets: {sorted(totals)} steps")
    t = totals.pop()
    b = batch_tokens
    dn = decay_steps_for(t, decay_fraction)
    branches = {
        no_split_name(t, b): Branch(no_split_name(t, b), "no_split", trunk="seed", mark=t - dn,
                                    decay_steps=dn, specialist=None, pretrain_tokens=t * b,
                                    special_tokens=0, decay_tokens=dn * b, group=(0, -1))
    }  # fmt: skip
    seed_marks = {t - dn}
    spec: dict[tuple[str, int], set[int]] = {}  # (domain, D) -> D'_k values, in steps
    for arm in arms:
        if arm.kind == "no_split":
            continue
        d, dd = arm.pretrain_steps, arm.seed_decay_steps
        seed_marks.add(d)
        for k, s in arm.special_steps.items():
            spec.setdefault((k, d), set()).add(s)
        if dd:
            branches[seed_name(d, dd, b)] = Branch(
                seed_name(d, dd, b), "seed_decay", trunk="seed", mark=d, decay_steps=dd,
                specialist=None, pretrain_tokens=(d + dd) * b, special_tokens=0,
                decay_tokens=dd * b, group=(0, -1))  # fmt: skip
    trunks = [Trunk("seed", MIXTURE, None, 0, max(seed_marks), tuple(sorted(seed_marks)))]
    for (k, d), values in sorted(spec.items()):
        name = f"spec-{k}-D{d * b}"
        marks = sorted({d + s - decay_steps_for(s, decay_fraction) for s in values})
        trunks.append(Trunk(name, k, "seed", d, max(marks), tuple(marks)))
        for s in sorted(values):
            ds = decay_steps_for(s, decay_fraction)
            branches[branch_name(k, d, s, b)] = Branch(
                branch_name(k, d, s, b), "spec", trunk=name, mark=d + s - ds, decay_steps=ds,
                specialist=k, pretrain_tokens=d * b, special_tokens=s * b,
                decay_tokens=ds * b, group=(0, 0))  # fmt: skip
    warmup = max(1, round(warmup_fraction * t))
    return Plan(b, warmup, tuple(trunks), tuple(branches.values()), ())
