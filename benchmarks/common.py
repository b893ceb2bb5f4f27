"""Helpers shared by the benchmarks: test corpora, machine description, RESULTS.md sections."""

from __future__ import annotations

import gzip
import json
import os
import platform
import statistics
import subprocess
from pathlib import Path

from splitlib.corpus import bundled_corpus_path

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "RESULTS.md"
WORK = Path(os.environ.get("SPLITLIB_BENCH_DIR", "/tmp/splitlib-bench"))
FILES_PER_COPY = 2  # so even the 1x corpus is read by two tasks in parallel


def bundled_records() -> list[dict]:
    with gzip.open(bundled_corpus_path(), "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def replicated_corpus(copies: int) -> Path:
    """The bundled corpus `copies` times as plain JSONL files; built once, then reused.

    Copy c > 0 gets ids suffixed `#c<c>` and a first line `[copy c]` in every text, so
    no copy is quarantined as a duplicate id or duplicate text; copy 0 is the bundled corpus.
    """
    folder = WORK / f"corpus-{copies}x"
    done = folder / "_complete"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    records = bundled_records()
    half = (len(records) + 1) // FILES_PER_COPY
    for c in range(copies):
        for part in range(FILES_PER_COPY):
            with open(folder / f"part-{c:04d}-{part}.jsonl", "w", encoding="utf-8") as f:
                for rec in records[part * half : (part + 1) * half]:
                    if c:
                        rec = {
                            **rec,
                            "id": f"{rec['id']}#c{c}",
                            "text": f"[copy {c}]\n{rec['text']}",
                        }
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    done.touch()
    return folder


def edge_corpus(shape: str) -> Path:
    """Edge shapes: `big-doc` = the bundled corpus plus one 5 MB document;
    `one-liners` = 100,000 one-line documents cut from the bundled corpus's text."""
    folder = WORK / f"edge-{shape}"
    if (folder / "_complete").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    records = bundled_records()
    if shape == "big-doc":
        parts, size, i = [], 0, 0
        while size < 5_000_000:
            text = records[i % len(records)]["text"]
            parts.append(f"[part {i}] {text}")
            size += len(parts[-1].encode()) + 1
            i += 1
        big = "\n".join(parts)
        rows = records + [{"id": "big-doc", "text": big, "source": "big"}]
    elif shape == "one-liners":
        rows, i = [], 0
        lines = [
            ln.strip() for r in records for ln in r["text"].splitlines() if len(ln.strip()) > 3
        ]
        while len(rows) < 100_000:
            rows.append({"id": f"line-{len(rows)}", "text": f"{len(rows)} {lines[i % len(lines)]}"})
            i += 1
    else:
        raise ValueError(shape)
    half = (len(rows) + 1) // 2
    for part in range(2):
        with open(folder / f"part-{part}.jsonl", "w", encoding="utf-8") as f:
            for rec in rows[part * half : (part + 1) * half]:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    (folder / "_complete").touch()
    return folder


def corpus_stats(folder: Path) -> dict:
    """Documents, text bytes (UTF-8) and file bytes of a JSONL corpus folder."""
    docs = text_bytes = file_bytes = 0
    for path in sorted(folder.glob("*.jsonl")):
        file_bytes += path.stat().st_size
        with open(path, encoding="utf-8") as f:
            for line in f:
                docs += 1
                text_bytes += len(json.loads(line)["text"].encode())
    return {"docs": docs, "text_bytes": text_bytes, "file_bytes": file_bytes}


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(
                (ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), cpu
            )
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, {platform.system()} {platform.release()}"


def versions() -> str:
    import numpy
    import pyarrow
    import pyspark
    import tokenizers

    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return (
        f"Python {platform.python_version()}, pyspark {pyspark.__version__}, pyarrow {pyarrow.__version__}, "
        f"numpy {numpy.__version__}, tokenizers {tokenizers.__version__}, {java[0] if java else 'java ?'}"
    )


def replace_section(title: str, body: str) -> None:
    """Put `## title` + body into RESULTS.md, replacing only that section (others are left alone)."""
    header = f"## {title}"
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    lines = text.split("\n")
    start = next((i for i, ln in enumerate(lines) if ln.strip() == header), None)
    new = [header, "", *body.rstrip("\n").split("\n"), ""]
    if start is None:
        lines = [*lines[: len(lines) - (1 if lines and lines[-1] == "" else 0)], "", *new]
    else:
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines = [*lines[:start], *new, *lines[end:]]
    RESULTS.write_text("\n".join(lines).rstrip("\n") + "\n")


def publish(title: str, body: str, write: bool) -> None:
    """Print a section; with `write`, also put it into RESULTS.md."""
    print(body)
    if write:
        replace_section(title, body)


def table(header: list[str], rows: list[list]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def per_seed_rows(argv, doc: str, corpora: list[str], corpus_rows, report) -> int:
    """The command line of a benchmark that measures (corpus, seed) pairs into JSON lines:
    rows appended to --out as they come, pairs already there skipped, `report(rows)` printed
    (alone with --report). `corpus_rows(name, seeds, done)` measures one corpus."""
    import argparse

    p = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    p.add_argument("--out", required=True, type=Path, help="JSON lines, appended and resumed")
    p.add_argument("--corpora", nargs="*", default=corpora)
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--report", action="store_true", help="only print the tables from --out")
    args = p.parse_args(argv)
    records = []
    if args.out.exists():
        records = [json.loads(line) for line in args.out.read_text().splitlines()]
    if not args.report:
        done = {(r["corpus"], r["seed"]) for r in records}
        for name in args.corpora:
            for row in corpus_rows(name, args.seeds, done):
                with args.out.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                records.append(row)
    print(report(records))
    return 0
