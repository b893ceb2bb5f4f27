"""Execute a plan: train the trunks and branches, evaluate every branch, write records.

Every phase starts from a checkpoint on storage (or from initialization), so an
uninterrupted run and a resumed one take exactly the same path. Layout under
--out:

    config.json                      the request, the manifest's checksum, the plan
    runs.jsonl, metrics.jsonl        run records; progress and evaluation lines
    checkpoints/<phase>/mark-<step>  branch points of a trunk (kept)
    checkpoints/<phase>/step-<step>  the latest resumable point inside a phase
    checkpoints/<branch>/final       a decayed model (weights only)
    records/, metrics/, evals/       per-phase pieces (evals: per-document losses)
"""

from __future__ import annotations

import dataclasses
import json
import time
from typing import Any

import numpy as np

from splitlib import storage
from splitlib.errors import UserError
from splitlib.train import checkpoint as ckpt
from splitlib.train.data import PackedStream, ReplayStream, split_shards
from splitlib.train.devices import Runtime
from splitlib.train.evaluate import document_nll, load_validation, routed_nll
from splitlib.train.loop import StopSignal, Trainer, TrainingInterrupted, run_steps, stop_agreed
from splitlib.train.models import build_model, count_params, describe, llama_config
from splitlib.train.phases import MIXTURE, Branch, Routed, Trunk
from splitlib.train.progress import Progress
from splitlib.train.records import gather, read_jsonl, run_record, write_jsonl
from splitlib.train.resolve import RunSetup
from splitlib.train.routes import document_routes
from splitlib.train.schedule import WSD

# run options that may change between an interrupted run and its --resume
RESUMABLE_CHANGES = {"resume", "log_every", "save_every_s", "device", "precision", "compile", "threads"}


class Pipeline:
    """One (model, seed) run of a plan."""

    def __init__(self, setup: RunSetup, runtime: Runtime) -> None:
        self.s = setup
        self.rt = runtime
        self.out = setup.config.run.out
        self.cfg = setup.config
        self.model_config = llama_config(
            setup.size, setup.vocab_size, setup.seq_len, setup.eos_id, setup.pad_id
        )
        model = build_model(self.model_config, setup.config.run.seed)
        self.n_params, self.n_params_total = count_params(model)
        self.trainer = Trainer(
            model, runtime, setup.config.optim, setup.batch_seqs, setup.micro_batch,
            setup.config.run.compile,
        )  # fmt: skip
        plan = setup.plan
        self.phases = [t.name for t in plan.trunks] + [b.name for b in plan.branches]
        self.phases += [r.name for r in plan.routed]
        self.valid = load_validation(
            setup.run_root, setup.manifest, setup.vocab_size, setup.config.eval.eval_tokens
        )
        self.progress = Progress(0, setup.batch_tokens, setup.config.run.log_every, runtime.is_main)
        self.nll: dict[str, np.ndarray] = {}
        self.wall: dict[str, float] = {}
        self.stop = StopSignal()
        self.routes: list[str] | None = None  # [] once known that no router loads

    # ---- storage helpers -------------------------------------------------------------
    def _url(self, *parts: str) -> str:
        return storage.join(self.out, *parts)

    def _checkpoints(self, phase: str) -> list[tuple[int, str]]:
        """Committed (step, url) checkpoints of a phase, mark-* and step-*, by step."""
        fs, path = storage.filesystem(self._url("checkpoints", phase))
        if not fs.exists(path):
            return []
        found = []
        for entry in fs.ls(path, detail=False):
            name = entry.rstrip("/").rsplit("/", 1)[-1]
            url = self._url("checkpoints", phase, name)
            if name.split("-")[0] in ("mark", "step") and ckpt.is_checkpoint(url):
                found.append((int(name.split("-")[1]), url))
        return sorted(found)

    def _write(self, url: str, data: bytes) -> None:
        if self.rt.is_main:
            storage.write_bytes(url, data)

    # ---- the run ---------------------------------------------------------------------
    def prepare(self) -> None:
        """Write config.json, or check it against this request on --resume."""
        url = self._url("config.json")
        stored = json.loads(storage.read_bytes(url)) if storage.exists(url) else None
        current = {
            "config": self.cfg.to_dict(),
            "manifest_sha256": self.s.manifest_sha256,
            "model": {"name": self.s.size.name, "n_params": self.n_params,
                      "n_params_total": self.n_params_total},
            "plan": dataclasses.asdict(self.s.plan),
            "processes": self.rt.world_size,
        }  # fmt: skip
        if stored and not self.cfg.run.resume:
            raise UserError(
                f"{self.out!r} already holds a training run: pass --resume to continue it, "
                "or choose another --out."
            )
        if stored:
            changed = _differences(stored, current)
            if changed:
                raise UserError(
                    f"--resume with different settings than the run in {self.out!r}: "
                    f"{', '.join(changed)}. Resume with the same arguments, or use another --out."
                )
        self.rt.barrier()  # every process has read the folder before rank 0 writes to it
        if not stored:
            self._write(url, json.dumps(current, indent=1, sort_keys=True).encode() + b"\n")
        self.rt.barrier()

    def run(self) -> list[dict[str, Any]]:
        """Train and evaluate everything in the plan; returns the run records."""
        self.prepare()
        plan = self.s.plan
        self.progress.note(describe(self.s.size.name, self.trainer.model))
        self.progress.remaining = self._remaining_steps()
        with self.stop:
            for trunk in plan.trunks:
                self._trunk(trunk)
                for branch in (b for b in plan.branches if b.trunk == trunk.name):
                    self._branch(branch)
                    self._evaluate(branch)
            for routed in plan.routed:
                self._routed(routed)
        return read_jsonl(self._url("runs.jsonl"))

    def _remaining_steps(self) -> int:
        total = 0
        for trunk in self.s.plan.trunks:
            done = self._checkpoints(trunk.name)
            total += trunk.end_step - (done[-1][0] if done else trunk.start_step)
        for branch in self.s.plan.branches:
            if not ckpt.is_checkpoint(self._url("checkpoints", branch.name, "final")):
                total += branch.decay_steps
        return total

    def _stream(self, name: str, state: dict | None) -> PackedStream | ReplayStream:
        s = self.s
        args = (s.seq_len, s.eos_id, s.vocab_size, self.cfg.run.seed)
        mixture = split_shards(s.run_root, s.manifest, "mixture")
        if name == MIXTURE:
            stream = PackedStream(mixture, *args, name="mixture", position=state)
            return stream
        domain = split_shards(s.run_root, s.manifest, "domain", name)
        stream = ReplayStream(
            PackedStream(domain, *args, name=f"domain={name}"),
            PackedStream(mixture, *args, name="replay"),  # replays data the seed has seen
            self.cfg.replay.replay,
            self.cfg.replay.replay_weight,
        )
        if state:
            stream.restore(state)
        return stream

    def _saver(self, phase: str, stream: Any, started: float, wall0: float):
        def save(step: int, kind: str) -> None:
            url = self._url("checkpoints", phase, f"{kind}-{step:08d}")
            state = {
                "phase": phase,
                "step": step,
                "tokens": step * self.s.batch_tokens,
                "stream": stream.state(),
                "wall_s": wall0 + time.monotonic() - started,
            }
            if self.rt.is_main:
                ckpt.save_checkpoint(
                    url, self.trainer.model, state, self.trainer.optimizer,
                    self.model_config.to_json_string(),
                )  # fmt: skip
                for old_step, old in self._checkpoints(phase):  # keep only the newest step-*
                    if "/step-" in old and old_step < step:
                        storage.remove(old, recursive=True)
                self._write_metrics(phase)
            self.rt.barrier()

        return save

    def _write_metrics(self, phase: str) -> None:
        write_jsonl(self._url("metrics", f"{phase}.jsonl"), self.progress.lines)

    def _resume_metrics(self, phase: str, step: int) -> None:
        lines = read_jsonl(self._url("metrics", f"{phase}.jsonl"))
        self.progress.lines = [m for m in lines if m.get("step", 0) <= step]

    def _train(self, phase: str, stream: Any, schedule: WSD, step: int, end: int,
               marks: set[int], wall0: float) -> tuple[float, Any]:  # fmt: skip
        """Run steps; returns the phase's cumulative wall seconds at its end and its saver."""
        self._resume_metrics(phase, step)
        self.progress.start_phase(phase, step, end)
        started = time.monotonic()
        save = self._saver(phase, stream, started, wall0)
        try:
            run_steps(self.trainer, stream, schedule, step, end, marks, save, self.stop,
                      self.progress, self.cfg.run.save_every_s)  # fmt: skip
        except TrainingInterrupted:
            raise TrainingInterrupted(
                f"interrupted in phase {phase}; its checkpoint is saved: rerun the same "
                "command with --resume to continue."
            ) from None
        return wall0 + time.monotonic() - started, save

    def _trunk(self, trunk: Trunk) -> None:
        done = self._checkpoints(trunk.name)
        if done and done[-1][0] == trunk.end_step:
            return
        if done:
            state = ckpt.load_checkpoint(done[-1][1], self.trainer.model, self.trainer.optimizer)
            stream, step, wall0 = self._stream(trunk.stream, state["stream"]), state["step"], state["wall_s"]
        elif trunk.parent:
            url = self._url("checkpoints", trunk.parent, f"mark-{trunk.start_step:08d}")
            state = ckpt.load_checkpoint(url, self.trainer.model, self.trainer.optimizer)
            stream, step, wall0 = self._stream(trunk.stream, None), trunk.start_step, state["wall_s"]
        else:
            stream, step, wall0 = self._stream(trunk.stream, None), 0, 0.0
        schedule = WSD(self.s.lr, self.s.plan.warmup_steps)
        if step == trunk.end_step:  # a specialist that branches where it starts
            self._saver(trunk.name, stream, time.monotonic(), wall0)(step, "mark")
        else:
            marks = set(trunk.marks)
            _, save = self._train(trunk.name, stream, schedule, step, trunk.end_step, marks, wall0)
            save(trunk.end_step, "mark")
        self._phase_done(trunk.name)

    def _branch(self, branch: Branch) -> None:
        final = self._url("checkpoints", branch.name, "final")
        if ckpt.is_checkpoint(final):
            return
        done = [c for c in self._checkpoints(branch.name) if "/step-" in c[1]]
        start = done[-1][1] if done else self._url(
            "checkpoints", branch.trunk, f"mark-{branch.mark:08d}"
        )
        state = ckpt.load_checkpoint(start, self.trainer.model, self.trainer.optimizer)
        trunk_stream = self.s.plan.trunk(branch.trunk).stream
        stream = self._stream(trunk_stream, state["stream"])
        o = self.cfg.optim
        schedule = WSD(self.s.lr, self.s.plan.warmup_steps, branch.mark, branch.decay_steps,
                       o.min_lr_ratio, o.decay_shape)  # fmt: skip
        end = branch.mark + branch.decay_steps
        wall, _ = self._train(branch.name, stream, schedule, state["step"], end, set(), state["wall_s"])
        if self.rt.is_main:
            ckpt.save_checkpoint(
                final, self.trainer.model,
                {"phase": branch.name, "step": end, "tokens": end * self.s.batch_tokens,
                 "wall_s": wall, "kind": branch.kind},
                model_config_json=self.model_config.to_json_string(),
            )  # fmt: skip
            for _, url in self._checkpoints(branch.name):
                storage.remove(url, recursive=True)
        self.rt.barrier()
        self._phase_done(branch.name)

    def _phase_done(self, phase: str) -> None:
        if self.rt.is_main:
            self._write_metrics(phase)
            gather(self.out, "metrics", self.phases, "metrics.jsonl")
        self.rt.barrier()
        if stop_agreed(self.stop, self.rt):
            raise TrainingInterrupted(
                f"interrupted after phase {phase}: rerun the same command with --resume."
            )

    # ---- evaluation ------------------------------------------------------------------
    def _common(self) -> dict[str, Any]:
        s = self.s
        return {
            "model": s.size.name,
            "n_params": self.n_params,
            "n_params_total": self.n_params_total,
            "seed": self.cfg.run.seed,
            "replay": self.cfg.replay.replay,
            "replay_weight": self.cfg.replay.replay_weight,
            "lr": s.lr,
            "seq_len": s.seq_len,
            "batch_tokens": s.batch_tokens,
        }

    def _evaluate(self, branch: Branch) -> None:
        url = self._url("evals", f"{branch.name}.json")
        final = self._url("checkpoints", branch.name, "final")
        wall = ckpt.read_state(final)["wall_s"]
        self.wall[branch.name] = wall
        if storage.exists(url):
            self.nll[branch.name] = np.asarray(json.loads(storage.read_bytes(url))["doc_nll"])
            return
        ckpt.load_checkpoint(final, self.trainer.model)
        s = self.s
        nll = document_nll(self.trainer.model, self.valid.docs, s.seq_len, s.eos_id, self.rt,
                           self.cfg.eval.eval_batch)  # fmt: skip
        self.nll[branch.name] = nll
        losses = self.valid.losses(nll)
        domains = list(losses) if branch.kind != "spec" else [branch.specialist, None]
        extra: dict[str, Any] = {"specialist": branch.specialist} if branch.specialist else {}
        if branch.kind == "no_split":  # pretrain_tokens is D + E; E is what the split spends
            extra["extra_tokens"] = branch.extra_tokens
        rows = [
            run_record(self._common(), branch.kind, d, losses[d], branch.pretrain_tokens,
                       branch.special_tokens, branch.decay_tokens, wall, **extra)
            for d in domains
        ]  # fmt: skip
        if self.rt.is_main:
            write_jsonl(self._url("records", f"{branch.name}.jsonl"), rows)
            doc_ids = [d.id for d in self.valid.docs]
            storage.write_bytes(url, json.dumps({"doc_id": doc_ids, "doc_nll": nll.tolist()}).encode())
            metrics = read_jsonl(self._url("metrics", f"{branch.name}.jsonl"))
            metrics.append({"phase": branch.name, "event": "eval", "kind": branch.kind,
                            "losses": {str(k): v for k, v in losses.items()}})  # fmt: skip
            write_jsonl(self._url("metrics", f"{branch.name}.jsonl"), metrics)
            gather(self.out, "metrics", self.phases, "metrics.jsonl")
            gather(self.out, "records", self.phases, "runs.jsonl")
        self.rt.barrier()
        self.progress.note(
            f"[{branch.name}] validation loss: "
            + ", ".join(f"{k or 'mixture'} {v:.4f}" for k, v in losses.items())
        )

    def _routed(self, routed: Routed) -> None:
        """Loss when each validation document is served by the specialist the router picks."""
        if self.cfg.eval.routed == "off" or not self.rt.is_main:
            return
        if self.routes is None:
            self.routes = document_routes(self.s.run_root, self.valid.docs, self.cfg.eval.routed, self.out)
        if not self.routes:  # no router: noted once
            return
        routes = self.routes
        plan = self.s.plan
        specs = dict(routed.branches)
        first = next(b for b in plan.branches if b.name == routed.branches[0][1])
        seed = next(b for b in plan.branches if b.kind == "seed_decay" and b.group[0] == first.group[0])
        nll = routed_nll(routes, {k: self.nll[v] for k, v in specs.items()}, self.nll[seed.name])
        losses = self.valid.losses(nll)
        special = {b.specialist: b.special_tokens for b in plan.branches if b.name in specs.values()}
        accuracy = float(np.mean([r == d.domain for r, d in zip(routes, self.valid.docs)]))
        wall = max(self.wall[v] for v in specs.values())
        rows = [
            run_record(self._common(), "routed", d, losses[d], routed.pretrain_tokens,
                       special.get(d, round(np.mean(list(special.values())))), 0, wall,
                       routing_accuracy=round(accuracy, 4))
            for d in losses
        ]  # fmt: skip
        write_jsonl(self._url("records", f"{routed.name}.jsonl"), rows)
        gather(self.out, "records", self.phases, "runs.jsonl")
        self.progress.note(
            f"[{routed.name}] routed loss (router accuracy {accuracy:.1%}): "
            + ", ".join(f"{k or 'mixture'} {v:.4f}" for k, v in losses.items())
        )


def _differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Settings that differ between a stored run and a resume request."""
    changed = []
    if stored.get("manifest_sha256") != current["manifest_sha256"]:
        changed.append("the manifest (the split changed)")
    for group, values in current["config"].items():
        for key, value in values.items():
            if group == "run" and key in RESUMABLE_CHANGES:
                continue
            if stored["config"].get(group, {}).get(key) != value:
                changed.append(f"--{key.replace('_', '-')}")
    return changed
