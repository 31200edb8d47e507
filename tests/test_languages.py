"""The language registry (issue 16): one place for codes, names, scripts and what follows from them.

Each defect named in the issue came from two tables disagreeing; these tests pin the registry's
answers where every module now reads them.
"""

from __future__ import annotations

import json

import pytest

from conftest import run_cli, sample_texts
from workbench import languages
from workbench.engine import join_sentences
from workbench.models import check_metadata, find_package, install_archive
from workbench.segment import split_sentences


def test_traditional_chinese_is_split_as_chinese():
    """`zt` (Argos's traditional Chinese) was split with the English rules: a break after "U.S."."""
    text = "美國U.S.政府說明天再談。"
    assert split_sentences(text, "zt") == [text]
    assert split_sentences(text, "zt") == split_sentences(text, "zh")
    assert split_sentences("他說：「好。」我們走吧！", "zt") == ["他說：「好。」", "我們走吧！"]


@pytest.mark.parametrize("code,rule,spaces,bleu,cjk", [
    ("en", "en", True, "13a", False),
    ("ko", "ko", True, "char", True),
    ("zh", "cjk", False, "zh", True),
    ("zt", "cjk", False, "zh", True),
    ("ja", "cjk", False, "char", True),
    ("th", "en", False, "13a", False),
    ("bh", "en", True, "13a", False),
    ("zh-TW", "cjk", False, "zh", True),  # a region suffix does not change the facts
])
def test_one_answer_per_language(code, rule, spaces, bleu, cjk):
    lang = languages.language(code)
    assert (lang.sentence_rule, lang.spaces, lang.bleu_tokenize, lang.cjk) == (rule, spaces, bleu, cjk)
    assert join_sentences(["a", "b"], code) == ("a b" if spaces else "ab")


def test_package_codes_and_typed_codes_are_one_list():
    """`bh` was a package code but not a code one could type (186 against 185 codes)."""
    for code in sorted(languages.CODES):
        assert languages.parse_lang(code) in (code, languages.ALIASES.get(code))
        check_metadata({"from_code": code, "to_code": "en" if code != "en" else "ko"})


def test_a_bh_package_installs_lists_and_removes_alike(no_models, tmp_path):
    """`models remove bh en` was a usage error (exit 2) although `bh` installs."""
    from workbench.testing.argos_package import build_argos_package

    archive = build_argos_package(tmp_path / "translate-bh_en-0_1.argosmodel", from_code="bh", to_code="en",
                                  texts=sample_texts()[:20], vocab_size=200)
    r = run_cli("models", "install", str(archive))
    assert r.returncode == 0, r.stderr
    r = run_cli("models", "list", "--json")
    assert [(p["from"], p["to"]) for p in json.loads(r.stdout)["packages"]] == [("bh", "en")]
    r = run_cli("models", "remove", "bh", "en")
    assert r.returncode == 0, r.stderr
    assert find_package("bh", "en") is None
    install_archive(archive)  # and the library agrees with the command
    assert find_package("bh", "en") is not None


def test_scripts():
    assert languages.in_script(["这是一个测试。"], "zh")
    assert not languages.in_script(["This is a test."], "zh")
    assert languages.in_script(["This is a test."], "en")  # no script rule for Latin languages
    assert languages.in_script(["テストです。"], "ja")
    assert languages.foreign_script("이것은 시험입니다.", "zh") == "hangul"
    assert languages.foreign_script("这是一个测试。", "zh") is None
    assert languages.foreign_script("This is a test.", "zh", allowed=("latin",)) is None  # left as it was
    assert languages.foreign_script("这是一个测试。", "en") == "han"
    assert languages.foreign_script("Это тест.", "ru") is None  # no script known: no verdict
    assert languages.foreign_script("12 345", "zh") is None
