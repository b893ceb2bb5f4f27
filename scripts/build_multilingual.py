"""Build a small multilingual corpus of real text: Linux manual pages in six languages.

Pages translated by people from the English manual, in German, French, Russian, Japanese
and Chinese (Debian's manpages-de/-fr/-ru, manpages-ja, manpages-zh), and English pages
of the same kind (Debian's manpages and the pages installed with it). All of them are
technical text full of the same ASCII command names and options, so a clustering that
follows topics or that ASCII cannot separate the languages; one that reads the words of
every script can. Many translations are partial: a page is kept only when most of its
words are not in its English original. Each record carries its language as `language`.

Needs, as root: apt-get install manpages manpages-de manpages-fr manpages-ru manpages-ja manpages-zh

    python scripts/build_multilingual.py --out tests/data/manpages-multilingual.jsonl.gz

`--source fortunes` builds a second corpus, of quotations in nine languages, used for
held-out evaluation in benchmarks/ (apt-get install fortunes fortunes-de fortunes-ru
fortunes-es fortunes-it fortunes-pl fortunes-br fortunes-cs fortunes-zh).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import re
import unicodedata
from pathlib import Path

import pyarrow as pa

from splitlib.ngrams import words_of

MAN = Path("/usr/share/man")
LANGUAGES = {"en": "", "de": "de", "fr": "fr", "ru": "ru", "ja": "ja", "zh": "zh_CN"}
SECTIONS = ("man1", "man2", "man3", "man4", "man5", "man7", "man8")

# groff names of the accented letters and quotes the translations use
_ACCENTS = {
    ":": "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    ",": "\u0327",
    "~": "\u0303",
}
_GLYPHS = {
    "ss": "ß",
    "aq": "'",
    "cq": "'",
    "lq": "“",
    "rq": "”",
    "Bq": "„",
    "Fo": "«",
    "Fc": "»",
    "bu": "•",
    "en": "–",
    "em": "—",
    "co": "©",
    "rs": "\\",
    "at": "@",
    "ha": "^",
    "ul": "_",
}
_NAMED = re.compile(r"\\\((..)|\\\[([^\]]*)\]")


def _glyph(match: re.Match) -> str:
    name = match.group(1) or match.group(2)
    if len(name) == 2 and name[0] in _ACCENTS:
        return unicodedata.normalize("NFC", name[1] + _ACCENTS[name[0]])
    return _GLYPHS.get(name, " ")


_FONT = re.compile(r"\\f(\[[^\]]*\]|\(..|.)")
_STRING = re.compile(r"\\\*\((..)|\\\*(\S)")  # roff strings: \*(Aq, \*(C`, \*x
_STRINGS = {"Aq": "'", "C`": '"', "C'": '"', 'L"': '"', 'R"': '"', "lq": "“", "rq": "”"}
_ESCAPE = re.compile(r"\\[&/,|^%:]")
_MACRO_TEXT = {".SH", ".SS", ".B", ".I", ".BR", ".IR", ".RB", ".RI", ".BI", ".IB", ".SM", ".SB"}


def roff_to_text(source: str) -> str:
    """Plain text of a man page's roff source: macros dropped, their text kept."""
    lines = []
    for line in source.splitlines():
        if line.startswith(('.\\"', "'\\\"", '.\\\\"')) or line.startswith('\\"'):
            continue
        if line.startswith((".", "'")):
            macro, _, rest = line.partition(" ")
            if macro not in _MACRO_TEXT:
                continue
            line = rest.replace('"', "")
        line = _FONT.sub("", line)
        line = _NAMED.sub(_glyph, line)
        line = _STRING.sub(lambda m: _STRINGS.get(m.group(1) or m.group(2), ""), line)
        line = _ESCAPE.sub("", line)
        line = line.replace("\\-", "-").replace("\\e", "\\").replace("\\ ", " ")
        lines.append(line)
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def page_names(lang_dir: Path) -> set[str]:
    return {
        f"{section}/{p.name}"
        for section in SECTIONS
        for p in (lang_dir / section).glob("*.gz")
        if p.is_file()
    }


def translated_share(text: str, english: str) -> float:
    """Share of a page's words that its English original does not have (1 = fully translated)."""
    words = words_of(pa.array([text, english])).to_pylist()
    if not words[0]:
        return 0.0
    original = set(words[1])
    return sum(w not in original for w in words[0]) / len(words[0])


def read_page(path: Path, max_chars: int) -> str:
    return roff_to_text(gzip.decompress(path.read_bytes()).decode("utf-8", "replace"))[:max_chars]


def build(out: Path, per_language: int, max_chars: int, min_translated: float) -> dict[str, int]:
    """Up to `per_language` pages per language; a translation counts only when at least
    `min_translated` of its words are not in the English page (many are partly untranslated)."""
    dirs = {lang: MAN / sub if sub else MAN for lang, sub in LANGUAGES.items()}
    missing = [lang for lang, d in dirs.items() if not (d / "man1").is_dir()]
    if missing:
        raise SystemExit(
            f"manual pages missing for {missing}: apt-get install the manpages packages"
        )
    english = page_names(dirs["en"])
    translated = {lang: page_names(d) & english for lang, d in dirs.items() if lang != "en"}
    # English pages that have a translation: the same kind of technical text in every language
    candidates = {"en": set.union(*translated.values()), **translated}
    counts = {lang: 0 for lang in LANGUAGES}
    seen: set[str] = set()
    records = []
    for lang, names in candidates.items():
        # a stable choice of pages, independent of the file system's order
        for name in sorted(names, key=lambda n: hashlib.sha256(n.encode()).hexdigest()):
            if counts[lang] >= per_language:
                break
            text = read_page(dirs[lang] / name, max_chars)
            digest = hashlib.sha256(text.encode()).hexdigest()
            if len(text) < 200 or digest in seen:
                continue  # too short, or the same page under another name
            if lang != "en":
                original = read_page(dirs["en"] / name, max_chars)
                if translated_share(text, original) < min_translated:
                    continue
            seen.add(digest)
            page = name.split("/")[1].removesuffix(".gz")
            records.append({"id": f"{lang}/{page}", "text": text, "language": lang})
            counts[lang] += 1
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode())
    return counts


FORTUNES = Path("/usr/share/games/fortunes")
FORTUNE_FILES = {  # language -> files or folders of quotations (Debian's fortunes-* packages)
    "en": ["fortunes", "literature", "wisdom", "people", "science", "work", "politics"],
    "de": ["de"],
    "ru": ["ru"],
    "es": ["es"],
    "it": ["it"],
    "pl": ["pl"],
    "pt": ["brasil"],
    "cs": ["cs"],
    "zh": ["chinese"],
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def build_fortunes(out: Path, per_language: int, min_chars: int = 80) -> dict[str, int]:
    """Quotations in nine languages (Debian's fortunes, fortunes-de/-ru/-es/-it/-pl/-br/-cs/-zh):
    short, informal text of another kind than the manual pages, for held-out evaluation."""
    counts = {}
    records = []
    for lang, names in FORTUNE_FILES.items():
        files = []
        for name in names:
            path = FORTUNES / name
            files += (
                sorted(p for p in path.iterdir() if p.is_file() and p.suffix not in (".dat", ".u8"))
                if path.is_dir()
                else [path]
            )
        missing = [str(f) for f in files if not f.is_file()]
        if missing or not files:
            raise SystemExit(
                f"fortunes missing for {lang}: apt-get install the fortunes-* packages"
            )
        quotes = []
        for f in files:
            text = _ANSI.sub("", f.read_text("utf-8", "replace"))
            for i, quote in enumerate(text.split("\n%\n")):
                quote = quote.strip()
                if len(quote) >= min_chars:
                    quotes.append((f"{lang}/{f.name}#{i}", quote))
        quotes.sort(key=lambda q: hashlib.sha256(q[0].encode()).hexdigest())
        seen: set[str] = set()
        for qid, quote in quotes:
            if len(seen) >= per_language:
                break
            if quote not in seen:
                seen.add(quote)
                records.append({"id": qid, "text": quote, "language": lang})
        counts[lang] = len(seen)
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(out, "wb", mtime=0) as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode())
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=Path("tests/data/manpages-multilingual.jsonl.gz")
    )
    parser.add_argument("--per-language", type=int, default=120)
    parser.add_argument("--max-chars", type=int, default=3000)
    parser.add_argument("--min-translated", type=float, default=0.65)
    parser.add_argument(
        "--source", choices=["manpages", "fortunes"], default="manpages", help="which text"
    )
    args = parser.parse_args()
    if args.source == "fortunes":
        print(build_fortunes(args.out, args.per_language))
    else:
        print(build(args.out, args.per_language, args.max_chars, args.min_translated))


if __name__ == "__main__":
    main()
