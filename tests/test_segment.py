"""Tests for workbench/segment.py (sentence splitting)."""
from __future__ import annotations

import json
import pathlib
import socket
import sys
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench import segment  # noqa: E402
from workbench.segment import MAX_SENTENCE_CHARS, sentence_spans, split_sentences  # noqa: E402

GOLD = [
    json.loads(line)
    for line in (ROOT / "benchmarks" / "data" / "segmentation_gold.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
SAMPLE = ROOT / "samples" / "china-dprk-vice-premier-visit.en.txt"


def assert_contract(text: str, lang: str = "en") -> list[str]:
    """The exact-substring contract; returns the sentences."""
    sents = split_sentences(text, lang)
    spans = sentence_spans(text, lang)
    assert [text[a:b] for a, b in spans] == sents
    if not text.strip():
        assert sents == [] and spans == []
        return sents
    prev_end = 0
    rebuilt = []
    for i, (a, b) in enumerate(spans):
        assert 0 <= prev_end <= a < b <= len(text)
        gap = text[prev_end:a]
        assert gap == "" or gap.isspace(), (gap, spans)
        if i:
            rebuilt.append(gap)
        s = text[a:b]
        assert s and s == s.strip()
        assert len(s) <= MAX_SENTENCE_CHARS
        rebuilt.append(s)
        prev_end = b
    tail = text[prev_end:]
    assert tail == "" or tail.isspace()
    assert "".join(rebuilt) == text.strip()
    return sents


# ----------------------------------------------------------------- empty input
@pytest.mark.parametrize("text", ["", " ", "\n\n", "\t \u00a0\u2028 ", "\r\n"])
@pytest.mark.parametrize("lang", ["en", "ko", "zh", "xx"])
def test_empty_input(text, lang):
    assert split_sentences(text, lang) == []
    assert sentence_spans(text, lang) == []


# --------------------------------------------------------------------- gold set
@pytest.mark.parametrize("row", GOLD, ids=[f"gold{r['id']}" for r in GOLD])
def test_gold_contract(row):
    assert_contract(row["text"])
    # surrounding whitespace must not change the sentences
    assert split_sentences("  \n" + row["text"] + " \u00a0") == split_sentences(row["text"])


def test_gold_accuracy():
    exact = sum(split_sentences(r["text"]) == r["sentences"] for r in GOLD)
    held = [r for r in GOLD if r["split"] == "heldout"]
    held_exact = sum(split_sentences(r["text"]) == r["sentences"] for r in held)
    assert exact / len(GOLD) >= 0.95
    assert held_exact / len(held) >= 0.90


def test_sample_article_paragraphs():
    text = SAMPLE.read_text(encoding="utf-8")
    paras = [p for p in text.split("\n\n") if p.strip()]
    head = split_sentences(paras[0])
    assert head == [
        "Chinese Vice Premier meets with Kim Jong-un, agreeing to further develop, deepen relations",
        "Published: Sep 10, 2023 11:31 PM",
        "China North Korea Photo: IC",
    ]
    for p in paras:
        assert_contract(p)
    # the whole article in one go also keeps the contract
    assert_contract(text)


# ---------------------------------------------------------------- tricky cases
TRICKY = [
    ("The talks were held on Sep. 10 in Pyongyang. Officials attended.",
     ["The talks were held on Sep. 10 in Pyongyang.", "Officials attended."]),
    ("U.S. officials agreed. The U.K. government did too.",
     ["U.S. officials agreed.", "The U.K. government did too."]),
    ("Mr. Lee met Dr. Park. Gen. Kim did not attend.",
     ["Mr. Lee met Dr. Park.", "Gen. Kim did not attend."]),
    ("Seoul is ranked No. 3 in chip exports. Jan. 5 was a holiday.",
     ["Seoul is ranked No. 3 in chip exports.", "Jan. 5 was a holiday."]),
    ("Acme Inc. said profits rose. It opened a store on St. James St. in London.",
     ["Acme Inc. said profits rose.", "It opened a store on St. James St. in London."]),
    ("Liu met with North Korean leader Kim Jong-un. The two sides agreed.",
     ["Liu met with North Korean leader Kim Jong-un.", "The two sides agreed."]),
    ("The novel was written by J. R. R. Tolkien. It sold well.",
     ["The novel was written by J. R. R. Tolkien.", "It sold well."]),
    ('He said, "No." Then he left.', ['He said, "No."', "Then he left."]),
    ("“We are ready,” Kim said. “The enemy should not misjudge us.” The remarks aired.",
     ["“We are ready,” Kim said.", "“The enemy should not misjudge us.”", "The remarks aired."]),
    ("He called it ‘a gamble.’ Others called it ‘necessary.’ The debate continues.",
     ["He called it ‘a gamble.’", "Others called it ‘necessary.’", "The debate continues."]),
    ('"Why now?" asked one analyst. Nobody knew.', ['"Why now?" asked one analyst.', "Nobody knew."]),
    ("The economy grew 3.5 percent. Exports rose to $1.2 billion.",
     ["The economy grew 3.5 percent.", "Exports rose to $1.2 billion."]),
    ("The minister hesitated... Then he answered. \"We will see ... maybe,\" he said.",
     ["The minister hesitated...", "Then he answered.", "\"We will see ... maybe,\" he said."]),
    ("Will the sanctions work? Few think so! Talks resume Monday.",
     ["Will the sanctions work?", "Few think so!", "Talks resume Monday."]),
    ("The agency (founded in 1946) released data. (The figures are preliminary.) More will follow.",
     ["The agency (founded in 1946) released data.", "(The figures are preliminary.)", "More will follow."]),
    ("It was published at 11:31 PM local time. The meeting ended at 5 p.m. Officials left.",
     ["It was published at 11:31 PM local time.", "The meeting ended at 5 p.m.", "Officials left."]),
    ("The summit starts at 10 a.m. Wednesday in Vladivostok. No agenda was released.",
     ["The summit starts at 10 a.m. Wednesday in Vladivostok.", "No agenda was released."]),
    ("See https://www.globaltimes.cn/page/202309/1297853.shtml for details. Mail press@example.org today.",
     ["See https://www.globaltimes.cn/page/202309/1297853.shtml for details.", "Mail press@example.org today."]),
    ("The sanctions were first imposed by the U.S. The next day, the EU followed.",
     ["The sanctions were first imposed by the U.S.", "The next day, the EU followed."]),
    ("The talks moved to Washington, D.C. Both delegations stayed.",
     ["The talks moved to Washington, D.C.", "Both delegations stayed."]),
    ("SEOUL — North Korea fired a missile, the military said. It landed at sea. — Reporting by Jane Doe",
     ["SEOUL — North Korea fired a missile, the military said.", "It landed at sea.", "— Reporting by Jane Doe"]),
    ("Turnout was high – above 70 percent – in most districts. Kim's message was simple - talks are over.",
     ["Turnout was high – above 70 percent – in most districts.", "Kim's message was simple - talks are over."]),
    ("Officials said they had a Plan B. It was never used.", ["Officials said they had a Plan B.", "It was never used."]),
    ("Sales of the iPhone rose. iPad sales fell.", ["Sales of the iPhone rose.", "iPad sales fell."]),
    ("Lt. Col. Kim briefed Prof. Jang. Capt. Lee led the unit.",
     ["Lt. Col. Kim briefed Prof. Jang.", "Capt. Lee led the unit."]),
]


@pytest.mark.parametrize("text,expected", TRICKY, ids=[t[:30] for t, _ in TRICKY])
def test_tricky_english(text, expected):
    assert assert_contract(text) == expected


def test_proper_noun_after_abbreviation_is_not_split():
    # documented limitation/choice: an abbreviation followed by a proper noun stays attached
    assert split_sentences("The U.S. Congress voted. The U.N. Security Council met.") == [
        "The U.S. Congress voted.",
        "The U.N. Security Council met.",
    ]


def test_spans_are_offsets_into_original():
    text = "  The border reopened.\u00a0\u00a0Trade resumed.\n\nTourism has not.  "
    spans = sentence_spans(text)
    assert [text[a:b] for a, b in spans] == ["The border reopened.", "Trade resumed.", "Tourism has not."]
    assert spans[0][0] == 2


# ------------------------------------------------------------------ line breaks
def test_line_breaks_between_headline_lines_are_boundaries():
    text = "Headline Without Punctuation\nPublished: Sep 10, 2023 11:31 PM\nBody starts here. It goes on."
    assert split_sentences(text) == [
        "Headline Without Punctuation",
        "Published: Sep 10, 2023 11:31 PM",
        "Body starts here.",
        "It goes on.",
    ]


def test_hard_wrapped_paragraph_is_joined():
    text = "The talks were held\non Monday in Seoul and\nended on Tuesday with a joint\nstatement. Officials were pleased."
    assert split_sentences(text) == [
        "The talks were held\non Monday in Seoul and\nended on Tuesday with a joint\nstatement.",
        "Officials were pleased.",
    ]
    assert split_sentences("Kim said the talks were\nsuccessful.") == ["Kim said the talks were\nsuccessful."]


# --------------------------------------------------------------------- ko / zh
@pytest.mark.parametrize(
    "text,lang,expected",
    [
        ("중국 부총리가 김정은을 만났다. 양측은 협력을 강화하기로 했다! 정말일까? 그렇다.", "ko",
         ["중국 부총리가 김정은을 만났다.", "양측은 협력을 강화하기로 했다!", "정말일까?", "그렇다."]),
        ("미국(U.S.) 정부는 3.5% 성장을 예상했다. 다음 날 발표가 있었다.", "ko",
         ["미국(U.S.) 정부는 3.5% 성장을 예상했다.", "다음 날 발표가 있었다."]),
        ("그는 \"좋다.\" 그리고 떠났다.", "ko", ["그는 \"좋다.\"", "그리고 떠났다."]),
        ("김정은은 \"우리는 준비됐다!\"고 말했다.", "ko", ["김정은은 \"우리는 준비됐다!\"고 말했다."]),
        ("中国国务院副总理刘国中会见了金正恩。双方同意深化合作！真的吗？", "zh",
         ["中国国务院副总理刘国中会见了金正恩。", "双方同意深化合作！", "真的吗？"]),
        ("他说：“我们准备好了！”然后离开了。美国GDP增长3.5%。", "zh",
         ["他说：“我们准备好了！”", "然后离开了。", "美国GDP增长3.5%。"]),
        ("会议结束了。（详见附件。）下一步待定。", "zh", ["会议结束了。", "（详见附件。）", "下一步待定。"]),
        ("你好吗?我很好。Yahoo!Japan 不错", "zh", ["你好吗?", "我很好。", "Yahoo!Japan 不错"]),
        ("会谈于周日举行。\n双方发表了声明。", "zh-CN", ["会谈于周日举行。", "双方发表了声明。"]),
        ("회담이 열렸다.\n공동성명이 나왔다.", "ko_KR", ["회담이 열렸다.", "공동성명이 나왔다."]),
    ],
)
def test_cjk(text, lang, expected):
    assert assert_contract(text, lang) == expected


def test_unknown_language_falls_back_to_english():
    text = "Mr. Kim arrived on Sep. 10. He left."
    expected = ["Mr. Kim arrived on Sep. 10.", "He left."]
    assert split_sentences(text, "xx") == expected
    assert split_sentences(text, "fr") == expected
    assert split_sentences(text, "EN-us") == expected


# ------------------------------------------------------------- long sentences
def test_long_sentence_cut_at_semicolon_near_middle():
    half = "the delegation visited a farm, a school and a hospital in the province " * 3
    text = half.strip() + "; " + half.strip() + "."
    assert len(text) > MAX_SENTENCE_CHARS
    sents = assert_contract(text)
    assert len(sents) == 2
    assert sents[0].endswith(";")


def test_long_sentence_cut_at_comma_then_whitespace():
    text = ", ".join(["the delegation visited another factory in the province"] * 12) + "."
    sents = assert_contract(text)
    assert len(sents) == 2 and sents[0].endswith(",")
    words = " ".join(["word"] * 300)
    sents = assert_contract(words)
    assert len(sents) >= 4 and all(s.startswith("word") and s.endswith("word") for s in sents)


def test_long_run_without_separators_is_cut():
    assert_contract("x" * 1000)
    assert_contract("https://example.com/" + "a" * 900 + " is the link.")
    sents = assert_contract("中" * 900 + "，" + "国" * 300 + "。", "zh")
    assert sents[-1].endswith("。")


def test_sentences_at_the_limit_are_not_cut():
    text = ("word " * 80).strip()[: MAX_SENTENCE_CHARS - 1] + "."
    assert len(text) == MAX_SENTENCE_CHARS
    assert split_sentences(text) == [text]


# ------------------------------------------------------------------- property
TOKENS = [
    "U.S.", "U.K.", "Mr.", "Dr.", "Gen.", "No.", "Sep.", "Inc.", "St.", "a.m.", "p.m.", "e.g.", "etc.",
    "J.", "R.", "Kim", "Jong-un.", "3.5", "$1.2", "11:31", "PM", "...", "…", "?", "!", "?!", ".", "..",
    '"', "“", "”", "‘", "’", "'", "(", ")", "[", "]", "—", "–", "-", ";", ",", ":",
    "https://example.com/a.b?c=d", "press@example.org", "The", "it", "iPad", "said", "news",
    "。", "！", "？", "，", "다.", "했다", "中国", "他说", "\n", "\r\n", "\t", "\u00a0", "  ", "\u2028",
]
ALPHABET = st.characters(
    whitelist_categories=("L", "N", "P", "S", "Zs", "Cc", "M"),
    blacklist_characters="\x00",
)
PIECES = st.one_of(st.sampled_from(TOKENS), st.text(ALPHABET, min_size=1, max_size=8))
SEPS = st.sampled_from([" ", " ", " ", "", "\n", "  "])


@st.composite
def paragraphs(draw, max_pieces=60):
    pieces = draw(st.lists(st.tuples(PIECES, SEPS), max_size=max_pieces))
    return "".join(p + s for p, s in pieces)


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=paragraphs(), lang=st.sampled_from(["en", "ko", "zh", "xx"]))
def test_contract_holds_on_generated_text(text, lang):
    assert_contract(text, lang)


@settings(max_examples=200, deadline=None, database=None)
@given(text=st.text(ALPHABET, max_size=200), lang=st.sampled_from(["en", "ko", "zh"]))
def test_contract_holds_on_arbitrary_text(text, lang):
    assert_contract(text, lang)


@settings(max_examples=25, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=paragraphs(max_pieces=400), lang=st.sampled_from(["en", "zh"]))
def test_contract_holds_on_long_generated_text(text, lang):
    assert_contract(text * 3, lang)


# ------------------------------------------------------------ infrastructure
def test_no_network_and_cached_segmenter(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("sentence splitting must not touch the network")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(segment, "_SEGMENTER", None)  # force a fresh build offline
    segment._spans.cache_clear()
    assert split_sentences("Mr. Kim left. He returned.") == ["Mr. Kim left.", "He returned."]
    built = segment._SEGMENTER
    assert built is not None
    segment._spans.cache_clear()
    split_sentences("Another paragraph. With two sentences.")
    assert segment._SEGMENTER is built  # built once, reused


def test_thread_safety():
    rows = [r for r in GOLD]
    expected = {r["id"]: split_sentences(r["text"]) for r in rows}
    errors = []

    def work():
        for r in rows:
            segment._spans.cache_clear()
            if split_sentences(r["text"]) != expected[r["id"]]:
                errors.append(r["id"])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


@pytest.mark.parametrize("text, expected", [
    ("Mail john.doe@example.com. Then run ./scripts/start.sh. It works.",
     ["Mail john.doe@example.com.", "Then run ./scripts/start.sh.", "It works."]),
    ("Run `foo.bar()`. It prints. Also `x. Y` ok.", ["Run `foo.bar()`.", "It prints.", "Also `x. Y` ok."]),
    ("See https://example.org/A. B is next.", ["See https://example.org/A.", "B is next."]),
])
def test_never_splits_inside_a_url_mail_address_path_or_inline_code(text, expected):
    assert split_sentences(text) == expected
