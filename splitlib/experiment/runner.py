"""The experiment end to end, every stage resumable: sweep -> laws -> target -> plan ->
arms per seed -> results.json, figure, page. Each stage's output lives under --out and a
rerun of the same command skips what is already there."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from splitlib import manifest as manifest_lib
from splitlib import ownership, storage
from splitlib.errors import UserError
from splitlib.experiment import analysis, law, report
from splitlib.experiment.arms import Arm, make_arms, training_plan
from splitlib.experiment.presets import ExperimentPreset
from splitlib.scaling.allocate import DomainBudget
from splitlib.scaling.law import law_from_document
from splitlib.scaling.runs import canonical_domain
from splitlib.train.config import DataArgs, EvalArgs, ModelArgs, OptimArgs, RunArgs, TrainConfig
from splitlib.train.devices import start_runtime, stop_runtime
from splitlib.train.pipeline import Pipeline
from splitlib.train.resolve import Budget, resolve
from splitlib.train.routes import document_routes
from splitlib.train.sweep import main as sweep_main


@dataclass(frozen=True)
class Experiment:
    """One experiment: the split, the output folder, the preset (grid and seeds fixed in
    it) and where to train (which does not change results beyond rounding)."""

    manifest: str
    out: str
    preset_name: str
    preset: ExperimentPreset
    device: str = "auto"
    precision: str = "auto"
    threads: int | None = None
    decay_fraction: float = 0.2
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def batch_tokens(self) -> int:
        return self.preset.seq_len * self.preset.batch_seqs

    def url(self, *parts: str) -> str:
        return storage.join(self.out, *parts)


def _log(message: str) -> None:
    print(f"experiment: {message}", file=sys.stderr, flush=True)


def check_settings(exp: Experiment) -> None:
    """Write experiment.json, or refuse to resume an --out made with other settings."""
    manifest_lib.read_manifest(exp.manifest)  # one clear line if there is no split there
    ownership.check_outside_run(exp.out, manifest_lib.run_root_of(exp.manifest), "experiment")
    ownership.claim_folder(
        exp.out,
        "experiment",
        legacy=lambda out: storage.exists(storage.join(out, "experiment.json")),
    )
    raw = storage.read_bytes(manifest_lib.manifest_url(manifest_lib.run_root_of(exp.manifest)))
    current = {
        "manifest": exp.manifest,
        "manifest_sha256": hashlib.sha256(raw).hexdigest(),
        "preset": exp.preset_name,
        "settings": exp.preset.to_dict(),
        "decay_fraction": exp.decay_fraction,
    }
    current = json.loads(json.dumps(current))  # compare as stored: tuples become lists
    url = exp.url("experiment.json")
    if storage.exists(url):
        stored = json.loads(storage.read_bytes(url))
        changed = [k for k in current if k != "manifest" and stored.get(k) != current[k]]
        if changed:
            raise UserError(
                f"{exp.out!r} holds an experiment with other {', '.join(changed)}: rerun with "
                "the same settings to resume it, or choose another --out."
            )
        return
    if storage.exists(exp.url("results.json")):
        raise UserError(f"{exp.out!r} holds results splitlib did not record: choose another --out.")
    storage.write_bytes(url, json.dumps(current, indent=2).encode() + b"\n")


def run_sweep(exp: Experiment) -> int:
    p = exp.preset
    argv = [
        "--manifest", exp.manifest, "--out", exp.url("sweep"), "--resume",
        "--sizes", ",".join(p.sweep_sizes),
        "--seeds", ",".join(map(str, p.sweep_seeds)),
        "--tokens-per-param", ",".join(f"{x:g}" for x in p.sweep_tokens_per_param),
        "--special-tokens", ",".join(map(str, p.sweep_special_tokens)),
        "--seq-len", str(p.seq_len), "--batch-seqs", str(p.batch_seqs),
        "--eval-tokens", str(p.eval_tokens), "--routed", "off",
        "--decay-fraction", str(exp.decay_fraction),
        "--device", exp.device, "--precision", exp.precision, "--log-every", "1000000",
    ]  # fmt: skip
    if exp.threads:
        argv += ["--threads", str(exp.threads)]
    return sweep_main(argv)


def train_seed(exp: Experiment, arms: list[Arm], names: list[str], seed: int) -> str:
    """All arms of one seed in one run folder (one mixture trunk); returns the folder."""
    p = exp.preset
    out = exp.url("arms", f"seed{seed}")
    config = TrainConfig(
        data=DataArgs(manifest=exp.manifest, seq_len=p.seq_len),
        model=ModelArgs(model=p.target_model),
        optim=OptimArgs(batch_seqs=p.batch_seqs, decay_fraction=exp.decay_fraction),
        eval=EvalArgs(eval_tokens=p.eval_tokens, routed="off"),
        run=RunArgs(out=out, resume=True, seed=seed, device=exp.device,
                    precision=exp.precision, threads=exp.threads, log_every=1_000_000),
    )  # fmt: skip
    runtime = start_runtime(exp.device, exp.precision, exp.threads)
    try:
        one = exp.batch_tokens  # a placeholder budget: the arms' plan replaces it
        setup = resolve(config, runtime.world_size, Budget([one], {k: [one] for k in names}))
        setup.plan = training_plan(arms, exp.batch_tokens, exp.decay_fraction)
        pipeline = Pipeline(setup, runtime)
        pipeline.run()
        if runtime.is_main:  # the router's choice per validation document, for routed loss
            document_routes(setup.run_root, pipeline.valid.docs, "auto", out)
    finally:
        stop_runtime(runtime)
    return out


def domain_shares(manifest: dict) -> dict[str, float]:
    """Each domain's share of the validation tokens (the weights of the mixture's loss)."""
    sizes = {d["name"]: float(d.get("valid_tokens") or 0.0) for d in manifest["domains"]}
    total = sum(sizes.values())
    if total <= 0:
        return {k: 1.0 / len(sizes) for k in sizes}
    return {k: v / total for k, v in sizes.items()}


def repeats(arm: Arm, batch_tokens: int, manifest: dict) -> dict[str, float]:
    """Passes over the unique training tokens: per domain (its specialist) and the mixture."""
    out = {"mixture": arm.pretrain_steps * batch_tokens / float(manifest["counts"]["train_tokens"])}
    for d in manifest["domains"]:
        steps = arm.special_steps.get(d["name"], 0)
        out[d["name"]] = steps * batch_tokens / float(d["train_tokens"])
    return out


def run(exp: Experiment) -> int:
    check_settings(exp)
    manifest = manifest_lib.read_manifest(exp.manifest)
    names = manifest_lib.domain_names(manifest)
    p = exp.preset
    _log(f"sweep -> {exp.url('sweep')}")
    code = run_sweep(exp)
    if code:
        return code
    runs_url = exp.url("sweep", "runs.jsonl")
    _log("fitting the law: auto and every form")
    fits = law.fit_forms(runs_url, exp.url("laws"), p.bootstrap)
    target = law.held_out_target(law.sweep_records(runs_url), p.target_model,
                                 p.compute_multiple, p.target_tokens_per_param,
                                 exp.batch_tokens)  # fmt: skip
    law_url = exp.url("laws", "law-auto.json")
    plan = law.plan_target(law_url, target, exp.manifest)
    storage.write_bytes(exp.url("plan.json"), json.dumps(plan, indent=2).encode() + b"\n")
    plans_by_form = {}
    for form, fit in fits.items():
        if "law" in fit:
            other = law.plan_target(fit["law"], target, exp.manifest)
            plans_by_form[form] = {k: other[k] for k in ("form", "pretrain_fraction",
                                                         "predicted_mean_loss", "notes")}  # fmt: skip
    law_doc = json.loads(storage.read_bytes(law_url))
    fitted = law_from_document(law_doc)
    limits = plan["data_limits"]["special_max_tokens"]
    budgets = [
        DomainBudget(canonical_domain(k), plan["weights"][canonical_domain(k)],
                     float("inf") if limits[canonical_domain(k)] is None
                     else limits[canonical_domain(k)])
        for k in names
    ]  # fmt: skip
    arms = make_arms(plan, fitted, target["n_params"], budgets, names,
                     target["total_steps"], list(p.fractions), exp.decay_fraction)  # fmt: skip
    _log(
        f"target {target['model']} at T = {target['total_tokens']:,} tokens "
        f"({target['held_out_because']}); planned f = {plan['pretrain_fraction']:.3f}; "
        f"{len(arms)} arms x {len(p.seeds)} seeds"
    )
    shares = domain_shares(manifest)
    context = {
        "splitlib_experiment": 1,
        "manifest": exp.manifest,
        "preset": exp.preset_name,
        "settings": p.to_dict(),
        "device": exp.device,
        "batch_tokens": exp.batch_tokens,
        "decay_fraction": exp.decay_fraction,
        "target": target,
        "fits": fits,
        "plan": {k: plan[k] for k in ("form", "pretrain_fraction", "pretrain_tokens",
                                      "special_tokens", "predicted_mean_loss", "notes",
                                      "curve", "baselines", "identified")},
        "plans_by_form": plans_by_form,
        "arms_definition": [asdict(a) for a in arms],
        "repeats": {a.name: repeats(a, exp.batch_tokens, manifest) for a in arms},
        "domain_shares": shares,
        "js_to_mixture": {d["name"]: d.get("js_to_mixture") for d in manifest["domains"]},
    }  # fmt: skip
    per_seed: dict[int, dict[str, dict]] = {}
    for seed in p.seeds:
        _log(f"arms, seed {seed} -> {exp.url('arms', f'seed{seed}')}")
        folder = train_seed(exp, arms, names, seed)
        evals = analysis.SeedEvals(folder, shares)
        per_seed[seed] = {a.name: evals.measure(a, exp.batch_tokens) for a in arms}
        # after every seed, so a run stopped early still reports what it finished
        summary = analysis.summarize(arms, per_seed, fitted, target["n_params"],
                                     exp.batch_tokens, shares)  # fmt: skip
        results = {
            "complete": len(per_seed) == len(p.seeds),
            "seeds_done": sorted(per_seed),
            **context,
            "per_seed": {str(s): v for s, v in per_seed.items()},
            **summary,
        }
        report.write(exp.out, results)
    _log(f"wrote {exp.url('results.json')}, {exp.url('figure.png')}, {exp.url('results.md')}")
    print(report.headline(results))
    return 0
