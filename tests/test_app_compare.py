"""The Compare view of the Streamlit page (AppTest), and its HTML helpers without Streamlit.

The demo translations and their gold alignments come from samples/variants; assertions read the
gold files instead of repeating their numbers here.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pytest
from conftest import ROOT, SAMPLE, SAMPLES
from streamlit.testing.v1 import AppTest

from workbench.align import Alignment, align_documents, load_glossary, make_link
from workbench.app import compare_render, inputs
from workbench.compare import CheckReport, CheckRow, Issue, compare_texts
from workbench.documents import read_file

APP = str(ROOT / "workbench" / "app" / "main.py")
TIMEOUT = 120
VARIANTS = SAMPLES / "variants"
STEM = SAMPLE.name[: -len(".en.txt")]
KO_REFERENCE = SAMPLES / f"{STEM}.ko.txt"
ZH_REFERENCE = SAMPLES / f"{STEM}.zh.txt"


# ---------------------------------------------------------------- helpers


class Rows(HTMLParser):
    """The <tr> attributes and the text of each row of one of the view's tables."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.attrs: dict[str, str] = {}
        self.rows: list[dict[str, str]] = []
        self.texts: list[str] = []
        self._in_row = False
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "div" and "pc-view" in classes and not self.attrs:
            self.attrs = a
        elif tag == "tr" and any(c in classes for c in ("pc-row", "pc-issue", "pc-diff-row")):
            self.rows.append(a)
            self.texts.append("")
            self._in_row = True
        elif tag == "tr":
            self._in_row = False

    def handle_data(self, data):
        if self._in_row and self.texts:
            self.texts[-1] += data


def view(at: AppTest, cls: str) -> Rows:
    blocks = [h.value for h in at.html if f"pc-view {cls}" in h.value]
    assert blocks, f"no {cls} table on the page"
    return Rows(blocks[-1])


def raw(at: AppTest) -> str:
    return "\n".join(h.value for h in at.html if "pc-view" in h.value)


def no_tracebacks(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def messages(at: AppTest) -> str:
    return "\n".join(e.value for kind in (at.error, at.warning, at.info, at.success) for e in kind)


def open_compare() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    no_tracebacks(at)
    at.segmented_control(key="view").set_value("Compare").run()
    no_tracebacks(at)
    return at


def demo(at: AppTest, path) -> AppTest:
    at.radio(key="cmp_mode").set_value("Demo").run()
    at.selectbox(key="cmp_demo").set_value(path.relative_to(SAMPLES).as_posix()).run()
    no_tracebacks(at)
    return at


def paste_version(at: AppTest, text: str) -> AppTest:
    at.radio(key="cmp_mode").set_value("Paste text").run()
    at.text_area(key="cmp_paste").set_value(text).run()
    no_tracebacks(at)
    return at


def gold(path) -> dict:
    return json.loads(path.with_name(path.stem + ".gold.json").read_text(encoding="utf-8"))


def links(rows: Rows) -> list[tuple[str, list[int], list[int]]]:
    def idx(s: str) -> list[int]:
        return [int(x) for x in s.split(",") if x]

    return [(r["data-type"], idx(r["data-src"]), idx(r["data-tgt"])) for r in rows.rows]


def download_labels(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


# ---------------------------------------------------------------- the view


def test_merged_demo_without_models(no_models):
    path = VARIANTS / f"{STEM}.ko.merged.txt"
    at = demo(open_compare(), path)
    assert not at.error, [e.value for e in at.error]
    table = view(at, "pc-align")
    got = links(table)
    expected = [(f"{len(s)}-{len(t)}", s, t) for s, t in gold(path)["links"]]
    merged = [link for link in expected if link[0] == "2-1"]
    assert merged, "the merged demo's gold file has 2-1 links"
    for link in merged:
        assert link in got, (link, got)
    assert int(table.attrs["data-total-rows"]) == len(got)
    assert sum(1 for t, _, _ in got if t == "2-1") == len(merged)
    # every English and every Korean paragraph is in exactly one link
    english = [i for _, s, _ in got for i in s]
    korean = [j for _, _, t in got for j in t]
    assert english == sorted(set(english)) and korean == sorted(set(korean))
    # the merged row shows both English paragraphs and is marked
    row = next(r for r in table.rows if r["data-type"] == "2-1")
    assert "pc-t-2-1" in row["class"]
    assert "2-1 merged" in table.texts[table.rows.index(row)]
    # the note says how it was aligned and which model would help
    text = messages(at)
    assert "How it was aligned" in text and "parallax models install en ko" in text
    # no model: the wording diff tab says what to install; the round trip what it needs
    assert "No translation model installed for en→ko" in text
    assert "ko→en" in text and "parallax models install ko en" in text
    assert {"Alignment CSV", "Alignment JSON", "TMX", "Checks CSV", "Checks JSON"} <= set(download_labels(at))


def library_links(path, lang: str) -> list[tuple[str, list[int], list[int]]]:
    """What workbench.align finds for a demo with the sample glossary and no model."""
    alignment = align_documents(read_file(SAMPLE), read_file(path, lang),
                                glossary=load_glossary(SAMPLES / "glossary.csv"))
    return [(link.type, list(link.src), list(link.tgt)) for link in alignment.links]


def test_every_demo_runs_without_models(no_models):
    at = open_compare()
    for d in inputs.compare_demos():
        demo(at, d.path)
        assert not at.error, (d.value, [e.value for e in at.error])
        table = view(at, "pc-align")
        assert table.attrs["data-lang"] == d.lang
        assert links(table) == library_links(d.path, d.lang), d.value  # the page shows the library's links


def test_omitted_and_added_links_are_marked(no_models):
    path = VARIANTS / f"{STEM}.ko.mixed.txt"
    at = demo(open_compare(), path)
    table = view(at, "pc-align")
    got = links(table)
    types = {t for t, _, _ in got}
    assert {"1-0", "0-1"} <= types  # the mixed variant drops and adds paragraphs
    for row, text in zip(table.rows, table.texts):
        if row["data-type"] == "1-0":
            assert "pc-t-1-0" in row["class"] and "omitted" in text
        if row["data-type"] == "0-1":
            assert "pc-t-0-1" in row["class"] and "added" in text
    issues = view(at, "pc-issues")
    kinds = {r["data-kind"] for r in issues.rows}
    assert {"omitted", "added"} <= kinds


def test_compare_with_models_installed(models):
    at = demo(open_compare(), VARIANTS / f"{STEM}.zh.merged.txt")
    assert not at.error, [e.value for e in at.error]
    assert view(at, "pc-align").attrs["data-lang"] == "zh"
    text = messages(at)
    # the tiny test model echoes English: the page says it is not Chinese and aligns without it
    assert "not Chinese text" in text
    assert "zh→en" in text  # round trip needs a model that is not installed
    at.selectbox(key="cmp_other").set_value("Team reference (samples)").run()
    no_tracebacks(at)
    # the merged variant has the reference's words, only fewer paragraphs: no pair differs in
    # wording, and the summary says how many were merged (it used to count them as differing)
    assert "same wording" in messages(at)
    captions = "\n".join(c.value for c in at.caption)
    assert "0 of" in captions and "merged or split with the same wording" in captions
    assert "Diff CSV" in download_labels(at)
    at = demo(open_compare(), VARIANTS / f"{STEM}.zh.mixed.txt")
    at.selectbox(key="cmp_other").set_value("Team reference (samples)").run()
    no_tracebacks(at)
    diffs = view(at, "pc-diffs")
    assert diffs.rows and all("pc-diff-row" in r["class"] for r in diffs.rows)


def test_machine_translation_diff(models, monkeypatch):
    """With a model whose output is in the target's script, the English is machine-translated and
    the version diffed against it (the echo model's output is made to pass the script test)."""
    from workbench.app import compare_view

    monkeypatch.setattr(compare_view, "in_script", lambda texts, lang: True)
    at = demo(open_compare(), KO_REFERENCE)
    assert not at.error, [e.value for e in at.error]
    diffs = view(at, "pc-diffs")
    assert diffs.rows
    markup = [h.value for h in at.html if "pc-diffs" in h.value][-1]
    assert "<th>English</th><th>Machine translation</th>" in markup
    # most divergent first
    sims = [float(r["data-similarity"]) for r in diffs.rows]
    assert sims == sorted(sims)
    # fewer pairs shown than differ: capped, and the cap is adjustable
    at.selectbox(key="cmp_top").set_value("all").run()
    assert len(view(at, "pc-diffs").rows) >= len(diffs.rows)
    at.toggle(key="cmp_inline").set_value(True).run()
    assert view(at, "pc-diffs").attrs["data-mode"] == "inline"


def test_empty_version_message(no_models):
    at = paste_version(open_compare(), "")
    assert "Paste the Korean or Chinese translation" in messages(at)
    assert not [h for h in at.html if "pc-align" in h.value]
    at.text_area(key="cmp_paste").set_value("   \n\n  ").run()
    no_tracebacks(at)
    assert any("empty" in e.value for e in at.error)
    assert not [h for h in at.html if "pc-align" in h.value]


@pytest.mark.parametrize("choice", ["Detect", "Korean (ko)"])
def test_english_in_version_box(no_models, choice):
    english = SAMPLE.read_text(encoding="utf-8")
    at = open_compare()
    at.radio(key="cmp_lang").set_value(choice).run()
    paste_version(at, english)
    errors = " ".join(e.value for e in at.error)
    assert "looks like English" in errors and "not Korean or Chinese" in errors
    assert not [h for h in at.html if "pc-align" in h.value]


def test_language_detected_and_override_warned(no_models):
    at = paste_version(open_compare(), ZH_REFERENCE.read_text(encoding="utf-8"))
    assert view(at, "pc-align").attrs["data-lang"] == "zh"
    at.radio(key="cmp_lang").set_value("Korean (ko)").run()
    no_tracebacks(at)
    assert any("looks like Chinese, not Korean" in w.value for w in at.warning)
    assert view(at, "pc-align").attrs["data-lang"] == "ko"


def test_planted_number_error(no_models):
    text = KO_REFERENCE.read_text(encoding="utf-8")
    assert "창건 75주년" in text
    at = paste_version(open_compare(), text.replace("창건 75주년", "창건 57주년", 1))
    assert not at.error, [e.value for e in at.error]
    issues = view(at, "pc-issues")
    numbers = [t for r, t in zip(issues.rows, issues.texts) if r["data-kind"] == "number" and r["data-severity"] == "error"]
    assert len(numbers) == 1 and "75" in numbers[0] and "57" in numbers[0], issues.texts
    assert any("1 error" in t.label for t in at.tabs)
    # the flag is on the aligned row too
    align = view(at, "pc-align")
    assert any("changed to" in t and "57" in t for t in align.texts)


def test_reference_metrics_and_wrong_language_reference(no_models):
    at = demo(open_compare(), VARIANTS / f"{STEM}.ko.merged.txt")
    at.selectbox(key="cmp_ref").set_value("Team reference (samples)").run()
    no_tracebacks(at)
    labels = {m.label: m.value for m in at.metric}
    assert "chrF vs reference" in labels and "BLEU vs reference" in labels
    assert float(labels["chrF vs reference"]) > 50
    assert "chrF" in "".join(view(at, "pc-align").texts)
    at.selectbox(key="cmp_ref").set_value("Paste text").run()
    at.text_area(key="cmp_ref_paste").set_value(ZH_REFERENCE.read_text(encoding="utf-8")).run()
    no_tracebacks(at)
    assert any("reference translation looks like Chinese" in e.value for e in at.error)
    assert "chrF vs reference" not in {m.label for m in at.metric}


def test_glossary_miss_reported(no_models):
    text = KO_REFERENCE.read_text(encoding="utf-8").replace("신화통신", "신화사")
    at = paste_version(open_compare(), text)
    issues = view(at, "pc-issues")
    assert any(r["data-kind"] == "glossary" and "Xinhua" in t for r, t in zip(issues.rows, issues.texts))
    at.selectbox(key="cmp_gloss").set_value("None").run()
    no_tracebacks(at)
    left = [h.value for h in at.html if "pc-issues" in h.value]
    assert not left or not [r for r in Rows(left[-1]).rows if r["data-kind"] == "glossary"]


def test_the_sample_glossary_is_the_default_only_for_the_sample_article(no_models):
    """samples/glossary.csv holds the China–DPRK article's terms: preselected for that article
    only; any other article starts with no glossary (issue 17 item 6), the sample one a choice away."""
    def glossary(at: AppTest):
        (box,) = [s for s in at.selectbox if s.label == "Glossary"]
        return box

    at = open_compare()
    assert glossary(at).value.startswith("Sample glossary")
    at.radio(key="mode").set_value("Paste text").run()
    at.text_area(key="paste").set_value("Seoul hosted a trade fair on Monday.\n\nVisitors came from 40 countries.").run()
    no_tracebacks(at)
    assert glossary(at).value == "None"
    assert any(o.startswith("Sample glossary") for o in glossary(at).options)
    paste_version(at, "서울에서 월요일에 무역 박람회가 열렸다.\n\n40개국에서 방문객이 왔다.")
    assert "glossary" not in " ".join(c.value for c in at.caption if "terms)" in c.value)


def test_glossary_upload_over_its_limit_is_one_line(no_models):
    """Issue 18.5: the browser enforces the uploader's limit, the server does not: a bigger glossary
    that reaches the page is refused in one line, and the check runs without it."""
    text = KO_REFERENCE.read_text(encoding="utf-8").replace("신화통신", "신화사")
    at = paste_version(open_compare(), text)
    at.selectbox(key="cmp_gloss").set_value("Upload CSV").run()
    limit = inputs.UPLOAD_LIMIT_MB["glossary"]
    row = "Xinhua,신화통신,新华社\n".encode("utf-8")
    data = b"en,ko,zh\n" + row * (limit * 2**20 // len(row) + 1)
    at.file_uploader(key="cmp_gloss_upload").set_value(("big.csv", data, "text/csv")).run()
    no_tracebacks(at)
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "\n" not in errors[0], errors
    assert "big.csv" in errors[0] and f"the limit is {limit} MB" in errors[0], errors
    assert any("no glossary" in c.value for c in at.caption)
    left = [h.value for h in at.html if "pc-issues" in h.value]
    assert not left or not [r for r in Rows(left[-1]).rows if r["data-kind"] == "glossary"]


def test_script_is_escaped(no_models):
    paragraphs = KO_REFERENCE.read_text(encoding="utf-8").split("\n\n")
    paragraphs[5] = "<script>alert(1)</script> " + paragraphs[5]
    at = paste_version(open_compare(), "\n\n".join(paragraphs))
    at.selectbox(key="cmp_other").set_value("Team reference (samples)").run()
    no_tracebacks(at)
    markup = raw(at)
    assert "pc-diffs" in markup and "pc-align" in markup
    assert "<script>" not in markup and "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert any("<script>alert(1)</script>" in t for t in view(at, "pc-align").texts)  # shown as text


def test_sentence_alignment_toggle(no_models):
    at = demo(open_compare(), VARIANTS / f"{STEM}.ko.merged.txt")
    paragraphs = int(view(at, "pc-align").attrs["data-total-rows"])
    at.toggle(key="cmp_by_sentence").set_value(True).run()
    no_tracebacks(at)
    table = view(at, "pc-align")
    assert table.attrs["data-unit"] == "sentence" and int(table.attrs["data-total-rows"]) > paragraphs


def test_demo_of_another_article(no_models):
    at = open_compare()
    at.radio(key="mode").set_value("Paste text").run()
    at.text_area(key="paste").set_value("Rain fell in the city on Monday. The mayor said the roads were clear.").run()
    no_tracebacks(at)
    assert any("This demo is a translation of" in w.value for w in at.warning)
    assert not [h for h in at.html if "pc-align" in h.value]


def test_view_switch_keeps_inputs(no_models):
    text = KO_REFERENCE.read_text(encoding="utf-8")
    at = paste_version(open_compare(), text)
    at.segmented_control(key="view").set_value("Translate").run()
    no_tracebacks(at)
    assert [h for h in at.html if "pl-aligned" in h.value] and not [h for h in at.html if "pc-align" in h.value]
    at.segmented_control(key="view").set_value("Compare").run()
    no_tracebacks(at)
    assert at.radio(key="cmp_mode").value == "Paste text"
    assert at.text_area(key="cmp_paste").value == text
    assert view(at, "pc-align").attrs["data-lang"] == "ko"


# ---------------------------------------------------------------- HTML helpers (no Streamlit)


def _alignment(n: int) -> Alignment:
    src = tuple(f"English paragraph {i} & <b>{i}</b>" for i in range(n))
    tgt = tuple(f"한국어 문단 {i} <i>" for i in range(n - 1))
    links = [make_link((0,), (), 0.9), make_link((1, 2), (0,), 0.3)]
    links += [make_link((i,), (i - 2,), 0.99) for i in range(3, n)]
    links.append(make_link((), (n - 2,), 0.7))
    return Alignment(tuple(links), src, tgt, "ko")


def test_render_alignment_marks_and_escapes():
    a = _alignment(6)
    markup = compare_render.alignment_html(a)
    rows = Rows(markup)
    assert [r["data-type"] for r in rows.rows] == ["1-0", "2-1", "1-1", "1-1", "1-1", "0-1"]
    assert "pc-low" in rows.rows[1]["class"] and "pc-low" not in rows.rows[2]["class"]
    assert "omitted" in rows.texts[0] and "added" in rows.texts[-1]
    assert "<b>" not in markup and "&lt;b&gt;" in markup and "&lt;i&gt;" in markup and "&amp;" in markup


def test_render_alignment_pages():
    a = _alignment(130)
    t = Rows(compare_render.alignment_html(a, page=3))
    assert (t.attrs["data-rows"], t.attrs["data-total-rows"], t.attrs["data-pages"]) == (
        str(len(a.links) - 100), str(len(a.links)), "3")
    assert t.rows[0]["data-link"] == "100"


def test_render_issues_and_diff_escape():
    a = _alignment(4)
    rows = [CheckRow(link, *a.texts(link)) for link in a.links]
    rows[2].issues.append(Issue("number", "error", "3 (<three>) is missing"))
    rows[0].issues.append(Issue("script", "note", "English words <em>"))
    report = CheckReport("ko", a, rows)
    issues = Rows(compare_render.issues_html(report))
    assert [r["data-severity"] for r in issues.rows] == ["error", "note"]  # errors first
    markup = compare_render.issues_html(report) + compare_render.alignment_html(a, report)
    assert "<three>" not in markup and "&lt;three&gt;" in markup and "<em>" not in markup
    comparison = compare_texts(["가 <u>나</u> 다"], ["가 <u>라</u> 다"], "ko")
    diff = compare_render.diff_html(comparison.most_divergent(), "ko", "A <x>", "B", english=["E <y>"])
    assert "<u>" not in diff and "&lt;u&gt;" in diff and "<x>" not in diff and "<y>" not in diff and "<del" in diff and "<ins" in diff


def test_version_language_rules():
    assert inputs.version_language("ko", None) == ("ko", None)
    assert inputs.version_language("zh", "zh") == ("zh", None)
    lang, message = inputs.version_language("zh", "ko")
    assert lang == "ko" and "looks like Chinese" in message
    for detected in ("en", "fr", None):
        for choice in (None, "ko"):
            lang, message = inputs.version_language(detected, choice)
            assert lang is None and message


def test_compare_demos_and_team_reference(tmp_path):
    demos = inputs.compare_demos()
    values = {d.value for d in demos}
    assert f"variants/{STEM}.ko.merged.txt" in values and f"{STEM}.zh.txt" in values
    assert all(d.english == SAMPLE for d in demos)
    assert inputs.team_reference(SAMPLE.name, "ko") == KO_REFERENCE
    assert inputs.team_reference("pasted text", "ko") is None
    assert inputs.compare_demos(tmp_path / "missing") == []


def test_round_trip_with_a_back_translation_model(no_models, tmp_path):
    """With a ko→en package installed the version is translated back and compared with the
    English. The test package echoes its Korean input, so every paragraph reads as drifted."""
    from workbench.models import install_archive
    from workbench.testing.argos_package import build_argos_package

    korean = [ln for ln in KO_REFERENCE.read_text(encoding="utf-8").splitlines() if ln.strip()]
    install_archive(build_argos_package(tmp_path / "translate-ko_en-0_1.argosmodel", from_code="ko", to_code="en",
                                        texts=korean))
    at = demo(open_compare(), VARIANTS / f"{STEM}.ko.merged.txt")
    assert not at.error, [e.value for e in at.error]
    assert not any("round trip needs" in m.lower() for m in messages(at).splitlines())
    assert any("translated back to English" in c.value for c in at.caption)
    issues = view(at, "pc-issues")
    assert any(r["data-kind"] == "drift" for r in issues.rows)
    assert "round trip" in "".join(view(at, "pc-align").texts)


def test_pasting_a_companion_asks_for_it_by_name(no_models):
    """The prompt for a pasted second version read "Paste the compare the wording with into the box"."""
    at = demo(open_compare(), VARIANTS / f"{STEM}.ko.merged.txt")
    at.selectbox(key="cmp_other").set_value("Paste text").run()
    at.selectbox(key="cmp_ref").set_value("Paste text").run()
    no_tracebacks(at)
    text = messages(at)
    assert "Paste the second version into the box." in text and "Paste the reference translation into the box." in text
    assert "compare the wording with into" not in text.lower()
    assert {t.label for t in at.text_area} >= {"Second version", "Reference translation"}
