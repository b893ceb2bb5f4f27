"""Execute a plan: train the trunks and branches, evaluate every branch, write records.

Every phase starts from a checkpoint on storage (or from initialization), so an
uninterrupted run and a resumed one take exactly the same path. With several
processes, all read storage and only the main one writes (see `folder.py`), so
--out must be visible to every process (s3:// or a shared disk).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from splitlib import ownership, storage
from splitlib.errors import UserError
from splitlib.train import checkpoint as ckpt
from splitlib.train.data import PackedStream, ReplayStream, split_shards
from splitlib.train.devices import Runtime
from splitlib.train.evaluate import document_nll, load_validation
from splitlib.train.folder import RunFolder
from splitlib.train.loop import StopSignal, Trainer, TrainingInterrupted, run_steps, stop_agreed
from splitlib.train.models import build_model, count_params, describe, llama_config
from splitlib.train.phases import MIXTURE, Branch, Routed, Trunk
from splitlib.train.progress import Progress
from splitlib.train.records import branch_records
from splitlib.train.resolve import RunSetup
from splitlib.train.routes import document_routes, routed_records
from splitlib.train.schedule import WSD

# run options that may change between an interrupted run and its --resume
RESUMABLE = {"resume", "log_every", "save_every_s", "device", "precision", "compile", "threads"}


class Pipeline:
    """One (model, seed) run of a plan."""

    def __init__(self, setup: RunSetup, runtime: Runtime) -> None:
        self.s, self.rt, self.cfg = setup, runtime, setup.config
        self.model_config = llama_config(
            setup.size, setup.vocab_size, setup.seq_len, setup.eos_id, setup.pad_id
        )
        model = build_model(self.model_config, self.cfg.run.seed)
        self.n_params, self.n_params_total = count_params(model)
        self.trainer = Trainer(model, runtime, self.cfg.optim, setup.batch_seqs,
                               setup.micro_batch, self.cfg.run.compile)  # fmt: skip
        plan = setup.plan
        phases = [p.name for group in (plan.trunks, plan.branches, plan.routed) for p in group]
        self.folder = RunFolder(self.cfg.run.out, phases, runtime.is_main)
        self.valid = load_validation(
            setup.run_root, setup.manifest, setup.vocab_size, self.cfg.eval.eval_tokens
        )
        self.progress = Progress(0, setup.batch_tokens, self.cfg.run.log_every, runtime.is_main)
        self.stop = StopSignal()
        self.nll: dict[str, np.ndarray] = {}  # per-document validation loss of each branch
        self.wall: dict[str, float] = {}
        self.routes: list[str] | None = None  # [] once known that no router loads

    def run(self) -> list[dict[str, Any]]:
        """Train and evaluate everything in the plan; returns the run records."""
        self._prepare()
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
        return self.folder.runs()

    def _prepare(self) -> None:
        """Write config.json, or check it against this request on --resume."""
        out = self.cfg.run.out
        ownership.check_outside_run(out, self.s.run_root, "train")
        ownership.claim_folder(out, "train", self.rt.is_main, legacy=_trained_before)
        stored = self.folder.read_config()
        current = {
            "config": self.cfg.to_dict(),
            "manifest_sha256": self.s.manifest_sha256,
            "model": {"name": self.s.size.name, "n_params": self.n_params,
                      "n_params_total": self.n_params_total},
            "plan": dataclasses.asdict(self.s.plan),
            "processes": self.rt.world_size,
        }  # fmt: skip
        out = self.cfg.run.out
        # a start that failed before saving anything may run again as the same command
        if stored and not self.cfg.run.resume and (_differences(stored, current) or self._saved()):
            raise UserError(
                f"{out!r} already holds a training run: pass --resume to continue it, "
                "or choose another --out."
            )
        changed = _differences(stored, current) if stored else []
        if changed:
            raise UserError(
                f"--resume with different settings than the run in {out!r}: "
                f"{', '.join(changed)}. Resume with the same arguments, or use another --out."
            )
        if self.cfg.run.resume and not stored and self.rt.is_main:
            # kept a start, not an error: a scheduler may pass --resume on every attempt
            print(f"note: --resume: no run in {out!r} to resume; starting one.", file=sys.stderr)
        self.rt.barrier()  # every process has read the folder before the main one writes
        if not stored:
            self.folder.write_config(current)
        self.rt.barrier()

    def _saved(self) -> bool:
        """Whether the run in --out has saved anything a rerun could lose."""
        folder = self.folder
        return bool(folder.runs()) or any(
            folder.checkpoints(p) or ckpt.is_checkpoint(folder.final(p)) for p in folder.phases
        )

    def _remaining_steps(self) -> int:
        total = 0
        for trunk in self.s.plan.trunks:
            done = self.folder.checkpoints(trunk.name)
            total += trunk.end_step - (done[-1][0] if done else trunk.start_step)
        for branch in self.s.plan.branches:
            if not ckpt.is_checkpoint(self.folder.final(branch.name)):
                total += branch.decay_steps
        return total

    def _stream(self, name: str, state: dict | None) -> PackedStream | ReplayStream:
        """The mixture's stream, or a domain's with replay, at a saved position if given."""
        s = self.s
        args = (s.seq_len, s.eos_id, s.vocab_size, self.cfg.run.seed)
        mixture = split_shards(s.run_root, s.manifest, "mixture")
        if name == MIXTURE:
            return PackedStream(mixture, *args, name="mixture", position=state)
        stream = ReplayStream(
            PackedStream(split_shards(s.run_root, s.manifest, "domain", name), *args,
                         name=f"domain={name}"),
            PackedStream(mixture, *args, name="replay"),  # replays data the seed has seen
            self.cfg.replay.replay,
            self.cfg.replay.replay_weight,
        )  # fmt: skip
        if state:
            stream.restore(state)
        return stream

    def _saver(self, phase: str, wall0: float) -> Callable[[int, str, dict], None]:
        """save(step, "mark" | "step", stream position): a resumable checkpoint at `step`."""
        started = time.monotonic()

        def save(step: int, kind: str, position: dict) -> None:
            state = {"phase": phase, "step": step, "tokens": step * self.s.batch_tokens,
                     "stream": position, "wall_s": wall0 + time.monotonic() - started}  # fmt: skip
            if self.rt.is_main:
                ckpt.save_checkpoint(self.folder.checkpoint(phase, kind, step), self.trainer.model,
                                     state, self.trainer.optimizer,
                                     self.model_config.to_json_string())  # fmt: skip
                self.folder.remove_steps(phase, below=step)  # keep only the newest step-*
                self.folder.write_metrics(phase, self.progress.lines)
            self.rt.barrier()

        return save

    def _train(self, phase: str, stream: Any, schedule: WSD, step: int, end: int,
               marks: set[int], wall0: float) -> tuple[float, dict]:  # fmt: skip
        """Steps from `step` to `end`, saving the end as a mark when it is one; returns the
        cumulative wall seconds and the stream position at the end."""
        self.progress.lines = [m for m in self.folder.metrics(phase) if m.get("step", 0) <= step]
        self.progress.start_phase(phase, step, end)
        started = time.monotonic()
        save = self._saver(phase, wall0)
        try:
            position = run_steps(self.trainer, stream, schedule, step, end, marks, save,
                                 self.stop, self.progress, self.cfg.run.save_every_s)  # fmt: skip
        except TrainingInterrupted:
            raise TrainingInterrupted(
                f"interrupted in phase {phase}; its checkpoint is saved: rerun the same "
                "command with --resume to continue."
            ) from None
        if end in marks:
            save(end, "mark", position)
        return wall0 + time.monotonic() - started, position

    def _trunk(self, trunk: Trunk) -> None:
        done = self.folder.checkpoints(trunk.name)
        if done and done[-1][0] == trunk.end_step:
            return
        model, optimizer = self.trainer.model, self.trainer.optimizer
        if done:  # resume inside the trunk
            state = ckpt.load_checkpoint(done[-1][1], model, optimizer)
            stream, step = self._stream(trunk.stream, state["stream"]), state["step"]
        elif trunk.parent:  # a specialist starts from the seed's mark, on its own stream
            url = self.folder.checkpoint(trunk.parent, "mark", trunk.start_step)
            state = ckpt.load_checkpoint(url, model, optimizer)
            stream, step = self._stream(trunk.stream, None), trunk.start_step
        else:  # the seed, from initialization
            state, stream, step = {"wall_s": 0.0}, self._stream(trunk.stream, None), 0
        if step == trunk.end_step:  # a specialist that branches where it starts
            self._saver(trunk.name, state["wall_s"])(step, "mark", stream.state())
        else:
            schedule = WSD(self.s.lr, self.s.plan.warmup_steps)
            self._train(trunk.name, stream, schedule, step, trunk.end_step, set(trunk.marks),
                        state["wall_s"])  # fmt: skip
        self._phase_done(trunk.name)

    def _branch(self, branch: Branch) -> None:
        final = self.folder.final(branch.name)
        if ckpt.is_checkpoint(final):
            return
        done = self.folder.checkpoints(branch.name, ("step",))
        start = done[-1][1] if done else self.folder.checkpoint(branch.trunk, "mark", branch.mark)
        state = ckpt.load_checkpoint(start, self.trainer.model, self.trainer.optimizer)
        stream = self._stream(self.s.plan.trunk(branch.trunk).stream, state["stream"])
        o = self.cfg.optim
        schedule = WSD(self.s.lr, self.s.plan.warmup_steps, branch.mark, branch.decay_steps,
                       o.min_lr_ratio, o.decay_shape)  # fmt: skip
        end = branch.mark + branch.decay_steps
        wall, _ = self._train(branch.name, stream, schedule, state["step"], end, set(),
                              state["wall_s"])  # fmt: skip
        if self.rt.is_main:  # decayed models are leaves: weights only
            state = {"phase": branch.name, "step": end, "tokens": end * self.s.batch_tokens,
                     "wall_s": wall, "kind": branch.kind}  # fmt: skip
            ckpt.save_checkpoint(final, self.trainer.model, state,
                                 model_config_json=self.model_config.to_json_string())  # fmt: skip
            self.folder.remove_steps(branch.name)
        self.rt.barrier()
        self._phase_done(branch.name)

    def _phase_done(self, phase: str) -> None:
        self.folder.write_metrics(phase, self.progress.lines)
        self.rt.barrier()
        if stop_agreed(self.stop, self.rt):
            raise TrainingInterrupted(
                f"interrupted after phase {phase}: rerun the same command with --resume."
            )

    def _common(self) -> dict[str, Any]:
        """Fields every run record of this run carries."""
        s = self.s
        return {"model": s.size.name, "n_params": self.n_params,
                "n_params_total": self.n_params_total, "seed": self.cfg.run.seed,
                "replay": self.cfg.replay.replay, "replay_weight": self.cfg.replay.replay_weight,
                "lr": s.lr, "seq_len": s.seq_len, "batch_tokens": s.batch_tokens}  # fmt: skip

    def _evaluate(self, branch: Branch) -> None:
        final = self.folder.final(branch.name)
        self.wall[branch.name] = wall = ckpt.read_state(final)["wall_s"]
        stored = self.folder.evals(branch.name)
        if stored:
            self.nll[branch.name] = np.asarray(stored["doc_nll"])
            return
        ckpt.load_checkpoint(final, self.trainer.model)
        s = self.s
        nll = document_nll(self.trainer.model, self.valid.docs, s.seq_len, s.eos_id, self.rt,
                           self.cfg.eval.eval_batch)  # fmt: skip
        self.nll[branch.name] = nll
        losses = self.valid.losses(nll)
        self.folder.write_records(branch.name, branch_records(self._common(), branch, losses, wall))
        self.folder.write_evals(branch.name, {
            "doc_id": [d.id for d in self.valid.docs],
            "doc_domain": [d.domain for d in self.valid.docs],
            "doc_tokens": self.valid.tokens.astype(int).tolist(),
            "doc_nll": nll.tolist(),  # nats, summed over the document's predicted tokens
        })  # fmt: skip
        metrics = self.folder.metrics(branch.name)
        metrics.append({"phase": branch.name, "event": "eval", "kind": branch.kind,
                        "losses": {str(k): v for k, v in losses.items()}})  # fmt: skip
        self.folder.write_metrics(branch.name, metrics)
        self.rt.barrier()
        self.progress.note(f"[{branch.name}] validation loss: " + _losses(losses))

    def _routed(self, routed: Routed) -> None:
        """Loss when each validation document is served by the specialist the router picks."""
        if self.cfg.eval.routed == "off" or not self.rt.is_main:
            return
        if self.routes is None:
            self.routes = document_routes(self.s.run_root, self.valid.docs, self.cfg.eval.routed,
                                          self.cfg.run.out)  # fmt: skip
        if not self.routes:  # no router: noted once
            return
        seed = next(
            b.name for b in self.s.plan.branches
            if b.kind == "seed_decay" and b.pretrain_tokens - b.decay_tokens == routed.pretrain_tokens
        )  # fmt: skip
        rows = routed_records(self._common(), routed, self.s.plan, self.valid, self.routes,
                              self.nll, self.wall, fallback=seed)  # fmt: skip
        self.folder.write_records(routed.name, rows)
        self.progress.note(
            f"[{routed.name}] routed loss (router accuracy {rows[0]['routing_accuracy']:.1%}): "
            + _losses({r["domain"]: r["loss"] for r in rows})
        )


def _losses(losses: dict[str | None, float]) -> str:
    return ", ".join(f"{k or 'mixture'} {v:.4f}" for k, v in losses.items())


def _differences(stored: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Settings that differ between a stored run and a resume request."""
    changed = []
    if stored.get("manifest_sha256") != current["manifest_sha256"]:
        changed.append("the manifest (the split changed)")
    for group, values in current["config"].items():
        for key, value in values.items():
            if group == "run" and key in RESUMABLE:
                continue
            if stored["config"].get(group, {}).get(key) != value:
                changed.append(f"--{key.replace('_', '-')}")
    return changed


def _trained_before(out: str) -> bool:
    """A training run's folder written before the folder marker: its config.json."""
    url = storage.join(out, "config.json")
    if not storage.exists(url):
        return False
    try:
        stored = json.loads(storage.read_bytes(url))
    except ValueError:
        return False
    return isinstance(stored, dict) and {"config", "manifest_sha256"} <= stored.keys()
