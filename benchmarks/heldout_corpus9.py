"""A ninth held-out corpus for domain discovery: a mail server's manual next to a handbook and commentaries.

    python -m benchmarks.heldout_corpus9   # writes .cache/eval-corpora/heldout-nine.jsonl

Sources that no other corpus of the project uses. One large manual with many subjects
inside it (the specification of the Exim 4.96 mail transfer agent: building and
installing, the runtime configuration and its main options, string expansion, lookups,
routers and transports one by one, access control lists, content scanning, TLS, DKIM, SPF
and DMARC, retries, address rewriting, logging, local_scan, the filter languages) next
to four smaller sources in two pairs: the Debian Administrator's Handbook for Debian 11
(installation, packaging and APT, network services, security, virtualisation: a
sysadmin's book, not a reference) with Dovecot's wiki pages (the IMAP server that stores
and serves the mail Exim delivers: mailbox formats, authentication, passwords, quotas,
plug-ins, Sieve; technical, and sharing the large source's vocabulary of mail, users,
domains and configuration), and two Bible commentaries that share their vocabulary with
each other and with nothing else (C. H. Spurgeon's Treasury of David on the Psalms, long
Victorian sermon prose with quotations from older writers, and C. I. Scofield's
Reference Notes of 1917, short notes on words of every book, dense with references).
Labelled by source, K = 5, the largest 47% of the documents. The Debian packages are
fetched with `apt-get download` and unpacked under `.cache/heldout-debs/nine/`, not
installed (installing them would add files that `benchmarks.tuning_corpus` reads).
Paragraphs are packed into documents of about 1,000 characters; markup (Exim's and
Publican's HTML, the wiki's text rules, the commentaries' OSIS XML) is taken out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `exim-spec`: the Exim 4.96 specification and its filter manual (HTML) | `exim4-doc-html` 4.96-1 | 1400 | GPL-2.0-or-later |
| `debian-handbook`: The Debian Administrator's Handbook, Debian 11, English (HTML) | `debian-handbook` 11.20220922 | 450 | GPL-2.0-or-later or CC-BY-SA-3.0 |
| `dovecot-wiki`: Dovecot 2.3's wiki pages as exported to text | `dovecot-core` 1:2.3.19.1+dfsg1-2.1+deb12u7 | 350 | LGPL-2.1 |
| `treasury-of-david`: C. H. Spurgeon's Treasury of David (SWORD module, zCom4) | `sword-comm-tdavid` 2.1-1 | 450 | public domain |
| `scofield-notes`: the Scofield Reference Notes, 1917 edition (SWORD module) | `sword-comm-scofield` 2.1-1 | 350 | public domain |

Left out: Exim's three index chapters (concepts, options, variables), its table of
contents and the chapters' numbered links (`ch01.html` ..., the same pages again), and on
every page the site's header, menu, page links, footer and contents bar; the handbook's
table of contents (`index.html`), and on every page its banner, title line and navigation;
the wiki pages' tables of contents, heading rules, code fences (the code is kept) and
their note of when they were exported; every paragraph that is a copyright or licence
notice. The commentaries are read from the modules' compressed blocks (one a psalm for
Spurgeon, one a book for Scofield) through their verse indexes, one entry per verse
range or introduction, a linked entry once; a Scofield note's headword (a paragraph of
fewer than 40 characters without a full stop) is joined to its note. Tried and not used
as the large source: the handbook (958 documents of 200-4,000 characters, too few). No
source is nearly all used (Exim 1400 of 1,502, the handbook 450 of 958, Dovecot 350 of
1,113, Spurgeon 450 of 7,786, Scofield 350 of 654). Every choice is made by a salted
SHA-256 of the document id, so a rebuild gives the same file (3,000 documents, 4.0 MB;
about 5 s once the 45 MB of packages are downloaded). The file is never committed.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.corpus_builder import fetch_debs, html_text, pieces, raw_text, write_corpus
from benchmarks.eval_corpora import ROOT, B
from benchmarks.heldout_corpus8 import sword_entries

SALT = "splitlib-heldout-nine-v1"
NAME = "heldout-nine"
WORK = ROOT / ".cache" / "heldout-debs" / "nine"
HANDBOOK = "usr/share/doc/debian-handbook/html/en-US"
EXIM = "usr/share/doc/exim4-doc-html/spec_html"
DOVECOT = "usr/share/doc/dovecot-core/wiki"
TDAVID = "usr/share/sword/modules/comments/zcom/tdavid"
SCOFIELD = "usr/share/sword/modules/comments/zcom/scofield"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "debian-handbook": ("11.20220922", (f"./{HANDBOOK}/*.html", "./usr/share/doc/*/copyright")),
    "exim4-doc-html": ("4.96-1", (f"./{EXIM}/*.html", "./usr/share/doc/*/copyright")),
    "dovecot-core": (
        "1:2.3.19.1+dfsg1-2.1+deb12u7",
        (f"./{DOVECOT}/*", "./usr/share/doc/*/copyright"),
    ),
    "sword-comm-tdavid": ("2.1-1", (f"./{TDAVID}/*", "./usr/share/doc/*/copyright")),
    "sword-comm-scofield": ("2.1-1", (f"./{SCOFIELD}/*", "./usr/share/doc/*/copyright")),
}
SIZES = {"exim-spec": 1400, "debian-handbook": 450, "dovecot-wiki": 350}
SIZES |= {"treasury-of-david": 450, "scofield-notes": 350}
LICENCE = {
    "debian-handbook": "GPL-2.0-or-later OR CC-BY-SA-3.0",
    "exim-spec": "GPL-2.0-or-later",
    "dovecot-wiki": "LGPL-2.1",
    "treasury-of-david": "public-domain",
    "scofield-notes": "public-domain",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book) is (?:free "
    r"software|distributed)|You should have received a copy|Permission is (?:hereby )?granted",
    re.I,
)
HANDBOOK_SKIP = {"index"}
HEADWORD = 40  # Scofield's paragraphs shorter than this are the words a note is on
EXIM_SKIP = {"ch-concept_index", "ch-option_index", "ch-variable_index"}


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def handbook_text(markup: str) -> str:
    """A page of the handbook (Publican's HTML) as text: banner, title and navigation out."""
    markup = re.sub(r'(?s)<div id="banner">.*?</div>|<p id="title">.*?</p>', "", markup)
    markup = re.sub(r'(?s)<ul class="docnav[^"]*">.*?</ul>', "", markup)
    return html_text(markup)


def exim_text(markup: str) -> str:
    """A chapter of Exim's specification as text: the site's header, menu and footer out."""
    markup = markup.split('<div id="chapter"', 1)[-1].split('<div id="footer"', 1)[0]
    markup = re.sub(r'(?s)<a class="(?:previous|next|toc)_page"[^>]*>.*?</a>', "", markup)
    return html_text("<div " + markup)


def dovecot_text(text: str) -> str:
    """A page of Dovecot's wiki (text): heading rules, code fences and the export note out."""
    text = re.sub(r"(?m)^(?:[=\-]{3,}|---%<-+)[ \t]*$", "", text)
    text = re.sub(r"(?m)^Contents\n(?:[ \t]*\n|[ \t]+\d+\. .*\n)*", "", text)
    text = re.sub(r"(?m)^\(This file was created from the wiki on [^)]*\)$", "", text)
    return B.clean(text)


def headwords_joined(paras: list[str]) -> list[str]:
    """Notes as ``headword: note``: a short paragraph without a full stop joins the next."""
    out: list[str] = []
    for p in paras:
        if out and len(out[-1]) < HEADWORD and not out[-1].endswith((".", ":", ")")):
            out[-1] = f"{out[-1]}: {p}"
        else:
            out.append(p)
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, notices_out(blocks), LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for path in sorted((root / HANDBOOK).glob("*.html")):
        if path.stem in HANDBOOK_SKIP:
            continue
        text = handbook_text(path.read_text("utf-8", "replace"))
        out["debian-handbook"] += _pieces("debian-handbook", path.stem, B.paragraphs(text))
    for path in sorted((root / EXIM).glob("*ch-*.html")):
        if path.is_symlink() or path.stem in EXIM_SKIP:
            continue
        text = exim_text(path.read_text("utf-8", "replace"))
        out["exim-spec"] += _pieces("exim-spec", path.stem, B.paragraphs(text))
    for path in sorted((root / DOVECOT).glob("*.txt*")):
        text = dovecot_text(raw_text(path))
        name = path.name.removesuffix(".gz").removesuffix(".txt")
        out["dovecot-wiki"] += _pieces("dovecot-wiki", name, B.paragraphs(text))
    chapters: dict[int, list[str]] = {}
    for block, text in sword_entries(root / TDAVID, "ot", zcom4=True):
        chapters.setdefault(block, []).extend(B.paragraphs(text))
    for block, paras in chapters.items():
        out["treasury-of-david"] += _pieces("treasury-of-david", f"ot/{block:03d}", paras)
    for testament in ("ot", "nt"):
        books: dict[int, list[str]] = {}
        for book, text in sword_entries(root / SCOFIELD, testament):
            books.setdefault(book, []).extend(B.paragraphs(text))
        for book, paras in books.items():
            name = f"{testament}/{book:02d}"
            out["scofield-notes"] += _pieces("scofield-notes", name, headwords_joined(paras))
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
