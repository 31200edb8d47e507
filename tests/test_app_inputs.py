"""The page's first-hour rough edges (issue 8): a non-English article, the status line, the
table's cell edges. Driven by streamlit.testing's AppTest with the real tiny echo models."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from workbench.app import render
from workbench.documents import read_file

APP = str(ROOT / "workbench" / "app" / "main.py")
KOREAN = ROOT / "samples" / "china-dprk-vice-premier-visit.ko.txt"
ENGLISH = "The vice premier met the leader on Sunday. They agreed to deepen relations."


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def paste(at: AppTest, text: str) -> AppTest:
    at.radio(key="mode").set_value("Paste text").run()
    at.text_area(key="paste").set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_text(at: AppTest) -> str:
    """Every message, caption, label and option on the page."""
    parts = [e.value for kind in (at.error, at.warning, at.info, at.success, at.caption, at.markdown) for e in kind]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        parts.append(widget.label)
        parts.extend(str(o) for o in widget.options)
    return "\n".join(parts)


def cli_flags(text: str) -> list[str]:
    return re.findall(r"(?<![\w-])--[a-z][\w-]*", text)


@pytest.fixture
def ko_en_models(package_files, tmp_path_factory, monkeypatch):
    """en→ko, en→zh and a Korean→English echo package, in a package folder of their own."""
    from argostranslate import settings

    from workbench.models import install_archive
    from workbench.testing.argos_package import build_argos_package

    folder = tmp_path_factory.mktemp("ko-en-packages")
    monkeypatch.setattr(settings, "package_dirs", [folder])
    monkeypatch.setattr(settings, "package_data_dir", folder)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    texts = [ln for ln in KOREAN.read_text(encoding="utf-8").splitlines() if ln.strip()]
    ko_en = build_argos_package(folder.parent / "translate-ko_en-0_1.argosmodel", from_code="ko", to_code="en",
                                texts=texts)
    for path in (package_files["ko"], package_files["zh"], ko_en):
        install_archive(path)
    return folder


# ---------------------------------------------------------------- a Korean article


def test_korean_without_a_korean_model_sets_the_source_and_names_the_missing_model(models):
    at = paste(start(), KOREAN.read_text(encoding="utf-8"))
    assert at.selectbox(key="source_lang").value == "ko"
    assert not at.error
    assert any("Korean" in c.value for c in at.caption)  # the document line: "pasted text · Korean · ..."
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1 and "ko→en" in warnings[0] and "parallax models install ko en" in warnings[0]
    assert at.multiselect(key="targets-ko").value == ["en"]
    assert at.button[0].disabled
    assert cli_flags(page_text(at)) == []


def test_the_text_box_is_labelled_with_the_source_language(models):
    """After a pasted Korean article switched the source language, the box says Korean (issue 17
    item 4), and English again for a new English article."""
    at = start()
    at.radio(key="mode").set_value("Paste text").run()
    assert at.text_area(key="paste").label == "English text"
    paste(at, KOREAN.read_text(encoding="utf-8"))
    assert at.selectbox(key="source_lang").value == "ko"
    assert at.text_area(key="paste").label == "Korean text"
    assert at.text_area(key="paste").value.startswith(KOREAN.read_text(encoding="utf-8")[:20])  # the text is kept
    at.text_area(key="paste").set_value(ENGLISH).run()
    assert at.text_area(key="paste").label == "English text"

def test_korean_with_a_korean_model_translates_to_english_and_through_it_to_chinese(ko_en_models):
    at = paste(start(), KOREAN.read_text(encoding="utf-8"))
    assert at.selectbox(key="source_lang").value == "ko"
    assert at.multiselect(key="targets-ko").value == ["en", "zh"]  # zh through English
    at.button[0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    view = [h.value for h in at.html if 'class="pl-aligned"' in h.value][-1]
    assert 'data-langs="ko,en,zh"' in view
    assert cli_flags(page_text(at)) == []


def test_choosing_detect_again_keeps_the_choice_and_says_why_it_is_refused(models):
    at = paste(start(), KOREAN.read_text(encoding="utf-8"))
    at.selectbox(key="source_lang").set_value("detect (English)").run()
    assert at.selectbox(key="source_lang").value == "detect (English)"  # not switched back behind the user
    (warning,) = [w.value for w in at.warning]
    assert "looks like Korean (ko), not English" in warning and "Source language" in warning
    assert cli_flags(page_text(at)) == []


def test_a_new_english_article_resets_a_detected_source(models):
    at = paste(start(), KOREAN.read_text(encoding="utf-8"))
    assert at.selectbox(key="source_lang").value == "ko"
    at.text_area(key="paste").set_value(ENGLISH).run()
    assert not at.warning and not at.error
    assert at.multiselect(key="targets").value == ["ko", "zh"]
    assert not any(s.key == "source_lang" for s in at.selectbox) or \
        at.selectbox(key="source_lang").value == "detect (English)"


# ---------------------------------------------------------------- status line and cell edges


def test_one_status_line_after_translating(models):
    at = start()
    at.button[0].click().run()
    assert not at.exception and not at.error
    assert len(at.status) == 0  # the live status box is gone ...
    lines = [c.value for c in at.caption if c.value.startswith("Translated")]
    assert len(lines) == 1  # ... and one line says what happened


def _declarations(css: str, selector: str) -> dict[str, str]:
    m = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", css)
    assert m, selector
    return {k.strip(): v.strip() for k, v in (d.split(":", 1) for d in m.group(1).split(";") if ":" in d)}


def _left(box: str) -> float:
    """The left value of a CSS padding/margin shorthand, in rem."""
    parts = box.split()
    left = parts[{1: 0, 2: 1, 3: 1, 4: 3}[len(parts)]]
    return float(left.removesuffix("rem") or 0)


def test_cells_start_where_the_header_starts():
    """A sentence's highlight box must not push a cell's first letter right of the header's."""
    css = render.CSS
    th = _left(_declarations(css, ".pl-aligned th")["padding"])
    td = _left(_declarations(css, ".pl-aligned td")["padding"])
    span = _declarations(css, ".pl-s")
    assert td + _left(span["padding"]) + _left(span.get("margin", "0")) == pytest.approx(th)
    html = render.aligned_html(read_file(ROOT / "samples" / "china-dprk-vice-premier-visit.en.txt"))
    assert not re.search(r"<td[^>]*>\s", html) and not re.search(r'<span class="pl-s[^"]*"[^>]*>\s', html)


def test_compare_view_does_not_switch_the_source_language(models):
    at = start()
    at.segmented_control(key="view").set_value("Compare").run()
    paste(at, KOREAN.read_text(encoding="utf-8"))
    assert not any(s.key == "source_lang" and s.value == "ko" for s in at.selectbox)
    assert any("looks like Korean (ko), not English" in w.value for w in at.warning)
    assert cli_flags(page_text(at)) == []
