"""Language identification: a code and a confidence for every document."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from splitlib.language import UNDETERMINED, identify_languages, windows_of

MULTILINGUAL = Path(__file__).parents[1] / "data" / "manpages-multilingual.jsonl.gz"

# sentences written for this test
SENTENCES = {
    "en": "The library opens at nine and closes late on Fridays.",
    "de": "Die Bibliothek öffnet um neun Uhr und schließt freitags spät.",
    "fr": "La bibliothèque ouvre à neuf heures et ferme tard le vendredi.",
    "ru": "Библиотека открывается в девять и закрывается поздно по пятницам.",
    "ja": "図書館は九時に開いて、金曜日は遅くまで開いています。",
    "zh": "图书馆九点开门，星期五很晚才关门。",
    "ar": "تفتح المكتبة في التاسعة وتغلق متأخرة يوم الجمعة.",
    "hi": "पुस्तकालय नौ बजे खुलता है और शुक्रवार को देर से बंद होता है।",
}


def test_sentences_in_eight_languages_get_their_codes():
    codes, confidence = identify_languages(list(SENTENCES.values()))
    assert codes == list(SENTENCES)
    assert (confidence > 0.5).all() and (confidence <= 1.0).all()


def test_texts_without_letters_are_undetermined():
    codes, confidence = identify_languages(["", "   ", "12 345 !!", "\n\t"])
    assert codes == [UNDETERMINED] * 4
    assert confidence.tolist() == [0.0] * 4


def test_windows_are_bounded_and_spread_over_the_text():
    text = "a" * 100 + "b" * 500 + "c" * 400
    windows = windows_of(text, windows=3, chars=200)
    assert [len(w) for w in windows] == [200, 200, 200]
    assert (windows[0][0], windows[1][0], windows[2]) == ("a", "b", "c" * 200)
    assert windows_of("short text") == ["short text"]
    assert windows_of(" \n ") == []


def test_real_manual_pages_in_six_languages():
    with gzip.open(MULTILINGUAL, "rt", encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    codes, _ = identify_languages([r["text"] for r in records])
    wrong = {r["id"]: code for r, code in zip(records, codes, strict=True) if code != r["language"]}
    assert wrong == {}


def test_a_blank_window_is_skipped_and_the_other_decides():
    # the later window, read first, falls in the blank tail: the start alone decides,
    # with its own probability as the confidence (one window read)
    text = SENTENCES["de"] + " " * 1000
    codes, confidence = identify_languages([text, SENTENCES["de"]])
    assert codes == ["de", "de"]
    assert confidence[0] == confidence[1]
