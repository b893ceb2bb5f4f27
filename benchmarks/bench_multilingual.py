"""Features that see every script: cost against the ASCII-only words, and what they buy.

    python scripts/build_multilingual.py --source fortunes --per-language 300 \
        --out /tmp/splitlib-bench/fortunes-multilingual.jsonl.gz
    python -m benchmarks.bench_multilingual [--repeats 5] [--seeds 5] [--no-write]
    python -m benchmarks.bench_multilingual --speed-runs 7   # the speed part only, 7 times

Speed, in one process on one thread, interleaved batch by batch, medians over --repeats of
the whole corpus's time: the featurize stage's own function (udfs/featurize: BPE token ids
+ hashed unigram/bigram counts) with
(a) the ASCII-only word splitter that splitlib used before (maximal runs of [0-9a-z_]),
(b) the Unicode word splitter (splitlib.wordbreak), (c) (b) plus the language column;
and the raw tokenizer alone, on the bundled corpus (English) and on the six-language
manual pages of tests/data. Quality: NMI of the domains against the language, k-means
as the job fits it (splitlib.discovery / splitlib.kmeans, the default restarts), over --seeds seeds,
with ASCII and with Unicode words, on the manual pages and on held-out quotations in nine
languages. Writes the section "Multilingual features" of benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os

os.environ.setdefault("RAYON_NUM_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402

from benchmarks.common import WORK, bundled_records, machine, median, publish, table  # noqa: E402
from splitlib import ngrams  # noqa: E402
from splitlib.tokenizer import encode, train_tokenizer  # noqa: E402
from splitlib.wordbreak import ascii_word_bytes, run_bounds  # noqa: E402
from udfs.featurize import featurizer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MANPAGES = ROOT / "tests" / "data" / "manpages-multilingual.jsonl.gz"
FORTUNES = WORK / "fortunes-multilingual.jsonl.gz"
N_BUCKETS = 1 << 16
BATCH = 2048


def _records(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def _ascii_bounds(data: np.ndarray):
    is_word = ascii_word_bytes(data)
    return (is_word, *run_bounds(is_word))


@contextmanager
def ascii_words():
    """splitlib's word splitter as it was before: ASCII [0-9a-z_] runs only."""
    saved = ngrams.word_bounds
    ngrams.word_bounds = _ascii_bounds
    try:
        yield
    finally:
        ngrams.word_bounds = saved


def _batches(texts: list[str]) -> list[pa.RecordBatch]:
    return [
        pa.RecordBatch.from_arrays([pa.array(texts[i : i + BATCH])], names=["text"])
        for i in range(0, len(texts), BATCH)
    ]


def speed(texts: list[str], repeats: int) -> dict[str, float]:
    """MB/s of each variant on `texts`."""
    tokenizer = train_tokenizer(texts[:5000], 4096)
    tok_json = tokenizer.to_str()
    batches = _batches(texts)
    mb = sum(len(t.encode()) for t in texts) / 1e6
    plain = featurizer(tok_json, N_BUCKETS)
    with_language = featurizer(tok_json, N_BUCKETS, languages=True)

    def run_ascii(bs):
        with ascii_words():
            list(plain(iter(bs)))

    variants = {
        "tokenizer only": lambda bs: [encode(tokenizer, b.column(0).to_pylist()) for b in bs],
        "featurize, ASCII words (before)": run_ascii,
        "featurize, Unicode words": lambda bs: list(plain(iter(bs))),
        "featurize, Unicode words + language": lambda bs: list(with_language(iter(bs))),
    }
    for run in variants.values():
        run(batches)  # warm-up: caches, the language model
    times: dict[str, list[float]] = {name: [0.0] * repeats for name in variants}
    for r in range(repeats):
        for batch in batches:  # batch by batch: a change in the machine's load hits every row
            for name, run in variants.items():
                start = time.perf_counter()
                run([batch])
                times[name][r] += time.perf_counter() - start
    return {name: mb / median(t) for name, t in times.items()}


def speed_runs(texts: list[str], runs: int, repeats: int) -> None:
    """Print featurize + language / before and Unicode words / before for each of `runs`
    runs of `speed`, then their medians."""
    before = "featurize, ASCII words (before)"
    ratios: dict[str, list[float]] = {
        "Unicode words + language / before": [],
        "Unicode words / before": [],
    }
    for run in range(runs):
        rates = speed(texts, repeats)
        ratios["Unicode words + language / before"].append(
            rates["featurize, Unicode words + language"] / rates[before]
        )
        ratios["Unicode words / before"].append(rates["featurize, Unicode words"] / rates[before])
        print(time.strftime("%H:%M:%S"), run + 1, {k: round(v[-1], 3) for k, v in ratios.items()})
    for name, values in ratios.items():
        print(name, " ".join(f"{v:.3f}" for v in values), f"median {median(values):.3f}")


def job_kmeans(texts: pa.Array, k: int, seed: int) -> np.ndarray:
    """Domains of `texts` as the job fits them on its sample: tf-idf over hashed unigram
    buckets, best of the default number of k-means restarts."""
    from splitlib.config import DomainConfig
    from splitlib.discovery import sample_idf, tfidf_rows
    from splitlib.kmeans import best_of

    cfg = DomainConfig()
    _, unigrams = ngrams.hashed_ngrams(texts, N_BUCKETS, with_unigrams=True)
    idf = sample_idf(unigrams, N_BUCKETS)
    vectors = tfidf_rows(unigrams, idf, cfg.dims, seed)
    return best_of(vectors, k, seed, cfg.restarts, cfg.max_iter).labels


def domain_nmi(records: list[dict], k: int, seeds: int) -> dict[str, list[float]]:
    """NMI against the language of the job's k-means, with ASCII and with Unicode words."""
    from splitlib.kmeans import nmi

    texts = pa.array([r["text"] for r in records])
    gold = np.unique([r["language"] for r in records], return_inverse=True)[1]
    out: dict[str, list[float]] = {"ASCII words (before)": [], "Unicode words": []}
    for seed in range(seeds):
        with ascii_words():
            out["ASCII words (before)"].append(nmi(gold, job_kmeans(texts, k, seed)))
        out["Unicode words"].append(nmi(gold, job_kmeans(texts, k, seed)))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--speed-runs",
        type=int,
        default=0,
        help="only the speed part on the bundled corpus, this many times: each run's ratios "
        "and their median (the machine's speed moves between runs; nothing is written)",
    )
    args = parser.parse_args(argv)
    if args.speed_runs:
        speed_runs([r["text"] for r in bundled_records()], args.speed_runs, args.repeats)
        return
    manpages = _records(MANPAGES)
    corpora = {
        "bundled corpus (English)": [r["text"] for r in bundled_records()],
        "manual pages, 6 languages": [r["text"] for r in manpages],
    }
    rows = []
    rates = {}
    for name, texts in corpora.items():
        rates[name] = speed(texts, args.repeats)
        print(name, rates[name], flush=True)
    for variant in next(iter(rates.values())):
        rows.append([variant, *(f"{rates[c][variant]:.2f}" for c in corpora)])
    before = "featurize, ASCII words (before)"
    rows.append(
        [
            "Unicode words / before",
            *(f"{rates[c]['featurize, Unicode words'] / rates[c][before]:.2f}" for c in corpora),
        ]
    )
    rows.append(
        [
            "Unicode words + language / before",
            *(
                f"{rates[c]['featurize, Unicode words + language'] / rates[c][before]:.2f}"
                for c in corpora
            ),
        ]
    )
    quality_rows = []
    for name, records, k in (
        ("manual pages, 6 languages", manpages, 6),
        ("quotations, 9 languages (held out)", _records(FORTUNES), 9),
    ):
        scores = domain_nmi(records, k, args.seeds)
        for variant, s in scores.items():
            quality_rows.append(
                [name, variant, f"{np.mean(s):.3f} ± {np.std(s, ddof=1):.3f}", f"{min(s):.3f}"]
            )
            print(quality_rows[-1], flush=True)
    body = "\n".join(
        [
            f"`python -m benchmarks.bench_multilingual --repeats {args.repeats} --seeds "
            f"{args.seeds}` ({time.strftime('%Y-%m-%d %H:%M')}, {machine()}, one thread).",
            "",
            "Featurize rate, MB/s of text per core (medians; rows interleaved batch by batch):",
            "",
            table(["variant", *corpora], rows),
            "",
            f"Domains against the language: NMI over {args.seeds} seeds (mean ± sd, worst), "
            "k-means as the job fits it, K = number of languages:",
            "",
            table(["corpus", "words", "NMI", "worst seed"], quality_rows),
        ]
    )
    publish("Multilingual features", body, not args.no_write)


if __name__ == "__main__":
    main()
