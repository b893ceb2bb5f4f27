"""A held-out corpus for domain discovery, from sources that no other corpus of the project uses.

    python -m benchmarks.heldout_corpus    # writes .cache/eval-corpora/heldout-dict.jsonl

Built after the defaults were chosen, to measure them once on text nothing was tuned on.
Six sources, labelled by source (K = 6), one of them 44% of the documents: four
dictionaries in the dict format (adjacent entries packed into documents of about 1,000
characters) and two manuals. The Debian packages are fetched with `apt-get download` and
unpacked under `.cache/heldout-debs/`, not installed: installing them would add
changelogs and info manuals that `benchmarks.tuning_corpus` reads.

| source | Debian package | documents | licence |
|---|---|---|---|
| `gcide`: Collaborative International Dictionary of English (Webster 1913 + later) | `dict-gcide` 0.48.5+nmu2 | 1500 | GPL-2.0-or-later |
| `foldoc`: Free On-line Dictionary of Computing | `dict-foldoc` 20230119-1 | 400 | GFDL-1.1-or-later |
| `jargon-file`: the Jargon File 4.4.7 | `dict-jargon` 4.4.7-3.1 | 400 | public domain |
| `devils-dictionary`: Ambrose Bierce's The Devil's Dictionary | `dict-devil` 1.0-13.1 | 275 | public domain |
| `debian-policy`: the Policy Manual and its companion texts | `debian-policy` 4.6.2.0 | 400 | GPL-2.0-or-later |
| `perl-pod`: Perl's manual pages (pod text, not module code) | `perl-doc` 5.36.0-7+deb12u4 | 400 | GPL-1.0-or-later or Artistic-1.0-Perl |

Left out so that no used source comes back: GCIDE entries derived from WordNet, licence
texts inside any source, Perl's release notes (`perl*delta`, changelog-like), its licence
pods and its pods in Chinese, Japanese and Korean. The Devil's Dictionary makes only 278
documents of 200-4,000 characters, so nearly all of it is used. Every choice is made by a
salted SHA-256 of the document id, so a rebuild gives the same file (3,375 documents,
5.0 MB; about 5 s once the 28 MB of packages are downloaded). The file is never committed.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from benchmarks.corpus_builder import fetch_debs, pieces, raw_text, write_corpus
from benchmarks.eval_corpora import ROOT, B

SALT = "splitlib-heldout-v1"
WORK = ROOT / ".cache" / "heldout-debs"
PACKAGES = {  # the versions this corpus was built from (Debian 12)
    "dict-gcide": "0.48.5+nmu2",
    "dict-foldoc": "20230119-1",
    "dict-jargon": "4.4.7-3.1",
    "dict-devil": "1.0-13.1",
    "debian-policy": "4.6.2.0",
    "perl-doc": "5.36.0-7+deb12u4",
}
SIZES = {"gcide": 1500, "foldoc": 400, "jargon-file": 400, "devils-dictionary": 275}
SIZES |= {"debian-policy": 400, "perl-pod": 400}
LICENCE = {
    "gcide": "GPL-2.0-or-later",
    "foldoc": "GFDL-1.1-or-later",
    "jargon-file": "public-domain",
    "devils-dictionary": "public-domain",
    "debian-policy": "GPL-2.0-or-later",
    "perl-pod": "GPL-1.0-or-later OR Artistic-1.0-Perl",
}
DICTS = {
    "gcide": "gcide",
    "foldoc": "foldoc",
    "jargon-file": "jargon",
    "devils-dictionary": "devil",
}
POLICY_TEXTS = ("policy", "menu-policy", "perl-policy", "upgrading-checklist", "autopkgtest")
LICENCE_TEXT = re.compile(r"Permission is granted to copy|This program is free software")


def fetch(work: Path = WORK) -> Path:
    """Download and unpack the packages under ``work``; the unpacked tree is ``work / 'root'``."""
    return fetch_debs(work, PACKAGES)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _b64(s: str) -> int:
    n = 0
    for c in s:
        n = n * 64 + _B64.index(c)
    return n


def dict_entries(dictd: Path, name: str) -> list[tuple[str, str]]:
    """(headword, entry text) of a dict database, in file order, database notes left out."""
    data = gzip.decompress((dictd / f"{name}.dict.dz").read_bytes())  # dictzip is gzip
    spans: dict[tuple[int, int], str] = {}
    for line in (dictd / f"{name}.index").read_text("utf-8").splitlines():
        word, offset, length = line.split("\t")[:3]
        if not word.startswith("00"):  # 00-database-info and the like
            spans.setdefault((_b64(offset), _b64(length)), word)
    return [(w, data[o : o + n].decode("utf-8", "replace")) for (o, n), w in sorted(spans.items())]


# GCIDE's ASCII codes for letters with accents ([=a], ['e], [i^] ...) and a few symbols.
_GCIDE_NAMED = {"ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "eth": "ð", "th": "þ", "ng": "ng"}
_GCIDE_NAMED |= {"deg": "°", "sect": "§", "root": "√", "yogh": "ȝ", "imac": "i", "oo": "oo"}
_GCIDE_NAMED |= {
    "thorn": "þ",
    "beta": "β",
    "alpha": "α",
    "aum": "a",
    "asl": "a",
    "add": "a",
    "udd": "u",
}
_GCIDE_ACCENT = re.compile(r"\[([=\-~^'\"`.,*]?)([A-Za-z]{1,5})([\^]?)\]")
_GCIDE_SOURCE = re.compile(r"[ \t]*\[[^\]\n]*(?:Webster|PJC|Century|\bAS\b)[^\]\n]*\]")


def _gcide_accent(m: re.Match) -> str:
    if m.group(1) or m.group(3):
        return m.group(2)
    return _GCIDE_NAMED.get(m.group(2), m.group(0))


def clean_entry(source: str, text: str) -> str:
    """The entry as plain text: cross-reference braces, pronunciation codes, dates dropped."""
    if source == "gcide":
        text = re.sub(r"\\[^\\\n]*\\", "", text)  # the pronunciation: \Cas`ca*ron"\
        text = _GCIDE_SOURCE.sub("", text)  # [1913 Webster]
        text = _GCIDE_ACCENT.sub(_gcide_accent, text)
        text = re.sub(r"\s+,", ",", text)
    elif source == "foldoc":
        text = re.sub(r"<([a-z][a-z ,-]*)>", r"(\1)", text)  # the subject: <programming>
        text = re.sub(r"^\s*\(\d{4}-\d\d-\d\d\)\s*$", "", text, flags=re.M)  # last edited
    elif source == "devils-dictionary":
        text = re.sub(r"_([^_\n]+)_", r"\1", text)  # _italic_
    return B.clean(re.sub(r"\{([^{}]*)\}", r"\1", text))


_POD_CODE = re.compile(r"[A-Z]<(?:<+\s(.*?)\s>+|([^<>]*))>", re.S)
_POD_ENTITY = {"lt": "<", "gt": ">", "verbar": "|", "sol": "/"}


def _pod_code(m: re.Match) -> str:
    letter, body = m.group(0)[0], m.group(1) if m.group(1) is not None else m.group(2)
    if letter in "XZ":
        return ""
    if letter == "E":
        return _POD_ENTITY.get(body, body)
    if letter == "L":
        return body.split("|")[0] if "|" in body else body.split("/")[-1].strip('"')
    return body


def pod_text(pod: str) -> str:
    """Pod as plain text: headings and items kept as lines, other commands and codes dropped."""
    pod = re.sub(r"^=begin\b.*?^=end\b.*?$", "", pod, flags=re.M | re.S)
    pod = re.sub(r"^=(?:head\d|item)\s+(.*)$", r"\1", pod, flags=re.M)
    pod = re.sub(r"^=\w+.*$", "", pod, flags=re.M)
    for _ in range(4):  # nested codes: B<C<...>>
        pod = _POD_CODE.sub(_pod_code, pod)
    return B.clean(pod)


def _pieces(source: str, name: str, blocks: list[str]) -> list[dict]:
    return pieces(source, name, blocks, LICENCE[source])


def documents(root: Path) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for source, name in DICTS.items():
        by_letter: dict[str, list[str]] = {}
        for word, text in dict_entries(root / "usr/share/dictd", name):
            if LICENCE_TEXT.search(text) or (source == "gcide" and "WordNet" in text):
                continue
            letter = word[0].lower() if word[0].isalpha() else "0"
            by_letter.setdefault(letter, []).append(clean_entry(source, text))
        for letter, entries in by_letter.items():
            out[source] += _pieces(source, letter, entries)
    policy = root / "usr/share/doc/debian-policy"
    for name in POLICY_TEXTS:
        text = raw_text(policy / f"{name}.txt.gz", errors="strict")
        text = re.sub(r"^([*=\-~^\"#+])\1{2,}$", "", text, flags=re.M)  # heading rules
        out["debian-policy"] += _pieces("debian-policy", name, B.paragraphs(B.clean(text)))
    for path in sorted((root / "usr/share/perl").glob("*/pod/*.pod")):
        skip = ("perltoc", "perluniprops", "perlartistic", "perlgpl", "perlcn", "perljp")
        if path.stem.endswith("delta") or path.stem in (*skip, "perlko", "perltw"):
            continue
        text = pod_text(path.read_text("utf-8", "replace"))
        out["perl-pod"] += _pieces("perl-pod", path.stem, B.paragraphs(text))
    return out


def main() -> int:
    return write_corpus("heldout-dict", documents(fetch()), SIZES, SALT)


if __name__ == "__main__":
    raise SystemExit(main())
