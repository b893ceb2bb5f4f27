"""A thirteenth held-out corpus for domain discovery: a cluster scheduler's manual next to Icinga, FFmpeg, mpv and a FAQ.

    python -m benchmarks.heldout_corpus13   # writes .cache/eval-corpora/heldout-thirteen.jsonl

Sources that no other corpus of the project uses. One large manual with many subjects
inside it (the documentation of Slurm 22.05, the workload manager of computing clusters,
for their administrators and users: installing and configuring the controller and node
daemons, `slurm.conf` and the other configuration files, partitions, nodes and
generic resources such as GPUs, the scheduler, backfill, priorities, fair share, QOS,
preemption, reservations and limits, accounting and its database, cgroups, CPU
management and task binding, job arrays, heterogeneous jobs, burst buffers, power saving,
federation, the REST daemon and JWT, containers, MPI, and the manual pages of every
command from `sbatch`, `srun` and `squeue` to `sacctmgr` and `scontrol`) next to four
smaller sources. The Icinga 2 monitoring system's documentation is another manual for
the same administrators (daemons, nodes and clusters, configuration files and objects,
plug-ins, an API, certificates, troubleshooting); FFmpeg's manual and mpv's manual page
are technical text of another kind (codecs, streams, filters, options, audio and video)
that share their vocabulary with each other; An Anarchist FAQ is long political prose
(theory, history, economics, quotations from older writers). Labelled by source, K = 5,
the largest 43% of the documents. The Debian packages are fetched with `apt-get download`
and unpacked under `.cache/heldout-debs/thirteen/`, not installed (installing them would
add files that `benchmarks.tuning_corpus` reads, every package's changelog). Paragraphs
are packed into documents of about 1,000 characters; markup (the Slurm site's HTML,
Markdown, Texinfo's HTML, troff, the FAQ's HTML) is taken out.

| source | Debian package | documents | licence |
|---|---|---|---|
| `slurm-docs`: the Slurm 22.05 documentation and its manual pages (HTML) | `slurm-wlm-doc` 22.05.8-4+deb12u3 | 1300 | GPL-2.0-or-later |
| `icinga2-docs`: the Icinga 2.13 documentation, 24 chapters (Markdown) | `icinga2-doc` 2.13.6-2+deb12u2 | 450 | GPL-2.0-or-later |
| `ffmpeg-manual`: the FFmpeg 5.1 manual, `ffmpeg-all.html` (HTML) | `ffmpeg-doc` 7:5.1.9-0+deb12u1 | 450 | LGPL-2.1-or-later |
| `mpv-manual`: the mpv 0.35 manual page (troff) | `mpv` 0.35.1-4 | 280 | LGPL-2.1-or-later |
| `anarchist-faq`: An Anarchist FAQ, version 15.3, sections A to J (HTML) | `anarchism` 15.3-3 | 520 | GPL-2.0-or-later |

Left out: from Slurm's site the navigation, search box and footer of every page, each
page's date of change, the manual pages' COPYING and SEE ALSO sections, and the pages
that are not documentation of the program (`SLURM_SKIP`: link lists, the configurator
forms, the generated REST and C API references, news and release notes, the team,
publications, meetings and testimonials, the disclaimer, the programmers' and
contributors' guides, the command table `rosetta`); Icinga's images, anchors, link
targets, code-fence and table rule lines (the code and the tables' rows are kept);
FFmpeg's table of contents, its chapters "See Also" and "Authors" and the tables of
supported formats, codecs and features (a chapter of yes and no marks), the manual's
other files (each tool's page again, developer and API documentation); mpv's sections
from COPYRIGHT on; the FAQ's front page, introductions to the book and its volumes,
appendices, bibliography, link lists and contact and translation pages (only the sections
`secA*` to `secJ*` are read) and on every page the book navigation; every paragraph that
is a copyright or licence notice. Looked at and not used as the large source, each too
short for 1,200 documents that are not nearly all of it: Icinga's and FFmpeg's manuals,
the zsh manual (`zsh-doc`), LilyPond's Notation Reference (`lilypond-doc-html`), the
GnuCash guide and help (`gnucash-docs`), Bacula's main manual (`bacula-doc`); as small
sources: collectd's manual pages (`collectd-core`, 280 documents), the Ledger and hledger
manuals (`ledger`, `hledger`, about 250 each), Environment Modules' manual pages
(`environment-modules`, about 190), Icinga Web 2's documentation (`icingaweb2`, about
100). No source is nearly all used (Slurm 1300 of 1,616 documents of 200-4,000
characters, Icinga 450 of 1,124, FFmpeg 450 of 1,188, mpv 280 of 466, the FAQ 520 of
5,084). Every choice is made by a salted SHA-256 of the document id, so a rebuild gives
the same file (3,000 documents, 4.2 MB; about 10 s once the 20 MB of packages are
downloaded, 25 s with the download). The file is never committed.
"""

from __future__ import annotations

import re
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

SALT = "splitlib-heldout-thirteen-v1"
NAME = "heldout-thirteen"
WORK = ROOT / ".cache" / "heldout-debs" / "thirteen"
SLURM = "usr/share/doc/slurm-wlm/html"
ICINGA = "usr/share/doc/icinga2/markdown"
FFMPEG = "usr/share/doc/ffmpeg/manual/ffmpeg-all.html"
MPV = "usr/share/man/man1/mpv.1.gz"
AFAQ = "usr/share/doc/anarchism/html"
COPYRIGHT = "./usr/share/doc/*/copyright"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "slurm-wlm-doc": ("22.05.8-4+deb12u3", (f"./{SLURM}/*.html", COPYRIGHT)),
    "icinga2-doc": ("2.13.6-2+deb12u2", (f"./{ICINGA}/*.md.gz", COPYRIGHT)),
    "ffmpeg-doc": ("7:5.1.9-0+deb12u1", (f"./{FFMPEG}", COPYRIGHT)),
    "mpv": ("0.35.1-4", (f"./{MPV}", COPYRIGHT)),
    "anarchism": ("15.3-3", (f"./{AFAQ}/sec*.html", COPYRIGHT)),
}
SIZES = {"slurm-docs": 1300, "icinga2-docs": 450, "ffmpeg-manual": 450}
SIZES |= {"mpv-manual": 280, "anarchist-faq": 520}
LICENCE = {
    "slurm-docs": "GPL-2.0-or-later",
    "icinga2-docs": "GPL-2.0-or-later",
    "ffmpeg-manual": "LGPL-2.1-or-later",
    "mpv-manual": "LGPL-2.1-or-later",
    "anarchist-faq": "GPL-2.0-or-later",
}
NOTICE = re.compile(  # licence and copyright paragraphs, which another corpus has as a source
    r"(?:\d+\. )?Copyright\b|.{0,40} is copyright|This (?:program|manual|book) is (?:free "
    r"software|distributed)|You should have received a copy|Permission is (?:hereby )?granted",
    re.I,
)
# Slurm's pages that are not its documentation: link lists, forms, generated API references,
# news and release notes, people and events, the developers' guides, a table of commands
SLURM_SKIP = {"api", "configurator", "configurator.easy", "contributor", "coding_style"}
SLURM_SKIP |= {"disclaimer", "documentation", "download", "man_index", "meetings", "news"}
SLURM_SKIP |= {"openapi_release_notes", "platforms", "programmer_guide", "publications"}
SLURM_SKIP |= {"rest_api", "rosetta", "slurm_ug_agenda", "team", "testimonials"}
FFMPEG_SKIP = ("See Also", "Authors", "Supported File Formats")
CHAPTER = re.compile(r'<h2 class="chapter">')


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


class _Texinfo(HtmlText):
    """Texinfo's HTML (and the FAQ's) as text: contents, node headers, navigation left out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"contents", "header", "book-navigation"}


def notices_out(paras: list[str]) -> list[str]:
    """Paragraphs less the copyright and licence notices among them."""
    return [p for p in paras if not NOTICE.match(p)]


def markdown_text(text: str) -> str:
    """A chapter of Icinga's Markdown as text: anchors, images, link targets, rules out."""
    text = re.sub(r"(?s)<!--.*?-->", "", text)
    text = re.sub(r'\s*<a id="[^"]*"></a>', "", text)
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"(?m)^\s*```.*$", "", text)
    text = re.sub(r"(?m)^\s*\|?\s*:?-{3,}[-|: ]*$", "", text)  # a table's rule line
    text = re.sub(r"(?m)^#{1,6}\s+|^> ?", "", text)
    return B.clean(text.replace("**", "").replace("\\_", "_"))


def slurm_text(markup: str) -> str:
    """A page of Slurm's site as text: navigation, footer and date of change out, and a
    manual page's COPYING and SEE ALSO sections."""
    markup = markup.split('<div class="content" role="main">', 1)[-1].split("<footer", 1)[0]
    markup = re.split(r"<h2>(?:COPYING|SEE ALSO)\b", markup, maxsplit=1)[0]
    markup = re.sub(r"<p[^>]*>\s*Last modified [^<]*</p>", "", markup)
    return html_text(markup)


def man_text(path: Path) -> str:
    """A gzipped man page as text, from its copyright and licence sections on left out."""
    return _troff_text(re.split(r"\n\.SH \"?(?:COPYRIGHT|COPYING|LICEN)", raw_text(path))[0])


def chapters(markup: str) -> list[tuple[str, str]]:
    """A one-page Texinfo manual's chapters as (title, text), its contents and preface out."""
    out = []
    for part in CHAPTER.split(markup)[1:]:
        part = re.sub(r'(?s)<span class="pull-right">.*?</span>', "", part)
        title = html_text(part.split("</h2>", 1)[0]).split("\n")[0]
        title = re.sub(r"^\d+\s+", "", title).strip()
        out.append((title, html_text(f"<h2>{part}", _Texinfo)))
    return out


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, text: str) -> list[dict]:
    return pieces(source, name, notices_out(B.paragraphs(text)), LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for path in sorted((root / SLURM).glob("*.html")):
        if path.stem not in SLURM_SKIP:
            text = slurm_text(path.read_text("utf-8", "replace"))
            out["slurm-docs"] += _pieces("slurm-docs", path.stem, text)
    for path in sorted((root / ICINGA).glob("*.md.gz")):
        name = path.name.removesuffix(".md.gz")
        out["icinga2-docs"] += _pieces("icinga2-docs", name, markdown_text(raw_text(path)))
    for n, (title, text) in enumerate(chapters((root / FFMPEG).read_text("utf-8")), 1):
        if not title.startswith(FFMPEG_SKIP):
            out["ffmpeg-manual"] += _pieces("ffmpeg-manual", f"ch{n:02d}", text)
    out["mpv-manual"] = _pieces("mpv-manual", "mpv.1", man_text(root / MPV))
    for path in sorted((root / AFAQ).glob("sec*.html")):
        text = html_text(path.read_text("utf-8", "replace"), _Texinfo)
        out["anarchist-faq"] += _pieces("anarchist-faq", path.stem, text)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
