import json
import os
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pytest

from workbench import langid
from workbench.errors import UsageError
from workbench.langid import detect_language, parse_lang

SAMPLE = Path(__file__).resolve().parent.parent / "samples" / "china-dprk-vice-premier-visit.en.txt"


@pytest.mark.parametrize("text,lang", [
    ("The vice premier met the leader on Sunday.", "en"),
    ("김정은 위원장", "ko"),  # short Korean: langdetect alone may call this Chinese
    ("金正恩会见刘国中", "zh"),
    ("김정은(金正恩) 위원장이 中國 대표단을 만났다", "ko"),  # Korean with Han characters
    ("Le vice-premier ministre a rencontré le dirigeant dimanche.", "fr"),
])
def test_detects_by_script_then_langdetect(text, lang):
    assert detect_language(text).lang == lang


def test_detection_is_deterministic():
    text = "Short text"
    assert len({detect_language(text).lang for _ in range(20)}) == 1


def test_too_few_letters():
    assert detect_language("12, 34 -- !!").lang is None


@pytest.mark.parametrize("code", ["k", "", "z1", "xx", "qq-KR", "klingon"])
def test_bad_codes(code):
    with pytest.raises(UsageError) as err:
        parse_lang(code)
    assert err.value.exit_code == 2


def test_codes_are_normalised():
    assert parse_lang(" KO ") == "ko"


@pytest.mark.parametrize("typed,code", [
    ("kr", "ko"), ("KR", "ko"), ("korean", "ko"), ("Korean", "ko"), ("ko-KR", "ko"), ("ko_KR", "ko"),
    ("kor", "ko"), ("한국어", "ko"),
    ("cn", "zh"), ("chinese", "zh"), ("zh-CN", "zh"), ("zh-Hans", "zh"), ("zh_cn", "zh"), ("zh-Hans-CN", "zh"),
    ("zh-SG", "zh"), ("中文", "zh"),
    # traditional script: Argos's own code, so a simplified-only install says what is missing
    ("zh-TW", "zt"), ("zh-Hant", "zt"), ("zh_HK", "zt"), ("zh-Hant-TW", "zt"),
    ("english", "en"), ("en-US", "en"), ("en_GB", "en"), ("EN", "en"), ("jp", "ja"), ("fr-CA", "fr"),
])
def test_what_people_type(typed, code):
    assert parse_lang(typed) == code


@pytest.mark.parametrize("typed,suggestion", [
    ("koraen", "ko (Korean)"), ("chinse", "zh (Chinese)"), ("englsh", "en (English)"), ("japanes", "ja (Japanese)"),
])
def test_unknown_language_suggests_close_ones(typed, suggestion):
    with pytest.raises(UsageError, match=r"did you mean .*" + re.escape(suggestion)):
        parse_lang(typed)


def test_unknown_language_without_close_match_names_the_format():
    with pytest.raises(UsageError, match="ISO 639-1 codes like en, ko, zh"):
        parse_lang("xx")


# ---------------------------------------------------------------- the n-gram table built for the text only

LATIN_TEXTS = {
    "en": SAMPLE.read_text(encoding="utf-8"),
    "fr": "Le président a rencontré hier les représentants des syndicats pour discuter de la réforme.",
    "de": "Die Regierung hat am Mittwoch neue Maßnahmen angekündigt, um die Energiepreise zu senken.",
    "es": "El gobierno anunció ayer un nuevo plan para reducir la inflación y apoyar a las familias.",
    "nl": "De minister heeft gisteren aangekondigd dat de belastingen volgend jaar niet zullen stijgen.",
    "pl": "Rząd ogłosił wczoraj nowy plan walki z inflacją, który ma pomóc rodzinom o niskich dochodach.",
}


@lru_cache(maxsize=2)
def stock_factory(latin_only: bool):
    """langdetect's own DetectorFactory with the same profiles, its whole table built up front."""
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    names = langid.LATIN_PROFILES if latin_only else sorted(os.listdir(PROFILES_DIRECTORY))
    factory = DetectorFactory()
    factory.load_json_profile([(Path(PROFILES_DIRECTORY) / n).read_text(encoding="utf-8") for n in names])
    factory.set_seed(0)
    return factory


@pytest.mark.parametrize("lang", sorted(LATIN_TEXTS))
def test_lazy_table_gives_langdetects_exact_probabilities(lang):
    text = LATIN_TEXTS[lang][:5000]
    for latin_only in (True, False):
        detector = stock_factory(latin_only).create()
        detector.append(text)
        stock = [(p.lang, p.prob) for p in detector.get_probabilities()]
        ours = [(p.lang, p.prob) for p in langid._langdetect_probabilities(text, latin_only)]
        assert ours == stock
        assert stock[0][0] == lang


def test_latin_profiles_are_latin_and_the_others_are_not():
    """Latin text is matched against LATIN_PROFILES only: each is a Latin-script language, and
    every profile left out is written in another script."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    all_names = set(os.listdir(PROFILES_DIRECTORY))
    assert set(langid.LATIN_PROFILES) < all_names
    for name in all_names:
        freq = json.loads((Path(PROFILES_DIRECTORY) / name).read_text(encoding="utf-8"))["freq"]
        letters = {w: n for w, n in freq.items() if len(w) == 1 and w.isalpha()}  # letter -> count
        latin = sum(n for w, n in letters.items() if unicodedata.name(w, "").startswith("LATIN")) / sum(letters.values())
        assert (latin > 0.5) == (name in langid.LATIN_PROFILES), (name, latin)


def test_given_source_language_skips_detection(monkeypatch):
    """--from (the app's source-language select) is honoured first: nothing is detected."""
    from workbench import documents

    def no_detection(*args, **kwargs):
        raise AssertionError("detect_language called although the language was given")

    monkeypatch.setattr(documents.build, "detect_language", no_detection)
    doc = documents.from_text("김정은 위원장이 말했다.", lang="ko")
    assert doc.lang == "ko"


def test_not_english_carries_the_detected_language():
    from workbench import documents
    from workbench.errors import NotEnglish

    with pytest.raises(NotEnglish) as err:
        documents.from_text("김정은 위원장이 중국 대표단을 만났다.")
    assert err.value.detected == "ko" and "--from" not in str(err.value)
    with pytest.raises(NotEnglish) as err:
        documents.from_text("12 34 !!")
    assert err.value.detected is None


def test_not_english_names_a_language_once_when_it_has_no_name():
    """"looks like nl (nl)" read like a stutter: a code without a name is shown once."""
    from workbench.errors import NotEnglish

    assert "looks like nl, not English" in str(NotEnglish("a.txt", "nl", "nl"))
    assert "looks like nl, not English" in str(NotEnglish("a.txt", "nl"))
    assert "looks like Korean (ko), not English" in str(NotEnglish("a.txt", "ko", "Korean"))
