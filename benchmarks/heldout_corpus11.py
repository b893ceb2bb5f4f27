"""An eleventh held-out corpus for domain discovery: a Bible translation next to its reference works.

    python -m benchmarks.heldout_corpus11   # writes .cache/eval-corpora/heldout-eleven.jsonl

Sources that no other corpus of the project uses, and the large source is prose, not
software documentation: the World English Bible with the Deuterocanon (one body's
translation of many books of many kinds: the law, history and genealogies, psalms and
proverbs, the prophets, the gospels and the letters) next to four smaller sources: two
reference works on the same book that share its vocabulary of names, places and words,
and each other's (Orville J. Nave's Topical Bible, short headings on persons and subjects
with the verses they are in, and James Strong's Hebrew and Greek dictionaries of 1890, a
definition of each word of the original texts and the English words that translate it),
one technical manual (Gnumeric's, a spreadsheet's: cells, formulas, formats, charts,
files, the statistical and solver tools) and one source of prose of another kind, the
story and dialogue of eight campaigns of the strategy game Battle for Wesnoth (kings,
lords and armies, elves, dwarves, orcs and the undead: a vocabulary that meets the
Bible's on kings and battles and on little else). Labelled by source, K = 5, the largest
48% of the documents. The Debian packages are fetched with `apt-get download` and
unpacked under `.cache/heldout-debs/eleven/`, not installed (installing them would add
files that `benchmarks.tuning_corpus` reads). Paragraphs are packed into documents of
about 1,000 characters; markup (the Bible's OSIS XML and the dictionaries' TEI XML,
Gnumeric's DocBook XML and its entities, the campaigns' WML and Pango markup) is taken out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `world-english-bible`: the World English Bible with the Deuterocanon, 2020 text (SWORD module, zText) | `sword-text-web` 426.0-1 | 1450 | public domain |
| `nave-topics`: Nave's Topical Bible (SWORD module, zLD) | `sword-dict-naves` 3.0-1 | 400 | public domain |
| `strongs-dictionary`: Strong's Hebrew and Greek dictionaries (SWORD modules, zLD) | `sword-dict-strongs-hebrew` 3.0-1, `sword-dict-strongs-greek` 3.0-3 | 350 | public domain |
| `gnumeric-manual`: the Gnumeric 1.12 manual (DocBook XML) | `gnumeric-doc` 1.12.55-1 | 380 | GFDL-1.1-or-later, no invariant sections |
| `wesnoth-campaigns`: the story and dialogue of eight Wesnoth 1.16 campaigns (WML) | `wesnoth-1.16-httt`, `-trow`, `-ei`, `-sof`, `-nr`, `-utbs`, `-low`, `-tsg` 1:1.16.9-1 | 450 | GPL-2.0-or-later |

Left out: the Bible's preface (the translators' words, with its public-domain notice),
the books' introductions and their names for the table of contents, its footnotes
(alternative readings, the original words, cross references) and its section titles;
Nave's lines that only point to another topic ("See ...") and the topics left empty
without them, and the references' markup (the references are kept as printed, "Ex
6:16-20"); the beta-code spellings of Strong's Greek words and the entries' XML (the
original word, its transliteration, pronunciation and definition are kept); Gnumeric's
function reference (`functions.xml`, 635 entries generated from the program's help
strings, with its header and footer pages), the book's frame (`gnumeric.xml`: title page,
contents and entity declarations), its licence, legal notice, authors' and history pages,
the pages on compiling, documenting and reporting bugs, and in every page comments,
figures, screenshots, their alternative texts and index terms; from the campaigns,
every string that is not said (`message=`) or told (`story=`): names, objectives, notes
and help, every string that occurs in three files or more (a string of two files is kept
once), and the folders of macros, units and AI (`utils/`, `units/`, `ai/`). Every
paragraph that is a copyright or licence notice is left out. Tried and not used:
`debian-faq`, `bind9-doc` and `lynx-common` as the technical manual, and Wesnoth's own
data package (`wesnoth-1.16-data`: its only campaigns are the tutorial and World
Conquest). No source is nearly all used (the Bible 1450 of 3,521 documents of 200-4,000
characters, Nave 400 of 850, Strong 350 of 1,830, Gnumeric 380 of 530, Wesnoth 450 of
619). Every choice is made by a salted SHA-256 of the document id, so a rebuild gives the
same file (3,030 documents, 4.3 MB; about 6 s once the 98 MB of packages are downloaded).
The file is never committed.
"""

from __future__ import annotations

import html
import re
import struct
import zlib
from collections import Counter
from pathlib import Path

from benchmarks.corpus_builder import HtmlText, fetch_debs, html_text, pieces, write_corpus
from benchmarks.eval_corpora import ROOT, B

SALT = "splitlib-heldout-eleven-v1"
NAME = "heldout-eleven"
WORK = ROOT / ".cache" / "heldout-debs" / "eleven"
WEB = "usr/share/sword/modules/texts/ztext/engWEB2015eb"
NAVE = "usr/share/sword/modules/lexdict/zld/nave/nave"
STRONGS = {
    "H": "usr/share/sword/modules/lexdict/zld/strongshebrew/dict",
    "G": "usr/share/sword/modules/lexdict/zld/strongsgreek/dict",
}
GNUMERIC = "usr/share/help/C/gnumeric"
WESNOTH = "usr/share/games/wesnoth/1.16/data/campaigns"
CAMPAIGNS = ("httt", "trow", "ei", "sof", "nr", "utbs", "low", "tsg")
COPYRIGHT = "./usr/share/doc/*/copyright"
PACKAGES: dict[str, tuple[str, tuple[str, ...]]] = {  # the versions (Debian 12), what to unpack
    "sword-text-web": ("426.0-1", (f"./{WEB}/*", COPYRIGHT)),
    "sword-dict-naves": ("3.0-1", (f"./{NAVE}.*", COPYRIGHT)),
    "sword-dict-strongs-hebrew": ("3.0-1", (f"./{STRONGS['H']}.*", COPYRIGHT)),
    "sword-dict-strongs-greek": ("3.0-3", (f"./{STRONGS['G']}.*", COPYRIGHT)),
    "gnumeric-doc": ("1.12.55-1", (f"./{GNUMERIC}/*.xml", COPYRIGHT)),
}
PACKAGES |= {
    f"wesnoth-1.16-{c}": ("1:1.16.9-1", (f"./{WESNOTH}/*.cfg", COPYRIGHT)) for c in CAMPAIGNS
}
SIZES = {"world-english-bible": 1450, "nave-topics": 400, "strongs-dictionary": 350}
SIZES |= {"gnumeric-manual": 380, "wesnoth-campaigns": 450}
LICENCE = {
    "world-english-bible": "public-domain",
    "nave-topics": "public-domain",
    "strongs-dictionary": "public-domain",
    "gnumeric-manual": "GFDL-1.1-or-later",
    "wesnoth-campaigns": "GPL-2.0-or-later",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|document) is (?:free "
    r"software|distributed)|You should have received a copy|Permission is (?:hereby )?granted"
    r"|.*\blicensed under the terms",
    re.I,
)
GNUMERIC_SKIP = {"gnumeric", "functions", "func-header", "func-footer", "legal"}
GNUMERIC_SKIP |= {"about-license", "about-authors", "about-history", "compiling"}
GNUMERIC_SKIP |= {"documenting", "bugs"}
ENTITY = re.compile(r'<!ENTITY\s+([\w.-]+)\s+"([^"]*)"\s*>')
WML_SAID = re.compile(r'\b(?:message|story)\s*=\s*_\s*"((?:[^"]|"")*)"')
WML_SKIP = {"utils", "units", "ai"}
INLINE = re.compile(r"</?(?:w|q|seg|name|speaker|transChange|hi|ref|reference|foreign)\b[^>]*>")
BIBLE_BREAK = re.compile(
    r'<div\b[^>]*type="x-p"[^>]*/>|<lb\b[^>]*/>|</?lg\b[^>]*>|<chapter\b[^>]*>'
)
SEEN_MAX = 2  # a campaign string in more files than this is a macro's, not the story's


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- SWORD modules


def ztext_entries(module: Path, testament: str) -> list[tuple[int, str]]:
    """A zText module's entries of one testament as (block, OSIS markup), in order.

    The block index (``.bzs``: offset, size, uncompressed size) finds the zlib-compressed
    blocks (``.bzz``, one a book); the verse index (``.bzv``: block, offset, two-byte size)
    finds each entry (a verse, or a book's or chapter's heading) in its block.
    """
    base = module / testament
    index = base.with_suffix(".bzs").read_bytes()
    data = base.with_suffix(".bzz").read_bytes()
    blocks = []
    for at in range(0, len(index), 12):
        offset, size, _ = struct.unpack("<III", index[at : at + 12])
        blocks.append(zlib.decompress(data[offset : offset + size]) if size else b"")
    verses = base.with_suffix(".bzv").read_bytes()
    out, last = [], None
    for at in range(0, len(verses), 10):
        block, offset, size = struct.unpack("<IIH", verses[at : at + 10])
        if not size or (block, offset) == last:
            continue
        last = (block, offset)
        out.append((block, blocks[block][offset : offset + size].decode("utf-8", "replace")))
    return out


def zld_entries(base: Path) -> list[tuple[str, str]]:
    """A zLD dictionary's entries as (key, markup), in key order.

    The key index (``.idx``: offset, size) finds each key in ``.dat``, followed by the
    number of its compressed block and its place in the block; the block index (``.zdx``:
    offset, size) finds the block in ``.zdt``; a block starts with its entry count and an
    (offset, size) for each entry.
    """
    idx = base.with_suffix(".idx").read_bytes()
    dat = base.with_suffix(".dat").read_bytes()
    zdx = base.with_suffix(".zdx").read_bytes()
    zdt = base.with_suffix(".zdt").read_bytes()
    blocks: dict[int, bytes] = {}
    out = []
    for at in range(0, len(idx), 8):
        offset, size = struct.unpack("<II", idx[at : at + 8])
        key, _, rest = dat[offset : offset + size].partition(b"\n")
        if len(rest) < 8:
            continue
        block, entry = struct.unpack("<II", rest[:8])
        if block not in blocks:
            start, length = struct.unpack("<II", zdx[block * 8 : block * 8 + 8])
            blocks[block] = zlib.decompress(zdt[start : start + length])
        start, length = struct.unpack("<II", blocks[block][4 + 8 * entry : 12 + 8 * entry])
        text = blocks[block][start : start + length].rstrip(b"\0").decode("utf-8", "replace")
        out.append((key.rstrip(b"\r").decode("utf-8", "replace"), text))
    return out


def tags_out(markup: str) -> str:
    """XML markup as one line of text: tags out, entities resolved, spaces collapsed.

    An inline element (a word, a quotation, a reference) leaves nothing; any other a space.
    """
    text = INLINE.sub("", markup)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ([,;:.?!)”’])", r"\1", re.sub(r"([(“‘]) ", r"\1", text))


def bible_text(markup: str) -> list[str]:
    """A book's verses (OSIS) as paragraphs: notes and titles out.

    A paragraph mark, a paragraph break, a chapter's start and a poem's stanza break it.
    """
    markup = re.sub(r"(?s)<note\b.*?</note>|<title\b.*?</title>", " ", markup)
    markup = BIBLE_BREAK.sub("\n\n", markup)
    return [p for p in map(tags_out, markup.split("\n\n")) if p]


def nave_text(key: str, markup: str) -> str:
    """A topic of Nave's as ``TOPIC: heading refs; heading refs``; empty if it only points on."""
    parts = re.split(r"<lb\s*/>|<item\b[^>]*>", markup)
    lines = [tags_out(x).lstrip("→ ").strip() for x in parts]
    lines = [x for x in lines if x and not x.startswith("See ")]
    return f"{key.strip()}: " + "\n".join(lines) if lines else ""


def strongs_text(letter: str, key: str, markup: str) -> str:
    """An entry of Strong's as ``H1 word transliteration pronunciation definition``."""
    markup = re.sub(r'(?s)<orth type="writing">.*?</orth>', "", markup)
    return f"{letter}{int(key)} {tags_out(markup)}"


# --------------------------------------------------------------------------- markup


class _DocBookXml(HtmlText):
    """DocBook XML as text: sections, paragraphs and lists as blocks, figures and index out."""

    BLOCK = HtmlText.BLOCK | {"para", "simpara", "sect1", "sect2", "sect3", "sect4", "section"}
    BLOCK |= {"itemizedlist", "orderedlist", "variablelist", "programlisting", "screen"}
    BLOCK |= {"note", "tip", "warning", "important", "formalpara", "refsect1", "refsect2"}
    LINE = HtmlText.LINE | {"listitem", "varlistentry", "term", "step", "row", "entry"}
    SKIP_TAG = HtmlText.SKIP_TAG | {"figure", "screenshot", "mediaobject", "indexterm"}
    SKIP_TAG |= {"inlinemediaobject", "textobject", "sectioninfo", "chapterinfo", "info"}
    SKIP_TAG |= {"bookinfo", "legalnotice", "remark"}

    def handle_starttag(self, tag, attrs):
        super().handle_starttag(tag, attrs)
        if tag in ("programlisting", "screen", "synopsis") and not self.skip:
            self.pre += 1

    def handle_endtag(self, tag):
        if tag in ("programlisting", "screen", "synopsis") and not self.skip:
            self.pre -= 1
        super().handle_endtag(tag)


def entities(root: Path) -> dict[str, str]:
    """The text entities that Gnumeric's book declares (``&gnum;``), markup taken out."""
    book = (root / GNUMERIC / "gnumeric.xml").read_text("utf-8", "replace")
    return {
        name: html.unescape(re.sub(r"<[^>]+>", "", value)) for name, value in ENTITY.findall(book)
    }


def gnumeric_text(markup: str, names: dict[str, str]) -> str:
    """A chapter of Gnumeric's manual as text: comments out, the book's entities resolved."""
    markup = re.sub(r"(?s)<!--.*?-->|<\?xml[^>]*\?>|<!DOCTYPE[^>]*>", "", markup)
    markup = re.sub(r"&([\w.-]+);", lambda m: names.get(m.group(1), m.group(0)), markup)
    return html_text(markup, _DocBookXml)


def wml_said(markup: str) -> list[str]:
    """What is said and told in a WML scenario: its ``message=`` and ``story=`` strings."""
    out = []
    for raw in WML_SAID.findall(markup):
        text = html.unescape(re.sub(r"</?\w+[^>]*>", "", raw.replace('""', '"')))
        text = re.sub(r"\s+", " ", text).strip()
        if text:
            out.append(text)
    return out


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def bible_documents(root: Path) -> list[dict]:
    """The Bible book by book: a book's introduction (before its first verse) left out."""
    out = []
    for testament in ("ot", "nt"):
        books: dict[int, list[str]] = {}
        for block, markup in ztext_entries(root / WEB, testament):
            if re.search(r'type="(?:front|introduction|x-introduction)"', markup):
                continue  # the preface and the books' introductions
            if 'type="x-usfm-toc1"' in markup and "<verse" not in markup:
                continue  # a book's heading entry: its names for the table of contents
            books.setdefault(block, []).append(markup)
        for block, verses in books.items():
            paras = bible_text(" ".join(verses))
            out += _pieces("world-english-bible", f"{testament}/{block:02d}", paras)
    return out


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    out["world-english-bible"] = bible_documents(root)
    letters: dict[str, list[str]] = {}
    for key, markup in zld_entries(root / NAVE):
        text = nave_text(key, markup)
        if text:
            letters.setdefault(key.strip()[:1].upper(), []).append(text)
    for letter, paras in letters.items():
        out["nave-topics"] += _pieces("nave-topics", letter, paras)
    for letter, path in STRONGS.items():
        hundreds: dict[int, list[str]] = {}
        for key, markup in zld_entries(root / path):
            if key.strip().isdigit():
                hundreds.setdefault(int(key) // 100, []).append(strongs_text(letter, key, markup))
        for n, paras in hundreds.items():
            out["strongs-dictionary"] += _pieces("strongs-dictionary", f"{letter}{n:03d}", paras)
    names = entities(root)
    for path in sorted((root / GNUMERIC).glob("*.xml")):
        if path.stem not in GNUMERIC_SKIP:
            text = gnumeric_text(path.read_text("utf-8", "replace"), names)
            out["gnumeric-manual"] += _pieces("gnumeric-manual", path.stem, B.paragraphs(text))
    scenarios = {}
    for path in sorted((root / WESNOTH).rglob("*.cfg")):
        rel = path.relative_to(root / WESNOTH)
        if not WML_SKIP & set(rel.parts):
            scenarios[rel.with_suffix("").as_posix()] = wml_said(path.read_text("utf-8", "replace"))
    seen = Counter(t for said in scenarios.values() for t in set(said))
    kept: set[str] = set()
    for name, said in scenarios.items():
        paras = [t for t in said if seen[t] <= SEEN_MAX and t not in kept]
        kept |= set(paras)
        out["wesnoth-campaigns"] += _pieces("wesnoth-campaigns", name, paras)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
