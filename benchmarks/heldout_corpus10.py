"""A tenth held-out corpus for domain discovery: a Scheme manual next to macro tools, a protocol and star lore.

    python -m benchmarks.heldout_corpus10   # writes .cache/eval-corpora/heldout-ten.jsonl

Sources that no other corpus of the project uses. One large manual with many subjects
inside it (the reference manual of GNU Guile 3.0.8, the Scheme implementation: the
language and its data types, procedures, macros and modules, the C API and embedding,
the garbage collector, threads and continuations, the foreign function interface, the
POSIX interface, the `(ice-9 ...)` and SRFI libraries, the compiler tower, the virtual
machine and its instruction set) next to four smaller sources: a pair of developer
tools that share their vocabulary with each other (GNU M4's manual, the macro processor,
and Autoconf's, the configure-script generator written in M4: macros, quoting,
expansion, shell portability), the X Window System protocol and its extensions as the
X.Org specifications (a specification: requests, replies, events, errors, windows,
atoms, keyboards; technical, but of another kind than the manuals), and Stellarium's
descriptions of the sky cultures (prose on the history of astronomy and on star lore:
Babylonian, Greek, Arabic, Chinese, Maya, Polynesian and Amazonian skies, their
constellations, calendars and myths). Labelled by source, K = 5, the largest 47% of the
documents. The Debian packages are fetched with `apt-get download` and unpacked under
`.cache/heldout-debs/ten/`, not installed (installing them would add files that
`benchmarks.tuning_corpus` reads: `guile-3.0-doc` ships an info manual, and every
package a changelog). Paragraphs are packed into documents of about 1,000 characters;
markup (texinfo's HTML, the info format's node headers, menus and cross references, the
sky cultures' HTML, the specifications' box-drawn tables and rules) is taken out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `guile-manual`: the GNU Guile 3.0 reference manual (info) | `guile-3.0-doc` 3.0.8-2 | 1400 | GFDL-1.3-or-later, no invariant sections |
| `autoconf-manual`: the GNU Autoconf 2.71 manual (one-page HTML) | `autoconf-doc` 2.71-3 | 560 | GFDL-1.3-or-later, no invariant sections |
| `m4-manual`: the GNU M4 1.4.19 manual (HTML, a page a node) | `m4-doc` 1.4.19-3 | 150 | GFDL-1.3-or-later, no invariant sections |
| `x11-protocol`: the X11 protocol and extension specifications (text) | `x11proto-dev` 2022.1-1 | 750 | MIT (X11 and like permissive notices) |
| `sky-cultures`: Stellarium's descriptions of 49 sky cultures (HTML) | `stellarium-data` 0.22.2-1 | 150 | GPL-2.0-or-later |

Left out: Guile's top node, its index nodes (concepts, procedures, variables, types),
its licence nodes (the GNU FDL, "Guile License") and the info file's preamble, tag
table and node headers; every node's menu; the heading underlines; info cross
references are kept as their words (``*note Foo::`` becomes ``Foo``). Autoconf's and
M4's indexes, their licence appendices (the GNU FDL, the GPL, "Copying This Manual" and
"Copying This Package") and on every page the texinfo headers, menus and contents. From
the specifications (DocBook as text): each one's title page (title, authors, copyright
and permission notice) and table of contents, the rules between their parts and the box
characters of their tables (the cells' words are kept); the older plain-text ones keep
their title lines. From the sky cultures: every section of authors, references,
sources, further reading, links, credits and "fair use" notes on images, and the images.
Every paragraph that is a copyright or licence notice is left out. Tried and not used:
the Debian FAQ (`debian-faq`: its licence is a verbatim-copying notice) and the Haskell
98 report (`haskell98-report`: it may be copied only in its entirety). No source is
nearly all used (Guile 1400 of 2,116 documents of 200-4,000 characters, Autoconf 560 of
785, M4 150 of 209, the specifications 750 of 1,324, the sky cultures 150 of 204). Every
choice is made by a salted SHA-256 of the document id, so a rebuild gives the same file
(3,010 documents, 3.7 MB; about 2 s once the 240 MB of packages, nearly all
Stellarium's, are downloaded, and the 13 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.corpus_builder import fetch_debs, html_text, pieces, raw_text, write_corpus
from benchmarks.eval_corpora import ROOT, B
from benchmarks.heldout_corpus5 import manual_text, texinfo_sections

SALT = "splitlib-heldout-ten-v1"
NAME = "heldout-ten"
WORK = ROOT / ".cache" / "heldout-debs" / "ten"
GUILE = "usr/share/info/guile-3.0"
AUTOCONF = "usr/share/doc/autoconf/autoconf.html"
M4 = "usr/share/doc/m4"
X11 = "usr/share/doc"
SKY = "usr/share/stellarium/skycultures"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "guile-3.0-doc": ("3.0.8-2", (f"./{GUILE}/*", "./usr/share/doc/*/copyright")),
    "autoconf-doc": ("2.71-3", (f"./{AUTOCONF}", "./usr/share/doc/*/copyright")),
    "m4-doc": ("1.4.19-3", (f"./{M4}/*.html", "./usr/share/doc/*/copyright")),
    "x11proto-dev": ("2022.1-1", (f"./{X11}/*/*.txt.gz", "./usr/share/doc/*/copyright")),
    "stellarium-data": (
        "0.22.2-1",
        (f"./{SKY}/*/description.en.utf8", "./usr/share/doc/*/copyright"),
    ),
}
SIZES = {"guile-manual": 1400, "autoconf-manual": 560, "m4-manual": 150}
SIZES |= {"x11-protocol": 750, "sky-cultures": 150}
LICENCE = {
    "guile-manual": "GFDL-1.3-or-later",
    "autoconf-manual": "GFDL-1.3-or-later",
    "m4-manual": "GFDL-1.3-or-later",
    "x11-protocol": "MIT",
    "sky-cultures": "GPL-2.0-or-later",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book|document) is "
    r"(?:free software|distributed)|You should have received a copy|Permission (?:is|to use)"
    r" (?:hereby )?grant|THE SOFTWARE IS PROVIDED|Except as contained in this notice|The above"
    r" copyright notice|X Window System is a trademark|This manual is for|Table of Contents$",
    re.I,
)
LEGAL = re.compile(  # the same, anywhere in a paragraph
    r"Permission to use, copy|WITHOUT WARRANTY|All Rights Reserved|Copyright (?:©|\(C\) )?\d{4}",
    re.I,
)
GUILE_SKIP = re.compile(r"Top$|.*\bIndex$|.*Free Documentation License|Guile License")
M4_SKIP = re.compile(r"(?i)index|Concept-index|Copying-This-|GNU-.*-License")
SKY_SKIP = re.compile(  # the sky cultures' sections that are about the text, not the sky
    r"(?i)\s*(?:external links?|authors?|references?|sources?|source\(s\)|sources? / further"
    r" reading|further reading|links?(?: of interest)?|fair use|thanks(?: to)?|credits?"
    r"|acknowledge?ments?|bibliography|illustrations?|image credits?|licen[cs]e)\s*:?\s*$"
)


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p.lstrip()) and not LEGAL.search(p)]


def info_nodes(paths: list[Path]) -> list[tuple[str, str]]:
    """An info manual's nodes as (name, text): headers, menus, underlines and references out."""
    out = []
    for path in paths:
        for chunk in raw_text(path).split("\x1f\n")[1:]:
            head, _, body = chunk.partition("\n")
            node = re.search(r"Node: ([^,\n]+)", head)
            if not node or GUILE_SKIP.match(node.group(1).strip()):
                continue  # the tag table and the indirect list have no node
            body = body.split("\n* Menu:", 1)[0]
            body = re.sub(r"(?m)^[=*\-.]{3,}[ \t]*$", "", body)
            body = re.sub(r"\*[Nn]ote[ \n]+([^:]+?)::", r"\1", body)
            body = re.sub(r"\*[Nn]ote[ \n]+([^:]+?):[ \n]*[^.,]*?([.,])", r"\1\2", body)
            out.append((node.group(1).strip(), B.clean(body)))
    return out


def spec_text(text: str) -> str:
    """A specification (DocBook as text): title page and contents out, box characters out."""
    text = text.replace("\r\n", "\n")
    parts = re.split(r"(?m)^━{10,}\s*$", text, maxsplit=1)
    text = parts[-1]
    toc = re.match(r"\s*Table of Contents\n\s*\n\s*(\S[^\n]*)\n", text)
    if toc:  # the body starts where the first entry of the contents comes again
        first = re.escape(toc.group(1).strip())
        body = re.search(rf"(?m)^{first}[ \t]*$", text[toc.end() :])
        text = text[toc.end() + body.start() :] if body else text[toc.end() :]
    text = re.sub(r"[ \t]*[\u2500-\u257f]+[ \t]*", "  ", text)  # box-drawn tables and rules
    return B.clean(re.sub(r"(?m)^[ \t]+$", "", text))


def sky_text(markup: str) -> str:
    """A sky culture's description as text: sections of authors, sources and links out."""
    parts = re.split(r"(?i)(?=<h[1-4][^>]*>)", markup)
    keep = []
    for part in parts:
        head = re.match(r"(?is)<h[1-4][^>]*>(.*?)</h[1-4]>", part)
        if head and SKY_SKIP.match(re.sub(r"<[^>]+>", "", head.group(1))):
            continue
        keep.append(part)
    markup = re.sub(r"(?i)<img[^>]*>", "", "".join(keep))
    return html_text(markup)


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    parts = sorted((root / GUILE).glob("guile.info-*.gz"), key=lambda p: int(p.name[11:-3]))
    for n, (node, text) in enumerate(info_nodes(parts)):
        name = f"{n:04d}-{re.sub(r'[^A-Za-z0-9]+', '-', node).strip('-')}"
        out["guile-manual"] += _pieces("guile-manual", name, B.paragraphs(text))
    markup = (root / AUTOCONF).read_text("utf-8", "replace")
    for node, text in texinfo_sections(markup):
        out["autoconf-manual"] += _pieces("autoconf-manual", node, B.paragraphs(text))
    for path in sorted((root / M4).glob("*.html")):
        if M4_SKIP.search(path.stem):
            continue
        text = manual_text(path.read_text("utf-8", "replace"))
        out["m4-manual"] += _pieces("m4-manual", path.stem, B.paragraphs(text))
    for path in sorted((root / X11).glob("*/*.txt.gz")):
        text = spec_text(raw_text(path))
        name = f"{path.parent.name}/{path.name.removesuffix('.txt.gz')}"
        out["x11-protocol"] += _pieces("x11-protocol", name, B.paragraphs(text))
    for path in sorted((root / SKY).glob("*/description.en.utf8")):
        text = sky_text(path.read_text("utf-8", "replace"))
        out["sky-cultures"] += _pieces("sky-cultures", path.parent.name, B.paragraphs(text))
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
