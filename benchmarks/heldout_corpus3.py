"""A third held-out corpus for domain discovery: help pages next to game lore and nation histories.

    python -m benchmarks.heldout_corpus3   # writes .cache/eval-corpora/heldout-help.jsonl

Sources that no other corpus of the project uses, and text of other kinds than theirs. One
large help collection with many subjects inside it (LibreOffice's: spreadsheet functions,
from financial and statistical ones to text and date functions, word processing, slides,
drawing, databases, formula editing, macro programming) next to four smaller sources: the
GNOME desktop's user help (end-user help like the large one, but about a desktop: settings,
networks, printing, accessibility), two fantasy games' descriptions of monsters, gods,
spells, units and places, with one game's campaign stories and dialogue (the two similar
sources), and a strategy game's short histories of 559 nations with its help on rules,
units, buildings and governments, and its rulesets' design notes. Labelled by source, K = 5,
the largest 52% of the documents. The Debian packages are fetched with `apt-get download`
and unpacked under `.cache/heldout-debs/help/`, not installed (installing them would add
files that `benchmarks.tuning_corpus` reads). Paragraphs are packed into documents of about
1,000 characters; markup (HTML, Mallard XML, WML and ruleset string syntax, colour tags) is
taken out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `libreoffice-help`: LibreOffice 7.4's help (HTML) | `libreoffice-help-en-us` 4:7.4.7-1+deb12u14 | 1500 | MPL-2.0 |
| `gnome-help`: the GNOME Help (Mallard pages) | `gnome-user-docs` 43.0-2 | 350 | CC-BY-SA-3.0 |
| `crawl-lore`: Dungeon Crawl Stone Soup's descriptions | `crawl-common` 2:0.28.0-1.1 | 330 | GPL-2.0-or-later |
| `wesnoth-lore`: Wesnoth's unit descriptions, help, two campaigns' stories and dialogue | `wesnoth-1.16-data`, `-httt`, `-tsg` 1:1.16.9-1 | 400 | GPL-2.0-or-later |
| `freeciv`: Freeciv's nation legends, its help (civ2civ3 rules), the rulesets' READMEs | `freeciv-data` 3.0.6-1+deb12u1 | 300 | GPL-2.0-or-later |

Left out: Crawl's `quotes.txt` (quotations from published books), its key-binding and
tutorial texts, its entries that are Lua code or only point at another entry; LibreOffice's
pages of related topics and footers; the GNOME pages' credits, links and licence notes;
Freeciv's rulesets other than civ2civ3 (they repeat its help texts); every string of fewer
than 20 characters in Wesnoth and Freeciv (names and labels). Tried and not used:
Stellarium's sky-culture descriptions (too few under free licences, several are NC or ND),
LilyPond's music glossary and essay (about 250 documents). The small sources are nearly all
used (GNOME 350 of 391 documents of 200-4,000 characters, Crawl 330 of 344, Wesnoth 400 of
403, Freeciv 300 of 302). Every choice is made by a salted SHA-256 of the document id, so a
rebuild gives the same file (2,880 documents, 3.1 MB; about 5 s once the 187 MB of packages
are downloaded and the 7 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.corpus_builder import HtmlText, fetch_debs, html_text, pieces, write_corpus
from benchmarks.eval_corpora import ROOT, B

SALT = "splitlib-heldout-help-v1"
NAME = "heldout-help"
WORK = ROOT / ".cache" / "heldout-debs" / "help"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "libreoffice-help-en-us": ("4:7.4.7-1+deb12u14", ()),
    "gnome-user-docs": ("43.0-2", ("./usr/share/help/C/*", "./usr/share/doc/*")),
    "crawl-common": ("2:0.28.0-1.1", ("./usr/share/crawl/dat/*", "./usr/share/doc/*")),
    "freeciv-data": ("3.0.6-1+deb12u1", ()),
    "wesnoth-1.16-data": ("1:1.16.9-1", ("*.cfg", "./usr/share/doc/*")),
    "wesnoth-1.16-httt": ("1:1.16.9-1", ("*.cfg", "./usr/share/doc/*")),
    "wesnoth-1.16-tsg": ("1:1.16.9-1", ("*.cfg", "./usr/share/doc/*")),
}
SIZES = {"libreoffice-help": 1500, "gnome-help": 350, "crawl-lore": 330}
SIZES |= {"wesnoth-lore": 400, "freeciv": 300}
LICENCE = {
    "libreoffice-help": "MPL-2.0",
    "gnome-help": "CC-BY-SA-3.0",
    "crawl-lore": "GPL-2.0-or-later",
    "wesnoth-lore": "GPL-2.0-or-later",
    "freeciv": "GPL-2.0-or-later",
}
CRAWL_SKIP = ("quotes", "commands", "tutorial", "hints", "unident")
WESNOTH_KEYS = ("story", "message", "description", "help_topic_text", "text", "note")
FREECIV_KEYS = ("helptext", "legend", "text")


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


class _Help(HtmlText):
    """LibreOffice's help pages and GNOME's Mallard pages as text."""

    SKIP_TAG = HtmlText.SKIP_TAG | {"header", "aside", "footer", "nav", "info", "media", "comment"}
    SKIP_CLASS = HtmlText.SKIP_CLASS | {"relatedtopics", "relatedbody", "related"}
    BLOCK = HtmlText.BLOCK | {"section", "list", "steps", "terms", "note", "screen", "code"}
    BLOCK |= {"listing", "synopsis", "figure"}
    LINE = HtmlText.LINE | {"item", "td"}


def help_text(markup: str) -> str:
    return html_text(markup, _Help)


def _unquote_wml(s: str) -> str:
    s = s.replace('""', '"').replace("&amp;", "&")
    s = re.sub(r"<(img|jump)>.*?</\1>", "", s, flags=re.S)
    s = re.sub(r"<(ref|bold|italic|header)>[^<]*?text='([^']*)'[^<]*</\1>", r"\2", s)
    s = re.sub(r"</?(?:span|b|i|u|small|big|tt|ref|header|bold|italic)\b[^>]*>", "", s)
    return s.strip()


def _unquote_ruleset(s: str) -> str:
    s = re.sub(r"\\\n", "", s)
    s = s.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
    s = re.sub(r"\A\?[\w-]+:", "", s)  # ?plural:, ?female:
    s = re.sub(r"\[/?(?:link|b|i)[^\]]*\]", "", s)
    return s.strip()


def crawl_entries(text: str) -> list[str]:
    """A Crawl database file's entries as paragraphs: the key as a heading, then the text."""
    out = []
    for entry in text.split("%%%%"):
        lines = [ln for ln in entry.strip("\n").split("\n") if not ln.startswith("#")]
        body = "\n".join(lines).strip("\n")
        if not body or "{{" in body or "\n\n" not in body:
            continue
        key, rest = body.split("\n\n", 1)
        if re.fullmatch(r"\s*<[^>\n]+>\s*", rest):  # another entry's text, by its key
            continue
        rest = re.sub(r"</?[a-z]+>", "", rest)  # <lightred>, <w> ...
        rest = re.sub(r"(?m)^\s*\$\s*$", "", rest)
        key = "" if key.startswith("_") or key.startswith("<") else key.strip()
        text = B.clean(f"{key}\n\n{rest}" if key else rest)
        if len(text) > 40:
            out.append(text)
    return out


_WML = re.compile(r'(?m)^\s*(\w+)\s*=\s*_\s*"((?:[^"]|"")*)"')
_RULES_KEY = re.compile(r"(?ms)^(\w+)\s*=\s*(.*?)(?=^\w+\s*=|^\[|\Z)")
_RULES_STRING = re.compile(r'_\("((?:[^"\\]|\\.)*)"\)', re.S)


def wml_strings(text: str) -> list[str]:
    return [
        B.clean(_unquote_wml(s))
        for key, s in _WML.findall(text)
        if key in WESNOTH_KEYS and len(_unquote_wml(s)) >= 20
    ]


def ruleset_strings(text: str) -> list[str]:
    out = []
    for key, value in _RULES_KEY.findall(text):
        if key not in FREECIV_KEYS:
            continue
        parts = [_unquote_ruleset(s) for s in _RULES_STRING.findall(value)]
        parts = [p for p in parts if len(p) >= 20]
        if parts:
            out.append(B.clean("\n\n".join(parts)))
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    lo = root / "usr/share/libreoffice/help/en-US/text"
    for path in sorted(lo.rglob("*.html")):
        name = str(path.relative_to(lo).with_suffix("")).replace("/", "-")
        text = help_text(path.read_text("utf-8", "replace"))
        out["libreoffice-help"] += _pieces("libreoffice-help", name, B.paragraphs(text))
    for path in sorted((root / "usr/share/help/C/gnome-help").glob("*.page")):
        text = help_text(path.read_text("utf-8", "replace"))
        out["gnome-help"] += _pieces("gnome-help", path.stem, B.paragraphs(text))
    for path in sorted((root / "usr/share/crawl/dat/descript").glob("*.txt")):
        if path.stem in CRAWL_SKIP:
            continue
        blocks = crawl_entries(path.read_text("utf-8", "replace"))
        out["crawl-lore"] += _pieces("crawl-lore", path.stem, blocks)
    wes = root / "usr/share/games/wesnoth/1.16/data"
    groups: dict[str, list[str]] = {}  # a unit's file per race: packed together
    for path in sorted(wes.rglob("*.cfg")):
        rel = path.relative_to(wes)
        if rel.parts[0] not in ("core", "campaigns", "multiplayer") and rel.name != "tips.cfg":
            continue
        group = rel.parent if rel.parts[:2] == ("core", "units") else rel.with_suffix("")
        blocks = wml_strings(path.read_text("utf-8", "replace"))
        groups.setdefault(str(group).replace("/", "-"), []).extend(blocks)
    for name, blocks in groups.items():
        out["wesnoth-lore"] += _pieces("wesnoth-lore", name, blocks)
    fc = root / "usr/share/games/freeciv"
    legends = []  # a few hundred characters each: packed across nations, in name order
    for path in sorted((fc / "nation").glob("*.ruleset")):
        legends += ruleset_strings(path.read_text("utf-8", "replace"))
    out["freeciv"] += _pieces("freeciv", "nations", legends)
    for path in [*sorted((fc / "civ2civ3").glob("*.ruleset")), fc / "helpdata.txt"]:
        name = str(path.relative_to(fc).with_suffix("")).replace("/", "-")
        blocks = ruleset_strings(path.read_text("utf-8", "replace"))
        out["freeciv"] += _pieces("freeciv", name, blocks)
    for path in sorted(fc.glob("*/README.*")):  # the rulesets' design notes
        text = re.sub(r"(?m)^\s*([=\-~*])\1{2,}\s*$", "", path.read_text("utf-8", "replace"))
        out["freeciv"] += _pieces("freeciv", path.name, B.paragraphs(B.clean(text)))
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
