"""One optimizer step, and a stretch of steps with checkpoints, progress and clean stops.

Every process reads the whole global batch from the (deterministic) stream and
keeps its own slice of rows, so the global batch, and hence the training, is the
same for any number of processes.
"""

from __future__ import annotations

import contextlib
import queue
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from splitlib.errors import TrainingInterrupted
from splitlib.train.config import OptimArgs
from splitlib.train.devices import Runtime
from splitlib.train.progress import Progress
from splitlib.train.schedule import WSD


class Trainer:
    """A model, its AdamW optimizer and the step that updates them.

    batch_seqs: sequences per step over all processes; micro_batch: sequences per
    forward pass on one process (gradient accumulation in between).
    """

    def __init__(
        self,
        model: torch.nn.Module,
        runtime: Runtime,
        optim: OptimArgs,
        batch_seqs: int,
        micro_batch: int,
        compile: bool = False,
    ) -> None:
        self.runtime = runtime
        self.model = model.to(runtime.device)
        self.optim = optim
        self.batch_seqs = batch_seqs
        self.micro_batch = micro_batch
        net: torch.nn.Module = torch.compile(self.model) if compile else self.model
        if runtime.distributed:
            ids = [runtime.device.index] if runtime.device.type == "cuda" else None
            net = DistributedDataParallel(net, device_ids=ids)
        self.net = net
        # norms and the (tied) embedding are not weight-decayed: decay is for the matrices
        decayed = [p for n, p in model.named_parameters() if p.ndim >= 2 and "embed" not in n]
        rest = [p for n, p in model.named_parameters() if not (p.ndim >= 2 and "embed" not in n)]
        self.optimizer = torch.optim.AdamW(
            [
                {"params": decayed, "weight_decay": optim.weight_decay},
                {"params": rest, "weight_decay": 0.0},
            ],
            lr=0.0,
            betas=(optim.beta1, optim.beta2),
            eps=1e-8,
        )

    def step(self, windows: np.ndarray, weights: np.ndarray, lr: float) -> float:
        """One update on a global batch of windows [batch_seqs, seq_len + 1] with per-sequence
        loss weights; returns the batch's weighted mean cross-entropy (nats/token)."""
        rt = self.runtime
        per_rank = len(windows) // rt.world_size
        rows = slice(rt.rank * per_rank, (rt.rank + 1) * per_rank)
        local_x = torch.from_numpy(windows[rows])
        local_w = torch.from_numpy(weights[rows]).float()
        # DDP averages gradients over processes; scaling by world size makes the sum exact
        scale = rt.world_size / float(weights.sum())
        self.net.train()
        total = torch.zeros((), dtype=torch.float64, device=rt.device)  # no sync per micro-batch
        starts = range(0, per_rank, self.micro_batch)
        for i, start in enumerate(starts):
            x = local_x[start : start + self.micro_batch].to(rt.device)
            w = local_w[start : start + self.micro_batch].to(rt.device)
            last = i == len(starts) - 1
            sync = contextlib.nullcontext() if last or not rt.distributed else self.net.no_sync()
            with sync:
                with rt.autocast():
                    logits = self.net(input_ids=x[:, :-1]).logits
                token_loss = F.cross_entropy(
                    logits.float().flatten(0, 1), x[:, 1:].flatten(), reduction="none"
                )
                weighted = (token_loss.view(len(x), -1).mean(dim=1) * w).sum()
                (weighted * scale).backward()
            total += weighted.detach().double()
        if self.optim.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.optim.grad_clip)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(rt.all_reduce_sum(total).item()) / float(weights.sum())


class StopSignal:
    """Turns SIGINT / SIGTERM into a flag checked between steps, so a stop never lands
    in the middle of an update and always leaves a checkpoint (SIGTERM is what a
    cluster sends before preempting)."""

    def __init__(self) -> None:
        self.requested = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> StopSignal:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread: leave signals alone
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


class Prefetch:
    """Reads the next global batches in a background thread while a step runs. Each batch
    comes with the stream's position after it, so a checkpoint records what was consumed,
    not what was read ahead; the order is the stream's, so results do not change."""

    def __init__(self, stream: Any, batch_seqs: int, depth: int = 2) -> None:
        self._stream, self._batch = stream, batch_seqs
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._fill, daemon=True)
        self._thread.start()

    def _put(self, item: Any) -> None:
        while not self._done.is_set():
            with contextlib.suppress(queue.Full):
                self._queue.put(item, timeout=0.1)
                return

    def _fill(self) -> None:
        try:
            while not self._done.is_set():
                windows, weights = self._stream.take(self._batch)
                self._put((windows, weights, self._stream.state()))
        except BaseException as err:  # a bad shard: raised where the batch is wanted
            self._put(err)

    def next(self) -> tuple[np.ndarray, np.ndarray, dict]:
        item = self._queue.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def close(self) -> None:
        self._done.set()
        self._thread.join()


def run_steps(
    trainer: Trainer,
    stream: Any,
    schedule: WSD,
    step: int,
    end_step: int,
    marks: set[int],
    save: Callable[[int, str, dict], None],
    stop: StopSignal,
    progress: Progress,
    save_every_s: float,
) -> dict:
    """Train from `step` to `end_step`; returns the stream position after the last batch.
    Before the end, save(step, "mark", position) at each mark, and save(step, "step",
    position) every `save_every_s` seconds and on a stop request (then raise
    TrainingInterrupted); the end itself is the caller's to save."""
    rt = trainer.runtime
    last_save = time.monotonic()
    position = stream.state()  # before the reader thread moves the stream on
    batches = Prefetch(stream, trainer.batch_seqs)
    try:
        while step < end_step:
            windows, weights, position = batches.next()
            loss = trainer.step(windows, weights, schedule.lr(step))
            step += 1
            progress.update(step, loss, schedule.lr(step - 1))
            # every process must agree on stopping and saving: rank 0's clock decides saves
            due = rt.is_main and time.monotonic() - last_save >= save_every_s
            flags = rt.all_reduce_sum(torch.tensor([float(stop.requested), float(due)]))
            stop_now, save_now = bool(flags[0] > 0), bool(flags[1] > 0)
            if step == end_step:
                break  # the caller saves the phase's end and looks at the stop request
            if step in marks:
                save(step, "mark", position)
            elif stop_now or save_now:
                save(step, "step", position)
            if save_now:
                last_save = time.monotonic()
            if stop_now:
                raise TrainingInterrupted(f"stopped at step {step}")
    finally:
        batches.close()
    return position


def stop_agreed(stop: StopSignal, runtime: Runtime) -> bool:
    """Whether any process was asked to stop (all processes get the same answer)."""
    flag = torch.tensor([float(stop.requested)])
    return bool(runtime.all_reduce_sum(flag)[0] > 0)
