"""A fourteenth held-out corpus for domain discovery: music engraving's manuals next to two games.

    python -m benchmarks.heldout_corpus14   # writes .cache/eval-corpora/heldout-fourteen.jsonl

Sources that no other corpus of the project uses. One large manual with many subjects
inside it (LilyPond 2.24's manuals: the Learning Manual's tutorial, the Notation
Reference from pitches, rhythms and expressive marks through vocal, keyboard, fretted and
ancient notation to spacing, page layout and MIDI output, the Usage manual on running
and converting, Extending LilyPond on Scheme, the essay on automated engraving and the
Contributor's Guide) next to two manuals of neighbouring subjects that share its
vocabulary of notes, pitches, staves, scores and MIDI (the Csound 6.18 reference manual,
a sound-synthesis language whose orchestras and scores are written as text like
LilyPond's input: opcodes, their arguments and examples; and the Denemo 2.6 user manual,
a graphical score editor that typesets through LilyPond) and two game texts far from
all three (FreeOrion 0.4.10's encyclopedia: species, technologies, buildings, ship parts,
fields and specials of a space empire game; and UFO:AI 2.5's UFOpaedia, research reports,
e-mails and story, fiction written as letters and dossiers of an alien-invasion defence
force, the corpus's non-technical prose). Labelled by source, K = 5, the largest 48% of
the documents. The Debian packages are fetched with `apt-get download` and unpacked under
`.cache/heldout-debs/fourteen/`, not installed (installing them would add files that
`benchmarks.tuning_corpus` reads). Paragraphs are packed into documents of about 1,000
characters; markup (texi2html's, DocBook's and LyX's HTML, FreeOrion's string-table
syntax, links and tags, the gettext catalogue) is taken out; code examples are kept.

| source | Debian package | documents | licence |
|---|---|---|---|
| `lilypond-manuals`: LilyPond 2.24's Learning, Notation, Usage, Extending, Contributor and essay (HTML) | `lilypond-doc-html` 2.24.1-2 | 1450 | GFDL-1.3-or-later |
| `csound-manual`: the Csound 6.18 reference manual (HTML) | `csound-doc` 1:6.18.0+dfsg0-1 | 750 | GFDL-1.2-or-later |
| `denemo-manual`: the Denemo 2.6 user manual (one HTML page) | `denemo-doc` 2.6.18-1 | 130 | CC-BY-SA-3.0 |
| `freeorion-pedia`: FreeOrion 0.4.10's English string table, its long entries | `freeorion-data` 0.4.10.2-1 | 330 | GPL-2.0 (Debian), CC-BY-SA-3.0 (upstream's content) |
| `ufoai-texts`: UFO:AI 2.5's English catalogue, its long strings | `ufoai-misc` 2.5-7 | 340 | GPL-2.0-or-later |

Left out: LilyPond's Internals Reference (776 generated pages of properties and
engravers), its Music Glossary (terms in a dozen languages), its snippets list and its
web pages; in every LilyPond book the indexes, the table of contents and "About" pages
and the GNU FDL appendix, and on every page the navigation tables, menus, the contents
side bar, the footer and the search form; Csound's index, its quick reference, the two
overview parts (lists of opcodes) and its copyright page, and on every page DocBook's
headers, footers and contents; Denemo's title page, table of contents and index;
FreeOrion's strings of fewer than 200 characters (the interface's labels, names and
messages) and the formatted messages with placeholders among those under 400, its
`[[...]]` links (replaced by the short name they point at) and its text tags; UFO:AI's
strings of fewer than 200 characters; every paragraph that is a copyright or licence
notice. Looked at and not used: the Frescobaldi user guide (93 kB), the Hydrogen manual,
abcm2ps's notes, Debian's project history and BibleTime's how-to (too short for a
source), MuseScore (no manual in the package), Seven Kingdoms and Monajat (no prose).
UFO:AI stands for the non-technical prose: no longer prose outside games was found among
Debian's packages that no corpus uses. Not nearly all of any source is used (LilyPond
1450 of 1,855 documents of 200-4,000 characters, Csound 750 of 4,440, Denemo 130 of 184,
FreeOrion 330 of 464, UFO:AI 340 of 482). Every choice is made by a salted SHA-256 of
the document id, so a rebuild gives the same file (3,000 documents, 3.4 MB; about 40 s
once the 160 MB of packages are downloaded and the half minute to unpack them). The file
is never committed.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

from benchmarks.corpus_builder import fetch_debs, html_text, pieces, write_corpus
from benchmarks.eval_corpora import ROOT, B

SALT = "splitlib-heldout-fourteen-v1"
NAME = "heldout-fourteen"
WORK = ROOT / ".cache" / "heldout-debs" / "fourteen"
LILYPOND = "usr/share/doc/lilypond/html/Documentation"
CSOUND = "usr/share/doc/csound-doc/html"
DENEMO = "usr/share/doc/denemo/denemo-manual.html"
FREEORION = "usr/share/games/freeorion/default/stringtables/en.txt"
UFOAI = "usr/share/games/ufoai/base/i18n/en/LC_MESSAGES/ufoai.mo"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "lilypond-doc-html": (
        "2.24.1-2",
        (
            *(f"./{LILYPOND}/{book}/*.html" for book in ("learning", "notation", "usage")),
            *(f"./{LILYPOND}/{book}/*.html" for book in ("extending", "essay", "contributor")),
            "./usr/share/doc/*/copyright",
        ),
    ),
    "csound-doc": ("1:6.18.0+dfsg0-1", (f"./{CSOUND}/*.html", "./usr/share/doc/*/copyright")),
    "denemo-doc": ("2.6.18-1", (f"./{DENEMO}", "./usr/share/doc/*/copyright")),
    "freeorion-data": ("0.4.10.2-1", (f"./{FREEORION}", "./usr/share/doc/*/copyright")),
    "ufoai-misc": ("2.5-7", (f"./{UFOAI}", "./usr/share/doc/*/copyright")),
}
LILY_BOOKS = ("learning", "notation", "usage", "extending", "essay", "contributor")
SIZES = {"lilypond-manuals": 1450, "csound-manual": 750, "denemo-manual": 130}
SIZES |= {"freeorion-pedia": 330, "ufoai-texts": 340}
LICENCE = {
    "lilypond-manuals": "GFDL-1.3-or-later",
    "csound-manual": "GFDL-1.2-or-later",
    "denemo-manual": "CC-BY-SA-3.0",
    "freeorion-pedia": "GPL-2.0-only",
    "ufoai-texts": "GPL-2.0-or-later",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book|document) is "
    r"(?:free software|distributed|released under)|You should have received a copy"
    r"|Permission is (?:hereby )?granted",
    re.I,
)
LILY_SKIP = re.compile(r"^(?:index|.*-index|.*_toc|.*_abt|gnu-free-documentation-license)$")
CSOUND_SKIP = {"index", "PrefaceCopy", "PartReference", "PartOpcodesOverview", "MiscQuickref"}
FO_MIN = 200  # FreeOrion's strings shorter than this are labels, names and messages
FO_ENTRY = re.compile(r"(?ms)^([A-Z][A-Z0-9_]*)\n(?:'''(.*?)'''|(.*?))\n(?:\n|\Z)")
FO_LINK = re.compile(r"\[\[(?:[a-z_]+ )?([A-Z][A-Z0-9_]*)\]\]")
UFO_MIN = 200  # UFO:AI's strings shorter than this are labels and names


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def lilypond_text(markup: str) -> str:
    """A page of the LilyPond manuals (texi2html) as text: navigation, menus, contents out."""
    markup = markup.split('<div id="main">', 1)[-1]
    markup = re.split(r'<div id="(?:footer|tocframe)">', markup, maxsplit=1)[0]
    markup = re.sub(r'(?s)<table class="(?:nav_table|menu)".*?</table>', "", markup)
    return html_text(markup)


def csound_text(markup: str) -> str:
    """A page of the Csound manual (DocBook) as text: headers, footers and contents out."""
    return html_text(markup)


def denemo_text(markup: str) -> str:
    """Denemo's one-page manual (LyX's HTML) as text: title page, contents and index out."""
    start = markup.find('<h1 class="part"')
    markup = markup[start:].split("<div class='index section'>", 1)[0]
    return html_text(markup)


def freeorion_strings(text: str) -> dict[str, str]:
    """FreeOrion's string table as ``{key: value}``, multi-line values in ''' quotes."""
    text = text.lstrip("\ufeff")
    text = re.sub(r"(?m)^#.*\n", "", text)
    return {m[1]: (m[2] if m[2] is not None else m[3]) for m in FO_ENTRY.finditer(text)}


def freeorion_entries(table: dict[str, str]) -> list[tuple[str, str]]:
    """The table's long entries (descriptions, articles) as text, links as their names."""

    def link(m: re.Match) -> str:
        value = table.get(m[1], "")
        return value if len(value) < 60 else ""

    out = []
    for key, value in table.items():
        if len(value) < FO_MIN or "%" in value and len(value) < 2 * FO_MIN:
            continue
        value = FO_LINK.sub(link, value)
        value = re.sub(r"</?[a-z]+(?: [^>]*)?>|\[\[[^\]]*\]\]", "", value)
        out.append((key, value))
    return out


def ufoai_entries(path: Path) -> list[tuple[str, str]]:
    """UFO:AI's English catalogue: its long strings (UFOpaedia, mails, story), by message id."""
    with open(path, "rb") as f:
        catalogue = gettext.GNUTranslations(f)._catalog
    out = []
    for key, value in sorted(catalogue.items(), key=lambda kv: str(kv[0])):
        if not key or not isinstance(key, str) or len(value) < UFO_MIN:
            continue
        out.append((key, value))
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for book in LILY_BOOKS:
        for path in sorted((root / LILYPOND / book).glob("*.html")):
            if LILY_SKIP.match(path.stem):
                continue
            text = lilypond_text(path.read_text("utf-8", "replace"))
            name = f"{book}/{path.stem}"
            out["lilypond-manuals"] += _pieces("lilypond-manuals", name, B.paragraphs(text))
    for path in sorted((root / CSOUND).glob("*.html")):
        if path.stem in CSOUND_SKIP:
            continue
        text = csound_text(path.read_text("utf-8", "replace"))
        out["csound-manual"] += _pieces("csound-manual", path.stem, B.paragraphs(text))
    text = denemo_text((root / DENEMO).read_text("utf-8", "replace"))
    out["denemo-manual"] += _pieces("denemo-manual", "manual", B.paragraphs(text))
    table = freeorion_strings((root / FREEORION).read_text("utf-8", "replace"))
    for key, value in freeorion_entries(table):
        out["freeorion-pedia"] += _pieces("freeorion-pedia", key, B.paragraphs(value))
    for n, (_key, value) in enumerate(ufoai_entries(root / UFOAI)):
        out["ufoai-texts"] += _pieces("ufoai-texts", f"{n:04d}", B.paragraphs(value))
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
