import pytest

from workbench.errors import UsageError
from workbench.langid import detect_language, parse_lang


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


@pytest.mark.parametrize("code", ["english", "k", "ko-KR-x", "", "z1"])
def test_bad_codes(code):
    with pytest.raises(UsageError):
        parse_lang(code)


def test_codes_are_normalised():
    assert parse_lang(" KO ") == "ko"
