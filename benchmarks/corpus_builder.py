"""What the tuning and held-out corpus builders share, so that each builds its corpus the same way.

`benchmarks.tuning_corpus` and `benchmarks.heldout_corpus`, `heldout_corpus2` and
`heldout_corpus3` differ in their sources and in how they take each source's markup out; the
rest is one procedure: fetch Debian packages without installing them, read (possibly gzipped)
files, pack paragraphs into documents of about 1,000 characters, choose each source's documents
by a salted hash of their ids and write the JSONL. Changing anything here changes every corpus
built with it, so a rebuild must still give byte-identical files.
"""

from __future__ import annotations

import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Mapping
from html.parser import HTMLParser
from pathlib import Path

from benchmarks.eval_corpora import DEFAULT_OUT, B

# --------------------------------------------------------------------------- Debian packages


def fetch_debs(work: Path, packages: Mapping[str, str | tuple[str, tuple[str, ...]]]) -> Path:
    """Download and unpack ``packages`` under ``work``; the unpacked tree is ``work / 'root'``.

    Unpacked, not installed: installing would add changelogs and info manuals that
    `benchmarks.tuning_corpus` reads. A package maps to the version the corpus was built from
    (a newer one is used with a warning), or to (version, the tar patterns of its members to
    unpack) where the whole package is too large. Done once: ``work / 'unpacked'`` marks it.
    """
    root = work / "root"
    done = work / "unpacked"
    if done.exists():
        return root
    work.mkdir(parents=True, exist_ok=True)
    root.mkdir(exist_ok=True)
    for pkg, spec in packages.items():
        version, members = (spec, ()) if isinstance(spec, str) else spec
        debs = sorted(work.glob(f"{pkg}_*.deb"))
        if not debs:
            subprocess.run(["apt-get", "download", "-q", pkg], cwd=work, check=True)
            debs = sorted(work.glob(f"{pkg}_*.deb"))
        if version.replace(":", "%3a") not in debs[-1].name:
            print(f"warning: {debs[-1].name} is not {pkg} {version}", file=sys.stderr)
        if not members:
            subprocess.run(["dpkg-deb", "-x", str(debs[-1]), str(root)], check=True)
            continue
        tar = subprocess.Popen(
            ["dpkg-deb", "--fsys-tarfile", str(debs[-1])], stdout=subprocess.PIPE
        )
        untar = subprocess.run(
            ["tar", "-x", "-C", str(root), "--wildcards", *members], stdin=tar.stdout
        )
        tar.stdout.close()
        if tar.wait():
            raise SystemExit(f"dpkg-deb failed on {debs[-1]}")
        if untar.returncode:  # a pattern that matched nothing: the corpus would lack a part
            print(
                f"warning: tar could not unpack all of {members} from {debs[-1].name}",
                file=sys.stderr,
            )
    done.touch()
    return root


# --------------------------------------------------------------------------- reading


def raw_text(path: Path, errors: str = "replace") -> str:
    """A file's text, gunzipped if its name ends in .gz; line ends kept as they are."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return raw.decode("utf-8", errors)


class HtmlText(HTMLParser):
    """The text of an HTML page: blocks as paragraphs, <pre> kept, navigation left out.

    A builder extends the tag and class sets for other markup (help pages, Mallard XML).
    """

    BLOCK = {"p", "div", "pre", "table", "dl", "ul", "ol", "blockquote", "h1", "h2", "h3"}
    BLOCK |= {"h4", "h5", "h6", "title"}
    LINE = {"li", "dt", "dd", "tr", "br"}
    SKIP_CLASS = {"navheader", "navfooter", "toc", "list-of-tables", "list-of-examples"}
    SKIP_CLASS |= {"menu", "searchmenu", "pikchr", "fancy_toc", "logo", "tagline"}
    SKIP_TAG = {"head", "script", "style", "svg"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.pre = 0
        self.skip = 0  # depth inside a skipped element
        self.skip_tag = ""

    def handle_starttag(self, tag, attrs):
        if self.skip:
            self.skip += tag == self.skip_tag
            return
        cls = set((dict(attrs).get("class") or "").split())
        if tag in self.SKIP_TAG or (tag == "div" and cls & self.SKIP_CLASS):
            self.skip, self.skip_tag = 1, tag
            return
        if tag == "pre":
            self.pre += 1
        if tag in self.BLOCK:
            self.out.append("\n\n")
        elif tag in self.LINE:
            self.out.append("\n")
        elif tag in ("td", "th") and self.out and not self.out[-1].endswith("\n"):
            self.out.append("  ")

    def handle_endtag(self, tag):
        if self.skip:
            self.skip -= tag == self.skip_tag
            return
        if tag == "pre":
            self.pre -= 1
        if tag in self.BLOCK:
            self.out.append("\n\n")

    def handle_data(self, data):
        if self.skip:
            return
        if not self.pre:
            data = re.sub(r"\s+", " ", data)
            if not self.out or self.out[-1].endswith("\n"):
                data = data.lstrip()
        if data:
            self.out.append(data)

    def text(self) -> str:
        text = "".join(self.out)
        return B.clean(re.sub(r"[ \t]+\n", "\n", text.replace("\xa0", " ")))


def html_text(markup: str, parser: type[HtmlText] = HtmlText) -> str:
    """``markup`` as plain text, read by ``parser``."""
    reader = parser()
    reader.feed(markup)
    reader.close()
    return reader.text()


# --------------------------------------------------------------------------- documents


def pieces(source: str, name: str, blocks: list[str], licence: str | None = None) -> list[dict]:
    """``blocks`` packed into documents of about 1,000 characters (3,000 at most).

    Ids are ``source/name/NNN``, so that a document's id, and with it whether it is chosen,
    does not depend on the other files of its source. Without ``licence`` a row has no
    ``license`` field (the tuning corpus has none).
    """
    packed = B.pack(blocks, target=1000, limit=3000)
    rows = [
        {"id": f"{source}/{name}/{n:03d}", "text": t, "source": source}
        for n, t in enumerate(packed, 1)
    ]
    if licence is not None:
        for r in rows:
            r["license"] = licence
    return rows


def write_corpus(
    name: str,
    documents: dict[str, list[dict]],
    sizes: dict[str, int],
    salt: str,
    *,
    show_counts: bool = False,
) -> int:
    """Choose ``sizes[source]`` documents of each source, write ``DEFAULT_OUT / name.jsonl``.

    Choices and order come from a salted SHA-256 of the ids, so a rebuild gives the same
    file; documents outside the evaluation's length bounds are never chosen. Stops, writing
    nothing, where a source has too few. Prints the documents per source; with
    ``show_counts`` also how many each source had to choose from (to stderr).
    """
    rows, short = [], []
    for source, docs in documents.items():
        ok = [r for r in docs if B.MIN_CHARS <= len(r["text"]) <= B.MAX_CHARS]
        ok.sort(key=lambda r: B.hkey(salt, r["id"]))
        if show_counts:
            print(f"{source}: {len(ok)} documents to choose from", file=sys.stderr)
        short += [f"only {len(ok)} documents for {source}"] * (len(ok) < sizes[source])
        rows += ok[: sizes[source]]
    if short:
        raise SystemExit("; ".join(short))
    rows.sort(key=lambda r: B.hkey(salt, "order", r["id"]))
    DEFAULT_OUT.mkdir(parents=True, exist_ok=True)
    with open(DEFAULT_OUT / f"{name}.jsonl", "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(", ".join(f"{k} {v}" for k, v in sorted(Counter(r["source"] for r in rows).items())))
    return 0
