"""Where training runs: CPU by default, CUDA with bf16 autocast when present, and
several processes when launched by torchrun (gloo on CPU, NCCL on GPUs)."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from splitlib.errors import UserError


@dataclass(frozen=True)
class Runtime:
    """This process's device, precision and place among the torchrun processes."""

    device: torch.device
    bf16: bool
    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def autocast(self) -> contextlib.AbstractContextManager:
        """bf16 autocast on CUDA (weights and optimizer stay fp32); nothing on CPU."""
        if self.bf16:
            return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def barrier(self) -> None:
        if self.distributed:
            dist.barrier()

    def all_reduce_sum(self, tensor: torch.Tensor) -> torch.Tensor:
        """Sum over processes (the tensor itself for one process), on the tensor's device."""
        if not self.distributed:
            return tensor
        moved = tensor.to(self.device)  # NCCL reduces GPU tensors only, gloo CPU ones
        dist.all_reduce(moved, op=dist.ReduceOp.SUM)
        return moved.to(tensor.device)


def start_runtime(
    device: str = "auto", precision: str = "auto", threads: int | None = None
) -> Runtime:
    """Choose the device and join torchrun's process group when WORLD_SIZE > 1.

    device: auto (CUDA when available, else CPU), cpu or cuda.
    precision: auto (bf16 autocast on CUDA, fp32 on CPU), fp32 or bf16.
    threads: CPU threads of this process (None: leave torch's default).
    """
    if threads:
        torch.set_num_threads(threads)
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("--device cuda asked for, but torch sees no CUDA GPU: use --device cpu.")
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    torch_device = torch.device("cuda", local_rank) if device == "cuda" else torch.device("cpu")
    if device == "cuda":
        torch.cuda.set_device(torch_device)
        torch.backends.cuda.matmul.allow_tf32 = True
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend="nccl" if device == "cuda" else "gloo")
    bf16 = precision == "bf16" or (precision == "auto" and device == "cuda")
    return Runtime(torch_device, bf16, rank, world_size)


def stop_runtime(runtime: Runtime) -> None:
    if runtime.distributed and dist.is_initialized():
        dist.destroy_process_group()
