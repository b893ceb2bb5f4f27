"""A second corpus for choosing domain-discovery defaults, from sources no evaluation corpus uses.

    python -m benchmarks.tuning_corpus     # writes .cache/eval-corpora/tuning-debian.jsonl

The bundled corpus alone could not tell the variants of `benchmarks.bench_domain_arms`
apart (all within 0.015 NMI), so this one is for tuning too; `benchmarks.eval_corpora`'s
corpora stay held out. Five sources of a Debian system, one of them 44% of the documents:
Debian changelog entries (`/usr/share/doc/*/changelog.Debian.gz`, each package's notice),
CMake's reference documentation and its modules (`/usr/share/cmake-*`, BSD-3-Clause),
Perl modules (`/usr/share/perl`, `/usr/share/perl5`, Artistic or GPL), GNU info manuals
(`/usr/share/info` less Python's, GFDL). K = 5.
"""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.corpus_builder import pieces, raw_text, write_corpus
from benchmarks.eval_corpora import B

SALT = "splitlib-tuning-v1"
SIZES = {"debian-changelog": 1600, "cmake-docs": 400, "cmake-modules": 400, "perl-code": 400}
SIZES["info-manuals"] = 400


def _read(path: Path) -> str:
    return B.clean(raw_text(path))


def documents() -> dict[str, list[dict]]:
    share = Path("/usr/share")
    out: dict[str, list[dict]] = {s: [] for s in SIZES}
    for path in sorted(share.glob("doc/*/changelog.Debian.gz")):
        entries = re.split(r"\n(?=\S+ \([^)]*\) [^;]*; urgency=)", _read(path))
        out["debian-changelog"] += pieces("debian-changelog", path.parent.name, entries)
    for path in sorted(share.glob("cmake-*/Help/**/*.rst")):
        out["cmake-docs"] += pieces("cmake-docs", path.stem, B.paragraphs(_read(path)))
    for path in sorted(share.glob("cmake-*/Modules/**/*.cmake")):
        blocks = re.split(r"\n\s*\n", _read(path))
        out["cmake-modules"] += pieces("cmake-modules", path.stem, blocks)
    for path in sorted([*share.glob("perl/*/**/*.pm"), *share.glob("perl5/**/*.pm")]):
        name = path.as_posix().replace("/", "_")
        out["perl-code"] += pieces("perl-code", name, re.split(r"\n\s*\n", _read(path)))
    for path in sorted(share.glob("info/*.info*.gz")):
        if path.name.startswith("python"):
            continue  # the Python manual: the technical evaluation corpus has it
        nodes = raw_text(path).split("\x1f")  # the node separator, which B.clean would drop
        blocks = [p for node in nodes for p in B.paragraphs(B.clean(node))]
        out["info-manuals"] += pieces("info-manuals", path.name, blocks)
    return out


def main() -> int:
    return write_corpus("tuning-debian", documents(), SIZES, SALT)


if __name__ == "__main__":
    raise SystemExit(main())
