"""Training throughput on this CPU for the small rungs of the ladder.

For each size, with its default context and batch, it times optimizer steps of
splitlib's Trainer (the step `splitlib train` runs) and, in the same run, a plain
transformers loop (model(input_ids, labels=...) + AdamW) as the baseline. With
--manifest it also times the data pipeline alone (packed windows from a split).

    python benchmarks/bench_train_cpu.py --sizes 10k,30k,100k,300k,1m --threads 1,2
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from splitlib.train.config import OptimArgs  # noqa: E402
from splitlib.train.devices import Runtime  # noqa: E402
from splitlib.train.loop import Trainer  # noqa: E402
from splitlib.train.models import LADDER, build_model, count_params, llama_config  # noqa: E402


def _timed(step, seconds: float, warmup: int = 2) -> float:
    """Seconds per call of `step`, over at least `seconds` (and 3 calls) after warmup."""
    for _ in range(warmup):
        step()
    n, start = 0, time.perf_counter()
    while n < 3 or time.perf_counter() - start < seconds:
        step()
        n += 1
    return (time.perf_counter() - start) / n


def _best_of(steps: dict, seconds: float, rounds: int) -> dict:
    """Fastest seconds per call of each step over `rounds` interleaved rounds: on a shared
    machine the fastest round is the one least disturbed by other processes."""
    best = {k: float("inf") for k in steps}
    for _ in range(rounds):
        for k, step in steps.items():
            best[k] = min(best[k], _timed(step, seconds / rounds, warmup=1))
    return best


def bench_size(name: str, vocab: int, seconds: float, rounds: int) -> dict:
    size = LADDER[name]
    tokens = size.batch_seqs * size.seq_len
    batch = np.random.default_rng(0).integers(0, vocab, (size.batch_seqs, size.seq_len + 1))
    weights = np.ones(size.batch_seqs)
    config = llama_config(size, vocab, size.seq_len, 0, 1)

    trainer = Trainer(build_model(config, 0), Runtime(torch.device("cpu"), False), OptimArgs(),
                      size.batch_seqs, size.batch_seqs)  # fmt: skip

    model = build_model(config, 0)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
    x = torch.from_numpy(batch[:, :-1])

    def plain() -> None:
        model(input_ids=x, labels=x).loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    best = _best_of({"ours": lambda: trainer.step(batch, weights, 1e-3), "base": plain},
                    seconds, rounds)  # fmt: skip
    ours, base = best["ours"], best["base"]
    non_emb, total = count_params(trainer.model)
    return {"size": name, "non_emb": non_emb, "total": total, "seq": size.seq_len,
            "batch": size.batch_seqs, "ours": tokens / ours, "base": tokens / base}  # fmt: skip


def bench_stream(manifest: str, seq_len: int, seconds: float) -> float:
    """Windows of the mixture per second, as tokens per second."""
    from splitlib.manifest import read_manifest, run_root_of
    from splitlib.train.data import PackedStream, split_shards

    m = read_manifest(manifest)
    root = run_root_of(manifest)
    stream = PackedStream(split_shards(root, m, "mixture"), seq_len, 0,
                          m["tokenizer"]["vocab_size"], 0, "mixture")  # fmt: skip
    return 16 * seq_len / _timed(lambda: stream.take(16), seconds, warmup=1)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="10k,30k,100k,300k,1m", help="ladder names")
    p.add_argument("--threads", default="1,2", help="torch CPU thread counts to try")
    p.add_argument("--vocab", type=int, default=1024, help="vocabulary size (tokens)")
    p.add_argument("--seconds", type=float, default=6.0, help="timing per measurement (s)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the fastest counts")
    p.add_argument("--manifest", help="a committed split: also time the data pipeline")
    args = p.parse_args()
    print(f"torch {torch.__version__}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f}, vocabulary {args.vocab}")  # fmt: skip
    print("| size | non-emb. params | total params | seq x batch | threads | "
          "splitlib tokens/s | plain HF loop tokens/s |")  # fmt: skip
    print("|---|---:|---:|---|---:|---:|---:|")
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        for name in args.sizes.split(","):
            r = bench_size(name, args.vocab, args.seconds, args.rounds)
            print(f"| {r['size']} | {r['non_emb']:,} | {r['total']:,} | {r['seq']} x {r['batch']} | "
                  f"{threads} | {r['ours']:,.0f} | {r['base']:,.0f} |", flush=True)  # fmt: skip
    if args.manifest:
        rate = bench_stream(args.manifest, 128, args.seconds)
        print(f"\ndata pipeline alone (mixture, seq 128): {rate:,.0f} tokens/s")


if __name__ == "__main__":
    main()
