"""A seventh held-out corpus for domain discovery: an image editor's manual next to mail, games and lore.

    python -m benchmarks.heldout_corpus7   # writes .cache/eval-corpora/heldout-seven.jsonl

Sources that no other corpus of the project uses. One large manual with many subjects
inside it (the GIMP 2.10 user manual: selections, layers, masks and paths, colour
management, painting and transform tools, the filters from blurs and distortions to
artistic and light effects, Script-Fu and plug-ins, file formats, tutorials, a glossary)
next to five smaller sources, in two pairs that share vocabulary and one of prose: the
Mutt mail reader's manual and Fetchmail's documentation (two programs of one mail system:
mailboxes, IMAP and POP3 servers, headers, folders, SSL), GNU Backgammon's manual with
Albert Silver's "All About GNU" and XBoard's documentation (two programs that play board
games against engines and on Internet servers: moves, matches, positions, analysis), and
the texts of the role-playing game Crossfire's maps (its books, signs, notes and
inscriptions and what its people say: prose that is not software documentation).
Labelled by source, K = 6, the largest 47% of the documents. The Debian packages are
fetched with `apt-get download` and unpacked under `.cache/heldout-debs/seven/`, not
installed (installing them would add files that `benchmarks.tuning_corpus` reads:
`gnubg-data` and `xboard` ship info manuals, and every package a changelog). Paragraphs
are packed into documents of about 1,000 characters; markup (HTML, troff, the maps'
object syntax, their dialogue rules and book tags) is taken out, and the maps'
hard-wrapped lines are joined.

| source | Debian package | documents | licence |
|---|---|---|---|
| `gimp-manual`: the GIMP 2.10 user manual, English (HTML) | `gimp-help-en` 2.10.34-2 | 1400 | GFDL-1.2-or-later, no invariant sections |
| `mutt-manual`: the Mutt 2.2 manual (HTML) | `mutt` 2.2.12-0.1~deb12u2 | 350 | GPL-2.0-or-later |
| `fetchmail-docs`: Fetchmail 6.4's FAQ, feature list, design notes and manual page (HTML, troff) | `fetchmail` 6.4.37-1 | 200 | GPL-2.0-or-later |
| `gnubg-manual`: the GNU Backgammon manual and "All About GNU" (HTML) | `gnubg-data` 1.07.001-1 | 180 | GFDL-1.3-or-later, no invariant sections |
| `xboard-docs`: XBoard 4.9's FAQ, its engine protocol and manual page (HTML, troff) | `xboard` 4.9.1-2+b1 | 280 | GPL-3.0-or-later |
| `crossfire-lore`: the texts of Crossfire 1.75's maps and their dialogue files | `crossfire-maps` 1.75.0+dfsg1-1 | 600 | GPL-2.0-or-later |

Left out: GIMP's licence pages (`gfdl-*`, `legal`) and its title page; Mutt's one-page
copy of its manual (`manual.html`: its chunked pages are read) and its table of contents;
Fetchmail's release notes (`NEWS`, `OLDNEWS`) and to-do list; the GNU Free Documentation
License appended to both backgammon manuals and their legal notices; the manual pages'
copyright and licence sections from the first on (XBoard's holds the whole GPL); every
paragraph that is a copyright or licence notice; on every page the DocBook headers,
footers and tables of contents. From Crossfire's maps: the test, editor, unused and
template maps (`test/`, `editor/`, `unlinked/`, `styles/`) and the NPC scripts (`python/`,
`*.py`), each map's own note of who made it and when, the dialogue rules' keywords and
conditions (only what is said is kept), every text of fewer than 40 characters, every text
that occurs three times or more (a text in two files is kept once). Looked at and not
used: Adonthell's dialogues (`adonthell-data`: one short game), NetHack's Guidebook
(`nethack-common`) and the Simon Tatham puzzles' manual (`sgt-puzzles`). The small
sources are nearly all used (Mutt 350 of 377 documents of 200-4,000 characters,
Fetchmail 200 of 221, backgammon 180 of 192, XBoard 280 of 286), the others are not
(GIMP 1400 of 1,697, Crossfire 600 of 696). Every choice is made by a salted SHA-256 of
the document id, so a rebuild gives the same file (3,010 documents, 3.4 MB; about 4 s
once the 72 MB of packages are downloaded and the 5 s to unpack them). The file is never
committed.
"""

from __future__ import annotations

import json
import re
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

SALT = "splitlib-heldout-seven-v1"
NAME = "heldout-seven"
WORK = ROOT / ".cache" / "heldout-debs" / "seven"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "gimp-help-en": (
        "2.10.34-2",
        ("./usr/share/gimp/2.0/help/en/*.html",),
    ),
    "mutt": (
        "2.2.12-0.1~deb12u2",
        ("./usr/share/doc/mutt/html/*.html", "./usr/share/doc/*/copyright"),
    ),
    "fetchmail": (
        "6.4.37-1",
        (
            "./usr/share/doc/fetchmail/*.html",
            "./usr/share/man/man1/fetchmail.1.gz",
            "./usr/share/doc/*/copyright",
        ),
    ),
    "gnubg-data": (
        "1.07.001-1",
        ("./usr/share/doc/gnubg/*.html", "./usr/share/doc/*/copyright"),
    ),
    "xboard": (
        "4.9.1-2+b1",
        (
            "./usr/share/doc/xboard/*.html",
            "./usr/share/man/man6/xboard.6.gz",
            "./usr/share/doc/*/copyright",
        ),
    ),
    "crossfire-maps": (
        "1.75.0+dfsg1-1",
        ("./usr/share/games/crossfire/maps/*", "./usr/share/doc/*/copyright"),
    ),
}
SIZES = {"gimp-manual": 1400, "mutt-manual": 350, "fetchmail-docs": 200}
SIZES |= {"gnubg-manual": 180, "xboard-docs": 280, "crossfire-lore": 600}
LICENCE = {
    "gimp-manual": "GFDL-1.2-or-later",
    "mutt-manual": "GPL-2.0-or-later",
    "fetchmail-docs": "GPL-2.0-or-later",
    "gnubg-manual": "GFDL-1.3-or-later",
    "xboard-docs": "GPL-3.0-or-later",
    "crossfire-lore": "GPL-2.0-or-later",
}
GIMP_SKIP = {"index", "legal", "gfdl-addendum"}
MUTT_SKIP = {"index", "manual"}
FETCHMAIL_SKIP = {"todo"}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is Copyright|This program is (?:free software|distributed)"
    r"|You should have received a copy|Permission is granted"
)
CF_SKIP = {"test", "editor", "unlinked", "styles", "python"}
CF_MIN = 40  # the maps' texts shorter than this are labels and names
CF_STAMP = re.compile(r"\s*(?:Created|Modified):")
CF_MSG = re.compile(r"(?ms)^msg\n(.*?)^endmsg$")
CF_TAG = re.compile(r"\[/?(?:b|i|ul|fixed|arcane|hand|strange|print|title|color)(?:=[^\]]*)?\]")


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


class _DocBook(HtmlText):
    """DocBook's HTML as text: headers, footers, contents and legal notices left out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"legalnotice", "navheader", "navfooter", "toc"}


def docbook_text(markup: str) -> str:
    """A DocBook page's text, the GNU FDL appended to it (if any) cut off."""
    markup = re.split(
        r'<div[^>]*class="appendix"[^>]*>(?=(?:(?!</h\d>).)*?Free Documentation)',
        markup,
        maxsplit=1,
        flags=re.S,
    )[0]
    return html_text(markup, _DocBook)


def manual_paragraphs(text: str) -> list[str]:
    """A manual's paragraphs less its licence and copyright notices."""
    return [p for p in B.paragraphs(text) if not NOTICE.match(p)]


def man_text(path: Path) -> str:
    """A gzipped man page as text, from its copyright and licence sections on left out."""
    return _troff_text(re.split(r"\n\.SH \"?(?:COPYRIGHT|COPYING|LICEN)", raw_text(path))[0])


def crossfire_text(s: str) -> str:
    """A map text as paragraphs: tags out, hard-wrapped lines joined, ``$you`` a word."""
    s = CF_TAG.sub("", s).replace("$you", "you")
    paras = [re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n\s*\n", s)]
    return "\n\n".join(p for p in paras if p)


def crossfire_strings(path: Path) -> list[str]:
    """The texts of a map (its objects' messages) or of a dialogue file (what is said)."""
    raw = path.read_text("utf-8", "replace")
    if path.suffix == ".msg":
        try:
            rules = json.loads(raw).get("rules", [])
        except ValueError:
            return []
        texts = [m for r in rules for m in r.get("msg", []) if isinstance(m, str)]
    else:
        texts = [m.group(1) for m in CF_MSG.finditer(raw)]
        texts = [re.sub(r"(?m)^@(?:match|reply|question)\b.*$", "\n", t) for t in texts]
    texts = [t for t in texts if not CF_STAMP.match(t)]  # a map's own note: who made it, when
    return [t for t in (crossfire_text(t) for t in texts) if len(t) >= CF_MIN]


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for path in sorted((root / "usr/share/gimp/2.0/help/en").glob("*.html")):
        if path.stem in GIMP_SKIP or path.stem.startswith("gfdl"):
            continue
        text = docbook_text(path.read_text("utf-8", "replace"))
        out["gimp-manual"] += _pieces("gimp-manual", path.stem, manual_paragraphs(text))
    for path in sorted((root / "usr/share/doc/mutt/html").glob("*.html")):
        if path.stem in MUTT_SKIP:
            continue
        text = docbook_text(path.read_text("utf-8", "replace"))
        out["mutt-manual"] += _pieces("mutt-manual", path.stem, manual_paragraphs(text))
    for path in sorted((root / "usr/share/doc/fetchmail").glob("*.html")):
        if path.stem in FETCHMAIL_SKIP:
            continue
        text = html_text(path.read_text("utf-8", "replace"))
        out["fetchmail-docs"] += _pieces("fetchmail-docs", path.stem, manual_paragraphs(text))
    man = man_text(root / "usr/share/man/man1/fetchmail.1.gz")
    out["fetchmail-docs"] += _pieces("fetchmail-docs", "fetchmail.1", manual_paragraphs(man))
    for path in sorted((root / "usr/share/doc/gnubg").glob("*.html")):
        text = docbook_text(path.read_text("utf-8", "replace"))
        out["gnubg-manual"] += _pieces("gnubg-manual", path.stem, manual_paragraphs(text))
    for path in sorted((root / "usr/share/doc/xboard").glob("*.html")):
        text = html_text(path.read_text("utf-8", "replace"))
        out["xboard-docs"] += _pieces("xboard-docs", path.stem, manual_paragraphs(text))
    man = man_text(root / "usr/share/man/man6/xboard.6.gz")
    out["xboard-docs"] += _pieces("xboard-docs", "xboard.6", manual_paragraphs(man))
    maps = root / "usr/share/games/crossfire/maps"
    groups = {
        str(p.relative_to(maps)): crossfire_strings(p)
        for p in sorted(maps.rglob("*"))
        if p.is_file()
        and p.relative_to(maps).parts[0] not in CF_SKIP
        and p.suffix in ("", ".msg", ".map")
    }
    seen = Counter(s for blocks in groups.values() for s in blocks)
    done: set[str] = set()
    for name, blocks in groups.items():  # boilerplate left out, a repeated text kept once
        keep = [s for s in dict.fromkeys(blocks) if seen[s] < 3 and s not in done]
        done.update(keep)
        out["crossfire-lore"] += _pieces("crossfire-lore", name, keep)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
