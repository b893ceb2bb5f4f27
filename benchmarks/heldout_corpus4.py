"""A fourth held-out corpus for domain discovery: a numerical manual next to novels and game stories.

    python -m benchmarks.heldout_corpus4   # writes .cache/eval-corpora/heldout-mix.jsonl

Sources that no other corpus of the project uses, and a mixture of kinds: two technical
manuals, one technical reference of short entries, and two kinds of prose that are not
software documentation. One large manual with many subjects inside it (GNU Octave's:
matrices and linear algebra, strings, containers, plotting and graphics properties,
statistics, signal processing, optimisation, file I/O, oct-files, the GUI) next to four
smaller sources: gnuplot's help (a second plotting manual, which shares the large one's
vocabulary of axes, plots and data), Lintian's tag descriptions (short notes on Debian
packaging mistakes), Jane Austen's six novels, and the missions, conversations and
descriptions of the space-trading game Endless Sky (prose, but with ships, systems and
cargo). Labelled by source, K = 5, the largest 48% of the documents. The Debian packages
are fetched with `apt-get download` and unpacked under `.cache/heldout-debs/mix/`, not
installed (installing them would add files that `benchmarks.tuning_corpus` reads).
Paragraphs are packed into documents of about 1,000 characters; markup (HTML, Lintian's
HTML tags, the game's data syntax and text substitutions) is taken out, and the novels'
hard-wrapped lines are joined.

| source | Debian package | documents | licence |
|---|---|---|---|
| `octave-manual`: the GNU Octave 7 manual (HTML) | `octave-doc` 7.3.0-2 | 1500 | GPL-3.0-or-later |
| `gnuplot-help`: gnuplot 5.4's help (`gnuplot.gih`) | `gnuplot-doc` 5.4.4+dfsg1-2 | 350 | gnuplot |
| `lintian-tags`: Lintian's tag descriptions | `lintian` 2.116.3+deb12u1 | 400 | GPL-2.0-or-later |
| `jane-austen`: Jane Austen's six novels (Project Gutenberg texts in R data) | `r-cran-janeaustenr` 1.0.0-1 | 450 | public domain (package MIT) |
| `endless-sky`: Endless Sky's missions, conversations and descriptions | `endless-sky-data` 0.9.8-1.2 | 450 | GPL-3.0-or-later |

Left out: Octave's index pages, its page headers (navigation) and menus, its C++ library
manual (`liboctave`); gnuplot's copyright and licence topics; Lintian's tag fields other
than the name and explanation (severity, check, see-also); Endless Sky's ship, outfit and
system data (numbers and names), its job-board files (`* jobs.txt`: the same templated
sentences), every string of fewer than 20 characters or that occurs three times or
more (the failure dialogs), and its comments (the licence header). Its text substitutions
(`<planet>`, `<origin>`, ...) lose their brackets and keep the word. Jane Austen's novels
are read from the package's R lazy-load database (`data/Rdata.rdb`) by a small reader of
R's serialisation format written here (no R needed); their underscores (italics) are taken
out. Tried and not used: the Short History of Debian (`debian-history`: too little English
text), Angband's data (`angband-data` holds only help files, not the monster
descriptions), Maxima's manual (a third manual of mathematics and plots: not needed),
`dict-bouvier` and `dict-moby-thesaurus` (not in Debian 12). Lintian's tags are nearly all
used (400 of 418 documents of 200-4,000 characters), the others are not (Octave 1500 of
2,049, gnuplot 350 of 634, Austen 450 of 2,901, Endless Sky 450 of 1,174). Every choice is
made by a salted SHA-256 of the document id, so a rebuild gives the same file (3,150
documents, 3.9 MB; about 3 s once the 84 MB of packages are downloaded and the 5 s to
unpack them). The file is never committed.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import re
import struct
import zlib
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
from benchmarks.eval_corpora import ROOT, B

SALT = "splitlib-heldout-mix-v1"
NAME = "heldout-mix"
WORK = ROOT / ".cache" / "heldout-debs" / "mix"
PACKAGES = {  # the versions this corpus was built from (Debian 12), and what to unpack
    "octave-doc": (
        "7.3.0-2",
        ("./usr/share/doc/octave/octave.html/*", "./usr/share/doc/*/copyright"),
    ),
    "gnuplot-doc": (
        "5.4.4+dfsg1-2",
        ("./usr/share/doc/gnuplot/gnuplot.gih.gz", "./usr/share/doc/*/copyright"),
    ),
    "lintian": ("2.116.3+deb12u1", ("./usr/share/lintian/tags/*", "./usr/share/doc/*/copyright")),
    "r-cran-janeaustenr": ("1.0.0-1", ()),
    "endless-sky-data": (
        "0.9.8-1.2",
        ("./usr/share/games/endless-sky/data/*", "./usr/share/doc/*/copyright"),
    ),
}
SIZES = {"octave-manual": 1500, "gnuplot-help": 350, "lintian-tags": 400}
SIZES |= {"jane-austen": 450, "endless-sky": 450}
LICENCE = {
    "octave-manual": "GPL-3.0-or-later",
    "gnuplot-help": "gnuplot",
    "lintian-tags": "GPL-2.0-or-later",
    "jane-austen": "public-domain",
    "endless-sky": "GPL-3.0-or-later",
}
GNUPLOT_SKIP = {"copyright", "license"}
ES_ALONE = ("mission", "event", "conversation")
ES_KEYS = ("description", "spaceport", "dialog", "conversation", "landing", "message")


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


# --------------------------------------------------------------------------- markup


class _Texinfo(HtmlText):
    """Octave's manual (texinfo's HTML) as text: page headers and menus left out."""

    SKIP_CLASS = HtmlText.SKIP_CLASS | {"header", "nav-panel", "contents", "shortcontents"}


def octave_text(markup: str) -> str:
    markup = re.sub(r'(?s)<table class="menu".*?</table>', "", markup)
    return html_text(markup, _Texinfo).replace(" \u00b6", "").replace("\u00b6", "")


def gnuplot_topics(text: str) -> list[tuple[str, list[str]]]:
    """``gnuplot.gih``'s topics: (the first ``?`` key, its paragraphs), in file order."""
    out = []
    for chunk in re.split(r"(?m)^(?=\?)", text):
        keys = re.findall(r"(?m)^\?(.*)$", chunk)
        body = re.sub(r"(?m)^\?.*\n?", "", chunk)
        if not keys:
            continue
        body = re.sub(r"(?m)^ ", "", body)
        paras = [p for p in B.paragraphs(B.clean(body)) if p.strip()]
        if paras and keys[0].strip() not in GNUPLOT_SKIP:
            out.append((keys[0].strip(), paras))
    return out


def lintian_explanation(text: str) -> str:
    """A ``.tag`` file's tag name and explanation, its HTML tags taken out."""
    tag = re.search(r"(?m)^Tag: *(.*)$", text)
    m = re.search(r"(?ms)^Explanation: ?(.*?)(?=^\S[\w-]*:|\Z)", text)
    if not tag or not m:
        return ""
    lines = [ln[1:] if ln.startswith(" ") else ln for ln in m.group(1).split("\n")]
    body = "\n".join("" if ln.strip() == "." else ln for ln in lines)
    body = html_text(body.replace("\n\n", "<p>"))
    return B.clean(f"{tag.group(1).strip()}\n\n{body}")


_ES_LINE = re.compile(r"^(\t*)(?:(\w+) +)?(`[^`]*`|\"[^\"]*\")\s*$")


def _es_unquote(s: str) -> str:
    s = s[1:-1].lstrip("\t")
    return re.sub(r"<([\w ]+)>", r"\1", s).strip()


def endless_sky_blocks(text: str) -> dict[str, list[str]]:
    """The game's prose, per top-level object (a mission, planet, event ...).

    Conversation lines are bare backquoted strings; descriptions and dialogs are keyed.
    """
    out: dict[str, list[str]] = {}
    name = ""
    in_conv = -1  # the indent of the conversation being read, or -1
    for line in text.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip("\t"))
        if indent == 0:
            name = re.sub(r"\W+", "-", line.replace('"', "").replace("`", "")).strip("-")
            in_conv = -1
            continue
        if in_conv >= 0 and indent <= in_conv:
            in_conv = -1
        head = line.strip().split(" ", 1)[0]
        if head in ("conversation", "choice") and in_conv < 0:
            in_conv = indent
            continue
        m = _ES_LINE.match(line)
        if not m or not name:
            continue
        key = m.group(2)
        if (key in ES_KEYS) or (key is None and in_conv >= 0):
            s = _es_unquote(m.group(3))
            if len(s) >= 20:
                out.setdefault(name, []).append(s)
    return out


# --------------------------------------------------------------------------- R data


class _RReader:
    """Enough of R's XDR serialisation (format 2 and 3) to read character vectors and lists."""

    def __init__(self, data: bytes) -> None:
        if data[:2] != b"X\n":
            raise ValueError("not R's XDR serialisation")
        self.b, self.i, self.refs = data, 2, []
        version = self.int()
        self.i += 8  # the writer's and the minimal reader's R versions
        if version == 3:
            self.i += 4 + self.int()  # the native encoding's name

    def int(self) -> int:
        v = struct.unpack_from(">i", self.b, self.i)[0]
        self.i += 4
        return v

    def read(self):
        flags = self.int()
        kind = flags & 0xFF
        if kind == 255:  # a reference to an earlier symbol
            return self.refs[(flags >> 8) - 1]
        if kind in (242, 251, 252, 253, 254):  # environments, missing, NULL
            return None
        if kind == 1:  # a symbol
            s = self.read()
            self.refs.append(s)
            return s
        if kind == 9:  # a string
            n = self.int()
            if n < 0:
                return None
            s = self.b[self.i : self.i + n].decode("utf-8", "replace")
            self.i += n
            return s
        if kind in (2, 6):  # a pairlist: (tag, value) pairs
            if flags & (1 << 9):
                self.read()
            tag = self.read() if flags & (1 << 10) else None
            car = self.read()
            return [(tag, car), *(self.read() or [])]
        if kind in (10, 13, 14, 16, 19, 20):  # vectors: logical, int, double, string, list
            n = self.int()
            if kind in (16, 19, 20):
                v = [self.read() for _ in range(n)]
            else:
                fmt, size = ("d", 8) if kind == 14 else ("i", 4)
                v = list(struct.unpack_from(f">{n}{fmt}", self.b, self.i))
                self.i += size * n
            attrs = dict(self.read()) if flags & (1 << 9) else {}
            return v, attrs
        raise ValueError(f"R type {kind} is not read here")


def _r_blob(blob: bytes) -> bytes:
    kind = blob[4:5]
    if kind == b"2":
        return bz2.decompress(blob[5:])
    if kind == b"X":
        return lzma.decompress(blob[5:])
    if kind == b"0":
        return blob[5:]
    return zlib.decompress(blob[5:] if kind == b"Z" else blob[4:])


def r_lazyload(base: Path) -> dict:
    """The objects of an R lazy-load database (``base.rdx`` and ``base.rdb``), by name.

    The index is a gzipped serialised list; each object in the database is compressed
    after a 4-byte length (and, for some compressions, a byte that names it).
    """
    index, _ = _RReader(gzip.decompress(base.with_suffix(".rdx").read_bytes())).read()
    variables = index[0]
    rdb = base.with_suffix(".rdb").read_bytes()
    out = {}
    for name, (pos, _) in zip(variables[1]["names"][0], variables[0], strict=True):
        off, n = int(pos[0]), int(pos[1])
        out[name] = _RReader(_r_blob(rdb[off : off + n])).read()
    return out


def novel_paragraphs(lines: list[str | None]) -> list[str]:
    """A novel's hard-wrapped lines as paragraphs, each joined into one line."""
    text = "\n".join(ln or "" for ln in lines)
    paras = [re.sub(r"\s*\n\s*", " ", p).strip() for p in re.split(r"\n\s*\n", text)]
    return [p.replace("_", "") for p in paras if p]


# --------------------------------------------------------------------------- documents


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    oct_dir = root / "usr/share/doc/octave/octave.html"
    for path in sorted(oct_dir.glob("*.html")):
        if path.stem == "index" or path.stem.endswith("Index"):
            continue
        text = octave_text(path.read_text("utf-8", "replace"))
        out["octave-manual"] += _pieces("octave-manual", path.stem, B.paragraphs(text))
    gih = raw_text(root / "usr/share/doc/gnuplot/gnuplot.gih.gz")
    blocks = [p for _, paras in gnuplot_topics(gih) for p in paras]
    out["gnuplot-help"] += _pieces("gnuplot-help", "gnuplot", blocks)
    tags = root / "usr/share/lintian/tags"
    for group in sorted(p for p in tags.iterdir() if p.is_dir()):
        texts = [
            lintian_explanation(p.read_text("utf-8", "replace"))
            for p in sorted(group.rglob("*.tag"))
        ]
        out["lintian-tags"] += _pieces("lintian-tags", group.name, [t for t in texts if t])
    data = root / "usr/lib/R/site-library/janeaustenr/data/Rdata"
    for name, (lines, _) in sorted(r_lazyload(data).items()):
        out["jane-austen"] += _pieces("jane-austen", name, novel_paragraphs(lines))
    es = root / "usr/share/games/endless-sky/data"
    groups: dict[str, list[str]] = {}  # a mission or event alone; planets, ships ... per file
    for path in sorted(es.glob("*.txt")):
        if path.stem.endswith("jobs"):
            continue  # the job board's templates: the same few sentences, placeholders filled
        for obj, blocks in endless_sky_blocks(path.read_text("utf-8", "replace")).items():
            kind = obj.split("-", 1)[0]
            group = obj if kind in ES_ALONE else kind
            groups.setdefault(f"{path.stem.replace(' ', '-')}-{group}", []).extend(blocks)
    seen = Counter(b for blocks in groups.values() for b in blocks)
    for name, blocks in groups.items():  # boilerplate (the same failure dialog ...) left out
        blocks = [b for b in blocks if seen[b] < 3]
        out["endless-sky"] += _pieces("endless-sky", name, blocks)
    return out


def main() -> int:
    return write_corpus(NAME, documents(fetch()), SIZES, SALT, show_counts=True)


if __name__ == "__main__":
    raise SystemExit(main())
