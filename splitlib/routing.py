"""Route new texts to a split run's domains: nearest centroid, as the split job assigned them.

`splitlib route TEXT|FILE --run URL` prints one domain per text. The router reads
only `domains/` of a committed run (centroids, idf, featurizer settings), so it
serves the specialists without Spark.

Short texts (prompts) are routed by the same rule. Measured on validation documents
cut to their first 8 ... 256 words (`prefix_accuracy`, in every run's manifest and
report; `benchmarks/bench_routing.py` on four corpora): the sparse tf-idf vectors of
the best-of-restarts centroids route prompts better than the projected vectors of
one fit did, while a naive Bayes classifier on the domains' n-gram models won on the
bundled corpus but lost on two of three held-out corpora, so it is not used.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
from dataclasses import dataclass

import numpy as np

from splitlib.domains import assign, domain_vectors, projection
from splitlib.errors import UserError
from splitlib.manifest import read_artefact, read_manifest, run_root_of
from splitlib.ngrams import hashed_ngrams

PREFIX_WORDS = (8, 16, 32, 64, 256)  # prefix lengths at which routing accuracy is measured


def _load_npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data), allow_pickle=False)


@dataclass
class Router:
    domains: list[str]
    centroids: np.ndarray  # (K, dims)
    idf: np.ndarray  # (n_buckets,)
    dims: int
    seed: int
    # "embedding" only in runs written before 2026-11-29, whose centroids are MiniLM vectors
    features: str = "tfidf"
    groups: list[str] | None = None  # each domain's language group (domains.by_language)
    owners: np.ndarray | None = None  # each centroid's domain, when several per domain

    @classmethod
    def load(cls, run_root: str, manifest: dict | None = None) -> Router:
        """The router of a committed run (local path or s3://); `manifest`: the run's, when
        the caller has already read it."""
        if manifest is None:
            manifest = read_manifest(run_root)  # refuse uncommitted runs
        root = run_root_of(run_root)

        def verified(name: str) -> bytes:  # checked against the manifest's SHA-256
            return read_artefact(root, manifest, f"domains/{name}")

        info = json.loads(verified("router.json"))
        owners = info.get("prototype_domains")  # absent in runs written before 2026-11-30
        return cls(
            domains=list(info["names"]),
            centroids=_load_npy(verified("centroids.npy")),
            idf=_load_npy(verified("idf.npy")),
            dims=int(info["dims"]),
            seed=int(info["seed"]),
            features=info.get("features", "tfidf"),
            groups=info.get("language_groups"),
            owners=None if owners is None else np.asarray(owners, dtype=np.int32),
        )

    def scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(domain index, cosine score, margin to the runner-up) per text."""
        allowed = None
        if self.groups is not None:  # domains per language: only those of the text's language
            from splitlib.language import allowed_domains, identify_languages

            allowed = allowed_domains(identify_languages(texts)[0], self.groups)
        if self.features == "embedding":
            from splitlib.embedding import embed

            return assign(embed(texts), self.centroids, allowed)
        _, unigrams = hashed_ngrams(texts, len(self.idf), with_unigrams=True)
        proj = projection(len(self.idf), self.dims, self.seed) if self.dims else None
        vectors = domain_vectors(unigrams, self.idf, proj)
        return assign(vectors, self.centroids, allowed, self.owners)

    def route(self, texts: list[str]) -> list[str]:
        """The domain name of every text."""
        index, _, _ = self.scores(list(texts))
        return [self.domains[i] for i in index]


def first_words(text: str, n: int) -> str:
    return " ".join(text.split()[:n])


def prefix_accuracy(router: Router, texts: list[str], domains: list[int]) -> dict:
    """Share of texts cut to their first 8 ... 256 words routed where the whole text went.

    `domains` are the job's assignments of the whole texts.
    """
    truth = np.asarray(domains)
    accuracy = []
    for n in PREFIX_WORDS:
        index, _, _ = router.scores([first_words(t, n) for t in texts])
        accuracy.append(round(float((index == truth).mean()), 4))
    return {"words": list(PREFIX_WORDS), "accuracy": accuracy, "docs": len(texts)}


NO_EVIDENCE = "no word of the text weighs in any domain"


def _lines(data: bytes, where: str) -> list[str]:
    """One text per line, blank ones kept so the output lines up with the input's."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UserError(
            f"{where} is not UTF-8 text (line {line}, byte {err.start}): convert it (e.g. "
            "`iconv -f latin1 -t utf-8`), or give a text file."
        ) from None
    return text.removeprefix("\ufeff").splitlines()


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(
        prog="splitlib route",
        description="Route texts to the domains of a split run (nearest centroid). Prints one "
        "tab-separated line per text: domain, score (cosine), margin to the runner-up, text start; "
        "(none) for a text with no word that weighs in any domain.",
    )
    p.add_argument(
        "text", nargs="+", help="a text, or a file path (one text per line; '-' for stdin)"
    )
    p.add_argument(
        "--run", required=True, help="run root URL of a committed split (or its manifest.json)"
    )
    p.add_argument("--json", action="store_true", help="print JSON lines instead")
    args = p.parse_args(argv)
    texts: list[str] = []
    for n, item in enumerate(args.text, 1):
        if item == "-":
            texts += _lines(sys.stdin.buffer.read(), "standard input")
        elif os.path.isfile(item):
            with open(item, "rb") as f:
                texts += _lines(f.read(), repr(item))
        else:
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:  # bytes of another encoding in the command line
                raise UserError(
                    f"text {n} of the command line is not UTF-8: convert it (e.g. with iconv)."
                ) from None
            texts.append(item)
    if not texts:
        raise UserError("nothing to route: give a text, a file with one text per line, or '-'.")
    router = Router.load(args.run)
    index, score, margin = router.scores(texts)
    for text, i, s, m in zip(texts, index, score, margin, strict=False):
        # no word of the text has weight in any domain (empty, punctuation, an unseen script):
        # every cosine is 0, and the first domain would win the tie
        domain = None if s == 0 and m == 0 else router.domains[i]
        if args.json:
            row = {"domain": domain, "score": round(float(s), 4), "margin": round(float(m), 4)}
            if domain is None:
                row["note"] = NO_EVIDENCE
            print(json.dumps({**row, "text": text[:80]}))
        else:
            start = " ".join(text[:60].split())  # tabs and line breaks would cut the line
            print(f"{domain or '(none)'}\t{s:.3f}\t{m:.3f}\t{start}")
    return 0
