"""Wording diffs, similarity, consistency checks, reference metrics and the round trip."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, SAMPLE
from workbench.align import Alignment, load_glossary, make_link
from workbench.compare import (check_glossary, check_numbers, check_script, check_translation, compare_texts,
                               corpus_metrics, diff_counts, diff_texts, diff_to_html, diff_to_text, most_divergent,
                               round_trip, round_trip_problem, sentence_metrics, similarity)
from workbench.documents import read_file
from workbench.errors import MissingModel
from workbench.messages import explain

SAMPLES = ROOT / "samples"
STEM = "china-dprk-vice-premier-visit"
EN = [p.text for p in read_file(SAMPLE, "en").paragraphs]
GLOSSARY = load_glossary(SAMPLES / "glossary.csv")


def reference(lang: str) -> list[str]:
    return [p.text for p in read_file(SAMPLES / f"{STEM}.{lang}.txt", lang).paragraphs]


# ---------------------------------------------------------------- diffs


def test_korean_diff_is_by_character_with_substitutions_apart():
    a = "류 부총리는 김정은과 만났다."
    b = "류 부총리가 김정은 위원장과 만났다."
    ops = diff_texts(a, b, "ko")
    assert "".join(x for _, x, _ in ops) == a and "".join(y for _, _, y in ops) == b
    assert ("replace", "는", "가") in ops
    assert ("insert", "", " 위원장") in ops
    assert diff_counts(ops) == {"replace": 1, "insert": 1, "delete": 0}


def test_chinese_diff_by_character():
    ops = diff_texts("刘国中会见了金正恩。", "刘国中会见金正恩。", "zh")
    assert ops == [("equal", "刘国中会见", "刘国中会见"), ("delete", "了", ""), ("equal", "金正恩。", "金正恩。")]


def test_english_diff_is_by_word():
    ops = diff_texts("The quick brown fox.", "The slow brown fox jumps.", "en")
    assert ops == [("equal", "The ", "The "), ("replace", "quick", "slow"), ("equal", " brown fox", " brown fox"),
                   ("insert", "", " jumps"), ("equal", ".", ".")]
    # a rewritten phrase reads as one substitution, not word confetti
    ops = diff_texts("he said on Sunday", "he told reporters last week", "en")
    assert ops == [("equal", "he ", "he "), ("replace", "said on Sunday", "told reporters last week")]


@settings(max_examples=200, deadline=None)
@given(a=st.text(alphabet="ab 가나다中国.", max_size=30), b=st.text(alphabet="ab 가나다中国.", max_size=30),
       lang=st.sampled_from(["ko", "zh", "en"]))
def test_diff_reconstructs_both_texts(a, b, lang):
    ops = diff_texts(a, b, lang)
    assert "".join(x for _, x, _ in ops) == a
    assert "".join(y for _, _, y in ops) == b
    for tag, x, y in ops:
        assert tag in ("equal", "replace", "insert", "delete")
        assert (tag == "equal") == (x == y) or tag != "equal"
        assert (tag == "insert") <= (x == "") and (tag == "delete") <= (y == "")
        assert tag != "replace" or (x and y)
    assert 0.0 <= similarity(a, b, lang) <= 1.0


def test_similarity():
    assert similarity("중국 부총리", "중국 부총리", "ko") == 1.0
    assert similarity("중국 부총리", "中国副总理", "ko") == 0.0
    assert similarity("a b c d", "a b c e", "en") == pytest.approx(0.75)
    assert similarity("", "", "zh") == 1.0


def test_html_escapes_every_piece():
    import html
    import re

    a, b = '<b>"Kim" & Liu</b>', "<script>alert('x')</script> & Liu"
    ops = diff_texts(a, b, "en")
    out = diff_to_html(ops)
    assert "<script" not in out and "<b>" not in out and "</b>" not in out
    assert "&lt;" in out and "&gt;" in out and "&amp;" in out and "&quot;" in out and "&#x27;" in out
    assert out.startswith('<span class="pd-diff">') and out.endswith("</span>")
    assert "<del" in out and "<ins" in out
    only_a = diff_to_html(ops, side="a")
    only_b = diff_to_html(ops, side="b")
    assert "<ins" not in only_a and "<del" not in only_b
    assert html.unescape(re.sub(r"<[^>]+>", "", only_a)) == a
    assert html.unescape(re.sub(r"<[^>]+>", "", only_b)) == b


def test_diff_to_text():
    assert diff_to_text(diff_texts("a b c", "a x c d", "en")) == "a [-b-]{+x+} c{+ d+}"


def test_compare_pairs_paragraphs_and_ranks_the_most_divergent_first():
    ko = reference("ko")
    edited = list(ko)
    edited[9] = edited[9].replace("매우 중요하며", "중요하며").replace("심화할 것", "강화할 것")
    edited[14] = ("전반적으로 볼 때 이번 방문은 여러 분야에서 협력을 넓히고 팬데믹 이후 평양과의 무역과 관광, "
                  "문화 교류를 정상화하는 계기가 될 것이라고 중국 전문가들은 내다봤다.")  # paraphrased
    merged = edited[:4] + [edited[4] + " " + edited[5]] + edited[6:]  # and two paragraphs merged
    result = compare_texts(ko, merged, "ko")
    assert [d.link.pair() for d in result.diffs][4] == [[4, 5], [4]]
    ranked = result.most_divergent()
    assert ranked[0].link.src == (14,)
    assert [d.similarity for d in ranked] == sorted(d.similarity for d in ranked)
    p9 = next(d for d in result.diffs if d.link.src == (9,))
    assert 0.8 < p9.similarity < 1.0 and p9.counts["replace"] >= 1 and p9.counts["delete"] >= 1
    identical = next(d for d in result.diffs if d.link.src == (10,))
    assert identical.similarity == 1.0 and identical.ops == ((("equal", ko[10], ko[10])),)
    assert most_divergent(result.diffs, 2) == ranked[:2]
    data = json.loads(result.to_json())
    assert data["paragraphs"][0]["a"] == [14]
    rows = list(csv.reader(io.StringIO(result.to_csv())))
    assert rows[0][:5] == ["rank", "a paragraph", "b paragraph", "type", "similarity"]
    assert rows[1][1] == "15"


def test_compare_with_dropped_and_added_paragraphs():
    zh = reference("zh")
    b = zh[:3] + zh[4:12] + ["新增的一段话，原文没有。"] + zh[12:]
    result = compare_texts(zh, b, "zh")
    types = [d.type for d in result.diffs]
    assert types.count("1-0") == 1 and types.count("0-1") == 1
    assert {d.type for d in result.most_divergent(2)} == {"1-0", "0-1"}


def test_wording_diff_counts_agree_with_what_is_listed():
    """A merge with the same words is a re-cut, not a wording difference: it is neither counted
    nor listed as differing; everything listed is counted and differs."""
    ko = reference("ko")
    merged = ko[:4] + [ko[4] + " " + ko[5]] + ko[6:]
    edited = list(merged)
    edited[8] = edited[8].replace("중요하며", "매우 중요하며")
    result = compare_texts(ko, edited, "ko")
    changed = result.changed()
    assert all(d.differs and (d.similarity < 1.0 or d.type in ("1-0", "0-1")) for d in changed)
    assert not any(d.type == "2-1" for d in changed)
    assert result.summary().startswith(f"{len(changed)} of {len(result.diffs)} paragraph pairs differ in wording")
    assert "1 more merged or split with the same wording" in result.summary()
    assert compare_texts(ko, ko, "ko").changed() == []


def test_reference_metrics_count_omitted_and_added_paragraphs():
    """Two paragraphs left out and two added: the document scores against the reference must
    drop (an omitted paragraph is an empty hypothesis, added text has no reference)."""
    ko = reference("ko")
    version = ko[:6] + ["이 문단은 원문에 없다. 번역자가 덧붙였다."] + ko[8:12] + ko[13:] + ["끝에 덧붙인 문장."]
    report = check_translation(EN, version, "ko", reference=ko)
    types = [r.link.type for r in report.rows]
    assert types.count("1-0") >= 2 or types.count("0-1") >= 1
    full = check_translation(EN, ko, "ko", reference=ko).document_metrics
    assert full == {"chrf": 100.0, "bleu": 100.0}
    doc = report.document_metrics
    assert doc["chrf"] < 95 and doc["bleu"] < 95
    omitted = [r for r in report.rows if r.link.type == "1-0"]
    assert omitted and all(r.metrics == {"chrf": 0.0, "bleu": 0.0} and r.reference for r in omitted)


def test_compare_english_versions():
    a = ["Liu met Kim on Sunday.", "They agreed to deepen ties."]
    b = ["Liu met Kim on Saturday.", "They agreed to deepen ties."]
    result = compare_texts(a, b, "en")
    top = result.most_divergent(1)[0]
    assert ("replace", "Sunday", "Saturday") in top.ops


# ---------------------------------------------------------------- numbers


def test_numbers_in_the_reference_translations_are_all_there():
    for lang in ("ko", "zh"):
        for en, tr in zip(EN, reference(lang)):
            assert [i for i in check_numbers(en, tr, lang) if i.severity == "error"] == []


@pytest.mark.parametrize("en,version,lang,expect", [
    ("its 75th founding anniversary", "창건 57주년", "ko", "changed"),
    ("its 75th founding anniversary", "창건 기념일", "ko", "missing"),
    ("on September 9", "9월 8일에", "ko", "changed"),
    ("on September 9", "9月9日", "zh", None),
    ("on September 9", "지난 9일", "ko", None),
    ("1.5 million people", "150만 명", "ko", None),
    ("1.5 million people", "15만 명", "ko", "changed"),
    ("1.5 million people", "150万人", "zh", None),
    ("a three-day visit", "3일간의 방문", "ko", None),
    ("from Friday to Sunday", "周五至周六", "zh", "changed"),
    ("the war (1950-1953)", "전쟁(1950~1953)", "ko", None),
    ("the war (1950-1953)", "战争（1950—1951年）", "zh", "changed"),
    ("in 2023", "2023년에 3명이", "ko", "note"),
])
def test_planted_number_errors(en, version, lang, expect):
    issues = check_numbers(en, version, lang)
    if expect is None:
        assert issues == []
    elif expect == "note":
        assert [i.severity for i in issues] == ["note"]
    else:
        assert any(i.severity == "error" and expect in i.message for i in issues), issues


# ---------------------------------------------------------------- glossary and script


def test_glossary_misses_are_reported():
    en = EN[4]
    ko = reference("ko")[4]
    assert check_glossary(en, ko, "ko", GLOSSARY) == []
    issues = check_glossary(en, ko.replace("김정은", "김정일").replace("류궈중", "리우궈중"), "ko", GLOSSARY)
    assert len(issues) == 2
    assert any("Kim Jong-un" in i.message and "김정은" in i.message for i in issues)
    assert any("Liu Guozhong" in i.message for i in issues)
    zh = reference("zh")[10].replace("环球时报", "全球时报")
    (issue,) = check_glossary(EN[10], zh, "zh", GLOSSARY)
    assert "Global Times" in issue.message and "环球时报" in issue.message


def test_script_checks():
    assert check_script("중국 북한 사진: IC", "ko") == []
    assert check_script("中国人民志愿军(CPV)烈士陵园", "zh") == []
    (i,) = check_script("中国副总理 만났다 会见", "zh")
    assert i.severity == "error" and "Korean" in i.message and "만났다" in i.message
    (i,) = check_script("中國副總理會見金正恩", "zh")
    assert i.severity == "warning" and "國→国" in i.message
    (i,) = check_script("류 부총리는 the Chinese vice premier said that 말했다", "ko")
    assert i.severity == "warning" and "vice" in i.message
    (i,) = check_script("류 부총리가 中 방문", "ko")
    assert i.severity == "note" and "中" in i.message
    (i,) = check_script("中国副总理会见金正恩并交换意见", "ko")
    assert i.severity == "error"
    assert any("kana" in x.message for x in check_script("中国のニュース", "zh"))


# ---------------------------------------------------------------- reference metrics


def test_reference_metrics():
    ref = reference("zh")[4]
    assert sentence_metrics(ref, ref, "zh") == {"chrf": 100.0, "bleu": 100.0}
    worse = sentence_metrics(ref.replace("友好关系", "关系").replace("交换了意见", "谈了"), ref, "zh")
    assert 40 < worse["chrf"] < 100 and 20 < worse["bleu"] < 100
    ko = reference("ko")[4]
    m = sentence_metrics(ko.replace("한층", "더"), ko, "ko")
    assert 80 < m["chrf"] < 100 and 50 < m["bleu"] < 100  # char-level BLEU for Korean
    doc = corpus_metrics(reference("ko"), reference("ko"), "ko")
    assert doc == {"chrf": 100.0, "bleu": 100.0}


# ---------------------------------------------------------------- the check report


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_reference_translations_check_clean(lang):
    report = check_translation(EN, reference(lang), lang, GLOSSARY)
    assert report.counts()["error"] == 0 and report.counts()["warning"] == 0
    assert all(r.link.type == "1-1" for r in report.rows)


def test_check_finds_planted_errors_in_the_right_paragraph():
    ko = reference("ko")
    bad = list(ko)
    bad[6] = bad[6].replace("75주년", "70주년")
    bad[7] = bad[7].replace("75주년", "")
    bad[10] = bad[10].replace("뤼차오", "뤼 차오")
    bad[13] = bad[13] + " The end of the article was not translated."
    bad = bad[:11] + bad[12:]  # paragraph 11 left out
    report = check_translation(EN, bad, "ko", GLOSSARY, reference=ko)
    by_src = {r.link.src: r for r in report.rows}
    assert any(i.kind == "number" and "changed" in i.message and "70" in i.message for i in by_src[(6,)].issues)
    assert any(i.kind == "number" and "missing" in i.message for i in by_src[(7,)].issues)
    assert any(i.kind == "glossary" and "Lü Chao" in i.message for i in by_src[(10,)].issues)
    assert any(i.kind == "script" and "English" in i.message for i in by_src[(13,)].issues)
    assert [i.kind for i in by_src[(11,)].issues] == ["omitted"]
    clean = [r for r in report.rows if r.link.src in {(4,), (5,), (8,), (9,)}]
    assert all(not r.issues for r in clean)
    assert by_src[(6,)].metrics["chrf"] < 100 and by_src[(5,)].metrics["chrf"] == 100
    assert report.document_metrics["chrf"] < 100
    # exports
    data = json.loads(report.to_json())
    assert data["counts"]["error"] >= 3 and data["links"]["1-0"] == 1
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[0][7:10] == ["severity", "kind", "issue"]
    assert len(rows) - 1 >= len(report.rows)


def test_check_reports_added_paragraphs_and_neutralises_csv():
    zh = reference("zh")
    version = zh[:5] + ["=1+1 这是译者加的一段说明，原文没有这段话。"] + zh[5:]
    report = check_translation(EN, version, "zh")
    added = [r for r in report.rows if r.link.type == "0-1"]
    assert len(added) == 1 and added[0].issues[0].kind == "added"
    assert "'=1+1" in report.to_csv() and "\r\n=1+1" not in report.to_csv()


# ---------------------------------------------------------------- round trip


def test_round_trip_without_a_model_names_the_package(no_models):
    from workbench.engine import Engine

    problem = round_trip_problem(Engine(), "ko")
    assert "parallax models install ko en" in problem
    with pytest.raises(MissingModel) as err:  # the error names the pair; the front ends add the command
        round_trip(EN[:2], reference("ko")[:2], "ko", Engine())
    assert err.value.pairs == [("ko", "en")] and "parallax models install ko en" in explain(err.value)
    alignment = Alignment(tuple(make_link([i], [i]) for i in range(18)), tuple(EN), tuple(reference("zh")), "zh")
    from workbench.compare import check_alignment

    report = check_alignment(alignment, with_round_trip=True, engine=Engine())
    assert any("models install zh en" in n for n in report.notes)
    assert all(r.round_trip is None for r in report.rows)


class BackTranslator:
    """A stand-in engine: Korean sentences of the reference back to their English sentences,
    anything else to a fixed unrelated sentence."""

    def __init__(self):
        en = read_file(SAMPLE, "en")
        ko = read_file(SAMPLES / f"{STEM}.ko.txt", "ko")
        self.table = dict(zip(ko.sentences, en.sentences))

    def route(self, a, b):
        return []

    def translate_sentences(self, sentences, a, b):
        from workbench.engine import SentenceTranslation

        assert (a, b) == ("ko", "en")
        return [SentenceTranslation(self.table.get(s, "The weather was sunny and warm."), None, None, "fake")
                for s in sentences]


def test_round_trip_flags_the_paragraph_that_drifted():
    ko = reference("ko")
    drifted = list(ko)
    drifted[9] = "류 부총리는 김정은에게 날씨 이야기를 했다."
    rows = round_trip(EN, drifted, "ko", BackTranslator())
    assert [k for k, r in enumerate(rows) if r.drift] == [9]
    assert rows[4].chrf == 100.0 and rows[4].back == EN[4]
    assert rows[9].chrf < 30 and any(tag != "equal" for tag, _, _ in rows[9].ops)
    report = check_translation(EN, drifted, "ko", engine=BackTranslator(), with_round_trip=True)
    flagged = [r.link.src for r in report.rows if any(i.kind == "drift" for i in r.issues)]
    assert flagged == [(9,)]


@pytest.fixture(scope="session")
def ko_en_archive(tmp_path_factory):
    from workbench.testing.argos_package import build_argos_package

    out = tmp_path_factory.mktemp("koen")
    texts = reference("ko") + EN
    return build_argos_package(out / "translate-ko_en-0_1.argosmodel", from_code="ko", to_code="en", texts=texts)


@pytest.fixture
def ko_en_model(ko_en_archive, tmp_path, monkeypatch):
    """A real (echo) ko→en package installed in a folder of its own."""
    from argostranslate import settings

    from workbench.models import install_archive

    folder = tmp_path / "packages"
    folder.mkdir()
    monkeypatch.setattr(settings, "package_dirs", [folder])
    monkeypatch.setattr(settings, "package_data_dir", folder)
    monkeypatch.setenv("ARGOS_PACKAGES_DIR", str(folder))
    return install_archive(ko_en_archive)


def test_round_trip_with_a_real_package(ko_en_model):
    """The echo ko→en model "back-translates" Korean into Korean: every paragraph drifts."""
    from workbench.engine import Engine

    engine = Engine()
    assert round_trip_problem(engine, "ko") is None
    ko = reference("ko")[4:7]
    rows = round_trip(EN[4:7], ko, "ko", engine)
    assert [r.back for r in rows] == ko
    assert all(r.drift and r.chrf < 30 for r in rows)


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_same_language_pairing_recovers_the_variant_structure(lang):
    """The variants' gold links hold against the reference too (it has the English structure)."""
    from workbench.align import link_scores, load_gold
    from workbench.compare import pair_versions

    for name in ("added", "dropped", "merged", "mixed", "split"):
        gold = load_gold(SAMPLES / "variants" / f"{STEM}.{lang}.{name}.gold.json")
        version = [p.text for p in read_file(SAMPLES / "variants" / gold["translation"], lang).paragraphs]
        assert link_scores(pair_versions(reference(lang), version, lang), gold["links"])["f1"] == 1.0
