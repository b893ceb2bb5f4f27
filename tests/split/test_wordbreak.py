"""Words of every script: spaced scripts by Unicode letters, unspaced ones by character."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from splitlib.ngrams import hashed_ngrams, words_of

# sentences written for this test, one per script
SCRIPTS = {
    "latin": "Über die Brücke gehen Käthe und José, très heureux.",
    "cyrillic": "Мы читаем книги в библиотеке.",
    "greek": "Η γλώσσα είναι όμορφη.",
    "arabic": "نقرأ الكتب في المكتبة",
    "devanagari": "हम पुस्तकालय में किताबें पढ़ते हैं।",
    "han": "我们在图书馆看书。",
    "kana": "わたしはほんをよみます。",
    "hangul": "우리는 도서관에서 책을 읽습니다.",
    "thai": "เราอ่านหนังสือ",
}


def test_spaced_scripts_split_at_spaces_and_punctuation_only():
    words = words_of(pa.array([SCRIPTS[s] for s in ("latin", "cyrillic", "greek", "arabic")]))
    assert words.to_pylist() == [
        ["über", "die", "brücke", "gehen", "käthe", "und", "josé", "très", "heureux"],
        ["мы", "читаем", "книги", "в", "библиотеке"],
        ["η", "γλώσσα", "είναι", "όμορφη"],
        ["نقرأ", "الكتب", "في", "المكتبة"],
    ]


def test_devanagari_keeps_its_vowel_signs_and_viramas_inside_words():
    # vowel signs and the virama are combining marks: they belong to the word
    assert words_of(pa.array([SCRIPTS["devanagari"]])).to_pylist() == [
        ["हम", "पुस्तकालय", "में", "किताबें", "पढ़ते", "हैं"]
    ]


def test_unspaced_scripts_give_one_word_per_character():
    words = words_of(pa.array([SCRIPTS["han"], SCRIPTS["kana"], "東京でPythonを"]))
    assert words.to_pylist() == [
        list("我们在图书馆看书"),
        list("わたしはほんをよみます"),
        ["東", "京", "で", "python", "を"],
    ]


def test_thai_marks_stay_with_their_consonant():
    assert words_of(pa.array(["ง่าย"])).to_pylist() == [["ง่", "า", "ย"]]


def test_every_script_produces_features_and_bigrams():
    n = 1 << 16
    grams = hashed_ngrams(list(SCRIPTS.values()), n)
    words = words_of(pa.array(list(SCRIPTS.values())))
    n_words = np.diff(words.offsets.to_numpy())
    assert (n_words > 0).all()
    # unigrams plus one bigram per pair of neighbouring words, in every script
    assert grams.n_features.tolist() == (2 * n_words - 1).tolist()


def test_unicode_batches_never_join_words_across_texts():
    texts = pa.array(["中", "文x", "é", "é", "", "naïve", "Ωmega", None, "ab"], pa.string())
    assert words_of(texts).to_pylist() == [
        ["中"],
        ["文", "x"],
        ["é"],
        ["é"],
        [],
        ["naïve"],
        ["ωmega"],
        [],
        ["ab"],
    ]


def test_ascii_words_are_unchanged_by_unicode_neighbours():
    ascii_only = ["the cat's 2 hats_ok", "ab12 cd"]
    with_unicode = ascii_only + ["日本"]
    assert (
        words_of(pa.array(with_unicode)).to_pylist()[:2]
        == words_of(pa.array(ascii_only)).to_pylist()
    )


def test_symbols_and_emoji_separate_words():
    assert words_of(pa.array(["a\u00a0b—c“d”e…f🙂g\u3000h、i"])).to_pylist() == [
        ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
    ]
