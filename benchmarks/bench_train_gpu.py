"""GPU training throughput and model FLOPs utilization (MFU) of splitlib's training step.

Defaults: the ladder's 85m size with a 50,304-token vocabulary (123.6M parameters,
GPT-2-small-sized), context 1,024, bf16 autocast, 300 timed steps after 20 warmup
steps, random token ids (the step, not the data, is measured).

    python benchmarks/bench_train_gpu.py                      # on a CUDA GPU
    python benchmarks/bench_train_gpu.py --compile            # with torch.compile
    python benchmarks/bench_train_gpu.py --device cpu --size 10k --vocab 512 \\
        --seq-len 32 --micro-batch 2 --batch-seqs 2 --steps 2 --warmup 1   # a smoke test

MFU = achieved model FLOPs/s over the GPU's dense bf16 peak; model FLOPs per token
are 6 x (all parameters, the tied output matrix included) + 12 x layers x width x
context for attention (PaLM, appendix B).
"""

from __future__ import annotations

import argparse
import json
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from splitlib.train.config import OptimArgs  # noqa: E402
from splitlib.train.devices import start_runtime  # noqa: E402
from splitlib.train.loop import Trainer  # noqa: E402
from splitlib.train.models import build_model, count_params, llama_config, model_size  # noqa: E402

# dense bf16 peak FLOP/s by device name (vendor data sheets)
PEAK_BF16 = {"H200": 989e12, "H100": 989e12, "A100": 312e12, "L40S": 362e12, "L4": 121e12,
             "A10G": 70e12, "RTX 4090": 165e12, "RTX 3090": 71e12}  # fmt: skip


def peak_flops(device: torch.device, given_tflops: float | None) -> float | None:
    if given_tflops:
        return given_tflops * 1e12
    if device.type != "cuda":
        return None
    name = torch.cuda.get_device_name(device)
    return next((v for k, v in PEAK_BF16.items() if k in name), None)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", default="85m", help="ladder size (default: 85m)")
    p.add_argument("--vocab", type=int, default=50_304, help="vocabulary size (tokens)")
    p.add_argument("--seq-len", type=int, default=1024, help="context length (tokens)")
    p.add_argument("--micro-batch", type=int, default=16, help="sequences per forward pass")
    p.add_argument("--batch-seqs", type=int, default=64, help="sequences per optimizer step")
    p.add_argument("--steps", type=int, default=300, help="timed optimizer steps")
    p.add_argument(
        "--warmup", type=int, default=20, help="untimed steps first (compilation, caches)"
    )
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--precision", default="auto", choices=["auto", "fp32", "bf16"])
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--peak-tflops", type=float, help="the device's dense bf16 peak, if not known")
    args = p.parse_args()

    rt = start_runtime(args.device, args.precision)
    size = model_size(args.size)
    model = build_model(llama_config(size, args.vocab, args.seq_len, 0, 1), seed=0)
    non_emb, total = count_params(model)
    trainer = Trainer(model, rt, OptimArgs(), args.batch_seqs, args.micro_batch, args.compile)
    rng = np.random.default_rng(0)
    weights = np.ones(args.batch_seqs)

    def step() -> float:
        batch = rng.integers(0, args.vocab, (args.batch_seqs, args.seq_len + 1))
        return trainer.step(batch, weights, 3e-4)

    for _ in range(args.warmup):
        step()
    if rt.device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    for _ in range(args.steps):
        loss = step()  # returns a Python float: each step waits for the GPU
    seconds = time.perf_counter() - start
    tokens_per_s = args.steps * args.batch_seqs * args.seq_len / seconds
    flops_per_token = 6 * total + 12 * size.layers * size.hidden * args.seq_len
    peak = peak_flops(rt.device, args.peak_tflops)
    result = {
        "device": torch.cuda.get_device_name(rt.device) if rt.device.type == "cuda" else "cpu",
        "size": args.size, "non_embedding_params": non_emb, "params": total,
        "vocab": args.vocab, "seq_len": args.seq_len, "batch_seqs": args.batch_seqs,
        "micro_batch": args.micro_batch, "bf16": rt.bf16, "compile": args.compile,
        "steps": args.steps, "seconds": round(seconds, 2), "tokens_per_s": round(tokens_per_s),
        "model_tflops_per_s": round(tokens_per_s * flops_per_token / 1e12, 2),
        "mfu": round(tokens_per_s * flops_per_token / peak, 4) if peak else None,
        "peak_memory_gib": round(torch.cuda.max_memory_allocated(rt.device) / 2**30, 2)
        if rt.device.type == "cuda" else None,
        "final_loss": round(loss, 4), "torch": torch.__version__,
    }  # fmt: skip
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
