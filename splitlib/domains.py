"""Domain vectors, nearest-centroid assignment and readable domain names.

A document's domain vector is its tf-idf weighted hashed unigram counts,
L2-normalized: a sparse row over the `n_buckets` hashed words. Optionally it is
projected to `dims` dimensions with a fixed signed hash (a sparse random
projection, which keeps cosine similarities roughly). Centroids live in that
space; a document goes to the centroid of highest cosine similarity.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

import numpy as np
import scipy.sparse as sp
from anyascii import anyascii

from splitlib.ngrams import BatchNgrams
from splitlib.text import mix64
from splitlib.wordbreak import is_unspaced_character


def is_name_word(word: str) -> bool:
    """Letters of any script (with their combining marks), at least three, or two
    characters of a script written without spaces: no digits, no '_'."""
    if not word or unicodedata.category(word[0])[0] != "L":
        return False
    if any(unicodedata.category(c)[0] not in "LM" for c in word):
        return False
    if all("\u3040" <= c <= "\u309f" for c in word):
        return False  # Hiragana alone is grammar (する, された), not a topic
    return len(word) >= 3 or (len(word) == 2 and all(is_unspaced_character(c) for c in word))


# Function words make poor domain names ("who-was"); they are skipped when naming.
_FUNCTION_WORDS = frozenset(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "and",
        "any",
        "are",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "can",
        "could",
        "did",
        "does",
        "doing",
        "don",
        "down",
        "during",
        "each",
        "even",
        "ever",
        "every",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "into",
        "its",
        "itself",
        "just",
        "let",
        "like",
        "made",
        "make",
        "many",
        "may",
        "might",
        "more",
        "most",
        "much",
        "must",
        "never",
        "not",
        "now",
        "off",
        "once",
        "one",
        "only",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "shall",
        "she",
        "should",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "thus",
        "too",
        "under",
        "until",
        "upon",
        "very",
        "was",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
    ]
)

# The commonest function words of other languages (English homographs such as "die",
# "son" or "met" left out): without them a German domain is named 'die-der'. Used for
# names only, so English top terms are as before.
_OTHER_FUNCTION_WORDS = frozenset(
    [
        *("der", "das", "und", "dem", "ein", "eine", "einer", "eines", "mit", "von", "für"),
        *("auf", "ist", "nicht", "sich", "auch", "als", "wird", "werden", "oder", "bei"),
        *("aus", "nach", "wie", "zum", "zur", "über", "dieser", "diese", "dieses", "sie"),
        *("wenn", "kann", "les", "des", "une", "que", "qui", "dans", "pour", "par", "sur"),
        *("sont", "avec", "ces", "aux", "ses", "cette", "vous", "nous", "los", "las", "del"),
        *("una", "por", "como", "más", "pero", "este", "esta", "gli", "della", "delle"),
        *("dei", "che", "sono", "nel", "alla", "uma", "com", "não", "mais", "het", "een"),
        *("voor", "zijn", "niet", "ook", "dat", "для", "или", "если", "что", "как", "это"),
        *("при", "его", "она", "они", "так", "все", "был", "быть", "может"),
    ]
)


def projection(n_buckets: int, dims: int, seed: int = 0) -> sp.csr_matrix:
    """(n_buckets, dims) signed one-hot projection, fixed by the seed."""
    h = mix64(np.arange(n_buckets, dtype=np.uint64) + np.uint64(seed * 7919 + 1))
    column = (h >> np.uint64(1)) % np.uint64(dims)
    sign = np.where(h & np.uint64(1), 1.0, -1.0).astype(np.float32)
    return sp.csr_matrix(
        (sign, column.astype(np.int64), np.arange(n_buckets + 1)), shape=(n_buckets, dims)
    )


def inverse_document_frequency(doc_freq: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed idf per bucket: log((1 + N) / (1 + df)) + 1."""
    return (np.log((1.0 + n_docs) / (1.0 + np.asarray(doc_freq, dtype=np.float64))) + 1.0).astype(
        np.float32
    )


def domain_vectors(ngrams: BatchNgrams, idf: np.ndarray, proj: sp.csr_matrix | None = None):
    """L2-normalized tf-idf rows; all-zero for a document without words.

    Without `proj`: a (n_docs, n_buckets) sparse CSR matrix. With it: a dense
    (n_docs, dims) float32 array of the projected rows.
    """
    n = len(ngrams.offsets) - 1
    weights = np.log1p(ngrams.counts.astype(np.float32)) * idf[ngrams.buckets]
    x = sp.csr_matrix((weights, ngrams.buckets, ngrams.offsets), shape=(n, len(idf)))
    if proj is None:
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        return sp.csr_matrix(sp.diags(1.0 / np.maximum(norms, 1e-12)) @ x, dtype=np.float32)
    v = np.asarray((x @ proj).toarray(), dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.maximum(norms, 1e-12)


def normalize_rows(m: np.ndarray) -> np.ndarray:
    m = np.asarray(m, dtype=np.float32)
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12)


def similarities(vectors, centroids: np.ndarray, owners: np.ndarray | None = None) -> np.ndarray:
    """(n, K) cosine similarity of unit rows (dense or sparse) to each domain: to its centroid,
    or, with `owners` (the domain of each row of `centroids`, then prototypes), to the
    nearest of the domain's prototypes."""
    sims = np.asarray(vectors @ normalize_rows(centroids).T, dtype=np.float32)
    if owners is None:
        return sims
    owners = np.asarray(owners)
    out = np.full((sims.shape[0], int(owners.max()) + 1), -2.0, dtype=np.float32)
    for column, domain in enumerate(owners):
        np.maximum(out[:, domain], sims[:, column], out=out[:, domain])
    return out


def assign(
    vectors,
    centroids: np.ndarray,
    allowed: np.ndarray | None = None,
    owners: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest centroid by cosine: (domain index, score = cosine, margin to the runner-up).

    `allowed` (n, K) bool restricts each row to some domains (domains per language);
    a runner-up that is not allowed does not count. Ties go to the lower index, so
    assignment is deterministic. `owners`: as for `similarities` (nearest prototype).
    """
    sims = similarities(vectors, centroids, owners)
    if allowed is not None:
        sims = np.where(allowed, sims, np.float32(-2.0))  # below any cosine
        best, score, margin = assign_scores(sims)
        alone = allowed.sum(axis=1) < 2  # no runner-up: as with a single domain
        return best, score, np.where(alone, np.float32(1.0), margin).astype(np.float32)
    return assign_scores(sims)


def assign_scores(sims: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(best index, its score, margin to the runner-up) of an (n, K) similarity matrix."""
    if sims.shape[1] == 1:
        return np.zeros(len(sims), np.int32), sims[:, 0], np.ones(len(sims), np.float32)
    order = np.argsort(-sims, axis=1, kind="stable")
    best, second = order[:, 0], order[:, 1]
    rows = np.arange(len(sims))
    score = sims[rows, best]
    return best.astype(np.int32), score, score - sims[rows, second]


def top_terms(
    counts: Mapping[int, Mapping[str, int]], k: int, prior: float = 0.01, min_count: int = 3
) -> dict[int, list[tuple[str, float]]]:
    """Words most over-represented in each domain, by log-odds with an informative Dirichlet prior.

    Function words ("the", "which") are left out: they say nothing about a domain.

    `counts[domain][word]` are word counts (e.g. over a sample). The z-score of the
    log-odds ratio of a word in the domain against all other domains ranks it.
    """
    total: dict[str, int] = {}
    for words in counts.values():
        for w, c in words.items():
            total[w] = total.get(w, 0) + c
    grand = sum(total.values()) or 1
    alpha0 = prior * len(total)
    result: dict[int, list[tuple[str, float]]] = {}
    for d, words in counts.items():
        n_d = sum(words.values())
        if n_d == 0:  # a reused domain the new crawl leaves empty: no words stand out
            result[d] = []
            continue
        n_rest = grand - n_d
        scored = []
        for w, c_all in total.items():
            if c_all < min_count or w in _FUNCTION_WORDS:
                continue
            a_w = alpha0 * c_all / grand
            y_d = words.get(w, 0)
            y_r = c_all - y_d
            lo_d = math.log((y_d + a_w) / (n_d + alpha0 - y_d - a_w))
            lo_r = math.log((y_r + a_w) / (n_rest + alpha0 - y_r - a_w))
            var = 1.0 / (y_d + a_w) + 1.0 / (y_r + a_w)
            scored.append(((lo_d - lo_r) / math.sqrt(var), w))
        scored.sort(key=lambda t: (-t[0], t[1]))
        result[d] = [(w, round(z, 3)) for z, w in scored[:k]]
    return result


def safe_name(label: str) -> str:
    """A domain name that is safe in paths: lower case ASCII letters, digits, '-' and '_'.

    Other scripts are transliterated ('用户' -> 'yonghu', 'файл' -> 'fayl'); the
    manifest and the report keep the original terms.
    """
    name = re.sub(r"[^a-z0-9_-]+", "-", anyascii(str(label)).lower()).strip("-")
    return name or "domain"


# Words common in every kind of text: distinctive by count in one domain ("get" in quotations,
# "used" in dictionary glosses) but they tell a reader nothing about it.
_GENERIC_WORDS = frozenset(
    [
        "able",
        "aren",
        "couldn",
        "didn",
        "doesn",
        "hasn",
        "haven",
        "isn",
        "wasn",
        "weren",
        "wouldn",
        "according",
        "among",
        "certain",
        "especially",
        "following",
        "largest",
        "various",
        "almost",
        "always",
        "another",
        "anything",
        "around",
        "away",
        "back",
        "called",
        "came",
        "come",
        "comes",
        "could",
        "different",
        "example",
        "first",
        "found",
        "get",
        "gets",
        "getting",
        "give",
        "given",
        "go",
        "goes",
        "going",
        "gone",
        "good",
        "got",
        "great",
        "high",
        "however",
        "include",
        "includes",
        "including",
        "know",
        "known",
        "large",
        "last",
        "little",
        "long",
        "made",
        "make",
        "makes",
        "many",
        "means",
        "much",
        "name",
        "named",
        "new",
        "next",
        "nothing",
        "number",
        "often",
        "old",
        "part",
        "people",
        "place",
        "put",
        "really",
        "right",
        "said",
        "say",
        "says",
        "see",
        "seen",
        "set",
        "several",
        "show",
        "since",
        "small",
        "something",
        "sometimes",
        "still",
        "take",
        "taken",
        "thing",
        "things",
        "think",
        "time",
        "times",
        "two",
        "use",
        "used",
        "uses",
        "using",
        "usually",
        "want",
        "way",
        "ways",
        "well",
        "within",
        "without",
        "work",
        "world",
        "year",
        "years",
    ]
)


def domain_names(
    counts: Mapping[int, Mapping[str, int]], k: int, candidates: int = 40
) -> list[str]:
    """Names a reader recognizes, such as 'genus-plant', from each domain's word counts.

    A name takes the two highest-ranked top terms (log-odds z-score) that are also
    specific to the domain: at least 60% of the word's occurrences fall in it, and
    at least twice the domain's share of all words. Frequent words shared with
    other domains ('get', 'used', 'water') rank high by z-score but name nothing.
    Deterministic; path-safe; made unique with the domain index where two collide.
    """
    terms = top_terms(counts, candidates)
    total: dict[str, int] = {}
    for words in counts.values():
        for w, c in words.items():
            total[w] = total.get(w, 0) + c
    grand = sum(total.values()) or 1
    names: list[str] = []
    for d in range(k):
        own = counts.get(d, {})
        share = sum(own.values()) / grand
        ranked = [
            w
            for w, _ in terms.get(d, [])
            if is_name_word(w)
            and w not in _FUNCTION_WORDS
            and w not in _GENERIC_WORDS
            and w not in _OTHER_FUNCTION_WORDS
        ]
        specific = [w for w in ranked if own.get(w, 0) / total[w] >= max(0.6, 2 * share)]
        words = (specific + [w for w in ranked if w not in specific])[:2]
        base = safe_name("-".join(words)) if words else f"domain{d}"
        names.append(base if base not in names else f"{base}-{d}")
    return names


def unique_names(labels: list[str]) -> list[str]:
    """Path-safe names for given labels, kept distinct."""
    names: list[str] = []
    for i, label in enumerate(labels):
        base = safe_name(label)
        names.append(base if base not in names else f"{base}-{i}")
    return names
