"""Where words start and end in UTF-8 text of any script, a whole buffer at a time.

A word is a maximal run of letters, marks and digits (Unicode categories L, M, N, and
`_`) of a script written with spaces: Latin with its diacritics, Cyrillic, Greek, Arabic,
Hebrew, Devanagari, Hangul, ... Scripts written without spaces between words (Han,
Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan) have no such runs to find, so
each of their characters is a word of its own (with the combining marks that follow it);
the bigrams of consecutive words then are character bigrams, in the same hashed space.

Everything is decided with numpy over the whole buffer: ASCII bytes by value, other
characters by the code point of their lead byte looked up in a table, and word starts
from class changes (no Python loop per character or word).
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import numpy as np

SEPARATOR, LETTER, OWN_WORD, OWN_MARK = 0, 1, 2, 3

# blocks of scripts written without spaces between words
_UNSPACED_BLOCKS = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x0F00, 0x0FFF),  # Tibetan
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x19E0, 0x19FF),  # Khmer symbols
    (0x2E80, 0x2FDF),  # CJK radicals, Kangxi radicals
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x312F),  # Bopomofo
    (0x31A0, 0x31FF),  # Bopomofo extended, CJK strokes, Katakana extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xA9E0, 0xA9FF),  # Myanmar extended-B
    (0xAA60, 0xAA7F),  # Myanmar extended-A
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width Katakana
)
_ASTRAL_IDEOGRAPHS = (0x20000, 0x3FFFF)  # CJK extensions B and later


@lru_cache(maxsize=1)
def bmp_classes() -> np.ndarray:
    """Class of every code point of the Basic Multilingual Plane (uint8, 65,536 entries)."""
    table = np.zeros(0x10000, dtype=np.uint8)
    for cp in range(0x10000):
        cat = unicodedata.category(chr(cp))
        if cat[0] in "LMN" or cp == 0x5F:
            table[cp] = LETTER
    unspaced = np.zeros(0x10000, dtype=bool)
    for lo, hi in _UNSPACED_BLOCKS:
        unspaced[lo : hi + 1] = True
    marks = np.array([unicodedata.category(chr(cp))[0] == "M" for cp in range(0x10000)])
    table[unspaced & (table == LETTER) & ~marks] = OWN_WORD
    table[unspaced & (table == LETTER) & marks] = OWN_MARK
    return table


def _astral_classes(cp: np.ndarray) -> np.ndarray:
    """Class of code points above U+FFFF: ideographs are words of their own, emoji and
    other symbols separate, the rest (historic scripts, mathematical letters) letters."""
    out = np.full(len(cp), LETTER, dtype=np.uint8)
    out[(cp >= _ASTRAL_IDEOGRAPHS[0]) & (cp <= _ASTRAL_IDEOGRAPHS[1])] = OWN_WORD
    out[(cp >= 0x1F000) & (cp <= 0x1FBFF)] = SEPARATOR  # emoji, pictographs, game symbols
    out[cp >= 0xE0000] = SEPARATOR  # tags, variation selectors, private use
    return out


def _code_points(data: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """Code point of the character whose lead byte sits at each of `leads` (valid UTF-8)."""
    padded = np.concatenate([data, np.zeros(3, dtype=np.uint8)])
    b0 = padded[leads].astype(np.int64)
    b1 = padded[leads + 1].astype(np.int64) & 0x3F
    b2 = padded[leads + 2].astype(np.int64) & 0x3F
    b3 = padded[leads + 3].astype(np.int64) & 0x3F
    two = (b0 & 0x1F) << 6 | b1
    three = (b0 & 0x0F) << 12 | b1 << 6 | b2
    four = (b0 & 0x07) << 18 | b1 << 12 | b2 << 6 | b3
    return np.where(b0 < 0xE0, two, np.where(b0 < 0xF0, three, four))


def ascii_word_bytes(data: np.ndarray) -> np.ndarray:
    """[0-9a-z_] per byte of lower-cased UTF-8 (comparisons run faster than a table lookup)."""
    is_word = (data - np.uint8(97)) < 26
    is_word |= (data - np.uint8(48)) < 10
    is_word |= data == 95
    return is_word


def run_bounds(is_word: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) byte positions of every maximal run of word bytes."""
    steps = np.flatnonzero(np.diff(is_word.view(np.int8), prepend=np.int8(0), append=np.int8(0)))
    return steps[0::2], steps[1::2]


def word_bounds(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(is_word, starts, ends) of a lower-cased UTF-8 buffer: a bool per byte, and the byte
    range of every word, ascending (text boundaries are not known here; the caller adds them).

    ASCII bytes are classified by value; only the non-ASCII characters are decoded, so
    mostly-ASCII text costs little more than the ASCII-only path.
    """
    is_word = ascii_word_bytes(data)
    wide = np.flatnonzero(data >= 0x80)
    if not len(wide):
        return (is_word, *run_bounds(is_word))
    is_lead = (data[wide] & np.uint8(0xC0)) != np.uint8(0x80)
    leads = wide[is_lead]
    cp = _code_points(data, leads)
    classes = np.empty(len(cp), dtype=np.uint8)
    bmp = cp < 0x10000
    classes[bmp] = bmp_classes()[cp[bmp]]
    classes[~bmp] = _astral_classes(cp[~bmp])
    # continuation bytes follow their lead byte, so they take its class
    is_word[wide] = (classes != SEPARATOR)[np.cumsum(is_lead) - 1]
    run_starts, run_ends = run_bounds(is_word)
    # the class of the character before each wide character: a wide one when adjacent
    char_len = np.diff(np.append(np.flatnonzero(is_lead), len(wide)))
    ends_at = leads + char_len  # byte just past each wide character
    prev_wide = np.concatenate([[False], ends_at[:-1] == leads[1:]])
    before = np.where(is_word[np.maximum(leads - 1, 0)] & (leads > 0), LETTER, SEPARATOR)
    prev_class = np.where(prev_wide, np.concatenate([[SEPARATOR], classes[:-1]]), before)
    unspaced_prev = (prev_class == OWN_WORD) | (prev_class == OWN_MARK)
    inner_starts = leads[
        (classes == OWN_WORD)  # every character of an unspaced script is a word
        | (classes == LETTER) & unspaced_prev  # back to spaced text
        | (classes == OWN_MARK) & (prev_class == LETTER)  # a stray mark does not join a word
    ]
    # an ASCII word character right after an unspaced character starts a word too
    after = ends_at[(classes == OWN_WORD) | (classes == OWN_MARK)]
    after = after[after < len(data)]
    after = after[(data[after] < 0x80) & is_word[after]]
    extra = np.sort(np.concatenate([inner_starts, after]))
    at = np.searchsorted(run_starts, extra)
    fresh = (at == len(run_starts)) | (run_starts[np.minimum(at, len(run_starts) - 1)] != extra)
    fresh[1:] &= extra[1:] != extra[:-1]
    extra, at = extra[fresh], at[fresh]
    if not len(extra):
        return is_word, run_starts, run_ends
    starts = np.insert(run_starts, at, extra)  # both sorted: no set operation needed
    # a word ends at the next word's start or at the end of its run, whichever is first
    next_start = np.append(starts[1:], len(data))
    ends = np.minimum(next_start, run_ends[np.searchsorted(run_ends, starts, side="right")])
    return is_word, starts, ends


def is_unspaced_character(word: str) -> bool:
    """Whether a word is one character of a script written without spaces."""
    if len(word) != 1:
        return False
    cp = ord(word)
    if cp < 0x10000:
        return bool(bmp_classes()[cp] == OWN_WORD)
    return _ASTRAL_IDEOGRAPHS[0] <= cp <= _ASTRAL_IDEOGRAPHS[1]
