"""A fifth held-out corpus for domain discovery: four manuals next to a novel and a game's lore.

    python -m benchmarks.heldout_corpus5   # writes .cache/eval-corpora/heldout-five.jsonl

Sources that no other corpus of the project uses, and a mixture of kinds: four technical
manuals and two kinds of prose that are not software documentation. One large manual with
many subjects inside it (Maxima's: expressions, simplification, polynomials, calculus,
equations, matrices, plotting, numerics, number theory, its Lisp-level programming and its
many share packages) next to five smaller sources: R's manuals (a second manual of a
mathematical language, which shares the large one's vocabulary of functions, expressions,
lists and plots), Ghostscript's documentation (PostScript and PDF interpreters, output
devices, fonts, its C API), the Bash Reference Manual, Herman Melville's Moby-Dick, and the
descriptions and lore snippets of the survival game Cataclysm: Dark Days Ahead (monsters,
mutations, professions, items, notes and journals found in the game). Labelled by source,
K = 6, the largest 43% of the documents. The Debian packages are fetched with `apt-get
download` and unpacked under `.cache/heldout-debs/five/`, not installed (installing them
would add files that `benchmarks.tuning_corpus` reads: `bash-doc` and `maxima-doc` ship info
manuals). Paragraphs are packed into documents of about 1,000 characters; markup (HTML, the
game's colour tags and text substitutions) is taken out, and the novel's hard-wrapped lines
are joined.

| source | Debian package | documents | licence |
|---|---|---|---|
| `maxima-manual`: the Maxima 5.46 manual (HTML) | `maxima-doc` 5.46.0-11 | 1500 | GPL-2.0 |
| `r-manuals`: R 4.2's manuals (An Introduction to R, the language definition, data import/export, installation and administration, writing extensions, internals, the FAQ; HTML) | `r-doc-html` 4.2.2.20221110-2 | 400 | R Core's verbatim and modified copying notice (Debian: GPL-2.0) |
| `ghostscript-docs`: Ghostscript 10.0's documentation (HTML) | `ghostscript-doc` 10.0.0~dfsg-11+deb12u9 | 350 | AGPL-3.0-or-later |
| `bash-manual`: the Bash 5.2 Reference Manual (HTML) | `bash-doc` 5.2.15-2 | 300 | GFDL-1.3-or-later, no invariant sections |
| `moby-dick`: Herman Melville's Moby-Dick (Project Gutenberg text in R data) | `r-cran-tokenizers` 0.3.0-1 | 450 | public domain (package MIT) |
| `cataclysm-lore`: Cataclysm: DDA's descriptions and snippets (JSON) | `cataclysm-dda-data` 0.F-3-9 | 450 | CC-BY-SA-3.0 |

Left out: every index page or section and every table of contents and menu; the page
headers (navigation) of the texinfo manuals; the Bash manual's appendix with the GNU Free
Documentation License; the Maxima manual's one-page copy (`maxima_singlepage.html`), its
overview page and its category boxes; Ghostscript's release notes (`News.html`), its
third-party licence page, its table of contents, index, search and footer pages and the
Sphinx theme's navigation; the Project Gutenberg header and licence around the novel; the
game's names, short labels and every string of fewer than 40 characters, strings that
occur three times or more, its NPC dialogue and its mods (only the descriptions and snippets
under `json/` are read); copyright and permission notices, and Ghostscript's licence
footer on every page. Tried and not used: Graphviz's HTML documentation (`graphviz-doc`:
0.3 MB of text with its colour tables), FreeCol's Colopedia and founding fathers
(`freecol`: 62 kB of descriptions), xscreensaver's hack descriptions (`xscreensaver-data`:
22 hacks); not tried: NetHack's encyclopedia (mostly quotations from published books).
Every source is partly used (Maxima 1500 of 1,884 documents of 200-4,000
characters, R 400 of 1,458, Ghostscript 350 of 920, Bash 300 of 382, Moby-Dick 450 of 890,
Cataclysm 450 of 1,476). Every choice is made by a salted SHA-256 of the document id, so a
rebuild gives the same file (3,450 documents, 4.2 MB; about 3 s once the 49 MB of packages
are downloaded and the 2 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from benchmarks.corpus_builder import HtmlText, fetch_debs, html_text, pieces, write_corpus
from benchmarks.eval_corpora import ROOT, B
from benchmarks.heldout_corpus4 import r_lazyload

SALT = "splitlib-heldout-five-v1"
NAME = "heldout-five"
WORK = ROOT / ".cache" / "heldout-debs" / "five"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "maxima-doc": (
        "5.46.0-11",
        ("./usr/share/doc/maxima-doc/html/*.html", "./usr/share/doc/*/copyright"),
    ),
    "r-doc-html": ("4.2.2.20221110-2", ("./usr/share/R/doc/manual/*", "./usr/share/doc/*")),
    "ghostscript-doc": (
        "10.0.0~dfsg-11+deb12u9",
        ("./usr/share/doc/ghostscript/html/*.html", "./usr/share/doc/*/copyright"),
    ),
    "bash-doc": (
        "5.2.15-2",
        ("./usr/share/doc/bash/bashref.html", "./usr/share/doc/*/copyright"),
    ),
    "r-cran-tokenizers": (
        "0.3.0-1",
        ("./usr/lib/R/site-library/tokenizers/data/*", "./usr/share/doc/*/copyright"),
    ),
    "cataclysm-dda-data": (
        "0.F-3-9",
        ("./usr/share/games/cataclysm-dda/json/*", "./usr/share/doc/*/copyright"),
    ),
}
SIZES = {"maxima-manual": 1500, "r-manuals": 400, "ghostscript-docs": 350}
SIZES |= {"bash-manual": 300, "moby-dick": 450, "cataclysm-lore": 450}
LICENCE = {
    "maxima-manual": "GPL-2.0",
    "r-manuals": "GPL-2.0",
    "ghostscript-docs": "AGPL-3.0-or-later",
    "bash-manual": "GFDL-1.3-or-later",
    "moby-dick": "public-domain",
    "cataclysm-lore": "CC-BY-SA-3.0",
}
MAXIMA_SKIP = {"maxima", "maxima_singlepage", "maxima_toc", "maxima_ovr", "intromax"}
GS_SKIP = {"News", "thirdparty", "toc", "index", "genindex", "genindex-all", "search", "footer"}
TEXINFO_SECTION = re.compile(
    r'(?=<div class="(?:top|chapter|section|subsection|subsubsection|appendix|appendixsec'
    r'|appendixsubsec|unnumbered|unnumberedsec|unnumberedsubsec)" id=")'
)
NOTICE = re.compile(
    r"Permission is granted|Copyright ©|This manual is for|Table of Contents$"
    r"|This software is provided AS-IS"
)
CDDA_MIN = 40  # the game's strings shorter than this are names and labels


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


class _Manual(HtmlText):
    """Texinfo's and Sphinx's HTML as text: headers, menus, contents and navigation left out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"header", "nav-panel", "contents", "shortcontents"}
    SKIP_CLASS |= {"categorybox", "wy-nav-side", "wy-nav-top", "rst-footer-buttons"}
    SKIP_TAG = HtmlText.SKIP_TAG | {"nav", "footer"}

    def handle_starttag(self, tag, attrs):
        if not self.skip and dict(attrs).get("role") == "navigation":
            self.skip, self.skip_tag = 1, tag
            return
        super().handle_starttag(tag, attrs)


def manual_text(markup: str) -> str:
    """A manual page's text: menus, indexes and pilcrows (heading links) taken out."""
    markup = re.sub(
        r'(?s)<table class="(?:menu|index-\w+|[\w-]*printindex)".*?</table>', "", markup
    )
    markup = re.sub(r'(?s)<a class="(?:headerlink|copiable-anchor)"[^>]*>.*?</a>', "", markup)
    return html_text(markup, _Manual).replace("\u00b6", "")


def texinfo_sections(markup: str) -> list[tuple[str, str]]:
    """A one-page texinfo manual's nodes: (the node's id, its text), indexes and licence out."""
    out = []
    for chunk in TEXINFO_SECTION.split(markup)[1:]:
        node = re.match(r'<div class="\w+" id="([^"]+)"', chunk).group(1)
        if re.search(r"(?i)index|license|copying", node):
            continue
        out.append((node, manual_text(chunk)))
    return out


def manual_paragraphs(text: str) -> list[str]:
    """A manual's paragraphs less its copyright and permission notices."""
    return [p for p in B.paragraphs(text) if not NOTICE.match(p)]


def novel_chapters(text: str) -> list[tuple[str, list[str]]]:
    """The Gutenberg text's chapters (the front matter first), hard-wrapped lines joined."""
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    text = re.split(r"\*\*\* ?START OF TH.*?\*\*\*", text, maxsplit=1)[-1]
    text = re.split(r"(?i)\n\s*(?:\*\*\* ?END OF TH|End of (?:the )?Project Gutenberg)", text)[0]
    out = []
    for n, part in enumerate(re.split(r"(?m)^(?=CHAPTER \d+\.|Epilogue\s*$)", text)):
        paras = [re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n\s*\n", part)]
        paras = [p for p in paras if p and "Gutenberg" not in p and not p.startswith("Produced by")]
        if paras:
            out.append(("front" if n == 0 else f"chapter-{n:03d}", paras))
    return out


def _cdda_str(value) -> str:
    if isinstance(value, dict):
        value = value.get("str", value.get("str_sp", value.get("text", "")))
        return _cdda_str(value)
    return value if isinstance(value, str) else ""


def cdda_text(s: str) -> str:
    """A game string without its colour tags; a substitution (``<name>``) keeps its word."""
    s = re.sub(r"</?(?:color|good|bad|info|bold|neutral|highlight|stat)[^>]*>", "", s)
    s = re.sub(r"<([a-z_ ]+)>", lambda m: m.group(1).replace("_", " "), s)
    return B.clean(s)


def cdda_strings(path: Path) -> list[str]:
    """A JSON file's descriptions and snippet texts, in file order."""
    data = json.loads(path.read_text("utf-8", "replace"))
    out = []
    for obj in data if isinstance(data, list) else [data]:
        if not isinstance(obj, dict):
            continue
        if obj.get("type") == "snippet":
            texts = obj.get("text", [])
            out += [_cdda_str(t) for t in (texts if isinstance(texts, list) else [texts])]
        elif "description" in obj:
            out.append(_cdda_str(obj["description"]))
    return [t for t in (cdda_text(s) for s in out) if len(t) >= CDDA_MIN]


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    mx = root / "usr/share/doc/maxima-doc/html"
    for path in sorted(mx.glob("*.html")):
        markup = path.read_text("utf-8", "replace")
        title = re.search(r"(?s)<title>(.*?)</title>", markup)
        if path.stem in MAXIMA_SKIP or (title and "Index" in title.group(1)):
            continue
        out["maxima-manual"] += _pieces(
            "maxima-manual", path.stem, manual_paragraphs(manual_text(markup))
        )
    for path in sorted((root / "usr/share/R/doc/manual").glob("R-*.html")):
        for node, text in texinfo_sections(path.read_text("utf-8", "replace")):
            out["r-manuals"] += _pieces("r-manuals", f"{path.stem}/{node}", manual_paragraphs(text))
    for path in sorted((root / "usr/share/doc/ghostscript/html").glob("*.html")):
        if path.stem in GS_SKIP:
            continue
        text = manual_text(path.read_text("utf-8", "replace"))
        out["ghostscript-docs"] += _pieces("ghostscript-docs", path.stem, manual_paragraphs(text))
    bashref = (root / "usr/share/doc/bash/bashref.html").read_text("utf-8", "replace")
    for node, text in texinfo_sections(bashref):
        out["bash-manual"] += _pieces("bash-manual", node, manual_paragraphs(text))
    data = root / "usr/lib/R/site-library/tokenizers/data/Rdata"
    (novel,), _ = r_lazyload(data)["mobydick"]
    for name, paras in novel_chapters(novel):
        out["moby-dick"] += _pieces("moby-dick", name, paras)
    cdda = root / "usr/share/games/cataclysm-dda/json"
    groups = {
        str(p.relative_to(cdda).with_suffix("")): cdda_strings(p)
        for p in sorted(cdda.rglob("*.json"))
    }
    seen = Counter(s for blocks in groups.values() for s in blocks)
    for name, blocks in groups.items():  # boilerplate (the same note in many places) left out
        out["cataclysm-lore"] += _pieces("cataclysm-lore", name, [s for s in blocks if seen[s] < 3])
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
