"""An eighteenth held-out corpus for domain discovery: a GIS manual next to a proxy's, an EDA suite's, an astronomy handbook and a game's dialogues.

    python -m benchmarks.heldout_corpus18   # writes .cache/eval-corpora/heldout-eighteen.jsonl

Sources that no other corpus of the project uses. One large source with many subjects
inside it (the reference manual of GRASS GIS 8.2, one page a module and an introduction
to each kind of data: raster, vector, 3D raster and imagery processing, hydrology and
terrain analysis, interpolation, classification and remote sensing, map projections,
temporal data sets, databases and cartography; technical, of the scientific kind) next
to four smaller sources: HAProxy 2.6's manuals (the configuration manual, the
management guide and the introduction: HTTP, load balancing, ACLs, logs, TLS and the
runtime API; technical, of a network administrator's kind), KiCad 6's manuals
(schematic capture, board layout, Gerber viewing, footprints and symbols, the PCB
calculator and the drawing sheet editor: electronics design, technical, of the user's
guide kind), the KStars handbook (a desktop planetarium's guide, with its AstroInfo
articles on celestial coordinates, time, precession, stars' magnitudes and colours,
galaxies and dark matter: popular scientific writing next to a program's guide) and the
texts of FreeDroidRPG, a role-playing game (its characters' lines and the player's
answers, and its items' descriptions: fiction, mostly in conversation, and the only
text here that is not about software or science). Labelled by source, K = 5, the
largest 48% of the documents. The Debian packages are fetched with `apt-get download`
and unpacked under `.cache/heldout-debs/eighteen/`, not installed (installing them would
add files that `benchmarks.tuning_corpus` reads: every package a changelog); of
`grass-doc` only its HTML pages, of `kstars-data` (79 MB) only the English handbook and
of `freedroidrpg-data` (228 MB) only the dialogues and the items' file are unpacked.
Paragraphs are packed into documents of about 1,000 characters; markup (GRASS's,
haproxy-dconv's and Asciidoctor's HTML, KDE's DocBook, FreeDroidRPG's Lua) is taken
out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `grass-manual`: the GRASS GIS 8.2.1 reference manual (HTML) | `grass-doc` 8.2.1-1 | 1420 | GPL-2.0-or-later |
| `haproxy-manual`: HAProxy 2.6's configuration manual, management guide and introduction (HTML) | `haproxy-doc` 2.6.12-1+deb12u4 | 720 | GPL-2.0-or-later |
| `kicad-manual`: KiCad 6.0's manuals, English (HTML) | `kicad-doc-en` 6.0.11+dfsg-1 | 300 | GPL-3.0-or-later OR CC-BY-3.0 |
| `kstars-handbook`: the KStars 3.6 handbook and its AstroInfo articles (DocBook) | `kstars-data` 5:3.6.2-2 | 240 | GFDL-1.2-or-later (no invariant sections) |
| `freedroid-texts`: FreeDroidRPG 1.0's dialogues and item descriptions (Lua) | `freedroidrpg-data` 1.0-1 | 260 | GPL-2.0-or-later |

Left out: of GRASS its index pages (the main, full, graphical, keyword and topic indexes
and each kind's list of modules, `*_graphical.html`), the pages of its tests, the table
of standard options and the gallery, and on every page the logo, menu and table of
contents, the navigation and copyright footer, and the KEYWORDS, SEE ALSO, REFERENCES
(lists of citations), AUTHORS and SOURCE CODE sections; of HAProxy each manual's title
page, summary (the table of contents), side bar and footer, and the Lua API reference;
of KiCad each manual's header, table of contents, preamble (its copyright, contributors
and feedback notes) and footer; of KStars the credits, the AstroInfo table of contents
(`ai-contents`), the book's information, authors, index terms, screenshots' captions and
alternative texts, while DocBook's entities for names are written out (``&kstars;``
becomes KStars, ``&Ctrl;`` Ctrl+) and those for people and included files dropped; of
FreeDroidRPG its maps, code, graphics and sounds, each dialogue's code, comments and
notes for translators, its notes for the game's wiki, the game's ``[b]`` markup, the
lines of the one dialogue that parodies NetHack (`c-net-nethack_sub`, a game that
another corpus has), every node of a dialogue whose lines come to fewer than 40
characters (a node is the lines between two ``id = "..."``), and the dummy item. Every
paragraph that is a copyright or licence notice is left out. Tried and not used: the
history of the Debian project (`debian-history`: a PDF and little English text), LyX's
manuals (`lyx-common`: a third user's guide to a program next to KiCad's and KStars'),
the `units` database (definitions, with little prose), and prose from PyPI and npm (the
packages of quotes, jokes, lyrics and books found there fetch them from services, ship
too few, or are in other corpora). No source is nearly all used (GRASS 1420 of 2,328
documents of 200-4,000 characters, HAProxy 720 of 1,192, KiCad 300 of 424, KStars 240
of 323, FreeDroidRPG 260 of 332). Every choice is made by a salted SHA-256 of the
document id, so a rebuild gives the same file (2,940 documents, 3.9 MB; about 4 s once
the 345 MB of packages are downloaded, and 18 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from benchmarks.corpus_builder import (
    HtmlText,
    fetch_debs,
    html_text,
    pieces,
    raw_text,
    write_corpus,
)
from benchmarks.eval_corpora import ROOT, B

SALT = "splitlib-heldout-eighteen-v1"
NAME = "heldout-eighteen"
WORK = ROOT / ".cache" / "heldout-debs" / "eighteen"
GRASS = "usr/share/doc/grass-doc/html"
HAPROXY = "usr/share/doc/haproxy/html"
KICAD = "usr/share/doc/kicad/help/en"
KSTARS = "usr/share/doc/HTML/en/kstars"
DIALOGS = "usr/share/freedroidrpg/data/storyline"
ITEMS = "usr/share/freedroidrpg/data/base/item_specs.lua"
COPYRIGHT = "./usr/share/doc/*/copyright"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "grass-doc": ("8.2.1-1", (f"./{GRASS}/*.html", COPYRIGHT)),
    "haproxy-doc": ("2.6.12-1+deb12u4", (f"./{HAPROXY}/*.html", COPYRIGHT)),
    "kicad-doc-en": ("6.0.11+dfsg-1", (f"./{KICAD}/*.html", COPYRIGHT)),
    "kstars-data": ("5:3.6.2-2", (f"./{KSTARS}/*.docbook", COPYRIGHT)),
    "freedroidrpg-data": ("1.0-1", (f"./{DIALOGS}/*/dialogs/*.lua", f"./{ITEMS}", COPYRIGHT)),
}
SIZES = {"grass-manual": 1420, "haproxy-manual": 720, "kicad-manual": 300}
SIZES |= {"kstars-handbook": 240, "freedroid-texts": 260}
LICENCE = {
    "grass-manual": "GPL-2.0-or-later",
    "haproxy-manual": "GPL-2.0-or-later",
    "kicad-manual": "GPL-3.0-or-later OR CC-BY-3.0",
    "kstars-handbook": "GFDL-1.2-or-later",
    "freedroid-texts": "GPL-2.0-or-later",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"[\s:*-]*(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book|document|file) "
    r"is (?:free software|distributed|licensed)|You should have received a copy|Permission is "
    r"(?:hereby )?granted|SPDX-License-Identifier|Licensed under the |(?:This|The) documentation "
    r"is licensed",
    re.I,
)
GRASS_SKIP = re.compile(
    r"index|_graphical|^topics?[._]|^keywords|^test\.|^parser_standard_options|^manual_gallery"
    r"|^(?:database|display|general|imagery|miscellaneous|postscript|raster|raster3d|temporal"
    r"|vector)\.html$"
)
GRASS_DROP = {"KEYWORDS", "SEE ALSO", "REFERENCES", "REFERENCE", "AUTHOR", "AUTHORS"}
GRASS_DROP |= {"SOURCE CODE"}
HAPROXY_FILES = ("configuration", "management", "intro")
KSTARS_SKIP = {"credits", "ai-contents"}
ENTITIES = {"kstars": "KStars", "kde": "KDE", "ie": "i.e.", "eg": "e.g.", "etc": "etc."}
ENTITIES |= {"DBus": "D-Bus", "MacOS": "macOS", "kdevelop": "KDevelop", "ubuntu": "Ubuntu"}
ENTITIES |= {"FAQ": "FAQ", "GUI": "GUI", "Ctrl": "Ctrl", "Shift": "Shift", "Space": "Space"}
ENTITIES |= {"Windows": "Windows", "Linux": "Linux", "URL": "URL", "XML": "XML"}
DIALOG_SKIP = {"c-net-nethack_sub"}  # NetHack parodied; another corpus has NetHack
LUA = r'_\s*(?:\[(=*)\[(.*?)\]\1\]|"((?:[^"\\\n]|\\.)*)")'  # a translatable string
LUA_STRING = re.compile(LUA, re.S)
ITEM_TEXT = re.compile(r"\bdescription\s*=\s*" + LUA, re.S)
MARKUP = re.compile(r"\[/?[a-z]+\]")  # the game's [b] ... [/b]
SHORTEST = 40  # a dialogue node whose lines come to fewer characters is left out


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def grass_text(markup: str) -> str:
    """A GRASS manual page as text: between its header and footer rules, lists of links out."""
    parts = markup.split('<hr class="header">')
    body = "".join(parts[1:-1]) if len(parts) > 2 else markup
    sections = re.split(r"(?is)<h2[^>]*>(.*?)</h2>", body)
    kept = [sections[0]]
    for head, text in zip(sections[1::2], sections[2::2], strict=True):
        if html_text(head).strip().upper() not in GRASS_DROP:
            kept += [f"<h2>{head}</h2>", text]
    text = html_text("".join(kept))
    return text.split("\n\nMain index | ")[0]  # the footer, where a page has more rules


def haproxy_text(markup: str) -> str:
    """A HAProxy manual as text: from its first chapter (after the summary) to its footer."""
    heads = [m.start() for m in re.finditer(r'<div class="page-header">', markup)]
    start = heads[1] if len(heads) > 1 else 0
    end = markup.find('<div style="position: fixed')
    text = html_text(markup[start : end if end > start else len(markup)])
    return re.sub(r"\n\nHAProxy \d\S* \S+ [^\n]*(?:Manual|Guide)\n[^\n]*$", "", text)


def kicad_text(markup: str) -> str:
    """A KiCad manual as text: its chapters, without header, contents, preamble and footer."""
    start = markup.find('<div class="sect1">')
    end = markup.find('<div id="footer">')
    return html_text(markup[max(start, 0) : end if end > start else len(markup)])


class DocBookText(HtmlText):
    """KDE's DocBook as text: paras, titles and list items as blocks; metadata left out."""

    BLOCK = HtmlText.BLOCK | {"para", "title", "screen", "programlisting", "tip", "note"}
    BLOCK |= {"warning", "important", "caution", "question", "answer", "itemizedlist"}
    BLOCK |= {"orderedlist", "variablelist", "informaltable", "simpara", "blockquote"}
    LINE = HtmlText.LINE | {"listitem", "term", "row"}
    SKIP_TAG = HtmlText.SKIP_TAG | {"indexterm", "sect1info", "sect2info", "chapterinfo"}
    SKIP_TAG |= {"bookinfo", "screeninfo", "textobject", "author", "authorgroup", "legalnotice"}
    SKIP_TAG |= {"caption", "abstract"}


def _entity(m: re.Match) -> str:
    name = m.group(1)
    if name in ENTITIES:
        return ENTITIES[name]
    plain = html.unescape(m.group(0))
    return "" if plain == m.group(0) else m.group(0)  # names, addresses, included files


def docbook_text(source: str) -> str:
    """A KStars DocBook file as text; its entities for names written out or dropped."""
    source = re.sub(r"(?s)<!DOCTYPE.*?\]>", "", source)
    source = re.sub(r"<\?xml[^>]*\?>|<!--.*?-->", "", source, flags=re.S)
    source = re.sub(r"(&(?:Ctrl|Shift|Alt);)\s*", r"\1+", source)  # Ctrl+N, not CtrlN
    source = re.sub(r"&([A-Za-z][\w.-]*);", _entity, source)
    return html_text(source, DocBookText)


def lua_text(m: re.Match) -> str:
    """One translatable Lua string matched by ``LUA``, its escapes and the game's markup out."""
    text = m.group(2) if m.group(2) is not None else m.group(3)
    if m.group(2) is None:
        text = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": " "}.get(e[1], e[1]), text)
    return B.clean(MARKUP.sub("", text))


def item_texts(source: str) -> list[str]:
    """The descriptions of FreeDroidRPG's items, 40 characters or more (no dummy item)."""
    texts = (lua_text(m) for m in ITEM_TEXT.finditer(source))
    return [t for t in texts if len(t) >= SHORTEST and not t.startswith("Dummy item")]


def dialog_nodes(source: str) -> list[str]:
    """A FreeDroidRPG dialogue's lines, one block a node (and one for its first lines)."""
    source = re.sub(r"(?s)--\[\[WIKI.*?WIKI\]\]--", "", source)
    source = re.sub(r"(?m)--(?!\[).*$", "", source)  # comments, notes for translators
    blocks = []
    for part in re.split(r'\bid\s*=\s*"', source):
        lines = (lua_text(m) for m in LUA_STRING.finditer(part))
        block = "\n".join(t for t in lines if t)
        if len(block) >= SHORTEST:
            blocks.append(block)
    return blocks


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for path in sorted((root / GRASS).glob("*.html")):
        if GRASS_SKIP.search(path.name):
            continue
        text = grass_text(raw_text(path, "replace"))
        out["grass-manual"] += _pieces("grass-manual", path.stem, B.paragraphs(text))
    for name in HAPROXY_FILES:
        text = haproxy_text(raw_text(root / HAPROXY / f"{name}.html"))
        out["haproxy-manual"] += _pieces("haproxy-manual", name, B.paragraphs(text))
    for path in sorted((root / KICAD).glob("*.html")):
        text = kicad_text(raw_text(path))
        out["kicad-manual"] += _pieces("kicad-manual", path.stem, B.paragraphs(text))
    for path in sorted((root / KSTARS).glob("*.docbook")):
        if path.stem in KSTARS_SKIP:
            continue
        text = docbook_text(raw_text(path))
        out["kstars-handbook"] += _pieces("kstars-handbook", path.stem, B.paragraphs(text))
    for path in sorted((root / DIALOGS).glob("*/dialogs/*.lua")):
        if path.stem in DIALOG_SKIP:
            continue
        name = f"{path.parent.parent.name}/{path.stem}"
        blocks = dialog_nodes(raw_text(path))
        out["freedroid-texts"] += _pieces("freedroid-texts", name, blocks)
    items = item_texts(raw_text(root / ITEMS))
    out["freedroid-texts"] += _pieces("freedroid-texts", "items", items)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
