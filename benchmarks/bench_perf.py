"""Per-core limits of each hot stage, side by side with their baselines (issue 5).

    python -m benchmarks.bench_perf [--repeats 3] [--no-spark] [--no-dsir]

In one process, on one thread (RAYON_NUM_THREADS=1, single-threaded numpy), on the
bundled corpus as plain JSONL (common.replicated_corpus(1)), interleaving every
measurement with its baseline and taking medians over --repeats:
- reading: splitlib.reading.read_task vs a raw line read of the same files;
- tokenization: splitlib.tokenizer.encode (Arrow column in, list<int32> out) vs the raw
  `tokenizers` encode_batch_fast of the same text with the same tokenizer;
- relevance: hashed unigram+bigram features (udfs/featurize's call) plus the per-domain
  log-likelihood ratios (udfs/relevance's calls) vs a naive row-at-a-time Python
  function computing the same counts, and vs DSIR on the same text and buckets
  (separate venv .venv-bench, one process), with the correlation of the two scores;
- in Spark (local[*]): the same features through mapInArrow vs a plain @F.udf.
Writes the section "Performance (issue 5)" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")  # one core for tokenizers, before it is imported
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from benchmarks.common import (  # noqa: E402
    WORK,
    machine,
    median,
    publish,
    replicated_corpus,
    table,
    versions,
)
from splitlib.config import InputConfig  # noqa: E402
from splitlib.ngrams import from_arrow, hashed_ngrams, to_arrow  # noqa: E402
from splitlib.reading import list_inputs, plan_tasks, read_task  # noqa: E402
from splitlib.relevance import DomainModels, cross_entropy_difference, domain_relevance  # noqa: E402
from splitlib.tokenizer import encode, train_tokenizer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BENCH_PY = ROOT / ".venv-bench" / "bin" / "python"
N_BUCKETS = 1 << 16  # the job's default
BATCH = 2048  # the job's default features.batch_records
_M64 = (1 << 64) - 1
_SALT = 0x9E3779B97F4A7C15
_NAIVE_SPLIT = re.compile(r"[^0-9A-Za-z_]+")  # pyarrow's RE2 \w is ASCII


def _mix(h: int) -> int:
    h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _M64
    return h ^ (h >> 31)


def _naive_word_hash(word: str) -> int:
    """splitlib's word hash (FNV-1a over the first 64 UTF-8 bytes, length, splitmix64), in Python."""
    data = word.encode()
    h = 0xCBF29CE484222325
    for byte in data[:64]:
        h = ((h ^ byte) * 0x100000001B3) & _M64
    return _mix(h ^ ((len(data) * _SALT) & _M64))


def naive_features(text: str, n_buckets: int = N_BUCKETS) -> dict[int, int]:
    """The same hashed unigram+bigram counts, one document and one token at a time in Python."""
    words = [w for w in _NAIVE_SPLIT.split(text.lower()) if w]
    hashes = [_naive_word_hash(w) for w in words]
    counts: dict[int, int] = {}
    for h in hashes:
        counts[h % n_buckets] = counts.get(h % n_buckets, 0) + 1
    for a, b in zip(hashes, hashes[1:], strict=False):
        bucket = _mix((a * _SALT + b) & _M64) % n_buckets
        counts[bucket] = counts.get(bucket, 0) + 1
    return counts


def naive_relevance(
    text: str, ratio: np.ndarray, xdiff: np.ndarray | None = None, own: int = 0
) -> tuple[np.ndarray, float | None]:
    """The relevance stage for one document: naive features, then the K log-likelihood ratios
    and, given `xdiff`, the own-domain cross-entropy difference (numpy per row for the products)."""
    counts = naive_features(text)
    if not counts:
        return np.zeros(ratio.shape[1], np.float32), (None if xdiff is None else 0.0)
    buckets = np.fromiter(counts.keys(), np.int64, len(counts))
    values = np.fromiter(counts.values(), np.float32, len(counts))
    n = values.sum()
    xent = None if xdiff is None else float(values @ xdiff[buckets, own] / n)
    return values @ ratio[buckets] / n, xent


def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _batches(texts: pa.Array) -> list[pa.Array]:
    return [texts.slice(i, BATCH) for i in range(0, len(texts), BATCH)]


def measure(
    repeats: int, spark: bool, dsir: bool, spark_copies: int = 4
) -> tuple[list[list], list[str]]:
    corpus = replicated_corpus(1)
    tasks = plan_tasks(list_inputs(str(corpus)), 128 << 20)
    cfg = InputConfig()
    records = [b for t in tasks for b in read_task(t, cfg, BATCH, 16 << 20)]
    texts = pa.concat_arrays([b.column("text") for b in records])
    sources = [json.loads(m)["source"] for b in records for m in b.column("meta").to_pylist()]
    file_mb = sum(p.stat().st_size for p in corpus.glob("*.jsonl")) / 1e6
    mb = sum(b.column("bytes").to_numpy().sum() for b in records) / 1e6
    n_docs = len(texts)
    batches = _batches(texts)
    notes = [f"Input: {n_docs:,} documents, {mb:.1f} MB of text ({file_mb:.1f} MB of JSONL)."]

    # -- reading: validated records vs raw lines
    def read_raw():
        for path in sorted(corpus.glob("*.jsonl")):
            with open(path, "rb") as f:
                for _line in f:
                    pass

    def read_split():
        for t in tasks:
            for _ in read_task(t, cfg, BATCH, 16 << 20):
                pass

    # -- tokenization: the job trains a BPE of 4096 on a sample; the same here
    tokenizer = train_tokenizer(texts.to_pylist()[::3], 4096)

    tok_batches = batches[
        : max(1, len(batches) // 3)
    ]  # a third of the text: BPE is the slowest pass
    tok_mb = sum(pa.compute.sum(pa.compute.binary_length(b)).as_py() for b in tok_batches) / 1e6

    def tok_raw():
        for b in tok_batches:
            tokenizer.encode_batch_fast(b.to_pylist(), add_special_tokens=False)

    def tok_split():
        for b in tok_batches:
            ids = encode(tokenizer, b.to_pylist())
            np.diff(ids.offsets.to_numpy())

    # -- relevance: the job's featurize n-gram call + statistics scoring call, per batch
    labels = np.unique(sources, return_inverse=True)[1]
    counts = np.zeros((labels.max() + 1, N_BUCKETS), np.int64)
    for i, b in enumerate(batches):
        g = hashed_ngrams(b, N_BUCKETS)
        rows = np.repeat(labels[i * BATCH : i * BATCH + len(b)], np.diff(g.offsets))
        np.add.at(counts, (rows, g.buckets), g.counts)
    models = DomainModels.from_counts(counts, 0.5)

    def features_only():
        for b in batches:
            grams, unigrams = hashed_ngrams(b, N_BUCKETS, with_unigrams=True)
            to_arrow(grams), to_arrow(unigrams)

    def relevance_stage():
        for i, b in enumerate(batches):
            grams, unigrams = hashed_ngrams(b, N_BUCKETS, with_unigrams=True)
            buckets, cnts = to_arrow(grams)
            to_arrow(unigrams)
            g = from_arrow(buckets, cnts)
            domain_relevance(g, models)
            cross_entropy_difference(g, models, labels[i * BATCH : i * BATCH + len(b)])

    naive_n = max(1, n_docs // 5)  # a fifth of the documents: the naive path is slow
    naive_texts = texts.slice(0, naive_n).to_pylist()
    naive_mb = sum(len(t.encode()) for t in naive_texts) / 1e6

    def naive():
        for t in naive_texts:
            naive_features(t)

    ratio = np.ascontiguousarray((models.log_domain - models.log_mixture[None, :]).T)  # (B, K)
    xdiff = np.ascontiguousarray((models.log_rest - models.log_domain).T)  # (B, K)
    naive_labels = labels[:naive_n]

    def naive_rel():
        for t, own in zip(naive_texts, naive_labels, strict=True):
            naive_relevance(t, ratio, xdiff, own)

    # the baseline must compute the same features: compare on the naive subset
    g = hashed_ngrams(texts.slice(0, naive_n), N_BUCKETS)
    same = 0
    for i, t in enumerate(naive_texts):
        ref = dict(
            zip(
                g.buckets[g.offsets[i] : g.offsets[i + 1]].tolist(),
                g.counts[g.offsets[i] : g.offsets[i + 1]].tolist(),
                strict=True,
            )
        )
        same += ref == naive_features(t)
    notes.append(f"Naive features equal splitlib's for {same:,} of {naive_n:,} documents checked.")
    rel = domain_relevance(g, models)
    xent = cross_entropy_difference(g, models, naive_labels)
    agree = sum(
        np.allclose(r, rel[i], rtol=1e-4, atol=1e-5)
        and np.isclose(x, xent[i], rtol=1e-4, atol=1e-5)
        for i, (r, x) in enumerate(
            naive_relevance(t, ratio, xdiff, own)
            for t, own in zip(naive_texts, naive_labels, strict=True)
        )
    )
    notes.append(
        f"Naive relevance and cross-entropy difference equal splitlib's (rtol 1e-4) for {agree:,} "
        f"of {naive_n:,} documents."
    )

    timings: dict[str, list[float]] = {}
    for r in range(repeats):
        for name, fn in (
            ("read_raw", read_raw),
            ("read_split", read_split),
            ("tok_raw", tok_raw),
            ("tok_split", tok_split),
            ("features", features_only),
            ("relevance", relevance_stage),
            ("naive", naive),
            ("naive_rel", naive_rel),
        ):
            timings.setdefault(name, []).append(_timed(fn))
        print(
            f"repeat {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in timings.items()),
            flush=True,
        )
    med = {k: median(v) for k, v in timings.items()}
    # on a shared machine load shifts between passes: also the median of each repeat's own ratio
    paired = {
        "tokenization": ("tok_split", "tok_raw", tok_mb, tok_mb),
        "features vs naive": ("features", "naive", mb, naive_mb),
        "relevance vs naive": ("relevance", "naive_rel", mb, naive_mb),
    }
    per_repeat = {
        name: median([(sa / ta) / (sb / tb) for ta, tb in zip(timings[a], timings[b], strict=True)])
        for name, (a, b, sa, sb) in paired.items()
    }
    size = {
        "read_raw": file_mb,
        "read_split": file_mb,
        "naive": naive_mb,
        "naive_rel": naive_mb,
        "tok_raw": tok_mb,
        "tok_split": tok_mb,
    }
    rate = {k: size.get(k, mb) / v for k, v in med.items()}

    rows = [
        [
            "reading (JSON parse + validation + normalized-text hash → Arrow)",
            f"{rate['read_split']:.2f}",
            "raw line read of the same JSONL",
            f"{rate['read_raw']:.1f}",
            f"{rate['read_split'] / rate['read_raw']:.3f}",
            "—",
        ],
        [
            "tokenization (`encode`: ids as Arrow list<int32>, token counts)",
            f"{rate['tok_split']:.3f}",
            "`tokenizers` encode_batch_fast, same BPE (4096)",
            f"{rate['tok_raw']:.3f}",
            f"{rate['tok_split'] / rate['tok_raw']:.2f}",
            "≥ 0.70",
        ],
        [
            "relevance features (hashed uni+bigram counts, 2^16 buckets)",
            f"{rate['features']:.2f}",
            "naive row-at-a-time Python (same counts)",
            f"{rate['naive']:.3f}",
            f"{rate['features'] / rate['naive']:.1f}",
            "≥ 10",
        ],
        [
            "relevance stage (features + 7-domain log-likelihood ratios + xent diff)",
            f"{rate['relevance']:.2f}",
            "naive row-at-a-time Python (same features, ratios and xent diff)",
            f"{rate['naive_rel']:.3f}",
            f"{rate['relevance'] / rate['naive_rel']:.1f}",
            "≥ 10",
        ],
    ]
    notes.append(
        "Median of the per-repeat ratios: "
        + ", ".join(f"{k} {v:.2f}" for k, v in per_repeat.items())
        + "."
    )
    notes.append(
        "Seconds (median of "
        + str(repeats)
        + "): "
        + ", ".join(f"{k} {v:.2f}" for k, v in med.items())
        + f"; naive on {naive_n:,} documents ({naive_mb:.1f} MB), tokenization on {tok_mb:.1f} MB."
    )
    if dsir:
        rows += dsir_rows(corpus, texts, sources, repeats, notes, rate)
    if spark:
        rows += spark_rows(spark_copies, models, repeats, notes)
    return rows, notes


def dsir_rows(
    corpus: Path, texts: pa.Array, sources: list[str], repeats: int, notes: list[str], rate: dict
) -> list[list]:
    """DSIR's weights pass vs splitlib's relevance for the same target and buckets, same text."""
    from scipy.stats import pearsonr, spearmanr

    buckets, target = 10_000, "kjv-bible"
    folder = WORK / "dsir"
    folder.mkdir(parents=True, exist_ok=True)
    raw_path, target_path = folder / "raw.jsonl", folder / "target.jsonl"
    text_list = texts.to_pylist()
    mb = sum(len(t.encode()) for t in text_list) / 1e6
    with open(raw_path, "w") as raw, open(target_path, "w") as tgt:
        for t, s in zip(text_list, sources, strict=True):
            line = json.dumps({"text": t}) + "\n"
            raw.write(line)
            if s == target:
                tgt.write(line)
    in_target = np.array([s == target for s in sources])
    batches = _batches(texts)

    def splitlib_fit_and_score() -> np.ndarray:
        grams = [hashed_ngrams(b, buckets) for b in batches]
        counts = np.zeros((2, buckets), np.int64)
        for i, g in enumerate(grams):
            rows = np.repeat(
                in_target[i * BATCH : i * BATCH + g.n_features.size].astype(int), np.diff(g.offsets)
            )
            np.add.at(counts, (rows, g.buckets), g.counts)
        models = DomainModels.from_counts(counts, 0.5)
        return np.concatenate(
            [domain_relevance(hashed_ngrams(b, buckets), models)[:, 1] for b in batches]
        )

    ours = []
    for _ in range(repeats):
        started = time.perf_counter()
        relevance = splitlib_fit_and_score()
        ours.append(time.perf_counter() - started)
    out = subprocess.run(
        [
            str(BENCH_PY),
            str(Path(__file__).parent / "dsir_peer.py"),
            str(raw_path),
            str(target_path),
            str(folder),
            str(buckets),
            str(repeats),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    timing = json.loads(out.stdout.strip().splitlines()[-1])
    weights = np.load(folder / "weights.npy")
    n_feat = np.load(folder / "n_features.npy")
    per_feature = weights / np.maximum(n_feat, 1)
    ours_s, dsir_s = median(ours), median(timing["weights_s"])
    full = dsir_s + timing["fit_s"]
    notes.append(
        f"DSIR ({buckets:,} buckets, target = the {in_target.sum():,} `{target}` documents, raw = all): fit "
        f"{timing['fit_s']:.1f} s, weights passes {', '.join(f'{x:.1f}' for x in timing['weights_s'])} s; "
        f"splitlib's fit + score (two hashing passes) {', '.join(f'{x:.2f}' for x in ours)} s. "
        f"Correlation of DSIR's log weight per feature with splitlib's relevance: Pearson "
        f"{pearsonr(per_feature, relevance)[0]:.3f}, Spearman {spearmanr(per_feature, relevance)[0]:.3f}; of DSIR's "
        f"raw (summed) log weight: Spearman {spearmanr(weights, relevance)[0]:.3f}."
    )
    return [
        [
            "relevance, fit + score, 10k buckets, 1 target (splitlib, one process)",
            f"{mb / ours_s:.2f}",
            "DSIR weights pass only (num_proc=1)",
            f"{mb / dsir_s:.3f}",
            f"{dsir_s / ours_s:.1f}",
            "≥ 3",
        ],
        [
            "(same)",
            f"{mb / ours_s:.2f}",
            "DSIR fit + weights (num_proc=1)",
            f"{mb / full:.3f}",
            f"{full / ours_s:.1f}",
            "≥ 3",
        ],
        [
            "relevance stage, 2^16 buckets, 7 domains (row above)",
            f"{rate['relevance']:.2f}",
            "DSIR weights pass only, 10k buckets, 1 target",
            f"{mb / dsir_s:.3f}",
            f"{rate['relevance'] / (mb / dsir_s):.1f}",
            "≥ 3",
        ],
    ]


def spark_rows(copies: int, models: DomainModels, repeats: int, notes: list[str]) -> list[list]:
    """In Spark (local[*]), the job's mapInArrow form vs a plain row-at-a-time @F.udf, on the
    bundled corpus replicated `copies` times (cached first, so reading is not timed):
    the hashed n-gram features alone, and the relevance stage (text in, K log-likelihood
    ratios out, so the output is small and the comparison is about the computation)."""
    from pyspark.sql import functions as F

    from jobs.session import get_spark
    from splitlib.config import SparkConfig

    spark = get_spark(SparkConfig())
    cores = spark.sparkContext.defaultParallelism
    corpus = replicated_corpus(copies)
    # as many partitions as cores, like the job: Spark's per-task cost is paid once per core
    df = spark.read.json(str(corpus)).select("text").repartition(cores).cache()
    n = df.count()
    mb = df.select(F.sum(F.octet_length("text"))).first()[0] / 1e6
    ratio = np.ascontiguousarray((models.log_domain - models.log_mixture[None, :]).T)  # (B, K)
    k = ratio.shape[1]

    @F.udf("map<int,int>")
    def naive_udf(text):
        return naive_features(text)

    @F.udf("array<float>")
    def naive_relevance_udf(text):
        return naive_relevance(text, ratio)[0].tolist()

    def arrow_features(batches):
        for batch in batches:
            grams = hashed_ngrams(batch.column("text"), N_BUCKETS)
            b, c = to_arrow(grams)
            yield pa.RecordBatch.from_arrays([b, c], ["b", "c"])

    def arrow_relevance(batches):
        for batch in batches:
            rel = domain_relevance(hashed_ngrams(batch.column("text"), N_BUCKETS), models)
            offsets = pa.array(np.arange(0, rel.size + 1, k, dtype=np.int32))
            values = pa.array(rel.astype(np.float32).reshape(-1))
            yield pa.RecordBatch.from_arrays([pa.ListArray.from_arrays(offsets, values)], ["r"])

    def count_rows(batches):
        for batch in batches:
            yield pa.RecordBatch.from_arrays([pa.array([batch.num_rows])], ["n"])

    def run_floor():
        df.mapInArrow(count_rows, "n long").agg(F.sum("n")).first()

    def run_arrow():
        df.mapInArrow(arrow_features, "b array<int>, c array<int>").agg(F.sum(F.size("b"))).first()

    def run_udf():
        df.select(F.size(naive_udf("text")).alias("n")).agg(F.sum("n")).first()

    def run_arrow_relevance():
        df.mapInArrow(arrow_relevance, "r array<float>").agg(F.sum(F.col("r")[0])).first()

    def run_udf_relevance():
        df.select(naive_relevance_udf("text").alias("r")).agg(F.sum(F.col("r")[0])).first()

    # both forms must give the same scores: compare on a sample of documents
    sample = df.limit(500)
    a_rel = np.array([r.r for r in sample.mapInArrow(arrow_relevance, "r array<float>").collect()])
    u_rel = np.array([r.r for r in sample.select(naive_relevance_udf("text").alias("r")).collect()])
    same = int(np.isclose(a_rel, u_rel, rtol=1e-4, atol=1e-5).all(axis=1).sum())
    run_arrow()  # warm the Python workers once
    timings: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, fn in (
            ("floor", run_floor),
            ("arrow", run_arrow),
            ("udf", run_udf),
            ("arrow_rel", run_arrow_relevance),
            ("udf_rel", run_udf_relevance),
        ):
            timings.setdefault(name, []).append(_timed(fn))
    med = {key: median(v) for key, v in timings.items()}
    notes.append(
        f"Spark local[{cores}] on {n:,} cached rows ({mb:.1f} MB, the corpus x{copies}), seconds: "
        + "; ".join(f"{key} " + ", ".join(f"{x:.1f}" for x in v) for key, v in timings.items())
        + f". The two relevance forms agree (rtol 1e-4) for {same} of {len(a_rel)} documents checked."
    )
    return [
        [
            f"relevance features in Spark, mapInArrow ({cores} cores)",
            f"{mb / med['arrow'] / cores:.2f}",
            "plain @F.udf, row at a time, same counts",
            f"{mb / med['udf'] / cores:.3f}",
            f"{med['udf'] / med['arrow']:.1f}",
            "—",
        ],
        [
            f"relevance stage in Spark, mapInArrow: text → {k} log-likelihood ratios ({cores} cores)",
            f"{mb / med['arrow_rel'] / cores:.2f}",
            "plain @F.udf, row at a time, same ratios",
            f"{mb / med['udf_rel'] / cores:.3f}",
            f"{med['udf_rel'] / med['arrow_rel']:.1f}",
            "≥ 10",
        ],
        [
            "(same)",
            f"{mb / med['arrow_rel'] / cores:.2f}",
            "Spark's Arrow exchange alone: mapInArrow that only counts rows",
            f"{mb / med['floor'] / cores:.2f}",
            f"{med['floor'] / med['arrow_rel']:.2f}",
            "—",
        ],
    ]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument(
        "--no-spark", action="store_true", help="skip the Spark mapInArrow vs @F.udf comparison"
    )
    p.add_argument(
        "--no-dsir", action="store_true", help="skip DSIR (needs .venv-bench with data-selection)"
    )
    p.add_argument(
        "--spark-copies", type=int, default=4, help="corpus copies for the Spark comparison"
    )
    p.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = p.parse_args(argv)
    command = "python -m benchmarks.bench_perf " + " ".join(sys.argv[1:] if argv is None else argv)
    rows, notes = measure(
        args.repeats, not args.no_spark, not args.no_dsir and BENCH_PY.exists(), args.spark_copies
    )
    body = "\n".join(
        [
            f"Machine: {machine()}; {versions()}. Shared with other work while measured: ratios are "
            "measured side by side in the same process, interleaved, medians over the repeats.",
            "",
            f"Command: `{command}` (needs `.venv-bench`: `python3 -m venv .venv-bench && "
            ".venv-bench/bin/pip install data-selection numpy`). One thread unless a row says Spark. "
            "Stage rates come from calling the library functions directly on Arrow batches of 2,048 "
            "records (the job's batch size): they are each stage's own per-core cost, without Spark's "
            'serialization, shuffles and persistence (for those see "Split job throughput").',
            "",
            table(
                [
                    "stage (splitlib)",
                    "MB/s per core",
                    "baseline / limit",
                    "MB/s per core",
                    "ratio",
                    "target",
                ],
                rows,
            ),
            "",
            *[f"- {n}" for n in notes],
            "",
        ]
    )
    publish("Performance (issue 5)", body, not args.no_write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
